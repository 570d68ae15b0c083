"""Audit s21 "longi": longitudinal consistency of a lesion table, as a trial core lab's data really come.

Audited against spec/anatomic.md 0.1 (a lesion_id is stable across assessments; its rows describe one
lesion), 0.2 (baseline = latest assessment with day <= 0, earlier ones ignored with "ignored: pre-baseline";
role fixed at baseline; a lesion first seen later is ``new``; a baseline lesion without a row at a follow-up
is not evaluable, the reason naming it), 0.3 / 0.4 (status by role, too_small, normal nodes, split lesions),
1.4 - 1.6 (RECIST 1.1 missing values, Table 1), 1.8.1 (reappearance after CR: the reason names the lesion)
and 4.6 (iRECIST: reappearance after iCR as RECIST 1.1 1.8.1; a missing new-lesion value keeps the iUPD
open), and against the README "Input: the lesion table" (bad input: located error and exit code 2; split
lesions: fragments add up with a warning, a documented decision).

Inputs go through the command line (tests/cli/_cli.py) and ``ioresponse.assess``. Expected values come
from the spec and the hand arithmetic in the comments. The three differences it proved are fixed (s21): a
lesion whose lymph_node or organ changes between assessments is refused at its row
(io.validate.check_lesion_identity), and iRECIST's reason names the lesion seen again after an iCR.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))

from _cli import HEADER, assert_accepted, assert_refused, assess, flat, write  # noqa: E402

import ioresponse  # noqa: E402
from ioresponse.schema import InputError  # noqa: E402


def _row(day, lesion_id, value=None, *, role=None, organ="liver", node=False, status="present", **extra):
    """One lesion row (spec/anatomic.md 0.1); ``value`` is the short axis of a node, else the long axis."""
    if role is None:
        role = {"T": "target", "N": "non_target", "U": "new"}[lesion_id[0]]
    out = dict(patient_id="P1", day=day, lesion_id=lesion_id, role=role, organ=organ, lymph_node=node,
               status=status, long_axis_mm=np.nan, short_axis_mm=np.nan)
    if value is not None:
        out["short_axis_mm" if node else "long_axis_mm"] = float(value)
    out.update(extra)
    return out


def _run(rows, criterion="recist11", **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(pd.DataFrame(rows), criteria=(criterion,), **options)


def _by_day(result, column="overall_response"):
    tp = result.timepoints
    return dict(zip(tp["day"].astype(int), tp[column], strict=True))


def _reason(result, day):
    tp = result.timepoints
    return str(tp.loc[tp["day"] == day, "reason"].iloc[0])


def _timepoints(tmp_path):
    return pd.read_csv(tmp_path / "out" / "timepoints.csv", dtype=str, keep_default_na=False)


# ---------------------------------------------------------------------------------------------------------
# 1. Attributes that change between visits
# ---------------------------------------------------------------------------------------------------------

def test_role_target_then_non_target_refused_at_its_row_spec_0_2(tmp_path):
    # spec 0.2 / 0.1: target and non_target are fixed at baseline. Row 4 (header = row 1) says non_target
    # for the baseline target T1: refused, located at row 4, column role.
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\n"
                     "P1,-7,T2,target,lung,false,30,,present\n"
                     "P1,56,T1,non_target,liver,false,,,present\n"
                     "P1,56,T2,target,lung,false,30,,present\n")
    assert_refused(assess(tmp_path, write(tmp_path, text)), "lesions.csv", "row 4", "column role",
                   "was \"target\" at baseline")


def test_new_lesion_later_called_target_refused_spec_0_2(tmp_path):
    # spec 0.2: "A lesion_id first seen at a follow-up must have role = new and keeps it." U1 is new on
    # day 56 (row 4) and "target" on day 112 (row 6): refused at row 6, column role.
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\n"
                     "P1,56,T1,target,liver,false,40,,present\n"
                     "P1,56,U1,new,lung,false,12,,present\n"
                     "P1,112,T1,target,liver,false,40,,present\n"
                     "P1,112,U1,target,lung,false,12,,present\n")
    assert_refused(assess(tmp_path, write(tmp_path, text)), "row 6", "column role", "U1")


LYMPH_NODE_FLIP = HEADER + (
    # T1 a nodal target, short axis 20 mm at baseline (row 2). On day 56 (row 3) the reader's row says
    # lymph_node false with long axis 25 and short axis 8. Read as the node it was at baseline, its short
    # axis 8 mm (< 10, normal) is target CR (spec 0.4, 1.4 step 2); read as a non-nodal lesion its long
    # axis 25 mm is +25.00% and +5 mm vs nadir 20: PD (spec 1.4 step 3). The result flips from CR to PD
    # on a contradiction in the user's table.
    "P1,-7,T1,target,lymph node,true,,20,present\n"
    "P1,56,T1,target,lymph node,false,25,8,present\n"
)


def test_lymph_node_changing_between_visits_is_located_spec_0_1(tmp_path):
    # Decided (s21, io.validate.check_lesion_identity): refused at the row that differs from the lesion's
    # first row, column lymph_node, naming both values and days.
    assert_refused(assess(tmp_path, write(tmp_path, LYMPH_NODE_FLIP)), "row 3", "column lymph_node",
                   "lesion T1", "lymph_node false on day 56 but true on day -7", "spec/anatomic.md 0.1")


def test_lymph_node_changing_between_visits_api_spec_0_1():
    rows = [_row(-7, "T1", 40), _row(-7, "T2", 30, organ="lung"),
            # day 56: T1 still 40 mm long, but its row says node, short axis 8; T2 10 mm.
            # Kept as the non-nodal lesion it was: 40 + 10 = 50 vs 70 = -28.57%: SD (spec 1.4).
            # Misread as a node: 8 + 10 = 18 vs 70 = -74.29%: PR.
            {**_row(56, "T1", 8, node=True), "long_axis_mm": 40.0}, _row(56, "T2", 10, organ="lung")]
    with pytest.raises(InputError) as refused:  # decided (s21): refused, as on the command line
        ioresponse.assess(pd.DataFrame(rows), criteria=("recist11",))
    assert refused.value.column == "lymph_node" and refused.value.rows == [4]  # row 4 (header row 1)


def test_organ_changing_between_visits_is_located_spec_0_1(tmp_path):
    # T1 liver at baseline (row 2), lung on day 56 (row 4): one lesion in two organs. The SDTM path refuses
    # the same contradiction (README: "TU records of one lesion with different TULOCs are refused").
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\n"
                     "P1,-7,T2,target,lung,false,30,,present\n"
                     "P1,56,T1,target,lung,false,40,,present\n"
                     "P1,56,T2,target,lung,false,30,,present\n")
    assert_refused(assess(tmp_path, write(tmp_path, text)), "row 4", "column organ",
                   'organ "lung" on day 56 but "liver" on day -7')


# ---------------------------------------------------------------------------------------------------------
# 2. A lesion renamed mid-study
# ---------------------------------------------------------------------------------------------------------

def test_renamed_target_refused_as_unknown_non_new_lesion_spec_0_2(tmp_path):
    # spec 0.2: T01 (row 4) is first seen at a follow-up with role target, not new: refused at row 4,
    # naming T01 (the rename T1 -> T01 cannot be guessed, and is not).
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\n"
                     "P1,-7,T2,target,lung,false,30,,present\n"
                     "P1,56,T01,target,liver,false,40,,present\n"
                     "P1,56,T2,target,lung,false,30,,present\n")
    assert_refused(assess(tmp_path, write(tmp_path, text)), "row 4", "column role", "T01", "new")


# ---------------------------------------------------------------------------------------------------------
# 3. Missing rows, empty sizes, follow-ups with only new lesions
# ---------------------------------------------------------------------------------------------------------

def test_target_without_row_is_not_evaluable_and_named_spec_0_2():
    # spec 0.2: "A baseline lesion with no row at a follow-up is treated as not_evaluable (reason names the
    # missing lesion_id)". T1 40 + T2 30 = 70; day 56 only T2 10: known 10 < 84 (1.2 x 70): target NE,
    # overall NE (spec 1.4 step 1, Table 1 row 5), the same as a row with status not_evaluable.
    base = [_row(-7, "T1", 40), _row(-7, "T2", 30, organ="lung")]
    no_row = _run([*base, _row(56, "T2", 10, organ="lung")])
    ne_row = _run([*base, _row(56, "T1", status="not_evaluable"), _row(56, "T2", 10, organ="lung")])
    assert _by_day(no_row) == _by_day(ne_row) == {56: "NE"}
    assert "T1" in _reason(no_row, 56)


def test_present_target_with_empty_size_refused_spec_0_4(tmp_path):
    # spec 0.4: present target without its measurement: InputError naming the column (row 4 here), never
    # read as not evaluable silently.
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\n"
                     "P1,-7,T2,target,lung,false,30,,present\n"
                     "P1,56,T1,target,liver,false,,,present\n"
                     "P1,56,T2,target,lung,false,10,,present\n")
    assert_refused(assess(tmp_path, write(tmp_path, text)), "row 4", "column long_axis_mm")


def test_follow_up_listing_only_new_lesions_is_pd_table1_row3(tmp_path):
    # spec 0.2: T1 and NT1 without rows on day 56 are not evaluable; the unequivocal new lesion U1 makes PD
    # whatever is missing (spec 1.6.1: "any non-target PD or unequivocal new lesion gives PD whatever is
    # missing", Table 1 row 3).
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\n"
                     "P1,-7,NT1,non_target,bone,false,,,present\n"
                     "P1,56,U1,new,lung,false,12,,present\n")
    assert_accepted(assess(tmp_path, write(tmp_path, text)))
    tp = _timepoints(tmp_path)
    assert tp[["day", "overall_response"]].values.tolist() == [["56", "PD"]]
    assert "T1" in tp["reason"].iloc[0] and "NT1" in tp["reason"].iloc[0]


def test_irecist_new_lesion_without_row_at_confirmation_keeps_iupd_open_spec_0_2_4_6():
    # spec 0.2: a new lesion once seen and then without a row is not_evaluable; 4.6 step 3: "If none holds
    # and a missing value could have decided (... new lesion NE): NE, the episode stays open." Targets 40 +
    # 30 = 70 -> 36 + 26 = 62 (-11.43%) with new bone lesion U1 (8 mm, NLNT): iUPD (NL). Day 112: 30 + 20 =
    # 50, U1 without a row: NE, not a reset; the same as a row with status not_evaluable.
    base = [_row(-7, "T1", 40), _row(-7, "T2", 30, organ="lung"), _row(-7, "N1"),
            _row(56, "T1", 36), _row(56, "T2", 26, organ="lung"), _row(56, "N1"),
            _row(56, "U1", 8, organ="bone")]
    later = [_row(112, "T1", 30), _row(112, "T2", 20, organ="lung"), _row(112, "N1")]
    no_row = _run(base + later, "irecist")
    ne_row = _run([*base, *later, _row(112, "U1", status="not_evaluable", organ="bone")], "irecist")
    assert _by_day(no_row) == _by_day(ne_row) == {56: "iUPD", 112: "NE"}


# ---------------------------------------------------------------------------------------------------------
# 4. Roles at the wrong time
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, row", [
    # a target first appearing at a follow-up (row 4): spec 0.2, must be new
    ("P1,-7,T1,target,liver,false,40,,present\nP1,56,T1,target,liver,false,40,,present\n"
     "P1,56,T2,target,lung,false,30,,present\n", 4),
    # a new lesion at baseline (row 3, day -7 the latest day <= 0): spec 0.2, InputError
    ("P1,-7,T1,target,liver,false,40,,present\nP1,-7,U1,new,lung,false,12,,present\n"
     "P1,56,T1,target,liver,false,40,,present\n", 3),
])
def test_roles_at_the_wrong_time_refused_spec_0_2(tmp_path, body, row):
    assert_refused(assess(tmp_path, write(tmp_path, HEADER + body)), f"row {row}", "column role",
                   "spec/anatomic.md 0.2")


# ---------------------------------------------------------------------------------------------------------
# 5. Two baselines, same-day assessments
# ---------------------------------------------------------------------------------------------------------

def test_earlier_baseline_scan_ignored_and_named_spec_0_2():
    # spec 0.2: baseline = latest assessment with day <= 0 (day -5: T1 40, N1); day -20 (T1 40, T2 30) is
    # "ignored: pre-baseline". Day 56: T1 20 vs baseline 40 = -50.00%: PR (T2 not part of the baseline).
    result = _run([_row(-20, "T1", 40), _row(-20, "T2", 30, organ="lung"), _row(-5, "T1", 40), _row(-5, "N1"),
                   _row(56, "T1", 20), _row(56, "N1")])
    assert _by_day(result) == {56: "PR"}
    assert float(result.best_response["baseline_sum"].iloc[0]) == 40.0
    assert "day -20 ignored: pre-baseline" in str(result.best_response["reason"].iloc[0])


def test_two_rows_of_one_target_on_one_day_add_up_with_a_located_warning_readme(tmp_path):
    # README "Input: the lesion table" (a documented decision): several rows of one target at one
    # assessment are fragments that add up, "and a warning names the rows". Rows 5 and 6: T1 40 + 20 = 60
    # vs nadir 40 = +50.00% and +20 mm: PD (RECIST 1.1 sec. 4.3.1).
    text = HEADER + ("P1,-20,T1,target,liver,false,40,,present\n"
                     "P1,-20,T2,target,lung,false,30,,present\n"
                     "P1,-5,T1,target,liver,false,40,,present\n"
                     "P1,56,T1,target,liver,false,40,,present\n"
                     "P1,56,T1,target,liver,false,20,,present\n")
    result = assess(tmp_path, write(tmp_path, text))
    assert_accepted(result)
    assert "warning: lesions.csv, rows 5, 6, column lesion_id" in flat(result)
    assert _timepoints(tmp_path)[["day", "current_sum", "overall_response"]].values.tolist() == [
        ["56", "60.0", "PD"]]


def test_non_target_twice_on_one_day_refused_spec_0_4(tmp_path):
    # README / spec 0.4: a non-target lesion has one row per assessment; two different rows on day 56 (rows
    # 5, 6: present and absent) cannot be fragments: refused at both rows.
    text = HEADER + ("P1,-7,T1,target,liver,false,40,,present\n"
                     "P1,-7,NT1,non_target,bone,false,,,present\n"
                     "P1,56,T1,target,liver,false,40,,present\n"
                     "P1,56,NT1,non_target,bone,false,,,present\n"
                     "P1,56,NT1,non_target,bone,false,,,absent\n")
    assert_refused(assess(tmp_path, write(tmp_path, text)), "rows 5, 6", "column lesion_id", "NT1")


# ---------------------------------------------------------------------------------------------------------
# 6. Reappearance, nodes back to >= 10 mm, too_small
# ---------------------------------------------------------------------------------------------------------

def test_target_reappearing_after_cr_below_sum_threshold_is_pd_spec_1_8_1():
    # T1 30 + T2 20 = 50; day 56 both absent: CR. Day 112 T1 3 mm: +3 mm vs nadir 0 (< 5 mm, not PD by
    # the sum, spec 1.4), but "a non-nodal target value > 0" after an overall CR is PD (spec 1.8.1), the
    # reason naming the lesion.
    result = _run([_row(-7, "T1", 30), _row(-7, "T2", 20, organ="lung"),
                   _row(56, "T1", status="absent"), _row(56, "T2", status="absent", organ="lung"),
                   _row(112, "T1", 3), _row(112, "T2", status="absent", organ="lung")])
    assert _by_day(result) == {56: "CR", 112: "PD"}
    assert "T1" in _reason(result, 112)
    # "the most recent evaluable overall response was CR" (1.8.1): an NE between does not hide the CR.
    # T1 30 -> absent (CR) -> not_evaluable (NE) -> 3 mm: PD.
    after_ne = _run([_row(-7, "T1", 30), _row(56, "T1", status="absent"),
                     _row(112, "T1", status="not_evaluable"), _row(168, "T1", 3)])
    assert _by_day(after_ne) == {56: "CR", 112: "NE", 168: "PD"}
    # Without a preceding overall CR the reappearance alone is not PD (spec 1.4): T1 30 + T2 30 = 60 ->
    # absent + 20 = 20 (PR, -66.67%) -> 3 + 18 = 21: -65.00% vs baseline, +1 mm vs nadir 20: PR.
    no_cr = _run([_row(-7, "T1", 30), _row(-7, "T2", 30, organ="lung"),
                  _row(56, "T1", status="absent"), _row(56, "T2", 20, organ="lung"),
                  _row(112, "T1", 3), _row(112, "T2", 18, organ="lung")])
    assert _by_day(no_cr) == {56: "PR", 112: "PR"}


def test_nodes_back_to_10mm_after_cr_spec_1_8_1():
    # spec 1.8.1: a nodal target back to >= 10 mm after CR is PD (T1 node 16 -> 8 (CR) -> 11: PD, as R3);
    # a nodal non-target back to >= 10 mm without unequivocal progression is not a reappearance:
    # NON-CR/NON-PD, hence PR by Table 1 row 7 (T2 absent, N1 node 12 -> 8 (CR) -> 11).
    target_node = _run([_row(-7, "T1", 16, node=True, organ="lymph node"),
                        _row(56, "T1", 8, node=True, organ="lymph node"),
                        _row(112, "T1", 11, node=True, organ="lymph node")])
    assert _by_day(target_node) == {56: "CR", 112: "PD"}
    nt_node = _run([_row(-7, "T2", 30), _row(-7, "N1", 12, node=True, organ="lymph node"),
                    _row(56, "T2", status="absent"), _row(56, "N1", 8, node=True, organ="lymph node"),
                    _row(112, "T2", status="absent"), _row(112, "N1", 11, node=True, organ="lymph node")])
    assert _by_day(nt_node) == {56: "CR", 112: "PR"}


def test_too_small_with_and_without_a_size_spec_0_4():
    # spec 0.4: too_small counts 5 mm; with a measurement also given the status wins, flag
    # too_small_with_measurement. T1 30 + T2 20 = 50 -> 5 (too_small, 3 mm given) + 5 (too_small) = 10:
    # -80.00%: PR (spec 1.4; R7: too_small is 5 mm, not 0).
    result = _run([_row(-7, "T1", 30), _row(-7, "T2", 20, organ="lung"),
                   _row(56, "T1", 3, status="too_small"), _row(56, "T2", status="too_small", organ="lung")])
    assert _by_day(result) == {56: "PR"}
    assert float(result.timepoints["current_sum"].iloc[0]) == 10.0
    assert "too_small_with_measurement" in str(result.timepoints["flags"].iloc[0])


def test_irecist_reappearance_after_icr_reason_names_the_lesion_spec_4_6_1_8_1():
    # T1 30; day 56 absent: iCR. Day 112 T1 3 mm: +3 mm vs nadir 0 (< 5 mm: no target-sum progression, spec
    # 1.4 step 3); the iUPD comes from the reappearance rule (spec 4.6 step 1, as 1.8.1), whose reason names
    # the lesion, as the RECIST 1.1 reason of the same input does ("lesion T1 seen again after an overall
    # CR").
    result = _run([_row(-7, "T1", 30), _row(56, "T1", status="absent"), _row(112, "T1", 3)], "irecist")
    assert _by_day(result) == {56: "iCR", 112: "iUPD"}
    reason = _reason(result, 112)
    named = "RECIST 1.1 progression (lesion T1 seen again after an overall iCR, spec 1.8.1): iUPD"
    assert named in reason, reason
    assert "(target sum" not in reason, reason  # +3 mm vs nadir 0 is no target-sum progression (< 5 mm)
