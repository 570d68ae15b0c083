"""Session 15 audit: bad input given to every ``ioresponse`` command that reads a user's file.

Audited: ``assess``, ``validate``, ``patterns`` (patient table), ``pet quantify`` (NIfTI PET, options),
on lesion, % change, PET, patient and SDTM inputs (CSV, Parquet, Excel), against the project's rule
(README "Command line": bad input stops with a located message - file, row as the user counts it with
the header as row 1, column, what was expected - and exit code 2, never a traceback; nothing the user
gave is silently dropped or changed) and the spec sections that define the inputs: spec/anatomic.md
0.1 (input table, ``InputError(file, row, column, message)``), 0.2 (assessments and baseline),
spec/metabolic.md 1.1 (PET table, its allowed values), spec/patterns.md 0.5 (patient table columns and
values), 4.3 (``durable.off_treatment``), 6.2 (biomarker columns), spec/pet.md 6 (NIfTI input).

Only faults the earlier audits do not pin (tests/cli/test_bad_input.py, test_messy_inputs.py,
test_fuzz_exit_codes.py, tests/io/test_audit_s12_input.py, test_audit_s14_sdtm.py, ...) are tested.
Each ``xfail(strict=True)`` test asserts the behaviour the spec / README asks for; its reason says
what the code does now. The passing tests pin rules checked and found correct.
"""

from __future__ import annotations

import io

import nibabel as nib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _cli import (
    GOOD,
    HEADER,
    PET,
    ROWS,
    SDTM_TR,
    SDTM_TU,
    assert_accepted,
    assert_refused,
    assess,
    cli,
    flat,
    sdtm_folder,
    write,
)

# A dated lesion table: baseline 2021-03-01, follow-up 2021-05-03 (treatment start 2021-03-08 in the
# patient table: days -7 and 56). T1 40 -> 28 mm is -30.00 % (<= -30 %): PR (RECIST 1.1 sec. 4.3.1).
DATED = (
    "patient_id,date,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"
    "P1,2021-03-01,T1,target,liver,false,40,,present\n"  # row 2
    "P1,2021-03-01,NT1,non_target,bone,false,,,present\n"  # row 3
    "P1,2021-05-03,T1,target,liver,false,28,,present\n"  # row 4
    "P1,2021-05-03,NT1,non_target,bone,false,,,present\n"  # row 5
)
START = "patient_id,treatment_start\nP1,2021-03-08\n"


# ---------------------------------------------------------------------------------------------
# Patient table: a value outside the spec's vocabulary read as another value


def _durable_run(tmp_path, end_reason: str):
    """P1: T1 40 mm (day -7), 20 mm (day 56: -50 %, PR), 20 mm (day 301); last dose 2021-06-01 (day 85).
    216 days without progression after the last dose (301 - 85 >= 183): durable.off_treatment is true
    unless the treatment was stopped for progression (spec/patterns.md 4.3)."""
    lesions = write(tmp_path, "patient_id,date,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,"
                              "status\nP1,2021-03-01,T1,target,liver,false,40,,present\n"
                              "P1,2021-05-03,T1,target,liver,false,20,,present\n"
                              "P1,2022-01-03,T1,target,liver,false,20,,present\n")
    patients = write(tmp_path, "patient_id,treatment_start,treatment_end,treatment_end_reason\n"
                               f"P1,2021-03-08,2021-06-01,{end_reason}\n", "patients.csv")
    return cli("patterns", lesions, "--patients", patients, "--out", tmp_path / "out")


def _off_treatment_flag(tmp_path) -> str:
    table = pd.read_csv(tmp_path / "out" / "patterns.csv", dtype=str, keep_default_na=False)
    return table.loc[table["definition"] == "durable.off_treatment", "flag"].item()


def test_treatment_end_reason_progression_makes_off_treatment_durability_false_spec_patterns_4_3(tmp_path):
    # spec/patterns.md 4.3: "treatment_end_reason not progression" is a condition; "progression" -> false.
    result = _durable_run(tmp_path, "progression")
    assert_accepted(result)
    assert _off_treatment_flag(tmp_path) == "false"


def test_treatment_end_reason_outside_the_vocabulary_is_refused_or_not_read_as_not_progression(tmp_path):
    result = _durable_run(tmp_path, "PD")
    if result.exit_code == 2:  # refused: located at the cell
        assert_refused(result, "patients.csv", "row 2", "treatment_end_reason")
    else:  # or at least never a durable response of a patient the user says stopped for progression
        assert _off_treatment_flag(tmp_path) != "true"


