"""Impossible dates in the patient table (--patients) are refused, located, with exit code 2.

Rules (io.validate, "Checks on the patient table"):
- spec/patterns.md 0.1, 0.5: day 0 is ``treatment_start``; ``treatment_end`` (last dose) and
  ``new_therapy_start`` (first later anticancer therapy) cannot lie before it, as dates or as days
  (``treatment_end_day`` / ``new_therapy_start_day`` < 0). The same day is possible.
- spec/patterns.md 7.3, 7.4 (death = ``os_event`` 1 on ``os_days``, days since treatment start): the spec
  is silent on a death before an assessment; a patient cannot be assessed after death, so ``os_days``
  before the patient's last assessment is an error, and so is a censored ``os_days`` (``os_event`` 0, alive
  at last contact) before it (project rule). Death or last contact on the day of the last scan is possible.
- Empty cells (not known, ongoing, no new therapy, no survival data) are never an error.

Every table is typed by hand; rows are CSV lines with the header as row 1.
"""

from __future__ import annotations

import sys
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

from ioresponse.io.load import load_study, validate_only
from ioresponse.schema import InputError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))  # the CLI test helpers (tests/cli)
from _cli import assert_accepted, assert_refused, cli, write  # noqa: E402

# P1: baseline day -7, follow-ups day 56 and 112 (rows 2-4); P2: baseline day -7, follow-up day 56 (rows
# 5-6). P1's last assessment is day 112, lesions.csv row 4; P2's is day 56, row 6.
LESIONS = """patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status
P1,-7,T1,target,liver,false,40,,present
P1,56,T1,target,liver,false,28,,present
P1,112,T1,target,liver,false,26,,present
P2,-7,T1,target,liver,false,50,,present
P2,56,T1,target,liver,false,52,,present
"""


def _patients(tmp_path, text):
    return write(tmp_path, text, "patients.csv")


def _validate(tmp_path, patients_text):
    lesions = write(tmp_path, LESIONS)
    return cli("validate", lesions, "--patients", _patients(tmp_path, patients_text))


@pytest.fixture
def outdir(tmp_path):
    """Results of `ioresponse assess` on LESIONS, as CSV (lesions.csv keeps LESIONS' rows in order)."""
    out = tmp_path / "out"
    assert_accepted(cli("assess", write(tmp_path, LESIONS), "--out", out, "--no-patterns", "--format", "csv"))
    return out


def _report(tmp_path, outdir, patients_text):
    return cli("report", outdir, "--patients", _patients(tmp_path, patients_text))


# --- treatment_end before treatment_start (spec/patterns.md 0.1, 0.5) -----------------------------------

def test_treatment_end_before_treatment_start_is_refused_by_validate(tmp_path):
    """spec/patterns.md 0.5: treatment_end is the last dose; one day before the first dose is impossible."""
    result = _validate(tmp_path, "patient_id,treatment_start,treatment_end\n"
                                 "P1,2021-03-01,2021-09-01\n"
                                 "P2,2021-03-01,2021-02-28\n")
    assert_refused(result, "patients.csv, row 3, column treatment_end",
                   "patient P2: treatment_end 2021-02-28 is before treatment_start 2021-03-01",
                   "spec/patterns.md 0.1, 0.5", "1 problem(s)")


def test_treatment_end_on_the_day_of_treatment_start_is_accepted(tmp_path):
    """spec/patterns.md 0.5, boundary: a single dose ends treatment on day 0."""
    result = _validate(tmp_path, "patient_id,treatment_start,treatment_end\n"
                                 "P1,2021-03-01,2021-03-01\n"
                                 "P2,2021-03-01,\n")
    assert_accepted(result)
    assert "no problem found" in result.output


def test_treatment_end_day_below_0_is_refused_and_day_0_accepted(tmp_path):
    """spec/patterns.md 0.1: days count from the first dose (day 0); a last dose on day -1 is impossible."""
    result = _validate(tmp_path, "patient_id,treatment_end_day\nP1,0\nP2,-1\n")
    assert_refused(result, "patients.csv, row 3, column treatment_end_day",
                   "patient P2: treatment_end_day -1 is before day 0, the first dose")


def test_partial_treatment_start_is_compared_as_imputed_and_says_so(tmp_path):
    """A partial date is imputed to mid-month (io.tables.parse_dates); the message shows the imputation."""
    result = _validate(tmp_path, "patient_id,treatment_start,treatment_end\nP1,2021-03,2021-03-10\n")
    assert_refused(result, "patients.csv, row 2, column treatment_end",
                   "treatment_end 2021-03-10 is before treatment_start 2021-03-15",
                   "imputed 2021-03-15")


