"""The self-contained HTML report: cohort page and one section per patient (issue 8 item 3).

Rendered with Jinja2 from ``templates/report.html.j2``; figures are PNG images embedded as base64
``data:`` URIs, so the file opens without network access. Every number comes from the cohort
module and every call and reason from the timepoint table (DESIGN.md: "A patient's explanation is
its rows of the cohort result"). The cohort endpoints are those of spec/patterns.md section 7, with
the options of :class:`EndpointOptions`; the page and the CSV files of ``ioresponse report`` both
take them from :func:`endpoint_tables`.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import ioresponse
from ioresponse.cohort.agreement import reader_agreement
from ioresponse.cohort.beyond_progression import TBP_MIN_DAYS, treatment_beyond_progression
from ioresponse.cohort.rates import (
    ARM,
    RESPONDER_LABELS,
    STABLE_LABELS,
    Population,
    ResponseRateFitter,
    endpoint_responses,
    rates_with_pooled_arms,
)
from ioresponse.cohort.reclassification import (
    LABEL_ORDER,
    per_reader,
    progression_moves,
    reclassification_matrix,
)
from ioresponse.cohort.survival import (
    CUT,
    CUT_PATIENTS,
    DEFAULT_LANDMARKS_DAYS,
    MEDIAN_SPLIT_NOTE,
    KaplanMeierByGroup,
    curve_groups,
    median_split,
    os_durations,
    pfs_durations,
    response_durations,
    split_summary,
)
from ioresponse.report import figures
from ioresponse.schema import DAY, PATIENT, READER

METABOLIC_CRITERIA = ("percist", "eortc", "impercist", "ipercist", "percimt", "pecrit")
"""Criterion keys whose ``current_sum`` is a PET quantity (spec/metabolic.md 1.6)."""

TIMELINE_COLUMNS = (
    DAY, "date", "criterion", READER, "pct_change_baseline", "pct_change_nadir", "target_response",
    "non_target_response", "new_lesion_response", "overall_response", "confirmation_state", "flags", "reason",
)
BEST_COLUMNS = (
    "criterion", READER, "best_response", "best_response_confirmed", "first_response_day", "progression_day",
    "duration_of_response_days", "pfs_day", "pfs_event", "reason",
)
LESION_COLUMNS = (
    DAY, READER, "lesion_id", "role", "organ", "long_axis_mm", "short_axis_mm", "status", "note",
)
PATTERN_COLUMNS = (  # READER as the tables above: each reader is assessed separately (README "Input")
    READER, "pattern", "definition", "episode", "date", "flag", "values", "evidence", "reason",
)
FIGURE_DPI = 100
ENDPOINT_RESPONSE = "endpoint_response"
"""Column added for reclassification, agreement and the patient headlines: each row's best response as
the rates read it."""


@dataclass(frozen=True)
class ReportTables:
    """The outputs of ``ioresponse assess`` that the report reads (contract.md)."""

    timepoints: pd.DataFrame
    best_response: pd.DataFrame
    lesions: pd.DataFrame | None = None
    patterns: pd.DataFrame | None = None
    patients: pd.DataFrame | None = None
    split_values: pd.Series | None = None
    """A number per ``patient_id`` (index), named, e.g. a baseline MTV, to split OS and PFS at its cohort
    median (``report --median-split``; exploratory, spec/patterns.md 6.5); None: no split."""


@dataclass(frozen=True)
class EndpointOptions:
    """Options of the cohort endpoints (spec/patterns.md section 7), defaults from the spec.

    confirmed : None (default), True or False
        Best response read by rates, counts, reclassification, agreement and waterfall (spec 7.1):
        None, each criterion's own (``best_response_confirmed`` when the criterion confirms
        responses, irRC; ``best_response`` otherwise); True / False, that column for every criterion.
    population : "measurable_at_baseline" (default) or "all_treated"
        Denominator of the rates (spec 7; :class:`ResponseRateFitter`).
    dcr_landmark_days : int or None (default)
        Disease control also needs CR, PR or SD at or after this day (spec 7.2, e.g. 122).
    landmarks_days : tuple of float, default (182.625, 365.25)
        PFS landmark rates (spec 7.4), 6 and 12 months by default.
    censor_at_new_therapy : bool, default False
        Censor PFS at the last adequate assessment on or before ``new_therapy_start`` when the event or
        censoring comes after it (spec 7.4).
    tbp_min_days : int, default 0
        Treatment beyond progression: last dose after the RECIST 1.1 PD day, at least this many days
        after it (spec 7.5).
    """

    confirmed: bool | None = None
    population: Population = "measurable_at_baseline"
    dcr_landmark_days: int | None = None
    landmarks_days: tuple[float, ...] = DEFAULT_LANDMARKS_DAYS
    censor_at_new_therapy: bool = False
    tbp_min_days: int = TBP_MIN_DAYS


def pfs_table(tables: ReportTables, options: EndpointOptions) -> pd.DataFrame:
    """PFS durations per patient and criterion with the report's options (spec/patterns.md 7.4)."""
    return pfs_durations(tables.best_response, tables.patients, timepoints=tables.timepoints,
                         censor_at_new_therapy=options.censor_at_new_therapy)


