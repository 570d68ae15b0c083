"""Rules of EORTC 1999 and PERCIST 1.0 against spec/metabolic.md sections 1, 3.3, 4 and 5.

Rules not pinned by test_eortc.py / test_percist.py: boundaries that only hold after the 6-decimal
rounding of spec 1.5, precedence between categories (1.7), NE conditions, resolved lesions,
non-target lesions, best-response walks, multi-patient and multi-reader tables, quality checks and
the PERCIST confirmation advisory. Every expected value is computed by hand from the spec text.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ioresponse.criteria import Study
from ioresponse.criteria.eortc import CRITERION as EORTC
from ioresponse.criteria.percist import CRITERION as PERCIST


def pet(lesions, scans, metric, patient="P1", reader=None):
    """Long PET table (spec 1.1) from (lesion_id, role, organ, {day: value or {column: value}}) rows.

    ``scans`` holds the per-scan columns by day; a bare value goes into the ``metric`` column.
    """
    rows = []
    for lesion_id, role, organ, values in lesions:
        for day, value in values.items():
            row = {"patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role, "organ": organ}
            if reader is not None:
                row["reader"] = reader
            row |= value if isinstance(value, dict) else {metric: value}
            rows.append(row | scans[day])
    return pd.DataFrame(rows)


def cycles(**by_day):
    """EORTC per-scan columns: ``cycles(d_3=0, d42=2)`` -> {-3: {cycles_before_scan: 0}, 42: {...}}."""
    return {int(k[1:].replace("_", "-")): {"cycles_before_scan": v} for k, v in by_day.items()}


def eortc(frame, **options):
    return EORTC.assess(Study(pet=frame), **options)


def percist(frame, **options):
    return PERCIST.assess(Study(pet=frame), **options)


def rows_of(result, patient="P1"):
    frame = result.timepoints
    return frame[frame["patient_id"] == patient].reset_index(drop=True)


def best_of(result, patient="P1", reader=None):
    frame = result.best_response
    frame = frame[frame["patient_id"] == patient]
    if reader is not None:
        frame = frame[frame["reader"] == reader]
    return frame.iloc[0]


# ============================================================== EORTC 1999 (spec section 4)


def test_eortc_4_5_and_1_5_boundaries_hold_after_rounding_three_patients_in_one_table():
    # spec 4.5 + 1.5 (rounding before comparing), one table with three patients (1.2: per patient).
    # PA: 5.6 -> 7.0 after 2 cycles: (7.0 - 5.6) / 5.6 = 0.25000000000000006 raw, 0.25 rounded;
    #     PMD needs > 0.25: fails; exactly +25% is SMD (4.5, A5).
    # PB: 3.2 -> 2.4 after 2 cycles: raw -0.25000000000000006, rounded -0.25; PMR after more than one
    #     cycle needs < -0.25: fails; -0.25 lies in the gap: SMD (A6).
    # PC: 2.4 -> 2.04 after 1 cycle: raw -0.14999999999999997, rounded -0.15; PMR needs <= -0.15: PMR.
    scans = cycles(d_3=0, d42=2)
    frames = [
        pet([("T1", "target", "lung", {-3: 5.6, 42: 7.0})], scans, "suvmax", "PA"),
        pet([("T1", "target", "lung", {-3: 3.2, 42: 2.4})], scans, "suvmax", "PB"),
        pet([("T1", "target", "lung", {-3: 2.4, 42: 2.04})], cycles(d_3=0, d42=1), "suvmax", "PC"),
    ]
    result = eortc(pd.concat(frames, ignore_index=True))
    pa, pb, pc = (rows_of(result, p).iloc[0] for p in ("PA", "PB", "PC"))
    assert pa["rel_change"] == 0.25 and pa["overall_response"] == "SMD"
    assert pb["rel_change"] == -0.25 and pb["overall_response"] == "SMD"
    assert pc["rel_change"] == -0.15 and pc["overall_response"] == "PMR"
    assert [best_of(result, p)["best_response"] for p in ("PA", "PB", "PC")] == ["SMD", "SMD", "PMR"]


def test_eortc_4_5_A7_extent_exactly_20_percent_after_rounding_is_not_pmd_and_21_percent_is():
    # spec 4.5 extent rule d_fu / d_bl - 1 > 0.20 (strict, A7), ratio rounded (1.5).
    # 9.0 -> 10.8 mm: 10.8 / 9.0 - 1 = 0.20000000000000018 raw, 0.2 rounded: not > 0.20; SUV 8.0 -> 8.0
    # (rel 0): SMD. 9.0 -> 10.9 mm: +21.1% > 20%: PMD.
    scans = cycles(d_3=0, d42=2)

    def frame(diameter):
        return pet(
            [
                (
                    "T1",
                    "target",
                    "lung",
                    {
                        -3: {"suvmax": 8.0, "functional_diameter_mm": 9.0},
                        42: {"suvmax": 8.0, "functional_diameter_mm": diameter},
                    },
                )
            ],
            scans,
            "suvmax",
        )

    assert rows_of(eortc(frame(10.8)))["overall_response"].tolist() == ["SMD"]
    row = rows_of(eortc(frame(10.9))).iloc[0]
    assert row["overall_response"] == "PMD" and "T1 FDG-avid extent" in row["reason"]


def test_eortc_4_5_cmr_needs_every_baseline_lesion_including_non_targets_absent():
    # spec 4.5 CMR: "every baseline lesion resolved (status = absent)". Both targets absent but the
    # non-target N still present: not CMR. Tracked sum 12.0 -> 0 (resolved = 0, 4.2): rel = -1.0,
    # after 1 cycle <= -0.15: PMR.
    scans = cycles(d_3=0, d21=1)
    lesions = [
        ("T1", "target", "lung", {-3: 8.0, 21: {"status": "absent"}}),
        ("T2", "target", "lymph node", {-3: 4.0, 21: {"status": "absent"}}),
        ("NT", "non_target", "bone", {-3: 3.0, 21: 3.0}),
    ]
    row = rows_of(eortc(pet(lesions, scans, "suvmax"))).iloc[0]
    assert row["overall_response"] == "PMR"
    assert row["current_sum"] == 0.0 and row["rel_change"] == -1.0


def test_eortc_1_7_new_lesion_takes_precedence_over_cmr():
    # spec 1.7 order PMD before CMR; 4.5 CMR needs "no new lesion"; 4.6 any new lesion is PMD.
    scans = cycles(d_3=0, d42=2)
    lesions = [
        ("T1", "target", "lung", {-3: 8.0, 42: {"status": "absent"}}),
        ("N1", "new", "liver", {42: 2.0}),
    ]
    row = rows_of(eortc(pet(lesions, scans, "suvmax"))).iloc[0]
    assert row["overall_response"] == "PMD" and row["new_lesion_count"] == 1
    assert "N1" in row["reason"] and "EORTC 1999" in row["reason"]


def test_eortc_4_2_resolved_lesion_contributes_zero_to_the_sum():
    # spec 4.2 / 1.3: T1 8.0 -> absent (0), T2 4.0 -> 4.4: sum 12.0 -> 4.4, rel = -7.6 / 12.0 = -0.633333;
    # after 2 cycles < -0.25: PMR (T2 still present: not CMR).
    scans = cycles(d_3=0, d42=2)
    lesions = [
        ("T1", "target", "lung", {-3: 8.0, 42: {"status": "absent"}}),
        ("T2", "target", "lymph node", {-3: 4.0, 42: 4.4}),
    ]
    row = rows_of(eortc(pet(lesions, scans, "suvmax"))).iloc[0]
    assert row["current_sum"] == pytest.approx(4.4)
    assert row["rel_change"] == pytest.approx(-0.633333)
    assert row["overall_response"] == "PMR"


def test_eortc_4_7_zero_cycles_and_not_evaluable_tracked_lesion_make_the_scan_ne():
    # spec 4.7: cycles_before_scan < 1 on a follow-up -> NE; a tracked lesion with status = not_evaluable
    # (1.3: treated as a missing value) -> NE even though a number is given.
    scans = cycles(d_3=0, d42=0, d84=2)
    lesions = [
        ("T1", "target", "lung", {-3: 8.0, 42: 5.0, 84: {"suvmax": 5.0, "status": "not_evaluable"}}),
        ("T2", "target", "bone", {-3: 4.0, 42: 3.0, 84: 3.0}),
    ]
    result = eortc(pet(lesions, scans, "suvmax"))
    assert rows_of(result)["overall_response"].tolist() == ["NE", "NE"]
    assert all("EORTC 1999" in reason for reason in rows_of(result)["reason"])
    assert "T1" in rows_of(result).iloc[1]["reason"]
    assert best_of(result)["best_response"] == "NE" and not best_of(result)["pfs_event"]


def test_eortc_4_5_A10_unequivocal_progression_of_a_non_target_lesion_is_pmd():
    # spec 4.5 PMD: "any baseline lesion flagged unequivocal_progression" (not only tracked targets).
    # Targets alone: 8.0 -> 5.0 after 2 cycles, -37.5% (PMR level); the non-target flag wins (1.7).
    scans = cycles(d_3=0, d42=2)
    lesions = [
        ("T1", "target", "lung", {-3: 8.0, 42: 5.0}),
        ("NT", "non_target", "bone", {-3: 3.0, 42: {"suvmax": 3.0, "status": "unequivocal_progression"}}),
    ]
    row = rows_of(eortc(pet(lesions, scans, "suvmax"))).iloc[0]
    assert row["overall_response"] == "PMD" and "NT" in row["reason"]


def test_eortc_4_3_zero_baseline_uptake_is_ne_but_a_new_lesion_gives_pmd():
    # spec 4.3: baseline sum 0 -> every follow-up NE ("no measurable baseline uptake"), except PMD by
    # new lesion (4.7). Also 1.5: reference value 0 makes rel undefined.
    scans = cycles(d_3=0, d42=2)
    base = [("T1", "target", "lung", {-3: 0.0, 42: 1.0})]
    row = rows_of(eortc(pet(base, scans, "suvmax"))).iloc[0]
    assert row["overall_response"] == "NE" and "no measurable baseline uptake" in row["reason"]
    with_new = pet([*base, ("N1", "new", "liver", {42: 4.0})], scans, "suvmax")
    assert rows_of(eortc(with_new))["overall_response"].tolist() == ["PMD"]


def test_eortc_4_9_best_response_skips_ne_stops_at_first_pmd_and_flags_later_scans():
    # spec 4.9 / 1.7. Baseline 10.0. Day 21 c missing -> NE (4.7). Day 42 c=2: 9.0, -10% -> SMD.
    # Day 84 c=4: 13.0, +30% > 25% -> PMD. Day 126 c=6: 5.0, -50% -> PMR but after progression.
    # Best = SMD (day 42), progression day 84, only day 126 flagged after_progression.
    scans = {
        -3: {"cycles_before_scan": 0},
        21: {"cycles_before_scan": math.nan},
        42: {"cycles_before_scan": 2},
        84: {"cycles_before_scan": 4},
        126: {"cycles_before_scan": 6},
    }
    lesions = [("T1", "target", "lung", {-3: 10.0, 21: 7.0, 42: 9.0, 84: 13.0, 126: 5.0})]
    result = eortc(pet(lesions, scans, "suvmax"))
    rows = rows_of(result)
    assert rows["overall_response"].tolist() == ["NE", "SMD", "PMD", "PMR"]
    assert rows["after_progression"].tolist() == [False, False, False, True]
    assert (rows["confirmation_state"] == "not_required").all()
    best = best_of(result)
    assert best["best_response"] == "SMD" and best["bor_day"] == 42
    assert best["best_response_confirmed"] == "SMD"
    assert best["progression_day"] == 84 and best["pfs_event"]


def test_eortc_4_9_first_evaluable_follow_up_pmd_is_the_best_response():
    # spec 4.9: "PMD if the first evaluable follow-up is PMD". Day 21 NE (cycles 0), day 42 new lesion.
    scans = cycles(d_3=0, d21=0, d42=2)
    lesions = [("T1", "target", "lung", {-3: 8.0, 21: 6.0, 42: 6.0}), ("N1", "new", "bone", {42: 3.0})]
    result = eortc(pet(lesions, scans, "suvmax"))
    assert rows_of(result)["overall_response"].tolist() == ["NE", "PMD"]
    assert best_of(result)["best_response"] == "PMD" and best_of(result)["progression_day"] == 42


def test_eortc_4_7_A9_uptake_difference_of_exactly_15_minutes_gives_no_note():
    # spec 4.7 / A9: the note is for a difference of "more than 15 minutes": 60 -> 75 no note, 60 -> 76 note.
    def frame(uptake):
        scans = {
            -3: {"cycles_before_scan": 0, "uptake_min": 60},
            42: {"cycles_before_scan": 2, "uptake_min": uptake},
        }
        return pet([("T1", "target", "lung", {-3: 8.0, 42: 5.0})], scans, "suvmax")

    assert "uptake" not in rows_of(eortc(frame(75))).iloc[0]["reason"]
    assert "uptake" in rows_of(eortc(frame(76))).iloc[0]["reason"]
    assert rows_of(eortc(frame(76))).iloc[0]["overall_response"] == "PMR"  # warning only


def test_eortc_1_2_baseline_is_the_latest_scan_on_or_before_day_0():
    # spec 1.2: scans day -20 and day 0; baseline = day 0 (sum 10.0), day -20 ignored: pre-baseline.
    # Day 42 (c=2): 7.0, -30% < -25%: PMR. Against day -20 (20.0) it would be -65%; against nothing, NE.
    scans = cycles(d_20=0, d0=0, d42=2)
    lesions = [("T1", "target", "lung", {-20: 20.0, 0: 10.0, 42: 7.0})]
    result = eortc(pet(lesions, scans, "suvmax"))
    row = rows_of(result).iloc[0]
    assert rows_of(result)["day"].tolist() == [42]
    assert row["reference_day"] == 0 and row["baseline_sum"] == 10.0
    assert row["rel_change"] == pytest.approx(-0.3) and row["overall_response"] == "PMR"
    assert "pre-baseline" in best_of(result)["reason"]


def test_eortc_3_3_consensus_window_interim_after_two_or_three_cycles():
    # spec 3.3: interim when cycles_before_scan in {2, 3}, else other (no treatment_end given).
    scans = cycles(d_3=0, d21=1, d42=2, d63=3, d84=4)
    lesions = [("T1", "target", "lung", {-3: 8.0, 21: 8.0, 42: 8.0, 63: 8.0, 84: 8.0})]
    rows = rows_of(eortc(pet(lesions, scans, "suvmax")))
    assert rows["consensus_window"].tolist() == ["other", "interim", "interim", "other"]


def test_eortc_multi_reader_table_is_assessed_per_reader():
    # spec 1.2 / 1.6: one patient read by two readers; each reading is assessed on its own.
    # Reader A: 8.0 -> 5.0 after 2 cycles (-37.5%): PMR. Reader B: 8.0 -> 10.5 (+31.25%): PMD.
    scans = cycles(d_3=0, d42=2)
    frame = pd.concat(
        [
            pet([("T1", "target", "lung", {-3: 8.0, 42: 5.0})], scans, "suvmax", reader="A"),
            pet([("T1", "target", "lung", {-3: 8.0, 42: 10.5})], scans, "suvmax", reader="B"),
        ],
        ignore_index=True,
    )
    result = eortc(frame)
    tp = result.timepoints.set_index("reader")
    assert tp.loc["A", "overall_response"] == "PMR" and tp.loc["B", "overall_response"] == "PMD"
    assert best_of(result, reader="A")["best_response"] == "PMR"
    assert best_of(result, reader="B")["best_response"] == "PMD"


# ============================================================== PERCIST 1.0 (spec section 5)

LIVER = {
    -5: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
    56: {"uptake_min": 62, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
    84: {"uptake_min": 60, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
    112: {"uptake_min": 61, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
}
"""spec 5.11 defaults: liver 2.0 / 0.25 at baseline (T = 3.5), 2.1 / 0.25 later (+5%, +0.1: QC passes)."""


def percist_row(lesions, scans=LIVER, day=56, **options):
    rows = rows_of(percist(pet(lesions, scans, "sulpeak"), **options))
    return rows[rows["day"] == day].iloc[0]


def test_percist_5_5_A1_pmd_absolute_exactly_0_8_is_not_more_than_0_8():
    # spec 5.5 (a): rel > 0.30 AND abs > 0.8 (strict, A1). Liver 1.2 / 0.1: T = 1.8 + 0.2 = 2.0.
    # 2.4 -> 3.2: rel = 0.333333 (> 0.30) but abs = 0.8000000000000003 raw, 0.8 rounded: not > 0.8: SMD.
    # With percist_pmd_inclusive (>= both): PMD.
    scans = {
        -5: {"uptake_min": 60, "liver_sul_mean": 1.2, "liver_sul_sd": 0.1},
        56: {"uptake_min": 62, "liver_sul_mean": 1.25, "liver_sul_sd": 0.1},
    }
    lesions = [("L1", "target", "lung", {-5: 2.4, 56: 3.2})]
    row = percist_row(lesions, scans)
    assert row["abs_change"] == 0.8 and row["rel_change"] == pytest.approx(0.333333)
    assert row["overall_response"] == "SMD"
    assert percist_row(lesions, scans, percist_pmd_inclusive=True)["overall_response"] == "PMD"


def test_percist_5_2_hottest_lesion_is_taken_among_non_target_lesions_too():
    # spec 5.2: hottest among baseline lesions "(target or non-target)". Non-target L2 is hottest:
    # H_bl = 8.0 (L2), H_fu = 5.6 (L2): -30%, -2.4 SUL: PMR. (Targets only: 5.0 -> 5.0, SMD.)
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 5.0}), ("L2", "non_target", "bone", {-5: 8.0, 56: 5.6})]
    row = percist_row(lesions)
    assert row["reference_lesion"] == "L2" and row["reference_value"] == 8.0
    assert row["overall_response"] == "PMR"


def test_percist_5_5_A8_other_lesion_rising_exactly_30_percent_does_not_block_pmr():
    # spec 5.5 PMR: blocked only by a lesion with rel_lesion > 0.30. L2 4.0 -> 5.2:
    # (5.2 - 4.0) / 4.0 = 0.30000000000000004 raw, 0.30 rounded (1.5): not > 0.30.
    # Hottest 10.0 -> 6.0 (L1): -40%, -4.0 SUL: PMR.
    lesions = [("L1", "target", "lung", {-5: 10.0, 56: 6.0}), ("L2", "target", "bone", {-5: 4.0, 56: 5.2})]
    assert percist_row(lesions)["overall_response"] == "PMR"


def test_percist_5_5_cmr_needs_sulpeak_strictly_below_the_liver_mean():
    # spec 5.5 CMR (default "liver"): status absent, or sulpeak < liver_sul_mean of the same scan (2.1).
    # L1 8.0 -> 2.1 (equal, not below): not resolved. H 8.0 -> 2.1: -73.75%, -5.9: PMR.
    # L1 8.0 -> 2.09 with L2 absent: every baseline lesion resolved: CMR.
    equal = [("L1", "target", "lung", {-5: 8.0, 56: 2.1}), ("L2", "target", "bone", {-5: 5.0, 56: 1.0})]
    assert percist_row(equal)["overall_response"] == "PMR"
    below = [
        ("L1", "target", "lung", {-5: 8.0, 56: 2.09}),
        ("L2", "target", "bone", {-5: 5.0, 56: {"status": "absent"}}),
    ]
    assert percist_row(below)["overall_response"] == "CMR"


def test_percist_1_7_new_lesion_takes_precedence_over_cmr():
    # spec 5.5 CMR requires "no new lesion"; order PMD before CMR (1.7).
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: {"status": "absent"}}),
        ("N1", "new", "liver", {56: 3.0}),
    ]
    assert percist_row(lesions)["overall_response"] == "PMD"


def test_percist_1_3_resolved_hottest_lesion_is_never_the_hottest_at_follow_up():
    # spec 1.3: an absent lesion can never be the hottest. L1 8.0 -> absent; L2 5.0 -> 5.4 (+8%).
    # H_fu = 5.4 (L2): rel = -2.6 / 8.0 = -0.325, abs = -2.6: PMR (L2 not resolved: 5.4 >= 2.1).
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: {"status": "absent"}}),
        ("L2", "target", "bone", {-5: 5.0, 56: 5.4}),
    ]
    row = percist_row(lesions)
    assert row["current_lesion"] == "L2" and row["current_sum"] == 5.4
    assert row["rel_change"] == -0.325 and row["overall_response"] == "PMR"


def test_percist_5_5_unequivocal_progression_still_gives_pmd_on_a_scan_that_failed_qc():
    # spec 5.5 evaluation order / 5.7: QC failure is NE, "except that (c) new lesion and (d) unequivocal
    # progression still give PMD". Follow-up uptake 80 min (outside 50-70).
    scans = LIVER | {56: {"uptake_min": 80, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25}}
    plain = [("L1", "target", "lung", {-5: 8.0, 56: 5.6}), ("L2", "non_target", "bone", {-5: 4.0, 56: 4.0})]
    assert percist_row(plain, scans)["overall_response"] == "NE"
    flagged = [
        ("L1", "target", "lung", {-5: 8.0, 56: 5.6}),
        ("L2", "non_target", "bone", {-5: 4.0, 56: {"sulpeak": 4.0, "status": "unequivocal_progression"}}),
    ]
    row = percist_row(flagged, scans)
    assert row["overall_response"] == "PMD" and "unequivocal progression of L2" in row["reason"]


def test_percist_5_4_missing_liver_mean_at_follow_up_fails_the_reference_check():
    # spec 5.4 "reference present": liver_sul_mean and liver_sul_sd at both scans; strict QC -> NE.
    scans = LIVER | {56: {"uptake_min": 62, "liver_sul_mean": math.nan, "liver_sul_sd": 0.25}}
    lesions = [("L1", "target", "lung", {-5: 8.0, 56: 5.6})]
    row = percist_row(lesions, scans)
    assert row["overall_response"] == "NE" and not row["qc_passed"]


def test_percist_5_4_missing_liver_sd_at_follow_up_fails_the_reference_check():
    # spec 5.4 "reference present | liver_sul_mean and liver_sul_sd (or blood pool) present at both
    # scans"; a failed check with percist_qc = "strict" makes the scan NE (5.7). The lesions alone would
    # be P-1 (PMR).
    scans = LIVER | {56: {"uptake_min": 62, "liver_sul_mean": 2.1, "liver_sul_sd": math.nan}}
    lesions = [("L1", "target", "lung", {-5: 8.0, 56: 5.6})]
    row = percist_row(lesions, scans)
    assert row["overall_response"] == "NE" and not row["qc_passed"]


def test_percist_5_4_blood_pool_stability_uses_the_same_two_conditions():
    # spec 5.4: blood-pool reference: |rel| <= 0.20 and |abs| < 0.3 SUL. T = 2.0 x 1.5 + 2 x 0.2 = 3.4.
    # 1.5 -> 1.8: +20% (passes) but abs = 0.30000000000000004 raw, 0.3 rounded: fails (< 0.3): NE.
    # 1.5 -> 1.79: +19.3%, +0.29: passes; 8.0 -> 5.6 (-30%, -2.4): PMR.
    def scans(follow_up_mean):
        common = {
            "uptake_min": 60,
            "liver_sul_mean": math.nan,
            "liver_sul_sd": math.nan,
            "reference_region": "blood_pool",
            "blood_pool_sul_sd": 0.2,
        }
        return {
            -5: common | {"blood_pool_sul_mean": 1.5},
            56: common | {"blood_pool_sul_mean": follow_up_mean},
        }

    lesions = [("L1", "target", "lung", {-5: 8.0, 56: 5.6})]
    assert percist_row(lesions, scans(1.8))["overall_response"] == "NE"
    row = percist_row(lesions, scans(1.79))
    assert row["measurability_threshold"] == 3.4 and row["overall_response"] == "PMR"


def test_percist_5_7_not_evaluable_lesion_makes_the_scan_ne_even_with_a_value():
    # spec 1.3: status = not_evaluable is treated as a missing value; 5.7: a baseline lesion without a
    # usable sulpeak at the follow-up -> NE.
    lesions = [
        ("L1", "target", "lung", {-5: 8.0, 56: 5.6}),
        ("L2", "target", "bone", {-5: 5.0, 56: {"sulpeak": 3.0, "status": "not_evaluable"}}),
    ]
    row = percist_row(lesions)
    assert row["overall_response"] == "NE" and "L2" in row["reason"]


def test_percist_5_5_tlg_extent_rule_is_skipped_when_a_selected_lesion_lacks_tlg():
    # spec 5.5 (b): "skipped when tlg is missing for any of the selected lesions". TLG of L1 100 -> 200
    # (+100%) with SULpeak 6.0 -> 6.0 would fire, but L2 (selected: 2 lesions, 2 organs) has no tlg at
    # day 56. SULpeak 6.0 -> 6.0: SMD.
    lesions = [
        ("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 100}, 56: {"sulpeak": 6.0, "tlg": 200}}),
        ("L2", "target", "bone", {-5: {"sulpeak": 4.0, "tlg": 10}, 56: {"sulpeak": 4.0, "tlg": math.nan}}),
    ]
    assert percist_row(lesions)["overall_response"] == "SMD"


def test_percist_5_5_reporting_format_on_a_pmd_scan():
    # spec 5.5 reporting format: reason carries the signed whole-percent change and weeks since start.
    # 8.0 -> 11.2 at day 84: (11.2 - 8.0) / 8.0 = 0.3999999999999999 raw, 0.40 rounded; +3.2 SUL:
    # PMD (a). Week = 84 / 7 = 12: "PMD +40%, week 12". Source named (1.6).
    row = percist_row([("L1", "target", "lung", {-5: 8.0, 84: 11.2})], day=84)
    assert row["overall_response"] == "PMD" and row["rel_change"] == 0.4
    assert "PMD +40%, week 12" in row["reason"] and "PERCIST 1.0" in row["reason"]


def test_percist_5_8_confirmation_advisory_cases():
    # spec 5.8 (i): PMD by (a) with RECIST SD -> advised; PMD by (a) with RECIST PD -> not advised.
    # (ii): PMR with RECIST PD -> advised. SMD with RECIST PD -> not advised.
    def advised(values, recist):
        scans = {-5: LIVER[-5], 56: LIVER[56] | {"recist_response": recist}}
        row = percist_row([("L1", "target", "lung", {-5: 8.0, 56: values})], scans)
        return row["overall_response"], bool(row["confirmation_advised"])

    assert advised(11.2, "SD") == ("PMD", True)  # +40%, +3.2 SUL
    assert advised(11.2, "PD") == ("PMD", False)
    assert advised(5.6, "PD") == ("PMR", True)  # -30%, -2.4 SUL
    assert advised(7.5, "PD") == ("SMD", False)  # -6.25%


def test_percist_5_9_best_response_ne_then_pmd_and_a_second_patient_with_pmr():
    # spec 5.9 / 1.7: NE timepoints are skipped; "PMD if the first evaluable follow-up is PMD".
    # P1: day 56 uptake 80 min -> NE (5.4); day 84 8.0 -> 11.2 (+40%, +3.2) -> PMD; best PMD, progression 84.
    # P2 (same table): day 56 8.0 -> 5.6 -> PMR; day 84 8.0 -> 7.0 (-12.5%) -> SMD; best PMR, no event.
    p1_scans = LIVER | {56: {"uptake_min": 80, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25}}
    frame = pd.concat(
        [
            pet([("L1", "target", "lung", {-5: 8.0, 56: 5.6, 84: 11.2})], p1_scans, "sulpeak", "P1"),
            pet([("L1", "target", "lung", {-5: 8.0, 56: 5.6, 84: 7.0})], LIVER, "sulpeak", "P2"),
        ],
        ignore_index=True,
    )
    result = percist(frame)
    assert rows_of(result, "P1")["overall_response"].tolist() == ["NE", "PMD"]
    assert rows_of(result, "P2")["overall_response"].tolist() == ["PMR", "SMD"]
    p1, p2 = best_of(result, "P1"), best_of(result, "P2")
    assert p1["best_response"] == "PMD" and p1["progression_day"] == 84 and p1["pfs_event"]
    assert p2["best_response"] == "PMR" and p2["bor_day"] == 56 and not p2["pfs_event"]


def test_percist_1_4_hottest_tie_is_reported_by_lowest_lesion_id_and_new_lesions_are_not_hottest():
    # spec 1.4: ties broken by lesion_id ascending. spec 5.2: new lesions are not in the hottest measure.
    # Baseline L2 = L1 = 8.0 -> reference lesion L1. Follow-up L1 = L2 = 5.6 -> current lesion L1, and the
    # hotter new lesion N1 (9.0) is not the hottest; it gives PMD by (c).
    lesions = [
        ("L2", "target", "lung", {-5: 8.0, 56: 5.6}),
        ("L1", "target", "bone", {-5: 8.0, 56: 5.6}),
        ("N1", "new", "liver", {56: 9.0}),
    ]
    row = percist_row(lesions)
    assert row["reference_lesion"] == "L1" and row["current_lesion"] == "L1"
    assert row["current_sum"] == 5.6 and row["rel_change"] == -0.3
    assert row["overall_response"] == "PMD"
