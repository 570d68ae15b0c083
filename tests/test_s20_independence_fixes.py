"""Fixes of audit s20 "indep" (tests/test_audit_s20_independence.py), through the public API.

1. IRAE-HEP (spec/patterns.md 5.4: fires when "the metabolic module reports the liver reference at A as not
   comparable with baseline"; 5.1: a flag never changes a response) is computed from the PET table by the
   liver stability check of spec/metabolic.md 5.4 (within 20 % and < 0.3 SUL of baseline), whichever criteria
   run; the rule table's ``signal`` names one of the signals the toolkit computes.
2. PECRIT's RECIST 1.1 engine (spec/metabolic.md 6.2: "computed by the RECIST 1.1 engine on the anatomic
   columns of the same scan") runs with the RECIST 1.1 options of the run, on the patients of the PET table.
3. Its refusals name the lesion table, not the PET table (README: a located message).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.cohort.rates import CONFIRM_RESPONSE
from ioresponse.patterns import irae
from ioresponse.schema import OPTIONS, InputError


def assess(data, criteria, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(data, criteria=criteria, **options)


# --- 1. IRAE-HEP from the PET table --------------------------------------------------------------------


def pet(liver: tuple[float, float], *, region: str = "liver") -> pd.DataFrame:
    """P1: one lung lesion, SUVmax 10 -> 5 and SULpeak 8 -> 4 from day 0 to day 56 (2 cycles); uptake 60 min;
    liver SULmean ``liver`` at the two scans, SD 0.25; blood pool 1.5 (SD 0.2) at both."""
    return pd.DataFrame([
        {"patient_id": "P1", "day": day, "lesion_id": "L1", "role": "target", "organ": "lung",
         "status": "present", "suvmax": suv, "sulpeak": peak, "uptake_min": 60, "liver_sul_mean": mean,
         "liver_sul_sd": 0.25, "blood_pool_sul_mean": 1.5, "blood_pool_sul_sd": 0.2,
         "reference_region": region, "cycles_before_scan": cycles, "recist_response": call}
        for day, suv, peak, mean, cycles, call in ((0, 10.0, 8.0, liver[0], 0, ""),
                                                  (56, 5.0, 4.0, liver[1], 2, "PR"))])


def hep_days(data: pd.DataFrame) -> list[int]:
    flags = irae.find_flags(ioresponse.load(data))
    return flags.loc[flags["rule_id"] == "IRAE-HEP", "day"].tolist()


@pytest.mark.parametrize(("liver", "fires"), [
    ((2.0, 2.6), True),  # +30 % (> 20 %) and +0.6 SUL (>= 0.3): not comparable
    ((2.0, 2.4), True),  # +20 % (within 20 %, inclusive) but +0.4 SUL (>= 0.3): not comparable
    ((2.0, 2.28), False),  # +14 % and +0.28 SUL (< 0.3): comparable
    ((1.0, 1.2), False),  # +20 % exactly (within) and +0.2 SUL: comparable
    ((1.0, 1.25), True),  # +25 % (> 20 %), +0.25 SUL: not comparable on the relative rule alone
    ((2.0, 1.6), True),  # -20 % (within) but -0.4 SUL: not comparable
])
def test_irae_hep_fires_on_the_liver_stability_check_of_the_pet_table(liver, fires):
    # spec/metabolic.md 5.4 liver stability: abs(rel) <= 0.20 and abs(abs) < 0.3 SUL; the flag is at the
    # follow-up scan, day 56 (spec/patterns.md 5.4: the assessment A with day > 0)
    assert hep_days(pet(liver)) == ([56] if fires else [])


def test_irae_hep_with_the_blood_pool_reference_checks_the_liver_too():
    # spec/metabolic.md 5.4: the liver stability is checked in any case; the blood pool is stable here
    assert hep_days(pet((2.0, 2.6), region="blood_pool")) == [56]


def test_irae_hep_without_a_liver_value_at_the_follow_up_does_not_fire():
    # the liver cannot be compared ("reference present" fails, PERCIST NE), but no change of the liver is
    # reported: the signal is the stability check only, as PERCIST's "liver SULmean changed" sentence was
    assert hep_days(pet((2.0, float("nan")))) == []


@pytest.mark.parametrize("criteria", [("eortc",), ("percist",), ("percimt",), ("eortc", "percist", "percimt"),
                                      ("percimt", "pecrit")])
def test_irae_hep_is_on_every_criterion_row_whichever_criteria_run(criteria):
    # spec/patterns.md 5.1: the flag is shown on each criterion's row of the assessment, response unchanged
    result = assess(pet((2.0, 2.6)), criteria)
    rows = result.timepoints
    assert rows["criterion"].tolist() == list(criteria) and rows["day"].tolist() == [56] * len(criteria)
    assert all("irae:IRAE-HEP" in f.split(";") for f in rows["flags"])
    note = "; irAE look-alike flag IRAE-HEP shown (response unchanged)"
    assert all(r.endswith(note) for r in rows["reason"])
    if "eortc" in criteria:  # sum SUVmax 10 -> 5: -50 % after 2 cycles (< -25 %): PMR (spec 4.5), unchanged
        assert rows.loc[rows["criterion"] == "eortc", "overall_response"].tolist() == ["PMR"]


def test_irae_hep_keeps_the_spec_wording():
    flags = irae.find_flags(ioresponse.load(pet((2.0, 2.6))))
    assert flags["flag_text"].tolist() == [
        "Diffuse liver uptake change: consider immune hepatitis (check transaminases); the PERCIST liver "
        "reference may not be comparable."]  # spec/patterns.md 5.4, IRAE-HEP


def test_a_rule_signal_the_toolkit_does_not_compute_is_refused(tmp_path: Path):
    # a user's rule naming an unknown signal could never fire: refused, located (file, row, column)
    rules = irae.default_rules()
    rules.loc[len(rules)] = rules.iloc[-1].to_dict() | {"rule_id": "USER-QC", "signal": "qc_failed"}
    path = tmp_path / "rules.csv"
    rules.to_csv(path, index=False)
    with pytest.raises(InputError) as error:
        irae.read_rules(path)
    row = len(rules) + 1  # the last data row; header = row 1
    assert (error.value.file, error.value.rows, error.value.column) == (str(path), [row], "signal")
    assert "'qc_failed' is not a signal of spec/patterns.md 5.4; the signals: liver sulmean changed" in str(
        error.value)
    with pytest.raises(InputError) as given:  # the same table given as a DataFrame
        irae.find_flags(ioresponse.load(pet((2.0, 2.0))), rules=rules)
    assert (given.value.file, given.value.rows, given.value.column) == ("<irAE rules>", [row], "signal")


# --- 2. and 3. PECRIT's RECIST 1.1 engine ----------------------------------------------------------------


def lesion_rows(patient: str, sizes: dict[int, list[float]]) -> list[dict]:
    """Liver targets T1, T2... with the long axes of ``sizes`` (day: sizes)."""
    return [{"patient_id": patient, "day": day, "lesion_id": f"T{i + 1}", "role": "target", "organ": "liver",
             "lymph_node": False, "long_axis_mm": size, "status": "present"}
            for day, values in sizes.items() for i, size in enumerate(values)]


THREE_LIVER_TARGETS = pd.DataFrame(lesion_rows("P1", {-3: [40, 30, 20], 25: [20, 15, 10]}))
"""P1: three liver targets (over the 2 per organ of RECIST 1.1 sec. 4.2), rows 2-4 at baseline; sum
90 -> 45 mm (-50 %, <= -30 %): PR (sec. 4.3.1)."""


def pecrit_pet(patient: str = "P1") -> pd.DataFrame:
    """A PET scan on day 25 (PECRIT window 21-28, spec 6.9) without recist_response: the engine's call."""
    return pd.DataFrame([
        {"patient_id": patient, "day": day, "lesion_id": "L1", "role": "target", "organ": "lung",
         "status": "present", "sulpeak": peak, "uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25,
         "recist_response": ""}
        for day, peak in ((-3, 8.0), (25, 9.5))])


