"""Second-round audit of the metabolic criteria against spec/metabolic.md (sections 1 and 4-9).

Only rules that the existing tests (test_eortc.py, test_percist.py, test_pecrit.py, test_percimt.py,
test_impercist.py, test_ipercist.py, test_eortc_percist_rules.py, test_metabolic_immune_rules.py) do
not pin yet. Every expected value is worked out by hand from the spec text; the arithmetic is in each
test's comment. Tables are typed by hand in the PET long format of spec 1.1.
"""

from __future__ import annotations

import math

import pytest
from _pet_tables import QC, pet, run

from ioresponse.criteria.eortc import CRITERION as EORTC
from ioresponse.criteria.impercist import CRITERION as IMPERCIST
from ioresponse.criteria.ipercist import CRITERION as IPERCIST
from ioresponse.criteria.pecrit import CRITERION as PECRIT
from ioresponse.criteria.percimt import CRITERION as PERCIMT
from ioresponse.criteria.percist import CRITERION as PERCIST


def responses(result):
    return result.timepoints["overall_response"].tolist()


def first(result):
    return result.timepoints.iloc[0]


def best(result):
    return result.best_response.iloc[0]


# ============================================================== EORTC 1999 (spec section 4)


def cycles(by_day):
    return {day: {"cycles_before_scan": c} for day, c in by_day.items()}


def eortc_two_targets(t1, t2, c):
    """E-1 set-up (4.11): T1 (lung) 8.0 and T2 (lymph node) 4.0 at day -3; follow-up day 63 after c cycles."""
    lesions = [
        ("T1", "target", "lung", {-3: 8.0, 63: t1}),
        ("T2", "target", "lymph node", {-3: 4.0, 63: t2}),
    ]
    return pet(lesions, cycles({-3: 0, 63: c}), value="suvmax")


def test_eortc_4_5_A4_exactly_15_percent_decrease_after_three_cycles_is_gap_smd_or_pmr_by_option():
    # spec 4.5 / A4: after more than one cycle PMR needs rel < -0.25; -0.25 <= rel <= -0.15 is the gap
    # (SMD by default). E-1 values at c = 3: sum 12.0 -> 6.6 + 3.6 = 10.2, rel = -1.8 / 12.0 =
    # -0.15000000000000005 raw, -0.15 rounded (1.5). Default: in the gap -> SMD.
    # eortc_gap_policy = "pmr" applies rel <= -0.15 at every scan -> -0.15 <= -0.15 -> PMR.
    frame = eortc_two_targets(6.6, 3.6, 3)
    row = first(run(EORTC, frame))
    assert row["rel_change"] == -0.15 and row["overall_response"] == "SMD"
    assert "lies between the 15% and 25% thresholds" in row["reason"]
    assert "EORTC 1999" in row["reason"] and "spec 4.5" in row["reason"]
    assert responses(run(EORTC, frame, eortc_gap_policy="pmr")) == ["PMR"]


@pytest.mark.parametrize(
    ("t1", "t2", "rel"),
    [
        (6.4, 3.2, -0.2),  # sum 9.6: (9.6 - 12.0) / 12.0 = -0.2 (inside the paper's "15-25%")
        (4.8, 2.4, -0.4),  # sum 7.2: (7.2 - 12.0) / 12.0 = -0.4 (beyond 25%: still at least 15%)
    ],
)
def test_eortc_4_12_A3_one_cycle_15_25_percent_is_read_as_a_minimum_of_15_percent(t1, t2, rel):
    # spec 4.5 / A3: after one cycle PMR is rel <= -0.15 ("15-25%" read as a minimum, no upper cap).
    row = first(run(EORTC, eortc_two_targets(t1, t2, 1)))
    assert row["rel_change"] == pytest.approx(rel)
    assert row["overall_response"] == "PMR"


