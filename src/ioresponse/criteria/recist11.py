"""RECIST 1.1 timepoint and best overall response.

Source: Eisenhauer EA et al. New response evaluation criteria in solid tumours: revised RECIST
guideline (version 1.1). Eur J Cancer 2009;45(2):228-247, doi:10.1016/j.ejca.2008.10.026, with
Schwartz 2009 (nodes, doi:10.1016/j.ejca.2008.10.028), Schwartz 2016 (update,
doi:10.1016/j.ejca.2016.03.081) and the RECIST working group Q&A.
Rules as in spec/anatomic.md section 1; options are the choices of section 1.11 (A1-A11).
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray

from ioresponse.criteria import Criterion, CriterionResult, Study
from ioresponse.criteria._anatomic import (
    CONFIRM_MIN_DAYS,
    CONFIRMATION_STATES,
    CR,
    MAX_BASELINE_GAP_DAYS,
    NE,
    NEW_EQUIVOCAL,
    NEW_NO,
    NEW_YES,
    NON_CR_NON_PD,
    NONE,
    NOT_GIVEN,
    PD,
    PR,
    RECIST_MEASURABILITY,
    SD,
    STATE_CONFIRMED,
    STATE_CONFIRMS,
    STATE_NOT_CONFIRMED,
    STATE_NOT_REQUIRED,
    STATE_PENDING,
    Assessments,
    SubjectFlags,
    absent_components_text,
    add_baseline_flags,
    add_subject_flags,
    any_per_assessment,
    baseline_count,
    baseline_of,
    best_response_days,
    best_response_frame,
    best_responses,
    build_assessments,
    confirmed_responses,
    decrease_at_least,
    first_day_per_subject,
    first_fragments,
    fragment_totals,
    increase_at_least,
    join_flags,
    labelled,
    last_day_per_subject,
    lesion_codes,
    lesion_starts,
    measurable,
    missing_non_targets,
    named_lesions,
    non_target_codes,
    normal_node,
    not_evaluable_text,
    organ_codes,
    over_caps,
    pre_baseline_text,
    recist_target_counts,
    repeated,
    report_baseline_violation,
    roles,
    rounded,
    seen_again,
    size_column,
    small_new_nodes,
    some_measured,
    split_nodes,
    statuses,
    sum_columns,
    sum_per_assessment,
    timepoint_frame,
    too_small_measured,
    unidimensional_values,
    unmeasured_baseline_message,
    unmeasured_baseline_targets,
)
from ioresponse.criteria._sentences import (
    Field,
    best_reasons,
    change_fields,
    change_fragments,
    every_row,
    expand,
    mm,
    reason_text,
    sentences,
    text,
)
from ioresponse.schema import (
    DAY,
    EQUIVOCAL,
    LESION,
    LYMPH_NODE,
    ORGAN,
    PATIENT,
    READER,
    ROLE,
    SHORT_AXIS,
    STATUS,
    InputError,
    OnBaselineViolation,
    Role,
    Status,
)

KEY = "recist11"

PR_DECREASE = 0.30
"""PR: target sum at least 30 % below baseline (sec. 4.3.1)."""

PD_INCREASE = 0.20
"""PD: target sum at least 20 % above the nadir (sec. 4.3.1)..."""

PD_ABSOLUTE_MM = 5.0
"""...and at least 5 mm above it (sec. 4.3.1)."""

MAX_TARGETS = 5
"""At most 5 target lesions in total (sec. 4.2)."""

MAX_TARGETS_PER_ORGAN = 2
"""At most 2 target lesions per organ; all lymph nodes are one organ (sec. 4.2, Q&A paired organs)."""

MIN_SD_DAYS = 42
"""Minimum time on study for SD to count as best response (sec. 4.6.1; protocol value, spec A9)."""


NEW_NODE_MIN_SHORT_AXIS_MM = 10.0
"""A new node is a new lesion only with short axis >= 10 mm (Q&A new lymph nodes; spec 1.5, A10)."""

LABELS = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "none", "not_given")
"""Label of each response code (spec 0.9, key recist11)."""

NEW_LABELS = ("no", "equivocal", "yes")

# Target-response rules (sec. 4.3.1, 4.4.2), in the order they are tested (spec 1.4); T_UNMEASURED and
# T_CR_ALL_ABSENT (a CR with a sum of 0: no node short axis to name) only choose a reason (0.10). The last
# three are the project's rule for a baseline sum left incomplete by on_baseline_violation="warn" (a target
# not measured at baseline; the spec is silent): see :func:`target_response`.
(
    T_NO_TARGETS,
    T_MISSING_PD,
    T_MISSING_NE,
    T_CR,
    T_PD,
    T_PR,
    T_SD,
    T_SD_UNDER_5MM,
    T_UNMEASURED,
    T_CR_ALL_ABSENT,
    T_BASELINE_NE,
    T_BASELINE_MISSING_NE,
    T_PR_BASELINE_PART,
) = range(13)

# Timepoint rules: the rows of Table 1 (targets) and Table 2 (non-target only), first match wins
# (spec 1.6); O_BACKDATED is the equivocal back-dating of sec. 4.3.5 (spec 1.8.2), O_CONTINUED_PR the
# option of spec 1.8.3.
(
    O_BASELINE,
    O_TARGET_PD,
    O_NT_PD,
    O_NEW,
    O_REAPPEARED,
    O_NE,
    O_CR,
    O_PR_NT,
    O_PR,
    O_SD,
    O_NT_ONLY_NE,
    O_NT_ONLY_CR,
    O_NT_ONLY_NON_CR,
    O_NOTHING,
    O_BACKDATED,
    O_PRE_BASELINE,
    O_CONTINUED_PR,
) = range(17)

OVERALL_RULES = {
    O_TARGET_PD: "overall PD (RECIST 1.1 Table 1 row 1: target PD)",
    O_NT_PD: "unequivocal non-target progression: overall PD (RECIST 1.1 sec. 4.3.3, Table 1 row 2)",
    O_NEW: "unequivocal new lesion: overall PD (RECIST 1.1 sec. 4.3.5, Table 1 row 3)",
    O_REAPPEARED: "{seen_again} after an overall CR: PD (RECIST 1.1 Table 3 footnote; spec 1.8.1)",
    O_NE: "target NE without progression: overall NE (RECIST 1.1 sec. 4.4.2, Table 1 row 5)",
    O_CR: "every lesion gone: overall CR (RECIST 1.1 Table 1 row 6)",
    O_PR_NT: "target CR, non-target disease present or not evaluated: overall PR (RECIST 1.1 Table 1 row 7)",
    O_PR: "overall PR (RECIST 1.1 Table 1 row 8)",
    O_SD: "overall SD (RECIST 1.1 Table 1 row 9)",
    O_NT_ONLY_NE: "no target lesion; non-target not all evaluated: overall NE (RECIST 1.1 Table 2)",
    O_NT_ONLY_CR: "no target lesion; every non-target gone: overall CR (RECIST 1.1 Table 2)",
    O_NT_ONLY_NON_CR: "no target lesion; non-target present: overall NON-CR/NON-PD (RECIST 1.1 Table 2)",
    O_NOTHING: "no target or non-target lesion at baseline: overall NE (RECIST 1.1 sec. 4.4.2)",
    O_CONTINUED_PR: "SD after a PR with no PD since: overall PR (continued PR, RECIST working group "
    "Q&A; spec 1.8.3)",
}
"""Reason text of each timepoint rule; the back-dating reason names its lesion and days instead."""


def assess(
    study: Study,
    *,
    confirm_response: bool = False,
    confirm_min_days: int = CONFIRM_MIN_DAYS,
    max_ne_between: int = 1,
    accept_sd_between: bool = False,
    min_sd_days: int = MIN_SD_DAYS,
    max_targets: int = MAX_TARGETS,
    max_targets_per_organ: int = MAX_TARGETS_PER_ORGAN,
    on_baseline_violation: OnBaselineViolation = "error",
    apply_slice_rule_to_nodes: bool = False,
    normal_node_growth_can_be_pd: bool = False,
    reappearance_after_cr_is_pd: bool = True,
    reappearance_requires_confirmed_cr: bool = False,
    backdate_equivocal_pd: bool = True,
    continued_pr_after_confirmed_pr: bool = False,
    new_node_min_short_axis_mm: float = NEW_NODE_MIN_SHORT_AXIS_MM,
    max_baseline_gap_days: int = MAX_BASELINE_GAP_DAYS,
    on_old_baseline: OnBaselineViolation = "warn",
) -> CriterionResult:
    """RECIST 1.1 timepoint responses and best overall response of every patient (x reader).

    Parameters
    ----------
    study : Study
        Validated lesion table (``study.lesions``).
    confirm_response : bool, default False
        Which best response drives the dates and the summary: confirmed CR/PR (single-arm
        response-endpoint trials, sec. 4.6.1) or not. Both columns are always computed (spec 0.9).
    confirm_min_days, max_ne_between, accept_sd_between : int, int, bool, default 28, 1, False
        Confirmation of CR/PR (spec 0.7, A8).
    min_sd_days : int, default 42
        SD counts for best response only at ``day >= min_sd_days`` (sec. 4.6.1, A9); 0 disables.
    max_targets, max_targets_per_organ : int, default 5, 2
        Target counts (sec. 4.2).
    on_baseline_violation : {"error", "warn"}, default "error"
        A target below the measurability rule, beyond the counts, or not present at baseline (A1); a kept
        target not measured at baseline leaves the baseline sum known in part (:func:`target_response`).
    apply_slice_rule_to_nodes : bool, default False
        Nodal minimum ``max(15, 2 x slice)`` (A2).
    normal_node_growth_can_be_pd : bool, default False
        With every target normal, may the node sum still make PD (A4)? Default: CR wins.
    reappearance_after_cr_is_pd : bool, default True
        Disease seen again after an overall CR is PD (spec 1.8.1, A5).
    reappearance_requires_confirmed_cr : bool, default False
        Only after a confirmed CR: a later CR at least ``confirm_min_days`` on, at most
        ``max_ne_between`` NE between (A5, spec 0.7).
    backdate_equivocal_pd : bool, default True
        An equivocal new lesion confirmed later dates PD to its first appearance (spec 1.8.2, A6).
    continued_pr_after_confirmed_pr : bool, default False
        After the first (confirmed) PR a computed SD is reported as PR (spec 1.8.3, A7).
    new_node_min_short_axis_mm : float, default 10.0
        A new node below this short axis is ignored (A10).
    max_baseline_gap_days, on_old_baseline : int, {"warn", "error"}, default 28, "warn"
        Baseline older than this before day 0 (spec 0.2).

    Returns
    -------
    CriterionResult
        Timepoints (one row per follow-up, spec 0.9) and best responses (one row per patient x reader).

    Notes
    -----
    1. Baseline = the latest assessment on or before day 0; the baseline sum B (sec. 4.2).
    2. Target response, in order: missing value (PD if the known values already make PD, else NE;
       sec. 4.4.2), CR, PD (>= 20 % and >= 5 mm over the nadir), PR (<= -30 % vs B), SD (sec. 4.3.1).
    3. Non-target and new-lesion components (sec. 4.3.3-4.3.5), then Table 1 or Table 2.
    4. Best response unconfirmed and confirmed (Table 3), up to the first PD (sec. 4.4.3, 4.6).
    """
    lesions = study.lesions
    if lesions is None:
        raise InputError(study.source, [], None, "RECIST 1.1 needs an anatomic lesion table")
    assessments = build_assessments(lesions, study.source)
    table = assessments.table
    subject_flags, measurable_subjects = _baseline_checks(
        lesions,
        assessments,
        study.source,
        max_targets=max_targets,
        max_targets_per_organ=max_targets_per_organ,
        on_baseline_violation=on_baseline_violation,
        apply_slice_rule_to_nodes=apply_slice_rule_to_nodes,
        max_baseline_gap_days=max_baseline_gap_days,
        on_old_baseline=on_old_baseline,
    )
    components = _components(lesions, assessments, study, new_node_min_short_axis_mm)
    backdated, backdate_text = _equivocal_backdating(lesions, assessments, components["counted_new"])
    if not backdate_equivocal_pd:
        backdated[:] = False

    day = table[DAY].to_numpy(np.int64)
    kernel = _timepoints(
        table["is_baseline"].to_numpy(),
        table["is_pre_baseline"].to_numpy(),
        day,
        assessments.subject_offsets,
        components["target_sum"],
        components["target_complete"],
        components["target_all_normal"],
        components["has_targets"],
        components["non_target"],
        components["new"],
        components["disease_seen"],
        backdated,
        normal_node_growth_can_be_pd,
        reappearance_after_cr_is_pd,
        reappearance_requires_confirmed_cr,
        confirm_min_days,
        max_ne_between,
    )
    target_code, overall, target_rule, overall_rule, baseline_sum, nadir, progression_row = kernel
    follow_up = ~table["is_baseline"].to_numpy() & ~table["is_pre_baseline"].to_numpy()
    progression_day = np.where(progression_row >= 0, day[np.maximum(progression_row, 0)], -1)
    subject_progression_day = np.repeat(progression_day, np.diff(assessments.subject_offsets))
    has_progression = subject_progression_day >= 0
    after_progression = has_progression & (day > subject_progression_day)
    in_scope = follow_up & ~after_progression

    for_confirmation, confirmed_by = confirmed_responses(
        overall, in_scope, assessments, confirm_min_days, max_ne_between, accept_sd_between
    )
    flags = _timepoint_flags(assessments, components, overall, for_confirmation, subject_flags)
    if continued_pr_after_confirmed_pr:
        continued = _continued_pr(overall, confirmed_by, in_scope, confirm_response, assessments)
        join_flags(flags, continued, "continued_pr")
        overall = np.where(continued, PR, overall).astype(np.int8)
        overall_rule = np.where(continued, O_CONTINUED_PR, overall_rule).astype(np.int8)
    state = _confirmation_state(
        for_confirmation, confirmed_by, in_scope, table["subject"].to_numpy(), confirm_response
    )

    best = best_responses(
        overall, for_confirmation, confirmed_by, day, in_scope, assessments.subject_offsets, min_sd_days
    )
    offsets = assessments.subject_offsets
    progression = first_day_per_subject(in_scope & (overall == PD), day, offsets)
    last_evaluable = last_day_per_subject(in_scope & (overall != NE), day, offsets)
    timepoints = _timepoint_table(
        study,
        assessments,
        follow_up,
        components,
        target_code,
        overall,
        target_rule,
        overall_rule,
        baseline_sum,
        nadir,
        state,
        subject_progression_day,
        after_progression,
        flags,
        backdate_text,
    )
    best_table = _best_response_table(
        assessments,
        best,
        day,
        progression,
        last_evaluable,
        baseline_sum,
        measurable_subjects,
        confirm_response,
    )
    return CriterionResult(timepoints, best_table)


def _baseline_checks(
    lesions: pd.DataFrame,
    assessments: Assessments,
    source: str,
    *,
    max_targets: int,
    max_targets_per_organ: int,
    on_baseline_violation: OnBaselineViolation,
    apply_slice_rule_to_nodes: bool,
    max_baseline_gap_days: int,
    on_old_baseline: OnBaselineViolation,
) -> tuple[SubjectFlags, np.ndarray]:
    """Measurability (sec. 3.1, 3.2.2) and counts (sec. 4.2) at baseline; returns flags per subject and
    the subjects with measurable disease (a target present and measurable at baseline, sec. 3.1)."""
    table = assessments.table
    # Only baseline rows are checked: work on them alone, then map back to rows of the whole table.
    baseline_rows = np.flatnonzero(table["is_baseline"].to_numpy()[assessments.row_assessment])

    def at_baseline(column: str, dtype: type | None = None) -> np.ndarray:
        return lesions[column].to_numpy(dtype)[baseline_rows]

    node = at_baseline(LYMPH_NODE, bool)
    # A sum-only table's pseudo-lesion is one target of the sum's size: a sum under 10 mm cannot come from
    # measurable targets (sec. 3.1), and one "lesion" never breaks the counts.
    target = (roles(lesions) == Role.TARGET)[baseline_rows]
    rows = at_baseline("source_row") if "source_row" in lesions else baseline_rows + 2
    subject = assessments.subject_of_rows()[baseline_rows]
    flags: SubjectFlags = {}

    ok = measurable(lesions)[baseline_rows]
    if apply_slice_rule_to_nodes and "slice_thickness_mm" in lesions:
        slice_mm = np.nan_to_num(at_baseline("slice_thickness_mm", float))
        ok &= ~node | (at_baseline(SHORT_AXIS, float) >= 2 * slice_mm)
    present = (statuses(lesions) == Status.PRESENT)[baseline_rows]
    too_small = target & ~ok & present
    organ = organ_codes(lesions)[baseline_rows]
    lesion = first_fragments(lesions, assessments)[baseline_rows]  # counts are of lesions (0.4)
    over = over_caps(target & lesion, subject, organ, max_targets_per_organ, None, {"all": max_targets})
    unmeasured = unmeasured_baseline_targets(lesions, assessments)[baseline_rows]
    problems = [
        (unmeasured, unmeasured_baseline_message(), STATUS),
        (too_small, RECIST_MEASURABILITY, size_column(node[too_small])),
        (over, recist_target_counts(max_targets, max_targets_per_organ), ROLE),
    ]
    for violated, message, column in problems:
        report_baseline_violation(
            violated,
            message,
            criterion=KEY,
            column=column,
            flag="baseline_target_rule_violated",
            subject=subject,
            rows=rows,
            assessments=assessments,
            source=source,
            on_violation=on_baseline_violation,
            flags=flags,
            stacklevel=2,
        )
    add_baseline_flags(
        flags,
        lesions,
        assessments,
        source,
        max_baseline_gap_days=max_baseline_gap_days,
        on_old_baseline=on_old_baseline,
    )
    return flags, np.unique(subject[target & ok & present])


def _components(
    lesions: pd.DataFrame, assessments: Assessments, study: Study, new_node_min_short_axis_mm: float
) -> dict[str, np.ndarray]:
    """Per-assessment inputs of the timepoint table: target sum, non-target and new-lesion codes."""
    in_use = assessments.in_use
    role = roles(lesions)
    status = statuses(lesions)
    node = lesions[LYMPH_NODE].to_numpy(bool)
    ids = lesion_codes(lesions)
    values = unidimensional_values(lesions)
    normal = normal_node(lesions, assessments)

    target = in_use & (role == Role.TARGET)
    sums = sum_per_assessment(values, target, ids, assessments)
    expected_targets = baseline_count(sums.count, assessments)
    complete = sums.complete & (sums.count >= expected_targets)
    gone = np.where(node, normal, status == Status.ABSENT)
    target_all_normal = ~any_per_assessment(target & ~gone, assessments)

    non_target = in_use & (role == Role.NON_TARGET)
    nt_gone = np.where(node, (status == Status.ABSENT) | normal, status == Status.ABSENT)
    nt_code, nt_pd = non_target_codes(lesions, assessments, nt_gone)
    if "non_target" in study.missing_components:
        nt_code = np.where(nt_pd, PD, NOT_GIVEN)

    new = in_use & (role == Role.NEW)
    shows = status.isin([Status.PRESENT, Status.TOO_SMALL, Status.UNEQUIVOCAL_PROGRESSION])
    small_node = small_new_nodes(lesions, assessments, new, shows, new_node_min_short_axis_mm)  # 0.4, 1.5
    counted_new = new & shows & ~small_node
    equivocal = lesions[EQUIVOCAL].to_numpy(bool) if EQUIVOCAL in lesions else np.zeros(len(lesions), bool)
    new_code = np.where(
        any_per_assessment(counted_new & ~equivocal, assessments),
        NEW_YES,
        np.where(any_per_assessment(counted_new & equivocal, assessments), NEW_EQUIVOCAL, NEW_NO),
    )
    if "new" in study.missing_components:
        new_code = np.where(new_code == NEW_NO, NOT_GIVEN, new_code)

    reappeared_target = target & seen_again(lesions, assessments, values)
    reappeared_nt = non_target & np.where(
        node,
        status == Status.UNEQUIVOCAL_PROGRESSION,
        shows,
    )
    return {
        "values": values,
        "target_sum": sums.total,
        "target_complete": complete,
        "target_all_normal": target_all_normal,
        "not_evaluable": not_evaluable_text(lesions, assessments, target, values, ~complete),
        "has_targets": expected_targets > 0,
        "target_measured": some_measured(values, target, assessments),
        "non_target": nt_code.astype(np.int8),
        "nt_missing": missing_non_targets(lesions, assessments, nt_code),
        "new": new_code.astype(np.int8),
        "seen_again": reappeared_target | reappeared_nt,
        "disease_seen": any_per_assessment(reappeared_target | reappeared_nt, assessments),
        "counted_new": counted_new,
        "equivocal_new": any_per_assessment(counted_new & equivocal, assessments),
        "small_new_node": any_per_assessment(small_node, assessments),
        "equivocal": equivocal,
        "target_node": target & node,
        "split_node": split_nodes(target & node, ids, assessments),
        "too_small_measured": too_small_measured(lesions, assessments),
    }


def _equivocal_backdating(
    lesions: pd.DataFrame, assessments: Assessments, counted_new: np.ndarray
) -> tuple[np.ndarray, dict[int, str]]:
    """Assessments where an equivocal new lesion first appeared and was later confirmed (sec. 4.3.5).

    Returns a mask of such assessments and the reason text of each.
    """
    backdated = np.zeros(assessments.n, bool)
    text: dict[int, str] = {}
    if EQUIVOCAL not in lesions or not lesions[EQUIVOCAL].to_numpy(bool).any():
        return backdated, text
    rows = np.flatnonzero(counted_new)
    new_rows = pd.DataFrame(
        {
            "subject": assessments.subject_of_rows()[rows],
            "lesion": lesions[LESION].to_numpy()[rows],
            "assessment": assessments.row_assessment[rows],
            "equivocal": lesions[EQUIVOCAL].to_numpy(bool)[rows],
        }
    )
    day = assessments.table[DAY].to_numpy()
    for (_, lesion), group in new_rows.groupby(["subject", "lesion"], sort=False):
        first_equivocal = group.loc[group["equivocal"], "assessment"].min()
        confirmed = group.loc[~group["equivocal"] & (group["assessment"] > first_equivocal), "assessment"]
        if pd.notna(first_equivocal) and len(confirmed):
            a, e = int(first_equivocal), int(confirmed.min())
            backdated[a] = True
            text[a] = (
                f"equivocal new lesion {lesion} first seen on day {day[a]}, confirmed on day {day[e]}: "
                f"PD dated day {day[a]} (RECIST 1.1 sec. 4.3.5, 4.4.4)"
            )
    return backdated, text


@numba.njit(cache=True, nogil=True)
def target_response(
    total: float,
    complete: bool,
    all_normal: bool,
    baseline_sum: float,
    nadir: float,
    baseline_known: bool,
    nadir_known: bool,
    normal_node_growth_can_be_pd: bool,
) -> tuple[int, int]:
    """Target response and the rule that gave it (spec 1.4 steps 1-5).

    ``baseline_known``: the baseline sum is complete; ``nadir_known``: so is the nadir's sum (the baseline,
    or a complete follow-up sum below its known part). A baseline target not measured (kept by
    ``on_baseline_violation="warn"``) leaves only the known part of the baseline sum, a lower bound of the
    true one. Project rule, mirroring the known-part rule of an incomplete follow-up sum (sec. 4.4.2, spec
    1.4 step 1), where a lower bound can only prove an increase: a lower bound of the reference can only
    prove a decrease. So PD over the nadir needs ``nadir_known``; PR against the known part is certain; SD
    is never certain without ``baseline_known`` (it may be PR against the true baseline): NE.
    """
    grew = increase_at_least(total, nadir, PD_INCREASE) and rounded(total - nadir) >= PD_ABSOLUTE_MM
    if not complete:
        if grew and nadir_known:
            return PD, T_MISSING_PD
        if grew:
            return NE, T_BASELINE_MISSING_NE
        return NE, T_MISSING_NE
    if all_normal and not (normal_node_growth_can_be_pd and grew):
        return CR, T_CR
    if grew:
        if nadir_known:
            return PD, T_PD
        return NE, T_BASELINE_NE
    if decrease_at_least(total, baseline_sum, PR_DECREASE):
        if baseline_known:
            return PR, T_PR
        return PR, T_PR_BASELINE_PART
    if not baseline_known:
        return NE, T_BASELINE_NE
    if increase_at_least(total, nadir, PD_INCREASE):
        return SD, T_SD_UNDER_5MM
    return SD, T_SD


@numba.njit(cache=True, nogil=True)
def _overall_with_targets(target: int, non_target: int, new: int, reappeared: bool) -> tuple[int, int]:
    """Table 1 of the paper, first matching row (spec 1.6.1)."""
    if target == PD:
        return PD, O_TARGET_PD
    if non_target == PD:
        return PD, O_NT_PD
    if new == NEW_YES:
        return PD, O_NEW
    if reappeared:
        return PD, O_REAPPEARED
    if target == NE:
        return NE, O_NE
    if target == CR:
        if non_target == NON_CR_NON_PD or non_target == NE:
            return PR, O_PR_NT
        return CR, O_CR
    if target == PR:
        return PR, O_PR
    return SD, O_SD


@numba.njit(cache=True, nogil=True)
def _overall_without_targets(non_target: int, new: int, reappeared: bool) -> tuple[int, int]:
    """Table 2 of the paper (spec 1.6.2)."""
    if non_target == PD:
        return PD, O_NT_PD
    if new == NEW_YES:
        return PD, O_NEW
    if reappeared:
        return PD, O_REAPPEARED
    if non_target == NE:
        return NE, O_NT_ONLY_NE
    if non_target == CR:
        return CR, O_NT_ONLY_CR
    if non_target == NONE:
        return NE, O_NOTHING
    return NON_CR_NON_PD, O_NT_ONLY_NON_CR


@numba.njit(cache=True, nogil=True)
def _confirms_earlier_cr(
    overall: np.ndarray, day: np.ndarray, run_start: int, j: int, min_days: int, max_ne_between: int
) -> bool:
    """Spec 0.7 (for A5): the CR at row ``j`` confirms a CR of rows ``run_start..j-1`` (a run of CR and
    NE): one at least ``min_days`` earlier with at most ``max_ne_between`` NE between them."""
    n_ne = 0
    for m in range(j - 1, run_start - 1, -1):
        if overall[m] == NE:
            n_ne += 1
            if n_ne > max_ne_between:
                return False
        elif day[j] - day[m] >= min_days:
            return True
    return False


@numba.njit(cache=True, nogil=True)
def _timepoints(
    is_baseline: np.ndarray,
    is_pre_baseline: np.ndarray,
    day: np.ndarray,
    offsets: np.ndarray,
    target_sum: np.ndarray,
    target_complete: np.ndarray,
    target_all_normal: np.ndarray,
    has_targets: np.ndarray,
    non_target: np.ndarray,
    new: np.ndarray,
    disease_seen: np.ndarray,
    backdated: np.ndarray,
    normal_node_growth_can_be_pd: bool,
    reappearance_after_cr_is_pd: bool,
    reappearance_requires_confirmed_cr: bool,
    confirm_min_days: int,
    max_ne_between: int,
) -> tuple[np.ndarray, ...]:
    """Timepoint responses of every subject, in day order (spec 1.4-1.8)."""
    n = len(day)
    target_code = np.full(n, NONE, np.int8)
    overall = np.full(n, NE, np.int8)
    target_rule = np.full(n, T_NO_TARGETS, np.int8)
    overall_rule = np.full(n, O_PRE_BASELINE, np.int8)
    baseline_sum = np.full(n, np.nan)
    nadir = np.full(n, np.nan)
    progression_row = np.full(len(offsets) - 1, -1, np.int64)
    for k in range(len(offsets) - 1):
        lowest = np.inf
        base = np.nan
        baseline_known = nadir_known = True  # complete baseline and nadir sums (target_response)
        last_evaluable = -1
        cr_run_start = -1  # first row of the current run of CRs (NE between them allowed)
        cr_confirmed = False  # some CR of the run is confirmed as in spec 0.7
        for i in range(offsets[k], offsets[k + 1]):
            if is_pre_baseline[i]:
                continue
            if is_baseline[i]:
                base = target_sum[i]
                lowest = target_sum[i]
                baseline_known = nadir_known = target_complete[i]
                baseline_sum[i] = base
                overall_rule[i] = O_BASELINE
                continue
            baseline_sum[i] = base
            nadir[i] = lowest
            after_cr = last_evaluable == CR and reappearance_after_cr_is_pd
            if after_cr and reappearance_requires_confirmed_cr:  # only after a confirmed CR (A5, spec 0.7)
                after_cr = cr_confirmed
            reappeared = after_cr and disease_seen[i]
            if has_targets[i]:
                t, t_rule = target_response(
                    target_sum[i],
                    target_complete[i],
                    target_all_normal[i],
                    base,
                    lowest,
                    baseline_known,
                    nadir_known,
                    normal_node_growth_can_be_pd,
                )
                target_code[i] = t
                target_rule[i] = t_rule
                o, o_rule = _overall_with_targets(t, non_target[i], new[i], reappeared)
            else:
                o, o_rule = _overall_without_targets(non_target[i], new[i], reappeared)
            if backdated[i] and o != PD:
                o, o_rule = PD, O_BACKDATED
            overall[i] = o
            overall_rule[i] = o_rule
            if o == PD and progression_row[k] < 0:
                progression_row[k] = i
            if o != NE:
                if o == CR and last_evaluable != CR:
                    cr_run_start = i
                    cr_confirmed = False
                if o == CR and not cr_confirmed:
                    cr_confirmed = _confirms_earlier_cr(
                        overall, day, cr_run_start, i, confirm_min_days, max_ne_between
                    )
                last_evaluable = o
            if has_targets[i] and target_complete[i] and target_sum[i] < lowest:
                lowest = target_sum[i]
                nadir_known = True  # below the known part of the baseline sum, so below the true one too
    return target_code, overall, target_rule, overall_rule, baseline_sum, nadir, progression_row


def _continued_pr(
    overall: np.ndarray,
    confirmed_by: np.ndarray,
    in_scope: np.ndarray,
    confirm_response: bool,
    assessments: Assessments,
) -> np.ndarray:
    """The computed SDs reported as PR (spec 1.8.3): those after the first (confirmed) PR."""
    reached = (overall == PR) & in_scope
    if confirm_response:
        reached &= confirmed_by >= 0
    subject = assessments.table["subject"].to_numpy()
    seen = pd.Series(reached).groupby(subject).cummax().to_numpy()
    before = np.concatenate(([False], seen[:-1])) & (np.concatenate(([-1], subject[:-1])) == subject)
    return before & (overall == SD) & in_scope


def _confirmation_state(
    for_confirmation: np.ndarray,
    confirmed_by: np.ndarray,
    in_scope: np.ndarray,
    subject: np.ndarray,
    confirm_response: bool,
) -> np.ndarray:
    """``confirmation_state`` of each row (spec 0.9): only CR/PR need confirmation, when required.

    A response with no later in-scope assessment is ``pending``; a row that confirms an earlier one
    is ``confirms`` unless it is itself confirmed.
    """
    state = np.full(len(for_confirmation), STATE_NOT_REQUIRED, np.int8)
    if not confirm_response:
        return state
    response = np.isin(for_confirmation, [CR, PR]) & in_scope
    later_in_scope = pd.Series(in_scope[::-1]).groupby(subject[::-1]).cumsum().to_numpy()[::-1] - in_scope
    state[response] = np.where(later_in_scope[response] > 0, STATE_NOT_CONFIRMED, STATE_PENDING)
    state[confirmed_by[confirmed_by >= 0]] = STATE_CONFIRMS
    state[response & (confirmed_by >= 0)] = STATE_CONFIRMED
    return state


def _timepoint_flags(
    assessments: Assessments,
    components: dict[str, np.ndarray],
    overall: np.ndarray,
    for_confirmation: np.ndarray,
    subject_flags: SubjectFlags,
) -> np.ndarray:
    """Flags of each assessment (spec 1.2-1.8), ';'-joined."""
    named = [
        ("equivocal_new_lesion", components["equivocal_new"] & (overall != PD)),
        ("new_node_below_10mm", components["small_new_node"]),
        ("too_small_with_measurement", components["too_small_measured"]),
        ("split_node", components["split_node"]),
        ("cr_downgraded_to_pr", (overall == CR) & (for_confirmation == PR)),
    ]
    flags = np.full(assessments.n, "", dtype=object)
    for name, mask in named:
        join_flags(flags, mask, name)
    add_subject_flags(flags, subject_flags, assessments)
    return flags


def _timepoint_table(
    study: Study,
    assessments: Assessments,
    follow_up: np.ndarray,
    components: dict[str, np.ndarray],
    target_code: np.ndarray,
    overall: np.ndarray,
    target_rule: np.ndarray,
    overall_rule: np.ndarray,
    baseline_sum: np.ndarray,
    nadir: np.ndarray,
    state: np.ndarray,
    progression_day: np.ndarray,
    after_progression: np.ndarray,
    flags: np.ndarray,
    backdate_text: dict[int, str],
) -> pd.DataFrame:
    table = assessments.table
    rows = np.flatnonzero(follow_up)
    lesions = study.lesions
    reappeared = np.flatnonzero(
        components["seen_again"] & (overall_rule == O_REAPPEARED)[assessments.row_assessment]
    )  # the lesion rows named by a PD after CR (spec 1.8.1)
    seen_again = named_lesions(
        lesions, assessments.n, assessments.row_assessment[reappeared], reappeared, "seen again"
    )
    total = components["target_sum"]
    measured = components["target_measured"]  # some target has a value (a sum of nothing is not 0 mm)
    complete = components["target_complete"]
    has_targets = components["has_targets"]
    current = np.where(has_targets, np.where(complete, total, np.nan), np.nan)
    cr = follow_up & (target_rule == T_CR)
    node_cr = cr & (total > 0)  # nodes < 10 mm left: the CR reason names their short axes (spec 0.10)
    nodes = _node_short_axes(lesions, assessments, components["values"], components["target_node"], node_cr)
    reason_rule = np.where(measured | ~has_targets, target_rule, T_UNMEASURED)  # no targets: Table 2 only
    reason_rule[cr & ~node_cr] = T_CR_ALL_ABSENT
    backdated = np.zeros(assessments.n, np.int64)  # the back-dating sentence of each row (spec 1.8.2)
    backdated[list(backdate_text)] = np.arange(1, len(backdate_text) + 1)
    reasons = _reasons(
        reason_rule[rows],
        overall_rule[rows],
        {
            "total": mm(total[rows]),
            "nodes": text(nodes.take(rows)),
            "pd_threshold": mm((1 + PD_INCREASE) * nadir[rows]),  # 1.2 x nadir (spec 0.10, sec. 4.3.1)
            "missing": text(components["not_evaluable"][rows]),
            "baseline_missing": text(components["not_evaluable"].take(baseline_of(assessments)[rows])),
            "nt_missing": text(components["nt_missing"][rows]),
            **change_fields(total[rows], baseline_sum[rows], nadir[rows]),
            "backdated": text(labelled(("", *backdate_text.values()), backdated[rows])),
            "seen_again": text(seen_again.take(rows)),
            "note": text(table["note"].array.take(rows)),
        },
        study.missing_components,
    )
    new_labels = NEW_LABELS + ("",) * 4 + ("not_given",)
    columns = {
        **assessments.identity(rows),
        "criterion": repeated(KEY, len(rows)),
        **sum_columns(current, baseline_sum, nadir, rows),
        "sum_unit": repeated("mm", len(rows)),
        "sum_complete": complete[rows],
        "target_sum": np.where(has_targets & measured, total, np.nan)[rows],
        "new_lesion_sum": np.full(len(rows), np.nan),
        "target_response": labelled(LABELS, target_code[rows]),
        "non_target_response": labelled(LABELS, components["non_target"][rows]),
        "new_lesion_response": labelled(new_labels, components["new"][rows]),
        "overall_response": labelled(LABELS, overall[rows]),
        "confirmation_state": labelled(CONFIRMATION_STATES, state[rows]),
        "progression_day": np.where(progression_day[rows] >= 0, progression_day[rows], np.nan),
        "after_progression": after_progression[rows],
        "flags": flags[rows],
        "reason": reasons,
    }
    return timepoint_frame(columns, len(rows))


def _node_short_axes(
    lesions: pd.DataFrame,
    assessments: Assessments,
    values: np.ndarray,
    target_node: np.ndarray,
    wanted: np.ndarray,
) -> pa.Array:
    """Per assessment in ``wanted``, its target nodes' short axes in lesion order, "9, 7" (spec 0.10
    target-CR template), the fragments of a split node summed (A11); "" elsewhere."""
    rows = np.flatnonzero(target_node & wanted[assessments.row_assessment])
    where = assessments.row_assessment[rows]
    first, _ = lesion_starts(lesions, assessments, rows)
    short_axes = fragment_totals(values[rows], first) if len(first) else np.zeros(0)
    items = sentences([(every_row(len(first)), {0: "{short_axis}"})], {"short_axis": mm(short_axes)})
    offsets = np.concatenate(([0], np.cumsum(np.bincount(where[first], minlength=assessments.n))))
    return pc.binary_join(pa.LargeListArray.from_arrays(offsets, items), pa.scalar(", ", pa.large_string()))


BASELINE_INCOMPLETE = "({baseline_missing} at baseline, kept by on_baseline_violation=warn)"
"""Why a baseline target sum is incomplete, in the reasons of the project's rule (:func:`target_response`)."""

