"""End to end, as a nuclear-medicine reader: DICOM PET studies -> SUV -> lesion table -> PERCIST.

One synthetic patient, two FDG-PET studies written as real PET DICOM series (pydicom, BQML, START):

* baseline 2025-01-01 (day -5): 80 kg, 1.80 m, male, 370 MBq injected at 10:00 (RadiopharmaceuticalStart
  DateTime), series 11:00 (60 min uptake); one slice stored with a RescaleSlope 5 times its neighbours';
* follow-up 2025-03-03 (day 56): 76 kg, 350 MBq injected at 23:30 the evening before, given only as
  RadiopharmaceuticalStartTime (midnight rule, spec/pet.md 2.5), series 00:25 (55 min uptake); slices
  written top to bottom (ImagePositionPatient z decreasing while InstanceNumber increases, spec 6.2).

Images are built in SUL (Janmahasatian LBM, spec 1.3) on a 16 x 32 x 32 grid of 4 mm voxels (0.064 ml):
background SUL 0.5, three uniform spheres (voxel centres within R):

    L1 lung        R 12 mm (123 voxels, 7.872 ml)   SUL 8.0 -> 4.8 (-40 %)
    L2 lymph node  R 10 mm ( 81 voxels, 5.184 ml)   SUL 4.5 -> 4.5
    L3 bone        R  8 mm ( 33 voxels, 2.112 ml)   SUL 4.0 -> gone (background)

Voxel counts: lattice points with a^2 + b^2 + c^2 <= (R / 4 mm)^2, i.e. sums of r3(n) for n <= 9, 6, 4
(r3 = 1, 6, 12, 8, 6, 24, 24, 0, 12, 30). The 1 ml fractional peak kernel at 4 mm reaches offsets of norm
<= 4 (spec 3.3 table), so every sphere here, even the 33-voxel one, holds the whole kernel around its
centre: SULpeak = the uniform SUL. The background (0.5) is below 41 % of every lesion maximum, so the
41 % MTV mask is the sphere itself; TLG = MTV x SUVmean (spec 4.4).

Liver: a checkerboard block (SUL 2.0 on voxels with the parity of the liver centre, 1.6 on the others).
The 15 mm liver sphere at 4 mm holds 251 voxels (spec 5.1); an offset (a, b, c) keeps the parity of the
centre iff a^2 + b^2 + c^2 is even: r3(0, 2, 4, ..., 14) = 1 + 12 + 6 + 24 + 12 + 24 + 8 + 48 = 135
voxels at 2.0 and 116 at 1.6. Mean (135 x 2.0 + 116 x 1.6) / 251, population SD 0.4 sqrt(135 x 116) / 251.

The stored integers are exact: in every slice the ratios of the values to the slice maximum times 30000
(the helper's RescaleSlope rule) are integers, so the expected values hold to ~1e-9.
"""

from __future__ import annotations

import math
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pydicom
import pytest
from _pet_synthetic import write_series
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.pet import quantify, read_labels, read_suv

SHAPE = (16, 32, 32)
SPACING = 4.0
VOXEL_ML = 0.064
HALF_LIFE = 6586.2
HEIGHT_M = 1.80
BACKGROUND_SUL = 0.5
LIVER_HI, LIVER_LO = 2.0, 1.6
LIVER_CENTRE_KJI = (8, 25, 24)
LIVER_CENTRE_LPS = (96.0, 100.0, 32.0)  # x = 4 i, y = 4 j, z = 4 k (origin 0, identity orientation)
LIVER_SUL_MEAN = (135 * LIVER_HI + 116 * LIVER_LO) / 251
LIVER_SUL_SD = (LIVER_HI - LIVER_LO) * math.sqrt(135 * 116) / 251
THRESHOLD_T = 1.5 * LIVER_SUL_MEAN + 2 * LIVER_SUL_SD  # PERCIST measurability (spec/pet.md 5.5)

