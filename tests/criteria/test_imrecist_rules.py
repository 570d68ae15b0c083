"""Rules of imRECIST (spec/anatomic.md section 5, with the shared conventions of section 0) and of the
side-by-side comparison of the five anatomic criteria (section 8).

Every expected value is computed by hand from the spec text; the arithmetic is in the comments.
Baselines are on day -7; ``min_sd_days = 42`` (default) unless stated.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _lesions import best, by_day, cohort, flags_on, lesions, study

from ioresponse.api import run
from ioresponse.criteria import imrecist, registry

ANATOMIC = ["recist11", "irrc", "irrecist", "irecist", "imrecist"]


def im(table, **options):
    return imrecist.assess(study(table), **options)


# --- 5.4 thresholds ------------------------------------------------------------------------------


def test_5_4_pd_exactly_plus_20_percent_is_pd_despite_binary_floating_point():
    # spec 0.5 rounding + 5.4 PD `rel(SLD, N) >= 0.20 and abs >= 5`. B = 40. Day 56: T1 20 + N1 12 (new,
    # measurable, counted) = 32, -20 % vs B: SD, nadir becomes 32. Day 112: 26.4 + 12 = 38.4;
    # (38.4 - 32) / 32 = 0.2 exactly (0.19999999999999996 in floating point), +6.4 mm: PD.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    40   present
    56  T1     target lung  n    20   present
    56  N1     new    liver n    12   present
    112 T1     target lung  n    26.4 present
    112 N1     new    liver n    12   present
    """)
    result = im(table)
    assert by_day(result, "current_sum") == {56: 32.0, 112: pytest.approx(38.4)}
    assert by_day(result) == {56: "SD", 112: "PD"}
    assert by_day(result, "confirmation_state")[112] == "pending"


def test_5_4_pd_needs_both_20_percent_and_5_mm():
    # 5.4: PD needs rel >= 0.20 AND abs >= 5 mm over the nadir.
    # P1: nadir B = 20 -> 24: +20.00 % but only +4 mm: SD.  P2: nadir B = 50 -> 55: +5 mm but +10.00 %: SD.
    p1 = lesions(
        """
    day lesion role   organ node long status
    -7  T1     target lung  n    20   present
    56  T1     target lung  n    24   present
    """,
        patient_id="P1",
    )
    p2 = lesions(
        """
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    55   present
    """,
        patient_id="P2",
    )
    result = im(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "SD"}
    assert by_day(result, patient="P2") == {56: "SD"}


def test_5_4_pr_exactly_minus_30_percent_vs_baseline_includes_new_measurable_lesion():
    # 5.4: PR `rel(SLD, B) <= -0.30`, with SLD = targets + counted new lesions.
    # P1: B = 50; day 56 T1 25 + N1 10 (exactly 10 mm: measurable, counted) = 35: -30.00 %: PR.
    # P2: same but T1 26: 36 = -28.00 %: SD.
    text = """
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    {t1}   present
    56  N1     new    liver n    10   present
    """
    result = im(
        cohort(lesions(text.format(t1=25), patient_id="P1"), lesions(text.format(t1=26), patient_id="P2"))
    )
    assert by_day(result, "current_sum", "P1") == {56: 35.0}
    assert by_day(result, patient="P1") == {56: "PR"}
    assert by_day(result, patient="P2") == {56: "SD"}


# --- 5.4 new measurable lesions: measurability, caps, staying counted -------------------------------


def test_5_4_new_node_thresholds_and_nadir_of_zero():
    # 5.4 / 0.6 / 1.5: a new node counts in the sum from short axis >= 15 mm; 10 to < 15 mm is a new
    # non-measurable lesion (prevents CR, 5.5); < 10 mm is not a lesion (flag new_node_below_10mm).
    # B = T1 20. Day 56: T1 absent, U1 node 9 mm -> gone, no new lesion: CR (sum 0).
    # Day 112: U1 14.9 mm -> non-measurable new lesion present: PR (5.6 row 5), sum 0.
    # Day 168: U1 15 mm -> counted: SLD 15 vs nadir 0 (R = 0, 0.5: any S > 0 passes), +15 mm: PD.
    table = lesions("""
    day lesion role   organ      node long short status
    -7  T1     target lung       n    20   -     present
    56  T1     target lung       n    -    -     absent
    56  U1     new    lymph_node y    -    9     present
    112 T1     target lung       n    -    -     absent
    112 U1     new    lymph_node y    -    14.9  present
    168 T1     target lung       n    -    -     absent
    168 U1     new    lymph_node y    -    15    present
    """)
    result = im(table)
    assert by_day(result) == {56: "CR", 112: "PR", 168: "PD"}
    assert by_day(result, "current_sum") == {56: 0.0, 112: 0.0, 168: 15.0}
    assert "new_node_below_10mm" in flags_on(result, 56)


def test_5_4_new_lesion_measurability_follows_slice_thickness():
    # 0.6: min_nonnodal_mm = 2 x slice thickness when the slice is > 5 mm: 12 mm on a 6 mm slice.
    # Day 56: N1 11 mm on a 6 mm slice is not measurable: not counted (SLD = 40).
    # Day 112: N1 12 mm on a 6 mm slice is measurable: counted from here (SLD = 40 + 12 = 52).
    table = lesions("""
    day lesion role   organ node long status  slice_thickness_mm
    -7  T1     target lung  n    40   present 6
    56  T1     target lung  n    40   present 6
    56  N1     new    liver n    11   present 6
    112 T1     target lung  n    40   present 6
    112 N1     new    liver n    12   present 6
    """)
    assert by_day(im(table), "current_sum") == {56: 40.0, 112: 52.0}


