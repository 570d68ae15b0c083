"""PERCIST 1.0: PET Response Criteria in Solid Tumors.

Source: Wahl RL, Jacene H, Kasamon Y, Lodge MA. From RECIST to PERCIST: evolving considerations for
PET response criteria in solid tumors. J Nucl Med 2009;50(Suppl 1):122S-150S,
doi:10.2967/jnumed.108.057307; practical guide O JH, Lodge MA, Wahl RL. Radiology 2016;280:576-584,
doi:10.1148/radiol.2016142043. Rules as in spec/metabolic.md section 5 (quality checks 5.4,
measurability 5.3, categories 5.5, NE 5.7, confirmation advisory 5.8, best response 5.9); the options
are the ambiguities of 5.12 (A1-A11).

The hottest-lesion measure, the quality checks, the measurability threshold and the PMD triggers
defined here are reused by iPERCIST (section 9), PECRIT (section 6) and imPERCIST (section 8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from ioresponse.criteria import BASELINE_SUM, MEASURABILITY_THRESHOLD, TEXT, Criterion, CriterionResult, Study
from ioresponse.criteria._metabolic import (
    CMR,
    FLAG,
    NE,
    NUMBER,
    PMD,
    PMR,
    SMD,
    SULPEAK_CRITERION_COLUMNS,
    WHOLE,
    ColumnTypes,
    PatientScans,
    Scan,
    SulFormula,
    absolute_change,
    as_percent,
    best_response_frame,
    best_response_row,
    consensus_window,
    join_flags,
    mark_progression,
    number,
    patient_scans,
    percent,
    pet_table_of,
    relative_change,
    rounded,
    signed,
    timepoint_frame,
    timepoint_row,
    week,
    whole_percent,
)
from ioresponse.io.pet_table import RECIST_RESPONSE, REFERENCE_REGION, VISCERAL
from ioresponse.schema import ORGAN, check_choice

KEY = "percist"
SOURCE = "PERCIST 1.0, Wahl 2009"

PMD_RELATIVE = 0.30
"""PMD: hottest SULpeak rises by more than 30% (Wahl 2009 PERCIST 1.0; spec 5.5 (a))."""
PMD_ABSOLUTE_SUL = 0.8
"""PMD: and by more than 0.8 SUL (Wahl 2009; spec 5.5 (a))."""
PMR_RELATIVE = -0.30
"""PMR: hottest SULpeak falls by at least 30% (Wahl 2009; spec 5.5)."""
PMR_ABSOLUTE_SUL = -0.8
"""PMR: and by at least 0.8 SUL (Wahl 2009; spec 5.5)."""
OTHER_LESION_RISE = 0.30
"""PMR is blocked when any baseline lesion's own SULpeak rises more than 30% (spec 5.5, A8)."""
TLG_EXTENT_INCREASE = 0.75
"""PMD by extent: TLG of the up-to-5 hottest lesions up 75%, no SUL decline (Wahl 2009; spec 5.5 (b))."""
SUM_LESIONS = 5
"""Secondary measure and TLG: up to 5 lesions (Wahl 2009; spec 5.2)."""
SUM_PER_ORGAN = 2
"""... at most 2 per organ (Wahl 2009; spec 5.2)."""
LIVER_MEAN_FACTOR = 1.5
"""Measurability: SULpeak >= 1.5 x liver mean + 2 SD (Wahl 2009; spec 5.3)."""
BLOOD_POOL_MEAN_FACTOR = 2.0
"""Measurability with the blood-pool reference: 2.0 x mean + 2 SD (Wahl 2009; spec 5.3)."""
REFERENCE_SD_FACTOR = 2.0
"""The SD term of the measurability threshold (Wahl 2009; spec 5.3)."""
UPTAKE_WINDOW_MIN = (50.0, 70.0)
"""Uptake time of every scan within 50-70 min (target 60; Wahl 2009; spec 5.4)."""
UPTAKE_TOLERANCE_MIN = 15.0
"""Follow-up uptake time within 15 min of baseline, inclusive (Wahl 2009; spec 5.4, A9)."""
REFERENCE_STABILITY_RELATIVE = 0.20
"""Liver (blood-pool) mean SUL within 20% of baseline (Wahl 2009; spec 5.4)."""
REFERENCE_STABILITY_ABSOLUTE_SUL = 0.3
"""... and changed by less than 0.3 SUL (Wahl 2009; spec 5.4)."""

