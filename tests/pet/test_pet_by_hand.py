"""PET quantification checked by hand against spec/pet.md (worked examples of section 7 used verbatim).

Every series here is written as real DICOM files (pydicom, one file per slice) with header values chosen so
that each expected number can be computed by hand from the formulas of pet.md; the arithmetic is written
beside each value. Nothing is copied from the code or from other tests. Files are named and numbered in
reverse slice order (IM006 / instance 45 is slice k = 0 of 6), so that reading them in name or
InstanceNumber order would flip the volume (pet.md 6.2 step 3).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pandas as pd
import pydicom
import pytest
from _pet_synthetic import example_7e, make_dataset
from pydicom.uid import generate_uid
from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.pet import (
    lean_body_mass_kg,
    peak,
    percist_threshold,
    quantify,
    read_suv,
    segment,
    sphere_kernel,
)
from ioresponse.schema import InputError

RUNNER = CliRunner()
LAST_INSTANCE = 50  # slice k has InstanceNumber 50 - k (descending with position)


# ------------------------------------------------------------------------------------------------
# DICOM writer (layout only; every value comes from the test)
# ------------------------------------------------------------------------------------------------


def write_pet(
    folder: Path,
    stored: np.ndarray,
    header: Mapping[str, Any],
    *,
    slopes: float | Sequence[float] = 1.0,
    spacing_zyx: Sequence[float] = (4.0, 4.0, 4.0),
    origin: Sequence[float] = (0.0, 0.0, 0.0),
    per_slice: Mapping[str, Sequence[Any]] | None = None,
    positions_z: Sequence[float] | None = None,
) -> Path:
    """Write stored values ``[k, j, i]`` (uint16) as one PET Image Storage file per slice, axial LPS grid.

    Slice k sits at z = origin_z + k * dk; its RescaleSlope is ``slopes[k]``; its file is IM{n-k:03d}.dcm
    and its InstanceNumber 50 - k.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stored = np.asarray(stored)
    assert stored.min() >= 0 and stored.max() <= 65535 and np.all(stored == np.rint(stored))
    n = stored.shape[0]
    slope_list = [float(slopes)] * n if np.isscalar(slopes) else [float(s) for s in slopes]  # type: ignore[arg-type]
    series_uid, frame_uid, study_uid = generate_uid(), generate_uid(), generate_uid()
    for k in range(n):
        values = dict(header)
        for key, column in (per_slice or {}).items():
            values[key] = column[k]
        z = origin[2] + (positions_z[k] if positions_z is not None else k * spacing_zyx[0])
        ds = make_dataset(stored[k], values, position=(origin[0], origin[1], z),
                          spacing_yx=(spacing_zyx[1], spacing_zyx[2]), slope=slope_list[k],
                          instance=LAST_INSTANCE - k, series_uid=series_uid, frame_uid=frame_uid,
                          study_uid=study_uid, unsigned=True)
        ds.save_as(folder / f"IM{n - k:03d}.dcm", enforce_file_format=True)
    return folder


def header(**changes: Any) -> dict[str, Any]:
    """A valid BQML header: 70 kg, 1.75 m, M, 700 MBq injected 10:00:00, series/acquisition 11:00:00,
    ADMIN, so that SUVbw = C x 70000 / 7e8 = C x 1e-4 exactly (pet.md 2.6). ``changes`` override it."""
    base: dict[str, Any] = {
        "Modality": "PT",
        "Manufacturer": "Synthetic",
        "Units": "BQML",
        "DecayCorrection": "ADMIN",
        "CorrectedImage": ["ATTN", "DECY"],
        "SeriesType": ["WHOLE BODY", "IMAGE"],
        "PatientID": "HAND",
        "PatientWeight": 70.0,
        "PatientSize": 1.75,
        "PatientSex": "M",
        "SeriesDate": "20250101",
        "SeriesTime": "110000",
        "AcquisitionDate": "20250101",
        "AcquisitionTime": "110000",
        "Radiopharmaceutical": "Fluorodeoxyglucose",
        "RadiopharmaceuticalStartDateTime": "20250101100000",
        "RadionuclideTotalDose": 7e8,
        "RadionuclideHalfLife": 6586.2,
    }
    base.update(changes)
    return base


# pet.md 7(a): GE BQML START, W 71 kg, 388.78 MBq at 10:35:00 (time only), SeriesTime = AcquisitionTime
# 11:20:11, T1/2 6588 s; 7(b): male, 178 cm.
HEADER_7A = header(
    Manufacturer="GE MEDICAL SYSTEMS",
    DecayCorrection="START",
    PatientWeight=71.0,
    PatientSize=1.78,
    SeriesTime="112011",
    AcquisitionTime="112011",
    RadiopharmaceuticalStartDateTime=None,
    RadiopharmaceuticalStartTime="103500",
    RadionuclideTotalDose=388.78e6,
    RadionuclideHalfLife=6588.0,
)
# pet.md 2.11 / 7(g): IBSI-SUV shared settings, 70 kg, 368.08 MBq at 10:00:00, T1/2 6586.2 s, scan 11:00:00.
HEADER_DRO = header(DecayCorrection="START", RadionuclideTotalDose=368.08e6)

# Janmahasatian LBM of the default patient (M, 70 kg, 1.75 m), pet.md 1.3:
# BMI = 70 / 1.75^2 = 22.857143; LBM = 9270 x 70 / (6680 + 216 x 22.857143) = 648900 / 11617.142857
# = 55.857108
LBM_70 = 55.857108
F_SUL = LBM_70 / 70  # SUL / SUVbw = 0.7979587


def one_voxel_series(folder: Path, hdr: Mapping[str, Any], stored: int, slope: float = 1.0) -> Path:
    """8 x 8 x 6 voxels, every voxel ``stored``; 4 mm grid."""
    return write_pet(folder, np.full((6, 8, 8), stored), hdr, slopes=slope)


def suv_json(folder: Path, *arguments: str) -> dict:
    result = RUNNER.invoke(app, ["pet", "suv", str(folder), "--json", *arguments])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ------------------------------------------------------------------------------------------------
# 1. SUVbw from BQML: decay START / ADMIN / NONE (pet.md 2.5-2.7, 7(a), 7(c), 7(f), 7(g))
# ------------------------------------------------------------------------------------------------


def test_7a_start_factor_and_voxel(tmp_path: Path) -> None:
    # uptake 11:20:11 - 10:35:00 = 2711 s; decay 2^(-2711/6588) = 0.75183826; A(t_ref) = 388.78e6 x
    # 0.75183826 = 2.9229968e8 Bq; F_bw = 71000 / 2.9229968e8 = 2.4290140e-4 g/Bq; 12345 Bq/ml -> 2.99862.
    folder = one_voxel_series(tmp_path / "pet", HEADER_7A, 12345)
    volume = read_suv(folder)
    assert volume.suvbw == pytest.approx(np.full((6, 8, 8), 2.99862), rel=2e-6)
    record = volume.provenance
    assert record["uptake_s"] == pytest.approx(2711.0)
    assert record["half_life_s"] == 6588.0 and record["injected_bq"] == pytest.approx(388.78e6)
    assert record["reference_time_source"] == "series"
    assert record["suv_bw_factor"] == pytest.approx(2.4290140e-4, rel=1e-7)
    report = suv_json(folder)
    assert report["factors"] == pytest.approx([2.4290140e-4], rel=1e-7)
    assert report["suv_max"] == pytest.approx(2.99862, rel=2e-6)
    assert report["uptake_s"] == pytest.approx(2711.0)


def test_7c_admin_has_no_decay_factor(tmp_path: Path) -> None:
    # ADMIN: F_bw = 71000 / 3.8878e8 = 1.8262256e-4; 12345 x F = 2.25448 (not 2.99862 = x 1.3300733, the
    # Horos bug)
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_7A, "DecayCorrection": "ADMIN"}, 12345)
    assert read_suv(folder).suvbw == pytest.approx(np.full((6, 8, 8), 2.25448), rel=2e-6)
    assert suv_json(folder)["factors"] == pytest.approx([1.8262256e-4], rel=1e-7)


def test_start_uses_one_reference_for_every_bed(tmp_path: Path) -> None:
    # START, SeriesTime 11:20:11 = earliest acquisition (rule 3); beds at 11:20:11 and 11:24:11 are both
    # decay corrected to t_ref: one factor 2.4290140e-4 for all slices (7(a)).
    acquisitions = ["112011"] * 3 + ["112411"] * 3
    folder = write_pet(
        tmp_path / "pet", np.full((6, 8, 8), 12345), HEADER_7A, per_slice={"AcquisitionTime": acquisitions}
    )
    volume = read_suv(folder)
    assert volume.suvbw == pytest.approx(np.full((6, 8, 8), 2.99862), rel=2e-6)
    assert suv_json(folder)["factors"] == pytest.approx([2.4290140e-4], rel=1e-7)


def test_series_time_within_1_s_of_acquisition_is_the_reference(tmp_path: Path) -> None:
    # rule 3 tolerance: SeriesTime 11:00:00.5 vs AcquisitionTime 11:00:00 -> t_ref = series (not after
    # earliest + 1 s); uptake 3600.5 s. SUV of 14400: 14400 x 70000 / (368.08e6 x 2^(-3600.5/6586.2))
    # = 4.0000050 x 2^(0.5/6586.2) = 4.000215 (DRO_0_0 value 4.0000050 x 1.0000526).
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_DRO, "SeriesTime": "110000.5"}, 14400)
    volume = read_suv(folder)
    assert volume.provenance["reference_time_source"] == "series"
    assert volume.provenance["uptake_s"] == pytest.approx(3600.5)
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.000215, rel=1e-6)


def test_7g_dro_0_0_baseline(tmp_path: Path) -> None:
    # 2^(-3600/6586.2) = 0.68463292; A = 2.5199969e8; F = 70000 / 2.5199969e8 = 2.7777812e-4; 14400 -> 4.0000
    folder = one_voxel_series(tmp_path / "pet", HEADER_DRO, 14400)
    assert read_suv(folder).suvbw == pytest.approx(np.full((6, 8, 8), 4.0), abs=5e-5)
    assert suv_json(folder)["factors"] == pytest.approx([2.7777812e-4], rel=1e-7)


