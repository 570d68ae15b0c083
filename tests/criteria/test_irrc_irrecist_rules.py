"""Rules of irRC (spec/anatomic.md 0 and 2) and irRECIST (spec 0 and 3): rules not pinned elsewhere.

Every expected value is computed by hand from the spec text; the arithmetic is in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _lesions import best, by_day, cohort, flags_on, lesions, study

from ioresponse.criteria import irrc, irrecist
from ioresponse.schema import InputError


def run_irrc(table, **options):
    return irrc.assess(study(table), **options)


def run_irrecist(table, **options):
    return irrecist.assess(study(table), **options)


# =================================================================================================
# irRC (spec section 2)
# =================================================================================================


def test_irrc_0_5_rounding_exact_plus_25_percent_product_boundary_is_irpd():
    # spec 0.5 rounding + 2.4 irPD band (rel >= 0.25): 6.3 x 8.4 = 52.92 -> 10.5 x 6.3 = 66.15;
    # (66.15 - 52.92) / 52.92 = 0.25 exactly (binary floating point gives 0.2499999...98).
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    6.3  8.4  present
56  L1     target liver n    10.5 6.3  present
"""
    assert by_day(run_irrc(lesions(text))) == {56: "irPD"}


def test_irrc_0_5_rounding_exact_minus_50_percent_product_boundary_is_irpr():
    # spec 0.5 rounding + 2.4 PR band (rel <= -0.50): 7.6 x 13.5 = 102.6 -> 9.0 x 5.7 = 51.3 = -50 % exactly
    # (floating point gives -0.49999999999999994).
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    7.6  13.5 present
56  L1     target liver n    9.0  5.7  present
"""
    assert by_day(run_irrc(lesions(text))) == {56: "irPR"}


def test_irrc_2_4_irpd_band_is_tested_before_gone_normal_node_product_growth():
    # spec 2.4 category order: 2. irPD band before 3. gone. Index L1 node, L2 lung.
    # TB0 = 20 x 16 + 15 x 12 = 320 + 180 = 500.
    # day 56: L1 12 x 8 = 96 (short axis 8 < 10: normal), L2 absent -> gone: irCR.
    # day 84: L1 15 x 9 = 135 (short axis 9: still normal); nadir 96; (135 - 96) / 96 = +40.6 % >= 25 %:
    # irPD band wins over "gone".
    text = """
day lesion role   organ       node long short perp status
-7  L1     target mediastinum y    20   16    -    present
-7  L2     target lung        n    15   -     12   present
56  L1     target mediastinum y    12   8     -    present
56  L2     target lung        n    -    -     -    absent
84  L1     target mediastinum y    15   9     -    present
84  L2     target lung        n    -    -     -    absent
"""
    result = run_irrc(lesions(text))
    assert by_day(result, "current_sum") == {56: 96.0, 84: 135.0}
    assert by_day(result) == {56: "irCR", 84: "irPD"}


def test_irrc_2_4_reappearance_after_zero_nadir_is_irpd_band():
    # spec 2.4 last bullet: after a burden of 0 (nadir 0) a reappearing lesion gives rel >= 0.25 (R = 0,
    # spec 0.5: every S > 0 satisfies a relative-increase test). 400 -> 0 -> 0 -> 6 x 6 = 36: irPD.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
56  L1     target liver n    -    -    absent
84  L1     target liver n    -    -    absent
112 L1     target liver n    6    6    present
"""
    result = run_irrc(lesions(text))
    assert by_day(result) == {56: "irCR", 84: "irCR", 112: "irPD"}
    assert by_day(result, "nadir_sum")[112] == 0.0
    assert by_day(result, "confirmation_state")[112] == "pending"
    # irCR on day 56 confirmed by day 84 (28 days): confirmed irCR outranks the pending irPD (spec 2.7)
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irCR", "irCR")


def test_irrc_0_5_incomplete_burden_never_enters_the_nadir():
    # spec 0.5: "An incomplete sum never enters the nadir". TB0 = 20 x 20 + 10 x 10 = 500.
    # day 56: L2 NE, known part 10 x 10 = 100 (-80 % vs 500, not irPD): NE.
    # day 84: 12 x 10 + 5 x 5 = 145; nadir stays 500 (not 100, else +45 % = irPD); -71 % vs TB0: irPR.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
