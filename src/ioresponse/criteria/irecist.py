"""iRECIST timepoint and best overall response.

Source: Seymour L, Bogaerts J, Perrone A, et al.; RECIST working group. iRECIST: guidelines for
response criteria for use in trials testing immunotherapeutics. Lancet Oncol 2017;18(3):e143-e152,
doi:10.1016/S1470-2045(17)30074-8 (Table 1: what changes from RECIST 1.1; Table 2: timepoint
response with and without a previous iUPD; Table 3: best overall response), with the RECIST working
group iRECIST questions and clarifications ("iQ&A").
Rules as in spec/anatomic.md section 4; options D1-D10 are the choices of section 4.11, D11 a gap of
the spec decided here (the +5 mm further increase when the reference sum is incomplete).

iRECIST keeps RECIST 1.1 for baseline, targets and non-targets; new lesions are recorded apart
(new lesion targets, NLT, and non-targets, NLNT) and never enter the baseline sum. RECIST 1.1
progression is iUPD; it becomes iCPD when the next assessment 4-8 weeks later shows further growth
or more new lesions, and it is reset when that assessment shows no progression.
"""

from __future__ import annotations

from typing import Literal

import numba
import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionArray

from ioresponse.criteria import Criterion, CriterionResult, Study, check_confirmation_window
from ioresponse.criteria._anatomic import (
    CONFIRM_MIN_DAYS,
    CONFIRMATION_STATES,
    CR,
    ICPD,
    MAX_BASELINE_GAP_DAYS,
    NE,
    NON_CR_NON_PD,
    NONE,
    PD,
    PR,
    SD,
    STATE_CONFIRMED,
    STATE_CONFIRMS,
    STATE_NOT_CONFIRMED,
    STATE_NOT_REQUIRED,
    STATE_PENDING,
    Assessments,
    SubjectFlags,
    absent_components_text,
    add_subject_flags,
    any_per_assessment,
    baseline_count,
    baseline_of,
    best_response_days,
    best_response_frame,
    best_responses,
    build_assessments,
    confirmed_responses,
    fragment_totals,
    increase_at_least,
    join_flags,
    labelled,
    lesion_codes,
    lesion_starts,
    mark_components_not_given,
    measurable_lesion,
    missing_non_targets,
    named_lesions,
    new_lesion_not_evaluated,
    non_target_codes,
    normal_node,
    not_evaluable_text,
    pre_baseline_text,
    relative_changes,
    repeated,
    roles,
    rounded,
    seen_again,
    small_new_nodes,
    some_measured,
    statuses,
    sum_columns,
    sum_per_assessment,
    timepoint_frame,
    too_small_measured,
    unidimensional_values,
)
from ioresponse.criteria._immune import (
    at_day,
    count_new_lesions,
    equivocal_rows,
    response_states,
    shows_disease,
)
from ioresponse.criteria._sentences import (
    Field,
    Part,
    best_reasons,
    change_fields,
    every_row,
    expand,
    integer,
    mm,
    pct,
    reason_text,
    sentences,
    signed_mm,
    text,
)
from ioresponse.criteria.irrecist import MAX_TARGETS, MAX_TARGETS_PER_ORGAN, check_targets
from ioresponse.criteria.recist11 import (
    BASELINE_INCOMPLETE,
    T_BASELINE_MISSING_NE,
    T_BASELINE_NE,
    T_PR_BASELINE_PART,
    target_response,
)
from ioresponse.schema import (
    CLINICAL_STATUS,
    DAY,
    LESION,
    LYMPH_NODE,
    ORGAN,
    PATIENT,
    READER,
    ROLE,
    STATUS,
    InputError,
    OnBaselineViolation,
    Role,
    Status,
)

KEY = "irecist"

ICPD_ABSOLUTE_MM = 5.0
"""Further growth of the target sum or of the NLT sum that confirms an iUPD (Seymour 2017 Table 2)."""

NLT_PD_INCREASE = 0.20
"""After a reset, known NLT grow into a new iUPD at +20 % over their nadir (iQ&A new lesions; spec D7)..."""

NLT_PD_ABSOLUTE_MM = 5.0
"""...and +5 mm, the RECIST 1.1 absolute minimum (spec 4.11 D7)."""

MAX_NEW_TARGET = 5
"""At most 5 new lesion targets in total (Seymour 2017 text, Table 1)."""

MAX_NEW_TARGET_PER_ORGAN = 2
"""At most 2 new lesion targets per organ (Seymour 2017 text, Table 1)."""

CONFIRM_MAX_DAYS = 56
"""iUPD is confirmed at the next assessment 4 to 8 weeks later (Seymour 2017); later ones are flagged."""

MIN_SD_DAYS = 42
"""Minimum time for iSD to count as best response (spec 4.7)."""

DETERIORATING = "deteriorating"
"""``clinical_status`` of a patient who is not clinically stable (Seymour 2017; spec 4.8)."""

LABELS = ("iCR", "iPR", "iSD", "NON-iCR/NON-iUPD", "iUPD", "NE", "none", "not_given", "iCPD")
"""Label of each response code (spec 0.9, key irecist); code PD is iUPD, ICPD is iCPD."""

NewLesionReset = Literal["target_shrinkage", "resolution_only"]
"""spec 4.11 D1: whether an iUPD resets while new lesions persist."""

IcpdIncreaseReference = Literal["iupd", "previous", "min_since_iupd"]
"""spec 4.11 D2: reference of the +5 mm further increase."""

EarlyScanPolicy = Literal["ignore", "new_lesion_only"]
"""spec 4.11 D3: what a scan under 4 weeks after iUPD can do."""

IcpdIncompleteReference = Literal["known_part", "same_lesions"]
"""D11 (spec 4.6 step 3 gap): the +5 mm further increase over an incomplete reference sum."""

UnconfirmedIupdPfs = Literal["event", "censor"]
"""spec 4.11 D8: iPFS of an iUPD never confirmed."""

# Categories that met RECIST 1.1 progression at iUPD (spec 4.6 ``cats``); a category met only by a lesion
# seen again after an overall iCR (spec 4.6 step 1, as RECIST 1.1 1.8.1) also has its "again" bit.
CAT_T, CAT_NT, CAT_NL, CAT_T_AGAIN, CAT_NT_AGAIN = 1, 2, 4, 8, 16
# What confirmed an iCPD (spec 4.6 step 3).
(
    C_TARGET_GREW,
    C_TARGET_PD,
    C_NT_INCREASE,
    C_NT_PD,
    C_NLT_GREW,
    C_NLNT_INCREASE,
    C_NEW_LESION,
    C_UNSTABLE,
    C_NLT_PD,
    C_TARGET_GREW_PAIRED,
    C_NLT_GREW_PAIRED,
) = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
# Row flags of the state machine.
F_RESET, F_EARLY, F_LATE, F_UNSTABLE = 1, 2, 4, 8
# Rules of a timepoint (reason sentences).
(I_BASELINE, I_STEP1, I_IUPD, I_EARLY, I_ICPD, I_NE_OPEN, I_RESET, I_STILL_IUPD, I_AFTER_ICPD) = range(9)


