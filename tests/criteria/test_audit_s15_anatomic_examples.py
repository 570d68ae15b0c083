"""Audit s15: every worked example of spec/anatomic.md, checked literally through ``ioresponse.assess``.

Audited: RECIST 1.1 R1-R8 (1.10), irRC Q1-Q5 (2.10), irRECIST J1-J4 (3.10), iRECIST iR1-iR7 (4.10), imRECIST
M1-M4 (5.10), the cross-criterion statements inside those examples (sections 1-5 and the comparison of
section 8), the reason templates of 0.10 (each one is a sentence of a worked example) and the options of
1.11, 2.11, 3.11, 4.11 and 5.11 (every documented option exists; default and alternative were run).

Every example was transcribed in scratch with every stated number (sums, % changes, nadirs, component and
overall calls, confirmation states, best responses, dates) and every one matched. Most of those values are
already pinned by test_recist11*.py, test_irrc*.py, test_irrecist.py, test_irecist*.py, test_imrecist*.py,
test_recist_irrc_audit.py and test_immune_anatomic_audit.py; this file keeps only what no test pinned yet:
the 0.10 reason sentences (the audit found five worded differently from the templates; the code now
writes their wording and numbers, after the component label "target PD/SD" and before the overall rule),
and a few example statements and option behaviours that had no test. Expected values come from the spec
text; the arithmetic is in the comments.
"""

from __future__ import annotations

import pandas as pd
import pytest
from assessed import by_day, row, run

from ioresponse.schema import InputError


def best(result):
    rows = result.best_response
    assert len(rows) == 1
    return rows.iloc[0]


def irrc_row(day, lesion_id, long=None, perp=None, *, role="target", organ="liver", status=None, **extra):
    """An irRC row: long axis x perpendicular (products, spec 0.4); ``status`` defaults to present/absent."""
    status = status or ("present" if long is not None else "absent")
    out = row(day, lesion_id, long, role=role, organ=organ, status=status, **extra)
    out["perpendicular_mm"] = float("nan") if perp is None else float(perp)
    return out


# ---------------------------------------------------------------------------------------------------------
# Example tables (spec 1.10, 2.10, 4.10, 5.10), typed as written
# ---------------------------------------------------------------------------------------------------------


def r1_rows():
    # spec 1.10 R1: T1 liver, T2 lung, T3 mediastinal node (short axis); NT1 bone present throughout.
    rows = []
    for day, t1, t2, t3 in [(-7, 40, 20, 20), (56, 28, 14, 12), (84, 26, 12, 11), (140, 34, 15, 12)]:
        rows += [row(day, "T1", t1), row(day, "T2", t2, organ="lung"),
                 row(day, "T3", t3, organ="mediastinum", node=True), row(day, "NT1", organ="bone")]
    return rows


def r2_rows():
    # spec 1.10 R2: T1, T2 lung: 12+10, 10+8, 13+9, 14+10.
    rows = []
    for day, t1, t2 in [(-7, 12, 10), (56, 10, 8), (112, 13, 9), (168, 14, 10)]:
        rows += [row(day, "T1", t1, organ="lung"), row(day, "T2", t2, organ="lung")]
    return rows


def r3_rows():
    # spec 1.10 R3: T1 mediastinal node, T2 para-aortic node, T3 liver; NT1 iliac node 12 mm.
    rows = []
    for day, t1, t2, t3, nt1 in [(-7, 18, 16, 25, 12), (56, 9, 7, None, 8), (112, 8, 7, None, 7),
                                 (168, 11, 7, None, 7)]:
        rows += [row(day, "T1", t1, organ="mediastinum", node=True),
                 row(day, "T2", t2, organ="retroperitoneum", node=True),
                 row(day, "T3", t3, status="present" if t3 else "absent"),
                 row(day, "NT1", nt1, organ="pelvis", node=True)]
    return rows


def r4_rows():
    # spec 1.10 R4: T1 liver 30, T2 liver 20, T3 lung 15 (not evaluable on 56 and 112); NT1 peritoneum.
    rows = []
    for day, t1, t2, t3 in [(-7, 30, 20, 15), (56, 24, 16, None), (112, 45, 34, None)]:
        rows += [row(day, "T1", t1), row(day, "T2", t2),
                 row(day, "T3", t3, organ="lung", status="present" if t3 else "not_evaluable"),
                 row(day, "NT1", organ="peritoneum")]
    return rows