-7  L2     target lung  n    10   10   present
56  L1     target liver n    10   10   present
56  L2     target lung  n    -    -    not_evaluable
84  L1     target liver n    12   10   present
84  L2     target lung  n    5    5    present
"""
    result = run_irrc(lesions(text))
    assert by_day(result) == {56: "NE", 84: "irPR"}
    assert by_day(result, "nadir_sum")[84] == 500.0


def test_irrc_2_4_counted_new_lesion_stays_counted_small_too_small_and_absent():
    # spec 2.4: "Once counted, a lesion stays counted: its product, 25 if too_small, 0 if absent".
    # N1 10 x 10 = 100 counted on day 56; 4 x 3 = 12 (below 5 x 5, still counted); too_small = 25; absent 0.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    30   30   present
56  L1     target liver n    30   30   present
56  N1     new    lung  n    10   10   present
84  L1     target liver n    30   30   present
84  N1     new    lung  n    4    3    present
112 L1     target liver n    30   30   present
112 N1     new    lung  n    -    -    too_small
140 L1     target liver n    30   30   present
140 N1     new    lung  n    -    -    absent
"""
    result = run_irrc(lesions(text))
    assert by_day(result, "new_lesion_sum") == {56: 100.0, 84: 12.0, 112: 25.0, 140: 0.0}
    assert by_day(result, "current_sum") == {56: 1000.0, 84: 912.0, 112: 925.0, 140: 900.0}


def test_irrc_0_2_counted_new_lesion_without_a_row_makes_the_burden_incomplete():
    # spec 0.2: a new lesion once seen with no later row is not_evaluable; spec 2.4: a counted lesion
    # not_evaluable makes TB incomplete. Day 84: known part 900 vs nadir 900 (+0 %): not irPD -> NE.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    30   30   present
56  L1     target liver n    30   30   present
56  N1     new    lung  n    10   10   present
84  L1     target liver n    30   30   present
"""
    result = run_irrc(lesions(text))
    assert by_day(result) == {56: "irSD", 84: "NE"}
    assert by_day(result, "sum_complete") == {56: True, 84: False}


def test_irrc_2_4_caps_ten_visceral_new_lesions_and_five_cutaneous_separately():
    # spec 2.4 / B4: at most 5 per organ, 10 visceral, 5 cutaneous; larger products first, then lesion_id.
    # Day 56: C1 kidney 20 x 20 = 400 first, then the 100 mm2 lesions A1-A5 (lung), B1-B5 (liver) by id:
    # visceral slots = 10 -> C1 + A1..A5 + B1..B4; B5 is over the cap. Skin S1, S2 count separately.
    # new_lesion_sum = 400 + 9 x 100 + 2 x 100 = 1500.
    rows = [
        *(f"56 A{i} new lung n 10 10 present" for i in range(1, 6)),
        *(f"56 B{i} new liver n 10 10 present" for i in range(1, 6)),
        "56 C1 new kidney n 20 20 present",
        "56 S1 new skin n 10 10 present",
        "56 S2 new skin n 10 10 present",
    ]
    text = "\n".join(
        [
            "day lesion role organ node long perp status",
            "-7 L1 target liver n 40 40 present",
            "56 L1 target liver n 40 40 present",
            *rows,
        ]
    )
    assert by_day(run_irrc(lesions(text)), "new_lesion_sum") == {56: 1500.0}


def test_irrc_2_6_row4_gone_burden_with_non_index_not_evaluated_or_unreported_is_irpr():
    # spec 2.6 row 4: gone + non-index "present, unequivocal progression, or NE" -> irPR; spec 0.2: a
    # baseline lesion without a row is not_evaluable (day 84: NI1 has no row).
    text = """
day lesion role       organ node long perp status
-7  L1     target     liver n    20   20   present
-7  NI1    non_target bone  n    -    -    present
56  L1     target     liver n    -    -    absent
56  NI1    non_target bone  n    -    -    not_evaluable
84  L1     target     liver n    -    -    absent
"""
    assert by_day(run_irrc(lesions(text))) == {56: "irPR", 84: "irPR"}


def test_irrc_2_5_equivocal_new_lesion_is_neither_counted_nor_blocks_ircr():
    # spec 2.5: "equivocal = true new lesions are treated as not present until unequivocal".
    # L1 gone, NI none, N1 equivocal 10 x 10: not counted (sum 0) and no new lesion present -> irCR (row 3).
    text = """
day lesion role   organ node long perp equivocal status
-7  L1     target liver n    20   20   n         present
56  L1     target liver n    -    -    n         absent
56  N1     new    lung  n    10   10   y         present
"""
    result = run_irrc(lesions(text))
    assert by_day(result, "new_lesion_sum") == {56: 0.0}
    assert by_day(result) == {56: "irCR"}


def test_irrc_B2_non_index_node_under_10mm_counts_as_gone_for_ircr_unless_who():
    # spec 2.2 / B2 default "recist11": for irCR a node counts as gone when its short axis is < 10 mm;
    # "who": a node must be absent (non-index node present -> row 4 irPR).
    text = """
day lesion role       organ       node long short perp status
-7  L1     target     lung        n    20   -     20   present
-7  NI1    non_target mediastinum y    14   12    -    present
56  L1     target     lung        n    -    -     -    absent
56  NI1    non_target mediastinum y    10   8     -    present
"""
    assert by_day(run_irrc(lesions(text))) == {56: "irCR"}
    assert by_day(run_irrc(lesions(text), node_rules="who")) == {56: "irPR"}


def test_irrc_0_7_cr_followed_by_pr_is_downgraded_for_confirmation():
    # spec 0.7 "CR followed by PR": day 56 irCR (all gone, non-index absent), day 84 irPR (gone, non-index
    # present again: row 4), day 112 irPR. For confirmation the irCR is read as irPR (flag
    # cr_downgraded_to_pr) and confirmed by day 84 (28 days): confirmed irPR, first response day 56.
    # best_response (no confirmation) still counts the irCR (spec 2.7).
    text = """
