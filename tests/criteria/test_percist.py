"""PERCIST 1.0: the worked examples P-1..P-12 and ambiguities A1-A11 of spec/metabolic.md section 5.

Tables are typed by hand from the spec; expected categories and numbers are the spec's.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ioresponse.criteria import Study
from ioresponse.criteria._metabolic import select_hottest
from ioresponse.criteria.percist import CRITERION
from ioresponse.schema import InputError

# spec 5.11 defaults: baseline day -5, follow-up day 56, uptake 60 / 62 min,
# liver 2.0 / 0.25 at baseline and 2.1 / 0.25 at follow-up (T = 3.5; QC passes).
SCANS = {
    -5: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
    56: {"uptake_min": 62, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
    112: {"uptake_min": 61, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
    168: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
}


def table(lesions, scans=SCANS, patient="P1"):
    """Long PET table from (lesion_id, role, organ, {day: sulpeak or {column: value}}) rows."""
    rows = []
    for lesion_id, role, organ, values in lesions:
        for day, value in values.items():
            row = {"patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role, "organ": organ}
            row |= value if isinstance(value, dict) else {"sulpeak": value}
            rows.append(row | scans[day])
    return pd.DataFrame(rows)


def run(lesions, scans=SCANS, **options):
    return CRITERION.assess(Study(pet=table(lesions, scans)), **options)


def call(lesions, scans=SCANS, day=56, **options):
    timepoints = run(lesions, scans, **options).timepoints
    return timepoints[timepoints["day"] == day].iloc[0]


P1 = [("L1", "target", "lung", {-5: 8.0, 56: 5.6}), ("L2", "target", "lymph node", {-5: 5.0, 56: 3.0})]


def test_P1_exactly_30_percent_and_2_4_sul_decrease_is_pmr():
    row = call(P1)
    assert row["overall_response"] == "PMR"
    assert row["rel_change"] == -0.3 and row["abs_change"] == -2.4
    assert row["baseline_sum"] == 8.0 and row["current_sum"] == 5.6 and row["sum_unit"] == "SUL"
    assert "hottest SULpeak 5.6 (L1) vs baseline 8.0 (L1): -30.0%, -2.4 SUL" in row["reason"]
    assert "PMR -30%, week 8" in row["reason"] and "PERCIST 1.0" in row["reason"]
    assert row["measurability_threshold"] == 3.5


def test_P1_just_under_30_percent_decrease_is_not_pmr():
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: 5.61}),
        ("L2", "target", "lymph node", {-5: 5.0, 56: 3.0}),
    ]
    assert call(lesions)["overall_response"] == "SMD"


def test_P2_30_percent_but_only_0_78_sul_absolute_rule_gives_smd():
    scans = {
        -5: {"uptake_min": 60, "liver_sul_mean": 1.4, "liver_sul_sd": 0.15},
        56: {"uptake_min": 62, "liver_sul_mean": 1.45, "liver_sul_sd": 0.15},
    }
    row = call([("L1", "target", "lung", {-5: 2.6, 56: 1.82})], scans)
    assert row["measurability_threshold"] == 2.4
    assert row["overall_response"] == "SMD"
    assert "-30.0% but only -0.78 SUL" in row["reason"]


def test_P2_0_8_sul_absolute_rule_boundary_exactly_0_8_is_pmr():
    # 2.6 -> 1.8 is -30.8% and exactly -0.8 SUL: "at least 0.8" holds (spec 5.5 abs <= -0.8).
    scans = {
        -5: {"uptake_min": 60, "liver_sul_mean": 1.4, "liver_sul_sd": 0.15},
        56: {"uptake_min": 62, "liver_sul_mean": 1.45, "liver_sul_sd": 0.15},
    }
    assert call([("L1", "target", "lung", {-5: 2.6, 56: 1.8})], scans)["overall_response"] == "PMR"


def test_P3_hottest_lesion_changing_identity_gives_smd_not_pmr():
    row = call([("L1", "target", "lung", {-5: 9.0, 56: 4.0}), ("L2", "target", "bone", {-5: 6.0, 56: 7.0})])
    assert row["overall_response"] == "SMD"
    assert row["reference_lesion"] == "L1" and row["current_lesion"] == "L2"
    assert row["rel_change"] == pytest.approx(-0.222222)
    assert "hottest lesion moved from L1 (9.0) to L2 (7.0)" in row["reason"]


def test_P4_exactly_30_percent_increase_is_smd_by_default():
    row = call([("L1", "target", "lung", {-5: 4.0, 56: 5.2})])
    assert row["rel_change"] == 0.3 and row["abs_change"] == 1.2
    assert row["overall_response"] == "SMD"
    assert "not more than 30%" in row["reason"]


def test_P4_exactly_30_percent_increase_is_pmd_with_inclusive_option():
    row = call([("L1", "target", "lung", {-5: 4.0, 56: 5.2})], percist_pmd_inclusive=True)
    assert row["overall_response"] == "PMD"


def test_P4_just_over_30_percent_and_0_8_sul_is_pmd():
    assert call([("L1", "target", "lung", {-5: 4.0, 56: 5.21})])["overall_response"] == "PMD"


def test_P5_35_percent_increase_but_only_0_77_sul_is_smd():
    scans = {
        -5: {"uptake_min": 60, "liver_sul_mean": 1.2, "liver_sul_sd": 0.1},
        56: {"uptake_min": 62, "liver_sul_mean": 1.25, "liver_sul_sd": 0.1},
    }
    row = call([("L1", "target", "lymph node", {-5: 2.2, 56: 2.97})], scans)
    assert row["rel_change"] == 0.35 and row["abs_change"] == 0.77
    assert row["overall_response"] == "SMD"
    assert "+35.0% but only +0.77 SUL" in row["reason"]


def test_P6_new_lesion_is_pmd_despite_a_response():
    row = call([("L1", "target", "lung", {-5: 6.0, 56: 4.0}), ("N1", "new", "liver", {56: 3.0})])
    assert row["overall_response"] == "PMD"
    assert row["new_lesion_count"] == 1
    assert "new FDG-avid lesion N1 (liver)" in row["reason"]


def test_P7a_uptake_time_outside_window_makes_the_scan_ne():
    scans = SCANS | {56: {"uptake_min": 80, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25}}
    row = call(P1, scans)
    assert row["overall_response"] == "NE"
    assert "uptake time 80 min outside 50-70" in row["reason"]
    assert "differs from baseline by 20 min (>15)" in row["reason"]
    assert not row["qc_passed"]


def test_P7b_liver_stability_0_30_sul_change_fails():
    scans = {
        -5: {"uptake_min": 60, "liver_sul_mean": 1.6, "liver_sul_sd": 0.25},
        56: {"uptake_min": 62, "liver_sul_mean": 1.9, "liver_sul_sd": 0.25},
    }
    row = call(P1, scans)
    assert row["overall_response"] == "NE"
    assert "liver SULmean changed by 0.30 SUL (must be < 0.3)" in row["reason"]


def test_P7b_liver_stability_0_29_sul_change_passes():
    scans = {
        -5: {"uptake_min": 60, "liver_sul_mean": 1.6, "liver_sul_sd": 0.25},
        56: {"uptake_min": 62, "liver_sul_mean": 1.89, "liver_sul_sd": 0.25},
    }
    assert call(P1, scans)["overall_response"] == "PMR"


def test_liver_stability_20_percent_passes_and_more_fails():
    # liver 1.0 -> 1.2 is +20% (and +0.2 SUL): passes; 1.0 -> 1.21 is +21%: fails (spec 5.4).
    lesion = [("L1", "target", "lung", {-5: 8.0, 56: 5.6})]
    ok = {
        -5: {"uptake_min": 60, "liver_sul_mean": 1.0, "liver_sul_sd": 0.1},
        56: {"uptake_min": 60, "liver_sul_mean": 1.2, "liver_sul_sd": 0.1},
    }
    bad = ok | {56: {"uptake_min": 60, "liver_sul_mean": 1.21, "liver_sul_sd": 0.1}}
    assert call(lesion, ok)["overall_response"] == "PMR"
    assert call(lesion, bad)["overall_response"] == "NE"


def test_A9_uptake_difference_of_exactly_15_minutes_passes_and_16_fails():
    ok = SCANS | {
        -5: {"uptake_min": 52, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
        56: {"uptake_min": 67, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
    }
    bad = ok | {56: {"uptake_min": 68, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25}}
    assert call(P1, ok)["overall_response"] == "PMR"
    assert call(P1, bad)["overall_response"] == "NE"


def test_uptake_window_50_and_70_minutes_are_inside():
    scans = SCANS | {
        -5: {"uptake_min": 70, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
        56: {"uptake_min": 70, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
    }
    assert call(P1, scans)["overall_response"] == "PMR"
    early = scans | {56: {"uptake_min": 49, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25}}
    assert call(P1, early)["overall_response"] == "NE"


def test_A7_failed_quality_check_with_warn_option_keeps_the_category():
    scans = SCANS | {56: {"uptake_min": 80, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25}}
    row = call(P1, scans, percist_qc="warn")
    assert row["overall_response"] == "PMR"
    assert "quality check failed, category kept" in row["reason"] and "qc_failed" in row["flags"]


def test_new_lesion_still_gives_pmd_on_a_scan_that_failed_quality_checks():
    scans = SCANS | {56: {"uptake_min": 80, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25}}
    lesions = [*P1, ("N1", "new", "bone", {56: 4.0})]
    row = call(lesions, scans)
    assert row["overall_response"] == "PMD"
    assert "quality check failed" in row["reason"] and "new FDG-avid lesion N1 (bone)" in row["reason"]


def test_P8_all_lesions_below_liver_mean_is_cmr():
    scans = SCANS | {56: {"uptake_min": 62, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}}
    row = call(
        [("L1", "target", "lung", {-5: 8.0, 56: 1.6}), ("L2", "target", "lymph node", {-5: 5.0, 56: 1.3})],
        scans,
    )
    assert row["overall_response"] == "CMR"


def test_A3_cmr_rule_reader_needs_absent_status():
    scans = SCANS | {56: {"uptake_min": 62, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}}
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: 1.6}),
        ("L2", "target", "lymph node", {-5: 5.0, 56: 1.3}),
    ]
    assert call(lesions, scans, percist_cmr_rule="reader")["overall_response"] == "PMR"
    absent = [
        ("L1", "target", "lung", {-5: 8.0, 56: {"status": "absent"}}),
        ("L2", "target", "lymph node", {-5: 5.0, 56: {"status": "absent"}}),
    ]
    assert call(absent, scans, percist_cmr_rule="reader")["overall_response"] == "CMR"


def test_A3_cmr_rule_blood_pool_uses_at_most_the_blood_pool_mean():
    scans = {
        -5: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25, "blood_pool_sul_mean": 1.5},
        56: {"uptake_min": 62, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25, "blood_pool_sul_mean": 1.5},
    }
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: 1.5}),
        ("L2", "target", "lymph node", {-5: 5.0, 56: 1.6}),
    ]
    assert call(lesions, scans, percist_cmr_rule="blood_pool")["overall_response"] == "PMR"
    lesions[1] = ("L2", "target", "lymph node", {-5: 5.0, 56: 1.5})
    assert call(lesions, scans, percist_cmr_rule="blood_pool")["overall_response"] == "CMR"


def test_P9_tlg_extent_rule_gives_pmd():
    lesions = [
        ("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 60}, 56: {"sulpeak": 6.3, "tlg": 110}}),
        ("L2", "target", "lymph node", {-5: {"sulpeak": 4.0, "tlg": 40}, 56: {"sulpeak": 4.1, "tlg": 70}}),
    ]
    row = call(lesions)
    assert row["overall_response"] == "PMD"
    assert row["tlg_baseline"] == 100 and row["tlg_current"] == 180
    assert "+80.0%" in row["reason"]
    assert call(lesions, percist_tlg_rule=False)["overall_response"] == "SMD"


def test_A4_tlg_exactly_75_percent_is_pmd_by_default_and_not_when_strict():
    lesions = [("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 100}, 56: {"sulpeak": 6.0, "tlg": 175}})]
    assert call(lesions)["overall_response"] == "PMD"
    assert call(lesions, percist_tlg_strict=True)["overall_response"] == "SMD"


def test_tlg_rule_needs_no_sul_decline():
    lesions = [("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 100}, 56: {"sulpeak": 5.9, "tlg": 200}})]
    assert call(lesions)["overall_response"] == "SMD"


def test_P10_pmr_blocked_by_another_lesion_rising_more_than_30_percent():
    lesions = [("L1", "target", "lung", {-5: 10.0, 56: 6.0}), ("L2", "target", "bone", {-5: 4.0, 56: 5.4})]
    row = call(lesions)
    assert row["overall_response"] == "SMD"
    assert "PMR blocked: L2 rose +35.0%" in row["reason"]
    assert call(lesions, percist_pmr_other_lesion_check=False)["overall_response"] == "PMR"


def test_P11_no_measurable_baseline_lesion_is_ne_and_pmd_with_a_new_lesion():
    row = call([("L1", "target", "lung", {-5: 3.2, 56: 3.0})])
    assert row["overall_response"] == "NE"
    assert "no measurable baseline lesion (hottest SULpeak 3.2 < 3.5" in row["reason"]
    row = call([("L1", "target", "lung", {-5: 3.2, 56: 3.0}), ("N1", "new", "liver", {56: 2.5})])
    assert row["overall_response"] == "PMD"


def test_measurability_threshold_is_inclusive():
    # SULpeak exactly T = 3.5 is measurable (spec 5.3 ">="): 3.5 -> 2.4 is -31.4%, -1.1 SUL: PMR.
    assert call([("L1", "target", "lung", {-5: 3.5, 56: 2.4})])["overall_response"] == "PMR"
    assert call([("L1", "target", "lung", {-5: 3.49, 56: 2.4})])["overall_response"] == "NE"


def test_blood_pool_reference_threshold_is_2_mean_plus_2_sd():
    scans = {
        day: {
            "uptake_min": 60,
            "liver_sul_mean": math.nan,
            "liver_sul_sd": math.nan,
            "reference_region": "blood_pool",
            "blood_pool_sul_mean": 1.5,
            "blood_pool_sul_sd": 0.2,
        }
        for day in (-5, 56)
    }
    row = call([("L1", "target", "lung", {-5: 3.4, 56: 2.0})], scans)
    assert type(row["overall_response"]) is str
    assert row["measurability_threshold"] == 3.4 and row["overall_response"] == "PMR"


def test_P12_best_response_and_largest_decline():
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: 5.6, 112: 6.0, 168: 10.6}),
        ("L2", "target", "lymph node", {-5: 5.0, 56: 3.0, 112: 3.0, 168: 3.0}),
    ]
    result = run(lesions)
    assert result.timepoints["overall_response"].tolist() == ["PMR", "SMD", "PMD"]
    assert result.timepoints["rel_change"].tolist() == [-0.3, -0.25, 0.325]
    best = result.best_response.iloc[0]
    assert best["best_response"] == "PMR" and best["best_response_confirmed"] == "PMR"
    assert best["bor_day"] == 56 and best["progression_day"] == 168 and best["pfs_event"]
    assert best["largest_decline_pct"] == pytest.approx(-30.0) and best["largest_decline_week"] == 8


def test_scans_after_progression_are_flagged_and_do_not_change_best_response():
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: 10.6, 112: 2.0}),
        ("L2", "target", "lymph node", {-5: 5.0, 56: 3.0, 112: 1.0}),
    ]
    result = run(lesions)
    assert result.timepoints["overall_response"].tolist() == ["PMD", "CMR"]
    assert result.timepoints["after_progression"].tolist() == [False, True]
    assert result.best_response.iloc[0]["best_response"] == "PMD"


def test_A6_nadir_reference_for_pmd():
    # 8.0 -> 5.0 (PMR) -> 7.0: +40% and +2.0 vs nadir 5.0 (PMD with "nadir"), -12.5% vs baseline (SMD).
    lesions = [("L1", "target", "lung", {-5: 8.0, 56: 5.0, 112: 7.0})]
    assert run(lesions).timepoints["overall_response"].tolist() == ["PMR", "SMD"]
    nadir = run(lesions, percist_reference="nadir").timepoints
    assert nadir["overall_response"].tolist() == ["PMR", "PMD"]
    assert nadir.iloc[1]["nadir_sum"] == 5.0 and "vs nadir (day 56) 5.0 (L1)" in nadir.iloc[1]["reason"]


def test_A5_secondary_sum_of_five_lesions_reselected_or_same_lesions():
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: 2.0}),
        ("L2", "target", "lung", {-5: 6.0, 56: 5.0}),
        ("L3", "target", "lung", {-5: 4.0, 56: 4.5}),
    ]
    row = call(lesions)
    assert row["sum5_baseline"] == 14.0 and row["sum5_current"] == 9.5
    assert call(lesions, percist_sum_selection="same_lesions")["sum5_current"] == 7.0


def test_missing_baseline_lesion_at_follow_up_is_ne_naming_it():
    row = call([("L1", "target", "lung", {-5: 8.0, 56: 5.6}), ("L2", "target", "lymph node", {-5: 5.0})])
    assert row["overall_response"] == "NE"
    assert "L2 without SULpeak at day 56" in row["reason"]


def test_unequivocal_progression_flag_is_pmd():
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: 5.6}),
        ("L2", "non_target", "bone", {-5: 5.0, 56: {"sulpeak": 5.0, "status": "unequivocal_progression"}}),
    ]
    row = call(lesions)
    assert row["overall_response"] == "PMD" and "unequivocal progression of L2" in row["reason"]


def test_confirmation_advised_when_pmd_by_new_non_visceral_lesion_and_recist_not_pd():
    scans = {-5: SCANS[-5], 56: SCANS[56] | {"recist_response": "SD"}}
    lesions = [("L1", "target", "lung", {-5: 6.0, 56: 4.0}), ("N1", "new", "bone", {56: 3.0})]
    row = call(lesions, scans)
    assert row["overall_response"] == "PMD" and row["confirmation_advised"]
    visceral = [
        ("L1", "target", "lung", {-5: 6.0, 56: 4.0}),
        ("N1", "new", "liver", {56: {"sulpeak": 3.0, "visceral": True}}),
    ]
    assert not call(visceral, scans)["confirmation_advised"]


def test_no_follow_up_gives_ne_best_response():
    result = run([("L1", "target", "lung", {-5: 8.0})])
    assert result.timepoints.empty
    assert result.best_response.iloc[0]["best_response"] == "NE"


def test_select_hottest_ties_by_lesion_id_and_caps_per_organ():
    # spec 1.4: value descending, lesion_id ascending; max per organ.
    lesions = pd.DataFrame(
        {
            "lesion_id": ["B", "A", "C", "D"],
            "organ": ["lung", "lung", "lung", "bone"],
            "sulpeak": [5.0, 5.0, 6.0, 1.0],
            "status": ["present"] * 4,
        }
    )
    assert select_hottest(lesions, "sulpeak", n=1)["lesion_id"].tolist() == ["C"]
    assert select_hottest(lesions, "sulpeak", n=5, per_organ=2)["lesion_id"].tolist() == ["C", "A", "D"]


def test_timepoint_columns_come_first():
    from ioresponse.schema import BEST_RESPONSE_COLUMNS, TIMEPOINT_COLUMNS

    result = run(P1)
    assert tuple(result.timepoints.columns[: len(TIMEPOINT_COLUMNS)]) == TIMEPOINT_COLUMNS
    assert tuple(result.best_response.columns[: len(BEST_RESPONSE_COLUMNS)]) == BEST_RESPONSE_COLUMNS
    assert result.timepoints.iloc[0]["criterion"] == "percist"
    assert result.timepoints.iloc[0]["confirmation_state"] == "not_required"


def test_missing_required_column_is_an_input_error_naming_it():
    with pytest.raises(InputError, match="uptake_min"):
        CRITERION.assess(Study(pet=table(P1).drop(columns="uptake_min")))


def test_unknown_option_value_is_an_input_error():
    with pytest.raises(InputError, match="percist_qc"):
        run(P1, percist_qc="lenient")


def test_no_pet_table_is_an_input_error():
    with pytest.raises(InputError, match="PET assessment table"):
        CRITERION.assess(Study())


def test_pre_baseline_scans_are_ignored_and_reported():
    scans = SCANS | {-30: SCANS[-5]}
    lesions = [("L1", "target", "lung", {-30: 12.0, -5: 8.0, 56: 5.6})]
    result = run(lesions, scans)
    assert result.timepoints["day"].tolist() == [56]
    assert result.timepoints.iloc[0]["reference_value"] == 8.0
    assert "day -30 ignored: pre-baseline" in result.best_response.iloc[0]["reason"]


def test_consensus_window_labels():
    # spec 3.3: interim after 2-3 cycles; end_of_treatment = first scan after treatment_end.
    frame = table([("L1", "target", "lung", {-5: 8.0, 56: 5.6, 112: 5.6, 168: 5.6})])
    frame["cycles_before_scan"] = frame["day"].map({-5: 0, 56: 3, 112: 6, 168: 8})
    patients = pd.DataFrame(
        {"patient_id": ["P1"], "treatment_start": ["2024-01-01"], "treatment_end": ["2024-04-01"]}
    )  # day 91
    timepoints = CRITERION.assess(Study(pet=frame, patients=patients)).timepoints
    assert timepoints["consensus_window"].tolist() == ["interim", "end_of_treatment", "other"]


def test_pct_change_columns_carry_no_float_noise():
    # (5.6 - 8.0) / 8.0 is -0.30000000000000004 in binary floating point (spec 1.5).
    assert call(P1)["pct_change_baseline"] == -30.0
