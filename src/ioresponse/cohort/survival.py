"""Progression-free survival and duration of response per criterion (Kaplan-Meier).

Sources
-------
- spec/patterns.md 7.3 (duration of response: first CR/PR to progression or death, censored at the
  last adequate assessment; Kaplan-Meier median with 95 % CI, events and censored) and 7.4 (PFS by
  criterion: progression or death, censored at the last adequate assessment, optionally at the last
  assessment before ``new_therapy_start``; median, landmark rates).
- Kaplan EL, Meier P. J Am Stat Assoc 1958;53:457-481, doi:10.1080/01621459.1958.10501452; computed
  with lifelines' ``KaplanMeierFitter`` (Davidson-Pilon C, J Open Source Softw 2019;4:1317,
  doi:10.21105/joss.01317), whose median confidence interval is read off the pointwise
  (exponential Greenwood) band of the survival curve; landmark rates are the curve and that band at
  the landmark day.
- The criteria write ``pfs_day``, ``pfs_event``, ``first_response_day``, ``progression_day`` and
  ``duration_of_response_days`` (spec/anatomic.md 0.9); a patient table gives deaths (``os_days``,
  ``os_event``, DESIGN.md) and the start of a later anticancer therapy (``new_therapy_start``, a date
  with ``treatment_start``, or ``new_therapy_start_day``; spec/patterns.md 0.5).
- spec/patterns.md 6.5 (imaging biomarkers such as baseline MTV): no validated cut-off exists in
  immunotherapy, so the values are only reported and, on request, split at the cohort median, an
  exploratory split labelled as such (:func:`median_split`); the groups are compared with the
  log-rank test (Mantel N, Cancer Chemother Rep 1966;50:163-170; lifelines' ``logrank_test``).

The estimator has the shape of STYLE.md section 8: settings in the constructor, ``fit`` returns
self, estimates on attributes ending in ``_``, a ``summary`` table and ``plot(ax=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
from matplotlib.axes import Axes

from ioresponse.cohort.rates import ARM, DEFAULT_ALPHA, as_flag, require_columns, split_columns, subject_keys
from ioresponse.cohort.reclassification import LABEL_ORDER
from ioresponse.criteria import Study
from ioresponse.patterns._common import median_time
from ioresponse.patterns._study import patient_days
from ioresponse.schema import DAY, PATIENT, InputError

DURATION = "duration_days"
EVENT = "event"
EVENT_TYPE = "event_type"
NEW_THERAPY = "new_therapy_start"
"""Patient-table column: first later anticancer therapy, empty if none (spec/patterns.md 0.5)."""

CENSORED_NEW_THERAPY = "censored_new_therapy"
"""Event type of a PFS censored at the last adequate assessment before a new therapy (spec 7.4)."""

MEDIAN_SPLIT_NOTE = ("exploratory split at the cohort median: no cut-off of an imaging biomarker is "
                     "validated in immunotherapy (spec/patterns.md 6.5)")
GROUP = "group"
CUT = "cut"
"""Column of :func:`median_split`: the median a row's group is cut at (spec/patterns.md 6.5)."""
CUT_PATIENTS = "cut_patients"
"""Column of :func:`median_split`: how many patients (each once) the cut is the median of."""
SPLIT_PATIENT = "_split_patient"
DEFAULT_LANDMARKS_DAYS = (182.625, 365.25)
"""Landmarks the report shows: 6 and 12 months (months = days / 30.4375, spec/patterns.md 0.1)."""

LANDMARK_COLUMNS = ("landmark_days", "at_risk", "survival", "ci_low", "ci_high")
"""Columns of ``KaplanMeierByGroup.landmarks_`` after the group columns."""
MEDIAN_COLUMNS = ("median_days", "median_ci_low", "median_ci_high")
"""Columns of ``KaplanMeierByGroup.summary`` that are inf when the curve or its band stays above 0.5."""
NOT_REACHED = "not_reached"
"""Column of :func:`not_reached_named`: the median columns of a row whose value is not reached."""

