"""Fixes of audit s20 "nifti": axial functional diameter whatever the storage order (spec/pet.md 4.5),
binary label maps of any one value (4.6), the grid a refusal names (0.4, 6.7), labels cut at the edge of
the PET image (nothing dropped silently), and ``--fraction-threshold`` on the command line (6.6).

Every expected value is hand arithmetic written beside its assertion.
"""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import assert_refused, cli, flat  # noqa: E402

from ioresponse.pet import quantify, read_labels, read_nifti_suv  # noqa: E402
from ioresponse.pet.quantify import LabelWarning  # noqa: E402
from ioresponse.pet.segment import functional_diameter  # noqa: E402
from ioresponse.schema import InputError  # noqa: E402

PATIENT = {"weight_kg": 70.0, "height_cm": 170.0, "sex": "M"}
SUV_CLI = ("--pet-units", "suvbw", "--weight-kg", "70", "--height-cm", "170", "--sex", "M")
AFFINE = np.diag([-4.0, -4.0, 2.0, 1.0])  # RAS diag(-4, -4, 2): array axes i, j, k = LPS +x, +y, +z


def _save(path: Path, data_ijk: np.ndarray, affine: np.ndarray = AFFINE) -> Path:
    image = nib.Nifti1Image(data_ijk, affine)
    image.set_sform(affine, code=1)
    image.set_qform(affine, code=1)
    nib.save(image, path)
    return path


def _volume(path: Path):
    return read_nifti_suv(path, pet_units="suvbw", **PATIENT)


def _pet(tmp_path: Path, shape: tuple[int, int, int] = (8, 8, 10)) -> Path:
    image = np.ones(shape, dtype=np.float32)
    image[3:6, 3:6, 4:7] = 10.0
    return _save(tmp_path / "pet.nii.gz", image)


# ---------------------------------------------------------------------------------------------------
# spec 4.5: "for each axial slice of the mask" -- the slices across the patient z axis
# ---------------------------------------------------------------------------------------------------

# A grid stored with its [k, j, i] array axes along patient y, x, z: direction columns (i, j, k) = LPS
# (0, 0, 1), (1, 0, 0), (0, 1, 0); spacing (di, dj, dk) = (2, 4, 4) mm, i.e. 4 x 4 mm in-plane, 2 mm slices.
PERMUTED = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
PERMUTED_SPACING_ZYX = (4.0, 4.0, 2.0)  # (dk, dj, di)


def test_axial_diameter_of_a_permuted_grid_is_measured_across_patient_z() -> None:
    mask = np.zeros((7, 9, 11), dtype=bool)
    mask[3, 2:7, 5] = True  # 5 voxels along j = patient x: 4 x 4 mm + (4 + 4) / 2 = 20 mm
    assert functional_diameter(mask, PERMUTED_SPACING_ZYX, "max_axial", PERMUTED) == pytest.approx(20.0)
    along_y = np.zeros((7, 9, 11), dtype=bool)
    along_y[1:4, 4, 5] = True  # 3 voxels along k = patient y: 2 x 4 mm + 4 mm = 12 mm
    assert functional_diameter(along_y, PERMUTED_SPACING_ZYX, "max_axial", PERMUTED) == pytest.approx(12.0)
    along_z = np.zeros((7, 9, 11), dtype=bool)
    along_z[3, 4, 2:7] = True  # 5 voxels along i = patient z: one voxel per axial slice = (4 + 4) / 2 = 4 mm
    assert functional_diameter(along_z, PERMUTED_SPACING_ZYX, "max_axial", PERMUTED) == pytest.approx(4.0)
    # max_3d does not depend on the slices: 4 x 2 mm + (4 + 4 + 2) / 3
    assert functional_diameter(along_z, PERMUTED_SPACING_ZYX, "max_3d", PERMUTED) == pytest.approx(8 + 10 / 3)


def test_axial_diameter_of_an_oblique_grid_keeps_in_plane_distances() -> None:
    # Rotated 30 degrees about z: the axial slices are still the k-planes and in-plane distances between
    # voxel centres do not change. An L of voxels (j 2, i 2..6) + (j 2..5, i 2) on 4 x 4 mm: the far ends
    # (j 2, i 6) and (j 5, i 2) are sqrt(16^2 + 12^2) = 20 mm apart, + 4 mm = 24 mm.
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)
    rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    mask = np.zeros((3, 8, 8), dtype=bool)
    mask[1, 2, 2:7] = True
    mask[1, 2:6, 2] = True
    assert functional_diameter(mask, (2.0, 4.0, 4.0), "max_axial", rotation) == pytest.approx(24.0)


