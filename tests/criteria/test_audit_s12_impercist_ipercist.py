"""Audit of imPERCIST (spec/metabolic.md section 8) and iPERCIST (section 9) against the spec text,
with the shared conventions of section 1 and the PERCIST rules (5.3-5.8) they reuse.

Every expected value comes from the spec text and hand arithmetic written in the comments, never
from the code's output. The first tests pin proven differences, since fixed: they assert what the
spec says. Tables are typed by hand in the long
PET format of spec 1.1.
"""

from __future__ import annotations

import pytest
from _pet_tables import QC, pet

import ioresponse
from ioresponse.criteria import Study
from ioresponse.criteria.impercist import CRITERION as IMPERCIST
from ioresponse.criteria.ipercist import CRITERION as IPERCIST
from ioresponse.schema import InputError

# Liver 2.0 / 0.25 (T = 1.5 x 2.0 + 2 x 0.25 = 3.5), uptake 60 min: PERCIST quality checks pass (5.3, 5.4).


def impercist(lesions, scans=None, **options):
    return IMPERCIST.assess(Study(pet=pet(lesions, scans)), **options)


def ipercist(lesions, scans=None, **options):
    return IPERCIST.assess(Study(pet=pet(lesions, scans)), **options)


def column(result, name):
    return result.timepoints[name].tolist()


# ================================================================ proven differences


def test_8_2_impercist_add_all_not_evaluable_new_lesion_cannot_give_smd_on_an_undefined_sum():
    # spec 8.2: '"add_all": S_fu = sum over the baseline-selected lesions at follow-up (resolved = 0)
    # plus the SULpeak of every new lesion'. spec 1.3: 'Not evaluable lesion: status = not_evaluable,
    # or a missing value where one is needed; treated as a missing value'. spec 1.7: '5. SMD
    # (everything else that is evaluable)'.
    # S_bl = 6.0 + 4.0 = 10.0; S_fu needs N1's SULpeak, which is missing (not_evaluable): the sum is
    # undefined, so the scan is not evaluable: NE (the code itself says NE in this mode when N1's
    # sulpeak cell is empty).
    lesions = [
        ("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
        ("L2", "target", "lymph node", {-6: 4.0, 90: 4.0}),
        ("N1", "new", "bone", {90: {"sulpeak": 5.0, "status": "not_evaluable"}}),
    ]
    row = impercist(lesions, impercist_new_lesion_mode="add_all").timepoints.iloc[0]
    assert row["overall_response"] == "NE"


def test_8_2_8_7_impercist_top5_new_lesion_without_sulpeak_is_dropped_from_the_selection():
    # spec 8.2: 'S_fu (default "top5") = sum of SULpeak of select_hottest(all lesions present at the
    # follow-up, including new lesions, n=5, per_organ=2)'. spec 1.4 step 1: 'drop lesions with
    # missing value or status = absent'. spec 8.7 lists the NE conditions: no measurable baseline
    # lesion; failed quality checks; 'a baseline-selected lesion without value or status at the
    # follow-up' (a new lesion is not baseline-selected).
    # N1 has no value: dropped. S_fu = 6.0 + 4.0 = 10.0 = S_bl; rel = 0.0: SMD.
    # (The code already drops N1 when it is status = not_evaluable with a value: same lesion, same
    # missing value, different answer.)
    lesions = [
        ("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
        ("L2", "target", "lymph node", {-6: 4.0, 90: 4.0}),
        ("N1", "new", "bone", {90: {"status": "present"}}),
    ]
    row = impercist(lesions).timepoints.iloc[0]
    assert row["overall_response"] == "SMD"
    assert row["current_sum"] == 10.0 and row["rel_change"] == 0.0


def test_1_5_8_9_impercist_nadir_reference_of_zero_is_ne_not_smd():
    # spec 8.9: 'option impercist_reference = "nadir": PMD measured from the smallest sum so far'.
    # spec 1.5: 'A reference value of 0 makes rel undefined: the comparison is NE with reason
    # "reference value is 0"'.
    # Day 90: L1 absent -> every lesion resolved: CMR, S_fu = 0 (the nadir). Day 150: L1 8.0;
    # PMD versus the nadir 0 is undefined, so the scan is NE ("reference value is 0"); it can not be
    # SMD (versus baseline it is even +33.3%, (8.0 - 6.0) / 6.0).
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: {"status": "absent"}, 150: 8.0})]
    result = impercist(lesions, impercist_reference="nadir")
    assert column(result, "overall_response")[0] == "CMR"
    row = result.timepoints.iloc[1]
    assert row["overall_response"] == "NE"
    assert "reference value is 0" in row["reason"]


