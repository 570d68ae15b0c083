"""Audit of the cohort endpoints and biomarker rules against spec/patterns.md sections 6 and 7.

Every expected value is computed by hand from the spec text (arithmetic in the comments); published
reference values are quoted where the spec gives them (7.1 check table, 7.2 example).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "criteria"))
from _lesions import lesions, study  # noqa: E402

from ioresponse.api import compare  # noqa: E402
from ioresponse.biomarkers import evaluate_biomarkers, il8_changes  # noqa: E402
from ioresponse.cli import app  # noqa: E402
from ioresponse.cohort.agreement import cohen_kappa, reader_agreement  # noqa: E402
from ioresponse.cohort.rates import clopper_pearson, response_rates  # noqa: E402
from ioresponse.cohort.reclassification import by_reader, per_reader, reclassification_matrix  # noqa: E402
from ioresponse.cohort.survival import (  # noqa: E402
    KaplanMeierByGroup,
    pfs_durations,
    response_durations,
)
from ioresponse.criteria import registry  # noqa: E402
from ioresponse.schema import BEST_RESPONSE_COLUMNS, TIMEPOINT_COLUMNS, InputError  # noqa: E402


def _assess(key, text, **options):
    return registry()[key].assess(study(lesions(text)), **options)


def _best_table(rows, criterion="recist11"):
    """Best-response rows (patient, best, confirmed) in the schema of spec/anatomic.md 0.9."""
    table = pd.DataFrame(rows, columns=["patient_id", "best_response", "best_response_confirmed"])
    table["criterion"] = criterion
    table["reader"] = ""
    for column in BEST_RESPONSE_COLUMNS:
        if column not in table.columns:
            table[column] = np.nan
    return table[list(BEST_RESPONSE_COLUMNS)]


# --- 7.1 ORR: Clopper-Pearson exact interval --------------------------------------------------------------


@pytest.mark.parametrize(("x", "n", "low_pct", "high_pct"), [
    (12, 40, 16.56, 46.53),
    (0, 25, 0.00, 13.72),
    (25, 25, 86.28, 100.00),
    (1, 10, 0.25, 44.50),
    (56, 406, 10.59, 17.53),
    (12, 131, 4.82, 15.45),
    (39, 152, 18.93, 33.36),
    (10, 34, 15.10, 47.48),
    (7, 20, 15.39, 59.22),  # brief: exact 95 % CI of 7/20 is 0.1539-0.5922 (R binom.test)
])
def test_7_1_clopper_pearson_matches_the_spec_check_table(x, n, low_pct, high_pct):
    # spec 7.1 "Checks (computed; use as test values)": rate and exact 95 % CI, percentages to 2 decimals.
    low, high = clopper_pearson(x, n)
    assert (round(low * 100, 2), round(high * 100, 2)) == (low_pct, high_pct)


def test_7_2_worked_example_40_patients_orr_and_dcr_with_denominator():
    # spec 7.2 example: 3 CR, 9 PR, 10 SD (all after day 42), 18 PD -> ORR 12/40 = 30.00 % (16.56-46.53 %),
    # DCR 22/40 = 55.00 % (38.49-70.74 %); "the denominator is printed with every rate" (spec 7).
    labels = ["CR"] * 3 + ["PR"] * 9 + ["SD"] * 10 + ["PD"] * 18
    table = _best_table([(f"P{i:02d}", b, b) for i, b in enumerate(labels)])
    row = response_rates(table).iloc[0]
    assert (row["n"], row["responders"], row["disease_control"]) == (40, 12, 22)
    assert row["orr"] == pytest.approx(0.30) and row["dcr"] == pytest.approx(0.55)
    assert (round(row["orr_ci_low"] * 100, 2), round(row["orr_ci_high"] * 100, 2)) == (16.56, 46.53)
    assert (round(row["dcr_ci_low"] * 100, 2), round(row["dcr_ci_high"] * 100, 2)) == (38.49, 70.74)


def test_7_1_irrc_orr_counts_confirmed_responses_recist_unconfirmed_by_default():
    # spec 7.1: "confirmed when the criterion requires confirmation, i.e. read from best_response_confirmed
    # when the criterion's confirm_response is on or the criterion always confirms, otherwise from
    # best_response". anatomic.md 0.9: irRC confirm_response defaults to True; RECIST 1.1 to False.
    # Two patients, each an unconfirmed response in P2: irRC ORR = 1/2 (confirmed column: irPR, irSD);
    # RECIST 1.1 ORR = 2/2 (best_response column: PR, PR).
    irrc = _best_table([("P1", "irPR", "irPR"), ("P2", "irPR", "irSD")], criterion="irrc")
    recist = _best_table([("P1", "PR", "PR"), ("P2", "PR", "SD")], criterion="recist11")
    summary = response_rates(pd.concat([recist, irrc], ignore_index=True)).set_index("criterion")
    assert summary.loc["recist11", "responders"] == 2
    assert summary.loc["irrc", "responders"] == 1


def test_7_1_pet_immune_unconfirmed_progression_labels_are_neither_response_nor_control():
    # spec 7.1: responders CMR/PMR for PET criteria; 7.2 DCR = CR + PR + SD (SMD for PET).
    # iPERCIST labels UPMD/CPMD (patterns.md 0.5) are progression: 5 patients CMR, PMR, SMD, UPMD, CPMD ->
    # ORR 2/5 = 0.4, DCR 3/5 = 0.6.
    table = _best_table([(f"P{i}", b, b) for i, b in enumerate(["CMR", "PMR", "SMD", "UPMD", "CPMD"])],
                        criterion="ipercist")
    row = response_rates(table).iloc[0]
    assert (row["responders"], row["disease_control"], row["n"]) == (2, 3, 5)


# --- 7.2 DCR: SD counts only at or after min_sd_days ------------------------------------------------------

SD_THEN_PD = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
{sd_day} T1 target liver n   45   present
84  T1     target liver n    62   present
"""


