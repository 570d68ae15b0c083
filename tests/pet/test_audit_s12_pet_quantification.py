"""Audit of the PET quantification against spec/pet.md sections 0.3, 1, 3, 4, 5 and worked examples 7.

Every expected value below comes from the spec text or from hand arithmetic written next to it, never
from the package's output. The first tests pin proven differences between the code
and the spec, since fixed: they assert what the spec requires.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from _pet_synthetic import BASE_HEADER, example_7e, make_dataset

from ioresponse.io.dicom import Geometry
from ioresponse.pet import (
    SUVVolume,
    compute_suv_factors,
    functional_diameter,
    lean_body_mass_kg,
    peak,
    percist_threshold,
    quantify,
    read_labels,
    read_nifti_suv,
    reference_region,
    segment,
    suv_scale_factors,
)
from ioresponse.pet.quantify import LabelWarning
from ioresponse.pet.suv import SuvOptions, SuvWarning
from ioresponse.schema import InputError

SPACING_4MM = (4.0, 4.0, 4.0)
VOXEL_ML_4MM = 0.064
# 7(g) DRO_0_0: 70 kg, 368.08 MBq at 10:00, reference 11:00 (3600 s), T1/2 6586.2 s -> F_bw = 2.7777812e-4.
F_BW_DRO_0_0 = 2.7777812e-4


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """The folder for the files a test writes (pytest's temporary folder)."""
    return tmp_path


def _grid(
    shape: tuple[int, int, int], spacing=SPACING_4MM, origin=(0.0, 0.0, 0.0), direction=None
) -> Geometry:
    return Geometry(
        tuple(shape), tuple(spacing), np.asarray(origin, float), np.eye(3) if direction is None else direction
    )


def _datasets(**changes) -> list:
    """One in-memory PET instance with the BASE_HEADER of the synthetic helpers plus ``changes``."""
    header = {**BASE_HEADER, **changes}
    return [make_dataset(np.ones((2, 2)), header, position=(0, 0, 0), series_uid="1.2.3", frame_uid="1.2.4")]


def _nifti_pet(folder: Path, value: float = 2.0) -> Path:
    image = sitk.GetImageFromArray(np.full((3, 4, 5), value))
    image.SetSpacing(SPACING_4MM)
    path = folder / "pet.nii.gz"
    sitk.WriteImage(image, str(path))
    return path


def _nifti_labels(folder: Path, labels: np.ndarray, name: str) -> Path:
    image = sitk.GetImageFromArray(labels.astype(np.uint8))
    image.SetSpacing(SPACING_4MM)
    path = folder / name
    sitk.WriteImage(image, str(path))
    return path


def _example_7d() -> tuple[np.ndarray, np.ndarray]:
    image = np.ones((7, 7, 7))
    image[2, 2, 2] = 10.0
    image[4, 4, 4] = 8.0
    for index in [(3, 4, 4), (5, 4, 4), (4, 3, 4), (4, 5, 4), (4, 4, 3), (4, 4, 5)]:
        image[index] = 6.0
    mask = np.zeros(image.shape, dtype=bool)
    mask[2:5, 2:5, 2:5] = True
    return image, mask


# Hand arithmetic for a male 70 kg / 175 cm (the synthetic header): BMI = 70 / 1.75^2 = 22.857143;
# Janmahasatian male 9270 x 70 / (6680 + 216 x BMI) = 648900 / 11617.142857;
# female 648900 / (8780 + 244 x BMI).
BMI_70_175 = 70 / 1.75**2
LBM_JANMA_M_70_175 = 9270 * 70 / (6680 + 216 * BMI_70_175)
LBM_JANMA_F_70_175 = 9270 * 70 / (8780 + 244 * BMI_70_175)


# =====================================================================================================
# Proven differences (fixed since: the assertions state the spec's result)
# =====================================================================================================


# spec 1.8: "Weight, height and sex come from the DICOM header of the PET series unless the patient table
# (`weight_kg`, `height_cm`, `sex`, ...) provides them" and "| weight | 2 to 350 kg | `InputError` |",
# "| height | ... (40 to 250 cm in the table) | `InputError` |". A NIfTI PET takes them from the table (6.6).
@pytest.mark.parametrize(
    "patient",
    [
        {"weight_kg": 5000.0, "height_cm": 175.0},
        {"weight_kg": 1.0, "height_cm": 175.0},
        {"weight_kg": 70.0, "height_cm": 1.75},
        {"weight_kg": 70.0, "height_cm": 300.0},
    ],
    ids=["weight-5000kg", "weight-1kg", "height-1.75cm", "height-300cm"],
)
def test_1_8_nifti_table_weight_and_height_outside_the_ranges_are_refused(scratch, patient):
    with pytest.raises(InputError):
        read_nifti_suv(_nifti_pet(scratch), pet_units="suvbw", sex="M", **patient)


# spec 1.8: "| injected activity | 1e7 to 2e9 Bq (10 MBq to 2 GBq) | `InputError` |" and
# "| half-life | > 0 s | `InputError` |" (the NIfTI "bqml" path takes them from the table, 6.6).
@pytest.mark.parametrize(
    "bad",
    [{"injected_bq": 300.0}, {"injected_bq": 3e9}, {"half_life_s": 0.0}, {"half_life_s": -6586.2}],
    ids=["dose-300Bq", "dose-3GBq", "half-life-0", "half-life-negative"],
)
def test_1_8_nifti_injected_activity_and_half_life_plausibility(scratch, bad):
    import datetime as dt

    arguments = {
        "pet_units": "bqml",
        "weight_kg": 70.0,
        "injected_bq": 3e8,
        "injection_datetime": dt.datetime(2025, 1, 1, 10, 0, 0),
        "reference_datetime": dt.datetime(2025, 1, 1, 11, 0, 0),
        "decay_correction": "START",
        **bad,
    }
    with pytest.raises(InputError):
        read_nifti_suv(_nifti_pet(scratch), **arguments)


# spec 1.6: "The software MUST emit a warning whenever `lbm_formula = "james"` and BMI exceeds the
# sex-specific turning point above." Table row: M 180 / 175, BMI 58.8 (> 43.0), James LBM 198.00 - 135.42
# = 62.58 kg.
def test_1_6_james_above_the_turning_bmi_warns_for_table_values(scratch):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        volume = read_nifti_suv(
            _nifti_pet(scratch),
            pet_units="suvbw",
            weight_kg=180.0,
            height_cm=175.0,
            sex="M",
            lbm_formula="james",
        )
        factor = volume.sul_factor
    assert factor == pytest.approx(62.58 / 180.0, abs=0.006 / 180.0)
    assert caught or volume.provenance["warnings"]


# spec 1.3: "Option `sex_other = "mean"` uses the mean of the male and female values (...) and records a
# warning."
def test_1_3_sex_other_mean_records_a_warning_for_table_values(scratch):
    volume = read_nifti_suv(
        _nifti_pet(scratch), pet_units="suvbw", weight_kg=70.0, height_cm=175.0, sex="O", sex_other="mean"
    )
    expected = (LBM_JANMA_M_70_175 + LBM_JANMA_F_70_175) / 2 / 70.0  # (55.857 + 45.197) / 2 / 70
    assert volume.sul_factor == pytest.approx(expected, rel=1e-12)
    assert volume.provenance["warnings"]


# spec 1.8: "Weight, height and sex come from the DICOM header of the PET series unless the patient table
# (...) provides them; table values override the header and a warning is recorded when they differ by
# more than 5% (weight), 2 cm (height)". (The refusal message itself advises "give the weight:
# --weight-kg KG (...; Python: weight_kg=KG)", which then still fails.)
@pytest.mark.parametrize(
    ("header", "table", "normalization", "expected"),
    [
        # 7(g) DRO_0_0 settings with the table weight 70 kg: F_bw = 2.7777812e-4 g/Bq.
        ({"PatientWeight": 5000.0}, {"weight_kg": 70.0}, "bw", F_BW_DRO_0_0),
        # PatientSize written in cm; table 175 cm -> Janmahasatian male LBM / W = 55.857 / 70.
        ({"PatientSize": 175.0}, {"height_cm": 175.0}, "lbm", F_BW_DRO_0_0 * LBM_JANMA_M_70_175 / 70.0),
    ],
    ids=["weight", "height"],
)
def test_1_8_table_value_overrides_an_implausible_header_value(header, table, normalization, expected):
    factors = compute_suv_factors(_datasets(**header), None, SuvOptions(**table))
    assert factors.bw[0] * factors.conversion(normalization) == pytest.approx(expected, rel=1e-6)
    assert factors.provenance["warnings"]  # the table differs from the header by more than 5% / 2 cm


# spec 5.3 step 3: "Refuse (`InputError`) if the sphere or cylinder extends beyond the image (any voxel
# position of the nominal region lies outside the volume)"; 0.2: `direction` is any orthonormal matrix.
# Hand check: 4 mm voxels, grid rotated 45 degrees about z, centre at voxel (4, 4, 4) of a 9^3 volume. The
# sphere reaches 15 / 4 = 3.75 voxels along every grid axis, i.e. indices 0.25 .. 7.75: inside. Distances
# between voxel centres do not change under the rotation, so the count is that of 5.1: 251 voxels, 16.06 ml.
def test_5_3_liver_sphere_that_fits_a_rotated_grid_is_not_refused():
    c = s = math.sqrt(0.5)
    rotated = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    geometry = _grid((9, 9, 9), origin=(10.0, 20.0, 30.0), direction=rotated)
    region = reference_region(np.ones((9, 9, 9)), geometry, (4, 4, 4), kind="liver", centre_is_index=True)
    assert region.voxel_count == 251
    assert region.volume_ml == pytest.approx(251 * VOXEL_ML_4MM)


# spec 4.6: "Components smaller than `min_component_ml` (default 0, i.e. keep all) can be dropped
# explicitly, never silently."
def test_4_6_min_component_ml_drops_small_components_explicitly(scratch):
    labels = np.zeros((5, 6, 7))
    labels[1, 1, 1] = labels[1, 1, 2] = 1  # 2 voxels = 0.128 ml
    labels[3, 4, 5] = 1  # 1 voxel = 0.064 ml
    volume = SUVVolume.from_array(np.ones((5, 6, 7)), _grid((5, 6, 7)))
    with pytest.warns(LabelWarning, match="1 of 2 connected components smaller than 0.1 ml dropped"):
        lesions = read_labels(_nifti_labels(scratch, labels, "binary.nii.gz"), volume, min_component_ml=0.1)
    assert sorted(int(mask.sum()) for mask in lesions.values()) == [2]


# spec 4.2: "`segment(image, voi, *, method="relative", fraction=0.41, absolute=2.5,
# absolute_normalisation="bw", liver=None, connectivity=26, keep="max_component") -> mask`".
# 7(e) row "absolute 2.5, 26-conn": 41% set + 4.0 + 3.0 + 3.0, 10 voxels, sum 52.2.
def test_4_2_segment_takes_the_absolute_normalisation_option():
    image = example_7e()
    mask, threshold = segment(
        image, np.ones(image.shape, dtype=bool), method="absolute", absolute=2.5, absolute_normalisation="bw"
    )
    assert threshold == pytest.approx(2.5)
    assert int(mask.sum()) == 10
    assert image[mask].sum() == pytest.approx(52.2)


# spec 0.4: warnings are recorded in the provenance. A warning of a normalisation computed on request (the
# James high-BMI warning of 1.6: M 180 kg / 175 cm, BMI 58.8 > 43.0) is recorded once (it was twice: the
# provenance list is the header's, extended with its own tail).
def test_0_4_a_conversion_warning_is_recorded_once():
    header = {"PatientWeight": 180.0, "PatientSize": 1.75, "PatientSex": "M"}
    factors = compute_suv_factors(_datasets(**header), None, SuvOptions(lbm_formula="james"))
    with pytest.warns(SuvWarning, match="BMI 58.8"):
        factors.conversion("lbm")
    recorded = factors.provenance["warnings"]
    assert sum("BMI 58.8" in message for message in recorded) == 1


# =====================================================================================================
# Tricky cases checked by hand that already follow the spec
# =====================================================================================================


def test_1_3_1_4_1_5_worked_example_7b_and_7j_normalisations():
    # 7(b): male 71 kg, 178 cm, 388.78 MBq at 10:35:00, t_ref 11:20:11, T1/2 6588 s; voxel 12345 Bq/ml:
    # SUVbw 2.99862, SUL Janmahasatian 2.41289, James 2.43838, SUVbsa 0.79500 cm^2/ml, SUVibw 3.19121.
    datasets = _datasets(
        PatientWeight=71.0,
        PatientSize=1.78,
        PatientSex="M",
        RadionuclideTotalDose=388.78e6,
        RadionuclideHalfLife=6588.0,
        RadiopharmaceuticalStartDateTime="20250101103500",
        SeriesTime="112011",
        AcquisitionTime="112011",
    )
    expected = {"bw": 2.99862, "lbm": 2.41289, "bsa": 0.79500, "ibw": 3.19121}
    for normalization, value in expected.items():
        assert suv_scale_factors(datasets, normalization)[0] * 12345 == pytest.approx(value, abs=6e-6)
    james = suv_scale_factors(datasets, "lbm", lbm_formula="james")[0]
    assert james * 12345 == pytest.approx(2.43838, abs=6e-6)
    # 7(j) oro.pet: H 200 cm, W 80 kg -> male 88 - 128 x 0.16 = 67.52, female 85.6 - 148 x 0.16 = 61.92.
    assert lean_body_mass_kg(80, 200, "M", "james") == pytest.approx(67.52, abs=1e-9)
    assert lean_body_mass_kg(80, 200, "F", "james") == pytest.approx(61.92, abs=1e-9)
    # 1.6 table: F 150 / 165 -> James 38.19, Janmahasatian 62.57.
    assert lean_body_mass_kg(150, 165, "F", "james") == pytest.approx(38.19, abs=0.006)
    assert lean_body_mass_kg(150, 165, "F") == pytest.approx(62.57, abs=0.006)


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        ({"PatientWeight": 350.0}, True),
        ({"PatientWeight": 350.5}, False),
        ({"PatientWeight": 2.0}, True),
        ({"PatientWeight": 1.99}, False),
        ({"PatientSize": 2.5}, True),
        ({"PatientSize": 2.51}, False),
        ({"PatientSize": 0.4}, True),
        ({"PatientSize": 0.39}, False),
        ({"RadionuclideTotalDose": 1e7}, True),
        ({"RadionuclideTotalDose": 9.99e6}, False),
        ({"RadionuclideTotalDose": 2e9}, True),
        ({"RadionuclideTotalDose": 2.01e9}, False),
        ({"RadionuclideHalfLife": -6586.2}, False),
    ],
)
def test_1_8_header_plausibility_ranges_are_inclusive_and_refuse_outside(changes, accepted):
    # spec 1.8 (strict): weight 2-350 kg, PatientSize 0.40-2.50 m, activity 1e7-2e9 Bq, half-life > 0 s.
    if accepted:
        assert suv_scale_factors(_datasets(**changes), "lbm")[0] > 0
    else:
        with pytest.raises(InputError):
            suv_scale_factors(_datasets(**changes), "lbm")


