"""``ioresponse.load`` / ``run`` fed in-memory tables, as a data scientist's pipeline has them.

Each case starts from a small valid table (README "Python", spec/anatomic.md 0.1, spec/metabolic.md 1.1) and
changes one thing: a dtype spelling (nullable, pyarrow, category, polars), an index, the column order or
case, missing cells, dates as datetime64 / ``datetime.date``, containers that are not tables. Expected:
the same timepoint and best-response tables as the unchanged table (for changes of spelling only), or an
``InputError`` whose ``located()`` names the column (and the row, when one row is at fault); never another
exception, and the user's objects are never modified. The deterministic variations (shuffles) use SEED.
"""

from __future__ import annotations

import copy
import decimal
import functools
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

import ioresponse
from ioresponse import cohort
from ioresponse.api import compare
from ioresponse.io.validate import UnusedColumnWarning
from ioresponse.schema import InputError

SEED = 20240611
ANATOMIC = ("recist11", "irrc", "irrecist", "irecist", "imrecist")
EVERY = {"lesions": ANATOMIC, "dated": ANATOMIC, "pet": "all", "combined": "all"}
"""Criteria of the second run of each case, besides the default criteria."""

# ---------------------------------------------------------------------------------------------------------
# Valid tables. Patient ids look like numbers, so that integer and float ids must give the same text.

LESION_COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm",
                  "short_axis_mm", "perpendicular_mm", "status"]
NA = np.nan
LESION_ROWS = [
    # 101: liver target, nodal target, bone non-target: PR
    ("101", -7, "1", "target", "liver", False, 40.0, NA, 30.0, "present"),
    ("101", -7, "N1", "target", "lymph node", True, 25.0, 20.0, NA, "present"),
    ("101", -7, "NT1", "non_target", "bone", False, NA, NA, NA, "present"),
    ("101", 56, "1", "target", "liver", False, 26.3, NA, 20.1, "present"),
    ("101", 56, "N1", "target", "lymph node", True, 14.5, 12.4, NA, "present"),
    ("101", 56, "NT1", "non_target", "bone", False, NA, NA, NA, "present"),
    ("101", 112, "1", "target", "liver", False, 24.7, NA, 18.0, "present"),
    ("101", 112, "N1", "target", "lymph node", True, 11.0, 9.0, NA, "present"),
    ("101", 112, "NT1", "non_target", "bone", False, NA, NA, NA, "absent"),
    # 102: a new lesion: PD
    ("102", -3, "1", "target", "lung", False, 30.0, NA, 20.0, "present"),
    ("102", -3, "NT1", "non_target", "pleura", False, NA, NA, NA, "present"),
    ("102", 50, "1", "target", "lung", False, 35.5, NA, 25.0, "present"),
    ("102", 50, "NT1", "non_target", "pleura", False, NA, NA, NA, "present"),
    ("102", 50, "U1", "new", "liver", False, 12.0, NA, 10.0, "present"),
    # 103: SD
    ("103", 0, "1", "target", "kidney", False, 50.0, NA, 40.0, "present"),
    ("103", 60, "1", "target", "kidney", False, 50.0, NA, 40.0, "present"),
    ("103", 120, "1", "target", "kidney", False, 52.5, NA, 41.0, "present"),
    # 104: CR
    ("104", -5, "1", "target", "liver", False, 25.0, NA, 20.0, "present"),
    ("104", -5, "2", "target", "lung", False, 15.0, NA, 12.0, "present"),
    ("104", 42, "1", "target", "liver", False, NA, NA, NA, "absent"),
    ("104", 42, "2", "target", "lung", False, NA, NA, NA, "absent"),
]
START = {"101": "2021-01-11", "102": "2021-02-01", "103": "2021-03-01", "104": "2021-04-05"}

PET_QC = {"uptake_min": 60.0, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}
PET_SCANS = [  # patient, day, cycles, [(lesion, role, organ, sulpeak, suvmax, tlg)]
    ("201", -2, 0, [("L1", "target", "lung", 8.0, 10.0, 60.0),
                    ("L2", "non_target", "lymph node", 5.0, 6.0, 20.0)]),
    ("201", 56, 2, [("L1", "target", "lung", 4.0, 5.0, 25.0),
                    ("L2", "non_target", "lymph node", 3.0, 3.5, 10.0)]),
    ("202", -1, 0, [("L1", "target", "liver", 6.0, 7.5, 40.0)]),
    ("202", 60, 2, [("L1", "target", "liver", 9.0, 11.0, 70.0), ("N1", "new", "liver", 4.0, 5.0, 8.0)]),
    ("203", 0, 0, [("L1", "target", "bone", 5.0, 6.2, 30.0)]),
    ("203", 63, 3, [("L1", "target", "bone", 5.1, 6.3, 31.0)]),
]
PET_START = {"201": "2022-01-10", "202": "2022-02-07", "203": "2022-03-07"}


def lesion_table() -> pd.DataFrame:
    return pd.DataFrame(LESION_ROWS, columns=LESION_COLUMNS)


def _dates(patients: pd.Series, days: pd.Series, start: dict[str, str]) -> list[pd.Timestamp]:
    return [pd.Timestamp(start[p]) + pd.Timedelta(days=int(d)) for p, d in zip(patients, days, strict=True)]


def dated_table() -> pd.DataFrame:
    """The lesion table with ISO date text instead of days (days come from the patient table)."""
    table = lesion_table()
    dates = _dates(table["patient_id"], table["day"], START)
    return table.drop(columns="day").assign(date=[d.strftime("%Y-%m-%d") for d in dates])


