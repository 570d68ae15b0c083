"""The figures of response papers: waterfall, spider, swimmer, Kaplan-Meier and PET timeline.

One function per figure (DESIGN.md "House style"; STYLE.md section 10). Each takes the result
tables (spec/anatomic.md 0.9: ``pct_change_baseline`` in percent, days since treatment start) and an
optional matplotlib ``ax``, returns the axes, and works for an empty or a single-patient cohort
(an empty cohort draws labelled axes with "No data"). Figures stay readable in grayscale: response
categories differ by hatch and marker as well as grey level, never by colour alone.

Reference lines and axis labels are those of the criterion drawn (:data:`REFERENCE_LINES`,
:data:`SUM_NAMES`): e.g. -30 % (partial response) and +20 % (progression) of RECIST 1.1 sec. 4.3.1
(Eisenhauer EA et al. Eur J Cancer 2009;45:228-247, doi:10.1016/j.ejca.2008.10.026), -50 % and +25 % of
irRC (spec/anatomic.md 2.4), taken from the criterion modules' own constants.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ioresponse.cohort.rates import as_flag, endpoint_responses
from ioresponse.cohort.survival import DURATION, EVENT, KaplanMeierByGroup, plot_text
from ioresponse.criteria import impercist, imrecist, irrc, irrecist, percist, recist11
from ioresponse.schema import DAY, PATIENT, READER, InputError, check_choice


def _percent(relative: float) -> float:
    return round(100 * relative, 6)


REFERENCE_LINES: dict[str, tuple[float, float]] = {
    # RECIST 1.1 sec. 4.3.1 (spec/anatomic.md 1.4); iRECIST's target categories are RECIST 1.1's (4.4)
    "recist11": (-_percent(recist11.PR_DECREASE), _percent(recist11.PD_INCREASE)),
    "irecist": (-_percent(recist11.PR_DECREASE), _percent(recist11.PD_INCREASE)),
    "irrc": (-_percent(irrc.PR_DECREASE), _percent(irrc.PD_INCREASE)),  # spec/anatomic.md 2.4
    "irrecist": (-_percent(irrecist.PR_DECREASE), _percent(irrecist.PD_INCREASE)),  # spec/anatomic.md 3.4
    "imrecist": (-_percent(imrecist.PR_DECREASE), _percent(imrecist.PD_INCREASE)),  # spec/anatomic.md 5.4
    # PERCIST 1.0 (spec/metabolic.md 5.5); iPERCIST calls PERCIST's category first (9.5)
    "percist": (_percent(percist.PMR_RELATIVE), _percent(percist.PMD_RELATIVE)),
    "ipercist": (_percent(percist.PMR_RELATIVE), _percent(percist.PMD_RELATIVE)),
    "impercist": (_percent(impercist.PMR_RELATIVE), _percent(impercist.PMD_RELATIVE)),  # metabolic.md 8.5
}
"""(response line, progression line) in % of the baseline sum, per criterion. The progression threshold
of the anatomic criteria is over the nadir, drawn against baseline. EORTC (cycle-dependent PMR,
spec/metabolic.md 4.5), PECRIT (6.5) and PERCIMT (new-lesion counts, 7.5) have no single pair of %
thresholds: no line is drawn for them."""

SUM_NAMES: dict[str, str] = {
    "recist11": "target sum",  # spec/anatomic.md 0.9, 1.4
    "irecist": "target sum",  # spec/anatomic.md 0.9, 4.4: baseline targets; new-lesion targets apart
    "irrc": "tumour burden (sum of products)",  # spec/anatomic.md 2.4
    "irrecist": "total measured tumour burden (targets + new)",  # spec/anatomic.md 3.4
    "imrecist": "sum incl. new measurable lesions",  # spec/anatomic.md 0.9, 5.4
    "eortc": "uptake of the tracked lesions (sum, or hottest by eortc_aggregate)",  # spec/metabolic.md 4.2
    "percist": "SULpeak of the hottest lesion",  # spec/metabolic.md 5.2
    "ipercist": "SULpeak of the hottest lesion",  # spec/metabolic.md 9.2
    "pecrit": "SULpeak of the hottest lesion",  # spec/metabolic.md 6.2
    "impercist": "sum of SULpeak (up to 5 lesions)",  # spec/metabolic.md 8.2
    "percimt": "PERCIMT value (no uptake sum: new-lesion counts)",  # spec/metabolic.md 7.2
}
"""The sum each criterion's ``current_sum`` holds, "the sum that drives the criterion" (spec/anatomic.md
0.9, spec/metabolic.md 2.7): what the waterfall, spider and PET timeline draw."""

BASELINE_DAY = "reference_day"
"""Timepoint column giving the baseline scan's day: the metabolic criteria's reference (spec/metabolic.md
1.6). The anatomic timepoint table has follow-ups only (spec/anatomic.md 0.9): their baseline is drawn
at day 0."""

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


def sum_label(criterion: str | None, unit: str = "") -> str:
    """The name of the sum ``criterion`` draws (:data:`SUM_NAMES`), with its ``sum_unit`` when given."""
    name = SUM_NAMES.get(criterion or "", "sum")
    return f"{name} in {unit}" if unit else name


def reference_note(criterion: str | None) -> str:
    """The reference lines of a waterfall or spider of ``criterion``, in words (for a caption)."""
    lines = REFERENCE_LINES.get(criterion or "")
    if lines is None:
        return f"no reference line: {criterion or 'the table'} has no single pair of % thresholds"
    response, progression = lines
    return f"dashed {progression:+g} % (progression), dotted {response:+g} % (response) of {criterion}"


def _long_ylabel(ax: Axes, text: str) -> None:
    """A y label naming a criterion's sum, wrapped so that it fits the height of the axes."""
    ax.set_ylabel(textwrap.fill(text, 42))


