"""NIfTI images and label maps, converted to the LPS ``[k, j, i]`` convention of the PET grid.

Source: NIfTI-1 data format (qform/sform, RAS+ world coordinates),
https://nifti.nimh.nih.gov/nifti-1/ ; SimpleITK returns LPS geometry (https://simpleitk.readthedocs.io).
Rules as in spec/pet.md sections 6.6 (orientation, qform/sform), 6.7 (grid matching and nearest-neighbour
resampling of labels), 4.6 (label values) and 6.8 (writing).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ioresponse.io.dicom import Geometry
from ioresponse.schema import InputError, IoresponseWarning

if TYPE_CHECKING:
    import SimpleITK as sitk  # noqa: N813

QFORM_SFORM_TRANSLATION_MM = 0.01
"""qform and sform disagreeing by more than this in a translation are refused (spec 6.6)."""
QFORM_SFORM_ROTATION = 1e-4
"""... or by more than this in a rotation/scaling element (spec 6.6)."""
GRID_PARTS = {"shape": "shape (k, j, i)", "spacing": "spacing (i, j, k)", "origin": "origin (LPS)",
              "direction": "direction"}
"""The parts of a grid that spec 6.7 compares, in the order a refusal names them, with their names there."""


class LabelWarning(IoresponseWarning):
    """Lesion voxels of a label file left out: components below ``min_component_ml`` (on request), or the
    part of a label outside the PET image (named with the voxels kept and lost)."""


def _check_nifti(path: str) -> None:
    """The file is a whole NIfTI image of finite values, and its qform and sform agree (spec 6.6).

    nibabel reads every voxel: SimpleITK reads a truncated .nii.gz without a word (the missing voxels
    become 0), and reads NaN voxels as 0.
    """
    import nibabel as nib

    try:
        image = nib.load(path)
        voxels = np.asarray(image.dataobj)
    except Exception as error:  # nibabel, gzip and zlib raise several types for a file that is not NIfTI
        raise InputError(path, [], None, f"not a readable NIfTI image ({type(error).__name__}: {error}); "
                                         "expected a .nii or .nii.gz volume.") from None
    if not np.isfinite(voxels).all():
        raise InputError(path, [], "voxel values", f"{int((~np.isfinite(voxels)).sum())} NaN or infinite "
                                                   "voxel(s); every voxel needs a value.")
    header = image.header
    if int(header["qform_code"]) > 0 and int(header["sform_code"]) > 0:
        qform = header.get_qform()
        sform = header.get_sform()
        if (
            np.abs(qform[:3, 3] - sform[:3, 3]).max() > QFORM_SFORM_TRANSLATION_MM
            or np.abs(qform[:3, :3] - sform[:3, :3]).max() > QFORM_SFORM_ROTATION
        ):
            raise InputError(
                path,
                [],
                "qform/sform",
                "the qform and sform of the NIfTI header describe different positions; fix the header "
                "(keep one of the two) before using it.",
            )


def read_nifti(path: str | Path) -> tuple[np.ndarray, Geometry]:
    """Read a NIfTI volume as a float64 ``[k, j, i]`` array with its LPS geometry (spec 6.6).

    SimpleITK converts the RAS affine to LPS (x and y negated), so the geometry compares directly
    with a DICOM PET grid.
    """
    import SimpleITK as sitk  # noqa: N813

    path = str(path)
    if not Path(path).is_file():
        raise InputError(path, [], None, "no such NIfTI file.")
    _check_nifti(path)
    try:
        image = sitk.ReadImage(path, sitk.sitkFloat64)
    except RuntimeError as error:
        raise InputError(path, [], None, f"not a readable NIfTI image ({error}).") from None
    if image.GetDimension() != 3:
        raise InputError(path, [], "dim", f"{image.GetDimension()}-D image; a 3-D volume is expected.")
    return sitk.GetArrayFromImage(image), _geometry_of(image)


def _geometry_of(image: sitk.Image) -> Geometry:
    direction = np.asarray(image.GetDirection(), dtype=np.float64).reshape(3, 3)
    size = image.GetSize()
    spacing = tuple(float(s) for s in image.GetSpacing())
    origin = np.asarray(image.GetOrigin(), dtype=np.float64)
    positions = float(origin @ direction[:, 2]) + spacing[2] * np.arange(size[2])
    return Geometry(
        shape=(size[2], size[1], size[0]),
        spacing=spacing,
        origin=origin,
        direction=direction,
        slice_positions=positions,
    )


def _to_sitk(values: np.ndarray, geometry: Geometry) -> sitk.Image:
    import SimpleITK as sitk  # noqa: N813

    image = sitk.GetImageFromArray(values)
    image.SetSpacing(tuple(float(s) for s in geometry.spacing))
    image.SetOrigin(tuple(float(o) for o in geometry.origin))
    image.SetDirection(tuple(float(d) for d in np.asarray(geometry.direction).ravel()))
    return image


def read_nifti_labels(
    path: str | Path,
    target: Geometry | None = None,
    *,
    resample_labels: bool = True,
    fraction_threshold: float | None = None,
) -> tuple[np.ndarray, Geometry]:
    """Read a NIfTI label map (0 background, positive integers lesions) on the PET grid (spec 6.6, 6.7).

    Parameters
    ----------
    path : str or Path
        The label file.
    target : Geometry, optional
        The PET grid. A label on another grid is resampled by nearest neighbour (``resample_labels``),
        or refused with the parts of the grid that differ (shape, spacing, origin, direction).
    resample_labels : bool, default True
        spec 6.7: resample a mismatching label grid (True) or refuse it (False).
    fraction_threshold : float, optional
        Non-integer (fractional) label values are refused unless this is set; they are then binarised
        at ``>= fraction_threshold`` (spec 4.4, 6.6).

    Returns
    -------
    labels : numpy.ndarray of int64, ``[k, j, i]``
    geometry : Geometry
        The grid of ``labels`` (the target when given).
    """
    values, geometry = read_nifti(path)
    path = str(path)
    if np.any(values < 0):
        raise InputError(path, [], "voxel values", "negative label values; expected 0 and positive integers.")
    if not np.all(np.equal(np.mod(values, 1), 0)):
        if fraction_threshold is None:
            fractional = values[np.mod(values, 1) != 0]
            raise InputError(
                path,
                [],
                "voxel values",
                f"non-integer label values ({fractional.size} voxel(s), e.g. {float(fractional[0]):g}; a "
                "fractional mask?); expected 0 and positive integers, or binarise it at a threshold: "
                "--fraction-threshold 0.5 (Python: fraction_threshold=0.5).",
            )
        values = (values >= fraction_threshold).astype(np.float64)
    labels = values.astype(np.int64)
    if target is None or geometry.matches(target):
        return labels, (target or geometry)
    if not resample_labels:
        differing = [part for part in GRID_PARTS if not replace(target, **{part: getattr(geometry, part)})
                     .matches(target)]  # the tolerances of spec 6.7, one part at a time
        raise InputError(
            path,
            [],
            "geometry",
            "the label grid does not match the PET grid (spec 6.7): "
            + "; ".join(f"{GRID_PARTS[part]} {_grid_part(geometry, part)} in the labels, "
                        f"{_grid_part(target, part)} in the PET" for part in differing)
            + "; allow resample_labels=True to resample the labels onto the PET grid.",
        )
    return resample_onto(labels, geometry, target, path), target


def _grid_part(geometry: Geometry, part: str) -> str:
    """One part of a grid as a message shows it: shape in voxels, spacing and origin in mm, direction as
    its 9 elements (the rows of the matrix)."""
    if part in ("shape", "direction"):
        return _numbers(getattr(geometry, part))
    return _mm(getattr(geometry, part))


def resample_onto(labels: np.ndarray, source: Geometry, target: Geometry, path: str) -> np.ndarray:
    """``labels`` resampled by nearest neighbour onto the PET grid ``target`` (spec 6.7); a label left
    without a voxel (outside the PET image, or smaller than a PET voxel) is refused, never dropped; a label
    reaching partly outside the PET image keeps its inside part, with a :class:`LabelWarning`."""
    resampled = resample_nearest(labels, source, target)
    where = (f"labels: origin {_mm(source.origin)}, spacing {_mm(source.spacing)}; PET: origin "
             f"{_mm(target.origin)}, spacing {_mm(target.spacing)}")
    lost = sorted(set(np.unique(labels[labels > 0]).tolist()) - set(np.unique(resampled).tolist()))
    if lost:
        raise InputError(path, [], "geometry",
                         f"label(s) {', '.join(map(str, lost))} have no voxel on the PET grid after "
                         "nearest-neighbour resampling: outside the PET image, or smaller than a PET voxel "
                         f"({where}).")
    _warn_outside(labels, source, target, path, where)
    return resampled


def _warn_outside(labels: np.ndarray, source: Geometry, target: Geometry, path: str, where: str) -> None:
    """A :class:`LabelWarning` for each label of which some voxel centres lie outside the PET image
    (beyond half a PET voxel from its outer voxel centres): that part is cut off by the resampling."""
    voxels = np.argwhere(labels > 0)
    values = labels[tuple(voxels.T)]
    position = target.lps_to_index(source.index_to_lps(voxels))
    tolerance = 1e-6  # a centre on the image border is inside
    outside = ((position < -0.5 - tolerance) | (position > np.asarray(target.shape) - 0.5 + tolerance)).any(1)
    for value in np.unique(values[outside]).tolist():
        total = int((values == value).sum())
        cut = int((values[outside] == value).sum())
        warnings.warn(
            f"{path}: label {value}: {cut} of its {total} voxels (on the label grid) lie outside the PET "
            f"image and are left out, {total - cut} kept ({where}; spec 6.7)",
            LabelWarning,
            stacklevel=4,
        )


def _numbers(values: object) -> str:
    """``(a, b, c)``; + 0.0 prints a negative zero (LPS of a RAS 0) as 0."""
    return "(" + ", ".join(f"{float(v) + 0.0:g}" for v in np.asarray(values).ravel()) + ")"


def _mm(values: object) -> str:
    return f"{_numbers(values)} mm"


def resample_nearest(labels: np.ndarray, source: Geometry, target: Geometry) -> np.ndarray:
    """Nearest-neighbour resampling of a label volume onto another grid (SimpleITK; spec 6.7)."""
    import SimpleITK as sitk  # noqa: N813

    moving = _to_sitk(labels.astype(np.int32), source)
    reference = _to_sitk(np.zeros(target.shape, dtype=np.int32), target)
    resampled = sitk.Resample(
        moving, reference, sitk.Transform(), sitk.sitkNearestNeighbor, 0, sitk.sitkInt32
    )
    return sitk.GetArrayFromImage(resampled).astype(np.int64)


def write_nifti(values: np.ndarray, geometry: Geometry, path: str | Path, *, dtype: str = "float32") -> None:
    """Write a ``[k, j, i]`` volume as NIfTI through SimpleITK (LPS to RAS handled by it; spec 6.8)."""
    import SimpleITK as sitk  # noqa: N813

    sitk.WriteImage(_to_sitk(np.asarray(values, dtype=dtype), geometry), str(path))