def patient_table() -> pd.DataFrame:
    return pd.DataFrame({"patient_id": list(START), "treatment_start": list(START.values()),
                         "arm": ["A", "B", "A", "B"]})


def pet_table() -> pd.DataFrame:
    rows = [
        {"patient_id": patient, "day": day, "lesion_id": lesion, "role": role, "organ": organ,
         "sulpeak": sulpeak, "suvmax": suvmax, "tlg": tlg, "functional_diameter_mm": 20.0,
         "status": "present", **PET_QC, "cycles_before_scan": cycles}
        for patient, day, cycles, lesions in PET_SCANS
        for lesion, role, organ, sulpeak, suvmax, tlg in lesions
    ]
    return pd.DataFrame(rows)


def pet_dated() -> pd.DataFrame:
    table = pet_table()
    return table.drop(columns="day").assign(date=_dates(table["patient_id"], table["day"], PET_START))


def pet_patients() -> pd.DataFrame:
    return pd.DataFrame({"patient_id": list(PET_START), "treatment_start": list(PET_START.values())})


@dataclass(frozen=True)
class Inputs:
    """Fresh copies of the valid tables, and a folder for files."""

    tmp: Path

    @property
    def lesions(self) -> pd.DataFrame:
        return lesion_table()

    @property
    def dated(self) -> pd.DataFrame:
        return dated_table()

    @property
    def patients(self) -> pd.DataFrame:
        return patient_table()

    @property
    def pet(self) -> pd.DataFrame:
        return pet_table()


BASE_INPUTS: dict[str, Callable[[Inputs], tuple[object, dict]]] = {
    "lesions": lambda i: (i.lesions, {}),
    "dated": lambda i: (i.dated, {"patients": i.patients}),
    "pet": lambda i: (i.pet, {}),
    "combined": lambda i: (i.lesions, {"pet": i.pet}),
}


def _assess(base: str, data: object, kwargs: dict) -> tuple[ioresponse.Result, ioresponse.Result]:
    """``load``, then ``run`` with the default criteria and with every criterion of the family."""
    study = ioresponse.load(data, **kwargs)
    return ioresponse.run(study), ioresponse.run(study, EVERY[base], patterns=False)


@functools.cache
def baseline(base: str) -> tuple[ioresponse.Result, ioresponse.Result]:
    data, kwargs = BASE_INPUTS[base](Inputs(Path("/nonexistent")))
    return _assess(base, data, kwargs)


# ---------------------------------------------------------------------------------------------------------
# Expectations

TIMEPOINT_KEYS = ["patient_id", "reader", "criterion", "day", "current_sum", "overall_response"]
BEST_KEYS = ["patient_id", "reader", "criterion", "best_response", "best_response_confirmed"]


def _tables_equal(got: tuple, want: tuple, keys: bool = False) -> None:
    for got_result, want_result in zip(got, want, strict=True):
        for name, key_columns in (("timepoints", TIMEPOINT_KEYS), ("best_response", BEST_KEYS)):
            a, b = getattr(got_result, name), getattr(want_result, name)
            if keys:
                columns = [c for c in key_columns if c in b.columns]
                a, b = a[columns], b[columns]
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                          check_exact=True)


@dataclass(frozen=True)
class Same:
    """Success, with the tables of the unchanged input (``keys``: the key columns only)."""

    keys: bool = False

    def check(self, outcome: object, base: str) -> None:
        assert not isinstance(outcome, InputError), f"refused: {outcome.located()}"
        _tables_equal(outcome, baseline(base), self.keys)


@dataclass(frozen=True)
class Ok:
    """Success; ``then(default_result, every_result)`` checks more."""

    then: Callable[[ioresponse.Result, ioresponse.Result], None] | None = None

    def check(self, outcome: object, base: str) -> None:
        assert not isinstance(outcome, InputError), f"refused: {outcome.located()}"
        if self.then is not None:
            self.then(*outcome)


@dataclass(frozen=True)
class Err:
    """An InputError naming ``column`` (one of them, for a tuple), at ``rows`` when given."""

    column: str | tuple[str, ...] | None
    rows: list[int] | None = None
    match: str | None = None

    def check(self, outcome: object, base: str = "") -> None:
        assert isinstance(outcome, InputError), "expected an InputError, the input was accepted"
        located = outcome.located()
        assert outcome.file, f"no source named: {located!r}"
        if self.column is not None:
            columns = self.column if isinstance(self.column, tuple) else (self.column,)
            assert outcome.column in columns, located
            kind = "option" if outcome.file == "options" else "column"  # "options, option X: ..."
            assert f"{kind} {outcome.column}" in located
        if self.rows is not None:
            assert outcome.rows == self.rows, located
            assert re.search(r"\brows? \d", located), located
        if self.match is not None:
            assert re.search(self.match, located), located


@dataclass(frozen=True)
class Case:
    base: str
    data: Callable[[Inputs], object] | None
    kwargs: Callable[[Inputs], dict] | None
    expect: Same | Ok | Err
    warns: type[Warning] | None = None


def case(id: str, expect: Same | Ok | Err, data: Callable[[Inputs], object] | None = None, *,
         kwargs: Callable[[Inputs], dict] | None = None, base: str = "lesions",
         warns: type[Warning] | None = None) -> object:
    return pytest.param(Case(base, data, kwargs, expect, warns), id=id)