def endpoint_tables(tables: ReportTables, options: EndpointOptions | None = None) -> dict[str, pd.DataFrame]:
    """The cohort endpoints of spec/patterns.md section 7 as long tables, by file stem.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``rates`` (ORR and DCR with exact CIs, population and n; 7.1, 7.2), ``response_counts``
        (patients of the denominator per best response), ``pfs`` and ``pfs_landmarks``
        (Kaplan-Meier per criterion; 7.4), ``duration_of_response`` (7.3), ``progression_moves``
        (patients whose progression date moves from RECIST 1.1, 7.4) and, when the patient table
        gives the last dose, ``tbp`` (treatment beyond progression, 7.5); with ``tables.split_values``,
        ``median_split`` (OS when the patient table gives it, and PFS per criterion, on each side of the
        median of the patients each reader read, with the cut and the log-rank p; spec 6.5).
    """
    options = options or EndpointOptions()
    best, timepoints, patients = tables.best_response, tables.timepoints, tables.patients
    fitter = ResponseRateFitter(confirmed=options.confirmed, population=options.population,
                                dcr_landmark_days=options.dcr_landmark_days)
    rates, counts = rates_with_pooled_arms(fitter, best, timepoints=timepoints)
    durations = pfs_table(tables, options)
    pfs = KaplanMeierByGroup(landmarks_days=options.landmarks_days).fit(durations)
    result = {
        "rates": rates, "response_counts": counts, "pfs": pfs.summary,
        "pfs_landmarks": pfs.landmarks_,
        "duration_of_response": KaplanMeierByGroup().fit(response_durations(best, patients)).summary,
        "progression_moves": progression_moves(best),
    }
    if patients is not None and {"treatment_end", "treatment_end_day"} & set(patients.columns):
        result["tbp"] = treatment_beyond_progression(best, timepoints, patients,
                                                     tbp_min_days=options.tbp_min_days)
    if tables.split_values is not None:
        summaries = [split_summary(split, keys).assign(endpoint=endpoint) for endpoint, split, keys
                     in _median_splits(tables, durations)]
        # the columns of PFS (last), whose keys (criterion, arm, reader) hold OS's (reader)
        result["median_split"] = pd.concat(summaries, ignore_index=True)[
            ["endpoint", *summaries[-1].columns.drop("endpoint")]]
    return result


def _median_splits(tables: ReportTables, pfs: pd.DataFrame) -> list[tuple[str, pd.DataFrame, tuple]]:
    """OS (when the patient table gives it) and PFS per criterion (``pfs``, from :func:`pfs_table`),
    split at the median of ``tables.split_values`` (spec/patterns.md 6.5): (endpoint, split durations,
    key columns).

    The cut is the median over the patients each reader read, each once (with one unnamed reader, the
    assessed patients): each reader is assessed separately (README "Input"), and a reader's OS and PFS
    are split at the same cut over the same patients (README "Cohort analysis": "the column's cohort
    median"), so a patient-table patient without results is in neither (it is left out of every
    endpoint)."""
    values, name, patients = tables.split_values, str(tables.split_values.name), tables.patients
    by = [READER] if READER in curve_groups(pfs) else []
    read = pfs[[PATIENT, *by]].drop_duplicates()  # the patients of each reader's cut
    splits = [("PFS", median_split(pfs, values, name, by=by, cohort=read), tuple(curve_groups(pfs)))]
    if patients is not None and {"os_days", "os_event"} <= set(patients.columns):
        survival = os_durations(patients).merge(read, on=PATIENT)  # each reader's patients' OS
        splits.insert(0, ("OS", median_split(survival, values, name, by=by, cohort=read), tuple(by)))
    return splits


