"""``ioresponse pet suv`` / ``ioresponse pet quantify``: outputs and bad input (exit 2, located message)."""

from __future__ import annotations

import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from _pet_synthetic import sphere_phantom, write_series
from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.pet import LESION_COLUMNS

RUNNER = CliRunner()
LBM = 9270 * 70 / (6680 + 216 * 70 / 1.75**2)  # Janmahasatian, male 70 kg 1.75 m (spec 1.3)


@pytest.fixture()
def series(tmp_path: Path) -> Path:
    # ADMIN, 70 kg: SUVbw = C x 70000 / 368.08e6; a 8 mm sphere of SUV 5 at the centre, background SUV 1.
    truth = sphere_phantom((9, 12, 12), (4, 6, 6), 8.0, (4.0, 4.0, 4.0), 5.0, 1.0)
    write_series(tmp_path / "pet", truth * 368.08e6 / 70000, {"DecayCorrection": "ADMIN"})
    return tmp_path / "pet"


def _labels(tmp_path: Path, shape_kji: tuple) -> Path:
    data = np.zeros(shape_kji[::-1], dtype=np.int16)
    data[3:9, 3:9, 1:8] = 1  # nibabel order (i, j, k); affine diag(-4, -4, 4) = the PET's LPS grid
    path = tmp_path / "labels.nii.gz"
    nib.save(nib.Nifti1Image(data, np.diag([-4.0, -4.0, 4.0, 1.0])), path)
    return path