def _snapshot(value: object) -> object:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=True)
    if isinstance(value, pl.DataFrame | pl.Series):
        return value.clone()
    if isinstance(value, pl.LazyFrame):
        return value.collect()
    return copy.deepcopy(value)


def _assert_unchanged(before: object, after: object) -> None:
    if isinstance(after, pd.DataFrame):
        pd.testing.assert_frame_equal(after, before)
        assert after.index.equals(before.index) and list(after.columns) == list(before.columns)
    elif isinstance(after, pd.Series):
        pd.testing.assert_series_equal(after, before)
    elif isinstance(after, pl.DataFrame | pl.Series):
        assert after.equals(before)
    elif isinstance(after, pl.LazyFrame):
        assert after.collect().equals(before)
    elif isinstance(after, np.ndarray):
        assert pd.DataFrame(after).equals(pd.DataFrame(before))
    else:
        assert after == before


def _at(table: pd.DataFrame, position: int, column: str, value: object) -> pd.DataFrame:
    """``table`` with one cell replaced (the column becomes object when the value needs it)."""
    cells = list(table[column])
    cells[position] = value
    dtype = table[column].dtype if isinstance(value, float) else object
    return table.assign(**{column: pd.Series(cells, index=table.index, dtype=dtype)})


def _shuffled_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table.iloc[np.random.default_rng(SEED).permutation(len(table))]


def _shuffled_columns(table: pd.DataFrame) -> pd.DataFrame:
    return table[list(np.random.default_rng(SEED).permutation(table.columns))]


def _mixed_ids(table: pd.DataFrame) -> pd.DataFrame:
    """``patient_id`` as an object column of int and str; lesion ids that look like numbers as int."""
    patient = [int(p) if i % 2 else p for i, p in enumerate(table["patient_id"])]
    lesion = [int(v) if v.isdigit() else v for v in table["lesion_id"]]
    return table.assign(patient_id=pd.Series(patient, dtype=object),
                        lesion_id=pd.Series(lesion, dtype=object))


def _readers_each_like_baseline(default: ioresponse.Result, every: ioresponse.Result) -> None:
    """Two readers of the same patients: each reader's rows are the single-reader rows."""
    want = baseline("lesions")
    for got_result, want_result in ((default, want[0]), (every, want[1])):
        for name in ("timepoints", "best_response"):
            table, expected = getattr(got_result, name), getattr(want_result, name)
            assert set(table["reader"]) == {"R1", "R2"}
            for reader in ("R1", "R2"):
                mine = table[table["reader"] == reader].reset_index(drop=True)
                mine = mine.assign(reader=expected["reader"].iloc[0] if len(expected) else "")
                mine["reader"] = mine["reader"].astype(expected["reader"].dtype)
                pd.testing.assert_frame_equal(mine[TIMEPOINT_KEYS if name == "timepoints" else BEST_KEYS],
                                              expected[TIMEPOINT_KEYS if name == "timepoints" else BEST_KEYS])


def _patients_are(*ids: str) -> Callable[[ioresponse.Result, ioresponse.Result], None]:
    def check(default: ioresponse.Result, every: ioresponse.Result) -> None:
        assert sorted(set(every.best_response["patient_id"])) == list(ids)
    return check


def _written_csv(tmp: Path, table: pd.DataFrame) -> Path:
    path = tmp / "lesions.csv"
    table.to_csv(path, index=False)
    return path


def _slice_of_wider(table: pd.DataFrame) -> pd.DataFrame:
    """A boolean-mask slice of a bigger frame (more patients and columns): pandas' SettingWithCopy case."""
    other = table.assign(patient_id=table["patient_id"].str.replace("1", "9", n=1))
    wider = pd.concat([table, other], ignore_index=True).assign(qc_flag="ok")
    return wider[wider["patient_id"].str.startswith("10")]


def cast(table: str = "lesions", **dtypes: object) -> Callable[[Inputs], pd.DataFrame]:
    """The table ``table`` of the inputs with columns cast to ``dtypes``."""
    return lambda i: getattr(i, table).astype(dtypes)


def cell(position: int, column: str, value: object, table: str = "lesions",
         dtypes: dict | None = None) -> Callable[[Inputs], pd.DataFrame]:
    """The table with one cell replaced (after casting to ``dtypes``)."""
    return lambda i: _at(getattr(i, table).astype(dtypes or {}), position, column, value)


def masked(column: str, dtype: str, position: int = 4,
           table: str = "lesions") -> Callable[[Inputs], pd.DataFrame]:
    """The table with ``column`` cast to the nullable ``dtype`` and its cell at ``position`` missing."""
    def make(i: Inputs) -> pd.DataFrame:
        frame = getattr(i, table)
        return frame.assign(**{column: frame[column].astype(dtype).mask(np.arange(len(frame)) == position)})
    return make


def column(name: str, values: Callable[[pd.DataFrame], object], table: str = "lesions"
           ) -> Callable[[Inputs], pd.DataFrame]:
    """The table with column ``name`` replaced by ``values(table)``."""
    return lambda i: getattr(i, table).pipe(lambda t: t.assign(**{name: values(t)}))


def dated(values: Callable[[pd.Series], object]) -> Callable[[Inputs], pd.DataFrame]:
    """The dated lesion table with its ``date`` text turned into ``values(dates)``."""
    return column("date", lambda t: values(pd.to_datetime(t["date"])), table="dated")


def with_patients(values: Callable[[pd.DataFrame], object]) -> Callable[[Inputs], dict]:
    return lambda i: {"patients": values(i.patients)}


