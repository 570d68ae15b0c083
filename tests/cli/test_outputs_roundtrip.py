"""The folder `ioresponse assess` writes, read back by `explain`, `compare`, `report` and `export`.

What a user relies on once the results are written (README "Command line", "Cohort analysis, figures,
HTML report and CDISC export"; spec/anatomic.md 0.9; DESIGN.md "Engine principles"):

1. the same input gives byte-identical files (assess, and the files compare, report and export write);
2. the Parquet and CSV files of one run hold the same rows, columns and values (empty text is "");
   the commands read a CSV-only folder as they read a Parquet one;
3. export --sdtm / --adam: RS overall responses and ADRS OVR / BOR / CBOR rows are the timepoint and
   best-response rows, with the same labels, dates and study days;
4. explain prints, for every criterion, the calls and reasons of the patient's timepoint rows;
5. compare counts are the cross-tabulation of best_response;
6. no input row is silently dropped: each data row is in lesions (or recorded, for RS) or in excluded;
7. bad use exits 2 with a located message, never a traceback.

Inputs are small files written into a temporary folder; every expected value is computed by hand from
the README or the spec, never copied from an output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from _cli import assert_accepted, assert_refused, cli, runner, write

from ioresponse.cli import app

# ---------------------------------------------------------------------------------------------------------
# Inputs

# Lesion table with days (README "Input: the lesion table"). Line 8 is blank: counted, and skipped.
# perpendicular_mm is given so that irRC runs too ("--criteria all": every criterion the columns allow).
# - P1 (rows 2-7): T1 40 -> 28 mm = -30.00% (<= -30%): PR on day 56; 26 mm = -35.00%: PR on day 112.
# - P2 (rows 9-15): target 50 -> 48 mm, new lesion N1 on day 56: PD by new lesion (RECIST 1.1 4.3.3) and
#   iUPD (iRECIST 4.6 step 1, NL); N1 12 -> 20 mm on day 112 (new-lesion target sum +8 mm >= 5): iCPD.
# - P3 (rows 16-24): 50 + 30 = 80 -> 60 + 40 = 100 mm (+25.00%, +20 mm vs nadir 80): PD / iUPD on day 56;
#   30 + 20 = 50 mm on day 112, 56 days later: not PD vs nadir 80, -37.50% vs baseline: iPR (reset, 4.6).
# - P4 (rows 25-28): its only target not evaluable on day 56, nothing progressing: NE (RECIST 1.1 4.4.2).
DAYS = """patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,perpendicular_mm,status
P1,-7,T1,target,liver,false,40,,30,present
P1,-7,NT1,non_target,bone,false,,,,present
P1,56,T1,target,liver,false,28,,20,present
P1,56,NT1,non_target,bone,false,,,,present
P1,112,T1,target,liver,false,26,,20,present
P1,112,NT1,non_target,bone,false,,,,present

