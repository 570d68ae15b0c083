"""Independent audit of spec/pet.md rules not pinned by the other PET tests.

Every expected value is computed by hand from the spec text (arithmetic in the comments); the synthetic
series use the IBSI-SUV settings of tests/pet/_pet_synthetic.py (70 kg, 1.75 m, male, 368.08 MBq injected
2025-01-01 10:00:00, series and acquisition 11:00:00, T1/2 6586.2 s, FrameReferenceTime 150 s of a 300 s
frame, Manufacturer "Synthetic").
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from _pet_synthetic import write_series

from ioresponse.io.dicom import Geometry
from ioresponse.pet import (
    SUVVolume,
    compute_suv_factors,
    functional_diameter,
    peak,
    quantify,
    reference_region,
    segment,
    sphere_kernel,
)
from ioresponse.pet.segment import split_components
from ioresponse.pet.suv import SuvOptions, SuvWarning
from ioresponse.schema import InputError

HALF_LIFE_S = 6586.2
DECAY = math.log(2) / HALF_LIFE_S
DOSE_BQ = 368.08e6
WEIGHT_G = 70000.0


def _f_bw(uptake_s: float, weight_g: float = WEIGHT_G, dose_bq: float = DOSE_BQ) -> float:
    """spec 1.1/2.6 START: F_bw = 1000 W / (A_inj 2^(-t/T1/2))."""
    return weight_g / (dose_bq * 2 ** (-uptake_s / HALF_LIFE_S))


def _t_ave(duration_s: float) -> float:
    """spec 2.7: T_ave(T) = (1/lambda) ln(lambda T / (1 - exp(-lambda T)))."""
    x = DECAY * duration_s
    return math.log(x / (1 - math.exp(-x))) / DECAY


def _datasets(tmp_path: Path, header: dict, shape=(2, 4, 4), value: float = 10000.0, **kwargs) -> list:
    folder = tmp_path / "series"
    write_series(folder, np.full(shape, value), header, **kwargs)
    return [pydicom.dcmread(p) for p in sorted(folder.iterdir())]


def _factors(datasets: list, **options):
    """compute_suv_factors with SuvWarnings silenced (they are checked via provenance['warnings'])."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuvWarning)
        return compute_suv_factors(datasets, options=SuvOptions(**options))


def _warned(factors, text: str) -> bool:
    return any(text in w for w in factors.provenance["warnings"])


# ---------------------------------------------------------------------------------------------------
# 2.7 decay reference time of START images
# ---------------------------------------------------------------------------------------------------


def test_2_7_rule3_series_time_exactly_1s_after_earliest_acquisition_is_still_the_reference(tmp_path):
    # spec 2.7 rule 3: "SeriesDateTime <= earliest_acq + 1 s". SeriesTime 11:00:01, acquisition 11:00:00:
    # t_ref = 11:00:01, uptake 3601 s -> F_bw = 70000 / (368.08e6 x 2^(-3601/6586.2)) = 2.7780736e-4.
    factors = _factors(_datasets(tmp_path, {"SeriesTime": "110001"}))
    assert factors.provenance["reference_time_source"] == "series"
    assert factors.provenance["uptake_s"] == pytest.approx(3601.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(_f_bw(3601.0), rel=1e-9)


def test_2_7_rule3_series_time_2s_after_acquisition_falls_to_earliest_acquisition_with_warning(tmp_path):
    # spec 2.7: 11:00:02 > 11:00:00 + 1 s -> rule 3 fails; no FrameReferenceTime -> rule 4 not computable;
    # rule 5: t_ref = earliest acquisition 11:00:00 (uptake 3600 s) "with a warning".
    factors = _factors(_datasets(tmp_path, {"SeriesTime": "110002", "FrameReferenceTime": None}))
    assert factors.provenance["reference_time_source"] == "earliest_acquisition"
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(_f_bw(3600.0), rel=1e-9)
    assert factors.provenance["warnings"]


def test_2_7_rule3_compares_with_the_earliest_not_the_latest_acquisition(tmp_path):
    # spec 2.7 rule 3 uses "the earliest acquisition time of the whole series": acquisitions 11:00:00 and
    # 11:05:00, SeriesTime 11:02:00 is after the earliest -> not the reference; rule 5 -> 11:00:00, 3600 s
    # (using SeriesTime would give 3720 s).
    datasets = _datasets(
        tmp_path,
        {"SeriesTime": "110200", "FrameReferenceTime": None},
        per_slice={"AcquisitionTime": ["110000", "110500"]},
    )
    factors = _factors(datasets)
    assert factors.provenance["reference_time_source"] == "earliest_acquisition"
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)


def test_2_7_rule1_decay_correction_datetime_wins_and_cross_check_a_warns(tmp_path):
    # spec 2.7 rule 1: DecayCorrectionDateTime 10:50:00 identical on all images -> t_ref, uptake 3000 s,
    # F_bw = 70000 / (368.08e6 x 2^(-3000/6586.2)) = 2.6078003e-4. Cross-check (a): rule 4 is computable
    # (non-GE, r = 11:00:00 + T_ave(300 s) - 150 s = 11:00:00 - 0.39 s), 600 s away from t_ref (> 120 s)
    # -> warn; warnings never change a number.
    factors = _factors(_datasets(tmp_path, {"DecayCorrectionDateTime": "20250101105000"}))
    assert factors.provenance["reference_time_source"] == "decay_correction_datetime"
    assert factors.provenance["uptake_s"] == pytest.approx(3000.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(_f_bw(3000.0), rel=1e-9)
    assert _warned(factors, "back-computed")


def test_2_7_rule1_needs_identical_values_on_all_images(tmp_path):
    # spec 2.7 rule 1 "present and identical on all images": 10:50:00 / 10:51:00 -> rule 3 (series, 3600 s).
    datasets = _datasets(
        tmp_path, {}, per_slice={"DecayCorrectionDateTime": ["20250101105000", "20250101105100"]}
    )
    factors = _factors(datasets)
    assert factors.provenance["reference_time_source"] == "series"
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)


