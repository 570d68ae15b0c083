"""The figures of response papers: waterfall, spider, swimmer, Kaplan-Meier and PET timeline.

One function per figure (DESIGN.md "House style"; STYLE.md section 10). Each takes the result
tables (spec/anatomic.md 0.9: ``pct_change_baseline`` in percent, days since treatment start) and an
optional matplotlib ``ax``, returns the axes, and works for an empty or a single-patient cohort
(an empty cohort draws labelled axes with "No data"). Figures stay readable in grayscale: response
categories differ by hatch and marker as well as grey level, never by colour alone.

Reference lines: -30 % (partial response) and +20 % (progression) of RECIST 1.1 sec. 4.3.1
(Eisenhauer EA et al. Eur J Cancer 2009;45:228-247, doi:10.1016/j.ejca.2008.10.026).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ioresponse.cohort.rates import as_flag, endpoint_responses
from ioresponse.cohort.survival import DURATION, EVENT, KaplanMeierByGroup
from ioresponse.schema import DAY, PATIENT, READER, InputError, check_choice

PR_THRESHOLD_PCT = -30.0
"""Partial response: at least a 30 % decrease of the target sum from baseline (RECIST 1.1 sec. 4.3.1)."""
PD_THRESHOLD_PCT = 20.0
"""Progression: at least a 20 % increase over the nadir (RECIST 1.1 sec. 4.3.1); drawn vs baseline."""

RESPONSE_FAMILIES: dict[str, tuple[str, ...]] = {
    "complete response": ("CR", "irCR", "iCR", "CMR"),
    "partial response": ("PR", "irPR", "iPR", "PMR"),
    "stable disease": ("SD", "irSD", "iSD", "SMD", "NON-CR/NON-PD", "irNON-CR/NON-PD", "NON-iCR/NON-iUPD",
                       "clinical_benefit"),
    "unconfirmed progression": ("iUPD", "UPMD"),
    "progression": ("PD", "irPD", "iCPD", "PMD", "CPMD", "no_clinical_benefit"),
    "not evaluable": ("NE",),
}
"""Best-response families shown in one style each (labels of spec/anatomic.md 0.9, metabolic.md 1.7)."""

FAMILY_STYLES: dict[str, dict[str, str]] = {
    "complete response": {"facecolor": "0.15", "hatch": "", "marker": "*"},
    "partial response": {"facecolor": "0.4", "hatch": "//", "marker": "^"},
    "stable disease": {"facecolor": "0.7", "hatch": "..", "marker": "o"},
    "unconfirmed progression": {"facecolor": "0.85", "hatch": "\\\\", "marker": "D"},
    "progression": {"facecolor": "white", "hatch": "xx", "marker": "X"},
    "not evaluable": {"facecolor": "white", "hatch": "", "marker": "s"},
    "other": {"facecolor": "0.95", "hatch": "--", "marker": "."},
}
"""Grey level, hatch and marker per family: distinguishable without colour."""

LINE_STYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def response_family(label: str) -> str:
    """The family of a response label (:data:`RESPONSE_FAMILIES`), "other" when unknown."""
    for family, labels in RESPONSE_FAMILIES.items():
        if label in labels:
            return family
    return "other"


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _no_data(ax: Axes, what: str = "No data") -> None:
    ax.text(0.5, 0.5, what, ha="center", va="center", transform=ax.transAxes, color="0.3")


def _numeric(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def _of_criterion(table: pd.DataFrame | None, criterion: str | None) -> pd.DataFrame:
    """The rows of ``criterion`` (all rows when None); refuses the reads of several readers, which a
    per-patient figure would mix (one patient's bar from one reader, its style from another)."""
    if table is None:
        return pd.DataFrame(columns=[PATIENT, "criterion"])
    if PATIENT not in table.columns:
        raise InputError("<table>", [], PATIENT, "missing: a figure draws one mark per patient; give the "
                                                 "timepoint or best-response table of `ioresponse assess` "
                                                 "(spec/anatomic.md 0.9)")
    if criterion is not None and "criterion" in table.columns:
        table = table[table["criterion"] == criterion]
    readers = sorted(set(table[READER].fillna("").astype(str))) if READER in table.columns else []
    if len(readers) > 1:
        raise InputError("<table>", [], READER, f"holds the reads of {len(readers)} readers ("
                         f"{', '.join(map(repr, readers[:5]))}); a per-patient figure draws one reader's "
                         "reads: keep the rows of one reader")
    return table


def _before_progression(timepoints: pd.DataFrame) -> pd.DataFrame:
    if "after_progression" not in timepoints.columns:
        return timepoints
    return timepoints[~as_flag(timepoints["after_progression"]).to_numpy(dtype=bool)]


def best_pct_change(timepoints: pd.DataFrame, criterion: str | None = None) -> pd.Series:
    """Best (lowest) % change of the sum from baseline per patient, up to progression.

    Assessments after progression (``after_progression``) are left out (spec/anatomic.md 0.9).
    """
    table = _before_progression(_of_criterion(timepoints, criterion))
    change = (_numeric(table["pct_change_baseline"]) if "pct_change_baseline" in table.columns
              else pd.Series(np.nan, index=table.index))
    return change.groupby(table[PATIENT].astype(str)).min().dropna().rename("best_pct_change")


def waterfall(timepoints: pd.DataFrame, best_response: pd.DataFrame | None = None, *,
              criterion: str | None = "recist11", confirmed: bool | None = None,
              ax: Axes | None = None) -> Axes:
    """Waterfall plot: best % change of the target sum per patient, sorted, styled by best response.

    Parameters
    ----------
    timepoints : pandas.DataFrame
        Timepoint table (``patient_id``, ``pct_change_baseline`` in %, optional ``criterion``).
    best_response : pandas.DataFrame, optional
        Best-response table; bars take the style of each patient's best response under ``criterion``.
    criterion : str or None, default "recist11"
        Criterion key to draw (None: the table holds one criterion).
    confirmed : bool or None, default None
        Which best response styles the bars (spec/patterns.md 7.1): None, the criterion's own
        (``best_response_confirmed`` when it confirms responses, e.g. irRC); True / False,
        ``best_response_confirmed`` / ``best_response``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (8, 4))
    change = best_pct_change(timepoints, criterion).sort_values(ascending=False, kind="stable")
    best = _of_criterion(best_response, criterion).drop_duplicates(PATIENT)
    if "criterion" not in best.columns:
        best = best.assign(criterion=criterion or "")
    labels = (pd.Series(endpoint_responses(best, confirmed).to_numpy(), index=best[PATIENT].astype(str))
              .reindex(change.index) if len(best) else pd.Series("", index=change.index))
    families = [response_family(str(label)) for label in labels.fillna("")]
    positions = np.arange(len(change))
    for family in dict.fromkeys(families):
        chosen = [i for i, f in enumerate(families) if f == family]
        style = FAMILY_STYLES[family]
        ax.bar(positions[chosen], change.to_numpy()[chosen], width=0.85, color=style["facecolor"],
               hatch=style["hatch"], edgecolor="black", linewidth=0.5, label=family)
    ax.axhline(PD_THRESHOLD_PCT, color="black", linestyle="--", linewidth=0.8)
    ax.axhline(PR_THRESHOLD_PCT, color="black", linestyle=":", linewidth=0.8)
    ax.axhline(0, color="black", linewidth=0.6)
    if change.empty:
        _no_data(ax)
    else:
        ax.legend(title="Best response" + (f" ({criterion})" if criterion else ""), fontsize=8)
    ax.set_xlim(-1, max(len(change), 1))
    ax.set_xticks([])
    ax.set_xlabel(f"Patients, sorted by best change (n = {len(change)})")
    ax.set_ylabel("Best change of target sum from baseline (%)")
    return ax


def spider(table: pd.DataFrame, *, criterion: str | None = "recist11", group: str | None = None,
           value: str = "pct_change_baseline", ax: Axes | None = None) -> Axes:
    """Spider plot: % change from baseline over time, one line per patient, starting at (0, 0).

    Parameters
    ----------
    table : pandas.DataFrame
        ``patient_id``, ``day`` (days since treatment start) and ``value`` (in %); a timepoint table
        or a "% change from baseline" table.
    criterion : str or None, default "recist11"
        Rows of this criterion when the table has a ``criterion`` column.
    group : str, optional
        Column whose value (one per patient, e.g. cohort or best response) sets the line style.
    value : str, default "pct_change_baseline"
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (7, 4.5))
    data = _of_criterion(table, criterion)
    data = data.assign(_day=_numeric(data[DAY]) if DAY in data else np.nan,
                       _value=_numeric(data[value]) if value in data else np.nan)
    data = data.dropna(subset=["_day", "_value"]).sort_values([PATIENT, "_day"], kind="stable")
    groups = list(dict.fromkeys(data[group].astype(str))) if group and group in data else [""]
    style_of = {name: i for i, name in enumerate(sorted(groups))}
    shown: set[str] = set()
    for _, part in data.groupby(PATIENT, sort=True):
        name = str(part[group].iloc[0]) if group and group in part else ""
        i = style_of[name]
        ax.plot(np.r_[0, part["_day"]], np.r_[0, part["_value"]], color=f"{0.1 + 0.5 * (i % 3) / 2:.2f}",
                linestyle=LINE_STYLES[i % len(LINE_STYLES)], marker=MARKERS[i % len(MARKERS)],
                markersize=3, linewidth=0.9, label=name if name and name not in shown else None)
        shown.add(name)
    ax.axhline(PD_THRESHOLD_PCT, color="black", linestyle="--", linewidth=0.8)
    ax.axhline(PR_THRESHOLD_PCT, color="black", linestyle=":", linewidth=0.8)
    if data.empty:
        _no_data(ax)
    elif shown - {""}:
        ax.legend(title=group, fontsize=8)
    ax.set_xlabel("Time since treatment start (days)")
    ax.set_ylabel("Change of target sum from baseline (%)")
    return ax