P2,-3,T1,target,lung,false,50,,40,present
P2,-3,NT1,non_target,bone,false,,,,present
P2,56,T1,target,lung,false,48,,40,present
P2,56,NT1,non_target,bone,false,,,,present
P2,56,N1,new,liver,false,12,,10,present
P2,112,T1,target,lung,false,48,,40,present
P2,112,NT1,non_target,bone,false,,,,present
P2,112,N1,new,liver,false,20,,15,present
P3,-5,T1,target,liver,false,50,,40,present
P3,-5,T2,target,lung,false,30,,20,present
P3,-5,NT1,non_target,bone,false,,,,present
P3,56,T1,target,liver,false,60,,45,present
P3,56,T2,target,lung,false,40,,25,present
P3,56,NT1,non_target,bone,false,,,,present
P3,112,T1,target,liver,false,30,,20,present
P3,112,T2,target,lung,false,20,,15,present
P3,112,NT1,non_target,bone,false,,,,present
P4,-2,T1,target,liver,false,40,,30,present
P4,-2,NT1,non_target,bone,false,,,,present
P4,56,T1,target,liver,false,,,,not_evaluable
P4,56,NT1,non_target,bone,false,,,,present
"""
DAYS_BLANK_LINE = 8

# Dates instead of days, with a patient table giving treatment_start 2021-03-01 (README: "with dates only,
# treatment_start comes from --patients"): 2021-04-26 is day 31 + 25 = 56, 2021-06-21 is day 112.
# - P5: 40 -> 20 mm (-50.00%): PR on day 56; target and non-target absent on day 112: CR.
# - P6: 30 -> 45 mm (+50.00%, +15 mm): PD on day 56.
DATES = """patient_id,date,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status
P5,2021-02-25,T1,target,liver,false,40,,present
P5,2021-02-25,NT1,non_target,bone,false,,,present
P5,2021-04-26,T1,target,liver,false,20,,present
P5,2021-04-26,NT1,non_target,bone,false,,,present
P5,2021-06-21,T1,target,liver,false,,,absent
P5,2021-06-21,NT1,non_target,bone,false,,,absent
P6,2021-02-27,T1,target,lung,false,30,,present
P6,2021-04-26,T1,target,lung,false,45,,present
"""
PATIENTS = "patient_id,treatment_start,arm\nP5,2021-03-01,A\nP6,2021-03-01,B\n"

# An SDTM folder read by two readers (README: "each evaluator is assessed separately (`reader` column)"),
# with the readers' own RS calls. TRDY 57 is day 56 and TRDY 55 day 54 (study day 1 = day 0). TRDY -6 on
# 2021-03-01 and -5 on 2021-03-02 put the first dose on 2021-03-07, so TRDY 57 is 2021-03-07 + 56 days =
# 2021-05-02 and TRDY 55 is 2021-04-30 (dates and days that agree: the lesion table assess writes reads
# back without a plausibility warning, io.validate.check_date_day_agree).
# - S1: reader 1 40 -> 28 mm (-30.00%): PR; reader 2 40 -> 36 mm (-10.00%): SD.
# - S2: reader 1 30 -> 40 mm (+33.33%, +10 mm): PD; reader 2 30 -> 33 mm (+10.00%, +3 mm): SD, while
#   reader 2's own RS call is PD (a disagreement the recorded_vs_computed table lists).
R1, R2 = "INDEPENDENT ASSESSOR,RADIOLOGIST 1", "INDEPENDENT ASSESSOR,RADIOLOGIST 2"
SDTM_TU = f"""USUBJID,TULNKID,TUSTRESC,TULOC,TUEVAL,TUEVALID
S1,T01,TARGET,LIVER,{R1}
S1,NT01,NON-TARGET,BONE,{R1}
S1,T01,TARGET,LIVER,{R2}
S1,NT01,NON-TARGET,BONE,{R2}
S2,T01,TARGET,LUNG,{R1}
S2,T01,TARGET,LUNG,{R2}
"""
SDTM_TR = f"""USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TREVAL,TREVALID,TRDTC,TRDY
S1,T01,LDIAM,40,40,mm,{R1},2021-03-01,-6
S1,NT01,TUMSTATE,PRESENT,,,{R1},2021-03-01,-6
S1,T01,LDIAM,28,28,mm,{R1},2021-05-02,57
S1,NT01,TUMSTATE,PRESENT,,,{R1},2021-05-02,57
S1,T01,LDIAM,40,40,mm,{R2},2021-03-01,-6
S1,NT01,TUMSTATE,PRESENT,,,{R2},2021-03-01,-6
S1,T01,LDIAM,36,36,mm,{R2},2021-05-02,57
S1,NT01,TUMSTATE,PRESENT,,,{R2},2021-05-02,57
S2,T01,LDIAM,30,30,mm,{R1},2021-03-02,-5
S2,T01,LDIAM,40,40,mm,{R1},2021-04-30,55
S2,T01,LDIAM,30,30,mm,{R2},2021-03-02,-5
S2,T01,LDIAM,33,33,mm,{R2},2021-04-30,55
"""
SDTM_RS = f"""USUBJID,RSTESTCD,RSTEST,RSCAT,RSORRES,RSSTRESC,RSEVAL,RSEVALID,RSDTC,RSDY
S1,OVRLRESP,Overall Response,RECIST 1.1,PR,PR,{R1},2021-05-02,57
S1,OVRLRESP,Overall Response,RECIST 1.1,SD,SD,{R2},2021-05-02,57
S2,OVRLRESP,Overall Response,RECIST 1.1,PD,PD,{R1},2021-04-30,55
S2,OVRLRESP,Overall Response,RECIST 1.1,PD,PD,{R2},2021-04-30,55
"""

INPUTS = ("days", "dates", "sdtm")

# RECIST 1.1 and iRECIST calls by hand (comments above): (patient, reader) -> responses in day order.
EXPECTED_CALLS = {
    "days": {
        "recist11": {("P1", ""): ["PR", "PR"], ("P2", ""): ["PD", None], ("P3", ""): ["PD", None],
                     ("P4", ""): ["NE"]},
        "irecist": {("P1", ""): ["iPR", "iPR"], ("P2", ""): ["iUPD", "iCPD"], ("P3", ""): ["iUPD", "iPR"],
                    ("P4", ""): ["NE"]},
    },
    "dates": {"recist11": {("P5", ""): ["PR", "CR"], ("P6", ""): ["PD"]}},
    "sdtm": {"recist11": {("S1", "RADIOLOGIST 1"): ["PR"], ("S1", "RADIOLOGIST 2"): ["SD"],
                          ("S2", "RADIOLOGIST 1"): ["PD"], ("S2", "RADIOLOGIST 2"): ["SD"]}},
}
EXPECTED_DAYS = {"days": {"P1": [56, 112], "P2": [56, 112], "P3": [56, 112], "P4": [56]},
                 "dates": {"P5": [56, 112], "P6": [56]}, "sdtm": {"S1": [56], "S2": [54]}}
EXPECTED_DATES = {"P5": ["2021-04-26", "2021-06-21"], "P6": ["2021-04-26"],
                  "S1": ["2021-05-02"], "S2": ["2021-04-30"]}

# The criteria as the README names them ("RECIST 1.1, irRC, irRECIST, iRECIST, imRECIST"): RSCAT / PARCAT1.
CRITERION_NAMES = {"recist11": "RECIST 1.1", "irrc": "irRC", "irrecist": "irRECIST", "irecist": "iRECIST",
                   "imrecist": "imRECIST"}
# README "Outputs in results/": the tables assess writes.
ASSESS_TABLES = ("timepoints", "best_response", "lesions", "pet", "patterns", "recorded",
                 "recorded_vs_computed", "excluded")


def write_input(folder: Path, name: str) -> list:
    """The input ``name`` written into ``folder``; returns INPUT and the reading options of assess."""
    folder.mkdir(parents=True, exist_ok=True)
    if name == "days":
        return [write(folder, DAYS)]
    if name == "dates":
        return [write(folder, DATES), "--patients", write(folder, PATIENTS, "patients.csv")]
    sdtm = folder / "sdtm"
    sdtm.mkdir()
    for text, file in ((SDTM_TU, "tu.csv"), (SDTM_TR, "tr.csv"), (SDTM_RS, "rs.csv")):
        write(sdtm, text, file)
    return [sdtm]


_RUNS: dict[str, Path] = {}


@pytest.fixture(scope="module")
def assessed(tmp_path_factory):
    """``assessed(name)``: the folder of ``assess INPUT --criteria all --out`` (both formats, patterns),
    run once per input in this module."""

    def run(name: str) -> Path:
        if name not in _RUNS:
            root = tmp_path_factory.mktemp(name)
            out = root / "out"
            args = write_input(root / "input", name)
            assert_accepted(cli("assess", *args, "--criteria", "all", "--out", out))
            _RUNS[name] = out
        return _RUNS[name]

    return run


def wide(*args):
    """The command run with a console wide enough for every table cell to hold on one line."""
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "1000"})


def tables(out: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Parquet table, and the CSV table as the texts of its cells."""
    return pd.read_parquet(out / f"{name}.parquet"), pd.read_csv(out / f"{name}.csv", dtype=str,
                                                                 keep_default_na=False)


