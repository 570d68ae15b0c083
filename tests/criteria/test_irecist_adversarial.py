"""Adversarial audit of the iRECIST state machine (spec/anatomic.md sections 0 and 4): long and unusual
sequences, each traced by hand through the machine (4.6 steps 0-3, resets R1-R3, 4.7 iBOR and dates).

Every expected value is derived from the spec text; the trace is in the comment above each assertion
block. "B" is the baseline sum, "N" the nadir (0.5: smallest complete sum strictly before t).
"""

from __future__ import annotations

import pandas as pd
from _lesions import best, by_day, cohort, flags_on, lesions, study

from ioresponse.criteria import irecist


def run(table, **options):
    return irecist.assess(study(table), **options)


def reason(result, day, patient="P1"):
    return str(by_day(result, "reason", patient)[day])


# =================================================================================================
# Several episodes in one patient
# =================================================================================================

THREE_EPISODES = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    40   present
112 T1     target liver n    50   present
154 T1     target liver n    42   present
210 T1     target liver n    52   present
252 T1     target liver n    44   present
308 T1     target liver n    50   present
343 T1     target liver n    55   present
399 T1     target liver n    30   present
"""


def test_three_episodes_reset_reset_then_icpd_states_and_dates():
    # B 50.
    # 56: 40, N 50: -20 % (not PD); vs B -20 % (not PR) -> step 1 iSD (4.6 step 1).
    # 112: 50, N 40: +25 %, +10 mm -> T trigger -> iUPD, episode 1, ref_S 50 (4.6 step 1).
    # 154 (42 d >= 28, step 3): 42 - 50 = -8 (no T confirm); no NT, no NL. R1: 42 vs N 40 = +5 %, +2 mm:
    #   not PD; R2, R3 (no new lesion) hold -> reset, step-1 mapping 42 vs B = -16 %: iSD, flag iupd_reset.
    # 210: 52 vs N 40: +30 %, +12 -> iUPD, episode 2, ref_S 52 ("the bar is reset").
    # 252 (42 d): 44 - 52 = -8; vs N 40: +10 %, +4 mm: not PD -> reset -> iSD (44 vs 50 = -12 %).
    # 308: 50 vs N 40: +25 %, +10 -> iUPD, episode 3, ref_S 50.
    # 343 (35 d, within 28-56: no late flag): 55 - 50 = +5 mm >= 5 -> iCPD, progression day 308.
    # 399: step 0 -> iCPD, after_progression.
    # 4.7: iBOR rule 3 iSD (day 56 >= 42); progression day = iupd_day of the episode that ended in iCPD (308,
    # not 112 or 210: reset iUPDs are not progression dates); iPFS event at 308.
    result = run(lesions(THREE_EPISODES))
    assert by_day(result) == {
        56: "iSD",
        112: "iUPD",
        154: "iSD",
        210: "iUPD",
        252: "iSD",
        308: "iUPD",
        343: "iCPD",
        399: "iCPD",
    }
    for day in (154, 252):
        assert "iupd_reset" in flags_on(result, day)
    for day in (56, 112, 210, 308, 343, 399):
        assert "iupd_reset" not in flags_on(result, day)
    assert not any("late_confirmation" in str(f) for f in by_day(result, "flags").values())
    after = by_day(result, "after_progression")
    assert [d for d, a in after.items() if a] == [399]
    assert by_day(result, "progression_day")[343] == 308
    assert by_day(result, "progression_day")[399] == 308
    states = by_day(result, "confirmation_state")
    assert (states[112], states[210], states[308], states[343]) == (
        "not_confirmed",
        "not_confirmed",
        "confirmed",
        "confirms",
    )
    assert "reset" in reason(result, 154) and "reset" in reason(result, 252)
    assert "iCPD" in reason(result, 343) and "308" in reason(result, 343) and "+5" in reason(result, 343)
    row = best(result)
    assert row["best_response"] == "iSD" and row["bor_day"] == 56
    assert row["progression_day"] == 308
    assert row["pfs_event"] and row["pfs_day"] == 308
    assert (row["iupd_day"], row["icpd_day"]) == (308, 343)
    assert pd.isna(row["first_response_day"])


def test_late_confirmation_belongs_to_the_first_deciding_scan_of_its_own_episode():
    # B 50 (clinical stable unless stated).
    # 56: 40 -> iSD. 112: 50 vs N 40 (+25 %, +10): iUPD ep 1, ref 50.
    # 154 (42 d <= 56: not late): 42, not PD vs N 40 -> reset, iSD.
    # 210: 52 vs N 40 (+30 %, +12): iUPD ep 2, ref 52, deteriorating -> flag iupd_not_clinically_stable (4.8).
    # 252 (42 d): T1 not evaluable: no confirmation possible, target NE -> NE, episode open (4.6 step 3);
    #   deteriorating but the row is NE, not iUPD: no unstable flag.
    # 280 (70 d): first evaluable deciding scan of episode 2: 58 - 52 = +6 -> iCPD, day 210;
    #   70 > 56 -> late_confirmation (4.7). Not on day 154 (ep 1 decided at 42 d).
    text = """
day lesion role   organ node long status        clinical
-7  T1     target liver n    50   present       stable
56  T1     target liver n    40   present       stable
112 T1     target liver n    50   present       stable
154 T1     target liver n    42   present       stable
210 T1     target liver n    52   present       deteriorating
252 T1     target liver n    -    not_evaluable deteriorating
280 T1     target liver n    58   present       stable
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iSD", 112: "iUPD", 154: "iSD", 210: "iUPD", 252: "NE", 280: "iCPD"}
    assert "late_confirmation" in flags_on(result, 280)
    assert "late_confirmation" not in flags_on(result, 154)
    assert "late_confirmation" not in flags_on(result, 252)
    assert "iupd_not_clinically_stable" in flags_on(result, 210)
    assert "iupd_not_clinically_stable" not in flags_on(result, 252)
    assert "iupd_not_clinically_stable" not in flags_on(result, 112)
    row = best(result)
    assert row["best_response"] == "iSD" and row["bor_day"] == 56
    assert row["progression_day"] == 210
    assert row["pfs_event"] and row["pfs_day"] == 210