SWIMMER_EVENTS: dict[str, dict[str, str]] = {
    "response": {"marker": "^", "facecolor": "white", "label": "first response (CR/PR)"},
    "progression": {"marker": "X", "facecolor": "black", "label": "progression"},
    "iUPD": {"marker": "D", "facecolor": "white", "label": "iUPD (unconfirmed, iRECIST)"},
    "iCPD": {"marker": "D", "facecolor": "black", "label": "iCPD (confirmed, iRECIST)"},
    "treatment_end": {"marker": "|", "facecolor": "black", "label": "end of treatment"},
}
"""Event marks of the swimmer plot (filled vs open markers, readable in grayscale)."""


def swimmer(timepoints: pd.DataFrame, best_response: pd.DataFrame | None = None, *,
            criterion: str | None = "recist11", treatment_end: Mapping[str, float] | None = None,
            ax: Axes | None = None) -> Axes:
    """Swimmer plot: time on study per patient with response, progression and iUPD/iCPD marks.

    Parameters
    ----------
    timepoints : pandas.DataFrame
        Timepoint table; the bar of a patient ends at the last assessment (any criterion); iUPD and
        iCPD marks come from the ``irecist`` rows when present.
    best_response : pandas.DataFrame, optional
        Gives ``first_response_day`` and ``progression_day`` under ``criterion`` and the bar style.
    criterion : str or None, default "recist11"
    treatment_end : mapping patient_id -> day, optional
        Day treatment stopped (a patient table's ``treatment_end`` converted to days).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    last_day = _numeric(timepoints[DAY]).groupby(timepoints[PATIENT]).max() if len(timepoints) else \
        pd.Series(dtype=float)
    last_day = last_day.sort_values(kind="stable")
    patients = last_day.index.tolist()
    ax = _axes(ax, (7, 1 + 0.25 * max(len(patients), 2)))
    best = _of_criterion(best_response, criterion).drop_duplicates(PATIENT).set_index(PATIENT)
    has_criterion = "criterion" in timepoints.columns
    irecist = timepoints[timepoints["criterion"] == "irecist"] if has_criterion else timepoints[:0]
    labels = best["best_response"] if "best_response" in best else pd.Series(dtype=object)
    styles = [FAMILY_STYLES[response_family(str(labels.get(patient, "")))] for patient in patients]
    if patients:  # one call: the bars in row order, each in its patient's style
        ax.barh(np.arange(len(patients)), last_day.to_numpy(), color=[s["facecolor"] for s in styles],
                hatch=[s["hatch"] for s in styles], edgecolor="black", linewidth=0.5, height=0.6)
    events = _swimmer_events(patients, best, irecist, treatment_end)
    marks = {}
    for kind in [kind for kind in SWIMMER_EVENTS if kind in events]:  # one call per kind; a patient's
        days, rows = events[kind]  # marks stack in this order, as when each patient was drawn apart
        mark = SWIMMER_EVENTS[kind]
        colours = ({"c": "black", "linewidths": 2} if mark["marker"] == "|"
                   else {"facecolors": mark["facecolor"], "edgecolors": "black"})
        marks[kind] = ax.scatter(days, rows, marker=mark["marker"], s=40, zorder=3, label=mark["label"],
                                 **colours)
    if not patients:
        _no_data(ax)
    ax.set_yticks(np.arange(len(patients)), patients, fontsize=7)
    ax.set_xlabel("Time since treatment start (days)")
    ax.set_ylabel("Patient")
    handles = [Patch(facecolor=s["facecolor"], hatch=s["hatch"], edgecolor="black", label=f)
               for f, s in FAMILY_STYLES.items() if f in {response_family(str(v)) for v in best.get(
                   "best_response", pd.Series(dtype=str)).reindex(patients).fillna("")}]
    if marks or handles:  # the marks in the order their kinds first appear down the patients
        ax.legend(handles=[*handles, *(marks[kind] for kind in events)], fontsize=7, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return ax


def _swimmer_events(patients: list, best: pd.DataFrame, irecist: pd.DataFrame,
                    treatment_end: Mapping[str, float] | None) -> dict[str, tuple[list[float], list[int]]]:
    """The marks of every patient: (days, rows) by event kind, ``rows`` the patients' positions in
    ``patients``; the kinds in the order they first appear going down the patients (a patient's own in
    the order response, progression, iUPD, iCPD, end of treatment), and the marks of a kind by row, then
    day order of the timepoint table."""
    row_of = {patient: row for row, patient in enumerate(patients)}
    found: list[tuple[int, int, str, float]] = []  # (row, kind rank, kind, day)
    for rank, (kind, column) in enumerate((("response", "first_response_day"),
                                           ("progression", "progression_day"))):
        if column in best.columns:
            for patient, day in _numeric(best[column]).items():
                if patient in row_of and not np.isnan(day):
                    found.append((row_of[patient], rank, kind, float(day)))
    for rank, label in enumerate(("iUPD", "iCPD"), start=2):
        marked = irecist[irecist["overall_response"] == label] if len(irecist) else irecist
        for patient, day in zip(marked[PATIENT], _numeric(marked[DAY]), strict=True):
            if patient in row_of and not np.isnan(day):
                found.append((row_of[patient], rank, label, float(day)))
    if treatment_end is not None:
        for patient, day in treatment_end.items():
            if patient in row_of and not pd.isna(day):
                found.append((row_of[patient], 4, "treatment_end", float(day)))
    events: dict[str, tuple[list[float], list[int]]] = {}
    for row, _, kind, day in sorted(found, key=lambda mark: mark[:2]):  # stable: day order kept
        days, rows = events.setdefault(kind, ([], []))
        days.append(day)
        rows.append(row)
    return events


def km_curves(durations: pd.DataFrame, *, groups: tuple[str, ...] | None = None,
              duration_column: str = DURATION, event_column: str = EVENT,
              xlabel: str = "Time since treatment start (days)",
              ylabel: str = "Probability free of progression or death", ax: Axes | None = None) -> Axes:
    """Kaplan-Meier curves, one per group (by default per criterion, arm and reader), with censoring marks.

    Parameters
    ----------
    durations : pandas.DataFrame
        One row per patient and group, e.g. ``cohort.survival.pfs_durations``.
    groups : tuple of str, optional
        Default: one curve per criterion, and per arm and reader when they are named (each patient
        once per curve; :func:`ioresponse.cohort.survival.curve_groups`).
    duration_column, event_column : str
    xlabel, ylabel : str
        Axis labels; say the unit of the durations.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (6.5, 4))
    fitter = KaplanMeierByGroup().fit(durations, groups, duration_column=duration_column,
                                      event_column=event_column)
    return fitter.plot(ax=ax, xlabel=xlabel, ylabel=ylabel)


