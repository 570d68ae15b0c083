"""imPERCIST (imPERCIST5): immunotherapy-modified PERCIST.

Source: Ito K, Teng R, Schoder H, Humm JL, Ni A, Michaud L, Nakajima R, Yamashita R, Wolchok JD,
Weber WA. 18F-FDG PET/CT for monitoring of ipilimumab therapy in patients with metastatic melanoma.
J Nucl Med 2019;60(3):335-341, doi:10.2967/jnumed.118.213652.
Rules as in spec/metabolic.md section 8 (sums 8.2, measurability 8.3, categories 8.5, NE 8.7,
best response 8.9); the options are the ambiguities of 8.12 (A1-A5). The liver reference,
measurability threshold, quality checks and resolution rule are PERCIST's (criteria.percist).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from ioresponse.criteria import MEASURABILITY_THRESHOLD, TEXT, Criterion, CriterionResult, Study
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
    signed,
    timepoint_frame,
    timepoint_row,
)
from ioresponse.criteria.percist import (
    is_resolved,
    measurability_columns,
    measurability_threshold,
    quality_failures,
)
from ioresponse.schema import check_choice

KEY = "impercist"
SOURCE = "imPERCIST5, Ito 2019"

SUM_LESIONS = 5
"""Sum of SULpeak of up to 5 lesions (Ito 2019 imPERCIST5; spec 8.2) ..."""
SUM_PER_ORGAN = 2
"""... at most 2 per organ (Ito 2019; spec 8.2)."""
PMD_RELATIVE = 0.30
"""PMD: the sum rises "by 30%" (Ito 2019; tables: at least 30%; spec 8.5, A2)."""
PMR_RELATIVE = -0.30
"""PMR: the sum falls by at least 30% (Ito 2019; spec 8.5, A2)."""

NewLesionMode = Literal["top5", "add_all"]
QcPolicy = Literal["strict", "warn"]
Reference = Literal["baseline", "nadir"]
CMR_RULE = "liver"
"""Resolution for CMR: PERCIST's default rule (spec 8.5 refers to 5.5)."""

EXTRA_COLUMNS: ColumnTypes = {
    "reference_day": WHOLE,
    "reference_value": NUMBER,
    "abs_change": NUMBER,
    "rel_change": NUMBER,
    "summed_lesions": TEXT,
    MEASURABILITY_THRESHOLD: NUMBER,
    "new_lesion_count": WHOLE,
    "qc_passed": FLAG,
    "timing_flag": TEXT,
    "consensus_window": TEXT,
    "lbm_formula": TEXT,
}


@dataclass(frozen=True)
class FollowupSum:
    """The follow-up sum of SULpeak and what went into it (spec 8.2)."""

    value: float
    lesion_ids: list[str]
    new_lesion_sum: float


def baseline_selection(patient: PatientScans, threshold: float) -> list[str]:
    """Up to 5 measurable baseline lesions (SULpeak >= T), max 2 per organ (spec 8.2, 8.3)."""
    baseline = patient.baseline
    measurable = [i for i in patient.baseline_ids if baseline.value(i, "sulpeak") >= threshold]
    return baseline.hottest(measurable, "sulpeak", SUM_LESIONS, SUM_PER_ORGAN)


def followup_sum(followup: Scan, selected_ids: list[str], mode: NewLesionMode) -> FollowupSum:
    """``S_fu``: the 5 hottest present lesions including new ones ("top5"), or the baseline selection
    plus every new lesion ("add_all") (spec 8.2, A1)."""
    new = followup.new_lesion_ids
    if mode == "top5":
        top = followup.hottest(list(followup.records), "sulpeak", SUM_LESIONS, SUM_PER_ORGAN)
        new_part = math.fsum(followup.value(i, "sulpeak") for i in top if i in new)
        return FollowupSum(math.fsum(followup.value(i, "sulpeak") for i in top), top, new_part)
    baseline_part = math.fsum(followup.value(i, "sulpeak") for i in selected_ids)
    new_part = math.fsum(followup.value(i, "sulpeak") for i in new)
    return FollowupSum(baseline_part + new_part, [*selected_ids, *new], new_part)


