"""Audit s19 "petlong": FDG-PET images to every metabolic call, over four scans per patient, end to end.

What was audited: three synthetic patients, four FDG-PET studies each, written as real PET DICOM series
(pydicom, BQML, DecayCorrection START, 16 x 24 x 24 voxels of 4 mm = 0.064 ml), with lesion contours as
NIfTI label maps (two patients) or RTSTRUCT box VOIs (one patient). The user's journey is followed as the
README describes it: ``ioresponse pet quantify`` on the 12 series (one ``--labels`` each, one ``--liver``
centre), the reader adds ``role``, ``organ``, ``status``, ``cycles_before_scan`` and ``recist_response``
as examples/pet_study.py does, then ``ioresponse assess pet.csv --patients patients.csv --criteria all``.
Every expected value comes from the voxels written and the spec text, by hand:

* spec/pet.md 1.3 (SUL = SUVbw x LBM / W, Janmahasatian, each scan from its own header weight), 3.3/3.6
  (1 ml fractional kernel at 4 mm: weights 1, 0.984 x 6, 0.576 x 12, 0.214 x 8, 0.012 x 6, sum 15.6),
  4.4 (SUVmax, MTV, TLG), 4.5 (max_axial functional diameter), 4.6 (one lesion per label value), 4.7
  (totals over the union), 5.1 (liver sphere 251 voxels, ddof 0), 5.4-5.5, 2.5 (uptake_min), 6.4, 6.6;
* spec/metabolic.md 1.1-1.7 (day = date - treatment_start, baseline lesions reported at every follow-up,
  new lesions only with role = new, best response up to the first PMD), EORTC 4.5-4.9, PERCIST 5.3-5.9
  (quality checks on uptake time and liver reference between scans, A9), PECRIT 6.5-6.9, PERCIMT 7.5-7.9
  (new lesions counted by functional diameter, cumulative), imPERCIST 8.2-8.9 (top-5 sum with new
  lesions), iPERCIST 9.5-9.8 (UPMD -> CPMD by a lesion new since the UPMD scan); 2.5 and pet.md 4.5 (the
  same TLG normalisation and the same segmentation at all scans of a patient).

Image construction (SUL, background 0.3, voxel centres within the radius):

* ``s33`` sphere R 8 mm (offsets with a^2 + b^2 + c^2 <= 4, 33 voxels): holds the whole 33-voxel 1 ml
  kernel around its centre, so SULpeak = its SUL; max_axial diameter (0, +-2) -> 16 + 4 = 20 mm.
* ``s19`` (norm^2 <= 2, 19 voxels): SULpeak = 0.3 + (v - 0.3) x (1 + 6 x 0.984 + 12 x 0.576) / 15.6
  = 0.3 + (v - 0.3) x 13.816 / 15.6; central slice 3 x 3, diameter 2 sqrt(2) x 4 + 4 = 15.314 mm.
* ``plus`` (norm^2 <= 1, 7 voxels): SULpeak 0.3 + (v - 0.3) x 6.904 / 15.6; diameter 8 + 4 = 12 mm.
* ``one`` (a single voxel): SULpeak 0.3 + (v - 0.3) / 15.6; diameter 4 mm.

The background (0.3) is below 41 % of every lesion maximum here, so the 41 % mask is the shape itself.
Liver: checkerboard block of 2.0 / 1.6 (scaled x 1.25 on one scan); the 15 mm sphere holds 135 voxels of
the centre's parity and 116 of the other (the counts of tests/pet/test_pet_pipeline_adversarial.py).

Two differences were strict xfails, fixed in session 19: the PET table reader dropped ``pet quantify``'s
``tlg_normalization`` and ``segmentation`` columns unchecked, so scans quantified with another TLG
normalisation or another mask were compared (PMD on identical images); a patient whose scans carry more
than one value of either (or of ``suvmax_normalization`` / ``peak_method``) is now refused at its rows.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pydicom
import pytest
from _pet_synthetic import write_series
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.pet import quantify, read_labels, read_suv
from ioresponse.schema import InputError

RUNNER = CliRunner()
SHAPE = (16, 24, 24)
VOXEL_ML = 0.064
HALF_LIFE = 6586.2
BACKGROUND = 0.3
LIVER_CENTRE_KJI = (8, 19, 19)
LIVER_CENTRE_LPS = (76.0, 76.0, 32.0)  # x = 4 i, y = 4 j, z = 4 k (origin 0, identity orientation)
SLOTS = {
    "A": (4, 4, 4), "B": (4, 4, 12), "C": (12, 4, 4), "D": (12, 4, 12),
    "E": (4, 12, 4), "F": (12, 12, 4), "G": (8, 4, 20), "H": (8, 20, 4),
}
"""Lesion centres (k, j, i): >= 8 voxels apart, so no VOI or 1 ml kernel reaches another lesion."""
SHAPES = {"s33": 4, "s19": 2, "plus": 1, "one": 0}  # largest a^2 + b^2 + c^2 of the shape (voxel units)
VOXELS = {"s33": 33, "s19": 19, "plus": 7, "one": 1}
KERNEL = {"s33": 15.6, "s19": 13.816, "plus": 6.904, "one": 1.0}  # sum of kernel weights inside (spec 3.3)
DIAMETER = {"s33": 20.0, "s19": 2 * math.sqrt(2) * 4 + 4, "plus": 12.0, "one": 4.0}  # spec 4.5 max_axial


def lbm_factor(weight: float, height_m: float = 1.80, sex: str = "M") -> float:
    """Janmahasatian LBM / W (spec/pet.md 1.3, BMI with the height in metres)."""
    bmi = weight / height_m**2
    return 9270 / ((6680 + 216 * bmi) if sex == "M" else (8780 + 244 * bmi))


def liver_values(hi: float, lo: float) -> tuple[float, float]:
    """Mean and population SD of the 251-voxel liver sphere (spec/pet.md 5.1): 135 x hi, 116 x lo."""
    return (135 * hi + 116 * lo) / 251, (hi - lo) * math.sqrt(135 * 116) / 251


def sulpeak(shape: str, value: float) -> float:
    return BACKGROUND + (value - BACKGROUND) * KERNEL[shape] / 15.6


LIVER = liver_values(2.0, 1.6)  # 1.815139, 0.199426
T = 1.5 * LIVER[0] + 2 * LIVER[1]  # PERCIST measurability 3.1216 (metabolic 5.3)

# patient -> treatment start, lesions {label: (id, role, organ, slot, shape)}, scans
# scan: (date, weight kg, uptake s, liver (hi, lo), cycles, RECIST 1.1 call, {label: SUL})
PATIENTS = {
    "PL-RESP": {  # responder; weight 80 -> 70 kg; L3 gone from the contours at scans 3 and 4
        "start": "2025-01-06",
        "lesions": {
            1: ("L1", "target", "lung", "A", "s33"),
            2: ("L2", "target", "lymph node", "B", "s33"),
            3: ("L3", "non_target", "bone", "C", "s33"),
        },
        "scans": [
            ("2025-01-02", 80.0, 3150, (2.0, 1.6), 0, "", {1: 8.0, 2: 5.0, 3: 4.0}),
            ("2025-01-30", 76.0, 4050, (2.0, 1.6), 1, "SD", {1: 9.6, 2: 4.6, 3: 3.6}),
            ("2025-03-03", 72.0, 3600, (2.0, 1.6), 3, "PR", {1: 4.0, 2: 3.0}),
            ("2025-04-28", 70.0, 3600, (2.0, 1.6), 6, "PR", {1: 1.2, 2: 1.0}),
        ],
    },
    "PL-NEW": {  # new lesions of 12, 12 and 15.3 mm at scan 3; N1 resolves and N4 (4 mm) appears at scan 4
        "start": "2025-03-03",
        "lesions": {
            1: ("B1", "target", "lung", "A", "s33"),
            2: ("B2", "target", "lymph node", "B", "s33"),
            3: ("B3", "non_target", "bone", "C", "s33"),
            4: ("B4", "target", "lung", "D", "s33"),
            5: ("N1", "new", "liver", "E", "plus"),
            6: ("N2", "new", "liver", "F", "plus"),
            7: ("N3", "new", "bone", "G", "s19"),
            8: ("N4", "new", "lung", "H", "one"),
        },
        "scans": [
            ("2025-02-24", 90.0, 3600, (2.0, 1.6), 0, "", {1: 6.0, 2: 4.0, 3: 5.0, 4: 5.0}),
            ("2025-03-30", 90.0, 3600, (2.0, 1.6), 1, "SD", {1: 6.2, 2: 4.0, 3: 5.0, 4: 5.0}),
            ("2025-05-26", 90.0, 3600, (2.0, 1.6), 4, "SD",
             {1: 6.0, 2: 4.2, 3: 3.0, 4: 4.0, 5: 6.0, 6: 5.0, 7: 4.0}),
            ("2025-06-30", 90.0, 3600, (2.0, 1.6), 6, "PD",
             {1: 5.5, 2: 3.8, 3: 3.0, 4: 4.0, 6: 5.0, 7: 4.0, 8: 8.0}),
        ],
    },
    "PL-QC": {  # RTSTRUCT VOIs; uptake 80 min at scan 2, liver x 1.25 at scan 3
        "start": "2025-01-06",
        "lesions": {
            1: ("Q1", "target", "lung", "A", "s33"),
            2: ("Q2", "target", "lymph node", "B", "s33"),
        },
        "scans": [
            ("2025-01-03", 75.0, 3600, (2.0, 1.6), 0, "", {1: 8.0, 2: 5.0}),
            ("2025-02-17", 75.0, 4800, (2.0, 1.6), 2, "SD", {1: 5.0, 2: 3.0}),
            ("2025-03-31", 75.0, 3600, (2.5, 2.0), 4, "SD", {1: 4.0, 2: 2.5}),
            ("2025-05-12", 75.0, 3720, (2.0, 1.6), 6, "PR", {1: 2.0, 2: 1.5}),
        ],
    },
}


def _norm2(centre) -> np.ndarray:
    grids = np.meshgrid(*(np.arange(n) for n in SHAPE), indexing="ij")
    return sum((g - c) ** 2 for g, c in zip(grids, centre, strict=True))


def sul_image(liver: tuple[float, float], lesions: dict) -> tuple[np.ndarray, np.ndarray]:
    """The SUL image and a NIfTI-style label map (VOI = the shape grown to norm^2 <= 9 or 4)."""
    image = np.full(SHAPE, BACKGROUND)
    k, j, i = np.meshgrid(*(np.arange(n) for n in SHAPE), indexing="ij")
    block = (k >= 4) & (k <= 12) & (j >= 15) & (i >= 15)
    parity = (k + j + i) % 2 == sum(LIVER_CENTRE_KJI) % 2
    image[block] = np.where(parity[block], liver[0], liver[1])
    labels = np.zeros(SHAPE, dtype=np.int16)
    for label, (slot, shape, value) in lesions.items():
        distance = _norm2(SLOTS[slot])
        image[distance <= SHAPES[shape]] = value
        labels[distance <= (9 if shape == "s33" else 4)] = label
    return image, labels


def write_scan(folder: Path, image_sul: np.ndarray, *, pid: str, date: str, weight: float, uptake_s: int,
               height_m: float = 1.80, sex: str = "M") -> None:
    """START/BQML series: C = SUVbw x A exp(-lambda t_uptake) / (1000 W), SUVbw = SUL / (LBM / W)."""
    dose = 370.0e6
    bq_per_suv = dose * 0.5 ** (uptake_s / HALF_LIFE) / (1000.0 * weight)
    seconds = 36000 + uptake_s  # injection 10:00:00
    clock = f"{seconds // 3600:02d}{seconds % 3600 // 60:02d}{seconds % 60:02d}"
    day = date.replace("-", "")
    header = {
        "PatientID": pid, "PatientWeight": weight, "PatientSize": height_m, "PatientSex": sex,
        "StudyDate": day, "SeriesDate": day, "AcquisitionDate": day, "SeriesTime": clock,
        "AcquisitionTime": clock, "RadiopharmaceuticalStartDateTime": f"{day}100000",
        "RadionuclideTotalDose": dose, "RadionuclideHalfLife": HALF_LIFE,
    }
    write_series(folder, image_sul / lbm_factor(weight, height_m, sex) * bq_per_suv, header)


def write_nifti(path: Path, labels_kji: np.ndarray) -> Path:
    nib.save(nib.Nifti1Image(labels_kji.transpose(2, 1, 0), np.diag([-4.0, -4.0, 4.0, 1.0])), path)
    return path


def write_rtstruct(path: Path, series: Path, boxes: dict[str, tuple[int, int, int]]) -> Path:
    """Square VOIs of 7 x 7 voxels on 7 planes around each centre (edges between voxel centres, spec 6.4)."""
    frame_uid = pydicom.dcmread(next(series.glob("*.dcm")), stop_before_pixels=True).FrameOfReferenceUID
    ds = Dataset()
    ds.Modality, ds.SOPInstanceUID = "RTSTRUCT", generate_uid()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.481.3"
    reference = Dataset()
    reference.FrameOfReferenceUID = frame_uid
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([reference])
    ds.StructureSetROISequence, ds.ROIContourSequence = DicomSequence(), DicomSequence()
    for number, (name, (k, j, i)) in enumerate(boxes.items(), start=1):
        roi = Dataset()
        roi.ROINumber, roi.ROIName = number, name
        ds.StructureSetROISequence.append(roi)
        item = Dataset()
        item.ReferencedROINumber = number
        item.ContourSequence = DicomSequence()
        x0, x1, y0, y1 = 4 * (i - 3) - 2, 4 * (i + 3) + 2, 4 * (j - 3) - 2, 4 * (j + 3) + 2
        for plane in range(k - 3, k + 4):
            z = 4.0 * plane
            contour = Dataset()
            contour.ContourGeometricType, contour.NumberOfContourPoints = "CLOSED_PLANAR", 4
            contour.ContourData = [f"{p:g}" for p in (x0, y0, z, x1, y0, z, x1, y1, z, x0, y1, z)]
            item.ContourSequence.append(contour)
        ds.ROIContourSequence.append(item)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(path, enforce_file_format=True)
    return path


def _present(pid: str, scan: int) -> dict:
    patient = PATIENTS[pid]
    _, _, _, _, _, _, values = patient["scans"][scan]
    lesions = patient["lesions"]
    return {label: (lesions[label][3], lesions[label][4], v) for label, v in values.items()}


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("petlong")
    series, labels = [], []
    for pid, patient in PATIENTS.items():
        for n, (date, weight, uptake, liver, _, _, _) in enumerate(patient["scans"]):
            image, label_map = sul_image(liver, _present(pid, n))
            folder = root / pid / f"scan{n}"
            write_scan(folder, image, pid=pid, date=date, weight=weight, uptake_s=uptake)
            if pid == "PL-QC":
                lesions = patient["lesions"]
                boxes = {lesions[lab][0]: SLOTS[lesions[lab][3]] for lab in _present(pid, n)}
                labels.append(write_rtstruct(root / pid / f"rs{n}.dcm", folder, boxes))
            else:
                labels.append(write_nifti(root / pid / f"labels{n}.nii.gz", label_map))
            series.append(folder)
    out = root / "measured.csv"
    args = ["pet", "quantify", *map(str, series)]
    for label_path in labels:
        args += ["--labels", str(label_path)]
    args += ["--out", str(out), "--liver", ",".join(f"{c:g}" for c in LIVER_CENTRE_LPS)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.output
    measured = pd.read_csv(out, dtype={"lesion_id": str, "patient_id": str})
    return {"root": root, "series": series, "labels": labels, "measured": measured}


def _reader_table(measured: pd.DataFrame) -> pd.DataFrame:
    """The reader's columns, as examples/pet_study.py adds them (every measured lesion 'present')."""
    frames = []
    for pid, patient in PATIENTS.items():
        by_label = {str(lab): spec for lab, spec in patient["lesions"].items()}
        by_name = {spec[0]: spec for spec in patient["lesions"].values()}
        for date, _, _, _, cycles, recist, _ in patient["scans"]:
            rows = measured[(measured["patient_id"] == pid) & (measured["date"] == date)].copy()
            spec = rows["lesion_id"].map(lambda x, a=by_label, b=by_name: a.get(x) or b[x])
            rows["lesion_id"] = spec.map(lambda s: s[0])
            rows["role"], rows["organ"] = spec.map(lambda s: s[1]), spec.map(lambda s: s[2])
            rows["status"], rows["cycles_before_scan"], rows["recist_response"] = "present", cycles, recist
            frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def _absent_row(table: pd.DataFrame, pid: str, date: str, lesion: str, role: str, organ: str) -> pd.DataFrame:
    """The reader's row for a lesion gone from the contours: status absent, no values (metabolic 1.2)."""
    row = table[(table["patient_id"] == pid) & (table["date"] == date)].iloc[[0]].copy()
    for column in ("suvmax", "suvmean", "sulpeak", "sulmean", "mtv_ml", "tlg", "functional_diameter_mm"):
        row[column] = np.nan
    row["lesion_id"], row["role"], row["organ"], row["status"] = lesion, role, organ, "absent"
    return pd.concat([table, row], ignore_index=True)