def test_7f_dro_3_2_backcomputed_reference(tmp_path: Path) -> None:
    # SeriesTime 11:30:00 after the acquisitions 11:02:30 (FRT 450 s) / 11:05:00 (FRT 600 s), T = 603 s:
    # T_ave = 299.906 s; r = 11:02:30 + 299.906 - 450 = 11:05:00 + 299.906 - 600 = 10:59:59.906 (spread 0);
    # decay time 3599.906 s; 14400 Bq/ml -> 4.0000.
    hdr = {**HEADER_DRO, "SeriesTime": "113000", "ActualFrameDuration": 603000}
    per_slice = {
        "AcquisitionTime": ["110230"] * 3 + ["110500"] * 3,
        "FrameReferenceTime": [450000] * 3 + [600000] * 3,
    }
    volume = read_suv(write_pet(tmp_path / "pet", np.full((6, 8, 8), 14400), hdr, per_slice=per_slice))
    assert volume.provenance["reference_time_source"] == "backcomputed"
    assert volume.provenance["uptake_s"] == pytest.approx(3599.906, abs=1e-3)
    assert volume.suvbw == pytest.approx(np.full((6, 8, 8), 4.0), abs=1e-4)


@pytest.mark.parametrize(
    ("manufacturer", "frame_reference"),
    [("Synthetic", None), ("GE MEDICAL SYSTEMS", [450000] * 3 + [600000] * 3)],
    ids=["no-frame-timing", "GE-excluded-from-rule-4"],
)
def test_7f_earliest_acquisition_fallback(tmp_path: Path, manufacturer: str, frame_reference: Any) -> None:
    # rule 5: the earliest acquisition 11:02:30, uptake 3750 s -> 4.0637 (pet.md 7(f)), with a warning.
    hdr = {**HEADER_DRO, "SeriesTime": "113000", "ActualFrameDuration": 603000, "Manufacturer": manufacturer}
    per_slice: dict[str, list] = {"AcquisitionTime": ["110230"] * 3 + ["110500"] * 3}
    if frame_reference:
        per_slice["FrameReferenceTime"] = frame_reference
    volume = read_suv(write_pet(tmp_path / "pet", np.full((6, 8, 8), 14400), hdr, per_slice=per_slice))
    assert volume.provenance["reference_time_source"] == "earliest_acquisition"
    assert volume.provenance["uptake_s"] == pytest.approx(3750.0)
    assert volume.suvbw == pytest.approx(np.full((6, 8, 8), 4.0637), abs=1e-4)
    assert volume.provenance["warnings"]


def test_7f_dro_3_4_none_per_frame(tmp_path: Path) -> None:
    # NONE: per slice C x 70000 / 368.08e6 x g(603 s) x exp(lambda (t_acq - t_inj)); 70000 / 368.08e6 =
    # 1.9017605e-4, g = 1.0320662; 11:05:00: exp(lambda 3900) = 1.5074887 -> 13518 x ... = 3.9997;
    # 11:02:30: exp(lambda 3750) = 1.4838778 -> 13518 x 1.9017605e-4 x 1.0320662 x 1.4838778 = 3.937077.
    hdr = {
        **HEADER_DRO,
        "DecayCorrection": "NONE",
        "CorrectedImage": ["ATTN"],
        "SeriesTime": "110230",
        "ActualFrameDuration": 603000,
    }
    per_slice = {"AcquisitionTime": ["110230"] * 3 + ["110500"] * 3}
    volume = read_suv(write_pet(tmp_path / "pet", np.full((6, 8, 8), 13518), hdr, per_slice=per_slice))
    assert volume.suvbw[:3] == pytest.approx(np.full((3, 8, 8), 3.937077), rel=2e-6)
    assert volume.suvbw[3:] == pytest.approx(np.full((3, 8, 8), 3.9997), abs=5e-5)


def test_7g_dro_4_2_midnight_rule(tmp_path: Path) -> None:
    # only (0018,1072) 23:30:00; series 2025-01-02 00:30:00: combined with SeriesDate it is 82800 s after the
    # reference, so it moves to 2025-01-01 23:30:00 (warning); uptake 3600 s -> 4.0000 as DRO_0_0.
    hdr = {
        **HEADER_DRO,
        "SeriesDate": "20250102",
        "AcquisitionDate": "20250102",
        "SeriesTime": "003000",
        "AcquisitionTime": "003000",
        "RadiopharmaceuticalStartDateTime": None,
        "RadiopharmaceuticalStartTime": "233000",
    }
    volume = read_suv(one_voxel_series(tmp_path / "pet", hdr, 14400))
    assert volume.provenance["uptake_s"] == pytest.approx(3600.0)
    assert volume.suvbw == pytest.approx(np.full((6, 8, 8), 4.0), abs=5e-5)
    assert volume.provenance["warnings"]


@pytest.mark.parametrize(
    "injection",
    [
        {"RadiopharmaceuticalStartDateTime": "20250101100000"},  # DRO_4_0: only (0018,1078)
        {"RadiopharmaceuticalStartDateTime": None, "RadiopharmaceuticalStartTime": "100000"},  # DRO_4_1
    ],
    ids=["DRO_4_0-datetime-only", "DRO_4_1-time-only"],
)
def test_injection_time_from_either_attribute(tmp_path: Path, injection: dict) -> None:
    volume = read_suv(one_voxel_series(tmp_path / "pet", {**HEADER_DRO, **injection}, 14400))
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0, abs=5e-5)


def test_half_life_is_read_from_the_header(tmp_path: Path) -> None:
    # DRO_5_0 settings with Ga-68, T1/2 4057.7 s: 2^(-3600/4057.7) = 0.54066163; A = 368.08e6 x 0.54066163
    # = 1.9900673e8; F = 70000 / 1.9900673e8 = 3.5174689e-4; 14400 x F = 5.065155.
    volume = read_suv(
        one_voxel_series(tmp_path / "pet", {**HEADER_DRO, "RadionuclideHalfLife": 4057.7}, 14400)
    )
    assert volume.suvbw[0, 0, 0] == pytest.approx(5.065155, rel=1e-6)
    assert volume.provenance["half_life_s"] == 4057.7


def test_missing_half_life_with_f18_code_uses_6586_2(tmp_path: Path) -> None:
    # pet.md 2.6: half-life missing + radionuclide code F-18 -> 6586.2 s with a warning: DRO_0_0 -> 4.0000
    hdr = {**HEADER_DRO, "RadionuclideHalfLife": None, "F18Code": True}
    volume = read_suv(one_voxel_series(tmp_path / "pet", hdr, 14400))
    assert volume.provenance["half_life_s"] == 6586.2
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0, abs=5e-5)
    assert volume.provenance["warnings"]


def test_rescale_slope_applied_per_slice_and_slices_sorted_by_position(tmp_path: Path) -> None:
    # ADMIN, F = 70000 / 7e8 = 1e-4; stored 1000 on every slice, slope s_k: SUV_k = 1000 x s_k x 1e-4.
    slopes = [3.0, 4.0, 0.5, 1.25, 7.0, 2.0]
    volume = read_suv(write_pet(tmp_path / "pet", np.full((6, 8, 8), 1000), header(), slopes=slopes))
    assert volume.suvbw[:, 3, 3] == pytest.approx([0.3, 0.4, 0.05, 0.125, 0.7, 0.2], rel=1e-12)
    assert volume.spacing_mm == (4.0, 4.0, 4.0)


# ------------------------------------------------------------------------------------------------
# 2. Units other than BQML (pet.md 2.3, 7(h), 7(i)) and plausibility fixes (1.8)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "stored", "slope", "suvbw", "tol"),
    [
        # GML, SUVType BW (or empty): SUVbw = U = 4000 x 0.001 = 4.0
        ({"SUVType": "BW"}, 4000, 0.001, 4.0, 1e-12),
        ({"SUVType": None}, 4000, 0.001, 4.0, 1e-12),
        # DRO_2_1: LBMJAMES128, M 70 kg 175 cm: LBM = 77.0 - 128 x 0.16 = 56.52; 3.229 x 70 / 56.52 = 3.9991
        ({"SUVType": "LBMJAMES128"}, 3229, 0.001, 3.9991, 1e-4),
        # DICOM "LBM" = Morgan-120 (decode only): 77.0 - 120 x 0.16 = 57.80; 3.229 x 70 / 57.80 = 3.910554
        ({"SUVType": "LBM"}, 3229, 0.001, 3.910554, 2e-6),
        # LBMJANMA: 3.192 x 70 / 55.857108 = 4.000207
        ({"SUVType": "LBMJANMA"}, 3192, 0.001, 4.000207, 2e-6),
    ],
    ids=["BW", "empty", "LBMJAMES128", "LBM-Morgan", "LBMJANMA"],
)
def test_gml_decoded_to_suvbw(
    tmp_path: Path, changes: dict, stored: int, slope: float, suvbw: float, tol: float
) -> None:
    hdr = header(Units="GML", **changes)
    volume = read_suv(one_voxel_series(tmp_path / "pet", hdr, stored, slope))
    assert volume.suvbw[2, 4, 4] == pytest.approx(suvbw, abs=tol)
    assert volume.values[2, 4, 4] == pytest.approx(stored * slope, rel=1e-12)  # "auto" = the stored SUV type


def test_7h_dro_2_2_gml_ibw_sex_o(tmp_path: Path) -> None:
    # sex O, IBW: male 48.0 + 1.06 x 23 = 72.38, female 45.5 + 0.91 x 23 = 66.43, mean 69.405;
    # U = 1983 x 0.002 = 3.966; SUVbw = 3.966 x 70 / 69.405 = 4.0000. Default sex_other="error" refuses.
    folder = one_voxel_series(
        tmp_path / "pet", header(Units="GML", SUVType="IBW", PatientSex="O"), 1983, 0.002
    )
    assert read_suv(folder, sex_other="mean").suvbw[0, 0, 0] == pytest.approx(4.0, abs=1e-9)
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert error.value.column == "(0010,0040) PatientSex"


def test_cm2ml_decoded_to_suvbw(tmp_path: Path) -> None:
    # W 71 kg, H 178 cm: BSA = 0.007184 x 71^0.425 x 178^0.725 = 1.8823727 m^2 (7(b));
    # U = 7950 x 1e-4 = 0.795 cm2/ml; SUVbw = U x W / (10 x BSA) = 0.795 x 71 / 18.823727 = 2.998609
    hdr = header(Units="CM2ML", PatientWeight=71.0, PatientSize=1.78)
    volume = read_suv(one_voxel_series(tmp_path / "pet", hdr, 7950, 1e-4))
    assert volume.suvbw[0, 0, 0] == pytest.approx(2.998609, rel=1e-6)
    assert volume.values[0, 0, 0] == pytest.approx(0.795, rel=1e-12)


