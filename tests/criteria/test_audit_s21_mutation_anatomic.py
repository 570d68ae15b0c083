"""Session 21 mutation audit of the anatomic criteria (spec/anatomic.md 0-5): tests that pin the rules
a mutant of the code survived.

Method: a private copy of src/, one rule edited per mutant (threshold, comparison, day window, cap,
nadir-vs-baseline reference, dropped condition, skipped reset, ranking), the focused tests of the edited
module run against it (test_recist11*, test_irrc*, test_irrecist*, test_irecist*, test_imrecist* and the
audit files of each criterion), then the copy restored. The numba on-disk cache was cleared before and
after every mutant: a cached kernel of another module (recist11.target_response) keeps the callee it was
compiled with (_anatomic.increase_at_least), so without clearing, a mutant can leak into later runs.

71 mutants: 25 on RECIST 1.1 and the shared engine (recist11.py, _anatomic.py), 46 on the immune
criteria (irrc.py 9, irrecist.py 3, imrecist.py 5, _immune.py 7, irecist.py 22). 66 killed by the
focused tests. Five survived them:
- _anatomic.best_response_rank, NON-CR/NON-PD at ``day >= min_sd_days`` changed to ``>``: pinned here
  (spec 1.7, 3.7, 4.7, 5.7);
- irecist._state_machine, the NLT nadir restarting when a new lesion is first recorded, dropped: pinned
  here (spec 4.6). test_immune_anatomic_audit.py, outside the focused set, also kills it;
- irrc.MAX_CUTANEOUS 5 -> 6: killed by test_audit_s18_anatomic_options.py (outside the focused set); with
  the default 5 per organ it cannot show, since every cutaneous lesion is in the one organ "skin";
- _anatomic.min_nonnodal_mm, slice ``> 5`` changed to ``>= 5``: equivalent (2 x 5 mm = the 10 mm minimum);
- irecist._state_machine, the step-1 NL trigger ``new_present and seen == 0`` without ``seen == 0`` (before
  any reset): equivalent. A new lesion seen before opens an episode that is still open, or ended in
  iCPD (step 0), or was reset (then the after-reset branch applies).

Every expected value below was worked out by hand from spec/anatomic.md; the arithmetic is in the
comments.
"""

from __future__ import annotations

import pytest
from assessed import by_day, row, run


def _best(result, column="best_response"):
    return result.best_response[column].iloc[0]


# =================================================================================================
# iRECIST (spec 4)
# =================================================================================================


def test_irecist_4_6_nlt_nadir_after_a_reset_starts_when_the_latest_new_lesion_is_recorded():
    # spec 4.6 (reset): nlt_nadir = "the smallest NLT_sum recorded since those lesions were first seen";
    # step 1 after a reset: NL trigger when NLT_sum >= +20 % and >= +5 mm over nlt_nadir. A sum of U1 alone
    # (before U2 existed) is not a sum of "those lesions" (U1 + U2), so it never becomes their nadir.
    # Targets T1 lung, T2 liver; new U1 liver, U2 lung (both >= 10 mm: NLT, 1 per organ, cap 2 per organ).
    # day -7: 30 + 20 = 50 = B.
    # day 56: 24 + 16 = 40 (-20 %); U1 12 first new lesion -> iUPD (NL); ref_S 40, ref_NLT 12.
    # day 112 (56 d): 22 + 14 = 36 < 40, NLT 12 (+0) -> R1-R3 hold -> reset; 36 vs 50 = -28 % -> iSD.
    # day 168: 20 + 13 = 33 (nadir 36: not PD); U2 12 appears: additional new lesion after the reset -> iUPD;
    #   ref_S 33, ref_NLT 12 + 12 = 24.
    # day 224 (56 d): 18 + 12 = 30 < 33, NLT 24 (+0), no new lesion -> reset; 30 vs 50 = -40 % -> iPR.
    #   nlt_nadir = smallest NLT_sum since U1 and U2 were both seen = min(24, 24) = 24.
    # day 280: 30 (not PD vs nadir 30), NLT 24: +0 % vs 24 -> no trigger -> iPR (-40 %). (Against the U1-only
    #   sum 12 it would be +100 % and +12 mm: iUPD.)
    t = [(-7, 30, 20), (56, 24, 16), (112, 22, 14), (168, 20, 13), (224, 18, 12), (280, 18, 12)]
    rows = []
    for day, t1, t2 in t:
        rows += [row(day, "T1", t1, organ="lung"), row(day, "T2", t2)]
        if day >= 56:
            rows.append(row(day, "U1", 12))
        if day >= 168:
            rows.append(row(day, "U2", 12, organ="lung"))
    assert by_day(run(rows, "irecist")) == {56: "iUPD", 112: "iSD", 168: "iUPD", 224: "iPR", 280: "iPR"}


# =================================================================================================
# RECIST 1.1 and the shared engine (spec 0, 1)
# =================================================================================================


@pytest.mark.parametrize(
    ("criterion", "label"),
    [("recist11", "NON-CR/NON-PD"), ("irrecist", "irNON-CR/NON-PD"), ("irecist", "NON-iCR/NON-iUPD"),
     ("imrecist", "NON-CR/NON-PD")],
)
def test_1_7_non_cr_non_pd_on_exactly_day_42_meets_the_minimum_duration(criterion, label):
    # spec 1.7 best_response step 2: "else any NON-CR/NON-PD at day >= min_sd_days -> NON-CR/NON-PD"
    # (min_sd_days = 42); the same for irRECIST (3.7), iRECIST (4.7 step 4) and imRECIST (5.7).
    # Non-target-only patient: NT1 present at baseline and on day 42 -> non-target-only table (1.6.2, 3.6,
    # 4.6 step 1, 5.6): NON-CR/NON-PD on day 42; 42 >= 42 -> best response NON-CR/NON-PD in both columns.
    result = run([row(-7, "N1", None), row(42, "N1", None)], criterion)
    assert by_day(result) == {42: label}
    assert _best(result) == label
    assert _best(result, "best_response_confirmed") == label
    # one day earlier the minimum is not met: 41 < 42, nothing else -> NE (spec 1.7 step 4)
    early = run([row(-7, "N1", None), row(41, "N1", None)], criterion)
    assert by_day(early) == {41: label}
    assert _best(early) == "NE"


def test_irecist_4_6_non_target_seen_again_after_icr_is_named_not_called_a_sum_progression():
    # spec 4.6 step 1: reappearance after an overall iCR counts, as RECIST 1.1 1.8.1, in the category of the
    # reappearing lesion; 1.8.1: "Reason names the lesion". T1 30 mm and N1 at baseline; day 56 both absent:
    # iCR; day 112 T1 still absent, N1 present again: iUPD by the non-target category, named N1 (s21 fix).
    rows = [row(-7, "T1", 30), row(-7, "N1", None),
            row(56, "T1", None, status="absent"), row(56, "N1", None, status="absent"),
            row(112, "T1", None, status="absent"), row(112, "N1", None)]
    result = run(rows, "irecist")
    assert by_day(result) == {56: "iCR", 112: "iUPD"}
    reason = result.timepoints.set_index("day").loc[112, "reason"]
    assert "RECIST 1.1 progression (lesion N1 seen again after an overall iCR, spec 1.8.1): iUPD" in reason