@pytest.fixture(scope="module")
def reader_table(study) -> pd.DataFrame:
    """Without rows for the lesions gone from the contours (L3 at scans 3-4, N1 at scan 4)."""
    return _reader_table(study["measured"])


@pytest.fixture(scope="module")
def pet_table(reader_table) -> pd.DataFrame:
    table = _absent_row(reader_table, "PL-RESP", "2025-03-03", "L3", "non_target", "bone")
    table = _absent_row(table, "PL-RESP", "2025-04-28", "L3", "non_target", "bone")
    return _absent_row(table, "PL-NEW", "2025-06-30", "N1", "new", "liver")


PATIENT_TABLE = pd.DataFrame(
    {"patient_id": list(PATIENTS), "treatment_start": [p["start"] for p in PATIENTS.values()]}
)


@pytest.fixture(scope="module")
def assessed(study, pet_table) -> dict[str, pd.DataFrame]:
    root = study["root"]
    pet_table.to_csv(root / "pet.csv", index=False)
    PATIENT_TABLE.to_csv(root / "patients.csv", index=False)
    result = RUNNER.invoke(
        app,
        ["assess", str(root / "pet.csv"), "--patients", str(root / "patients.csv"), "--criteria", "all",
         "--out", str(root / "out"), "--format", "csv", "--no-patterns"],
    )
    assert result.exit_code == 0, result.output
    return {
        "timepoints": pd.read_csv(root / "out" / "timepoints.csv", dtype={"patient_id": str}),
        "best": pd.read_csv(root / "out" / "best_response.csv", dtype={"patient_id": str}),
    }


