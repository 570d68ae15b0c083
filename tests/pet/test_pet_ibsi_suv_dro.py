"""Every IBSI-SUV digital reference object of shared/data/ibsi_suv_dro through read_suv and the CLI.

Expected values (IBSI-SUV manual, DRO_list.csv; spec 2.11): after conversion to SUVbw the cold sphere is
0.20, the background median inside the supplied mask 1.00 and the hot sphere 4.00, to two decimals.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.io.nifti import read_nifti_labels
from ioresponse.pet import read_suv
from ioresponse.pet.suv import SuvWarning

DRO = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ibsi_suv_dro"

# (object, options needed): DRO_2_2 is sex O with SUV type IBW (spec 7(h): sex_other="mean");
# DRO_3_0 stores the dose in MBq (spec 1.8: unit_fixes="auto").
OBJECTS = {
    "DRO_0_0": {},
    "DRO_1_0": {},
    "DRO_2_0": {},
    "DRO_2_2": {"sex_other": "mean"},
    "DRO_2_4": {},
    "DRO_3_0": {"unit_fixes": "auto"},
    "DRO_3_1": {},
    "DRO_3_4": {},
    "DRO_4_0": {},
}
HOT, BACKGROUND, COLD = 4.00, 1.00, 0.20


def test_every_shipped_object_is_covered() -> None:
    assert sorted(p.name for p in DRO.iterdir() if p.is_dir()) == sorted(OBJECTS)


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_dro_through_read_suv(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuvWarning)
        volume = read_suv(DRO / name / "PT", "bw", **OBJECTS[name])
    mask, _ = read_nifti_labels(DRO / name / "mask" / "DRO_mask.nii.gz", volume.geometry)
    inside = volume.values[mask > 0]
    assert round(float(inside.max()), 2) == HOT
    assert round(float(np.median(inside)), 2) == BACKGROUND
    assert round(float(inside.min()), 2) == COLD


def test_dro_2_2_refuses_sex_o_by_default() -> None:
    # spec 7(h): with the default sex_other="error" DRO_2_2 raises InputError.
    from ioresponse.schema import InputError

    with pytest.raises(InputError, match=r"\(0010,0040\) PatientSex"):
        read_suv(DRO / "DRO_2_2" / "PT", "bw")


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_dro_through_the_cli(name: str) -> None:
    extra = []
    for key, value in OBJECTS[name].items():
        extra += [f"--{key.replace('_', '-')}", value]
    result = CliRunner().invoke(
        app, ["pet", "suv", str(DRO / name / "PT"), "--json", "--normalization", "bw", *extra]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert round(report["suv_max"], 2) == HOT
    assert report["normalization"] == "bw"


def test_dro_rtstruct_region_matches_the_nifti_mask() -> None:
    # The RTSTRUCT region_1 of DRO_0_0 covers hot, background and cold parts; rasterised on the PET grid it
    # gives the same three values.
    from ioresponse.pet import read_labels

    volume = read_suv(DRO / "DRO_0_0" / "PT", "bw")
    masks = read_labels(DRO / "DRO_0_0" / "RS" / "RS_dro_0_0.dcm", volume)
    inside = volume.values[masks["region_1"]]
    assert (
        round(float(inside.max()), 2),
        round(float(np.median(inside)), 2),
        round(float(inside.min()), 2),
    ) == (
        HOT,
        BACKGROUND,
        COLD,
    )


# --- Refusals of the command line: located at the file and tag, the way out spelled for the command line ---


def _refusal(arguments: list[str]) -> tuple[str, str]:
    """The refusal of ``ioresponse pet ...`` (exit 2): its words, and the same without any whitespace (rich
    may fold a long path)."""
    result = CliRunner().invoke(app, ["pet", *arguments])
    assert result.exit_code == 2, result.output
    return " ".join(result.stderr.split()), "".join(result.stderr.split())


def test_dro_3_0_dose_in_mbq_refusal_names_unit_fixes_for_the_command_line() -> None:
    # spec 1.8: 368.08 "Bq" is MBq; the CLI user is told the CLI option first, injected_bq is the API's only.
    words, joined = _refusal(["suv", str(DRO / "DRO_3_0" / "PT")])
    assert re.search(r"\.dcm,instance\d+,tag\(0018,1074\)RadionuclideTotalDose:", joined)
    assert (
        "RadionuclideTotalDose: 368.08 Bq is outside 1e7-2e9 Bq; correct it, read it as MBq: --unit-fixes "
        "auto (Python: unit_fixes='auto'), or give the activity: injected_bq=BQ (Python API only; the "
        "command line has no such option)." in words
    )
    assert "row" not in words and "column" not in words


def test_dro_2_2_sex_o_refusal_names_sex_other_for_the_command_line() -> None:
    # spec 7(h): GML with SUVType IBW and sex O needs a sex, or --sex-other mean.
    words, joined = _refusal(["suv", str(DRO / "DRO_2_2" / "PT")])
    assert re.search(r"\.dcm,instance\d+,tag\(0010,0040\)PatientSex:", joined)
    assert (
        "PatientSex: O; ideal body weight needs sex M or F. Give it: --sex M|F (pet quantify; Python: "
        "sex='M' or 'F'), or use the mean of the male and female values: --sex-other mean (Python: "
        "sex_other='mean')." in words
    )
    assert "row" not in words and "column" not in words


def test_dro_0_0_quantify_refusals_spell_the_command_line() -> None:
    # DRO_0_0 is sex O too: SUL (for SULpeak) refuses until --sex or --sex-other is given.
    common = [
        "quantify",
        str(DRO / "DRO_0_0" / "PT"),
        "--labels",
        str(DRO / "DRO_0_0" / "RS" / "RS_dro_0_0.dcm"),
        "--out",
        "unused.csv",
    ]
    words, _ = _refusal(common)
    assert (
        "PatientSex: O; lean body mass (janmahasatian) needs sex M or F. Give it: --sex M|F (pet quantify; "
        "Python: sex='M' or 'F'), or use the mean of the male and female values: --sex-other mean (Python: "
        "sex_other='mean')." in words
    )
    # a liver sphere outside the image is refused at the series, naming --liver then liver_centre
    words, joined = _refusal([*common, "--sex-other", "mean", "--liver", "0,0,-5000"])
    assert "DRO_0_0/PT:theliverregionaroundLPS(0.0,0.0,-5000.0)mm" in joined
    assert "move the centre inside: --liver X,Y,Z (Python: liver_centre=(x, y, z))." in words
    assert "column" not in words and "<reference>" not in words