def test_duration_of_iresponse_from_first_ipr_across_a_reset_to_icr_then_icpd_by_new_lesions():
    # B 50.
    # 56: 30 (-40 %) -> iPR (first response day 56).
    # 112: 37 vs N 30: +23.33 %, +7 -> iUPD (T), ref_S 37.
    # 154 (42 d): T1 absent -> target iCR (not PD); no NT, no new lesion -> reset; iCR (no new lesion).
    # 210: N1 6 mm appears. After a reset, an additional new lesion -> NL trigger -> iUPD, ep 2 (4.6 step 1).
    #   (N1 is a new lesion, not a T/NT reappearance.)
    # 252 (42 d): N1 absent, N2 bone 7 mm never seen -> "an additional new lesion always confirms" -> iCPD,
    #   progression day 210.
    # 4.7: iBOR iCR (rule 1); duration of iresponse = first iCR/iPR day 56 to progression day 210 = 154.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    30   present
112 T1     target liver n    37   present
154 T1     target liver n    -    absent
210 T1     target liver n    -    absent
210 N1     new    lung  n    6    present
252 T1     target liver n    -    absent
252 N1     new    lung  n    -    absent
252 N2     new    bone  n    7    present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iPR", 112: "iUPD", 154: "iCR", 210: "iUPD", 252: "iCPD"}
    assert "iupd_reset" in flags_on(result, 154)
    assert "additional" in reason(result, 252)
    row = best(result)
    assert row["best_response"] == "iCR"
    assert row["first_response_day"] == 56
    assert row["progression_day"] == 210
    assert row["duration_of_response_days"] == 154
    assert row["pfs_event"] and row["pfs_day"] == 210


# =================================================================================================
# NE and early scans inside an episode
# =================================================================================================


def test_early_ne_scan_then_ne_visits_then_late_first_decider_iupd_then_icpd_without_flag():
    # B 40 + 20 = 60.
    # 56: 52 + 20 = 72: (72 - 60) / 60 = +20 %, +12 -> iUPD (T), ref_S 72.
    # 70 (14 d < 28, step 2): T1 NE -> still "report iUPD with flag early_scan_not_used" (not NE).
    # 98 (42 d, step 3): T1 52, T2 NE: known part 52 - 72 < 5 (no confirm); target category: known 52 vs
    #   N 60 not PD -> NE (1.4 step 1). None holds and a missing value could decide -> NE, episode open.
    # 126 (70 d): T1 NE, T2 20 -> known 20: same -> NE.
    # 140 (84 d): 55 + 20 = 75: +3 vs 72 (no confirm); vs N 60 (incomplete sums never enter the nadir):
    #   +25 %, +15 -> PD -> R1 fails -> iUPD. First evaluable deciding scan and 84 > 56 -> late_confirmation.
    # 182 (126 d): 58 + 20 = 78: +6 vs 72 -> iCPD, day 56. Not the first deciding scan: no late flag.
    # iBOR: no iSD/iPR/iCR -> rule 5 iCPD; progression and iPFS day 56.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
-7  T2     target lung  n    20   present
56  T1     target liver n    52   present
56  T2     target lung  n    20   present
70  T1     target liver n    -    not_evaluable
70  T2     target lung  n    20   present
98  T1     target liver n    52   present
98  T2     target lung  n    -    not_evaluable
126 T1     target liver n    -    not_evaluable
126 T2     target lung  n    20   present
140 T1     target liver n    55   present
140 T2     target lung  n    20   present
182 T1     target liver n    58   present
182 T2     target lung  n    20   present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 70: "iUPD", 98: "NE", 126: "NE", 140: "iUPD", 182: "iCPD"}
    assert "early_scan_not_used" in flags_on(result, 70)
    assert "open" in reason(result, 98)
    assert "late_confirmation" in flags_on(result, 140)
    for day in (70, 98, 126, 182):
        assert "late_confirmation" not in flags_on(result, day)
    assert by_day(result, "nadir_sum")[140] == 60.0
    row = best(result)
    assert row["best_response"] == "iCPD"
    assert row["progression_day"] == 56
    assert row["pfs_event"] and row["pfs_day"] == 56
    assert row["icpd_day"] == 182


def test_early_scan_that_would_reset_is_not_used_the_next_scan_resets():
    # B 50. 56: 40 iSD. 112: 50 vs N 40 (+25 %, +10): iUPD (T), ref 50.
    # 126 (14 d): 42 would meet R1-R3, but step 2: not used for confirmation or reset -> iUPD, flag.
    #   (42 > N 40, so the nadir is 40 whichever way early scans are treated.)
    # 168 (56 d, not late): 43: no confirm; 43 vs N 40: +7.5 %, +3: not PD -> reset -> iSD (-14 % vs B).
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    40   present
112 T1     target liver n    50   present
126 T1     target liver n    42   present
168 T1     target liver n    43   present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iSD", 112: "iUPD", 126: "iUPD", 168: "iSD"}
    assert "early_scan_not_used" in flags_on(result, 126)
    assert "iupd_reset" not in flags_on(result, 126)
    assert "iupd_reset" in flags_on(result, 168)
    assert "late_confirmation" not in flags_on(result, 168)
    assert "not used" in reason(result, 126)
    row = best(result)
    assert not row["pfs_event"] and pd.isna(row["progression_day"])


# =================================================================================================
# Several categories at iUPD, confirmed by one
# =================================================================================================

THREE_CATS = """
day lesion role       organ  node long status
-7  T1     target     liver  n    40   present
-7  NT1    non_target pleura n    20   present
56  T1     target     liver  n    40   present
56  NT1    non_target pleura n    20   present
112 T1     target     liver  n    50   present
112 NT1    non_target pleura n    30   unequivocal_progression
112 A      new        lung   n    12   present
154 T1     target     liver  n    {t}  present
154 NT1    non_target pleura n    {nt} unequivocal_progression
154 A      new        lung   n    {a}  present
"""


