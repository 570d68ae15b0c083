"""Measurability at baseline read from the best-response table (the ORR/DCR denominator).

spec/patterns.md 7: denominator option ``population: "measurable_at_baseline" (default) | "all_treated"``.
Measurable at baseline: a target lesion (RECIST 1.1 sec. 3.1, spec/anatomic.md 1.2; a non-target-only
baseline sums to 0); PERCIST family: the baseline hottest SULpeak reaches T (spec/metabolic.md 5.3, 9.3,
6.3; imPERCIST: S_bl of the lesions at or above T, 8.3); PERCIMT: no requirement (7.3).

Every criterion writes the baseline value on its best-response rows (``baseline_sum``; the PERCIST family
also ``measurability_threshold``), so that a patient without follow-up, who has no timepoint row, is
checked too. A best-response table without ``baseline_sum`` (an older version's, or one built by hand)
falls back to the timepoint rows, where such a patient is ``not_checked``.

Every expected value is hand arithmetic written beside the assertion; the tables are typed here and run
through the public API (``ioresponse.assess``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.cohort import response_rates
from ioresponse.schema import BEST_RESPONSE_COLUMNS, IoresponseWarning

ANATOMIC = ("recist11", "irrc", "irrecist", "irecist", "imrecist")
METABOLIC = ("eortc", "percist", "pecrit", "percimt", "impercist", "ipercist")

COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm",
           "short_axis_mm", "perpendicular_mm", "status"]


def _mm(text: str) -> float:
    return np.nan if text == "-" else float(text)


def lesions(text: str) -> pd.DataFrame:
    """Rows ``patient day lesion role organ long [perpendicular] status`` (non-nodal lesions; "-" is an
    empty measurement). Without a perpendicular diameter the lesion is square (irRC product = long^2)."""
    rows = []
    for line in text.strip().splitlines():
        parts = line.split()
        patient, day, lesion, role, organ, long_mm = parts[:6]
        perpendicular = parts[6] if len(parts) == 8 else long_mm
        rows.append((patient, int(day), lesion, role, organ, False, _mm(long_mm), np.nan, _mm(perpendicular),
                     parts[-1]))
    return pd.DataFrame(rows, columns=COLUMNS)


def assess(data: pd.DataFrame, criteria: tuple[str, ...]) -> ioresponse.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(data, criteria=criteria, patterns=False)


def rates(best: pd.DataFrame, timepoints: pd.DataFrame | None) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return response_rates(best, timepoints=timepoints).set_index("criterion")


# M1: two targets 50 x 40 and 30 x 20 mm -> 30 x 20 and 20 x 10 on day 56: sum 80 -> 50 mm (-37.5 %: PR).
# M2: 50 -> 65 mm on day 56 (+30 %, +15 mm: PD). M3: one target 50 mm, no follow-up.
# N1: non-target disease only, re-imaged on day 56. N2: non-target disease only, no follow-up.
ANATOMIC_COHORT = """
M1 -7 T1 target liver 50 40 present
M1 -7 T2 target lung 30 20 present
M1 56 T1 target liver 30 20 present
M1 56 T2 target lung 20 10 present
M2 -7 T1 target liver 50 present
M2 56 T1 target liver 65 present
M3 -7 T1 target liver 50 present
N1 -7 NT1 non_target bone - present
N1 56 NT1 non_target bone - present
N2 -7 NT1 non_target bone - present
"""


@pytest.fixture(scope="module")
def anatomic() -> ioresponse.Result:
    return assess(lesions(ANATOMIC_COHORT), ANATOMIC)


@pytest.mark.parametrize("criterion", ["recist11", "irecist"])
def test_non_target_only_patient_without_follow_up_is_excluded(anatomic, criterion):
    # Measurable (a target at baseline): M1, M2, M3 -> n = 3. Not measurable: N1 and N2 (baseline sum 0),
    # N2 although it has no timepoint row -> excluded = 2, not_checked = 0. Responders: M1 (PR / iPR) -> 1.
    row = rates(anatomic.best_response, anatomic.timepoints).loc[criterion]
    assert row["population"] == "measurable_at_baseline"
    assert (row["n"], row["excluded"], row["not_checked"], row["responders"]) == (3, 2, 0, 1)
    # ORR 1/3
    assert row["orr"] == pytest.approx(1 / 3)
    best = anatomic.best_response[anatomic.best_response["criterion"] == criterion].set_index("patient_id")
    # baseline sums read from the baseline: N2 0 mm (no target), M3 50 mm (its one target)
    assert (best.loc["N2", "baseline_sum"], best.loc["M3", "baseline_sum"]) == (0.0, 50.0)


def test_best_response_table_is_enough_for_the_denominator(anatomic):
    # The best-response rows carry the baseline: without the timepoint table the same patients are checked,
    # with no warning. recist11: n = 3, excluded = 2, not_checked = 0 (as above).
    with warnings.catch_warnings():
        warnings.simplefilter("error", IoresponseWarning)
        row = response_rates(anatomic.best_response).set_index("criterion").loc["recist11"]
    assert (row["n"], row["excluded"], row["not_checked"]) == (3, 2, 0)


def test_old_style_best_response_table_falls_back_to_the_timepoints(anatomic):
    # Without baseline_sum (the schema columns only) the baseline is read from the timepoint rows:
    # M1, M2 measurable (80 and 50 mm), N1 not measurable (0 mm) -> excluded 1; M3 and N2 have no timepoint
    # row -> not_checked 2, kept: n = 2 + 2 = 4, responders 1 (M1).
    old = anatomic.best_response[list(BEST_RESPONSE_COLUMNS)]
    row = rates(old, anatomic.timepoints).loc["recist11"]
    assert (row["n"], row["excluded"], row["not_checked"], row["responders"]) == (4, 1, 2, 1)
    # and without the timepoint table no patient is checked (all 5 not_checked), with a warning
    with pytest.warns(IoresponseWarning, match="baseline_sum"):
        row = response_rates(old).set_index("criterion").loc["recist11"]
    assert (row["n"], row["excluded"], row["not_checked"]) == (5, 0, 5)


# PET: liver 2.0 / SD 0.25 -> T = 1.5 x 2.0 + 2 x 0.25 = 3.5 (spec 5.3). Uptake 60 min.
# A: L1 SULpeak 8.0 (SUVmax 10) and L2 4.0 (SUVmax 5) at baseline; day 56: 5.6 and 2.8.
#    PERCIST: hottest 8.0 -> 5.6, -30 % and -2.4 SUL: PMR.
# B: one lesion, SULpeak 3.0 < T, no follow-up. C: one lesion, SULpeak 4.0 >= T, no follow-up.
def pet_rows(recist_at_56: str) -> pd.DataFrame:
    lesions_by_scan = [
        ("A", -7, "L1", "liver", 10.0, 8.0, 0), ("A", -7, "L2", "lung", 5.0, 4.0, 0),
        ("A", 56, "L1", "liver", 7.0, 5.6, 2), ("A", 56, "L2", "lung", 3.5, 2.8, 2),
        ("B", -7, "L1", "liver", 4.0, 3.0, 0),
        ("C", -7, "L1", "liver", 5.0, 4.0, 0),
    ]
    rows = [{"patient_id": p, "day": d, "lesion_id": i, "role": "target", "organ": o, "suvmax": suv,
             "sulpeak": sul, "tlg": 50.0, "functional_diameter_mm": 20.0, "status": "present",
             "uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25, "cycles_before_scan": cycles,
             "recist_response": recist_at_56 if d == 56 else ""}
            for p, d, i, o, suv, sul, cycles in lesions_by_scan]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("criterion", ["percist", "ipercist", "impercist"])
def test_percist_patient_without_follow_up_below_threshold_is_excluded(criterion):
    # A (hottest 8.0 >= 3.5) and C (4.0 >= 3.5) measurable -> n = 2; B (3.0 < 3.5) excluded although it has
    # no follow-up -> excluded 1, not_checked 0. Responders: A (PMR; imPERCIST: S_bl 8.0 + 4.0 = 12.0 ->
    # 5.6 + 2.8 = 8.4, -30 %: PMR) -> 1, ORR 1/2.
    result = assess(pet_rows("SD"), (criterion,))
    row = rates(result.best_response, result.timepoints).loc[criterion]
    assert (row["n"], row["excluded"], row["not_checked"], row["responders"]) == (2, 1, 0, 1)
    best = result.best_response.set_index("patient_id")
    assert best.loc["B", "measurability_threshold"] == pytest.approx(3.5)  # T = 3.0 + 0.5


def test_pecrit_denominator_reads_the_baseline_whatever_branch_decided():
    # PECRIT measurability is PERCIST's (spec 6.3). A: RECIST 1.1 PR at day 56 -> clinical benefit without
    # the PET (6.5), so its timepoint row carries no baseline value; the best-response row does: hottest
    # 8.0 >= 3.5, measurable. C measurable (4.0), B not (3.0). -> n = 2, excluded 1, not_checked 0;
    # disease control (clinical benefit) A -> 1 of 2.
    result = assess(pet_rows("PR"), ("pecrit",))
    row = rates(result.best_response, result.timepoints).loc["pecrit"]
    assert (row["n"], row["excluded"], row["not_checked"], row["disease_control"]) == (2, 1, 0, 1)
    assert math.isnan(row["orr"])  # PECRIT has no response categories (spec 6.5)


def test_percimt_patient_is_always_counted():
    # PERCIMT has no measurability requirement (spec 7.3): A, B (SULpeak 3.0 < T) and C all count, n = 3,
    # excluded 0, not_checked 0; its best-response baseline_sum is empty (no uptake sum, 7.2).
    result = assess(pet_rows("SD"), ("percimt",))
    row = rates(result.best_response, result.timepoints).loc["percimt"]
    assert (row["n"], row["excluded"], row["not_checked"]) == (3, 0, 0)
    assert result.best_response["baseline_sum"].isna().all()


# Hand values of the baseline sum of M1 (anatomic) and A (PET, recist_response SD so that PECRIT's SULpeak
# branch fills its timepoint row):
# RECIST 1.1, irRECIST, iRECIST, imRECIST: 50 + 30 = 80 mm; irRC: 50 x 40 + 30 x 20 = 2600 mm2;
# EORTC (SUVmax sum of the tracked targets): 10 + 5 = 15; PERCIST, iPERCIST, PECRIT: hottest SULpeak 8.0;
# imPERCIST: S_bl = 8.0 + 4.0 = 12.0 (both >= T = 3.5); PERCIMT: none (NaN).
BASELINE_BY_HAND = {"recist11": 80.0, "irrc": 2600.0, "irrecist": 80.0, "irecist": 80.0, "imrecist": 80.0,
                    "eortc": 15.0, "percist": 8.0, "pecrit": 8.0, "percimt": np.nan, "impercist": 12.0,
                    "ipercist": 8.0}


@pytest.fixture(scope="module")
def metabolic() -> ioresponse.Result:
    return assess(pet_rows("SD"), METABOLIC)


@pytest.mark.parametrize("criterion", [*ANATOMIC, *METABOLIC])
def test_best_response_baseline_sum_equals_the_timepoint_rows(anatomic, metabolic, criterion):
    result, patient = (anatomic, "M1") if criterion in ANATOMIC else (metabolic, "A")
    best = result.best_response
    best = best[(best["criterion"] == criterion) & (best["patient_id"] == patient)]
    timepoints = result.timepoints
    timepoints = timepoints[(timepoints["criterion"] == criterion) & (timepoints["patient_id"] == patient)]
    assert len(best) == 1 and len(timepoints) == 1
    expected = BASELINE_BY_HAND[criterion]
    np.testing.assert_equal(best["baseline_sum"].iloc[0], expected)
    np.testing.assert_equal(timepoints["baseline_sum"].iloc[0], expected)
    if criterion in ("percist", "ipercist", "impercist", "pecrit"):  # T = 1.5 x 2.0 + 2 x 0.25 = 3.5
        assert best["measurability_threshold"].iloc[0] == timepoints["measurability_threshold"].iloc[0] == 3.5