def q3_rows(last_day=196):
    # spec 2.10 Q3: L1, L2 index; N1 new measurable (10 x 10 on day 84); N2 new 4 x 3 mm (non-measurable).
    table = [
        (-7, [("L1", 20, 20), ("L2", 20, 10)]),
        (84, [("L1", 25, 22), ("L2", 22, 12), ("N1", 10, 10), ("N2", 4, 3)]),
        (112, [("L1", 18, 16), ("L2", 15, 8), ("N1", 6, 5), ("N2", 4, 3)]),
        (168, [("L1", 12, 10), ("L2", 10, 6), ("N1", None, None), ("N2", None, None)]),
        (196, [("L1", 10, 10), ("L2", 8, 5), ("N1", None, None), ("N2", None, None)]),
    ]
    rows = []
    for day, lesions in table:
        if day > last_day:
            continue
        for lesion_id, long, perp in lesions:
            role = "new" if lesion_id.startswith("N") else "target"
            organ = "lung" if lesion_id in ("L2", "N2") else "liver"
            rows.append(irrc_row(day, lesion_id, long, perp, role=role, organ=organ))
    return rows


def ir2_rows():
    # spec 4.10 iR2: T1 50, 46, 45, 44; new A (liver) 12 -> 15 and B (lung) 10 -> 12 from day 112 (NLT).
    rows = [row(day, "T1", value, organ="kidney")
            for day, value in [(-7, 50), (56, 46), (112, 45), (147, 44)]]
    rows += [row(112, "UA", 12, role="new"), row(112, "UB", 10, role="new", organ="lung")]
    rows += [row(147, "UA", 15, role="new"), row(147, "UB", 12, role="new", organ="lung")]
    return rows


def m1_rows():
    # spec 5.10 M1: T1 lung, T2 liver: 30+25, 38+30, 24+18, 18+16, 17+15.
    rows = []
    for day, t1, t2 in [(-7, 30, 25), (56, 38, 30), (84, 24, 18), (140, 18, 16), (168, 17, 15)]:
        rows += [row(day, "T1", t1, organ="lung"), row(day, "T2", t2)]
    return rows


# ---------------------------------------------------------------------------------------------------------
# Spec 0.10 reason templates: each is a sentence of a worked example, checked as a full literal string
# ---------------------------------------------------------------------------------------------------------


def test_0_10_template_3_r3_day_56_node_cr_sentence_is_literal():
    # spec 0.10 template 3, on R3 day 56 (T3 absent; nodes 9 and 7 < 10 mm; 9 + 7 + 0 = 16):
    # "non-nodal targets absent and target nodes 9, 7 mm (<10 mm) with sum 16 mm: target CR (RECIST 1.1
    # sec. 4.3.2)"
    reason = by_day(run(r3_rows()), "reason")[56]
    assert ("non-nodal targets absent and target nodes 9, 7 mm (<10 mm) with sum 16 mm: target CR "
            "(RECIST 1.1 sec. 4.3.2)") in reason


def test_0_10_template_6_ir2_day_147_icpd_sentence_is_literal():
    # spec 0.10 template 6, on iR2 day 147: NLT 15 + 12 = 27 vs ref_NLT 12 + 10 = 22 at the iUPD of day 112:
    # +5 mm >= 5 -> iCPD dated 112. "new-lesion target sum 27 mm is +5 mm vs 22 mm at iUPD on day 112
    # (>=5 mm): iCPD, progression dated day 112 (iRECIST Table 2)"
    result = run(ir2_rows(), "irecist")
    assert by_day(result)[147] == "iCPD"
    assert ("new-lesion target sum 27 mm is +5 mm vs 22 mm at iUPD on day 112 (>=5 mm): iCPD, progression "
            "dated day 112 (iRECIST Table 2)") in by_day(result, "reason")[147]


# Templates 1, 2, 4 and 5 are written as the component sentence ("target PD", "target SD") followed by the
# overall rule (Table 1 row), which the templates leave out; the numbers, comparisons and sections are the
# templates' own.


