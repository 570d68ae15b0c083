"""Arguments of the cohort API that the s17 docstring audit found unchecked or misread (STYLE.md 5: a table
or argument the user passes is refused with an InputError naming what is missing, never a bare KeyError)."""

from __future__ import annotations

import pandas as pd
import pytest

from ioresponse.cohort import KaplanMeierByGroup, median_split
from ioresponse.schema import InputError

DURATIONS = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4"],
                          "criterion": ["recist11"] * 2 + ["irecist"] * 2,
                          "duration_days": [100.0, 200.0, 150.0, 300.0], "event": [True, False, True, True]})


def test_median_split_without_patient_id_names_the_column():
    with pytest.raises(InputError, match="patient_id"):
        median_split(DURATIONS.drop(columns="patient_id"), pd.Series({"P1": 1.0}), "mtv")


def test_kaplan_meier_groups_given_as_one_name_is_that_column():
    # groups="criterion" is the column criterion, not the letters c, r, i, ...: two curves of two patients
    fitter = KaplanMeierByGroup().fit(DURATIONS, groups="criterion")
    assert sorted(fitter.summary["criterion"]) == ["irecist", "recist11"]
    assert fitter.summary["n"].tolist() == [2, 2]


@pytest.mark.parametrize(("landmarks", "accepted"), [((180, "365"), (180.0, 365.0)), (("6 months",), None),
                                                     ((-1,), None)])
def test_landmarks_are_days_on_study(landmarks, accepted):
    if accepted is None:
        with pytest.raises(InputError, match="is not a day on study"):
            KaplanMeierByGroup(landmarks_days=landmarks)
    else:
        assert KaplanMeierByGroup(landmarks_days=landmarks).landmarks_days == accepted