day lesion role       organ node long perp status
-7  L1     target     lung  n    20   20   present
-7  NI1    non_target bone  n    -    -    present
56  L1     target     lung  n    -    -    absent
56  NI1    non_target bone  n    -    -    absent
84  L1     target     lung  n    -    -    absent
84  NI1    non_target bone  n    -    -    present
112 L1     target     lung  n    -    -    absent
112 NI1    non_target bone  n    -    -    present
"""
    result = run_irrc(lesions(text))
    assert by_day(result) == {56: "irCR", 84: "irPR", 112: "irPR"}
    assert "cr_downgraded_to_pr" in flags_on(result, 56)
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irCR", "irPR")
    assert row["first_response_day"] == 56


def _pr_sequence(*visits: tuple[int, str]) -> str:
    # L1 20 x 20 = 400; "pr" = 14 x 14 = 196 (-51 %); "ne" = not_evaluable.
    lines = ["day lesion role organ node long perp status", "-7 L1 target liver n 20 20 present"]
    for day, kind in visits:
        if kind == "pr":
            lines.append(f"{day} L1 target liver n 14 14 present")
        else:
            lines.append(f"{day} L1 target liver n - - not_evaluable")
    return "\n".join(lines)


def test_irrc_0_7_response_confirmation_needs_28_days():
    # spec 0.7 / 2.7: irPR confirmed by irPR >= 28 days later. 56 -> 83 is 27 days: not confirmed; the
    # unconfirmed irPR counts as irSD (day >= 42) in best_response_confirmed.
    row = best(run_irrc(lesions(_pr_sequence((56, "pr"), (83, "pr")))))
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irSD")
    assert pd.isna(row["first_response_day"])
    row = best(run_irrc(lesions(_pr_sequence((56, "pr"), (84, "pr")))))
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irPR")
    assert row["first_response_day"] == 56


def test_irrc_0_7_at_most_one_ne_between_by_default_option_allows_more():
    # spec 0.7: at most max_ne_between (default 1) NE between the pair. PR-NE-PR confirmed; PR-NE-NE-PR not,
    # unless max_ne_between = 2.
    one = lesions(_pr_sequence((56, "pr"), (70, "ne"), (84, "pr")))
    assert best(run_irrc(one))["best_response_confirmed"] == "irPR"
    two = lesions(_pr_sequence((56, "pr"), (63, "ne"), (70, "ne"), (84, "pr")))
    assert best(run_irrc(two))["best_response_confirmed"] == "irSD"
    assert best(run_irrc(two, max_ne_between=2))["best_response_confirmed"] == "irPR"


def test_irrc_2_7_unconfirmed_irpr_before_min_sd_days_is_ne_in_confirmed_column():
    # spec 2.7: best_response_confirmed = ... irSD (any irCR, irPR or irSD at day >= min_sd_days) ... > NE.
    # A single irPR on day 35 (< 42): best_response irPR, best_response_confirmed NE.
    row = best(run_irrc(lesions(_pr_sequence((35, "pr")))))
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "NE")


def test_irrc_B7_min_sd_days_boundary_41_is_ne_42_is_irsd():
    # spec 2.7 / B7: irSD counts at day >= min_sd_days (42).
    template = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
{day}  L1     target liver n    20   20   present
"""
    assert best(run_irrc(lesions(template.format(day=41))))["best_response"] == "NE"
    assert best(run_irrc(lesions(template.format(day=42))))["best_response"] == "irSD"


def _burden_visits(*visits: tuple[int, str]) -> str:
    # L1 20 x 20 = 400 at baseline; visits give "long perp" or "NE".
    lines = ["day lesion role organ node long perp status", "-7 L1 target liver n 20 20 present"]
    for day, dims in visits:
        if dims == "NE":
            lines.append(f"{day} L1 target liver n - - not_evaluable")
        else:
            lines.append(f"{day} L1 target liver n {dims} present")
    return "\n".join(lines)


def test_irrc_0_8_ne_at_28_days_does_not_decide_the_next_evaluable_does():
    # spec 0.8: decided at the first later *evaluable* assessment >= 28 days later; NE does not decide.
    # 56: 25 x 20 = 500 (+25 % vs 400): irPD. 84: NE. 112: 20 x 20 = 400 (+0 %): irSD -> not confirmed.
    result = run_irrc(lesions(_burden_visits((56, "25 20"), (84, "NE"), (112, "20 20"))))
    assert by_day(result) == {56: "irPD", 84: "NE", 112: "irSD"}
    assert by_day(result, "confirmation_state")[56] == "not_confirmed"
    assert not best(result)["pfs_event"]
    # same with 112: 25 x 20 = 500 again (+25 % vs nadir 400): confirmed, progression day 56.
    result = run_irrc(lesions(_burden_visits((56, "25 20"), (84, "NE"), (112, "25 20"))))
    assert by_day(result, "confirmation_state")[56] == "confirmed"
    assert by_day(result, "confirmation_state")[112] == "confirms"
    assert best(result)["progression_day"] == 56