@pytest.mark.parametrize(
    ("factors", "stored"),
    [({"PhilipsSUVScaleFactor": 0.0005}, 8000), ({"PhilipsActivityScaleFactor": 0.5}, 28800)],
    ids=["DRO_2_4-suv-factor", "DRO_2_5-activity-factor"],
)
def test_7i_philips_cnts(tmp_path: Path, factors: dict, stored: int) -> None:
    # 8000 x 0.0005 = 4.00; 28800 x 0.5 = 14400 Bq/ml then BQML/START of DRO_0_0 -> 4.00
    hdr = {**HEADER_DRO, "Units": "CNTS", "Manufacturer": "Philips", **factors}
    volume = read_suv(one_voxel_series(tmp_path / "pet", hdr, stored))
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0, abs=5e-5)


@pytest.mark.parametrize(
    "changes",
    [{"RadionuclideTotalDose": 368.08}, {"PatientWeight": 70000.0}, {"PatientSize": 175.0}],
    ids=["dose-in-MBq", "weight-in-g", "height-in-cm"],
)
def test_unit_fixes_auto_rewrites_and_strict_refuses(tmp_path: Path, changes: dict) -> None:
    # DRO_3_0 (368.08 read as MBq), 70000 g -> 70 kg, 175 -> 1.75 m: DRO_0_0 numbers (4.0000)
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_DRO, **changes}, 14400)
    volume = read_suv(folder, "lbm", unit_fixes="auto")
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0, abs=5e-5)
    assert volume.values[0, 0, 0] == pytest.approx(4.0000050 * F_SUL, rel=1e-6)
    assert volume.provenance["unit_fixes_applied"] and volume.provenance["warnings"]
    with pytest.raises(InputError):
        read_suv(folder, "lbm")


# ------------------------------------------------------------------------------------------------
# 3. SUL, SUVbsa, SUVibw (pet.md 1.3-1.6, 7(b), 7(j))
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "formula", "lbm_kg", "sul"),
    [
        # 7(b): male 71 kg 178 cm; SUL = 12345 x 1000 LBM / 2.9229968e8
        ("M", "janmahasatian", 57.131335, 2.41289),  # 658170 / 11520.2979
        ("M", "james", 57.734895, 2.43838),  # 78.1 - 128 x 0.15910239
        ("F", "janmahasatian", 46.19468, 1.950989),  # 658170 / 14247.744; 12345e3 x 46.19468 / 2.9229968e8
        ("F", "james", 52.42285, 2.214029),  # 75.97 - 148 x 0.15910239 = 52.42285
    ],
)
def test_7b_sul(tmp_path: Path, sex: str, formula: str, lbm_kg: float, sul: float) -> None:
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_7A, "PatientSex": sex}, 12345)
    volume = read_suv(folder, "lbm", lbm_formula=formula)
    assert volume.values[1, 1, 1] == pytest.approx(sul, rel=3e-6)
    assert volume.suvbw[1, 1, 1] == pytest.approx(2.99862, rel=2e-6)  # SUVbw unchanged
    assert volume.sul_factor == pytest.approx(lbm_kg / 71, rel=1e-6)
    report = suv_json(folder, "--normalization", "lbm", "--lbm-formula", formula)
    assert report["factors"] == pytest.approx([1000 * lbm_kg / 2.9229968e8], rel=1e-6)
    assert report["suv_max"] == pytest.approx(sul, rel=3e-6)


def test_7b_bsa_and_ibw(tmp_path: Path) -> None:
    # F_bsa = 18823.727 / 2.9229968e8 = 6.4398728e-5 -> 0.79500 cm2/ml; IBW 75.56 kg -> F_ibw = 2.5850182e-4
    # -> 3.19121
    folder = one_voxel_series(tmp_path / "pet", HEADER_7A, 12345)
    assert read_suv(folder, "bsa").values[0, 0, 0] == pytest.approx(0.79500, rel=5e-6)
    assert read_suv(folder, "ibw").values[0, 0, 0] == pytest.approx(3.19121, rel=2e-6)
    assert suv_json(folder, "--normalization", "ibw")["factors"] == pytest.approx([2.5850182e-4], rel=1e-7)


def test_sul_sex_o_refused_by_default_mean_on_request(tmp_path: Path) -> None:
    # sex O: SUL refused naming (0010,0040) (SUVbw still produced); sex_other="mean" -> LBM
    # (57.131335 + 46.194682) / 2 = 51.663008; SUL = 12345e3 x 51.663008 / 2.9229968e8 = 2.181938
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_7A, "PatientSex": "O"}, 12345)
    assert read_suv(folder).suvbw[0, 0, 0] == pytest.approx(2.99862, rel=2e-6)
    with pytest.raises(InputError) as error:
        read_suv(folder, "lbm")
    assert error.value.column == "(0010,0040) PatientSex"
    volume = read_suv(folder, "lbm", sex_other="mean")
    assert volume.values[0, 0, 0] == pytest.approx(2.181938, rel=2e-6)
    assert volume.provenance["warnings"]


def test_sul_without_height_names_patient_size(tmp_path: Path) -> None:
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_7A, "PatientSize": None}, 12345)
    assert read_suv(folder).suvbw[0, 0, 0] == pytest.approx(2.99862, rel=2e-6)
    with pytest.raises(InputError) as error:
        read_suv(folder, "lbm")
    assert error.value.column == "(0010,1020) PatientSize"
    result = RUNNER.invoke(app, ["pet", "suv", str(folder), "--normalization", "lbm"])
    assert result.exit_code == 2
    assert re.search(
        r"IM\d{3}\.dcm, instance \d+, tag \(0010,1020\) PatientSize", " ".join(result.stderr.split())
    )


@pytest.mark.parametrize(
    ("weight", "height", "sex", "james", "janmahasatian"),
    [
        (100, 160, "F", 49.19, 50.62),  # 107.00 - 57.81 ; 927000 / 18311.25
        (120, 165, "F", 50.12, 56.94),  # 128.40 - 78.28 ; 1112400 / 19534.82
        (150, 165, "F", 38.19, 62.57),  # 160.50 - 122.31 ; 1390500 / 22223.53
        (180, 175, "M", 62.58, 86.12),  # 198.00 - 135.42 ; 1668600 / 19375.51
        (80, 200, "M", 67.52, None),  # 7(j) oro.pet: 88 - 128 x 0.16
        (80, 200, "F", 61.92, None),  # 85.6 - 148 x 0.16
    ],
)
def test_lbm_tables_1_6_and_7j(
    weight: float, height: float, sex: str, james: float, janmahasatian: Any
) -> None:
    assert lean_body_mass_kg(weight, height, sex, "james") == pytest.approx(james, abs=0.005)
    if janmahasatian is not None:
        assert lean_body_mass_kg(weight, height, sex, "janmahasatian") == pytest.approx(
            janmahasatian, abs=0.005
        )


def test_james_above_turning_bmi_warns(tmp_path: Path) -> None:
    # F 100 kg 160 cm: BMI 39.1 > 36.1 (women's turning point, 1.6): James MUST warn; LBM 49.19 kg
    folder = one_voxel_series(
        tmp_path / "pet",
        {**HEADER_DRO, "PatientWeight": 100.0, "PatientSize": 1.60, "PatientSex": "F"},
        14400,
    )
    james = read_suv(folder, "lbm", lbm_formula="james")
    janma = read_suv(folder, "lbm")
    assert james.sul_factor == pytest.approx(49.19 / 100, abs=5e-5)
    assert len(james.provenance["warnings"]) > len(janma.provenance["warnings"])
    assert any("BMI" in w for w in james.provenance["warnings"])


def test_lbm_not_above_zero_is_refused(tmp_path: Path) -> None:
    # James F 300 kg 150 cm: 1.07 x 300 - 148 x (300/150)^2 = 321 - 592 = -271 kg <= 0 -> InputError (1.3)
    hdr = {**HEADER_DRO, "PatientWeight": 300.0, "PatientSize": 1.50, "PatientSex": "F"}
    folder = one_voxel_series(tmp_path / "pet", hdr, 14400)
    with pytest.raises(InputError):
        read_suv(folder, "lbm", lbm_formula="james")


def test_ibw_not_above_zero_is_refused(tmp_path: Path) -> None:
    # IBW M 50 cm: 48.0 + 1.06 x (50 - 152) = -60.12 kg <= 0 -> InputError (1.5)
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_DRO, "PatientSize": 0.50}, 14400)
    with pytest.raises(InputError):
        read_suv(folder, "ibw")


# ------------------------------------------------------------------------------------------------
# 4. Lesion metrics on 7(e) embedded in a DICOM series with a liver sphere and a blood-pool cylinder
# ------------------------------------------------------------------------------------------------

# pet.md 7(e), values [k, j, i] (others 1.0)
E_BLOCK = example_7e()
E_OFFSET = (1, 2, 1)  # the block occupies k 1-3, j 2-5, i 1-5 of the series
LIVER_KJI = (4, 4, 11)
BLOOD_KJI = (4, 10, 3)
ORIGIN = (-30.0, -20.0, -100.0)  # LPS of voxel [0, 0, 0]; voxel (k, j, i) at ORIGIN + 4 (i, j, k)
SLOPE_MULTIPLIER = (1, 2, 4, 1, 2, 4, 1, 2)  # stored = SUV x 1000 x m_k, slope = 10 / m_k (exact binary)


def lps(kji: Sequence[int]) -> tuple[float, float, float]:
    k, j, i = kji
    return (ORIGIN[0] + 4 * i, ORIGIN[1] + 4 * j, ORIGIN[2] + 4 * k)


