"""Reclassification matrices between criteria (cohort/reclassification.py) on a hand-made cohort."""

from __future__ import annotations

import pandas as pd

from ioresponse.cohort.reclassification import (
    progression_moves,
    reclassification_long,
    reclassification_matrix,
)

# Hand-made: six patients, best response under RECIST 1.1 and iRECIST. Two RECIST PDs stay iUPD/iSD
# under iRECIST (pseudoprogression-like), one PD is iCPD; P6 has no iRECIST row.
ROWS = [
    ("P1", "PR", "iPR"), ("P2", "PD", "iSD"), ("P3", "PD", "iUPD"), ("P4", "PD", "iCPD"),
    ("P5", "SD", "iSD"), ("P6", "SD", None),
]


def _best() -> pd.DataFrame:
    recist = [(p, "recist11", r) for p, r, _ in ROWS]
    irecist = [(p, "irecist", i) for p, _, i in ROWS if i is not None]
    table = pd.DataFrame(recist + irecist, columns=["patient_id", "criterion", "best_response"])
    return table.assign(reader="")


def test_reclassification_counts_recist_vs_irecist():
    matrix = reclassification_matrix(_best(), "recist11", "irecist")
    assert matrix.index.tolist() == ["PR", "SD", "PD"]
    assert matrix.columns.tolist() == ["iPR", "iSD", "iUPD", "iCPD", "(none)"]
    assert matrix.loc["PD", "iSD"] == 1
    assert matrix.loc["PD", "iUPD"] == 1
    assert matrix.loc["PD", "iCPD"] == 1
    assert matrix.loc["SD", "iSD"] == 1
    assert matrix.loc["SD", "(none)"] == 1
    assert matrix.loc["PR", "iPR"] == 1
    assert int(matrix.to_numpy().sum()) == 6


def test_reclassification_long_lists_nonzero_cells_of_each_pair():
    long = reclassification_long(_best())
    assert set(long["criterion_a"]) == {"recist11"}
    assert long["n"].sum() == 6
    assert len(long) == 6


def test_reclassification_of_empty_table_is_empty():
    assert reclassification_long(_best()[:0]).empty


# --- spec/patterns.md 7.4: progression dates that move between criteria -----------------------------------


def test_7_4_progression_moves_counts_each_kind_of_move():
    # (patient, RECIST 1.1 progression day, iRECIST progression day; None = no PFS event):
    # M1 56 / none: RECIST PD but not iCPD (reference_only); M2 84 / 84 same day; M3 84 / 112 later;
    # M4 none / none neither; M5 none / 140 criterion_only; M6 112 / 84 earlier. Moved = 6 - 1 - 1 = 4.
    days = [("M1", 56, None), ("M2", 84, 84), ("M3", 84, 112), ("M4", None, None), ("M5", None, 140),
            ("M6", 112, 84)]
    rows = []
    for patient, recist, irecist in days:
        for criterion, day in (("recist11", recist), ("irecist", irecist)):
            rows.append({"patient_id": patient, "reader": "", "criterion": criterion,
                         "pfs_event": day is not None, "pfs_day": 168.0 if day is None else float(day)})
    moves = progression_moves(pd.DataFrame(rows)).iloc[0]
    assert (moves["reference"], moves["criterion"], moves["n"]) == ("recist11", "irecist", 6)
    counted = ["same_day", "earlier", "later", "reference_only", "criterion_only", "neither", "moved"]
    assert moves[counted].tolist() == [1, 1, 1, 1, 1, 1, 4]


def test_7_4_progression_moves_is_empty_without_the_reference_criterion():
    table = pd.DataFrame({"patient_id": ["P1"], "criterion": ["irecist"], "pfs_event": [True],
                          "pfs_day": [56]})
    assert progression_moves(table).empty