def test_iupd_by_target_nontarget_and_new_lesion_at_once_confirmed_by_any_one():
    # B 40. 56: 40 vs B 0 % -> iSD.
    # 112: T 50 vs N 40 (+25 %, +10) -> T; NT1 unequivocal -> NT; A 12 mm lung (>= 10: NLT), first new
    #   lesion -> NL. iUPD with cats {T, NT, NL}, ref_S 50, ref_NLT 12.
    # 154 (42 d), step 3, "any" of:
    #   P1: T 52 (+2), NT1 30 -> 31 (any increase, 4.4), A 12 -> iCPD by NT.
    #   P2: T 52, NT1 30, A 17 (NLT +5) -> iCPD by NL.
    #   P3: T 55 (+5 vs ref_S), NT1 30, A 12 -> iCPD by T.
    #   P4: T 52, NT1 30, A 12 -> nothing; no NE; R1: 52 vs N 40 +30 %, +12 PD, R2: NT1 unequivocal -> iUPD.
    #   P5: as P4 plus B bone 6 mm never seen -> additional new lesion -> iCPD.
    cases = {
        "P1": (52, 31, 12),
        "P2": (52, 30, 17),
        "P3": (55, 30, 12),
        "P4": (52, 30, 12),
        "P5": (52, 30, 12),
    }
    tables = []
    for patient, (t, nt, a) in cases.items():
        text = THREE_CATS.format(t=t, nt=nt, a=a)
        if patient == "P5":
            text += "154 B new bone n 6 present\n"
        tables.append(lesions(text, patient_id=patient))
    result = run(cohort(*tables))
    for patient in ("P1", "P2", "P3", "P5"):
        assert by_day(result, patient=patient) == {56: "iSD", 112: "iUPD", 154: "iCPD"}, patient
        assert best(result, patient)["progression_day"] == 112, patient
        assert "112" in reason(result, 154, patient)
    assert by_day(result, patient="P4") == {56: "iSD", 112: "iUPD", 154: "iUPD"}
    # 0.10: the iUPD reason names the rule and the categories that fired.
    why = reason(result, 112, "P1")
    assert "iUPD" in why and "target" in why and "non-target" in why and "new lesion" in why
    assert "non-target" in reason(result, 154, "P1")
    assert "+5" in reason(result, 154, "P2")
    assert "+5" in reason(result, 154, "P3")
    assert "additional" in reason(result, 154, "P5")
    # P4: iBOR iSD (day 56), open episode at the end -> iPFS event at its iupd_day (default "event").
    p4 = best(result, "P4")
    assert p4["best_response"] == "iSD"
    assert p4["pfs_event"] and p4["pfs_day"] == 112
    assert pd.isna(p4["progression_day"])


def test_target_and_new_lesion_iupd_resets_when_lesion_static_and_targets_shrink():
    # B 50. 56: 40 iSD. 112: 50 vs N 40 (+25 %, +10) -> T; N1 6 mm lung (first new lesion) -> NL.
    #   cats {T, NL}, ref_S 50, ref_NLT 0.
    # 168 (56 d): 42 (-8 vs ref_S), N1 6 (no increase, NLT 0 <= 0, no additional) -> no confirm.
    #   R1: 42 vs N 40 +5 %: not PD. R2 holds. R3 (default): NL in cats, no growth, S 42 < ref_S 50 -> reset.
    #   Step-1 mapping: target iSD (42 vs 50 = -16 %) -> iSD.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    40   present
112 T1     target liver n    50   present
112 N1     new    lung  n    6    present
168 T1     target liver n    42   present
168 N1     new    lung  n    6    present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iSD", 112: "iUPD", 168: "iSD"}
    assert "iupd_reset" in flags_on(result, 168)
    # D1 resolution_only: N1 still present -> no reset -> iUPD.
    assert by_day(run(lesions(text), new_lesion_reset="resolution_only"))[168] == "iUPD"


# =================================================================================================
# Missing target values inside an episode
# =================================================================================================

NL_EPISODE_TARGET_NE = """
day lesion role   organ  node long status
-7  T1     target liver  n    30   present
-7  T2     target lung   n    20   present
56  T1     target liver  n    30   present
56  T2     target lung   n    20   present
56  N1     new    kidney n    8    present
112 T1     target liver  n    {t1} present
112 T2     target lung   n    -    not_evaluable
112 N1     new    kidney n    8    present
"""


def test_nl_episode_target_ne_known_part_counts_only_as_target_pd_against_the_nadir():
    # B 50. 56: S 50 (SD), N1 8 mm (NLNT) -> NL -> iUPD, cats {NL}, ref_S 50.
    # 112 (56 d): T2 NE. T is not in cats, so the target test is "target PD against N(t)" (4.6 step 3),
    #   with the missing-value rule of 1.4 step 1 (known part already meets PD -> PD).
    #   P1: known 56: +6 vs ref_S 50 but T was not in cats; vs N 50: +12 %, +6: not PD -> target NE.
    #       N1 unchanged, no additional lesion -> nothing confirms; target NE could decide -> NE, open.
    #   P2: known 60 vs N 50: +20 %, +10 -> target PD -> iCPD, progression day 56.
    p1 = lesions(NL_EPISODE_TARGET_NE.format(t1=56), patient_id="P1")
    p2 = lesions(NL_EPISODE_TARGET_NE.format(t1=60), patient_id="P2")
    result = run(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "iUPD", 112: "NE"}
    assert by_day(result, patient="P2") == {56: "iUPD", 112: "iCPD"}
    # P1: iBOR rule 6 (iUPD never confirmed), iPFS event at 56 by default (D8); P2 rule 5.
    p1_row, p2_row = best(result, "P1"), best(result, "P2")
    assert p1_row["best_response"] == "iUPD" and p1_row["pfs_event"] and p1_row["pfs_day"] == 56
    assert pd.isna(p1_row["progression_day"])
    assert p2_row["best_response"] == "iCPD" and p2_row["progression_day"] == 56


