"""iPERCIST: immune PERCIST, PERCIST 1.0 with confirmation of progression.

Source: Goldfarb L, Duchemann B, Chouahnia K, Zelek L, Soussan M. Monitoring anti-PD-1-based
immunotherapy in non-small cell lung cancer with FDG PET: introduction of iPERCIST. EJNMMI Res
2019;9:8, doi:10.1186/s13550-019-0473-1.
Rules as in spec/metabolic.md section 9 (the confirmation state machine 9.5, new lesions 9.6, NE 9.7,
best response and responder 9.8); the options are the ambiguities of 9.11 (A1-A5). The per-scan
category against baseline is PERCIST 1.0 (criteria.percist), with every PERCIST option.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from ioresponse.criteria import MEASURABILITY_THRESHOLD, TEXT, Criterion, CriterionResult, Study
from ioresponse.criteria._metabolic import (
    CMR,
    NE,
    NUMBER,
    PMD,
    PMR,
    SMD,
    SULPEAK_CRITERION_COLUMNS,
    ColumnTypes,
    MetabolicResponse,
    PatientScans,
    Scan,
    SulFormula,
    absolute_change,
    best_response_frame,
    best_response_row,
    consensus_window,
    join_flags,
    patient_scans,
    pet_table_of,
    relative_change,
    timepoint_frame,
    timepoint_row,
)
from ioresponse.criteria.percist import (
    EXTRA_COLUMNS as PERCIST_COLUMNS,
)
from ioresponse.criteria.percist import (
    CmrRule,
    Nadir,
    PercistCall,
    PercistReference,
    PercistRules,
    QcPolicy,
    SumSelection,
    baseline_measurability,
    call_columns,
    comparison_text,
    evaluate,
    extent_increase_is_pmd,
    five_lesion_sum,
    hottest,
    selected_ids,
    uptake_increase_is_pmd,
)
from ioresponse.schema import CLINICAL_STATUS, ConfirmationState, check_choice

KEY = "ipercist"
SOURCE = "iPERCIST, Goldfarb 2019"
UPMD, CPMD = MetabolicResponse.UPMD, MetabolicResponse.CPMD
REASON_SOURCE = f" ({SOURCE}; spec 9.5)"

CONFIRMATION_WINDOW_DAYS = (28, 56)
"""The confirmation PET 4-8 weeks after the UPMD scan (Goldfarb 2019: 4 weeks; reviews 4-8; spec 9.5, A2)."""
RESPONDER_LABELS = (CMR, PMR, SMD)
"""Goldfarb's responders: CMR, PMR or SMD at SCAN-2 or at the scan closing a UPMD episode (spec 9.8)."""
BEST_RESPONSE_ORDER = (CMR, PMR, SMD, UPMD, CPMD)
"""Best overall response ranking CMR > PMR > SMD > UPMD > CPMD (spec 9.8)."""

ConfirmReference = Literal["upmd_scan", "baseline"]

EXTRA_COLUMNS: ColumnTypes = {
    **PERCIST_COLUMNS,
    "percist_response": TEXT,
    "upmd_day": NUMBER,  # a day that can be missing, NaN outside a UPMD episode (spec 9.5), in every table
}
BEST_EXTRA_COLUMNS = (MEASURABILITY_THRESHOLD, "responder")


@dataclass
class _Episode:
    """An open UPMD episode: its reference scan U and the positions of its rows (spec 9.5)."""

    scan: Scan
    rows: list[int] = field(default_factory=list)
    quantitative: bool = True
    """U's values can be compared: its scan passed the quality checks and the baseline is measurable."""


