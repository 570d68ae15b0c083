"""irRC: immune-related response criteria (bidimensional tumour burden).

Source: Wolchok JD, Hoos A, O'Day S, et al. Guidelines for the evaluation of immune therapy activity
in solid tumors: immune-related response criteria. Clin Cancer Res 2009;15(23):7412-7420,
doi:10.1158/1078-0432.CCR-09-1624 (Table 1: WHO versus irRC; Table 2: overall response).
Rules as in spec/anatomic.md section 2; options are the choices of section 2.11 (B1-B9).

The tumour burden of irRC (index lesions plus new measurable lesions, confirmed progression) is the
model of irRECIST and imRECIST, which keep its shape with unidimensional measures. The machinery they
share lives here (section "Immune-related burden, shared with irRECIST and imRECIST" below) until it
moves to ``_anatomic``: counting new measurable lesions under caps, the burden kernel, and the best
overall response with the confirmation of progression of spec 0.8.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np
import pandas as pd
import polars as pl

from ioresponse.criteria import Criterion, CriterionResult, Study
from ioresponse.criteria._anatomic import (
    CONFIRM_MIN_DAYS,
    CONFIRMATION_STATES,
    CR,
    NE,
    NON_CR_NON_PD,
    NONE,
    NORMAL_NODE_SHORT_AXIS_MM,
    PD,
    PR,
    ROUND_DECIMALS,
    SD,
    STATE_CONFIRMED,
    STATE_CONFIRMS,
    STATE_NOT_CONFIRMED,
    STATE_NOT_REQUIRED,
    STATE_PENDING,
    Assessments,
    any_per_assessment,
    baseline_count,
    best_response_frame,
    bidimensional_products,
    build_assessments,
    confirm_progression,
    confirm_responses,
    decrease_at_least,
    downgrade_cr_followed_by_pr,
    increase_at_least,
    join_texts,
    mm_text,
    pct_text,
    relative_changes,
    roles,
    rounded,
    signed_mm_text,
    statuses,
    sum_per_assessment,
    timepoint_frame,
)
from ioresponse.criteria.recist11 import _fill as fill_template
from ioresponse.schema import (
    CLINICAL_STATUS,
    DATE,
    DAY,
    EQUIVOCAL,
    LESION,
    LONG_AXIS,
    LYMPH_NODE,
    ORGAN,
    PATIENT,
    PERPENDICULAR,
    READER,
    ROLE,
    SHORT_AXIS,
    STATUS,
    InputError,
    IoresponseWarning,
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

CUTANEOUS_ORGAN = "skin"
"""Organ name of cutaneous lesions (spec 0.1)."""

MIN_SD_DAYS = 42
"""irRC states no minimum irSD duration; 42 days for comparability (spec 2.11 B7)."""

LABELS = ("irCR", "irPR", "irSD", "irNON-CR/NON-PD", "irPD", "NE", "none", "not_given", "")
"""Label of each response code (spec 0.9, key irrc); index = code of ``_anatomic``."""

NodeRules = Literal["recist11", "who"]
"""spec 2.11 B2: a node is gone when its short axis is < 10 mm ("recist11") or only when absent ("who")."""

NewLesionEntry = Literal["when_measurable", "first_appearance_only"]
"""spec 2.11 B5 (and C7, E4): when a new lesion enters the burden."""

MissingDiameter = Literal["error", "not_evaluable"]
"""A present index lesion without one of its two diameters: refuse, or read it as not evaluable."""

UnconfirmedPd = Literal["pd", "ne"]
"""spec 2.7, 3.7, 5.11 E5: best response of a progression still pending at the end of data."""


# ---------------------------------------------------------------------------------------------------
# Immune-related burden, shared with irRECIST and imRECIST (spec 2.4, 3.4, 5.4, 0.8)
# ---------------------------------------------------------------------------------------------------

# Rules of the burden timepoint (spec 2.6, 3.6, 5.6), used for the reason sentences.
(
    B_BASELINE,
    B_NO_TARGETS,
    B_INCOMPLETE_PD,
    B_INCOMPLETE_NE,
    B_PD,
    B_NT_PD,
    B_NEW_PD,
    B_CR,
    B_PR_GONE_NT,
    B_PR_GONE_NEW,
    B_PR,
    B_SD,
    B_SD_UNDER_ABS,
    B_NT_ONLY_NE,
    B_NT_ONLY_CR,
    B_NT_ONLY_NON_CR,
    B_NOTHING,
    B_PRE_BASELINE,
) = range(18)

ICPD = 8
"""Code of iCPD (iRECIST), ranked with the shared codes of ``_anatomic``."""


@dataclass(frozen=True)
class BurdenRules:
    """What distinguishes irRC, irRECIST and imRECIST inside the shared burden kernel."""

    pr_decrease: float
    pd_increase: float
    pd_absolute: float
    gone_before_pd: bool
    """Gone (-100 %) is tested before the progression band (irRECIST, imRECIST) or after it (irRC)."""
    nontarget_can_define_pd: bool
    new_nonmeasurable_can_define_pd: bool
    needs_targets: bool
    """irRC cannot assess a patient without index lesions (spec 2.3)."""


def organ_of(lesions: pd.DataFrame) -> np.ndarray:
    """Organ of each row; every lymph node counts as the organ "lymph node" (spec 0.1)."""
    return np.where(lesions[LYMPH_NODE].to_numpy(bool), "lymph node", lesions[ORGAN].to_numpy())


def in_use_rows(assessments: Assessments) -> np.ndarray:
    """Lesion rows of the baseline and follow-ups (pre-baseline assessments are ignored, spec 0.2)."""
    return ~assessments.table["is_pre_baseline"].to_numpy()[assessments.row_assessment]


def equivocal_rows(lesions: pd.DataFrame) -> np.ndarray:
    """``equivocal`` as bool (an equivocal new lesion is not present until unequivocal; spec 1.5, 2.5)."""
    return lesions[EQUIVOCAL].to_numpy(bool) if EQUIVOCAL in lesions else np.zeros(len(lesions), bool)


def shows_disease(status: np.ndarray) -> np.ndarray:
    """Statuses that mean the lesion is there (spec 0.3)."""
    return (
        (status == Status.PRESENT) | (status == Status.TOO_SMALL) | (status == Status.UNEQUIVOCAL_PROGRESSION)
    )


def count_new_lesions(
    lesions: pd.DataFrame,
    assessments: Assessments,
    qualifies: np.ndarray,
    values: np.ndarray,
    *,
    entry: NewLesionEntry,
    max_per_organ: int,
    group_caps: dict[str, int],
    group: np.ndarray | None,
    apply_caps: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Which new-lesion rows are counted (spec 2.4, 3.4, 4.4, 5.4).

    A new lesion enters at the first assessment where ``qualifies`` (measurable, not equivocal) holds
    (``entry="when_measurable"``), or only if it qualifies at its first appearance
    (``"first_appearance_only"``). Slots fill in order of entry, then larger value, then ``lesion_id``,
    within ``max_per_organ`` and the cap of the lesion's ``group`` (irRC: visceral / cutaneous;
    RECIST family: ``None``, one group "all"). Once counted, a lesion stays counted at every later
    assessment.

    Returns
    -------
    counted : bool per lesion row
        The row belongs to a counted lesion at or after its entry.
    expected : int per assessment
        Counted lesions expected at the assessment (a missing row then makes the sum incomplete).
    """
    new = (lesions[ROLE].to_numpy() == Role.NEW) & in_use_rows(assessments)
    rows = np.flatnonzero(new)
    counted = np.zeros(len(lesions), bool)
    expected = np.zeros(assessments.n, np.int64)
    if not len(rows):
        return counted, expected
    subject = assessments.subject_of_rows()
    frame = pd.DataFrame(
        {
            "subject": subject[rows],
            "lesion": lesions[LESION].to_numpy()[rows],
            "assessment": assessments.row_assessment[rows],
            "qualifies": qualifies[rows],
            "value": np.nan_to_num(values[rows]),
            "organ": organ_of(lesions)[rows],
            "group": "all" if group is None else group[rows],
        }
    )
    first = frame.groupby(["subject", "lesion"], sort=False)["assessment"].transform("min").to_numpy()
    eligible = frame["qualifies"].to_numpy()
    if entry == "first_appearance_only":
        eligible &= frame["assessment"].to_numpy() == first
    candidates = frame[eligible].drop_duplicates(["subject", "lesion"], keep="first")
    candidates = candidates.sort_values(
        ["subject", "assessment", "value", "lesion"], ascending=[True, True, False, True], kind="stable"
    )
    if apply_caps and len(candidates):
        in_organ = candidates.groupby(["subject", "organ"], sort=False).cumcount().to_numpy() < max_per_organ
        candidates = candidates[in_organ]
        cap = candidates["group"].map(group_caps).to_numpy()
        candidates = candidates[
            candidates.groupby(["subject", "group"], sort=False).cumcount().to_numpy() < cap
        ]
    entry_of = pd.Series(
        candidates["assessment"].to_numpy(), index=pd.MultiIndex.from_frame(candidates[["subject", "lesion"]])
    )
    key = pd.MultiIndex.from_frame(frame[["subject", "lesion"]])
    entered = entry_of.reindex(key).to_numpy(float)
    counted[rows] = frame["assessment"].to_numpy() >= np.nan_to_num(entered, nan=np.inf)
    per_assessment = np.bincount(candidates["assessment"].to_numpy(np.int64), minlength=assessments.n)
    offsets = assessments.subject_offsets
    cumulative = np.cumsum(per_assessment)
    start = np.repeat(np.concatenate(([0], cumulative[offsets[1:-1] - 1])), np.diff(offsets))
    expected = cumulative - start
    return counted, expected


