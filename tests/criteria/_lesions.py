"""Literal lesion tables for the immune-criteria tests, in the validated contract of Study.lesions.

The worked examples of spec/anatomic.md sections 2.10, 3.10, 4.10 and 5.10 are typed as whitespace
separated text, one row per lesion per assessment, with only the columns that matter:

    day lesion role   organ node long perp short status
    -7  L1     target liver n    40   30   -     present

``-`` is an empty value. ``node`` and ``equivocal`` take ``y``/``n``. Every other contract column
(brief contract.md) gets its neutral value, so the table is what io/ validation would hand over.
"""

from __future__ import annotations

import io

import pandas as pd

from ioresponse.criteria import CriterionResult, Study

_RENAME = {
    "lesion": "lesion_id",
    "node": "lymph_node",
    "long": "long_axis_mm",
    "short": "short_axis_mm",
    "perp": "perpendicular_mm",
    "clinical": "clinical_status",
    "patient": "patient_id",
    "increase": "increase_since_previous",
}
_DEFAULTS = {
    "patient_id": "P1",
    "reader": "",
    "accepted": True,
    "date": "",
    "lymph_node": False,
    "long_axis_mm": float("nan"),
    "short_axis_mm": float("nan"),
    "perpendicular_mm": float("nan"),
    "equivocal": False,
    "clinical_status": "",
    "slice_thickness_mm": float("nan"),
    "modality": "ct",
    "note": "",
}
CONTRACT_COLUMNS = (
    "patient_id",
    "reader",
    "accepted",
    "day",
    "date",
    "lesion_id",
    "role",
    "organ",
    "lymph_node",
    "long_axis_mm",
    "short_axis_mm",
    "perpendicular_mm",
    "status",
    "equivocal",
    "clinical_status",
    "slice_thickness_mm",
    "modality",
    "note",
    "source_row",
)
_FLOATS = ("long_axis_mm", "short_axis_mm", "perpendicular_mm", "slice_thickness_mm")
_BOOLS = ("lymph_node", "equivocal", "accepted")


def lesions(text: str, **constant: object) -> pd.DataFrame:
    """Parse a literal table into the validated lesion-table contract.

    Parameters
    ----------
    text : str
        Whitespace-separated table with a header line (short names as in the module docstring).
    **constant
        Columns with one value on every row (for example ``patient_id="P2"``).
    """
    lines = "\n".join(line.strip() for line in text.strip().splitlines())
    raw = pd.read_csv(io.StringIO(lines), sep=r"\s+", dtype=str, keep_default_na=False)
    table = raw.rename(columns=_RENAME).replace("-", "")
    for column, value in constant.items():
        table[column] = value
    for column, value in _DEFAULTS.items():
        if column not in table.columns:
            table[column] = value
    for column in _FLOATS:
        table[column] = pd.to_numeric(table[column].replace("", None), errors="raise").astype("float64")
    for column in _BOOLS:
        table[column] = table[column].map(_as_bool).astype(bool)
    table["day"] = table["day"].astype("int64")
    table["organ"] = table["organ"].str.lower()
    table["source_row"] = pd.RangeIndex(2, len(table) + 2).astype("int64")
    extra = [c for c in table.columns if c not in CONTRACT_COLUMNS]
    table = table[list(CONTRACT_COLUMNS) + extra]
    return table.sort_values(["patient_id", "reader", "day", "lesion_id", "source_row"]).reset_index(
        drop=True
    )


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"y", "yes", "true", "1"}


def cohort(*tables: pd.DataFrame) -> pd.DataFrame:
    """Several patients' tables as one validated table (source rows renumbered)."""
    table = pd.concat(tables, ignore_index=True)
    table["source_row"] = pd.RangeIndex(2, len(table) + 2).astype("int64")
    return table.sort_values(["patient_id", "reader", "day", "lesion_id", "source_row"]).reset_index(
        drop=True
    )


def study(table: pd.DataFrame) -> Study:
    """A Study holding only the lesion table."""
    return Study(lesions=table)


def by_day(
    result: CriterionResult, column: str = "overall_response", patient: str = "P1"
) -> dict[int, object]:
    """One timepoint column of one patient, keyed by assessment day."""
    rows = result.timepoints[result.timepoints["patient_id"] == patient]
    return dict(zip(rows["day"].astype(int), rows[column], strict=True))


def best(result: CriterionResult, patient: str = "P1") -> pd.Series:
    """The best-response row of one patient."""
    rows = result.best_response[result.best_response["patient_id"] == patient]
    assert len(rows) == 1, f"expected one best-response row for {patient}, got {len(rows)}"
    return rows.iloc[0]


def flags_on(result: CriterionResult, day: int, patient: str = "P1") -> str:
    """The flags text of one timepoint."""
    return str(by_day(result, "flags", patient)[day])
