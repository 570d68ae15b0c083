"""Lesion and sum-only tables into the validated lesion table (briefs/contract.md, spec/anatomic.md 0.1)."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest

from ioresponse.criteria import TEXT
from ioresponse.io.load import load_study
from ioresponse.io.validate import UnusedColumnWarning
from ioresponse.schema import InputError

# spec/anatomic.md 1.3 example: liver 40 + lung 20 + mediastinal node short axis 20 = 80 mm at baseline.
LESIONS_CSV = """patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status,arm
P2,0,L1,target,liver,false,40,,present,B
P1,-3,N1,target,lymph node,true,25,20,present,A
P1,-3,L2,target,lung,false,20,,present,A
P1,-3,L1,target,liver,false,40,,present,A
P1,-3,NT1,non_target,bone,false,,,present,A
P1,40,L1,target,liver,false,30,,present,A
P1,40,L2,target,lung,false,,,too_small,A
P1,40,N1,target,lymph node,true,12,8,present,A
P1,40,NT1,non_target,bone,false,,,absent,A
P1,40,X1,NEW,Brain,false,8,,present,A
P2,50,L1,target,liver,false,,,not_evaluable,B
"""

CONTRACT = {  # text columns: pandas' pyarrow-backed string dtype (README, "Lesion table")
    "patient_id": TEXT, "reader": TEXT, "accepted": bool, "day": np.int64, "date": TEXT,
    "lesion_id": TEXT, "role": TEXT, "organ": TEXT, "lymph_node": bool, "long_axis_mm": np.float64,
    "short_axis_mm": np.float64, "perpendicular_mm": np.float64, "status": TEXT, "equivocal": bool,
    "clinical_status": TEXT, "slice_thickness_mm": np.float64, "modality": TEXT, "note": TEXT,
    "source_row": np.int64,
}


def _table() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(LESIONS_CSV), dtype=str, keep_default_na=False)


def test_contract_columns_dtypes_and_sort_order(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text(LESIONS_CSV)
    study = load_study(path)
    lesions = study.lesions
    assert list(lesions.columns) == list(CONTRACT)
    expected = {c: pd.api.types.pandas_dtype(d) for c, d in CONTRACT.items()}
    assert {c: lesions[c].dtype for c in CONTRACT} == expected
    assert isinstance(lesions.index, pd.RangeIndex)
    # sorted by patient_id, reader, day, lesion_id, source_row; source_row = file row (header = 1)
    assert lesions[["patient_id", "day", "lesion_id", "source_row"]].values.tolist() == [
        ["P1", -3, "L1", 5], ["P1", -3, "L2", 4], ["P1", -3, "N1", 3], ["P1", -3, "NT1", 6],
        ["P1", 40, "L1", 7], ["P1", 40, "L2", 8], ["P1", 40, "N1", 9], ["P1", 40, "NT1", 10],
        ["P1", 40, "X1", 11], ["P2", 0, "L1", 2], ["P2", 50, "L1", 12],
    ]
    assert study.source == "lesions.csv"
    assert study.missing_components == frozenset()
    assert study.excluded.empty


def test_defaults_for_absent_optional_columns():
    lesions = load_study(_table()).lesions
    assert (lesions["reader"] == "").all()
    assert lesions["accepted"].all()
    assert (lesions["modality"] == "ct").all()
    assert not lesions["equivocal"].any()
    assert (lesions["clinical_status"] == "").all()
    assert lesions["slice_thickness_mm"].isna().all()
    assert (lesions["date"] == "").all()  # only `day` given


def test_labels_are_normalised_lower_case():
    lesions = load_study(_table()).lesions
    new = lesions[lesions["lesion_id"] == "X1"].iloc[0]
    assert (new["role"], new["organ"]) == ("new", "brain")


def test_per_patient_columns_go_to_the_patient_table():
    study = load_study(_table())
    assert study.patients.to_dict("records") == [{"patient_id": "P1", "arm": "A"},
                                                 {"patient_id": "P2", "arm": "B"}]


def test_parquet_excel_polars_give_the_same_table(tmp_path):
    table = _table()
    expected = load_study(table).lesions
    table.to_parquet(tmp_path / "lesions.parquet")
    table.to_excel(tmp_path / "lesions.xlsx", index=False)
    typed = pd.read_csv(io.StringIO(LESIONS_CSV))  # numbers and booleans as real dtypes
    for data in (tmp_path / "lesions.parquet", tmp_path / "lesions.xlsx", pl.from_pandas(typed), typed):
        pd.testing.assert_frame_equal(load_study(data).lesions, expected)


def test_column_map_renames_user_columns():
    table = _table().rename(columns={"patient_id": "subject", "long_axis_mm": "ld"})
    lesions = load_study(table, column_map={"subject": "patient_id", "ld": "long_axis_mm"}).lesions
    assert lesions["long_axis_mm"].iloc[0] == 40.0


def test_column_map_naming_an_absent_column_is_an_input_error():
    with pytest.raises(InputError, match=r"column_map\) names column"):
        load_study(_table(), column_map={"subject": "patient_id"})


def test_errors_name_the_users_column_not_its_contract_name(tmp_path):
    """Non-negotiable 3 (a located message): a cell at fault in a column read under --map, or under a
    spelling of a contract name ("Long Axis mm"), is located at the column the user's file has."""
    (tmp_path / "sums.csv").write_text("patient,day,sld\nP1,0,50\nP1,56,x\n")
    with pytest.raises(InputError, match=r"sums.csv, row 3, column sld: 'x' is neither a sum"):
        load_study(tmp_path / "sums.csv", column_map={"patient": "patient_id", "sld": "target_sum_mm"})
    table = _table().rename(columns={"long_axis_mm": "Long Axis mm"}).astype({"Long Axis mm": object})
    table.loc[0, "Long Axis mm"] = "abc"
    with pytest.raises(InputError, match=r"row 2, column Long Axis mm: 'abc' is not a number"):
        load_study(table)


