"""ORR/DCR and exact Clopper-Pearson intervals (cohort/rates.py).

Expected interval bounds are published values, not our output:
- 5/10: the exact 95 % interval printed by R `binom.test(5, 10)` (0.1870860, 0.8129140), the usual
  reference implementation of Clopper & Pearson 1934.
- 0/10 and 10/10: the closed form of the exact interval at the boundary (Clopper & Pearson 1934),
  upper = 1 - 0.025 ** (1/10) = 0.3084971 for x = 0, and symmetrically lower = 0.6915029 for x = 10.
- 15/327: spec/patterns.md (Hodi 2016 row), "exact 95 % CI 2.59-7.45 %".
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "criteria"))
from _lesions import lesions, study  # noqa: E402

from ioresponse.cohort.rates import (  # noqa: E402
    ALL_ARMS,
    DISEASE_CONTROL_LABELS,
    RESPONDER_LABELS,
    ResponseRateFitter,
    clopper_pearson,
    measurable_at_baseline,
    rates_with_pooled_arms,
    response_rates,
)
from ioresponse.criteria import registry  # noqa: E402
from ioresponse.schema import InputError, IoresponseWarning  # noqa: E402

FOUR_DECIMALS = 5e-5


@pytest.mark.parametrize(("successes", "n", "low", "high"), [
    (0, 10, 0.0, 0.3085),
    (5, 10, 0.1871, 0.8129),
    (10, 10, 0.6915, 1.0),
])
def test_clopper_pearson_matches_published_bounds_for_n10(successes, n, low, high):
    got_low, got_high = clopper_pearson(successes, n)
    assert got_low == pytest.approx(low, abs=FOUR_DECIMALS)
    assert got_high == pytest.approx(high, abs=FOUR_DECIMALS)


def test_clopper_pearson_hodi2016_pseudoprogression_rate_of_spec_patterns():
    low, high = clopper_pearson(15, 327)
    assert (round(low * 100, 2), round(high * 100, 2)) == (2.59, 7.45)


def test_clopper_pearson_empty_cohort_has_no_interval():
    low, high = clopper_pearson(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_clopper_pearson_rejects_more_successes_than_trials():
    with pytest.raises(ValueError, match="successes <= n"):
        clopper_pearson(11, 10)


def test_responder_and_disease_control_sets_follow_each_criterion_labels():
    assert {"CR", "PR", "irCR", "irPR", "iCR", "iPR", "CMR", "PMR"} == RESPONDER_LABELS
    assert {"SD", "irSD", "iSD", "NON-CR/NON-PD", "irNON-CR/NON-PD", "NON-iCR/NON-iUPD", "SMD",
            "clinical_benefit"} == DISEASE_CONTROL_LABELS - RESPONDER_LABELS  # PECRIT: metabolic.md 6.5
    for progression in ("PD", "irPD", "iUPD", "iCPD", "PMD", "NE", "no_clinical_benefit"):
        assert progression not in DISEASE_CONTROL_LABELS


def _cohort() -> pd.DataFrame:
    # Hand-made: 10 patients in two arms under RECIST 1.1; arm A: 3 PR, 1 CR, 1 SD; arm B: 1 SD, 4 PD.
    # Confirmation turns two arm-A PRs into SD.
    best = ["PR", "PR", "PR", "CR", "SD", "SD", "PD", "PD", "PD", "PD"]
    confirmed = ["PR", "SD", "SD", "CR", "SD", "SD", "PD", "PD", "PD", "PD"]
    return pd.DataFrame({"patient_id": [f"P{i}" for i in range(10)], "reader": "",
                         "criterion": "recist11", "best_response": best, "best_response_confirmed": confirmed,
                         "arm": ["A"] * 5 + ["B"] * 5})


def test_orr_and_dcr_per_arm_on_hand_made_cohort():
    summary = response_rates(_cohort())
    assert list(summary.columns[:4]) == ["arm", "criterion", "population", "n"]
    arm_a, arm_b = summary.iloc[0], summary.iloc[1]
    assert (arm_a["arm"], arm_a["n"], arm_a["responders"], arm_a["disease_control"]) == ("A", 5, 4, 5)
    assert (arm_b["arm"], arm_b["n"], arm_b["responders"], arm_b["disease_control"]) == ("B", 5, 0, 1)
    assert arm_a["orr"] == pytest.approx(0.8)
    assert arm_b["dcr"] == pytest.approx(0.2)
    # 0/5: upper limit 1 - 0.025 ** (1/5) = 0.5218 (Clopper-Pearson closed form)
    assert arm_b["orr_ci_high"] == pytest.approx(0.5218, abs=FOUR_DECIMALS)
    assert arm_a["dcr_ci_low"] == pytest.approx(0.025 ** (1 / 5), abs=FOUR_DECIMALS)


def test_confirmed_rates_read_best_response_confirmed():
    fitter = ResponseRateFitter(confirmed=True).fit(_cohort(), groups=())
    assert fitter.summary.loc[0, "responders"] == 2
    assert fitter.summary.loc[0, "disease_control"] == 6
    assert fitter.orr_.loc["recist11"] == pytest.approx(0.2)


def test_counts_per_best_response_category():
    counts = ResponseRateFitter().fit(_cohort(), groups=()).counts_
    expected = {"CR": 1, "PD": 4, "PR": 3, "SD": 2}
    assert dict(zip(counts["best_response"], counts["n"], strict=True)) == expected


def test_empty_reader_column_does_not_split_rates():
    summary = response_rates(_cohort().drop(columns="arm"))
    assert "reader" not in summary.columns
    assert len(summary) == 1


def test_empty_best_response_table_gives_empty_summary():
    summary = response_rates(_cohort()[:0].drop(columns="arm"))
    assert summary.empty
    assert "orr_ci_low" in summary.columns


def test_missing_best_response_column_is_a_located_input_error():
    with pytest.raises(InputError, match="best_response_confirmed"):
        ResponseRateFitter(confirmed=True).fit(_cohort().drop(columns="best_response_confirmed"))


def test_plot_returns_labelled_axes():
    ax = ResponseRateFitter().fit(_cohort()).plot()
    assert "%" in ax.get_xlabel()


# --- spec/patterns.md 7.1: which best response the rates read ---------------------------------------------


def _two_criteria() -> pd.DataFrame:
    # P1 confirmed responder under both; P2 responds once, unconfirmed (RECIST PR -> SD; irRC irPR -> irSD).
    rows = [("P1", "recist11", "PR", "PR"), ("P2", "recist11", "PR", "SD"),
            ("P1", "irrc", "irPR", "irPR"), ("P2", "irrc", "irPR", "irSD")]
    columns = ["patient_id", "criterion", "best_response", "best_response_confirmed"]
    return pd.DataFrame(rows, columns=columns).assign(reader="")


def test_7_1_each_criterion_reads_its_own_column_by_default():
    # spec 7.1: best_response_confirmed "when the criterion's confirm_response is on or the criterion always
    # confirms" (irRC, anatomic.md 0.9 / 2.7), otherwise best_response (RECIST 1.1 default False, 1.7).
    # RECIST 1.1: PR, PR -> 2/2; irRC: irPR, irSD -> 1/2.
    summary = response_rates(_two_criteria(), population="all_treated").set_index("criterion")
    assert summary.loc["recist11", "response_column"] == "best_response"
    assert summary.loc["irrc", "response_column"] == "best_response_confirmed"
    assert (summary.loc["recist11", "responders"], summary.loc["irrc", "responders"]) == (2, 1)


@pytest.mark.parametrize(("confirmed", "recist", "irrc"), [(True, 1, 1), (False, 2, 2)])
def test_7_1_confirmed_option_forces_one_column_for_every_criterion(confirmed, recist, irrc):
    # True: confirmed column everywhere (RECIST PR, SD -> 1; irRC irPR, irSD -> 1);
    # False: unconfirmed column everywhere (PR, PR -> 2; irPR, irPR -> 2).
    summary = response_rates(_two_criteria(), confirmed=confirmed, population="all_treated")
    responders = summary.set_index("criterion")["responders"]
    assert (responders["recist11"], responders["irrc"]) == (recist, irrc)


def test_7_1_irrc_unconfirmed_irpr_is_not_a_response_through_the_engine():
    # anatomic.md 2.7: irPR must be confirmed >= 28 days later. Index lesion 40 x 30 = 1200 mm2 at baseline,
    # 20 x 20 = 400 mm2 on day 56 (-66.7 %, >= 50 % decrease: irPR) and no later scan: best_response irPR,
    # best_response_confirmed irSD (day 56 >= min_sd_days 42). Default irRC ORR 0/1.
    table = lesions("""
    day lesion role   organ node long perp status
    -7  T1     target liver n    40   30   present
    56  T1     target liver n    20   20   present
    """)
    table["source_row"] = range(2, len(table) + 2)
    result = registry()["irrc"].assess(study(table))
    row = response_rates(result.best_response, timepoints=result.timepoints).iloc[0]
    assert (row["n"], row["responders"], row["disease_control"]) == (1, 0, 1)


# --- spec/patterns.md 7: denominator -----------------------------------------------------------------------


def _timepoints(rows) -> pd.DataFrame:
    """Hand-typed timepoint rows: (patient, criterion, day, baseline_sum, threshold, response, after)."""
    return pd.DataFrame(rows, columns=["patient_id", "criterion", "day", "baseline_sum",
                                       "measurability_threshold", "overall_response", "after_progression"])


def test_7_measurable_at_baseline_per_family_of_criteria():
    # RECIST family: baseline sum > 0 (target lesions; non-target only gives 0). PERCIST family (metabolic.md
    # 5.3): baseline hottest SULpeak >= T = 1.5 x 2.0 + 2 x 0.25 = 3.5: 3.5 is measurable, 3.49 is not; a
    # missing threshold (no reference region) is not. PERCIMT (7.3): no measurability rule.
    rows = [("A", "recist11", 56, 50.0, np.nan, "PR", False), ("B", "recist11", 56, 0.0, np.nan, "SD", False),
            ("C", "percist", 56, 3.5, 3.5, "SMD", False), ("D", "percist", 56, 3.49, 3.5, "NE", False),
            ("E", "ipercist", 56, 5.0, np.nan, "NE", False),
            ("F", "percimt", 56, np.nan, np.nan, "SMD", False)]
    table = measurable_at_baseline(_timepoints(rows)).set_index("patient_id")["measurable_at_baseline"]
    assert table.to_dict() == {"A": True, "B": False, "C": True, "D": False, "E": False, "F": True}


def test_7_patient_without_follow_up_is_checked_from_its_best_response_baseline():
    # P1: target 50 -> 30 mm (PR). P2: baseline only: best response NE. Its best-response row carries its
    # baseline sum 50 mm > 0 (a target lesion, anatomic.md 1.2): measurable, kept as a non-responder.
    # ORR 1/2, nothing excluded, nothing left unchecked. (Before the best-response table carried
    # baseline_sum, P2 had no timepoint row to read and was counted in not_checked: the fallback for a
    # table without the column, tests/cohort/test_s16_baseline_measurability.py.)
    table = pd.concat([lesions("""
    day lesion role   organ node long status
    -7  T1     target liver n    50   present
    56  T1     target liver n    30   present
    """, patient_id="P1"), lesions("""
    day lesion role   organ node long status
    -7  T1     target liver n    50   present
    """, patient_id="P2")], ignore_index=True)
    table["source_row"] = range(2, len(table) + 2)
    result = registry()["recist11"].assess(study(table))
    row = response_rates(result.best_response, timepoints=result.timepoints).iloc[0]
    assert (row["n"], row["responders"], row["excluded"], row["not_checked"]) == (2, 1, 0, 0)


def test_7_without_timepoints_no_patient_is_checked_and_a_warning_says_so():
    with pytest.warns(IoresponseWarning, match="measurable_at_baseline"):
        row = response_rates(_cohort().drop(columns="arm")).iloc[0]
    assert (row["population"], row["n"], row["not_checked"]) == ("measurable_at_baseline", 10, 10)


def test_7_population_must_be_one_of_the_spec_choices():
    with pytest.raises(InputError, match="population"):
        ResponseRateFitter(population="per_protocol")


# --- spec/patterns.md 7.2: DCR at a landmark ----------------------------------------------------------------


def test_7_2_dcr_landmark_needs_cr_pr_or_sd_recorded_at_or_after_the_landmark():
    # Landmark 122 days (4 months). Best responses: P1 SD, P2 SD, P3 PR, P4 SD, P5 PD.
    # P1 SD on day 126 (>= 122): counts. P2 SD on day 119, PD on day 175: no control at or after 122.
    # P3 PR on day 122 exactly: counts. P4 SD on day 121 and nothing later: does not count.
    # P5 PD. Without landmark DCR = 4/5; with 122: 2/5.
    # (patient, day, response, after_progression); every baseline sum 50 mm
    calls = [("P1", 56, "SD", False), ("P1", 126, "SD", False), ("P2", 119, "SD", False),
             ("P2", 175, "PD", False), ("P3", 56, "PR", False), ("P3", 122, "PR", False),
             ("P4", 121, "SD", False), ("P5", 56, "PD", False), ("P5", 140, "SD", True)]
    timepoints = _timepoints([(p, "recist11", day, 50.0, np.nan, r, a) for p, day, r, a in calls])
    labels = {"P1": "SD", "P2": "SD", "P3": "PR", "P4": "SD", "P5": "PD"}
    best = pd.DataFrame({"patient_id": list(labels), "best_response": list(labels.values())})
    best = best.assign(criterion="recist11", best_response_confirmed=best["best_response"])
    assert response_rates(best, timepoints=timepoints).loc[0, "disease_control"] == 4
    row = response_rates(best, timepoints=timepoints, dcr_landmark_days=122).iloc[0]
    assert (row["n"], row["disease_control"], row["dcr_landmark_days"]) == (5, 2, 122)
    assert row["dcr"] == pytest.approx(0.4)


def test_7_2_dcr_landmark_without_timepoints_is_an_input_error():
    with pytest.raises(InputError, match="dcr_landmark_days"):
        response_rates(_cohort(), population="all_treated", dcr_landmark_days=122)


def test_rates_by_arm_come_with_the_whole_cohort_first():
    # spec 7.1: a trial reports the ORR of all treated patients beside each arm's. Arm A: 3 PR + 2 SD, arm B:
    # 2 PR + 3 PD, so the cohort has 5 responders of 10 (exact 95 % CI 0.1871-0.8129, R binom.test(5, 10))
    # and 7 with disease control; arm A 3/5 and 5/5, arm B 2/5 and 2/5.
    calls = ["PR"] * 3 + ["SD"] * 2 + ["PR"] * 2 + ["PD"] * 3
    best = pd.DataFrame({"patient_id": [f"P{i}" for i in range(10)], "reader": "", "criterion": "recist11",
                         "arm": ["A"] * 5 + ["B"] * 5, "best_response": calls,
                         "best_response_confirmed": calls})
    rates, counts = rates_with_pooled_arms(ResponseRateFitter(population="all_treated"), best)
    assert rates["arm"].tolist() == [ALL_ARMS, "A", "B"]
    assert rates["n"].tolist() == [10, 5, 5]
    assert rates["orr"].tolist() == pytest.approx([0.5, 0.6, 0.4])
    assert rates["dcr"].tolist() == pytest.approx([0.7, 1.0, 0.4])
    whole = rates.iloc[0]
    assert (whole["orr_ci_low"], whole["orr_ci_high"]) == pytest.approx((0.1871, 0.8129), abs=FOUR_DECIMALS)
    pooled = counts[counts["arm"] == ALL_ARMS].set_index("best_response")["n"].to_dict()
    assert pooled == {"PR": 5, "SD": 2, "PD": 3}


def test_rates_without_arm_have_no_pooled_row():
    best = pd.DataFrame({"patient_id": ["P1", "P2"], "reader": "", "criterion": "recist11",
                         "best_response": ["PR", "PD"], "best_response_confirmed": ["PR", "PD"]})
    rates, _ = rates_with_pooled_arms(ResponseRateFitter(population="all_treated"), best)
    assert "arm" not in rates.columns and rates["n"].tolist() == [2]
