"""Rules of the immune metabolic criteria against spec/metabolic.md sections 6 (PECRIT), 7 (PERCIMT),
8 (imPERCIST) and 9 (iPERCIST), for rules the worked-example tests do not pin yet.

Every expected value is computed by hand from the spec text (arithmetic in the comments), never
from the code's output. Tables are typed by hand in the PET long format of spec 1.1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ioresponse.criteria import Study
from ioresponse.criteria.impercist import CRITERION as IMPERCIST
from ioresponse.criteria.ipercist import CRITERION as IPERCIST
from ioresponse.criteria.pecrit import CRITERION as PECRIT
from ioresponse.criteria.percimt import CRITERION as PERCIMT

# Liver 2.0 / 0.25 (T = 1.5 x 2.0 + 2 x 0.25 = 3.5), uptake 60 min: PERCIST quality checks pass (spec 5.4).
QC = {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}


def pet(lesions, patient="P1", scans=None, value_column="sulpeak"):
    """Long PET table from (lesion_id, role, organ, {day: cell}) rows.

    A cell is a number (the ``value_column``), None (no value), or a dict of column values
    (``status``, ``tlg``, ...). ``scans`` maps a day to its per-scan values (default ``QC``).
    """
    rows = []
    for lesion_id, role, organ, cells in lesions:
        for day, cell in cells.items():
            row = {"patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role, "organ": organ}
            row |= cell if isinstance(cell, dict) else {value_column: cell}
            row.setdefault("status", "present")
            row |= (scans or {}).get(day, QC)
            rows.append(row)
    return pd.DataFrame(rows)


def column(result, name, patient="P1"):
    rows = result.timepoints[result.timepoints["patient_id"] == patient]
    return rows[name].tolist()


def best(result, patient="P1"):
    rows = result.best_response[result.best_response["patient_id"] == patient]
    assert len(rows) == 1
    return rows.iloc[0]


# ================================================================ PECRIT (spec 6)


def pecrit_table(l1, l2, recist, day=24, patient="P1"):
    """Spec 6.11 set-up: baseline day -4, L1 (lung) and L2 (lymph node) SULpeak, RECIST at SCAN-2."""
    frame = pet([("L1", "target", "lung", {-4: l1[0], day: l1[1]}),
                 ("L2", "target", "lymph node", {-4: l2[0], day: l2[1]})], patient=patient)
    frame["recist_response"] = ["" if d < 0 else recist for d in frame["day"]]
    return frame


@pytest.mark.parametrize(("day", "flag"), [(20, "outside_pecrit_window"), (21, ""), (28, ""),
                                           (29, "outside_pecrit_window")])
def test_pecrit_6_9_window_is_days_21_to_28_inclusive(day, flag):
    # spec 6.9 / 3.2: "the first follow-up PET with 21 <= day <= 28"; outside -> timing_flag.
    row = PECRIT.assess(Study(pet=pecrit_table((6.0, 8.4), (3.0, 3.0), "PR", day=day))).timepoints.iloc[0]
    assert row["timing_flag"] == flag and row["overall_response"] == "clinical_benefit"
    # with pecrit_strict_window (6.7, A3) only the out-of-window scans become NE
    strict = PECRIT.assess(Study(pet=pecrit_table((6.0, 8.4), (3.0, 3.0), "PR", day=day)),
                           pecrit_strict_window=True).timepoints.iloc[0]
    assert strict["overall_response"] == ("NE" if flag else "clinical_benefit")


def test_pecrit_6_9_first_in_window_scan_wins_over_an_earlier_out_of_window_scan():
    # Day 14 (outside) SD with -20% (5.0 -> 4.0) would be no benefit; day 24 (inside) SD with
    # +20% (5.0 -> 6.0) is benefit. Spec 6.9 evaluates once, on the first scan with 21 <= day <= 28.
    early = pecrit_table((5.0, 4.0), (3.9, 3.5), "SD", day=14)
    inside = pecrit_table((5.0, 6.0), (3.9, 4.1), "SD", day=24).query("day == 24")
    result = PECRIT.assess(Study(pet=pd.concat([early, inside])))
    assert column(result, "day") == [24]
    assert column(result, "overall_response") == ["clinical_benefit"]
    assert column(result, "timing_flag") == [""]


def test_pecrit_6_9_without_an_in_window_scan_the_first_follow_up_is_used_and_flagged():
    # spec 6.9: "If there is none, the default uses the first follow-up PET and sets timing_flag".
    # Scans day 14 (PR) and day 42 (PD): none on 21-28 -> day 14 (PR -> benefit), flagged.
    first = pecrit_table((6.0, 8.4), (3.0, 3.0), "PR", day=14)
    later = pecrit_table((6.0, 8.4), (3.0, 3.0), "PD", day=42).query("day == 42")
    result = PECRIT.assess(Study(pet=pd.concat([first, later])))
    assert column(result, "day") == [14]
    assert column(result, "overall_response") == ["clinical_benefit"]
    assert column(result, "timing_flag") == ["outside_pecrit_window"]


def test_pecrit_6_5_recist_cr_is_benefit_without_consulting_pet():
    # spec 6.5: "CR or PR | not consulted | clinical_benefit" (hottest falls 6.0 -> 4.2, irrelevant).
    row = PECRIT.assess(Study(pet=pecrit_table((6.0, 4.2), (3.0, 3.0), "CR"))).timepoints.iloc[0]
    assert row["overall_response"] == "clinical_benefit"
    assert "PECRIT" in row["reason"] and "6.5" in row["reason"]


def test_pecrit_6_2_hottest_lesion_may_change_between_scans():
    # spec 6.2: SULpeak of the hottest lesion "exactly as PERCIST 5.2 (the hottest lesion may differ)".
    # H_bl = 5.0 (L1); H_scan2 = 6.0 (L2). rel = (6.0 - 5.0) / 5.0 = +0.20 > 0.155: benefit.
    # A lesion-matched reading (L1 5.0 -> 4.0 = -20%) would give no benefit.
    row = PECRIT.assess(Study(pet=pecrit_table((5.0, 4.0), (3.9, 6.0), "SD"))).timepoints.iloc[0]
    assert row["rel_change"] == 0.2 and row["current_lesion"] == "L2"
    assert row["overall_response"] == "clinical_benefit"


def test_pecrit_1_3_resolved_lesion_is_zero_not_missing_in_the_sd_branch():
    # spec 1.3: status absent -> uptake 0, never the hottest; not a missing value (6.7 NE does not apply).
    # L1 5.0 -> absent; L2 3.9 -> 6.2: H_scan2 = 6.2 (L2), rel = 1.2 / 5.0 = +0.24 > 0.155: benefit.
    frame = pecrit_table((5.0, None), (3.9, 6.2), "SD")
    frame.loc[(frame["lesion_id"] == "L1") & (frame["day"] == 24), "status"] = "absent"
    row = PECRIT.assess(Study(pet=frame)).timepoints.iloc[0]
    assert row["overall_response"] == "clinical_benefit" and row["rel_change"] == 0.24


@pytest.mark.parametrize(("recist", "expected"), [("SD", "NE"), ("PR", "clinical_benefit"),
                                                  ("PD", "no_clinical_benefit")])
def test_pecrit_6_7_lesion_without_value_at_scan2_is_ne_only_in_the_sd_branch(recist, expected):
    # spec 6.7: "in the SD branch only: ... a baseline lesion lacks a value at SCAN-2" -> NE.
    frame = pecrit_table((5.0, 6.0), (3.9, None), recist)
    frame.loc[(frame["lesion_id"] == "L2") & (frame["day"] == 24), "status"] = "not_evaluable"
    assert PECRIT.assess(Study(pet=frame)).timepoints.iloc[0]["overall_response"] == expected


@pytest.mark.parametrize(("recist", "expected"), [("SD", "NE"), ("PR", "clinical_benefit"),
                                                  ("PD", "no_clinical_benefit")])
def test_pecrit_6_3_measurability_matters_only_in_the_sd_branch(recist, expected):
    # spec 6.3: baseline hottest 3.4 < T 3.5 (not measurable); "It matters only in the SD branch".
    frame = pecrit_table((3.4, 5.0), (3.0, 3.0), recist)
    assert PECRIT.assess(Study(pet=frame)).timepoints.iloc[0]["overall_response"] == expected


def test_pecrit_6_7_unavailable_recist_response_is_ne():
    # spec 6.7: "recist_response is NE or unavailable" -> NE (column present, empty at SCAN-2, no
    # anatomic table to compute it from).
    row = PECRIT.assess(Study(pet=pecrit_table((5.0, 6.0), (3.9, 4.1), ""))).timepoints.iloc[0]
    assert row["overall_response"] == "NE"


def test_pecrit_6_9_patient_row_repeats_the_single_prediction_per_patient():
    # spec 6.9: no best-response derivation; 1.6: best_response and best_response_confirmed equal.
    # P1: SD +20% (5.0 -> 6.0) -> benefit; P2: SD -20% (5.0 -> 4.0) -> no benefit (default "increase").
    frame = pd.concat([pecrit_table((5.0, 6.0), (3.9, 4.1), "SD", patient="P1"),
                       pecrit_table((5.0, 4.0), (3.9, 3.5), "SD", patient="P2")])
    result = PECRIT.assess(Study(pet=frame))
    assert len(result.timepoints) == 2
    for patient, expected in (("P1", "clinical_benefit"), ("P2", "no_clinical_benefit")):
        assert column(result, "overall_response", patient) == [expected]
        row = best(result, patient)
        assert row["best_response"] == expected and row["best_response_confirmed"] == expected


# ================================================================ PERCIMT (spec 7)

BASELINE_B = [("B1", "lung"), ("B2", "lymph node"), ("B3", "liver")]


def percimt_table(statuses, new_diameters=(), day=84):
    """Spec 7.11 set-up: B1..B3 at day -7 (present), their status at ``day``, new lesions' diameters."""
    lesions = []
    for (lesion_id, organ), status in zip(BASELINE_B, statuses, strict=True):
        cells = {-7: {"functional_diameter_mm": 20.0}}
        if status is not None:  # None: no row at the follow-up
            cells[day] = {"functional_diameter_mm": 20.0 if status == "present" else None, "status": status}
        lesions.append((lesion_id, "target", organ, cells))
    for i, d in enumerate(new_diameters, 1):
        lesions.append((f"N{i}", "new", "bone", {day: {"functional_diameter_mm": d}}))
    return pet(lesions, scans={})