def test_eortc_4_5_extent_rule_counts_only_tracked_lesions():
    # spec 4.5 PMD extent: "any tracked lesion's functional diameter increases by more than 20%"; tracked
    # = baseline targets (4.2). Non-target NT 10 -> 20 mm (+100%) is not tracked: no extent PMD.
    # Tracked sum 8.0 -> 8.0 (rel 0, c = 2): SMD. Control: the same growth on the target T1
    # (20 -> 25 mm, 25 / 20 - 1 = 0.25 > 0.20): PMD.
    def frame(t1_mm):
        lesions = [
            ("T1", "target", "lung",
             {-3: {"suvmax": 8.0, "functional_diameter_mm": 20.0},
              42: {"suvmax": 8.0, "functional_diameter_mm": t1_mm}}),
            ("NT", "non_target", "bone",
             {-3: {"suvmax": 4.0, "functional_diameter_mm": 10.0},
              42: {"suvmax": 4.0, "functional_diameter_mm": 20.0}}),
        ]
        return pet(lesions, cycles({-3: 0, 42: 2}), value="suvmax")

    assert responses(run(EORTC, frame(20.0))) == ["SMD"]
    row = first(run(EORTC, frame(25.0)))
    assert row["overall_response"] == "PMD" and "T1" in row["reason"] and "NT" not in row["reason"]


# ============================================================== PERCIST 1.0 (spec section 5)

PERCIST_SCANS = {
    -5: {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25},
    56: {"uptake_min": 62, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25},
}
"""spec 5.11 defaults: liver 2.0 / 0.25 at baseline (T = 3.5), 2.1 / 0.25 at day 56 (+5%, +0.1)."""


def percist_row(lesions, scans=PERCIST_SCANS, **options):
    return first(run(PERCIST, pet(lesions, scans), **options))


def test_percist_1_5_5_3_measurability_threshold_is_rounded_before_comparing():
    # spec 1.5: derived thresholds such as T are rounded to 6 decimals before comparing.
    # Liver 2.1 / 0.25: T = 1.5 x 2.1 + 2 x 0.25 = 3.65 (binary float 3.6500000000000004).
    # Baseline hottest 3.65 >= 3.65 -> measurable (unrounded it would fall below T and be NE).
    # Follow-up 2.4 (liver 2.1, stable): rel = -1.25 / 3.65 = -0.342466, abs = -1.25 -> PMR
    # (2.4 is not < 2.1, so not CMR).
    scans = {day: {"uptake_min": 60, "liver_sul_mean": 2.1, "liver_sul_sd": 0.25} for day in (-5, 56)}
    row = percist_row([("L1", "target", "lung", {-5: 3.65, 56: 2.4})], scans)
    assert row["measurability_threshold"] == 3.65
    assert row["rel_change"] == pytest.approx(-0.342466)
    assert row["overall_response"] == "PMR"


def test_percist_5_5_pmd_by_uptake_when_the_hottest_lesion_changes():
    # spec 5.2 / 5.5 (a): H_fu is the hottest baseline-present lesion at follow-up, may be another lesion.
    # H_bl = 6.0 (L1); follow-up L1 3.0, L2 4.0 -> 8.0: H_fu = 8.0 (L2).
    # rel = (8.0 - 6.0) / 6.0 = +0.333333 > 0.30 and abs = +2.0 > 0.8 -> PMD.
    # (Lesion-matched on L1 it would be -50%.)
    row = percist_row([("L1", "target", "lung", {-5: 6.0, 56: 3.0}),
                       ("L2", "target", "bone", {-5: 4.0, 56: 8.0})])
    assert row["current_lesion"] == "L2" and row["rel_change"] == pytest.approx(0.333333)
    assert row["overall_response"] == "PMD"
    assert "hottest lesion moved from L1 (6.0) to L2 (8.0)" in row["reason"]


