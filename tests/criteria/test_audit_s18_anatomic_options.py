"""Audit s18 (optanat): every option and Ambiguity entry of spec/anatomic.md, by the spec's names.

Audited against spec/anatomic.md 0.2 (baseline-gap options), 0.7 / 0.8 (confirmation options),
1.11 (RECIST 1.1 A1-A11 and its option table), 2.11 (irRC B1-B9), 3.11 (irRECIST C1-C7), 4.11
(iRECIST D1-D10) and 5.11 (imRECIST E1-E5), with the rule text each entry points to (1.7, 1.8,
2.2-2.7, 3.3-3.7, 4.4-4.7, 5.4-5.7).

For every option of the five tables: it is accepted under exactly the spec's name by the criterion of its
section (``ioresponse.assess(table, criteria=(key,), name=value)``); its default is the spec's default (an
input on which default and alternative give different calls, the default's call asserted from the spec
text); the alternative does what the Ambiguity entry says (same input, option switched); a wrong value is
refused with an ``InputError`` naming the option; and a handful go through the command line
(``ioresponse assess FILE --criteria X --option name=value``) with the value parsed to the option's type and
the same call as the Python API.

No difference from the spec was found: every test below passes and is kept as a regression test. Expected
values come from the spec text and the hand arithmetic in the comments, never from the package's output.
"""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest
from assessed import by_day, row
from typer.testing import CliRunner

import ioresponse
import ioresponse.api
from ioresponse.cli import app
from ioresponse.schema import InputError

# ------------------------------------------------------------------------------------------------ helpers


_STUDIES: dict[str, object] = {}