def test_irrc_0_8_not_confirmed_marks_pd_rows_in_between_and_restarts_after_decider():
    # spec 0.8: 56 irPD (500), 70 irPD (21 x 25 = 525, only 14 days: does not decide), 84 irSD (400,
    # decides: not confirmed; 56 and 70 both not_confirmed). Search restarts after 84: 112 irPD (500 vs
    # nadir 400), 140 irPD confirms -> progression day 112. Best response irSD (day 84 >= 42), skipping the
    # not-confirmed irPD rows (spec 2.7).
    text = _burden_visits((56, "25 20"), (70, "21 25"), (84, "20 20"), (112, "25 20"), (140, "25 20"))
    result = run_irrc(lesions(text))
    assert by_day(result) == {56: "irPD", 70: "irPD", 84: "irSD", 112: "irPD", 140: "irPD"}
    assert by_day(result, "confirmation_state") == {
        56: "not_confirmed",
        70: "not_confirmed",
        84: "not_required",
        112: "confirmed",
        140: "confirms",
    }
    row = best(result)
    assert row["best_response"] == "irSD"
    assert row["progression_day"] == 112
    assert row["pfs_day"] == 112


def test_irrc_2_8_rows_between_first_irpd_and_confirmation_are_after_progression():
    # spec 2.8: rows between a pending irPD and its deciding assessment are computed normally; when the irPD
    # is confirmed they are after_progression and (spec 2.7) ignored for best response.
    # 56: 500 irPD; 70: 400 irSD (14 days, does not decide); 84: 500 irPD confirms. Best irPD, not irSD.
    result = run_irrc(lesions(_burden_visits((56, "25 20"), (70, "20 20"), (84, "25 20"))))
    assert by_day(result) == {56: "irPD", 70: "irSD", 84: "irPD"}
    assert by_day(result, "after_progression") == {56: False, 70: True, 84: True}
    row = best(result)
    assert row["best_response"] == "irPD"
    assert row["progression_day"] == 56


def test_irrc_2_7_best_response_stops_at_confirmed_irpd_and_duration_of_response():
    # spec 2.7: best response over assessments before the confirmed progression day (plus the
    # progression); dates: duration of response = progression day - first response day.
    # 56, 84: 14 x 14 = 196 (-51 %): irPR confirmed. 112: 16 x 16 = 256 vs nadir 196 = +30.6 %: irPD;
    # 140: 256 again: confirms, progression day 112. 168, 196: absent -> irCR after progression: ignored.
    text = _burden_visits((56, "14 14"), (84, "14 14"), (112, "16 16"), (140, "16 16"))
    text += "\n168 L1 target liver n - - absent\n196 L1 target liver n - - absent"
    result = run_irrc(lesions(text))
    assert by_day(result)[168] == "irCR"
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irPR")
    assert row["first_response_day"] == 56
    assert row["progression_day"] == 112
    assert row["duration_of_response_days"] == 56  # 112 - 56
    assert row["pfs_event"]


def test_irrc_0_10_reason_of_pending_irpd_names_numbers_rule_and_source():
    # spec 0.10 template: "tumour burden 914 mm2 is +52.33% vs nadir 600 mm2 (>=25%): irPD, pending
    # confirmation >=28 days (irRC, Wolchok 2009 Table 1)". Here 400 -> 25 x 20 = 500: +25.00 %.
    reason = by_day(run_irrc(lesions(_burden_visits((56, "25 20")))), "reason")[56]
    for part in ("500 mm2", "+25.00%", "400 mm2", ">=25%", "irPD", "pending", "Wolchok 2009"):
        assert part in reason, (part, reason)


