"""iRECIST option ``icpd_incomplete_reference`` (D11): the +5 mm further increase of spec 4.6 step 3
when the reference sum is incomplete.

Spec 4.6 step 3: for a category in ``cats``, iCPD when ``S(t) - ref_S >= 5`` mm, "with a missing target
value the known part is used" (the same for ``NLT_sum(t) - ref_NLT``), ``ref_S = S(iupd_day)``. When the
iUPD's own sum is incomplete, its known part is the reference, and a lesion that returns unchanged looks
like growth. Default ``"known_part"`` keeps the spec's rule; ``"same_lesions"`` adds up the changes of the
lesions measured both at the reference and at ``t``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _examples import IR2, IR3
from _lesions import best, by_day, cohort, lesions, study

import ioresponse
from ioresponse.criteria import irecist
from ioresponse.schema import InputError


def run(table: pd.DataFrame, **options):
    return irecist.assess(study(table), **options)


# Baseline T1 30 + T2 20 = 50. Day 56: T1 62, T2 not evaluable; the known part 62 is +12 mm and
# +24.00 % over the nadir 50 (>= 20 % and >= 5 mm): target PD although incomplete (RECIST 1.1 4.4.2),
# iUPD (T) with ref_S = 62. Day 112: T1 62, T2 20 again: S = 82.
RETURNS_UNCHANGED = """
day lesion role   organ node long status
-7  T1     target liver n    30   present
-7  T2     target lung  n    20   present
56  T1     target liver n    62   present
56  T2     target lung  n    -    not_evaluable
112 T1     target liver n    62   present
112 T2     target lung  n    20   present
"""


@pytest.mark.parametrize("reference", ["iupd", "previous", "min_since_iupd"])
def test_default_known_part_confirms_icpd_when_the_missing_target_returns_unchanged(reference):
    # Spec default (4.6 step 3, known part): 82 - 62 = +20 mm >= 5 -> iCPD, progression day 56. With
    # "previous" and "min_since_iupd" the only reference before day 112 is the iUPD's own sum, 62, too.
    result = run(lesions(RETURNS_UNCHANGED), icpd_increase_reference=reference)
    assert by_day(result) == {56: "iUPD", 112: "iCPD"}
    assert best(result)["progression_day"] == 56
    assert "target sum 82 mm is +20 mm vs 62 mm" in by_day(result, "reason")[112]


@pytest.mark.parametrize("reference", ["iupd", "previous", "min_since_iupd"])
def test_same_lesions_does_not_confirm_when_the_missing_target_returns_unchanged(reference):
    # "same_lesions": only T1 is measured at both day 56 and day 112: 62 - 62 = +0 mm (< 5): no iCPD.
    # Reset? R1 needs the target not PD vs the nadir N = 50: S = 82 is +32 mm and +64.00 % (>= 20 % and
    # >= 5 mm), target PD, so R1 fails: no reset, the iUPD stays open (4.6: "neither iCPD nor reset").
    result = run(lesions(RETURNS_UNCHANGED), icpd_increase_reference=reference,
                 icpd_incomplete_reference="same_lesions")
    assert by_day(result) == {56: "iUPD", 112: "iUPD"}
    assert by_day(result, "confirmation_state")[56] == "pending"
    row = best(result)
    assert row["best_response"] == "iUPD"
    assert pd.isna(row["progression_day"]) and pd.isna(row["icpd_day"])
    reason = by_day(result, "reason")[112]
    assert (
        "target sum +0 mm on the lesions measured at both day 56 and day 112 (<5 mm; reference "
        "incomplete at iUPD, icpd_incomplete_reference)"
    ) in reason
    assert "neither confirmed" in reason


def test_same_lesions_confirms_real_further_growth_of_the_lesions_measured_at_both():
    # Day 112 T1 68 (T2 back at 20): T1 is measured at both, 68 - 62 = +6 mm >= 5 -> iCPD, progression
    # day 56 (the iUPD). T2 is left out (not measured at day 56).
    text = RETURNS_UNCHANGED.replace("112 T1     target liver n    62", "112 T1     target liver n    68")
    result = run(lesions(text), icpd_incomplete_reference="same_lesions")
    assert by_day(result) == {56: "iUPD", 112: "iCPD"}
    assert best(result)["progression_day"] == 56
    assert (
        "target sum +6 mm on the lesions measured at both day 56 and day 112 (>=5 mm; reference "
        "incomplete at iUPD, icpd_incomplete_reference): iCPD, progression dated day 56"
    ) in by_day(result, "reason")[112]


def test_same_lesions_adds_the_fragments_of_a_split_lesion():
    # Spec 0.4: the fragments of a split lesion add up. Day 112 T1 split into 40 + 28 = 68: +6 mm vs 62
    # at day 56 (>= 5) -> iCPD.
    text = RETURNS_UNCHANGED.replace(
        "112 T1     target liver n    62   present",
        "112 T1     target liver n    40   present\n112 T1     target liver n    28   present",
    )
    result = run(lesions(text), icpd_incomplete_reference="same_lesions")
    assert by_day(result) == {56: "iUPD", 112: "iCPD"}
    assert "target sum +6 mm on the lesions measured at both" in by_day(result, "reason")[112]


def test_same_lesions_leaves_out_a_lesion_missing_at_t_and_the_ne_rule_still_applies():
    # Day 112: T1 64, T2 not evaluable again. Both settings compare T1 only: +2 mm (< 5), no iCPD. The
    # known part 64 is +14 mm and +28.00 % vs the nadir 50: target PD (4.4.2), so not NE; R1 fails: iUPD.
    # Day 168: T1 62 (known part +12 mm, +24.00 %: still PD), iUPD; day 224 T1 66 and T2 absent, complete
    # sum 66: +16 mm, +32.00 % vs 50 (PD); known part: 66 - 62 = +4 mm (< 5); same lesions: T1 +4, T2
    # not at day 56: +4 mm (< 5) -> iUPD under both.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    30   present
-7  T2     target lung  n    20   present
56  T1     target liver n    62   present
56  T2     target lung  n    -    not_evaluable
112 T1     target liver n    64   present
112 T2     target lung  n    -    not_evaluable
168 T1     target liver n    62   present
168 T2     target lung  n    -    not_evaluable
224 T1     target liver n    66   present
224 T2     target lung  n    -    absent
"""
    for setting in ("known_part", "same_lesions"):
        result = run(lesions(text), icpd_incomplete_reference=setting)
        assert by_day(result) == {56: "iUPD", 112: "iUPD", 168: "iUPD", 224: "iUPD"}, setting
    # T2, absent (0 mm, spec 0.4) at day 224 but not measured at day 56, is left out: T1 +4 mm only.
    same = run(lesions(text), icpd_incomplete_reference="same_lesions")
    reason = by_day(same, "reason")[224]
    assert "target sum +4 mm on the lesions measured at both day 56 and day 224" in reason


