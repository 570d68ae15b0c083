"""SUVpeak / SULpeak: the mean in a 1 ml sphere, PERCIST placement and the IBSI local/global peaks.

Sources: PERCIST 1.0, Wahl RL et al. J Nucl Med 2009;50 Suppl 1:122S-150S, doi:10.2967/jnumed.108.057307
(1 cm^3 sphere placed where its mean is highest); O JH et al. Radiology 2016;280:576-584,
doi:10.1148/radiol.2016142043; IBSI, Zwanenburg A et al. Radiology 2020;295:328-338,
doi:10.1148/radiol.2020191145, local intensity features VJGA (local peak) and 0F91 (global peak).
Rules as in spec/pet.md section 3 (3.1 sphere, 3.3 weighting, 3.4 edge rule, 3.6 definition and ties)
and 8.2 (search restricted to the lesion bounding box, kernel correlation).
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import ndimage, signal

from ioresponse.io.dicom import Geometry
from ioresponse.schema import OPTIONS, InputError, IoresponseWarning, check_choice

Placement = Literal["global", "local"]
Weighting = Literal["fractional", "centre"]
PeakMethod = Literal["percist", "ibsi-local", "ibsi-global"]

SPHERE_VOLUME_ML = 1.0
"""PERCIST SULpeak sphere: 1 cm^3, r = 6.2035 mm (Wahl 2009; spec 3.1)."""
SUPERSAMPLING = 20
"""Sub-voxels per axis for the fractional weights (spec 3.3, normative default)."""
TIE_TOLERANCE = 1e-9
"""Candidates within this relative distance of the best mean are ties (spec 3.6)."""
FFT_WORK = 5e8
"""Box voxels x kernel taps above which the correlation uses FFT (spec 8.2 step 3)."""
GATHER_WORK = 2e4
"""Candidates x taps below which the means are gathered directly at the candidates (spec 8.2 step 3)."""

PEAK_METHODS: dict[str, tuple[Placement, Weighting]] = {
    "percist": ("global", "fractional"),
    "ibsi-local": ("local", "centre"),
    "ibsi-global": ("global", "centre"),
}
"""Peak methods of the CLI and the lesion table: placement and weighting (spec 3.2, 3.6)."""


class PeakWarning(IoresponseWarning):
    """A peak could not be placed as asked (e.g. lesion smaller than the sphere); numbers unchanged."""


def sphere_radius_mm(sphere_volume_ml: float = SPHERE_VOLUME_ML) -> float:
    """Radius (mm) of a sphere of the given volume: (3 V / 4 pi)^(1/3), V in mm^3 (spec 3.1)."""
    return (3.0 * sphere_volume_ml * 1000.0 / (4.0 * math.pi)) ** (1.0 / 3.0)


@functools.lru_cache(maxsize=32)
def sphere_kernel(
    spacing_zyx: tuple[float, float, float],
    weighting: Weighting = "fractional",
    supersampling: int = SUPERSAMPLING,
    sphere_volume_ml: float = SPHERE_VOLUME_ML,
) -> np.ndarray:
    """Weights of the sphere kernel on the voxel grid, centred on the middle element (spec 3.3).

    ``weighting="centre"``: 1 where the offset's centre lies within r (IBSI). ``"fractional"``: fraction
    of the voxel inside the sphere, counted on ``supersampling^3`` sub-voxel centres. Any other weighting
    is an InputError (spec 3.3, 9).
    """
    check_choice("weighting", weighting, Weighting)
    radius = sphere_radius_mm(sphere_volume_ml)
    spacing = np.asarray(spacing_zyx, dtype=np.float64)
    if weighting == "centre":
        reach = np.floor(radius / spacing + 1e-9).astype(int)
        axes = [np.arange(-n, n + 1) * d for n, d in zip(reach, spacing, strict=True)]
        zz, yy, xx = np.meshgrid(*axes, indexing="ij")
        return ((zz**2 + yy**2 + xx**2) <= radius**2 * (1 + 1e-12)).astype(np.float64)
    reach = np.ceil(radius / spacing + 0.5).astype(int)
    sub = (np.arange(supersampling) + 0.5) / supersampling - 0.5
    squares = [
        ((np.arange(-n, n + 1)[:, None] + sub[None, :]) * d) ** 2 for n, d in zip(reach, spacing, strict=True)
    ]
    z_sq, y_sq, x_sq = squares
    inside_yx = y_sq[:, :, None, None] + x_sq[None, None, :, :]
    weights = np.empty(tuple(2 * n + 1 for n in reach))
    for a in range(weights.shape[0]):
        counts = (z_sq[a][:, None, None, None, None] + inside_yx[None] <= radius**2).sum(axis=(0, 2, 4))
        weights[a] = counts / supersampling**3
    return weights


@dataclass
class PeakResult:
    """A peak value and where it was found (spec 3.6)."""

    value: float
    centre_index: tuple[int, int, int] | None
    centre_lps: tuple[float, float, float] | None
    kernel_voxels: int
    kernel_volume_ml: float
    truncated_by_image_edge: bool
    placement: str
    weighting: str
    warnings: list[str] = field(default_factory=list)


def _box(mask: np.ndarray, pad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounding box of the mask, padded by ``pad`` voxels per axis (not clipped: may leave the image)."""
    nonzero = (
        np.nonzero(mask.any(axis=(1, 2)))[0],
        np.nonzero(mask.any(axis=(0, 2)))[0],
        np.nonzero(mask.any(axis=(0, 1)))[0],
    )
    low = np.asarray([axis[0] for axis in nonzero]) - pad
    high = np.asarray([axis[-1] for axis in nonzero]) + pad + 1
    return low, high


