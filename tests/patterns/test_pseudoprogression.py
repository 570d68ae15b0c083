"""Pseudoprogression on the worked examples of spec/patterns.md 1.5 (PsP-1 .. PsP-6) and the 12-week boundary.

Timepoint rows are typed by hand from the spec (iRECIST labels and sums as the example states them).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from pattern_rows import lesion
from pattern_rows import study as make_study

from ioresponse.criteria import Study, registry
from ioresponse.patterns import find_patterns
from ioresponse.patterns import pseudoprogression as psp
from ioresponse.patterns._common import PatternOptions, pattern_frame

IRECIST = "pseudoprogression.irecist"
HODI = "pseudoprogression.irrc_hodi2016"
RECIST_THEN = "pseudoprogression.recist_then_nonpd"


def timepoints(patient: str, criterion: str, rows: list[tuple]) -> list[dict]:
    """rows: (day, overall_response, current_sum, nadir_sum, baseline_sum)."""
    return [
        {
            "patient_id": patient,
            "reader": "",
            "criterion": criterion,
            "date": "",
            "day": d,
            "overall_response": r,
            "current_sum": s,
            "nadir_sum": n,
            "baseline_sum": b,
            "confirmation_state": "",
        }
        for d, r, s, n, b in rows
    ]


def run(rows: list[dict], definition: str, patients: pd.DataFrame | None = None, **options: object):
    study = Study(lesions=None, patients=patients)
    frame = pattern_frame(psp.find(study, pd.DataFrame(rows), PatternOptions(**options), [definition]))
    return frame.assign(values=frame["values"].map(json.loads))


# spec 1.5 PsP-1: baseline 50; day 56: 64 (+28 %) iUPD; day 98: 47 iSD -> true, early.
PSP1 = timepoints("PsP-1", "irecist", [(56, "iUPD", 64.0, 50.0, 50.0), (98, "iSD", 47.0, 50.0, 50.0)])
# spec 1.5 PsP-2: 60 -> 40 iPR -> 38 iPR -> 48 iUPD (day 168) -> 36 iPR (day 224) -> true, late.
PSP2 = timepoints(
    "PsP-2",
    "irecist",
    [
        (56, "iPR", 40.0, 60.0, 60.0),
        (112, "iPR", 38.0, 40.0, 60.0),
        (168, "iUPD", 48.0, 38.0, 60.0),
        (224, "iPR", 36.0, 38.0, 60.0),
    ],
)
# spec 1.5 PsP-3: baseline 40; day 63: 38 + new lesion iUPD; day 112: 30, new lesion absent, iSD -> true.
PSP3 = timepoints("PsP-3", "irecist", [(63, "iUPD", 38.0, 40.0, 40.0), (112, "iSD", 30.0, 38.0, 40.0)])
# spec 1.5 PsP-4: day 63 iUPD; day 105 iCPD -> false.
PSP4 = timepoints("PsP-4", "irecist", [(63, "iUPD", 41.0, 40.0, 40.0), (105, "iCPD", 44.0, 40.0, 40.0)])
# spec 1.5 PsP-5: day 56 iUPD; new therapy day 70; day 112 (30 mm) -> not evaluable.
PSP5 = timepoints("PsP-5", "irecist", [(56, "iUPD", 65.0, 50.0, 50.0), (112, "iPR", 30.0, 50.0, 50.0)])
# spec 1.5 PsP-6: day 56 iUPD, no later assessment -> not evaluable.
PSP6 = timepoints("PsP-6", "irecist", [(56, "iUPD", 65.0, 50.0, 50.0)])


def test_PsP1_early_target_growth_resolved() -> None:
    row = run(PSP1, IRECIST).iloc[0]
    assert row["flag"] == "true"
    assert row["values"]["timing"] == "early" and row["values"]["t_u"] == 56
    assert row["values"]["resolution_day"] == 98 and row["values"]["pct_change_nadir_at_progression"] == 28.0


def test_PsP2_late() -> None:
    row = run(PSP2, IRECIST).iloc[0]
    assert (row["flag"], row["values"]["timing"], row["values"]["t_u"]) == ("true", "late", 168)
    assert row["values"]["response_at_resolution"] == "iPR"


def test_PsP3_new_lesion_only() -> None:
    row = run(PSP3, IRECIST).iloc[0]
    assert (row["flag"], row["values"]["timing"]) == ("true", "early")


def test_PsP4_true_progression() -> None:
    row = run(PSP4, IRECIST).iloc[0]
    assert row["flag"] == "false"
    assert row["reason"].startswith("iUPD on day 63 confirmed as iCPD on day 105")


def test_PsP5_new_therapy_not_evaluable() -> None:
    patients = pd.DataFrame(
        {"patient_id": ["PsP-5"], "treatment_start": ["2020-01-01"], "new_therapy_start": ["2020-03-11"]}
    )  # day 70
    row = run(PSP5, IRECIST, patients).iloc[0]
    assert row["flag"] == "not_evaluable"
    assert "new anticancer therapy started on day 70 before progression resolved" in row["reason"]


def test_PsP6_follow_up_ends() -> None:
    row = run(PSP6, IRECIST).iloc[0]
    assert row["flag"] == "not_evaluable"
    assert "progression unconfirmed at last assessment (day 56)" in row["reason"]


def test_PsP1_hodi2016_same_sums() -> None:
    # spec 1.5 PsP-1: +28.0 % >= 25 %, and 47 < 1.25 x 50 = 62.5 -> true.
    rows = timepoints("PsP-1", "irrc", [(56, "irPD", 64.0, 50.0, 50.0), (98, "irSD", 47.0, 50.0, 50.0)])
    assert run(rows, HODI).iloc[0]["flag"] == "true"


def test_PsP3_hodi2016_exactly_25_percent_meets_threshold() -> None:
    # spec 1.5 PsP-3: burden 38 + 12 = 50 vs nadir 40 = +25.0 % (non-strict, boundary); day 112: 30 -> true.
    rows = timepoints("PsP-3", "irrecist", [(63, "irPD", 50.0, 40.0, 40.0), (112, "irSD", 30.0, 40.0, 40.0)])
    row = run(rows, HODI, hodi_criterion="irrecist").iloc[0]
    assert (row["flag"], row["values"]["timing"]) == ("true", "early")


def test_hodi2016_just_under_25_percent_is_no_episode() -> None:
    rows = timepoints("B", "irrc", [(63, "irSD", 49.9, 40.0, 40.0), (112, "irSD", 30.0, 40.0, 40.0)])
    row = run(rows, HODI).iloc[0]
    assert row["flag"] == "false" and pd.isna(row["episode"])


def test_hodi2016_next_assessment_still_25_percent_confirms() -> None:
    rows = timepoints("C", "irrc", [(63, "irPD", 50.0, 40.0, 40.0), (112, "irPD", 50.0, 40.0, 40.0)])
    assert run(rows, HODI).iloc[0]["flag"] == "false"


def test_early_boundary_day_84_is_early_day_85_is_late() -> None:
    # spec 1.4 step 4: early if t_u <= 84, late if t_u > 84.
    on = timepoints("E", "irecist", [(84, "iUPD", 64.0, 50.0, 50.0), (126, "iSD", 47.0, 50.0, 50.0)])
    after = timepoints("L", "irecist", [(85, "iUPD", 64.0, 50.0, 50.0), (126, "iSD", 47.0, 50.0, 50.0)])
    assert run(on, IRECIST).iloc[0]["values"]["timing"] == "early"
    assert run(after, IRECIST).iloc[0]["values"]["timing"] == "late"


def test_early_cutoff_option_91() -> None:
    after = timepoints("L", "irecist", [(85, "iUPD", 64.0, 50.0, 50.0), (126, "iSD", 47.0, 50.0, 50.0)])
    assert run(after, IRECIST, early_cutoff_days=91).iloc[0]["values"]["timing"] == "early"


def test_second_episode_after_reset() -> None:
    # spec 1.4 step 6: after a resolved episode, a later initial progression starts episode 2.
    rows = timepoints(
        "R",
        "irecist",
        [
            (56, "iUPD", 64.0, 50.0, 50.0),
            (98, "iSD", 47.0, 50.0, 50.0),
            (140, "iUPD", 60.0, 47.0, 50.0),
            (182, "iCPD", 70.0, 47.0, 50.0),
        ],
    )
    frame = run(rows, IRECIST)
    assert frame["episode"].tolist() == [1, 2]
    assert frame["flag"].tolist() == ["true", "false"]


def test_no_progression_gives_one_false_row() -> None:
    rows = timepoints("N", "irecist", [(56, "iSD", 45.0, 50.0, 50.0)])
    frame = run(rows, IRECIST)
    assert len(frame) == 1 and frame.iloc[0]["flag"] == "false"
    assert frame.iloc[0]["reason"].startswith("no iUPD at any assessment")


def test_local_therapy_confounds_without_changing_flag() -> None:
    patients = pd.DataFrame(
        {"patient_id": ["PsP-1"], "treatment_start": ["2020-01-01"], "local_therapy_dates": ["2020-03-15"]}
    )  # day 74, between 56 and 98
    row = run(PSP1, IRECIST, patients).iloc[0]
    assert row["flag"] == "true" and json.loads(row["evidence"])["confounded_by_local_therapy"] is True


def test_recist_then_nonpd_sd_and_pr_families() -> None:
    # Park 2020 families: RECIST PD then SD/PR/CR (default "SD") or PR/CR only ("PR").
    # PD on day 56 (64 vs nadir 50), day 112: 45 (-10 % vs baseline 50: SD, not PD vs nadir 50).
    rows = timepoints("P", "recist11", [(56, "PD", 64.0, 50.0, 50.0), (112, "PD", 45.0, 50.0, 50.0)])
    assert run(rows, RECIST_THEN).iloc[0]["flag"] == "true"
    assert run(rows, RECIST_THEN, min_subsequent_response="PR").iloc[0]["flag"] == "not_evaluable"
    shrunk = timepoints("Q", "recist11", [(56, "PD", 64.0, 50.0, 50.0), (112, "PD", 35.0, 50.0, 50.0)])
    assert run(shrunk, RECIST_THEN, min_subsequent_response="PR").iloc[0]["flag"] == "true"


def test_recist_then_nonpd_new_lesion_keeps_episode_open() -> None:
    lesions = pd.DataFrame(
        {
            "patient_id": ["P"] * 3,
            "reader": [""] * 3,
            "day": [-3, 56, 112],
            "lesion_id": ["T1", "T1", "U1"],
            "role": ["target", "target", "new"],
            "status": ["present", "present", "present"],
            "equivocal": [False] * 3,
        }
    )
    study = Study(lesions=lesions)
    rows = timepoints("P", "recist11", [(56, "PD", 64.0, 50.0, 50.0), (112, "PD", 45.0, 50.0, 50.0)])
    frame = pattern_frame(psp.find(study, pd.DataFrame(rows), PatternOptions(), [RECIST_THEN]))
    assert frame.iloc[0]["flag"] == "not_evaluable"
    assert np.all(frame["pattern"] == "pseudoprogression")


# The same examples through the criteria engines (lesion rows typed from spec 1.5; two targets per patient).
def _engine(rows: list[dict], criteria: tuple[str, ...], definition: str, **options: object) -> pd.Series:
    data = make_study(rows)
    results = [registry()[k].assess(data) for k in criteria]
    timepoints = pd.concat([r.timepoints for r in results])
    best = pd.concat([r.best_response for r in results])
    table = find_patterns(data, timepoints, best, definitions=[definition], **options)
    return table.iloc[0]


def _two_targets(day: int, a: float | None, b: float | None, patient: str) -> list[dict]:
    return [lesion(day, "T1", a, patient=patient), lesion(day, "T2", b, organ="liver", patient=patient)]


def test_PsP1_through_irecist_engine() -> None:
    rows = (
        _two_targets(-5, 30, 20, "PsP-1")
        + _two_targets(56, 38, 26, "PsP-1")
        + _two_targets(98, 28, 19, "PsP-1")
    )
    row = _engine(rows, ("irecist",), IRECIST)
    assert row["flag"] == "true" and json.loads(row["values"])["timing"] == "early"


def test_PsP3_through_irecist_and_irrecist_engines() -> None:
    rows = (
        _two_targets(-2, 25, 15, "PsP-3")
        + _two_targets(63, 24, 14, "PsP-3")
        + _two_targets(112, 18, 12, "PsP-3")
    )
    rows += [
        lesion(63, "U1", 12, role="new", patient="PsP-3"),
        lesion(112, "U1", None, role="new", status="absent", patient="PsP-3"),
    ]
    assert _engine(rows, ("irecist",), IRECIST)["flag"] == "true"
    # irRECIST burden includes new measurable lesions: 38 + 12 = 50 = +25.0 % vs 40 (spec 1.5 boundary).
    hodi = _engine(rows, ("irrecist",), HODI, hodi_criterion="irrecist")
    assert hodi["flag"] == "true" and hodi["day"] == 63


def test_PsP4_through_irecist_engine() -> None:
    rows = (
        _two_targets(-2, 25, 15, "PsP-4")
        + _two_targets(63, 26, 15, "PsP-4")
        + _two_targets(105, 28, 16, "PsP-4")
    )
    rows += [
        lesion(63, "U1", 12, role="new", patient="PsP-4"),
        lesion(105, "U1", 18, role="new", patient="PsP-4"),
    ]
    row = _engine(rows, ("irecist",), IRECIST)
    assert row["flag"] == "false"
    assert row["reason"].startswith("iUPD on day 63 confirmed as iCPD on day 105")
