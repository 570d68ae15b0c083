"""Fixes of audit s20 "escape" (tests/report/test_audit_s20_escaping.py) in the outputs of `compare` and
`export`, and of the irRC column rule found beside them.

- compare_reclassification.csv's `patients` and the console's reclassified cells: README "writes ...
  `compare_reclassification.csv` (every non-empty cell of the matrices: both responses, `reclassified`,
  `n`, `patients` ...)"; the list is joined by ", " and a name holding a comma, a double quote, a line
  break or leading or trailing spaces is in double quotes, inner quotes doubled (the CSV convention), so
  that it splits back into its `n` names.
- export: a value SAS transport v5 cannot hold stops the export with exit code 2, and the .xpt of an
  earlier export is removed with it (README: "Tables an earlier run left in the folder are removed"; the
  error: "the .xpt is not written"), so that no .xpt contradicts its CSV.
- irRC needs long_axis_mm and perpendicular_mm on the rows it measures (spec/anatomic.md 2.9: "for index
  lesions and new lesions that are `present`"), not in a table none of whose rows it measures: a patient
  with non-index lesions only is NE alone as inside a cohort (DESIGN.md "a single patient is a cohort of
  one"); `--criteria all` still skips irRC for a RECIST table without perpendicular_mm.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pandas as pd
import pytest

import ioresponse
from ioresponse.api import listed_names, split_names
from ioresponse.schema import InputError

sys.path.insert(0, str(Path(__file__).resolve().parent / "cli"))
from _cli import assert_accepted, assert_refused, cli, flat, write  # noqa: E402

HEADER = ["patient_id", "reader", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm",
          "perpendicular_mm", "status"]


def table(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([HEADER, *rows])
    return buffer.getvalue()


def grows(patient: str, reader: str = "") -> list[list]:
    """One liver target 40 -> 60 mm, +50 % on day 56: RECIST 1.1 PD (>= +20 % and >= +5 mm, sec. 4.3.1),
    iRECIST iUPD (the first PD, spec 4.4)."""
    return [[patient, reader, -7, "T1", "target", "liver", "false", 40, "", "present"],
            [patient, reader, 56, "T1", "target", "liver", "false", 60, "", "present"]]


def compared(tmp_path: Path, rows: list[list]) -> tuple[pd.DataFrame, str]:
    """compare_reclassification.csv and the console text of `compare` after recist11 + irecist."""
    path = write(tmp_path, table(rows))
    out = tmp_path / "out"
    assert_accepted(cli("assess", path, "--out", out, "--no-patterns", "--criteria", "recist11,irecist"))
    result = cli("compare", out)
    assert_accepted(result)
    cells = pd.read_csv(out / "compare_reclassification.csv", dtype=str, keep_default_na=False)
    return cells, flat(result)


# ---------------------------------------------------------------------------------------------------------
# 1. compare: the patients of a cell


def test_names_without_separators_are_listed_as_before(tmp_path):
    cells, console = compared(tmp_path, [r for p in ("P1", "P2", "P3") for r in grows(p)])
    cell = cells.loc[cells["n"] == "3"].iloc[0]
    assert (cell["recist11_response"], cell["response"]) == ("PD", "iUPD")
    assert cell["patients"] == "P1, P2, P3"  # joined by ", ", no quotes
    assert "PD -> iUPD: 3 (P1, P2, P3)" in console


def test_names_holding_a_comma_or_a_quote_are_quoted_as_in_csv(tmp_path):
    ids = ["A, B", "A", "B", 'say "hi"']
    cells, console = compared(tmp_path, [r for p in ids for r in grows(p)])
    cell = cells.loc[cells["n"] == "4", "patients"].iloc[0]
    # patients in id order: "A" < "A, B" < "B" < 'say "hi"'; "A, B" holds a comma, 'say "hi"' quotes
    # (doubled inside the quotes)
    expected = 'A, "A, B", B, "say ""hi"""'
    assert cell == expected
    assert next(csv.reader([cell], skipinitialspace=True)) == ["A", "A, B", "B", 'say "hi"']  # 4 = n
    assert f"PD -> iUPD: 4 ({expected})" in console  # the console lists them the same way