def _padded_crop(image: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Crop ``image[low:high]`` with zeros outside the image, and the inside-image indicator (spec 8.2)."""
    shape = tuple(int(h - lo) for lo, h in zip(low, high, strict=True))
    crop = np.zeros(shape)
    inside = np.zeros(shape)
    source = tuple(
        slice(max(int(lo), 0), min(int(h), n)) for lo, h, n in zip(low, high, image.shape, strict=True)
    )
    target = tuple(slice(s.start - int(lo), s.stop - int(lo)) for s, lo in zip(source, low, strict=True))
    crop[target] = image[source]
    inside[target] = 1.0
    return crop, inside


def _correlate(volume: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    if volume.size * np.count_nonzero(kernel) > FFT_WORK:
        return signal.fftconvolve(volume, kernel, mode="same")
    return ndimage.correlate(volume, kernel, mode="constant", cval=0.0)


def _gather(image: np.ndarray, centres: np.ndarray, kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sums over the kernel at given centres, and the weight inside the image (spec 3.4)."""
    half = np.asarray(kernel.shape) // 2
    offsets = np.argwhere(kernel > 0) - half
    weights = kernel[kernel > 0]
    positions = centres[:, None, :] + offsets[None, :, :]
    inside = np.all((positions >= 0) & (positions < np.asarray(image.shape)), axis=2)
    clipped = np.clip(positions, 0, np.asarray(image.shape) - 1)
    values = image[clipped[..., 0], clipped[..., 1], clipped[..., 2]]
    return (values * inside) @ weights, inside.astype(np.float64) @ weights


def peak(
    image: np.ndarray,
    mask: np.ndarray,
    geometry: Geometry | tuple[float, float, float],
    *,
    placement: Placement = "global",
    weighting: Weighting = "fractional",
    supersampling: int = SUPERSAMPLING,
    sphere_volume_ml: float = SPHERE_VOLUME_ML,
    require_inside_mask: bool = False,
) -> PeakResult:
    """Highest mean of ``image`` in a sphere centred on a lesion voxel (spec 3.6).

    Parameters
    ----------
    image : numpy.ndarray
        ``[k, j, i]`` volume (SUL for PERCIST SULpeak).
    mask : numpy.ndarray of bool
        The lesion VOI: the candidate centres. It never restricts the sphere's content (IBSI), except
        with ``require_inside_mask``.
    geometry : Geometry or tuple of float
        The voxel grid of ``image`` (``centre_lps`` in patient coordinates), or its spacing (z, y, x) in
        mm alone (``centre_lps`` then on a grid with origin 0 and the image axes).
    placement : {"global", "local"}, default "global"
        Every mask voxel as candidate (PERCIST, IBSI global 0F91), or only the voxels equal to the mask
        maximum (IBSI local VJGA).
    weighting : {"fractional", "centre"}, default "fractional"
        Border voxels weighted by their volume fraction in the sphere, or by centre inclusion (IBSI).
    supersampling : int, default 20
        Sub-voxels per axis for the fractional weights.
    sphere_volume_ml : float, default 1.0
        The sphere volume.
    require_inside_mask : bool, default False
        Drop candidates whose kernel leaves the mask (PET-IndiC); NaN with a warning if none remains.

    Returns
    -------
    PeakResult

    Notes
    -----
    1. Restrict to the mask's bounding box padded by the kernel half-width (spec 8.2 step 1).
    2. Mean at a centre = sum(w I) / sum(w) over kernel voxels inside the image (spec 3.4).
    3. Ties within 1e-9 relative: highest centre value, then smallest C-order index (spec 3.6).

    Raises
    ------
    InputError
        A ``placement`` or ``weighting`` outside its choices (spec 9), or a sphere covering no voxel.
    """
    check_choice("placement", placement, Placement)
    grid = geometry if isinstance(geometry, Geometry) else _grid(image.shape, geometry)
    kernel = sphere_kernel(grid.spacing_zyx, weighting, supersampling, sphere_volume_ml)
    taps = int(np.count_nonzero(kernel))
    if not taps:  # spec 3.3: no voxel (or sub-voxel centre) lies within the sphere's radius
        raise InputError(
            OPTIONS, [], "sphere_volume_ml",
            f"a {sphere_volume_ml:g} ml sphere covers no voxel of {grid.spacing_zyx} mm at supersampling "
            f"{supersampling} ({weighting} weighting, spec 3.3): use a larger sphere or finer supersampling",
        )
    result = PeakResult(
        value=math.nan,
        centre_index=None,
        centre_lps=None,
        kernel_voxels=taps,
        kernel_volume_ml=float(kernel.sum()) * grid.voxel_ml,
        truncated_by_image_edge=False,
        placement=placement,
        weighting=weighting,
    )
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return result
    candidates = np.argwhere(mask)
    if placement == "local":
        values = image[mask]
        candidates = candidates[values == values.max()]
    sums, weights = _means_at(image, mask, candidates, kernel)
    if require_inside_mask:
        fits = _kernel_inside_mask(mask, candidates, kernel)
        candidates, sums, weights = candidates[fits], sums[fits], weights[fits]
        if candidates.size == 0:
            message = "lesion smaller than the peak sphere: no candidate keeps its kernel inside the mask"
            result.warnings.append(message)
            warnings.warn(message, PeakWarning, stacklevel=2)
            return result
    means = sums / weights
    best = means.max()
    tied = np.flatnonzero(means >= best - TIE_TOLERANCE * abs(best))
    centre_values = image[tuple(candidates[tied].T)]
    chosen = tied[np.flatnonzero(centre_values == centre_values.max())[0]]
    result.value = float(means[chosen])
    result.centre_index = tuple(int(c) for c in candidates[chosen])
    result.centre_lps = tuple(float(c) for c in grid.index_to_lps(candidates[chosen]))
    result.truncated_by_image_edge = bool(weights[chosen] < kernel.sum() * (1 - 1e-12))
    return result


def _grid(shape: tuple[int, ...], spacing_zyx: tuple[float, float, float]) -> Geometry:
    """The grid of a volume known by its spacing alone: origin 0, axes along x, y, z."""
    dk, dj, di = (float(s) for s in spacing_zyx)
    return Geometry(tuple(shape), (di, dj, dk), np.zeros(3), np.eye(3))  # type: ignore[arg-type]


def _means_at(
    image: np.ndarray, mask: np.ndarray, candidates: np.ndarray, kernel: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sums and in-image weights at the candidates: gather (few) or box correlation (spec 8.2)."""
    taps = np.count_nonzero(kernel)
    if len(candidates) * taps <= GATHER_WORK:
        return _gather(image, candidates, kernel)
    half = np.asarray(kernel.shape) // 2
    low, high = _box(mask, half)
    crop, inside = _padded_crop(image, low, high)
    numerator = _correlate(crop, kernel)
    denominator = _correlate(inside, kernel)
    local = tuple((candidates - low).T)
    return numerator[local], denominator[local]


def _kernel_inside_mask(mask: np.ndarray, candidates: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    support = (kernel > 0).astype(np.float64)
    inside, _ = _gather(mask.astype(np.float64), candidates, support)
    return inside >= support.sum() - 0.5


def ibsi_peaks(
    image: np.ndarray, mask: np.ndarray, spacing_zyx: tuple[float, float, float]
) -> tuple[float, float]:
    """IBSI local (VJGA) and global (0F91) intensity peaks from one evaluation of the centre-rule means.

    Same values as :func:`peak` with ``weighting="centre"`` and placement "local" / "global" (spec 3.2, 3.6).
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return math.nan, math.nan
    kernel = sphere_kernel(tuple(float(s) for s in spacing_zyx), "centre")
    candidates = np.argwhere(mask)
    sums, weights = _means_at(image, mask, candidates, kernel)
    means = sums / weights
    values = image[tuple(candidates.T)]
    return float(means[values == values.max()].max()), float(means.max())


def peak_by_method(
    image: np.ndarray,
    mask: np.ndarray,
    geometry: Geometry | tuple[float, float, float],
    method: PeakMethod = "percist",
    **options: object,
) -> PeakResult:
    """Peak with the placement and weighting of a named method ("percist", "ibsi-local", "ibsi-global");
    any other name is an InputError (spec 3.6, 9)."""
    check_choice("peak_method", method, PeakMethod)
    placement, weighting = PEAK_METHODS[method]
    return peak(image, mask, geometry, placement=placement, weighting=weighting, **options)
