"""Treatment beyond progression (TBP): immunotherapy continued after the first RECIST 1.1 PD.

Source: spec/patterns.md 7.5. TBP = ``treatment_end`` (last dose) strictly after the first RECIST 1.1
PD date (option ``tbp_min_days = 0``); reported: TBP yes/no, TBP duration in days, and the
subsequent outcome under each immune criterion (iCPD, pseudoprogression, or still iUPD). The
outcome reads the immune criterion's own timepoint calls from the RECIST 1.1 PD date on, with the
initial progression, confirmation and resolution of spec/patterns.md 1.3 (iRECIST: iUPD, a later
iCPD, a later iSD/iPR/iCR; irRC/irRECIST/imRECIST: a PD confirmed by the rule of anatomic.md 0.8;
iPERCIST: UPMD, CPMD, a later CMR/PMR/SMD). Patient-table days follow spec/patterns.md 0.1:
``treatment_end`` is a date (with ``treatment_start``) or ``treatment_end_day`` is given in days.
"""

from __future__ import annotations

import math

import pandas as pd

from ioresponse.cohort.rates import DISEASE_CONTROL_LABELS, require_columns
from ioresponse.criteria import Study
from ioresponse.patterns._study import patient_days
from ioresponse.schema import DAY, PATIENT, READER, ConfirmationState, InputError

TBP_MIN_DAYS = 0
"""TBP needs the last dose strictly after the PD day, and at least this many days after it (spec 7.5)."""

IMMUNE_CRITERIA = ("irrc", "irrecist", "irecist", "imrecist", "impercist", "ipercist")
"""Immune-modified criteria whose outcome after the RECIST 1.1 PD is reported, in report order."""

CONFIRMED_PROGRESSION_LABELS = frozenset({"iCPD", "CPMD"})
"""Labels that are a confirmed progression by themselves (iRECIST Table 2; iPERCIST, metabolic.md 9.5)."""
PROGRESSION_LABELS = frozenset({"PD", "irPD", "PMD"})
"""Progression labels whose confirmation is in ``confirmation_state`` (anatomic.md 0.8, metabolic.md 1.6)."""
UNCONFIRMED_PROGRESSION_LABELS = frozenset({"iUPD", "UPMD"})
"""Progression waiting for confirmation (iRECIST 4.6; iPERCIST 9.5)."""
DECIDED_STATES = frozenset({ConfirmationState.CONFIRMED, ConfirmationState.CONFIRMS,
                            ConfirmationState.NOT_REQUIRED})
"""States of a progression row that make it a progression event (confirmed, or none needed)."""

PSEUDOPROGRESSION_FLAG = {
    "confirmed_progression": "false", "pseudoprogression": "true", "no_progression": "false",
    "unconfirmed_progression": "not_evaluable", "not_evaluable": "not_evaluable",
}
"""Outcome -> pseudoprogression flag, three-valued as the patterns table (spec/patterns.md 0.3)."""

TBP_COLUMNS = (
    PATIENT, READER, "recist_pd_day", "treatment_end_day", "tbp", "tbp_days", "criterion", "outcome",
    "outcome_day", "outcome_response", "pseudoprogression", "reason",
)
"""Columns of :func:`treatment_beyond_progression`."""


def subsequent_outcome(rows: pd.DataFrame, pd_day: float) -> tuple[str, float, str]:
    """The first decision of one immune criterion on or after the RECIST 1.1 PD day.

    Walks the criterion's timepoints with ``day >= pd_day`` in day order (NE skipped):

    1. a confirmed progression (iCPD, CPMD, or a PD/irPD/PMD row that is confirmed, confirms, or needs
       no confirmation) -> "confirmed_progression";
    2. CR, PR, SD or NON-CR/NON-PD of the criterion -> "pseudoprogression" when an unconfirmed
       progression came first (the iUPD was reset), else "no_progression";
    3. end of data after an unconfirmed progression -> "unconfirmed_progression" (still iUPD), dated
       at its first row; no evaluable row -> "not_evaluable".

    Returns
    -------
    tuple
        ``(outcome, day, response)``.
    """
    first_unconfirmed: tuple[float, str] | None = None
    ordered = rows[pd.to_numeric(rows[DAY], errors="coerce") >= pd_day].sort_values(DAY, kind="stable")
    states = (ordered["confirmation_state"] if "confirmation_state" in ordered
              else pd.Series("", index=ordered.index))
    for day, label, state in zip(ordered[DAY], ordered["overall_response"].astype(str), states.astype(str),
                                 strict=True):
        if label in CONFIRMED_PROGRESSION_LABELS or (label in PROGRESSION_LABELS and state in DECIDED_STATES):
            return "confirmed_progression", float(day), label
        if label in DISEASE_CONTROL_LABELS:
            return ("pseudoprogression" if first_unconfirmed else "no_progression"), float(day), label
        if first_unconfirmed is None and label in PROGRESSION_LABELS | UNCONFIRMED_PROGRESSION_LABELS:
            first_unconfirmed = (float(day), label)
    if first_unconfirmed is not None:
        return "unconfirmed_progression", *first_unconfirmed
    return "not_evaluable", math.nan, ""