def test_partial_dates_of_the_patient_and_lesion_tables_warn_alike_naming_their_rows():
    """One PartialDateWarning per column names the rows and the date used (io.tables.warn_partial_dates):
    the patient table's treatment_start 2021-03 and the lesion table's dates 2021-05 (spec/anatomic.md 0.1
    asks for an ISO date)."""
    from ioresponse.io.tables import PartialDateWarning

    dates = {"P1,-7,": "P1,2021-03-08,", "P1,56,": "P1,2021-05,", "P1,112,": "P1,2021-07-10,",
             "P2,-7,": "P2,2021-03-08,", "P2,56,": "P2,2021-05,"}
    lesions = LESIONS.replace("day,", "date,")
    for day, date in dates.items():
        lesions = lesions.replace(day, date)
    patients = pd.read_csv(StringIO("patient_id,treatment_start\nP1,2021-03\nP2,2021-03-15\n"), dtype=str)
    table = pd.read_csv(StringIO(lesions), dtype=str, keep_default_na=False)
    with pytest.warns(PartialDateWarning) as caught:
        study = load_study(table, patients=patients)
    messages = [str(w.message) for w in caught if w.category is PartialDateWarning]
    assert messages == [
        "<patient table>, row 2, column treatment_start: date 2021-03 partial: imputed 2021-03-15, the "
        "middle of the period it gives",
        "<table>, rows 3, 6, column date: date 2021-05 partial: imputed 2021-05-15, the middle of the "
        "period it gives (2 partial dates, each imputed the same way)",
    ]
    assert sorted(study.lesions["day"]) == [-7, -7, 61, 61, 117]  # imputed, nothing dropped


# --- new_therapy_start before treatment_start (spec/patterns.md 0.5) -------------------------------------

def test_new_therapy_before_treatment_start_is_refused(tmp_path):
    """spec/patterns.md 0.5: new_therapy_start is the first *later* anticancer therapy."""
    result = _validate(tmp_path, "patient_id,treatment_start,new_therapy_start\n"
                                 "P1,2021-03-01,2021-02-01\n"
                                 "P2,2021-03-01,2021-03-01\n")
    assert_refused(result, "patients.csv, row 2, column new_therapy_start",
                   "patient P1: new_therapy_start 2021-02-01 is before treatment_start 2021-03-01",
                   "1 problem(s)")  # P2, the same day, is possible


def test_new_therapy_start_day_below_0_is_refused(tmp_path):
    """spec/patterns.md 0.1, 0.5: new_therapy_start_day counts from the first dose."""
    result = _validate(tmp_path, "patient_id,new_therapy_start_day\nP1,-3\nP2,0\n")
    assert_refused(result, "patients.csv, row 2, column new_therapy_start_day",
                   "new_therapy_start_day -3 is before day 0", "1 problem(s)")


def test_new_therapy_start_that_is_not_a_date_is_refused(tmp_path):
    """new_therapy_start is an ISO date like treatment_start; an unreadable one is not silently ignored."""
    result = _validate(tmp_path, "patient_id,treatment_start,new_therapy_start\nP1,2021-03-01,31/03/2021\n")
    assert_refused(result, "patients.csv, row 2, column new_therapy_start", "'31/03/2021' is not an ISO date")


# --- death / follow-up before the last assessment (spec/patterns.md 7.4; project rule) -------------------

def test_death_before_the_last_assessment_is_refused_by_validate(tmp_path):
    """A patient cannot be assessed after death: P1 dies on day 111, its last scan is on day 112."""
    result = _validate(tmp_path, "patient_id,os_days,os_event\nP1,111,1\nP2,300,1\n")
    assert_refused(result, "patients.csv, row 2, column os_days",
                   "patient P1 died on day 111 (os_event 1) but has an assessment on day 112 "
                   "(lesions.csv, row 4); a patient cannot be assessed after death", "1 problem(s)")


def test_death_on_the_day_of_the_last_assessment_is_accepted(tmp_path):
    """Boundary: death on the day of the last scan (P1 day 112, P2 day 56) is possible."""
    assert_accepted(_validate(tmp_path, "patient_id,os_days,os_event\nP1,112,1\nP2,56,1\n"))


def test_censored_follow_up_before_the_last_assessment_is_refused(tmp_path):
    """Alive at last contact on day 55 but scanned (seen) on day 56: the follow-up is too short."""
    result = _validate(tmp_path, "patient_id,os_days,os_event\nP1,112,0\nP2,55,0\n")
    assert_refused(result, "patients.csv, row 3, column os_days",
                   "patient P2 has follow-up ending on day 55 (os_event 0: alive at last contact) but has "
                   "an assessment on day 56 (lesions.csv, row 6)", "1 problem(s)")  # P1: same day, fine


def test_missing_dates_and_survival_are_not_errors(tmp_path):
    """Empty cells mean not known / ongoing / none (spec/patterns.md 0.5): nothing to compare (os_days and
    os_event go together: one without the other is refused, tests/io/test_validate_s15_patient_pairs.py)."""
    header = "patient_id,treatment_start,treatment_end,new_therapy_start,os_days,os_event\n"
    result = _validate(tmp_path, header + "P1,,2021-01-01,2021-01-01,,\nP2,2021-03-01,,,,\n")
    assert_accepted(result)


