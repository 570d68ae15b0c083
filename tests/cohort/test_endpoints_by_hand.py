"""Cohort endpoints of spec/patterns.md section 7 on tiny cohorts whose every number is worked out by hand.

The result tables are typed like the outputs of `ioresponse assess` (spec/anatomic.md 0.9), as
tests/report/conftest.py does, and run through ``report.html.endpoint_tables`` (what `ioresponse report`
writes); the last tests run `ioresponse assess` then `ioresponse report` on a lesion table. No expected
value is read from the code's output: the arithmetic is in the comments.

Clopper-Pearson (spec 7.1): lower = BetaInv(0.025; x, n-x+1), upper = BetaInv(0.975; x+1, n-x).
Closed forms used below (the beta quantile has one when a shape parameter is 1):
  x = 0:     upper = 1 - 0.025**(1/n)          (Beta(1, n) quantile)
  x = n:     lower = 0.025**(1/n)              (Beta(n, 1) quantile)
  x = 1:     lower = 1 - 0.975**(1/n)
  x = n - 1: upper = 0.975**(1/n)
Other values: scipy.stats.beta.ppf, the definition of spec 7.1 (and the 1/10, 12/40, 22/40 rows are the
check values printed in spec 7.1 / 7.2).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta
from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.cohort.rates import clopper_pearson
from ioresponse.report.html import EndpointOptions, ReportTables, endpoint_tables
from ioresponse.schema import BEST_RESPONSE_COLUMNS, TIMEPOINT_COLUMNS

Z975 = 1.959963984540054  # standard normal 0.975 quantile


def cp(x: int, n: int) -> tuple[float, float]:
    """spec 7.1 typed from the text (the definition), for the values without a closed form."""
    low = 0.0 if x == 0 else float(beta.ppf(0.025, x, n - x + 1))
    high = 1.0 if x == n else float(beta.ppf(0.975, x + 1, n - x))
    return low, high


# ------------------------------------------------------------------------------------------------
# hand-made result tables
# ------------------------------------------------------------------------------------------------


def timepoints(rows: list[tuple]) -> pd.DataFrame:
    """(patient, criterion, day, overall_response[, after_progression[, baseline_sum]]) rows."""
    full = [(*r, *(False, 100.0)[len(r) - 4:]) for r in rows]
    table = pd.DataFrame(full, columns=["patient_id", "criterion", "day", "overall_response",
                                        "after_progression", "baseline_sum"])
    table["reader"] = ""
    table["date"] = ""
    table["sum_unit"] = "mm"
    table["confirmation_state"] = "not_required"
    table["reason"] = "hand-made"
    for column in TIMEPOINT_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan if column.endswith(("sum", "nadir", "_day")) else ""
    return table[list(TIMEPOINT_COLUMNS)]


def best(rows: list[tuple]) -> pd.DataFrame:
    """(patient, criterion, best, best_confirmed, first_response_day, progression_day, dor_days,
    pfs_event, pfs_day) rows."""
    table = pd.DataFrame(rows, columns=["patient_id", "criterion", "best_response", "best_response_confirmed",
                                        "first_response_day", "progression_day", "duration_of_response_days",
                                        "pfs_event", "pfs_day"])
    table["reader"] = ""
    table["bor_day"] = np.nan
    table["reason"] = "hand-made"
    return table[list(BEST_RESPONSE_COLUMNS)]


def simple(labels: list[str], criterion: str = "recist11", confirmed: list[str] | None = None,
           baseline: list[float] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One assessment (day 56) per patient with its best response; no progression dates needed."""
    confirmed = confirmed or labels
    baseline = baseline or [100.0] * len(labels)
    ids = [f"{criterion}-{i:02d}" for i in range(len(labels))]
    tps = timepoints([(p, criterion, 56, lab, False, b)
                      for p, lab, b in zip(ids, labels, baseline, strict=True)])
    bst = best([(p, criterion, lab, c, np.nan, np.nan, np.nan, False, 56)
                for p, lab, c in zip(ids, labels, confirmed, strict=True)])
    return tps, bst


def run(tps: pd.DataFrame, bst: pd.DataFrame, patients: pd.DataFrame | None = None,
        **options) -> dict[str, pd.DataFrame]:
    return endpoint_tables(ReportTables(timepoints=tps, best_response=bst, patients=patients),
                           EndpointOptions(**options))


def rates_row(result: dict[str, pd.DataFrame], criterion: str = "recist11") -> pd.Series:
    return result["rates"].set_index("criterion").loc[criterion]


# ------------------------------------------------------------------------------------------------
# 7.1 ORR with exact CI
# ------------------------------------------------------------------------------------------------

CP_CASES = [
    # x, n, low, high
    (0, 10, 0.0, 1 - 0.025 ** (1 / 10)),  # 0 - 0.308497 (30.85 %)
    (1, 10, 1 - 0.975 ** (1 / 10), 0.445016),  # 0.002529 - 0.4450: spec 7.1 table "0.25 % - 44.50 %"
    (5, 10, 0.187086, 0.812914),  # beta.ppf(.025, 5, 6), symmetric: upper = 1 - lower
    (10, 10, 0.025 ** (1 / 10), 1.0),  # 0.691503 - 1
    (3, 20, 0.032071, 0.378927),  # beta.ppf(.025, 3, 18), beta.ppf(.975, 4, 17)
    (9, 10, 0.554984, 0.975 ** (1 / 10)),  # mirror of 1/10: 1 - 0.445016, 0.997471
]