def test_2_7_rule4_excludes_ge_and_falls_to_earliest_acquisition(tmp_path):
    # spec 2.7 rule 4 applies only if "Manufacturer does not contain GE". GE, no private datetime, SeriesTime
    # 11:30 after acquisition 11:05; FrameReferenceTime chosen so that back-computation would give 11:00:00.
    # Rule 5: t_ref = 11:05:00 -> uptake 3900 s, warning.
    frt_ms = round((300.0 + _t_ave(300.0)) * 1000, 3)
    header = {
        "Manufacturer": "GE MEDICAL SYSTEMS",
        "SeriesTime": "113000",
        "AcquisitionTime": "110500",
        "FrameReferenceTime": frt_ms,
    }
    factors = _factors(_datasets(tmp_path, header))
    assert factors.provenance["reference_time_source"] == "earliest_acquisition"
    assert factors.provenance["uptake_s"] == pytest.approx(3900.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(_f_bw(3900.0), rel=1e-9)


def test_2_7_rule4_spread_above_1s_warns_and_uses_earliest_acquisition(tmp_path):
    # spec 2.7 rule 4: r_s = t_acq + T_ave - Delta; 11:02:30 - 450 s and 11:05:00 - 602 s differ by 2 s
    # (> 1 s) -> warn "inconsistent frame timing" and continue with rule 5: t_ref = 11:02:30, uptake 3750 s.
    datasets = _datasets(
        tmp_path,
        {"SeriesTime": "113000", "ActualFrameDuration": 603000},
        per_slice={"AcquisitionTime": ["110230", "110500"], "FrameReferenceTime": [450000, 602000]},
    )
    factors = _factors(datasets)
    assert _warned(factors, "inconsistent frame timing")
    assert factors.provenance["reference_time_source"] == "earliest_acquisition"
    assert factors.provenance["uptake_s"] == pytest.approx(3750.0, abs=1e-6)


def test_2_7_option_backcompute_forces_rule4_even_when_series_time_is_valid(tmp_path):
    # spec 2.7 option reference_time="backcompute" forces rule 4: t_ref = 11:00:00 + T_ave(300 s) - 150 s,
    # T_ave(300) = ln(g)/lambda = 149.605 s -> uptake = 3600 - 0.395 = 3599.605 s.
    factors = _factors(_datasets(tmp_path, {}), reference_time="backcompute")
    uptake = 3600.0 + _t_ave(300.0) - 150.0
    assert factors.provenance["reference_time_source"] == "backcomputed"
    assert factors.provenance["uptake_s"] == pytest.approx(uptake, abs=1e-3)
    assert factors.bw[0] == pytest.approx(_f_bw(uptake), rel=1e-8)


def test_2_7_option_backcompute_fails_when_not_computable(tmp_path):
    # spec 2.7: "backcompute" "fails when it is not computable" (here GE: rule 4 excludes GE).
    datasets = _datasets(tmp_path, {"Manufacturer": "GE MEDICAL SYSTEMS"})
    with pytest.raises(InputError):
        _factors(datasets, reference_time="backcompute")


# ---------------------------------------------------------------------------------------------------
# 2.1 private elements looked up through their creator
# ---------------------------------------------------------------------------------------------------


def _add_private(datasets: list, creators: list[tuple[str, str, str]]) -> None:
    """Add (creator, VR, value) blocks to group 0009 in order: the first takes slot 0x10, then 0x11..."""
    for ds in datasets:
        for creator, vr, value in creators:
            ds.private_block(0x0009, creator, create=True).add_new(0x0D, vr, value)


def test_2_1_ge_private_datetime_found_through_its_creator_in_any_slot(tmp_path):
    # spec 2.1: "the element number of a private tag depends on the creator slot". GEMS_IDEN_01 takes slot
    # 0x10, GEMS_PETD_01 slot 0x11: the GE scan datetime is (0009,110D) = 10:50:00, not (0009,100D) =
    # 10:40:00. Rule 2: t_ref = 10:50:00, uptake 3000 s.
    datasets = _datasets(tmp_path, {"Manufacturer": "GE MEDICAL SYSTEMS"})
    _add_private(
        datasets, [("GEMS_IDEN_01", "DT", "20250101104000"), ("GEMS_PETD_01", "DT", "20250101105000")]
    )
    factors = _factors(datasets)
    assert factors.provenance["reference_time_source"] == "ge_private"
    assert factors.provenance["uptake_s"] == pytest.approx(3000.0, abs=1e-6)


def test_2_1_ge_fallback_not_used_when_slot_belongs_to_another_creator(tmp_path):
    # spec 2.1: (0009,0010) holds GEMS_IDEN_01, so (0009,100D) is that creator's element, not the GE PET scan
    # datetime; GEMS_PETD_01 is absent -> rule 2 does not apply -> rule 3: SeriesTime 11:00, uptake 3600 s.
    datasets = _datasets(tmp_path, {"Manufacturer": "GE MEDICAL SYSTEMS"})
    _add_private(datasets, [("GEMS_IDEN_01", "DT", "20250101105000")])
    factors = _factors(datasets)
    assert factors.provenance["reference_time_source"] == "series"
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)


