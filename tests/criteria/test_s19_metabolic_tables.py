"""Fixes of audit s19 for the metabolic criteria's tables (tests/test_audit_s19_output_schema.py and
tests/cohort/test_audit_s19_readers_everywhere.py).

- Each criterion declares the dtypes of its extra timepoint columns, applied whatever the number of rows: a
  PET table with baseline scans only gives an empty timepoint table with the dtypes of a run with follow-ups
  (spec/anatomic.md 0.9, metabolic.md 1.6: an empty result table still has its columns).
- A day that can be missing is float64 (NaN = none) in every table: iPERCIST's ``upmd_day`` too, alone or
  in a cohort (DESIGN "A single patient is a cohort of one").
- imPERCIST's ``summed_lesions`` is "" where nothing is summed (an NE scan, spec 8.7).
- ``new_lesion_response`` is written ``yes`` / ``no`` by every metabolic criterion, as by RECIST 1.1
  (spec/anatomic.md 1.5, 4.5; metabolic.md 1.6: the same columns, so that all criteria line up).
- PECRIT reads the RECIST 1.1 call of the same reader (spec/metabolic.md 6.2; README "Input": each reader is
  assessed separately); a read without reader on either side takes the other side's, and says whose.
- A metabolic responder without progression has a duration of response censored at the last adequate (not
  NE) follow-up (spec/patterns.md 7.3), as with the anatomic criteria.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.cohort import response_durations

QC = dict(uptake_min=60.0, liver_sul_mean=2.0, liver_sul_sd=0.25)
"""T = 1.5 x 2.0 + 2 x 0.25 = 3.5 and uptake 60 min at every scan: the PERCIST checks pass (spec 5.3, 5.4)."""

METABOLIC = ("eortc", "percist", "percimt", "impercist", "ipercist", "pecrit")


def scan(patient, day, lesion, sulpeak, *, role="target", cycles=2.0, status="present", recist="",
         reader=None, diameter=20.0):
    row = dict(patient_id=patient, day=day, lesion_id=lesion, role=role, organ="lung", sulpeak=sulpeak,
               suvmax=sulpeak * 1.3, tlg=sulpeak * 12, functional_diameter_mm=diameter, status=status,
               cycles_before_scan=0.0 if day <= 0 else cycles, recist_response=recist, **QC)
    return row if reader is None else row | {"reader": reader}


def assess(data, criteria, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(data, criteria=criteria, patterns=False, **options)


def by_patient(table, column):
    return dict(zip(table["patient_id"], table[column], strict=True))


# --- empty timepoint tables keep their dtypes (spec/anatomic.md 0.9, metabolic.md 1.6) --------------------


@pytest.mark.parametrize("criterion", METABOLIC)
def test_baseline_only_gives_an_empty_timepoint_table_with_the_dtypes_of_a_full_run(criterion):
    baseline = scan("P1", -5, "L1", 8.0)
    full = assess(pd.DataFrame([baseline, scan("P1", 25, "L1", 5.6, recist="SD")]), criterion).timepoints
    empty = assess(pd.DataFrame([baseline]), criterion).timepoints
    assert len(empty) == 0 and len(full) == 1
    assert list(empty.columns) == list(full.columns)
    assert dict(empty.dtypes) == dict(full.dtypes)


def test_empty_percist_table_keeps_integer_number_and_boolean_columns():
    empty = assess(pd.DataFrame([scan("P1", -5, "L1", 8.0)]), "percist").timepoints
    # reference_day and new_lesion_count are whole numbers, reference_value a number, qc_passed and
    # confirmation_advised flags (spec 1.6: reference value, number of new lesions, quality-check flags)
    assert {c: str(empty[c].dtype) for c in ("reference_day", "new_lesion_count", "reference_value",
                                             "qc_passed", "confirmation_advised")} == {
        "reference_day": "int64", "new_lesion_count": "int64", "reference_value": "float64",
        "qc_passed": "bool", "confirmation_advised": "bool"}


# --- iPERCIST upmd_day: float64 alone and in a cohort -------------------------------------------------------


def test_ipercist_upmd_day_is_float64_alone_and_beside_a_patient_without_upmd():
    # P1: hottest SULpeak 8.0 -> 12.0 on day 56 (+50 %, +4.0 SUL > 30 % and > 0.8: PMD, spec 5.5) -> UPMD, its
    # upmd_day 56 (spec 9.5); P2: 8.0 -> 5.6 (-30 %, -2.4 SUL: PMR), no UPMD, upmd_day NaN.
    rows = [scan("P1", -5, "L1", 8.0), scan("P1", 56, "L1", 12.0),
            scan("P2", -5, "L1", 8.0), scan("P2", 56, "L1", 5.6)]
    alone = assess(pd.DataFrame(rows[:2]), "ipercist").timepoints
    cohort = assess(pd.DataFrame(rows), "ipercist").timepoints
    assert alone["upmd_day"].dtype == np.float64 and cohort["upmd_day"].dtype == np.float64
    assert alone["upmd_day"].tolist() == [56.0]
    upmd = by_patient(cohort, "upmd_day")
    assert upmd["P1"] == 56.0 and math.isnan(upmd["P2"])


# --- imPERCIST summed_lesions: "" where nothing is summed


def test_impercist_summed_lesions_is_empty_text_on_an_ne_scan():
    # Day 56: L1 (the baseline-selected lesion, 8.0 >= T = 3.5) not evaluable: NE (spec 8.7), nothing summed.
    # Day 112: L1 5.0, summed alone: "L1" (spec 8.2).
    rows = [scan("P1", -5, "L1", 8.0), scan("P1", 56, "L1", np.nan, status="not_evaluable"),
            scan("P1", 112, "L1", 5.0)]
    timepoints = assess(pd.DataFrame(rows), "impercist").timepoints
    assert timepoints["overall_response"].tolist()[0] == "NE"
    assert timepoints["summed_lesions"].tolist() == ["", "L1"]


# --- new_lesion_response yes / no (spec/anatomic.md 1.5, 4.5; metabolic.md 1.6) -----------------------------


@pytest.mark.parametrize("criterion", ("eortc", "percist", "percimt", "impercist", "ipercist"))
def test_metabolic_new_lesion_response_is_yes_or_no(criterion):
    # P1 has a new FDG-avid lesion N1 on day 56, P2 none: "yes" and "no", written as RECIST 1.1 writes them.
    rows = [scan("P1", -5, "L1", 8.0), scan("P1", 56, "L1", 8.0), scan("P1", 56, "N1", 5.0, role="new"),
            scan("P2", -5, "L1", 8.0), scan("P2", 56, "L1", 8.0)]
    timepoints = assess(pd.DataFrame(rows), criterion).timepoints
    assert by_patient(timepoints, "new_lesion_response") == {"P1": "yes", "P2": "no"}


# --- PECRIT reads the RECIST 1.1 call of the same reader (spec 6.2)


def ct(patient, reader=None):
    """T1 50 -> 30 mm on day 28: -40 %, RECIST 1.1 PR (sec. 4.3.1: at least -30 %)."""
    rows = [dict(patient_id=patient, day=day, lesion_id="T1", role="target", organ="lung", lymph_node=False,
                 long_axis_mm=size, status="present") for day, size in ((-5, 50.0), (28, 30.0))]
    return [r if reader is None else r | {"reader": reader} for r in rows]


def pecrit_row(anatomic, pet_reader=None):
    """PECRIT's row of P1: hottest SULpeak 8.0 -> 8.0 on day 28 (in the 21-28 window, spec 6.9)."""
    pet = pd.DataFrame([scan("P1", day, "L1", 8.0, reader=pet_reader) for day in (-5, 28)])
    pet = pet.drop(columns="recist_response")
    result = assess(pd.DataFrame(anatomic), ("recist11", "pecrit"), pet=pet)
    rows = result.timepoints[result.timepoints["criterion"] == "pecrit"]
    assert len(rows) == 1
    return rows.iloc[0]