def phantom_suv() -> np.ndarray:
    """SUVbw of the lesion/liver/blood-pool series, shape (8, 12, 16), background 1.0."""
    suv = np.ones((8, 12, 16))
    k0, j0, i0 = E_OFFSET
    suv[k0 : k0 + 3, j0 : j0 + 4, i0 : i0 + 5] = E_BLOCK
    # liver: voxels with centres within 15 mm of LIVER (4 mm grid: 251 voxels, 5.1) = 2.0; the 45 of them
    # in the centre plane k = 4 = 3.0 (offsets a^2 + b^2 <= 14: 7 + 2x7 + 2x7 + 2x5 = 45).
    kk, jj, ii = np.meshgrid(*(np.arange(n) for n in suv.shape), indexing="ij")
    liver = 16 * ((kk - 4) ** 2 + (jj - 4) ** 2 + (ii - 11) ** 2) <= 225
    assert liver.sum() == 251 and (liver & (kk == 4)).sum() == 45
    suv[liver] = 2.0
    suv[liver & (kk == 4)] = 3.0
    # blood pool: 5 x 5 voxels with sqrt(dx^2 + dy^2) <= 5 mm and |dz| <= 10 mm around BLOOD: axis = 3.0
    # (5 voxels), the 4 in-plane face neighbours = 2.0 (20 voxels)
    for dk in range(-2, 3):
        suv[4 + dk, 10, 3] = 3.0
        for dj, di in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            suv[4 + dk, 10 + dj, 3 + di] = 2.0
    return suv


def lesion_voi() -> np.ndarray:
    voi = np.zeros((8, 12, 16), dtype=bool)
    k0, j0, i0 = E_OFFSET
    voi[k0 : k0 + 3, j0 : j0 + 4, i0 : i0 + 5] = True
    return voi


@pytest.fixture(scope="module")
def phantom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # ADMIN 70 kg 700 MBq: SUVbw = C x 1e-4, C = stored x slope = SUV x 1e4. SliceThickness 2 mm is wrong
    # on purpose: spacing comes from the positions (4 mm), never from SliceThickness (4.4, 6.2).
    suv = phantom_suv()
    m = np.asarray(SLOPE_MULTIPLIER, dtype=float)
    stored = np.rint(suv * 1000 * m[:, None, None])
    folder = tmp_path_factory.mktemp("phantom") / "pet"
    return write_pet(folder, stored, header(SliceThickness=2.0), slopes=list(10.0 / m), origin=ORIGIN)


@pytest.fixture(scope="module")
def phantom_volume(phantom: Path) -> Any:
    return read_suv(phantom)


def write_labels(
    path: Path, voi: np.ndarray, spacing_zyx: Sequence[float] = (4, 4, 4), origin: Sequence[float] = ORIGIN
) -> Path:
    """NIfTI label map (nibabel: [i, j, k] and a RAS affine) on the LPS grid of the series."""
    dk, dj, di = spacing_zyx
    affine = np.array(
        [[-di, 0, 0, -origin[0]], [0, -dj, 0, -origin[1]], [0, 0, dk, origin[2]], [0, 0, 0, 1.0]]
    )
    nib.save(nib.Nifti1Image(np.transpose(voi.astype(np.int16)), affine), path)
    return path


def test_phantom_reads_back(phantom_volume: Any) -> None:
    assert phantom_volume.suvbw == pytest.approx(phantom_suv(), rel=1e-12)
    assert phantom_volume.spacing_mm == (4.0, 4.0, 4.0)
    assert phantom_volume.origin == pytest.approx(ORIGIN)


# 7(e) table: (options, suvmean, mtv_ml, tlg); voxel 0.064 ml; TLG = sum x 0.064
E_ROWS = [
    ({"connectivity": 6}, 33.1 / 5, 0.320, 2.118400),  # 10 + 8 + 6 + 4.1 + 5 = 33.1
    ({"connectivity": 18}, 37.7 / 6, 0.384, 2.412800),  # + E 4.6
    ({}, 42.2 / 7, 0.448, 2.700800),  # 26-conn default: + K 4.5
    ({"keep": "all"}, 49.2 / 8, 0.512, 3.148800),  # + I 7.0
    ({"fraction": 0.5}, 29.0 / 4, 0.256, 1.856000),  # 10, 8, 6, 5
    ({"segmentation": "absolute"}, 52.2 / 10, 0.640, 3.340800),  # 41% set + 4.0 + 3.0 + 3.0
]


@pytest.mark.parametrize(
    ("options", "suvmean", "mtv", "tlg"), E_ROWS, ids=["6", "18", "26", "all", "50%", "2.5"]
)
def test_7e_mtv_tlg(phantom_volume: Any, options: dict, suvmean: float, mtv: float, tlg: float) -> None:
    row = quantify(phantom_volume, {"E": lesion_voi()}, **options).iloc[0]
    assert row["suvmax"] == pytest.approx(10.0, rel=1e-12)
    assert row["suvmean"] == pytest.approx(suvmean, rel=1e-9)
    assert row["sulmean"] == pytest.approx(suvmean * F_SUL, rel=1e-6)
    assert row["mtv_ml"] == pytest.approx(mtv, rel=1e-12)
    assert row["tlg"] == pytest.approx(tlg, rel=1e-9)
    assert row["tlg"] == pytest.approx(row["mtv_ml"] * row["suvmean"], rel=1e-12)


@pytest.mark.parametrize(
    ("connectivity", "diameter", "expected"),
    [
        (6, "max_axial", 4 * math.sqrt(2) + 4),  # 2 x 2 block on k = 1: 5.657 + 4 = 9.657
        (6, "max_3d", 4 * math.sqrt(3) + 4),  # (2,1,1)-(1,2,2): 6.928 + 4 = 10.928
        (6, "equivalent_sphere", (6 * 320 / math.pi) ** (1 / 3)),  # 8.486
        (26, "max_axial", 8 * math.sqrt(2) + 4),  # (2,1,1)-K(2,3,3) on k = 2: 11.314 + 4 = 15.314
        (26, "max_3d", 16.0),  # 12 + 4
        (26, "equivalent_sphere", (6 * 448 / math.pi) ** (1 / 3)),  # 9.494
    ],
)
def test_7e_functional_diameter(
    phantom_volume: Any, connectivity: int, diameter: str, expected: float
) -> None:
    row = quantify(phantom_volume, {"E": lesion_voi()}, connectivity=connectivity, diameter=diameter).iloc[0]
    assert row["functional_diameter_mm"] == pytest.approx(expected, rel=1e-9)


def test_7e_tlg_in_sul(phantom_volume: Any) -> None:
    # tlg_normalisation="lbm": 2.7008 x 0.7979587 = 2.155127 SUL x ml
    row = quantify(phantom_volume, {"E": lesion_voi()}, tlg_normalisation="lbm").iloc[0]
    assert row["tlg"] == pytest.approx(2.7008 * F_SUL, rel=1e-6)


def test_7e_percist_threshold_on_sul_array() -> None:
    # values read as SUL, liver 1.80 / 0.25 -> T = 2.70 + 0.50 = 3.20; 26-conn: 41% set + 4.0 -> 46.2 / 8
    voi = np.ones(E_BLOCK.shape, dtype=bool)
    mask, threshold = segment(E_BLOCK, voi, method="percist", liver=(1.80, 0.25))
    assert threshold == pytest.approx(3.20, rel=1e-12)
    assert mask.sum() == 8 and E_BLOCK[mask].sum() == pytest.approx(46.2)
    assert E_BLOCK[mask].mean() == pytest.approx(5.775, rel=1e-12)
    assert percist_threshold(1.80, 0.25) == pytest.approx(3.20, rel=1e-12)  # 5.5: 2.70 + 0.50
    mask_6, _ = segment(E_BLOCK, voi, method="relative", connectivity=6)
    assert sorted(E_BLOCK[mask_6]) == [4.1, 5, 6, 8, 10]


def test_liver_and_blood_pool_reference(phantom_volume: Any) -> None:
    # liver (5.1): 251 voxels, 45 x 3.0 + 206 x 2.0 = 547 -> mean 547/251 = 2.1792829 SUVbw, population SD
    # = 1.0 x sqrt(45 x 206) / 251 = 0.3835890; in SUL x 0.7979587 -> 1.738978 / 0.306088.
    # blood pool (5.2): 25 voxels, 5 x 3.0 + 20 x 2.0 = 55 -> 2.2, SD sqrt(5 x 20)/25 = 0.4 -> SUL 1.755509
    # / 0.319183.
    table = quantify(
        phantom_volume, {"E": lesion_voi()}, liver_centre=lps(LIVER_KJI), blood_pool_centre=lps(BLOOD_KJI)
    )
    row = table.iloc[0]
    assert row["liver_sul_mean"] == pytest.approx(547 / 251 * F_SUL, rel=1e-6)
    assert row["liver_sul_sd"] == pytest.approx(math.sqrt(45 * 206) / 251 * F_SUL, rel=1e-6)
    assert row["blood_pool_sul_mean"] == pytest.approx(2.2 * F_SUL, rel=1e-6)
    assert row["blood_pool_sul_sd"] == pytest.approx(0.4 * F_SUL, rel=1e-6)
    # uptake 11:00 - 10:00 = 60 min (ADMIN: earliest acquisition - injection)
    assert row["uptake_min"] == pytest.approx(60.0)


def test_percist_segmentation_with_liver_of_the_series(phantom_volume: Any) -> None:
    # T (SUL) = (1.5 x 2.1792829 + 2 x 0.3835890) x 0.7979587 = 4.0361023 x 0.7979587 = 3.220643; lesion SUL =
    # SUVbw x 0.7979587, so the cut is SUVbw >= 4.0361: the 41% 26-conn set (4.1 kept, 4.0 out): 0.448 ml,
    # TLG 2.7008, SUVmean 42.2 / 7.
    row = quantify(
        phantom_volume, {"E": lesion_voi()}, liver_centre=lps(LIVER_KJI), segmentation="percist"
    ).iloc[0]
    assert row["threshold"] == pytest.approx(4.0361023 * F_SUL, rel=1e-6)
    assert row["mtv_ml"] == pytest.approx(0.448, rel=1e-12)
    assert row["tlg"] == pytest.approx(2.7008, rel=1e-9)


def test_liver_sphere_outside_the_image_is_refused(
    phantom_volume: Any, phantom: Path, tmp_path: Path
) -> None:
    # liver centre at voxel (4, 4, 1): the 15 mm sphere needs i >= 1 - 3 = -2 < 0 -> InputError (5.3 step 3)
    with pytest.raises(InputError):
        quantify(phantom_volume, {"E": lesion_voi()}, liver_centre=lps((4, 4, 1)))
    labels = write_labels(tmp_path / "labels.nii.gz", lesion_voi())
    x, y, z = lps((4, 4, 1))
    result = RUNNER.invoke(
        app,
        [
            "pet",
            "quantify",
            str(phantom),
            "--labels",
            str(labels),
            "--out",
            str(tmp_path / "o.csv"),
            "--liver",
            f"{x},{y},{z}",
        ],
    )
    assert result.exit_code == 2


