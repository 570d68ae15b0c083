"""Session 20 fixes of the "types" and "escape" audits (io/tables.py, io/load.py, io/pct_change.py).

Sources: README "Outputs": "Bad input stops with a located message (file, row, column, what was expected)
and exit code 2. Rows are the rows the user sees ... the header being row 1"; README "Input": `pct_change`
is in %, `--patient-key study,patient_id` for "ids that repeat across studies"; io/tables.py module
docstring (cells read as text so that a bad cell is named, never coerced silently by a reader); the project
rule: nothing the user gave is silently dropped or changed.
"""

from __future__ import annotations

import re
import sys
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ioresponse
from ioresponse.io import tables as t
from ioresponse.io.load import load_study
from ioresponse.io.pct_change import read_pct_change
from ioresponse.schema import InputError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import assert_refused, cli  # noqa: E402

LESIONS = pd.DataFrame({
    "patient_id": ["P1", "P1", "P1", "P1"],
    "day": [-7, -7, 56, 56],
    "lesion_id": ["T1", "NT1", "T1", "NT1"],
    "role": ["target", "non_target", "target", "non_target"],
    "organ": ["liver", "bone", "liver", "bone"],
    "lymph_node": [False] * 4,
    "long_axis_mm": [40.0, None, 28.0, None],
    "status": ["present"] * 4,
})
"""One patient: a liver target 40 -> 28 mm (-30 %: PR, RECIST 1.1 sec. 4.3.1) and a bone non-target."""


def _refusal(data, **options) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError) as error:
            load_study(data, **options)
    return error.value.located()


