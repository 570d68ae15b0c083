"""Audit (session 18, "optmet"): every option and Ambiguity entry of spec/metabolic.md and spec/patterns.md.

What was audited, through the public API only (``ioresponse.assess(table, criteria=(...), **options)``,
``ioresponse.patterns.find_patterns`` for definitions that are not run by default, and the CLI
``ioresponse assess|patterns|validate ... --option name=value``):

- spec/metabolic.md 4.12 (EORTC A1-A10), 5.12 (PERCIST A1-A11, with 2.2 ``lbm_formula``), 6.12 (PECRIT
  A1-A5), 7.12 (PERCIMT A1-A5), 8.12 (imPERCIST A1-A5), 9.11 (iPERCIST A1-A5) and the options named in
  4.2, 4.5, 4.7, 5.4, 5.5, 5.9, 6.5, 6.9, 7.5, 7.9, 8.2, 8.5, 8.7, 8.9, 9.5;
- spec/patterns.md options: 0.2 ``prebaseline_max_days_before_baseline``; 1.3 ``min_subsequent_response``;
  1.4 ``early_cutoff_days``; 2.1/9.2 ``kato_pace_metric``; 2.2/9.1 ``nonpositive_reference``; 2.3 H7
  ``ecog_rule`` (not re-run here), ``split_lymph_node_regions``; H8 ``matos_time_rule``,
  ``matos_new_lesion_rule``, ``matos_min_abs_increase_mm``; 4.1 OPTiM (toolkit ``drr_loss``), 4.3
  ``min_off_treatment_days`` and the SD option; 4.4 ``max_progressing_lesions``, ``max_progressing_organs``;
  6.3 ``accept_equivalent_assays``.

For each: accepted under the spec's name, default = the spec's default (an input where default and
alternative differ, the default's result asserted from the spec text), the alternative doing what the entry
says, wrong values refused with a located message (no traceback), and the CLI parsing ``name=value`` to the
option's type with the API's result. Expected values come from the spec text and the hand arithmetic in the
comments, never from the program's output.

Proven differences, fixed in session 18 (the tests now pin the fix): PERCIST / iPERCIST
``percist_reference="nadir"`` with a nadir of 0 (all baseline lesions absent at an earlier scan) gave SMD
where spec 1.5 makes the comparison NE; an ``eortc_metric`` outside its choices was refused as a missing
column (API) or as "not an option" (validate) instead of naming the choices; ``lbm_formula`` (5.12 A2) was
refused as a PERCIST option.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from _pet_tables import QC, pet
from typer.testing import CliRunner

import ioresponse
from ioresponse.cli import app
from ioresponse.patterns import find_patterns
from ioresponse.schema import InputError

NAN = math.nan
START = pd.Timestamp("2020-01-01")


def _assess(frame, criterion, *, patterns=False, **options):
    """``ioresponse.assess`` (load, then run; the patterns only when asked: they do not change a call)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if patterns:
            return ioresponse.assess(frame, criteria=(criterion,), **options)
        return ioresponse.run(ioresponse.load(frame), (criterion,), patterns=False, **options)


def _calls(frame, criterion, **options):
    """overall_response by day."""
    tp = _assess(frame, criterion, **options).timepoints
    return dict(zip(tp["day"].astype(int), tp["overall_response"], strict=True))


def _date(day):
    return (START + pd.Timedelta(days=int(day))).strftime("%Y-%m-%d")


def _row(day, lesion_id, value, *, role="target", organ="liver", node=False, status="present"):
    out = dict(
        patient_id="P1",
        day=day,
        lesion_id=lesion_id,
        role=role,
        organ=organ,
        lymph_node=node,
        status=status,
        long_axis_mm=np.nan,
        short_axis_mm=np.nan,
    )
    out["short_axis_mm" if node else "long_axis_mm"] = float(value)
    return out


def _cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def _flat(result):
    return " ".join(result.output.split())


# ------------------------------------------------------------------ PET tables used below

EORTC_SCAN = {"uptake_min": 60}


def _eortc(lesions, cycles, uptake=None):
    """suvmax table with cycles_before_scan per day (0 at baseline)."""
    scans = {
        d: {**EORTC_SCAN, "cycles_before_scan": c, "uptake_min": (uptake or {}).get(d, 60)}
        for d, c in cycles.items()
    }
    return pet(lesions, scans, value="suvmax")


# E-2 (spec 4.11): 12.0 -> 9.8 after 3 cycles, rel = -2.2 / 12 = -0.183333.
E2 = _eortc(
    [("T1", "target", "lung", {-3: 8.0, 63: 6.6}), ("T2", "target", "lymph node", {-3: 4.0, 63: 3.2})],
    {-3: 0, 63: 3},
)
# A6: 12.0 -> 9.0 after 2 cycles, rel = -0.25 exactly.
E_A6 = _eortc(
    [("T1", "target", "lung", {-3: 8.0, 42: 6.0}), ("T2", "target", "lymph node", {-3: 4.0, 42: 3.0})],
    {-3: 0, 42: 2},
)
# A2: T1 8.0 -> 10.4 (+30%), T2 4.0 -> 1.0; sum 12.0 -> 11.4 (-5%, SMD);
# hottest 8.0 -> 10.4 (+30% > 25%: PMD).
E_A2 = _eortc(
    [("T1", "target", "lung", {-3: 8.0, 42: 10.4}), ("T2", "target", "lymph node", {-3: 4.0, 42: 1.0})],
    {-3: 0, 42: 2},
)
# A1: suvmax 10 -> 13 (+30%: PMD); sulpeak 8.0 -> 9.6 (+20%: SMD); sulmean 5 -> 5 (SMD).
E_A1 = pd.DataFrame(
    [
        dict(
            patient_id="P1",
            day=-3,
            lesion_id="T1",
            role="target",
            organ="lung",
            suvmax=10.0,
            sulpeak=8.0,
            sulmean=5.0,
            status="present",
            cycles_before_scan=0,
            uptake_min=60,
        ),
        dict(
            patient_id="P1",
            day=42,
            lesion_id="T1",
            role="target",
            organ="lung",
            suvmax=13.0,
            sulpeak=9.6,
            sulmean=5.0,
            status="present",
            cycles_before_scan=2,
            uptake_min=60,
        ),
    ]
)

