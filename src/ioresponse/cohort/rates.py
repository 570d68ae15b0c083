"""Objective response rate (ORR) and disease control rate (DCR) with exact confidence intervals.

Sources
-------
- spec/patterns.md section 7: every endpoint per criterion, side by side; the denominator option
  ``population`` (7); ORR read from ``best_response_confirmed`` when the criterion confirms responses,
  else from ``best_response`` (7.1); DCR with its optional landmark (7.2).
- Responder and disease-control categories: RECIST 1.1, Eisenhauer EA et al. Eur J Cancer
  2009;45:228-247, doi:10.1016/j.ejca.2008.10.026, sec. 4.4 (best overall response; ORR = CR + PR;
  disease control = CR + PR + SD, the "clinical benefit"/"disease control" rate of sec. 4.4.1 usage),
  carried over to each criterion's own labels (spec/anatomic.md 0.9, spec/metabolic.md 1.7).
- Exact binomial interval: Clopper CJ, Pearson ES. Biometrika 1934;26:404-413,
  doi:10.1093/biomet/26.4.404 (beta-quantile form, e.g. Brown, Cai, DasGupta, Stat Sci
  2001;16:101-133, doi:10.1214/ss/1009213286, eq. 4).

The estimator follows STYLE.md section 8 (lifelines' shape): settings in the constructor, ``fit``
returns self, estimates on attributes ending in ``_``, a ``summary`` table and ``plot(ax=...)``.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ioresponse.criteria import BASELINE_SUM, MEASURABILITY_THRESHOLD, MEASURABLE_DISEASE, registry
from ioresponse.schema import DAY, OPTIONS, PATIENT, READER, InputError, IoresponseWarning, check_choice

if TYPE_CHECKING:
    from matplotlib.axes import Axes

RESPONDER_LABELS = frozenset({"CR", "PR", "irCR", "irPR", "iCR", "iPR", "CMR", "PMR"})
"""Best responses counted as objective response: the CR/PR family of every criterion (RECIST 1.1
sec. 4.4; labels of spec/anatomic.md 0.9 and spec/metabolic.md 1.7)."""

STABLE_LABELS = frozenset({
    "SD", "irSD", "iSD", "NON-CR/NON-PD", "irNON-CR/NON-PD", "NON-iCR/NON-iUPD", "SMD",
})
"""Best responses that add to disease control besides the responders: the SD family and the
non-target-only "neither CR nor PD" categories (RECIST 1.1 sec. 4.3.4 and Table 2; spec/anatomic.md
0.9; SMD of spec/metabolic.md 1.7)."""

DISEASE_CONTROL_LABELS = RESPONDER_LABELS | STABLE_LABELS | {"clinical_benefit"}
"""Best responses counted as disease control (responders plus the stable family); PECRIT's
``clinical_benefit`` is its prediction of CR, PR or SD (spec/metabolic.md 6.5)."""

NO_RESPONSE_CRITERIA = frozenset({"pecrit"})
"""Criteria without response categories (PECRIT predicts clinical benefit, spec/metabolic.md 6.5): their
ORR is not defined (empty), their DCR is the clinical-benefit rate."""

DEFAULT_ALPHA = 0.05
"""Two-sided error of the intervals: 95 % confidence (spec/patterns.md 7.1)."""

ARM = "arm"
GROUP_COLUMNS = (ARM, READER)
"""Optional columns that split the rates when present and not all empty (issue 8 item 1)."""

Population = Literal["measurable_at_baseline", "all_treated"]
"""Denominator of the rates (spec/patterns.md 7): patients with measurable disease at baseline
(default), or every patient of the best-response table."""

POPULATIONS: tuple[Population, ...] = ("measurable_at_baseline", "all_treated")

RATE_COLUMNS = (
    "criterion", "population", "n", "excluded", "not_checked", "response_column",
    "responders", "orr", "orr_ci_low", "orr_ci_high",
    "disease_control", "dcr", "dcr_ci_low", "dcr_ci_high", "dcr_landmark_days",
)
"""Columns of ``rates.csv`` after the group columns. ``n`` is the denominator of both rates, in the
``population`` named on the row (spec 7: "the denominator is printed with every rate"); ``excluded``
counts the patients left out as not measurable at baseline, ``not_checked`` the patients kept
because their baseline could not be read (only with a best-response table without ``baseline_sum``:
a patient without a timepoint row); ``response_column`` is the best-response column read (spec 7.1)."""

PERCIST_THRESHOLD_CRITERIA = frozenset({"percist", "ipercist", "impercist", "pecrit"})
"""Criteria whose baseline is measurable when an uptake reaches the PERCIST threshold T
(spec/metabolic.md 5.3; iPERCIST 9.3, imPERCIST 8.3, PECRIT 6.3)."""

NO_MEASURABILITY_CRITERIA = frozenset({"percimt"})
"""Criteria without a measurability requirement at baseline (PERCIMT, spec/metabolic.md 7.3)."""

ROUNDING_DECIMALS = 6
"""Values are rounded to 6 decimals before a threshold test (spec/metabolic.md 1.5, anatomic.md 0.5)."""


def clopper_pearson(successes: int, n: int, alpha: float = DEFAULT_ALPHA) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided confidence interval of a binomial proportion.

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= n``.
    n : int
        Number of trials. ``n == 0`` gives ``(nan, nan)``: no patient, no interval.
    alpha : float, default 0.05
        Two-sided error; the interval has ``1 - alpha`` coverage.

    Returns
    -------
    tuple of float
        ``(low, high)`` with ``low = Beta(alpha/2; x, n-x+1)`` (0 when x = 0) and
        ``high = Beta(1-alpha/2; x+1, n-x)`` (1 when x = n).
    """
    if n < 0 or successes < 0 or successes > n:
        raise InputError("clopper_pearson", [], None, f"need 0 <= successes <= n, got successes={successes}, "
                                                      f"n={n}")
    if not 0 < alpha < 1:
        raise InputError(OPTIONS, [], "alpha", f"{alpha!r} is not an error rate between 0 and 1 (0.05: a "
                                                  "95 % interval)")
    if n == 0:
        return (float("nan"), float("nan"))
    from scipy.stats import beta  # here: assessing, which reads this module, does not load scipy.stats

    low = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, n - successes + 1))
    high = 1.0 if successes == n else float(beta.ppf(1 - alpha / 2, successes + 1, n - successes))
    return (low, high)


