"""The self-contained HTML report: cohort page and one section per patient (issue 8 item 3).

Rendered with Jinja2 from ``templates/report.html.j2``; figures are PNG images embedded as base64
``data:`` URIs, so the file opens without network access. Every number comes from the cohort
module and every call and reason from the timepoint table (DESIGN.md: "A patient's explanation is
its rows of the cohort result").
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
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import ioresponse
from ioresponse.cohort.agreement import reader_agreement
from ioresponse.cohort.rates import RESPONDER_LABELS, STABLE_LABELS, ResponseRateFitter
from ioresponse.cohort.reclassification import LABEL_ORDER, reclassification_matrix
from ioresponse.cohort.survival import KaplanMeierByGroup, pfs_durations, response_durations
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
PATTERN_COLUMNS = ("pattern", "definition", "episode", "date", "flag", "values", "evidence", "reason")
FIGURE_DPI = 100


@dataclass(frozen=True)
class ReportTables:
    """The outputs of ``ioresponse assess`` that the report reads (contract.md)."""

    timepoints: pd.DataFrame
    best_response: pd.DataFrame
    lesions: pd.DataFrame | None = None
    patterns: pd.DataFrame | None = None
    patients: pd.DataFrame | None = None


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    return str(value)


def _css(column: str, value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "num"
    return "reason" if column == "reason" else ""


def _by_patient(table: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    if table is None or not len(table):
        return {}
    return {name: part for name, part in table.groupby(table[PATIENT].astype(str))}


def _table(frame: pd.DataFrame, columns: tuple[str, ...] | None = None, *, index: bool = False) -> dict:
    """A DataFrame as the template's table: header, and cells with text and alignment."""
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    rows = []
    for label, values in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = [{"text": _text(v), "css": _css(column, v)}
                 for column, v in zip(frame.columns, values, strict=True)]
        rows.append({"index": _text(label), "cells": cells})
    return {"columns": [str(c) for c in frame.columns], "rows": rows,
            "index_name": (frame.index.name or "") if index else None}


def _rates_display(summary: pd.DataFrame) -> pd.DataFrame:
    shown = summary.copy()
    for rate in ("orr", "dcr"):
        shown[f"{rate} (95% CI)"] = [
            "" if pd.isna(r) else f"{100 * r:.1f}% ({100 * lo:.1f}-{100 * hi:.1f})"
            for r, lo, hi in zip(shown[rate], shown[f"{rate}_ci_low"], shown[f"{rate}_ci_high"], strict=True)
        ]
    return shown.drop(columns=[c for c in shown.columns if c.startswith(("orr", "dcr"))
                               and "(" not in c])


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


def _first_anatomic(criteria: list[str]) -> str | None:
    anatomic = [c for c in criteria if c not in METABOLIC_CRITERIA]
    return "recist11" if "recist11" in anatomic else (anatomic[0] if anatomic else None)


def _figures(tables: ReportTables, criteria: list[str], confirmed: bool) -> list[dict[str, str]]:
    timepoints, best = tables.timepoints, tables.best_response
    main = _first_anatomic(criteria)
    n_patients = timepoints[PATIENT].nunique() if len(timepoints) else 0
    items = [
        (f"Waterfall: best change of the sum from baseline under {main or 'no anatomic criterion'}, "
         "styled by best response; dashed +20 %, dotted -30 %.",
         lambda ax: figures.waterfall(timepoints, best, criterion=main, confirmed=confirmed, ax=ax), (8, 4)),
        (f"Spider: change of the sum from baseline over time under {main or 'no anatomic criterion'}.",
         lambda ax: figures.spider(timepoints, criterion=main, ax=ax), (8, 4.5)),
        (f"Swimmer: time on study with first response and progression under {main}, iUPD/iCPD (iRECIST).",
         lambda ax: figures.swimmer(timepoints, best, criterion=main, ax=ax),
         (8, 1.5 + 0.22 * min(max(n_patients, 2), 80))),
        ("Kaplan-Meier: progression-free survival by criterion (progression, or death when given).",
         lambda ax: figures.km_curves(pfs_durations(best, tables.patients), ax=ax), (7, 4)),
    ]
    metabolic = [c for c in criteria if c in METABOLIC_CRITERIA]
    if metabolic:
        pet = timepoints[timepoints["criterion"] == metabolic[0]]
        items.append((f"PET timeline: the value driving {metabolic[0]} (current_sum) over time.",
                      lambda ax: figures.pet_timeline(pet, value="current_sum", ax=ax), (7, 4)))
    return [{"caption": caption, "png": _png(draw, size)} for caption, draw, size in items]


def _patient_sections(tables: ReportTables) -> list[dict]:
    timepoints, best = tables.timepoints, tables.best_response
    ids = sorted(set(timepoints[PATIENT].astype(str)) | set(best[PATIENT].astype(str)))
    by_patient, best_of = _by_patient(timepoints), _by_patient(best)
    lesions_of, patterns_of = _by_patient(tables.lesions), _by_patient(tables.patterns)
    sections = []
    for patient in ids:
        own_best = best_of.get(patient, best[:0])
        headline = ", ".join(f"{c}: {r}" for c, r in zip(own_best["criterion"], own_best["best_response"],
                                                          strict=True))
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


def render_report(tables: ReportTables, *, confirmed: bool = False, title: str = "ioresponse report") -> str:
    """The report as one HTML string.

    Parameters
    ----------
    tables : ReportTables
        Timepoints and best responses (required), lesions, patterns and patients (optional).
    confirmed : bool, default False
        Rates, waterfall styles and counts from ``best_response_confirmed``.
    title : str

    Returns
    -------
    str
        A complete HTML document with the figures embedded.
    """
    best = tables.best_response
    criteria = list(dict.fromkeys(best["criterion"])) if len(best) else []
    rates = ResponseRateFitter(confirmed=confirmed).fit(best)
    reclassification = [
        {"criterion_a": criteria[0], "criterion_b": other,
         "table": _table(reclassification_matrix(best, criteria[0], other, column=rates.response_column),
                         index=True)}
        for other in criteria[1:]
    ]
    agreement = reader_agreement(best, column=rates.response_column)
    pfs = KaplanMeierByGroup().fit(pfs_durations(best, tables.patients)).summary
    duration = KaplanMeierByGroup().fit(response_durations(best)).summary
    notes = []
    if tables.patients is None:
        notes.append("No patient table: PFS events are progressions only (no deaths).")
    environment = Environment(loader=PackageLoader("ioresponse.report", "templates"),
                              autoescape=select_autoescape(["html", "j2"]))
    return environment.get_template("report.html.j2").render(
        title=title, n_patients=best[PATIENT].nunique() if len(best) else 0, criteria=criteria,
        response_column=rates.response_column, responder_labels=_in_label_order(RESPONDER_LABELS),
        stable_labels=_in_label_order(STABLE_LABELS), notes=notes,
        rates=_table(_rates_display(rates.summary)), counts=_table(_counts_display(rates.counts_)),
        reclassification=reclassification, agreement=_table(agreement) if len(agreement) else None,
        pfs=_table(pfs), duration=_table(duration), figures=_figures(tables, criteria, confirmed),
        patients=_patient_sections(tables), version=ioresponse.__version__,
    )


def write_report(tables: ReportTables, path: Path, *, confirmed: bool = False,
                 title: str = "ioresponse report") -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_report(tables, confirmed=confirmed, title=title), encoding="utf-8")
    return path