def assess(
    study: Study,
    *,
    impercist_new_lesion_mode: NewLesionMode = "top5",
    impercist_inclusive: bool = True,
    impercist_min_abs_sul: float = 0.0,
    impercist_reference: Reference = "baseline",
    impercist_qc: QcPolicy = "strict",
    lbm_formula: SulFormula | None = None,
) -> CriterionResult:
    """imPERCIST5 timepoint and best overall response (spec/metabolic.md section 8).

    Parameters
    ----------
    study : Study
        ``study.pet`` is the PET table (spec 8.10 columns).
    impercist_new_lesion_mode : {"top5", "add_all"}, default "top5"
        How new lesions enter the follow-up sum (A1): re-select the 5 hottest (max 2 per organ) with
        new lesions eligible, or add every new lesion to the baseline selection.
    impercist_inclusive : bool, default True
        Boundary (A2): True ``rel >= 0.30`` for PMD and ``rel <= -0.30`` for PMR; False strict both.
    impercist_min_abs_sul : float, default 0.0
        Absolute minimum change of the sum in SUL for PMR and PMD (A3); 0.8 mirrors PERCIST.
    impercist_reference : {"baseline", "nadir"}, default "baseline"
        Reference of PMD (A4): baseline sum, or the smallest sum so far.
    impercist_qc : {"strict", "warn"}, default "strict"
        Failed PERCIST quality checks (A5): NE, or keep the category with the failures in ``reason``.
    lbm_formula : {"janmahasatian", "james"}, optional
        The LBM formula the SUL values must come from (A2, spec 2.2): a scan naming the other one is
        refused; None (default) takes the formula the table names ("user-supplied" for SUL given
        directly).

    Notes
    -----
    1. NE: no measurable baseline lesion, failed quality checks, a baseline-selected lesion without
       value (new lesions never rescue an NE scan).
    2. PMD: sum ``>= +30%``. 3. CMR: every lesion resolved (PERCIST rule). 4. PMR: sum ``<= -30%``.
    5. SMD. New lesions never make PMD by themselves.
    """
    check_choice("impercist_new_lesion_mode", impercist_new_lesion_mode, ("top5", "add_all"))
    check_choice("impercist_reference", impercist_reference, ("baseline", "nadir"))
    check_choice("impercist_qc", impercist_qc, ("strict", "warn"))
    table = pet_table_of(study, "imPERCIST", CRITERION.required_columns, lbm_formula)
    timepoints: list[dict[str, Any]] = []
    best: list[dict[str, Any]] = []
    rules = _Rules(impercist_new_lesion_mode, impercist_inclusive, impercist_min_abs_sul, impercist_qc)
    for patient in patient_scans(table, study.patients):
        baseline = _baseline(patient)
        rows = _patient_rows(patient, rules, impercist_reference, baseline)
        progression_day = mark_progression(rows, (PMD,))
        best.append(
            best_response_row(
                patient,
                KEY,
                rows,
                source=f"{SOURCE}; spec 8.9",
                progression_day=progression_day,
                **measurability_columns(baseline.baseline_sum, baseline.threshold),
            )
        )
        timepoints.extend(rows)
    return CriterionResult(
        timepoint_frame(timepoints, EXTRA_COLUMNS), best_response_frame(best, (MEASURABILITY_THRESHOLD,))
    )


@dataclass(frozen=True)
class _Baseline:
    """T, the baseline lesions of ``S_bl`` (SULpeak >= T) and ``S_bl``, NaN when none is measurable
    (spec 8.3, 8.2)."""

    threshold: float | None
    selected_ids: list[str]
    baseline_sum: float


