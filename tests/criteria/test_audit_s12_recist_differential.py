"""Differential audit of RECIST 1.1 (spec/anatomic.md sections 0 and 1) and imRECIST (section 5).

An independent reference of the timepoint and best overall responses, written from the spec text, was
compared with the package on random small patients. The first test pins the one difference found (since
fixed; it asserts the spec's result); the others pin tricky cases met during the comparison that already
follow the spec. Every expected value comes from the spec and hand arithmetic.
"""

import pandas as pd
import pytest
from assessed import by_day, row, run


def best(result, column="best_response"):
    value = result.best_response[column].iloc[0]
    return None if pd.isna(value) else value


# --- difference found ------------------------------------------------------------------------------------


@pytest.mark.parametrize("unevaluated", ["not_evaluable", "no row"])
def test_5_6_no_targets_non_target_not_evaluated_is_ne_even_beside_unequivocal_progression(unevaluated):
    # spec 5.6: "No target lesions at baseline: CR when every non-target and new lesion is absent, NE when a
    # non-target lesion is not evaluated (as 1.6.2), else NON-CR/NON-PD"; 5.5: unequivocal progression of a
    # non-target lesion "does not define PD"; 0.2: a baseline lesion with no row is not_evaluable.
    # N1 not evaluated and N2 unequivocally progressed on day 56: a non-target lesion was not evaluated ->
    # NE (the same patient with N2 merely present already gives NE). Best response NE: the only
    # assessment is NE (5.7 ranking ... > NE), not NON-CR/NON-PD.
    rows = [row(-7, "N1", organ="peritoneum"), row(-7, "N2", organ="bone"),
            row(56, "N2", organ="bone", status="unequivocal_progression")]
    if unevaluated == "not_evaluable":
        rows.append(row(56, "N1", organ="peritoneum", status="not_evaluable"))
    result = run(rows, "imrecist")
    assert by_day(result) == {56: "NE"}
    assert best(result) == "NE"


# --- verified behaviours ---------------------------------------------------------------------------------


def test_5_6_and_1_5_non_target_ne_beside_unequivocal_progression_reference_cases():
    # Companions of the difference above, already following the spec. RECIST 1.1 1.5 step 1 "PD: any
    # non-target row has status = unequivocal_progression" comes before step 2 NE: Table 2 -> PD.
    # imRECIST 5.6 with N2 merely present and N1 not evaluated: "NE when a non-target lesion is not
    # evaluated".
    rows = [row(-7, "N1", organ="peritoneum"), row(-7, "N2", organ="bone"),
            row(56, "N1", organ="peritoneum", status="not_evaluable"),
            row(56, "N2", organ="bone", status="unequivocal_progression")]
    assert by_day(run(rows)) == {56: "PD"}
    rows[-1] = row(56, "N2", organ="bone")
    assert by_day(run(rows, "imrecist")) == {56: "NE"}


def test_1_6_1_row_4_reappearance_after_cr_wins_over_a_missing_target():
    # spec 1.6.1: row 4 ("previous overall CR ... PD if a lesion reappeared") comes before row 5 (target
    # NE -> NE); 1.8.1: "a non-nodal target value > 0". B 30 + 20 = 50; day 56 both absent: CR (nadir 0).
    # Day 84: T1 not evaluable, T2 4 mm: known sum 4 is +4 mm over nadir 0 (< 5 mm): target NE, but T2
    # reappeared after CR -> PD.
    rows = [row(-7, "T1", 30), row(-7, "T2", 20, organ="lung"),
            row(56, "T1", status="absent"), row(56, "T2", organ="lung", status="absent"),
            row(84, "T1", status="not_evaluable"), row(84, "T2", 4, organ="lung")]
    result = run(rows)
    assert by_day(result, "target_response") == {56: "CR", 84: "NE"}
    assert by_day(result) == {56: "CR", 84: "PD"}
    assert best(result, "progression_day") == 84