# lesion id (NIfTI label value) -> (role, organ, centre k/j/i, radius mm, voxels, SUL baseline, SUL follow-up)
LESIONS = {
    "1": ("target", "lung", (8, 8, 8), 12.0, 123, 8.0, 4.8),
    "2": ("target", "lymph node", (8, 8, 23), 10.0, 81, 4.5, 4.5),
    "3": ("non_target", "bone", (8, 24, 8), 8.0, 33, 4.0, None),
}
VOI_MARGIN_MM = 8.0
MAX_AXIAL_DIAMETER_MM = {"1": 6 * 4.0 + 4.0, "2": math.sqrt(4**2 + 2**2) * 4.0 + 4.0, "3": 4 * 4.0 + 4.0}
"""Spec 4.5 max_axial on the central slice: L1 (-3,0)-(3,0); L2 (-2,-1)-(2,1); L3 (-2,0)-(2,0); + 4 mm."""

SCANS = {
    "baseline": {
        "date": "2025-01-01",
        "day": -5,
        "weight": 80.0,
        "dose": 370.0e6,
        "uptake_s": 3600.0,
        "header": {
            "PatientID": "PET-ADV-1",
            "PatientWeight": 80.0,
            "PatientSize": HEIGHT_M,
            "PatientSex": "M",
            "SeriesDate": "20250101",
            "SeriesTime": "110000",
            "AcquisitionDate": "20250101",
            "AcquisitionTime": "110000",
            "RadiopharmaceuticalStartDateTime": "20250101100000",
            "RadionuclideTotalDose": 370.0e6,
            "RadionuclideHalfLife": HALF_LIFE,
        },
    },
    "followup": {
        "date": "2025-03-03",
        "day": 56,
        "weight": 76.0,
        "dose": 350.0e6,
        "uptake_s": 3300.0,
        "header": {
            "PatientID": "PET-ADV-1",
            "PatientWeight": 76.0,
            "PatientSize": HEIGHT_M,
            "PatientSex": "M",
            "SeriesDate": "20250303",
            "SeriesTime": "002500",
            "AcquisitionDate": "20250303",
            "AcquisitionTime": "002500",
            "RadiopharmaceuticalStartDateTime": None,
            "RadiopharmaceuticalStartTime": "233000",
            "RadionuclideTotalDose": 350.0e6,
            "RadionuclideHalfLife": HALF_LIFE,
        },
    },
}

RUNNER = CliRunner()


def sul_factor(weight: float) -> float:
    """Janmahasatian male LBM / W (spec 1.3; BMI with the height in metres)."""
    bmi = weight / HEIGHT_M**2
    return 9270 * weight / (6680 + 216 * bmi) / weight


def bq_per_suvbw(scan: dict) -> float:
    """START: C = SUVbw x A_inj exp(-lambda (t_ref - t_inj)) / (1000 W) (spec 1.1, 2.6)."""
    return scan["dose"] * 0.5 ** (scan["uptake_s"] / HALF_LIFE) / (1000.0 * scan["weight"])


def _distance_mm(centre_kji) -> np.ndarray:
    grids = np.meshgrid(*(np.arange(n) for n in SHAPE), indexing="ij")
    return np.sqrt(sum(((g - c) * SPACING) ** 2 for g, c in zip(grids, centre_kji, strict=True)))


def sul_image(scan: str) -> np.ndarray:
    image = np.full(SHAPE, BACKGROUND_SUL)
    k, j, i = np.meshgrid(*(np.arange(n) for n in SHAPE), indexing="ij")
    liver = (k >= 3) & (k <= 13) & (j >= 19) & (j <= 30) & (i >= 18) & (i <= 30)
    same_parity = (k + j + i) % 2 == sum(LIVER_CENTRE_KJI) % 2
    image[liver] = np.where(same_parity[liver], LIVER_HI, LIVER_LO)
    for _, _, centre, radius, _, baseline, followup in LESIONS.values():
        value = baseline if scan == "baseline" else followup
        if value is not None:
            image[_distance_mm(centre) <= radius] = value
    return image