def _calls(timepoints: pd.DataFrame, pid: str, criterion: str) -> list[str]:
    rows = timepoints[(timepoints["patient_id"] == pid) & (timepoints["criterion"] == criterion)]
    return rows.sort_values("day")["overall_response"].tolist()


def _row(timepoints: pd.DataFrame, pid: str, criterion: str, day: int) -> pd.Series:
    rows = timepoints[(timepoints["patient_id"] == pid) & (timepoints["criterion"] == criterion)]
    rows = rows[rows["day"] == day]
    assert len(rows) == 1, (pid, criterion, day)
    return rows.iloc[0]


# ------------------------------------------------------------------ images -> lesion table (spec/pet.md)


def test_pet_4_4_4_5_5_1_every_lesion_every_scan_by_hand(study) -> None:
    """SULpeak, SUVmax (from each scan's own weight), MTV, TLG, diameter, liver, uptake and date."""
    measured = study["measured"]
    assert len(measured) == 3 + 3 + 2 + 2 + 4 + 4 + 7 + 7 + 2 * 4
    for pid, patient in PATIENTS.items():
        for n, (date, weight, uptake, liver, _, _, values) in enumerate(patient["scans"]):
            rows = measured[(measured["patient_id"] == pid) & (measured["date"] == date)]
            f = lbm_factor(weight)
            mean, sd = liver_values(*liver)
            assert rows["liver_sul_mean"].tolist() == pytest.approx([mean] * len(rows), rel=2e-5)
            assert rows["liver_sul_sd"].tolist() == pytest.approx([sd] * len(rows), rel=2e-4)
            assert rows["uptake_min"].tolist() == pytest.approx([uptake / 60] * len(rows), abs=1e-9)
            assert set(rows["normalization"]) == {"lbm_janmahasatian"}
            by_id = rows.set_index("lesion_id")
            assert len(by_id) == len(values), (pid, n)
            for label, sul in values.items():
                name, _, _, _, shape = patient["lesions"][label]
                row = by_id.loc[name if pid == "PL-QC" else str(label)]
                assert row["sulpeak"] == pytest.approx(sulpeak(shape, sul), rel=2e-5), (pid, n, name)
                assert row["suvmax"] == pytest.approx(sul / f, rel=2e-5)  # SUVbw = SUL x W / LBM
                assert row["mtv_ml"] == pytest.approx(VOXELS[shape] * VOXEL_ML, rel=1e-12)
                assert row["tlg"] == pytest.approx(VOXELS[shape] * VOXEL_ML * sul / f, rel=2e-5)
                assert row["functional_diameter_mm"] == pytest.approx(DIAMETER[shape], rel=1e-12)