# PERCIST (spec 5.11: liver 2.0 / 0.25, T = 3.5, uptake 60 at every scan unless stated).
P1_LESIONS = [
    ("L1", "target", "lung", {-5: 8.0, 56: 5.6}),
    ("L2", "target", "lymph node", {-5: 5.0, 56: 3.0}),
]
P4 = pet([("L1", "target", "lung", {-5: 4.0, 56: 5.2})])  # +30.0 %, +1.2 SUL exactly on the boundary
P7A = pet(P1_LESIONS, {-5: QC, 56: {**QC, "uptake_min": 80}})  # 80 > 70 and |80 - 60| = 20 > 15
P8_BLOOD = pet(
    [("L1", "target", "lung", {-5: 8.0, 56: 1.6}), ("L2", "target", "lymph node", {-5: 5.0, 56: 1.3})],
    {
        -5: {**QC, "blood_pool_sul_mean": 1.5, "blood_pool_sul_sd": 0.2},
        56: {**QC, "blood_pool_sul_mean": 1.4, "blood_pool_sul_sd": 0.2},
    },
)
P9 = pet(
    [
        ("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 60}, 56: {"sulpeak": 6.3, "tlg": 110}}),
        ("L2", "target", "lymph node", {-5: {"sulpeak": 4.0, "tlg": 40}, 56: {"sulpeak": 4.1, "tlg": 70}}),
    ]
)
P9_75 = pet(
    [
        ("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 60}, 56: {"sulpeak": 6.3, "tlg": 105}}),
        ("L2", "target", "lymph node", {-5: {"sulpeak": 4.0, "tlg": 40}, 56: {"sulpeak": 4.1, "tlg": 70}}),
    ]
)
P10 = pet([("L1", "target", "lung", {-5: 10.0, 56: 6.0}), ("L2", "target", "bone", {-5: 4.0, 56: 5.4})])
# A5: three lung lesions, max 2 per organ. Baseline selection L1, L2 (TLG 50 + 50 = 100). Day 56 re-selected:
# L1 6.0, L3 5.5 (TLG 50 + 130 = 180, +80 % >= 75 %, H 6.0 >= 6.0: PMD by extent); same lesions L1 + L2:
# TLG 50 + 20 = 70 (-30 %): no extent PMD; H 6.0 vs 6.0 (+0 %): SMD.
P_A5 = pet(
    [
        ("L1", "target", "lung", {-5: {"sulpeak": 6.0, "tlg": 50}, 56: {"sulpeak": 6.0, "tlg": 50}}),
        ("L2", "target", "lung", {-5: {"sulpeak": 5.0, "tlg": 50}, 56: {"sulpeak": 3.0, "tlg": 20}}),
        ("L3", "target", "lung", {-5: {"sulpeak": 4.0, "tlg": 10}, 56: {"sulpeak": 5.5, "tlg": 130}}),
    ]
)
# A6: H 8.0 -> 5.6 (PMR) -> 7.5: vs baseline -6.25 % (SMD); vs nadir 5.6: +33.9 %, +1.9 SUL (PMD).
P_A6 = pet(
    [
        ("L1", "target", "lung", {-5: 8.0, 56: 5.6, 112: 7.5}),
        ("L2", "target", "lymph node", {-5: 5.0, 56: 3.0, 112: 3.0}),
    ]
)


@pytest.mark.parametrize(
    "frame, criterion, option, default, alternative",
    [
        # 4.12 A4 / E-2: -18.3 % after 3 cycles: SMD (gap); eortc_gap_policy="pmr": -0.183 <= -0.15: PMR.
        (E2, "eortc", {"eortc_gap_policy": "pmr"}, {63: "SMD"}, {63: "PMR"}),
        # 4.12 A6: exactly -25 % after 2 cycles: not < -0.25: SMD; "pmr": -0.25 <= -0.15: PMR.
        (E_A6, "eortc", {"eortc_gap_policy": "pmr"}, {42: "SMD"}, {42: "PMR"}),
        # 4.12 A2: sum -5 %: SMD; hottest +30 % > 25 %: PMD.
        (E_A2, "eortc", {"eortc_aggregate": "hottest"}, {42: "SMD"}, {42: "PMD"}),
        # 4.12 A1: suvmax +30 % > 25 %: PMD; sulpeak +20 %: SMD.
        (E_A1, "eortc", {"eortc_metric": "sulpeak"}, {42: "PMD"}, {42: "SMD"}),
        (E_A1, "eortc", {"eortc_metric": "sulmean"}, {42: "PMD"}, {42: "SMD"}),
        # 5.12 A1 / P-4: +30.0 % is not > 30 %: SMD; inclusive >= 30 % and +1.2 >= 0.8: PMD.
        (P4, "percist", {"percist_pmd_inclusive": True}, {56: "SMD"}, {56: "PMD"}),
        # 5.12 A7 / P-7a: QC fails: NE; "warn" keeps P-1's PMR (-30.0 %, -2.4 SUL).
        (P7A, "percist", {"percist_qc": "warn"}, {56: "NE"}, {56: "PMR"}),
        # 5.12 A3 / P-8 with blood pool 1.4: liver rule 1.6 < 2.0 and 1.3 < 2.0: CMR;
        # blood pool 1.6 > 1.4: PMR
        # (-80 %, -6.4 SUL).
        (P8_BLOOD, "percist", {"percist_cmr_rule": "blood_pool"}, {56: "CMR"}, {56: "PMR"}),
        (P8_BLOOD, "percist", {"percist_cmr_rule": "reader"}, {56: "CMR"}, {56: "PMR"}),
        # 5.12 A4 / P-9: TLG +80 % >= 75 %: PMD; rule off: H +5 %, +0.3: SMD.
        (P9, "percist", {"percist_tlg_rule": False}, {56: "PMD"}, {56: "SMD"}),
        # 5.12 A4: TLG 100 -> 175 = +75 % exactly: PMD (>= 0.75); strict > 0.75: SMD.
        (P9_75, "percist", {"percist_tlg_strict": True}, {56: "PMD"}, {56: "SMD"}),
        # 5.12 A5 (see P_A5): re-select PMD by extent; same lesions SMD.
        (P_A5, "percist", {"percist_sum_selection": "same_lesions"}, {56: "PMD"}, {56: "SMD"}),
        # 5.12 A6: baseline reference SMD at day 112; nadir +33.9 %, +1.9 SUL: PMD.
        (P_A6, "percist", {"percist_reference": "nadir"}, {56: "PMR", 112: "SMD"}, {56: "PMR", 112: "PMD"}),
        # 5.12 A8 / P-10: L2 +35 % blocks PMR: SMD; check off: PMR (-40 %, -4.0 SUL).
        (P10, "percist", {"percist_pmr_other_lesion_check": False}, {56: "SMD"}, {56: "PMR"}),
    ],
)
def test_eortc_percist_option_default_vs_alternative(frame, criterion, option, default, alternative):
    """spec/metabolic.md 4.12 and 5.12: each default as the spec states it, and its named alternative."""
    assert _calls(frame, criterion) == default
    assert _calls(frame, criterion, **option) == alternative


def test_eortc_qc_note_default_warn_and_off():
    """spec 4.7 / 4.12 A9: eortc_qc="warn" (default) notes an uptake difference > 15 min; "off" does not; the
    category never changes (8.0 -> 8.0 after 2 cycles: SMD)."""
    frame = _eortc([("T1", "target", "lung", {-3: 8.0, 42: 8.0})], {-3: 0, 42: 2}, uptake={42: 80})
    default = _assess(frame, "eortc").timepoints.iloc[0]
    off = _assess(frame, "eortc", eortc_qc="off").timepoints.iloc[0]
    assert default["overall_response"] == off["overall_response"] == "SMD"
    assert "uptake time 80 min differs from baseline 60 min" in default["reason"]  # |80 - 60| = 20 > 15
    assert "uptake" not in off["reason"]
    at_15 = _eortc([("T1", "target", "lung", {-3: 8.0, 42: 8.0})], {-3: 0, 42: 2}, uptake={42: 75})
    assert "uptake" not in _assess(at_15, "eortc").timepoints.iloc[0]["reason"]  # 15 is not > 15


# PECRIT (spec 6.11: baseline day -4, SCAN-2 day 24, liver 2.0 / 0.25, uptake 60 and 63).
def _pecrit(values, day=24, recist="SD", uptake=63):
    lesions = [("L1", "target", "lung", {-4: values[0][0], day: values[0][1]})]
    if len(values) > 1:
        lesions.append(("L2", "target", "lymph node", {-4: values[1][0], day: values[1][1]}))
    return pet(
        lesions,
        {-4: {**QC, "recist_response": ""}, day: {**QC, "uptake_min": uptake, "recist_response": recist}},
    )


@pytest.mark.parametrize(
    "frame, option, default, alternative",
    [
        # 6.12 A1 / C-3: +20 % > +15.5 %: benefit; "decrease": +0.20 not < -0.155: no benefit.
        (
            _pecrit([(5.0, 6.0), (3.9, 4.1)]),
            {"pecrit_sd_direction": "decrease"},
            "clinical_benefit",
            "no_clinical_benefit",
        ),
        # C-4: -20 %: default no benefit; "decrease": -0.20 < -0.155: benefit.
        (
            _pecrit([(5.0, 4.0), (3.9, 3.5)]),
            {"pecrit_sd_direction": "decrease"},
            "no_clinical_benefit",
            "clinical_benefit",
        ),
        # 6.12 A2: 4.0 -> 3.38 is -15.5 % exactly: not < -0.155 under "decrease" either (strict).
        (
            _pecrit([(4.0, 3.38)]),
            {"pecrit_sd_direction": "decrease"},
            "no_clinical_benefit",
            "no_clinical_benefit",
        ),
        # 6.12 A3 / C-6: only PET on day 42: computed (+20 %: benefit), flagged; strict window: NE.
        (_pecrit([(5.0, 6.0)], day=42), {"pecrit_strict_window": True}, "clinical_benefit", "NE"),
        # 6.12 A4: uptake 80 fails QC in the SD branch: NE; percist_qc="warn": +20 %: benefit.
        (_pecrit([(5.0, 6.0)], uptake=80), {"percist_qc": "warn"}, "NE", "clinical_benefit"),
    ],
)
def test_pecrit_option_default_vs_alternative(frame, option, default, alternative):
    """spec/metabolic.md 6.12 A1-A4 (6.5, 6.7, 6.9)."""
    assert list(_calls(frame, "pecrit").values()) == [default]
    assert list(_calls(frame, "pecrit", **option).values()) == [alternative]


def _percimt(new_lesions, days=(84,)):
    """Baseline B1-B3 (day -7) present at every follow-up; new lesions as (id, {day: cells})."""
    rows = []
    for lesion_id, organ in (("B1", "lung"), ("B2", "lymph node"), ("B3", "liver")):
        for day in (-7, *days):
            rows.append(
                dict(
                    patient_id="P1",
                    day=day,
                    lesion_id=lesion_id,
                    role="target",
                    organ=organ,
                    status="present",
                    suvmax=5.0,
                    functional_diameter_mm=NAN,
                )
            )
    for lesion_id, cells in new_lesions:
        for day, cell in cells.items():
            rows.append(
                dict(
                    patient_id="P1",
                    day=day,
                    lesion_id=lesion_id,
                    role="new",
                    organ="bone",
                    status="present",
                    suvmax=5.0,
                    functional_diameter_mm=NAN,
                )
                | cell
            )
    return pd.DataFrame(rows)


def test_percimt_options_default_vs_alternative():
    """spec/metabolic.md 7.12 A1 (M-5), A3, A4."""
    m5 = _percimt([(f"N{i}", {84: {"functional_diameter_mm": d}}) for i, d in enumerate((6, 8, 12, 14))])
    assert _calls(m5, "percimt") == {84: "PMD"}  # cumulative n_all = 4 >= 4
    assert _calls(m5, "percimt", percimt_counting="binned") == {
        84: "SMD"
    }  # 2 small < 4, 2 medium < 3, 0 large
    # A3: four 5 mm lesions at day 84, still there at day 140, nothing else new.
    kept = _percimt(
        [
            (f"N{i}", {84: {"functional_diameter_mm": 5}, 140: {"functional_diameter_mm": 5}})
            for i in range(4)
        ],
        days=(84, 140),
    )
    assert _calls(kept, "percimt") == {84: "PMD", 140: "PMD"}  # 4 new since baseline at both
    # since the previous scan: none new at day 140, no baseline lesion resolved: SMD
    assert _calls(kept, "percimt", percimt_new_since="previous") == {84: "PMD", 140: "SMD"}
    # A4: PMD at day 84, all new lesions absent at day 140 (no new lesion, none resolved: SMD).
    gone = _percimt(
        [(f"N{i}", {84: {"functional_diameter_mm": 5}, 140: {"status": "absent"}}) for i in range(4)],
        days=(84, 140),
    )
    best = _assess(gone, "percimt").best_response.iloc[0]
    assert best["clinical_benefit"] == "no_clinical_benefit"  # "no PMD at any scan" fails (day 84 PMD)
    last = _assess(gone, "percimt", percimt_patient_benefit="last_scan").best_response.iloc[0]
    assert last["clinical_benefit"] == "clinical_benefit"  # last evaluable follow-up SMD


# imPERCIST (spec 8.11: baseline day -6, follow-up day 90, liver 2.0 / 0.25, uptake 60 / 61).
I_SCANS = {-6: QC, 90: {**QC, "uptake_min": 61}}
I5 = pet(
    [
        ("L1", "target", "lung", {-6: 6.0, 90: 5.0}),
        ("L2", "target", "lung", {-6: 5.0, 90: 4.0}),
        ("L3", "target", "lymph node", {-6: 5.0, 90: 4.0}),
        ("L4", "target", "lymph node", {-6: 4.0, 90: 3.5}),
        ("L5", "target", "bone", {-6: 4.0, 90: 3.5}),
        ("N1", "new", "liver", {90: 6.0}),
        ("N2", "new", "liver", {90: 5.5}),
    ],
    I_SCANS,
)
I3 = pet(
    [("L1", "target", "lung", {-6: 6.0, 90: 7.8}), ("L2", "target", "lymph node", {-6: 4.0, 90: 5.2})],
    I_SCANS,
)
I4 = pet(
    [
        ("L1", "target", "liver", {-6: 8.0, 90: 6.0}),
        ("L2", "target", "liver", {-6: 6.0, 90: 4.0}),
        ("L3", "target", "lymph node", {-6: 4.0, 90: 2.6}),
    ],
    I_SCANS,
)
LOW_LIVER = {"uptake_min": 60, "liver_sul_mean": 1.0, "liver_sul_sd": 0.1}  # T = 1.5 + 0.2 = 1.7
I_ABS = pet([("L1", "target", "lung", {-6: 2.0, 90: 2.7})], {-6: LOW_LIVER, 90: LOW_LIVER})
I_NADIR = pet([("L1", "target", "lung", {-6: 10.0, 90: 6.0, 150: 8.0})], {-6: QC, 90: QC, 150: QC})
I_QC = pet([("L1", "target", "lung", {-6: 10.0, 90: 6.0})], {-6: QC, 90: {**QC, "uptake_min": 80}})


@pytest.mark.parametrize(
    "frame, option, default, alternative",
    [
        # 8.12 A1 / I-5: top5 24.5 vs 24.0 (+2.1 %): SMD; add_all 20.0 + 11.5 = 31.5 (+31.25 %): PMD.
        (I5, {"impercist_new_lesion_mode": "add_all"}, {90: "SMD"}, {90: "PMD"}),
        # 8.12 A2 / I-3: 13.0 vs 10.0 = +30 %: PMD (>=); strict: SMD.
        (I3, {"impercist_inclusive": False}, {90: "PMD"}, {90: "SMD"}),
        # I-4: 12.6 vs 18.0 = -30 %: PMR (<=); strict: SMD.
        (I4, {"impercist_inclusive": False}, {90: "PMR"}, {90: "SMD"}),
        # 8.12 A3: 2.0 -> 2.7 (+35 %, +0.7 SUL): PMD; minimum 0.8 SUL: SMD.
        (I_ABS, {"impercist_min_abs_sul": 0.8}, {90: "PMD"}, {90: "SMD"}),
        # 8.12 A4: 10 -> 6 (PMR) -> 8: -20 % vs baseline (SMD); +33.3 % vs nadir 6 (PMD).
        (I_NADIR, {"impercist_reference": "nadir"}, {90: "PMR", 150: "SMD"}, {90: "PMR", 150: "PMD"}),
        # 8.12 A5: uptake 80 fails QC: NE; "warn": -40 %: PMR.
        (I_QC, {"impercist_qc": "warn"}, {90: "NE"}, {90: "PMR"}),
    ],
)
def test_impercist_option_default_vs_alternative(frame, option, default, alternative):
    """spec/metabolic.md 8.12 A1-A5."""
    assert _calls(frame, "impercist") == default
    assert _calls(frame, "impercist", **option) == alternative


# iPERCIST (spec 9.10: baseline day -5 L1 5.0, L2 3.0; liver 2.0 / 0.25, uptake 60).
S3 = pet(
    [
        ("L1", "target", "lung", {-5: 5.0, 56: 5.2, 84: 5.3, 119: 5.3}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.0, 84: 3.0, 119: 3.1}),
        ("N1", "new", "bone", {56: 3.0, 84: 3.1, 119: 3.1}),
        ("N2", "new", "liver", {119: 2.8}),
    ]
)
S5 = pet(
    [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 70: 9.4}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 70: 3.5}),
    ]
)
# A4: U 7.0, C 9.1: (9.1 - 7.0) / 7.0 = +30.0 %, +2.1 SUL: not > 30 % (stays UPMD); inclusive: CPMD.
S_A4 = pet(
    [
        ("L1", "target", "lung", {-5: 5.0, 56: 7.0, 84: 9.1}),
        ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2, 84: 3.5}),
    ]
)


