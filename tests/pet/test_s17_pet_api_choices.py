"""Audit s17 follow-up: choice options and sexes of the PET Python API are refused, never guessed.

STYLE.md 5 ("Errors say where, what, what was expected") and spec/pet.md section 9 (each option takes the
listed values only). Every expected value below is hand arithmetic from spec 1.3 / 1.5 written beside the
assertion, or the documented list of choices; none is taken from the package's output.
"""

from __future__ import annotations

import math

import nibabel as nib
import numpy as np
import pytest

from ioresponse.io.dicom import Geometry
from ioresponse.pet import (
    SuvOptions,
    SUVVolume,
    functional_diameter,
    ideal_body_weight_kg,
    lean_body_mass_kg,
    peak,
    peak_by_method,
    quantify,
    read_nifti_suv,
    segment,
    sphere_kernel,
)
from ioresponse.schema import InputError


def _geometry(shape: tuple[int, int, int], spacing_mm: float = 2.0) -> Geometry:
    return Geometry(shape, (spacing_mm, spacing_mm, spacing_mm), np.zeros(3), np.eye(3))


def _spot() -> np.ndarray:
    image = np.zeros((5, 5, 5))
    image[2, 2, 2] = 1.0
    return image


# --- Item 1: lbm_formula is looked up among its three documented choices (spec 1.3, 9) -----------------


@pytest.mark.parametrize("formula", ["James", "JAMES", "boer", ""])
def test_lean_body_mass_unknown_formula_is_refused_with_the_choices(formula):
    # choices are matched exactly, as the command line (--lbm-formula) and every other option do
    with pytest.raises(InputError) as caught:
        lean_body_mass_kg(71, 178, "M", formula)
    assert caught.value.column == "lbm_formula"
    assert caught.value.message == f"{formula!r} is not one of janmahasatian, james, james120."


def test_lean_body_mass_three_documented_formulas_by_hand():
    # spec 1.3, 71 kg, 178 cm, male; W/H = 71/178 = 0.398876..., (W/H)^2 = 0.159103...
    ratio_sq = (71 / 178) ** 2
    assert lean_body_mass_kg(71, 178, "M", "james") == pytest.approx(1.10 * 71 - 128 * ratio_sq)  # 57.7349
    assert lean_body_mass_kg(71, 178, "M", "james120") == pytest.approx(1.10 * 71 - 120 * ratio_sq)  # 59.0077
    # Janmahasatian: BMI = 71 / 1.78^2 = 22.4088; 9270 x 71 / (6680 + 216 x 22.4088)
    bmi = 71 / 1.78**2
    assert lean_body_mass_kg(71, 178, "M") == pytest.approx(9270 * 71 / (6680 + 216 * bmi))


def test_read_nifti_suv_refuses_an_unknown_lbm_formula(tmp_path):
    path = tmp_path / "pet.nii.gz"
    nib.save(nib.Nifti1Image(np.full((4, 4, 4), 2.0, dtype=np.float32), np.diag([2.0, 2.0, 2.0, 1.0])), path)
    with pytest.raises(InputError, match="'James' is not one of janmahasatian, james, james120"):
        read_nifti_suv(path, pet_units="suvbw", weight_kg=71, height_cm=178, sex="M", lbm_formula="James")
    # the documented "james" still gives LBM / W = (1.10 x 71 - 128 (71/178)^2) / 71 (spec 1.3)
    volume = read_nifti_suv(
        path, pet_units="suvbw", weight_kg=71, height_cm=178, sex="M", lbm_formula="james"
    )
    assert volume.sul_factor == pytest.approx((1.10 * 71 - 128 * (71 / 178) ** 2) / 71)  # 0.81317