@pytest.mark.parametrize("header", ["Long Axis (mm)", "long-axis [mm]", "LONG_AXIS_MM", "Long axis, mm"])
def test_a_header_with_units_in_brackets_or_punctuation_is_the_contract_column(header):
    # README "Input": the contract name's letters and digits in any case, with any punctuation between
    # words; the sizes are then read as given (40 and 28 mm), not left out as an unknown column.
    lesions = load_study(_table().rename(columns={"long_axis_mm": header})).lesions
    expected = load_study(_table()).lesions
    assert lesions["long_axis_mm"].notna().sum() == (_table()["long_axis_mm"] != "").sum()
    pd.testing.assert_series_equal(lesions["long_axis_mm"], expected["long_axis_mm"])


def test_unknown_table_kind_names_the_columns_expected():
    with pytest.raises(InputError, match="lesion table needs lesion_id and role, a sum-only table needs "
                                         "target_sum_mm"):
        load_study(pd.DataFrame({"patient_id": ["P1"], "day": [0]}))


def test_partial_date_is_imputed_mid_month_with_a_note():
    table = pd.DataFrame({
        "patient_id": ["P1", "P1"], "date": ["2021-03", "2021-05-02"], "lesion_id": ["L1", "L1"],
        "role": ["target", "target"], "organ": ["liver", "liver"], "lymph_node": [False, False],
        "long_axis_mm": [40, 30], "status": ["present", "present"]})
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2021-03-20"]})
    lesions = load_study(table, patients=patients).lesions
    assert lesions["date"].tolist() == ["2021-03-15", "2021-05-02"]
    assert lesions["note"].tolist() == ["date 2021-03 partial: imputed 2021-03-15", ""]
    assert lesions["day"].tolist() == [-5, 43]  # 2021-03-15 and 2021-05-02 minus 2021-03-20


# Sum-only tables (briefs/contract.md): text values handled per spec/anatomic.md 0.3-0.4.
SUMS_CSV = """patient_id,day,target_sum_mm
S1,-5,52
S1,40,41.5
S1,82,NOT EVALUABLE
S1,120,TOO SMALL TO MEASURE
S1,160,
S1,200,0
"""


def test_sum_only_table_becomes_target_sum_pseudo_lesions():
    study = load_study(pd.read_csv(io.StringIO(SUMS_CSV), dtype=str, keep_default_na=False))
    lesions = study.lesions
    assert (lesions["lesion_id"] == "target_sum").all()
    assert (lesions["role"] == "target").all()
    assert (lesions["organ"] == "all targets").all()
    assert not lesions["lymph_node"].any()
    assert lesions["status"].tolist() == ["present", "present", "not_evaluable", "too_small", "not_evaluable",
                                          "absent"]
    np.testing.assert_array_equal(lesions["long_axis_mm"], [52.0, 41.5, np.nan, np.nan, np.nan, 0.0])
    assert lesions["note"].tolist() == ["", "", "", "", "empty value", ""]
    assert study.missing_components == frozenset({"non_target", "new"})


