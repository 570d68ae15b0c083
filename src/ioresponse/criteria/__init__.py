"""Response criteria: one module per criterion, registered here by its key.

Each module defines ``CRITERION = Criterion(...)``; adding a criterion is one new module and one line
in ``_MODULES`` below. A criterion takes a validated :class:`Study` and returns a
:class:`CriterionResult` whose tables have the columns of spec/anatomic.md 0.9 (metabolic criteria:
spec/metabolic.md 1.6), so that every criterion lines up in one timepoint table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionArray

from ioresponse.schema import BEST_RESPONSE_COLUMNS, OPTIONS, InputError

Family = Literal["anatomic", "metabolic"]

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
"""Dtype of the text columns of the result tables: strings in Arrow buffers, NaN when missing (the
default string dtype of pandas 3). A cohort's labels and reasons are built, stacked across criteria
and written without one Python object per cell."""

BASELINE_SUM = "baseline_sum"
"""The patient's baseline value, as the criterion's timepoint rows carry it (spec/anatomic.md 0.9,
metabolic.md 1.6); on the best-response row too, computed from the baseline scan for a patient without
follow-up, so that the ``measurable_at_baseline`` denominator reads it (spec/patterns.md 7). NaN only
where the criterion has no baseline value (PERCIMT sums no uptake, metabolic.md 7.2; imPERCIST without
a measurable baseline lesion, 8.3)."""

MEASURABILITY_THRESHOLD = "measurability_threshold"
"""The PERCIST threshold T of the baseline scan (spec/metabolic.md 5.3), written by PERCIST, iPERCIST,
imPERCIST and PECRIT on their timepoint and best-response rows; NaN without a reference region."""

MEASURABLE_DISEASE = "measurable_disease"
"""Whether the baseline has a target (irRC: index lesion) that is measurable and measured (RECIST 1.1
sec. 3.1, spec/anatomic.md 1.2; irRC 2.2), written by the anatomic criteria on their best-response rows.
False for a patient without targets, and for one whose every baseline target is below the measurable
size or not measured (kept by ``on_baseline_violation="warn"``): their ``baseline_sum`` may exceed 0, yet
the ``measurable_at_baseline`` denominator leaves them out (spec/patterns.md 7)."""

BEST_RESPONSE_DAYS = ("best_response_day", "best_response_confirmed_day")
"""The day of ``best_response`` and the day of ``best_response_confirmed``, written by the anatomic criteria
on their best-response rows beside ``bor_day`` (the day of the one that drives the dates, spec 0.9), so that
an export dates each of the two (ADaM ADRS BOR and CBOR). A metabolic criterion confirms no response
(spec/metabolic.md 1.6): its two best responses, and their day, are one."""

BEST_RESPONSE_TABLE_COLUMNS = (*BEST_RESPONSE_COLUMNS, BASELINE_SUM)
"""The columns every criterion's best-response table starts with: the schema's (spec/anatomic.md 0.9,
metabolic.md 1.6), then :data:`BASELINE_SUM`; the criterion's own columns follow."""


def as_text(values: Any) -> ExtensionArray:
    """``values`` (a pyarrow string array, or a sequence of str) as a :data:`TEXT` array."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        try:
            values = pa.array(values, pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all str (ids given as numbers): pandas casts
            return pd.array(values, dtype=TEXT)
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return TEXT.construct_array_type()(values)
    return pd.array(values, dtype=TEXT)


NOT_TEXT = frozenset({"boolean", "integer", "floating", "mixed-integer-float", "decimal"})
"""What ``pandas.api.types.infer_dtype`` calls an object column whose values are all booleans or numbers
(missing cells aside): a value a criterion fills on some rows only, never text ("True")."""


def text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its object columns that hold text as :data:`TEXT`, in place; an object column of
    booleans or numbers (:data:`NOT_TEXT`) stays as it is."""
    for column in frame.columns[[dtype == np.dtype(object) for dtype in frame.dtypes]]:
        if pd.api.types.infer_dtype(frame[column], skipna=True) not in NOT_TEXT:
            frame[column] = as_text(frame[column].to_numpy())
    return frame