def test_pet_1_3_weight_of_each_scan_sets_its_sul(study) -> None:
    """PL-RESP 80 -> 76 -> 72 -> 70 kg: the same SUL image needs a different SUVbw at each scan."""
    measured = study["measured"].set_index(["patient_id", "date", "lesion_id"])
    ratios = [measured.loc[("PL-RESP", s[0], "1"), "sulpeak"] / measured.loc[("PL-RESP", s[0], "1"), "suvmax"]
              for s in PATIENTS["PL-RESP"]["scans"]]
    # LBM/W: 9270 / (6680 + 216 BMI): 80 kg 0.771643, 76 kg 0.789160, 72 kg 0.807491, 70 kg 0.816980
    assert ratios == pytest.approx([0.771643, 0.789160, 0.807491, 0.816980], abs=2e-5)


def test_pet_4_7_patient_totals_union_of_seven_lesions(study) -> None:
    """PL-NEW scan 3: 4 x 33 + 7 + 7 + 19 = 165 voxels = 10.56 ml; TLG = sum SUL / f(90 kg) x 0.064."""
    volume = read_suv(study["series"][4 + 2])
    table = quantify(volume, read_labels(study["labels"][4 + 2], volume), liver_centre=LIVER_CENTRE_LPS)
    assert table.attrs["total_mtv_ml"] == pytest.approx(165 * VOXEL_ML, rel=1e-12)
    sul_sum = 33 * (6.0 + 4.2 + 3.0 + 4.0) + 7 * 6.0 + 7 * 5.0 + 19 * 4.0  # 720.6
    assert table.attrs["total_tlg"] == pytest.approx(sul_sum / lbm_factor(90.0) * VOXEL_ML, rel=2e-5)


