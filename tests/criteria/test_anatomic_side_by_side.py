"""Behaviour every anatomic criterion shares (spec/anatomic.md section 0), run through all five."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from lesion_rows import lesion, study

from ioresponse.api import compare, run
from ioresponse.criteria import TEXT, Study, text_columns
from ioresponse.schema import InputError, IoresponseWarning

ANATOMIC = ["recist11", "irrc", "irrecist", "irecist", "imrecist"]


@pytest.mark.parametrize("confirm_response", [False, True])
def test_patient_with_a_baseline_and_no_follow_up_is_not_evaluable(confirm_response: bool) -> None:
    """Spec 0.9: timepoints are follow-ups only; with none, best response is NE under every criterion
    (with or without confirmation of response, spec 0.7)."""
    rows = [lesion(-7, "T1", 40, perpendicular_mm=28.0)]
    result = run(study(rows), ANATOMIC, patterns=False, confirm_response=confirm_response)
    assert len(result.timepoints) == 0
    best = result.best_response.set_index("criterion")
    assert list(best.index) == ANATOMIC
    assert (best["best_response"] == "NE").all()
    assert (best["best_response_confirmed"] == "NE").all()


def test_rows_are_stacked_by_criterion_in_the_order_asked() -> None:
    """The result is a long table: one criterion's rows after the other's, each by patient and day."""
    rows = [
        lesion(-7, "T1", 40, perpendicular_mm=28.0, patient="P2"),
        lesion(56, "T1", 26, perpendicular_mm=18.0, patient="P2"),
        lesion(-5, "T1", 50, perpendicular_mm=30.0, patient="P1"),
        lesion(60, "T1", 30, perpendicular_mm=20.0, patient="P1"),
        lesion(120, "T1", 28, perpendicular_mm=20.0, patient="P1"),
    ]
    timepoints = run(study(rows), ["irrecist", "recist11"], patterns=False).timepoints
    assert list(zip(timepoints["criterion"], timepoints["patient_id"], timepoints["day"], strict=True)) == [
        ("irrecist", "P1", 60),
        ("irrecist", "P1", 120),
        ("irrecist", "P2", 56),
        ("recist11", "P1", 60),
        ("recist11", "P1", 120),
        ("recist11", "P2", 56),
    ]


@pytest.mark.parametrize("criterion", ["irrc", "irrecist", "irecist"])
def test_subject_flag_marks_every_row_of_that_subject_only(criterion: str) -> None:
    """A target node recorded below 10 mm at baseline (spec 0.4) flags all of its patient's timepoints,
    after the timepoint's own flags, and no other patient's."""
    node = {"node": True, "organ": "lymph node", "long_axis_mm": 12.0, "perpendicular_mm": 9.0}
    rows = [
        lesion(-7, "T1", 40, perpendicular_mm=30.0, patient="P1"),
        lesion(-7, "T2", 9, **node, patient="P1"),
        lesion(56, "T1", 30, perpendicular_mm=20.0, patient="P1"),
        lesion(56, "T2", 9, **node, patient="P1"),
        lesion(112, "T1", 30, perpendicular_mm=20.0, patient="P1"),
        lesion(112, "T2", 9, **node, patient="P1"),
        lesion(-7, "T1", 40, perpendicular_mm=30.0, patient="P2"),
        lesion(56, "T1", 30, perpendicular_mm=20.0, patient="P2"),
    ]
    timepoints = run(study(rows), [criterion], patterns=False, on_baseline_violation="warn").timepoints
    flagged = timepoints["flags"].str.split(";").map(lambda flags: "normal_node_recorded" in flags)
    assert flagged[timepoints["patient_id"] == "P1"].all()
    assert not flagged[timepoints["patient_id"] == "P2"].any()


def test_a_note_of_the_input_ends_the_reason_once_under_every_criterion() -> None:
    """Spec 0.10: the reason names the rule, then carries the input's note (e.g. SDTM "TRSTAT NOT DONE")
    after a single separator, whatever the criterion adds between."""
    rows = [
        lesion(-7, "T1", 40, perpendicular_mm=28.0),
        lesion(56, "T1", 26, perpendicular_mm=18.0, note="reader comment"),
    ]
    timepoints = run(study(rows), ANATOMIC, patterns=False).timepoints
    assert len(timepoints) == len(ANATOMIC)
    for reason in timepoints["reason"]:
        assert reason.endswith("; reader comment")
        assert "; ;" not in reason


def test_object_and_arrow_text_tables_give_the_same_results() -> None:
    """README: the validated table holds Arrow text (TEXT); a table given directly to ``Study`` with
    object strings is converted where used and gives the same results."""
    rows = [
        lesion(-7, "T1", 40, perpendicular_mm=28.0),
        lesion(-7, "T2", 18, node=True, organ="lymph node", long_axis_mm=24.0, perpendicular_mm=18.0),
        lesion(-7, "N1", None, organ="bone"),
        lesion(56, "T1", 30, perpendicular_mm=20.0, note="reader remark"),
        lesion(56, "T2", 9, node=True, organ="lymph node", long_axis_mm=12.0, perpendicular_mm=9.0),
        lesion(56, "N1", None, organ="bone"),
        lesion(112, "T1", 44, perpendicular_mm=30.0),
        lesion(112, "T2", 12, node=True, organ="lymph node", long_axis_mm=16.0, perpendicular_mm=12.0),
        lesion(112, "N1", None, organ="bone", status="unequivocal_progression"),
        lesion(112, "U1", 12, organ="lung", perpendicular_mm=10.0),
    ]
    as_objects = study(rows)
    as_arrow = Study(lesions=text_columns(as_objects.lesions.copy()))
    assert (as_arrow.lesions.dtypes == TEXT).sum() >= 5
    expected, got = run(as_objects, ANATOMIC, patterns=False), run(as_arrow, ANATOMIC, patterns=False)
    pd.testing.assert_frame_equal(got.timepoints, expected.timepoints)
    pd.testing.assert_frame_equal(got.best_response, expected.best_response)
    noted = got.timepoints["reason"].str.contains("reader remark")
    assert list(got.timepoints.loc[noted, "day"]) == [56] * len(ANATOMIC)  # the note of day 56 only


def test_a_table_edited_in_place_between_two_runs_is_assessed_anew() -> None:
    """What the criteria derive from the lesion table (values, codes, assessments) is shared within one
    run only: after a reader corrects a size in place, the next run reads the corrected size.
    40 -> 26 mm is -35 %: PR (RECIST 1.1 sec. 4.3.1); corrected to 60 mm, +50 % and +20 mm over the
    nadir 40 mm: PD, and under iRECIST iUPD (spec 4.4)."""
    rows = [lesion(-7, "T1", 40, perpendicular_mm=28.0), lesion(56, "T1", 26, perpendicular_mm=18.0)]
    edited = study(rows)
    first = run(edited, ANATOMIC, patterns=False).timepoints
    assert list(first["overall_response"]) == ["PR", "irPR", "irPR", "iPR", "PR"]
    edited.lesions.loc[edited.lesions["day"] == 56, ["long_axis_mm", "perpendicular_mm"]] = [60.0, 42.0]
    second = run(edited, ANATOMIC, patterns=False).timepoints
    assert list(second["current_sum"])[0] == 60.0
    assert list(second["overall_response"])[::3] == ["PD", "iUPD"]


def test_every_criterion_names_the_lesion_that_leaves_a_sum_incomplete() -> None:
    """Spec 0.2: a baseline lesion with no row at a follow-up is not evaluable, "reason names the missing
    lesion_id"; a row without a value likewise (0.10 "lesion T3 not evaluable"). T2 has no row on day 56
    and no value on day 112; T1 alone (40 -> 38 -> 36 mm) cannot decide: NE under all five."""
    rows = [
        lesion(-7, "T1", 40, perpendicular_mm=28.0),
        lesion(-7, "T2", 30, organ="lung", perpendicular_mm=20.0),
        lesion(56, "T1", 38, perpendicular_mm=27.0),
        lesion(112, "T1", 36, perpendicular_mm=26.0),
        lesion(112, "T2", None, organ="lung", status="not_evaluable"),
    ]
    timepoints = run(study(rows), ANATOMIC, patterns=False).timepoints
    assert set(timepoints["overall_response"]) == {"NE"}
    assert timepoints["reason"].str.contains("lesion T2 not evaluable", regex=False).all()


@pytest.mark.parametrize("order", [["recist11", "irrecist"], ["irrecist", "recist11"]])
def test_the_first_criterion_in_order_to_fail_raises(order: list[str]) -> None:
    """The criteria run side by side (api.run); an error is still the one of the first criterion asked
    for. Three targets in one organ break the count rule of both (RECIST 1.1 sec. 4.2; spec 3.3)."""
    rows = [lesion(-7, f"T{i}", 20 + i) for i in range(1, 4)] + [lesion(56, f"T{i}", 20) for i in range(1, 4)]
    with pytest.raises(InputError) as raised:
        run(study(rows), order, patterns=False)
    assert f"RECIST 1.1 sec. 4.2) ({order[0]}); fix the baseline" in str(raised.value)


def test_progress_names_each_criterion_in_the_order_asked() -> None:
    """The criteria run side by side, but the progress display (the CLI's) hears of them in order."""
    rows = [lesion(-7, "T1", 40, perpendicular_mm=28.0), lesion(56, "T1", 26, perpendicular_mm=18.0)]
    steps: list[str] = []
    run(study(rows), list(reversed(ANATOMIC)), patterns=False, progress=steps.append)
    assert steps == list(reversed(ANATOMIC))


def test_baseline_warnings_name_the_criterion_module_even_side_by_side() -> None:
    """A warning points at the criterion that raised it (filterable by module), also from a thread."""
    rows = [lesion(day, f"T{i}", 20 + i, perpendicular_mm=15.0) for day in (-7, 56) for i in range(1, 7)]
    with pytest.warns(IoresponseWarning) as caught:
        run(study(rows), ANATOMIC, patterns=False, on_baseline_violation="warn")
    modules = {Path(w.filename).stem for w in caught if issubclass(w.category, IoresponseWarning)}
    assert modules == set(ANATOMIC)


def test_compare_moves_count_a_patient_missing_under_one_criterion_as_none() -> None:
    """``Comparison.cells`` lists every cell of the matrices that holds patients, where a patient assessed
    under one criterion only counts under "(none)" (cohort.reclassification)."""
    best = pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P1"],
            "reader": ["", "", ""],
            "criterion": ["recist11", "recist11", "irrc"],
            "best_response": ["PD", "SD", "irPR"],
        }
    )
    comparison = compare(best, confirmed=False)
    moves = comparison.cells.set_index("patients")
    assert moves.loc["P2", ["recist11_response", "response", "n"]].tolist() == ["SD", "(none)", 1]
    assert moves.loc["P1", ["recist11_response", "response"]].tolist() == ["PD", "irPR"]
    assert comparison.matrices["irrc"].loc["SD", "(none)"] == 1