def assess(
    study: Study,
    *,
    new_lesion_reset: NewLesionReset = "target_shrinkage",
    icpd_increase_reference: IcpdIncreaseReference = "iupd",
    icpd_absolute_mm: float = ICPD_ABSOLUTE_MM,
    icpd_incomplete_reference: IcpdIncompleteReference = "known_part",
    early_scan_policy: EarlyScanPolicy = "ignore",
    confirm_min_days: int = CONFIRM_MIN_DAYS,
    confirm_max_days: int = CONFIRM_MAX_DAYS,
    confirm_tolerance_days: int = 0,
    max_new_target: int = MAX_NEW_TARGET,
    max_new_target_per_organ: int = MAX_NEW_TARGET_PER_ORGAN,
    reclassify_new_lesions: bool = False,
    nlt_pd_absolute_mm: float = NLT_PD_ABSOLUTE_MM,
    unconfirmed_iupd_pfs: UnconfirmedIupdPfs = "event",
    unstable_iupd_as_icpd: bool = False,
    reappearance_after_cr_is_pd: bool = True,
    confirm_response: bool = False,
    max_ne_between: int = 1,
    accept_iupd_between: bool = False,
    min_sd_days: int = MIN_SD_DAYS,
    on_baseline_violation: OnBaselineViolation = "error",
    max_baseline_gap_days: int = MAX_BASELINE_GAP_DAYS,
    on_old_baseline: OnBaselineViolation = "warn",
) -> CriterionResult:
    """iRECIST timepoint responses and best overall response (iBOR) of every patient (x reader).

    Parameters
    ----------
    study : Study
        Validated lesion table; ``clinical_status`` recommended; optional ``increase_since_previous``
        on non-target and new non-target rows (D5).
    new_lesion_reset : {"target_shrinkage", "resolution_only"}, default "target_shrinkage"
        When an iUPD resets while new lesions persist (D1).
        - "target_shrinkage": once baseline disease shrinks further and the new lesions do not grow.
        - "resolution_only": only when every new lesion has resolved.
    icpd_increase_reference : {"iupd", "previous", "min_since_iupd"}, default "iupd"
        Reference of the further +5 mm target or NLT growth that confirms iCPD (D2).
    icpd_absolute_mm : float, default 5.0
        Size of that further growth (Seymour 2017 Table 2).
    icpd_incomplete_reference : {"known_part", "same_lesions"}, default "known_part"
        That further growth when the reference sum (target or NLT) is incomplete, a target or NLT not
        evaluable at the iUPD (D11, a gap of spec 4.6 step 3).
        - "known_part": against the known part of the reference sum (spec 4.6 step 3), so a lesion that
          returns unchanged counts as growth.
        - "same_lesions": the sum of the changes of the lesions measured both at the reference and now.
    early_scan_policy : {"ignore", "new_lesion_only"}, default "ignore"
        A scan under ``confirm_min_days`` after iUPD is not used, or confirms iCPD only by an
        additional new lesion (D3).
    confirm_min_days, confirm_max_days, confirm_tolerance_days : int, default 28, 56, 0
        The next assessment 4-8 weeks after iUPD decides; a later one still decides with the flag
        ``late_confirmation`` (D4); the tolerance accepts ``confirm_min_days - tolerance`` (D3). A
        ``confirm_max_days`` below ``confirm_min_days``, or a tolerance above it, is an InputError.
    max_new_target, max_new_target_per_organ : int, default 5, 2
        New lesion target (NLT) slots (Seymour 2017 Table 1).
    reclassify_new_lesions : bool, default False
        An NLNT that later becomes measurable takes a free NLT slot (D6).
    nlt_pd_absolute_mm : float, default 5.0
        Absolute part of the NLT progression test after a reset (D7).
    unconfirmed_iupd_pfs : {"event", "censor"}, default "event"
        iPFS of an iUPD still open at the end of data (D8).
    unstable_iupd_as_icpd : bool, default False
        A clinically unstable iUPD is iCPD at once (D9); default: flag only.
    reappearance_after_cr_is_pd : bool, default True
        Disease seen again after an overall iCR triggers iUPD (as RECIST 1.1 1.8.1).
    confirm_response, max_ne_between, accept_iupd_between : bool, int, bool, default False, 1, False
        Confirmation of iCR/iPR (spec 0.7); an iUPD between breaks it unless accepted (D10).
    min_sd_days : int, default 42
        iSD and NON-iCR/NON-iUPD count for iBOR only at ``day >= min_sd_days``.
    on_baseline_violation : {"error", "warn"}, default "error"
        Baseline targets as RECIST 1.1 (A1; an incomplete baseline sum: ``recist11.target_response``).
    max_baseline_gap_days, on_old_baseline : int, {"warn", "error"}, default 28, "warn"
        Baseline older than this before day 0: flag ``baseline_older_than_28_days``, or refuse (spec 0.2).

    Returns
    -------
    CriterionResult
        Timepoints (spec 0.9: ``current_sum`` is the baseline target sum, ``new_lesion_sum`` the NLT
        sum) and best responses with, after the schema columns, ``iupd_day`` and ``icpd_day``.

    Notes
    -----
    0. After iCPD every assessment is iCPD (after progression).
    1. No open iUPD: RECIST 1.1 progression of targets, non-targets or new lesions (after a reset:
       an additional new lesion, NLT +20 % and +5 mm over their nadir, or NLNT progression) is iUPD;
       otherwise the RECIST 1.1 category with an "i" prefix.
    2. Open iUPD, scan under 4 weeks: not used (flag ``early_scan_not_used``).
    3. Open iUPD, scan 4 weeks or later: iCPD (progression dated to the iUPD) on further growth of a
       category that was iUPD (+5 mm, any increase), RECIST progression of another category, or an
       additional new lesion; NE when a missing value could decide; reset when nothing progresses.
    4. iBOR: iCR > iPR > iSD > NON-iCR/NON-iUPD > iCPD > iUPD > NE, up to the first iCPD (Table 3).
    """
    check_confirmation_window(confirm_min_days, confirm_max_days, confirm_tolerance_days)  # D3, D4
    lesions = study.lesions
    if lesions is None:
        raise InputError(study.source, [], None, "iRECIST needs an anatomic lesion table")
    assessments = build_assessments(lesions, study.source)
    table = assessments.table
    subject_flags, measurable_subjects = check_targets(
        lesions,
        assessments,
        study.source,
        MAX_TARGETS_PER_ORGAN,
        {"all": MAX_TARGETS},
        on_baseline_violation,
        KEY,
        stacklevel=1,
        max_baseline_gap_days=max_baseline_gap_days,
        on_old_baseline=on_old_baseline,
    )
    same_lesions = icpd_incomplete_reference == "same_lesions"
    parts = _components(
        lesions, assessments, max_new_target, max_new_target_per_organ, reclassify_new_lesions, same_lesions
    )
    day = table[DAY].to_numpy(np.int64)
    deteriorating = (
        (table[CLINICAL_STATUS].to_numpy() == DETERIORATING)
        if CLINICAL_STATUS in table
        else (np.zeros(assessments.n, bool))
    )
    reference = ("iupd", "previous", "min_since_iupd").index(icpd_increase_reference)
    # spec 4.4: an increase is measured against the previous assessment the machine used, and the
    # scans it did not use (4.6 step 2, early scans) are known only once it has run: when there are
    # any, the increases are measured again without them and the machine runs again. Each pass
    # settles at least one more early scan in day order, so the loop ends.
    skipped = np.zeros(assessments.n, bool)
    while True:
        machine = _run_state_machine(
            table["is_baseline"].to_numpy(),
            table["is_pre_baseline"].to_numpy(),
            day,
            assessments.subject_offsets,
            parts["has_targets"],
            parts["target_sum"],
            parts["target_complete"],
            parts["target_values"],
            parts["target_all_normal"],
            parts["non_target"],
            parts["nt_increase"],
            parts["new_present"],
            parts["first_seen_count"],
            parts["latest_first_seen"],
            parts["nlt_sum"],
            parts["nlt_complete"],
            parts["nlt_values"],
            parts["nlnt_increase"],
            parts["nlnt_progression"],
            parts["new_ne"],
            parts["target_reappeared"],
            parts["nt_reappeared"],
            deteriorating,
            confirm_min_days - confirm_tolerance_days,
            confirm_max_days,
            icpd_absolute_mm,
            reference,
            same_lesions,
            new_lesion_reset == "resolution_only",
            early_scan_policy == "new_lesion_only",
            nlt_pd_absolute_mm,
            unstable_iupd_as_icpd,
            reappearance_after_cr_is_pd,
        )
        early = machine["rule"] == I_EARLY
        if np.array_equal(early, skipped):
            break
        skipped = early
        parts.update(_increases(lesions, assessments, parts, skipped))
    follow_up = ~table["is_baseline"].to_numpy() & ~table["is_pre_baseline"].to_numpy()
    overall = machine["overall"]
    icpd_row = machine["icpd_row"]
    subject = table["subject"].to_numpy()
    icpd_of_row = np.repeat(icpd_row, np.diff(assessments.subject_offsets))
    after = (icpd_of_row >= 0) & (np.arange(assessments.n) > icpd_of_row)
    in_scope = follow_up & ~after
    for_confirmation, confirmed_by = confirmed_responses(  # D10: iUPD rows skipped with accept_iupd_between
        overall, in_scope, assessments, confirm_min_days, max_ne_between,
        skipped=(overall == PD) if accept_iupd_between else None,
    )
    best = best_responses(
        overall, for_confirmation, confirmed_by, day, in_scope, assessments.subject_offsets, min_sd_days
    )
    flags = _flags(machine["flags"], parts, overall, for_confirmation, subject_flags, assessments)
    state = response_states(
        _progression_states(machine), for_confirmation, confirmed_by, in_scope, subject, confirm_response
    )
    progression_day = np.where(icpd_of_row >= 0, machine["episode_day"][np.maximum(icpd_of_row, 0)], -1)
    timepoints = _timepoint_table(
        study,
        assessments,
        follow_up,
        parts,
        machine,
        state,
        progression_day,
        after,
        flags,
        {  # the rule's numbers in the reasons
            "icpd": f"{icpd_absolute_mm:g}",
            "min_days": str(confirm_min_days),
            "nlt_pd": f"{nlt_pd_absolute_mm:g}",
            "ref_name": REFERENCE_NAMES[icpd_increase_reference],
        },
    )
    best_table = _best_response_table(
        assessments, machine, best, in_scope, measurable_subjects, confirm_response, unconfirmed_iupd_pfs
    )
    return CriterionResult(mark_components_not_given(timepoints, study.missing_components), best_table)


