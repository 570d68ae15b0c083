"""SULpeak and IBSI peaks: kernel tables of spec 3.3, worked example 7(d), the IBSI digital phantom (3.8)."""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import numpy as np
import pytest

from ioresponse.io.nifti import read_nifti, read_nifti_labels
from ioresponse.pet import peak, sphere_kernel
from ioresponse.pet.peak import PeakWarning, sphere_radius_mm

PHANTOM = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ibsi_phantom"


def test_sphere_of_1_ml_has_radius_6_2035_mm() -> None:
    assert sphere_radius_mm(1.0) == pytest.approx(6.2035, abs=5e-5)  # spec 3.1


# spec 3.3, centre-rule kernel sizes for r = 6.2035 mm.
@pytest.mark.parametrize(
    ("spacing_zyx", "voxels", "volume_ml"),
    [
        ((4, 4, 4), 19, 1.216),
        ((3, 3, 3), 33, 0.891),
        ((2, 2, 2), 123, 0.984),
        ((3.27, 4.07, 4.07), 19, 1.029),
        ((2.0, 2.73, 2.73), 67, 0.999),
        ((5, 4, 4), 11, 0.880),
        ((1, 1, 1), 1021, 1.021),
    ],
)
def test_centre_rule_kernel_sizes(spacing_zyx: tuple, voxels: int, volume_ml: float) -> None:
    kernel = sphere_kernel(tuple(float(s) for s in spacing_zyx), "centre")
    assert int(kernel.sum()) == voxels
    assert kernel.sum() * np.prod(spacing_zyx) / 1000 == pytest.approx(volume_ml, abs=5e-4)


def test_fractional_kernel_weights_at_4_mm() -> None:
    # spec 3.3 table (n = 20, counts out of 8000): centre 8000, face 7872, edge 4608, corner 1712, (0,0,2) 96.
    kernel = sphere_kernel((4.0, 4.0, 4.0), "fractional", 20)
    centre = np.asarray(kernel.shape) // 2
    counts = {
        (0, 0, 0): 8000,
        (0, 0, 1): 7872,
        (0, 1, 1): 4608,
        (1, 1, 1): 1712,
        (0, 0, 2): 96,
        (0, 1, 2): 0,
        (0, 0, 3): 0,
    }
    for offset, count in counts.items():
        assert round(kernel[tuple(centre + np.asarray(offset))] * 8000) == count
    assert np.count_nonzero(kernel) == 33
    assert kernel.sum() == pytest.approx(15.6, abs=1e-9)
    assert kernel.sum() * 64 / 1000 == pytest.approx(0.9984, abs=1e-9)


@pytest.mark.parametrize(("spacing", "volume_ml"), [((3.27, 4.07, 4.07), 0.9994), ((2.0, 2.0, 2.0), 0.9996)])
def test_fractional_kernel_is_close_to_1_ml_on_any_grid(spacing: tuple, volume_ml: float) -> None:
    kernel = sphere_kernel(spacing, "fractional", 20)
    assert kernel.sum() * np.prod(spacing) / 1000 == pytest.approx(volume_ml, abs=1e-4)  # spec 3.3


def _example_7d() -> tuple[np.ndarray, np.ndarray]:
    """spec 7(d): 7 x 7 x 7 of 1.0, A = 10 at (2,2,2), B = 8 at (4,4,4) with six face neighbours 6."""
    image = np.ones((7, 7, 7))
    image[2, 2, 2] = 10.0
    image[4, 4, 4] = 8.0
    for axis in range(3):
        for step in (-1, 1):
            index = [4, 4, 4]
            index[axis] += step
            image[tuple(index)] = 6.0
    mask = np.zeros_like(image, dtype=bool)
    mask[2:5, 2:5, 2:5] = True
    return image, mask


SPACING_4MM = (4.0, 4.0, 4.0)


@pytest.mark.parametrize(
    ("placement", "weighting", "value", "centre"),
    [
        ("local", "centre", 1.473684, (2, 2, 2)),  # 28 / 19
        ("global", "centre", 2.947368, (4, 4, 4)),  # 56 / 19
        ("local", "fractional", 1.576923, (2, 2, 2)),  # 24.6 / 15.6
        ("global", "fractional", 3.341026, (4, 4, 4)),  # 52.12 / 15.6
    ],
)
def test_worked_example_7d(placement: str, weighting: str, value: float, centre: tuple) -> None:
    image, mask = _example_7d()
    result = peak(image, mask, SPACING_4MM, placement=placement, weighting=weighting)
    assert result.value == pytest.approx(value, abs=1e-6)
    assert result.centre_index == centre
    assert not result.truncated_by_image_edge