def test_E1_total_cap_of_five_keeps_larger_values_then_lesion_id():
    # 5.4 / E1: at most 5 counted new lesions in total, 2 per organ, larger value first, then lesion_id.
    # Day 56: lung U1 20, U2 20; liver U3 15, U4 14; kidney U5 12, U6 12 (each organ within 2).
    # Ranked: 20 (U1), 20 (U2), 15, 14, 12 (U5), 12 (U6): U6 is the sixth and is not counted.
    # SLD = 60 + 20 + 20 + 15 + 14 + 12 = 141. Day 112: U6 grows to 40 but stays outside the sum:
    # SLD = 141 again (U6 is a new non-measurable lesion over the cap, which never defines PD).
    rows = ["day lesion role organ node long status", "-7 T1 target adrenal n 60 present"]
    sizes = {
        "U1": ("lung", 20),
        "U2": ("lung", 20),
        "U3": ("liver", 15),
        "U4": ("liver", 14),
        "U5": ("kidney", 12),
        "U6": ("kidney", 12),
    }
    for day, grown in ((56, 12), (112, 40)):
        rows.append(f"{day} T1 target adrenal n 60 present")
        for lid, (organ, size) in sizes.items():
            rows.append(f"{day} {lid} new {organ} n {grown if lid == 'U6' else size} present")
    result = im(lesions("\n".join(rows)))
    assert by_day(result, "current_sum") == {56: 141.0, 112: 141.0}
    assert by_day(result, "new_lesion_sum") == {56: 81.0, 112: 81.0}
    assert by_day(result) == {56: "PD", 112: "PD"}  # 141 vs nadir 60: +135 %, +81 mm; 112 confirms


def test_E1_total_cap_option_max_new_measurable():
    # E1 option: max_new_measurable = 1 -> only the larger of U1 (lung 15) and U2 (liver 12) is counted:
    # SLD = 50 + 15 = 65 (default: 50 + 15 + 12 = 77).
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target kidney n  50   present
    56  T1     target kidney n  50   present
    56  U1     new    lung   n  15   present
    56  U2     new    liver  n  12   present
    """)
    assert by_day(im(table), "current_sum") == {56: 77.0}
    assert by_day(im(table, max_new_measurable=1), "current_sum") == {56: 65.0}


def test_5_4_slots_fill_in_order_of_entry_and_counted_lesions_stay_counted():
    # 5.4: counted from the first assessment at which measurable; once counted they stay counted
    # (too_small 5, absent 0). B = T1 lung 50.
    # Day 56: liver N1 12, N2 11 counted: SLD 50 + 23 = 73 (+46 %, +23 mm vs 50: PD pending).
    # Day 84: N1 too_small (5), N2 absent (0), N3 liver 30 new: the liver slots are taken by N1 and N2,
    #   N3 is not counted. SLD 30 + 5 + 0 = 35: -30.00 % vs B: PR; decides day 56 (28 days): not confirmed.
    # Day 112: N1 row missing -> treated as not evaluable (0.2): sum incomplete; known 30 + 0 = 30 is not
    #   PD against nadir 35 (5.4): NE.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    50   present
    56  N1     new    liver n    12   present
    56  N2     new    liver n    11   present
    84  T1     target lung  n    30   present
    84  N1     new    liver n    -    too_small
    84  N2     new    liver n    -    absent
    84  N3     new    liver n    30   present
    112 T1     target lung  n    30   present
    112 N2     new    liver n    -    absent
    112 N3     new    liver n    40   present
    """)
    result = im(table)
    assert by_day(result) == {56: "PD", 84: "PR", 112: "NE"}
    assert by_day(result, "current_sum")[84] == 35.0
    assert by_day(result, "confirmation_state")[56] == "not_confirmed"
    assert not by_day(result, "sum_complete")[112]


def test_5_9_equivocal_new_lesion_not_counted_until_unequivocal():
    # 5.9: an equivocal new lesion is not counted until unequivocal (no back-dating rule in imRECIST).
    # B = 50. Day 56: N1 15 equivocal -> SLD 40. Day 112: N1 15 unequivocal -> SLD 40 + 15 = 55.
    table = lesions("""
    day lesion role   organ node long equivocal status
    -7  T1     target lung  n    50   n         present
    56  T1     target lung  n    40   y         present
    56  N1     new    liver n    15   y         present
    112 T1     target lung  n    40   n         present
    112 N1     new    liver n    15   n         present
    """)
    result = im(table)
    assert by_day(result, "current_sum") == {56: 40.0, 112: 55.0}
    # day 112: 55 vs nadir 40 = +37.50 %, +15 mm: PD (pending); day 56 SD stays SD.
    assert by_day(result) == {56: "SD", 112: "PD"}


# --- 5.4 missing values and the order of the categories ---------------------------------------------


def test_5_4_incomplete_sum_pd_if_known_part_is_pd_else_ne_and_never_a_nadir():
    # 5.4 first category. B = 30 + 20 = 50.
    # Day 56: T2 not evaluable, known 20: not PD vs 50 -> NE (5.6 row 2); 20 is NOT a nadir.
    # Day 112: 20 + 10 = 30: -40 % vs B: PR; nadir N(112) = 50 (day 56 incomplete).
    # Day 168: T2 not evaluable, known 40 vs nadir 30: +33.33 %, +10 mm -> PD.
    table = lesions("""
    day lesion role   organ  node long status
    -7  T1     target lung   n    30   present
    -7  T2     target liver  n    20   present
    56  T1     target lung   n    20   present
    56  T2     target liver  n    -    not_evaluable
    112 T1     target lung   n    20   present
    112 T2     target liver  n    10   present
    168 T1     target lung   n    40   present
    168 T2     target liver  n    -    not_evaluable
    """)
    result = im(table)
    assert by_day(result) == {56: "NE", 112: "PR", 168: "PD"}
    assert by_day(result, "nadir_sum")[112] == 50.0
    assert by_day(result, "nadir_sum")[168] == 30.0


def test_5_4_gone_is_tested_before_pd_for_normal_nodes():
    # 5.4 order: incomplete, gone, PD. Two target nodes 16 + 15 = 31.
    # Day 56: 5 + 4 = 9 (both < 10 mm: gone): CR. Day 112: 9 + 9 = 18: +100 %, +9 mm vs nadir 9 would be
    # PD, but every node is < 10 mm: gone comes first -> CR.
    table = lesions("""
    day lesion role   organ      node short status
    -7  T1     target lymph_node y    16    present
    -7  T2     target lymph_node y    15    present
    56  T1     target lymph_node y    5     present
    56  T2     target lymph_node y    4     present
    112 T1     target lymph_node y    9     present
    112 T2     target lymph_node y    9     present
    """)
    assert by_day(im(table)) == {56: "CR", 112: "CR"}