@pytest.mark.parametrize(
    ("option", "value", "choices"),
    [
        ("lbm_formula", "James", "janmahasatian, james, james120"),
        ("sex_other", "Mean", "error, mean"),
        ("unit_fixes", "Auto", "strict, auto"),
        ("reference_time", "earliest", "auto, backcompute, earliest_acquisition"),
    ],
)
def test_suv_options_refuse_a_choice_outside_the_documented_values(option, value, choices):
    # SuvOptions docstring lists each field's values; read_suv(**options) builds a SuvOptions first
    with pytest.raises(InputError) as caught:
        SuvOptions(**{option: value})
    assert caught.value.column == option
    assert caught.value.message == f"{value!r} is not one of {choices}."


def test_read_nifti_suv_refuses_an_unknown_sex_other(tmp_path):
    with pytest.raises(InputError, match="'Mean' is not one of error, mean"):
        read_nifti_suv(tmp_path / "never_read.nii.gz", pet_units="suvbw", sex_other="Mean")


def test_from_array_refuses_an_unknown_lbm_formula():
    # the formula names the lesion table's normalization column (lbm_<formula>), so it takes the choices only
    with pytest.raises(InputError, match="'James' is not one of janmahasatian, james, james120"):
        SUVVolume.from_array(_spot(), _geometry((5, 5, 5)), lbm_formula="James")


# --- Item 2: sex M or F in either case; anything else names M/F and sex_other="mean" (spec 1.3, 1.5) ---


@pytest.mark.parametrize(
    "call",
    [lambda sex: lean_body_mass_kg(71, 178, sex), lambda sex: ideal_body_weight_kg(178, sex)],
    ids=["lbm", "ibw"],
)
@pytest.mark.parametrize("sex", ["O", "", "X"])
def test_body_size_formulas_refuse_a_sex_other_than_m_or_f(call, sex):
    with pytest.raises(InputError) as caught:
        call(sex)
    assert caught.value.column == "sex"
    assert caught.value.message.startswith(f"{sex!r} is not M or F;")
    assert "sex_other='mean'" in caught.value.message and "--sex-other mean" in caught.value.message


def test_body_size_formulas_accept_lower_case_sex_as_read_nifti_suv_does():
    # spec 1.5: IBW female = 45.5 + 0.91 x (178 - 152) = 45.5 + 23.66 = 69.16 kg
    assert ideal_body_weight_kg(178, "f") == pytest.approx(69.16)
    # spec 1.5: IBW male = 48.0 + 1.06 x 26 = 75.56 kg
    assert ideal_body_weight_kg(178, " m ") == pytest.approx(75.56)
    # spec 7(b): James male 71 kg 178 cm = 1.10 x 71 - 128 (71/178)^2 = 57.734895 kg
    assert lean_body_mass_kg(71, 178, "m", "james") == pytest.approx(57.734895, abs=1e-6)


# --- Item 3: peak_by_method refuses an unknown method as quantify does (spec 3.6, 9) ------------------------


def test_peak_by_method_unknown_method_gives_quantifys_message():
    image = _spot()
    with pytest.raises(InputError) as by_method:
        peak_by_method(image, image > 0, (2.0, 2.0, 2.0), method="ibsi")
    volume = SUVVolume.from_array(image, _geometry(image.shape))
    with pytest.raises(InputError) as by_quantify:
        quantify(volume, {"a": image > 0}, peak_method="ibsi")
    expected = "'ibsi' is not one of percist, ibsi-local, ibsi-global."
    assert by_method.value.message == by_quantify.value.message == expected
    assert by_method.value.column == by_quantify.value.column == "peak_method"


# --- Item 4: peak placement / weighting and segment keep are refused when unknown (STYLE.md 5) ---------


@pytest.mark.parametrize(
    ("option", "value", "choices"),
    [
        ("placement", "foo", "global, local"),
        ("placement", "Local", "global, local"),
        ("weighting", "foo", "fractional, centre"),
        ("weighting", "center", "fractional, centre"),
    ],
)
def test_peak_refuses_an_unknown_placement_or_weighting(option, value, choices):
    image = _spot()
    with pytest.raises(InputError) as caught:
        peak(image, image > 0, (2.0, 2.0, 2.0), **{option: value})
    assert caught.value.column == option
    assert caught.value.message == f"{value!r} is not one of {choices}."


