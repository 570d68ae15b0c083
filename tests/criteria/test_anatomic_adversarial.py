"""Third-round adversarial audit of RECIST 1.1, irRC, irRECIST and imRECIST (spec/anatomic.md 0, 1, 2, 3, 5).

Long, messy lesion histories as a trial produces them (5-8 assessments): split and merged lesions, too
small lesions in sums and nadirs, nodes crossing 10 mm back and forth, missing rows, pre-baseline scans,
NE between two PDs, second PD episodes, new lesions entering the immune burdens at different visits and
hitting the caps, non-target-only patients, several patients and readers in one table.

Every expected value is traced by hand from the spec text (section named at each step); nothing is
copied from the code's output. Baselines on day -7 unless stated; ``min_sd_days = 42`` (default).
"""

from __future__ import annotations

import math

import pytest
from _lesions import cohort, lesions, study

from ioresponse.criteria import imrecist, irrc, irrecist, recist11

MODULES = {"recist11": recist11, "irrc": irrc, "irrecist": irrecist, "imrecist": imrecist}


def run(key, table, **options):
    return MODULES[key].assess(study(table), **options)


def at(result, column="overall_response", patient="P1", reader=""):
    """One timepoint column of one subject (patient x reader), keyed by day."""
    tp = result.timepoints
    rows = tp[(tp["patient_id"] == patient) & (tp["reader"].astype(str) == reader)]
    return dict(zip(rows["day"].astype(int), rows[column], strict=True))


