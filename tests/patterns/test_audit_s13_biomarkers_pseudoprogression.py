"""Audit (session 13) of pseudoprogression and the biomarker rules against spec/patterns.md.

Audited: sections 0 (conventions 0.1-0.6: time, three-valued logic, 0.4 tolerances, output rows),
1 (pseudoprogression 1.1-1.5: every variant of table 1.3, the walk of 1.4, the worked examples of 1.5),
6 (biomarkers 6.1-6.6: the rule table 6.3 row by row, IL-8 6.4, worked examples 6.6) and 8 / 9 where they
touch these; spec/anatomic.md 0.8 (confirmation of progression) where table 1.3 defers to it.
Code: ioresponse.patterns (pseudoprogression, _common, _study), ioresponse.biomarkers with
data/biomarker_rules.csv, the patient-table reader (io.load / io.validate) and the ``ioresponse patterns``
command. What tests/patterns/test_audit_s11_hpd_pseudo.py, test_pseudoprogression.py and
test_irae_biomarkers_by_hand.py already pin is not repeated.

Every input is typed by hand and run through the public API (``ioresponse.assess`` / ``run``,
``ioresponse.patterns.find_patterns``, ``ioresponse.biomarkers``, the command line); every expected value
is worked out from the spec text in the comment next to it. Tests marked ``xfail(strict=True)`` pin a
difference between the code and the spec (the reason says what the code does now and what the spec says).
The differences of this audit were xfails, fixed in session 13: the Hodi 2016 and PERCIST variants decide
at the next assessment (1.4), recist_then_nonpd for non-target-only disease and on sum-only tables (1.3,
0.3), an NE-only follow-up (0.3), patient-table dates without treatment_start, day/date disagreement and
local_therapy_dates (0.1, 1.4), accept_equivalent_assays as a pattern option (6.3), IL-8 direction with the
0.4 tolerances (6.4); the imRECIST one (an SD inside the 28-day window resolved a PD that imRECIST
confirms, anatomic 0.8) was found in session 13 and fixed in session 14. MSI-H or dMMR read as a 0.3 OR of
two conditions was decided otherwise (see its test).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.biomarkers import evaluate_biomarkers, il8_changes
from ioresponse.cli import app
from ioresponse.patterns import find_patterns
from ioresponse.schema import InputError

IRECIST = "pseudoprogression.irecist"
HODI = "pseudoprogression.irrc_hodi2016"
IMRECIST = "pseudoprogression.imrecist"
PERCIST = "pseudoprogression.percist_humbert2020"
RECIST_THEN = "pseudoprogression.recist_then_nonpd"

runner = CliRunner()


# ---------------------------------------------------------------------------------------------------------
# helpers: lesion rows as a user types them, a PET table, the pattern rows of one definition


def _lesion(day: int, lesion_id: str, value: float | None, *, role: str = "target", organ: str = "lung",
            status: str = "present", patient: str = "P1", perpendicular: float | None = None) -> dict:
    row = {"patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role, "organ": organ,
           "lymph_node": False, "long_axis_mm": np.nan if value is None else float(value),
           "short_axis_mm": np.nan, "status": status}
    if perpendicular is not None:
        row["perpendicular_mm"] = float(perpendicular)
    return row


def _two_targets(day: int, a: float | None, b: float | None, *, status_a: str = "present") -> list[dict]:
    return [_lesion(day, "A", a, status=status_a), _lesion(day, "B", b, organ="liver")]


def _patterns(rows: list[dict], criteria: tuple[str, ...], definitions: list[str],
              patients: pd.DataFrame | None = None, **options: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(pd.DataFrame(rows), criteria=criteria, patients=patients, patterns=False)
        frame = find_patterns(result.study, result.timepoints, result.best_response, definitions=definitions,
                              **options)
    return frame.assign(values=frame["values"].map(json.loads)).reset_index(drop=True)


def _pet_patterns(sulpeaks: list[tuple[int, float, float]]) -> pd.DataFrame:
    """One lung target, (day, SULpeak, liver SULmean) per scan, PERCIST, the Humbert 2020 variant."""
    scan = {"patient_id": "P1", "uptake_min": 60, "liver_sul_sd": 0.1}
    rows = [scan | {"day": d, "lesion_id": "L1", "role": "target", "organ": "lung", "sulpeak": s,
                    "liver_sul_mean": liver} for d, s, liver in sulpeaks]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.run(ioresponse.load(pd.DataFrame(rows)), ["percist"])
        return find_patterns(result.study, result.timepoints, result.best_response, definitions=[PERCIST])


def _biomarker_flags(patient: dict, **options: object) -> dict[str, str]:
    table = evaluate_biomarkers(pd.DataFrame([patient]), **options)
    return dict(zip(table["rule_id"], table["meets_cutoff"], strict=True))


def _cli(tmp_path: Path, patients_csv: str, *extra: str, lesions_csv: str | None = None):
    lesions = tmp_path / "lesions.csv"
    lesions.write_text(lesions_csv or (
        "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,status\n"
        "P1,-7,T1,target,lung,false,40,present\n"
        "P1,56,T1,target,lung,false,52,present\n"   # 52 vs 40: +30 %, +12 mm -> iUPD day 56
        "P1,98,T1,target,lung,false,36,present\n"   # 36 vs 40: -10 % -> iSD day 98
    ))
    patients = tmp_path / "patients.csv"
    patients.write_text(patients_csv)
    out = tmp_path / "out"
    result = runner.invoke(app, ["patterns", str(lesions), "--out", str(out), "--criteria", "irecist",
                                 "--patients", str(patients), *extra], env={"COLUMNS": "250"})
    return result, out


# Two targets, baseline day -5: A 30 + B 20 = 50 mm (PsP-1 of spec 1.5 split in two lesions).
BASELINE = _two_targets(-5, 30, 20)


# =========================================================================================================
# Differences between the code and the spec (were xfail, strict; fixed in session 13, the imRECIST one in 14)
# =========================================================================================================


def test_1_4_hodi2016_decides_at_the_next_assessment_even_when_it_is_not_evaluable() -> None:
    # irRECIST burden (hodi_criterion = irrecist). Baseline 30 + 20 = 50. Day 56: 38 + 26 = 64, 64 / 50 =
    # 1.28 >= 1.25 -> initial progression, t_u = 56. Day 98: A not evaluable -> burden not computable: the
    # next assessment neither "still >= +25 %" nor "< 1.25 x nadir" -> the episode is decided there and
    # nothing decided it: not_evaluable (0.3). Day 140: 28 + 19 = 47 < 62.5 would resolve it, but it is not
    # the next assessment.
    rows = BASELINE + _two_targets(56, 38, 26) + _two_targets(98, None, 20, status_a="not_evaluable") \
        + _two_targets(140, 28, 19)
    row = _patterns(rows, ("irrecist",), [HODI], hodi_criterion="irrecist").iloc[0]
    assert row["day"] == 56  # t_u
    assert row["flag"] == "not_evaluable"


def test_1_3_percist_humbert2020_next_pet_not_evaluable() -> None:
    # Baseline day -5: SULpeak 5.0, liver 2.0. Day 49: 8.0 (+60 %, +3.0 SUL) -> PMD, t_u = 49. Day 91: liver
    # 2.0 -> 2.5 (+25 %, +0.5 SUL): liver reference not comparable -> NE: the next PET is neither PMD nor
    # CMR/PMR/SMD. Day 140: 3.0 (-40 %) PMR, but it is not the next PET. Expected: not_evaluable.
    frame = _pet_patterns([(-5, 5.0, 2.0), (49, 8.0, 2.0), (91, 8.0, 2.5), (140, 3.0, 2.0)])
    row = frame.iloc[0]
    assert row["day"] == 49
    assert row["flag"] == "not_evaluable"


def test_1_3_imrecist_sd_inside_the_28_day_window_does_not_resolve_a_confirmed_pd() -> None:
    # Baseline 50. Day 56: 38 + 26 = 64 (+28 % vs nadir 50, +14 mm) -> imRECIST PD, pending.
    # Day 70 (14 days later, < 28): 33 + 22 = 55 (+10 %) SD: does not decide (anatomic.md 0.8).
    # Day 98 (42 days >= 28): 40 + 27 = 67 (+34 % vs nadir 50, +17 mm) -> still PD: the day-56 PD is
    # confirmed -> the pseudoprogression episode is false, confirmed on day 98.
    rows = BASELINE + _two_targets(56, 38, 26) + _two_targets(70, 33, 22) + _two_targets(98, 40, 27)
    frame = _patterns(rows, ("imrecist",), [IMRECIST])
    row = frame.iloc[0]
    assert row["day"] == 56
    assert row["flag"] == "false"
    assert row["values"].get("confirmation_day") == 98


def test_1_3_recist_then_nonpd_resolves_for_non_target_only_disease() -> None:
    # Baseline day -5: one non-target (no target: S = 0 over no lesion, 0.2). Day 56: new liver lesion U1 ->
    # RECIST PD (new lesion), t_u = 56. Day 98: U1 absent, non-target present (no unequivocal progression):
    # no sum test can give PD (0 mm vs nadir 0), every new lesion absent, no non-target progression ->
    # resolved: true, early (56 <= 84).
    rows = [_lesion(-5, "NT1", None, role="non_target"), _lesion(56, "NT1", None, role="non_target"),
            _lesion(56, "U1", 12, role="new", organ="liver"), _lesion(98, "NT1", None, role="non_target"),
            _lesion(98, "U1", None, role="new", organ="liver", status="absent")]
    row = _patterns(rows, ("recist11",), [RECIST_THEN]).iloc[0]
    assert row["day"] == 56
    assert row["flag"] == "true"


def test_0_3_recist_then_nonpd_on_a_sum_only_table_is_not_evaluable() -> None:
    # Sum-only: day -5: 50; day 56: 64 (+28 %, +14 mm) RECIST PD; day 98: 47 (-6 % vs nadir 50: not PD) but
    # whether new lesions are absent and non-targets did not progress is not in the input -> not_evaluable.
    table = pd.DataFrame({"patient_id": ["P1"] * 3, "day": [-5, 56, 98], "target_sum_mm": [50, 64, 47]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(table, criteria=("recist11",), patterns=False)
        frame = find_patterns(result.study, result.timepoints, result.best_response,
                              definitions=[RECIST_THEN])
    row = frame.iloc[0]
    assert row["day"] == 56
    assert row["flag"] == "not_evaluable"


def test_0_3_pseudoprogression_with_only_an_ne_follow_up_is_not_evaluable() -> None:
    # Baseline day -5: A 20. Day 56: A not evaluable -> iRECIST NE: whether there is an iUPD at day 56 is not
    # known, so neither 'true' nor 'false' can be decided -> not_evaluable (the same as no follow-up, 0.6).
    rows = [_lesion(-5, "A", 20), _lesion(56, "A", None, status="not_evaluable")]
    row = _patterns(rows, ("irecist",), [IRECIST]).iloc[0]
    assert row["flag"] == "not_evaluable"


def test_1_4_new_therapy_date_without_treatment_start_is_not_dropped(tmp_path: Path) -> None:
    # Lesion days: iUPD day 56 (52 vs 40, +30 %), iSD day 98 (36). new_therapy_start 2021-03-05 with no
    # treatment_start for P1: its day (and so whether it precedes day 98) is unknown.
    patients = "patient_id,treatment_start,new_therapy_start\nP1,,2021-03-05\nP2,2021-01-01,\n"
    result, out = _cli(tmp_path, patients)
    if result.exit_code == 2:  # a clear input error names the patient-table row and column
        assert "patients.csv" in result.output and "row 2" in result.output
        assert "treatment_start" in result.output or "new_therapy_start" in result.output
        return
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "patterns.csv", dtype=str)
    row = table[(table["patient_id"] == "P1") & (table["definition"] == IRECIST)].iloc[0]
    assert row["flag"] == "not_evaluable"  # never 'true' with a new therapy of unknown day


def test_1_4_unreadable_local_therapy_date_is_an_input_error(tmp_path: Path) -> None:
    patients = "patient_id,treatment_start,local_therapy_dates\nP1,2021-01-01,2021-02-30\n"
    result, _ = _cli(tmp_path, patients)
    assert result.exit_code == 2
    assert "row 2" in result.output and "local_therapy_dates" in result.output


def test_1_4_local_therapy_dates_with_commas_do_not_crash(tmp_path: Path) -> None:
    patients = 'patient_id,treatment_start,local_therapy_dates\nP1,2021-01-01,"2021-03-01, 2021-03-15"\n'
    result, out = _cli(tmp_path, patients)
    if result.exit_code == 0:  # read as two dates (days 59 and 73, both inside day 56 .. day 98)
        table = pd.read_csv(out / "patterns.csv", dtype=str)
        row = table[(table["patient_id"] == "P1") & (table["definition"] == IRECIST)].iloc[0]
        assert json.loads(row["evidence"])["local_therapy_days"] == [59, 73]
        return
    assert result.exit_code == 2
    assert "row 2" in result.output and "local_therapy_dates" in result.output


def test_0_1_new_therapy_start_day_and_date_that_disagree() -> None:
    # treatment_start 2021-01-01: 2021-06-01 is day 31 + 28 + 31 + 30 + 31 = 151; the day column says 70.
    rows = BASELINE + _two_targets(56, 38, 26) + _two_targets(98, 28, 19)
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2021-01-01"],
                             "new_therapy_start": ["2021-06-01"], "new_therapy_start_day": [70]})
    try:
        row = _patterns(rows, ("irecist",), [IRECIST], patients=patients).iloc[0]
    except InputError as error:  # a located input error is the other acceptable outcome
        assert "new_therapy_start" in str(error)
        return
    assert row["flag"] == "not_evaluable"


def test_6_3_accept_equivalent_assays_reaches_the_patterns_table() -> None:
    rows = BASELINE + _two_targets(56, 28, 19)
    patients = pd.DataFrame([{"patient_id": "P1", "tumor_type": "NSCLC", "line_of_therapy": 1,
                              "drug": "pembrolizumab", "egfr_alk_negative": True, "pdl1_tps": 60,
                              "pdl1_assay": "SP263"}])
    frame = _patterns(rows, ("recist11",), ["biomarkers"], patients=patients, accept_equivalent_assays=True)
    flags = dict(zip(frame["definition"], frame["flag"], strict=True))
    assert flags == {"BM-NSCLC-1L-50": "true", "BM-NSCLC-1L-1-US": "true"}  # 60 >= 50, 60 >= 1


def test_6_3_msi_mss_with_mmr_not_tested_is_negative() -> None:
    # The audit read "MSI-H or dMMR" as two conditions joined by the 0.3 OR (MSS with MMR not tested ->
    # not_evaluable). Decided otherwise (ambiguity, stated in the session note): 6.3 names one biomarker,
    # "MSI-H or dMMR (PCR / IHC / NGS)", that any of the assays determines, so the test done (MSS) decides:
    # false, as the earlier tests of 6.3 (test_biomarkers, test_cohort_rules, test_irae_biomarkers_by_hand)
    # read it. Neither status given stays not_evaluable.
    patient = {"patient_id": "B4", "tumor_type": "colorectal", "drug": "pembrolizumab",
               "prior_treatment_progressed": True, "msi_status": "MSS", "mmr_status": "unknown"}
    assert _biomarker_flags(patient)["BM-MSI-AGNOSTIC"] == "false"
    assert _biomarker_flags(patient | {"msi_status": ""})["BM-MSI-AGNOSTIC"] == "not_evaluable"


def test_6_4_il8_direction_uses_the_0_4_tolerance() -> None:
    # 40.00000000001 / 40 = 1 + 2.5e-13 (not > 1 + 1e-9); 39.99999999999 / 40 = 1 - 2.5e-13 (not < 1 - 1e-9)
    samples = pd.DataFrame([{"patient_id": "I1", "day": d, "analyte": "IL-8", "value": v, "unit": "pg/mL"}
                            for d, v in [(-1, "40"), (21, "40.00000000001"), (35, "39.99999999999")]])
    table = il8_changes(samples)
    assert list(table["direction"]) == ["unchanged", "unchanged"]


# =========================================================================================================
# Rules checked and found to agree with the spec (regression tests)
# =========================================================================================================


def test_1_3_hodi2016_irrc_burden_adds_new_measurable_lesions() -> None:
    # irRC (bidimensional, the default hodi_criterion). Baseline: A 30x20 = 600, B 20x10 = 200 -> 800 mm2.
    # Day 56: same targets + new measurable N1 15x14 = 210 -> burden 1010 = +26.25 % vs nadir 800 (>= 25 %):
    # t_u = 56. Day 98: 28x20 = 560 + 14x10 = 140, N1 absent -> 700 < 1.25 x 800 = 1000 -> resolved: true,
    # early (56 <= 84), 42 days.
    rows = [_lesion(-5, "A", 30, perpendicular=20), _lesion(-5, "B", 20, organ="liver", perpendicular=10),
            _lesion(56, "A", 30, perpendicular=20), _lesion(56, "B", 20, organ="liver", perpendicular=10),
            _lesion(56, "N1", 15, role="new", organ="bone", perpendicular=14),
            _lesion(98, "A", 28, perpendicular=20), _lesion(98, "B", 14, organ="liver", perpendicular=10),
            _lesion(98, "N1", None, role="new", organ="bone", status="absent")]
    row = _patterns(rows, ("irrc",), [HODI]).iloc[0]
    assert row["flag"] == "true"
    assert row["values"]["pct_change_nadir_at_progression"] == pytest.approx(26.25)  # 100 x 210 / 800
    values = row["values"]
    assert (values["t_u"], values["resolution_day"], values["timing"]) == (56, 98, "early")


def test_1_3_hodi2016_next_assessment_below_125_percent_resolves_even_inside_28_days() -> None:
    # The Hodi variant decides at the next assessment (1.4), not with the 28-day confirmation of anatomic 0.8.
    # Baseline 50; day 56: 64 (1.28 x 50) -> t_u 56; day 70: 33 + 22 = 55 < 62.5 -> true, early.
    rows = BASELINE + _two_targets(56, 38, 26) + _two_targets(70, 33, 22) + _two_targets(140, 28, 19)
    row = _patterns(rows, ("irrecist",), [HODI], hodi_criterion="irrecist").iloc[0]
    assert row["flag"] == "true"
    assert row["values"]["resolution_day"] == 70


def test_1_3_imrecist_unconfirmed_pd_then_sd_and_confirmed_pd() -> None:
    # Resolved: baseline 50; day 56: 64 (+28 %, +14 mm) PD; day 98: 47 (-6 %) SD (42 days later, decides:
    # not confirmed) -> true, early, 42 days.
    rows = BASELINE + _two_targets(56, 38, 26) + _two_targets(98, 28, 19)
    row = _patterns(rows, ("imrecist",), [IMRECIST]).iloc[0]
    assert (row["flag"], row["values"]["resolution_day"], row["values"]["timing"]) == ("true", 98, "early")
    # Confirmed: day 98: 45 + 30 = 75 (+50 % vs nadir 50) -> PD confirmed at 98 -> false.
    rows = BASELINE + _two_targets(56, 38, 26) + _two_targets(98, 45, 30) + _two_targets(140, 28, 19)
    row = _patterns(rows, ("imrecist",), [IMRECIST]).iloc[0]
    assert (row["flag"], row["values"]["confirmation_day"]) == ("false", 98)


@pytest.mark.parametrize(("next_sulpeak", "expected"), [
    (9.0, "false"),  # 9.0 vs baseline 5.0: +80 %, +4.0 SUL -> PMD at the next PET: confirmed
    (4.5, "true"),   # 4.5 vs 5.0: -10 % -> SMD at the next PET: resolved (1.3 "CMR, PMR or SMD")
])
def test_1_3_percist_humbert2020_next_pet(next_sulpeak: float, expected: str) -> None:
    # Day 49: 8.0 vs 5.0 = +60 %, +3.0 SUL (> 30 % and > 0.8) -> PMD, t_u = 49 (early, 49 <= 84).
    frame = _pet_patterns([(-5, 5.0, 2.0), (49, 8.0, 2.0), (91, next_sulpeak, 2.0)])
    assert frame["flag"].tolist() == [expected]
    assert frame["day"].tolist() == [49]


@pytest.mark.parametrize(("new_therapy_start", "expected"), [
    ("2021-04-09", "not_evaluable"),  # day 98 = day of the iSD: 98 <= 98 -> stop, not_evaluable (1.4)
    ("2021-04-10", "true"),           # day 99 > 98: the iSD on day 98 resolves first
])
def test_1_4_new_therapy_on_the_resolution_day_boundary(new_therapy_start: str, expected: str) -> None:
    # treatment_start 2021-01-01; 2021-04-09 is day 31 + 28 + 31 + 8 = 98. iUPD day 56 (64 vs 50), iSD day 98.
    rows = BASELINE + _two_targets(56, 38, 26) + _two_targets(98, 28, 19)
    patients = pd.DataFrame({"patient_id": ["P1"], "treatment_start": ["2021-01-01"],
                             "new_therapy_start": [new_therapy_start]})
    row = _patterns(rows, ("irecist",), [IRECIST], patients=patients).iloc[0]
    assert row["flag"] == expected


def test_6_3_msi_or_dmmr_discordant_statuses_meet_the_rule() -> None:
    # 6.3 "MSI-H or dMMR": MSS by PCR but dMMR by IHC -> one part true -> true (0.3 OR).
    patient = {"patient_id": "B4", "tumor_type": "colorectal", "drug": "pembrolizumab",
               "prior_treatment_progressed": True, "msi_status": "MSS", "mmr_status": "dMMR"}
    assert _biomarker_flags(patient)["BM-MSI-AGNOSTIC"] == "true"


def test_6_3_cps_is_a_unitless_score_and_ic_a_percentage() -> None:
    # 6.2 / 8: CPS >= 10 is "a score, not a percentage"; IC >= 5 % (SP142). The value text follows the unit.
    uc = {"patient_id": "B3", "tumor_type": "urothelial carcinoma", "line_of_therapy": 1,
          "cisplatin_eligible": False}
    cps = evaluate_biomarkers(pd.DataFrame([uc | {"drug": "pembrolizumab", "pdl1_cps": 12,
                                                  "pdl1_assay": "22C3"}])).iloc[0]
    assert (cps["rule_id"], cps["meets_cutoff"], cps["value"], cps["cutoff"]) == (
        "BM-UC-1L-CPS10", "true", "12", ">= 10")  # 12 >= 10; no "%" on a CPS
    ic = evaluate_biomarkers(pd.DataFrame([uc | {"drug": "atezolizumab", "pdl1_ic": 5,
                                                 "pdl1_assay": "SP142"}])).iloc[0]
    assert (ic["rule_id"], ic["meets_cutoff"], ic["value"]) == ("BM-UC-1L-IC5", "true", "5%")  # 5 >= 5


def test_6_4_il8_baseline_is_the_latest_sample_on_or_before_day_0_and_units_must_match() -> None:
    # 0.2 / 6.4: baseline = latest sample with day <= 0 -> day 0 (30), not day -3 (40): day 21: 22 / 30 =
    # 0.7333 -> decrease, early (first sample in days 14-28). Day 42 in ng/L: not the baseline's unit ->
    # no ratio, not_evaluable. Patient I2: baseline 0 -> no ratio.
    samples = pd.DataFrame([
        {"patient_id": "I1", "day": -3, "analyte": "IL-8", "value": 40, "unit": "pg/mL"},
        {"patient_id": "I1", "day": 0, "analyte": "IL-8", "value": 30, "unit": "pg/mL"},
        {"patient_id": "I1", "day": 21, "analyte": "il8", "value": 22, "unit": "pg/ml"},
        {"patient_id": "I1", "day": 42, "analyte": "IL-8", "value": 22, "unit": "ng/L"},
        {"patient_id": "I2", "day": -1, "analyte": "IL-8", "value": 0, "unit": "pg/mL"},
        {"patient_id": "I2", "day": 21, "analyte": "IL-8", "value": 5, "unit": "pg/mL"},
    ])
    table = il8_changes(samples).set_index(["patient_id", "day"])
    assert table.loc[("I1", 21), "il8_ratio"] == pytest.approx(22 / 30)
    assert table.loc[("I1", 21), "direction"] == "decrease"
    assert bool(table.loc[("I1", 21), "early"])
    assert table.loc[("I1", 42), "direction"] == "not_evaluable"
    assert np.isnan(table.loc[("I1", 42), "il8_ratio"])
    assert table.loc[("I2", 21), "direction"] == "not_evaluable"


@pytest.mark.parametrize(("column", "value"), [
    ("pdl1_tps", "50%"),        # 6.2: TPS is a number 0-100, "%" not part of the cell
    ("pdl1_cps", "101"),        # 6.3: outside 0-100 -> input error
    ("tmb_mut_per_mb", "-1"),   # 6.3: TMB < 0 -> input error
    ("msi_status", "MSI-high"),  # 6.2 vocabulary MSI-H / MSI-L / MSS
    ("line_of_therapy", "first"),  # 6.2: 1, 2, ...
])
def test_6_3_bad_patient_table_values_exit_2_with_a_located_message(tmp_path: Path, column: str,
                                                                    value: str) -> None:
    header = "patient_id,treatment_start,tumor_type,drug"
    patients = f"{header},{column}\nP1,2021-01-01,NSCLC,pembrolizumab,{value}\n"
    result, _ = _cli(tmp_path, patients)
    assert result.exit_code == 2
    assert "patients.csv" in result.output and "row 2" in result.output and column in result.output


def test_6_4_il8_bad_sample_value_exits_2_with_a_located_message(tmp_path: Path) -> None:
    samples = tmp_path / "samples.csv"
    samples.write_text("patient_id,day,analyte,value,unit\nP1,-3,IL-8,40,pg/mL\nP1,21,IL-8,abc,pg/mL\n")
    result, _ = _cli(tmp_path, "patient_id,treatment_start\nP1,2021-01-01\n", "--samples", str(samples))
    assert result.exit_code == 2
    assert "samples.csv" in result.output and "row 3" in result.output and "value" in result.output
