"""Audit of the Python API of the atypical-pattern side tables given in-memory pandas frames (no file).

What is audited: the tables a pandas user passes to ``ioresponse.patterns.find_patterns`` (``visits=``,
``events=``, ``findings=``), ``ioresponse.patterns.irae.find_flags`` / ``findings_table`` /
``clinical_events``, ``ioresponse.patterns._study.visit_days``, ``ioresponse.biomarkers.il8_changes`` and
``ioresponse.biomarkers.evaluate_biomarkers`` (the patient table also through ``ioresponse.api.load`` and
``ioresponse.api.run``), in the dtypes pandas users really have (spec/patterns.md 0.5, 5.3, 6.2-6.4).

The project's rule: bad input raises ``ioresponse.schema.InputError`` (a ValueError) naming the table, row
and column, never another exception; nothing is silently dropped or changed (a value that cannot be used
is refused or named in an ``IoresponseWarning``); valid data in another dtype gives the same result as the
text version. In-memory tables are named "<visits>", "<events>", "<findings>", "<samples>", "<patients>"
(evaluate_biomarkers) and "<patient table>" (api.load); their rows are counted as a file's would be
(header = row 1, first data row = 2) in the frame's order, whatever its index.

How: the valid example of tests/patterns/test_pattern_inputs_fuzz.py (four patients H1, R2, P3, S4; their
visits, events, findings, IL-8 samples and patient table), typed in below as CSV text and read as text
(``dtype=str``, as a file is read). Each case applies one seeded, deterministic mutation to one table (a
dtype, a missing value, a wrong object, an index or row order, a located fault) and calls every API entry
point that reads that table. Expectations:

- ``same``: no exception, the same output as the text version (rows sorted, index reset; numbers compared
  as numbers where a function keeps the value as given, finding ids, which are positions, blanked) and no
  warning the text version does not give;
- ``refuse``: an InputError whose ``file``, ``rows`` and ``column`` point at the fault;
- ``noisy``: such an InputError, or acceptance with an IoresponseWarning located at the fault;
- ``same_or_refuse``: either ``same`` or ``refuse``.

Every expected output comes from the text version of the valid example (or, for a missing cell, the text
version with that cell empty), checked by hand in ``test_text_version_by_hand``; never from the mutated
run. Where the code does not meet the rule, the case is ``xfail(strict=True)`` with what happens now and
the last frame in src/.
"""

from __future__ import annotations

import io
import re
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from ioresponse import api, biomarkers
from ioresponse.patterns import find_patterns, irae
from ioresponse.patterns._study import visit_days
from ioresponse.schema import InputError, IoresponseWarning

SEED = 20240612
"""Every random choice of this file (row shuffles) comes from this seed."""
CRITERIA = ["recist11", "irecist"]

# ---------------------------------------------------------------------------------------------
# The valid example (tests/patterns/side_tables_example.py), as the text a file holds; header = row 1
from side_tables_example import EVENTS, FINDINGS, LESIONS, PATIENTS, SAMPLES, VISITS, VISITS_BY_DAY  # noqa: E402

EVENTS_BY_DAY = """\
patient_id,day,event,grade
P3,54,pneumonitis,2
R2,47,thyroiditis,1
"""
EVENTS_UNGRADED_ROW2 = """\
patient_id,date,event,grade
P3,2021-04-24,pneumonitis,
R2,2021-03-20,thyroiditis,1
"""

FINDINGS_BY_DATE = """\
patient_id,date,organ,side,finding,pattern,suvmax,size_mm
R2,2021-03-29,thyroid,,uptake,diffuse,6.1,
P3,2021-04-24,lung,bilateral,opacity,ground_glass,3.2,20
"""
FINDINGS_NO_SUVMAX_ROW2 = """\
patient_id,day,organ,side,finding,pattern,suvmax,size_mm
R2,56,thyroid,,uptake,diffuse,,
P3,54,lung,bilateral,opacity,ground_glass,3.2,20
"""


TEXTS = {
    "lesions": LESIONS, "patients": PATIENTS, "visits": VISITS, "visits_by_day": VISITS_BY_DAY,
    "events": EVENTS, "events_by_day": EVENTS_BY_DAY, "events_ungraded_row2": EVENTS_UNGRADED_ROW2,
    "findings": FINDINGS, "findings_by_date": FINDINGS_BY_DATE,
    "findings_no_suvmax_row2": FINDINGS_NO_SUVMAX_ROW2,
    "samples": SAMPLES,
}
TEXTS |= {f"{key}_header": text.splitlines()[0] + "\n" for key, text in list(TEXTS.items())}

