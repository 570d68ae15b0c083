"""Audit of spec/pet.md sections 0.1-0.4, 2 (DICOM to SUV) and 6 (image input/output).

Every expected value below comes from the spec text or from hand arithmetic written next to it, never
from the package's output. The first tests pin proven differences between the code
and the spec, since fixed, asserting what the SPEC requires.

Shared hand arithmetic (spec 2.11, 7(g)): 70 kg, 368.08 MBq, T1/2 6586.2 s, uptake 3600 s ->
A(t_ref) = 368.08e6 x 2^(-3600/6586.2) = 368.08e6 x 0.68463292 = 2.5199969e8 Bq,
F_bw = 70000 / 2.5199969e8 = 2.7777812e-4 g/Bq, and 14400 Bq/ml -> SUVbw 4.0000.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from _pet_synthetic import make_dataset, write_series
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import generate_uid

from ioresponse.io.dicom import read_pet_series, read_rtstruct
from ioresponse.io.nifti import read_nifti, read_nifti_labels
from ioresponse.pet import read_labels, read_suv
from ioresponse.pet.suv import read_nifti_suv
from ioresponse.schema import InputError, IoresponseWarning

BQML_14400 = 14400.0
"""Bq/ml that gives SUVbw 4.0000 one hour after 368.08 MBq in 70 kg (module docstring)."""
SUV_4 = 4.0


@pytest.fixture(autouse=True)
def _quiet() -> None:
    warnings.simplefilter("ignore", IoresponseWarning)


def _suv(folder: Path, **options) -> np.ndarray:
    return read_suv(folder, "bw", **options).values


def _rewrite(path: Path, delete: tuple[str, ...] = (), **attributes) -> None:
    ds = pydicom.dcmread(path)
    for keyword in delete:
        if keyword in ds:
            delattr(ds, keyword)
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    ds.save_as(path, enforce_file_format=True)


# --- RTSTRUCT writer (spec 6.4) -----------------------------------------------------------------------


def _rtstruct(
    path: Path,
    frames: list[str],
    rois: dict[str, list[list[float]]],
    roi_frames: dict[str, str] | None = None,
) -> Path:
    """A structure set with CLOSED_PLANAR contours; ``roi_frames`` sets each ROI's (3006,0024)."""
    ds = Dataset()
    ds.Modality = "RTSTRUCT"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.481.3"
    ds.SOPInstanceUID = generate_uid()
    references = []
    for frame in frames:
        reference = Dataset()
        reference.FrameOfReferenceUID = frame
        references.append(reference)
    ds.ReferencedFrameOfReferenceSequence = DicomSequence(references)
    ds.StructureSetROISequence = DicomSequence()
    ds.ROIContourSequence = DicomSequence()
    for number, (name, contours) in enumerate(rois.items(), start=1):
        roi = Dataset()
        roi.ROINumber, roi.ROIName = number, name
        if roi_frames:
            roi.ReferencedFrameOfReferenceUID = roi_frames[name]
        ds.StructureSetROISequence.append(roi)
        item = Dataset()
        item.ReferencedROINumber = number
        item.ContourSequence = DicomSequence()
        for points in contours:
            contour = Dataset()
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = len(points) // 3
            contour.ContourData = [f"{p:.6g}" for p in points]
            item.ContourSequence.append(contour)
        ds.ROIContourSequence.append(item)
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(path, enforce_file_format=True)
    return path


def _square(x0: float, y0: float, x1: float, y1: float, z: float) -> list[float]:
    """Axial square; tests keep its edges between voxel centres (spec 6.4: never on an edge)."""
    return [x0, y0, z, x1, y0, z, x1, y1, z, x0, y1, z]


# ======================================================================================================
# Proven differences (the assertion is the SPEC's result; fixed unless marked xfail)
# ======================================================================================================