def percimt(frame, **options):
    return PERCIMT.assess(Study(pet=frame), **options)


ALL_ABSENT = ("absent", "absent", "absent")
ALL_PRESENT = ("present", "present", "present")


def test_percimt_7_5_pmd_is_evaluated_before_cmr():
    # spec 1.7 order PMD before CMR; 7.5: n_gt15 = 2 (16, 18 mm) -> PMD although every baseline
    # lesion resolved.
    row = percimt(percimt_table(ALL_ABSENT, (16, 18))).timepoints.iloc[0]
    assert row["overall_response"] == "PMD" and row["clinical_benefit"] == "no_clinical_benefit"


def test_percimt_7_5_cmr_and_pmr_need_no_new_lesion():
    # spec 7.5: CMR = all resolved AND n_all == 0; SMD "includes new lesions below the PMD counts".
    # All resolved + one 5 mm new lesion: n_all = 1 (< 4): not PMD, not CMR -> SMD.
    assert percimt(percimt_table(ALL_ABSENT, (5,))).timepoints.iloc[0]["overall_response"] == "SMD"
    # Some resolved (B2) + one new lesion: not PMR -> SMD.
    some = percimt(percimt_table(("present", "absent", "present"), (5,))).timepoints.iloc[0]
    assert some["overall_response"] == "SMD" and some["clinical_benefit"] == "clinical_benefit"


