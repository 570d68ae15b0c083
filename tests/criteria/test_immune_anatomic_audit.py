"""Second-round audit of irRECIST, iRECIST and imRECIST against spec/anatomic.md sections 0, 3, 4, 5 and 8.

Only rules not already pinned by test_irrecist.py, test_irecist.py, test_irecist_rules.py, test_imrecist.py,
test_imrecist_rules.py and test_irrc_irrecist_rules.py are tested here. Every expected value is derived by
hand from the spec text; the arithmetic is in each test's comment. Worked-example tables are transcribed
again from the spec (not copied from the other test modules) so that the transcription is checked too.
Baselines are on day -7; ``min_sd_days = 42`` (default) unless stated.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _examples import IR2, IR3, IR4, IR5, IR6, IR7, J2, J3
from _lesions import best, by_day, cohort, flags_on, lesions, study

from ioresponse.criteria import imrecist, irecist, irrecist, registry


def ir(table, **options):
    return irecist.assess(study(table), **options)


def irr(table, **options):
    return irrecist.assess(study(table), **options)


def im(table, **options):
    return imrecist.assess(study(table), **options)


def approx_days(result, column: str, expected: dict[int, float], patient: str = "P1") -> None:
    got = by_day(result, column, patient)
    assert set(got) == set(expected), column
    for day, value in expected.items():
        assert got[day] == pytest.approx(value, abs=0.005), (column, day, got[day], value)


# =================================================================================================
# Worked examples, every timepoint (sum columns the other modules leave unchecked)
# =================================================================================================

# spec 3.10 J1 (irRECIST): T1 liver, T2 node (short axis), N1 new lung lesion from day 56.
J1 = """
day lesion role   organ       node long short status
-7  T1     target liver       n    40   -     present
-7  T2     target mediastinum y    25   20    present
56  T1     target liver       n    24   -     present
56  T2     target mediastinum y    20   14    present
56  N1     new    lung        n    12   -     present
84  T1     target liver       n    20   -     present
84  T2     target mediastinum y    18   10    present
84  N1     new    lung        n    10   -     present
112 T1     target liver       n    18   -     present
112 T2     target mediastinum y    16   9     present
112 N1     new    lung        n    8    -     present
"""



# spec 3.10 J4 (irRECIST).
J4 = """
day lesion role   organ       node long short status
-7  T1     target mediastinum y    22   16    present
-7  T2     target liver       n    22   -     present
56  T1     target mediastinum y    12   8     present
56  T2     target liver       n    -    -     absent
56  N1     new    lung        n    6    -     present
84  T1     target mediastinum y    11   7     present
84  T2     target liver       n    -    -     absent
84  N1     new    lung        n    -    -     absent
112 T1     target mediastinum y    11   7     present
112 T2     target liver       n    -    -     absent
112 N1     new    lung        n    -    -     absent
"""


@pytest.mark.parametrize(
    ("example", "nadir", "pct_baseline", "pct_nadir"),
    [
        # J1: TMTB 50, 40, 35 (24+14+12, 20+10+10, 18+9+8); B 60. Nadir N(56) = 60, N(84) = min(60, 50) = 50,
        # N(112) = 40. vs B: -10/60 = -16.67 %, -20/60 = -33.33 %, -25/60 = -41.67 %;
        # vs nadir: -16.67 %, (40-50)/50 = -20.00 %, (35-40)/40 = -12.50 %.
        pytest.param(
            J1,
            {56: 60, 84: 50, 112: 40},
            {56: -16.67, 84: -33.33, 112: -41.67},
            {56: -16.67, 84: -20.00, 112: -12.50},
            id="J1",
        ),
        # J2: TMTB 17, 21, 31, 33; B 21; nadir 21, 17, 17, 17. vs B: -4/21 = -19.05 %, 0, +10/21 = +47.62 %,
        # +12/21 = +57.14 %; vs nadir: -19.05 %, +4/17 = +23.53 %, +14/17 = +82.35 %, +16/17 = +94.12 %.
        pytest.param(
            J2,
            {56: 21, 112: 17, 168: 17, 196: 17},
            {56: -19.05, 112: 0.00, 168: 47.62, 196: 57.14},
            {56: -19.05, 112: 23.53, 168: 82.35, 196: 94.12},
            id="J2",
        ),
        # J3: TMTB 44, 42; B 50; nadir 50, 44. vs B -12.00 %, -16.00 %; vs nadir -12.00 %, -2/44 = -4.55 %.
        pytest.param(J3, {56: 50, 84: 44}, {56: -12.00, 84: -16.00}, {56: -12.00, 84: -4.55}, id="J3"),
        # J4: TMTB 8 (node 8 + absent 0), 7, 7; B 16 + 22 = 38. vs B -30/38 = -78.95 %, -31/38 = -81.58 %.
        # Nadir N(84) = min(38, 8) = 8, N(112) = 7: vs nadir -1/8 = -12.50 %, 0.00 %.
        pytest.param(
            J4,
            {56: 38, 84: 8, 112: 7},
            {56: -78.95, 84: -81.58, 112: -81.58},
            {56: -78.95, 84: -12.50, 112: 0.00},
            id="J4",
        ),
    ],
)
def test_3_10_irrecist_worked_examples_nadir_and_percent_changes(example, nadir, pct_baseline, pct_nadir):
    result = irr(lesions(example))
    approx_days(result, "nadir_sum", nadir)
    approx_days(result, "pct_change_baseline", pct_baseline)
    approx_days(result, "pct_change_nadir", pct_nadir)


def test_3_10_J1_with_confirm_response_irpr_of_day_84_is_confirmed_by_day_112():
    # spec 3.10 J1: "with confirm_response = True it is confirmed by day 112, 28 days later"; 0.9:
    # confirmation_state "confirms" marks the assessment that confirmed an earlier one. Day 56 irSD needs
    # no confirmation.
    result = irr(lesions(J1), confirm_response=True)
    assert by_day(result, "confirmation_state") == {56: "not_required", 84: "confirmed", 112: "confirms"}


def test_3_10_J1_imrecist_identical_to_irrecist_and_irecist_iupd_then_reset():
    # spec 3.10 J1: "imRECIST identical to irRECIST here; iRECIST iUPD on day 56."
    # imRECIST SLD = TMTB: 50 (SD), 40 (-33.33 %: PR), 35 (PR); best PR on day 84.
    # iRECIST by hand (4.4, 4.6): S = targets only: 38, 30, 27; N1 12 mm >= 10 is an NLT (NLT 12, 10, 8).
    #   56: target 38 vs B 60 = -36.67 % (iPR, not PD); first new lesion -> iUPD (cats = NL), ref_S 38,
    #   ref_NLT 12.
    #   84 (28 days): NLT 10 - 12 = -2 (< 5), no NLNT, no additional lesion: no iCPD. R1 target 30 vs nadir 38
    #   not PD; R2 no NT; R3 NL in cats, no growth (10 <= 12), S 30 < 38: reset -> step-1 mapping:
    #   30 vs 60 = -50 %: iPR.
    #   112: no trigger (N1 known; NLT 8 below its nadir 10; target 27 vs nadir 30 not PD): 27/60 -> iPR.
    #   iBOR iPR (rule 2), no iPFS event.
    table = lesions(J1)
    m = im(table)
    assert by_day(m) == {56: "SD", 84: "PR", 112: "PR"}
    assert by_day(m, "current_sum") == {56: 50.0, 84: 40.0, 112: 35.0}
    assert (best(m)["best_response"], best(m)["bor_day"]) == ("PR", 84)
    i = ir(table)
    assert by_day(i) == {56: "iUPD", 84: "iPR", 112: "iPR"}
    assert by_day(i, "current_sum") == {56: 38.0, 84: 30.0, 112: 27.0}
    assert by_day(i, "new_lesion_sum") == {56: 12.0, 84: 10.0, 112: 8.0}
    assert "iupd_reset" in flags_on(i, 84)
    row = best(i)
    assert row["best_response"] == "iPR"
    assert not row["pfs_event"]


def test_3_10_J4_with_confirm_response_confirmation_states():
    # spec 3.10 J4 "irCR (confirms day 84)"; 0.7: an irPR at i is confirmed by a later irPR or irCR >= 28 days
    # later: day 56 irPR is confirmed by day 84 irCR (28 days). Day 84 irCR confirmed by day 112 (28 days).
    # Day 112 confirms day 84.
    result = irr(lesions(J4), confirm_response=True)
    assert by_day(result, "confirmation_state") == {56: "confirmed", 84: "confirmed", 112: "confirms"}
    row = best(result)
    assert (row["best_response_confirmed"], row["first_response_day"]) == ("irCR", 56)


# spec 4.10 iR1 .. iR7 (iRECIST), transcribed from the spec.
IR1 = """
day lesion role       organ node long status
-7  T1     target     liver n    40   present
-7  T2     target     liver n    30   present
-7  NT1    non_target bone  n    -    present
56  T1     target     liver n    36   present
56  T2     target     liver n    26   present
56  NT1    non_target bone  n    -    present
56  N1     new        lung  n    8    present
112 T1     target     liver n    30   present
112 T2     target     liver n    20   present
112 NT1    non_target bone  n    -    present
112 N1     new        lung  n    -    absent
168 T1     target     liver n    26   present
168 T2     target     liver n    18   present
168 NT1    non_target bone  n    -    present
168 N1     new        lung  n    -    absent
"""








@pytest.mark.parametrize(
    ("example", "nadir", "pct_baseline", "pct_nadir"),
    [
        # iR1: S 62, 50, 44; B 70; nadir 70, 62, 50. vs B -8/70 = -11.43 %, -20/70 = -28.57 %,
        # -26/70 = -37.14 %; vs nadir -11.43 %, -12/62 = -19.35 %, -6/50 = -12.00 %.
        pytest.param(
            IR1,
            {56: 70, 112: 62, 168: 50},
            {56: -11.43, 112: -28.57, 168: -37.14},
            {56: -11.43, 112: -19.35, 168: -12.00},
            id="iR1",
        ),
        # iR2: S 46, 45, 44; B 50; nadir 50, 46, 45. vs B -8.00, -10.00, -12.00 %; vs nadir -8.00 %,
        # -1/46 = -2.17 %, -1/45 = -2.22 %.
        pytest.param(
            IR2,
            {56: 50, 112: 46, 147: 45},
            {56: -8.00, 112: -10.00, 147: -12.00},
            {56: -8.00, 112: -2.17, 147: -2.22},
            id="iR2",
        ),
        # iR3: S 40, 49, 53, 56; B 50; nadir 50, 40, 40, 40. vs B -20, -2, +6, +12 %; vs nadir -20 %,
        # +9/40 = +22.50 %, +13/40 = +32.50 %, +16/40 = +40.00 %.
        pytest.param(
            IR3,
            {56: 50, 112: 40, 154: 40, 196: 40},
            {56: -20.00, 112: -2.00, 154: 6.00, 196: 12.00},
            {56: -20.00, 112: 22.50, 154: 32.50, 196: 40.00},
            id="iR3",
        ),
        # iR4: S 44, 54, 47, 49, 55, 56; B 60; nadir 60 then 44. vs B -16/60 = -26.67, -10.00,
        # -13/60 = -21.67, -11/60 = -18.33, -5/60 = -8.33, -4/60 = -6.67 %; vs nadir -26.67,
        # +10/44 = +22.73, +3/44 = +6.82,
        # +5/44 = +11.36, +11/44 = +25.00, +12/44 = +27.27 %.
        pytest.param(
            IR4,
            {56: 60, 112: 44, 154: 44, 210: 44, 266: 44, 301: 44},
            {56: -26.67, 112: -10.00, 154: -21.67, 210: -18.33, 266: -8.33, 301: -6.67},
            {56: -26.67, 112: 22.73, 154: 6.82, 210: 11.36, 266: 25.00, 301: 27.27},
            id="iR4",
        ),
        # iR5: S 75, 80, 82; B = nadir = 60 throughout: +25.00, +33.33, +36.67 % on both.
        pytest.param(
            IR5,
            {56: 60, 70: 60, 91: 60},
            {56: 25.00, 70: 33.33, 91: 36.67},
            {56: 25.00, 70: 33.33, 91: 36.67},
            id="iR5",
        ),
        # iR6: S 64, 58, 48, 45; B 80; nadir 80, 64, 58, 48. vs B -20.00, -27.50, -40.00, -43.75 %;
        # vs nadir -20.00 %, -6/64 = -9.38 %, -10/58 = -17.24 %, -3/48 = -6.25 %.
        pytest.param(
            IR6,
            {56: 80, 112: 64, 168: 58, 224: 48},
            {56: -20.00, 112: -27.50, 168: -40.00, 224: -43.75},
            {56: -20.00, 112: -9.38, 168: -17.24, 224: -6.25},
            id="iR6",
        ),
        # iR7: S 65 throughout; B 100; nadir 100, 65, 65. vs B -35.00 %; vs nadir -35.00, +0.00, +0.00 %.
        pytest.param(
            IR7,
            {56: 100, 112: 65, 168: 65},
            {56: -35.00, 112: -35.00, 168: -35.00},
            {56: -35.00, 112: 0.00, 168: 0.00},
            id="iR7",
        ),
    ],
)
def test_4_10_irecist_worked_examples_nadir_and_percent_changes(example, nadir, pct_baseline, pct_nadir):
    result = ir(lesions(example))
    approx_days(result, "nadir_sum", nadir)
    approx_days(result, "pct_change_baseline", pct_baseline)
    approx_days(result, "pct_change_nadir", pct_nadir)


def test_4_10_iR1_component_columns_and_recist_rows_after_progression():
    # spec 4.10 iR1: target category day 56 -11.43 % (iSD), day 112 -28.57 % (not <= -30 %: iSD), day 168
    # -37.14 % (iPR). 4.5: new_lesion_response "yes" when a new lesion is present (day 56), "no" once N1 is
    # absent. NT1 present: NON-iCR/NON-iUPD. RECIST 1.1 column "(after PD)": 0.9 after_progression = true
    # for assessments after the progression date 56.
    result = ir(lesions(IR1))
    assert by_day(result, "target_response") == {56: "iSD", 112: "iSD", 168: "iPR"}
    assert by_day(result, "new_lesion_response") == {56: "yes", 112: "no", 168: "no"}
    assert set(by_day(result, "non_target_response").values()) == {"NON-iCR/NON-iUPD"}
    recist = registry()["recist11"].assess(study(lesions(IR1)))
    assert by_day(recist, "after_progression") == {56: False, 112: True, 168: True}


def test_4_10_iR5_flags_states_and_after_progression_only_after_icpd():
    # spec 0.9: "after_progression = true for assessments after a progression date (after iCPD for iRECIST)".
    # iR5: iUPD 56, early scan 70, iCPD 91 (progression dated 56): no row lies after the iCPD -> all false.
    # 0.9 confirmation_state: the iUPD of day 56 was confirmed; day 91 confirms it.
    # 4.7 D4: the deciding scan is 35 days after iUPD (<= 56): no late_confirmation.
    result = ir(lesions(IR5))
    assert by_day(result, "after_progression") == {56: False, 70: False, 91: False}
    states = by_day(result, "confirmation_state")
    assert (states[56], states[91]) == ("confirmed", "confirms")
    assert "late_confirmation" not in flags_on(result, 91)
    assert "early_scan_not_used" not in flags_on(result, 56)


@pytest.mark.parametrize(
    ("example", "nadir", "pct_baseline", "pct_nadir"),
    [
        # M1: SLD 68, 42, 34, 32; B 55. Nadir: N(56) = 55, N(84) = min(55, 68) = 55, N(140) = 42, N(168) = 34.
        # vs B +13/55 = +23.64, -13/55 = -23.64, -21/55 = -38.18, -23/55 = -41.82 %;
        # vs nadir +23.64, -23.64, -8/42 = -19.05, -2/34 = -5.88 %.
        pytest.param(
            "M1",
            {56: 55, 84: 55, 140: 42, 168: 34},
            {56: 23.64, 84: -23.64, 140: -38.18, 168: -41.82},
            {56: 23.64, 84: -23.64, 140: -19.05, 168: -5.88},
            id="M1",
        ),
        # M2: SLD 57, 62; B 60; nadir 60, 57. vs B -5.00, +2/60 = +3.33 %; vs nadir -5.00, +5/57 = +8.77 %.
        pytest.param("M2", {56: 60, 112: 57}, {56: -5.00, 112: 3.33}, {56: -5.00, 112: 8.77}, id="M2"),
        # M3: SLD 35, 54, 58; B 40; nadir 40, 35, 35. vs B -12.50, +35.00, +45.00 %;
        # vs nadir -12.50, +19/35 = +54.29, +23/35 = +65.71 %.
        pytest.param(
            "M3",
            {56: 40, 112: 35, 140: 35},
            {56: -12.50, 112: 35.00, 140: 45.00},
            {56: -12.50, 112: 54.29, 140: 65.71},
            id="M3",
        ),
        # M4: SLD 57, 56 (N3 outside the sum); B 50; nadir 50, 50 (57 > 50). +14.00, +12.00 % on both.
        pytest.param("M4", {56: 50, 112: 50}, {56: 14.00, 112: 12.00}, {56: 14.00, 112: 12.00}, id="M4"),
    ],
)
def test_5_10_imrecist_worked_examples_nadir_and_percent_changes(example, nadir, pct_baseline, pct_nadir):
    result = im(lesions(M_EXAMPLES[example]))
    approx_days(result, "nadir_sum", nadir)
    approx_days(result, "pct_change_baseline", pct_baseline)
    approx_days(result, "pct_change_nadir", pct_nadir)


M_EXAMPLES = {
    "M1": """
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
""",
    "M2": """
