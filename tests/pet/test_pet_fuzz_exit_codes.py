"""Seeded robustness fuzz of ``ioresponse pet suv`` and ``ioresponse pet quantify`` (exit codes 0 or 2).

One small VALID study is written with pydicom once per module (``_pet_synthetic.make_dataset``): a BQML /
START series of 10 axial slices of 16 x 16 voxels (4 mm), a SUV-8 sphere lesion (r 8 mm) on a SUV-1
background, a SUV-2 liver block, an RTSTRUCT with two ROIs (L1 around the sphere, L2 in the background), a
NIfTI label map (1 around the sphere, 2 in the background) and a DICOM SEG (segment L1). Every case copies
it, applies ONE mutation and runs the command(s) in-process. For every case:

* the exit code is 0 or 2, never 1 (an uncaught exception), and no "Traceback" is printed;
* a refusal (exit 2) is located: it names the file or folder (or the option) and the tag / ROI / option
  (project rule, spec/pet.md 0.4);
* mutations that must not change anything (shuffled file names, names without .dcm, extra private tags,
  other transfer syntaxes, unrelated files beside the series ...) give exactly the unmutated outputs:
  the JSON of ``pet suv --json`` (less the folder name) and the lesion CSV of ``pet quantify``.

Expectations come from spec/pet.md 2.1-2.7 (required attributes, acceptance, dates and times), 6.1-6.7
(series, geometry, pixel data, RTSTRUCT, SEG, NIfTI) and from the rule "nothing silently dropped or
changed".
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
from _pet_synthetic import BASE_HEADER, make_dataset, sphere_phantom
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ImplicitVRLittleEndian,
    RLELossless,
    generate_uid,
)
from typer.testing import CliRunner

from ioresponse.cli import app

SEED = 20250101
RUNNER = CliRunner()

N = 10  # slices; slice k sits at z = 4 k mm and is written as IM{N - k:04d}.dcm with InstanceNumber k + 1
SHAPE = (N, 16, 16)
SPACING = 4.0
MID = 4  # the "one slice" of the per-slice mutations: IM0006.dcm, instance 5
TOP = N - 1  # the last slice along z: IM0001.dcm, instance 10
LIVER = "44,44,20"  # LPS mm: the 15 mm liver sphere fits inside the 60 x 60 x 36 mm image and the liver block
ANY_SLICE = r"re:IM\d{4}\.dcm"
RTSTRUCT_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
DOSE_AT_SCAN = BASE_HEADER["RadionuclideTotalDose"] * 0.5 ** (3600 / BASE_HEADER["RadionuclideHalfLife"])
BQML_PER_SUV = DOSE_AT_SCAN / (1000.0 * BASE_HEADER["PatientWeight"])  # START, 60 min uptake (spec 1.1)
SEG_SOURCE_ATTRIBUTES = {
    "PatientName": "SYN^",
    "PatientBirthDate": "",
    "StudyDate": "20250101",
    "StudyTime": "110000",
    "ReferringPhysicianName": "",
    "StudyID": "1",
    "AccessionNumber": "",
    "SeriesNumber": 1,
}


def slice_name(k: int) -> str:
    return f"IM{N - k:04d}.dcm"


# ------------------------------------------------------------------------------------------------
# The valid study
# ------------------------------------------------------------------------------------------------


def suv_image() -> np.ndarray:
    image = sphere_phantom(SHAPE, (5, 4, 4), 8.0, (SPACING,) * 3, 8.0, 1.0)
    image[:, 7:, 7:] = 2.0  # liver block (x, y 28-60 mm, every slice)
    return image


def write_pet(folder: Path, *, series_uid: str | None = None, frame_uid: str | None = None,
              study_uid: str | None = None, header: dict | None = None) -> list[Path]:
    """The valid series: IM{N-k}.dcm for slice k, one RescaleSlope per slice (its max / 30000)."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = series_uid or generate_uid()
    frame_uid = frame_uid or generate_uid()
    study_uid = study_uid or generate_uid()
    values = suv_image() * BQML_PER_SUV
    paths = []
    for k in range(N):
        slope = float(values[k].max()) / 30000.0
        ds = make_dataset(
            np.rint(values[k] / slope),
            {**BASE_HEADER, "Radiopharmaceutical": "Fludeoxyglucose", **(header or {})},
            position=(0.0, 0.0, SPACING * k),
            slope=slope,
            instance=k + 1,
            series_uid=series_uid,
            frame_uid=frame_uid,
            study_uid=study_uid,
        )
        ds.save_as(folder / slice_name(k), enforce_file_format=True)
        paths.append(folder / slice_name(k))
    return paths


def square(x0: float, y0: float, x1: float, y1: float, z: float) -> list[float]:
    return [x0, y0, z, x1, y0, z, x1, y1, z, x0, y1, z]


# L1: x, y 2..30 mm around the sphere centre (16, 16) on z 8..32 (slices 2-8); L2: x 2..10, y 46..54 mm on
# z 16..24 (slices 4-6), in the background. Voxel centres are multiples of 4 mm: no edge passes through one.
ROIS = {
    "L1": [square(2, 2, 30, 30, 4.0 * k) for k in range(2, 9)],
    "L2": [square(2, 46, 10, 54, 4.0 * k) for k in range(4, 7)],
}


def write_rtstruct(path: Path, frame_uid: str, rois: dict[str, list[list[float]]] = ROIS) -> Path:
    ds = Dataset()
    ds.Modality = "RTSTRUCT"
    ds.SOPClassUID = RTSTRUCT_STORAGE
    ds.SOPInstanceUID = generate_uid()
    ds.PatientID = "SYN"
    reference = Dataset()
    reference.FrameOfReferenceUID = frame_uid
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([reference])
    ds.StructureSetROISequence = DicomSequence()
    ds.ROIContourSequence = DicomSequence()
    for number, (name, contours) in enumerate(rois.items(), start=1):
        roi = Dataset()
        roi.ROINumber, roi.ROIName = number, name
        roi.ReferencedFrameOfReferenceUID = frame_uid
        ds.StructureSetROISequence.append(roi)
        item = Dataset()
        item.ReferencedROINumber = number
        item.ContourSequence = DicomSequence()
        for points in contours:
            contour = Dataset()
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = len(points) // 3
            contour.ContourData = [f"{p:g}" for p in points]
            item.ContourSequence.append(contour)
        ds.ROIContourSequence.append(item)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(path, enforce_file_format=True)
    return path