@pytest.mark.parametrize(
    ("diameters", "cumulative", "binned"),
    [
        # 16, 12, 12: cumulative n_gt10 = 3 (16 counts as > 10) -> PMD; binned medium 2, large 1 -> SMD.
        ((16, 12, 12), "PMD", "SMD"),
        # 15, 15, 15: cumulative n_gt10 = 3 -> PMD; binned 10 < d <= 15 -> medium 3 (>= 3) -> PMD.
        ((15, 15, 15), "PMD", "PMD"),
        # 10 x 4: cumulative n_all = 4 -> PMD; binned small (d <= 10) 4 -> PMD.
        ((10, 10, 10, 10), "PMD", "PMD"),
        # 11, 11, 10: cumulative n_all 3, n_gt10 2 -> SMD; binned small 1, medium 2 -> SMD.
        ((11, 11, 10), "SMD", "SMD"),
        # 16, 15, 15: cumulative n_gt10 = 3 -> PMD; binned medium 2 (< 3), large 1 (< 2) -> SMD.
        ((16, 15, 15), "PMD", "SMD"),
    ],
)
def test_percimt_7_5_size_class_edges_cumulative_and_binned(diameters, cumulative, binned):
    frame = percimt_table(ALL_PRESENT, diameters)
    assert percimt(frame).timepoints.iloc[0]["overall_response"] == cumulative
    assert percimt(frame, percimt_counting="binned").timepoints.iloc[0]["overall_response"] == binned