def test_1_8_1_most_recent_evaluable_response_skips_ne_and_node_back_to_10mm_is_pd():
    # spec 1.8.1: "If the most recent evaluable overall response was CR ... a nodal target short axis
    # >= 10 mm" -> PD. Node T1 20 -> 8 (CR) -> not evaluable (NE) -> 10 mm: sum 10 vs nadir 8 is +25 %
    # but only +2 mm (not PD by the sums), -50 % vs B 20 (PR by the sums); the last evaluable was CR -> PD.
    node = dict(node=True, organ="neck")
    rows = [row(-7, "T1", 20, **node), row(56, "T1", 8, **node),
            row(70, "T1", status="not_evaluable", **node), row(84, "T1", 10, **node)]
    result = run(rows)
    assert by_day(result) == {56: "CR", 70: "NE", 84: "PD"}
    assert by_day(result, "target_response")[84] == "PR"


def test_0_7_cr_then_cr_too_early_then_pr_downgrades_only_the_second_cr():
    # spec 0.7: "a CR whose next evaluable assessment is PR is read as PR". T1 30 absent throughout; nodal
    # NT1 12 -> 8 (CR) -> 8 (CR) -> 11 (back >= 10 without unequivocal progression: NON-CR/NON-PD, hence
    # PR by Table 1 row 7, 1.8.1). Days 56 CR, 70 CR, 98 PR. The CR of day 70 is read as PR; the CR of day
    # 56 has no later CR (day 70 is now PR, which breaks a CR run): not confirmed. PR of day 70 is
    # confirmed by day 98 (28 days). best_response CR (unconfirmed), best_response_confirmed PR dated 70.
    nt = dict(node=True, organ="neck")
    rows = [row(-7, "T1", 30), row(-7, "N1", 12, **nt),
            row(56, "T1", status="absent"), row(56, "N1", 8, **nt),
            row(70, "T1", status="absent"), row(70, "N1", 8, **nt),
            row(98, "T1", status="absent"), row(98, "N1", 11, **nt)]
    result = run(rows, confirm_response=True)
    assert by_day(result) == {56: "CR", 70: "CR", 98: "PR"}
    assert (best(result), best(result, "best_response_confirmed")) == ("CR", "PR")
    assert best(result, "first_response_day") == 70
    assert best(result, "progression_day") is None


def test_0_7_max_ne_between_counts_the_ne_assessments_of_a_cr_pair():
    # spec 0.7: "every assessment strictly between i and j is CR or NE, at most max_ne_between (default 1)
    # of them are NE". CR 56, NE 70, NE 84, CR 112: two NE -> not confirmed; Table 3 / 1.7 step 2 "any CR
    # ... at day >= min_sd_days -> SD". With max_ne_between = 2 the CR is confirmed.
    rows = [row(-7, "T1", 30), row(56, "T1", status="absent"), row(70, "T1", status="not_evaluable"),
            row(84, "T1", status="not_evaluable"), row(112, "T1", status="absent")]
    result = run(rows, confirm_response=True)
    assert (best(result), best(result, "best_response_confirmed")) == ("CR", "SD")
    assert best(run(rows, confirm_response=True, max_ne_between=2), "best_response_confirmed") == "CR"


def test_1_7_back_dated_pd_breaks_the_confirmation_of_an_earlier_pr():
    # spec 1.8.2: an equivocal new lesion later unequivocal makes PD "dated to the first assessment that
    # showed it"; 0.7: no progression date in (day_i, day_j]; 1.7 scope: only assessments up to the first
    # PD. B 100: day 28 60 (-40 %: PR); day 56 60 + equivocal U1 -> rewritten PD; day 84 U1 unequivocal: PD.
    # The PR of day 28 cannot be confirmed (PD on day 56), and it is earlier than min_sd_days 42: the
    # confirmed best response is PD, the unconfirmed one PR; progression day 56.
    rows = [row(-7, "T1", 100), row(28, "T1", 60), row(56, "T1", 60), row(56, "U1", 8, equivocal=True),
            row(84, "T1", 60), row(84, "U1", 9)]
    result = run(rows, confirm_response=True)
    assert by_day(result) == {28: "PR", 56: "PD", 84: "PD"}
    assert (best(result), best(result, "best_response_confirmed")) == ("PR", "PD")
    assert best(result, "progression_day") == 56
    assert best(result, "first_response_day") is None