def label_map() -> np.ndarray:
    labels = np.zeros(SHAPE, dtype=np.int16)
    labels[2:9, 1:8, 1:8] = 1  # [k, j, i] around the sphere
    labels[4:7, 12:14, 1:3] = 2  # background
    return labels


def write_nifti(path: Path, labels_kji: np.ndarray, affine: np.ndarray | None = None) -> Path:
    # nibabel order (i, j, k); the RAS affine diag(-4, -4, 4) is the PET's LPS grid from origin 0
    affine = np.diag([-SPACING, -SPACING, SPACING, 1.0]) if affine is None else affine
    nib.save(nib.Nifti1Image(np.ascontiguousarray(labels_kji.transpose(2, 1, 0)), affine), path)
    return path


def write_seg(path: Path, series: Path, *, frame_uid: str | None = None) -> Path:
    """A BINARY DICOM SEG of the L1 box on the series' slices (highdicom, frames referenced by instance)."""
    import highdicom as hd

    sources = []
    for k in range(N):
        ds = pydicom.dcmread(series / slice_name(k))
        for keyword, value in SEG_SOURCE_ATTRIBUTES.items():
            setattr(ds, keyword, value)
        ds.SliceThickness = "4"
        if frame_uid:
            ds.FrameOfReferenceUID = frame_uid
        sources.append(ds)
    mask = (label_map() == 1).astype(np.uint8)
    description = hd.seg.SegmentDescription(
        segment_number=1,
        segment_label="L1",
        segmented_property_category=hd.sr.CodedConcept(
            "49755003", "SCT", "Morphologically Altered Structure"
        ),
        segmented_property_type=hd.sr.CodedConcept("108369006", "SCT", "Neoplasm"),
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
    )
    seg = hd.seg.Segmentation(
        source_images=sources,
        pixel_array=mask,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=[description],
        series_instance_uid=generate_uid(),
        series_number=2,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer="fuzz",
        manufacturer_model_name="fuzz",
        software_versions="1",
        device_serial_number="1",
        omit_empty_frames=False,
    )
    seg.save_as(path)
    return path


# ------------------------------------------------------------------------------------------------
# Running the commands
# ------------------------------------------------------------------------------------------------

LABELS = {"rt": "rs.dcm", "nii": "labels.nii.gz", "seg": "seg.dcm"}


@dataclass
class Run:
    command: str
    exit_code: int
    output: str
    exception: BaseException | None
    result: str | None  # suv: the JSON less the folder; quantify: the CSV text


def run(work: Path, command: str, series: Path | None = None, arguments: Sequence[str] = (),
        liver: bool = True) -> Run:
    series = series if series is not None else work / "pet"
    if command == "suv":
        args = ["pet", "suv", str(series), "--json", *arguments]
        out = None
    else:
        out = work / f"out_{command}.csv"
        args = ["pet", "quantify", str(series), "--labels", str(work / LABELS[command]), "--out", str(out),
                *(["--liver", LIVER] if liver else []), *arguments]
    result = RUNNER.invoke(app, args)
    produced = None
    if result.exit_code == 0:
        if command == "suv":
            report = json.loads(result.stdout)
            report.pop("series")
            produced = json.dumps(report, sort_keys=True)
        else:
            produced = out.read_text()
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return Run(command, result.exit_code, result.output, exception, produced)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("fuzz_base")
    paths = write_pet(root / "pet")
    frame_uid = str(pydicom.dcmread(paths[0]).FrameOfReferenceUID)
    write_rtstruct(root / "rs.dcm", frame_uid)
    write_nifti(root / "labels.nii.gz", label_map())
    write_seg(root / "seg.dcm", root / "pet")
    outputs = {}
    for command in ("suv", "rt", "nii", "seg"):
        done = run(root, command)
        assert done.exit_code == 0, done.output
        outputs[command] = done.result
    rows = [line.split(",")[2] for line in outputs["rt"].splitlines()[1:]]
    assert rows == ["L1", "L2"]
    for out in root.glob("out_*.csv"):
        out.unlink()
    return {"root": root, "outputs": outputs}


# ------------------------------------------------------------------------------------------------
# Mutations
# ------------------------------------------------------------------------------------------------

Mutation = Callable[[Path], "Path | None"]


def raw_element(keyword: str, text: str, vr: str | None = None) -> RawDataElement:
    """``keyword`` holding ``text`` as written in a file (no pydicom validation: invalid values too)."""
    tag = tag_for_keyword(keyword)
    data = text.encode("latin-1")
    data += b" " * (len(data) % 2)
    return RawDataElement(tag, vr or dictionary_VR(tag), len(data), data, 0, False, True)


def slices(which: str | Sequence[int]) -> list[int]:
    return list(range(N)) if which == "all" else list(which)


def edit(which: str | Sequence[int], change: Callable[[Dataset], None]) -> Mutation:
    def mutate(work: Path) -> None:
        for k in slices(which):
            path = work / "pet" / slice_name(k)
            ds = pydicom.dcmread(path)
            change(ds)
            ds.save_as(path)

    return mutate


def delete(keyword: str, which: str | Sequence[int] = "all") -> Mutation:
    return edit(which, lambda ds: ds.__delitem__(tag_for_keyword(keyword)))


def set_raw(keyword: str, text: str, which: str | Sequence[int] = "all") -> Mutation:
    def change(ds: Dataset) -> None:
        ds[tag_for_keyword(keyword)] = raw_element(keyword, text)

    return edit(which, change)


def set_item(keyword: str, text: str | None, which: str | Sequence[int] = "all") -> Mutation:
    """Change (None: delete) an attribute of the RadiopharmaceuticalInformationSequence item."""

    def change(ds: Dataset) -> None:
        item = ds.RadiopharmaceuticalInformationSequence[0]
        if text is None:
            del item[tag_for_keyword(keyword)]
        else:
            item[tag_for_keyword(keyword)] = raw_element(keyword, text)

    return edit(which, change)


def combine(*mutations: Mutation) -> Mutation:
    def mutate(work: Path) -> Path | None:
        series = None
        for mutation in mutations:
            series = mutation(work) or series
        return series

    return mutate