def test_5_6_row_4_gone_targets_with_non_target_not_evaluated_is_pr():
    # 5.6 row 4: gone, non-target NE -> PR (not NE; the sum is complete).
    table = lesions("""
    day lesion role       organ node long status
    -7  T1     target     lung  n    30   present
    -7  NT1    non_target bone  n    -    present
    56  T1     target     lung  n    -    absent
    56  NT1    non_target bone  n    -    not_evaluable
    """)
    assert by_day(im(table)) == {56: "PR"}


def test_5_4_no_reappearance_after_cr_rule_unlike_recist():
    # 5.4 "No reappearance-after-CR rule". B = T1 30, NT1 bone.
    # Day 56: all absent: CR. Day 112: NT1 present again: gone + non-target present -> PR (5.6 row 4);
    # RECIST 1.1 (1.8.1): non-target present again after CR -> PD.
    # Day 168 (imRECIST): T1 back at 3 mm: SLD 3 vs nadir 0: +3 mm < 5 mm, not PD; 3 vs B 30 = -90 %: PR.
    # Day 196: T1 8 mm: +8 mm over nadir 0 (R = 0: relative test passes): PD.
    table = lesions("""
    day lesion role       organ node long status
    -7  T1     target     lung  n    30   present
    -7  NT1    non_target bone  n    -    present
    56  T1     target     lung  n    -    absent
    56  NT1    non_target bone  n    -    absent
    112 T1     target     lung  n    -    absent
    112 NT1    non_target bone  n    -    present
    168 T1     target     lung  n    3    present
    168 NT1    non_target bone  n    -    absent
    196 T1     target     lung  n    8    present
    196 NT1    non_target bone  n    -    absent
    """)
    assert by_day(im(table)) == {56: "CR", 112: "PR", 168: "PR", 196: "PD"}
    assert by_day(registry()["recist11"].assess(study(table)))[112] == "PD"


# --- 5.5 what never defines PD -------------------------------------------------------------------------


def test_5_5_unequivocal_growth_of_new_nonmeasurable_lesion_is_not_pd_unlike_irrecist_default():
    # 5.5: new non-measurable lesions do not define PD. B = 40. U1 new lung nodule 6 mm (non-measurable).
    # Day 56: T1 36, U1 present: SLD 36, -10 %: SD. Day 112: U1 unequivocal_progression (8 mm, still
    # < 10 mm): imRECIST SD; irRECIST default (3.5 new_nonmeasurable_can_define_pd = True): irPD.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target liver n    40   present
    56  T1     target liver n    36   present
    56  U1     new    lung  n    6    present
    112 T1     target liver n    36   present
    112 U1     new    lung  n    8    unequivocal_progression
    """)
    assert by_day(im(table)) == {56: "SD", 112: "SD"}
    assert by_day(registry()["irrecist"].assess(study(table))) == {56: "irSD", 112: "irPD"}


def test_5_6_no_targets_counted_new_lesion_over_nadir_zero_is_pd_then_confirmed():
    # 5.6 last paragraph: no targets; counted new measurable lesions with SLD >= 5 mm over a nadir of 0: PD.
    # Day 56: U1 liver 12 -> SLD 12 vs nadir 0: PD pending. Day 84 (28 days): SLD 12 vs N(84) = 0: PD
    # again -> confirmed, progression day 56.
    table = lesions("""
    day lesion role       organ node long status
    -7  NT1    non_target bone  n    -    present
    56  NT1    non_target bone  n    -    present
    56  U1     new        liver n    12   present
    84  NT1    non_target bone  n    -    present
    84  U1     new        liver n    12   present
    """)
    result = im(table)
    assert by_day(result) == {56: "PD", 84: "PD"}
    assert by_day(result, "confirmation_state") == {56: "confirmed", 84: "confirms"}
    assert best(result)["progression_day"] == 56


def test_5_6_no_targets_non_target_not_evaluated_is_ne():
    # 5.6 last paragraph: NE when a non-target lesion is not evaluated (as RECIST 1.1 1.6.2).
    table = lesions("""
    day lesion role       organ node long status
    -7  NT1    non_target bone  n    -    present
    -7  NT2    non_target lung  n    -    present
    56  NT1    non_target bone  n    -    present
    56  NT2    non_target lung  n    -    not_evaluable
    """)
    assert by_day(im(table)) == {56: "NE"}


# --- 5.7 / 0.8 confirmation of PD --------------------------------------------------------------------

CONFIRM_WINDOW = """
day lesion role   organ node long status
-7  T1     target lung  n    25   present
-7  T2     target liver n    25   present
56  T1     target lung  n    35   present
56  T2     target liver n    25   present
83  T1     target lung  n    28   present
83  T2     target liver n    25   present
84  T1     target lung  n    35   present
84  T2     target liver n    26   present
"""


def test_0_8_assessment_27_days_later_does_not_decide_28_days_does():
    # 0.8: decided at the first evaluable assessment with day_j - day_i >= 28.
    # B = 50. Day 56: 60 (+20 %, +10 mm): PD pending. Day 83 (27 days): 53 = +6 % vs nadir 50: SD, does not
    # decide. Day 84 (28 days): 61 vs N(84) = 50: +22 %, +11 mm: PD -> confirms; progression day 56,
    # day 83 lies after the progression day.
    result = im(lesions(CONFIRM_WINDOW))
    assert by_day(result) == {56: "PD", 83: "SD", 84: "PD"}
    assert by_day(result, "confirmation_state") == {56: "confirmed", 83: "not_required", 84: "confirms"}
    assert by_day(result, "after_progression") == {56: False, 83: True, 84: True}
    assert best(result)["progression_day"] == 56


def test_5_7_bor_scope_all_sd_after_confirmed_pd_outranks_pd():
    # 5.7 bor_scope = "all": every assessment counts, after a confirmed PD too; ranking SD (day 83 >= 42)
    # above PD. With "until_confirmed_pd" only day 56 (the PD itself) is read: PD.
    assert best(im(lesions(CONFIRM_WINDOW)))["best_response"] == "SD"
    assert best(im(lesions(CONFIRM_WINDOW), bor_scope="until_confirmed_pd"))["best_response"] == "PD"


def test_5_11_confirm_min_days_option_moves_the_deciding_assessment():
    # Option confirm_min_days = 27: day 83 (27 days, SD) decides day 56: not confirmed; day 84 PD vs
    # nadir 50 is a new first PD, pending at the end of data: the PFS event at its day (5.7), with no
    # progression day (the "first PD of the confirmed pair", 5.7).
    result = im(lesions(CONFIRM_WINDOW), confirm_min_days=27)
    assert by_day(result, "confirmation_state") == {56: "not_confirmed", 83: "not_required", 84: "pending"}
    assert best(result)["pfs_day"] == 84 and best(result)["pfs_event"]
    assert pd.isna(best(result)["progression_day"])


def test_0_8_search_restarts_after_the_deciding_assessment():
    # 0.8: B = 50. Day 56: 62 (+24 %, +12): PD. Day 70: 63: PD (between, marked not_confirmed too).
    # Day 84 (28 days after 56): 45: SD -> the PD of day 56 is not confirmed.
    # Day 112: 56 vs nadir 45: +24.44 %, +11 mm: new first PD. Day 140: 57 vs 45: PD -> confirms.
    # Best response SD (day 84 >= 42); progression day 112; PFS event day 112.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    62   present
    70  T1     target lung  n    63   present
    84  T1     target lung  n    45   present
    112 T1     target lung  n    56   present
    140 T1     target lung  n    57   present
    """)
    result = im(table)
    assert by_day(result) == {56: "PD", 70: "PD", 84: "SD", 112: "PD", 140: "PD"}
    assert by_day(result, "confirmation_state") == {
        56: "not_confirmed",
        70: "not_confirmed",
        84: "not_required",
        112: "confirmed",
        140: "confirms",
    }
    row = best(result)
    assert (row["best_response"], row["progression_day"], row["pfs_day"]) == ("SD", 112, 112)
    assert row["pfs_event"]