def test_percist_5_2_tlg_measure_uses_the_five_hottest_with_two_per_organ():
    # spec 5.2 TLG measure: sum of tlg over select_hottest(baseline-present, sulpeak, n=5, per_organ=2).
    # Three lung lesions: L1 6.0, L2 5.0 kept; L3 4.0 is the third lung lesion, never selected.
    # TLG of L1 + L2: 50 + 50 = 100 at both scans -> +0% (no extent PMD). L3's TLG 10 -> 200 is ignored
    # (counting it: 110 -> 300 = +172.7% -> PMD). Hottest 6.0 -> 6.0 (0%): SMD.
    lesions = [
        ("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 50.0}, 56: {"sulpeak": 6.0, "tlg": 50.0}}),
        ("L2", "target", "lung", {-5: {"sulpeak": 5.0, "tlg": 50.0}, 56: {"sulpeak": 5.0, "tlg": 50.0}}),
        ("L3", "target", "lung", {-5: {"sulpeak": 4.0, "tlg": 10.0}, 56: {"sulpeak": 4.0, "tlg": 200.0}}),
    ]
    row = percist_row(lesions)
    assert row["tlg_baseline"] == 100.0 and row["tlg_current"] == 100.0
    assert row["overall_response"] == "SMD"


@pytest.mark.parametrize(("liver_fu", "expected"), [(0.8, "PMR"), (0.79, "NE")])
def test_percist_5_4_liver_stability_also_holds_for_a_falling_liver(liver_fu, expected):
    # spec 5.4: abs(rel_liver) <= 0.20 and abs(abs_liver) < 0.3. Baseline liver 1.0 / 0.1 (T = 1.7).
    # 1.0 -> 0.8: rel = -0.19999999999999996 raw, -0.2 rounded (|-0.2| <= 0.20), abs -0.2: passes.
    # 1.0 -> 0.79: rel -0.21 (|-0.21| > 0.20): fails -> NE (strict QC, 5.7).
    # Lesions: 8.0 -> 5.6: -30%, -2.4 SUL -> PMR when QC passes.
    scans = {
        -5: {"uptake_min": 60, "liver_sul_mean": 1.0, "liver_sul_sd": 0.1},
        56: {"uptake_min": 60, "liver_sul_mean": liver_fu, "liver_sul_sd": 0.1},
    }
    row = percist_row([("L1", "target", "lung", {-5: 8.0, 56: 5.6})], scans)
    assert row["overall_response"] == expected
    if expected == "NE":
        assert "must be within 20%" in row["reason"] and "spec 5.7" in row["reason"]


def test_percist_5_4_baseline_uptake_time_outside_50_70_fails_even_when_the_pair_is_consistent():
    # spec 5.4: "uptake time, each scan: 50 <= uptake_min <= 70". Baseline 45 min, follow-up 55 min:
    # |55 - 45| = 10 <= 15 (consistency passes) but the baseline is outside 50-70 -> NE (strict).
    scans = {-5: QC | {"uptake_min": 45}, 56: QC | {"uptake_min": 55}}
    row = percist_row([("L1", "target", "lung", {-5: 8.0, 56: 5.6})], scans)
    assert row["overall_response"] == "NE" and not row["qc_passed"]
    assert "uptake time 45 min outside 50-70 at day -5" in row["reason"]


def test_percist_5_11_P5_inclusive_option_does_not_rescue_a_0_77_sul_rise():
    # P-5 under percist_pmd_inclusive (A1: rel >= 0.30 and abs >= 0.8): rel = +0.35 >= 0.30 but
    # abs = 2.97 - 2.2 = 0.77 < 0.8 -> still SMD. Liver 1.2 / 0.1 (T = 2.0), follow-up 1.25 / 0.1.
    scans = {
        -5: {"uptake_min": 60, "liver_sul_mean": 1.2, "liver_sul_sd": 0.1},
        56: {"uptake_min": 62, "liver_sul_mean": 1.25, "liver_sul_sd": 0.1},
    }
    lesions = [("L1", "target", "lymph node", {-5: 2.2, 56: 2.97})]
    row = percist_row(lesions, scans, percist_pmd_inclusive=True)
    assert row["abs_change"] == 0.77 and row["overall_response"] == "SMD"


def test_percist_5_8_confirmation_advisory_for_tlg_pmd_unequivocal_pmd_and_cmr():
    # spec 5.8 (i): advised when PMD is by (a), (b) or a non-visceral new lesion and RECIST is not PD.
    # (ii): advised when CMR/PMR and RECIST is PD. PMD by (d) alone is in neither list.
    def row(lesions, recist, liver_fu=2.1):
        scans = {-5: PERCIST_SCANS[-5],
                 56: {"uptake_min": 62, "liver_sul_mean": liver_fu, "liver_sul_sd": 0.25,
                      "recist_response": recist}}
        return percist_row(lesions, scans)

    # P-9 (TLG 100 -> 180 = +80% >= 75%, H 6.0 -> 6.3 not declining): PMD by (b), RECIST SD -> advised.
    p9 = [
        ("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 60.0}, 56: {"sulpeak": 6.3, "tlg": 110.0}}),
        ("L2", "target", "lymph node",
         {-5: {"sulpeak": 4.0, "tlg": 40.0}, 56: {"sulpeak": 4.1, "tlg": 70.0}}),
    ]
    tlg = row(p9, "SD")
    assert tlg["overall_response"] == "PMD" and bool(tlg["confirmation_advised"])
    # L1 8.0 -> 7.0 (-12.5%), L2 flagged unequivocal_progression: PMD by (d) only, RECIST SD -> not advised.
    flagged = [("L1", "target", "lung", {-5: 8.0, 56: 7.0}),
               ("L2", "non_target", "bone",
                {-5: 4.0, 56: {"sulpeak": 4.0, "status": "unequivocal_progression"}})]
    unequivocal = row(flagged, "SD")
    assert unequivocal["overall_response"] == "PMD" and not bool(unequivocal["confirmation_advised"])
    # P-8 (liver 2.0 at follow-up; 1.6 and 1.3 < 2.0): CMR with RECIST PD -> advised.
    p8 = [("L1", "target", "lung", {-5: 8.0, 56: 1.6}), ("L2", "target", "lymph node", {-5: 5.0, 56: 1.3})]
    cmr = row(p8, "PD", liver_fu=2.0)
    assert cmr["overall_response"] == "CMR" and bool(cmr["confirmation_advised"])


def test_percist_5_9_best_response_is_ne_when_no_follow_up_is_evaluable():
    # spec 5.9: "NE if none evaluable". Day 56 uptake 80 min (QC fails, no new lesion) -> NE; day 112
    # L2 missing (1.2: baseline lesion not reported) -> NE. Best NE; no progression event.
    scans = {-5: QC, 56: QC | {"uptake_min": 80}, 112: QC}
    lesions = [("L1", "target", "lung", {-5: 8.0, 56: 5.6, 112: 5.6}),
               ("L2", "target", "bone", {-5: 4.0, 56: 4.0})]
    result = run(PERCIST, pet(lesions, scans))
    assert responses(result) == ["NE", "NE"]
    assert best(result)["best_response"] == "NE" and not best(result)["pfs_event"]


# ============================================================== PECRIT (spec section 6)


def pecrit_frame(l1, l2, recist, extra=()):
    """spec 6.11 set-up: baseline day -4, SCAN-2 day 24; L1 (lung), L2 (lymph node); RECIST at day 24."""
    lesions = [("L1", "target", "lung", {-4: l1[0], 24: l1[1]}),
               ("L2", "target", "lymph node", {-4: l2[0], 24: l2[1]}), *extra]
    frame = pet(lesions)
    frame["recist_response"] = ["" if d < 0 else recist for d in frame["day"]]
    return frame


def test_pecrit_6_6_pet_only_new_lesion_does_not_enter_pecrit():
    # spec 6.6: new lesions count only through RECIST 1.1; "PET-only new lesions do not enter PECRIT".
    # C-3 (RECIST SD, hottest 5.0 -> 6.0 = +20% > 15.5%) plus a new FDG-avid lesion N1 on PET:
    # still clinical_benefit (PERCIST would call the scan PMD).
    frame = pecrit_frame((5.0, 6.0), (3.9, 4.1), "SD", extra=[("N1", "new", "liver", {24: 5.0})])
    row = first(run(PECRIT, frame))
    assert row["overall_response"] == "clinical_benefit"
    assert "PECRIT, Cho 2017" in row["reason"] and "spec 6.5" in row["reason"]


@pytest.mark.parametrize("direction", ["increase", "decrease"])
def test_pecrit_6_5_recist_pd_is_no_benefit_whatever_the_sulpeak_change_and_direction(direction):
    # spec 6.5: "PD | not consulted | no_clinical_benefit". Hottest 6.0 -> 8.4 (+40%, would be benefit in
    # the SD branch with "increase"); 6.0 -> 3.6 (-40%, would be benefit with "decrease").
    for l1 in ((6.0, 8.4), (6.0, 3.6)):
        row = first(run(PECRIT, pecrit_frame(l1, (3.0, 3.0), "PD"), pecrit_sd_direction=direction))
        assert row["overall_response"] == "no_clinical_benefit"


# ============================================================== PERCIMT (spec section 7)


def percimt_frame(new_by_day):
    """spec 7.11 set-up: B1 (lung), B2 (lymph node), B3 (liver) present at day -7 and at every follow-up;
    ``new_by_day`` maps a follow-up day to the functional diameters of the new lesions N1, N2, ..."""
    days = [-7, *new_by_day]
    lesions = [(b, "target", organ, dict.fromkeys(days, 20.0))
               for b, organ in (("B1", "lung"), ("B2", "lymph node"), ("B3", "liver"))]
    ids = sorted({i for sizes in new_by_day.values() for i in range(len(sizes))})
    for i in ids:
        cells = {day: sizes[i] for day, sizes in new_by_day.items() if i < len(sizes)}
        lesions.append((f"N{i + 1}", "new", "bone", cells))
    return pet(lesions, scans={}, value="functional_diameter_mm")


def test_percimt_7_5_new_lesions_are_counted_since_baseline_across_scans():
    # spec 7.5 / A3: new lesions counted "new since baseline" (default). Day 84: N1, N2 (5 mm):
    # n_all = 2 -> SMD. Day 168: N1, N2 still present plus N3, N4 (5 mm): n_all = 4 >= 4 -> PMD.
    # percimt_new_since = "previous": at day 168 only N3, N4 are new since day 84 -> n_all 2 -> SMD.
    frame = percimt_frame({84: [5.0, 5.0], 168: [5.0, 5.0, 5.0, 5.0]})
    result = run(PERCIMT, frame)
    assert responses(result) == ["SMD", "PMD"]
    assert result.timepoints["new_lesion_count"].tolist() == [2, 4]
    assert best(result)["progression_day"] == 168
    assert responses(run(PERCIMT, frame, percimt_new_since="previous")) == ["SMD", "SMD"]


@pytest.mark.parametrize(
    ("diameters", "expected"),
    [
        ((8.0, 9.0, 10.0), "SMD"),  # M-2: small (<= 10) 3 < 4, medium 0, large 0
        ((16.0, 18.0), "PMD"),  # M-3: large (> 15) 2 >= 2
        ((5.0, 6.0, 7.0, 9.0), "PMD"),  # M-4: small 4 >= 4
        ((16.0, 15.0, 9.0), "SMD"),  # M-7: small 1 (9), medium 1 (15: 10 < 15 <= 15), large 1 (16)
    ],
)
def test_percimt_7_11_worked_examples_under_binned_counting(diameters, expected):
    # spec 7.5 option percimt_counting = "binned": each lesion in exactly one class; PMD if small >= 4 or
    # medium >= 3 or large >= 2. Hand counts per example in the parameter comments.
    result = run(PERCIMT, percimt_frame({84: list(diameters)}), percimt_counting="binned")
    assert responses(result) == [expected]


# ============================================================== imPERCIST (spec section 8)


def test_impercist_8_2_top5_a_new_lesion_colder_than_five_lesions_is_displaced():
    # spec 8.2 "top5": a new lesion enters the sum only when among the five hottest (max 2 per organ).
    # Five lesions in five organs 6.0, 5.0, 5.0, 4.0, 4.0 (all >= T 3.5): S_bl = 24.0. Follow-up same values
    # plus N1 (spleen) 2.0: the five hottest are L1..L5 -> S_fu = 24.0, rel 0 -> SMD; N1 not summed.
    values = [("L1", "lung", 6.0), ("L2", "lymph node", 5.0), ("L3", "bone", 5.0), ("L4", "liver", 4.0),
              ("L5", "adrenal", 4.0)]
    lesions = [(i, "target", organ, {-6: v, 90: v}) for i, organ, v in values]
    row = first(run(IMPERCIST, pet([*lesions, ("N1", "new", "spleen", {90: 2.0})])))
    assert row["baseline_sum"] == 24.0 and row["current_sum"] == 24.0
    assert row["summed_lesions"] == "L1,L2,L3,L4,L5" and row["new_lesion_sum"] == 0.0
    assert row["overall_response"] == "SMD"


def test_impercist_8_2_add_all_has_no_cap_on_number_or_organ():
    # Baseline L1 (lung) 6.0, L2 (lymph node) 4.0: S_bl = 10.0. Follow-up same plus three new liver
    # lesions of 1.0. "top5": L1, L2, N1, N2 (N3 is the third liver lesion) -> 12.0, rel +0.20 -> SMD.
    # "add_all": 10.0 + 1.0 + 1.0 + 1.0 = 13.0, rel = 3.0 / 10.0 = +0.30 >= 0.30 -> PMD.
    lesions = [("L1", "target", "lung", {-6: 6.0, 90: 6.0}),
               ("L2", "target", "lymph node", {-6: 4.0, 90: 4.0}),
               *[(f"N{i}", "new", "liver", {90: 1.0}) for i in (1, 2, 3)]]
    top5 = first(run(IMPERCIST, pet(lesions)))
    assert top5["current_sum"] == 12.0 and top5["overall_response"] == "SMD"
    add_all = first(run(IMPERCIST, pet(lesions), impercist_new_lesion_mode="add_all"))
    assert add_all["current_sum"] == 13.0 and add_all["rel_change"] == 0.3
    assert add_all["overall_response"] == "PMD"


@pytest.mark.parametrize(
    ("example", "current", "expected"),
    [
        # I-1 add_all: baseline selection L1, L2, L3 at follow-up 7.0 + 5.0 + 3.0 = 15.0, plus N1 4.0 = 19.0;
        # rel = 1.0 / 18.0 = +5.6% -> SMD (same as top5).
        ("I-1", 19.0, "SMD"),
        # I-2 add_all: 6.0 + 4.0 + N1 4.0 = 14.0 vs 10.0: +40% -> PMD (same as top5).
        ("I-2", 14.0, "PMD"),
    ],
)
def test_impercist_8_11_I1_I2_under_add_all(example, current, expected):
    i1 = [("L1", "target", "liver", {-6: 8.0, 90: 7.0}), ("L2", "target", "liver", {-6: 6.0, 90: 5.0}),
          ("L3", "target", "lymph node", {-6: 4.0, 90: 3.0}), ("N1", "new", "lung", {90: 4.0})]
    i2 = [("L1", "target", "lung", {-6: 6.0, 90: 6.0}), ("L2", "target", "lymph node", {-6: 4.0, 90: 4.0}),
          ("N1", "new", "bone", {90: 4.0})]
    lesions = i1 if example == "I-1" else i2
    row = first(run(IMPERCIST, pet(lesions), impercist_new_lesion_mode="add_all"))
    assert row["current_sum"] == pytest.approx(current) and row["overall_response"] == expected


@pytest.mark.parametrize(("follow_up", "expected"), [(2.8, "PMD"), (2.79, "SMD")])
def test_impercist_8_5_A3_absolute_minimum_is_inclusive_at_0_8(follow_up, expected):
    # spec 8.5: impercist_min_abs_sul = 0.8 "adds abs >= 0.8 in magnitude". Liver 1.0 / 0.1 (T = 1.7).
    # 2.0 -> 2.8: rel +0.40, abs = 0.7999999999999998 raw, 0.8 rounded (1.5): >= 0.8 -> PMD.
    # 2.0 -> 2.79: rel +0.395 >= 0.30 but abs 0.79 < 0.8 -> SMD (2.79 not < liver 1.0: no CMR).
    scans = {day: {"uptake_min": 60, "liver_sul_mean": 1.0, "liver_sul_sd": 0.1} for day in (-6, 90)}
    row = first(run(IMPERCIST, pet([("L1", "target", "lung", {-6: 2.0, 90: follow_up})], scans),
                    impercist_min_abs_sul=0.8))
    assert row["overall_response"] == expected
    assert "Ito 2019" in row["reason"] and "spec 8.5" in row["reason"]


# ============================================================== iPERCIST (spec section 9)

S1 = [
    ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 9.5}),
    ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 3.5}),
]
S3 = [
    ("L1", "target", "lung", {-5: 5.0, 56: 5.2, 84: 5.3, 119: 5.3}),
    ("L2", "target", "lymph node", {-5: 3.0, 56: 3.0, 84: 3.0, 119: 3.1}),
    ("N1", "new", "bone", {56: 3.0, 84: 3.1, 119: 3.1}),
    ("N2", "new", "liver", {119: 2.8}),
]