# ------------------------------------------------------------------ lesion table -> criteria


def test_metabolic_1_1_day_is_dicom_date_minus_treatment_start(assessed) -> None:
    timepoints = assessed["timepoints"]
    for pid, patient in PATIENTS.items():
        start = pd.Timestamp(patient["start"])
        expected = [(pd.Timestamp(s[0]) - start).days for s in patient["scans"][1:]]
        rows = timepoints[(timepoints["patient_id"] == pid) & (timepoints["criterion"] == "percist")]
        assert rows.sort_values("day")["day"].tolist() == expected  # PL-RESP 24, 56, 112
        assert rows.sort_values("day")["date"].tolist() == [s[0] for s in patient["scans"][1:]]


def test_responder_every_criterion(assessed) -> None:
    """PL-RESP, days 24 / 56 / 112 (hand arithmetic in the comments)."""
    tp = assessed["timepoints"]
    # PERCIST 5.5: 8.0 -> 9.6 (+20 %, +1.6: not > 30 %) SMD; uptake 52.5 / 67.5 min differ by exactly
    # 15 min: passes (5.4, A9); 4.0 (-50 %, -4.0) PMR; 1.2 and 1.0 < liver 1.815, L3 absent: CMR.
    assert _calls(tp, "PL-RESP", "percist") == ["SMD", "PMR", "CMR"]
    assert _calls(tp, "PL-RESP", "ipercist") == ["SMD", "PMR", "CMR"]
    # EORTC 4.5, sum SUVmax of targets L1 + L2 (SUL / f(W)): bl 13 / 0.771643 = 16.847;
    # day 24 (c = 1) 14.2 / 0.789160 = 17.994 (+6.8 %) SMD; day 56 (c = 3) 7 / 0.807491 = 8.669 (-48.5 %)
    # PMR; day 112 2.2 / 0.816980 = 2.693 (-84.0 %) PMR (not CMR: L1, L2 are not status absent, A8).
    assert _calls(tp, "PL-RESP", "eortc") == ["SMD", "PMR", "PMR"]
    assert _row(tp, "PL-RESP", "eortc", 24)["rel_change"] == pytest.approx(
        (14.2 / lbm_factor(76)) / (13 / lbm_factor(80)) - 1, abs=1e-4
    )
    assert "uptake" not in _row(tp, "PL-RESP", "eortc", 24)["reason"]  # 15 min is not "more than 15" (4.7)
    # imPERCIST 8.5: S_bl 8 + 5 + 4 = 17 (all >= T 3.12); 17.8 (+4.7 %) SMD; 7.0 (-58.8 %) PMR; all
    # below the liver mean or absent: CMR.
    assert _calls(tp, "PL-RESP", "impercist") == ["SMD", "PMR", "CMR"]
    # PERCIMT 7.5: nothing resolved SMD; L3 absent (1 of 3) PMR; PMR.
    assert _calls(tp, "PL-RESP", "percimt") == ["SMD", "PMR", "PMR"]
    # PECRIT 6.5: day 24 in 21-28, RECIST SD, hottest +20 % > 15.5 %: clinical benefit.
    assert _calls(tp, "PL-RESP", "pecrit") == ["clinical_benefit"]


