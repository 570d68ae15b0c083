"""Durable and sustained responses (spec/patterns.md section 4.1-4.3).

Sources:
- ``durable.drr_optim``: durable response rate of OPTiM, Andtbacka RH et al. J Clin Oncol
  2015;33:2780-2788 (response beginning within 12 months, lasting >= 6 months; DOI not re-checked).
- ``durable.pons_tostivint2019``: Pons-Tostivint E et al. JCO Precis Oncol 2019;3 (PFS longer than
  3 times the cohort's median PFS; DOI not re-checked).
- ``durable.off_treatment``: project convention (no published standard, consensus: Leon-Mateos 2021,
  doi:10.1007/s12094-020-02442-3), response kept >= 6 months after treatment stops.
The response dates are the criterion's own (best-response table: ``first_response_day``,
``progression_day``, ``pfs_day``, ``pfs_event``); nothing here re-derives a response.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ioresponse.criteria import Study
from ioresponse.io.validate import TREATMENT_END_REASON, TREATMENT_END_REASONS, end_reason
from ioresponse.patterns._common import Flag, PatternOptions, PatternRow, display, known, median_time, records
from ioresponse.patterns._study import patient_days, patient_values
from ioresponse.schema import DAY, PATIENT, READER

PATTERN = "durable_response"

ONSET_MAX_DAYS = 365
"""Response must begin within 12 months of treatment start, day <= 365 (OPTiM; spec 4.1, 0.1)."""
MIN_DURATION_DAYS = 183
"""Response must last >= 6 months, >= 183 days (OPTiM; spec 4.1, 0.1)."""
PONS_TOSTIVINT_PFS_MULTIPLE = 3.0
"""Durable: PFS longer than 3 x the cohort's median PFS (Pons-Tostivint 2019; spec 4.2)."""
RESPONSE_LABELS = frozenset({"CR", "PR", "iCR", "iPR", "irCR", "irPR", "CMR", "PMR"})
"""Objective responses of every criterion (spec/anatomic.md 0.9, metabolic.md 1.6)."""
STABLE_LABELS = frozenset(
    {"SD", "iSD", "irSD", "SMD", "NON-CR/NON-PD", "NON-iCR/NON-iUPD", "irNON-CR/NON-PD"}
)
"""Stable disease of every criterion, for ``off_treatment_include_sd``."""


@dataclass(frozen=True)
class Subject:
    """One patient x reader under the chosen criterion."""

    best: dict
    last_day: int | None = None
    """Last assessment day."""
    last_response_day: int | None = None
    """Last day with a response (CR/PR)."""
    first_controlled_day: int | None = None
    """First day with a response or stable disease (``off_treatment_include_sd``)."""
    first_day: int | None = None
    """First assessment day after baseline."""
    stable_after_response_day: int | None = None
    """Day of the last stable disease when it comes after the last response: the response ended without
    progression, whatever follows (an unconfirmed iUPD, NE)."""
    out_of_response_days: tuple[int, ...] = ()
    """Days of the evaluable assessments out of response (neither CR/PR nor NE), in order."""


def _subject_days(points: pd.DataFrame | None) -> dict[tuple[str, str], tuple[int | None, ...]]:
    """Per patient x reader: last day, last response day, first response-or-SD day, first day, the day of
    the last stable disease when it comes after the last response, and the days out of response."""
    if points is None or not len(points):
        return {}
    day = points[DAY].astype(float)
    response = points["overall_response"]
    frame = pd.DataFrame(
        {
            PATIENT: points[PATIENT],
            READER: points[READER],
            "last": day,
            "last_response": day.where(response.isin(RESPONSE_LABELS)),
            "first_controlled": day.where(response.isin(RESPONSE_LABELS | STABLE_LABELS)),
            "last_stable": day.where(response.isin(STABLE_LABELS)),
        }
    )
    days = frame.groupby([PATIENT, READER], sort=False).agg(
        last=("last", "max"),
        last_response=("last_response", "max"),
        first_controlled=("first_controlled", "min"),
        first=("last", "min"),
        last_stable=("last_stable", "max"),
    )
    days["stable_after_response"] = days["last_stable"].where(days["last_stable"] > days["last_response"])
    days = days.drop(columns="last_stable")
    evaluable = response.notna() & ~response.isin(RESPONSE_LABELS | {"NE", ""})
    lapses = frame[evaluable.to_numpy()].groupby([PATIENT, READER], sort=False)["last"].agg(
        lambda d: tuple(sorted(int(v) for v in d)))
    return {
        key: (*(_day(v) for v in row), lapses.get(key, ()))
        for key, row in zip(days.index, days.to_numpy(), strict=True)
    }


