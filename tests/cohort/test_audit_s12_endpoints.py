"""Audit of the response-related endpoints against spec/patterns.md section 7 (and 0.1-0.4) and the
side-by-side reclassification of spec/anatomic.md.

Every test runs the public API on a small hand-made lesion table: ``ioresponse.assess(...)`` then the
``ioresponse.cohort`` functions, or the command line ``ioresponse assess`` then ``ioresponse report``.
Expected values come from the spec text and hand arithmetic written in the comments (Clopper-Pearson
bounds and Kaplan-Meier curves are recomputed here with scipy / lifelines from the raw numbers typed in
the test, never read from the code's output).

The first tests pin differences the audit proved, since fixed: they assert the spec's result.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from scipy.stats import beta, binomtest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.cohort import (
    KaplanMeierByGroup,
    clopper_pearson,
    pfs_durations,
    progression_moves,
    response_durations,
    response_rates,
    treatment_beyond_progression,
)

COLUMNS = ["patient_id", "day", "lesion_id", "role", "organ", "lymph_node", "long_axis_mm",
           "short_axis_mm", "perpendicular_mm", "status"]


def _mm(text: str) -> float:
    return np.nan if text == "-" else float(text)


def lesions(text: str) -> pd.DataFrame:
    """Rows ``patient day lesion role organ long [perpendicular] status`` (non-nodal lesions only; "-" is
    an empty measurement). Without a perpendicular diameter the lesion is square (irRC product = long^2)."""
    rows = []
    for line in text.strip().splitlines():
        parts = line.split()
        patient, day, lesion, role, organ, long_mm = parts[:6]
        status = parts[-1]
        perpendicular = parts[6] if len(parts) == 8 else long_mm
        rows.append((patient, int(day), lesion, role, organ, False, _mm(long_mm), np.nan,
                     _mm(perpendicular), status))
    return pd.DataFrame(rows, columns=COLUMNS)


def assess(text: str, criteria, **options) -> ioresponse.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(lesions(text), criteria=list(criteria), **options)


def cp(x: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """spec 7.1 typed from the text: lower = BetaInv(alpha/2; x, n-x+1) (0 if x = 0), upper =
    BetaInv(1-alpha/2; x+1, n-x) (1 if x = n)."""
    low = 0.0 if x == 0 else float(beta.ppf(alpha / 2, x, n - x + 1))
    high = 1.0 if x == n else float(beta.ppf(1 - alpha / 2, x + 1, n - x))
    return low, high


def by_patient(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("patient_id")


# =================================================================================================
# Proven differences (each asserts the spec's result; all fixed)
# =================================================================================================

# A: PR day 56 (50 -> 30 mm, -40 %), PD day 84 (60 mm, +30 mm vs nadir 30): the PR is never confirmed.
# B: PR day 56 and PR day 84 (28 days later): confirmed PR.
# C: SD day 56 (50 -> 50 mm, day >= 42): stable disease.
CONFIRMATION_COHORT = """
A -7 T1 target liver 50 present
A 56 T1 target liver 30 present
A 84 T1 target liver 60 present
B -7 T1 target liver 50 present
B 56 T1 target liver 30 present
B 84 T1 target liver 30 present
C -7 T1 target liver 50 present
C 56 T1 target liver 50 present
"""


def test_7_1_orr_reads_confirmed_best_response_when_assess_ran_with_confirm_response():
    # spec 7.1: "ORR = number with best overall response CR or PR (confirmed when the criterion requires
    # confirmation, i.e. read from `best_response_confirmed` when the criterion's `confirm_response` is on
    # ...) / N."
    # RECIST 1.1 run with confirm_response=True: confirmed responders = B only -> ORR 1/3.
    # CI: lower = 1 - 0.975**(1/3) (Beta(1, 3) quantile), upper = BetaInv(0.975; 2, 2).
    result = assess(CONFIRMATION_COHORT, ["recist11"], confirm_response=True)
    # the engine itself honours the option: A's confirmed best response is not a response
    best = by_patient(result.best_response)
    assert best.loc["A", "best_response_confirmed"] != "PR"
    row = response_rates(result.best_response, timepoints=result.timepoints).iloc[0]
    assert row["n"] == 3
    assert row["responders"] == 1
    assert row["orr"] == pytest.approx(1 / 3)
    assert row["orr_ci_low"] == pytest.approx(1 - 0.975 ** (1 / 3), abs=1e-9)
    assert row["orr_ci_high"] == pytest.approx(beta.ppf(0.975, 2, 2), abs=1e-9)


def test_7_1_cli_report_after_assess_confirm_counts_only_confirmed_responders(tmp_path):
    # spec 7.1 (as above) through the command line: `ioresponse assess --confirm` then `ioresponse report`.
    # Confirmed responders: B only -> responders 1 of n 3; the duration of response has the same 1
    # responder (7.3 "For responders only").
    table = lesions(CONFIRMATION_COHORT).drop(columns=["perpendicular_mm"])
    table.to_csv(tmp_path / "lesions.csv", index=False)
    out, runner = tmp_path / "out", CliRunner()
    done = runner.invoke(app, ["assess", str(tmp_path / "lesions.csv"), "--out", str(out), "--confirm",
                               "--criteria", "recist11", "--format", "csv", "--no-patterns"])
    assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["report", str(out)])
    assert done.exit_code == 0, done.output
    dor = pd.read_csv(out / "duration_of_response.csv").set_index("criterion").loc["recist11"]
    assert dor["n"] == 1
    row = pd.read_csv(out / "rates.csv").set_index("criterion").loc["recist11"]
    assert (row["n"], row["responders"]) == (3, 1)


# M1: measurable, PR day 56 (50 -> 30). M2: measurable, PD day 56 (50 -> 65: +30 %, +15 mm).
# N1: non-target disease only, followed on day 56 (NON-CR/NON-PD). N2: non-target disease only, no follow-up.
DENOMINATOR_COHORT = """
M1 -7 T1 target liver 50 present
M1 56 T1 target liver 30 present
M2 -7 T1 target liver 50 present
M2 56 T1 target liver 65 present
N1 -7 NT1 non_target bone - present
N1 56 NT1 non_target bone - present
N2 -7 NT1 non_target bone - present
"""


def test_7_measurable_at_baseline_denominator_excludes_non_target_only_patient_without_follow_up():
    # spec 7: denominator option `population: "measurable_at_baseline" (default) | "all_treated"`.
    # Measurable at baseline = at least one target lesion (RECIST 1.1 sec. 3.1, anatomic.md 1.2):
    # M1, M2. N1 and N2 (non-target only) are not measurable, whether or not they were re-imaged.
    # -> n = 2, excluded = 2, responders 1 (M1): ORR 1/2, CI BetaInv(.025; 1, 2) - BetaInv(.975; 2, 1)
    #    = 1 - 0.975**(1/2) ... 0.975**(1/2).
    result = assess(DENOMINATOR_COHORT, ["recist11"])
    row = response_rates(result.best_response, timepoints=result.timepoints).iloc[0]
    assert row["population"] == "measurable_at_baseline"
    assert (row["n"], row["excluded"], row["responders"]) == (2, 2, 1)
    assert (row["orr_ci_low"], row["orr_ci_high"]) == pytest.approx(
        (1 - 0.975 ** 0.5, 0.975 ** 0.5), abs=1e-9)


# irRC, products (square lesion unless a perpendicular is given): baseline 40 x 30 = 1200 mm2;
# day 56 20 x 20 = 400 (-66.7 % <= -50 %: irPR); day 84 400 again, 28 days later: confirms the irPR of day 56;
# day 112 26 x 20 = 520 vs nadir 400 = +30 % >= 25 %: irPD, pending (no later assessment: never confirmed).
IRRC_PENDING_AT_END = """
A -7 T1 target liver 40 30 present
A 56 T1 target liver 20 20 present
A 84 T1 target liver 20 20 present
A 112 T1 target liver 26 20 present
"""


@pytest.mark.parametrize("unconfirmed_pd_as", ["pd", "ne"])
def test_7_3_irrc_duration_of_response_is_censored_at_a_pending_irpd(unconfirmed_pd_as):
    # spec 7.3: DoR runs "to the first progression date of the same criterion (... irRC: the first irPD date
    # when confirmed)"; 7.4: the irRC / irRECIST event is the "first irPD confirmed by the confirmation rule".
    # The irPD of day 112 is never decided (anatomic.md 0.8: no assessment >= 28 days later), so it is no
    # progression date whatever unconfirmed_pd_as says (2.7: the option sets how the best response reads
    # it): censored at the last adequate assessment, day 112 when the pending irPD is read as irPD (112 - 56
    # = 56 days), day 84 when it is read as NE (84 - 56 = 28 days).
    result = assess(IRRC_PENDING_AT_END, ["irrc"], unconfirmed_pd_as=unconfirmed_pd_as)
    censored = response_durations(result.best_response).iloc[0]
    assert not bool(censored["event"]) and censored["event_type"] == "censored"
    assert censored["duration_days"] == {"pd": 112, "ne": 84}[unconfirmed_pd_as] - 56


# iRECIST: baseline 50; day 56 30 (iPR); day 84 30 (iPR); day 112 40 mm (+10 mm, +33 % vs nadir 30: iUPD);
# no later assessment; death on day 150.
IUPD_THEN_DEATH = """
A -7 T1 target liver 50 present
A 56 T1 target liver 30 present
A 84 T1 target liver 30 present
A 112 T1 target liver 40 present
"""
DEATH_150 = pd.DataFrame({"patient_id": ["A"], "os_days": [150], "os_event": [1]})


def test_7_4_unconfirmed_iupd_followed_by_death_is_censored_with_option_censor():
    # spec 7.4: "an iUPD at the last assessment followed by death or stop without confirmation is an event at
    # the iUPD date by default, option `unconfirmed_iupd_pfs: "event" | "censor"` of `anatomic.md`";
    # anatomic.md 4.11 D8: option "censor" at the last assessment before the iUPD.
    # With "censor": censored at day 84 (the last assessment before the iUPD of day 112), not an event.
    result = assess(IUPD_THEN_DEATH, ["irecist"], unconfirmed_iupd_pfs="censor")
    row = pfs_durations(result.best_response, DEATH_150).iloc[0]
    assert not bool(row["event"])
    assert row["duration_days"] == 84


# =================================================================================================
# Tricky cases checked that already follow the spec
# =================================================================================================

SPEC_7_1_TABLE = [
    # x, n, rate %, low %, high %   (spec 7.1 check table, and the 15/327 pattern incidence)
    (12, 40, 30.00, 16.56, 46.53),
    (0, 25, 0.00, 0.00, 13.72),
    (25, 25, 100.00, 86.28, 100.00),
    (1, 10, 10.00, 0.25, 44.50),
    (56, 406, 13.79, 10.59, 17.53),
    (12, 131, 9.16, 4.82, 15.45),
    (39, 152, 25.66, 18.93, 33.36),
    (10, 34, 29.41, 15.10, 47.48),
    (15, 327, 4.59, 2.59, 7.45),
]


@pytest.mark.parametrize(("x", "n", "rate", "low", "high"), SPEC_7_1_TABLE)
def test_7_1_clopper_pearson_matches_the_spec_check_table_and_scipy(x, n, rate, low, high):
    # spec 7.1 table (percentages to 2 decimals, 0.4) and "scipy.stats.binomtest(x, n)
    # .proportion_ci(method="exact") gives the same".
    got_low, got_high = clopper_pearson(x, n)
    assert round(100 * x / n, 2) == rate
    assert (round(100 * got_low, 2), round(100 * got_high, 2)) == (low, high)
    exact = binomtest(x, n).proportion_ci(method="exact")
    assert (got_low, got_high) == pytest.approx((exact.low, exact.high), abs=1e-9)


def test_7_all_treated_keeps_patients_without_follow_up_and_non_target_only():
    # spec 7 "all_treated": every treated patient: M1, M2, N1, N2 -> n 4; responders 1 (M1);
    # disease control M1 (PR) + N1 (NON-CR/NON-PD on day 56 >= 42; the non-target-only "SD", ambiguity noted
    # in the audit report) = 2.  ORR CI: 1 - 0.975**(1/4) .. BetaInv(.975; 2, 3).
    result = assess(DENOMINATOR_COHORT, ["recist11"])
    row = response_rates(result.best_response, timepoints=result.timepoints, population="all_treated").iloc[0]
    assert (row["n"], row["excluded"], row["responders"], row["disease_control"]) == (4, 0, 1, 2)
    assert (row["orr_ci_low"], row["orr_ci_high"]) == pytest.approx(
        (1 - 0.975 ** 0.25, beta.ppf(0.975, 2, 3)), abs=1e-9)


MIN_SD = """
S1 -7 T1 target liver 50 present
S1 49 T1 target liver 45 present
S1 105 T1 target liver 65 present
S2 -7 T1 target liver 50 present
S2 56 T1 target liver 45 present
"""


def test_7_2_sd_counts_for_dcr_only_at_or_after_min_sd_days_option():
    # spec 7.2: "SD counts only if it is recorded at or after `min_sd_days` from `treatment_start`
    # (... the same `min_sd_days` as `anatomic.md`)". With min_sd_days = 56:
    #   S1: SD on day 49 (< 56), then PD on day 105 (65 vs nadir 45: +44 %, +20 mm) -> best PD, no control.
    #   S2: SD on day 56 (= 56, boundary, at or after) -> control.
    # DCR 1/2 (CI 1 - 0.975**0.5 .. 0.975**0.5); with the default 42 S1's SD on day 49 counts: DCR 2/2.
    result = assess(MIN_SD, ["recist11"], min_sd_days=56)
    row = response_rates(result.best_response, timepoints=result.timepoints).iloc[0]
    assert (row["n"], row["disease_control"]) == (2, 1)
    assert (row["dcr_ci_low"], row["dcr_ci_high"]) == pytest.approx(
        (1 - 0.975 ** 0.5, 0.975 ** 0.5), abs=1e-9)
    default = assess(MIN_SD, ["recist11"])
    default_row = response_rates(default.best_response, timepoints=default.timepoints).iloc[0]
    assert default_row["disease_control"] == 2


IRRC_CONFIRMATION = """
A -7 T1 target liver 40 30 present
A 56 T1 target liver 40 40 present
A 70 T1 target liver 35 30 present
A 98 T1 target liver 40 40 present
B -7 T1 target liver 40 30 present
B 56 T1 target liver 40 40 present
B 84 T1 target liver - - not_evaluable
B 112 T1 target liver 40 40 present
C -7 T1 target liver 40 30 present
C 56 T1 target liver 40 40 present
C 70 T1 target liver 40 40 present
C 98 T1 target liver 35 30 present
"""


def test_7_4_irrc_pfs_confirmation_is_first_evaluable_assessment_at_least_28_days_later():
    # spec 7.4: "irRC / irRECIST first irPD confirmed by the confirmation rule of `anatomic.md` (the first
    # evaluable assessment at least 28 days later, not simply the next one)". TB0 = 40 x 30 = 1200 mm2.
    #   A: day 56 1600 (+33 % >= 25 %: irPD); day 70 1050 is only 14 days later (does not decide); day 98
    #      1600 vs nadir 1200 (+33 %), 42 days later: confirmed -> event at the first irPD, day 56.
    #   B: day 56 irPD; day 84 NE (not evaluable, does not decide); day 112 1600: confirmed -> event day 56.
    #   C: day 56 irPD; day 70 1600 only 14 days later (does not confirm); day 98 1050 (-12.5 % vs 1200,
    #      < +25 %), the deciding assessment: not confirmed -> no event, censored at the last adequate
    #      assessment, day 98.
    result = assess(IRRC_CONFIRMATION, ["irrc"])
    rows = by_patient(pfs_durations(result.best_response))
    got = {p: (rows.loc[p, "duration_days"], bool(rows.loc[p, "event"])) for p in "ABC"}
    assert got == {"A": (56, True), "B": (56, True), "C": (98, False)}


def test_7_4_unconfirmed_iupd_followed_by_death_is_event_at_iupd_day_by_default():
    # spec 7.4: "an iUPD at the last assessment followed by death ... without confirmation is an event at the
    # iUPD date by default": iUPD day 112, death day 150 -> event on day 112 (not on the death day).
    result = assess(IUPD_THEN_DEATH, ["irecist"])
    row = pfs_durations(result.best_response, DEATH_150).iloc[0]
    assert (row["duration_days"], bool(row["event"])) == (112, True)


IRECIST_DOR = """
B -7 T1 target liver 50 present
B 56 T1 target liver 30 present
B 112 T1 target liver 40 present
B 168 T1 target liver 50 present
C -7 T1 target liver 50 present
C 56 T1 target liver 30 present
C 112 T1 target liver 40 present
C 168 T1 target liver 30 present
C 224 T1 target liver 30 present
"""


def test_7_3_irecist_idor_ends_at_the_iupd_date_only_when_confirmed_as_icpd():
    # spec 7.3: "iRECIST: the iUPD date when later confirmed as iCPD, as the RECIST working group defines
    # iDOR". Baseline 50.
    #   B: iPR day 56 (30), iUPD day 112 (40: +10 mm, +33 % vs nadir 30), iCPD day 168 (50: +10 mm more)
    #      -> iDOR 112 - 56 = 56, event.
    #   C: iPR 56, iUPD 112, iPR 168 (30, reset) and 224 -> the iUPD is not a progression: censored at the
    #      last adequate assessment, 224 - 56 = 168.
    result = assess(IRECIST_DOR, ["irecist"])
    rows = by_patient(response_durations(result.best_response))
    assert (rows.loc["B", "duration_days"], bool(rows.loc["B", "event"])) == (56, True)
    assert (rows.loc["C", "duration_days"], bool(rows.loc["C", "event"])) == (168, False)


KM_COHORT = """
K1 -7 T1 target liver 50 present
K1 42 T1 target liver 65 present
K2 -7 T1 target liver 50 present
K2 56 T1 target liver 45 present
K2 112 T1 target liver - not_evaluable
K3 -7 T1 target liver 50 present
K3 56 T1 target liver 45 present
K3 140 T1 target liver 60 present
K4 -7 T1 target liver 50 present
K4 56 T1 target liver 45 present
K4 200 T1 target liver 45 present
K5 -7 T1 target liver 50 present
K6 -7 T1 target liver 50 present
K6 84 T1 target liver 45 present
K6 252 T1 target liver 70 present
"""
KM_PATIENTS = pd.DataFrame({"patient_id": ["K1", "K2", "K3", "K4", "K5", "K6"],
                            "os_days": [400, 90, 400, 400, 30, 400], "os_event": [0, 1, 0, 0, 1, 0]})


def test_7_4_pfs_events_censoring_death_and_landmark_against_lifelines():
    # spec 7.4 by hand (RECIST 1.1, baseline 50 mm):
    #   K1 PD day 42 (65: +30 %, +15 mm)                                -> event 42 (progression)
    #   K2 SD 56, NE 112 (last adequate = 56), died day 90, no PD        -> event 90 (death)
    #   K3 SD 56, PD 140 (60 vs nadir 45: +33 %, +15 mm)                 -> event 140
    #   K4 SD 56, SD 200, alive                                          -> censored 200
    #   K5 no follow-up, died day 30                                     -> event 30 (death)
    #   K6 SD 84, PD 252 (70 vs 45)                                      -> event 252
    # 6-month landmark (182.625 days, spec 0.1): S = 5/6 * 4/5 * 3/4 * 2/3 = 1/3, at risk K4 and K6; its
    # pointwise band is recomputed with lifelines from these typed numbers.
    result = assess(KM_COHORT, ["recist11"])
    rows = by_patient(pfs_durations(result.best_response, KM_PATIENTS))
    expected = {"K1": (42, "progression"), "K2": (90, "death"), "K3": (140, "progression"),
                "K4": (200, "censored"), "K5": (30, "death"), "K6": (252, "progression")}
    assert {p: (rows.loc[p, "duration_days"], rows.loc[p, "event_type"]) for p in expected} == expected
    fitter = KaplanMeierByGroup(landmarks_days=(182.625,)).fit(rows.reset_index())
    summary = fitter.summary.iloc[0]
    assert (summary["n"], summary["events"], summary["censored"]) == (6, 5, 1)
    mark = fitter.landmarks_.iloc[0]
    assert mark["survival"] == pytest.approx(1 / 3)
    assert mark["at_risk"] == 2
    reference = KaplanMeierFitter().fit(KM_DURATIONS, KM_EVENTS)
    band = reference.confidence_interval_survival_function_
    assert (mark["ci_low"], mark["ci_high"]) == pytest.approx(tuple(band[band.index <= 182.625].iloc[-1]))


KM_DURATIONS = [42, 90, 140, 200, 30, 252]
KM_EVENTS = [True, True, True, False, True, True]


def test_0_4_7_4_km_median_where_the_curve_is_exactly_one_half():
    # spec 7.3/7.4: "Kaplan-Meier median"; 0.4: "Compute in float64 ... Non-strict `x >= t` is tested as
    # `x >= t - 1e-9` (so a value that is exactly on the threshold in decimal arithmetic but lands at
    # 39.9999999999 in binary floating point still meets a ">= 40" rule".
    # Same cohort: S(30) = 5/6, S(42) = 4/6, S(90) = 3/6 = 1/2 exactly -> median = the first day with
    # S <= 0.5 = day 90 (the definition lifelines documents, applied with the 0.4 tolerance).
    result = assess(KM_COHORT, ["recist11"])
    durations = pfs_durations(result.best_response, KM_PATIENTS)
    summary = KaplanMeierByGroup().fit(durations).summary.iloc[0]
    assert summary["median_days"] == 90


NEW_THERAPY = """
T1 -7 T1 target liver 50 present
T1 56 T1 target liver 45 present
T1 84 T1 target liver - not_evaluable
T1 168 T1 target liver 65 present
"""


def test_7_4_censoring_at_new_therapy_uses_the_last_adequate_assessment_before_it():
    # spec 7.4: "option to censor at the last assessment before `new_therapy_start`" and "Censoring at the
    # last adequate assessment". PD on day 168 (65 vs nadir 45), new therapy on day 100: assessments before
    # it are SD 56 and NE 84 (not adequate) -> censored on day 56. Without the option: event day 168.
    result = assess(NEW_THERAPY, ["recist11"])
    patients = pd.DataFrame({"patient_id": ["T1"], "new_therapy_start_day": [100]})
    plain = pfs_durations(result.best_response, patients).iloc[0]
    assert (plain["duration_days"], bool(plain["event"])) == (168, True)
    moved = pfs_durations(result.best_response, patients, timepoints=result.timepoints,
                          censor_at_new_therapy=True).iloc[0]
    assert (moved["duration_days"], bool(moved["event"])) == (56, False)


TBP = """
P1 -7 T1 target liver 50 present
P1 56 T1 target liver 65 present
P1 98 T1 target liver 47 present
P2 -7 T1 target liver 50 present
P2 56 T1 target liver 65 present
P2 98 T1 target liver 47 present
P3 -7 T1 target liver 50 present
P3 56 T1 target liver 65 present
P3 98 T1 target liver 75 present
"""


def test_7_5_tbp_strictly_after_pd_and_spec_example():
    # spec 7.5: "`treatment_end` (last dose) strictly after the PD date"; example "RECIST PD day 56, last
    # dose day 140, iRECIST iSD on day 98 -> TBP true, 84 days, pseudoprogression `true`".
    #   P1: PD 56 (65: +30 %), iSD day 98 (47, -6 %), last dose 140 -> TBP true, 84 days, pseudoprogression.
    #   P2: same scans, last dose on the PD day 56 -> not strictly after: TBP false.
    #   P3: last dose 57 -> TBP true, 1 day; day 98 75 mm (+10 mm over the iUPD 65): iCPD -> not pseudo.
    result = assess(TBP, ["recist11", "irecist"])
    patients = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "treatment_end_day": [140, 56, 57]})
    rows = by_patient(treatment_beyond_progression(result.best_response, result.timepoints, patients))
    assert rows["tbp"].to_dict() == {"P1": "true", "P2": "false", "P3": "true"}
    assert (rows.loc["P1", "tbp_days"], rows.loc["P3", "tbp_days"]) == (84, 1)
    assert rows["pseudoprogression"].to_dict() == {"P1": "true", "P2": "true", "P3": "false"}
    assert rows.loc["P3", "outcome"] == "confirmed_progression"


RECLASSIFICATION = """
A -7 T1 target liver 50 present
A 56 T1 target liver 65 present
A 112 T1 target liver 40 present
B -7 T1 target liver 50 present
B 56 T1 target liver 65 present
C -7 T1 target liver 50 present
C 56 T1 target liver 65 present
C 112 T1 target liver 75 present
E -7 T1 target liver 50 present
E 56 T1 target liver 45 present
F -7 NT1 non_target bone - present
F 56 NT1 non_target bone - present
"""


def test_anatomic_8_reclassification_cells_and_progression_moves_recist_vs_irecist():
    # Best responses by hand (baseline 50 mm):
    #   A: day 56 65 (+30 %): RECIST PD; iRECIST iUPD, day 112 40 (-20 %): iSD (reset) -> PD vs iSD, moved.
    #   B: PD / iUPD at the last assessment (never confirmed) -> PD vs iUPD: different category (an
    #      unconfirmed progression is not RECIST PD).
    #   C: day 112 75 (+10 mm over 65): iCPD -> PD vs iCPD: same category (not reclassified).
    #   E: SD / iSD; F: non-target only NON-CR/NON-PD / NON-iCR/NON-iUPD: same.
    # Progression dates (spec 7.4): A RECIST only; B same day (unconfirmed iUPD is an event at its day by
    # default); C same day (iCPD dated at the iUPD, 56); E and F neither -> n 5, moved 1.
    result = assess(RECLASSIFICATION, ["recist11", "irecist"])
    cells = result.compare().cells
    got = {(row["recist11_response"], row["response"]): (bool(row["reclassified"]), row["n"], row["patients"])
           for _, row in cells.iterrows()}
    assert got == {("PD", "iSD"): (True, 1, "A"), ("PD", "iUPD"): (True, 1, "B"),
                   ("PD", "iCPD"): (False, 1, "C"), ("SD", "iSD"): (False, 1, "E"),
                   ("NON-CR/NON-PD", "NON-iCR/NON-iUPD"): (False, 1, "F")}
    matrix = result.compare().matrices["irecist"]
    assert int(matrix.to_numpy().sum()) == 5
    assert matrix.loc["PD", "iSD"] == 1 and matrix.loc["PD", "iCPD"] == 1
    moves = progression_moves(result.best_response).iloc[0]
    assert (moves["n"], moves["same_day"], moves["reference_only"], moves["neither"], moves["moved"]) == (
        5, 2, 1, 2, 1)


def test_7_per_reader_rates_count_each_patient_once_per_reader():
    # spec 7: rates per criterion; a patient read by two readers must not be counted twice in one rate.
    # Patient X read by R1 (PR: 50 -> 30) and R2 (SD: 50 -> 45); patient Y read by both as PD (50 -> 65).
    # Per reader: R1 ORR 1/2, R2 ORR 0/2 (never n = 4).
    table = lesions("""
X -7 T1 target liver 50 present
X 56 T1 target liver 30 present
Y -7 T1 target liver 50 present
Y 56 T1 target liver 65 present
""")
    second = table.copy()
    second.loc[(second["patient_id"] == "X") & (second["day"] == 56), "long_axis_mm"] = 45.0
    both = pd.concat([table.assign(reader="R1"), second.assign(reader="R2")], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(both, criteria=["recist11"])
    rates = response_rates(result.best_response, timepoints=result.timepoints).set_index("reader")
    assert rates["n"].to_dict() == {"R1": 2, "R2": 2}
    assert rates["responders"].to_dict() == {"R1": 1, "R2": 0}
    assert (rates.loc["R2", "orr_ci_low"], rates.loc["R2", "orr_ci_high"]) == pytest.approx(
        cp(0, 2), abs=1e-9)