def test_new_lesions_every_criterion(assessed) -> None:
    """PL-NEW, days 27 / 84 / 119."""
    tp = assessed["timepoints"]
    # EORTC: targets B1 + B2 + B4 15.0 -> 15.2 (+1.3 %, c = 1) SMD; new lesions PMD (4.6), PMD after.
    assert _calls(tp, "PL-NEW", "eortc") == ["SMD", "PMD", "PMD"]
    assert _calls(tp, "PL-NEW", "percist") == ["SMD", "PMD", "PMD"]
    # PERCIMT 7.5 (cumulative): day 84 N1 12, N2 12, N3 15.31 mm: n_all 3, n_gt10 3 -> PMD; day 119 N1
    # absent (not counted), N2 12, N3 15.31, N4 4 mm: n_all 3, n_gt10 2, n_gt15 1 -> SMD.
    assert _calls(tp, "PL-NEW", "percimt") == ["SMD", "PMD", "SMD"]
    row84, row119 = _row(tp, "PL-NEW", "percimt", 84), _row(tp, "PL-NEW", "percimt", 119)
    assert (row84["new_over_10mm"], row84["new_over_15mm"]) == (3, 1)
    assert (row119["new_lesion_count"], row119["new_over_10mm"], row119["new_over_15mm"]) == (3, 2, 1)
    # imPERCIST 8.2 top5: day 84 B1 6.0 (lung), B2 4.2 (node), B4 4.0 (lung), N3 3.5769 (bone),
    # B3 3.0 (bone) = 20.7769 vs 20.0 (+3.9 %) SMD (N1 2.8226, N2 2.3801 do not make the top 5);
    # day 119: 5.5 + 4.0 + 3.8 + 3.5769 + 3.0 = 19.8769 (-0.6 %) SMD.
    assert _calls(tp, "PL-NEW", "impercist") == ["SMD", "SMD", "SMD"]
    assert _row(tp, "PL-NEW", "impercist", 84)["current_sum"] == pytest.approx(
        6.0 + 4.2 + 4.0 + sulpeak("s19", 4.0) + 3.0, abs=1e-3
    )
    # iPERCIST 9.5: PMD by new lesions -> UPMD (U = 84); day 119 (35 days later) N4 is new since U: CPMD.
    assert _calls(tp, "PL-NEW", "ipercist") == ["SMD", "UPMD", "CPMD"]
    upmd, cpmd = _row(tp, "PL-NEW", "ipercist", 84), _row(tp, "PL-NEW", "ipercist", 119)
    assert cpmd["progression_day"] == 84 and pd.isna(cpmd["timing_flag"])  # 28 <= 35 <= 56 days (9.5.3)
    assert (upmd["confirmation_state"], cpmd["confirmation_state"]) == ("confirmed", "confirms")  # 1.6
    assert not cpmd["after_progression"]  # up to and including the first CPMD (9.8)
    # PERCIST 5.8: PMD by a non-visceral new lesion with RECIST SD -> advised; with RECIST PD -> not.
    assert bool(_row(tp, "PL-NEW", "percist", 84)["confirmation_advised"])
    assert not bool(_row(tp, "PL-NEW", "percist", 119)["confirmation_advised"])
    assert bool(_row(tp, "PL-NEW", "percist", 119)["after_progression"])  # 1.7
    assert set(tp.loc[tp["criterion"] == "percist", "lbm_formula"]) == {"janmahasatian"}  # 2.2
    assert _calls(tp, "PL-NEW", "pecrit") == ["no_clinical_benefit"]  # SD, +3.3 % (not > 15.5 %)