def test_irrc_0_2_missing_index_row_is_ne_and_reason_names_the_lesion():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
-7  L2     target lung  n    10   10   present
56  L1     target liver n    20   20   present
"""
    result = run_irrc(lesions(text))
    assert by_day(result) == {56: "NE"}
    assert "L2" in by_day(result, "reason")[56]


def test_irrc_multi_patient_multi_reader_table_keeps_subjects_apart():
    # spec 0.2 / 0.9: one best-response row per patient (x reader); nadirs never leak between subjects.
    # P1 reader A: 400 -> 500 -> 500: confirmed irPD (progression day 56).
    # P1 reader B: 400 -> 196 -> 196: confirmed irPR.
    # P2 reader A: 100 (10 x 10) -> 120 (12 x 10, +20 % < 25 %) -> 120: irSD, its nadir stays its own 100.
    p1a = lesions(_burden_visits((56, "25 20"), (84, "25 20")), patient_id="P1", reader="A")
    p1b = lesions(_burden_visits((56, "14 14"), (84, "14 14")), patient_id="P1", reader="B")
    p2 = lesions(
        "day lesion role organ node long perp status\n-7 L1 target lung n 10 10 present\n"
        "56 L1 target lung n 12 10 present\n84 L1 target lung n 12 10 present",
        patient_id="P2",
        reader="A",
    )
    result = run_irrc(cohort(p1a, p1b, p2))
    table = result.best_response.set_index(["patient_id", "reader"])
    assert len(table) == 3
    assert table.loc[("P1", "A"), "best_response"] == "irPD"
    assert table.loc[("P1", "A"), "progression_day"] == 56
    assert table.loc[("P1", "B"), "best_response_confirmed"] == "irPR"
    assert table.loc[("P2", "A"), "best_response"] == "irSD"
    tp = result.timepoints
    p2_rows = tp[tp["patient_id"] == "P2"]
    assert list(p2_rows["nadir_sum"]) == [100.0, 100.0]
    assert list(p2_rows["overall_response"]) == ["irSD", "irSD"]


# =================================================================================================
# irRECIST (spec section 3)
# =================================================================================================


def test_irrecist_0_5_rounding_exact_plus_20_percent_and_5mm_is_irpd():
    # spec 0.5 + 3.4: B = 10.0 + 15.5 = 25.5; follow-up 11.2 + 19.4 = 30.6: (30.6 - 25.5) / 25.5 = 0.20
    # exactly (floating point 0.19999999999999993) and +5.1 mm: irPD.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    10.0 present
-7  T2     target lung  n    15.5 present
56  T1     target liver n    11.2 present
56  T2     target lung  n    19.4 present
"""
    assert by_day(run_irrecist(lesions(text))) == {56: "irPD"}


def test_irrecist_0_5_rounding_exact_minus_30_percent_is_irpr():
    # spec 0.5 + 3.4: B = 10.0 + 21.0 = 31.0; 10.3 + 11.4 = 21.7 = -30 % exactly (float -0.29999999999999993).
    text = """
day lesion role   organ node long status
-7  T1     target liver n    10.0 present
-7  T2     target lung  n    21.0 present
56  T1     target liver n    10.3 present
56  T2     target lung  n    11.4 present
"""
    assert by_day(run_irrecist(lesions(text))) == {56: "irPR"}


def test_irrecist_3_4_gone_is_tested_before_irpd_normal_nodes_growing():
    # spec 3.4 category order: 2. gone before 3. irPD. Targets T1, T2 nodes (short axes 16, 18; B = 34).
    # day 56: 5 + 4 = 9 (both < 10: gone) -> irCR. day 84: 9 + 9 = 18 vs nadir 9 = +100 % and +9 mm, but
    # both nodes still < 10 mm: gone -> irCR (not irPD).
    text = """
day lesion role   organ       node long short status
-7  T1     target mediastinum y    20   16    present
-7  T2     target axilla      y    22   18    present
56  T1     target mediastinum y    8    5     present
56  T2     target axilla      y    7    4     present
84  T1     target mediastinum y    11   9     present
84  T2     target axilla      y    12   9     present
"""
    result = run_irrecist(lesions(text))
    assert by_day(result, "current_sum") == {56: 9.0, 84: 18.0}
    assert by_day(result) == {56: "irCR", 84: "irCR"}


def test_irrecist_3_4_no_reappearance_rule_absolute_5mm_applies_over_zero_nadir():
    # spec 3.4: no reappearance-after-CR rule; spec 0.5: with R = 0 the relative test is met but the
    # absolute test still applies. T1 20 -> absent -> absent -> 4 mm: TMTB 4 vs nadir 0 is +4 mm (< 5):
    # not irPD; 4 vs B 20 = -80 %: irPR. Then 6 mm: +6 mm over nadir 0: irPD.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    20   present
56  T1     target liver n    -    absent
84  T1     target liver n    -    absent
112 T1     target liver n    4    present
140 T1     target liver n    6    present
"""
    result = run_irrecist(lesions(text))
    assert by_day(result) == {56: "irCR", 84: "irCR", 112: "irPR", 140: "irPD"}


def test_irrecist_3_6_row2_non_target_progression_beats_gone_and_incomplete_tmtb():
    # spec 3.6 rows 2 and 4: unequivocal non-target progression is irPD whatever the TMTB, even when every
    # target is gone (day 56) and when the TMTB is incomplete (day 84: T2 not evaluable).
    text = """