def test_one_readers_patient_reader_names_are_quoted_whole(tmp_path):
    # One reader "R, 1": each patient is named "patient (reader)", which holds the reader's comma
    cells, console = compared(tmp_path, [r for p in ("P1", "P2") for r in grows(p, reader="R, 1")])
    cell = cells.loc[cells["n"] == "2", "patients"].iloc[0]
    assert cell == '"P1 (R, 1)", "P2 (R, 1)"'
    assert split_names(cell) == ["P1 (R, 1)", "P2 (R, 1)"]
    assert 'PD -> iUPD: 2 ("P1 (R, 1)", "P2 (R, 1)")' in console


def test_console_lists_five_names_and_counts_the_rest(tmp_path):
    ids = ["a,1", "a,2", "a,3", "a,4", "a,5", "a,6"]
    _, console = compared(tmp_path, [r for p in ids for r in grows(p)])
    # LISTED_PATIENTS = 5 names on screen, the sixth counted: 6 - 5 = 1 more
    assert 'PD -> iUPD: 6 ("a,1", "a,2", "a,3", "a,4", "a,5" and 1 more)' in console


@pytest.mark.parametrize("names, text", [
    (["P1", "P2"], "P1, P2"),
    ([" lead", "trail "], '" lead", "trail "'),  # leading / trailing spaces would be lost unquoted
    (["two\nlines", "x"], '"two\nlines", x'),
    (['"', ","], '"""", ","'),
])
def test_listed_names_split_back(names, text):
    assert listed_names(names) == text
    assert split_names(text) == names


# ---------------------------------------------------------------------------------------------------------
# 2. export: no stale .xpt beside a CSV it contradicts


def one_target(tmp_path: Path) -> Path:
    path = write(tmp_path, table([["P1", "", -7, "T1", "target", "liver", "false", 40, "", "present"],
                                  ["P1", "", 56, "T1", "target", "liver", "false", 28, "", "present"]]))
    out = tmp_path / "out"
    assert_accepted(cli("assess", path, "--out", out, "--no-patterns"))
    return out


@pytest.mark.parametrize("option, name", [("--sdtm", "rs"), ("--adam", "adrs")])
def test_refused_export_removes_the_earlier_xpt_and_says_so(tmp_path, option, name):
    out = one_target(tmp_path)
    assert_accepted(cli("export", out, option, "--study-id", "ABC"))
    assert b"ABC" in (out / f"{name}.xpt").read_bytes()
    assert_refused(cli("export", out, option, "--study-id", "STÜDY"), f"{name}.xpt", "STUDYID",
                   "the .xpt is not written", f"the {name}.xpt of an earlier export is removed")
    assert set(pd.read_csv(out / f"{name}.csv", dtype=str)["STUDYID"]) == {"STÜDY"}  # the CSV is written
    assert not (out / f"{name}.xpt").exists()


def test_refused_first_export_writes_no_xpt_and_names_no_removal(tmp_path):
    out = one_target(tmp_path)
    text = assert_refused(cli("export", out, "--sdtm", "--study-id", "STÜDY"), "the .xpt is not written")
    assert "earlier export" not in text  # nothing was there to remove
    assert not (out / "rs.xpt").exists()


def test_accepted_export_after_a_refused_one_writes_both_again(tmp_path):
    out = one_target(tmp_path)
    assert_refused(cli("export", out, "--sdtm", "--study-id", "STÜDY"), "STUDYID")
    assert_accepted(cli("export", out, "--sdtm", "--study-id", "ABC"))
    assert set(pd.read_csv(out / "rs.csv", dtype=str)["STUDYID"]) == {"ABC"}
    assert b"ABC" in (out / "rs.xpt").read_bytes()


