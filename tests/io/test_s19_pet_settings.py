"""One ``pet quantify`` setting per patient: scans made another way are refused, not compared.

spec/metabolic.md 2.5 (TLG: "Whichever normalisation is used must be the same at all scans of a patient";
MTV "produced the same way at every scan of a patient"), spec/pet.md 4.5 ("The same mask (same method and
threshold) MUST be used at all scans of a patient"), 3.2-3.6 (the peak definitions give different values).
Found by the s19 audit tests/pet/test_audit_s19_pet_longitudinal.py, where identical images quantified
with two settings were called PMD.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.io.pet_table import read_pet_table
from ioresponse.schema import InputError

HEADER = "patient_id,day,lesion_id,role,sulpeak,tlg,{column}\n"
SETTINGS = {
    "tlg_normalization": ("lbm", "bw", "TLG in another normalisation"),
    "segmentation": ("relative 0.5, 6-connected, all", "relative 0.41, 6-connected, all",
                     "from another mask"),
    "peak_method": ("percist", "ibsi-local", "SULpeak by another peak definition"),
}


def _table(tmp_path: Path, column: str, p1_follow_up: str, p2: str) -> Path:
    first, _, _ = SETTINGS[column]
    path = tmp_path / f"{column}.csv"
    path.write_text(
        HEADER.format(column=column)
        + f'P1,-3,L1,target,8.0,40.0,"{first}"\n'
        + f'P1,56,L1,target,8.0,40.0,"{p1_follow_up}"\n'  # file row 3
        + f'P2,-3,L1,target,6.0,30.0,"{p2}"\n'
        + f'P2,56,L1,target,5.0,20.0,"{p2}"\n'
    )
    return path


@pytest.mark.parametrize("column", sorted(SETTINGS))
def test_a_second_setting_for_one_patient_is_refused_at_its_row(tmp_path, column):
    _, other, words = SETTINGS[column]
    # P1's follow-up (file row 3) was quantified another way than its baseline; P2, the other way at both
    # scans, is one way throughout and is not the fault
    with pytest.raises(InputError, match=words) as refused:
        read_pet_table(_table(tmp_path, column, other, other))
    assert refused.value.rows == [3] and refused.value.column == column


@pytest.mark.parametrize("column", sorted(SETTINGS))
def test_one_setting_per_patient_is_accepted(tmp_path, column):
    first, other, _ = SETTINGS[column]
    assert len(read_pet_table(_table(tmp_path, column, first, other))) == 4


def test_an_empty_setting_is_no_setting(tmp_path):
    # pet quantify leaves segmentation empty for a contour without voxels: not a second mask
    assert len(read_pet_table(_table(tmp_path, "segmentation", "", "relative 0.41, 6-connected, all"))) == 4


def test_the_command_line_refuses_with_exit_code_2(tmp_path):
    path = _table(tmp_path, "tlg_normalization", "bw", "bw")
    result = CliRunner().invoke(app, ["assess", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "row 3" in result.output and "tlg_normalization" in result.output