def _components(
    lesions: pd.DataFrame,
    assessments: Assessments,
    max_new_target: int,
    max_new_target_per_organ: int,
    reclassify: bool,
    same_lesions: bool,
) -> dict[str, np.ndarray]:
    """Per-assessment inputs of the state machine (spec 4.4, 4.5); with ``same_lesions`` (D11) also the
    value of each target and NLT per assessment, otherwise 0-column matrices."""
    status = statuses(lesions)
    shows = shows_disease(status)
    role = roles(lesions)
    node = lesions[LYMPH_NODE].to_numpy(bool)
    ids = lesion_codes(lesions)
    in_use = assessments.in_use
    values = unidimensional_values(lesions)
    gone = np.where(node, normal_node(lesions, assessments), status == Status.ABSENT)

    target = in_use & (role == Role.TARGET)
    sums = sum_per_assessment(values, target, ids, assessments)
    expected_targets = baseline_count(sums.count, assessments)
    non_target_rows = in_use & (role == Role.NON_TARGET)
    non_target, _ = non_target_codes(lesions, assessments, gone)

    equivocal = equivocal_rows(lesions)
    new_rows = in_use & (role == Role.NEW)
    small_node = small_new_nodes(lesions, assessments, new_rows, shows)  # 0.4, 1.5
    present_new = new_rows & shows & ~equivocal & ~small_node
    nlt, expected_nlt = count_new_lesions(
        lesions,
        assessments,
        new_rows & measurable_lesion(lesions, assessments) & ~equivocal & ~small_node,  # split: summed (0.4)
        values,
        entry="when_measurable" if reclassify else "first_appearance_only",
        max_per_organ=max_new_target_per_organ,
        group_caps={"all": max_new_target},
        group=None,
    )
    nlt_sums = sum_per_assessment(values, nlt, ids, assessments, expected=expected_nlt)
    nlnt = present_new & ~nlt
    first_seen = _first_seen(present_new, ids, assessments)
    reappeared_nt = non_target_rows & np.where(node, status == Status.UNEQUIVOCAL_PROGRESSION, shows)
    reappeared_target = target & seen_again(lesions, assessments, values)
    target_complete = sums.complete & (sums.count >= expected_targets)
    not_evaluable = not_evaluable_text(lesions, assessments, target, values, ~target_complete)
    parts = {
        "has_targets": expected_targets > 0,
        "target_sum": sums.total.astype(float),
        "target_complete": target_complete,
        "target_measured": some_measured(values, target, assessments),
        "not_evaluable": not_evaluable,
        "baseline_missing": not_evaluable.take(baseline_of(assessments)),  # recist11.target_response
        "target_all_normal": ~any_per_assessment(target & ~gone, assessments),
        "target_reappeared": any_per_assessment(reappeared_target, assessments),
        "reappeared": reappeared_target | reappeared_nt,  # lesion rows, disease seen (after an iCR: again)
        "non_target": non_target,
        "nt_missing": missing_non_targets(lesions, assessments, non_target),
        "nt_reappeared": any_per_assessment(reappeared_nt, assessments),
        "new_present": any_per_assessment(present_new, assessments),
        "first_seen_count": first_seen[0],
        "latest_first_seen": first_seen[1],
        "nlt_sum": nlt_sums.total.astype(float),
        "nlt_complete": nlt_sums.complete,
        "nlnt_progression": any_per_assessment(
            nlnt & (status == Status.UNEQUIVOCAL_PROGRESSION), assessments
        ),
        "new_ne": new_lesion_not_evaluated(lesions, assessments, new_rows, small_node) | ~nlt_sums.complete,
        "small_new_node": any_per_assessment(small_node, assessments),
        "too_small_measured": too_small_measured(lesions, assessments),
        "equivocal_new": any_per_assessment(new_rows & shows & equivocal, assessments),
        "non_target_rows": non_target_rows,
        "nlnt_rows": nlnt,
    }
    no_lesions = np.empty((assessments.n, 0))  # D11 "known_part" (default): no per-lesion values needed
    parts["target_values"] = _lesion_values(values, target, ids, assessments) if same_lesions else no_lesions
    parts["nlt_values"] = _lesion_values(values, nlt, ids, assessments) if same_lesions else no_lesions
    parts.update(_increases(lesions, assessments, parts, np.zeros(assessments.n, bool)))
    return parts


def _lesion_values(
    values: np.ndarray, selected: np.ndarray, ids: np.ndarray, assessments: Assessments
) -> np.ndarray:
    """Value of each ``selected`` lesion per assessment, one column per lesion of the assessment's subject
    (as many columns as the subject with the most such lesions; D11).

    As in the sums (spec 0.4): fragments of a split lesion add up, absent counts 0, a missing value is NaN;
    a lesion without a row at an assessment is NaN there too.
    """
    rows = np.flatnonzero(selected)
    if not len(rows):
        return np.empty((assessments.n, 0))
    subject = assessments.subject_of_rows()[rows].astype(np.int64)
    stride = int(ids.max()) + 1
    keys, lesion = np.unique(subject * stride + ids[rows], return_inverse=True)
    column = lesion - np.searchsorted(keys, subject * stride)  # rank of the lesion within its subject
    assessment = assessments.row_assessment[rows]
    matrix = np.zeros((assessments.n, int(column.max()) + 1))
    np.add.at(matrix, (assessment, column), values[rows])  # a NaN fragment leaves the lesion NaN
    matrix = np.round(matrix, 6)  # fragments add up as typed (_anatomic.fragment_totals)
    has_row = np.zeros(matrix.shape, bool)
    has_row[assessment, column] = True
    matrix[~has_row] = np.nan
    return matrix


@numba.njit(cache=True, nogil=True)
def _paired_growth(lesion_values: np.ndarray, reference: int, i: int) -> float:
    """Sum of the changes from assessment ``reference`` to ``i`` of the lesions measured at both (D11)."""
    growth = 0.0
    for j in range(lesion_values.shape[1]):
        if not np.isnan(lesion_values[reference, j]) and not np.isnan(lesion_values[i, j]):
            growth += lesion_values[i, j] - lesion_values[reference, j]
    return growth