def test_unequivocal_nontarget_progression_confirms_a_target_iupd_even_with_a_target_ne():
    # B 40 + 20 = 60, NT1 present. 56: 72 (+20 %, +12) -> iUPD (T), ref_S 72.
    # 98 (42 d): T1 NE (known 20), NT1 unequivocal_progression. NT not in cats: "unequivocal progression"
    #   confirms; iCPD is assigned if any row holds, before the NE rule -> iCPD, progression day 56.
    text = """
day lesion role       organ node long status
-7  T1     target     liver n    40   present
-7  T2     target     lung  n    20   present
-7  NT1    non_target bone  n    -    present
56  T1     target     liver n    52   present
56  T2     target     lung  n    20   present
56  NT1    non_target bone  n    -    present
98  T1     target     liver n    -    not_evaluable
98  T2     target     lung  n    20   present
98  NT1    non_target bone  n    -    unequivocal_progression
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 98: "iCPD"}
    assert best(result)["progression_day"] == 56


# =================================================================================================
# Reappearance after iCR
# =================================================================================================

NT_REAPPEARS = """
day lesion role       organ node long status
-7  T1     target     liver n    20   present
-7  NT1    non_target bone  n    -    present
56  T1     target     liver n    -    absent
56  NT1    non_target bone  n    -    absent
112 T1     target     liver n    -    absent
112 NT1    non_target bone  n    -    present
168 T1     target     liver n    -    absent
168 NT1    non_target bone  n    -    present
224 T1     target     liver n    3    present
224 NT1    non_target bone  n    -    present
"""


def test_nontarget_reappearance_after_icr_is_reset_and_not_retriggered_with_option_on_and_off():
    # 56: all absent -> iCR.
    # Option on (default): 112: NT1 present again after an overall iCR -> NT trigger -> iUPD, cats {NT}.
    #   168 (56 d): NT1 present, no measurement, status unchanged -> no increase; T not in cats: target iCR
    #   (not PD); no new lesion; no NE -> reset (R1-R3). Step-1: target iCR + NT NON-iCR/NON-iUPD -> iPR.
    #   224: last evaluable overall is iPR, not iCR -> no reappearance trigger. T1 3 mm: N = 0 (complete sums
    #   20, 0, 0, 0) -> rel vs R = 0 met, abs +3 < 5: not PD; not CR (value > 0); 3 vs 20 = -85 %:
    #   iPR.
    # Option off: 112: target iCR + NT NON-iCR/NON-iUPD -> iPR; 168 iPR; 224 iPR (as above).
    # iBOR iCR (rule 1) in both; no iCPD, no open episode -> no iPFS event.
    on = run(lesions(NT_REAPPEARS))
    assert by_day(on) == {56: "iCR", 112: "iUPD", 168: "iPR", 224: "iPR"}
    assert "iupd_reset" in flags_on(on, 168)
    off = run(lesions(NT_REAPPEARS), reappearance_after_cr_is_pd=False)
    assert by_day(off) == {56: "iCR", 112: "iPR", 168: "iPR", 224: "iPR"}
    for result in (on, off):
        row = best(result)
        assert row["best_response"] == "iCR" and row["bor_day"] == 56
        assert not row["pfs_event"]
        assert pd.isna(row["progression_day"])
    assert best(on)["iupd_day"] == 112
    assert pd.isna(best(off)["iupd_day"])


def test_target_reappearance_after_icr_across_an_ne_visit_then_reset_then_target_pd_icpd():
    # B 20.
    # 56: absent -> iCR. 84: T1 NE -> no value, not a reappearance; target NE -> NE.
    # 112: T1 4 mm: the most recent evaluable overall response is iCR (1.8.1) -> T trigger -> iUPD, ref_S 4.
    # 168 (56 d): 4 (+0 vs ref_S). N = 0 (complete sums 20, 0, 4): +4 mm only -> not PD (R1); reset ->
    #   step 1: 4 vs 20 = -80 % -> iPR.
    # 224: last overall iPR -> no reappearance. 10 vs N 0: rel met (R = 0), +10 mm -> T -> iUPD, ref_S 10.
    # 266 (42 d): 15 - 10 = +5 -> iCPD, progression day 224.
    # iBOR iCR (day 56); duration of iresponse 56 -> 224 = 168; iPFS event 224.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    20   present
56  T1     target liver n    -    absent
84  T1     target liver n    -    not_evaluable
112 T1     target liver n    4    present
168 T1     target liver n    4    present
224 T1     target liver n    10   present
266 T1     target liver n    15   present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iCR", 84: "NE", 112: "iUPD", 168: "iPR", 224: "iUPD", 266: "iCPD"}
    assert "iupd_reset" in flags_on(result, 168)
    row = best(result)
    assert row["best_response"] == "iCR"
    assert row["progression_day"] == 224
    assert row["first_response_day"] == 56
    assert row["duration_of_response_days"] == 168
    assert row["pfs_event"] and row["pfs_day"] == 224


def test_nodal_target_reappears_after_icr_only_from_10mm_option_on_and_off():
    # Target node short axis 20 (measurable, >= 15). 56: 8 (< 10: normal) -> target iCR, S 8 -> iCR.
    # 112: P1 9.5: still normal (A3) -> target iCR (CR tested before PD, A4) -> iCR, no reappearance.
    #      P2 12: nodal target >= 10 after an overall iCR -> T trigger -> iUPD.
    #      P2 with the option off: not all normal; 12 vs N 8: +50 % but +4 mm -> not PD; 12 vs B 20 =
    #      -40 % -> iPR.
    base = """