def is_responder(labels: pd.Series) -> pd.Series:
    """True where a best response is in :data:`RESPONDER_LABELS`."""
    return labels.isin(RESPONDER_LABELS)


def is_disease_control(labels: pd.Series) -> pd.Series:
    """True where a best response is in :data:`DISEASE_CONTROL_LABELS`."""
    return labels.isin(DISEASE_CONTROL_LABELS)


TRUE_TEXT = frozenset({"true", "1", "1.0", "yes", "y"})
"""Spellings of a flag read as True (CSV/Parquet round trips, 0/1 status columns)."""


def as_flag(values: pd.Series) -> pd.Series:
    """A flag column as bool: True, 1 or "true"/"yes" are True; False, 0, empty and NaN are not."""
    return values.map(lambda v: str(v).strip().lower() in TRUE_TEXT).astype(bool)


@cache
def confirms_response(criterion: str) -> bool:
    """Whether ``criterion`` confirms CR/PR by default: its ``confirm_response`` option defaults to True.

    irRC defines irCR and irPR with confirmation, so its ``confirm_response`` defaults to True
    (spec/anatomic.md 0.9 and 2.7); RECIST 1.1, irRECIST, iRECIST and imRECIST default to False; no
    metabolic criterion confirms a response (spec/metabolic.md 1.6). A key the registry does not know
    reads False. The default is read from the criterion's own signature, so it cannot drift.
    """
    registered = registry().get(criterion)
    if registered is None:
        return False
    option = inspect.signature(registered.assess).parameters.get("confirm_response")
    return option is not None and option.default is True


def response_column(criterion: str, confirmed: bool | None = None) -> str:
    """The best-response column the rates of ``criterion`` read (spec/patterns.md 7.1).

    Parameters
    ----------
    criterion : str
        Criterion key (spec/anatomic.md 0.9).
    confirmed : bool or None, default None
        None: ``best_response_confirmed`` when the criterion confirms responses
        (:func:`confirms_response`), else ``best_response``. True / False: that column for every
        criterion. A run's own choice is read per row by :func:`response_columns`.
    """
    if confirmed is not None and not isinstance(confirmed, bool):  # "false" would read as True
        raise InputError(OPTIONS, [], "confirmed", f"{confirmed!r} is not True, False or None")
    use_confirmed = confirms_response(criterion) if confirmed is None else confirmed
    return "best_response_confirmed" if use_confirmed else "best_response"