@pytest.mark.parametrize(
    ("method", "expected", "centre"),
    [("percist", 52.12 / 15.6, "4,4,4"), ("ibsi-global", 56 / 19, "4,4,4"), ("ibsi-local", 28 / 19, "2,2,2")],
)
def test_3_6_worked_example_7d_through_quantify_on_sul(method, expected, centre):
    # 7(d): fractional global 52.12 / 15.6, centre-rule global 56 / 19, local 28 / 19 (SUVbw values);
    # the SUL volume is SUVbw x LBM/W (here 0.5), so SULpeak is half of those numbers (3.6).
    image, mask = _example_7d()
    volume = SUVVolume.from_array(image, _grid(image.shape), conversions={"lbm": 0.5})
    row = quantify(volume, {"B": mask}, peak_method=method).iloc[0]
    assert row["sulpeak"] == pytest.approx(0.5 * expected, abs=1e-12)
    assert row["peak_centre_index"] == centre
    assert row["suvmax"] == 10.0


def test_3_6_require_inside_mask_7d():
    # 7(d): centre rule -> only (3,3,3) fits, 34 / 19; fractional (kernel spans 5 voxels) -> NaN + warning.
    image, mask = _example_7d()
    result = peak(image, mask, SPACING_4MM, weighting="centre", require_inside_mask=True)
    assert result.value == pytest.approx(34 / 19, abs=1e-12) and result.centre_index == (3, 3, 3)
    with pytest.warns(Warning, match="lesion smaller"):
        assert math.isnan(peak(image, mask, SPACING_4MM, require_inside_mask=True).value)