def _day(value: object) -> int | None:
    return int(value) if known(value) and value != "" else None


def _best_label(s: Subject) -> str | None:
    """The best overall response (confirmed where the criterion confirms), None when NE or not given:
    whether the patient responded is then unknown (spec 0.3), not "no"."""
    label = s.best.get("best_response_confirmed") or s.best.get("best_response")
    return None if not isinstance(label, str) or label in ("", "NE") else label


def drr_optim(s: Subject, context: dict) -> tuple[Flag, str, dict]:
    """Onset day <= 365 and response lasting >= 183 days (spec 4.1); the response is lost at the first
    progression after the onset, or with ``drr_loss="end_of_response"`` at the first evaluable assessment
    out of response."""
    onset, loss = _day(s.best["first_response_day"]), _day(s.best["progression_day"])
    lost_by = "lost"
    if context["drr_loss"] == "end_of_response" and onset is not None:
        lapse = next((day for day in s.out_of_response_days if day > onset), None)
        if lapse is not None and (loss is None or loss <= onset or lapse < loss):
            loss, lost_by = lapse, "out of response"
    values = {"onset_day": onset, "loss_day": loss}
    if onset is None and _best_label(s) is None:
        return None, "best response NE or not given: whether a response began is unknown", values
    if onset is None:
        return False, "no objective response", values
    if onset > ONSET_MAX_DAYS:
        return False, f"response began on day {onset} (> {ONSET_MAX_DAYS})", values
    if loss is not None and loss > onset:
        duration = loss - onset
        values["duration_days"] = duration
        met = duration >= MIN_DURATION_DAYS
        return (
            met,
            f"response from day {onset} {lost_by} on day {loss}: {duration} days "
            + (f">= {MIN_DURATION_DAYS}" if met else f"< {MIN_DURATION_DAYS}"),
            values,
        )
    last = s.last_response_day
    duration = (last - onset) if last is not None else 0
    values["duration_days"] = duration
    if duration >= MIN_DURATION_DAYS:
        return True, f"response from day {onset} ongoing on day {last}: {duration} days >= 183", values
    if s.stable_after_response_day is not None:  # not "continuously" in response (spec 4.1): ended, no PD
        return (
            False,
            f"response from day {onset} last seen on day {last}, stable disease on day "
            f"{s.stable_after_response_day}: {duration} days < {MIN_DURATION_DAYS}",
            values,
        )
    return None, f"still responding with {duration} days of follow-up since day {onset} (< 183)", values


def pons_tostivint2019(s: Subject, context: dict) -> tuple[Flag, str, dict]:
    """PFS >= 3 x cohort median PFS (spec 4.2); censored before the threshold is not evaluable. The cohort
    median is that of the patient's reader's patients (:func:`find`), said in the reason when readers are
    named."""
    threshold = context["threshold"]
    pfs_day = _day(s.best["pfs_day"])
    event = bool(s.best["pfs_event"]) if known(s.best["pfs_event"]) else None
    values = {
        "pfs_day": pfs_day,
        "pfs_event": event,
        "threshold_days": display(threshold, 2),
        "cohort_median_pfs_days": display(context["median"], 2),
    }
    whose = context["whose"]
    if threshold is None:
        return None, f"cohort median PFS not reached{whose}", values
    if pfs_day is None or event is None:
        return None, "PFS not given", values
    kind = "event" if event else "censored"
    if pfs_day >= threshold:
        median = context["median"]
        return (True, f"PFS {kind} on day {pfs_day} >= 3 x median {median:.2f} = {threshold:.2f} days{whose}",
                values)
    if event:
        return False, f"PFS event on day {pfs_day} < 3 x median = {threshold:.2f} days{whose}", values
    return None, f"censored on day {pfs_day} before 3 x median = {threshold:.2f} days{whose}", values