def test_2_1_ge_creatorless_datetime_is_used_with_a_warning(tmp_path):
    # spec 2.1 exception (IBSI-SUV DRO_3_3): no creator at (0009,0010), Manufacturer GE, (0009,100D) =
    # 10:50:00 parses as a DT -> rule 2: t_ref 10:50:00, uptake 3000 s, with a warning.
    datasets = _datasets(tmp_path, {"Manufacturer": "GE MEDICAL SYSTEMS"})
    for ds in datasets:
        ds.add_new((0x0009, 0x100D), "DT", "20250101105000")
    factors = _factors(datasets)
    assert factors.provenance["reference_time_source"] == "ge_private"
    assert factors.provenance["uptake_s"] == pytest.approx(3000.0, abs=1e-6)
    assert _warned(factors, "without its private creator")


def test_2_1_ge_creatorless_value_that_is_not_a_datetime_is_ignored(tmp_path):
    # spec 2.1: creator absent, Manufacturer GE, (0009,100D) = "GE_SCANNER_X" (not a DT) -> not the GE
    # datetime -> rule 3: series 11:00, uptake 3600 s.
    datasets = _datasets(tmp_path, {"Manufacturer": "GE MEDICAL SYSTEMS"})
    for ds in datasets:
        ds.add_new((0x0009, 0x100D), "LO", "GE_SCANNER_X")
    factors = _factors(datasets)
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)


# ---------------------------------------------------------------------------------------------------
# 2.4 / 2.5 dates, times and injection datetime
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start_time",
    [
        "1000",  # HHMM
        "10",  # HH
        "100000.000000",  # HHMMSS.FFFFFF
        "10:00:00",  # retired HH:MM:SS
    ],
)
def test_2_4_tm_formats_of_the_injection_time(tmp_path, start_time):
    # spec 2.4: all these mean 10:00:00 -> with SeriesTime 11:00:00 the uptake is 3600 s.
    header = {"RadiopharmaceuticalStartDateTime": None, "RadiopharmaceuticalStartTime": start_time}
    factors = _factors(_datasets(tmp_path, header))
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)


def test_2_4_fractional_seconds_of_series_time_are_kept(tmp_path):
    # spec 2.4 "keep fractional seconds": SeriesTime 11:00:00.5 (<= acquisition + 1 s, rule 3) -> 3600.5 s.
    factors = _factors(_datasets(tmp_path, {"SeriesTime": "110000.500000"}))
    assert factors.provenance["uptake_s"] == pytest.approx(3600.5, abs=1e-6)


def test_2_4_one_sided_utc_offset_is_dropped_with_a_warning(tmp_path):
    # spec 2.4: a DT with offset compared with a value without: drop the offset (same clock), warn.
    # Injection 10:00:00+0100, series 11:00:00 -> uptake 3600 s.
    factors = _factors(_datasets(tmp_path, {"RadiopharmaceuticalStartDateTime": "20250101100000+0100"}))
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)
    assert factors.provenance["warnings"]


def test_2_4_both_utc_offsets_compare_in_utc(tmp_path):
    # spec 2.4: DecayCorrectionDateTime 11:00:00+0100 = 10:00 UTC (rule 1), injection 09:30:00+0000 =
    # 09:30 UTC -> uptake 1800 s (dropping both offsets would give 5400 s).
    header = {
        "DecayCorrectionDateTime": "20250101110000+0100",
        "RadiopharmaceuticalStartDateTime": "20250101093000+0000",
    }
    factors = _factors(_datasets(tmp_path, header))
    assert factors.provenance["uptake_s"] == pytest.approx(1800.0, abs=1e-6)


def test_2_5_start_time_disagreeing_with_start_datetime_warns_and_datetime_wins(tmp_path):
    # spec 2.5 step 1: (0018,1078) 10:00:00 is used; (0018,1072) 09:59:00 differs by 60 s (> 1 s) -> warning.
    factors = _factors(_datasets(tmp_path, {"RadiopharmaceuticalStartTime": "095900"}))
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)
    assert _warned(factors, "RadiopharmaceuticalStartTime")
    # 0.5 s apart (<= 1 s): no warning
    quiet = _factors(_datasets(tmp_path / "b", {"RadiopharmaceuticalStartTime": "100000.500000"}))
    assert not quiet.provenance["warnings"]


def test_2_5_midnight_rule_for_admin_uses_the_earliest_acquisition(tmp_path):
    # spec 2.5 step 2: ADMIN, time-only injection 23:30:00 on SeriesDate 2025-01-02 is later than the earliest
    # acquisition 2025-01-02 00:30:00 -> previous day, uptake 3600 s; ADMIN factor = 70000 / 368.08e6
    # = 1.9017605e-4 g/Bq (no decay factor, 2.6).
    header = {
        "DecayCorrection": "ADMIN",
        "RadiopharmaceuticalStartDateTime": None,
        "RadiopharmaceuticalStartTime": "233000",
        "SeriesDate": "20250102",
        "SeriesTime": "003000",
        "AcquisitionDate": "20250102",
        "AcquisitionTime": "003000",
    }
    factors = _factors(_datasets(tmp_path, header))
    assert factors.provenance["injection_datetime"] == "2025-01-01 23:30:00"
    assert factors.provenance["uptake_s"] == pytest.approx(3600.0, abs=1e-6)
    assert factors.bw[0] == pytest.approx(WEIGHT_G / DOSE_BQ, rel=1e-12)
    assert _warned(factors, "midnight")