def test_ipercist_9_10_S3_baseline_reference_dates_progression_at_the_upmd_scan():
    # S-3 with ipercist_confirm_reference = "baseline": day 84 still PMD vs baseline (N1 new) -> CPMD;
    # progression is dated at U = day 56 (9.5 rule 2); best response CPMD (9.8: the confirmed UPMD ranks
    # as CPMD). Day 119 is after progression.
    result = run(IPERCIST, pet(S3), ipercist_confirm_reference="baseline")
    assert responses(result)[:2] == ["UPMD", "CPMD"]
    row = best(result)
    assert row["progression_day"] == 56 and row["pfs_event"] and row["best_response"] == "CPMD"
    assert "iPERCIST, Goldfarb 2019" in result.timepoints.iloc[1]["reason"]
    assert "spec 9.5" in result.timepoints.iloc[1]["reason"]


def test_ipercist_9_5_rule_4_open_episode_without_deterioration_is_no_event():
    # S-4 without clinical deterioration: UPMD at day 56, no later PET. Reason "UPMD not confirmed: no
    # further PET" without the deterioration note; best UPMD; no progression event (A3 default).
    result = run(IPERCIST, pet([(i, r, o, {d: v for d, v in c.items() if d < 84}) for i, r, o, c in S1]))
    row = first(result)
    assert row["overall_response"] == "UPMD" and row["confirmation_state"] == "pending"
    assert "UPMD not confirmed: no further PET" in row["reason"]
    assert "clinical deterioration" not in row["reason"]
    assert best(result)["best_response"] == "UPMD" and not best(result)["pfs_event"]


