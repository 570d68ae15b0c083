"""A small longitudinal FDG-PET study, from DICOM images to the six metabolic criteria.

Deterministic: one synthetic patient scanned at baseline (day -5), after one cycle (day 24) and after
four cycles (day 84). Each scan is written as a real PET DICOM series (pydicom, Units BQML, decay
corrected to the series start, 370 MBq at 60 min uptake, 70 kg / 175 cm male) with a uniform liver
and three spherical lesions whose uptake changes; a new bone lesion appears on day 84. Then:

1. ``ioresponse.pet.read_suv`` converts each series to SUV (spec/pet.md);
2. ``ioresponse.pet.quantify`` measures SUVmax, SULpeak, MTV, TLG and the functional diameter of each
   lesion and the 3 cm liver reference sphere;
3. the lesion rows get their reader roles, organs, statuses, cycles and the RECIST 1.1 call of the
   same day;
4. every metabolic criterion of ``ioresponse.criteria.registry()`` assesses the table
   (spec/metabolic.md), and a small table of the calls is printed.

The criteria disagree on purpose: the early SULpeak flare with RECIST SD predicts benefit by PECRIT,
and on day 84 the new lesion is PMD for EORTC and PERCIST, UPMD (awaiting confirmation) for iPERCIST,
while imPERCIST adds it to a sum that fell by more than 30% (PMR) and PERCIMT counts one new lesion
(SMD).

Run: ``python examples/pet_study.py [OUT_DIR]`` (default ``out/pet``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian

from ioresponse.criteria import Study, registry
from ioresponse.io.pet_table import read_pet_table
from ioresponse.pet import quantify, read_suv

PATIENT_ID = "DEMO-PET-1"
TREATMENT_START = "2025-01-06"
SHAPE_ZYX = (36, 64, 64)
SPACING_MM = 4.0
WEIGHT_KG, HEIGHT_M, DOSE_BQ, HALF_LIFE_S, UPTAKE_S = 70.0, 1.75, 370.0e6, 6586.2, 3600.0
BACKGROUND_SUV, LIVER_SUV = 0.8, 2.2
LIVER_CENTRE_KJI = (18, 44, 44)
LIVER_RADIUS_MM = 40.0

# scan date -> (cycles before the scan, RECIST 1.1 call of the CT of the same day)
SCANS = {"2025-01-01": (0, ""), "2025-01-30": (1, "SD"), "2025-03-31": (4, "PR")}

# lesion -> (role, organ, centre k/j/i, SUV inside the sphere at each scan (None: not there), radius mm)
LESIONS = {
    "L1": ("target", "lung", (12, 20, 18), (9.0, 11.0, 3.0), (12.0, 12.0, 9.0)),
    "L2": ("target", "lymph node", (24, 18, 44), (6.0, 6.2, 2.5), (10.0, 10.0, 8.0)),
    "L3": ("non_target", "bone", (26, 46, 14), (5.0, 4.8, 2.0), (10.0, 10.0, 8.0)),
    "N1": ("new", "bone", (8, 48, 24), (None, None, 3.5), (None, None, 8.0)),
}
"""An early flare of L1 (day 24), then a deep response with one small new bone lesion (day 84)."""
VOI_MARGIN_MM = 6.0
"""Each lesion VOI is its sphere grown by 6 mm; quantify() segments the lesion inside it (spec/pet.md 4.2)."""


def _distance_mm(centre_kji: tuple[int, int, int]) -> np.ndarray:
    grids = np.meshgrid(*(np.arange(n) for n in SHAPE_ZYX), indexing="ij")
    return np.sqrt(sum(((g - c) * SPACING_MM) ** 2 for g, c in zip(grids, centre_kji, strict=True)))


def _suv_image(scan: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The SUVbw image of one scan and the lesion VOIs (boolean masks) present at it."""
    image = np.full(SHAPE_ZYX, BACKGROUND_SUV)
    image[_distance_mm(LIVER_CENTRE_KJI) <= LIVER_RADIUS_MM] = LIVER_SUV
    vois = {}
    for lesion_id, (_, _, centre, suvs, radii) in LESIONS.items():
        if suvs[scan] is None:
            continue
        distance = _distance_mm(centre)
        image[distance <= radii[scan]] = suvs[scan]
        vois[lesion_id] = distance <= radii[scan] + VOI_MARGIN_MM
    return image, vois