day lesion role       organ  node long status
-7  T1     target     lung   n    40   present
-7  T2     target     kidney n    20   present
-7  NT1    non_target bone   n    -    present
56  T1     target     lung   n    30   present
56  T2     target     kidney n    15   present
56  NT1    non_target bone   n    -    unequivocal_progression
56  N1     new        liver  n    12   present
56  N2     new        lung   n    6    present
112 T1     target     lung   n    28   present
112 T2     target     kidney n    14   present
112 NT1    non_target bone   n    -    unequivocal_progression
112 N1     new        liver  n    20   present
112 N2     new        lung   n    6    present
""",
    "M3": """
day lesion role   organ   node long status
-7  T1     target lung    n    25   present
-7  T2     target liver   n    15   present
56  T1     target lung    n    22   present
56  T2     target liver   n    13   present
112 T1     target lung    n    27   present
112 T2     target liver   n    15   present
112 N1     new    adrenal n    12   present
140 T1     target lung    n    28   present
140 T2     target liver   n    16   present
140 N1     new    adrenal n    14   present
""",
    "M4": """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    30   present
56  N1     new    liver n    15   present
56  N2     new    liver n    12   present
56  N3     new    liver n    11   present
112 T1     target lung  n    28   present
112 N1     new    liver n    16   present
112 N2     new    liver n    12   present
112 N3     new    liver n    25   present
""",
}


def test_5_10_M2_and_M4_new_lesion_sum_flags_and_first_pd_of_m4_option():
    # spec 5.10 M2: N1 12 then 20 is the counted new lesion (N2 6 mm non-measurable): new_lesion_sum 12, 20;
    # NT1 unequivocal progression on both days -> flag nt_progression_not_pd on both (5.5).
    # M4: counted N1 + N2 = 27 then 16 + 12 = 28 (N3 25 mm on day 112 is not counted: over the cap at its
    # entry); abs vs nadir 50: +7, +6 mm.
    m2 = im(lesions(M_EXAMPLES["M2"]))
    assert by_day(m2, "new_lesion_sum") == {56: 12.0, 112: 20.0}
    assert "nt_progression_not_pd" in flags_on(m2, 112)
    m4 = im(lesions(M_EXAMPLES["M4"]))
    assert by_day(m4, "new_lesion_sum") == {56: 27.0, 112: 28.0}
    assert by_day(m4, "abs_change_nadir") == {56: 7.0, 112: 6.0}
    # M4 option: "With max_new_measurable_per_organ = 5, day 56 would be 68 (+36.00 %, +18 mm over 50): PD
    # pending." Day 112 then: 28 + 16 + 12 + 25 = 81 vs nadir 50 -> PD again 56 days later: confirmed, day 56.
    opt = im(lesions(M_EXAMPLES["M4"]), max_new_measurable_per_organ=5)
    approx_days(opt, "pct_change_nadir", {56: 36.00, 112: 62.00})
    assert by_day(opt, "abs_change_nadir")[56] == 18.0
    assert by_day(opt, "confirmation_state") == {56: "confirmed", 112: "confirms"}


# =================================================================================================
# iRECIST (section 4) rules
# =================================================================================================


def test_4_4_nlt_total_cap_fills_in_order_of_appearance_then_per_organ_then_larger_value():
    # spec 4.4: at most 5 NLT in total, 2 per organ; "slots fill in order of appearance, and within one
    # assessment by larger value, then lesion_id".
    # Day 56: A lung 30, B lung 25, C adrenal 20 -> 3 NLT, lung full; NLT sum 75.
    # Day 84: D lung 40 (largest, but lung already has 2 NLT -> NLNT), F brain 18, G spleen 15, E kidney 12.
    # 2 slots left -> F, G; E is NLNT. NLT sum 30 + 25 + 20 + 18 + 15 = 108 (not 30+25+20+40+18 = 133).
    # States (4.6): 56 first new lesions -> iUPD (NL); 84 (28 days) additional new lesions -> iCPD, day 56.
    text = """
