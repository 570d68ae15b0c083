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

import pandas as pd
import pytest

from ioresponse.cohort.rates import (
    DISEASE_CONTROL_LABELS,
    RESPONDER_LABELS,
    ResponseRateFitter,
    clopper_pearson,
    response_rates,
)
from ioresponse.schema import InputError

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
    assert {"SD", "irSD", "iSD", "NON-CR/NON-PD", "irNON-CR/NON-PD", "NON-iCR/NON-iUPD", "SMD"} == (
        DISEASE_CONTROL_LABELS - RESPONDER_LABELS)
    for progression in ("PD", "irPD", "iUPD", "iCPD", "PMD", "NE"):
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
    assert list(summary.columns[:3]) == ["arm", "criterion", "n"]
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