TARGET_REASONS = {
    T_MISSING_PD: "{missing}; measured targets already sum {total} mm >= {pd_threshold} mm (1.2 x nadir "
    "{nadir}) and {abs_nadir} mm ({rel_nadir} vs nadir, >=20% and >=5 mm): target PD (RECIST 1.1 sec. 4.4.2)",
    T_MISSING_NE: "{missing}; measured targets sum {total} mm, short of PD (>= {pd_threshold} mm = 1.2 x "
    "nadir {nadir}, and +5 mm), cannot decide: target NE (RECIST 1.1 sec. 4.4.2)",
    T_UNMEASURED: "{missing}, no target measured: target NE (RECIST 1.1 sec. 4.4.2)",
    T_CR: "non-nodal targets absent and target nodes {nodes} mm (<10 mm) with sum {total} mm: target CR "
    "(RECIST 1.1 sec. 4.3.2)",
    T_CR_ALL_ABSENT: "all target lesions absent (sum {total} mm): target CR (RECIST 1.1 sec. 4.3.2)",
    T_PD: "target sum {total} mm is {vs_nadir} (>=20% and >=5 mm): target PD (RECIST 1.1 sec. 4.3.1)",
    T_PR: "target sum {total} mm is {vs_baseline} (<=-30%): target PR (RECIST 1.1 sec. 4.3.1)",
    T_PR_BASELINE_PART: "target sum {total} mm is {rel_base} vs {base} mm, the known part of the baseline "
    f"target sum {BASELINE_INCOMPLETE}, so at least that far below the true baseline (<=-30%): target PR "
    "(RECIST 1.1 sec. 4.3.1)",
    T_BASELINE_NE: "target sum {total} mm is {rel_base} vs {base} mm, the known part of the baseline target "
    f"sum {BASELINE_INCOMPLETE}, and {{vs_nadir}}: the known part proves neither PR (<=-30% vs the true "
    "baseline) nor PD (>=20% and >=5 mm vs the true nadir): target NE (RECIST 1.1 sec. 3.1, 4.3.1)",
    T_BASELINE_MISSING_NE: "{missing}; measured targets sum {total} mm, {vs_nadir}, but that nadir is the "
    f"known part of the baseline target sum {BASELINE_INCOMPLETE}: the true nadir may be larger, PD is not "
    "proven: target NE (RECIST 1.1 sec. 3.1, 4.4.2)",
    T_SD_UNDER_5MM: "target sum {total} mm is {rel_nadir} but only {abs_nadir} mm vs nadir {nadir} mm "
    "(<5 mm): not PD; {vs_baseline}: target SD (RECIST 1.1 sec. 4.3.1)",
    T_SD: "target sum {total} mm is {vs_baseline} (not <=-30%) and {vs_nadir} (not PD): target SD "
    "(RECIST 1.1 sec. 4.3.1)",
}
"""Target-response sentences (spec 0.10); placeholders are filled column-wise by :func:`_reasons`."""