def orient(orientation: Sequence[float], normal_step: Sequence[float]) -> Mutation:
    """Rewrite every slice to ``orientation`` with IPP = k x ``normal_step`` (a consistent non-axial grid)."""

    def change_slice(work: Path) -> None:
        for k in range(N):
            path = work / "pet" / slice_name(k)
            ds = pydicom.dcmread(path)
            ds.ImageOrientationPatient = [f"{v:.10g}" for v in orientation]
            ds.ImagePositionPatient = [f"{k * s:.10g}" for s in normal_step]
            ds.save_as(path)

    return change_slice


def gantry_tilt(work: Path) -> None:
    for k in range(N):
        path = work / "pet" / slice_name(k)
        ds = pydicom.dcmread(path)
        ds.ImagePositionPatient = ["0", f"{0.7 * k:g}", f"{SPACING * k:g}"]  # y drifts 0.7 mm per slice
        ds.save_as(path)


def resize_one(keyword: str) -> Mutation:
    def change(ds: Dataset) -> None:
        pixels = ds.pixel_array
        pixels = np.pad(pixels, ((0, 2), (0, 0)) if keyword == "Rows" else ((0, 0), (0, 2)))
        ds.Rows, ds.Columns = pixels.shape
        ds.PixelData = pixels.astype(np.int16).tobytes()

    return edit([MID], change)


def transfer_syntax(syntax: str) -> Mutation:
    def mutate(work: Path) -> None:
        for k in range(N):
            path = work / "pet" / slice_name(k)
            ds = pydicom.dcmread(path)
            if syntax == RLELossless:
                ds.compress(RLELossless)
            elif syntax == ExplicitVRBigEndian:  # pydicom writes PixelData as given: swap the bytes here
                ds.PixelData = ds.pixel_array.astype(">i2").tobytes()
            ds.file_meta.TransferSyntaxUID = syntax
            dcmwrite(path, ds, implicit_vr=syntax == ImplicitVRLittleEndian,
                     little_endian=syntax != ExplicitVRBigEndian, enforce_file_format=True)

    return mutate


def undecodable(syntax: str) -> Mutation:
    def change(ds: Dataset) -> None:
        from pydicom.encaps import encapsulate

        ds.file_meta.TransferSyntaxUID = syntax
        ds.PixelData = encapsulate([b"\xff\xd8" + bytes(range(30)) + b"\xff\xd9"])
        ds["PixelData"].VR = "OB"

    return edit([MID], change)


def claim_rle_without_encapsulation(work: Path) -> None:
    """The file meta says RLE Lossless; the pixel data stays native (same UID length: patched in place)."""
    path = work / "pet" / slice_name(MID)
    data = path.read_bytes()
    assert data.count(b"1.2.840.10008.1.2.1\x00") == 1
    path.write_bytes(data.replace(b"1.2.840.10008.1.2.1\x00", RLELossless.encode() + b"\x00"))


def copy_series_renamed(work: Path) -> None:
    """A second series (own UIDs) beside the first, files prefixed so that nothing is overwritten."""
    other = work / "other"
    write_pet(other, header={"SeriesDescription": "NAC copy"})
    for path in other.iterdir():
        path.rename(work / "pet" / f"B_{path.name}")


def duplicate_file(work: Path) -> None:
    shutil.copy(work / "pet" / slice_name(MID), work / "pet" / "copy_of_IM0006.dcm")


def remove_slice(work: Path) -> None:
    (work / "pet" / slice_name(MID)).unlink()


def ct_beside(work: Path) -> None:
    ds = make_dataset(np.zeros((16, 16)), {"Modality": "CT", "SOPClassUID": CT_IMAGE_STORAGE},
                      position=(0, 0, 0), series_uid=generate_uid(), frame_uid=generate_uid())
    ds.file_meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
    ds.save_as(work / "pet" / "CT0001.dcm", enforce_file_format=True)


def text_file(name: str, text: str = "not a DICOM file\n") -> Mutation:
    def mutate(work: Path) -> None:
        (work / "pet" / name).write_text(text)

    return mutate


def truncate(k: int, keep: int) -> Mutation:
    """Keep the first ``keep`` bytes of slice k (negative: drop the last ones, inside the pixel data)."""

    def mutate(work: Path) -> None:
        path = work / "pet" / slice_name(k)
        path.write_bytes(path.read_bytes()[:keep])

    return mutate


def without_file_meta(k: int) -> Mutation:
    def mutate(work: Path) -> None:
        path = work / "pet" / slice_name(k)
        ds = pydicom.dcmread(path)
        ds.preamble = None
        del ds.file_meta
        ds.save_as(path, enforce_file_format=False, implicit_vr=False, little_endian=True)

    return mutate


def rtstruct_beside(work: Path) -> None:
    shutil.copy(work / "rs.dcm", work / "pet" / "RS.dcm")


def rename_all(rename: Callable[[int, str], str]) -> Mutation:
    """Rename the n-th file (in name order) to ``rename(n, name)``; no new name is an old one."""

    def mutate(work: Path) -> None:
        for n, path in enumerate(sorted((work / "pet").iterdir())):
            path.rename(path.with_name(rename(n, path.name)))

    return mutate


def shuffled_name(n: int, name: str) -> str:
    """A seeded permutation: file order no longer follows slice order (nor its reverse)."""
    return f"x{np.random.default_rng(SEED).permutation(N)[n]:03d}.dcm"


def private_tags(ds: Dataset) -> None:
    rng = np.random.default_rng(SEED)
    block = ds.private_block(0x0011, "FUZZ PRIVATE", create=True)
    block.add_new(0x01, "LO", "fuzz")
    block.add_new(0x02, "OB", rng.bytes(64))
    block.add_new(0x03, "DS", "1.5")
    item = Dataset()
    item.add_new(0x00111010, "LO", "FUZZ PRIVATE")
    block.add_new(0x04, "SQ", DicomSequence([item]))


def nested(work: Path) -> None:
    inner = work / "pet" / "study" / "series"
    inner.mkdir(parents=True)
    for path in list((work / "pet").glob("*.dcm")):
        path.rename(inner / path.name)


def folder_of_series_folders(work: Path) -> None:
    first = work / "pet" / "a"
    first.mkdir()
    for path in list((work / "pet").glob("*.dcm")):
        path.rename(first / path.name)
    write_pet(work / "pet" / "b", header={"SeriesDescription": "second"})


