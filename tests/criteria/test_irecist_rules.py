"""Rules of iRECIST (spec/anatomic.md sections 0 and 4) beyond the worked examples of test_irecist.py.

Every expected value below is computed by hand from the spec text; the arithmetic is in the comments.
"""

from __future__ import annotations

import pandas as pd
from _lesions import best, by_day, cohort, flags_on, lesions, study

from ioresponse.criteria import irecist


def run(table, **options):
    return irecist.assess(study(table), **options)


# --- 0.5 / 4.4 / 4.6 step 1: RECIST 1.1 target progression boundary -------------------------------


def test_4_6_step1_target_iupd_at_exactly_20pct_and_5mm_but_not_with_4mm():
    # spec 4.6 step 1 T: rel(S, N) >= 0.20 and abs >= 5 mm; 0.5: rel rounded to 6 decimals first.
    # P1: nadir 25, S 30: (30 - 25) / 25 = +20.00 % (0.19999999999999996 in binary), +5 mm -> iUPD.
    # P2: nadir 20, S 24: +20.00 % but only +4 mm -> not PD; -> iSD (24 vs 20 is not -30 %).
    p1 = lesions(
        """
day lesion role   organ node long status
-7  T1     target liver n    25   present
56  T1     target liver n    30   present
""",
        patient_id="P1",
    )
    p2 = lesions(
        """
day lesion role   organ node long status
-7  T1     target liver n    20   present
56  T1     target liver n    24   present
""",
        patient_id="P2",
    )
    result = run(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "iUPD"}
    assert by_day(result, patient="P2") == {56: "iSD"}
    # P2: iSD on day 56 >= min_sd_days 42 -> iBOR iSD (4.7 rule 3); P1: iUPD never confirmed (rule 6).
    assert best(result, "P2")["best_response"] == "iSD"
    assert best(result, "P1")["best_response"] == "iUPD"


def test_4_4_incomplete_target_sum_that_already_makes_pd_says_it_is_the_measured_part():
    # spec 4.4 (as RECIST 1.1 sec. 4.4.2, spec 1.4): a missing target value gives PD when the measured
    # targets alone make PD. Baseline 40 + 30 = 70 (nadir). Day 56: T1 90, T2 not evaluable: 90 >= 1.2 x
    # 70 = 84 and +20 mm -> target iUPD, and the reason says the sum is incomplete (spec 0.10).
    table = lesions(
        """
day lesion role   organ node long status
-7  T1     target liver n    40   present
-7  T2     target lung  n    30   present
56  T1     target liver n    90   present
56  T2     target lung  n    -    not_evaluable
"""
    )
    result = run(table)
    assert by_day(result) == {56: "iUPD"}
    assert (
        "target sum incomplete (lesion T2 not evaluable); measured targets already sum 90 mm, +28.57%, "
        "+20 mm vs nadir 70 mm: target iUPD (RECIST 1.1 sec. 4.4.2)" in result.timepoints["reason"].iloc[0]
    )


# --- 4.6 step 3: what confirms iCPD, boundaries ---------------------------------------------------


def test_4_6_step3_further_target_increase_of_exactly_5mm_confirms_despite_binary_rounding():
    # spec 4.6 step 3 (T in cats): S(t) - ref_S >= 5 mm; 0.5: abs rounded to 6 decimals.
    # Baseline 10.0 + 14.0 = 24.0. Day 56: 10.0 + 19.8 = 29.8 (+24.17 %, +5.8 mm): iUPD, ref_S 29.8.
    # Day 112 (56 days later): 15.0 + 19.8 = 34.8; 34.8 - 29.8 = +5.0 mm (4.9999999999999964 in binary)
    # -> iCPD, progression day 56.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    10.0 present
-7  T2     target lung  n    14.0 present
56  T1     target liver n    10.0 present
56  T2     target lung  n    19.8 present
112 T1     target liver n    15.0 present
112 T2     target lung  n    19.8 present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iCPD"}
    assert best(result)["progression_day"] == 56


def test_4_6_step3_further_target_increase_of_4_9mm_does_not_confirm():
    # ref_S = 40 + 10 = 50 at iUPD (vs baseline 40: +25 %, +10 mm). Day 112: 54.9: +4.9 mm (< 5): no
    # confirmation; still PD against the nadir 40 (+37.25 %) so no reset (R1): iUPD.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    50   present
