"""Audit s21 (mutmeta): mutation testing of the six metabolic criteria (spec/metabolic.md 1, 4-9).

Method: a private copy of ``src`` was mutated one rule at a time (a threshold, an inequality, a cap, a
window, a dropped condition, a wrong reference scan...) in eortc.py, percist.py, pecrit.py, percimt.py,
impercist.py, ipercist.py and _metabolic.py, and the focused test files of each criterion (its own tests,
the s11-s18 audit files about it) were run against the mutant.

Counts: 137 mutants (percist 36, eortc 21, ipercist 20, impercist 19, _metabolic 14, percimt 14, pecrit 13);
120 killed by the existing tests, 17 survived. Of the survivors, 12 are pinned below (spec rules nobody
tested), 3 are equivalent (a missing follow-up TLG read as 0 can never reach +75%; imPERCIST's nadir update
on an NE row compares a NaN sum; PERCIST's "no new lesion" in CMR is unreachable because a new lesion is
PMD (c) first) and 2 change only a tie the spec leaves open (the day reported for a best response reached
twice, the week of the largest SULpeak decline reached twice). Four mutants killed only by a randomised
differential test are pinned directly as well (PECRIT window days 21 and 28, the iPERCIST enforced window
at exactly 28 days, the PERCIST uptake window on the baseline scan). No difference between the code and
the spec was proven.

Every test below passes on the unmutated code and fails on the surviving mutant it is named after; its
expected values come from the spec text and hand arithmetic (comments), never from the package's output.
"""

from __future__ import annotations

import pandas as pd
from _pet_tables import QC, pet, run

from ioresponse.criteria import Study, eortc, impercist, ipercist, pecrit, percist

EORTC_COLUMNS = ("patient_id", "day", "lesion_id", "role", "organ", "suvmax", "cycles_before_scan")


def eortc_run(rows, **options):
    return eortc.CRITERION.assess(Study(pet=pd.DataFrame(rows, columns=list(EORTC_COLUMNS))), **options)


def responses(result):
    return result.timepoints["overall_response"].tolist()


# ---------------------------------------------------------------- EORTC 1999 (spec 4)


def test_eortc_4_2_automatic_selection_tracks_five_lesions_not_six():
    """Mutant AUTO_LESIONS 5 -> 6 survived. Spec 4.2: without reader targets the toolkit tracks
    select_hottest(baseline lesions, metric, n=5, per_organ=2)."""
    baseline = {
        "A1": ("lung", 10.0),
        "A2": ("lung", 9.0),
        "B1": ("liver", 8.0),
        "B2": ("liver", 7.0),
        "C1": ("bone", 6.0),
        "C2": ("bone", 1.0),
    }
    rows = [("P1", -3, i, "non_target", organ, value, 0) for i, (organ, value) in baseline.items()]
    # follow-up day 42 after 2 cycles: every lesion unchanged except C2 (the 6th hottest, not tracked) 1 -> 20
    rows += [
        ("P1", 42, i, "non_target", organ, 20.0 if i == "C2" else value, 2)
        for i, (organ, value) in baseline.items()
    ]
    row = eortc_run(rows).timepoints.iloc[0]
    # tracked: A1, A2, B1, B2, C1 (5 hottest, 2 per organ at most); sum 10+9+8+7+6 = 40 -> 40, rel 0: SMD
    # (a sixth tracked lesion would give 41 -> 60, +46.3% > 25%: PMD)
    assert row["tracked_lesions"] == "A1,A2,B1,B2,C1"
    assert row["baseline_sum"] == 40.0 and row["current_sum"] == 40.0
    assert row["overall_response"] == "SMD"


# ---------------------------------------------------------------- PERCIST 1.0 (spec 5)