def test_pecrit_takes_the_recist_options_of_the_run():
    # on_baseline_violation is RECIST 1.1's option (spec/anatomic.md 1.11 A1): with "warn" the engine keeps
    # the three targets and calls PR (-50 %), so PECRIT predicts benefit (spec 6.5: RECIST PR, PET not read)
    result = assess(THREE_LIVER_TARGETS, ("pecrit",), pet=pecrit_pet(), on_baseline_violation="warn")
    row = result.timepoints
    assert row[["recist_response", "overall_response"]].values.tolist() == [["PR", "clinical_benefit"]]
    assert result.criterion_options == {"pecrit": {"on_baseline_violation": "warn"}}


def test_pecrit_recist_response_is_the_recist11_row_of_the_same_result():
    # spec 6.2: the same engine, the same options: the recist11 row of day 25 is PECRIT's call
    result = assess(THREE_LIVER_TARGETS, ("recist11", "pecrit"), pet=pecrit_pet(),
                    on_baseline_violation="warn")
    tp = result.timepoints
    recist = tp.loc[tp["criterion"] == "recist11", "overall_response"].tolist()
    assert recist == ["PR"] and tp.loc[tp["criterion"] == "pecrit", "recist_response"].tolist() == recist


def test_the_engine_option_does_not_make_pecrit_confirm_a_response():
    # confirm_response is RECIST 1.1's choice of best response; no metabolic criterion confirms a response
    # (spec/metabolic.md 1.6), so PECRIT's row says False while recist11's says True
    result = assess(THREE_LIVER_TARGETS, ("recist11", "pecrit"), pet=pecrit_pet(), confirm_response=True,
                    on_baseline_violation="warn")
    best = result.best_response.set_index("criterion")[CONFIRM_RESPONSE]
    assert best.to_dict() == {"recist11": True, "pecrit": False}