def test_0_10_template_1_r1_day_140_pd_sentence():
    # spec 1.10 R1 day 140: S = 34 + 15 + 12 = 61, nadir 49 (day 84): +12 mm, 12 / 49 = +24.49% -> PD.
    # spec 0.10 template 1: "target sum 61 mm is +24.49% and +12 mm vs nadir 49 mm (>=20% and >=5 mm): PD
    # (RECIST 1.1 sec. 4.3.1)"
    reason = by_day(run(r1_rows()), "reason")[140]
    assert ("target sum 61 mm is +24.49% and +12 mm vs nadir 49 mm (>=20% and >=5 mm): target PD "
            "(RECIST 1.1 sec. 4.3.1); overall PD") in reason


def test_0_10_template_2_r2_day_112_relative_met_absolute_failed_sentence():
    # spec 1.10 R2 day 112: S = 13 + 9 = 22, nadir 18 (day 56): +4 mm, 4 / 18 = +22.22% (relative test met,
    # 4 < 5 mm: not PD); vs baseline 22: +0.00% -> SD.
    # spec 0.10 template 2: "target sum 22 mm is +22.22% but only +4 mm vs nadir 18 mm (<5 mm): not PD;
    # +0.00% vs baseline 22 mm: SD (RECIST 1.1 sec. 4.3.1)"
    result = run(r2_rows())
    assert by_day(result)[112] == "SD"
    assert ("target sum 22 mm is +22.22% but only +4 mm vs nadir 18 mm (<5 mm): not PD; +0.00% vs baseline "
            "22 mm: target SD (RECIST 1.1 sec. 4.3.1)") in by_day(result, "reason")[112]


def test_0_10_template_4_r4_day_112_partial_sum_pd_sentence():
    # spec 1.10 R4 day 112: T3 not evaluable; known 45 + 34 = 79 >= 1.2 x 65 = 78 and 79 - 65 = +14 >= 5:
    # target PD (sec. 4.4.2). spec 0.10 template 4: "lesion T3 not evaluable; measured targets already sum
    # 79 mm >= 78 mm (1.2 x nadir 65) and +14 mm: PD (RECIST 1.1 sec. 4.4.2)"; 14 / 65 = +21.54%.
    result = run(r4_rows())
    assert by_day(result)[112] == "PD"
    assert ("lesion T3 not evaluable; measured targets already sum 79 mm >= 78 mm (1.2 x nadir 65) and "
            "+14 mm (+21.54% vs nadir, >=20% and >=5 mm): target PD (RECIST 1.1 sec. 4.4.2)"
            ) in by_day(result, "reason")[112]


def test_0_10_template_5_q3_day_84_pending_irpd_sentence():
    # spec 2.10 Q3 day 84, with the data ending there (so the irPD is still pending, 0.8):
    # TB = 550 + 264 + 100 = 914; nadir = TB0 = 400 + 200 = 600; 314 / 600 = +52.33% >= 25% -> irPD pending.
    # spec 0.10 template 5: "tumour burden 914 mm2 is +52.33% vs nadir 600 mm2 (>=25%): irPD, pending
    # confirmation >=28 days (irRC, Wolchok 2009 Table 1)"; the code also names the parts of the burden.
    result = run(q3_rows(last_day=84), "irrc")
    assert by_day(result, "confirmation_state")[84] == "pending"
    reason = by_day(result, "reason")[84]
    assert reason.startswith("tumour burden 914 mm2 (814 targets + 100 new) is +52.33% and +314 mm2 vs nadir "
                             "600 mm2 (>=25%): irPD (irRC, Wolchok 2009 Table 1)")
    assert "pending confirmation >=28 days" in reason


# ---------------------------------------------------------------------------------------------------------
# Example statements and option behaviours no test pinned yet (all pass: regression tests)
# ---------------------------------------------------------------------------------------------------------