def _baseline(patient: PatientScans) -> _Baseline:
    threshold = measurability_threshold(patient.baseline)
    selected_ids = baseline_selection(patient, threshold) if threshold is not None else []
    values = [patient.baseline.value(i, "sulpeak") for i in selected_ids]
    return _Baseline(threshold, selected_ids, math.fsum(values) if values else math.nan)


@dataclass(frozen=True)
class _Rules:
    new_lesion_mode: NewLesionMode
    inclusive: bool
    min_abs_sul: float
    qc: QcPolicy


def _patient_rows(
    patient: PatientScans, rules: _Rules, reference: Reference, baseline: _Baseline
) -> list[dict[str, Any]]:
    threshold, selected_ids, baseline_sum = baseline.threshold, baseline.selected_ids, baseline.baseline_sum
    nadir = (baseline_sum, patient.baseline.day)
    rows = []
    for followup in patient.followups:
        qc = quality_failures(patient.baseline, followup)
        row = timepoint_row(
            patient,
            KEY,
            followup,
            sum_unit="SUL",
            baseline_sum=baseline_sum,
            reference_day=patient.baseline.day,
            reference_value=baseline_sum,
            measurability_threshold=threshold if threshold is not None else math.nan,
            new_lesion_count=len(followup.new_lesion_ids),
            summed_lesions="",  # "" where nothing is summed (an NE scan, spec 8.7); the sum's ids else (8.2)
            qc_passed=not qc,
            timing_flag="",
            flags=join_flags(["qc_failed" if qc else ""]),
            consensus_window=consensus_window(patient, followup),
        )
        row["new_lesion_response"] = "yes" if row["new_lesion_count"] else "no"  # spec 1.6; anatomic 1.5
        not_evaluable = _not_evaluable(patient, followup, threshold, selected_ids, qc, rules)
        if not_evaluable:
            row |= _decided(NE, "; ".join(not_evaluable), "8.7")
        else:
            row |= _category(patient, followup, selected_ids, baseline_sum, nadir, rules, reference, qc)
        rows.append(row)
        if row["overall_response"] != NE and round(row["current_sum"] - nadir[0], 6) < 0:  # spec 1.5
            nadir = (row["current_sum"], followup.day)
    return rows


def _not_evaluable(
    patient: PatientScans,
    followup: Scan,
    threshold: float | None,
    selected_ids: list[str],
    qc: list[str],
    rules: _Rules,
) -> list[str]:
    """NE conditions of spec 8.7 (a new lesion does not rescue a failed scan)."""
    reasons = []
    if threshold is None:
        reasons.append("no measurability threshold: liver reference missing at baseline")
    elif not selected_ids:
        reasons.append(
            f"no measurable baseline lesion (every baseline SULpeak < {number(threshold)}; spec 8.3)"
        )
    if qc and rules.qc == "strict":
        reasons.append("quality check failed: " + "; ".join(qc) + " (PERCIST 1.0 spec 5.4)")
    missing = followup.missing(selected_ids, "sulpeak")
    if missing:
        reasons.append(
            f"baseline-selected lesion(s) {', '.join(missing)} without SULpeak at day {followup.day}"
        )
    unreported = [i for i in patient.baseline_ids if i not in selected_ids and not followup.has(i)]
    if unreported:  # spec 1.2: S_fu reads every lesion present (8.2), so an unreported one may be in it
        reasons.append(f"baseline lesion(s) {', '.join(unreported)} not reported at day {followup.day} "
                       "(spec 1.2)")
    every_new = followup.new_lesion_ids if rules.new_lesion_mode == "add_all" else []  # top5: 1.4 step 1
    unmeasured = followup.missing(every_new, "sulpeak")
    if unmeasured:
        reasons.append(
            f"new lesion(s) {', '.join(unmeasured)} without SULpeak: the sum of every new lesion "
            "(impercist_new_lesion_mode='add_all') is incomplete"
        )
    return reasons