def study_day(day: float) -> float:
    """SDTM IG 4.4.4 study day of a day since first dose (day 0): no day 0."""
    return day + 1 if day >= 0 else day


def timepoints_of(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "timepoints.parquet")


# ---------------------------------------------------------------------------------------------------------
# The inputs hold what they are meant to hold (hand-computed calls, days and dates)


@pytest.mark.parametrize("name", INPUTS)
def test_inputs_give_the_hand_computed_calls_days_and_dates(assessed, name):
    timepoints = timepoints_of(assessed(name))
    for criterion, patients in EXPECTED_CALLS[name].items():
        mine = timepoints[timepoints["criterion"] == criterion]
        for (patient, reader), calls in patients.items():
            rows = mine[(mine["patient_id"] == patient) & (mine["reader"] == reader)].sort_values("day")
            got = rows["overall_response"].tolist()
            checked = [g for g, c in zip(got, calls, strict=True) if c is not None]
            assert checked == [c for c in calls if c is not None], (criterion, patient, reader, got)
    recist = timepoints[timepoints["criterion"] == "recist11"]
    for patient, days in EXPECTED_DAYS[name].items():
        rows = recist[recist["patient_id"] == patient]
        assert sorted(set(rows["day"])) == days
        if name != "days":
            assert sorted(set(rows["date"])) == EXPECTED_DATES[patient]
        else:
            assert set(rows["date"]) == {""}


# ---------------------------------------------------------------------------------------------------------
# 1. Determinism (README "Outputs in results/": "The same input gives byte-identical files"; DESIGN.md:
#    "Deterministic: the same input gives byte-identical outputs")


@pytest.mark.parametrize("name", INPUTS)
def test_the_same_input_gives_byte_identical_files_in_another_process(assessed, tmp_path, name):
    first = assessed(name)
    args = write_input(tmp_path / "input", name)
    second = tmp_path / "out"
    command = [sys.executable, "-m", "ioresponse", "assess", *map(str, args), "--criteria", "all", "--out",
               str(second)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "COLUMNS": "200"}, check=False)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in second.iterdir())
    assert written == sorted(p.name for p in first.iterdir() if p.stem in ASSESS_TABLES)
    assert {p.split(".")[1] for p in written} == {"csv", "parquet"}
    for file in written:
        assert (first / file).read_bytes() == (second / file).read_bytes(), file
    # What the other commands write from the two folders.
    commands = [("export", "--sdtm", "--adam"), ("compare",), ("compare", "--confirmed"), ("report",)]
    if name == "dates":
        commands.append(("report", "--patients", args[2]))
    for command in commands:
        outputs = []
        for folder in (first, second):
            before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
            assert_accepted(cli(command[0], folder, *command[1:]))
            outputs.append({p.name: p.read_bytes() for p in folder.iterdir()
                            if p.suffix != ".xpt" and before.get(p.name) != p.stat().st_mtime_ns})
        assert sorted(outputs[0]) == sorted(outputs[1]) and outputs[0], command
        for file in outputs[0]:
            assert outputs[0][file] == outputs[1][file], (command, file)