def test_sum_only_table_with_components_has_none_missing():
    table = pd.DataFrame({"patient_id": ["S1", "S1"], "day": [-5, 40], "target_sum_mm": [52, 41],
                          "new_lesions": [False, True], "non_target": ["present", "unequivocal_progression"]})
    study = load_study(table)
    assert study.missing_components == frozenset()
    rows = study.lesions[["day", "lesion_id", "role", "status"]].values.tolist()
    assert rows == [
        [-5, "new_lesions", "new", "absent"], [-5, "non_target", "non_target", "present"],
        [-5, "target_sum", "target", "present"],
        [40, "new_lesions", "new", "present"], [40, "non_target", "non_target", "unequivocal_progression"],
        [40, "target_sum", "target", "present"],
    ]
    assert study.lesions["source_row"].tolist() == [2, 2, 2, 3, 3, 3]


def test_identical_duplicate_sum_rows_keep_one_and_report_the_other():
    table = pd.read_csv(io.StringIO(SUMS_CSV + "S1,40,41.5\n"), dtype=str, keep_default_na=False)
    with pytest.raises(InputError, match="identical duplicate of row 3"):
        load_study(table)
    study = load_study(table, on_invalid="exclude")
    assert study.excluded[["source_row", "patient_id"]].values.tolist() == [[8, "S1"]]
    assert 3 in set(study.lesions["source_row"])


def test_conflicting_duplicate_sum_rows_are_both_excluded():
    table = pd.read_csv(io.StringIO(SUMS_CSV + "S1,40,12\n"), dtype=str, keep_default_na=False)
    study = load_study(table, on_invalid="exclude")
    assert study.excluded["source_row"].tolist() == [3, 8]
    assert study.excluded["reason"].str.startswith("conflicting duplicate: rows 3, 8 give different values "
                                                   "(41.5 mm, 12 mm)").all()
    assert 40 not in set(study.lesions["day"])


def test_patient_key_joins_columns_into_patient_id():
    table = pd.DataFrame({"study": ["A", "A", "B", "B"], "patient": ["1", "1", "1", "1"],
                          "day": [-1, 40, -2, 41], "target_sum_mm": [50, 40, 30, 35]})
    study = load_study(table, column_map={"patient": "patient_id"}, patient_key=("study", "patient_id"))
    assert sorted(study.lesions["patient_id"].unique()) == ["A:1", "B:1"]
    assert study.patients["study"].tolist() == ["A", "B"]


def test_repeated_patient_id_across_studies_is_reported():
    table = pd.DataFrame({"study": ["A", "A", "B", "B"], "patient_id": ["1", "1", "1", "1"],
                          "day": [-1, 40, -2, 41], "target_sum_mm": [50, 40, 30, 35]})
    with pytest.raises(InputError, match=r"patient 1 has several values of the patient-level column study "
                                         r"\(A, B\)"):
        load_study(table)


def test_unused_columns_are_named_in_a_warning():
    table = pd.read_csv(io.StringIO(SUMS_CSV), dtype=str, keep_default_na=False)
    table["comment"] = list("abcdef")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_study(table)
    assert any(issubclass(w.category, UnusedColumnWarning) and "comment" in str(w.message) for w in caught)


def test_optional_spec_columns_follow_the_contract_columns():
    # spec/anatomic.md 0.1: increase_since_previous (iRECIST) and merged_into (provenance) are optional.
    table = _table()
    table["increase_since_previous"] = ["", "", "", "", "", "yes", "", "no", "", "", ""]
    table["merged_into"] = ["", "", "", "", "", "", "", "", "", "", ""]
    lesions = load_study(table).lesions
    assert list(lesions.columns) == [*CONTRACT, "increase_since_previous", "merged_into"]
    stated = lesions.set_index("source_row")["increase_since_previous"]
    assert (stated[7], stated[9], stated[2]) == (True, False, None)


def test_empty_table_is_an_input_error():
    with pytest.raises(InputError, match="the table has no rows"):
        load_study(pd.DataFrame({"patient_id": [], "day": [], "target_sum_mm": []}))


def test_every_row_excluded_gives_an_empty_contract_table():
    table = pd.DataFrame({"patient_id": ["P", "P"], "day": ["x", "y"], "target_sum_mm": [50, 40]})
    study = load_study(table, on_invalid="exclude")
    assert list(study.lesions.columns) == list(CONTRACT)
    assert study.lesions.empty
    assert study.excluded["source_row"].tolist() == [2, 3]


