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
from ioresponse.schema import InputError

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


def test_km_refuses_a_patient_twice_in_one_curve():
    # Kaplan & Meier 1958: the estimate counts independent patients; P1 read by two readers and pooled into
    # one curve per criterion would count twice.
    durations = pd.DataFrame({"patient_id": ["P1", "P1", "P2"], "reader": ["R1", "R2", "R1"],
                              "criterion": "recist11", "duration_days": [56.0, 112.0, 56.0],
                              "event": [True, False, False]})
    with pytest.raises(InputError, match=r"patient P1 is 2 times in recist11"):
        KaplanMeierByGroup().fit(durations, groups=("criterion",))


def test_km_default_curves_split_by_reader_when_several_read():
    # Two readers of the same three patients: one curve per criterion and reader, each patient once.
    # R1: events on 10 and 20, censored 30 -> S(10) = 2/3, S(20) = 1/3: median 20. R2: event 30, censored
    # 10 and 20 -> S(30) = 0: median 30 (Kaplan & Meier 1958 product-limit, by hand).
    durations = pd.DataFrame({"patient_id": ["P1", "P2", "P3"] * 2, "reader": ["R1"] * 3 + ["R2"] * 3,
                              "criterion": "recist11", "duration_days": [10.0, 20.0, 30.0] * 2,
                              "event": [True, True, False, False, False, True]})
    summary = KaplanMeierByGroup().fit(durations).summary.set_index("reader")
    assert list(summary.columns[:2]) == ["criterion", "n"] and summary["n"].tolist() == [3, 3]
    assert summary.loc["R1", "median_days"] == 20 and summary.loc["R2", "median_days"] == 30
    # One named reader keeps its name on its curve, as on the rates (rates.split_columns); an unnamed one
    # adds no column.
    one_reader = durations[durations["reader"] == "R1"]
    assert KaplanMeierByGroup().fit(one_reader).summary["reader"].tolist() == ["R1"]
    unnamed = one_reader.assign(reader="")
    assert "reader" not in KaplanMeierByGroup().fit(unnamed).summary.columns


def test_pfs_curves_are_per_arm_when_the_best_responses_have_one():
    # A trial reports PFS per arm: the 6-MP trial's two arms (Freireich 1963, times as days here) give
    # medians 23 and 8 (Kleinbaum & Klein), not one pooled curve per criterion.
    arms = pd.concat([_weeks(SIX_MP, "6-MP"), _weeks(PLACEBO, "placebo")], ignore_index=True)
    best = pd.DataFrame({"patient_id": [f"P{i}" for i in range(len(arms))], "reader": "",
                         "criterion": "recist11", "arm": arms["group"], "pfs_day": arms["weeks"],
                         "pfs_event": arms["event"]})
    durations = pfs_durations(best)
    assert durations["arm"].tolist() == arms["group"].tolist()
    summary = KaplanMeierByGroup().fit(durations).summary.set_index("arm")
    assert list(summary.columns[:2]) == ["criterion", "n"]
    assert summary.loc["6-MP", "median_days"] == 23 and summary.loc["placebo", "median_days"] == 8
    assert summary["n"].tolist() == [21, 21]


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
        "progression_day": [84, np.nan, np.nan, 140], "first_response_day": [np.nan, np.nan, np.nan, 56],
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


# --- spec/patterns.md 7.3: death ends a response ------------------------------------------------------------


def _responders() -> pd.DataFrame:
    # R1: response from day 56, no progression, last adequate assessment day 112 (DoR 56 censored), dies on
    # day 200. R2: response from day 56, progression day 168 (DoR 112), dies on day 300. R3: response from day
    # 84, censored at 140 (DoR 56), alive.
    return pd.DataFrame({
        "patient_id": ["R1", "R2", "R3"], "reader": "", "criterion": "recist11",
        "first_response_day": [56, 56, 84], "progression_day": [np.nan, 168, np.nan],
        "duration_of_response_days": [56.0, 112.0, 56.0],
    })


