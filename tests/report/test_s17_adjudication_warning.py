"""``export --adam`` warns when a patient read by several readers has no accepted read, or more than one.

README "CDISC export": of a subject read by more than one reader, ``RSACPTFL`` = Y marks the accepted read
and only its ADRS rows are analysis records (``ANL01FL``). ADaM BDS wants one analysis record per subject
and parameter; the lesion table's ``accepted`` column can say none or two, and a read is accepted when every
one of its assessments is. Such a patient is exported as the column says, and named in a warning.
"""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from ioresponse.cli import app

HEADER = "patient_id,reader,accepted,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"


def reads(patient: str, accepted_r1: str, accepted_r2: str) -> str:
    """R1: 40 -> 20 mm (-50 %, PR); R2: 42 -> 30 mm (-28.6 %, SD); ``accepted`` per read and day."""
    r1 = accepted_r1.split("/") if "/" in accepted_r1 else [accepted_r1] * 2
    return (f"{patient},R1,{r1[0]},-7,T1,target,liver,false,40,present\n"
            f"{patient},R1,{r1[1]},56,T1,target,liver,false,20,present\n"
            f"{patient},R2,{accepted_r2},-7,T1,target,liver,false,42,present\n"
            f"{patient},R2,{accepted_r2},56,T1,target,liver,false,30,present\n")


def exported(tmp_path, text: str):
    source = tmp_path / "lesions.csv"
    source.write_text(HEADER + text)
    out = tmp_path / "results"
    runner = CliRunner()
    assert runner.invoke(app, ["assess", str(source), "--out", str(out), "--criteria", "recist11",
                               "--no-patterns"]).exit_code == 0
    result = runner.invoke(app, ["export", str(out), "--adam"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    adrs = pd.read_csv(out / "adrs.csv", keep_default_na=False)
    bor = adrs[adrs["PARAMCD"] == "BOR"]
    analysis = bor[bor["ANL01FL"] == "Y"].groupby("USUBJID")["RSEVALID"].apply(sorted).to_dict()
    return " ".join(result.output.split()), analysis


def test_one_accepted_read_per_patient_exports_without_warning(tmp_path):
    output, analysis = exported(tmp_path, reads("P1", "true", "false"))
    assert analysis == {"P1": ["R1"]}  # R1 accepted: its BOR (PR) is the analysis record
    assert "read by several readers" not in output


def test_two_accepted_reads_and_none_are_named(tmp_path):
    # P1: both reads accepted -> two analysis BORs; P2: neither -> none; P3: R1 accepted at baseline only
    # (per-visit adjudication) -> no read accepted at every assessment -> none
    text = reads("P1", "true", "true") + reads("P2", "false", "false") + reads("P3", "true/false", "false")
    output, analysis = exported(tmp_path, text)
    assert analysis == {"P1": ["R1", "R2"]}  # as the column says: nothing is dropped or changed
    assert "patient P2 and 1 more, read by several readers, get no analysis BOR (ANL01FL)" in output
    assert "patient P1, read by several readers, gets several analysis BORs (ANL01FL)" in output