def confirmation_triggers(
    patient: PatientScans, upmd_scan: Scan, current: Scan, rules: PercistRules, quantitative: bool
) -> list[str]:
    """PERCIST PMD triggers of the current scan measured against the UPMD scan U (spec 9.5 rule 2 (a)-(d)).

    ``quantitative=False`` (the current scan or U failed the quality checks, ``percist_qc="strict"``, or the
    baseline is not measurable): the quantitative rules (a) and (b) are not evaluable and only (c) and (d)
    can confirm (spec 5.3, 5.4, 5.5, 5.7).
    """
    ids = patient.baseline_ids
    at_upmd, now = hottest(upmd_scan, ids), hottest(current, ids)
    rel = relative_change(now.value, at_upmd.value)
    change = absolute_change(now.value, at_upmd.value)
    triggers = []
    if quantitative and uptake_increase_is_pmd(rel, change, rules.pmd_inclusive):
        sign = ">=30% and >=0.8 SUL" if rules.pmd_inclusive else ">30% and >0.8 SUL"
        triggers.append(
            comparison_text(now, at_upmd, rel, change, f"UPMD scan (day {upmd_scan.day})") + f" ({sign})"
        )
    if quantitative and rules.tlg_rule:
        same = selected_ids(patient.baseline, ids) if rules.sum_selection == "same_lesions" else None
        extent = extent_increase_is_pmd(
            five_lesion_sum(upmd_scan, ids, "tlg", same),
            five_lesion_sum(current, ids, "tlg", same),
            at_upmd,
            now,
            rules.tlg_strict,
        )
        if extent:
            triggers.append(extent + f" vs the UPMD scan (day {upmd_scan.day})")
    seen = set(upmd_scan.new_lesion_ids)
    new_since = [i for i in current.new_lesion_ids if i not in seen]
    if new_since:
        triggers.append(f"new lesion(s) {', '.join(new_since)} since the UPMD scan (day {upmd_scan.day})")
    flagged_before = set(upmd_scan.flagged(ids))
    newly_flagged = [i for i in current.flagged(ids) if i not in flagged_before]
    if newly_flagged:
        triggers.append(f"unequivocal progression of {', '.join(newly_flagged)} since the UPMD scan")
    return triggers


def assess(
    study: Study,
    *,
    ipercist_confirm_reference: ConfirmReference = "upmd_scan",
    ipercist_enforce_window: bool = False,
    ipercist_unconfirmed_is_progression: bool = False,
    percist_pmd_inclusive: bool = False,
    percist_qc: QcPolicy = "strict",
    percist_cmr_rule: CmrRule = "liver",
    percist_tlg_rule: bool = True,
    percist_tlg_strict: bool = False,
    percist_sum_selection: SumSelection = "reselect",
    percist_pmr_other_lesion_check: bool = True,
    percist_reference: PercistReference = "baseline",
    lbm_formula: SulFormula | None = None,
) -> CriterionResult:
    """iPERCIST timepoint response, best overall response and responder (spec/metabolic.md section 9).

    Parameters
    ----------
    study : Study
        ``study.pet`` is the PET table (PERCIST columns, spec 5.10, plus optional ``clinical_status``).
    ipercist_confirm_reference : {"upmd_scan", "baseline"}, default "upmd_scan"
        What confirms a UPMD (A1): PERCIST PMD triggers measured against the UPMD scan (further
        increase, extent, new lesion or unequivocal progression since it), or PMD versus baseline.
    ipercist_enforce_window : bool, default False
        A2: a scan fewer than 28 days after the UPMD scan can reset but cannot confirm.
    ipercist_unconfirmed_is_progression : bool, default False
        A3: an episode still open at the last scan is a progression event dated at the UPMD scan.
    percist_pmd_inclusive, percist_qc, percist_cmr_rule, percist_tlg_rule, percist_tlg_strict,
    percist_sum_selection, percist_pmr_other_lesion_check, percist_reference
        The PERCIST options (spec 5.12; "all PERCIST options apply", 9.2), see
        ``criteria.percist.assess``; ``percist_reference="nadir"`` measures ``P_bl``'s PMD rule (a)
        from the nadir (A6).
    lbm_formula : {"janmahasatian", "james"}, optional
        The LBM formula the SUL values must come from (A2, spec 2.2): a scan naming the other one is
        refused; None (default) takes the formula the table names ("user-supplied" for SUL given
        directly).

    Notes
    -----
    1. Each follow-up gets its PERCIST category against baseline ``P_bl``.
    2. No open episode: ``P_bl`` PMD gives UPMD and opens an episode at this scan U.
    3. Open episode: CMR/PMR/SMD reset it (not confirmed); NE leaves it open; PMD confirms it (CPMD,
       progression dated at U) when a PMD trigger holds against U, else the scan stays UPMD.
    4. The confirmation scan should be 28-56 days after U (``timing_flag`` otherwise).
    """
    check_choice("ipercist_confirm_reference", ipercist_confirm_reference, ("upmd_scan", "baseline"))
    check_choice("percist_qc", percist_qc, ("strict", "warn"))
    check_choice("percist_cmr_rule", percist_cmr_rule, ("liver", "blood_pool", "reader"))
    check_choice("percist_sum_selection", percist_sum_selection, ("reselect", "same_lesions"))
    check_choice("percist_reference", percist_reference, ("baseline", "nadir"))
    table = pet_table_of(study, "iPERCIST", CRITERION.required_columns, lbm_formula)
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
        machine = _StateMachine(
            patient, rules, ipercist_confirm_reference, ipercist_enforce_window, Nadir(percist_reference)
        )
        for followup in patient.followups:
            machine.step(followup)
        progression_day = machine.finish(ipercist_unconfirmed_is_progression)
        best.append(_best_response(patient, machine, progression_day))
        timepoints.extend(machine.rows)
    best_frame = best_response_frame(best, BEST_EXTRA_COLUMNS)
    best_frame["responder"] = best_frame["responder"].astype("boolean")
    return CriterionResult(timepoint_frame(timepoints, EXTRA_COLUMNS), best_frame)


