"""Rules of RECIST 1.1 against spec/anatomic.md sections 0 and 1 (rules not pinned by test_recist11.py).

Every expected value is computed by hand from the spec text; the arithmetic is in the comments.
Lesion ids: T* target, N* non-target, U* new (tests/criteria/lesion_rows.py).
"""

import math

import pandas as pd
import pytest
from lesion_rows import lesion, responses, study

from ioresponse.criteria.recist11 import assess
from ioresponse.schema import InputError


def best(result, patient="P1", reader=""):
    rows = result.best_response
    rows = rows[(rows["patient_id"] == patient) & (rows["reader"] == reader)]
    assert len(rows) == 1
    return rows.iloc[0]


def column(result, name, patient="P1"):
    tp = result.timepoints[result.timepoints["patient_id"] == patient]
    return dict(zip(tp["day"], tp[name], strict=True))


def two_targets(schedule, organs=("liver", "lung"), **kwargs):
    """Rows of targets T1, T2 from {day: (v1, v2)}; a str value is a status without measurement."""
    rows = []
    for day, values in schedule.items():
        for lesion_id, organ, value in zip(("T1", "T2"), organs, values, strict=True):
            if isinstance(value, str):
                rows.append(lesion(day, lesion_id, None, status=value, organ=organ, **kwargs))
            else:
                rows.append(lesion(day, lesion_id, value, organ=organ, **kwargs))
    return rows


# --- 0.5 rounding to 6 decimals before the threshold tests -------------------------------------------


def test_0_5_exact_plus_20_percent_with_decimal_sums_is_pd():
    # spec 0.5 (rounding) and 1.4 step 3: nadir = baseline 10.0 + 16.0 = 26.0; day 56: 21.2 + 10.0 = 31.2;
    # rel = 5.2 / 26 = 0.2 exactly (binary float gives 0.19999999999999998), abs = 5.2 >= 5: PD.
    rows = two_targets({-7: (10.0, 16.0), 56: (21.2, 10.0)})
    result = assess(study(rows))
    assert responses(result.timepoints) == {56: "PD"}
    assert result.timepoints["target_response"].tolist() == ["PD"]


def test_0_5_exact_minus_30_percent_with_decimal_sums_is_pr():
    # spec 0.5 and 1.4 step 4: B = 10.7 + 22.3 = 33.0; S = 13.1 + 10.0 = 23.1 = 0.7 x 33:
    # rel = -0.3 exactly (binary float gives -0.29999999999999993): PR.
    rows = two_targets({-7: (10.7, 22.3), 56: (13.1, 10.0)})
    assert responses(assess(study(rows)).timepoints) == {56: "PR"}


def test_0_5_exactly_plus_5mm_with_decimal_sums_is_pd():
    # spec 0.5: nadir = 10.0 + 10.3 = 20.3; S = 15.2 + 10.1 = 25.3: abs = 5.0 exactly
    # (binary float 4.9999999999999964), rel = 5 / 20.3 = +24.63% >= 20%: PD.
    # S = 15.1 + 10.1 = 25.2: +24.14% but abs 4.9 < 5: SD.
    assert responses(assess(study(two_targets({-7: (10.0, 10.3), 56: (15.2, 10.1)}))).timepoints) == {
        56: "PD"
    }
    assert responses(assess(study(two_targets({-7: (10.0, 10.3), 56: (15.1, 10.1)}))).timepoints) == {
        56: "SD"
    }


# --- 1.4 target response: order of the rules ---------------------------------------------------------


def test_1_4_pd_against_nadir_wins_over_pr_against_baseline():
    # spec 1.4: PD (step 3) is tested before PR (step 4). B = 60 + 40 = 100; day 56: 30 + 20 = 50 (-50%: PR);
    # day 112: 36 + 24 = 60, vs nadir 50: +10 mm, +20.00% -> PD although -40% vs baseline.
    rows = two_targets({-7: (60, 40), 56: (30, 20), 112: (36, 24)})
    tp = assess(study(rows)).timepoints
    assert responses(tp) == {56: "PR", 112: "PD"}
    assert tp["target_response"].tolist() == ["PR", "PD"]
    assert tp["nadir_sum"].tolist() == [100, 50]