LINE_STYLES: tuple[str | tuple, ...] = ("-", "--", ":", "-.", (0, (6, 2, 1, 2, 1, 2)))
"""Curves differ by line style and marker as well as grey level (DESIGN.md: grayscale-readable)."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
GREYS = ("0.0", "0.45", "0.25", "0.6", "0.35")


def plot_text(value: object) -> str:
    """A user's text (patient, arm) as matplotlib draws it literally: between two "$" matplotlib reads
    mathtext ("P$1$" would lose its dollars, "$\\foo$" stop the drawing), and "\\$" is its literal "$"."""
    return str(value).replace("$", r"\$")


def _deaths(patients: pd.DataFrame | None) -> pd.DataFrame | None:
    """``patient_id``, ``os_days`` and ``os_event`` of the patient table, or None when it has no deaths.

    An ``os_days`` without its ``os_event`` is refused, never read as alive (as_flag would read it 0): the
    patient table read from a file is checked so (io.validate), a DataFrame given in Python is checked here.
    """
    if patients is None or not {"os_days", "os_event"} <= set(patients.columns):
        return None
    if PATIENT not in patients.columns:
        raise InputError("patients", [], PATIENT, "the patient table has no patient_id column: os_days and "
                                                  "os_event are read per patient (spec/patterns.md 7.4)")
    deaths = patients[[PATIENT, "os_days", "os_event"]].drop_duplicates(PATIENT).astype({PATIENT: str})
    empty_event = deaths["os_event"].map(lambda v: pd.isna(v) or str(v).strip() == "")
    unstated = deaths["os_days"].notna() & empty_event
    if unstated.any():
        raise InputError("patients", [], "os_event",
                         "os_days is given without os_event for patient(s) "
                         f"{', '.join(deaths.loc[unstated, PATIENT])}: say whether the patient died on "
                         "os_days (1) or was alive at last contact (0); an empty os_event is not read as "
                         "alive (spec/patterns.md 7.4)")
    return deaths


def pfs_durations(best_response: pd.DataFrame, patients: pd.DataFrame | None = None, *,
                  timepoints: pd.DataFrame | None = None,
                  censor_at_new_therapy: bool = False) -> pd.DataFrame:
    """Per patient and criterion: time to progression or death, or to censoring (spec/patterns.md 7.4).

    Parameters
    ----------
    best_response : pandas.DataFrame
        Best-response table with ``pfs_day`` (event day, or the last adequate assessment) and
        ``pfs_event`` (progression by the criterion).
    patients : pandas.DataFrame, optional
        Patient table with ``patient_id``, ``os_days`` and ``os_event`` (DESIGN.md). A death of a
        patient without progression is a PFS event on ``os_days``.
    timepoints : pandas.DataFrame, optional
        Timepoint table; needed by ``censor_at_new_therapy``.
    censor_at_new_therapy : bool, default False
        Censor a patient whose event (or censoring) comes after ``new_therapy_start`` (patient table)
        at the last adequate assessment on or before that day (:func:`censored_at_new_therapy`).

    Returns
    -------
    pandas.DataFrame
        Key columns, ``duration_days``, ``event`` (bool) and ``event_type`` in {"progression",
        "death", "censored", "censored_new_therapy"}. A patient without an assessment after baseline
        (no ``pfs_day``) is censored at day 0, the start of treatment (its last adequate assessment is
        the baseline; spec 7.4), unless a death is known.
    """
    require_columns(best_response, (PATIENT, "criterion", "pfs_day", "pfs_event"))
    table = best_response[[*_curve_keys(best_response), "pfs_day", "pfs_event"]].copy()
    table[PATIENT] = table[PATIENT].astype(str)
    progressed = as_flag(table["pfs_event"])
    table[DURATION] = pd.to_numeric(table["pfs_day"], errors="coerce")
    table[EVENT_TYPE] = np.where(progressed, "progression", "censored")
    deaths = _deaths(patients)
    if deaths is not None:
        table = table.merge(deaths, on=PATIENT, how="left")
        died = (~progressed.to_numpy() & ~_open_iupd(best_response) & as_flag(table["os_event"])
                & table["os_days"].notna())
        table.loc[died, DURATION] = pd.to_numeric(table.loc[died, "os_days"], errors="coerce")
        table.loc[died, EVENT_TYPE] = "death"
        table = table.drop(columns=["os_days", "os_event"])
    table.insert(table.columns.get_loc(EVENT_TYPE), EVENT, table[EVENT_TYPE].ne("censored"))
    # durations count from day 0, the start of treatment (spec/anatomic.md 0.2): censored on a baseline
    # scan taken before it (iRECIST unconfirmed_iupd_pfs "censor", anatomic.md 4.11 D8) is censored at 0
    table[DURATION] = table[DURATION].fillna(0.0).clip(lower=0.0)
    table = table.drop(columns=["pfs_day", "pfs_event"]).reset_index(drop=True)
    return censored_at_new_therapy(table, patients, timepoints) if censor_at_new_therapy else table


def _open_iupd(best_response: pd.DataFrame) -> np.ndarray:
    """Rows censored before an iUPD left open at the end of data (iRECIST, ``unconfirmed_iupd_pfs =
    "censor"``: the censoring day comes before ``iupd_day``). A death that follows does not make them an
    event: "an iUPD at the last assessment followed by death or stop without confirmation is an event at
    the iUPD date by default", the option censors it (spec 7.4; anatomic.md 4.11 D8)."""
    if "iupd_day" not in best_response.columns:
        return np.zeros(len(best_response), bool)
    iupd = pd.to_numeric(best_response["iupd_day"], errors="coerce")
    censored_day = pd.to_numeric(best_response["pfs_day"], errors="coerce")
    return (~as_flag(best_response["pfs_event"]) & (censored_day < iupd)).to_numpy()