QcPolicy = Literal["strict", "warn"]
CmrRule = Literal["liver", "blood_pool", "reader"]
SumSelection = Literal["reselect", "same_lesions"]
PercistReference = Literal["baseline", "nadir"]

SECTION = {"qc": "5.4", "measurable": "5.3", "category": "5.5", "ne": "5.7", "advisory": "5.8"}


@dataclass(frozen=True)
class PercistRules:
    """The PERCIST options in force (spec 5.12); shared with iPERCIST, PECRIT and imPERCIST."""

    pmd_inclusive: bool = False
    qc: QcPolicy = "strict"
    cmr_rule: CmrRule = "liver"
    tlg_rule: bool = True
    tlg_strict: bool = False
    sum_selection: SumSelection = "reselect"
    pmr_other_lesion_check: bool = True


@dataclass(frozen=True)
class Hottest:
    """The hottest lesion of a scan among the baseline lesions (spec 5.2): SULpeak and lesion id."""

    value: float
    lesion_id: str
    day: int

    def text(self) -> str:
        return f"{number(self.value)} ({self.lesion_id or 'none present'})"


@dataclass
class PercistCall:
    """The PERCIST category of one follow-up against its reference, with the numbers behind it.

    ``rel``/``abs`` compare the hottest SULpeak with baseline (PMR, reporting); ``pmd_rel``/``pmd_abs``
    compare it with ``pmd_reference`` (baseline, or the nadir with option A6). Both are None on an NE
    scan.
    """

    baseline: Hottest
    current: Hottest
    pmd_reference: Hottest
    category: str = NE
    reason: str = ""
    rel: float | None = None
    abs: float | None = None
    pmd_rel: float | None = None
    pmd_abs: float | None = None
    new_ids: list[str] = field(default_factory=list)
    flagged_ids: list[str] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)
    qc_failures: list[str] = field(default_factory=list)
    quantitative: bool = True
    """The scan passed the quality and measurability checks of 5.7 (bullets 1-2), so its values serve the
    quantitative rules: PMD (a)/(b) here, iPERCIST confirmation (a)/(b) (9.5)."""
    threshold: float | None = None
    sum5_baseline: float | None = None
    sum5_current: float | None = None
    tlg_baseline: float | None = None
    tlg_current: float | None = None
    confirmation_advised: bool = False
    flags: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- reference region and measurability


def reference_region(scan: Scan) -> str:
    """``liver`` (default) or ``blood_pool`` for this scan (spec 1.1, 2.3)."""
    region = scan.attribute(REFERENCE_REGION)
    return region if region in ("liver", "blood_pool") else "liver"


def reference_values(scan: Scan, region: str) -> tuple[float, float]:
    """Mean and SD SUL of the reference region at this scan (NaN when not given)."""
    return float(scan.attribute(f"{region}_sul_mean")), float(scan.attribute(f"{region}_sul_sd"))


def measurability_threshold(baseline: Scan) -> float | None:
    """``T = 1.5 x liver mean + 2 SD`` (blood pool: ``2.0 x mean + 2 SD``), rounded (spec 5.3, 1.5)."""
    region = reference_region(baseline)
    mean, sd = reference_values(baseline, region)
    if math.isnan(mean) or math.isnan(sd):
        return None
    factor = LIVER_MEAN_FACTOR if region == "liver" else BLOOD_POOL_MEAN_FACTOR
    return rounded(factor * mean + REFERENCE_SD_FACTOR * sd)


def measurability_columns(baseline_sum: float, threshold: float | None) -> dict[str, float]:
    """The best-response cells that decide measurability at baseline (spec 5.3; patterns.md 7): the
    baseline value and T (NaN without a reference region)."""
    return {BASELINE_SUM: baseline_sum, MEASURABILITY_THRESHOLD: math.nan if threshold is None else threshold}


def baseline_measurability(patient: PatientScans) -> dict[str, float]:
    """:func:`measurability_columns` of PERCIST, iPERCIST and PECRIT: the baseline hottest SULpeak (their
    timepoint rows' ``baseline_sum``) and T of the baseline scan (spec 5.3, 9.3, 6.3)."""
    return measurability_columns(
        hottest(patient.baseline, patient.baseline_ids).value, measurability_threshold(patient.baseline)
    )


