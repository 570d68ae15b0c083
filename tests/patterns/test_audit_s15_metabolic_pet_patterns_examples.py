"""Session-15 audit: worked examples and options of spec/metabolic.md (sections 4-9, 12), spec/pet.md
section 7 and spec/patterns.md (sections 1-7, 11), checked literally through the public API.

Most worked examples (E-1..E-6, P-1..P-12, C-1..C-6, M-1..M-7, I-1..I-5, S-1..S-5, PET 7(a)-(k),
HP-1..HP-5 on hand-built ``HpdInputs``, PsP-1..PsP-6, DR-1..DR-4, BM-1..BM-4, IRAE-1..3, the CI table)
are already pinned by other files. This file keeps only what no test pinned before:

* metabolic.md 1.5 rounding of *derived* thresholds and ratios on values that are exactly on a
  threshold in decimal but not in binary (PERCIST ``T``, the PERCIST TLG 75 % and the EORTC 20 %
  extent rules);
* metabolic.md 4.5 EORTC CMR needs every baseline lesion (non-target too) resolved;
* metabolic.md 5.2 the follow-up hottest lesion may be a non-target lesion; 5.8 advisory with a
  missing ``visceral`` value and for PMR against RECIST PD;
* metabolic.md 6.7 / 6.9 PECRIT: PET failures do not matter in the CR/PR branch; a first PET before
  day 21 is used and flagged (``pecrit_strict_window``: NE);
* metabolic.md 7.7 PERCIMT unknown size decided at the two extremes only (binned counting);
* metabolic.md 9.5 rule 2 (b) and (d): iPERCIST confirmation by the TLG extent rule and by a new
  unequivocal-progression flag, both measured against the UPMD scan;
* pet.md 7(d) the competitor centres named in the example (2.684211, 1.894737, 2.504359);
* patterns.md 2.4 / 11: the whole HP-1..HP-5 x H1..H9 results table end to end (lesion table ->
  ``ioresponse.assess`` RECIST 1.1 -> ``find_patterns`` with an ECOG visit table) and the two example
  ``reason`` strings;
* patterns.md 4.2 the Pons-Tostivint example and 5.5 IRAE-2 through ``ioresponse.assess``.

One difference was found and fixed: patterns.md 1.4 "percent change at P (vs nadir)" was not reported by the
PERCIST variant of pseudoprogression (``pseudoprogression.percist_humbert2020``): PERCIST rows carry no
``nadir_sum``, so the nadir is now the lowest of the baseline and earlier values.

Expected values are the spec's (quoted) or hand arithmetic in the comments, never the code's output.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

import ioresponse
from ioresponse.io.validate import ImplausibleValueWarning
from ioresponse.patterns import find_patterns
from ioresponse.pet.peak import peak

# ---------------------------------------------------------------------------------------------- helpers

QC = {"uptake_min": 60, "liver_sul_mean": 2.0, "liver_sul_sd": 0.25}
"""Liver 2.0 / 0.25 (T = 3.0 + 0.5 = 3.5) and uptake 60 min at every scan: PERCIST checks pass (5.3, 5.4)."""


def pet_table(lesions, scans=None, value="sulpeak", patient="P1"):
    """Long PET table (metabolic.md 1.1) from (lesion_id, role, organ, {day: value or {column: value}})."""
    rows = []
    for lesion_id, role, organ, cells in lesions:
        for day, cell in cells.items():
            row = {"patient_id": patient, "day": day, "lesion_id": lesion_id, "role": role, "organ": organ}
            row |= cell if isinstance(cell, dict) else {value: cell}
            row.setdefault("status", "present")
            row |= (scans or {}).get(day, QC)
            rows.append(row)
    return pd.DataFrame(rows)


def assess_pet(lesions, criterion, scans=None, value="sulpeak", **options):
    frame = pet_table(lesions, scans, value)
    return ioresponse.assess(frame, criteria=(criterion,), patterns=False, **options)


def timepoint(result, day):
    tp = result.timepoints
    return tp[tp["day"] == day].iloc[0]


# ------------------------------------------------------------------- metabolic.md 1.5 derived thresholds


@pytest.mark.parametrize("criterion", ["percist", "impercist", "ipercist"])
def test_1_5_and_5_3_measurability_threshold_is_rounded_before_comparing(criterion):
    # metabolic.md 1.5: "Derived thresholds (such as the PERCIST measurability threshold T, section 5.3)
    # ... are rounded the same way before comparison." Liver 1.3 / 0.35: T = 1.95 + 0.70 = 2.65, which
    # binary floating point gives as 2.6500000000000004. A baseline SULpeak of 2.65 is measurable
    # (5.3: sulpeak >= T). Follow-up 1.8: -0.85 SUL, -32.1 % (<= -30 % and <= -0.8): PMR, not NE.
    scans = {d: {"uptake_min": 60, "liver_sul_mean": 1.3, "liver_sul_sd": 0.35} for d in (-5, 56)}
    row = timepoint(assess_pet([("L1", "target", "lung", {-5: 2.65, 56: 1.8})], criterion, scans), 56)
    assert row["measurability_threshold"] == 2.65
    assert row["overall_response"] == "PMR"


def test_1_5_and_5_5_tlg_ratio_exactly_75_percent_in_binary_is_pmd_by_default():
    # 5.5 (b): TLG_fu / TLG_bl - 1 >= 0.75 and H_fu >= H_bl; 1.5: ratios rounded to 6 decimals.
    # TLG 3.2 -> 5.6: 5.6 / 3.2 - 1 = 0.75 exactly (float 0.7499999999999998); SULpeak 6.0 -> 6.1 (no
    # decline; +1.7 %, +0.1 SUL, no PMD by (a)). Default inclusive: PMD; percist_tlg_strict (> 0.75): SMD.
    lesions = [("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 3.2}, 56: {"sulpeak": 6.1, "tlg": 5.6}})]
    assert timepoint(assess_pet(lesions, "percist"), 56)["overall_response"] == "PMD"
    strict = assess_pet(lesions, "percist", percist_tlg_strict=True)
    assert timepoint(strict, 56)["overall_response"] == "SMD"


@pytest.mark.parametrize(("d_bl", "d_fu"), [(4.5, 5.4), (4.1, 4.92)])
def test_1_5_and_4_5_extent_exactly_20_percent_in_binary_is_not_pmd(d_bl, d_fu):
    # 4.5 PMD extent rule "d_fu / d_bl - 1 > 0.20" (A7: strict); 1.5 rounds the ratio. 5.4 / 4.5 - 1 and
    # 4.92 / 4.1 - 1 are 0.2 exactly but 0.20000000000000018 in binary: not > 0.20. SUVmax unchanged: SMD.
    scans = {-3: {"cycles_before_scan": 0}, 42: {"cycles_before_scan": 2}}
    lesion = {
        -3: {"suvmax": 8.0, "functional_diameter_mm": d_bl},
        42: {"suvmax": 8.0, "functional_diameter_mm": d_fu},
    }
    # every diameter of this table is below 10 mm with decimals, which reads as centimetres (README "Input",
    # io.pet_table since session 20): kept as mm with validation="warn", which says so
    with pytest.warns(ImplausibleValueWarning, match="functional_diameter_mm"):
        result = assess_pet([("T1", "target", "lung", lesion)], "eortc", scans, validation="warn")
    assert timepoint(result, 42)["overall_response"] == "SMD"


# --------------------------------------------------------------------------------- metabolic.md 4 EORTC


def test_4_5_eortc_cmr_needs_every_baseline_lesion_resolved_including_non_target():
    # 4.5 CMR: "every baseline lesion resolved (status = absent) and no new lesion". Targets T1, T2 absent
    # but the non-target NT still present -> not CMR. Sum of tracked targets 12.0 -> 0 (resolved = 0,
    # 4.2): rel -1.0 < -0.25 after 2 cycles -> PMR.
    scans = {-3: {"cycles_before_scan": 0}, 42: {"cycles_before_scan": 2}}
    lesions = [
        ("T1", "target", "lung", {-3: 8.0, 42: {"status": "absent"}}),
        ("T2", "target", "lymph node", {-3: 4.0, 42: {"status": "absent"}}),
        ("NT", "non_target", "bone", {-3: 3.0, 42: 3.0}),
    ]
    row = timepoint(assess_pet(lesions, "eortc", scans, value="suvmax"), 42)
    assert row["overall_response"] == "PMR"
    assert row["rel_change"] == -1.0


# ------------------------------------------------------------------------------- metabolic.md 5 PERCIST


def test_5_2_follow_up_hottest_may_be_a_non_target_lesion():
    # 5.2: "At follow-up the hottest lesion is taken among lesions that were present at baseline (target
    # or non-target)". L1 8.0 -> 5.0, NT 6.0 -> 7.0: H_fu = 7.0 (NT); rel = -1.0 / 8.0 = -12.5 %: SMD
    # (a target-only reading, 8.0 -> 5.0 = -37.5 %, would give PMR).
    lesions = [("L1", "target", "lung", {-5: 8.0, 56: 5.0}), ("NT", "non_target", "bone", {-5: 6.0, 56: 7.0})]
    row = timepoint(assess_pet(lesions, "percist"), 56)
    assert row["current_lesion"] == "NT" and row["rel_change"] == -0.125
    assert row["overall_response"] == "SMD"


def test_5_8_advisory_new_lesion_with_missing_visceral_value_and_pmr_against_recist_pd():
    # 5.8 (i): PMD "by a new lesion with visceral != True, and recist_response at the same date is not PD"
    # -> confirmation_advised. A missing (NaN) visceral value is != True. (ii): CMR/PMR with RECIST PD.
    scans = {-5: QC | {"recist_response": None}, 56: QC | {"recist_response": "SD"}}
    lesions = [
        ("L1", "target", "lung",
         {-5: {"sulpeak": 6.0, "visceral": False}, 56: {"sulpeak": 4.0, "visceral": False}}),
        ("N1", "new", "bone", {56: {"sulpeak": 3.0, "visceral": math.nan}}),
    ]
    row = timepoint(assess_pet(lesions, "percist", scans), 56)
    assert row["overall_response"] == "PMD" and bool(row["confirmation_advised"])
    scans_pd = {-5: scans[-5], 56: QC | {"recist_response": "PD"}}
    # 8.0 -> 5.0: -37.5 %, -3.0 SUL: PMR while RECIST is PD -> advised (ii).
    row = timepoint(assess_pet([("L1", "target", "lung", {-5: 8.0, 56: 5.0})], "percist", scans_pd), 56)
    assert row["overall_response"] == "PMR" and bool(row["confirmation_advised"])


# -------------------------------------------------------------------------------- metabolic.md 6 PECRIT

PECRIT_BASE = QC | {"recist_response": None}


def pecrit_scans(recist, day=24, **changes):
    return {-4: PECRIT_BASE, day: QC | {"uptake_min": 63, "recist_response": recist} | changes}


def test_6_7_pecrit_pet_failures_only_matter_in_the_sd_branch():
    # 6.5: "CR or PR | not consulted | clinical_benefit"; 6.7 lists the PET NE conditions "in the SD
    # branch only". Uptake 95 min (QC fails, 5.4) or baseline 3.0 < T 3.5 (not measurable):
    # RECIST PR -> clinical_benefit; RECIST SD -> NE.
    failed_qc = [("L1", "target", "lung", {-4: 5.0, 24: 6.0})]
    not_measurable = [("L1", "target", "lung", {-4: 3.0, 24: 6.0})]
    for lesions, changes in ((failed_qc, {"uptake_min": 95}), (not_measurable, {})):
        pr = assess_pet(lesions, "pecrit", pecrit_scans("PR", **changes))
        sd = assess_pet(lesions, "pecrit", pecrit_scans("SD", **changes))
        assert timepoint(pr, 24)["overall_response"] == "clinical_benefit"
        assert timepoint(sd, 24)["overall_response"] == "NE"


def test_6_9_pecrit_first_pet_before_day_21_is_used_and_flagged_or_ne_when_strict():
    # 6.9: "on the first follow-up PET with 21 <= day <= 28. If there is none, the default uses the first
    # follow-up PET and sets timing_flag = outside_pecrit_window ...; with pecrit_strict_window = True the
    # result is NE." PETs on days 14 and 42 (none in 21-28): day 14 is used. RECIST SD, 5.0 -> 6.0 =
    # +20 % > 15.5 %: clinical_benefit.
    scans = {-4: PECRIT_BASE, 14: QC | {"recist_response": "SD"}, 42: QC | {"recist_response": "SD"}}
    lesions = [("L1", "target", "lung", {-4: 5.0, 14: 6.0, 42: 6.0})]
    result = assess_pet(lesions, "pecrit", scans)
    assert result.timepoints["day"].tolist() == [14]
    row = timepoint(result, 14)
    assert row["overall_response"] == "clinical_benefit" and row["timing_flag"] == "outside_pecrit_window"
    assert result.best_response.iloc[0]["best_response"] == "clinical_benefit"
    strict = assess_pet(lesions, "pecrit", scans, pecrit_strict_window=True)
    assert strict.best_response.iloc[0]["best_response"] == "NE"


# ------------------------------------------------------------------------------- metabolic.md 7 PERCIMT


def test_7_7_percimt_unknown_size_is_tried_at_the_two_extremes_only_binned():
    # 7.7: "compute the counts with unknown sizes treated as <= 10 (minimum) and as > 15 (maximum); if
    # the two give different categories, NE ...; otherwise use the common result". Binned counting
    # (7.5): new lesions 12, 12 mm and one of unknown size. As <= 10: small 1, medium 2; as > 15: large 1,
    # medium 2: neither reaches small >= 4, medium >= 3, large >= 2 -> SMD both ways -> SMD.
    # Four small (8, 8, 8 mm + unknown): as <= 10: small 4 -> PMD; as > 15: small 3, large 1 -> SMD:
    # they differ -> NE.
    def run(sizes):
        base = [
            ("B1", "target", "lung", {-7: {"suvmax": 5.0}, 84: {"suvmax": 5.0}}),
            ("B2", "target", "liver", {-7: {"suvmax": 4.0}, 84: {"suvmax": 4.0}}),
        ]
        new = [(f"N{i + 1}", "new", "bone", {84: {"functional_diameter_mm": d}}) for i, d in enumerate(sizes)]
        result = assess_pet(base + new, "percimt", {-7: {}, 84: {}}, percimt_counting="binned")
        return timepoint(result, 84)["overall_response"]

    assert run([12.0, 12.0, math.nan]) == "SMD"
    assert run([8.0, 8.0, 8.0, math.nan]) == "NE"


# ------------------------------------------------------------------------------ metabolic.md 9 iPERCIST


def test_9_5_ipercist_confirmation_by_tlg_extent_and_by_new_unequivocal_flag_versus_the_upmd_scan():
    # 9.5 rule 2: with P_bl = PMD inside an episode, "(b) TLG extent rule versus U" or "(d) an
    # unequivocal_progression flag set at C on a lesion that was not so flagged at U" -> CPMD, progression
    # dated at U.
    # (b): L1 5.0 -> 7.0 (day 56: +40 %, +2.0: UPMD) -> 7.2 (day 84: vs U +2.9 %, no (a)). TLG of the up-to-5
    # lesions: U 60 + 40 = 100, C 110 + 70 = 180: 180 / 100 - 1 = 0.80 >= 0.75 and 7.2 >= 7.0 -> CPMD.
    tlg = [
        ("L1", "target", "lung", {-5: {"sulpeak": 5.0, "tlg": 50}, 56: {"sulpeak": 7.0, "tlg": 60},
                                  84: {"sulpeak": 7.2, "tlg": 110}}),
        ("L2", "target", "lymph node", {-5: {"sulpeak": 3.0, "tlg": 30}, 56: {"sulpeak": 3.2, "tlg": 40},
                                        84: {"sulpeak": 3.3, "tlg": 70}}),
    ]
    # (d): L1 5.0 -> 7.0 (UPMD) -> 7.1 (+1.4 % vs U); NT L2 flagged unequivocal at day 84 only.
    flag = [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 7.1}),
        ("L2", "non_target", "bone",
         {-5: 3.0, 56: 3.0, 84: {"sulpeak": 3.0, "status": "unequivocal_progression"}}),
    ]
    for lesions in (tlg, flag):
        result = assess_pet(lesions, "ipercist")
        assert result.timepoints["overall_response"].tolist() == ["UPMD", "CPMD"]
        assert result.timepoints["confirmation_state"].tolist() == ["confirmed", "confirms"]
        best = result.best_response.iloc[0]
        assert best["best_response"] == "CPMD" and best["progression_day"] == 56


# ------------------------------------------------------------------------------------------ pet.md 7(d)


def _d_image() -> np.ndarray:
    # pet.md 7(d): every voxel 1.0, A: I[2,2,2] = 10; B: I[4,4,4] = 8 and its six face neighbours 6.0.
    image = np.ones((7, 7, 7))
    image[2, 2, 2] = 10.0
    image[4, 4, 4] = 8.0
    for axis in range(3):
        for step in (-1, 1):
            index = [4, 4, 4]
            index[axis] += step
            image[tuple(index)] = 6.0
    return image


@pytest.mark.parametrize(
    ("centre", "weighting", "expected"),
    [
        ((3, 4, 4), "centre", 51 / 19),  # "(3,4,4): 6 + (8 + 5 x 1) + (4 x 6 + 8 x 1) = 51 -> 2.684211"
        ((3, 3, 4), "centre", 36 / 19),  # "(3,3,4): 36/19 = 1.894737"
        ((3, 4, 4), "fractional", 39.068 / 15.6),  # "excess = 5 + 6.888 + 0.06 + 11.52 = 23.468 -> 2.504359"
    ],
)
def test_pet_7d_competitor_centres(centre, weighting, expected):
    # The mean of the 1 ml sphere at one centre: a mask of that single voxel makes it the only candidate.
    mask = np.zeros((7, 7, 7), dtype=bool)
    mask[centre] = True
    result = peak(_d_image(), mask, (4.0, 4.0, 4.0), placement="global", weighting=weighting)
    assert result.centre_index == centre
    assert result.value == pytest.approx(expected, abs=1e-6)
    assert round(result.value, 6) == round(expected, 6)


# ---------------------------------------------------------------------- patterns.md 2.4 and section 11

T0 = dt.date(2024, 1, 1)


def _date(day: int) -> str:
    return (T0 + dt.timedelta(days=day)).isoformat()


def _lesion(patient, day, lesion_id, size, organ="lung", role="target", node=False):
    return {
        "patient_id": patient, "date": _date(day), "lesion_id": lesion_id, "role": role, "organ": organ,
        "lymph_node": node, "long_axis_mm": None if node else size, "short_axis_mm": size if node else None,
        "status": "present",
    }


def _hp_inputs():
    """patterns.md 2.4 HP-1..HP-5 as lesion rows, a patient table and ECOG visits (days from the start)."""
    rows = []
    # HP-1: prebaseline day -56 25 + 15 = 40; baseline day -7 27 + 17 = 44; day 49 37 + 25 = 62 (lung, liver).
    for day, a, b in ((-56, 25, 15), (-7, 27, 17), (49, 37, 25)):
        rows += [_lesion("HP-1", day, "A", a), _lesion("HP-1", day, "B", b, "liver")]
    # HP-2: sums 30 (day -60), 45 (day -4), 60 (day 52); lung, liver.
    for day, a, b in ((-60, 20, 10), (-4, 30, 15), (52, 40, 20)):
        rows += [_lesion("HP-2", day, "A", a), _lesion("HP-2", day, "B", b, "liver")]
    # HP-3: day -90 30 + 20; day -10 28 + 18; day 46 40 + 30; new: two liver (14, 11 mm), one bone.
    for day, a, b in ((-90, 30, 20), (-10, 28, 18), (46, 40, 30)):
        rows += [_lesion("HP-3", day, "A", a), _lesion("HP-3", day, "B", b, "liver")]
    rows += [_lesion("HP-3", 46, "N1", 14, "liver", "new"), _lesion("HP-3", 46, "N2", 11, "liver", "new"),
             _lesion("HP-3", 46, "N3", 12, "bone", "new")]
    # HP-4: baseline day -3 30 + 20 (node short axis); day 42 44 + 28; new: left adrenal 12 mm, one bone.
    for day, a, b in ((-3, 30, 20), (42, 44, 28)):
        rows += [_lesion("HP-4", day, "A", a), _lesion("HP-4", day, "B", b, "lymph_node", node=True)]
    rows += [_lesion("HP-4", 42, "N1", 12, "adrenal", "new"), _lesion("HP-4", 42, "N2", 15, "bone", "new")]
    # HP-5: day -61 18 + 12; day -5 20 + 13; day 40 33 + 22 (lung, liver).
    for day, a, b in ((-61, 18, 12), (-5, 20, 13), (40, 33, 22)):
        rows += [_lesion("HP-5", day, "A", a), _lesion("HP-5", day, "B", b, "liver")]
    ends = {"HP-1": 84, "HP-2": 52, "HP-3": 50, "HP-4": 56, "HP-5": 45}
    patients = pd.DataFrame([
        {"patient_id": p, "treatment_start": _date(0), "treatment_end": _date(e),
         "treatment_end_reason": "progression"}
        for p, e in ends.items()
    ])
    ecog = {"HP-1": ((-7, 1), (42, 1)), "HP-2": ((-4, 0), (52, 1)), "HP-3": ((-10, 1), (45, 3)),
            "HP-4": ((-3, 0), (42, 1)), "HP-5": ((-5, 1), (40, 2))}
    visits = pd.DataFrame([{"patient_id": p, "date": _date(d), "ecog": e} for p, pairs in ecog.items()
                           for d, e in pairs])
    return pd.DataFrame(rows), patients, visits


# patterns.md 2.4 results table (= section 11 last column), default options.
HP_TABLE = {
    "hpd.champiat2017": "T F NE NE T",
    "hpd.kanjanapan2019": "T F NE NE T",
    "hpd.petrioli2020": "T F NE NE T",
    "hpd.saada_bouzid2017": "T F NE NE T",
    "hpd.kato2017": "F F NE F T",
    "hpd.ferrara2018": "T F T NE T",
    "hpd.lo_russo2019": "F F T F T",
    "hpd.matos2020": "F F T T T",
    "hpd.kas2020": "F F T NE T",
}
FLAG = {"T": "true", "F": "false", "NE": "not_evaluable"}


def test_patterns_2_4_hp_results_table_end_to_end_through_assess():
    # The whole results table from lesion rows: RECIST 1.1 at the first evaluation, prebaseline scans,
    # new-lesion organs, TTF from the patient table and ECOG from the visits all derived by the package.
    table, patients, visits = _hp_inputs()
    result = ioresponse.assess(table, criteria=("recist11",), patients=patients, patterns=False)
    # pct_1 = 40.91, 33.33, 52.17, 44.00, 66.67 % (>= 20 %, >= 5 mm): RECIST PD at every first evaluation.
    assert result.timepoints["overall_response"].tolist() == ["PD"] * 5
    patterns = find_patterns(result.study, result.timepoints, result.best_response, visits=visits)
    flags = {(r["definition"], r["patient_id"]): r["flag"] for _, r in patterns.iterrows()}
    for definition, expected in HP_TABLE.items():
        got = [flags[(definition, f"HP-{i}")] for i in range(1, 6)]
        assert got == [FLAG[e] for e in expected.split()], definition
    reasons = {(r["definition"], r["patient_id"]): r["reason"] for _, r in patterns.iterrows()}
    # 2.4 example reasons: "TGR 74.93 %/mo on treatment vs 19.44 %/mo before (ratio 3.855 >= 2) with RECIST
    # PD at first evaluation: HPD (Champiat 2017)" and "tumor burden +44.00 % is not > 50 %: not HPD
    # (Kato 2017); pace not computed (no prebaseline scan)" (the numbers and calls, not the exact joins).
    h1 = reasons[("hpd.champiat2017", "HP-1")]
    assert "TGR 74.93 %/mo on treatment vs 19.44 %/mo before (ratio 3.855 >= 2)" in h1
    assert "RECIST PD at first evaluation" in h1 and h1.rstrip(")").endswith("HPD (Champiat 2017")
    h5 = reasons[("hpd.kato2017", "HP-4")]
    assert "tumor burden +44.00 % is not > 50 %: not HPD (Kato 2017)" in h5
    assert "no prebaseline scan" in h5


# ---------------------------------------------------------------------------- patterns.md 4.2 and 5.5


def test_patterns_4_2_pons_tostivint_example_through_assess():
    # 4.2: "cohort median PFS 4.0 months -> threshold 12.0 months = 365.25 days. Patient A: event day 400
    # -> durable. B: censored day 300 -> not evaluable. C: event day 200 -> not durable."
    # 4.0 months = 4 x 30.4375 = 121.75 days (patterns.md 0.1). RECIST 1.1: A PR day 84 (50 -> 30), PD day
    # 400 (40 vs nadir 30: +33 %, +10 mm); B PR, last assessment day 300; C PR day 56, PD day 200.
    rows = []
    for patient, points in {"A": ((-7, 50), (84, 30), (400, 40)), "B": ((-7, 50), (84, 30), (300, 30)),
                            "C": ((-7, 50), (56, 30), (200, 40))}.items():
        rows += [_lesion(patient, d, "T1", v, "liver") for d, v in points]
    patients = pd.DataFrame([{"patient_id": p, "treatment_start": _date(0)} for p in "ABC"])
    result = ioresponse.assess(pd.DataFrame(rows), criteria=("recist11",), patients=patients,
                               cohort_median_pfs_days=121.75)
    p = result.patterns
    flags = dict(p.loc[p["definition"] == "durable.pons_tostivint2019", ["patient_id", "flag"]].values)
    assert flags == {"A": "true", "B": "not_evaluable", "C": "false"}
    values = json.loads(p.loc[p["definition"] == "durable.pons_tostivint2019", "values"].iloc[0])
    assert values["threshold_days"] == pytest.approx(365.25)


def test_patterns_5_5_irae2_sarcoid_flag_next_to_iupd_through_assess():
    # 5.5 IRAE-2: "day 84, new nodes: right hilar 14 mm, left hilar 13 mm, subcarinal 12 mm (short axis);
    # target sum -35 % vs baseline. iRECIST timepoint is iUPD (new lesions) and stays iUPD; IRAE-SARC is
    # shown next to it, with 'non-thoracic disease responding' in the evidence." Targets in the liver:
    # 60 + 40 = 100 -> 39 + 26 = 65 (-35 %).
    def row(day, lesion_id, size, organ, role="target", node=False, side=None):
        out = {"patient_id": "P1", "day": day, "lesion_id": lesion_id, "role": role, "organ": organ,
               "lymph_node": node, "long_axis_mm": None if node else size,
               "short_axis_mm": size if node else None,
               "status": "present", "side": side}
        return out

    rows = [row(-7, "T1", 60, "liver"), row(-7, "T2", 40, "liver"), row(84, "T1", 39, "liver"),
            row(84, "T2", 26, "liver"), row(84, "N1", 14, "lymph_node_hilar", "new", True, "right"),
            row(84, "N2", 13, "lymph_node_hilar", "new", True, "left"),
            row(84, "N3", 12, "lymph_node_mediastinal", "new", True, "midline")]
    result = ioresponse.assess(pd.DataFrame(rows), criteria=("irecist",))
    tp = result.timepoints.iloc[0]
    assert tp["overall_response"] == "iUPD" and tp["pct_change_baseline"] == -35.0
    assert "IRAE-SARC" in tp["flags"]
    sarc = result.patterns[result.patterns["definition"] == "IRAE-SARC"].iloc[0]
    evidence = json.loads(sarc["evidence"])
    assert sarc["flag"] == "true" and evidence["non_thoracic_disease_controlled"] is True
    assert evidence["concurrent_response"] == {"irecist": "iUPD"}


# ------------------------------------------------------------------------ patterns.md 1.3 / 1.4 PERCIST


def test_patterns_1_4_percist_humbert2020_reports_percent_change_at_progression():
    # patterns.md 1.4 (skeleton for all variants): "Values reported: t_u, day of resolution, percent change
    # at P (vs nadir), response at resolution, early/late, number of days between P and resolution."
    # metabolic.md 9.10 S-1 / S-2 data: hottest SULpeak 5.0 at baseline (the only, hence lowest, value
    # before P), 7.0 at day 56: +40.0 % -> PERCIST PMD = P (t_u = 56); day 84 L1 3.4, L2 2.0: -32 %,
    # -1.6 SUL: PMR -> resolved, true, early, 28 days. Percent change at P vs nadir 5.0 = +40.0
    # (vs baseline it is the same +40.0, so the reading of "nadir" for PERCIST does not matter).
    lesions = [("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 3.4}),
               ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 2.0})]
    result = assess_pet(lesions, "percist")
    assert result.timepoints["overall_response"].tolist() == ["PMD", "PMR"]
    table = find_patterns(result.study, result.timepoints, result.best_response,
                          definitions=["pseudoprogression.percist_humbert2020"])
    row = table.iloc[0]
    values = json.loads(row["values"]) if isinstance(row["values"], str) else row["values"]
    assert row["flag"] == "true"
    assert values["t_u"] == 56 and values["resolution_day"] == 84 and values["timing"] == "early"
    assert values["days_to_resolution"] == 28 and values["response_at_resolution"] == "PMR"
    assert values["pct_change_nadir_at_progression"] == pytest.approx(40.0)
    assert "n/a" not in row["reason"]