@dataclass(frozen=True)
class Study:
    """Validated inputs of one run.

    lesions : anatomic long table (one row per lesion per assessment), canonical columns, sorted by
        patient_id, reader, day, lesion_id; ``source_row`` traces each row to the user's file; text
        columns as :data:`TEXT` (object strings are accepted and converted where used).
        Sum-only inputs arrive here as one pseudo-lesion per component (io.tables).
    pet : metabolic long table (spec/metabolic.md 1.1), or None.
    patients : patient table (one row per patient_id), or None.
    missing_components : components the input did not carry ("non_target", "new"): a criterion
        reports them as ``not_given`` and says so in ``reason``; it never reads them as "none".
    recorded : the readers' own timepoint calls (SDTM RS), columns patient_id, reader, day, date,
        visit, recorded_response, source_row; None when the input has none.
    excluded : input rows not used, with the reason, columns source_row, patient_id, column, reason:
        rows at fault with ``on_invalid="exclude"``, and rows that are not lesion measurements (SDTM
        SUMDIAM, the sponsor's own sums). Nothing the user gave is dropped silently.
    source : file name used in error messages.
    patients_source : the patient table's name in error messages (its file, or "<patient table>").
    column_names : the name in ``source`` of every contract column it spells otherwise, by contract name
        (a header "Long Axis (mm)" or one renamed by ``column_map``, the SDTM variable a column comes
        from such as TRSTRESN, a sum-only table's ``target_sum_mm`` for ``long_axis_mm``), as io.load
        found them: messages about rows of ``source`` name the column the user sees (ioresponse.api.run
        renames the column of a criterion's InputError so).
    """

    lesions: pd.DataFrame | None = None
    pet: pd.DataFrame | None = None
    patients: pd.DataFrame | None = None
    missing_components: frozenset[str] = field(default_factory=frozenset)
    recorded: pd.DataFrame | None = None
    excluded: pd.DataFrame | None = None
    source: str = "<table>"
    patients_source: str = "<patient table>"
    column_names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CriterionResult:
    """Timepoint rows (one per follow-up) and best-response rows (one per patient x reader).

    Text columns are :data:`TEXT` whatever the criterion built, so that the criteria's tables stack
    into one without conversion.
    """

    timepoints: pd.DataFrame
    best_response: pd.DataFrame

    def __post_init__(self) -> None:
        text_columns(self.timepoints)
        text_columns(self.best_response)


@dataclass(frozen=True)
class Criterion:
    """A registered criterion.

    key : name accepted by ``--criteria`` (spec/anatomic.md 0.9 "Criterion keys").
    title : human name with its primary source.
    family : "anatomic" reads ``Study.lesions``; "metabolic" reads ``Study.pet``.
    required_columns : columns the criterion cannot run without (``--criteria all`` skips it and
        says which are missing).
    assess : ``assess(study, **options) -> CriterionResult``.
    option_columns : required columns an option names, as (option, default column) pairs (EORTC's
        ``eortc_metric``, suvmax by default, spec/metabolic.md 4.10).
    """

    key: str
    title: str
    family: Family
    required_columns: tuple[str, ...]
    assess: Callable[..., CriterionResult]
    option_columns: tuple[tuple[str, str], ...] = ()

    def missing_columns(self, study: Study, options: Mapping[str, Any] | None = None) -> list[str]:
        """Required columns, with those ``options`` name, that the study lacks or holds only empty
        values in (e.g. no perpendicular diameter anywhere, as in a sum-only table, for irRC)."""
        table = study.lesions if self.family == "anatomic" else study.pet
        if table is None:
            return [f"{self.family} table"]
        named = [str((options or {}).get(option, default)) for option, default in self.option_columns]
        return [c for c in (*self.required_columns, *named) if c not in table.columns or _empty(table[c])]


def _empty(column: pd.Series) -> bool:
    """A measurement column with no value at all (text columns are checked by io/ validation)."""
    return column.dtype.kind == "f" and not column.notna().any()


def check_confirmation_window(
    confirm_min_days: int, confirm_max_days: int | None, confirm_tolerance_days: int = 0
) -> None:
    """Refuse a confirmation window that cannot hold an assessment (options of spec/anatomic.md 0.8 and
    4.11 D3-D4): the deciding assessment comes ``confirm_min_days`` or later after the first (i)PD, so a
    ``confirm_max_days`` below it would flag every one late, and iRECIST's ``confirm_tolerance_days``
    accepts ``confirm_min_days - tolerance`` days, which must not be before the iUPD itself."""
    if confirm_max_days is not None and confirm_max_days < confirm_min_days:
        raise InputError(OPTIONS, [], "confirm_max_days",
                         f"{confirm_max_days} is below confirm_min_days ({confirm_min_days}): the deciding "
                         f"assessment comes at least confirm_min_days after the progression (spec 0.8, "
                         f"4.11 D4); expected a number of days >= {confirm_min_days}")
    if confirm_tolerance_days > confirm_min_days:
        raise InputError(OPTIONS, [], "confirm_tolerance_days",
                         f"{confirm_tolerance_days} exceeds confirm_min_days ({confirm_min_days}): the "
                         f"earliest accepted scan would be {confirm_min_days} - {confirm_tolerance_days} = "
                         f"{confirm_min_days - confirm_tolerance_days} days after the iUPD (spec 4.11 D3); "
                         f"expected at most {confirm_min_days}")


_MODULES = (
    "recist11",
    "irrc",
    "irrecist",
    "irecist",
    "imrecist",
    "eortc",
    "percist",
    "pecrit",
    "percimt",
    "impercist",
    "ipercist",
)


def registry() -> dict[str, Criterion]:
    """Every available criterion by key, in the order reports show them."""
    criteria = [import_module(f"{__name__}.{name}").CRITERION for name in _MODULES]
    return {c.key: c for c in criteria}