def test_percimt_7_5_unequivocal_progression_of_a_baseline_lesion_is_not_pmd():
    # spec 7.5: "Uptake changes of existing lesions ... never make PMD"; PMD only by new-lesion counts
    # (12 comparison table). B1 flagged, no new lesion, nothing resolved -> SMD.
    frame = percimt_table(("unequivocal_progression", "present", "present"))
    assert percimt(frame).timepoints.iloc[0]["overall_response"] == "SMD"


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        # B3 has no row: resolved count is 1 (B1) or 2 (B1, B3) of 3 -> PMR either way -> PMR.
        (("absent", "present", None), "PMR"),
        # B3 unknown: 0 or 1 of 3 resolved -> SMD or PMR -> NE.
        (("present", "present", None), "NE"),
        # B3 not_evaluable, B1 and B2 absent: PMR or CMR -> NE.
        (("absent", "absent", "not_evaluable"), "NE"),
    ],
)
def test_percimt_7_7_missing_status_is_ne_only_when_cmr_pmr_depend_on_it(statuses, expected):
    # spec 7.7: "a baseline lesion with no status at follow-up when CMR/PMR would depend on it".
    assert percimt(percimt_table(statuses)).timepoints.iloc[0]["overall_response"] == expected


def test_percimt_7_7_missing_baseline_status_is_irrelevant_when_new_lesions_decide():
    # New lesions make CMR/PMR impossible: 12, 12, 12 mm -> PMD (n_gt10 = 3); one 5 mm -> SMD.
    assert percimt(percimt_table(("present", "present", None), (12, 12, 12))).timepoints.iloc[0][
        "overall_response"] == "PMD"
    assert percimt(percimt_table(("present", "present", None), (5,))).timepoints.iloc[0][
        "overall_response"] == "SMD"


def test_percimt_7_9_best_response_up_to_first_pmd_and_after_progression():
    # day 84: B2 absent, no new -> PMR. day 168: four new 5 mm lesions -> PMD (n_all = 4).
    # day 252: every lesion absent (new ones too) -> CMR, but after progression (spec 1.7).
    # Best = PMR (CMR at 252 does not count); progression day 168; no_pmd_ever -> no benefit;
    # "last_scan" -> grouping at day 252 (CMR) -> benefit (7.9, A4).
    lesions = [
        ("B1", "target", "lung", {-7: 20.0, 84: 20.0, 168: 20.0, 252: {"status": "absent"}}),
        ("B2", "target", "lymph node", {-7: 20.0, 84: {"status": "absent"}, 168: {"status": "absent"},
                                        252: {"status": "absent"}}),
        ("B3", "target", "liver", {-7: 20.0, 84: 20.0, 168: 20.0, 252: {"status": "absent"}}),
        *[(f"N{i}", "new", "bone", {168: 5.0, 252: {"status": "absent"}}) for i in range(1, 5)],
    ]
    frame = pet(lesions, scans={}, value_column="functional_diameter_mm")
    result = percimt(frame)
    assert column(result, "overall_response") == ["PMR", "PMD", "CMR"]
    assert column(result, "after_progression") == [False, False, True]
    row = best(result)
    assert row["best_response"] == "PMR" and row["progression_day"] == 168
    assert row["clinical_benefit"] == "no_clinical_benefit"
    assert best(percimt(frame, percimt_patient_benefit="last_scan"))["clinical_benefit"] == "clinical_benefit"


# ================================================================ imPERCIST (spec 8)

IM_SCANS = {day: QC for day in (-6, 90, 150, 210, 270)}


def impercist(lesions, scans=None, **options):
    return IMPERCIST.assess(Study(pet=pet(lesions, scans=scans or IM_SCANS)), **options)


