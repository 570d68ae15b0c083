"""The vocabulary shared by every layer: column names, categories, option types and errors.

Columns and labels follow DESIGN.md ("The tables") and spec/anatomic.md sections 0.1, 0.3 and 0.9.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Literal, get_args, get_origin


class Role(StrEnum):
    """Lesion role, fixed at baseline (spec/anatomic.md 0.1)."""

    TARGET = "target"
    NON_TARGET = "non_target"
    NEW = "new"


class Status(StrEnum):
    """Lesion status at one assessment (spec/anatomic.md 0.3)."""

    PRESENT = "present"
    ABSENT = "absent"
    UNEQUIVOCAL_PROGRESSION = "unequivocal_progression"
    TOO_SMALL = "too_small"
    NOT_EVALUABLE = "not_evaluable"


class Response(StrEnum):
    """Every response label any criterion writes (spec/anatomic.md 0.9, spec/metabolic.md 1.6)."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    NON_CR_NON_PD = "NON-CR/NON-PD"
    PD = "PD"
    NE = "NE"
    IR_CR = "irCR"
    IR_PR = "irPR"
    IR_SD = "irSD"
    IR_NON_CR_NON_PD = "irNON-CR/NON-PD"
    IR_PD = "irPD"
    ICR = "iCR"
    IPR = "iPR"
    ISD = "iSD"
    NON_ICR_NON_IUPD = "NON-iCR/NON-iUPD"
    IUPD = "iUPD"
    ICPD = "iCPD"


class ConfirmationState(StrEnum):
    """Whether a timepoint needed and got confirmation (spec/anatomic.md 0.9)."""

    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    CONFIRMS = "confirms"


# Component responses (spec/anatomic.md 1.4, 1.5). "not_given" marks a component the input did not
# carry at all (sum-only tables): it is never read as "no lesion".
NON_TARGET_NONE = "none"
NOT_GIVEN = "not_given"

# Input columns (DESIGN.md "The tables"; spec/anatomic.md 0.1).
PATIENT = "patient_id"
READER = "reader"
DATE = "date"
DAY = "day"
LESION = "lesion_id"
ROLE = "role"
ORGAN = "organ"
LYMPH_NODE = "lymph_node"
LONG_AXIS = "long_axis_mm"
SHORT_AXIS = "short_axis_mm"
PERPENDICULAR = "perpendicular_mm"
STATUS = "status"
EQUIVOCAL = "equivocal"
CLINICAL_STATUS = "clinical_status"
SLICE_THICKNESS = "slice_thickness_mm"
MODALITY = "modality"
TARGET_SUM = "target_sum_mm"
NEW_LESIONS = "new_lesions"
NON_TARGET = "non_target"
SOURCE_ROW = "source_row"
"""1-based row of the input file (header = row 1) that a validated row came from."""

TARGET_SUM_LESION = "target_sum"
"""lesion_id of the pseudo-lesion that carries a sum-only table's target sum (io.tables)."""

MEASUREMENT_COLUMNS = (LONG_AXIS, SHORT_AXIS, PERPENDICULAR)

# Output columns (spec/anatomic.md 0.9).
TIMEPOINT_COLUMNS = (
    PATIENT,
    READER,
    "criterion",
    DATE,
    DAY,
    "baseline_sum",
    "nadir_sum",
    "current_sum",
    "sum_unit",
    "sum_complete",
    "pct_change_baseline",
    "pct_change_nadir",
    "abs_change_nadir",
    "target_sum",
    "new_lesion_sum",
    "target_response",
    "non_target_response",
    "new_lesion_response",
    "overall_response",
    "confirmation_state",
    "progression_day",
    "after_progression",
    CLINICAL_STATUS,
    "flags",
    "reason",
)
BEST_RESPONSE_COLUMNS = (
    PATIENT,
    READER,
    "criterion",
    "best_response",
    "best_response_confirmed",
    "bor_day",
    "first_response_day",
    "progression_day",
    "duration_of_response_days",
    "pfs_event",
    "pfs_day",
    "reason",
)

Validation = Literal["raise", "warn"]
"""What a plausibility check does (STYLE.md 6): refuse, or warn and keep the value as given."""

OnBaselineViolation = Literal["error", "warn"]
"""spec/anatomic.md 1.11 A1: a target that breaks the measurability or count rules."""


class IoresponseWarning(UserWarning):
    """Base class of every warning ioresponse emits; a warning never changes a number."""


OPTIONS = "options"
"""The pseudo-file of every error about an option's value (STYLE.md 5): ``InputError(OPTIONS, [], name,
...)`` reads "options, option NAME: ...", whether the option came from the command line (``--option``) or
from Python keywords."""