def _increases(
    lesions: pd.DataFrame, assessments: Assessments, parts: dict[str, np.ndarray], skipped: np.ndarray
) -> dict[str, np.ndarray]:
    """Per assessment, whether a non-target and whether a new non-target lesion increased (spec 4.4),
    leaving the ``skipped`` assessments out of the comparison."""
    increase = _increase_since_previous(lesions, assessments, unidimensional_values(lesions), skipped)
    return {
        "nt_increase": any_per_assessment(parts["non_target_rows"] & increase, assessments),
        "nlnt_increase": any_per_assessment(parts["nlnt_rows"] & increase, assessments),
    }


def _increase_since_previous(
    lesions: pd.DataFrame, assessments: Assessments, values: np.ndarray, skipped: np.ndarray
) -> np.ndarray:
    """Any increase of a non-target or new lesion since the previous assessment the state machine used
    (spec 4.4, D5); the rows of ``skipped`` assessments (early scans, 4.6 step 2) are not compared.

    ``increase_since_previous`` when given; otherwise a larger measured size (short axis for nodes; a
    split lesion is the sum of its fragments, spec 0.4), or a status that went from present (or too small,
    read as present, spec 0.3) to unequivocal progression. A lesion without a row at that previous
    assessment was not evaluable there (spec 0.2), so nothing is compared, as with a ``not_evaluable``
    row. Every row of a lesion that increased is marked.
    """
    rows = np.flatnonzero((roles(lesions) != Role.TARGET) & ~skipped[assessments.row_assessment])
    increase = np.zeros(len(lesions), bool)
    if not len(rows):
        return increase
    starts, lesion_of_row = lesion_starts(lesions, assessments, rows)
    code = statuses(lesions).code
    status = statuses(lesions).codes[rows]
    value = fragment_totals(values[rows], starts)  # NaN if a fragment has no value
    progressing = np.maximum.reduceat(status == code(Status.UNEQUIVOCAL_PROGRESSION), starts)
    shown = (status == code(Status.PRESENT)) | (status == code(Status.TOO_SMALL))  # too_small: present (0.3)
    present = np.maximum.reduceat(shown, starts) & ~progressing
    assessment = assessments.row_assessment[rows][starts]
    lesion = lesion_codes(lesions)[rows][starts].astype(np.int64)
    key = lesion * assessments.n + assessment  # one per lesion and assessment (assessment ids are global)
    order = np.argsort(key, kind="stable")
    previous = _previous_used(assessments, skipped)[assessment]
    at = np.minimum(np.searchsorted(key[order], lesion * assessments.n + previous), len(key) - 1)
    found = (previous >= 0) & (key[order][at] == lesion * assessments.n + previous)
    earlier = np.where(found, order[at], -1)  # the lesion's entry at the previous assessment used, or -1
    grew = (earlier >= 0) & (value > value[earlier])
    worsened = progressing & (earlier >= 0) & present[earlier]
    measured = (grew | worsened)[lesion_of_row]
    if "increase_since_previous" in lesions:
        given = lesions["increase_since_previous"].to_numpy()[rows]
        stated = pd.Series(given).map(_as_flag).to_numpy()
        measured = np.where(pd.isna(stated), measured, stated == 1)
    increase[rows] = measured
    return increase


def _previous_used(assessments: Assessments, skipped: np.ndarray) -> np.ndarray:
    """For every assessment, the subject's previous assessment the state machine used (baseline or a
    follow-up that is not an early scan, 4.6 step 2), -1 for none."""
    table = assessments.table
    used = ~skipped & ~table["is_pre_baseline"].to_numpy()
    index = np.arange(assessments.n)
    latest = np.maximum.accumulate(np.where(used, index, -1))  # the latest used assessment so far
    previous = np.full(assessments.n, -1)
    previous[1:] = latest[:-1]
    subject = table["subject"].to_numpy()
    same_subject = previous >= 0
    same_subject[same_subject] = subject[previous[same_subject]] == subject[same_subject]
    return np.where(same_subject, previous, -1)


