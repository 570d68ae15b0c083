"""Bad input given through the command line, as a user would give it.

The project's rule (STYLE.md 5-6, README "Command line", spec/anatomic.md 0.1-0.4, spec/metabolic.md
1.1-1.3): bad input stops with a located message (file, row as the user sees it in the file, column,
what was expected) and exit code 2, never a traceback; accepted input is never silently dropped or
changed. Every input here is a small file written into tmp_path; the header is row 1 of the file.

Tests marked xfail(strict=True) are suspected code bugs: the reason names the rule and what the code
does instead.
"""

from __future__ import annotations

import io

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

# ---------------------------------------------------------------------------------------------
# Files that cannot be read as a table


def test_file_that_does_not_exist_exits_2_naming_it(tmp_path):
    assert_refused(assess(tmp_path, tmp_path / "lesoins.csv"), "lesoins.csv", "file not found")


def test_header_only_file_exits_2(tmp_path):
    assert_refused(assess(tmp_path, write(tmp_path, HEADER)), "lesions.csv", "no rows")


@pytest.mark.parametrize("content", ["", "\n\n"], ids=["zero_bytes", "blank_lines"])
def test_empty_file_exits_2(tmp_path, content):
    assert_refused(assess(tmp_path, write(tmp_path, content)), "lesions.csv")


def test_latin1_encoded_csv_exits_2_naming_the_file(tmp_path):
    path = write(tmp_path, GOOD.replace("P1", "Pérez").encode("latin-1"))
    assert_refused(assess(tmp_path, path), "lesions.csv")


@pytest.mark.parametrize("name", ["lesions.parquet", "lesions.xlsx"])
def test_corrupt_binary_file_exits_2_naming_the_file(tmp_path, name):
    assert_refused(assess(tmp_path, write(tmp_path, GOOD, name)), name)


def test_semicolon_delimited_csv_exits_2_showing_the_header_it_read(tmp_path):
    # European Excel writes ";" separated CSV: one column whose name is the whole header.
    result = assess(tmp_path, write(tmp_path, GOOD.replace(",", ";")))
    assert_refused(result, "lesions.csv", "lesion_id", "patient_id;day;lesion_id")


def test_a_row_with_an_extra_field_exits_2_naming_its_line(tmp_path):
    text = GOOD + "P1,84,T1,target,liver,false,28,,present,oops\n"  # file line 6
    assert_refused(assess(tmp_path, write(tmp_path, text)), "lesions.csv", "line 6", "Expected 9 fields")


def test_trailing_comma_on_data_rows_is_not_blamed_on_the_role_column(tmp_path):
    text = HEADER + "".join(row + ",\n" for row in ROWS)
    result = assess(tmp_path, write(tmp_path, text))
    assert_refused(result, "lesions.csv")
    assert "column role" not in flat(result)


def test_blank_line_does_not_shift_the_reported_row(tmp_path):
    text = HEADER + ROWS[0] + "\n" + ROWS[1] + "\n\n" + ROWS[2].replace("present", "presnt") + "\n" + ROWS[3]
    assert_refused(assess(tmp_path, write(tmp_path, text + "\n")), "lesions.csv, row 5, column status")


def test_a_column_given_twice_in_the_header_exits_2(tmp_path):
    text = (HEADER.strip() + ",status\n"
            + "\n".join(row + "," + ("absent" if row.startswith("P1,56,T1") else "present") for row in ROWS)
            + "\n")
    assert_refused(assess(tmp_path, write(tmp_path, text)), "lesions.csv", "status")


def test_second_sheet_of_a_workbook_is_not_silently_ignored(tmp_path):
    pytest.importorskip("openpyxl")
    table = pd.read_csv(io.StringIO(GOOD))
    path = tmp_path / "lesions.xlsx"
    with pd.ExcelWriter(path) as writer:
        table.to_excel(writer, sheet_name="reader1", index=False)
        table.assign(patient_id="P2").to_excel(writer, sheet_name="reader2", index=False)
    result = assess(tmp_path, path)
    assert result.exit_code == 2 or "reader2" in flat(result), flat(result)


# ---------------------------------------------------------------------------------------------
# Encodings and spellings that are acceptable: nothing may change


