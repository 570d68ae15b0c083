"""Treatment beyond progression (cohort/beyond_progression.py) on the example of spec/patterns.md 7.5.

Lesion tables are typed by hand; the expected TBP days and outcomes are computed from the spec text in
the comments, never taken from the code's output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "criteria"))
from _lesions import lesions, study  # noqa: E402

from ioresponse.cohort.beyond_progression import subsequent_outcome, treatment_beyond_progression  # noqa: E402
from ioresponse.criteria import registry  # noqa: E402
from ioresponse.schema import InputError  # noqa: E402

# One target 50 mm. Day 56: 65 mm, +15 mm and +30 % over the nadir 50: RECIST 1.1 PD, iRECIST iUPD.
PD_ON_DAY_56 = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    65   present
{later}
"""
SHRINKS = "98  T1     target liver n    47   present"  # -6 % vs baseline 50: iSD, the iUPD is reset
GROWS = "98  T1     target liver n    72   present"  # +7 mm over the iUPD sum 65 (>= 5 mm): iCPD


def _run(later: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = lesions(PD_ON_DAY_56.format(later=later))
    table["source_row"] = range(2, len(table) + 2)
    results = [registry()[key].assess(study(table)) for key in ("recist11", "irecist")]
    return (pd.concat([r.best_response for r in results], ignore_index=True),
            pd.concat([r.timepoints for r in results], ignore_index=True))


def test_7_5_spec_example_tbp_84_days_and_irecist_pseudoprogression():
    # spec 7.5: RECIST PD day 56, last dose day 140, iRECIST iSD on day 98 -> TBP true, 140 - 56 = 84 days,
    # pseudoprogression true (iRECIST).
    best, timepoints = _run(SHRINKS)
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [140]})
    row = treatment_beyond_progression(best, timepoints, patients).iloc[0]
    assert (row["recist_pd_day"], row["treatment_end_day"]) == (56, 140)
    assert (row["tbp"], row["tbp_days"]) == ("true", 84)
    assert (row["criterion"], row["outcome"], row["outcome_day"], row["outcome_response"]) == (
        "irecist", "pseudoprogression", 98, "iSD")
    assert row["pseudoprogression"] == "true"
    assert "spec/patterns.md 7.5" in row["reason"]


def test_7_5_last_dose_date_becomes_a_day_through_treatment_start():
    # 2021-01-04 -> 2021-05-24 = 27 + 28 + 31 + 30 + 24 = 140 days: the spec example again.
    best, timepoints = _run(SHRINKS)
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2021-01-04"],
                             "treatment_end": ["2021-05-24"]})
    row = treatment_beyond_progression(best, timepoints, patients).iloc[0]
    assert (row["tbp"], row["tbp_days"]) == ("true", 84)


@pytest.mark.parametrize(("last_dose", "min_days", "tbp", "days"), [
    (56, 0, "false", 0),  # last dose on the PD day: not strictly after
    (57, 0, "true", 1),  # one day after
    (40, 0, "false", 0),  # stopped before the PD
    (69, 14, "false", 13),  # 13 days < tbp_min_days 14
    (70, 14, "true", 14),  # 14 days >= 14
])
def test_7_5_tbp_boundaries(last_dose, min_days, tbp, days):
    best, timepoints = _run(SHRINKS)
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [last_dose]})
    row = treatment_beyond_progression(best, timepoints, patients, tbp_min_days=min_days).iloc[0]
    assert (row["tbp"], row["tbp_days"]) == (tbp, days)


def test_7_5_confirmed_progression_is_not_a_pseudoprogression():
    # iUPD on day 56 confirmed as iCPD on day 98 (+7 mm over 65): outcome iCPD, pseudoprogression false.
    best, timepoints = _run(GROWS)
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [98]})
    row = treatment_beyond_progression(best, timepoints, patients).iloc[0]
    assert (row["outcome"], row["outcome_day"]) == ("confirmed_progression", 98)
    assert row["outcome_response"] == "iCPD"
    assert row["pseudoprogression"] == "false"


def test_7_5_still_iupd_at_the_last_assessment_and_no_last_dose_given():
    # Only the day-56 scan: iUPD never decided -> "still iUPD" (unconfirmed_progression), pseudoprogression
    # not_evaluable. An empty treatment_end_day (ongoing or unknown): TBP not_evaluable.
    best, timepoints = _run("")
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_end_day": [None]})
    row = treatment_beyond_progression(best, timepoints, patients).iloc[0]
    assert (row["outcome"], row["outcome_day"]) == ("unconfirmed_progression", 56)
    assert row["outcome_response"] == "iUPD"
    assert (row["pseudoprogression"], row["tbp"]) == ("not_evaluable", "not_evaluable")


def test_7_5_irrc_style_pending_pd_resolved_by_irsd_is_pseudoprogression():
    # anatomic.md 0.8: a first irPD not confirmed at the deciding scan, which is irSD: pseudoprogression; an
    # irPD whose confirmation_state is confirmed: confirmed progression.
    resolved = pd.DataFrame({"day": [56, 84], "overall_response": ["irPD", "irSD"],
                             "confirmation_state": ["not_confirmed", "not_required"]})
    confirmed = pd.DataFrame({"day": [56, 84], "overall_response": ["irPD", "irPD"],
                              "confirmation_state": ["confirmed", "confirms"]})
    assert subsequent_outcome(resolved, 56) == ("pseudoprogression", 84, "irSD")
    assert subsequent_outcome(confirmed, 56) == ("confirmed_progression", 56, "irPD")


def test_7_5_needs_the_last_dose_column():
    best, timepoints = _run(SHRINKS)
    with pytest.raises(InputError, match="treatment_end"):
        treatment_beyond_progression(best, timepoints, pd.DataFrame({"patient_id": ["P1"]}))