@pytest.mark.parametrize(
    ("keyword", "values"),
    [("PatientWeight", ["70", "70.0", "70"]), ("SeriesTime", ["110000", "110000.000", "110000"])],
)
def test_2_2_4_series_attributes_equal_in_value_are_not_refused(tmp_path: Path, keyword, values) -> None:
    # spec 2.2 item 4: refuse when "Series-level attributes differ between instances of the series:
    # ... PatientWeight ... SeriesDate/SeriesTime". DS "70" and "70.0" are the same weight, TM "110000"
    # and "110000.000" the same time; nothing differs, so the series converts: 14400 Bq/ml -> 4.0000.
    write_series(tmp_path / "pt", np.full((3, 4, 4), BQML_14400), per_slice={keyword: values})
    assert _suv(tmp_path / "pt").max() == pytest.approx(SUV_4, abs=1e-4)


def test_2_2_4_differing_radiopharmaceutical_item_is_refused(tmp_path: Path) -> None:
    # spec 2.2 item 4: "Series-level attributes differ between instances of the series: ...,
    # radiopharmaceutical item, ..." -> InputError. (0018,0031) Radiopharmaceutical is in that item (2.1).
    write_series(
        tmp_path / "pt",
        np.full((3, 4, 4), BQML_14400),
        per_slice={"Radiopharmaceutical": ["FDG", "FLT", "FDG"]},
    )
    with pytest.raises(InputError) as error:
        read_suv(tmp_path / "pt", "bw")
    assert "(0054,0016)" in str(error.value.column) or "(0018,0031)" in str(error.value.column)


@pytest.mark.parametrize("case", ["pixel_spacing", "duplicate_position"])
def test_0_4_row_is_the_sorted_slice_index_when_instance_number_is_absent(tmp_path: Path, case: str) -> None:
    # spec 0.4: "For DICOM, ... row is the InstanceNumber (or the sorted slice index when absent)".
    # write_series names the files in reverse order: IM0002.dcm is the middle slice, sorted index 1
    # (0-based) or 2 (1-based); "0" names no slice of it under either counting.
    positions = [0.0, 4.0, 4.0] if case == "duplicate_position" else None
    write_series(tmp_path / "pt", np.full((3, 4, 4), BQML_14400), slice_positions=positions)
    for path in sorted((tmp_path / "pt").iterdir()):
        extra = (
            {"PixelSpacing": ["4.0", "4.5"]} if case == "pixel_spacing" and path.name == "IM0002.dcm" else {}
        )
        _rewrite(path, delete=("InstanceNumber",), **extra)
    with pytest.raises(InputError) as error:
        read_suv(tmp_path / "pt", "bw")
    assert 0 not in error.value.rows
    assert "instance 0" not in str(error.value)


def test_6_4_roi_in_another_frame_of_reference_is_refused(tmp_path: Path) -> None:
    # spec 6.4: "The RTSTRUCT's referenced FrameOfReferenceUID MUST equal the PET's; otherwise refuse (a
    # registration would be needed)." Here ROI 'mr_gtv' is in a second (MR) frame of reference.
    write_series(tmp_path / "pt", np.full((5, 8, 8), BQML_14400))
    pet = read_pet_series(tmp_path / "pt")
    pet_frame, mr_frame = pet.frame_of_reference_uid, generate_uid()
    path = _rtstruct(
        tmp_path / "rs.dcm",
        [pet_frame, mr_frame],
        {"ct_gtv": [_square(2, 2, 14, 14, 8.0)], "mr_gtv": [_square(2, 2, 14, 14, 8.0)]},
        roi_frames={"ct_gtv": pet_frame, "mr_gtv": mr_frame},
    )
    with pytest.raises(InputError):
        read_rtstruct(path, pet.geometry, pet_frame)