112 T1     target liver n    54.9 present
"""
    assert by_day(run(lesions(text))) == {56: "iUPD", 112: "iUPD"}


def test_4_7_confirmation_at_exactly_28_days_decides_27_days_is_an_early_scan():
    # spec 4.6 step 2 / 4.7: a scan < confirm_min_days (28) after iUPD is not used; >= 28 decides.
    # iUPD day 56 (40 -> 50: +25 %, +10 mm, ref_S 50); next scan 56 mm (+6 mm >= 5).
    # P1 on day 83 (27 days): iUPD with flag early_scan_not_used.
    # P2 on day 84 (28 days): iCPD, progression day 56, no early flag.
    base = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    50   present
{day} T1   target liver n    56   present
"""
    p1 = lesions(base.format(day=83), patient_id="P1")
    p2 = lesions(base.format(day=84), patient_id="P2")
    result = run(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "iUPD", 83: "iUPD"}
    assert "early_scan_not_used" in flags_on(result, 83, "P1")
    assert by_day(result, patient="P2") == {56: "iUPD", 84: "iCPD"}
    assert "early_scan_not_used" not in flags_on(result, 84, "P2")
    assert best(result, "P2")["progression_day"] == 56


def test_4_7_D4_late_confirmation_flag_only_beyond_56_days():
    # spec 4.7 / D4: the deciding assessment more than confirm_max_days = 56 days after iUPD gets
    # late_confirmation. iUPD day 56; deciding scan at day 112 (56 days: not late) or 113 (57: late).
    base = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    50   present
{day} T1   target liver n    56   present
"""
    p1 = lesions(base.format(day=112), patient_id="P1")
    p2 = lesions(base.format(day=113), patient_id="P2")
    result = run(cohort(p1, p2))
    assert by_day(result, patient="P1")[112] == "iCPD"
    assert "late_confirmation" not in flags_on(result, 112, "P1")
    assert by_day(result, patient="P2")[113] == "iCPD"
    assert "late_confirmation" in flags_on(result, 113, "P2")


def test_4_7_D4_late_confirmation_flag_when_the_deciding_scan_comes_after_an_ne_visit():
    # Baseline 40 + 20 = 60. Day 56: 52 + 20 = 72 (+20 %, +12 mm): iUPD, ref_S 72.
    # Day 98 (42 days): T2 not evaluable, known part 52 (< 72 + 5, not PD vs nadir 60): NE, stays open.
    # Day 126 (70 days): 58 + 20 = 78, +6 mm vs 72: iCPD; 70 > 56 -> flag late_confirmation.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
-7  T2     target lung  n    20   present
56  T1     target liver n    52   present
56  T2     target lung  n    20   present
98  T1     target liver n    52   present
98  T2     target lung  n    -    not_evaluable
126 T1     target liver n    58   present
126 T2     target lung  n    20   present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 98: "NE", 126: "iCPD"}
    assert "late_confirmation" in flags_on(result, 126)


def test_4_6_step3_known_part_of_an_incomplete_target_sum_confirms():
    # spec 4.6 step 3 table: "with a missing target value the known part is used, since it can only grow".
    # Baseline 50 + 25 = 75. Day 56: 70 + 25 = 95 (+26.67 %, +20 mm): iUPD, ref_S 95.
    # Day 112: T1 100, T2 not evaluable: known part 100 - 95 = +5 mm (>= 5) -> iCPD, progression day 56.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
-7  T2     target lung  n    25   present
56  T1     target liver n    70   present
56  T2     target lung  n    25   present
112 T1     target liver n    100  present
112 T2     target lung  n    -    not_evaluable
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iCPD"}
    assert best(result)["progression_day"] == 56


# new-lesion-driven iUPD (NL in cats): target 50 -> 45 (iSD), new non-measurable liver lesion N1.
NL_IUPD = """
day lesion role       organ node long status   {col}
-7  T1     target     lung  n    50   present  {c0}
-7  NT1    non_target bone  n    -    present  {c0}
56  T1     target     lung  n    45   present  {c0}
56  NT1    non_target bone  n    -    present  {c0}
56  N1     new        liver n    8    present  {c0}
112 T1     target     lung  n    45   present  {c0}
112 NT1    non_target bone  n    -    {nt}     {cn}
112 N1     new        liver n    {n1} {s1}     {c1}
"""


def _nl(nt="present", n1="8", s1="present", col="", c0="", c1="", cn=None):
    cn = c0 if cn is None else cn
    return NL_IUPD.format(nt=nt, n1=n1, s1=s1, col=col, c0=c0, c1=c1, cn=cn)


def test_4_6_step3_nlnt_any_increase_confirms_a_new_lesion_iupd():
    # spec 4.6 step 3 (NL in cats): "any NLNT increase"; 4.4: increase = measured size larger than at
    # the previous assessment, or status present -> unequivocal_progression (need not be unequivocal).
    # N1 (8 mm, < 10 mm: NLNT). P1: 8 -> 9 mm. P2: present -> unequivocal_progression (no size).
    # P3: increase_since_previous = true. All: iCPD on day 112, progression day 56.
    p1 = lesions(_nl(n1="9"), patient_id="P1")
    p2 = lesions(_nl(n1="-", s1="unequivocal_progression"), patient_id="P2")
    p3 = lesions(_nl(n1="-", col="increase", c0="-", c1="y"), patient_id="P3")
    result = run(cohort(p1, p2, p3))
    for patient in ("P1", "P2", "P3"):
        assert by_day(result, patient=patient) == {56: "iUPD", 112: "iCPD"}, patient
        assert best(result, patient)["progression_day"] == 56
    assert by_day(result, "new_lesion_sum", "P1") == {56: 0.0, 112: 0.0}  # NLNT never in the NLT sum


def test_4_6_step3_nontarget_not_in_cats_confirms_only_by_unequivocal_progression():
    # spec 4.6 step 3 table, non-target row, "if it was not in cats": unequivocal progression.
    # P1: NT1 unequivocal_progression on day 112 -> iCPD.
    # P2: NT1 only flagged increase_since_previous (still present): not enough; N1 unchanged and
    # S 45 = ref_S 45 (not < ref_S, R3 fails) -> no reset: iUPD.
    p1 = lesions(_nl(nt="unequivocal_progression"), patient_id="P1")
    p2 = lesions(_nl(col="increase", c0="-", c1="-", cn="y"), patient_id="P2")
    result = run(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "iUPD", 112: "iCPD"}
    assert by_day(result, patient="P2") == {56: "iUPD", 112: "iUPD"}


def test_4_4_increase_is_measured_against_the_previous_used_assessment_not_an_early_scan():
    # NT1 unequivocal progression on day 56 (iUPD, NT in cats, 30 mm). Early scan day 70 (14 days, not
    # used): 33 mm. Day 112 (56 days): 33 mm. Against the previous assessment used (day 56, 30 mm)
    # the non-target grew +3 mm -> "any increase" confirms: iCPD, progression day 56.
    text = """
