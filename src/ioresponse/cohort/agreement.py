"""Agreement between readers: Cohen's kappa on the responses of two evaluators.

Source: Cohen J. "A coefficient of agreement for nominal scales." Educ Psychol Meas 1960;20:37-46,
doi:10.1177/001316446002000104. kappa = (p_o - p_e) / (1 - p_e), p_o the observed proportion of
agreement and p_e the agreement expected from the two readers' marginal proportions. Readers are
the SDTM evaluators (RSEVAL/RSEVALID, the ``reader`` column of contract.md); issue 8 item 1.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from ioresponse.cohort.rates import require_columns
from ioresponse.schema import DAY, PATIENT, READER, InputError

AGREEMENT_COLUMNS = ("criterion", "reader_a", "reader_b", "n", "observed_agreement", "kappa")


def cohen_kappa(ratings_a: pd.Series | list[str], ratings_b: pd.Series | list[str]) -> float:
    """Cohen's (unweighted) kappa of two readers' paired nominal ratings.

    Parameters
    ----------
    ratings_a, ratings_b : sequence of str
        Paired ratings (same length, item i rated by both).

    Returns
    -------
    float
        kappa; NaN for no pair; 1.0 when both readers use one single, identical category
        (p_e = 1: perfect agreement, kappa undefined by the formula, reported as 1).
    """
    a = np.asarray(ratings_a, dtype=object)
    b = np.asarray(ratings_b, dtype=object)
    if a.shape != b.shape:
        raise InputError("ratings", [], None, f"paired ratings differ in length: {a.size} and {b.size}")
    if a.size == 0:
        return float("nan")
    observed = float(np.mean(a == b))
    categories = np.union1d(a.astype(str), b.astype(str))
    share_a = np.array([np.mean(a.astype(str) == c) for c in categories])
    share_b = np.array([np.mean(b.astype(str) == c) for c in categories])
    expected = float(np.sum(share_a * share_b))
    if np.isclose(expected, 1.0):
        return 1.0 if observed == 1.0 else float("nan")
    return (observed - expected) / (1.0 - expected)


def reader_agreement(table: pd.DataFrame, *, column: str = "best_response") -> pd.DataFrame:
    """Kappa for every pair of readers, per criterion.

    Parameters
    ----------
    table : pandas.DataFrame
        Best-response table (pairs matched on patient) or timepoint table (pairs matched on
        patient and day; pass ``column="overall_response"``), with a ``reader`` column.
    column : str, default "best_response"
        The response column compared.

    Returns
    -------
    pandas.DataFrame
        :data:`AGREEMENT_COLUMNS`; empty when fewer than two readers are named.
    """
    require_columns(table, (PATIENT, "criterion", column))
    if READER not in table.columns:
        return pd.DataFrame(columns=list(AGREEMENT_COLUMNS))
    per_patient = column.startswith("best_response") or DAY not in table.columns
    keys = [PATIENT] if per_patient else [PATIENT, DAY]
    rows = []
    for criterion, part in table.groupby("criterion", sort=True):
        readers = sorted(r for r in part[READER].fillna("").astype(str).unique() if r)
        for reader_a, reader_b in combinations(readers, 2):
            left = part.loc[part[READER] == reader_a, [*keys, column]]
            right = part.loc[part[READER] == reader_b, [*keys, column]]
            pairs = left.merge(right, on=keys, suffixes=("_a", "_b")).dropna()
            kappa = cohen_kappa(pairs[column + "_a"].astype(str), pairs[column + "_b"].astype(str))
            agreement = float((pairs[column + "_a"] == pairs[column + "_b"]).mean()) if len(pairs) else np.nan
            rows.append((criterion, reader_a, reader_b, len(pairs), agreement, kappa))
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))
