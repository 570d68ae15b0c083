"""Synthetic pydicom series: a uniform sphere (SUVbw 8) in a background (SUVbw 1), per vendor/decay variant.

The stored activity of every variant is derived by hand from the SUV definition of spec/pet.md 1.1 and the
conversion of its Units / DecayCorrection (2.3, 2.6, 2.7); SUVmax, SULpeak and MTV must come back within the
voxel discretisation (int16 storage keeps 4-5 significant digits).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from _pet_synthetic import sphere_phantom, write_series

from ioresponse.pet import quantify, read_suv
from ioresponse.pet.suv import SuvWarning

SPACING = (4.0, 4.0, 4.0)
SHAPE = (13, 17, 17)
CENTRE = (6, 8, 8)
RADIUS_MM = 12.0
HOT_SUV, BACKGROUND_SUV = 8.0, 1.0
WEIGHT_G = 70000.0
DOSE_BQ = 368.08e6
HALF_LIFE_S = 6586.2
DECAY = math.log(2) / HALF_LIFE_S
LBM_KG = 9270 * 70 / (6680 + 216 * 70 / 1.75**2)  # Janmahasatian, male, 70 kg, 1.75 m (spec 1.3)


def _activity_at(seconds_after_injection: float) -> float:
    return DOSE_BQ * math.exp(-DECAY * seconds_after_injection)


def _g(duration_s: float) -> float:
    return DECAY * duration_s / (1 - math.exp(-DECAY * duration_s))


def _start(suv: np.ndarray) -> np.ndarray:
    return suv * _activity_at(3600.0) / WEIGHT_G  # injection 10:00, reference 11:00


def _admin(suv: np.ndarray) -> np.ndarray:
    return suv * DOSE_BQ / WEIGHT_G


def _none(suv: np.ndarray) -> np.ndarray:
    # acquisition of slice k at 11:00 + 4 k s, 300 s frames: C_s = SUV A_inj / (W g(T) exp(lambda dt_s))
    elapsed = 3600.0 + 4.0 * np.arange(suv.shape[0])
    scale = DOSE_BQ / (WEIGHT_G * _g(300.0) * np.exp(DECAY * elapsed))
    return suv * scale[:, None, None]


def _ge_private(suv: np.ndarray) -> np.ndarray:
    return (
        suv * _activity_at(3000.0) / WEIGHT_G
    )  # private scan datetime 10:50, series 11:30 after acquisitions


def _backcomputed(suv: np.ndarray) -> np.ndarray:
    return suv * _activity_at(3600.0) / WEIGHT_G  # r = 11:05:00 + T_ave(300 s) - FRT = 11:00:00


T_AVE_300 = math.log(_g(300.0)) / DECAY

VARIANTS: dict[str, tuple[dict, Callable[[np.ndarray], np.ndarray], dict]] = {
    "bqml_start_series": ({}, _start, {}),
    "bqml_admin": ({"DecayCorrection": "ADMIN"}, _admin, {}),
    "bqml_none_per_frame": (
        {"DecayCorrection": "NONE", "CorrectedImage": ["ATTN"]},
        _none,
        {"AcquisitionTime": [f"1100{4 * k:02d}" for k in range(SHAPE[0])]},
    ),
    "ge_private_scan_datetime": (
        {
            "Manufacturer": "GE MEDICAL SYSTEMS",
            "SeriesTime": "113000",
            "AcquisitionTime": "110000",
            "GEPrivateScanDateTime": "20250101105000",
        },
        _ge_private,
        {},
    ),
    "siemens_backcomputed": (
        {
            "Manufacturer": "SIEMENS",
            "SeriesTime": "113000",
            "AcquisitionTime": "110500",
            "FrameReferenceTime": round((300.0 + T_AVE_300) * 1000, 3),
        },
        _backcomputed,
        {},
    ),
    "philips_cnts_suv_factor": (
        {"Manufacturer": "Philips", "Units": "CNTS", "PhilipsSUVScaleFactor": 0.0005},
        lambda suv: suv / 0.0005,
        {},
    ),
    "philips_cnts_activity_factor": (
        {"Manufacturer": "Philips", "Units": "CNTS", "PhilipsActivityScaleFactor": 0.5},
        lambda suv: _start(suv) / 0.5,
        {},
    ),
    "gml_bw": ({"Units": "GML", "SUVType": "BW"}, lambda suv: suv, {}),
}


@pytest.fixture(scope="module")
def truth() -> np.ndarray:
    return sphere_phantom(SHAPE, CENTRE, RADIUS_MM, SPACING, HOT_SUV, BACKGROUND_SUV)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_sphere_phantom_variant(tmp_path: Path, truth: np.ndarray, variant: str) -> None:
    header, stored_from_suv, per_slice = VARIANTS[variant]
    write_series(tmp_path / variant, stored_from_suv(truth), header, spacing_zyx=SPACING, per_slice=per_slice)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SuvWarning)
        volume = read_suv(tmp_path / variant, "bw")
    sphere = truth == HOT_SUV
    assert volume.values[sphere] == pytest.approx(np.full(sphere.sum(), HOT_SUV), rel=1e-4)
    assert volume.values[~sphere] == pytest.approx(np.full((~sphere).sum(), BACKGROUND_SUV), rel=1e-3)
    table = quantify(volume, {"sphere": np.ones(SHAPE, dtype=bool)})
    row = table.iloc[0]
    assert row["suvmax"] == pytest.approx(HOT_SUV, rel=1e-4)
    # the 1 ml kernel (non-zero weights within 8 mm of its centre) fits inside the 12 mm sphere
    assert row["sulpeak"] == pytest.approx(HOT_SUV * LBM_KG / 70, rel=1e-4)
    # 41% of 8 = 3.28 separates sphere and background: MTV = the voxelised sphere, close to 4/3 pi r^3
    assert row["mtv_ml"] == pytest.approx(sphere.sum() * 0.064, rel=1e-12)
    assert row["mtv_ml"] == pytest.approx(4 / 3 * math.pi * RADIUS_MM**3 / 1000, rel=0.15)
    assert row["tlg"] == pytest.approx(row["mtv_ml"] * HOT_SUV, rel=1e-4)
    assert row["functional_diameter_mm"] == pytest.approx(2 * RADIUS_MM + 4.0, abs=1e-9)  # 6 pixels + 1 pixel


def test_expected_reference_sources(tmp_path: Path, truth: np.ndarray) -> None:
    expected = {
        "bqml_start_series": "series",
        "bqml_admin": "admin",
        "bqml_none_per_frame": "none_per_frame",
        "ge_private_scan_datetime": "ge_private",
        "siemens_backcomputed": "backcomputed",
    }
    for variant, source in expected.items():
        header, stored_from_suv, per_slice = VARIANTS[variant]
        write_series(
            tmp_path / variant,
            stored_from_suv(truth[:2]),
            header,
            spacing_zyx=SPACING,
            per_slice={k: v[:2] for k, v in per_slice.items()},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SuvWarning)
            assert read_suv(tmp_path / variant, "bw").provenance["reference_time_source"] == source, variant