def test_1_4_missing_value_pd_at_the_exact_boundary_else_ne():
    # spec 1.4 step 1 (sec. 4.4.2): B = 30 + 20 + 15 = 65. T3 not evaluable on day 56.
    # Known 48 + 30 = 78 = 1.2 x 65 exactly and +13 mm: PD whatever T3 is.
    # Known 47 + 30 = 77 (+18.46%): cannot decide -> NE.
    def rows(t1):
        out = two_targets({-7: (30, 20), 56: (t1, 30)})
        return out + [
            lesion(-7, "T3", 15, organ="bone"),
            lesion(56, "T3", None, status="not_evaluable", organ="bone"),
        ]

    pd_case = assess(study(rows(48))).timepoints
    assert responses(pd_case) == {56: "PD"}
    assert pd_case["target_response"].tolist() == ["PD"]
    ne_case = assess(study(rows(47))).timepoints
    assert responses(ne_case) == {56: "NE"}
    # the reason says what PD would have needed: >= 78 mm (1.2 x nadir 65) and +5 mm (spec 0.10)
    assert ("measured targets sum 77 mm, short of PD (>= 78 mm = 1.2 x nadir 65, and +5 mm), cannot decide: "
            "target NE (RECIST 1.1 sec. 4.4.2)") in ne_case["reason"].iloc[0]
    assert ne_case["target_response"].tolist() == ["NE"]


def test_1_4_missing_value_is_ne_even_when_every_known_target_is_absent():
    # spec 1.4: step 1 (missing value) comes before CR (step 2): T1 absent, T2 not evaluable;
    # known sum 0 cannot meet PD (0 < nadir 50) -> target NE; no non-target, no new lesion:
    # overall NE (Table 1 row 5).
    rows = two_targets({-7: (30, 20), 56: ("absent", "not_evaluable")})
    tp = assess(study(rows)).timepoints
    assert tp["target_response"].tolist() == ["NE"]
    assert responses(tp) == {56: "NE"}


def test_1_4_target_node_at_exactly_10mm_is_not_normal():
    # spec 0.4 / 1.4 step 2: a node is normal only with short axis < 10 mm.
    # T1 node 20 -> 10: not CR; S = 10 is -50% vs B 20: PR. T1 node 20 -> 9.9: CR.
    rows = [lesion(-7, "T1", 20, node=True, organ="neck"), lesion(56, "T1", 10, node=True, organ="neck")]
    tp = assess(study(rows)).timepoints
    assert tp["target_response"].tolist() == ["PR"]
    assert responses(tp) == {56: "PR"}
    rows[1] = lesion(56, "T1", 9.9, node=True, organ="neck")
    assert responses(assess(study(rows)).timepoints) == {56: "CR"}


def test_0_4_too_small_with_a_measurement_counts_5mm_and_is_flagged():
    # spec 0.4: status too_small wins over a given measurement (3 mm): value 5 mm, flag
    # too_small_with_measurement. B = 20 + 20 = 40; S = 5 + 20 = 25 (-37.50%): PR.
    rows = two_targets({-7: (20, 20)}) + [
        lesion(56, "T1", 3, status="too_small", organ="liver"),
        lesion(56, "T2", 20, organ="lung"),
    ]
    tp = assess(study(rows)).timepoints
    assert tp["current_sum"].tolist() == [25]
    assert responses(tp) == {56: "PR"}
    assert "too_small_with_measurement" in tp["flags"].iloc[0]


# --- 1.5 / 1.6 non-target, new lesions and Table 1 / Table 2 -----------------------------------------


def test_1_6_1_target_ne_gives_way_to_non_target_pd_and_new_lesion_but_not_to_an_equivocal_one():
    # spec 1.6.1: rows 2-3 (non-target PD, unequivocal new lesion) come before row 5 (target NE);
    # an equivocal new lesion with target NE stays NE (row 5: "no / equivocal").
    base = two_targets({-7: (30, 20), 56: (24, "not_evaluable")}) + [lesion(-7, "N1", None, organ="bone")]
    nt_pd = base + [lesion(56, "N1", None, organ="bone", status="unequivocal_progression")]
    new = base + [lesion(56, "N1", None, organ="bone"), lesion(56, "U1", 12, organ="adrenal")]
    equivocal = base + [
        lesion(56, "N1", None, organ="bone"),
        lesion(56, "U1", 12, organ="adrenal", equivocal=True),
    ]
    assert responses(assess(study(nt_pd)).timepoints) == {56: "PD"}
    assert responses(assess(study(new)).timepoints) == {56: "PD"}
    tp = assess(study(equivocal)).timepoints
    assert responses(tp) == {56: "NE"}
    assert tp["new_lesion_response"].tolist() == ["equivocal"]