@pytest.mark.parametrize(("injection", "accepted"), [("20241231110000", False), ("20241231110001", True)])
def test_2_5_uptake_must_be_below_24_hours(tmp_path, injection, accepted):
    # spec 2.5 step 3: uptake "< 24 h": 86400 s is refused, 86399 s accepted.
    datasets = _datasets(tmp_path, {"RadiopharmaceuticalStartDateTime": injection})
    if accepted:
        assert _factors(datasets).provenance["uptake_s"] == pytest.approx(86399.0, abs=1e-6)
    else:
        with pytest.raises(InputError, match=r"\(0018,1072\)|\(0018,1078\)"):
            _factors(datasets)


# ---------------------------------------------------------------------------------------------------
# 1.8 plausibility and patient-table overrides; 2.6 injected activity override
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "options", "expected_factor"),
    [
        # inclusive range ends of the table of 1.8
        ({"PatientWeight": 350.0}, {}, _f_bw(3600.0, weight_g=350000.0)),
        ({"PatientWeight": 2.0}, {}, _f_bw(3600.0, weight_g=2000.0)),
        ({"RadionuclideTotalDose": 2e9}, {}, _f_bw(3600.0, dose_bq=2e9)),
        ({"RadionuclideTotalDose": 1e7}, {}, _f_bw(3600.0, dose_bq=1e7)),
        # unit_fixes="auto": 30 (lower end of 30-2000) is read as 30 MBq
        ({"RadionuclideTotalDose": 30.0}, {"unit_fixes": "auto"}, _f_bw(3600.0, dose_bq=30e6)),
        # unit_fixes="auto": 2000 g (lower end of 2000-350000) -> 2 kg
        ({"PatientWeight": 2000.0}, {"unit_fixes": "auto"}, _f_bw(3600.0, weight_g=2000.0)),
        (
            {"PatientWeight": 350.5},
            {},
            None,
        ),
        ({"RadionuclideTotalDose": 2.1e9}, {}, None),
        # "Values 1 to 30 stay an error because MBq and mCi cannot be told apart there"
        ({"RadionuclideTotalDose": 25.0}, {"unit_fixes": "auto"}, None),
        # 1000 is neither kg (<= 350) nor grams (>= 2000)
        ({"PatientWeight": 1000.0}, {"unit_fixes": "auto"}, None),
        # PatientSize 2.6 m: outside 0.40-2.50 m and not in the cm range 40-250
        ({"PatientSize": 2.6}, {"unit_fixes": "auto"}, None),
    ],
)
def test_1_8_plausibility_ranges_and_unit_fixes(tmp_path, header, options, expected_factor):
    datasets = _datasets(tmp_path, header)
    if expected_factor is None:
        with pytest.raises(InputError):
            _factors(datasets, **options)
    else:
        assert _factors(datasets, **options).bw[0] == pytest.approx(expected_factor, rel=1e-9)


def test_1_8_table_values_override_the_header_and_warn_beyond_tolerance(tmp_path):
    datasets = _datasets(tmp_path, {})
    # weight 74 vs 70 kg: 5.7% > 5% -> warning, and 74 kg is used: F = 74000 / A(t_ref).
    heavier = _factors(datasets, weight_kg=74.0)
    assert heavier.bw[0] == pytest.approx(_f_bw(3600.0, weight_g=74000.0), rel=1e-9)
    assert _warned(heavier, "weight_kg")
    # weight 73 kg: 4.3% -> no warning; height 176.5 vs 175 cm (1.5 cm <= 2 cm) -> no warning.
    quiet = _factors(datasets, weight_kg=73.0, height_cm=176.5)
    assert not quiet.provenance["warnings"]
    # height 178 vs 175 cm (3 cm) and sex F vs M -> warnings; the table values are used for SUL:
    # Janmahasatian female, W 70, H 178: BMI = 70 / 1.78^2 = 22.093170; LBM = 9270 x 70 / (8780 + 244 x BMI).
    other = _factors(datasets, height_cm=178.0, sex="F")
    bmi = 70 / 1.78**2
    assert other.conversion("lbm") == pytest.approx(9270 * 70 / (8780 + 244 * bmi) / 70, rel=1e-12)
    assert _warned(other, "height_cm")
    assert _warned(other, "sex F")


def test_2_6_injected_bq_from_the_table_overrides_the_header_dose(tmp_path):
    # spec 2.6: net injected activity 3.0e8 Bq overrides (0018,1074) = 368.08 MBq and is recorded.
    factors = _factors(_datasets(tmp_path, {}), injected_bq=3.0e8)
    assert factors.bw[0] == pytest.approx(_f_bw(3600.0, dose_bq=3.0e8), rel=1e-9)
    assert factors.provenance["injected_bq"] == 3.0e8


# ---------------------------------------------------------------------------------------------------
# 1.3, 1.5, 1.6 body-size rules through the header
# ---------------------------------------------------------------------------------------------------


def test_1_3_lbm_at_or_below_zero_is_refused(tmp_path):
    # spec 1.3: "A computed LBM <= 0 (James at extreme BMI) is an InputError". F 200 kg, 160 cm (BMI 78.1 >
    # 72.3): James = 1.07 x 200 - 148 x (200/160)^2 = 214 - 231.25 = -17.25 kg.
    datasets = _datasets(tmp_path, {"PatientWeight": 200.0, "PatientSize": 1.60, "PatientSex": "F"})
    with pytest.raises(InputError):
        _factors(datasets, lbm_formula="james").conversion("lbm")
    # Janmahasatian stays positive: 9270 x 200 / (8780 + 244 x 78.125) = 1854000 / 27842.5 = 66.5889 kg.
    janma = _factors(datasets).conversion("lbm")
    assert janma == pytest.approx(1854000 / 27842.5 / 200, rel=1e-12)


