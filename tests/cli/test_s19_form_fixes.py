"""Fixes of audit s19 "forms" (tests/cli/test_audit_s19_form_invariance.py): the same facts in another form
give the same rows.

- PECRIT's columns of the RECIST-SD branch (spec/metabolic.md 6.5) have one dtype whatever branches a
  cohort takes: ``qc_passed`` a nullable boolean (True/False, empty where the branch did not run), the
  lesion ids text; an object column of booleans or numbers is never turned into the text "True"
  (criteria.text_columns). DESIGN.md "A single patient is a cohort of one".
- PET headers spelt otherwise ("Uptake (min)", "Liver SUL mean", "LIVER-SUL-SD") take the PET contract
  names, as the lesion table's do (README "Input": "the same letters and digits in any case, with any
  punctuation between words"), as the input and with ``--pet``; a bad cell is named by the user's header.
- Integer columns stay integer when criteria whose tables lack them are stacked (api._stacked): PERCIST's
  ``reference_day`` is written -5 alone and beside PERCIMT, never -5.0 (CSV and Parquet).
- ``durable.pons_tostivint2019`` takes the cohort median PFS over each reader's own patients (README "each
  reader is assessed separately"; spec/patterns.md 4.2).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from _cli import PET, assert_accepted, assert_refused, cli, write

import ioresponse
from ioresponse.criteria import TEXT, text_columns

# P1 RECIST SD, P2 RECIST PD at day 25 (PECRIT window 21-28, spec 6.9); rows 2-5 of the file.
PECRIT_PET = (
    "patient_id,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd,recist_response\n"
    "P1,-5,L1,target,lung,8.0,60,2.0,0.25,\n"
    "P1,25,L1,target,lung,5.6,62,2.0,0.25,SD\n"
    "P2,-5,L1,target,lung,8.0,60,2.0,0.25,\n"
    "P2,25,L1,target,lung,5.6,62,2.0,0.25,PD\n"
)


def _run(tmp_path, name, *args, fmt="csv"):
    out = tmp_path / name
    result = cli("assess", *args, "--out", out, "--format", fmt, "--no-patterns")
    assert_accepted(result)
    return out


def _csv(out, table="timepoints"):
    return pd.read_csv(out / f"{table}.csv", dtype=str, keep_default_na=False)


def _assess(frame, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(frame, **kwargs)


# --- 1, 2: PECRIT's SD-branch columns ---------------------------------------------------------------


def test_pecrit_qc_passed_is_a_nullable_boolean_filled_on_the_sd_rows_only(tmp_path):
    frame = pd.read_csv(write(tmp_path, PECRIT_PET, "pet.csv"), keep_default_na=False)
    timepoints = _assess(frame, criteria="pecrit", patterns=False).timepoints
    assert timepoints["qc_passed"].dtype == "boolean"
    # P1 SD: quality checks ran and passed (uptake 60 -> 62 min, liver 2.0 -> 2.0; spec 5.4): True.
    # P2 PD: PET not consulted (spec 6.5): no quality check, an empty cell, never False.
    assert timepoints["qc_passed"].tolist() == [True, pd.NA]
    assert timepoints["reference_lesion"].dtype == TEXT
    assert timepoints["reference_lesion"].fillna("").tolist() == ["L1", ""]


def test_pecrit_without_an_sd_patient_keeps_the_dtypes_of_its_sd_columns(tmp_path):
    # Both patients PD: no row takes the SD branch, the columns are empty, yet of the same dtypes.
    frame = pd.read_csv(write(tmp_path, PECRIT_PET.replace(",SD\n", ",PD\n"), "pet.csv"),
                        keep_default_na=False)
    timepoints = _assess(frame, criteria="pecrit", patterns=False).timepoints
    assert timepoints["qc_passed"].dtype == "boolean"
    assert timepoints["qc_passed"].isna().all()
    assert timepoints["reference_lesion"].dtype == TEXT
    assert timepoints["current_lesion"].dtype == TEXT


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_pecrit_beside_percist_is_written_with_its_qc_passed_as_booleans(tmp_path, fmt):
    path = write(tmp_path, PECRIT_PET, "pet.csv")
    out = _run(tmp_path, "both", path, "--criteria", "percist,pecrit", fmt=fmt)
    if fmt == "csv":
        table = _csv(out)
        pecrit = table[table["criterion"] == "pecrit"]
        assert pecrit["qc_passed"].tolist() == ["True", ""]  # P1 SD passed; P2 PD not checked
        percist = table[table["criterion"] == "percist"]
        assert set(percist["qc_passed"]) <= {"True", "False"}
    else:
        schema = pq.read_table(out / "timepoints.parquet").schema
        assert str(schema.field("qc_passed").type) == "bool"
        assert str(schema.field("reference_lesion").type) in ("string", "large_string")


def test_pecrit_row_of_a_patient_alone_is_written_as_in_the_cohort(tmp_path):
    # DESIGN.md "A single patient is a cohort of one": P1's row, alone and beside P2's.
    path = write(tmp_path, PECRIT_PET, "pet.csv")
    alone_path = write(tmp_path, "".join(PECRIT_PET.splitlines(keepends=True)[:3]), "p1.csv")
    for fmt in ("csv", "parquet"):
        cohort = _run(tmp_path, f"cohort_{fmt}", path, "--criteria", "pecrit", fmt=fmt)
        alone = _run(tmp_path, f"alone_{fmt}", alone_path, "--criteria", "pecrit", fmt=fmt)
        if fmt == "csv":
            pd.testing.assert_frame_equal(_csv(cohort).iloc[:1], _csv(alone))
        else:
            expected = pq.read_table(cohort / "timepoints.parquet")
            got = pq.read_table(alone / "timepoints.parquet")
            assert expected.schema.remove_metadata() == got.schema.remove_metadata()


def test_text_columns_turns_text_into_text_and_leaves_booleans_and_numbers():
    frame = pd.DataFrame({
        "label": np.array(["PR", None], dtype=object),
        "ids": np.array(["T1", 7], dtype=object),  # an id given as a number among text: text "7"
        "flag": np.array([True, np.nan], dtype=object),
        "count": np.array([3, np.nan], dtype=object),
    })
    text_columns(frame)
    assert frame["label"].dtype == TEXT and frame["ids"].dtype == TEXT
    assert frame["ids"].tolist() == ["T1", "7"]
    assert frame["flag"].tolist()[0] is True  # a boolean, not the text "True"
    assert frame["count"].tolist()[0] == 3


# --- 3: PET header spellings ----------------------------------------------------------------------------

SPELLED = PET.replace("uptake_min,liver_sul_mean,liver_sul_sd", "Uptake (min),Liver SUL mean,LIVER-SUL-SD")
LESIONS = (
    "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
    "P1,-5,T1,target,liver,false,40,present\n"
    "P1,56,T1,target,liver,false,28,present\n"
)


def test_pet_headers_spelt_otherwise_give_the_tables_of_the_contract_names(tmp_path):
    good, spelled = write(tmp_path, PET, "pet.csv"), write(tmp_path, SPELLED, "spelled.csv")
    lesions = write(tmp_path, LESIONS, "lesions.csv")
    for label, args in (("input", ()), ("--pet", (lesions, "--pet"))):
        expected = _run(tmp_path, f"good {label}", *args, good, "--criteria", "percist")
        got = _run(tmp_path, f"spelled {label}", *args, spelled, "--criteria", "percist")
        for table in ("timepoints", "best_response"):
            pd.testing.assert_frame_equal(_csv(expected, table), _csv(got, table))
    # PERCIST 1.0: SULpeak 8.0 -> 5.6 is -30% (spec 5.6 PMR needs <= -30% and >= 0.8 SUL drop: 2.4)
    assert _csv(got)["overall_response"].tolist() == ["PMR"]


def test_pet_frame_spelt_otherwise_is_read_in_python_too(tmp_path):
    frame = pd.read_csv(write(tmp_path, SPELLED, "spelled.csv"))
    given = _assess(frame, criteria="percist", patterns=False).timepoints
    expected = _assess(pd.read_csv(write(tmp_path, PET, "pet.csv")), criteria="percist", patterns=False)
    pd.testing.assert_frame_equal(expected.timepoints, given)


@pytest.mark.parametrize("with_lesions", [False, True])
def test_a_bad_cell_of_a_pet_column_spelt_otherwise_is_named_by_the_users_header(tmp_path, with_lesions):
    bad = write(tmp_path, SPELLED.replace(",62,", ",abc,"), "bad.csv")  # row 3 (header = row 1)
    args = (write(tmp_path, LESIONS, "lesions.csv"), "--pet", bad) if with_lesions else (bad,)
    result = cli("assess", *args, "--criteria", "percist", "--out", tmp_path / "out", "--no-patterns")
    assert_refused(result, "bad.csv, row 3, column Uptake (min)", "'abc' is not a number")


# --- 4: integer columns through the stacking ----------------------------------------------------------

WITH_STATUS = "\n".join([PET.splitlines()[0] + ",status",
                         *(line + ",present" for line in PET.splitlines()[1:])])  # PERCIMT reads status


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_integer_columns_stay_integer_when_another_criterion_lacks_them(tmp_path, fmt):
    path = write(tmp_path, WITH_STATUS + "\n", "pet.csv")
    out = _run(tmp_path, "both", path, "--criteria", "percist,percimt", fmt=fmt)
    if fmt == "csv":
        table = _csv(out)
        # baseline on day -5 (spec 1.6 reference_day): -5 on PERCIST's row, empty on PERCIMT's (no column)
        assert table["reference_day"].tolist() == ["-5", ""]
        # PERCIMT: no new lesion, so 0 new lesions over 10 / 15 mm (spec 7.2); PERCIST has no such column
        assert table["new_over_10mm"].tolist() == ["", "0"]
        assert table["new_over_15mm"].tolist() == ["", "0"]
        assert table["new_lesion_count"].tolist() == ["0", "0"]
    else:
        schema = pq.read_table(out / "timepoints.parquet").schema
        for column in ("reference_day", "new_over_10mm", "new_over_15mm", "new_lesion_count"):
            assert str(schema.field(column).type) == "int64", column


def test_each_criterion_alone_is_written_as_its_rows_beside_the_others(tmp_path):
    path = write(tmp_path, WITH_STATUS + "\n", "pet.csv")
    stacked = _csv(_run(tmp_path, "both", path, "--criteria", "percist,percimt"))
    for criterion in ("percist", "percimt"):
        alone = _csv(_run(tmp_path, criterion, path, "--criteria", criterion))
        rows = stacked[stacked["criterion"] == criterion].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, rows[list(alone.columns)])


def test_metabolic_new_lesion_count_stays_integer_beside_an_anatomic_criterion(tmp_path):
    # --pet beside RECIST 1.1, whose table has no new_lesion_count: PERCIST's row still says 0, not 0.0.
    lesions, pet = write(tmp_path, LESIONS, "lesions.csv"), write(tmp_path, PET, "p.csv")
    out = _run(tmp_path, "both", lesions, "--pet", pet, "--criteria", "recist11,percist")
    table = _csv(out)
    assert table.set_index("criterion").loc["percist", "new_lesion_count"] == "0"
    assert table.set_index("criterion").loc["percist", "reference_day"] == "-5"


def test_ipercist_upmd_day_of_a_patient_alone_is_written_as_in_the_cohort(tmp_path):
    # upmd_day, a day that can be missing (NaN outside a UPMD episode), is float64 in every table as
    # progression_day is (criteria/ipercist.py EXTRA_COLUMNS): "49.0" alone and in the cohort (DESIGN "A
    # single patient is a cohort of one").
    # P1: SULpeak 8.0 -> 12.0 (+50%, UPMD on day 49, spec 9); P2: 8.0 -> 5.6 (-30%, no UPMD).
    header = "patient_id,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"
    rows = ["P1,-5,L1,target,lung,8.0,60,2.0,0.25", "P1,49,L1,target,lung,12.0,60,2.0,0.25",
            "P2,-5,L1,target,lung,8.0,60,2.0,0.25", "P2,49,L1,target,lung,5.6,60,2.0,0.25"]
    cohort = _csv(_run(tmp_path, "cohort", write(tmp_path, header + "\n".join(rows) + "\n", "pet.csv"),
                       "--criteria", "ipercist"))
    alone = _csv(_run(tmp_path, "alone", write(tmp_path, header + "\n".join(rows[:2]) + "\n", "p1.csv"),
                      "--criteria", "ipercist"))
    assert alone["upmd_day"].tolist() == ["49.0"]
    assert cohort["upmd_day"].tolist() == ["49.0", ""]  # P2 has no UPMD: an empty cell
    frames = [_assess(pd.read_csv(tmp_path / name), criteria="ipercist", patterns=False).timepoints
              for name in ("pet.csv", "p1.csv")]
    assert [frame["upmd_day"].dtype for frame in frames] == [np.float64, np.float64]


# --- 5: Pons-Tostivint's cohort median, per reader ------------------------------------------------------


def _pfs_rows(patient, pd_day, reader):
    """Baseline T1 40 mm on day -5, scans every 50 days, 60 mm (+50%: PD, RECIST 1.1 4.3.1) on pd_day."""
    return [dict(patient_id=patient, reader=reader, day=d, lesion_id="T1", role="target", organ="liver",
                 lymph_node=False, long_axis_mm=60.0 if d == pd_day else 40.0, status="present")
            for d in (-5, *range(50, pd_day + 1, 50))]


def _pons(rows):
    patterns = _assess(pd.DataFrame(rows), criteria="recist11").patterns
    pons = patterns[patterns["definition"] == "durable.pons_tostivint2019"]
    return {(p, r): (f, why) for p, r, f, why in zip(pons["patient_id"], pons["reader"], pons["flag"],
                                                      pons["reason"], strict=True)}


def test_pons_tostivint_cohort_median_is_each_readers_over_that_readers_patients():
    r1 = _pfs_rows("A", 50, "R1") + _pfs_rows("B", 100, "R1") + _pfs_rows("C", 150, "R1")
    got = _pons(r1 + _pfs_rows("A", 50, "R2"))
    # R1: events on days 50, 100, 150; Kaplan-Meier 2/3, 1/3, 0 -> median 100, threshold 300: all false.
    assert {k: f for k, (f, _) in got.items() if k[1] == "R1"} == {("A", "R1"): "false", ("B", "R1"): "false",
                                                                    ("C", "R1"): "false"}
    assert got["C", "R1"][1] == ("PFS event on day 150 < 3 x median = 300.00 days; median PFS of this "
                                 "reader's 3 patients (recist11; Pons-Tostivint 2019)")
    # R2 reads A alone: event day 50 -> median 50, threshold 150; A's event on day 50 < 150: false.
    assert got["A", "R2"] == ("false", "PFS event on day 50 < 3 x median = 150.00 days; median PFS of this "
                                       "reader's 1 patient (recist11; Pons-Tostivint 2019)")


def test_pons_tostivint_with_one_unnamed_reader_says_no_reader():
    rows = _pfs_rows("A", 50, "") + _pfs_rows("B", 100, "") + _pfs_rows("C", 150, "")
    # events 50, 100, 150 -> median 100, threshold 300 (spec 4.2); the reason as before readers counted
    assert _pons(rows)["C", ""] == ("false", "PFS event on day 150 < 3 x median = 300.00 days (recist11; "
                                             "Pons-Tostivint 2019)")