def empty_folder(work: Path) -> None:
    for path in (work / "pet").iterdir():
        path.unlink()


def single_file(work: Path) -> Path:
    return work / "pet" / slice_name(MID)


# --- RTSTRUCT mutations -------------------------------------------------------------------------------


def edit_rtstruct(change: Callable[[Dataset], None]) -> Mutation:
    def mutate(work: Path) -> None:
        ds = pydicom.dcmread(work / "rs.dcm")
        change(ds)
        ds.save_as(work / "rs.dcm")

    return mutate


def rewrite_rtstruct(rois: dict[str, list[list[float]]]) -> Mutation:
    def mutate(work: Path) -> None:
        frame_uid = str(pydicom.dcmread(work / "pet" / slice_name(0)).FrameOfReferenceUID)
        write_rtstruct(work / "rs.dcm", frame_uid, rois)

    return mutate


def rt_frame(ds: Dataset) -> None:
    ds.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID = generate_uid()
    for roi in ds.StructureSetROISequence:
        roi.ReferencedFrameOfReferenceUID = ds.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID


def rt_foreign_images(ds: Dataset) -> None:
    for roi in ds.ROIContourSequence:
        for contour in roi.ContourSequence:
            image = Dataset()
            image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.128"
            image.ReferencedSOPInstanceUID = generate_uid()
            contour.ContourImageSequence = DicomSequence([image])


def rt_l2(change: Callable[[Dataset], None]) -> Callable[[Dataset], None]:
    """Apply ``change`` to the ROIContourSequence item of L2 (the second ROI)."""
    return lambda ds: change(ds.ROIContourSequence[1])


def rt_contour_raw(text: str) -> Callable[[Dataset], None]:
    def change(item: Dataset) -> None:
        item.ContourSequence[0][0x30060050] = raw_element("ContourData", text)

    return change


def rt_roi_number_text(ds: Dataset) -> None:
    ds.StructureSetROISequence[1][0x30060022] = raw_element("ROINumber", "two")


def rt_duplicate_names(ds: Dataset) -> None:
    ds.StructureSetROISequence[1].ROIName = "L1"


def rt_drop_l2_contours(ds: Dataset) -> None:
    del ds.ROIContourSequence[1]


def rt_open_planar(item: Dataset) -> None:
    for contour in item.ContourSequence:
        contour.ContourGeometricType = "OPEN_PLANAR"


def rt_no_rois(ds: Dataset) -> None:
    ds.StructureSetROISequence = DicomSequence()
    ds.ROIContourSequence = DicomSequence()


def labels_from(source: Callable[[Path], Path]) -> Mutation:
    """Replace every label file by the file ``source(work)`` (a PET slice, a text file ...)."""

    def mutate(work: Path) -> None:
        chosen = source(work)
        for name in LABELS.values():
            target = work / name
            if target != chosen:
                shutil.copy(chosen, target)

    return mutate


def a_text_file(work: Path) -> Path:
    path = work / "notes.txt"
    path.write_text("lesion L1: upper lobe\n")
    return path


def truncate_labels(name: str, fraction: float) -> Mutation:
    def mutate(work: Path) -> None:
        data = (work / name).read_bytes()
        (work / name).write_bytes(data[: int(len(data) * fraction)])

    return mutate


# --- NIfTI mutations ----------------------------------------------------------------------------------


def nifti(labels: Callable[[], np.ndarray] = label_map, affine: np.ndarray | None = None,
          dtype: type = np.int16) -> Mutation:
    def mutate(work: Path) -> None:
        values = labels().astype(dtype)
        if values.ndim == 3:
            write_nifti(work / "labels.nii.gz", values, affine)
        else:  # 2-D or 4-D: written as given (nibabel order)
            nib.save(nib.Nifti1Image(values, np.diag([-SPACING, -SPACING, SPACING, 1.0])),
                     work / "labels.nii.gz")

    return mutate


def shifted(dx: float, dy: float, dz: float) -> np.ndarray:
    affine = np.diag([-SPACING, -SPACING, SPACING, 1.0])
    affine[:3, 3] = (dx, dy, dz)
    return affine


def labels_without_2() -> np.ndarray:
    labels = label_map()
    labels[labels == 2] = 3
    return labels


def labels_other_shape() -> np.ndarray:
    labels = np.zeros((N + 2, 16, 16), dtype=np.int16)
    labels[:N] = label_map()
    return labels


def labels_2mm() -> np.ndarray:
    return label_map().repeat(2, axis=0).repeat(2, axis=1).repeat(2, axis=2)


def affine_2mm() -> np.ndarray:
    # each 4 mm voxel split in 2 x 2 x 2: the first sub-voxel centre is 1 mm before the PET voxel centre
    affine = np.diag([-2.0, -2.0, 2.0, 1.0])
    affine[:3, 3] = (1.0, 1.0, -1.0)  # RAS: LPS (-1, -1, -1)
    return affine


def labels_fraction() -> np.ndarray:
    return label_map() * 0.5


def labels_nan() -> np.ndarray:
    labels = label_map().astype(np.float32)
    labels[5, 4, 4] = np.nan  # the centre of lesion 1
    return labels


def labels_4d() -> np.ndarray:
    return np.stack([label_map().transpose(2, 1, 0)] * 2, axis=-1)


def labels_zero() -> np.ndarray:
    return np.zeros(SHAPE, dtype=np.int16)


def nifti_text_gz(work: Path) -> None:
    with gzip.open(work / "labels.nii.gz", "wb") as handle:
        handle.write(b"this is not a NIfTI header\n" * 20)


# --- SEG mutations ------------------------------------------------------------------------------------


def seg_other_frame(work: Path) -> None:
    write_seg(work / "seg.dcm", work / "pet", frame_uid=generate_uid())


def seg_of_other_series(work: Path) -> None:
    frame_uid = str(pydicom.dcmread(work / "pet" / slice_name(0)).FrameOfReferenceUID)
    write_pet(work / "other", frame_uid=frame_uid)  # same frame of reference, other SOP instances
    write_seg(work / "seg.dcm", work / "other")


# --- options ------------------------------------------------------------------------------------------