def treatment_beyond_progression(best_response: pd.DataFrame, timepoints: pd.DataFrame,
                                 patients: pd.DataFrame, *, tbp_min_days: int = TBP_MIN_DAYS,
                                 reference: str = "recist11") -> pd.DataFrame:
    """TBP of every patient with a RECIST 1.1 PD, and the outcome under each immune criterion (spec 7.5).

    Parameters
    ----------
    best_response : pandas.DataFrame
        Best-response table; the first PD is the ``progression_day`` of ``reference``.
    timepoints : pandas.DataFrame
        Timepoint table with the immune criteria's calls (``overall_response``, ``confirmation_state``).
    patients : pandas.DataFrame
        Patient table with ``treatment_end`` (last dose date, with ``treatment_start``) or
        ``treatment_end_day``; empty when ongoing or unknown.
    tbp_min_days : int, default 0
        TBP when the last dose is after the PD day (strictly) and at least this many days after it.
    reference : str, default "recist11"
        Criterion whose first PD starts TBP.

    Returns
    -------
    pandas.DataFrame
        :data:`TBP_COLUMNS`, one row per patient (x reader) with a PD x immune criterion present in
        the timepoints (one row with an empty criterion when none is). ``tbp`` is "true", "false" or
        "not_evaluable" (no last-dose date); ``tbp_days`` = last dose - PD day (0 when the treatment
        ended before the PD); ``outcome`` from :func:`subsequent_outcome`.

    Raises
    ------
    InputError
        The patient table has no ``treatment_end`` nor ``treatment_end_day``.
    """
    if not {"treatment_end", "treatment_end_day"} & set(patients.columns):
        raise InputError("patients", [], "treatment_end",
                         "treatment beyond progression needs the last dose: treatment_end (a date, with "
                         "treatment_start) or treatment_end_day (spec/patterns.md 7.5)")
    require_columns(best_response, (PATIENT, "criterion", "progression_day"))
    require_columns(timepoints, (PATIENT, "criterion", DAY, "overall_response"), "timepoints")
    end_day = patient_days(Study(patients=patients, source="patients"), "treatment_end")
    keys = [PATIENT, READER] if READER in best_response.columns else [PATIENT]
    progressed = best_response[(best_response["criterion"] == reference)
                               & pd.to_numeric(best_response["progression_day"], errors="coerce").notna()]
    present = set(timepoints["criterion"].astype(str)) if len(timepoints) else set()
    immune = [c for c in IMMUNE_CRITERIA if c in present]
    # each subject's calls under each criterion: one split of the table, not a filter of it per patient
    by_reader = READER in timepoints.columns
    readers = [timepoints[READER].fillna("").astype(str)] if by_reader else []
    split = [timepoints[PATIENT].astype(str), *readers, timepoints["criterion"]]
    calls = dict(list(timepoints.groupby(split, sort=False))) if immune else {}
    rows = []
    for _, subject in progressed.sort_values(keys, kind="stable").iterrows():
        reader_value = subject.get(READER, "")
        patient, reader = str(subject[PATIENT]), "" if pd.isna(reader_value) else str(reader_value)
        pd_day = float(subject["progression_day"])
        tbp = _tbp(pd_day, end_day.get(patient), tbp_min_days)
        key = (patient, reader) if by_reader else (patient,)
        for criterion in immune or [""]:
            own = calls.get((*key, criterion), timepoints[:0])
            outcome = subsequent_outcome(own, pd_day) if criterion else ("", math.nan, "")
            rows.append({PATIENT: patient, READER: reader, "recist_pd_day": pd_day, **tbp,
                         "criterion": criterion, "outcome": outcome[0], "outcome_day": outcome[1],
                         "outcome_response": outcome[2],
                         "pseudoprogression": PSEUDOPROGRESSION_FLAG.get(outcome[0], ""),
                         "reason": _reason(pd_day, tbp, criterion, outcome, tbp_min_days)})
    return pd.DataFrame(rows, columns=list(TBP_COLUMNS))


def _tbp(pd_day: float, end_day: int | None, tbp_min_days: int) -> dict[str, object]:
    if end_day is None:
        return {"treatment_end_day": math.nan, "tbp": "not_evaluable", "tbp_days": math.nan}
    after = end_day - pd_day
    beyond = after > 0 and after >= tbp_min_days
    return {"treatment_end_day": float(end_day), "tbp": "true" if beyond else "false",
            "tbp_days": max(after, 0.0)}


def _reason(pd_day: float, tbp: dict[str, object], criterion: str, outcome: tuple[str, float, str],
            tbp_min_days: int) -> str:
    text = f"RECIST 1.1 PD on day {pd_day:.0f}"
    if tbp["tbp"] == "not_evaluable":
        text += "; no last dose given (ongoing or unknown): TBP not evaluable"
    else:
        after = float(tbp["treatment_end_day"]) - pd_day
        rule = "> 0" + (f" and >= {tbp_min_days}" if tbp_min_days else "")
        text += (f"; last dose on day {tbp['treatment_end_day']:.0f}, {after:+.0f} days "
                 f"({rule} needed): TBP {tbp['tbp']}")
    if criterion:
        name, day, label = outcome
        when = f" ({label} on day {day:.0f})" if label else ""
        text += f"; {criterion}: {name.replace('_', ' ')}{when}"
    return text + " (spec/patterns.md 7.5)"