def test_1_6_1_rows_6_and_7_target_cr_with_non_target_cr_none_present_or_ne():
    # spec 1.6.1: target CR + non-target CR or none -> CR (row 6); + NON-CR/NON-PD or NE -> PR (row 7).
    targets = two_targets({-7: (30, 20), 56: ("absent", "absent")})
    assert responses(assess(study(targets)).timepoints) == {56: "CR"}  # no non-target at baseline: none
    nt = [lesion(-7, "N1", None, organ="peritoneum")]
    for status, expected in (
        ("absent", "CR"),
        ("present", "PR"),
        ("too_small", "PR"),
        ("not_evaluable", "PR"),
    ):
        rows = targets + nt + [lesion(56, "N1", None, organ="peritoneum", status=status)]
        assert responses(assess(study(rows)).timepoints) == {56: expected}, status


def test_1_5_nodal_non_target_at_exactly_10mm_is_not_cr():
    # spec 1.5 step 3: a nodal non-target counts as absent when its short axis is < 10 mm.
    # T1 liver absent (target CR); N1 node 12 -> 10: NON-CR/NON-PD -> overall PR (row 7); 12 -> 9.9: CR.
    def rows(short):
        return [
            lesion(-7, "T1", 30),
            lesion(-7, "N1", 12, node=True, organ="pelvis"),
            lesion(56, "T1", None, status="absent"),
            lesion(56, "N1", short, node=True, organ="pelvis"),
        ]

    tp = assess(study(rows(10))).timepoints
    assert tp["non_target_response"].tolist() == ["NON-CR/NON-PD"]
    assert responses(tp) == {56: "PR"}
    tp = assess(study(rows(9.9))).timepoints
    assert tp["non_target_response"].tolist() == ["CR"]
    assert responses(tp) == {56: "CR"}


def test_1_5_new_lesion_too_small_is_a_new_lesion_and_a_resolved_one_is_not():
    # spec 0.3 / 1.5: a new lesion "too_small" is treated as present (any size counts): PD;
    # a new lesion "absent" (resolved) is not: S = 45 vs B 50 (-10%) -> SD.
    rows = [lesion(-7, "T1", 50), lesion(56, "T1", 45)]
    tp = assess(study(rows + [lesion(56, "U1", None, status="too_small", organ="lung")])).timepoints
    assert tp["new_lesion_response"].tolist() == ["yes"]
    assert responses(tp) == {56: "PD"}
    tp = assess(study(rows + [lesion(56, "U1", None, status="absent", organ="lung")])).timepoints
    assert tp["new_lesion_response"].tolist() == ["no"]
    assert responses(tp) == {56: "SD"}


def test_1_5_new_node_too_small_is_below_10mm():
    # spec 0.3: new too_small -> present with the default value 5 mm; 1.5: a new node counts only with
    # short axis >= 10 mm; 0.4: a too_small node is normal. So: no new lesion, S = 45 (-10%): SD.
    rows = [
        lesion(-7, "T1", 50),
        lesion(56, "T1", 45),
        lesion(56, "U1", None, status="too_small", node=True, organ="axilla"),
    ]
    tp = assess(study(rows)).timepoints
    assert responses(tp) == {56: "SD"}
    assert "new_node_below_10mm" in tp["flags"].iloc[0]


def test_A10_option_new_node_min_short_axis():
    # spec 1.11 A10: new_node_min_short_axis_mm = 10.0 by default; a 12 mm new node is a new lesion (PD).
    # With 15.0 it is ignored (flag new_node_below_10mm) and S = 45 vs 50 (-10%) gives SD.
    rows = [lesion(-7, "T1", 50), lesion(56, "T1", 45), lesion(56, "U1", 12, node=True, organ="axilla")]
    assert responses(assess(study(rows)).timepoints) == {56: "PD"}
    tp = assess(study(rows), new_node_min_short_axis_mm=15.0).timepoints
    assert responses(tp) == {56: "SD"}
    assert "new_node_below_10mm" in tp["flags"].iloc[0]