def test_refused_sdtm_beside_adam_leaves_no_earlier_adam_table(tmp_path):
    # README "Tables an earlier run left in the folder are removed": with --sdtm --adam, the refusal of
    # rs.xpt (STUDYID not ASCII, XPORT v5) still writes adrs.csv of this export and removes the earlier
    # adrs.xpt, so no table of the ABC export stays beside the STÜDY ones; the command exits 2.
    out = one_target(tmp_path)
    assert_accepted(cli("export", out, "--sdtm", "--adam", "--study-id", "ABC"))
    assert_refused(cli("export", out, "--sdtm", "--adam", "--study-id", "STÜDY"), "rs.xpt", "STUDYID")
    for name in ("rs", "adrs"):
        assert set(pd.read_csv(out / f"{name}.csv", dtype=str)["STUDYID"]) == {"STÜDY"}
        assert not (out / f"{name}.xpt").exists()


# ---------------------------------------------------------------------------------------------------------
# 3. irRC: the diameters are needed on the rows irRC measures


NON_INDEX_ONLY = pd.DataFrame({
    "patient_id": ["P1", "P1"], "day": [-7, 56], "lesion_id": ["N1", "N1"], "role": ["non_target"] * 2,
    "organ": ["liver"] * 2, "lymph_node": [False] * 2, "status": ["present"] * 2,
})
INDEX = pd.DataFrame({
    "patient_id": ["P2", "P2"], "day": [-7, 56], "lesion_id": ["T1", "T1"], "role": ["target"] * 2,
    "organ": ["liver"] * 2, "lymph_node": [False] * 2, "status": ["present"] * 2,
    "long_axis_mm": [40.0, 40.0], "perpendicular_mm": [30.0, 30.0],
})


def test_patient_with_non_index_lesions_only_is_ne_alone_as_in_a_cohort():
    alone = ioresponse.assess(NON_INDEX_ONLY, "irrc")  # no long_axis_mm / perpendicular_mm column at all
    cohort = ioresponse.assess(pd.concat([NON_INDEX_ONLY, INDEX], ignore_index=True), "irrc")
    columns = ["day", "overall_response", "reason"]
    alone_rows = alone.timepoints[columns].reset_index(drop=True)
    p1 = cohort.timepoints["patient_id"] == "P1"
    cohort_rows = cohort.timepoints.loc[p1, columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone_rows, cohort_rows)
    # spec 2.3: no index lesion at baseline -> NE
    assert alone_rows.loc[0, "overall_response"] == "NE"
    assert alone_rows.loc[0, "reason"].startswith("no index lesion at baseline")
    assert list(alone.best_response["best_response"]) == ["NE"]


def test_all_runs_irrc_and_the_other_criteria_on_non_index_lesions_only():
    result = ioresponse.assess(NON_INDEX_ONLY, "all")
    # the five anatomic criteria run (spec 0.9), none skipped; only the PET criteria lack their table
    assert set(result.best_response["criterion"]) == {"recist11", "irrc", "irrecist", "irecist", "imrecist"}
    assert all(reason == "input has no metabolic table" for reason in result.skipped.values())


def test_recist_table_without_perpendicular_still_skips_or_refuses_irrc():
    recist = INDEX.drop(columns="perpendicular_mm")  # index rows with long_axis_mm only (spec 2.9)
    assert ioresponse.assess(recist, "all").skipped["irrc"] == "input has no value in perpendicular_mm"
    with pytest.raises(InputError, match="needs perpendicular_mm"):
        ioresponse.assess(recist, "irrc")


def test_present_new_lesion_needs_both_diameters():
    # spec 2.9: a new lesion that is present and measured needs both diameters; no perpendicular_mm in
    # the table, the new lesion measured 15 mm long: irRC cannot run.
    new = pd.DataFrame({
        "patient_id": ["P1"], "day": [56], "lesion_id": ["NEW1"], "role": ["new"], "organ": ["lung"],
        "lymph_node": [False], "status": ["present"], "long_axis_mm": [15.0],
    })
    table = pd.concat([NON_INDEX_ONLY, new], ignore_index=True)
    assert ioresponse.assess(table, "all").skipped["irrc"] == "input has no value in perpendicular_mm"