def test_export_xpt_files_are_byte_identical(assessed, tmp_path):
    copies = []
    for copy in ("a", "b"):
        folder = tmp_path / copy
        shutil.copytree(assessed("days"), folder)
        assert_accepted(cli("export", folder, "--sdtm", "--adam"))
        copies.append(folder)
        time.sleep(1.1)  # a header time has a resolution of one second
    for file in ("rs.xpt", "adrs.xpt"):
        assert (copies[0] / file).read_bytes() == (copies[1] / file).read_bytes(), file


# ---------------------------------------------------------------------------------------------------------
# 2. Parquet and CSV of one run hold the same values (README "Python": text columns are strings, "an
#    empty value is \"\""; "Command line": --format csv|parquet|both, and the commands read either)


def same_cell(parquet_value, csv_text: str) -> bool:
    """A Parquet cell and the CSV text of the same cell hold the same value (an empty CSV cell is a
    missing number or an empty text; booleans are True/False)."""
    if parquet_value is None or parquet_value is pd.NA:
        return csv_text == ""
    if isinstance(parquet_value, bool | np.bool_):
        return csv_text == str(bool(parquet_value))
    if isinstance(parquet_value, float | np.floating):
        if np.isnan(parquet_value):
            return csv_text == ""
        return csv_text != "" and float(csv_text) == parquet_value
    if isinstance(parquet_value, int | np.integer):
        return csv_text != "" and int(csv_text) == parquet_value
    return csv_text == str(parquet_value)


@pytest.mark.parametrize("name", INPUTS)
def test_parquet_and_csv_of_one_run_hold_the_same_rows_columns_and_values(assessed, name):
    out = assessed(name)
    stems = [stem for stem in ASSESS_TABLES if (out / f"{stem}.parquet").exists()]
    assert {"timepoints", "best_response", "lesions"} <= set(stems)
    assert name != "sdtm" or {"recorded", "recorded_vs_computed"} <= set(stems)
    for stem in stems:
        parquet, csv = tables(out, stem)
        assert list(parquet.columns) == list(csv.columns), stem
        assert len(parquet) == len(csv), stem
        schema = pq.read_schema(out / f"{stem}.parquet")
        for column in parquet.columns:
            text = str(schema.field(column).type) in ("string", "large_string")
            if text:  # empty text is "", never a missing value
                assert not parquet[column].isna().any(), (stem, column)
            for row, (value, cell) in enumerate(zip(parquet[column], csv[column], strict=True)):
                assert same_cell(value, cell), (stem, column, row, value, cell)


def test_text_columns_of_the_result_tables_are_text_with_empty_strings(assessed):
    # README: "Their text columns (patient, labels, `reason`) use [...] string dtype [...]; an empty value
    # is \"\"". A lesion-table input has no reader and no date: both are "" on every row.
    out = assessed("days")
    for stem in ("timepoints", "best_response"):
        schema = pq.read_schema(out / f"{stem}.parquet")
        table = pd.read_parquet(out / f"{stem}.parquet")
        for column in ("patient_id", "reader", "criterion", "reason"):
            assert str(schema.field(column).type) in ("string", "large_string"), (stem, column)
        assert set(table["reader"]) == {""}, stem
    assert set(timepoints_of(out)["date"]) == {""}


def one_format_outputs(tmp_path: Path, text: str, fmt: str, patient: str) -> dict[str, object]:
    """What explain, compare and export give from a folder assessed with ``--format fmt``."""
    root = tmp_path / fmt
    root.mkdir()
    out = root / "out"
    assert_accepted(cli("assess", write(root, text), "--criteria", "recist11,irecist",
                        "--no-patterns", "--format", fmt, "--out", out))
    assert {p.suffix for p in out.iterdir()} == {f".{fmt}"}
    explained = wide("explain", out, patient)
    compared = cli("compare", out)
    exported = cli("export", out, "--sdtm", "--adam")
    for result in (explained, compared, exported):
        assert_accepted(result)
    return {"explain": explained.output, "compare": compared.output.replace(str(out), "OUT"),
            **{file: (out / file).read_bytes() for file in ("rs.csv", "adrs.csv", "compare_wide.csv",
                                                            "compare_reclassification.csv")}}