@pytest.mark.parametrize("missing", ["no row", "not_evaluable"])
def test_reason_names_the_non_target_lesion_not_evaluable(missing: str) -> None:
    """Spec 0.2: a baseline lesion with no row at a follow-up is not evaluable there, "reason names the
    missing lesion_id" (as a not_evaluable row). Non-target N1 is missing on day 56: the non-target
    component is NE and every criterion's reason names N1; the targets (40 -> 26 mm, -35 %) still make a
    partial response (RECIST 1.1 Table 1 row 8: PR, non-target "not all evaluated"), and day 112, where
    N1 is back, names nothing."""
    target = {"perpendicular_mm": 30.0}
    rows = [
        lesion(-7, "T1", 40, **target), lesion(-7, "N1", None),
        lesion(56, "T1", 26, **target),
        lesion(112, "T1", 26, **target), lesion(112, "N1", None),
    ]
    if missing == "not_evaluable":
        rows.insert(3, lesion(56, "N1", None, status="not_evaluable"))
    timepoints = run(study(rows), ANATOMIC, patterns=False).timepoints.set_index(["criterion", "day"])
    for criterion in ANATOMIC:
        day56, day112 = timepoints.loc[(criterion, 56)], timepoints.loc[(criterion, 112)]
        assert day56["non_target_response"] == "NE", criterion
        assert "non-target lesion N1 not evaluable" in day56["reason"], (criterion, day56["reason"])
        assert "not evaluable" not in day112["reason"], (criterion, day112["reason"])
    assert timepoints.loc[("recist11", 56), "overall_response"] == "PR"