day lesion role       organ  node long status
-7  T1     target     liver  n    50   present
-7  NT1    non_target pleura n    20   present
56  T1     target     liver  n    45   present
56  NT1    non_target pleura n    30   unequivocal_progression
70  T1     target     liver  n    45   present
70  NT1    non_target pleura n    33   unequivocal_progression
112 T1     target     liver  n    45   present
112 NT1    non_target pleura n    33   unequivocal_progression
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 70: "iUPD", 112: "iCPD"}


def test_4_4_a_decrease_on_an_early_scan_does_not_make_the_next_scan_an_increase():
    # The converse of the test above. NT1 30 mm at the iUPD of day 56, 25 mm on the early scan of day 70
    # (not used), 28 mm on day 112: against day 56 (30 mm) no increase, so no iCPD; NT1 is still in
    # unequivocal progression (R2), so no reset either: iUPD (spec 4.4, 4.6 step 3).
    text = """
day lesion role       organ  node long status
-7  T1     target     liver  n    50   present
-7  NT1    non_target pleura n    20   present
56  T1     target     liver  n    45   present
56  NT1    non_target pleura n    30   unequivocal_progression
70  T1     target     liver  n    45   present
70  NT1    non_target pleura n    25   unequivocal_progression
112 T1     target     liver  n    45   present
112 NT1    non_target pleura n    28   unequivocal_progression
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 70: "iUPD", 112: "iUPD"}


def test_D2_previous_reference_skips_the_early_scan():
    # Option icpd_increase_reference="previous" (spec 4.11 D2) with an early scan (4.6 step 2: not
    # used). Baseline 50; day 56: 62 mm (+24%, +12 mm: iUPD, T in cats); day 70 (14 days): 52 mm, not
    # used; day 112: 60 mm. The previous assessment used is day 56 (62): 60 - 62 = -2 mm, no iCPD; the
    # target is still PD vs nadir 50 (+20%, +10 mm), so no reset (R1): iUPD. Against the early scan
    # (52) it would have been +8 mm, iCPD.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    62   present
70  T1     target liver n    52   present
112 T1     target liver n    60   present
"""
    result = run(lesions(text), icpd_increase_reference="previous")
    assert by_day(result) == {56: "iUPD", 70: "iUPD", 112: "iUPD"}