def test_recist_options_is_not_an_option_a_user_gives():
    # one way to give RECIST 1.1 options: by their names; "recist_options" itself is refused
    with pytest.raises(InputError) as error:
        assess(THREE_LIVER_TARGETS, ("pecrit",), pet=pecrit_pet(), recist_options={"max_targets": 3})
    assert (error.value.file, error.value.column) == (OPTIONS, "recist_options")


def test_pecrit_engine_reads_only_the_patients_of_the_pet_table():
    # P2 has no PET scan; its three liver targets would refuse RECIST 1.1 (sec. 4.2) but PECRIT assesses
    # P1 alone (P1: one target 40 -> 20 mm, -50 %: PR)
    lesions = pd.DataFrame(lesion_rows("P1", {-3: [40], 25: [20]}) + lesion_rows("P2", {-3: [40, 30, 20],
                                                                                        25: [40, 30, 20]}))
    pecrit = assess(lesions, ("pecrit",), pet=pecrit_pet()).timepoints
    assert pecrit[["patient_id", "recist_response"]].values.tolist() == [["P1", "PR"]]


def test_the_engine_refusal_names_the_lesion_file_on_the_command_line(tmp_path: Path):
    # README: "Bad input stops with a located message (file, row, column, what was expected)", exit code 2;
    # P1's baseline targets are rows 2-4 of lesions.csv (header = row 1), not rows of pet.csv
    THREE_LIVER_TARGETS.to_csv(tmp_path / "lesions.csv", index=False)
    pecrit_pet().to_csv(tmp_path / "pet.csv", index=False)
    runner = CliRunner()
    arguments = ["assess", str(tmp_path / "lesions.csv"), "--pet", str(tmp_path / "pet.csv"), "--criteria",
                 "pecrit", "--no-patterns"]
    done = runner.invoke(app, [*arguments, "--out", str(tmp_path / "refused")], env={"COLUMNS": "300"})
    assert done.exit_code == 2
    assert "lesions.csv, rows 2-4, column role: patient P1: more than 5 targets in total or 2 per organ" in (
        " ".join(done.output.split()))
    assert "pet.csv, rows" not in done.output
    # the way out the message gives works for PECRIT too
    done = runner.invoke(app, [*arguments, "--option", "on_baseline_violation=warn", "--out",
                               str(tmp_path / "out")], env={"COLUMNS": "300"})
    assert done.exit_code == 0, done.output
    assert pd.read_csv(tmp_path / "out" / "timepoints.csv")["recist_response"].tolist() == ["PR"]