class InputError(ValueError):
    """Input the toolkit cannot use, located in the user's file.

    Parameters
    ----------
    file : str
        File name (or "<table>" for an in-memory table; :data:`OPTIONS` for an option's value).
    rows : sequence of int
        1-based rows of the file (header = row 1); empty when the problem is the whole table.
    column : str or None
        Column (or DICOM attribute) at fault; with ``file=OPTIONS``, the option.
    message : str
        What is wrong, what was expected and the way out.
    """

    def __init__(self, file: str, rows: Sequence[int], column: str | None, message: str) -> None:
        self.file = file
        self.rows = [int(r) for r in rows]
        self.column = column
        self.message = message
        super().__init__(self.located())

    def located(self) -> str:
        parts = [self.file]
        if self.rows:
            parts.append(_row_text(self.rows))
        if self.column:
            parts.append(f"{'option' if self.file == OPTIONS else 'column'} {self.column}")
        return ", ".join(parts) + f": {self.message}"


def check_choice(option: str, value: object, choices: Any) -> None:
    """Refuse an option value outside its documented choices (STYLE.md 5: choice options are refused,
    never guessed): an InputError naming ``option``, the value given and the allowed values
    ("options, option eortc_metric: 'suvmean' is not one of suvmax, sulpeak, sulmean."). ``choices`` is a
    ``Literal`` alias or a sequence; values match exactly, case included, as the command line does."""
    allowed = get_args(choices) or tuple(choices)
    if value not in allowed:
        raise InputError(OPTIONS, [], option, f"{value!r} is not one of {', '.join(map(str, allowed))}.")


def _row_text(rows: Sequence[int]) -> str:
    shown = sorted(set(rows))
    if len(shown) == 1:
        return f"row {shown[0]}"
    if len(shown) == 2 or shown[-1] - shown[0] != len(shown) - 1:
        listed = ", ".join(str(r) for r in shown[:10])
        more = f" and {len(shown) - 10} more" if len(shown) > 10 else ""
        return f"rows {listed}{more}"
    return f"rows {shown[0]}-{shown[-1]}"


TRUE_WORDS = frozenset({"true", "yes", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "0", "off"})


def coerce_option(name: str, value: Any, hint: Any) -> Any:
    """An option's value checked against its declared type ``hint``, text (``--option min_sd_days=56``)
    converted to it.

    Text for a bool, int or float option (optional or not) is converted; a ``Literal`` option's value
    must be one of its choices (:func:`check_choice`, choices from ``typing.get_args``); a number must be
    finite and >= 0, since every numeric option is a count, a number of days, a size or a threshold
    (STYLE.md 5: an impossible value is refused, never used). Anything else is an :class:`InputError`
    naming the option.
    """
    parts = (hint,) if get_origin(hint) is Literal else get_args(hint) or (hint,)
    choices = [c for part in parts if get_origin(part) is Literal for c in get_args(part)]
    kinds = {k for k in parts if isinstance(k, type)}
    if isinstance(value, str):
        value = _from_text(name, value, kinds)
    if choices and not (value is None and type(None) in kinds):
        check_choice(name, value, choices)
        return value
    return _checked_value(name, value, kinds)


def _from_text(name: str, value: str, kinds: set[type]) -> Any:
    """Text of a bool, int or float option (optional or not) as that kind; other text unchanged."""
    if value.lower() in ("none", "") and type(None) in kinds:
        return None
    if bool in kinds:
        if value.lower() in TRUE_WORDS | FALSE_WORDS:
            return value.lower() in TRUE_WORDS
        raise InputError(OPTIONS, [], name, f'"{value}" is not true or false')
    for kind in (int, float):
        if kind in kinds:
            try:
                return kind(value)
            except ValueError:
                expected = "a whole number" if kind is int else "a number"
                raise InputError(OPTIONS, [], name, f'"{value}" is not {expected}') from None
    return value


def _checked_value(name: str, value: Any, kinds: set[type]) -> Any:
    """A Python value of a bool, int, float or text option (optional or not) of the declared kind: a whole
    float for an int (56.0 -> 56), a finite real number >= 0 for an int or a float; anything else is an
    InputError."""
    if not kinds or not kinds <= {bool, int, float, str, type(None)}:
        return value  # a value of another kind (a tuple, a mapping): the criterion checks it
    if value is None and type(None) in kinds:
        return None
    if isinstance(value, str) and str in kinds:
        return value
    kind = type(value)
    is_bool = isinstance(value, bool) or (kind.__module__ == "numpy" and "bool" in kind.__name__)
    if bool in kinds and is_bool:
        return bool(value)
    whole = int in kinds and float not in kinds
    if not is_bool and isinstance(value, numbers.Real) and kinds & {int, float}:  # numpy numbers too
        if not math.isfinite(value) or value < 0:
            fault = "negative" if value < 0 else "not a finite number"
            expected = "a whole number" if whole else "a number"
            raise InputError(OPTIONS, [], name, f"{value!r} is {fault}; expected {expected} >= 0 (a count, a "
                                                "number of days, a size or a threshold)")
        if not whole:
            return float(value)
        if float(value).is_integer():
            return int(value)
    expected = ("true or false" if bool in kinds else "a whole number" if int in kinds
                else "a number" if float in kinds else "text")
    raise InputError(OPTIONS, [], name, f"{value!r} is not {expected}")