class _StateMachine:
    """The UPMD -> CPMD confirmation state machine of one patient (spec 9.5)."""

    def __init__(
        self,
        patient: PatientScans,
        rules: PercistRules,
        reference: ConfirmReference,
        enforce_window: bool,
        nadir: Nadir,
    ) -> None:
        self.patient, self.rules, self.reference, self.enforce_window = (
            patient,
            rules,
            reference,
            enforce_window,
        )
        self.nadir = nadir
        self.rows: list[dict[str, Any]] = []
        self.episode: _Episode | None = None
        self.confirmed_at: int | None = None
        self.confirmed_upmd_day: int | None = None
        self.confirmed_episode_start = 0
        self.reset_labels: list[str] = []

    def step(self, followup: Scan) -> None:
        call = evaluate(self.patient, followup, self.rules, pmd_reference=self.nadir.hottest)
        row = timepoint_row(self.patient, KEY, followup, **call_columns(call, self.patient.baseline.day))
        row |= self.nadir.take(call)
        row |= {
            "percist_response": str(call.category),
            "upmd_day": math.nan,
            "flags": join_flags(["qc_failed" if call.qc_failures else ""]),
            "consensus_window": consensus_window(self.patient, followup),
        }
        self.rows.append(row)
        percist_reason = call.reason
        if self.confirmed_at is not None:
            label = CPMD if call.category == PMD else call.category
            self._set(
                row, label, f"{percist_reason}; after confirmed progression (day {self.confirmed_upmd_day})"
            )
        elif self.episode is None:
            self._outside_episode(row, followup, call, percist_reason)
        else:
            quantitative = call.quantitative and self.episode.quantitative  # both U and C (9.5, 5.7)
            self._inside_episode(row, followup, call.category, percist_reason, self.episode, quantitative)

    def _outside_episode(
        self, row: dict[str, Any], followup: Scan, call: PercistCall, reason: str
    ) -> None:
        category = call.category
        if category != PMD:
            self._set(row, category, reason)
            return
        self.episode = _Episode(followup, [len(self.rows) - 1], call.quantitative)
        row |= {"confirmation_state": ConfirmationState.PENDING.value, "upmd_day": followup.day}
        self._set(
            row,
            UPMD,
            f"{reason}; a first PMD is unconfirmed: UPMD, to be confirmed by the next PET 4-8 weeks later",
        )

    def _inside_episode(
        self,
        row: dict[str, Any],
        followup: Scan,
        category: str,
        reason: str,
        episode: _Episode,
        quantitative: bool,
    ) -> None:
        upmd = episode.scan
        elapsed = followup.day - upmd.day
        low, high = CONFIRMATION_WINDOW_DAYS
        row["upmd_day"] = upmd.day
        if not low <= elapsed <= high:
            row["timing_flag"] = "outside_confirmation_window"
        window_note = "" if low <= elapsed <= high else f" ({elapsed} days after UPMD, outside 28-56)"
        if category in RESPONDER_LABELS:
            self._close(episode, ConfirmationState.NOT_CONFIRMED)
            self.reset_labels.append(category)
            self._set(row, category, f"{reason}; UPMD at day {upmd.day} not confirmed{window_note}")
            return
        if category == NE:
            self._set(row, NE, f"{reason}; UPMD episode of day {upmd.day} stays open")
            return
        if self.enforce_window and elapsed < low:
            self._keep_open(
                row,
                episode,
                f"{reason}; {elapsed} days after UPMD (day {upmd.day}) is too early to confirm "
                "(ipercist_enforce_window, >=28 days): still UPMD",
            )
            return
        triggers = (
            ["still PMD vs baseline (ipercist_confirm_reference='baseline')"]
            if self.reference == "baseline"
            else confirmation_triggers(self.patient, upmd, followup, self.rules, quantitative)
        )
        if not triggers:
            self._keep_open(
                row,
                episode,
                f"{reason}; vs UPMD scan (day {upmd.day}) no further progression (hottest, "
                f"extent, new lesion, unequivocal): still UPMD{window_note}",
            )
            return
        self._close(episode, ConfirmationState.CONFIRMED)
        row["confirmation_state"] = ConfirmationState.CONFIRMS.value
        self.confirmed_at = len(self.rows) - 1
        self.confirmed_upmd_day = upmd.day
        self.confirmed_episode_start = episode.rows[0]
        self._set(
            row,
            CPMD,
            f"confirms UPMD of day {upmd.day}: {'; '.join(triggers)}{window_note}, progression "
            f"dated day {upmd.day}",
        )

    def _keep_open(self, row: dict[str, Any], episode: _Episode, reason: str) -> None:
        episode.rows.append(len(self.rows) - 1)
        row["confirmation_state"] = ConfirmationState.PENDING.value
        self._set(row, UPMD, reason)

    def _close(self, episode: _Episode, state: ConfirmationState) -> None:
        for position in episode.rows:
            self.rows[position]["confirmation_state"] = state.value
        self.episode = None

    @staticmethod
    def _set(row: dict[str, Any], category: str, reason: str) -> None:
        row["overall_response"] = category
        row["reason"] = f"{reason}{REASON_SOURCE}"

    def finish(self, unconfirmed_is_progression: bool) -> float:
        """Close the patient (spec 9.5 rule 4) and date progression; returns the progression day or NaN."""
        progression_day, first_after = math.nan, None
        if self.confirmed_at is not None and self.confirmed_upmd_day is not None:
            progression_day, first_after = float(self.confirmed_upmd_day), self.confirmed_at + 1
            start = self.confirmed_episode_start
        elif self.episode is not None:
            last = self.rows[self.episode.rows[-1]]  # the last UPMD scan; NE scans may follow (9.7)
            note = "UPMD not confirmed: no further PET confirms or resets it"
            if last[CLINICAL_STATUS] == "deteriorating":
                note += "; clinical deterioration"
            last["reason"] = last["reason"].removesuffix(REASON_SOURCE) + f"; {note}{REASON_SOURCE}"
            if not unconfirmed_is_progression:
                return math.nan
            start = self.episode.rows[0]
            progression_day, first_after = float(self.episode.scan.day), start + 1
        else:
            return math.nan
        for position, row in enumerate(self.rows[start:], start=start):
            row["progression_day"] = progression_day
            row["after_progression"] = position >= first_after
        return progression_day


