"""Fixes of the s20 audit ("printed"): a reason names the numbers the threshold tests compare, never a number
on the other side of the threshold it is compared with (README: each call comes "with a `reason` sentence
naming the rule, the section of the paper and the numbers").

- spec/anatomic.md 0.5: sums and changes are compared rounded to 6 decimals ("absolute increase of at least
  5 mm: abs >= 5.0"); the reasons print them so, without trailing zeros: 24.95 - 20 = "+4.95 mm", not
  "+5.0 mm" next to "(<5 mm)". Percentages keep two decimals (spec 1.10), more where two decimals would
  land on a whole percentage (every anatomic threshold is one) the 6-decimal value is not.
- spec/metabolic.md 1.5 and P-2 ("-30.0% but only -0.78 SUL (<0.8 required)"): SUL values and changes as
  compared, rounded to 6 decimals, one decimal at least; percentages with one decimal, more where one
  decimal would land on a multiple of 0.5 % (30 %, 15.5 %, ...) the value is not.
- README ``--landmark-days`` (default "182.625 and 365.25"): the report prints the landmark days as
  pfs_landmarks.csv holds them.

Expected values are hand arithmetic written beside each assertion.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _pet_tables import pet
from assessed import row, run
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.criteria._metabolic import number, percent, signed
from ioresponse.criteria._sentences import every_row, mm, pct, sentences, signed_mm

# ---------------------------------------------------------------------------------------------------------
# the sentence writer of the anatomic reasons (criteria._sentences)


def _written(template: str, **fields) -> list[str]:
    n = len(next(iter(fields.values())).values)
    return sentences([(every_row(n), {0: template})], fields).to_pylist()


def test_lengths_and_changes_print_their_6_decimal_value_without_trailing_zeros():
    values = np.array([24.95, 25.0, 50.349999999, 20.35, 10.1 + 10.2 + 9.7, 123456789012345.6, 0.9999999])
    assert _written("{v}|{s}", v=mm(values), s=signed_mm(values)) == [
        "24.95|+24.95",  # as typed, not "25.0"
        "25|+25",  # whole: no point
        "50.35|+50.35",  # 50.349999999 rounded to 6 decimals (spec 0.5)
        "20.35|+20.35",
        "30|+30",  # 10.1 + 10.2 + 9.7 = 30 (29.999999999999996 in binary)
        "123456789012345.6|+123456789012345.6",  # the decimals a double holds, no binary noise
        "1|+1",  # 0.9999999 rounded to 6 decimals is 1.000000
    ]


@pytest.mark.parametrize(("fraction", "shown"), [
    (0.199995, "+19.9995%"),  # 19.9995 % < 20 %: not PD, two decimals would read "+20.00%"
    (-0.29996, "-29.996%"),  # -29.996 % > -30 %: not PR, two decimals would read "-30.00%"
    (0.19999951, "+20.00%"),  # compared rounded to 6 decimals: 0.200000 (spec 0.5), PD: "+20.00%" is right
    (0.20, "+20.00%"),
    (0.244898, "+24.49%"),  # not near a whole percentage: two decimals, as spec 0.10 prints "+24.49%"
    (6 / 109, "+5.50%"),  # 5.5046 %: 5.50 is no whole percentage, no threshold
    (0.2475, "+24.75%"),
    (0.0, "+0.00%"),
])
def test_percentages_keep_two_decimals_unless_they_would_land_on_a_threshold_they_miss(fraction, shown):
    assert _written("{p}", p=pct(np.array([fraction]))) == [shown]


# ---------------------------------------------------------------------------------------------------------
# anatomic reasons, through the public API


@pytest.mark.parametrize(("criterion", "fragment"), [
    ("recist11", "target sum 24.95 mm is +24.75% but only +4.95 mm vs nadir 20 mm (<5 mm): not PD"),
    ("irecist", "target sum 24.95 mm is +24.75% vs baseline 20 mm and +24.75%, +4.95 mm vs nadir 20 mm"),
    ("imrecist", "sum 24.95 mm is +24.75% and +4.95 mm vs nadir 20 mm (under 5 mm): not PD"),
    ("irrecist", "TMTB 24.95 mm is +24.75% and +4.95 mm vs nadir 20 mm (under 5 mm): not irPD"),
])
def test_an_increase_under_5_mm_prints_under_5_mm(criterion, fragment):
    # 20 -> 24.95 mm: +4.95 mm (< 5 mm: not PD, spec 0.5 "abs >= 5.0"), 4.95 / 20 = +24.75 %.
    result = run([row(-7, "T1", 20), row(56, "T1", 24.95)], criterion).timepoints.iloc[0]
    assert result["overall_response"] in ("SD", "iSD", "irSD")
    assert fragment in result["reason"]
    assert "5.0 mm" not in result["reason"]


def test_sums_of_decimals_print_as_typed():
    # 20.25 -> 20.35 mm: +0.1 mm, 0.1 / 20.25 = +0.4938 % -> "+0.49%".
    reason = run([row(-7, "T1", 20.25), row(56, "T1", 20.35)]).timepoints.iloc[0]["reason"]
    assert reason.startswith("target sum 20.35 mm is +0.49% vs baseline 20.25 mm (not <=-30%) and +0.49% "
                             "and +0.1 mm vs nadir 20.25 mm (not PD)")


def test_an_increase_just_under_20_percent_is_not_printed_as_20_percent():
    # 100 -> 119.9995 mm: 19.9995 / 100 = 0.199995 < 0.20 (spec 0.5: rel >= 0.20 for PD): SD.
    result = run([row(-7, "T1", 100), row(56, "T1", 119.9995)]).timepoints.iloc[0]
    assert result["overall_response"] == "SD"
    assert ("target sum 119.9995 mm is +19.9995% vs baseline 100 mm (not <=-30%) and +19.9995% and "
            "+19.9995 mm vs nadir 100 mm (not PD)") in result["reason"]
    assert "+20.00%" not in result["reason"]


def test_a_decrease_just_under_30_percent_is_not_printed_as_30_percent():
    # 50 -> 35.002 mm: -14.998 / 50 = -0.29996 > -0.30 (spec 0.5: rel <= -0.30 for PR): SD.
    result = run([row(-7, "T1", 50), row(56, "T1", 35.002)]).timepoints.iloc[0]
    assert result["overall_response"] == "SD"
    assert "target sum 35.002 mm is -29.996% vs baseline 50 mm (not <=-30%)" in result["reason"]
    assert "-30.00%" not in result["reason"]


def test_an_increase_that_rounds_to_20_percent_is_pd_and_printed_as_20_percent():
    # 50 -> 59.99998 mm: 9.99998 / 50 = 0.1999996, rounded to 6 decimals 0.200000 >= 0.20 and 9.99998 >= 5:
    # PD (spec 0.5 rounds before comparing), so "+20.00%" is on the PD side.
    result = run([row(-7, "T1", 50), row(56, "T1", 59.99998)]).timepoints.iloc[0]
    assert result["overall_response"] == "PD"
    assert "target sum 59.99998 mm is +20.00% and +9.99998 mm vs nadir 50 mm (>=20% and >=5 mm)" in (
        result["reason"])


# ---------------------------------------------------------------------------------------------------------
# metabolic reasons (criteria._metabolic)


@pytest.mark.parametrize(("value", "shown"), [
    (8.0, "8.0"), (5.6, "5.6"), (0.78, "0.78"),  # spec 5.12 worked examples: one decimal at least
    (1.855, "1.855"),  # not "1.85"
    (-0.795, "-0.795"),  # not "-0.8", the PMR threshold it misses
    (1.855 - 2.65, "-0.795"),  # -0.7949999999999999 in binary, rounded to 6 decimals (spec 1.5)
    (0.1 + 0.2, "0.3"),
])
def test_metabolic_numbers_are_printed_as_compared(value, shown):
    assert number(value) == shown


@pytest.mark.parametrize(("rel", "shown"), [
    (-0.30, "-30.0%"),
    (-0.29996, "-29.996%"),  # -29.996 % misses -30 % (not PMR); one decimal would read "-30.0%"
    (0.155004, "+15.5004%"),  # PECRIT's "more than 15.5%" (spec 6.5): 15.5004 % is more, "+15.5%" is not
    (0.15496, "+15.496%"),
    (0.333333, "+33.3%"),  # far from a threshold: one decimal
    (0.0625, "+6.2%"),  # 6.25 % to one decimal, half to even as before
    (0.30000000000000004, "+30.0%"),  # rounded to 6 decimals: exactly 30 %
])
def test_metabolic_percentages_keep_one_decimal_unless_they_would_land_on_a_threshold_they_miss(rel, shown):
    assert percent(rel) == shown


def test_signed_sul_change():
    assert signed(-0.795) == "-0.795 SUL"  # 1.855 - 2.65
    assert signed(2.4) == "+2.4 SUL"


def test_percist_p2_prints_the_change_that_misses_0_8_sul():
    # spec 5.12 P-2: liver 1.4 / 0.15 (T = 2.1 + 0.3 = 2.4), 2.6 -> 1.82: abs -0.78, rel -0.300000:
    # SMD ("-30.0% but only -0.78 SUL (<0.8 required)").
    scans = {-5: {"uptake_min": 60, "liver_sul_mean": 1.4, "liver_sul_sd": 0.15},
             56: {"uptake_min": 60, "liver_sul_mean": 1.45, "liver_sul_sd": 0.15}}
    frame = pet([("L1", "target", "lung", {-5: 2.6, 56: 1.82})], scans)
    result = ioresponse.assess(frame, criteria=("percist",), patterns=False).timepoints.iloc[0]
    assert result["overall_response"] == "SMD"
    assert "-30.0% but only -0.78 SUL (<=-0.8 SUL required for PMR)" in result["reason"]


def test_percist_decrease_just_under_30_percent_is_not_printed_as_30_percent():
    # Liver 2.0 / 0.25 (T = 3.5); 5.0 -> 3.5002: -1.4998 SUL, -1.4998 / 5 = -0.29996 > -0.30: not PMR, SMD.
    frame = pet([("L1", "target", "lung", {-5: 5.0, 56: 3.5002})])
    result = ioresponse.assess(frame, criteria=("percist",), patterns=False).timepoints.iloc[0]
    assert result["overall_response"] == "SMD"
    assert "hottest SULpeak 3.5002 (L1) vs baseline 5.0 (L1): -29.996%, -1.4998 SUL" in result["reason"]


# ---------------------------------------------------------------------------------------------------------
# report.html: landmark days


def test_report_prints_user_landmark_days_as_given(tmp_path):
    # Baseline 50 mm, day 56 60 mm: +20 % and +10 mm, PD (RECIST 1.1 sec. 4.3.1); landmarks 30.5 and 100.125
    # days (README --landmark-days) are printed as given, not "30.5" / "100.1".
    lesions = pd.DataFrame([row(-7, "T1", 50, patient=p) for p in ("A", "B")]
                           + [row(56, "T1", 60, patient="A"), row(56, "T1", 48, patient="B")])
    path, out = tmp_path / "lesions.csv", tmp_path / "out"
    lesions.to_csv(path, index=False)
    runner = CliRunner()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assessed = runner.invoke(app, ["assess", str(path), "--criteria", "recist11", "--out", str(out),
                                       "--no-patterns"])
        assert assessed.exit_code == 0, assessed.output
        reported = runner.invoke(app, ["report", str(out), "--landmark-days", "30.5", "--landmark-days",
                                       "100.125"])
    assert reported.exit_code == 0, reported.output
    assert pd.read_csv(out / "pfs_landmarks.csv")["landmark_days"].tolist() == [30.5, 100.125]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert ">100.125</td>" in html and ">30.5</td>" in html
    assert ">100.1</td>" not in html
