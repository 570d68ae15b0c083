"""DICOM PET series, RTSTRUCT and DICOM SEG on the PET grid.

Source: DICOM PS3.3 C.7.6.2 (Image Plane module), C.8.9 (PET modules), C.8.8.5/C.8.8.6 (RT Structure
Set, ROI Contour) and A.51 (Segmentation), https://dicom.nema.org/medical/dicom/current/output/chtml/part03/
; rules as in spec/pet.md sections 2.2 (acceptance), 6.1-6.5 (series, geometry, pixel data, RTSTRUCT,
SEG) and 0.4 (error locations).

Coordinates are DICOM LPS in mm. A volume is indexed ``[k, j, i]`` (slice, row, column); voxel
``(i, j, k)`` has its centre at ``origin + direction @ (i*di, j*dj, k*dk)`` (spec 0.2).
"""

from __future__ import annotations

import contextlib
import gc
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pydicom
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue

from ioresponse.schema import InputError, IoresponseWarning

if TYPE_CHECKING:
    import highdicom as hd

NonUniform = Literal["error", "resample"]

PET_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.128"
"""PET Image Storage SOP class, the only one quantified (spec 2.1, (0008,0016))."""
ENHANCED_PET_STORAGE = ("1.2.840.10008.5.1.4.1.1.130", "1.2.840.10008.5.1.4.1.1.128.1")
"""Enhanced PET and Legacy Converted Enhanced PET: refused with a clear message (spec 2.1)."""
RTSTRUCT_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
"""RT Structure Set Storage (PS3.4 B.5)."""
SEG_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4"
"""Segmentation Storage (PS3.4 B.5)."""

ORTHONORMAL_TOLERANCE = 1e-4
"""|u| = |v| = 1 and u.v = 0 within this tolerance (spec 6.2 step 1)."""
DUPLICATE_POSITION_MM = 0.01
"""Slices closer than this along the normal are duplicates: frames or time points (spec 6.2 step 4)."""
SLICE_GAP_TOLERANCE = 0.10
"""A gap may deviate from the median slice spacing by 10% (bed junctions; spec 6.2 step 5)."""
COMPARISON_TOLERANCE = 1e-9
"""Thresholds are inclusive up to 1e-9 relative (spec 0.3): a gap exactly 10 % off is accepted."""
IN_PLANE_SHIFT_MM = 0.01
"""Consecutive slices must agree in u.IPP and v.IPP (no gantry tilt or shear; spec 6.2 step 6)."""
PLANAR_TOLERANCE_MM = 0.01
"""An RTSTRUCT contour is planar and parallel to the PET slices within this distance (spec 6.4)."""


class DicomInputError(InputError):
    """An :class:`InputError` in a DICOM file, located by the file, its instance and the tag (spec pet.md
    0.4).

    A DICOM file has no rows: the message reads ``"IM0002.dcm, instance 2, tag (0018,1074)
    RadionuclideTotalDose: ..."``. The attributes keep the spec's fields: ``rows`` holds the
    InstanceNumber (or the sorted slice index) and ``column`` the attribute as ``"(gggg,eeee) Keyword"``.
    """

    def located(self) -> str:
        parts = [self.file]
        if self.rows:
            numbers = ", ".join(str(r) for r in dict.fromkeys(self.rows))
            parts.append(f"{'instances' if len(set(self.rows)) > 1 else 'instance'} {numbers}")
        if self.column:
            parts.append(f"{'tags' if ' / ' in self.column else 'tag'} {self.column}")
        return ", ".join(parts) + f": {self.message}"


def tag_label(keyword: str) -> str:
    """Name a DICOM attribute as ``"(gggg,eeee) Keyword"``, the form of every message (spec 0.4, STYLE 3)."""
    tag = tag_for_keyword(keyword)
    if tag is None:
        return keyword
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {keyword}"


def raw_text(ds: Dataset, keyword: str) -> str:
    """An attribute's value as text, read from the raw bytes when pydicom has not converted it yet.

    Per-slice attributes are read this way because pydicom's conversion of DS/TM values dominates the
    header time of a 300-slice series; multiple values are joined with a backslash as in the file.
    """
    tag = tag_for_keyword(keyword)
    if tag is None or tag not in ds:
        return ""
    value = ds.get_item(tag).value
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin-1").strip(" \x00")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple | MultiValue):
        return "\\".join(str(v).strip() for v in value)
    return str(value).strip()