def start_as(values: Callable[[pd.Series], object]) -> Callable[[Inputs], dict]:
    """The patient table with ``treatment_start`` turned into ``values(dates)``."""
    return with_patients(lambda p: p.assign(treatment_start=values(pd.to_datetime(p["treatment_start"]))))


def _object(values: list) -> pd.Series:
    return pd.Series(values, dtype=object)


def _empty_as(values: pd.Series, empty: object) -> pd.Series:
    """An object column with ``empty`` in the cells that are NaN."""
    return values.astype(object).where(values.notna(), empty)


ROW_OF = 4
"""Position 4 of the lesion table: file row 6 (header row 1, first data row 2); patient 101, day 56, node."""

STATUSES = ["present", "absent", "too_small", "not_evaluable", "unequivocal_progression"]
SIZES = ("long_axis_mm", "short_axis_mm", "perpendicular_mm")

LOAD_CASES = [
    # ---- patient ids: numbers, nullable, text dtypes ---------------------------------------------------
    case("ids-int64", Same(), cast(patient_id=int)),
    case("ids-float64-with-.0", Same(), cast(patient_id=float)),
    case("ids-Int64", Same(), cast(patient_id="Int64")),
    case("ids-string-pyarrow", Same(), cast(patient_id="string[pyarrow]", lesion_id="string[pyarrow]")),
    case("ids-category", Same(), cast(patient_id="category")),
    case("ids-object-mixed-int-str", Same(), lambda i: _mixed_ids(i.lesions)),
    case("ids-float-nan-in-a-row", Err("patient_id", [6]),
         cell(ROW_OF, "patient_id", NA, dtypes={"patient_id": float})),
    case("ids-Int64-NA-in-a-row", Err("patient_id", [6]), masked("patient_id", "Int64")),
    case("ids-object-int-with-pd.NA-for-one-patient", Err("patient_id", [19, 20, 21, 22]),
         column("patient_id", lambda t: _object([pd.NA if p == "104" else int(p) for p in t["patient_id"]]))),
    # ---- day column --------------------------------------------------------------------------------------
    case("day-float-with-.0", Same(), cast(day=float)),
    case("day-Int64", Same(), cast(day="Int64")),
    case("day-int64-pyarrow", Same(), cast(day="int64[pyarrow]")),
    case("day-text", Same(), cast(day=str)),
    case("day-object-mixed-int-str", Same(),
         column("day", lambda t: _object([d if k % 2 else str(d) for k, d in enumerate(t["day"])]))),
    case("day-Int64-NA-in-a-row", Err("day", [6]), masked("day", "Int64")),
    case("day-fractional", Err("day", [6]), cell(ROW_OF, "day", 56.5, dtypes={"day": float})),
    case("day-30-digit-int", Err("day", [6]), cell(ROW_OF, "day", 10**30)),
    # ---- labels and booleans -----------------------------------------------------------------------------
    case("labels-category", Same(), cast(role="category", organ="category", status="category")),
    case("status-category-nan-in-a-row", Err("status", [6]), masked("status", "category")),
    case("role-nan-in-a-row", Err("role", [6]), cell(ROW_OF, "role", NA)),
    case("lesion-id-None-in-a-row", Err("lesion_id", [6]), cell(ROW_OF, "lesion_id", None)),
    case("organ-string-NA-in-a-row", Err("organ", [6]), masked("organ", "string")),
    case("lymph-node-boolean", Same(), cast(lymph_node="boolean")),
    case("lymph-node-TRUE-False-text", Same(),
         column("lymph_node", lambda t: t["lymph_node"].map({True: "TRUE", False: "False"}))),
    case("lymph-node-1-0", Same(), cast(lymph_node=int)),
    case("lymph-node-object-bool-and-yes-no", Same(),
         column("lymph_node", lambda t: _object([v if k % 2 else ("yes" if v else "no")
                                                 for k, v in enumerate(t["lymph_node"])]))),
    case("lymph-node-boolean-NA-in-a-row", Err("lymph_node", [6]), masked("lymph_node", "boolean")),
    case("lymph-node-2", Err("lymph_node", [6]), cell(ROW_OF, "lymph_node", 2, dtypes={"lymph_node": int})),
    case("equivocal-boolean-all-NA", Same(),
         column("equivocal", lambda t: pd.array([None] * len(t), dtype="boolean"))),
    # ---- sizes -------------------------------------------------------------------------------------------
    case("sizes-Float64-with-NA", Same(), cast(**dict.fromkeys(SIZES, "Float64"))),
    case("sizes-object-None-for-empty", Same(),
         column("long_axis_mm", lambda t: _empty_as(t["long_axis_mm"], None))),
    case("sizes-object-numbers-and-text", Same(), cell(0, "long_axis_mm", "40.0")),
    case("sizes-decimal-and-None", Same(),
         column("long_axis_mm",
                lambda t: [None if pd.isna(v) else decimal.Decimal(str(v)) for v in t["long_axis_mm"]])),
    case("sizes-object-pd.NA-for-empty", Same(),
         column("long_axis_mm", lambda t: _empty_as(t["long_axis_mm"], pd.NA))),
    case("sizes-float32", Same(), cast(long_axis_mm="float32", short_axis_mm="float32")),
    case("size-missing-on-present-target", Err("long_axis_mm", [5]), cell(3, "long_axis_mm", NA)),
    # ---- index, row and column order, headers ------------------------------------------------------------
    case("index-from-100", Same(), lambda i: i.lesions.set_axis(range(100, 121))),
    case("index-duplicated-labels", Same(), lambda i: i.lesions.set_axis([7] * 21)),
    case("index-multiindex", Same(), lambda i: i.lesions.set_index(["patient_id", "lesion_id"], drop=False)),
    case("index-from-100-bad-cell-row-by-position", Err("status", [7]),
         lambda i: _at(i.lesions, 5, "status", "gone").set_axis(range(100, 121))),
    case("index-duplicated-bad-cell", Err("status", [2]),
         lambda i: _at(i.lesions, 0, "status", "gone").set_axis([0] * 21)),
    case("index-holds-patient-id", Err("patient_id"), lambda i: i.lesions.set_index("patient_id")),
    case("rows-shuffled", Same(), lambda i: _shuffled_rows(i.lesions)),
    case("columns-shuffled", Same(), lambda i: _shuffled_columns(i.lesions)),
    case("headers-upper-case", Same(), lambda i: i.lesions.rename(columns=str.upper)),
    case("headers-title-case-spaces", Same(),
         lambda i: i.lesions.rename(columns=lambda c: c.replace("_", " ").title())),
    case("columns-multiindex", Err(None, match="cannot tell the kind of table"),
         lambda i: i.lesions.set_axis(pd.MultiIndex.from_arrays([LESION_COLUMNS, ["x"] * 10]), axis=1)),
    case("extra-column-constant-per-patient", Same(), lambda i: i.lesions.assign(site="S01")),
    case("extra-column-varying", Same(), lambda i: i.lesions.assign(comment=[f"c{k}" for k in range(21)]),
         warns=UnusedColumnWarning),
    case("extra-column-integer-name", Same(), lambda i: i.lesions.join(pd.DataFrame({0: range(21)}))),
    case("users-own-source-row-column", Same(), lambda i: i.lesions.assign(source_row=range(21))),
    # ---- polars ------------------------------------------------------------------------------------------
    case("polars", Same(), lambda i: pl.from_pandas(i.lesions)),
    case("polars-categorical-enum", Same(),
         lambda i: pl.from_pandas(i.lesions).with_columns(pl.col("role").cast(pl.Categorical),
                                                          pl.col("status").cast(pl.Enum(STATUSES)))),
    case("polars-int16-day-uint8-node", Same(),
         lambda i: pl.from_pandas(i.lesions).with_columns(pl.col("day").cast(pl.Int16),
                                                          pl.col("lymph_node").cast(pl.UInt8))),
    case("polars-decimal-sizes", Same(),
         lambda i: pl.from_pandas(i.lesions).with_columns(pl.col("long_axis_mm").cast(pl.Decimal(10, 2)))),
    case("polars-float32-sizes", Same(),
         lambda i: pl.from_pandas(i.lesions).with_columns(pl.col("long_axis_mm").cast(pl.Float32))),
    case("polars-lazyframe", Same(), lambda i: pl.from_pandas(i.lesions).lazy()),
    case("polars-series", Err(None, match="Series"), lambda i: pl.from_pandas(i.lesions)["status"]),
    # ---- containers that are not tables, empty tables, paths ---------------------------------------------
    case("empty-with-the-columns", Err(None, match="no rows"), lambda i: i.lesions.iloc[:0]),
    case("zero-columns", Err(None, match="cannot tell the kind of table"), lambda i: pd.DataFrame()),
    case("pandas-series", Err(None, match="cannot read a Series"), lambda i: i.lesions["status"]),
    case("dict-of-lists", Err(None, match="cannot read a dict"), lambda i: i.lesions.to_dict("list")),
    case("numpy-array", Err(None, match="cannot read a ndarray"), lambda i: i.lesions.to_numpy()),
    case("None", Err(None, match="cannot read a NoneType"), lambda i: None),
    case("path-str", Same(), lambda i: str(_written_csv(i.tmp, i.lesions))),
    case("path-pathlib", Same(), lambda i: _written_csv(i.tmp, i.lesions)),
    case("path-missing-file", Err(None, match="file not found"), lambda i: str(i.tmp / "lesions.csv")),
    case("path-empty-string", Err(None), lambda i: ""),
    case("slice-of-wider-frame", Same(), lambda i: _slice_of_wider(i.lesions)),
    # ---- readers, patient keys, load options ---------------------------------------------------------------
    case("two-readers-same-patients", Ok(_readers_each_like_baseline),
         lambda i: pd.concat([i.lesions.assign(reader=r) for r in ("R1", "R2")], ignore_index=True)),
    case("reader-baseline-and-follow-ups-split", Err("day", match="missing baseline"),
         column("reader", lambda t: np.where(t["day"] <= 0, "R1", "R2"))),
    case("patient-key-integer-columns", Ok(_patients_are("1:101", "1:102", "1:103", "1:104")),
         lambda i: i.lesions.assign(study=1, patient_id=i.lesions["patient_id"].astype(int)),
         kwargs=lambda i: {"patient_key": ("study", "patient_id")}),
    case("patient-key-as-one-string", Ok(_patients_are("S:101", "S:102", "S:103", "S:104")),
         lambda i: i.lesions.assign(study="S"), kwargs=lambda i: {"patient_key": "study,patient_id"}),
    case("on-invalid-misspelt", Err("on_invalid"), cell(ROW_OF, "status", "gone"),
         kwargs=lambda i: {"on_invalid": "skip"}),
    case("validation-misspelt", Err("validation"), kwargs=lambda i: {"validation": "loud"}),
    # ---- dates and the patient table ---------------------------------------------------------------------
    case("date-datetime64", Same(), dated(lambda d: d), base="dated"),
    case("date-datetime64-tz-local-midnight", Same(),
         dated(lambda d: d.dt.tz_localize("Europe/Paris")),
         base="dated"),
    case("date-datetime64-with-time-of-day", Same(),
         dated(lambda d: d + pd.Timedelta(hours=23, minutes=59)),
         base="dated"),
    case("date-python-date-objects", Same(), dated(lambda d: list(d.dt.date)), base="dated"),
    case("date-pyarrow-date32", Same(), dated(lambda d: d.dt.date.astype("date32[pyarrow]")),
         base="dated"),
    case("date-polars-date", Same(),
         lambda i: pl.from_pandas(i.dated).with_columns(pl.col("date").str.to_date()),
         base="dated"),
    case("date-polars-datetime-tz", Same(), base="dated",
         data=lambda i: pl.from_pandas(i.dated).with_columns(
             pl.col("date").str.to_datetime().dt.replace_time_zone("Asia/Tokyo"))),
    case("date-and-day-both-given", Same(keys=True),
         lambda i: i.lesions.assign(date=pd.to_datetime(i.dated["date"])),
         base="dated"),
    case("date-NaT-in-a-row", Err("date", [6]), dated(lambda d: d.mask(d.index == ROW_OF)),
         base="dated"),
    case("date-day-month-year-text", Err("date"), dated(lambda d: d.dt.strftime("%d/%m/%Y")),
         base="dated"),
    case("patients-start-datetime64", Same(), base="dated", kwargs=start_as(lambda d: d)),
    case("patients-start-tz-aware", Same(), base="dated", kwargs=start_as(lambda d: d.dt.tz_localize("UTC"))),
    case("patients-polars-with-date", Same(), base="dated",
         kwargs=with_patients(lambda p: pl.from_pandas(p).with_columns(
             pl.col("treatment_start").str.to_date()))),
    case("patients-index-from-100", Same(), base="dated",
         kwargs=with_patients(lambda p: p.set_axis(range(100, 104)))),
    case("patients-and-lesions-integer-ids", Same(), base="dated", data=cast("dated", patient_id=int),
         kwargs=with_patients(lambda p: p.astype({"patient_id": int}))),
    case("patients-float-ids-lesions-text-ids", Same(), base="dated",
         kwargs=with_patients(lambda p: p.astype({"patient_id": float}))),
    case("patients-extra-patient", Same(), base="dated",
         kwargs=with_patients(lambda p: pd.concat([p, pd.DataFrame({"patient_id": ["199"], "arm": ["A"],
                                                                    "treatment_start": ["2021-01-01"]})]))),
    case("patients-os-Int64-and-boolean-with-NA", Ok(), base="dated",
         kwargs=with_patients(lambda p: p.assign(
             os_days=pd.array([400, None, 500, 600], dtype="Int64"),
             os_event=pd.array([True, None, False, True], dtype="boolean")))),
    case("patients-os-object-pd.NA", Ok(), base="dated",  # os_days and os_event go together (io.validate)
         kwargs=with_patients(lambda p: p.assign(os_days=_object([400, pd.NA, 500, 600]),
                                                 os_event=_object([1, pd.NA, 0, 1])))),
    case("patients-start-NaT", Err("treatment_start", [11, 12, 13, 14, 15]), base="dated",
         kwargs=start_as(lambda d: d.mask(d.index == 1))),
    case("patients-duplicated", Err("patient_id", [2, 6]), base="dated",
         kwargs=with_patients(lambda p: pd.concat([p, p.iloc[[0]]]))),
    case("patients-error-names-the-patient-table", Err("patient_id", match=r"^(?!<table>)"), base="dated",
         kwargs=with_patients(lambda p: pd.concat([p, p.iloc[[0]]]))),
    # ---- PET table ---------------------------------------------------------------------------------------
    case("pet-polars", Same(), lambda i: pl.from_pandas(i.pet), base="pet"),
    case("pet-day-float", Same(), cast("pet", day=float), base="pet"),
    case("pet-day-Int64", Same(), cast("pet", day="Int64"), base="pet"),
    case("pet-labels-category", Same(), cast("pet", role="category", organ="category", status="category"),
         base="pet"),
    case("pet-index-from-100", Same(), lambda i: i.pet.set_axis(range(100, 109)), base="pet"),
    case("pet-headers-upper-case", Same(), lambda i: i.pet.rename(columns=str.upper), base="pet"),
    case("pet-tlg-None-for-empty", Ok(), cell(1, "tlg", None, table="pet"), base="pet"),
    case("pet-sulpeak-Float64-NA-on-non-target", Ok(), masked("sulpeak", "Float64", 1, table="pet"),
         base="pet"),
    case("pet-tlg-object-pd.NA-for-empty", Ok(), cell(1, "tlg", pd.NA, table="pet"), base="pet"),
    case("pet-date-datetime64", Same(keys=True), lambda i: pet_dated(), base="pet",
         kwargs=lambda i: {"patients": pet_patients()}),
    case("pet-date-tz-aware", Same(keys=True), base="pet",
         data=lambda i: pet_dated().assign(date=lambda t: t["date"].dt.tz_localize("Europe/Berlin")),
         kwargs=lambda i: {"patients": pet_patients()}),
    case("pet-date-python-dates", Same(keys=True), base="pet",
         data=lambda i: pet_dated().assign(date=lambda t: t["date"].dt.date),
         kwargs=lambda i: {"patients": pet_patients().assign(treatment_start=lambda t: pd.to_datetime(
             t["treatment_start"]))}),
    case("pet-date-NaT-in-a-row", Err(("date", "day"), [5]), base="pet",
         data=lambda i: pet_dated().assign(date=lambda t: t["date"].mask(t.index == 3)),
         kwargs=lambda i: {"patients": pet_patients()}),
    case("pet-day-fractional", Err("day", [4]), cell(2, "day", 56.5, table="pet", dtypes={"day": float}),
         base="pet"),
    case("pet-role-None", Err("role", [4]), cell(2, "role", None, table="pet"), base="pet"),
    case("pet-visceral-2", Err("visceral", [3]), lambda i: i.pet.assign(visceral=[0, 2] + [0] * 7),
         base="pet"),
    case("pet-index-from-100-bad-role", Err("role", [5]),
         lambda i: _at(i.pet, 3, "role", "fresh").set_axis(range(100, 109)), base="pet"),
    case("pet-empty-with-the-columns", Err(None, match="no rows"), lambda i: i.pet.iloc[:0], base="pet"),
    # ---- lesion table with a PET table (pet=) ------------------------------------------------------------
    case("pet-kwarg-polars", Ok(), kwargs=lambda i: {"pet": pl.from_pandas(i.pet)}, base="combined"),
    case("pet-kwarg-error-names-the-pet-table", Err("role", [5], match=r"^(?!<table>)"), base="combined",
         kwargs=lambda i: {"pet": _at(i.pet, 3, "role", "fresh")}),
]