@pytest.mark.parametrize(("x", "n", "low", "high"), CP_CASES)
def test_orr_exact_ci_on_a_cohort_of_pr_and_pd(x, n, low, high):
    # x patients with best response PR and n - x with PD, all measurable (baseline sum 100 mm):
    # ORR = x / n, the CI above; no SD so DCR = ORR.
    tps, bst = simple(["PR"] * x + ["PD"] * (n - x))
    row = rates_row(run(tps, bst))
    assert (row["n"], row["responders"], row["excluded"], row["not_checked"]) == (n, x, 0, 0)
    assert row["orr"] == pytest.approx(x / n)
    assert (row["orr_ci_low"], row["orr_ci_high"]) == pytest.approx((low, high), abs=1e-6)
    assert (row["dcr_ci_low"], row["dcr_ci_high"]) == pytest.approx((low, high), abs=1e-6)
    assert clopper_pearson(x, n) == pytest.approx((low, high), abs=1e-6)


def test_spec_72_worked_example_40_patients():
    # spec 7.2: 3 CR, 9 PR, 10 SD (after day 42), 18 PD.
    # ORR = (3 + 9) / 40 = 30.00 % (16.56 - 46.53 %); DCR = (3 + 9 + 10) / 40 = 55.00 % (38.49 - 70.74 %).
    tps, bst = simple(["CR"] * 3 + ["PR"] * 9 + ["SD"] * 10 + ["PD"] * 18)
    row = rates_row(run(tps, bst))
    assert (row["n"], row["responders"], row["disease_control"]) == (40, 12, 22)
    assert row["orr"] == pytest.approx(0.30)
    assert row["orr_ci_low"] == pytest.approx(0.1656, abs=5e-5)
    assert row["orr_ci_high"] == pytest.approx(0.4653, abs=5e-5)
    assert row["dcr"] == pytest.approx(0.55)
    assert row["dcr_ci_low"] == pytest.approx(0.3849, abs=5e-5)
    assert row["dcr_ci_high"] == pytest.approx(0.7074, abs=5e-5)


def test_population_measurable_at_baseline_vs_all_treated():
    # 10 measurable patients (baseline sum 100): 1 PR, 4 SD, 5 PD;
    # 2 with non-target disease only (baseline sum 0), best response PD (unequivocal non-target PD).
    labels = ["PR"] + ["SD"] * 4 + ["PD"] * 5 + ["PD", "PD"]
    tps, bst = simple(labels, baseline=[100.0] * 10 + [0.0, 0.0])
    measurable = rates_row(run(tps, bst))
    # measurable_at_baseline: n = 10, excluded = 2; ORR 1/10 (0.25 - 44.50 %), DCR 5/10 (18.71 - 81.29 %)
    assert (measurable["population"], measurable["n"], measurable["excluded"]) == (
        "measurable_at_baseline", 10, 2)
    assert (measurable["responders"], measurable["disease_control"]) == (1, 5)
    assert measurable["orr_ci_low"] == pytest.approx(1 - 0.975 ** 0.1, abs=1e-6)
    assert measurable["orr_ci_high"] == pytest.approx(0.445016, abs=1e-6)
    assert measurable["dcr_ci_low"] == pytest.approx(0.187086, abs=1e-6)
    assert measurable["dcr_ci_high"] == pytest.approx(0.812914, abs=1e-6)
    # all_treated: n = 12, excluded 0; ORR 1/12, DCR 5/12.
    # 1/12: lower = 1 - 0.975**(1/12) = 0.002107; upper = beta.ppf(.975, 2, 11) = 0.384796.
    everyone = rates_row(run(tps, bst, population="all_treated"))
    assert (everyone["population"], everyone["n"], everyone["excluded"]) == ("all_treated", 12, 0)
    assert everyone["orr"] == pytest.approx(1 / 12)
    assert everyone["dcr"] == pytest.approx(5 / 12)
    assert everyone["orr_ci_low"] == pytest.approx(1 - 0.975 ** (1 / 12), abs=1e-6)
    assert (everyone["orr_ci_high"], everyone["dcr_ci_low"], everyone["dcr_ci_high"]) == pytest.approx(
        (cp(1, 12)[1], *cp(5, 12)), abs=1e-9)
    # response counts of the measurable denominator: PR 1, SD 4, PD 5 (the 2 excluded PD are not in it)
    counts = run(tps, bst)["response_counts"].set_index("best_response")["n"].to_dict()
    assert counts == {"PD": 5, "PR": 1, "SD": 4}


LABELS = {"recist11": ("PR", "SD"), "irrc": ("irPR", "irSD"), "irrecist": ("irPR", "irSD"),
          "irecist": ("iPR", "iSD"), "imrecist": ("PR", "SD")}