@dataclass(frozen=True)
class Geometry:
    """Voxel grid of a volume in LPS patient coordinates (spec 0.2, 6.2 step 7).

    Attributes
    ----------
    shape : tuple of int
        ``(nk, nj, ni)``: slices, rows, columns.
    spacing : tuple of float
        ``(di, dj, dk)`` in mm: column, row and slice spacing.
    origin : numpy.ndarray
        LPS position (mm) of the centre of voxel ``[0, 0, 0]``.
    direction : numpy.ndarray
        3 x 3 matrix whose columns are the unit vectors of increasing i, j, k.
    slice_positions : numpy.ndarray
        Actual position of every slice along the slice normal (mm), ascending.
    max_slice_gap_deviation_mm : float
        Largest deviation of a slice gap from the median spacing (spec 6.2 step 5).
    """

    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]
    origin: np.ndarray
    direction: np.ndarray
    slice_positions: np.ndarray = field(default_factory=lambda: np.zeros(0))
    max_slice_gap_deviation_mm: float = 0.0

    @property
    def spacing_zyx(self) -> tuple[float, float, float]:
        """Spacing in array order ``(dk, dj, di)`` (mm)."""
        di, dj, dk = self.spacing
        return (dk, dj, di)

    @property
    def voxel_ml(self) -> float:
        """Volume of one voxel in ml (1 ml = 1000 mm^3)."""
        return float(np.prod(self.spacing)) / 1000.0

    def index_to_lps(self, kji: np.ndarray | Sequence[float]) -> np.ndarray:
        """LPS position (mm) of voxel index(es) ``(k, j, i)``, shape ``(..., 3)``."""
        kji = np.asarray(kji, dtype=np.float64)
        ijk_mm = kji[..., ::-1] * np.asarray(self.spacing)
        return self.origin + ijk_mm @ self.direction.T

    def lps_to_index(self, xyz: np.ndarray | Sequence[float]) -> np.ndarray:
        """Continuous voxel index ``(k, j, i)`` of LPS position(s) (mm), shape ``(..., 3)``."""
        xyz = np.asarray(xyz, dtype=np.float64)
        ijk = ((xyz - self.origin) @ self.direction) / np.asarray(self.spacing)
        return ijk[..., ::-1]

    def matches(self, other: Geometry) -> bool:
        """Same grid within the tolerances of spec 6.7 (spacing 1e-3 mm, origin 0.01 mm, direction 1e-4)."""
        return (
            tuple(self.shape) == tuple(other.shape)
            and np.allclose(self.spacing, other.spacing, atol=1e-3, rtol=0)
            and np.allclose(self.origin, other.origin, atol=0.01, rtol=0)
            and np.allclose(self.direction, other.direction, atol=1e-4, rtol=0)
        )


@dataclass
class PetSeries:
    """One PET series read from DICOM, sorted along the slice normal (spec 6.2, 6.3).

    Attributes
    ----------
    files : list of str
        File of every slice, in sorted order.
    datasets : list of pydicom.Dataset
        Header of every slice, in sorted order (pixel data released after decoding).
    values : numpy.ndarray
        Rescaled pixel values ``[k, j, i]`` in float64 (stored value x RescaleSlope + RescaleIntercept,
        per slice), in the image's Units.
    geometry : Geometry
        The voxel grid.
    """

    files: list[str]
    datasets: list[Dataset]
    values: np.ndarray
    geometry: Geometry

    @property
    def series_uid(self) -> str:
        return raw_text(self.datasets[0], "SeriesInstanceUID").rstrip("\x00")

    @property
    def frame_of_reference_uid(self) -> str:
        return raw_text(self.datasets[0], "FrameOfReferenceUID").rstrip("\x00")

    @property
    def sop_instance_uids(self) -> list[str]:
        return [raw_text(ds, "SOPInstanceUID").rstrip("\x00") for ds in self.datasets]

    def row(self, index: int) -> int:
        """Error row of a sorted slice: its InstanceNumber, else the 1-based sorted index (spec 0.4)."""
        return _instance_row(self.datasets[index], index + 1)[0]


# --------------------------------------------------------------------------------------------------
# Finding and reading the series (spec 6.1)
# --------------------------------------------------------------------------------------------------


def _candidate_files(source: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(source, str | Path):
        path = Path(source)
        if path.is_file():
            return [path]
        if not path.is_dir():
            raise DicomInputError(str(path), [], None,
                                  "no such file or folder; give a folder of DICOM PET files.")
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [Path(p) for p in source]


def read_datasets(
    source: str | Path | Iterable[str | Path], *, stop_before_pixels: bool = False
) -> list[tuple[str, Dataset]]:
    """Read every DICOM file of a folder (recursively) or a list of files. Files that are not DICOM, or
    not readable as DICOM (a truncated file), are skipped and named in one :class:`SkippedFileWarning`:
    a slice lost that way is never dropped silently (a gap it leaves is refused, spec 6.2 step 5)."""
    found, skipped = [], []
    for path in _candidate_files(source):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=stop_before_pixels)
            readable = "SOPClassUID" in ds or "Modality" in ds
            problem = "" if readable or _is_dicomdir(ds) else "no SOPClassUID and no Modality"
        except (InvalidDicomError, OSError, ValueError, EOFError, KeyError) as error:  # broken files
            readable, problem = False, f"{type(error).__name__}: {error}"
        if problem and _has_dicom_preamble(path):  # a DICOM file that cannot be read: a damaged slice
            raise DicomInputError(str(path), [], None, f"a DICOM file that cannot be read ({problem}); "
                                                       "truncated or damaged? Copy it again.")
        if readable:
            found.append((str(path), ds))
        else:
            skipped.append(path.name)
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        warnings.warn(SkippedFileWarning(f"{len(skipped)} file(s) skipped, not readable as DICOM objects: "
                                         f"{shown}"), stacklevel=2)
    return found


def _is_dicomdir(ds: Dataset) -> bool:
    """A DICOMDIR (Media Storage Directory, PS3.10): an index of the files, not an image."""
    meta = getattr(ds, "file_meta", None)
    return str(getattr(meta, "MediaStorageSOPClassUID", "")) == "1.2.840.10008.1.3.10"


def _has_dicom_preamble(path: Path) -> bool:
    """The DICOM file signature: "DICM" after the 128-byte preamble (PS3.10 7.1)."""
    with path.open("rb") as file:
        return file.read(132)[128:] == b"DICM"


class SingleSliceWarning(IoresponseWarning):
    """A series of one slice without SliceThickness: a 1 mm depth stands in for it."""