def quality_failures(baseline: Scan, followup: Scan) -> list[str]:
    """The failed PERCIST quality checks of a scan pair, in words (spec 5.4); empty when all pass."""
    failures = _uptake_failures(baseline, followup)
    region = reference_region(baseline)
    name = "liver" if region == "liver" else "blood-pool"
    scans = ((baseline, reference_values(baseline, region)), (followup, reference_values(followup, region)))
    missing = [str(scan.day) for scan, values in scans if any(math.isnan(v) for v in values)]
    if missing:  # "reference present": mean and SD at both scans (spec 5.4)
        failures.append(f"{name} reference SUL mean or SD missing at day {', '.join(missing)}")
        return failures
    if region == "blood_pool":
        (_, (before, _)), (_, (after, _)) = scans
        failures += _stability_failures(name, before, after)
    return failures + liver_stability_failures(baseline, followup)  # spec 5.4: the liver in any case


def liver_stability_failures(baseline: Scan, followup: Scan) -> list[str]:
    """The liver stability check of spec 5.4 on a scan pair, in words: empty when the liver SULmean of the
    follow-up is within 20% and 0.3 SUL of baseline, or is not given at one of the two scans (the "reference
    present" check of :func:`quality_failures` names that).

    A failure is also the signal of the irAE flag IRAE-HEP (spec/patterns.md 5.4: "the metabolic module
    reports the liver reference at A as not comparable with baseline"; patterns.irae), computed from the PET
    table by this function whichever criteria run.
    """
    before, after = (reference_values(scan, "liver")[0] for scan in (baseline, followup))
    if math.isnan(before) or math.isnan(after):
        return []
    return _stability_failures("liver", before, after)


def _stability_failures(name: str, before: float, after: float) -> list[str]:
    """A reference region's SULmean change failing ``abs(rel) <= 20 %`` and ``abs(abs) < 0.3`` (spec 5.4)."""
    failures = []
    change = absolute_change(after, before)
    rel = relative_change(after, before)
    if rel is None or abs(rel) > REFERENCE_STABILITY_RELATIVE:
        failures.append(
            f"{name} SULmean changed by {percent(rel) if rel is not None else 'an undefined %'} "
            f"({number(before)} -> {number(after)}; must be within 20%)"
        )
    if abs(change) >= REFERENCE_STABILITY_ABSOLUTE_SUL:
        failures.append(f"{name} SULmean changed by {abs(change):.2f} SUL (must be < 0.3)")
    return failures


def _uptake_failures(baseline: Scan, followup: Scan) -> list[str]:
    before, after = float(baseline.attribute("uptake_min")), float(followup.attribute("uptake_min"))
    low, high = UPTAKE_WINDOW_MIN
    failures = [
        f"uptake time {'missing' if math.isnan(t) else f'{t:g} min outside 50-70'} at day {scan.day}"
        for scan, t in ((baseline, before), (followup, after))
        if math.isnan(t) or not low <= t <= high
    ]
    difference = rounded(abs(after - before))  # spec 1.5: 65.4 - 50.4 is 15, not 15.000000000000007
    if not math.isnan(difference) and difference > UPTAKE_TOLERANCE_MIN:
        failures.append(f"uptake time differs from baseline by {difference:g} min (>15)")
    return failures


# ---------------------------------------------------------------- lesion measures (spec 5.2)


def hottest(scan: Scan, lesion_ids: list[str]) -> Hottest:
    """The hottest SULpeak among ``lesion_ids`` at this scan (spec 1.4, 5.2); 0 when none is present."""
    top = scan.hottest(lesion_ids, "sulpeak", n=1)
    if not top:
        return Hottest(0.0, "", scan.day)
    return Hottest(scan.value(top[0], "sulpeak"), top[0], scan.day)


def five_lesion_sum(
    scan: Scan, lesion_ids: list[str], column: str, same_as: list[str] | None
) -> float | None:
    """Sum of ``column`` over the up-to-5 hottest lesions, max 2 per organ (spec 5.2, A4, A5).

    ``same_as`` given: the sum runs over those lesions (resolved = 0) instead of re-selecting.
    None when a needed value is missing or the column is absent.
    """
    if column not in scan.lesions:
        return None
    chosen = selected_ids(scan, lesion_ids) if same_as is None else same_as
    values = [scan.value(i, column) for i in chosen]
    return None if any(math.isnan(v) for v in values) else math.fsum(values)


def selected_ids(scan: Scan, lesion_ids: list[str]) -> list[str]:
    """The lesions of the up-to-5 selection at this scan (spec 5.2)."""
    return scan.hottest(lesion_ids, "sulpeak", SUM_LESIONS, SUM_PER_ORGAN)