def _write_series(folder: Path, suv: np.ndarray, date: str) -> None:
    """One BQML PET Image Storage file per slice (activity decay-corrected to the series start)."""
    folder.mkdir(parents=True, exist_ok=True)
    bq_per_suv = DOSE_BQ * 0.5 ** (UPTAKE_S / HALF_LIFE_S) / (WEIGHT_KG * 1000.0)
    activity = suv * bq_per_suv
    day = date.replace("-", "")
    uid_root = f"1.2.826.0.1.3680043.10.543.{day}"
    for k in range(SHAPE_ZYX[0]):
        slope = float(activity[k].max()) / 30000.0
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.128"
        meta.MediaStorageSOPInstanceUID = f"{uid_root}.3.{k + 1}"
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = f"{uid_root}.1", f"{uid_root}.2"
        ds.FrameOfReferenceUID = f"{uid_root}.4"
        ds.Modality, ds.Manufacturer = "PT", "ioresponse example"
        ds.Units, ds.DecayCorrection = "BQML", "START"
        ds.CorrectedImage, ds.SeriesType = ["ATTN", "DECY"], ["STATIC", "IMAGE"]
        ds.PatientID, ds.PatientSex = PATIENT_ID, "M"
        ds.PatientWeight, ds.PatientSize = str(WEIGHT_KG), str(HEIGHT_M)
        ds.SeriesDate = ds.AcquisitionDate = ds.StudyDate = day
        ds.SeriesTime = ds.AcquisitionTime = "110000"
        ds.ActualFrameDuration, ds.FrameReferenceTime = 300000, "150000"
        drug = Dataset()
        drug.RadiopharmaceuticalStartDateTime = f"{day}100000"
        drug.RadionuclideTotalDose, drug.RadionuclideHalfLife = str(DOSE_BQ), str(HALF_LIFE_S)
        ds.RadiopharmaceuticalInformationSequence = DicomSequence([drug])
        ds.InstanceNumber = k + 1
        ds.ImagePositionPatient = ["0.0", "0.0", str(k * SPACING_MM)]
        ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
        ds.PixelSpacing = [str(SPACING_MM), str(SPACING_MM)]
        ds.RescaleSlope, ds.RescaleIntercept = f"{slope:.10g}", "0"
        ds.Rows, ds.Columns = SHAPE_ZYX[1:]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.PixelData = np.rint(activity[k] / slope).astype(np.int16).tobytes()
        ds.save_as(folder / f"IM{k + 1:04d}.dcm", enforce_file_format=True)


def lesion_table(out_dir: Path) -> pd.DataFrame:
    """Write the three DICOM series and measure them: one row per lesion per scan (spec/metabolic.md 1.1)."""
    frames = []
    for scan, (date, (cycles, recist)) in enumerate(SCANS.items()):
        suv, vois = _suv_image(scan)
        folder = out_dir / "dicom" / date
        _write_series(folder, suv, date)
        volume = read_suv(folder)
        rows = quantify(volume, vois, liver_centre=LIVER_CENTRE_KJI, liver_centre_is_index=True)
        rows["role"] = rows["lesion_id"].map(lambda i: LESIONS[i][0])
        rows["organ"] = rows["lesion_id"].map(lambda i: LESIONS[i][1])
        rows["status"] = "present"  # every lesion is still visible: the reader's call (spec/metabolic.md 1.3)
        rows["cycles_before_scan"] = cycles
        rows["recist_response"] = recist
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


def main(out_dir: str | Path = "out/pet") -> dict[str, pd.DataFrame]:
    """Images -> lesion metrics -> every metabolic criterion; writes CSVs to ``out_dir``, prints a summary."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lesions = lesion_table(out_dir)
    lesions.to_csv(out_dir / "pet_lesions.csv", index=False)
    patients = pd.DataFrame({"patient_id": [PATIENT_ID], "treatment_start": [TREATMENT_START]})
    patients.to_csv(out_dir / "patients.csv", index=False)  # the lesion table gives dates: days need it
    study = Study(pet=read_pet_table(lesions, patients=patients), source="pet_lesions.csv")
    metabolic = [c for c in registry().values() if c.family == "metabolic"]
    results = {c.key: c.assess(study) for c in metabolic}
    timepoints = pd.concat([r.timepoints for r in results.values()], ignore_index=True)
    best = pd.concat([r.best_response for r in results.values()], ignore_index=True)
    timepoints.to_csv(out_dir / "timepoints.csv", index=False)
    best.to_csv(out_dir / "best_response.csv", index=False)
    shown = lesions[["date", "lesion_id", "suvmax", "sulpeak", "mtv_ml", "functional_diameter_mm"]]
    print(
        f"Lesion metrics from the DICOM series ({PATIENT_ID}; liver SULmean "
        f"{', '.join(f'{v:.2f}' for v in lesions.groupby('date')['liver_sul_mean'].first())}):"
    )
    print(shown.round(2).to_string(index=False))
    calls = timepoints.pivot_table(
        index="criterion", columns="day", values="overall_response", aggfunc="first", sort=False
    ).fillna("")
    calls["best"] = best.set_index("criterion")["best_response"]
    print("\nMetabolic response by criterion and day (best overall response last):")
    print(calls.to_string())
    return {"lesions": lesions, "timepoints": timepoints, "best_response": best}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/pet")