@pytest.mark.parametrize("variation", LOAD_CASES)
def test_load_and_run_a_varied_table(variation: Case, tmp_path: Path) -> None:
    inputs = Inputs(tmp_path)
    default_data, default_kwargs = BASE_INPUTS[variation.base](inputs)
    data = default_data if variation.data is None else variation.data(inputs)
    kwargs = default_kwargs if variation.kwargs is None else variation.kwargs(inputs)
    given = {"data": data, **{k: v for k, v in kwargs.items() if k in ("patients", "pet")}}
    before = {name: _snapshot(value) for name, value in given.items()}
    chained_assignment = pd.option_context("mode.chained_assignment", "raise")  # SettingWithCopy raises
    with warnings.catch_warnings(record=True) as caught, chained_assignment:
        warnings.simplefilter("always")
        try:
            outcome: object = _assess(variation.base, data, kwargs)
        except InputError as error:
            outcome = error
    for name, value in given.items():
        _assert_unchanged(before[name], value)
    if variation.warns is not None:
        assert any(issubclass(w.category, variation.warns) for w in caught)
    variation.expect.check(outcome, variation.base)


# ---------------------------------------------------------------------------------------------------------
# run(): criteria and options


@functools.cache
def lesion_study() -> ioresponse.Study:
    return ioresponse.load(lesion_table())


