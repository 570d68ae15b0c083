"""`ioresponse patterns INPUT --out DIR` as a user runs it (issue 7 item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ioresponse.cli import app

runner = CliRunner()

# HP-1 of spec/patterns.md 2.4 as a user's CSV: prebaseline day -56, baseline day -7, first evaluation day 49.
HP1_CSV = """patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status
HP-1,-56,A,target,lung,false,25,present
HP-1,-56,B,target,liver,false,15,present
HP-1,-7,A,target,lung,false,27,present
HP-1,-7,B,target,liver,false,17,present
HP-1,49,A,target,lung,false,37,present
HP-1,49,B,target,liver,false,25,present
"""
PATIENTS_CSV = (
    "patient_id,treatment_start,treatment_end,tumor_type,line_of_therapy,drug,egfr_alk_negative,pdl1_tps,pdl1_assay\n"
    "HP-1,2020-01-01,2020-03-25,NSCLC,1,pembrolizumab,true,60,22C3\n"
)
FINDINGS_CSV = """patient_id,day,organ,side,finding,pattern,suvmax
HP-1,49,thyroid,,uptake,diffuse,6.1
"""


def _write(tmp_path: Path) -> tuple[Path, Path, Path]:
    lesions, patients, findings = tmp_path / "hp1.csv", tmp_path / "patients.csv", tmp_path / "findings.csv"
    lesions.write_text(HP1_CSV)
    patients.write_text(PATIENTS_CSV)
    findings.write_text(FINDINGS_CSV)
    return lesions, patients, findings


def test_patterns_command_writes_tables(tmp_path: Path) -> None:
    lesions, patients, findings = _write(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "patterns",
            str(lesions),
            "--out",
            str(out),
            "--patients",
            str(patients),
            "--findings",
            str(findings),
            "--criteria",
            "recist11",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "patterns.csv", dtype=str)
    champiat = table[table["definition"] == "hpd.champiat2017"].iloc[0]
    assert champiat["flag"] == "true"  # spec 2.4 HP-1
    assert "IRAE-THY" in set(table["definition"])  # spec 5.5 IRAE-1 from the findings table
    biomarkers = pd.read_csv(out / "biomarkers.csv", dtype=str)
    assert "BM-NSCLC-1L-50" in set(biomarkers["rule_id"])
    assert (out / "irae_flags.csv").exists() and (out / "patterns.parquet").exists()
    cells = pd.read_csv(out / "irae_flags.csv", dtype=str).stack()
    nested = cells[cells.str.startswith(("{", "["))]
    assert len(nested) and all(json.loads(cell) is not None for cell in nested)  # JSON, not Python's repr


def test_patterns_option_from_the_command_line(tmp_path: Path) -> None:
    lesions, patients, _ = _write(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "patterns",
            str(lesions),
            "--out",
            str(out),
            "--patients",
            str(patients),
            "--criteria",
            "recist11",
            "--definitions",
            "hpd.matos2020",
            "-o",
            "matos_time_rule=none",
        ],
    )
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out / "patterns.csv", dtype=str)["flag"].tolist() == [
        "true"
    ]  # spec 2.4: HP-1 Matos without TTF


def test_bad_option_exits_2_with_message(tmp_path: Path) -> None:
    lesions, _, _ = _write(tmp_path)
    result = runner.invoke(
        app,
        [
            "patterns",
            str(lesions),
            "--out",
            str(tmp_path / "o"),
            "--criteria",
            "recist11",
            "-o",
            "nonpositive_reference=zero",
        ],
    )
    assert result.exit_code == 2
    assert "nonpositive_reference" in result.output


def test_samples_give_il8_ratios(tmp_path: Path) -> None:
    # spec 6.4 example: baseline 40 pg/mL, day 21: 22 pg/mL -> ratio 0.55, decrease.
    lesions, _, _ = _write(tmp_path)
    samples = tmp_path / "samples.csv"
    samples.write_text("patient_id,day,analyte,value,unit\nHP-1,-2,IL-8,40,pg/mL\nHP-1,21,IL-8,22,pg/mL\n")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["patterns", str(lesions), "--out", str(out), "--criteria", "recist11", "--samples", str(samples)],
    )
    assert result.exit_code == 0, result.output
    il8 = pd.read_csv(out / "il8.csv")
    assert il8["il8_ratio"].tolist() == [0.55] and il8["direction"].tolist() == ["decrease"]