PD_LABEL = {"recist11": "PD", "irrc": "irPD", "irrecist": "irPD", "irecist": "iCPD", "imrecist": "PD"}


def _confirmation_cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    # Per criterion, 10 patients: 5 with best_response PR of which only 1 is confirmed (the other 4 have
    # best_response_confirmed SD), 5 PD. Unconfirmed column: 5/10 responders, DCR 5/10.
    # Confirmed column: 1/10 responders, DCR still 5/10 (PR or SD).
    parts = []
    for criterion, (pr, sd) in LABELS.items():
        pd_ = PD_LABEL[criterion]
        parts.append(simple([pr] * 5 + [pd_] * 5, criterion, confirmed=[pr] + [sd] * 4 + [pd_] * 5))
    return (pd.concat([p[0] for p in parts], ignore_index=True),
            pd.concat([p[1] for p in parts], ignore_index=True))


def test_confirmed_column_default_per_criterion_irrc_confirms():
    # spec 7.1 (and anatomic.md 0.9): irRC confirms by default -> best_response_confirmed, 1/10
    # (0.25 - 44.50 %); RECIST 1.1, irRECIST, iRECIST, imRECIST -> best_response, 5/10 (18.71 - 81.29 %).
    tps, bst = _confirmation_cohort()
    rates = run(tps, bst)["rates"].set_index("criterion")
    assert rates.loc["irrc", "response_column"] == "best_response_confirmed"
    assert rates.loc["irrc", "responders"] == 1
    assert rates.loc["irrc", "orr_ci_high"] == pytest.approx(0.445016, abs=1e-6)
    for criterion in ("recist11", "irrecist", "irecist", "imrecist"):
        assert rates.loc[criterion, "response_column"] == "best_response"
        assert rates.loc[criterion, "responders"] == 5
        assert rates.loc[criterion, "orr_ci_low"] == pytest.approx(0.187086, abs=1e-6)
    # DCR: 5/10 under both columns (the unconfirmed PRs are SD in the confirmed column)
    assert (rates["disease_control"] == 5).all()


@pytest.mark.parametrize(("confirmed", "responders", "column"),
                         [(True, 1, "best_response_confirmed"), (False, 5, "best_response")])
def test_confirmed_option_forces_one_column_for_every_criterion(confirmed, responders, column):
    # `report --confirmed` / `--unconfirmed` (spec 7.1 "when the criterion's confirm_response is on")
    tps, bst = _confirmation_cohort()
    rates = run(tps, bst, confirmed=confirmed)["rates"]
    assert (rates["responders"] == responders).all()
    assert (rates["response_column"] == column).all()
    assert len(rates) == 5


def test_pet_criterion_counts_cmr_and_pmr():
    # spec 7.1: CMR/PMR for PET criteria (PERCIST does not confirm: best_response). 10 patients all treated:
    # 1 CMR, 2 PMR, 3 SMD, 4 PMD -> ORR 3/10 (beta.ppf: 6.67 - 65.25 %), DCR 6/10 (26.24 - 87.84 %).
    tps, bst = simple(["CMR", "PMR", "PMR"] + ["SMD"] * 3 + ["PMD"] * 4, "percist",
                      confirmed=["NE"] * 10)
    row = rates_row(run(tps, bst, population="all_treated"), "percist")
    assert (row["response_column"], row["n"], row["responders"], row["disease_control"]) == (
        "best_response", 10, 3, 6)
    assert (row["orr_ci_low"], row["orr_ci_high"]) == pytest.approx((0.066740, 0.652453), abs=1e-6)
    assert (row["dcr_ci_low"], row["dcr_ci_high"]) == pytest.approx(cp(6, 10), abs=1e-9)


# ------------------------------------------------------------------------------------------------
# 7.2 DCR with and without a landmark
# ------------------------------------------------------------------------------------------------


def _landmark_cohort() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [
        ("L1", "recist11", 56, "SD"), ("L1", "recist11", 122, "SD"),  # SD exactly on day 122: controlled
        ("L2", "recist11", 56, "SD"), ("L2", "recist11", 121, "SD"),  # last DC call day 121 < 122
        ("L2", "recist11", 180, "PD"),
        ("L3", "recist11", 56, "PR"), ("L3", "recist11", 200, "PR"),  # PR after the landmark: controlled
        ("L4", "recist11", 56, "SD"), ("L4", "recist11", 122, "PD"),  # PD on the landmark day
        ("L5", "recist11", 56, "PD"), ("L5", "recist11", 130, "SD", True),  # SD after PD: not counted
    ] + [(f"L{i}", "recist11", 56, "PD") for i in range(6, 11)]
    bst = best([
        ("L1", "recist11", "SD", "SD", np.nan, np.nan, np.nan, False, 122),
        ("L2", "recist11", "SD", "SD", np.nan, 180, np.nan, True, 180),
        ("L3", "recist11", "PR", "PR", 56, np.nan, 144.0, False, 200),
        ("L4", "recist11", "SD", "SD", np.nan, 122, np.nan, True, 122),
        ("L5", "recist11", "PD", "PD", np.nan, 56, np.nan, True, 56),
    ] + [(f"L{i}", "recist11", "PD", "PD", np.nan, 56, np.nan, True, 56) for i in range(6, 11)])
    return timepoints(rows), bst