def test_4_4_a_new_node_is_classified_when_it_first_reaches_10mm():
    # spec 4.4: "new nodes under 10 mm are not lesions (flag)"; a new lesion is classified "at [its]
    # first appearance with RECIST 1.1 measurability". N1 is a node of 8 mm on day 56: no lesion (flag
    # new_node_below_10mm), T1 48 vs 50 = -4 %: iSD. Day 112: 16 mm, its first appearance as a lesion,
    # short axis >= 15 mm: measurable, a new lesion target (NLT sum 16); the first new lesion: iUPD (NL).
    text = """
day lesion role   organ      node long short status
-7  T1     target lung       n    50   -     present
56  T1     target lung       n    48   -     present
56  N1     new    lymph_node y    -    8     present
112 T1     target lung       n    48   -     present
112 N1     new    lymph_node y    -    16    present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iSD", 112: "iUPD"}
    assert "new_node_below_10mm" in flags_on(result, 56)
    assert result.timepoints.set_index("day").loc[112, "new_lesion_sum"] == 16


# --- 4.6 reset rules ------------------------------------------------------------------------------


def test_4_6_R3_new_lesion_growth_below_5mm_blocks_reset_and_adds_up_later():
    # spec 4.6 R3: "A new-lesion growth below the 5 mm confirmation threshold therefore keeps iUPD (it
    # may still add up to +5 mm later)." A liver 10 mm: NLT. Day 56: iUPD (NL), ref_NLT 10, ref_S 45.
    # Day 112: A 13 (+3 < 5), targets shrank 45 -> 40 (< ref_S): no iCPD, no reset (NLT 13 > 10): iUPD.
    # Day 168: A 15: 15 - 10 = +5 mm vs ref_NLT -> iCPD, progression day 56.
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  A      new    liver n    10   present
112 T1     target lung  n    40   present
112 A      new    liver n    13   present
168 T1     target lung  n    40   present
168 A      new    liver n    15   present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iUPD", 168: "iCPD"}
    assert by_day(result, "new_lesion_sum") == {56: 10.0, 112: 13.0, 168: 15.0}
    assert best(result)["progression_day"] == 56


def test_4_6_reset_gives_ipr_not_icr_while_a_new_lesion_is_present_and_icr_once_resolved():
    # spec 4.6 "On reset: report the step-1 mapping (... iCR only if no new lesion is present ...)".
    # Baseline 20. Day 56: 10 (-50 %): iPR. Day 112: T1 10, N1 6 mm new: iUPD (NL), ref_S 10.
    # Day 168: T1 absent (S 0 < 10), N1 unchanged: R1-R3 hold (default target_shrinkage): reset;
    # target iCR but a new lesion present -> iPR. Day 224: N1 absent, T1 absent: iCR.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    20   present
56  T1     target liver n    10   present
112 T1     target liver n    10   present
112 N1     new    lung  n    6    present
168 T1     target liver n    -    absent
168 N1     new    lung  n    6    present
224 T1     target liver n    -    absent
224 N1     new    lung  n    -    absent
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iPR", 112: "iUPD", 168: "iPR", 224: "iCR"}
    assert "iupd_reset" in flags_on(result, 168)
    row = best(result)
    assert row["best_response"] == "iCR"  # 4.7 rule 1 (no confirmation by default)
    assert not row["pfs_event"]  # a reset iUPD is not a progression date (4.7 Dates)
    assert pd.isna(row["progression_day"])


def test_4_6_R3_new_lesions_known_before_the_episode_do_not_block_reset():
    # spec 4.6 R3: "New lesions that were already known before this episode do not block R3."
    # Baseline 50 + 30 = 80. 56: 64 iSD. 112: 58 + N1 7 new: iUPD (NL), ref_S 58. 168: 48, N1
    # unchanged: reset, iPR (-40 %). 224: 40 + 20 = 60 vs nadir 48: +25 %, +12 mm: iUPD (T), ref_S 60
    # (N1 known: no NL trigger). 280: 30 + 18 = 48 vs nadir 48: +0 %, not PD; 48 - 60 < 5; N1 unchanged
    # and known before this episode: reset -> iPR (48 vs 80 = -40 %).
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
-7  T2     target liver n    30   present
56  T1     target liver n    40   present
56  T2     target liver n    24   present
112 T1     target liver n    36   present
112 T2     target liver n    22   present
112 N1     new    lung  n    7    present
168 T1     target liver n    30   present
168 T2     target liver n    18   present
168 N1     new    lung  n    7    present
224 T1     target liver n    40   present
224 T2     target liver n    20   present
224 N1     new    lung  n    7    present
280 T1     target liver n    30   present
280 T2     target liver n    18   present
280 N1     new    lung  n    7    present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iSD", 112: "iUPD", 168: "iPR", 224: "iUPD", 280: "iPR"}
    assert "iupd_reset" in flags_on(result, 280)
    assert best(result)["iupd_day"] == 224


# after a reset: the NL trigger of step 1 (iQ&A new lesions; D7)
AFTER_RESET = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  A      new    liver n    {a0} present
112 T1     target lung  n    40   present
112 A      new    liver n    {a0} present
168 T1     target lung  n    40   present
168 A      new    liver n    {a1} present
"""