def test_3_4_3_7_one_voxel_lesion_at_the_image_corner_renormalises_the_kernel():
    # Background 1, corner voxel 10, VOI = that voxel only (3.7: no minimum size). 3.4: outside voxels
    # are excluded and the weights renormalised. Centre rule: in-image taps = centre + 3 faces + 3 edges =
    # 7 -> (10 + 6) / 7. Fractional (3.3 weights): sum w = 1 + 3 x 0.984 + 3 x 0.576 + 0.214 + 3 x 0.012 =
    # 5.93 -> (5.93 + 9) / 5.93.
    image = np.ones((6, 6, 6))
    image[0, 0, 0] = 10.0
    voi = np.zeros(image.shape, dtype=bool)
    voi[0, 0, 0] = True
    volume = SUVVolume.from_array(image, _grid(image.shape), conversions={"lbm": 1.0})
    assert quantify(volume, {"c": voi}, peak_method="ibsi-global")["sulpeak"].iloc[0] == pytest.approx(16 / 7)
    assert quantify(volume, {"c": voi})["sulpeak"].iloc[0] == pytest.approx(1 + 9 / 5.93, abs=1e-12)
    assert peak(image, voi, SPACING_4MM).truncated_by_image_edge


def test_3_6_ties_prefer_the_higher_centre_value_over_c_order_and_local_takes_the_best_maximum():
    # Centre rule, background 0: voxels (4,4,3) = 4 and (4,4,4) = 6 are face neighbours, so both means are
    # (4 + 6) / 19: a tie; the higher centre value (4,4,4) wins although (4,4,3) is first in C order.
    image = np.zeros((9, 9, 9))
    image[4, 4, 3], image[4, 4, 4] = 4.0, 6.0
    mask = image > 0
    result = peak(image, mask, SPACING_4MM, weighting="centre")
    assert result.value == pytest.approx(10 / 19) and result.centre_index == (4, 4, 4)
    # Local placement, two voxels share the maximum 7: (2,2,2) -> (7 + 18) / 19; (7,7,7) with a face
    # neighbour 5 -> (7 + 5 + 17) / 19 = 29 / 19: "take the highest of their means" (3.2, 3.6).
    image = np.ones((11, 11, 11))
    image[2, 2, 2] = image[7, 7, 7] = 7.0
    image[7, 7, 8] = 5.0
    mask = image > 1
    result = peak(image, mask, SPACING_4MM, placement="local", weighting="centre")
    assert result.value == pytest.approx(29 / 19) and result.centre_index == (7, 7, 7)