def test_dcr_without_landmark_is_best_response():
    # best responses: L1 SD, L2 SD, L3 PR, L4 SD (SD on day 56 >= 42), L5-L10 PD -> DCR 4/10
    # CI = beta.ppf(.025, 4, 7), beta.ppf(.975, 5, 6) = 12.16 - 73.76 %; ORR 1/10.
    row = rates_row(run(*_landmark_cohort()))
    assert (row["n"], row["responders"], row["disease_control"]) == (10, 1, 4)
    assert (row["dcr_ci_low"], row["dcr_ci_high"]) == pytest.approx((0.121552, 0.737622), abs=1e-6)
    assert np.isnan(row["dcr_landmark_days"])


def test_dcr_at_landmark_122_boundary_day_counts():
    # landmark 122: CR/PR/SD recorded on a day >= 122 and not after progression:
    # L1 yes (SD on day 122, the boundary), L2 no (SD 121), L3 yes (PR 200), L4 no (PD 122),
    # L5 no (SD 130 is after PD) -> 2/10; CI beta.ppf(.025, 2, 9) = 2.52 %, beta.ppf(.975, 3, 8) = 55.61 %.
    row = rates_row(run(*_landmark_cohort(), dcr_landmark_days=122))
    assert (row["n"], row["disease_control"], row["dcr_landmark_days"]) == (10, 2, 122)
    assert row["dcr"] == pytest.approx(0.2)
    assert (row["dcr_ci_low"], row["dcr_ci_high"]) == pytest.approx((0.025211, 0.556095), abs=1e-6)
    # ORR ignores the landmark: 1/10
    assert row["responders"] == 1
    # landmark moved one day later (123): L1's SD on day 122 no longer counts -> 1/10 (only L3)
    assert rates_row(run(*_landmark_cohort(), dcr_landmark_days=123))["disease_control"] == 1


# ------------------------------------------------------------------------------------------------
# 7.4 PFS: events, censoring, new therapy, Kaplan-Meier by hand
# ------------------------------------------------------------------------------------------------
# Six RECIST 1.1 patients:
#   Q1 PD on day 30                                     -> event 30 (progression)
#   Q2 no PD, last adequate assessment day 50, died 60  -> event 60 (death without progression)
#   Q3 no PD, last adequate day 90 (NE on day 63)       -> censored 90
#   Q4 PD on day 120                                    -> event 120
#   Q5 no assessment after baseline, alive              -> censored 0 (last adequate = baseline)
#   Q6 no PD, last adequate day 150                     -> censored 150
# KM: t=0 Q5 censored; t=30 at risk 5 (Q1,Q2,Q3,Q4,Q6), 1 event: S = 4/5 = 0.8;
#     t=60 at risk 4: S = 0.8 * 3/4 = 0.6; t=90 censored; t=120 at risk 2: S = 0.6 * 1/2 = 0.3;
#     t=150 censored. Median = first t with S <= 0.5 = 120. Events 3, censored 3.
# Landmark 100: S = 0.6, at risk (time >= 100) = Q4, Q6 = 2.
#   Greenwood sum d/(n(n-d)) = 1/(5*4) + 1/(4*3) = 0.05 + 0.083333 = 0.133333
#   log(-log) band (lifelines' exponential Greenwood): se = sqrt(0.133333) / |ln 0.6| = 0.365148 / 0.510826
#   = 0.714820; bounds 0.6 ** exp(+-1.959964 * 0.714820) = 0.6 ** 4.0595, 0.6 ** 0.24634 = 0.12573, 0.88176
# Landmark 130: S = 0.3, at risk = Q6 = 1; Greenwood sum 0.133333 + 1/(2*1) = 0.633333,
#   se = 0.795822 / 1.203973 = 0.660997; bounds 0.3 ** exp(+-1.295534) = 0.01230, 0.71922

PFS_TIMEPOINTS = [
    ("Q1", "recist11", 30, "PD"),
    ("Q2", "recist11", 28, "SD"), ("Q2", "recist11", 50, "SD"),
    ("Q3", "recist11", 56, "SD"), ("Q3", "recist11", 63, "NE"), ("Q3", "recist11", 90, "SD"),
    ("Q4", "recist11", 56, "SD"), ("Q4", "recist11", 120, "PD"),
    ("Q6", "recist11", 56, "SD"), ("Q6", "recist11", 150, "SD"),
]
PFS_BEST = [
    ("Q1", "recist11", "PD", "PD", np.nan, 30, np.nan, True, 30),
    ("Q2", "recist11", "NE", "NE", np.nan, np.nan, np.nan, False, 50),
    ("Q3", "recist11", "SD", "SD", np.nan, np.nan, np.nan, False, 90),
    ("Q4", "recist11", "SD", "SD", np.nan, 120, np.nan, True, 120),
    ("Q5", "recist11", "NE", "NE", np.nan, np.nan, np.nan, False, np.nan),
    ("Q6", "recist11", "SD", "SD", np.nan, np.nan, np.nan, False, 150),
]