def test_1_6_2_non_target_only_table_for_three_patients_in_one_table():
    # spec 1.6.2 (Table 2), three patients with only non-target disease, assessed independently:
    # P1 non-target not evaluated, no new -> NE; P2 new lesion -> PD; P3 unequivocal progression -> PD;
    # P4 non-target present -> NON-CR/NON-PD.
    rows = []
    for patient, status, new in (
        ("P1", "not_evaluable", False),
        ("P2", "present", True),
        ("P3", "unequivocal_progression", False),
        ("P4", "present", False),
    ):
        rows += [
            lesion(-7, "N1", None, organ="pleura", patient=patient),
            lesion(56, "N1", None, organ="pleura", status=status, patient=patient),
        ]
        if new:
            rows.append(lesion(56, "U1", 15, organ="liver", patient=patient))
    result = assess(study(rows))
    got = {p: column(result, "overall_response", p)[56] for p in ("P1", "P2", "P3", "P4")}
    assert got == {"P1": "NE", "P2": "PD", "P3": "PD", "P4": "NON-CR/NON-PD"}
    assert best(result, "P4")["best_response"] == "NON-CR/NON-PD"  # day 56 >= min_sd_days 42
    assert best(result, "P1")["best_response"] == "NE"


def test_1_7_min_sd_days_applies_to_non_cr_non_pd_and_zero_disables_it():
    # spec 1.7: NON-CR/NON-PD counts for best response only at day >= min_sd_days (42); only day 35: NE.
    # min_sd_days = 0 disables the rule: NON-CR/NON-PD.
    rows = [lesion(-7, "N1", None, organ="pleura"), lesion(35, "N1", None, organ="pleura")]
    assert best(assess(study(rows)))["best_response"] == "NE"
    assert best(assess(study(rows), min_sd_days=0))["best_response"] == "NON-CR/NON-PD"


# --- 0.2 baseline ------------------------------------------------------------------------------------


def test_0_2_pre_baseline_assessment_never_enters_the_nadir():
    # spec 0.2: baseline = latest assessment with day <= 0 (here day 0); day -40 is ignored.
    # B = 50; day 56: 40 (-20%): SD. Had the pre-baseline 30 been a nadir, 40 would be +33% and +10 mm: PD.
    rows = [lesion(-40, "T1", 30), lesion(0, "T1", 50), lesion(56, "T1", 40)]
    tp = assess(study(rows)).timepoints
    assert responses(tp) == {56: "SD"}
    assert tp["baseline_sum"].tolist() == [50]
    assert tp["nadir_sum"].tolist() == [50]


# --- 1.7 best response, scope, dates ------------------------------------------------------------------


def test_1_7_assessments_after_the_first_pd_do_not_count():
    # spec 1.7 scope and 1.8.4: day 56 S = 45 (-10%): SD; day 112 new lesion: PD; day 168 S = 20 (-60%),
    # new lesion resolved: computed PR but after progression, ignored. Best SD (56 >= 42), progression 112.
    rows = [
        lesion(-7, "T1", 50),
        lesion(56, "T1", 45),
        lesion(112, "T1", 44),
        lesion(112, "U1", 15, organ="lung"),
        lesion(168, "T1", 20),
        lesion(168, "U1", None, status="absent", organ="lung"),
    ]
    result = assess(study(rows))
    assert responses(result.timepoints) == {56: "SD", 112: "PD", 168: "PR"}
    assert column(result, "after_progression") == {56: False, 112: False, 168: True}
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("SD", "SD")
    assert row["progression_day"] == 112
    assert bool(row["pfs_event"]) is True


def test_1_7_no_progression_duration_censored_at_last_evaluable_assessment():
    # spec 1.7 dates: B = 100; PR day 56 (60: -40%); SD day 112 (71: -29% vs B, +18.33% vs nadir 60);
    # NE day 168. No PD: duration censored at the last evaluable assessment = 112 - 56 = 56; pfs_event false.
    rows = [
        lesion(-7, "T1", 100),
        lesion(56, "T1", 60),
        lesion(112, "T1", 71),
        lesion(168, "T1", None, status="not_evaluable"),
    ]
    result = assess(study(rows))
    assert responses(result.timepoints) == {56: "PR", 112: "SD", 168: "NE"}
    row = best(result)
    assert row["best_response"] == "PR"
    assert row["first_response_day"] == 56
    assert row["duration_of_response_days"] == 56
    assert bool(row["pfs_event"]) is False
    assert math.isnan(row["progression_day"])