def test_worked_example_7d_require_inside_mask() -> None:
    image, mask = _example_7d()
    centre_rule = peak(image, mask, SPACING_4MM, weighting="centre", require_inside_mask=True)
    assert centre_rule.value == pytest.approx(34 / 19, abs=1e-9)  # 1.789474 at (3,3,3)
    assert centre_rule.centre_index == (3, 3, 3)
    with pytest.warns(PeakWarning, match="smaller than the peak sphere"):
        fractional = peak(image, mask, SPACING_4MM, weighting="fractional", require_inside_mask=True)
    assert math.isnan(fractional.value)


def test_global_peak_competitor_of_7d_is_lower() -> None:
    # spec 7(d): competitor (3,4,4) has 51/19 (centre rule) and 39.068/15.6 (fractional);
    # restrict the mask to it.
    image, _ = _example_7d()
    single = np.zeros(image.shape, dtype=bool)
    single[3, 4, 4] = True
    assert peak(image, single, SPACING_4MM, weighting="centre").value == pytest.approx(51 / 19, abs=1e-9)
    assert peak(image, single, SPACING_4MM, weighting="fractional").value == pytest.approx(
        39.068 / 15.6, abs=1e-9
    )


def test_box_correlation_equals_gather() -> None:
    # spec 8.2 step 3: the gather and the box correlation give the same values (1e-12 relative).
    peak_module = importlib.import_module("ioresponse.pet.peak")
    rng = np.random.default_rng(5)
    image = rng.gamma(2.0, 1.0, size=(30, 30, 30))
    mask = np.zeros(image.shape, dtype=bool)
    mask[5:25, 4:26, 3:27] = rng.random((20, 22, 24)) > 0.3
    mask[0, 0, 0] = True  # a candidate at the image corner (edge rule of spec 3.4)
    kernel = sphere_kernel((3.0, 2.5, 2.5), "fractional", 20)
    candidates = np.argwhere(mask)
    direct = peak_module._gather(image, candidates, kernel)
    boxed = peak_module._means_at(image, mask, candidates, kernel)
    assert np.allclose(direct[0] / direct[1], boxed[0] / boxed[1], rtol=1e-12, atol=0)


def test_ties_prefer_higher_centre_then_c_order() -> None:
    # spec 3.6: two identical hot spots -> the first in C order.
    image = np.ones((9, 9, 9))
    image[2, 2, 2] = image[6, 6, 6] = 5.0
    mask = np.zeros(image.shape, dtype=bool)
    mask[2, 2, 2] = mask[6, 6, 6] = True
    assert peak(image, mask, SPACING_4MM, placement="local").centre_index == (2, 2, 2)


def test_edge_voxels_are_excluded_not_zero_padded() -> None:
    # spec 3.4: a uniform image has peak 1.0 even at its corner (zero padding would lower it).
    image = np.ones((5, 5, 5))
    mask = np.zeros(image.shape, dtype=bool)
    mask[0, 0, 0] = True
    result = peak(image, mask, SPACING_4MM)
    assert result.value == pytest.approx(1.0, abs=1e-12)
    assert result.truncated_by_image_edge


def test_ibsi_digital_phantom_peaks() -> None:
    # IBSI reference manual, digital phantom benchmark (Zwanenburg 2020; spec 3.8): intensity maximum 6,
    # mean 2.15 (reference values are given to 3 significant digits), local intensity peak 2.6, global 3.1;
    # spec 3.8 states this algorithm gives 2.6000 / 3.1034.
    image, geometry = read_nifti(PHANTOM / "phantom.nii.gz")
    mask, _ = read_nifti_labels(PHANTOM / "mask.nii.gz", geometry)
    roi = mask > 0
    assert image[roi].max() == 6
    assert round(float(image[roi].mean()), 2) == 2.15
    local = peak(image, roi, geometry.spacing_zyx, placement="local", weighting="centre")
    global_ = peak(image, roi, geometry.spacing_zyx, placement="global", weighting="centre")
    assert round(local.value, 1) == 2.6
    assert round(global_.value, 1) == 3.1
    assert local.value == pytest.approx(2.6000, abs=5e-5)
    assert global_.value == pytest.approx(3.1034, abs=5e-5)


def test_ibsi_peaks_in_one_pass_equal_the_two_placements() -> None:
    # spec 3.2: IBSI local (VJGA) and global (0F91) peaks; 7(d) centre rule: 28/19 and 56/19.
    from ioresponse.pet.peak import ibsi_peaks

    image, mask = _example_7d()
    local, global_ = ibsi_peaks(image, mask, SPACING_4MM)
    assert local == pytest.approx(28 / 19, abs=1e-12)
    assert global_ == pytest.approx(56 / 19, abs=1e-12)