def test_percist_5_2_secondary_sum_and_tlg_read_five_lesions_not_six():
    """Mutant SUM_LESIONS 5 -> 6 survived. Spec 5.2: secondary measure = select_hottest(baseline-present
    lesions, sulpeak, n=5, per_organ=2); the TLG measure (extent rule 5.5 (b)) sums tlg over the same
    lesions."""
    values = {
        "A1": ("lung", 8.0),
        "A2": ("lung", 7.0),
        "B1": ("liver", 6.0),
        "B2": ("liver", 5.0),
        "C1": ("bone", 4.0),
        "C2": ("bone", 3.6),
    }
    frame = pet(
        [
            (
                i,
                "target",
                organ,
                {-5: {"sulpeak": v, "tlg": 10.0}, 56: {"sulpeak": v, "tlg": 100.0 if i == "C2" else 10.0}},
            )
            for i, (organ, v) in values.items()
        ]
    )
    row = run(percist.CRITERION, frame).timepoints.iloc[0]
    # the five hottest (two per organ at most): A1, A2, B1, B2, C1 -> 8 + 7 + 6 + 5 + 4 = 30.0 at both scans
    assert row["sum5_baseline"] == 30.0 and row["sum5_current"] == 30.0
    # TLG over the same five: 50 -> 50, +0% (C2, the sixth, rose 10 -> 100 but is not selected);
    # hottest 8.0 -> 8.0: no PMD by (a) or (b); not below the liver 2.0: SMD
    assert row["tlg_baseline"] == 50.0 and row["tlg_current"] == 50.0
    assert row["overall_response"] == "SMD"


def test_percist_5_12_A6_nadir_skips_a_scan_that_failed_the_quality_checks():
    """Mutant "the nadir also takes NE scans" survived (percist.Nadir.take). Spec 5.4: a scan pair that fails
    the quality checks is NE for the quantitative rules; A6: the nadir is the lowest H so far, the reference
    of PMD rule (a), a quantitative rule, so the hottest SULpeak of a failed scan is not a nadir."""
    frame = pet(
        [("L1", "target", "lung", {-5: 8.0, 56: 3.0, 112: 4.2})],
        scans={56: {**QC, "uptake_min": 80}},  # 80 > 70 and |80 - 60| = 20 > 15: day 56 is NE (5.4, 5.7)
    )
    rows = run(percist.CRITERION, frame, percist_reference="nadir").timepoints.set_index("day")
    assert rows.loc[56, "overall_response"] == "NE"
    # day 112: the nadir is still the baseline 8.0 (day 56 does not count); 4.2 vs 8.0: rel = -3.8 / 8.0 =
    # -0.475 <= -0.30 and abs -3.8 <= -0.8: PMR.
    # (With 3.0 as nadir: +1.2 / 3.0 = +0.40 > 0.30 and +1.2 > 0.8: PMD.)
    assert rows.loc[112, "nadir_sum"] == 8.0
    assert rows.loc[112, "overall_response"] == "PMR"


def test_percist_5_5_b_extent_rule_needs_no_decline_from_baseline_also_with_the_nadir_option():
    """Mutant "extent rule (b) compares H_fu with the nadir" survived (percist._pmd_triggers). Spec 5.5 (b):
    TLG_fu / TLG_bl - 1 >= 0.75 and H_fu >= H_bl, where H_bl is the hottest SULpeak at baseline (5.5); the
    nadir option (A6) is the lowest H so far, the reference of rule (a)."""
    frame = pet(
        [
            (
                "L1",
                "target",
                "lung",
                {
                    -5: {"sulpeak": 6.0, "tlg": 60.0},
                    56: {"sulpeak": 4.0, "tlg": 40.0},
                    112: {"sulpeak": 5.0, "tlg": 110.0},
                },
            )
        ]
    )
    rows = run(percist.CRITERION, frame, percist_reference="nadir").timepoints.set_index("day")
    # day 56: 6.0 -> 4.0: -33.3%, -2.0 SUL: PMR; the nadir becomes 4.0
    assert rows.loc[56, "overall_response"] == "PMR"
    # day 112: TLG 110 / 60 - 1 = +0.833333 >= 0.75 but H_fu 5.0 < H_bl 6.0: no PMD by (b);
    # rule (a) vs the nadir 4.0: +25.0% (not > 30%); vs baseline -16.7%: not PMR: SMD
    assert rows.loc[112, "overall_response"] == "SMD"