def _cut_of(split: pd.DataFrame, reader: str) -> str:
    """What ``split`` (one reader's rows) is cut at, as the figure says it: "median 20 of reader R1's 3
    patients", "median 20 of the 3 patients" without a reader name (spec/patterns.md 6.5; README "Cohort
    analysis")."""
    if split.empty:
        return "no patient with a value"
    cut, n = float(split[CUT].iloc[0]), int(split[CUT_PATIENTS].iloc[0])
    whose = f"reader {reader}'s" if reader else "the"
    return f"median {cut:g} of {whose} {n} patient{'s' if n != 1 else ''}"


def _text(value: object, exact: bool = False) -> str:
    """A cell's text: estimates with three significant digits below 1, else one decimal; ``exact``
    (a parameter the user gave, such as a landmark day) as the CSV tables hold it: 182.625."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value == math.inf:  # a Kaplan-Meier median or bound never reached
        return "not reached"
    if isinstance(value, float):
        if value.is_integer():
            return f"{value:.0f}"
        return repr(value) if exact else f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    return str(value)


def _css(column: str, value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "num"
    return "reason" if column == "reason" else ""


def _by_patient(table: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    if table is None or not len(table):
        return {}
    return {name: part for name, part in table.groupby(table[PATIENT].astype(str))}


def _table(frame: pd.DataFrame, columns: tuple[str, ...] | None = None, *, index: bool = False,
           exact: tuple[str, ...] = ()) -> dict:
    """A DataFrame as the template's table: header, and each row's cells as HTML, each with its text
    (escaped) and alignment class; the ``exact`` columns as the CSV holds them (:func:`_text`). The cells
    are written here, not by the template: the report has a thousand per-patient tables, and a template
    loop per cell took most of its time."""
    shown = list(frame.columns) if columns is None else [c for c in columns if c in frame.columns]
    cells = [[f'<td class="{_css(column, v)}">{escape(_text(v, column in exact))}</td>'
              for v in frame[column]]
             for column in shown]  # column by column: a Series yields the values a row tuple holds
    rows = [{"index": _text(label), "cells": Markup("".join(row))}
            for label, row in zip(frame.index, zip(*cells, strict=True), strict=True)]
    return {"columns": [str(c) for c in shown], "rows": rows,
            "index_name": (frame.index.name or "") if index else None}


def _rates_display(summary: pd.DataFrame) -> pd.DataFrame:
    """Rates with "rate (CI)" text next to their counts; the landmark column only when one is set."""
    shown = summary.copy()
    for rate, count in (("orr", "responders"), ("dcr", "disease_control")):
        bounds = zip(shown[rate], shown[f"{rate}_ci_low"], shown[f"{rate}_ci_high"], strict=True)
        text = ["" if pd.isna(r) else f"{100 * r:.1f}% ({100 * lo:.1f}-{100 * hi:.1f})"
                for r, lo, hi in bounds]
        shown.insert(shown.columns.get_loc(count) + 1, f"{rate} (95% CI)", text)
        shown = shown.drop(columns=[rate, f"{rate}_ci_low", f"{rate}_ci_high"])
    if not shown["dcr_landmark_days"].notna().any():
        shown = shown.drop(columns="dcr_landmark_days")
    return shown


def _counts_display(counts: pd.DataFrame) -> pd.DataFrame:
    if counts.empty:
        return counts
    keys = [c for c in counts.columns if c not in ("best_response", "n")]
    wide = counts.pivot_table(index=keys, columns="best_response", values="n", fill_value=0, aggfunc="sum")
    rank = {label: i for i, label in enumerate(LABEL_ORDER)}
    wide = wide[sorted(wide.columns, key=lambda c: (rank.get(c, len(rank)), c))].reset_index()
    order = {criterion: i for i, criterion in enumerate(dict.fromkeys(counts["criterion"]))}
    return wide.sort_values("criterion", key=lambda c: c.map(order), kind="stable")


def _in_label_order(labels: frozenset[str]) -> list[str]:
    rank = {label: i for i, label in enumerate(LABEL_ORDER)}
    return sorted(labels, key=lambda label: (rank.get(label, len(rank)), label))


def _png(draw: Callable[[Axes], object], size: tuple[float, float]) -> str:
    figure = Figure(figsize=size)
    ax = figure.add_subplot()
    draw(ax)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _main_criterion(criteria: list[str]) -> str | None:
    """The criterion of the per-patient figures: RECIST 1.1, else the first anatomic criterion present, else
    the first criterion present (a PERCIST waterfall for a PET-only cohort); None without criteria."""
    anatomic = [c for c in criteria if c not in METABOLIC_CRITERIA]
    return "recist11" if "recist11" in anatomic else next(iter(anatomic or criteria), None)


def _figures(tables: ReportTables, criteria: list[str], options: EndpointOptions) -> list[dict[str, str]]:
    timepoints, best = tables.timepoints, tables.best_response
    pfs = pfs_table(tables, options)
    main = _main_criterion(criteria)
    pet = next((c for c in criteria if c in METABOLIC_CRITERIA), None)
    items = []
    splits = _median_splits(tables, pfs) if tables.split_values is not None else []
    # per-patient figures and curves show one reader's reads at a time (each patient once per figure)
    curves = tuple(g for g in curve_groups(pfs) if g != READER)
    by_arm = " and arm" if ARM in curves else ""
    for reader, reads, best_of, durations in _by_reader(timepoints, best, pfs):
        whose = f", reader {reader}" if reader else ""
        n_patients = reads[PATIENT].nunique() if len(reads) else 0
        under = f"under {main or 'no criterion'}{whose}"
        drawn = figures.sum_label(main)
        items += [
            (f"Waterfall: best change of the {drawn} from baseline {under}, styled by best response; "
             f"{figures.reference_note(main)}.",
             lambda ax, t=reads, b=best_of: figures.waterfall(t, b, criterion=main,
                                                              confirmed=options.confirmed, ax=ax), (8, 4)),
            (f"Spider: change of the {drawn} from baseline over time (days since treatment start; each line "
             f"starts at 0 % on its baseline scan's day when the table gives it, else on day 0) {under}; "
             f"{figures.reference_note(main)}.",
             lambda ax, t=reads: figures.spider(t, criterion=main, ax=ax), (8, 4.5)),
            (f"Swimmer: time on study with first response and progression under {main}, iUPD/iCPD "
             f"(iRECIST){whose}.",
             lambda ax, t=reads, b=best_of: figures.swimmer(t, b, criterion=main, confirmed=options.confirmed,
                                                            ax=ax),
             (8, 1.5 + 0.22 * min(max(n_patients, 2), 80))),
            (f"Kaplan-Meier: progression-free survival by criterion{by_arm}{whose} (progression, or death "
             "when given).",
             lambda ax, d=durations: figures.km_curves(d, groups=curves, ax=ax), (7, 4)),
        ]
        if pet is not None:
            items.append(_pet_timeline(reads, pet, whose))
        if tables.split_values is not None:  # one median-split figure per reader (README "HTML report")
            items.append(_median_split_figure(tables, splits, main, reader, whose))
    return [{"caption": caption, "png": _png(draw, size)} for caption, draw, size in items]


def _median_split_figure(tables: ReportTables, splits: list[tuple[str, pd.DataFrame, tuple]],
                         main: str | None, reader: str, whose: str
                         ) -> tuple[str, Callable[[Axes], object], tuple[float, float]]:
    """Kaplan-Meier of one reader's OS (when the patient table gives it), else of its PFS under ``main``,
    on each side of the cut of :func:`_median_splits` (spec/patterns.md 6.5): "one set of figures per
    named reader: a figure shows each patient once" (README "HTML report")."""
    endpoint, split, keys = splits[0]
    if READER in keys:
        split = split[split[READER].astype(str) == reader]
    if "criterion" in keys:  # no OS: PFS under the main criterion
        endpoint, split = f"PFS under {main}", split[split["criterion"] == main]
    groups = (*(k for k in keys if k not in ("criterion", READER)), "group")
    return (f"Kaplan-Meier: {endpoint} by {tables.split_values.name} on each side of its cohort median "
            f"({_cut_of(split, reader)}){whose}; {MEDIAN_SPLIT_NOTE}.",
            lambda ax: figures.km_curves(split, groups=groups, ax=ax,
                                         ylabel=f"Probability free of {_event_of(endpoint)}"), (7, 4))