def pet_timeline(pet: pd.DataFrame, *, value: str = "sulpeak", aggregate: str = "max",
                 ax: Axes | None = None) -> Axes:
    """PET timeline: per patient, the lesions' ``value`` combined per scan day, over time.

    Parameters
    ----------
    pet : pandas.DataFrame
        PET lesion table with ``patient_id``, ``day`` and ``value`` (spec/metabolic.md 1.1).
    value : str, default "sulpeak"
        Column to draw, e.g. ``sulpeak`` (SUL, g/mL) or ``mtv_ml``.
    aggregate : {"max", "sum"}, default "max"
        "max": hottest lesion per scan (PERCIST's single hottest lesion, Wahl 2009); "sum": sum over
        lesions (e.g. the sum of SULpeak of up to five lesions in imPERCIST5).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_choice("aggregate", aggregate, ("max", "sum"))
    ax = _axes(ax, (7, 4))
    data = pet.assign(_day=_numeric(pet[DAY]) if DAY in pet else np.nan,
                      _value=_numeric(pet[value]) if value in pet else np.nan)
    data = data.dropna(subset=["_day", "_value"])
    series = data.groupby([PATIENT, "_day"])["_value"].agg(aggregate).reset_index()
    for i, (patient, part) in enumerate(series.groupby(PATIENT, sort=True)):
        ax.plot(part["_day"], part["_value"], color=f"{0.1 + 0.25 * (i % 3):.2f}",
                linestyle=LINE_STYLES[i % len(LINE_STYLES)], marker=MARKERS[i % len(MARKERS)], label=patient)
    if series.empty:
        _no_data(ax)
    elif series[PATIENT].nunique() <= 12:
        ax.legend(title="Patient", fontsize=7)
    unit = "SUL (g/mL)" if value.startswith("sul") else ("mL" if value.endswith("_ml") else "")
    what = "hottest lesion" if aggregate == "max" else "sum over lesions"
    ax.set_xlabel("Time since treatment start (days)")
    ax.set_ylabel(f"{value} ({what}){', ' + unit if unit else ''}")
    return ax
