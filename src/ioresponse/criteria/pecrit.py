"""PECRIT: PET/CT Criteria for early prediction of Response to Immune checkpoint inhibitor Therapy.

Source: Cho SY, Lipson EJ, Im HJ, Rowe SP, Gonzalez EM, Blackford A, Chirindel A, Pardoll DM,
Topalian SL, Wahl RL. Prediction of response to immune checkpoint inhibitor therapy using
early-time-point 18F-FDG PET/CT imaging in patients with advanced melanoma. J Nucl Med
2017;58(9):1421-1428, doi:10.2967/jnumed.116.188839.
Rules as in spec/metabolic.md section 6 (decision rule 6.5, NE 6.7, scan choice 6.9); the options
are the ambiguities of 6.12 (A1-A5). The RECIST 1.1 response comes from the PET table's
``recist_response`` column or, where that is empty, from the RECIST 1.1 engine run on the anatomic
table of the same study (criteria.recist11, with the RECIST 1.1 options of the run:
:func:`recist_timepoints`); the SULpeak part is PERCIST's (criteria.percist).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import pandas as pd

from ioresponse.criteria import MEASURABILITY_THRESHOLD, TEXT, Criterion, CriterionResult, Study, recist11
from ioresponse.criteria._metabolic import (
    NE,
    NUMBER,
    OPTIONAL_FLAG,
    SULPEAK_CRITERION_COLUMNS,
    ColumnTypes,
    MetabolicResponse,
    PatientScans,
    Scan,
    SulFormula,
    as_percent,
    best_response_frame,
    best_response_row,
    consensus_window,
    join_flags,
    number,
    patient_scans,
    percent,
    pet_table_of,
    relative_change,
    timepoint_frame,
    timepoint_row,
)
from ioresponse.criteria.percist import (
    baseline_measurability,
    hottest,
    measurability_threshold,
    quality_failures,
)
from ioresponse.io.pet_table import RECIST_RESPONSE
from ioresponse.schema import DAY, PATIENT, READER, InputError, check_choice

KEY = "pecrit"
SOURCE = "PECRIT, Cho 2017"
BENEFIT = MetabolicResponse.CLINICAL_BENEFIT
NO_BENEFIT = MetabolicResponse.NO_CLINICAL_BENEFIT

SD_SULPEAK_CHANGE = 0.155
"""RECIST SD: hottest SULpeak change of more than 15.5% (strict) predicts benefit (Cho 2017; spec 6.5)."""
PECRIT_WINDOW_DAYS = (21, 28)
"""PECRIT was derived on the PET at days 21-28 after the first dose (Cho 2017 SCAN-2; spec 6.9)."""
RECIST_BENEFIT = ("CR", "PR")
"""RECIST 1.1 CR or PR at SCAN-2: clinical benefit, PET not consulted (spec 6.5)."""
RECIST_STABLE = ("SD", "NON-CR/NON-PD")
"""RECIST 1.1 SD goes to the SULpeak branch (spec 6.5); NON-CR/NON-PD is read as SD (toolkit extension)."""

SdDirection = Literal["increase", "decrease"]
QcPolicy = Literal["strict", "warn"]

EXTRA_COLUMNS: ColumnTypes = {
    "recist_response": TEXT,
    "reference_value": NUMBER,
    "reference_lesion": TEXT,
    "current_lesion": TEXT,
    "rel_change": NUMBER,
    MEASURABILITY_THRESHOLD: NUMBER,
    "qc_passed": OPTIONAL_FLAG,
    "timing_flag": TEXT,
    "consensus_window": TEXT,
    "lbm_formula": TEXT,
}
"""The reference and current lesions, ``rel_change``, ``measurability_threshold`` and ``qc_passed`` are filled
by the RECIST-SD branch only (spec 6.5; missing on the CR/PR/PD/NE rows): ``qc_passed`` is a nullable boolean,
True/False where the quality checks ran, empty elsewhere."""


def choose_scan(patient: PatientScans) -> tuple[Scan | None, str]:
    """The first follow-up PET on days 21-28, else the first follow-up, flagged (spec 6.9)."""
    low, high = PECRIT_WINDOW_DAYS
    for scan in patient.followups:
        if low <= scan.day <= high:
            return scan, ""
    first = patient.followups[0] if patient.followups else None
    return first, "outside_pecrit_window" if first is not None else ""


class LesionTableError(InputError):
    """A refusal of the RECIST 1.1 engine PECRIT runs (:func:`recist_timepoints`): about rows of the lesion
    table (``study.source``), not of the PET table, so ``ioresponse.api`` keeps naming the lesion table."""


def recist_timepoints(
    study: Study, table: pd.DataFrame, recist_options: Mapping[str, Any]
) -> pd.DataFrame | None:
    """RECIST 1.1 timepoints of the anatomic table (None when the study has none).

    Spec 6.2: the RECIST 1.1 response is "computed by the RECIST 1.1 engine on the anatomic columns of the
    same scan". The engine runs with ``recist_options`` (``ioresponse.assess`` gives PECRIT every RECIST 1.1
    option of the run, those the recist11 criterion gets) on the patients of the PET ``table`` only. A
    patient is assessed alone as in a cohort (DESIGN.md), so each call is the recist11 row of the same run,
    and the anatomic rows of a patient without PET cannot stop PECRIT.

    Raises
    ------
    LesionTableError
        The engine refuses the lesion rows of a patient of the PET table (a RECIST 1.1 baseline rule...),
        located in the lesion table.
    """
    if study.lesions is None:
        return None
    assessed = study.lesions[PATIENT].isin(table[PATIENT].unique())
    anatomic = study if assessed.all() else replace(study, lesions=study.lesions[assessed])
    try:
        result = recist11.CRITERION.assess(anatomic, **recist_options)
    except InputError as error:
        if error.file != study.source:  # an option's value (file "options"), given to the engine as is
            raise
        raise LesionTableError(error.file, error.rows, error.column, error.message) from None
    return result.timepoints[[PATIENT, READER, DAY, "overall_response"]]


@dataclass(frozen=True)
class RecistCall:
    """The RECIST 1.1 response PECRIT reads at a scan ("" when none) and the words naming it in ``reason``."""

    response: str
    text: str


def recist_at(scan: Scan, patient: PatientScans, recist: pd.DataFrame | None, window_days: int) -> RecistCall:
    """RECIST 1.1 response at this scan: the PET table's ``recist_response``, else the engine's (spec 6.2).

    The engine's call is the same reader's (spec 6.2: the anatomic columns of the same scan; README "Input":
    each reader is assessed separately): a named PET reader never reads another reader's call. Only a read
    without reader, on either side, takes the other side's: a named reader the anatomic read without reader,
    a PET read without reader the one anatomic reader of the patient (none among several); ``text`` then
    names whose call it is.
    """
    given = scan.attribute(RECIST_RESPONSE)
    if isinstance(given, str) and given:
        return RecistCall(given, f"RECIST 1.1 {given}")
    if recist is None:
        return RecistCall("", "no RECIST 1.1 assessment")
    rows = recist[(recist[PATIENT] == patient.patient_id) & ((recist[DAY] - scan.day).abs() <= window_days)]
    if patient.reader:  # the reader's own call, else the anatomic read without reader
        own = rows[rows[READER] == patient.reader]
        rows = own if not own.empty else rows[rows[READER] == ""]
        none = f"no RECIST 1.1 call of reader {patient.reader}"
    else:  # the anatomic read without reader, else the patient's one anatomic reader
        readers = sorted(set(rows[READER]))
        if len(readers) > 1 and "" not in readers:
            return RecistCall("", f"no RECIST 1.1 call of this read without reader (readers "
                                  f"{', '.join(readers)} each have their own)")
        own = rows[rows[READER] == ""]
        rows = own if not own.empty else rows
        none = "no RECIST 1.1 assessment"
    if rows.empty:
        return RecistCall("", none)
    nearest = rows.assign(distance=(rows[DAY] - scan.day).abs()).sort_values(
        ["distance", DAY], kind="mergesort"
    )
    response, reader = str(nearest["overall_response"].iloc[0]), str(nearest[READER].iloc[0])
    if reader == patient.reader:
        return RecistCall(response, f"RECIST 1.1 {response}")
    whose = f"reader {reader}" if reader else "the anatomic read without reader"
    return RecistCall(response, f"RECIST 1.1 {response} (the call of {whose})")


def assess(
    study: Study,
    *,
    pecrit_sd_direction: SdDirection = "increase",
    pecrit_strict_window: bool = False,
    pecrit_recist_window_days: int = 0,
    percist_qc: QcPolicy = "strict",
    lbm_formula: SulFormula | None = None,
    **recist_options: Any,
) -> CriterionResult:
    """PECRIT prediction of clinical benefit, once per patient (spec/metabolic.md section 6).

    Parameters
    ----------
    study : Study
        ``study.pet`` is the PET table (spec 6.10 columns); the RECIST 1.1 response is its
        ``recist_response`` column or the RECIST 1.1 engine run on ``study.lesions``.
    pecrit_sd_direction : {"increase", "decrease"}, default "increase"
        RECIST-SD branch (A1): benefit when the hottest SULpeak rose by more than 15.5% (primary
        figure legend), or fell by more than 15.5%. Strict in both directions (A2).
    pecrit_strict_window : bool, default False
        A3: without a follow-up PET on days 21-28 the result is NE instead of flagged.
    pecrit_recist_window_days : int, default 0
        Largest distance in days between the PET and the RECIST 1.1 assessment taken from the
        anatomic table (toolkit option; the spec pairs assessments of the same date).
    percist_qc : {"strict", "warn"}, default "strict"
        PERCIST quality checks in the SD branch (A4).
    lbm_formula : {"janmahasatian", "james"}, optional
        The LBM formula the SUL values must come from (A2, spec 2.2): a scan naming the other one is
        refused; None (default) takes the formula the table names ("user-supplied" for SUL given
        directly).
    **recist_options
        Options of the RECIST 1.1 engine (``criteria.recist11.assess``: ``on_baseline_violation``,
        ``max_baseline_gap_days``...), for the responses it computes where ``recist_response`` is empty
        (spec 6.2); ``ioresponse.assess`` gives PECRIT the RECIST 1.1 options of the run
        (``ioresponse.api.ENGINES``), so that its call is the recist11 row of the same result.

    Notes
    -----
    1. RECIST CR/PR: clinical benefit. 2. RECIST PD: no clinical benefit. 3. RECIST NE or missing: NE.
    4. RECIST SD: PERCIST quality checks, measurability and lesion values (else NE); then the
       SULpeak change of the hottest lesion decides (no 0.8 SUL minimum, A5).
    """
    check_choice("pecrit_sd_direction", pecrit_sd_direction, ("increase", "decrease"))
    check_choice("percist_qc", percist_qc, ("strict", "warn"))
    table = pet_table_of(study, "PECRIT", CRITERION.required_columns, lbm_formula)
    needs_engine = RECIST_RESPONSE not in table or (table[RECIST_RESPONSE] == "").any()
    recist = recist_timepoints(study, table, recist_options) if needs_engine else None
    if needs_engine and recist is None and RECIST_RESPONSE not in table:
        raise InputError(
            study.source,
            [],
            RECIST_RESPONSE,
            "PECRIT needs the RECIST 1.1 response: give a "
            "recist_response column in the PET table or the anatomic lesion table of the same "
            "patients (spec/metabolic.md 6.2)",
        )
    timepoints: list[dict[str, Any]] = []
    best: list[dict[str, Any]] = []
    for patient in patient_scans(table, study.patients):
        scan, timing_flag = choose_scan(patient)
        rows = []
        if scan is not None:
            row = timepoint_row(
                patient,
                KEY,
                scan,
                sum_unit="SUL",
                timing_flag=timing_flag,
                consensus_window=consensus_window(patient, scan),
            )
            call = recist_at(scan, patient, recist, pecrit_recist_window_days)
            row["recist_response"] = call.response
            row |= _predict(
                patient,
                scan,
                call,
                timing_flag,
                pecrit_sd_direction,
                pecrit_strict_window,
                percist_qc,
            )
            rows.append(row)
        best.append(_best_response(patient, rows))
        timepoints.extend(rows)
    return CriterionResult(
        timepoint_frame(timepoints, EXTRA_COLUMNS),
        best_response_frame(best, (MEASURABILITY_THRESHOLD,)),
    )


def _predict(
    patient: PatientScans,
    scan: Scan,
    call: RecistCall,
    timing_flag: str,
    direction: SdDirection,
    strict_window: bool,
    qc_policy: QcPolicy,
) -> dict[str, Any]:
    """The PECRIT decision rule at one scan (spec 6.5, 6.7, 6.9)."""
    window_note = f"; PECRIT was derived on days 21-28, this scan is day {scan.day}" if timing_flag else ""
    if timing_flag and strict_window:
        return _decided(
            NE, f"no follow-up PET on days 21-28 (pecrit_strict_window); first is day {scan.day}", "6.9"
        )
    if call.response in RECIST_BENEFIT:
        return _decided(BENEFIT, f"{call.text} at day {scan.day}: PET not consulted{window_note}")
    if call.response == "PD":
        return _decided(NO_BENEFIT, f"{call.text} at day {scan.day}: PET not consulted{window_note}")
    if call.response not in RECIST_STABLE:
        return _decided(NE, f"{call.text} at day {scan.day}", "6.7")
    return _sd_branch(patient, scan, call.text, direction, qc_policy, window_note)


def _sd_branch(
    patient: PatientScans,
    scan: Scan,
    recist_text: str,
    direction: SdDirection,
    qc_policy: QcPolicy,
    window_note: str,
) -> dict[str, Any]:
    """RECIST SD: the SULpeak change of the hottest lesion decides (spec 6.5, NE of 6.7)."""
    ids = patient.baseline_ids
    threshold = measurability_threshold(patient.baseline)
    qc = quality_failures(patient.baseline, scan)
    before, after = hottest(patient.baseline, ids), hottest(scan, ids)
    row: dict[str, Any] = {
        "measurability_threshold": threshold if threshold is not None else math.nan,
        "qc_passed": not qc,
        "flags": join_flags(["qc_failed" if qc else ""]),
        "reference_value": before.value,
        "reference_lesion": before.lesion_id,
        "baseline_sum": before.value,
    }
    problems = []
    if qc and qc_policy == "strict":
        problems.append("quality check failed: " + "; ".join(qc) + " (PERCIST 1.0 spec 5.4)")
    if threshold is None or before.value == 0 or before.value < threshold:
        limit = number(threshold) if threshold is not None else "unknown"
        problems.append(
            f"no measurable baseline lesion (hottest SULpeak {number(before.value)}, threshold {limit})"
        )
    missing = scan.missing(ids, "sulpeak")
    if missing:
        problems.append(f"baseline lesion(s) {', '.join(missing)} without SULpeak at day {scan.day}")
    if problems:
        return row | _decided(
            NE, f"{recist_text}, SULpeak branch not evaluable: " + "; ".join(problems), "6.7"
        )
    rel = relative_change(after.value, before.value) or 0.0
    row |= {
        "current_sum": after.value,
        "sum_complete": True,
        "pct_change_baseline": as_percent(rel),
        "rel_change": rel,
        "current_lesion": after.lesion_id,
    }
    benefit = rel > SD_SULPEAK_CHANGE if direction == "increase" else rel < -SD_SULPEAK_CHANGE
    wanted = "an increase of more than 15.5%" if direction == "increase" else "a decrease of more than 15.5%"
    warn = ("; quality check failed, kept (percist_qc='warn'): " + "; ".join(qc)) if qc else ""
    text = (
        f"{recist_text} at day {scan.day}; "
        f"hottest SULpeak {number(after.value)} ({after.lesion_id}) vs "
        f"baseline {number(before.value)} ({before.lesion_id}): {percent(rel)}; benefit needs {wanted} "
        f"(pecrit_sd_direction='{direction}'){warn}{window_note}"
    )
    return row | _decided(BENEFIT if benefit else NO_BENEFIT, text)


def _decided(category: str, text: str, section: str = "6.5") -> dict[str, Any]:
    phrase = {BENEFIT: "clinical benefit predicted", NO_BENEFIT: "no clinical benefit predicted"}.get(
        category, "NE"
    )
    return {"overall_response": category, "reason": f"{text}: {phrase} ({SOURCE}; spec {section})"}


def _best_response(patient: PatientScans, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """PECRIT has no best-response derivation: the patient row repeats the single prediction (spec 6.9).

    Its measurability at baseline is PERCIST's (spec 6.3), from the baseline scan whatever branch decided.
    """
    row = best_response_row(
        patient,
        KEY,
        rows,
        source=f"{SOURCE}; spec 6.9",
        ranking=(BENEFIT, NO_BENEFIT),
        response_labels=(),
        **baseline_measurability(patient),
    )
    row["pfs_day"] = math.nan
    if rows:  # the patient row repeats the prediction, its day too when it is NE (spec 6.9)
        row["bor_day"] = float(rows[0][DAY])
        row["reason"] = (
            f"one-time prediction at day {rows[0][DAY]}: {rows[0]['overall_response']} ({SOURCE}; spec 6.9)"
        )
    return row


@dataclass(frozen=True)
class PecritCriterion(Criterion):
    """PECRIT also needs a RECIST 1.1 source (spec 6.10): ``recist_response`` or the anatomic table."""

    def missing_columns(self, study: Study, options: Mapping[str, Any] | None = None) -> list[str]:
        missing = super().missing_columns(study, options)
        has_recist = study.lesions is not None or (study.pet is not None and RECIST_RESPONSE in study.pet)
        return missing if has_recist else [*missing, RECIST_RESPONSE]


CRITERION = PecritCriterion(
    key=KEY,
    title="PECRIT (Cho 2017)",
    family="metabolic",
    required_columns=SULPEAK_CRITERION_COLUMNS,
    assess=assess,
)
