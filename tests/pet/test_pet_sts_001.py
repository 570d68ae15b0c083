"""The real GE series shared/data/pet_sts_001 with its RTSTRUCT: spec/pet.md worked example 7(k)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage
from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.pet import LESION_COLUMNS, SUVVolume, quantify, read_labels, read_suv

STS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "pet_sts_001"


@pytest.fixture(scope="module")
def sts() -> tuple[SUVVolume, dict[str, np.ndarray]]:
    volume = read_suv(STS / "pet", "bw")
    return volume, read_labels(STS / "rtstruct" / "1-1.dcm", volume)


def test_grid_of_7k(sts) -> None:
    # 267 slices of 128 x 128, 4.6875 mm pixels, median slice spacing 3.27 mm, bed junction deviation 0.08 mm.
    volume, _ = sts
    assert volume.values.shape == (267, 128, 128)
    assert volume.spacing_mm == pytest.approx((3.27, 4.6875, 4.6875), abs=1e-9)
    assert volume.provenance["max_slice_gap_deviation_mm"] == pytest.approx(0.08, abs=1e-6)
    assert np.allclose(volume.direction, np.eye(3))


def test_suv_factors_of_7k(sts) -> None:
    # F_bw = 2.4290298e-4 g/Bq; SUL factors 1.8410764e-4 (James) and 1.8082920e-4 (Janmahasatian) g/Bq;
    # LBM James 53.814253 kg, Janmahasatian 52.855973 kg; reference = SeriesTime (rule 3), uptake 2711 s.
    volume, _ = sts
    provenance = volume.provenance
    assert provenance["suv_bw_factor"] == pytest.approx(2.4290298e-4, rel=1e-6)
    assert provenance["reference_time_source"] == "series"
    assert provenance["uptake_s"] == 2711.0
    assert provenance["injected_bq"] == 3.88777472e8
    assert provenance["suv_bw_factor"] * volume.sul_factor == pytest.approx(1.8082920e-4, rel=1e-6)
    assert provenance["lbm_kg"] == pytest.approx(52.855973, rel=1e-7)
    # the GE DecayFactor cross-check (1.01268 ... 1.15077) confirms the reference: no warning
    assert provenance["warnings"] == []


def test_james_sul_factor_of_7k() -> None:
    from ioresponse.io.dicom import read_datasets
    from ioresponse.pet import compute_suv_factors, lean_body_mass_kg
    from ioresponse.pet.suv import SuvOptions

    assert lean_body_mass_kg(71, 163, "M", "james") == pytest.approx(53.814253, rel=1e-7)
    datasets = [ds for _, ds in read_datasets(STS / "pet", stop_before_pixels=True)[:3]]
    factors = compute_suv_factors(datasets, options=SuvOptions(lbm_formula="james"))
    assert factors.bw[0] * factors.conversion("lbm") == pytest.approx(1.8410764e-4, rel=1e-6)


def test_rtstruct_planes_of_7k(sts) -> None:
    # GTV_Mass: 32 contours on 31 planes, GTV_Edema 43 planes; every plane on a PET slice.
    _, masks = sts
    assert list(masks) == ["GTV_Mass", "GTV_Edema"]
    assert int(masks["GTV_Mass"].any(axis=(1, 2)).sum()) == 31
    assert int(masks["GTV_Edema"].any(axis=(1, 2)).sum()) == 43


def test_two_contour_plane_of_gtv_mass(sts) -> None:
    # spec 7(k): the plane z = -743.96 mm holds two disjoint polygons: 13 + 2 voxels.
    volume, masks = sts
    k = int(np.argmin(np.abs(volume.geometry.slice_positions - (-743.96))))
    assert abs(volume.geometry.slice_positions[k] - (-743.96)) < 0.01
    components, count = ndimage.label(masks["GTV_Mass"][k], structure=np.ones((3, 3)))
    assert count == 2
    assert sorted(np.bincount(components.ravel())[1:].tolist()) == [2, 13]


def test_mask_lies_over_the_lesion(sts) -> None:
    # Orientation: the GTV is much hotter than the same mask mirrored left-right or front-back.
    volume, masks = sts
    gtv = masks["GTV_Mass"]
    inside = volume.values[gtv].mean()
    assert inside > 2 * volume.values[gtv[:, :, ::-1]].mean()
    assert inside > 1.3 * volume.values[gtv[:, ::-1, :]].mean()
    assert 3.0 < volume.values[gtv].max() < 30.0  # a plausible sarcoma SUVmax


def test_lesion_table(sts) -> None:
    volume, masks = sts
    table = quantify(volume, masks)
    assert tuple(table.columns[: len(LESION_COLUMNS)]) == LESION_COLUMNS
    row = table.set_index("lesion_id").loc["GTV_Mass"]
    assert row["patient_id"] == "STS_001" and row["date"] == "2000-09-07"
    assert row["suvmax"] == pytest.approx(volume.values[masks["GTV_Mass"]].max())
    assert row["uptake_min"] == pytest.approx(2711 / 60)
    assert row["normalization"] == "lbm_janmahasatian" and row["peak_method"] == "percist"
    assert row["sulmean"] == pytest.approx(row["suvmean"] * 52.855973 / 71, rel=1e-6)
    assert row["tlg"] == pytest.approx(row["mtv_ml"] * row["suvmean"], rel=1e-9)
    assert 0 < row["sulpeak"] <= row["suvmax"] * volume.sul_factor
    assert row["mtv_ml"] <= masks["GTV_Mass"].sum() * volume.geometry.voxel_ml


def test_quantify_cli_writes_the_lesion_table(tmp_path: Path) -> None:
    out = tmp_path / "lesions.csv"
    result = CliRunner().invoke(
        app,
        [
            "pet",
            "quantify",
            str(STS / "pet"),
            "--labels",
            str(STS / "rtstruct" / "1-1.dcm"),
            "--out",
            str(out),
            "--peak",
            "ibsi-global",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert tuple(table.columns[: len(LESION_COLUMNS)]) == LESION_COLUMNS
    assert table["lesion_id"].tolist() == ["GTV_Mass", "GTV_Edema"]
    assert set(table["peak_method"]) == {"ibsi-global"}


def test_lesion_table_with_ibsi_peaks(sts) -> None:
    from ioresponse.pet import peak

    volume, masks = sts
    table = quantify(volume, masks, ibsi_peaks=True).set_index("lesion_id")
    sul = volume.suvbw * volume.sul_factor
    gtv = masks["GTV_Mass"]
    local = peak(sul, gtv, volume.spacing_mm, placement="local", weighting="centre").value
    global_ = peak(sul, gtv, volume.spacing_mm, placement="global", weighting="centre").value
    assert table.loc["GTV_Mass", "ibsi_local_peak_sul"] == pytest.approx(local, rel=1e-12)
    assert table.loc["GTV_Mass", "ibsi_global_peak_sul"] == pytest.approx(global_, rel=1e-12)