@pytest.mark.parametrize("layout", ["hole", "two_lesions"])
def test_6_4_contours_of_one_plane_are_combined_even_odd(tmp_path: Path, layout: str) -> None:
    # spec 6.4: "Contours are grouped by plane." / "Within a plane, polygons are combined with the even-odd
    # rule (XOR), so inner contours are holes." Planarity tolerance is 0.01 mm ("n . p equal for all its
    # points within 0.01 mm"); contours at z = 8.000 and 8.004 mm both lie on the PET slice at z = 8.
    # PET grid: 8 x 8 voxels of 4 mm, centres x, y = 0, 4, ..., 28; slices z = 0, 4, 8, 12, 16.
    write_series(tmp_path / "pt", np.full((5, 8, 8), BQML_14400))
    pet = read_pet_series(tmp_path / "pt")
    if layout == "hole":
        # outer 2..26 mm holds centres 4..24 (6 x 6 = 36); hole 10..18 holds 12, 16 (2 x 2 = 4) -> 32
        contours = [_square(2, 2, 26, 26, 8.0), _square(10, 10, 18, 18, 8.004)]
        expected = 32
    else:
        # two squares 2..10 (centres 4, 8) and 18..26 (centres 20, 24): 4 + 4 = 8 voxels
        contours = [_square(2, 2, 10, 10, 8.0), _square(18, 18, 26, 26, 8.004)]
        expected = 8
    path = _rtstruct(tmp_path / "rs.dcm", [pet.frame_of_reference_uid], {"roi": contours})
    mask = read_rtstruct(path, pet.geometry, pet.frame_of_reference_uid).masks["roi"]
    assert mask.sum(axis=(1, 2)).tolist() == [0, 0, expected, 0, 0]


