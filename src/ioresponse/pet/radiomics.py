"""Radiomics features of PET lesions through pyradiomics (optional extra ``ioresponse[radiomics]``).

Source: van Griethuysen JJM et al. Computational radiomics system to decode the radiographic phenotype.
Cancer Res 2017;77:e104-e107, doi:10.1158/0008-5472.CAN-17-0339 (pyradiomics; installed as the
``pyradiomics-bhklab`` distribution). DESIGN.md: a thin adapter, no home-made radiomics. The image is the
SUV volume in the normalisation chosen by the caller; masks are the lesion VOIs on the PET grid.

Features keep pyradiomics' names, settings and definitions, which differ from the IBSI reference manual
(Zwanenburg A et al. Radiology 2020;295:328-338, doi:10.1148/radiol.2020191145; chapter "Image features",
https://ibsi.readthedocs.io/en/latest/03_Image_features.html) in two places:

- ``original_firstorder_Kurtosis`` is Pearson's kurtosis m4 / m2^2: IBSI (excess) kurtosis IPH6 + 3
  (IBSI digital phantom: 2.645 here, -0.355 in IBSI);
- ``original_shape_MajorAxisLength``, ``MinorAxisLength`` and ``LeastAxisLength`` use the population
  covariance of the N voxel centres (divided by N): IBSI's axis lengths (TDIC, P9VJ, 7J51) times
  sqrt((N - 1) / N) (phantom, N = 74: minor 9.245 here, 9.31 in IBSI). Elongation and flatness, ratios,
  are the same.

Grey levels are discretised with pyradiomics' default fixed bin width 25 (in SUV: a lesion whose voxels all
stay below SUV 25 falls in one bin); IBSI computes its digital phantom without discretisation, i.e. with
bin width 1: ``settings={"binWidth": 1}``. Choose the bin width for the SUV range of the study.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ioresponse.pet.suv import Normalization, SUVVolume
from ioresponse.schema import InputError

if TYPE_CHECKING:
    import SimpleITK as sitk  # noqa: N813
    from radiomics.featureextractor import RadiomicsFeatureExtractor

INSTALL_HINT = "pip install 'ioresponse[radiomics]'  (installs pyradiomics-bhklab)"
"""How to get the optional dependency."""


def _extractor(
    settings: Mapping[str, Any] | None, feature_classes: Mapping[str, list[str]] | None
) -> RadiomicsFeatureExtractor:
    try:
        from radiomics import featureextractor
    except ImportError:
        raise InputError("<radiomics>", [], None, f"pyradiomics is not installed; {INSTALL_HINT}.") from None
    extractor = featureextractor.RadiomicsFeatureExtractor(**dict(settings or {}))
    if feature_classes is not None:
        extractor.disableAllFeatures()
        extractor.enableFeaturesByName(**{name: list(features) for name, features in feature_classes.items()})
    return extractor


def _image(values: np.ndarray, suv: SUVVolume) -> sitk.Image:
    import SimpleITK as sitk  # noqa: N813

    image = sitk.GetImageFromArray(values)
    image.SetSpacing(tuple(float(s) for s in suv.geometry.spacing))
    image.SetOrigin(tuple(float(o) for o in suv.geometry.origin))
    image.SetDirection(tuple(float(d) for d in np.asarray(suv.geometry.direction).ravel()))
    return image


def radiomics_features(
    suv: SUVVolume,
    labels: Mapping[str, np.ndarray],
    *,
    normalization: Normalization = "bw",
    settings: Mapping[str, Any] | None = None,
    feature_classes: Mapping[str, list[str]] | None = None,
) -> pd.DataFrame:
    """One row per lesion with the pyradiomics features of its VOI.

    Parameters
    ----------
    suv : SUVVolume
    labels : mapping of str to boolean array
        Lesion VOIs on the PET grid.
    normalization : {"bw", "lbm", "bsa", "ibw", "auto"}, default "bw"
        The SUV image the features are computed on.
    settings : mapping, optional
        pyradiomics extractor settings (e.g. ``{"binWidth": 0.25}``); default pyradiomics' own (bin width
        25, see the module docstring; the IBSI digital phantom is computed with ``{"binWidth": 1}``).
    feature_classes : mapping, optional
        Enabled features by class (e.g. ``{"firstorder": ["Maximum", "Mean"]}``); default: pyradiomics' own.

    Returns
    -------
    pandas.DataFrame
        ``lesion_id`` then one column per feature (pyradiomics names, diagnostics dropped).

    Raises
    ------
    InputError
        When pyradiomics is not installed (with the install command).
    """
    extractor = _extractor(settings, feature_classes)
    image = _image(suv.as_normalization(normalization), suv)
    rows = []
    for lesion_id, voi in labels.items():
        mask = _image(np.asarray(voi, dtype=np.uint8), suv)
        features = extractor.execute(image, mask, label=1)
        row = {"lesion_id": str(lesion_id)}
        row.update(
            {
                name: float(np.asarray(value))
                for name, value in features.items()
                if not name.startswith("diagnostics_")
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)