ID_SETS = {
    "text": {},
    "numeric": {"H1": "101", "R2": "102", "P3": "103", "S4": "104"},  # ids a user's frame holds as int64
    "zeros": {"H1": "001", "R2": "002", "P3": "003", "S4": "004"},  # text ids that int64 would change
}
"""The studies of the cases: the example's ids, numeric ids, zero-padded numeric ids."""


def text_frame(key: str, world: str = "text") -> pd.DataFrame:
    """A table of the example read as a file is read: every cell text, empty cells ""."""
    text = TEXTS[key]
    for old, new in ID_SETS[world].items():
        text = re.sub(rf"(?m)^{old},", f"{new},", text)
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


# ---------------------------------------------------------------------------------------------
# The studies and the API entry points


@dataclass(repr=False)
class World:
    """A study of the example (its lesion and patient tables, loaded and assessed), by id set."""

    key: str
    study: object
    timepoints: pd.DataFrame
    best_response: pd.DataFrame
    cache: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # a failure report shows the id set, not the frames
        return f"World({self.key!r})"


def make_world(key: str) -> World:
    study = api.load(text_frame("lesions", key), patients=text_frame("patients", key))
    result = api.run(study, CRITERIA)
    return World(key, study, result.timepoints, result.best_response)


@dataclass(frozen=True)
class Entry:
    """One API entry point reading one table: how it is called, the name its messages give the table, the
    output columns compared (None: all) and those compared as numbers (a value kept as the user gave it)."""

    name: str
    file: str
    call: Callable[[object, World], pd.DataFrame]
    columns: tuple[str, ...] | None = None
    numeric: tuple[str, ...] = ()


def _load_run(patients: object, world: World) -> pd.DataFrame:
    return api.run(api.load(text_frame("lesions", world.key), patients=patients), CRITERIA).patterns


FINDING_COLUMNS = ("patient_id", "reader", "day", "organ", "side", "finding", "pattern", "suvmax", "size_mm")
ENTRIES: dict[str, tuple[Entry, ...]] = {
    "visits": (
        Entry("visit_days", "<visits>", lambda f, w: visit_days(f, w.study, "visits"), ("patient_id", "day")),
        Entry("find_patterns", "<visits>", lambda f, w: find_patterns(
            w.study, w.timepoints, w.best_response, visits=f, definitions=["hpd.lo_russo2019"])),
    ),
    "events": (
        Entry("clinical_events", "<events>", lambda f, w: irae.clinical_events(f, w.study),
              ("patient_id", "day", "event_text")),
        Entry("find_flags", "<events>", lambda f, w: irae.find_flags(
            w.study, w.timepoints, findings=text_frame("findings", w.key), events=f)),
        Entry("find_patterns", "<events>", lambda f, w: find_patterns(
            w.study, w.timepoints, w.best_response, events=f, definitions=["irae"])),
    ),
    "findings": (
        Entry("findings_table", "<findings>", lambda f, w: irae.findings_table(f, w.study), FINDING_COLUMNS),
        Entry("find_flags", "<findings>", lambda f, w: irae.find_flags(w.study, w.timepoints, findings=f)),
        Entry("find_patterns", "<findings>", lambda f, w: find_patterns(
            w.study, w.timepoints, w.best_response, findings=f, definitions=["irae"])),
    ),
    "samples": (
        Entry("il8_changes", "<samples>", lambda f, w: biomarkers.il8_changes(f),
              numeric=("value", "baseline_value", "il8_ratio")),
    ),
    "patients": (
        Entry("evaluate_biomarkers", "<patients>",
              lambda f, w: biomarkers.evaluate_biomarkers(f, source="<patients>")),
        Entry("load_run", "<patient table>", _load_run),
    ),
}

FINDING_ID = re.compile(r"finding \d+")
"""A finding's id is its place in the findings table ("finding 2"): another row order renumbers it."""


def _cell(value: object, numeric: bool) -> str:
    if numeric:
        return f"{float(value):.12g}"  # 40 (text version) and 40.0 (a float column) are the same value
    return FINDING_ID.sub("finding #", str(value))


def normal(frame: pd.DataFrame, entry: Entry) -> pd.DataFrame:
    """An output comparable across dtypes and row orders: the compared columns as text, rows sorted."""
    frame = frame if entry.columns is None else frame[list(entry.columns)]
    out = pd.DataFrame({c: [_cell(v, c in entry.numeric) for v in frame[c]] for c in frame.columns},
                       columns=list(frame.columns))
    return out.sort_values(list(out.columns), kind="stable").reset_index(drop=True)


@dataclass
class Outcome:
    output: pd.DataFrame | None
    error: InputError | None
    warned: list[str]