class SkippedFileWarning(IoresponseWarning):
    """Files of a DICOM folder that are not DICOM (or not readable as DICOM) and were left out."""


def select_pet_series(items: list[tuple[str, Dataset]], source: str) -> list[tuple[str, Dataset]]:
    """Keep the files of the single PET series in ``items`` (spec 6.1); several series need a choice."""
    series: dict[str, list[tuple[str, Dataset]]] = {}
    for path, ds in items:
        if raw_text(ds, "Modality") != "PT":
            continue
        series.setdefault(raw_text(ds, "SeriesInstanceUID").rstrip("\x00"), []).append((path, ds))
    if not series:
        raise DicomInputError(
            source,
            [],
            tag_label("Modality"),
            "no PET image (Modality PT) found; give the folder of the PET series.",
        )
    if len(series) > 1:
        listed = "; ".join(
            f"{uid} ({members[0][1].get('SeriesDescription', '')!s}, Units "
            f"{members[0][1].get('Units', '')!s}, CorrectedImage "
            f"{'/'.join(members[0][1].get('CorrectedImage', []) or [])})"
            for uid, members in sorted(series.items())
        )
        raise DicomInputError(
            source,
            [],
            tag_label("SeriesInstanceUID"),
            f"{len(series)} PET series found: {listed}. Give the folder or files of one series.",
        )
    uid, members = next(iter(series.items()))
    for path, ds in items:  # a slice of the series whose Modality is lost would leave it a slice short
        if raw_text(ds, "Modality") != "PT" and raw_text(ds, "SeriesInstanceUID").rstrip("\x00") == uid:
            raise DicomInputError(path, _instance_row(ds, None), tag_label("Modality"),
                                  f"{raw_text(ds, 'Modality') or 'empty'}, in a file of the PET series "
                                  f"{uid}; every slice of a PET series has Modality PT.")
    for path, ds in members:
        _check_sop_class(path, ds)
    return members


def _check_sop_class(path: str, ds: Dataset) -> None:
    sop_class = raw_text(ds, "SOPClassUID").rstrip("\x00")
    if sop_class in ENHANCED_PET_STORAGE:
        raise DicomInputError(
            path,
            [],
            tag_label("SOPClassUID"),
            f"{sop_class} is an Enhanced (multi-frame) PET object, not supported yet; export the series as "
            "PET Image Storage (one file per slice).",
        )
    if sop_class != PET_IMAGE_STORAGE:
        raise DicomInputError(
            path,
            [],
            tag_label("SOPClassUID"),
            f"{sop_class or 'empty'} is not PET Image Storage ({PET_IMAGE_STORAGE}).",
        )
    if int(raw_text(ds, "NumberOfFrames") or 1) > 1:
        raise DicomInputError(
            path,
            [],
            tag_label("NumberOfFrames"),
            f"{ds.NumberOfFrames} frames in one PET Image Storage file; expected one slice per file.",
        )


@contextlib.contextmanager
def _garbage_collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of headers are parsed (no cycles are made; the
    collector's repeated scans of the growing set of live elements otherwise cost more than the parsing)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_pet_series(
    source: str | Path | Iterable[str | Path], *, nonuniform: NonUniform = "error", resample: bool = True
) -> PetSeries:
    """Read one PET series: sort slices, build the geometry, apply the rescale per slice.

    Parameters
    ----------
    source : path or iterable of paths
        A folder (searched recursively; other modalities and non-DICOM files are skipped) or files.
    nonuniform : {"error", "resample"}, default "error"
        A slice gap more than 10% off the median spacing (spec 6.2 step 5): refuse, or resample the
        volume linearly to the median spacing (recorded as a warning by the SUV step).
    resample : bool, default True
        With ``nonuniform="resample"``, resample here; False leaves it to the caller
        (:func:`resample_slices`), e.g. after per-slice SUV factors are applied.

    Returns
    -------
    PetSeries

    Raises
    ------
    InputError
        Several PET series, unsupported SOP class, inconsistent or degenerate geometry, duplicate slice
        positions, non-zero RescaleIntercept, undecodable pixel data.
    """
    label = str(source) if isinstance(source, str | Path) else "<files>"
    with _garbage_collection_paused():
        members = select_pet_series(read_datasets(source), label)
    files = [path for path, _ in members]
    datasets = [ds for _, ds in members]
    order, geometry = build_geometry(files, datasets, nonuniform=nonuniform)
    files = [files[n] for n in order]
    datasets = [datasets[n] for n in order]
    values = _stack_pixels(files, datasets)
    if resample and is_nonuniform(geometry):
        values, geometry = resample_slices(values, geometry)
    return PetSeries(files=files, datasets=datasets, values=values, geometry=geometry)


# --------------------------------------------------------------------------------------------------
# Geometry (spec 6.2)
# --------------------------------------------------------------------------------------------------


def _floats(path: str, ds: Dataset, keyword: str, count: int, slice_index: int | None) -> np.ndarray:
    text = raw_text(ds, keyword)
    try:
        values = [float(v) for v in text.split("\\")] if text else []
    except ValueError:
        values = []
    if len(values) != count or not np.isfinite(values).all():
        raise DicomInputError(
            path,
            _instance_row(ds, slice_index),
            tag_label(keyword),
            f"missing or not {count} numbers ({text!r}); the slice geometry needs it.",
        )
    return np.asarray(values, dtype=np.float64)