def out_is_a_folder(work: Path) -> None:
    (work / "out_nii.csv").mkdir()


def out_under_a_file(work: Path) -> None:
    (work / "blocker").write_text("a file, not a folder\n")


# ------------------------------------------------------------------------------------------------
# The cases
# ------------------------------------------------------------------------------------------------

SAME = "same"  # exit 0 and exactly the unmutated outputs
REFUSE = "refuse"  # exit 2 with a located message
EITHER = "either"  # exit 0, or exit 2 with a located message
EITHER_SAME = "either-same"  # exit 0 with the unmutated outputs, or exit 2 with a located message

Located = str | tuple[str, ...]


@dataclass(frozen=True)
class Case:
    mutate: Mutation | None
    commands: tuple[str, ...]
    expect: str
    located: tuple[Located, ...] = ()
    arguments: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()  # lesion ids the table must hold on exit 0 (nothing silently dropped)
    count: int | None = None  # number of lesion rows on exit 0
    liver: bool = True  # quantify with --liver (the liver sphere must fit the image)


SERIES = ("suv", "rt")
T = {  # "(gggg,eeee) Keyword" of the tags named below
    keyword: f"({tag_for_keyword(keyword) >> 16:04X},{tag_for_keyword(keyword) & 0xFFFF:04X}) {keyword}"
    for keyword in (
        "PixelSpacing", "ImagePositionPatient", "ImageOrientationPatient", "RescaleSlope", "RescaleIntercept",
        "Units", "DecayCorrection", "CorrectedImage", "RadiopharmaceuticalInformationSequence",
        "RadionuclideTotalDose", "RadionuclideHalfLife", "RadiopharmaceuticalStartDateTime",
        "RadiopharmaceuticalStartTime", "PatientWeight", "PatientSize", "PatientSex", "SeriesTime",
        "SeriesDate", "AcquisitionTime", "AcquisitionDate", "Modality", "SOPClassUID", "SeriesInstanceUID",
        "FrameOfReferenceUID", "Rows", "Columns", "BitsAllocated", "ContourData", "ROINumber", "ROIName",
        "ReferencedROINumber",
    )
}
ONE = slice_name(MID)
FOLDER = "{work}/pet,"  # a refusal of the whole folder: its path, then the tag
INJECTION = (T["RadiopharmaceuticalStartDateTime"], T["RadiopharmaceuticalStartTime"])
RADIOPHARMACEUTICAL = (T["RadiopharmaceuticalInformationSequence"], T["RadionuclideTotalDose"],
                       T["RadionuclideHalfLife"])