@pytest.mark.parametrize(("column", "value"), [("msi_status", "MSI-High"), ("pdl1_tps", "50%")])
def test_patient_biomarker_outside_its_values_is_located_spec_patterns_6_2(tmp_path, column, value):
    # spec/patterns.md 6.2 / 6.3: msi_status MSI-H / MSI-L / MSS; pdl1_tps a number 0-100 ("%" is text).
    text = f"patient_id,treatment_start,{column}\nP1,2021-03-08,{value}\n"
    patients = write(tmp_path, text, "patients.csv")
    result = assess(tmp_path, write(tmp_path, GOOD), "--patients", patients)
    assert_refused(result, "patients.csv, row 2, column " + column, value)


def test_empty_patient_table_says_a_patient_table_was_expected(tmp_path):
    patients = write(tmp_path, "", "patients.csv")
    text = assert_refused(assess(tmp_path, write(tmp_path, GOOD), "--patients", patients), "patients.csv")
    assert "per lesion" not in text  # a patient table is not a lesion table
    assert "patient_id" in text  # the column a patient table must have


# ---------------------------------------------------------------------------------------------
# % change tables: a value that is not a percentage


@pytest.mark.parametrize("value", ["inf", "1e9"])
def test_pct_change_that_is_not_a_percentage_is_located_at_the_pct_change_column(tmp_path, value):
    text = f"patient_id,day,pct_change\nP1,0,0\nP1,56,{value}\nP1,112,-40\n"  # the bad cell is row 3
    message = assert_refused(assess(tmp_path, write(tmp_path, text)), "lesions.csv", "row 3")
    assert "column pct_change" in message
    assert "target_sum_mm" not in message  # not a column of the user's file


# ---------------------------------------------------------------------------------------------
# Reader column, partial dates, quotes: where the message points


def test_reader_column_partly_empty_is_named(tmp_path):
    rows = [row + ",R1" for row in ROWS]
    rows[2] = rows[2][: -len("R1")]  # row 4 (P1 day 56 T1): reader left empty
    text = HEADER.replace("status\n", "status,reader\n") + "\n".join(rows) + "\n"
    message = assert_refused(assess(tmp_path, write(tmp_path, text)), "lesions.csv", "row 4")
    assert "reader" in message


@pytest.mark.parametrize("partial", ["2021", "2021-05"])
def test_partial_date_in_the_lesion_table_is_reported_at_its_row(tmp_path, partial):
    text = DATED.replace("P1,2021-05-03,T1", f"P1,{partial},T1")  # row 4
    patients = write(tmp_path, START, "patients.csv")
    result = cli("validate", write(tmp_path, text), "--patients", patients)
    assert "Traceback" not in result.output
    assert "row 4" in flat(result) and "date" in flat(result)


@pytest.mark.parametrize(("target", "line"), [("P1,-7,T1", 2), ("P1,56,NT1", 5)])
def test_unterminated_quote_is_located_at_the_users_line(tmp_path, target, line):
    text = GOOD.replace(target, '"' + target, 1)
    message = assert_refused(assess(tmp_path, write(tmp_path, text)), "lesions.csv")
    assert f"row {line}" in message or f"line {line}" in message
    assert f"row {line - 1}" not in message  # not pandas' count


# ---------------------------------------------------------------------------------------------
# Parquet and Excel: a column given twice


def test_parquet_column_given_twice_is_named_with_both_positions(tmp_path):
    frame = pd.read_csv(io.StringIO(GOOD), dtype=str, keep_default_na=False)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    twice = pa.table([*table.columns, pa.array(["1", "2", "3", "4"])],
                     names=[*table.column_names, "long_axis_mm"])
    path = tmp_path / "lesions.parquet"
    pq.write_table(twice, path)
    message = assert_refused(assess(tmp_path, path), "lesions.parquet", "column long_axis_mm")
    assert "7" in message and "10" in message  # the two positions, as for CSV and Excel
    assert "FieldRef" not in message and "__fragment_index" not in message


def test_excel_column_given_twice_is_named_with_both_positions(tmp_path):
    # README "a column is given once" (CSV pinned elsewhere); pandas alone would rename it long_axis_mm.1.
    frame = pd.read_csv(io.StringIO(GOOD), dtype=str, keep_default_na=False)
    frame.insert(len(frame.columns), "long_axis_mm_again", ["1", "2", "3", "4"])
    path = tmp_path / "lesions.xlsx"
    frame.to_excel(path, index=False, header=[*frame.columns[:-1], "long_axis_mm"])
    assert_refused(assess(tmp_path, path), "lesions.xlsx, column long_axis_mm", '7 ("long_axis_mm")',
                   '10 ("long_axis_mm")')


# ---------------------------------------------------------------------------------------------
# SDTM: study days that contradict the dates