def off_treatment(s: Subject, context: dict) -> tuple[Flag, str, dict]:
    """Response before treatment_end, stop not for progression, no PD for >= 183 days after (spec 4.3)."""
    patient = str(s.best[PATIENT])
    end = context["end"].get(patient)
    given_reason = context["end_reason"].get(patient, "")
    reason_stop = end_reason(given_reason)  # as the patient-table check reads it (io.validate)
    labels = "response or stable disease" if context["include_sd"] else "response"
    best = _best_label(s)
    onset = _day(s.best["first_response_day"])
    if onset is None and context["include_sd"] and best in STABLE_LABELS:  # "best response ... (or SD)"
        onset = s.first_controlled_day
    progression = _day(s.best["progression_day"])
    values = {"treatment_end_day": end, "onset_day": onset, "progression_day": progression}
    if end is not None and (s.first_day is None or s.first_day > end):  # decided although NE (spec 0.3)
        return False, f"no assessment before treatment end on day {end}: no {labels} before it", values
    if onset is None and best is None:
        return None, "best response NE or not given: whether the patient responded is unknown", values
    if onset is None:
        return False, f"best response {best}: no {labels}", values
    if end is None:
        return None, "treatment_end not given (treatment ongoing or unknown)", values
    if onset > end:
        return False, f"no {labels} before treatment end on day {end}", values
    if reason_stop == "progression":
        return False, "treatment stopped for progression", values
    minimum = context["min_days"]
    if progression is not None:
        off = progression - end
        values["off_treatment_progression_free_days"] = off
        when = f"{off} days after" if off >= 0 else f"{-off} days before"  # treated beyond progression
        reason = f"progression on day {progression}, {when} treatment end (day {end})"
        if off < minimum:
            return False, f"{reason} < {minimum}", values
        reason += f" >= {minimum}"
    else:
        last = s.last_day if s.last_day is not None else end
        off = last - end
        values["off_treatment_progression_free_days"] = off
        if off < minimum:
            wait = f"no progression yet, {off} days of follow-up after treatment end (< {minimum})"
            return None, wait, values
        reason = f"no progression {off} days after treatment end on day {end} (>= {minimum})"
    if reason_stop not in TREATMENT_END_REASONS:  # a required condition not known: not_evaluable, never
        # read as "not progression" (io.validate refuses an unknown value; here for a Study built in Python)
        given = "not given" if not reason_stop else (
            f"{given_reason!r}, not one of {', '.join(TREATMENT_END_REASONS)} (spec/patterns.md 0.5)")
        return None, f"{reason}, but treatment_end_reason {given} (a stop for progression?)", values
    return True, reason, values


@dataclass(frozen=True)
class DurableDefinition:
    id: str
    citation: str
    decide: Callable[[Subject, dict], tuple[Flag, str, dict]]
    default: bool


DEFINITIONS = (
    DurableDefinition("durable.drr_optim", "OPTiM, Andtbacka 2015", drr_optim, True),
    DurableDefinition("durable.pons_tostivint2019", "Pons-Tostivint 2019", pons_tostivint2019, True),
    DurableDefinition("durable.off_treatment", "project convention, spec 4.3", off_treatment, True),
)