def test_7e_through_the_cli(phantom: Path, tmp_path: Path) -> None:
    labels = write_labels(tmp_path / "labels.nii.gz", lesion_voi())
    x, y, z = lps(LIVER_KJI)
    rows = {}
    for name, extra in {
        "default": [],
        "half": ["--fraction", "0.5"],
        "absolute": ["--segmentation", "absolute"],
        "percist": ["--segmentation", "percist"],
    }.items():
        out = tmp_path / f"{name}.csv"
        result = RUNNER.invoke(
            app,
            [
                "pet",
                "quantify",
                str(phantom),
                "--labels",
                str(labels),
                "--out",
                str(out),
                "--liver",
                f"{x},{y},{z}",
                *extra,
            ],
        )
        assert result.exit_code == 0, result.output
        rows[name] = pd.read_csv(out).iloc[0]
    assert rows["default"]["suvmax"] == pytest.approx(10.0)
    assert rows["default"]["mtv_ml"] == pytest.approx(0.448) and rows["default"]["tlg"] == pytest.approx(
        2.7008
    )
    assert rows["default"]["functional_diameter_mm"] == pytest.approx(8 * math.sqrt(2) + 4)
    assert rows["default"]["liver_sul_mean"] == pytest.approx(547 / 251 * F_SUL, rel=1e-6)
    assert rows["default"]["uptake_min"] == pytest.approx(60.0)
    assert rows["half"]["mtv_ml"] == pytest.approx(0.256) and rows["half"]["tlg"] == pytest.approx(1.856)
    assert rows["absolute"]["mtv_ml"] == pytest.approx(0.640) and rows["absolute"]["tlg"] == pytest.approx(
        3.3408
    )
    assert rows["percist"]["mtv_ml"] == pytest.approx(0.448) and rows["percist"]["tlg"] == pytest.approx(
        2.7008
    )


def test_total_mtv_counts_overlapping_lesions_once(phantom_volume: Any) -> None:
    # the same VOI twice (keep="all": 8 voxels, 49.2): union 0.512 ml and 3.1488, not twice that (4.7)
    table = quantify(phantom_volume, {"a": lesion_voi(), "b": lesion_voi()}, keep="all")
    assert table.attrs["total_mtv_ml"] == pytest.approx(0.512)
    assert table.attrs["total_tlg"] == pytest.approx(3.1488)


def test_max_component_tie_takes_first_in_c_order() -> None:
    # two separate voxels at the maximum 10: the component of the first in C order, (0,0,0) + its 6.0
    # neighbour, sum 16; the other (2,2,2) with its 9.0 neighbour is dropped (4.3)
    image = np.ones((3, 3, 3))
    image[0, 0, 0], image[0, 0, 1] = 10.0, 6.0
    image[2, 2, 2], image[2, 2, 1] = 10.0, 9.0
    mask, threshold = segment(image, np.ones(image.shape, dtype=bool))
    assert threshold == pytest.approx(4.1)
    assert image[mask].sum() == pytest.approx(16.0) and mask[0, 0, 0]


# ------------------------------------------------------------------------------------------------
# 5. Peaks (pet.md 3, 7(d))
# ------------------------------------------------------------------------------------------------


def d_image() -> np.ndarray:
    image = np.ones((7, 7, 7))
    image[2, 2, 2] = 10.0  # A
    image[4, 4, 4] = 8.0  # B and its six face neighbours at 6.0
    for axis in range(3):
        for step in (-1, 1):
            index = [4, 4, 4]
            index[axis] += step
            image[tuple(index)] = 6.0
    return image


def d_mask() -> np.ndarray:
    mask = np.zeros((7, 7, 7), dtype=bool)
    mask[2:5, 2:5, 2:5] = True
    return mask


def test_3_3_kernel_weights_4mm() -> None:
    # fractional n = 20 at 4 mm: centre 8000/8000, face 7872, edge 4608, corner 1712, (0,0,2) 96; 33 voxels,
    # sum 15.600 -> 0.9984 ml
    kernel = sphere_kernel((4.0, 4.0, 4.0), "fractional", 20)
    c = np.asarray(kernel.shape) // 2
    k, j, i = c
    assert kernel[k, j, i] == 1.0
    assert kernel[k, j, i + 1] == pytest.approx(7872 / 8000, abs=1e-12)
    assert kernel[k, j + 1, i + 1] == pytest.approx(4608 / 8000, abs=1e-12)
    assert kernel[k + 1, j + 1, i + 1] == pytest.approx(1712 / 8000, abs=1e-12)
    assert kernel[k, j, i + 2] == pytest.approx(96 / 8000, abs=1e-12)
    assert np.count_nonzero(kernel) == 33
    assert kernel.sum() * 64 / 1000 == pytest.approx(0.9984, abs=1e-12)


@pytest.mark.parametrize(
    ("spacing", "voxels"),
    [
        ((4, 4, 4), 19),
        ((3, 3, 3), 33),
        ((2, 2, 2), 123),
        ((3.27, 4.07, 4.07), 19),
        ((2.0, 2.73, 2.73), 67),
        ((5, 4, 4), 11),
        ((1, 1, 1), 1021),
    ],
)
def test_3_3_centre_rule_kernel_sizes(spacing: tuple, voxels: int) -> None:
    kernel = sphere_kernel(tuple(float(s) for s in spacing), "centre")
    assert int(np.count_nonzero(kernel)) == voxels


@pytest.mark.parametrize(
    ("placement", "weighting", "require", "expected", "centre"),
    [
        ("local", "centre", False, 28 / 19, (2, 2, 2)),  # 10 + 18 x 1 = 28 -> 1.473684
        ("global", "centre", False, 56 / 19, (4, 4, 4)),  # 8 + 6 x 6 + 12 x 1 = 56 -> 2.947368
        ("global", "centre", True, 34 / 19, (3, 3, 3)),  # 19 + 3 x 5 = 34 -> 1.789474
        ("local", "fractional", False, 24.6 / 15.6, (2, 2, 2)),  # 1 + 9 / 15.6 = 1.576923
        ("global", "fractional", False, 52.12 / 15.6, (4, 4, 4)),  # (15.6 + 7 + 29.52) / 15.6 = 3.341026
    ],
)
def test_7d_peaks_on_the_array(
    placement: str, weighting: str, require: bool, expected: float, centre: tuple
) -> None:
    result = peak(
        d_image(),
        d_mask(),
        (4.0, 4.0, 4.0),
        placement=placement,
        weighting=weighting,
        require_inside_mask=require,
    )
    assert result.value == pytest.approx(expected, rel=1e-9)
    assert result.centre_index == centre


def test_7d_fractional_inside_mask_is_nan() -> None:
    # the fractional kernel spans 5 voxels: no centre of the 3 x 3 x 3 mask keeps it inside -> NaN + warning
    with pytest.warns(Warning):
        result = peak(d_image(), d_mask(), (4.0, 4.0, 4.0), require_inside_mask=True)
    assert math.isnan(result.value)


def test_peak_tie_takes_highest_centre_value() -> None:
    # centre rule, one hot voxel 5 at (3,3,3) in background 1: every candidate whose 19-voxel kernel holds it
    # has mean (5 + 18) / 19; the tie goes to the highest centre value (3,3,3), not to (2,3,3) first in C
    # order (3.6)
    image = np.ones((7, 7, 7))
    image[3, 3, 3] = 5.0
    mask = np.zeros(image.shape, dtype=bool)
    mask[2:5, 3, 3] = True
    result = peak(image, mask, (4.0, 4.0, 4.0), weighting="centre")
    assert result.value == pytest.approx(23 / 19, rel=1e-12)
    assert result.centre_index == (3, 3, 3)


def test_peak_at_the_image_edge_renormalises() -> None:
    # 3.4: voxels outside the image are excluded and the weights renormalised. Uniform image of 2.0: any
    # centre, even a corner voxel, gives exactly 2.0 (zero padding would give less).
    image = np.full((4, 4, 4), 2.0)
    mask = np.zeros(image.shape, dtype=bool)
    mask[0, 0, 0] = True
    for weighting in ("centre", "fractional"):
        result = peak(image, mask, (4.0, 4.0, 4.0), weighting=weighting)
        assert result.value == pytest.approx(2.0, rel=1e-12)
        assert result.truncated_by_image_edge