def last_src_frame(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/src/ioresponse/" in f.filename]
    return f"{frames[-1].filename.split('/src/')[-1]}:{frames[-1].lineno}" if frames else "(no src frame)"


def run_entry(entry: Entry, given: object, world: World) -> Outcome:
    """The entry point on ``given``: its output or InputError, and the IoresponseWarnings it gave. Any other
    exception fails the case, naming the last src frame."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            output, error = entry.call(given, world), None
        except InputError as refused:
            output, error = None, refused
        except Exception as other:  # the rule: InputError or nothing
            pytest.fail(f"{entry.name}: {type(other).__name__}: {other} ({last_src_frame(other)})",
                        pytrace=False)
    warned = [str(w.message) for w in caught if isinstance(w.message, IoresponseWarning)]
    return Outcome(output, error, warned)


def reference(world: World, entry: Entry, key: str) -> tuple[pd.DataFrame, list[str]]:
    """The entry point's output on the text version ``key`` (cached per study)."""
    cache_key = (entry.file, entry.name, key)
    if cache_key not in world.cache:
        outcome = run_entry(entry, text_frame(key, world.key), world)
        assert outcome.error is None, outcome.error
        world.cache[cache_key] = (normal(outcome.output, entry), outcome.warned)
    return world.cache[cache_key]


@pytest.fixture(scope="module")
def worlds():
    made: dict[str, World] = {}

    def get(key: str) -> World:
        if key not in made:
            made[key] = make_world(key)
        return made[key]

    return get


# ---------------------------------------------------------------------------------------------
# Mutations: a frame of the example -> the object a user passes

Mutation = Callable[[pd.DataFrame], object]


def at(row: int) -> int:
    """The position in the frame of file row ``row`` (header = row 1)."""
    return row - 2


def numbers(column: pd.Series) -> pd.Series:
    """Text -> numbers as pd.to_numeric gives them (int64, or float64 where a cell is empty)."""
    return pd.to_numeric(column.replace("", None))


def num(dtype: str) -> Callable[[pd.Series], pd.Series]:
    """Text -> numbers in ``dtype`` ("float64", "Int64", "int64[pyarrow]"...)."""
    return lambda column: numbers(column).astype(dtype)


def typed(column: str, convert: Callable[[pd.Series], pd.Series]) -> Mutation:
    return lambda frame: frame.assign(**{column: convert(frame[column])})


def missing(column: str, row: int, value: object, convert: Callable[[pd.Series], pd.Series] | None = None
            ) -> Mutation:
    """``column`` (converted first) with a missing value of its dtype at file row ``row``."""
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        values = (frame[column] if convert is None else convert(frame[column])).copy()
        values.iloc[at(row)] = value
        return frame.assign(**{column: values})
    return mutate


def cell(row: int, column: str, value: object) -> Mutation:
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame.iloc[at(row), frame.columns.get_loc(column)] = value
        return frame
    return mutate


def chain(*mutations: Mutation) -> Mutation:
    def mutate(frame: pd.DataFrame) -> object:
        for m in mutations:
            frame = m(frame)
        return frame
    return mutate


def index_from(start: int) -> Mutation:
    return lambda frame: frame.set_axis(range(start, start + len(frame)))


def text_index(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_axis([f"r{chr(ord('a') + i)}" for i in range(len(frame))])


def repeated_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Two halves concatenated without ignore_index: the index repeats (0, 1, 2, 0, 1, 2)."""
    half = len(frame) // 2
    return pd.concat([frame.iloc[:half], frame.iloc[half:].reset_index(drop=True)])


def shuffled(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sample(frac=1, random_state=SEED)


def reversed_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[::-1]


def all_as(dtype: object) -> Mutation:
    return lambda frame: frame.astype(dtype)


def empties_as(value: object, dtype: object = None) -> Mutation:
    """Empty cells as ``value`` (None / NaN, what pandas users hold), optionally the table in ``dtype``."""
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.mask(frame == "", value)
        return frame if dtype is None else frame.astype(dtype)
    return mutate


def prepend(row: dict[str, str]) -> Mutation:
    """A row of a patient the study does not have, first: it is left out with a warning (file row 2)."""
    return lambda frame: pd.concat([pd.DataFrame([row]), frame], ignore_index=True)


def duplicate_column(column: str) -> Mutation:
    return lambda frame: pd.concat([frame, frame[[column]]], axis=1)


def first_row_series(frame: pd.DataFrame) -> pd.Series:
    return frame.iloc[0]


def records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


def polars(frame: pd.DataFrame) -> pl.DataFrame:
    return pl.from_pandas(frame)


def nothing(frame: pd.DataFrame) -> None:
    return None


def header_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[:0]


ARROW = pd.ArrowDtype(pa.string())

# ---------------------------------------------------------------------------------------------
# The cases


@dataclass(frozen=True)
class Case:
    table: str  # key of ENTRIES
    source: str  # key of TEXTS mutated
    mutate: Mutation
    expect: str  # same | refuse | noisy | same_or_refuse
    rows: tuple[int, ...] = ()  # file rows of the fault (checked when given)
    column: str | None = None  # column of the fault (checked when given)
    ref: str = ""  # key of TEXTS whose text-version output is expected (default: source)
    world: str = "text"  # id set of the study (ID_SETS)
    entries: tuple[str, ...] = ()  # the entry points called (default: every one reading the table)


def case(table: str, id_: str, mutate: Mutation, expect: str, rows: tuple[int, ...] = (),
         column: str | None = None, *, source: str = "", xfail: str = "", **kw: object):
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(Case(table, source or table, mutate, expect, rows, column, **kw),
                        id=f"{table}-{id_}", marks=marks)


VISITS_BY_DAY_ = {"source": "visits_by_day"}
ECOG_ONLY = {"entries": ("find_patterns",)}  # visit_days does not read ecog
Z9_VISIT = {"patient_id": "Z9", "date": "2021-01-01", "ecog": "1"}

VISIT_CASES = [
    # 1. the same visits in the dtypes users have
    case("visits", "day-int64", typed("day", numbers), "same", **VISITS_BY_DAY_),
    case("visits", "day-float64-whole", typed("day", num("float64")), "same", **VISITS_BY_DAY_),
    case("visits", "day-Int64", typed("day", num("Int64")), "same", **VISITS_BY_DAY_),
    case("visits", "day-timedelta64", typed("day", lambda c: pd.to_timedelta(numbers(c), unit="D")),
         "same_or_refuse", column="day", **VISITS_BY_DAY_),
    case("visits", "ecog-int64", typed("ecog", numbers), "same"),
    case("visits", "ecog-float64-whole", typed("ecog", num("float64")), "same"),
    case("visits", "ecog-Int64", typed("ecog", num("Int64")), "same"),
    case("visits", "ecog-category", typed("ecog", num("category")), "same"),
    case("visits", "date-datetime64", typed("date", pd.to_datetime), "same"),
    case("visits", "date-datetime64-with-time",
         typed("date", lambda c: pd.to_datetime(c) + pd.Timedelta("9h")), "same"),
    case("visits", "date-datetime64-tz", typed("date", lambda c: pd.to_datetime(c).dt.tz_localize("UTC")),
         "same"),
    case("visits", "date-python-date", typed("date", lambda c: pd.to_datetime(c).dt.date), "same"),
    case("visits", "hand-built-ints-and-iso-strings",
         lambda f: pd.DataFrame({"patient_id": list(f["patient_id"]), "date": list(f["date"]),
                                 "ecog": [int(v) for v in f["ecog"]]}), "same"),
    case("visits", "patient_id-category", typed("patient_id", lambda c: c.astype("category")), "same"),
    case("visits", "arrow-string", all_as(ARROW), "same"),
    case("visits", "string-pyarrow", all_as("string[pyarrow]"), "same"),
    case("visits", "index-text", text_index, "same"),
    case("visits", "index-repeated", repeated_index, "same"),
    case("visits", "rows-shuffled", shuffled, "same"),
    case("visits", "patient_id-int64-numeric-ids", typed("patient_id", numbers), "same", world="numeric"),
    case("visits", "patient_id-int64-for-001-ids", typed("patient_id", numbers), "noisy", (2, 3, 4, 5, 6, 7),
         "patient_id", world="zeros"),
    # 2. missing values in each dtype
    case("visits", "day-NaN-row3", missing("day", 3, np.nan, num("float64")), "refuse",
         (3,), "day", **VISITS_BY_DAY_),
    case("visits", "day-None-row3", missing("day", 3, None), "refuse", (3,), "day", **VISITS_BY_DAY_),
    case("visits", "day-pd.NA-Int64-row3", missing("day", 3, pd.NA, num("Int64")),
         "refuse", (3,), "day", **VISITS_BY_DAY_),
    case("visits", "date-NaT-row3", missing("date", 3, pd.NaT, pd.to_datetime), "refuse", (3,), "date"),
    case("visits", "date-None-row3", missing("date", 3, None), "refuse", (3,), "date"),
    case("visits", "ecog-NaN-row3", missing("ecog", 3, np.nan, num("float64")),
         "noisy", (3,), "ecog", **ECOG_ONLY),
    case("visits", "ecog-None-row3", missing("ecog", 3, None), "noisy", (3,), "ecog", **ECOG_ONLY),
    case("visits", "ecog-pd.NA-Int64-row3", missing("ecog", 3, pd.NA, num("Int64")),
         "noisy", (3,), "ecog", **ECOG_ONLY),
    case("visits", "patient_id-None-row3", missing("patient_id", 3, None), "refuse", (3,), "patient_id"),
    case("visits", "patient_id-pd.NA-row3", missing("patient_id", 3, pd.NA), "noisy", (3,), "patient_id"),
    # 3. wrong objects
    case("visits", "series", first_row_series, "refuse"),
    case("visits", "list-of-dicts", records, "same_or_refuse"),
    case("visits", "polars", polars, "same_or_refuse"),
    case("visits", "None-to-visit_days", nothing, "refuse", entries=("visit_days",)),
    case("visits", "empty-with-columns", header_only, "same", ref="visits_header"),
    case("visits", "duplicated-column-date", duplicate_column("date"), "refuse", column="date"),
    case("visits", "duplicated-column-patient_id", duplicate_column("patient_id"), "refuse",
         column="patient_id"),
    case("visits", "duplicated-column-ecog", duplicate_column("ecog"), "refuse", column="ecog", **ECOG_ONLY),
    # 4. rows counted in the frame's order, whatever its index
    case("visits", "ecog-2.5-row4-index-from-100", chain(cell(4, "ecog", "2.5"), index_from(100)), "refuse",
         (4,), "ecog", **ECOG_ONLY),
    case("visits", "day-37.5-row3-index-text", chain(cell(3, "day", "37.5"), text_index), "refuse", (3,),
         "day", **VISITS_BY_DAY_),
    case("visits", "date-2021-02-30-row6-shuffled", chain(shuffled, cell(6, "date", "2021-02-30")), "refuse",
         (6,), "date"),
    case("visits", "ecog-clash-rows-3-8-index-repeated",
         chain(lambda f: pd.concat([f, f.iloc[[1]].assign(ecog="2")]), repeated_index), "refuse", (3, 8),
         "ecog", **ECOG_ONLY),
    case("visits", "date-2021-02-30-row5-after-unknown-patient",
         chain(prepend(Z9_VISIT), cell(5, "date", "2021-02-30")), "refuse", (5,), "date"),
    case("visits", "ecog-7-row5-after-unknown-patient", chain(prepend(Z9_VISIT), cell(5, "ecog", "7")),
         "refuse", (5,), "ecog", **ECOG_ONLY),
]

EVENTS_BY_DAY_ = {"source": "events_by_day"}
CLINICAL_EVENTS_ONLY = {"entries": ("clinical_events",)}

EVENT_CASES = [
    case("events", "day-int64", typed("day", numbers), "same", **EVENTS_BY_DAY_),
    case("events", "grade-int64", typed("grade", numbers), "same"),
    case("events", "grade-Int64", typed("grade", num("Int64")), "same"),
    case("events", "grade-float64-whole", typed("grade", num("float64")), "same"),
    case("events", "grade-category", typed("grade", lambda c: c.astype("category")), "same"),
    case("events", "event-category", typed("event", lambda c: c.astype("category")), "same"),
    case("events", "date-datetime64", typed("date", pd.to_datetime), "same"),
    case("events", "date-python-date", typed("date", lambda c: pd.to_datetime(c).dt.date), "same"),
    case("events", "arrow-string", all_as(ARROW), "same"),
    case("events", "rows-reversed", reversed_rows, "same"),
    case("events", "patient_id-int64-numeric-ids", typed("patient_id", numbers), "same", world="numeric"),
    case("events", "patient_id-int64-for-001-ids", typed("patient_id", numbers), "noisy", (2, 3),
         "patient_id", world="zeros", **CLINICAL_EVENTS_ONLY),
    case("events", "event-None-row2", missing("event", 2, None), "refuse", (2,), "event"),
    case("events", "event-pd.NA-string-row2", missing("event", 2, pd.NA, lambda c: c.astype("string")),
         "refuse", (2,), "event"),
    case("events", "event-NaN-category-row2", missing("event", 2, np.nan, lambda c: c.astype("category")),
         "refuse", (2,), "event"),
    case("events", "date-NaT-row2", missing("date", 2, pd.NaT, pd.to_datetime), "refuse", (2,), "date"),
    case("events", "grade-NaN-float64-row2", missing("grade", 2, np.nan, num("float64")),
         "same", ref="events_ungraded_row2"),
    case("events", "grade-pd.NA-Int64-row2", missing("grade", 2, pd.NA, num("Int64")),
         "same", ref="events_ungraded_row2"),
    case("events", "series", first_row_series, "refuse"),
    case("events", "list-of-dicts", records, "same_or_refuse"),
    case("events", "polars", polars, "same_or_refuse"),
    case("events", "None-to-clinical_events", nothing, "refuse", **CLINICAL_EVENTS_ONLY),
    case("events", "empty-with-columns", header_only, "same", ref="events_header"),
    case("events", "duplicated-column-event", duplicate_column("event"), "refuse", column="event"),
    case("events", "grade-6-row3-index-from-100", chain(cell(3, "grade", "6"), index_from(100)), "refuse",
         (3,), "grade"),
    case("events", "grade-6-row4-after-unknown-patient",
         chain(prepend({"patient_id": "Z9", "date": "2021-01-01", "event": "colitis", "grade": "1"}),
               cell(4, "grade", "6")), "refuse", (4,), "grade"),
]

FINDINGS_TABLE_ONLY = {"entries": ("findings_table",)}

FINDING_CASES = [
    case("findings", "day-int64", typed("day", numbers), "same"),
    case("findings", "numbers-float64-NaN-when-empty",
         chain(typed("suvmax", numbers), typed("size_mm", numbers)), "same"),
    case("findings", "size_mm-Int64-NA-when-empty", typed("size_mm", num("Int64")),
         "same"),
    case("findings", "organ-category", typed("organ", lambda c: c.astype("category")), "same"),
    case("findings", "side-None-when-empty", empties_as(None), "same"),
    case("findings", "side-category-NaN-when-empty",
         chain(empties_as(np.nan), typed("side", lambda c: c.astype("category"))), "same"),
    case("findings", "date-datetime64", typed("date", pd.to_datetime), "same", source="findings_by_date"),
    case("findings", "date-python-date", typed("date", lambda c: pd.to_datetime(c).dt.date), "same",
         source="findings_by_date"),
    case("findings", "string-pyarrow-NA-when-empty", empties_as(None, "string[pyarrow]"), "same"),
    case("findings", "rows-reversed", reversed_rows, "same"),
    case("findings", "organ-None-row2", missing("organ", 2, None), "refuse", (2,), "organ"),
    case("findings", "organ-NaN-category-row2", missing("organ", 2, np.nan, lambda c: c.astype("category")),
         "refuse", (2,), "organ"),
    case("findings", "finding-pd.NA-string-row2", missing("finding", 2, pd.NA, lambda c: c.astype("string")),
         "refuse", (2,), "finding"),
    case("findings", "day-NaN-row2", missing("day", 2, np.nan, num("float64")),
         "refuse", (2,), "day"),
    case("findings", "day-pd.NA-Int64-row2", missing("day", 2, pd.NA, num("Int64")),
         "refuse", (2,), "day"),
    case("findings", "suvmax-NaN-float64-row2", missing("suvmax", 2, np.nan, numbers), "same",
         ref="findings_no_suvmax_row2"),
    case("findings", "series", first_row_series, "refuse"),
    case("findings", "list-of-dicts", records, "same_or_refuse"),
    case("findings", "polars", polars, "same_or_refuse"),
    case("findings", "None-to-findings_table", nothing, "refuse", **FINDINGS_TABLE_ONLY),
    case("findings", "empty-with-columns", header_only, "same", ref="findings_header"),
    case("findings", "duplicated-column-organ", duplicate_column("organ"), "refuse", column="organ"),
    case("findings", "suvmax-negative-row3-index-from-100", chain(cell(3, "suvmax", "-3.2"), index_from(100)),
         "refuse", (3,), "suvmax"),
    case("findings", "side-unknown-word-row3-index-text", chain(cell(3, "side", "both"), text_index), "noisy",
         (3,), "side"),
    case("findings", "suvmax-negative-row4-after-unknown-patient",
         chain(prepend({"patient_id": "Z9", "day": "10", "organ": "colon", "side": "", "finding": "uptake",
                        "pattern": "diffuse", "suvmax": "", "size_mm": ""}), cell(4, "suvmax", "-3.2")),
         "refuse", (4,), "suvmax"),
]

SAMPLE_CASES = [
    case("samples", "day-int64", typed("day", numbers), "same"),
    case("samples", "day-float64-whole", typed("day", num("float64")), "same"),
    case("samples", "day-Int64", typed("day", num("Int64")), "same"),
    case("samples", "value-float64", typed("value", num("float64")), "same"),
    case("samples", "value-Int64", typed("value", num("Int64")), "same"),
    case("samples", "numbers-pyarrow",
         chain(typed("day", num("int64[pyarrow]")),
               typed("value", num("double[pyarrow]"))), "same"),
    case("samples", "patient_id-category", typed("patient_id", lambda c: c.astype("category")), "same"),
    case("samples", "analyte-category", typed("analyte", lambda c: c.astype("category")), "same"),
    case("samples", "arrow-string", all_as(ARROW), "same"),
    case("samples", "rows-shuffled", shuffled, "same"),
    case("samples", "patient_id-int64-numeric-ids", typed("patient_id", numbers), "same", world="numeric"),
    case("samples", "day-NaN-row3", missing("day", 3, np.nan, num("float64")),
         "refuse", (3,), "day"),
    case("samples", "day-pd.NA-Int64-row3", missing("day", 3, pd.NA, num("Int64")),
         "refuse", (3,), "day"),
    case("samples", "value-NaN-row3", missing("value", 3, np.nan, num("float64")),
         "refuse", (3,), "value"),
    case("samples", "value-None-row3", missing("value", 3, None), "refuse", (3,), "value"),
    case("samples", "value-pd.NA-Int64-row3", missing("value", 3, pd.NA, num("Int64")),
         "refuse", (3,), "value"),
    case("samples", "patient_id-None-row3", missing("patient_id", 3, None), "noisy", (3,), "patient_id"),
    case("samples", "unit-None-row3", missing("unit", 3, None), "noisy", (3,), "unit"),
    case("samples", "analyte-None-row3", missing("analyte", 3, None), "noisy", (3,), "analyte"),
    case("samples", "series", first_row_series, "refuse"),
    case("samples", "list-of-dicts", records, "same_or_refuse"),
    case("samples", "polars", polars, "same_or_refuse"),
    case("samples", "None", nothing, "refuse"),
    case("samples", "empty-with-columns", header_only, "same", ref="samples_header"),
    case("samples", "duplicated-column-value", duplicate_column("value"), "refuse", column="value"),
    case("samples", "value-negative-row4-index-text", chain(cell(4, "value", "-30"), text_index), "refuse",
         (4,), "value"),
    case("samples", "value-text-row5-shuffled", chain(shuffled, cell(5, "value", "high")), "refuse", (5,),
         "value"),
]

EVALUATE_ONLY = {"entries": ("evaluate_biomarkers",)}

PATIENT_CASES = [
    case("patients", "numbers-float64-NaN-when-empty",
         chain(*(typed(c, numbers) for c in ("pdl1_tps", "pdl1_cps", "tmb_mut_per_mb",
                                             "prebaseline_sum_mm"))), "same"),
    case("patients", "pdl1-Int64-NA-when-empty",
         chain(typed("pdl1_tps", num("Int64")),
               typed("pdl1_cps", num("Int64"))), "same"),
    case("patients", "line_of_therapy-int64", typed("line_of_therapy", numbers), "same"),
    case("patients", "booleans-object-None-when-empty",
         chain(typed("egfr_alk_negative", lambda c: c.map({"true": True, "": None})),
               typed("prior_treatment_progressed", lambda c: c.map({"true": True, "false": False}))), "same"),
    case("patients", "booleans-boolean-NA-when-empty",
         typed("egfr_alk_negative", lambda c: c.map({"true": True, "": None}).astype("boolean")), "same"),
    case("patients", "dates-datetime64-NaT-when-empty",
         chain(*(typed(c, lambda s: pd.to_datetime(s.replace("", None)))
                 for c in ("treatment_start", "treatment_end", "prebaseline_date"))), "same"),
    case("patients", "treatment_start-python-date",
         typed("treatment_start", lambda c: pd.to_datetime(c).dt.date), "same"),
    case("patients", "all-category", all_as("category"), "same"),
    case("patients", "arrow-string", all_as(ARROW), "same"),
    case("patients", "string-pyarrow-NA-when-empty", empties_as(None, "string[pyarrow]"), "same"),
    case("patients", "NaN-when-empty", empties_as(np.nan), "same"),
    case("patients", "rows-reversed", reversed_rows, "same"),
    case("patients", "series", first_row_series, "refuse"),
    case("patients", "list-of-dicts", records, "same_or_refuse"),
    case("patients", "polars", polars, "same_or_refuse"),
    case("patients", "None-to-evaluate_biomarkers", nothing, "refuse", **EVALUATE_ONLY),
    case("patients", "empty-with-columns", header_only, "same", ref="patients_header"),
    case("patients", "duplicated-column-pdl1_tps", duplicate_column("pdl1_tps"), "refuse", column="pdl1_tps"),
    case("patients", "pdl1_tps-150-row3-index-from-100", chain(cell(3, "pdl1_tps", "150"), index_from(100)),
         "refuse", (3,), "pdl1_tps"),
    case("patients", "tmb-negative-row3-reversed", chain(reversed_rows, cell(3, "tmb_mut_per_mb", "-1")),
         "refuse", (3,), "tmb_mut_per_mb"),
]

CASES = [*VISIT_CASES, *EVENT_CASES, *FINDING_CASES, *SAMPLE_CASES, *PATIENT_CASES]

# ---------------------------------------------------------------------------------------------
# The checks

LOCATED = re.compile(r"^(?P<file><[^>]+>)(?:, rows? (?P<rows>[0-9, \-]+?)(?: and \d+ more)?)?"
                     r"(?:, column (?P<column>[^:]+))?: ")


def located(text: str) -> tuple[str, set[int], str | None] | None:
    """(file, rows, column) of a located message ("<visits>, rows 2-4, 7, column ecog: ...")."""
    match = LOCATED.match(text)
    if match is None:
        return None
    rows: set[int] = set()
    for part in filter(None, (p.strip() for p in (match["rows"] or "").split(","))):
        first, _, last = part.partition("-")
        rows |= set(range(int(first), int(last or first) + 1))
    return match["file"], rows, match["column"]


def assert_points_at_fault(error: InputError, entry: Entry, case_: Case) -> None:
    where = (entry.name, error.file, error.rows, error.column, error.message)
    assert error.file == entry.file, where
    if case_.column is not None:
        assert error.column == case_.column, where
    if case_.rows:
        assert set(error.rows) == set(case_.rows), where


def assert_warned_at_fault(warned: list[str], entry: Entry, case_: Case) -> None:
    places = [located(text) for text in warned]
    wanted = [p for p in places if p is not None and p[0] == entry.file and p[2] == case_.column
              and (not case_.rows or p[1] == set(case_.rows))]
    assert wanted, (entry.name, "no warning located at", case_.rows, case_.column, warned)


def check_entry(case_: Case, entry: Entry, world: World) -> None:
    given = case_.mutate(text_frame(case_.source, case_.world))  # a fresh object for every entry point
    outcome = run_entry(entry, given, world)
    if outcome.error is not None:
        assert case_.expect in ("refuse", "noisy", "same_or_refuse"), ("refused valid data", outcome.error)
        assert_points_at_fault(outcome.error, entry, case_)
        return
    assert case_.expect != "refuse", ("accepted", outcome.warned)
    if case_.expect == "noisy":
        assert_warned_at_fault(outcome.warned, entry, case_)
        return
    want, want_warned = reference(world, entry, case_.ref or case_.source)
    assert outcome.warned == want_warned, outcome.warned
    pd.testing.assert_frame_equal(normal(outcome.output, entry), want, obj=entry.name)


@pytest.mark.parametrize("case_", CASES)
def test_api_input(case_: Case, worlds) -> None:
    world = worlds(case_.world)
    for entry in ENTRIES[case_.table]:
        if case_.entries and entry.name not in case_.entries:
            continue
        try:
            check_entry(case_, entry, world)
        except AssertionError as failed:  # reported without the frames' arguments (DataFrames): fast
            pytest.fail(f"{entry.name}: {failed}", pytrace=False)


# ---------------------------------------------------------------------------------------------
# The text version, by hand (the expected outputs above are its outputs)


def test_text_version_by_hand(worlds) -> None:
    world = worlds("text")
    days = visit_days(text_frame("visits"), world.study, "visits")
    assert list(zip(days["patient_id"], days["day"], strict=True)) == [
        ("H1", -5), ("H1", 37), ("R2", -4), ("R2", 42), ("P3", -3), ("P3", 50)]
    hpd = find_patterns(world.study, world.timepoints, world.best_response, visits=text_frame("visits"),
                        definitions=["hpd.lo_russo2019"])
    assert "ECOG 1 -> 3" in hpd.loc[hpd["patient_id"] == "H1", "reason"].item()
    events = irae.clinical_events(text_frame("events"), world.study)
    assert list(zip(events["patient_id"], events["day"], events["event_text"], strict=True)) == [
        ("P3", 54, "pneumonitis (grade 2)"), ("R2", 47, "thyroiditis (grade 1)")]
    flags = irae.find_flags(world.study, world.timepoints, findings=text_frame("findings"),
                            events=text_frame("events"))
    assert sorted(zip(flags["patient_id"], flags["day"], flags["rule_id"], strict=True)) == [
        ("P3", 54, "IRAE-PNEU"), ("R2", 56, "IRAE-THY")]
    dated = irae.findings_table(text_frame("findings_by_date"), world.study)
    assert list(dated["day"]) == [56, 54]
    il8 = biomarkers.il8_changes(text_frame("samples")).set_index("patient_id")
    assert il8.loc["R2", "il8_ratio"] == pytest.approx(0.55) and il8.loc["R2", "direction"] == "decrease"
    assert il8.loc["P3", "il8_ratio"] == pytest.approx(1.5) and il8.loc["P3", "direction"] == "increase"
    lines = biomarkers.evaluate_biomarkers(text_frame("patients"))
    met = lines.set_index(["patient_id", "rule_id"])["meets_cutoff"]
    assert met["H1", "BM-NSCLC-1L-50"] == "true" and met["R2", "BM-NSCLC-1L-50"] == "false"
    assert met["P3", "BM-TMB-AGNOSTIC"] == "true" and met["S4", "BM-TMB-AGNOSTIC"] == "false"