day lesion role   organ node long short status
-7  T1     target neck  y    25   20    present
56  T1     target neck  y    12   8     present
112 T1     target neck  y    14   {s}   present
"""
    p1 = lesions(base.format(s=9.5), patient_id="P1")
    p2 = lesions(base.format(s=12), patient_id="P2")
    on = run(cohort(p1, p2))
    assert by_day(on, patient="P1") == {56: "iCR", 112: "iCR"}
    assert by_day(on, patient="P2") == {56: "iCR", 112: "iUPD"}
    off = run(cohort(p1, p2), reappearance_after_cr_is_pd=False)
    assert by_day(off, patient="P2") == {56: "iCR", 112: "iPR"}


def test_nontarget_only_reappearance_after_icr_resets_to_non_icr_non_iupd():
    # No targets. 56: NT1 absent -> iCR (4.6 step 1, no targets).
    # Option on: 112 NT1 present after iCR -> NT trigger -> iUPD. 168 (56 d): no increase, not unequivocal,
    #   no new lesion -> reset -> NON-iCR/NON-iUPD.
    # Option off: 112 and 168 NON-iCR/NON-iUPD. iBOR iCR in both (rule 1).
    text = """
day lesion role       organ node long status
-7  NT1    non_target bone  n    -    present
56  NT1    non_target bone  n    -    absent
112 NT1    non_target bone  n    -    present
168 NT1    non_target bone  n    -    present
"""
    on = run(lesions(text))
    assert by_day(on) == {56: "iCR", 112: "iUPD", 168: "NON-iCR/NON-iUPD"}
    assert "iupd_reset" in flags_on(on, 168)
    off = run(lesions(text), reappearance_after_cr_is_pd=False)
    assert by_day(off) == {56: "iCR", 112: "NON-iCR/NON-iUPD", 168: "NON-iCR/NON-iUPD"}
    assert best(on)["best_response"] == best(off)["best_response"] == "iCR"


# =================================================================================================
# New lesions that resolve and reappear (same lesion_id)
# =================================================================================================


def test_resolved_nlt_reappears_after_reset_small_then_plus_5mm_over_its_zero_nadir():
    # B 50 (T1 lung).
    # 56: T1 45 (-10 %), A liver 12 (NLT), first new lesion -> iUPD (NL), ref_S 45, ref_NLT 12.
    # 112 (56 d): T1 40, A absent (NLT 0): no confirm; R1 40 vs N 45 fine; R3 no new lesion present ->
    #   reset -> iSD (40 vs 50 = -20 %). nlt_nadir = min NLT since A first seen = min(12, 0) = 0.
    # 168: A back at 4 mm (same lesion_id: seen before, not "additional"). NLT 4 vs nadir 0: rel met
    #   (R = 0) but +4 mm < 5 -> no NL trigger; T 40 vs N 40 -> iSD.
    # 224: A 6: +6 mm and rel met -> NL trigger -> iUPD, ep 2, ref_NLT 6.
    # 266 (42 d): A 11: 11 - 6 = +5 -> iCPD, progression day 224.
    # iBOR iSD (day 112); iPFS event 224.
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  A      new    liver n    12   present
112 T1     target lung  n    40   present
112 A      new    liver n    -    absent
168 T1     target lung  n    40   present
168 A      new    liver n    4    present
224 T1     target lung  n    40   present
224 A      new    liver n    6    present
266 T1     target lung  n    40   present
266 A      new    liver n    11   present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iSD", 168: "iSD", 224: "iUPD", 266: "iCPD"}
    assert by_day(result, "new_lesion_sum") == {56: 12.0, 112: 0.0, 168: 4.0, 224: 6.0, 266: 11.0}
    assert by_day(result, "new_lesion_response") == {56: "yes", 112: "no", 168: "yes", 224: "yes", 266: "yes"}
    row = best(result)
    assert row["best_response"] == "iSD" and row["bor_day"] == 112
    assert row["progression_day"] == 224
    assert row["pfs_event"] and row["pfs_day"] == 224


def test_resolved_nlnt_reappearing_after_reset_is_not_an_additional_new_lesion():
    # 56: T1 45, N1 8 mm (NLNT) -> iUPD (NL). 112: N1 absent, T1 40 -> reset -> iSD.
    # 168, 224: N1 present again at 8 mm: same lesion_id, not additional; no NLT; no NLNT unequivocal
    #   progression -> no step-1 trigger; target iSD -> iSD (4.6 step 1 after a reset).
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  N1     new    liver n    8    present
112 T1     target lung  n    40   present
112 N1     new    liver n    -    absent
168 T1     target lung  n    40   present
168 N1     new    liver n    8    present
224 T1     target lung  n    40   present
224 N1     new    liver n    8    present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iSD", 168: "iSD", 224: "iSD"}
    row = best(result)
    assert not row["pfs_event"]
    assert row["iupd_day"] == 56


def test_new_lesion_back_after_an_icr_reset_gives_ipr_not_iupd():
    # B 20. 56: absent -> iCR. 112: N1 6 mm (first new lesion) -> iUPD (NL), ref_S 0.
    # 168 (56 d): N1 absent, T1 absent -> no confirm; R3 no new lesion -> reset; iCR (no new lesion present).
    # 224: N1 back at 6 mm: not additional (seen), NLNT, not unequivocal -> no NL trigger; reappearance after
    #   iCR counts only T or NT lesions (T1 absent, no NT) -> no trigger. Step 1: "target iCR ... with a
    #   known new lesion still present -> iPR".
    text = """
day lesion role   organ node long status
-7  T1     target liver n    20   present
56  T1     target liver n    -    absent
112 T1     target liver n    -    absent
112 N1     new    lung  n    6    present
168 T1     target liver n    -    absent
168 N1     new    lung  n    -    absent
224 T1     target liver n    -    absent
224 N1     new    lung  n    6    present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iCR", 112: "iUPD", 168: "iCR", 224: "iPR"}
    assert "iupd_reset" in flags_on(result, 168)
    row = best(result)
    assert row["best_response"] == "iCR"
    assert not row["pfs_event"]