def test_1_5_ibw_at_or_below_zero_is_refused(tmp_path):
    # spec 1.5: IBW male at 1.00 m = 48.0 + 1.06 x (100 - 152) = -7.12 kg -> InputError; SUVbw still produced.
    factors = _factors(_datasets(tmp_path, {"PatientSize": 1.00}))
    assert factors.bw[0] == pytest.approx(_f_bw(3600.0), rel=1e-9)
    with pytest.raises(InputError):
        factors.conversion("ibw")


@pytest.mark.parametrize(("weight", "warns"), [(92.0, False), (93.0, True)])
def test_1_6_james_warning_at_the_female_turning_bmi(tmp_path, weight, warns):
    # spec 1.6: women turn at BMI 10^4 x 1.07 / 296 = 36.15. At 1.60 m: 92 kg -> 35.94 (no warning),
    # 93 kg -> 36.33 (warning). LBM = 1.07 W - 148 (W/160)^2 either way.
    datasets = _datasets(tmp_path, {"PatientWeight": weight, "PatientSize": 1.60, "PatientSex": "F"})
    factors = _factors(datasets, lbm_formula="james")
    assert factors.conversion("lbm") == pytest.approx((1.07 * weight - 148 * (weight / 160) ** 2) / weight)
    assert _warned(factors, "James") is warns


# ---------------------------------------------------------------------------------------------------
# 2.2 acceptance and 2.3 units
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "per_slice", "column"),
    [
        ({"SeriesType": ["GATED", "IMAGE"]}, None, r"\(0054,1000\) SeriesType"),
        ({"SeriesType": ["WHOLE BODY", "REPROJECTION"]}, None, r"\(0054,1000\) SeriesType"),
        ({"Units": "GML", "SUVType": "BSA"}, None, r"\(0054,1006\) SUVType"),
        (
            {"DecayCorrection": "NONE", "CorrectedImage": ["ATTN"], "ActualFrameDuration": None},
            None,
            r"\(0018,1242\) ActualFrameDuration",
        ),
        ({}, {"RadionuclideTotalDose": [368.08e6, 370.0e6]}, r"\(0054,0016\)"),
    ],
)
def test_2_2_refusals(tmp_path, header, per_slice, column):
    # spec 2.2 items 4, 6, 7 and 2.3 ("BSA with GML is refused"); NONE needs the frame duration (2.6).
    datasets = _datasets(tmp_path, header, per_slice=per_slice)
    with pytest.raises(InputError, match=column):
        _factors(datasets).conversion("bw")


def test_2_3_gml_lbmjanma_and_ibw_decode_to_suvbw(tmp_path):
    # spec 2.3: SUVbw = U x W / N_kg. Male 70 kg, 1.75 m: Janmahasatian = 9270 x 70 / (6680 + 216 x 22.857143)
    # = 55.857108 kg; IBW = 48.0 + 1.06 x 23 = 72.38 kg.
    janma = _factors(_datasets(tmp_path / "a", {"Units": "GML", "SUVType": "LBMJANMA"}))
    assert janma.bw[0] == pytest.approx(70 / (9270 * 70 / (6680 + 216 * 70 / 1.75**2)), rel=1e-12)
    ibw = _factors(_datasets(tmp_path / "b", {"Units": "GML", "SUVType": "IBW"}))
    assert ibw.bw[0] == pytest.approx(70 / 72.38, rel=1e-12)


def test_2_3_philips_routes_differing_by_more_than_2_percent_warn_and_suv_factor_wins(tmp_path):
    # spec 2.3: both factors present -> (7053,1000) is used; the activity route 0.5 x F_bw(3600 s) =
    # 0.5 x 2.7777812e-4 = 1.3889e-4 differs from 0.0005 by 72% (> 2%) -> warning.
    header = {
        "Manufacturer": "Philips",
        "Units": "CNTS",
        "PhilipsSUVScaleFactor": 0.0005,
        "PhilipsActivityScaleFactor": 0.5,
    }
    factors = _factors(_datasets(tmp_path / "a", header))
    assert factors.bw[0] == pytest.approx(0.0005, rel=1e-12)
    assert _warned(factors, "differ by")
    # activity factor 1.8 -> 1.8 x 2.7777812e-4 = 5.00001e-4, within 2% -> no warning.
    close = _factors(_datasets(tmp_path / "b", {**header, "PhilipsActivityScaleFactor": 1.8}))
    assert not _warned(close, "differ by")


def test_2_3_philips_zero_suv_factor_falls_to_the_activity_route(tmp_path):
    # spec 2.3: "if (7053,1000) present and non-zero ... Else if (7053,1009) present and non-zero:
    # C = U x f_AC".
    # f_SUV = 0, f_AC = 0.5 -> factor 0.5 x F_bw(3600 s).
    header = {
        "Manufacturer": "Philips",
        "Units": "CNTS",
        "PhilipsSUVScaleFactor": 0.0,
        "PhilipsActivityScaleFactor": 0.5,
    }
    factors = _factors(_datasets(tmp_path, header))
    assert factors.bw[0] == pytest.approx(0.5 * _f_bw(3600.0), rel=1e-9)


def test_2_3_philips_cnts_with_another_creator_in_the_slot_is_refused(tmp_path):
    # spec 2.1: (7053,0010) holds another creator, so (7053,1000) is not the Philips SUV scale factor;
    # spec 2.3 "CNTS, other vendor -> refuse".
    datasets = _datasets(tmp_path, {"Manufacturer": "Philips", "Units": "CNTS"})
    for ds in datasets:
        ds.private_block(0x7053, "OTHER VENDOR", create=True).add_new(0x00, "DS", "0.0005")
    with pytest.raises(InputError, match="without the Philips private scale factors"):
        _factors(datasets)