def test_1_7_first_response_day_is_the_first_of_the_confirmed_pair():
    # spec 1.7 dates: B = 100. PR day 56 (65: -35%), SD day 84 (75: -25%, +15.38% vs nadir 65), PR day 140
    # (60: -40%), PR day 168 (58). Confirmed pair 140/168 (28 days). confirm_response = True: first response
    # day 140, duration censored at 168: 28. Without confirmation: first response day 56, duration 112.
    rows = [
        lesion(-7, "T1", 100),
        lesion(56, "T1", 65),
        lesion(84, "T1", 75),
        lesion(140, "T1", 60),
        lesion(168, "T1", 58),
    ]
    confirmed = best(assess(study(rows), confirm_response=True))
    assert (confirmed["best_response"], confirmed["best_response_confirmed"]) == ("PR", "PR")
    assert confirmed["first_response_day"] == 140
    assert confirmed["duration_of_response_days"] == 28
    plain = best(assess(study(rows)))
    assert plain["first_response_day"] == 56
    assert plain["duration_of_response_days"] == 112


# --- 0.7 confirmation and Table 3 ---------------------------------------------------------------------


def test_0_7_confirmation_needs_at_least_28_days():
    # spec 0.7 / A8: PR day 56 (B 50 -> 30) and PR day 83 (29): 27 days < 28: not confirmed.
    # Confirmed best: the PRs count as SD (day 56 >= 42). With confirm_min_days = 27: confirmed PR.
    rows = [lesion(-7, "T1", 50), lesion(56, "T1", 30), lesion(83, "T1", 29)]
    row = best(assess(study(rows), confirm_response=True))
    assert (row["best_response"], row["best_response_confirmed"]) == ("PR", "SD")
    row = best(assess(study(rows), confirm_response=True, confirm_min_days=27))
    assert row["best_response_confirmed"] == "PR"


def test_A8_accept_sd_between_option():
    # spec 0.7 / A8: PR day 56 (100 -> 60: -40%), SD day 84 (71: -29% vs B, +18.33% vs nadir 60),
    # PR day 112 (60).
    # Default (accept_sd_between False): SD between breaks the confirmation of day 56; day 112 has no later
    # assessment: confirmed best SD. With accept_sd_between True: 56 confirmed by 112: PR.
    rows = [lesion(-7, "T1", 100), lesion(56, "T1", 60), lesion(84, "T1", 71), lesion(112, "T1", 60)]
    assert responses(assess(study(rows)).timepoints) == {56: "PR", 84: "SD", 112: "PR"}
    assert best(assess(study(rows), confirm_response=True))["best_response_confirmed"] == "SD"
    row = best(assess(study(rows), confirm_response=True, accept_sd_between=True))
    assert row["best_response_confirmed"] == "PR"


def test_table3_pr_then_cr_is_a_confirmed_pr():
    # spec 0.7 / 1.7 Table 3 "PR then CR -> PR": PR day 56 (30 -> 15), CR day 84 (absent):
    # 28 days later: PR confirmed; the CR has no later CR: not confirmed. Best without confirmation CR.
    rows = [lesion(-7, "T1", 30), lesion(56, "T1", 15), lesion(84, "T1", None, status="absent")]
    row = best(assess(study(rows), confirm_response=True))
    assert (row["best_response"], row["best_response_confirmed"]) == ("CR", "PR")


def test_table3_cr_then_pd_or_ne_depends_on_min_sd_duration():
    # spec 1.7 Table 3: CR then PD -> SD if the minimum SD duration was met, else PD; CR then NE -> SD if
    # met, else NE. Targets T1 30, T2 20 absent on the CR day (35 < 42, or 56 >= 42). Day 70: a new lesion
    # (PD), or T2 has no row (spec 0.2: not evaluable; known sum 0 vs nadir 0 cannot be PD: NE).
    def rows(cr_day, second):
        out = two_targets({-7: (30, 20), cr_day: ("absent", "absent")})
        if second == "PD":
            return out + two_targets({70: ("absent", "absent")}) + [lesion(70, "U1", 12, organ="adrenal")]
        return out + [lesion(70, "T1", None, status="absent")]

    cases = ((35, "PD", "PD"), (56, "PD", "SD"), (35, "NE", "NE"), (56, "NE", "SD"))
    for cr_day, second, expected in cases:
        row = best(assess(study(rows(cr_day, second)), confirm_response=True))
        assert (row["best_response"], row["best_response_confirmed"]) == ("CR", expected), (cr_day, second)