def censored_at_new_therapy(durations: pd.DataFrame, patients: pd.DataFrame | None,
                            timepoints: pd.DataFrame | None) -> pd.DataFrame:
    """Censor at the last adequate assessment on or before ``new_therapy_start`` (spec/patterns.md 7.4).

    A patient whose event or censoring day comes after the day a new anticancer therapy starts is
    censored (``event_type`` "censored_new_therapy") on the day of the last assessment of the same
    criterion with an evaluable response (not NE) on or before that day; day 0 when there is none.
    An event on or before the new therapy's day stands. An assessment on the day the new therapy
    starts counts as before it (the scan precedes the first dose).

    Raises
    ------
    InputError
        No patient table with ``new_therapy_start`` (or ``new_therapy_start_day``), or no timepoints.
    """
    if patients is None or not {NEW_THERAPY, f"{NEW_THERAPY}_day"} & set(patients.columns):
        raise InputError("patients", [], NEW_THERAPY, "censoring at a new therapy needs a patient table with "
                         f"{NEW_THERAPY} (a date, with treatment_start) or {NEW_THERAPY}_day")
    if timepoints is None:
        raise InputError("timepoints", [], None, "censoring at a new therapy needs the timepoint table "
                         "(the last adequate assessment before the new therapy, spec/patterns.md 7.4)")
    require_columns(timepoints, (PATIENT, "criterion", DAY, "overall_response"), "timepoints")
    new_day = patient_days(Study(patients=patients, source="patients"), NEW_THERAPY)
    result = durations.copy()
    start = result[PATIENT].astype(str).map(new_day).astype(float)
    moved = (start.notna() & (result[DURATION] > start)).to_numpy()
    if not moved.any():
        return result
    keys = [k for k in subject_keys(durations) if k in timepoints.columns]
    assessed = timepoints[[*keys, DAY, "overall_response"]].copy()
    assessed[PATIENT] = assessed[PATIENT].astype(str)
    assessed["_start"] = assessed[PATIENT].map(new_day).astype(float)
    response = assessed["overall_response"].fillna("").astype(str)
    adequate = assessed[(response != "") & (response != "NE")
                        & (pd.to_numeric(assessed[DAY], errors="coerce") <= assessed["_start"])]
    last = adequate.groupby(keys, sort=False, dropna=False)[DAY].max().rename("_last").reset_index()
    last_day = result[keys].merge(last, on=keys, how="left")["_last"].fillna(0.0).to_numpy(dtype=float)
    result.loc[moved, DURATION] = last_day[moved]
    result.loc[moved, EVENT] = False
    result.loc[moved, EVENT_TYPE] = CENSORED_NEW_THERAPY
    return result


