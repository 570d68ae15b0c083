"""``measurable_disease`` on the anatomic best-response rows, and the ORR denominator that reads it.

A patient has measurable disease at baseline when a target (irRC: an index lesion) is present and
measurable at baseline: RECIST 1.1 sec. 3.1 (spec/anatomic.md 1.2): a lesion >= 10 mm, a node >= 15 mm in
short axis; irRC (spec 2.2): both diameters >= 5 mm. ``on_baseline_violation="warn"`` keeps targets that
break the rule, so the baseline sum alone (> 0) no longer says it; the ``measurable_at_baseline``
population of the response rates (spec/patterns.md 7) leaves such a patient out.

Every expected value is read from those sections by hand, written beside its assertion.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from assessed import row

import ioresponse
from ioresponse.cohort import response_rates

ANATOMIC = ("recist11", "irrc", "irrecist", "irecist", "imrecist")


def assessed(rows, criteria=ANATOMIC) -> ioresponse.Result:
    table = pd.DataFrame(rows)
    table["perpendicular_mm"] = table["long_axis_mm"]  # square lesions: the irRC product is long axis ** 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ioresponse.assess(table, criteria=criteria, on_baseline_violation="warn", patterns=False)


def measurable(result: ioresponse.Result) -> dict[tuple[str, str], bool]:
    best = result.best_response
    return {(p, c): bool(m) for p, c, m in zip(best["patient_id"], best["criterion"],
                                               best["measurable_disease"], strict=True)}


def small_baseline(patient="P1"):
    """Two targets below the RECIST size (8 mm lesion; node of short axis 12 mm, long axis 14 mm)."""
    return [row(-7, "T1", 8, patient=patient), row(-7, "T2", 12, node=True, organ="lymph node",
                                                   long_axis_mm=14.0, patient=patient),
            row(56, "T1", 4, patient=patient), row(56, "T2", 8, node=True, organ="lymph node",
                                                   long_axis_mm=10.0, patient=patient)]


@pytest.mark.parametrize("criterion", ["recist11", "irrecist", "irecist", "imrecist"])
def test_recist_sec_3_1_targets_all_below_measurable_size_are_no_measurable_disease(criterion):
    # 8 mm < 10 mm and a node of 12 mm < 15 mm: neither is measurable (sec. 3.1), though the sum is 20 mm
    best = assessed(small_baseline(), (criterion,)).best_response
    assert best["baseline_sum"].iloc[0] == 20.0  # 8 + 12: the kept targets are still summed
    assert not best["measurable_disease"].iloc[0]


def test_irrc_spec_2_2_five_by_five_mm_is_measurable():
    # irRC index lesions need both diameters >= 5 mm (spec 2.2): 8 x 8 mm and a 14 x 12 mm node qualify
    assert measurable(assessed(small_baseline(), ("irrc",))) == {("P1", "irrc"): True}


def test_one_measurable_target_makes_measurable_disease():
    # an 8 mm target beside a 25 mm one: the 25 mm target is measurable (>= 10 mm, sec. 3.1)
    rows = [row(-7, "T1", 8), row(-7, "T2", 25, organ="lung"), row(56, "T1", 8),
            row(56, "T2", 25, organ="lung")]
    assert set(measurable(assessed(rows)).values()) == {True}


def test_target_not_measured_at_baseline_beside_a_too_small_one_is_no_measurable_disease():
    # T1 not evaluable at baseline (not measured, sec. 3.1), T2 4 mm (< 10 mm; < 5 x 5 mm for irRC): no
    # target or index lesion is present and measurable under any of the five criteria
    rows = [row(-7, "T1", status="not_evaluable"), row(-7, "T2", 4, organ="lung"), row(56, "T1", 20),
            row(56, "T2", 4, organ="lung")]
    assert set(measurable(assessed(rows)).values()) == {False}


def test_non_target_only_and_no_follow_up_patients():
    # P2: non-target disease only (no target: sec. 3.1, no measurable disease); P3: one 30 mm target and
    # no follow-up (measurable, its row written from the baseline scan)
    rows = [row(-7, "N1", patient="P2"), row(56, "N1", patient="P2"), row(-7, "T1", 30, patient="P3")]
    flags = measurable(assessed(rows))
    assert {c: flags[("P2", c)] for c in ANATOMIC} == dict.fromkeys(ANATOMIC, False)
    assert {c: flags[("P3", c)] for c in ANATOMIC} == dict.fromkeys(ANATOMIC, True)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_patterns_7_denominator_reads_measurable_disease_after_a_round_trip(tmp_path, suffix):
    # P1 small targets, "PR" (8 -> 4 mm, 12 -> 8 mm: -40 %); P2 30 mm -> 18 mm (-40 %, PR). Measurable at
    # baseline under RECIST 1.1: P2 only -> n 1, excluded 1, responders 1 (P2); the same read back from
    # the written best-response table (the column comes back as text "True"/"False" from CSV)
    rows = [*small_baseline(), row(-7, "T1", 30, patient="P2"), row(56, "T1", 18, patient="P2")]
    best = assessed(rows, ("recist11",)).best_response
    path = tmp_path / f"best_response.{suffix}"
    best.to_csv(path, index=False) if suffix == "csv" else best.to_parquet(path)
    back = pd.read_csv(path) if suffix == "csv" else pd.read_parquet(path)
    for table in (best, back):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rate = response_rates(table).iloc[0]
        assert (int(rate["n"]), int(rate["excluded"]), int(rate["responders"])) == (1, 1, 1)
