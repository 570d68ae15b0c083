"""Kaplan-Meier medians (cohort/survival.py) on a textbook data set, and PFS/DoR event derivation.

Textbook data: the remission times (weeks) of the 6-MP leukaemia trial, Freireich EJ et al. Blood
1963;21:699-716, as printed in Kleinbaum DG & Klein M, Survival Analysis: A Self-Learning Text
(3rd ed., Springer 2012), chapter 1-2 ("+" = censored). Their KM tables give median remission
23 weeks for 6-MP (S(22) = 0.5378, S(23) = 0.4482) and 8 weeks for placebo (S(5) = 0.5714,
S(8) = 0.3810).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ioresponse.cohort.survival import KaplanMeierByGroup, pfs_durations, response_durations

SIX_MP = "6,6,6,6+,7,9+,10,10+,11+,13,16,17+,19+,20+,22,23,25+,32+,32+,34+,35+"
PLACEBO = "1,1,2,2,3,4,4,5,5,8,8,8,8,11,11,12,12,15,17,22,23"


def _weeks(text: str, group: str) -> pd.DataFrame:
    values = text.split(",")
    return pd.DataFrame({"group": group, "weeks": [float(v.rstrip("+")) for v in values],
                         "event": [not v.endswith("+") for v in values]})


def test_km_median_freireich_6mp_is_23_weeks_and_placebo_8_weeks():
    data = pd.concat([_weeks(SIX_MP, "6-MP"), _weeks(PLACEBO, "placebo")], ignore_index=True)
    fitter = KaplanMeierByGroup().fit(data, groups=("group",), duration_column="weeks")
    summary = fitter.summary.set_index("group")
    assert summary.loc["6-MP", "median_days"] == 23
    assert summary.loc["placebo", "median_days"] == 8
    assert (summary.loc["6-MP", "n"], summary.loc["6-MP", "events"]) == (21, 9)
    assert fitter.fitters_["6-MP"].predict(22) == pytest.approx(0.5378, abs=5e-5)
    assert fitter.fitters_["placebo"].predict(8) == pytest.approx(0.3810, abs=5e-5)


def test_km_median_not_reached_is_infinite():
    data = _weeks("5+,6,7+,8+", "g")
    summary = KaplanMeierByGroup().fit(data, groups=(), duration_column="weeks").summary
    assert np.isinf(summary.loc[0, "median_days"])


def test_km_of_empty_table_has_no_curve():
    fitter = KaplanMeierByGroup().fit(pd.DataFrame({"criterion": [], "duration_days": [], "event": []}))
    assert fitter.summary.empty
    assert fitter.plot().get_xlabel() == "Time since treatment start (days)"


def _best() -> pd.DataFrame:
    # Hand-made: P1 progresses on day 84; P2 censored on day 120 but died on day 150 (patient table);
    # P3 censored on day 200, alive; P4 responder from day 56, progresses on day 140.
    return pd.DataFrame({
        "patient_id": ["P1", "P2", "P3", "P4"], "reader": "", "criterion": "recist11",
        "pfs_event": [True, False, False, True], "pfs_day": [84, 120, 200, 140],
        "progression_day": [84, np.nan, np.nan, 140],
        "duration_of_response_days": [np.nan, np.nan, np.nan, 84.0],
    })


def test_pfs_event_is_progression_without_patient_table():
    durations = pfs_durations(_best())
    assert durations["event"].tolist() == [True, False, False, True]
    assert durations["duration_days"].tolist() == [84, 120, 200, 140]


def test_pfs_counts_death_without_progression_from_patient_table():
    patients = pd.DataFrame({"patient_id": ["P2", "P3"], "os_days": [150, 400], "os_event": [True, False]})
    durations = pfs_durations(_best(), patients).set_index("patient_id")
    assert durations.loc["P2", "event_type"] == "death"
    assert durations.loc["P2", "duration_days"] == 150
    assert durations.loc["P3", "event_type"] == "censored"
    assert durations.loc["P1", "event_type"] == "progression"


def test_duration_of_response_only_for_responders_with_progression_event():
    durations = response_durations(_best())
    assert durations["patient_id"].tolist() == ["P4"]
    assert durations.loc[0, "duration_days"] == 84
    assert bool(durations.loc[0, "event"])