def test_quantify_measures_the_axial_diameter_of_a_permuted_nifti(tmp_path: Path) -> None:
    # The same patient image (a 5-voxel run along patient x, 4 x 4 x 2 mm) stored as nibabel [z, x, y]:
    # affine columns (i, j, k) = RAS z (0, 0, 2), x (-4, 0, 0), y (0, -4, 0). spec 4.5: 4 x 4 + 4 = 20 mm.
    image = np.ones((9, 8, 10), dtype=np.float32)  # nibabel (x, y, z)
    image[2:7, 4, 5] = 10.0
    labels = np.zeros((9, 8, 10), dtype=np.int16)
    labels[1:8, 3:6, 4:7] = 1
    affine = np.zeros((4, 4))
    affine[:3, 0], affine[:3, 1], affine[:3, 2], affine[3, 3] = [0, 0, 2], [-4, 0, 0], [0, -4, 0], 1.0
    pet = _save(tmp_path / "pet.nii.gz", np.transpose(image, (2, 0, 1)).copy(), affine)
    lab = _save(tmp_path / "lab.nii.gz", np.transpose(labels, (2, 0, 1)).copy(), affine)
    volume = _volume(pet)
    table = quantify(volume, read_labels(lab, volume))
    assert table["functional_diameter_mm"].tolist() == pytest.approx([20.0])


# ---------------------------------------------------------------------------------------------------
# spec 4.6: a binary map is 0 and one other value, whatever that value is
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 7, 255])
def test_binary_map_of_any_value_is_split_into_components(tmp_path: Path, value: int) -> None:
    volume = _volume(_pet(tmp_path))
    labels = np.zeros((8, 8, 10), dtype=np.uint8)
    labels[0:2, 0:2, 0:2] = value  # 8 voxels in one corner
    labels[5:8, 5:8, 7:10] = value  # 27 voxels in the other, not touching
    masks = read_labels(_save(tmp_path / "lab.nii.gz", labels), volume)
    # two 26-connected components, numbered in array order ([k, j, i]: the k 0..1 corner first)
    assert {lesion: int(mask.sum()) for lesion, mask in masks.items()} == {"1": 8, "2": 27}


def test_binary_map_with_one_lesion_keeps_its_value(tmp_path: Path) -> None:
    # One connected lesion of value 255: splitting gives one component, and the id stays the user's 255.
    volume = _volume(_pet(tmp_path))
    labels = np.zeros((8, 8, 10), dtype=np.uint8)
    labels[3:6, 3:6, 4:7] = 255
    masks = read_labels(_save(tmp_path / "lab.nii.gz", labels), volume)
    assert list(masks) == ["255"] and int(masks["255"].sum()) == 27


def test_several_values_are_one_lesion_each_and_split_false_keeps_a_binary_map(tmp_path: Path) -> None:
    volume = _volume(_pet(tmp_path))
    labels = np.zeros((8, 8, 10), dtype=np.uint8)
    labels[0:2, 0:2, 0:2] = 255
    labels[5:8, 5:8, 7:10] = 255
    path = _save(tmp_path / "lab.nii.gz", labels)
    assert {k: int(v.sum()) for k, v in read_labels(path, volume, split=False).items()} == {"255": 35}
    labels[5:8, 5:8, 7:10] = 3  # two values: one lesion per value (spec 4.6), never split
    masks = read_labels(_save(tmp_path / "two.nii.gz", labels), volume)
    assert {k: int(v.sum()) for k, v in masks.items()} == {"3": 27, "255": 8}


# ---------------------------------------------------------------------------------------------------
# spec 0.4 / 6.7: a refused grid names what differs
# ---------------------------------------------------------------------------------------------------


def _refused(tmp_path: Path, labels: np.ndarray, affine: np.ndarray) -> str:
    volume = _volume(_pet(tmp_path))
    with pytest.raises(InputError) as raised:
        read_labels(_save(tmp_path / "lab.nii.gz", labels, affine), volume, resample_labels=False)
    return raised.value.message


def test_refused_grid_names_the_origin_found_and_expected(tmp_path: Path) -> None:
    # RAS origin x = +4 mm is LPS x = -4 mm; the PET origin is LPS (0, 0, 0).
    affine = AFFINE.copy()
    affine[0, 3] = 4.0
    message = _refused(tmp_path, np.ones((8, 8, 10), dtype=np.int16), affine)
    assert "origin (LPS) (-4, 0, 0) mm in the labels, (0, 0, 0) mm in the PET" in message
    assert "spacing" not in message and "shape" not in message and "direction" not in message
    assert "resample_labels=True" in message


def test_refused_grid_names_shape_and_spacing(tmp_path: Path) -> None:
    # 16 x 16 x 20 voxels of 2 x 2 x 1 mm against the PET's 8 x 8 x 10 of 4 x 4 x 2 mm, same origin;
    # shapes in [k, j, i] order: (20, 16, 16) and (10, 8, 8).
    message = _refused(tmp_path, np.ones((16, 16, 20), dtype=np.int16), np.diag([-2.0, -2.0, 1.0, 1.0]))
    assert "shape (k, j, i) (20, 16, 16) in the labels, (10, 8, 8) in the PET" in message
    assert "spacing (i, j, k) (2, 2, 1) mm in the labels, (4, 4, 2) mm in the PET" in message
    assert "origin" not in message