def _ct_seg(tmp_path: Path, pet_files: list[str], truth_ct: np.ndarray) -> Path:
    """A BINARY SEG drawn on a CT series of the PET's frame of reference: same slice positions, 12 x 12
    pixels of 2 mm (the PET has 6 x 6 of 4 mm)."""
    import highdicom as hd

    sources = []
    for path in pet_files:
        ds = pydicom.dcmread(path)
        ds.PatientName, ds.PatientBirthDate, ds.StudyDate, ds.StudyTime = "SYN", "", "20250101", "110000"
        ds.ReferringPhysicianName, ds.StudyID, ds.AccessionNumber, ds.SeriesNumber = "", "1", "", 1
        ds.SliceThickness = "4"
        ds.Modality, ds.SOPClassUID, ds.SOPInstanceUID = "CT", "1.2.840.10008.5.1.4.1.1.2", generate_uid()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.SeriesInstanceUID = generate_uid() if not sources else sources[0].SeriesInstanceUID
        ds.Rows = ds.Columns = 12
        ds.PixelSpacing = ["2", "2"]
        ds.PixelData = np.zeros((12, 12), np.int16).tobytes()
        sources.append(ds)
    description = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label="lesion",
        segmented_property_category=hd.sr.CodedConcept(
            "49755003", "SCT", "Morphologically Altered Structure"
        ),
        segmented_property_type=hd.sr.CodedConcept("108369006", "SCT", "Neoplasm"),
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
    )
    seg = hd.seg.Segmentation(
        source_images=sources,
        pixel_array=truth_ct.astype(np.uint8),
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
    return tmp_path / "seg.dcm"


def test_6_5_seg_on_another_grid_of_the_same_frame_is_resampled_to_the_pet(tmp_path: Path) -> None:
    # spec 6.5: "FrameOfReferenceUID MUST match; in-plane geometry must equal the PET's or the label is
    # resampled (6.7)"; 6.7: "resample each label by nearest neighbour onto the PET grid ...; labels drawn
    # on CT usually need this" (resample_labels defaults to True).
    # PET: 3 slices (z = 0, 4, 8) of 6 x 6 pixels of 4 mm, centres x, y = 0, 4, ..., 20.
    # CT: same slices, 12 x 12 pixels of 2 mm, centres 0, 2, ..., 22. CT lesion on slice 1: rows 4..6
    # (y = 8..12 mm), columns 2..8 (x = 4..16 mm). Nearest neighbour at the PET centres: y in {8, 12}
    # -> PET rows 2, 3; x in {4, 8, 12, 16} -> PET columns 1..4. So PET mask = [1, 2:4, 1:5] (8 voxels).
    write_series(tmp_path / "pt", np.full((3, 6, 6), BQML_14400))
    volume = read_suv(tmp_path / "pt", "bw")
    pet = read_pet_series(tmp_path / "pt")
    truth_ct = np.zeros((3, 12, 12), dtype=bool)
    truth_ct[1, 4:7, 2:9] = True
    seg = _ct_seg(tmp_path, pet.files, truth_ct)
    masks = read_labels(seg, volume)
    expected = np.zeros((3, 6, 6), dtype=bool)
    expected[1, 2:4, 1:5] = True
    assert np.array_equal(masks["lesion"], expected)


def test_6_7_seg_on_another_grid_is_refused_when_resampling_is_off(tmp_path: Path) -> None:
    # spec 6.7: "With `resample_labels = False` a mismatch is an `InputError`."
    write_series(tmp_path / "pt", np.full((3, 6, 6), BQML_14400))
    volume = read_suv(tmp_path / "pt", "bw")
    truth_ct = np.zeros((3, 12, 12), dtype=bool)
    truth_ct[1, 4:7, 2:9] = True
    seg = _ct_seg(tmp_path, read_pet_series(tmp_path / "pt").files, truth_ct)
    with pytest.raises(InputError, match="resample_labels"):
        read_labels(seg, volume, resample_labels=False)


def test_6_7_seg_lesion_between_pet_voxel_centres_is_refused_not_dropped(tmp_path: Path) -> None:
    # spec 4.6 "never silently": a CT lesion of one 2 mm pixel at x = 2, y = 2 mm (CT row 1, column 1) has
    # no PET voxel centre (0, 4, 8 ... mm) nearest to it: the nearest CT pixel of PET centre (4, 4) is CT
    # (row 2, column 2), of (0, 0) CT (0, 0). The resampled lesion is empty, so the file is refused.
    write_series(tmp_path / "pt", np.full((3, 6, 6), BQML_14400))
    volume = read_suv(tmp_path / "pt", "bw")
    truth_ct = np.zeros((3, 12, 12), dtype=bool)
    truth_ct[1, 1, 1] = True
    seg = _ct_seg(tmp_path, read_pet_series(tmp_path / "pt").files, truth_ct)
    with pytest.raises(InputError, match="no voxel on the PET grid"):
        read_labels(seg, volume)


def _nifti_pet(path: Path) -> Path:
    import SimpleITK as sitk  # noqa: N813

    image = sitk.GetImageFromArray(np.full((3, 4, 5), BQML_14400))
    image.SetSpacing((4.0, 4.0, 4.0))
    sitk.WriteImage(image, str(path))
    return path


def test_6_6_bqml_nifti_without_decay_correction_convention_is_refused(tmp_path: Path) -> None:
    # spec 6.6: "`bqml` additionally needs weight, injected activity, injection and reference datetimes
    # and the decay-correction convention from the patient table; otherwise refuse."
    path = _nifti_pet(tmp_path / "pet.nii.gz")
    with pytest.raises(InputError):
        read_nifti_suv(
            path,
            pet_units="bqml",
            weight_kg=70.0,
            injected_bq=368.08e6,
            injection_datetime=dt.datetime(2025, 1, 1, 10, 0, 0),
            reference_datetime=dt.datetime(2025, 1, 1, 11, 0, 0),
        )


def test_2_4_one_sided_utc_offset_of_a_nifti_pet_is_dropped(tmp_path: Path) -> None:
    # spec 2.4: "All times of one study are assumed to be on the same local clock. If a DT carries a UTC
    # offset and the value it is compared with does not, drop the offset (same clock) and record a
    # warning". 10:00+01:00 read on the local clock is 10:00 -> uptake 3600 s -> 14400 Bq/ml = 4.0000.
    path = _nifti_pet(tmp_path / "pet.nii.gz")
    volume = read_nifti_suv(
        path,
        pet_units="bqml",
        weight_kg=70.0,
        injected_bq=368.08e6,
        injection_datetime=dt.datetime(2025, 1, 1, 10, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        reference_datetime=dt.datetime(2025, 1, 1, 11, 0, 0),
        decay_correction="START",
    )
    assert volume.values.max() == pytest.approx(SUV_4, abs=1e-4)
    assert volume.provenance["warnings"]


# ======================================================================================================
# Tricky cases that already behave as the spec says
# ======================================================================================================


def test_2_3_philips_factor_is_found_through_its_creator_not_a_fixed_element(tmp_path: Path) -> None:
    # spec 2.1: "Private elements MUST be looked up through their private creator"; 2.10 item 8.
    # Slot 0x10 of group 7053 belongs to another creator whose element (7053,1000) holds a decoy 0.9;
    # the Philips creator sits in slot 0x11, so its SUV scale factor is (7053,1100) = 0.0005.
    # 2.3 / 7(i): stored 8000 x slope 1 x 0.0005 = 4.00.
    folder = tmp_path / "pt"
    folder.mkdir()
    series, frame = generate_uid(), generate_uid()
    header = {
        "Modality": "PT",
        "Manufacturer": "Philips Medical Systems",
        "Units": "CNTS",
        "DecayCorrection": "START",
        "CorrectedImage": ["ATTN", "DECY"],
        "PatientWeight": 70.0,
        "SeriesDate": "20250101",
        "SeriesTime": "110000",
    }
    for k in range(3):
        ds = make_dataset(
            np.full((4, 4), 8000),
            header,
            position=(0, 0, 4.0 * k),
            instance=k + 1,
            series_uid=series,
            frame_uid=frame,
        )
        ds.private_block(0x7053, "OTHER VENDOR", create=True).add_new(0x00, "DS", "0.9")
        ds.private_block(0x7053, "Philips PET Private Group", create=True).add_new(0x00, "DS", "0.0005")
        ds.save_as(folder / f"IM{k}.dcm", enforce_file_format=True)
    assert np.allclose(_suv(folder), SUV_4, atol=1e-12)


def test_2_5_midnight_crossing_between_beds_with_acquisition_dates(tmp_path: Path) -> None:
    # spec 2.1: AcquisitionDate/AcquisitionTime "start of counting for this image (bed); may differ per
    # slice"; 2.7 rule 3: SeriesDateTime 2025-01-01 23:55:00 <= earliest acquisition (23:55:00, the second
    # bed starts 00:05:00 on 2025-01-02) -> t_ref = 23:55:00. 2.5: injection time 22:55:00 (TM only) on
    # SeriesDate -> 2025-01-01 22:55:00, not later than t_ref, no shift; uptake 3600 s -> 4.0000.
    write_series(
        tmp_path / "pt",
        np.full((2, 4, 4), BQML_14400),
        header={
            "SeriesDate": "20250101",
            "SeriesTime": "235500",
            "RadiopharmaceuticalStartDateTime": None,
            "RadiopharmaceuticalStartTime": "225500",
        },
        per_slice={"AcquisitionDate": ["20250101", "20250102"], "AcquisitionTime": ["235500", "000500"]},
    )
    volume = read_suv(tmp_path / "pt", "bw")
    assert volume.provenance["reference_time_source"] == "series"
    assert volume.provenance["uptake_s"] == 3600.0
    assert np.allclose(volume.values, SUV_4, atol=1e-4)


def test_6_2_non_square_pixel_spacing_is_row_then_column(tmp_path: Path) -> None:
    # spec 6.2 step 2: "PixelSpacing = [row spacing, column spacing]: the first value is the distance
    # between rows (along v, spacing dj), the second between columns (along u, spacing di)".
    # PixelSpacing [2, 4]: di = 4 (x), dj = 2 (y). A contour x 2..10, y 1..5 on z = 0 covers column
    # centres x = 4, 8 (i = 1, 2) and row centres y = 2, 4 (j = 1, 2): voxels [0, 1:3, 1:3].
    write_series(tmp_path / "pt", np.full((2, 6, 6), BQML_14400), spacing_zyx=(4.0, 2.0, 4.0))
    pet = read_pet_series(tmp_path / "pt")
    assert pet.geometry.spacing == (4.0, 2.0, 4.0)
    path = _rtstruct(tmp_path / "rs.dcm", [pet.frame_of_reference_uid], {"roi": [_square(2, 1, 10, 5, 0.0)]})
    mask = read_rtstruct(path, pet.geometry, pet.frame_of_reference_uid).masks["roi"]
    assert np.argwhere(mask).tolist() == [[0, 1, 1], [0, 1, 2], [0, 2, 1], [0, 2, 2]]


def test_6_2_coronal_slices_sorted_along_the_normal_not_instance_number(tmp_path: Path) -> None:
    # spec 6.2 steps 1, 3, 7: u = (1,0,0), v = (0,0,-1) -> n = u x v = (0,1,0); d = n . IPP = y; sort by
    # ascending d, never by InstanceNumber; origin = IPP of the first sorted image; direction = [u, v, n].
    # Slices at y = 30, 10, 20 with InstanceNumber 1, 2, 3 and value 1000 x (y / 10) -> sorted 10, 20, 30.
    folder = tmp_path / "pt"
    folder.mkdir()
    series, frame = generate_uid(), generate_uid()
    header = {"Modality": "PT", "Units": "BQML", "DecayCorrection": "START"}
    for n, y in enumerate([30.0, 10.0, 20.0], start=1):
        ds = make_dataset(
            np.full((3, 3), int(y * 100)),
            header,
            position=(-5.0, y, 50.0),
            orientation=(1, 0, 0, 0, 0, -1),
            instance=n,
            series_uid=series,
            frame_uid=frame,
        )
        ds.save_as(folder / f"f{n}.dcm", enforce_file_format=True)
    pet = read_pet_series(folder)
    assert pet.values[:, 0, 0].tolist() == [1000.0, 2000.0, 3000.0]
    assert pet.geometry.origin.tolist() == [-5.0, 10.0, 50.0]
    assert pet.geometry.spacing == (4.0, 4.0, 10.0)
    assert np.array_equal(pet.geometry.direction, np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], dtype=float))