day lesion role       organ  node long status
-7  T1     target     liver  n    30   present
-7  T2     target     lung   n    20   present
-7  NT1    non_target pleura n    -    present
56  T1     target     liver  n    -    absent
56  T2     target     lung   n    -    absent
56  NT1    non_target pleura n    -    unequivocal_progression
84  T1     target     liver  n    -    absent
84  T2     target     lung   n    -    not_evaluable
84  NT1    non_target pleura n    -    unequivocal_progression
"""
    result = run_irrecist(lesions(text))
    assert by_day(result) == {56: "irPD", 84: "irPD"}
    assert by_day(result, "confirmation_state") == {56: "confirmed", 84: "confirms"}


def test_irrecist_3_7_irpd_confirmed_by_a_different_irpd_condition():
    # spec 3.7 / C6: at the deciding assessment "any irPD condition" confirms. 56: T1 25 -> 31 (+24 %, +6 mm)
    # TMTB irPD; 84: T1 25 (vs nadir 25: +0 %) but NT1 unequivocal progression: confirms, progression day 56.
    text = """
day lesion role       organ  node long status
-7  T1     target     liver  n    25   present
-7  NT1    non_target pleura n    -    present
56  T1     target     liver  n    31   present
56  NT1    non_target pleura n    -    present
84  T1     target     liver  n    25   present
84  NT1    non_target pleura n    -    unequivocal_progression
"""
    result = run_irrecist(lesions(text))
    assert by_day(result) == {56: "irPD", 84: "irPD"}
    assert by_day(result, "confirmation_state") == {56: "confirmed", 84: "confirms"}
    assert best(result)["progression_day"] == 56


def test_irrecist_3_4_new_lesion_measurability_boundaries():
    # spec 3.4 / 0.6: new non-nodal lesion counted when long axis >= 10 mm (10.0 yes, 9.9 no); new node
    # counted when short axis >= 15 mm (15.0 yes, 14.9 no: new non-measurable). new_lesion_sum = 10 + 15 = 25.
    text = """
day lesion role   organ       node long short status
-7  T1     target lung        n    50   -     present
56  T1     target lung        n    50   -     present
56  N1     new    liver       n    10.0 -     present
56  N2     new    kidney      n    9.9  -     present
56  N3     new    mediastinum y    20   15.0  present
56  N4     new    axilla      y    20   14.9  present
"""
    result = run_irrecist(lesions(text))
    assert by_day(result, "new_lesion_sum") == {56: 25.0}
    assert by_day(result, "current_sum") == {56: 75.0}


def test_irrecist_C3_new_nodes_in_different_stations_share_the_lymph_node_organ_cap():
    # spec 0.1: rows with lymph_node = true count as the organ "lymph node"; spec 3.4 / C3: at most 2 counted
    # new measurable lesions per organ, larger first. Nodes 20, 18, 16 mm short axis -> 20 + 18 = 38.
    text = """
day lesion role   organ       node long short status
-7  T1     target lung        n    50   -     present
56  T1     target lung        n    50   -     present
56  N1     new    mediastinum y    25   16    present
56  N2     new    axilla      y    25   20    present
56  N3     new    groin       y    25   18    present
"""
    assert by_day(run_irrecist(lesions(text)), "new_lesion_sum") == {56: 38.0}


def test_irrecist_3_4_new_node_under_10mm_is_ignored_10_to_15_prevents_ircr():
    # spec 3.4: new nodes < 10 mm are ignored with a flag; 10 to < 15 mm are new non-measurable, which
    # (3.5, 3.6 row 7) turns an all-gone TMTB into irPR.
    base = """
day lesion role   organ       node long short status
-7  T1     target liver       n    30   -     present
56  T1     target liver       n    -    -     absent
56  N1     new    mediastinum y    14   {short}  present
"""
    small = run_irrecist(lesions(base.format(short=8)))
    assert by_day(small) == {56: "irCR"}
    assert "new_node_below_10mm" in flags_on(small, 56)
    assert by_day(run_irrecist(lesions(base.format(short=12)))) == {56: "irPR"}


def test_irrecist_0_2_counted_new_lesion_without_a_row_makes_tmtb_incomplete():
    # spec 0.2 + 3.4: N1 (12 mm, counted on day 56) has no row on day 84 -> not_evaluable, TMTB incomplete;
    # known part 40 vs nadir 40 (day 56: TMTB 52 = +30 %, +12 mm: irPD): not irPD -> NE, and an NE
    # assessment does not decide the pending irPD (spec 0.8).
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    40   present
56  T1     target lung  n    40   present
56  N1     new    liver n    12   present
84  T1     target lung  n    40   present
"""
    result = run_irrecist(lesions(text))
    assert by_day(result) == {56: "irPD", 84: "NE"}
    assert not by_day(result, "sum_complete")[84]
    assert by_day(result, "confirmation_state")[56] == "pending"