def test_7_3_death_without_progression_ends_the_response():
    # spec 7.3: "to the first progression date ... or death". R1: 200 - 56 = 144 days, event (death). R2 keeps
    # its progression (112 days). R3 stays censored at 56.
    patients = pd.DataFrame({"patient_id": ["R1", "R2", "R3"], "os_days": [200, 300, 400],
                             "os_event": [True, True, False]})
    durations = response_durations(_responders(), patients).set_index("patient_id")
    assert (durations.loc["R1", "duration_days"], durations.loc["R1", "event_type"]) == (144, "death")
    assert (durations.loc["R2", "duration_days"], durations.loc["R2", "event_type"]) == (112, "progression")
    assert (durations.loc["R3", "duration_days"], bool(durations.loc["R3", "event"])) == (56, False)


def test_7_3_km_summary_counts_events_and_censored():
    # spec 7.3: "number of events and censored": without deaths 1 event (R2), 2 censored.
    summary = KaplanMeierByGroup().fit(response_durations(_responders())).summary.iloc[0]
    assert (summary["n"], summary["events"], summary["censored"]) == (3, 1, 2)


# --- spec/patterns.md 7.4: censoring at a new therapy, landmark rates ---------------------------------------


def _pfs_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    # (patient, pfs_day, pfs_event) and the timepoints (patient, day, response) typed by hand.
    best = pd.DataFrame({"patient_id": ["N1", "N2", "N3", "N4"], "reader": "", "criterion": "recist11",
                         "pfs_day": [168, 84, 200, 168], "pfs_event": [True, True, False, True]})
    calls = [("N1", 56, "SD"), ("N1", 112, "SD"), ("N1", 119, "NE"), ("N1", 168, "PD"),
             ("N2", 56, "SD"), ("N2", 84, "PD"),
             ("N3", 56, "PR"), ("N3", 112, "PR"), ("N3", 150, "PR"), ("N3", 200, "PR"),
             ("N4", 56, "SD"), ("N4", 168, "PD")]
    timepoints = pd.DataFrame(calls, columns=["patient_id", "day", "overall_response"])
    return best, timepoints.assign(reader="", criterion="recist11")


def test_7_4_censor_at_the_last_adequate_assessment_before_new_therapy():
    # spec 7.4 option: new therapy on day 120 for N1 (PD on 168 comes after it): censored at day 112, the
    # last assessment on or before 120 that is not NE (119 is NE). N2: new therapy on day 84, the PD day
    # itself: the event stands. N3: censored on 200, new therapy on day 150: censored at 150 (the scan on the
    # day of the new therapy counts as before it). N4: no new therapy: PD on 168.
    best, timepoints = _pfs_inputs()
    patients = pd.DataFrame({"patient_id": ["N1", "N2", "N3", "N4"],
                             "new_therapy_start_day": [120, 84, 150, None]})
    durations = pfs_durations(best, patients, timepoints=timepoints, censor_at_new_therapy=True)
    result = durations.set_index("patient_id")
    assert result["duration_days"].to_dict() == {"N1": 112, "N2": 84, "N3": 150, "N4": 168}
    assert result["event_type"].to_dict() == {"N1": "censored_new_therapy", "N2": "progression",
                                              "N3": "censored_new_therapy", "N4": "progression"}
    assert result["event"].tolist() == [False, True, False, True]
    # without the option nothing moves
    unchanged = pfs_durations(best, patients, timepoints=timepoints)
    assert unchanged["duration_days"].tolist() == [168, 84, 200, 168]


def test_7_4_new_therapy_date_becomes_a_day_through_treatment_start():
    # 2021-01-01 -> 2021-05-01 = 31 + 28 + 31 + 30 = 120 days: the same censoring of N1 at day 112.
    best, timepoints = _pfs_inputs()
    patients = pd.DataFrame({"patient_id": ["N1"], "treatment_start": ["2021-01-01"],
                             "new_therapy_start": ["2021-05-01"]})
    durations = pfs_durations(best, patients, timepoints=timepoints, censor_at_new_therapy=True)
    assert durations.set_index("patient_id").loc["N1", "duration_days"] == 112


def test_7_4_censoring_at_new_therapy_needs_the_column():
    best, timepoints = _pfs_inputs()
    with pytest.raises(InputError, match="new_therapy_start"):
        pfs_durations(best, pd.DataFrame({"patient_id": ["N1"]}), timepoints=timepoints,
                      censor_at_new_therapy=True)