def _pfs_patients() -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"],
        "os_days": [300, 60, 400, 200, 20, 400], "os_event": [1, 1, 0, 1, 0, 0],
        # Q1 new therapy after its PD; Q2 before its death; Q3 after 56 with an NE scan on 63;
        # Q4 on its PD day; Q5 new therapy on day 10 (censored at 0 anyway); Q6 after its last scan.
        "new_therapy_start_day": [100, 55, 70, 120, 10, 200],
    })


def _pfs(**options) -> dict[str, pd.DataFrame]:
    return run(timepoints(PFS_TIMEPOINTS), best(PFS_BEST), _pfs_patients(), landmarks_days=(100.0, 130.0),
               **options)


def test_pfs_km_median_and_landmarks_by_hand():
    result = _pfs()
    summary = result["pfs"].set_index("criterion").loc["recist11"]
    assert (summary["n"], summary["events"], summary["censored"]) == (6, 3, 3)
    assert summary["median_days"] == 120
    marks = result["pfs_landmarks"].set_index("landmark_days")
    assert marks.loc[100.0, "at_risk"] == 2
    assert marks.loc[100.0, "survival"] == pytest.approx(0.6)
    assert tuple(marks.loc[100.0, ["ci_low", "ci_high"]]) == pytest.approx((0.12573, 0.88176), abs=1e-5)
    assert marks.loc[130.0, "at_risk"] == 1
    assert marks.loc[130.0, "survival"] == pytest.approx(0.3)
    assert tuple(marks.loc[130.0, ["ci_low", "ci_high"]]) == pytest.approx((0.01230, 0.71922), abs=1e-5)


def test_landmark_ci_formula_typed_here():
    # the two bands above, from the log(-log) formula, so the comment's arithmetic is itself checked
    for s, greenwood, low, high in ((0.6, 0.05 + 1 / 12, 0.12573, 0.88176),
                                    (0.3, 0.05 + 1 / 12 + 0.5, 0.01230, 0.71922)):
        se = math.sqrt(greenwood) / abs(math.log(s))
        assert s ** math.exp(Z975 * se) == pytest.approx(low, abs=1e-5)
        assert s ** math.exp(-Z975 * se) == pytest.approx(high, abs=1e-5)


def _pfs_rows(**options) -> pd.DataFrame:
    from ioresponse.report.html import pfs_table

    tables = ReportTables(timepoints=timepoints(PFS_TIMEPOINTS), best_response=best(PFS_BEST),
                          patients=_pfs_patients())
    return pfs_table(tables, EndpointOptions(**options)).set_index("patient_id")


def test_pfs_event_types_without_new_therapy_censoring():
    rows = _pfs_rows()
    expected = {"Q1": (30, True, "progression"), "Q2": (60, True, "death"), "Q3": (90, False, "censored"),
                "Q4": (120, True, "progression"), "Q5": (0, False, "censored"),
                "Q6": (150, False, "censored")}
    got = {p: (rows.loc[p, "duration_days"], bool(rows.loc[p, "event"]), rows.loc[p, "event_type"])
           for p in expected}
    assert got == expected


def test_pfs_censored_at_new_therapy():
    # option on: an event or censoring after new_therapy_start is censored at the last adequate (not NE)
    # assessment on or before that day.
    #   Q1 PD 30 <= 100: event stands.   Q2 death 60 > 55: censored at 50 (last scan <= 55).
    #   Q3 censor 90 > 70: scans <= 70 are 56 SD and 63 NE -> censored at 56.
    #   Q4 PD 120 on the new-therapy day 120: the event stands (README: "an event on or before it stands").
    #   Q5 censored 0 <= 10: unchanged.  Q6 censored 150 <= 200: unchanged.
    rows = _pfs_rows(censor_at_new_therapy=True)
    expected = {"Q1": (30, True, "progression"), "Q2": (50, False, "censored_new_therapy"),
                "Q3": (56, False, "censored_new_therapy"), "Q4": (120, True, "progression"),
                "Q5": (0, False, "censored"), "Q6": (150, False, "censored")}
    got = {p: (rows.loc[p, "duration_days"], bool(rows.loc[p, "event"]), rows.loc[p, "event_type"])
           for p in expected}
    assert got == expected
    # KM: 0c, 30e (at risk 5: Q1 Q2 Q3 Q4 Q6) S = 0.8; 50c, 56c; 120e (at risk 2: Q4 Q6) S = 0.4; 150c.
    # Median = 120 (S falls from 0.8 to 0.4); events 2, censored 4. Landmark 100: S = 0.8, at risk 2.
    result = _pfs(censor_at_new_therapy=True)
    summary = result["pfs"].set_index("criterion").loc["recist11"]
    assert (summary["events"], summary["censored"], summary["median_days"]) == (2, 4, 120)
    marks = result["pfs_landmarks"].set_index("landmark_days")
    assert (marks.loc[100.0, "survival"], marks.loc[100.0, "at_risk"]) == (pytest.approx(0.8), 2)
    assert marks.loc[130.0, "survival"] == pytest.approx(0.4)


# ------------------------------------------------------------------------------------------------
# 7.3 Duration of response
# ------------------------------------------------------------------------------------------------