def _as_flag(value: object) -> float:
    """``increase_since_previous`` as 1 / 0, NaN when empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return np.nan
    return 1.0 if str(value).strip().lower() in {"true", "1", "y", "yes"} else 0.0


def _first_seen(
    present_new: np.ndarray, ids: np.ndarray, assessments: Assessments
) -> tuple[np.ndarray, np.ndarray]:
    """New lesions first seen at each assessment, and the latest first-seen assessment among those present."""
    rows = np.flatnonzero(present_new)
    first_count = np.zeros(assessments.n, np.int64)
    latest = np.full(assessments.n, -1, np.int64)
    if not len(rows):
        return first_count, latest
    assessment = assessments.row_assessment[rows]
    frame = pd.DataFrame(
        {"subject": assessments.subject_of_rows()[rows], "lesion": ids[rows], "a": assessment}
    )
    first = frame.groupby(["subject", "lesion"], sort=False)["a"].transform("min").to_numpy()
    lesion_first = frame.assign(first=first).drop_duplicates(["subject", "lesion"])["first"].to_numpy()
    first_count = np.bincount(lesion_first, minlength=assessments.n)
    np.maximum.at(latest, assessment, first)
    return first_count, latest


@numba.njit(cache=True, nogil=True)
def _step1(
    t_code: int,
    has_targets: bool,
    nt: int,
    new_present: bool,
) -> int:
    """RECIST 1.1 mapping with an "i" prefix when nothing progresses (spec 4.6 step 1)."""
    if not has_targets:
        if nt == NE:
            return NE
        if nt == NONE and not new_present:
            return NE
        if (nt == CR or nt == NONE) and not new_present:
            return CR
        return NON_CR_NON_PD
    if t_code == NE:
        return NE
    if t_code == CR:
        if (nt == CR or nt == NONE) and not new_present:
            return CR
        return PR
    if t_code == PR:
        return PR
    return SD


@numba.njit(cache=True, nogil=True)
def _state_machine(
    is_baseline: np.ndarray,
    is_pre_baseline: np.ndarray,
    day: np.ndarray,
    offsets: np.ndarray,
    has_targets: np.ndarray,
    target_sum: np.ndarray,
    target_complete: np.ndarray,
    target_values: np.ndarray,
    target_all_normal: np.ndarray,
    non_target: np.ndarray,
    nt_increase: np.ndarray,
    new_present: np.ndarray,
    first_seen_count: np.ndarray,
    latest_first_seen: np.ndarray,
    nlt_sum: np.ndarray,
    nlt_complete: np.ndarray,
    nlt_values: np.ndarray,
    nlnt_increase: np.ndarray,
    nlnt_progression: np.ndarray,
    new_ne: np.ndarray,
    target_reappeared: np.ndarray,
    nt_reappeared: np.ndarray,
    deteriorating: np.ndarray,
    min_days: int,
    max_days: int,
    icpd_absolute: float,
    reference: int,
    same_lesions: bool,
    resolution_only: bool,
    early_new_lesion_confirms: bool,
    nlt_pd_absolute: float,
    unstable_as_icpd: bool,
    reappearance_after_cr_is_pd: bool,
) -> tuple[np.ndarray, ...]:
    """The iUPD -> iCPD state machine of spec 4.6, one subject after the other, in day order."""
    n = len(day)
    overall = np.full(n, NE, np.int8)
    target_code = np.full(n, NONE, np.int8)
    target_rule = np.zeros(n, np.int8)
    rule = np.full(n, I_BASELINE, np.int8)
    flags = np.zeros(n, np.int16)
    cats_row = np.zeros(n, np.int8)
    confirm_row = np.zeros(n, np.int16)
    episode_day = np.full(n, -1, np.int64)
    ref_s_row = np.full(n, np.nan)
    ref_nlt_row = np.full(n, np.nan)
    paired_t_row = np.full(n, np.nan)  # D11: the growth on the lesions measured at both, where used
    paired_nlt_row = np.full(n, np.nan)
    nlt_nadir_row = np.full(n, np.nan)
    baseline_sum = np.full(n, np.nan)
    nadir = np.full(n, np.nan)
    episode_outcome = np.full(n, -1, np.int8)  # per iUPD row: 0 open, 1 iCPD, 2 reset
    n_subjects = len(offsets) - 1
    icpd_row = np.full(n_subjects, -1, np.int64)
    last_episode_day = np.full(n_subjects, -1, np.int64)
    open_at_end = np.zeros(n_subjects, np.bool_)
    for k in range(n_subjects):
        base = np.nan
        lowest = np.inf
        baseline_known = nadir_known = True  # complete baseline and nadir sums (recist11.target_response)
        is_open = False
        episode_start = -1
        episode_first_row = -1
        cats = 0
        ref_s = 0.0
        ref_nlt = 0.0
        previous_s = 0.0
        min_s = 0.0
        previous_nlt = 0.0
        min_nlt = 0.0
        previous_row = min_row = previous_nlt_row = min_nlt_row = -1  # the rows of these references (D11)
        decided = False
        seen = 0
        reset_row = -1
        nlt_low = np.inf
        icpd = False
        last_overall = NE
        for i in range(offsets[k], offsets[k + 1]):
            if is_pre_baseline[i]:
                continue
            if is_baseline[i]:
                base = target_sum[i] if has_targets[i] else 0.0
                lowest = base
                baseline_known = nadir_known = target_complete[i]
                baseline_sum[i] = base  # the best-response row reads it (no follow-up, spec 0.9)
                continue
            baseline_sum[i] = base
            nadir[i] = lowest
            nlt_nadir_row[i] = nlt_low
            s = target_sum[i]
            t = NONE
            if has_targets[i]:
                t, t_rule = target_response(
                    s,
                    target_complete[i],
                    target_all_normal[i],
                    base,
                    lowest,
                    baseline_known,
                    nadir_known,
                    False,
                )
                target_code[i] = t
                target_rule[i] = t_rule
            new_here = first_seen_count[i] > 0
            if icpd:
                overall[i] = ICPD
                rule[i] = I_AFTER_ICPD
            elif not is_open:
                fired = 0
                if t == PD:
                    fired |= CAT_T
                if non_target[i] == PD:
                    fired |= CAT_NT
                if reset_row < 0:
                    if new_present[i] and seen == 0:
                        fired |= CAT_NL
                elif (
                    new_here
                    or nlnt_progression[i]
                    or (
                        increase_at_least(nlt_sum[i], nlt_low, NLT_PD_INCREASE)
                        and rounded(nlt_sum[i] - nlt_low) >= nlt_pd_absolute
                        and nlt_complete[i]
                    )
                ):
                    fired |= CAT_NL
                if reappearance_after_cr_is_pd and last_overall == CR:
                    if has_targets[i] and target_reappeared[i] and not fired & CAT_T:
                        fired |= CAT_T | CAT_T_AGAIN
                    if nt_reappeared[i] and not fired & CAT_NT:
                        fired |= CAT_NT | CAT_NT_AGAIN
                if fired:
                    is_open = True
                    episode_start = day[i]
                    episode_first_row = i
                    last_episode_day[k] = day[i]
                    cats = fired
                    ref_s = s  # the iUPD's own sums, the known part if incomplete, are every reference (D2)
                    ref_nlt = nlt_sum[i]
                    previous_s = s
                    previous_nlt = nlt_sum[i]
                    min_s = s
                    min_nlt = nlt_sum[i]
                    previous_row = min_row = previous_nlt_row = min_nlt_row = i
                    decided = False
                    overall[i] = PD
                    rule[i] = I_IUPD
                    episode_outcome[i] = 0
                    if deteriorating[i]:
                        flags[i] |= F_UNSTABLE
                        if unstable_as_icpd:
                            overall[i] = ICPD
                            rule[i] = I_ICPD
                            confirm_row[i] = C_UNSTABLE
                            icpd = True
                            is_open = False
                            icpd_row[k] = i
                            episode_outcome[i] = 1
                else:
                    overall[i] = _step1(t, has_targets[i], non_target[i], new_present[i])
                    rule[i] = I_STEP1
            else:
                new_since_iupd = latest_first_seen[i] > episode_first_row
                elapsed = day[i] - episode_start
                if elapsed < min_days:
                    if early_new_lesion_confirms and new_since_iupd:
                        confirm_row[i] = C_NEW_LESION
                        overall[i] = ICPD
                        rule[i] = I_ICPD
                    else:
                        overall[i] = PD
                        rule[i] = I_EARLY
                        flags[i] |= F_EARLY
                else:
                    if reference == 0:
                        ref_t, ref_n = ref_s, ref_nlt
                        ref_t_at, ref_n_at = episode_first_row, episode_first_row
                    elif reference == 1:
                        ref_t, ref_n = previous_s, previous_nlt
                        ref_t_at, ref_n_at = previous_row, previous_nlt_row
                    else:
                        ref_t, ref_n = min_s, min_nlt
                        ref_t_at, ref_n_at = min_row, min_nlt_row
                    ref_s_row[i], ref_nlt_row[i] = ref_t, ref_n  # the reference applied (D2), in the reason
                    # D11 "same_lesions": over an incomplete reference sum (only the iUPD's own can be, see
                    # below), the growth of the lesions measured at both; otherwise the sums' difference.
                    paired_t = same_lesions and not target_complete[ref_t_at]
                    paired_n = same_lesions and not nlt_complete[ref_n_at]
                    why = 0
                    if cats & CAT_T:
                        if has_targets[i]:
                            if paired_t:
                                paired_t_row[i] = _paired_growth(target_values, ref_t_at, i)
                                if rounded(paired_t_row[i]) >= icpd_absolute:
                                    why |= C_TARGET_GREW_PAIRED
                            elif rounded(s - ref_t) >= icpd_absolute:
                                why |= C_TARGET_GREW
                    elif t == PD:
                        why |= C_TARGET_PD
                    if cats & CAT_NT:
                        if nt_increase[i]:
                            why |= C_NT_INCREASE
                    elif non_target[i] == PD:
                        why |= C_NT_PD
                    if cats & CAT_NL:
                        if paired_n:
                            paired_nlt_row[i] = _paired_growth(nlt_values, ref_n_at, i)
                            if rounded(paired_nlt_row[i]) >= icpd_absolute:
                                why |= C_NLT_GREW_PAIRED
                        elif rounded(nlt_sum[i] - ref_n) >= icpd_absolute:
                            why |= C_NLT_GREW
                        if nlnt_increase[i]:
                            why |= C_NLNT_INCREASE
                    elif reset_row >= 0:  # after a reset, known new lesions progress as RECIST 1.1 PD (D7)
                        if nlnt_progression[i]:
                            why |= C_NLNT_INCREASE
                        if (
                            increase_at_least(nlt_sum[i], nlt_low, NLT_PD_INCREASE)
                            and rounded(nlt_sum[i] - nlt_low) >= nlt_pd_absolute
                            and nlt_complete[i]
                        ):
                            why |= C_NLT_PD
                    if new_since_iupd:
                        why |= C_NEW_LESION
                    confirm_row[i] = why
                    if why:
                        overall[i] = ICPD
                        rule[i] = I_ICPD
                    elif t == NE or non_target[i] == NE or new_ne[i]:
                        overall[i] = NE
                        rule[i] = I_NE_OPEN
                    else:
                        episode_new = latest_first_seen[i] > reset_row
                        no_growth = (not nlnt_increase[i]) and rounded(nlt_sum[i] - ref_nlt) <= 0.0 and (
                            not new_since_iupd)
                        if resolution_only:
                            r3 = not episode_new
                        else:
                            shrank = rounded(s - ref_s) < 0.0
                            r3 = (not episode_new) or ((cats & CAT_NL) != 0 and no_growth and shrank)
                        if t != PD and non_target[i] != PD and r3:
                            overall[i] = _step1(t, has_targets[i], non_target[i], new_present[i])
                            rule[i] = I_RESET
                            flags[i] |= F_RESET
                            is_open = False
                            reset_row = i
                            for m in range(episode_first_row, i):
                                if episode_outcome[m] == 0:
                                    episode_outcome[m] = 2
                        else:
                            overall[i] = PD
                            rule[i] = I_STILL_IUPD
                    if overall[i] != NE:  # the first evaluable assessment decides, late after NE visits (4.7)
                        if not decided and elapsed > max_days:
                            flags[i] |= F_LATE
                        decided = True
                if overall[i] == PD and deteriorating[i]:  # spec 4.8: every iUPD row, category unchanged
                    flags[i] |= F_UNSTABLE
                    if unstable_as_icpd:  # ... unless the option makes every such iUPD an iCPD (D9)
                        overall[i] = ICPD
                        rule[i] = I_ICPD
                        confirm_row[i] = C_UNSTABLE
                if overall[i] == ICPD:
                    icpd = True
                    is_open = False
                    icpd_row[k] = i
                    for m in range(episode_first_row, i):
                        if episode_outcome[m] == 0:
                            episode_outcome[m] = 1
                elif overall[i] == PD:
                    episode_outcome[i] = 0
            if I_IUPD <= rule[i] <= I_STILL_IUPD:
                cats_row[i] = cats
                episode_day[i] = episode_start
                if np.isnan(ref_s_row[i]):  # not a deciding scan: the iUPD's own sums
                    ref_s_row[i] = ref_s
                    ref_nlt_row[i] = ref_nlt
            # The reference of the +5 mm confirmation (D2) is neither an early scan (4.6 step 2) nor an
            # incomplete sum (0.5); the nadir is every complete sum (0.5).
            if has_targets[i] and target_complete[i] and rule[i] != I_EARLY:
                previous_s = s
                previous_row = i
                if s < min_s:
                    min_s = s
                    min_row = i
            if nlt_complete[i] and rule[i] != I_EARLY:
                previous_nlt = nlt_sum[i]
                previous_nlt_row = i
                if nlt_sum[i] < min_nlt:
                    min_nlt = nlt_sum[i]
                    min_nlt_row = i
            if has_targets[i] and target_complete[i] and s < lowest:
                lowest = s
                nadir_known = True  # below the known part of the baseline sum, so below the true one too
            if first_seen_count[i] > 0:  # the NLT nadir covers the lesions known now, from now (4.6 reset)
                nlt_low = np.inf
            seen += first_seen_count[i]
            if seen > 0 and nlt_complete[i] and nlt_sum[i] < nlt_low:
                nlt_low = nlt_sum[i]
            if overall[i] != NE:
                last_overall = overall[i]
        open_at_end[k] = is_open
    return (
        overall,
        target_code,
        target_rule,
        rule,
        flags,
        cats_row,
        confirm_row,
        episode_day,
        ref_s_row,
        ref_nlt_row,
        paired_t_row,
        paired_nlt_row,
        nlt_nadir_row,
        baseline_sum,
        nadir,
        episode_outcome,
        icpd_row,
        last_episode_day,
        open_at_end,
    )


MACHINE_OUTPUTS = (
    "overall",
    "target_code",
    "target_rule",
    "rule",
    "flags",
    "cats",
    "confirmed_by_category",
    "episode_day",
    "ref_target_sum",
    "ref_nlt_sum",
    "paired_target_growth",
    "paired_nlt_growth",
    "nlt_nadir",
    "baseline_sum",
    "nadir",
    "episode_outcome",
    "icpd_row",
    "last_episode_day",
    "open_at_end",
)
"""Names of the arrays :func:`_state_machine` returns, in order."""


def _run_state_machine(*arrays: object) -> dict[str, np.ndarray]:
    """:func:`_state_machine` with its outputs by name."""
    return dict(zip(MACHINE_OUTPUTS, _state_machine(*arrays), strict=True))


def _progression_states(machine: dict[str, np.ndarray]) -> np.ndarray:
    """``confirmation_state`` of iUPD rows (pending, confirmed by iCPD, not confirmed: reset), iCPD rows."""
    outcome = machine["episode_outcome"]
    state = np.full(len(outcome), STATE_NOT_REQUIRED, np.int8)
    state[outcome == 0] = STATE_PENDING
    state[outcome == 1] = STATE_CONFIRMED
    state[outcome == 2] = STATE_NOT_CONFIRMED
    icpd = machine["icpd_row"]
    icpd = icpd[icpd >= 0]
    state[icpd[state[icpd] == STATE_NOT_REQUIRED]] = STATE_CONFIRMS
    return state


def _flags(
    machine_flags: np.ndarray,
    parts: dict[str, np.ndarray],
    overall: np.ndarray,
    for_confirmation: np.ndarray,
    subject_flags: SubjectFlags,
    assessments: Assessments,
) -> np.ndarray:
    """Flags of each assessment (spec 4.6-4.8), ';'-joined."""
    flags = np.full(len(overall), "", dtype=object)
    for bit, name in (
        (F_UNSTABLE, "iupd_not_clinically_stable"),
        (F_EARLY, "early_scan_not_used"),
        (F_LATE, "late_confirmation"),
        (F_RESET, "iupd_reset"),
    ):
        join_flags(flags, (machine_flags & bit) != 0, name)
    join_flags(flags, parts["small_new_node"], "new_node_below_10mm")
    join_flags(flags, parts["equivocal_new"], "equivocal_new_lesion")
    join_flags(flags, (overall == CR) & (for_confirmation == PR), "cr_downgraded_to_pr")
    join_flags(flags, parts["too_small_measured"], "too_small_with_measurement")
    add_subject_flags(flags, subject_flags, assessments)
    return flags


def _timepoint_table(
    study: Study,
    assessments: Assessments,
    follow_up: np.ndarray,
    parts: dict[str, np.ndarray],
    machine: dict[str, np.ndarray],
    state: np.ndarray,
    progression_day: np.ndarray,
    after: np.ndarray,
    flags: np.ndarray,
    constants: dict[str, str],
) -> pd.DataFrame:
    """Timepoint table (spec 0.9): baseline target sum in ``current_sum``, NLT sum in ``new_lesion_sum``;
    ``constants`` fill the rules' numbers in the reasons (:func:`_reasons`)."""
    table = assessments.table
    rows = np.flatnonzero(follow_up)
    has_targets = parts["has_targets"]
    current = np.where(has_targets & parts["target_complete"], parts["target_sum"], np.nan)
    baseline_sum, nadir = machine["baseline_sum"], machine["nadir"]
    day = table[DAY].to_numpy()
    absent = absent_components_text(study.missing_components, "target-only assessment")
    notes = table["note"].array.take(rows)
    again = (machine["cats"] & (CAT_T_AGAIN | CAT_NT_AGAIN)) != 0  # iUPD by a reappearance after iCR
    named = np.flatnonzero(parts["reappeared"] & again[assessments.row_assessment])
    seen_again = named_lesions(  # spec 1.8.1: the reason names the lesion
        study.lesions, assessments.n, assessments.row_assessment[named], named, "seen again"
    )
    reasons = _reasons(rows, parts, machine, day, absent, notes, constants, seen_again)
    columns = {
        **assessments.identity(rows),
        "criterion": repeated(KEY, len(rows)),
        **sum_columns(current, baseline_sum, nadir, rows),
        "sum_unit": repeated("mm", len(rows)),
        "sum_complete": parts["target_complete"][rows] & parts["nlt_complete"][rows],
        "target_sum": np.where(has_targets & parts["target_measured"], parts["target_sum"], np.nan)[rows],
        "new_lesion_sum": parts["nlt_sum"][rows],
        "target_response": labelled(LABELS, machine["target_code"][rows]),
        "non_target_response": labelled(LABELS, parts["non_target"][rows]),
        "new_lesion_response": labelled(("no", "yes"), parts["new_present"][rows].astype(np.int8)),
        "overall_response": labelled(LABELS, machine["overall"][rows]),
        "confirmation_state": labelled(CONFIRMATION_STATES, state[rows]),
        "progression_day": np.where(progression_day[rows] >= 0, progression_day[rows], np.nan),
        "after_progression": after[rows],
        "flags": flags[rows],
        "reason": reasons,
    }
    return timepoint_frame(columns, len(rows))


