"""Audit A1 of the session-16 changes, against the spec and the README (the user's contract).

Audited (git diff 5291ceb..HEAD of src/ and README.md):

1. ``baseline_sum`` (PERCIST family also ``measurability_threshold``) on every criterion's best-response
   rows and the ``measurable_at_baseline`` denominator of ``cohort.rates`` that reads it
   (spec/patterns.md 7; spec/anatomic.md 1.2, 1.3; spec/metabolic.md 1.2, 4.2-4.3, 5.3, 8.3, 9.3), with
   several readers, pre-baseline scans, patients without follow-up, the blood-pool threshold, a missing
   reference region, imPERCIST without a lesion at or above T, EORTC's automatic selection, and the
   fallback for a best-response table without ``baseline_sum``.
2. ``durable.drr_optim``: a response that ends in stable disease without progression (spec/patterns.md
   4.1).
3. New lesions without ``organ`` and the per-organ caps of irRC and irRECIST (spec/anatomic.md 0.1, 2.4,
   3.4).
4. Dates and days that disagree within a patient: a plausibility finding (README, lesion table contract
   and ``--warn-implausible``; spec/anatomic.md 0.1 day = date - treatment_start).
5. The CLI: ``--version``, exit code 2 and ``--warn-implausible``, and the README's calls on
   examples/lesions.csv.

Three differences were strict xfails, all fixed: a PET table with dates and days that disagree is kept
with ``validation="warn"``; a response that ended in stable disease before an unconfirmed iUPD is not
durable (both session 16); a patient whose baseline targets are all below the measurable size (kept by
``on_baseline_violation="warn"``) is left out of the measurable_at_baseline denominator, read from the
anatomic criteria's ``measurable_disease`` column (session 17).

Every expected value is hand arithmetic from the spec, written beside its assertion; inputs are typed here
and run through the public API (``ioresponse.assess``, ``ioresponse.cohort.response_rates``, the CLI).
"""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.cohort import response_rates
from ioresponse.schema import InputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "lesions.csv"

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "criteria"))
from assessed import row  # noqa: E402  (the anatomic input row of tests/criteria)