def test_duration_of_response_progression_death_and_censoring():
    # R1 first PR day 56, PD day 140           -> 140 - 56 = 84, event (progression)
    # R2 first PR day 84, no PD, last adequate 200 -> 116, censored
    # R3 first PR day 56, no PD, last adequate 112 (dor 56), died day 150 -> 150 - 56 = 94, event (death)
    # N1 SD, not a responder                   -> left out
    # KM: 84e (at risk 3) S = 2/3; 94e (at risk 2) S = 1/3; 116c. Median 94; n 3, events 2, censored 1.
    bst = best([
        ("R1", "recist11", "PR", "PR", 56, 140, 84.0, True, 140),
        ("R2", "recist11", "PR", "PR", 84, np.nan, 116.0, False, 200),
        ("R3", "recist11", "PR", "PR", 56, np.nan, 56.0, False, 112),
        ("N1", "recist11", "SD", "SD", np.nan, np.nan, np.nan, False, 112),
    ])
    tps = timepoints([("R1", "recist11", 56, "PR"), ("R1", "recist11", 140, "PD"),
                      ("R2", "recist11", 84, "PR"), ("R2", "recist11", 200, "PR"),
                      ("R3", "recist11", 56, "PR"), ("R3", "recist11", 112, "PR"),
                      ("N1", "recist11", 112, "SD")])
    patients = pd.DataFrame({"patient_id": ["R1", "R2", "R3", "N1"], "os_days": [300, 250, 150, 300],
                             "os_event": [1, 0, 1, 0]})
    dor = run(tps, bst, patients)["duration_of_response"].set_index("criterion").loc["recist11"]
    assert (dor["n"], dor["events"], dor["censored"], dor["median_days"]) == (3, 2, 1, 94)
    # without the patient table R3 is censored at 56: 56c, 84e (at risk 2) S = 1/2 -> median 84
    # (S reaches exactly 0.5 there; lifelines takes the first t with S <= 0.5), events 1, censored 2.
    alone = run(tps, bst)["duration_of_response"].set_index("criterion").loc["recist11"]
    assert (alone["n"], alone["events"], alone["censored"]) == (3, 1, 2)


# ------------------------------------------------------------------------------------------------
# 7.4 progression date moves between criteria
# ------------------------------------------------------------------------------------------------


def test_progression_moves_each_category():
    # RECIST 1.1 (reference) vs iRECIST, progression day = pfs_day where pfs_event:
    #   M1 56 / 56 same day; M2 112 / 84 earlier; M3 56 / 112 later; M4 56 / none (PD but not iCPD)
    #   reference only; M5 none / 84 other only; M6 none / none neither; M7 only under RECIST (no iRECIST
    #   row): not compared. n = 6, moved = earlier + later + reference only + other only = 4.
    rows = [
        ("M1", 56, True, 56, True), ("M2", 112, True, 84, True), ("M3", 56, True, 112, True),
        ("M4", 56, True, 140, False), ("M5", 140, False, 84, True), ("M6", 140, False, 140, False),
    ]
    table = []
    for p, d_ref, e_ref, d_other, e_other in rows:
        table.append((p, "recist11", "PD" if e_ref else "SD", "", np.nan, d_ref if e_ref else np.nan,
                      np.nan, e_ref, d_ref))
        table.append((p, "irecist", "iCPD" if e_other else "iSD", "", np.nan, d_other if e_other else np.nan,
                      np.nan, e_other, d_other))
    table.append(("M7", "recist11", "PD", "", np.nan, 56, np.nan, True, 56))
    tps = timepoints([(r[0], r[1], int(r[8]), "SD") for r in table])
    moves = run(tps, best(table))["progression_moves"].set_index("criterion").loc["irecist"]
    assert moves["reference"] == "recist11"
    assert (moves["n"], moves["same_day"], moves["earlier"], moves["later"]) == (6, 1, 1, 1)
    assert tuple(moves[["reference_only", "criterion_only", "neither", "moved"]]) == (1, 1, 1, 4)


# ------------------------------------------------------------------------------------------------
# 7.5 Treatment beyond progression
# ------------------------------------------------------------------------------------------------


def _tbp(min_days: int = 0) -> pd.DataFrame:
    # RECIST 1.1 PD on day 56 for every patient; iRECIST calls after it; last dose day per patient.
    #   T1 spec 7.5 example: last dose 140, iSD on day 98 after the iUPD -> TBP true, 140 - 56 = 84 days,
    #      pseudoprogression true
    #   T2 last dose 56 = PD day: not strictly after -> false, 0 days
    #   T3 last dose 57: 1 day after -> true (min 0); false with min 28
    #   T4 last dose 84: 28 days after -> true with min 28 (at least 28)
    #   T5 last dose 83: 27 days -> true with min 0, false with min 28; iCPD on day 84 -> confirmed
    #   T6 last dose 40 before the PD -> false; iUPD still at last scan -> unconfirmed, flag not_evaluable
    last = {"T1": 140, "T2": 56, "T3": 57, "T4": 84, "T5": 83, "T6": 40}
    tp_rows, best_rows = [], []
    for p in last:
        tp_rows += [(p, "recist11", 56, "PD"), (p, "irecist", 56, "iUPD")]
        best_rows += [(p, "recist11", "PD", "PD", np.nan, 56, np.nan, True, 56),
                      (p, "irecist", "iUPD", "iUPD", np.nan, np.nan, np.nan, False, 56)]
    tp_rows += [("T1", "irecist", 98, "iSD"), ("T5", "irecist", 84, "iCPD")]
    patients = pd.DataFrame({"patient_id": list(last), "treatment_end_day": list(last.values())})
    result = run(timepoints(tp_rows), best(best_rows), patients, tbp_min_days=min_days)["tbp"]
    return result[result["criterion"] == "irecist"].set_index("patient_id")