def _reasons(
    target_rule: np.ndarray,
    overall_rule: np.ndarray,
    fields: dict[str, Field],
    missing_components: frozenset[str],
) -> ExtensionArray:
    """The sentence of spec 0.10 for every timepoint: numbers, rule, section."""
    n = len(target_rule)
    fragments = change_fragments("mm")
    target_texts = {rule: expand(template, fragments) for rule, template in TARGET_REASONS.items()}
    absent_text = absent_components_text(missing_components, "target-only assessment")
    parts = [
        (target_rule, target_texts),
        (every_row(n), {0: "{nt_missing}"}),  # spec 0.2: the non-target lesions not evaluable, named
        (overall_rule, {**OVERALL_RULES, O_BACKDATED: "{backdated}"}),
        (every_row(n), {0: absent_text}),
        (every_row(n), {0: "{note}"}),
    ]
    return reason_text(parts, fields)


def _best_response_table(
    assessments: Assessments,
    best: np.ndarray,
    day: np.ndarray,
    progression: np.ndarray,
    last_evaluable: np.ndarray,
    baseline_sum: np.ndarray,
    measurable_subjects: np.ndarray,
    confirm_response: bool,
) -> pd.DataFrame:
    """One row per subject from the shared best-response kernel (spec 1.7; Table 3 of the paper), with its
    baseline sum (``baseline_sum`` per assessment) and measurability (:func:`best_response_frame`)."""
    table = assessments.table
    first = assessments.subject_offsets[:-1]

    def day_of(column: int) -> np.ndarray:
        rows = best[:, column]
        return np.where(rows >= 0, day[np.maximum(rows, 0)], np.nan)

    best_day, confirmed_best_day = day_of(1), day_of(3)
    first_response = day_of(5) if confirm_response else day_of(4)
    pfs_event = ~np.isnan(progression)
    duration = np.where(
        np.isnan(first_response), np.nan, np.where(pfs_event, progression, last_evaluable) - first_response
    )
    best_label, confirmed_label = labelled(LABELS, best[:, 0]), labelled(LABELS, best[:, 2])
    reasons = best_reasons(
        {
            "best": best_label,
            "confirmed": confirmed_label,
            "best_day": best_day,
            "confirmed_day": confirmed_best_day,
            "progression": progression,
            "pending": np.full(len(first), np.nan),
            "ignored": pre_baseline_text(assessments),
        },
        lead="best response",
        pd_label="PD",
        progression_text="progression day",
        source="RECIST 1.1 sec. 4.4.3, 4.6, Table 3",
    )
    columns = {
        PATIENT: table[PATIENT].array.take(first),
        READER: table[READER].array.take(first),
        "criterion": repeated(KEY, len(first)),
        "best_response": best_label,
        "best_response_confirmed": confirmed_label,
        **best_response_days(best_day, confirmed_best_day, confirm_response),
        "first_response_day": first_response,
        "progression_day": progression,
        "duration_of_response_days": duration,
        "pfs_event": pfs_event,
        "pfs_day": np.where(pfs_event, progression, last_evaluable),
        "reason": reasons,
    }
    return best_response_frame(columns, baseline_sum, assessments.subject_offsets, measurable_subjects)


CRITERION = Criterion(
    key=KEY,
    title="RECIST 1.1 (Eisenhauer 2009)",
    family="anatomic",
    required_columns=(PATIENT, DAY, LESION, ROLE, ORGAN, LYMPH_NODE, STATUS),
    assess=assess,
)
