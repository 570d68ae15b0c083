"""``ioresponse pet suv`` / ``ioresponse pet quantify``: outputs and bad input (exit 2, located message)."""

from __future__ import annotations

import json
import re
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
        (["--liver", "1,2"], "error: options, option --liver: '1,2' is not three numbers"),
        (["--peak", "max"], "error: options, option --peak: 'max' is not one of percist"),
        (
            ["--lbm-formula", "boer"],
            "error: options, option --lbm-formula: 'boer' is not one of janmahasatian, james.",
        ),
        (["--fraction", "1.5"], "error: options, option --fraction: 1.5 is not in (0, 1]."),
        (
            ["--segmentation", "percist"],
            "error: options, option --segmentation: percist thresholds at the liver reference (1.5 x SUL "
            "mean + 2 SD); give the liver centre: --liver X,Y,Z (Python: liver_centre=(x, y, z)).",
        ),
        # the region is refused at the PET series it falls outside of, with both spellings of the centre
        (
            ["--liver", "0,0,0"],
            "pet: the liver region around LPS (0.0, 0.0, 0.0) mm reaches 12.0 mm outside the image; move the "
            "centre inside: --liver X,Y,Z (Python: liver_centre=(x, y, z)).",
        ),
        (
            ["--blood-pool", "0,0,0"],
            "pet: the blood pool region around LPS (0.0, 0.0, 0.0) mm reaches 8.0 mm outside the image; move "
            "the centre inside: --blood-pool X,Y,Z (Python: blood_pool_centre=(x, y, z)).",
        ),
        (
            ["--weight-kg", "400"],
            "error: options, option --weight-kg (Python: weight_kg): 400 kg is outside 2-350 kg",
        ),
        (
            ["--height-cm", "1.75"],
            "error: options, option --height-cm (Python: height_cm): 1.75 cm is outside 40-250 cm",
        ),
        (["--sex", "X"], "error: options, option --sex (Python: sex): 'X' is not M, F or O."),
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
    message = " ".join(result.stderr.split())
    assert located in message
    assert "column" not in message and "<" not in message


def test_suv_bad_header_exit_2_names_file_and_tag(tmp_path: Path) -> None:
    # a DICOM file has no rows: the location is the file, its instance (InstanceNumber) and the tag
    write_series(tmp_path / "nac", np.full((2, 3, 3), 1000.0), {"CorrectedImage": ["DECY"]})
    result = RUNNER.invoke(app, ["pet", "suv", str(tmp_path / "nac")])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "IM0002.dcm, instance 1, tag (0028,0051) CorrectedImage: DECY lacks ATTN" in message
    assert "row" not in message and "column" not in message


