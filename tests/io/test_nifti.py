"""NIfTI images and labels on the PET grid (spec/pet.md 6.6-6.8): RAS vs LPS, qform/sform, resampling."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from ioresponse.io.dicom import Geometry
from ioresponse.io.nifti import read_nifti, read_nifti_labels, write_nifti
from ioresponse.schema import InputError

PHANTOM = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ibsi_phantom"

PET_GRID = Geometry(
    shape=(4, 10, 10),
    spacing=(4.0, 4.0, 4.0),
    origin=np.zeros(3),
    direction=np.eye(3),
    slice_positions=np.arange(4) * 4.0,
)
"""An axial LPS grid: voxel [k, j, i] at LPS (4i, 4j, 4k)."""


def _save(path: Path, data_ijk: np.ndarray, affine: np.ndarray, *, qform: np.ndarray | None = None) -> Path:
    image = nib.Nifti1Image(data_ijk, affine)
    image.set_sform(affine, code=1)
    image.set_qform(affine if qform is None else qform, code=1)
    nib.save(image, path)
    return path


def test_ibsi_phantom_geometry() -> None:
    # PROVENANCE: 5 x 4 x 4 voxels (x, y, z) of 2 mm, affine diag(-2, -2, 2): RAS -x/-y is LPS +x/+y.
    image, geometry = read_nifti(PHANTOM / "phantom.nii.gz")
    assert image.shape == (4, 4, 5)
    assert geometry.spacing == (2.0, 2.0, 2.0)
    assert np.allclose(geometry.direction, np.eye(3))
    assert sorted(np.unique(image).tolist()) == [1, 3, 4, 6, 9]
    labels, _ = read_nifti_labels(PHANTOM / "mask.nii.gz", geometry)
    assert int(labels.sum()) == 74  # PROVENANCE: 74 voxels inside


def test_ras_label_lands_on_the_lps_voxel(tmp_path: Path) -> None:
    # NIfTI affine diag(-4, -4, 4): voxel (i, j, k) at RAS (-4i, -4j, 4k) = LPS (4i, 4j, 4k):
    # the PET's grid.
    data = np.zeros((10, 10, 4), dtype=np.int16)
    data[7, 6, 1] = 3
    path = _save(tmp_path / "l.nii.gz", data, np.diag([-4.0, -4.0, 4.0, 1.0]))
    labels, geometry = read_nifti_labels(path, PET_GRID)
    assert geometry is PET_GRID
    assert np.argwhere(labels).tolist() == [[1, 6, 7]]
    assert labels[1, 6, 7] == 3


def test_flipped_nifti_grid_is_resampled_onto_the_pet(tmp_path: Path) -> None:
    # Affine diag(4, 4, 4) with RAS offset (-36, -36, 0): voxel (i, j, k) at LPS (36 - 4i, 36 - 4j, 4k),
    # i.e. PET [k, 9 - j, 9 - i]. A label at nibabel (i=2, j=3, k=1) belongs at PET [1, 6, 7].
    data = np.zeros((10, 10, 4), dtype=np.int16)
    data[2, 3, 1] = 1
    affine = np.diag([4.0, 4.0, 4.0, 1.0])
    affine[:3, 3] = (-36.0, -36.0, 0.0)
    path = _save(tmp_path / "flip.nii.gz", data, affine)
    labels, _ = read_nifti_labels(path, PET_GRID)
    assert np.argwhere(labels).tolist() == [[1, 6, 7]]
    with pytest.raises(InputError, match="does not match the PET grid"):
        read_nifti_labels(path, PET_GRID, resample_labels=False)


def test_qform_sform_disagreement_is_refused(tmp_path: Path) -> None:
    affine = np.diag([-4.0, -4.0, 4.0, 1.0])
    shifted = affine.copy()
    shifted[0, 3] = 2.0
    path = _save(tmp_path / "bad.nii.gz", np.zeros((10, 10, 4), dtype=np.int16), affine, qform=shifted)
    with pytest.raises(InputError, match="qform and sform"):
        read_nifti(path)


def test_fractional_labels_need_a_threshold(tmp_path: Path) -> None:
    data = np.zeros((10, 10, 4), dtype=np.float32)
    data[1, 1, 1] = 0.7
    data[2, 2, 2] = 0.3
    path = _save(tmp_path / "frac.nii.gz", data, np.diag([-4.0, -4.0, 4.0, 1.0]))
    with pytest.raises(InputError, match="fraction_threshold"):
        read_nifti_labels(path, PET_GRID)
    labels, _ = read_nifti_labels(path, PET_GRID, fraction_threshold=0.5)
    assert np.argwhere(labels).tolist() == [[1, 1, 1]]


def test_write_and_read_back(tmp_path: Path) -> None:
    values = np.arange(400, dtype=np.float64).reshape(4, 10, 10)
    write_nifti(values, PET_GRID, tmp_path / "suv.nii.gz")
    back, geometry = read_nifti(tmp_path / "suv.nii.gz")
    assert np.array_equal(back, values)
    assert geometry.matches(PET_GRID)
    ras = nib.load(tmp_path / "suv.nii.gz").affine
    assert np.allclose(np.diag(ras)[:3], (-4.0, -4.0, 4.0))  # written as RAS by SimpleITK


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such NIfTI file"):
        read_nifti(tmp_path / "none.nii.gz")