@pytest.mark.parametrize(
    "frame, option, default, alternative",
    [
        # 9.11 A1 / S-3: day 84 stays UPMD; "baseline": still PMD vs baseline: CPMD.
        (
            S3,
            {"ipercist_confirm_reference": "baseline"},
            {56: "UPMD", 84: "UPMD", 119: "CPMD"},
            {56: "UPMD", 84: "CPMD", 119: "CPMD"},
        ),
        # 9.11 A2 / S-5: day 70 (14 days after U) confirms by default; enforced window: stays UPMD.
        (S5, {"ipercist_enforce_window": True}, {56: "UPMD", 70: "CPMD"}, {56: "UPMD", 70: "UPMD"}),
        # 9.11 A4: PERCIST boundary option reaches the confirmation rule 2(a).
        (S_A4, {"percist_pmd_inclusive": True}, {56: "UPMD", 84: "UPMD"}, {56: "UPMD", 84: "CPMD"}),
    ],
)
def test_ipercist_option_default_vs_alternative(frame, option, default, alternative):
    """spec/metabolic.md 9.11 A1, A2, A4 (9.5)."""
    assert _calls(frame, "ipercist") == default
    assert _calls(frame, "ipercist", **option) == alternative


def test_ipercist_unconfirmed_is_progression_and_late_scan_confirms_flagged():
    """9.11 A3 / S-4: an open UPMD at the last scan is no progression event by default, an event dated at U
    with the option; 9.11 A2 / S-3: day 119 is 63 days after U, outside 28-56: confirms, flagged, also with
    the enforced window."""
    scans = {-5: {**QC, "clinical_status": "stable"}, 56: {**QC, "clinical_status": "deteriorating"}}
    s4 = pet(
        [("L1", "target", "lung", {-5: 5.0, 56: 7.0}), ("L2", "target", "lymph node", {-5: 3.0, 56: 3.2})],
        scans,
    )
    best = _assess(s4, "ipercist").best_response.iloc[0]
    assert best["best_response"] == "UPMD" and not best["pfs_event"] and math.isnan(best["progression_day"])
    assert bool(best["responder"]) is False  # deterioration at the last UPMD scan (9.5 rule 4)
    event = _assess(s4, "ipercist", ipercist_unconfirmed_is_progression=True).best_response.iloc[0]
    assert event["pfs_event"] and event["progression_day"] == 56
    tp = _assess(S3, "ipercist", ipercist_enforce_window=True).timepoints.set_index("day")
    assert tp.loc[119, "overall_response"] == "CPMD"
    assert tp.loc[119, "timing_flag"] == "outside_confirmation_window"