def test_irrecist_3_6_no_targets_counted_new_lesion_over_zero_nadir_is_confirmed_irpd():
    # spec 3.6 (no target lesions): TMTB 0 at baseline; a counted new lesion with TMTB >= 5 mm over a nadir
    # of 0 is irPD. 56: N1 12 mm -> irPD pending; 84: 11 mm (+11 mm over 0) -> confirms; progression 56.
    text = """
day lesion role       organ  node long status
-7  NT1    non_target pleura n    -    present
56  NT1    non_target pleura n    -    present
56  N1     new        liver  n    12   present
84  NT1    non_target pleura n    -    present
84  N1     new        liver  n    11   present
"""
    result = run_irrecist(lesions(text))
    assert by_day(result) == {56: "irPD", 84: "irPD"}
    assert by_day(result, "confirmation_state") == {56: "confirmed", 84: "confirms"}
    assert best(result)["progression_day"] == 56


def test_irrecist_3_6_no_targets_new_nonmeasurable_lesion_prevents_ircr():
    # spec 3.6 (no targets) and 3.5 "Any new lesion present prevents irCR": NT absent but a 6 mm new lesion
    # (non-measurable, not counted) -> irNON-CR/NON-PD; once it resolves -> irCR.
    text = """
day lesion role       organ  node long status
-7  NT1    non_target pleura n    -    present
56  NT1    non_target pleura n    -    absent
56  N1     new        liver  n    6    present
84  NT1    non_target pleura n    -    absent
84  N1     new        liver  n    -    absent
"""
    assert by_day(run_irrecist(lesions(text))) == {56: "irNON-CR/NON-PD", 84: "irCR"}


def test_irrecist_3_7_non_cr_non_pd_min_duration_boundary():
    # spec 3.7: irNON-CR/NON-PD counts for best response only at day >= min_sd_days (42).
    template = """
day lesion role       organ  node long status
-7  NT1    non_target pleura n    -    present
{day}  NT1    non_target pleura n    -    present
"""
    assert best(run_irrecist(lesions(template.format(day=41))))["best_response"] == "NE"
    assert best(run_irrecist(lesions(template.format(day=42))))["best_response"] == "irNON-CR/NON-PD"


def test_irrecist_3_7_response_confirmation_off_by_default_unconfirmed_irpr_drives_dates():
    # spec 3.7: confirm_response = False by default; both columns are always computed (0.9).
    # 56: T1 40 -> 26 (-35 %): irPR; 84: 30 (-25 % vs B; +4 mm vs nadir 26: not irPD): irSD.
    # best_response irPR (first response day 56); confirmed column irSD (unconfirmed irPR at day >= 42).
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    26   present
84  T1     target liver n    30   present
"""
    row = best(run_irrecist(lesions(text)))
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irSD")
    assert row["first_response_day"] == 56
    confirmed = best(run_irrecist(lesions(text), confirm_response=True))
    assert pd.isna(confirmed["first_response_day"])


# --- irRC baseline rules (spec 0.2, 0.4, 2.3) -----------------------------------------------------


def _index_table(organs: list[str], node: bool = False) -> str:
    lines = ["day lesion role organ node long short perp status"]
    flag = "y" if node else "n"
    for day in (-7, 56):
        for i, organ in enumerate(organs, start=1):
            lines.append(f"{day} L{i:02d} target {organ} {flag} 20 20 20 present")
    return "\n".join(lines)


def test_irrc_2_3_at_most_ten_visceral_index_lesions_nodes_included_plus_five_cutaneous():
    # spec 2.3: at most 10 visceral (every organ but skin, nodes included) and 5 cutaneous index lesions.
    # 5 lung + 5 liver + 5 skin = 15: accepted (TB0 = 15 x 400 = 6000, unchanged: irSD).
    ok = lesions(_index_table(["lung"] * 5 + ["liver"] * 5 + ["skin"] * 5))
    assert by_day(run_irrc(ok)) == {56: "irSD"}
    assert by_day(run_irrc(ok), "baseline_sum") == {56: 6000.0}
    # 5 lung + 5 liver + 1 node = 11 visceral: over the cap.
    text = _index_table(["lung"] * 5 + ["liver"] * 5)
    text += "\n-7 N01 target mediastinum y 20 20 - present\n56 N01 target mediastinum y 20 20 - present"
    with pytest.raises(InputError):
        run_irrc(lesions(text))


def test_irrc_0_1_index_nodes_of_different_stations_are_one_organ_for_the_per_organ_cap():
    # spec 0.1: rows with lymph_node = true count as the organ "lymph node"; spec 2.3: 5 per organ.
    # Six index nodes in six stations: 6 > 5 in the organ "lymph node".
    stations = ["mediastinum", "axilla", "groin", "neck", "hilum", "retroperitoneum"]
    with pytest.raises(InputError):
        run_irrc(lesions(_index_table(stations, node=True)))
    assert by_day(run_irrc(lesions(_index_table(stations[:5], node=True)))) == {56: "irSD"}


def test_irrc_0_4_split_lesion_fragment_products_are_summed():
    # spec 0.4 / 2.4: fragments of a split lesion (same lesion_id) add their products.
    # TB0 = 40 x 30 = 1200; day 56 fragments 15 x 10 + 10 x 5 = 150 + 50 = 200 (-83.33 %): irPR.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    40   30   present
56  L1     target liver n    15   10   present
56  L1     target liver n    10   5    present
"""
    result = run_irrc(lesions(text))
    assert by_day(result, "current_sum") == {56: 200.0}
    assert by_day(result) == {56: "irPR"}


