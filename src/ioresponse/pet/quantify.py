"""From an SUV volume and lesion labels to the lesion table the metabolic criteria consume.

Sources: PERCIST 1.0, Wahl RL et al. J Nucl Med 2009;50 Suppl 1:122S-150S, doi:10.2967/jnumed.108.057307;
rules as in spec/pet.md sections 4.4 (per-lesion metrics), 4.6 (lesion identity), 4.7 (totals),
5.1 (liver reference), 1.7 (normalisation each criterion consumes) and 6.4-6.7 (label inputs).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ioresponse.io.dicom import Geometry, read_label_dataset, read_rtstruct, read_seg
from ioresponse.io.nifti import LabelWarning, read_nifti_labels
from ioresponse.pet.peak import PEAK_METHODS, PeakMethod, peak_by_method, sphere_radius_mm
from ioresponse.pet.peak import ibsi_peaks as ibsi_peak_values
from ioresponse.pet.reference import reference_region
from ioresponse.pet.segment import (
    ABSOLUTE_SUV,
    RELATIVE_FRACTION,
    Diameter,
    Keep,
    Normalisation,
    SegmentationMethod,
    check_segment_options,
    functional_diameter,
    segment,
    split_components,
    totals,
)
from ioresponse.pet.suv import SUVVolume
from ioresponse.schema import DATE, LESION, OPTIONS, PATIENT, InputError, check_choice

LESION_COLUMNS = (
    PATIENT,
    DATE,
    LESION,
    "suvmax",
    "suvmean",
    "sulpeak",
    "sulmean",
    "mtv_ml",
    "tlg",
    "functional_diameter_mm",
    "liver_sul_mean",
    "liver_sul_sd",
    "uptake_min",
    "normalization",
    "peak_method",
)
"""Columns of the PET lesion table, in this order (issue 5 item 7; spec 4.4; DESIGN.md "The tables").
``normalization`` names the SUL formula (``lbm_janmahasatian`` / ``lbm_james``) of ``sulpeak``,
``sulmean`` and the liver values; ``peak_method`` is ``percist``, ``ibsi-local`` or ``ibsi-global``."""
EXTRA_COLUMNS = (
    "blood_pool_sul_mean",
    "blood_pool_sul_sd",
    "segmentation",
    "threshold",
    "suvmax_normalization",
    "tlg_normalization",
    "voi_voxels",
    "peak_centre_index",
)
"""Settings and traces written after the contract columns (spec 9: every option value used is recorded).
``suvmax_normalization`` is ``bw`` or ``bsa`` (``suvmax`` in SUVbw or SUVbsa, spec 1.7);
``tlg_normalization`` is ``bw`` or ``lbm`` (``tlg`` in SUVbw x ml or SUL x ml, spec 4.4)."""
IBSI_PEAK_COLUMNS = ("ibsi_local_peak_sul", "ibsi_global_peak_sul")
"""Optional columns (``ibsi_peaks=True``): IBSI local / global peaks of the VOI on SUL (centre rule)."""

SuvmaxNormalization = Literal["bw", "bsa"]
"""Normalisation of ``suvmax``: SUVbw, or SUVbsa in cm^2/ml (the EORTC option, spec 1.7, 9)."""
TlgNormalization = Literal["bw", "lbm"]


CENTRE_OPTIONS = {"liver": ("--liver", "liver_centre"), "blood_pool": ("--blood-pool", "blood_pool_centre")}
"""Command-line option and Python keyword of each reference region's centre, for messages."""