def _instance_row(ds: Dataset, slice_index: int | None) -> list[int]:
    """The rows of an error in a slice (spec 0.4): its InstanceNumber, else its 1-based sorted slice index;
    before the slices are sorted there is no index, and the file alone names the slice."""
    number = raw_text(ds, "InstanceNumber")
    try:
        return [int(float(number))]
    except ValueError:
        return [] if slice_index is None else [slice_index]


def build_geometry(
    files: Sequence[str], datasets: Sequence[Dataset], *, nonuniform: NonUniform = "error"
) -> tuple[list[int], Geometry]:
    """Sort slices by position along the normal and derive the grid (spec 6.2 steps 1-7).

    Returns the sorting order (indices into ``datasets``) and the geometry.
    """
    orientation = _floats(files[0], datasets[0], "ImageOrientationPatient", 6, None)
    u, v = orientation[:3], orientation[3:]
    normal = np.cross(u, v)
    positions_array = np.asarray(
        [_floats(path, ds, "ImagePositionPatient", 3, None) for path, ds in zip(files, datasets, strict=True)]
    )
    distance = positions_array @ normal
    order = [int(n) for n in np.argsort(distance, kind="stable")]
    slice_index = {n: rank for rank, n in enumerate(order, start=1)}  # 1-based sorted index (spec 0.4)
    first_row = _instance_row(datasets[0], slice_index[0])
    if (
        abs(np.linalg.norm(u) - 1) > ORTHONORMAL_TOLERANCE
        or abs(np.linalg.norm(v) - 1) > ORTHONORMAL_TOLERANCE
        or abs(u @ v) > ORTHONORMAL_TOLERANCE
    ):
        raise DicomInputError(
            files[0],
            first_row,
            tag_label("ImageOrientationPatient"),
            f"{', '.join(f'{x:g}' for x in orientation)} is not two orthogonal unit vectors.",
        )
    reference_spacing = _floats(files[0], datasets[0], "PixelSpacing", 2, slice_index[0])
    if (reference_spacing <= 0).any():
        raise DicomInputError(files[0], first_row, tag_label("PixelSpacing"),
                              f"{', '.join(f'{x:g}' for x in reference_spacing)} mm; a pixel spacing is > 0.")
    for n, (path, ds) in enumerate(zip(files, datasets, strict=True)):
        _check_same(path, ds, slice_index[n], "ImageOrientationPatient", orientation, first_row[0])
        _check_same(path, ds, slice_index[n], "PixelSpacing", reference_spacing, first_row[0])
        for keyword in ("Rows", "Columns"):
            if raw_text(ds, keyword) != raw_text(datasets[0], keyword):
                raise DicomInputError(
                    path,
                    _instance_row(ds, slice_index[n]),
                    tag_label(keyword),
                    f"{ds.get(keyword)} differs from {datasets[0].get(keyword)} on the first slice; "
                    "one series must have one matrix size.",
                )
    sorted_distance = distance[order]
    sorted_positions = positions_array[order]
    sorted_files = [files[n] for n in order]
    sorted_datasets = [datasets[n] for n in order]
    dk, deviation = _slice_spacing(sorted_files, sorted_datasets, sorted_distance, nonuniform)
    _check_in_plane(sorted_files, sorted_datasets, sorted_positions, u, v)
    dj, di = (float(s) for s in reference_spacing)
    geometry = Geometry(
        shape=(len(datasets), int(datasets[0].Rows), int(datasets[0].Columns)),
        spacing=(di, dj, dk),
        origin=sorted_positions[0].copy(),
        direction=np.column_stack([u, v, normal]),
        slice_positions=sorted_distance.copy(),
        max_slice_gap_deviation_mm=deviation,
    )
    return order, geometry


def _check_same(
    path: str, ds: Dataset, slice_index: int, keyword: str, reference: np.ndarray, reference_row: int
) -> None:
    value = _floats(path, ds, keyword, len(reference), slice_index)
    if not np.allclose(value, reference, atol=1e-6, rtol=0):
        raise DicomInputError(
            path,
            _instance_row(ds, slice_index),
            tag_label(keyword),
            f"{value.tolist()} differs from {reference.tolist()} on slice {reference_row}; "
            "a series must share one orientation and pixel spacing.",
        )


def _slice_spacing(
    files: Sequence[str], datasets: Sequence[Dataset], distance: np.ndarray, nonuniform: NonUniform
) -> tuple[float, float]:
    if len(distance) < 2:  # one slice: its thickness is the only spacing there is
        thickness = raw_text(datasets[0], "SliceThickness")
        try:
            return float(thickness), 0.0
        except ValueError:
            warnings.warn(SingleSliceWarning(
                f"{files[0]}: one slice and no {tag_label('SliceThickness')}: its depth is taken as 1 mm, so "
                "volumes (MTV, TLG, peak spheres) are not the patient's; give the folder of every slice"),
                stacklevel=2)
            return 1.0, 0.0
    gaps = np.diff(distance)
    duplicate = np.flatnonzero(gaps < DUPLICATE_POSITION_MM)
    if duplicate.size:
        n = int(duplicate[0])
        raise DicomInputError(
            files[n + 1],
            [*_instance_row(datasets[n], n + 1), *_instance_row(datasets[n + 1], n + 2)],
            tag_label("ImagePositionPatient"),
            f"two slices at the same position ({distance[n]:.2f} mm along the normal): several frames or "
            "time points (dynamic or gated series); give one static frame.",
        )
    dk = float(np.median(gaps))
    deviations = np.abs(gaps - dk)
    worst = float(deviations.max())
    if _beyond_gap_tolerance(worst, dk) and nonuniform == "error":
        n = int(np.flatnonzero(_beyond_gap_tolerance(deviations, dk))[0])
        raise DicomInputError(
            files[n + 1],
            [*_instance_row(datasets[n], n + 1), *_instance_row(datasets[n + 1], n + 2)],
            tag_label("ImagePositionPatient"),
            f"gap of {gaps[n]:.2f} mm between slices at {distance[n]:.2f} and {distance[n + 1]:.2f} mm; "
            f"expected {dk:.2f} mm: missing slice? Use nonuniform='resample' to resample.",
        )
    return dk, worst