def test_irrc_0_2_baseline_is_the_latest_assessment_on_or_before_day_0():
    # spec 0.2: baseline = latest assessment with day <= 0 (here day 0); day -40 is pre-baseline, ignored.
    # TB0 = 20 x 20 = 400 (not 30 x 30 = 900); day 56: 25 x 20 = 500 = +25 % vs 400: irPD.
    text = """
day lesion role   organ node long perp status
-40 L1     target liver n    30   30   present
0   L1     target liver n    20   20   present
56  L1     target liver n    25   20   present
"""
    result = run_irrc(lesions(text))
    assert by_day(result, "baseline_sum") == {56: 400.0}
    assert by_day(result) == {56: "irPD"}


@pytest.mark.parametrize("criterion", ["irrc", "irrecist"])
def test_0_2_old_baseline_is_flagged(criterion):
    # spec 0.2: "Default: if day < -28, add the flag baseline_older_than_28_days and continue."
    text = """
day lesion role   organ node long perp status
-35 L1     target liver n    20   20   present
56  L1     target liver n    20   20   present
"""
    run = run_irrc if criterion == "irrc" else run_irrecist
    result = run(lesions(text))
    assert by_day(result) == {56: "irSD"}
    assert "baseline_older_than_28_days" in flags_on(result, 56)


def test_irrc_0_10_every_reason_names_the_irrc_source():
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
-7  L2     target lung  n    10   10   present
56  L1     target liver n    20   20   present
56  L2     target lung  n    -    -    not_evaluable
84  L1     target liver n    10   10   present
84  L2     target lung  n    5    5    present
"""
    reasons = by_day(run_irrc(lesions(text)), "reason")
    for day, reason in reasons.items():
        assert "Wolchok 2009" in reason, (day, reason)


# --- new-lesion counting details (spec 2.4, 2.11 B1, 3.4 / C3) ------------------------------------


def test_irrc_2_4_slots_go_to_larger_products_then_lesion_id_and_stay_taken():
    # spec 2.4: more qualifying lesions than slots -> larger products first, then lesion_id; caps count every
    # new lesion counted so far. Day 56: six lung lesions; F 11 x 11 = 121 first, then A-E (100 each) by id:
    # A, B, C, D counted, E over the per-organ cap of 5. Day 84: E grows to 20 x 20 but the organ is full:
    # new_lesion_sum = 121 + 4 x 100 = 521 on both days.
    rows = []
    for day, e_dims in ((56, "10 10"), (84, "20 20")):
        rows += [f"{day} {x} new lung n 10 10 present" for x in "ABCD"]
        rows += [f"{day} E new lung n {e_dims} present", f"{day} F new lung n 11 11 present"]
    text = "\n".join(
        [
            "day lesion role organ node long perp status",
            "-7 L1 target liver n 40 40 present",
            "56 L1 target liver n 40 40 present",
            "84 L1 target liver n 40 40 present",
            *rows,
        ]
    )
    assert by_day(run_irrc(lesions(text)), "new_lesion_sum") == {56: 521.0, 84: 521.0}


def test_irrc_B1_new_lesion_minimum_is_independent_of_the_baseline_minimum():
    # spec 2.11 B1: min_diameter_mm (new lesions) and baseline_min_diameter_mm (index) are separate options.
    # Index 6 x 6 = 36 stays valid at baseline with min_diameter_mm = 10; new 8 x 8 = 64 counted by default,
    # not with min_diameter_mm = 10.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    6    6    present
56  L1     target liver n    6    6    present
56  N1     new    lung  n    8    8    present
"""
    assert by_day(run_irrc(lesions(text)), "new_lesion_sum") == {56: 64.0}
    assert by_day(run_irrc(lesions(text), min_diameter_mm=10.0), "new_lesion_sum") == {56: 0.0}


def test_irrecist_C3_at_most_five_new_measurable_lesions_in_total():
    # spec 3.4 / C3: max_new_measurable = 5 in total (2 per organ), larger first.
    # 20, 19 (liver), 18, 17 (kidney), 16, 15 (adrenal): the five largest count, 20+19+18+17+16 = 90.
    text = """
day lesion role   organ   node long status
-7  T1     target lung    n    50   present
56  T1     target lung    n    50   present
56  N1     new    liver   n    20   present
56  N2     new    liver   n    19   present
56  N3     new    kidney  n    18   present
56  N4     new    kidney  n    17   present
56  N5     new    adrenal n    16   present
56  N6     new    adrenal n    15   present
"""
    assert by_day(run_irrecist(lesions(text)), "new_lesion_sum") == {56: 90.0}
    assert by_day(run_irrecist(lesions(text), max_new_measurable=6), "new_lesion_sum") == {56: 105.0}