def _same_best_as(criteria: object, **options: object) -> Callable[[ioresponse.Result], None]:
    def check(result: ioresponse.Result) -> None:
        want = ioresponse.run(lesion_study(), criteria, patterns=False, **options).best_response
        pd.testing.assert_frame_equal(result.best_response, want)
    return check


def run_case(id: str, call: Callable[[ioresponse.Study], object],
             expect: Err | Callable[[object], None]) -> object:
    return pytest.param(call, expect, id=id)



RUN_CASES = [
    run_case("criteria-unknown", lambda s: ioresponse.run(s, ["recist11", "recist12"]),
             Err(None, match="unknown criterion recist12")),
    run_case("criteria-metabolic-on-lesions", lambda s: ioresponse.run(s, "percist"),
             Err(None, match="reads a PET table")),
    run_case("criteria-comma-string", lambda s: ioresponse.run(s, "recist11, irecist", patterns=False),
             _same_best_as(("recist11", "irecist"))),
    run_case("criteria-integer", lambda s: ioresponse.run(s, 5), Err(None, match="criterion")),
    run_case("criteria-list-with-None", lambda s: ioresponse.run(s, ["recist11", None]),
             Err(None, match="criterion")),
    run_case("option-unknown", lambda s: ioresponse.run(s, min_sd_dayz=56), Err("min_sd_dayz")),
    run_case("option-text-not-a-number", lambda s: ioresponse.run(s, min_sd_days="abc"), Err("min_sd_days")),
    run_case("option-text-number", lambda s: ioresponse.run(s, min_sd_days="56", patterns=False),
             _same_best_as(None, min_sd_days=56)),
    run_case("option-confirm-yes-text", lambda s: ioresponse.run(s, confirm_response="yes", patterns=False),
             _same_best_as(None, confirm_response=True)),
    run_case("option-confirm-maybe", lambda s: ioresponse.run(s, confirm_response="maybe"),
             Err("confirm_response")),
    run_case("option-None-for-int", lambda s: ioresponse.run(s, min_sd_days=None), Err("min_sd_days")),
    run_case("option-list-for-int", lambda s: ioresponse.run(s, min_sd_days=[56]), Err("min_sd_days")),
    run_case("run-given-a-dataframe", lambda s: ioresponse.run(lesion_table()), Err(None, match="Study")),
    run_case("assess-equals-load-then-run",
             lambda s: ioresponse.assess(lesion_table(), ANATOMIC, patterns=False),
             lambda r: _tables_equal((r,), (baseline("lesions")[1],))),
]