CONFIRM_RESPONSE = "confirm_response"
"""Best-response column of a run (``ioresponse.run``): the ``confirm_response`` each criterion ran with,
so that the endpoints read the column that drove its dates (spec/anatomic.md 0.9, patterns.md 7.1)."""


def response_columns(best_response: pd.DataFrame, confirmed: bool | None = None) -> pd.Series:
    """Per row, the best-response column the endpoints read (spec/patterns.md 7.1): ``confirmed`` for every
    row when given; else the ``confirm_response`` the run used (:data:`CONFIRM_RESPONSE`, written by
    ``ioresponse.run`` and so found in ``best_response.csv``); else :func:`response_column`."""
    require_columns(best_response, ("criterion",))
    columns = best_response["criterion"].astype(str).map(lambda c: response_column(c, confirmed))
    if confirmed is None and CONFIRM_RESPONSE in best_response.columns:
        ran = best_response[CONFIRM_RESPONSE]
        given = ran.notna() & (ran.astype(str).str.strip() != "")
        columns[given] = np.where(as_flag(ran[given]), "best_response_confirmed", "best_response")
    return columns


def endpoint_responses(best_response: pd.DataFrame, confirmed: bool | None = None,
                       source: str = "best_response") -> pd.Series:
    """Each row's best response as the endpoints read it: :func:`response_column` of its criterion.

    Raises
    ------
    InputError
        A column that one of the criteria needs is missing.
    """
    columns = response_columns(best_response, confirmed)
    require_columns(best_response, sorted(set(columns)), source)
    labels = pd.Series("", index=best_response.index, dtype=object)
    for column in sorted(set(columns)):
        chosen = (columns == column).to_numpy()
        labels[chosen] = best_response.loc[chosen, column].fillna("").astype(str).to_numpy()
    return labels


def measurable_at_baseline(table: pd.DataFrame, name: str = "best_response") -> pd.DataFrame:
    """Whether each patient (x reader) had measurable disease at baseline, per criterion.

    Read from the baseline value ``baseline_sum`` (and, PERCIST family, ``measurability_threshold``)
    that every best-response row and every timepoint row carries (spec/anatomic.md 0.9,
    spec/metabolic.md 1.6), and from the anatomic best-response rows' ``measurable_disease``: ``table`` is
    either table; ``name`` names it in errors. One rule per family:

    1. PERCIST, iPERCIST, imPERCIST, PECRIT: ``baseline_sum >= measurability_threshold`` (the baseline
       hottest SULpeak, or the sum of the lesions above it, reaches T; spec/metabolic.md 5.3, 8.3,
       9.3, 6.3), both rounded to 6 decimals (1.5); no threshold (reference region missing) is not
       measurable.
    2. PERCIMT: always (no measurability requirement, spec/metabolic.md 7.3).
    3. The anatomic criteria: their best-response rows' ``measurable_disease``, a target (irRC: index
       lesion) present and measurable at baseline (RECIST 1.1 sec. 3.1, spec/anatomic.md 1.2, 2.2), so
       that a baseline of targets all below the measurable size (kept by ``on_baseline_violation="warn"``)
       does not count. A table without it (timepoints, or an older best-response table) reads rule 4.
    4. Every other criterion: ``baseline_sum > 0``: at least one target (index) lesion at baseline
       (RECIST 1.1 sec. 3.1, spec/anatomic.md 1.2; EORTC, spec/metabolic.md 4.3). A patient with
       non-target disease only has a baseline sum of 0.

    Returns
    -------
    pandas.DataFrame
        Key columns (``patient_id``, ``reader`` when present, ``criterion``) and
        ``measurable_at_baseline`` (bool), one row per key of ``table``.
    """
    require_columns(table, (PATIENT, "criterion", BASELINE_SUM), name)
    keys = subject_keys(table)
    criterion = table["criterion"].astype(str)
    baseline = pd.to_numeric(table[BASELINE_SUM], errors="coerce").round(ROUNDING_DECIMALS)
    threshold = (pd.to_numeric(table[MEASURABILITY_THRESHOLD], errors="coerce").round(ROUNDING_DECIMALS)
                 if MEASURABILITY_THRESHOLD in table.columns else pd.Series(np.nan, index=table.index))
    measurable = np.where(criterion.isin(PERCIST_THRESHOLD_CRITERIA), baseline >= threshold,
                          np.where(criterion.isin(NO_MEASURABILITY_CRITERIA), True, baseline > 0))
    if MEASURABLE_DISEASE in table.columns:
        written = table[MEASURABLE_DISEASE].notna().to_numpy()
        measurable = np.where(written, as_flag(table[MEASURABLE_DISEASE]), measurable)
    flags = _key_text(table, keys).assign(measurable_at_baseline=measurable.astype(bool))
    return flags.groupby(keys, sort=True, as_index=False)["measurable_at_baseline"].any()