def test_0_8_confirm_max_days_flags_a_late_deciding_assessment_that_still_decides():
    # 0.8 option confirm_max_days: B = 50. Day 56: 62 PD. Day 84: T1 not evaluable (NE, does not decide).
    # Day 140 (84 days after 56): 64 vs nadir 50: PD -> confirmed; with confirm_max_days = 56 the deciding
    # day 140 gets late_confirmation; without the option it does not.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    62   present
    84  T1     target lung  n    -    not_evaluable
    140 T1     target lung  n    64   present
    """)
    flagged = im(table, confirm_max_days=56)
    assert by_day(flagged, "confirmation_state") == {56: "confirmed", 84: "not_required", 140: "confirms"}
    assert "late_confirmation" in flags_on(flagged, 140)
    assert "late_confirmation" not in flags_on(im(table), 140)


# --- 5.7 best response, dates, response confirmation ------------------------------------------------


def test_5_7_min_sd_duration_41_versus_42_days_multi_patient():
    # 5.7 min_sd_days = 42: B = 50; SD (-10 %) on day 41 (P1) or 42 (P2), then a PD confirmed 28 days
    # later (60 then 61 vs nadir 45: +33 %, +15 mm).
    # P1: SD too early -> best response PD.  P2: SD counts -> best response SD.
    text = """
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    {d} T1     target lung  n    45   present
    70  T1     target lung  n    60   present
    98  T1     target lung  n    61   present
    """
    result = im(
        cohort(lesions(text.format(d=41), patient_id="P1"), lesions(text.format(d=42), patient_id="P2"))
    )
    assert best(result, "P1")["best_response"] == "PD"
    assert best(result, "P2")["best_response"] == "SD"
    assert best(result, "P1")["progression_day"] == 70


def test_5_7_non_cr_non_pd_needs_the_minimum_duration_too():
    # 5.7 ranking: NON-CR/NON-PD (min duration). Non-target-only patient seen on day 41 only -> NE;
    # seen on day 42 -> NON-CR/NON-PD.
    text = """
    day lesion role       organ node long status
    -7  NT1    non_target bone  n    -    present
    {d} NT1    non_target bone  n    -    present
    """
    result = im(
        cohort(lesions(text.format(d=41), patient_id="P1"), lesions(text.format(d=42), patient_id="P2"))
    )
    assert best(result, "P1")["best_response"] == "NE"
    assert best(result, "P2")["best_response"] == "NON-CR/NON-PD"


def test_5_7_pending_pd_is_a_pfs_event_unless_unconfirmed_pd_as_ne():
    # 5.7 / E5: B = 50. Day 56: 45 SD. Day 112: 60 vs nadir 45 (+33 %, +15 mm): PD pending at the end.
    # Default: best response SD (day 56), PFS event at day 112. "ne": SD, no PFS event.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    45   present
    112 T1     target lung  n    60   present
    """)
    default = best(im(table))
    assert (default["best_response"], bool(default["pfs_event"]), default["pfs_day"]) == ("SD", True, 112)
    option = best(im(table, unconfirmed_pd_as="ne"))
    assert option["best_response"] == "SD"
    assert not option["pfs_event"]


def test_5_7_duration_of_response_runs_to_the_confirmed_progression_day():
    # 5.7 dates. B = 50. Day 56: 30 (-40 %): PR. Day 112: 40 vs nadir 30 (+33 %, +10 mm): PD.
    # Day 140: 41: PD again -> confirmed, progression day 112. Duration = 112 - 56 = 56 days.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    30   present
    112 T1     target lung  n    40   present
    140 T1     target lung  n    41   present
    """)
    row = best(im(table))
    assert (row["best_response"], row["first_response_day"], row["progression_day"]) == ("PR", 56, 112)
    assert row["duration_of_response_days"] == 56


def test_0_7_response_confirmation_ne_between_and_max_ne_between_option():
    # 0.7 with confirm_response = True: B = 50. Day 56: 30 (PR). Day 84: T1 not evaluable (NE).
    # Day 112: 30 (PR), 56 days later -> confirmed (one NE between is accepted).
    # max_ne_between = 0: not confirmed -> best_response_confirmed SD (PR at day >= 42 counted as SD).
    # best_response (without confirmation) stays PR in both.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    30   present
    84  T1     target lung  n    -    not_evaluable
    112 T1     target lung  n    30   present
    """)
    on = best(im(table, confirm_response=True))
    assert (on["best_response"], on["best_response_confirmed"]) == ("PR", "PR")
    off = best(im(table, confirm_response=True, max_ne_between=0))
    assert (off["best_response"], off["best_response_confirmed"]) == ("PR", "SD")


