"""Audit of the input layer (lesion table, patient table, SDTM TU/TR/RS) against its contract.

Sources of the expected behaviour (never the code's output):
- spec/anatomic.md 0.1 (input table), 0.2 (assessments and baseline), 0.3 (status values by role),
  0.4 (lesion values, split lesions), 1.2-1.3 (measurability, target counts), 1.9 (input columns);
- DESIGN.md "The tables" and README "Command line" / "Input: the lesion table";
- the project rule: bad input gets a located message (file, row, column, what was expected) and exit
  code 2, never a traceback; nothing the user gave is silently dropped or changed; unit mix-ups, dates
  out of order, duplicate lesion ids and a missing baseline are caught.

The first tests pin defects proven by running the command line or ``ioresponse.load``, since fixed; the
later ones pin tricky inputs that already behaved.
Command-line runs go through ``python -m ioresponse`` in a subprocess, so that a traceback or an exit code
other than 2 would show as the user sees it.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import ioresponse
from ioresponse.schema import InputError

HEADER = "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"
DATED = "patient_id,date,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"


class Run:
    """Exit code and text of one ``python -m ioresponse`` run."""

    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.text = " ".join((completed.stdout + " " + completed.stderr).split())  # rich wrapping undone


def write(folder: Path, text: str | bytes, name: str = "lesions.csv") -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def cli(*args: object) -> Run:
    env = {"COLUMNS": "250", "PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    completed = subprocess.run([sys.executable, "-m", "ioresponse", *map(str, args)], capture_output=True,
                               text=True, env=env, timeout=300)
    return Run(completed)


def assess(tmp_path: Path, text: str | bytes, *extra: object, patients: str | None = None) -> Run:
    path = write(tmp_path, text)
    if patients is not None:
        extra = (*extra, "--patients", write(tmp_path, patients, "patients.csv"))
    return cli("assess", path, "--out", tmp_path / "out", "--no-patterns", *extra)


def assert_refused(run: Run, *fragments: str) -> None:
    """Exit code 2, no traceback, and every fragment of the located message."""
    assert run.code == 2, (run.code, run.text)
    assert "Traceback" not in run.stderr, run.stderr
    for fragment in fragments:
        assert fragment in run.text, (fragment, run.text)


def assert_accepted(run: Run) -> None:
    assert run.code == 0, (run.code, run.text)
    assert "Traceback" not in run.stderr, run.stderr


def output(tmp_path: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(tmp_path / "out" / f"{name}.csv", dtype=str, keep_default_na=False)


def sdtm_folder(tmp_path: Path, tu: str, tr: str, rs: str | None = None) -> Path:
    folder = tmp_path / "sdtm"
    folder.mkdir()
    write(folder, tu, "tu.csv")
    write(folder, tr, "tr.csv")
    if rs is not None:
        write(folder, rs, "rs.csv")
    return folder


def load_quietly(data: object, **options: object) -> ioresponse.Study:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.load(data, **options)


SDTM_TU = "USUBJID,TULNKID,TUSTRESC,TULOC\nS1,T01,TARGET,LIVER\nS1,NT01,NON-TARGET,BONE\n"
TR_HEADER = "USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\n"
# TRDY -6 is contract day -6, TRDY 57 is day 56 (SDTM day 1 = first dose, no day 0).
SDTM_TR = (TR_HEADER
           + "S1,T01,LDIAM,40,40,mm,2021-03-01,-6\n"
           + "S1,NT01,TUMSTATE,PRESENT,,,2021-03-01,-6\n"
           + "S1,T01,LDIAM,28,28,mm,2021-05-01,57\n"
           + "S1,NT01,TUMSTATE,PRESENT,,,2021-05-01,57\n")


# =============================================================================================
# Defects (fixed since): each test states the expected behaviour


@pytest.mark.parametrize("status", ["absent", "not_evaluable"])
def test_target_with_a_status_that_discards_its_measurement_is_not_silent(tmp_path, status):
    # spec/anatomic.md 0.4: "too_small: ... If a measurement is also given on the row, the status wins and
    # the flag too_small_with_measurement is added." -- the same conflict for absent / not_evaluable has no
    # flag, and the project rule is "nothing the user gave is silently dropped or changed".
    run = assess(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n"
                                    f"P1,56,T1,target,liver,false,25,,{status}\n")
    if run.code == 2:
        assert_refused(run, "row 3", "long_axis_mm")
        return
    assert_accepted(run)
    flags = output(tmp_path, "timepoints")["flags"]
    warned = "row 3" in run.stderr and "long_axis_mm" in run.stderr
    assert warned or (flags != "").any(), run.text


def test_date_cell_with_trailing_text_is_refused(tmp_path):
    # spec/anatomic.md 0.1: `date` is an "ISO date"; README: "Bad input stops with a located message (file,
    # row, column, what was expected) and exit code 2."
    run = assess(tmp_path, DATED + "P1,2021-03-01 or 2021-03-09,T1,target,liver,false,40,,present\n"
                                   "P1,2021-05-01,T1,target,liver,false,28,,present\n",
                 patients="patient_id,treatment_start\nP1,2021-03-05\n")
    assert_refused(run, "row 2", "column date", "ISO date")


def test_partial_treatment_start_imputation_is_stated(tmp_path):
    # io/tables.py rule: "Partial ISO dates are imputed to the middle of the missing period ... and the row
    # carries a note saying so"; README (SDTM): "partial dates use the study day or a documented imputation
    # that the reason states". spec/anatomic.md 0.1: "day = date - treatment_start".
    run = assess(tmp_path, DATED + "P1,2021-03-10,T1,target,liver,false,40,,present\n"
                                   "P1,2021-05-10,T1,target,liver,false,28,,present\n",
                 patients="patient_id,treatment_start\nP1,2021-03\n")
    assert_accepted(run)
    notes = " ".join([*output(tmp_path, "lesions")["note"], *output(tmp_path, "timepoints")["reason"]])
    assert "imputed" in notes or "treatment_start" in run.stderr, (notes, run.stderr)


def test_treatment_start_contradicting_date_and_day_is_refused(tmp_path):
    # spec/anatomic.md 0.1: "`day` = days since treatment start (first dose = day 0)"; validate.py rule:
    # "when the user gives both date and day, date - day must be the same for every row of a patient".
    header = "patient_id,day,date,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"
    run = assess(tmp_path, header +
                           "P1,-4,2021-03-01,T1,target,liver,false,40,,present\n"
                           "P1,57,2021-05-01,T1,target,liver,false,28,,present\n",
                 patients="patient_id,treatment_start\nP1,2021-01-01\n")
    assert_refused(run, "treatment_start")


def test_two_different_treatment_starts_for_one_patient_are_not_silently_resolved(tmp_path):
    # DESIGN.md "The tables": "A criterion declares the columns it needs; if they are missing it says which,
    # it does not guess."; project rule: nothing the user gave is silently changed.
    run = assess(tmp_path, DATED.strip() + ",treatment_start\n"
                           "P1,2021-03-01,T1,target,liver,false,40,,present,2021-03-05\n"
                           "P1,2021-05-01,T1,target,liver,false,28,,present,2021-03-05\n",
                 patients="patient_id,treatment_start\nP1,2021-03-03\n")
    assert_refused(run, "column treatment_start", "2021-03-05", "2021-03-03")


def test_patient_table_ids_that_match_no_lesion_patient_are_reported(tmp_path):
    # README: "a patient table (patient_id, treatment_start, arm, ...), joined by patient_id"; project rule:
    # nothing the user gave is silently dropped.
    run = assess(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n"
                                    "P1,56,T1,target,liver,false,28,,present\n",
                 patients="patient_id,treatment_start\nP2,2021-03-05\n")
    assert "Traceback" not in run.stderr
    assert "P2" in run.stderr, run.text


def test_organ_with_a_side_does_not_escape_the_per_organ_target_count(tmp_path):
    # spec/anatomic.md 0.1: organ is the "organ name in lower case and without side ("lung", not "left
    # lung")"; 1.3: "at most 2 per organ ... paired organs (both lungs, both kidneys, both ovaries) form one
    # organ".
    rows = ["T1,target,left lung,false,40", "T2,target,right lung,false,30", "T3,target,lung,false,20"]
    text = HEADER + "".join(f"P1,{day},{row},,present\n" for day in (-7, 56) for row in rows)
    run = assess(tmp_path, text)
    assert "Traceback" not in run.stderr
    assert "column organ" in run.text and "lung" in run.stderr, run.text


def test_one_lesion_in_centimetres_beside_lesions_in_mm_is_caught(tmp_path):
    # Project rule: "unit mix-ups (cm vs mm) ... are all caught"; README: "Sizes that look like centimetres
    # are refused (--warn-implausible keeps them, with a warning)". (README's third heuristic names a whole
    # follow-up; the audit brief names this per-lesion mix-up: see the report.)
    run = assess(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n"
                                    "P1,-7,T2,target,lung,false,30,,present\n"
                                    "P1,56,T1,target,liver,false,3.9,,present\n"
                                    "P1,56,T2,target,lung,false,29,,present\n")
    assert "Traceback" not in run.stderr
    assert "row 4" in run.stderr and "centimetres" in run.stderr, run.text


def test_sdtm_study_day_zero_is_refused(tmp_path):
    # sdtm.py mapping (README "CDISC SDTM folders"): "--DY ... converted from SDTM study day (day 1 = first
    # dose, no day 0)"; a value the standard cannot hold is bad input: located message, exit 2.
    tr = SDTM_TR.replace("2021-03-01,-6", "2021-03-01,0")  # both baseline records (rows 2 and 3)
    run = cli("assess", sdtm_folder(tmp_path, SDTM_TU, tr), "--out", tmp_path / "out", "--no-patterns")
    assert_refused(run, "tr.csv", "TRDY", "rows 2, 3", "no day 0")


def test_sdtm_tu_without_evaluator_is_not_reported_as_missing(tmp_path):
    # README: "each evaluator is assessed separately (reader column)"; project rule: refusals are not
    # misleading. Either TU (identified once) serves every evaluator, or the message says the TU record
    # exists for another evaluator.
    tr = ("USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY,TREVAL,TREVALID\n"
          + "".join(line + ",INDEPENDENT ASSESSOR,RADIOLOGIST 1\n" for line in SDTM_TR.splitlines()[1:]))
    run = cli("assess", sdtm_folder(tmp_path, SDTM_TU, tr), "--out", tmp_path / "out", "--no-patterns")
    assert "Traceback" not in run.stderr
    assert run.code == 0 or ("no TU record" not in run.text and "RADIOLOGIST 1" in run.text), run.text


def test_sdtm_rs_response_given_only_in_rsorres_is_not_lost(tmp_path):
    # README: RS OVRLRESP "is compared with the computed call ...; a value that is not a response ("CHECK")
    # ... stays in recorded with a note"; sdtm.py reads TRORRES when TRSTRESC/TRSTRESN are empty.
    rs = "USUBJID,RSTESTCD,RSCAT,RSORRES,RSSTRESC,RSDTC,RSDY\nS1,OVRLRESP,RECIST 1.1,PR,,2021-05-01,57\n"
    study = load_quietly(sdtm_folder(tmp_path, SDTM_TU, SDTM_TR, rs))
    recorded = study.recorded.iloc[0]
    assert recorded["recorded_response"] == "PR" or recorded["note"] != "", recorded.to_dict()


def test_sdtm_not_done_record_with_a_result_is_not_silently_measured(tmp_path):
    # sdtm.py / README mapping: "TRSTAT = NOT DONE is not_evaluable with the reason in note"; a record both
    # NOT DONE and measured contradicts itself: not evaluable, or refused at its row, never read as measured.
    tr = ("USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRSTAT,TRREASND,TRDTC,TRDY\n"
          "S1,T01,LDIAM,40,40,mm,,,2021-03-01,-6\n"
          "S1,NT01,TUMSTATE,PRESENT,,,,,2021-03-01,-6\n"
          "S1,T01,LDIAM,60,60,mm,NOT DONE,SCAN LOST,2021-05-01,57\n"
          "S1,NT01,TUMSTATE,PRESENT,,,,,2021-05-01,57\n")
    folder = sdtm_folder(tmp_path, SDTM_TU, tr)
    try:
        study = load_quietly(folder)
    except InputError as error:
        assert 4 in error.rows and "TRSTAT" in str(error)
        return
    row = study.lesions[(study.lesions["lesion_id"] == "T01") & (study.lesions["day"] == 56)].iloc[0]
    assert row["status"] == "not_evaluable", row.to_dict()


# =============================================================================================
# Tricky inputs that already behave as the contract says


def test_one_lesion_id_twice_at_one_assessment_with_two_roles_is_refused_at_both_rows(tmp_path):
    # spec/anatomic.md 0.4: same lesion_id rows in one assessment are fragments (of a target or new lesion).
    run = assess(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n"
                                    "P1,-7,T1,non_target,liver,false,,,present\n"
                                    "P1,56,T1,target,liver,false,30,,present\n")
    assert_refused(run, "rows 2, 3", "column lesion_id", "disagree on role")


def test_target_turning_non_target_at_a_follow_up_is_refused_at_its_row(tmp_path):
    # spec/anatomic.md 0.1: "`target` and `non_target` are fixed at baseline".
    run = assess(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n"
                                    "P1,56,T1,non_target,liver,false,,,present\n")
    assert_refused(run, "row 3", "column role", "baseline role")


def test_labels_in_odd_case_and_spacing_are_read_as_the_contract_values(tmp_path):
    run = assess(tmp_path, HEADER + "P1,-7,T1, Target ,liver,FALSE,40,,  PRESENT\n"
                                    "P1,56,T1,TARGET,Liver,False,28,,Present \n")
    assert_accepted(run)
    lesions = output(tmp_path, "lesions")
    assert lesions["role"].tolist() == ["target", "target"]
    assert lesions["status"].tolist() == ["present", "present"]
    assert lesions["organ"].tolist() == ["liver", "liver"]
    assert output(tmp_path, "timepoints")["overall_response"].tolist() == ["PR"]  # 40 -> 28: -30 %


@pytest.mark.parametrize(("day", "accepted"), [("-7.5", False), ("-7.0", True)])
def test_day_with_decimals_is_refused_unless_whole(tmp_path, day, accepted):
    # spec/anatomic.md 0.1: `day` is "integer days".
    run = assess(tmp_path, HEADER + f"P1,{day},T1,target,liver,false,40,,present\n"
                                    "P1,56,T1,target,liver,false,28,,present\n")
    if accepted:
        assert_accepted(run)
        assert output(tmp_path, "lesions")["day"].tolist() == ["-7", "56"]
    else:
        assert_refused(run, "row 2", "column day", "whole number")


def test_negative_size_is_refused_at_its_row_and_column(tmp_path):
    run = assess(tmp_path, HEADER + "P1,-7,T1,target,liver,false,-40,,present\n"
                                    "P1,56,T1,target,liver,false,28,,present\n")
    assert_refused(run, "row 2", "column long_axis_mm", "negative")


@pytest.mark.parametrize(("text", "fragment"), [("", "empty"), (HEADER, "no rows")])
def test_empty_file_and_header_only_are_refused(tmp_path, text, fragment):
    assert_refused(assess(tmp_path, text), "lesions.csv", fragment)


def test_byte_order_mark_does_not_hide_the_first_column(tmp_path):
    # io/tables.py: "CSV files are UTF-8 (a byte-order mark is allowed)".
    run = assess(tmp_path, b"\xef\xbb\xbf" + (HEADER + "P1,-7,T1,target,liver,false,40,,present\n"
                                                       "P1,56,T1,target,liver,false,28,,present\n").encode())
    assert_accepted(run)
    assert output(tmp_path, "lesions")["patient_id"].tolist() == ["P1", "P1"]


def test_column_given_twice_is_refused_naming_both_positions(tmp_path):
    # README: "a column is given once".
    header = HEADER.replace("short_axis_mm", "Long Axis (mm)")
    run = assess(tmp_path, header + "P1,-7,T1,target,liver,false,40,,present\n")
    assert_refused(run, "column long_axis_mm", '7 ("long_axis_mm")', '8 ("Long Axis (mm)")')


def test_excel_serial_date_in_a_csv_is_refused_at_its_rows(tmp_path):
    run = assess(tmp_path, DATED + "P1,44256,T1,target,liver,false,40,,present\n"
                                   "P1,44317,T1,target,liver,false,28,,present\n",
                 patients="patient_id,treatment_start\nP1,2021-03-05\n")
    assert_refused(run, "rows 2, 3", "column date", "'44256' is not an ISO date")


def test_numbered_visit_dated_before_the_previous_visit_is_refused(tmp_path):
    # Project rule: dates out of order are caught.
    run = assess(tmp_path, DATED.strip() + ",visit\n"
                           "P1,2021-03-01,T1,target,liver,false,40,,present,1\n"
                           "P1,2021-02-01,T1,target,liver,false,28,,present,2\n",
                 patients="patient_id,treatment_start\nP1,2021-03-05\n")
    assert_refused(run, "row 3", "column date", "out of order")


def test_blank_line_is_counted_in_the_row_numbers(tmp_path):
    # README: "Rows are the rows the user sees: CSV lines (blank lines counted, and skipped)".
    run = assess(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n\n"
                                    "P1,56,T1,target,liver,false,28,,presnt\n")
    assert_refused(run, "row 4", "column status", '"presnt"')


def test_follow_up_of_a_single_lesion_written_in_centimetres_is_refused(tmp_path):
    # README: a follow-up whose sizes are all below 10 with decimals and each about a tenth of the lesion's
    # previous size in mm is refused.
    run = assess(tmp_path, HEADER + "P1,-7,T1,target,liver,false,40,,present\n"
                                    "P1,56,T1,target,liver,false,3.9,,present\n")
    assert_refused(run, "row 3", "column long_axis_mm", "centimetres")


def test_sdtm_tu_lesion_with_two_roles_is_refused_at_the_tu_rows(tmp_path):
    # spec/anatomic.md 0.2: a lesion keeps its role; a target changing role mid-study in SDTM.
    tu = SDTM_TU + "S1,T01,NON-TARGET,LIVER\n"
    run = cli("assess", sdtm_folder(tmp_path, tu, SDTM_TR), "--out", tmp_path / "out", "--no-patterns")
    assert_refused(run, "tu.csv", "rows 2, 4", "TUSTRESC", "several roles")


def test_a_patient_column_given_twice_agrees_by_value_and_an_empty_cell_is_no_disagreement():
    # The refusal of two different values (above) compares values: "70" in the lesion table is the patient
    # table's "70.0", and a patient whose cell is empty in one table takes the other's value.
    lesions = pd.DataFrame({
        "patient_id": ["P1", "P1", "P2", "P2"], "day": [-7, 56, -7, 56], "lesion_id": "T1",
        "role": "target", "organ": "liver", "lymph_node": False, "long_axis_mm": [40, 28, 50, 50],
        "status": "present", "weight_kg": ["70", "70", "", ""], "arm": ["A", "A", None, None]})
    patients = pd.DataFrame({"patient_id": ["P1", "P2"], "weight_kg": ["70.0", "80"], "arm": ["A", "B"]})
    study = load_quietly(lesions, patients=patients)
    table = study.patients.set_index("patient_id")
    assert table.loc["P2", "arm"] == "B" and float(table.loc["P1", "weight_kg"]) == 70