def test_suv_json_reports_metadata_factor_and_range(series: Path) -> None:
    result = RUNNER.invoke(app, ["pet", "suv", str(series), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["units_in"] == "BQML" and report["decay_correction"] == "ADMIN"
    assert report["weight_kg"] == 70.0 and report["height_cm"] == 175.0 and report["sex"] == "M"
    assert report["injected_bq"] == 368.08e6
    assert report["factors"] == pytest.approx([70000 / 368.08e6], rel=1e-12)
    assert report["suv_max"] == pytest.approx(5.0, rel=1e-4)
    assert report["suv_min"] == pytest.approx(1.0, rel=1e-3)
    assert report["suv_median"] == pytest.approx(1.0, rel=1e-3)


def test_suv_table_output(series: Path) -> None:
    result = RUNNER.invoke(app, ["pet", "suv", str(series)])
    assert result.exit_code == 0
    assert "ADMIN" in result.stdout and "suv_max" in result.stdout


def test_quantify_with_nifti_labels_and_liver(series: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "lesions.parquet"
    result = RUNNER.invoke(
        app,
        [
            "pet",
            "quantify",
            str(series),
            "--labels",
            str(_labels(tmp_path, (9, 12, 12))),
            "--out",
            str(out),
            "--liver",
            "24,24,16",
            "--blood-pool",
            "24,24,16",
            "--peak",
            "ibsi-local",
            "--patient-id",
            "P1",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert tuple(table.columns[: len(LESION_COLUMNS)]) == LESION_COLUMNS
    assert table["lesion_id"].tolist() == ["1"]
    assert table.loc[0, "patient_id"] == "P1"
    assert table.loc[0, "suvmax"] == pytest.approx(5.0, rel=1e-4)
    assert table.loc[0, "peak_method"] == "ibsi-local"
    assert np.isfinite(table.loc[0, "liver_sul_mean"])
    # the same centre as the SUV-5 sphere (r 8 mm): the cylinder holds 5 voxels x 5 slices (spec 5.2); inside
    # the sphere: all 5 at dz = 0 and dz = +-4 mm, only the axis voxel at dz = +-8 mm -> 17 of 25.
    assert table.loc[0, "blood_pool_sul_mean"] == pytest.approx((17 * 5 + 8 * 1) / 25 * LBM / 70, rel=1e-3)


@pytest.mark.parametrize(
    ("arguments", "located"),
    [
        (["--liver", "1,2"], "column --liver: '1,2' is not three numbers"),
        (["--peak", "max"], "column --peak: 'max' is not percist"),
        (["--liver", "0,0,0"], "column liver centre: the liver region around LPS (0.0, 0.0, 0.0) mm reaches"),
    ],
)
def test_quantify_bad_options_exit_2(series: Path, tmp_path: Path, arguments: list, located: str) -> None:
    result = RUNNER.invoke(
        app,
        [
            "pet",
            "quantify",
            str(series),
            "--labels",
            str(_labels(tmp_path, (9, 12, 12))),
            "--out",
            str(tmp_path / "x.csv"),
            *arguments,
        ],
    )
    assert result.exit_code == 2
    assert located in " ".join(result.stderr.split())


def test_suv_bad_header_exit_2_names_file_row_and_tag(tmp_path: Path) -> None:
    write_series(tmp_path / "nac", np.full((2, 3, 3), 1000.0), {"CorrectedImage": ["DECY"]})
    result = RUNNER.invoke(app, ["pet", "suv", str(tmp_path / "nac")])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "IM0002.dcm, row 1, column (0028,0051) CorrectedImage: DECY lacks ATTN" in message.replace(
        "\n", ""
    )


def test_suv_missing_folder_exit_2(tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["pet", "suv", str(tmp_path / "absent")])
    assert result.exit_code == 2
    assert "no such file or folder" in " ".join(result.stderr.split())


def test_quantify_missing_labels_exit_2(series: Path, tmp_path: Path) -> None:
    result = RUNNER.invoke(
        app,
        [
            "pet",
            "quantify",
            str(series),
            "--labels",
            str(tmp_path / "none.nii.gz"),
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "no such label file" in " ".join(result.stderr.split())


def test_quantify_nifti_pet_needs_pet_units(tmp_path: Path) -> None:
    # spec 6.6: a NIfTI PET has no header; the user states its units.
    truth = sphere_phantom((9, 12, 12), (4, 6, 6), 8.0, (4.0, 4.0, 4.0), 5.0, 1.0)
    pet = tmp_path / "pet.nii.gz"
    nib.save(nib.Nifti1Image(truth.transpose(2, 1, 0), np.diag([-4.0, -4.0, 4.0, 1.0])), pet)
    labels = _labels(tmp_path, (9, 12, 12))
    out = tmp_path / "l.csv"
    refused = RUNNER.invoke(app, ["pet", "quantify", str(pet), "--labels", str(labels), "--out", str(out)])
    assert refused.exit_code == 2
    assert "column --pet-units" in " ".join(refused.stderr.split())
    result = RUNNER.invoke(
        app,
        [
            "pet",
            "quantify",
            str(pet),
            "--labels",
            str(labels),
            "--out",
            str(out),
            "--pet-units",
            "suvbw",
            "--weight-kg",
            "70",
            "--height-cm",
            "175",
            "--sex",
            "M",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert table.loc[0, "suvmax"] == pytest.approx(5.0)
    assert table.loc[0, "sulmean"] == pytest.approx(table.loc[0, "suvmean"] * LBM / 70, rel=1e-9)


def test_read_nifti_suv_from_bqml_needs_the_injection_data(tmp_path: Path) -> None:
    import datetime as dt

    from ioresponse.pet import read_nifti_suv
    from ioresponse.schema import InputError

    pet = tmp_path / "pet.nii.gz"
    nib.save(nib.Nifti1Image(np.full((4, 4, 2), 14400.0), np.diag([-4.0, -4.0, 4.0, 1.0])), pet)
    with pytest.raises(InputError, match="injected_bq, injection_datetime, reference_datetime"):
        read_nifti_suv(pet, pet_units="bqml", weight_kg=70.0)
    # spec 7(g): 14400 Bq/ml, 70 kg, 368.08 MBq, 3600 s, T1/2 6586.2 s -> SUVbw 4.0000
    volume = read_nifti_suv(
        pet,
        pet_units="bqml",
        weight_kg=70.0,
        injected_bq=368.08e6,
        injection_datetime=dt.datetime(2025, 1, 1, 10),
        reference_datetime=dt.datetime(2025, 1, 1, 11),
    )
    assert volume.values.max() == pytest.approx(4.0000, abs=5e-5)
    with pytest.raises(InputError, match="height_cm and sex"):
        volume.sul_factor  # noqa: B018