def non_target_codes(
    lesions: pd.DataFrame, assessments: Assessments, gone: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Non-target (non-index) component per assessment (spec 1.5, 2.5, 3.5, 5.5).

    Returns the code (NONE, PD for unequivocal progression, NE, NON-CR/NON-PD, CR) and, separately,
    whether any non-target lesion unequivocally progressed.
    """
    status = lesions[STATUS].to_numpy()
    non_target = in_use_rows(assessments) & (lesions[ROLE].to_numpy() == Role.NON_TARGET)
    sums = sum_per_assessment(np.zeros(len(lesions)), non_target, lesions[LESION].to_numpy(), assessments)
    expected = baseline_count(sums.count, assessments)
    progressed = any_per_assessment(non_target & (status == Status.UNEQUIVOCAL_PROGRESSION), assessments)
    not_evaluated = any_per_assessment(non_target & (status == Status.NOT_EVALUABLE), assessments)
    not_evaluated |= sums.count < expected
    present = any_per_assessment(non_target & ~gone, assessments)
    code = np.select(
        [expected == 0, progressed, not_evaluated, present], [NONE, PD, NE, NON_CR_NON_PD], default=CR
    )
    return code.astype(np.int8), progressed


@numba.njit(cache=True)
def burden_timepoints(
    is_baseline,
    is_pre_baseline,
    offsets,
    has_targets,
    target_sum,
    burden,
    complete,
    all_gone,
    non_target,
    new_nonmeasurable_present,
    new_nonmeasurable_pd,
    pr_decrease,
    pd_increase,
    pd_absolute,
    gone_before_pd,
    nontarget_can_define_pd,
    new_nonmeasurable_can_define_pd,
    needs_targets,
):
    """Timepoint response of the burden criteria, in day order per subject (spec 2.6, 3.6, 5.6).

    The burden is the baseline targets plus the counted new measurable lesions; its baseline value is
    the target sum B, the reference for response; its nadir N(t) (complete burdens strictly before t,
    baseline included) is the reference for progression.
    """
    n = len(burden)
    overall = np.full(n, NE, np.int8)
    measured = np.full(n, NONE, np.int8)
    rule = np.full(n, B_PRE_BASELINE, np.int8)
    baseline_sum = np.full(n, np.nan)
    nadir = np.full(n, np.nan)
    for k in range(len(offsets) - 1):
        lowest = np.inf
        base = np.nan
        for i in range(offsets[k], offsets[k + 1]):
            if is_pre_baseline[i]:
                continue
            if is_baseline[i]:
                base = target_sum[i] if has_targets[i] else 0.0
                lowest = base
                rule[i] = B_BASELINE
                continue
            baseline_sum[i] = base
            nadir[i] = lowest
            if needs_targets and not has_targets[i]:
                rule[i] = B_NO_TARGETS
                continue
            gone = complete[i] and all_gone[i]
            grew = (
                increase_at_least(burden[i], lowest, pd_increase)
                and rounded(burden[i] - lowest) >= pd_absolute
            )
            if gone and gone_before_pd:
                category = CR
            elif grew:
                category = PD
            elif not complete[i]:
                category = NE
            elif gone:
                category = CR
            elif has_targets[i] and decrease_at_least(burden[i], base, pr_decrease):
                category = PR
            else:
                category = SD
            measured[i] = category
            nt = non_target[i]
            if category == PD:
                o, r = PD, (B_PD if complete[i] else B_INCOMPLETE_PD)
            elif nontarget_can_define_pd and nt == PD:
                o, r = PD, B_NT_PD
            elif new_nonmeasurable_can_define_pd and new_nonmeasurable_pd[i]:
                o, r = PD, B_NEW_PD
            elif category == NE:
                o, r = NE, B_INCOMPLETE_NE
            elif not has_targets[i]:
                o, r = _without_targets(nt, new_nonmeasurable_present[i], burden[i])
            elif category == CR:
                if nt != CR and nt != NONE:
                    o, r = PR, B_PR_GONE_NT
                elif new_nonmeasurable_present[i]:
                    o, r = PR, B_PR_GONE_NEW
                else:
                    o, r = CR, B_CR
            elif category == PR:
                o, r = PR, B_PR
            elif increase_at_least(burden[i], lowest, pd_increase):
                o, r = SD, B_SD_UNDER_ABS
            else:
                o, r = SD, B_SD
            overall[i] = o
            rule[i] = r
            if complete[i] and burden[i] < lowest:
                lowest = burden[i]
    return overall, measured, rule, baseline_sum, nadir


@numba.njit(cache=True)
def _without_targets(nt, new_present, burden):
    """Patients without target lesions: the non-target-only table (spec 3.6, 5.6; RECIST 1.1 Table 2)."""
    if nt == NE:
        return NE, B_NT_ONLY_NE
    if nt == NONE and not new_present and burden == 0.0:
        return NE, B_NOTHING
    if (nt == CR or nt == NONE) and not new_present and burden == 0.0:
        return CR, B_NT_ONLY_CR
    return NON_CR_NON_PD, B_NT_ONLY_NON_CR


@numba.njit(cache=True)
def deciding_rows(state, evaluable, day, offsets, min_days):
    """For each first progression that was decided, the row that decided it (spec 0.8), else -1."""
    decider = np.full(len(state), -1, np.int64)
    for k in range(len(offsets) - 1):
        for i in range(offsets[k], offsets[k + 1]):
            if state[i] != STATE_NOT_CONFIRMED and state[i] != STATE_CONFIRMED:
                continue
            if i > offsets[k] and state[i - 1] == STATE_NOT_CONFIRMED and state[i] == STATE_NOT_CONFIRMED:
                continue
            for j in range(i + 1, offsets[k + 1]):
                if evaluable[j] and day[j] - day[i] >= min_days:
                    decider[i] = j
                    break
    return decider


@dataclass(frozen=True)
class Progression:
    """Confirmation of progression (spec 0.8) applied to one criterion's timepoints."""

    state: np.ndarray
    """Confirmation state code per assessment."""
    decider: np.ndarray
    """Row deciding each decided first PD, else -1."""
    progression_day: np.ndarray
    """Confirmed progression day of the assessment's subject, or -1."""
    after_progression: np.ndarray
    late: np.ndarray
    """The deciding row came later than ``confirm_max_days`` after the first PD."""


@dataclass(frozen=True)
class BurdenWording:
    """What a burden criterion writes into its reasons: rule per row, templates, source."""

    rule: np.ndarray
    templates: dict[int, str]
    source: str
    confirm_min_days: int
    remarks: np.ndarray | None = None
    """Extra text per assessment (for example a progression that does not count), or None."""


def confirm_burden_progression(
    overall: np.ndarray,
    follow_up: np.ndarray,
    assessments: Assessments,
    confirm_min_days: int,
    confirm_max_days: int | None,
) -> Progression:
    """Pending / confirmed / not-confirmed progression, progression day and late decisions (spec 0.8)."""
    day = assessments.table[DAY].to_numpy(np.int64)
    offsets = assessments.subject_offsets
    meets_pd = (overall == PD) & follow_up
    evaluable = (overall != NE) & follow_up
    state, progression_row = confirm_progression(meets_pd, evaluable, day, offsets, confirm_min_days)
    decider = deciding_rows(state, evaluable, day, offsets, confirm_min_days)
    subject_day = np.where(progression_row >= 0, day[np.maximum(progression_row, 0)], -1)
    progression_day = np.repeat(subject_day, np.diff(offsets))
    after = (progression_day >= 0) & (day > progression_day)
    late = np.zeros(len(overall), bool)
    if confirm_max_days is not None:
        decided = np.flatnonzero(decider >= 0)
        late[decider[decided][day[decider[decided]] - day[decided] > confirm_max_days]] = True
    return Progression(state, decider, progression_day, after, late)


@numba.njit(cache=True)
def _rank(code, day, min_sd_days):
    """Priority for best response: CR, PR, SD, NON-CR/NON-PD (after min_sd_days), iCPD, PD/iUPD."""
    if code == CR:
        return 0
    if code == PR:
        return 1
    if code == SD:
        return 2 if day >= min_sd_days else 99
    if code == NON_CR_NON_PD:
        return 3 if day >= min_sd_days else 99
    if code == ICPD:
        return 4
    if code == PD:
        return 5
    return 99


@numba.njit(cache=True)
def best_responses(overall, for_confirmation, confirmed_by, day, ranked, offsets, min_sd_days):
    """Best overall response without and with confirmation of CR/PR (spec 0.9, 1.7, 2.7, 3.7, 4.7, 5.7).

    ``ranked`` marks the assessments the derivation reads (criterion scope, not-confirmed progression
    removed). Returns per subject: best code and row, confirmed best code and row, first CR/PR row and
    first confirmed CR/PR row.
    """
    n_subjects = len(offsets) - 1
    out = np.full((n_subjects, 6), -1, np.int64)
    for k in range(n_subjects):
        rank_best, best, best_row = 99, NE, -1
        rank_c, best_c, best_c_row = 99, NE, -1
        first_response, first_confirmed = -1, -1
        for i in range(offsets[k], offsets[k + 1]):
            if not ranked[i]:
                continue
            o = overall[i]
            rank = _rank(o, day[i], min_sd_days)
            if rank < rank_best:
                rank_best, best, best_row = rank, o, i
            if (o == CR or o == PR) and first_response < 0:
                first_response = i
            c = for_confirmation[i]
            if (c == CR or c == PR) and confirmed_by[i] >= 0:
                rank_confirmed = 0 if c == CR else 1
                code = c
                if first_confirmed < 0:
                    first_confirmed = i
            elif c == CR or c == PR or c == SD:
                rank_confirmed = 2 if day[i] >= min_sd_days else 99
                code = SD
            else:
                rank_confirmed = _rank(c, day[i], min_sd_days)
                code = c
            if rank_confirmed < rank_c:
                rank_c, best_c, best_c_row = rank_confirmed, code, i
        if rank_best == 99:
            best, best_row = NE, -1
        if rank_c == 99:
            best_c, best_c_row = NE, -1
        out[k, 0], out[k, 1], out[k, 2], out[k, 3] = best, best_row, best_c, best_c_row
        out[k, 4], out[k, 5] = first_response, first_confirmed
    return out


def confirmed_responses(
    overall: np.ndarray,
    in_scope: np.ndarray,
    assessments: Assessments,
    confirm_min_days: int,
    max_ne_between: int,
    accept_sd_between: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Confirmation of CR/PR (spec 0.7) over ``in_scope`` rows: downgraded codes and the confirming row."""
    day = assessments.table[DAY].to_numpy(np.int64)
    codes = np.where(in_scope, overall, NE).astype(np.int8)
    for_confirmation = downgrade_cr_followed_by_pr(codes, assessments.subject_offsets)
    confirmed_by = confirm_responses(
        for_confirmation,
        day,
        in_scope,
        assessments.subject_offsets,
        confirm_min_days,
        max_ne_between,
        accept_sd_between,
    )
    return for_confirmation, confirmed_by


def join_flags(flags: np.ndarray, mask: np.ndarray, name: str) -> None:
    """Append ``name`` to the ';'-joined flags of the rows in ``mask`` (in place)."""
    flags[mask] = [f"{f};{name}" if f else name for f in flags[mask]]


def at_day(values: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day of each row index in ``values`` (-1: none) as float with NaN."""
    return np.where(values >= 0, day[np.maximum(values, 0)], np.nan)


def ranked_scope(
    follow_up: np.ndarray,
    progression: Progression,
    overall: np.ndarray,
    unconfirmed_pd_as: UnconfirmedPd,
    until_progression: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows read by the best response and the codes they contribute (spec 2.7, 3.7, 5.7).

    Not-confirmed PD rows are skipped; a PD still pending at the end of data counts as PD or is
    skipped (``unconfirmed_pd_as``); with ``until_progression`` nothing after the confirmed
    progression day counts.
    """
    ranked = follow_up & (progression.state != STATE_NOT_CONFIRMED)
    if unconfirmed_pd_as == "ne":
        ranked &= progression.state != STATE_PENDING
    if until_progression:
        ranked &= ~progression.after_progression
    return ranked, overall


def burden_best_table(
    key: str,
    labels: tuple[str, ...],
    assessments: Assessments,
    overall: np.ndarray,
    ranked: np.ndarray,
    confirm_scope: np.ndarray,
    progression: Progression,
    *,
    confirm_response: bool,
    confirm_min_days: int,
    max_ne_between: int,
    min_sd_days: int,
    unconfirmed_pd_as: UnconfirmedPd,
    source_text: str,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Best-response table of a burden criterion (spec 0.9) and the response confirmation per row."""
    table = assessments.table
    day = table[DAY].to_numpy(np.int64)
    offsets = assessments.subject_offsets
    for_confirmation, confirmed_by = confirmed_responses(
        overall, confirm_scope, assessments, confirm_min_days, max_ne_between
    )
    best = best_responses(overall, for_confirmation, confirmed_by, day, ranked, offsets, min_sd_days)
    first = offsets[:-1]
    confirmed_day = np.where(
        progression.progression_day[first] >= 0, progression.progression_day[first], np.nan
    )
    pending = (progression.state == STATE_PENDING) & ranked
    pending_day = _first_per_subject(pending, day, offsets)
    progression_day = confirmed_day.copy()
    if unconfirmed_pd_as == "pd":
        progression_day = np.where(np.isnan(progression_day), pending_day, progression_day)
    evaluable = ranked & (overall != NE)
    last_evaluable = _last_per_subject(evaluable, day, offsets)
    first_response = at_day(best[:, 5] if confirm_response else best[:, 4], day)
    pfs_event = ~np.isnan(progression_day)
    end = np.where(pfs_event, progression_day, last_evaluable)
    # duration of response runs to the progression that follows the response (spec 5.7), else censored
    response_end = np.where(pfs_event & (progression_day >= first_response), progression_day, last_evaluable)
    duration = np.where(np.isnan(first_response), np.nan, response_end - first_response)
    label = np.array(labels, dtype=object)
    best_label, confirmed_label = label[best[:, 0]], label[best[:, 2]]
    bor_day = at_day(best[:, 3] if confirm_response else best[:, 1], day)
    reasons = best_reasons(
        {
            "best": best_label.astype(str),
            "confirmed": confirmed_label.astype(str),
            "best_day": at_day(best[:, 1], day),
            "confirmed_day": at_day(best[:, 3], day),
            "progression": confirmed_day,
            "pending": pending_day,
        },
        "best response",
        labels[PD],
        "confirmed progression day",
        source_text,
    )
    columns = {
        PATIENT: table[PATIENT].to_numpy()[first],
        READER: table[READER].to_numpy()[first],
        "criterion": np.full(len(first), key, dtype=object),
        "best_response": best_label,
        "best_response_confirmed": confirmed_label,
        "bor_day": bor_day,
        "first_response_day": first_response,
        "progression_day": progression_day,
        "duration_of_response_days": duration,
        "pfs_event": pfs_event,
        "pfs_day": end,
        "reason": reasons,
    }
    return best_response_frame(columns, len(first)), for_confirmation, confirmed_by


def _first_per_subject(mask: np.ndarray, day: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    subject = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    out = np.full(len(offsets) - 1, np.nan)
    rows = np.flatnonzero(mask)[::-1]
    out[subject[rows]] = day[rows]
    return out


def _last_per_subject(mask: np.ndarray, day: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    subject = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    out = np.full(len(offsets) - 1, np.nan)
    rows = np.flatnonzero(mask)
    out[subject[rows]] = day[rows]
    return out


def day_text(column: str) -> pl.Expr:
    """ " (day d)" for a day column, "" when it is empty."""
    value = pl.col(column)
    return (
        pl.when(value.is_null())
        .then(pl.lit(""))
        .otherwise(pl.concat_str([pl.lit(" (day "), value.cast(pl.Int64).cast(pl.Utf8), pl.lit(")")]))
    )


def best_reasons(
    columns: dict[str, np.ndarray], lead: str, pd_label: str, progression_text: str, source: str
) -> list[str]:
    """Best-response sentences built column-wise (spec 0.10).

    ``columns``: best, confirmed (labels), best_day, confirmed_day, progression (confirmed progression
    day), pending (day of a progression still pending at the end of data); days NaN when none.
    """
    frame = pl.DataFrame(columns, nan_to_null=True)
    progression = (
        pl.when(pl.col("progression").is_not_null())
        .then(
            pl.concat_str(
                [pl.lit(f"; {progression_text} "), pl.col("progression").cast(pl.Int64).cast(pl.Utf8)]
            )
        )
        .when(pl.col("pending").is_not_null())
        .then(
            pl.concat_str(
                [
                    pl.lit(f"; {pd_label} on day "),
                    pl.col("pending").cast(pl.Int64).cast(pl.Utf8),
                    pl.lit(" still pending confirmation at the end of data"),
                ]
            )
        )
        .otherwise(pl.lit(""))
    )
    text = pl.concat_str(
        [
            pl.lit(f"{lead} "),
            pl.col("best"),
            day_text("best_day"),
            pl.lit("; with confirmation of response "),
            pl.col("confirmed"),
            day_text("confirmed_day"),
            progression,
            pl.lit(f" ({source})"),
        ]
    )
    return frame.select(text.alias("reason"))["reason"].to_list()


def state_labels(state: np.ndarray) -> np.ndarray:
    return np.array(CONFIRMATION_STATES, dtype=object)[state]


def burden_reasons(
    frame: pl.DataFrame,
    templates: dict[int, str],
    labels: tuple[str, ...],
    unit: str,
    source: str,
    confirm_min_days: int,
) -> list[str]:
    """Reason sentences of spec 0.10 for the burden criteria, built column-wise.

    ``frame`` has, per timepoint: rule, burden, base, nadir, target_sum, new_sum, day, state (confirmation
    state code), decider_day (day that decided this first PD, NaN), decided_day (day of the not-confirmed
    PD this row decided, NaN) and note. ``templates`` maps a rule to a sentence with the placeholders
    {total}, {parts}, {vs_nadir} and {vs_baseline}.
    """
    frame = frame.with_columns(
        (pl.col("burden") - pl.col("nadir")).alias("abs_nadir"),
        pl.when(pl.col("nadir") == 0)
        .then(None)
        .otherwise((pl.col("burden") - pl.col("nadir")) / pl.col("nadir"))
        .round(ROUND_DECIMALS)
        .alias("rel_nadir"),
        pl.when(pl.col("base") == 0)
        .then(None)
        .otherwise((pl.col("burden") - pl.col("base")) / pl.col("base"))
        .round(ROUND_DECIMALS)
        .alias("rel_base"),
        (pl.col("decider_day") - pl.col("day")).alias("gap"),
    )
    pieces = {
        "total": mm_text("burden"),
        "parts": pl.when(pl.col("new_sum") > 0)
        .then(
            pl.concat_str(
                [
                    pl.lit(" ("),
                    mm_text("target_sum"),
                    pl.lit(" targets + "),
                    mm_text("new_sum"),
                    pl.lit(" new)"),
                ]
            )
        )
        .otherwise(pl.lit("")),
        "vs_nadir": pl.concat_str(
            [
                pct_text("rel_nadir"),
                pl.lit(" and "),
                signed_mm_text("abs_nadir"),
                pl.lit(f" {unit} vs nadir "),
                mm_text("nadir"),
                pl.lit(f" {unit}"),
            ]
        ),
        "vs_baseline": pl.concat_str(
            [pct_text("rel_base"), pl.lit(" vs baseline "), mm_text("base"), pl.lit(f" {unit}")]
        ),
    }
    frame = frame.with_columns(**{f"piece_{name}": piece for name, piece in pieces.items()})
    named = {name: pl.col(f"piece_{name}") for name in pieces}  # each piece once; templates concatenate
    measured = pl.lit("")
    for rule, template in templates.items():
        measured = pl.when(pl.col("rule") == rule).then(fill_template(template, named)).otherwise(measured)
    pd_label = labels[PD]
    day_text = pl.col("day").cast(pl.Int64).cast(pl.Utf8)
    decider_text = pl.col("decider_day").cast(pl.Int64).cast(pl.Utf8)
    gap_text = pl.col("gap").cast(pl.Int64).cast(pl.Utf8)
    state = pl.col("state")
    progression_text = (
        pl.when(state == STATE_PENDING)
        .then(pl.lit(f"{pd_label} pending confirmation >={confirm_min_days} days ({source})"))
        .when(state == STATE_CONFIRMED)
        .then(
            pl.concat_str(
                [
                    pl.lit(f"{pd_label} confirmed by day "),
                    decider_text,
                    pl.lit(" ("),
                    gap_text,
                    pl.lit(" days later): progression dated day "),
                    day_text,
                    pl.lit(f" ({source})"),
                ]
            )
        )
        .when((state == STATE_NOT_CONFIRMED) & pl.col("decider_day").is_not_nan())
        .then(
            pl.concat_str(
                [
                    pl.lit(f"{pd_label} not confirmed: day "),
                    decider_text,
                    pl.lit(" ("),
                    gap_text,
                    pl.lit(f" days later) does not meet {pd_label}; ignored for best response ({source})"),
                ]
            )
        )
        .when(state == STATE_NOT_CONFIRMED)
        .then(pl.lit(f"{pd_label} not confirmed ({source})"))
        .when(state == STATE_CONFIRMS)
        .then(pl.lit(f"confirms progression ({source})"))
        .otherwise(pl.lit(""))
    )
    decided_text = (
        pl.when(pl.col("decided_day").is_not_nan())
        .then(
            pl.concat_str(
                [
                    pl.lit(f"decides {pd_label} of day "),
                    pl.col("decided_day").cast(pl.Int64).cast(pl.Utf8),
                    pl.lit(": not confirmed"),
                ]
            )
        )
        .otherwise(pl.lit(""))
    )
    reason = join_texts([measured, progression_text, decided_text, pl.col("note")])
    return frame.select(reason.alias("reason"))["reason"].to_list()


def decision_days(progression: Progression, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the day that decided it (a first PD), and the day of the not-confirmed PD it decided."""
    decider_day = np.where(progression.decider >= 0, day[np.maximum(progression.decider, 0)], np.nan)
    decided_day = np.full(len(day), np.nan)
    not_confirmed = np.flatnonzero((progression.decider >= 0) & (progression.state == STATE_NOT_CONFIRMED))
    decided_day[progression.decider[not_confirmed]] = day[not_confirmed]
    return decider_day.astype(float), decided_day


# ---------------------------------------------------------------------------------------------------
# irRC
# ---------------------------------------------------------------------------------------------------

RULE_TEXT = {
    B_NO_TARGETS: "no index lesion with both diameters at baseline: NE (irRC, Wolchok 2009; spec 2.3)",
    B_INCOMPLETE_NE: "tumour burden incomplete and the known part is not irPD: NE (spec 2.4)",
    B_CR: "all index and new measurable lesions gone, non-index absent, no new non-measurable lesion: "
    "irCR (Wolchok 2009 Table 2)",
    B_PR_GONE_NT: "all measurable lesions gone but non-index disease present or not evaluated: irPR "
    "(Wolchok 2009 Table 2)",
    B_PR_GONE_NEW: "all measurable lesions gone but a new non-measurable lesion is present: irPR "
    "(Wolchok 2009 Table 2)",
}

IRRC_TEMPLATES = {
    B_PD: "tumour burden {total} mm2{parts} is {vs_nadir} (>=25%): irPD (irRC, Wolchok 2009 Table 1)",
    B_INCOMPLETE_PD: "tumour burden incomplete; the measured lesions already sum {total} mm2, {vs_nadir} "
    "(>=25%): irPD (irRC, Wolchok 2009 Table 1; spec 2.4)",
    B_PR: "tumour burden {total} mm2{parts} is {vs_baseline} (<=-50%): irPR (irRC, Wolchok 2009 Table 1)",
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
        A later deciding assessment still decides, with the flag ``late_confirmation`` (spec 0.8).
    unconfirmed_pd_as : {"pd", "ne"}, default "pd"
        Best response of an irPD still pending at the end of data (spec 2.7).
    min_sd_days : int, default 42
        irSD counts for best response only at ``day >= min_sd_days`` (B7); 0 disables.
    pd_absolute_mm2 : float, default 0.0
        Absolute burden increase also required for irPD (B9).
    apply_slice_rule : bool, default False
        Each diameter must be >= twice a slice thicker than 5 mm (spec 2.2).
    on_baseline_violation : {"error", "warn"}, default "error"
        An index lesion below the size rule or beyond the counts (as RECIST 1.1 A1).
    missing_diameter : {"error", "not_evaluable"}, default "error"
        A present index lesion without ``long_axis_mm`` or ``perpendicular_mm`` (spec 2.9): an
        InputError, or the lesion is read as not evaluable (flag ``missing_diameter``; a baseline
        burden with a missing product leaves the patient not assessable).

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
    lesions = _lesion_table(study)
    assessments = build_assessments(lesions, study.source)
    table = assessments.table
    status = statuses(lesions)
    shows = shows_disease(status)
    role = roles(lesions)
    node = lesions[LYMPH_NODE].to_numpy(bool)
    ids = lesions[LESION].to_numpy()
    in_use = in_use_rows(assessments)
    perpendicular = _perpendicular(lesions)
    missing = _missing_diameters(lesions, study.source, perpendicular, missing_diameter)
    subject_flags = _baseline_checks(
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
    )
    products = bidimensional_products(lesions, too_small_product_mm2)
    short = lesions[SHORT_AXIS].to_numpy(float)
    node_normal = (
        (status == Status.ABSENT) | (status == Status.TOO_SMALL) | (short < NORMAL_NODE_SHORT_AXIS_MM)
    )
    gone = np.where(node & (node_rules == "recist11"), node_normal, status == Status.ABSENT)

    target = in_use & (role == Role.TARGET)
    target_sums = sum_per_assessment(products, target, ids, assessments)
    expected_targets = baseline_count(target_sums.count, assessments)
    target_complete = target_sums.complete & (target_sums.count >= expected_targets)
    baseline_complete = baseline_count(target_complete.astype(np.int64), assessments).astype(bool)
    assessable = (expected_targets > 0) & baseline_complete

    equivocal = equivocal_rows(lesions)
    measurable_new = (
        (role == Role.NEW)
        & _bidimensional_measurable(
            lesions, perpendicular, min_diameter_mm, min_diameter_inclusive, apply_slice_rule
        )
        & ~equivocal
    )
    group = np.where(lesions[ORGAN].to_numpy() == CUTANEOUS_ORGAN, "cutaneous", "visceral")
    group[node] = "visceral"
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
    )
    new_sums = sum_per_assessment(products, counted, ids, assessments, expected=expected_new)
    burden = target_sums.total + new_sums.total.astype(float)
    complete = target_complete & new_sums.complete
    all_gone = ~any_per_assessment((target | counted) & ~gone, assessments)
    non_target, _ = non_target_codes(lesions, assessments, gone)
    new_rows = in_use & (role == Role.NEW)
    uncounted_new = new_rows & ~counted & shows & ~equivocal
    new_nonmeasurable = any_per_assessment(uncounted_new, assessments)

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
        assessable,
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
        confirm_response=confirm_response,
        confirm_min_days=confirm_min_days,
        max_ne_between=max_ne_between,
        min_sd_days=min_sd_days,
        unconfirmed_pd_as=unconfirmed_pd_as,
        source_text="irRC, Wolchok 2009 Tables 1-2; spec 2.7",
    )
    flags = np.full(assessments.n, "", dtype=object)
    join_flags(flags, progression.late, "late_confirmation")
    join_flags(flags, (progression.state == STATE_PENDING) & (unconfirmed_pd_as == "pd"), "pd_unconfirmed")
    join_flags(
        flags,
        any_per_assessment(new_rows & node & shows & (short < NORMAL_NODE_SHORT_AXIS_MM), assessments),
        "new_node_below_10mm",
    )
    join_flags(flags, (overall == CR) & (for_confirmation == PR), "cr_downgraded_to_pr")
    join_flags(flags, any_per_assessment(missing, assessments), "missing_diameter")
    _subject_flags(flags, subject_flags, assessments)
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
        target_complete,
        expected_targets > 0,
        new_sums.total,
        burden,
        complete,
        baseline_sum,
        nadir,
        measured,
        non_target,
        any_per_assessment(new_rows & shows & ~equivocal, assessments),
        overall,
        state,
        progression,
        flags,
        BurdenWording(rule, IRRC_TEMPLATES, "irRC, Wolchok 2009 Tables 1-2", confirm_min_days),
    )
    return CriterionResult(timepoints, best_table)


def run_burden_kernel(
    assessments: Assessments,
    has_targets: np.ndarray,
    target_sum: np.ndarray,
    burden: np.ndarray,
    complete: np.ndarray,
    all_gone: np.ndarray,
    non_target: np.ndarray,
    new_nonmeasurable_present: np.ndarray,
    new_nonmeasurable_pd: np.ndarray,
    rules: BurdenRules,
) -> tuple[np.ndarray, ...]:
    """Call :func:`burden_timepoints` with the arrays of one criterion."""
    table = assessments.table
    return burden_timepoints(
        table["is_baseline"].to_numpy(),
        table["is_pre_baseline"].to_numpy(),
        assessments.subject_offsets,
        has_targets,
        target_sum,
        burden,
        complete,
        all_gone,
        non_target,
        new_nonmeasurable_present,
        new_nonmeasurable_pd,
        rules.pr_decrease,
        rules.pd_increase,
        rules.pd_absolute,
        rules.gone_before_pd,
        rules.nontarget_can_define_pd,
        rules.new_nonmeasurable_can_define_pd,
        rules.needs_targets,
    )


def response_states(
    progression_state: np.ndarray,
    for_confirmation: np.ndarray,
    confirmed_by: np.ndarray,
    in_scope: np.ndarray,
    subject: np.ndarray,
    confirm_response: bool,
) -> np.ndarray:
    """``confirmation_state``: progression states, and CR/PR states when response needs confirmation."""
    state = progression_state.copy()
    if not confirm_response:
        return state
    response = np.isin(for_confirmation, [CR, PR]) & in_scope & (state == STATE_NOT_REQUIRED)
    state[response] = STATE_NOT_CONFIRMED
    state[response & (confirmed_by >= 0)] = STATE_CONFIRMED
    scoped = np.flatnonzero(in_scope)
    last = np.zeros(len(state), bool)
    last[scoped[np.append(subject[scoped][1:] != subject[scoped][:-1], True)]] = True
    state[response & (confirmed_by < 0) & last] = STATE_PENDING
    confirms = confirmed_by[confirmed_by >= 0]
    state[confirms[state[confirms] != STATE_CONFIRMED]] = STATE_CONFIRMS
    return state


def _subject_flags(flags: np.ndarray, subject_flags: dict[int, list[str]], assessments: Assessments) -> None:
    subject = assessments.table["subject"].to_numpy()
    for k, names in subject_flags.items():
        for name in names:
            join_flags(flags, subject == k, name)


def burden_timepoint_table(
    key: str,
    labels: tuple[str, ...],
    unit: str,
    study: Study,
    assessments: Assessments,
    follow_up: np.ndarray,
    target_sum: np.ndarray,
    target_complete: np.ndarray,
    has_targets: np.ndarray,
    new_sum: np.ndarray,
    burden: np.ndarray,
    complete: np.ndarray,
    baseline_sum: np.ndarray,
    nadir: np.ndarray,
    measured: np.ndarray,
    non_target: np.ndarray,
    new_present: np.ndarray,
    overall: np.ndarray,
    state: np.ndarray,
    progression: Progression,
    flags: np.ndarray,
    wording: BurdenWording,
) -> pd.DataFrame:
    """The timepoint table of a burden criterion, in schema column order (spec 0.9)."""
    table = assessments.table
    rows = np.flatnonzero(follow_up)
    current = np.where(complete, burden, np.nan)
    pct_baseline = relative_changes(current, baseline_sum) * 100
    pct_nadir = relative_changes(current, nadir) * 100
    label = np.array(labels, dtype=object)
    day = table[DAY].to_numpy()
    decider_day, decided_day = decision_days(progression, day)
    notes = table["note"].to_numpy()[rows]
    if wording.remarks is not None:
        notes = np.array(
            [f"{r}; {n}" if n else r for r, n in zip(wording.remarks[rows], notes, strict=True)], dtype=object
        )
    missing = sorted(study.missing_components)
    if missing:
        absent = (
            f"input has no {' or '.join(m.replace('_', '-') + ' lesion' for m in missing)} information: "
            "burden-only assessment"
        )
        notes = np.array([f"{absent}; {n}" if n else absent for n in notes], dtype=object)
    frame = pl.DataFrame(
        {
            "rule": wording.rule[rows].astype(np.int64),
            "burden": burden[rows].astype(float),
            "base": baseline_sum[rows],
            "nadir": nadir[rows],
            "target_sum": target_sum[rows].astype(float),
            "new_sum": new_sum[rows].astype(float),
            "day": day[rows].astype(np.int64),
            "state": progression.state[rows].astype(np.int64),
            "decider_day": decider_day[rows],
            "decided_day": decided_day[rows],
            "note": notes.astype(str),
        },
        nan_to_null=False,
    )
    reasons = burden_reasons(frame, wording.templates, labels, unit, wording.source, wording.confirm_min_days)
    columns = {
        PATIENT: table[PATIENT].to_numpy()[rows],
        READER: table[READER].to_numpy()[rows],
        "criterion": np.full(len(rows), key, dtype=object),
        DATE: table[DATE].to_numpy()[rows] if DATE in table else np.full(len(rows), "", dtype=object),
        DAY: table[DAY].to_numpy()[rows],
        "baseline_sum": baseline_sum[rows],
        "nadir_sum": nadir[rows],
        "current_sum": current[rows],
        "sum_unit": np.full(len(rows), unit, dtype=object),
        "sum_complete": complete[rows].astype(bool),
        "pct_change_baseline": np.round(pct_baseline[rows], 2),
        "pct_change_nadir": np.round(pct_nadir[rows], 2),
        "abs_change_nadir": np.round(current[rows] - nadir[rows], 6),
        "target_sum": np.where(has_targets & target_complete, target_sum, np.nan)[rows],
        "new_lesion_sum": new_sum[rows].astype(float),
        "target_response": label[measured[rows]],
        "non_target_response": label[non_target[rows]],
        "new_lesion_response": np.where(new_present[rows], "yes", "no").astype(object),
        "overall_response": label[overall[rows]],
        "confirmation_state": state_labels(state[rows]),
        "progression_day": np.where(
            progression.progression_day[rows] >= 0, progression.progression_day[rows], np.nan
        ),
        "after_progression": progression.after_progression[rows],
        CLINICAL_STATUS: table[CLINICAL_STATUS].to_numpy()[rows] if CLINICAL_STATUS in table else "",
        "flags": flags[rows],
        "reason": reasons,
    }
    return timepoint_frame(columns, len(rows))


def _lesion_table(study: Study) -> pd.DataFrame:
    if study.lesions is None:
        raise InputError(study.source, [], None, "irRC needs an anatomic lesion table")
    if PERPENDICULAR not in study.lesions:
        raise InputError(
            study.source,
            [],
            PERPENDICULAR,
            "irRC measures lesions bidimensionally: give perpendicular_mm (spec 2.9)",
        )
    return study.lesions


def _perpendicular(lesions: pd.DataFrame) -> np.ndarray:
    """Perpendicular diameter; for nodes the short axis when it is empty (spec 0.4)."""
    perpendicular = lesions[PERPENDICULAR].to_numpy(float)
    short = lesions[SHORT_AXIS].to_numpy(float)
    return np.where(lesions[LYMPH_NODE].to_numpy(bool) & np.isnan(perpendicular), short, perpendicular)


def _missing_diameters(
    lesions: pd.DataFrame, source: str, perpendicular: np.ndarray, policy: MissingDiameter
) -> np.ndarray:
    """A present index lesion needs both diameters (spec 2.9); returns the rows lacking one."""
    present = (lesions[ROLE].to_numpy() == Role.TARGET) & (lesions[STATUS].to_numpy() == Status.PRESENT)
    rows = lesions["source_row"].to_numpy()
    missing = present & np.isnan(lesions[LONG_AXIS].to_numpy(float) * perpendicular)
    for column, values in ((LONG_AXIS, lesions[LONG_AXIS].to_numpy(float)), (PERPENDICULAR, perpendicular)):
        bad = present & np.isnan(values)
        if bad.any() and policy == "error":
            raise InputError(
                source,
                rows[bad],
                column,
                f"missing measurement: irRC multiplies long_axis_mm by perpendicular_mm (nodes: "
                f"short_axis_mm) for every present index lesion (spec 2.9); give {column} or "
                "use status not_evaluable (or missing_diameter='not_evaluable')",
            )
    return missing


def _bidimensional_measurable(
    lesions: pd.DataFrame, perpendicular: np.ndarray, minimum: float, inclusive: bool, apply_slice_rule: bool
) -> np.ndarray:
    """Both diameters >= 5 mm (Wolchok 2009 Table 1; spec 2.2, B1)."""
    long_axis = lesions[LONG_AXIS].to_numpy(float)
    limit = np.full(len(lesions), minimum)
    if apply_slice_rule:
        slice_mm = lesions["slice_thickness_mm"].to_numpy(float)
        limit = np.where(slice_mm > 5.0, np.maximum(limit, 2 * slice_mm), limit)
    if inclusive:
        big = (long_axis >= limit) & (perpendicular >= limit)
    else:
        big = (long_axis > limit) & (perpendicular > limit)
    return big & shows_disease(lesions[STATUS].to_numpy()) & (lesions[STATUS].to_numpy() != Status.TOO_SMALL)


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
) -> dict[int, list[str]]:
    """Index lesions at baseline: both diameters >= 5 mm and the counts (spec 2.2, 2.3); flags per subject."""
    at_baseline = assessments.table["is_baseline"].to_numpy()[assessments.row_assessment]
    status = lesions[STATUS].to_numpy()
    index = at_baseline & (lesions[ROLE].to_numpy() == Role.TARGET)
    subject = assessments.subject_of_rows()
    rows = lesions["source_row"].to_numpy()
    flags: dict[int, list[str]] = {}
    small = (
        index
        & (status == Status.PRESENT)
        & ~np.isnan(lesions[LONG_AXIS].to_numpy(float) * perpendicular)
        & ~_bidimensional_measurable(lesions, perpendicular, minimum, inclusive, apply_slice_rule)
    )
    organ = organ_of(lesions)
    frame = pd.DataFrame(
        {
            "subject": subject[index],
            "organ": organ[index],
            "skin": organ[index] == CUTANEOUS_ORGAN,
            "row": np.flatnonzero(index),
        }
    )
    per_organ_count = frame.groupby(["subject", "organ"])["row"].transform("size").to_numpy()
    per_group_count = frame.groupby(["subject", "skin"])["row"].transform("size").to_numpy()
    group_cap = np.where(frame["skin"].to_numpy(), cutaneous, visceral)
    over = np.zeros(len(lesions), bool)
    over[frame["row"].to_numpy()[(per_organ_count > per_organ) | (per_group_count > group_cap)]] = True
    problems = [
        (
            small,
            PERPENDICULAR,
            f"index lesion below {minimum:g} x {minimum:g} mm (both diameters; irRC, "
            "Wolchok 2009 Table 1; spec 2.2)",
        ),
        (
            over,
            ROLE,
            f"more than {per_organ} index lesions per organ, {visceral} visceral or {cutaneous} "
            "cutaneous (Wolchok 2009; spec 2.3)",
        ),
    ]
    for mask, column, message in problems:
        if not mask.any():
            continue
        first = subject[mask][0]
        patient = assessments.table[PATIENT].iat[assessments.subject_offsets[first]]
        text = f"patient {patient}: {message}"
        if on_violation == "error":
            raise InputError(
                source,
                rows[mask & (subject == first)],
                column,
                f"{text}; fix the baseline or pass on_baseline_violation='warn'",
            )
        warnings.warn(f"{source}: {text}", IoresponseWarning, stacklevel=3)
        for k in np.unique(subject[mask]):
            flags.setdefault(int(k), []).append("baseline_index_rule_violated")
    normal = (
        index
        & lesions[LYMPH_NODE].to_numpy(bool)
        & (status == Status.PRESENT)
        & (lesions[SHORT_AXIS].to_numpy(float) < NORMAL_NODE_SHORT_AXIS_MM)
    )
    for k in np.unique(subject[normal]):
        flags.setdefault(int(k), []).append("normal_node_recorded")
    return flags


CRITERION = Criterion(
    key=KEY,
    title="irRC (Wolchok 2009)",
    family="anatomic",
    required_columns=(PATIENT, DAY, LESION, ROLE, ORGAN, LYMPH_NODE, STATUS, LONG_AXIS, PERPENDICULAR),
    assess=assess,
)