def test_same_lesions_counts_a_shrinking_lesion_with_its_decrease():
    # Baseline T1 30 + T2 20 + T3 20 = 70. Day 56: T1 70, T2 not evaluable, T3 20: known part 90 is +20 mm
    # and +28.57 % vs 70: target PD, iUPD with ref_S = 90. Day 112: T1 76, T2 20, T3 17: S = 113.
    # Known part: 113 - 90 = +23 mm -> iCPD. Same lesions: T1 +6, T3 -3 = +3 mm (< 5): no iCPD; S 113 is
    # PD vs the nadir 70 (R1 fails): iUPD.
    text = """
day lesion role   organ node long status
-7  T1     target liver n    30   present
-7  T2     target lung  n    20   present
-7  T3     target bone  n    20   present
56  T1     target liver n    70   present
56  T2     target lung  n    -    not_evaluable
56  T3     target bone  n    20   present
112 T1     target liver n    76   present
112 T2     target lung  n    20   present
112 T3     target bone  n    17   present
"""
    assert by_day(run(lesions(text))) == {56: "iUPD", 112: "iCPD"}
    same = run(lesions(text), icpd_incomplete_reference="same_lesions")
    assert by_day(same) == {56: "iUPD", 112: "iUPD"}
    reason = by_day(same, "reason")[112]
    assert "target sum +3 mm on the lesions measured at both day 56 and day 112" in reason


@pytest.mark.parametrize("example", [IR3, IR2], ids=["iR3", "iR2"])
def test_a_complete_reference_gives_the_same_results_under_both_settings(example):
    # iR3 (spec 4.10): every target sum complete, ref_S = 49 at day 112: iUPD, +4 mm iUPD, +7 mm iCPD.
    # iR2: complete NLT sums, ref_NLT = 22, +5 mm at day 147: iCPD. The option changes nothing then.
    default = run(lesions(example))
    same = run(lesions(example), icpd_incomplete_reference="same_lesions")
    pd.testing.assert_frame_equal(default.timepoints, same.timepoints)
    pd.testing.assert_frame_equal(default.best_response, same.best_response)
    if example is IR3:
        assert by_day(same) == {56: "iSD", 112: "iUPD", 154: "iUPD", 196: "iCPD"}