def _reference_lines(ax: Axes, criterion: str | None) -> None:
    """The lines of :data:`REFERENCE_LINES` for ``criterion`` (none for a criterion without them)."""
    lines = REFERENCE_LINES.get(criterion or "")
    if lines is not None:
        response, progression = lines
        ax.axhline(progression, color="black", linestyle="--", linewidth=0.8)
        ax.axhline(response, color="black", linestyle=":", linewidth=0.8)


def _drawn(table: pd.DataFrame, criterion: str | None) -> tuple[str | None, str]:
    """The criterion of the rows drawn (``criterion``, else the table's one) and their ``sum_unit``."""
    if criterion is None and "criterion" in table.columns and len(table):
        criterion = str(table["criterion"].iloc[0])
    units = set(table["sum_unit"].dropna().astype(str)) - {""} if "sum_unit" in table.columns else set()
    return criterion, units.pop() if len(units) == 1 else ""


def _one_reader(table: pd.DataFrame) -> pd.DataFrame:
    """``table``, refused when it holds the reads of several readers, which a per-patient figure would mix
    (one patient's bar from one reader, its style from another; README: "a figure shows each patient
    once")."""
    readers = sorted(set(table[READER].fillna("").astype(str))) if READER in table.columns else []
    if len(readers) > 1:
        raise InputError("<table>", [], READER, f"holds the reads of {len(readers)} readers ("
                         f"{', '.join(map(repr, readers[:5]))}); a per-patient figure draws one reader's "
                         "reads: keep the rows of one reader")
    return table


def _of_criterion(table: pd.DataFrame | None, criterion: str | None) -> pd.DataFrame:
    """The rows of ``criterion`` of one reader (:func:`_one_reader`). With ``criterion`` None the table must
    hold one criterion: a per-patient figure of several would mix them (a bar the lowest change over
    criteria, styled by one of them)."""
    if table is None:
        return pd.DataFrame(columns=[PATIENT, "criterion"])
    if PATIENT not in table.columns:
        raise InputError("<table>", [], PATIENT, "missing: a figure draws one mark per patient; give the "
                                                 "timepoint or best-response table of `ioresponse assess` "
                                                 "(spec/anatomic.md 0.9)")
    if "criterion" in table.columns:
        if criterion is not None:
            table = table[table["criterion"] == criterion]
        elif len(present := list(dict.fromkeys(table["criterion"].astype(str)))) > 1:
            raise InputError("<table>", [], "criterion", f"holds {len(present)} criteria ("
                             f"{', '.join(present)}); a per-patient figure draws one: name it "
                             "(criterion=...)")
    return _one_reader(table)


def _endpoint_labels(best_response: pd.DataFrame | None, criterion: str | None,
                     confirmed: bool | None) -> pd.Series:
    """Each patient's best response under ``criterion`` as the rates read it (:func:`endpoint_responses`
    with ``confirmed``; spec/patterns.md 7.1, spec/anatomic.md 0.9: irRC's confirmed column drives)."""
    best = _of_criterion(best_response, criterion).drop_duplicates(PATIENT)
    if not len(best):
        return pd.Series(dtype=object)
    if "criterion" not in best.columns:
        best = best.assign(criterion=criterion or "")
    return pd.Series(endpoint_responses(best, confirmed).to_numpy(), index=best[PATIENT].astype(str))


