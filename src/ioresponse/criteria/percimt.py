"""PERCIMT: PET Response Evaluation Criteria for IMmunoTherapy.

Source: Anwar H, Sachpekidis C, Winkler J, Kopp-Schneider A, Haberkorn U, Hassel JC,
Dimitrakopoulou-Strauss A. Absolute number of new lesions on 18F-FDG PET/CT is more predictive of
clinical response than SUV changes in metastatic melanoma patients receiving ipilimumab.
Eur J Nucl Med Mol Imaging 2018;45(3):376-383, doi:10.1007/s00259-017-3870-6.
Rules as in spec/metabolic.md section 7 (categories 7.5, NE 7.7, best response and benefit 7.9);
the options are the ambiguities of 7.12 (A1-A5). No SUV value enters a category.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from ioresponse.criteria import TEXT, Criterion, CriterionResult, Study
from ioresponse.criteria._metabolic import (
    CMR,
    NE,
    PMD,
    PMR,
    SMD,
    WHOLE,
    ColumnTypes,
    MetabolicResponse,
    PatientScans,
    Scan,
    best_response_frame,
    best_response_row,
    consensus_window,
    mark_progression,
    number,
    patient_scans,
    pet_table_of,
    timepoint_frame,
    timepoint_row,
)
from ioresponse.schema import LESION, ROLE, SOURCE_ROW, InputError, Role, check_choice

KEY = "percimt"
SOURCE = "PERCIMT, Anwar 2018"
DIAMETER = "functional_diameter_mm"

PMD_ANY_SIZE_COUNT = 4
"""PMD: four or more new FDG-avid lesions of any size (Anwar 2018; spec 7.5)."""
PMD_OVER_10_MM_COUNT = 3
"""PMD: three or more new lesions larger than 1.0 cm (Anwar 2018; spec 7.5)."""
PMD_OVER_15_MM_COUNT = 2
"""PMD: two or more new lesions larger than 1.5 cm (Anwar 2018; spec 7.5)."""
MEDIUM_MM = 10.0
"""Size class limit: "> 1.0 cm", strict (spec 7.5, A2)."""
LARGE_MM = 15.0
"""Size class limit: "> 1.5 cm", strict (spec 7.5, A2)."""

Counting = Literal["cumulative", "binned"]
NewSince = Literal["baseline", "previous"]
PatientBenefit = Literal["no_pmd_ever", "last_scan"]

EXTRA_COLUMNS: ColumnTypes = {
    "new_lesion_count": WHOLE,
    "new_over_10mm": WHOLE,
    "new_over_15mm": WHOLE,
    "resolved_lesions": TEXT,
    "clinical_benefit": TEXT,
    "timing_flag": TEXT,
    "consensus_window": TEXT,
}
BEST_EXTRA_COLUMNS = ("clinical_benefit",)


def size_counts(diameters: list[float], counting: Counting) -> tuple[int, int, int]:
    """(any size, > 10 mm, > 15 mm) counts (cumulative), or (<= 10, 10-15, > 15) classes (binned) (A1)."""
    over_10 = sum(d > MEDIUM_MM for d in diameters)
    over_15 = sum(d > LARGE_MM for d in diameters)
    if counting == "cumulative":
        return len(diameters), over_10, over_15
    return len(diameters) - over_10, over_10 - over_15, over_15


def counts_are_pmd(counts: tuple[int, int, int]) -> bool:
    """PMD by count: >= 4 (any or small), >= 3 (> 10 mm or medium), >= 2 (> 15 mm or large) (spec 7.5)."""
    first, second, third = counts
    return first >= PMD_ANY_SIZE_COUNT or second >= PMD_OVER_10_MM_COUNT or third >= PMD_OVER_15_MM_COUNT


def new_lesions(patient: PatientScans, followup: Scan, new_since: NewSince) -> pd.DataFrame:
    """New lesions at this follow-up: since baseline, or absent from the previous scan (A3)."""
    rows = followup.new_lesions()
    if new_since == "baseline":
        return rows
    previous = patient.previous(followup)
    seen_before = previous.new_lesion_ids
    return rows[~rows[LESION].isin(seen_before)]


def _pmd_text(rows: pd.DataFrame, counts: tuple[int, int, int], counting: Counting) -> str:
    ids = rows[LESION].tolist()
    first, second, third = counts
    names = (
        ("new lesions", "new lesions > 10 mm", "new lesions > 15 mm")
        if counting == "cumulative"
        else ("new lesions <= 10 mm", "new lesions of 10-15 mm", "new lesions > 15 mm")
    )
    fired = [
        (first, PMD_ANY_SIZE_COUNT, names[0]),
        (second, PMD_OVER_10_MM_COUNT, names[1]),
        (third, PMD_OVER_15_MM_COUNT, names[2]),
    ]
    parts = [f"{count} {name} (>= {limit})" for count, limit, name in fired if count >= limit]
    return "; ".join(parts) + f" among {', '.join(ids)}"


def _category(
    patient: PatientScans, followup: Scan, counting: Counting, new_since: NewSince
) -> dict[str, Any]:
    """PERCIMT category of one follow-up (spec 7.5, with the NE rules of 7.7)."""
    rows = new_lesions(patient, followup, new_since)
    diameters = rows[DIAMETER].astype(float).tolist() if DIAMETER in rows else [math.nan] * len(rows)
    unknown = [i for i, d in zip(rows[LESION], diameters, strict=True) if math.isnan(d)]
    known = [d for d in diameters if not math.isnan(d)]
    smallest = size_counts(known + [MEDIUM_MM] * len(unknown), counting)
    largest = size_counts(known + [math.inf] * len(unknown), counting)
    cumulative = size_counts(known, "cumulative")
    row: dict[str, Any] = {
        "new_lesion_count": len(rows),
        "new_lesion_response": "yes" if len(rows) else "no",  # as by RECIST 1.1 (spec 1.6; anatomic 1.5)
        "new_over_10mm": cumulative[1],
        "new_over_15mm": cumulative[2],
    }
    if counts_are_pmd(smallest) and counts_are_pmd(largest):
        return row | _decided(PMD, _pmd_text(rows, smallest, counting))
    if counts_are_pmd(smallest) != counts_are_pmd(largest):
        return row | _decided(
            NE,
            f"size of new lesion(s) {', '.join(unknown)} needed: PMD or not depending on it",
            section="7.7",
        )
    if len(rows):
        sizes = ", ".join(
            f"{i} {number(d)} mm" if not math.isnan(d) else f"{i} size unknown"
            for i, d in zip(rows[LESION], diameters, strict=True)
        )
        return row | _decided(SMD, f"{len(rows)} new lesion(s) below the PERCIMT counts ({sizes})")
    return row | _resolution(patient, followup)


def _resolution(patient: PatientScans, followup: Scan) -> dict[str, Any]:
    """CMR / PMR / SMD by resolution of the baseline lesions when there is no new lesion (spec 7.5, 7.7)."""
    ids = patient.baseline_ids
    resolved = [i for i in ids if followup.status(i) == "absent"]
    unknown = [i for i in ids if followup.reported_status(i) in (None, "not_evaluable")]  # 7.7: no status
    low = _by_resolution(len(resolved), len(ids))
    high = _by_resolution(len(resolved) + len(unknown), len(ids))
    row: dict[str, Any] = {"resolved_lesions": ",".join(resolved)}
    if low != high:
        return row | _decided(
            NE,
            f"status of baseline lesion(s) {', '.join(unknown)} needed to tell {low} from {high}",
            section="7.7",
        )
    if low == CMR:
        text = "every baseline lesion resolved and no new lesion"
    elif low == PMR:
        text = (
            f"{len(resolved)} of {len(ids)} baseline lesions resolved ({', '.join(resolved)}), no new lesion"
        )
    else:
        text = "no baseline lesion resolved and no new lesion"
    return row | _decided(low, text)


def _by_resolution(resolved: int, total: int) -> str:
    if total and resolved == total:
        return CMR
    return PMR if resolved else SMD


def _decided(category: str, text: str, section: str = "7.5") -> dict[str, Any]:
    return {
        "overall_response": category,
        "clinical_benefit": benefit_label(category),
        "reason": f"{text}: {category} ({SOURCE}; spec {section})",
    }


def assess(
    study: Study,
    *,
    percimt_counting: Counting = "cumulative",
    percimt_new_since: NewSince = "baseline",
    percimt_patient_benefit: PatientBenefit = "no_pmd_ever",
) -> CriterionResult:
    """PERCIMT timepoint response, best overall response and clinical benefit (spec/metabolic.md section 7).

    Parameters
    ----------
    study : Study
        ``study.pet`` is the PET table (spec 7.10 columns).
    percimt_counting : {"cumulative", "binned"}, default "cumulative"
        Size classes (A1): a lesion > 15 mm also counts as > 10 mm and as "any size"; or each
        lesion in exactly one class (<= 10, 10-15, > 15 mm).
    percimt_new_since : {"baseline", "previous"}, default "baseline"
        New lesions counted since baseline or since the previous scan (A3).
    percimt_patient_benefit : {"no_pmd_ever", "last_scan"}, default "no_pmd_ever"
        Patient-level clinical benefit (A4): no evaluable PMD follow-up, or the grouping at the last
        evaluable follow-up.

    Notes
    -----
    1. PMD: ``n_all >= 4`` or ``n_gt10 >= 3`` or ``n_gt15 >= 2`` (an unknown size decides nothing
       unless both extremes agree; else NE).
    2. CMR: every baseline lesion absent, no new lesion. 3. PMR: some but not all absent, no new
       lesion. 4. SMD otherwise. Uptake changes never make PMD.
    """
    check_choice("percimt_counting", percimt_counting, ("cumulative", "binned"))
    check_choice("percimt_new_since", percimt_new_since, ("baseline", "previous"))
    check_choice("percimt_patient_benefit", percimt_patient_benefit, ("no_pmd_ever", "last_scan"))
    table = pet_table_of(study, "PERCIMT", CRITERION.required_columns)
    if _new_lesions_without_diameters(table):
        new = table[ROLE] == Role.NEW
        raise InputError(study.source, table.loc[new, SOURCE_ROW].tolist(), DIAMETER,
                         "missing column: PERCIMT counts new lesions by size (spec 7.5, 7.10)")
    timepoints: list[dict[str, Any]] = []
    best: list[dict[str, Any]] = []
    for patient in patient_scans(table, study.patients):
        rows = []
        for followup in patient.followups:
            row = timepoint_row(
                patient,
                KEY,
                followup,
                resolved_lesions="",
                timing_flag="",
                clinical_benefit="",
                consensus_window=consensus_window(patient, followup),
            )
            row.update(_category(patient, followup, percimt_counting, percimt_new_since))
            rows.append(row)
        progression_day = mark_progression(rows, (PMD,))
        best.append(
            best_response_row(
                patient,
                KEY,
                rows,
                source=f"{SOURCE}; spec 7.9",
                baseline_sum=math.nan,  # no uptake sum, no measurability requirement (spec 7.2, 7.3)
                progression_day=progression_day,
                clinical_benefit=_patient_benefit(rows, percimt_patient_benefit),
            )
        )
        timepoints.extend(rows)
    return CriterionResult(
        timepoint_frame(timepoints, EXTRA_COLUMNS), best_response_frame(best, BEST_EXTRA_COLUMNS)
    )


def benefit_label(category: str) -> str:
    """Clinical-benefit grouping (spec 7.5): CMR, PMR, SMD benefit; PMD none; NE ""."""
    if category == NE:
        return ""
    if category == PMD:
        return MetabolicResponse.NO_CLINICAL_BENEFIT.value
    return MetabolicResponse.CLINICAL_BENEFIT.value


def _patient_benefit(rows: list[dict[str, Any]], rule: PatientBenefit) -> str:
    """Patient-level clinical benefit (spec 7.9, A4); "" when no follow-up is evaluable."""
    evaluable = [r for r in rows if r["overall_response"] != NE]
    if not evaluable:
        return ""
    if rule == "last_scan":
        return benefit_label(evaluable[-1]["overall_response"])
    return benefit_label(PMD if any(r["overall_response"] == PMD for r in evaluable) else SMD)


def _new_lesions_without_diameters(pet: pd.DataFrame) -> bool:
    """Spec 7.10 requires functional_diameter_mm "for new lesions": a table with new lesions lacks it
    when the column is absent (an empty cell of a new lesion is an unknown size, 7.7)."""
    return DIAMETER not in pet and bool((pet[ROLE].astype(str).str.strip().str.lower() == Role.NEW).any())


@dataclass(frozen=True)
class PercimtCriterion(Criterion):
    """PERCIMT needs the diameters of new lesions only (spec 7.10)."""

    def missing_columns(self, study: Study, options: Mapping[str, Any] | None = None) -> list[str]:
        missing = super().missing_columns(study, options)
        if study.pet is None or not _new_lesions_without_diameters(study.pet):
            return missing
        return [*missing, DIAMETER]


CRITERION = PercimtCriterion(
    key=KEY,
    title="PERCIMT (Anwar 2018)",
    family="metabolic",
    required_columns=("patient_id", "day", "lesion_id", "role", "status"),  # spec 7.10
    assess=assess,
)