def test_tbp_strictly_after_pd_and_spec_example():
    tbp = _tbp()
    assert tbp["tbp"].to_dict() == {"T1": "true", "T2": "false", "T3": "true", "T4": "true", "T5": "true",
                                    "T6": "false"}
    assert tbp.loc["T1", "tbp_days"] == 84
    assert tbp.loc["T3", "tbp_days"] == 1
    assert tbp.loc["T2", "tbp_days"] == 0
    assert (tbp.loc["T1", "outcome"], tbp.loc["T1", "pseudoprogression"]) == ("pseudoprogression", "true")
    assert (tbp.loc["T1", "outcome_day"], tbp.loc["T1", "outcome_response"]) == (98, "iSD")
    assert tbp.loc["T5", "outcome"] == "confirmed_progression"
    assert tbp.loc["T5", "pseudoprogression"] == "false"
    assert tbp.loc["T6", "outcome"] == "unconfirmed_progression"


def test_tbp_min_days_boundary():
    # tbp_min_days = 28: last dose at least 28 days after the PD: T4 (28) yes, T5 (27) no, T3 (1) no, T1 yes
    tbp = _tbp(28)
    assert tbp["tbp"].to_dict() == {"T1": "true", "T2": "false", "T3": "false", "T4": "true", "T5": "false",
                                    "T6": "false"}


# ------------------------------------------------------------------------------------------------
# end to end: `ioresponse assess` on a lesion table, then `ioresponse report`
# ------------------------------------------------------------------------------------------------

LESIONS = """patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status
E1,-7,T1,target,liver,false,50,,present
E1,28,T1,target,liver,false,45,,present
E2,-7,T1,target,liver,false,50,,present
E2,42,T1,target,liver,false,45,,present
E3,-7,T1,target,liver,false,50,,present
E3,56,T1,target,liver,false,30,,present
E3,84,T1,target,liver,false,,,not_evaluable
E4,-7,T1,target,liver,false,50,,present
E5,-7,NT1,non_target,bone,false,,,present
E5,56,NT1,non_target,bone,false,,,present
E6,-7,T1,target,liver,false,50,,present
E6,56,T1,target,liver,false,65,,present
"""
PATIENTS = """patient_id,os_days,os_event
E1,200,0
E2,200,0
E3,100,1
E4,30,0
E5,200,0
E6,200,1
"""


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    (folder / "lesions.csv").write_text(LESIONS)
    (folder / "patients.csv").write_text(PATIENTS)
    runner = CliRunner()
    out = folder / "out"
    done = runner.invoke(app, ["assess", str(folder / "lesions.csv"), "--out", str(out), "--no-patterns",
                               "--criteria", "recist11", "--format", "csv"])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["report", str(out), "--patients", str(folder / "patients.csv"),
                               "--landmark-days", "60"])
    assert done.exit_code == 0, done.output
    return out


def test_e2e_rates_min_sd_days_boundary_and_denominator(e2e):
    # RECIST 1.1, min_sd_days 42 (anatomic.md default, spec 7.2):
    #   E1 -10 % on day 28 only: SD before day 42 -> not disease control
    #   E2 -10 % on day 42: SD exactly at min_sd_days -> disease control
    #   E3 -40 % on day 56 (PR), NE on day 84 -> responder
    #   E4 measurable baseline (50 mm), no follow-up -> in the denominator, non-responder
    #   E5 non-target only (no target lesion) -> not measurable, excluded
    #   E6 +30 % (+15 mm) on day 56 -> PD
    # n = 5 (E1 E2 E3 E4 E6), excluded 1; ORR 1/5: lower = 1 - 0.975**(1/5) = 0.005051,
    # upper = beta.ppf(.975, 2, 4) = 0.716418; DCR 2/5 (E2, E3): beta.ppf -> 0.052745 - 0.853367.
    row = pd.read_csv(e2e / "rates.csv").set_index("criterion").loc["recist11"]
    assert (row["n"], row["excluded"], row["responders"], row["disease_control"]) == (5, 1, 1, 2)
    assert row["orr_ci_low"] == pytest.approx(1 - 0.975 ** 0.2, abs=1e-6)
    assert row["orr_ci_high"] == pytest.approx(0.716418, abs=1e-6)
    assert (row["dcr_ci_low"], row["dcr_ci_high"]) == pytest.approx((0.052745, 0.853367), abs=1e-6)