def test_sdtm_study_day_contradicting_the_date_is_warned_about_at_its_rows(tmp_path):
    # Baseline: 2021-03-01 at TRDY -6 -> first dose 2021-03-07. Follow-up 2021-05-01 is 55 days after it
    # (TRDY 56); TRDY 80 instead implies a first dose on 2021-02-11: two treatment starts for S1.
    # Warned, not refused: the pharmaverse TR gives nominal study days with its scan dates (34 689 of its
    # 55 223 dated records lie up to 58 days off); the day is read from TRDY (io.sdtm).
    tr = SDTM_TR.replace("2021-05-02,57", "2021-05-01,80")
    result = assess(tmp_path, sdtm_folder(tmp_path, SDTM_TU, tr))
    assert_accepted(result)
    assert "warning: tr.csv, rows 4, 5, column TRDY" in flat(result)
    assert "TRDTC 2021-05-01 at TRDY 80 gives 2021-02-11" in flat(result) and "S1" in flat(result)


def test_sdtm_new_lesion_at_baseline_is_refused_spec_anatomic_0_2(tmp_path):
    # spec/anatomic.md 0.2: "role = new at baseline is an InputError"; TU NT01 is NEW, measured at TRDY -6.
    tu = SDTM_TU.replace("NON-TARGET", "NEW")
    assert_refused(assess(tmp_path, sdtm_folder(tmp_path, tu, SDTM_TR)), "TUSTRESC", 'role "new" at baseline')


def test_sdtm_size_in_cm_is_converted_not_refused(tmp_path):
    # TRSTRESU states the unit: T01 4.0 -> 2.8 cm is 40 -> 28 mm, -30.00 % (<= -30 %): PR (RECIST 1.1 4.3.1).
    tr = SDTM_TR.replace("40,40,mm", "4.0,4.0,cm").replace("28,28,mm", "2.8,2.8,cm")
    result = assess(tmp_path, sdtm_folder(tmp_path, SDTM_TU, tr))
    assert_accepted(result)
    lesions = pd.read_csv(tmp_path / "out" / "lesions.csv")
    assert sorted(lesions["long_axis_mm"].dropna()) == [28.0, 40.0]  # x 10, nothing else changed
    best = pd.read_csv(tmp_path / "out" / "best_response.csv")
    assert best["best_response"].item() == "PR"


# ---------------------------------------------------------------------------------------------
# PET table (spec/metabolic.md 1.1)

PET_STATUS = (
    "patient_id,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd,status\n"
    "P1,-5,L1,target,lung,8.0,60,2.0,0.25,present\n"
    "P1,56,L1,target,lung,5.6,62,2.1,0.25,present\n"  # row 3
)


def test_pet_status_too_small_is_not_a_pet_status_spec_metabolic_1_1(tmp_path):
    # spec/metabolic.md 1.1: PET status is present / absent / unequivocal_progression / not_evaluable.
    text = PET_STATUS.replace("0.25,present\nP1,56", "0.25,present\nP1,56").replace(
        "2.1,0.25,present", "2.1,0.25,too_small")
    assert_refused(assess(tmp_path, write(tmp_path, text, "pet.csv")), "pet.csv, row 3, column status",
                   "too_small")


def test_pet_reference_region_outside_its_values_is_located_spec_metabolic_1_1(tmp_path):
    # spec/metabolic.md 1.1: reference_region is liver (default) or blood_pool.
    text = PET_STATUS.replace("status\n", "status,reference_region\n").replace("present\n", "present,aorta\n")
    assert_refused(assess(tmp_path, write(tmp_path, text, "pet.csv")), "pet.csv, rows 2, 3, column "
                   "reference_region", "aorta", "liver", "blood_pool")


def test_pet_table_given_as_a_folder_is_refused_naming_it(tmp_path):
    folder = tmp_path / "petdir"
    folder.mkdir()
    assert_refused(assess(tmp_path, write(tmp_path, GOOD), "--pet", folder), "petdir")


def test_pet_table_header_only_is_refused(tmp_path):
    assert_refused(assess(tmp_path, write(tmp_path, PET.splitlines()[0] + "\n", "pet.csv")), "pet.csv",
                   "no rows")


# ---------------------------------------------------------------------------------------------
# pet quantify on a NIfTI PET (spec/pet.md 6): patient options in the wrong unit


def _nifti_pet(tmp_path):
    truth = np.ones((9, 12, 12), dtype=np.float32)
    truth[3:6, 5:8, 5:8] = 5.0  # SUVbw 5 cube in a background of 1
    pet = tmp_path / "pet.nii.gz"
    nib.save(nib.Nifti1Image(truth.transpose(2, 1, 0), np.diag([-4.0, -4.0, 4.0, 1.0])), pet)
    labels = np.zeros((12, 12, 9), dtype=np.int16)
    labels[4:9, 4:9, 2:7] = 1
    path = tmp_path / "labels.nii.gz"
    nib.save(nib.Nifti1Image(labels, np.diag([-4.0, -4.0, 4.0, 1.0])), path)
    return ["pet", "quantify", pet, "--labels", path, "--out", tmp_path / "l.csv", "--pet-units", "suvbw",
            "--sex", "M"]