day lesion role   organ   node long status
-7  T1     target liver   n    50   present
56  T1     target liver   n    50   present
56  A      new    lung    n    30   present
56  B      new    lung    n    25   present
56  C      new    adrenal n    20   present
84  T1     target liver   n    50   present
84  A      new    lung    n    30   present
84  B      new    lung    n    25   present
84  C      new    adrenal n    20   present
84  D      new    lung    n    40   present
84  E      new    kidney  n    12   present
84  F      new    brain   n    18   present
84  G      new    spleen  n    15   present
"""
    result = ir(lesions(text))
    assert by_day(result, "new_lesion_sum") == {56: 75.0, 84: 108.0}
    assert by_day(result) == {56: "iUPD", 84: "iCPD"}
    assert best(result)["progression_day"] == 56


def test_4_4_an_nlt_stays_nlt_when_it_shrinks_becomes_too_small_or_resolves():
    # spec 4.4 "The class never changes later"; 0.4 values: present -> long axis, too_small -> 5, absent -> 0.
    # T1 lung 50. 56: T1 45, A liver 12 (NLT) -> iUPD (NL), ref_S 45, ref_NLT 12.
    # 112 (56 days): A 8 (still NLT, 8 mm), S 40 < 45, NLT 8 <= 12: no iCPD; reset -> 40 vs 50 = -20 %: iSD.
    # 168: A too_small -> NLT sum 5 (< NLT nadir 8: no trigger); S 40 vs nadir 40: iSD.
    # 224: A absent -> NLT sum 0; no new lesion present: new_lesion_response "no"; iSD. iBOR iSD.
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  A      new    liver n    12   present
112 T1     target lung  n    40   present
112 A      new    liver n    8    present
168 T1     target lung  n    40   present
168 A      new    liver n    -    too_small
224 T1     target lung  n    40   present
224 A      new    liver n    -    absent
"""
    result = ir(lesions(text))
    assert by_day(result, "new_lesion_sum") == {56: 12.0, 112: 8.0, 168: 5.0, 224: 0.0}
    assert by_day(result) == {56: "iUPD", 112: "iSD", 168: "iSD", 224: "iSD"}
    assert by_day(result, "new_lesion_response") == {56: "yes", 112: "yes", 168: "yes", 224: "no"}
    assert best(result)["best_response"] == "iSD"