def test_m1_recist_column_is_pd_on_day_56_and_every_later_row_is_after_pd():
    # spec 5.10 M1, column "RECIST 1.1": day 56 PD (68 vs 55: +13 mm, +23.64%), then "(after PD)" on 84,
    # 140 and 168 (0.9: after_progression = true after the progression date; 1.8.4: they never change the
    # best response). "RECIST 1.1 best response PD, progression day 56."
    result = run(m1_rows())
    assert by_day(result)[56] == "PD"
    assert by_day(result, "after_progression") == {56: False, 84: True, 140: True, 168: True}
    bor = best(result)
    assert (bor["best_response"], bor["progression_day"], bor["pfs_day"]) == ("PD", 56, 56)


def test_q3_recist_column_new_lesions_make_pd_on_day_84_and_later_rows_are_after_pd():
    # spec 2.10 Q3: "RECIST 1.1: PD on day 84 (new lesions; target long-axis sum 40 -> 47 = +17.5% alone
    # would not be PD)". Long axes 20 + 20 = 40 -> 25 + 22 = 47. N1 10 mm new lesion present (not
    # equivocal) -> Table 1 row 3. Best PD dated 84; 112, 168, 196 are after progression (0.9).
    result = run(q3_rows())
    assert by_day(result, "target_response")[84] == "SD"
    assert by_day(result, "new_lesion_response")[84] == "yes"
    assert by_day(result)[84] == "PD"
    assert by_day(result, "after_progression") == {84: False, 112: True, 168: True, 196: True}
    bor = best(result)
    assert (bor["best_response"], bor["progression_day"]) == ("PD", 84)


def test_q2_new_lesion_turns_irpr_into_irsd_recist_side_best_pd_on_day_84():
    # spec 2.10 Q2: "RECIST 1.1: PD on day 84 (new lesion), best response PD." Long axes 30 + 25 = 55 ->
    # 18 + 15 = 33 (-40.00%: target PR) but N1 (15 mm) is a new lesion -> PD (Table 1 row 3).
    rows = [irrc_row(-7, "L1", 30, 20), irrc_row(-7, "L2", 25, 20, organ="lung")]
    for day, l1, l2, n1 in [(84, (18, 15), (15, 10), (15, 12)), (112, (15, 12), (12, 10), (10, 8)),
                            (140, (14, 10), (10, 9), (8, 6))]:
        rows += [irrc_row(day, "L1", *l1), irrc_row(day, "L2", *l2, organ="lung"),
                 irrc_row(day, "N1", *n1, role="new")]
    recist = run(rows)
    assert by_day(recist, "target_response")[84] == "PR"
    assert by_day(recist, "pct_change_baseline")[84] == pytest.approx(-40.0, abs=0.005)
    assert by_day(recist)[84] == "PD"
    bor = best(recist)
    assert (bor["best_response"], bor["progression_day"]) == ("PD", 84)
    # irRC side, as written in the table: irSD, irPR, irPR; best irPR (days 112 and 140, 28 days apart).
    irrc = run(rows, "irrc")
    assert by_day(irrc) == {84: "irSD", 112: "irPR", 140: "irPR"}
    assert by_day(irrc, "target_sum")[84] == 420.0  # "without N1 the index burden 420 would be -61.82%"
    assert best(irrc)["first_response_day"] == 112


def test_ir2_recist_column_pd_on_day_112_best_sd():
    # spec 4.10 iR2: "RECIST 1.1: PD on day 112, best response SD." Day 56: 46 vs 50 (-8.00%) SD at
    # 56 >= 42; day 112: new lesions A and B -> PD; day 147 after PD.
    result = run(ir2_rows())
    assert by_day(result) == {56: "SD", 112: "PD", 147: "PD"}
    assert by_day(result, "after_progression")[147]
    bor = best(result)
    assert (bor["best_response"], bor["bor_day"], bor["progression_day"]) == ("SD", 56, 112)


