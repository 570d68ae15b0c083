"""Audit (session 13, h5): the side-by-side outputs of the anatomic criteria.

What was audited, against spec/anatomic.md 0.9 (output tables and their columns), 0.10 (reason
sentences), 8 (comparison of the five criteria), the output paragraphs of 1.7 (dates), 1.8.2
(back-dating), 2.7-2.9, 3.7, 4.7 (iBOR, the iUPD / iCPD dates), 5.7, and spec/patterns.md 7.4 (PFS by
criterion):

- ``Result.compare()`` / ``ioresponse.api.compare``: the wide table (patient x reader x criterion best
  response) and the reclassification matrices of each immune criterion against RECIST 1.1 (counts, the
  patients of each off-diagonal cell, readers kept apart, a patient missing under one criterion, NE and
  baseline-only patients);
- ``ioresponse compare OUTDIR`` on what ``ioresponse assess`` wrote (round trip), and on bad OUTDIRs
  (README "Command line": bad input stops with a located message and exit code 2, no traceback);
- ``--criteria all`` skip messages and the columns each criterion requires (irRC and perpendicular_mm);
- the columns of the timepoint and best-response tables (spec 0.9), progression / PFS dates of pending,
  confirmed and reset progressions, and the reason sentences of spec 0.10.

Expected values come from the spec text and hand arithmetic (comments beside each assertion). The
differences this audit proved (compare on a ragged or non-UTF-8 CSV, irRC refusing nodal index lesions
without perpendicular_mm, target_sum differing between criteria, the progression day and PFS event of a
pending irPD) are fixed; their tests assert the spec's result.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from _cli import cli, flat

import ioresponse
from ioresponse.api import compare

# ---------------------------------------------------------------------------------------------------------
# Helpers


def row(day, lesion_id, value=None, *, patient="P1", reader="", role=None, organ="liver", node=False,
        status="present", **extra):
    """One lesion row (spec 0.1); ``value`` is the short axis of a node, else the long axis."""
    if role is None:
        role = {"T": "target", "N": "non_target", "U": "new"}[lesion_id[0]]
    out = dict(patient_id=patient, reader=reader, day=day, lesion_id=lesion_id, role=role, organ=organ,
               lymph_node=node, status=status, long_axis_mm=np.nan, short_axis_mm=np.nan)
    if value is not None:
        out["short_axis_mm" if node else "long_axis_mm"] = float(value)
    out.update(extra)
    return out


def assessed(rows, criteria, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(pd.DataFrame(rows), criteria=criteria, **options)


def best_of(result, criterion, patient="P1", reader=""):
    best = result.best_response
    mine = best[(best["criterion"] == criterion) & (best["patient_id"] == patient)
                & (best["reader"] == reader)]
    assert len(mine) == 1, mine
    return mine.iloc[0]


def reasons(result, criterion):
    tp = result.timepoints[result.timepoints["criterion"] == criterion]
    return dict(zip(tp["day"].astype(int), tp["reason"].astype(str), strict=True))


FOUR = ("recist11", "irrecist", "irecist", "imrecist")
"""The unidimensional criteria (spec 8: measurement "as RECIST 1.1")."""

# ---------------------------------------------------------------------------------------------------------
# A small cohort with two readers (spec 0.9: one row per patient x reader x criterion)
#
# - P1 reader A: T1 50 -> 48 mm and a new 12 mm lesion U1 on day 56, U1 gone and T1 30 mm on day 112.
#   RECIST 1.1: unequivocal new lesion -> PD on day 56 (sec. 4.3.5); best response only up to the first
#   PD (1.7 "Scope") -> PD. iRECIST: iUPD on day 56 (new lesion, 4.6); day 112 is 56 days later with no
#   further growth and (30-50)/50 = -40% <= -30% -> iPR, iUPD reset; iBOR iPR (4.7 rule 2).
#   irRECIST / imRECIST: 48 + 12 = 60 mm is +20% and +10 mm vs nadir 50 -> (ir)PD pending; day 112 is
#   no (ir)PD -> not confirmed, ignored (0.8); 30 mm = -40% -> (ir)PR; best (ir)PR.
# - P1 reader B: T1 50 -> 30 -> 30 mm: -40% -> PR / iPR / irPR / PR everywhere.
# - P2 reader A: T1 50 -> 70 (+40%, +20 mm) -> 80 mm: RECIST PD; iUPD on day 56 then +10 mm vs 70 at
#   iUPD (>= 5 mm, 4.6 step 3) on day 112 -> iCPD; irPD / PD confirmed on day 112 (0.8).
# - P3 reader A: its only target not evaluable on day 56 -> NE everywhere (1.7 step 4).
# - P4 reader A: baseline only, no follow-up -> NE everywhere, still one best-response row (0.9).
# - P5 reader A: T1 60 -> 58 mm + new 15 mm on day 56, 36 mm (-40%) and the new lesion gone on day 112:
#   as P1 A (TMTB 73 mm = +21.67% and +13 mm vs 60 -> irPD pending, not confirmed).


def _cohort():
    rows = []
    a = dict(reader="A")
    rows += [row(-7, "T1", 50, **a), row(56, "T1", 48, **a), row(56, "U1", 12, organ="lung", **a),
             row(112, "T1", 30, **a), row(112, "U1", organ="lung", status="absent", **a)]
    b = dict(reader="B")
    rows += [row(-7, "T1", 50, **b), row(56, "T1", 30, **b), row(112, "T1", 30, **b)]
    p2 = dict(patient="P2", reader="A")
    rows += [row(-7, "T1", 50, **p2), row(56, "T1", 70, **p2), row(112, "T1", 80, **p2)]
    p3 = dict(patient="P3", reader="A")
    rows += [row(-7, "T1", 50, **p3), row(56, "T1", status="not_evaluable", **p3)]
    rows += [row(-7, "T1", 50, patient="P4", reader="A")]
    p5 = dict(patient="P5", reader="A")
    rows += [row(-7, "T1", 60, **p5), row(56, "T1", 58, **p5), row(56, "U1", 15, organ="lung", **p5),
             row(112, "T1", 36, **p5), row(112, "U1", organ="lung", status="absent", **p5)]
    return rows


@pytest.fixture(scope="module")
def cohort():
    return assessed(_cohort(), FOUR)


# ---------------------------------------------------------------------------------------------------------
# Compare: wide table and matrices (issue text; spec 8; README "compare")


def test_compare_wide_keeps_readers_apart_and_lists_no_assessment_patients_spec_0_9(cohort):
    wide = cohort.compare().wide.set_index(["patient_id", "reader"])
    # one row per patient x reader (spec 0.9); P4 (baseline only) is there with NE (1.7 step 4)
    subjects = [("P1", "A"), ("P1", "B"), ("P2", "A"), ("P3", "A"), ("P4", "A"), ("P5", "A")]
    assert sorted(wide.index) == subjects
    assert list(wide.columns) == list(FOUR)  # one column per criterion, in the order asked for
    assert wide.loc[("P1", "A")].tolist() == ["PD", "irPR", "iPR", "PR"]  # hand-derived above
    assert wide.loc[("P1", "B")].tolist() == ["PR", "irPR", "iPR", "PR"]  # the other reader: PR everywhere
    assert wide.loc[("P2", "A")].tolist() == ["PD", "irPD", "iCPD", "PD"]
    assert wide.loc[("P3", "A")].tolist() == ["NE"] * 4
    assert wide.loc[("P4", "A")].tolist() == ["NE"] * 4


def test_compare_matrix_counts_and_off_diagonal_patients_spec_8(cohort):
    comparison = cohort.compare()
    matrix = comparison.matrices["irecist"]
    # RECIST rows x iRECIST columns, one block of rows per reader (each patient once per block, spec 8
    # counts patients): reader A PD -> iPR: P1, P5; PD -> iCPD: P2; NE -> NE: P3, P4; reader B PR -> iPR: P1
    assert matrix.index.names == ["reader", "recist11"]
    assert matrix.loc[("B", "PR"), "iPR"] == 1
    assert matrix.loc[("A", "PD"), "iPR"] == 2
    assert matrix.loc[("A", "PD"), "iCPD"] == 1
    assert matrix.loc[("A", "NE"), "NE"] == 2
    assert int(matrix.loc["A"].to_numpy().sum()) == 5  # reader A's five patients, once each
    assert int(matrix.loc["B"].to_numpy().sum()) == 1
    cells = comparison.cells
    irecist = cells[cells["criterion"] == "irecist"].set_index(["reader", "recist11_response", "response"])
    moved = irecist.loc[("A", "PD", "iPR")]
    assert bool(moved["reclassified"]) and moved["n"] == 2
    assert moved["patients"] == "P1, P5"  # the patients of the off-diagonal cell, on reader A's row
    # RECIST PD beside iCPD is the same category (spec 0.9 labels, 8): not a reclassification
    assert not bool(irecist.loc[("A", "PD", "iCPD"), "reclassified"])


def test_compare_patient_missing_under_one_criterion_counts_under_none():
    # Hand-built best-response table: P3 has no iRECIST row, P4 no RECIST row.
    best = pd.DataFrame(
        [("P1", "A", "recist11", "PD"), ("P1", "A", "irecist", "iUPD"),
         ("P1", "B", "recist11", "PD"), ("P1", "B", "irecist", "iPR"),
         ("P2", "A", "recist11", "PD"), ("P2", "A", "irecist", "iPR"),
         ("P3", "A", "recist11", "SD"), ("P4", "A", "irecist", "iSD"),
         ("P5", "A", "recist11", "NE"), ("P5", "A", "irecist", "NE")],
        columns=["patient_id", "reader", "criterion", "best_response"])
    comparison = compare(best)
    matrix = comparison.matrices["irecist"]  # one block of rows per reader: patients once each (spec 8)
    assert matrix.loc[("A", "PD"), "iPR"] == 1  # P2; P1 (A) is PD -> iUPD: readers apart
    assert matrix.loc[("B", "PD"), "iPR"] == 1  # P1 (B)
    assert matrix.loc[("A", "PD"), "iUPD"] == 1
    assert matrix.loc[("A", "SD"), "(none)"] == 1  # P3: no iRECIST result
    assert matrix.loc[("A", "(none)"), "iSD"] == 1  # P4: no RECIST result
    assert matrix.loc[("A", "NE"), "NE"] == 1
    assert int(matrix.to_numpy().sum()) == 6  # A: P1-P5, B: P1
    cells = comparison.cells.set_index(["reader", "recist11_response", "response"])
    assert cells.loc[("A", "PD", "iPR"), "patients"] == "P2"
    assert cells.loc[("B", "PD", "iPR"), "patients"] == "P1"
    assert cells.loc[("A", "SD", "(none)"), "patients"] == "P3"


# ---------------------------------------------------------------------------------------------------------
# CLI: assess -> compare round trip, --criteria all, bad OUTDIRs


def test_cli_assess_all_then_compare_round_trip(tmp_path):
    source = tmp_path / "lesions.csv"
    pd.DataFrame(_cohort()).to_csv(source, index=False)
    out = tmp_path / "out"
    ran = cli("assess", source, "--out", out, "--criteria", "all", "--no-patterns")
    assert ran.exit_code == 0, ran.output
    text = flat(ran)
    # --criteria all names what it skipped and why: no perpendicular_mm for irRC (spec 2.9), and the
    # metabolic criteria without a PET table
    assert "skipped irrc: input has no value in perpendicular_mm" in text
    assert "skipped percist:" in text
    shown = cli("compare", out)
    assert shown.exit_code == 0, shown.output
    # printed: the off-diagonal cell with its patients (issue text)
    assert "PD -> iPR: 2 (P1, P5)" in flat(shown)  # under reader A's matrix
    assert "recist11 (rows) vs irecist (columns), each criterion's own best response, reader A" in flat(shown)
    wide = pd.read_csv(out / "compare_wide.csv", dtype=str, keep_default_na=False)
    assert list(wide.columns) == ["patient_id", "reader", *FOUR]  # irRC skipped, metabolic skipped
    by_subject = wide.set_index(["patient_id", "reader"])
    assert by_subject.loc[("P1", "A")].tolist() == ["PD", "irPR", "iPR", "PR"]
    assert by_subject.loc[("P4", "A")].tolist() == ["NE"] * 4
    cells = pd.read_csv(out / "compare_reclassification.csv", keep_default_na=False)
    cell = cells[(cells["criterion"] == "irecist") & (cells["recist11_response"] == "PD")
                 & (cells["response"] == "iPR")]
    assert cell[["reader", "n", "patients"]].values.tolist() == [["A", 2, "P1, P5"]]


def test_cli_compare_empty_outdir_exits_2_located_subprocess(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run([sys.executable, "-m", "ioresponse", "compare", str(empty)], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 2  # README "Command line": bad input exits 2
    assert "Traceback" not in done.stderr + done.stdout
    assert str(empty) in done.stderr and "best_response" in done.stderr  # located: the folder and table


def _outdir_with(tmp_path, content: bytes):
    out = tmp_path / "out"
    out.mkdir()
    (out / "best_response.csv").write_bytes(content)
    return out


HEADER = ("patient_id,reader,criterion,best_response,best_response_confirmed,bor_day,first_response_day,"
          "progression_day,duration_of_response_days,pfs_event,pfs_day,reason\n")
GOOD_LINE = "P1,,recist11,PR,PR,56,56,,0,False,56,best response PR\n"


def test_cli_compare_ragged_best_response_csv_exits_2(tmp_path):
    out = _outdir_with(tmp_path, (HEADER + GOOD_LINE + GOOD_LINE.replace("P1", "P2").rstrip() + ",x,y\n")
                       .encode())
    result = cli("compare", out)
    assert result.exit_code == 2, repr(result.exception)  # README: exit code 2
    assert "best_response.csv" in flat(result)  # located: the file


def test_cli_compare_non_utf8_best_response_csv_exits_2(tmp_path):
    out = _outdir_with(tmp_path, (HEADER + GOOD_LINE.replace("P1", "Pé")).encode("latin-1"))
    result = cli("compare", out)
    assert result.exit_code == 2, repr(result.exception)  # README: exit code 2
    assert "best_response.csv" in flat(result)  # located: the file


# ---------------------------------------------------------------------------------------------------------
# Required columns per criterion (spec 0.1, 0.4, 2.9)


def test_irrc_nodal_targets_need_no_perpendicular_column_spec_2_9():
    # One nodal index lesion: 30 x 20 (short axis) = 600 mm2 at baseline, 15 x 10 = 150 mm2 on day 56:
    # (150 - 600) / 600 = -75% <= -50% -> irPR (irRC 2.6); short axis 10 mm is not < 10: not normal.
    rows = [row(-7, "T1", 20, node=True, organ="lymph node", long_axis_mm=30.0),
            row(56, "T1", 10, node=True, organ="lymph node", long_axis_mm=15.0)]
    result = assessed(rows, ("irrc",))
    tp = result.timepoints
    assert tp["current_sum"].tolist() == [150.0]  # 15 x 10 mm2
    assert tp["sum_unit"].tolist() == ["mm2"]
    assert tp["overall_response"].tolist() == ["irPR"]


# ---------------------------------------------------------------------------------------------------------
# Output columns (spec 0.9)

TIMEPOINT_SPEC = [
    "patient_id", "criterion", "date", "day", "baseline_sum", "nadir_sum", "current_sum", "sum_unit",
    "sum_complete", "pct_change_baseline", "pct_change_nadir", "abs_change_nadir", "target_sum",
    "new_lesion_sum", "target_response", "non_target_response", "new_lesion_response", "overall_response",
    "confirmation_state", "progression_day", "after_progression", "clinical_status", "flags", "reason",
]
BEST_SPEC = [
    "patient_id", "criterion", "best_response", "best_response_confirmed", "bor_day", "first_response_day",
    "progression_day", "duration_of_response_days", "pfs_event", "pfs_day", "reason",
]


def test_output_columns_and_current_sum_meaning_spec_0_9(cohort):
    assert set(TIMEPOINT_SPEC) <= set(cohort.timepoints.columns)
    assert set(BEST_SPEC) <= set(cohort.best_response.columns)
    tp = cohort.timepoints
    day56 = tp[(tp["patient_id"] == "P1") & (tp["reader"] == "A") & (tp["day"] == 56)].set_index("criterion")
    # current_sum drives the criterion (0.9): RECIST and iRECIST targets 48 mm (iRECIST keeps the 12 mm
    # new-lesion target in new_lesion_sum); irRECIST TMTB and imRECIST targets + new = 48 + 12 = 60 mm
    assert day56.loc["recist11", "current_sum"] == 48.0
    assert day56.loc["irecist", "current_sum"] == 48.0
    assert day56.loc["irecist", "new_lesion_sum"] == 12.0
    assert day56.loc["irrecist", "current_sum"] == 60.0
    assert day56.loc["imrecist", "current_sum"] == 60.0
    # (60 - 50) / 50 = +20% vs nadir 50, +10 mm
    assert day56.loc["imrecist", "pct_change_nadir"] == pytest.approx(20.0)
    assert day56.loc["imrecist", "abs_change_nadir"] == 10.0
    states = {"not_required", "pending", "confirmed", "not_confirmed", "confirms"}
    assert set(tp["confirmation_state"]) <= states


def test_target_sum_same_for_the_same_targets_across_criteria_spec_8():
    rows = [row(-7, "T1", 50), row(-7, "T2", 20, organ="lung"), row(56, "T1", 40),
            row(56, "T2", organ="lung", status="not_evaluable"),
            row(-7, "T1", 50, patient="P2"), row(56, "T1", patient="P2", status="not_evaluable")]
    tp = assessed(rows, FOUR).timepoints
    for patient in ("P1", "P2"):
        values = tp.loc[tp["patient_id"] == patient, "target_sum"].tolist()
        # one measurement rule for the four (spec 8): one value, whatever it is (both NaN counts as one)
        assert len({"NaN" if (isinstance(v, float) and math.isnan(v)) else v for v in values}) == 1, values


# ---------------------------------------------------------------------------------------------------------
# Dates: iUPD / iCPD, pending progressions (spec 0.8, 2.7, 3.7, 4.7, 5.7; patterns.md 7.4)


def test_irecist_reset_then_second_episode_dates_spec_4_7():
    # T1 50 -> 62 (day 56: +24%, +12 mm vs nadir 50: iUPD) -> 30 (day 112: -40%: iPR, reset)
    # -> 40 (day 168: +33.33%, +10 mm vs nadir 30: iUPD again) -> 46 (day 224: +6 mm vs 40 at iUPD: iCPD)
    rows = [row(-7, "T1", 50), row(56, "T1", 62), row(112, "T1", 30), row(168, "T1", 40), row(224, "T1", 46)]
    result = assessed(rows, ("recist11", "irecist"))
    ir = best_of(result, "irecist")
    assert ir["best_response"] == "iPR"  # 4.7 rule 2: an iPR after a reset iUPD counts
    assert ir["progression_day"] == 168  # 4.7: iupd_day of the episode that ended in iCPD, not the reset 56
    assert bool(ir["pfs_event"]) and ir["pfs_day"] == 168  # patterns 7.4: the iUPD later confirmed
    assert ir["iupd_day"] == 168 and ir["icpd_day"] == 224
    assert ir["first_response_day"] == 112 and ir["duration_of_response_days"] == 56  # 168 - 112
    assert "iBOR iPR" in ir["reason"]
    recist = best_of(result, "recist11")
    assert recist["progression_day"] == 56 and recist["best_response"] == "PD"  # RECIST: first PD


def test_unconfirmed_progression_at_end_is_pfs_event_irecist_4_7_imrecist_5_7():
    rows = [row(-7, "T1", 50), row(56, "T1", 62), row(112, "T1", status="not_evaluable")]
    ir = best_of(assessed(rows, ("irecist",)), "irecist")
    assert ir["best_response"] == "iUPD"  # 4.7 rule 6 (Table 3: iUPD followed only by NE)
    assert bool(ir["pfs_event"]) and ir["pfs_day"] == 56  # unconfirmed_iupd_pfs = "event" at iupd_day
    assert math.isnan(ir["progression_day"])  # no iCPD: not a progression date (4.7)
    # imRECIST: T1 50 -> 30 (PR, day 56) -> 50 mm (day 112): +66.67%, +20 mm vs nadir 30: PD pending at
    # the end of data, "an event at its day" (5.7, unconfirmed_pd_as = "pd")
    im = best_of(assessed([row(-7, "T1", 50), row(56, "T1", 30), row(112, "T1", 50)], ("imrecist",)),
                 "imrecist")
    assert im["best_response"] == "PR" and bool(im["pfs_event"]) and im["pfs_day"] == 112


@pytest.mark.parametrize("criterion", ["irrecist", "imrecist"])
def test_pending_pd_has_no_progression_day_spec_0_8(criterion):
    # T1 50 -> 30 (PR, day 56) -> 50 mm (day 112): +66.67% and +20 mm vs nadir 30 -> PD pending, no later scan
    result = assessed([row(-7, "T1", 50), row(56, "T1", 30), row(112, "T1", 50)], (criterion,))
    tp = result.timepoints.set_index("day")
    assert tp.loc[112, "confirmation_state"] == "pending"
    assert math.isnan(best_of(result, criterion)["progression_day"])  # never confirmed: no progression date


def test_irrecist_pending_irpd_is_not_a_pfs_event_patterns_7_4():
    # T1 50 -> 30 (irPR, day 56) -> 50 mm (day 112): irPD pending, no later assessment
    ir = best_of(assessed([row(-7, "T1", 50), row(56, "T1", 30), row(112, "T1", 50)], ("irrecist",)),
                 "irrecist")
    assert ir["best_response"] == "irPR"  # 3.7
    assert not bool(ir["pfs_event"])  # 7.4: not confirmed -> censored
    assert ir["pfs_day"] == 112  # censored at the last adequate assessment


def test_after_progression_and_best_response_window_spec_0_9_and_8():
    # T1 50 -> 70 (day 56: +40%, +20 mm vs nadir 50) -> 72 (day 70, 14 days later: decides nothing)
    # -> 80 (day 112, 56 days later: +60% vs nadir 50 confirms; iRECIST +10 mm vs 70 at iUPD: iCPD)
    # -> 20 mm (day 168: -60% vs baseline, a response after the confirmed progression).
    rows = [row(-7, "T1", 50), row(56, "T1", 70), row(70, "T1", 72), row(112, "T1", 80), row(168, "T1", 20)]
    result = assessed(rows, ("recist11", "irrecist", "irecist", "imrecist"))
    tp = result.timepoints
    after = {c: dict(zip(g["day"], g["after_progression"], strict=True)) for c, g in tp.groupby("criterion")}
    # 2.8: rows between the pending irPD and its confirmation are after_progression once it is confirmed
    assert after["irrecist"] == {56: False, 70: True, 112: True, 168: True}
    # 0.9: for iRECIST only rows after the iCPD are after_progression
    assert after["irecist"] == {56: False, 70: False, 112: False, 168: True}
    irrecist = tp[tp["criterion"] == "irrecist"].set_index("day")["confirmation_state"]
    assert irrecist[56] == "confirmed" and irrecist[112] == "confirms"
    # spec 8 "Best response window": RECIST up to the first PD; irRECIST up to the confirmed irPD;
    # iRECIST never after an iCPD; imRECIST every assessment (bor_scope = "all", 5.7) -> PR on day 168
    best = {c: best_of(result, c)["best_response"] for c in ("recist11", "irrecist", "irecist", "imrecist")}
    assert best == {"recist11": "PD", "irrecist": "irPD", "irecist": "iCPD", "imrecist": "PR"}
    imrecist = best_of(result, "imrecist")
    # imRECIST: progression day 56 (first PD of the confirmed pair); the PR of day 168 has no progression
    # after it: duration of response censored at the last evaluable assessment, 168 - 168 = 0 (5.7)
    assert imrecist["progression_day"] == 56 and imrecist["duration_of_response_days"] == 0


def test_required_columns_per_criterion_spec_1_9_and_2_9():
    # Non-nodal targets without a short_axis_mm column: RECIST 1.1 needs only long_axis_mm (1.9).
    # 50 -> 30 mm = -40%: PR under the four unidimensional criteria; irRC skipped for perpendicular_mm.
    rows = [row(-7, "T1", 50), row(56, "T1", 30)]
    for r in rows:
        del r["short_axis_mm"]
    result = assessed(rows, "all")
    assert set(result.best_response["criterion"]) == set(FOUR)
    assert result.skipped["irrc"] == "input has no value in perpendicular_mm"
    # Nodal targets without a long_axis_mm column: the short axis is the value (0.4); 20 -> 12 mm = -40%
    # (12 >= 10 mm: not normal, no CR) -> PR; irRC also needs the long axis of a node (2.9), whose short axis
    # stands in for the perpendicular (0.1), so only long_axis_mm is missing.
    node = dict(node=True, organ="lymph node")
    nodes = [row(-7, "T1", 20, **node), row(56, "T1", 12, **node)]
    for r in nodes:
        del r["long_axis_mm"]
    result = assessed(nodes, "all")
    best = result.best_response.set_index("criterion")["best_response"].to_dict()
    assert best == {"recist11": "PR", "irrecist": "irPR", "irecist": "iPR", "imrecist": "PR"}
    assert result.skipped["irrc"] == "input has no value in long_axis_mm"


# ---------------------------------------------------------------------------------------------------------
# Reason sentences (spec 0.10, 1.8.2)


def test_reason_recist_numbers_rule_and_section_spec_0_10():
    # 22 -> 18 -> 22 mm: (22 - 18) / 18 = +22.22% but +4 mm (< 5 mm): not PD; +0.00% vs baseline 22: SD
    text = reasons(assessed([row(-7, "T1", 22), row(56, "T1", 18), row(112, "T1", 22)], ("recist11",)),
                   "recist11")[112]
    assert "target sum 22 mm is +22.22% but only +4 mm vs nadir 18 mm (<5 mm): not PD" in text
    assert "+0.00% vs baseline 22 mm" in text and "RECIST 1.1 sec. 4.3.1" in text
    # T1 30 + T2 20 + T3 15 = 65 mm; day 56: T1 45, T2 34, T3 not evaluable: 79 >= 78 = 1.2 x 65, +14 mm
    rows = [row(-7, "T1", 30), row(-7, "T2", 20, organ="lung"), row(-7, "T3", 15, organ="kidney"),
            row(56, "T1", 45), row(56, "T2", 34, organ="lung"),
            row(56, "T3", organ="kidney", status="not_evaluable")]
    text = reasons(assessed(rows, ("recist11",)), "recist11")[56]
    for fragment in ("lesion T3 not evaluable", "79 mm >= 78 mm", "+14 mm", "PD", "RECIST 1.1 sec. 4.4.2"):
        assert fragment in text, (fragment, text)


def test_reason_irrc_burden_pending_spec_0_10():
    # 30 x 20 = 600 mm2 -> 45.7 x 20 = 914 mm2: +52.33% vs nadir 600 (>= 25%): irPD pending
    rows = [row(-7, "T1", 30, perpendicular_mm=20.0), row(56, "T1", 45.7, perpendicular_mm=20.0)]
    result = assessed(rows, ("irrc",))
    assert result.timepoints["sum_unit"].tolist() == ["mm2"]  # spec 0.9: irRC sums are products
    text = reasons(result, "irrc")[56]
    for fragment in ("tumour burden 914 mm2 is +52.33%", "vs nadir 600 mm2", "(>=25%)", "irPD",
                     "pending confirmation >=28 days", "Wolchok 2009"):
        assert fragment in text, (fragment, text)


def test_reason_irecist_icpd_from_new_lesion_targets_spec_0_10():
    # new-lesion target 22 mm on day 112 (iUPD), 27 mm on day 168: +5 mm vs 22 at iUPD (>= 5 mm): iCPD
    rows = [row(-7, "T1", 50), row(56, "T1", 50), row(112, "T1", 50), row(112, "U1", 22, organ="lung"),
            row(168, "T1", 50), row(168, "U1", 27, organ="lung")]
    result = assessed(rows, ("irecist",))
    text = reasons(result, "irecist")[168]
    for fragment in ("new-lesion target sum 27 mm is +5 mm vs 22 mm at iUPD", "(>=5 mm)", "iCPD",
                     "progression dated day 112", "iRECIST Table 2"):
        assert fragment in text, (fragment, text)
    ir = best_of(result, "irecist")
    assert ir["progression_day"] == 112 and ir["icpd_day"] == 168  # 4.7 dates


def test_reason_irecist_reset_names_the_iupd_the_numbers_and_the_section(cohort):
    # Issue text: "iUPD at day 84 not confirmed: next assessment day 140 shows target sum -35% vs
    # baseline -> iPR; iUPD reset (iRECIST sec. ...)". P1 reader A: iUPD on day 56; day 112 is 56 days
    # later, target sum 30 mm = (30 - 50) / 50 = -40.00% vs baseline 50 -> iPR, reset (4.6).
    tp = cohort.timepoints
    mine = tp[(tp["criterion"] == "irecist") & (tp["patient_id"] == "P1") & (tp["reader"] == "A")]
    text = dict(zip(mine["day"], mine["reason"], strict=True))[112]
    for fragment in ("target sum 30 mm is -40.00% vs baseline 50 mm", "iUPD of day 56 not confirmed",
                     "iPR", "iUPD reset", "spec 4.6"):
        assert fragment in text, (fragment, text)
    flags = dict(zip(mine["day"], mine["flags"], strict=True))
    assert "iupd_reset" in flags[112]


def test_reason_equivocal_new_lesion_back_dated_spec_1_8_2():
    # PR on day 56 (30 mm, -40%) with an equivocal new lesion, unequivocal on day 112: PD dated day 56
    rows = [row(-7, "T1", 50), row(56, "T1", 30), row(56, "U1", 8, organ="lung", equivocal=True),
            row(112, "T1", 30), row(112, "U1", 15, organ="lung", equivocal=False)]
    result = assessed(rows, ("recist11",))
    assert "equivocal new lesion U1 first seen on day 56, confirmed on day 112: PD dated day 56" in \
        reasons(result, "recist11")[56]
    best = best_of(result, "recist11")
    assert best["best_response"] == "PD" and best["progression_day"] == 56  # 1.7 scope up to the first PD