@pytest.mark.parametrize("patient", [
    "P1",
    "NA",  # a patient id "NA" stays text in a CSV-only folder (read_output reads ids as written)
])
def test_commands_read_a_csv_only_folder_as_they_read_a_parquet_only_folder(tmp_path, patient):
    text = DAYS.replace("\nP1,", f"\n{patient},")
    from_csv = one_format_outputs(tmp_path, text, "csv", patient)
    from_parquet = one_format_outputs(tmp_path, text, "parquet", patient)
    assert f"Patient {patient}" in from_parquet["explain"]
    for key, value in from_parquet.items():
        assert from_csv[key] == value, key


# ---------------------------------------------------------------------------------------------------------
# 3. export --sdtm --adam (README "Cohort analysis, figures, HTML report and CDISC export": rs.csv/.xpt,
#    adrs.csv/.xpt). Per CDISC: RS OVRLRESP is the overall response of an assessment (RSDTC its date,
#    RSDY its SDTM study day, RSEVALID the evaluator); ADRS OVR per assessment, BOR and CBOR per subject.


@pytest.fixture(scope="module")
def exported(assessed):
    def run(name: str) -> Path:
        out = assessed(name)
        if not (out / "rs.csv").exists():
            assert_accepted(cli("export", out, "--sdtm", "--adam"))
        return out

    return run


def days(cells: pd.Series) -> list[float | None]:
    """Study days of CSV cells, None for an empty cell."""
    return [None if cell == "" else float(cell) for cell in cells]


@pytest.mark.parametrize("name", INPUTS)
def test_rs_overall_responses_are_the_timepoint_rows_with_their_dates_and_study_days(exported, name):
    out = exported(name)
    for file in ("rs.csv", "rs.xpt", "adrs.csv", "adrs.xpt"):
        assert (out / file).stat().st_size > 0, file
    timepoints = timepoints_of(out)
    rs = pd.read_csv(out / "rs.csv", dtype=str, keep_default_na=False)
    expected = Counter(
        (row.patient_id, CRITERION_NAMES[row.criterion], row.reader, row.date, study_day(row.day),
         row.overall_response)
        for row in timepoints.itertuples())
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    got = Counter(zip(overall["USUBJID"], overall["RSCAT"], overall["RSEVALID"], overall["RSDTC"],
                      days(overall["RSDY"]), overall["RSSTRESC"], strict=True))
    assert got == expected
    assert (overall["RSORRES"] == overall["RSSTRESC"]).all()
    assert set(rs["DOMAIN"]) == {"RS"}
    # Every RS row (target, non-target, new-lesion tests too) belongs to an assessment of the timepoints.
    assessments = {key[:5] for key in expected}
    rows = zip(rs["USUBJID"], rs["RSCAT"], rs["RSEVALID"], rs["RSDTC"], days(rs["RSDY"]), strict=True)
    assert set(rows) <= assessments
    # RSSEQ: unique sequence per subject (SDTM IG).
    for subject, rows in rs.groupby("USUBJID"):
        assert sorted(rows["RSSEQ"].astype(int)) == list(range(1, len(rows) + 1)), subject


@pytest.mark.parametrize("name", INPUTS)
def test_adrs_ovr_bor_and_cbor_are_the_timepoint_and_best_response_rows(exported, name):
    out = exported(name)
    timepoints = timepoints_of(out)
    best = pd.read_parquet(out / "best_response.parquet")
    adrs = pd.read_csv(out / "adrs.csv", dtype=str, keep_default_na=False)
    # PARAM names the parameter; PARAMCD is one per criterion (RECIST 1.1 OVR, iRECIST IOVR, ...)
    ovr = adrs[adrs["PARAM"].str.startswith("Overall Response by ")]
    assert Counter(zip(ovr["USUBJID"], ovr["PARCAT1"], ovr["RSEVALID"], ovr["ADT"], days(ovr["ADY"]),
                       ovr["AVALC"], strict=True)) == Counter(
        (row.patient_id, CRITERION_NAMES[row.criterion], row.reader, row.date, study_day(row.day),
         row.overall_response) for row in timepoints.itertuples())
    dates = {(row.patient_id, row.reader, row.criterion, row.day): row.date
             for row in timepoints.itertuples()}
    # each best response is dated by its own day (the anatomic criteria's best_response_day and
    # best_response_confirmed_day), else bor_day (a metabolic criterion's two best responses are one)
    for code, column in (("Best Overall Response by ", "best_response"),
                         ("Confirmed Best Overall Response by ", "best_response_confirmed")):
        rows = adrs[adrs["PARAM"].str.startswith(code)]
        own = best[f"{column}_day"].fillna(best["bor_day"]) if f"{column}_day" in best else best["bor_day"]
        expected = Counter(
            (row.patient_id, CRITERION_NAMES[row.criterion], row.reader, getattr(row, column),
             None if pd.isna(day) else study_day(day),
             dates.get((row.patient_id, row.reader, row.criterion, day), ""))
            for row, day in zip(best.itertuples(), own, strict=True))
        got = Counter(zip(rows["USUBJID"], rows["PARCAT1"], rows["RSEVALID"], rows["AVALC"],
                          days(rows["ADY"]), rows["ADT"], strict=True))
        assert got == expected, code