def test_9_2_ipercist_accepts_every_percist_option_including_percist_reference():
    # spec 9.2: 'Exactly PERCIST 1.0 (section 5) ... All PERCIST options apply.' spec 5.12 A6:
    # 'percist_reference = "nadir" (lowest H so far)'.
    # Day 28: 5.0 -> 2.0: -60%, -3.0 SUL: PMR. Day 56: 3.0 versus the nadir 2.0: +50%, +1.0 SUL
    # (> 0.30 and > 0.8): P_bl = PMD, no open episode: UPMD (9.5 rule 1).
    lesions = [("L1", "target", "lung", {-5: 5.0, 28: 2.0, 56: 3.0})]
    result = ioresponse.assess(pet(lesions), criteria=("ipercist",), percist_reference="nadir")
    assert result.timepoints["overall_response"].tolist() == ["PMR", "UPMD"]


# ================================================================ checks that already hold


def test_9_5_2a_ipercist_confirmation_versus_u_needs_more_than_0_8_sul_by_default():
    # spec 9.5 rule 2(a): 'hottest SULpeak at C versus hottest at U meets the PERCIST increase rule
    # (rel > 0.30 and abs > 0.8 by default)'; 9.11 A4 inherits percist_pmd_inclusive.
    # Liver 0.8 / 0.1: T = 1.2 + 0.2 = 1.4; L1 1.5 measurable.
    # U (day 56): 2.5 vs 1.5: +66.7%, +1.0 -> PMD -> UPMD. C (day 84): vs baseline +120% -> PMD;
    # vs U: 0.8 / 2.5 = +0.32, abs 3.3 - 2.5 = 0.8 (raw 0.7999999999999998, rounded 0.8):
    # 0.8 > 0.8 fails -> still UPMD. Inclusive (>= both): CPMD, progression dated day 56.
    scans = {day: {"uptake_min": 60, "liver_sul_mean": 0.8, "liver_sul_sd": 0.1} for day in (-5, 56, 84)}
    lesions = [("L1", "target", "lung", {-5: 1.5, 56: 2.5, 84: 3.3})]
    assert column(ipercist(lesions, scans), "overall_response") == ["UPMD", "UPMD"]
    inclusive = ipercist(lesions, scans, percist_pmd_inclusive=True)
    assert column(inclusive, "overall_response") == ["UPMD", "CPMD"]
    assert inclusive.best_response.iloc[0]["progression_day"] == 56


def test_9_5_2c_ipercist_new_lesion_first_seen_on_a_too_early_scan_confirms_at_the_next_scan():
    # spec 9.5 rule 3 (ipercist_enforce_window): 'a scan fewer than 28 days after U can reset but
    # cannot confirm (it stays UPMD)'; rule 2(c): 'a new lesion at C that was not present at U';
    # 9.11 A5: the reference stays the first UPMD scan.
    # U day 56: L1 7.0 (+40%, +2.0) -> UPMD. Day 70 (14 days): N2 new -> P_bl PMD, too early: UPMD.
    # Day 90 (34 days, inside 28-56): L1 7.2 vs U +2.9% (no (a)), but N2 was not present at U -> CPMD.
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, 70: 7.1, 90: 7.2}),
               ("N2", "new", "bone", {70: 3.0, 90: 3.0})]
    result = ipercist(lesions, ipercist_enforce_window=True)
    assert column(result, "overall_response") == ["UPMD", "UPMD", "CPMD"]
    assert column(result, "timing_flag") == ["", "outside_confirmation_window", ""]
    assert column(result, "confirmation_state") == ["confirmed", "confirmed", "confirms"]
    assert result.best_response.iloc[0]["progression_day"] == 56


def test_9_6_ipercist_upmd_by_new_lesion_confirmed_by_an_uptake_rise_after_the_new_lesion_resolved():
    # spec 9.6: 'At the first appearance they give UPMD (through PERCIST PMD)'; 9.5 rule 2(a).
    # U day 56: L1 5.2 (+4%), N1 new -> PMD -> UPMD. Day 84: N1 absent; L1 7.0 vs baseline +40%,
    # +2.0 -> P_bl PMD; vs U (7.0 - 5.2) / 5.2 = +0.346154 > 0.30 and +1.8 > 0.8 -> CPMD, dated 56.
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 5.2, 84: 7.0}),
               ("N1", "new", "bone", {56: 4.0, 84: {"status": "absent"}})]
    result = ipercist(lesions)
    assert column(result, "overall_response") == ["UPMD", "CPMD"]
    best = result.best_response.iloc[0]
    assert best["best_response"] == "CPMD" and best["progression_day"] == 56


def test_8_5_8_6_impercist_pmr_is_allowed_with_a_new_lesion_in_the_sum():
    # spec 8.5: 'PMR: rel <= -0.30' (no new-lesion condition); 8.6: new lesions are 'included in the
    # follow-up sum; never PMD on their own'.
    # S_bl = 6.0 + 4.0 = 10.0. Day 90: L1 2.5, L2 2.1, N1 2.4 (bone; all >= liver 2.0: no CMR).
    # S_fu = 2.5 + 2.4 + 2.1 = 7.0; rel = -0.30 -> PMR.
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: 2.5}),
               ("L2", "target", "lymph node", {-6: 4.0, 90: 2.1}),
               ("N1", "new", "bone", {90: 2.4})]
    row = impercist(lesions).timepoints.iloc[0]
    assert row["current_sum"] == pytest.approx(7.0) and row["rel_change"] == -0.3
    assert row["overall_response"] == "PMR" and "incl. new N1" in row["reason"]