def test_4_6_D7_after_reset_nlt_sum_at_exactly_20pct_and_5mm_over_its_nadir_is_a_new_iupd():
    # 56: iUPD (NL), NLT A. 112: A unchanged, S 40 < ref_S 45: reset -> iSD (40 vs 50 = -20 %).
    # nlt_nadir = 25 (P1) / 30 (P2).
    # P1 day 168: A 25 -> 30: (30 - 25) / 25 = +20.00 % and +5 mm -> iUPD (new episode).
    # P2 day 168: A 30 -> 35: +16.67 % (< 20 %) although +5 mm -> no trigger: iSD.
    p1 = lesions(AFTER_RESET.format(a0=25, a1=30), patient_id="P1")
    p2 = lesions(AFTER_RESET.format(a0=30, a1=35), patient_id="P2")
    result = run(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "iUPD", 112: "iSD", 168: "iUPD"}
    assert by_day(result, patient="P2") == {56: "iUPD", 112: "iSD", 168: "iSD"}
    assert best(result, "P1")["iupd_day"] == 168


def test_4_6_after_reset_an_additional_new_lesion_opens_a_new_episode():
    # spec 4.6 step 1 NL: "after a reset, an additional new lesion". Reset on 112 (A unchanged, S 40 <
    # 45); day 168 new lesion B (bone, 6 mm, NLNT) never seen before -> iUPD; iupd_day 168.
    text = AFTER_RESET.format(a0=12, a1=12) + "168 B new bone n 6 present\n"
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iSD", 168: "iUPD"}
    assert best(result)["iupd_day"] == 168


# --- 4.4 new-lesion classes -----------------------------------------------------------------------


def test_4_4_nlt_cap_of_five_in_total_ties_broken_by_lesion_id():
    # spec 4.4: at most 5 NLT in total; within one assessment by larger value, then lesion_id.
    # Six measurable new lesions in six organs on day 56: 30, 25, 20, 15, E 12, F 12.
    # NLT = A, B, C, D, E (E before F on lesion_id): 30 + 25 + 20 + 15 + 12 = 102 mm.
    # Day 84 (28 days later): F 20 is NLNT, E unchanged -> NLT sum still 102 (not 110); the NLNT F grew
    # (12 -> 20: "any NLNT increase") -> iCPD, progression day 56.
    text = """
day lesion role   organ   node long status
-7  T1     target liver   n    50   present
56  T1     target liver   n    50   present
56  A      new    lung    n    30   present
56  B      new    bone    n    25   present
56  C      new    adrenal n    20   present
56  D      new    spleen  n    15   present
56  E      new    kidney  n    12   present
56  F      new    brain   n    12   present
84  T1     target liver   n    50   present
84  A      new    lung    n    30   present
84  B      new    bone    n    25   present
84  C      new    adrenal n    20   present
84  D      new    spleen  n    15   present
84  E      new    kidney  n    12   present
84  F      new    brain   n    20   present
"""
    result = run(lesions(text))
    assert by_day(result, "new_lesion_sum") == {56: 102.0, 84: 102.0}
    assert by_day(result) == {56: "iUPD", 84: "iCPD"}
    assert best(result)["progression_day"] == 56


def test_4_4_new_lymph_nodes_form_one_organ_for_the_two_per_organ_cap():
    # spec 4.4 (caps as RECIST 1.1 1.3: all lymph nodes form one organ). Three new nodes of short axis
    # 20, 18, 16 mm (all >= 15: measurable) at different sites: only 2 NLT -> 20 + 18 = 38 mm.
    text = """
day lesion role   organ       node long short status
-7  T1     target liver       n    50   -     present
56  T1     target liver       n    50   -     present
56  A      new    neck        y    -    20    present
56  B      new    mediastinum y    -    18    present
56  C      new    groin       y    -    16    present
"""
    assert by_day(run(lesions(text)), "new_lesion_sum") == {56: 38.0}


