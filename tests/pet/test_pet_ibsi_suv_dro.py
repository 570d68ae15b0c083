"""Every IBSI-SUV digital reference object of shared/data/ibsi_suv_dro through read_suv and the CLI.

Expected values (IBSI-SUV manual, DRO_list.csv; spec 2.11): after conversion to SUVbw the cold sphere is
0.20, the background median inside the supplied mask 1.00 and the hot sphere 4.00, to two decimals.
"""

from __future__ import annotations

import json
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