def test_4_6_step3_nlt_plus_5mm_boundary_uses_rounding_and_4_9mm_does_not_confirm():
    # spec 4.6 step 3 (NL in cats): NLT_sum(t) - ref_NLT >= 5 mm; 0.5: abs rounded to 6 decimals first.
    # T1 kidney 50 -> 46 (iSD) -> 45 with new A liver 19.8 and B lung 10.0 (both NLT): iUPD (NL),
    # ref_NLT 29.8. P1 day 168: A 19.8, B 15.0 -> 34.8: 34.8 - 29.8 = +5.0 mm (4.9999999999999964 in
    # binary) -> iCPD, progression day 112.
    # P2 day 168: B 14.9 -> 34.7: +4.9 mm: no iCPD; NLT grew (34.7 > 29.8) so R3 fails: iUPD.
    base = """
day lesion role   organ  node long status
-7  T1     target kidney n    50   present
56  T1     target kidney n    46   present
112 T1     target kidney n    45   present
112 A      new    liver  n    19.8 present
112 B      new    lung   n    10.0 present
168 T1     target kidney n    44   present
168 A      new    liver  n    19.8 present
168 B      new    lung   n    {b}  present
"""
    p1 = lesions(base.format(b="15.0"), patient_id="P1")
    p2 = lesions(base.format(b="14.9"), patient_id="P2")
    result = ir(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "iSD", 112: "iUPD", 168: "iCPD"}
    assert best(result, "P1")["progression_day"] == 112
    assert by_day(result, patient="P2") == {56: "iSD", 112: "iUPD", 168: "iUPD"}


def test_4_11_icpd_absolute_mm_applies_to_the_nlt_sum_too():
    # spec 4.11 option table: "icpd_absolute_mm (target and NLT further increase)". iR2: NLT 22 -> 27 (+5 mm)
    # confirms by default; with icpd_absolute_mm = 6 it does not, and the NLT grew (27 > 22) so R3 fails:
    # day 147 stays iUPD; iBOR iSD (day 56), no progression day.
    result = ir(lesions(IR2), icpd_absolute_mm=6.0)
    assert by_day(result) == {56: "iSD", 112: "iUPD", 147: "iUPD"}
    row = best(result)
    assert row["best_response"] == "iSD"
    assert pd.isna(row["progression_day"])


def test_4_6_after_reset_the_nlt_nadir_keeps_updating_and_a_new_iupd_is_measured_from_it():
    # spec 4.6 reset: "set nlt_nadir to the smallest NLT_sum recorded since those lesions were first seen
    # (this assessment included) and keep it updated like a nadir at every later assessment"; step 1 NL
    # after a reset: NLT_sum >= 20 % and >= 5 mm above nlt_nadir.
    # T1 lung 50. 56: T1 45, A liver 30 (NLT): iUPD (NL), ref_NLT 30, ref_S 45.
    # 112: T1 40 < 45, A 30 (no growth): reset -> iSD (-20 %); nlt_nadir 30.
    # 168: A 25 -> nlt_nadir becomes 25; no trigger; T1 40 vs nadir 40: iSD.
    # 224: A 30: (30 - 25) / 25 = +20 % and +5 mm over the updated nadir -> iUPD, new episode on day 224.
    # (Against the nadir at reset, 30, it would be +0 mm: iSD.)
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  A      new    liver n    30   present
112 T1     target lung  n    40   present
112 A      new    liver n    30   present
168 T1     target lung  n    40   present
168 A      new    liver n    25   present
224 T1     target lung  n    40   present
224 A      new    liver n    30   present
"""
    result = ir(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "iSD", 168: "iSD", 224: "iUPD"}
    assert best(result)["iupd_day"] == 224


def test_4_6_after_reset_nlnt_unequivocal_progression_is_a_new_iupd_but_a_small_increase_is_not():
    # spec 4.6 step 1 NL after a reset: "... or any NLNT unequivocal_progression".
    # T1 lung 50. 56: T1 45, N1 liver 8 (NLNT): iUPD (NL), ref_S 45. 112: T1 40, N1 8: reset -> iSD (-20 %).
    # P1 day 168: N1 unequivocal_progression -> iUPD (new episode, iupd_day 168).
    # P2 day 168: N1 9 mm (an increase, not unequivocal progression): no step-1 trigger -> iSD
    # (40 vs nadir 40).
    base = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  N1     new    liver n    8    present
112 T1     target lung  n    40   present
112 N1     new    liver n    8    present
168 T1     target lung  n    40   present
168 N1     new    liver n    {n1} {s1}
"""
    p1 = lesions(base.format(n1="-", s1="unequivocal_progression"), patient_id="P1")
    p2 = lesions(base.format(n1="9", s1="present"), patient_id="P2")
    result = ir(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "iUPD", 112: "iSD", 168: "iUPD"}
    assert best(result, "P1")["iupd_day"] == 168
    assert by_day(result, patient="P2") == {56: "iUPD", 112: "iSD", 168: "iSD"}