def test_impercist_8_3_unmeasurable_baseline_lesion_is_left_out_of_the_baseline_sum():
    # spec 8.2/8.3: S_bl sums only baseline lesions with sulpeak >= T (3.5). L2 3.4 < 3.5: out.
    # S_bl = 6.0; follow-up L1 7.8, L2 absent: S_fu = 7.8; rel = 1.8 / 6.0 = +0.30 >= 0.30 -> PMD.
    # (Had L2 been summed: 9.4 -> 7.8 = -17% -> SMD.)
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: 7.8}),
               ("L2", "target", "lymph node", {-6: 3.4, 90: {"status": "absent"}})]
    row = impercist(lesions).timepoints.iloc[0]
    assert row["baseline_sum"] == 6.0 and row["rel_change"] == 0.3
    assert row["overall_response"] == "PMD"


def test_impercist_8_3_lesion_exactly_at_threshold_is_measurable():
    # spec 5.3 via 8.3: measurable if sulpeak >= T. L2 = 3.5 = T: in. S_bl = 6.0 + 3.5 = 9.5.
    # Follow-up L1 6.0, L2 absent: S_fu = 6.0; rel = -3.5 / 9.5 = -0.368421 <= -0.30 -> PMR.
    # (Had L2 been excluded: 6.0 -> 6.0 = 0% -> SMD.)
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
               ("L2", "target", "lymph node", {-6: 3.5, 90: {"status": "absent"}})]
    row = impercist(lesions).timepoints.iloc[0]
    assert row["baseline_sum"] == 9.5 and row["rel_change"] == pytest.approx(-0.368421)
    assert row["overall_response"] == "PMR"


def test_impercist_8_2_baseline_selection_caps_five_lesions_and_two_per_organ():
    # select_hottest(n=5, per_organ=2) at baseline (spec 1.4, 8.2): liver 8.0, 7.0 (liver 6.0 skipped:
    # third liver), lung 5.0, 4.5, lymph node 4.0 -> five kept; bone 3.8 not reached.
    # S_bl = 8.0 + 7.0 + 5.0 + 4.5 + 4.0 = 28.5.
    values = [("L1", "liver", 8.0), ("L2", "liver", 7.0), ("L3", "liver", 6.0), ("L4", "lung", 5.0),
              ("L5", "lung", 4.5), ("L6", "lymph node", 4.0), ("L7", "bone", 3.8)]
    lesions = [(i, "target", organ, {-6: v, 90: v}) for i, organ, v in values]
    row = impercist(lesions).timepoints.iloc[0]
    assert row["baseline_sum"] == 28.5 and row["overall_response"] == "SMD"


def test_impercist_8_5_cmr_needs_new_lesions_resolved_too():
    # spec 8.5: CMR when "every lesion (baseline and new) resolved". L1 absent, L2 1.5 (< liver 2.0).
    # Without N1: all resolved -> CMR. With N1 3.0 (not < 2.0): not CMR; S_fu (top5) = 3.0 + 1.5 = 4.5,
    # S_bl = 10.0, rel = -0.55 <= -0.30 -> PMR.
    base = [("L1", "target", "lung", {-6: 6.0, 90: {"status": "absent"}}),
            ("L2", "target", "lymph node", {-6: 4.0, 90: 1.5})]
    assert impercist(base).timepoints.iloc[0]["overall_response"] == "CMR"
    row = impercist([*base, ("N1", "new", "bone", {90: 3.0})]).timepoints.iloc[0]
    assert row["overall_response"] == "PMR" and row["current_sum"] == 4.5


def test_impercist_8_5_unequivocal_progression_flag_alone_is_not_pmd():
    # spec 8.5: "New lesions and non-target progression do not make PMD by themselves".
    # Sum 10.0 -> 10.0 (0%) with L2 flagged unequivocal_progression -> SMD.
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
               ("L2", "non_target", "bone",
                {-6: 4.0, 90: {"sulpeak": 4.0, "status": "unequivocal_progression"}})]
    assert impercist(lesions).timepoints.iloc[0]["overall_response"] == "SMD"


