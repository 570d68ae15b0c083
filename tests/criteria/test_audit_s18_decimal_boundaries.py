"""Audit s18 (bounds): numeric thresholds of the anatomic criteria hit exactly with decimal inputs.

Audited against spec/anatomic.md 0.4 (lesion values, normal lymph node < 10 mm, split lesions: fragment
values summed), 0.5 (relative and absolute changes rounded to 6 decimals before every threshold test;
percentages shown with two decimals), 0.6 (measurability: non-nodal >= 10 mm, node >= 15 mm), 0.10
(reason templates), 1.4-1.6 and 1.8.1 (RECIST 1.1: -30 %, +20 % and +5 mm, CR nodes < 10 mm, new nodes
>= 10 mm, reappearance of a node >= 10 mm after CR), 2.2-2.7 and 2.11 B1/B2 (irRC: 5 x 5 mm inclusive,
-50 %, +25 %, node normal < 10 mm), 3.4 (irRECIST TMTB), 4.4-4.6 (iRECIST: NLT classification, +5 mm
further increase of the target sum and of the NLT sum), 5.4 (imRECIST counted new measurable lesions).

Every input is a sum that lands exactly on a threshold in decimal arithmetic but not in binary floating
point (e.g. 5.4 + 10.8 + 8.8 = 25.000000000000004, 5.1 + 11.2 + 13.7 = 29.999999999999996, split node
fragments 1.1 + 4.1 + 4.8 mm = 10.0 mm summed as 9.999999999999998). Expected values come from the spec's
inequalities applied to the exact decimal values (hand arithmetic in the comments).

Findings (fixed in session 18; the tests pin the fixes): the rounding of spec 0.5 was applied to the
relative and absolute changes (all thresholds on sums of several lesions were called right, and the
percentages read "-30.00%", "+20.00%"), but NOT to the summed fragments of a split lesion before the size
rules of 0.4 / 0.6 / 1.5 / 1.8.1, not to iRECIST's "increase" of a new non-target lesion (4.4) nor to its
reset comparisons S(t) < ref_S and NLT_sum(t) <= ref_NLT (4.6 R3), and not to the sums printed in the
reasons (0.10). Fragment totals and sums are now rounded to 6 decimals where they are formed
(criteria._anatomic.fragment_totals, sum_per_assessment), and R3 compares rounded differences.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from assessed import by_day, row, run
from typer.testing import CliRunner

from ioresponse.cli import app

ORGANS = ["liver", "lung", "kidney", "spleen", "brain"]

# Fragments of a split lesion whose exact decimal sum is 10.0 mm (spec 0.4: fragment values summed), while
# the binary sum in the order the package adds them is 9.999999999999998 (4.8 + 4.1 = 8.899999999999999).
FRAGMENTS_10 = (1.1, 4.1, 4.8)
# Fragments whose exact sum is 15.0 mm (1.1 + 1.2 + 12.7), binary 14.999999999999998 in reverse order.
FRAGMENTS_15 = (1.1, 1.2, 12.7)


def targets(day, values, **extra):
    """Non-nodal targets T1..Tn on distinct organs (at most 2 per organ, spec 1.3)."""
    return [row(day, f"T{i + 1}", v, organ=ORGANS[i], **extra) for i, v in enumerate(values)]


def pp(day, lesion_id, long_mm, perp_mm, **extra):
    """An irRC row measured bidimensionally (spec 0.4: product = long axis x perpendicular)."""
    return row(day, lesion_id, long_mm, perpendicular_mm=float(perp_mm), **extra)


def node(day, lesion_id, short_mm, **extra):
    return row(day, lesion_id, short_mm, node=True, organ="lymph node", **extra)


def at(result, day, column):
    return by_day(result, column)[day]


def cli_timepoints(tmp_path, csv_text, criterion):
    """``ioresponse assess lesions.csv --criteria X``: the timepoints.csv it writes."""
    path = tmp_path / "lesions.csv"
    path.write_text(csv_text, encoding="utf-8")
    out = tmp_path / "out"
    args = ["assess", str(path), "--criteria", criterion, "--out", str(out), "--no-patterns",
            "--format", "csv"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "timepoints.csv")


HEADER = "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,status\n"


# ---------------------------------------------------------------------------------------------------
# Passing: thresholds on sums of several decimal lesions (spec 0.5 rounding before comparing)
# ---------------------------------------------------------------------------------------------------


def test_recist_1_4_pr_exactly_minus_30_percent_with_decimal_sums():
    # spec 1.4 step 4 / 0.5: B = 36.3 + 33.7 = 70.0; S = 20.1 + 28.9 = 49.0; (49 - 70) / 70 = -0.30 exactly,
    # and -0.30 <= -0.30: target PR. Percentages shown with two decimals: -30.00%.
    rows = [row(-7, "T1", 36.3), row(-7, "T2", 33.7, organ="lung"), row(56, "T1", 20.1),
            row(56, "T2", 28.9, organ="lung")]
    result = run(rows)
    assert at(result, 56, "overall_response") == "PR"
    assert at(result, 56, "pct_change_baseline") == -30.0  # -30.00 %
    assert "-30.00% vs baseline 70 mm" in at(result, 56, "reason")


def test_recist_1_4_minus_29_99_percent_is_sd():
    # spec 1.4 step 5: B = 70.0; S = 20.1 + 28.91 = 49.01: (49.01 - 70) / 70 = -0.299857... > -0.30: SD;
    # shown -29.99% (two decimals, 0.5).
    rows = [row(-7, "T1", 36.3), row(-7, "T2", 33.7, organ="lung"), row(56, "T1", 20.1),
            row(56, "T2", 28.91, organ="lung")]
    result = run(rows)
    assert at(result, 56, "overall_response") == "SD"
    assert at(result, 56, "pct_change_baseline") == -29.99
    assert "-29.99%" in at(result, 56, "reason")


@pytest.mark.parametrize(
    ("criterion", "call"), [("recist11", "PD"), ("irrecist", "irPD"), ("imrecist", "PD"), ("irecist", "iUPD")]
)
def test_1_4_3_4_5_4_pd_exactly_plus_20_percent_and_plus_5_mm_with_decimal_sums(criterion, call):
    # spec 1.4 step 3 (3.4, 5.4, 4.6 step 1): B = 20 + 15 + 10 = 45; day 56: 5.4 + 10.8 + 8.8 = 25.0
    # (nadir, -44.44 % vs B: PR); day 112: 5.1 + 11.2 + 13.7 = 30.0: (30 - 25) / 25 = +0.20 exactly and
    # 30 - 25 = +5.0 mm exactly: both ">=" tests hold: PD (irPD / PD pending / iUPD).
    rows = targets(-7, [20.0, 15.0, 10.0]) + targets(56, [5.4, 10.8, 8.8]) + targets(112, [5.1, 11.2, 13.7])
    result = run(rows, criterion)
    assert at(result, 112, "overall_response") == call
    assert at(result, 112, "pct_change_nadir") == 20.0  # +20.00 %
    assert at(result, 112, "abs_change_nadir") == 5.0  # +5 mm
    assert "+20.00%" in at(result, 112, "reason")


def test_recist_1_4_plus_20_percent_but_4_9_mm_is_not_pd():
    # spec 1.4 step 3: nadir 12.2 + 12.3 = 24.5; S = 14.7 + 14.7 = 29.4: (29.4 - 24.5) / 24.5 = +0.20 exactly
    # but +4.9 mm < 5.0: not PD; vs B 30 + 20 = 50: -41.2 % -> PR (not SD: PR is tested against baseline).
    rows = [row(-7, "T1", 30.0), row(-7, "T2", 20.0, organ="lung"), row(56, "T1", 12.2),
            row(56, "T2", 12.3, organ="lung"), row(112, "T1", 14.7), row(112, "T2", 14.7, organ="lung")]
    result = run(rows)
    assert at(result, 112, "pct_change_nadir") == 20.0
    assert at(result, 112, "overall_response") == "PR"  # (29.4 - 50) / 50 = -41.20 % <= -30 %


def test_recist_1_4_cr_node_9_9_mm_but_not_10_0_mm():
    # spec 1.4 step 2 / 0.4: a node is normal when its short axis is < 10 mm: 9.9 -> CR; 10.0 -> not normal:
    # S = 10 vs B 50 = -80 %: PR.
    for short, call in ((9.9, "CR"), (10.0, "PR")):
        rows = [node(-7, "T1", 20.0), row(-7, "T2", 30.0, organ="lung"), node(56, "T1", short),
                row(56, "T2", status="absent", organ="lung")]
        assert at(run(rows), 56, "overall_response") == call, short


def test_recist_1_5_new_node_10_0_mm_is_a_new_lesion_9_9_mm_is_not():
    # spec 1.5: a new node counts as a new lesion only with short axis >= 10 mm; 9.9 is ignored (flag).
    # Targets 40 -> 38 (-5 %): SD without the new lesion, PD with it (Table 1 row 3).
    for short, call in ((9.9, "SD"), (10.0, "PD")):
        rows = [row(-7, "T1", 40.0, organ="lung"), row(56, "T1", 38.0, organ="lung"), node(56, "U1", short)]
        assert at(run(rows), 56, "overall_response") == call, short


def test_irrc_2_4_minus_50_percent_exactly_with_decimal_products():
    # spec 2.4 / 2.6 row 6: TB0 = 10.0 x 5.0 + 8.1 x 7.2 = 50 + 58.32 = 108.32 mm2; day 84:
    # 5.0 x 5.0 + 5.4 x 5.4 = 25 + 29.16 = 54.16 = exactly half: -50.00 % <= -50 %: irPR; day 112 the
    # same: confirms (2.7).
    rows = [pp(-7, "T1", 10.0, 5.0), pp(-7, "T2", 8.1, 7.2, organ="lung"),
            pp(84, "T1", 5.0, 5.0), pp(84, "T2", 5.4, 5.4, organ="lung"),
            pp(112, "T1", 5.0, 5.0), pp(112, "T2", 5.4, 5.4, organ="lung")]
    result = run(rows, "irrc")
    assert at(result, 84, "overall_response") == "irPR"
    assert at(result, 84, "pct_change_baseline") == -50.0
    assert "-50.00% vs baseline" in at(result, 84, "reason")
    assert result.best_response.iloc[0]["best_response_confirmed"] == "irPR"


def test_irrc_2_4_plus_25_percent_exactly_with_decimal_products_confirmed():
    # spec 2.4 / 2.7: TB0 = 10.0 x 5.0 + 5.3 x 5.2 = 50 + 27.56 = 77.56; day 84: 12.5 x 5.0 + 6.5 x 5.3 =
    # 62.5 + 34.45 = 96.95 = 1.25 x 77.56 exactly: +25.00 % >= 25 %: irPD; day 112 (28 days) again +25 %
    # vs nadir 77.56: confirmed, progression day 84.
    rows = [pp(-7, "T1", 10.0, 5.0), pp(-7, "T2", 5.3, 5.2, organ="lung"),
            pp(84, "T1", 12.5, 5.0), pp(84, "T2", 6.5, 5.3, organ="lung"),
            pp(112, "T1", 12.5, 5.0), pp(112, "T2", 6.5, 5.3, organ="lung")]
    result = run(rows, "irrc")
    assert at(result, 84, "overall_response") == "irPD"
    assert at(result, 84, "pct_change_nadir") == 25.0
    assert "+25.00%" in at(result, 84, "reason")
    assert result.best_response.iloc[0]["progression_day"] == 84


def test_irrc_b1_new_lesion_5_0_by_5_0_is_counted_4_9_is_not():
    # spec 2.4, B1 (default inclusive): a new lesion enters TB when both diameters are >= 5 mm.
    # TB0 = 20 x 10 = 200; with U1 5.0 x 5.0 = 25: TB 225; with 4.9 x 5.0: not counted, TB 200.
    for long_mm, perp_mm, burden in ((5.0, 5.0, 225.0), (4.9, 5.0, 200.0), (5.0, 4.9, 200.0)):
        rows = [pp(-7, "T1", 20.0, 10.0), pp(84, "T1", 20.0, 10.0),
                pp(84, "U1", long_mm, perp_mm, organ="lung")]
        assert at(run(rows, "irrc"), 84, "current_sum") == burden, (long_mm, perp_mm)


def test_irrc_b2_index_node_9_9_is_gone_10_0_is_not():
    # spec 2.4 step 3 and B2 (default "recist11"): a node counts as gone for irCR when its short axis < 10 mm.
    for short, call in ((9.9, "irCR"), (10.0, "irPR")):
        rows = [row(-7, "T1", None, node=True, organ="lymph node", long_axis_mm=25.0, short_axis_mm=20.0,
                    perpendicular_mm=20.0),
                row(84, "T1", None, node=True, organ="lymph node", long_axis_mm=12.0, short_axis_mm=short,
                    perpendicular_mm=short)]
        assert at(run(rows, "irrc"), 84, "overall_response") == call, short


def test_irecist_4_6_further_target_increase_exactly_5_mm_with_five_decimal_targets():
    # spec 4.6 step 3: B = 20 + 20 + 15 + 15 + 10 = 80; day 56 all 5.0: S = 25 (iPR, nadir 25); day 112:
    # 7.3 + 6.0 + 5.4 + 5.3 + 6.0 = 30.0 = +20 % and +5 mm vs 25: iUPD, ref_S = 30.0; day 154 (42 days):
    # 6.8 + 6.4 + 7.1 + 8.9 + 5.8 = 35.0: S - ref_S = +5.0 mm >= 5: iCPD, progression day 112.
    rows = (targets(-7, [20.0, 20.0, 15.0, 15.0, 10.0]) + targets(56, [5.0] * 5)
            + targets(112, [7.3, 6.0, 5.4, 5.3, 6.0]) + targets(154, [6.8, 6.4, 7.1, 8.9, 5.8]))
    result = run(rows, "irecist")
    assert by_day(result) == {56: "iPR", 112: "iUPD", 154: "iCPD"}
    assert result.best_response.iloc[0]["progression_day"] == 112


def test_irecist_4_6_nlt_sum_exactly_plus_5_mm_confirms():
    # spec 4.4 / 4.6 step 3 (iR2 shape): NLT A 10.3, B 10.4 (liver), C 10.3 (bone) on day 112: NLT sum 31.0,
    # iUPD (NL); day 147 (35 days): 12.0 x 3 = 36.0: 36.0 - 31.0 = +5.0 mm >= 5: iCPD, progression day 112.
    rows = [row(-7, "T1", 50.0, organ="lung"), row(56, "T1", 46.0, organ="lung"),
            row(112, "T1", 45.0, organ="lung"), row(147, "T1", 44.0, organ="lung"),
            row(112, "UA", 10.3), row(112, "UB", 10.4), row(112, "UC", 10.3, organ="bone"),
            row(147, "UA", 12.0), row(147, "UB", 12.0), row(147, "UC", 12.0, organ="bone")]
    result = run(rows, "irecist")
    assert by_day(result) == {56: "iSD", 112: "iUPD", 147: "iCPD"}


def test_imrecist_5_4_new_lesion_of_exactly_10_mm_counted_gives_pd_at_exactly_plus_20_percent():
    # spec 5.4: U1 10.0 mm (non-nodal, >= 10: measurable) is counted: SLD = 38 + 10 = 48 vs nadir 40:
    # +20.00 % and +8 mm: PD (pending).
    rows = [row(-7, "T1", 40.0, organ="lung"), row(56, "T1", 38.0, organ="lung"), row(56, "U1", 10.0)]
    result = run(rows, "imrecist")
    assert at(result, 56, "current_sum") == 48.0
    assert at(result, 56, "overall_response") == "PD"


def test_recist_1_4_step_1_known_targets_exactly_1_2_x_nadir_with_a_missing_target_is_pd():
    # spec 1.4 step 1 (R4 shape): B = 32.3 + 19.6 + 13.1 = 65.0; day 112 T3 not evaluable, known
    # 39.1 + 38.9 = 78.0 = 1.2 x 65 exactly and +13 mm: the known part already meets PD: target PD.
    # With T1 39.0 the known part is 77.9 < 78: NE.
    base = [row(-7, "T1", 32.3), row(-7, "T2", 19.6, organ="lung"), row(-7, "T3", 13.1, organ="kidney"),
            row(112, "T2", 38.9, organ="lung"), row(112, "T3", status="not_evaluable", organ="kidney")]
    for t1, call in ((39.1, "PD"), (39.0, "NE")):
        assert at(run([*base, row(112, "T1", t1)]), 112, "overall_response") == call, t1


def test_cli_recist_1_4_pr_exactly_minus_30_percent_from_csv(tmp_path):
    # spec 1.4 / 0.5 through the command line: B = 36.3 + 33.7 = 70.0, S = 20.1 + 28.9 = 49.0: -30.00 %: PR.
    text = HEADER + (
        "P1,-7,T1,target,liver,false,36.3,,present\n"
        "P1,-7,T2,target,lung,false,33.7,,present\n"
        "P1,56,T1,target,liver,false,20.1,,present\n"
        "P1,56,T2,target,lung,false,28.9,,present\n"
    )
    tp = cli_timepoints(tmp_path, text, "recist11")
    assert tp["overall_response"].tolist() == ["PR"]
    assert tp["pct_change_baseline"].tolist() == [-30.0]
    assert "-30.00%" in tp["reason"].iloc[0]


# ---------------------------------------------------------------------------------------------------
# Fixed differences: split-lesion fragment sums were compared with the size rules unrounded
# ---------------------------------------------------------------------------------------------------



@pytest.mark.parametrize(
    ("criterion", "call"), [("recist11", "PR"), ("irecist", "iPR"), ("imrecist", "PR"), ("irrecist", "irPR")]
)
def test_0_4_split_target_node_of_exactly_10_mm_is_not_normal(criterion, call):
    # spec 0.4, 1.4 step 2 (4.4, 5.4, 3.4): T1 node fragments 1.1 + 4.1 + 4.8 = 10.0 mm, not < 10: not
    # normal, so not CR; S = 10 vs B 20 + 30 = 50: -80 % <= -30 %: PR.
    rows = [node(-7, "T1", 20.0), row(-7, "T2", 30.0, organ="lung"),
            row(56, "T2", status="absent", organ="lung")]
    rows += [node(56, "T1", f) for f in FRAGMENTS_10]
    assert at(run(rows, criterion), 56, "overall_response") == call


def test_cli_0_4_split_target_node_of_exactly_10_mm_is_not_normal(tmp_path):
    # spec 0.4 / 1.4 through `ioresponse assess lesions.csv --criteria recist11`: same input as above.
    text = HEADER + (
        "P1,-7,T1,target,lymph node,true,,20.0,present\n"
        "P1,-7,T2,target,lung,false,30.0,,present\n"
        "P1,56,T1,target,lymph node,true,,1.1,present\n"
        "P1,56,T1,target,lymph node,true,,4.1,present\n"
        "P1,56,T1,target,lymph node,true,,4.8,present\n"
        "P1,56,T2,target,lung,false,,,absent\n"
    )
    tp = cli_timepoints(tmp_path, text, "recist11")
    assert tp["overall_response"].tolist() == ["PR"]  # 10.0 mm node not normal; -80 % vs 50: PR


def test_recist_1_8_1_split_node_back_to_exactly_10_mm_after_cr_is_pd():
    # spec 1.8.1: day 56 node 8 mm, T2 absent: CR; day 112 node fragments 1.1 + 4.1 + 4.8 = 10.0 mm >= 10:
    # reappearance after CR: PD (reappearance_after_cr_is_pd = True, default).
    rows = [node(-7, "T1", 20.0), row(-7, "T2", 30.0, organ="lung"), node(56, "T1", 8.0),
            row(56, "T2", status="absent", organ="lung"), row(112, "T2", status="absent", organ="lung")]
    rows += [node(112, "T1", f) for f in FRAGMENTS_10]
    assert by_day(run(rows)) == {56: "CR", 112: "PD"}


@pytest.mark.parametrize(("criterion", "call"), [("recist11", "PD"), ("irecist", "iUPD")])
def test_1_5_split_new_node_of_exactly_10_mm_is_a_new_lesion(criterion, call):
    # spec 1.5 / 0.4: U1 node fragments 1.1 + 4.1 + 4.8 = 10.0 mm >= 10: a new lesion: PD (Table 1 row 3);
    # iRECIST: NL trigger, iUPD (4.6 step 1). Targets 40 -> 38 (-5 %) alone would be SD.
    rows = [row(-7, "T1", 40.0, organ="lung"), row(56, "T1", 38.0, organ="lung")]
    rows += [node(56, "U1", f) for f in FRAGMENTS_10]
    result = run(rows, criterion)
    assert at(result, 56, "overall_response") == call
    assert "new_node_below_10mm" not in at(result, 56, "flags")


@pytest.mark.parametrize(
    ("criterion", "call"), [("imrecist", "PD"), ("irrecist", "irPD")]
)
def test_5_4_3_4_split_new_lesion_of_exactly_10_mm_is_counted(criterion, call):
    # spec 5.4 / 3.4: U1 (liver) fragments 1.1 + 4.1 + 4.8 = 10.0 mm >= min_nonnodal_mm 10: measurable,
    # counted; SLD/TMTB = 38 + 10 = 48; (48 - 40) / 40 = +20.00 % and +8 mm: PD (pending).
    rows = [row(-7, "T1", 40.0, organ="lung"), row(56, "T1", 38.0, organ="lung")]
    rows += [row(56, "U1", f) for f in FRAGMENTS_10]
    result = run(rows, criterion)
    assert at(result, 56, "current_sum") == pytest.approx(48.0)  # 38 + 10
    assert at(result, 56, "overall_response") == call


def test_irecist_4_4_split_new_lesion_of_exactly_10_mm_is_a_new_lesion_target():
    # spec 4.4: U1 fragments 1.1 + 4.1 + 4.8 = 10.0 mm: measurable -> NLT; NLT_sum = 10 (new_lesion_sum).
    rows = [row(-7, "T1", 40.0, organ="lung"), row(56, "T1", 38.0, organ="lung")]
    rows += [row(56, "U1", f) for f in FRAGMENTS_10]
    result = run(rows, "irecist")
    assert at(result, 56, "overall_response") == "iUPD"  # new lesion: NL trigger either way
    assert at(result, 56, "new_lesion_sum") == pytest.approx(10.0)


@pytest.mark.parametrize("criterion", ["imrecist", "irrecist", "irecist"])
def test_0_6_split_new_node_of_exactly_15_mm_is_measurable(criterion):
    # spec 0.6 / 0.4: U1 node fragments 1.1 + 1.2 + 12.7 = 15.0 mm >= 15: measurable. imRECIST / irRECIST:
    # counted, sum 38 + 15 = 53 (new_lesion_sum 15); iRECIST: NLT, new_lesion_sum 15.
    rows = [row(-7, "T1", 40.0, organ="lung"), row(56, "T1", 38.0, organ="lung")]
    rows += [node(56, "U1", f) for f in FRAGMENTS_15]
    assert at(run(rows, criterion), 56, "new_lesion_sum") == pytest.approx(15.0)


def test_irecist_4_4_split_nlnt_of_the_same_decimal_size_has_not_increased():
    # spec 4.4 / 4.6: U1 new node 12.0 mm (10 to < 15: NLNT) on day 112: iUPD (NL), ref_S = 45. Day 154 (42
    # days): U1 fragments 1.3 + 8.3 + 2.4 = 12.0 mm: no increase; no additional new lesion; S 45 = ref_S so
    # no reset (R3 needs S < ref_S): iUPD stays open.
    rows = [row(-7, "T1", 50.0, organ="lung"), row(56, "T1", 46.0, organ="lung"),
            row(112, "T1", 45.0, organ="lung"), row(154, "T1", 45.0, organ="lung"), node(112, "U1", 12.0)]
    rows += [node(154, "U1", f) for f in (1.3, 8.3, 2.4)]
    assert by_day(run(rows, "irecist")) == {56: "iSD", 112: "iUPD", 154: "iUPD"}


def test_irecist_4_6_r3_equal_decimal_target_sum_does_not_reset():
    # spec 4.6 R3 (iR7 shape): B = 20 + 15 + 10 = 45; day 56: 8.3 + 8.4 + 8.3 = 25.0 (-44.44 %): iPR;
    # day 112 the same and U1 6 mm (NLNT): iUPD (NL), ref_S = 25.0; day 168 (56 days): 8.2 + 8.6 + 8.2 =
    # 25.0, U1 unchanged: no trigger, S not smaller than ref_S: no reset: iUPD.
    rows = (targets(-7, [20.0, 15.0, 10.0]) + targets(56, [8.3, 8.4, 8.3]) + targets(112, [8.3, 8.4, 8.3])
            + targets(168, [8.2, 8.6, 8.2]) + [row(112, "U1", 6.0, organ="spleen"),
                                             row(168, "U1", 6.0, organ="spleen")])
    assert by_day(run(rows, "irecist")) == {56: "iPR", 112: "iUPD", 168: "iUPD"}


def test_irecist_4_6_r3_equal_decimal_nlt_sum_is_no_growth_and_resets():
    # spec 4.6 R3: T1 50 -> 46 (iSD) -> 45 with NLT UA 10.2, UB 10.6 (liver), UC 10.2 (bone): NLT 31.0,
    # iUPD (NL), ref_S 45, ref_NLT 31.0. Day 154 (42 days): T1 40 < 45; NLT 10.3 + 10.4 + 10.3 = 31.0
    # (+0 mm, no growth, no NLNT, no additional lesion): no iCPD; reset; -20 % vs B 50: iSD.
    rows = [row(-7, "T1", 50.0, organ="lung"), row(56, "T1", 46.0, organ="lung"),
            row(112, "T1", 45.0, organ="lung"), row(154, "T1", 40.0, organ="lung"),
            row(112, "UA", 10.2), row(112, "UB", 10.6), row(112, "UC", 10.2, organ="bone"),
            row(154, "UA", 10.3), row(154, "UB", 10.4), row(154, "UC", 10.3, organ="bone")]
    assert by_day(run(rows, "irecist")) == {56: "iSD", 112: "iUPD", 154: "iSD"}


# ---------------------------------------------------------------------------------------------------
# Difference: sums of decimal lesions printed with float noise in the reason
# ---------------------------------------------------------------------------------------------------


def test_0_10_reason_prints_exact_decimal_sums_as_whole_numbers():
    # spec 0.10 / 1.4: nadir 5.4 + 10.8 + 8.8 = 25 mm, S = 5.1 + 11.2 + 13.7 = 30 mm: +20.00 % and +5 mm: PD.
    rows = targets(-7, [20.0, 15.0, 10.0]) + targets(56, [5.4, 10.8, 8.8]) + targets(112, [5.1, 11.2, 13.7])
    reason = at(run(rows), 112, "reason")
    assert "target sum 30 mm is +20.00% and +5 mm vs nadir 25 mm" in reason