def test_4_4_nlt_slots_fill_in_order_of_appearance():
    # spec 4.4: "slots fill in order of appearance". Day 56: A 12, B 11 liver -> both NLT (2 per organ).
    # Day 84: C liver 30 is measurable but the liver slots are taken: NLNT.
    # NLT sum on day 84 = 12 + 11 = 23 (not 30 + 12 = 42).
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    50   present
56  A      new    liver n    12   present
56  B      new    liver n    11   present
84  T1     target lung  n    50   present
84  A      new    liver n    12   present
84  B      new    liver n    11   present
84  C      new    liver n    30   present
"""
    assert by_day(run(lesions(text)), "new_lesion_sum") == {56: 23.0, 84: 23.0}


def test_4_4_new_node_classes_below_10_nlnt_10_to_15_nlt_from_15():
    # spec 4.4 / 1.5: new node < 10 mm is not a lesion (flag new_node_below_10mm, no iUPD);
    # 10 to < 15 mm: NLNT (iUPD, NLT sum 0); >= 15 mm: NLT (iUPD, NLT sum 15).
    base = """
day lesion role   organ node long short status
-7  T1     target liver n    50   -     present
56  T1     target liver n    48   -     present
56  U1     new    neck  y    -    {short} present
"""
    tables = [lesions(base.format(short=v), patient_id=p) for p, v in (("P1", 9.9), ("P2", 12), ("P3", 15))]
    result = run(cohort(*tables))
    assert by_day(result, patient="P1") == {56: "iSD"}  # 48 vs 50: -4 %
    assert "new_node_below_10mm" in flags_on(result, 56, "P1")
    assert by_day(result, patient="P2") == {56: "iUPD"}
    assert by_day(result, "new_lesion_sum", "P2") == {56: 0.0}
    assert by_day(result, patient="P3") == {56: "iUPD"}
    assert by_day(result, "new_lesion_sum", "P3") == {56: 15.0}


def test_0_6_slice_thickness_decides_whether_a_new_lesion_is_nlt():
    # spec 4.4 classifies with 0.6: min_nonnodal_mm = 2 x slice when slice > 5 mm.
    # P1: slice 8 mm -> minimum 16 mm: a 12 mm new lesion is NLNT (NLT sum 0).
    # P2: slice 5 mm -> minimum 10 mm: the 12 mm new lesion is NLT (NLT sum 12).
    base = """
day lesion role   organ node long status  slice_thickness_mm
-7  T1     target liver n    50   present {s}
56  T1     target liver n    50   present {s}
56  U1     new    lung  n    12   present {s}
"""
    p1 = lesions(base.format(s=8), patient_id="P1")
    p2 = lesions(base.format(s=5), patient_id="P2")
    result = run(cohort(p1, p2))
    assert by_day(result, "new_lesion_sum", "P1") == {56: 0.0}
    assert by_day(result, "new_lesion_sum", "P2") == {56: 12.0}
    assert by_day(result, patient="P1") == by_day(result, patient="P2") == {56: "iUPD"}


def test_4_5_equivocal_new_lesion_does_not_trigger_iupd():
    # spec 4.5: new lesions "present" = at least one present, not equivocal; 1.6.1 row 10 flag.
    # 45 vs 50 = -10 %: iSD, flag equivocal_new_lesion, new_lesion_response "no".
    text = """
day lesion role   organ node long status  equivocal
-7  T1     target liver n    50   present n
56  T1     target liver n    45   present n
56  U1     new    lung  n    6    present y
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iSD"}
    assert "equivocal_new_lesion" in flags_on(result, 56)


# --- 4.6 step 1 reappearance after iCR and non-target-only patients --------------------------------


def test_4_6_step1_nontarget_reappearance_after_icr_is_iupd_but_nodal_regrowth_is_ipr():
    # spec 4.6 step 1 / 1.8.1: after an overall iCR, a non-target present again is iUPD (NT);
    # a nodal non-target back to a short axis >= 10 mm without unequivocal progression is not a
    # reappearance: target iCR with non-target NON-iCR/NON-iUPD -> iPR.
    p1 = lesions(
        """
day lesion role       organ node long short status
-7  T1     target     liver n    20   -     present
-7  NT1    non_target bone  n    -    -     present
56  T1     target     liver n    -    -     absent
56  NT1    non_target bone  n    -    -     absent
112 T1     target     liver n    -    -     absent
112 NT1    non_target bone  n    -    -     present
""",
        patient_id="P1",
    )
    p2 = lesions(
        """
day lesion role       organ node long short status
-7  T1     target     liver n    20   -     present
-7  NT1    non_target neck  y    -    12    present
56  T1     target     liver n    -    -     absent
56  NT1    non_target neck  y    -    8     present
112 T1     target     liver n    -    -     absent
112 NT1    non_target neck  y    -    12    present
""",
        patient_id="P2",
    )
    result = run(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "iCR", 112: "iUPD"}
    assert by_day(result, patient="P2") == {56: "iCR", 112: "iPR"}