def test_2_3_philips_cnts_without_any_creator_is_read_with_a_warning(tmp_path):
    # spec 2.1/2.3 read alone would refuse CNTS without the Philips creator, but spec 2.11 requires the
    # IBSI-SUV object DRO_2_4 (Philips, CNTS, (7053,1000) with no creator at all) to give 4.00: the
    # factor is read when the slot has no creator, with a warning; another creator in the slot is refused
    # (test above). 0.0005 x stored value 1000 = SUV 0.5.
    datasets = _datasets(tmp_path, {"Manufacturer": "Philips", "Units": "CNTS"})
    for ds in datasets:
        ds.add_new((0x7053, 0x1000), "DS", "0.0005")
    factors = _factors(datasets)
    assert _warned(factors, "Philips scale factors read without their private creator")


# ---------------------------------------------------------------------------------------------------
# 3 peaks
# ---------------------------------------------------------------------------------------------------

SPACING_4MM = (4.0, 4.0, 4.0)


def test_3_2_local_peak_with_tied_maxima_takes_the_highest_of_their_means():
    # spec 3.2 (IBSI VJGA): "if several voxels share the maximum, take the highest of their means".
    # Centre rule at 4 mm (19-voxel kernel). Max 5 at (2,2,2) (neighbours 1) and at (6,6,6) with a face
    # neighbour (6,6,7) = 4: means 23/19 = 1.210526 and (5 + 4 + 17)/19 = 26/19 = 1.368421.
    image = np.ones((9, 9, 9))
    image[2, 2, 2] = image[6, 6, 6] = 5.0
    image[6, 6, 7] = 4.0
    mask = np.zeros(image.shape, dtype=bool)
    mask[2, 2, 2] = mask[6, 6, 6] = mask[6, 6, 7] = True
    result = peak(image, mask, SPACING_4MM, placement="local", weighting="centre")
    assert result.value == pytest.approx(26 / 19, abs=1e-12)
    assert result.centre_index == (6, 6, 6)


def test_3_6_tie_between_means_prefers_the_higher_centre_value():
    # spec 3.6: "among candidates with P >= P_max - 1e-9 |P_max|, take the one with the highest centre voxel
    # value, then the smallest C-order index". Centre rule, 4 mm: A (2,2,2) = 5 with face neighbour 3:
    # (5 + 3 + 17)/19 = 25/19; B (6,6,6) = 7 alone: (7 + 18)/19 = 25/19. Equal -> B (7 > 5), although A
    # is first in C order.
    image = np.ones((9, 9, 9))
    image[2, 2, 2] = 5.0
    image[2, 2, 3] = 3.0
    image[6, 6, 6] = 7.0
    mask = np.zeros(image.shape, dtype=bool)
    mask[2, 2, 2] = mask[6, 6, 6] = True
    result = peak(image, mask, SPACING_4MM, placement="global", weighting="centre")
    assert result.value == pytest.approx(25 / 19, abs=1e-12)
    assert result.centre_index == (6, 6, 6)


def test_3_1_sphere_volume_option_sets_the_radius():
    # spec 3.1: r follows from sphere_volume_ml. 2 ml: r = (3 x 2000 / 4 pi)^(1/3) = 7.8159 mm. Centre rule at
    # 4 mm: centre, 6 faces (4), 12 edges (5.657), 8 corners (6.928) <= 7.816; (2,0,0) at 8 mm is out -> 27.
    kernel = sphere_kernel(SPACING_4MM, "centre", 20, 2.0)
    assert int(np.count_nonzero(kernel)) == 27
    image = np.ones((9, 9, 9))
    image[4, 4, 4] = 28.0
    mask = np.zeros(image.shape, dtype=bool)
    mask[4, 4, 4] = True
    # mean = (28 + 26) / 27 = 2.0; kernel volume 27 x 0.064 = 1.728 ml
    result = peak(image, mask, SPACING_4MM, weighting="centre", sphere_volume_ml=2.0)
    assert result.value == pytest.approx(2.0, abs=1e-12)
    assert result.kernel_volume_ml == pytest.approx(1.728, abs=1e-12)


def test_3_6_kernel_volume_is_reported_before_truncation_by_the_image_edge():
    # spec 3.6: kernel_volume_ml = sum(w) x voxel volume "before truncation": 15.6 x 0.064 = 0.9984 ml
    # (fractional, 4 mm, table of 3.3) even for a corner centre; the value uses renormalised weights (3.4).
    image = np.ones((5, 5, 5))
    image[0, 0, 0] = 3.0
    mask = np.zeros(image.shape, dtype=bool)
    mask[0, 0, 0] = True
    result = peak(image, mask, SPACING_4MM)
    assert result.kernel_volume_ml == pytest.approx(0.9984, abs=1e-12)
    assert result.truncated_by_image_edge
    # inside the image at the corner: centre 1.0, 3 faces 0.984, 3 edges 0.576, 1 corner 0.214,
    # 3 (0,0,2) offsets 0.012: sum w = 1 + 2.952 + 1.728 + 0.214 + 0.036 = 5.93; P = 1 + 2 x 1 / 5.93
    assert result.value == pytest.approx(1 + 2 / 5.93, abs=1e-9)


# ---------------------------------------------------------------------------------------------------
# 4 segmentation, per-lesion metrics, diameters, counts, totals
# ---------------------------------------------------------------------------------------------------


def _geometry(shape, spacing_xyz=(4.0, 4.0, 4.0), origin=(0.0, 0.0, 0.0)) -> Geometry:
    return Geometry(
        shape=shape,
        spacing=spacing_xyz,
        origin=np.asarray(origin, dtype=float),
        direction=np.eye(3),
        slice_positions=origin[2] + np.arange(shape[0]) * spacing_xyz[2],
    )


