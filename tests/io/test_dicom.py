"""PET DICOM loading (spec/pet.md 6.1-6.5): slice order, geometry, spacing rules, RTSTRUCT and DICOM SEG."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid

from ioresponse.io.dicom import read_pet_series, read_rtstruct, read_seg, tag_label
from ioresponse.schema import InputError

_HELPER = Path(__file__).resolve().parents[1] / "pet" / "_pet_synthetic.py"
_spec = importlib.util.spec_from_file_location("_pet_synthetic_io", _HELPER)
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)


def _ramp(shape=(4, 5, 6)) -> np.ndarray:
    return (np.arange(np.prod(shape), dtype=np.float64).reshape(shape) + 1.0) * 100.0


def test_tag_label_names_the_attribute() -> None:
    assert tag_label("Units") == "(0054,1001) Units"
    assert tag_label("RadiopharmaceuticalStartTime") == "(0018,1072) RadiopharmaceuticalStartTime"


def test_slices_are_sorted_by_position_not_file_name(tmp_path: Path) -> None:
    values = _ramp()
    synthetic.write_series(tmp_path, values, spacing_zyx=(3.0, 2.0, 2.5), origin=(-10.0, 5.0, 100.0))
    series = read_pet_series(tmp_path)
    assert series.values == pytest.approx(values, rel=1e-4)
    geometry = series.geometry
    assert geometry.spacing == (2.5, 2.0, 3.0)  # (di, dj, dk)
    assert geometry.spacing_zyx == (3.0, 2.0, 2.5)
    assert np.allclose(geometry.origin, (-10.0, 5.0, 100.0))
    # voxel (k, j, i) = (3, 4, 5) at origin + (5 x 2.5, 4 x 2.0, 3 x 3.0)
    assert np.allclose(geometry.index_to_lps((3, 4, 5)), (2.5, 13.0, 109.0))
    assert np.allclose(geometry.lps_to_index((2.5, 13.0, 109.0)), (3, 4, 5))


def test_per_slice_rescale_slope_is_applied(tmp_path: Path) -> None:
    # spec 2.3 / 2.10: every slice has its own slope (the writer uses max / 30000 per slice).
    values = _ramp()
    paths = synthetic.write_series(tmp_path, values)
    slopes = {float(pydicom.dcmread(p).RescaleSlope) for p in paths}
    assert len(slopes) == values.shape[0]
    assert read_pet_series(tmp_path).values == pytest.approx(values, rel=1e-4)


def _rewrite(path: Path, **attributes) -> None:
    ds = pydicom.dcmread(path)
    for key, value in attributes.items():
        setattr(ds, key, value)
    ds.save_as(path)


def test_slice_normal_pointing_to_the_feet(tmp_path: Path) -> None:
    # IOP (1,0,0, 0,-1,0): normal = u x v = (0,0,-1); slices sort by ascending n . IPP, i.e. descending z.
    paths = synthetic.write_series(tmp_path, _ramp((3, 2, 2)), reverse_files=False)
    for path in paths:
        _rewrite(path, ImageOrientationPatient=[1, 0, 0, 0, -1, 0])
    geometry = read_pet_series(tmp_path).geometry
    assert np.allclose(geometry.direction[:, 2], (0, 0, -1))
    assert geometry.origin[2] == pytest.approx(8.0)
    assert geometry.spacing[2] == pytest.approx(4.0)


def test_bed_junction_gap_within_10_percent_is_accepted(tmp_path: Path) -> None:
    # spec 6.2 step 5: STS_001-like gaps 3.27 / 3.19 (2.4% deviation) are accepted and recorded.
    positions = [0.0, 3.27, 6.54, 9.73, 13.0]
    synthetic.write_series(
        tmp_path, _ramp((5, 3, 3)), spacing_zyx=(3.27, 4.0, 4.0), slice_positions=positions
    )
    geometry = read_pet_series(tmp_path).geometry
    assert geometry.spacing[2] == pytest.approx(3.27)
    assert geometry.max_slice_gap_deviation_mm == pytest.approx(0.08, abs=1e-9)


def test_missing_slice_is_refused_or_resampled(tmp_path: Path) -> None:
    positions = [0.0, 3.27, 6.54, 13.08, 16.35]  # a 6.54 mm gap: a slice is missing
    synthetic.write_series(
        tmp_path, _ramp((5, 3, 3)), spacing_zyx=(3.27, 4.0, 4.0), slice_positions=positions
    )
    with pytest.raises(InputError, match=r"\(0020,0032\) ImagePositionPatient") as raised:
        read_pet_series(tmp_path)
    assert (
        "gap of 6.54 mm between slices at 6.54 and 13.08 mm; expected 3.27 mm: missing slice?"
        in raised.value.message
    )
    # spec pet.md 0.4: located by the file, the two instances either side of the gap and the tag
    assert re.search(r"IM\d{4}\.dcm, instances \d+, \d+, tag \(0020,0032\) ImagePositionPatient: gap",
                     str(raised.value))
    resampled = read_pet_series(tmp_path, nonuniform="resample")
    assert resampled.values.shape[0] == 6
    original = read_pet_series(tmp_path, nonuniform="resample", resample=False).values
    assert resampled.values[3] == pytest.approx((original[2] + original[3]) / 2, rel=1e-12)


def test_duplicate_positions_are_refused(tmp_path: Path) -> None:
    synthetic.write_series(tmp_path, _ramp((3, 2, 2)), slice_positions=[0.0, 4.0, 4.0])
    with pytest.raises(InputError, match="same position"):
        read_pet_series(tmp_path)


def test_in_plane_shift_is_refused(tmp_path: Path) -> None:
    paths = synthetic.write_series(tmp_path, _ramp((3, 2, 2)), reverse_files=False)
    _rewrite(paths[1], ImagePositionPatient=[0.5, 0.0, 4.0])
    with pytest.raises(InputError, match="shifted in-plane by 0.500 mm"):
        read_pet_series(tmp_path)


def test_two_pet_series_need_a_choice(tmp_path: Path) -> None:
    synthetic.write_series(tmp_path / "ac", _ramp((2, 2, 2)))
    synthetic.write_series(tmp_path / "nac", _ramp((2, 2, 2)), {"CorrectedImage": ["DECY"]})
    with pytest.raises(InputError, match=r"\(0020,000E\) SeriesInstanceUID") as raised:
        read_pet_series(tmp_path)
    assert "2 PET series found" in raised.value.message


def test_no_pet_and_enhanced_pet_are_refused(tmp_path: Path) -> None:
    paths = synthetic.write_series(tmp_path / "a", _ramp((2, 2, 2)), {"Modality": "CT"})
    with pytest.raises(InputError, match="no PET image"):
        read_pet_series(tmp_path / "a")
    paths = synthetic.write_series(tmp_path / "b", _ramp((2, 2, 2)))
    for path in paths:
        _rewrite(path, SOPClassUID="1.2.840.10008.5.1.4.1.1.130")
    with pytest.raises(InputError, match="Enhanced"):
        read_pet_series(tmp_path / "b")


# --- RTSTRUCT (spec 6.4) -----------------------------------------------------------------------------


def _rtstruct(path: Path, frame_uid: str, rois: dict[str, list[tuple[str, list[float]]]]) -> None:
    ds = Dataset()
    ds.Modality = "RTSTRUCT"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.481.3"
    ds.SOPInstanceUID = generate_uid()
    reference = Dataset()
    reference.FrameOfReferenceUID = frame_uid
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([reference])
    ds.StructureSetROISequence = DicomSequence()
    ds.ROIContourSequence = DicomSequence()
    for number, (name, contours) in enumerate(rois.items(), start=1):
        roi = Dataset()
        roi.ROINumber, roi.ROIName = number, name
        ds.StructureSetROISequence.append(roi)
        item = Dataset()
        item.ReferencedROINumber = number
        item.ContourSequence = DicomSequence()
        for kind, points in contours:
            contour = Dataset()
            contour.ContourGeometricType = kind
            contour.NumberOfContourPoints = len(points) // 3
            contour.ContourData = [f"{p:g}" for p in points]
            item.ContourSequence.append(contour)
        ds.ROIContourSequence.append(item)
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(path, enforce_file_format=True)


def _square(x0: float, y0: float, x1: float, y1: float, z: float) -> list[float]:
    return [x0, y0, z, x1, y0, z, x1, y1, z, x0, y1, z]


def test_rtstruct_rasterisation_with_hole_and_point(tmp_path: Path) -> None:
    # 4 mm grid from LPS (0,0,0); square x 5..27, y 9..31 on z = 4 and 8;
    # a hole x 13..19, y 17..23 on z = 8.
    synthetic.write_series(tmp_path / "pet", _ramp((4, 10, 10)))
    series = read_pet_series(tmp_path / "pet")
    _rtstruct(
        tmp_path / "rs.dcm",
        series.frame_of_reference_uid,
        {
            "GTV": [
                ("CLOSED_PLANAR", _square(5, 9, 27, 31, 4.0)),
                ("CLOSED_PLANAR", _square(5, 9, 27, 31, 8.0)),
                ("CLOSED_PLANAR", _square(13, 17, 19, 23, 8.0)),
            ],
            "liver_centre": [("POINT", [12.0, 16.0, 8.0])],
        },
    )
    structures = read_rtstruct(tmp_path / "rs.dcm", series.geometry, series.frame_of_reference_uid)
    mask = structures.masks["GTV"]
    # columns i with 5 < 4i < 27 -> i = 2..6, rows j with 9 < 4j < 31 -> j = 3..7
    expected = np.zeros((10, 10), dtype=bool)
    expected[3:8, 2:7] = True
    assert np.array_equal(mask[1], expected)
    holed = expected.copy()
    holed[5, 4] = False  # the hole contains only the centre (x 16, y 20)
    assert np.array_equal(mask[2], holed)
    assert not mask[0].any() and not mask[3].any()
    assert np.allclose(structures.points["liver_centre"], (12.0, 16.0, 8.0))


def test_rtstruct_single_plane_applies_to_its_slice_only(tmp_path: Path) -> None:
    synthetic.write_series(tmp_path / "pet", _ramp((4, 10, 10)))
    series = read_pet_series(tmp_path / "pet")
    _rtstruct(
        tmp_path / "rs.dcm",
        series.frame_of_reference_uid,
        {"A": [("CLOSED_PLANAR", _square(5, 9, 27, 31, 5.0))]},
    )  # 1 mm off slice 1, within half a slice
    mask = read_rtstruct(tmp_path / "rs.dcm", series.geometry, "").masks["A"]
    assert mask.any(axis=(1, 2)).tolist() == [False, True, False, False]


def test_rtstruct_refusals(tmp_path: Path) -> None:
    synthetic.write_series(tmp_path / "pet", _ramp((4, 10, 10)))
    series = read_pet_series(tmp_path / "pet")
    _rtstruct(tmp_path / "other.dcm", "1.2.3.4", {"A": [("CLOSED_PLANAR", _square(5, 9, 27, 31, 4.0))]})
    with pytest.raises(InputError, match=r"\(0020,0052\) FrameOfReferenceUID"):
        read_rtstruct(tmp_path / "other.dcm", series.geometry, series.frame_of_reference_uid)
    tilted = [5, 9, 4.0, 27, 9, 4.0, 27, 31, 6.0, 5, 31, 6.0]
    _rtstruct(tmp_path / "tilted.dcm", series.frame_of_reference_uid, {"A": [("CLOSED_PLANAR", tilted)]})
    with pytest.raises(InputError, match="not parallel to the PET slices"):
        read_rtstruct(tmp_path / "tilted.dcm", series.geometry, series.frame_of_reference_uid)


# --- DICOM SEG through highdicom (spec 6.5) -----------------------------------------------------------


def test_seg_frames_map_to_slices_by_source_instance(tmp_path: Path) -> None:
    import highdicom as hd

    synthetic.write_series(tmp_path / "pet", _ramp((3, 6, 6)))
    series = read_pet_series(tmp_path / "pet")
    sources = [pydicom.dcmread(path) for path in series.files]
    for ds in sources:
        ds.PatientName, ds.PatientBirthDate, ds.StudyDate, ds.StudyTime = "SYN", "", "20250101", "110000"
        ds.ReferringPhysicianName, ds.StudyID, ds.AccessionNumber, ds.SeriesNumber = "", "1", "", 1
        ds.SliceThickness = "4"
    truth = np.zeros((3, 6, 6), dtype=bool)
    truth[1, 2:4, 1:5] = True
    truth[2, 3, 3] = True
    description = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label="lesion",
        segmented_property_category=hd.sr.CodedConcept(
            "49755003", "SCT", "Morphologically Altered Structure"
        ),
        segmented_property_type=hd.sr.CodedConcept("108369006", "SCT", "Neoplasm"),
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
    )
    order = [2, 0, 1]  # frames deliberately not in slice order
    seg = hd.seg.Segmentation(
        source_images=[sources[k] for k in order],
        pixel_array=truth[order].astype(np.uint8),
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[description],
        series_instance_uid=generate_uid(),
        series_number=2,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer="test",
        manufacturer_model_name="test",
        software_versions="1",
        device_serial_number="1",
        omit_empty_frames=False,
    )
    seg.save_as(tmp_path / "seg.dcm")
    structures = read_seg(tmp_path / "seg.dcm", series.sop_instance_uids, series.frame_of_reference_uid,
                          series.geometry)
    assert np.array_equal(structures.masks["lesion"], truth)


def test_undecodable_compressed_pixels_name_the_transfer_syntax(tmp_path: Path) -> None:
    # spec 6.3: a missing pixel handler (here: corrupt JPEG 2000 data) is an InputError naming the syntax.
    from pydicom.encaps import encapsulate

    paths = synthetic.write_series(tmp_path, _ramp((2, 4, 4)))
    ds = pydicom.dcmread(paths[0])
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.90"
    ds.PixelData = encapsulate([b"\x00" * 16])
    ds["PixelData"].VR = "OB"
    ds.save_as(paths[0], enforce_file_format=True)
    with pytest.raises(InputError, match=r"\(7FE0,0010\) PixelData") as raised:
        read_pet_series(tmp_path)
    assert "1.2.840.10008.1.2.4.90" in raised.value.message