def test_quality_checks_between_scans_every_criterion(assessed) -> None:
    """PL-QC, days 42 (uptake 80 min) / 84 (liver x 1.25) / 126."""
    tp = assessed["timepoints"]
    # 5.4: day 42 80 > 70 and |80 - 60| = 20 > 15; day 84 liver 1.8151 -> 2.2689 (+25 %, +0.45): NE;
    # day 126: uptake 62, liver stable, 8.0 -> 2.0 (-75 %, -6.0), 2.0 >= liver 1.815: PMR.
    for criterion in ("percist", "ipercist"):
        assert _calls(tp, "PL-QC", criterion) == ["NE", "NE", "PMR"], criterion
    assert _calls(tp, "PL-QC", "impercist") == ["NE", "NE", "PMR"]  # 8.7; 13.0 -> 3.5 (-73.1 %)
    # EORTC has no numeric check (4.7): -38.5 %, -50 %, -73.1 % after >= 2 cycles: PMR, with a note.
    assert _calls(tp, "PL-QC", "eortc") == ["PMR", "PMR", "PMR"]
    assert "80 min" in _row(tp, "PL-QC", "eortc", 42)["reason"]
    # PECRIT 6.7/6.9: only follow-up day 42 (flagged), RECIST SD: SD branch fails QC -> NE.
    pecrit = _row(tp, "PL-QC", "pecrit", 42)
    assert pecrit["overall_response"] == "NE" and pecrit["timing_flag"] == "outside_pecrit_window"
    assert _calls(tp, "PL-QC", "percimt") == ["SMD", "SMD", "SMD"]


def test_best_responses_every_criterion(assessed) -> None:
    best = assessed["best"].set_index(["patient_id", "criterion"])["best_response"]
    expected = {
        "PL-RESP": {"eortc": "PMR", "percist": "CMR", "pecrit": "clinical_benefit", "percimt": "PMR",
                    "impercist": "CMR", "ipercist": "CMR"},
        "PL-NEW": {"eortc": "SMD", "percist": "SMD", "pecrit": "no_clinical_benefit", "percimt": "SMD",
                   "impercist": "SMD", "ipercist": "SMD"},  # best up to the first PMD / CPMD (1.7, 9.8)
        "PL-QC": {"eortc": "PMR", "percist": "PMR", "pecrit": "NE", "percimt": "SMD", "impercist": "PMR",
                  "ipercist": "PMR"},  # NE scans skipped (1.7)
    }
    for pid, calls in expected.items():
        for criterion, call in calls.items():
            assert best[(pid, criterion)] == call, (pid, criterion)


def test_metabolic_1_2_label_gone_from_contours_is_ne_not_absent(reader_table) -> None:
    """L3 (non-target, in S_bl) has no row at days 56 and 112: never read as absent."""
    result = ioresponse.assess(
        reader_table[reader_table["patient_id"] == "PL-RESP"],
        criteria=["percist", "impercist", "ipercist", "percimt", "eortc"],
        patients=PATIENT_TABLE,
    )
    tp = result.timepoints
    for criterion in ("percist", "impercist", "ipercist", "percimt", "eortc"):
        assert _calls(tp, "PL-RESP", criterion)[1:] == ["NE", "NE"], criterion
        assert "L3" in _row(tp, "PL-RESP", criterion, 56)["reason"]


def test_metabolic_1_3_label_first_seen_later_is_new_only_when_the_reader_says_so(pet_table) -> None:
    table = pet_table[pet_table["patient_id"] == "PL-NEW"].copy()
    table.loc[table["lesion_id"] == "N3", "role"] = "target"  # label 7 appears at day 84
    with pytest.raises(InputError, match="first seen after baseline"):
        ioresponse.assess(table, criteria=["percist"], patients=PATIENT_TABLE)


