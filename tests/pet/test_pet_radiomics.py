"""The pyradiomics adapter (optional extra): first-order features equal numpy's, one row per lesion."""

from __future__ import annotations

import builtins
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from _pet_synthetic import sphere_phantom, write_series

from ioresponse.pet import read_suv
from ioresponse.pet.radiomics import radiomics_features
from ioresponse.schema import InputError

HAS_PYRADIOMICS = importlib.util.find_spec("radiomics") is not None


@pytest.mark.skipif(
    not HAS_PYRADIOMICS, reason="pyradiomics-bhklab is not installed (optional extra 'radiomics')"
)
def test_first_order_features_per_lesion(tmp_path: Path) -> None:
    truth = sphere_phantom((9, 12, 12), (4, 6, 6), 8.0, (4.0, 4.0, 4.0), 6.0, 1.0)
    write_series(tmp_path / "s", truth * 1000.0, {"Units": "BQML", "DecayCorrection": "ADMIN"})
    volume = read_suv(tmp_path / "s", "bw")
    voi = truth > 3
    other = np.zeros(voi.shape, dtype=bool)
    other[0:2, 0:3, 0:3] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = radiomics_features(
            volume, {"sphere": voi, "corner": other}, feature_classes={"firstorder": ["Maximum", "Mean"]}
        )
    assert table["lesion_id"].tolist() == ["sphere", "corner"]
    row = table.set_index("lesion_id").loc["sphere"]
    assert row["original_firstorder_Maximum"] == pytest.approx(volume.values[voi].max(), rel=1e-6)
    assert row["original_firstorder_Mean"] == pytest.approx(volume.values[voi].mean(), rel=1e-6)


def test_missing_pyradiomics_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real_import = builtins.__import__

    def no_radiomics(name: str, *args, **kwargs):
        if name == "radiomics" or name.startswith("radiomics."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    write_series(tmp_path / "s", np.full((2, 4, 4), 1000.0), {"DecayCorrection": "ADMIN"})
    volume = read_suv(tmp_path / "s", "bw")
    monkeypatch.setattr(builtins, "__import__", no_radiomics)
    with pytest.raises(InputError, match="pyradiomics is not installed") as raised:
        radiomics_features(volume, {"a": np.ones((2, 4, 4), dtype=bool)})
    assert "ioresponse[radiomics]" in raised.value.message