# ------------------------------------------------------------------ proven differences (metabolic)


@pytest.mark.parametrize("criterion", ["percist", "ipercist"])
def test_percist_nadir_reference_of_zero_makes_comparison_ne(criterion):
    # Day 56: L1 absent (resolved: 0, spec 1.3), no new lesion: CMR, hottest 0 -> nadir ("lowest H so far",
    # 5.12 A6) = 0. Day 112: L1 back at 9.0: vs baseline 8.0 +12.5 % (not PMD, not PMR); vs the nadir 0 the
    # relative change is undefined (9.0 - 0) / 0: spec 1.5 -> NE, "reference value is 0".
    frame = pet([("L1", "target", "lung", {-5: 8.0, 56: {"status": "absent", "sulpeak": NAN}, 112: 9.0})])
    assert _calls(frame, criterion) == {56: "CMR", 112: "SMD"}  # default baseline reference: +12.5 %: SMD
    tp = _assess(frame, criterion, percist_reference="nadir").timepoints.set_index("day")
    assert tp.loc[56, "overall_response"] == "CMR"
    assert tp.loc[112, "overall_response"] == "NE"
    assert "reference value is 0" in tp.loc[112, "reason"]


def test_eortc_metric_outside_its_choices_is_refused_naming_the_choices(tmp_path):
    frame = _eortc([("T1", "target", "lung", {-3: 8.0, 42: 8.0})], {-3: 0, 42: 2})
    with pytest.raises(InputError) as error:
        _assess(frame, "eortc", eortc_metric="suvmean")
    message = str(error.value)
    assert "eortc_metric" in message and "sulpeak" in message and "sulmean" in message
    path = tmp_path / "pet.csv"
    frame.to_csv(path, index=False)
    result = _cli("validate", path, "--criteria", "eortc,percist", "--option", "eortc_metric=suvmean")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "not an option" not in _flat(result) and "sulpeak" in _flat(result)


