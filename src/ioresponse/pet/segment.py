"""Metabolic tumour volume: threshold segmentation in a lesion VOI, components, TLG and functional diameter.

Sources: PERCIST 1.0, Wahl RL et al. J Nucl Med 2009;50 Suppl 1:122S-150S, doi:10.2967/jnumed.108.057307
(liver-based threshold 1.5 x mean + 2 SD); Boellaard R et al. EANM FDG guideline v2.0, Eur J Nucl Med
Mol Imaging 2015;42:328-354, doi:10.1007/s00259-014-2961-x (41% and 50% isocontours, SUV 2.5);
PERCIMT functional size, Anwar H et al. Eur J Nucl Med Mol Imaging 2018;45:376-383,
doi:10.1007/s00259-017-3870-6. Rules as in spec/pet.md sections 0.3 (inclusive thresholds), 4.2-4.7.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError

from ioresponse.schema import OPTIONS, InputError, check_choice

SegmentationMethod = Literal["relative", "absolute", "percist"]
Keep = Literal["max_component", "all"]
Normalisation = Literal["bw", "lbm"]
Diameter = Literal["max_axial", "max_3d", "equivalent_sphere"]

RELATIVE_FRACTION = 0.41
"""41% of the VOI SUVmax, the default isocontour (EANM 2015; spec 4.2); 0.50 is the common alternative."""
ABSOLUTE_SUV = 2.5
"""Fixed threshold SUVbw >= 2.5 (spec 4.2)."""
PERCIST_LIVER_MEAN_FACTOR = 1.5
"""PERCIST threshold: 1.5 x liver SUL mean ... (Wahl 2009; spec 4.2, 5.5)."""
PERCIST_LIVER_SD_FACTOR = 2.0
"""... + 2 x liver SUL SD (Wahl 2009; spec 4.2, 5.5)."""
THRESHOLD_TOLERANCE = 1e-9
"""Inclusive comparison: value >= threshold - 1e-9 max(1, |threshold|) (spec 0.3)."""
CONNECTIVITY_RANK = {6: 1, 18: 2, 26: 3}
"""Face, face+edge, face+edge+corner neighbours (scipy generate_binary_structure rank; spec 4.3)."""
HULL_MIN_POINTS = 50
"""Above this many points the diameter uses the convex hull vertices (spec 4.5)."""


def at_or_above(values: np.ndarray, threshold: float) -> np.ndarray:
    """Inclusive threshold with the tolerance of spec 0.3."""
    return values >= threshold - THRESHOLD_TOLERANCE * max(1.0, abs(threshold))


def percist_threshold(liver_sul_mean: float, liver_sul_sd: float) -> float:
    """1.5 x liver SUL mean + 2 x SD (PERCIST; spec 5.5). Example: 1.80 / 0.25 -> 3.20."""
    return PERCIST_LIVER_MEAN_FACTOR * liver_sul_mean + PERCIST_LIVER_SD_FACTOR * liver_sul_sd


def segment(
    image: np.ndarray,
    voi: np.ndarray,
    *,
    method: SegmentationMethod = "relative",
    fraction: float = RELATIVE_FRACTION,
    absolute: float = ABSOLUTE_SUV,
    absolute_normalisation: Normalisation = "bw",
    sul_factor: float | None = None,
    liver: tuple[float, float] | None = None,
    connectivity: int = 26,
    keep: Keep = "max_component",
) -> tuple[np.ndarray, float]:
    """Threshold the image inside a VOI (spec 4.2, 4.3).

    Parameters
    ----------
    image : numpy.ndarray
        ``[k, j, i]`` volume in the units of the threshold (SUVbw for "absolute" 2.5, SUL for "percist").
    voi : numpy.ndarray of bool
        The lesion VOI; voxels outside are never segmented.
    method : {"relative", "absolute", "percist"}, default "relative"
        ``fraction x`` VOI maximum, a fixed value, or 1.5 x liver mean + 2 SD.
    fraction : float, default 0.41
    absolute : float, default 2.5
        Threshold of "absolute", in the normalisation ``absolute_normalisation`` names.
    absolute_normalisation : {"bw", "lbm"}, default "bw"
        "bw": ``absolute`` is in SUVbw, the image's units; "lbm": in SUL, converted to the SUVbw image
        with ``sul_factor`` (SUL = SUVbw x factor), so that 2.5 SUL is ``2.5 / sul_factor`` SUVbw.
    sul_factor : float, optional
        LBM / weight; required by ``absolute_normalisation="lbm"``.
    liver : (mean, sd), optional
        Liver SUL reference; required by "percist".
    connectivity : {6, 18, 26}, default 26
    keep : {"max_component", "all"}, default "max_component"
        The component holding the VOI maximum (first in C order on ties), or every supra-threshold voxel.

    Returns
    -------
    mask : numpy.ndarray of bool
    threshold : float
    """
    check_segment_options(method, keep, absolute_normalisation, connectivity)
    voi = np.asarray(voi, dtype=bool)
    mask = np.zeros(image.shape, dtype=bool)
    if not voi.any():
        return mask, math.nan
    box = tuple(slice(int(a.min()), int(a.max()) + 1) for a in np.nonzero(voi))
    values = np.where(voi[box], image[box], -np.inf)
    maximum = float(values.max())
    in_image_units = _in_image_units(absolute, absolute_normalisation, sul_factor)
    threshold = _threshold(method, maximum, fraction, in_image_units, liver)
    selected = at_or_above(values, threshold) & voi[box]
    if keep == "max_component" and selected.any():
        structure = ndimage.generate_binary_structure(3, CONNECTIVITY_RANK[connectivity])
        components, _ = ndimage.label(selected, structure=structure)
        first_max = np.unravel_index(int(np.argmax(values)), values.shape)
        selected = components == components[first_max] if components[first_max] else np.zeros_like(selected)
    mask[box] = selected
    return mask, threshold


def check_segment_options(
    method: str, keep: str, absolute_normalisation: str, connectivity: int, method_option: str = "method"
) -> None:
    """Refuse a segmentation choice outside its documented values (spec 4.2, 4.3, 9), before any voxel
    is read: an empty VOI does not let a misspelt choice through. ``method_option`` is the caller's name
    of the method (``quantify`` calls it ``segmentation``)."""
    check_choice(method_option, method, SegmentationMethod)
    check_choice("keep", keep, Keep)
    check_choice("absolute_normalisation", absolute_normalisation, Normalisation)
    check_choice("connectivity", connectivity, tuple(CONNECTIVITY_RANK))


def _in_image_units(absolute: float, normalisation: Normalisation, sul_factor: float | None) -> float:
    """The "absolute" threshold on the SUVbw image (spec 4.2: "applied to an SUL volume the threshold is
    converted")."""
    if normalisation == "bw":
        return absolute
    if not sul_factor:
        raise InputError(OPTIONS, [], "sul_factor", "an absolute threshold in SUL needs the SUL factor.")
    return absolute / sul_factor


def _threshold(
    method: str, maximum: float, fraction: float, absolute: float, liver: tuple[float, float] | None
) -> float:
    if method == "relative":
        if not 0 < fraction <= 1:
            raise InputError(OPTIONS, [], "fraction", f"{fraction} is not in (0, 1].")
        return fraction * maximum
    if method == "absolute":
        return absolute
    if liver is None or any(math.isnan(v) for v in liver):  # "percist", the last choice (spec 4.2)
        raise InputError(
            OPTIONS,
            [],
            "liver",
            "the PERCIST threshold needs the liver reference (1.5 x SUL mean + 2 SD); give the liver "
            "centre: --liver X,Y,Z (Python: quantify(..., liver_centre=(x, y, z)), or segment(..., "
            "liver=(mean, sd))).",
        )
    return percist_threshold(*liver)


def _max_distance(points: np.ndarray) -> float:
    """Largest distance between two points; convex hull vertices for large sets (spec 4.5)."""
    if len(points) < 2:
        return 0.0
    if len(points) > HULL_MIN_POINTS:
        try:
            points = points[ConvexHull(points).vertices]
        except QhullError:
            try:
                points = points[ConvexHull(points, qhull_options="QJ").vertices]
            except QhullError:
                points = np.unique(points, axis=0)
    differences = points[:, None, :] - points[None, :, :]
    return float(np.sqrt((differences**2).sum(axis=2)).max())


def functional_diameter(
    mask: np.ndarray,
    spacing_zyx: tuple[float, float, float],
    method: Diameter = "max_axial",
    direction: np.ndarray | None = None,
) -> float:
    """Functional diameter of a segmented lesion in mm (PERCIMT; spec 4.5).

    "max_axial": per axial slice the largest in-plane centre-to-centre distance plus the mean in-plane
    spacing, maximum over slices. "max_3d": the same in 3-D plus the mean of the three spacings.
    "equivalent_sphere": (6 V / pi)^(1/3).

    ``direction`` is the grid's :attr:`~ioresponse.io.dicom.Geometry.direction` (columns: the LPS unit
    vectors of increasing i, j, k; default the identity, axial slices along k). The axial slices are
    taken along the array axis closest to the patient z axis, whatever the storage order of the file.
    """
    check_choice("diameter", method, Diameter)
    spacing = np.asarray(spacing_zyx, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return math.nan
    if method == "equivalent_sphere":
        volume_mm3 = mask.sum() * float(np.prod(spacing))
        return (6.0 * volume_mm3 / math.pi) ** (1.0 / 3.0)
    axes_ijk = np.eye(3) if direction is None else np.asarray(direction, dtype=np.float64)
    steps = axes_ijk[:, ::-1] * spacing  # columns: LPS step (mm) of one voxel along k, j, i
    indices = np.argwhere(mask)
    if method == "max_3d":
        return _max_distance(indices @ steps.T) + float(spacing.mean())
    axial = int(np.argmax(np.abs(steps[2]) / spacing))  # the axis whose direction is closest to z
    in_plane = [axis for axis in range(3) if axis != axial]
    # 2-D coordinates (mm) in the slice plane that keep every in-plane distance: R of the QR of its steps
    plane = indices[:, in_plane] @ np.linalg.qr(steps[:, in_plane])[1].T
    levels = indices[:, axial]
    longest = max(_max_distance(plane[levels == level]) for level in np.unique(levels))
    return longest + float(spacing[in_plane].mean())


def split_components(labels: np.ndarray, connectivity: int = 26) -> np.ndarray:
    """Split a binary label map into lesions by connected components (spec 4.6)."""
    structure = ndimage.generate_binary_structure(3, CONNECTIVITY_RANK[connectivity])
    components, _ = ndimage.label(labels > 0, structure=structure)
    return components


def totals(suvbw: np.ndarray, masks: list[np.ndarray], voxel_ml: float) -> tuple[float, float]:
    """Patient total MTV (ml) and TLG (SUVbw x ml) over the union of the lesion masks (spec 4.7)."""
    if not masks:
        return 0.0, 0.0
    union = np.logical_or.reduce(masks)
    return float(union.sum() * voxel_ml), float(suvbw[union].sum() * voxel_ml)