def test_percist_5_5_A3_reader_cmr_rule_counts_only_status_absent():
    """Mutant "cmr_rule='reader' also resolves a lesion below the liver mean" survived (percist.is_resolved).
    Spec 5.5 / 5.12 A3: with percist_cmr_rule = "reader" only status = absent counts as resolved."""
    # liver 2.0 / 0.25 at both scans (QC); a blood-pool mean of 1.5 is given too, so that no rule of
    # "blood_pool" kind can stand in for "reader": 1.0 < liver 2.0 and 1.0 <= blood pool 1.5
    scans = {day: {**QC, "blood_pool_sul_mean": 1.5, "blood_pool_sul_sd": 0.1} for day in (-5, 56)}
    frame = pet([("L1", "target", "lung", {-5: 8.0, 56: 1.0})], scans)
    default = run(percist.CRITERION, frame).timepoints.iloc[0]
    reader = run(percist.CRITERION, frame, percist_cmr_rule="reader").timepoints.iloc[0]
    # default "liver": 1.0 < liver mean 2.0, resolved, no new lesion: CMR
    assert default["overall_response"] == "CMR"
    # "reader": L1 is present, not resolved; 8.0 -> 1.0: -87.5%, -7.0 SUL (<= -30% and <= -0.8): PMR
    assert reader["overall_response"] == "PMR"


def test_percist_5_5_A6_pmr_compares_with_baseline_also_with_the_nadir_option():
    """Mutant "PMR measured from the nadir" survived (percist._pmr). Spec 5.5: the categories compare with
    baseline (rel = (H_fu - H_bl) / H_bl); 5.12 A6: the nadir option changes the reference for PMD only."""
    frame = pet([("L1", "target", "lung", {-5: 10.0, 56: 6.0, 112: 6.0})])
    rows = run(percist.CRITERION, frame, percist_reference="nadir").timepoints.set_index("day")
    # day 56 and day 112: 10.0 -> 6.0: rel = -0.40 <= -0.30, abs = -4.0 <= -0.8: PMR at both
    # (from the nadir 6.0, day 112 would be 0%, SMD); not PMD: 0% from the nadir
    assert rows["overall_response"].tolist() == ["PMR", "PMR"]
    assert rows.loc[112, "rel_change"] == -0.4


def test_percist_5_4_reference_present_check_covers_the_baseline_scan():
    """Mutant "reference present checked at the follow-up only" survived (percist.quality_failures). Spec 5.4:
    "reference present: liver_sul_mean and liver_sul_sd present at both scans" is a quality check; 1.6: the
    row carries the quality-check flags."""
    frame = pet([("L1", "target", "lung", {-5: 8.0, 56: 5.6})], {-5: {**QC, "liver_sul_sd": float("nan")}})
    row = run(percist.CRITERION, frame).timepoints.iloc[0]
    # the baseline liver SD is missing: the check fails (qc_passed False) and T cannot be computed (5.3): NE
    assert not row["qc_passed"]
    assert row["overall_response"] == "NE"


def test_percist_5_4_uptake_window_applies_to_the_baseline_scan_too():
    """Mutant "uptake window checked at the follow-up only" was killed only by a randomised differential test;
    pinned directly. Spec 5.4: uptake time, EACH scan: 50 <= uptake_min <= 70."""
    frame = pet(
        [("L1", "target", "lung", {-5: 8.0, 56: 5.6})],
        {-5: {**QC, "uptake_min": 48}, 56: {**QC, "uptake_min": 55}},
    )
    row = run(percist.CRITERION, frame).timepoints.iloc[0]
    # baseline 48 < 50 fails (follow-up 55 passes, |55 - 48| = 7 <= 15 passes): NE despite -30.0%, -2.4 SUL
    assert not row["qc_passed"]
    assert row["overall_response"] == "NE"


# ---------------------------------------------------------------- imPERCIST (spec 8)