def test_e2e_pfs_last_adequate_assessment_death_and_no_follow_up(e2e):
    # PFS (spec 7.4): E1 censored 28; E2 censored 42; E3 last adequate 56 (the NE scan on 84 is not
    # adequate), died day 100 without progression -> event 100; E4 no follow-up -> censored 0;
    # E5 censored 56; E6 PD 56 -> event 56 (its later death does not matter).
    # KM: 0c 28c 42c; t=56 at risk 3 (E3, E5, E6), 1 event: S = 2/3 (E5 censored at 56 after the event);
    # t=100 at risk 1 (E3): S = 0. Median 100; events 2, censored 4. Landmark 60: S = 2/3, at risk 1.
    pfs = pd.read_csv(e2e / "pfs.csv").set_index("criterion").loc["recist11"]
    assert (pfs["n"], pfs["events"], pfs["censored"], pfs["median_days"]) == (6, 2, 4, 100)
    mark = pd.read_csv(e2e / "pfs_landmarks.csv").set_index("landmark_days").loc[60.0]
    assert (mark["at_risk"], mark["survival"]) == (1, pytest.approx(2 / 3))
    # DoR: E3 alone, first PR 56, no PD, died 100 -> 44 days, event (spec 7.3 "or death")
    dor = pd.read_csv(e2e / "duration_of_response.csv").set_index("criterion").loc["recist11"]
    assert (dor["n"], dor["events"], dor["censored"], dor["median_days"]) == (1, 1, 0, 44)


IRECIST_LESIONS = """patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status
U1,-7,T1,target,liver,false,50,,present
U1,56,T1,target,liver,false,65,,present
U2,-7,T1,target,liver,false,50,,present
U2,56,T1,target,liver,false,65,,present
U2,112,T1,target,liver,false,40,,present
U3,-7,T1,target,liver,false,50,,present
U3,56,T1,target,liver,false,65,,present
U3,112,T1,target,liver,false,75,,present
"""
IRECIST_PATIENTS = """patient_id,treatment_start,os_days,os_event,treatment_end_day
U1,2020-01-01,90,1,60
U2,2020-01-01,300,0,200
U3,2020-01-01,300,0,140
"""


def test_e2e_irecist_pfs_moves_and_tbp(tmp_path):
    # 50 mm baseline; day 56 65 mm (+30 %, +15 mm): RECIST PD / iUPD for all three.
    #   U1 no later scan, died day 90: unconfirmed iUPD then death -> iRECIST event at the iUPD day 56
    #      (spec 7.4 default unconfirmed_iupd_pfs "event")
    #   U2 day 112 40 mm (-20 % vs baseline): iSD, the iUPD resolves -> no iRECIST event, censored 112
    #   U3 day 112 75 mm (+10 mm more): iCPD -> event at the iUPD day 56
    (tmp_path / "lesions.csv").write_text(IRECIST_LESIONS)
    (tmp_path / "patients.csv").write_text(IRECIST_PATIENTS)
    out, runner = tmp_path / "out", CliRunner()
    done = runner.invoke(app, ["assess", str(tmp_path / "lesions.csv"),
                               "--patients", str(tmp_path / "patients.csv"), "--out", str(out),
                               "--no-patterns", "--criteria", "recist11,irecist", "--format", "csv"])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["report", str(out), "--patients", str(tmp_path / "patients.csv")])
    assert done.exit_code == 0, done.output
    # PFS: RECIST 3 events on day 56 -> S(56) = 0, median 56. iRECIST: t=56 at risk 3, 2 events -> S = 1/3,
    # median 56; 2 events, 1 censored.
    pfs = pd.read_csv(out / "pfs.csv").set_index("criterion")
    assert tuple(pfs.loc["recist11", ["events", "censored", "median_days"]]) == (3, 0, 56)
    assert tuple(pfs.loc["irecist", ["events", "censored", "median_days"]]) == (2, 1, 56)
    # moves: U1, U3 same day (56 / 56); U2 RECIST only (PD but no iCPD) -> moved 1
    moves = pd.read_csv(out / "progression_moves.csv").set_index("criterion").loc["irecist"]
    columns = ["n", "same_day", "earlier", "later", "reference_only", "criterion_only", "moved"]
    assert tuple(moves[columns]) == (3, 2, 0, 0, 1, 0, 1)
    # TBP: U1 last dose 60 -> 4 days, still iUPD; U2 last dose 200 -> 144 days, pseudoprogression (iSD day
    # 112); U3 last dose 140 -> 84 days, iCPD (confirmed progression)
    tbp = pd.read_csv(out / "tbp.csv", dtype={"tbp": str, "pseudoprogression": str}).set_index("patient_id")
    assert tbp["tbp"].str.lower().to_dict() == {"U1": "true", "U2": "true", "U3": "true"}
    assert tbp["tbp_days"].to_dict() == {"U1": 4, "U2": 144, "U3": 84}
    assert tbp["outcome"].to_dict() == {"U1": "unconfirmed_progression", "U2": "pseudoprogression",
                                        "U3": "confirmed_progression"}
    assert tbp["pseudoprogression"].str.lower().to_dict() == {"U1": "not_evaluable", "U2": "true",
                                                              "U3": "false"}