def assess(rows, criteria, **options) -> ioresponse.Result:
    data = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    options.setdefault("patterns", False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(data, criteria=tuple(criteria), **options)


def rates(result_or_best, timepoints=None, **options) -> pd.DataFrame:
    if isinstance(result_or_best, ioresponse.Result):
        best, timepoints = result_or_best.best_response, result_or_best.timepoints
    else:
        best = result_or_best
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return response_rates(best, timepoints=timepoints, **options)


def denominator(table: pd.DataFrame, **where) -> tuple:
    for column, value in where.items():
        table = table[table[column].astype(str) == value]
    assert len(table) == 1, table
    first = table.iloc[0]
    return int(first["n"]), int(first["excluded"]), int(first["not_checked"]), int(first["responders"])


def pet(spec, liver=(2.0, 0.25), blood_pool=None, dates=None) -> pd.DataFrame:
    """PET rows ``(patient, day, lesion, role, organ, sulpeak)``; SUVmax = 1.25 x SULpeak; uptake 60 min."""
    rows = []
    for k, (patient, day, lesion, role, organ, sulpeak) in enumerate(spec):
        out = {"patient_id": patient, "day": day, "lesion_id": lesion, "role": role, "organ": organ,
               "suvmax": 1.25 * sulpeak, "sulpeak": sulpeak, "tlg": 50.0, "functional_diameter_mm": 20.0,
               "status": "present", "uptake_min": 60, "liver_sul_mean": liver[0], "liver_sul_sd": liver[1],
               "cycles_before_scan": 0 if day <= 0 else 2}
        if blood_pool is not None:
            out.update(reference_region="blood_pool", blood_pool_sul_mean=blood_pool[0],
                       blood_pool_sul_sd=blood_pool[1])
        if dates is not None:
            out["date"] = dates[k]
        rows.append(out)
    return pd.DataFrame(rows)


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


# ---------------------------------------------------------------------------------------------------
# 1. baseline_sum on the best-response rows; the measurable_at_baseline denominator (spec/patterns.md 7)
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("criterion", ["recist11", "irecist", "irrecist", "imrecist"])
def test_patterns_7_denominator_per_reader_without_follow_up(criterion):
    # P1: reader R1 records a 50 mm liver target, reader R2 only a non-target; no follow-up. P2: both
    # readers 50 -> 20 mm on day 56 (-60 %: PR, RECIST 1.1 sec. 4.3.1). Each reader is assessed apart:
    # R1: P1 (baseline sum 50 > 0) and P2 measurable -> n 2, excluded 0, responders 1 (P2).
    # R2: P1 has a baseline sum of 0 (no target, spec/anatomic.md 1.3) -> excluded 1; n 1 (P2), responders 1.
    rows = [row(-7, "T1", 50, reader="R1"), row(-7, "N1", None, reader="R2"),
            row(-7, "T1", 50, reader="R1", patient="P2"), row(56, "T1", 20, reader="R1", patient="P2"),
            row(-7, "T1", 50, reader="R2", patient="P2"), row(56, "T1", 20, reader="R2", patient="P2")]
    result = assess(rows, (criterion,))
    best = result.best_response.set_index(["patient_id", "reader"])["baseline_sum"]
    assert best[("P1", "R1")] == 50.0 and best[("P1", "R2")] == 0.0  # 50 mm; no target: 0
    table = rates(result)
    assert denominator(table, reader="R1") == (2, 0, 0, 1)
    assert denominator(table, reader="R2") == (1, 1, 0, 1)


@pytest.mark.parametrize(("criterion", "expected"), [("recist11", 50.0), ("irecist", 50.0), ("irrc", 2500.0)])
def test_anatomic_1_3_baseline_is_the_latest_scan_before_day_0_without_follow_up(criterion, expected):
    # Scans on day -60 (60 mm) and day -7 (50 mm), none after: the baseline is the day -7 scan (the latest
    # on or before day 0; the earlier one is pre-baseline). Baseline sum 50 mm; irRC sums products of
    # perpendicular diameters: 50 x 50 = 2500 mm2 (not 60 x 60 = 3600). Measurable -> n 1, excluded 0.
    rows = [row(-60, "T1", 60, perpendicular_mm=60.0), row(-7, "T1", 50, perpendicular_mm=50.0)]
    result = assess(rows, (criterion,))
    assert result.best_response["baseline_sum"].tolist() == [expected]
    assert denominator(rates(result)) == (1, 0, 0, 0)


def test_metabolic_4_2_eortc_non_target_only_patient_without_follow_up_is_measurable():
    # EORTC tracks the reader's targets, else select_hottest(baseline lesions, SUVmax, n=5, per_organ=2)
    # (spec/metabolic.md 4.2); A has non-targets only: SUVmax 1.25 x 8.0 = 10 and 1.25 x 4.8 = 6 -> sum 16 > 0
    # (4.3) -> measurable. B: one target of SUVmax 1.25 x 2.4 = 3 beside a hotter non-target: the target is
    # tracked -> 3. Neither has a follow-up; n = 2, excluded 0.
    spec = [("A", -7, "L1", "non_target", "liver", 8.0), ("A", -7, "L2", "non_target", "lung", 4.8),
            ("B", -7, "L1", "target", "liver", 2.4), ("B", -7, "L2", "non_target", "lung", 8.0)]
    result = assess(pet(spec), ("eortc",))
    best = result.best_response.set_index("patient_id")["baseline_sum"]
    assert best["A"] == pytest.approx(16.0) and best["B"] == pytest.approx(3.0)
    assert denominator(rates(result)) == (2, 0, 0, 0)


@pytest.mark.parametrize("criterion", ["percist", "ipercist", "impercist"])
def test_metabolic_5_3_blood_pool_threshold_on_the_best_response_row(criterion):
    # Blood-pool reference: T = 2.0 x 1.5 + 2 x 0.2 = 3.4 (spec 5.3); the only lesion has SULpeak 3.45 >= 3.4
    # (with the liver 2.0 / 0.25 it would be 3.5 and not measurable) -> measurable, n 1, excluded 0.
    result = assess(pet([("B", -7, "L1", "target", "liver", 3.45)], blood_pool=(1.5, 0.2)), (criterion,))
    best = result.best_response.iloc[0]
    assert best["measurability_threshold"] == pytest.approx(3.4)
    assert best["baseline_sum"] == pytest.approx(3.45)
    assert denominator(rates(result)) == (1, 0, 0, 0)


@pytest.mark.parametrize("criterion", ["percist", "ipercist", "impercist"])
def test_metabolic_5_3_8_3_no_reference_or_no_lesion_at_threshold_is_excluded(criterion):
    # A: 8.0 -> 5.6 on day 56, T = 3.5: -30 % and -2.4 SUL: PMR (spec 5.5). N: no liver reference at its
    # baseline: no T, not quantitatively assessable (5.3) -> excluded. S: hottest 3.0 < T = 3.5, not
    # measurable (5.3; imPERCIST: no lesion enters S_bl, 8.3) -> excluded. n 1, excluded 2, responders 1.
    spec = [("A", -7, "L1", "target", "liver", 8.0), ("A", 56, "L1", "target", "liver", 5.6),
            ("S", -7, "L1", "target", "liver", 3.0), ("S", 56, "L1", "target", "liver", 1.0)]
    data = pd.concat([pet(spec), pet([("N", -7, "L1", "target", "liver", 8.0)], liver=(np.nan, np.nan))])
    result = assess(data.reset_index(drop=True), (criterion,))
    best = result.best_response.set_index("patient_id")
    assert math.isnan(best.loc["N", "measurability_threshold"])
    if criterion == "impercist":
        assert math.isnan(best.loc["S", "baseline_sum"])  # S_bl of no lesion (8.3)
    assert denominator(rates(result)) == (1, 2, 0, 1)


def test_patterns_7_old_best_response_table_falls_back_and_all_treated_counts_everyone():
    # P1 50 -> 30 mm (-40 %: PR); P2 non-target only, no follow-up; P3 a 40 mm target, no follow-up.
    # With baseline_sum: n 2 (P1, P3), excluded 1 (P2). A table without it (older version) reads the
    # timepoint rows, where P2 and P3 have none: n 3, not_checked 2 (README). all_treated: n 3, excluded 0.
    rows = [row(-7, "T1", 50), row(56, "T1", 30), row(-7, "N1", None, patient="P2"),
            row(-7, "T1", 40, patient="P3")]
    result = assess(rows, ("recist11",))
    assert denominator(rates(result)) == (2, 1, 0, 1)
    old = result.best_response.drop(columns=["baseline_sum"])
    assert denominator(rates(old, result.timepoints)) == (3, 0, 2, 1)
    assert denominator(rates(result, population="all_treated")) == (3, 0, 0, 1)


def test_anatomic_1_2_targets_all_below_measurable_size_are_not_measurable_disease():
    # P1: the reader marks a liver lesion of 8 mm (< 10 mm: non-measurable, spec 1.2) and a node of short axis
    # 12 mm (10-15 mm: pathological, non-measurable) as targets, kept by on_baseline_violation="warn";
    # P2: a 30 mm target (measurable), 30 mm on day 56 (SD). Measurable at baseline: P2 only -> n 1,
    # excluded 1; P1's "PR" (8 -> 4 mm, 12 -> 8 mm) is no objective response of measurable disease ->
    # responders 0.
    rows = [row(-7, "T1", 8), row(-7, "T2", 12, node=True, organ="lymph node"), row(56, "T1", 4),
            row(56, "T2", 8, node=True, organ="lymph node"),
            row(-7, "T1", 30, patient="P2"), row(56, "T1", 30, patient="P2")]
    result = assess(rows, ("recist11",), on_baseline_violation="warn")
    assert denominator(rates(result)) == (1, 1, 0, 0)


# ---------------------------------------------------------------------------------------------------
# 2. durable.drr_optim (spec/patterns.md 4.1)
# ---------------------------------------------------------------------------------------------------

def drr(rows, criterion) -> tuple[str, str]:
    result = assess(rows, (criterion,), patterns=True, response_criterion=criterion)
    found = result.patterns[result.patterns["definition"] == "durable.drr_optim"]
    assert len(found) == 1
    return str(found["flag"].iloc[0]), str(found["reason"].iloc[0])


# Baseline 50 mm; day 56: 34 mm (-32 %: PR); 36 mm is -28 % vs baseline (not PR) and +2 mm vs the nadir 34
# (not PD): SD (RECIST 1.1 sec. 4.3.1); 30 mm is -40 %: PR again.
RESPONSE = [row(-7, "T1", 50), row(56, "T1", 34)]


@pytest.mark.parametrize("criterion", ["recist11", "irecist", "irrecist"])
def test_patterns_4_1_response_then_ne_then_stable_disease_is_not_durable(criterion):
    # PR day 56, NE day 112 (target not evaluable), SD day 168, no progression: the response lasted from
    # day 56 to at most day 112 (< 183 days), and the patient is no longer responding: false.
    rows = [*RESPONSE, row(112, "T1", None, status="not_evaluable"), row(168, "T1", 36)]
    assert drr(rows, criterion)[0] == "false"


def test_patterns_4_1_response_stable_response_again_is_still_responding():
    # PR 56, SD 112, PR 168 (last assessment in response): last response day 168 - onset 56 = 112 < 183,
    # still responding -> not evaluable (spec 4.1).
    rows = [*RESPONSE, row(112, "T1", 36), row(168, "T1", 30)]
    assert drr(rows, "recist11")[0] == "not_evaluable"


def test_patterns_4_1_iupd_right_after_ipr_stays_not_evaluable():
    # iPR on day 56, then a new 15 mm lung lesion on day 112: iUPD (iRECIST Table 2), unconfirmed at the end
    # of data. iUPD is not stable disease and not a loss (the loss is iCPD): not evaluable, not false.
    rows = [*RESPONSE, row(112, "T1", 34), row(112, "U1", 15, organ="lung")]
    assert drr(rows, "irecist")[0] == "not_evaluable"


def test_patterns_4_1_ipr_then_isd_then_iupd_is_not_durable():
    # iPR 56 (34 mm), iSD 112 (36 mm), iUPD 168 (new 15 mm lung lesion, unconfirmed). No iCPD: no loss day.
    # Last assessment in response: none after day 56 (day 56 - 56 = 0 < 183); the patient is not still
    # responding (iSD on day 112, then iUPD) -> false. RECIST 1.1 on the same scans: PR, SD, PD on day 168,
    # 168 - 56 = 112 < 183 -> false.
    rows = [*RESPONSE, row(112, "T1", 36), row(168, "T1", 36), row(168, "U1", 15, organ="lung")]
    assert drr(rows, "recist11")[0] == "false"
    assert drr(rows, "irecist")[0] == "false"


# ---------------------------------------------------------------------------------------------------
# 3. new lesions without organ and the per-organ caps (spec/anatomic.md 0.1, 2.4, 3.4)
# ---------------------------------------------------------------------------------------------------

def irrc_new(count, organ="", node=False):
    # index lesion 20 x 10 mm (200 mm2) unchanged; ``count`` new lesions of 10 x 10 mm (100 mm2) on day 56
    rows = [row(-7, "T1", 20, perpendicular_mm=10.0), row(56, "T1", 20, perpendicular_mm=10.0)]
    for k in range(count):
        rows.append(row(56, f"U{k:02d}", 10, organ=organ, node=node, perpendicular_mm=10.0,
                        long_axis_mm=10.0))
    return rows


@pytest.mark.parametrize(("count", "organ", "node", "new_sum"), [
    (7, "", False, 700.0),        # no organ: no 5-per-organ cap, 7 <= 10 visceral -> 7 x 100
    (12, "", False, 1000.0),      # the 10 visceral cap still applies -> 10 x 100
    (7, "lung", False, 500.0),    # one organ: 5 per organ -> 5 x 100
    (6, "", True, 500.0),         # nodes are one organ "lymph node" whatever organ says (0.1) -> 5 x 100
])
def test_anatomic_2_4_irrc_caps_of_new_lesions_without_organ(count, organ, node, new_sum):
    # TB = 200 + new_sum >= 1.25 x 200: irPD band (spec 2.4).
    timepoint = assess(irrc_new(count, organ, node), ("irrc",)).timepoints.iloc[0]
    assert timepoint["new_lesion_sum"] == new_sum
    assert timepoint["current_sum"] == 200.0 + new_sum


@pytest.mark.parametrize(("count", "new_sum"), [(3, 36.0), (6, 60.0)])
def test_anatomic_3_4_irrecist_total_cap_of_new_lesions_without_organ(count, new_sum):
    # New measurable 12 mm lesions without organ: no 2-per-organ cap, the total cap of 5 applies (3.4):
    # 3 -> 36 mm; 6 -> 5 x 12 = 60 mm. TMTB = 20 + new sum.
    rows = [row(-7, "T1", 20), row(56, "T1", 20)] + [row(56, f"U{k}", 12, organ="") for k in range(count)]
    timepoint = assess(rows, ("irrecist",)).timepoints.iloc[0]
    assert (timepoint["new_lesion_sum"], timepoint["current_sum"]) == (new_sum, 20.0 + new_sum)


# ---------------------------------------------------------------------------------------------------
# 4. dates and days that disagree (README lesion table contract; spec/anatomic.md 0.1)
# ---------------------------------------------------------------------------------------------------

# date - day: 2024-01-01 + 7 = 2024-01-08 and 2024-06-01 - 56 = 2024-04-06 and 2024-04-28 - 112 = 2024-01-07:
# three treatment starts; by date the day-112 scan comes before the day-56 one. Sizes 50 -> 30 (day 56,
# -40 %: PR) -> 45 (day 112, +15 mm and +50 % vs nadir 30: PD).
DATED = [row(-7, "T1", 50, date="2024-01-01"), row(56, "T1", 30, date="2024-06-01"),
         row(112, "T1", 45, date="2024-04-28")]


def test_dates_and_days_that_disagree_are_refused_by_default_with_a_located_message():
    with pytest.raises(InputError) as refused:
        ioresponse.assess(pd.DataFrame(DATED), criteria=("recist11",), patterns=False)
    text = str(refused.value)
    assert "rows 2-4" in text and "column date" in text and "patient P1" in text  # header = row 1


def test_dates_and_days_that_disagree_are_placed_by_day_with_validation_warn():
    # By day: 56 (PR), then 112 (PD vs nadir 30); by date the order would be reversed.
    result = assess(DATED, ("recist11",), validation="warn")
    timepoints = result.timepoints
    assert timepoints["day"].tolist() == [56, 112]
    assert timepoints["overall_response"].tolist() == ["PR", "PD"]
    assert timepoints["date"].astype(str).tolist() == ["2024-06-01", "2024-04-28"]  # kept as given


def test_treatment_start_against_date_minus_day_stays_an_error_with_validation_warn():
    # The patient table gives 2024-01-08; the day-56 and day-112 rows imply other starts (anatomic.md 0.1).
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2024-01-08"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InputError, match="treatment_start"):
            ioresponse.assess(pd.DataFrame(DATED), criteria=("recist11",), patients=patients,
                              validation="warn", patterns=False)


def test_pet_table_dates_and_days_that_disagree_are_kept_with_validation_warn():
    # Baseline day -7 (2024-01-01: start 2024-01-08), day 56 (2024-03-04: 2024-01-08), day 112 dated
    # 2024-05-01 (start 2024-01-10): two starts. SULpeak 8.0 -> 5.6 -> 5.6 with T = 3.5: -30 % and -2.4 SUL
    # vs baseline at both follow-ups: PMR, PMR (PERCIST, metabolic.md 5.5), placed on days 56 and 112.
    spec = [("A", -7, "L1", "target", "liver", 8.0), ("A", 56, "L1", "target", "liver", 5.6),
            ("A", 112, "L1", "target", "liver", 5.6)]
    data = pet(spec, dates=["2024-01-01", "2024-03-04", "2024-05-01"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(data, criteria=("percist",), patterns=False, validation="warn")
    assert result.timepoints["day"].tolist() == [56, 112]
    assert result.timepoints["overall_response"].tolist() == ["PMR", "PMR"]


# ---------------------------------------------------------------------------------------------------
# 5. CLI
# ---------------------------------------------------------------------------------------------------

def test_cli_version_and_warn_implausible_exit_codes(tmp_path):
    version = cli("--version")
    assert version.exit_code == 0 and "0.1.0" in version.output
    path = tmp_path / "lesions.csv"
    pd.DataFrame(DATED).to_csv(path, index=False)
    refused = cli("assess", path, "--out", tmp_path / "a", "--no-patterns")
    assert refused.exit_code == 2  # an input error (README)
    kept = cli("assess", path, "--out", tmp_path / "b", "--no-patterns", "--warn-implausible")
    assert kept.exit_code == 0, kept.output
    timepoints = pd.read_csv(tmp_path / "b" / "timepoints.csv")
    assert timepoints["day"].tolist() == [56, 112]  # placed by day


def test_readme_calls_on_examples_lesions():
    # README: P01 a (confirmed) partial response; P02 PD under RECIST 1.1 at day 56 with a new lesion, iUPD
    # then iSD then iPR under iRECIST; P03 iCPD. Hand sums: P01 40 + 25 = 65 -> 28 + 16 = 44 (-32.3 %: PR)
    # -> 41 (-36.9 %: PR, confirmed 56 days later); P03 40 -> 52 (+30 %, +12 mm: iUPD) -> 63 (+11 mm: iCPD).
    result = assess(pd.read_csv(EXAMPLES), ("recist11", "irecist"))
    best = result.best_response.set_index(["patient_id", "criterion"])
    assert best.loc[("P01", "recist11"), "best_response_confirmed"] == "PR"
    assert best.loc[("P03", "irecist"), "best_response"] == "iCPD"
    tp = result.timepoints
    p02 = tp[(tp["patient_id"] == "P02") & (tp["criterion"] == "irecist")]["overall_response"].tolist()
    assert p02 == ["iUPD", "iSD", "iPR"]
    p02_recist = tp[(tp["patient_id"] == "P02") & (tp["criterion"] == "recist11")]["overall_response"]
    assert p02_recist.iloc[0] == "PD"
    assert best.loc[("P01", "recist11"), "baseline_sum"] == 65.0