def uptake_increase_is_pmd(rel: float | None, change: float, inclusive: bool) -> bool:
    """PMD rule (a): ``rel > 0.30`` and ``abs > 0.8`` (A1 ``inclusive``: ``>=`` both) (spec 5.5)."""
    if rel is None:
        return False
    if inclusive:
        return rel >= PMD_RELATIVE and change >= PMD_ABSOLUTE_SUL
    return rel > PMD_RELATIVE and change > PMD_ABSOLUTE_SUL


def extent_increase_is_pmd(
    tlg_reference: float | None, tlg_current: float | None, reference: Hottest, current: Hottest, strict: bool
) -> str | None:
    """PMD rule (b): TLG up by >= 75% (A4 ``strict``: > 75%) with no SULpeak decline (spec 5.5).

    Returns the reason fragment when the rule fires, None otherwise (also when TLG is missing).
    """
    if tlg_reference is None or tlg_current is None or tlg_reference == 0:
        return None
    ratio = rounded(tlg_current / tlg_reference - 1)
    grows = ratio > TLG_EXTENT_INCREASE if strict else ratio >= TLG_EXTENT_INCREASE
    if grows and current.value >= reference.value:
        sign = ">75%" if strict else ">=75%"
        return (
            f"TLG of the up-to-5 hottest lesions {number(tlg_reference)} -> {number(tlg_current)} "
            f"({percent(ratio)}, {sign}) with SULpeak {number(reference.value)} -> "
            f"{number(current.value)} not declining (extent rule)"
        )
    return None


def is_resolved(scan: Scan, lesion_id: str, rule: CmrRule) -> bool:
    """Resolution for CMR (spec 5.5, A3): absent, or SULpeak below the liver mean (blood pool: <= mean)."""
    status = scan.status(lesion_id)
    if status == "absent":
        return True
    value = scan.value(lesion_id, "sulpeak")
    if rule == "reader" or math.isnan(value):
        return False
    if rule == "liver":
        liver = float(scan.attribute("liver_sul_mean"))
        return not math.isnan(liver) and value < liver
    blood = float(scan.attribute("blood_pool_sul_mean"))
    return not math.isnan(blood) and value <= blood


def lesion_text(scan: Scan, lesion_ids: list[str]) -> str:
    """'N1 (liver), N2 (bone)' for a reason sentence."""

    def one(i: str) -> str:
        organ = scan.records[i].get(ORGAN, "")
        return f"{i} ({organ})" if organ else i

    return ", ".join(one(i) for i in lesion_ids)


# ---------------------------------------------------------------- the category (spec 5.5, 5.7)


def evaluate(
    patient: PatientScans, followup: Scan, rules: PercistRules, pmd_reference: Hottest | None = None
) -> PercistCall:
    """PERCIST category of one follow-up (spec 5.5, in the order of 5.5 and 1.7).

    ``pmd_reference`` replaces the baseline hottest lesion for PMD rule (a) (A6 nadir); PMR and CMR
    always compare with baseline.
    """
    ids = patient.baseline_ids
    baseline_hottest = hottest(patient.baseline, ids)
    call = PercistCall(
        baseline=baseline_hottest,
        current=hottest(followup, ids),
        pmd_reference=pmd_reference or baseline_hottest,
    )
    call.threshold = measurability_threshold(patient.baseline)
    call.new_ids = followup.new_lesion_ids
    call.flagged_ids = followup.flagged(ids)
    call.qc_failures = quality_failures(patient.baseline, followup)
    checks, incomplete = _not_evaluable_reasons(call, followup, ids, rules)
    call.quantitative = not checks
    new_or_flagged = _new_or_flagged_triggers(call, followup)
    if checks and new_or_flagged and not incomplete:  # 5.7: "unless PMD by (c) or (d)", for these two only
        return _decide(call, followup, PMD, new_or_flagged, "; ".join(checks) + ", but ")
    if checks or incomplete:
        call.reason = "; ".join(checks + incomplete) + f": NE ({SOURCE}; spec {SECTION['ne']})"
        return call
    _measure(call, patient, followup, rules)
    if call.qc_failures:
        call.flags.append("qc_failed_kept")
    triggers = _pmd_triggers(call, rules) + new_or_flagged
    if triggers:
        return _decide(call, followup, PMD, triggers)
    if not call.new_ids and all(is_resolved(followup, i, rules.cmr_rule) for i in ids):
        return _decide(call, followup, CMR, [_cmr_text(rules)])
    if call.pmd_rel is None:  # A6 nadir of 0 (every lesion resolved before): rule (a) undefined, spec 1.5
        nadir = comparison_text(call.current, call.pmd_reference, None, call.pmd_abs or 0.0,
                                f"nadir (day {call.pmd_reference.day})")
        call.reason = f"{nadir}: NE, PMD rule (a) cannot be tested ({SOURCE}; spec 1.5, {SECTION['ne']})"
        return call
    holds, text = _pmr(call, patient, followup, rules)
    return _decide(call, followup, PMR if holds else SMD, [text])