def test_sphere_kernel_refuses_an_unknown_weighting():
    with pytest.raises(InputError, match="'foo' is not one of fractional, centre"):
        sphere_kernel((2.0, 2.0, 2.0), "foo")


def test_peak_documented_choices_still_agree_with_the_centre_rule_by_hand():
    # 2 mm voxels, r = 6.2035 mm (spec 3.1): centre rule counts offsets with |d| <= r; a single voxel of 1
    # in the kernel gives the mean 1 / 123 (spec 3.3 table: 123 voxels at 2 x 2 x 2 mm)
    image = np.zeros((11, 11, 11))
    image[5, 5, 5] = 1.0
    result = peak(image, image > 0, (2.0, 2.0, 2.0), placement="local", weighting="centre")
    assert result.kernel_voxels == 123
    assert result.value == pytest.approx(1 / 123)
    assert (result.placement, result.weighting) == ("local", "centre")


@pytest.mark.parametrize(
    ("option", "value", "choices"),
    [
        ("keep", "foo", "max_component, all"),
        ("method", "Relative", "relative, absolute, percist"),
        ("absolute_normalisation", "sul", "bw, lbm"),
    ],
)
def test_segment_refuses_an_unknown_choice_even_for_an_empty_voi(option, value, choices):
    image = _spot()
    for voi in (image > 0, np.zeros(image.shape, dtype=bool)):  # an empty VOI lets no choice through
        with pytest.raises(InputError) as caught:
            segment(image, voi, **{option: value})
        assert caught.value.column == option
        assert caught.value.message == f"{value!r} is not one of {choices}."


def test_segment_keep_all_and_max_component_by_hand():
    # two separate voxels of 4 and 2 in the VOI, 41% of 4 = 1.64 (spec 4.2): "all" keeps both (2 voxels),
    # "max_component" only the component of the maximum (1 voxel) (spec 4.3)
    image = np.zeros((5, 5, 5))
    image[1, 1, 1], image[3, 3, 3] = 4.0, 2.0
    voi = np.ones(image.shape, dtype=bool)
    assert segment(image, voi, keep="all")[0].sum() == 2
    assert segment(image, voi, keep="max_component")[0].sum() == 1


def test_functional_diameter_refuses_an_unknown_method_even_for_an_empty_mask():
    for mask in (np.ones((2, 2, 2), dtype=bool), np.zeros((2, 2, 2), dtype=bool)):
        with pytest.raises(InputError, match="'max' is not one of max_axial, max_3d, equivalent_sphere"):
            functional_diameter(mask, (2.0, 2.0, 2.0), "max")
    assert math.isnan(functional_diameter(np.zeros((2, 2, 2), dtype=bool), (2.0, 2.0, 2.0)))  # spec 4.5


# --- Item 5: quantify validates every choice before any lesion, so no labels let one through ------------


@pytest.mark.parametrize(
    ("option", "value", "choices"),
    [
        ("segmentation", "foo", "relative, absolute, percist"),
        ("keep", "foo", "max_component, all"),
        ("absolute_normalisation", "sul", "bw, lbm"),
        ("diameter", "foo", "max_axial, max_3d, equivalent_sphere"),
        ("peak_method", "ibsi", "percist, ibsi-local, ibsi-global"),
    ],
)
def test_quantify_without_labels_refuses_an_unknown_choice(option, value, choices):
    volume = SUVVolume.from_array(_spot(), _geometry((5, 5, 5)))
    with pytest.raises(InputError) as caught:
        quantify(volume, {}, **{option: value})
    assert caught.value.column == option
    assert caught.value.message == f"{value!r} is not one of {choices}."


def test_quantify_without_labels_refuses_an_unknown_connectivity():
    volume = SUVVolume.from_array(_spot(), _geometry((5, 5, 5)))
    with pytest.raises(InputError, match="7 is not one of 6, 18, 26"):
        quantify(volume, {}, connectivity=7)
