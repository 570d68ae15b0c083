"""Durable responses on the examples of spec/patterns.md 4.1-4.3 (typed by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ioresponse.criteria import Study
from ioresponse.patterns import durable
from ioresponse.patterns._common import PatternOptions, pattern_frame

ALL = [d.id for d in durable.DEFINITIONS]


def best(patient: str, first_response: float, progression: float, pfs_day: float, event: bool) -> dict:
    return {
        "patient_id": patient,
        "reader": "",
        "criterion": "recist11",
        "best_response": "PR",
        "best_response_confirmed": "PR",
        "bor_day": first_response,
        "first_response_day": first_response,
        "progression_day": progression,
        "duration_of_response_days": np.nan,
        "pfs_event": event,
        "pfs_day": pfs_day,
        "reason": "",
    }


def tp(patient: str, day: int, response: str) -> dict:
    return {
        "patient_id": patient,
        "reader": "",
        "criterion": "recist11",
        "day": day,
        "overall_response": response,
    }


def flags(best_rows, tp_rows, study=None, definition="durable.drr_optim", **options) -> dict[str, str]:
    frame = pattern_frame(
        durable.find(
            study or Study(),
            pd.DataFrame(tp_rows),
            pd.DataFrame(best_rows),
            PatternOptions(**options),
            [definition],
        )
    )
    return dict(zip(frame["patient_id"], frame["flag"], strict=True))


def test_drr_optim_examples() -> None:
    # spec 4.1: PR day 84 PD day 400 -> durable; CR first on day 400 -> not counted; PR 56, PD 200 -> not.
    rows = [best("A", 84, 400, 400, True), best("B", 400, np.nan, 500, False), best("C", 56, 200, 200, True)]
    points = [
        tp("A", 84, "PR"),
        tp("A", 400, "PD"),
        tp("B", 400, "CR"),
        tp("B", 500, "CR"),
        tp("C", 56, "PR"),
    ]
    assert flags(rows, points) == {"A": "true", "B": "false", "C": "false"}


def test_drr_optim_182_vs_183_days_ongoing() -> None:
    # spec 0.1: ">= 6 months" is days >= 183; still responding with less is not evaluable.
    rows = [best("A", 84, np.nan, 267, False), best("B", 84, np.nan, 266, False)]
    points = [tp("A", 84, "PR"), tp("A", 267, "PR"), tp("B", 84, "PR"), tp("B", 266, "PR")]
    assert flags(rows, points) == {"A": "true", "B": "not_evaluable"}


def test_drr_optim_response_that_ends_in_stable_disease_is_not_durable() -> None:
    # spec 4.1: the response must last "continuously for >= 6 months"; "not evaluable if still responding".
    # A: PR days 56 and 112, SD on day 200, no PD: the response ended after 112 - 56 = 56 days < 183 -> false
    # (it is not still responding). B: PR 56, 112, then NE on day 200: still responding as far as anyone
    # knows, 56 days -> not evaluable. C: PR 56, SD 120, PR 260 (last): in response at the last assessment,
    # 260 - 56 = 204 >= 183 -> true (spec: last assessment in response - d_r).
    rows = [best(p, 56, np.nan, 200, False) for p in "AB"] + [best("C", 56, np.nan, 260, False)]
    points = [tp("A", 56, "PR"), tp("A", 112, "PR"), tp("A", 200, "SD"),
              tp("B", 56, "PR"), tp("B", 112, "PR"), tp("B", 200, "NE"),
              tp("C", 56, "PR"), tp("C", 120, "SD"), tp("C", 260, "PR")]
    assert flags(rows, points) == {"A": "false", "B": "not_evaluable", "C": "true"}


def test_pons_tostivint_examples() -> None:
    # spec 4.2: median PFS 4.0 months -> threshold 12.0 months = 365.25 days.
    rows = [best("A", 84, 400, 400, True), best("B", 84, np.nan, 300, False), best("C", 84, 200, 200, True)]
    result = flags(rows, [], definition="durable.pons_tostivint2019", cohort_median_pfs_days=4.0 * 30.4375)
    assert result == {"A": "true", "B": "not_evaluable", "C": "false"}


def test_pons_tostivint_median_from_kaplan_meier() -> None:
    # Three events at days 100, 200, 300 and no censoring: KM median 200 -> threshold 600.
    rows = [best("A", 50, 100, 100, True), best("B", 50, 200, 200, True), best("C", 50, 300, 300, True)]
    frame = pattern_frame(
        durable.find(
            Study(), pd.DataFrame([]), pd.DataFrame(rows), PatternOptions(), ["durable.pons_tostivint2019"]
        )
    )
    assert '"threshold_days": 600.0' in frame.iloc[0]["values"]


def test_off_treatment_example() -> None:
    # spec 4.3: PR on day 112, treatment completed day 730, last assessment day 1100 without PD -> 370 days.
    patients = pd.DataFrame(
        {"patient_id": ["A"], "treatment_end_day": [730], "treatment_end_reason": ["completed"]}
    )
    rows = [best("A", 112, np.nan, 1100, False)]
    points = [tp("A", 112, "PR"), tp("A", 1100, "PR")]
    result = flags(rows, points, Study(patients=patients), "durable.off_treatment")
    assert result == {"A": "true"}


def test_off_treatment_stopped_for_progression_is_false() -> None:
    patients = pd.DataFrame(
        {"patient_id": ["A"], "treatment_end_day": [730], "treatment_end_reason": ["progression"]}
    )
    rows = [best("A", 112, np.nan, 1100, False)]
    assert flags(rows, [tp("A", 1100, "PR")], Study(patients=patients), "durable.off_treatment") == {
        "A": "false"
    }