CATEGORY_NAMES = (
    (CAT_T, "target sum"),
    (CAT_NT, "non-target"),
    (CAT_NL, "new lesions"),
    (CAT_T_AGAIN | CAT_NT_AGAIN, "{seen_again} after an overall iCR, spec 1.8.1"),
)
"""Names of the categories that met RECIST 1.1 progression at iUPD (spec 4.6 ``cats``): a category met by
a lesion seen again after an overall iCR is named by its lesions (spec 4.6 step 1, 1.8.1)."""

PAIRED_GROWTH_TEXT = {
    C_TARGET_GREW_PAIRED: "target sum {dt_paired} mm on the lesions measured at both day {iupd_day} and day "
    "{day} ({relation}{icpd} mm; reference incomplete at iUPD, icpd_incomplete_reference)",
    C_NLT_GREW_PAIRED: "new-lesion target sum {dn_paired} mm on the lesions measured at both day {iupd_day} "
    "and day {day} ({relation}{icpd} mm; reference incomplete at iUPD, icpd_incomplete_reference)",
}
"""The further growth over an incomplete reference (D11 "same_lesions"), as target and as NLT growth;
``{relation}`` is ">=" when it confirmed iCPD, "<" when it did not."""

CONFIRMATION_TEXT = {
    C_TARGET_GREW: "target sum {s} mm is {dt} mm vs {ref_s} mm {ref_name} (>={icpd} mm)",
    C_TARGET_PD: "target sum {s} mm meets RECIST 1.1 PD vs nadir {nadir} mm",
    C_NT_INCREASE: "non-target disease increased",
    C_NT_PD: "unequivocal non-target progression",
    C_NLT_GREW: "new-lesion target sum {nlt} mm is {dn} mm vs {ref_nlt} mm {ref_name} (>={icpd} mm)",
    C_NLNT_INCREASE: "a new non-target lesion increased",
    C_NEW_LESION: "an additional new lesion appeared",
    C_UNSTABLE: "iUPD in a clinically unstable patient (unstable_iupd_as_icpd)",
    C_NLT_PD: "after the reset, new-lesion target sum {nlt} mm is {rel_nlt} and {dn_nadir} mm vs its nadir "
    "{nlt_nadir} mm (>=20% and >={nlt_pd} mm)",
    **{bit: text.replace("{relation}", ">=") for bit, text in PAIRED_GROWTH_TEXT.items()},
}
"""What confirmed an iCPD, in words (Seymour 2017 Table 2; spec 4.6 step 3, D7, D11)."""