def test_0_7_pr_confirmed_needs_28_days():
    # 0.7: confirm_min_days 28. PR on day 56 and day 83 (27 days): not confirmed -> confirmed best SD.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    30   present
    83  T1     target lung  n    30   present
    """)
    assert best(im(table))["best_response_confirmed"] == "SD"


# --- reasons and readers -------------------------------------------------------------------------------


def test_0_10_pd_reason_names_numbers_rule_and_imrecist():
    # 0.10: the reason names the numbers and the rule with its source. B = 25 -> 30: +20.00 %, +5 mm.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    25   present
    56  T1     target lung  n    30   present
    """)
    reason = by_day(im(table), "reason")[56]
    for fragment in ("30 mm", "25 mm", "+20.00%", "imRECIST", "pending"):
        assert fragment in reason


def test_5_5_non_target_progression_reason_says_it_does_not_define_pd():
    # 5.5: flag nt_progression_not_pd, and the reason says why the call is not PD.
    table = lesions("""
    day lesion role       organ node long status
    -7  T1     target     lung  n    40   present
    -7  NT1    non_target bone  n    -    present
    56  T1     target     lung  n    38   present
    56  NT1    non_target bone  n    -    unequivocal_progression
    """)
    result = im(table)
    assert by_day(result) == {56: "SD"}
    assert "nt_progression_not_pd" in flags_on(result, 56)
    assert "non-target" in by_day(result, "reason")[56]


def test_multi_reader_rows_are_assessed_separately():
    # One patient read by two readers: each reader's assessments are a separate subject (0.9 rows per
    # patient x reader). R1: 50 -> 30 (-40 %): PR. R2: 50 -> 40 (-20 %): SD.
    table = lesions("""
    day lesion role   organ node long status  reader
    -7  T1     target lung  n    50   present R1
    56  T1     target lung  n    30   present R1
    -7  T1     target lung  n    50   present R2
    56  T1     target lung  n    40   present R2
    """)
    result = im(table)
    rows = result.best_response.set_index("reader")["best_response"].to_dict()
    assert rows == {"R1": "PR", "R2": "SD"}


# --- section 8: the five criteria side by side on one table -------------------------------------------

SIDE_BY_SIDE = """
day lesion role       organ node long perp status  patient
-7  T1     target     liver n    40   20   present P1
56  T1     target     liver n    24   20   present P1
112 T1     target     liver n    24   20   present P1
-7  T1     target     lung  n    20   10   present P2
56  T1     target     lung  n    24   11   present P2
112 T1     target     lung  n    24   11   present P2
-7  T1     target     liver n    40   30   present P3
56  T1     target     liver n    24   18   present P3
56  U1     new        lung  n    12   10   present P3
112 T1     target     liver n    24   18   present P3
112 U1     new        lung  n    12   10   present P3
-7  T1     target     liver n    40   30   present P4
-7  NT1    non_target bone  n    -    -    present P4
56  T1     target     liver n    36   27   present P4
56  NT1    non_target bone  n    -    -    unequivocal_progression P4
112 T1     target     liver n    36   27   present P4
112 NT1    non_target bone  n    -    -    unequivocal_progression P4
-7  T1     target     lung  n    25   10   present P5
-7  T2     target     liver n    15   10   present P5
56  T1     target     lung  n    22   10   present P5
56  T2     target     liver n    13   10   present P5
112 T1     target     lung  n    30   10   present P5
112 T2     target     liver n    20   10   present P5
140 T1     target     lung  n    31   10   present P5
140 T2     target     liver n    20   10   present P5
196 T1     target     lung  n    12   5    present P5
196 T2     target     liver n    6    5    present P5
224 T1     target     lung  n    12   5    present P5
224 T2     target     liver n    6    5    present P5
-7  T1     target     liver n    40   20   present P6
35  T1     target     liver n    36   20   present P6
"""

# Hand derivation per patient (section 8 rows; products in mm2 for irRC):
# P1 PR threshold: 40 -> 24 = -40 %: PR (RECIST, irRECIST, iRECIST, imRECIST); irRC 800 -> 480 = -40 %,
#    not <= -50 %: irSD.
# P2 PD threshold: 20 -> 24 = +20 % but +4 mm: SD everywhere unidimensional; irRC 200 -> 264 = +32 %
#    (>= 25 %, no absolute minimum): irPD on day 56, again on day 112 (vs nadir 200): confirmed.
# P3 new lesion: RECIST PD (new lesion); imRECIST / irRECIST sum 24 + 12 = 36 = -10 %: SD / irSD;
#    iRECIST iUPD on 56; day 112 no new-lesion growth and targets not smaller (24 = 24): no iCPD, no reset
#    (4.6 R3): iUPD, iBOR iUPD; irRC 432 + 120 = 552 = -54 %: irPR, confirmed on 112.
# P4 non-target: RECIST PD; irRC ignores it: 972 / 1200 = -19 %: irSD; irRECIST default irPD, confirmed
#    on day 112; iRECIST iUPD on 56; imRECIST SD (ignored).
# P5 best-response window: B 40; day 56 35 (SD); day 112 50 vs 35 (+42.9 %, +15 mm) PD; day 140 51 PD
#    (confirms, imRECIST / irRECIST / irRC: 510 vs 350 +45.7 %); day 196 18 = -55 % (PR); day 224 PR.
#    RECIST best SD (up to first PD); irRC irSD and irRECIST irSD (up to confirmed PD);
#    imRECIST PR (all assessments); iRECIST: day 140 S 51 - 50 < 5 mm and still PD vs nadir 35: iUPD;
#    day 196 S 18 not PD, no new lesion: reset -> iPR; iBOR iPR.
# P6 minimum SD: a single SD on day 35 < 42: NE everywhere.
EXPECTED_BEST = {
    "P1": {"recist11": "PR", "irrc": "irSD", "irrecist": "irPR", "irecist": "iPR", "imrecist": "PR"},
    "P2": {"recist11": "SD", "irrc": "irPD", "irrecist": "irSD", "irecist": "iSD", "imrecist": "SD"},
    "P3": {"recist11": "PD", "irrc": "irPR", "irrecist": "irSD", "irecist": "iUPD", "imrecist": "SD"},
    "P4": {"recist11": "PD", "irrc": "irSD", "irrecist": "irPD", "irecist": "iUPD", "imrecist": "SD"},
    "P5": {"recist11": "SD", "irrc": "irSD", "irrecist": "irSD", "irecist": "iPR", "imrecist": "PR"},
    "P6": {"recist11": "NE", "irrc": "NE", "irrecist": "NE", "irecist": "NE", "imrecist": "NE"},
}