def test_impercist_8_9_A4_nadir_takes_any_smaller_sum():
    """Mutant "the nadir moves only when the sum falls by more than 1 SUL" survived (impercist._patient_rows).
    Spec 8.9 / 8.12 A4: impercist_reference = "nadir" measures PMD from the smallest sum so far."""
    frame = pet(
        [
            ("L1", "target", "lung", {-6: 6.0, 90: 5.5, 180: 8.5}),
            ("L2", "target", "lymph node", {-6: 4.0, 90: 4.0, 180: 4.0}),
        ]
    )
    rows = run(impercist.CRITERION, frame, impercist_reference="nadir").timepoints.set_index("day")
    # S_bl = 6.0 + 4.0 = 10.0 (both >= T = 3.5). Day 90: S = 9.5, -5.0%: SMD; the smallest sum so far is 9.5
    assert rows.loc[90, "overall_response"] == "SMD"
    # day 180: S = 12.5; vs baseline +25.0% (< 30%); vs the nadir 9.5: 3.0 / 9.5 = +0.315789 >= 0.30: PMD
    assert rows.loc[180, "nadir_sum"] == 9.5
    assert rows.loc[180, "overall_response"] == "PMD"


def test_impercist_1_3_1_4_not_evaluable_new_lesion_is_not_summed_even_with_a_value():
    """Mutant "select_hottest keeps not_evaluable lesions" survived (_metabolic.hottest_ids). Spec 1.3: a
    lesion with status = not_evaluable is treated as a missing value; 1.4 step 1 drops lesions with a missing
    value; 8.2: S_fu = select_hottest(all lesions present at the follow-up, n=5, per_organ=2)."""
    frame = pet(
        [
            ("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
            ("L2", "target", "lymph node", {-6: 4.0, 90: 4.0}),
            ("N1", "new", "bone", {90: {"sulpeak": 5.0, "status": "not_evaluable"}}),
        ]
    )
    row = run(impercist.CRITERION, frame).timepoints.iloc[0]
    # S_bl = 6.0 + 4.0 = 10.0; N1 is dropped (missing value): S_fu = 10.0, +0.0%: SMD
    # (summing N1's 5.0 would give 15.0, +50% >= 30%: PMD)
    assert row["current_sum"] == 10.0
    assert row["overall_response"] == "SMD"


# ---------------------------------------------------------------- shared conventions (spec 1, 3.3)


def test_3_3_end_of_treatment_is_the_first_scan_after_treatment_end_not_on_it():
    """Mutant "first scan on or after treatment_end" survived (_metabolic.consensus_window). Spec 3.3:
    end_of_treatment = first scan after the patient table's treatment_end."""
    # treatment_start 2024-01-10, treatment_end 2024-03-06: 21 days to Jan 31 + 29 (Feb 2024) + 6 = day 56
    patients = pd.DataFrame(
        {"patient_id": ["P1"], "treatment_start": ["2024-01-10"], "treatment_end": ["2024-03-06"]}
    )
    scans = {day: {**QC, "cycles_before_scan": cycles} for day, cycles in ((-5, 0), (56, 5), (112, 5))}
    frame = pet([("L1", "target", "lung", {-5: 8.0, 56: 8.0, 112: 8.0})], scans)
    result = percist.CRITERION.assess(Study(pet=frame, patients=patients))
    # day 56 is on treatment_end, not after it: "other" (5 cycles is not 2 or 3);
    # day 112 is the first scan after it: end_of_treatment
    assert result.timepoints["consensus_window"].tolist() == ["other", "end_of_treatment"]


# ---------------------------------------------------------------- iPERCIST (spec 9)


def test_ipercist_9_5_rule_4_unconfirmed_progression_is_dated_at_the_first_upmd_scan():
    """Mutant "the open episode's progression is dated at its last UPMD scan" survived (ipercist finish).
    Spec 9.5 rule 4: ipercist_unconfirmed_is_progression = True makes an episode still open at the last scan
    a progression event dated at U, the episode's reference (first UPMD) scan (A5)."""
    frame = pet(
        [  # spec 9.10 S-3 without its day 119
            ("L1", "target", "lung", {-5: 5.0, 56: 5.2, 84: 5.3}),
            ("L2", "target", "lymph node", {-5: 3.0, 56: 3.0, 84: 3.0}),
            ("N1", "new", "bone", {56: 3.0, 84: 3.1}),
        ]
    )
    result = run(ipercist.CRITERION, frame, ipercist_unconfirmed_is_progression=True)
    # day 56: N1 new -> PMD -> UPMD (U = day 56); day 84: still PMD vs baseline, vs U: L1 +1.9%, nothing new
    # since U: stays UPMD; no later PET: the open episode is progression dated at U = day 56
    assert responses(result) == ["UPMD", "UPMD"]
    assert result.best_response.iloc[0]["progression_day"] == 56.0


def test_ipercist_9_5_rule_3_enforced_window_lets_a_scan_exactly_28_days_after_upmd_confirm():
    """Mutant "elapsed <= 28 is too early" was killed only by a randomised differential test; pinned directly.
    Spec 9.5 rule 3: with ipercist_enforce_window = True a scan FEWER than 28 days after U cannot confirm."""
    frame = pet(
        [  # spec 9.10 S-1
            ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 9.5}),
            ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 3.5}),
        ]
    )
    result = run(ipercist.CRITERION, frame, ipercist_enforce_window=True)
    # day 56: +40%, +2.0 vs baseline: UPMD; day 84 = 28 days after U (not fewer): vs U (9.5 - 7.0) / 7.0 =
    # +0.357143 > 0.30 and +2.5 > 0.8: CPMD, inside the 28-56-day window (no timing flag)
    assert responses(result) == ["UPMD", "CPMD"]
    assert result.timepoints["timing_flag"].tolist() == ["", ""]


