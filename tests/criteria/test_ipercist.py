"""iPERCIST: the worked examples S-1..S-5 and ambiguities A1-A5 of spec/metabolic.md section 9.

Tables are typed by hand from the spec; expected categories, states and days are the spec's.
"""

from __future__ import annotations

import pandas as pd

from ioresponse.criteria import Study
from ioresponse.criteria.ipercist import CRITERION

# spec 9.10: baseline day -5, L1 (lung) 5.0, L2 (lymph node) 3.0; liver 2.0 / 0.25, uptake 60 (QC passes).
QC = {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}


def table(lesions, clinical=None):
    """Long PET table from (lesion_id, role, organ, {day: sulpeak}) rows."""
    return pd.DataFrame(
        [
            {
                "patient_id": "P1",
                "day": day,
                "lesion_id": lesion_id,
                "role": role,
                "organ": organ,
                "sulpeak": value,
                "clinical_status": (clinical or {}).get(day, ""),
            }
            | QC
            for lesion_id, role, organ, values in lesions
            for day, value in values.items()
        ]
    )


def run(lesions, clinical=None, **options):
    return CRITERION.assess(Study(pet=table(lesions, clinical)), **options)


def column(result, name):
    return result.timepoints[name].tolist()


S1 = [
    ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 9.5}),
    ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 3.5}),
]
S3 = [
    ("L1", "target", "lung", {-5: 5.0, 56: 5.2, 84: 5.3, 119: 5.3}),
    ("L2", "target", "lymph node", {-5: 3.0, 56: 3.0, 84: 3.0, 119: 3.1}),
    ("N1", "new", "bone", {56: 3.0, 84: 3.1, 119: 3.1}),
    ("N2", "new", "liver", {119: 2.8}),
]


def test_S1_upmd_then_cpmd_by_further_increase_progression_dated_at_upmd():
    result = run(S1)
    assert column(result, "overall_response") == ["UPMD", "CPMD"]
    assert column(result, "confirmation_state") == ["confirmed", "confirms"]
    assert column(result, "timing_flag") == ["", ""]
    cpmd = result.timepoints.iloc[1]
    assert "+35.7%, +2.5 SUL" in cpmd["reason"] and "progression dated day 56" in cpmd["reason"]
    best = result.best_response.iloc[0]
    assert best["best_response"] == "CPMD" and best["progression_day"] == 56 and best["pfs_event"]
    assert best["responder"] == False  # noqa: E712 (pandas boolean)


def test_S2_upmd_then_reset_to_pmr_is_a_responder():
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 3.4}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 2.0}),
    ]
    result = run(lesions)
    assert column(result, "overall_response") == ["UPMD", "PMR"]
    assert column(result, "confirmation_state") == ["not_confirmed", "not_required"]
    assert result.timepoints.iloc[1]["rel_change"] == -0.32
    assert "UPMD at day 56 not confirmed" in result.timepoints.iloc[1]["reason"]
    best = result.best_response.iloc[0]
    assert best["best_response"] == "PMR" and best["responder"] == True  # noqa: E712
    assert not best["pfs_event"]


def test_S3_upmd_neither_confirmed_nor_reset_then_confirmed_by_a_new_lesion_since_upmd():
    result = run(S3)
    assert column(result, "overall_response") == ["UPMD", "UPMD", "CPMD"]
    assert column(result, "confirmation_state") == ["confirmed", "confirmed", "confirms"]
    assert column(result, "timing_flag") == ["", "", "outside_confirmation_window"]
    assert "N2 since the UPMD scan (day 56)" in result.timepoints.iloc[2]["reason"]
    assert result.best_response.iloc[0]["progression_day"] == 56


def test_S3_A1_baseline_reference_confirms_at_day_84():
    result = run(S3, ipercist_confirm_reference="baseline")
    assert column(result, "overall_response")[:2] == ["UPMD", "CPMD"]
    assert column(result, "after_progression") == [False, False, True]


def test_S3_A2_enforced_window_still_confirms_a_late_scan():
    result = run(S3, ipercist_enforce_window=True)
    assert column(result, "overall_response") == ["UPMD", "UPMD", "CPMD"]


