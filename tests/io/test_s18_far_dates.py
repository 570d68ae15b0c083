"""A date more than 100 years from the treatment start is refused, as a `day` that far is.

README: bad input stops with a located message (file, row, column) and exit code 2. A `day` column value
beyond 100 years (36,525 days) was already refused; the same day computed from a date (an Excel "zero"
date 1899-12-30, a year typed 2204) was accepted and placed the scan 124 years before the first dose.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from _cli import cli, flat, write  # noqa: E402

HEADER = "patient_id,date,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"


@pytest.mark.parametrize("date", ["1899-12-30", "2204-02-26"])
def test_a_date_a_century_from_treatment_start_is_refused_at_its_row(tmp_path, date):
    lesions = write(tmp_path, HEADER + f"P1,{date},T1,target,liver,false,20,present\n"
                                       "P1,2024-02-26,T1,target,liver,false,20,present\n")
    patients = write(tmp_path, "patient_id,treatment_start\nP1,2024-01-01\n", "patients.csv")
    result = cli("assess", lesions, "--patients", patients, "--out", tmp_path / "out", "--no-patterns")
    assert result.exit_code == 2, result.output
    # |1899-12-30 - 2024-01-01| = 45,293 days and 2204-02-26 - 2024-01-01 = 65,799 days, both > 36,525
    assert f"lesions.csv, row 2, column date: {date} is more than 100 years from patient P1's" in flat(result)


def test_a_date_within_a_century_is_read(tmp_path):
    # 2023-12-30 - 2024-01-01 = -2 days: a baseline two days before the first dose
    lesions = write(tmp_path, HEADER + "P1,2023-12-30,T1,target,liver,false,20,present\n"
                                       "P1,2024-02-26,T1,target,liver,false,20,present\n")
    patients = write(tmp_path, "patient_id,treatment_start\nP1,2024-01-01\n", "patients.csv")
    result = cli("assess", lesions, "--patients", patients, "--out", tmp_path / "out", "--no-patterns")
    assert result.exit_code == 0, result.output


def test_a_pet_scan_dated_a_century_from_treatment_start_is_refused(tmp_path):
    header = "patient_id,date,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
    pet = write(tmp_path, header + "P1,1899-12-30,L1,target,lung,8.0,60,2.0,0.25\n"
                          "P1,2024-02-26,L1,target,lung,5.6,60,2.0,0.25\n", "pet.csv")
    patients = write(tmp_path, "patient_id,treatment_start\nP1,2024-01-01\n", "patients.csv")
    result = cli("assess", pet, "--patients", patients, "--out", tmp_path / "out", "--no-patterns")
    assert result.exit_code == 2, result.output
    expected = "pet.csv, row 2, column date: more than 100 years from the patient's treatment_start"
    assert expected in flat(result)
