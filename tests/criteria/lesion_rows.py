"""Build validated lesion tables (the io/ contract) from compact hand-typed rows of the spec examples."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ioresponse.criteria import Study


def lesion(
    day: int,
    lesion_id: str,
    value: float | None,
    *,
    role: str | None = None,
    organ: str = "liver",
    node: bool = False,
    status: str = "present",
    patient: str = "P1",
    **extra: object,
) -> dict:
    """One lesion row; ``value`` is the short axis for nodes and the long axis otherwise."""
    if role is None:
        role = (
            {"T": "target", "N": "non_target", "U": "new"}[lesion_id[0]]
            if lesion_id[0] in "TNU"
            else "target"
        )
    row = {
        "patient_id": patient,
        "reader": "",
        "accepted": True,
        "day": day,
        "date": "",
        "lesion_id": lesion_id,
        "role": role,
        "organ": organ,
        "lymph_node": node,
        "long_axis_mm": np.nan,
        "short_axis_mm": np.nan,
        "perpendicular_mm": np.nan,
        "status": status,
        "equivocal": False,
        "clinical_status": "",
        "slice_thickness_mm": np.nan,
        "modality": "ct",
        "note": "",
    }
    if value is not None:
        row["short_axis_mm" if node else "long_axis_mm"] = float(value)
    row.update(extra)
    return row


def study(rows: list[dict], **kwargs: object) -> Study:
    table = pd.DataFrame(rows)
    table["source_row"] = np.arange(len(table)) + 2
    table = table.sort_values(["patient_id", "reader", "day", "lesion_id", "source_row"], kind="stable")
    return Study(lesions=table.reset_index(drop=True), **kwargs)


def responses(timepoints: pd.DataFrame) -> dict[int, str]:
    return dict(zip(timepoints["day"], timepoints["overall_response"], strict=True))