def read_labels(
    path: str | Path,
    suv: SUVVolume,
    *,
    split: bool | None = None,
    min_component_ml: float = 0.0,
    fraction_threshold: float | None = None,
    resample_labels: bool = True,
) -> dict[str, np.ndarray]:
    """Lesion masks on the PET grid from an RTSTRUCT, a DICOM SEG or a NIfTI label map (spec 4.6, 6.4-6.7).

    Parameters
    ----------
    split : bool, optional
        Split a binary label map into 26-connected lesions; default True for binary NIfTI maps, i.e. maps
        of 0 and one other value (1, 255, ...: all lesions share it; spec 4.6). The lesions are then
        numbered 1, 2, ... in array order; a map holding one connected lesion keeps its value as the id.
    min_component_ml : float, default 0
        Drop split components smaller than this volume (ml); a :class:`LabelWarning` names how many were
        dropped (spec 4.6: "explicitly, never silently"). 0 keeps all.
    fraction_threshold : float in (0, 1], optional
        Binarise a fractional (probability) label map at ``>=`` this value; a NIfTI map with non-integer
        values is refused without it, a DICOM SEG ``FRACTIONAL`` is binarised at 0.5 (spec 4.4, 6.5, 6.6).
    resample_labels : bool, default True
        A DICOM SEG or NIfTI label map on another grid (e.g. drawn on the CT) is resampled by nearest
        neighbour onto the PET grid (True), or refused (False) (spec 6.5, 6.7).
    """
    path = Path(path)
    if fraction_threshold is not None and not 0 < fraction_threshold <= 1:
        raise InputError(OPTIONS, [], "fraction_threshold", f"{fraction_threshold:g} is not in (0, 1].")
    if not path.is_file():
        raise InputError(str(path), [], None, "no such label file (RTSTRUCT, DICOM SEG or NIfTI).")
    kind, dataset = read_label_dataset(path)
    if kind == "rtstruct":
        return read_rtstruct(path, suv.geometry, suv.frame_of_reference_uid, dataset=dataset).masks
    if kind == "seg":
        return read_seg(
            path,
            suv.sop_instance_uids,
            suv.frame_of_reference_uid,
            suv.geometry,
            fraction_threshold=fraction_threshold or 0.5,
            resample_labels=resample_labels,
        ).masks
    labels, _ = read_nifti_labels(
        path, suv.geometry, resample_labels=resample_labels, fraction_threshold=fraction_threshold
    )
    values = np.unique(labels[labels > 0])
    if split if split is not None else values.size == 1:  # binary: 0 and one other value (spec 4.6)
        components = split_components(labels)
        if components.max() > 1 or values.size > 1:  # one lesion of one value keeps its value as its id
            labels = components
            values = np.unique(labels[labels > 0])
        if min_component_ml > 0:
            volumes = np.bincount(labels.ravel())[values] * suv.geometry.voxel_ml
            small = volumes < min_component_ml
            if small.any():
                warnings.warn(
                    f"{path}: {int(small.sum())} of {len(values)} connected components smaller than "
                    f"{min_component_ml:g} ml dropped (min_component_ml; spec 4.6)",
                    LabelWarning,
                    stacklevel=2,
                )
            values = values[~small]
    return {str(int(v)): labels == v for v in values}