def test_4_3_max_component_with_tied_maxima_keeps_the_first_in_c_order():
    # spec 4.3: "if several voxels share the maximum, the component of the first in C order".
    image = np.ones((3, 3, 9))
    image[1, 1, 1] = image[1, 1, 7] = 10.0
    image[1, 1, 8] = 9.0
    mask, threshold = segment(image, np.ones(image.shape, dtype=bool))
    assert threshold == pytest.approx(4.1)
    assert np.argwhere(mask).tolist() == [[1, 1, 1]]


def test_4_4_sulpeak_uses_the_voi_as_candidates_not_the_segmented_mask():
    # spec 4.4: sulpeak = 3.6 "with the lesion VOI as candidate set". VOI = the whole 7 x 7 x 14 box. A single
    # voxel A (3,3,3) = 10 is SUVmax; a 7-voxel cluster B (centre (3,3,10) + 6 faces) = 8 lies in another
    # component, so the 41% / 26-conn mask is A only (MTV 0.064 ml). Fractional peak at B's centre:
    # excess = 7 x 1.0 + 6 x 7 x 0.984 = 48.328 -> 1 + 48.328 / 15.6 = 4.0979487 SUVbw; at A only
    # 1 + 9 / 15.6 = 1.5769. SUL factor 0.8 -> sulpeak = 3.2783590.
    image = np.ones((7, 7, 14))
    image[3, 3, 3] = 10.0
    for offset in [(0, 0, 0), (1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]:
        image[3 + offset[0], 3 + offset[1], 10 + offset[2]] = 8.0
    volume = SUVVolume.from_array(image, _geometry(image.shape), conversions={"lbm": 0.8})
    row = quantify(volume, {"1": np.ones(image.shape, dtype=bool)}).iloc[0]
    assert row["suvmax"] == pytest.approx(10.0)
    assert row["mtv_ml"] == pytest.approx(0.064, abs=1e-12)
    assert row["sulpeak"] == pytest.approx(0.8 * (1 + 48.328 / 15.6), abs=1e-9)


def test_4_2_absolute_threshold_in_sul_and_4_4_tlg_in_sul():
    # spec 4.2: absolute 2.5 with absolute_normalisation="lbm" is SUL >= 2.5, i.e. SUVbw >= 2.5 / 0.5 = 5.0.
    # SUVbw row along i: 1, 4, 5, 6, 1 (SUL 0.5, 2.0, 2.5, 3.0, 0.5).
    image = np.ones((3, 3, 7))
    image[1, 1, 2:5] = [4.0, 5.0, 6.0]
    volume = SUVVolume.from_array(image, _geometry(image.shape), conversions={"lbm": 0.5})
    voi = {"1": np.ones(image.shape, dtype=bool)}
    bw = quantify(volume, voi, segmentation="absolute").iloc[0]
    # SUVbw >= 2.5: 4, 5, 6 -> 3 voxels, TLG = 15 x 0.064 = 0.96 (SUVbw x ml, default)
    assert bw["mtv_ml"] == pytest.approx(3 * 0.064, abs=1e-12)
    assert bw["tlg"] == pytest.approx(15 * 0.064, abs=1e-12)
    lbm = quantify(
        volume, voi, segmentation="absolute", absolute_normalisation="lbm", tlg_normalisation="lbm"
    )
    row = lbm.iloc[0]
    # SUL >= 2.5 (inclusive): SUVbw 5 and 6 -> 2 voxels; TLG in SUL x ml = (2.5 + 3.0) x 0.064 = 0.352;
    # sulmean = 2.75 (unweighted voxel mean of SUL).
    assert row["mtv_ml"] == pytest.approx(2 * 0.064, abs=1e-12)
    assert row["tlg"] == pytest.approx(5.5 * 0.064, abs=1e-12)
    assert row["sulmean"] == pytest.approx(2.75, abs=1e-12)


def test_4_2_percist_isocontour_on_sul_with_the_liver_sphere():
    # spec 4.2 "percist": threshold 1.5 x liver_sul_mean + 2 SD, on SUL. Uniform SUVbw 2 (SUL 1.0 with factor
    # 0.5) -> liver 1.0 / 0.0 -> T = 1.5 SUL = 3.0 SUVbw. Lesion row SUVbw 2.8, 3.0, 6.0 (SUL 1.4, 1.5, 3.0)
    # in the VOI: 3.0 is on the threshold (inclusive) -> 2 voxels; 2.8 is out.
    image = np.full((9, 9, 18), 2.0)
    image[4, 4, 13:16] = [2.8, 3.0, 6.0]
    volume = SUVVolume.from_array(image, _geometry(image.shape), conversions={"lbm": 0.5})
    voi = np.zeros(image.shape, dtype=bool)
    voi[3:6, 3:6, 12:17] = True
    row = quantify(
        volume, {"1": voi}, segmentation="percist", liver_centre=(4, 4, 4), liver_centre_is_index=True
    ).iloc[0]
    assert row["liver_sul_mean"] == pytest.approx(1.0, abs=1e-12)
    assert row["liver_sul_sd"] == pytest.approx(0.0, abs=1e-12)
    assert row["threshold"] == pytest.approx(1.5, abs=1e-12)
    assert row["mtv_ml"] == pytest.approx(2 * 0.064, abs=1e-12)
    assert row["tlg"] == pytest.approx(9.0 * 0.064, abs=1e-12)  # SUVbw x ml (default tlg_normalisation)


def test_4_7_patient_total_mtv_counts_overlapping_vois_once():
    # spec 4.7: total_mtv_ml is the volume of the union. Two VOIs both covering the same 2-voxel hot spot
    # (10, 8):
    # each lesion MTV 0.128 ml; total 0.128 ml (not 0.256), total TLG 18 x 0.064 = 1.152.
    image = np.ones((3, 3, 6))
    image[1, 1, 2:4] = [10.0, 8.0]
    volume = SUVVolume.from_array(image, _geometry(image.shape), conversions={"lbm": 0.8})
    voi_a = np.zeros(image.shape, dtype=bool)
    voi_a[:, :, :4] = True
    voi_b = np.zeros(image.shape, dtype=bool)
    voi_b[:, :, 2:] = True
    table = quantify(volume, {"a": voi_a, "b": voi_b})
    assert table["mtv_ml"].tolist() == pytest.approx([0.128, 0.128], abs=1e-12)
    assert table.attrs["total_mtv_ml"] == pytest.approx(0.128, abs=1e-12)
    assert table.attrs["total_tlg"] == pytest.approx(18 * 0.064, abs=1e-12)


def test_4_5_functional_diameter_with_anisotropic_spacing():
    # spec 4.5 max_axial: in-plane centre distance + (di + dj)/2; spacing (dk, dj, di) = (3, 2, 4) mm.
    mask = np.zeros((6, 5, 7), dtype=bool)
    mask[2, 2, 1:6] = True  # 5 voxels along i: 4 x 4 = 16 mm + (4 + 2)/2 = 19 mm
    assert functional_diameter(mask, (3.0, 2.0, 4.0), "max_axial") == pytest.approx(19.0, abs=1e-12)
    column = np.zeros((6, 5, 7), dtype=bool)
    column[0:5, 2, 3] = True  # 5 voxels along k: axial = one pixel (2 + 4)/2 = 3 mm
    assert functional_diameter(column, (3.0, 2.0, 4.0), "max_axial") == pytest.approx(3.0, abs=1e-12)
    # max_3d: 4 x 3 = 12 mm + (3 + 2 + 4)/3 = 15 mm; equivalent sphere: (6 x 5 x 24 / pi)^(1/3) = 6.5922 mm
    assert functional_diameter(column, (3.0, 2.0, 4.0), "max_3d") == pytest.approx(15.0, abs=1e-12)
    assert functional_diameter(column, (3.0, 2.0, 4.0), "equivalent_sphere") == pytest.approx(
        (6 * 120 / math.pi) ** (1 / 3), abs=1e-12
    )


def test_4_6_binary_mask_split_uses_26_connectivity():
    # spec 4.6: binary masks are split into 26-connected components: corner-touching voxels are one lesion,
    # a voxel two steps away is another.
    labels = np.zeros((4, 4, 6), dtype=np.int32)
    labels[0, 0, 0] = labels[1, 1, 1] = 1  # corner contact
    labels[3, 3, 4] = 1
    components = split_components(labels)
    assert components[0, 0, 0] == components[1, 1, 1] != 0
    assert components[3, 3, 4] not in (0, components[0, 0, 0])
    assert len(np.unique(components[components > 0])) == 2


# ---------------------------------------------------------------------------------------------------
# 5 reference regions
# ---------------------------------------------------------------------------------------------------


def test_5_3_centre_in_lps_equals_the_same_voxel_given_as_index():
    # spec 5.3 step 1: an LPS centre is converted with the geometry (origin offset here).
    geometry = _geometry((12, 12, 12), origin=(-100.0, 50.0, 200.0))
    image = np.random.default_rng(1).gamma(2.0, 1.0, size=(12, 12, 12))
    # index (k, j, i) = (6, 5, 4) -> LPS (x, y, z) = (-100 + 16, 50 + 20, 200 + 24)
    by_index = reference_region(image, geometry, (6, 5, 4), centre_is_index=True)
    by_lps = reference_region(image, geometry, (-84.0, 70.0, 224.0))
    assert by_lps.voxel_count == by_index.voxel_count == 251
    assert by_lps.mean == pytest.approx(by_index.mean, abs=1e-12)
    assert by_lps.sd == pytest.approx(by_index.sd, abs=1e-12)


def test_5_3_blood_pool_cylinder_beyond_the_image_along_z_is_refused():
    # spec 5.2/5.3: |dz| <= 10 mm at 4 mm slices reaches 2 slices each way; a centre on slice 1 needs
    # slice -1.
    geometry = _geometry((10, 10, 10))
    image = np.ones((10, 10, 10))
    with pytest.raises(InputError):
        reference_region(image, geometry, (1, 5, 5), kind="blood_pool", centre_is_index=True)
    region = reference_region(image, geometry, (2, 5, 5), kind="blood_pool", centre_is_index=True)
    assert region.voxel_count == 25


def test_5_5_blood_pool_values_are_reported_in_sul():
    # spec 5.2: blood_pool_sul_mean / sd in SUL: uniform SUVbw 2.0 with factor 0.75 -> 1.5 / 0.0.
    image = np.full((10, 10, 10), 2.0)
    volume = SUVVolume.from_array(image, _geometry(image.shape), conversions={"lbm": 0.75})
    voi = np.zeros(image.shape, dtype=bool)
    voi[5, 5, 5] = True
    geometry = volume.geometry
    centre = tuple(float(c) for c in geometry.index_to_lps((5, 5, 5)))
    row = quantify(volume, {"1": voi}, blood_pool_centre=centre).iloc[0]
    assert row["blood_pool_sul_mean"] == pytest.approx(1.5, abs=1e-12)
    assert row["blood_pool_sul_sd"] == pytest.approx(0.0, abs=1e-12)
