"""Dates the package cannot compute with are refused for what they are (session 20).

ISO 8601 dates such as 9999-12-31 (a placeholder "no date" in some systems) are valid dates, but lie
beyond the days pandas' nanosecond timestamps hold (1677-09-22 to 2262-04-11), which every day count of
the package uses. The message says so, at the file, row and column, instead of calling the date "not an
ISO date"; a date that is really malformed keeps that wording.
"""

from __future__ import annotations

from _cli import assert_refused, cli, write

LESIONS = ("patient_id,date,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
           "P1,2021-01-01,T1,target,liver,false,50,present\n"
           "P1,{date},T1,target,liver,false,30,present\n")
PET = ("patient_id,date,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
       "P1,2021-01-05,L1,target,lung,8.0,60,2.0,0.25\n"
       "P1,{date},L1,target,lung,5.6,62,2.1,0.25\n")
OUTSIDE = "is a date outside 1677-09-22 to 2262-04-11"


def test_lesion_date_beyond_2262_is_named_as_out_of_range(tmp_path):
    result = cli("assess", write(tmp_path, LESIONS.format(date="9999-12-31")), "--out", tmp_path / "out")
    assert_refused(result, "lesions.csv, row 3, column date", f"'9999-12-31' {OUTSIDE}", "placeholder")


def test_malformed_lesion_date_is_still_not_an_iso_date(tmp_path):
    result = cli("assess", write(tmp_path, LESIONS.format(date="2021-13-01")), "--out", tmp_path / "out")
    assert_refused(result, "row 3, column date", "'2021-13-01' is not an ISO date (YYYY-MM-DD")


def test_pet_partial_date_beyond_2262_is_named_as_out_of_range(tmp_path):
    patients = write(tmp_path, "patient_id,treatment_start\nP1,2021-01-06\n", "patients.csv")
    pet = write(tmp_path, PET.format(date="9999-03"), "pet.csv")
    result = cli("assess", pet, "--patients", patients, "--criteria", "percist", "--out", tmp_path / "out")
    assert_refused(result, "pet.csv, row 3, column date", f"'9999-03' {OUTSIDE}")


def test_patient_table_date_beyond_2262_is_named_as_out_of_range(tmp_path):
    lesions = write(tmp_path, LESIONS.format(date="2021-03-01"))
    patients = write(tmp_path, "patient_id,treatment_start\nP1,9999-12-31\n", "patients.csv")
    result = cli("assess", lesions, "--patients", patients, "--out", tmp_path / "out")
    assert_refused(result, "patients.csv, row 2, column treatment_start", f"'9999-12-31' {OUTSIDE}")