def test_4_6_non_target_only_patient_iupd_reset_and_ibor_non_icr_non_iupd():
    # spec 4.6 step 1 "no targets": NON-iCR/NON-iUPD; new lesion -> iUPD (NL); resolved 56 days later:
    # reset -> NON-iCR/NON-iUPD. iBOR rule 4: NON-iCR/NON-iUPD at day >= 42 (day 56).
    text = """
day lesion role       organ node long status
-7  NT1    non_target bone  n    -    present
56  NT1    non_target bone  n    -    present
112 NT1    non_target bone  n    -    present
112 U1     new        lung  n    6    present
168 NT1    non_target bone  n    -    present
168 U1     new        lung  n    -    absent
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "NON-iCR/NON-iUPD", 112: "iUPD", 168: "NON-iCR/NON-iUPD"}
    assert "iupd_reset" in flags_on(result, 168)
    row = best(result)
    assert row["best_response"] == "NON-iCR/NON-iUPD"
    assert not row["pfs_event"]


# --- 4.7 best overall response and dates -----------------------------------------------------------


def test_4_7_ibor_early_isd_then_unconfirmed_iupd_is_iupd_and_ne_only_is_ne():
    # spec 4.7 iBOR: iSD on day 28 < 42 does not count (rule 3); an iUPD never confirmed -> iUPD (rule 6).
    # P2: only a not-evaluable target -> NE (rule 7).
    p1 = lesions(
        """
day lesion role   organ node long status
-7  T1     target liver n    40   present
28  T1     target liver n    40   present
56  T1     target liver n    50   present
""",
        patient_id="P1",
    )
    p2 = lesions(
        """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    -    not_evaluable
""",
        patient_id="P2",
    )
    result = run(cohort(p1, p2))
    assert by_day(result, patient="P1") == {28: "iSD", 56: "iUPD"}
    assert best(result, "P1")["best_response"] == "iUPD"
    assert by_day(result, patient="P2") == {56: "NE"}
    assert best(result, "P2")["best_response"] == "NE"


def test_4_7_dates_duration_of_iresponse_and_rows_after_icpd():
    # Baseline 100. 56: 60 (-40 %): iPR. 112: 75 vs nadir 60: +25 %, +15 mm: iUPD (T), ref_S 75.
    # 147 (35 days): 80 = +5 mm vs 75: iCPD, progression day 112. 189: 50 -> after iCPD: iCPD (step 0),
    # after_progression true. iBOR iPR; duration of iresponse = 112 - 56 = 56 days; iPFS event day 112.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    100  present
56  T1     target liver n    60   present
112 T1     target liver n    75   present
147 T1     target liver n    80   present
189 T1     target liver n    50   present
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iPR", 112: "iUPD", 147: "iCPD", 189: "iCPD"}
    assert by_day(result, "after_progression")[189]
    assert not by_day(result, "after_progression")[112]
    assert by_day(result, "progression_day")[189] == 112
    row = best(result)
    assert row["best_response"] == "iPR"
    assert row["first_response_day"] == 56
    assert row["progression_day"] == 112
    assert row["duration_of_response_days"] == 56
    assert row["pfs_event"] and row["pfs_day"] == 112
    reason = by_day(result, "reason")[147]
    assert "iRECIST Table 2" in reason and "112" in reason


def test_4_8_deteriorating_outside_an_iupd_is_only_copied():
    # spec 4.8: only an iUPD row with clinical_status deteriorating gets iupd_not_clinically_stable;
    # the category is never changed (1.8.4). Day 56: 45 vs 50 (-10 %): iSD, deteriorating, no flag.
    # Day 112: 60 vs nadir 45: +33 %, +15 mm: iUPD, stable: no flag.
    text = """
