"""A baseline target sum left incomplete by ``on_baseline_violation="warn"``: a target not measured at
baseline (status not_evaluable, so no value) is kept, and the baseline sum B is the known part only, a lower
bound of the true one. The spec is silent; the project's rule mirrors RECIST 1.1 sec. 4.4.2
(spec/anatomic.md 1.4 step 1: a lower bound of the CURRENT sum can only prove an increase): a lower bound of
the REFERENCE can only prove a decrease. So PD over the nadir needs a known nadir (a complete baseline, or a
complete follow-up sum below the known part since); PR against the known part is certain (the true B is at
least the known part); SD is never certain (it may be PR against the true B): NE. CR (disappearance) does
not read the sums.

Also (irRC, spec 0.4, 1.5, 2.11 B2): a new node under 10 mm short axis given by its short axis alone is no
lesion, and its diameters are not asked for.

Every expected value is worked out by hand in the comment beside its assertion. In the irRC cases the
perpendicular equals the long axis, so a product is the long axis squared.
"""

from __future__ import annotations

import pytest
from assessed import by_day, row, run

from ioresponse.schema import InputError

ANATOMIC = ("recist11", "irrc", "irecist", "irrecist", "imrecist")

KNOWN_PART = {  # the words naming the known part of the baseline, per criterion
    "recist11": "the known part of the baseline target sum (lesion T1 not evaluable at baseline, kept by "
    "on_baseline_violation=warn)",
    "irecist": "the known part of the baseline target sum (lesion T1 not evaluable at baseline, kept by "
    "on_baseline_violation=warn)",
    "irrc": "the known part of the baseline tumour burden (lesion T1 not evaluable at baseline, kept by "
    "on_baseline_violation=warn or missing_diameter=not_evaluable)",
    "irrecist": "the known part of the baseline sum (lesion T1 not evaluable at baseline, kept by "
    "on_baseline_violation=warn)",
    "imrecist": "the known part of the baseline sum (lesion T1 not evaluable at baseline, kept by "
    "on_baseline_violation=warn)",
}


def target(day, lesion_id, value, organ):
    """A target lesion; ``value`` None: not evaluable (no value). Square: perpendicular = long axis."""
    if value is None:
        return row(day, lesion_id, organ=organ, status="not_evaluable", perpendicular_mm=float("nan"))
    if value == 0:
        return row(day, lesion_id, organ=organ, status="absent", perpendicular_mm=float("nan"))
    return row(day, lesion_id, value, organ=organ, perpendicular_mm=float(value))


def patient(*scans):
    """Scans of (day, T1, T2[, T3]) values: T1 liver, T2 lung, T3 kidney."""
    organs = ("liver", "lung", "kidney")
    return [target(day, f"T{k + 1}", value, organs[k]) for day, *values in scans
            for k, value in enumerate(values)]


def assess(rows, criterion, **options):
    return run(rows, criterion, on_baseline_violation="warn", patterns=False, **options)


def reason(result, day):
    return by_day(result, "reason")[day]


# ---------------------------------------------------------------------------------------------------------
# The reproduction: growth over the known part alone is no progression
# ---------------------------------------------------------------------------------------------------------

REPRO = patient((-7, None, 30), (56, 20, 30))


@pytest.mark.parametrize("criterion", ANATOMIC)
def test_growth_over_an_incomplete_baseline_is_ne_not_pd(criterion):
    # Known baseline part: T2 = 30 mm (irRC 30 x 30 = 900 mm2); true B = 30 + T1's unknown size. Day 56:
    # 20 + 30 = 50 mm, +66.67 % over the known part (irRC 400 + 900 = 1300 mm2, +44.44 %), but the nadir is
    # that lower bound: no progression is proven, no SD either (it may be PR against the true B): NE, not PD.
    result = assess(REPRO, criterion)
    assert by_day(result) == {56: "NE"}
    assert by_day(result, "target_response") == {56: "NE"}
    assert KNOWN_PART[criterion] in reason(result, 56)
    assert "proves neither" in reason(result, 56)


def test_recist_reason_names_numbers_rule_and_sections():
    # (50 - 30) / 30 = +66.67 %, 50 - 30 = +20 mm; RECIST 1.1 sec. 3.1 (targets measured at baseline), 4.3.1
    text = reason(assess(REPRO, "recist11"), 56)
    assert text.startswith("target sum 50 mm is +66.67% vs 30 mm, " + KNOWN_PART["recist11"]
                           + ", and +66.67% and +20 mm vs nadir 30 mm: ")
    assert "target NE (RECIST 1.1 sec. 3.1, 4.3.1)" in text
    assert "overall NE (RECIST 1.1 sec. 4.4.2, Table 1 row 5)" in text