@pytest.fixture(scope="module")
def d_series(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 7(d) as a DICOM series: ADMIN, SUVbw = C x 1e-4, stored = SUV x 1000, slope 10
    folder = tmp_path_factory.mktemp("d") / "pet"
    return write_pet(folder, np.rint(d_image() * 1000), header(), slopes=10.0)


@pytest.mark.parametrize(
    ("method", "expected"),
    [("percist", 52.12 / 15.6), ("ibsi-local", 28 / 19), ("ibsi-global", 56 / 19)],
)
def test_7d_sulpeak_through_quantify(d_series: Path, method: str, expected: float) -> None:
    # SULpeak is the peak of the SUL image = the SUVbw peak x LBM / W (3.6): 3.341026 x 0.7979587 = 2.666001
    volume = read_suv(d_series)
    row = quantify(volume, {"L": d_mask()}, peak_method=method).iloc[0]
    assert row["suvmax"] == pytest.approx(10.0, rel=1e-12)
    assert row["sulpeak"] == pytest.approx(expected * F_SUL, rel=1e-6)
    # 41 % of 10 = 4.1 inside the VOI: A (10) alone is its component (B's voxels do not touch it):
    # one voxel, 0.064 ml, TLG 0.64, diameter one pixel = 4 mm
    assert row["mtv_ml"] == pytest.approx(0.064) and row["tlg"] == pytest.approx(0.64)
    assert row["functional_diameter_mm"] == pytest.approx(4.0)


def test_7d_through_the_cli(d_series: Path, tmp_path: Path) -> None:
    labels = write_labels(tmp_path / "d.nii.gz", d_mask(), origin=(0.0, 0.0, 0.0))
    out = tmp_path / "d.csv"
    result = RUNNER.invoke(
        app, ["pet", "quantify", str(d_series), "--labels", str(labels), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    row = pd.read_csv(out).iloc[0]
    assert row["sulpeak"] == pytest.approx(52.12 / 15.6 * F_SUL, rel=1e-6)
    assert row["peak_method"] == "percist"


def test_anisotropic_grid_pixel_spacing_order(tmp_path: Path) -> None:
    # PixelSpacing [2, 3] = [row (dj), column (di)]; slices 5 mm apart by position (SliceThickness 2.5 is
    # ignored). Lesion: 3 voxels of SUV 5 along i on k = 1, j = 2: MTV = 3 x 3 x 2 x 5 / 1000 = 0.09 ml;
    # TLG = 15 x 0.03 = 0.45; max_axial = 2 x 3 mm + (3 + 2) / 2 = 8.5 mm (6.5 if the spacings were swapped).
    suv = np.ones((3, 5, 5))
    suv[1, 2, 1:4] = 5.0
    folder = write_pet(
        tmp_path / "pet",
        np.rint(suv * 1000),
        header(SliceThickness=2.5),
        slopes=10.0,
        spacing_zyx=(5.0, 2.0, 3.0),
    )
    volume = read_suv(folder)
    assert volume.spacing_mm == (5.0, 2.0, 3.0)
    voi = np.zeros(suv.shape, dtype=bool)
    voi[1, 1:4, :] = True
    row = quantify(volume, {"L": voi}).iloc[0]
    assert row["mtv_ml"] == pytest.approx(0.09, rel=1e-12)
    assert row["tlg"] == pytest.approx(0.45, rel=1e-9)
    assert row["functional_diameter_mm"] == pytest.approx(8.5, rel=1e-12)


# ------------------------------------------------------------------------------------------------
# 6. Refusals: InputError in Python, exit 2 with "file, instance N, tag (gggg,eeee) Keyword" in the CLI
# ------------------------------------------------------------------------------------------------

# (header changes, tag expected, message fragment or None)
HEADER_REFUSALS = [
    ({"RadionuclideTotalDose": None}, "(0018,1074) RadionuclideTotalDose", None),
    ({"RadionuclideTotalDose": 25.0}, "(0018,1074) RadionuclideTotalDose", None),  # 1-30: MBq or mCi? (1.8)
    ({"RadionuclideTotalDose": 368.08}, "(0018,1074) RadionuclideTotalDose", None),  # strict mode
    ({"PatientWeight": None}, "(0010,1030) PatientWeight", None),
    ({"PatientWeight": 0.0}, "(0010,1030) PatientWeight", None),
    ({"PatientWeight": 400.0}, "(0010,1030) PatientWeight", None),
    ({"PatientSize": 3.0}, "(0010,1020) PatientSize", None),
    ({"RadionuclideHalfLife": None}, "(0018,1075) RadionuclideHalfLife", None),  # no F-18 code
    ({"RadionuclideHalfLife": -6586.2}, "(0018,1075) RadionuclideHalfLife", None),
    # START: injection 11:30:00 after the reference 11:00:00 (2.5 step 3), never clipped
    ({"RadiopharmaceuticalStartDateTime": "20250101113000"}, "RadiopharmaceuticalStart", "after"),
    # explicit DateTime is never moved by the midnight rule (2.5 step 2)
    ({"RadiopharmaceuticalStartDateTime": "20250101233000"}, "RadiopharmaceuticalStart", "after"),
    # uptake must be < 24 h
    ({"RadiopharmaceuticalStartDateTime": "20241230100000"}, "RadiopharmaceuticalStart", None),
    ({"RadiopharmaceuticalStartDateTime": None}, "(0018,1078) RadiopharmaceuticalStartDateTime", None),
    ({"Units": "PROPCPS"}, "(0054,1001) Units", None),
    ({"Units": "1CM"}, "(0054,1001) Units", None),
    ({"Units": "CNTS", "Manufacturer": "SIEMENS"}, "(0054,1001) Units", None),  # CNTS, not Philips
    ({"Units": "GML", "SUVType": "BSA"}, "(0054,1006) SUVType", None),
    ({"CorrectedImage": ["DECY"]}, "(0028,0051) CorrectedImage", "ATTN"),
    ({"CorrectedImage": ["ATTN"]}, "(0028,0051) CorrectedImage", "DECY"),  # START without DECY
    ({"DecayCorrection": "XYZ"}, "(0054,1102) DecayCorrection", None),
    ({"SeriesType": ["DYNAMIC", "IMAGE"]}, "(0054,1000) SeriesType", None),
    ({"SeriesType": ["WHOLE BODY", "REPROJECTION"]}, "(0054,1000) SeriesType", None),
]


@pytest.mark.parametrize(
    ("changes", "tag", "fragment"),
    HEADER_REFUSALS,
    ids=[f"{i:02d}-{next(iter(c[0]))}" for i, c in enumerate(HEADER_REFUSALS)],
)
def test_header_refusals(tmp_path: Path, changes: dict, tag: str, fragment: str | None) -> None:
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_DRO, **changes}, 14400)
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert tag in str(error.value.column)
    assert Path(error.value.file).suffix == ".dcm" and len(error.value.rows) == 1
    result = RUNNER.invoke(app, ["pet", "suv", str(folder)])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    located = re.search(r"IM(\d{3})\.dcm, instance (\d+), tags? [^:]*" + re.escape(tag), message)
    assert located, message
    # the instance named is the one of the file named (IM{6-k} holds instance 50-k)
    assert int(located.group(2)) == LAST_INSTANCE - (6 - int(located.group(1)))
    if fragment:
        assert fragment in message


def test_admin_injection_after_acquisition_is_refused(tmp_path: Path) -> None:
    # ADMIN: uptake = earliest acquisition 11:00:00 - injection 11:30:00 < 0 -> InputError (2.5 step 3)
    folder = one_voxel_series(
        tmp_path / "pet", header(RadiopharmaceuticalStartDateTime="20250101113000"), 14400
    )
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert "RadiopharmaceuticalStart" in str(error.value.column)


@pytest.mark.parametrize(
    ("key", "values", "tag", "k"),
    [
        ("RescaleIntercept", ["0", "0", "0", "5", "0", "0"], "(0028,1052) RescaleIntercept", 3),
        ("PatientWeight", [70.0, 70.0, 70.0, 71.0, 70.0, 70.0], "(0010,1030) PatientWeight", 3),
        ("Units", ["BQML", "BQML", "BQML", "BQML", "CNTS", "BQML"], "(0054,1001) Units", 4),
    ],
)
def test_per_slice_refusals_name_that_slice(tmp_path: Path, key: str, values: list, tag: str, k: int) -> None:
    folder = write_pet(tmp_path / "pet", np.full((6, 8, 8), 14400), HEADER_DRO, per_slice={key: values})
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert error.value.column == tag
    assert Path(error.value.file).name == f"IM{6 - k:03d}.dcm" and error.value.rows == [LAST_INSTANCE - k]
    result = RUNNER.invoke(app, ["pet", "suv", str(folder)])
    assert result.exit_code == 2
    assert f"IM{6 - k:03d}.dcm, instance {LAST_INSTANCE - k}, tag {tag}" in " ".join(result.stderr.split())


def test_duplicate_slice_positions_are_refused(tmp_path: Path) -> None:
    folder = write_pet(
        tmp_path / "pet", np.full((4, 8, 8), 14400), HEADER_DRO, positions_z=[0.0, 4.0, 4.0, 8.0]
    )
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert "(0020,0032) ImagePositionPatient" in str(error.value.column)
    assert RUNNER.invoke(app, ["pet", "suv", str(folder)]).exit_code == 2


def test_non_pt_modality_is_refused(tmp_path: Path) -> None:
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_DRO, "Modality": "CT"}, 14400)
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert "(0008,0060) Modality" in str(error.value.column)
    result = RUNNER.invoke(app, ["pet", "suv", str(folder)])
    assert result.exit_code == 2 and "(0008,0060) Modality" in " ".join(result.stderr.split())


def test_enhanced_pet_sop_class_is_refused(tmp_path: Path) -> None:
    folder = one_voxel_series(
        tmp_path / "pet", {**HEADER_DRO, "SOPClassUID": "1.2.840.10008.5.1.4.1.1.130"}, 14400
    )
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert error.value.column == "(0008,0016) SOPClassUID"


@pytest.mark.parametrize(
    ("changes", "tag"),
    [
        (
            {"CorrectedImage": ["ATTN"], "DecayCorrection": "ADMIN"},
            "(0028,0051) CorrectedImage",
        ),  # 2.2 item 3
        ({"DecayCorrection": "NONE", "CorrectedImage": ["ATTN"]}, "(0018,1242) ActualFrameDuration"),  # 2.6
        ({"RadionuclideTotalDose": 5e9}, "(0018,1074) RadionuclideTotalDose"),  # > 2e9 Bq (1.8)
        ({"PatientWeight": 1.9}, "(0010,1030) PatientWeight"),  # < 2 kg
        (
            {"RadiopharmaceuticalStartDateTime": "20241231110000"},
            "(0018,1072) RadiopharmaceuticalStartTime",
        ),  # 24 h
        (
            {
                "RadiopharmaceuticalStartDateTime": None,
                "RadionuclideTotalDose": None,
                "RadionuclideHalfLife": None,
                "Radiopharmaceutical": None,
            },
            "(0054,0016) RadiopharmaceuticalInformationSequence",
        ),
    ],
    ids=[
        "admin-without-DECY",
        "none-without-duration",
        "dose-5e9",
        "weight-1.9",
        "uptake-24h",
        "no-sequence",
    ],
)
def test_more_header_refusals(tmp_path: Path, changes: dict, tag: str) -> None:
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_DRO, **changes}, 14400)
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert error.value.column == tag
    result = RUNNER.invoke(app, ["pet", "suv", str(folder)])
    assert result.exit_code == 2
    assert re.search(r"IM\d{3}\.dcm, instance \d+, tag " + re.escape(tag), " ".join(result.stderr.split()))