def response_durations(best_response: pd.DataFrame, patients: pd.DataFrame | None = None) -> pd.DataFrame:
    """Duration of response of the responders: first response to progression or death, or censoring.

    Parameters
    ----------
    best_response : pandas.DataFrame
        Best-response table with ``duration_of_response_days`` (to progression, or to the last
        adequate assessment) and ``progression_day`` (spec/anatomic.md 0.9).
    patients : pandas.DataFrame, optional
        Patient table with ``os_days`` and ``os_event``: a responder who dies without progression has
        an event on ``os_days - first_response_day`` (spec/patterns.md 7.3).

    Returns
    -------
    pandas.DataFrame
        Key columns, ``duration_days``, ``event`` and ``event_type`` in {"progression", "death",
        "censored"}; patients without a duration (non-responders) are left out.
    """
    require_columns(best_response, (PATIENT, "criterion", "duration_of_response_days", "progression_day",
                                    "first_response_day"))
    table = best_response[best_response["duration_of_response_days"].notna()]
    result = table[_curve_keys(best_response)].copy()
    result[PATIENT] = result[PATIENT].astype(str)
    result[DURATION] = pd.to_numeric(table["duration_of_response_days"], errors="coerce").to_numpy()
    first_response = pd.to_numeric(table["first_response_day"], errors="coerce").to_numpy()
    # the progression that follows the response ends it (spec/anatomic.md 5.7); one before it (imRECIST
    # counts a response after a confirmed PD, 5.7) leaves the response censored
    progressed = (pd.to_numeric(table["progression_day"], errors="coerce").to_numpy() >= first_response)
    result[EVENT_TYPE] = np.where(progressed, "progression", "censored")
    deaths = _deaths(patients)
    if deaths is not None:
        death = result[[PATIENT]].merge(deaths, on=PATIENT, how="left")
        after_response = pd.to_numeric(death["os_days"], errors="coerce") - first_response
        died = ~progressed & as_flag(death["os_event"]).to_numpy() & after_response.notna().to_numpy()
        result.loc[died, DURATION] = after_response.to_numpy()[died]
        result.loc[died, EVENT_TYPE] = "death"
    result[EVENT] = result[EVENT_TYPE].ne("censored")
    return result[[*_curve_keys(best_response), DURATION, EVENT, EVENT_TYPE]].reset_index(drop=True)


def _curve_keys(best_response: pd.DataFrame) -> list[str]:
    """A subject's key columns, and its ``arm`` when the table has one (a trial's curves are per arm)."""
    return [*subject_keys(best_response), *([ARM] if ARM in best_response.columns else [])]


def os_durations(patients: pd.DataFrame) -> pd.DataFrame:
    """Overall survival per patient: ``os_days`` to death (``os_event`` 1) or last contact alive (0).

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``duration_days``, ``event`` and ``event_type`` in {"death", "censored"} for
        the patients whose ``os_days`` is given.
    """
    require_columns(patients, (PATIENT, "os_days", "os_event"), "patients")
    deaths = _deaths(patients[patients["os_days"].notna()])
    died = as_flag(deaths["os_event"]).to_numpy()
    return pd.DataFrame({PATIENT: deaths[PATIENT].to_numpy(),
                         DURATION: pd.to_numeric(deaths["os_days"]).to_numpy(dtype=float),
                         EVENT: died, EVENT_TYPE: np.where(died, "death", "censored")})


