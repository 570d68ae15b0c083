"""The ``lesions.*`` that ``assess`` writes for a sum-only table reads back as that sum table (README
"Command line": ``assess`` reads it back with the same calls, days and sums).

A sum-only table becomes pseudo-lesions (``target_sum`` in organ "all targets", ``new_lesions``,
``non_target``; io.tables.expand_sums); read back, the table is recognised by those ids alone and folded
into its sum-table form (io.tables.collapse_sums), so that the written file is an input again and keeps
what the original did not give (a target-only table stays target-only).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.io.tables import collapse_sums, expand_sums, is_expanded_sums

# Every spelling a sum cell may have (README "Input"): a number, NOT EVALUABLE, TOO SMALL TO MEASURE, 0
# (absent) and an empty cell (read as not evaluable, with the note "empty value").
SUMS = (
    "patient_id,day,target_sum_mm,new_lesions,non_target,note\n"
    "S1,-3,50,false,present,\n"
    "S1,56,34,false,present,reader A\n"
    "S1,112,NOT EVALUABLE,true,present,\n"
    "S2,-3,40,false,absent,\n"
    "S2,56,TOO SMALL TO MEASURE,false,absent,\n"
    "S2,112,,false,absent,\n"
    "S2,168,0,false,absent,\n"
)


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def assessed_twice(tmp_path: Path, text: str) -> tuple[Path, Path]:
    source = tmp_path / "sums.csv"
    source.write_text(text)
    first, second = tmp_path / "first", tmp_path / "second"
    for given, out in ((source, first), (first / "lesions.csv", second)):
        result = cli("assess", given, "--out", out, "--no-patterns", "--criteria", "recist11,irecist")
        assert result.exit_code == 0, result.output
    return first, second


def test_every_sum_spelling_reads_back_with_the_same_calls_and_sums(tmp_path):
    first, second = assessed_twice(tmp_path, SUMS)
    for name in ("timepoints.csv", "best_response.csv"):
        assert pd.read_csv(first / name).equals(pd.read_csv(second / name)), name
    lesions = [pd.read_csv(folder / "lesions.csv").drop(columns="source_row") for folder in (first, second)]
    assert lesions[0].equals(lesions[1])  # row numbers are those of the file read, the rest is the same
    calls = pd.read_csv(first / "timepoints.csv").query("criterion == 'recist11'")
    # S1 day 56: 34 vs 50 = -32 % (<= -30 %): PR; day 112: new lesions -> PD (RECIST 1.1 sec. 4.3.4);
    # S2 day 56: too small counts 5 mm (spec 0.4): 5 vs 40 = -87.5 %, non-target absent -> PR; day 112:
    # empty sum -> not evaluable -> NE; day 168: 0 mm, non-target absent -> CR (sec. 4.3.1, 4.3.3)
    assert calls["overall_response"].tolist() == ["PR", "PD", "PR", "NE", "CR"]


def test_collapse_gives_back_the_sum_table_text():
    table = pd.read_csv(pd.io.common.StringIO(SUMS), dtype=str, keep_default_na=False)
    expanded = expand_sums(table.assign(source_row=range(2, 2 + len(table))))
    expanded = expanded.assign(status=expanded["status"].astype(str))
    assert is_expanded_sums(expanded)
    back = collapse_sums(expanded).sort_values("source_row")
    assert back["target_sum_mm"].tolist() == ["50.0", "34.0", "NOT EVALUABLE", "40.0", "TOO SMALL TO MEASURE",
                                              "", "0"]
    assert back["new_lesions"].tolist() == ["false", "false", "true", "false", "false", "false", "false"]
    assert back["non_target"].tolist() == table["non_target"].tolist()
    assert back["note"].tolist() == table["note"].tolist()  # "empty value" was ours, not the user's
    assert back["source_row"].tolist() == list(range(2, 9))


def test_a_lesion_table_with_one_lesion_called_target_sum_is_a_lesion_table():
    rows = pd.DataFrame({"lesion_id": ["target_sum", "T2"], "organ": ["all targets", "liver"]})
    assert not is_expanded_sums(rows)  # a real lesion beside it: not the pseudo-lesion form
    assert not is_expanded_sums(rows.assign(lesion_id="target_sum", organ="liver"))  # not "all targets"