def test_8_5_impercist_cmr_with_a_new_lesion_below_the_liver_mean():
    # spec 8.5: 'CMR: every lesion (baseline and new) resolved by the PERCIST resolution rule (5.5)';
    # 5.5 default: 'status = absent, or sulpeak < liver_sul_mean of the same follow-up scan'.
    # L1 absent, L2 1.8 < 2.0, N1 1.9 < 2.0: all resolved -> CMR (PMD first: S_fu 3.7 vs 10.0 = -63%).
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: {"status": "absent"}}),
               ("L2", "target", "lymph node", {-6: 4.0, 90: 1.8}),
               ("N1", "new", "bone", {90: 1.9})]
    assert impercist(lesions).timepoints.iloc[0]["overall_response"] == "CMR"


def test_1_3_1_4_impercist_top5_drops_a_not_evaluable_new_lesion_from_the_selection():
    # spec 1.3: 'status = not_evaluable ... treated as a missing value'; 1.4 step 1 drops lesions with a
    # missing value; 8.7 does not make a new lesion's missing value NE.
    # S_fu = 6.0 + 4.0 = 10.0 = S_bl: rel 0.0 -> SMD (N1's stale 5.0 is not summed).
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
               ("L2", "target", "lymph node", {-6: 4.0, 90: 4.0}),
               ("N1", "new", "bone", {90: {"sulpeak": 5.0, "status": "not_evaluable"}})]
    row = impercist(lesions).timepoints.iloc[0]
    assert row["overall_response"] == "SMD" and row["current_sum"] == 10.0


def test_8_7_5_4_impercist_liver_change_of_exactly_0_3_sul_is_ne():
    # spec 8.7: 'PERCIST quality checks fail (5.4) with impercist_qc = "strict"' -> NE; 5.4 liver
    # stability 'abs(abs_liver) < 0.3', rounded (1.5). Liver 1.6 -> 1.9: rel +18.75% (passes),
    # abs 0.3 (raw 0.2999999999999998, rounded 0.3): fails -> NE, although the sum fell 33.8%.
    scans = {-6: {"uptake_min": 60, "liver_sul_mean": 1.6, "liver_sul_sd": 0.25},
             90: {"uptake_min": 60, "liver_sul_mean": 1.9, "liver_sul_sd": 0.25}}
    lesions = [("L1", "target", "lung", {-6: 8.0, 90: 5.6}),
               ("L2", "target", "lymph node", {-6: 5.0, 90: 3.0})]
    row = impercist(lesions, scans).timepoints.iloc[0]
    assert row["overall_response"] == "NE" and "0.30 SUL" in row["reason"]


def test_8_7_5_12_A9_impercist_uptake_difference_of_exactly_15_min_passes():
    # spec 5.4 / 5.12 A9: uptake difference exactly 15 min passes (<= 15); 50-70 inclusive.
    # 55 -> 70 min. T = 3.5: L1 8.0, L2 5.0 measurable, S_bl = 13.0; S_fu = 5.6 + 3.0 = 8.6;
    # rel = -4.4 / 13.0 = -0.338462 <= -0.30 -> PMR.
    scans = {-6: QC | {"uptake_min": 55}, 90: QC | {"uptake_min": 70}}
    lesions = [("L1", "target", "lung", {-6: 8.0, 90: 5.6}),
               ("L2", "target", "lymph node", {-6: 5.0, 90: 3.0})]
    row = impercist(lesions, scans).timepoints.iloc[0]
    assert row["qc_passed"] and row["overall_response"] == "PMR"
    assert row["rel_change"] == pytest.approx(-0.338462)


@pytest.mark.parametrize("criterion", ["impercist", "ipercist"])
def test_1_3_role_new_at_baseline_and_late_target_are_refused(criterion):
    # spec 1.3: "role = new at baseline is an InputError"; "A lesion_id first seen at a follow-up
    # must have role = new".
    new_at_baseline = [("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
                       ("N1", "new", "bone", {-6: 3.0, 90: 3.0})]
    late_target = [("L1", "target", "lung", {-6: 6.0, 90: 6.0}), ("L9", "target", "bone", {90: 3.0})]
    for lesions in (new_at_baseline, late_target):
        with pytest.raises(InputError):
            ioresponse.assess(pet(lesions), criteria=(criterion,))


@pytest.mark.parametrize("criterion", [IMPERCIST, IPERCIST])
def test_3_3_consensus_window_label_interim_after_two_cycles(criterion):
    # spec 3.3: 'interim (cycles_before_scan in {2, 3}) ... else other'; timing never changes a category.
    scans = {-6: QC | {"cycles_before_scan": 0}, 90: QC | {"cycles_before_scan": 2},
             150: QC | {"cycles_before_scan": 5}}
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: 6.0, 150: 6.0})]
    result = criterion.assess(Study(pet=pet(lesions, scans)))
    assert column(result, "consensus_window") == ["interim", "other"]
    assert column(result, "overall_response") == ["SMD", "SMD"]