def _sd_cohort(**options):
    # One target 50 mm. SD day: 45 mm (-10 %: SD). Day 84: 62 mm = +17 mm and +37.8 % over nadir 45 -> PD.
    # P1 has its SD on day 41, P2 on day 42.
    p1 = lesions(SD_THEN_PD.format(sd_day=41), patient_id="P1")
    p2 = lesions(SD_THEN_PD.format(sd_day=42), patient_id="P2")
    table = pd.concat([p1, p2], ignore_index=True)
    table["source_row"] = range(2, len(table) + 2)
    result = registry()["recist11"].assess(study(table), **options)
    return result.best_response


def test_7_2_dcr_counts_sd_recorded_exactly_at_min_sd_days_not_one_day_earlier():
    # spec 7.2: "SD counts only if it is recorded at or after min_sd_days from treatment_start" (42 here):
    # P1 SD on day 41 < 42 -> best PD, no disease control; P2 SD on day 42 >= 42 -> SD. DCR = 1/2.
    best = _sd_cohort().set_index("patient_id")
    assert best.loc["P1", "best_response"] == "PD" and best.loc["P2", "best_response"] == "SD"
    row = response_rates(best.reset_index()).iloc[0]
    assert (row["n"], row["responders"], row["disease_control"]) == (2, 0, 1)
    # 1/2 exact CI: low = 1 - 0.975 ** 0.5 = 0.01258, high = 0.975 ** 0.5 = 0.98742 (closed form x=1, n=2)
    assert row["dcr_ci_low"] == pytest.approx(1 - 0.975 ** 0.5, abs=1e-6)
    assert row["dcr_ci_high"] == pytest.approx(0.975 ** 0.5, abs=1e-6)


def test_7_2_dcr_uses_the_criterion_min_sd_days_option():
    # spec 7.2: "ioresponse uses the same min_sd_days as anatomic.md": with 56, neither SD (day 41, 42)
    # counts.
    row = response_rates(_sd_cohort(min_sd_days=56)).iloc[0]
    assert row["disease_control"] == 0


# --- 7.3 Duration of response -----------------------------------------------------------------------------