def disease_control_at_landmark(timepoints: pd.DataFrame, landmark_days: int) -> pd.DataFrame:
    """Patients in disease control at the landmark: CR, PR or SD recorded at or after ``landmark_days``.

    A timepoint counts when its ``overall_response`` is in :data:`DISEASE_CONTROL_LABELS`, its
    ``day >= landmark_days`` and it is not after progression (spec/patterns.md 7.2: "CR, PR or SD at
    4 months", 122 days; the SD rule of 7.2 with the landmark in place of ``min_sd_days``).

    Returns
    -------
    pandas.DataFrame
        Key columns and ``controlled_at_landmark`` (bool), one row per key of the timepoint table.
    """
    require_columns(timepoints, (PATIENT, "criterion", DAY, "overall_response"), "timepoints")
    keys = subject_keys(timepoints)
    after = (as_flag(timepoints["after_progression"]) if "after_progression" in timepoints.columns
             else pd.Series(False, index=timepoints.index))
    controlled = (is_disease_control(timepoints["overall_response"].fillna("").astype(str))
                  & (pd.to_numeric(timepoints[DAY], errors="coerce") >= landmark_days) & ~after)
    table = _key_text(timepoints, keys).assign(controlled_at_landmark=controlled.to_numpy(dtype=bool))
    return table.groupby(keys, sort=True, as_index=False)["controlled_at_landmark"].any()


def split_columns(table: pd.DataFrame, candidates: Sequence[str] = GROUP_COLUMNS) -> list[str]:
    """Group columns among ``candidates`` that exist and hold at least one non-empty value."""
    present = []
    for column in candidates:
        if column in table.columns and table[column].fillna("").astype(str).ne("").any():
            present.append(column)
    return present


ALL_ARMS = "all arms"
"""The ``arm`` of the pooled rows :func:`rates_with_pooled_arms` adds: every arm together."""


