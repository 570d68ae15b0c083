"""Reference regions: liver 3 cm sphere and blood-pool cylinder (SUL mean and SD).

Source: PERCIST 1.0, Wahl RL et al. J Nucl Med 2009;50 Suppl 1:122S-150S, doi:10.2967/jnumed.108.057307
(3 cm sphere in the right liver lobe; 1 cm x 2 cm cylinder in the descending thoracic aorta).
Rules as in spec/pet.md sections 5.1-5.3 (centre rule, population SD, refusal outside the image).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ioresponse.io.dicom import Geometry
from ioresponse.schema import OPTIONS, InputError, IoresponseWarning

ReferenceKind = Literal["liver", "blood_pool"]

LIVER_RADIUS_MM = 15.0
"""Liver sphere of 3 cm diameter (Wahl 2009; spec 5.1)."""
BLOOD_POOL_RADIUS_MM = 5.0
"""Blood-pool cylinder 1 cm in diameter (Wahl 2009; spec 5.2)."""
BLOOD_POOL_HALF_LENGTH_MM = 10.0
"""... and 2 cm long along the patient z axis (Wahl 2009; spec 5.2)."""
ORGAN_MASK_MIN_FRACTION = 0.95
"""Warn when fewer of the selected voxels lie in the given organ mask (spec 5.3 step 4)."""


class ReferenceWarning(IoresponseWarning):
    """A reference region that may not sit in normal tissue; numbers unchanged."""


@dataclass(frozen=True)
class ReferenceRegion:
    """Mean and population SD (ddof = 0) in a reference region (spec 5.3 step 5)."""

    kind: str
    mean: float
    sd: float
    voxel_count: int
    volume_ml: float
    centre_lps: tuple[float, float, float]


def _region_offsets_mm(kind: ReferenceKind) -> np.ndarray:
    """LPS half-extents of the region's bounding box (mm)."""
    if kind == "liver":
        return np.full(3, LIVER_RADIUS_MM)
    return np.asarray([BLOOD_POOL_RADIUS_MM, BLOOD_POOL_RADIUS_MM, BLOOD_POOL_HALF_LENGTH_MM])


def reference_region(
    image: np.ndarray,
    geometry: Geometry,
    centre: tuple[float, float, float] | np.ndarray,
    *,
    kind: ReferenceKind = "liver",
    centre_is_index: bool = False,
    organ_mask: np.ndarray | None = None,
) -> ReferenceRegion:
    """Mean and SD of ``image`` in a liver sphere or blood-pool cylinder around ``centre`` (spec 5.3).

    Parameters
    ----------
    image : numpy.ndarray
        ``[k, j, i]`` volume, usually SUL.
    geometry : Geometry
        Its grid.
    centre : three floats
        LPS position in mm ``(x, y, z)``, or a voxel index ``(k, j, i)`` with ``centre_is_index``.
    kind : {"liver", "blood_pool"}, default "liver"
        3 cm sphere, or 1 cm x 2 cm cylinder along the patient z axis.
    organ_mask : numpy.ndarray of bool, optional
        Warn when fewer than 95% of the selected voxels lie inside it.

    Raises
    ------
    InputError
        When the nominal region reaches outside the image.
    """
    centre = np.asarray(centre, dtype=np.float64)
    centre_lps = geometry.index_to_lps(centre) if centre_is_index else centre
    half = _region_offsets_mm(kind)
    corners = (
        np.asarray([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * half + centre_lps
    )
    corner_index = geometry.lps_to_index(corners)  # the box around the region, on any (rotated) grid
    low = np.ceil(corner_index.min(axis=0) - 1e-9).astype(int)
    high = np.floor(corner_index.max(axis=0) + 1e-9).astype(int)
    grid = np.stack(
        np.meshgrid(*(np.arange(lo, hi + 1) for lo, hi in zip(low, high, strict=True)), indexing="ij"),
        axis=-1,
    )
    delta = geometry.index_to_lps(grid) - centre_lps
    if kind == "liver":
        selected = (delta**2).sum(axis=-1) <= LIVER_RADIUS_MM**2 * (1 + 1e-12)
    else:
        selected = ((delta[..., 0] ** 2 + delta[..., 1] ** 2) <= BLOOD_POOL_RADIUS_MM**2 * (1 + 1e-12)) & (
            np.abs(delta[..., 2]) <= BLOOD_POOL_HALF_LENGTH_MM + 1e-9
        )
    points = grid[selected]
    # spec 5.3 step 3: refused when a voxel position of the nominal region lies outside the volume
    outside = np.maximum(-points, points - (np.asarray(geometry.shape) - 1)).clip(min=0)
    if outside.any():
        missing = float((outside * np.asarray(geometry.spacing_zyx)).max())
        raise InputError(
            OPTIONS,
            [],
            "centre",
            f"the {kind.replace('_', ' ')} region around LPS "
            f"({', '.join(f'{c:.1f}' for c in centre_lps)}) mm "
            f"reaches {missing:.1f} mm outside the image; move the centre inside.",
        )
    indices = tuple(points.T)
    values = image[indices]
    if organ_mask is not None:
        fraction = float(np.asarray(organ_mask, dtype=bool)[indices].mean())
        if fraction < ORGAN_MASK_MIN_FRACTION:
            warnings.warn(
                f"only {100 * fraction:.0f}% of the {kind} region lies in the organ mask (< 95%)",
                ReferenceWarning,
                stacklevel=2,
            )
    return ReferenceRegion(
        kind=kind,
        mean=float(values.mean()) if values.size else math.nan,
        sd=float(values.std(ddof=0)) if values.size else math.nan,
        voxel_count=int(values.size),
        volume_ml=float(values.size * geometry.voxel_ml),
        centre_lps=tuple(float(c) for c in centre_lps),
    )