def test_impercist_8_5_A3_absolute_minimum_also_applies_to_pmr():
    # spec 8.5: impercist_min_abs_sul "adds abs >= 0.8 in magnitude to both PMR and PMD".
    # Liver 1.0 / 0.1 -> T = 1.7; L1 2.0 -> 1.4: rel = -0.30 (rounded), abs = -0.6; 1.4 not < 1.0 (no CMR).
    # Default: PMR. With 0.8: |-0.6| < 0.8 -> SMD.
    scans = {day: {"uptake_min": 60, "liver_sul_mean": 1.0, "liver_sul_sd": 0.1} for day in (-6, 90)}
    lesions = [("L1", "target", "lung", {-6: 2.0, 90: 1.4})]
    assert impercist(lesions, scans).timepoints.iloc[0]["overall_response"] == "PMR"
    strict = impercist(lesions, scans, impercist_min_abs_sul=0.8).timepoints.iloc[0]
    assert strict["overall_response"] == "SMD"


def test_impercist_8_7_baseline_selected_lesion_without_value_is_ne():
    # spec 8.7: "a baseline-selected lesion without value or status at the follow-up" -> NE.
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
               ("L2", "target", "lymph node", {-6: 4.0, 90: {"status": "not_evaluable"}})]
    row = impercist(lesions).timepoints.iloc[0]
    assert row["overall_response"] == "NE" and "L2" in row["reason"] and "8.7" in row["reason"]


def test_impercist_8_9_best_response_skips_ne_and_stops_at_first_pmd():
    # day 90: uptake 85 min fails QC -> NE (8.7). day 150: 10.0 -> 6.5 = -35% -> PMR.
    # day 210: 13.0 = +30% -> PMD (inclusive). day 270: absent (< liver) -> CMR, after progression.
    # Best = PMR; progression day 210 (spec 8.9, 1.7).
    scans = IM_SCANS | {90: QC | {"uptake_min": 85}}
    lesions = [("L1", "target", "lung", {-6: 10.0, 90: 6.0, 150: 6.5, 210: 13.0, 270: {"status": "absent"}})]
    result = impercist(lesions, scans)
    assert column(result, "overall_response") == ["NE", "PMR", "PMD", "CMR"]
    assert column(result, "after_progression") == [False, False, False, True]
    row = best(result)
    assert row["best_response"] == "PMR" and row["progression_day"] == 210


# ================================================================ iPERCIST (spec 9)


def ipercist(lesions, **options):
    return IPERCIST.assess(Study(pet=pet(lesions)), **options)


def test_ipercist_9_5_2b_tlg_extent_versus_the_upmd_scan_confirms():
    # Baseline L1 5.0/TLG 50, L2 3.0/30 (TLG sum 80). U (day 56): L1 7.0/60, L2 3.2/30: vs baseline
    # +40%, +2.0 SUL -> PMD -> UPMD. C (day 84): L1 7.2/130, L2 3.3/35: vs baseline +44% -> PMD; vs U
    # hottest +2.9% (no rule (a)), no new lesion, but TLG 90 -> 165 = +83.3% >= 75% with 7.2 >= 7.0:
    # rule 2(b) -> CPMD, progression dated day 56.
    lesions = [
        ("L1", "target", "lung", {-5: {"sulpeak": 5.0, "tlg": 50.0}, 56: {"sulpeak": 7.0, "tlg": 60.0},
                                  84: {"sulpeak": 7.2, "tlg": 130.0}}),
        ("L2", "target", "lymph node", {-5: {"sulpeak": 3.0, "tlg": 30.0}, 56: {"sulpeak": 3.2, "tlg": 30.0},
                                        84: {"sulpeak": 3.3, "tlg": 35.0}}),
    ]
    result = ipercist(lesions)
    assert column(result, "overall_response") == ["UPMD", "CPMD"]
    assert "TLG" in result.timepoints.iloc[1]["reason"]
    assert best(result)["progression_day"] == 56
    # control: C TLG 90 + 35 = 125 -> 125 / 90 - 1 = +38.9% < 75%: still UPMD.
    lesions[0][3][84] = {"sulpeak": 7.2, "tlg": 90.0}
    assert column(ipercist(lesions), "overall_response") == ["UPMD", "UPMD"]


