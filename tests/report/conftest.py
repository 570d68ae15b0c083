"""Hand-made result tables with the columns of spec/anatomic.md 0.9 (the outputs of `ioresponse assess`).

Four patients under RECIST 1.1 and iRECIST, typed by hand (not produced by the engine):
- P1: -40 % on day 56 and -50 % on day 112: PR (RECIST), iPR (iRECIST), responder from day 56.
- P2: +25 % on day 56 (PD / iUPD), then -10 % on day 112 (after progression for RECIST; iSD for iRECIST).
- P3: -10 % on day 56 (SD / iSD), +30 % on day 112 (PD / iUPD), +40 % on day 168 (iCPD).
- P4: not evaluable on day 56: NE under both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ioresponse.schema import BEST_RESPONSE_COLUMNS, TIMEPOINT_COLUMNS

# patient, criterion, day, pct_change_baseline, overall_response, after_progression
TIMEPOINT_ROWS = [
    ("P1", "recist11", 56, -40.0, "PR", False),
    ("P1", "recist11", 112, -50.0, "PR", False),
    ("P2", "recist11", 56, 25.0, "PD", False),
    ("P2", "recist11", 112, -10.0, "SD", True),
    ("P3", "recist11", 56, -10.0, "SD", False),
    ("P3", "recist11", 112, 30.0, "PD", False),
    ("P3", "recist11", 168, 40.0, "PD", True),
    ("P4", "recist11", 56, np.nan, "NE", False),
    ("P1", "irecist", 56, -40.0, "iPR", False),
    ("P1", "irecist", 112, -50.0, "iPR", False),
    ("P2", "irecist", 56, 25.0, "iUPD", False),
    ("P2", "irecist", 112, -10.0, "iSD", False),
    ("P3", "irecist", 56, -10.0, "iSD", False),
    ("P3", "irecist", 112, 30.0, "iUPD", False),
    ("P3", "irecist", 168, 40.0, "iCPD", False),
    ("P4", "irecist", 56, np.nan, "NE", False),
]

# patient, criterion, best, best confirmed, first_response_day, progression_day, dor, pfs_event, pfs_day
BEST_ROWS = [
    ("P1", "recist11", "PR", "PR", 56, np.nan, 56.0, False, 112),
    ("P2", "recist11", "PD", "PD", np.nan, 56, np.nan, True, 56),
    ("P3", "recist11", "SD", "SD", np.nan, 112, np.nan, True, 112),
    ("P4", "recist11", "NE", "NE", np.nan, np.nan, np.nan, False, 56),
    ("P1", "irecist", "iPR", "iPR", 56, np.nan, 56.0, False, 112),
    ("P2", "irecist", "iSD", "iSD", np.nan, np.nan, np.nan, False, 112),
    ("P3", "irecist", "iSD", "iSD", np.nan, 112, np.nan, True, 112),
    ("P4", "irecist", "NE", "NE", np.nan, np.nan, np.nan, False, 56),
]


def make_timepoints(rows: list[tuple] = TIMEPOINT_ROWS) -> pd.DataFrame:
    """Timepoint table in schema order from (patient, criterion, day, pct, response, after) rows."""
    table = pd.DataFrame(rows, columns=["patient_id", "criterion", "day", "pct_change_baseline",
                                        "overall_response", "after_progression"])
    table["reader"] = ""
    table["date"] = ""
    table["baseline_sum"] = 100.0
    table["current_sum"] = 100.0 * (1 + table["pct_change_baseline"] / 100)
    table["sum_unit"] = "mm"
    table["target_response"] = table["overall_response"]
    table["non_target_response"] = "not_given"
    table["new_lesion_response"] = "not_given"
    table["confirmation_state"] = "not_required"
    table["reason"] = [f"hand-made row {i}: {r}" for i, r in enumerate(table["overall_response"])]
    for column in TIMEPOINT_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan if column.endswith(("sum", "nadir", "_day")) else ""
    return table[list(TIMEPOINT_COLUMNS)]


def make_best_response(rows: list[tuple] = BEST_ROWS) -> pd.DataFrame:
    """Best-response table in schema order from hand-typed rows."""
    table = pd.DataFrame(rows, columns=["patient_id", "criterion", "best_response", "best_response_confirmed",
                                        "first_response_day", "progression_day", "duration_of_response_days",
                                        "pfs_event", "pfs_day"])
    table["reader"] = ""
    table["bor_day"] = np.nan
    table["reason"] = "hand-made"
    return table[list(BEST_RESPONSE_COLUMNS)]


def make_lesions() -> pd.DataFrame:
    """A few rows of the validated lesion table (contract.md) for P1 and P2."""
    return pd.DataFrame({
        "patient_id": ["P1", "P1", "P2"], "reader": "", "accepted": True, "day": [0, 56, 0], "date": "",
        "lesion_id": ["T1", "T1", "T1"], "role": "target", "organ": "liver", "lymph_node": False,
        "long_axis_mm": [50.0, 30.0, 40.0], "short_axis_mm": np.nan, "perpendicular_mm": np.nan,
        "status": "present", "equivocal": False, "clinical_status": "", "slice_thickness_mm": np.nan,
        "modality": "ct", "note": "", "source_row": [2, 3, 4],
    })


def make_patterns() -> pd.DataFrame:
    """One pattern row (spec/patterns.md 0.6) for P2."""
    return pd.DataFrame({
        "patient_id": ["P2"], "pattern": ["pseudoprogression"], "definition": ["irecist_iupd_not_confirmed"],
        "episode": [1], "date": [""], "flag": [True], "values": ['{"pct": 25}'], "evidence": ["day 56, 112"],
        "reason": ["iUPD on day 56 followed by iSD on day 112"],
    })


@pytest.fixture
def timepoints() -> pd.DataFrame:
    return make_timepoints()


@pytest.fixture
def best_response() -> pd.DataFrame:
    return make_best_response()


@pytest.fixture
def assess_outdir(tmp_path):
    """A folder laid out like the output of `ioresponse assess --out DIR` (contract.md)."""
    make_timepoints().to_parquet(tmp_path / "timepoints.parquet", index=False)
    make_best_response().to_parquet(tmp_path / "best_response.parquet", index=False)
    make_lesions().to_parquet(tmp_path / "lesions.parquet", index=False)
    make_patterns().to_parquet(tmp_path / "patterns.parquet", index=False)
    return tmp_path