def _check_in_plane(
    files: Sequence[str], datasets: Sequence[Dataset], positions: np.ndarray, u: np.ndarray, v: np.ndarray
) -> None:
    in_plane = np.column_stack([positions @ u, positions @ v])
    shift = np.abs(in_plane - in_plane[0]).max(axis=1)
    bad = np.flatnonzero(shift > IN_PLANE_SHIFT_MM)
    if bad.size:
        n = int(bad[0])
        raise DicomInputError(
            files[n],
            _instance_row(datasets[n], n + 1),
            tag_label("ImagePositionPatient"),
            f"slice shifted in-plane by {shift[n]:.3f} mm against the first slice (gantry tilt or shear); "
            "resample the series to an orthogonal grid first.",
        )


def _beyond_gap_tolerance(deviation: np.ndarray | float, spacing: float) -> np.ndarray | bool:
    """A slice gap deviation above 10 % of the median spacing, with the 1e-9 tolerance of spec 0.3."""
    limit = SLICE_GAP_TOLERANCE * spacing
    return deviation > limit + COMPARISON_TOLERANCE * max(1.0, limit)


def is_nonuniform(geometry: Geometry) -> bool:
    """A slice gap deviates from the median spacing by more than 10% (spec 6.2 step 5)."""
    return bool(_beyond_gap_tolerance(geometry.max_slice_gap_deviation_mm, geometry.spacing[2]))


def resample_slices(values: np.ndarray, geometry: Geometry) -> tuple[np.ndarray, Geometry]:
    """Resample slices linearly to the median spacing (``nonuniform="resample"``, spec 6.2 step 5)."""
    positions = geometry.slice_positions
    dk = geometry.spacing[2]
    count = int(np.floor((positions[-1] - positions[0]) / dk + 1e-6)) + 1
    target = positions[0] + dk * np.arange(count)
    upper = np.clip(np.searchsorted(positions, target, side="right"), 1, len(positions) - 1)
    lower = upper - 1
    weight = ((target - positions[lower]) / (positions[upper] - positions[lower]))[:, None, None]
    resampled = values[lower] * (1 - weight) + values[upper] * weight
    new_geometry = Geometry(
        shape=(count, geometry.shape[1], geometry.shape[2]),
        spacing=geometry.spacing,
        origin=geometry.origin,
        direction=geometry.direction,
        slice_positions=target,
        max_slice_gap_deviation_mm=geometry.max_slice_gap_deviation_mm,
    )
    return resampled, new_geometry


# --------------------------------------------------------------------------------------------------
# Pixel data (spec 6.3, 2.2 item 5)
# --------------------------------------------------------------------------------------------------


NATIVE_LITTLE_ENDIAN = ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1")
"""Implicit and Explicit VR Little Endian: uncompressed pixel data numpy can view directly."""


LAYOUT_TAGS = (0x00280002, 0x00280010, 0x00280011, 0x00280100, 0x00280101, 0x00280103)
"""SamplesPerPixel, Rows, Columns, BitsAllocated, BitsStored, PixelRepresentation: the pixel layout."""
PIXEL_DATA = 0x7FE00010
"""(7FE0,0010) PixelData."""


def _raw_bytes(ds: Dataset, tag: int) -> object:
    return ds.get_item(tag).value if tag in ds else None


def _native_dtype(ds: Dataset) -> np.dtype | None:
    """numpy dtype of uncompressed little-endian 16/32-bit grey pixels, None for anything else."""
    syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", ""))
    if syntax not in NATIVE_LITTLE_ENDIAN or PIXEL_DATA not in ds:
        return None
    try:
        samples = int(ds.get("SamplesPerPixel", 1))
        bits = int(ds.BitsAllocated)
        stored_bits = int(ds.get("BitsStored", bits))
        signed = int(ds.PixelRepresentation) == 1
    except (AttributeError, TypeError, ValueError):
        return None
    if samples != 1 or bits not in (16, 32) or stored_bits != bits:
        return None
    return np.dtype(f"<{'i' if signed else 'u'}{bits // 8}")


def _native_pixels(
    ds: Dataset, layout: tuple[object, ...], syntax: str, dtype: np.dtype | None, shape: tuple[int, int]
) -> np.ndarray | None:
    """Stored values viewed with numpy when ``ds`` has the first slice's uncompressed layout.

    ``layout`` holds the first slice's raw layout attributes (read before any conversion). This is what
    pydicom's ``pixel_array`` returns for such data, without its per-file decoding machinery; anything else
    returns None and goes through pydicom.
    """
    if dtype is None or str(ds.file_meta.get("TransferSyntaxUID", "")) != syntax:
        return None
    if any(_raw_bytes(ds, tag) != expected for tag, expected in zip(LAYOUT_TAGS, layout, strict=True)):
        return None
    count = shape[0] * shape[1]
    data = _raw_bytes(ds, PIXEL_DATA)
    if not isinstance(data, bytes) or len(data) < count * dtype.itemsize:
        return None
    return np.frombuffer(data, dtype=dtype, count=count).reshape(shape)


