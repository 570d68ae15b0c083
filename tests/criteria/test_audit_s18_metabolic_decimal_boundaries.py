"""Audit s18 (mbounds): numeric thresholds of the metabolic criteria hit exactly with decimal inputs.

Audited against spec/metabolic.md 1.5 (relative and absolute changes, and derived thresholds such as T,
rounded to 6 decimals before every comparison; "decrease of at least 30%" is ``rel <= -0.30``, "increase
of more than 30%" is ``rel > 0.30``), 4.5 (EORTC: PMR ``<= -15%`` after one cycle, ``< -25%`` after more,
PMD ``> +25%``, the two unnamed gaps reported as SMD, extent ``d_fu / d_bl - 1 > 0.20``), 5.3-5.5 (PERCIST:
measurability ``T = 1.5 x liver mean + 2 x SD``, liver stability ``|rel| <= 0.20`` and ``|abs| < 0.3``,
PMD ``> +30%`` and ``> +0.8 SUL``, PMR ``<= -30%`` and ``<= -0.8 SUL``, TLG ``>= +75%`` on the up-to-5
sum, the PMR other-lesion check ``rel_lesion > 0.30``), 6.5 (PECRIT: SD and ``rel > +0.155``, strict in
both directions), 7.5 (PERCIMT: ``> 10`` / ``> 15`` mm, cumulative and binned counts), 8.2-8.9
(imPERCIST: sum of up to 5 SULpeaks, ``>= +30%`` / ``<= -30%`` inclusive by default, option
``impercist_min_abs_sul``, nadir option) and 9.5 (iPERCIST: confirmation versus the UPMD scan with the
PERCIST increase rule).

Every input is a set of decimal SULpeak / SUV / TLG / diameter values whose exact decimal arithmetic lands
on a threshold while binary floating point does not (for instance 5.3 + 5.1 + 4.9 + 4.8 + 4.6 =
24.699999999999996, 3.1 - 2.3 = 0.8000000000000003, 4.62 / 4.0 - 1 = 0.15500000000000003). Expected
values come from the spec's inequalities applied to the exact decimal values (hand arithmetic in the
comments), never from the package's output. Two tests go through the command line reading a CSV.

Findings: no difference from the spec was proven. Every threshold tried was called on the side the spec's
inequality gives for the exact decimal value, through ``ioresponse.assess`` and the CLI, and the
percentages / SUL changes printed in the reasons agree with the call. The tests below are regression
tests for those boundaries.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from _pet_tables import pet
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app

# Liver 1.2 / 0.1: T = 1.5 x 1.2 + 2 x 0.1 = 1.8 + 0.2 = 2.0 (spec 5.3); uptake 60 min at both scans, liver
# unchanged: the PERCIST quality checks of 5.4 pass.
LOW_LIVER = {"uptake_min": 60, "liver_sul_mean": 1.2, "liver_sul_sd": 0.1}

FIVE_ORGANS = ["lung", "lung", "lymph node", "lymph node", "bone"]  # at most 2 per organ: all five summed
BASELINE_FIVE = [4.1, 3.7, 3.9, 3.6, 3.7]  # S_bl = 19.0 (all >= T = 3.5 with the default liver 2.0 / 0.25)


def assess(frame, criterion, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(frame, criteria=(criterion,), **options)


def timepoints(frame, criterion, **options):
    return assess(frame, criterion, **options).timepoints.set_index("day")


def five_lesions(*scans):
    """L1-L5 (two lung, two lymph node, one bone) with baseline day -6 = BASELINE_FIVE and the follow-ups
    given as (day, values)."""
    rows = []
    for i, organ in enumerate(FIVE_ORGANS):
        cells = {-6: BASELINE_FIVE[i]} | {day: values[i] for day, values in scans}
        rows.append((f"L{i + 1}", "target", organ, cells))
    return pet(rows)


def cli_timepoints(tmp_path, csv_text, criterion, *options):
    path = tmp_path / "pet.csv"
    path.write_text(csv_text, encoding="utf-8")
    out = tmp_path / "out"
    args = ["assess", str(path), "--criteria", criterion, "--out", str(out), "--no-patterns",
            "--format", "csv"]
    for option in options:
        args += ["-o", option]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "timepoints.csv")


# ---------------------------------------------------------------------------------------------------
# PERCIST 1.0 (spec 5.5): the 0.8 SUL absolute limits hit exactly from decimals
# ---------------------------------------------------------------------------------------------------


def test_percist_5_5_increase_of_exactly_0_8_sul_is_not_pmd_by_default_but_is_with_inclusive_option():
    # spec 5.5 (a): PMD needs rel > 0.30 AND abs > 0.8; A1 option percist_pmd_inclusive: >= both.
    # L1 2.3 -> 3.1 (T = 2.0, 2.3 measurable): abs = 0.8 (binary 0.8000000000000003, rounded 0.8),
    # rel = 0.8 / 2.3 = +0.347826 > 0.30, but 0.8 > 0.8 fails: not PMD; not CMR (3.1 >= liver 1.2): SMD.
    frame = pet([("L1", "target", "lung", {-5: 2.3, 56: 3.1})], {-5: LOW_LIVER, 56: LOW_LIVER})
    row = timepoints(frame, "percist").loc[56]
    assert row["overall_response"] == "SMD"
    assert row["abs_change"] == 0.8  # 3.1 - 2.3 = 0.8 exactly in decimal
    assert "+34.8%" in row["reason"] and "+0.8 SUL" in row["reason"]
    # Inclusive option: 0.347826 >= 0.30 and 0.8 >= 0.8: PMD.
    inclusive = timepoints(frame, "percist", percist_pmd_inclusive=True).loc[56]
    assert inclusive["overall_response"] == "PMD"


def test_percist_5_5_decrease_of_exactly_0_8_sul_with_more_than_30_percent_is_pmr():
    # spec 5.5 PMR: rel <= -0.30 AND abs <= -0.8. L1 2.6 -> 1.8: abs = -0.8 (binary -0.8000000000000003),
    # rel = -0.8 / 2.6 = -0.307692 <= -0.30: PMR (1.8 is not < liver 1.2, so not CMR).
    frame = pet([("L1", "target", "lung", {-5: 2.6, 56: 1.8})], {-5: LOW_LIVER, 56: LOW_LIVER})
    row = timepoints(frame, "percist").loc[56]
    assert row["overall_response"] == "PMR"
    assert "-30.8%" in row["reason"] and "-0.8 SUL" in row["reason"]
    # Contrast: L1 2.7 -> 1.9 is also -0.8 SUL, but rel = -0.8 / 2.7 = -0.296296 > -0.30: not PMR, SMD.
    frame = pet([("L1", "target", "lung", {-5: 2.7, 56: 1.9})], {-5: LOW_LIVER, 56: LOW_LIVER})
    assert timepoints(frame, "percist").loc[56, "overall_response"] == "SMD"


def test_percist_5_5_pmr_other_lesion_rising_exactly_30_percent_does_not_block():
    # spec 5.5 PMR: "no baseline lesion whose own SULpeak rose by more than 30% (rel_lesion > 0.30)".
    # L1 10.0 -> 6.0: rel -0.40, abs -4.0 (PMR level). L2 2.3 -> 2.99: 2.99 / 2.3 - 1 = +0.300000
    # (binary 0.30000000000000004, rounded 0.3), not > 0.30: PMR not blocked: PMR.
    frame = pet([("L1", "target", "lung", {-5: 10.0, 56: 6.0}),
                 ("L2", "target", "bone", {-5: 2.3, 56: 2.99})])
    row = timepoints(frame, "percist").loc[56]
    assert row["overall_response"] == "PMR"
    assert "blocked" not in row["reason"]


def test_percist_5_3_measurability_threshold_from_decimal_liver_values_is_inclusive():
    # spec 5.3: T = 1.5 x 1.7 + 2 x 0.15 = 2.55 + 0.3 = 2.85 (binary 2.8499999999999996, rounded per 1.5);
    # "measurable if sulpeak >= T": L1 2.85 is measurable, so the follow-up is evaluated, not NE.
    # L1 2.85 -> 2.0: rel = -0.85 / 2.85 = -0.298246 (not <= -0.30), abs -0.85: SMD.
    liver = {"uptake_min": 60, "liver_sul_mean": 1.7, "liver_sul_sd": 0.15}
    frame = pet([("L1", "target", "lung", {-5: 2.85, 56: 2.0})], {-5: liver, 56: liver})
    row = timepoints(frame, "percist").loc[56]
    assert row["overall_response"] == "SMD"
    assert row["measurability_threshold"] == pytest.approx(2.85)


def test_percist_5_4_liver_change_of_exactly_0_3_sul_fails_and_exactly_20_percent_passes():
    # spec 5.4 liver stability: |rel_liver| <= 0.20 AND |abs_liver| < 0.3 (both rounded, 1.5).
    # Liver 1.5 -> 1.8: abs 0.3 (binary 0.30000000000000004), not < 0.3: NE (lesions as P-1).
    # Liver 1.1 -> 1.32: rel 0.22 / 1.1 = +0.200000 (binary 0.20000000000000004) <= 0.20, abs 0.22 < 0.3:
    # passes; L1 8.0 -> 5.6: -30.0%, -2.4 SUL: PMR.
    lesions = [("L1", "target", "lung", {-5: 8.0, 56: 5.6})]
    for before, after, call in ((1.5, 1.8, "NE"), (1.1, 1.32, "PMR")):
        scans = {-5: {"uptake_min": 60, "liver_sul_mean": before, "liver_sul_sd": 0.1},
                 56: {"uptake_min": 60, "liver_sul_mean": after, "liver_sul_sd": 0.1}}
        assert timepoints(pet(lesions, scans), "percist").loc[56, "overall_response"] == call, (before, after)


def test_percist_5_5_b_tlg_sum_of_three_decimal_lesions_exactly_plus_75_percent():
    # spec 5.5 (b): TLG_fu / TLG_bl - 1 >= 0.75 (A4 default inclusive) and H_fu >= H_bl.
    # TLG_bl = 10.1 + 20.2 + 30.3 = 60.6 (binary 60.599999999999994); TLG_fu = 17.7 + 37.5 + 50.85 = 106.05
    # (binary 106.05000000000001); 106.05 / 60.6 - 1 = 0.75 exactly; SULpeaks unchanged (6.0 = 6.0): PMD.
    # With percist_tlg_strict (> 0.75): not PMD; SULpeak +0%: SMD.
    def cell(sulpeak, tlg):
        return {"sulpeak": sulpeak, "tlg": tlg}

    frame = pet([
        ("L1", "target", "lung", {-5: cell(6.0, 10.1), 56: cell(6.0, 17.7)}),
        ("L2", "target", "bone", {-5: cell(5.0, 20.2), 56: cell(5.0, 37.5)}),
        ("L3", "target", "liver", {-5: cell(4.0, 30.3), 56: cell(4.0, 50.85)}),
    ])
    row = timepoints(frame, "percist").loc[56]
    assert row["overall_response"] == "PMD"
    assert "+75.0%" in row["reason"]
    assert timepoints(frame, "percist", percist_tlg_strict=True).loc[56, "overall_response"] == "SMD"


# ---------------------------------------------------------------------------------------------------
# EORTC 1999 (spec 4.5): sums of several decimal SUVmax values on -15 %, -25 %, +25 %
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cycles", "followup", "call", "text"),
    [
        # sum 3.7 + 3.3 + 3.2 = 10.2 vs 4.4 + 3.9 + 3.7 = 12.0: rel = -1.8 / 12 = -0.150000 (binary
        # -0.15000000000000005); c = 1: PMR needs rel <= -0.15: PMR.
        (1, [3.7, 3.3, 3.2], "PMR", "-15.0%"),
        # sum 3.3 + 2.9 + 2.8 = 9.0: rel = -0.25 exactly; c = 2: PMR needs rel < -0.25: fails; the gap
        # -0.25 <= rel <= -0.15 is reported as SMD (4.5, A6).
        (2, [3.3, 2.9, 2.8], "SMD", "-25.0%"),
        # sum 3.2 + 2.9 + 2.8 = 8.9 (binary 8.899999999999999): rel = -3.1 / 12 = -0.258333 < -0.25: PMR.
        (2, [3.2, 2.9, 2.8], "PMR", "-25.8%"),
        # sum 5.5 + 4.9 + 4.6 = 15.0: rel = +0.25 exactly: PMD needs > 0.25: SMD (A5).
        (2, [5.5, 4.9, 4.6], "SMD", "+25.0%"),
        # sum 5.6 + 4.9 + 4.6 = 15.1: rel = 3.1 / 12 = +0.258333 > 0.25: PMD.
        (2, [5.6, 4.9, 4.6], "PMD", "+25.8%"),
    ],
)
def test_eortc_4_5_decimal_sums_on_the_15_and_25_percent_thresholds(cycles, followup, call, text):
    baseline = [4.4, 3.9, 3.7]
    organs = ["lung", "lymph node", "bone"]
    scans = {-3: {"uptake_min": 60, "cycles_before_scan": 0},
             42: {"uptake_min": 60, "cycles_before_scan": cycles}}
    frame = pet(
        [(f"T{i + 1}", "target", organs[i], {-3: baseline[i], 42: followup[i]}) for i in range(3)],
        scans,
        value="suvmax",
    )
    row = timepoints(frame, "eortc").loc[42]
    assert row["overall_response"] == call
    assert text in row["reason"]


def test_eortc_4_5_extent_of_exactly_20_percent_from_decimal_diameters_is_not_pmd():
    # spec 4.5 / A7: extent PMD needs d_fu / d_bl - 1 > 0.20 (ratio rounded, 1.5). 12.5 -> 15.0, 8.5 -> 10.2,
    # 11.5 -> 13.8 are all exactly +20% (binary 0.19999999999999996): not PMD; SUVmax unchanged: SMD.
    # 12.5 -> 15.1 is +20.8%: PMD.
    scans = {-3: {"uptake_min": 60, "cycles_before_scan": 0},
             42: {"uptake_min": 60, "cycles_before_scan": 2}}
    cases = ((12.5, 15.0, "SMD"), (8.5, 10.2, "SMD"), (11.5, 13.8, "SMD"), (12.5, 15.1, "PMD"))
    for before, after, call in cases:
        cells = {-3: {"suvmax": 8.0, "functional_diameter_mm": before},
                 42: {"suvmax": 8.0, "functional_diameter_mm": after}}
        frame = pet([("T1", "target", "lung", cells)], scans)
        assert timepoints(frame, "eortc").loc[42, "overall_response"] == call, (before, after)


# ---------------------------------------------------------------------------------------------------
# PECRIT (spec 6.5): exactly 15.5 % from decimals, in both directions
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (4.0, 4.62),  # C-5: 0.62 / 4.0 = +0.155 (binary 0.15500000000000003)
        (6.0, 6.93),  # 0.93 / 6.0 = +0.155 (binary 0.15499999999999994)
        (3.8, 4.389),  # 0.589 / 3.8 = +0.155 (binary 0.1550000000000001)
        (6.0, 5.07),  # -0.93 / 6.0 = -0.155 (binary -0.15499999999999994)
        (4.0, 3.38),  # -0.62 / 4.0 = -0.155 (binary -0.15500000000000003)
    ],
)
def test_pecrit_6_5_exactly_15_5_percent_never_gives_benefit(before, after):
    # spec 6.5: SD and rel > +0.155 (default "increase") or rel < -0.155 ("decrease"), strict both ways:
    # "exactly 15.5% never gives benefit". RECIST SD given in recist_response; liver 2.0 / 0.25 (T = 3.5).
    scans = {-4: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
             24: {"uptake_min": 63, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25, "recist_response": "SD"}}
    frame = pet([("L1", "target", "lung", {-4: before, 24: after})], scans)
    for direction in ("increase", "decrease"):
        row = timepoints(frame, "pecrit", pecrit_sd_direction=direction).loc[24]
        assert row["overall_response"] == "no_clinical_benefit", direction
        assert ("+15.5%" if after > before else "-15.5%") in row["reason"]


# ---------------------------------------------------------------------------------------------------
# PERCIMT (spec 7.5): 10.0 and 15.0 mm exactly
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("diameters", "counting", "call"),
    [
        ([10.0, 10.0, 10.1], "cumulative", "SMD"),  # n_gt10 = 1 (10.0 is not > 10), n_all = 3 < 4
        ([10.1, 10.2, 10.3], "cumulative", "PMD"),  # n_gt10 = 3 >= 3
        ([15.0, 15.1], "cumulative", "SMD"),  # n_gt15 = 1 (15.0 is not > 15), n_gt10 = 2 < 3
        ([15.0, 15.0, 15.0], "cumulative", "PMD"),  # n_gt10 = 3 (15.0 > 10), n_gt15 = 0
        ([15.0, 15.0, 15.0], "binned", "PMD"),  # class 10 < d <= 15 holds 3 >= 3
        ([10.0, 10.0, 10.0, 10.0], "binned", "PMD"),  # class d <= 10 holds 4 >= 4
        ([15.0, 10.0, 10.1], "binned", "SMD"),  # small 1, medium 2, large 0
    ],
)
def test_percimt_7_5_new_lesions_of_exactly_10_and_15_mm(diameters, counting, call):
    size = "functional_diameter_mm"
    lesions = [("B1", "target", "lung", {-7: {size: 20.0}, 84: {size: 20.0}})]
    lesions += [(f"N{i + 1}", "new", "liver", {84: {size: d}}) for i, d in enumerate(diameters)]
    row = timepoints(pet(lesions), "percimt", percimt_counting=counting).loc[84]
    assert row["overall_response"] == call


# ---------------------------------------------------------------------------------------------------
# imPERCIST (spec 8.2-8.9): sums of five decimal SULpeaks
# ---------------------------------------------------------------------------------------------------


def test_impercist_8_5_sum_of_five_decimal_sulpeaks_exactly_plus_and_minus_30_percent():
    # S_bl = 4.1 + 3.7 + 3.9 + 3.6 + 3.7 = 19.0. Day 90: 5.3 + 4.9 + 5.1 + 4.6 + 4.8 = 24.7 (summed hottest
    # first in binary: 24.699999999999996): rel = 5.7 / 19 = +0.30: default inclusive >= 0.30: PMD;
    # impercist_inclusive=False: SMD. Day 90 alternative: 2.9 + 2.6 + 2.7 + 2.5 + 2.6 = 13.3
    # (binary 13.299999999999999): rel = -0.30: PMR by default, SMD strict.
    up = five_lesions((90, [5.3, 4.9, 5.1, 4.6, 4.8]))
    down = five_lesions((90, [2.9, 2.6, 2.7, 2.5, 2.6]))
    row = timepoints(up, "impercist").loc[90]
    assert row["overall_response"] == "PMD"
    assert "sum SULpeak 24.7 vs baseline 19.0: +30.0%, +5.7 SUL" in row["reason"]
    assert timepoints(up, "impercist", impercist_inclusive=False).loc[90, "overall_response"] == "SMD"
    row = timepoints(down, "impercist").loc[90]
    assert row["overall_response"] == "PMR"
    assert "sum SULpeak 13.3 vs baseline 19.0: -30.0%, -5.7 SUL" in row["reason"]
    assert timepoints(down, "impercist", impercist_inclusive=False).loc[90, "overall_response"] == "SMD"


def test_impercist_8_9_nadir_reached_twice_with_equal_decimal_sums_then_plus_30_percent_is_pmd():
    # Option impercist_reference="nadir" (8.9, A4): PMD measured from the smallest sum so far.
    # Day 60: 2.9 + 2.6 + 2.7 + 2.5 + 2.6 = 13.3 (binary 13.299999999999999): -30%: PMR.
    # Day 120: 3.0 + 2.5 + 2.8 + 2.4 + 2.6 = 13.3 (binary 13.3): the same sum: PMR again, 0% vs nadir.
    # Day 180: 3.7 + 3.4 + 3.5 + 3.3 + 3.39 = 17.29 = 1.3 x 13.3: +30.0% vs the nadir 13.3 (inclusive
    # >= 0.30): PMD, although it is -9.0% vs baseline 19.0.
    frame = five_lesions(
        (60, [2.9, 2.6, 2.7, 2.5, 2.6]), (120, [3.0, 2.5, 2.8, 2.4, 2.6]), (180, [3.7, 3.4, 3.5, 3.3, 3.39])
    )
    tp = timepoints(frame, "impercist", impercist_reference="nadir")
    assert tp["overall_response"].tolist() == ["PMR", "PMR", "PMD"]
    assert tp.loc[120, "pct_change_nadir"] == 0.0
    assert tp.loc[180, "nadir_sum"] == pytest.approx(13.3)
    assert tp.loc[180, "pct_change_nadir"] == 30.0
    assert "vs nadir 13.3" in tp.loc[180, "reason"] and "+30.0%" in tp.loc[180, "reason"]


# ---------------------------------------------------------------------------------------------------
# iPERCIST (spec 9.5): confirmation comparisons between two decimal values
# ---------------------------------------------------------------------------------------------------


def test_ipercist_9_5_2a_confirmation_versus_upmd_scan_exactly_on_30_percent_and_on_0_8_sul():
    # Rule 2(a): C vs U must meet the PERCIST increase rule: rel > 0.30 and abs > 0.8 (A4: PERCIST default).
    # (1) L1 5.0 -> U 7.0 (+40%, +2.0: UPMD) -> C 9.1: (9.1 - 7.0) / 7.0 = +0.300000 (binary
    #     0.29999999999999993), not > 0.30: no trigger, no new lesion: still UPMD.
    #     C 9.11: +0.301429, +2.11: CPMD.
    for current, call in ((9.1, "UPMD"), (9.11, "CPMD")):
        frame = pet([("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: current})])
        assert timepoints(frame, "ipercist").loc[84, "overall_response"] == call, current
    # (2) T = 2.0; L1 2.1 -> U 2.5 with new lesion N1 (UPMD by new lesion) -> C 3.3 (N1 still there, so
    #     P_bl stays PMD): vs U rel = 0.8 / 2.5 = +0.32 > 0.30 but abs = 0.8 (binary 0.7999999999999998) is
    #     not > 0.8: still UPMD. With percist_pmd_inclusive (>= both): CPMD.
    frame = pet(
        [("L1", "target", "lung", {-5: 2.1, 56: 2.5, 84: 3.3}), ("N1", "new", "bone", {56: 1.5, 84: 1.5})],
        {-5: LOW_LIVER, 56: LOW_LIVER, 84: LOW_LIVER},
    )
    assert timepoints(frame, "ipercist").loc[84, "overall_response"] == "UPMD"
    inclusive = timepoints(frame, "ipercist", percist_pmd_inclusive=True).loc[84]
    assert inclusive["overall_response"] == "CPMD"
    assert "+32.0%, +0.8 SUL" in inclusive["reason"]


# ---------------------------------------------------------------------------------------------------
# Through the command line, decimals typed in a CSV
# ---------------------------------------------------------------------------------------------------

PET_HEADER = "patient_id,day,lesion_id,role,organ,sulpeak,uptake_min,liver_sul_mean,liver_sul_sd\n"


def test_cli_percist_5_5_exact_0_8_sul_changes_typed_in_a_csv(tmp_path):
    # spec 5.5 as in the two API tests above, with trailing zeros in the per-scan columns ("1.20" vs "1.2"
    # on rows of the same scan are the same value, spec 1.1):
    # P1 L1 2.3 -> 3.1: +34.8%, +0.8 SUL: not > 0.8: SMD. P2 L1 2.6 -> 1.8: -30.8%, -0.8 SUL: PMR.
    text = PET_HEADER + (
        "P1,-5,L1,target,lung,2.3,60,1.2,0.1\n"
        "P1,-5,L2,target,bone,2.00,60.0,1.20,0.10\n"
        "P1,56,L1,target,lung,3.1,62,1.2,0.1\n"
        "P1,56,L2,target,bone,2.0,62,1.2,0.10\n"
        "P2,-5,L1,target,lung,2.6,60,1.2,0.1\n"
        "P2,56,L1,target,lung,1.8,60,1.2,0.1\n"
    )
    tp = cli_timepoints(tmp_path, text, "percist").set_index("patient_id")
    assert tp.loc["P1", "overall_response"] == "SMD"
    assert tp.loc["P1", "abs_change"] == 0.8
    assert tp.loc["P2", "overall_response"] == "PMR"
    assert tp.loc["P2", "abs_change"] == -0.8


def test_cli_impercist_8_5_a3_min_abs_sul_of_exactly_0_8_typed_in_a_csv(tmp_path):
    # spec 8.5: impercist_min_abs_sul = 0.8 adds abs >= 0.8 (in magnitude) to PMD. Liver 0.6 / 0.1:
    # T = 0.9 + 0.2 = 1.1, so 1.5 and 1.1 are both measurable: S_bl = 2.6.
    # P1: S_fu = 2.0 + 1.4 = 3.4: rel = 0.8 / 2.6 = +0.307692 >= 0.30 and abs 0.8 >= 0.8: PMD.
    # P2: S_fu = 2.0 + 1.39 = 3.39: rel = +0.303846 >= 0.30 but abs 0.79 < 0.8: SMD.
    text = PET_HEADER + "".join(
        f"{p},-6,L1,target,lung,1.5,60,0.6,0.1\n{p},-6,L2,target,bone,1.1,60,0.6,0.1\n"
        f"{p},90,L1,target,lung,2.0,61,0.6,0.1\n{p},90,L2,target,bone,{l2},61,0.6,0.1\n"
        for p, l2 in (("P1", "1.4"), ("P2", "1.39"))
    )
    tp = cli_timepoints(tmp_path, text, "impercist", "impercist_min_abs_sul=0.80").set_index("patient_id")
    assert tp.loc["P1", "overall_response"] == "PMD"
    assert tp.loc["P2", "overall_response"] == "SMD"
    assert "+30.8%, +0.8 SUL" in tp.loc["P1", "reason"]