@pytest.mark.parametrize(
    ("key", "values", "tag"),
    [
        ("SeriesTime", ["110000"] * 5 + ["110001"], "(0008,0031) SeriesTime"),
        ("PatientSex", ["M"] * 5 + ["F"], "(0010,0040) PatientSex"),
        ("PixelSpacing", [[4.0, 4.0]] * 5 + [[4.0, 4.5]], "(0028,0030) PixelSpacing"),
    ],
)
def test_series_level_attribute_differs_is_refused(tmp_path: Path, key: str, values: list, tag: str) -> None:
    # 2.2 item 4; which of the two disagreeing instances is named is not fixed by the spec
    folder = write_pet(tmp_path / "pet", np.full((6, 8, 8), 14400), HEADER_DRO, per_slice={key: values})
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert error.value.column == tag
    assert RUNNER.invoke(app, ["pet", "suv", str(folder)]).exit_code == 2


@pytest.mark.parametrize("weight", [2.0, 350.0])
def test_weight_range_is_inclusive(tmp_path: Path, weight: float) -> None:
    # 1.8: 2 to 350 kg accepted; SUV = 4.0000050 x W / 70
    volume = read_suv(one_voxel_series(tmp_path / "pet", {**HEADER_DRO, "PatientWeight": weight}, 14400))
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0000050 * weight / 70, rel=1e-6)


# ------------------------------------------------------------------------------------------------
# 7. Times: formats, UTC offsets, rules 1-5 of 2.7, overrides (pet.md 2.4-2.7, 1.8)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "uptake", "suv"),
    [
        # TM as HH (injection), HHMM (series), retired HH:MM:SS (acquisition): still 3600 s -> 4.0000050
        (
            {
                "RadiopharmaceuticalStartDateTime": None,
                "RadiopharmaceuticalStartTime": "10",
                "SeriesTime": "1100",
                "AcquisitionTime": "11:00:00",
            },
            3600.0,
            4.0000050,
        ),
        # fractional seconds kept: 3599.75 s -> 4.0000050 x 2^(-0.25/6586.2) = 3.999900
        ({"RadiopharmaceuticalStartDateTime": "20250101100000.250000"}, 3599.75, 3.999900),
        # SeriesTime 10:58:00 before the acquisitions (rule 3): t_ref = 10:58, 3480 s ->
        # 4.0000050 x 2^(-120/6586.2) = 3.949806
        ({"SeriesTime": "105800"}, 3480.0, 3.949806),
        # rule 1: DecayCorrectionDateTime 11:00:00 wins over a SeriesTime 11:30:00 after the acquisitions
        (
            {
                "SeriesTime": "113000",
                "AcquisitionTime": "110230",
                "DecayCorrectionDateTime": "20250101110000",
            },
            3600.0,
            4.0000050,
        ),
    ],
    ids=["HH-HHMM-retired", "fraction", "series-before-acquisition", "rule1"],
)
def test_reference_and_formats(tmp_path: Path, changes: dict, uptake: float, suv: float) -> None:
    volume = read_suv(one_voxel_series(tmp_path / "pet", {**HEADER_DRO, **changes}, 14400))
    assert volume.provenance["uptake_s"] == pytest.approx(uptake, abs=1e-6)
    assert volume.suvbw[0, 0, 0] == pytest.approx(suv, rel=1e-6)


def test_utc_offsets(tmp_path: Path) -> None:
    # one side with an offset: dropped (same clock) + warning -> 3600 s (2.4)
    one = read_suv(
        one_voxel_series(
            tmp_path / "one", {**HEADER_DRO, "RadiopharmaceuticalStartDateTime": "20250101100000+0100"}, 14400
        )
    )
    assert one.provenance["uptake_s"] == pytest.approx(3600.0)
    assert one.provenance["warnings"]
    # both with offsets: compared in UTC, 11:00+01:00 = 10:00 UTC to 11:00+00:00 -> 3600 s (ADMIN)
    hdr = header(
        RadiopharmaceuticalStartDateTime="20250101110000+0100", AcquisitionDateTime="20250101110000+0000"
    )
    assert read_suv(one_voxel_series(tmp_path / "both", hdr, 14400)).provenance["uptake_s"] == pytest.approx(
        3600.0
    )


def test_start_time_and_datetime_disagree_datetime_wins(tmp_path: Path) -> None:
    # 2.5 step 1: (0018,1078) 10:00:00 used, (0018,1072) 10:05:00 differs by > 1 s -> warning; 4.0000
    volume = read_suv(
        one_voxel_series(tmp_path / "pet", {**HEADER_DRO, "RadiopharmaceuticalStartTime": "100500"}, 14400)
    )
    assert volume.provenance["uptake_s"] == pytest.approx(3600.0)
    assert volume.provenance["warnings"]


def test_admin_midnight_rule_uses_earliest_acquisition(tmp_path: Path) -> None:
    # ADMIN, injection 23:30 (time only), acquisition 2025-01-02 00:30 -> previous day, uptake 3600 s
    hdr = header(
        SeriesDate="20250102",
        AcquisitionDate="20250102",
        SeriesTime="003000",
        AcquisitionTime="003000",
        RadiopharmaceuticalStartDateTime=None,
        RadiopharmaceuticalStartTime="233000",
    )
    volume = read_suv(one_voxel_series(tmp_path / "pet", hdr, 14400))
    assert volume.provenance["uptake_s"] == pytest.approx(3600.0)
    assert volume.suvbw[0, 0, 0] == pytest.approx(1.44, rel=1e-12)  # 14400 x 1e-4
    assert volume.provenance["warnings"]


def _add_private(
    folder: Path, group: int, creators: Sequence[str], element: int, vr: str, value: str
) -> None:
    """Reserve private blocks for ``creators`` in order and put the value in the last one."""
    for path in folder.glob("*.dcm"):
        ds = pydicom.dcmread(path)
        for creator in creators:
            block = ds.private_block(group, creator, create=True)
        block.add_new(element, vr, value)
        ds.save_as(path)


GE_LATE = {
    **HEADER_DRO,
    "Manufacturer": "GE MEDICAL SYSTEMS",
    "SeriesTime": "113000",
    "AcquisitionTime": "110230",
}


def test_rule2_ge_private_found_through_its_creator(tmp_path: Path) -> None:
    # GEMS_PETD_01 in the second slot: the scan datetime sits at (0009,110D), not (0009,100D); t_ref 11:00 ->
    # DRO_0_0 value 4.0000
    folder = one_voxel_series(tmp_path / "pet", GE_LATE, 14400)
    _add_private(folder, 0x0009, ["OTHER", "GEMS_PETD_01"], 0x0D, "DT", "20250101110000")
    volume = read_suv(folder)
    assert volume.provenance["reference_time_source"] == "ge_private"
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0, abs=5e-5)


def test_rule2_other_creators_element_is_not_the_ge_datetime(tmp_path: Path) -> None:
    # (0009,100D) owned by another creator is ignored: rule 5 (earliest acquisition 11:02:30) -> 4.0637
    folder = one_voxel_series(tmp_path / "pet", GE_LATE, 14400)
    _add_private(folder, 0x0009, ["OTHER"], 0x0D, "DT", "20250101110000")
    volume = read_suv(folder)
    assert volume.provenance["reference_time_source"] == "earliest_acquisition"
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0637, abs=1e-4)


def test_rule2_creatorless_ge_datetime_dro_3_3(tmp_path: Path) -> None:
    # 2.1 exception: no creator at (0009,0010), Manufacturer GE, (0009,100D) parses as DT -> used + warning
    folder = one_voxel_series(tmp_path / "pet", GE_LATE, 14400)
    for path in folder.glob("*.dcm"):
        ds = pydicom.dcmread(path)
        ds.add_new(0x0009100D, "DT", "20250101110000")
        ds.save_as(path)
    volume = read_suv(folder)
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0, abs=5e-5)
    assert volume.provenance["warnings"]


def test_philips_factor_found_through_its_creator(tmp_path: Path) -> None:
    # creator in the second slot -> (7053,1100); 8000 x 0.0005 = 4.0. The same value owned by another creator
    # is not a Philips factor: CNTS refused, (0054,1001).
    hdr = {**HEADER_DRO, "Units": "CNTS", "Manufacturer": "Philips"}
    good = one_voxel_series(tmp_path / "good", hdr, 8000)
    _add_private(good, 0x7053, ["OTHER", "Philips PET Private Group"], 0x00, "DS", "0.0005")
    assert read_suv(good).suvbw[0, 0, 0] == pytest.approx(4.0, rel=1e-12)
    bad = one_voxel_series(tmp_path / "bad", hdr, 8000)
    _add_private(bad, 0x7053, ["OTHER"], 0x00, "DS", "0.0005")
    with pytest.raises(InputError) as error:
        read_suv(bad)
    assert error.value.column == "(0054,1001) Units"


def test_philips_zero_suv_factor_falls_back_and_disagreement_warns(tmp_path: Path) -> None:
    # 2.3: (7053,1000) = 0 -> activity route: 28800 x 0.5 = 14400 Bq/ml -> 4.0000
    hdr = {**HEADER_DRO, "Units": "CNTS", "Manufacturer": "Philips", "PhilipsActivityScaleFactor": 0.5}
    zero = read_suv(one_voxel_series(tmp_path / "zero", {**hdr, "PhilipsSUVScaleFactor": 0.0}, 28800))
    assert zero.suvbw[0, 0, 0] == pytest.approx(4.0, abs=5e-5)
    # both present: SUV factor used (8000 x 0.00055 = 4.4); activity route 8000 x 0.5 = 4000 Bq/ml x
    # 2.7777812e-4 = 1.111 -> differs by > 2 % -> warning, number unchanged
    both = read_suv(one_voxel_series(tmp_path / "both", {**hdr, "PhilipsSUVScaleFactor": 0.00055}, 8000))
    assert both.suvbw[0, 0, 0] == pytest.approx(4.4, rel=1e-12)
    assert both.provenance["warnings"]


def test_philips_suv_factor_per_slice(tmp_path: Path) -> None:
    # f per slice (2.3): 8000 x f_k
    factors = [0.0005, 0.00025, 0.001, 0.0005, 0.0002, 0.0004]
    hdr = {**HEADER_DRO, "Units": "CNTS", "Manufacturer": "Philips"}
    folder = write_pet(
        tmp_path / "pet", np.full((6, 8, 8), 8000), hdr, per_slice={"PhilipsSUVScaleFactor": factors}
    )
    assert read_suv(folder).suvbw[:, 0, 0] == pytest.approx([4.0, 2.0, 8.0, 4.0, 1.6, 3.2], rel=1e-12)


