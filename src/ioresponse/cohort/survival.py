"""Progression-free survival and duration of response per criterion (Kaplan-Meier).

Sources
-------
- Kaplan EL, Meier P. J Am Stat Assoc 1958;53:457-481, doi:10.1080/01621459.1958.10501452; computed
  with lifelines' ``KaplanMeierFitter`` (Davidson-Pilon C, J Open Source Softw 2019;4:1317,
  doi:10.21105/joss.01317), whose median confidence interval is read off the pointwise
  (exponential Greenwood) band of the survival curve.
- PFS event = progression by the criterion, or death when a patient table gives it; duration of
  response = first CR/PR to progression (RECIST 1.1 sec. 4.5, Eisenhauer EA et al. Eur J Cancer
  2009;45:228-247, doi:10.1016/j.ejca.2008.10.026; issue 8 item 1). The criteria write ``pfs_day``,
  ``pfs_event``, ``progression_day`` and ``duration_of_response_days`` (spec/anatomic.md 0.9).

The estimator has the shape of STYLE.md section 8: settings in the constructor, ``fit`` returns
self, estimates on attributes ending in ``_``, a ``summary`` table and ``plot(ax=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times
from matplotlib.axes import Axes

from ioresponse.cohort.rates import DEFAULT_ALPHA, require_columns
from ioresponse.cohort.reclassification import LABEL_ORDER
from ioresponse.schema import PATIENT, READER

DURATION = "duration_days"
EVENT = "event"
EVENT_TYPE = "event_type"

LINE_STYLES: tuple[str | tuple, ...] = ("-", "--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)))
"""Curves differ by line style and marker as well as grey level (DESIGN.md: grayscale-readable)."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
GREYS = ("0.0", "0.45", "0.25", "0.6", "0.35")


TRUE_TEXT = frozenset({"true", "1", "1.0", "yes", "y"})
"""Spellings of an event indicator read as True (CSV/Parquet round trips, 0/1 status columns)."""


def as_event(values: pd.Series) -> pd.Series:
    """Event indicator as bool: True, 1 or "true"/"yes" are events; False, 0, empty and NaN are not."""
    return values.map(lambda v: str(v).strip().lower() in TRUE_TEXT).astype(bool)


def _keys(table: pd.DataFrame) -> list[str]:
    return [PATIENT, READER, "criterion"] if READER in table.columns else [PATIENT, "criterion"]