def test_after_reset_known_nlt_growth_confirms_a_target_driven_episode():
    # B 50 (T1 lung). 56: T1 45, A liver 20 (NLT) -> iUPD (NL), ref_S 45, ref_NLT 20.
    # 112 (56 d): T1 40 < 45, A 20 (no growth) -> reset (R3 target shrinkage) -> iSD; nlt_nadir 20.
    # 168: T1 50 vs N 40: +25 %, +10 -> iUPD (T); A 20 vs nadir 20: no NL trigger. cats {T}, ref_S 50.
    # 210 (42 d): T1 52 (+2: no T confirm). NL not in cats -> "after a reset, the step-1 NL test":
    #   P1: A 25 vs nlt_nadir 20: +25 %, +5 -> iCPD, progression day 168.
    #   P2: A 24: +20 % but +4 mm -> no; R1: 52 vs N 40 PD -> iUPD.
    base = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  A      new    liver n    20   present
112 T1     target lung  n    40   present
112 A      new    liver n    20   present
168 T1     target lung  n    50   present
168 A      new    liver n    20   present
210 T1     target lung  n    52   present
210 A      new    liver n    {a}  present
"""
    result = run(
        cohort(lesions(base.format(a=25), patient_id="P1"), lesions(base.format(a=24), patient_id="P2"))
    )
    assert by_day(result, patient="P1") == {56: "iUPD", 112: "iSD", 168: "iUPD", 210: "iCPD"}
    assert by_day(result, patient="P2") == {56: "iUPD", 112: "iSD", 168: "iUPD", 210: "iUPD"}
    p1, p2 = best(result, "P1"), best(result, "P2")
    assert p1["progression_day"] == 168 and p1["pfs_day"] == 168
    assert p1["best_response"] == "iSD" and p1["bor_day"] == 112
    assert pd.isna(p2["progression_day"]) and p2["pfs_event"] and p2["pfs_day"] == 168


# =================================================================================================
# Early scans and early_scan_policy
# =================================================================================================

EARLY_NEW = """
day lesion role   organ  node long status
-7  T1     target lung   n    50   present
56  T1     target lung   n    45   present
56  A      new    liver  n    12   present
70  T1     target lung   n    45   present
70  A      new    liver  n    12   present
70  B      new    kidney n    10   present
98  T1     target lung   n    45   present
98  A      new    liver  n    12   present
98  B      new    kidney n    10   present
"""


def test_additional_new_lesion_on_an_early_scan_new_lesion_only_policy_confirms_there():
    # 56: A 12 (NLT) -> iUPD (NL), ref_NLT 12. 70 (14 d < 28): B never seen before -> with
    # early_scan_policy "new_lesion_only" "an additional new lesion on this scan confirms iCPD" -> iCPD,
    # progression day 56 (the iUPD). 98: step 0 -> iCPD, after_progression.
    result = run(lesions(EARLY_NEW), early_scan_policy="new_lesion_only")
    assert by_day(result) == {56: "iUPD", 70: "iCPD", 98: "iCPD"}
    assert "early_scan_not_used" not in flags_on(result, 70)
    assert by_day(result, "after_progression") == {56: False, 70: False, 98: True}
    row = best(result)
    assert row["best_response"] == "iCPD"
    assert (row["progression_day"], row["icpd_day"], row["pfs_day"]) == (56, 70, 56)


def test_additional_new_lesion_on_an_early_scan_ignore_policy_waits_for_28_days():
    # Default "ignore": 70 -> iUPD, flag early_scan_not_used. 98 (42 d): NLT sum A 12 + B 10 (B measurable,
    # slots free) = 22 vs ref_NLT 12: +10 mm -> iCPD, progression day 56, iCPD day 98.
    result = run(lesions(EARLY_NEW))
    assert by_day(result) == {56: "iUPD", 70: "iUPD", 98: "iCPD"}
    assert "early_scan_not_used" in flags_on(result, 70)
    assert by_day(result, "new_lesion_sum")[98] == 22.0
    row = best(result)
    assert (row["progression_day"], row["icpd_day"]) == (56, 98)


def test_new_lesion_only_policy_ignores_target_growth_on_an_early_scan():
    # B 40. 56: 50 (+25 %, +10) -> iUPD (T), ref_S 50. 70 (14 d): 70 mm (+20 vs ref_S) but no new lesion:
    # "new_lesion_only" lets only an additional new lesion confirm -> iUPD, early_scan_not_used.
    # 84 (28 d): 54: +4 vs ref_S 50 (no confirm); 54 vs N 40 +35 % -> PD (R1 fails) -> iUPD.
    # (70 > 40, so the nadir is 40 however early scans are treated.)
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    50   present
70  T1     target liver n    70   present
84  T1     target liver n    54   present
"""
    result = run(lesions(text), early_scan_policy="new_lesion_only")
    assert by_day(result) == {56: "iUPD", 70: "iUPD", 84: "iUPD"}
    assert "early_scan_not_used" in flags_on(result, 70)
    assert "early_scan_not_used" not in flags_on(result, 84)


# =================================================================================================
# New-lesion sums and classes inside an episode
# =================================================================================================

TOO_SMALL_NLT = """
day lesion role   organ  node long status
-7  T1     target kidney n    50   present
56  T1     target kidney n    46   present
112 T1     target kidney n    45   present
112 A      new    liver  n    12   present
112 B      new    lung   n    10   present
168 T1     target kidney n    44   present
168 A      new    liver  n    -    {sa}
168 B      new    lung   n    {b}  present
"""