def test_4_6_step3_non_target_ne_keeps_the_episode_open_then_reset_with_late_confirmation():
    # spec 4.6 step 3: no iCPD and a missing value could have decided (non-target NE) -> NE, episode open.
    # 4.7: "When the first assessment at least 28 days after iupd_day comes more than confirm_max_days = 56
    # days after it (for example after NE visits), it still decides and gets the flag late_confirmation."
    # T1 50, NT1 present. 56: T1 62 (+24 %, +12 mm): iUPD (T), ref_S 62.
    # 98 (42 days): T1 52 (-10 vs ref_S; vs nadir 50 +4 %: not PD), NT1 not evaluable -> NE.
    # 126 (70 days): T1 52, NT1 present: no iCPD; R1 (not PD vs nadir 50), R2, R3 (no new lesion) hold:
    # reset -> 52 vs 50 = +4 %: iSD, flags iupd_reset and late_confirmation (70 > 56).
    # iBOR iSD (day 126 >= 42); no progression day, no iPFS event.
    text = """
day lesion role       organ node long status
-7  T1     target     liver n    50   present
-7  NT1    non_target bone  n    -    present
56  T1     target     liver n    62   present
56  NT1    non_target bone  n    -    present
98  T1     target     liver n    52   present
98  NT1    non_target bone  n    -    not_evaluable
126 T1     target     liver n    52   present
126 NT1    non_target bone  n    -    present
"""
    result = ir(lesions(text))
    assert by_day(result) == {56: "iUPD", 98: "NE", 126: "iSD"}
    assert "iupd_reset" in flags_on(result, 126)
    assert "late_confirmation" in flags_on(result, 126)
    row = best(result)
    assert row["best_response"] == "iSD"
    assert not row["pfs_event"]
    assert pd.isna(row["progression_day"])


def test_4_7_only_the_first_deciding_assessment_can_be_late():
    # spec 4.7: the flag late_confirmation is for "the first assessment at least 28 days after iupd_day" when
    # it comes more than 56 days after it. iR3: iUPD 112; the first deciding scan is day 154 (42 days, not
    # late, iUPD continues); day 196 (84 days after iUPD) is a later check, not the first: no flag.
    result = ir(lesions(IR3))
    assert "late_confirmation" not in flags_on(result, 154)
    assert "late_confirmation" not in flags_on(result, 196)


def test_4_11_confirm_min_days_and_confirm_max_days_options():
    # spec 4.11 options confirm_min_days (28) and confirm_max_days (56); 4.6 step 2 early scans.
    # T1 40. 56: 50 (+25 %, +10 mm): iUPD (T), ref_S 50. 84 (28 days): 56 (+6 mm). 126 (70 days): 57 (+7 mm).
    # Default: day 84 decides: iCPD (day 126 after iCPD: iCPD).
    # confirm_min_days = 42: day 84 is an early scan (iUPD, early_scan_not_used); day 126 (70 >= 42) is the
    # first deciding scan: +7 mm -> iCPD, progression day 56, late_confirmation (70 > 56).
    # Same with confirm_max_days = 84: no late_confirmation (70 <= 84).
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    50   present
84  T1     target liver n    56   present
126 T1     target liver n    57   present
"""
    assert by_day(ir(lesions(text))) == {56: "iUPD", 84: "iCPD", 126: "iCPD"}
    late = ir(lesions(text), confirm_min_days=42)
    assert by_day(late) == {56: "iUPD", 84: "iUPD", 126: "iCPD"}
    assert "early_scan_not_used" in flags_on(late, 84)
    assert "late_confirmation" in flags_on(late, 126)
    assert best(late)["progression_day"] == 56
    wide = ir(lesions(text), confirm_min_days=42, confirm_max_days=84)
    assert by_day(wide)[126] == "iCPD"
    assert "late_confirmation" not in flags_on(wide, 126)


def test_4_7_table3_iupd_followed_only_by_ne_gives_ibor_iupd():
    # spec 4.7: "iUPD followed only by NE -> iUPD" (Table 3); rule 6 "an iUPD never confirmed -> iUPD".
    # T1 40 -> 50 on day 56 (+25 %, +10 mm): iUPD. Days 112 and 168: T1 not evaluable: no confirmation and a
    # missing value could decide -> NE, the episode stays open.
    # Dates (4.7, D8 default "event"): iPFS event at iupd_day 56; no iCPD, so progression_day empty.
    # 0.9: the open iUPD is "pending".
    text = """
day lesion role   organ node long status
-7  T1     target liver n    40   present
56  T1     target liver n    50   present
112 T1     target liver n    -    not_evaluable
168 T1     target liver n    -    not_evaluable
"""
    result = ir(lesions(text))
    assert by_day(result) == {56: "iUPD", 112: "NE", 168: "NE"}
    assert by_day(result, "confirmation_state")[56] == "pending"
    row = best(result)
    assert row["best_response"] == "iUPD"
    assert row["pfs_event"] and row["pfs_day"] == 56
    assert pd.isna(row["progression_day"])
    assert row["iupd_day"] == 56


def test_4_7_ibor_rule_1_any_icr_but_rule_2_confirmed_ipr_in_the_confirmed_column():
    # spec 4.7 iBOR rules 1-2: best_response -> any iCR; best_response_confirmed -> a confirmed iCR, else a
    # confirmed iPR. T1 50. 56: 30 (-40 %) iPR; 84: 30 iPR; 112: absent -> iCR (last assessment).
    # 0.7: iPR of 56 confirmed by 84 (28 days); the iCR of 112 has no later assessment: not confirmed.
    # -> best_response iCR, best_response_confirmed iPR; first (confirmed) response day 56.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    30   present
84  T1     target liver n    30   present
112 T1     target liver n    -    absent
"""
    result = ir(lesions(text), confirm_response=True)
    assert by_day(result) == {56: "iPR", 84: "iPR", 112: "iCR"}
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("iCR", "iPR")
    assert row["first_response_day"] == 56


def test_4_7_ibor_rule_6_over_rule_7_when_isd_is_too_early_and_no_icpd():
    # spec 4.7 iBOR order: 3. iSD needs day >= min_sd_days; 5. iCPD; 6. "an iUPD never confirmed"; 7. NE.
    # T1 50. Day 28: 45 (iSD, too early). Day 56: 60 vs nadir 45 (+33 %, +15 mm): iUPD. Day 84 (28 days):
    # 50: -10 vs ref_S 60; vs nadir 45 +11 % (not PD): reset -> 50 vs B 50 = 0 %: iSD at day 84 >= 42:
    # iBOR iSD (rule 3). With min_sd_days = 90 neither iSD counts, there is no iCPD, and the iUPD of day 56
    # was never confirmed (it was reset) -> rule 6: iUPD, ahead of rule 7 NE.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