REFERENCE_NAMES = {"iupd": "at iUPD on day {iupd_day}", "previous": "at the previous assessment",
                   "min_since_iupd": "(the smallest since iUPD)"}
"""How a reason names the reference of the +5 mm further increase (``icpd_increase_reference``, D2)."""


def _reasons(
    rows: np.ndarray,
    parts: dict[str, np.ndarray],
    machine: dict[str, np.ndarray],
    day: np.ndarray,
    absent: str,
    notes: ExtensionArray,
    constants: dict[str, str],
    seen_again: pa.Array,
) -> ExtensionArray:
    """Reason sentences of spec 0.10 (numbers, rule, section) of the follow-up ``rows``; ``seen_again`` names,
    per assessment, the lesions of an iUPD by a reappearance after iCR."""
    n = len(rows)
    s, nlt = parts["target_sum"][rows], parts["nlt_sum"][rows]
    ref_s, ref_nlt = machine["ref_target_sum"][rows], machine["ref_nlt_sum"][rows]
    confirmed_by = machine["confirmed_by_category"][rows]
    nlt_nadir = np.where(np.isfinite(machine["nlt_nadir"][rows]), machine["nlt_nadir"][rows], np.nan)
    iupd_day = machine["episode_day"][rows].astype(float)
    target_code = machine["target_code"][rows]
    fields = {
        "s": mm(s),
        **change_fields(s, machine["baseline_sum"][rows], machine["nadir"][rows]),
        "dt": signed_mm(s - ref_s),
        "ref_s": mm(ref_s),
        "nlt": mm(nlt),
        "dn": signed_mm(nlt - ref_nlt),
        "ref_nlt": mm(ref_nlt),
        "nlt_nadir": mm(nlt_nadir),
        "dn_nadir": signed_mm(nlt - nlt_nadir),
        "rel_nlt": pct(relative_changes(nlt, nlt_nadir)),
        "iupd_day": integer(iupd_day),
        "elapsed": integer(day[rows] - iupd_day),
        "target": text(labelled(LABELS, target_code)),
        "overall": text(labelled(LABELS, machine["overall"][rows])),
        "missing": text(parts["not_evaluable"][rows]),
        "baseline_missing": text(parts["baseline_missing"][rows]),
        "nt_missing": text(parts["nt_missing"][rows]),
        "note": text(notes),
    }
    paired_parts, paired_fields = _paired_parts(rows, machine, confirmed_by, day, constants)
    fields.update(paired_fields)

    def bit_parts(bits: np.ndarray, texts: dict[int, str]) -> list[Part]:
        """A part per bit; no template for a bit no row has (it may name fields not made, D11)."""
        return [
            (np.where(bits & bit, 0, -1), {0: expand(t, constants)} if (bits & bit).any() else {})
            for bit, t in texts.items()
        ]

    cats = machine["cats"][rows]
    shown = cats & ~np.where(cats & CAT_T_AGAIN, CAT_T, 0) & ~np.where(cats & CAT_NT_AGAIN, CAT_NT, 0)
    seen_again_names = {"seen_again": text(seen_again.take(rows))}
    cats = sentences(bit_parts(shown, dict(CATEGORY_NAMES)), seen_again_names, separator=", ")
    why = sentences(bit_parts(confirmed_by, CONFIRMATION_TEXT), fields)
    rule_texts = {code: expand(template, constants) for code, template in RULE_TEMPLATES.items()}
    rule_texts[I_IUPD] = (
        "RECIST 1.1 progression ({cats}): iUPD, to be confirmed 4-8 weeks later (iRECIST Table 2)"
    )
    rule_texts[I_ICPD] = "{why}: iCPD, progression dated day {iupd_day} (iRECIST Table 2)"
    has_targets = parts["has_targets"][rows]
    target_texts = {
        0: "target sum incomplete ({missing}; known part {s} mm does not make RECIST 1.1 PD): "
        "target NE (RECIST 1.1 sec. 4.4.2)",
        1: "target sum {s} mm is {rel_base} vs baseline {base} mm and {rel_nadir}, {abs_nadir} mm vs nadir "
        "{nadir} mm: target {target}",
        2: "target sum incomplete ({missing}); measured targets already sum {s} mm, {rel_nadir}, {abs_nadir} "
        "mm vs nadir {nadir} mm: target {target} (RECIST 1.1 sec. 4.4.2)",
        # the project's rule of an incomplete baseline sum (recist11.target_response)
        3: "target sum {s} mm is {rel_base} vs {base} mm, the known part of the baseline target sum "
        f"{BASELINE_INCOMPLETE}, and {{rel_nadir}}, {{abs_nadir}} mm vs nadir {{nadir}} mm: the known part "
        "proves neither PR (<=-30% vs the true baseline) nor RECIST 1.1 PD (vs the true nadir): target NE "
        "(RECIST 1.1 sec. 3.1, 4.3.1)",
        4: "target sum incomplete ({missing}); measured targets sum {s} mm, {rel_nadir}, {abs_nadir} mm vs "
        "nadir {nadir} mm, but that nadir is the known part of the baseline target sum "
        f"{BASELINE_INCOMPLETE}: the true nadir may be larger, RECIST 1.1 PD is not proven: target NE "
        "(RECIST 1.1 sec. 3.1, 4.4.2)",
        5: "target sum {s} mm is {rel_base} vs {base} mm, the known part of the baseline target sum "
        f"{BASELINE_INCOMPLETE}, so at least that far below the true baseline (<=-30%): target {{target}}",
        6: "target sum incomplete ({missing}), no target measured: target NE (RECIST 1.1 sec. 4.4.2)",
    }
    complete = parts["target_complete"][rows]
    target_rule = machine["target_rule"][rows]
    target_text = np.select(
        [
            target_rule == T_BASELINE_NE,
            target_rule == T_BASELINE_MISSING_NE,
            target_rule == T_PR_BASELINE_PART,
            (target_code == NE) & ~parts["target_measured"][rows],
            target_code == NE,
            complete,
        ],
        [3, 4, 5, 6, 0, 1],
        2,
    )
    reason_parts = [
        (np.where(has_targets, target_text, -1), target_texts),
        (np.where(nlt > 0, 0, -1), {0: "new-lesion target sum {nlt} mm"}),
        *paired_parts,
        (every_row(n), {0: "{nt_missing}"}),  # spec 0.2: the non-target lesions not evaluable, named
        (machine["rule"][rows], rule_texts),
        (np.where(machine["flags"][rows] & F_UNSTABLE, 0, -1), {0: UNSTABLE_TEXT}),
        (every_row(n), {0: absent}),
        (every_row(n), {0: "{note}"}),
    ]
    return reason_text(reason_parts, {**fields, "cats": text(cats), "why": text(why)})