CASES: dict[str, Case] = {
    # --- required attributes deleted on every slice or on one slice (spec 2.1, 2.2 items 4 and 7, 6.2) --
    "del-PixelSpacing-all": Case(delete("PixelSpacing"), SERIES, REFUSE, (ANY_SLICE, T["PixelSpacing"])),
    "del-PixelSpacing-one": Case(delete("PixelSpacing", [MID]), SERIES, REFUSE, (ONE, T["PixelSpacing"])),
    "del-ImagePositionPatient-all": Case(delete("ImagePositionPatient"), SERIES, REFUSE,
                                         (ANY_SLICE, T["ImagePositionPatient"])),
    "del-ImagePositionPatient-one": Case(delete("ImagePositionPatient", [MID]), SERIES, REFUSE,
                                         (ONE, T["ImagePositionPatient"])),
    "del-ImageOrientationPatient-all": Case(delete("ImageOrientationPatient"), SERIES, REFUSE,
                                            (ANY_SLICE, T["ImageOrientationPatient"])),
    "del-ImageOrientationPatient-one": Case(delete("ImageOrientationPatient", [MID]), SERIES, REFUSE,
                                            (ONE, T["ImageOrientationPatient"])),
    "del-RescaleSlope-all": Case(delete("RescaleSlope"), SERIES, REFUSE, (ANY_SLICE, T["RescaleSlope"])),
    "del-RescaleSlope-one": Case(delete("RescaleSlope", [MID]), SERIES, REFUSE, (ONE, T["RescaleSlope"])),
    "del-Units-all": Case(delete("Units"), SERIES, REFUSE, (ANY_SLICE, T["Units"])),
    "del-Units-one": Case(delete("Units", [MID]), SERIES, REFUSE, (ONE, T["Units"])),
    "del-DecayCorrection-all": Case(delete("DecayCorrection"), SERIES, REFUSE,
                                    (ANY_SLICE, T["DecayCorrection"])),
    "del-RadiopharmaceuticalSequence-one": Case(delete("RadiopharmaceuticalInformationSequence", [MID]),
                                                SERIES, REFUSE,
                                                (ONE, T["RadiopharmaceuticalInformationSequence"])),
    "empty-RadiopharmaceuticalSequence-all": Case(
        edit("all", lambda ds: setattr(ds, "RadiopharmaceuticalInformationSequence", DicomSequence())),
        SERIES, REFUSE, (ANY_SLICE, T["RadiopharmaceuticalInformationSequence"])),
    "del-RadionuclideTotalDose-one": Case(set_item("RadionuclideTotalDose", None, [MID]), SERIES, REFUSE,
                                          (ONE, RADIOPHARMACEUTICAL)),
    "del-SeriesTime-all": Case(delete("SeriesTime"), SERIES, EITHER, (ANY_SLICE, T["SeriesTime"])),
    "del-SeriesTime-one": Case(delete("SeriesTime", [MID]), SERIES, REFUSE, (ONE, T["SeriesTime"])),
    # the SUV step dates the series from AcquisitionDate (spec 2.4): the table must keep that date
    "del-SeriesDate-all": Case(delete("SeriesDate"), SERIES, EITHER_SAME, (ANY_SLICE, T["SeriesDate"])),
    "del-AcquisitionTime-all": Case(delete("AcquisitionTime"), SERIES, EITHER,
                                    (ANY_SLICE, T["AcquisitionTime"])),
    # a slice without Modality is not skipped as "another modality": the series would lose a slice
    "del-Modality-top-slice": Case(delete("Modality", [TOP]), SERIES, REFUSE,
                                   (slice_name(TOP), T["Modality"])),
    "del-SOPClassUID-one": Case(delete("SOPClassUID", [MID]), SERIES, REFUSE, (ONE, T["SOPClassUID"])),
    "del-SeriesInstanceUID-one": Case(delete("SeriesInstanceUID", [MID]), SERIES, REFUSE,
                                      (FOLDER, T["SeriesInstanceUID"])),
    "del-InstanceNumber-all": Case(delete("InstanceNumber"), SERIES, SAME),
    "del-PixelData-one": Case(delete("PixelData", [MID]), SERIES, REFUSE, (ONE, "(7FE0,0010) PixelData")),
    "del-FrameOfReferenceUID-all": Case(delete("FrameOfReferenceUID"), ("rt",), EITHER,
                                        ("rs.dcm", T["FrameOfReferenceUID"]), rows=("L1", "L2")),
    # --- odd values (spec 1.8, 2.2, 2.3, 2.4) -------------------------------------------------------------
    "slope-0-one": Case(set_raw("RescaleSlope", "0", [MID]), SERIES, REFUSE, (ONE, T["RescaleSlope"])),
    "slope-negative-one": Case(set_raw("RescaleSlope", "-0.5", [MID]), SERIES, EITHER,
                               (ONE, T["RescaleSlope"])),
    "slope-text-one": Case(set_raw("RescaleSlope", "abc", [MID]), SERIES, REFUSE, (ONE, T["RescaleSlope"])),
    "intercept-text-one": Case(set_raw("RescaleIntercept", "zero", [MID]), SERIES, REFUSE,
                               (ONE, T["RescaleIntercept"])),
    "weight-minus-70": Case(set_raw("PatientWeight", "-70"), SERIES, REFUSE, (ANY_SLICE, T["PatientWeight"])),
    "weight-70kg-text": Case(set_raw("PatientWeight", "70kg"), SERIES, REFUSE,
                             (ANY_SLICE, T["PatientWeight"])),
    "height-text-quantify": Case(set_raw("PatientSize", "1.75m"), ("rt",), REFUSE,
                                 (ANY_SLICE, T["PatientSize"])),
    "sex-X-quantify": Case(set_raw("PatientSex", "X"), ("rt",), REFUSE, (ANY_SLICE, T["PatientSex"])),
    "dose-0": Case(set_item("RadionuclideTotalDose", "0"), SERIES, REFUSE,
                   (ANY_SLICE, T["RadionuclideTotalDose"])),
    "dose-text-MBq": Case(set_item("RadionuclideTotalDose", "368MBq"), SERIES, REFUSE,
                          (ANY_SLICE, T["RadionuclideTotalDose"])),
    "half-life-0": Case(set_item("RadionuclideHalfLife", "0"), SERIES, REFUSE,
                        (ANY_SLICE, T["RadionuclideHalfLife"])),
    "acquisition-before-injection": Case(set_raw("AcquisitionTime", "090000"), SERIES, REFUSE,
                                         (ANY_SLICE, (*INJECTION, T["AcquisitionTime"], T["SeriesTime"]))),
    "series-time-25:61:00": Case(set_raw("SeriesTime", "25:61:00"), SERIES, REFUSE,
                                 (ANY_SLICE, T["SeriesTime"])),
    "injection-time-25:61:00": Case(combine(set_item("RadiopharmaceuticalStartDateTime", None),
                                            set_item("RadiopharmaceuticalStartTime", "25:61:00")),
                                    SERIES, REFUSE, (ANY_SLICE, T["RadiopharmaceuticalStartTime"])),
    "series-date-iso": Case(set_raw("SeriesDate", "2025-01-01"), SERIES, EITHER_SAME,
                            (ANY_SLICE, T["SeriesDate"])),
    "series-date-day-32": Case(set_raw("SeriesDate", "20250132"), SERIES, REFUSE,
                               (ANY_SLICE, T["SeriesDate"])),
    "acquisition-date-dots": Case(set_raw("AcquisitionDate", "2025.01.01"), SERIES, EITHER_SAME,
                                  (ANY_SLICE, T["AcquisitionDate"])),
    "injection-datetime-iso": Case(set_item("RadiopharmaceuticalStartDateTime", "2025-01-01T10:00:00"),
                                   SERIES, EITHER_SAME, (ANY_SLICE, T["RadiopharmaceuticalStartDateTime"])),
    "units-lowercase": Case(set_raw("Units", "bqml"), SERIES, EITHER_SAME, (ANY_SLICE, T["Units"])),
    "instance-number-text-and-weight-missing": Case(
        combine(set_raw("InstanceNumber", "5a", [MID]), delete("PatientWeight", [MID])), SERIES, REFUSE,
        (ONE, T["PatientWeight"])),
    "pixel-spacing-3-values-one": Case(set_raw("PixelSpacing", "4\\4\\4", [MID]), SERIES, REFUSE,
                                       (ONE, T["PixelSpacing"])),
    "pixel-spacing-0": Case(set_raw("PixelSpacing", "0\\0"), ("rt",), REFUSE, (ANY_SLICE, T["PixelSpacing"])),
    "pixel-spacing-negative": Case(set_raw("PixelSpacing", "-4\\-4"), ("rt",), EITHER,
                                   (ANY_SLICE, T["PixelSpacing"]), rows=("L1", "L2")),
    "rows-differ-one": Case(resize_one("Rows"), SERIES, REFUSE, (ONE, T["Rows"])),
    "bits-allocated-8-one": Case(edit([MID], lambda ds: setattr(ds, "BitsAllocated", 8)), SERIES, REFUSE,
                                 (ONE, ("(7FE0,0010) PixelData", T["BitsAllocated"]))),
    # --- series structure (spec 6.1, 6.2, 6.3) -------------------------------------------------------------
    "two-series-mixed": Case(copy_series_renamed, SERIES, REFUSE, (FOLDER, T["SeriesInstanceUID"])),
    "duplicate-file-same-sop-instance": Case(duplicate_file, SERIES, REFUSE,
                                             (ONE, T["ImagePositionPatient"])),
    "missing-middle-slice": Case(remove_slice, SERIES, REFUSE, (ANY_SLICE, T["ImagePositionPatient"])),
    "ct-image-beside": Case(ct_beside, SERIES, SAME),
    "rtstruct-beside": Case(rtstruct_beside, SERIES, SAME),
    "text-file-named-dcm": Case(text_file("notes.dcm"), SERIES, EITHER_SAME, ("notes.dcm",)),
    "empty-dcm": Case(text_file("empty.dcm", ""), SERIES, EITHER_SAME, ("empty.dcm",)),
    "truncated-pixel-data-middle": Case(truncate(MID, -100), SERIES, REFUSE, (ONE, "(7FE0,0010) PixelData")),
    "truncated-header-middle": Case(truncate(MID, 200), SERIES, REFUSE, (ONE,)),
    "truncated-header-top": Case(truncate(TOP, 200), SERIES, REFUSE, (slice_name(TOP),)),
    "no-file-meta-top": Case(without_file_meta(TOP), SERIES, EITHER_SAME, (slice_name(TOP),)),
    "coronal": Case(orient((1, 0, 0, 0, 0, -1), (0, SPACING, 0)), ("suv",), SAME),
    "oblique-20-degrees": Case(
        orient((1, 0, 0, 0, np.cos(0.35), -np.sin(0.35)),
               (0, SPACING * np.sin(0.35), SPACING * np.cos(0.35))),
        ("suv",), SAME),
    "orientation-not-orthogonal": Case(set_raw("ImageOrientationPatient", "1\\0\\0\\0.5\\1\\0"), SERIES,
                                       REFUSE, (ANY_SLICE, T["ImageOrientationPatient"])),
    "gantry-tilt": Case(gantry_tilt, SERIES, REFUSE, (ANY_SLICE, T["ImagePositionPatient"])),
    "rle-lossless": Case(transfer_syntax(RLELossless), SERIES, SAME),
    "implicit-vr": Case(transfer_syntax(ImplicitVRLittleEndian), SERIES, SAME),
    "big-endian": Case(transfer_syntax(ExplicitVRBigEndian), SERIES, SAME),
    "deflated": Case(transfer_syntax(DeflatedExplicitVRLittleEndian), SERIES, SAME),
    "jpeg-baseline-garbage-one": Case(undecodable("1.2.840.10008.1.2.4.50"), SERIES, REFUSE,
                                      (ONE, "(7FE0,0010) PixelData", "1.2.840.10008.1.2.4.50")),
    "rle-claimed-native-data-one": Case(claim_rle_without_encapsulation, SERIES, REFUSE,
                                        (ONE, "(7FE0,0010) PixelData")),
    "names-without-dcm": Case(rename_all(lambda n, name: name.removesuffix(".dcm")), SERIES, SAME),
    "names-shuffled": Case(rename_all(shuffled_name), SERIES, SAME),
    "extra-private-tags": Case(edit("all", private_tags), SERIES, SAME),
    "nested-subfolders": Case(nested, SERIES, SAME),
    "folder-of-series-folders": Case(folder_of_series_folders, SERIES, REFUSE,
                                     (FOLDER, T["SeriesInstanceUID"])),
    "empty-folder": Case(empty_folder, SERIES, REFUSE, (FOLDER, T["Modality"])),
    # one file is not a series: the slice spacing (no SliceThickness either) would have to be invented
    # one slice without SliceThickness: accepted with a SingleSliceWarning (1 mm depth, volumes not real)
    "single-file-as-series": Case(single_file, ("nii",), EITHER, (ONE,), liver=False),
    # --- RTSTRUCT (spec 6.4) -----------------------------------------------------------------------------
    "rt-other-frame-of-reference": Case(edit_rtstruct(rt_frame), ("rt",), REFUSE,
                                        ("rs.dcm", T["FrameOfReferenceUID"])),
    "rt-no-referenced-frame": Case(edit_rtstruct(lambda ds: ds.__delitem__(0x30060010)), ("rt",), EITHER,
                                   ("rs.dcm", T["FrameOfReferenceUID"]), rows=("L1", "L2")),
    "rt-contour-images-not-in-series": Case(edit_rtstruct(rt_foreign_images), ("rt",), EITHER,
                                            ("rs.dcm",), rows=("L1", "L2")),
    "rt-roi-outside-image": Case(rewrite_rtstruct({**ROIS, "L2": [square(900, 900, 950, 950, 20.0)]}),
                                 ("rt",), EITHER, ("rs.dcm", "L2"), rows=("L1", "L2")),
    "rt-roi-without-contours": Case(edit_rtstruct(rt_l2(lambda item: item.__delitem__(0x30060040))), ("rt",),
                                    EITHER, ("rs.dcm", "L2"), rows=("L1", "L2")),
    "rt-roi-without-roi-contour-item": Case(edit_rtstruct(rt_drop_l2_contours), ("rt",), EITHER,
                                            ("rs.dcm", "L2"), rows=("L1", "L2")),
    "rt-roi-open-planar-only": Case(edit_rtstruct(rt_l2(rt_open_planar)), ("rt",), EITHER, ("rs.dcm", "L2"),
                                    rows=("L1", "L2")),
    "rt-contour-data-7-numbers": Case(edit_rtstruct(rt_l2(rt_contour_raw("2\\46\\16\\10\\46\\16\\10"))),
                                      ("rt",), REFUSE, ("rs.dcm", T["ContourData"])),
    "rt-contour-data-text": Case(edit_rtstruct(rt_l2(rt_contour_raw("2\\46\\16\\ten\\46\\16\\10\\54\\16"))),
                                 ("rt",), REFUSE, ("rs.dcm", T["ContourData"])),
    "rt-contour-data-missing": Case(edit_rtstruct(rt_l2(lambda item: item.ContourSequence[0].__delitem__(
        0x30060050))), ("rt",), REFUSE, ("rs.dcm", T["ContourData"])),
    "rt-roi-number-text": Case(edit_rtstruct(rt_roi_number_text), ("rt",), REFUSE,
                               ("rs.dcm", T["ROINumber"])),
    "rt-referenced-roi-number-unknown": Case(edit_rtstruct(rt_l2(lambda item: setattr(
        item, "ReferencedROINumber", 99))), ("rt",), EITHER, ("rs.dcm", T["ReferencedROINumber"])),
    "rt-duplicate-roi-names": Case(edit_rtstruct(rt_duplicate_names), ("rt",), EITHER,
                                   ("rs.dcm", (T["ROIName"], "L1")), count=2),
    "rt-no-rois": Case(edit_rtstruct(rt_no_rois), ("rt",), EITHER, ("rs.dcm",)),
    "labels-are-a-pet-slice": Case(labels_from(lambda work: work / "pet" / slice_name(0)), ("rt", "nii"),
                                   REFUSE, ("re:(rs\\.dcm|labels\\.nii\\.gz)",)),
    "labels-are-a-text-file": Case(labels_from(a_text_file), ("rt", "nii"), REFUSE,
                                   ("re:(rs\\.dcm|labels\\.nii\\.gz)",)),
    "rt-truncated": Case(truncate_labels("rs.dcm", 0.5), ("rt",), REFUSE, ("rs.dcm",)),
    # --- NIfTI labels (spec 6.6, 6.7, 4.6) -----------------------------------------------------------------
    "nii-other-shape": Case(nifti(labels_other_shape), ("nii",), EITHER, ("labels.nii.gz",), rows=("1", "2")),
    "nii-other-spacing-2mm": Case(nifti(labels_2mm, affine_2mm()), ("nii",), EITHER, ("labels.nii.gz",),
                                  rows=("1", "2")),
    "nii-origin-shifted-outside": Case(nifti(affine=shifted(-500, -500, 500)), ("nii",), EITHER,
                                       ("labels.nii.gz",), rows=("1", "2")),
    "nii-label-2-absent": Case(nifti(labels_without_2), ("nii",), EITHER, ("labels.nii.gz",),
                               rows=("1", "3")),
    "nii-all-zero": Case(nifti(labels_zero), ("nii",), EITHER, ("labels.nii.gz",)),
    "nii-fractional-values": Case(nifti(labels_fraction, dtype=np.float32), ("nii",), REFUSE,
                                  ("labels.nii.gz", "voxel values")),
    "nii-nan-value": Case(nifti(labels_nan, dtype=np.float32), ("nii",), REFUSE, ("labels.nii.gz",)),
    "nii-4d": Case(nifti(labels_4d), ("nii",), REFUSE, ("labels.nii.gz",)),
    "nii-truncated-gz": Case(truncate_labels("labels.nii.gz", 0.5), ("nii",), REFUSE, ("labels.nii.gz",)),
    "nii-gz-of-text": Case(nifti_text_gz, ("nii",), REFUSE, ("labels.nii.gz",)),
    # --- DICOM SEG (spec 6.5) ------------------------------------------------------------------------------
    "seg-other-frame-of-reference": Case(seg_other_frame, ("seg",), REFUSE,
                                         ("seg.dcm", T["FrameOfReferenceUID"])),
    # same frame of reference and planes, other SOP instances: map by plane position (spec 6.5) or refuse
    "seg-of-another-series": Case(seg_of_other_series, ("seg",), EITHER_SAME, ("seg.dcm",)),
    "seg-truncated": Case(truncate_labels("seg.dcm", 0.5), ("seg",), REFUSE, ("seg.dcm",)),
    # --- options ----------------------------------------------------------------------------------------
    "opt-lesion-labels-unknown-option": Case(None, ("rt",), REFUSE, ("--lesion-labels",),
                                             ("--lesion-labels", "L9")),
    "opt-fraction-0": Case(None, ("nii",), REFUSE, ("--fraction",), ("--fraction", "0")),
    "opt-fraction-nan": Case(None, ("nii",), REFUSE, ("--fraction",), ("--fraction", "nan")),
    "opt-sex-empty": Case(None, ("nii",), EITHER, ("--sex",), ("--sex", "")),
    "opt-weight-nan": Case(None, ("nii",), REFUSE, ("--weight-kg",), ("--weight-kg", "nan")),
    "opt-height-inf": Case(None, ("nii",), REFUSE, ("--height-cm",), ("--height-cm", "inf")),
    "opt-liver-inf": Case(None, ("nii",), REFUSE, ("--liver",), ("--liver", "inf,0,0")),
    "opt-out-is-a-folder": Case(out_is_a_folder, ("nii",), REFUSE, ("out_nii.csv",)),
    "opt-out-under-a-file": Case(out_under_a_file, ("nii",), REFUSE, ("blocker",),
                                 ("--out", "{work}/blocker/out.csv")),
    "opt-labels-twice-for-one-series": Case(None, ("nii",), REFUSE, ("--labels",),
                                            ("--labels", "{work}/rs.dcm")),
}

