"""Audit s12: iRECIST (spec/anatomic.md sections 0 and 4) and irRECIST (section 3) by differential testing.

A plain-Python reference written from the spec text was run against ``ioresponse.assess`` on random
patients; the cases below are hand-written reductions of what the comparison found. The first tests
assert the spec's result where the code differed (since fixed); the others pin tricky cases that agreed.
Expected values come from the spec and the arithmetic in the comments.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from assessed import by_day as column
from assessed import row
from assessed import run as assessed

import ioresponse


def run(rows, criterion="irecist", **options):
    return assessed(rows, criterion, **options)


def best(result):
    return result.best_response.iloc[0]


# =================================================================================================
# Differences (the assertion is the spec's result)
# =================================================================================================


def test_4_6_step3_recorded_new_node_measured_below_10mm_is_not_a_missing_value():
    # spec 4.6 step 3: "If none holds and a missing value could have decided (target NE, non-target NE,
    # new lesion NE): NE"; 0.4 "not_evaluable: missing"; "Normal lymph node: ... short axis < 10 mm".
    # B 40. 56: T1 30 (-25 %: iSD); U1 new node 12 mm (10 to < 15: NLNT) -> iUPD (NL), ref_S 30, ref_NLT 0.
    # 112 (56 days): U1 measured 8 mm - reported, not missing. No confirmation (no NLT, 8 < 12 is no
    # increase, no additional lesion). R1: 28 vs N 30 not PD; R2: no non-target; R3: U1 is a normal node
    # (resolved), and even read as present NL is in cats, NLT 0 <= 0, no growth, S 28 < ref_S 30 -> reset.
    # Mapping: 28 vs B 40 = -30.00 % -> target iPR -> iPR. iBOR iPR, no iPFS event.
    rows = [row(-7, "T1", 40), row(56, "T1", 30), row(56, "U1", 12, node=True, organ="neck")]
    rows += [row(112, "T1", 28), row(112, "U1", 8, node=True, organ="neck")]
    result = run(rows)
    assert column(result) == {56: "iUPD", 112: "iPR"}
    b = best(result)
    assert b["best_response"] == "iPR" and not b["pfs_event"]


def test_4_4_never_a_lesion_new_node_does_not_make_the_deciding_scan_ne():
    # spec 4.4: "new nodes under 10 mm are not lesions (flag)"; 1.5 "nodes under 10 mm are ignored with the
    # flag new_node_below_10mm"; 4.6 step 3 NE only when "a missing value could have decided".
    # B 40. 56: T1 38 (-5 %), U1 node 8 mm: not a lesion -> iSD. 112: T1 36; U1 absent; U2 new node
    # 12 mm (NLNT) -> iUPD (NL), ref_S 36. 168 (56 days): T1 30; U1 6 mm (still not a lesion, nothing
    # missing); U2 12 mm (no increase, no additional lesion) -> no iCPD. R1: 30 vs N 36 not PD; R2;
    # R3: NL in cats, NLT 0 <= 0, no growth, S 30 < 36 -> reset; 30 vs B 40 = -25 % -> iSD.
    rows = [row(-7, "T1", 40), row(56, "T1", 38), row(56, "U1", 8, node=True, organ="neck")]
    rows += [row(112, "T1", 36), row(112, "U1", None, node=True, organ="neck", status="absent")]
    rows += [row(112, "U2", 12, node=True, organ="groin")]
    rows += [row(168, "T1", 30), row(168, "U1", 6, node=True, organ="neck")]
    rows += [row(168, "U2", 12, node=True, organ="groin")]
    result = run(rows)
    assert column(result) == {56: "iSD", 112: "iUPD", 168: "iSD"}
    assert "iupd_reset" in column(result, "flags")[168]


# =================================================================================================
# Tricky cases that agree with the spec
# =================================================================================================


def test_control_new_node_under_10mm_on_every_row_does_not_block_the_reset():
    # Control of the test above without the absent row: U1 8 mm at 56, 112 and 168 is never a lesion
    # (4.4), so nothing is missing at 168 and the same reset applies: iSD (30 vs 40 = -25 %).
    rows = [row(-7, "T1", 40)]
    for day, t1 in ((56, 38), (112, 36), (168, 30)):
        rows += [row(day, "T1", t1), row(day, "U1", 8, node=True, organ="neck")]
    rows += [row(112, "U2", 12, node=True, organ="groin"), row(168, "U2", 12, node=True, organ="groin")]
    assert column(run(rows)) == {56: "iSD", 112: "iUPD", 168: "iSD"}


def test_4_6_step1_unequivocal_nlnt_that_survives_a_reset_opens_a_new_episode():
    # 56: T1 34 (-15 %), U1 new non-measurable lesion in unequivocal progression -> iUPD (NL), ref_S 34.
    # 112 (56 d): U1 unchanged status (unequivocal -> unequivocal is not an increase, 4.4); no NLT;
    # R3: NL in cats, no growth, S 30 < 34 -> reset; 30 vs B 40 = -25 % -> iSD.
    # 168: step 1 after a reset: "any NLNT unequivocal_progression" is an NL trigger -> iUPD, new episode.
    # iBOR: iSD (day 112 >= 42); the open episode of day 168 is the latest iUPD.
    rows = [row(-7, "T1", 40)]
    for day, t1 in ((56, 34), (112, 30), (168, 28)):
        rows += [row(day, "T1", t1), row(day, "U1", status="unequivocal_progression")]
    result = run(rows)
    assert column(result) == {56: "iUPD", 112: "iSD", 168: "iUPD"}
    b = best(result)
    assert b["best_response"] == "iSD" and b["iupd_day"] == 168 and np.isnan(b["progression_day"])


def test_4_6_new_lesion_first_seen_on_an_early_scan_is_additional_at_the_next_used_scan():
    # Reading taken (ambiguity): early scans are "not used" (step 2), so a lesion first seen there is
    # still an additional new lesion at the next used scan. B 48. 26: T1 28 (iPR band), U1 4 mm (NLNT)
    # -> iUPD (NL). 50 (24 d < 28): U2 7 mm appears -> iUPD, early_scan_not_used. 89 (63 d): U1 absent,
    # U2 8 mm: an additional new lesion -> iCPD, progression day 26 (flag late_confirmation: 63 > 56).
    rows = [row(-7, "T1", 48), row(26, "T1", 28), row(26, "U1", 4)]
    rows += [row(50, "T1", 27), row(50, "U1", 4), row(50, "U2", 7, organ="kidney")]
    rows += [row(89, "T1", 26), row(89, "U1", status="absent"), row(89, "U2", 8, organ="kidney")]
    result = run(rows)
    assert column(result) == {26: "iUPD", 50: "iUPD", 89: "iCPD"}
    assert "early_scan_not_used" in column(result, "flags")[50]
    b = best(result)
    assert (b["best_response"], b["progression_day"], b["icpd_day"]) == ("iCPD", 26, 89)


def test_4_4_non_target_back_from_absent_is_an_increase_that_confirms_a_non_target_iupd():
    # Reading taken (ambiguity D5): an absent lesion has value 0 (0.4), so a later measured 9 mm is "larger
    # than at the previous assessment" (4.4). B 35. 61: T1 32, NT2 unequivocal -> iUPD (NT). 130 (69 d):
    # NT1 absent -> 9 mm: any increase of non-target disease -> iCPD, progression day 61, late_confirmation.
    rows = [row(-7, "T1", 35), row(-7, "NT1", 12, organ="lung"), row(-7, "NT2", organ="pleura")]
    rows += [row(61, "T1", 32), row(61, "NT1", organ="lung", status="absent")]
    rows += [row(61, "NT2", organ="pleura", status="unequivocal_progression")]
    rows += [row(130, "T1", 32), row(130, "NT1", 9, organ="lung")]
    rows += [row(130, "NT2", organ="pleura", status="unequivocal_progression")]
    result = run(rows)
    assert column(result) == {61: "iUPD", 130: "iCPD"}
    assert "late_confirmation" in column(result, "flags")[130]
    assert best(result)["progression_day"] == 61


def test_4_6_step1_iupd_on_a_deteriorating_patient_keeps_its_category():
    # 4.8 / D9: clinical_status does not change the category; the iUPD row gets iupd_not_clinically_stable.
    # B 60. 56: 75 (+25 %, +15) -> iUPD (T), ref_S 75. 112 (56 d): 78 (+3 vs ref_S, < 5) and PD vs N 60
    # (+30 %, +18) -> neither iCPD nor reset: iUPD. iBOR iUPD, iPFS event at 56
    # (unconfirmed_iupd_pfs "event").
    rows = [row(-7, "T1", 60), row(56, "T1", 75), row(112, "T1", 78)]
    frame = pd.DataFrame(rows).assign(clinical_status=["stable", "deteriorating", "stable"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(frame, criteria=("irecist",))
    assert column(result) == {56: "iUPD", 112: "iUPD"}
    flags = column(result, "flags")
    assert "iupd_not_clinically_stable" in flags[56] and "iupd_not_clinically_stable" not in flags[112]
    b = best(result)
    assert (b["best_response"], b["pfs_event"], b["pfs_day"]) == ("iUPD", True, 56)


def test_irrecist_0_8_not_confirmed_irpd_then_a_new_first_irpd_confirmed():
    # 3.7 / 0.8. B 40. 56: 50 (+25 %, +10 vs N 40) -> irPD pending. 84 (28 d): 44 vs N 40 = +10 %: not
    # irPD -> irSD; the irPD of 56 is not confirmed. 112: 53 vs N 40 (+32.5 %, +13) -> irPD pending.
    # 140 (28 d): 55 vs N 40 -> irPD: confirms, progression day 112. Best response irSD (day 84 >= 42).
    rows = [row(-7, "T1", 40), row(56, "T1", 50), row(84, "T1", 44), row(112, "T1", 53), row(140, "T1", 55)]
    result = run(rows, "irrecist")
    assert column(result) == {56: "irPD", 84: "irSD", 112: "irPD", 140: "irPD"}
    assert column(result, "confirmation_state") == {
        56: "not_confirmed", 84: "not_required", 112: "confirmed", 140: "confirms"
    }
    b = best(result)
    assert (b["best_response"], b["progression_day"]) == ("irSD", 112)


def test_irrecist_3_4_new_lesion_enters_the_tmtb_when_it_becomes_measurable():
    # 3.4 / C7 ("when_measurable"). B 40. 56: T1 30, U1 6 mm (non-measurable, not counted): TMTB 30,
    # -25 % -> irSD. 112: T1 20, U1 12 mm, now measurable and counted: TMTB 32; vs N 30: +6.67 % (not PD);
    # vs B 40: -20 % -> irSD (targets alone would be -50 %).
    rows = [row(-7, "T1", 40), row(56, "T1", 30), row(56, "U1", 6, organ="lung")]
    rows += [row(112, "T1", 20), row(112, "U1", 12, organ="lung")]
    result = run(rows, "irrecist")
    assert column(result) == {56: "irSD", 112: "irSD"}
    assert column(result, "current_sum") == {56: 30.0, 112: 32.0}


def test_irrecist_3_7_pending_irpd_at_end_of_data_is_the_best_response_and_its_day():
    # 3.7: pending irPD at the end counts per unconfirmed_pd_as = "pd". B 40. 35: 40 -> irSD (too early
    # for the 42-day minimum). 84: 50 (+25 %, +10) -> irPD pending, no later scan. Best response irPD.
    rows = [row(-7, "T1", 40), row(35, "T1", 40), row(84, "T1", 50)]
    result = run(rows, "irrecist")
    assert column(result, "confirmation_state")[84] == "pending"
    assert best(result)["best_response"] == "irPD"