def test_too_small_nlt_counts_5mm_in_the_confirmation_sum_absent_counts_0():
    # 56: 46 (-8 %) iSD. 112: A 12, B 10 (both >= 10: NLT) -> iUPD (NL), ref_NLT 22, ref_S 45.
    # 168 (56 d); 0.4: too_small -> 5 mm, absent -> 0.
    #   P1: A too_small (5) + B 22 = 27: +5 vs 22 -> iCPD, progression day 112.
    #   P2: A too_small (5) + B 21 = 26: +4 (no confirm); NLT grew (26 > 22) -> R3 fails -> iUPD.
    #   P3: A absent (0) + B 10 = 10 <= 22, no growth, S 44 < ref_S 45, NL in cats -> reset; iSD (44 vs 50).
    p1 = lesions(TOO_SMALL_NLT.format(sa="too_small", b=22), patient_id="P1")
    p2 = lesions(TOO_SMALL_NLT.format(sa="too_small", b=21), patient_id="P2")
    p3 = lesions(TOO_SMALL_NLT.format(sa="absent", b=10), patient_id="P3")
    result = run(cohort(p1, p2, p3))
    assert by_day(result, patient="P1") == {56: "iSD", 112: "iUPD", 168: "iCPD"}
    assert by_day(result, patient="P2") == {56: "iSD", 112: "iUPD", 168: "iUPD"}
    assert by_day(result, patient="P3") == {56: "iSD", 112: "iUPD", 168: "iSD"}
    assert {p: by_day(result, "new_lesion_sum", p)[168] for p in ("P1", "P2", "P3")} == {
        "P1": 27.0,
        "P2": 26.0,
        "P3": 10.0,
    }
    assert best(result, "P1")["progression_day"] == 112
    assert "iupd_reset" in flags_on(result, 168, "P3")


def test_new_node_under_10mm_on_the_confirming_scan_is_not_an_additional_lesion():
    # B 40. 56: 50 (+25 %, +10) -> iUPD (T), ref_S 50.
    # 112 (56 d): T1 44 (-6 vs ref_S); U1 new node short axis 8 mm: "new nodes under 10 mm are not lesions
    #   (flag)" -> not an additional new lesion, not "present". R1: 44 vs N 40 = +10 %, +4: not PD; R2; R3 no
    #   new lesion present -> reset -> 44 vs B 40 -> iSD. Flags new_node_below_10mm and iupd_reset.
    text = """
day lesion role   organ node long short status
-7  T1     target liver n    40   -     present
56  T1     target liver n    50   -     present
112 T1     target liver n    44   -     present
112 U1     new    neck  y    -    8     present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iSD"}
    assert "new_node_below_10mm" in flags_on(result, 112)
    assert "iupd_reset" in flags_on(result, 112)
    assert by_day(result, "new_lesion_response")[112] == "no"
    row = best(result)
    assert row["best_response"] == "iSD" and not row["pfs_event"]


def test_equivocal_new_lesion_on_the_confirming_scan_does_not_confirm_and_the_episode_resets():
    # B 40. 56: 50 -> iUPD (T). 112 (56 d): T1 44, U1 8 mm equivocal: not "present" (4.5), so not an
    # additional new lesion; R1-R3 hold -> reset -> iSD; flags iupd_reset, equivocal_new_lesion;
    # new_lesion_response "no" (4.5: written no / yes).
    text = """
day lesion role   organ node long status  equivocal
-7  T1     target liver n    40   present n
56  T1     target liver n    50   present n
112 T1     target liver n    44   present n
112 U1     new    lung  n    8    present y
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iSD"}
    assert "iupd_reset" in flags_on(result, 112)
    assert "equivocal_new_lesion" in flags_on(result, 112)
    assert by_day(result, "new_lesion_response")[112] == "no"


# =================================================================================================
# Patients without target lesions
# =================================================================================================


def test_nontarget_only_patient_new_lesion_persists_no_reset_then_resolves_then_nt_icpd():
    # No targets: S = 0 at every assessment.
    # 56: NT present -> NON-iCR/NON-iUPD. 112: N1 6 mm (first new lesion) -> iUPD (NL), ref_S 0.
    # 168 (56 d): N1 unchanged: no confirm; R3 (default): N1 present and new in this episode; NL in cats and
    #   no growth, but S(t) < ref_S is 0 < 0: false -> no reset -> iUPD.
    # 224 (112 d): N1 absent -> R3: no new lesion present -> reset -> NON-iCR/NON-iUPD.
    # 280: NT2 unequivocal_progression (25 mm) -> iUPD (NT), ep 2.
    # 322 (42 d): NT2 27 > 25 -> any increase -> iCPD, progression day 280.
    # iBOR rule 4: NON-iCR/NON-iUPD (day 56 >= 42); iPFS event 280.
    text = """
day lesion role       organ  node long status
-7  NT1    non_target bone   n    -    present
-7  NT2    non_target pleura n    20   present
56  NT1    non_target bone   n    -    present
56  NT2    non_target pleura n    20   present
112 NT1    non_target bone   n    -    present
112 NT2    non_target pleura n    20   present
112 N1     new        lung   n    6    present
168 NT1    non_target bone   n    -    present
168 NT2    non_target pleura n    20   present
168 N1     new        lung   n    6    present
224 NT1    non_target bone   n    -    present
224 NT2    non_target pleura n    20   present
224 N1     new        lung   n    -    absent
280 NT1    non_target bone   n    -    present
280 NT2    non_target pleura n    25   unequivocal_progression
322 NT1    non_target bone   n    -    present
322 NT2    non_target pleura n    27   unequivocal_progression
"""
    result = run(lesions(text))
    assert by_day(result) == {
        56: "NON-iCR/NON-iUPD",
        112: "iUPD",
        168: "iUPD",
        224: "NON-iCR/NON-iUPD",
        280: "iUPD",
        322: "iCPD",
    }
    assert "iupd_reset" in flags_on(result, 224)
    assert "iupd_reset" not in flags_on(result, 168)
    row = best(result)
    assert row["best_response"] == "NON-iCR/NON-iUPD" and row["bor_day"] == 56
    assert row["progression_day"] == 280
    assert row["pfs_event"] and row["pfs_day"] == 280


# =================================================================================================
# iBOR, scope and min_sd_days
# =================================================================================================


