"""Write small synthetic PET DICOM series with pydicom, for the loader and SUV tests.

Every header value is given by the test; this module only knows how to lay DICOM attributes out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

PET_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.128"
RADIOPHARMACEUTICAL_KEYS = (
    "RadiopharmaceuticalStartTime",
    "RadiopharmaceuticalStartDateTime",
    "RadionuclideTotalDose",
    "RadionuclideHalfLife",
    "Radiopharmaceutical",
)

BASE_HEADER: dict[str, Any] = {
    "Modality": "PT",
    "Manufacturer": "Synthetic",
    "Units": "BQML",
    "DecayCorrection": "START",
    "CorrectedImage": ["ATTN", "DECY"],
    "SeriesType": ["STATIC", "IMAGE"],
    "PatientID": "SYN",
    "PatientWeight": 70.0,
    "PatientSize": 1.75,
    "PatientSex": "M",
    "SeriesDate": "20250101",
    "SeriesTime": "110000",
    "AcquisitionDate": "20250101",
    "AcquisitionTime": "110000",
    "ActualFrameDuration": 300000,
    "FrameReferenceTime": 150000,
    "RadiopharmaceuticalStartDateTime": "20250101100000",
    "RadionuclideTotalDose": 368.08e6,
    "RadionuclideHalfLife": 6586.2,
}
"""A valid BQML/START header: 70 kg, 1.75 m, male, 368.08 MBq at 10:00, series 11:00 (IBSI-SUV settings)."""


def _ds_text(value: Any) -> Any:
    if isinstance(value, float):
        text = repr(value)
        return text if len(text) <= 16 else f"{value:.10g}"
    return value


def make_dataset(
    pixels: np.ndarray,
    header: Mapping[str, Any],
    *,
    position: Sequence[float],
    orientation: Sequence[float] = (1, 0, 0, 0, 1, 0),
    spacing_yx: Sequence[float] = (4.0, 4.0),
    slope: float = 1.0,
    instance: int = 1,
    series_uid: str,
    frame_uid: str,
    study_uid: str | None = None,
    unsigned: bool = False,
) -> FileDataset:
    """One PET Image Storage instance holding ``pixels`` (stored values, int16; uint16 with ``unsigned``)
    and the given header; header keys override the defaults set here (``SOPClassUID``,
    ``RescaleIntercept``), ``F18Code`` adds the F-18 radionuclide code."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = PET_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = PET_IMAGE_STORAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_uid or generate_uid()
    ds.SeriesInstanceUID = series_uid
    ds.FrameOfReferenceUID = frame_uid
    ds.InstanceNumber = instance
    ds.ImagePositionPatient = [_ds_text(float(p)) for p in position]
    ds.ImageOrientationPatient = [_ds_text(float(o)) for o in orientation]
    ds.PixelSpacing = [_ds_text(float(s)) for s in spacing_yx]
    ds.RescaleSlope = _ds_text(float(slope))
    ds.RescaleIntercept = "0"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0 if unsigned else 1
    ds.PixelData = np.ascontiguousarray(pixels.astype(np.uint16 if unsigned else np.int16)).tobytes()
    item = Dataset()
    for key, value in header.items():
        if value is None:
            continue
        if key in RADIOPHARMACEUTICAL_KEYS:
            setattr(item, key, _ds_text(value))
        elif key == "F18Code":
            code = Dataset()
            code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "C-111A1", "SRT", "^18^Fluorine"
            item.RadionuclideCodeSequence = DicomSequence([code])
        elif key == "PhilipsSUVScaleFactor":
            ds.private_block(0x7053, "Philips PET Private Group", create=True).add_new(
                0x00, "DS", _ds_text(value)
            )
        elif key == "PhilipsActivityScaleFactor":
            ds.private_block(0x7053, "Philips PET Private Group", create=True).add_new(
                0x09, "DS", _ds_text(value)
            )
        elif key == "GEPrivateScanDateTime":
            ds.private_block(0x0009, "GEMS_PETD_01", create=True).add_new(0x0D, "DT", value)
        else:
            setattr(ds, key, _ds_text(value))
    if len(item):
        ds.RadiopharmaceuticalInformationSequence = DicomSequence([item])
    return ds


def write_series(
    folder: Path,
    values: np.ndarray,
    header: Mapping[str, Any] | None = None,
    *,
    spacing_zyx: Sequence[float] = (4.0, 4.0, 4.0),
    origin: Sequence[float] = (0.0, 0.0, 0.0),
    per_slice: Mapping[str, Sequence[Any]] | None = None,
    slice_positions: Sequence[float] | None = None,
    reverse_files: bool = True,
) -> list[Path]:
    """Write ``values`` ``[k, j, i]`` (in the header's Units) as one file per slice, axial LPS grid.

    Each slice gets its own RescaleSlope (max / 30000) so the stored int16 keeps 4-5 digits; files
    are numbered in reverse slice order to check that the loader sorts by position.
    """
    folder.mkdir(parents=True, exist_ok=True)
    merged = {**BASE_HEADER, **(header or {})}
    series_uid, frame_uid, study_uid = generate_uid(), generate_uid(), generate_uid()
    paths = []
    count = values.shape[0]
    for k in range(count):
        plane = values[k]
        peak_value = float(np.abs(plane).max())
        slope = peak_value / 30000.0 if peak_value > 0 else 1.0
        stored = np.rint(plane / slope)
        slice_header = dict(merged)
        for key, column in (per_slice or {}).items():
            slice_header[key] = column[k]
        z = origin[2] + (slice_positions[k] if slice_positions is not None else k * spacing_zyx[0])
        ds = make_dataset(
            stored,
            slice_header,
            position=(origin[0], origin[1], z),
            spacing_yx=spacing_zyx[1:],
            slope=slope,
            instance=k + 1,
            series_uid=series_uid,
            frame_uid=frame_uid,
        )
        ds.StudyInstanceUID = study_uid
        name = f"IM{(count - k if reverse_files else k + 1):04d}.dcm"
        ds.save_as(folder / name, enforce_file_format=True)
        paths.append(folder / name)
    return paths


def sphere_phantom(
    shape: tuple[int, int, int],
    centre_kji: Sequence[float],
    radius_mm: float,
    spacing_zyx: Sequence[float],
    inside: float,
    background: float,
) -> np.ndarray:
    """A uniform sphere (voxel centres within the radius) in a uniform background."""
    grids = np.meshgrid(*(np.arange(n) for n in shape), indexing="ij")
    distance_sq = sum(((g - c) * s) ** 2 for g, c, s in zip(grids, centre_kji, spacing_zyx, strict=True))
    return np.where(distance_sq <= radius_mm**2, inside, background).astype(np.float64)


def example_7e() -> np.ndarray:
    """spec/pet.md 7(e): 3 x 4 x 5 array of 1.0 with the listed voxels (as [k, j, i])."""
    image = np.ones((3, 4, 5))
    for index, value in {
        (1, 2, 1): 10.0,
        (1, 1, 1): 8.0,
        (1, 1, 2): 6.0,
        (1, 2, 2): 4.1,
        (2, 1, 1): 5.0,
        (0, 3, 2): 4.6,
        (2, 3, 3): 4.5,
        (0, 0, 4): 7.0,
        (0, 2, 1): 4.0,
        (0, 1, 1): 2.0,
        (2, 1, 2): 2.0,
        (1, 3, 1): 3.0,
        (2, 2, 1): 3.0,
    }.items():
        image[index] = value
    return image