# A header refused by `pet suv` / `pet quantify`: the way out is spelled for the command line first, then
# for Python (STYLE.md 5); an option the command line lacks is named as the Python API's.
@pytest.mark.parametrize(
    ("header", "arguments", "present", "absent"),
    [
        (
            {"PatientWeight": 70000.0},
            [],
            "tag (0010,1030) PatientWeight: 70000 kg is outside 2-350 kg; correct it, give the weight: "
            "--weight-kg KG (pet quantify; Python: weight_kg=KG), or read it as grams: --unit-fixes auto "
            "(Python: unit_fixes='auto').",
            None,
        ),
        # 1000 is neither kg nor grams: --unit-fixes auto would not help, so it is not offered
        (
            {"PatientWeight": 1000.0},
            [],
            "tag (0010,1030) PatientWeight: 1000 kg is outside 2-350 kg; correct it, give the weight: "
            "--weight-kg KG (pet quantify; Python: weight_kg=KG).",
            "--unit-fixes",
        ),
        (
            {"PatientSize": 175.0},
            [],
            "tag (0010,1020) PatientSize: 175 m is outside 0.4-2.5 m (PatientSize is in metres); correct "
            "it, give the height: --height-cm CM (pet quantify; Python: height_cm=CM), or read it as "
            "centimetres: --unit-fixes auto (Python: unit_fixes='auto').",
            None,
        ),
        (
            {"PatientWeight": None},
            [],
            "tag (0010,1030) PatientWeight: missing or zero; SUV needs the body weight. Give it: "
            "--weight-kg KG (pet quantify; Python: weight_kg=KG).",
            None,
        ),
        (
            {"PatientSize": None},
            ["--normalization", "bsa"],
            "tag (0010,1020) PatientSize: missing; body surface area needs the height. Give it: "
            "--height-cm CM (pet quantify; Python: height_cm=CM).",
            None,
        ),
        (
            {"RadionuclideTotalDose": None},
            [],
            "tag (0018,1074) RadionuclideTotalDose: missing or zero; SUV needs the injected activity (Bq). "
            "Correct the header, or give it: injected_bq=BQ (Python API only; the command line has no such "
            "option).",
            None,
        ),
        # 25 could be MBq or mCi: no unit fix exists, only the header or the Python API's injected_bq
        (
            {"RadionuclideTotalDose": 25.0},
            [],
            "tag (0018,1074) RadionuclideTotalDose: 25 Bq is outside 1e7-2e9 Bq; correct it or give the "
            "activity: injected_bq=BQ (Python API only; the command line has no such option).",
            "--unit-fixes",
        ),
        (
            {"Manufacturer": "GE MEDICAL SYSTEMS"},
            ["--reference-time", "backcompute"],
            "tag (0054,1300) FrameReferenceTime: --reference-time backcompute (Python: "
            "reference_time='backcompute') needs AcquisitionTime",
            None,
        ),
    ],
)
def test_suv_refusals_spell_the_command_line_way_out(
    tmp_path: Path, header: dict, arguments: list, present: str, absent: str | None
) -> None:
    write_series(tmp_path / "pet", np.full((2, 3, 3), 1000.0), header)
    result = RUNNER.invoke(app, ["pet", "suv", str(tmp_path / "pet"), *arguments])
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert re.search(r"\.dcm, instance \d+, " + re.escape(present), message)
    assert "patient table" not in message and "row" not in message
    if absent:
        assert absent not in message


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
    assert (
        "pet.nii.gz: a NIfTI PET has no header: state its units, --pet-units suvbw (Python: "
        "read_nifti_suv(path, pet_units='suvbw')); a Bq/ml NIfTI needs the injection data, which only the "
        "Python API takes" in " ".join(refused.stderr.split())
    )
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
    # spec 6.6: bqml needs the injection data and the decay-correction convention; there is no default
    missing = "injected_bq, injection_datetime, reference_datetime, decay_correction"
    with pytest.raises(InputError, match=missing):
        read_nifti_suv(pet, pet_units="bqml", weight_kg=70.0)
    # spec 7(g): 14400 Bq/ml, 70 kg, 368.08 MBq, 3600 s, T1/2 6586.2 s -> SUVbw 4.0000
    volume = read_nifti_suv(
        pet,
        pet_units="bqml",
        weight_kg=70.0,
        injected_bq=368.08e6,
        injection_datetime=dt.datetime(2025, 1, 1, 10),
        reference_datetime=dt.datetime(2025, 1, 1, 11),
        decay_correction="START",
    )
    assert volume.values.max() == pytest.approx(4.0000, abs=5e-5)
    with pytest.raises(InputError) as raised:
        volume.sul_factor  # noqa: B018
    assert raised.value.file == str(pet) and raised.value.column is None
    assert raised.value.message == (
        "SUL (lean body mass) needs the patient's height and sex, which a NIfTI PET does not carry: give "
        "--height-cm CM --sex M|F (pet quantify; Python: read_nifti_suv(..., height_cm=CM, sex='M')), or for "
        "sex O the mean of the male and female values: --sex-other mean (Python: sex_other='mean')."
    )


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            [],
            "pet.nii.gz: SUL (lean body mass) needs the patient's weight, height and sex, which a NIfTI PET "
            "does not carry: give --weight-kg KG --height-cm CM --sex M|F (pet quantify; Python: "
            "read_nifti_suv(..., weight_kg=KG, height_cm=CM, sex='M')), or for sex O the mean of the male "
            "and female values: --sex-other mean (Python: sex_other='mean').",
        ),
        (
            ["--weight-kg", "70", "--height-cm", "175", "--sex", "O"],
            "pet.nii.gz: SUL (lean body mass) needs the patient's sex, which a NIfTI PET does not carry: "
            "give --sex M|F (pet quantify; Python: read_nifti_suv(..., sex='M')), or for sex O the mean of "
            "the male and female values: --sex-other mean (Python: sex_other='mean').",
        ),
    ],
)
def test_quantify_nifti_pet_without_body_size_spells_the_options(
    tmp_path: Path, arguments: list, expected: str
) -> None:
    # spec 6.6: SUL of a NIfTI PET needs weight, height and sex from the user; the refusal is located at the
    # NIfTI file and names the command-line options first.
    truth = sphere_phantom((9, 12, 12), (4, 6, 6), 8.0, (4.0, 4.0, 4.0), 5.0, 1.0)
    pet = tmp_path / "pet.nii.gz"
    nib.save(nib.Nifti1Image(truth.transpose(2, 1, 0), np.diag([-4.0, -4.0, 4.0, 1.0])), pet)
    labels = _labels(tmp_path, (9, 12, 12))
    command = ["pet", "quantify", str(pet), "--labels", str(labels), "--out", str(tmp_path / "l.csv"),
               "--pet-units", "suvbw"]
    result = RUNNER.invoke(app, [*command, *arguments])
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert expected in message
    assert "<volume>" not in message and "column" not in message and "patient table" not in message
    # --sex-other mean is the way out it names
    body = ["--weight-kg", "70", "--height-cm", "175", "--sex", "O", "--sex-other", "mean"]
    result = RUNNER.invoke(app, [*command, *body])
    assert result.exit_code == 0, result.output


def test_volume_built_in_memory_names_the_python_constant() -> None:
    # Only the Python API builds a volume from an array: its refusal says so.
    from ioresponse.io.dicom import Geometry
    from ioresponse.pet import SUVVolume
    from ioresponse.schema import InputError

    geometry = Geometry(shape=(2, 2, 2), spacing=(4.0, 4.0, 4.0), origin=np.zeros(3), direction=np.eye(3))
    volume = SUVVolume.from_array(np.ones((2, 2, 2)), geometry)
    with pytest.raises(InputError) as raised:
        volume.conversion("bsa")
    assert str(raised.value) == (
        "<volume>: SUVbsa is not available for this volume: give the constant from SUVbw (Python API only: "
        "SUVVolume.from_array(..., conversions={'bsa': 10 BSA / W}))."
    )