28  T1     target liver n    45   present
56  T1     target liver n    60   present
84  T1     target liver n    50   present
"""
    result = ir(lesions(text))
    assert by_day(result) == {28: "iSD", 56: "iUPD", 84: "iSD"}
    assert best(result)["best_response"] == "iSD"
    assert best(ir(lesions(text), min_sd_days=90))["best_response"] == "iUPD"


def test_4_7_duration_of_iresponse_ends_at_the_episode_that_ended_in_icpd_not_at_a_reset_one():
    # spec 4.7 Dates: progression day = iupd_day of the episode that ended in iCPD ("an iUPD that was reset is
    # not a progression date"); duration of iresponse = first iCR/iPR day to that progression day.
    # T1 50. 56: 30 (-40 %) iPR. 112: 37 vs nadir 30 (+23.33 %, +7 mm): iUPD (T), ref_S 37.
    # 154 (42 days): 32 (-5 vs 37; vs nadir 30 +6.67 %: not PD): reset -> 32 vs 50 = -36 %: iPR.
    # 210: 30 (0 % vs nadir 30): iPR. 266: 37 vs nadir 30 (+23.33 %, +7): iUPD (T), ref_S 37.
    # 301 (35 days): 42 = +5 mm vs 37 -> iCPD, progression day 266.
    # iBOR iPR; first_response_day 56; duration 266 - 56 = 210; iPFS event day 266.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    30   present
112 T1     target liver n    37   present
154 T1     target liver n    32   present
210 T1     target liver n    30   present
266 T1     target liver n    37   present
301 T1     target liver n    42   present
"""
    result = ir(lesions(text))
    assert by_day(result) == {56: "iPR", 112: "iUPD", 154: "iPR", 210: "iPR", 266: "iUPD", 301: "iCPD"}
    row = best(result)
    assert row["best_response"] == "iPR"
    assert (row["first_response_day"], row["progression_day"]) == (56, 266)
    assert row["duration_of_response_days"] == 210
    assert row["pfs_event"] and row["pfs_day"] == 266


def test_4_7_D8_censor_uses_the_last_assessment_before_the_open_episode_and_leaves_icpd_alone():
    # spec 4.11 D8: option "censor" -> censored "at the last assessment before the iUPD". iR4 stopped after
    # day 266: the open episode starts on day 266 (the day-112 episode was reset on day 154), so the iPFS
    # time is censored at day 210. Full iR4 (iCPD on 301): an iCPD is an event at its progression day 266
    # whatever the option.
    stopped = lesions("\n".join(line for line in IR4.strip().splitlines() if not line.startswith("301")))
    row = best(ir(stopped, unconfirmed_iupd_pfs="censor"))
    assert not row["pfs_event"]
    assert row["pfs_day"] == 210
    full = best(ir(lesions(IR4), unconfirmed_iupd_pfs="censor"))
    assert full["pfs_event"] and full["pfs_day"] == 266


def test_4_8_D9_unstable_iupd_as_icpd_leaves_a_clinically_stable_iupd_alone():
    # spec 4.8 / D9: unstable_iupd_as_icpd = True turns an iUPD with clinical_status deteriorating into iCPD;
    # a stable iUPD is unchanged. Both: T1 60 -> 75 (+25 %, +15 mm): iUPD; day 91 (35 days) 82 = +7 mm vs 75.
    # P1 (stable): 56 iUPD, 91 iCPD (confirmed normally), progression day 56, no unstable flag.
    # P2 (deteriorating on day 56): 56 iCPD at once with flag iupd_not_clinically_stable; day 91 lies after
    # the iCPD -> iCPD with after_progression true (0.9, step 0).
    base = """
day lesion role   organ node long status  clinical
-7  T1     target liver n    60   present stable
56  T1     target liver n    75   present {c}
91  T1     target liver n    82   present stable
"""
    p1 = lesions(base.format(c="stable"), patient_id="P1")
    p2 = lesions(base.format(c="deteriorating"), patient_id="P2")
    result = ir(cohort(p1, p2), unstable_iupd_as_icpd=True)
    assert by_day(result, patient="P1") == {56: "iUPD", 91: "iCPD"}
    assert "iupd_not_clinically_stable" not in flags_on(result, 56, "P1")
    assert best(result, "P1")["progression_day"] == 56
    assert by_day(result, patient="P2") == {56: "iCPD", 91: "iCPD"}
    assert "iupd_not_clinically_stable" in flags_on(result, 56, "P2")
    assert by_day(result, "after_progression", "P2") == {56: False, 91: True}


def test_4_7_0_7_icr_followed_by_ipr_is_downgraded_for_confirmation():
    # spec 4.7 "iCR / iPR confirmation: as RECIST 1.1 (0.7)"; 0.7 "CR followed by PR": with every target
    # absent, a nodal non-target back to a short axis >= 10 mm without unequivocal progression gives PR and
    # the CR is read as PR (flag cr_downgraded_to_pr). T1 20 absent from day 56; NT1 node 12 -> 8 -> 12.
    # Day 56 iCR; day 112 iPR (target iCR with NT NON-iCR/NON-iUPD). Confirmed column: day 56 read as iPR,
    # confirmed by the iPR of day 112 (56 days) -> iPR; best_response (no confirmation) iCR.
    text = """
day lesion role       organ node long short status
-7  T1     target     liver n    20   -     present
-7  NT1    non_target neck  y    -    12    present
56  T1     target     liver n    -    -     absent
56  NT1    non_target neck  y    -    8     present
112 T1     target     liver n    -    -     absent
112 NT1    non_target neck  y    -    12    present
"""
    result = ir(lesions(text), confirm_response=True)
    assert by_day(result) == {56: "iCR", 112: "iPR"}
    assert "cr_downgraded_to_pr" in flags_on(result, 56)
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("iCR", "iPR")


# =================================================================================================
# irRECIST (section 3) rules
# =================================================================================================


def test_3_4_counted_new_lesion_too_small_is_5mm_and_absent_is_gone_for_ircr():
    # spec 3.4: counted new lesions: "too_small 5; absent 0"; "Once counted it stays counted"; gone = every
    # target and counted new lesion absent. T1 liver 30 (B 30).
    # 56: T1 absent, N1 lung 12 (counted): TMTB 12 = -60 % vs B, vs nadir 30 not irPD; N1 present -> not gone:
    # irPR (3.6 row 8). 84: N1 too_small -> TMTB 5 (-83.33 %): irPR. 112: N1 absent -> TMTB 0, gone, no
    # non-target, no new non-measurable lesion present -> irCR (row 5). Best irCR.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    30   present
56  T1     target liver n    -    absent
56  N1     new    lung  n    12   present
84  T1     target liver n    -    absent
84  N1     new    lung  n    -    too_small
112 T1     target liver n    -    absent
112 N1     new    lung  n    -    absent
"""
    result = irr(lesions(text))
    assert by_day(result, "current_sum") == {56: 12.0, 84: 5.0, 112: 0.0}
    assert by_day(result, "new_lesion_sum") == {56: 12.0, 84: 5.0, 112: 0.0}
    assert by_day(result) == {56: "irPR", 84: "irPR", 112: "irCR"}
    assert best(result)["best_response"] == "irCR"


def test_3_8_not_confirmed_irpd_is_ignored_no_reset_and_no_pfs_event():
    # spec 3.7 / 3.8 / 0.8: "No reset concept: a not-confirmed irPD is simply ignored."
    # T1 50. 56: 62 (+24 %, +12 mm): irPD pending. 84 (28 days): 34 (vs nadir 50: -32 %, not irPD; vs B -32 %:
    # irPR) decides: not confirmed. 112: 33 (-34 %): irPR.
    # Best irPR (day 84, first response day 84); no progression day, no PFS event; pfs_day = last
    # evaluable assessment, day 112.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    62   present
84  T1     target liver n    34   present
112 T1     target liver n    33   present
"""
    result = irr(lesions(text))
    assert by_day(result) == {56: "irPD", 84: "irPR", 112: "irPR"}
    assert by_day(result, "confirmation_state")[56] == "not_confirmed"
    assert by_day(result, "after_progression") == {56: False, 84: False, 112: False}
    row = best(result)
    assert (row["best_response"], row["first_response_day"]) == ("irPR", 84)
    assert not row["pfs_event"]
    assert pd.isna(row["progression_day"])
    assert row["pfs_day"] == 112