def test_7_4_landmark_rates_with_exponential_greenwood_band():
    # Days 56 (event), 84 (censored), 112 (event), 140 (event), 168 (censored), as in test_cohort_rules:
    # S(100) = 4/5 = 0.8 with 3 at risk; band at 56..111: v = 0.05 / ln(0.8)^2 = 1.004158,
    # low = 0.8 ** exp(1.959964 * sqrt(v)) = 0.8 ** 7.1204 = 0.2042, high = 0.8 ** exp(-1.963035) = 0.9691.
    # S(112) = 0.8 * 2/3 = 0.5333 (the event on the landmark day counts), 3 at risk (112, 140, 168).
    # Day 200: nobody at risk while S = 0.2667 > 0: not estimable (NaN).
    data = pd.DataFrame({"criterion": "recist11", "duration_days": [56, 84, 112, 140, 168],
                         "event": [True, False, True, True, False]})
    fitter = KaplanMeierByGroup(landmarks_days=(100, 112, 200)).fit(data)
    landmarks = fitter.landmarks_.set_index("landmark_days")
    assert landmarks.loc[100, "survival"] == pytest.approx(0.8)
    assert landmarks.loc[100, "at_risk"] == 3
    assert landmarks.loc[100, "ci_low"] == pytest.approx(0.2042, abs=1e-3)
    assert landmarks.loc[100, "ci_high"] == pytest.approx(0.9691, abs=1e-3)
    assert landmarks.loc[112, "survival"] == pytest.approx(0.8 * 2 / 3)
    assert landmarks.loc[112, "at_risk"] == 3
    assert np.isnan(landmarks.loc[200, "survival"])


# ---------------------------------------------------------------------------------------------
# Exploratory split at the cohort median (spec/patterns.md 6.5)


def test_median_split_log_rank_of_freireich_is_the_textbook_16_79():
    # Kleinbaum & Klein ch. 2: log-rank chi-square 16.79 (1 df) for 6-MP against placebo. A biomarker of
    # 1..21 on the placebo patients and 22..42 on the 6-MP patients has its cohort median at 21.5, so the
    # split at the median gives the trial's two arms back.
    from scipy.stats import chi2

    from ioresponse.cohort.survival import median_split, split_summary

    data = pd.concat([_weeks(PLACEBO, "placebo"), _weeks(SIX_MP, "6-MP")], ignore_index=True)
    durations = pd.DataFrame({"patient_id": [f"P{i}" for i in range(42)], "duration_days": data["weeks"],
                              "event": data["event"]})
    values = pd.Series(np.arange(1.0, 43.0), index=durations["patient_id"], name="mtv")
    split = median_split(durations, values, "mtv")
    assert (split["group"] == np.where(data["group"] == "6-MP", "mtv >= 21.5", "mtv < 21.5")).all()
    summary = split_summary(split).set_index("group")
    assert summary.loc["mtv >= 21.5", "median_days"] == 23 and summary.loc["mtv < 21.5", "median_days"] == 8
    assert chi2.isf(summary["logrank_p"].iloc[0], 1) == pytest.approx(16.79, abs=0.01)
    assert summary["note"].str.contains("exploratory split at the cohort median").all()


def test_median_split_cohort_is_the_patients_with_a_duration_and_a_value():
    # P1-P3 have a duration; P4's value (100) is not in their cohort and P3 has no value. Median of 10 and
    # 30 is 20: P1 below, P2 above; a value at the median (odd cohort below) goes above.
    from ioresponse.cohort.survival import median_split

    durations = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "duration_days": [10.0, 20, 30],
                              "event": [True, True, False]})
    values = pd.Series({"P1": 10.0, "P2": 30.0, "P3": np.nan, "P4": 100.0})
    split = median_split(durations, values, "suv")
    assert split[["patient_id", "group"]].values.tolist() == [["P1", "suv < 20"], ["P2", "suv >= 20"]]
    odd = median_split(durations.assign(patient_id=["P1", "P2", "P4"]), values, "suv")
    assert odd["group"].tolist() == ["suv < 30", "suv >= 30", "suv >= 30"]


def test_os_durations_read_os_days_and_os_event():
    from ioresponse.cohort.survival import os_durations

    patients = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "os_days": [100, None, 250],
                             "os_event": [1, 0, 0]})
    table = os_durations(patients)
    assert table[["patient_id", "duration_days", "event", "event_type"]].values.tolist() == [
        ["P1", 100.0, True, "death"], ["P3", 250.0, False, "censored"]]
