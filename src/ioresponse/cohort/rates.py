"""Objective response rate (ORR) and disease control rate (DCR) with exact confidence intervals.

Sources
-------
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

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from scipy.stats import beta

from ioresponse.schema import PATIENT, READER, InputError

RESPONDER_LABELS = frozenset({"CR", "PR", "irCR", "irPR", "iCR", "iPR", "CMR", "PMR"})
"""Best responses counted as objective response: the CR/PR family of every criterion (RECIST 1.1
sec. 4.4; labels of spec/anatomic.md 0.9 and spec/metabolic.md 1.7)."""

STABLE_LABELS = frozenset({
    "SD", "irSD", "iSD", "NON-CR/NON-PD", "irNON-CR/NON-PD", "NON-iCR/NON-iUPD", "SMD",
})
"""Best responses that add to disease control besides the responders: the SD family and the
non-target-only "neither CR nor PD" categories (RECIST 1.1 sec. 4.3.4 and Table 2; spec/anatomic.md
0.9; SMD of spec/metabolic.md 1.7)."""

DISEASE_CONTROL_LABELS = RESPONDER_LABELS | STABLE_LABELS
"""Best responses counted as disease control (responders plus the stable family)."""

DEFAULT_ALPHA = 0.05
"""Two-sided error of the intervals: 95 % confidence, as the issue asks."""

GROUP_COLUMNS = ("arm", READER)
"""Optional columns that split the rates when present and not all empty (issue 8 item 1)."""

RATE_COLUMNS = (
    "criterion", "n", "responders", "orr", "orr_ci_low", "orr_ci_high",
    "disease_control", "dcr", "dcr_ci_low", "dcr_ci_high",
)
"""Columns of ``rates.csv`` after the group columns (issue 8 item 3)."""


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
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return (float("nan"), float("nan"))
    low = 0.0 if successes == 0 else float(beta.ppf(alpha / 2, successes, n - successes + 1))
    high = 1.0 if successes == n else float(beta.ppf(1 - alpha / 2, successes + 1, n - successes))
    return (low, high)


def is_responder(labels: pd.Series) -> pd.Series:
    """True where a best response is in :data:`RESPONDER_LABELS`."""
    return labels.isin(RESPONDER_LABELS)


def is_disease_control(labels: pd.Series) -> pd.Series:
    """True where a best response is in :data:`DISEASE_CONTROL_LABELS`."""
    return labels.isin(DISEASE_CONTROL_LABELS)


def split_columns(table: pd.DataFrame, candidates: Sequence[str] = GROUP_COLUMNS) -> list[str]:
    """Group columns among ``candidates`` that exist and hold at least one non-empty value."""
    present = []
    for column in candidates:
        if column in table.columns and table[column].fillna("").astype(str).ne("").any():
            present.append(column)
    return present


class ResponseRateFitter:
    """ORR and DCR per criterion (and per group) with exact Clopper-Pearson intervals.

    Parameters
    ----------
    alpha : float, default 0.05
        Two-sided error of the intervals (95 % CIs by default).
    confirmed : bool, default False
        Read ``best_response_confirmed`` instead of ``best_response`` (spec/anatomic.md 0.9: both
        are always computed).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per criterion x group: group columns, then :data:`RATE_COLUMNS`; criteria in the
        order they first appear in the table, groups sorted.
    counts_ : pandas.DataFrame
        Patients per best-response category: criterion, group columns, ``best_response``, ``n``.
    orr_, dcr_ : pandas.Series
        The rates, indexed like ``summary`` by (criterion, groups...).

    Examples
    --------
    >>> best = pd.DataFrame({"patient_id": ["P1", "P2"], "criterion": ["recist11"] * 2,
    ...                      "best_response": ["PR", "PD"], "best_response_confirmed": ["SD", "PD"]})
    >>> ResponseRateFitter().fit(best).summary[["criterion", "n", "responders", "orr"]]
      criterion  n  responders  orr
    0  recist11  2           1  0.5
    """

    def __init__(self, alpha: float = DEFAULT_ALPHA, *, confirmed: bool = False) -> None:
        self.alpha = alpha
        self.confirmed = confirmed

    @property
    def response_column(self) -> str:
        """The best-response column the rates read."""
        return "best_response_confirmed" if self.confirmed else "best_response"

    def fit(self, best_response: pd.DataFrame, groups: Sequence[str] | None = None) -> ResponseRateFitter:
        """Count responders and patients with disease control.

        Parameters
        ----------
        best_response : pandas.DataFrame
            Best-response table (schema.BEST_RESPONSE_COLUMNS); extra columns such as ``arm`` allowed.
        groups : sequence of str, optional
            Columns that split the rates besides ``criterion``. Default: ``arm`` and ``reader``
            when present and not empty.

        Returns
        -------
        ResponseRateFitter
            self, with ``summary``, ``counts_``, ``orr_`` and ``dcr_`` set.
        """
        column = self.response_column
        require_columns(best_response, ("criterion", PATIENT, column))
        group_columns = split_columns(best_response) if groups is None else list(groups)
        require_columns(best_response, group_columns)
        keys = ["criterion", *group_columns]
        table = best_response.copy()
        table[column] = table[column].fillna("").astype(str)
        criteria_order = list(dict.fromkeys(table["criterion"]))
        table["criterion"] = pd.Categorical(table["criterion"], categories=criteria_order)
        table["_responder"] = is_responder(table[column])
        table["_control"] = is_disease_control(table[column])
        rows = [self._rate_row(dict(zip(keys, _as_tuple(key), strict=True)), part)
                for key, part in table.groupby(keys, sort=True, dropna=False, observed=True)]
        self.summary = pd.DataFrame(rows, columns=[*group_columns, *RATE_COLUMNS])
        self.counts_ = (
            table.groupby([*keys, column], sort=True, dropna=False, observed=True).size()
            .rename("n").reset_index().rename(columns={column: "best_response"})
        )
        self.summary["criterion"] = self.summary["criterion"].astype(str)
        self.counts_["criterion"] = self.counts_["criterion"].astype(str)
        index = (pd.MultiIndex.from_frame(self.summary[keys]) if len(keys) > 1
                 else pd.Index(self.summary["criterion"], name="criterion"))
        self.orr_ = pd.Series(self.summary["orr"].to_numpy(), index=index, name="orr")
        self.dcr_ = pd.Series(self.summary["dcr"].to_numpy(), index=index, name="dcr")
        return self

    def _rate_row(self, key: dict[str, object], part: pd.DataFrame) -> dict[str, object]:
        n = int(len(part))
        responders = int(part["_responder"].sum())
        control = int(part["_control"].sum())
        orr_low, orr_high = clopper_pearson(responders, n, self.alpha)
        dcr_low, dcr_high = clopper_pearson(control, n, self.alpha)
        return {
            **key, "n": n, "responders": responders, "orr": responders / n if n else np.nan,
            "orr_ci_low": orr_low, "orr_ci_high": orr_high, "disease_control": control,
            "dcr": control / n if n else np.nan, "dcr_ci_low": dcr_low, "dcr_ci_high": dcr_high,
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


def response_rates(best_response: pd.DataFrame, *, confirmed: bool = False,
                   groups: Sequence[str] | None = None, alpha: float = DEFAULT_ALPHA) -> pd.DataFrame:
    """The ``rates.csv`` table: :class:`ResponseRateFitter` ``summary`` in one call."""
    return ResponseRateFitter(alpha, confirmed=confirmed).fit(best_response, groups).summary


def _as_tuple(key: object) -> tuple[object, ...]:
    return key if isinstance(key, tuple) else (key,)


def require_columns(table: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError("best_response", [], missing[0],
                         f"missing column(s) {', '.join(missing)}; expected the best-response table "
                         "of `ioresponse assess` (spec/anatomic.md 0.9)")