def test_6_2_positions_not_slice_thickness_give_the_spacing(tmp_path: Path) -> None:
    # spec 6.2 step 5 and 2.10 item 3: dk = median(delta d) from positions; SliceThickness (5 mm here) and
    # SliceLocation (reversed here) are never used. Positions 0, 3.27, 6.54, 9.73 (a 3.19 mm bed gap):
    # median gap 3.27; largest deviation |3.19 - 3.27| = 0.08 mm <= 0.327 -> accepted and recorded.
    write_series(
        tmp_path / "pt",
        np.full((4, 4, 4), BQML_14400),
        header={"SliceThickness": "5"},
        slice_positions=[0.0, 3.27, 6.54, 9.73],
        per_slice={"SliceLocation": ["9", "6", "3", "0"]},
    )
    volume = read_suv(tmp_path / "pt", "bw")
    assert volume.geometry.spacing[2] == pytest.approx(3.27, abs=1e-9)
    assert volume.provenance["max_slice_gap_deviation_mm"] == pytest.approx(0.08, abs=1e-9)


def test_6_4_ct_contours_at_3_mm_take_the_nearest_plane_on_a_2_mm_pet(tmp_path: Path) -> None:
    # spec 6.4: "Each PET slice takes the contour plane nearest to it, if that plane is within half of the
    # ROI's contour-plane spacing" (no unions of mismatched planes). Planes at z = 0, 3, 6, 9 (3 mm) with
    # squares of growing size; PET slices at z = 0, 2, 4, 6, 8 (2 mm): nearest planes 0, 3, 3, 6, 9
    # (distances 0, 1, 1, 0, 1 <= 1.5). Plane n (z = 3n) holds the square -1..(3 + 2n) mm on a 2 mm pixel
    # grid (centres 0, 2, 4, ...; edges fall between centres): 2, 3, 4, 5 centres per axis -> 4, 9, 16, 25
    # voxels. Slices 0..4 therefore hold 4, 9, 9, 16, 25.
    write_series(tmp_path / "pt", np.full((5, 8, 8), BQML_14400), spacing_zyx=(2.0, 2.0, 2.0))
    pet = read_pet_series(tmp_path / "pt")
    contours = [_square(-1, -1, 3 + 2 * n, 3 + 2 * n, 3.0 * n) for n in range(4)]
    path = _rtstruct(tmp_path / "rs.dcm", [pet.frame_of_reference_uid], {"roi": contours})
    mask = read_rtstruct(path, pet.geometry, pet.frame_of_reference_uid).masks["roi"]
    assert mask.sum(axis=(1, 2)).tolist() == [4, 9, 9, 16, 25]


