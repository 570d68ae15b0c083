"""Reclassification never pools readers (spec/anatomic.md 8: a reclassification matrix counts patients).

Two readers read the same two patients. Pooled, each patient would be counted twice in one matrix;
`compare`, `reclassification_long` and the `compare` command keep each reader's patients apart.
"""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from ioresponse.api import compare
from ioresponse.cli import app
from ioresponse.cohort.reclassification import reclassification_long
from ioresponse.schema import BEST_RESPONSE_COLUMNS

# Reader R1: P1 RECIST PD / iRECIST iPR (reclassified), P2 SD / iSD (same category).
# Reader R2: P1 PD / iCPD (same category: iCPD is RECIST PD, spec 0.9), P2 PD / iUPD (reclassified:
# iUPD has no RECIST 1.1 twin).
ROWS = [("P1", "R1", "recist11", "PD"), ("P1", "R1", "irecist", "iPR"),
        ("P2", "R1", "recist11", "SD"), ("P2", "R1", "irecist", "iSD"),
        ("P1", "R2", "recist11", "PD"), ("P1", "R2", "irecist", "iCPD"),
        ("P2", "R2", "recist11", "PD"), ("P2", "R2", "irecist", "iUPD")]


def best() -> pd.DataFrame:
    table = pd.DataFrame(ROWS, columns=["patient_id", "reader", "criterion", "best_response"])
    return table.assign(best_response_confirmed=table["best_response"])


def test_compare_gives_each_reader_a_block_counting_its_two_patients_once():
    matrix = compare(best()).matrices["irecist"]
    assert matrix.index.names == ["reader", "recist11"]
    for reader in ("R1", "R2"):
        assert int(matrix.loc[reader].to_numpy().sum()) == 2  # P1 and P2, once each
    assert matrix.loc[("R1", "PD"), "iPR"] == 1 and matrix.loc[("R1", "SD"), "iSD"] == 1
    assert matrix.loc[("R2", "PD"), "iCPD"] == 1 and matrix.loc[("R2", "PD"), "iUPD"] == 1
    assert matrix.loc[("R2", "PD"), "iPR"] == 0  # R1's move is not R2's


def test_compare_cells_carry_the_reader_and_plain_patient_ids():
    cells = compare(best()).cells
    moves = cells[cells["reclassified"]][["reader", "recist11_response", "response", "patients"]]
    assert moves.values.tolist() == [["R1", "PD", "iPR", "P1"], ["R2", "PD", "iUPD", "P2"]]


def test_one_reader_keeps_the_plain_matrix():
    one = best()[lambda t: t["reader"] == "R1"]
    comparison = compare(one)
    assert comparison.matrices["irecist"].index.name == "recist11"
    assert "reader" not in comparison.cells.columns


def test_reclassification_long_splits_readers():
    long = reclassification_long(best())
    assert list(long.columns) == ["reader", "criterion_a", "criterion_b", "response_a", "response_b", "n"]
    assert long.groupby("reader")["n"].sum().to_dict() == {"R1": 2, "R2": 2}  # two patients per reader


def test_compare_command_prints_one_matrix_per_reader(tmp_path):
    best().reindex(columns=BEST_RESPONSE_COLUMNS).to_csv(tmp_path / "best_response.csv", index=False)
    ran = CliRunner().invoke(app, ["compare", str(tmp_path)])
    assert ran.exit_code == 0, ran.output
    shown = " ".join(ran.output.split())
    assert "each criterion's own best response, reader R1 " in shown
    assert "each criterion's own best response, reader R2 " in shown
    assert "PD -> iPR: 1 (P1)" in shown and "PD -> iUPD: 1 (P2)" in shown
    written = pd.read_csv(tmp_path / "compare_reclassification.csv")
    assert written.groupby("reader")["n"].sum().to_dict() == {"R1": 2, "R2": 2}