def test_ipercist_9_5_2b_tlg_exactly_75_percent_versus_upmd_confirms_unless_tlg_strict():
    # U TLG 70 + 30 = 100; C TLG 140 + 35 = 175: 175 / 100 - 1 = 0.75. Default (5.12 A4) ">= 0.75" ->
    # CPMD; percist_tlg_strict (> 0.75) -> stays UPMD. Hottest vs U: 7.2 / 7.0 = +2.9% (no rule (a)).
    lesions = [
        ("L1", "target", "lung", {-5: {"sulpeak": 5.0, "tlg": 50.0}, 56: {"sulpeak": 7.0, "tlg": 70.0},
                                  84: {"sulpeak": 7.2, "tlg": 140.0}}),
        ("L2", "target", "lymph node", {-5: {"sulpeak": 3.0, "tlg": 30.0}, 56: {"sulpeak": 3.2, "tlg": 30.0},
                                        84: {"sulpeak": 3.3, "tlg": 35.0}}),
    ]
    assert column(ipercist(lesions), "overall_response") == ["UPMD", "CPMD"]
    assert column(ipercist(lesions, percist_tlg_strict=True), "overall_response") == ["UPMD", "UPMD"]


def test_ipercist_9_5_2d_newly_flagged_unequivocal_progression_confirms():
    # U (day 56): L1 5.0 -> 7.0 (+40%, +2.0) -> UPMD. C (day 84): L1 7.1 (vs U +1.4%), L2 newly
    # flagged unequivocal_progression (not flagged at U): rule 2(d) -> CPMD.
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 7.1}),
               ("L2", "non_target", "bone", {-5: 3.0, 56: 3.2,
                                             84: {"sulpeak": 3.3, "status": "unequivocal_progression"}})]
    result = ipercist(lesions)
    assert column(result, "overall_response") == ["UPMD", "CPMD"]
    assert "unequivocal progression of L2" in result.timepoints.iloc[1]["reason"]


def test_ipercist_9_5_2d_flag_already_present_at_upmd_does_not_confirm():
    # L2 flagged at U and at C: not "set at C on a lesion that was not so flagged at U"; hottest vs U
    # 7.0 -> 7.1 (+1.4%); no new lesion -> still UPMD, episode open (pending).
    flagged = "unequivocal_progression"
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 7.1}),
               ("L2", "non_target", "bone", {-5: 3.0, 56: {"sulpeak": 3.2, "status": flagged},
                                             84: {"sulpeak": 3.3, "status": flagged}})]
    result = ipercist(lesions)
    assert column(result, "overall_response") == ["UPMD", "UPMD"]
    assert column(result, "confirmation_state") == ["pending", "pending"]


def test_ipercist_9_11_A4_exactly_30_percent_versus_upmd_follows_the_percist_boundary():
    # vs U: (9.1 - 7.0) / 7.0 = 0.3 (rounded; raw 0.29999999999999993), abs = +2.1.
    # PERCIST default strict "> 0.30" -> not confirmed: UPMD. percist_pmd_inclusive -> CPMD.
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 9.1}),
               ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 3.2})]
    assert column(ipercist(lesions), "overall_response") == ["UPMD", "UPMD"]
    assert column(ipercist(lesions, percist_pmd_inclusive=True), "overall_response") == ["UPMD", "CPMD"]


@pytest.mark.parametrize(("day", "expected", "flag"), [(83, "UPMD", "outside_confirmation_window"),
                                                        (84, "CPMD", "")])
def test_ipercist_9_5_3_enforced_window_boundary_27_versus_28_days(day, expected, flag):
    # spec 9.5 rule 3: with ipercist_enforce_window "a scan fewer than 28 days after U ... cannot
    # confirm". 83 - 56 = 27 days: UPMD; 84 - 56 = 28 days: confirms (vs U +35.7%, +2.5 SUL).
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, day: 9.5}),
               ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, day: 3.5})]
    result = ipercist(lesions, ipercist_enforce_window=True)
    assert column(result, "overall_response") == ["UPMD", expected]
    assert column(result, "timing_flag") == ["", flag]


def test_ipercist_9_5_3_an_early_scan_can_still_reset_under_the_enforced_window():
    # spec 9.5 rule 3: "a scan fewer than 28 days after U can reset". Day 70 (14 days after U):
    # L1 3.4, L2 2.0 -> vs baseline -32%, -1.6 SUL -> PMR; episode closes not confirmed.
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, 70: 3.4}),
               ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 70: 2.0})]
    result = ipercist(lesions, ipercist_enforce_window=True)
    assert column(result, "overall_response") == ["UPMD", "PMR"]
    assert column(result, "confirmation_state")[0] == "not_confirmed"
    assert "UPMD at day 56 not confirmed" in result.timepoints.iloc[1]["reason"]