def quantify(
    suv: SUVVolume,
    labels: Mapping[str, np.ndarray],
    *,
    patient_id: str | None = None,
    date: str | None = None,
    liver_centre: tuple[float, float, float] | None = None,
    liver_centre_is_index: bool = False,
    blood_pool_centre: tuple[float, float, float] | None = None,
    peak_method: PeakMethod = "percist",
    segmentation: SegmentationMethod = "relative",
    fraction: float = RELATIVE_FRACTION,
    absolute: float = ABSOLUTE_SUV,
    absolute_normalisation: Normalisation = "bw",
    connectivity: int = 26,
    keep: Keep = "max_component",
    diameter: Diameter = "max_axial",
    normalisation: SuvmaxNormalization = "bw",
    tlg_normalisation: TlgNormalization = "bw",
    sphere_volume_ml: float = 1.0,
    supersampling: int = 20,
    require_inside_mask: bool = False,
    ibsi_peaks: bool = False,
) -> pd.DataFrame:
    """One row per lesion with the PET metrics of the metabolic criteria (spec 4.4).

    Parameters
    ----------
    suv : SUVVolume
        The scan (SUVbw plus the SUL factor of its chosen LBM formula).
    labels : mapping of str to boolean array
        Lesion VOIs on the PET grid, by lesion id (see :func:`read_labels`).
    patient_id, date : str, optional
        Default: PatientID and SeriesDate of the header.
    liver_centre : three floats, optional
        LPS mm (or ``(k, j, i)`` with ``liver_centre_is_index``) of the 3 cm liver sphere (spec 5.1).
    blood_pool_centre : three floats, optional
        LPS mm of the 1 x 2 cm descending-aorta cylinder (spec 5.2); fills ``blood_pool_sul_mean/sd``.
    peak_method : {"percist", "ibsi-local", "ibsi-global"}, default "percist"
        SULpeak placement and weighting (spec 3.6).
    segmentation : {"relative", "absolute", "percist"}, default "relative"
        MTV threshold: ``fraction`` x SUVmax (0.41), ``absolute`` (2.5 in ``absolute_normalisation``) or the
        PERCIST liver threshold on SUL (spec 4.2).
    normalisation : {"bw", "bsa"}, default "bw"
        ``suvmax`` in SUVbw, or in SUVbsa (cm^2/ml) for EORTC (spec 1.7, 9); "bsa" needs the patient's
        weight and height. Recorded in ``suvmax_normalization``.
    tlg_normalisation : {"bw", "lbm"}, default "bw"
        ``tlg`` and ``total_tlg`` in SUVbw x ml, or SUL x ml (spec 4.4, 4.7); recorded in
        ``tlg_normalization`` and ``attrs["total_tlg_normalization"]``.
    connectivity, keep, diameter, sphere_volume_ml, supersampling, require_inside_mask
        See :func:`ioresponse.pet.segment.segment`, :func:`ioresponse.pet.peak.peak` and spec 9.
    ibsi_peaks : bool, default False
        Also report the IBSI local and global intensity peaks on SUL (:data:`IBSI_PEAK_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LESION_COLUMNS` then :data:`EXTRA_COLUMNS`; ``attrs`` holds ``total_mtv_ml``,
        ``total_tlg`` (union of the lesion masks, spec 4.7) with its ``total_tlg_normalization``, and the
        provenance.
    """
    check_choice("peak_method", peak_method, PeakMethod)  # every choice refused before any lesion (spec 9)
    check_segment_options(segmentation, keep, absolute_normalisation, connectivity, "segmentation")
    check_choice("diameter", diameter, Diameter)
    check_choice("normalisation", normalisation, SuvmaxNormalization)
    check_choice("tlg_normalisation", tlg_normalisation, TlgNormalization)
    suvmax_scale = suv.conversion(normalisation)  # 1 or N_bsa / (1000 W) (spec 1.1); refused up front
    sul_factor = suv.sul_factor
    tlg_scale = sul_factor if tlg_normalisation == "lbm" else 1.0
    suvbw = suv.suvbw
    voxel_ml = suv.geometry.voxel_ml
    liver = _reference(suv, liver_centre, liver_centre_is_index, sul_factor, "liver")
    blood_pool = _reference(suv, blood_pool_centre, False, sul_factor, "blood_pool")
    rows = []
    union = np.zeros(suvbw.shape, dtype=bool)
    for lesion_id, voi in labels.items():
        row, box, mask_box = _lesion_row(
            suvbw,
            np.asarray(voi, dtype=bool),
            suv.geometry,
            sul_factor,
            liver,
            peak_method=peak_method,
            segmentation=segmentation,
            fraction=fraction,
            absolute=absolute,
            absolute_normalisation=absolute_normalisation,
            connectivity=connectivity,
            keep=keep,
            diameter=diameter,
            tlg_scale=tlg_scale,
            sphere_volume_ml=sphere_volume_ml,
            supersampling=supersampling,
            require_inside_mask=require_inside_mask,
            ibsi_peaks=ibsi_peaks,
        )
        row[LESION] = str(lesion_id)
        rows.append(row)
        if box is not None:
            union[box] |= mask_box
    uptake_s = suv.provenance.get("uptake_s")
    table = pd.DataFrame(
        rows,
        columns=[
            c
            for c in LESION_COLUMNS + EXTRA_COLUMNS + (IBSI_PEAK_COLUMNS if ibsi_peaks else ())
            if c not in (PATIENT, DATE)
        ],
    )
    table.insert(
        0, PATIENT, str(patient_id if patient_id is not None else suv.provenance.get("patient_id", ""))
    )
    table.insert(1, DATE, str(date if date is not None else suv.provenance.get("date", "")))
    table["liver_sul_mean"] = liver[0]
    table["liver_sul_sd"] = liver[1]
    table["blood_pool_sul_mean"] = blood_pool[0]
    table["blood_pool_sul_sd"] = blood_pool[1]
    table["uptake_min"] = uptake_s / 60.0 if uptake_s else math.nan
    table["normalization"] = f"lbm_{suv.provenance['lbm_formula']}"
    table["peak_method"] = peak_method
    table["suvmax"] *= suvmax_scale
    table["suvmax_normalization"] = normalisation
    table["tlg_normalization"] = tlg_normalisation
    table = table[list(LESION_COLUMNS + EXTRA_COLUMNS + (IBSI_PEAK_COLUMNS if ibsi_peaks else ()))]
    total_mtv, total_tlg_bw = totals(suvbw, [union], voxel_ml)
    placement, weighting = PEAK_METHODS[peak_method]
    threshold = {"relative": f"{fraction:g} x SUVmax", "percist": "PERCIST liver threshold on SUL",
                 "absolute": f"SUV {absolute:g} ({absolute_normalisation})"}[segmentation]
    provenance = {  # spec 0.4: the scan's record, with the peak and segmentation settings of the table
        **suv.provenance,
        "peak_method": {"name": peak_method, "placement": placement, "weighting": weighting,
                        "supersampling": supersampling, "sphere_volume_ml": sphere_volume_ml},
        "segmentation": {"method": segmentation, "threshold": threshold, "connectivity": connectivity,
                         "keep": keep},
        "suvmax_normalization": normalisation,
    }
    table.attrs.update(
        total_mtv_ml=total_mtv,
        total_tlg=total_tlg_bw * tlg_scale,  # the lesions' tlg normalisation (spec 4.4, 4.7)
        total_tlg_normalization=tlg_normalisation,
        provenance=provenance,
    )
    return table