def test_optional_pattern_columns_are_kept_on_lesion_rows(tmp_path):
    # spec/patterns.md 0.5: side, pattern, timepoint_label, suvmax, sulpeak are optional lesion columns.
    path = tmp_path / "lesions.csv"
    path.write_text(
        "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status,side,pattern,"
        "timepoint_label,suvmax\n"
        "P1,-40,T1,target,liver,false,30,,present,right,,prebaseline,6.5\n"
        "P1,-7,T1,target,liver,false,32,,present,right,,baseline,7.1\n"
        "P1,56,T1,target,liver,false,20,,present,right,,,4.0\n"
        "P1,56,U1,new,lymph node,true,,12,present,bilateral,symmetric_hilar,,5.0\n"
    )
    lesions = load_study(path).lesions
    assert lesions["side"].tolist() == ["right", "right", "right", "bilateral"]
    assert lesions["timepoint_label"].iloc[0] == "prebaseline"
    assert lesions["suvmax"].tolist() == [6.5, 7.1, 4.0, 5.0]


def test_non_numeric_suvmax_is_located(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text(
        "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status,suvmax\n"
        "P1,-7,T1,target,liver,false,32,present,7.1\n"
        "P1,56,T1,target,liver,false,20,present,high\n"
    )
    with pytest.raises(InputError, match=r"lesions.csv, row 3, column suvmax: 'high' is not a number"):
        load_study(path)


def test_contract_headers_in_another_spelling_and_guideline_wording(tmp_path):
    # "Patient_ID", "Long Axis mm"... are the contract's columns; "Too small to measure" is RECIST 1.1
    # sec. 4.3.2's wording of status too_small.
    path = tmp_path / "lesions.csv"
    path.write_text(
        "Patient_ID,Day,Lesion_ID,Role,Organ,Lymph Node,Long-Axis mm,Status\n"
        "P1,-7,T1,Target,liver,No,40,Present\n"
        "P1,56,T1,target,liver,no,,Too small to measure\n"
    )
    lesions = load_study(path).lesions
    assert lesions["status"].tolist() == ["present", "too_small"]
    assert lesions["long_axis_mm"].iloc[0] == 40.0


def test_two_headers_with_the_same_contract_spelling_are_left_alone(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text(
        "patient_id,day,lesion_id,role,organ,lymph_node,Status,STATUS\n"
        "P1,-7,T1,target,liver,false,present,present\n"
    )
    with pytest.raises(InputError, match="status"):
        load_study(path)


# Reading files as the user sees them (io.tables rules; STYLE.md 5): file rows, one column per name,
# one sheet per table, UTF-8 text.
SMALL_CSV = """patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status
P1,-7,T1,target,liver,false,40,present
P1,56,T1,target,liver,false,28,present
"""


def test_blank_and_all_empty_rows_are_skipped_and_rows_keep_their_file_line(tmp_path):
    lines = SMALL_CSV.strip().split("\n")
    path = tmp_path / "lesions.csv"
    path.write_text("\n".join([lines[0], lines[1], "", ",,,,,,,", lines[2], ""]) + "\n")
    lesions = load_study(path).lesions
    assert lesions["source_row"].tolist() == [2, 5]


def test_blank_excel_row_keeps_the_excel_row_numbers(tmp_path):
    pytest.importorskip("openpyxl")
    table = pd.read_csv(io.StringIO(SMALL_CSV))
    gap = pd.DataFrame([[None] * len(table.columns)], columns=table.columns)
    pd.concat([table.iloc[[0]], gap, table.iloc[[1]]]).to_excel(tmp_path / "lesions.xlsx", index=False)
    assert load_study(tmp_path / "lesions.xlsx").lesions["source_row"].tolist() == [2, 4]


def test_a_row_with_more_fields_than_the_header_is_refused_naming_its_line(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text(SMALL_CSV.replace("28,present", "28,present,"))
    with pytest.raises(InputError, match=r"lesions.csv: .*Expected 8 fields in line 3, saw 9"):
        load_study(path)


def test_two_spellings_of_one_column_are_refused_naming_both_positions(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text(SMALL_CSV.replace(",status", ",Status").replace("present\n", "present,present\n")
                    .replace("long_axis_mm,Status", "long_axis_mm,Status,status"))
    with pytest.raises(InputError, match=r'column status: the table has column status 2 times \(header '
                                         r'columns 8 \("Status"\), 9 \("status"\)\)'):
        load_study(path)


def test_column_map_onto_an_existing_column_is_refused():
    table = _table().rename(columns={"organ": "site"})
    with pytest.raises(InputError, match=r'column lesion_id 2 times \(header columns 3 \("lesion_id"\), '
                                         r'5 \("site"\)\)'):
        load_study(table, column_map={"site": "lesion_id"})


def test_file_not_in_utf8_names_the_line_the_byte_and_the_way_out(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_bytes(SMALL_CSV.replace("liver", "foie-é", 2).encode("cp1252"))
    with pytest.raises(InputError, match=r"lesions.csv: the file is not UTF-8 text: line 2 has the byte 0xE9 "
                                         r"\('é' in Windows-1252.*\); save the file as UTF-8 .*CSV UTF-8"):
        load_study(path)


def test_semicolon_delimited_file_says_the_delimiter(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text(SMALL_CSV.replace(",", ";").replace("40", "40,5"))  # decimal commas: more fields
    with pytest.raises(InputError, match='the header is one column, "patient_id;day;.*": the delimiter looks '
                                         'like ";"'):
        load_study(path)


def test_workbook_with_one_sheet_of_data_and_an_empty_sheet_is_read(tmp_path):
    pytest.importorskip("openpyxl")
    path = tmp_path / "lesions.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="notes")
        pd.read_csv(io.StringIO(SMALL_CSV)).to_excel(writer, sheet_name="lesions", index=False)
    assert load_study(path).lesions["source_row"].tolist() == [2, 3]


def test_sheet_chooses_one_of_several_sheets_and_names_it_in_messages(tmp_path):
    pytest.importorskip("openpyxl")
    path = tmp_path / "lesions.xlsx"
    table = pd.read_csv(io.StringIO(SMALL_CSV))
    with pd.ExcelWriter(path) as writer:
        table.to_excel(writer, sheet_name="reader1", index=False)
        table.assign(patient_id="P2", status=["present", "gone"]).to_excel(writer, sheet_name="reader2",
                                                                          index=False)
    with pytest.raises(InputError, match=r"2 sheets with data \(reader1, reader2\).*--sheet NAME"):
        load_study(path)
    assert set(load_study(path, sheet="reader1").lesions["patient_id"]) == {"P1"}
    with pytest.raises(InputError, match=r"lesions.xlsx, sheet reader2, row 3, column status"):
        load_study(path, sheet="reader2")
    with pytest.raises(InputError, match=r"no sheet 'reader3'; the workbook has: reader1, reader2"):
        load_study(path, sheet="reader3")


def test_sheet_of_a_csv_file_is_refused(tmp_path):
    path = tmp_path / "lesions.csv"
    path.write_text(SMALL_CSV)
    with pytest.raises(InputError, match=r"a sheet \('lesions'\) is chosen but the input is not an Excel"):
        load_study(path, sheet="lesions")


@pytest.mark.parametrize(("column", "old", "new", "expected"), [
    ("role", "T1,target,liver,false,28", "T1,,liver,false,28", '"target", "non_target", "new"'),
    ("status", "28,present", "28,", '"present", "absent"'),
])
def test_empty_role_or_status_is_named_with_the_values_expected(tmp_path, column, old, new, expected):
    path = tmp_path / "lesions.csv"
    path.write_text(SMALL_CSV.replace(old, new))
    with pytest.raises(InputError, match=rf"lesions.csv, row 3, column {column}: empty; expected {expected}"):
        load_study(path)


def test_empty_patient_of_a_sum_only_table_is_named():
    table = pd.read_csv(io.StringIO(SUMS_CSV.replace("S1,40,", ",40,")), dtype=str, keep_default_na=False)
    with pytest.raises(InputError, match=r"<table>, row 3, column patient_id: empty; expected the patient"):
        load_study(table)


def test_absent_optional_boolean_takes_its_default_but_an_empty_required_one_is_refused():
    lesions = load_study(_table()).lesions  # no `equivocal` column: every new lesion unequivocal (spec 0.1)
    assert not lesions["equivocal"].any()
    table = _table()
    table.loc[0, "lymph_node"] = ""
    with pytest.raises(InputError, match=r"row 2, column lymph_node: empty; expected true or false"):
        load_study(table)
