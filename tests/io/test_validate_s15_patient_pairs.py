"""Decisions of the s15 bad-input fixes (io.validate), pinned beside the audit's CLI tests
(tests/cli/test_audit_s15_bad_input.py).

- ``os_days`` and ``os_event`` give one death or censoring together (spec/patterns.md 7.3, 7.4 count
  deaths): one without the other is refused at the empty cell, also when the other column is absent, and
  the cohort functions refuse a DataFrame given in Python so, never reading an empty ``os_event`` as alive.
- ``treatment_end_reason`` is one of spec/patterns.md 0.5's reasons, in any case; a Study built in Python
  with another value gives durable.off_treatment (spec 4.3) not_evaluable, never "not progression".
- A ``reader`` column names the reader on every row of a patient or on none (lesion and sum-only tables).
- A present target or new lesion measured 0 mm is a warning, as a size with status absent is (README):
  the measurement read is the one of spec/anatomic.md 0.4 (short axis of a node, else the long axis).

Tables are typed by hand; rows are CSV lines with the header as row 1.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ioresponse.cohort import os_durations, pfs_durations
from ioresponse.criteria import Study
from ioresponse.io.load import validate_only
from ioresponse.io.validate import UnusedMeasurementWarning
from ioresponse.patterns import durable
from ioresponse.patterns._common import PatternOptions, pattern_frame
from ioresponse.schema import InputError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))  # the CLI test helpers (tests/cli)
from _cli import GOOD, assert_accepted, assert_refused, cli, flat, write  # noqa: E402

# P1 baseline day -7 (rows 2-3), follow-up day 56 (rows 4-5): T1 40 -> 28 mm, PR.
TWO = GOOD + GOOD.split("\n", 1)[1].replace("P1", "P2")  # P2: rows 6-9


def _validate(tmp_path, patients_text):
    return cli("validate", write(tmp_path, TWO), "--patients", write(tmp_path, patients_text, "patients.csv"))


# ---------------------------------------------------------------------------------------------------------
# os_days / os_event


def test_os_days_and_os_event_go_together_both_ways(tmp_path):
    result = _validate(tmp_path, "patient_id,os_days,os_event\nP1,300,\nP2,,1\n")
    assert_refused(result, "patients.csv, row 2, column os_event: os_days is given without os_event",
                   "patients.csv, row 3, column os_days: os_event is given without os_days", "2 problem(s)")


def test_os_days_without_an_os_event_column_is_refused(tmp_path):
    # Without os_event no death is known: OS and the deaths of PFS would silently be left out.
    result = _validate(tmp_path, "patient_id,os_days\nP1,300\nP2,\n")
    assert_refused(result, "patients.csv, row 2, column os_event: os_days is given without os_event",
                   "1 problem(s)")


def test_os_days_with_os_event_0_or_both_empty_is_accepted(tmp_path):
    assert_accepted(_validate(tmp_path, "patient_id,os_days,os_event\nP1,300,0\nP2,,\n"))


def test_cohort_refuses_os_days_without_os_event_given_in_python():
    patients = pd.DataFrame({"patient_id": ["P1", "P2"], "os_days": [300, 200], "os_event": [np.nan, 1]})
    best = pd.DataFrame({"patient_id": ["P1", "P2"], "criterion": "recist11", "pfs_day": [56, 56],
                         "pfs_event": [False, False]})
    for call in (lambda: os_durations(patients), lambda: pfs_durations(best, patients)):
        with pytest.raises(InputError, match="os_days is given without os_event for patient.s. P1:") as err:
            call()
        assert err.value.column == "os_event"
    # an os_event without os_days is not a duration: left out, as before
    alive = os_durations(patients.assign(os_days=[np.nan, 200]))
    assert alive["patient_id"].tolist() == ["P2"]


# ---------------------------------------------------------------------------------------------------------
# treatment_end_reason


@pytest.mark.parametrize("reason", ["progression", "Progression", " TOXICITY ", "completed", "patient", ""])
def test_treatment_end_reason_in_the_vocabulary_any_case_is_accepted(tmp_path, reason):
    assert_accepted(_validate(tmp_path, f"patient_id,treatment_end_reason\nP1,{reason}\nP2,other\n"))


def test_treatment_end_reason_outside_the_vocabulary_lists_the_allowed_values(tmp_path):
    result = _validate(tmp_path, "patient_id,treatment_end_reason\nP1,death\nP2,PD\n")
    assert_refused(result, "patients.csv, row 3, column treatment_end_reason",
                   "'PD' is not one of progression, toxicity, death, completed, patient, other")


def _off_treatment(reason: str) -> tuple[str, str]:
    patients = pd.DataFrame({"patient_id": ["A"], "treatment_end_day": [730],
                             "treatment_end_reason": [reason]})
    best = {"patient_id": "A", "reader": "", "criterion": "recist11", "best_response": "PR",
            "best_response_confirmed": "PR", "first_response_day": 112, "progression_day": np.nan,
            "pfs_event": False, "pfs_day": 1100}
    points = pd.DataFrame([{"patient_id": "A", "reader": "", "criterion": "recist11", "day": d,
                            "overall_response": "PR"} for d in (112, 1100)])
    frame = pattern_frame(durable.find(Study(patients=patients), points, pd.DataFrame([best]),
                                       PatternOptions(), ["durable.off_treatment"]))
    return frame["flag"].item(), frame["reason"].item()


def test_durable_reads_the_reason_as_the_check_does():
    assert _off_treatment(" Progression ")[0] == "false"  # spec 4.3: stopped for progression
    assert _off_treatment("Completed")[0] == "true"


def test_durable_does_not_read_an_unknown_reason_as_not_progression():
    # A Study built in Python is not checked by io.validate: "PD" is not read as "not progression".
    flag, reason = _off_treatment("PD")
    assert flag == "not_evaluable"
    assert "treatment_end_reason 'PD', not one of progression, toxicity" in reason


# ---------------------------------------------------------------------------------------------------------
# reader


def test_reader_column_empty_on_every_row_is_one_reader(tmp_path):
    text = GOOD.replace("status\n", "status,reader\n").replace("present\n", "present,\n")
    assert_accepted(cli("validate", write(tmp_path, text)))


def test_sum_only_table_reader_partly_empty_is_refused_at_the_cell():
    table = pd.DataFrame({"patient_id": ["P1", "P1", "P1"], "day": [-7, 56, 56],
                          "target_sum_mm": [40, 28, 30], "reader": ["R1", "R1", " "]})
    problems = validate_only(table)
    assert [(p.rows, p.column) for p in problems] == [([4], "reader")]
    assert "e.g. 'R1'" in problems[0].message


def test_patients_read_once_beside_double_read_patients_are_accepted():
    # README: each reader is assessed separately; P2 was read once (no reader on any of its rows), P1 by R1.
    table = pd.DataFrame({"patient_id": ["P1", "P1", "P2", "P2"], "day": [-7, 56, -7, 56],
                          "target_sum_mm": [40, 28, 50, 45], "reader": ["R1", "R1", "", ""]})
    assert validate_only(table) == []


# ---------------------------------------------------------------------------------------------------------
# present, measured 0 mm


def test_present_nodal_target_with_short_axis_0_warns_naming_short_axis(tmp_path):
    text = (GOOD.replace("T1,target,liver,false,40,,", "T1,target,lymph node,true,,40,")
            .replace("T1,target,liver,false,28,,", "T1,target,lymph node,true,,0,"))
    result = cli("validate", write(tmp_path, text))
    assert_accepted(result)
    assert "row 4, column short_axis_mm: a size of 0 mm is given with status present" in flat(result)
    assert "give status absent if it has disappeared, or its measured size" in flat(result)


def test_present_0_warns_with_the_category_of_a_size_given_with_status_absent():
    table = pd.read_csv(pd.io.common.StringIO(GOOD.replace(",28,,present", ",0,,present")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert validate_only(table) == []
    assert [type(w.message) for w in caught] == [UnusedMeasurementWarning]


def test_absent_with_0_and_non_target_without_size_do_not_warn(tmp_path):
    result = cli("validate", write(tmp_path, GOOD.replace(",28,,present", ",0,,absent")))
    assert_accepted(result)
    assert "warning" not in result.output