def _not_evaluable_reasons(
    call: PercistCall, followup: Scan, ids: list[str], rules: PercistRules
) -> tuple[list[str], list[str]]:
    """The NE conditions of spec 5.7 that hold at this follow-up, in words: the quality and measurability
    checks, which a new lesion or unequivocal progression still overrides (PMD by (c) or (d)), and the
    incomplete scan (a baseline lesion without SULpeak, or H_bl = 0), which nothing overrides."""
    checks, incomplete = [], []
    if call.qc_failures and rules.qc == "strict":
        checks.append("quality check failed: " + "; ".join(call.qc_failures) + f" (spec {SECTION['qc']})")
    if call.threshold is None:
        checks.append("no measurability threshold: reference region missing at baseline")
    elif call.baseline.value == 0:
        incomplete.append("no baseline lesion with SULpeak (reference value is 0)")
    elif call.baseline.value < call.threshold:
        checks.append(
            f"no measurable baseline lesion (hottest SULpeak {number(call.baseline.value)} < "
            f"{number(call.threshold)}; spec {SECTION['measurable']})"
        )
    missing = followup.missing(ids, "sulpeak")
    if missing:
        incomplete.append(f"baseline lesion(s) {', '.join(missing)} without SULpeak at day {followup.day}")
    return checks, incomplete


def _new_or_flagged_triggers(call: PercistCall, followup: Scan) -> list[str]:
    triggers = []
    if call.new_ids:
        plural = "s" if len(call.new_ids) > 1 else ""
        triggers.append(f"new FDG-avid lesion{plural} {lesion_text(followup, call.new_ids)}")
    if call.flagged_ids:
        triggers.append(f"unequivocal progression of {', '.join(call.flagged_ids)}")
    return triggers


def _measure(call: PercistCall, patient: PatientScans, followup: Scan, rules: PercistRules) -> None:
    ids = patient.baseline_ids
    call.rel = relative_change(call.current.value, call.baseline.value)
    call.abs = absolute_change(call.current.value, call.baseline.value)
    call.pmd_rel = relative_change(call.current.value, call.pmd_reference.value)
    call.pmd_abs = absolute_change(call.current.value, call.pmd_reference.value)
    same = selected_ids(patient.baseline, ids) if rules.sum_selection == "same_lesions" else None
    call.sum5_baseline = five_lesion_sum(patient.baseline, ids, "sulpeak", same)
    call.sum5_current = five_lesion_sum(followup, ids, "sulpeak", same)
    call.tlg_baseline = five_lesion_sum(patient.baseline, ids, "tlg", same)
    call.tlg_current = five_lesion_sum(followup, ids, "tlg", same)


def comparison_text(
    current: Hottest, reference: Hottest, rel: float | None, change: float, label: str = "baseline"
) -> str:
    """'hottest SULpeak 5.6 (L1) vs baseline 8.0 (L1): -30.0%, -2.4 SUL' (spec 1.6); names a moved hottest."""
    moved = (
        f"hottest lesion moved from {reference.lesion_id} ({number(reference.value)}) to "
        f"{current.lesion_id} ({number(current.value)}); "
        if current.lesion_id and reference.lesion_id and current.lesion_id != reference.lesion_id
        else ""
    )
    rel_text = percent(rel) if rel is not None else "undefined % (reference value is 0)"
    return (
        f"{moved}hottest SULpeak {current.text()} vs {label} {reference.text()}: {rel_text}, {signed(change)}"
    )


def _pmd_triggers(call: PercistCall, rules: PercistRules) -> list[str]:
    """PMD rules (a) uptake and (b) extent (spec 5.5); (c) and (d) are added by the caller."""
    triggers = []
    pmd_change = call.pmd_abs or 0.0
    if uptake_increase_is_pmd(call.pmd_rel, pmd_change, rules.pmd_inclusive):
        sign = ">=30% and >=0.8 SUL" if rules.pmd_inclusive else ">30% and >0.8 SUL"
        label = "baseline" if call.pmd_reference is call.baseline else f"nadir (day {call.pmd_reference.day})"
        triggers.append(
            comparison_text(call.current, call.pmd_reference, call.pmd_rel, pmd_change, label) + f" ({sign})"
        )
    if rules.tlg_rule:
        extent = extent_increase_is_pmd(
            call.tlg_baseline, call.tlg_current, call.baseline, call.current, rules.tlg_strict
        )
        if extent:
            triggers.append(extent)
    return triggers