def test_1_11_a5_reappearance_requires_confirmed_cr_default_and_option():
    # spec 1.11 A5 / 1.8.1: default reappearance_after_cr_is_pd = True, reappearance_requires_confirmed_cr
    # = False. T1 30 -> absent (day 56, overall CR) -> 4 mm present (day 84): a non-nodal target value > 0
    # after an overall CR -> PD by default. Target alone: 4 vs B 30 = -86.67% -> PR.
    # Option True: the CR of day 56 is not confirmed (no later CR) -> no reappearance rule -> PR.
    # With a confirming CR on day 84 (28 days later) the option still gives PD on day 112.
    rows = [row(-7, "T1", 30), row(56, "T1", status="absent"), row(84, "T1", 4)]
    assert by_day(run(rows)) == {56: "CR", 84: "PD"}
    assert by_day(run(rows), "target_response")[84] == "PR"
    assert by_day(run(rows, reappearance_requires_confirmed_cr=True)) == {56: "CR", 84: "PR"}
    confirmed = [row(-7, "T1", 30), row(56, "T1", status="absent"), row(84, "T1", status="absent"),
                 row(112, "T1", 4)]
    assert by_day(run(confirmed, reappearance_requires_confirmed_cr=True)) == {56: "CR", 84: "CR", 112: "PD"}


def test_1_8_3_continued_pr_needs_a_confirmed_pr_when_confirmation_is_on():
    # spec 1.8.3: "after the first confirmed PR (or the first PR when confirmation is off), a computed SD is
    # reported as PR with flag continued_pr". B 100; day 56: 65 (-35%: PR); day 84: 71 (-29%: not PR;
    # vs nadir 65 +6 mm, +9.23%: not PD) -> SD.
    # confirm_response=False: the first PR (56) is enough -> day 84 PR, flag continued_pr.
    # confirm_response=True: PR 56 has no PR/CR >= 28 days later -> not confirmed -> day 84 stays SD.
    rows = [row(-7, "T1", 100), row(56, "T1", 65), row(84, "T1", 71)]
    assert by_day(run(rows)) == {56: "PR", 84: "SD"}
    off = run(rows, continued_pr_after_confirmed_pr=True)
    assert by_day(off) == {56: "PR", 84: "PR"}
    assert "continued_pr" in by_day(off, "flags")[84]
    on = run(rows, continued_pr_after_confirmed_pr=True, confirm_response=True)
    assert by_day(on) == {56: "PR", 84: "SD"}
    assert "continued_pr" not in by_day(on, "flags")[84]


def test_2_11_apply_slice_rule_also_checks_index_lesions_at_baseline():
    # spec 2.2: "No slice-thickness rule (option apply_slice_rule = False; with True each diameter must be
    # >= 2 x slice_thickness_mm when the slice is thicker than 5 mm)". Index 8 x 8 mm on 6 mm slices:
    # default measurable (both >= 5); with the option the minimum is 12 mm -> baseline violation
    # (InputError by default, on_baseline_violation = "error", 1.11 A1 as used by 2.x).
    rows = [irrc_row(day, "L1", 8, 8, slice_thickness_mm=6.0) for day in (-7, 56)]
    assert by_day(run(rows, "irrc")) == {56: "irSD"}
    with pytest.raises(InputError):
        run(rows, "irrc", apply_slice_rule=True)


def test_3_11_new_nonmeasurable_can_define_pd_default_and_nishino_form():
    # spec 3.5 / 3.11 C4: default new_nonmeasurable_can_define_pd = True: a new non-measurable lesion with
    # status unequivocal_progression is irPD (needs confirmation like any irPD). U1 6 mm (< 10: not counted)
    # on day 56, unequivocal_progression on 84 and 112 (28 days later: confirms). TMTB 30 throughout (SD).
    # Default: 84 irPD confirmed by 112, progression day 84, best irSD (day 56). Option False: irSD
    # everywhere, no progression.
    rows = [row(-7, "T1", 30), row(56, "T1", 30), row(56, "U1", 6, role="new", organ="lung"),
            row(84, "T1", 30), row(84, "U1", role="new", organ="lung", status="unequivocal_progression"),
            row(112, "T1", 30), row(112, "U1", role="new", organ="lung", status="unequivocal_progression")]
    default = run(rows, "irrecist")
    assert by_day(default) == {56: "irSD", 84: "irPD", 112: "irPD"}
    assert by_day(default, "confirmation_state") == {56: "not_required", 84: "confirmed", 112: "confirms"}
    bor = best(default)
    assert (bor["best_response"], bor["progression_day"]) == ("irSD", 84)
    nishino = run(rows, "irrecist", new_nonmeasurable_can_define_pd=False)
    assert by_day(nishino) == {56: "irSD", 84: "irSD", 112: "irSD"}
    assert pd.isna(best(nishino)["progression_day"])