@pytest.mark.parametrize(
    ("options", "n_voxels", "total", "diameter"),
    [
        ({"connectivity": 6}, 5, 33.1, 4 * math.sqrt(2) + 4),
        ({"connectivity": 18}, 6, 37.7, None),
        ({}, 7, 42.2, 8 * math.sqrt(2) + 4),
        ({"keep": "all"}, 8, 49.2, None),
        ({"fraction": 0.5}, 4, 29.0, None),
        ({"segmentation": "absolute"}, 10, 52.2, None),
        ({"segmentation": "absolute", "absolute": 5.0 * 0.5, "absolute_normalisation": "lbm"}, 4, 29.0, None),
    ],
)
def test_4_2_to_4_5_worked_example_7e_through_quantify(options, n_voxels, total, diameter):
    # 7(e) table (0.064 ml voxels, TLG = sum x 0.064); the 4.1 voxel exactly on 0.41 x 10 is included (0.3).
    # Last row: 2.5 SUL with LBM/W 0.5 is SUVbw 5.0, the 50% set.
    image = example_7e()
    volume = SUVVolume.from_array(image, _grid(image.shape), conversions={"lbm": 0.5})
    table = quantify(volume, {"1": np.ones(image.shape, dtype=bool)}, **options)
    row = table.iloc[0]
    assert row["mtv_ml"] == pytest.approx(n_voxels * VOXEL_ML_4MM, abs=1e-12)
    assert row["tlg"] == pytest.approx(total * VOXEL_ML_4MM, abs=1e-9)
    assert row["suvmean"] == pytest.approx(total / n_voxels, abs=1e-9)
    assert row["sulmean"] == pytest.approx(0.5 * total / n_voxels, abs=1e-9)
    assert table.attrs["total_mtv_ml"] == pytest.approx(n_voxels * VOXEL_ML_4MM, abs=1e-12)
    if diameter is not None:
        assert row["functional_diameter_mm"] == pytest.approx(diameter, abs=1e-9)