def _pet_timeline(reads: pd.DataFrame, criterion: str, whose: str
                  ) -> tuple[str, Callable[[Axes], object], tuple[float, float]]:
    """The PET timeline of one reader's ``reads``: the sum driving ``criterion`` (its ``current_sum``,
    spec/metabolic.md 1.6) per scan, from the baseline scan (``baseline_sum`` on ``reference_day``) on."""
    sums = figures.criterion_sums(reads, criterion)
    units = set(sums["sum_unit"].dropna().astype(str)) - {""}
    label = figures.sum_label(criterion, units.pop() if len(units) == 1 else "")
    rows = reads[reads["criterion"] == criterion]
    given = figures.BASELINE_DAY in rows and rows[figures.BASELINE_DAY].notna().all()
    since = ("from the baseline scan" if given
             else f"follow-ups only where the {criterion} rows give no baseline day")
    return (f"PET timeline: {label}, the value driving {criterion} (current_sum), per scan {since}{whose}.",
            lambda ax: figures.pet_timeline(sums, value="current_sum", ylabel=label, ax=ax), (7, 4))


def _by_reader(timepoints: pd.DataFrame, best: pd.DataFrame, pfs: pd.DataFrame
               ) -> list[tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """(reader, its timepoints, best responses and PFS durations), one per named reader (the curves' split,
    :func:`ioresponse.cohort.survival.curve_groups`), else one ("", all)."""
    if READER not in curve_groups(pfs):
        return [("", timepoints, best, pfs)]
    return [(str(reader), timepoints[timepoints[READER] == reader], best[best[READER] == reader],
             pfs[pfs[READER] == reader]) for reader in sorted(pfs[READER].unique())]


def _event_of(endpoint: str) -> str:
    return "death" if endpoint == "OS" else "progression or death"


def _patient_sections(tables: ReportTables, read: pd.DataFrame) -> list[dict]:
    """One section per patient; the headline gives each criterion's best response as the rates read it
    (``read``'s :data:`ENDPOINT_RESPONSE`; spec/patterns.md 7.1, spec/anatomic.md 0.9 for irRC)."""
    timepoints, best = tables.timepoints, read
    ids = sorted(set(timepoints[PATIENT].astype(str)) | set(best[PATIENT].astype(str)))
    by_patient, best_of = _by_patient(timepoints), _by_patient(best)
    lesions_of, patterns_of = _by_patient(tables.lesions), _by_patient(tables.patterns)
    sections = []
    for patient in ids:
        own_best = best_of.get(patient, best[:0])
        readers = own_best[READER].astype(str) if READER in own_best else pd.Series("", index=own_best.index)
        headline = ", ".join(f"{c} ({reader}): {r}" if reader else f"{c}: {r}" for c, reader, r in zip(
            own_best["criterion"], readers, own_best[ENDPOINT_RESPONSE], strict=True))
        timeline = by_patient.get(patient, timepoints[:0]).sort_values([DAY, "criterion"], kind="stable")
        lesions = lesions_of.get(patient)
        patterns = patterns_of.get(patient)
        sections.append({
            "patient_id": patient, "headline": headline or "no best response",
            "best": _table(own_best, BEST_COLUMNS), "timeline": _table(timeline, TIMELINE_COLUMNS),
            "lesions": _table(lesions, LESION_COLUMNS) if lesions is not None else None,
            "patterns": _table(patterns, PATTERN_COLUMNS) if patterns is not None else None,
        })
    return sections


def _read_columns(rates: pd.DataFrame) -> str:
    """Which best-response column the rates read, criterion by criterion (spec 7.1)."""
    if rates.empty:
        return "no criterion"
    pairs = rates.drop_duplicates("criterion")[["criterion", "response_column"]].itertuples(index=False)
    return "; ".join(f"{criterion}: {column}" for criterion, column in pairs)


def _notes(tables: ReportTables, endpoints: dict[str, pd.DataFrame]) -> list[str]:
    notes = []
    if not len(tables.timepoints):
        notes.append("The timepoint table has no rows (no follow-up assessment): the figures have nothing "
                     "to plot and no patient's baseline can be checked for the denominator.")
    if tables.patients is None:
        notes.append("No patient table: PFS events are progressions only (no deaths); treatment beyond "
                     "progression needs the last dose (treatment_end).")
    elif "tbp" not in endpoints:
        notes.append("The patient table gives no treatment_end (or treatment_end_day): treatment beyond "
                     "progression is not computed.")
    return notes


def render_report(tables: ReportTables, *, options: EndpointOptions | None = None,
                  title: str = "ioresponse report", endpoints: dict[str, pd.DataFrame] | None = None) -> str:
    """The report as one HTML string.

    Parameters
    ----------
    tables : ReportTables
        Timepoints and best responses (required), lesions, patterns and patients (optional).
    options : EndpointOptions, optional
        Options of the cohort endpoints (spec/patterns.md 7); the spec's defaults when None.
    title : str
    endpoints : dict of str to pandas.DataFrame, optional
        :func:`endpoint_tables` of ``tables`` and ``options`` when the caller has them already (the
        command line writes them as CSV); computed when None.

    Returns
    -------
    str
        A complete HTML document with the figures embedded.
    """
    options = options or EndpointOptions()
    best = tables.best_response
    criteria = list(dict.fromkeys(best["criterion"])) if len(best) else []
    endpoints = endpoints if endpoints is not None else endpoint_tables(tables, options)
    read = best.assign(**{ENDPOINT_RESPONSE: endpoint_responses(best, options.confirmed)})
    reclassification = [  # a matrix per reader: patients once
        {"criterion_a": criteria[0], "criterion_b": other, "reader": name,
         "table": _table(reclassification_matrix(part, criteria[0], other, column=ENDPOINT_RESPONSE),
                         index=True)}
        for name, part in per_reader(read)
        for other in criteria[1:]
    ]
    agreement = reader_agreement(read, column=ENDPOINT_RESPONSE)
    environment = Environment(loader=PackageLoader("ioresponse.report", "templates"),
                              autoescape=select_autoescape(["html", "j2"]))
    tbp = endpoints.get("tbp")
    return environment.get_template("report.html.j2").render(
        title=title, n_patients=best[PATIENT].nunique() if len(best) else 0, criteria=criteria,
        read_columns=_read_columns(endpoints["rates"]), population=options.population,
        responder_labels=_in_label_order(RESPONDER_LABELS), stable_labels=_in_label_order(STABLE_LABELS),
        notes=_notes(tables, endpoints), rates=_table(_rates_display(endpoints["rates"])),
        counts=_table(_counts_display(endpoints["response_counts"])), reclassification=reclassification,
        agreement=_table(agreement) if len(agreement) else None, pfs=_table(endpoints["pfs"]),
        pfs_landmarks=_table(endpoints["pfs_landmarks"], exact=("landmark_days",)),
        duration=_table(endpoints["duration_of_response"]),
        moves=_table(endpoints["progression_moves"]), tbp=_table(tbp) if tbp is not None else None,
        options=options, figures=_figures(tables, criteria, options),
        patients=_patient_sections(tables, read), version=ioresponse.__version__,
    )


def write_report(tables: ReportTables, path: Path, *, options: EndpointOptions | None = None,
                 title: str = "ioresponse report", endpoints: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_report(tables, options=options, title=title, endpoints=endpoints),
                    encoding="utf-8")
    return path