def _reference(
    suv: SUVVolume, centre: tuple[float, float, float] | None, is_index: bool, sul_factor: float, kind: str
) -> tuple[float, float]:
    """SUL mean and SD of the liver sphere or blood-pool cylinder, NaN when no centre is given (spec 5).

    A region reaching outside the image is refused at the PET series, naming the centre's option both as
    the command line and as Python spell it.
    """
    if centre is None:
        return (math.nan, math.nan)
    try:
        region = reference_region(suv.suvbw, suv.geometry, centre, kind=kind, centre_is_index=is_index)  # type: ignore[arg-type]
    except InputError as error:
        option, keyword = CENTRE_OPTIONS[kind]
        python = f"{keyword}=(k, j, i), {keyword}_is_index=True" if is_index else f"{keyword}=(x, y, z)"
        raise InputError(
            suv.source or "<volume>",
            [],
            None,
            f"{error.message.removesuffix('.')}: {option} X,Y,Z (Python: {python}).",
        ) from None
    return (region.mean * sul_factor, region.sd * sul_factor)


def _lesion_row(
    suvbw: np.ndarray,
    voi: np.ndarray,
    geometry: Geometry,
    sul_factor: float,
    liver: tuple[float, float],
    *,
    peak_method: PeakMethod,
    segmentation: SegmentationMethod,
    fraction: float,
    absolute: float,
    absolute_normalisation: Normalisation,
    connectivity: int,
    keep: Keep,
    diameter: Diameter,
    tlg_scale: float,
    sphere_volume_ml: float,
    supersampling: int,
    require_inside_mask: bool,
    ibsi_peaks: bool,
) -> tuple[dict, tuple[slice, ...] | None, np.ndarray | None]:
    if voi.shape != suvbw.shape:
        raise InputError(
            "<labels>", [], "shape", f"label grid {voi.shape} differs from the PET grid {suvbw.shape}."
        )
    spacing, voxel_ml = geometry.spacing_zyx, geometry.voxel_ml
    pad = int(np.ceil(sphere_radius_mm(sphere_volume_ml) / min(spacing) + 0.5)) + 1
    box = _padded_box(voi, pad)
    if box is None:
        empty = dict.fromkeys(("suvmax", "suvmean", "sulpeak", "sulmean", "functional_diameter_mm"), math.nan)
        return (
            {
                **empty,
                "mtv_ml": 0.0,
                "tlg": 0.0,  # a sum over no voxel (spec 4.4: Σ_mask SUV_v * voxel_ml), as for MTV
                "voi_voxels": 0,
                "segmentation": "",
                "threshold": math.nan,
                "peak_centre_index": "",
            },
            None,
            None,
        )
    suv_box, voi_box = suvbw[box], voi[box]
    sul_box = suv_box * sul_factor
    mask_box, threshold = segment(
        sul_box if segmentation == "percist" else suv_box,
        voi_box,
        method=segmentation,
        fraction=fraction,
        absolute=absolute,
        absolute_normalisation=absolute_normalisation,
        sul_factor=sul_factor,
        liver=liver,
        connectivity=connectivity,
        keep=keep,
    )
    corner = geometry.index_to_lps([s.start for s in box])  # the box's grid, for centre_lps (spec 3.6)
    peak = peak_by_method(
        sul_box,
        voi_box,
        replace(geometry, shape=sul_box.shape, origin=corner),
        peak_method,
        supersampling=supersampling,
        sphere_volume_ml=sphere_volume_ml,
        require_inside_mask=require_inside_mask,
    )
    n_voxels = int(mask_box.sum())
    suvmean = float(suv_box[mask_box].mean()) if n_voxels else math.nan
    centre = (
        ""
        if peak.centre_index is None
        else ",".join(str(c + int(s.start)) for c, s in zip(peak.centre_index, box, strict=True))
    )
    # the whole setting, so that io.pet_table tells two masks apart (spec 4.5: same method and threshold)
    setting = _threshold_setting(segmentation, fraction, absolute, absolute_normalisation)
    row = {
        "suvmax": float(suv_box[voi_box].max()),
        "suvmean": suvmean,
        "sulpeak": peak.value,
        "sulmean": suvmean * sul_factor,
        "mtv_ml": n_voxels * voxel_ml,
        "tlg": float(suv_box[mask_box].sum()) * voxel_ml * tlg_scale if n_voxels else 0.0,
        "functional_diameter_mm": functional_diameter(mask_box, spacing, diameter, geometry.direction),
        "segmentation": f"{segmentation}{setting}, {connectivity}-connected, {keep}",
        "threshold": threshold,
        "voi_voxels": int(voi_box.sum()),
        "peak_centre_index": centre,
    }
    if ibsi_peaks:
        row[IBSI_PEAK_COLUMNS[0]], row[IBSI_PEAK_COLUMNS[1]] = ibsi_peak_values(sul_box, voi_box, spacing)
    return row, box, mask_box


