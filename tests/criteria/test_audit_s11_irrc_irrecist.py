"""Audit of irRC (spec/anatomic.md section 2) and irRECIST (section 3) through the public API.

Each case was run by hand first; expected values come from the spec text, with the arithmetic in
comments. The first test pins a difference the audit found (since fixed); the other tests pin tricky
behaviours that were verified to follow the spec.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import ioresponse

NAN = math.nan


def row(
    day, lesion, role, organ, status="present", long=NAN, perp=NAN, short=NAN, node=False, equivocal=False
):
    return dict(
        patient_id="P1", day=day, lesion_id=lesion, role=role, organ=organ, lymph_node=node, status=status,
        long_axis_mm=long, perpendicular_mm=perp, short_axis_mm=short, equivocal=equivocal,
    )


def assess(rows, criterion, **options):
    return ioresponse.assess(pd.DataFrame(rows), criteria=(criterion,), **options)


def calls(result, column="overall_response"):
    tp = result.timepoints
    return dict(zip(tp["day"].tolist(), tp[column].tolist(), strict=True))


def best(result):
    return result.best_response.iloc[0]


def index_liver(day, long=30.0, perp=30.0):
    return row(day, "L1", "target", "liver", long=long, perp=perp)


# =================================================================================================
# A difference the audit found, fixed
# =================================================================================================


@pytest.mark.parametrize(("node_rules", "day_84"), [("who", (900.0, "irSD")), ("recist11", (1300.0, "irPD"))])
def test_irrc_B5_first_appearance_only_and_a_new_node_below_10mm(node_rules, day_84):
    # spec 2.11 B5: new_lesion_entry "first_appearance_only" - "the second never counts a lesion that was
    # non-measurable when first seen". N1 (node) on day 56 at 4 x 2 mm (short axis 2), day 84 20 x 20.
    # B2 "who": a node is a lesion like any other, first seen non-measurable on day 56 (< 5 x 5): never
    # counted, TB(84) = 900, irSD. B2 "recist11" (default): a node of short axis < 10 mm is normal (0.4),
    # no lesion yet, so it first appears on day 84, measurable: TB = 900 + 400 = 1300, +44.44 % vs nadir
    # 900 -> irPD (2.6). (The audit found the node rule read on the irRC product, 4 x 2 = 8 "mm", under
    # both rules.)
    rows = [
        index_liver(-7), index_liver(56), index_liver(84),
        row(56, "N1", "new", "lymph node", long=4.0, perp=2.0, short=2.0, node=True),
        row(84, "N1", "new", "lymph node", long=20.0, perp=20.0, short=20.0, node=True),
    ]
    result = assess(rows, "irrc", new_lesion_entry="first_appearance_only", node_rules=node_rules)
    assert calls(result, "current_sum") == {56: 900.0, 84: day_84[0]}
    assert calls(result) == {56: "irSD", 84: day_84[1]}


# =================================================================================================
# Verified behaviours (no marker)
# =================================================================================================


def test_irrc_B5_first_appearance_only_control_non_nodal_lesion_never_counted():
    # spec 2.11 B5, same input as the xfail above with a non-nodal lung lesion: 4 x 2 when first seen,
    # never counted; TB stays 900 mm2 -> irSD on both days.
    rows = [
        index_liver(-7), index_liver(56), index_liver(84),
        row(56, "N1", "new", "lung", long=4.0, perp=2.0),
        row(84, "N1", "new", "lung", long=20.0, perp=20.0),
    ]
    result = assess(rows, "irrc", new_lesion_entry="first_appearance_only")
    assert calls(result, "current_sum") == {56: 900.0, 84: 900.0}
    assert calls(result) == {56: "irSD", 84: "irSD"}
    # default when_measurable: counted from day 84, 900 + 400 = 1300, +44.44 % vs 900 -> irPD (2.4 B5)
    default = assess(rows, "irrc")
    assert calls(default, "current_sum") == {56: 900.0, 84: 1300.0}
    assert calls(default) == {56: "irSD", 84: "irPD"}


def test_irrc_2_5_B5_equivocal_lesion_is_first_seen_when_unequivocal_under_first_appearance_only():
    # spec 2.5: "equivocal = true new lesions are treated as not present until unequivocal"; so with B5
    # first_appearance_only the lesion is first seen on day 84 (20 x 20, measurable) and is counted:
    # TB(84) = 900 + 400 = 1300, +44.44 % vs nadir 900 (>= 25 %) -> irPD pending.
    rows = [
        index_liver(-7), index_liver(56), index_liver(84),
        row(56, "N1", "new", "lung", long=20.0, perp=20.0, equivocal=True),
        row(84, "N1", "new", "lung", long=20.0, perp=20.0),
    ]
    result = assess(rows, "irrc", new_lesion_entry="first_appearance_only")
    assert calls(result, "current_sum") == {56: 900.0, 84: 1300.0}
    assert calls(result) == {56: "irSD", 84: "irPD"}
    assert calls(result, "confirmation_state")[84] == "pending"


def test_irrc_0_8_deciding_assessment_is_tested_against_its_own_nadir_lowered_in_between():
    # spec 0.8 / 2.7: at the deciding j the PD rule is "recomputed at j against N(j)". Day 56: 36 x 34 = 1224,
    # +36 % vs 900 -> irPD pending. Day 70 (14 days: does not decide): 28 x 25 = 700, complete -> nadir 700.
    # Day 84 (28 days): 900 is +0 % vs 900 but +28.57 % vs N(84) = 700 (>= 25 %) -> confirms; progression
    # day 56; day 70 and 84 are after progression; best response irPD.
    rows = [index_liver(-7), index_liver(56, 36, 34), index_liver(70, 28, 25), index_liver(84)]
    result = assess(rows, "irrc")
    assert calls(result) == {56: "irPD", 70: "irSD", 84: "irPD"}
    assert calls(result, "nadir_sum") == {56: 900.0, 70: 900.0, 84: 700.0}
    assert calls(result, "confirmation_state") == {56: "confirmed", 70: "not_required", 84: "confirms"}
    assert calls(result, "after_progression") == {56: False, 70: True, 84: True}
    b = best(result)
    assert (b["best_response"], b["best_response_confirmed"], b["progression_day"]) == ("irPD", "irPD", 56)


def test_irrc_0_7_cr_then_ne_then_pr_is_read_as_pr_and_confirmed_across_one_ne():
    # spec 0.7: "a CR whose next evaluable assessment is PR is read as PR". Day 56: index and non-index
    # absent -> irCR (2.6 row 3); day 70: index not evaluable -> incomplete burden -> NE (row 1), skipped;
    # day 84: index absent, non-index present again -> irPR (row 4). The CR of day 56 is read as PR and
    # confirmed by the irPR of day 84 (28 days, one NE between <= max_ne_between 1): confirmed irPR,
    # first response day 56; the unconfirmed column keeps irCR.
    rows = [
        index_liver(-7), row(-7, "NT1", "non_target", "bone"),
        row(56, "L1", "target", "liver", "absent"), row(56, "NT1", "non_target", "bone", "absent"),
        row(70, "L1", "target", "liver", "not_evaluable"), row(70, "NT1", "non_target", "bone", "absent"),
        row(84, "L1", "target", "liver", "absent"), row(84, "NT1", "non_target", "bone"),
    ]
    result = assess(rows, "irrc")
    assert calls(result) == {56: "irCR", 70: "NE", 84: "irPR"}
    b = best(result)
    assert (b["best_response"], b["best_response_confirmed"]) == ("irCR", "irPR")
    assert b["first_response_day"] == 56
    assert "cr_downgraded_to_pr" in calls(result, "flags")[56]


def test_irrc_2_7_pending_irpd_then_early_irpr_at_end_of_data():
    # spec 0.8: day 70 is only 14 days after the irPD of day 56, so it does not decide; the irPD stays
    # pending at the end of data (unconfirmed_pd_as "pd"). Day 70: 20 x 20 = 400, -55.56 % vs 900 -> irPR.
    # Best response (2.7): no confirmed progression, so every row counts: irPR; confirmed column: the
    # unconfirmed irPR counts as irSD (day 70 >= 42) and outranks irPD.
    rows = [index_liver(-7), index_liver(56, 36, 34), index_liver(70, 20, 20)]
    result = assess(rows, "irrc")
    assert calls(result) == {56: "irPD", 70: "irPR"}
    assert calls(result, "after_progression") == {56: False, 70: False}
    b = best(result)
    assert (b["best_response"], b["best_response_confirmed"]) == ("irPR", "irSD")
    as_ne = best(assess(rows, "irrc", unconfirmed_pd_as="ne"))
    assert (as_ne["best_response"], as_ne["best_response_confirmed"]) == ("irPR", "irSD")


def test_irrecist_3_4_new_lesion_over_the_organ_cap_is_non_measurable_blocks_ircr_and_can_define_irpd():
    # spec 3.4 / C3: at most 2 counted new lesions per organ, larger first: N1 12 and N2 11 counted,
    # N3 10 (measurable) is over the cap -> "new non-measurable". Day 56: TMTB 0 + 23 = 23 mm, -23.33 % vs
    # B 30 -> irSD. Day 84: targets and counted lesions absent (gone) but N3 present -> irPR (3.6 row 7).
    # Day 112: N3 recorded unequivocal_progression -> irPD by default (3.5, new_nonmeasurable_can_define_pd).
    def day_rows(day, t1, n1, n2, n3):
        return [
            row(day, "T1", "target", "liver", *t1), row(day, "N1", "new", "lung", *n1),
            row(day, "N2", "new", "lung", *n2), row(day, "N3", "new", "lung", *n3),
        ]
    absent = ("absent",)
    rows = [row(-7, "T1", "target", "liver", long=30.0)]
    rows += day_rows(56, absent, ("present", 12.0), ("present", 11.0), ("present", 10.0))
    rows += day_rows(84, absent, absent, absent, ("present", 10.0))
    rows += day_rows(112, absent, absent, absent, ("unequivocal_progression",))
    result = assess(rows, "irrecist")
    assert calls(result, "current_sum") == {56: 23.0, 84: 0.0, 112: 0.0}
    assert calls(result) == {56: "irSD", 84: "irPR", 112: "irPD"}
    assert calls(result, "confirmation_state")[112] == "pending"
    off = assess(rows, "irrecist", new_nonmeasurable_can_define_pd=False)
    assert calls(off) == {56: "irSD", 84: "irPR", 112: "irPR"}
    # with a cap of 3 per organ N3 is counted: day 84 TMTB 10 mm (-66.67 % vs 30) -> irPR by the band
    wide = assess(rows, "irrecist", max_new_measurable_per_organ=3)
    assert calls(wide, "current_sum")[84] == 10.0


def test_irrc_and_irrecist_run_together_keep_their_own_confirmation_defaults():
    # spec 2.7 (irRC confirm_response = True) and 3.7 (irRECIST False), one call of assess with both:
    # index 30 x 30 (irRECIST: 30 mm) -> 20 x 20 on day 84 only: irRC -55.56 % irPR, irRECIST -33.33 % irPR.
    # irRC: unconfirmed, so no first response day (the confirmed pair drives the dates, 0.9);
    # irRECIST: first response day 84.
    rows = [index_liver(-7), index_liver(56), index_liver(84, 20, 20)]
    result = ioresponse.assess(pd.DataFrame(rows), criteria=("irrc", "irrecist"))
    br = result.best_response.set_index("criterion")
    assert br.loc["irrc", "best_response"] == "irPR" and br.loc["irrecist", "best_response"] == "irPR"
    assert br.loc["irrc", "best_response_confirmed"] == "irSD"
    assert math.isnan(br.loc["irrc", "first_response_day"])
    assert br.loc["irrecist", "first_response_day"] == 84