def test_1_7_non_target_only_unconfirmed_cr_counts_as_sd_when_confirmation_is_required():
    # spec 1.7 best_response_confirmed step 2: "else any CR, PR or SD at day >= min_sd_days -> SD". No
    # targets; N1 absent on day 56 (CR, Table 2), present again on day 70: PD by 1.8.1 (row 4 also applies
    # to Table 2). Unconfirmed CR on day 56 >= 42 -> SD; without confirmation CR.
    rows = [row(-7, "N1", organ="peritoneum"), row(56, "N1", organ="peritoneum", status="absent"),
            row(70, "N1", organ="peritoneum")]
    result = run(rows, confirm_response=True)
    assert by_day(result) == {56: "CR", 70: "PD"}
    assert (best(result), best(result, "best_response_confirmed")) == ("CR", "SD")
    assert best(result, "progression_day") == 70


def test_0_8_imrecist_ne_never_decides_and_restart_after_the_deciding_assessment():
    # spec 0.8: the first PD "is decided at the first later evaluable assessment j with day_j - day_i >= 28";
    # "PD rows between i and j are marked not_confirmed too, and the search for a new first PD restarts
    # after j". B 50: 56 62 (+24 %, +12 mm: PD); 70 63 (+26 % vs nadir 50: PD, 14 days: does not decide);
    # 84 not evaluable (does not decide); 91 50 (0 % vs nadir 50: SD, 35 days): not confirmed; 119 70
    # (+40 %, +20 mm vs nadir 50): new first PD, pending at the end of data (E5 default "pd").
    rows = [row(-7, "T1", 50), row(56, "T1", 62), row(70, "T1", 63), row(84, "T1", status="not_evaluable"),
            row(91, "T1", 50), row(119, "T1", 70)]
    result = run(rows, "imrecist")
    assert by_day(result) == {56: "PD", 70: "PD", 84: "NE", 91: "SD", 119: "PD"}
    states = by_day(result, "confirmation_state")
    assert (states[56], states[70], states[119]) == ("not_confirmed", "not_confirmed", "pending")
    # 5.7: not-confirmed PD rows skipped; SD on day 91 >= 42 ranks above the pending PD. The pending PD is
    # the PFS event at its day ("an event at its day"), but no progression day: that is "first PD of the
    # confirmed pair" (5.7, 0.8).
    assert best(result) == "SD"
    assert best(result, "progression_day") is None
    assert best(result, "pfs_day") == 119 and best(result, "pfs_event")


def test_5_4_new_measurable_cap_ties_by_lesion_id_and_uncounted_lesion_prevents_cr():
    # spec 5.4: counted new measurable lesions "at most 5 in total and 2 per organ ..., larger value first,
    # then lesion_id"; 5.5: measurable ones over the caps are new non-measurable and "any one present
    # prevents CR". Target lung 30; day 56: three new liver lesions of 12 mm: U1, U2 counted, U3 not.
    # SLD 0 + 12 + 12 = 24: -20 % vs B 30 (SD), -6 mm vs nadir 30. Day 84: T1, U1, U2 absent (gone), U3
    # still 12 mm: Table 5.6 row 5 -> PR.
    rows = [row(-7, "T1", 30, organ="lung"),
            row(56, "T1", organ="lung", status="absent"),
            row(56, "U1", 12), row(56, "U2", 12), row(56, "U3", 12),
            row(84, "T1", organ="lung", status="absent"), row(84, "U1", status="absent"),
            row(84, "U2", status="absent"), row(84, "U3", 12)]
    result = run(rows, "imrecist")
    assert by_day(result, "current_sum") == {56: 24.0, 84: 0.0}
    assert by_day(result) == {56: "SD", 84: "PR"}


def test_5_9_equivocal_new_measurable_lesion_enters_the_sum_only_when_unequivocal():
    # spec 5.9: "Optional equivocal (not counted until unequivocal)"; 5.4 "counted from the first assessment
    # at which they are measurable". B 30; day 56: T1 28, U1 12 mm equivocal -> SLD 28 (-6.67 %: SD);
    # day 84: U1 14 mm unequivocal -> SLD 28 + 14 = 42 vs nadir 28: +50 %, +14 mm -> PD (pending).
    rows = [row(-7, "T1", 30), row(56, "T1", 28), row(56, "U1", 12, organ="lung", equivocal=True),
            row(84, "T1", 28), row(84, "U1", 14, organ="lung")]
    result = run(rows, "imrecist")
    assert by_day(result, "current_sum") == {56: 28.0, 84: 42.0}
    assert by_day(result) == {56: "SD", 84: "PD"}
    assert by_day(result, "confirmation_state")[84] == "pending"