def test_4_5_functional_diameter_on_anisotropic_and_degenerate_masks():
    # Spacing (dk, dj, di) = (5, 3, 2): 3 voxels along j -> 2 x 3 + (3 + 2) / 2 = 8.5 (max_axial);
    # max_3d 6 + (5 + 3 + 2) / 3; equivalent sphere (6 x 3 x 30 / pi)^(1/3).
    mask = np.zeros((3, 5, 5), dtype=bool)
    mask[1, 1:4, 2] = True
    assert functional_diameter(mask, (5.0, 3.0, 2.0)) == pytest.approx(8.5)
    assert functional_diameter(mask, (5.0, 3.0, 2.0), "max_3d") == pytest.approx(6 + 10 / 3)
    sphere = functional_diameter(mask, (5.0, 3.0, 2.0), "equivalent_sphere")
    assert sphere == pytest.approx((540 / math.pi) ** (1 / 3))
    # > 50 points, degenerate for the hull: a flat 8 x 8 square (coplanar in 3-D) and a 60-voxel run.
    square = np.zeros((3, 10, 10), dtype=bool)
    square[1, 1:9, 1:9] = True
    assert functional_diameter(square, SPACING_4MM, "max_3d") == pytest.approx(28 * math.sqrt(2) + 4)
    run = np.zeros((3, 3, 70), dtype=bool)
    run[1, 1, 3:63] = True
    assert functional_diameter(run, SPACING_4MM) == pytest.approx(240.0)