@pytest.fixture(scope="module")
def side_by_side():
    return run(study(lesions(SIDE_BY_SIDE)), ANATOMIC, patterns=False)


@pytest.mark.parametrize("patient", sorted(EXPECTED_BEST))
def test_8_best_response_of_each_criterion_side_by_side(side_by_side, patient):
    table = side_by_side.best_response
    rows = table[table["patient_id"] == patient]
    assert dict(zip(rows["criterion"], rows["best_response"], strict=True)) == EXPECTED_BEST[patient]


def test_8_measurement_row_current_sum_per_criterion(side_by_side):
    # Section 8 "Measurement" / 0.9 current_sum: P3 day 56. RECIST targets 24; irRC (24 x 18) + (12 x 10)
    # = 552 mm2; irRECIST TMTB 36; iRECIST targets 24 with new-lesion-target sum 12; imRECIST 36.
    tp = side_by_side.timepoints
    rows = tp[(tp["patient_id"] == "P3") & (tp["day"] == 56)].set_index("criterion")
    assert rows["current_sum"].to_dict() == {
        "recist11": 24.0,
        "irrc": 552.0,
        "irrecist": 36.0,
        "irecist": 24.0,
        "imrecist": 36.0,
    }
    assert rows.loc["irrc", "sum_unit"] == "mm2"
    assert rows.loc["irecist", "new_lesion_sum"] == 12.0
    assert rows.loc["imrecist", "new_lesion_sum"] == 12.0


def test_8_confirmation_of_pd_and_progression_days(side_by_side):
    # Section 8 "Confirmation of PD": P2 irRC irPD confirmed (progression day 56); P4 irRECIST irPD
    # confirmed by the non-target again on day 112 (progression day 56); P5 imRECIST progression day 112
    # with a PR afterwards; RECIST P5 progression day 112 without confirmation.
    best_rows = side_by_side.best_response.set_index(["patient_id", "criterion"])
    assert best_rows.loc[("P2", "irrc"), "progression_day"] == 56
    assert best_rows.loc[("P4", "irrecist"), "progression_day"] == 56
    assert best_rows.loc[("P5", "imrecist"), "progression_day"] == 112
    assert best_rows.loc[("P5", "recist11"), "progression_day"] == 112
    tp = side_by_side.timepoints
    p4 = tp[(tp["patient_id"] == "P4") & (tp["day"] == 56)].set_index("criterion")["overall_response"]
    assert p4.to_dict() == {
        "recist11": "PD",
        "irrc": "irSD",
        "irrecist": "irPD",
        "irecist": "iUPD",
        "imrecist": "SD",
    }


def test_8_compare_reclassifies_against_recist(side_by_side):
    # api.Result.compare: side-by-side best responses; imRECIST vs RECIST 1.1 moves:
    # PD -> SD for P3 and P4 (new lesion, non-target progression), SD -> PR for P5 (response after PD).
    comparison = side_by_side.compare()
    assert list(comparison.wide.columns[-5:]) == ANATOMIC
    assert len(comparison.wide) == 6
    cells = comparison.cells
    moves = cells[(cells["criterion"] == "imrecist") & cells["reclassified"]]
    got = {(r["recist11_response"], r["response"]): (r["n"], r["patients"]) for _, r in moves.iterrows()}
    assert got == {("PD", "SD"): (2, "P3, P4"), ("SD", "PR"): (1, "P5")}
    matrix = comparison.matrices["imrecist"]
    assert matrix.loc["PD", "SD"] == 2
    assert matrix.loc["PR", "PR"] == 1
    assert int(matrix.to_numpy().sum()) == 6


def test_8_options_reach_only_the_criteria_that_accept_them():
    # bor_scope is an imRECIST option (5.11); passed through api.run beside the others it changes only
    # imRECIST: P5 then reads up to the confirmed PD -> SD (day 56).
    result = run(study(lesions(SIDE_BY_SIDE)), ANATOMIC, patterns=False, bor_scope="until_confirmed_pd")
    rows = result.best_response[result.best_response["patient_id"] == "P5"]
    assert dict(zip(rows["criterion"], rows["best_response"], strict=True)) == {
        **EXPECTED_BEST["P5"],
        "imrecist": "SD",
    }
    assert isinstance(result.best_response, pd.DataFrame)


# --- more section 5 rules ---------------------------------------------------------------------------


def test_5_4_counted_new_node_back_under_10_mm_is_gone():
    # 5.4 gone: all targets and counted new lesions absent, nodes < 10 mm. B = T1 20.
    # Day 56: T1 absent, U1 new node 16 mm (>= 15: counted): SLD 16 = -20 % vs B, not PD vs 20: SD.
    # Day 112: U1 8 mm (< 10 mm, still counted, value 8): gone -> CR, current_sum 8.
    table = lesions("""
    day lesion role   organ      node long short status
    -7  T1     target lung       n    20   -     present
    56  T1     target lung       n    -    -     absent
    56  U1     new    lymph_node y    -    16    present
    112 T1     target lung       n    -    -     absent
    112 U1     new    lymph_node y    -    8     present
    """)
    result = im(table)
    assert by_day(result) == {56: "SD", 112: "CR"}
    assert by_day(result, "current_sum") == {56: 16.0, 112: 8.0}


def test_0_7_cr_followed_by_pr_is_downgraded_for_confirmation_only():
    # 0.7: a CR whose next evaluable assessment is PR is read as PR (flag cr_downgraded_to_pr); imRECIST
    # has no reappearance rule (5.4), so the CR-PR sequence stays. B = 30.
    # Day 56: T1 absent: CR. Day 84: T1 3 mm: +3 mm over nadir 0 (< 5 mm, not PD), -90 % vs B: PR.
    # best_response (no confirmation) CR; confirmed: day 56 read as PR, confirmed by day 84 (28 days): PR.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    30   present
    56  T1     target lung  n    -    absent
    84  T1     target lung  n    3    present
    """)
    result = im(table, confirm_response=True)
    assert by_day(result) == {56: "CR", 84: "PR"}
    assert "cr_downgraded_to_pr" in flags_on(result, 56)
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("CR", "PR")


def test_5_7_not_confirmed_pd_is_skipped_even_when_nothing_else_counts():
    # 5.7: not-confirmed PD rows are skipped. B = 50. Day 10: 62 (+24 %, +12 mm): PD. Day 38 (28 days):
    # 45 (SD) decides: not confirmed. SD on day 38 < 42 does not count -> best response NE, no PFS event.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    10  T1     target lung  n    62   present
    38  T1     target lung  n    45   present
    """)
    result = im(table)
    assert by_day(result, "confirmation_state")[10] == "not_confirmed"
    row = best(result)
    assert row["best_response"] == "NE"
    assert not row["pfs_event"]