def _rescale(ds: Dataset, keyword: str, path: str, index: int, default: float | None) -> float:
    """RescaleSlope or RescaleIntercept as a number. The slope is required of a PET image (Type 1 in the
    PET Image module): without it the stored values are not SUVs or Bq/ml, so it is refused, never read
    as 1."""
    text = raw_text(ds, keyword)
    if not text and default is not None:
        return default
    try:
        return float(text)
    except ValueError:
        shown = repr(text) if text else "missing"
        raise DicomInputError(path, _instance_row(ds, index + 1), tag_label(keyword),
                              f"{shown}; a PET image gives its {keyword} as a number (PET Image module, "
                              "Type 1).") from None


def _stack_pixels(files: Sequence[str], datasets: Sequence[Dataset]) -> np.ndarray:
    first = datasets[0]
    layout = tuple(_raw_bytes(first, tag) for tag in LAYOUT_TAGS)
    syntax = str(getattr(getattr(first, "file_meta", None), "TransferSyntaxUID", ""))
    dtype = _native_dtype(first)
    shape = (int(first.Rows), int(first.Columns))
    volume = np.empty((len(datasets), *shape), dtype=np.float64)
    for k, (path, ds) in enumerate(zip(files, datasets, strict=True)):
        intercept = _rescale(ds, "RescaleIntercept", path, k, default=0.0)
        if intercept != 0.0:
            raise DicomInputError(
                path,
                _instance_row(ds, k + 1),
                tag_label("RescaleIntercept"),
                f"{intercept} is not 0; DICOM requires 0 for PET images, so the values cannot be trusted.",
            )
        slope = _rescale(ds, "RescaleSlope", path, k, default=None)
        if slope <= 0:
            raise DicomInputError(path, _instance_row(ds, k + 1), tag_label("RescaleSlope"),
                                  f"{slope:g} is not a scale: a PET image's values are stored x a slope > 0.")
        stored = _native_pixels(ds, layout, syntax, dtype, shape)
        if stored is None:
            if PIXEL_DATA not in ds:
                raise DicomInputError(path, _instance_row(ds, k + 1), "(7FE0,0010) PixelData",
                                      "missing: the file holds no image (a truncated copy?).")
            try:
                stored = ds.pixel_array
            except Exception as error:  # pydicom raises several types: no handler, too few bytes, ...
                syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "unknown")
                raise DicomInputError(
                    path,
                    _instance_row(ds, k + 1),
                    "(7FE0,0010) PixelData",
                    f"cannot decode pixel data with transfer syntax {syntax} ({error}); a truncated file, "
                    "or a compression that needs a pydicom pixel handler (pylibjpeg or gdcm).",
                ) from None
        np.multiply(stored, slope, out=volume[k], casting="unsafe")
        del ds[PIXEL_DATA]
    return volume


# --------------------------------------------------------------------------------------------------
# RTSTRUCT (spec 6.4)
# --------------------------------------------------------------------------------------------------


@dataclass
class Structures:
    """Lesion masks and marker points read from a structure set or segmentation.

    Attributes
    ----------
    masks : dict of str to numpy.ndarray
        Boolean mask ``[k, j, i]`` on the PET grid for every region, in file order.
    points : dict of str to numpy.ndarray
        LPS position (mm) of every ``POINT`` ROI (reference-region centres, markers).
    """

    masks: dict[str, np.ndarray]
    points: dict[str, np.ndarray] = field(default_factory=dict)