def test_ipercist_9_5_A3_unconfirmed_progression_flags_nothing_after_it_on_the_upmd_row():
    # A3 ipercist_unconfirmed_is_progression = True: event dated at U (day 56); the UPMD row itself is the
    # progression scan, so it carries progression_day 56 and after_progression False (1.7).
    frame = pet([(i, r, o, {d: v for d, v in c.items() if d < 84}) for i, r, o, c in S1])
    result = run(IPERCIST, frame, ipercist_unconfirmed_is_progression=True)
    row = first(result)
    assert row["progression_day"] == 56 and not row["after_progression"]
    assert best(result)["best_response"] == "UPMD"


@pytest.mark.parametrize(
    ("qc", "expected", "progression"), [("strict", "NE", math.nan), ("warn", "CPMD", 56)]
)
def test_ipercist_9_7_failed_qc_on_the_confirmation_scan(qc, expected, progression):
    # S-1 with C (day 84) acquired at 80 min (outside 50-70, 20 min from baseline): PERCIST strict ->
    # P_bl = NE (no new lesion or flag to rescue it) -> NE, the episode stays open (9.7); the patient
    # ends with an open episode -> no event. percist_qc = "warn" (all PERCIST options apply, 9.2):
    # P_bl = PMD (+90%), vs U (9.5 - 7.0) / 7.0 = +35.7% > 30%, +2.5 > 0.8 -> CPMD dated day 56.
    scans = {-5: QC, 56: QC, 84: QC | {"uptake_min": 80}}
    result = run(IPERCIST, pet(S1, scans), percist_qc=qc)
    assert responses(result) == ["UPMD", expected]
    day = best(result)["progression_day"]
    assert (math.isnan(day) and math.isnan(progression)) or day == progression


