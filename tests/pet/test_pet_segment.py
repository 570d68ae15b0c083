"""MTV, TLG, connectivity, functional diameter: worked example 7(e) of spec/pet.md; reference regions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _pet_synthetic import example_7e

from ioresponse.io.dicom import Geometry
from ioresponse.pet import functional_diameter, percist_threshold, reference_region, segment
from ioresponse.pet.segment import totals
from ioresponse.schema import InputError

VOXEL_ML = 0.064
SPACING = (4.0, 4.0, 4.0)


# spec 7(e) table: (options, voxel count, sum of SUV, SUVmean, MTV ml, TLG).
TABLE_7E = [
    ({"connectivity": 6}, 5, 33.1, 6.620000, 0.320, 2.118400),
    ({"connectivity": 18}, 6, 37.7, 6.283333, 0.384, 2.412800),
    ({}, 7, 42.2, 6.028571, 0.448, 2.700800),
    ({"keep": "all"}, 8, 49.2, 6.150000, 0.512, 3.148800),
    ({"fraction": 0.50}, 4, 29.0, 7.250000, 0.256, 1.856000),
    ({"method": "absolute", "absolute": 2.5}, 10, 52.2, 5.220000, 0.640, 3.340800),
    ({"method": "percist", "liver": (1.80, 0.25)}, 8, 46.2, 5.775000, 0.512, 2.956800),
]


@pytest.mark.parametrize(("options", "voxels", "total", "mean", "mtv", "tlg"), TABLE_7E)
def test_worked_example_7e(
    options: dict, voxels: int, total: float, mean: float, mtv: float, tlg: float
) -> None:
    image = example_7e()
    voi = np.ones(image.shape, dtype=bool)
    mask, _ = segment(image, voi, **options)
    assert int(mask.sum()) == voxels
    assert image[mask].sum() == pytest.approx(total, abs=1e-9)
    assert image[mask].mean() == pytest.approx(mean, abs=1e-6)
    assert mask.sum() * VOXEL_ML == pytest.approx(mtv, abs=1e-12)
    assert image[mask].sum() * VOXEL_ML == pytest.approx(tlg, abs=1e-9)


def test_voxel_exactly_on_the_41_percent_threshold_is_included() -> None:
    # spec 0.3 / 7(e): 0.41 x 10 = 4.1 is not exactly representable; the 4.1 voxel is inside, 4.0 is not.
    image = example_7e()
    mask, threshold = segment(image, np.ones(image.shape, dtype=bool), keep="all")
    assert threshold == pytest.approx(4.1)
    assert mask[1, 2, 2]
    assert not mask[0, 2, 1]


def test_segmentation_stays_inside_the_voi() -> None:
    image = example_7e()
    voi = np.zeros(image.shape, dtype=bool)
    voi[1] = True
    mask, _ = segment(image, voi, keep="all")
    assert not mask[0].any() and not mask[2].any()
    assert int(mask.sum()) == 4  # 10, 8, 6, 4.1 on slice k = 1


def test_percist_threshold_needs_the_liver() -> None:
    image = example_7e()
    with pytest.raises(InputError, match="liver"):
        segment(image, np.ones(image.shape, dtype=bool), method="percist")


# spec 7(e) functional diameters.
@pytest.mark.parametrize(
    ("connectivity", "method", "expected"),
    [
        (6, "max_axial", 9.657),
        (6, "max_3d", 10.928),
        (6, "equivalent_sphere", 8.486),
        (26, "max_axial", 15.314),
        (26, "max_3d", 16.000),
        (26, "equivalent_sphere", 9.494),
    ],
)
def test_functional_diameter_7e(connectivity: int, method: str, expected: float) -> None:
    image = example_7e()
    mask, _ = segment(image, np.ones(image.shape, dtype=bool), connectivity=connectivity)
    assert functional_diameter(mask, SPACING, method) == pytest.approx(expected, abs=5e-4)


def test_functional_diameter_of_one_voxel_and_a_run() -> None:
    # spec 4.5: a single voxel measures one pixel, a straight run of n voxels n pixels.
    mask = np.zeros((3, 10, 10), dtype=bool)
    mask[1, 5, 5] = True
    assert functional_diameter(mask, (3.0, 4.0, 4.0)) == pytest.approx(4.0)
    mask[1, 5, 2:9] = True
    assert functional_diameter(mask, (3.0, 4.0, 4.0)) == pytest.approx(28.0)


def test_functional_diameter_uses_the_hull_for_large_sets() -> None:
    # A filled disc of radius 10 voxels (317 points): the hull path gives the brute-force diameter.
    mask = np.zeros((1, 25, 25), dtype=bool)
    jj, ii = np.mgrid[0:25, 0:25]
    mask[0] = (jj - 12) ** 2 + (ii - 12) ** 2 <= 100
    points = np.argwhere(mask[0]) * 2.0
    brute = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1)).max()
    assert functional_diameter(mask, (2.0, 2.0, 2.0)) == pytest.approx(brute + 2.0, abs=1e-12)


def test_totals_count_overlaps_once() -> None:
    # spec 4.7: union of the lesion masks.
    suv = np.full((2, 2, 2), 2.0)
    a = np.zeros((2, 2, 2), dtype=bool)
    b = np.zeros((2, 2, 2), dtype=bool)
    a[0] = True
    b[0, 0] = True
    b[1, 1, 1] = True
    mtv, tlg = totals(suv, [a, b], VOXEL_ML)
    assert mtv == pytest.approx(5 * VOXEL_ML)
    assert tlg == pytest.approx(10 * VOXEL_ML)


def test_percist_measurability_threshold_examples() -> None:
    # spec 5.5: liver 1.80 / 0.25 -> 3.20.
    assert percist_threshold(1.80, 0.25) == pytest.approx(3.20)


# --- Reference regions (spec 5) ---------------------------------------------------------------------


def _geometry(shape: tuple, spacing_xyz: tuple) -> Geometry:
    return Geometry(
        shape=shape,
        spacing=spacing_xyz,
        origin=np.zeros(3),
        direction=np.eye(3),
        slice_positions=np.arange(shape[0]) * spacing_xyz[2],
    )


@pytest.mark.parametrize(("spacing", "voxels", "volume"), [(4.0, 251, 16.06), (2.0, 1791, 14.33)])
def test_liver_sphere_voxel_counts(spacing: float, voxels: int, volume: float) -> None:
    # spec 5.1: 251 voxels = 16.06 ml at 4 mm, 1791 voxels = 14.33 ml at 2 mm (centre rule, r = 15 mm).
    n = int(60 / spacing)
    geometry = _geometry((n, n, n), (spacing,) * 3)
    image = np.ones((n, n, n))
    centre = geometry.index_to_lps((n // 2, n // 2, n // 2))
    region = reference_region(image, geometry, centre, kind="liver")
    assert region.voxel_count == voxels
    assert region.volume_ml == pytest.approx(volume, abs=0.005)


@pytest.mark.parametrize(("spacing_xyz", "voxels"), [((4.0, 4.0, 4.0), 25), ((4.07, 4.07, 3.27), 35)])
def test_blood_pool_cylinder_voxel_counts(spacing_xyz: tuple, voxels: int) -> None:
    # spec 5.2: 25 voxels at 4 mm (5 per slice x 5 slices), 35 at 3.27 x 4.07 x 4.07 (5 x 7).
    geometry = _geometry((20, 20, 20), spacing_xyz)
    region = reference_region(
        np.ones((20, 20, 20)), geometry, (10, 10, 10), kind="blood_pool", centre_is_index=True
    )
    assert region.voxel_count == voxels


def test_liver_mean_and_population_sd() -> None:
    # ddof = 0 (spec 5.1): two values 1 and 3 in equal numbers -> mean 2, SD 1.
    geometry = _geometry((15, 15, 15), (4.0, 4.0, 4.0))
    image = np.where(np.indices((15, 15, 15))[2] % 2 == 0, 1.0, 3.0)
    region = reference_region(image, geometry, (7, 7, 7), centre_is_index=True)
    values = image[np.sum(((np.indices((15, 15, 15)).T - 7) * 4.0) ** 2, axis=-1).T <= 225]
    assert region.mean == pytest.approx(values.mean())
    assert region.sd == pytest.approx(values.std(ddof=0))


def test_liver_sphere_outside_the_image_is_refused() -> None:
    geometry = _geometry((10, 10, 10), (4.0, 4.0, 4.0))
    with pytest.raises(InputError, match="outside the image") as raised:
        reference_region(np.ones((10, 10, 10)), geometry, (2, 5, 5), centre_is_index=True)
    assert raised.value.column == "centre" and "the liver region" in raised.value.message
    # exactly fitting: centre index 3.75 along k keeps every voxel within 15 mm inside the grid
    region = reference_region(np.ones((10, 10, 10)), geometry, (4, 4.5, 4.5), centre_is_index=True)
    assert not math.isnan(region.mean)


def test_organ_mask_warning() -> None:
    from ioresponse.pet.reference import ReferenceWarning

    geometry = _geometry((12, 12, 12), (4.0, 4.0, 4.0))
    organ = np.zeros((12, 12, 12), dtype=bool)
    organ[:6] = True
    with pytest.warns(ReferenceWarning, match="organ mask"):
        reference_region(np.ones((12, 12, 12)), geometry, (6, 6, 6), centre_is_index=True, organ_mask=organ)