def read_rtstruct(
    path: str | Path, geometry: Geometry, frame_of_reference_uid: str, *, dataset: Dataset | None = None
) -> Structures:
    """Rasterise the closed planar contours of an RTSTRUCT onto the PET grid (spec 6.4).

    A voxel belongs to a polygon when its centre is inside; polygons of one plane are combined with
    the even-odd rule (inner contours are holes); each PET slice takes the nearest contour plane within
    half the ROI's plane spacing.
    """
    ds = dataset if dataset is not None else pydicom.dcmread(str(path))
    path = str(path)
    if str(ds.get("Modality", "")) != "RTSTRUCT":
        raise DicomInputError(path, [], tag_label("Modality"), f"{ds.get('Modality')!s} is not RTSTRUCT.")
    references = [
        str(item.get("FrameOfReferenceUID", "")) for item in ds.get("ReferencedFrameOfReferenceSequence", [])
    ]
    if frame_of_reference_uid and references and frame_of_reference_uid not in references:
        raise DicomInputError(
            path,
            [],
            tag_label("FrameOfReferenceUID"),
            f"the structure set refers to {', '.join(references)}, the PET to {frame_of_reference_uid}; "
            "contours in another frame of reference need a registration first.",
        )
    names: dict[int, str] = {}
    for item in ds.get("StructureSetROISequence", []):
        name = str(item.get("ROIName", ""))
        if name and name in names.values():  # one row per ROI name: a second one would overwrite the first
            raise DicomInputError(path, [], tag_label("ROIName"),
                                  f"two ROIs are named {name!r}; give each ROI its own name.")
        roi_frame = raw_text(item, "ReferencedFrameOfReferenceUID").rstrip("\x00")
        if frame_of_reference_uid and roi_frame and roi_frame != frame_of_reference_uid:
            raise DicomInputError(
                path,
                [],
                tag_label("ReferencedFrameOfReferenceUID"),
                f"ROI {name!r} is in {roi_frame}, the PET in {frame_of_reference_uid}; contours in another "
                "frame of reference need a registration first.",
            )
        names[_roi_number(item, "ROINumber", path)] = name
    structures = Structures(masks={})
    unmeasured = dict(names)
    for roi in ds.get("ROIContourSequence", []):
        number = _roi_number(roi, "ReferencedROINumber", path)
        name = names.get(number) or f"ROI_{number}"
        contours: list[tuple[float, np.ndarray]] = []
        for contour in roi.get("ContourSequence", []):
            points = _contour_points(contour, name, path)
            kind = str(contour.get("ContourGeometricType", "CLOSED_PLANAR"))
            if kind == "POINT":
                structures.points[name] = points[0]
                unmeasured.pop(number, None)
                continue
            if kind != "CLOSED_PLANAR":
                continue
            index = geometry.lps_to_index(points)
            heights = points @ geometry.direction[:, 2]
            if np.ptp(heights) > PLANAR_TOLERANCE_MM:
                raise DicomInputError(
                    path,
                    [],
                    "(3006,0050) ContourData",
                    f"a contour of ROI '{name}' is not parallel to the PET slices (spread "
                    f"{np.ptp(heights):.3f} mm along the slice normal).",
                )
            contours.append((float(heights.mean()), index[:, 1:]))
        if contours:
            structures.masks[name] = _rasterise_planes(contours, geometry)
            unmeasured.pop(number, None)
    if unmeasured:  # an ROI is never dropped silently (spec 6.4: closed planar contours are read)
        warnings.warn(UnmeasuredRoiWarning(
            f"{path}: ROI(s) {', '.join(repr(n) for n in unmeasured.values())} have no closed planar contour "
            "(and no point): nothing to measure, left out"), stacklevel=2)
    return structures


class UnmeasuredRoiWarning(IoresponseWarning):
    """ROIs of a structure set without a contour that ioresponse reads (closed planar, or a point)."""


def _roi_number(item: Dataset, keyword: str, path: str) -> int:
    try:
        return int(raw_text(item, keyword))
    except ValueError:
        raise DicomInputError(path, [], tag_label(keyword),
                              f"{raw_text(item, keyword) or 'missing'}; every ROI has a whole ROI number "
                              "(a truncated or damaged structure set?).") from None


CONTOUR_DATA = 0x30060050
"""(3006,0050) ContourData."""


def _contour_points(contour: Dataset, roi: str, path: str) -> np.ndarray:
    """ContourData as an (n, 3) array, parsed from the raw bytes (pydicom's per-value DS objects are slow)."""
    element = contour.get_item(CONTOUR_DATA)
    value = b"" if element is None else element.value
    try:
        if isinstance(value, bytes):
            numbers = np.asarray(value.decode("ascii").replace("\\", " ").split(), dtype=np.float64)
        else:
            numbers = np.asarray([float(c) for c in value], dtype=np.float64)
    except (ValueError, UnicodeDecodeError):
        numbers = np.asarray([np.nan])
    if not numbers.size or numbers.size % 3 or not np.isfinite(numbers).all():
        raise DicomInputError(path, [], "(3006,0050) ContourData",
                              f"a contour of ROI '{roi}' is not a list of x, y, z coordinates in mm.")
    return numbers.reshape(-1, 3)


def _rasterise_planes(contours: list[tuple[float, np.ndarray]], geometry: Geometry) -> np.ndarray:
    """Mask of one ROI from its ``(height along the slice normal, polygon in (j, i))`` contours (spec 6.4).

    Contours within the planarity tolerance of a plane's lowest contour are one plane and combine by the
    even-odd rule; each PET slice takes the nearest plane within half the plane spacing.
    """
    planes: list[tuple[float, list[np.ndarray]]] = []
    for height, polygon in sorted(contours, key=lambda contour: contour[0]):
        if planes and height - planes[-1][0] <= PLANAR_TOLERANCE_MM:
            planes[-1][1].append(polygon)
        else:
            planes.append((height, [polygon]))
    mask = np.zeros(geometry.shape, dtype=bool)
    heights = np.asarray([height for height, _ in planes])
    spacing = float(np.median(np.diff(heights))) if len(heights) > 1 else geometry.spacing[2]
    half_window = spacing / 2
    for k, position in enumerate(geometry.slice_positions):
        nearest = int(np.argmin(np.abs(heights - position)))
        if abs(heights[nearest] - position) > half_window + 1e-6:
            continue
        for polygon in planes[nearest][1]:
            mask[k] ^= polygon_mask(polygon, geometry.shape[1:])
    return mask