day lesion role   organ node long status  clinical
-7  T1     target liver n    50   present stable
56  T1     target liver n    45   present deteriorating
112 T1     target liver n    60   present stable
"""
    result = run(lesions(text))
    assert by_day(result) == {56: "iSD", 112: "iUPD"}
    assert "iupd_not_clinically_stable" not in flags_on(result, 56)
    assert "iupd_not_clinically_stable" not in flags_on(result, 112)
    assert by_day(result, "clinical_status") == {56: "deteriorating", 112: "stable"}


def test_multi_reader_table_keeps_the_state_machines_apart():
    # spec 0.2: an assessment is (patient, day) per reader; each reader's iUPD episode is its own.
    # Reader A: 40 -> 50 (+25 %, +10 mm) iUPD, then 56 (+6 mm) iCPD. Reader B: 40 -> 44 (+10 %) iSD,
    # then 56 vs nadir 40 (+40 %, +16 mm): a first iUPD, not an iCPD.
    base = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    {v}  present
112 T1     target liver n    56   present
"""
    a = lesions(base.format(v=50), reader="A")
    b = lesions(base.format(v=44), reader="B")
    result = run(cohort(a, b))
    tp = result.timepoints
    got = {(r, int(d)): o for r, d, o in zip(tp["reader"], tp["day"], tp["overall_response"], strict=True)}
    assert got == {("A", 56): "iUPD", ("A", 112): "iCPD", ("B", 56): "iSD", ("B", 112): "iUPD"}
    bor = dict(zip(result.best_response["reader"], result.best_response["best_response"], strict=True))
    assert bor == {"A": "iCPD", "B": "iSD"}


def test_4_6_step3_new_lesion_not_evaluable_at_confirmation_gives_ne_and_episode_stays_open():
    # spec 4.6 step 3: no confirmation, and a missing value could have decided (new lesion NE) -> NE,
    # episode open. Day 56 iUPD (NL, N1 8 mm NLNT); day 112 N1 not evaluable, T1 45 = ref_S 45: NE.
    # Day 168: N1 unchanged but a new lesion N2 never seen before: additional new lesion -> iCPD, day 56.
    text = _nl(n1="-", s1="not_evaluable") + (
        "168 T1 target lung n 45 present\n168 NT1 non_target bone n - present\n168 N1 new liver n 8 present\n"
        "168 N2 new bone n 6 present\n"
    )
    result = run(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "NE", 168: "iCPD"}
    assert best(result)["progression_day"] == 56


def test_4_7_D8_pfs_event_of_an_open_episode_is_its_own_iupd_day_not_a_reset_one():
    # spec 4.7 Dates / D8: a reset iUPD is not a progression date; an episode open at the end of data
    # is an iPFS event at its iupd_day (default "event"). iR4 up to day 266: the episode of day 112 was
    # reset on day 154; the open episode starts on day 266 -> pfs_event, pfs_day 266; iBOR iSD (day 56).
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
-7  T2     target lung  n    20   present
56  T1     target liver n    30   present
56  T2     target lung  n    14   present
112 T1     target liver n    38   present
112 T2     target lung  n    16   present
154 T1     target liver n    33   present
154 T2     target lung  n    14   present
210 T1     target liver n    34   present
210 T2     target lung  n    15   present
266 T1     target liver n    40   present
266 T2     target lung  n    15   present
"""
    row = best(run(lesions(text)))
    assert row["best_response"] == "iSD"
    assert row["pfs_event"] and row["pfs_day"] == 266
    assert pd.isna(row["progression_day"])


def test_4_6_step1_target_not_evaluable_after_icr_is_ne_not_a_reappearance():
    # Day 56: T1 absent: iCR. Day 84: T1 not evaluable: no value > 0, no trigger; target NE -> NE.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    20   present
56  T1     target liver n    -    absent
84  T1     target liver n    -    not_evaluable
"""
    assert by_day(run(lesions(text))) == {56: "iCR", 84: "NE"}


def test_4_7_icr_confirmation_across_one_ne_and_max_ne_between():
    # spec 4.7 / 0.7 with confirm_response=True (non-target-only patient, 4.6 step 1 "no targets"):
    # iCR day 56 (NT absent), NE day 84 (NT not evaluated), iCR day 112: 56 days >= 28 and one NE
    # between <= max_ne_between 1 -> confirmed iCR. With max_ne_between=0: not confirmed; an
    # unconfirmed iCR at day >= 42 counts as iSD (4.7 rule 3) -> best_response_confirmed iSD.
    text = """
day lesion role       organ node long status
-7  NT1    non_target bone  n    -    present
56  NT1    non_target bone  n    -    absent
84  NT1    non_target bone  n    -    not_evaluable
112 NT1    non_target bone  n    -    absent
"""
    result = run(lesions(text), confirm_response=True)
    assert by_day(result) == {56: "iCR", 84: "NE", 112: "iCR"}
    row = best(result)
    assert row["best_response_confirmed"] == "iCR"
    assert row["first_response_day"] == 56
    strict = best(run(lesions(text), confirm_response=True, max_ne_between=0))
    assert strict["best_response_confirmed"] == "iSD"
    assert strict["best_response"] == "iCR"