def test_6_7_nifti_label_on_a_finer_ras_grid_is_resampled_by_nearest_neighbour(tmp_path: Path) -> None:
    # spec 6.6: a RAS affine -> LPS by negating x and y; 6.7: a mismatching grid is resampled by nearest
    # neighbour onto the PET grid. PET (from DICOM): 3 slices z = 0, 4, 8, 6 x 6 pixels of 4 mm at
    # x, y (LPS) = 0..20. Label: nibabel array [i, j, k] 12 x 12 x 3, 2 mm in-plane, 4 mm slices, RAS affine
    # diag(-2, -2, 4) with origin 0 -> voxel (i, j, k) at LPS (2i, 2j, 4k). Label 1 at i = 4..6, j = 2..4,
    # k = 1 -> LPS x = 8..12, y = 4..8, z = 4. PET centres nearest: x in {8, 12} (i = 2, 3), y in {4, 8}
    # (j = 1, 2), k = 1 -> PET [1, 1:3, 2:4].
    import nibabel as nib

    write_series(tmp_path / "pt", np.full((3, 6, 6), BQML_14400))
    volume = read_suv(tmp_path / "pt", "bw")
    data = np.zeros((12, 12, 3), dtype=np.int16)
    data[4:7, 2:5, 1] = 1
    nib.save(nib.Nifti1Image(data, np.diag([-2.0, -2.0, 4.0, 1.0])), tmp_path / "lab.nii.gz")
    labels, _ = read_nifti_labels(tmp_path / "lab.nii.gz", volume.geometry)
    expected = np.zeros((3, 6, 6), dtype=np.int64)
    expected[1, 1:3, 2:4] = 1
    assert np.array_equal(labels, expected)
    _, grid = read_nifti(tmp_path / "lab.nii.gz")
    assert grid.origin.tolist() == [0.0, 0.0, 0.0]
    assert grid.index_to_lps((1, 2, 4)).tolist() == [8.0, 4.0, 4.0]


def test_0_4_suv_refusal_without_instance_number_names_the_sorted_index(tmp_path: Path) -> None:
    # spec 0.4: row = InstanceNumber, or the sorted slice index when absent; column "(gggg,eeee) Keyword".
    # RescaleIntercept 1 on the middle slice (IM0002.dcm, sorted position 2 of 3, 1-based) -> 2.2 item 5.
    write_series(tmp_path / "pt", np.full((3, 4, 4), BQML_14400))
    for path in sorted((tmp_path / "pt").iterdir()):
        extra = {"RescaleIntercept": "1"} if path.name == "IM0002.dcm" else {}
        _rewrite(path, delete=("InstanceNumber",), **extra)
    with pytest.raises(InputError) as error:
        read_suv(tmp_path / "pt", "bw")
    assert error.value.file.endswith("IM0002.dcm")
    assert error.value.rows == [2]
    assert error.value.column == "(0028,1052) RescaleIntercept"