def bor(result, patient="P1", reader=""):
    """The best-response row of one subject."""
    table = result.best_response
    rows = table[(table["patient_id"] == patient) & (table["reader"].astype(str) == reader)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def isnan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# =================================================================================================
# Split, merged and too-small lesions inside sums and at the PD threshold (0.4, 0.5, 1.4)
# =================================================================================================

SPLIT_WITH_NE_FRAGMENT = """
day lesion role       organ node long status
-7  T1     target     liver n    40   present
-7  T2     target     lung  n    20   present
-7  NT1    non_target bone  n    -    present
56  T1     target     liver n    15   present
56  T1     target     liver n    12   present
56  T2     target     lung  n    14   present
56  NT1    non_target bone  n    -    present
112 T1     target     liver n    12   present
112 T1     target     liver n    10   present
112 T2     target     lung  n    12   present
112 NT1    non_target bone  n    -    present
168 T1     target     liver n    16   present
168 T1     target     liver n    -    not_evaluable
168 T2     target     lung  n    13   present
168 NT1    non_target bone  n    -    present
224 T1     target     liver n    20   present
224 T1     target     liver n    12   present
224 T2     target     lung  n    13   present
224 NT1    non_target bone  n    -    present
280 T1     target     liver n    20   present
280 T1     target     liver n    14   present
280 T2     target     lung  n    13   present
280 NT1    non_target bone  n    -    present
"""


def test_recist_split_lesion_fragments_sum_and_a_not_evaluable_fragment_makes_the_sum_incomplete():
    # B = 40 + 20 = 60 (1.3).
    # 56: T1 = 15 + 12 = 27 (0.4 split: fragments summed); S = 27 + 14 = 41; (41-60)/60 = -31.67 % <= -30 %:
    #     target PR (1.4 step 4); NT1 present: NON-CR/NON-PD; overall PR (1.6.1 row 8).
    # 112: T1 = 12 + 10 = 22; S = 34; N(112) = min(60, 41) = 41; -43.33 % vs B: PR.
    # 168: one T1 fragment not_evaluable -> T1 value missing -> sum incomplete (0.4, 0.5); known 16 + 13 = 29;
    #     PD needs >= 1.2 x N(168) = 1.2 x 34 = 40.8: not met -> target NE (1.4 step 1) -> overall NE (row 5).
    # 224: T1 = 20 + 12 = 32; S = 45; N(224) = 34 (the incomplete sum of 168 never enters the nadir, 0.5);
    #     +11 mm, +32.35 % -> PD (1.4 step 3).
    # 280: T1 = 34; S = 47 vs N = 34: PD, after progression (1.8.4).
    # Best (1.7): PR (day 56) without confirmation; PR 56 -> PR 112 (56 >= 28 days): confirmed PR.
    # progression day 224; duration of response 224 - 56 = 168; PFS event on day 224.
    result = run("recist11", lesions(SPLIT_WITH_NE_FRAGMENT))
    assert at(result) == {56: "PR", 112: "PR", 168: "NE", 224: "PD", 280: "PD"}
    current = at(result, "current_sum")
    assert (current[56], current[112], current[224], current[280]) == (41.0, 34.0, 45.0, 47.0)
    assert isnan(current[168])
    assert at(result, "nadir_sum") == {56: 60.0, 112: 41.0, 168: 34.0, 224: 34.0, 280: 34.0}
    assert at(result, "target_response")[168] == "NE"
    assert "T1" in at(result, "reason")[168]
    assert at(result, "after_progression") == {56: False, 112: False, 168: False, 224: False, 280: True}
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("PR", "PR")
    assert (row["first_response_day"], row["progression_day"]) == (56, 224)
    assert row["duration_of_response_days"] == 168
    assert row["pfs_event"] and row["pfs_day"] == 224


def test_imrecist_split_lesion_ne_fragment_does_not_decide_and_the_pd_is_confirmed_later():
    # Same table under imRECIST (no new lesions: SLD = target sum, 5.4): PR 56, PR 112, NE 168 (incomplete,
    # known 29 not PD vs 34), PD 224 (45 vs 34: +32.35 %, +11 mm) pending (5.7).
    # 0.8: the first evaluable assessment >= 28 days after 224 is 280 (56 days): 47 vs N(280) = 34, +38.24 %,
    # +13 mm: PD again -> confirmed, progression day 224; 280 "confirms".
    result = run("imrecist", lesions(SPLIT_WITH_NE_FRAGMENT))
    assert at(result) == {56: "PR", 112: "PR", 168: "NE", 224: "PD", 280: "PD"}
    assert at(result, "confirmation_state")[224] == "confirmed"
    assert at(result, "confirmation_state")[280] == "confirms"
    row = bor(result)
    assert (row["best_response"], row["progression_day"], row["pfs_day"]) == ("PR", 224, 224)
    assert row["duration_of_response_days"] == 168  # 224 - 56 (5.7: to the progression that follows)


MERGED = """
day lesion role   organ node long merged_into status
-7  T1     target liver n    20   -           present
-7  T2     target liver n    15   -           present
-7  T3     target lung  n    15   -           present
56  T1     target liver n    14   -           present
56  T2     target liver n    11   -           present
56  T3     target lung  n    10   -           present
84  T1     target liver n    14   -           present
84  T2     target liver n    11   -           present
84  T3     target lung  n    10   -           present
112 T1     target liver n    25   -           present
112 T2     target liver n    -    T1          absent
112 T3     target lung  n    9    -           present
140 T1     target liver n    26   -           present
140 T2     target liver n    -    T1          absent
140 T3     target lung  n    8    -           present
168 T1     target liver n    31   -           present
168 T2     target liver n    -    T1          absent
168 T3     target lung  n    9    -           present
196 T1     target liver n    32   -           present
196 T2     target liver n    -    T1          absent
196 T3     target lung  n    9    -           present
"""


def test_recist_merged_lesions_conglomerate_in_the_sum_at_the_pr_boundary_and_the_pd_threshold():
    # B = 20 + 15 + 15 = 50.
    # 56: 14 + 11 + 10 = 35: (35 - 50)/50 = -0.30 exactly -> PR (0.5: rel <= -0.30). 84: 35 again: PR.
    # 112: T1 and T2 coalesced (0.4): conglomerate 25 on T1, T2 absent (merged_into T1); S = 25 + 0 + 9 = 34:
    #      -32 % PR; N(112) = 35.   140: 26 + 0 + 8 = 34: PR; N(140) = 34.
    # 168: 31 + 9 = 40 vs N = 34: +6 mm but +17.65 % (< 20 %): not PD; -20 % vs B: SD.
    # 196: 32 + 9 = 41 vs N(196) = 34 (40 > 34): +7 mm, +20.59 % -> PD.
    # The conglomerate is present: never CR (0.4).
    # confirm_response = True: PR 56 confirmed by PR 84 (28 days) -> PR; first response day 56;
    # progression day 196; duration 196 - 56 = 140.
    result = run("recist11", lesions(MERGED), confirm_response=True)
    assert at(result) == {56: "PR", 84: "PR", 112: "PR", 140: "PR", 168: "SD", 196: "PD"}
    assert at(result, "current_sum") == {56: 35.0, 84: 35.0, 112: 34.0, 140: 34.0, 168: 40.0, 196: 41.0}
    assert at(result, "nadir_sum")[196] == 34.0
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("PR", "PR")
    assert (row["first_response_day"], row["progression_day"]) == (56, 196)
    assert row["duration_of_response_days"] == 140


def test_irrecist_merged_lesions_pd_pending_at_end_of_data_and_unconfirmed_pd_as_option():
    # Same table under irRECIST (TMTB = target sum, no new lesion, 3.4): irPR x4, irSD (168), irPD (196)
    # with no later assessment: pending at the end of data (0.8).
    # Default unconfirmed_pd_as = "pd" (3.7): flag pd_unconfirmed; best response irPR (irPR outranks irPD).
    # With "ne": no pd_unconfirmed flag, best irPR, no PFS event.
    default = run("irrecist", lesions(MERGED))
    assert at(default) == {56: "irPR", 84: "irPR", 112: "irPR", 140: "irPR", 168: "irSD", 196: "irPD"}
    assert at(default, "confirmation_state")[196] == "pending"
    assert "pd_unconfirmed" in at(default, "flags")[196]
    assert bor(default)["best_response"] == "irPR"
    as_ne = run("irrecist", lesions(MERGED), unconfirmed_pd_as="ne")
    assert "pd_unconfirmed" not in at(as_ne, "flags")[196]
    assert bor(as_ne)["best_response"] == "irPR"
    assert not bor(as_ne)["pfs_event"]
    assert isnan(bor(as_ne)["progression_day"])


def _too_small_history(t2_on_112: str) -> str:
    return f"""
day lesion role   organ node long status
-7  T1     target lung  n    30   present
-7  T2     target liver n    20   present
56  T1     target lung  n    20   present
56  T2     target liver n    -    too_small
84  T1     target lung  n    16   present
84  T2     target liver n    -    too_small
112 T1     target lung  n    10   present
112 T2     target liver n    {t2_on_112}
168 T1     target lung  n    13   present
168 T2     target liver n    -    too_small
196 T1     target lung  n    14   present
196 T2     target liver n    -    too_small
"""


def test_recist_too_small_counts_5mm_in_the_nadir_but_a_measured_3mm_lowers_it_two_patients():
    # 0.4 / 1.4: too_small = 5 mm; a lesion the reader can measure, even under 5 mm, is present with its
    # measurement. B = 30 + 20 = 50 for both patients.
    # P1: 56: 20 + 5 = 25 (-50 %) PR; 84: 16 + 5 = 21 PR (N = 25); 112: 10 + 3 (measured) = 13 PR (N = 21);
    #     168: 13 + 5 = 18 vs N(168) = 13: +5 mm, +38.46 % -> PD. 196: 19 vs 13: PD (after progression).
    #     Best PR (confirmed: 56 -> 84, 28 days); progression 168; duration 168 - 56 = 112.
    # P2 (T2 too_small on 112 instead): 112: 10 + 5 = 15 PR (N = 21); 168: 18 vs N = 15: +20.00 % but +3 mm
    #     (< 5): not PD; -64 % vs B: PR. 196: 19 vs 15: +26.67 %, +4 mm: not PD: PR. No progression:
    #     duration censored at the last evaluable assessment, 196 - 56 = 140.
    p1 = lesions(_too_small_history("3    present"), patient_id="P1")
    p2 = lesions(_too_small_history("-    too_small"), patient_id="P2")
    result = run("recist11", cohort(p1, p2), confirm_response=True)
    assert at(result, patient="P1") == {56: "PR", 84: "PR", 112: "PR", 168: "PD", 196: "PD"}
    assert at(result, "nadir_sum", patient="P1") == {56: 50.0, 84: 25.0, 112: 21.0, 168: 13.0, 196: 13.0}
    assert at(result, patient="P2") == {56: "PR", 84: "PR", 112: "PR", 168: "PR", 196: "PR"}
    assert at(result, "current_sum", patient="P2") == {56: 25.0, 84: 21.0, 112: 15.0, 168: 18.0, 196: 19.0}
    for patient in ("P1", "P2"):
        assert all("too_small_with_measurement" not in f for f in at(result, "flags", patient).values())
    r1, r2 = bor(result, "P1"), bor(result, "P2")
    assert (r1["best_response_confirmed"], r1["progression_day"], r1["duration_of_response_days"]) == (
        "PR",
        168,
        112,
    )
    assert r1["pfs_event"] and r1["pfs_day"] == 168
    assert r2["best_response_confirmed"] == "PR" and not r2["pfs_event"]
    assert isnan(r2["progression_day"])
    assert (r2["pfs_day"], r2["duration_of_response_days"]) == (196, 140)


TOO_SMALL_AFTER_CR = """
day lesion role   organ node long perp status
-7  T1     target lung  n    20   20   present
56  T1     target lung  n    -    -    absent
84  T1     target lung  n    -    -    absent
112 T1     target lung  n    -    -    too_small
140 T1     target lung  n    -    -    absent
168 T1     target lung  n    -    -    absent
"""


def test_recist_too_small_after_a_confirmed_cr_is_pd_and_ends_the_response():
    # 56, 84: T1 absent: CR (1.4 step 2; no non-target, no new lesion: 1.6.1 row 6).
    # 112: too_small = 5 mm (0.4); last evaluable response CR and a non-nodal target value > 0: PD (1.8.1);
    #      the sums agree: 5 vs nadir 0, +5 mm, R = 0 (0.5) -> target PD.
    # Best CR in both columns (56 -> 84, 28 days); progression 112; duration 112 - 56 = 56 (1.7).
    result = run("recist11", lesions(TOO_SMALL_AFTER_CR))
    assert at(result) == {56: "CR", 84: "CR", 112: "PD", 140: "CR", 168: "CR"}
    assert at(result, "after_progression")[140]
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("CR", "CR")
    assert (row["progression_day"], row["duration_of_response_days"]) == (112, 56)


@pytest.mark.parametrize(
    ("key", "cr", "pd_label", "sums"),
    [
        ("irrc", "irCR", "irPD", {56: 0.0, 84: 0.0, 112: 25.0, 140: 0.0, 168: 0.0}),
        ("irrecist", "irCR", "irPD", {56: 0.0, 84: 0.0, 112: 5.0, 140: 0.0, 168: 0.0}),
        ("imrecist", "CR", "PD", {56: 0.0, 84: 0.0, 112: 5.0, 140: 0.0, 168: 0.0}),
    ],
)
def test_immune_too_small_after_cr_is_a_pd_over_a_zero_nadir_that_the_next_scan_does_not_confirm(
    key, cr, pd_label, sums
):
    # irRC: too_small product 25 mm2 (0.4, B3); irRECIST / imRECIST: 5 mm (0.4). No reappearance rule (3.4,
    # 5.4); the burden decides. 56, 84: burden 0, gone: CR (2.6 row 3, 3.6 row 5, 5.6 row 3).
    # 112: burden 25 mm2 / 5 mm vs nadir 0: R = 0 -> every S > 0 meets the relative test (0.5); irRC has no
    #      absolute minimum (2.4), irRECIST / imRECIST need +5 mm: 5 - 0 = 5 >= 5 -> PD, pending (0.8).
    # 140 (28 days later, evaluable): burden 0, gone -> CR: the PD is not confirmed (0.8).
    # Best: CR 56 confirmed by 84 (28 days) in both columns; no progression, no PFS event; the last evaluable
    # assessment (168) is the PFS censoring day.
    result = run(key, lesions(TOO_SMALL_AFTER_CR))
    assert at(result) == {56: cr, 84: cr, 112: pd_label, 140: cr, 168: cr}
    assert at(result, "current_sum") == sums
    assert at(result, "nadir_sum")[112] == 0.0
    assert at(result, "confirmation_state")[112] == "not_confirmed"
    assert "not confirmed" in at(result, "reason")[112]
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == (cr, cr)
    assert not row["pfs_event"] and isnan(row["progression_day"])
    assert row["pfs_day"] == 168


# =================================================================================================
# Lymph nodes crossing 10 mm back and forth (0.4, 1.4, 1.5, 1.8.1, 2.11 B2, 3.4, 5.4)
# =================================================================================================

NODES_BACK_AND_FORTH = """
day lesion role       organ       node long short status
-7  T1     target     mediastinum y    -    20    present
-7  T2     target     liver       n    20   -     present
-7  NT1    non_target hilum       y    -    12    present
56  T1     target     mediastinum y    -    9     present
56  T2     target     liver       n    -    -     absent
56  NT1    non_target hilum       y    -    9     present
112 T1     target     mediastinum y    -    9     present
112 T2     target     liver       n    -    -     absent
112 NT1    non_target hilum       y    -    11    present
168 T1     target     mediastinum y    -    8     present
168 T2     target     liver       n    -    -     absent
168 NT1    non_target hilum       y    -    8     present
224 T1     target     mediastinum y    -    9     present
224 T2     target     liver       n    -    -     absent
224 NT1    non_target hilum       y    -    7     present
280 T1     target     mediastinum y    -    12    present
280 T2     target     liver       n    -    -     absent
280 NT1    non_target hilum       y    -    7     present
"""


def test_recist_nodes_crossing_10mm_cr_pr_cr_cr_then_target_node_back_to_12mm_after_cr_is_pd():
    # B = 20 + 20 = 40.
    # 56: T1 9 (< 10: normal), T2 absent: target CR (1.4 step 2); NT1 9 < 10 counts as absent: NT CR (1.5);
    #     overall CR (row 6).
    # 112: target CR; NT1 11 >= 10, present, not unequivocal: NON-CR/NON-PD; after a CR a nodal non-target
    #     back to >= 10 mm without unequivocal progression is not a reappearance (1.8.1) -> PR (row 7).
    # 168: NT1 8 -> CR (last evaluable was PR: no reappearance test). 224: T1 8 -> 9 stays normal (A3): CR.
    # 280: last evaluable CR and target node T1 12 >= 10: reappearance -> PD (1.8.1, row 4).
    # Confirmation (0.7): CR 56 is followed by PR 112 -> read as PR (flag cr_downgraded_to_pr), confirmed by
    # PR 112 (56 days); CR 168 confirmed by CR 224 (56 days): confirmed best CR; first response day 56
    # (first assessment of the first confirmed pair); progression 280; duration 280 - 56 = 224.
    result = run("recist11", lesions(NODES_BACK_AND_FORTH), confirm_response=True)
    assert at(result) == {56: "CR", 112: "PR", 168: "CR", 224: "CR", 280: "PD"}
    assert at(result, "non_target_response") == {
        56: "CR",
        112: "NON-CR/NON-PD",
        168: "CR",
        224: "CR",
        280: "CR",
    }
    flags = at(result, "flags")
    assert "cr_downgraded_to_pr" in flags[56]
    assert "cr_downgraded_to_pr" not in flags[168] and "cr_downgraded_to_pr" not in flags[224]
    assert "T1" in at(result, "reason")[280]
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("CR", "CR")
    assert (row["first_response_day"], row["progression_day"]) == (56, 280)
    assert row["duration_of_response_days"] == 224
    assert row["pfs_day"] == 280


@pytest.mark.parametrize(("key", "cr", "pr"), [("irrecist", "irCR", "irPR"), ("imrecist", "CR", "PR")])
def test_immune_unidimensional_nodes_crossing_10mm_have_no_reappearance_rule(key, cr, pr):
    # TMTB / SLD = targets only (no new lesion), B = 40 (3.4, 5.4).
    # 56: 9 + 0 = 9, gone (node < 10, T2 absent); NT1 9 < 10 normal: CR (3.6 row 5 / 5.6 row 3).
    # 112: gone, NT1 11 present: PR (3.6 row 6 / 5.6 row 4). 168: 8, CR. 224: 9, CR.
    # 280: T1 12 >= 10: not gone; nadir N(280) = min(40, 9, 9, 8, 9) = 8: +4 mm (< 5), +50 %: not PD; vs B
    #      (12 - 40)/40 = -70 %: PR. No reappearance-after-CR rule (3.4, 5.4), unlike RECIST 1.1.
    # Best CR; no progression, no PFS event; censored on day 280; first response day 56 (confirmation off).
    result = run(key, lesions(NODES_BACK_AND_FORTH))
    assert at(result) == {56: cr, 112: pr, 168: cr, 224: cr, 280: pr}
    assert at(result, "current_sum") == {56: 9.0, 112: 9.0, 168: 8.0, 224: 9.0, 280: 12.0}
    assert at(result, "nadir_sum")[280] == 8.0
    row = bor(result)
    assert row["best_response"] == cr
    assert not row["pfs_event"] and row["pfs_day"] == 280
    assert (row["first_response_day"], row["duration_of_response_days"]) == (56, 224)


def test_irrc_node_products_use_short_axis_when_perpendicular_is_empty_and_the_10mm_rule_for_ircr():
    # 0.4: node product = long x perpendicular, short axis when perpendicular is empty; B2 (default
    # "recist11"): a node is gone for irCR when its short axis is < 10 mm.
    # TB0 = 20 x 16 (node, perp empty) + 15 x 12 = 320 + 180 = 500.
    # 56: 12 x 8 = 96, L2 absent: TB 96; vs nadir 500 not irPD; gone (short 8): irCR (2.6 row 3).
    # 84: perpendicular 9.5 given -> 12 x 9.5 = 114 (not 12 x 9); vs N = 96: +18.75 %: not irPD; short 9:
    #     gone -> irCR; confirms 56 (28 days, 0.7).
    # 112: 13 x 11 = 143 vs N(112) = 96: +48.96 % >= 25 % -> irPD (2.4 step 2) pending.
    # 140: 12 x 9 = 108 vs N = 96: +12.5 %; gone -> irCR; decides 112 (28 days): not confirmed (0.8).
    # 168: 11 x 10 = 110 vs N = 96: +14.58 %; short 10 is not < 10: not gone; (110 - 500)/500 = -78 %: irPR.
    # 196: 10 x 9 = 90: gone -> irCR.
    # 0.7: CR 140 whose next evaluable assessment is PR 168 -> read as PR (flag cr_downgraded_to_pr).
    # Best: irCR confirmed (56 -> 84); first response day 56; no progression; censored at 196:
    # duration 196 - 56 = 140.
    text = """
day lesion role   organ       node long short perp status
-7  L1     target mediastinum y    20   16    -    present
-7  L2     target lung        n    15   -     12   present
56  L1     target mediastinum y    12   8     -    present
56  L2     target lung        n    -    -     -    absent
84  L1     target mediastinum y    12   9     9.5  present
84  L2     target lung        n    -    -     -    absent
112 L1     target mediastinum y    13   11    -    present
112 L2     target lung        n    -    -     -    absent
140 L1     target mediastinum y    12   9     -    present
140 L2     target lung        n    -    -     -    absent
168 L1     target mediastinum y    11   10    -    present
168 L2     target lung        n    -    -     -    absent
196 L1     target mediastinum y    10   9     -    present
196 L2     target lung        n    -    -     -    absent
"""
    result = run("irrc", lesions(text))
    assert at(result, "current_sum") == {56: 96.0, 84: 114.0, 112: 143.0, 140: 108.0, 168: 110.0, 196: 90.0}
    assert at(result, "nadir_sum") == {56: 500.0, 84: 96.0, 112: 96.0, 140: 96.0, 168: 96.0, 196: 96.0}
    assert at(result) == {56: "irCR", 84: "irCR", 112: "irPD", 140: "irCR", 168: "irPR", 196: "irCR"}
    states = at(result, "confirmation_state")
    assert (states[56], states[112]) == ("confirmed", "not_confirmed")
    assert "cr_downgraded_to_pr" in at(result, "flags")[140]
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irCR", "irCR")
    assert row["first_response_day"] == 56
    assert not row["pfs_event"] and isnan(row["progression_day"])
    assert (row["pfs_day"], row["duration_of_response_days"]) == (196, 140)


def test_irrc_too_small_index_lesion_in_the_nadir_then_exact_plus_25_percent_confirmed():
    # TB0 = 20 x 20 + 10 x 10 = 500.
    # 56: 12 x 10 = 120 + too_small 25 (0.4, B3) = 145: -71 % -> irPR.
    # 84: 10 x 8 = 80 + 25 = 105: irPR (N = 145); confirms 56 (28 days).
    # 112: 80 + absent 0 = 80: irPR (N = 105).
    # 140: 10 x 10 = 100 vs N(140) = 80: (100 - 80)/80 = 0.25 -> irPD (>= 25 %, 2.4) pending.
    # 168 (28 days): 100 vs N(168) = 80 (100 > 80): +25 % again -> confirmed (0.8, B8); progression 140.
    # Best irPR (confirmed 56 -> 84); first response 56; duration 140 - 56 = 84; PFS event day 140.
    text = """
day lesion role   organ node long perp status
-7  L1     target liver n    20   20   present
-7  L2     target lung  n    10   10   present
56  L1     target liver n    12   10   present
56  L2     target lung  n    -    -    too_small
84  L1     target liver n    10   8    present
84  L2     target lung  n    -    -    too_small
112 L1     target liver n    10   8    present
112 L2     target lung  n    -    -    absent
140 L1     target liver n    10   10   present
140 L2     target lung  n    -    -    absent
168 L1     target liver n    10   10   present
168 L2     target lung  n    -    -    absent
"""
    result = run("irrc", lesions(text))
    assert at(result, "current_sum") == {56: 145.0, 84: 105.0, 112: 80.0, 140: 100.0, 168: 100.0}
    assert at(result, "nadir_sum") == {56: 500.0, 84: 145.0, 112: 105.0, 140: 80.0, 168: 80.0}
    assert at(result) == {56: "irPR", 84: "irPR", 112: "irPR", 140: "irPD", 168: "irPD"}
    assert at(result, "confirmation_state")[140] == "confirmed"
    assert at(result, "confirmation_state")[168] == "confirms"
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irPR", "irPR")
    assert (row["first_response_day"], row["progression_day"]) == (56, 140)
    assert row["duration_of_response_days"] == 84
    assert row["pfs_event"] and row["pfs_day"] == 140


# =================================================================================================
# New measurable lesions entering the immune burdens at different visits (2.4, 3.4, 5.4)
# =================================================================================================

IRRC_NEW_LESIONS = """
day lesion role   organ node long perp status
-7  L1     target liver n    30   20   present
56  L1     target liver n    20   15   present
56  N1     new    lung  n    10   10   present
84  L1     target liver n    20   10   present
84  N1     new    lung  n    -    -    too_small
84  N2     new    lung  n    4    4    present
112 L1     target liver n    -    -    absent
112 N1     new    lung  n    -    -    absent
112 N2     new    lung  n    6    5    present
140 L1     target liver n    -    -    absent
140 N1     new    lung  n    -    -    absent
140 N2     new    lung  n    -    -    absent
168 L1     target liver n    -    -    absent
168 N1     new    lung  n    -    -    absent
168 N2     new    lung  n    -    -    absent
196 L1     target liver n    -    -    absent
196 N1     new    lung  n    -    -    absent
196 N2     new    lung  n    5    5    present
"""


def test_irrc_new_lesions_enter_when_measurable_shrink_to_too_small_disappear_and_reappear():
    # TB0 = 30 x 20 = 600 (index only; new lesions never enter the baseline, 2.4).
    # 56: N1 10 x 10 = 100 counted; TB = 300 + 100 = 400: -33.33 % vs TB0: irSD.
    # 84: N1 too_small = 25 (stays counted); N2 4 x 4 not measurable (new non-measurable);
    #     TB = 200 + 25 = 225: -62.5 %: irPR.
    # 112: N2 6 x 5 now measurable -> counted from here (B5 when_measurable); TB = 0 + 0 + 30 = 30: irPR;
    #      confirms 84 (28 days, 0.7).
    # 140: every index and counted new lesion absent, no non-index, no new non-measurable: irCR.
    # 168: irCR (confirms 140). 196: N2 5 x 5 = 25 vs nadir 0 -> irPD band (2.4, 0.5 R = 0), pending at the
    #      end of data: flag pd_unconfirmed (2.7).
    # Best irCR in both columns; first response day 84 (first confirmed pair, 2.7).
    result = run("irrc", lesions(IRRC_NEW_LESIONS))
    assert at(result) == {56: "irSD", 84: "irPR", 112: "irPR", 140: "irCR", 168: "irCR", 196: "irPD"}
    assert at(result, "current_sum") == {56: 400.0, 84: 225.0, 112: 30.0, 140: 0.0, 168: 0.0, 196: 25.0}
    assert at(result, "new_lesion_sum") == {56: 100.0, 84: 25.0, 112: 30.0, 140: 0.0, 168: 0.0, 196: 25.0}
    assert at(result, "confirmation_state")[196] == "pending"
    assert "pd_unconfirmed" in at(result, "flags")[196]
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irCR", "irCR")
    assert row["first_response_day"] == 84


def test_irrc_first_appearance_only_keeps_n2_out_and_a_final_irpr_downgrades_the_last_ircr():
    # B5 option "first_appearance_only": N2 was not measurable when first seen (84: 4 x 4) -> never counted.
    # 56: 400 irSD; 84: 225 irPR; 112: TB = 0 + 0 = 0, gone, but N2 (new non-measurable) present -> irPR
    #     (2.6 row 5); 140, 168: irCR; 196: TB 0, N2 present -> irPR (row 5), no irPD.
    # 0.7: CR 168 followed by PR 196 -> read as PR (flag). CR 140 then has no later CR (168 now reads PR):
    #      not confirmed. PR 84 confirmed by PR 112 (28 days): best_response_confirmed irPR;
    #      best_response (unconfirmed) irCR.
    result = run("irrc", lesions(IRRC_NEW_LESIONS), new_lesion_entry="first_appearance_only")
    assert at(result) == {56: "irSD", 84: "irPR", 112: "irPR", 140: "irCR", 168: "irCR", 196: "irPR"}
    assert at(result, "new_lesion_sum") == {56: 100.0, 84: 25.0, 112: 0.0, 140: 0.0, 168: 0.0, 196: 0.0}
    assert "cr_downgraded_to_pr" in at(result, "flags")[168]
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irCR", "irPR")
    assert not row["pfs_event"]


def test_imrecist_split_new_lesion_competes_for_the_organ_cap_with_its_summed_value():
    # B = 50. 56: three new liver lesions, all measurable (5.4): N1 split into fragments 12 + 12 -> value 24
    #     (0.4); N2 20; N3 15. Per-organ cap 2 (E1), larger value first: N1 (24) and N2 (20) counted, N3 is a
    #     new non-measurable lesion. SLD = 20 + 24 + 20 = 64 vs N = 50: +14 mm, +28 % -> PD pending.
    # 84 (28 days): same values: 64 vs N(84) = 50 -> PD: confirmed, progression day 56.
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    20   present
56  N1     new    liver n    12   present
56  N1     new    liver n    12   present
56  N2     new    liver n    20   present
56  N3     new    liver n    15   present
84  T1     target lung  n    20   present
84  N1     new    liver n    12   present
84  N1     new    liver n    12   present
84  N2     new    liver n    20   present
84  N3     new    liver n    15   present
"""
    result = run("imrecist", lesions(text))
    assert at(result, "current_sum") == {56: 64.0, 84: 64.0}
    assert at(result) == {56: "PD", 84: "PD"}
    assert bor(result)["progression_day"] == 56


IRRECIST_CAPS = """
day lesion role   organ   node long status
-7  T1     target lung    n    60   present
56  T1     target lung    n    40   present
56  A1     new    liver   n    12   present
56  A2     new    liver   n    11   present
56  B1     new    kidney  n    10   present
56  C1     new    spleen  n    10   present
84  T1     target lung    n    30   present
84  A1     new    liver   n    10   present
84  A2     new    liver   n    -    too_small
84  B1     new    kidney  n    -    absent
84  C1     new    spleen  n    -    absent
84  D1     new    adrenal n    14   present
84  E1     new    skin    n    20   present
112 T1     target lung    n    20   present
112 A1     new    liver   n    -    absent
112 A2     new    liver   n    -    absent
112 B1     new    kidney  n    -    absent
112 C1     new    spleen  n    -    absent
112 D1     new    adrenal n    30   present
112 E1     new    skin    n    -    absent
140 T1     target lung    n    -    absent
140 A1     new    liver   n    -    absent
140 A2     new    liver   n    -    absent
140 B1     new    kidney  n    -    absent
140 C1     new    spleen  n    -    absent
140 D1     new    adrenal n    -    absent
140 E1     new    skin    n    -    absent
168 T1     target lung    n    -    absent
168 A1     new    liver   n    -    absent
168 A2     new    liver   n    -    absent
168 B1     new    kidney  n    -    absent
168 C1     new    spleen  n    -    absent
168 D1     new    adrenal n    -    absent
168 E1     new    skin    n    -    absent
"""


def test_irrecist_total_cap_of_five_fills_across_visits_larger_value_first_and_slots_stay_taken():
    # B = 60. 3.4 / C3: at most 5 counted new lesions in total, 2 per organ; larger value first; once counted
    # always counted (too_small 5, absent 0).
    # 56: A1 12, A2 11 (liver, 2), B1 10 (kidney), C1 10 (spleen): 4 counted. TMTB = 40 + 43 = 83 vs N = 60:
    #     +23 mm, +38.33 % -> irPD pending.
    # 84: one slot left; D1 14 and E1 20 qualify -> E1 (larger) counted, D1 new non-measurable.
    #     TMTB = 30 + 10 + 5 + 0 + 0 + 20 = 65 vs N(84) = 60: +5 mm but +8.33 %: not irPD; +8.33 % vs B: irSD.
    #     Decides 56 (28 days): not confirmed (0.8).
    # 112: counted all absent, T1 20: TMTB 20: -66.67 % -> irPR (D1 30 outside the burden).
    # 140: T1 and every counted lesion absent, D1 absent, no non-target: irCR. 168: irCR.
    # Best irCR; no PFS event; censored at 168; best_response_confirmed irCR (140 -> 168, 28 days).
    result = run("irrecist", lesions(IRRECIST_CAPS))
    assert at(result, "current_sum") == {56: 83.0, 84: 65.0, 112: 20.0, 140: 0.0, 168: 0.0}
    assert at(result) == {56: "irPD", 84: "irSD", 112: "irPR", 140: "irCR", 168: "irCR"}
    assert at(result, "confirmation_state")[56] == "not_confirmed"
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irCR", "irCR")
    assert not row["pfs_event"] and row["pfs_day"] == 168


def test_irrecist_total_cap_option_six_lets_d1_in_and_the_first_irpd_is_confirmed():
    # Same table, max_new_measurable = 6 (C3 option): on 84 both D1 and E1 enter (5 + 1 = 6 slots, each in its
    # own organ): TMTB = 30 + 10 + 5 + 0 + 0 + 14 + 20 = 79 vs N(84) = 60: +19 mm, +31.67 % -> irPD, which
    # decides 56 (28 days): confirmed; progression day 56. Nothing before 56: best irPD (3.7).
    result = run("irrecist", lesions(IRRECIST_CAPS), max_new_measurable=6)
    assert at(result, "current_sum")[84] == 79.0
    assert at(result, "confirmation_state")[56] == "confirmed"
    assert at(result, "confirmation_state")[84] == "confirms"
    row = bor(result)
    assert (row["best_response"], row["progression_day"], row["pfs_day"]) == ("irPD", 56, 56)


NEW_NODE = """
day lesion role   organ node long short status
-7  T1     target lung  n    30   -     present
56  T1     target lung  n    -    -     absent
56  U1     new    hilum y    -    12    present
112 T1     target lung  n    -    -     absent
112 U1     new    hilum y    -    16    present
140 T1     target lung  n    -    -     absent
140 U1     new    hilum y    -    9     present
168 T1     target lung  n    -    -     absent
168 U1     new    hilum y    -    8     present
"""


def test_irrecist_new_node_enters_the_tmtb_at_15mm_and_its_normal_short_axis_later_makes_it_gone():
    # B = 30. 56: T1 absent; U1 node 12 mm: 10 to < 15 = new non-measurable (3.4): not counted; all measured
    #     lesions gone but a new lesion present -> irPR (3.6 row 7); TMTB 0.
    # 112: U1 16 >= 15: counted from here (C7 when_measurable); TMTB 16 vs N(112) = min(30, 0) = 0:
    #      +16 mm, R = 0 -> irPD pending (0.5, 3.4).
    # 140 (28 days): U1 9 < 10: counted node normal -> gone (3.4 step 2 before irPD), no non-target, no other
    #      new lesion -> irCR; decides 112: not confirmed. 168: 8 -> irCR.
    # Best irCR (140; confirmed by 168 in the confirmed column); no PFS event.
    # RECIST 1.1 on the same table: a new node >= 10 mm is a new lesion (1.5) -> PD on day 56.
    result = run("irrecist", lesions(NEW_NODE))
    assert at(result) == {56: "irPR", 112: "irPD", 140: "irCR", 168: "irCR"}
    assert at(result, "current_sum") == {56: 0.0, 112: 16.0, 140: 9.0, 168: 8.0}
    assert at(result, "confirmation_state")[112] == "not_confirmed"
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irCR", "irCR")
    assert not row["pfs_event"]
    recist = run("recist11", lesions(NEW_NODE))
    assert at(recist)[56] == "PD"
    assert bor(recist)["progression_day"] == 56


# =================================================================================================
# Missing rows, NE between two PDs, second PD episodes (0.2, 0.8, 2.7, 3.7, 5.7)
# =================================================================================================

NE_BETWEEN_PDS = """
day lesion role       organ node long status
-7  T1     target     liver n    30   present
-7  T2     target     lung  n    20   present
-7  NT1    non_target bone  n    -    present
56  T1     target     liver n    20   present
56  T2     target     lung  n    14   present
56  NT1    non_target bone  n    -    present
84  T1     target     liver n    27   present
84  T2     target     lung  n    15   present
84  NT1    non_target bone  n    -    present
98  T1     target     liver n    28   present
98  NT1    non_target bone  n    -    present
112 T1     target     liver n    33   present
112 NT1    non_target bone  n    -    present
140 T1     target     liver n    42   present
140 T2     target     lung  n    -    not_evaluable
140 NT1    non_target bone  n    -    present
168 T1     target     liver n    45   present
168 T2     target     lung  n    16   present
168 NT1    non_target bone  n    -    present
"""


@pytest.mark.parametrize(
    ("key", "labels"),
    [
        ("irrecist", ("irPR", "irPD", "NE", "NE", "irPD", "irPD", "irSD")),
        ("imrecist", ("PR", "PD", "NE", "NE", "PD", "PD", "SD")),
    ],
)
def test_immune_missing_rows_are_ne_between_two_pds_and_a_known_part_pd_decides(key, labels):
    # B = 50. 56: 34 (-32 %): PR. 84: 42 vs N = 34: +8 mm, +23.53 % -> PD pending.
    # 98: T2 has no row -> not evaluable (0.2); known 28 vs N = 34 not PD -> NE (14 days anyway).
    # 112 (28 days): T2 missing again; known 33 not PD -> NE: an NE assessment does not decide (0.8).
    # 140: T2 not_evaluable; known 42 already +8 mm, +23.53 % vs N(140) = 34 -> PD (3.4 / 5.4 step 1): the
    #      first evaluable assessment >= 28 days after 84 -> confirms; progression day 84.
    # 168: 61 vs 34: PD (after progression). Incomplete sums (98, 112, 140) never enter the nadir.
    # irRECIST (3.7): best over assessments up to the progression: PR (56) unconfirmed -> best_response PR,
    # best_response_confirmed SD (56 >= 42). imRECIST (5.7, bor_scope all): same ranking (nothing better
    # later).
    # First response day 56, duration 84 - 56 = 28, PFS event on day 84.
    pr, pd_label, ne, _, _, _, sd = labels
    result = run(key, lesions(NE_BETWEEN_PDS))
    assert at(result) == {56: pr, 84: pd_label, 98: ne, 112: ne, 140: pd_label, 168: pd_label}
    assert at(result, "nadir_sum") == {56: 50.0, 84: 34.0, 98: 34.0, 112: 34.0, 140: 34.0, 168: 34.0}
    states = at(result, "confirmation_state")
    assert (states[84], states[98], states[112], states[140]) == (
        "confirmed",
        "not_required",
        "not_required",
        "confirms",
    )
    assert "T2" in at(result, "reason")[112] and "T2" in at(result, "reason")[140]
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == (pr, sd)
    assert (row["first_response_day"], row["progression_day"]) == (56, 84)
    assert row["duration_of_response_days"] == 28
    assert row["pfs_event"] and row["pfs_day"] == 84


def test_irrecist_rows_after_a_confirmed_irpd_are_after_progression_even_the_ne_ones():
    # 2.8 / 3.8: when the irPD of 84 is confirmed, the rows between it and its decider (98, 112) and after
    # (140, 168) are after_progression (0.9).
    result = run("irrecist", lesions(NE_BETWEEN_PDS))
    assert at(result, "after_progression") == {
        56: False,
        84: False,
        98: True,
        112: True,
        140: True,
        168: True,
    }
    assert set(at(result, "progression_day").values()) == {84}


SECOND_EPISODE = """
day lesion role   organ node long status
-7  T1     target lung  n    40   present
-7  T2     target liver n    20   present
56  T1     target lung  n    50   present
56  T2     target liver n    22   present
84  T1     target lung  n    -    not_evaluable
84  T2     target liver n    18   present
112 T1     target lung  n    36   present
112 T2     target liver n    16   present
140 T1     target lung  n    40   present
140 T2     target liver n    23   present
154 T1     target lung  n    41   present
154 T2     target liver n    23   present
161 T1     target lung  n    41   present
161 T2     target liver n    23   present
"""


@pytest.mark.parametrize(("key", "sd", "pd_label"), [("irrecist", "irSD", "irPD"), ("imrecist", "SD", "PD")])
def test_immune_second_pd_episode_after_a_not_confirmed_one_stays_pending_at_end_of_data(key, sd, pd_label):
    # B = 60. 56: 72 vs N = 60: +12 mm, +20.00 % -> PD pending.
    # 84 (28 days): T1 not evaluable, known 18 not PD -> NE: does not decide (0.8).
    # 112: 52: -13.33 % vs N(112) = 60 and vs B: SD; first evaluable >= 28 days after 56 -> not confirmed;
    #      the search restarts after 112 (0.8).
    # 140: 63 vs N(140) = min(60, 72, 52) = 52: +11 mm, +21.15 % -> a new first PD, pending.
    # 154 (14 days), 161 (21 days): 64, PD, but < 28 days: nothing decides; the PD of 140 stays pending.
    # Default unconfirmed_pd_as = "pd": flag pd_unconfirmed on 140; best response SD (112 >= 42) outranks PD.
    result = run(key, lesions(SECOND_EPISODE))
    assert at(result) == {56: pd_label, 84: "NE", 112: sd, 140: pd_label, 154: pd_label, 161: pd_label}
    states = at(result, "confirmation_state")
    assert (states[56], states[112], states[140]) == ("not_confirmed", "not_required", "pending")
    assert "pd_unconfirmed" in at(result, "flags")[140]
    assert "pd_unconfirmed" not in at(result, "flags")[56]
    assert "decides" in at(result, "reason")[112]
    assert bor(result)["best_response"] == sd


def test_imrecist_second_pd_episode_pending_is_a_pfs_event_unless_unconfirmed_pd_as_ne():
    # 5.7: "a PD pending at the end of data is an event at its day unless unconfirmed_pd_as = 'ne'", and
    # "progression day = first PD of the confirmed pair". Default: PFS event on day 140 (the pending PD, not
    # the not-confirmed 56); no progression day, as no PD was confirmed (0.8); the best-response reason says
    # the PD is still pending. With "ne": no PFS event, no progression day, best SD.
    default = run("imrecist", lesions(SECOND_EPISODE))
    row = bor(default)
    assert isnan(row["progression_day"]) and row["pfs_day"] == 140
    assert row["pfs_event"]
    assert "pending" in row["reason"]
    as_ne = bor(run("imrecist", lesions(SECOND_EPISODE), unconfirmed_pd_as="ne"))
    assert as_ne["best_response"] == "SD"
    assert not as_ne["pfs_event"] and isnan(as_ne["progression_day"])


# =================================================================================================
# Non-target-only patients (1.6.2, 3.6, 5.6)
# =================================================================================================

NT_ONLY_NEW_LESION = """
day lesion role       organ node long status
-7  NT1    non_target liver n    -    present
56  NT1    non_target liver n    -    present
84  NT1    non_target liver n    -    present
84  N1     new        lung  n    12   present
112 NT1    non_target liver n    -    present
112 N1     new        lung  n    -    too_small
140 NT1    non_target liver n    -    absent
140 N1     new        lung  n    -    absent
168 NT1    non_target liver n    -    absent
168 N1     new        lung  n    -    absent
"""


def test_irrecist_non_target_only_new_lesion_too_small_is_plus_5mm_over_a_zero_nadir_and_confirms():
    # No target: TMTB 0 at baseline (3.6). 56: NT1 present, TMTB 0: irNON-CR/NON-PD.
    # 84: N1 12 mm >= 10: counted; TMTB 12 vs nadir 0: +12 mm >= 5, R = 0 -> irPD pending (3.6, 0.5).
    # 112 (28 days): N1 too_small -> 5 mm (0.4; stays counted); TMTB 5 vs N(112) = min(0, 0, 12) = 0:
    #      +5 mm >= 5 -> irPD again: confirmed, progression day 84.
    # 140, 168: NT1 and N1 absent: irCR (after progression).
    # Best (3.7, up to the progression): irNON-CR/NON-PD (56 >= 42); PFS event on 84.
    result = run("irrecist", lesions(NT_ONLY_NEW_LESION))
    assert at(result) == {56: "irNON-CR/NON-PD", 84: "irPD", 112: "irPD", 140: "irCR", 168: "irCR"}
    assert at(result, "current_sum") == {56: 0.0, 84: 12.0, 112: 5.0, 140: 0.0, 168: 0.0}
    assert at(result, "nadir_sum")[112] == 0.0
    assert isnan(at(result, "pct_change_nadir")[84])  # R = 0: rel reported empty (0.5)
    states = at(result, "confirmation_state")
    assert (states[84], states[112]) == ("confirmed", "confirms")
    row = bor(result)
    assert (row["best_response"], row["progression_day"], row["pfs_day"]) == ("irNON-CR/NON-PD", 84, 84)


def test_imrecist_non_target_only_confirmed_pd_then_a_confirmed_cr_counts_for_best_response():
    # Same table under imRECIST: NON-CR/NON-PD, PD (84, pending), PD (112: 5 mm over nadir 0: confirms,
    # 5.6 last paragraph), CR (140), CR (168).
    # 5.7 bor_scope "all": assessments after a confirmed PD count: CR (140) outranks NON-CR/NON-PD; CR 140
    # confirmed by CR 168 (28 days): confirmed column CR. First response day 140; progression day 84 lies
    # before it, so the duration is censored at the last evaluable assessment: 168 - 140 = 28.
    result = run("imrecist", lesions(NT_ONLY_NEW_LESION))
    assert at(result) == {56: "NON-CR/NON-PD", 84: "PD", 112: "PD", 140: "CR", 168: "CR"}
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("CR", "CR")
    assert (row["first_response_day"], row["progression_day"]) == (140, 84)
    assert row["duration_of_response_days"] == 28
    assert row["pfs_event"] and row["pfs_day"] == 84


def test_recist_non_target_only_new_lesion_is_pd_without_confirmation():
    # 1.6.2: NT1 present, no new -> NON-CR/NON-PD (56); N1 present -> PD (84). Best NON-CR/NON-PD (56 >= 42);
    # progression day 84 (1.7).
    result = run("recist11", lesions(NT_ONLY_NEW_LESION))
    assert at(result)[56] == "NON-CR/NON-PD" and at(result)[84] == "PD"
    row = bor(result)
    assert (row["best_response"], row["progression_day"]) == ("NON-CR/NON-PD", 84)


NT_ONLY_PROGRESSION = """
day lesion role       organ node long short status
-7  NT1    non_target bone  n    -    -     present
-7  NT2    non_target hilum y    -    12    present
56  NT1    non_target bone  n    -    -     present
56  NT2    non_target hilum y    -    11    present
84  NT1    non_target bone  n    -    -     unequivocal_progression
84  NT2    non_target hilum y    -    11    present
112 NT1    non_target bone  n    -    -     not_evaluable
112 NT2    non_target hilum y    -    10    present
140 NT1    non_target bone  n    -    -     present
140 NT2    non_target hilum y    -    9     present
168 NT1    non_target bone  n    -    -     absent
168 NT2    non_target hilum y    -    8     present
196 NT1    non_target bone  n    -    -     absent
196 NT2    non_target hilum y    -    7     present
"""


def test_irrecist_non_target_only_nt_progression_ne_then_not_confirmed_then_ircr():
    # 3.5 default nontarget_can_define_pd: 84 unequivocal progression -> irPD pending (3.6 row 2).
    # 112 (28 days): NT1 not evaluated -> NE (3.6: "NE (a non-target not evaluated)"), does not decide (0.8).
    # 140 (56 days): NT1 present, NT2 9: irNON-CR/NON-PD -> decides 84: not confirmed.
    # 168: NT1 absent, NT2 8 < 10 (normal node): irCR. 196: irCR (confirms 168, 28 days).
    # Best irCR both columns; no PFS event; censored at 196; first response day 168; duration 28.
    result = run("irrecist", lesions(NT_ONLY_PROGRESSION))
    assert at(result) == {
        56: "irNON-CR/NON-PD",
        84: "irPD",
        112: "NE",
        140: "irNON-CR/NON-PD",
        168: "irCR",
        196: "irCR",
    }
    assert at(result, "confirmation_state")[84] == "not_confirmed"
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irCR", "irCR")
    assert not row["pfs_event"] and row["pfs_day"] == 196
    assert (row["first_response_day"], row["duration_of_response_days"]) == (168, 28)


def test_imrecist_and_recist_non_target_only_nt_progression():
    # imRECIST (5.5): non-target progression never defines PD -> 84 NON-CR/NON-PD with flag
    # nt_progression_not_pd; 112 NE; 140 NON-CR/NON-PD; 168, 196 CR. Best CR, no PFS event.
    # RECIST 1.1 (1.6.2): 84 PD (unequivocal non-target progression), no confirmation; best NON-CR/NON-PD
    # (56 >= 42), progression day 84.
    im = run("imrecist", lesions(NT_ONLY_PROGRESSION))
    assert at(im) == {
        56: "NON-CR/NON-PD",
        84: "NON-CR/NON-PD",
        112: "NE",
        140: "NON-CR/NON-PD",
        168: "CR",
        196: "CR",
    }
    assert "nt_progression_not_pd" in at(im, "flags")[84]
    assert bor(im)["best_response"] == "CR" and not bor(im)["pfs_event"]
    rec = run("recist11", lesions(NT_ONLY_PROGRESSION))
    assert at(rec)[84] == "PD"
    row = bor(rec)
    assert (row["best_response"], row["progression_day"]) == ("NON-CR/NON-PD", 84)


# =================================================================================================
# Pre-baseline assessments; several patients and readers in one table (0.2, 0.9)
# =================================================================================================

PRE_BASELINE = """
day lesion role       organ node long status
-60 T1     target     lung  n    30   present
-60 T2     target     liver n    20   present
-60 NT9    non_target bone  n    -    present
-5  T1     target     lung  n    40   present
-5  T2     target     liver n    25   present
56  T1     target     lung  n    36   present
56  T2     target     liver n    24   present
112 T1     target     lung  n    30   present
112 T2     target     liver n    15   present
168 T1     target     lung  n    29   present
168 T2     target     liver n    15   present
224 T1     target     lung  n    38   present
224 T2     target     liver n    16   present
"""


def test_recist_pre_baseline_scan_is_ignored_for_baseline_nadir_and_non_targets():
    # 0.2: baseline = latest assessment with day <= 0: day -5 (B = 40 + 25 = 65); day -60 is ignored
    # (reason "ignored: pre-baseline"); its NT9 is not a baseline non-target (no NE for a missing NT9).
    # 56: 60: -7.69 % vs 65: SD (vs the ignored 50 it would be +20 %, +10 mm: PD).
    # 112: 45: -30.77 %: PR. 168: 44: PR. 224: 54 vs N = 44: +10 mm, +22.73 %: PD.
    # confirm_response = True: PR 112 confirmed by 168 (56 days); first response 112; duration 224 - 112.
    # Baseline on day -5: no baseline_older_than_28_days flag (the -60 scan is not the baseline).
    result = run("recist11", lesions(PRE_BASELINE), confirm_response=True)
    assert at(result) == {56: "SD", 112: "PR", 168: "PR", 224: "PD"}
    assert set(at(result, "baseline_sum").values()) == {65.0}
    assert at(result, "nadir_sum")[56] == 65.0
    assert all("baseline_older_than_28_days" not in f for f in at(result, "flags").values())
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("PR", "PR")
    assert (row["first_response_day"], row["progression_day"], row["duration_of_response_days"]) == (
        112,
        224,
        112,
    )
    assert "pre-baseline" in row["reason"] and "-60" in row["reason"]


def test_irrecist_pre_baseline_scan_is_ignored_and_the_last_irpd_is_pending():
    # irRECIST on the same table: 56 irSD, 112 irPR, 168 irPR, 224 irPD (54 vs 44: +10 mm, +22.73 %) pending
    # at the end of data (0.8). Best irPR.
    result = run("irrecist", lesions(PRE_BASELINE))
    assert at(result) == {56: "irSD", 112: "irPR", 168: "irPR", 224: "irPD"}
    assert at(result, "confirmation_state")[224] == "pending"
    assert bor(result)["best_response"] == "irPR"
    assert "pre-baseline" in bor(result)["reason"]


P1_READER_A = """
day lesion role   organ node long status
-7  T1     target lung  n    40   present
56  T1     target lung  n    30   present
56  N1     new    liver n    12   present
112 T1     target lung  n    28   present
112 N1     new    liver n    10   present
168 T1     target lung  n    26   present
168 N1     new    liver n    -    too_small
224 T1     target lung  n    26   present
224 N1     new    liver n    -    absent
"""
P1_READER_B = """
day lesion role   organ node long status
-40 T1     target lung  n    45   present
-7  T1     target lung  n    40   present
56  T1     target lung  n    30   present
112 T1     target lung  n    28   present
168 T1     target lung  n    27   present
224 T1     target lung  n    26   present
"""
P2_NT_ONLY = """
day lesion role       organ node long status
-7  NT1    non_target bone  n    -    present
56  NT1    non_target bone  n    -    present
112 NT1    non_target bone  n    -    absent
168 NT1    non_target bone  n    -    absent
224 NT1    non_target bone  n    -    absent
"""


def _readers_table():
    return cohort(
        lesions(P1_READER_A, patient_id="P1", reader="A"),
        lesions(P1_READER_B, patient_id="P1", reader="B"),
        lesions(P2_NT_ONLY, patient_id="P2", reader="A"),
    )


def test_imrecist_patients_and_readers_in_one_table_do_not_leak():
    # One row per patient x reader (0.9): three subjects.
    # P1/A: B = 40. 56: SLD 30 + N1 12 = 42 (+5 %, +2 mm): SD. 112: 28 + 10 = 38 (-5 %): SD.
    #       168: 26 + too_small 5 = 31 (-22.5 %): SD. 224: 26 + absent 0 = 26 (-35 %): PR.
    # P1/B: no new lesion (a leaked expected count of P1/A's N1 would make its sums incomplete);
    #       its -40 scan is pre-baseline (0.2). 56: 30 (-25 %) SD; 112: 28 (-30 %) PR; 168: 27 PR; 224: 26 PR.
    # P2/A: no target (5.6): 56 NON-CR/NON-PD; 112, 168, 224: CR.
    result = run("imrecist", _readers_table())
    assert len(result.best_response) == 3
    assert at(result, patient="P1", reader="A") == {56: "SD", 112: "SD", 168: "SD", 224: "PR"}
    assert at(result, "current_sum", "P1", "A") == {56: 42.0, 112: 38.0, 168: 31.0, 224: 26.0}
    assert at(result, patient="P1", reader="B") == {56: "SD", 112: "PR", 168: "PR", 224: "PR"}
    assert at(result, "current_sum", "P1", "B") == {56: 30.0, 112: 28.0, 168: 27.0, 224: 26.0}
    assert at(result, patient="P2", reader="A") == {56: "NON-CR/NON-PD", 112: "CR", 168: "CR", 224: "CR"}
    a, b, p2 = bor(result, "P1", "A"), bor(result, "P1", "B"), bor(result, "P2", "A")
    assert (a["best_response"], a["first_response_day"]) == ("PR", 224)
    assert (b["best_response"], b["first_response_day"]) == ("PR", 112)
    assert p2["best_response"] == "CR"
    assert "pre-baseline" in b["reason"] and "pre-baseline" not in a["reason"]


def test_recist_patients_and_readers_in_one_table_do_not_leak():
    # RECIST 1.1 on the same table: P1/A: N1 on day 56 is a new lesion -> PD (1.6.1 row 3); best PD,
    # progression 56. P1/B: SD, PR, PR, PR; best PR, no progression. P2/A: NON-CR/NON-PD, CR, CR, CR; best CR.
    result = run("recist11", _readers_table())
    assert at(result, patient="P1", reader="A")[56] == "PD"
    a = bor(result, "P1", "A")
    assert (a["best_response"], a["progression_day"]) == ("PD", 56)
    assert at(result, patient="P1", reader="B") == {56: "SD", 112: "PR", 168: "PR", 224: "PR"}
    b = bor(result, "P1", "B")
    assert b["best_response"] == "PR" and not b["pfs_event"]
    assert at(result, patient="P2", reader="A") == {56: "NON-CR/NON-PD", 112: "CR", 168: "CR", 224: "CR"}
    assert bor(result, "P2", "A")["best_response"] == "CR"


# =================================================================================================
# Non-target NE inside an evaluable assessment; CR - NE - PR downgrade (0.7, 0.8, 1.6.1, 3.6, 5.6)
# =================================================================================================

NT_NE_DECIDES = """
day lesion role       organ node long status
-7  T1     target     lung  n    50   present
-7  NT1    non_target bone  n    -    present
56  T1     target     lung  n    62   present
56  NT1    non_target bone  n    -    present
84  T1     target     lung  n    48   present
84  NT1    non_target bone  n    -    not_evaluable
112 T1     target     lung  n    47   present
112 NT1    non_target bone  n    -    present
140 T1     target     lung  n    60   present
140 NT1    non_target bone  n    -    present
168 T1     target     lung  n    61   present
168 NT1    non_target bone  n    -    not_evaluable
"""


@pytest.mark.parametrize(("key", "sd", "pd_label"), [("irrecist", "irSD", "irPD"), ("imrecist", "SD", "PD")])
def test_immune_non_target_not_evaluated_leaves_the_assessment_evaluable_so_it_decides(key, sd, pd_label):
    # Only an incomplete measured burden makes the timepoint NE (3.6 row 4, 5.6 row 2); a non-target not
    # evaluated with a complete burden is "any non-PD" (3.6 row 9, 5.6 row 7).
    # 56: 62 vs N = 50: +12 mm, +24 % -> PD pending. 84 (28 days): 48 (-4 % vs N and B): SD although NT1 is
    #     not evaluated -> evaluable: decides 56, not confirmed (0.8). 112: 47: SD.
    # 140: 60 vs N(140) = min(50, 48, 47) = 47: +13 mm, +27.66 % -> PD pending.
    # 168 (28 days): 61 vs 47: +14 mm, +29.79 %, NT1 not evaluated -> PD: confirms; progression day 140.
    # Best SD (84 >= 42).
    result = run(key, lesions(NT_NE_DECIDES))
    assert at(result) == {56: pd_label, 84: sd, 112: sd, 140: pd_label, 168: pd_label}
    assert at(result, "non_target_response")[84] == "NE"
    states = at(result, "confirmation_state")
    assert (states[56], states[140], states[168]) == ("not_confirmed", "confirmed", "confirms")
    row = bor(result)
    assert (row["best_response"], row["progression_day"], row["pfs_day"]) == (sd, 140, 140)


def test_recist_cr_then_ne_then_pr_is_downgraded_across_the_ne_and_confirmed_as_pr():
    # Targets T1 liver 20, T2 node 16; NT1 node 12. B = 36.
    # 56: T1 absent, T2 8 (< 10), NT1 8: CR (1.6.1 row 6).
    # 84: T2 has no row -> not evaluable (0.2): known part 0 cannot be PD: target NE -> overall NE (row 5).
    # 112: T1 absent, T2 9, NT1 11 (present, not unequivocal): last evaluable CR (56) but a nodal non-target
    #      >= 10 mm is no reappearance (1.8.1) -> target CR, NT NON-CR/NON-PD -> PR (row 7).
    # 0.7: CR 56 whose next *evaluable* assessment is PR (112) -> read as PR, flag cr_downgraded_to_pr;
    #      PR 56 -> NE 84 (one NE allowed) -> PR 112 (56 days): confirmed PR.
    # 140: NT1 9 -> CR; 168: CR (confirms 140). Best: CR (unconfirmed column); confirmed CR (140 -> 168).
    text = """
day lesion role       organ node long short status
-7  T1     target     liver n    20   -     present
-7  T2     target     pelvis y   -    16    present
-7  NT1    non_target hilum y    -    12    present
56  T1     target     liver n    -    -     absent
56  T2     target     pelvis y   -    8     present
56  NT1    non_target hilum y    -    8     present
84  T1     target     liver n    -    -     absent
84  NT1    non_target hilum y    -    8     present
112 T1     target     liver n    -    -     absent
112 T2     target     pelvis y   -    9     present
112 NT1    non_target hilum y    -    11    present
140 T1     target     liver n    -    -     absent
140 T2     target     pelvis y   -    9     present
140 NT1    non_target hilum y    -    9     present
168 T1     target     liver n    -    -     absent
168 T2     target     pelvis y   -    8     present
168 NT1    non_target hilum y    -    8     present
"""
    result = run("recist11", lesions(text), confirm_response=True)
    assert at(result) == {56: "CR", 84: "NE", 112: "PR", 140: "CR", 168: "CR"}
    assert "T2" in at(result, "reason")[84]
    assert "cr_downgraded_to_pr" in at(result, "flags")[56]
    states = at(result, "confirmation_state")
    assert (states[56], states[140]) == ("confirmed", "confirmed")
    row = bor(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("CR", "CR")
    assert row["first_response_day"] == 56
    assert not row["pfs_event"] and row["pfs_day"] == 168