def run(rows, criterion="recist11", **options):
    """``rows`` assessed under ``criterion``: ``ioresponse.load`` once per table (cached: the slow
    part), then ``ioresponse.api.run`` with the options (``assess`` is exactly these two steps);
    patterns off."""
    key = repr(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if key not in _STUDIES:
            _STUDIES[key] = ioresponse.load(pd.DataFrame(rows))
        return ioresponse.api.run(_STUDIES[key], (criterion,), patterns=False, **options)


def pp(day, lesion_id, long_mm, perp_mm, **extra):
    """An irRC row measured bidimensionally (spec 0.4: product = long axis x perpendicular)."""
    return row(day, lesion_id, long_mm, perpendicular_mm=float(perp_mm), **extra)


def node2(day, lesion_id, long_mm, short_mm, **extra):
    """An irRC nodal row: long axis x short axis (spec 2.2, B2)."""
    return row(
        day,
        lesion_id,
        None,
        node=True,
        long_axis_mm=float(long_mm),
        short_axis_mm=float(short_mm),
        perpendicular_mm=float(short_mm),
        **extra,
    )


def gone(day, lesion_id, **extra):
    return row(day, lesion_id, status="absent", **extra)


def best(result):
    rows = result.best_response
    assert len(rows) == 1
    return rows.iloc[0]


def same(a, b):
    if isinstance(b, float) and math.isnan(b):
        return isinstance(a, float) and math.isnan(a)
    return a == b


def check(criterion, rows, options, expect):
    """Assess ``rows`` under ``criterion`` with ``options`` and compare with ``expect``:
    ``error`` (text in the InputError), ``calls`` ({day: overall_response}),
    ``column`` ((name, {day: value})),
    ``flag`` ((day, flag, present)), ``best`` ({best-response column: value})."""
    if "error" in expect:
        with pytest.raises(InputError, match=expect["error"]):
            run(rows, criterion, **options)
        return
    result = run(rows, criterion, **options)
    if "calls" in expect:
        assert by_day(result) == expect["calls"]
    if "column" in expect:
        name, values = expect["column"]
        got = by_day(result, name)
        assert {d: got[d] for d in values} == values
    if "flag" in expect:
        day, flag, present = expect["flag"]
        assert (flag in str(by_day(result, "flags")[day]).split(";")) is present
    for column, value in expect.get("best", {}).items():
        assert same(best(result)[column], value), (column, best(result)[column], value)


NAN = float("nan")

# ---------------------------------------------------------------------------------- section 1 (RECIST 1.1)

# A target 40 -> 26 mm (-35.00%: PR), 30 mm (-25.00% vs 40: not PR; +15.38% / +4 mm vs nadir 26:
# not PD -> SD), 26 mm (PR).
PR_SD_PR = [row(-7, "T1", 40), row(56, "T1", 26), row(84, "T1", 30), row(112, "T1", 26)]
# PR on days 56 and 77 (21 days apart), 40 -> 20 mm (-50%).
PR_21_DAYS = [row(-7, "T1", 40), row(56, "T1", 20), row(77, "T1", 20)]
PR_NE_NE_PR = [
    row(-7, "T1", 40),
    row(56, "T1", 20),
    row(84, "T1", status="not_evaluable"),
    row(112, "T1", status="not_evaluable"),
    row(140, "T1", 20),
]
SD_DAY_35 = [row(-7, "T1", 40), row(35, "T1", 38)]  # -5%: SD, earlier than 42 days
SIX_ORGANS = ["liver", "lung", "adrenal", "brain", "spleen", "kidney"]
SIX_TARGETS = [row(d, f"T{i}", 20, organ=o) for d in (-7, 56) for i, o in enumerate(SIX_ORGANS)]
THREE_LIVER = [row(d, f"T{i}", 20) for d in (-7, 56) for i in range(3)]
NODE_THICK_SLICE = [row(d, "T1", 16, node=True, slice_thickness_mm=10) for d in (-7, 56)]
# Two target nodes 15 + 15 -> 5 + 5 (all < 10 mm: CR) -> 9 + 8 = 17 mm: +70% and +7 mm over nadir 10 (A4).
NODES_REGROW = [
    row(-7, "T1", 15, node=True),
    row(-7, "T2", 15, node=True, organ="neck"),
    row(56, "T1", 5, node=True),
    row(56, "T2", 5, node=True, organ="neck"),
    row(112, "T1", 9, node=True),
    row(112, "T2", 8, node=True, organ="neck"),
]
# CR on day 56, the target back at 3 mm on day 84: vs nadir 0 only +3 mm (< 5), vs baseline -92.5% (PR).
REAPPEARS = [row(-7, "T1", 40), gone(56, "T1"), row(84, "T1", 3)]
# CR on days 56 and 70 (14 days: never a confirmed CR with confirm_min_days 28), then the target back at 3 mm.
REAPPEARS_UNCONFIRMED_CR = [row(-7, "T1", 40), gone(56, "T1"), gone(70, "T1"), row(112, "T1", 3)]
# Equivocal new lesion on day 56 (targets 30/40 = -25%: SD), unequivocal on day 112 (R5 shape).
EQUIVOCAL = [
    row(-7, "T1", 40),
    row(56, "T1", 30),
    row(56, "U1", 12, equivocal=True),
    row(112, "T1", 30),
    row(112, "U1", 15, equivocal=False),
]
NEW_NODE_12 = [row(-7, "T1", 40), row(56, "T1", 30), row(56, "U1", 12, node=True)]  # targets -25%: SD
OLD_BASELINE = [row(-35, "T1", 40), row(56, "T1", 30)]

RECIST_CASES = [
    # 1.7 / 0.9: confirm_response=False by default: the unconfirmed best response drives the first
    # response day.
    ("confirm_response default", PR_21_DAYS[:2], {}, {"best": {"first_response_day": 56.0}}),
    (
        "confirm_response=True",
        PR_21_DAYS[:2],
        {"confirm_response": True},
        {"best": {"first_response_day": NAN}},
    ),  # the single PR is never confirmed
    # A8 / 0.7: 77 - 56 = 21 < 28 -> not confirmed -> confirmed BOR SD (PR at >= 42 days counts as SD).
    ("confirm_min_days default", PR_21_DAYS, {}, {"best": {"best_response_confirmed": "SD"}}),
    (
        "confirm_min_days=21",
        PR_21_DAYS,
        {"confirm_min_days": 21},
        {"best": {"best_response_confirmed": "PR"}},
    ),
    # A8: two NE between the PRs; at most max_ne_between = 1 by default.
    ("max_ne_between default", PR_NE_NE_PR, {}, {"best": {"best_response_confirmed": "SD"}}),
    ("max_ne_between=2", PR_NE_NE_PR, {"max_ne_between": 2}, {"best": {"best_response_confirmed": "PR"}}),
    # A8: PR-SD-PR confirms only with accept_sd_between=True (112 - 56 = 56 >= 28).
    (
        "accept_sd_between default",
        PR_SD_PR,
        {},
        {"calls": {56: "PR", 84: "SD", 112: "PR"}, "best": {"best_response_confirmed": "SD"}},
    ),
    (
        "accept_sd_between=True",
        PR_SD_PR,
        {"accept_sd_between": True},
        {"best": {"best_response_confirmed": "PR"}},
    ),
    # A7 / 1.8.3: continued PR off by default; on: the SD after the first PR is PR, flag continued_pr,
    # best overall response the same.
    ("continued_pr default", PR_SD_PR, {}, {"calls": {56: "PR", 84: "SD", 112: "PR"}}),
    (
        "continued_pr=True",
        PR_SD_PR,
        {"continued_pr_after_confirmed_pr": True},
        {
            "calls": {56: "PR", 84: "PR", 112: "PR"},
            "flag": (84, "continued_pr", True),
            "best": {"best_response": "PR", "best_response_confirmed": "SD"},
        },
    ),
    # A9: SD on day 35 < 42 -> BOR NE (1.7 rule 4); min_sd_days=28 -> SD.
    ("min_sd_days default", SD_DAY_35, {}, {"best": {"best_response": "NE"}}),
    ("min_sd_days=28", SD_DAY_35, {"min_sd_days": 28}, {"best": {"best_response": "SD"}}),
    # 1.3 / A1: 6 targets > max_targets 5 -> InputError by default.
    ("max_targets default", SIX_TARGETS, {}, {"error": "more than 5 targets"}),
    ("max_targets=6", SIX_TARGETS, {"max_targets": 6}, {"calls": {56: "SD"}}),
    ("max_targets_per_organ default", THREE_LIVER, {}, {"error": "2 per organ"}),
    ("max_targets_per_organ=3", THREE_LIVER, {"max_targets_per_organ": 3}, {"calls": {56: "SD"}}),
    (
        "on_baseline_violation=warn",
        SIX_TARGETS,
        {"on_baseline_violation": "warn"},
        {"calls": {56: "SD"}, "flag": (56, "baseline_target_rule_violated", True)},
    ),
    # A2: node short axis 16 with a 10 mm slice: nodal minimum 15 by default; max(15, 2 x 10) = 20
    # with the option.
    ("apply_slice_rule_to_nodes default", NODE_THICK_SLICE, {}, {"calls": {56: "SD"}}),
    (
        "apply_slice_rule_to_nodes=True",
        NODE_THICK_SLICE,
        {"apply_slice_rule_to_nodes": True},
        {"error": "measurability"},
    ),
    # A4: every target node < 10 mm -> CR wins by default; with the option +70% / +7 mm over nadir 10 is PD.
    ("normal_node_growth_can_be_pd default", NODES_REGROW, {}, {"calls": {56: "CR", 112: "CR"}}),
    (
        "normal_node_growth_can_be_pd=True",
        NODES_REGROW,
        {"normal_node_growth_can_be_pd": True},
        {"calls": {56: "CR", 112: "PD"}},
    ),
    # A5 / 1.8.1: a non-nodal target > 0 after CR is PD; without the rule the sums give PR (3 < 5 mm over 0).
    ("reappearance_after_cr_is_pd default", REAPPEARS, {}, {"calls": {56: "CR", 84: "PD"}}),
    (
        "reappearance_after_cr_is_pd=False",
        REAPPEARS,
        {"reappearance_after_cr_is_pd": False},
        {"calls": {56: "CR", 84: "PR"}},
    ),
    (
        "reappearance_requires_confirmed_cr default",
        REAPPEARS_UNCONFIRMED_CR,
        {},
        {"calls": {56: "CR", 70: "CR", 112: "PD"}},
    ),
    (
        "reappearance_requires_confirmed_cr=True",
        REAPPEARS_UNCONFIRMED_CR,
        {"reappearance_requires_confirmed_cr": True},
        {"calls": {56: "CR", 70: "CR", 112: "PR"}},
    ),
    # A6 / 1.8.2: the equivocal lesion confirmed on day 112 back-dates PD to day 56 by default.
    (
        "backdate_equivocal_pd default",
        EQUIVOCAL,
        {},
        {"calls": {56: "PD", 112: "PD"}, "best": {"progression_day": 56.0}},
    ),
    (
        "backdate_equivocal_pd=False",
        EQUIVOCAL,
        {"backdate_equivocal_pd": False},
        {"calls": {56: "SD", 112: "PD"}, "best": {"progression_day": 112.0}},
    ),
    # A10: a new 12 mm node (10 to < 15) is a new lesion -> PD by default; with a 15 mm minimum it is not.
    ("new_node_min_short_axis_mm default", NEW_NODE_12, {}, {"calls": {56: "PD"}}),
    (
        "new_node_min_short_axis_mm=15",
        NEW_NODE_12,
        {"new_node_min_short_axis_mm": 15.0},
        {"calls": {56: "SD"}},
    ),
    # 0.2: baseline on day -35 < -28 -> flag and continue by default; 42-day gap -> no flag; "error" refuses.
    (
        "max_baseline_gap_days default",
        OLD_BASELINE,
        {},
        {"calls": {56: "SD"}, "flag": (56, "baseline_older_than_28_days", True)},
    ),
    (
        "max_baseline_gap_days=42",
        OLD_BASELINE,
        {"max_baseline_gap_days": 42},
        {"flag": (56, "baseline_older_than_28_days", False)},
    ),
    ("on_old_baseline=error", OLD_BASELINE, {"on_old_baseline": "error"}, {"error": "baseline on day -35"}),
]


@pytest.mark.parametrize(
    ("rows", "options", "expect"), [c[1:] for c in RECIST_CASES], ids=[c[0] for c in RECIST_CASES]
)
def test_sec_1_11_recist11_option_default_and_alternative(rows, options, expect):
    check("recist11", rows, options, expect)


def test_sec_1_11_a3_target_node_under_10mm_after_cr_is_not_a_reappearance():
    """A3: a target node 15 -> 5 (CR) -> 9 mm is still normal (CR); at 10 mm it has reappeared (PD, 1.8.1)."""
    for regrown, call in ((9, "CR"), (10, "PD")):
        rows = [row(-7, "T1", 15, node=True), row(56, "T1", 5, node=True), row(112, "T1", regrown, node=True)]
        assert by_day(run(rows)) == {56: "CR", 112: call}


def test_sec_1_11_a11_split_node_fragments_are_summed_and_flagged():
    """A11: fragments 8 + 7 = 15 mm of a 20 mm target node: -25% (SD), flag split_node."""
    rows = [row(-7, "T1", 20, node=True), row(56, "T1", 8, node=True), row(56, "T1", 7, node=True)]
    result = run(rows)
    assert by_day(result) == {56: "SD"}
    assert by_day(result, "current_sum") == {56: 15.0}
    assert "split_node" in by_day(result, "flags")[56].split(";")


# --------------------------------------------------------------------------------------- section 2 (irRC)

NEW_5X5 = [pp(-7, "T1", 20, 20), pp(56, "T1", 20, 20), pp(56, "U1", 5, 5)]  # TB 400 (+25 if 5 x 5 counts)
INDEX_8X8 = [pp(d, "T1", 8, 8) for d in (-7, 56)]
NODE_TO_8 = [node2(-7, "T1", 20, 15), node2(56, "T1", 12, 8)]  # 300 -> 96 mm2 (-68%); short axis 8 < 10
TOO_SMALL = [pp(-7, "T1", 10, 10), row(56, "T1", status="too_small", perpendicular_mm=NAN)]
SIX_LIVER_INDEX = [pp(d, f"T{i}", 10, 10) for d in (-7, 56) for i in range(6)]
ELEVEN_ORGANS = [f"organ{i}" for i in range(11)]
ELEVEN_VISCERAL = [pp(d, f"T{i}", 10, 10, organ=o) for d in (-7, 56) for i, o in enumerate(ELEVEN_ORGANS)]
SIX_SKIN = [pp(d, f"T{i}", 10, 10, organ="skin") for d in (-7, 56) for i in range(6)]
# Six new liver lesions of 25, 30, 35, 40, 45 and 50 mm2; cap 5 per organ keeps the five largest (200).
SIX_NEW = [pp(-7, "T1", 20, 20), pp(56, "T1", 20, 20)] + [pp(56, f"U{i}", 5 + i, 5) for i in range(6)]
# A new lesion 4 x 4 (not measurable) on day 56, 10 x 10 on day 112: TB 400 + 100 = 500, +25% vs nadir 400.
LATE_MEASURABLE = [
    pp(-7, "T1", 20, 20),
    pp(56, "T1", 20, 20),
    pp(56, "U1", 4, 4),
    pp(112, "T1", 20, 20),
    pp(112, "U1", 10, 10),
]
IR_PR_ONCE = [pp(-7, "T1", 20, 20), pp(56, "T1", 10, 10)]  # 400 -> 100 (-75%): irPR, never confirmed
IR_PD_LATE = [
    pp(-7, "T1", 10, 10),
    pp(56, "T1", 12, 12),
    pp(140, "T1", 12, 12),
]  # 144 = +44%, decided 84 d later
IR_PD_PENDING = IR_PD_LATE[:2]
IR_PLUS_30 = [pp(-7, "T1", 10, 10), pp(56, "T1", 10, 13), pp(112, "T1", 10, 13)]  # 100 -> 130: +30%, +30 mm2
IR_SD_35 = [pp(-7, "T1", 10, 10), pp(35, "T1", 10, 10)]
IR_THICK = [pp(d, "T1", 8, 8, slice_thickness_mm=6) for d in (-7, 56)]  # 2 x 6 = 12 > 8

IRRC_CASES = [
    # B1: 5 x 5 is measurable (inclusive) by default -> TB 425; exclusive or a 6 mm minimum -> 400.
    ("min_diameter_inclusive default", NEW_5X5, {}, {"column": ("current_sum", {56: 425.0})}),
    (
        "min_diameter_inclusive=False",
        NEW_5X5,
        {"min_diameter_inclusive": False},
        {"column": ("current_sum", {56: 400.0})},
    ),
    ("min_diameter_mm=6", NEW_5X5, {"min_diameter_mm": 6.0}, {"column": ("current_sum", {56: 400.0})}),
    ("baseline_min_diameter_mm default", INDEX_8X8, {}, {"calls": {56: "irSD"}}),
    (
        "baseline_min_diameter_mm=10",
        INDEX_8X8,
        {"baseline_min_diameter_mm": 10.0},
        {"error": "below 10 x 10"},
    ),
    # B2: a node with short axis < 10 counts as gone (irCR) by default; "who": must be absent -> -68% irPR.
    ("node_rules default", NODE_TO_8, {}, {"calls": {56: "irCR"}}),
    ("node_rules=who", NODE_TO_8, {"node_rules": "who"}, {"calls": {56: "irPR"}}),
    # B3: too small = 25 mm2 (-75%: irPR); 60 mm2 -> -40%: irSD.
    (
        "too_small_product_mm2 default",
        TOO_SMALL,
        {},
        {"calls": {56: "irPR"}, "column": ("current_sum", {56: 25.0})},
    ),
    ("too_small_product_mm2=60", TOO_SMALL, {"too_small_product_mm2": 60.0}, {"calls": {56: "irSD"}}),
    # 2.3 caps: 5 per organ, 10 visceral, 5 cutaneous.
    ("max_index_per_organ default", SIX_LIVER_INDEX, {}, {"error": "more than 5 index lesions per organ"}),
    ("max_index_per_organ=6", SIX_LIVER_INDEX, {"max_index_per_organ": 6}, {"calls": {56: "irSD"}}),
    ("max_index_visceral default", ELEVEN_VISCERAL, {}, {"error": "10 visceral"}),
    ("max_index_visceral=11", ELEVEN_VISCERAL, {"max_index_visceral": 11}, {"calls": {56: "irSD"}}),
    ("max_index_cutaneous default", SIX_SKIN, {"max_index_per_organ": 6}, {"error": "5 cutaneous"}),
    (
        "max_index_cutaneous=6",
        SIX_SKIN,
        {"max_index_per_organ": 6, "max_index_cutaneous": 6},
        {"calls": {56: "irSD"}},
    ),
    # B4: 400 + (50 + 45 + 40 + 35 + 30) = 600 with the caps; + 25 = 625 without.
    ("apply_new_lesion_caps default", SIX_NEW, {}, {"column": ("current_sum", {56: 600.0})}),
    (
        "apply_new_lesion_caps=False",
        SIX_NEW,
        {"apply_new_lesion_caps": False},
        {"column": ("current_sum", {56: 625.0})},
    ),
    # B5: counted once measurable (500: +25% -> irPD) by default; first_appearance_only never counts it.
    (
        "new_lesion_entry default",
        LATE_MEASURABLE,
        {},
        {"calls": {56: "irSD", 112: "irPD"}, "column": ("current_sum", {112: 500.0})},
    ),
    (
        "new_lesion_entry=first_appearance_only",
        LATE_MEASURABLE,
        {"new_lesion_entry": "first_appearance_only"},
        {"calls": {56: "irSD", 112: "irSD"}, "column": ("current_sum", {112: 400.0})},
    ),
    # B6 / 0.9: confirm_response=True by default for irRC: the unconfirmed irPR gives no first response day.
    (
        "confirm_response default",
        IR_PR_ONCE,
        {},
        {"best": {"best_response": "irPR", "first_response_day": NAN}},
    ),
    (
        "confirm_response=False",
        IR_PR_ONCE,
        {"confirm_response": False},
        {"best": {"first_response_day": 56.0}},
    ),
    # 0.8: a deciding assessment later than confirm_max_days is flagged late_confirmation
    # (140 - 56 = 84 > 56).
    (
        "confirm_max_days default",
        IR_PD_LATE,
        {},
        {
            "calls": {56: "irPD", 140: "irPD"},
            "flag": (140, "late_confirmation", False),
            "best": {"progression_day": 56.0},
        },
    ),
    ("confirm_max_days=56", IR_PD_LATE, {"confirm_max_days": 56}, {"flag": (140, "late_confirmation", True)}),
    # 2.7: a pending irPD at the end of data is irPD (flag pd_unconfirmed) by default, NE with "ne".
    (
        "unconfirmed_pd_as default",
        IR_PD_PENDING,
        {},
        {"flag": (56, "pd_unconfirmed", True), "best": {"best_response": "irPD"}},
    ),
    ("unconfirmed_pd_as=ne", IR_PD_PENDING, {"unconfirmed_pd_as": "ne"}, {"best": {"best_response": "NE"}}),
    # B7: irSD on day 35 < 42 -> NE; 0 disables.
    ("min_sd_days default", IR_SD_35, {}, {"best": {"best_response": "NE"}}),
    ("min_sd_days=0", IR_SD_35, {"min_sd_days": 0}, {"best": {"best_response": "irSD"}}),
    # B9: no absolute minimum by default (+30% -> irPD); 30 mm2 < 50 mm2 with the option -> irSD.
    ("pd_absolute_mm2 default", IR_PLUS_30, {}, {"calls": {56: "irPD", 112: "irPD"}}),
    ("pd_absolute_mm2=50", IR_PLUS_30, {"pd_absolute_mm2": 50.0}, {"calls": {56: "irSD", 112: "irSD"}}),
    # 2.2: no slice rule by default; with it each diameter must be >= 2 x 6 = 12 mm.
    ("apply_slice_rule default", IR_THICK, {}, {"calls": {56: "irSD"}}),
    ("apply_slice_rule=True", IR_THICK, {"apply_slice_rule": True}, {"error": "index lesion below"}),
]


@pytest.mark.parametrize(
    ("rows", "options", "expect"), [c[1:] for c in IRRC_CASES], ids=[c[0] for c in IRRC_CASES]
)
def test_sec_2_11_irrc_option_default_and_alternative(rows, options, expect):
    check("irrc", rows, options, expect)


# ----------------------------------------------------------------------------------- section 3 (irRECIST)

LUNG_100 = [row(d, "T1", 100, organ="lung") for d in (-7, 56)]
# New liver lesions 10, 11, 12 mm: 2 per organ -> 12 + 11 = 23 (TMTB 123); 3 per organ -> 33 (TMTB 133).
THREE_NEW_LIVER = LUNG_100 + [row(56, f"U{i}", 10 + i) for i in range(3)]
# Six new lesions 10..15 mm in six organs: 5 in total -> 15 + 14 + 13 + 12 + 11 = 65 (165); 6 -> 75 (175).
SIX_NEW_ORGANS = LUNG_100 + [row(56, f"U{i}", 10 + i, organ=o) for i, o in enumerate("abcdef")]
PLUS_4MM = [row(-7, "T1", 10), row(56, "T1", 14), row(112, "T1", 14)]  # +40% but only +4 mm
NT_PROGRESSION = [
    row(-7, "T1", 40),
    row(-7, "N1"),
    row(56, "T1", 40),
    row(56, "N1", status="unequivocal_progression"),
    row(112, "T1", 40),
    row(112, "N1", status="unequivocal_progression"),
]
NLNT_PROGRESSION = [
    row(-7, "T1", 40),
    row(56, "T1", 40),
    row(56, "U1", 5),
    row(112, "T1", 40),
    row(112, "U1", status="unequivocal_progression"),
]
PR_ONCE = [row(-7, "T1", 40), row(56, "T1", 20)]  # -50%
PD_LATE = [row(-7, "T1", 40), row(56, "T1", 50), row(140, "T1", 50)]  # +25%, +10 mm; decided 84 days later
# New lesion 8 mm (< 10: not measurable) on day 56, 20 mm on day 112: TMTB 60, +50% / +20 mm vs nadir 40.
LATE_MEASURABLE_UNI = [
    row(-7, "T1", 40),
    row(56, "T1", 40),
    row(56, "U1", 8),
    row(112, "T1", 40),
    row(112, "U1", 20),
]
SD_35 = [row(-7, "T1", 40), row(35, "T1", 40)]
# C6: irPD from the TMTB on day 56 (50 vs 40: +25%, +10 mm); on day 112 the TMTB is 45 (+12.5% vs nadir 40:
# not irPD) but a non-target progressed unequivocally: "any irPD condition" confirms by default.
TMTB_PD_THEN_NT_PD = [
    row(-7, "T1", 40),
    row(-7, "N1"),
    row(56, "T1", 50),
    row(56, "N1"),
    row(112, "T1", 45),
    row(112, "N1", status="unequivocal_progression"),
]
NISHINO = {
    "target_caps": "irrc",
    "nontarget_can_define_pd": False,
    "new_nonmeasurable_can_define_pd": False,
    "confirm_response": True,
    "pd_absolute_mm": 0.0,
}

IRRECIST_CASES = [
    # 3.3: RECIST counts (2 per organ) by default; irRC counts (5 per organ) with target_caps="irrc".
    ("target_caps default", THREE_LIVER, {}, {"error": "2 per organ"}),
    ("target_caps=irrc", THREE_LIVER, {"target_caps": "irrc"}, {"calls": {56: "irSD"}}),
    ("target_caps=irrc six organs", SIX_TARGETS, {"target_caps": "irrc"}, {"calls": {56: "irSD"}}),
    # C3
    ("max_new_measurable_per_organ default", THREE_NEW_LIVER, {}, {"column": ("current_sum", {56: 123.0})}),
    (
        "max_new_measurable_per_organ=3",
        THREE_NEW_LIVER,
        {"max_new_measurable_per_organ": 3},
        {"column": ("current_sum", {56: 133.0})},
    ),
    ("max_new_measurable default", SIX_NEW_ORGANS, {}, {"column": ("current_sum", {56: 165.0})}),
    (
        "max_new_measurable=6",
        SIX_NEW_ORGANS,
        {"max_new_measurable": 6},
        {"column": ("current_sum", {56: 175.0})},
    ),
    # C2: +4 mm < 5 -> irSD by default; pd_absolute_mm=0 -> irPD, confirmed on day 112.
    ("pd_absolute_mm default", PLUS_4MM, {}, {"calls": {56: "irSD", 112: "irSD"}}),
    (
        "pd_absolute_mm=0",
        PLUS_4MM,
        {"pd_absolute_mm": 0.0},
        {"calls": {56: "irPD", 112: "irPD"}, "best": {"progression_day": 56.0}},
    ),
    # C4
    (
        "nontarget_can_define_pd default",
        NT_PROGRESSION,
        {},
        {"calls": {56: "irPD", 112: "irPD"}, "best": {"progression_day": 56.0}},
    ),
    (
        "nontarget_can_define_pd=False",
        NT_PROGRESSION,
        {"nontarget_can_define_pd": False},
        {"calls": {56: "irSD", 112: "irSD"}},
    ),
    ("new_nonmeasurable_can_define_pd default", NLNT_PROGRESSION, {}, {"calls": {56: "irSD", 112: "irPD"}}),
    (
        "new_nonmeasurable_can_define_pd=False",
        NLNT_PROGRESSION,
        {"new_nonmeasurable_can_define_pd": False},
        {"calls": {56: "irSD", 112: "irSD"}},
    ),
    # 3.7: confirm_response False by default.
    ("confirm_response default", PR_ONCE, {}, {"best": {"first_response_day": 56.0}}),
    ("confirm_response=True", PR_ONCE, {"confirm_response": True}, {"best": {"first_response_day": NAN}}),
    # C5: no maximum by default; with 56 the deciding scan 84 days later is flagged.
    ("confirm_max_days default", PD_LATE, {}, {"flag": (140, "late_confirmation", False)}),
    ("confirm_max_days=56", PD_LATE, {"confirm_max_days": 56}, {"flag": (140, "late_confirmation", True)}),
    ("unconfirmed_pd_as default", PD_LATE[:2], {}, {"best": {"best_response": "irPD"}}),
    ("unconfirmed_pd_as=ne", PD_LATE[:2], {"unconfirmed_pd_as": "ne"}, {"best": {"best_response": "NE"}}),
    ("min_sd_days default", SD_35, {}, {"best": {"best_response": "NE"}}),
    ("min_sd_days=0", SD_35, {"min_sd_days": 0}, {"best": {"best_response": "irSD"}}),
    # C7
    (
        "new_lesion_entry default",
        LATE_MEASURABLE_UNI,
        {},
        {"calls": {56: "irSD", 112: "irPD"}, "column": ("current_sum", {112: 60.0})},
    ),
    (
        "new_lesion_entry=first_appearance_only",
        LATE_MEASURABLE_UNI,
        {"new_lesion_entry": "first_appearance_only"},
        {"calls": {56: "irSD", 112: "irSD"}, "column": ("current_sum", {112: 40.0})},
    ),
    (
        "C6 any irPD condition confirms",
        TMTB_PD_THEN_NT_PD,
        {},
        {
            "calls": {56: "irPD", 112: "irPD"},
            "column": ("confirmation_state", {56: "confirmed"}),
            "best": {"progression_day": 56.0},
        },
    ),
    (
        "C6 with nontarget_can_define_pd=False",
        TMTB_PD_THEN_NT_PD,
        {"nontarget_can_define_pd": False},
        {"calls": {56: "irPD", 112: "irSD"}, "column": ("confirmation_state", {56: "not_confirmed"})},
    ),
    # C1 / J3: unequivocal non-target progression is irPD by default, irSD in the Nishino form.
    ("Nishino form (C1, J3)", NT_PROGRESSION, NISHINO, {"calls": {56: "irSD", 112: "irSD"}}),
]


@pytest.mark.parametrize(
    ("rows", "options", "expect"), [c[1:] for c in IRRECIST_CASES], ids=[c[0] for c in IRRECIST_CASES]
)
def test_sec_3_11_irrecist_option_default_and_alternative(rows, options, expect):
    check("irrecist", rows, options, expect)


# ------------------------------------------------------------------------------------ section 4 (iRECIST)

# iR6 shape: T1 40 -> 30 with a new 12 mm lesion (iUPD, NL), then T1 20 (< ref 30) with the lesion unchanged.
SHRINK_AFTER_NEW = [
    row(-7, "T1", 40),
    row(56, "T1", 30),
    row(56, "U1", 12),
    row(112, "T1", 20),
    row(112, "U1", 12),
]


def target_series(values):
    return [row(-7, "T1", 40)] + [row(d, "T1", v) for d, v in zip((56, 84, 112, 140), values, strict=True)]


# PR at 20 (nadir), iUPD at 30 (+50%, +10 mm), then 33 and 36: +3 / +6 vs the iUPD sum, +3 / +3 vs previous.
ADDS_UP = target_series((20, 30, 33, 36))
# ... then 28 and 34: +4 vs the iUPD sum (30), +6 vs previous and vs the minimum since iUPD (28).
DIP_THEN_GROWTH = target_series((20, 30, 28, 34))
# iUPD from a new lesion on day 56; 14 days later a second new lesion (early scan).
EARLY_NEW = [
    row(-7, "T1", 40),
    row(56, "T1", 40),
    row(56, "U1", 12),
    row(70, "T1", 40),
    row(70, "U1", 12),
    row(70, "U2", 12, organ="lung"),
]
# iUPD from U1 (12 mm NLT) on day 56; U1 18 mm (+6 >= 5) on day 82 (26 days) or day 130 (74 days).
NLT_GROWS_82 = [row(-7, "T1", 40), row(56, "T1", 40), row(56, "U1", 12), row(82, "T1", 40), row(82, "U1", 18)]
NLT_GROWS_130 = [
    row(-7, "T1", 40),
    row(56, "T1", 40),
    row(56, "U1", 12),
    row(130, "T1", 40),
    row(130, "U1", 18),
]
NLT_GROWS_4 = [
    row(-7, "T1", 40),
    row(56, "T1", 40),
    row(56, "U1", 12),
    row(112, "T1", 40),
    row(112, "U1", 16),
]
# Three new liver lesions 10, 11, 12 mm: 2 NLT per organ (U2, U1; U0 NLNT). Day 112: U0 13 mm (an increase).
NEW_CAPS = (
    [row(d, "T1", 40, organ="lung") for d in (-7, 56, 112)]
    + [row(56, f"U{i}", 10 + i) for i in range(3)]
    + [row(112, f"U{i}", v) for i, v in enumerate((13, 11, 12))]
)
NEW_CAPS_TOTAL = (
    [row(d, "T1", 40, organ="lung") for d in (-7, 56, 112)]
    + [row(56, f"U{i}", 10 + i, organ=o) for i, o in enumerate("abcdef")]
    + [
        row(112, f"U{i}", v, organ=o)
        for i, (v, o) in enumerate(zip((13, 11, 12, 13, 14, 15), "abcdef", strict=True))
    ]
)
NLNT_BECOMES_MEASURABLE = [
    row(-7, "T1", 40),
    row(56, "T1", 40),
    row(56, "U1", 8),
    row(112, "T1", 40),
    row(112, "U1", 15),
]
# iUPD (U1), reset on day 112 (T1 20 < 30, U1 unchanged: iPR), U1 10 -> 13 on day 168: +30% but +3 mm.
AFTER_RESET = [
    row(-7, "T1", 40),
    row(56, "T1", 30),
    row(56, "U1", 10),
    row(112, "T1", 20),
    row(112, "U1", 10),
    row(168, "T1", 20),
    row(168, "U1", 13),
]
IUPD_AT_END = [row(-7, "T1", 40), row(28, "T1", 40), row(84, "T1", 40), row(84, "U1", 12)]
UNSTABLE = [
    row(-7, "T1", 40, clinical_status="stable"),
    row(56, "T1", 40, clinical_status="deteriorating"),
    row(56, "U1", 12, clinical_status="deteriorating"),
]
ICR_THEN_BACK = [row(-7, "T1", 40), gone(56, "T1"), row(112, "T1", 3)]
# iPR 56 (-50%), iUPD 84 (new U1), reset iPR 112 (T1 15 < 20, U1 unchanged).
PR_IUPD_PR = [
    row(-7, "T1", 40),
    row(56, "T1", 20),
    row(84, "T1", 20),
    row(84, "U1", 10),
    row(112, "T1", 15),
    row(112, "U1", 10),
]

IRECIST_CASES = [
    # D1
    (
        "new_lesion_reset default",
        SHRINK_AFTER_NEW,
        {},
        {"calls": {56: "iUPD", 112: "iPR"}, "flag": (112, "iupd_reset", True)},
    ),
    (
        "new_lesion_reset=resolution_only",
        SHRINK_AFTER_NEW,
        {"new_lesion_reset": "resolution_only"},
        {"calls": {56: "iUPD", 112: "iUPD"}},
    ),
    # D2
    (
        "icpd_increase_reference default, adds up",
        ADDS_UP,
        {},
        {"calls": {56: "iPR", 84: "iUPD", 112: "iUPD", 140: "iCPD"}, "best": {"progression_day": 84.0}},
    ),
    (
        "icpd_increase_reference default, dip",
        DIP_THEN_GROWTH,
        {},
        {"calls": {56: "iPR", 84: "iUPD", 112: "iUPD", 140: "iUPD"}},
    ),
    (
        "icpd_increase_reference=previous, adds up",
        ADDS_UP,
        {"icpd_increase_reference": "previous"},
        {"calls": {56: "iPR", 84: "iUPD", 112: "iUPD", 140: "iUPD"}},
    ),
    (
        "icpd_increase_reference=previous, dip",
        DIP_THEN_GROWTH,
        {"icpd_increase_reference": "previous"},
        {"calls": {56: "iPR", 84: "iUPD", 112: "iUPD", 140: "iCPD"}},
    ),
    (
        "icpd_increase_reference=min_since_iupd, dip",
        DIP_THEN_GROWTH,
        {"icpd_increase_reference": "min_since_iupd"},
        {"calls": {56: "iPR", 84: "iUPD", 112: "iUPD", 140: "iCPD"}},
    ),
    # icpd_absolute_mm: +4 mm (target, and NLT 12 -> 16) confirms with 4 mm, not with the default 5.
    (
        "icpd_absolute_mm=4 target",
        DIP_THEN_GROWTH,
        {"icpd_absolute_mm": 4.0},
        {"calls": {140: "iCPD", 112: "iUPD", 56: "iPR", 84: "iUPD"}},
    ),
    ("icpd_absolute_mm default NLT", NLT_GROWS_4, {}, {"calls": {56: "iUPD", 112: "iUPD"}}),
    ("icpd_absolute_mm=4 NLT", NLT_GROWS_4, {"icpd_absolute_mm": 4.0}, {"calls": {56: "iUPD", 112: "iCPD"}}),
    # D3
    (
        "early_scan_policy default",
        EARLY_NEW,
        {},
        {"calls": {56: "iUPD", 70: "iUPD"}, "flag": (70, "early_scan_not_used", True)},
    ),
    (
        "early_scan_policy=new_lesion_only",
        EARLY_NEW,
        {"early_scan_policy": "new_lesion_only"},
        {"calls": {56: "iUPD", 70: "iCPD"}, "best": {"progression_day": 56.0}},
    ),
    ("confirm_tolerance_days default", NLT_GROWS_82, {}, {"calls": {56: "iUPD", 82: "iUPD"}}),
    (
        "confirm_tolerance_days=2",
        NLT_GROWS_82,
        {"confirm_tolerance_days": 2},
        {"calls": {56: "iUPD", 82: "iCPD"}},
    ),
    ("confirm_min_days=26", NLT_GROWS_82, {"confirm_min_days": 26}, {"calls": {56: "iUPD", 82: "iCPD"}}),
    # D4: 130 - 56 = 74 > 56 -> late_confirmation; not with 90.
    (
        "confirm_max_days default",
        NLT_GROWS_130,
        {},
        {"calls": {56: "iUPD", 130: "iCPD"}, "flag": (130, "late_confirmation", True)},
    ),
    (
        "confirm_max_days=90",
        NLT_GROWS_130,
        {"confirm_max_days": 90},
        {"flag": (130, "late_confirmation", False)},
    ),
    # 4.4 caps: U0 is NLNT and grows -> iCPD; as a third NLT (+3 mm < 5) it is not.
    (
        "max_new_target_per_organ default",
        NEW_CAPS,
        {},
        {"calls": {56: "iUPD", 112: "iCPD"}, "column": ("new_lesion_sum", {56: 23.0})},
    ),
    (
        "max_new_target_per_organ=3",
        NEW_CAPS,
        {"max_new_target_per_organ": 3},
        {"calls": {56: "iUPD", 112: "iUPD"}, "column": ("new_lesion_sum", {56: 33.0, 112: 36.0})},
    ),
    (
        "max_new_target default",
        NEW_CAPS_TOTAL,
        {},
        {"calls": {56: "iUPD", 112: "iCPD"}, "column": ("new_lesion_sum", {56: 65.0})},
    ),
    (
        "max_new_target=6",
        NEW_CAPS_TOTAL,
        {"max_new_target": 6},
        {"calls": {56: "iUPD", 112: "iUPD"}, "column": ("new_lesion_sum", {56: 75.0, 112: 78.0})},
    ),
    # D6: the class is fixed (NLNT, NLT sum 0) by default; reclassified it takes a free NLT slot (15).
    (
        "reclassify_new_lesions default",
        NLNT_BECOMES_MEASURABLE,
        {},
        {"column": ("new_lesion_sum", {112: 0.0})},
    ),
    (
        "reclassify_new_lesions=True",
        NLNT_BECOMES_MEASURABLE,
        {"reclassify_new_lesions": True},
        {"column": ("new_lesion_sum", {112: 15.0})},
    ),
    # D7
    ("nlt_pd_absolute_mm default", AFTER_RESET, {}, {"calls": {56: "iUPD", 112: "iPR", 168: "iPR"}}),
    (
        "nlt_pd_absolute_mm=0",
        AFTER_RESET,
        {"nlt_pd_absolute_mm": 0.0},
        {"calls": {56: "iUPD", 112: "iPR", 168: "iUPD"}},
    ),
    # D8: event at iupd_day by default; censored at the last assessment before the iUPD (day 28).
    (
        "unconfirmed_iupd_pfs default",
        IUPD_AT_END,
        {},
        {"best": {"best_response": "iUPD", "pfs_event": True, "pfs_day": 84.0}},
    ),
    (
        "unconfirmed_iupd_pfs=censor",
        IUPD_AT_END,
        {"unconfirmed_iupd_pfs": "censor"},
        {"best": {"pfs_event": False, "pfs_day": 28.0}},
    ),
    # D9 / 4.8
    (
        "unstable_iupd_as_icpd default",
        UNSTABLE,
        {},
        {"calls": {56: "iUPD"}, "flag": (56, "iupd_not_clinically_stable", True)},
    ),
    ("unstable_iupd_as_icpd=True", UNSTABLE, {"unstable_iupd_as_icpd": True}, {"calls": {56: "iCPD"}}),
    # 4.6 step 1: reappearance after iCR is an iUPD trigger by default; off: 3 vs 40 = -92.5% iPR.
    ("reappearance_after_cr_is_pd default", ICR_THEN_BACK, {}, {"calls": {56: "iCR", 112: "iUPD"}}),
    (
        "reappearance_after_cr_is_pd=False",
        ICR_THEN_BACK,
        {"reappearance_after_cr_is_pd": False},
        {"calls": {56: "iCR", 112: "iPR"}},
    ),
    # D10
    (
        "accept_iupd_between default",
        PR_IUPD_PR,
        {},
        {"calls": {56: "iPR", 84: "iUPD", 112: "iPR"}, "best": {"best_response_confirmed": "iSD"}},
    ),
    (
        "accept_iupd_between=True",
        PR_IUPD_PR,
        {"accept_iupd_between": True},
        {"best": {"best_response_confirmed": "iPR"}},
    ),
    ("confirm_response default", PR_ONCE, {}, {"best": {"first_response_day": 56.0}}),
    ("confirm_response=True", PR_ONCE, {"confirm_response": True}, {"best": {"first_response_day": NAN}}),
    (
        "confirm_min_days=21 (response)",
        PR_21_DAYS,
        {"confirm_min_days": 21},
        {"best": {"best_response_confirmed": "iPR"}},
    ),
    ("max_ne_between=2", PR_NE_NE_PR, {"max_ne_between": 2}, {"best": {"best_response_confirmed": "iPR"}}),
    ("min_sd_days default", SD_35, {}, {"best": {"best_response": "NE"}}),
    ("min_sd_days=0", SD_35, {"min_sd_days": 0}, {"best": {"best_response": "iSD"}}),
]


@pytest.mark.parametrize(
    ("rows", "options", "expect"), [c[1:] for c in IRECIST_CASES], ids=[c[0] for c in IRECIST_CASES]
)
def test_sec_4_11_irecist_option_default_and_alternative(rows, options, expect):
    check("irecist", rows, options, expect)


# ----------------------------------------------------------------------------------- section 5 (imRECIST)

# PD (50 vs 40: +25%, +10 mm) on 56, confirmed on 112, then 20 mm on 168 (-50% vs B: PR).
PR_AFTER_CONFIRMED_PD = [row(-7, "T1", 40), row(56, "T1", 50), row(112, "T1", 50), row(168, "T1", 20)]
# E3: PD 56, NE 70 (does not decide), SD 112 (40 = 0% vs nadir 40) -> PD not confirmed.
PD_NE_SD = [row(-7, "T1", 40), row(56, "T1", 50), row(70, "T1", status="not_evaluable"), row(112, "T1", 40)]

IMRECIST_CASES = [
    ("max_new_measurable_per_organ default", THREE_NEW_LIVER, {}, {"column": ("current_sum", {56: 123.0})}),
    (
        "max_new_measurable_per_organ=3",
        THREE_NEW_LIVER,
        {"max_new_measurable_per_organ": 3},
        {"column": ("current_sum", {56: 133.0})},
    ),
    ("max_new_measurable default", SIX_NEW_ORGANS, {}, {"column": ("current_sum", {56: 165.0})}),
    (
        "max_new_measurable=6",
        SIX_NEW_ORGANS,
        {"max_new_measurable": 6},
        {"column": ("current_sum", {56: 175.0})},
    ),
    # E2
    (
        "bor_scope default",
        PR_AFTER_CONFIRMED_PD,
        {},
        {"calls": {56: "PD", 112: "PD", 168: "PR"}, "best": {"best_response": "PR", "progression_day": 56.0}},
    ),
    (
        "bor_scope=until_confirmed_pd",
        PR_AFTER_CONFIRMED_PD,
        {"bor_scope": "until_confirmed_pd"},
        {"best": {"best_response": "PD"}},
    ),
    # E3
    (
        "E3 NE does not decide, SD cancels",
        PD_NE_SD,
        {},
        {"column": ("confirmation_state", {56: "not_confirmed"}), "best": {"best_response": "SD"}},
    ),
    # E5 / 5.7: a pending PD is PD and a PFS event at its day by default; "ne": NE and no event.
    (
        "unconfirmed_pd_as default",
        PD_LATE[:2],
        {},
        {"best": {"best_response": "PD", "pfs_event": True, "pfs_day": 56.0}},
    ),
    (
        "unconfirmed_pd_as=ne",
        PD_LATE[:2],
        {"unconfirmed_pd_as": "ne"},
        {"best": {"best_response": "NE", "pfs_event": False}},
    ),
    ("confirm_max_days default", PD_LATE, {}, {"flag": (140, "late_confirmation", False)}),
    ("confirm_max_days=56", PD_LATE, {"confirm_max_days": 56}, {"flag": (140, "late_confirmation", True)}),
    (
        "confirm_min_days=90",
        PD_LATE,
        {"confirm_min_days": 90},
        {"column": ("confirmation_state", {56: "pending"})},
    ),  # 140 - 56 = 84 < 90: nothing decides
    ("confirm_response default", PR_ONCE, {}, {"best": {"first_response_day": 56.0}}),
    ("confirm_response=True", PR_ONCE, {"confirm_response": True}, {"best": {"first_response_day": NAN}}),
    ("max_ne_between default", PR_NE_NE_PR, {}, {"best": {"best_response_confirmed": "SD"}}),
    ("max_ne_between=2", PR_NE_NE_PR, {"max_ne_between": 2}, {"best": {"best_response_confirmed": "PR"}}),
    ("min_sd_days default", SD_35, {}, {"best": {"best_response": "NE"}}),
    ("min_sd_days=0", SD_35, {"min_sd_days": 0}, {"best": {"best_response": "SD"}}),
    # E4
    (
        "new_lesion_entry default",
        LATE_MEASURABLE_UNI,
        {},
        {"calls": {56: "SD", 112: "PD"}, "column": ("current_sum", {112: 60.0})},
    ),
    (
        "new_lesion_entry=first_appearance_only",
        LATE_MEASURABLE_UNI,
        {"new_lesion_entry": "first_appearance_only"},
        {"calls": {56: "SD", 112: "SD"}},
    ),
]


@pytest.mark.parametrize(
    ("rows", "options", "expect"), [c[1:] for c in IMRECIST_CASES], ids=[c[0] for c in IMRECIST_CASES]
)
def test_sec_5_11_imrecist_option_default_and_alternative(rows, options, expect):
    check("imrecist", rows, options, expect)


# ------------------------------------------------------------------------------- wrong values are refused

REFUSED = [
    ("recist11", "on_baseline_violation", "maybe", "not one of"),
    ("recist11", "on_old_baseline", "sometimes", "not one of"),
    ("recist11", "confirm_response", "yes please", "not true or false"),
    ("recist11", "min_sd_days", "six weeks", "not a whole number"),
    ("recist11", "new_node_min_short_axis_mm", "ten", "not a number"),
    ("irrc", "node_rules", "WHO", "not one of"),
    ("irrc", "new_lesion_entry", "always", "not one of"),
    ("irrc", "unconfirmed_pd_as", "maybe", "not one of"),
    ("irrecist", "target_caps", "none", "not one of"),
    ("irecist", "new_lesion_reset", "never", "not one of"),
    ("irecist", "icpd_increase_reference", "nadir", "not one of"),
    ("irecist", "early_scan_policy", "use", "not one of"),
    ("irecist", "unconfirmed_iupd_pfs", "drop", "not one of"),
    ("imrecist", "bor_scope", "first_pd", "not one of"),
    # an option of another criterion's section is not accepted
    ("recist11", "new_lesion_reset", "resolution_only", "not an option of the selected criteria"),
    ("irrecist", "node_rules", "who", "not an option of the selected criteria"),
    ("irecist", "bor_scope", "all", "not an option of the selected criteria"),
]


@pytest.mark.parametrize(
    ("criterion", "name", "value", "message"), REFUSED, ids=[f"{c}-{n}" for c, n, _, _ in REFUSED]
)
def test_sec_x_11_wrong_option_value_is_an_input_error_naming_the_option(criterion, name, value, message):
    rows = (
        [pp(-7, "T1", 20, 20), pp(56, "T1", 20, 20)]
        if criterion == "irrc"
        else [row(-7, "T1", 40), row(56, "T1", 40)]
    )
    with pytest.raises(InputError, match=message) as caught:
        run(rows, criterion, **{name: value})
    assert caught.value.column == name


# ------------------------------------------------------------------------------- command line --option

HEADER = "patient_id,day,lesion_id,role,organ,lymph_node,long_axis_mm,short_axis_mm,perpendicular_mm,status\n"


def table_text(rows):
    frame = pd.DataFrame(rows)
    lines = []
    for r in frame.to_dict("records"):
        cells = [
            r["patient_id"],
            r["day"],
            r["lesion_id"],
            r["role"],
            r["organ"],
            str(r["lymph_node"]).lower(),
        ]
        for column in ("long_axis_mm", "short_axis_mm", "perpendicular_mm"):
            value = r.get(column, NAN)
            cells.append("" if pd.isna(value) else f"{value:g}")
        cells.append(r["status"])
        lines.append(",".join(str(c) for c in cells))
    return HEADER + "\n".join(lines) + "\n"


def cli_calls(tmp_path, rows, criterion, *options):
    """``ioresponse assess`` on ``rows`` written as CSV: (exit code, output, timepoint calls by day,
    best-response row)."""
    path = tmp_path / "lesions.csv"
    path.write_text(table_text(rows), encoding="utf-8")
    out = tmp_path / "out"
    args = [
        "assess",
        str(path),
        "--criteria",
        criterion,
        "--out",
        str(out),
        "--no-patterns",
        "--format",
        "csv",
    ]
    for option in options:
        args += ["--option", option]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
    if result.exit_code:
        return result.exit_code, " ".join(result.output.split()), None, None
    tp = pd.read_csv(out / "timepoints.csv")
    calls = dict(zip(tp["day"].astype(int), tp["overall_response"], strict=True))
    return 0, result.output, calls, pd.read_csv(out / "best_response.csv").iloc[0]


CLI_CASES = [
    # (criterion, rows, --option texts, options for the API, expected calls from the spec)
    (
        "recist11",
        REAPPEARS,
        ["reappearance_after_cr_is_pd=false"],
        {"reappearance_after_cr_is_pd": False},
        {56: "CR", 84: "PR"},
    ),  # A5 off: sums give PR
    ("recist11", REAPPEARS, ["reappearance_after_cr_is_pd=true"], {}, {56: "CR", 84: "PD"}),
    (
        "irrecist",
        PLUS_4MM,
        ["pd_absolute_mm=0"],
        {"pd_absolute_mm": 0.0},
        {56: "irPD", 112: "irPD"},
    ),  # C2 off
    (
        "irecist",
        SHRINK_AFTER_NEW,
        ["new_lesion_reset=resolution_only"],
        {"new_lesion_reset": "resolution_only"},
        {56: "iUPD", 112: "iUPD"},
    ),  # D1 alternative
    (
        "irecist",
        NLT_GROWS_82,
        ["confirm_tolerance_days=2"],
        {"confirm_tolerance_days": 2},
        {56: "iUPD", 82: "iCPD"},
    ),  # D3: int parsed, 26 >= 28 - 2
    (
        "irrc",
        IR_PD_LATE,
        ["confirm_max_days=none", "unconfirmed_pd_as=ne"],
        {"confirm_max_days": None, "unconfirmed_pd_as": "ne"},
        {56: "irPD", 140: "irPD"},
    ),
    (
        "imrecist",
        PR_AFTER_CONFIRMED_PD,
        ["bor_scope=until_confirmed_pd"],
        {"bor_scope": "until_confirmed_pd"},
        {56: "PD", 112: "PD", 168: "PR"},
    ),
]


@pytest.mark.parametrize(
    ("criterion", "rows", "texts", "options", "calls"),
    CLI_CASES,
    ids=[f"{c[0]}-{' '.join(c[2])}" for c in CLI_CASES],
)
def test_sec_x_11_cli_option_is_parsed_to_its_type_and_gives_the_api_call(
    tmp_path, criterion, rows, texts, options, calls
):
    code, output, got, best_row = cli_calls(tmp_path, rows, criterion, *texts)
    assert code == 0, output
    assert got == calls
    api = run(rows, criterion, **options)
    assert by_day(api) == calls
    assert best_row["best_response"] == best(api)["best_response"]


def test_sec_5_11_cli_bor_scope_changes_best_response(tmp_path):
    """E2 through the CLI: best response PD within the confirmed-PD scope, PR (day 168) with "all"."""
    _, _, _, default = cli_calls(tmp_path, PR_AFTER_CONFIRMED_PD, "imrecist")
    _, _, _, scoped = cli_calls(tmp_path, PR_AFTER_CONFIRMED_PD, "imrecist", "bor_scope=until_confirmed_pd")
    assert (default["best_response"], scoped["best_response"]) == ("PR", "PD")


@pytest.mark.parametrize(
    ("criterion", "text", "fragment"),
    [
        ("recist11", "confirm_response=maybe", "not true or false"),
        ("recist11", "min_sd_days=six", "not a whole number"),
        ("irrecist", "pd_absolute_mm=five", "not a number"),
        ("irecist", "new_lesion_reset=bogus", "not one of"),
        (
            "irecist",
            "confirm_max_days=none",
            "not a whole number",
        ),  # iRECIST's confirm_max_days is an int (4.11)
        ("recist11", "new_lesion_reset=resolution_only", "not an option of the selected criteria"),
    ],
)
def test_sec_x_11_cli_wrong_option_value_exit_2_without_traceback(tmp_path, criterion, text, fragment):
    code, output, _, _ = cli_calls(tmp_path, PR_ONCE, criterion, text)
    assert code == 2, output
    assert "Traceback" not in output
    assert fragment in output
    assert text.split("=")[0] in output