def _padded_box(voi: np.ndarray, pad: int) -> tuple[slice, ...] | None:
    """The VOI bounding box grown by ``pad`` voxels (clipped to the image), None for an empty VOI.

    One pass over the whole volume (the slice projection), then projections of the lesion's slab only:
    much cheaper than ``nonzero`` on a whole-body volume.
    """
    slices = np.flatnonzero(voi.any(axis=(1, 2)))
    if slices.size == 0:
        return None
    slab = voi[slices[0] : slices[-1] + 1]
    rows = np.flatnonzero(slab.any(axis=(0, 2)))
    columns = np.flatnonzero(slab.any(axis=(0, 1)))
    box = [
        slice(max(int(present[0]) - pad, 0), min(int(present[-1]) + pad + 1, size))
        for present, size in zip((slices, rows, columns), voi.shape, strict=True)
    ]
    return tuple(box)


def _threshold_setting(segmentation: SegmentationMethod, fraction: float, absolute: float,
                       absolute_normalisation: Normalisation) -> str:
    """The threshold of a segmentation as its ``segmentation`` text gives it: " 0.41" (of SUVmax), " 2.5 (bw)"
    (SUV), "" for the PERCIST liver threshold (spec 4.2), which each scan's liver sets."""
    if segmentation == "relative":
        return f" {fraction:g}"
    return f" {absolute:g} ({absolute_normalisation})" if segmentation == "absolute" else ""