def median_split(durations: pd.DataFrame, values: pd.Series, name: str, *, by: Sequence[str] = (),
                 cohort: pd.DataFrame | None = None) -> pd.DataFrame:
    """``durations`` of the patients with a value, each in the ``group`` above or below the median.

    spec/patterns.md 6.5: an imaging biomarker has no validated cut-off in immunotherapy, so it is split
    at the median of the cohort, each patient counted once: by default the patients of ``durations`` that
    have a value; a value equal to the median goes above. The groups read "<name> >= <median>" and
    "<name> < <median>".

    Parameters
    ----------
    durations : pandas.DataFrame
        One row per patient (and criterion), e.g. :func:`os_durations` or :func:`pfs_durations`.
    values : pandas.Series
        The biomarker per ``patient_id`` (index), as numbers; NaN where unknown.
    name : str
        Its name in the group labels, e.g. "baseline_mtv_ml".
    by : sequence of str, default ()
        Columns (e.g. ``("reader",)``) whose groups are cohorts of their own, each cut at its own median:
        each reader is assessed separately (README "Input"), so a reader's groups never depend on the
        patients another reader read.
    cohort : pandas.DataFrame, optional
        ``patient_id`` and the ``by`` columns of the patients the median is taken over, when
        ``durations`` holds an endpoint of some of them only (OS given for some): the OS and the PFS of
        a reader are then split at the same cut. Rows of ``durations`` outside it are left out.

    Returns
    -------
    pandas.DataFrame
        The rows of ``durations`` in the cohort with a value, with ``group``, ``cut`` (the median) and
        ``cut_patients`` (the patients with a value it is the median of).
    """
    require_columns(durations, (PATIENT, *by), "durations")
    cohort = durations if cohort is None else cohort
    require_columns(cohort, (PATIENT, *by), "cohort")
    numbers = pd.to_numeric(values, errors="coerce")
    unreadable = numbers.isna() & values.notna()
    if unreadable.any():
        raise InputError(name, [], None, f"{values[unreadable].iloc[0]!r} (patient "
                                         f"{values.index[unreadable][0]}) is not a number; the median split "
                                         "reads numbers")
    known = numbers.dropna()
    known.index = known.index.astype(str)
    keys = [SPLIT_PATIENT, *by]
    members = cohort[list(by)].assign(**{SPLIT_PATIENT: cohort[PATIENT].astype(str)})[keys].drop_duplicates()
    members = members[members[SPLIT_PATIENT].isin(known.index)]
    members[CUT] = known.reindex(members[SPLIT_PATIENT]).to_numpy()  # each patient once per cohort
    if by:
        per_cohort = members.groupby(list(by), dropna=False, sort=False)[CUT]
        members[CUT_PATIENTS] = per_cohort.transform("size")
        members[CUT] = per_cohort.transform("median")
    else:
        members[CUT_PATIENTS] = len(members)
        members[CUT] = members[CUT].median()
    rows = durations.assign(**{SPLIT_PATIENT: durations[PATIENT].astype(str)})
    split = rows.merge(members, on=keys, how="inner").drop(columns=SPLIT_PATIENT)
    high = known.reindex(split[PATIENT].astype(str)).to_numpy() >= split[CUT].to_numpy(dtype=float)
    labels = [f"{name} >= {cut:g}" if above else f"{name} < {cut:g}"
              for above, cut in zip(high, split[CUT], strict=True)]
    split.insert(len(durations.columns), GROUP, pd.Series(labels, index=split.index, dtype=object))
    return split.astype({CUT_PATIENTS: int}).reset_index(drop=True)


def split_summary(split: pd.DataFrame, keys: Sequence[str] = ()) -> pd.DataFrame:
    """Kaplan-Meier per ``keys`` and median-split group, with the log-rank p of the two groups.

    Parameters
    ----------
    split : pandas.DataFrame
        A :func:`median_split` table.
    keys : sequence of str, default ()
        Columns of its curves, the ``by`` columns of :func:`median_split` among them.

    Returns
    -------
    pandas.DataFrame
        ``keys``, ``cut`` and ``cut_patients`` (the median each row is split at, and how many patients it
        is the median of; spec/patterns.md 6.5), ``group`` and the columns of
        :attr:`KaplanMeierByGroup.summary`, then ``logrank_p`` (NaN when one group is empty) and ``note``
        (:data:`MEDIAN_SPLIT_NOTE`).
    """
    summary = KaplanMeierByGroup().fit(split, (*keys, CUT, CUT_PATIENTS, GROUP)).summary
    p_values = {}
    for key, part in (split.groupby(list(keys), sort=False) if keys else [((), split)]):
        groups = [g for _, g in part.groupby(GROUP, sort=True)]
        p_values[key if isinstance(key, tuple) else (key,)] = float("nan") if len(groups) < 2 else float(
            logrank_test(groups[0][DURATION], groups[1][DURATION], as_flag(groups[0][EVENT]),
                         as_flag(groups[1][EVENT])).p_value)
    summary["logrank_p"] = [p_values[tuple(row[k] for k in keys)] for _, row in summary.iterrows()]
    summary["note"] = MEDIAN_SPLIT_NOTE
    return summary


