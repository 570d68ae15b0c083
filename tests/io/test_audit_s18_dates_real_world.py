"""Audit s18 "dates": assessment dates as real core-lab and hospital exports give them, end to end.

Audited against spec/anatomic.md 0.1 (``date`` or ``day``; "If only `date` is given, `day = date -
treatment_start` from the patient table"; first dose = day 0), 0.2 (an assessment is the rows sharing
(patient_id, day); baseline = latest assessment with day <= 0; follow-ups in day order), 0.4 (split
lesions), 0.7 (``confirm_min_days = 28``), 4.7 (iRECIST iUPD decided 28 to 56 days later),
spec/metabolic.md 1.1 (PET table: ``date`` is an ISO date), spec/patterns.md 0.1-0.2 and 2.1 (days and
months from dates, prebaseline scan), and README "Input" / "Outputs" (ISO dates, partial dates, the
patient table ``--patients``, located refusals with exit code 2, ``export`` RSDY/ADY = day + 1 on or
after day 0 per SDTM IG 4.4.4).

Everything runs through the public API (``ioresponse.assess``) or the command line (``ioresponse
assess`` / ``export``) on small hand-built tables; every expected value is worked out by hand in the
comment beside it. The differences it proved were fixed in session 18; their tests now pin the fixes (the
equal-fragments case as a decision: refused as a duplicate unless the notes tell the fragments apart).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import warnings
from io import StringIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.schema import InputError

HEADER = "patient_id,date,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"
START = "2024-01-01"


def lesion_text(scans, patient="P1"):
    """Two rows per scan (target T1 in the liver, non-target NT1 in bone); rows 2-3 are the first scan,
    rows 4-5 the second, and so on (header = row 1)."""
    lines = []
    for date, size in scans:
        lines.append(f"{patient},{date},T1,target,liver,false,{size},,present")
        lines.append(f"{patient},{date},NT1,non_target,bone,false,,,present")
    return HEADER + "\n".join(lines) + "\n"


def frame(text):
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


def patients(start=START, patient="P1"):
    return pd.DataFrame({"patient_id": [patient], "treatment_start": [start]})


def assess(data, criteria=("recist11",), **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(data, criteria=criteria, **kwargs)


def timeline(result, *columns):
    tp = result.timepoints
    return [tuple(row) for row in tp[["date", "day", *columns]].itertuples(index=False)]


runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def flat(result):
    return " ".join(result.output.split())


def write(folder, text, name):
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


PATIENTS_CSV = f"patient_id,treatment_start\nP1,{START}\n"


def cli_assess(tmp_path, text, *extra, name="lesions.csv", patients_text=PATIENTS_CSV):
    lesions = write(tmp_path, text, name)
    args = ["assess", lesions, "--out", tmp_path / "out", "--no-patterns", *extra]
    if patients_text is not None:
        args += ["--patients", write(tmp_path, patients_text, "patients.csv")]
    return cli(*args)


# Baseline 2023-12-30 = day -2 (2 days before 2024-01-01); 2024-01-29 = day 28 (31 days of January less
# 3); 2024-02-26 = day 56 (31 January days + 25). T1 40 -> 28 mm: (28 - 40) / 40 = -30.00 %: PR.
DATES = ("2023-12-30", "2024-01-29", "2024-02-26")
SIZES = (40, 28, 28)


# --------------------------------------------------------------------------------------------------
# 1. Day arithmetic from dates (spec/anatomic.md 0.1, 0.2, 0.7; 4.7)


def test_spec_0_1_leap_day_counts_and_0_7_confirmation_28_days_from_dates():
    # start 2024-02-28; 2024-02-20 is day -8 (baseline); 2024-03-01 is day 2 (Feb 29 exists in 2024);
    # 2024-03-29 is day 30 = 2 + 28: the PR of day 2 is confirmed by the PR of day 30 (>= 28 days, 0.7).
    scans = (("2024-02-20", 40), ("2024-03-01", 28), ("2024-03-29", 28))
    result = assess(frame(lesion_text(scans)), patients=patients("2024-02-28"))
    assert timeline(result, "overall_response") == [("2024-03-01", 2, "PR"), ("2024-03-29", 30, "PR")]
    best = result.best_response.iloc[0]
    assert best["best_response_confirmed"] == "PR"  # confirmed pair (day 2, day 30), 28 days apart
    assert best["first_response_day"] == 2


def test_spec_0_7_pr_27_days_later_from_dates_is_not_confirmed():
    # 2024-03-28 is day 29 from 2024-02-28; 29 - 2 = 27 < 28: not confirmed (0.7). Unconfirmed PR counts
    # as SD only at day >= min_sd_days = 42 (1.7); the last day is 29: best_response_confirmed NE.
    scans = (("2024-02-20", 40), ("2024-03-01", 28), ("2024-03-28", 28))
    result = assess(frame(lesion_text(scans)), patients=patients("2024-02-28"))
    assert timeline(result) == [("2024-03-01", 2), ("2024-03-28", 29)]
    best = result.best_response.iloc[0]
    assert (best["best_response"], best["best_response_confirmed"]) == ("PR", "NE")


def test_spec_0_2_year_boundary_baseline_before_first_dose_has_a_negative_day():
    # 2023-12-30 -> day -2: the latest assessment with day <= 0 is the baseline (0.2), -2 >= -28 so no
    # baseline_older_than_28_days flag; follow-ups day 28 and 56 (see DATES).
    result = assess(frame(lesion_text(zip(DATES, SIZES, strict=True))), patients=patients())
    assert timeline(result, "baseline_sum", "overall_response") == [
        ("2024-01-29", 28, 40.0, "PR"), ("2024-02-26", 56, 40.0, "PR")]
    assert not result.timepoints["flags"].str.contains("baseline_older").any()


@pytest.mark.parametrize(("confirm_date", "day", "expected", "flag"), [
    ("2024-03-09", 68, "iCPD", ""),                     # 2024-02-10 + 28 days (19 Feb days + 9): decides
    ("2024-03-08", 67, "iUPD", "early_scan_not_used"),  # 27 days: step 2, not used
    ("2024-04-06", 96, "iCPD", ""),                     # 19 + 31 + 6 = 56 days: inside 4-8 weeks
    ("2024-04-07", 97, "iCPD", "late_confirmation"),    # 57 days: still decides, flagged (4.7)
])
def test_spec_4_7_irecist_window_measured_on_calendar_days_across_feb_29(confirm_date, day, expected, flag):
    # start 2024-01-01: 2024-02-10 is day 40; T1 40 -> 50 mm is +25 % and +10 mm: iUPD (4.6 step 1);
    # 50 -> 56 mm is +6 mm >= 5 mm: iCPD when the scan is >= 28 days after the iUPD (4.6 step 3).
    scans = (("2023-12-30", 40), ("2024-02-10", 50), (confirm_date, 56))
    result = assess(frame(lesion_text(scans)), patients=patients(), criteria=("irecist",))
    assert timeline(result, "overall_response", "flags") == [
        ("2024-02-10", 40, "iUPD", ""), (confirm_date, day, expected, flag)]


# --------------------------------------------------------------------------------------------------
# 2. Date formats (spec/anatomic.md 0.1 "ISO date"; README: bad input stops with a located message)


def test_readme_iso_dates_with_a_time_or_offset_are_their_calendar_day(tmp_path):
    dates = ("2023-12-30T10:30:00", "2024-01-29 10:30", "2024-02-26T23:59:59Z")
    result = cli_assess(tmp_path, lesion_text(zip(dates, SIZES, strict=True)), "--criteria", "recist11")
    assert result.exit_code == 0, result.output
    timepoints = pd.read_csv(tmp_path / "out" / "timepoints.csv", dtype={"date": str})
    # the date part is the calendar day: days 28 and 56 as with plain dates (see DATES)
    assert list(zip(timepoints["date"], timepoints["day"], strict=True)) == [("2024-01-29", 28),
                                                                           ("2024-02-26", 56)]


@pytest.mark.parametrize("bad", ["29/01/2024", "01/29/2024", "01/03/2024", "2024/01/29", "45320", "20240129",
                                 "2024-1-29", "2024-02-30"])
def test_readme_non_iso_or_impossible_dates_are_refused_at_their_row(tmp_path, bad):
    # The second scan (rows 4 and 5) is not an ISO date: never guessed (01/03/2024 is 1 March or 3 January).
    result = cli_assess(tmp_path, lesion_text(zip((DATES[0], bad, DATES[2]), SIZES, strict=True)))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "lesions.csv, rows 4, 5, column date" in flat(result)


def test_readme_typed_dates_in_dataframes_parquet_and_excel_give_the_same_days(tmp_path):
    expected = [("2024-01-29", 28), ("2024-02-26", 56)]  # see DATES
    base = frame(lesion_text(zip(DATES, SIZES, strict=True)))
    as_datetime = base.assign(date=pd.to_datetime(base["date"]) + pd.Timedelta(hours=23))
    assert timeline(assess(as_datetime, patients=patients())) == expected
    table = pa.Table.from_pandas(base.drop(columns="date"), preserve_index=False)
    for kind in (pa.date32(), pa.timestamp("ms")):
        values = [dt.date.fromisoformat(d) for d in base["date"]]
        if kind != pa.date32():
            values = [dt.datetime.combine(d, dt.time(10, 30)) for d in values]
        path = tmp_path / "lesions.parquet"
        pq.write_table(table.append_column("date", pa.array(values, type=kind)), path)
        assert timeline(assess(path, patients=patients())) == expected
    excel = base.assign(date=[dt.datetime.fromisoformat(d) + dt.timedelta(hours=9) for d in base["date"]])
    excel.to_excel(tmp_path / "lesions.xlsx", index=False)
    assert timeline(assess(tmp_path / "lesions.xlsx", patients=patients())) == expected


@pytest.mark.parametrize("start", ["2024-01-01T09:30:00", "2024-01-01 09:30",
                                   pd.Timestamp("2024-01-01 09:30")])
def test_spec_0_1_patient_table_treatment_start_with_a_time_is_its_calendar_day(start):
    # day = date - treatment_start in calendar days: 28 and 56, as with 2024-01-01 (see DATES)
    result = assess(frame(lesion_text(zip(DATES, SIZES, strict=True))), patients=patients(start))
    assert timeline(result) == [("2024-01-29", 28), ("2024-02-26", 56)]


# --------------------------------------------------------------------------------------------------
# 3. Inconsistencies (spec/anatomic.md 0.1, 0.2; README "Input")


def test_spec_0_2_dates_out_of_order_in_the_file_are_sorted():
    text = HEADER + (
        "P1,2024-02-26,T1,target,liver,false,28,,present\n"
        "P1,2023-12-30,T2,target,lung,false,20,,present\n"
        "P1,2024-02-26,T2,target,lung,false,14,,present\n"
        "P1,2023-12-30,T1,target,liver,false,40,,present\n"
        "P1,2024-01-29,T1,target,liver,false,50,,present\n"
        "P1,2024-01-29,T2,target,lung,false,20,,present\n")
    result = assess(frame(text), patients=patients())
    # baseline 40 + 20 = 60; day 28: 70 is +16.67 % vs 60 (not PD, not <= -30 %): SD;
    # day 56: 28 + 14 = 42 is -30.00 % vs baseline 60: PR (nadir 60 < 70, so not PD)
    assert timeline(result, "current_sum", "overall_response") == [
        ("2024-01-29", 28, 70.0, "SD"), ("2024-02-26", 56, 42.0, "PR")]


def test_spec_0_2_a_ct_and_an_mri_three_days_apart_are_two_assessments():
    # 0.2: an assessment is the rows sharing (patient_id, day); a baseline lesion without a row at a
    # follow-up is not evaluable there. Day 56 (CT) lacks T2, day 59 (MRI, 2024-02-29) lacks T1:
    # each has measured targets far below PD (28 or 14 mm vs 1.2 x nadir 60 = 72 mm): NE, NE.
    text = HEADER + (
        "P1,2023-12-25,T1,target,liver,false,40,,present\n"
        "P1,2023-12-25,T2,target,brain,false,20,,present\n"
        "P1,2024-02-26,T1,target,liver,false,28,,present\n"
        "P1,2024-02-29,T2,target,brain,false,14,,present\n")
    result = assess(frame(text), patients=patients())
    assert timeline(result, "overall_response") == [("2024-02-26", 56, "NE"), ("2024-02-29", 59, "NE")]


def test_readme_date_and_day_that_disagree_are_refused_with_a_located_message(tmp_path):
    text = ("patient_id,date,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"
            "P1,2023-12-30,-2,T1,target,liver,false,40,,present\n"
            "P1,2024-01-29,28,T1,target,liver,false,28,,present\n"
            "P1,2024-02-26,57,T1,target,liver,false,28,,present\n")  # 2024-02-26 is day 56, not 57
    result = cli_assess(tmp_path, text, patients_text=None)
    assert result.exit_code == 2, result.output
    assert "lesions.csv, rows 2-4, column date" in flat(result)
    assert "2024-02-26 - day 57 = 2023-12-31" in flat(result)


@pytest.mark.parametrize("patients_text", [None, "patient_id,treatment_start\nP2,2024-01-01\n",
                                           "patient_id,treatment_start\nP1,\n"])
def test_spec_0_1_dates_without_a_treatment_start_are_refused(tmp_path, patients_text):
    # no patient table, P1 not in it, or P1 without treatment_start: day cannot be computed (0.1)
    result = cli_assess(tmp_path, lesion_text(zip(DATES, SIZES, strict=True)), patients_text=patients_text)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "lesions.csv, rows 2-7, column treatment_start" in flat(result)


# --------------------------------------------------------------------------------------------------
# 4. Outputs (README "export": RSDY / ADY = day + 1 from day 0, SDTM IG 4.4.4; spec/patterns.md 2.1)


def test_readme_export_dates_and_study_days_follow_the_input_dates(tmp_path):
    # 2024-04-01 is day 31 + 29 + 31 = 91; T1 60 mm is +114 % vs nadir 28: PD. Study days are day + 1.
    scans = (*zip(DATES, SIZES, strict=True), ("2024-04-01", 60))
    assert cli_assess(tmp_path, lesion_text(scans), "--criteria", "recist11").exit_code == 0
    assert cli("export", tmp_path / "out", "--sdtm", "--adam").exit_code == 0
    rs = pd.read_csv(tmp_path / "out" / "rs.csv", dtype=str, keep_default_na=False)
    overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
    assert list(zip(overall["RSDTC"], overall["RSDY"], overall["RSSTRESC"], strict=True)) == [
        ("2024-01-29", "29", "PR"), ("2024-02-26", "57", "PR"), ("2024-04-01", "92", "PD")]
    adrs = pd.read_csv(tmp_path / "out" / "adrs.csv", dtype=str, keep_default_na=False)
    bor = adrs[adrs["PARAMCD"] == "BOR"].iloc[0]
    assert (bor["AVALC"], bor["ADT"], float(bor["ADY"])) == ("PR", "2024-01-29", 29.0)  # first PR, day 28


def test_patterns_2_1_prebaseline_scan_dates_give_the_tgr_intervals():
    # prebaseline 2023-11-01 = day -61 (30 November days + 31 December days), baseline day -2, first
    # evaluation day 56. TGR = 100 (exp(3 ln(Sb/Sa) / months) - 1), months = days / 30.4375 (patterns 0.1).
    scans = (("2023-11-01", 30), ("2023-12-30", 40), ("2024-02-26", 60))
    result = assess(frame(lesion_text(scans)), patients=patients())
    row = result.patterns.set_index("definition").loc["hpd.champiat2017"]
    values = json.loads(row["values"])
    ref = 100 * (math.exp(3 * math.log(40 / 30) / (59 / 30.4375)) - 1)  # 56.09 %/month
    exp_ = 100 * (math.exp(3 * math.log(60 / 40) / (58 / 30.4375)) - 1)  # 89.33 %/month
    assert (values["t_pre"], values["t_0"], values["t_1"]) == (-61, -2, 56)
    assert values["TGR_ratio"] == pytest.approx(exp_ / ref, abs=1e-3)  # 1.593 < 2: not HPD
    assert row["flag"] == "false"


# --------------------------------------------------------------------------------------------------
# Proven differences


@pytest.mark.parametrize("start", ["2024-01-01T09:00:00", "2024-01-01 09:00"])
def test_spec_0_1_lesion_table_treatment_start_with_a_time_is_read_as_in_the_patient_table(start):
    table = frame(lesion_text(zip(DATES, SIZES, strict=True))).assign(treatment_start=start)
    result = assess(table)
    assert timeline(result) == [("2024-01-29", 28), ("2024-02-26", 56)]  # as with 2024-01-01


@pytest.mark.parametrize("bad", ["2024-02-260", "2024-02-26 rescan", "2024-02-2"])
def test_metabolic_1_1_pet_table_dates_that_are_not_iso_are_refused(tmp_path, bad):
    text = ("patient_id,date,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
            "P1,2023-12-27,L1,target,lung,8.0,60,2.0,0.25\n"
            f"P1,{bad},L1,target,lung,5.6,62,2.1,0.25\n")
    result = cli_assess(tmp_path, text, "--criteria", "percist", name="pet.csv")
    assert result.exit_code == 2, result.output
    assert "pet.csv, row 3, column date" in flat(result)


def test_spec_0_4_two_equal_fragments_are_refused_as_a_duplicate_unless_their_notes_differ():
    # Decision (session 18): rows identical in every column cannot be told from a row entered twice, so they
    # are refused (README: "Rows identical in every column are a duplicate"); fragments of one size are told
    # apart by their note, and then add up as spec 0.4 says.
    rows = [("2023-12-30", "T1", "liver", 12), ("2023-12-30", "T1", "liver", 12),
            ("2023-12-30", "T2", "lung", 20), ("2024-02-26", "T1", "liver", 12),
            ("2024-02-26", "T1", "liver", 12), ("2024-02-26", "T2", "lung", 20)]
    plain = HEADER + "".join(f"P1,{d},{i},target,{o},false,{v},,present\n" for d, i, o, v in rows)
    with pytest.raises(InputError) as error:
        assess(frame(plain), patients=patients())
    message = str(error.value)
    assert "identical duplicate of row 2" in message and "tell them apart in note" in message
    noted = frame(plain).assign(note=["fragment 1", "fragment 2", "", "fragment 1", "fragment 2", ""])
    result = assess(noted, patients=patients())
    # T1 = 12 + 12 = 24 mm, baseline sum 24 + 20 = 44 mm; unchanged at day 56: SD (0 %)
    assert timeline(result, "baseline_sum", "current_sum", "overall_response") == [
        ("2024-02-26", 56, 44.0, 44.0, "SD")]


def test_readme_year_space_month_is_refused_not_read_as_mid_year(tmp_path):
    result = cli_assess(tmp_path, lesion_text(zip((DATES[0], "2024 01", DATES[2]), SIZES, strict=True)))
    assert result.exit_code == 2, result.output
    assert "lesions.csv, rows 4, 5, column date" in flat(result)


def test_patterns_0_1_ttf_counts_calendar_days_from_a_lesion_table_treatment_start_with_a_time():
    text = ("patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status,"
            "treatment_start\n"
            "P1,-2,T1,target,liver,false,40,,present,2024-01-01T09:00:00\n"
            "P1,56,T1,target,liver,false,60,,present,2024-01-01T09:00:00\n")
    ends = pd.DataFrame({"patient_id": ["P1"], "treatment_end": ["2024-03-02"],
                         "treatment_end_reason": ["progression"]})
    result = assess(frame(text), patients=ends)
    rows = result.patterns.set_index("definition")
    # 2024-01-01 -> 2024-03-02: 31 (January) + 29 (February 2024) + 1 = 61 days; 61 > 60: not "< 2 months"
    assert json.loads(rows.loc["hpd.kato2017", "values"])["ttf_days"] == 61
    assert json.loads(rows.loc["hpd.lo_russo2019", "values"])["criteria"]["c1"] is False


@pytest.mark.parametrize("cell", ["2024-02-01T10:00", "2024-02-01 10:00;2024-02-05"])
def test_patterns_1_4_local_therapy_date_with_a_time_is_read_or_refused_never_a_crash(tmp_path, cell):
    scans = (("2023-12-30", 40), ("2024-01-29", 60), ("2024-02-26", 30))
    patients_text = f'patient_id,treatment_start,local_therapy_dates\nP1,{START},"{cell}"\n'
    lesions = write(tmp_path, lesion_text(scans), "lesions.csv")
    result = cli("assess", lesions, "--patients", write(tmp_path, patients_text, "patients.csv"),
                 "--out", tmp_path / "out", "--criteria", "recist11,irecist")
    assert result.exit_code in (0, 2), repr(result.exception)  # read as 2024-02-01 (day 31), or refused