def test_S4_upmd_with_clinical_deterioration_and_no_further_scan():
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2}),
    ]
    result = run(lesions, clinical={56: "deteriorating"})
    row = result.timepoints.iloc[0]
    assert row["overall_response"] == "UPMD" and row["confirmation_state"] == "pending"
    assert "UPMD not confirmed: no further PET confirms or resets it; clinical deterioration" in row["reason"]
    best = result.best_response.iloc[0]
    assert best["best_response"] == "UPMD" and best["responder"] == False  # noqa: E712
    assert not best["pfs_event"]


def test_S4_A3_unconfirmed_upmd_as_progression_event():
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2}),
    ]
    best = run(lesions, ipercist_unconfirmed_is_progression=True).best_response.iloc[0]
    assert best["pfs_event"] and best["progression_day"] == 56


def test_S5_confirmation_scan_too_early_confirms_by_default_with_a_flag():
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 70: 9.4}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 70: 3.2}),
    ]
    result = run(lesions)
    assert column(result, "overall_response") == ["UPMD", "CPMD"]
    assert column(result, "timing_flag") == ["", "outside_confirmation_window"]
    assert "+34.3%, +2.4 SUL" in result.timepoints.iloc[1]["reason"]


def test_S5_A2_enforced_window_keeps_an_early_scan_upmd_and_the_next_compares_with_the_first_upmd():
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 70: 9.4, 98: 9.4}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 70: 3.2, 98: 3.2}),
    ]
    result = run(lesions, ipercist_enforce_window=True)
    assert column(result, "overall_response") == ["UPMD", "UPMD", "CPMD"]
    assert "vs UPMD scan (day 56) 7.0 (L1)" in result.timepoints.iloc[2]["reason"]


def test_window_boundaries_28_and_56_days_are_inside():
    for day in (84, 112):
        lesions = [
            ("L1", "target", "lung", {-5: 5.0, 56: 7.0, day: 9.5}),
            ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, day: 3.5}),
        ]
        assert column(run(lesions), "timing_flag") == ["", ""]
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 113: 9.5}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 113: 3.5}),
    ]
    assert column(run(lesions), "timing_flag") == ["", "outside_confirmation_window"]


def test_ne_scan_inside_an_episode_neither_confirms_nor_resets():
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 9.5}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2}),
    ]  # L2 missing on day 84
    result = run(lesions)
    assert column(result, "overall_response") == ["UPMD", "NE"]
    assert column(result, "confirmation_state") == ["pending", "not_required"]


def test_new_lesion_that_resolved_no_longer_keeps_pmd():
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 5.0, 84: 5.0}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.0, 84: 3.0}),
        ("N1", "new", "bone", {56: 3.0, 84: None}),
    ]
    frame = table(lesions)
    frame.loc[(frame["lesion_id"] == "N1") & (frame["day"] == 84), "status"] = "absent"
    frame["status"] = frame["status"].fillna("present")
    result = CRITERION.assess(Study(pet=frame))
    assert column(result, "overall_response") == ["UPMD", "SMD"]


def test_first_follow_up_smd_is_a_responder():
    lesions = [
        ("L1", "target", "lung", {-5: 5.0, 56: 5.1}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.0}),
    ]
    best = run(lesions).best_response.iloc[0]
    assert best["best_response"] == "SMD" and best["responder"] == True  # noqa: E712


def test_upmd_reason_names_the_reference_percist_used_not_always_the_baseline():
    # spec 9.5 with percist_reference = "nadir" (5.10 option): L1 5.0 -> 4.0 (day 56, -20 %: SMD; nadir 4.0)
    # -> 6.0 on day 112: +50 % and +2.0 SUL vs the nadir 4.0 (>= 30 % and >= 0.8): PMD, unconfirmed: UPMD.
    # The reason must not call it a PMD "vs baseline" (6.0 vs baseline 5.0 is +20 %, not PMD).
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 4.0, 112: 6.0})]
    result = run(lesions, percist_reference="nadir")
    assert column(result, "overall_response") == ["SMD", "UPMD"]
    reason = result.timepoints.iloc[1]["reason"]
    assert "vs baseline" not in reason and "nadir" in reason
    assert "UPMD, to be confirmed by the next PET 4-8 weeks later" in reason