def _params() -> list:
    return [pytest.param(name, case, id=name) for name, case in CASES.items()]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _named(output: str, located: Located, work: Path) -> bool:
    """``located`` (or one of its alternatives) appears in ``output``, line wrapping aside."""
    squashed = _squash(output)
    for option in (located,) if isinstance(located, str) else located:
        option = option.replace("{work}", str(work))
        if option.startswith("re:"):
            if re.search(option[3:], squashed):
                return True
        elif _squash(option) in squashed:
            return True
    return False


@pytest.mark.parametrize(("name", "case"), _params())
def test_fuzz_exit_code(base: dict, tmp_path: Path, name: str, case: Case) -> None:
    work = tmp_path / "w"
    shutil.copytree(base["root"], work)
    series = case.mutate(work) if case.mutate else None
    arguments = [argument.replace("{work}", str(work)) for argument in case.arguments]
    for command in case.commands:
        done = run(work, command, series, arguments, case.liver)
        where = f"{name} / {command}: exit {done.exit_code}\n{done.output}"
        assert done.exception is None, f"{where}\n{done.exception!r}"
        assert done.exit_code in (0, 2), where
        assert "Traceback" not in done.output, where
        if done.exit_code == 2:
            assert case.expect != SAME, where
            missing = [each for each in case.located if not _named(done.output, each, work)]
            assert not missing, f"{where}\nnot named: {missing}"
            continue
        assert case.expect != REFUSE, where
        if case.expect in (SAME, EITHER_SAME):
            assert done.result == base["outputs"][command], where
        if case.rows:  # a region missing from the table must at least be named by a warning
            ids = {line.split(",")[2] for line in done.result.splitlines()[1:]}
            warned = " ".join(done.output.split())  # the console wraps long warnings
            unnamed = [lesion for lesion in case.rows if lesion not in ids
                       and not re.search(rf"warning:.*?\b{re.escape(lesion)}\b", warned)]
            assert not unnamed, f"{where}\nlesions {sorted(ids)}, silently dropped: {unnamed}"
        if case.count is not None:
            assert len(done.result.splitlines()) - 1 == case.count, where
