"""``pet quantify``'s ``segmentation`` column names the whole setting, threshold included (spec/pet.md 4.2,
4.5: "The same mask (same method and threshold) MUST be used at all scans of a patient"), so that a PET
table whose scans were segmented at two absolute SUV thresholds is refused (io.pet_table.ONE_PER_PATIENT),
as one segmented at two fractions of SUVmax is (tests/io/test_s19_pet_settings.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ioresponse.io.dicom import Geometry
from ioresponse.io.pet_table import validate_pet_table
from ioresponse.pet import SUVVolume, quantify
from ioresponse.schema import InputError


def _scan(absolute: float) -> pd.DataFrame:
    # one lesion: SUVbw 1, 4, 5, 6, 1 along i in a 3 x 3 x 7 box of 4 mm voxels (spec 4.2 "absolute")
    image = np.ones((3, 3, 7))
    image[1, 1, 2:5] = [4.0, 5.0, 6.0]
    geometry = Geometry(shape=image.shape, spacing=(4.0, 4.0, 4.0), origin=np.zeros(3), direction=np.eye(3),
                        slice_positions=np.arange(image.shape[0]) * 4.0)
    volume = SUVVolume.from_array(image, geometry, conversions={"lbm": 0.5})
    voi = {"1": np.ones(image.shape, dtype=bool)}
    return quantify(volume, voi, segmentation="absolute", absolute=absolute)


def test_the_absolute_threshold_is_part_of_the_setting():
    # SUV >= 2.5 keeps 4, 5, 6 (3 voxels); SUV >= 4.5 keeps 5, 6 (2 voxels): two masks, two settings
    low, high = _scan(2.5).iloc[0], _scan(4.5).iloc[0]
    assert low["mtv_ml"] == pytest.approx(3 * 0.064) and high["mtv_ml"] == pytest.approx(2 * 0.064)
    assert low["segmentation"].startswith("absolute 2.5 (bw),")
    assert high["segmentation"].startswith("absolute 4.5 (bw),")


def test_scans_segmented_at_two_absolute_thresholds_are_refused():
    rows = []
    for day, absolute in ((-3, 2.5), (56, 4.5)):
        row = _scan(absolute).iloc[0].to_dict()
        rows.append(row | {"patient_id": "P1", "day": day, "lesion_id": "L1", "role": "target"})
    with pytest.raises(InputError, match="from another mask") as refused:
        validate_pet_table(pd.DataFrame(rows))
    assert refused.value.column == "segmentation" and refused.value.rows == [3]  # the day-56 row