def test_irrc_reason_uses_products_and_its_own_thresholds():
    # 1300 vs 900 mm2: (1300 - 900) / 900 = +44.44 %, +400 mm2; irRC bands -50 % and +25 % (spec 2.4)
    text = reason(assess(REPRO, "irrc"), 56)
    assert text.startswith("tumour burden 1300 mm2 is +44.44% vs 900 mm2, " + KNOWN_PART["irrc"])
    assert "neither irPR (<=-50% vs the true baseline) nor irPD (>=25% vs the true nadir): NE" in text


def test_a_complete_baseline_with_the_same_follow_up_is_pd():
    # T1 measured at baseline, 20 mm: B = 20 + 30 = 50 mm; day 56 T1 20 + T2 40 = 60 mm, +20 % and +10 mm over
    # the nadir 50 mm: PD (sec. 4.3.1), iUPD; irRC 400 + 1600 = 2000 vs 400 + 900 = 1300 mm2: +53.85 % >= 25 %
    rows = patient((-7, 20, 30), (56, 20, 40))
    expected = {"recist11": "PD", "irrc": "irPD", "irecist": "iUPD", "irrecist": "irPD", "imrecist": "PD"}
    for criterion, label in expected.items():
        result = assess(rows, criterion)
        assert by_day(result) == {56: label}, criterion
        assert "known part" not in reason(result, 56)


# ---------------------------------------------------------------------------------------------------------
# A decrease to the PR band of the known part is certain
# ---------------------------------------------------------------------------------------------------------

PR_ROWS = patient((-7, None, 30), (56, 5, 10))


@pytest.mark.parametrize(("criterion", "label"), [("recist11", "PR"), ("irrc", "irPR"), ("irecist", "iPR"),
                                                  ("irrecist", "irPR"), ("imrecist", "PR")])
def test_pr_against_the_known_part_is_certain(criterion, label):
    # Day 56: 5 + 10 = 15 mm <= 0.7 x 30 = 21 mm (-50 % vs the known part; the true B >= 30 makes it at least
    # as large a decrease): PR. irRC: 25 + 100 = 125 mm2 <= 0.5 x 900 = 450 mm2 (-86.11 %): irPR.
    result = assess(PR_ROWS, criterion)
    assert by_day(result) == {56: label}
    assert KNOWN_PART[criterion] + ", so at least that far below the true baseline" in reason(result, 56)


def test_recist_pr_reason():
    # (15 - 30) / 30 = -50.00 %
    text = reason(assess(PR_ROWS, "recist11"), 56)
    assert text.startswith("target sum 15 mm is -50.00% vs 30 mm, " + KNOWN_PART["recist11"]
                           + ", so at least that far below the true baseline (<=-30%): target PR (RECIST 1.1 "
                           "sec. 4.3.1)")


@pytest.mark.parametrize("criterion", ANATOMIC)
def test_neither_pr_nor_pd_of_the_known_part_is_ne_not_sd(criterion):
    # Day 56: 15 + 20 = 35 mm, +16.67 % vs 30 (not PR, not PD even against 30); irRC 225 + 400 = 625 mm2,
    # -30.56 % vs 900 (not <= -50 %, not >= +25 %). Against the true B it could be PR: NE, not SD.
    result = assess(patient((-7, None, 30), (56, 15, 20)), criterion)
    assert by_day(result) == {56: "NE"}
    assert KNOWN_PART[criterion] in reason(result, 56)


# ---------------------------------------------------------------------------------------------------------
# A complete follow-up sum below the known part is the exact nadir
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("criterion", "labels"), [
    ("recist11", {56: "NE", 112: "PD"}),
    ("irecist", {56: "NE", 112: "iUPD"}),
    ("irrecist", {56: "NE", 112: "irPD"}),
    ("imrecist", {56: "NE", 112: "PD"}),
    ("irrc", {56: "irPR", 112: "irPD"}),
])
def test_a_complete_sum_below_the_known_part_is_an_exact_nadir(criterion, labels):
    # Day 56: 8 + 16 = 24 mm < 30 (the known part, so below the true B too): the nadir is exactly 24 from now.
    # 24 > 0.7 x 30 = 21, not PR; not growth: NE (SD not certain). Day 112: 14 + 16 = 30 mm, (30 - 24) / 24 =
    # +25 % and +6 mm over the exact nadir: PD (sec. 4.3.1), iUPD, irPD.
    # irRC: day 56 64 + 256 = 320 mm2 <= 0.5 x 900 = 450: irPR (and the exact nadir); day 112 196 + 256 = 452,
    # (452 - 320) / 320 = +41.25 % >= 25 %: irPD.
    result = assess(patient((-7, None, 30), (56, 8, 16), (112, 14, 16)), criterion)
    assert by_day(result) == labels
    assert "known part" not in reason(result, 112)