def _before_progression(timepoints: pd.DataFrame) -> pd.DataFrame:
    if "after_progression" not in timepoints.columns:
        return timepoints
    return timepoints[~as_flag(timepoints["after_progression"]).to_numpy(dtype=bool)]


def best_pct_change(timepoints: pd.DataFrame, criterion: str | None = None) -> pd.Series:
    """Best (lowest) % change of the sum from baseline per patient, up to progression.

    Assessments after progression (``after_progression``) are left out (spec/anatomic.md 0.9). With
    ``criterion`` None the table must hold one criterion (InputError otherwise).
    """
    table = _before_progression(_of_criterion(timepoints, criterion))
    change = (_numeric(table["pct_change_baseline"]) if "pct_change_baseline" in table.columns
              else pd.Series(np.nan, index=table.index))
    return change.groupby(table[PATIENT].astype(str)).min().dropna().rename("best_pct_change")


def waterfall(timepoints: pd.DataFrame, best_response: pd.DataFrame | None = None, *,
              criterion: str | None = "recist11", confirmed: bool | None = None,
              ax: Axes | None = None) -> Axes:
    """Waterfall plot: best % change of the criterion's sum per patient, sorted, styled by best response.

    The sum is the criterion's ``current_sum`` (:data:`SUM_NAMES`), the reference lines its thresholds
    (:data:`REFERENCE_LINES`; none for a criterion without a single pair).

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
    drawn, unit = _drawn(_of_criterion(timepoints, criterion), criterion)
    change = best_pct_change(timepoints, criterion).sort_values(ascending=False, kind="stable")
    labels = _endpoint_labels(best_response, criterion, confirmed).reindex(change.index)
    families = [response_family(str(label)) for label in labels.fillna("")]
    positions = np.arange(len(change))
    for family in dict.fromkeys(families):
        chosen = [i for i, f in enumerate(families) if f == family]
        style = FAMILY_STYLES[family]
        ax.bar(positions[chosen], change.to_numpy()[chosen], width=0.85, color=style["facecolor"],
               hatch=style["hatch"], edgecolor="black", linewidth=0.5, label=family)
    _reference_lines(ax, drawn)
    ax.axhline(0, color="black", linewidth=0.6)
    if change.empty:
        _no_data(ax)
    else:
        ax.legend(title="Best response" + (f" ({drawn})" if drawn else ""), fontsize=8)
    ax.set_xlim(-1, max(len(change), 1))
    ax.set_xticks([])
    ax.set_xlabel(f"Patients, sorted by best change (n = {len(change)})")
    _long_ylabel(ax, f"Best change of {sum_label(drawn, unit)} from baseline (%)")
    return ax


def spider(table: pd.DataFrame, *, criterion: str | None = "recist11", group: str | None = None,
           value: str = "pct_change_baseline", ax: Axes | None = None) -> Axes:
    """Spider plot: % change from baseline over time, one line per patient, starting at 0 % on its
    baseline day (``reference_day`` when the table gives it, spec/metabolic.md 1.6; else day 0, the
    anatomic timepoint table having follow-ups only, spec/anatomic.md 0.9).

    Parameters
    ----------
    table : pandas.DataFrame
        ``patient_id``, ``day`` (days since treatment start) and ``value`` (in %); a timepoint table
        or a "% change from baseline" table. The sum is the criterion's ``current_sum``
        (:data:`SUM_NAMES`), the reference lines its thresholds (:data:`REFERENCE_LINES`).
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
    drawn, unit = _drawn(data, criterion)
    baseline_day = _baseline_days(data)
    data = data.assign(_day=_numeric(data[DAY]) if DAY in data else np.nan,
                       _value=_numeric(data[value]) if value in data else np.nan)
    data = data.dropna(subset=["_day", "_value"]).sort_values([PATIENT, "_day"], kind="stable")
    groups = list(dict.fromkeys(data[group].astype(str))) if group and group in data else [""]
    style_of = {name: i for i, name in enumerate(sorted(groups))}
    shown: dict[str, object] = {}  # group -> its first line, for the legend
    for patient, part in data.groupby(PATIENT, sort=True):
        name = str(part[group].iloc[0]) if group and group in part else ""
        i = style_of[name]
        start = baseline_day.get(str(patient), 0.0)  # the baseline scan's day, else day 0
        (line,) = ax.plot(np.r_[start, part["_day"]], np.r_[0, part["_value"]],
                          color=f"{0.1 + 0.5 * (i % 3) / 2:.2f}", linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                          marker=MARKERS[i % len(MARKERS)], markersize=3, linewidth=0.9)
        shown.setdefault(name, line)
    _reference_lines(ax, drawn)
    named = {name: line for name, line in shown.items() if name}
    if data.empty:
        _no_data(ax)
    elif named:  # labels as given (a legend from the lines' labels leaves out those starting with "_")
        ax.legend(list(named.values()), [plot_text(name) for name in named], title=plot_text(group),
                  fontsize=8)
    given = baseline_day.reindex(data[PATIENT].astype(str).unique()).notna()
    if given.all():
        start = "baseline at its scan day"
    elif given.any():
        start = "baseline at its scan day, or at day 0 when the table has none"
    else:
        start = "baseline at day 0 (its day not in the table)"
    ax.set_xlabel(f"Time since treatment start (days); {start}")
    _long_ylabel(ax, f"Change of {sum_label(drawn, unit)} from baseline (%)" if value == "pct_change_baseline"
                 else f"{value} (%)")
    return ax