def test_ipercist_9_6_new_lesions_all_resolved_reset_the_upmd(pet_table) -> None:
    """Day 119 with every new lesion status absent: P_bl is SMD (5.5 -> -8.3 %), the UPMD resets."""
    table = pet_table[pet_table["patient_id"] == "PL-NEW"].copy()
    gone = (table["date"] == "2025-06-30") & (table["role"] == "new")
    table.loc[gone, "status"] = "absent"
    table.loc[gone, ["sulpeak", "suvmax", "tlg", "functional_diameter_mm"]] = np.nan
    tp = ioresponse.assess(table, criteria=["ipercist", "percimt"], patients=PATIENT_TABLE).timepoints
    assert _calls(tp, "PL-NEW", "ipercist") == ["SMD", "UPMD", "SMD"]
    assert _calls(tp, "PL-NEW", "percimt") == ["SMD", "PMD", "SMD"]


def test_percimt_7_5_binned_option_on_the_measured_diameters(pet_table) -> None:
    """Day 84 diameters 12, 12, 15.31 mm: binned classes (10, 15] 2 (< 3), > 15 1 (< 2): SMD (7.5, A1)."""
    table = pet_table[pet_table["patient_id"] == "PL-NEW"]
    tp = ioresponse.assess(table, criteria=["percimt"], patients=PATIENT_TABLE,
                           percimt_counting="binned").timepoints
    assert _calls(tp, "PL-NEW", "percimt") == ["SMD", "SMD", "SMD"]


# ------------------------------------------------------------------ differences (strict xfails, fixed in s19)


@pytest.fixture(scope="module")
def obese_series(tmp_path_factory) -> dict[str, Path]:
    """Female, 120 kg, 1.60 m (LBM/W = 9270 / (8780 + 244 x 46.875) = 0.458513), two identical scans:
    L1 a plus of SUL 10 inside an s33 shell of SUL 4.5 (41 %: 33 voxels, 20 mm; 50 %: 7 voxels, 12 mm)."""
    root = tmp_path_factory.mktemp("obese")
    paths = {}
    for n, date in enumerate(("2025-01-02", "2025-03-03")):
        image, labels = sul_image((2.0, 1.6), {1: ("A", "s33", 4.5)})
        image[_norm2(SLOTS["A"]) <= 1] = 10.0
        write_scan(root / f"s{n}", image, pid="PL-OB", date=date, weight=120.0, uptake_s=3600,
                   height_m=1.60, sex="F")
        paths[f"s{n}"], paths[f"l{n}"] = root / f"s{n}", write_nifti(root / f"l{n}.nii.gz", labels)
    return paths


def _two_scan_table(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    table = pd.concat([first, second], ignore_index=True)
    table["role"], table["organ"], table["status"] = "target", "lung", "present"
    table["cycles_before_scan"] = [0] * len(first) + [3] * len(second)
    return table


OBESE_PATIENTS = pd.DataFrame({"patient_id": ["PL-OB"], "treatment_start": ["2025-01-06"]})


def test_metabolic_2_5_tlg_normalisation_mixed_between_scans_is_not_compared(obese_series) -> None:
    tables = []
    for n, option in enumerate(("lbm", "bw")):
        volume = read_suv(obese_series[f"s{n}"])
        tables.append(quantify(volume, read_labels(obese_series[f"l{n}"], volume),
                               liver_centre=LIVER_CENTRE_LPS, tlg_normalisation=option))
    # identical images: TLG_bw / TLG_lbm = W / LBM = 1 / 0.458513 = 2.18 (+118 %, >= 75 %), SULpeak equal
    pet = _two_scan_table(*tables)
    # the mixed table is refused at the follow-up's row (as a mixed lbm_formula is, spec 2.2)
    with pytest.raises(InputError, match="TLG in another normalisation") as refused:
        ioresponse.assess(pet, criteria=["percist"], patients=OBESE_PATIENTS)
    assert refused.value.column == "tlg_normalization"


def test_pet_4_5_segmentation_mixed_between_scans_is_not_compared(obese_series, tmp_path: Path) -> None:
    outputs = []
    for n, extra in enumerate((["--fraction", "0.5"], [])):
        out = tmp_path / f"q{n}.csv"
        result = RUNNER.invoke(app, ["pet", "quantify", str(obese_series[f"s{n}"]), "--labels",
                                     str(obese_series[f"l{n}"]), "--out", str(out), "--liver",
                                     ",".join(f"{c:g}" for c in LIVER_CENTRE_LPS), *extra])
        assert result.exit_code == 0, result.output
        outputs.append(pd.read_csv(out, dtype={"lesion_id": str}))
    # 50 % of SUVmax keeps the 7-voxel core (12 mm), 41 % the whole 33-voxel lesion (20 mm, +66.7 %)
    assert [t["functional_diameter_mm"].iloc[0] for t in outputs] == pytest.approx([12.0, 20.0])
    pet = _two_scan_table(*outputs)
    # the two masks are not compared: the table is refused at the follow-up's row
    with warnings.catch_warnings(), pytest.raises(InputError, match="from another mask") as refused:
        warnings.simplefilter("ignore")
        ioresponse.assess(pet, criteria=["eortc", "percist"], patients=OBESE_PATIENTS)
    assert refused.value.column == "segmentation"