def test_bom_and_windows_line_endings_are_read_unchanged(tmp_path):
    path = write(tmp_path, ("\ufeff" + GOOD.replace("\n", "\r\n")).encode("utf-8"))
    assert_accepted(assess(tmp_path, path, "--format", "csv"))
    lesions = pd.read_csv(tmp_path / "out" / "lesions.csv", dtype={"patient_id": str})
    assert lesions.columns[0] == "patient_id"  # no BOM glued to the first header
    assert set(lesions["patient_id"]) == {"P1"} and set(lesions["status"]) == {"present"}
    timepoint = pd.read_csv(tmp_path / "out" / "timepoints.csv").iloc[0]
    # 40 -> 28 mm: (28 - 40) / 40 = -30.00%: PR (RECIST 1.1 sec. 4.3.1, <= -30%)
    sums = (timepoint["baseline_sum"], timepoint["current_sum"], timepoint["overall_response"])
    assert sums == (40, 28, "PR")


def test_accented_patient_id_is_kept_byte_for_byte(tmp_path):
    path = write(tmp_path, GOOD.replace("P1", "Pérez-Ñ1"))
    assert_accepted(assess(tmp_path, path, "--format", "csv"))
    for table in ("timepoints.csv", "best_response.csv", "lesions.csv"):
        frame = pd.read_csv(tmp_path / "out" / table, encoding="utf-8")
        assert set(frame["patient_id"]) == {"Pérez-Ñ1"}, table


# ---------------------------------------------------------------------------------------------
# Cell values: located row and column, what was expected


def test_decimal_comma_is_located_and_not_reinterpreted(tmp_path):
    path = write(tmp_path, GOOD.replace("liver,false,40,", 'liver,false,"40,5",'))
    result = assess(tmp_path, path)
    assert_refused(result, "lesions.csv, row 2, column long_axis_mm", "'40,5' is not a number")


def test_sizes_in_cm_exit_2_and_warn_implausible_keeps_them_unchanged(tmp_path):
    # 4.0 and 2.8: every size below 10 and some with decimals -> centimetres (STYLE.md 5).
    path = write(tmp_path, GOOD.replace(",40,", ",4.0,").replace(",28,", ",2.8,"))
    assert_refused(assess(tmp_path, path), "lesions.csv", "rows 2, 4", "column long_axis_mm", "centimetres")
    # a 4.0 "mm" target is also below the 10 mm measurability minimum (RECIST 1.1 sec. 3.1.1): warn too
    result = assess(tmp_path, path, "--warn-implausible", "--option", "on_baseline_violation=warn",
                    "--format", "csv")
    assert_accepted(result)
    assert "centimetres" in flat(result)  # the warning is printed, the values are kept as given
    lesions = pd.read_csv(tmp_path / "out" / "lesions.csv")
    assert sorted(lesions["long_axis_mm"].dropna()) == [2.8, 4.0]


def test_one_patient_in_cm_among_patients_in_mm_is_caught(tmp_path):
    p2 = ["P2,-3,A1,target,lung,false,4.2,,present", "P2,50,A1,target,lung,false,2.6,,present"]
    path = write(tmp_path, GOOD + "\n".join(p2) + "\n")  # P2 on rows 6-7
    assert_refused(cli("validate", path), "lesions.csv", "rows 6, 7", "centimetres")


# One follow-up written in cm among mm (STYLE.md 5, io.validate.check_assessment_cm_sizes): every size that
# day is below 10 with decimals and each lesion is 1/20 to 1/5 of its previous size. Read as mm, T1 40.5 ->
# 4.1 and T2 22 -> 2.3 would be -89.8 %, a PR (RECIST 1.1 sec. 4.3.1) that never happened.
CM_VISITS = HEADER + "\n".join([
    "P1,-7,T1,target,liver,false,40.5,,present", "P1,-7,T2,target,lung,false,22,,present",  # rows 2-3
    "P1,56,T1,target,liver,false,4.1,,present", "P1,56,T2,target,lung,false,2.3,,present",  # rows 4-5
    "P1,112,T1,target,liver,false,3.9,,present", "P1,112,T2,target,lung,false,2.1,,present",  # rows 6-7
    "P1,112,N1,new,bone,false,,,present",  # row 8: a new lesion without a size does not hide the rest
    "P1,168,T1,target,liver,false,38,,present", "P1,168,T2,target,lung,false,20,,present",  # rows 9-10
]) + "\n"


def test_follow_ups_in_cm_among_mm_are_caught_each_with_its_rows(tmp_path):
    result = cli("validate", write(tmp_path, CM_VISITS))
    assert_refused(result, "lesions.csv, rows 4, 5, column long_axis_mm", "patient P1 on day 56",
                   "centimetres", "T1 4.1 after 40.5")
    # day 112 is compared with the last size in mm (40.5), not with day 56's 4.1 (the same tenth)
    assert "rows 6, 7, column long_axis_mm: sizes of patient P1 on day 112" in flat(result)
    assert "day 168" not in flat(result)


