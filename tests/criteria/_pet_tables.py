"""PET tables for the metabolic criteria tests, written as lesions with their values per scan day."""

import pandas as pd

from ioresponse.criteria import Study

QC = {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}
"""Liver 2.0 / 0.25 (T = 1.5 x 2.0 + 2 x 0.25 = 3.5) and uptake 60 min: PERCIST checks pass (5.3, 5.4)."""


def pet(lesions, scans=None, value="sulpeak", patient="P1"):
    """Long PET table (spec 1.1) from (lesion_id, role, organ, {day: cell}) rows.

    A cell is a number (goes into ``value``) or a dict of columns (``status``, ``tlg``, ...). A day
    missing from a lesion's dict means the scan has no row for that lesion (spec 1.2). ``scans`` maps
    a day to its per-scan columns; days not in it get ``QC``.
    """
    rows = []
    for lesion_id, role, organ, cells in lesions:
        for day, cell in cells.items():
            row = {"patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role, "organ": organ}
            row |= cell if isinstance(cell, dict) else {value: cell}
            row.setdefault("status", "present")
            row |= (scans or {}).get(day, QC)
            rows.append(row)
    return pd.DataFrame(rows)


def run(criterion, frame, **options):
    return criterion.assess(Study(pet=frame), **options)