def test_unreadable_survival_cells_are_refused_not_ignored(tmp_path):
    """os_days is a number of days and os_event 1 or 0 (DESIGN.md): other text would silently drop a
    death, so it is refused."""
    result = _validate(tmp_path, "patient_id,os_days,os_event\nP1,ten,1\nP2,30,dead\n")
    assert_refused(result, "patients.csv, row 2, column os_days", "'ten' is not a number of days",
                   "patients.csv, row 3, column os_event", "'dead' is not an event flag", "2 problem(s)")


def test_validate_lists_every_patient_table_problem_with_the_lesion_problems(tmp_path):
    """`validate` lists all problems: two date orders, a death, and a lesion-table error."""
    lesions = write(tmp_path, LESIONS.replace("P2,56,T1,target", "P2,56,T1,targett"))
    header = "patient_id,treatment_start,treatment_end,new_therapy_start,os_days,os_event\n"
    patients = _patients(tmp_path, header + "P1,2021-03-01,2021-02-01,2021-01-01,100,1\nP2,2021-03-01,,,,\n")
    result = cli("validate", lesions, "--patients", patients)
    assert_refused(result, "patients.csv, row 2, column treatment_end",
                   "patients.csv, row 2, column new_therapy_start", "patients.csv, row 2, column os_days",
                   "lesions.csv, row 6, column role", "4 problem(s)")


def test_assess_refuses_a_death_before_the_last_assessment(tmp_path):
    """assess reads the patient table through the same checks as validate (exit 2, located)."""
    lesions = write(tmp_path, LESIONS)
    patients = _patients(tmp_path, "patient_id,os_days,os_event\nP1,100,1\n")
    result = cli("assess", lesions, "--patients", patients, "--out", tmp_path / "out", "--no-patterns")
    assert_refused(result, "patients.csv, row 2, column os_days", "died on day 100")


def test_python_api_locates_the_error_on_the_input_error():
    """load_study raises, validate_only lists: file, row and column on the InputError."""
    lesions = pd.read_csv(StringIO(LESIONS))
    patients = pd.DataFrame({"patient_id": ["P1", "P2"], "treatment_start": ["2021-03-01", "2021-03-01"],
                             "treatment_end": ["2021-03-02", "2021-02-01"]})
    with pytest.raises(InputError, match="treatment_end 2021-02-01 is before treatment_start") as caught:
        load_study(lesions, patients=patients)
    assert (caught.value.rows, caught.value.column) == ([3], "treatment_end")
    problems = validate_only(lesions, patients=patients.assign(os_days=[50, 56], os_event=[1, 1]))
    assert [(p.rows, p.column) for p in problems] == [([3], "treatment_end"), ([2], "os_days")]


# --- report --patients reads the patient table through the same checks ----------------------------------

def test_report_refuses_a_death_before_the_last_assessment(tmp_path, outdir):
    """report's PFS would use the earlier death: refused instead, naming the results' row."""
    result = _report(tmp_path, outdir, "patient_id,os_days,os_event\nP1,111,1\nP2,300,0\n")
    assert_refused(result, "patients.csv, row 2, column os_days", "died on day 111",
                   "assessment on day 112", "lesions.csv, row 4")
    assert not (outdir / "pfs.csv").exists()


def test_report_refuses_a_censored_follow_up_before_the_last_assessment(tmp_path, outdir):
    """Censored os_days before the last assessment (project rule) under report too."""
    result = _report(tmp_path, outdir, "patient_id,os_days,os_event\nP1,112,1\nP2,40,0\n")
    assert_refused(result, "patients.csv, row 3, column os_days", "follow-up ending on day 40",
                   "lesions.csv, row 6")


def test_report_refuses_treatment_end_before_treatment_start(tmp_path, outdir):
    """spec/patterns.md 0.5 under report (tbp.csv would use a negative last-dose day)."""
    result = _report(tmp_path, outdir, "patient_id,treatment_start,treatment_end\n"
                                       "P1,2021-03-01,2021-02-01\nP2,2021-03-01,\n")
    assert_refused(result, "patients.csv, row 2, column treatment_end",
                   "treatment_end 2021-02-01 is before treatment_start 2021-03-01")


def test_report_accepts_death_on_the_last_assessment_day_and_missing_values(tmp_path, outdir):
    """Boundaries under report: death on the last scan day (P1 day 112); P2 without survival data."""
    result = _report(tmp_path, outdir, "patient_id,treatment_start,treatment_end,os_days,os_event\n"
                                       "P1,2021-03-01,2021-03-01,112,1\nP2,,,,\n")
    assert_accepted(result)
    pfs = pd.read_csv(outdir / "pfs.csv").iloc[0]
    assert (pfs["n"], pfs["events"]) == (2, 1)  # P1's death on day 112; P2 censored on day 56
