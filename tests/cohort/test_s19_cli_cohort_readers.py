"""Session 19 fixes: several readers in `ioresponse patterns`, `ioresponse explain`, the reclassification
matrix and the response rates. Each reader is assessed separately (README "Input") and a patient counts
once in a matrix (README "Command line": "each matrix counts a patient once") and in a rate
(spec/patterns.md 7.1: ORR = patients with CR/PR / N patients).

The cohort: R1 reads P1 (target 50 -> 30 mm on day 56: -40 %, PR) and P2 (40 -> 60 mm: +50 % and +20 mm,
PD); R2 reads P1 (50 -> 52 mm: +4 %, +2 mm, SD). No prebaseline scan.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from ioresponse.cohort.rates import ResponseRateFitter, rates_with_pooled_arms, response_rates
from ioresponse.cohort.reclassification import (
    by_reader,
    per_reader,
    reclassification_long,
    reclassification_matrix,
)
from ioresponse.schema import InputError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import assert_accepted, cli, write  # noqa: E402

LESIONS = """patient_id,reader,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status
P1,R1,-3,T1,target,lung,false,50,,present
P1,R1,56,T1,target,lung,false,30,,present
P2,R1,-3,T1,target,lung,false,40,,present
P2,R1,56,T1,target,lung,false,60,,present
P1,R2,-3,T1,target,lung,false,50,,present
P1,R2,56,T1,target,lung,false,52,,present
"""


def _rows(output: str, after: str = "") -> list[list[str]]:
    """The cells of each row of the rich table printed after ``after`` (continuation lines dropped)."""
    text = output[output.index(after):] if after else output
    rows = []
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            if any(cells[:3]):
                rows.append(cells)
    return rows


def _header(output: str, after: str = "") -> list[str]:
    text = output[output.index(after):] if after else output
    line = next(line for line in text.splitlines() if line.startswith("┃"))
    return [cell.strip() for cell in line.strip("┃").split("┃")]


# --- `ioresponse patterns`: its summary per reader ---------------------------------------------------------


def test_patterns_summary_has_a_row_per_reader(tmp_path):
    path = write(tmp_path, LESIONS)
    ran = cli("patterns", path, "--out", tmp_path / "out", "--definitions", "hpd.champiat2017")
    assert_accepted(ran)
    assert "rows per patient x reader x definition" in ran.output
    assert _header(ran.output) == ["pattern", "definition", "reader", "false", "not_evaluable"]
    counts = {row[2]: row[3:] for row in _rows(ran.output)}
    # spec/patterns.md 2.3 H1: R1's P1 PR at the first evaluation -> false without the ratio; R1's P2 PD but
    # no prebaseline scan -> not evaluable (2.2); R2's P1 SD -> false. R1: false 1, NE 1; R2: false 1, NE 0
    # (2 + 1 = 3 patient-reads, never 3 rows of 2 patients in one line).
    assert counts == {"R1": ["1", "1"], "R2": ["1", "0"]}


def test_patterns_summary_without_readers_has_one_row_per_definition(tmp_path):
    alone = "\n".join(line.replace(",R1,", ",").replace("reader,", "") for line in LESIONS.splitlines()
                      if ",R2," not in line) + "\n"
    path = write(tmp_path, alone)
    ran = cli("patterns", path, "--out", tmp_path / "out", "--definitions", "hpd.champiat2017")
    assert_accepted(ran)
    assert "rows per patient x definition" in ran.output
    assert _header(ran.output) == ["pattern", "definition", "false", "not_evaluable"]
    # P1 PR -> false, P2 PD without prebaseline -> not evaluable (spec 2.3 H1, 2.2): one row, 1 and 1
    assert [row[2:] for row in _rows(ran.output)] == [["1", "1"]]


# --- `ioresponse explain`: whose pattern row ----------------------------------------------------------------


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explain")
    path = write(folder, LESIONS)
    assert_accepted(cli("assess", path, "--out", folder / "out", "--criteria", "recist11", "--format", "csv"))
    return folder / "out"


def test_explain_names_the_reader_of_each_pattern_row_of_a_patient_read_twice(written):
    ran = cli("explain", written, "P1")
    assert_accepted(ran)
    assert _header(ran.output, "Patterns and flags")[:2] == ["reader", "day"]
    flags = {(row[0], row[3]): row[4] for row in _rows(ran.output, "Patterns and flags")}
    # spec 2.3 H1: R1 PR, R2 SD at the first evaluation: not PD -> false for both readers
    assert flags["R1", "hpd.champiat2017"] == "false" and flags["R2", "hpd.champiat2017"] == "false"
    # spec 4 (OPTiM): R1's PR has 0 days of follow-up since day 56 (< 183): not evaluable; R2's SD is no
    # objective response: false. Without the reader column these two rows could not be told apart.
    assert flags["R1", "durable.drr_optim"] == "not_evaluable" and flags["R2", "durable.drr_optim"] == "false"


@pytest.mark.parametrize("args", [("P2",), ("P1", "--reader", "R2")])
def test_explain_one_reader_has_no_reader_column(written, args):
    # P2 is read by R1 only; --reader R2 keeps one reader: the timeline title names the reader already
    ran = cli("explain", written, *args)
    assert_accepted(ran)
    assert _header(ran.output, "Patterns and flags")[0] == "day"


# --- reclassification matrix: one reader at a time ----------------------------------------------------------


def _best(rows) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["patient_id", "reader", "criterion", "best_response"])
    return table.assign(best_response_confirmed=table["best_response"])


# R1: P1 PR -> iPR, P2 PD -> iSD; R2: P1 SD -> iSD.
TWO_READERS = _best([("P1", "R1", "recist11", "PR"), ("P1", "R1", "irecist", "iPR"),
                     ("P2", "R1", "recist11", "PD"), ("P2", "R1", "irecist", "iSD"),
                     ("P1", "R2", "recist11", "SD"), ("P1", "R2", "irecist", "iSD")])


def test_reclassification_matrix_refuses_several_readers_and_names_them():
    with pytest.raises(InputError, match=r"several readers \(R1, R2\).*per_reader"):
        reclassification_matrix(TWO_READERS, "recist11", "irecist")


def test_reclassification_matrix_refuses_a_patient_without_reader_beside_a_named_one():
    # README "Input": a patient without reader beside named readers is its own read: 2 reads, refused
    p3 = _best([("P3", "", "recist11", "PD"), ("P3", "", "irecist", "iUPD")])
    with pytest.raises(InputError, match=r"several readers \(\(no reader named\), R1, R2\)"):
        reclassification_matrix(pd.concat([TWO_READERS, p3], ignore_index=True), "recist11", "irecist")


def test_reclassification_matrix_per_reader_counts_each_patient_once():
    matrix = by_reader({name: reclassification_matrix(part, "recist11", "irecist")
                        for name, part in per_reader(TWO_READERS)})
    # R1: PR->iPR 1, PD->iSD 1 (2 patients); R2: SD->iSD 1 (1 patient): 3 cells, P1 once per reader
    assert matrix.groupby(level="reader").sum().sum(axis=1).to_dict() == {"R1": 2, "R2": 1}
    assert matrix.loc[("R1", "PR"), "iPR"] == 1 and matrix.loc[("R1", "PD"), "iSD"] == 1
    assert matrix.loc[("R2", "SD"), "iSD"] == 1
    long = reclassification_long(TWO_READERS)
    assert long.groupby("reader")["n"].sum().to_dict() == {"R1": 2, "R2": 1}  # the same 2 + 1


def test_reclassification_matrix_of_one_named_reader_is_accepted():
    one = TWO_READERS[TWO_READERS["reader"] == "R1"]
    matrix = reclassification_matrix(one, "recist11", "irecist")
    # P1 PR->iPR, P2 PD->iSD: 2 patients
    assert int(matrix.to_numpy().sum()) == 2 and matrix.loc["PR", "iPR"] == 1 and matrix.loc["PD", "iSD"] == 1


# --- response rates: each patient once in a rate -----------------------------------------------------------


RECIST = TWO_READERS[TWO_READERS["criterion"] == "recist11"]


def test_rates_refuse_a_patient_twice_in_one_rate_and_say_to_split_by_reader():
    # groups=(): R1's P1 and R2's P1 would both be in N (3 reads of 2 patients)
    with pytest.raises(InputError, match=r"patient P1 is 2 times in the rates of recist11.*by reader"):
        response_rates(RECIST, groups=(), population="all_treated")


def test_rates_refuse_a_repeated_row_without_readers():
    table = pd.concat([RECIST[RECIST["reader"] == "R1"]] * 2, ignore_index=True).drop(columns="reader")
    with pytest.raises(InputError, match="patient P1 is 2 times") as refused:
        response_rates(table, population="all_treated")
    assert "reader" not in str(refused.value)  # no reader to split by


@pytest.mark.parametrize("groups", [None, ("reader",)])
def test_rates_per_reader_count_each_patient_once(groups):
    rates = response_rates(RECIST, groups=groups, population="all_treated").set_index("reader")
    # R1: P1 PR, P2 PD -> ORR 1/2 = 0.5; R2: P1 SD -> 0/1 = 0 (spec 7.1)
    assert rates["n"].to_dict() == {"R1": 2, "R2": 1}
    assert rates["responders"].to_dict() == {"R1": 1, "R2": 0}
    assert rates["orr"].to_dict() == {"R1": 0.5, "R2": 0.0}


def test_rates_with_pooled_arms_keep_the_reader_split():
    best = RECIST.assign(arm=RECIST["patient_id"].map({"P1": "A", "P2": "B"}))
    rates, _ = rates_with_pooled_arms(ResponseRateFitter(population="all_treated"), best)
    n = {(row.arm, row.reader): (row.n, row.responders) for row in rates.itertuples()}
    # all arms: R1 P1 PR + P2 PD -> 2, 1; R2 P1 SD -> 1, 0. Arm A: R1 P1 PR -> 1, 1; R2 P1 SD -> 1, 0.
    # Arm B: R1 P2 PD -> 1, 0.
    assert n == {("all arms", "R1"): (2, 1), ("all arms", "R2"): (1, 0), ("A", "R1"): (1, 1),
                 ("A", "R2"): (1, 0), ("B", "R1"): (1, 0)}