@pytest.mark.parametrize(("call", "expect"), RUN_CASES)
def test_run_arguments(call: Callable[[ioresponse.Study], object],
                       expect: Err | Callable[[object], None]) -> None:
    try:
        outcome: object = call(lesion_study())
    except InputError as error:
        outcome = error
    if isinstance(expect, Err):
        expect.check(outcome)
    else:
        assert not isinstance(outcome, InputError), outcome.located()
        expect(outcome)


# ---------------------------------------------------------------------------------------------------------
# Result and cohort functions on a good result


def _result() -> ioresponse.Result:
    return baseline("lesions")[1]


def _compare_has_matrices(*criteria: str) -> Callable[[object], None]:
    def check(comparison: object) -> None:
        assert list(comparison.matrices) == list(criteria)
        assert list(comparison.wide.columns) == ["patient_id", "reader", *ANATOMIC]
    return check


def _response_columns(*columns: str) -> Callable[[object], None]:
    def check(summary: object) -> None:
        assert summary["response_column"].tolist() == list(columns)
    return check


def _an_existing_file(tmp: Path) -> Path:
    path = tmp / "results"
    path.write_text("not a folder")
    return path


def _against_recorded_is_empty(table: object) -> None:
    assert table.empty
    assert list(table.columns) == ["patient_id", "reader", "criterion", "day", "visit", "recorded_response",
                                   "computed_response", "agrees", "reason"]