def test_follow_ups_in_cm_kept_as_given_with_warn_implausible(tmp_path):
    result = assess(tmp_path, write(tmp_path, CM_VISITS), "--warn-implausible", "--format", "csv")
    assert_accepted(result)
    assert "centimetres" in flat(result)
    lesions = pd.read_csv(tmp_path / "out" / "lesions.csv")
    assert lesions.loc[lesions["day"] == 56, "long_axis_mm"].tolist() == [4.1, 2.3]


def test_follow_ups_in_cm_are_excluded_with_their_reason(tmp_path):
    result = assess(tmp_path, write(tmp_path, CM_VISITS), "--exclude-invalid", "--format", "csv")
    assert_accepted(result)
    excluded = pd.read_csv(tmp_path / "out" / "excluded.csv")
    assert sorted(excluded["source_row"]) == [4, 5, 6, 7, 8]
    assert excluded["reason"].str.contains("look like centimetres").all()


@pytest.mark.parametrize("day56, day112", [
    (("14", "9.5"), ("6.5", "3.0")),  # T1 40 -> 14 -> 6.5, T2 22 -> 9.5 -> 3.0: deep, but over two scans
    (("38.5", "21"), ("3.8", "9")),  # T1 38.5 -> 3.8 is a tenth, T2 21 -> 9 is not: not every lesion
], ids=["gradual_response", "one_lesion_only"])
def test_a_real_response_in_mm_is_not_read_as_centimetres(tmp_path, day56, day112):
    rows = ["P1,-7,T1,target,liver,false,40,,present", "P1,-7,T2,target,lung,false,22,,present"]
    for day, (t1, t2) in ((56, day56), (112, day112)):
        rows += [f"P1,{day},T1,target,liver,false,{t1},,present",
                 f"P1,{day},T2,target,lung,false,{t2},,present"]
    assert_accepted(cli("validate", write(tmp_path, HEADER + "\n".join(rows) + "\n")))


def test_a_percent_change_table_is_not_read_as_centimetres(tmp_path):
    # 64 mm at baseline, -89.5 % on day 56: a sum of 6.72 mm computed from the change, not written in cm
    table = "patient_id,day,pct_change,baseline_size_mm\nP1,0,0,64\nP1,56,-89.5,64\n"
    assert_accepted(cli("validate", write(tmp_path, table)))


def test_size_column_named_in_cm_exits_2_naming_the_mm_column(tmp_path):
    path = write(tmp_path, GOOD.replace("long_axis_mm", "long_axis_cm", 1))
    assert_refused(assess(tmp_path, path), "lesions.csv", "column long_axis_mm", "missing measurement")


def test_same_lesion_id_for_two_organs_at_one_visit_exits_2(tmp_path):
    # spec 0.4: rows sharing a lesion_id are fragments only if they agree on role, organ and lymph_node.
    path = write(tmp_path, GOOD.replace("NT1,non_target,bone,false,,", "T1,target,lung,false,15,", 1))
    result = assess(tmp_path, path)
    assert_refused(result, "lesions.csv, rows 2, 3, column lesion_id", "lesion T1 appears 2 times")


def test_day_month_year_date_is_located(tmp_path):
    text = GOOD.replace("day", "date", 1).replace(",-7,", ",03/05/2021,").replace(",56,", ",2021-05-01,")
    patients = write(tmp_path, "patient_id,treatment_start\nP1,2021-03-10\n", "patients.csv")
    result = assess(tmp_path, write(tmp_path, text), "--patients", patients)
    assert_refused(result, "lesions.csv, rows 2, 3, column date", "'03/05/2021' is not an ISO date")


def test_patient_table_with_a_non_iso_start_is_located(tmp_path):
    text = GOOD.replace("day", "date", 1).replace(",-7,", ",2021-03-03,").replace(",56,", ",2021-05-05,")
    patients = write(tmp_path, "patient_id,treatment_start\nP1,10/03/2021\n", "patients.csv")
    result = assess(tmp_path, write(tmp_path, text), "--patients", patients)
    assert_refused(result, "patients.csv, row 2, column treatment_start", "not an ISO date")