def _baseline_days(table: pd.DataFrame) -> pd.Series:
    """The baseline scan's day per patient (str) where the table gives it (:data:`BASELINE_DAY`)."""
    if BASELINE_DAY not in table.columns or not len(table):
        return pd.Series(dtype=float)
    return _numeric(table[BASELINE_DAY]).groupby(table[PATIENT].astype(str)).first().dropna()


SWIMMER_EVENTS: dict[str, dict[str, str]] = {
    "response": {"marker": "^", "facecolor": "white", "label": "first response (CR/PR)"},
    "progression": {"marker": "X", "facecolor": "black", "label": "progression"},
    "iUPD": {"marker": "D", "facecolor": "white", "label": "iUPD (unconfirmed, iRECIST)"},
    "iCPD": {"marker": "D", "facecolor": "black", "label": "iCPD (confirmed, iRECIST)"},
    "treatment_end": {"marker": "|", "facecolor": "black", "label": "end of treatment"},
}
"""Event marks of the swimmer plot (filled vs open markers, readable in grayscale)."""


def swimmer(timepoints: pd.DataFrame, best_response: pd.DataFrame | None = None, *,
            criterion: str | None = "recist11", confirmed: bool | None = None,
            treatment_end: Mapping[str, float] | None = None, ax: Axes | None = None) -> Axes:
    """Swimmer plot: time on study per patient with response, progression and iUPD/iCPD marks.

    Parameters
    ----------
    timepoints : pandas.DataFrame
        Timepoint table of one reader; the bar of a patient ends at the last assessment (any
        criterion); iUPD and iCPD marks come from the ``irecist`` rows when present.
    best_response : pandas.DataFrame, optional
        Gives ``first_response_day`` and ``progression_day`` under ``criterion`` and the bar style.
    criterion : str or None, default "recist11"
    confirmed : bool or None, default None
        Which best response styles the bars, as in :func:`waterfall` (spec/patterns.md 7.1); the first
        response is marked only on a lane whose best response so read is a response.
    treatment_end : mapping patient_id -> day, optional
        Day treatment stopped (a patient table's ``treatment_end`` converted to days).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    timepoints = _one_reader(timepoints)
    last_day = _numeric(timepoints[DAY]).groupby(timepoints[PATIENT]).max() if len(timepoints) else \
        pd.Series(dtype=float)
    last_day = last_day.sort_values(kind="stable")
    patients = last_day.index.tolist()
    ax = _axes(ax, (7, 1 + 0.25 * max(len(patients), 2)))
    labels = _endpoint_labels(best_response, criterion, confirmed).reindex(map(str, patients)).fillna("")
    families = [response_family(str(label)) for label in labels]
    best = _of_criterion(best_response, criterion).drop_duplicates(PATIENT).set_index(PATIENT)
    if "first_response_day" in best.columns:  # the response the lane reads (spec/patterns.md 7.1)
        responders = {str(p) for p, f in zip(patients, families, strict=True)
                      if f in ("complete response", "partial response")}
        best = best.assign(first_response_day=best["first_response_day"].where(
            best.index.astype(str).isin(responders)))
    has_criterion = "criterion" in timepoints.columns
    irecist = timepoints[timepoints["criterion"] == "irecist"] if has_criterion else timepoints[:0]
    styles = [FAMILY_STYLES[family] for family in families]
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
    ax.set_yticks(np.arange(len(patients)), [plot_text(patient) for patient in patients], fontsize=7)
    ax.set_xlabel("Time since treatment start (days)")
    ax.set_ylabel("Patient")
    handles = [Patch(facecolor=s["facecolor"], hatch=s["hatch"], edgecolor="black", label=f)
               for f, s in FAMILY_STYLES.items() if f in families]
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


def criterion_sums(timepoints: pd.DataFrame, criterion: str) -> pd.DataFrame:
    """The sum driving ``criterion`` (``current_sum``, :data:`SUM_NAMES`) per patient and scan day, the
    baseline scan first: ``baseline_sum`` on the ``reference_day`` the metabolic timepoint rows give
    (spec/metabolic.md 1.6; a criterion without it, e.g. PECRIT, gives its follow-ups only).

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``day``, ``current_sum`` and ``sum_unit``, for :func:`pet_timeline`.
    """
    table = _of_criterion(timepoints, criterion)

    def sums(day: str, value: str) -> pd.DataFrame:
        return pd.DataFrame({PATIENT: table[PATIENT], DAY: _numeric(table[day]) if day in table else np.nan,
                             "current_sum": _numeric(table[value]) if value in table else np.nan,
                             "sum_unit": table.get("sum_unit", "")})

    if BASELINE_DAY not in table.columns:
        return sums(DAY, "current_sum")
    baseline = sums(BASELINE_DAY, "baseline_sum").drop_duplicates([PATIENT, DAY])
    return pd.concat([baseline, sums(DAY, "current_sum")], ignore_index=True)


def pet_timeline(pet: pd.DataFrame, *, value: str = "sulpeak", aggregate: str = "max",
                 ylabel: str | None = None, ax: Axes | None = None) -> Axes:
    """PET timeline: per patient, the lesions' ``value`` combined per scan day, over time.

    Parameters
    ----------
    pet : pandas.DataFrame
        PET lesion table of one reader with ``patient_id``, ``day`` and ``value`` (spec/metabolic.md
        1.1), or a criterion's sums over time (:func:`criterion_sums`, ``value="current_sum"``).
    value : str, default "sulpeak"
        Column to draw, e.g. ``sulpeak`` (SUL, g/mL) or ``mtv_ml``.
    aggregate : {"max", "sum"}, default "max"
        "max": hottest lesion per scan (PERCIST's single hottest lesion, Wahl 2009); "sum": sum over
        lesions (e.g. the sum of SULpeak of up to five lesions in imPERCIST5).
    ylabel : str, optional
        Axis label, e.g. the criterion's sum and unit (:func:`sum_label`); by default from ``value`` and
        ``aggregate``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_choice("aggregate", aggregate, ("max", "sum"))
    ax = _axes(ax, (7, 4))
    data = _one_reader(pet).assign(_day=_numeric(pet[DAY]) if DAY in pet else np.nan,
                      _value=_numeric(pet[value]) if value in pet else np.nan)
    data = data.dropna(subset=["_day", "_value"])
    series = data.groupby([PATIENT, "_day"])["_value"].agg(aggregate).reset_index()
    lines = {}
    for i, (patient, part) in enumerate(series.groupby(PATIENT, sort=True)):
        (lines[patient],) = ax.plot(part["_day"], part["_value"], color=f"{0.1 + 0.25 * (i % 3):.2f}",
                                    linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                                    marker=MARKERS[i % len(MARKERS)])
    if series.empty:
        _no_data(ax)
    elif len(lines) <= 12:  # patients as given (a legend from the lines' labels leaves out "_P1")
        ax.legend(list(lines.values()), [plot_text(patient) for patient in lines], title="Patient",
                  fontsize=7)
    unit = "SUL (g/mL)" if value.startswith("sul") else ("mL" if value.endswith("_ml") else "")
    what = "hottest lesion" if aggregate == "max" else "sum over lesions"
    ax.set_xlabel("Time since treatment start (days)")
    _long_ylabel(ax, ylabel or f"{value} ({what}){', ' + unit if unit else ''}")
    return ax
