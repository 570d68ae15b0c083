"""Read a "% change from baseline" table and turn it into the sum-only table of contract.md.

Many trial listings and published data sets (e.g. the INSPIRE pembrolizumab trial, Bratman SV et al.
Nat Cancer 2020;1:873-881, doi:10.1038/s43018-020-0096-5) give each scan as a percentage change of
the target sum from baseline. RECIST 1.1 (Eisenhauer EA et al. Eur J Cancer 2009;45:228-247,
doi:10.1016/j.ejca.2008.10.026, sec. 4.3.1) needs absolute sums for its +5 mm progression rule,
so the sums are rebuilt as ``target_sum_mm = baseline_size_mm x (1 + pct_change / 100)`` and a
baseline row (day 0, the baseline size) is added for each patient whose table starts after day 0.

Without a baseline size the table is rebuilt on a nominal baseline of 100 mm: relative rules
(-30 %, +20 %) stay exact, but the absolute +5 mm rule then compares percentage points of the
baseline, not millimetres; every row of such a patient says so in ``note`` (which the lesion loader
carries into ``reason``), and a time in weeks goes in ``day`` with ``time_unit="weeks"``.

Input columns: ``patient_id``, ``day``, ``pct_change`` (in %, written ``-35`` or ``-35%``), optional
``baseline_size_mm``. An Excel cell formatted as a percentage (it stores -35 % as -0.35) is read as Excel
shows it, "-35%" (io.tables), so -35 %.
Output columns: ``patient_id``, ``day``, ``target_sum_mm``, ``note``.

Plausibility (STYLE.md 6, the ``validation`` switch; :func:`check_plausible`): a change above
``LARGEST_PCT_CHANGE`` is a slip, and a table whose every change lies within -1 to 1 with some decimals
holds fractions, not % (Excel cells formatted as percentages store -35 % as -0.35), the unit mix-up of a
% change table as centimetre-looking sizes are that of a lesion table.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ioresponse.io import validate as v
from ioresponse.io.tables import WARN_IMPLAUSIBLE, decimal_comma_hint, read_table
from ioresponse.schema import (
    DAY,
    PATIENT,
    SOURCE_ROW,
    TARGET_SUM,
    InputError,
    IoresponseWarning,
    Validation,
    check_choice,
)

PCT_CHANGE = "pct_change"
BASELINE_SIZE = "baseline_size_mm"

NOMINAL_BASELINE_MM = 100.0
"""Baseline used when the table gives none: only relative changes are then meaningful."""

NOMINAL_BASELINE_NOTE = (
    "% change table without baseline size: sums on a nominal baseline of 100 mm, so the +5 mm rule of "
    "RECIST 1.1 sec. 4.3.1 compares 5 percentage points of the baseline, not 5 mm"
)
"""Note of every row rebuilt on the nominal baseline."""

BASELINE_ROW_NOTE = "baseline row added at day 0 from the % change table"

MIN_PCT_CHANGE = -100.0
"""A sum cannot shrink by more than 100 % (complete disappearance)."""
LARGEST_PCT_CHANGE = 10_000.0
"""Plausibility: a target sum more than a hundredfold its baseline is a slip (a 10 mm target, the smallest
measurable, RECIST 1.1 sec. 3.1.1, grown past a metre, io.validate.LARGEST_LESION_MM)."""
FRACTION_LIMIT = 1.0
"""Plausibility: every change within -1 to 1 %, some with decimals, looks like fractions of 1 (STYLE.md 5)."""

DAYS_PER_WEEK = 7
ROUND_DECIMALS = 6
"""Rebuilt sums are rounded to 6 decimals: 50 x 0.7 is 35, not 34.99999999 (spec/anatomic.md 0.5)."""

TimeUnit = Literal["days", "weeks"]


class NominalBaselineWarning(IoresponseWarning):
    """Sums were rebuilt on the nominal 100 mm baseline; the +5 mm rule is not meaningful."""


def read_pct_change(path: str | Path, *, time_unit: TimeUnit = "days",
                    column_map: dict[str, str] | None = None,
                    validation: Validation = "raise") -> pd.DataFrame:
    """Read a CSV/Parquet/Excel "% change from baseline" file and rebuild the sums.

    Parameters
    ----------
    path : str or pathlib.Path
    time_unit : {"days", "weeks"}, default "days"
        Unit of the ``day`` column; weeks become ``round(7 x weeks)`` days.
    column_map : dict, optional
        Rename user columns to the contract names, e.g. ``{"id": "patient_id", "time": "day"}``.
    validation : {"raise", "warn"}, default "raise"
        What the plausibility checks do (:func:`check_plausible`).

    Returns
    -------
    pandas.DataFrame
        See :func:`sums_from_pct_change`.
    """
    raw = read_table(path, column_map=column_map)
    return sums_from_pct_change(raw.frame, time_unit=time_unit, source=raw.source, validation=validation)


def sums_from_pct_change(table: pd.DataFrame, *, time_unit: TimeUnit = "days", source: str = "<table>",
                         validation: Validation = "raise") -> pd.DataFrame:
    """Sum-only table (contract.md) from % changes of the target sum.

    Parameters
    ----------
    table : pandas.DataFrame
        ``patient_id``, ``day``, ``pct_change`` (% from baseline; empty = not evaluable) and
        optionally ``baseline_size_mm`` (one value per patient); a ``source_row`` column (the file row
        of a table read by io.tables) locates errors, else the rows are numbered as in a CSV file.
    time_unit : {"days", "weeks"}, default "days"
    source : str
        File name for error messages.
    validation : {"raise", "warn"}, default "raise"
        What the plausibility checks do (:func:`check_plausible`): refuse, or warn
        (:class:`~ioresponse.io.validate.ImplausibleValueWarning`) and keep the values as given.

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``day`` (int), ``target_sum_mm`` (NaN where the change is empty),
        and ``note``, sorted by patient and day (errors name the rows of the input; so do the
        loader's, through :func:`sums_with_source_rows`).

    Raises
    ------
    InputError
        Missing columns, unreadable or infinite numbers, a day that is not whole (days), a change below
        -100 %, a non-positive or inconsistent baseline size, a row on or before day 0 with a change other
        than 0, or two rows for one patient and day; with ``validation="raise"``, an implausible change.
    """
    v.settle(check_plausible(table, source), table, v.Outcome(), patient_of={}, on_invalid="raise",
             validation=validation, column_names={})
    return sums_with_source_rows(table, time_unit=time_unit, source=source).drop(columns=SOURCE_ROW)


def check_plausible(table: pd.DataFrame, source: str) -> list[v.Finding]:
    """Plausibility of the ``pct_change`` cells (module docstring; findings of kind "plausibility", which
    refuse or warn as ``validation`` says): a change above ``LARGEST_PCT_CHANGE`` %, and a table whose
    every change lies within -1 to 1 with some decimals (fractions: -0.35 for -35 %). Cells that are not
    numbers are left to :func:`sums_from_pct_change`."""
    if PCT_CHANGE not in table.columns:
        return []
    rows = _source_rows(table)
    pct, _ = _numbers(_percent_text(table[PCT_CHANGE]))
    given = np.isfinite(pct)
    findings = []
    large = given & (pct > LARGEST_PCT_CHANGE)
    if large.any():
        findings.append(v.Finding(InputError(
            source, rows[large].tolist(), PCT_CHANGE,
            f"{pct[large][0]:g} % is a larger change than a target sum makes (over "
            f"+{LARGEST_PCT_CHANGE:g} %, a hundredfold growth): check the value and its unit (%); "
            f"{WARN_IMPLAUSIBLE} keeps it as given"),
            "plausibility"))
    values = pct[given]
    if values.size and np.abs(values).max() <= FRACTION_LIMIT and np.any(values != np.round(values)):
        example = values[values != np.round(values)][0]
        findings.append(v.Finding(InputError(
            source, rows[given & (pct != 0)].tolist(), PCT_CHANGE,
            f"values look like fractions ({example:g} = {example * 100:g} %): every change in the table "
            f"lies within -{FRACTION_LIMIT:g} and {FRACTION_LIMIT:g} and some have decimals, as cells "
            "formatted as percentages in Excel store them; multiply by 100, or if they really are % keep "
            f"them with {WARN_IMPLAUSIBLE}"), "plausibility"))
    return findings


def sums_with_source_rows(table: pd.DataFrame, *, time_unit: TimeUnit = "days",
                          source: str = "<table>") -> pd.DataFrame:
    """:func:`sums_from_pct_change` with ``source_row``: the row of ``table`` each sum comes from (a
    baseline row added for a patient: the patient's first row), so that later messages name the rows
    of the user's file."""
    check_choice("time_unit", time_unit, TimeUnit)
    missing = [c for c in (PATIENT, DAY, PCT_CHANGE) if c not in table.columns]
    if missing:
        raise InputError(source, [], missing[0], f"missing; a % change table needs {PATIENT}, {DAY} and "
                         f"{PCT_CHANGE} (optional {BASELINE_SIZE})")
    rows = _source_rows(table)
    patient = table[PATIENT].astype("string").str.strip().fillna("")
    _check(patient.eq("").to_numpy(), rows, PATIENT, source, "empty patient identifier")
    day = _number(table[DAY], rows, DAY, source, allow_empty=False)
    if time_unit == "weeks":
        day = day * DAYS_PER_WEEK  # weeks are rounded to the nearest day
    else:
        _check(day != np.round(day), rows, DAY, source, "not a whole number of days since treatment start "
               "(times in weeks: multiply them by 7, or in Python read_pct_change(path, time_unit='weeks'))")
    day = np.round(day).astype(np.int64)
    pct = _number(_percent_text(table[PCT_CHANGE]), rows, PCT_CHANGE, source, allow_empty=True)
    _check(pct < MIN_PCT_CHANGE, rows, PCT_CHANGE, source,
           "below -100 %; a sum cannot shrink by more than 100 %")
    _check((day <= 0) & ~np.isnan(pct) & (pct != 0), rows, PCT_CHANGE, source,
           "a row on or before day 0 is the baseline and must have a change of 0 %")
    frame = pd.DataFrame({PATIENT: patient.astype(object).to_numpy(), DAY: day, PCT_CHANGE: pct,
                          SOURCE_ROW: rows})
    _check(frame.duplicated([PATIENT, DAY], keep=False).to_numpy(), rows, DAY, source,
           "two rows for the same patient and day; keep one row per assessment")
    frame[BASELINE_SIZE] = _baseline_sizes(table, frame, rows, source)
    return _rebuild(frame)


def _source_rows(table: pd.DataFrame) -> np.ndarray:
    """The file row of every row: ``source_row`` (io.tables), else numbered as in a CSV file."""
    return table[SOURCE_ROW].to_numpy(np.int64) if SOURCE_ROW in table else np.arange(len(table)) + 2


def _percent_text(values: pd.Series) -> pd.Series:
    """``pct_change`` cells without a "%" sign after the number ("-35%", "-35 %": -35; the column is in %)."""
    return values.astype("string").str.strip().str.removesuffix("%")


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The cells as numbers (NaN where empty or not a number) and the mask of empty cells."""
    text = values.astype("string").str.strip()
    empty = (text.isna() | text.eq("")).to_numpy()
    return pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype=float), empty


def _number(values: pd.Series, rows: np.ndarray, column: str, source: str, *,
            allow_empty: bool) -> np.ndarray:
    numbers, empty = _numbers(values)
    bad = np.isnan(numbers) & ~empty
    if bad.any():
        first = str(values[bad].iloc[0]).strip()
        _check(bad, rows, column, source, f"not a number{decimal_comma_hint(first)}")
    infinite = np.isinf(numbers)
    if infinite.any():
        first = str(values[infinite].iloc[0]).strip()
        _check(infinite, rows, column, source, f"{first!r} is not a finite number")
    if not allow_empty:
        _check(empty, rows, column, source, "empty; every row needs a value")
    return numbers


def _baseline_sizes(table: pd.DataFrame, frame: pd.DataFrame, rows: np.ndarray, source: str) -> np.ndarray:
    if BASELINE_SIZE not in table.columns:
        return np.full(len(frame), np.nan)
    size = _number(table[BASELINE_SIZE], rows, BASELINE_SIZE, source, allow_empty=True)
    _check(size <= 0, rows, BASELINE_SIZE, source, "must be above 0 mm")
    per_patient = pd.Series(size).groupby(frame[PATIENT].to_numpy()).transform(lambda s: s.nunique())
    _check(per_patient.to_numpy() > 1, rows, BASELINE_SIZE, source,
           "differs between rows of one patient; give one baseline size per patient")
    return pd.Series(size).groupby(frame[PATIENT].to_numpy()).transform("max").to_numpy()


def _rebuild(frame: pd.DataFrame) -> pd.DataFrame:
    nominal = np.isnan(frame[BASELINE_SIZE].to_numpy())
    if nominal.any():
        count = frame.loc[nominal, PATIENT].nunique()
        message = f"{count} patient(s) without baseline size: {NOMINAL_BASELINE_NOTE}"
        warnings.warn(NominalBaselineWarning(message), stacklevel=3)
    baseline = np.where(nominal, NOMINAL_BASELINE_MM, frame[BASELINE_SIZE].to_numpy())
    frame = frame.assign(
        **{TARGET_SUM: np.round(baseline * (1 + frame[PCT_CHANGE].to_numpy() / 100), ROUND_DECIMALS),
           "_baseline": baseline, "note": np.where(nominal, NOMINAL_BASELINE_NOTE, "")})
    has_baseline = frame.groupby(PATIENT)[DAY].transform("min") <= 0
    first = frame[~has_baseline].drop_duplicates(PATIENT)
    added = pd.DataFrame({PATIENT: first[PATIENT], DAY: 0, TARGET_SUM: first["_baseline"],
                          "note": [_join(n, BASELINE_ROW_NOTE) for n in first["note"]],
                          SOURCE_ROW: first[SOURCE_ROW]})
    result = pd.concat([added, frame[[PATIENT, DAY, TARGET_SUM, "note", SOURCE_ROW]]], ignore_index=True)
    return result.sort_values([PATIENT, DAY], kind="stable").reset_index(drop=True)


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


def _check(bad: np.ndarray, rows: np.ndarray, column: str, source: str, message: str) -> None:
    if np.any(bad):
        raise InputError(source, rows[np.asarray(bad)].tolist(), column, message)
