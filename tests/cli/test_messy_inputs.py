"""Messy real-world files given to the command line: what a user's table looks like before it is clean.

The rules (README "Command line", spec/anatomic.md 0.1-0.4, spec/metabolic.md 1.1): bad input stops with
a located message (file, row as the user sees it, header = row 1, column, what was expected) and exit
code 2, never a traceback; accepted input is used as given, each row used or listed in excluded.csv with
its reason; unit mix-ups, dates out of order, duplicate lesion ids and a missing baseline are caught.
The cases here are not those of tests/cli/test_bad_input.py, tests/io/test_validate.py or
tests/io/test_tables.py. Every expectation follows from the rules, not from the code's output.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from _cli import (
    GOOD,
    HEADER,
    PET,
    ROWS,
    SDTM_TR,
    assert_accepted,
    assert_refused,
    assess,
    cli,
    flat,
    sdtm_folder,
    write,
)

# The same assessments dated: treatment start 2021-03-10, so 2021-03-03 is day -7 and 2021-05-05 day 56.
DATED = GOOD.replace("day", "date", 1).replace(",-7,", ",2021-03-03,").replace(",56,", ",2021-05-05,")
START = "patient_id,treatment_start\nP1,2021-03-10\n"



def out_table(tmp_path, name):
    """An output CSV of assess, text columns read as text (patient ids like 007 stay 007)."""
    return pd.read_csv(tmp_path / "out" / f"{name}.csv", dtype={"patient_id": str, "lesion_id": str})


def only_timepoint(tmp_path):
    timepoints = out_table(tmp_path, "timepoints")
    assert len(timepoints) == 1, timepoints
    return timepoints.iloc[0]


def sums_and_call(tmp_path):
    timepoint = only_timepoint(tmp_path)
    return timepoint["baseline_sum"], timepoint["current_sum"], timepoint["overall_response"]


def good_frame(text=GOOD):
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


# ---------------------------------------------------------------------------------------------
# Dates and days


def test_mixed_date_formats_name_every_non_iso_row_and_only_those(tmp_path):
    text = (DATED.replace("P1,2021-05-05,T1", "P1,2021/05/05,T1")
            .replace("P1,2021-05-05,NT1", "P1,5 May 2021,NT1"))
    patients = write(tmp_path, START, "patients.csv")
    result = assess(tmp_path, write(tmp_path, text), "--patients", patients)
    message = assert_refused(result, "lesions.csv, rows 4, 5, column date", "'2021/05/05' is not an ISO date")
    assert "rows 2" not in message  # the ISO rows are not blamed


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_dates_stored_as_date_cells_give_the_days_from_the_treatment_start(tmp_path, suffix):
    if suffix == ".xlsx":
        pytest.importorskip("openpyxl")
    table = good_frame(DATED)
    table["date"] = pd.to_datetime(table["date"])
    table["long_axis_mm"] = pd.to_numeric(table["long_axis_mm"])
    table["short_axis_mm"] = pd.to_numeric(table["short_axis_mm"])
    path = tmp_path / f"lesions{suffix}"
    if suffix == ".xlsx":
        table.to_excel(path, index=False)
    else:
        table.to_parquet(path)
    patients = write(tmp_path, START, "patients.csv")
    assert_accepted(assess(tmp_path, path, "--patients", patients, "--format", "csv"))
    lesions = out_table(tmp_path, "lesions").sort_values("source_row")
    assert lesions["date"].tolist() == ["2021-03-03", "2021-03-03", "2021-05-05", "2021-05-05"]
    assert lesions["day"].tolist() == [-7, -7, 56, 56]
    assert sums_and_call(tmp_path) == (40, 28, "PR")


def test_excel_date_shown_as_a_serial_number_is_located_at_its_excel_row(tmp_path):
    pytest.importorskip("openpyxl")
    table = good_frame(DATED).astype(object)
    table.loc[2, "date"] = 44321  # Excel row 4: the serial number of 2021-05-05 in a "General" cell
    table.to_excel(tmp_path / "lesions.xlsx", index=False)
    patients = write(tmp_path, START, "patients.csv")
    result = assess(tmp_path, tmp_path / "lesions.xlsx", "--patients", patients)
    assert_refused(result, "lesions.xlsx, row 4, column date", "44321", "ISO date")


@pytest.mark.parametrize("day", ["BL", "56.5", "8w"])
def test_a_day_that_is_not_a_whole_number_of_days_is_located(tmp_path, day):
    text = GOOD.replace("P1,56,T1", f"P1,{day},T1")  # file row 4
    assert_refused(assess(tmp_path, write(tmp_path, text)), "lesions.csv, row 4, column day", repr(day))


def test_pet_date_and_day_that_contradict_are_refused(tmp_path):
    # 2021-03-05 is day -5, so day 56 is 2021-05-05; row 3 says 2021-09-01.
    text = (PET.replace("patient_id,day,", "patient_id,date,day,")
            .replace("P1,-5,", "P1,2021-03-05,-5,").replace("P1,56,", "P1,2021-09-01,56,"))
    result = assess(tmp_path, write(tmp_path, text, "pet.csv"), "--criteria", "percist")
    message = assert_refused(result, "pet.csv, row")
    assert "column date" in message or "column day" in message


def test_pet_day_month_year_date_is_located(tmp_path):
    text = (PET.replace("patient_id,day,", "patient_id,date,")
            .replace("P1,-5,", "P1,2021-03-05,").replace("P1,56,", "P1,05/05/2021,"))
    patients = write(tmp_path, START, "patients.csv")
    path = write(tmp_path, text, "pet.csv")
    result = assess(tmp_path, path, "--criteria", "percist", "--patients", patients)
    assert_refused(result, "pet.csv, row 3, column date")


# ---------------------------------------------------------------------------------------------
# Roles and lesion ids


@pytest.mark.parametrize("role", ["non_target", "new"])
def test_baseline_target_relabelled_at_a_follow_up_is_refused(tmp_path, role):
    # spec 0.2: target and non_target are fixed at baseline; a baseline lesion cannot become new.
    text = GOOD.replace("P1,56,T1,target", f"P1,56,T1,{role}")  # file row 4
    result = assess(tmp_path, write(tmp_path, text))
    assert_refused(result, "lesions.csv, row 4, column role", "T1", '"target" at baseline')


def test_lesion_id_differing_only_in_case_is_another_lesion_not_silently_folded(tmp_path):
    # "t1" at the follow-up is not T1: a lesion first seen at a follow-up must be new (spec 0.2).
    text = GOOD.replace("P1,56,T1,", "P1,56,t1,")  # file row 4
    assert_refused(assess(tmp_path, write(tmp_path, text)), "lesions.csv, row 4, column role", "t1")


def test_pet_lesion_that_changes_role_between_scans_is_refused(tmp_path):
    # spec/metabolic.md 1.3: a role is fixed at baseline.
    text = PET.replace("P1,56,L1,target", "P1,56,L1,non_target")
    result = assess(tmp_path, write(tmp_path, text, "pet.csv"), "--criteria", "percist")
    assert_refused(result, "pet.csv, row", "column role", "L1")


# ---------------------------------------------------------------------------------------------
# Booleans, sizes and numbers


@pytest.mark.parametrize(("yes", "no"), [("yes", "no"), ("1", "0"), ("TRUE", "FALSE"), ("Y", "N")])
def test_lymph_node_spellings_are_read_and_the_node_is_measured_by_its_short_axis(tmp_path, yes, no):
    text = HEADER + (
        f"P1,-7,N1,target,lymph node,{yes},30,20,present\n"
        f"P1,-7,NT1,non_target,bone,{no},,,present\n"
        f"P1,56,N1,target,lymph node,{yes},29,14,present\n"
        f"P1,56,NT1,non_target,bone,{no},,,present\n"
    )
    assert_accepted(assess(tmp_path, write(tmp_path, text), "--format", "csv"))
    lesions = out_table(tmp_path, "lesions")
    assert lesions.set_index(["lesion_id", "day"])["lymph_node"].to_dict() == {
        ("N1", -7): True, ("N1", 56): True, ("NT1", -7): False, ("NT1", 56): False}
    # short axes 20 -> 14 mm: -30.00%, PR; the long axes (30 -> 29) would give SD
    assert sums_and_call(tmp_path) == (20, 14, "PR")


@pytest.mark.parametrize("cell", ["12 mm", "1.2 cm", "28mm", "<5", "~28"])
def test_size_with_a_unit_or_sign_in_the_cell_is_located_not_parsed(tmp_path, cell):
    text = GOOD.replace("P1,56,T1,target,liver,false,28,", f"P1,56,T1,target,liver,false,{cell},")
    result = assess(tmp_path, write(tmp_path, text))
    assert_refused(result, "lesions.csv, row 4, column long_axis_mm", f"{cell!r} is not a number")


def test_size_with_a_thousands_separator_is_located_not_reinterpreted(tmp_path):
    text = GOOD.replace("liver,false,40,", 'liver,false,"1,040",')  # file row 2
    result = assess(tmp_path, write(tmp_path, text))
    assert_refused(result, "lesions.csv, row 2, column long_axis_mm", "'1,040' is not a number")


def test_pet_tlg_with_a_thousands_separator_is_located(tmp_path):
    text = (PET.replace(",sulpeak,", ",sulpeak,tlg,").replace(",8.0,", ",8.0,950.5,")
            .replace(",5.6,", ',5.6,"1,234.5",'))
    result = assess(tmp_path, write(tmp_path, text, "pet.csv"), "--criteria", "percist")
    assert_refused(result, "pet.csv, row 3, column tlg", "'1,234.5' is not a number")


def test_parquet_with_sizes_and_days_stored_as_text_keeps_the_values(tmp_path):
    table = good_frame(GOOD.replace(",28,", ",28.5,"))  # every column str; empty cells ""
    table["short_axis_mm"] = None
    table.to_parquet(tmp_path / "lesions.parquet")
    assert_accepted(assess(tmp_path, tmp_path / "lesions.parquet", "--format", "csv"))
    lesions = out_table(tmp_path, "lesions")
    target = lesions[lesions["lesion_id"] == "T1"].sort_values("day")
    assert target["long_axis_mm"].tolist() == [40.0, 28.5]
    assert target["day"].tolist() == [-7, 56]
    assert only_timepoint(tmp_path)["current_sum"] == 28.5


def test_parquet_size_with_a_unit_in_the_text_is_located_at_its_csv_row(tmp_path):
    table = good_frame()
    table.loc[2, "long_axis_mm"] = "28 mm"  # data row 3 = row 4 as if written to CSV
    table.to_parquet(tmp_path / "lesions.parquet")
    result = assess(tmp_path, tmp_path / "lesions.parquet")
    assert_refused(result, "lesions.parquet, row 4, column long_axis_mm", "'28 mm' is not a number")


def test_sum_only_table_in_centimetres_names_the_users_sum_column(tmp_path):
    # 4.5 and 3.1 "mm" for whole target sums: below 10 with decimals, i.e. centimetres (STYLE.md 5).
    path = write(tmp_path, "patient_id,day,target_sum_mm\nA,-3,4.5\nA,56,3.1\n", "sums.csv")
    assert_refused(assess(tmp_path, path), "sums.csv, rows 2, 3, column target_sum_mm", "centimetres")


def test_sum_only_table_with_an_empty_new_lesions_cell_is_refused_not_read_as_no(tmp_path):
    # Non-negotiable 3: an empty new_lesions cell does not say "no new lesion"; reading it so would change
    # a call silently (a new lesion is RECIST PD, Table 1). The column left out is "not given" instead.
    text = "patient_id,day,target_sum_mm,new_lesions\nA,-3,50,false\nA,56,40,\nA,112,38,true\n"
    path = write(tmp_path, text, "sums.csv")
    assert_refused(assess(tmp_path, path), "sums.csv, row 3, column new_lesions: empty")
    without = write(tmp_path, "patient_id,day,target_sum_mm\nA,-3,50\nA,56,40\n", "sums2.csv")
    assert_accepted(assess(tmp_path, without))


# ---------------------------------------------------------------------------------------------
# Patient ids and whitespace


def test_patient_ids_with_leading_zeros_stay_text_in_every_output(tmp_path):
    text = GOOD.replace("P1,", "007,") + "".join(row.replace("P1,", "0042,") + "\n" for row in ROWS)
    assert_accepted(assess(tmp_path, write(tmp_path, text)))
    for name in ("lesions", "timepoints", "best_response"):
        assert set(out_table(tmp_path, name)["patient_id"]) == {"007", "0042"}, name
        parquet = pd.read_parquet(tmp_path / "out" / f"{name}.parquet")
        assert set(parquet["patient_id"]) == {"007", "0042"}, name


def test_explain_finds_a_leading_zero_patient_after_a_csv_only_assess(tmp_path):
    assert_accepted(assess(tmp_path, write(tmp_path, GOOD.replace("P1,", "007,")), "--format", "csv"))
    result = cli("explain", tmp_path / "out", "007")
    assert_accepted(result)
    assert "Patient 007" in flat(result)


def test_leading_zero_patient_joins_the_patient_table_as_text(tmp_path):
    lesions = write(tmp_path, DATED.replace("P1,", "007,"))
    patients = write(tmp_path, START.replace("P1,", "007,"), "patients.csv")
    assert_accepted(assess(tmp_path, lesions, "--patients", patients, "--format", "csv"))
    table = out_table(tmp_path, "lesions").sort_values("source_row")
    assert set(table["patient_id"]) == {"007"} and table["day"].tolist() == [-7, -7, 56, 56]
    # a patient table whose ids lost their zeros (7) gives 007 no treatment start: located, not guessed
    write(tmp_path, START.replace("P1,", "7,"), "patients.csv")
    result = assess(tmp_path, lesions, "--patients", patients)
    assert_refused(result, "lesions.csv, rows 2-5, column treatment_start", "007")


def test_pet_patient_id_with_leading_zeros_stays_text(tmp_path):
    path = write(tmp_path, PET.replace("P1,", "007,"), "pet.csv")
    assert_accepted(assess(tmp_path, path, "--criteria", "percist", "--format", "csv"))
    assert set(out_table(tmp_path, "timepoints")["patient_id"]) == {"007"}
    assert set(out_table(tmp_path, "best_response")["patient_id"]) == {"007"}


def test_whitespace_around_values_does_not_make_another_patient_or_lesion(tmp_path):
    text = HEADER + (
        " P1 , -7 , T1 ,target , liver,false, 40 ,,present \n"
        "P1 ,-7, NT1, non_target,bone , false,,, present\n"
        " P1,56,T1 , target,liver , FALSE ,28 , ,present\n"
        "P1, 56 ,NT1 ,non_target , bone,false ,, ,present\n"
    )
    assert_accepted(assess(tmp_path, write(tmp_path, text), "--format", "csv"))
    lesions = out_table(tmp_path, "lesions")
    assert set(lesions["patient_id"]) == {"P1"} and set(lesions["lesion_id"]) == {"T1", "NT1"}
    assert sums_and_call(tmp_path) == (40, 28, "PR")


# ---------------------------------------------------------------------------------------------
# Excel workbooks as people make them


def test_excel_title_row_merged_above_the_header_is_refused_naming_the_columns_expected(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Study X: lesion measurements (mm)"])
    sheet.merge_cells("A1:I1")
    sheet.append(HEADER.strip().split(","))
    for row in ROWS:
        sheet.append([int(v) if v.lstrip("-").isdigit() else (v or None) for v in row.split(",")])
    book.save(tmp_path / "lesions.xlsx")
    assert_refused(assess(tmp_path, tmp_path / "lesions.xlsx"), "lesions.xlsx", "lesion_id")


def test_excel_formula_without_a_computed_value_is_located_at_its_cell(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    for row in ROWS:
        sheet.append([int(v) if v.lstrip("-").isdigit() else (v or None) for v in row.split(",")])
    sheet["G4"] = "=G2*0.7"  # never opened in Excel: the file holds the formula, not its value
    book.save(tmp_path / "lesions.xlsx")
    result = assess(tmp_path, tmp_path / "lesions.xlsx")
    assert_refused(result, "lesions.xlsx, row 4, column long_axis_mm")


# ---------------------------------------------------------------------------------------------
# SDTM folders


def test_sdtm_two_different_measurements_of_one_lesion_at_one_visit_are_refused(tmp_path):
    tr = SDTM_TR + "S1,T01,LDIAM,31,31,mm,2021-05-02,57\n"  # TR row 6: T01 again on row 4's visit
    result = assess(tmp_path, sdtm_folder(tmp_path, tr=tr))
    assert_refused(result, "tr.csv, rows 4, 6", "T01")


def test_sdtm_identical_duplicate_tr_record_is_reported(tmp_path):
    tr = SDTM_TR + SDTM_TR.splitlines()[3] + "\n"  # TR row 6 repeats row 4
    result = assess(tmp_path, sdtm_folder(tmp_path, tr=tr))
    text = assert_refused(result, "tr.csv")
    assert re.search(r"tr\.csv, rows? (4, )?6\b", text), text


def test_sdtm_size_written_with_its_unit_in_trstresc_is_located(tmp_path):
    tr = SDTM_TR.replace("S1,T01,LDIAM,28,28,mm,", "S1,T01,LDIAM,28 mm,,mm,")  # TR row 4
    text = assert_refused(assess(tmp_path, sdtm_folder(tmp_path, tr=tr)), "tr.csv, row 4, column TRSTRES")
    assert "28 mm" in text.lower()


def test_sdtm_rs_call_on_a_date_without_tr_records_is_kept_and_not_matched_elsewhere(tmp_path):
    rs = ("USUBJID,RSTESTCD,RSSTRESC,RSDTC,RSDY\n"
          "S1,OVRLRESP,PR,2021-05-01,57\n"   # the TR follow-up (day 56)
          "S1,OVRLRESP,SD,2021-06-15,103\n")  # no TR record on this date (day 102)
    assert_accepted(assess(tmp_path, sdtm_folder(tmp_path, rs=rs), "--format", "csv"))
    recorded = out_table(tmp_path, "recorded").sort_values("source_row")
    assert recorded["recorded_response"].tolist() == ["PR", "SD"]
    assert recorded["date"].tolist() == ["2021-05-01", "2021-06-15"]
    pairs = out_table(tmp_path, "recorded_vs_computed").sort_values("day")
    assert pairs["day"].tolist() == [56, 102]
    assert pairs["computed_response"].tolist() == ["PR", "(no assessment)"]


def test_map_naming_a_missing_column_is_refused_for_an_sdtm_folder_too(tmp_path):
    result = assess(tmp_path, sdtm_folder(tmp_path), "--map", "SUBJ=patient_id")
    assert_refused(result, "SUBJ")


# ---------------------------------------------------------------------------------------------
# Patient tables, % change tables, excluded rows


def test_lesion_patient_missing_from_the_patient_table_is_located_in_the_lesion_file(tmp_path):
    p2 = "P2,2021-04-01,A1,target,lung,false,30,,present\nP2,2021-05-27,A1,target,lung,false,20,,present\n"
    patients = write(tmp_path, START, "patients.csv")  # P1 only
    result = assess(tmp_path, write(tmp_path, DATED + p2), "--patients", patients)
    assert_refused(result, "lesions.csv, rows 6, 7, column treatment_start", "P2")


def test_pct_change_day_that_is_not_whole_is_located(tmp_path):
    path = write(tmp_path, "patient_id,day,pct_change,baseline_size_mm\nA,0,0,50\nA,56.5,-40,50\n", "pct.csv")
    assert_refused(assess(tmp_path, path), "pct.csv, row 3, column day", "times in weeks: multiply them by 7")


def test_pct_change_baseline_size_in_cm_is_located_in_the_users_file(tmp_path):
    # 4.2 "mm" for a whole target sum: below 10 with decimals, i.e. centimetres (STYLE.md 5).
    text = "patient_id,day,pct_change,baseline_size_mm\nA,56,-10,4.2\nA,112,-20,4.2\n"
    result = assess(tmp_path, write(tmp_path, text, "pct.csv"))
    assert_refused(result, "pct.csv, rows 2, 3, column baseline_size_mm", "centimetres")


def test_exclude_invalid_accounts_for_every_row_and_keeps_the_others_unchanged(tmp_path):
    extra = [
        'P2,-3,A1,target,lung,false,"12 mm",,present',  # row 6: size with its unit
        "P2,-3,A2,target,lung,false,30,,present",
        "P2,49,A1,target,lung,false,10,,present",
        "P2,49,A2,target,lung,false,25,,present",
        "P3,14,B1,target,lung,false,30,,present",  # rows 10-11: no baseline
        "P3,70,B1,target,lung,false,20,,present",
    ]
    path = write(tmp_path, GOOD + "\n".join(extra) + "\n")
    assert_accepted(assess(tmp_path, path, "--exclude-invalid", "--format", "csv"))
    lesions, excluded = out_table(tmp_path, "lesions"), out_table(tmp_path, "excluded")
    kept, dropped = set(lesions["source_row"]), set(excluded["source_row"])
    assert kept | dropped == set(range(2, 12)) and not kept & dropped
    assert {6, 10, 11} <= dropped
    assert excluded["reason"].notna().all() and (excluded["reason"].str.len() > 0).all()
    assert excluded.set_index("source_row").loc[6, "column"] == "long_axis_mm"
    given = good_frame(path.read_text()).assign(source_row=range(2, 12)).set_index("source_row")
    for row in lesions.itertuples():
        assert (row.patient_id, row.lesion_id, row.day) == (
            given.loc[row.source_row, "patient_id"], given.loc[row.source_row, "lesion_id"],
            int(given.loc[row.source_row, "day"]))
        size = given.loc[row.source_row, "long_axis_mm"]
        assert (pd.isna(row.long_axis_mm) and size == "") or row.long_axis_mm == float(size)


def test_rs_calls_are_compared_with_the_criterion_their_rscat_names(tmp_path):
    # SDTM IG 6.3 RS: RSCAT names the response criteria. T01 40 -> 28 mm on day 56 (TRDY 57) is -30 %: PR
    # under RECIST 1.1 sec. 4.3.1 and iPR under iRECIST (no PD before). RS rows 2-5 on RSDY 57: the RECIST
    # 1.1 PR agrees; the iRECIST iSD is compared with the computed iPR (disagrees), not with RECIST's PR; a
    # category ioresponse does not assess (Lugano) and a value that is not a response (CHECK) are not
    # compared.
    rs = ("USUBJID,RSTESTCD,RSCAT,RSSTRESC,RSDY\n"
          "S1,OVRLRESP,RECIST 1.1,PR,57\nS1,OVRLRESP,iRECIST,iSD,57\nS1,OVRLRESP,Lugano,PR,57\n"
          "S1,OVRLRESP,RECIST 1.1,CHECK,57\n")
    folder = sdtm_folder(tmp_path, rs=rs)
    assert_accepted(assess(tmp_path, folder, "--criteria", "recist11,irecist", "--format", "csv"))
    pairs = pd.read_csv(tmp_path / "out" / "recorded_vs_computed.csv", keep_default_na=False)
    assert pairs[["criterion", "recorded_response", "computed_response", "agrees"]].values.tolist() == [
        ["irecist", "iSD", "iPR", False], ["recist11", "PR", "PR", True]]
    recorded = pd.read_csv(tmp_path / "out" / "recorded.csv", keep_default_na=False).set_index("source_row")
    assert recorded.loc[4, "criterion"] == "" and "RSCAT Lugano is not a criterion" in recorded.loc[4, "note"]
    assert recorded.loc[5, "recorded_response"] == "" and "not a response category" in recorded.loc[5, "note"]
