"""Validated lesion tables (briefs/contract.md) typed by hand for the pattern examples."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ioresponse.criteria import Study


def lesion(day: int, lesion_id: str, value: float | None, *, role: str = "target", organ: str = "lung",
           node: bool = False, status: str = "present", patient: str = "P1", **extra: object) -> dict:
    """One lesion row; ``value`` is the short axis for nodes and the long axis otherwise."""
    row = {
        "patient_id": patient, "reader": "", "accepted": True, "day": day, "date": "", "lesion_id": lesion_id,
        "role": role, "organ": organ, "lymph_node": node, "long_axis_mm": np.nan, "short_axis_mm": np.nan,
        "perpendicular_mm": np.nan, "status": status, "equivocal": False, "clinical_status": "",
        "slice_thickness_mm": np.nan, "modality": "ct", "note": "",
    }
    if value is not None:
        row["short_axis_mm" if node else "long_axis_mm"] = float(value)
    row.update(extra)
    return row


def study(rows: list[dict], **kwargs: object) -> Study:
    """A Study whose lesion table is sorted as io/ leaves it."""
    table = pd.DataFrame(rows)
    table["source_row"] = np.arange(len(table)) + 2
    table = table.sort_values(["patient_id", "reader", "day", "lesion_id", "source_row"], kind="stable")
    return Study(lesions=table.reset_index(drop=True), **kwargs)


def timepoint(patient: str, criterion: str, day: int, response: str) -> dict:
    """A minimal timepoint row (schema.TIMEPOINT_COLUMNS subset the pattern rules read)."""
    return {"patient_id": patient, "reader": "", "criterion": criterion, "date": "", "day": day,
            "overall_response": response, "current_sum": np.nan, "nadir_sum": np.nan, "baseline_sum": np.nan,
            "confirmation_state": ""}
