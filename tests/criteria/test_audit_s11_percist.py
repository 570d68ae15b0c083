"""Audit of PERCIST 1.0 (spec/metabolic.md sections 1 and 5) on default settings, through the public API.

The first test pins a difference the audit found (since fixed; the spec's expected result is asserted); the
other tests pin tricky behaviours that were checked against the spec and hold.
"""

from __future__ import annotations

import pandas as pd
import pytest

import ioresponse

# spec 5.11 defaults: uptake 60 / 62 min, liver 2.0 / 0.25 at baseline (T = 3.5), 2.1 / 0.25 after.
SCANS = {
    -5: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
    56: {"uptake_min": 62, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
    112: {"uptake_min": 61, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
    168: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
    224: {"uptake_min": 61, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
}
NAN = float("nan")


def table(lesions, scans):
    rows = []
    for lesion_id, role, organ, values in lesions:
        for day, value in values.items():
            row = {"patient_id": "P1", "day": day, "lesion_id": lesion_id, "role": role, "organ": organ}
            row |= value if isinstance(value, dict) else {"sulpeak": value}
            rows.append(row | scans[day])
    return pd.DataFrame(rows)


def run(lesions, scans=SCANS):
    return ioresponse.assess(table(lesions, scans), criteria=("percist",))


def row(lesions, scans=SCANS, day=56):
    timepoints = run(lesions, scans).timepoints
    return timepoints[timepoints["day"] == day].iloc[0]


P1 = [("L1", "target", "lung", {-5: 8.0, 56: 5.6}), ("L2", "target", "lymph node", {-5: 5.0, 56: 3.0})]


# ---------------------------------------------------------- a difference the audit found, fixed


def test_5_4_A9_uptake_difference_of_exactly_15_min_passes_with_decimal_times():
    # spec 5.4: "uptake-time consistency | abs(uptake_fu - uptake_bl) <= 15"; 5.12 A9: "uptake difference
    # exactly 15 min | passes (<= 15)"; 1.5: values are "rounded to 6 decimal places ... before any
    # threshold comparison ... without rounding a value that is exactly on a threshold would fall on the
    # wrong side". Both times are inside 50-70; the difference is exactly 15 min.
    scans = {**SCANS, -5: {**SCANS[-5], "uptake_min": 50.4}, 56: {**SCANS[56], "uptake_min": 65.4}}
    got = row(P1, scans)
    assert bool(got["qc_passed"])
    assert got["overall_response"] == "PMR"


# ---------------------------------------------------------------- verified behaviours


def test_5_5_cmr_needs_sulpeak_strictly_below_the_follow_up_liver_mean():
    # spec 5.5: resolved = "status = absent, or sulpeak < liver_sul_mean of the same follow-up scan";
    # L1 equals the follow-up liver mean (2.1): not resolved, so PMR, not CMR.
    got = row([("L1", "target", "lung", {-5: 8.0, 56: 2.1}), ("L2", "target", "bone", {-5: 5.0, 56: 1.0})])
    assert got["overall_response"] == "PMR"


def test_5_2_5_3_a_non_target_lesion_can_be_the_only_measurable_one_and_drive_pmd():
    # spec 5.2: hottest "among lesions that were present at baseline (target or non-target)";
    # 5.3: assessable if the baseline hottest lesion is measurable (target 3.0 < T = 3.5).
    got = row([("L1", "target", "lung", {-5: 3.0, 56: 3.0}),
               ("L2", "non_target", "bone", {-5: 6.0, 56: 8.0})])
    assert got["overall_response"] == "PMD"
    assert got["reference_lesion"] == "L2" and got["measurability_threshold"] == 3.5


def test_5_3_follow_up_hottest_below_t_still_counts_for_pmr():
    # spec 5.3: "Follow-up lesions need not be above T." 8.0 -> 3.0 (< 3.5, > liver 2.1).
    got = row([("L1", "target", "lung", {-5: 8.0, 56: 3.0})])
    assert got["overall_response"] == "PMR" and got["rel_change"] == -0.625


@pytest.mark.parametrize(
    ("role", "after", "expected"),
    [("target", 5.2, "PMR"), ("non_target", 5.2, "PMR"), ("non_target", 5.4, "SMD")],
)
def test_5_5_A8_other_lesion_rise_blocks_pmr_only_above_30_percent(role, after, expected):
    # spec 5.5 PMR: "no baseline lesion whose own SULpeak rose by more than 30% (rel_lesion > 0.30)";
    # 4.0 -> 5.2 is +30% exactly (raw 0.30000000000000004, rounded per 1.5): does not block.
    got = row([("L1", "target", "lung", {-5: 10.0, 56: 6.0}), ("L2", role, "bone", {-5: 4.0, 56: after})])
    assert got["overall_response"] == expected


def test_5_5_d_unequivocal_progression_of_a_non_target_lesion_beats_a_pmr_level_decline():
    # spec 5.5 PMD (d): "any baseline lesion status = unequivocal_progression".
    flagged = {"sulpeak": 4.0, "status": "unequivocal_progression"}
    got = row([("L1", "target", "lung", {-5: 8.0, 56: 4.0}),
               ("L2", "non_target", "bone", {-5: 5.0, 56: flagged})])
    assert got["overall_response"] == "PMD" and got["rel_change"] == -0.5


def test_5_7_unequivocal_progression_still_gives_pmd_on_a_scan_that_failed_qc():
    # spec 5.7: quality check failure with percist_qc = "strict" is NE "unless PMD by (c) or (d)".
    flagged = {"sulpeak": 5.0, "status": "unequivocal_progression"}
    scans = {**SCANS, 56: {**SCANS[56], "uptake_min": 90}}
    lesions = [("L1", "target", "lung", {-5: 8.0, 56: 5.6}),
               ("L2", "non_target", "bone", {-5: 5.0, 56: flagged})]
    got = row(lesions, scans)
    assert got["overall_response"] == "PMD" and not bool(got["qc_passed"])


def test_1_3_an_absent_lesion_is_never_the_hottest_even_with_a_stale_value():
    # spec 1.3: resolved lesion "uptake values are treated as 0 ... and it can never be the hottest lesion".
    absent = {"sulpeak": 12.0, "status": "absent"}
    got = row([("L1", "target", "lung", {-5: 10.0, 56: absent}),
               ("L2", "target", "bone", {-5: 5.0, 56: 3.0})])
    assert got["overall_response"] == "PMR"
    assert got["current_lesion"] == "L2" and got["rel_change"] == -0.7


def test_5_7_not_evaluable_baseline_lesion_makes_the_scan_ne_even_when_another_lesion_meets_pmd_a():
    # spec 5.7: NE when "a baseline lesion with neither sulpeak nor status = absent at the follow-up";
    # 1.3: status not_evaluable is treated as a missing value.
    ne = {"sulpeak": 5.0, "status": "not_evaluable"}
    got = row([("L1", "target", "lung", {-5: 8.0, 56: 12.0}), ("L2", "target", "bone", {-5: 5.0, 56: ne})])
    assert got["overall_response"] == "NE" and "L2" in got["reason"]


def test_5_5_b_extent_rule_is_skipped_when_tlg_of_a_selected_lesion_is_missing():
    # spec 5.5: "(b) is skipped when tlg is missing for any of the selected lesions" (P-9 with one TLG gone).
    lesions = [
        ("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 60}, 56: {"sulpeak": 6.3, "tlg": 110}}),
        ("L2", "target", "lymph node", {-5: {"sulpeak": 4.0, "tlg": 40}, 56: {"sulpeak": 4.1, "tlg": NAN}}),
    ]
    assert row(lesions)["overall_response"] == "SMD"


@pytest.mark.parametrize(("after", "expected"), [(3.2, "SMD"), (3.21, "PMD")])
def test_5_5_a_pmd_needs_more_than_0_8_sul_with_float_noise_rounded(after, expected):
    # spec 5.5 (a): "rel > 0.30 and abs > 0.8"; 3.2 - 2.4 = 0.8000000000000003 raw, 0.8 rounded (1.5).
    # Liver 1.4 / 0.15: T = 2.1 + 0.3 = 2.4 and the baseline 2.4 is measurable (>= T).
    scans = {day: {**values, "liver_sul_mean": 1.4, "liver_sul_sd": 0.15} for day, values in SCANS.items()}
    assert row([("L1", "target", "lung", {-5: 2.4, 56: after})], scans)["overall_response"] == expected


def test_5_9_best_response_skips_ne_stops_at_first_pmd_and_records_the_largest_decline():
    # spec 5.9: best of CMR > PMR > SMD up to the first PMD (inclusive); NE skipped; progression = first
    # PMD; later scans after_progression (1.7). Day 56 fails QC (uptake 90): NE.
    scans = {**SCANS, 56: {**SCANS[56], "uptake_min": 90}}
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: 5.6, 112: 6.0, 168: 4.0, 224: 3.0}),
        ("N1", "new", "liver", {168: 4.5, 224: 4.0}),
    ]
    result = run(lesions, scans)
    tp = result.timepoints
    assert list(tp["overall_response"]) == ["NE", "SMD", "PMD", "PMD"]
    assert list(tp["after_progression"]) == [False, False, False, True]
    best = result.best_response.iloc[0]
    assert best["best_response"] == "SMD" and best["best_response_confirmed"] == "SMD"
    assert best["progression_day"] == 168.0
    assert best["largest_decline_pct"] == -50.0 and best["largest_decline_week"] == 24.0