def _counted_as_none(matrix: object) -> None:
    assert list(matrix.columns) == ["(none)"] and matrix.to_numpy().sum() == 4


def BEST() -> pd.DataFrame:
    return _result().best_response


def TIMEPOINTS() -> pd.DataFrame:
    return _result().timepoints


CONFIRMING = ["best_response_confirmed"] * 5

RESULT_CASES = [
    run_case("compare-reference-irecist", lambda t: _result().compare("irecist"),
             _compare_has_matrices("recist11", "irrc", "irrecist", "imrecist")),
    run_case("compare-confirmed", lambda t: _result().compare(confirmed=True),
             _compare_has_matrices("irrc", "irrecist", "irecist", "imrecist")),
    run_case("compare-reference-not-in-results", lambda t: _result().compare("recist12"), Err("criterion")),
    run_case("compare-table-without-confirmed-column",
             lambda t: compare(_result().best_response.drop(columns="best_response_confirmed"),
                               confirmed=True),
             Err("best_response_confirmed")),
    run_case("against-recorded-unknown-criterion", lambda t: _result().against_recorded("recist12"),
             _against_recorded_is_empty),
    run_case("to-csv-str-folder", lambda t: _result().to_csv(str(t / "out")),
             lambda p: all(x.exists() for x in p)),
    run_case("to-parquet-path-folder", lambda t: _result().to_parquet(t / "out"),
             lambda p: all(x.exists() for x in p)),
    run_case("to-csv-onto-a-file", lambda t: _result().to_csv(_an_existing_file(t)), Err(None)),
    run_case("to-parquet-None", lambda t: _result().to_parquet(None), Err(None)),
    run_case("rates-confirmed-None", lambda t: cohort.response_rates(BEST(), timepoints=TIMEPOINTS()),
             _response_columns("best_response", "best_response_confirmed", "best_response", "best_response",
                               "best_response")),
    run_case("rates-confirmed-True", lambda t: cohort.response_rates(BEST(), timepoints=TIMEPOINTS(),
                                                                     confirmed=True),
             _response_columns(*CONFIRMING)),
    run_case("rates-confirmed-False", lambda t: cohort.response_rates(BEST(), timepoints=TIMEPOINTS(),
                                                                      confirmed=False),
             _response_columns(*["best_response"] * 5)),
    run_case("rates-confirmed-text-false", lambda t: cohort.response_rates(BEST(), timepoints=TIMEPOINTS(),
                                                                           confirmed="false"),
             Err("confirmed")),
    run_case("rates-alpha-above-1", lambda t: cohort.response_rates(BEST(), timepoints=TIMEPOINTS(), alpha=2),
             Err("alpha")),
    run_case("rates-unknown-group",
             lambda t: cohort.ResponseRateFitter().fit(BEST(), ["arm"], timepoints=TIMEPOINTS()),
             Err("arm")),
    run_case("reclassification-unknown-criterion",
             lambda t: cohort.reclassification_matrix(BEST(), "recist11", "recist12"), _counted_as_none),
    run_case("progression-moves-unknown-reference",
             lambda t: cohort.progression_moves(BEST(), reference="recist12"), lambda m: m.empty),
    run_case("kappa-ratings-of-different-lengths", lambda t: cohort.cohen_kappa(["PR", "SD"], ["PR"]),
             Err(None)),
    run_case("median-split-on-text-values",
             lambda t: cohort.median_split(cohort.pfs_durations(BEST()),
                                           pd.Series({"101": "high", "102": "low"}), "mtv"), Err(None)),
]


@pytest.mark.parametrize(("call", "expect"), RESULT_CASES)
def test_result_and_cohort_calls(call: Callable[[Path], object], expect: Err | Callable[[object], None],
                                 tmp_path: Path) -> None:
    best_before = _result().best_response.copy(deep=True)
    try:
        outcome: object = call(tmp_path)
    except InputError as error:
        outcome = error
    pd.testing.assert_frame_equal(_result().best_response, best_before)  # results are not modified either
    if isinstance(expect, Err):
        expect.check(outcome)
    else:
        assert not isinstance(outcome, InputError), outcome.located()
        result = expect(outcome)
        assert result is None or result is True