@pytest.mark.parametrize("value", ["janmahasatian", "james"])
def test_percist_accepts_lbm_formula_option(value):
    frame = pet(P1_LESIONS)
    result = _assess(frame, "percist", lbm_formula=value)  # accepted under the spec's name
    # SULpeak given by the user: the toolkit cannot check the formula (2.2), P-1's call stands (PMR).
    assert list(result.timepoints["overall_response"]) == ["PMR"]
    assert list(result.timepoints["lbm_formula"]) == ["user-supplied"]


# ------------------------------------------------------------------ wrong values, CLI parsing


@pytest.mark.parametrize(
    "criterion, option, fragment",
    [
        ("percist", {"percist_qc": "lenient"}, "is not one of strict, warn"),
        ("percist", {"percist_pmd_inclusive": "maybe"}, "not true or false"),
        ("percist", {"percist_cmr_rule": "spleen"}, "is not one of liver, blood_pool, reader"),
        ("pecrit", {"pecrit_sd_direction": "down"}, "is not one of increase, decrease"),
        ("percimt", {"percimt_counting": "bins"}, "is not one of cumulative, binned"),
        ("impercist", {"impercist_min_abs_sul": "abc"}, "not a number"),
        ("ipercist", {"ipercist_confirm_reference": "scan2"}, "is not one of upmd_scan, baseline"),
        ("percist", {"min_subsequent_response": "CR"}, "is not one of SD, PR"),
        ("percist", {"nonpositive_reference": "zero"},
         "is not one of not_evaluable, literal, hpd_if_exp_positive"),
        ("percist", {"early_cutoff_days": 91.5}, "not a whole number"),
    ],
)
def test_wrong_option_values_are_refused_with_their_choices(criterion, option, fragment):
    """Every option of 4.12-9.11 and patterns.md refuses a value outside its type or choices (InputError
    naming the option), never a traceback of another kind."""
    frame = pet(P1_LESIONS, {-5: {**QC, "recist_response": ""}, 56: {**QC, "recist_response": "SD"}})
    with pytest.raises(InputError) as error:
        _assess(frame, criterion, patterns=True, **option)
    assert next(iter(option)) in str(error.value) and fragment in str(error.value)