# --- 1.8.1 reappearance after CR -----------------------------------------------------------------------


def test_1_8_1_nodal_non_target_back_to_10mm_after_cr_is_pr_and_cr_downgraded():
    # spec 1.8.1 and 0.7: T1 liver 30, N1 node 12. Day 56: T1 absent, N1 8 (< 10): CR. Day 84: N1 11 present
    # (not unequivocal): not a reappearance; non-target NON-CR/NON-PD -> PR (Table 1 row 7).
    # Confirmation: the CR of day 56 is followed by PR: read as PR (flag cr_downgraded_to_pr); PR 56 and
    # PR 84 are 28 days apart: confirmed PR. Best without confirmation: CR.
    rows = [
        lesion(-7, "T1", 30),
        lesion(-7, "N1", 12, node=True, organ="pelvis"),
        lesion(56, "T1", None, status="absent"),
        lesion(56, "N1", 8, node=True, organ="pelvis"),
        lesion(84, "T1", None, status="absent"),
        lesion(84, "N1", 11, node=True, organ="pelvis"),
    ]
    result = assess(study(rows), confirm_response=True)
    assert responses(result.timepoints) == {56: "CR", 84: "PR"}
    assert "cr_downgraded_to_pr" in column(result, "flags")[56]
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("CR", "PR")


def test_1_8_1_non_nodal_non_target_seen_again_after_cr_is_pd():
    # spec 1.8.1: after an overall CR a non-target lesion present again is PD (Table 1 row 4).
    rows = [
        lesion(-7, "T1", 30),
        lesion(-7, "N1", None, organ="pleura"),
        lesion(56, "T1", None, status="absent"),
        lesion(56, "N1", None, organ="pleura", status="absent"),
        lesion(84, "T1", None, status="absent"),
        lesion(84, "N1", None, organ="pleura"),
    ]
    result = assess(study(rows))
    assert responses(result.timepoints) == {56: "CR", 84: "PD"}
    assert best(result)["progression_day"] == 84


def test_1_8_1_reappearance_reason_names_the_lesion():
    # Same data as above: N1 (non-nodal non-target) present again on day 84 after the CR of day 56.
    rows = [
        lesion(-7, "T1", 30),
        lesion(-7, "N1", None, organ="pleura"),
        lesion(56, "T1", None, status="absent"),
        lesion(56, "N1", None, organ="pleura", status="absent"),
        lesion(84, "T1", None, status="absent"),
        lesion(84, "N1", None, organ="pleura"),
    ]
    reason = column(assess(study(rows)), "reason")[84]
    assert "lesion N1 seen again after an overall CR: PD" in reason


def test_1_8_1_target_not_evaluable_after_cr_is_ne_not_a_reappearance():
    # spec 1.8.1: reappearance needs a non-nodal target value > 0 or a nodal target >= 10 mm; an NE target has
    # no value. Day 84: T1 absent, T2 not evaluable: known sum 0, nadir 0: not PD -> target NE -> overall NE.
    rows = two_targets({-7: (30, 20), 56: ("absent", "absent"), 84: ("absent", "not_evaluable")})
    tp = assess(study(rows)).timepoints
    assert responses(tp) == {56: "CR", 84: "NE"}


def test_1_8_1_missing_target_row_after_cr_is_ne():
    # spec 0.2: a baseline lesion with no row is not_evaluable; as above, that is NE, not a reappearance.
    rows = two_targets({-7: (30, 20), 56: ("absent", "absent")}) + [lesion(84, "T1", None, status="absent")]
    assert responses(assess(study(rows)).timepoints) == {56: "CR", 84: "NE"}


def test_A5_reappearance_requires_confirmed_cr_option():
    # spec 1.11 A5: CR day 56 (T1 40 -> absent); day 70 T1 back at 4 mm. Default: PD (1.8.1, value > 0).
    # With reappearance_requires_confirmed_cr: the CR is not confirmed (no CR >= 28 days later), so the sums
    # decide: 4 vs nadir 0 is +4 mm (< 5 mm): not PD; -90% vs B 40: PR.
    rows = [lesion(-7, "T1", 40), lesion(56, "T1", None, status="absent"), lesion(70, "T1", 4)]
    assert responses(assess(study(rows)).timepoints) == {56: "CR", 70: "PD"}
    tp = assess(study(rows), reappearance_requires_confirmed_cr=True).timepoints
    assert responses(tp) == {56: "CR", 70: "PR"}