def test_E2_until_confirmed_pd_still_reads_past_a_not_confirmed_pd():
    # E2 option "until_confirmed_pd" stops only at a confirmed PD: in M1 (spec 5.10) the PD of day 56 is
    # not confirmed (day 84: 42 mm, SD), so PR on days 140 and 168 still count: best response PR.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    30   present
    -7  T2     target liver n    25   present
    56  T1     target lung  n    38   present
    56  T2     target liver n    30   present
    84  T1     target lung  n    24   present
    84  T2     target liver n    18   present
    140 T1     target lung  n    18   present
    140 T2     target liver n    16   present
    168 T1     target lung  n    17   present
    168 T2     target liver n    15   present
    """)
    assert best(im(table, bor_scope="until_confirmed_pd"))["best_response"] == "PR"


def test_0_2_baseline_is_the_latest_assessment_on_or_before_day_0():
    # 0.2: baseline = latest assessment with day <= 0 (here day 0, 50 mm; day -10 is pre-baseline).
    # Day 56: 35 = -30.00 % vs 50: PR (against the ignored 40 it would be -12.5 %, SD).
    table = lesions("""
    day lesion role   organ node long status
    -10 T1     target lung  n    40   present
    0   T1     target lung  n    50   present
    56  T1     target lung  n    35   present
    """)
    result = im(table)
    assert by_day(result) == {56: "PR"}
    assert by_day(result, "baseline_sum") == {56: 50.0}


def test_0_2_missing_target_row_is_not_evaluable():
    # 0.2: a baseline lesion with no row at a follow-up is not evaluable: sum incomplete; known 20 is not PD
    # vs nadir 50 -> NE.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    30   present
    -7  T2     target liver n    20   present
    56  T1     target lung  n    20   present
    """)
    result = im(table)
    assert by_day(result) == {56: "NE"}
    assert not by_day(result, "sum_complete")[56]