def test_rule4_inconsistent_frame_timing_falls_back_with_warning(tmp_path: Path) -> None:
    # FRT 450 s / 590 s: r = 10:59:59.906 and 11:00:09.906, spread 10 s > 1 s -> warning, rule 5: 4.0637
    hdr = {**HEADER_DRO, "SeriesTime": "113000", "ActualFrameDuration": 603000}
    per_slice = {
        "AcquisitionTime": ["110230"] * 3 + ["110500"] * 3,
        "FrameReferenceTime": [450000] * 3 + [590000] * 3,
    }
    volume = read_suv(write_pet(tmp_path / "pet", np.full((6, 8, 8), 14400), hdr, per_slice=per_slice))
    assert volume.provenance["reference_time_source"] == "earliest_acquisition"
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0637, abs=1e-4)
    assert len(volume.provenance["warnings"]) >= 1


def test_cross_check_a_warns_without_changing_the_number(tmp_path: Path) -> None:
    # rule 3 (SeriesTime 11:00 = acquisition); back-computation 11:00 + 299.906 - 600 = 10:54:59.9, 300 s
    # away (> 120 s) -> warning; SUV stays 4.0000 from t_ref 11:00
    hdr = {**HEADER_DRO, "ActualFrameDuration": 603000, "FrameReferenceTime": 600000}
    volume = read_suv(one_voxel_series(tmp_path / "pet", hdr, 14400))
    assert volume.provenance["reference_time_source"] == "series"
    assert volume.suvbw[0, 0, 0] == pytest.approx(4.0, abs=5e-5)
    assert volume.provenance["warnings"]


def test_patient_table_overrides(tmp_path: Path) -> None:
    # weight_kg 80 (header 70, > 5 % apart: warning): 4.0000050 x 80 / 70 = 4.571434;
    # injected_bq 736.16 MBq (2 x 368.08): 4.0000050 / 2 = 2.0000025, recorded in the provenance (2.6)
    folder = one_voxel_series(tmp_path / "pet", HEADER_DRO, 14400)
    heavier = read_suv(folder, weight_kg=80.0)
    assert heavier.suvbw[0, 0, 0] == pytest.approx(4.571434, rel=1e-6)
    assert heavier.provenance["warnings"]
    double = read_suv(folder, injected_bq=736.16e6)
    assert double.suvbw[0, 0, 0] == pytest.approx(2.0000025, rel=1e-6)
    assert double.provenance["injected_bq"] == pytest.approx(736.16e6)


def test_suv_images_need_no_times_or_activity(tmp_path: Path) -> None:
    # 2.3: GML/CM2ML need no dose or injection time. GML BW 4000 x 0.001 = 4.0; CM2ML U = 4.0 cm2/ml,
    # 70 kg 175 cm: BSA = 0.007184 x 70^0.425 x 175^0.725 = 1.8481525; SUVbw = 4 x 70 / 18.481525 = 15.150343
    bare = {"RadionuclideTotalDose": None, "RadiopharmaceuticalStartDateTime": None}
    gml = read_suv(one_voxel_series(tmp_path / "gml", header(Units="GML", **bare), 4000, 0.001))
    assert gml.suvbw[0, 0, 0] == pytest.approx(4.0, rel=1e-12)
    cm2ml = read_suv(one_voxel_series(tmp_path / "cm2ml", header(Units="CM2ML", **bare), 4000, 0.001))
    assert cm2ml.suvbw[0, 0, 0] == pytest.approx(15.150343, rel=1e-6)


def test_sul_without_sex_names_patient_sex(tmp_path: Path) -> None:
    folder = one_voxel_series(tmp_path / "pet", {**HEADER_DRO, "PatientSex": None}, 14400)
    assert read_suv(folder).suvbw[0, 0, 0] == pytest.approx(4.0, abs=5e-5)
    with pytest.raises(InputError) as error:
        read_suv(folder, "lbm")
    assert error.value.column == "(0010,0040) PatientSex"


# ------------------------------------------------------------------------------------------------
# 8. Geometry (pet.md 6.2)
# ------------------------------------------------------------------------------------------------


def test_nonuniform_gap_refused_or_resampled(tmp_path: Path) -> None:
    # positions 0, 4, 8, 16: gap 8 vs median 4 (100 % off) -> InputError naming ImagePositionPatient;
    # nonuniform="resample" reads it (uniform values stay 4.0000) with a warning
    folder = write_pet(
        tmp_path / "pet", np.full((4, 8, 8), 14400), HEADER_DRO, positions_z=[0.0, 4.0, 8.0, 16.0]
    )
    with pytest.raises(InputError) as error:
        read_suv(folder)
    assert "(0020,0032) ImagePositionPatient" in str(error.value.column)
    volume = read_suv(folder, nonuniform="resample")
    assert volume.spacing_mm[0] == pytest.approx(4.0)
    assert volume.suvbw == pytest.approx(np.full(volume.suvbw.shape, 4.0), abs=5e-5)
    assert volume.provenance["warnings"]


def test_gap_exactly_10_percent_is_accepted_exact_binary(tmp_path: Path) -> None:
    # positions 0, 5, 10.5, 15.5: gaps 5, 5.5, 5; |5.5 - 5| = 0.5 = 0.10 x 5 -> accepted (inclusive)
    folder = write_pet(
        tmp_path / "pet", np.full((4, 8, 8), 14400), HEADER_DRO, positions_z=[0.0, 5.0, 10.5, 15.5]
    )
    volume = read_suv(folder)
    assert volume.provenance["max_slice_gap_deviation_mm"] == pytest.approx(0.5)


def test_gap_exactly_10_percent_is_accepted_4mm(tmp_path: Path) -> None:
    folder = write_pet(
        tmp_path / "pet", np.full((4, 8, 8), 14400), HEADER_DRO, positions_z=[0.0, 4.0, 8.4, 12.4]
    )
    volume = read_suv(folder)
    assert volume.provenance["max_slice_gap_deviation_mm"] == pytest.approx(0.4)


# ------------------------------------------------------------------------------------------------
# 9. Lesions from a binary label map, CLI overrides, provenance (pet.md 4.6, 1.8, 0.4, 2.1)
# ------------------------------------------------------------------------------------------------


def test_binary_label_map_is_split_into_lesions(phantom: Path, tmp_path: Path) -> None:
    # one value (1) on the 7(e) block and on a separate 3 x 3 x 5 box around the blood pool (j 9-11 vs 2-5):
    # two 26-connected lesions (4.6); the 7(e) one keeps its 41 % numbers (0.448 ml, 2.7008); the other has
    # SUVmax 3.0 and 41 % of 3.0 = 1.23: its 25 cylinder voxels (5 x 3.0 + 20 x 2.0 = 55) -> 1.6 ml, 3.52
    voi = lesion_voi()
    voi[2:7, 9:12, 2:5] = True
    labels = write_labels(tmp_path / "binary.nii.gz", voi)
    out = tmp_path / "two.csv"
    result = RUNNER.invoke(app, ["pet", "quantify", str(phantom), "--labels", str(labels), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out).sort_values("suvmax")
    assert len(table) == 2
    assert table["suvmax"].tolist() == pytest.approx([3.0, 10.0])
    assert table["mtv_ml"].tolist() == pytest.approx([1.6, 0.448])
    assert table["tlg"].tolist() == pytest.approx([3.52, 2.7008])


def test_cli_overrides_weight_and_sex(phantom: Path, tmp_path: Path) -> None:
    # --weight-kg 140 doubles SUVbw (ADMIN: C x 140000 / 7e8): SUVmax 20, TLG 2 x 2.7008 = 5.4016 (41 % set
    # unchanged); --sex F, 140 kg, 175 cm: BMI 45.714286, Janmahasatian F = 9270 x 140 / (8780 + 244 x
    # 45.714286) = 1297800 / 19934.285714 = 65.103913 kg; sulmean = 2 x 42.2 / 7 x 65.103913 / 140 = 5.606908
    labels = write_labels(tmp_path / "labels.nii.gz", lesion_voi())
    out = tmp_path / "o.csv"
    result = RUNNER.invoke(
        app,
        [
            "pet",
            "quantify",
            str(phantom),
            "--labels",
            str(labels),
            "--out",
            str(out),
            "--weight-kg",
            "140",
            "--sex",
            "F",
        ],
    )
    assert result.exit_code == 0, result.output
    row = pd.read_csv(out).iloc[0]
    assert row["suvmax"] == pytest.approx(20.0)
    assert row["tlg"] == pytest.approx(5.4016)
    assert row["sulmean"] == pytest.approx(5.606908, rel=1e-6)


def test_7d_peak_centre_is_reported(d_series: Path) -> None:
    row = quantify(read_suv(d_series), {"L": d_mask()}).iloc[0]
    assert row["peak_centre_index"] == "4,4,4"


def test_non_fdg_radiopharmaceutical_warns(tmp_path: Path) -> None:
    volume = read_suv(
        one_voxel_series(tmp_path / "pet", {**HEADER_DRO, "Radiopharmaceutical": "Choline C-11"}, 14400)
    )
    assert volume.provenance["warnings"]


def test_provenance_record_holds_peak_and_segmentation(d_series: Path) -> None:
    table = quantify(read_suv(d_series), {"L": d_mask()})
    record = table.attrs["provenance"]
    assert "peak_method" in record and "segmentation" in record


def test_provenance_record_holds_the_listed_keys(tmp_path: Path) -> None:
    volume = read_suv(one_voxel_series(tmp_path / "pet", HEADER_DRO, 14400), "lbm")
    record = volume.provenance
    for key in (
        "series_uid",
        "manufacturer",
        "units_in",
        "decay_correction",
        "injection_datetime",
        "reference_datetime",
        "reference_time_source",
        "uptake_s",
        "half_life_s",
        "injected_bq",
        "weight_kg",
        "height_cm",
        "sex",
        "lbm_formula",
        "lbm_kg",
        "suv_bw_factor",
        "philips_factor_used",
        "unit_fixes_applied",
        "warnings",
    ):
        assert key in record, key
    assert record["lbm_kg"] == pytest.approx(LBM_70, rel=1e-6)
    assert record["suv_bw_factor"] == pytest.approx(2.7777812e-4, rel=1e-7)
    json.dumps(record, default=str)