def _category(
    patient: PatientScans,
    followup: Scan,
    selected_ids: list[str],
    baseline_sum: float,
    nadir: tuple[float, int],
    rules: _Rules,
    reference: Reference,
    qc: list[str],
) -> dict[str, Any]:
    """imPERCIST category of one follow-up (spec 8.5 in the order of 1.7)."""
    current = followup_sum(followup, selected_ids, rules.new_lesion_mode)
    rel = relative_change(current.value, baseline_sum)
    change = absolute_change(current.value, baseline_sum)
    pmd_value, pmd_day = nadir if reference == "nadir" else (baseline_sum, patient.baseline.day)
    pmd_rel = relative_change(current.value, pmd_value)
    pmd_change = absolute_change(current.value, pmd_value)
    new_ids = [i for i in current.lesion_ids if i in set(followup.new_lesion_ids)]
    included = f" (incl. new {', '.join(new_ids)})" if new_ids else ""
    numbers = (
        f"sum SULpeak {number(current.value)}{included} vs baseline {number(baseline_sum)}: "
        f"{percent(rel or 0.0)}, {signed(change)}"
    )
    row: dict[str, Any] = {
        "current_sum": current.value,
        "sum_complete": True,
        "new_lesion_sum": current.new_lesion_sum,
        "pct_change_baseline": as_percent(rel),
        "abs_change": change,
        "rel_change": rel,
        "summed_lesions": ",".join(current.lesion_ids),
    }
    if reference == "nadir":
        row |= {
            "nadir_sum": pmd_value,
            "pct_change_nadir": as_percent(pmd_rel),
            "abs_change_nadir": pmd_change,
        }
    warn = ("; quality check failed, category kept (impercist_qc='warn'): " + "; ".join(qc)) if qc else ""
    sign = ">=" if rules.inclusive else ">"
    everything = [*patient.baseline_ids, *followup.new_lesion_ids]
    resolved = all(is_resolved(followup, i, CMR_RULE) for i in everything)
    if pmd_rel is None and not resolved:  # a nadir of 0 (every lesion resolved before)
        reason = f"{numbers}; the PMD reference, the nadir of day {pmd_day}, is 0: reference value is 0"
        return row | _decided(NE, reason, "1.5")
    if _passes(pmd_rel, pmd_change, PMD_RELATIVE, rules):
        versus = (
            ""
            if reference == "baseline"
            else f"; vs nadir {number(pmd_value)} (day {pmd_day}) {percent(pmd_rel or 0)}"
        )
        return row | _decided(PMD, f"{numbers}{versus} ({sign}30%){warn}")
    if resolved:
        return row | _decided(CMR, f"every lesion resolved (absent or below the liver SULmean){warn}")
    if _passes(rel, change, PMR_RELATIVE, rules):
        return row | _decided(PMR, f"{numbers} ({'<=' if rules.inclusive else '<'}-30%){warn}")
    return row | _decided(SMD, f"{numbers}{warn}")


def _passes(rel: float | None, change: float, threshold: float, rules: _Rules) -> bool:
    """The 30% test in the direction of ``threshold``, with the A2 boundary and the A3 absolute minimum."""
    if rel is None:
        return False
    direction = 1.0 if threshold > 0 else -1.0
    relative_ok = direction * rel >= abs(threshold) if rules.inclusive else direction * rel > abs(threshold)
    return relative_ok and direction * change >= rules.min_abs_sul


def _decided(category: str, text: str, section: str = "8.5") -> dict[str, Any]:
    return {"overall_response": category, "reason": f"{text}: {category} ({SOURCE}; spec {section})"}


CRITERION = Criterion(
    key=KEY,
    title="imPERCIST5 (Ito 2019)",
    family="metabolic",
    required_columns=SULPEAK_CRITERION_COLUMNS,
    assess=assess,
)