def test_ipercist_9_7_ne_scan_keeps_the_episode_open_and_a_later_scan_confirms_against_u():
    # day 56 UPMD (L1 7.0). day 84: L2 not evaluable -> NE, episode stays open (9.5 rule 2, 9.7).
    # day 112 (56 days after U, inside the window): L1 9.5 vs U 7.0 = +35.7%, +2.5 -> CPMD dated 56.
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 9.0, 112: 9.5}),
               ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: {"status": "not_evaluable"}, 112: 3.5})]
    result = ipercist(lesions)
    assert column(result, "overall_response") == ["UPMD", "NE", "CPMD"]
    states = column(result, "confirmation_state")
    assert states[0] == "confirmed" and states[2] == "confirms"
    assert column(result, "timing_flag")[2] == ""
    assert best(result)["progression_day"] == 56


def test_ipercist_9_5_a_second_episode_after_a_reset_dates_progression_at_its_own_upmd():
    # 56: +40% -> UPMD (episode 1). 84: L1 3.4, L2 2.0 -> PMR: reset. 140: L1 7.0 -> PMD vs baseline,
    # no open episode -> UPMD (episode 2, U = 140). 168 (28 days later): 9.5 vs 7.0 = +35.7%, +2.5 -> CPMD.
    # Progression dated day 140; best response PMR (up to the CPMD); responder (reset to PMR, 9.8).
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 3.4, 140: 7.0, 168: 9.5}),
               ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 2.0, 140: 3.0, 168: 3.5})]
    result = ipercist(lesions)
    assert column(result, "overall_response") == ["UPMD", "PMR", "UPMD", "CPMD"]
    assert column(result, "confirmation_state") == ["not_confirmed", "not_required", "confirmed", "confirms"]
    row = best(result)
    assert row["progression_day"] == 140 and row["best_response"] == "PMR"
    assert row["responder"] == True  # noqa: E712 (pandas boolean)


def test_ipercist_9_8_best_response_before_confirmed_progression_and_later_scans_flagged():
    # 28: L1 5.1 (+2%) -> SMD (first follow-up: responder). 56 UPMD, 84 CPMD (as S-1).
    # 140: L1 3.4, L2 2.0 -> after progression (spec 1.7): flagged, never changes best or date.
    # Best = SMD (CMR > PMR > SMD > UPMD > CPMD over scans up to the first CPMD); progression day 56.
    lesions = [("L1", "target", "lung", {-5: 5.0, 28: 5.1, 56: 7.0, 84: 9.5, 140: 3.4}),
               ("L2", "target", "lymph node", {-5: 3.0, 28: 3.0, 56: 3.2, 84: 3.5, 140: 2.0})]
    result = ipercist(lesions)
    assert column(result, "overall_response")[:3] == ["SMD", "UPMD", "CPMD"]
    assert column(result, "after_progression") == [False, False, False, True]
    row = best(result)
    assert row["best_response"] == "SMD" and row["progression_day"] == 56 and row["pfs_event"]
    assert row["responder"] == True  # noqa: E712


# ================================================================ output conventions (spec 1.6)


def test_1_6_confirmation_state_not_required_and_reason_names_the_criterion_and_source():
    # spec 1.6: confirmation_state is "not_required" except for iPERCIST; the reason names its source.
    pecrit = PECRIT.assess(Study(pet=pecrit_table((5.0, 6.0), (3.9, 4.1), "SD"))).timepoints.iloc[0]
    percimt_row = percimt(percimt_table(ALL_PRESENT, (12, 12, 12))).timepoints.iloc[0]
    impercist_row = impercist([("L1", "target", "lung", {-6: 6.0, 90: 6.0})]).timepoints.iloc[0]
    for row, source in ((pecrit, "Cho 2017"), (percimt_row, "Anwar 2018"), (impercist_row, "Ito 2019")):
        assert row["confirmation_state"] == "not_required"
        assert source in row["reason"]
    upmd = ipercist([("L1", "target", "lung", {-5: 5.0, 56: 7.0})]).timepoints.iloc[0]
    assert upmd["confirmation_state"] == "pending" and "Goldfarb 2019" in upmd["reason"]
