"""Lesion rows typed as a user gives them, assessed through the public API (``ioresponse.assess``), for the
audit tests of the anatomic criteria."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import ioresponse


def row(day, lesion_id, value=None, *, role=None, organ="liver", node=False, status="present",
        patient="P1", **extra):
    """One input row (spec/anatomic.md 0.1); ``value`` is the short axis of a node, else the long axis; the
    role follows the id's first letter (T target, N non-target, U new) unless given."""
    if role is None:
        role = {"T": "target", "N": "non_target", "U": "new"}[lesion_id[0]]
    out = dict(patient_id=patient, day=day, lesion_id=lesion_id, role=role, organ=organ, lymph_node=node,
               status=status, long_axis_mm=np.nan, short_axis_mm=np.nan)
    if value is not None:
        out["short_axis_mm" if node else "long_axis_mm"] = float(value)
    out.update(extra)
    return out


def run(rows, criterion="recist11", **options):
    """``rows`` assessed under ``criterion``, the input's warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(pd.DataFrame(rows), criteria=(criterion,), **options)


def by_day(result, column="overall_response"):
    """``column`` of the timepoint table by day."""
    tp = result.timepoints
    return dict(zip(tp["day"].astype(int), tp[column], strict=True))