def test_pecrit_takes_the_same_readers_recist_call():
    row = pecrit_row(ct("P1", "R1") + ct("P1", "R2"), pet_reader="R1")
    # R1's CT PR at day 28: clinical benefit, PET not consulted (spec 6.5); the reader's own call, not named
    assert (row["recist_response"], row["overall_response"]) == ("PR", "clinical_benefit")
    assert row["reason"].startswith("RECIST 1.1 PR at day 28: PET not consulted")


def test_pecrit_named_reader_without_its_own_recist_call_is_ne():
    row = pecrit_row(ct("P1", "R2"), pet_reader="R1")
    # only R2 read the CT: R1 has no RECIST 1.1 call at day 28, NE (spec 6.7), not R2's PR
    assert (row["recist_response"], row["overall_response"]) == ("", "NE")
    assert row["reason"].startswith("no RECIST 1.1 call of reader R1 at day 28")


def test_pecrit_named_reader_takes_the_anatomic_read_without_reader_and_says_so():
    row = pecrit_row(ct("P1"), pet_reader="R1")
    assert (row["recist_response"], row["overall_response"]) == ("PR", "clinical_benefit")
    assert row["reason"].startswith(
        "RECIST 1.1 PR (the call of the anatomic read without reader) at day 28: PET not consulted")