def test_patient_without_baseline_exits_2(tmp_path):
    # spec 0.2: baseline = latest assessment with day <= 0; P2 starts at day 14: "missing baseline".
    path = write(tmp_path, GOOD + "P2,14,A1,target,lung,false,30,,present\n")
    assert_refused(assess(tmp_path, path), "lesions.csv, row 6, column day", "missing baseline")


def test_assessment_before_baseline_is_reported_not_silently_ignored(tmp_path):
    earlier = "P1,-60,T1,target,liver,false,45,,present\nP1,-60,NT1,non_target,bone,false,,,present\n"
    assert_accepted(assess(tmp_path, write(tmp_path, GOOD + earlier), "--format", "csv"))
    out = tmp_path / "out"
    written = (out / "timepoints.csv").read_text() + (out / "best_response.csv").read_text()
    assert "ignored: pre-baseline" in written


def test_present_target_without_size_in_parquet_is_located(tmp_path):
    table = pd.read_csv(io.StringIO(GOOD))
    table["long_axis_mm"] = table["long_axis_mm"].astype(object)
    table.loc[2, "long_axis_mm"] = None  # data row 3 = file row 4
    table.to_parquet(tmp_path / "lesions.parquet")
    result = assess(tmp_path, tmp_path / "lesions.parquet")
    assert_refused(result, "lesions.parquet, row 4, column long_axis_mm", "needs long_axis_mm")


def test_unknown_status_in_xlsx_is_located_at_the_excel_row(tmp_path):
    pytest.importorskip("openpyxl")
    table = pd.read_csv(io.StringIO(GOOD))
    table.loc[3, "status"] = "gone"  # Excel row 5 (header in row 1)
    table.to_excel(tmp_path / "lesions.xlsx", index=False)
    result = assess(tmp_path, tmp_path / "lesions.xlsx")
    assert_refused(result, "lesions.xlsx, row 5, column status", '"gone" is not an allowed value', '"absent"')


@pytest.mark.parametrize(
    ("column", "old", "new"),
    [
        ("patient_id", "P1,56,T1", ",56,T1"),
        ("lesion_id", "P1,56,T1,", "P1,56,,"),
        ("organ", "liver,false,28", ",false,28"),
        ("lymph_node", "liver,false,28", "liver,,28"),
    ],
)
def test_empty_required_cell_is_named(tmp_path, column, old, new):
    path = write(tmp_path, GOOD.replace(old, new))  # the cell of file row 4
    assert_refused(assess(tmp_path, path), f"lesions.csv, row 4, column {column}")


# ---------------------------------------------------------------------------------------------
# PET tables (spec/metabolic.md 1.1-1.3)


def test_pet_table_without_liver_reference_exits_2_for_percist_and_is_skipped_by_all(tmp_path):
    no_liver = "".join(",".join(line.split(",")[:7]) + "\n" for line in PET.strip().split("\n"))
    path = write(tmp_path, no_liver, "pet.csv")
    assert_refused(assess(tmp_path, path, "--criteria", "percist"), "pet.csv", "liver_sul_mean")
    result = assess(tmp_path, path, "--criteria", "all")
    assert_accepted(result)
    assert "skipped percist: input has no value in liver_sul_mean, liver_sul_sd" in flat(result)


def test_pet_scan_with_empty_liver_cell_is_ne_with_the_reason(tmp_path):
    # spec 5.4: "reference present ... at both scans" is a quality check; a failed pair is NE.
    path = write(tmp_path, PET.replace("2.1,0.25", ","), "pet.csv")
    assert_accepted(assess(tmp_path, path, "--criteria", "percist", "--format", "csv"))
    timepoint = pd.read_csv(tmp_path / "out" / "timepoints.csv").iloc[0]
    assert timepoint["overall_response"] == "NE"
    assert "liver" in timepoint["reason"]


def test_pet_decimal_comma_is_located(tmp_path):
    path = write(tmp_path, PET.replace(",5.6,", ',"5,6",'), "pet.csv")
    result = assess(tmp_path, path, "--criteria", "percist")
    assert_refused(result, "pet.csv, row 3, column sulpeak", "'5,6' is not a number")


def test_validate_reads_the_pet_table_given_with_the_lesion_table(tmp_path):
    # README: "`validate` takes the same reading options" as assess, --pet among them; the PET table's
    # problem is located as assess locates it, and a good pair passes.
    lesions = write(tmp_path, GOOD)
    assert_accepted(cli("validate", lesions, "--pet", write(tmp_path, PET, "pet.csv")))
    bad = write(tmp_path, PET.replace(",5.6,", ',"5,6",'), "bad_pet.csv")
    assert_refused(cli("validate", lesions, "--pet", bad), "bad_pet.csv, row 3, column sulpeak")