def label_map(scan: str) -> np.ndarray:
    labels = np.zeros(SHAPE, dtype=np.int16)
    for lesion_id, (_, _, centre, radius, _, baseline, followup) in LESIONS.items():
        if (baseline if scan == "baseline" else followup) is not None:
            labels[_distance_mm(centre) <= radius + VOI_MARGIN_MM] = int(lesion_id)
    return labels


def _write_nifti(path: Path, labels_kji: np.ndarray) -> Path:
    # nibabel order (i, j, k); RAS affine diag(-4, -4, 4) is the PET's LPS grid from origin 0.
    nib.save(nib.Nifti1Image(labels_kji.transpose(2, 1, 0), np.diag([-4.0, -4.0, 4.0, 1.0])), path)
    return path


def _scale_one_slice(path: Path, factor: int) -> None:
    """Store one slice with a RescaleSlope ``factor`` times larger (integers divided by ``factor``)."""
    ds = pydicom.dcmread(path)
    stored = ds.pixel_array.astype(np.int64)
    assert np.all(stored % factor == 0)
    ds.PixelData = (stored // factor).astype(np.int16).tobytes()
    ds.RescaleSlope = f"{float(ds.RescaleSlope) * factor:.12g}"
    ds.save_as(path, enforce_file_format=True)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pet_study")
    paths: dict[str, Path] = {}
    # baseline: ascending positions, slice k=8 (through every lesion and the liver centre) rewritten
    bl = SCANS["baseline"]
    files = write_series(
        root / "baseline",
        sul_image("baseline") / sul_factor(bl["weight"]) * bq_per_suvbw(bl),
        bl["header"],
        reverse_files=False,
    )
    _scale_one_slice(files[8], 5)
    paths["baseline"] = root / "baseline"
    # follow-up: file k holds slice 15 - k at z = 4 (15 - k): top to bottom
    fu = SCANS["followup"]
    values = sul_image("followup") / sul_factor(fu["weight"]) * bq_per_suvbw(fu)
    write_series(
        root / "followup",
        values[::-1],
        fu["header"],
        slice_positions=[(SHAPE[0] - 1 - k) * SPACING for k in range(SHAPE[0])],
        reverse_files=False,
    )
    paths["followup"] = root / "followup"
    paths["baseline_labels"] = _write_nifti(root / "baseline_labels.nii.gz", label_map("baseline"))
    paths["followup_labels"] = _write_nifti(root / "followup_labels.nii.gz", label_map("followup"))
    return paths


def _scan_table(study: dict[str, Path], scan: str, *, keep_empty: bool = False) -> pd.DataFrame:
    volume = read_suv(study[scan])
    masks = read_labels(study[f"{scan}_labels"], volume)
    if keep_empty:  # the reader's VOI of L3 copied to the follow-up, now empty
        masks = {**masks, **{k: np.zeros(SHAPE, dtype=bool) for k in LESIONS if k not in masks}}
    return quantify(volume, masks, liver_centre=LIVER_CENTRE_LPS)


def _pet_table(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = []
    for scan, table in tables.items():
        table = table.copy()
        table["day"] = SCANS[scan]["day"]
        table["role"] = table["lesion_id"].map(lambda i: LESIONS[i][0])
        table["organ"] = table["lesion_id"].map(lambda i: LESIONS[i][1])
        table["status"] = "present"
        table["cycles_before_scan"] = 0 if scan == "baseline" else 3
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def tables(study) -> dict[str, pd.DataFrame]:
    return {scan: _scan_table(study, scan) for scan in ("baseline", "followup")}


# ------------------------------------------------------------------ construction sanity (hand arithmetic)


def test_construction_counts_used_by_the_expected_values() -> None:
    offsets = np.array([(a, b, c) for a in range(-4, 5) for b in range(-4, 5) for c in range(-4, 5)])
    norm = (offsets**2).sum(axis=1)
    assert [(norm <= n).sum() for n in (4, 6, 9)] == [33, 81, 123]
    in_liver_sphere = norm * 16 <= 225
    assert in_liver_sphere.sum() == 251 and (in_liver_sphere & (norm % 2 == 0)).sum() == 135
    image = sul_image("baseline")
    for _, _, centre, radius, voxels, value, _ in LESIONS.values():
        assert (image[_distance_mm(centre) <= radius] == value).sum() == voxels
    assert sul_factor(80.0) == pytest.approx(741600 / (6680 + 216 * 80 / 3.24) / 80)


# ------------------------------------------------------------------ SUV reading


@pytest.mark.parametrize("scan", ["baseline", "followup"])
def test_suv_volume_equals_the_constructed_image(study, scan: str) -> None:
    """Per-slice RescaleSlope (baseline slice 8 x5) and top-to-bottom slices (follow-up) give the image."""
    volume = read_suv(study[scan])
    expected = sul_image(scan) / sul_factor(SCANS[scan]["weight"])
    assert volume.suvbw.shape == SHAPE
    np.testing.assert_allclose(volume.suvbw, expected, rtol=1e-7)
    assert volume.geometry.origin == pytest.approx((0.0, 0.0, 0.0), abs=1e-9)
    assert volume.provenance["uptake_s"] == pytest.approx(SCANS[scan]["uptake_s"], abs=1e-6)


def test_followup_across_midnight_takes_the_series_date_and_55_min_uptake(tables) -> None:
    table = tables["followup"]
    assert set(table["date"]) == {"2025-03-03"}
    assert table["uptake_min"].tolist() == pytest.approx([55.0] * len(table))
    assert set(tables["baseline"]["date"]) == {"2025-01-01"}
    assert tables["baseline"]["uptake_min"].tolist() == pytest.approx([60.0] * 3)


# ------------------------------------------------------------------ per-lesion metrics


@pytest.mark.parametrize("scan", ["baseline", "followup"])
def test_lesion_metrics_by_hand(tables, scan: str) -> None:
    table = tables[scan].set_index("lesion_id")
    f = sul_factor(SCANS[scan]["weight"])
    present = {k: v for k, v in LESIONS.items() if (v[5] if scan == "baseline" else v[6]) is not None}
    assert sorted(table.index) == sorted(present)
    for lesion_id, (_, _, _, _, voxels, baseline, followup) in present.items():
        sul = baseline if scan == "baseline" else followup
        row = table.loc[lesion_id]
        suv = sul / f
        assert row["suvmax"] == pytest.approx(suv, rel=1e-7)
        assert row["suvmean"] == pytest.approx(suv, rel=1e-7)
        assert row["sulmean"] == pytest.approx(sul, rel=1e-7)
        assert row["sulpeak"] == pytest.approx(sul, rel=1e-7)
        assert row["mtv_ml"] == pytest.approx(voxels * VOXEL_ML, rel=1e-9)
        assert row["tlg"] == pytest.approx(voxels * VOXEL_ML * suv, rel=1e-7)
        assert row["tlg"] == pytest.approx(row["mtv_ml"] * row["suvmean"], rel=1e-9)
        assert row["voi_voxels"] > voxels
        assert row["functional_diameter_mm"] == pytest.approx(MAX_AXIAL_DIAMETER_MM[lesion_id], rel=1e-9)


@pytest.mark.parametrize("scan", ["baseline", "followup"])
def test_liver_reference_by_hand(tables, scan: str) -> None:
    table = tables[scan]
    assert table["liver_sul_mean"].tolist() == pytest.approx([LIVER_SUL_MEAN] * len(table), rel=1e-7)
    assert table["liver_sul_sd"].tolist() == pytest.approx([LIVER_SUL_SD] * len(table), rel=1e-6)
    assert set(table["normalization"]) == {"lbm_janmahasatian"}


def test_patient_totals_are_the_sum_of_disjoint_lesions(tables) -> None:
    f = sul_factor(80.0)
    attrs = tables["baseline"].attrs
    assert attrs["total_mtv_ml"] == pytest.approx((123 + 81 + 33) * VOXEL_ML, rel=1e-9)
    assert attrs["total_tlg"] == pytest.approx((123 * 8.0 + 81 * 4.5 + 33 * 4.0) * VOXEL_ML / f, rel=1e-7)


def test_empty_followup_voi_gives_no_uptake_value(study) -> None:
    """L3's VOI carried to the follow-up is empty: no SULpeak/SUVmax can be measured, MTV is 0 voxels and
    TLG, a sum over the same no voxel (spec 4.4: Σ_mask SUV_v * voxel_ml), is 0 too."""
    table = _scan_table(study, "followup", keep_empty=True).set_index("lesion_id")
    row = table.loc["3"]
    assert math.isnan(row["sulpeak"]) and math.isnan(row["suvmax"])
    assert row["mtv_ml"] == 0.0 and row["voi_voxels"] == 0 and row["tlg"] == 0.0
    assert table.loc["1", "sulpeak"] == pytest.approx(4.8, rel=1e-7)


def _rtstruct(path: Path, frame_uid: str, name: str, squares: list[tuple[float, float, float, float, float]]):
    ds = Dataset()
    ds.Modality = "RTSTRUCT"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.481.3"
    ds.SOPInstanceUID = generate_uid()
    reference = Dataset()
    reference.FrameOfReferenceUID = frame_uid
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([reference])
    roi = Dataset()
    roi.ROINumber, roi.ROIName = 1, name
    ds.StructureSetROISequence = DicomSequence([roi])
    item = Dataset()
    item.ReferencedROINumber = 1
    item.ContourSequence = DicomSequence()
    for x0, y0, x1, y1, z in squares:
        contour = Dataset()
        contour.ContourGeometricType = "CLOSED_PLANAR"
        contour.NumberOfContourPoints = 4
        contour.ContourData = [f"{p:g}" for p in (x0, y0, z, x1, y0, z, x1, y1, z, x0, y1, z)]
        item.ContourSequence.append(contour)
    ds.ROIContourSequence = DicomSequence([item])
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(path, enforce_file_format=True)
    return path


def test_rtstruct_box_voi_on_the_reversed_followup(study, tmp_path: Path) -> None:
    """A reader's square VOI around L1 (x, y 10..54 mm, slices z 12..52 mm; edges between voxel centres)."""
    volume = read_suv(study["followup"])
    path = _rtstruct(
        tmp_path / "rs.dcm",
        volume.frame_of_reference_uid,
        "L1",
        [(10.0, 10.0, 54.0, 54.0, 4.0 * k) for k in range(3, 14)],
    )
    masks = read_labels(path, volume)
    assert list(masks) == ["L1"] and masks["L1"].sum() == 11 * 11 * 11
    row = quantify(volume, masks, liver_centre=LIVER_CENTRE_LPS).iloc[0]
    f = sul_factor(76.0)
    assert row["sulpeak"] == pytest.approx(4.8, rel=1e-7)
    assert row["suvmax"] == pytest.approx(4.8 / f, rel=1e-7)
    assert row["mtv_ml"] == pytest.approx(123 * VOXEL_ML, rel=1e-9)
    assert row["tlg"] == pytest.approx(123 * VOXEL_ML * 4.8 / f, rel=1e-7)


# ------------------------------------------------------------------ CLI


def test_cli_quantify_two_series_matches_the_hand_values(study, tmp_path: Path) -> None:
    out = tmp_path / "pet_lesions.csv"
    result = RUNNER.invoke(
        app,
        [
            "pet",
            "quantify",
            str(study["baseline"]),
            str(study["followup"]),
            "--labels",
            str(study["baseline_labels"]),
            "--labels",
            str(study["followup_labels"]),
            "--out",
            str(out),
            "--liver",
            ",".join(f"{c:g}" for c in LIVER_CENTRE_LPS),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"lesion_id": str})
    assert len(table) == 5
    assert set(table["patient_id"]) == {"PET-ADV-1"}
    for scan in ("baseline", "followup"):
        rows = table[table["date"] == SCANS[scan]["date"]].set_index("lesion_id")
        f = sul_factor(SCANS[scan]["weight"])
        for lesion_id in rows.index:
            _, _, _, _, voxels, baseline, followup = LESIONS[lesion_id]
            sul = baseline if scan == "baseline" else followup
            assert rows.loc[lesion_id, "sulpeak"] == pytest.approx(sul, rel=1e-7)
            assert rows.loc[lesion_id, "suvmax"] == pytest.approx(sul / f, rel=1e-7)
            assert rows.loc[lesion_id, "mtv_ml"] == pytest.approx(voxels * VOXEL_ML, rel=1e-9)
        assert rows["liver_sul_mean"].tolist() == pytest.approx([LIVER_SUL_MEAN] * len(rows), rel=1e-7)
        assert rows["uptake_min"].tolist() == pytest.approx([SCANS[scan]["uptake_s"] / 60] * len(rows))


# ------------------------------------------------------------------ PERCIST on the measured table


def _percist_followup(pet: pd.DataFrame, **options) -> pd.Series:
    result = ioresponse.assess(pet, criteria=["percist"], **options)
    timepoints = result.timepoints
    timepoints = timepoints[timepoints["criterion"] == "percist"] if "criterion" in timepoints else timepoints
    return timepoints[timepoints["day"] == 56].iloc[0]


def test_percist_pmr_with_resolved_lesion_marked_absent(study, tables) -> None:
    """H_bl 8.0 (L1) -> H_fu 4.8 (L1): -40 %, -3.2 SUL; liver identical; uptake 60/55 min -> PMR (5.5)."""
    followup = _scan_table(study, "followup", keep_empty=True)
    pet = _pet_table({"baseline": tables["baseline"], "followup": followup})
    pet.loc[(pet["day"] == 56) & (pet["lesion_id"] == "3"), "status"] = "absent"
    row = _percist_followup(pet)
    assert row["overall_response"] == "PMR", row["reason"]
    assert row["rel_change"] == pytest.approx(-0.4, abs=1e-6)
    assert row["abs_change"] == pytest.approx(-3.2, abs=1e-6)
    assert row["baseline_sum"] == pytest.approx(8.0, rel=1e-6)
    assert row["current_sum"] == pytest.approx(4.8, rel=1e-6)
    assert row["measurability_threshold"] == pytest.approx(THRESHOLD_T, abs=1e-5)


def test_percist_empty_voi_without_absent_status_is_ne(study, tables) -> None:
    """Spec metabolic 5.7: 'a baseline lesion with neither sulpeak nor status = absent at the follow-up'."""
    followup = _scan_table(study, "followup", keep_empty=True)
    row = _percist_followup(_pet_table({"baseline": tables["baseline"], "followup": followup}))
    assert row["overall_response"] == "NE", row["reason"]


def test_percist_baseline_lesion_missing_from_followup_is_ne(tables) -> None:
    """NIfTI label 3 absent from the follow-up map: no L3 row at all -> NE (metabolic 1.2)."""
    row = _percist_followup(_pet_table(tables))
    assert row["overall_response"] == "NE", row["reason"]
    assert "3" in row["reason"]


def test_percist_from_the_cli_csv(study, tmp_path: Path) -> None:
    """CSV written by `ioresponse pet quantify`, roles/days/status added by the reader -> PMR."""
    out = tmp_path / "pet_lesions.csv"
    result = RUNNER.invoke(
        app,
        [
            "pet",
            "quantify",
            str(study["baseline"]),
            str(study["followup"]),
            "--labels",
            str(study["baseline_labels"]),
            "--labels",
            str(study["followup_labels"]),
            "--out",
            str(out),
            "--liver",
            ",".join(f"{c:g}" for c in LIVER_CENTRE_LPS),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"lesion_id": str})
    pet = pd.concat(
        [_pet_table({scan: table[table["date"] == SCANS[scan]["date"]]}) for scan in SCANS],
        ignore_index=True,
    )
    resolved = pet[(pet["day"] == -5) & (pet["lesion_id"] == "3")].copy()
    resolved["day"], resolved["date"], resolved["status"] = 56, "2025-03-03", "absent"
    scan_values = ["uptake_min", "liver_sul_mean", "liver_sul_sd", "cycles_before_scan"]
    resolved[scan_values] = pet.loc[pet["day"] == 56, scan_values].iloc[0].to_numpy()
    for column in ("sulpeak", "suvmax", "suvmean", "sulmean", "mtv_ml", "tlg", "functional_diameter_mm"):
        resolved[column] = np.nan
    pet = pd.concat([pet, resolved], ignore_index=True)
    row = _percist_followup(pet)
    assert row["overall_response"] == "PMR", row["reason"]
    assert row["rel_change"] == pytest.approx(-0.4, abs=1e-6)


@pytest.fixture(scope="module")
def third_scan(tmp_path_factory) -> pd.DataFrame:
    """Day 112 (2025-04-28): no lesion left, the baseline VOIs carried over onto background SUL 0.5."""
    root = tmp_path_factory.mktemp("pet_day112")
    header = {
        **SCANS["baseline"]["header"],
        "SeriesDate": "20250428",
        "AcquisitionDate": "20250428",
        "RadiopharmaceuticalStartDateTime": "20250428100000",
    }
    image = sul_image("baseline")
    for _, _, centre, radius, _, _, _ in LESIONS.values():
        image[_distance_mm(centre) <= radius] = BACKGROUND_SUL
    write_series(root / "pet", image / sul_factor(80.0) * bq_per_suvbw(SCANS["baseline"]), header)
    volume = read_suv(root / "pet")
    labels = read_labels(_write_nifti(root / "labels.nii.gz", label_map("baseline")), volume)
    return quantify(volume, labels, liver_centre=LIVER_CENTRE_LPS)


def test_day112_voi_on_background_measures_background(third_scan) -> None:
    # every VOI plus the 8 mm kernel reach stays inside the image and away from the liver block
    assert sorted(third_scan["lesion_id"]) == ["1", "2", "3"]
    assert third_scan["sulpeak"].tolist() == pytest.approx([BACKGROUND_SUL] * 3, rel=1e-7)
    assert third_scan["suvmax"].tolist() == pytest.approx([BACKGROUND_SUL / sul_factor(80.0)] * 3, rel=1e-7)
    assert set(third_scan["date"]) == {"2025-04-28"}
    assert third_scan["liver_sul_mean"].tolist() == pytest.approx([LIVER_SUL_MEAN] * 3, rel=1e-7)


def test_percist_pmr_then_cmr_best_cmr(study, tables, third_scan) -> None:
    """Day 112: every baseline lesion's SULpeak 0.5 < liver SULmean 1.815 (metabolic 5.5 CMR, 'liver')."""
    followup = _scan_table(study, "followup", keep_empty=True)
    pet = _pet_table({"baseline": tables["baseline"], "followup": followup})
    pet.loc[(pet["day"] == 56) & (pet["lesion_id"] == "3"), "status"] = "absent"
    day112 = _pet_table({"baseline": third_scan})
    day112["day"], day112["cycles_before_scan"] = 112, 6
    pet = pd.concat([pet, day112], ignore_index=True)
    result = ioresponse.assess(pet, criteria=["percist"])
    timepoints = result.timepoints.set_index("day")
    assert timepoints.loc[56, "overall_response"] == "PMR", timepoints.loc[56, "reason"]
    assert timepoints.loc[112, "overall_response"] == "CMR", timepoints.loc[112, "reason"]
    assert result.best_response["best_response"].tolist() == ["CMR"]