# ---------------------------------------------------------------------------------------------------------
# An incomplete follow-up over an incomplete baseline
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("criterion", ANATOMIC)
def test_known_part_of_a_follow_up_over_the_known_part_of_the_baseline_is_ne(criterion):
    # Baseline known part T2 30 + T3 10 = 40 mm (T1 not measured). Day 56: T3 not evaluable, T1 50 + T2 30 =
    # 80 mm known, +100 % over 40; with a complete baseline that would be PD already (sec. 4.4.2), but the
    # nadir is a lower bound and the current sum too: nothing proven, NE. irRC: 2500 + 900 = 3400 vs 1000.
    result = assess(patient((-7, None, 30, 10), (56, 50, 30, None)), criterion)
    assert by_day(result) == {56: "NE"}
    text = reason(result, 56)
    assert "lesion T3 not evaluable" in text
    assert "but that nadir is " + KNOWN_PART[criterion] + ": the true nadir may be larger" in text


def test_recist_known_part_follow_up_over_a_complete_baseline_is_still_pd():
    # Control, sec. 4.4.2: B = 20 + 30 + 10 = 60 mm complete; day 56 known 50 + 30 = 80 mm >= 1.2 x 60 = 72
    # and +20 mm: PD though T3 is missing.
    assert by_day(assess(patient((-7, 20, 30, 10), (56, 50, 30, None)), "recist11")) == {56: "PD"}


# ---------------------------------------------------------------------------------------------------------
# Disappearance does not read the sums
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("criterion", "label"), [("recist11", "CR"), ("irrc", "irCR"), ("irecist", "iCR"),
                                                  ("irrecist", "irCR"), ("imrecist", "CR")])
def test_every_target_gone_is_cr(criterion, label):
    # Day 56: T1 and T2 absent, no non-target or new lesion: CR (RECIST 1.1 sec. 4.3.2, Table 1 row 6; irRC
    # Table 2 row 3; iRECIST iCR; irRECIST irCR; imRECIST CR), whatever the baseline sum was.
    assert by_day(assess(patient((-7, None, 30), (56, 0, 0)), criterion)) == {56: label}


# ---------------------------------------------------------------------------------------------------------
# irRC: a new node under 10 mm given by its short axis alone
# ---------------------------------------------------------------------------------------------------------


def small_node_rows(index_at_56):
    return [target(-7, "T1", 30, "liver"), target(56, "T1", index_at_56, "liver"),
            row(56, "U1", 7, node=True, organ="lymph node", perpendicular_mm=float("nan"))]


def test_irrc_new_node_under_10mm_without_diameters_is_no_lesion():
    # spec 0.4, 1.5, README: a new node is a new lesion only at >= 10 mm short axis; 7 mm is none, so no
    # diameter is asked for and nothing changes: TB 900 vs 900 mm2 (+0 %): irSD, flag new_node_below_10mm.
    result = run(small_node_rows(30), "irrc", patterns=False)
    assert by_day(result) == {56: "irSD"}
    assert by_day(result, "new_lesion_response") == {56: "no"}
    assert "new_node_below_10mm" in by_day(result, "flags")[56]


def test_irrc_new_node_under_10mm_does_not_prevent_ircr():
    # The index lesion gone and the node no lesion: burden gone, no new lesion (spec 2.6 row 3): irCR.
    assert by_day(run(small_node_rows(0), "irrc", patterns=False)) == {56: "irCR"}


def test_irrc_who_node_rules_still_ask_for_the_diameters():
    # spec 2.11 B2 "who": a node is a lesion like any other, so a present new node needs both diameters (2.9).
    with pytest.raises(InputError, match="long_axis_mm"):
        run(small_node_rows(30), "irrc", patterns=False, node_rules="who")