@pytest.mark.parametrize(
    ("name", "text"),
    [("pet.csv", PET), ("pct.csv", "patient_id,day,pct_change,baseline_size_mm\nA,0,0,50\nA,56,-40,50\n")],
)
def test_validate_accepts_what_assess_accepts(tmp_path, name, text):
    path = write(tmp_path, text, name)
    assert_accepted(assess(tmp_path, path, "--criteria", "percist" if name == "pet.csv" else "recist11"))
    assert_accepted(cli("validate", path))


# ---------------------------------------------------------------------------------------------
# SDTM folders


def test_sdtm_folder_without_tr_exits_2(tmp_path):
    assert_refused(assess(tmp_path, sdtm_folder(tmp_path, tr=None)), "sdtm", "SDTM folder without TR")


def test_sdtm_bad_date_names_the_sdtm_variable(tmp_path):
    tr = SDTM_TR.replace("2021-05-02,57", "05/01/2021,")
    assert_refused(assess(tmp_path, sdtm_folder(tmp_path, tr=tr)), "tr.csv, rows 4, 5, column TRDTC")


def test_sdtm_unknown_unit_is_refused(tmp_path):
    tr = SDTM_TR.replace(",mm,", ",in,")
    assert_refused(assess(tmp_path, sdtm_folder(tmp_path, tr=tr)), "tr.csv", "TRSTRESU")


# ---------------------------------------------------------------------------------------------
# Options


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("--option", "min_sd_days=abc"), ("min_sd_days", '"abc" is not a whole number')),
        (("--option", "on_old_baseline=fatal"), ("option on_old_baseline", "'fatal' is not one of", "warn")),
        (("--option", "min_sd_days"), ("--option", "name=value")),
        (("--option", "no_such_option=1"), ("no_such_option", "not an option of the selected criteria")),
        (("--format", "xml"), ("--format", "xml")),
        (("--criteria", "percist"), ("PERCIST", "reads a PET table")),
        (("--map", "pid=patient_id"), ("column pid", "does not have")),
    ],
    ids=["int_option", "choice_option", "no_equals", "unknown_option", "format", "criterion_without_data",
         "map_unknown_column"],
)
def test_bad_option_values_exit_2_naming_the_option(tmp_path, args, fragments):
    assert_refused(assess(tmp_path, write(tmp_path, GOOD), *args), *fragments)


def test_a_pet_table_is_assessed_by_percist_by_default_and_recist_says_to_choose_another(tmp_path):
    # --criteria defaults to the reference criterion of the table given: PERCIST 1.0 for a PET table. L1
    # 8.0 -> 5.6 SULpeak is -30 % (<= -30 %, PERCIST 5.5): PMR. RECIST 1.1, named, reads a lesion table.
    path = write(tmp_path, PET, "pet.csv")
    assert_accepted(assess(tmp_path, path, "--format", "csv"))
    timepoints = pd.read_csv(tmp_path / "out" / "timepoints.csv")
    assert timepoints[["criterion", "overall_response"]].values.tolist() == [["percist", "PMR"]]
    result = assess(tmp_path, path, "--criteria", "recist11")
    assert_refused(result, "pet.csv", "RECIST 1.1", "the input is a PET table", "--criteria percist")


def test_a_metabolic_criterion_on_a_lesion_table_says_to_give_the_pet_table(tmp_path):
    result = assess(tmp_path, write(tmp_path, GOOD), "--criteria", "percist")
    assert_refused(result, "lesions.csv", "PERCIST 1.0", "reads a PET table and the input has none", "--pet")


def test_a_lesion_table_with_a_pet_table_runs_recist_and_percist_by_default(tmp_path):
    # api.default_criteria: the reference criterion of each table given. T1 40 -> 28 mm (-30 %): PR under
    # RECIST 1.1 sec. 4.3.1; L1 8.0 -> 5.6 SULpeak (-30 %): PMR under PERCIST 5.5.
    pet = write(tmp_path, PET, "pet.csv")
    assert_accepted(assess(tmp_path, write(tmp_path, GOOD), "--pet", pet, "--format", "csv"))
    timepoints = pd.read_csv(tmp_path / "out" / "timepoints.csv")
    calls = timepoints[["criterion", "overall_response"]].values.tolist()
    assert calls == [["recist11", "PR"], ["percist", "PMR"]]