@pytest.mark.parametrize(
    "frame, criterion, text, value, default, alternative",
    [
        # 5.12 A1 (P-4): "true" parsed as a bool.
        (P4, "percist", "percist_pmd_inclusive=true", {"percist_pmd_inclusive": True}, "SMD", "PMD"),
        # 8.12 A3: "0.8" parsed as a float (2.0 -> 2.7: +0.7 < 0.8: SMD).
        (I_ABS, "impercist", "impercist_min_abs_sul=0.8", {"impercist_min_abs_sul": 0.8}, "PMD", "SMD"),
        # 4.12 A1: metric read from the option (suvmax +30 %: PMD; sulpeak +20 %: SMD).
        (E_A1, "eortc", "eortc_metric=sulpeak", {"eortc_metric": "sulpeak"}, "PMD", "SMD"),
        # 6.12 A1 (C-4): decrease.
        (
            _pecrit([(5.0, 4.0), (3.9, 3.5)]),
            "pecrit",
            "pecrit_sd_direction=decrease",
            {"pecrit_sd_direction": "decrease"},
            "no_clinical_benefit",
            "clinical_benefit",
        ),
        # 5.12 A4 (P-9): "false" disables the TLG rule.
        (P9, "percist", "percist_tlg_rule=false", {"percist_tlg_rule": False}, "PMD", "SMD"),
    ],
)
def test_cli_option_parses_to_its_type_like_the_api(
    tmp_path, frame, criterion, text, value, default, alternative
):
    """README / spec: ``--option name=value`` gives the API's result for the same option."""
    path = tmp_path / "pet.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "out"
    result = _cli("assess", path, "--criteria", criterion, "--out", out, "--no-patterns", "--option", text)
    assert result.exit_code == 0, _flat(result)
    cli_calls = pd.read_csv(out / "timepoints.csv")["overall_response"].tolist()
    api_calls = list(_calls(frame, criterion, **value).values())
    assert cli_calls == api_calls == [alternative]
    assert list(_calls(frame, criterion).values()) == [default]
    bad = _cli(
        "assess",
        path,
        "--criteria",
        criterion,
        "--out",
        out,
        "--no-patterns",
        "--option",
        text.split("=")[0] + "=bogus",
    )
    assert bad.exit_code == 2 and "Traceback" not in bad.output