def _cmr_text(rules: PercistRules) -> str:
    test = {
        "liver": "absent or SULpeak below the liver SULmean of the scan",
        "blood_pool": "absent or SULpeak at most the blood-pool SULmean of the scan",
        "reader": "read as absent",
    }[rules.cmr_rule]
    return f"every baseline lesion resolved ({test}) and no new lesion"


def _pmr(call: PercistCall, patient: PatientScans, followup: Scan, rules: PercistRules) -> tuple[bool, str]:
    """Whether PMR holds (spec 5.5), and the sentence saying why (or why the scan is only SMD)."""
    base = comparison_text(call.current, call.baseline, call.rel, call.abs or 0.0)
    rel, change = call.rel, call.abs or 0.0
    if rel is not None and rel <= PMR_RELATIVE and change <= PMR_ABSOLUTE_SUL:
        risers = _rising_lesions(patient, followup) if rules.pmr_other_lesion_check else []
        if not risers:
            return True, f"{base} (<=-30% and <=-0.8 SUL)"
        return False, base + "; PMR blocked: " + ", ".join(f"{i} rose {percent(r)} (>30%)" for i, r in risers)
    notes = []
    if rel is not None and rel <= PMR_RELATIVE:
        notes.append(f"{percent(rel)} but only {signed(change)} (<=-0.8 SUL required for PMR)")
    pmd_rel, pmd_change = call.pmd_rel, call.pmd_abs or 0.0
    if pmd_rel is not None and pmd_rel >= PMD_RELATIVE:
        if pmd_rel == PMD_RELATIVE and not rules.pmd_inclusive:
            notes.append("+30.0% is not more than 30% (PMD needs >30%)")
        else:
            needed = ">=0.8" if rules.pmd_inclusive else ">0.8"  # A1
            notes.append(f"{percent(pmd_rel)} but only {signed(pmd_change)} ({needed} SUL required for PMD)")
    return False, base + "".join(f"; {n}" for n in notes)


def _rising_lesions(patient: PatientScans, followup: Scan) -> list[tuple[str, float]]:
    """Baseline lesions whose own SULpeak rose by more than 30% (spec 5.5 PMR, A8)."""
    risers = []
    for lesion_id in patient.baseline_ids:
        before = patient.baseline.value(lesion_id, "sulpeak")
        after = followup.value(lesion_id, "sulpeak")
        if math.isnan(before) or math.isnan(after) or before == 0:
            continue
        rel = relative_change(after, before)
        if rel is not None and rel > OTHER_LESION_RISE:
            risers.append((lesion_id, rel))
    return risers


def _decide(
    call: PercistCall, followup: Scan, category: str, texts: list[str], prefix: str = ""
) -> PercistCall:
    """Set the category and build the reason (spec 1.6; reporting format of 5.5; advisory of 5.8)."""
    call.category = category
    call.triggers = texts if category == PMD else []
    body = prefix + "; ".join(texts) + f": {category}"
    if call.rel is not None:
        body += f" {whole_percent(call.rel)}, week {week(followup.day)}"
    if "qc_failed_kept" in call.flags:
        body += "; quality check failed, category kept (percist_qc='warn'): " + "; ".join(call.qc_failures)
    advice = confirmation_advice(call, followup)
    call.confirmation_advised = bool(advice)
    if advice:
        body += f"; {advice}"
    call.reason = f"{body} ({SOURCE}; spec {SECTION['category']})"
    return call


def confirmation_advice(call: PercistCall, followup: Scan) -> str:
    """PERCIST 1.0 advisory (spec 5.8): '' or the sentence explaining why verification is advised."""
    recist = followup.attribute(RECIST_RESPONSE)
    if not isinstance(recist, str) or not recist:
        return ""
    if call.category == PMD and recist != "PD":
        visceral_new = VISCERAL in followup.lesions and bool(
            any(followup.records[i][VISCERAL] for i in call.new_ids)
        )
        by_quantity = any(not t.startswith(("new FDG-avid", "unequivocal")) for t in call.triggers)
        if by_quantity or (call.new_ids and not visceral_new):
            return f"PMD while RECIST 1.1 is {recist}: confirmation advised (spec {SECTION['advisory']})"
    if call.category in (CMR, PMR) and recist == "PD":
        return f"{call.category} while RECIST 1.1 is PD: confirmation advised (spec {SECTION['advisory']})"
    return ""