def test_A5_cr_followed_only_by_ne_is_not_a_confirmed_cr():
    # CR day 56, NE day 98 (T1 not evaluable), T1 4 mm on day 126. No later CR confirms the CR of day 56
    # (spec 0.7), so with the option the reappearance is not PD: +4 mm vs nadir 0 (< 5 mm), -90% vs 40: PR.
    rows = [
        lesion(-7, "T1", 40),
        lesion(56, "T1", None, status="absent"),
        lesion(98, "T1", None, status="not_evaluable"),
        lesion(126, "T1", 4),
    ]
    tp = assess(study(rows), reappearance_requires_confirmed_cr=True).timepoints
    assert responses(tp) == {56: "CR", 98: "NE", 126: "PR"}


# --- 1.8.2 / 1.8.3 / 1.8.4 -----------------------------------------------------------------------------


def test_1_8_2_equivocal_new_lesion_that_resolves_never_makes_pd():
    # spec 1.5 / 1.8.2: equivocal on day 56 (flag, SD: 45 vs 50 = -10%), absent on day 112: never confirmed,
    # so no PD and no back-dating. Best SD.
    rows = [
        lesion(-7, "T1", 50),
        lesion(56, "T1", 45),
        lesion(56, "U1", 6, organ="lung", equivocal=True),
        lesion(112, "T1", 45),
        lesion(112, "U1", None, organ="lung", status="absent"),
    ]
    result = assess(study(rows))
    assert responses(result.timepoints) == {56: "SD", 112: "SD"}
    assert "equivocal_new_lesion" in column(result, "flags")[56]
    assert best(result)["best_response"] == "SD"
    assert pd.isna(best(result)["progression_day"])


def test_1_8_3_continued_pr_option():
    # spec 1.8.3: B = 100; PR day 56 (68: -32%); day 112: 75 (-25% vs B; +10.29% vs nadir 68): SD.
    # Default: SD. Option (confirmation off): PR with flag continued_pr; best response PR either way.
    # With confirm_response the first PR is not confirmed (SD follows), so nothing is continued.
    rows = [lesion(-7, "T1", 100), lesion(56, "T1", 68), lesion(112, "T1", 75)]
    assert responses(assess(study(rows)).timepoints) == {56: "PR", 112: "SD"}
    result = assess(study(rows), continued_pr_after_confirmed_pr=True)
    assert responses(result.timepoints) == {56: "PR", 112: "PR"}
    assert "continued_pr" in column(result, "flags")[112]
    assert best(result)["best_response"] == "PR"
    result = assess(study(rows), continued_pr_after_confirmed_pr=True, confirm_response=True)
    assert responses(result.timepoints) == {56: "PR", 112: "SD"}


def test_1_8_4_deterioration_is_copied_and_never_changes_the_category():
    # spec 1.8.4: clinical_status "deteriorating" with S = 45 vs 50 (-10%): still SD; the value is copied.
    rows = [lesion(-7, "T1", 50), lesion(56, "T1", 45, clinical_status="deteriorating")]
    result = assess(study(rows))
    assert responses(result.timepoints) == {56: "SD"}
    assert column(result, "clinical_status")[56] == "deteriorating"


# --- 0.6 / 1.2 / 1.3 baseline measurability and counts -------------------------------------------------


def test_0_6_slice_thickness_and_modality_minimum_sizes():
    # spec 0.6 / 1.2: minimum 10 mm, 2 x slice when slice > 5 mm (7 mm slice -> 14 mm), 20 mm on X-ray,
    # 10 mm by caliper. 12 mm: fine at slice 5 (not > 5), refused at slice 7; 15 mm on X-ray refused.
    def rows(value, **extra):
        return [lesion(-7, "T1", value, **extra), lesion(56, "T1", value, **extra)]

    assess(study(rows(12, slice_thickness_mm=5.0)))
    assess(study(rows(14, slice_thickness_mm=7.0)))
    assess(study(rows(10, modality="clinical")))
    assess(study(rows(20, modality="xray")))
    for bad in (rows(12, slice_thickness_mm=7.0), rows(15, modality="xray")):
        with pytest.raises(InputError, match="measurability"):
            assess(study(bad))