# Property 3, second half ("re-assess an SDTM folder made of TU + TR + the exported RS, and find 100 %
# agreement"), is not tested: the README does not say that an exported RS can be read back.


# ---------------------------------------------------------------------------------------------------------
# 4. explain (README: "one patient's timeline with reasons"; DESIGN.md: "A patient's explanation is its
#    rows of the cohort result")


def explained_rows(output: str) -> tuple[list[tuple], list[tuple]]:
    """The rows explain printed: (reader, day, criterion, response, flags, reason) of the timelines and
    (reader, criterion, best, confirmed, reason) of the best-response table."""
    timeline, best, section, reader = [], [], None, ""
    for line in output.splitlines():
        text = line.strip()
        if text.startswith("Patient "):
            section, reader = "timeline", text.split(", reader ", 1)[1] if ", reader " in text else ""
        elif text.startswith("Best overall response"):
            section = "best"
        elif text.startswith("Patterns and flags"):
            section = None
        elif text.startswith("│") and section is not None:
            cells = tuple(cell.strip() for cell in text.strip("│").split("│"))
            if section == "timeline":
                assert len(cells) == 5, cells
                timeline.append((reader, *cells))
            else:
                assert len(cells) == 5, cells
                best.append(cells)
    return timeline, best


def expected_explanation(out: Path, patient: str) -> tuple[Counter, Counter]:
    timepoints = timepoints_of(out)
    best = pd.read_parquet(out / "best_response.parquet")
    mine = timepoints[timepoints["patient_id"] == patient]
    timeline = Counter((row.reader, str(row.day), row.criterion, row.overall_response, row.flags, row.reason)
                       for row in mine.itertuples())
    summary = Counter((row.reader, row.criterion, row.best_response, row.best_response_confirmed, row.reason)
                      for row in best[best["patient_id"] == patient].itertuples())
    return timeline, summary


@pytest.mark.parametrize(("name", "patient"), [
    ("days", "P1"), ("days", "P2"), ("days", "P3"), ("days", "P4"), ("dates", "P5"), ("dates", "P6"),
    ("sdtm", "S1"), ("sdtm", "S2"),
])
def test_explain_prints_the_calls_and_reasons_of_every_timepoint_row_of_the_patient(assessed, name, patient):
    out = assessed(name)
    result = wide("explain", out, patient)
    assert_accepted(result)
    timeline, summary = explained_rows(result.output)
    expected_timeline, expected_summary = expected_explanation(out, patient)
    criteria = {row[2] for row in expected_timeline}
    assert criteria >= {"recist11", "irrecist", "irecist", "imrecist"}
    assert Counter(timeline) == expected_timeline
    assert Counter(summary) == expected_summary


def test_explain_prints_a_reason_naming_a_lesion_id_with_brackets_as_written(tmp_path):
    text = DAYS.replace("P4,-2,T1,", "P4,-2,T[left],").replace("P4,56,T1,", "P4,56,T[left],")
    out = tmp_path / "out"
    assert_accepted(cli("assess", write(tmp_path, text), "--criteria", "recist11", "--no-patterns",
                        "--out", out))
    expected_timeline, _ = expected_explanation(out, "P4")
    assert any("T[left]" in row[5] for row in expected_timeline)
    result = wide("explain", out, "P4")
    assert_accepted(result)
    timeline, _ = explained_rows(result.output)
    assert Counter(timeline) == expected_timeline


# ---------------------------------------------------------------------------------------------------------
# 5. compare (README: prints "one matrix per criterion", writes compare_wide.csv (patient x criterion) and
#    compare_reclassification.csv ("every non-empty cell of the matrices: both responses, reclassified, n,
#    patients"))


def printed_matrices(output: str, column: str) -> dict[tuple[str, str], Counter]:
    """(criterion, reader or "") -> Counter of (reference label, criterion label) of the matrices compare
    printed (one per criterion, and per reader when several readers read the patients)."""
    matrices, key, header = {}, None, None
    for line in output.splitlines():
        text = line.strip()
        if text.startswith("recist11 (rows) vs ") and f"(columns), {column}" in text:
            reader = text.split(f"(columns), {column}", 1)[1].removeprefix(", reader ")
            key, header = (text.split(" vs ", 1)[1].split(" ", 1)[0], reader), None
            matrices[key] = Counter()
        elif key and text.startswith("┃"):
            header = [cell.strip() for cell in text.strip("┃").split("┃")]
        elif key and header and text.startswith("│"):
            cells = [cell.strip() for cell in text.strip("│").split("│")]
            for label, count in zip(header[1:], cells[1:], strict=True):
                matrices[key][(cells[0], label)] += int(count)
        elif text.startswith("└"):
            key = None
    return matrices