def test_refused_grid_names_the_direction(tmp_path: Path) -> None:
    # i reversed: RAS column 0 = +4 mm (LPS -x), same origin, shape and spacing; the LPS direction matrix
    # becomes diag(-1, 1, 1), the PET's is the identity.
    affine = AFFINE.copy()
    affine[0, 0] = 4.0
    message = _refused(tmp_path, np.ones((8, 8, 10), dtype=np.int16), affine)
    assert ("direction (-1, 0, 0, 0, 1, 0, 0, 0, 1) in the labels, (1, 0, 0, 0, 1, 0, 0, 0, 1) in the PET"
            in message)
    assert "origin" not in message and "spacing" not in message


# ---------------------------------------------------------------------------------------------------
# nothing dropped silently: a label reaching outside the PET image
# ---------------------------------------------------------------------------------------------------


def test_label_partly_outside_the_pet_image_warns_with_voxels_kept_and_lost(tmp_path: Path) -> None:
    # PET i 0..7; the label grid has the same spacing and origin but 12 columns. Label 2: i 5..10, j 3..5,
    # k 4..5 = 6 x 3 x 2 = 36 voxels; columns 8..10 (3 x 3 x 2 = 18) are outside, 5..7 (18) inside.
    # Label 1 lies wholly inside: no warning for it.
    volume = _volume(_pet(tmp_path))
    labels = np.zeros((12, 8, 10), dtype=np.int16)
    labels[5:11, 3:6, 4:6] = 2
    labels[0:2, 0:2, 0:2] = 1
    path = _save(tmp_path / "wide.nii.gz", labels)
    with pytest.warns(LabelWarning) as caught:
        masks = read_labels(path, volume)
    messages = [str(w.message) for w in caught if issubclass(w.category, LabelWarning)]
    assert len(messages) == 1
    assert messages[0].startswith(f"{path}: label 2: 18 of its 36 voxels (on the label grid) lie outside the "
                                  "PET image")
    assert "18 kept" in messages[0]
    assert int(masks["2"].sum()) == 18 and int(masks["1"].sum()) == 8  # the voxels kept, as said


def test_label_wholly_inside_on_another_grid_does_not_warn(tmp_path: Path) -> None:
    # 2 x 2 x 1 mm label grid, block at LPS x, y 12..20, z 8..12 mm: inside the PET image (x, y -2..30 mm).
    volume = _volume(_pet(tmp_path))
    labels = np.zeros((16, 16, 20), dtype=np.int16)
    labels[6:11, 6:11, 8:13] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", LabelWarning)
        masks = read_labels(_save(tmp_path / "fine.nii.gz", labels, np.diag([-2.0, -2.0, 1.0, 1.0])), volume)
    assert int(masks["1"].sum()) == 27  # PET voxels I, J 3..5, K 4..6


# ---------------------------------------------------------------------------------------------------
# spec 6.6: non-integer labels refused unless a threshold is set; the CLI option --fraction-threshold
# ---------------------------------------------------------------------------------------------------


def _probability(tmp_path: Path) -> Path:
    probability = np.zeros((8, 8, 10), dtype=np.float32)
    probability[3:6, 3:6, 4:7] = 0.7  # 27 voxels at 0.7
    probability[0, 0, 0] = 0.3  # below 0.5
    return _save(tmp_path / "prob.nii.gz", probability)


def _quantify_cli(tmp_path: Path, labels: Path, *extra: str):
    return cli("pet", "quantify", _pet(tmp_path), "--labels", labels, "--out", tmp_path / "out.csv",
               *SUV_CLI, *extra)


def test_cli_refuses_a_probability_map_naming_fraction_threshold(tmp_path: Path) -> None:
    result = _quantify_cli(tmp_path, _probability(tmp_path))
    # 28 non-integer voxels (27 x 0.7 + one 0.3); the first in [k, j, i] order is (0, 0, 0) = 0.3
    assert_refused(result, "prob.nii.gz", "non-integer label values (28 voxel(s), e.g. 0.3",
                   "--fraction-threshold 0.5")


def test_cli_fraction_threshold_binarises_a_probability_map(tmp_path: Path) -> None:
    result = _quantify_cli(tmp_path, _probability(tmp_path), "--fraction-threshold", "0.5")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out.csv")
    # >= 0.5 keeps the 27 voxels of 0.7, one lesion (a binary map of one component, id 1); the PET block
    # of 10 is those voxels, 41 % of 10 = 4.1 -> MTV 27 x 0.032 ml
    assert table["lesion_id"].tolist() == [1]
    assert table["voi_voxels"].tolist() == [27]
    assert table["mtv_ml"].tolist() == pytest.approx([27 * 0.032])


@pytest.mark.parametrize("value", ["0", "1.5", "-0.2"])
def test_cli_fraction_threshold_outside_0_1_is_refused(tmp_path: Path, value: str) -> None:
    result = _quantify_cli(tmp_path, _probability(tmp_path), "--fraction-threshold", value)
    assert_refused(result, "--fraction-threshold", "is not in (0, 1]")
    assert "Traceback" not in flat(result)


def test_api_fraction_threshold_outside_0_1_is_refused(tmp_path: Path) -> None:
    volume = _volume(_pet(tmp_path))
    with pytest.raises(InputError, match=r"fraction_threshold.*is not in \(0, 1\]"):
        read_labels(_probability(tmp_path), volume, fraction_threshold=0.0)