# ---------------------------------------------------------------- the criterion


EXTRA_COLUMNS: ColumnTypes = {
    "reference_day": WHOLE,
    "reference_value": NUMBER,
    "reference_lesion": TEXT,
    "current_lesion": TEXT,
    "abs_change": NUMBER,
    "rel_change": NUMBER,
    MEASURABILITY_THRESHOLD: NUMBER,
    "new_lesion_count": WHOLE,
    "qc_passed": FLAG,
    "sum5_baseline": NUMBER,
    "sum5_current": NUMBER,
    "tlg_baseline": NUMBER,
    "tlg_current": NUMBER,
    "confirmation_advised": FLAG,
    "timing_flag": TEXT,
    "consensus_window": TEXT,
    "lbm_formula": TEXT,
}
BEST_EXTRA_COLUMNS = (MEASURABILITY_THRESHOLD, "largest_decline_pct", "largest_decline_week")


def call_columns(call: PercistCall, reference_day: int) -> dict[str, Any]:
    """The timepoint cells a PERCIST-family call fills (spec 1.6)."""
    measured = call.rel is not None
    current = call.current
    return {
        "baseline_sum": call.baseline.value,
        "current_sum": current.value if measured else math.nan,
        "sum_unit": "SUL",
        "sum_complete": measured,
        "pct_change_baseline": as_percent(call.rel),
        "new_lesion_count": len(call.new_ids),
        "new_lesion_response": "yes" if call.new_ids else "no",  # as by RECIST 1.1 (spec 1.6; anatomic 1.5)
        "overall_response": call.category,
        "reason": call.reason,
        "reference_day": reference_day,
        "reference_value": call.baseline.value,
        "reference_lesion": call.baseline.lesion_id,
        "current_lesion": current.lesion_id if measured else "",
        "abs_change": call.abs if call.abs is not None else math.nan,
        "rel_change": call.rel if call.rel is not None else math.nan,
        "measurability_threshold": call.threshold if call.threshold is not None else math.nan,
        "qc_passed": not call.qc_failures,
        "sum5_baseline": _or_nan(call.sum5_baseline),
        "sum5_current": _or_nan(call.sum5_current),
        "tlg_baseline": _or_nan(call.tlg_baseline),
        "tlg_current": _or_nan(call.tlg_current),
        "confirmation_advised": call.confirmation_advised,
        "timing_flag": "",
    }


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


