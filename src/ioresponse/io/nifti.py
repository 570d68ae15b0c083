"""NIfTI images and label maps, converted to the LPS ``[k, j, i]`` convention of the PET grid.

Source: NIfTI-1 data format (qform/sform, RAS+ world coordinates),
https://nifti.nimh.nih.gov/nifti-1/ ; SimpleITK returns LPS geometry (https://simpleitk.readthedocs.io).
Rules as in spec/pet.md sections 6.6 (orientation, qform/sform), 6.7 (grid matching and nearest-neighbour
resampling of labels), 4.6 (label values) and 6.8 (writing).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ioresponse.io.dicom import Geometry
from ioresponse.schema import InputError

if TYPE_CHECKING:
    import SimpleITK as sitk  # noqa: N813

QFORM_SFORM_TRANSLATION_MM = 0.01
"""qform and sform disagreeing by more than this in a translation are refused (spec 6.6)."""
QFORM_SFORM_ROTATION = 1e-4
"""... or by more than this in a rotation/scaling element (spec 6.6)."""


def _check_nifti(path: str) -> None:
    """The file is a whole NIfTI image of finite values, and its qform and sform agree (spec 6.6).

    nibabel reads every voxel: SimpleITK reads a truncated .nii.gz without a word (the missing voxels
    become 0), and reads NaN voxels as 0.
    """
    import nibabel as nib

    try:
        image = nib.load(path)
        voxels = np.asarray(image.dataobj)
    except Exception as error:  # nibabel, gzip and zlib raise several types for a file that is not NIfTI
        raise InputError(path, [], None, f"not a readable NIfTI image ({type(error).__name__}: {error}); "
                                         "expected a .nii or .nii.gz volume.") from None
    if not np.isfinite(voxels).all():
        raise InputError(path, [], "voxel values", f"{int((~np.isfinite(voxels)).sum())} NaN or infinite "
                                                   "voxel(s); every voxel needs a value.")
    header = image.header
    if int(header["qform_code"]) > 0 and int(header["sform_code"]) > 0:
        qform = header.get_qform()
        sform = header.get_sform()
        if (
            np.abs(qform[:3, 3] - sform[:3, 3]).max() > QFORM_SFORM_TRANSLATION_MM
            or np.abs(qform[:3, :3] - sform[:3, :3]).max() > QFORM_SFORM_ROTATION
        ):
            raise InputError(
                path,
                [],
                "qform/sform",
                "the qform and sform of the NIfTI header describe different positions; fix the header "
                "(keep one of the two) before using it.",
            )


def read_nifti(path: str | Path) -> tuple[np.ndarray, Geometry]:
    """Read a NIfTI volume as a float64 ``[k, j, i]`` array with its LPS geometry (spec 6.6).

    SimpleITK converts the RAS affine to LPS (x and y negated), so the geometry compares directly
    with a DICOM PET grid.
    """
    import SimpleITK as sitk  # noqa: N813

    path = str(path)
    if not Path(path).is_file():
        raise InputError(path, [], None, "no such NIfTI file.")
    _check_nifti(path)
    try:
        image = sitk.ReadImage(path, sitk.sitkFloat64)
    except RuntimeError as error:
        raise InputError(path, [], None, f"not a readable NIfTI image ({error}).") from None
    if image.GetDimension() != 3:
        raise InputError(path, [], "dim", f"{image.GetDimension()}-D image; a 3-D volume is expected.")
    return sitk.GetArrayFromImage(image), _geometry_of(image)


def _geometry_of(image: sitk.Image) -> Geometry:
    direction = np.asarray(image.GetDirection(), dtype=np.float64).reshape(3, 3)
    size = image.GetSize()
    spacing = tuple(float(s) for s in image.GetSpacing())
    origin = np.asarray(image.GetOrigin(), dtype=np.float64)
    positions = float(origin @ direction[:, 2]) + spacing[2] * np.arange(size[2])
    return Geometry(
        shape=(size[2], size[1], size[0]),
        spacing=spacing,
        origin=origin,
        direction=direction,
        slice_positions=positions,
    )


def _to_sitk(values: np.ndarray, geometry: Geometry) -> sitk.Image:
    import SimpleITK as sitk  # noqa: N813

    image = sitk.GetImageFromArray(values)
    image.SetSpacing(tuple(float(s) for s in geometry.spacing))
    image.SetOrigin(tuple(float(o) for o in geometry.origin))
    image.SetDirection(tuple(float(d) for d in np.asarray(geometry.direction).ravel()))
    return image


def read_nifti_labels(
    path: str | Path,
    target: Geometry | None = None,
    *,
    resample_labels: bool = True,
    fraction_threshold: float | None = None,
) -> tuple[np.ndarray, Geometry]:
    """Read a NIfTI label map (0 background, positive integers lesions) on the PET grid (spec 6.6, 6.7).

    Parameters
    ----------
    path : str or Path
        The label file.
    target : Geometry, optional
        The PET grid. A label on another grid is resampled by nearest neighbour (``resample_labels``),
        or refused.
    resample_labels : bool, default True
        spec 6.7: resample a mismatching label grid (True) or refuse it (False).
    fraction_threshold : float, optional
        Non-integer (fractional) label values are refused unless this is set; they are then binarised
        at ``>= fraction_threshold`` (spec 4.4, 6.6).

    Returns
    -------
    labels : numpy.ndarray of int64, ``[k, j, i]``
    geometry : Geometry
        The grid of ``labels`` (the target when given).
    """
    values, geometry = read_nifti(path)
    path = str(path)
    if np.any(values < 0):
        raise InputError(path, [], "voxel values", "negative label values; expected 0 and positive integers.")
    if not np.all(np.equal(np.mod(values, 1), 0)):
        if fraction_threshold is None:
            raise InputError(
                path,
                [],
                "voxel values",
                "non-integer label values (a fractional mask?); set fraction_threshold to binarise it.",
            )
        values = (values >= fraction_threshold).astype(np.float64)
    labels = values.astype(np.int64)
    if target is None or geometry.matches(target):
        return labels, (target or geometry)
    if not resample_labels:
        raise InputError(
            path,
            [],
            "geometry",
            f"label grid {geometry.shape} with spacing {geometry.spacing} mm does not match the PET grid "
            f"{target.shape} with spacing {target.spacing} mm; allow resample_labels=True.",
        )
    return resample_onto(labels, geometry, target, path), target


def resample_onto(labels: np.ndarray, source: Geometry, target: Geometry, path: str) -> np.ndarray:
    """``labels`` resampled by nearest neighbour onto the PET grid ``target`` (spec 6.7); a label left
    without a voxel (outside the PET image, or smaller than a PET voxel) is refused, never dropped."""
    resampled = resample_nearest(labels, source, target)
    lost = sorted(set(np.unique(labels[labels > 0]).tolist()) - set(np.unique(resampled).tolist()))
    if lost:
        raise InputError(path, [], "geometry",
                         f"label(s) {', '.join(map(str, lost))} have no voxel on the PET grid after "
                         "nearest-neighbour resampling: outside the PET image, or smaller than a PET voxel "
                         f"(labels: origin {_mm(source.origin)}, spacing {_mm(source.spacing)}; PET: "
                         f"origin {_mm(target.origin)}, spacing {_mm(target.spacing)}).")
    return resampled


def _mm(values: object) -> str:
    return "(" + ", ".join(f"{float(v):g}" for v in np.asarray(values).ravel()) + ") mm"


def resample_nearest(labels: np.ndarray, source: Geometry, target: Geometry) -> np.ndarray:
    """Nearest-neighbour resampling of a label volume onto another grid (SimpleITK; spec 6.7)."""
    import SimpleITK as sitk  # noqa: N813

    moving = _to_sitk(labels.astype(np.int32), source)
    reference = _to_sitk(np.zeros(target.shape, dtype=np.int32), target)
    resampled = sitk.Resample(
        moving, reference, sitk.Transform(), sitk.sitkNearestNeighbor, 0, sitk.sitkInt32
    )
    return sitk.GetArrayFromImage(resampled).astype(np.int64)


def write_nifti(values: np.ndarray, geometry: Geometry, path: str | Path, *, dtype: str = "float32") -> None:
    """Write a ``[k, j, i]`` volume as NIfTI through SimpleITK (LPS to RAS handled by it; spec 6.8)."""
    import SimpleITK as sitk  # noqa: N813

    sitk.WriteImage(_to_sitk(np.asarray(values, dtype=dtype), geometry), str(path))