# ---------------------------------------------------------------- PECRIT (spec 6)


def test_pecrit_6_9_days_21_and_28_are_inside_the_window():
    """Mutants PECRIT_WINDOW_DAYS (22, 28) and (21, 27) were killed only by a randomised differential test;
    pinned directly. Spec 6.9: PECRIT is evaluated on the first follow-up PET with 21 <= day <= 28."""
    pr = {**QC, "recist_response": "PR"}
    frame = pd.concat(
        [
            pet(
                [("L1", "target", "lung", {-4: 6.0, 20: 6.0, 28: 6.0})],
                {d: pr for d in (-4, 20, 28)},
                patient="P1",
            ),
            pet(
                [("L1", "target", "lung", {-4: 6.0, 21: 6.0, 29: 6.0})],
                {d: pr for d in (-4, 21, 29)},
                patient="P2",
            ),
        ]
    )
    rows = run(pecrit.CRITERION, frame).timepoints.set_index("patient_id")
    # P1: day 20 is before the window, day 28 is its last day: day 28, no flag; P2: day 21, no flag
    assert rows.loc["P1", "day"] == 28 and rows.loc["P2", "day"] == 21
    assert rows["timing_flag"].tolist() == ["", ""]
    assert rows["overall_response"].tolist() == ["clinical_benefit", "clinical_benefit"]  # RECIST PR (6.5)


def test_ipercist_9_5_rule_4_deterioration_is_read_at_the_last_upmd_scan_not_a_later_ne_scan():
    """Mutant "responder reads clinical_status of the patient's last row" survived (ipercist._responder).
    Spec 9.5 rule 4: an episode still open at the last scan stays UPMD; "if clinical_status = deteriorating
    at that last UPMD scan ... responder = False"; 9.7: an NE scan inside an episode neither confirms nor
    resets."""
    scans = {
        -5: {**QC, "clinical_status": "stable"},
        56: {**QC, "clinical_status": "deteriorating"},
        84: {**QC, "uptake_min": 80, "clinical_status": "stable"},  # 80 > 70, |80 - 60| = 20 > 15: NE (5.4)
    }
    frame = pet(
        [
            ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 9.5}),
            ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 3.5}),
        ],
        scans,
    )
    result = run(ipercist.CRITERION, frame)
    # day 56: +40%, +2.0 SUL: UPMD (episode opens); day 84: NE, the episode stays open; no further PET:
    # the last UPMD scan (day 56) was deteriorating: responder False
    assert responses(result) == ["UPMD", "NE"]
    responder = result.best_response.iloc[0]["responder"]
    assert not pd.isna(responder) and not responder
