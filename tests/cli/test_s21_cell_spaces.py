"""Spaces around a cell's text are not part of it (README "Input: the lesion table"): "P1 " is patient P1
and " T1" is lesion T1, as a spreadsheet shows them, in a CSV file."""

from __future__ import annotations

import pandas as pd
from _cli import HEADER, assert_accepted, assess, write


def test_ids_with_surrounding_spaces_are_the_ids_without_them(tmp_path):
    # P1: T1 40 mm at day -7, " T1 " 28 mm at day 56 for patient " P1 ": one patient, one lesion, -30.00 %
    # (<= -30 %): PR (RECIST 1.1 sec. 4.3.1). Read as two patients, " P1 " would have no baseline.
    text = HEADER + "P1,-7,T1,target,liver,false,40,,present\n P1 ,56, T1 ,target,liver,false,28,,present\n"
    assert_accepted(assess(tmp_path, write(tmp_path, text), "--criteria", "recist11"))
    timepoints = pd.read_csv(tmp_path / "out" / "timepoints.csv", dtype=str, keep_default_na=False)
    assert timepoints[["patient_id", "day", "overall_response"]].values.tolist() == [["P1", "56", "PR"]]