def _best_response(patient: PatientScans, machine: _StateMachine, progression_day: float) -> dict[str, Any]:
    """Best overall response with UPMD rows of a confirmed episode ranked as CPMD (spec 9.8)."""
    ranked_rows = [
        r | {"overall_response": CPMD}
        if r["overall_response"] == UPMD and r["confirmation_state"] == ConfirmationState.CONFIRMED
        else r
        for r in machine.rows
    ]
    return best_response_row(
        patient,
        KEY,
        ranked_rows,
        source=f"{SOURCE}; spec 9.8",
        ranking=BEST_RESPONSE_ORDER,
        progression_day=progression_day,
        responder=_responder(machine),
        **baseline_measurability(patient),
    )


def _responder(machine: _StateMachine) -> bool | None:
    """Goldfarb's responder (spec 9.8): CMR/PMR/SMD at the first follow-up or at a reset; None if unknown."""
    rows = machine.rows
    if not rows:
        return None
    if rows[0]["overall_response"] in RESPONDER_LABELS or machine.reset_labels:
        return True
    if machine.confirmed_at is not None:
        return False
    if machine.episode is not None and rows[machine.episode.rows[-1]][CLINICAL_STATUS] == "deteriorating":
        return False  # deterioration at the last UPMD scan (spec 9.5 rule 4)
    return None


CRITERION = Criterion(
    key=KEY,
    title="iPERCIST (Goldfarb 2019)",
    family="metabolic",
    required_columns=SULPEAK_CRITERION_COLUMNS,
    assess=assess,
)