def test_3_5_new_nonmeasurable_unequivocal_progression_irpd_is_confirmed_by_the_same_condition():
    # spec 3.5 default new_nonmeasurable_can_define_pd = True; 3.7: "any irPD condition (... or an enabled
    # non-target / new non-measurable unequivocal progression) -> confirmed, progression day = first irPD
    # day".
    # T1 lung 50 throughout (TMTB 50, +0 %). 56: N1 liver 6 mm (non-measurable) appears: not irPD by its
    # appearance -> irSD. 84: N1 unequivocal_progression -> irPD pending. 112 (28 days): again -> confirms;
    # progression day 84. Best irSD (day 56 >= 42). With the option off: irSD everywhere, no PFS event.
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    50   present
56  N1     new    liver n    6    present
84  T1     target lung  n    50   present
84  N1     new    liver n    -    unequivocal_progression
112 T1     target lung  n    50   present
112 N1     new    liver n    -    unequivocal_progression
"""
    result = irr(lesions(text))
    assert by_day(result) == {56: "irSD", 84: "irPD", 112: "irPD"}
    assert by_day(result, "confirmation_state") == {56: "not_required", 84: "confirmed", 112: "confirms"}
    row = best(result)
    assert (row["best_response"], row["progression_day"]) == ("irSD", 84)
    off = irr(lesions(text), new_nonmeasurable_can_define_pd=False)
    assert by_day(off) == {56: "irSD", 84: "irSD", 112: "irSD"}
    assert not best(off)["pfs_event"]


def test_3_11_C1_full_nishino_option_set_on_J3():
    # spec 3.11 C1: Nishino 2013 = target_caps "irrc", nontarget_can_define_pd False,
    # new_nonmeasurable_can_define_pd False, confirm_response True, pd_absolute_mm 0.
    # J3 (3.10): TMTB 44 (-12 %), 42 (-16 %, -4.55 % vs nadir 44): irSD, irSD; non-target progression ignored
    # with flag nt_progression_not_pd (the flag irRECIST writes when the option is off). Best irSD in both
    # columns (no irCR/irPR; irSD at day >= 42); no PFS event.
    nishino = {
        "target_caps": "irrc",
        "nontarget_can_define_pd": False,
        "new_nonmeasurable_can_define_pd": False,
        "confirm_response": True,
        "pd_absolute_mm": 0.0,
    }
    result = irr(lesions(J3), **nishino)
    assert by_day(result) == {56: "irSD", 84: "irSD"}
    assert "nt_progression_not_pd" in flags_on(result, 56)
    assert "nt_progression_not_pd" in flags_on(result, 84)
    row = best(result)
    assert (row["best_response"], row["best_response_confirmed"]) == ("irSD", "irSD")
    assert not row["pfs_event"]


def test_3_11_C2_pd_absolute_mm_0_dates_the_J2_progression_to_day_112():
    # spec 3.11 C1/C2: pd_absolute_mm = 0 (Nishino form). J2 day 112: TMTB 21 vs nadir 17 = +23.53 %
    # (>= 20 %); +4 mm no longer matters -> irPD pending. 0.8: decided at the first evaluable assessment
    # >= 28 days later: day 168 (56 days): 31 vs N(168) = 17: +82.35 % -> confirmed; progression day 112.
    # Best irSD (day 56 >= 42, before the confirmed progression).
    result = irr(lesions(J2), pd_absolute_mm=0.0)
    assert by_day(result) == {56: "irSD", 112: "irPD", 168: "irPD", 196: "irPD"}
    assert by_day(result, "confirmation_state")[112] == "confirmed"
    row = best(result)
    assert (row["best_response"], row["progression_day"]) == ("irSD", 112)


def test_3_7_irpd_27_days_later_does_not_decide_28_does():
    # spec 3.7 / 0.8: decided at the first evaluable assessment with day_j - day_i >= 28 (confirm_min_days).
    # T1 50. 56: 62 (+24 %, +12 mm) irPD. 83 (27 days): 45 (vs nadir 50 -10 %): irSD, does not decide.
    # 84 (28 days): 63 vs N(84) = 45: +40 %, +18 mm -> irPD: confirms day 56. Best: irSD of day 83 lies after
    # the confirmed progression day 56 -> outside irRECIST's window (3.7): best irPD.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    62   present
83  T1     target liver n    45   present
84  T1     target liver n    63   present
"""
    result = irr(lesions(text))
    assert by_day(result) == {56: "irPD", 83: "irSD", 84: "irPD"}
    assert by_day(result, "confirmation_state") == {56: "confirmed", 83: "not_required", 84: "confirms"}
    row = best(result)
    assert (row["best_response"], row["progression_day"]) == ("irPD", 56)


# =================================================================================================
# imRECIST (section 5) rules
# =================================================================================================


def test_5_5_non_target_and_new_nonmeasurable_progression_do_not_confirm_a_pd():
    # spec 5.5: non-target unequivocal progression and new non-measurable lesions "do not define PD"; 5.7: the
    # confirming scan must show PD again against N(j). T1 lung 50, NT1 bone.
    # 56: T1 62 (+24 %, +12 mm): PD pending. 84 (28 days): T1 48 (vs nadir 50 -4 %, vs B -4 %): SD although
    # NT1 is in unequivocal progression and a new 6 mm lesion N1 (non-measurable) is unequivocally progressing
    # -> the PD of day 56 is not confirmed; no PFS event; best SD (day 84 >= 42).
    text = """
day lesion role       organ node long status
-7  T1     target     lung  n    50   present
-7  NT1    non_target bone  n    -    present
56  T1     target     lung  n    62   present
56  NT1    non_target bone  n    -    present
84  T1     target     lung  n    48   present
84  NT1    non_target bone  n    -    unequivocal_progression
84  N1     new        liver n    6    unequivocal_progression
"""
    result = im(lesions(text))
    assert by_day(result) == {56: "PD", 84: "SD"}
    assert by_day(result, "confirmation_state")[56] == "not_confirmed"
    assert "nt_progression_not_pd" in flags_on(result, 84)
    row = best(result)
    assert row["best_response"] == "SD"
    assert not row["pfs_event"]


def test_5_7_duration_of_response_skips_a_not_confirmed_pd_and_runs_to_the_confirmed_one():
    # spec 5.7: "duration of response from the first CR/PR to the progression day that follows it"; a PD
    # followed by disease control is not a PFS event. T1 50.
    # 56: 30 (-40 %) PR. 84: 37 vs nadir 30 (+23.33 %, +7 mm): PD pending. 112 (28 days): 33 (vs nadir 30
    # +10 %: not PD; -34 % vs B): PR -> PD of 84 not confirmed. 140: 40 vs nadir 30 (+33 %, +10 mm): PD.
    # 168 (28 days): 41 (+36.67 %, +11 mm): PD -> confirms; progression day 140.
    # Best PR (day 56); duration 140 - 56 = 84; PFS event day 140.
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    30   present
84  T1     target lung  n    37   present
112 T1     target lung  n    33   present
140 T1     target lung  n    40   present
168 T1     target lung  n    41   present
"""
    result = im(lesions(text))
    assert by_day(result) == {56: "PR", 84: "PD", 112: "PR", 140: "PD", 168: "PD"}
    assert by_day(result, "confirmation_state") == {
        56: "not_required",
        84: "not_confirmed",
        112: "not_required",
        140: "confirmed",
        168: "confirms",
    }
    row = best(result)
    assert (row["best_response"], row["first_response_day"], row["progression_day"]) == ("PR", 56, 140)
    assert row["duration_of_response_days"] == 84
    assert row["pfs_event"] and row["pfs_day"] == 140


def test_5_7_best_response_after_an_unconfirmed_pd_can_be_cr():
    # spec 5.7 / 5.1 abstract: "best overall response may occur after progressive disease". T1 30.
    # 56: 37 (+23.33 %, +7 mm): PD pending. 84 (28 days): absent -> gone -> CR (no non-target, no new lesion):
    # PD not confirmed. Best CR (day 84), no PFS event; with bor_scope "until_confirmed_pd" the same (E2: only
    # a confirmed PD ends the window).
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    30   present
56  T1     target lung  n    37   present
84  T1     target lung  n    -    absent
"""
    for scope in ("all", "until_confirmed_pd"):
        result = im(lesions(text), bor_scope=scope)
        assert by_day(result) == {56: "PD", 84: "CR"}
        row = best(result)
        assert (row["best_response"], row["bor_day"]) == ("CR", 84), scope
        assert not row["pfs_event"]


