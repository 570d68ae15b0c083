"""EORTC 1999 PET response criteria.

Source: Young H, Baum R, Cremerius U, et al. Measurement of clinical and subclinical tumour response
using [18F]-fluorodeoxyglucose and positron emission tomography: review and 1999 EORTC
recommendations. Eur J Cancer 1999;35(13):1773-1782, doi:10.1016/S0959-8049(99)00229-4.
Rules as in spec/metabolic.md section 4 (quantities 4.2, categories 4.5, new lesions 4.6, NE 4.7,
best response 4.9); the options are the ambiguities of 4.12 (A1-A10).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from ioresponse.criteria import TEXT, Criterion, CriterionResult, Study
from ioresponse.criteria._metabolic import (
    CMR,
    NE,
    NUMBER,
    PMD,
    PMR,
    SMD,
    WHOLE,
    ColumnTypes,
    PatientScans,
    Scan,
    as_percent,
    best_response_frame,
    best_response_row,
    consensus_window,
    mark_progression,
    number,
    patient_scans,
    percent,
    pet_table_of,
    relative_change,
    rounded,
    select_hottest,
    timepoint_frame,
    timepoint_row,
)
from ioresponse.criteria.percist import lesion_text
from ioresponse.schema import LESION, check_choice

KEY = "eortc"
SOURCE = "EORTC 1999, Young 1999"

PMD_RELATIVE = 0.25
"""PMD: SUV rise of more than 25% in the baseline tumour region (Young 1999; spec 4.5)."""
PMR_AFTER_ONE_CYCLE = -0.15
"""PMR after one cycle: decrease of at least 15% ("15-25%", read as a minimum; Young 1999; spec 4.5, A3)."""
PMR_AFTER_MORE_CYCLES = -0.25
"""PMR after more than one cycle: decrease of more than 25% (Young 1999; spec 4.5)."""
EXTENT_INCREASE = 0.20
"""PMD: visible increase in extent, more than 20% of the longest dimension (Young 1999; spec 4.5, A7)."""
AUTO_LESIONS = 5
"""Without reader targets: track the 5 hottest baseline lesions (toolkit default; spec 4.2) ..."""
AUTO_PER_ORGAN = 2
"""... at most 2 per organ (spec 4.2)."""
UPTAKE_TOLERANCE_MIN = 15.0
"""Uptake-time difference noted as a warning (PERCIST's tolerance, no EORTC rule; spec 4.7, A9)."""

Metric = Literal["suvmax", "sulpeak", "sulmean"]
Aggregate = Literal["sum", "hottest"]
GapPolicy = Literal["smd", "pmr"]
EortcQc = Literal["warn", "off"]

EXTRA_COLUMNS: ColumnTypes = {
    "reference_day": WHOLE,
    "reference_value": NUMBER,
    "abs_change": NUMBER,
    "rel_change": NUMBER,
    "cycles_before_scan": NUMBER,  # as read: validated whole, NaN where missing (spec 1.1, 4.7)
    "tracked_lesions": TEXT,
    "new_lesion_count": WHOLE,
    "timing_flag": TEXT,
    "consensus_window": TEXT,
}


def tracked_lesions(patient: PatientScans, metric: Metric, aggregate: Aggregate) -> list[str]:
    """The lesions the patient value reads (spec 4.2, 4.4): the reader's targets, else the 5 hottest
    baseline lesions with uptake (4.3: a value above 0), max 2 per organ; with ``aggregate="hottest"`` every
    baseline lesion ("the hottest baseline-present lesion at each scan")."""
    if aggregate == "hottest":
        return patient.baseline_ids
    if patient.target_ids:
        return patient.target_ids
    baseline_rows = patient.baseline.rows(patient.baseline_ids)
    uptake = baseline_rows[metric].to_numpy(float) > 0  # spec 4.3: "a tracked lesion needs a metric value
    # at baseline greater than 0"
    return select_hottest(baseline_rows[uptake], metric, AUTO_LESIONS, AUTO_PER_ORGAN)[LESION].tolist()


def patient_value(scan: Scan, lesion_ids: list[str], metric: Metric, aggregate: Aggregate) -> float:
    """Sum of the metric over the tracked lesions (resolved = 0), or the hottest (A2); NaN if unknown."""
    values = [scan.value(i, metric) for i in lesion_ids]
    if any(math.isnan(v) for v in values):
        return math.nan
    return math.fsum(values) if aggregate == "sum" else float(max(values, default=0.0))


def extent_increases(baseline: Scan, followup: Scan, lesion_ids: list[str]) -> list[str]:
    """Tracked lesions whose FDG-avid diameter grew by more than 20% (spec 4.5, A7), as reason fragments."""
    column = "functional_diameter_mm"
    if column not in followup.lesions or column not in baseline.lesions:
        return []
    grown = []
    for lesion_id in lesion_ids:
        before, after = baseline.value(lesion_id, column), followup.value(lesion_id, column)
        if math.isnan(before) or math.isnan(after) or before == 0:
            continue
        ratio = rounded(after / before - 1)
        if ratio > EXTENT_INCREASE:
            grown.append(f"{lesion_id} FDG-avid extent {before:g} -> {after:g} mm ({percent(ratio)}, >20%)")
    return grown


def assess(
    study: Study,
    *,
    eortc_metric: Metric = "suvmax",
    eortc_aggregate: Aggregate = "sum",
    eortc_gap_policy: GapPolicy = "smd",
    eortc_qc: EortcQc = "warn",
) -> CriterionResult:
    """EORTC 1999 timepoint and best overall response (spec/metabolic.md section 4).

    Parameters
    ----------
    study : Study
        ``study.pet`` is the PET table (spec 4.10 columns).
    eortc_metric : {"suvmax", "sulpeak", "sulmean"}, default "suvmax"
        Uptake metric (A1), with whatever normalisation the column carries.
    eortc_aggregate : {"sum", "hottest"}, default "sum"
        Patient-level value (A2): sum over the tracked baseline lesions, or the hottest baseline lesion.
    eortc_gap_policy : {"smd", "pmr"}, default "smd"
        A decrease between 15% and 25% after more than one cycle (A4, A6): SMD, or PMR by the
        one-cycle threshold.
    eortc_qc : {"warn", "off"}, default "warn"
        Note an uptake-time difference of more than 15 min from baseline in the reason (A9).

    Notes
    -----
    1. NE: a tracked lesion without value, a baseline lesion the scan does not report (1.2),
       ``cycles_before_scan`` missing or < 1, baseline value 0 (a new lesion still gives PMD).
    2. PMD: ``rel > +0.25``, a tracked lesion's extent ``> +20%``, a new lesion, or unequivocal
       progression of a baseline lesion.
    3. CMR: every baseline lesion absent and no new lesion.
    4. PMR: one cycle ``rel <= -0.15``; more cycles ``rel < -0.25``.
    5. SMD otherwise (the two unnamed gaps say so in the reason).
    """
    check_choice("eortc_metric", eortc_metric, ("suvmax", "sulpeak", "sulmean"))
    check_choice("eortc_aggregate", eortc_aggregate, ("sum", "hottest"))
    check_choice("eortc_gap_policy", eortc_gap_policy, ("smd", "pmr"))
    check_choice("eortc_qc", eortc_qc, ("warn", "off"))
    table = pet_table_of(study, "EORTC 1999", (*CRITERION.required_columns, eortc_metric))
    timepoints: list[dict[str, Any]] = []
    best: list[dict[str, Any]] = []
    for patient in patient_scans(table, study.patients):
        tracked = tracked_lesions(patient, eortc_metric, eortc_aggregate)
        baseline_value = patient_value(patient.baseline, tracked, eortc_metric, eortc_aggregate)
        rows = []
        for followup in patient.followups:
            row = timepoint_row(
                patient,
                KEY,
                followup,
                sum_unit="SUV" if eortc_metric == "suvmax" else "SUL",
                baseline_sum=baseline_value,
                reference_day=patient.baseline.day,
                reference_value=baseline_value,
                tracked_lesions=",".join(tracked),
                cycles_before_scan=followup.attribute("cycles_before_scan"),
                timing_flag="",
                consensus_window=consensus_window(patient, followup),
            )
            row.update(
                _category(
                    patient,
                    followup,
                    tracked,
                    baseline_value,
                    eortc_metric,
                    eortc_aggregate,
                    eortc_gap_policy,
                )
            )
            if eortc_qc == "warn":
                row["reason"] = _with_uptake_note(row["reason"], patient.baseline, followup)
            rows.append(row)
        progression_day = mark_progression(rows, (PMD,))
        best.append(
            best_response_row(
                patient,
                KEY,
                rows,
                source=f"{SOURCE}; spec 4.9",
                baseline_sum=baseline_value,
                progression_day=progression_day,
            )
        )
        timepoints.extend(rows)
    return CriterionResult(timepoint_frame(timepoints, EXTRA_COLUMNS), best_response_frame(best))


def _category(
    patient: PatientScans,
    followup: Scan,
    tracked: list[str],
    baseline_value: float,
    metric: Metric,
    aggregate: Aggregate,
    gap_policy: GapPolicy,
) -> dict[str, Any]:
    """Category, numbers and reason of one follow-up (spec 4.5 in the order of 1.7)."""
    name = {"suvmax": "SUVmax", "sulpeak": "SULpeak", "sulmean": "SULmean"}[metric]
    label = f"{'sum' if aggregate == 'sum' else 'hottest'} {name}"
    new = followup.new_lesion_ids
    flagged = followup.flagged(patient.baseline_ids)
    cycles = float(followup.attribute("cycles_before_scan"))
    current = patient_value(followup, tracked, metric, aggregate)
    row: dict[str, Any] = {  # new_lesion_response written yes / no as by RECIST 1.1 (spec 1.6; anatomic 1.5)
        "new_lesion_count": len(new),
        "new_lesion_response": "yes" if new else "no",
    }
    not_evaluable = _not_evaluable(patient, followup, tracked, metric, baseline_value, cycles)
    new_text = f"new FDG-avid lesion{'s' if len(new) > 1 else ''} {lesion_text(followup, new)}" if new else ""
    if not_evaluable:
        if new:
            return row | _decided(PMD, f"{'; '.join(not_evaluable)}, but {new_text}")
        return row | _decided(NE, "; ".join(not_evaluable), section="4.7")
    rel = relative_change(current, baseline_value)
    change = rounded(current - baseline_value)
    row |= {
        "current_sum": current,
        "sum_complete": True,
        "abs_change": change,
        "rel_change": rel,
        "pct_change_baseline": as_percent(rel),
    }
    numbers = f"{label} {number(current)} vs baseline {number(baseline_value)} ({percent(rel or 0.0)})"
    triggers = [f"{numbers}: increase >25%"] if rel is not None and rel > PMD_RELATIVE else []
    triggers += extent_increases(patient.baseline, followup, tracked)
    triggers += [new_text] if new else []
    triggers += (
        [f"unequivocal progression of {', '.join(flagged)} (visible increase in extent)"] if flagged else []
    )
    if triggers:
        return row | _decided(PMD, "; ".join(triggers))
    if all(followup.status(i) == "absent" for i in patient.baseline_ids):
        return row | _decided(CMR, "every baseline lesion resolved to background and no new lesion")
    return row | _response_or_stable(numbers, rel or 0.0, int(cycles), gap_policy)


def _not_evaluable(
    patient: PatientScans,
    followup: Scan,
    tracked: list[str],
    metric: Metric,
    baseline_value: float,
    cycles: float,
) -> list[str]:
    """Why a follow-up is NE (spec 4.7, and 1.2: a baseline lesion the scan does not report)."""
    reasons = []
    if math.isnan(baseline_value) or baseline_value == 0:
        reasons.append("no measurable baseline uptake (baseline value 0 or missing; spec 4.3)")
    missing = followup.missing(tracked, metric)
    if missing:
        reasons.append(f"tracked lesion(s) {', '.join(missing)} without {metric} at day {followup.day}")
    unreported = [i for i in patient.baseline_ids if not followup.has(i) and i not in tracked]
    if unreported:
        reasons.append(f"baseline lesion(s) {', '.join(unreported)} not reported at day {followup.day} "
                       "(spec 1.2)")
    if math.isnan(cycles) or cycles < 1:
        reasons.append("cycles_before_scan missing or < 1 at this follow-up")
    return reasons


def _response_or_stable(numbers: str, rel: float, cycles: int, gap_policy: GapPolicy) -> dict[str, Any]:
    """PMR by the cycle-dependent thresholds, else SMD naming the unnamed gaps (spec 4.5, A3-A6)."""
    cycle_text = f"after {cycles} cycle{'s' if cycles > 1 else ''}"
    if cycles == 1 or gap_policy == "pmr":
        if rel <= PMR_AFTER_ONE_CYCLE:
            policy = "" if cycles == 1 else " (eortc_gap_policy='pmr')"
            return _decided(PMR, f"{numbers} {cycle_text}: decrease >=15%{policy}")
    elif rel < PMR_AFTER_MORE_CYCLES:
        return _decided(PMR, f"{numbers} {cycle_text}: decrease >25%")
    if cycles > 1 and PMR_AFTER_MORE_CYCLES <= rel <= PMR_AFTER_ONE_CYCLE:
        return _decided(
            SMD,
            f"{numbers}: decrease of {abs(rel) * 100:.1f}% {cycle_text} lies between the 15% "
            "and 25% thresholds; EORTC assigns no category",
        )
    if rel == PMD_RELATIVE:
        return _decided(
            SMD, f"{numbers}: exactly +25% is neither more nor less than 25%; EORTC assigns no category"
        )
    return _decided(SMD, f"{numbers} {cycle_text}: neither PMD nor PMR")


def _decided(category: str, text: str, section: str = "4.5") -> dict[str, Any]:
    return {"overall_response": category, "reason": f"{text}: {category} ({SOURCE}; spec {section})"}


def _with_uptake_note(reason: str, baseline: Scan, followup: Scan) -> str:
    """Warning note on the uptake-time difference (spec 4.7, A9); never changes the category."""
    before, after = float(baseline.attribute("uptake_min")), float(followup.attribute("uptake_min"))
    if math.isnan(before) or math.isnan(after) or rounded(abs(after - before)) <= UPTAKE_TOLERANCE_MIN:
        return reason
    return (
        f"{reason}; note: uptake time {after:g} min differs from baseline {before:g} min by more than 15 min"
    )


CRITERION = Criterion(
    key=KEY,
    title="EORTC 1999 (Young 1999)",
    family="metabolic",
    required_columns=("patient_id", "day", "lesion_id", "role", "organ", "cycles_before_scan"),
    assess=assess,
    option_columns=(("eortc_metric", "suvmax"),),
)
