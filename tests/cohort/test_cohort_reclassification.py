"""Reclassification matrices between criteria (cohort/reclassification.py) on a hand-made cohort."""

from __future__ import annotations

import pandas as pd

from ioresponse.cohort.reclassification import reclassification_long, reclassification_matrix

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