@pytest.mark.parametrize("name", INPUTS)
@pytest.mark.parametrize("confirmed", [False, True])
def test_compare_counts_are_the_crosstab_of_best_response(assessed, name, confirmed):
    out = assessed(name)
    column = "best_response_confirmed" if confirmed else "best_response"
    result = wide("compare", out, "--confirmed" if confirmed else "--unconfirmed")
    assert_accepted(result)
    best = pd.read_parquet(out / "best_response.parquet")
    keys = ["patient_id", "reader"]
    by_criterion = {c: rows.set_index(keys)[column] for c, rows in best.groupby("criterion", sort=False)}
    reference = by_criterion.pop("recist11")
    subjects = sorted(set(reference.index))
    several = len({reader for _, reader in subjects}) > 1  # one matrix per reader (spec 8: patients once)
    expected = {}
    for criterion, labels in by_criterion.items():
        assert sorted(labels.index) == subjects, criterion
        for s in subjects:
            key = (criterion, s[1] if several else "")
            expected.setdefault(key, Counter())[(reference[s], labels[s])] += 1
    # The matrices printed: every cell, zeros included.
    printed = printed_matrices(result.output, column)
    assert set(printed) == set(expected)
    for key, counts in expected.items():
        assert +printed[key] == counts, key
        assert sum(printed[key].values()) == sum(counts.values())
    # compare_reclassification.csv: the non-empty cells with their counts and patients.
    cells = pd.read_csv(out / "compare_reclassification.csv", dtype=str, keep_default_na=False)
    got = {(row["criterion"], row.get("reader", ""), row["recist11_response"], row["response"]): int(row["n"])
           for row in cells.to_dict("records")}
    assert got == {(*key, a, b): n for key, counts in expected.items() for (a, b), n in counts.items()}
    for row in cells.itertuples():
        assert len(row.patients.split(", ")) == int(row.n)
    # compare_wide.csv: patient (x reader) x criterion.
    table = pd.read_csv(out / "compare_wide.csv", dtype=str, keep_default_na=False)
    assert list(table.columns) == [*keys, "recist11", *by_criterion]
    for row in table.to_dict("records"):
        subject = (row["patient_id"], row["reader"])
        assert row["recist11"] == reference[subject]
        for criterion, labels in by_criterion.items():
            assert row[criterion] == labels[subject]
    assert sorted((row["patient_id"], row["reader"]) for row in table.to_dict("records")) == subjects


# ---------------------------------------------------------------------------------------------------------
# 6. No input row silently dropped (README: "excluded.* (rows not used, each with its reason)"; "Rows are the
#    rows the user sees: CSV lines (blank lines counted, and skipped) [...] the header being row 1")


def data_lines(text: str) -> set[int]:
    """Row numbers of the non-blank lines after the header (header = row 1)."""
    return {number for number, line in enumerate(text.splitlines(), start=1) if number > 1 and line.strip()}


# Rows 30-35 added to DAYS, each invalid on its own (README input table, spec/anatomic.md 0.1-0.3).
INVALID_ROWS = {
    30: "P2,112,N2,new,lung,false,abc,,,present",          # a size that is not a number
    31: "P9,-1,T1,target,lung,false,30,,20,sometimes",    # a status that is not allowed
    32: "P8,56,T1,target,lung,false,30,,20,present",      # a patient without baseline
    33: "P4,-2,N5,new,lung,false,30,,20,present",         # a new lesion at baseline
    34: "P3,56,T1,target,liver,false,60,,45,present",     # an identical duplicate of row 20
}


def test_every_data_row_is_in_lesions_or_in_excluded(tmp_path):
    text = DAYS + "\n".join(INVALID_ROWS.values()) + "\n"
    assert sorted(data_lines(text) - data_lines(DAYS)) == sorted(INVALID_ROWS)
    out = tmp_path / "out"
    assert_accepted(cli("assess", write(tmp_path, text), "--criteria", "all", "--exclude-invalid",
                        "--no-patterns", "--out", out))
    used = set(pd.read_parquet(out / "lesions.parquet")["source_row"])
    excluded = pd.read_parquet(out / "excluded.parquet")
    left_out = set(excluded["source_row"])
    assert (excluded["reason"] != "").all()
    assert not used & left_out
    assert used | left_out == data_lines(text)
    assert DAYS_BLANK_LINE not in used | left_out
    assert set(INVALID_ROWS) <= left_out


@pytest.mark.parametrize("name", INPUTS)
def test_every_row_of_the_inputs_is_accounted_for(assessed, name):
    out = assessed(name)
    used = set(pd.read_parquet(out / "lesions.parquet")["source_row"])
    left_out = set(pd.read_parquet(out / "excluded.parquet")["source_row"]) if (
        out / "excluded.parquet").exists() else set()
    source = {"days": DAYS, "dates": DATES, "sdtm": SDTM_TR}[name]
    assert used | left_out == data_lines(source)
    if name == "sdtm":  # the readers' RS calls: every OVRLRESP row of rs.csv
        recorded = pd.read_parquet(out / "recorded.parquet")
        assert sorted(recorded["source_row"]) == sorted(data_lines(SDTM_RS))