def test_4_6_4_7_binary_labels_split_26_connected_and_totals_count_the_union(scratch):
    # 4.6: a binary map is split by 26-connectivity: (1,1,1) and (2,2,2) touch at a corner -> one lesion;
    # (3,4,5) alone. A map with values 1 and 2 keeps one lesion per value (value 2 in two pieces).
    volume = SUVVolume.from_array(np.ones((5, 6, 7)), _grid((5, 6, 7)))
    binary = np.zeros((5, 6, 7))
    binary[1, 1, 1] = binary[2, 2, 2] = binary[3, 4, 5] = 1
    lesions = read_labels(_nifti_labels(scratch, binary, "binary.nii.gz"), volume)
    assert sorted(int(m.sum()) for m in lesions.values()) == [1, 2]
    valued = np.zeros((5, 6, 7))
    valued[1, 1, 1] = valued[3, 4, 5] = 2
    valued[0, 0, 0] = 1
    lesions = read_labels(_nifti_labels(scratch, valued, "valued.nii.gz"), volume)
    assert {k: int(m.sum()) for k, m in lesions.items()} == {"1": 1, "2": 2}
    # 4.7: two VOIs sharing the middle voxel of a 3-voxel run of SUV 10: each lesion 0.128 ml, but the
    # union is 3 voxels: 0.192 ml and TLG 30 x 0.064 = 1.92 (not 2.56).
    image = np.ones((5, 5, 5))
    image[2, 2, 1:4] = 10.0
    a = np.zeros(image.shape, dtype=bool)
    b = np.zeros(image.shape, dtype=bool)
    a[2, 2, 1:3] = True
    b[2, 2, 2:4] = True
    volume = SUVVolume.from_array(image, _grid(image.shape), conversions={"lbm": 1.0})
    table = quantify(volume, {"a": a, "b": b})
    assert table["mtv_ml"].tolist() == pytest.approx([0.128, 0.128])
    assert table.attrs["total_mtv_ml"] == pytest.approx(0.192)
    assert table.attrs["total_tlg"] == pytest.approx(1.92)


def test_5_2_blood_pool_cylinder_axis_follows_patient_z_not_the_slice_axis():
    # 5.2: cylinder along the patient z axis; 3.27 x 4.07 x 4.07 mm -> 35 voxels (5 per plane x 7 along z).
    # Here the row axis j points along patient z (dj = 3.27) and the slice axis k along y: still 35.
    direction = np.column_stack([[1.0, 0, 0], [0, 0, 1.0], [0, 1.0, 0]])
    geometry = _grid((9, 9, 9), spacing=(4.07, 3.27, 4.07), direction=direction)
    region = reference_region(
        np.ones((9, 9, 9)), geometry, (4, 4, 4), kind="blood_pool", centre_is_index=True
    )
    assert region.voxel_count == 35
    # 5.5 example: liver 1.80 / 0.25 -> T = 3.20; a lesion with SULpeak 3.10 is not measurable.
    threshold = percist_threshold(1.80, 0.25)
    assert threshold == pytest.approx(3.20)
    assert threshold > 3.10