def response_criterion(options: PatternOptions, criteria: list[str]) -> str | None:
    """The criterion read by durable response and oligoprogression (option, else recist11, else the first)."""
    if options.response_criterion is not None:
        return options.response_criterion
    return "recist11" if "recist11" in criteria else (criteria[0] if criteria else None)


def cohort_median_pfs(best: pd.DataFrame) -> float | None:
    """Kaplan-Meier median PFS in days over the given best-response rows; None when not reached."""
    durations = pd.to_numeric(best["pfs_day"], errors="coerce")
    events = best["pfs_event"].astype("boolean").fillna(False).astype(bool)
    usable = durations.notna()
    if not usable.any():
        return None
    from lifelines import KaplanMeierFitter  # here: finding patterns without this rule skips lifelines

    fitter = KaplanMeierFitter().fit(durations[usable], events[usable])
    median = median_time(fitter.survival_function_.iloc[:, 0])
    return None if np.isinf(median) else median


def find(
    study: Study,
    timepoints: pd.DataFrame,
    best_response: pd.DataFrame,
    options: PatternOptions,
    definitions: list[str],
) -> list[PatternRow]:
    """One row per patient x reader x definition, for the response criterion (spec 4.1-4.3)."""
    if not any(d.id in definitions for d in DEFINITIONS):
        return []
    criterion = response_criterion(options, list(dict.fromkeys(best_response["criterion"])))
    best = best_response[best_response["criterion"] == criterion]
    given = timepoints is not None and "criterion" in timepoints
    points = timepoints[timepoints["criterion"] == criterion] if given else None
    context = {
        "end": patient_days(study, "treatment_end"),
        "end_reason": patient_values(study, TREATMENT_END_REASON),
        "include_sd": options.off_treatment_include_sd,
        "min_days": options.min_off_treatment_days,
        "drr_loss": options.drr_loss,
    }
    cohort_of = _cohorts(study, best, options.cohort_by)
    medians: dict[tuple[str, str], tuple[float | None, str]] = {}
    if "durable.pons_tostivint2019" in definitions:
        # each reader is assessed separately (README "Input"): a reader's cohort median counts each of the
        # reader's patients once (spec 4.2 "median PFS of the cohort"), never another reader's reads
        for (cohort, reader), members in best.groupby([best[PATIENT].map(cohort_of), best[READER]],
                                                      sort=False):
            given = options.cohort_median_pfs_days
            count = f"{len(members)} patient" + ("s" if len(members) > 1 else "")
            whose = f"; median PFS of this reader's {count}" if reader and not given else ""
            medians[cohort, reader] = (given or cohort_median_pfs(members), whose)
    days = _subject_days(points)
    rows = []
    for record in records(best):
        subject = Subject(record, *days.get((record[PATIENT], record[READER]), ()))
        median, whose = medians.get((cohort_of[record[PATIENT]], record[READER]), (None, ""))
        context |= {
            "median": median,
            "threshold": None if median is None else PONS_TOSTIVINT_PFS_MULTIPLE * median,
            "whose": whose,
        }
        for definition in (d for d in DEFINITIONS if d.id in definitions):
            flag, reason, values = definition.decide(subject, context)
            if definition.id == "durable.pons_tostivint2019" and options.cohort_by:
                values["cohort"] = cohort_of[record[PATIENT]]
            rows.append(
                PatternRow(
                    str(record[PATIENT]),
                    str(record[READER]),
                    PATTERN,
                    definition.id,
                    flag,
                    f"{reason} ({criterion}; {definition.citation})",
                    values | {"criterion": criterion},
                )
            )
    return rows


def _cohorts(study: Study, best: pd.DataFrame, column: str | None) -> dict[str, str]:
    """Cohort of each patient for the cohort median PFS: one cohort, or a patient-table column (spec 4.2)."""
    if column is None:
        return {p: "" for p in best[PATIENT]}
    values = patient_values(study, column)
    return {p: str(values.get(p, "")) for p in best[PATIENT]}