# ---------------------------------------------------------------------------------------------------------
# 7. Bad use exits 2 with a located message, never a traceback (README: "Bad input stops with a located
#    message (file, row, column, what was expected) and exit code 2")

COMMANDS_ON_A_FOLDER = [("explain", "P1"), ("compare",), ("report",), ("export", "--sdtm", "--adam")]


@pytest.mark.parametrize("command", COMMANDS_ON_A_FOLDER, ids=lambda c: c[0])
@pytest.mark.parametrize("folder", ["empty", "missing"])
def test_a_folder_without_assess_outputs_exits_2_naming_the_folder(tmp_path, command, folder):
    path = tmp_path / folder
    if folder == "empty":
        path.mkdir()
    text = assert_refused(cli(command[0], path, *command[1:]), str(path), "ioresponse assess")
    assert "best_response" in text or "timepoints" in text


@pytest.mark.parametrize("command", COMMANDS_ON_A_FOLDER, ids=lambda c: c[0])
def test_a_folder_whose_parquet_tables_are_not_parquet_exits_2(tmp_path, command):
    for stem in ("timepoints", "best_response"):
        write(tmp_path, "not a parquet file\n", f"{stem}.parquet")
    assert_refused(cli(command[0], tmp_path, *command[1:]), "parquet")


def not_assess_tables(folder: Path) -> Path:
    """A folder whose timepoints.csv and best_response.csv hold a patient_id column and nothing of the
    assess tables (spec/anatomic.md 0.9)."""
    folder.mkdir()
    for stem in ("timepoints", "best_response"):
        write(folder, "patient_id,criterion\nP1,recist11\n", f"{stem}.csv")
    return folder


def test_report_on_tables_that_are_not_assess_outputs_names_the_table_and_column(tmp_path):
    assert_refused(cli("report", not_assess_tables(tmp_path / "out")), "best_response", "missing column(s)")


def test_export_on_tables_that_are_not_assess_outputs_names_the_timepoints_table(tmp_path):
    text = assert_refused(cli("export", not_assess_tables(tmp_path / "out"), "--sdtm"), "day",
                          "overall_response")
    assert "timepoints" in text


@pytest.mark.parametrize("patient", [
    "P99",
    "p1",
    "P[left]",  # printed as typed, not as rich markup
])
def test_explain_of_a_patient_that_does_not_exist_exits_2_naming_it(assessed, patient):
    out = assessed("days")
    assert_refused(cli("explain", out, patient), f"no patient {patient};", "best_response", "patient_id",
                   "P1, P2, P3, P4")


@pytest.mark.parametrize(("command", "fragments"), [
    (("assess", "{input}", "--criteria", "recist11,recist12", "--out", "{out}"),
     ("--criteria", "unknown criterion recist12", "recist11, irrc, irrecist, irecist, imrecist")),
    (("assess", "{input}", "--criteria", "RECIST11", "--out", "{out}"), ("--criteria", "RECIST11")),
    (("validate", "{input}", "--criteria", "irecist2"), ("--criteria", "unknown criterion irecist2")),
    (("compare", "{out}", "--reference", "recist12"), ("criterion", "no recist12 results", "recist11")),
    (("compare", "{out}", "--reference", "percist"), ("criterion", "no percist results", "irecist")),
])
def test_an_unknown_criterion_name_exits_2_naming_it(assessed, tmp_path, command, fragments):
    out = assessed("days")
    source = write(tmp_path, DAYS)
    folder = out if command[0] == "compare" else tmp_path / "new"
    args = [part.format(input=source, out=folder) for part in command]
    assert_refused(cli(*args), *fragments)
    assert not (tmp_path / "new").exists()


def test_exported_rs_read_back_agrees_with_every_criterion_it_holds(assessed, tmp_path):
    # export --sdtm writes one OVRLRESP row per timepoint with RSCAT naming the criterion; an SDTM folder of
    # the original TU and TR with that RS is read back (README "CDISC SDTM": each RS call is compared with
    # the computed call of the criterion its RSCAT names), so every call agrees with itself, per criterion.
    out = assessed("sdtm")
    assert_accepted(cli("export", out, "--sdtm"))
    folder = tmp_path / "sdtm"
    folder.mkdir()
    write(folder, SDTM_TU, "tu.csv")
    write(folder, SDTM_TR, "tr.csv")
    rs = pd.read_csv(out / "rs.csv", dtype=str, keep_default_na=False)
    rs.to_csv(folder / "rs.csv", index=False)
    again = tmp_path / "again"
    assert_accepted(cli("assess", folder, "--criteria", "all", "--out", again, "--format", "csv"))
    pairs = pd.read_csv(again / "recorded_vs_computed.csv", keep_default_na=False)
    timepoints = pd.read_csv(out / "timepoints.csv", keep_default_na=False)
    assert pairs["agrees"].all()
    assert pairs.groupby("criterion").size().to_dict() == timepoints.groupby("criterion").size().to_dict()