def test_1_2_node_target_needs_15mm_short_axis_and_A2_slice_option():
    # spec 1.2: nodal target needs short axis >= 15 (14.9 refused). A2: the slice rule is not applied to
    # nodes by default (15 mm at slice 8 is fine); with apply_slice_rule_to_nodes the minimum is
    # max(15, 2 x 8) = 16 mm.
    def rows(short, **extra):
        return [lesion(d, "T1", short, node=True, organ="neck", **extra) for d in (-7, 56)]

    assess(study(rows(15)))
    with pytest.raises(InputError, match="measurability"):
        assess(study(rows(14.9)))
    assess(study(rows(15, slice_thickness_mm=8.0)))
    with pytest.raises(InputError, match="measurability"):
        assess(study(rows(15, slice_thickness_mm=8.0)), apply_slice_rule_to_nodes=True)


def test_1_3_all_lymph_nodes_are_one_organ_and_at_most_5_targets():
    # spec 1.3 / 0.1: rows with lymph_node = true count as the organ "lymph node" whatever `organ` says:
    # three nodal targets in neck, axilla, mediastinum are 3 in one organ (> 2).
    nodes = [
        lesion(d, f"T{i}", 20, node=True, organ=o)
        for d in (-7, 56)
        for i, o in enumerate(("neck", "axilla", "mediastinum"), 1)
    ]
    with pytest.raises(InputError, match="2 per organ"):
        assess(study(nodes))
    # Six targets in six organs: more than 5 in total. Five are fine; max_targets=6 accepts six.
    organs = ("liver", "lung", "adrenal", "spleen", "kidney", "pancreas")
    six = [lesion(d, f"T{i}", 20, organ=o) for d in (-7, 56) for i, o in enumerate(organs, 1)]
    with pytest.raises(InputError, match="more than 5 targets"):
        assess(study(six))
    assess(study([r for r in six if r["lesion_id"] != "T6"]))
    assess(study(six), max_targets=6)


# --- 0.9 / 0.10 output and reasons --------------------------------------------------------------------


def test_0_10_pr_reason_names_numbers_rule_and_section():
    # spec 0.10: the reason names the numbers and the rule with the source section.
    # B = 40 + 20 = 60; S = 24 + 14 = 38: -22 mm, -36.67% vs baseline: PR (sec. 4.3.1).
    rows = two_targets({-7: (40, 20), 56: (24, 14)})
    reason = assess(study(rows)).timepoints["reason"].iloc[0]
    assert "38 mm" in reason
    assert "-36.67%" in reason
    assert "RECIST 1.1 sec. 4.3.1" in reason


def test_0_2_reason_names_the_missing_lesion():
    # B = 30 + 20 + 15 = 65; day 56 T3 has no row; known 24 + 16 = 40: NE. The reason must name T3.
    rows = two_targets({-7: (30, 20), 56: (24, 16)}) + [lesion(-7, "T3", 15, organ="bone")]
    tp = assess(study(rows)).timepoints
    assert responses(tp) == {56: "NE"}
    assert "T3" in tp["reason"].iloc[0]


def test_multi_reader_rows_are_assessed_separately():
    # spec 0.9: one best-response row per patient (and per reader): reader A sees B 50 -> 30 (-40%): PR;
    # reader B sees 50 -> 45 (-10%): SD. Neither reader's nadir or sums leak into the other's.
    rows = [
        lesion(-7, "T1", 50, reader="A"),
        lesion(56, "T1", 30, reader="A"),
        lesion(-7, "T1", 50, reader="B"),
        lesion(56, "T1", 45, reader="B"),
    ]
    result = assess(study(rows))
    assert len(result.best_response) == 2
    assert best(result, reader="A")["best_response"] == "PR"
    assert best(result, reader="B")["best_response"] == "SD"


def test_0_2_a_sum_only_table_names_the_missing_sum():
    # spec 0.2/0.10: the reason names what is not evaluable; a sum-only table has one pseudo-lesion, the
    # target sum itself (io.tables), so the reason says "the target sum not evaluable", not its internal id.
    from ioresponse.api import assess as assess_table

    sums = pd.DataFrame({"patient_id": ["P1"] * 3, "day": [-7, 56, 112],
                         "target_sum_mm": ["50", "NOT EVALUABLE", "30"]})
    reasons = assess_table(sums).timepoints.set_index("day")["reason"]
    assert reasons[56].startswith("the target sum not evaluable, no target measured: target NE")
    assert "target_sum" not in reasons[56]