def assess(
    study: Study,
    *,
    percist_pmd_inclusive: bool = False,
    percist_qc: QcPolicy = "strict",
    percist_cmr_rule: CmrRule = "liver",
    percist_tlg_rule: bool = True,
    percist_tlg_strict: bool = False,
    percist_sum_selection: SumSelection = "reselect",
    percist_reference: PercistReference = "baseline",
    percist_pmr_other_lesion_check: bool = True,
    lbm_formula: SulFormula | None = None,
) -> CriterionResult:
    """PERCIST 1.0 timepoint and best overall response (spec/metabolic.md section 5).

    Parameters
    ----------
    study : Study
        ``study.pet`` is the PET table (spec 5.10 columns).
    percist_pmd_inclusive : bool, default False
        PMD boundary (A1): False ``rel > 0.30`` and ``abs > 0.8``; True ``>=`` both.
    percist_qc : {"strict", "warn"}, default "strict"
        Failed quality checks (A7): "strict" makes the scan NE (PMD by new lesion or unequivocal
        progression still applies); "warn" keeps the category and writes the failures in ``reason``.
    percist_cmr_rule : {"liver", "blood_pool", "reader"}, default "liver"
        Lesion resolution for CMR (A3).
    percist_tlg_rule : bool, default True
        Apply the TLG extent trigger (A4).
    percist_tlg_strict : bool, default False
        TLG threshold ``> 0.75`` instead of ``>= 0.75`` (A4).
    percist_sum_selection : {"reselect", "same_lesions"}, default "reselect"
        The up-to-5 lesions of the secondary sum and TLG: re-selected at each scan or the baseline
        selection (A5).
    percist_reference : {"baseline", "nadir"}, default "baseline"
        Reference of PMD rule (a) (A6): baseline, or the lowest hottest SULpeak so far.
    percist_pmr_other_lesion_check : bool, default True
        Block PMR when a baseline lesion's own SULpeak rose more than 30% (A8).
    lbm_formula : {"janmahasatian", "james"}, optional
        The LBM formula the SUL values must come from (A2, spec 2.2): a scan naming the other one is
        refused; None (default) takes the formula the table names ("user-supplied" for SUL given
        directly).

    Notes
    -----
    1. Quality checks (5.4) and NE conditions (5.7).
    2. PMD: (a) uptake, (b) extent, (c) new lesion, (d) unequivocal progression (any one).
    3. CMR, 4. PMR, 5. SMD. The reason ends with "PMR -30%, week 8" (5.5 reporting format).
    """
    check_choice("percist_qc", percist_qc, ("strict", "warn"))
    check_choice("percist_cmr_rule", percist_cmr_rule, ("liver", "blood_pool", "reader"))
    check_choice("percist_sum_selection", percist_sum_selection, ("reselect", "same_lesions"))
    check_choice("percist_reference", percist_reference, ("baseline", "nadir"))
    table = pet_table_of(study, "PERCIST 1.0", CRITERION.required_columns, lbm_formula)
    rules = PercistRules(
        pmd_inclusive=percist_pmd_inclusive,
        qc=percist_qc,
        cmr_rule=percist_cmr_rule,
        tlg_rule=percist_tlg_rule,
        tlg_strict=percist_tlg_strict,
        sum_selection=percist_sum_selection,
        pmr_other_lesion_check=percist_pmr_other_lesion_check,
    )
    timepoints: list[dict[str, Any]] = []
    best: list[dict[str, Any]] = []
    for patient in patient_scans(table, study.patients):
        rows = _patient_rows(patient, rules, percist_reference)
        progression_day = mark_progression(rows, (PMD,))
        best.append(
            best_response_row(
                patient,
                KEY,
                rows,
                source=f"{SOURCE}; spec 5.9",
                progression_day=progression_day,
                **baseline_measurability(patient),
                **_largest_decline(rows),
            )
        )
        timepoints.extend(rows)
    return CriterionResult(
        timepoint_frame(timepoints, EXTRA_COLUMNS), best_response_frame(best, BEST_EXTRA_COLUMNS)
    )


def _patient_rows(
    patient: PatientScans, rules: PercistRules, reference: PercistReference
) -> list[dict[str, Any]]:
    rows = []
    nadir = Nadir(reference)
    for followup in patient.followups:
        call = evaluate(patient, followup, rules, pmd_reference=nadir.hottest)
        row = timepoint_row(patient, KEY, followup, **call_columns(call, patient.baseline.day))
        row["flags"] = join_flags([*call.flags, "qc_failed" if call.qc_failures else ""])
        row["consensus_window"] = consensus_window(patient, followup)
        row |= nadir.take(call)
        rows.append(row)
    return rows


class Nadir:
    """The PMD reference of option A6 (``percist_reference``): None (baseline), or the lowest hottest
    SULpeak over the evaluable scans so far, baseline included ("nadir")."""

    def __init__(self, reference: PercistReference) -> None:
        self.reference = reference
        self.hottest: Hottest | None = None

    def take(self, call: PercistCall) -> dict[str, Any]:
        """Take ``call``'s scan into the nadir, and return the nadir columns of its row (none with the
        baseline reference)."""
        if self.reference != "nadir":
            return {}
        lowest = self.hottest or call.baseline
        if call.category != NE and call.current.value < lowest.value:
            self.hottest = call.current
        else:
            self.hottest = lowest
        return {
            "nadir_sum": call.pmd_reference.value,
            "pct_change_nadir": as_percent(call.pmd_rel),
            "abs_change_nadir": call.pmd_abs,
        }


def _largest_decline(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The most negative SULpeak change up to progression and its week (spec 5.9)."""
    candidates = [
        r
        for r in rows
        if not r["after_progression"] and r["overall_response"] != NE and not pd.isna(r["rel_change"])
    ]
    if not candidates:
        return {"largest_decline_pct": math.nan, "largest_decline_week": math.nan}
    lowest = min(candidates, key=lambda r: (r["rel_change"], r["day"]))
    return {
        "largest_decline_pct": as_percent(lowest["rel_change"]),
        "largest_decline_week": float(week(lowest["day"])),
    }


CRITERION = Criterion(
    key=KEY,
    title="PERCIST 1.0 (Wahl 2009)",
    family="metabolic",
    required_columns=SULPEAK_CRITERION_COLUMNS,
    assess=assess,
)