def test_pecrit_read_without_reader_takes_the_one_anatomic_reader_and_says_whose():
    row = pecrit_row(ct("P1", "R2"))
    assert (row["recist_response"], row["overall_response"]) == ("PR", "clinical_benefit")
    assert row["reason"].startswith("RECIST 1.1 PR (the call of reader R2) at day 28")


def test_pecrit_read_without_reader_among_several_anatomic_readers_is_ne():
    row = pecrit_row(ct("P1", "R1") + ct("P1", "R2"))
    # two readers' calls, neither this read's: NE (spec 6.7) naming them
    assert (row["recist_response"], row["overall_response"]) == ("", "NE")
    assert row["reason"].startswith(
        "no RECIST 1.1 call of this read without reader (readers R1, R2 each have their own) at day 28")


# --- duration of response censored at the last adequate assessment (spec/patterns.md 7.3)


def test_percist_duration_of_response_censored_at_the_last_evaluable_follow_up():
    # P1: 8.0 -> 5.0 on day 49 (-37.5 %, -3.0 SUL: PMR, spec 5.5), 5.0 on day 98 (PMR), L1 not evaluable on
    # day 147 (NE, spec 5.7): no progression, so the duration is censored at day 98: 98 - 49 = 49 days.
    # P2: 8.0 -> 5.0 on day 49 (PMR), 11.0 on day 98 (+37.5 %, +3.0 SUL vs baseline: PMD): 98 - 49 = 49,
    # an event.
    # P3: 8.0 -> 8.0 (SMD): no response, no duration.
    rows = [scan("P1", -5, "L1", 8.0), scan("P1", 49, "L1", 5.0), scan("P1", 98, "L1", 5.0),
            scan("P1", 147, "L1", np.nan, status="not_evaluable"),
            scan("P2", -5, "L1", 8.0), scan("P2", 49, "L1", 5.0), scan("P2", 98, "L1", 11.0),
            scan("P3", -5, "L1", 8.0), scan("P3", 49, "L1", 8.0)]
    best = assess(pd.DataFrame(rows), "percist").best_response
    assert best["best_response"].tolist() == ["PMR", "PMR", "SMD"]
    durations = by_patient(best, "duration_of_response_days")
    assert (durations["P1"], durations["P2"]) == (49.0, 49.0) and math.isnan(durations["P3"])
    assert by_patient(best, "pfs_event") == {"P1": False, "P2": True, "P3": False}
    table = response_durations(best).set_index("patient_id")
    # the responders only; P1 censored, P2's progression an event
    assert table["duration_days"].to_dict() == {"P1": 49.0, "P2": 49.0}
    assert table["event"].to_dict() == {"P1": False, "P2": True}


def test_eortc_responder_still_responding_at_the_last_scan_is_censored_there():
    # EORTC after 2 cycles (spec 4.5): 8.0 -> 5.6 on day 42 (-30 % < -25 %: PMR), 5.2 on day 84 (-35 %: PMR).
    # No PMD: censored at day 84, 84 - 42 = 42 days.
    rows = [scan("P1", -5, "L1", 8.0), scan("P1", 42, "L1", 5.6), scan("P1", 84, "L1", 5.2)]
    best = assess(pd.DataFrame(rows), "eortc").best_response
    assert best["best_response"].tolist() == ["PMR"]
    assert best["duration_of_response_days"].tolist() == [42.0]
    assert best["pfs_event"].tolist() == [False]


def test_pfs_without_progression_is_censored_at_the_last_adequate_scan_spec_patterns_7_4():
    # spec/patterns.md 7.4: "Censoring at the last adequate assessment". SULpeak 8.0 at baseline, 5.0 on
    # day 42 (-37.5 %, PMR), then a scan on day 84 whose lesion is not evaluable (NE): no progression, so
    # PFS is censored on day 42, not on the NE scan of day 84 (as the anatomic criteria do)
    table = pd.DataFrame([scan("P1", -3, "L1", 8.0), scan("P1", 42, "L1", 5.0),
                          scan("P1", 84, "L1", math.nan, status="not_evaluable")])
    best = assess(table, ["percist"]).best_response.iloc[0]
    assert not best["pfs_event"]
    assert best["pfs_day"] == 42.0
