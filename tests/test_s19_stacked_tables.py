"""Fixes of audit s19 "schema" (tests/test_audit_s19_output_schema.py) in the tables ``assess`` writes.

- Criteria stacked in one table (api._stacked): the table has the columns of every criterion run, a
  criterion without rows too (spec/anatomic.md 0.9: "an empty result table still has its columns"); a
  column some criteria do not write keeps its kind on their rows: integer "Int64" and boolean "boolean",
  empty there, and text "" (README "Python": "an empty value is ''").
- A patient whose TR holds a baseline only has its RS call compared, "(no assessment)", alone as in a
  cohort (DESIGN.md "Engine principles": a single patient is a cohort of one).
- Every table written has one text type, so that the Parquet tables join on patient_id (DESIGN.md "The
  tables"); the CSV text is unchanged.
- With --pet, a metabolic criterion's error names the PET file, not the anatomic input (STYLE: a clear,
  located error).
"""

from __future__ import annotations

import filecmp
import warnings

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.io.tables import write_csv
from ioresponse.schema import InputError

QC = "uptake_min,liver_sul_mean,liver_sul_sd"
# PERCIST checks pass: uptake 60 min, T = 1.5 x 2.0 + 2 x 0.25 = 3.5 (spec/metabolic.md 5.3, 5.4)
PET_HEADER = ("patient_id,day,lesion_id,role,organ,sulpeak,suvmax,functional_diameter_mm,status,"
              f"cycles_before_scan,{QC}\n")
PET_BASELINE = "P1,-5,L1,target,lung,8.0,10.4,20,present,0,60,2.0,0.25\n"
PET_FOLLOW_UP = "P1,56,L1,target,lung,5.6,7.3,20,present,2,60,2.0,0.25\n"  # -30%: PMR (spec 5.5)
LESIONS = (
    "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
    "P1,-7,T1,target,liver,False,40,present\n"
    "P1,56,T1,target,liver,False,28,present\n"  # -30%: PR (RECIST 1.1 sec. 4.3.1)
)


def assess(*args: object, **kwargs: object) -> ioresponse.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(*args, patterns=False, **kwargs)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "les.csv").write_text(LESIONS)
    (tmp_path / "pet_baseline.csv").write_text(PET_HEADER + PET_BASELINE)
    (tmp_path / "pet.csv").write_text(PET_HEADER + PET_BASELINE + PET_FOLLOW_UP)
    return tmp_path


# ---------------------------------------------------------------------------------------------------------
# Stacked criteria


def test_an_empty_stacked_table_has_every_criterions_columns_and_types(files):
    # baseline scans only: no follow-up, so neither EORTC nor PERCIST has a timepoint row; the empty table
    # has the columns of both (spec 0.9), EORTC's first as asked, and each with its type alone
    eortc = assess(files / "pet_baseline.csv", "eortc").timepoints
    percist = assess(files / "pet_baseline.csv", "percist").timepoints
    both = assess(files / "pet_baseline.csv", ("eortc", "percist")).timepoints
    assert len(both) == 0
    assert list(both.columns)[:len(eortc.columns)] == list(eortc.columns)
    assert set(both.columns) == set(eortc.columns) | set(percist.columns)
    for column in percist.columns:  # same kind alone and stacked (an integer may become nullable "Int64")
        alone, stacked = percist[column].dtype, both[column].dtype
        assert (alone.kind, str(alone)) == (stacked.kind, str(stacked)) or \
            (alone.kind in "iub" and stacked.kind == alone.kind), column


def test_a_criterion_without_rows_beside_one_with_rows_keeps_its_columns(files):
    # --pet with a PET table of baseline scans: RECIST 1.1 has its day-56 row (PR), PERCIST none; the
    # table still has PERCIST's columns (qc_passed, measurability_threshold, reference_lesion)
    result = assess(files / "les.csv", ("recist11", "percist"), pet=files / "pet_baseline.csv")
    timepoints = result.timepoints
    assert list(timepoints["criterion"]) == ["recist11"]
    assert list(timepoints["overall_response"]) == ["PR"]
    percist = assess(files / "pet_baseline.csv", "percist").timepoints
    assert [c for c in percist.columns if c not in timepoints] == []
    # on RECIST's row, PERCIST's text columns are "" and its others empty
    assert timepoints.loc[0, "reference_lesion"] == ""
    assert pd.isna(timepoints.loc[0, "measurability_threshold"])


def test_boolean_and_integer_columns_some_criteria_lack_stay_boolean_and_integer(files):
    result = assess(files / "les.csv", ("recist11", "percist"), pet=files / "pet.csv")
    best = result.best_response.set_index("criterion")
    # measurable_disease: written by the anatomic criteria only (criteria.MEASURABLE_DISEASE); T1 40 mm is
    # measurable (RECIST 1.1 sec. 3.1): True on RECIST's row, empty on PERCIST's, and a boolean column
    assert str(result.best_response["measurable_disease"].dtype) == "boolean"
    assert best.loc["recist11", "measurable_disease"]
    assert pd.isna(best.loc["percist", "measurable_disease"])
    # reference_day: PERCIST's baseline scan on day -5, an integer; empty on RECIST's row
    timepoints = result.timepoints.set_index("criterion")
    assert str(result.timepoints["reference_day"].dtype) == "Int64"
    assert timepoints.loc["percist", "reference_day"] == -5
    assert pd.isna(timepoints.loc["recist11", "reference_day"])