def rates_with_pooled_arms(fitter: ResponseRateFitter, best_response: pd.DataFrame, *,
                           timepoints: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``fitter``'s rates and response counts split as :meth:`ResponseRateFitter.fit` splits them, and,
    when they are split by ``arm``, the whole cohort's first (``arm`` = :data:`ALL_ARMS`): a trial
    reports the ORR of all treated patients beside each arm's (spec/patterns.md 7.1)."""
    groups = split_columns(best_response)
    fitter.fit(best_response, groups, timepoints=timepoints)
    summary, counts = fitter.summary, fitter.counts_
    if ARM not in groups:
        return summary, counts
    fitter.fit(best_response, [g for g in groups if g != ARM], timepoints=timepoints)
    pooled = (fitter.summary.assign(**{ARM: ALL_ARMS}), fitter.counts_.assign(**{ARM: ALL_ARMS}))
    return tuple(pd.concat([whole[part.columns], part], ignore_index=True)
                 for whole, part in zip(pooled, (summary, counts), strict=True))


class ResponseRateFitter:
    """ORR and DCR per criterion (and per group) with exact Clopper-Pearson intervals (spec/patterns.md 7).

    Parameters
    ----------
    alpha : float, default 0.05
        Two-sided error of the intervals (95 % CIs by default).
    confirmed : bool or None, default None
        Which best response the rates read (spec 7.1; both are always computed, spec/anatomic.md 0.9):
        - None: each criterion's own, ``best_response_confirmed`` when the criterion confirms
          responses (irRC) and ``best_response`` otherwise (:func:`response_column`);
        - True: ``best_response_confirmed`` for every criterion;
        - False: ``best_response`` for every criterion.
    population : {"measurable_at_baseline", "all_treated"}, default "measurable_at_baseline"
        The denominator (spec 7):
        - "measurable_at_baseline": patients with measurable disease at baseline under the criterion
          (:func:`measurable_at_baseline`; needs the timepoint table). A patient without any
          follow-up has no timepoint row, so nothing shows their baseline: they stay in the
          denominator as non-responders and are counted in ``not_checked``, so that dropping them
          never raises a rate.
        - "all_treated": every patient of the best-response table.
    dcr_landmark_days : int, optional
        With a landmark, disease control also needs CR, PR or SD recorded at or after this day
        (:func:`disease_control_at_landmark`; spec 7.2, e.g. 122 days = 4 months; needs the timepoint
        table). None (default): disease control is the best response alone, whose SD already needs
        ``min_sd_days`` (spec 7.2, anatomic.md).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per criterion x group: group columns, then :data:`RATE_COLUMNS`; criteria in the
        order they first appear in the table, groups sorted.
    counts_ : pandas.DataFrame
        Patients of the denominator per best-response category: criterion, group columns,
        ``best_response`` (the label read), ``n``.
    orr_, dcr_ : pandas.Series
        The rates, indexed like ``summary`` by (criterion, groups...).

    Examples
    --------
    >>> best = pd.DataFrame({"patient_id": ["P1", "P2"], "criterion": ["recist11"] * 2,
    ...                      "best_response": ["PR", "PD"], "best_response_confirmed": ["SD", "PD"]})
    >>> rates = ResponseRateFitter(population="all_treated").fit(best).summary
    >>> rates[["criterion", "population", "n", "responders", "orr"]]
      criterion   population  n  responders  orr
    0  recist11  all_treated  2           1  0.5
    """

    def __init__(self, alpha: float = DEFAULT_ALPHA, *, confirmed: bool | None = None,
                 population: Population = "measurable_at_baseline",
                 dcr_landmark_days: int | None = None) -> None:
        check_choice("population", population, POPULATIONS)
        self.alpha = alpha
        self.confirmed = confirmed
        self.population = population
        self.dcr_landmark_days = dcr_landmark_days

    def fit(self, best_response: pd.DataFrame, groups: Sequence[str] | None = None, *,
            timepoints: pd.DataFrame | None = None) -> ResponseRateFitter:
        """Count responders and patients with disease control.

        Parameters
        ----------
        best_response : pandas.DataFrame
            Best-response table (schema.BEST_RESPONSE_COLUMNS); extra columns such as ``arm`` allowed.
        groups : sequence of str, optional
            Columns that split the rates besides ``criterion``. Default: ``arm`` and ``reader``
            when present and not empty.
        timepoints : pandas.DataFrame, optional
            Timepoint table of the same run: the assessments of ``dcr_landmark_days``. Population
            "measurable_at_baseline" reads the best-response table's own ``baseline_sum`` (every
            criterion writes it, also for a patient without follow-up); only a best-response table
            without it (written by an older version, or built by hand) falls back to the baseline of the
            timepoint rows: a patient without a timepoint row then counts as ``not_checked``, and so does
            every patient without the timepoint table (with a warning).

        Returns
        -------
        ResponseRateFitter
            self, with ``summary``, ``counts_``, ``orr_`` and ``dcr_`` set.

        Raises
        ------
        InputError
            A patient twice in one rate (criterion x group): a rate counts patients, each once
            (spec/patterns.md 7.1, ORR = patients with CR/PR / N patients), so the same patient read twice
            (another reader, a repeated row) is refused, as a Kaplan-Meier curve refuses it.
        """
        require_columns(best_response, ("criterion", PATIENT))
        group_columns = split_columns(best_response) if groups is None else list(groups)
        require_columns(best_response, group_columns)
        keys = ["criterion", *group_columns]
        _refuse_repeated_patients(best_response, keys)
        table = best_response.copy()
        table["_label"] = endpoint_responses(table, self.confirmed)
        table["_column"] = response_columns(table, self.confirmed)
        table["_status"] = self._population_status(table, timepoints)
        table["_kept"] = table["_status"] != "not_measurable"
        table["_responder"] = table["_kept"] & is_responder(table["_label"])
        table["_control"] = table["_kept"] & is_disease_control(table["_label"]) & self._at_landmark(
            table, timepoints)
        criteria_order = list(dict.fromkeys(table["criterion"]))
        table["criterion"] = pd.Categorical(table["criterion"], categories=criteria_order)
        rows = [self._rate_row(dict(zip(keys, _as_tuple(key), strict=True)), part)
                for key, part in table.groupby(keys, sort=True, dropna=False, observed=True)]
        self.summary = pd.DataFrame(rows, columns=[*group_columns, *RATE_COLUMNS])
        kept = table[table["_kept"]]
        self.counts_ = (
            kept.groupby([*keys, "_label"], sort=True, dropna=False, observed=True).size()
            .rename("n").reset_index().rename(columns={"_label": "best_response"})
        )
        self.summary["criterion"] = self.summary["criterion"].astype(str)
        self.counts_["criterion"] = self.counts_["criterion"].astype(str)
        index = (pd.MultiIndex.from_frame(self.summary[keys]) if len(keys) > 1
                 else pd.Index(self.summary["criterion"], name="criterion"))
        self.orr_ = pd.Series(self.summary["orr"].to_numpy(), index=index, name="orr")
        self.dcr_ = pd.Series(self.summary["dcr"].to_numpy(), index=index, name="dcr")
        return self

    def _population_status(self, table: pd.DataFrame, timepoints: pd.DataFrame | None) -> pd.Series:
        """Per row: "counted" (all treated), "measurable", "not_measurable" or "not_checked".

        The baseline is the best-response row's own ``baseline_sum``; a best-response table without that
        column (an older version's, or one built by hand) reads the timepoint rows instead, where a
        patient without follow-up has no row ("not_checked", spec/patterns.md 7)."""
        if self.population == "all_treated":
            return pd.Series("counted", index=table.index)
        if BASELINE_SUM in table.columns:
            flags = measurable_at_baseline(table)
        elif timepoints is None:
            if len(table):
                warnings.warn("population measurable_at_baseline with a best-response table without "
                              "baseline_sum and without the timepoint table: no patient's baseline can be "
                              "checked, every patient stays in the denominator (not_checked); give the "
                              "timepoints, or choose population all_treated", IoresponseWarning, stacklevel=3)
            return pd.Series("not_checked", index=table.index)
        else:
            flags = measurable_at_baseline(timepoints, "timepoints")
        measurable = _matched(table, flags, "measurable_at_baseline")
        return measurable.map({True: "measurable", False: "not_measurable"}).fillna("not_checked")

    def _at_landmark(self, table: pd.DataFrame, timepoints: pd.DataFrame | None) -> pd.Series:
        if self.dcr_landmark_days is None:
            return pd.Series(True, index=table.index)
        if timepoints is None:
            raise InputError("timepoints", [], None,
                             f"dcr_landmark_days={self.dcr_landmark_days} needs the timepoint table (the "
                             "assessments at or after the landmark, spec/patterns.md 7.2)")
        controlled = disease_control_at_landmark(timepoints, self.dcr_landmark_days)
        return _matched(table, controlled, "controlled_at_landmark").eq(True)  # unmatched: not controlled

    def _rate_row(self, key: dict[str, object], part: pd.DataFrame) -> dict[str, object]:
        n = int(part["_kept"].sum())
        responders = int(part["_responder"].sum())
        control = int(part["_control"].sum())
        orr_low, orr_high = clopper_pearson(responders, n, self.alpha)
        dcr_low, dcr_high = clopper_pearson(control, n, self.alpha)
        orr = responders / n if n else np.nan
        if str(key["criterion"]) in NO_RESPONSE_CRITERIA:
            orr = orr_low = orr_high = np.nan
        return {
            **key, "population": self.population, "n": n,
            "excluded": int((part["_status"] == "not_measurable").sum()),
            "not_checked": int((part["_status"] == "not_checked").sum()),
            "response_column": part["_column"].iloc[0],
            "responders": responders, "orr": orr,
            "orr_ci_low": orr_low, "orr_ci_high": orr_high, "disease_control": control,
            "dcr": control / n if n else np.nan, "dcr_ci_low": dcr_low, "dcr_ci_high": dcr_high,
            "dcr_landmark_days": np.nan if self.dcr_landmark_days is None else self.dcr_landmark_days,
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Horizontal ORR bars with the exact CI as error bars, one bar per summary row."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.5 + 0.4 * max(len(self.summary), 1)))
        labels = [" / ".join(str(v) for v in row if str(v)) for row in
                  self.summary.drop(columns=list(RATE_COLUMNS[1:])).itertuples(index=False)]
        positions = np.arange(len(self.summary))
        orr = self.summary["orr"].to_numpy(dtype=float) * 100
        errors = np.vstack([orr - self.summary["orr_ci_low"].to_numpy(dtype=float) * 100,
                            self.summary["orr_ci_high"].to_numpy(dtype=float) * 100 - orr])
        ax.barh(positions, orr, xerr=errors, color="0.6", edgecolor="black", hatch="//", capsize=3)
        ax.set_yticks(positions, labels)
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"Objective response rate (%), {100 * (1 - self.alpha):.0f}% exact CI")
        return ax


def response_rates(best_response: pd.DataFrame, *, timepoints: pd.DataFrame | None = None,
                   confirmed: bool | None = None, population: Population = "measurable_at_baseline",
                   dcr_landmark_days: int | None = None, groups: Sequence[str] | None = None,
                   alpha: float = DEFAULT_ALPHA) -> pd.DataFrame:
    """The ``rates.csv`` table: :class:`ResponseRateFitter` ``summary`` in one call."""
    fitter = ResponseRateFitter(alpha, confirmed=confirmed, population=population,
                                dcr_landmark_days=dcr_landmark_days)
    return fitter.fit(best_response, groups, timepoints=timepoints).summary


def _refuse_repeated_patients(best_response: pd.DataFrame, keys: list[str]) -> None:
    """Refuse a patient twice in one group of ``keys``: spec/patterns.md 7.1, ORR = patients with CR/PR /
    N patients, each patient once in N (as :class:`~ioresponse.cohort.survival.KaplanMeierByGroup`)."""
    rows = best_response.groupby([*keys, PATIENT], sort=True, dropna=False, observed=True).size()
    repeated = rows[rows > 1]
    if repeated.empty:
        return
    *group, patient = _as_tuple(repeated.index[0])
    split = (" split the rates by reader (groups with reader, the default when readers are named) or"
             if READER in best_response.columns and READER not in keys else "")
    raise InputError("best_response", [], PATIENT,
                     f"patient {patient} is {int(repeated.iloc[0])} times in the rates of "
                     f"{' / '.join(map(str, group))}; a response rate counts each patient once "
                     f"(spec/patterns.md 7.1):{split} keep one row per patient")


def _as_tuple(key: object) -> tuple[object, ...]:
    return key if isinstance(key, tuple) else (key,)


def subject_keys(table: pd.DataFrame) -> list[str]:
    """``patient_id``, ``reader`` (when the table has it) and ``criterion``: one subject of one criterion."""
    return [PATIENT, READER, "criterion"] if READER in table.columns else [PATIENT, "criterion"]


def _matched(table: pd.DataFrame, per_key: pd.DataFrame, column: str) -> pd.Series:
    """``per_key[column]`` aligned on the rows of ``table`` (NaN where ``per_key`` has no row)."""
    keys = [k for k in subject_keys(per_key) if k in table.columns]
    right = _key_text(per_key, keys).assign(**{column: per_key[column].to_numpy()}).drop_duplicates(keys)
    merged = _key_text(table, keys).merge(right, on=keys, how="left")
    return pd.Series(merged[column].to_numpy(dtype=object), index=table.index)


def _key_text(table: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Key columns as text, an empty reader as "" (CSV round trips give NaN), on a fresh index."""
    return pd.DataFrame({k: table[k].fillna("").astype(str).to_numpy() for k in keys})


def require_columns(table: pd.DataFrame, columns: Sequence[str], name: str = "best_response") -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(name, [], missing[0],
                         f"missing column(s) {', '.join(missing)}; expected the {name.replace('_', '-')} "
                         "table of `ioresponse assess` (spec/anatomic.md 0.9)")