RESPONSE_THEN_PD = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    30   present
112 T1     target liver n    {d112} present
{last} T1  target liver n    {dlast} present
"""


def test_7_3_recist_dor_first_pr_to_pd_and_censored_at_last_adequate_assessment():
    # spec 7.3: DoR from the first CR/PR date to the first progression date, censored at the last adequate
    # assessment. P1: PR day 56 (30 vs 50 = -40 %), 30 on day 112, 40 on day 168 (+10 mm, +33 % over nadir
    # 30 -> PD): DoR = 168 - 56 = 112, event. P2: PR day 56, 28 on 112 and 168, no PD: 168 - 56 = 112
    # censored.
    p1 = lesions(RESPONSE_THEN_PD.format(d112=30, last=168, dlast=40), patient_id="P1")
    p2 = lesions(RESPONSE_THEN_PD.format(d112=28, last=168, dlast=28), patient_id="P2")
    table = pd.concat([p1, p2], ignore_index=True)
    table["source_row"] = range(2, len(table) + 2)
    best = registry()["recist11"].assess(study(table)).best_response
    durations = response_durations(best).set_index("patient_id")
    assert durations.loc["P1", "duration_days"] == 112 and bool(durations.loc["P1", "event"])
    assert durations.loc["P2", "duration_days"] == 112 and not bool(durations.loc["P2", "event"])
    summary = KaplanMeierByGroup().fit(durations.reset_index()).summary
    assert (summary.loc[0, "n"], summary.loc[0, "events"]) == (2, 1)


def test_7_3_irecist_dor_ends_at_the_iupd_date_confirmed_as_icpd():
    # spec 7.3: "iRECIST: the iUPD date when later confirmed as iCPD" (iDOR). Target 50 -> 30 on day 56
    # (-40 %: iPR); 40 on day 112 (+10 mm, +33 % over nadir 30: iUPD); 46 on day 154, 42 days later, +6 mm
    # over the iUPD sum (>= 5 mm: iCPD). DoR = 112 - 56 = 56 days, event; PFS event on day 112.
    text = RESPONSE_THEN_PD.format(d112=40, last=154, dlast=46)
    row = _assess("irecist", text).best_response.iloc[0]
    assert row["best_response"] == "iPR"
    assert row["progression_day"] == 112
    assert row["duration_of_response_days"] == 56
    assert bool(row["pfs_event"]) and row["pfs_day"] == 112
    durations = response_durations(_assess("irecist", text).best_response)
    assert durations.loc[0, "duration_days"] == 56 and bool(durations.loc[0, "event"])


def test_7_3_km_median_and_95ci_on_a_small_hand_made_set():
    # spec 7.3: "Kaplan-Meier median with 95 % CI (lifelines), number of events and censored".
    # Days 56 (event), 84 (censored), 112 (event), 140 (event), 168 (censored):
    # S(56) = 4/5 = 0.8; S(112) = 0.8 * 2/3 = 0.5333; S(140) = 0.5333 * 1/2 = 0.2667 -> median 140 (first
    # time with S <= 0.5). Exponential Greenwood band, z = 1.95996: Greenwood sums 1/(5*4) = 0.05,
    # + 1/(3*2) = 0.2167, + 1/(2*1) = 0.7167; v = sum / log(S)^2; lower = S ** exp(z sqrt v):
    # at 56: v = 0.05 / 0.04979 = 1.0042, lower = 0.8 ** 7.128 = 0.204 <= 0.5 -> CI low = 56;
    # upper = S ** exp(-z sqrt v): 0.969 (56), 0.863 (112), 0.686 (140), never <= 0.5 -> CI high = inf.
    data = pd.DataFrame({"criterion": "recist11", "duration_days": [56, 84, 112, 140, 168],
                         "event": [True, False, True, True, False]})
    summary = KaplanMeierByGroup().fit(data).summary.iloc[0]
    assert (summary["n"], summary["events"]) == (5, 3)
    assert summary["median_days"] == 140
    assert summary["median_ci_low"] == 56
    assert math.isinf(summary["median_ci_high"])


def test_7_3_km_median_when_the_curve_lands_exactly_on_one_half():
    # Four events on days 56, 84, 112, 140: S = 0.75, 0.50, 0.25, 0. lifelines (spec 7.3) takes the first
    # time with S <= 0.5: median 84 (not the midpoint 98 some packages report).
    data = pd.DataFrame({"criterion": "x", "duration_days": [56, 84, 112, 140], "event": [True] * 4})
    assert KaplanMeierByGroup().fit(data).summary.loc[0, "median_days"] == 84


# --- 7.4 PFS by criterion ---------------------------------------------------------------------------------

# spec anatomic.md 4.10 iR1: iUPD from a new lesion on day 56 that resolves: reset (iSD 112), iPR 168;
# RECIST 1.1 calls day 56 PD (new lesion).
IR1 = """
day lesion role       organ node long status
-7  T1     target     liver n    40   present
-7  T2     target     liver n    30   present
-7  NT1    non_target bone  n    -    present
56  T1     target     liver n    36   present
56  T2     target     liver n    26   present
56  NT1    non_target bone  n    -    present
56  N1     new        lung  n    8    present
112 T1     target     liver n    30   present
112 T2     target     liver n    20   present
112 NT1    non_target bone  n    -    present
112 N1     new        lung  n    -    absent
168 T1     target     liver n    26   present
168 T2     target     liver n    18   present
168 NT1    non_target bone  n    -    present
168 N1     new        lung  n    -    absent
"""


def test_7_4_pfs_side_by_side_recist_pd_is_event_irecist_reset_iupd_is_censored():
    # spec 7.4: RECIST 1.1 event = first PD (day 56); iRECIST "an iUPD resolved by iSD/iPR/iCR is not an
    # event" -> censored at the last adequate assessment (day 168).
    best = pd.concat([_assess("recist11", IR1).best_response, _assess("irecist", IR1).best_response],
                     ignore_index=True)
    durations = pfs_durations(best).set_index("criterion")
    assert durations.loc["recist11", "duration_days"] == 56 and bool(durations.loc["recist11", "event"])
    assert durations.loc["irecist", "duration_days"] == 168 and not bool(durations.loc["irecist", "event"])
    assert durations.loc["irecist", "event_type"] == "censored"
    summary = KaplanMeierByGroup().fit(durations.reset_index()).summary.set_index("criterion")
    assert summary.loc["recist11", "events"] == 1 and summary.loc["irecist", "events"] == 0


OPEN_IUPD = """
day lesion role   organ node long status
-7  T1     target liver n    60   present
56  T1     target liver n    75   present
"""


def test_7_4_unconfirmed_iupd_then_death_is_an_event_at_the_iupd_date_by_default():
    # spec 7.4: "an iUPD at the last assessment followed by death or stop without confirmation is an event
    # at the iUPD date by default". 60 -> 75 mm on day 56 (+25 %, +15 mm: iUPD), last scan; death on day 100.
    # PFS = 56 days, event (progression at the iUPD date), not the death day.
    best = _assess("irecist", OPEN_IUPD).best_response
    patients = pd.DataFrame({"patient_id": ["P1"], "os_days": [100], "os_event": [True]})
    row = pfs_durations(best, patients).iloc[0]
    assert row["duration_days"] == 56 and bool(row["event"])
    assert row["event_type"] == "progression"


def test_7_4_progression_before_death_keeps_the_progression_date():
    # spec 7.4: event = progression; "death without progression is an event" only applies without one.
    # P1 PD day 84, died day 300 -> 84, progression. P2 censored day 120, alive at 400 -> censored 120.
    best = pd.DataFrame({"patient_id": ["P1", "P2"], "criterion": "recist11", "reader": "",
                         "pfs_day": [84, 120], "pfs_event": [True, False]})
    patients = pd.DataFrame({"patient_id": ["P1", "P2"], "os_days": [300, 400], "os_event": [True, False]})
    durations = pfs_durations(best, patients).set_index("patient_id")
    assert (durations.loc["P1", "duration_days"], durations.loc["P1", "event_type"]) == (84, "progression")
    assert (durations.loc["P2", "duration_days"], durations.loc["P2", "event_type"]) == (120, "censored")


# --- Report CLI prints rates (spec 7: per criterion, denominator printed) ---------------------------------


def test_7_report_cli_writes_rates_per_criterion_with_denominator(tmp_path):
    # spec 7.2 example again, through `ioresponse report OUTDIR`: rates.csv row n = 40, ORR 0.30, DCR 0.55.
    labels = ["CR"] * 3 + ["PR"] * 9 + ["SD"] * 10 + ["PD"] * 18
    best = _best_table([(f"P{i:02d}", b, b) for i, b in enumerate(labels)])
    best["pfs_event"] = [label == "PD" for label in labels]
    best["pfs_day"] = 84.0
    best.to_csv(tmp_path / "best_response.csv", index=False)
    pct = {"CR": -100.0, "PR": -40.0, "SD": 0.0, "PD": 25.0}
    timepoints = pd.DataFrame({"patient_id": best["patient_id"], "reader": "", "criterion": "recist11",
                               "date": "", "day": 84, "baseline_sum": 100.0,
                               "pct_change_baseline": [pct[b] for b in labels], "overall_response": labels})
    for column in TIMEPOINT_COLUMNS:
        if column not in timepoints.columns:
            timepoints[column] = np.nan if column.endswith(("sum", "_day")) else ""
    timepoints.to_csv(tmp_path / "timepoints.csv", index=False)
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rates = pd.read_csv(tmp_path / "rates.csv")
    row = rates.iloc[0]
    assert (row["criterion"], row["n"], row["responders"], row["disease_control"]) == ("recist11", 40, 12, 22)
    assert round(row["dcr_ci_low"] * 100, 2) == 38.49 and round(row["dcr_ci_high"] * 100, 2) == 70.74


# --- Reclassification between criteria (side-by-side comparison) ------------------------------------------


def _two_reader_best():
    # Patient P1 read by two readers: R1 RECIST PD / iRECIST iSD; R2 RECIST PD / iRECIST iCPD. P2 (R1 only)
    # PR / iPR.
    rows = [("P1", "R1", "recist11", "PD"), ("P1", "R1", "irecist", "iSD"),
            ("P1", "R2", "recist11", "PD"), ("P1", "R2", "irecist", "iCPD"),
            ("P2", "R1", "recist11", "PR"), ("P2", "R1", "irecist", "iPR")]
    table = pd.DataFrame(rows, columns=["patient_id", "reader", "criterion", "best_response"])
    table["best_response_confirmed"] = table["best_response"]
    return table


def test_reclassification_matches_patient_and_reader_not_a_cross_join():
    # 3 (patient, reader) subjects -> 3 counts: R1 PD->iSD 1 and PR->iPR 1, R2 PD->iCPD 1 (a cross join on
    # patient alone would give 2 x 2 = 4 cells for P1). One matrix per reader: the pooled table is refused
    # (README "Command line": each matrix counts a patient once; session 19).
    with pytest.raises(InputError, match="several readers"):
        reclassification_matrix(_two_reader_best(), "recist11", "irecist")
    matrix = by_reader({name: reclassification_matrix(part, "recist11", "irecist")
                        for name, part in per_reader(_two_reader_best())})
    assert int(matrix.to_numpy().sum()) == 3
    assert matrix.loc[("R1", "PD"), "iSD"] == 1 and matrix.loc[("R1", "PR"), "iPR"] == 1
    assert matrix.loc[("R2", "PD"), "iCPD"] == 1


def test_compare_moves_name_the_patients_and_reader_of_each_reclassification():
    comparison = compare(_two_reader_best(), reference="recist11")
    assert list(comparison.wide.columns) == ["patient_id", "reader", "recist11", "irecist"]
    cells = comparison.cells
    moves = cells[cells["reclassified"]].set_index("response")
    # Labels differ for every subject (PD->iCPD, PD->iSD, PR->iPR), but iCPD is RECIST PD and iPR is PR
    # (spec anatomic.md 0.9, section 8): only PD->iSD is a reclassification.
    assert moves["n"].sum() == 1
    assert moves.loc["iSD", ["reader", "patients"]].tolist() == ["R1", "P1"]  # reader R1's matrix
    assert set(comparison.matrices) == {"irecist"}


def test_compare_cli_writes_wide_and_reclassification_tables(tmp_path):
    # the table as `assess` writes it: every column of the contract (spec/anatomic.md 0.9)
    best = _two_reader_best().reindex(columns=BEST_RESPONSE_COLUMNS)
    best.to_csv(tmp_path / "best_response.csv", index=False)
    result = CliRunner().invoke(app, ["compare", str(tmp_path)])
    assert result.exit_code == 0, result.output
    wide = pd.read_csv(tmp_path / "compare_wide.csv", keep_default_na=False)
    assert len(wide) == 3 and set(wide["irecist"]) == {"iSD", "iCPD", "iPR"}
    cells = pd.read_csv(tmp_path / "compare_reclassification.csv")
    assert cells["n"].sum() == 3  # every subject in its cell
    assert cells.loc[cells["reclassified"], "n"].sum() == 1  # PD -> iSD; PD -> iCPD, PR -> iPR: same category
    shown = " ".join(result.output.split())
    assert "each criterion's own best response, reader R1 " in shown  # one matrix per reader (spec 8)
    assert "PD -> iSD: 1 (P1)" in shown


# --- Reader agreement: Cohen's kappa --------------------------------------------------------------------


def test_cohen_kappa_three_categories_by_hand():
    # Cohen 1960: kappa = (p_o - p_e) / (1 - p_e). 10 patients:
    # A: PR PR PR SD SD SD SD PD PD PD;  B: PR PR SD SD SD SD PD PD PD PR.
    # p_o = 7/10 = 0.7; marginals A (3, 4, 3), B (3, 4, 3): p_e = (9 + 16 + 9) / 100 = 0.34;
    # kappa = 0.36 / 0.66 = 0.545454...
    a = ["PR"] * 3 + ["SD"] * 4 + ["PD"] * 3
    b = ["PR", "PR", "SD", "SD", "SD", "SD", "PD", "PD", "PD", "PR"]
    assert cohen_kappa(a, b) == pytest.approx(0.36 / 0.66)


def test_reader_agreement_on_timepoints_pairs_patient_and_day_for_three_readers():
    # Timepoint table: pairs matched on patient and day. Readers R1, R2, R3 on P1 days 56, 112:
    # R1 (PR, PD), R2 (PR, PD), R3 (SD, PD). Pairs: R1-R2 agree 2/2 -> kappa 1;
    # R1-R3: p_o = 1/2; R1 marginals PR 1/2, PD 1/2; R3 SD 1/2, PD 1/2; p_e = 0.5 * 0.5 = 0.25;
    # kappa = (0.5 - 0.25) / 0.75 = 1/3. Same for R2-R3.
    rows = [("R1", 56, "PR"), ("R1", 112, "PD"), ("R2", 56, "PR"), ("R2", 112, "PD"),
            ("R3", 56, "SD"), ("R3", 112, "PD")]
    table = pd.DataFrame(rows, columns=["reader", "day", "overall_response"])
    table["patient_id"] = "P1"
    table["criterion"] = "recist11"
    result = reader_agreement(table, column="overall_response").set_index(["reader_a", "reader_b"])
    assert len(result) == 3
    assert result.loc[("R1", "R2"), "n"] == 2 and result.loc[("R1", "R2"), "kappa"] == pytest.approx(1.0)
    assert result.loc[("R1", "R3"), "observed_agreement"] == pytest.approx(0.5)
    assert result.loc[("R1", "R3"), "kappa"] == pytest.approx(1 / 3)
    assert result.loc[("R2", "R3"), "kappa"] == pytest.approx(1 / 3)


# --- 6. Biomarkers ----------------------------------------------------------------------------------------

NSCLC_1L = {"patient_id": "P", "tumor_type": "NSCLC", "line_of_therapy": 1, "drug": "pembrolizumab",
            "egfr_alk_negative": True, "pdl1_assay": "22C3"}
UC_1L = {"patient_id": "P", "tumor_type": "urothelial", "line_of_therapy": 1, "cisplatin_eligible": False}
AGNOSTIC = {"patient_id": "P", "tumor_type": "endometrial", "drug": "pembrolizumab",
            "prior_treatment_progressed": True}


def _rows(row, **options):
    return evaluate_biomarkers(pd.DataFrame([row]), **options).set_index("rule_id")


@pytest.mark.parametrize(("tps", "us_1pct", "eu_50pct"), [
    (1.0, "true", "false"),  # 1 >= 1, 1 < 50
    (0.99, "false", "false"),  # 0.99 < 1
    (50 - 1e-11, "true", "true"),  # spec 0.4: x >= t tested as x >= t - 1e-9
])
def test_6_3_nsclc_first_line_tps_cutoffs_and_float_tolerance(tps, us_1pct, eu_50pct):
    # spec 6.3 BM-NSCLC-1L-1-US (TPS >= 1 %) and BM-NSCLC-1L-50 (TPS >= 50 %), 22C3, first line.
    table = _rows(NSCLC_1L | {"pdl1_tps": tps})
    assert table.loc["BM-NSCLC-1L-1-US", "meets_cutoff"] == us_1pct
    assert table.loc["BM-NSCLC-1L-50", "meets_cutoff"] == eu_50pct


def test_6_3_first_line_nsclc_rules_need_no_egfr_alk_alteration():
    # spec 6.3 context "no EGFR/ALK alteration": egfr_alk_negative false -> the first-line rules do not apply.
    assert _rows(NSCLC_1L | {"egfr_alk_negative": False, "pdl1_tps": 80}).empty


def test_6_6_BM3_ic_5_and_cps_10_at_cutoff_note_the_consensus_strict_wording():
    # spec 6.6 BM-3 / section 8: label IC >= 5 % (SP142), CPS >= 10 (22C3, a score, not a percentage);
    # consensus writes "> 5 %" and "> 10 %" -> at exactly 5 and 10 the label is met, the wording not.
    ic = _rows(UC_1L | {"drug": "atezolizumab", "pdl1_ic": 5, "pdl1_assay": "SP142"}).loc["BM-UC-1L-IC5"]
    cps = _rows(UC_1L | {"drug": "pembrolizumab", "pdl1_cps": 10, "pdl1_assay": "22C3"}).loc["BM-UC-1L-CPS10"]
    assert ic["meets_cutoff"] == "true" and cps["meets_cutoff"] == "true"
    assert "would not be met" in ic["line"] and "would not be met" in cps["line"]
    assert "10%" not in cps["line"]  # CPS is a unitless score


def test_6_3_missing_cps_is_not_evaluable_with_the_spec_wording():
    # spec 6.3: missing value -> not_evaluable ("PD-L1 CPS not provided").
    table = _rows(UC_1L | {"drug": "pembrolizumab", "pdl1_cps": None, "pdl1_assay": "22C3"})
    row = table.loc["BM-UC-1L-CPS10"]
    assert row["meets_cutoff"] == "not_evaluable" and "PD-L1 CPS not provided" in row["line"]


def test_6_3_ic_from_wrong_assay_is_not_evaluable_naming_it_unless_option():
    # spec 6.3: wrong assay -> not_evaluable with the assay named; option accept_equivalent_assays.
    row = UC_1L | {"drug": "atezolizumab", "pdl1_ic": 10, "pdl1_assay": "SP263"}
    line = _rows(row).loc["BM-UC-1L-IC5"]
    assert line["meets_cutoff"] == "not_evaluable" and "SP263" in line["line"]
    assert _rows(row, accept_equivalent_assays=True).loc["BM-UC-1L-IC5", "meets_cutoff"] == "true"


@pytest.mark.parametrize(("column", "value"), [("pdl1_ic", 100.5), ("pdl1_cps", 101)])
def test_6_3_ic_and_cps_above_100_are_input_errors(column, value):
    # spec 6.3: "Values outside 0-100 for TPS/CPS/IC ... are input errors" (CPS is capped at 100, 6.2).
    with pytest.raises(InputError, match=column):
        evaluate_biomarkers(pd.DataFrame([UC_1L | {"drug": "pembrolizumab", column: value}]))


def test_6_3_tps_0_and_100_are_valid_bounds():
    table = _rows(NSCLC_1L | {"pdl1_tps": 100})
    assert table.loc["BM-NSCLC-1L-50", "meets_cutoff"] == "true"
    assert _rows(NSCLC_1L | {"pdl1_tps": 0}).loc["BM-NSCLC-1L-1-US", "meets_cutoff"] == "false"


@pytest.mark.parametrize(("msi", "mmr", "expected"), [
    ("MSI-L", "", "false"),  # MSI-L is not MSI-H
    ("", "pMMR", "false"),
    ("MSI-H", "pMMR", "true"),  # "MSI-H or dMMR": one positive suffices
    ("MSI-L", "dMMR", "true"),
])
def test_6_3_msi_h_or_dmmr(msi, mmr, expected):
    row = AGNOSTIC | {"msi_status": msi, "mmr_status": mmr}
    assert _rows(row).loc["BM-MSI-AGNOSTIC", "meets_cutoff"] == expected


def test_6_3_agnostic_rules_need_progression_after_prior_treatment_and_missing_tmb_is_not_evaluable():
    # spec 6.3 BM-MSI/TMB-AGNOSTIC context "progressing after prior treatment": false -> not applied;
    # TMB empty -> not_evaluable.
    row = AGNOSTIC | {"msi_status": "MSI-H", "mmr_status": "", "tmb_mut_per_mb": 30,
                      "tmb_assay": "FoundationOne CDx"}
    assert _rows(row | {"prior_treatment_progressed": False}).empty
    table = _rows(row | {"tmb_mut_per_mb": None})
    assert table.loc["BM-TMB-AGNOSTIC", "meets_cutoff"] == "not_evaluable"


def test_6_3_candidate_rows_are_disabled_by_default():
    # spec 6.3: candidate rows (e.g. HNSCC first line pembrolizumab CPS >= 1) "disabled until checked".
    row = {"patient_id": "P", "tumor_type": "HNSCC", "line_of_therapy": 1, "drug": "pembrolizumab",
           "pdl1_cps": 20, "pdl1_assay": "22C3"}
    assert _rows(row).empty
    assert not _rows(row, include_disabled=True).empty


def test_6_3_every_line_is_label_context_with_regulator_as_of_and_source():
    # spec 6.3: output wording "label context, never an eligibility or treatment decision"; every row carries
    # as_of (plus regulator, date and source).
    table = _rows(NSCLC_1L | {"pdl1_tps": 60})
    assert len(table) == 2
    for _, line in table.iterrows():
        assert line["as_of"] and line["regulator"] and line["source"]
        assert "Label context, not a treatment decision" in line["line"]
        assert "eligible" not in line["line"].lower().replace("cisplatin-ineligible", "")


def test_6_4_il8_baseline_is_latest_sample_on_or_before_day_0_and_day_28_is_early():
    # spec 6.4 + 0.2: baseline = latest sample with day <= 0 (day 0: 40, not day -10: 80); early ratio uses
    # the first sample in days 14-28: day 28 (inclusive) is early, day 35 not. 28: 20/40 = 0.5 decrease;
    # 35: 60/40 = 1.5 increase.
    samples = pd.DataFrame({"patient_id": "A", "day": [-10, 0, 28, 35], "analyte": "IL-8",
                            "value": [80.0, 40.0, 20.0, 60.0], "unit": "pg/mL"})
    table = il8_changes(samples).set_index("day")
    assert list(table.index) == [28, 35]
    assert table.loc[28, "il8_ratio"] == pytest.approx(0.5) and bool(table.loc[28, "early"])
    assert table.loc[35, "direction"] == "increase" and not bool(table.loc[35, "early"])


# --- additional probes: denominator, censoring at the last adequate assessment, iDOR after a reset ------

TARGET_PR = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    30   present
112 T1     target liver n    30   present
"""
NON_TARGET_ONLY = """
day lesion role       organ node long status
-7  NT1    non_target bone  n    -    present
56  NT1    non_target bone  n    -    present
112 NT1    non_target bone  n    -    present
"""