@pytest.mark.parametrize(("option", "value", "unit"),
                         [("--weight-kg", "0", "kg"), ("--height-cm", "1.75", "cm")])
def test_quantify_weight_zero_or_height_in_metres_is_refused_naming_the_option(tmp_path, option, value, unit):
    # spec/pet.md 1.3: SUL needs weight (kg) and height (cm); 0 kg, or 1.75 (metres given as cm), is no body.
    other = {"--weight-kg": ("--height-cm", "175"), "--height-cm": ("--weight-kg", "70")}[option]
    result = cli(*_nifti_pet(tmp_path), option, value, *other)
    assert_refused(result, option, f"{value} {unit}")
    assert not (tmp_path / "l.csv").exists()


# ---------------------------------------------------------------------------------------------
# Contradictions resolved without a word


def test_present_target_measured_zero_is_reported_at_its_row(tmp_path):
    text = GOOD.replace("P1,56,T1,target,liver,false,28,,present", "P1,56,T1,target,liver,false,0,,present")
    result = cli("validate", write(tmp_path, text))  # row 4: T1 at day 56, "present", 0 mm
    assert "Traceback" not in result.output
    assert "row 4" in flat(result) and "long_axis_mm" in flat(result)


def test_os_days_with_an_empty_os_event_is_not_silently_read_as_alive(tmp_path):
    # Two patients: P1 PR (40 -> 28 mm), P2 SD (40 -> 45 mm, +12.5 %: < +20 %).
    lesions = write(tmp_path, GOOD + GOOD.split("\n", 1)[1].replace("P1", "P2").replace(",28,", ",45,"))
    assert_accepted(assess(tmp_path, lesions))
    patients = write(tmp_path, "patient_id,os_days,os_event,mtv\nP1,300,,10\nP2,200,1,20\n", "p.csv")
    result = cli("report", tmp_path / "out", "--patients", patients, "--median-split", "mtv")
    assert "Traceback" not in result.output
    assert result.exit_code == 2 or "warning" in result.output
    assert "os_event" in flat(result) and "row 2" in flat(result)


# ---------------------------------------------------------------------------------------------
# Criterion refusals: the column named must be the user's


def _baseline_8mm(tmp_path, how: str):
    """T1 8 mm at baseline (row 2): below the 10 mm minimum of a measurable target (RECIST 1.1 3.1.1)."""
    if how == "sdtm":
        return sdtm_folder(tmp_path, SDTM_TU, SDTM_TR.replace("40,40,mm", "8,8,mm")), "TRSTRESN"
    text = GOOD.replace("false,40,", "false,8,")
    if how == "header":
        return write(tmp_path, text.replace("long_axis_mm", "Long Axis (mm)")), "Long Axis (mm)"
    return write(tmp_path, text.replace("long_axis_mm", "ld")), "ld"


@pytest.mark.parametrize("how", ["sdtm", "header", "map"])
def test_criterion_refusal_names_the_users_column(tmp_path, how):
    path, column = _baseline_8mm(tmp_path, how)
    extra = ("--map", "ld=long_axis_mm") if how == "map" else ()
    message = assert_refused(assess(tmp_path, path, *extra), "row 2", "measurability")
    assert f"column {column}" in message


# ---------------------------------------------------------------------------------------------
# % change given as a fraction: the unit mix-up of a % change table


def test_excel_percent_formatted_pct_change_is_not_read_as_a_hundredth(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["patient_id", "day", "pct_change"])
    for row in (("P1", 0, 0.0), ("P1", 56, -0.35), ("P1", 112, -0.40), ("P2", 0, 0.0), ("P2", 56, 0.25)):
        sheet.append(list(row))
    for excel_row in range(2, 7):
        sheet.cell(excel_row, 3).number_format = "0%"  # the user sees 0 %, -35 %, -40 %, 0 %, 25 %
    path = tmp_path / "pct.xlsx"
    book.save(path)
    result = assess(tmp_path, path)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert "pct_change" in flat(result)
    else:
        timepoints = pd.read_csv(tmp_path / "out" / "timepoints.csv", dtype=str, keep_default_na=False)
        p1 = timepoints[(timepoints["patient_id"] == "P1") & (timepoints["day"] == "56")]
        assert p1["overall_response"].item() == "PR"  # -35 % <= -30 %: PR (RECIST 1.1 sec. 4.3.1)