def pfs_durations(best_response: pd.DataFrame, patients: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per patient and criterion: time to progression or death, or to censoring.

    Parameters
    ----------
    best_response : pandas.DataFrame
        Best-response table with ``pfs_day`` (event or censoring day) and ``pfs_event``.
    patients : pandas.DataFrame, optional
        Patient table with ``patient_id``, ``os_days`` and ``os_event`` (DESIGN.md). A death of a
        patient without progression is a PFS event on ``os_days``.

    Returns
    -------
    pandas.DataFrame
        Key columns, ``duration_days``, ``event`` (bool) and ``event_type`` in {"progression",
        "death", "censored"}. Rows without a ``pfs_day`` (no follow-up) are left out.
    """
    require_columns(best_response, (PATIENT, "criterion", "pfs_day", "pfs_event"))
    table = best_response[[*_keys(best_response), "pfs_day", "pfs_event"]].copy()
    progressed = as_event(table["pfs_event"])
    table[DURATION] = table["pfs_day"].astype(float)
    table[EVENT_TYPE] = np.where(progressed, "progression", "censored")
    if patients is not None and {"os_days", "os_event"} <= set(patients.columns):
        deaths = patients[[PATIENT, "os_days", "os_event"]].drop_duplicates(PATIENT)
        table = table.merge(deaths, on=PATIENT, how="left")
        died = ~progressed & as_event(table["os_event"]) & table["os_days"].notna()
        table.loc[died, DURATION] = table.loc[died, "os_days"].astype(float)
        table.loc[died, EVENT_TYPE] = "death"
        table = table.drop(columns=["os_days", "os_event"])
    table[EVENT] = table[EVENT_TYPE].ne("censored")
    table = table[table[DURATION].notna()]
    return table.drop(columns=["pfs_day", "pfs_event"]).reset_index(drop=True)


def response_durations(best_response: pd.DataFrame) -> pd.DataFrame:
    """Duration of response of the responders: first response to progression (event) or censoring.

    Returns
    -------
    pandas.DataFrame
        Key columns, ``duration_days`` (= ``duration_of_response_days``), ``event`` (True when a
        ``progression_day`` exists) and ``event_type``; patients without a duration are left out.
    """
    require_columns(best_response, (PATIENT, "criterion", "duration_of_response_days", "progression_day"))
    table = best_response[best_response["duration_of_response_days"].notna()]
    result = table[_keys(best_response)].copy()
    result[DURATION] = table["duration_of_response_days"].astype(float)
    result[EVENT] = table["progression_day"].notna()
    result[EVENT_TYPE] = np.where(result[EVENT], "progression", "censored")
    return result.reset_index(drop=True)


class KaplanMeierByGroup:
    """Kaplan-Meier curves, medians and their confidence intervals per group.

    Parameters
    ----------
    alpha : float, default 0.05
        Two-sided error of the confidence intervals.

    Attributes
    ----------
    summary : pandas.DataFrame
        Group columns, ``n``, ``events``, ``median_days``, ``median_ci_low``, ``median_ci_high``
        (NaN/inf where the curve or its band does not reach 0.5).
    fitters_ : dict
        The lifelines ``KaplanMeierFitter`` of each group, keyed by the group label.
    median_ : pandas.Series
        Median per group label.
    """

    def __init__(self, alpha: float = DEFAULT_ALPHA) -> None:
        self.alpha = alpha

    def fit(self, durations: pd.DataFrame, groups: Sequence[str] = ("criterion",), *,
            duration_column: str = DURATION, event_column: str = EVENT) -> KaplanMeierByGroup:
        """Fit one curve per group.

        Parameters
        ----------
        durations : pandas.DataFrame
            One row per patient (per group), e.g. from :func:`pfs_durations`.
        groups : sequence of str, default ("criterion",)
            Columns whose values define the curves; empty for one curve.
        duration_column, event_column : str
            Time (any unit; the summary names it ``_days``) and event indicator columns.

        Returns
        -------
        KaplanMeierByGroup
            self.
        """
        require_columns(durations, (*groups, duration_column, event_column))
        self.groups = list(groups)
        self.fitters_: dict[str, KaplanMeierFitter] = {}
        rows = []
        parts = list(durations.groupby(self.groups, sort=True)) if self.groups else [((), durations)]
        if durations.empty:
            parts = []
        for key, part in sorted(parts, key=lambda item: _label_rank(item[0])):
            values = key if isinstance(key, tuple) else (key,)
            label = " / ".join(str(v) for v in values) or "all"
            fitter = KaplanMeierFitter(alpha=self.alpha)
            fitter.fit(part[duration_column].astype(float), as_event(part[event_column]), label=label)
            low, high = _median_interval(fitter)
            self.fitters_[label] = fitter
            rows.append({**dict(zip(self.groups, values, strict=True)), "n": len(part),
                         "events": int(as_event(part[event_column]).sum()),
                         "median_days": float(fitter.median_survival_time_),
                         "median_ci_low": low, "median_ci_high": high})
        columns = [*self.groups, "n", "events", "median_days", "median_ci_low", "median_ci_high"]
        self.summary = pd.DataFrame(rows, columns=columns)
        self.median_ = pd.Series({label: f.median_survival_time_ for label, f in self.fitters_.items()},
                                 name="median_days", dtype=float)
        return self

    def plot(self, ax: Axes | None = None, *, xlabel: str = "Time since treatment start (days)",
             ylabel: str = "Probability free of event") -> Axes:
        """Step curves with censoring ticks; groups differ by line style, marker and grey."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 4))
        for i, fitter in enumerate(self.fitters_.values()):
            fitter.plot_survival_function(
                ax=ax, ci_show=False, show_censors=True, color=GREYS[i % len(GREYS)],
                linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                censor_styles={"marker": MARKERS[i % len(MARKERS)], "ms": 5},
            )
        if not self.fitters_:
            ax.text(0.5, 0.5, "No patients", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return ax


def _label_rank(key: object) -> tuple:
    """Groups in response order (CR before PR ... NE) when they are response labels, else as sorted."""
    values = key if isinstance(key, tuple) else (key,)
    rank = {label: i for i, label in enumerate(LABEL_ORDER)}
    return tuple((rank.get(str(v), len(rank)), str(v)) for v in values)


def _median_interval(fitter: KaplanMeierFitter) -> tuple[float, float]:
    interval = median_survival_times(fitter.confidence_interval_)
    low, high = (float(v) for v in np.asarray(interval, dtype=float).ravel()[:2])
    return low, high