def test_7_default_denominator_is_patients_measurable_at_baseline():
    # spec 7: "Denominator option population: measurable_at_baseline (default) | all_treated".
    # P1: target 50 -> 30 (-40 %: PR). P2: non-target only (no measurable disease at baseline):
    # NON-CR/NON-PD. Default denominator = 1 (P1 only): ORR 1/1; with all_treated it would be 1/2.
    table = pd.concat([lesions(TARGET_PR, patient_id="P1"), lesions(NON_TARGET_ONLY, patient_id="P2")],
                      ignore_index=True)
    table["source_row"] = range(2, len(table) + 2)
    result = registry()["recist11"].assess(study(table))
    best = result.best_response
    assert set(best["best_response"]) == {"PR", "NON-CR/NON-PD"}
    # measurability is read from the timepoint rows (baseline_sum 50 for P1, 0 for P2), so they are passed
    row = response_rates(best, timepoints=result.timepoints).iloc[0]
    assert (row["n"], row["responders"]) == (1, 1)
    assert (row["population"], row["excluded"]) == ("measurable_at_baseline", 1)
    every = response_rates(best, timepoints=result.timepoints, population="all_treated").iloc[0]
    assert (every["n"], every["responders"]) == (2, 1)


LAST_SCAN_NE = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    30   present
112 T1     target liver n    30   present
168 T1     target liver n    -    not_evaluable
"""


def test_7_3_7_4_censoring_at_the_last_adequate_assessment_skips_a_final_ne_scan():
    # spec 7.3 / 7.4: "censored at the last adequate assessment": PR on day 56 (-40 %), PR on day 112, NE on
    # day 168 (target not evaluable) -> PFS censored on day 112 (not 168); DoR = 112 - 56 = 56, censored.
    row = _assess("recist11", LAST_SCAN_NE).best_response.iloc[0]
    assert not bool(row["pfs_event"]) and row["pfs_day"] == 112
    durations = response_durations(_assess("recist11", LAST_SCAN_NE).best_response)
    assert durations.loc[0, "duration_days"] == 56 and not bool(durations.loc[0, "event"])


RESET_AFTER_IPR = """
day lesion role   organ node long status
-7  T1     target liver n    50   present
56  T1     target liver n    30   present
112 T1     target liver n    30   present
112 N1     new    lung  n    8    present
154 T1     target liver n    28   present
154 N1     new    lung  n    -    absent
"""


def test_7_3_irecist_dor_is_not_ended_by_an_iupd_that_is_reset():
    # spec 7.3: iDOR ends at "the iUPD date when later confirmed as iCPD"; 7.4 "an iUPD resolved by
    # iSD/iPR/iCR is not an event". iPR day 56 (30 vs 50); new lesion day 112 -> iUPD; day 154 the new lesion
    # is gone and targets 28 (-44 %): iPR, iUPD reset. No event: DoR = 154 - 56 = 98 censored; PFS censored
    # at 154. RECIST 1.1 on the same data: PD on day 112, DoR 112 - 56 = 56 (event).
    irecist = _assess("irecist", RESET_AFTER_IPR).best_response
    row = irecist.iloc[0]
    assert not bool(row["pfs_event"]) and row["pfs_day"] == 154
    durations = response_durations(irecist)
    assert durations.loc[0, "duration_days"] == 98 and not bool(durations.loc[0, "event"])
    recist = response_durations(_assess("recist11", RESET_AFTER_IPR).best_response)
    assert recist.loc[0, "duration_days"] == 56 and bool(recist.loc[0, "event"])


def test_pecrit_rates_dcr_is_the_clinical_benefit_rate_and_orr_is_not_defined():
    # spec/metabolic.md 6.5: PECRIT predicts clinical benefit (CR, PR or SD) and has no response
    # categories. 2 of 4 patients clinical_benefit: DCR 2/4 = 50 %, exact 95 % CI
    # BetaInv(.025; 2, 3) = 6.76 % to BetaInv(.975; 3, 2) = 93.24 %; ORR is not defined (empty), not 0 %.
    labels = ["clinical_benefit", "clinical_benefit", "no_clinical_benefit", "NE"]
    best = pd.DataFrame({"patient_id": ["A", "B", "C", "D"], "reader": "", "criterion": "pecrit",
                         "best_response": labels})
    best["best_response_confirmed"] = best["best_response"]
    row = response_rates(best, population="all_treated").iloc[0]
    assert (row["n"], row["disease_control"], row["dcr"]) == (4, 2, 0.5)
    assert (row["dcr_ci_low"], row["dcr_ci_high"]) == pytest.approx((0.067586, 0.932414), abs=1e-6)
    assert np.isnan(row["orr"]) and np.isnan(row["orr_ci_low"]) and np.isnan(row["orr_ci_high"])