def test_ibor_isd_too_early_before_an_iupd_but_the_reset_isd_counts():
    # B 50. 56: 45 (-10 %) iSD. 112: 56 vs N 45: +24.44 %, +11 -> iUPD, ref 56. 154 (42 d): 47: -9 vs ref;
    # 47 vs N 45: +4.44 % -> reset -> iSD (47 vs 50 = -6 %).
    # min_sd_days 100: iSD of day 56 does not count, iSD of day 154 does -> iBOR iSD, bor_day 154.
    # Default 42: bor_day 56. No iCPD, nothing open -> no iPFS event either way.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    45   present
112 T1     target liver n    56   present
154 T1     target liver n    47   present
"""
    default, late = run(lesions(text)), run(lesions(text), min_sd_days=100)
    assert by_day(default) == by_day(late) == {56: "iSD", 112: "iUPD", 154: "iSD"}
    assert (best(default)["best_response"], best(default)["bor_day"]) == ("iSD", 56)
    assert (best(late)["best_response"], best(late)["bor_day"]) == ("iSD", 154)
    assert not best(late)["pfs_event"]


def test_ibor_early_isd_then_icpd_is_icpd_and_later_complete_response_is_out_of_scope():
    # B 40. 21: 40 (iSD, day 21 < 42: does not count). 28: 50 vs N 40 (+25 %, +10) -> iUPD, ref 50.
    # 56 (28 d): 55 (+5) -> iCPD, progression day 28. 112, 168: T1 absent; step 0 -> iCPD, after
    # progression; their target category is still computed (iCR, 0.9) but they are outside the iBOR scope.
    # iBOR: rule 3 fails (day 21 < 42), rule 5 -> iCPD; no response day.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
21  T1     target liver n    40   present
28  T1     target liver n    50   present
56  T1     target liver n    55   present
112 T1     target liver n    -    absent
168 T1     target liver n    -    absent
"""
    result = run(lesions(text))
    assert by_day(result) == {21: "iSD", 28: "iUPD", 56: "iCPD", 112: "iCPD", 168: "iCPD"}
    assert by_day(result, "after_progression") == {21: False, 28: False, 56: False, 112: True, 168: True}
    assert by_day(result, "target_response")[112] == "iCR"
    row = best(result)
    assert row["best_response"] == "iCPD"
    assert row["progression_day"] == 28 and row["pfs_day"] == 28
    assert pd.isna(row["first_response_day"])


# =================================================================================================
# Split lesions and rows that are not lesions (0.2, 0.4) inside an episode
# =================================================================================================


def test_split_nontarget_whose_fragments_sum_larger_is_an_increase_that_confirms():
    # 0.4: "several rows with the same lesion_id in one assessment are fragments; the lesion value is the
    # sum of the fragment values". 4.4: an increase is a measured size larger than at the previous assessment.
    # B T1 50, NT1 pleura 20. 56: T1 45; NT1 30 unequivocal_progression -> iUPD (NT), cats {NT}.
    # 112 (56 d): NT1 split into two fragments 16 + 16 = 32 > 30 -> "any increase" -> iCPD, day 56.
    text = """
day lesion role       organ  node long status
-7  T1     target     liver  n    50   present
-7  NT1    non_target pleura n    20   present
56  T1     target     liver  n    45   present
56  NT1    non_target pleura n    30   unequivocal_progression
112 T1     target     liver  n    45   present
112 NT1    non_target pleura n    16   unequivocal_progression
112 NT1    non_target pleura n    16   unequivocal_progression
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iCPD"}
    assert best(result)["progression_day"] == 56


def test_split_nlnt_whose_fragments_sum_larger_is_an_nlnt_increase_that_confirms():
    # B T1 50. 56: T1 45, N1 liver 8 mm (NLNT) -> iUPD (NL), ref_S 45.
    # 112 (56 d): T1 45; N1 split into 5 + 5 = 10 > 8 (0.4 lesion value) -> "any NLNT increase" -> iCPD.
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  N1     new    liver n    8    present
112 T1     target lung  n    45   present
112 N1     new    liver n    5    present
112 N1     new    liver n    5    present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iCPD"}


def test_a_missing_new_lesion_row_is_not_hidden_by_a_split_lesion_with_two_rows():
    # 0.2: "A new lesion, once seen, should be reported at every later assessment; a missing row is treated
    # as not_evaluable." B T1 50. 56: T1 45, A liver 8 and B bone 6 (both NLNT) -> iUPD (NL), ref_S 45.
    # 112 (56 d): T1 45; A split 4 + 4 = 8 (no increase); B has no row -> B not evaluable.
    # Nothing confirms (S +0, A unchanged, no additional lesion); B could have grown -> NE, episode open
    # (4.6 step 3). (Without the NE rule, R3 would fail anyway: S 45 is not < ref_S 45 -> iUPD.)
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  A      new    liver n    8    present
56  B      new    bone  n    6    present
112 T1     target lung  n    45   present
112 A      new    liver n    4    present
112 A      new    liver n    4    present
"""
    assert by_day(run(lesions(text))) == {56: "iUPD", 112: "NE"}


def test_a_new_node_under_10mm_without_a_later_row_does_not_make_the_deciding_scan_ne():
    # 1.5 / 4.4: "new nodes under 10 mm are not lesions (flag)" - it is ignored, so a later missing row is
    # not a missing lesion value. B 40. 56: 50 (+25 %, +10) -> iUPD (T), ref_S 50.
    # 84 (28 d): T1 53 (+3: no confirm), U1 node 8 mm: flag, not a lesion; 53 vs N 40 PD -> iUPD.
    # 126 (70 d): T1 44, no U1 row: no confirm; nothing missing; R1: 44 vs N 40 +10 %: not PD; R2; R3 no
    # new lesion -> reset -> iSD. (The first deciding scan was day 84, within 56 d: no late flag.)
    text = """
day lesion role   organ node long short status
-7  T1     target liver n    40   -     present
56  T1     target liver n    50   -     present
84  T1     target liver n    53   -     present
84  U1     new    neck  y    -    8     present
126 T1     target liver n    44   -     present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 84: "iUPD", 126: "iSD"}
    assert "new_node_below_10mm" in flags_on(result, 84)
    assert "iupd_reset" in flags_on(result, 126)