# ------------------------------------------------------------------ patterns.md options


def _patients(end_day, **extra):
    return pd.DataFrame(
        [
            dict(
                patient_id="P1",
                treatment_start=_date(0),
                treatment_end=_date(end_day),
                treatment_end_reason="progression",
                **extra,
            )
        ]
    )


def _patterns(rows, definition, patients=None, *option_sets, criteria=("recist11",)):
    """The patterns-table row of ``definition`` under each option set (assess once, then find_patterns with
    the chosen definition and options)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ioresponse.assess(pd.DataFrame(rows), criteria=criteria, patients=patients, patterns=False)
        out = []
        for options in option_sets or ({},):
            table = find_patterns(
                result.study, result.timepoints, result.best_response, definitions=[definition], **options
            )
            assert len(table) == 1, table
            out.append(table.iloc[0])
    return out


def _two(sums):
    return [_row(d, "T1", a, organ="lung") for d, (a, _) in sums.items()] + [
        _row(d, "T2", b, organ="liver") for d, (_, b) in sums.items()
    ]


def test_pseudoprogression_options():
    """patterns.md 1.4 step 4 (early_cutoff_days = 84) on PsP-2, and 1.3 min_subsequent_response."""
    psp2 = _two({-3: (30, 30), 56: (20, 20), 112: (19, 19), 168: (24, 24), 224: (18, 18)})
    default, cutoff = _patterns(
        psp2, "pseudoprogression.irecist", None, {}, {"early_cutoff_days": 180}, criteria=("irecist",)
    )
    assert default["flag"] == "true" and '"timing": "late"' in default["values"]  # t_u 168 > 84
    assert cutoff["flag"] == "true" and '"timing": "early"' in cutoff["values"]  # 168 <= 180
    # RECIST PD day 56 (50 -> 62: +24 %, +12 mm), day 112 55 (+10 % vs nadir 50: SD): resolves with "SD";
    # with "PR" the episode stays open (55 is -10 % vs baseline, not PR) and the follow-up ends: NE.
    rows = [_row(d, "T1", v) for d, v in {-7: 50, 56: 62, 112: 55}.items()]
    sd, pr = _patterns(
        rows, "pseudoprogression.recist_then_nonpd", None, {}, {"min_subsequent_response": "PR"}
    )
    assert (sd["flag"], pr["flag"]) == ("true", "not_evaluable")


@pytest.mark.parametrize(
    "rows, patients, definition, option, default, alternative",
    [
        # 0.2: HP-1, prebaseline day -56 is 49 days before baseline -7: ratio 3.855 (T); limit 48: NE.
        (
            _two({-56: (25, 15), -7: (27, 17), 49: (37, 25)}),
            _patients(84),
            "hpd.champiat2017",
            {"prebaseline_max_days_before_baseline": 48},
            "true",
            "not_evaluable",
        ),
        # 2.2 / HP-3: TGR_ref -9.08 <= 0: NE; literal -10.83 < 2: F; hpd_if_exp_positive: T.
        (
            _two({-90: (30, 20), -10: (28, 18), 46: (40, 30)}),
            _patients(50),
            "hpd.champiat2017",
            {"nonpositive_reference": "literal"},
            "not_evaluable",
            "false",
        ),
        (
            _two({-90: (30, 20), -10: (28, 18), 46: (40, 30)}),
            _patients(50),
            "hpd.saada_bouzid2017",
            {"nonpositive_reference": "hpd_if_exp_positive"},
            "not_evaluable",
            "true",
        ),
        # 2.1 kato_pace_metric: S 30 (day -60), 45 (day -4), 84 (day 52); TTF 52 < 60.875, +86.7 % > 50 %.
        # TGK_ref = 15 / (56 / 30.4375) = 8.153, TGK_exp = 39 / 1.8398 = 21.198: TGKr 2.600 > 2;
        # pace ratio = TGKr x 30 / 45 = 1.733 (not > 2).
        (
            [_row(d, "T1", v) for d, v in {-60: 30, -4: 45, 52: 84}.items()],
            _patients(52),
            "hpd.kato2017",
            {"kato_pace_metric": "absolute"},
            "false",
            "true",
        ),
        # H8: 20 -> 29 mm (+45 % >= 40 %, PD), TTF 50 d: T; matos_min_abs_increase_mm 10: +9 mm < 10: F.
        (
            [_row(d, "T1", v, organ="lung") for d, v in {-7: 20, 42: 29}.items()],
            _patients(50),
            "hpd.matos2020",
            {"matos_min_abs_increase_mm": 10},
            "true",
            "false",
        ),
        # H8 / H7: 50 -> 62 (+24 %) with new nodes in the hilar and mediastinal stations: one organ lymph_node
        # by default (F); split_lymph_node_regions: 2 organs, >= 20 % with new lesions in >= 2 organs (T).
        (
            [
                _row(-7, "T1", 50, organ="lung"),
                _row(42, "T1", 62, organ="lung"),
                _row(42, "U1", 15, role="new", organ="lymph_node_hilar", node=True),
                _row(42, "U2", 15, role="new", organ="lymph_node_mediastinal", node=True),
            ],
            _patients(50),
            "hpd.matos2020",
            {"split_lymph_node_regions": True},
            "false",
            "true",
        ),
        # H8 matos_new_lesion_rule: two new lung lesions (1 organ): F; >= 2 in an involved organ: T.
        (
            [
                _row(-7, "T1", 50, organ="lung"),
                _row(42, "T1", 62, organ="lung"),
                _row(42, "U1", 15, role="new", organ="lung"),
                _row(42, "U2", 12, role="new", organ="lung"),
            ],
            _patients(50),
            "hpd.matos2020",
            {"matos_new_lesion_rule": "two_in_involved_organ_or_new_organ"},
            "false",
            "true",
        ),
        # 4.1: PR day 84 (50 -> 34), SD day 200 (38), PD day 400 (45): loss at the PD, 316 d >= 183: T;
        # drr_loss="end_of_response": out of response on day 200, 116 d < 183: F.
        (
            [_row(d, "T1", v) for d, v in {-7: 50, 84: 34, 200: 38, 400: 45}.items()],
            None,
            "durable.drr_optim",
            {"drr_loss": "end_of_response"},
            "true",
            "false",
        ),
        # 4.3: PR day 112, treatment completed day 730, last assessment day 1100: 370 d >= 183: T;
        # min_off_treatment_days 400: no PD yet, 370 < 400: NE.
        (
            [_row(d, "T1", v) for d, v in {-7: 50, 112: 30, 400: 30, 730: 30, 1100: 30}.items()],
            _patients(730).assign(treatment_end_reason="completed"),
            "durable.off_treatment",
            {"min_off_treatment_days": 400},
            "true",
            "not_evaluable",
        ),
        # 4.3 "(or, option, SD)": best response SD: F; with SD counted: T (370 d).
        (
            [_row(d, "T1", v) for d, v in {-7: 50, 112: 45, 400: 45, 730: 45, 1100: 45}.items()],
            _patients(730).assign(treatment_end_reason="completed"),
            "durable.off_treatment",
            {"off_treatment_include_sd": True},
            "false",
            "true",
        ),
    ],
)
def test_pattern_option_default_vs_alternative(rows, patients, definition, option, default, alternative):
    """spec/patterns.md 0.2, 2.1-2.3, 4.1, 4.3: default as the spec states it, then the named alternative."""
    first, second = _patterns(rows, definition, patients, {}, option)
    assert (first["flag"], second["flag"]) == (default, alternative)


def test_oligoprogression_limits():
    """patterns.md 4.4: 1 to max_progressing_lesions (5; 3 as alternative) progressing lesions in <=
    max_progressing_organs (3) organs. A 40 -> 20 (lung), B 30 -> 18 (node, -40 %): both responding."""
    base = [
        _row(-7, "T1", 40, organ="lung"),
        _row(63, "T1", 20, organ="lung"),
        _row(-7, "T2", 30, organ="lymph_node_mediastinal", node=True),
        _row(63, "T2", 18, organ="lymph_node_mediastinal", node=True),
    ]
    liver = [_row(63, f"U{i}", 15, role="new") for i in range(4)]  # 4 new liver lesions, 1 organ
    organs = [
        _row(63, f"U{i}", 15, role="new", organ=o)
        for i, o in enumerate(("liver", "bone", "adrenal", "brain"))
    ]
    default, three = _patterns(base + liver, "oligoprogression", None, {}, {"max_progressing_lesions": 3})
    assert (default["flag"], three["flag"]) == ("true", "false")  # 4 <= 5 in 1 organ; 4 > 3
    default, four = _patterns(base + organs, "oligoprogression", None, {}, {"max_progressing_organs": 4})
    assert (default["flag"], four["flag"]) == ("false", "true")  # 4 organs > 3; 4 <= 4


def test_biomarker_accept_equivalent_assays(tmp_path):
    """patterns.md 6.3: a TPS from SP263 is not used for a 22C3 rule (not_evaluable) unless
    accept_equivalent_assays; then TPS 60 >= 50 (BM-NSCLC-1L-50) is true. API and CLI agree."""
    rows = [_row(-7, "T1", 40), _row(56, "T1", 30)]
    patients = pd.DataFrame(
        [
            dict(
                patient_id="P1",
                treatment_start=_date(0),
                tumor_type="NSCLC",
                line_of_therapy=1,
                drug="pembrolizumab",
                setting="metastatic",
                egfr_alk_negative=True,
                pdl1_tps=60,
                pdl1_assay="SP263",
            )
        ]
    )

    def flag(result_patterns):
        table = result_patterns[result_patterns["definition"] == "BM-NSCLC-1L-50"]
        return table["flag"].astype(str).str.lower().tolist()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = ioresponse.assess(pd.DataFrame(rows), patients=patients).patterns
        accepted = ioresponse.assess(
            pd.DataFrame(rows), patients=patients, accept_equivalent_assays=True
        ).patterns
    assert flag(default) == ["not_evaluable"]
    assert flag(accepted) == ["true"]
    pd.DataFrame(rows).to_csv(tmp_path / "lesions.csv", index=False)
    patients.to_csv(tmp_path / "patients.csv", index=False)
    result = _cli(
        "patterns",
        tmp_path / "lesions.csv",
        "--patients",
        tmp_path / "patients.csv",
        "--out",
        tmp_path / "out",
        "--option",
        "accept_equivalent_assays=true",
    )
    assert result.exit_code == 0, _flat(result)
    assert flag(pd.read_csv(tmp_path / "out" / "patterns.csv")) == ["true"]