def polygon_mask(polygon_ji: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Pixels of a ``(rows, columns)`` grid whose centres lie inside a polygon given in (j, i) indices."""
    from matplotlib.path import Path as PolygonPath

    mask = np.zeros(shape, dtype=bool)
    j_low = max(int(np.floor(polygon_ji[:, 0].min())), 0)
    j_high = min(int(np.ceil(polygon_ji[:, 0].max())), shape[0] - 1)
    i_low = max(int(np.floor(polygon_ji[:, 1].min())), 0)
    i_high = min(int(np.ceil(polygon_ji[:, 1].max())), shape[1] - 1)
    if j_low > j_high or i_low > i_high:
        return mask
    jj, ii = np.mgrid[j_low : j_high + 1, i_low : i_high + 1]
    centres = np.column_stack([jj.ravel(), ii.ravel()])
    inside = PolygonPath(polygon_ji).contains_points(centres)
    mask[j_low : j_high + 1, i_low : i_high + 1] = inside.reshape(jj.shape)
    return mask


# --------------------------------------------------------------------------------------------------
# DICOM SEG (spec 6.5)
# --------------------------------------------------------------------------------------------------

FRACTION_THRESHOLD = 0.5
"""FRACTIONAL segments are binarised at >= 0.5 (spec 4.4, 6.5)."""


def read_seg(
    path: str | Path,
    sop_instance_uids: Sequence[str],
    frame_of_reference_uid: str,
    geometry: Geometry,
    *,
    fraction_threshold: float = FRACTION_THRESHOLD,
    resample_labels: bool = True,
) -> Structures:
    """Read a DICOM SEG with highdicom onto the PET grid ``geometry`` (spec 6.5, 6.7).

    ``sop_instance_uids`` are the PET instances in sorted slice order. A SEG drawn on them has its frames
    mapped to PET slices by their source instances (frame order is never assumed); a SEG drawn on another
    grid of the same frame of reference (a CT) is read as the volume its per-frame positions describe and
    resampled by nearest neighbour onto the PET grid, or refused with ``resample_labels=False``.
    """
    import highdicom as hd

    from ioresponse.io.nifti import resample_onto  # nifti imports this module

    path = str(path)
    try:
        seg = hd.seg.segread(path)
    except Exception as error:  # highdicom raises ValueError/AttributeError for malformed objects
        raise DicomInputError(path, [], tag_label("SOPClassUID"),
                              f"not a readable DICOM SEG ({error}).") from None
    seg_frame = str(seg.get("FrameOfReferenceUID", ""))
    if frame_of_reference_uid and seg_frame and seg_frame != frame_of_reference_uid:
        raise DicomInputError(
            path,
            [],
            tag_label("FrameOfReferenceUID"),
            f"the segmentation is in {seg_frame}, the PET in {frame_of_reference_uid}; a registration "
            "is needed first.",
        )
    numbers = [int(item.SegmentNumber) for item in seg.SegmentSequence]
    labels = {int(item.SegmentNumber): str(item.SegmentLabel) for item in seg.SegmentSequence}
    foreign = sorted({uid for _, _, uid in seg.get_source_image_uids()} - set(sop_instance_uids))
    if foreign and not resample_labels:
        raise DicomInputError(
            path, [], "(0008,1155) ReferencedSOPInstanceUID",
            f"the segmentation refers to {len(foreign)} image(s) not in this PET series (e.g. {foreign[0]}); "
            "allow resample_labels=True to resample it onto the PET grid.")
    if foreign:
        pixels, source = _seg_volume(seg, numbers, path)
    else:
        pixels = seg.get_pixels_by_source_instance(
            source_sop_instance_uids=list(sop_instance_uids),
            segment_numbers=numbers,
            combine_segments=False,
            rescale_fractional=True,
            assert_missing_frames_are_empty=True,
        )
    fractional = str(seg.get("SegmentationType", "BINARY")) == "FRACTIONAL"
    masks = {}
    for position, number in enumerate(numbers):
        frame = pixels[..., position]
        mask = frame >= fraction_threshold if fractional else frame > 0
        if foreign:  # nearest neighbour of the binarised mask: one segment at a time, segments may overlap
            mask = resample_onto(mask.astype(np.int64) * number, source, geometry, path) > 0
        masks[labels[number]] = mask
    return Structures(masks=masks)


def _seg_volume(seg: hd.seg.Segmentation, numbers: list[int], path: str) -> tuple[np.ndarray, Geometry]:
    """Segment values ``[k, j, i, segment]`` of a SEG drawn on another series, and the grid its per-frame
    positions describe (spec 6.5, 6.7); refused when the frames are not a regularly spaced volume."""
    try:
        volume = seg.get_volume(segment_numbers=numbers, combine_segments=False, rescale_fractional=True)
    except (RuntimeError, ValueError) as error:
        raise DicomInputError(path, [], "(0020,0032) ImagePositionPatient",
                              f"the segmentation's frames do not form a regularly spaced volume ({error}), "
                              "so it cannot be resampled onto the PET grid.") from None
    affine = np.asarray(volume.affine, dtype=float)
    spacing = np.linalg.norm(affine[:3, :3], axis=0)  # array axes (slice, row, column)
    geometry = Geometry(
        shape=tuple(int(n) for n in volume.spatial_shape),
        spacing=(float(spacing[2]), float(spacing[1]), float(spacing[0])),
        origin=affine[:3, 3],
        direction=affine[:3, [2, 1, 0]] / spacing[[2, 1, 0]],
    )
    return volume.array, geometry


def read_label_dataset(path: str | Path) -> tuple[str | None, Dataset | None]:
    """``("rtstruct" | "seg" | None, dataset)`` of a label file, read once (structure sets can be large)."""
    try:
        ds = pydicom.dcmread(str(path))
    except (InvalidDicomError, OSError):
        return None, None
    sop_class = raw_text(ds, "SOPClassUID").rstrip("\x00")
    modality = raw_text(ds, "Modality")
    if sop_class == RTSTRUCT_STORAGE or modality == "RTSTRUCT":
        return "rtstruct", ds
    if sop_class == SEG_STORAGE or modality == "SEG":
        return "seg", ds
    return None, ds