def _paired_parts(
    rows: np.ndarray,
    machine: dict[str, np.ndarray],
    confirmed_by: np.ndarray,
    day: np.ndarray,
    constants: dict[str, str],
) -> tuple[list[Part], dict[str, Field]]:
    """The further growth on the lesions measured at both the incomplete reference and now (D11
    "same_lesions"): its fields, and the parts that say it when it did not confirm iCPD (a confirmation says
    it in its own sentence). Nothing when no row of ``rows`` was compared so (the default "known_part")."""
    growths = machine["paired_target_growth"][rows], machine["paired_nlt_growth"][rows]
    if not any(np.isfinite(growth).any() for growth in growths):
        return [], {}
    parts: list[Part] = [
        (np.where(np.isfinite(growth) & ((confirmed_by & bit) == 0), 0, -1),
         {0: expand(PAIRED_GROWTH_TEXT[bit].replace("{relation}", "<"), constants)})
        for growth, bit in zip(growths, (C_TARGET_GREW_PAIRED, C_NLT_GREW_PAIRED), strict=True)
    ]
    target, nlt = growths
    return parts, {"dt_paired": signed_mm(target), "dn_paired": signed_mm(nlt), "day": integer(day[rows])}


UNSTABLE_TEXT = (
    "clinical status deteriorating at iUPD: not clinically stable, treatment beyond iUPD not recommended; "
    "the category is unchanged (iRECIST, Seymour 2017; spec 4.8)"
)
"""What a clinically unstable iUPD adds to its reason (spec 4.8, D9)."""

RULE_TEMPLATES = {
    I_AFTER_ICPD: "after iCPD: iCPD (iRECIST, Seymour 2017)",
    I_STEP1: "no RECIST 1.1 progression: {overall} (iRECIST Table 2, no previous iUPD)",
    I_EARLY: "{elapsed} days after the iUPD of day {iupd_day} (<{min_days}): scan not used for confirmation; "
    "iUPD (iRECIST iQ&A)",
    I_NE_OPEN: "iUPD of day {iupd_day} neither confirmed nor reset and a value is missing: NE, the iUPD "
    "stays open (iRECIST, spec 4.6)",
    I_RESET: "iUPD of day {iupd_day} not confirmed {elapsed} days later (no further growth, no progression): "
    "{overall}; iUPD reset (iRECIST, Seymour 2017; spec 4.6)",
    I_STILL_IUPD: "iUPD of day {iupd_day} neither confirmed (no further {icpd} mm growth, no additional new "
    "lesion) nor reset (progression persists or new lesions remain): iUPD (iRECIST Table 2)",
}
"""Sentences of the state-machine rules without a variable list (spec 0.10); {name} filled column-wise."""


def _best_response_table(
    assessments: Assessments,
    machine: dict[str, np.ndarray],
    best: np.ndarray,
    in_scope: np.ndarray,
    measurable_subjects: np.ndarray,
    confirm_response: bool,
    unconfirmed_iupd_pfs: UnconfirmedIupdPfs,
) -> pd.DataFrame:
    """iBOR and dates (spec 4.7) per patient (x reader); ``iupd_day``, ``icpd_day`` after the schema;
    ``measurable_subjects`` as the baseline checks found them (:func:`best_response_frame`)."""
    table = assessments.table
    day = table[DAY].to_numpy(np.int64)
    offsets = assessments.subject_offsets
    first = offsets[:-1]
    subject = table["subject"].to_numpy()
    icpd_row = machine["icpd_row"]
    progression_day = np.where(icpd_row >= 0, machine["episode_day"][np.maximum(icpd_row, 0)], np.nan)
    last_episode = np.where(machine["last_episode_day"] >= 0, machine["last_episode_day"], np.nan)
    open_at_end = machine["open_at_end"] & (icpd_row < 0)
    last_evaluable = _last_day(in_scope & (machine["overall"] != NE), subject, day, len(first))
    before_iupd = (in_scope | table["is_baseline"].to_numpy()) & (
        day < np.nan_to_num(last_episode, nan=np.inf)[subject]
    )
    pfs_event = ~np.isnan(progression_day)
    pfs_day = np.where(pfs_event, progression_day, last_evaluable)
    if unconfirmed_iupd_pfs == "event":
        pfs_event = pfs_event | open_at_end
        pfs_day = np.where(open_at_end, last_episode, pfs_day)
    else:
        pfs_day = np.where(open_at_end, _last_day(before_iupd, subject, day, len(first)), pfs_day)
    first_response = at_day(best[:, 5] if confirm_response else best[:, 4], day)
    response_end = np.where(pfs_event & (pfs_day >= first_response), pfs_day, last_evaluable)
    best_label, confirmed_label = labelled(LABELS, best[:, 0]), labelled(LABELS, best[:, 2])
    best_day, confirmed_best_day = at_day(best[:, 1], day), at_day(best[:, 3], day)
    reasons = best_reasons(
        {
            "best": best_label,
            "confirmed": confirmed_label,
            "best_day": best_day,
            "confirmed_day": confirmed_best_day,
            "progression": progression_day,
            "pending": np.where(open_at_end, last_episode, np.nan),
            "ignored": pre_baseline_text(assessments),
        },
        "iBOR",
        "iUPD",
        "iCPD, progression dated to the iUPD of day",
        "iRECIST, Seymour 2017 Table 3; spec 4.7",
    )
    columns = {
        PATIENT: table[PATIENT].array.take(first),
        READER: table[READER].array.take(first),
        "criterion": repeated(KEY, len(first)),
        "best_response": best_label,
        "best_response_confirmed": confirmed_label,
        **best_response_days(best_day, confirmed_best_day, confirm_response),
        "first_response_day": first_response,
        "progression_day": progression_day,
        "duration_of_response_days": np.where(
            np.isnan(first_response), np.nan, response_end - first_response
        ),
        "pfs_event": pfs_event,
        "pfs_day": pfs_day,
        "reason": reasons,
        "iupd_day": last_episode,
        "icpd_day": at_day(icpd_row, day),
    }
    return best_response_frame(columns, machine["baseline_sum"], offsets, measurable_subjects)


def _last_day(mask: np.ndarray, subject: np.ndarray, day: np.ndarray, n_subjects: int) -> np.ndarray:
    """Day of the last row of each subject where ``mask`` holds (NaN when none)."""
    out = np.full(n_subjects, np.nan)
    rows = np.flatnonzero(mask)
    out[subject[rows]] = day[rows]
    return out


CRITERION = Criterion(
    key=KEY,
    title="iRECIST (Seymour 2017)",
    family="anatomic",
    required_columns=(PATIENT, DAY, LESION, ROLE, ORGAN, LYMPH_NODE, STATUS),
    assess=assess,
)