def _best(data, **options) -> dict[str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(data, criteria=("recist11",), **options)
    return dict(zip(result.best_response["patient_id"], result.best_response["best_response"], strict=True))


# ---------------------------------------------------------------------------------------------------------
# Excel: formulas without a stored result, percentage formats


def _patched(path: Path, old: bytes, new: bytes) -> Path:
    """The workbook with ``old`` replaced by ``new`` in its first sheet's XML (a cached formula result)."""
    patched = path.with_name("patched.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            target.writestr(item, data)
    return patched


def test_excel_formula_without_result_in_a_required_cell_is_refused_there(tmp_path):
    path = tmp_path / "lesions.xlsx"
    LESIONS.to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    book.active["G4"] = "=20+8"  # long_axis_mm of row 4 (the 28 mm), written by a script: no result stored
    book.save(path)
    message = _refusal(path)
    # row 4, column G = long_axis_mm (header = row 1)
    assert message.startswith("lesions.xlsx, row 4, column long_axis_mm: a formula (=20+8) without a stored "
                              "result"), message
    assert "open and save the workbook in Excel" in message


def test_excel_formula_with_a_stored_result_reads_the_result(tmp_path):
    path = tmp_path / "lesions.xlsx"
    LESIONS.to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    book.active["G4"] = "=20+8"
    book.save(path)
    # as Excel saves it: the formula and its result 28 (openpyxl wrote the cell as "<f>20+8</f><v />")
    saved = _patched(path, b"<f>20+8</f><v />", b"<f>20+8</f><v>28</v>")
    assert _best(saved) == {"P1": "PR"}  # 40 -> 28 mm: -30 %, PR (RECIST 1.1 sec. 4.3.1)


def test_excel_formula_with_a_stored_empty_text_is_an_empty_cell(tmp_path):
    frame = LESIONS.assign(note="")
    path = tmp_path / "lesions.xlsx"
    frame.to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    book.active["I2"] = '=IF(1>2,"x","")'
    book.save(path)
    # Excel stores the empty text a formula gives as <c t="str"><f>..</f><v></v></c>: a result, read as ""
    saved = _patched(path, b'<c r="I2"><f>IF(1&gt;2,"x","")</f><v /></c>',
                     b'<c r="I2" t="str"><f>IF(1&gt;2,"x","")</f><v></v></c>')
    assert _best(saved) == {"P1": "PR"}


def _percent_workbook(path: Path, header: list[str], rows: list[tuple], column: int, fmt: str = "0%") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append(list(values))
    for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        cell.number_format = fmt
    book.save(path)
    return path


def test_excel_percent_cells_are_read_as_shown_with_every_digit(tmp_path):
    path = _percent_workbook(tmp_path / "pct.xlsx", ["patient_id", "day", "pct_change", "baseline_size_mm"],
                             [("P1", 56, -0.353, 60), ("P2", 56, 0.1, 50)], column=3, fmt="0.0%")
    sums = read_pct_change(path).set_index(["patient_id", "day"])["target_sum_mm"].to_dict()
    # -0.353 shown as -35.3 %: 60 x (1 - 0.353) = 38.82 mm; 0.1 shown as 10.0 %: 50 x 1.1 = 55 mm
    # (10 %, not 0.1 x 100 = 10.000000000000002 %)
    assert sums == {("P1", 0): 60.0, ("P1", 56): 38.82, ("P2", 0): 50.0, ("P2", 56): 55.0}
    cells = t.read_table(path).frame["pct_change"].tolist()
    assert cells == ["-35.3%", "10%"]  # the text Excel shows, every digit of the stored value


def test_csv_pct_change_with_a_percent_sign_reads_as_without(tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("patient_id,day,pct_change,baseline_size_mm\nP1,56,-35,60\nP2,56,150,40\n")
    signed = tmp_path / "signed.csv"
    signed.write_text("patient_id,day,pct_change,baseline_size_mm\nP1,56,-35%,60\nP2,56,150 %,40\n")
    # README: pct_change is in %; -35 % of 60 mm = 39 mm (PR, <= -30 %), +150 % of 40 mm = 100 mm (PD)
    assert _best(plain) == _best(signed) == {"P1": "PR", "P2": "PD"}


def test_excel_percent_cell_in_a_size_column_is_refused_as_shown(tmp_path):
    rows = [tuple(None if pd.isna(v) else v for v in r) for r in LESIONS.itertuples(index=False)]
    path = _percent_workbook(tmp_path / "lesions.xlsx", list(LESIONS.columns), rows, column=7)
    message = _refusal(path)
    # long_axis_mm 40 and 28 formatted 0% show 4000% and 2800%: not sizes in mm, refused at their rows
    # (2 and 4: header = row 1) and column
    assert message.startswith("lesions.xlsx, rows 2, 4, column long_axis_mm: "), message
    assert "'4000%'" in message


def test_workbook_without_formulas_or_percent_formats_is_not_read_twice(tmp_path, monkeypatch):
    path = tmp_path / "lesions.xlsx"
    LESIONS.to_excel(path, index=False)
    assert t._excel_traps(path) == (False, False)  # pandas writes neither


# ---------------------------------------------------------------------------------------------------------
# Parquet and polars through Arrow


def test_parquet_unnamed_pandas_index_is_not_a_column(tmp_path):
    path = tmp_path / "filtered.parquet"
    LESIONS.set_axis([10, 11, 12, 13]).to_parquet(path)  # a filtered frame: row labels stored, unnamed
    assert "__index_level_0__" in pq.read_schema(path).names
    raw = t.read_table(path)
    assert list(raw.frame.columns) == [*LESIONS.columns, "source_row"]  # the user's columns only
    assert raw.frame["source_row"].tolist() == [2, 3, 4, 5]  # numbered as its CSV: header = row 1


def test_parquet_int64_column_with_a_null_keeps_every_digit(tmp_path):
    path = tmp_path / "ids.parquet"
    ids = pa.array([9007199254740993, None, 9223372036854775807, 7], pa.int64())  # 2**53 + 1, int64 max
    pq.write_table(pa.table({"patient_id": ids, "day": pa.array([1, 2, 3, 4])}), path)
    # float64 would give 9007199254740992 and 9223372036854775808; the null is an empty cell
    assert t.read_table(path).frame["patient_id"].tolist() == ["9007199254740993", "", "9223372036854775807",
                                                               "7"]


def test_polars_uint64_and_int64_with_nulls_keep_every_digit():
    frame = pl.DataFrame({"a": pl.Series([18446744073709551615, None], dtype=pl.UInt64),
                          "b": pl.Series([None, -9223372036854775808], dtype=pl.Int64)})
    text = t.read_table(frame).frame
    assert text["a"].tolist() == ["18446744073709551615", ""]  # 2**64 - 1
    assert text["b"].tolist() == ["", "-9223372036854775808"]  # -2**63


def test_parquet_dataset_folder_is_read_as_one_table(tmp_path):
    folder = tmp_path / "lesions.parquet"  # as Spark writes it: a folder of part files
    folder.mkdir()
    for part, rows in enumerate((LESIONS.iloc[:2], LESIONS.iloc[2:])):
        pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), folder / f"part-0000{part}.parquet")
    (folder / "_SUCCESS").write_text("")
    assert _best(folder) == {"P1": "PR"}  # 40 -> 28 mm: -30 %, PR
    assert t.read_table(folder).frame["source_row"].tolist() == [2, 3, 4, 5]


@pytest.mark.parametrize("values", [
    pa.array([["liver"], ["bone"], ["liver"], ["bone"]]),
    pa.array([{"name": "liver"}, {"name": "bone"}, {"name": "liver"}, {"name": "bone"}]),
])
def test_parquet_list_or_struct_column_is_refused_located(values, tmp_path):
    table = pa.Table.from_pandas(LESIONS, preserve_index=False)
    path = tmp_path / "nested.parquet"
    pq.write_table(table.set_column(table.column_names.index("organ"), "organ", values), path)
    message = _refusal(path)
    # the first cell holding one (row 2, the first data row) and the column; one value per cell
    assert message.startswith("nested.parquet, row 2, column organ: a column of "), message
    assert "a cell holds one value" in message


# ---------------------------------------------------------------------------------------------------------
# Control characters


@pytest.mark.parametrize("given, shown", [("P\x1b[2J1", "'\\x1b' (ESC)"), ("P\x07", "'\\x07' (0x07)"),
                                          ("P\x7f", "'\\x7f' (DEL)"), ("P\x001", "'\\x00' (NUL)")])
def test_control_character_in_an_in_memory_or_parquet_cell_is_refused(given, shown, tmp_path):
    frame = LESIONS.assign(lesion_id=["T1", "NT1", "T1", given])  # row 5 as its CSV counts rows
    path = tmp_path / "lesions.parquet"
    frame.to_parquet(path, index=False)
    for data, name in ((frame, "<table>"), (path, "lesions.parquet")):
        message = _refusal(data)
        assert message.startswith(f"{name}, row 5, column lesion_id: "), message
        assert shown in message and given not in message  # named escaped, never printed raw


def test_tab_line_feed_and_carriage_return_stay_text():
    frame = LESIONS.assign(note=["a\tb", "c\nd", "e\r\nf", ""])  # as a spreadsheet cell may hold them
    assert t.read_table(frame).frame["note"].tolist() == ["a\tb", "c\nd", "e\r\nf", ""]


def test_control_character_in_a_csv_cell_is_refused_at_its_line(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text("patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
                    "P1,-7,T1,target,liver,false,40,present\n"
                    "P1,56,T1,target,li\x1bver,false,28,present\n", encoding="utf-8")
    assert_refused(cli("validate", path), "lesions.csv, row 3, column organ", "'\\x1b' (ESC)")


# ---------------------------------------------------------------------------------------------------------
# Patient key


KEYED = ("{key},patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
         "S1:A,B,-7,T1,target,liver,false,40,present\n"
         "S1:A,B,56,T1,target,liver,false,28,present\n"
         "S1,A:B,-7,T2,target,lung,false,30,present\n"
         "S1,A:B,56,T2,target,lung,false,45,present\n")


@pytest.mark.parametrize("key", ["site", "study"])
def test_patient_key_clash_is_refused_naming_both_patients(key, tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text(KEYED.format(key=key), encoding="utf-8")
    message = _refusal(path, patient_key=(key, "patient_id"))
    # "S1:A" + ":" + "B" and "S1" + ":" + "A:B" are both "S1:A:B": rows 2-5, each patient's first row named
    assert message.startswith("lesions.csv, rows 2-5, column patient_id: "), message
    assert f"{key} 'S1:A', patient_id 'B' (row 2) and {key} 'S1', patient_id 'A:B' (row 4)" in message
    assert "'S1:A:B'" in message
    assert "--patient-key" not in message  # the user gave it: no advice to give it


def test_patient_key_keeps_repeated_ids_of_two_studies_apart(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text("study,patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
                    "S1,001,-7,T1,target,liver,false,40,present\n"
                    "S1,001,56,T1,target,liver,false,28,present\n"  # 40 -> 28: -30 %, PR
                    "S2,001,-7,T1,target,lung,false,30,present\n"
                    "S2,001,56,T1,target,lung,false,45,present\n",  # 30 -> 45: +50 %, +15 mm: PD
                    encoding="utf-8")
    assert _best(path, patient_key=("study", "patient_id")) == {"S1:001": "PR", "S2:001": "PD"}


# ---------------------------------------------------------------------------------------------------------
# Dates beyond pandas' range


@pytest.mark.parametrize("value, reason", [
    ("9999-12-31", "is a date outside 1677-09-22 to 2262-04-11"),  # an ISO date, a placeholder
    ("2262-04-12", "is a date outside 1677-09-22 to 2262-04-11"),  # the day after the last one
    ("1600", "is a date outside"),  # a partial date, imputed to 1600-07-01
    ("2024-02-30", "is not an ISO date (YYYY-MM-DD)"),  # no such day
    ("31/12/2024", "is not an ISO date (YYYY-MM-DD)"),
])
def test_date_problem_names_the_real_reason(value, reason):
    assert t.date_problem(value).startswith(f"{value!r} {reason}")


def test_first_and_last_dates_are_pandas_range():
    # pandas' Timestamp runs from 1677-09-21 00:12:43 to 2262-04-11 23:47:16: the whole days inside
    assert (str(t.FIRST_DATE), str(t.LAST_DATE)) == ("1677-09-22", "2262-04-11")
    iso, _, bad = t.parse_dates(pd.Series(["1677-09-22", "2262-04-11", "2262-04-12"], dtype=object))
    assert iso.tolist() == ["1677-09-22", "2262-04-11", ""] and bad.tolist() == [False, False, True]


def test_lesion_table_patient_date_column_beyond_range_says_so(tmp_path):
    path = tmp_path / "lesions.csv"
    LESIONS.assign(treatment_start="9999-12-31").to_csv(path, index=False)
    message = _refusal(path)
    assert re.search(r"column treatment_start: '9999-12-31' is a date outside 1677-09-22 to 2262-04-11",
                     message), message


def test_excel_literal_percent_sign_in_a_format_is_not_a_percentage(tmp_path):
    # 0"%" and 0\% show the number itself followed by a "%" sign (a quoted or escaped character is
    # literal text in an Excel number format): -35 shows -35%, stored -35
    for fmt in ('0"%"', "0\\%"):
        path = _percent_workbook(tmp_path / "pct.xlsx", ["patient_id", "day", "pct_change"],
                                 [("P1", 56, -35)], column=3, fmt=fmt)
        assert t.read_table(path).frame["pct_change"].tolist() == ["-35"], fmt