def test_ipercist_9_6_new_lesion_since_u_confirms_on_a_scan_that_failed_qc():
    # PERCIST 5.5: a new lesion still gives PMD on a scan that failed QC, so P_bl = PMD at C; rule 2(c):
    # N1 is new since U -> CPMD. U (day 56): L1 5.0 -> 7.0 (+40%, +2.0) -> UPMD. C (day 84, uptake 80):
    # L1 7.0, L2 3.2, N1 (bone) 3.0 new.
    scans = {-5: QC, 56: QC, 84: QC | {"uptake_min": 80}}
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 7.0}),
               ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 3.2}),
               ("N1", "new", "bone", {84: 3.0})]
    result = run(IPERCIST, pet(lesions, scans))
    assert responses(result) == ["UPMD", "CPMD"]
    assert best(result)["progression_day"] == 56


def test_ipercist_9_5_quantitative_confirmation_is_not_applied_on_a_scan_that_failed_qc():
    # U (day 56): N1 new -> PMD -> UPMD (hottest 5.0 -> 5.2, +4%). C (day 84) at 80 min fails QC; N1
    # persists, so P_bl = PMD by (c) only. Confirmation vs U: (a) is quantitative and the scan failed
    # QC, so it cannot fire (L1 9.5 vs 5.2 would be +82.7%); (c) no lesion new since U; (d) no flag ->
    # not confirmed, not reset: UPMD (episode open).
    scans = {-5: QC, 56: QC, 84: QC | {"uptake_min": 80}}
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 5.2, 84: 9.5}),
               ("L2", "target", "lymph node", {-5: 3.0, 56: 3.0, 84: 3.0}),
               ("N1", "new", "bone", {56: 3.0, 84: 3.1})]
    assert responses(run(IPERCIST, pet(lesions, scans))) == ["UPMD", "UPMD"]


def test_ipercist_9_5_rule_4_deterioration_at_the_last_upmd_scan_followed_by_an_ne_scan():
    # Day 56 UPMD (S-1 values) with clinical_status = deteriorating. Day 84: L2 not reported -> NE
    # (1.2), the episode stays open (9.7) to the last scan. The last UPMD scan (day 56) was
    # deteriorating -> responder False (9.5 rule 4, 9.8).
    frame = pet([("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 9.5}),
                 ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2})])
    frame["clinical_status"] = ["deteriorating" if d == 56 else "stable" for d in frame["day"]]
    result = run(IPERCIST, frame)
    assert responses(result) == ["UPMD", "NE"]
    assert str(best(result)["responder"]) == "False"  # pandas boolean; NA would print "<NA>"
