"""irRECIST: immune-related RECIST, unidimensional total measured tumour burden (TMTB).

Sources: Nishino M, Giobbie-Hurder A, Gargano M, et al. Developing a common language for tumor
response to immunotherapy: immune-related response criteria using unidimensional measurements.
Clin Cancer Res 2013;19(14):3936-3943, doi:10.1158/1078-0432.CCR-13-0895; Bohnsack O, Hoos A,
Ludajic K. Adaptation of the immune related response criteria: irRECIST. Ann Oncol 2014;25(suppl 4),
ESMO abstract 1070P (content from the secondary descriptions cited in the spec).
Rules as in spec/anatomic.md section 3; the default is the RECIST-aligned (Bohnsack) form, options
C1-C7 of section 3.11 reproduce the Nishino 2013 form.

The unidimensional burden kernel here is shared with imRECIST (same burden, other PD sources).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ioresponse.criteria import Criterion, CriterionResult, Study
from ioresponse.criteria._anatomic import (
    CONFIRM_MIN_DAYS,
    CR,
    MAX_BASELINE_GAP_DAYS,
    NON_CR_NON_PD,
    PD,
    PR,
    RECIST_MEASURABILITY,
    SD,
    STATE_PENDING,
    Assessments,
    SubjectFlags,
    add_baseline_flags,
    add_subject_flags,
    any_per_assessment,
    baseline_count,
    build_assessments,
    first_fragments,
    incomplete_burden_text,
    join_flags,
    labelled,
    lesion_codes,
    lesion_values,
    mark_components_not_given,
    measurable,
    measurable_lesion,
    new_lesion_not_evaluated,
    non_target_codes,
    normal_node,
    organ_codes,
    over_caps,
    recist_target_counts,
    report_baseline_violation,
    roles,
    size_column,
    small_new_nodes,
    some_measured,
    split_nodes,
    statuses,
    sum_per_assessment,
    too_small_measured,
    unidimensional_values,
    unmeasured_baseline_message,
    unmeasured_baseline_targets,
)
from ioresponse.criteria._immune import (
    B_BASELINE_INCOMPLETE_NE,
    B_BASELINE_NE,
    B_CR,
    B_INCOMPLETE_NE,
    B_INCOMPLETE_PD,
    B_NEW_PD,
    B_NO_TARGETS,
    B_NOTHING,
    B_NT_ONLY_CR,
    B_NT_ONLY_NE,
    B_NT_ONLY_NON_CR,
    B_NT_PD,
    B_PD,
    B_PR,
    B_PR_BASELINE_PART,
    B_PR_GONE_NEW,
    B_PR_GONE_NT,
    B_SD,
    B_SD_UNDER_ABS,
    BurdenRules,
    BurdenWording,
    NewLesionEntry,
    UnconfirmedPd,
    burden_best_table,
    burden_timepoint_table,
    cap_groups,
    confirm_burden_progression,
    count_new_lesions,
    equivocal_rows,
    ranked_scope,
    response_states,
    run_burden_kernel,
    shows_disease,
)
from ioresponse.criteria.recist11 import BASELINE_INCOMPLETE
from ioresponse.schema import (
    DAY,
    LESION,
    LYMPH_NODE,
    ORGAN,
    PATIENT,
    ROLE,
    STATUS,
    InputError,
    OnBaselineViolation,
    Role,
    Status,
)

KEY = "irrecist"

PR_DECREASE = 0.30
"""irPR: TMTB at least 30 % below the baseline sum (Nishino 2013; RECIST 1.1 sec. 4.3.1)."""

PD_INCREASE = 0.20
"""irPD: TMTB at least 20 % above its nadir (Nishino 2013; Bohnsack 2014)..."""

PD_ABSOLUTE_MM = 5.0
"""...and at least 5 mm above it (Bohnsack 2014 as described by J Thorac Dis 2018; spec 3.11 C2)."""

MAX_TARGETS = 5
"""At most 5 target lesions in total (RECIST 1.1 sec. 4.2; spec 3.3)."""

MAX_TARGETS_PER_ORGAN = 2
"""At most 2 target lesions per organ (RECIST 1.1 sec. 4.2; spec 3.3)."""

MAX_NEW_MEASURABLE = 5
"""At most 5 new measurable lesions counted in the TMTB (RECIST target counts; spec 3.11 C3)."""

MAX_NEW_MEASURABLE_PER_ORGAN = 2
"""At most 2 counted new measurable lesions per organ (spec 3.11 C3)."""

IRRC_PER_ORGAN, IRRC_VISCERAL, IRRC_CUTANEOUS = 5, 10, 5
"""irRC target counts used by Nishino 2013 (``target_caps="irrc"``; spec 3.3)."""

MIN_SD_DAYS = 42
"""Minimum time for irSD to count as best response (spec 3.7)."""

LABELS = ("irCR", "irPR", "irSD", "irNON-CR/NON-PD", "irPD", "NE", "none", "not_given", "")
"""Label of each response code (spec 0.9, key irrecist)."""

TargetCaps = Literal["recist11", "irrc"]
"""spec 3.3 / 3.11 C1: RECIST 1.1 target counts, or the irRC counts of Nishino 2013."""


@dataclass(frozen=True)
class Wording:
    """Labels and sources a unidimensional burden criterion writes into its reasons."""

    key: str
    labels: tuple[str, ...]
    burden_name: str
    source: str
    pd_source: str
    confirmation_source: str


WORDING = Wording(
    KEY, LABELS, "TMTB", "irRECIST, spec 3.6", "irRECIST, Nishino 2013 / Bohnsack 2014", "irRECIST, spec 3.7"
)


def assess(
    study: Study,
    *,
    target_caps: TargetCaps = "recist11",
    max_new_measurable: int = MAX_NEW_MEASURABLE,
    max_new_measurable_per_organ: int = MAX_NEW_MEASURABLE_PER_ORGAN,
    pd_absolute_mm: float = PD_ABSOLUTE_MM,
    nontarget_can_define_pd: bool = True,
    new_nonmeasurable_can_define_pd: bool = True,
    confirm_response: bool = False,
    confirm_min_days: int = CONFIRM_MIN_DAYS,
    max_ne_between: int = 1,
    confirm_max_days: int | None = None,
    unconfirmed_pd_as: UnconfirmedPd = "pd",
    min_sd_days: int = MIN_SD_DAYS,
    new_lesion_entry: NewLesionEntry = "when_measurable",
    on_baseline_violation: OnBaselineViolation = "error",
    max_baseline_gap_days: int = MAX_BASELINE_GAP_DAYS,
    on_old_baseline: OnBaselineViolation = "warn",
) -> CriterionResult:
    """irRECIST timepoint responses and best overall response of every patient (x reader).

    Parameters
    ----------
    study : Study
        Validated lesion table (``perpendicular_mm`` is ignored).
    target_caps : {"recist11", "irrc"}, default "recist11"
        Target counts at baseline: 5 total / 2 per organ, or 5 per organ / 10 visceral / 5 cutaneous
        (Nishino 2013; spec 3.3, C1).
    max_new_measurable, max_new_measurable_per_organ : int, default 5, 2
        Caps of the new measurable lesions counted in the TMTB (C3).
    pd_absolute_mm : float, default 5.0
        Absolute TMTB increase over the nadir also required for irPD (C2; Nishino form 0).
    nontarget_can_define_pd : bool, default True
        Unequivocal non-target progression is irPD (C4; Nishino form False).
    new_nonmeasurable_can_define_pd : bool, default True
        A new non-measurable lesion with ``status = unequivocal_progression`` is irPD (C4).
    confirm_response : bool, default False
        Confirmed irCR/irPR drive the dates (spec 3.7; Nishino form True).
    confirm_min_days, max_ne_between : int, default 28, 1
        Confirmation interval and NE assessments allowed in between (spec 0.7, 0.8).
    confirm_max_days : int or None, default None
        A later deciding assessment still decides, with the flag ``late_confirmation`` (C5).
    unconfirmed_pd_as : {"pd", "ne"}, default "pd"
        Best response of an irPD still pending at the end of data (spec 3.7); it is no progression date
        (PFS, duration of response) either way: only a confirmed irPD is (patterns.md 7.3, 7.4).
    min_sd_days : int, default 42
        irSD and irNON-CR/NON-PD count for best response only at ``day >= min_sd_days``.
    new_lesion_entry : {"when_measurable", "first_appearance_only"}, default "when_measurable"
        When a new lesion enters the TMTB (C7).
    on_baseline_violation : {"error", "warn"}, default "error"
        A target below the RECIST 1.1 size rule, beyond the counts, or not present at baseline (as RECIST
        1.1 A1); a kept one not measured leaves the baseline sum known in part
        (``_immune.burden_timepoints``).
    max_baseline_gap_days, on_old_baseline : int, {"warn", "error"}, default 28, "warn"
        Baseline older than this before day 0: flag ``baseline_older_than_28_days``, or refuse (spec 0.2).

    Returns
    -------
    CriterionResult
        Timepoints (spec 0.9; ``current_sum`` is the TMTB) and best responses.

    Notes
    -----
    1. Baseline sum B as RECIST 1.1 (spec 3.3).
    2. TMTB(t) = baseline target values + values of the counted new measurable lesions (spec 3.4).
    3. Category: incomplete (irPD if the known part is irPD, else NE), gone, irPD (>= +20 % and
       >= +5 mm vs the nadir), irPR (<= -30 % vs B), irSD; non-target and new non-measurable
       unequivocal progression are irPD by default (spec 3.5, 3.6).
    4. irPD is confirmed when any irPD condition holds again >= 28 days later (spec 3.7, 0.8).
    5. Best response up to the confirmed progression, skipping not-confirmed irPD (spec 3.7).
    """
    if target_caps == "irrc":
        per_organ, group_caps = IRRC_PER_ORGAN, {"visceral": IRRC_VISCERAL, "cutaneous": IRRC_CUTANEOUS}
    else:
        per_organ, group_caps = MAX_TARGETS_PER_ORGAN, {"all": MAX_TARGETS}
    rules = BurdenRules(
        PR_DECREASE,
        PD_INCREASE,
        pd_absolute_mm,
        gone_before_pd=True,
        nontarget_can_define_pd=nontarget_can_define_pd,
        new_nonmeasurable_can_define_pd=new_nonmeasurable_can_define_pd,
        needs_targets=False,
    )
    return assess_unidimensional_burden(
        study,
        WORDING,
        rules,
        target_per_organ=per_organ,
        target_group_caps=group_caps,
        max_new_measurable=max_new_measurable,
        max_new_measurable_per_organ=max_new_measurable_per_organ,
        confirm_response=confirm_response,
        confirm_min_days=confirm_min_days,
        max_ne_between=max_ne_between,
        confirm_max_days=confirm_max_days,
        unconfirmed_pd_as=unconfirmed_pd_as,
        min_sd_days=min_sd_days,
        new_lesion_entry=new_lesion_entry,
        on_baseline_violation=on_baseline_violation,
        max_baseline_gap_days=max_baseline_gap_days,
        on_old_baseline=on_old_baseline,
        until_progression=True,
        pending_pd_is_event=False,  # spec 3.7, patterns.md 7.4
    )


def assess_unidimensional_burden(
    study: Study,
    wording: Wording,
    rules: BurdenRules,
    *,
    target_per_organ: int,
    target_group_caps: dict[str, int],
    max_new_measurable: int,
    max_new_measurable_per_organ: int,
    confirm_response: bool,
    confirm_min_days: int,
    max_ne_between: int,
    confirm_max_days: int | None,
    unconfirmed_pd_as: UnconfirmedPd,
    min_sd_days: int,
    new_lesion_entry: NewLesionEntry,
    on_baseline_violation: OnBaselineViolation,
    max_baseline_gap_days: int,
    on_old_baseline: OnBaselineViolation,
    until_progression: bool,
    pending_pd_is_event: bool,
) -> CriterionResult:
    """Targets plus counted new measurable lesions, RECIST 1.1 measures (irRECIST spec 3, imRECIST spec 5)."""
    lesions = study.lesions
    if lesions is None:
        raise InputError(study.source, [], None, f"{wording.key} needs an anatomic lesion table")
    assessments = build_assessments(lesions, study.source)
    table = assessments.table
    status = statuses(lesions)
    shows = shows_disease(status)
    role = roles(lesions)
    node = lesions[LYMPH_NODE].to_numpy(bool)
    ids = lesion_codes(lesions)
    in_use = assessments.in_use
    subject_flags, measurable_subjects = check_targets(
        lesions,
        assessments,
        study.source,
        target_per_organ,
        target_group_caps,
        on_baseline_violation,
        wording.key,
        stacklevel=2,
        max_baseline_gap_days=max_baseline_gap_days,
        on_old_baseline=on_old_baseline,
    )
    values = unidimensional_values(lesions)
    gone = np.where(node, normal_node(lesions, assessments), status == Status.ABSENT)

    target = in_use & (role == Role.TARGET)
    target_sums = sum_per_assessment(values, target, ids, assessments)
    expected_targets = baseline_count(target_sums.count, assessments)
    target_complete = target_sums.complete & (target_sums.count >= expected_targets)

    equivocal = equivocal_rows(lesions)
    new_rows = in_use & (role == Role.NEW)
    small_node = small_new_nodes(lesions, assessments, new_rows, shows)  # 0.4, 1.5
    counted, expected_new = count_new_lesions(
        lesions,
        assessments,
        new_rows & measurable_lesion(lesions, assessments) & ~equivocal,  # a split lesion summed (0.4)
        values,
        entry=new_lesion_entry,
        max_per_organ=max_new_measurable_per_organ,
        group_caps={"all": max_new_measurable},
        group=None,
    )
    new_sums = sum_per_assessment(values, counted, ids, assessments, expected=expected_new)
    burden = target_sums.total + new_sums.total.astype(float)
    uncounted = new_rows & ~counted & ~small_node & ~equivocal
    # spec 0.4, 3.4, 5.4: a present new lesion without its measurement may be measurable, so the burden is
    # incomplete (irPD / PD if the known part is, else NE), as with a counted lesion not measured
    unmeasured_new = uncounted & (status == Status.PRESENT) & np.isnan(lesion_values(lesions, assessments))
    complete = target_complete & new_sums.complete & ~any_per_assessment(unmeasured_new, assessments)
    all_gone = ~any_per_assessment((target | counted) & ~gone, assessments)
    non_target, nt_progressed = non_target_codes(lesions, assessments, gone, rules.nontarget_can_define_pd)
    # spec 3.6 row 5 / 5.6 row 3: a complete response needs no new lesion present; one not evaluated may be
    new_nonmeasurable = any_per_assessment(uncounted & shows, assessments) | new_lesion_not_evaluated(
        lesions, assessments, new_rows, small_node)
    new_nonmeasurable_pd = any_per_assessment(
        uncounted & (status == Status.UNEQUIVOCAL_PROGRESSION), assessments
    )

    overall, measured, rule, baseline_sum, nadir = run_burden_kernel(
        assessments,
        expected_targets > 0,
        target_sums.total,
        burden,
        complete,
        all_gone,
        non_target,
        new_nonmeasurable,
        new_nonmeasurable_pd,
        rules,
    )
    follow_up = ~table["is_baseline"].to_numpy() & ~table["is_pre_baseline"].to_numpy()
    progression = confirm_burden_progression(
        overall, follow_up, assessments, confirm_min_days, confirm_max_days
    )
    ranked, _ = ranked_scope(follow_up, progression, overall, unconfirmed_pd_as, until_progression)
    confirm_scope = follow_up & ~progression.after_progression if until_progression else follow_up
    best_table, for_confirmation, confirmed_by = burden_best_table(
        wording.key,
        wording.labels,
        assessments,
        overall,
        ranked,
        confirm_scope,
        progression,
        baseline_sum,
        measurable_subjects,
        confirm_response=confirm_response,
        confirm_min_days=confirm_min_days,
        max_ne_between=max_ne_between,
        min_sd_days=min_sd_days,
        unconfirmed_pd_as=unconfirmed_pd_as,
        pending_pd_is_event=pending_pd_is_event,
        source_text=wording.confirmation_source,
    )
    flags = np.full(assessments.n, "", dtype=object)
    join_flags(flags, progression.late, "late_confirmation")
    join_flags(flags, (progression.state == STATE_PENDING) & (unconfirmed_pd_as == "pd"), "pd_unconfirmed")
    join_flags(flags, any_per_assessment(small_node, assessments), "new_node_below_10mm")
    join_flags(
        flags,
        any_per_assessment(new_rows & shows & equivocal, assessments),
        "equivocal_new_lesion",
    )
    if not rules.nontarget_can_define_pd:
        join_flags(flags, nt_progressed & follow_up, "nt_progression_not_pd")
    join_flags(flags, (overall == CR) & (for_confirmation == PR), "cr_downgraded_to_pr")
    join_flags(flags, too_small_measured(lesions, assessments), "too_small_with_measurement")
    join_flags(flags, split_nodes(target & node, ids, assessments), "split_node")  # as RECIST 1.1 (3.4, A11)
    add_subject_flags(flags, subject_flags, assessments)
    subject = table["subject"].to_numpy()
    state = response_states(
        progression.state, for_confirmation, confirmed_by, confirm_scope, subject, confirm_response
    )
    remarks = None
    if not rules.nontarget_can_define_pd:
        remark = (
            f"unequivocal non-target progression does not define {wording.labels[PD]} ({wording.pd_source})"
        )
        remarks = labelled(("", remark), (nt_progressed & follow_up).astype(np.int8))
    timepoints = burden_timepoint_table(
        wording.key,
        wording.labels,
        "mm",
        study,
        assessments,
        follow_up,
        target_sums.total,
        some_measured(values, target, assessments),
        expected_targets > 0,
        new_sums.total,
        burden,
        complete,
        incomplete_burden_text(lesions, assessments, target, values, ~complete, unmeasured_new),
        baseline_sum,
        nadir,
        measured,
        non_target,
        any_per_assessment(new_rows & shows & ~equivocal & ~small_node, assessments),
        overall,
        state,
        progression,
        flags,
        BurdenWording(
            rule, _templates(wording, rules), wording.confirmation_source, confirm_min_days, remarks
        ),
    )
    return CriterionResult(mark_components_not_given(timepoints, study.missing_components), best_table)


def check_targets(
    lesions: pd.DataFrame,
    assessments: Assessments,
    source: str,
    per_organ: int,
    group_caps: dict[str, int],
    on_violation: OnBaselineViolation,
    key: str,
    stacklevel: int,
    *,
    max_baseline_gap_days: int,
    on_old_baseline: OnBaselineViolation,
) -> tuple[SubjectFlags, np.ndarray]:
    """RECIST 1.1 measurability (spec 0.6) and target counts (spec 3.3) at baseline, and the checks shared
    by the five criteria (spec 0.2, 1.2); flags per subject, and the subjects with measurable disease (a
    target present and measurable at baseline, RECIST 1.1 sec. 3.1).

    A warning names the frame ``stacklevel`` above the caller (the criterion's ``assess``)."""
    at_baseline = assessments.table["is_baseline"].to_numpy()[assessments.row_assessment]
    status = statuses(lesions)
    target = at_baseline & (roles(lesions) == Role.TARGET)
    subject = assessments.subject_of_rows()
    rows = lesions["source_row"].to_numpy()
    group = None if "all" in group_caps else cap_groups(lesions)
    lesion = first_fragments(lesions, assessments)  # counts are of lesions, not fragments (spec 0.4)
    over = over_caps(target & lesion, subject, organ_codes(lesions), per_organ, group, group_caps)
    measured = target & (status == Status.PRESENT)
    sized = measurable(lesions)
    small = measured & ~sized
    if "all" in group_caps:
        counts = recist_target_counts(group_caps["all"], per_organ)
    else:
        counts = (
            f"more than {per_organ} targets per organ, {group_caps['visceral']} visceral or "
            f"{group_caps['cutaneous']} cutaneous (irRC counts of Nishino 2013; spec 3.3)"
        )
    flags: SubjectFlags = {}
    size = size_column(lesions[LYMPH_NODE].to_numpy(bool)[small])
    unmeasured = unmeasured_baseline_targets(lesions, assessments)
    problems = (
        (unmeasured, unmeasured_baseline_message(), STATUS),
        (small, RECIST_MEASURABILITY, size),
        (over, counts, ROLE),
    )
    for violated, message, column in problems:
        report_baseline_violation(
            violated,
            message,
            criterion=key,
            column=column,
            flag="baseline_target_rule_violated",
            subject=subject,
            rows=rows,
            assessments=assessments,
            source=source,
            on_violation=on_violation,
            flags=flags,
            stacklevel=stacklevel + 1,
        )
    add_baseline_flags(
        flags,
        lesions,
        assessments,
        source,
        max_baseline_gap_days=max_baseline_gap_days,
        on_old_baseline=on_old_baseline,
    )
    return flags, np.unique(subject[measured & sized])


def _templates(wording: Wording, rules: BurdenRules) -> dict[int, str]:
    """Reason templates per burden rule (spec 0.10); placeholders are filled column-wise."""
    lab = wording.labels
    name = wording.burden_name
    pct_pd, pct_pr = f">={rules.pd_increase:.0%}", f"<=-{rules.pr_decrease:.0%}"
    absolute = f" and >={rules.pd_absolute:g} mm" if rules.pd_absolute > 0 else ""
    measured = f"{name} {{total}} mm{{parts}}"
    return {
        B_PD: f"{measured} is {{vs_nadir}} ({pct_pd}{absolute}): {lab[PD]} ({wording.pd_source})",
        B_INCOMPLETE_PD: f"{name} incomplete ({{missing}}); the measured lesions already sum {{total}} mm, "
        f"{{vs_nadir}} ({pct_pd}{absolute}): {lab[PD]} ({wording.pd_source})",
        B_INCOMPLETE_NE: f"{name} incomplete ({{missing}}), the known part is not {lab[PD]}: NE "
        f"({wording.source})",
        B_NT_PD: f"{measured}; unequivocal non-target progression: {lab[PD]} ({wording.source})",
        B_NEW_PD: f"{measured}; unequivocal progression of new non-measurable disease: {lab[PD]} "
        f"({wording.source})",
        B_CR: f"{measured}; all target and counted new lesions gone (nodes < 10 mm), non-target absent, "
        f"no new lesion: {lab[CR]} ({wording.source})",
        B_PR_GONE_NT: f"{measured}; all target and counted new lesions gone, non-target present or not "
        f"evaluated: {lab[PR]} ({wording.source})",
        B_PR_GONE_NEW: f"{measured}; all target and counted new lesions gone but a new non-measurable lesion "
        f"is present or not evaluated: {lab[PR]} ({wording.source})",
        B_PR: f"{measured} is {{vs_baseline}} ({pct_pr}): {lab[PR]} ({wording.pd_source})",
        B_SD_UNDER_ABS: f"{measured} is {{vs_nadir}} (under {rules.pd_absolute:g} mm): not {lab[PD]}; "
        f"{{vs_baseline}}: {lab[SD]} ({wording.pd_source})",
        B_SD: f"{measured} is {{vs_baseline}} (not {pct_pr}) and {{vs_nadir}} (not {lab[PD]}): {lab[SD]} "
        f"({wording.pd_source})",
        B_NT_ONLY_NE: f"no target lesions; non-target not all evaluated: NE ({wording.source})",
        B_NT_ONLY_CR: f"no target lesions; non-target and new lesions absent: {lab[CR]} ({wording.source})",
        B_NT_ONLY_NON_CR: f"no target lesions; disease present, no progression: {lab[NON_CR_NON_PD]} "
        f"({wording.source})",
        B_NOTHING: f"no target or non-target lesion at baseline: NE ({wording.source})",
        B_NO_TARGETS: f"no target lesion at baseline: NE ({wording.source})",
        B_PR_BASELINE_PART: f"{measured} is {{rel_base}} vs {{base}} mm, the known part of the baseline sum "
        f"{BASELINE_INCOMPLETE}, so at least that far below the true baseline ({pct_pr}): {lab[PR]} "
        f"({wording.pd_source})",
        B_BASELINE_NE: f"{measured} is {{rel_base}} vs {{base}} mm, the known part of the baseline sum "
        f"{BASELINE_INCOMPLETE}, and {{vs_nadir}}: the known part proves neither {lab[PR]} ({pct_pr} vs the "
        f"true baseline) nor {lab[PD]} ({pct_pd}{absolute} vs the true nadir): NE ({wording.pd_source})",
        B_BASELINE_INCOMPLETE_NE: f"{name} incomplete ({{missing}}); the measured lesions sum {{total}} mm, "
        f"{{vs_nadir}}, but that nadir is the known part of the baseline sum {BASELINE_INCOMPLETE}: the true "
        f"nadir may be larger, {lab[PD]} is not proven: NE ({wording.source})",
    }


CRITERION = Criterion(
    key=KEY,
    title="irRECIST (Nishino 2013; Bohnsack 2014)",
    family="anatomic",
    required_columns=(PATIENT, DAY, LESION, ROLE, ORGAN, LYMPH_NODE, STATUS),
    assess=assess,
)