# =================================================================================================
# Section 8 comparison table
# =================================================================================================


def test_8_pd_threshold_row_on_one_table_irrecist_vs_imrecist_vs_irecist():
    # spec 8 "PD threshold" and "Non-target role" rows, one patient: T1 lung 50, new 6 mm lesion N1
    # (non-measurable) appears on day 56 and is in unequivocal progression on day 112, targets unchanged.
    # irRECIST (default): appearance is not irPD (56 irSD); unequivocal growth of new non-measurable disease
    # is irPD (112). imRECIST: never PD (SD, SD). iRECIST: a new lesion -> iUPD (56); day 112 (56 days) NLNT
    # increase (present -> unequivocal_progression, 4.4) -> iCPD, progression day 56.
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    50   present
56  N1     new    liver n    6    present
112 T1     target lung  n    50   present
112 N1     new    liver n    -    unequivocal_progression
"""
    table = lesions(text)
    assert by_day(irr(table)) == {56: "irSD", 112: "irPD"}
    assert by_day(im(table)) == {56: "SD", 112: "SD"}
    assert by_day(ir(table)) == {56: "iUPD", 112: "iCPD"}
    assert best(ir(table))["progression_day"] == 56


# =================================================================================================
# Findings of the audit: the code departed from these spec sentences (fixed since)
# =================================================================================================


def test_0_2_4_6_nlnt_without_a_row_at_confirmation_is_ne_not_a_reset():
    # T1 lung 50. 56: T1 45, N1 liver 8 mm (NLNT) -> iUPD (NL), ref_S 45.
    # 112 (56 days): no row for N1 -> N1 not_evaluable (0.2). No iCPD (S 45 - 45 = 0; no additional
    # lesion); N1 could have grown or still be present, so a missing value could decide -> NE, episode open
    # (4.6 step 3). (Compare test_4_6_step3_new_lesion_not_evaluable_at_confirmation_gives_ne_and_episode_
    # stays_open in test_irecist_rules.py: the same N1 written with status not_evaluable gives NE.)
    text = """
day lesion role   organ node long status
-7  T1     target lung  n    50   present
56  T1     target lung  n    45   present
56  N1     new    liver n    8    present
112 T1     target lung  n    45   present
"""
    assert by_day(ir(lesions(text))) == {56: "iUPD", 112: "NE"}


def test_4_6_nlt_nadir_after_a_reset_covers_the_lesions_known_at_that_reset():
    # T1 lung 50. 56: T1 45, A liver 10 (NLT) -> iUPD (NL), ref_S 45, ref_NLT 10.
    # 112: T1 40 (< 45), A 10 (no growth): reset -> iSD (-20 %).
    # 168: B kidney 15 (NLT) appears: additional new lesion after a reset -> iUPD (NL), ref_S 40, ref_NLT 25.
    # 224 (56 days): T1 36 (< 40), A 10, B 15 (NLT 25 <= 25): no iCPD; reset -> 36 vs 50 = -28 %: iSD.
    #   known_new = {A, B}; nlt_nadir = smallest NLT_sum of A + B since they were seen (days 168, 224) = 25.
    # 280: nothing changed: NLT 25 vs nadir 25 = +0 %; T1 36 vs nadir 36 = +0 %: no trigger -> iSD.
    text = """
day lesion role   organ  node long status
-7  T1     target lung   n    50   present
56  T1     target lung   n    45   present
56  A      new    liver  n    10   present
112 T1     target lung   n    40   present
112 A      new    liver  n    10   present
168 T1     target lung   n    40   present
168 A      new    liver  n    10   present
168 B      new    kidney n    15   present
224 T1     target lung   n    36   present
224 A      new    liver  n    10   present
224 B      new    kidney n    15   present
280 T1     target lung   n    36   present
280 A      new    liver  n    10   present
280 B      new    kidney n    15   present
"""
    assert by_day(ir(lesions(text))) == {56: "iUPD", 112: "iSD", 168: "iUPD", 224: "iSD", 280: "iSD"}


def test_4_4_equivocal_then_unequivocal_measurable_new_lesion_is_an_nlt():
    # 4.5: an equivocal new lesion is not "present" (day 56: iSD, flag equivocal_new_lesion; 45 vs 50 =
    # -10 %). Day 112: N1 unequivocal, 12 mm >= 10 mm: measurable; whether its first appearance is day 56 or
    # day 112 it was 12 mm, so it takes an NLT slot: new_lesion_sum 12 (4.4); first new lesion: iUPD.
    text = """
day lesion role   organ node long status  equivocal
-7  T1     target lung  n    50   present n
56  T1     target lung  n    45   present n
56  N1     new    liver n    12   present y
112 T1     target lung  n    45   present n
112 N1     new    liver n    12   present n
"""
    result = ir(lesions(text))
    assert by_day(result) == {56: "iSD", 112: "iUPD"}
    assert by_day(result, "new_lesion_sum") == {56: 0.0, 112: 12.0}


def test_4_4_D5_an_explicit_false_increase_since_previous_overrides_a_larger_measurement():
    # spec 4.4: increase = "the row has increase_since_previous = true; or, when that column is empty, its
    # measured size ... is larger". NT iUPD on day 56 (NT1 30 mm, unequivocal progression).
    # Day 112: NT1 measured 31 mm but the reader wrote increase_since_previous = n -> no increase: no iCPD;
    # NT1 still unequivocal progression (R2 fails): iUPD. With the column empty the +1 mm is an increase:
    # iCPD.
    base = """
day lesion role       organ  node long status                  increase
-7  T1     target     liver  n    50   present                 -
-7  NT1    non_target pleura n    20   present                 -
56  T1     target     liver  n    45   present                 -
56  NT1    non_target pleura n    30   unequivocal_progression -
112 T1     target     liver  n    45   present                 -
112 NT1    non_target pleura n    31   unequivocal_progression {inc}
"""
    p1 = lesions(base.format(inc="n"), patient_id="P1")
    p2 = lesions(base.format(inc="-"), patient_id="P2")
    result = ir(cohort(p1, p2))
    assert by_day(result, patient="P1") == {56: "iUPD", 112: "iUPD"}
    assert by_day(result, patient="P2") == {56: "iUPD", 112: "iCPD"}