# New-lesion targets (NLT): T1 50 at baseline. Day 56 new A (liver 12, NLT) -> iUPD (NL), ref_NLT 12,
# ref_S 46. Day 112: A 12 (no growth), S 40 < 46 -> reset (R3, target shrinkage): 40 vs 50 is -20.00 %:
# iSD. Day 168: A not evaluable, new C (lung 10, NLT) -> an additional new lesion after the reset: iUPD
# (NL) with ref_NLT = 10, the known part (A missing). Day 224: A 12, C 10: NLT sum 22.
NLT_RETURNS = """
day lesion role   organ node long status
-7  T1     target kidney n    50   present
56  T1     target kidney n    46   present
56  A      new    liver  n    12   present
112 T1     target kidney n    40   present
112 A      new    liver  n    12   present
168 T1     target kidney n    40   present
168 A      new    liver  n    -    not_evaluable
168 C      new    lung   n    10   present
224 T1     target kidney n    40   present
224 A      new    liver  n    12   present
224 C      new    lung   n    C224 present
"""


def test_nlt_default_known_part_confirms_when_a_missing_new_lesion_target_returns_unchanged():
    # Known part: 22 - 10 = +12 mm >= 5 -> iCPD, progression day 168.
    result = run(lesions(NLT_RETURNS.replace("C224", "10")))
    assert by_day(result) == {56: "iUPD", 112: "iSD", 168: "iUPD", 224: "iCPD"}
    assert by_day(result, "new_lesion_sum")[168] == 10.0
    assert best(result)["progression_day"] == 168
    assert "new-lesion target sum 22 mm is +12 mm vs 10 mm" in by_day(result, "reason")[224]


def test_nlt_same_lesions_does_not_confirm_when_a_missing_new_lesion_target_returns_unchanged():
    # Same lesions: C only (A not measured at day 168): 10 - 10 = +0 mm (< 5), no additional new lesion
    # (A first seen day 56, C day 168 = the iUPD): no iCPD. Reset? R3: C is new in this episode and the new
    # lesions grew by the sums (22 > ref_NLT 10; R3 reads the sums, D11 changes only the +5 mm test): no.
    # The iUPD stays open.
    result = run(lesions(NLT_RETURNS.replace("C224", "10")), icpd_incomplete_reference="same_lesions")
    assert by_day(result) == {56: "iUPD", 112: "iSD", 168: "iUPD", 224: "iUPD"}
    assert pd.isna(best(result)["progression_day"])
    assert (
        "new-lesion target sum +0 mm on the lesions measured at both day 168 and day 224 (<5 mm; "
        "reference incomplete at iUPD, icpd_incomplete_reference)"
    ) in by_day(result, "reason")[224]


def test_nlt_same_lesions_confirms_real_growth():
    # C 10 -> 15: +5 mm on the lesions measured at both (>= 5) -> iCPD, progression day 168.
    result = run(lesions(NLT_RETURNS.replace("C224", "15")), icpd_incomplete_reference="same_lesions")
    assert by_day(result)[224] == "iCPD"
    assert best(result)["progression_day"] == 168
    assert (
        "new-lesion target sum +5 mm on the lesions measured at both day 168 and day 224 (>=5 mm;"
    ) in by_day(result, "reason")[224]


def test_patients_of_a_cohort_are_compared_on_their_own_lesions():
    # One matrix column per lesion of each patient: P2 (three targets, the example's growth +6 mm on its
    # own T1) next to P1 (the unchanged return) gives each the call it gets alone: P1 iUPD, P2 iCPD.
    p2 = """
day lesion role   organ node long status
-7  A1     target liver n    30   present
-7  A2     target lung  n    20   present
-7  A3     target bone  n    10   present
56  A1     target liver n    62   present
56  A2     target lung  n    -    not_evaluable
56  A3     target bone  n    10   present
112 A1     target liver n    62   present
112 A2     target lung  n    20   present
112 A3     target bone  n    16   present
"""
    # P2: baseline 60; day 56 known part 72, +12 mm and +20.00 % (PD, incomplete) -> iUPD; day 112 the
    # lesions at both: A1 +0, A3 +6 = +6 mm (>= 5) -> iCPD.
    table = cohort(lesions(RETURNS_UNCHANGED, patient_id="P1"), lesions(p2, patient_id="P2"))
    result = run(table, icpd_incomplete_reference="same_lesions")
    assert by_day(result, patient="P1") == {56: "iUPD", 112: "iUPD"}
    assert by_day(result, patient="P2") == {56: "iUPD", 112: "iCPD"}


def test_an_unknown_value_is_refused_naming_the_option_and_the_choices():
    # Like icpd_increase_reference: a Literal option outside its choices is an InputError (exit code 2 on
    # the command line) naming the option and listing the choices.
    with pytest.raises(InputError) as refused:
        ioresponse.assess(lesions(RETURNS_UNCHANGED), "irecist", icpd_incomplete_reference="both")
    message = str(refused.value)
    assert "icpd_incomplete_reference" in message
    assert "'both' is not one of known_part, same_lesions" in message