def test_0_4_too_small_target_counts_5_mm_and_split_fragments_add_up():
    # 0.4: too_small = 5 mm (not gone: PR, not CR); split lesion: fragment values are summed.
    # B = 30 + 30 = 60. Day 56: T1 too_small (5) + T2 fragments 10 + 12 = 27: -55 % vs B: PR.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    30   present
    -7  T2     target liver n    30   present
    56  T1     target lung  n    -    too_small
    56  T2     target liver n    10   present
    56  T2     target liver n    12   present
    """)
    result = im(table)
    assert by_day(result, "current_sum") == {56: 27.0}
    assert by_day(result) == {56: "PR"}


def test_5_6_no_targets_new_nonmeasurable_lesion_is_non_cr_non_pd_then_cr():
    # 5.6 last paragraph: CR when every non-target and new lesion is absent, else NON-CR/NON-PD.
    # Day 56: NT1 absent, U1 new 6 mm (non-measurable) present: NON-CR/NON-PD. Day 112: all absent: CR.
    table = lesions("""
    day lesion role       organ node long status
    -7  NT1    non_target bone  n    -    present
    56  NT1    non_target bone  n    -    absent
    56  U1     new        lung  n    6    present
    112 NT1    non_target bone  n    -    absent
    112 U1     new        lung  n    -    absent
    """)
    assert by_day(im(table)) == {56: "NON-CR/NON-PD", 112: "CR"}


# --- section 0 / 1.2 flags the five criteria share (spec 0.2, 0.4, 1.2; 2.2, 3.2, 4.2, 5.2) ------------

def _flag_case(criterion, flag):
    return pytest.param(criterion, flag[0], id=f"{criterion}-{flag[0]}")


FLAG_TABLE = """
day lesion role   organ node long perp status
-40 T1     target bone  n    40   20   present
56  T1     target bone  n    30   20   too_small
"""


@pytest.mark.parametrize(
    ("criterion", "flag"),
    [_flag_case(c, ("baseline_older_than_28_days", "0.2")) for c in ANATOMIC]
    + [
        _flag_case(c, ("bone_target_check_soft_tissue_component", "1.2 (2.2, 3.2, 4.2, 5.2)"))
        for c in ANATOMIC
    ]
    + [_flag_case(c, ("too_small_with_measurement", "0.4")) for c in ANATOMIC],
)
def test_0_shared_flags_under_every_criterion(criterion, flag):
    # 0.2: baseline on day -40 < -28 -> flag baseline_older_than_28_days ("Conventions shared by the five
    # criteria"). 1.2: a target with organ "bone" gets bone_target_check_soft_tissue_component (5.2, 3.2,
    # 4.2: "same as RECIST 1.1 (1.2)"; 2.2 irRC: "Bone and cysts: flags only, as in 1.2").
    # 0.4: too_small with a measurement on the row -> status wins (5 mm) and too_small_with_measurement;
    # irRC too (its product 25 mm2 wins): the measurement the user gave is not dropped without a word.
    result = run(study(lesions(FLAG_TABLE)), [criterion], patterns=False)
    flags = result.timepoints["flags"].iloc[0]
    assert flag in flags.split(";")


@pytest.mark.parametrize("criterion", ["recist11", "irrecist", "irecist", "imrecist"])
def test_0_4_too_small_status_wins_over_a_measurement(criterion):
    # 0.4: the status wins: 5 mm, not the 30 mm written on the row. B = 40 -> 5: -87.5 %.
    result = run(study(lesions(FLAG_TABLE)), [criterion], patterns=False)
    assert result.timepoints["current_sum"].iloc[0] == 5.0


def test_0_1_new_nodes_of_different_sites_are_one_organ_for_the_cap():
    # 0.1: rows with lymph_node = true count as the organ "lymph node" whatever `organ` says; E1: 2 per
    # organ. Day 56: new nodes U1 neck 20, U2 axilla 18, U3 mediastinum 16 (all >= 15 mm): only U1 and U2
    # are counted: SLD = 50 + 20 + 18 = 88.
    table = lesions("""
    day lesion role   organ       node long short status
    -7  T1     target liver       n    50   -     present
    56  T1     target liver       n    50   -     present
    56  U1     new    neck        y    -    20    present
    56  U2     new    axilla      y    -    18    present
    56  U3     new    mediastinum y    -    16    present
    """)
    assert by_day(im(table), "current_sum") == {56: 88.0}


def test_1_5_new_node_under_10_mm_is_not_a_new_lesion_in_the_output():
    # 1.5 (as used by 5.5): a new node < 10 mm is not a lesion: new_lesion_response "no"; 12 mm: "yes".
    table = lesions("""
    day lesion role   organ      node long short status
    -7  T1     target liver      n    50   -     present
    56  T1     target liver      n    50   -     present
    56  U1     new    lymph_node y    -    9     present
    112 T1     target liver      n    50   -     present
    112 U1     new    lymph_node y    -    12    present
    """)
    assert by_day(im(table), "new_lesion_response") == {56: "no", 112: "yes"}


def test_0_5_relative_change_against_zero_is_reported_empty():
    # 0.5: R = 0 -> rel reported as empty; the absolute change still applies. No targets (B = 0); day 56
    # U1 counted at 12 mm: pct_change_nadir empty, abs_change_nadir +12, PD.
    table = lesions("""
    day lesion role       organ node long status
    -7  NT1    non_target bone  n    -    present
    56  NT1    non_target bone  n    -    present
    56  U1     new        liver n    12   present
    """)
    result = im(table)
    assert pd.isna(by_day(result, "pct_change_nadir")[56])
    assert by_day(result, "abs_change_nadir")[56] == 12.0
    assert by_day(result) == {56: "PD"}


def test_8_compare_with_readers_and_confirmed_column():
    # api.compare: one row per patient x reader; moves name "patient (reader)". R1: 50 -> 30 (PR) ->
    # 30 on day 84 (PR, confirmed 28 days later); R2: 50 -> 30 -> 45 (PR then SD).
    # recist11 vs imrecist agree on these tables; with column="best_response_confirmed": R1 PR, R2 SD.
    table = lesions("""
    day lesion role   organ node long status  reader
    -7  T1     target lung  n    50   present R1
    56  T1     target lung  n    30   present R1
    84  T1     target lung  n    30   present R1
    -7  T1     target lung  n    50   present R2
    56  T1     target lung  n    30   present R2
    84  T1     target lung  n    45   present R2
    """)
    result = run(study(table), ["recist11", "imrecist"], patterns=False)
    comparison = result.compare(confirmed=True)
    wide = comparison.wide.set_index("reader")
    assert wide["imrecist"].to_dict() == {"R1": "PR", "R2": "SD"}
    assert wide["recist11"].to_dict() == {"R1": "PR", "R2": "SD"}
    assert not comparison.cells["reclassified"].any()


def test_5_7_dates_of_a_response_that_follows_a_confirmed_pd(side_by_side):
    # 5.7 / 1.7 dates, P5 of the side-by-side table: progression day 112 (confirmed by day 140) is a PFS
    # event; the first PR is day 196, after it, so no progression follows the response: duration censored
    # at the last evaluable assessment, 224 - 196 = 28 days.
    row = side_by_side.best_response.set_index(["patient_id", "criterion"]).loc[("P5", "imrecist")]
    assert (row["best_response"], row["bor_day"], row["first_response_day"]) == ("PR", 196, 196)
    assert row["pfs_event"] and row["pfs_day"] == 112
    assert row["duration_of_response_days"] == 28


def test_5_6_row_4_gone_targets_with_unequivocal_non_target_progression_is_pr():
    # 5.6 row 4: gone + non-target unequivocal progression -> PR (5.5: it never defines PD).
    table = lesions("""
    day lesion role       organ node long status
    -7  T1     target     lung  n    30   present
    -7  NT1    non_target bone  n    -    present
    56  T1     target     lung  n    -    absent
    56  NT1    non_target bone  n    -    unequivocal_progression
    """)
    result = im(table)
    assert by_day(result) == {56: "PR"}
    assert "nt_progression_not_pd" in flags_on(result, 56)


def test_8_user_table_through_ioresponse_assess_gives_the_same_side_by_side_answers():
    # The side-by-side table as a plain user DataFrame (DESIGN.md columns) through ioresponse.assess with
    # an explicit list of the five criteria: same best responses as derived by hand above.
    import ioresponse

    columns = [
        "patient_id",
        "day",
        "lesion_id",
        "role",
        "organ",
        "lymph_node",
        "long_axis_mm",
        "perpendicular_mm",
        "status",
    ]
    table = lesions(SIDE_BY_SIDE)[columns].copy()
    table["lymph_node"] = table["lymph_node"].astype(bool)
    result = ioresponse.assess(pd.DataFrame(table), criteria=ANATOMIC)
    got = {
        (p, c): b
        for p, c, b in zip(
            result.best_response["patient_id"],
            result.best_response["criterion"],
            result.best_response["best_response"],
            strict=True,
        )
    }
    expected = {(p, c): b for p, row in EXPECTED_BEST.items() for c, b in row.items()}
    assert got == expected


def test_0_8_reason_of_a_pd_between_first_pd_and_its_decider_after_an_sd():
    # 0.8: B = 50. Day 56: 62 PD (first PD). Day 63: 50 SD (7 days, does not decide). Day 70: 62 PD (between).
    # Day 84 (28 days after 56): 45 SD decides day 56: not confirmed, and the PD of day 70 too ("PD rows
    # between i and j are marked not_confirmed"). The search restarts after day 84: day 98 (45, SD) has no
    # PD to decide, so its reason must not say it decides one, and day 70 is not decided by day 98.
    table = lesions("""
    day lesion role   organ node long status
    -7  T1     target lung  n    50   present
    56  T1     target lung  n    62   present
    63  T1     target lung  n    50   present
    70  T1     target lung  n    62   present
    84  T1     target lung  n    45   present
    98  T1     target lung  n    45   present
    """)
    result = im(table)
    assert by_day(result, "confirmation_state")[70] == "not_confirmed"  # passes today
    reasons = by_day(result, "reason")
    assert "decides PD of day 56" in reasons[84]
    assert "day 98" not in reasons[70]
    assert "decides" not in reasons[98]