def test_text_a_criterion_lacks_is_an_empty_string_in_python_csv_and_parquet(files):
    # PERCIMT's resolved_lesions (lesion ids) is not a PERCIST column: "" on PERCIST's row (README "Python")
    result = assess(files / "pet.csv", ("percist", "percimt"))
    timepoints = result.timepoints.set_index("criterion")
    assert timepoints.loc["percist", "resolved_lesions"] == ""
    result.to_csv(files / "out")
    result.to_parquet(files / "out")
    written = pd.read_csv(files / "out" / "timepoints.csv", dtype=str, keep_default_na=False)
    assert written.set_index("criterion").loc["percist", "resolved_lesions"] == ""  # an empty cell
    assert pq.read_table(files / "out" / "timepoints.parquet").column("resolved_lesions").null_count == 0


# ---------------------------------------------------------------------------------------------------------
# recorded_vs_computed of a patient without follow-up

TU = "USUBJID,TULNKID,TUSTRESC,TULOC\nS1,T01,TARGET,LIVER\n"
TR = "USUBJID,TRLNKID,TRTESTCD,TRSTRESC,TRSTRESN,TRSTRESU,TRDTC,TRDY\nS1,T01,LDIAM,40,40,mm,2021-03-01,-6\n"
RS = ("USUBJID,RSTESTCD,RSTEST,RSCAT,RSORRES,RSSTRESC,RSDTC,RSDY\n"
      "S1,OVRLRESP,Overall Response,RECIST 1.1,PR,PR,2021-05-02,57\n")


def test_rs_call_of_a_patient_alone_without_follow_up_is_compared(tmp_path):
    folder = tmp_path / "sdtm"
    folder.mkdir()
    for name, text in (("tu.csv", TU), ("tr.csv", TR), ("rs.csv", RS)):
        (folder / name).write_text(text)
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["assess", str(folder), "--out", str(out)])
    assert run.exit_code == 0, run.output
    pairs = pd.read_csv(out / "recorded_vs_computed.csv", dtype=str, keep_default_na=False)
    # TR holds the baseline only: no computed call on the RS day, so the reader's PR meets "(no
    # assessment)" and does not agree (README "Outputs in results/": every RS overall response is compared)
    assert pairs[["patient_id", "recorded_response", "computed_response", "agrees"]].values.tolist() == [
        ["S1", "PR", "(no assessment)", "False"]]


# ---------------------------------------------------------------------------------------------------------
# One text type


def test_every_parquet_table_has_one_text_type_and_the_csv_text_is_unchanged(files):
    result = assess(files / "les.csv", ("recist11", "percist"), pet=files / "pet.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result.patterns = ioresponse.run(result.study, ("recist11", "percist")).patterns
    out = files / "out"
    written = {path.stem for path in result.to_parquet(out)}
    assert {"timepoints", "best_response", "lesions", "pet", "patterns"} <= written
    text_types = {str(field.type) for stem in written for field in pq.read_schema(out / f"{stem}.parquet")
                  if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)}
    assert len(text_types) == 1, text_types
    patient = pq.read_table(out / "timepoints.parquet", columns=["patient_id", "criterion", "day"])
    pet = pq.read_table(out / "pet.parquet", columns=["patient_id", "lesion_id", "day"])
    assert patient.join(pet, keys=["patient_id", "day"]).num_rows > 0  # joins on patient_id and day
    # the CSV text of the PET table as read (object text) and as written are the same bytes
    result.to_csv(out)
    write_csv(result.study.pet, files / "pet_as_read.csv")
    assert filecmp.cmp(out / "pet.csv", files / "pet_as_read.csv", shallow=False)


# ---------------------------------------------------------------------------------------------------------
# The PET file named in errors


def test_a_pet_column_missing_is_named_in_the_pet_file(files):
    (files / "pet_no_liver.csv").write_text((PET_HEADER + PET_BASELINE + PET_FOLLOW_UP).replace(
        ",liver_sul_mean,", ",other,"))
    run = CliRunner().invoke(app, ["assess", str(files / "les.csv"), "--pet", str(files / "pet_no_liver.csv"),
                                   "--criteria", "recist11,percist", "--out", str(files / "out")])
    assert run.exit_code == 2
    # the column is missing from the PET file, which is the one named; the anatomic input is not
    assert "pet_no_liver.csv, column liver_sul_mean" in run.output
    assert "les.csv" not in run.output


def test_a_metabolic_criterions_row_error_names_the_pet_table(files):
    # the PET table's SUL comes from the James formula; PERCIST asked for Janmahasatian's (spec/metabolic.md
    # 2.2): refused at the PET file's rows 2-3, as given with --pet / pet= (a file, or an in-memory table)
    james = (PET_HEADER + PET_BASELINE + PET_FOLLOW_UP).replace(QC, f"{QC},lbm_formula").replace(
        "0.25\n", "0.25,james\n")
    (files / "pet_james.csv").write_text(james)
    for pet, name in ((files / "pet_james.csv", "pet_james.csv"),
                      (pd.read_csv(files / "pet_james.csv"), "<PET table>")):
        with pytest.raises(InputError) as error:
            assess(files / "les.csv", ("recist11", "percist"), pet=pet, lbm_formula="janmahasatian")
        assert (error.value.file, error.value.rows, error.value.column) == (name, [2, 3], "lbm_formula")
