"""irRC: immune-related response criteria (bidimensional tumour burden).

Source: Wolchok JD, Hoos A, O'Day S, et al. Guidelines for the evaluation of immune therapy activity
in solid tumors: immune-related response criteria. Clin Cancer Res 2009;15(23):7412-7420,
doi:10.1158/1078-0432.CCR-09-1624 (Table 1: WHO versus irRC; Table 2: overall response).
Rules as in spec/anatomic.md section 2; options are the choices of section 2.11 (B1-B9).

The tumour burden of irRC (index lesions plus new measurable lesions, confirmed progression) is the
model of irRECIST and imRECIST, which keep its shape with unidimensional measures; the machinery the
three share is in ``_immune``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ioresponse.criteria import Criterion, CriterionResult, Study, check_confirmation_window
from ioresponse.criteria._anatomic import (
    CONFIRM_MIN_DAYS,
    CR,
    MAX_BASELINE_GAP_DAYS,
    PR,
    STATE_PENDING,
    Assessments,
    SubjectFlags,
    add_baseline_flags,
    add_subject_flags,
    any_per_assessment,
    baseline_count,
    bidimensional_products,
    build_assessments,
    first_fragments,
    incomplete_burden_text,
    join_flags,
    lesion_codes,
    mark_components_not_given,
    new_lesion_not_evaluated,
    non_target_codes,
    normal_node,
    organ_codes,
    over_caps,
    report_baseline_violation,
    roles,
    small_new_nodes,
    some_measured,
    statuses,
    sum_per_assessment,
    too_small_measured,
    unmeasured_baseline_message,
    unmeasured_baseline_targets,
)
from ioresponse.criteria._immune import (
    B_BASELINE_INCOMPLETE_NE,
    B_BASELINE_NE,
    B_CR,
    B_INCOMPLETE_NE,
    B_INCOMPLETE_PD,
    B_NO_TARGETS,
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
from ioresponse.schema import (
    DAY,
    LESION,
    LONG_AXIS,
    LYMPH_NODE,
    ORGAN,
    PATIENT,
    PERPENDICULAR,
    ROLE,
    SHORT_AXIS,
    STATUS,
    InputError,
    OnBaselineViolation,
    Role,
    Status,
)

KEY = "irrc"

PR_DECREASE = 0.50
"""irPR: tumour burden at least 50 % below the baseline burden (Wolchok 2009 Table 1)."""

PD_INCREASE = 0.25
"""irPD: tumour burden at least 25 % above the nadir (Wolchok 2009 Table 1)."""

PD_ABSOLUTE_MM2 = 0.0
"""irRC has no absolute minimum for irPD (spec 2.11 B9)."""

MIN_DIAMETER_MM = 5.0
"""A new lesion is measurable when both diameters are at least 5 mm ("5 x 5 mm", Table 1; spec B1)."""

TOO_SMALL_PRODUCT_MM2 = 25.0
"""Product of a lesion too small to measure, 5 x 5 mm by analogy with RECIST (spec 2.11 B3)."""

MAX_PER_ORGAN = 5
"""At most 5 index (and 5 counted new) lesions per organ (Wolchok 2009 text and Table 1)."""

MAX_VISCERAL = 10
"""At most 10 visceral index (and counted new) lesions (Wolchok 2009 text and Table 1)."""

MAX_CUTANEOUS = 5
"""At most 5 cutaneous index (and counted new) lesions (Wolchok 2009 text and Table 1)."""


MIN_SD_DAYS = 42
"""irRC states no minimum irSD duration; 42 days for comparability (spec 2.11 B7)."""

LABELS = ("irCR", "irPR", "irSD", "irNON-CR/NON-PD", "irPD", "NE", "none", "not_given", "")
"""Label of each response code (spec 0.9, key irrc); index = code of ``_anatomic``."""

NodeRules = Literal["recist11", "who"]
"""spec 2.11 B2: a node is gone when its short axis is < 10 mm ("recist11") or only when absent ("who")."""


MissingDiameter = Literal["error", "not_evaluable"]
"""A present index lesion without one of its two diameters: refuse, or read it as not evaluable."""


RULE_TEXT = {
    B_NO_TARGETS: "no index lesion at baseline: NE (irRC, Wolchok 2009; spec 2.3)",
    B_CR: "all index and new measurable lesions gone, non-index absent, no new non-measurable lesion: "
    "irCR (Wolchok 2009 Table 2)",
    B_PR_GONE_NT: "all measurable lesions gone but non-index disease present or not evaluated: irPR "
    "(Wolchok 2009 Table 2)",
    B_PR_GONE_NEW: "all measurable lesions gone but a new non-measurable lesion is present or not evaluated: "
    "irPR (Wolchok 2009 Table 2)",
}

BASELINE_INCOMPLETE = (
    "({baseline_missing} at baseline, kept by on_baseline_violation=warn or missing_diameter=not_evaluable)"
)
"""Why the baseline tumour burden is incomplete, in the reasons of the project's rule of
:func:`ioresponse.criteria._immune.burden_timepoints` (the spec is silent)."""

IRRC_TEMPLATES = {
    B_INCOMPLETE_NE: "tumour burden incomplete ({missing}); the measured lesions sum {total} mm2, {vs_nadir} "
    "(not >=25%, not irPD): NE (irRC, Wolchok 2009; spec 2.4)",
    B_PD: "tumour burden {total} mm2{parts} is {vs_nadir} (>=25%): irPD (irRC, Wolchok 2009 Table 1)",
    B_INCOMPLETE_PD: "tumour burden incomplete ({missing}); the measured lesions already sum {total} mm2, "
    "{vs_nadir} (>=25%): irPD (irRC, Wolchok 2009 Table 1; spec 2.4)",
    B_PR: "tumour burden {total} mm2{parts} is {vs_baseline} (<=-50%): irPR (irRC, Wolchok 2009 Table 1)",
    B_PR_BASELINE_PART: "tumour burden {total} mm2{parts} is {rel_base} vs {base} mm2, the known part of the "
    f"baseline tumour burden {BASELINE_INCOMPLETE}, so at least that far below the true baseline (<=-50%): "
    "irPR (irRC, Wolchok 2009 Table 1)",
    B_BASELINE_NE: "tumour burden {total} mm2{parts} is {rel_base} vs {base} mm2, the known part of the "
    f"baseline tumour burden {BASELINE_INCOMPLETE}, and {{vs_nadir}}: the known part proves neither irPR "
    "(<=-50% vs the true baseline) nor irPD (>=25% vs the true nadir): NE (irRC, Wolchok 2009 Table 1)",
    B_BASELINE_INCOMPLETE_NE: "tumour burden incomplete ({missing}); the measured lesions sum {total} mm2, "
    "{vs_nadir}, but that nadir is the known part of the baseline tumour burden "
    f"{BASELINE_INCOMPLETE}: the true nadir may be larger, irPD is not proven: NE (irRC, Wolchok 2009 "
    "Table 1; spec 2.4)",
    B_SD: "tumour burden {total} mm2{parts} is {vs_baseline} (not <=-50%) and {vs_nadir} (not >=25%): irSD "
    "(irRC, Wolchok 2009 Table 1)",
    B_SD_UNDER_ABS: "tumour burden {total} mm2{parts} is {vs_baseline} (not <=-50%) and {vs_nadir} (under "
    "the pd_absolute_mm2 minimum): irSD (irRC, Wolchok 2009 Table 1; spec 2.11 B9)",
    B_NO_TARGETS: RULE_TEXT[B_NO_TARGETS],
    **{
        rule: "tumour burden {total} mm2; " + text for rule, text in RULE_TEXT.items() if rule != B_NO_TARGETS
    },
}
"""irRC reason templates per burden rule (spec 0.10); placeholders are filled column-wise."""


def assess(
    study: Study,
    *,
    min_diameter_mm: float = MIN_DIAMETER_MM,
    min_diameter_inclusive: bool = True,
    baseline_min_diameter_mm: float = MIN_DIAMETER_MM,
    node_rules: NodeRules = "recist11",
    too_small_product_mm2: float = TOO_SMALL_PRODUCT_MM2,
    max_index_per_organ: int = MAX_PER_ORGAN,
    max_index_visceral: int = MAX_VISCERAL,
    max_index_cutaneous: int = MAX_CUTANEOUS,
    apply_new_lesion_caps: bool = True,
    new_lesion_entry: NewLesionEntry = "when_measurable",
    confirm_response: bool = True,
    confirm_min_days: int = CONFIRM_MIN_DAYS,
    max_ne_between: int = 1,
    confirm_max_days: int | None = None,
    unconfirmed_pd_as: UnconfirmedPd = "pd",
    min_sd_days: int = MIN_SD_DAYS,
    pd_absolute_mm2: float = PD_ABSOLUTE_MM2,
    apply_slice_rule: bool = False,
    on_baseline_violation: OnBaselineViolation = "error",
    max_baseline_gap_days: int = MAX_BASELINE_GAP_DAYS,
    on_old_baseline: OnBaselineViolation = "warn",
    missing_diameter: MissingDiameter = "error",
) -> CriterionResult:
    """irRC timepoint responses and best overall response of every patient (x reader).

    Parameters
    ----------
    study : Study
        Validated lesion table; ``perpendicular_mm`` (nodes: ``short_axis_mm``) for present index
        and new lesions.
    min_diameter_mm, min_diameter_inclusive : float, bool, default 5.0, True
        A new lesion is measurable when both diameters are >= (or >, B1) this.
    baseline_min_diameter_mm : float, default 5.0
        Same rule for index lesions at baseline (B1; trials often used 10).
    node_rules : {"recist11", "who"}, default "recist11"
        A node is gone for irCR when its short axis is < 10 mm, or only when absent (B2).
    too_small_product_mm2 : float, default 25.0
        Product of a lesion too small to measure (B3).
    max_index_per_organ, max_index_visceral, max_index_cutaneous : int, default 5, 10, 5
        Index lesion counts at baseline, and caps of counted new lesions (B4).
    apply_new_lesion_caps : bool, default True
        Lesions over the caps are new non-measurable (B4).
    new_lesion_entry : {"when_measurable", "first_appearance_only"}, default "when_measurable"
        When a new lesion enters the burden (B5).
    confirm_response : bool, default True
        irCR and irPR need a confirming assessment >= 4 weeks later (Table 1, B6); drives the dates.
    confirm_min_days, max_ne_between : int, default 28, 1
        Confirmation interval and NE assessments allowed in between (spec 0.7, 0.8).
    confirm_max_days : int or None, default None
        A later deciding assessment still decides, with the flag ``late_confirmation`` (spec 0.8); below
        ``confirm_min_days`` it is an InputError.
    unconfirmed_pd_as : {"pd", "ne"}, default "pd"
        Best response of an irPD still pending at the end of data (spec 2.7); it is no progression date
        (PFS, duration of response) either way: only a confirmed irPD is (patterns.md 7.3, 7.4).
    min_sd_days : int, default 42
        irSD counts for best response only at ``day >= min_sd_days`` (B7); 0 disables.
    pd_absolute_mm2 : float, default 0.0
        Absolute burden increase also required for irPD (B9).
    apply_slice_rule : bool, default False
        Each diameter must be >= twice a slice thicker than 5 mm (spec 2.2).
    on_baseline_violation : {"error", "warn"}, default "error"
        An index lesion below the size rule, beyond the counts, or not present at baseline (as RECIST 1.1
        A1); a kept one not measured leaves the baseline burden known in part (``_immune.burden_timepoints``).
    max_baseline_gap_days, on_old_baseline : int, {"warn", "error"}, default 28, "warn"
        Baseline older than this before day 0: flag ``baseline_older_than_28_days``, or refuse (spec 0.2).
    missing_diameter : {"error", "not_evaluable"}, default "error"
        A present index lesion without ``long_axis_mm`` or ``perpendicular_mm`` (spec 2.9): an
        InputError, or the lesion is read as not evaluable (flag ``missing_diameter``; a baseline
        burden with a missing product is known only in part: :func:`_immune.burden_timepoints`).

    Returns
    -------
    CriterionResult
        Timepoints (spec 0.9; ``sum_unit`` mm2) and best responses.

    Notes
    -----
    1. Baseline tumour burden TB0 = sum of the products of the index lesions (spec 2.3).
    2. TB(t) = index products + products of the counted new measurable lesions (spec 2.4).
    3. Burden category: incomplete (irPD if the known part is irPD, else NE), irPD (>= +25 % vs the
       nadir), gone, irPR (<= -50 % vs TB0), irSD; then Table 2 with non-index and new non-measurable
       lesions (spec 2.6).
    4. irPD is confirmed by a burden again >= +25 % over the nadir >= 28 days later (spec 2.7, 0.8).
    5. Best response up to the confirmed progression, skipping not-confirmed irPD (spec 2.7).
    """
    check_confirmation_window(confirm_min_days, confirm_max_days)  # spec 0.8
    lesions = _lesion_table(study)
    assessments = build_assessments(lesions, study.source)
    table = assessments.table
    status = statuses(lesions)
    shows = shows_disease(status)
    role = roles(lesions)
    node = lesions[LYMPH_NODE].to_numpy(bool)
    ids = lesion_codes(lesions)
    in_use = assessments.in_use
    perpendicular = _perpendicular(lesions)
    new_rows = in_use & (role == Role.NEW)
    small_node = small_new_nodes(lesions, assessments, new_rows, shows)  # a split node summed (0.4, 1.5)
    # spec 0.4, 1.5 (B2 "recist11"): a new node under 10 mm short axis is no lesion; given by its short axis
    # alone (README: short_axis_mm for new nodes) it is not measured either: ignored, no diameter asked
    unmeasured_node = small_node & np.isnan(lesions[LONG_AXIS].to_numpy(float)) & (node_rules == "recist11")
    missing = _missing_diameters(lesions, study.source, perpendicular, missing_diameter, unmeasured_node)
    subject_flags, measurable_subjects = _baseline_checks(
        lesions,
        assessments,
        study.source,
        perpendicular,
        baseline_min_diameter_mm,
        min_diameter_inclusive,
        apply_slice_rule,
        max_index_per_organ,
        max_index_visceral,
        max_index_cutaneous,
        on_baseline_violation,
        max_baseline_gap_days,
        on_old_baseline,
    )
    products = bidimensional_products(lesions, too_small_product_mm2)
    gone = np.where(node & (node_rules == "recist11"), normal_node(lesions, assessments),
                    status == Status.ABSENT)

    target = in_use & (role == Role.TARGET)
    target_sums = sum_per_assessment(products, target, ids, assessments)
    expected_targets = baseline_count(target_sums.count, assessments)
    target_complete = target_sums.complete & (target_sums.count >= expected_targets)

    equivocal = equivocal_rows(lesions)
    measurable_new = (
        (role == Role.NEW)
        & _bidimensional_measurable(
            lesions, perpendicular, _diameter_limits(lesions, min_diameter_mm, apply_slice_rule),
            min_diameter_inclusive,
        )
        & ~equivocal
    )
    group = cap_groups(lesions)
    counted, expected_new = count_new_lesions(
        lesions,
        assessments,
        measurable_new,
        products,
        entry=new_lesion_entry,
        max_per_organ=max_index_per_organ,
        group_caps={"visceral": max_index_visceral, "cutaneous": max_index_cutaneous},
        group=group,
        apply_caps=apply_new_lesion_caps,
        normal_nodes_are_no_lesion=node_rules == "recist11",
    )
    new_sums = sum_per_assessment(products, counted, ids, assessments, expected=expected_new)
    burden = target_sums.total + new_sums.total.astype(float)
    uncounted_new = new_rows & ~counted & shows & ~equivocal & ~unmeasured_node
    # spec 0.4, 2.9: a present new lesion without any diameter may be measurable (>= 5 x 5 mm), so the
    # burden is incomplete (irPD if the known part is, else NE, 2.4), as in irRECIST and imRECIST
    unmeasured_new = uncounted_new & (status == Status.PRESENT) & np.isnan(products)
    complete = target_complete & new_sums.complete & ~any_per_assessment(unmeasured_new, assessments)
    all_gone = ~any_per_assessment((target | counted) & ~gone, assessments)
    non_target, _ = non_target_codes(lesions, assessments, gone, progression_defines_pd=False)  # spec 2.5
    # spec 2.6 row 3: irCR needs every new non-measurable lesion absent; one not evaluated is not, so rows
    # 3-5 do not apply (a counted one makes the burden incomplete: row 1, NE)
    new_nonmeasurable = any_per_assessment(uncounted_new, assessments) | new_lesion_not_evaluated(
        lesions, assessments, new_rows, unmeasured_node)

    rules = BurdenRules(
        PR_DECREASE,
        PD_INCREASE,
        pd_absolute_mm2,
        gone_before_pd=False,
        nontarget_can_define_pd=False,
        new_nonmeasurable_can_define_pd=False,
        needs_targets=True,
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
        np.zeros(assessments.n, bool),
        rules,
    )
    follow_up = ~table["is_baseline"].to_numpy() & ~table["is_pre_baseline"].to_numpy()
    progression = confirm_burden_progression(
        overall, follow_up, assessments, confirm_min_days, confirm_max_days
    )
    ranked, _ = ranked_scope(follow_up, progression, overall, unconfirmed_pd_as, until_progression=True)
    confirm_scope = follow_up & ~progression.after_progression
    best_table, for_confirmation, confirmed_by = burden_best_table(
        KEY,
        LABELS,
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
        pending_pd_is_event=False,  # spec 2.7, patterns.md 7.3-7.4: only a confirmed irPD is dated
        source_text="irRC, Wolchok 2009 Tables 1-2; spec 2.7",
    )
    flags = np.full(assessments.n, "", dtype=object)
    join_flags(flags, progression.late, "late_confirmation")
    join_flags(flags, (progression.state == STATE_PENDING) & (unconfirmed_pd_as == "pd"), "pd_unconfirmed")
    join_flags(flags, any_per_assessment(small_node, assessments), "new_node_below_10mm")
    join_flags(flags, (overall == CR) & (for_confirmation == PR), "cr_downgraded_to_pr")
    join_flags(flags, any_per_assessment(missing, assessments), "missing_diameter")
    join_flags(flags, too_small_measured(lesions, assessments), "too_small_with_measurement")
    add_subject_flags(flags, subject_flags, assessments)
    state = response_states(
        progression.state,
        for_confirmation,
        confirmed_by,
        confirm_scope,
        table["subject"].to_numpy(),
        confirm_response,
    )
    timepoints = burden_timepoint_table(
        KEY,
        LABELS,
        "mm2",
        study,
        assessments,
        follow_up,
        target_sums.total,
        some_measured(products, target, assessments),
        expected_targets > 0,
        new_sums.total,
        burden,
        complete,
        incomplete_burden_text(lesions, assessments, target, products, ~complete, unmeasured_new),
        baseline_sum,
        nadir,
        measured,
        non_target,
        any_per_assessment(new_rows & shows & ~equivocal & ~unmeasured_node, assessments),
        overall,
        state,
        progression,
        flags,
        BurdenWording(rule, IRRC_TEMPLATES, "irRC, Wolchok 2009 Tables 1-2", confirm_min_days),
    )
    return CriterionResult(mark_components_not_given(timepoints, study.missing_components), best_table)


def _lesion_table(study: Study) -> pd.DataFrame:
    if study.lesions is None:
        raise InputError(study.source, [], None, "irRC needs an anatomic lesion table")
    return study.lesions


def _perpendicular(lesions: pd.DataFrame) -> np.ndarray:
    """Perpendicular diameter; for nodes the short axis when it is empty (spec 0.1, 0.4): a table of nodal
    lesions needs no perpendicular_mm column."""
    perpendicular = (lesions[PERPENDICULAR].to_numpy(float) if PERPENDICULAR in lesions
                     else np.full(len(lesions), np.nan))
    short = lesions[SHORT_AXIS].to_numpy(float) if SHORT_AXIS in lesions else np.full(len(lesions), np.nan)
    return np.where(lesions[LYMPH_NODE].to_numpy(bool) & np.isnan(perpendicular), short, perpendicular)


def _measured_rows(lesions: pd.DataFrame, perpendicular: np.ndarray) -> np.ndarray:
    """Rows that need both diameters (spec 2.9: "for index lesions and new lesions that are present"). A
    new lesion without any diameter is of unknown size, which makes the burden incomplete (0.4, 2.4), so
    only a new lesion with one diameter of the two lacks the other."""
    present = statuses(lesions) == Status.PRESENT
    role = roles(lesions)
    measured_new = (role == Role.NEW) & ~equivocal_rows(lesions) & ~(
        np.isnan(lesions[LONG_AXIS].to_numpy(float)) & np.isnan(perpendicular))
    return present & ((role == Role.TARGET) | measured_new)


def _missing_diameters(
    lesions: pd.DataFrame,
    source: str,
    perpendicular: np.ndarray,
    policy: MissingDiameter,
    not_measured: np.ndarray,
) -> np.ndarray:
    """A present index lesion, and a present new lesion measured at all, needs both diameters (spec 2.9);
    returns the rows lacking one. ``not_measured`` rows (a new node under 10 mm given by its short axis, no
    lesion: spec 0.4, 1.5) need none."""
    long_axis = lesions[LONG_AXIS].to_numpy(float)
    measured = _measured_rows(lesions, perpendicular) & ~not_measured
    rows = lesions["source_row"].to_numpy()
    missing = measured & np.isnan(long_axis * perpendicular)
    for column, values in ((LONG_AXIS, long_axis), (PERPENDICULAR, perpendicular)):
        bad = measured & np.isnan(values)
        if bad.any() and policy == "error":
            raise InputError(
                source,
                rows[bad],
                column,
                f"missing measurement: irRC multiplies long_axis_mm by perpendicular_mm (for a node whose "
                f"perpendicular_mm is empty, by short_axis_mm) for every present index lesion and measured "
                f"new lesion, nodes included (spec 0.4, 2.9); give {column}, or use status not_evaluable, or "
                "count such lesions not evaluable: --option missing_diameter=not_evaluable (Python: "
                "missing_diameter='not_evaluable')",
            )
    return missing


def _diameter_limits(lesions: pd.DataFrame, minimum: float, apply_slice_rule: bool) -> np.ndarray:
    """The smallest measurable diameter of each row: ``minimum`` (5 mm by default, B1), or with
    ``apply_slice_rule`` twice a slice thicker than 5 mm when that is more (spec 2.2)."""
    limit = np.full(len(lesions), minimum)
    if apply_slice_rule:
        slice_mm = lesions["slice_thickness_mm"].to_numpy(float)
        limit = np.where(slice_mm > 5.0, np.maximum(limit, 2 * slice_mm), limit)
    return limit


def _bidimensional_measurable(
    lesions: pd.DataFrame, perpendicular: np.ndarray, limit: np.ndarray, inclusive: bool
) -> np.ndarray:
    """Both diameters >= ``limit`` (5 mm, :func:`_diameter_limits`; Wolchok 2009 Table 1; spec 2.2, B1)."""
    long_axis = lesions[LONG_AXIS].to_numpy(float)
    if inclusive:
        big = (long_axis >= limit) & (perpendicular >= limit)
    else:
        big = (long_axis > limit) & (perpendicular > limit)
    status = statuses(lesions)
    return big & shows_disease(status) & (status != Status.TOO_SMALL)


def _baseline_checks(
    lesions: pd.DataFrame,
    assessments: Assessments,
    source: str,
    perpendicular: np.ndarray,
    minimum: float,
    inclusive: bool,
    apply_slice_rule: bool,
    per_organ: int,
    visceral: int,
    cutaneous: int,
    on_violation: OnBaselineViolation,
    max_baseline_gap_days: int,
    on_old_baseline: OnBaselineViolation,
) -> tuple[SubjectFlags, np.ndarray]:
    """Index lesions at baseline: both diameters >= 5 mm and the counts (spec 2.2, 2.3), and the checks
    shared by the five criteria (spec 0.2, 1.2); flags per subject, and the subjects with measurable disease
    (an index lesion present and measurable at baseline, spec 2.2)."""
    at_baseline = assessments.table["is_baseline"].to_numpy()[assessments.row_assessment]
    status = statuses(lesions)
    index = at_baseline & (roles(lesions) == Role.TARGET)
    subject = assessments.subject_of_rows()
    rows = lesions["source_row"].to_numpy()
    flags: SubjectFlags = {}
    product = lesions[LONG_AXIS].to_numpy(float) * perpendicular
    measured = index & (status == Status.PRESENT) & ~np.isnan(product)
    limits = _diameter_limits(lesions, minimum, apply_slice_rule)
    measurable = _bidimensional_measurable(lesions, perpendicular, limits, inclusive)
    small = measured & ~measurable
    first_small = small & (subject == subject[small][0]) if small.any() else small  # the rows reported
    caps = {"visceral": visceral, "cutaneous": cutaneous}
    lesion = first_fragments(lesions, assessments)  # counts are of lesions, not fragments (spec 0.4)
    over = over_caps(index & lesion, subject, organ_codes(lesions), per_organ, cap_groups(lesions), caps)
    problems = [
        (
            unmeasured_baseline_targets(lesions, assessments),
            STATUS,
            unmeasured_baseline_message("index lesion", "Wolchok 2009 Table 1; spec 2.2"),
        ),
        (small, PERPENDICULAR, _size_rule_text(limits[first_small], minimum, inclusive)),
        (
            over,
            ROLE,
            f"more than {per_organ} index lesions per organ, {visceral} visceral or {cutaneous} "
            "cutaneous (Wolchok 2009; spec 2.3)",
        ),
    ]
    for violated, column, message in problems:
        report_baseline_violation(
            violated,
            message,
            criterion=KEY,
            column=column,
            flag="baseline_index_rule_violated",
            subject=subject,
            rows=rows,
            assessments=assessments,
            source=source,
            on_violation=on_violation,
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
    return flags, np.unique(subject[measured & measurable])


def _size_rule_text(limits: np.ndarray, minimum: float, inclusive: bool) -> str:
    """What an index lesion too small at baseline is below: the minimum that applied to the first patient's
    lesions (``limits``, :func:`_diameter_limits`), twice the slice where the slice rule set it (spec 2.2),
    and "not above" it when the minimum is exclusive (B1)."""
    sizes = [f"{limit:g} x {limit:g} mm" + (f", twice the {limit / 2:g} mm slice" if limit > minimum else "")
             for limit in np.unique(limits)]
    rule = "below" if inclusive else "not above"
    source = "Wolchok 2009 Table 1; spec 2.2" if inclusive else "Wolchok 2009 Table 2 footnote; spec 2.11 B1"
    return f"index lesion {rule} {' or '.join(sizes)} (both diameters; irRC, {source})"


@dataclass(frozen=True)
class IrrcCriterion(Criterion):
    """irRC needs long_axis_mm and perpendicular_mm on the rows it measures only: present index lesions and
    present new lesions measured at all (spec 2.9), a node's short axis standing in for its perpendicular
    (spec 0.1). A diameter is missing when such a row exists and the table holds no value of it; a table
    without such rows (non-index lesions only) needs neither, and its patients are NE ("no index lesion at
    baseline") as inside a cohort. Rows that lack a diameter the table holds elsewhere are refused, located,
    by the assessment (:func:`_missing_diameters`)."""

    def missing_columns(self, study: Study, options: Mapping[str, Any] | None = None) -> list[str]:
        missing = super().missing_columns(study, options)
        lesions = study.lesions
        if lesions is None:
            return missing
        empty = [c for c in (LONG_AXIS, PERPENDICULAR) if c not in lesions or not lesions[c].notna().any()]
        if not empty or LONG_AXIS not in lesions:
            return [*missing, *empty]
        measured = _measured_rows(lesions, _perpendicular(lesions))
        needed = {LONG_AXIS: measured, PERPENDICULAR: measured & ~lesions[LYMPH_NODE].to_numpy(bool)}
        return [*missing, *(c for c in empty if needed[c].any())]


CRITERION = IrrcCriterion(
    key=KEY,
    title="irRC (Wolchok 2009)",
    family="anatomic",
    required_columns=(PATIENT, DAY, LESION, ROLE, ORGAN, LYMPH_NODE, STATUS),  # spec 2.9, diameters: above
    assess=assess,
)