def curve_groups(durations: pd.DataFrame) -> list[str]:
    """``criterion``, then ``arm`` and ``reader`` when they are named, as the rates are split
    (:func:`ioresponse.cohort.rates.split_columns`): a curve per arm, as a trial reports PFS, and per
    reader, so that each patient counts once in a curve."""
    return ["criterion", *split_columns(durations)]


class KaplanMeierByGroup:
    """Kaplan-Meier curves, medians, landmark rates and their confidence intervals per group.

    Parameters
    ----------
    alpha : float, default 0.05
        Two-sided error of the confidence intervals.
    landmarks_days : sequence of float, default ()
        Days at which to read the curve (spec/patterns.md 7.4 "landmark rates"), e.g.
        :data:`DEFAULT_LANDMARKS_DAYS` (6 and 12 months).

    Attributes
    ----------
    summary : pandas.DataFrame
        Group columns, ``n``, ``events``, ``censored``, ``median_days``, ``median_ci_low``,
        ``median_ci_high`` (NaN/inf where the curve or its band does not reach 0.5).
    landmarks_ : pandas.DataFrame
        Group columns and :data:`LANDMARK_COLUMNS`: patients still at risk, the survival probability
        and its pointwise interval at each landmark; NaN when nobody is followed that long while the
        curve is above 0 (the curve is not estimable there).
    fitters_ : dict
        The lifelines ``KaplanMeierFitter`` of each group, keyed by the group label.
    median_ : pandas.Series
        Median per group label.
    """

    def __init__(self, alpha: float = DEFAULT_ALPHA, *, landmarks_days: Sequence[float] = ()) -> None:
        given = list(landmarks_days)
        days = pd.to_numeric(pd.Series(given, dtype=object), errors="coerce").astype(float)
        off = ~(np.isfinite(days) & (days >= 0))
        if off.any():
            first = given[int(np.argmax(off))]
            raise InputError("landmarks_days (--landmark-days)", [], None,
                             f"{first!r} is not a day on study; a landmark is a number of days >= 0")
        self.alpha = alpha
        self.landmarks_days = tuple(days)

    def fit(self, durations: pd.DataFrame, groups: Sequence[str] | None = None, *,
            duration_column: str = DURATION, event_column: str = EVENT) -> KaplanMeierByGroup:
        """Fit one curve per group.

        Parameters
        ----------
        durations : pandas.DataFrame
            One row per patient (per group), e.g. from :func:`pfs_durations`.
        groups : sequence of str, optional
            Columns whose values define the curves; empty for one curve. Default: ``criterion``, and
            ``arm`` and ``reader`` when they are named (:func:`curve_groups`).
        duration_column, event_column : str
            Time (any unit; the summary names it ``_days``) and event indicator columns.

        Returns
        -------
        KaplanMeierByGroup
            self.

        Raises
        ------
        InputError
            A patient twice in one curve: a Kaplan-Meier estimate counts independent patients (Kaplan &
            Meier 1958), so the same patient read twice (another reader, a repeated row) is refused.
        """
        if isinstance(groups, str):  # one column named, not its letters
            groups = [groups]
        groups = curve_groups(durations) if groups is None else groups
        require_columns(durations, (*groups, duration_column, event_column), "durations")
        self.groups = list(groups)
        if PATIENT in durations.columns:
            repeated = durations.duplicated([*self.groups, PATIENT], keep=False).to_numpy()
            if repeated.any():
                first = durations[repeated].iloc[0]
                curve = " / ".join(str(first[g]) for g in self.groups) or "the curve"
                raise InputError("durations", [], PATIENT,
                                 f"patient {first[PATIENT]} is {int(repeated.sum())} times in {curve}; a "
                                 "Kaplan-Meier curve counts each patient once: split the curves (e.g. by "
                                 "reader) or keep one row per patient")
        self.fitters_: dict[str, KaplanMeierFitter] = {}
        rows, landmark_rows, medians = [], [], {}
        parts = (list(durations.groupby(self.groups, sort=True, dropna=False)) if self.groups
                 else [((), durations)])  # a patient whose arm is not given keeps a curve of its own
        if durations.empty:
            parts = []
        for key, part in sorted(parts, key=lambda item: _label_rank(item[0])):
            values = key if isinstance(key, tuple) else (key,)
            label = " / ".join("not given" if pd.isna(v) else str(v) for v in values) or "all"
            times = part[duration_column].astype(float)
            events = as_flag(part[event_column])
            fitter = KaplanMeierFitter(alpha=self.alpha)
            fitter.fit(times, events, label=label)
            median = median_time(fitter.survival_function_.iloc[:, 0])
            low, high = (median_time(band) for _, band in fitter.confidence_interval_.items())
            self.fitters_[label], medians[label] = fitter, median
            group = dict(zip(self.groups, values, strict=True))
            rows.append({**group, "n": len(part), "events": int(events.sum()),
                         "censored": int((~events).sum()), "median_days": median,
                         "median_ci_low": low, "median_ci_high": high})
            landmark_rows += [{**group, **_landmark(fitter, times, day)} for day in self.landmarks_days]
        columns = [*self.groups, "n", "events", "censored", "median_days", "median_ci_low", "median_ci_high"]
        self.summary = pd.DataFrame(rows, columns=columns)
        self.landmarks_ = pd.DataFrame(landmark_rows, columns=[*self.groups, *LANDMARK_COLUMNS])
        self.median_ = pd.Series(medians, name="median_days", dtype=float)
        return self

    def plot(self, ax: Axes | None = None, *, xlabel: str = "Time since treatment start (days)",
             ylabel: str = "Probability free of event") -> Axes:
        """Step curves with censoring ticks; groups differ by line style, marker and grey."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 4))
        curves = []
        for i, fitter in enumerate(self.fitters_.values()):
            drawn = len(ax.lines)
            fitter.plot_survival_function(
                ax=ax, ci_show=False, show_censors=True, color=GREYS[i % len(GREYS)],
                linestyle=LINE_STYLES[(i + i // len(GREYS)) % len(LINE_STYLES)],  # distinct up to 25 curves
                censor_styles={"marker": MARKERS[i % len(MARKERS)], "ms": 5},
            )
            curves.append(ax.lines[drawn])  # the step curve; its censoring ticks follow it
        if self.fitters_:  # named as given: a label starting with "_" would be left out of a legend drawn
            ax.legend(curves, [plot_text(label) for label in self.fitters_])  # from the lines' labels
        else:
            ax.text(0.5, 0.5, "No patients", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return ax


def not_reached_named(summary: pd.DataFrame) -> pd.DataFrame:
    """A Kaplan-Meier summary (:class:`KaplanMeierByGroup`, :func:`split_summary`) as a CSV file holds it.

    A median or bound that is not reached (inf: the curve, or its band, stays above one half; spec 7.3,
    7.4) is an empty cell, and the column :data:`NOT_REACHED`, after the median columns, names those of
    each row ("median_days, median_ci_high"; empty when all are reached), as the report writes "not
    reached": the file holds numbers or empty cells, never "inf". A table without the median columns is
    returned as it is.
    """
    present = [c for c in MEDIAN_COLUMNS if c in summary.columns]
    if not present:
        return summary
    never = np.isinf(summary[present].to_numpy(float))
    table = summary.assign(**{c: summary[c].where(~never[:, i]) for i, c in enumerate(present)})
    table.insert(table.columns.get_loc(present[-1]) + 1, NOT_REACHED,
                 [", ".join(c for c, off in zip(present, row, strict=True) if off) for row in never])
    return table


def _landmark(fitter: KaplanMeierFitter, times: pd.Series, day: float) -> dict[str, float]:
    """The curve and its pointwise band at ``day`` (the step value of the last time <= day)."""
    at_risk = int((times >= day).sum())
    survival = float(fitter.survival_function_at_times(day).iloc[0])
    band = fitter.confidence_interval_survival_function_
    low, high = (float(v) for v in band[band.index <= day].iloc[-1].to_numpy()[:2])
    if at_risk == 0 and survival > 0:
        survival = low = high = float("nan")
    return {"landmark_days": day, "at_risk": at_risk, "survival": survival, "ci_low": low, "ci_high": high}


def _label_rank(key: object) -> tuple:
    """Groups in response order (CR before PR ... NE) when they are response labels, else as sorted."""
    values = key if isinstance(key, tuple) else (key,)
    rank = {label: i for i, label in enumerate(LABEL_ORDER)}
    return tuple((rank.get(str(v), len(rank)), str(v)) for v in values)
