"""The immune-related burden shared by irRC, irRECIST and imRECIST (and parts used by iRECIST).

irRC (Wolchok 2009, doi:10.1158/1078-0432.CCR-09-1624) defined a tumour burden of index lesions plus
new measurable lesions, with progression confirmed at least 4 weeks later; irRECIST (Nishino 2013,
Bohnsack 2014) and imRECIST (Hodi 2018) keep that shape with unidimensional measures. One
implementation of each shared rule lives here: counting new measurable lesions under caps (spec 2.5,
3.5, 5.5), the non-target codes, the burden timepoint kernel (spec 2.6, 3.6, 5.6), the confirmation of
progression (spec 0.8), the best-response table and the reason sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from ioresponse.criteria import Study
from ioresponse.criteria._anatomic import (
    CONFIRMATION_STATES,
    CR,
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
    Coded,
    absent_components_text,
    baseline_of,
    best_response_days,
    best_response_frame,
    best_responses,
    confirm_progression,
    confirmed_responses,
    decrease_at_least,
    first_day_per_subject,
    increase_at_least,
    labelled,
    last_day_per_subject,
    lesion_codes,
    missing_non_targets,
    normal_node,
    organ_codes,
    pre_baseline_text,
    read_only,
    repeated,
    roles,
    rounded,
    running_total,
    shared,
    sum_columns,
    text_is,
    timepoint_frame,
)
from ioresponse.criteria._sentences import (
    Field,
    best_reasons,
    change_fields,
    change_fragments,
    every_row,
    expand,
    integer,
    mm,
    present,
    reason_text,
    sentences,
    text,
)
from ioresponse.schema import (
    DAY,
    EQUIVOCAL,
    LYMPH_NODE,
    ORGAN,
    PATIENT,
    READER,
    Role,
    Status,
)

CUTANEOUS_ORGAN = "skin"
"""Organ name of cutaneous lesions (spec 0.1)."""

NewLesionEntry = Literal["when_measurable", "first_appearance_only"]
"""spec 2.11 B5 (and C7, E4): when a new lesion enters the burden."""

UnconfirmedPd = Literal["pd", "ne"]
"""spec 2.7, 3.7, 5.11 E5: best response of a progression still pending at the end of data."""


# ---------------------------------------------------------------------------------------------------
# Immune-related burden, shared with irRECIST and imRECIST (spec 2.4, 3.4, 5.4, 0.8)
# ---------------------------------------------------------------------------------------------------

# Rules of the burden timepoint (spec 2.6, 3.6, 5.6), used for the reason sentences; the last three are the
# project's rule for a baseline sum left incomplete (see :func:`burden_timepoints`).
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
    B_BASELINE_NE,
    B_BASELINE_INCOMPLETE_NE,
    B_PR_BASELINE_PART,
) = range(21)


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


def cap_groups(lesions: pd.DataFrame) -> np.ndarray:
    """Cap group of each row for the irRC counts (Wolchok 2009; spec 2.3): "cutaneous" for skin
    lesions, "visceral" for every other lesion, lymph nodes included."""
    return shared(lesions, "cap_group", lambda: read_only(_cap_groups(lesions)))


def _cap_groups(lesions: pd.DataFrame) -> np.ndarray:
    cutaneous = text_is(lesions, ORGAN, CUTANEOUS_ORGAN) & ~lesions[LYMPH_NODE].to_numpy(bool)
    return np.array(["visceral", "cutaneous"], dtype=object)[cutaneous.astype(np.intp)]


def equivocal_rows(lesions: pd.DataFrame) -> np.ndarray:
    """``equivocal`` as bool (an equivocal new lesion is not present until unequivocal; spec 1.5, 2.5)."""
    return lesions[EQUIVOCAL].to_numpy(bool) if EQUIVOCAL in lesions else np.zeros(len(lesions), bool)


def shows_disease(status: Coded) -> np.ndarray:
    """Statuses that mean the lesion is there (spec 0.3)."""
    return status.isin([Status.PRESENT, Status.TOO_SMALL, Status.UNEQUIVOCAL_PROGRESSION])


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
    normal_nodes_are_no_lesion: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Which new-lesion rows are counted (spec 2.4, 3.4, 4.4, 5.4).

    A new lesion enters at the first assessment where ``qualifies`` (measurable, not equivocal) holds
    (``entry="when_measurable"``), or only if it qualifies at its first appearance
    (``"first_appearance_only"``); an equivocal lesion appears when it is first unequivocal (spec 1.5:
    it is not present before), a node when its short axis first reaches 10 mm (smaller, it is no
    lesion: spec 0.3, 4.4; with ``normal_nodes_are_no_lesion=False``, irRC's "who" node rules, when it is
    first present). Slots fill in order of entry, then larger value, then ``lesion_id``,
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
    new = (roles(lesions) == Role.NEW) & assessments.in_use
    rows = np.flatnonzero(new)
    counted = np.zeros(len(lesions), bool)
    expected = np.zeros(assessments.n, np.int64)
    if not len(rows):
        return counted, expected
    subject = assessments.subject_of_rows()
    frame = pd.DataFrame(
        {
            "subject": subject[rows],
            "lesion": lesion_codes(lesions)[rows],
            "assessment": assessments.row_assessment[rows],
            "qualifies": qualifies[rows],
            "value": np.nan_to_num(values[rows]),
            "organ": organ_codes(lesions)[rows],
            "organ_unknown": text_is(lesions, ORGAN, "")[rows] & ~lesions[LYMPH_NODE].to_numpy(bool)[rows],
            "group": "all" if group is None else group[rows],
        }
    )
    # A node below 10 mm short axis (fragments summed, spec 0.4) is no lesion yet, whatever ``values`` are
    # (irRC: products), unless nodes follow other rules (irRC node_rules "who", B2).
    small_node = normal_node(lesions, assessments)[rows] & normal_nodes_are_no_lesion
    seen = frame["assessment"].where(~equivocal_rows(lesions)[rows] & ~small_node)
    first = seen.groupby([frame["subject"], frame["lesion"]], sort=False).transform("min").to_numpy()
    eligible = frame["qualifies"].to_numpy()
    if entry == "first_appearance_only":
        eligible &= frame["assessment"].to_numpy() == first
    # Slots go to larger lesions first, a split lesion by the sum of its fragments (spec 0.4).
    frame["value"] = frame.groupby(["subject", "lesion", "assessment"], sort=False)["value"].transform("sum")
    candidates = frame[eligible].drop_duplicates(["subject", "lesion"], keep="first")
    candidates = candidates.sort_values(
        ["subject", "assessment", "value", "lesion"], ascending=[True, True, False, True], kind="stable"
    )
    if apply_caps and len(candidates):
        # a lesion without organ (allowed for a new lesion, io.validate.organ_needed) is under no per-organ
        # cap: its organ is unknown, so only the total / group caps apply to it
        unknown = candidates["organ_unknown"].to_numpy()
        in_organ = unknown | (candidates.groupby(["subject", "organ"], sort=False).cumcount().to_numpy()
                              < max_per_organ)
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
    return counted, running_total(per_assessment, assessments)


@numba.njit(cache=True, nogil=True)
def burden_timepoints(
    is_baseline: np.ndarray,
    is_pre_baseline: np.ndarray,
    offsets: np.ndarray,
    has_targets: np.ndarray,
    target_sum: np.ndarray,
    burden: np.ndarray,
    complete: np.ndarray,
    all_gone: np.ndarray,
    non_target: np.ndarray,
    new_nonmeasurable_present: np.ndarray,
    new_nonmeasurable_pd: np.ndarray,
    pr_decrease: float,
    pd_increase: float,
    pd_absolute: float,
    gone_before_pd: bool,
    nontarget_can_define_pd: bool,
    new_nonmeasurable_can_define_pd: bool,
    needs_targets: bool,
) -> tuple[np.ndarray, ...]:
    """Timepoint response of the burden criteria, in day order per subject (spec 2.6, 3.6, 5.6).

    The burden is the baseline targets plus the counted new measurable lesions; its baseline value is
    the target sum B, the reference for response; its nadir N(t) (complete burdens strictly before t,
    baseline included) is the reference for progression.

    A baseline target not measured (kept by ``on_baseline_violation="warn"``, or irRC's
    ``missing_diameter="not_evaluable"``) leaves only the known part of B, a lower bound of the true one:
    the project's rule of ``recist11.target_response`` (the spec is silent). Progression over the nadir
    needs a known nadir (a complete B, or a complete burden below its known part since); the PR band
    against the known part is certain; the SD band is not (it may be PR against the true B): NE.
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
        baseline_known = nadir_known = True  # complete baseline and nadir burdens
        for i in range(offsets[k], offsets[k + 1]):
            if is_pre_baseline[i]:
                continue
            if is_baseline[i]:
                base = target_sum[i] if has_targets[i] else 0.0
                lowest = base
                baseline_known = nadir_known = complete[i]
                baseline_sum[i] = base  # the best-response row reads it (no follow-up, spec 0.9)
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
            ne_rule = B_INCOMPLETE_NE
            if gone and gone_before_pd:
                category = CR
            elif grew and nadir_known:
                category = PD
            elif grew:  # over the known part of the baseline burden only: no progression proven
                category = NE
                ne_rule = B_BASELINE_NE if complete[i] else B_BASELINE_INCOMPLETE_NE
            elif not complete[i]:
                category = NE
            elif gone:
                category = CR
            elif has_targets[i] and decrease_at_least(burden[i], base, pr_decrease):
                category = PR
            elif not baseline_known:
                category = NE
                ne_rule = B_BASELINE_NE
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
                o, r = NE, ne_rule
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
                o, r = PR, (B_PR if baseline_known else B_PR_BASELINE_PART)
            elif increase_at_least(burden[i], lowest, pd_increase):
                o, r = SD, B_SD_UNDER_ABS
            else:
                o, r = SD, B_SD
            overall[i] = o
            rule[i] = r
            if complete[i] and burden[i] < lowest:
                lowest = burden[i]
                nadir_known = True  # below the known part of the baseline burden, so below the true one too
    return overall, measured, rule, baseline_sum, nadir


@numba.njit(cache=True, nogil=True)
def _without_targets(
    nt: int,
    new_present: bool,
    burden: float,
) -> tuple[int, int]:
    """Patients without target lesions: the non-target-only table (spec 3.6, 5.6; RECIST 1.1 Table 2)."""
    if nt == NE:
        return NE, B_NT_ONLY_NE
    if nt == NONE and not new_present and burden == 0.0:
        return NE, B_NOTHING
    if (nt == CR or nt == NONE) and not new_present and burden == 0.0:
        return CR, B_NT_ONLY_CR
    return NON_CR_NON_PD, B_NT_ONLY_NON_CR


@numba.njit(cache=True, nogil=True)
def deciding_rows(
    state: np.ndarray,
    evaluable: np.ndarray,
    day: np.ndarray,
    offsets: np.ndarray,
    min_days: int,
) -> np.ndarray:
    """For each first progression that was decided, the row that decided it (spec 0.8), else -1.

    The PD rows between a first PD and its deciding row are decided with it; the search for a new first
    PD restarts after the deciding row (spec 0.8).
    """
    decider = np.full(len(state), -1, np.int64)
    for k in range(len(offsets) - 1):
        i, end = offsets[k], offsets[k + 1]
        while i < end:
            if state[i] == STATE_NOT_CONFIRMED or state[i] == STATE_CONFIRMED:
                for j in range(i + 1, end):
                    if evaluable[j] and day[j] - day[i] >= min_days:
                        decider[i] = j
                        break
                if decider[i] < 0 or state[i] == STATE_CONFIRMED:
                    break
                i = decider[i]
            i += 1
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
    remarks: ExtensionArray | None = None
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
    baseline_sum: np.ndarray,
    measurable_subjects: np.ndarray,
    *,
    confirm_response: bool,
    confirm_min_days: int,
    max_ne_between: int,
    min_sd_days: int,
    unconfirmed_pd_as: UnconfirmedPd,
    pending_pd_is_event: bool,
    source_text: str,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Best-response table of a burden criterion (spec 0.9) and the response confirmation per row.

    ``progression_day`` is the day of a confirmed progression (spec 0.8). A PD still pending at the end of
    data counts in the best response per ``unconfirmed_pd_as``; it ends the PFS and the response (an event
    at its day) only with ``pending_pd_is_event`` (imRECIST, spec 5.7; irRC and irRECIST date only a
    confirmed irPD, spec 2.7, 3.7 and patterns.md 7.3-7.4). ``baseline_sum`` is the kernel's, per
    assessment, and ``measurable_subjects`` those of the baseline checks (:func:`best_response_frame`).
    """
    table = assessments.table
    day = table[DAY].to_numpy(np.int64)
    offsets = assessments.subject_offsets
    for_confirmation, confirmed_by = confirmed_responses(  # a not-confirmed PD is ignored (spec 0.8)
        overall, confirm_scope, assessments, confirm_min_days, max_ne_between,
        skipped=progression.state == STATE_NOT_CONFIRMED,
    )
    best = best_responses(overall, for_confirmation, confirmed_by, day, ranked, offsets, min_sd_days)
    first = offsets[:-1]
    confirmed_day = np.where(
        progression.progression_day[first] >= 0, progression.progression_day[first], np.nan
    )
    pending = (progression.state == STATE_PENDING) & ranked
    pending_day = first_day_per_subject(pending, day, offsets)
    event_day = confirmed_day  # the progression_day column: a confirmed progression only (spec 0.8)
    if unconfirmed_pd_as == "pd" and pending_pd_is_event:
        event_day = np.where(np.isnan(confirmed_day), pending_day, confirmed_day)
    evaluable = ranked & (overall != NE)
    last_evaluable = last_day_per_subject(evaluable, day, offsets)
    first_response = at_day(best[:, 5] if confirm_response else best[:, 4], day)
    pfs_event = ~np.isnan(event_day)
    end = np.where(pfs_event, event_day, last_evaluable)
    # duration of response runs to the progression that follows the response (spec 5.7), else censored
    response_end = np.where(pfs_event & (event_day >= first_response), event_day, last_evaluable)
    duration = np.where(np.isnan(first_response), np.nan, response_end - first_response)
    best_label, confirmed_label = labelled(labels, best[:, 0]), labelled(labels, best[:, 2])
    best_day, confirmed_best_day = at_day(best[:, 1], day), at_day(best[:, 3], day)
    reasons = best_reasons(
        {
            "best": best_label,
            "confirmed": confirmed_label,
            "best_day": best_day,
            "confirmed_day": confirmed_best_day,
            "progression": confirmed_day,
            "pending": pending_day,
            "ignored": pre_baseline_text(assessments),
        },
        "best response",
        labels[PD],
        "confirmed progression day",
        source_text,
    )
    columns = {
        PATIENT: table[PATIENT].array.take(first),
        READER: table[READER].array.take(first),
        "criterion": repeated(key, len(first)),
        "best_response": best_label,
        "best_response_confirmed": confirmed_label,
        **best_response_days(best_day, confirmed_best_day, confirm_response),
        "first_response_day": first_response,
        "progression_day": confirmed_day,
        "duration_of_response_days": duration,
        "pfs_event": pfs_event,
        "pfs_day": end,
        "reason": reasons,
    }
    best_table = best_response_frame(columns, baseline_sum, offsets, measurable_subjects)
    return best_table, for_confirmation, confirmed_by


def burden_reasons(
    rule: np.ndarray,
    fields: dict[str, Field],
    state: np.ndarray,
    decider_day: np.ndarray,
    decided_day: np.ndarray,
    wording: BurdenWording,
    pd_label: str,
    unit: str,
    absent: str,
) -> ExtensionArray:
    """Reason sentences of spec 0.10 for the burden criteria.

    ``fields`` has, per timepoint: burden, target_sum, new_sum, day, the :func:`change_fields` of the
    burden, missing (the lesions not evaluable), baseline_missing (those of the baseline), nt_missing (the
    non-target lesions not evaluable, in words), remark and note; ``absent`` says which components the
    input lacks (or is ""); ``wording.templates`` maps a rule to a sentence with the placeholders
    {total}, {parts}, {missing}, {vs_nadir} and {vs_baseline}. ``state`` is the confirmation state code;
    ``decider_day`` the day that decided this first PD, ``decided_day`` the day of the not-confirmed
    PD this row decided (NaN when none).
    """
    n = len(rule)
    source, gap = wording.source, decider_day - fields["day"].values
    parts_text = sentences(
        [(np.where(fields["new_sum"].values > 0, 0, -1), {0: " ({target_sum} targets + {new_sum} new)"})],
        {"target_sum": fields["target_sum"], "new_sum": fields["new_sum"]},
        separator="",
    )
    fragments = {"total": "{burden}", **change_fragments(unit)}
    confirmation = np.select(
        [
            state == STATE_PENDING,
            state == STATE_CONFIRMED,
            (state == STATE_NOT_CONFIRMED) & ~np.isnan(decider_day),
            state == STATE_NOT_CONFIRMED,
            state == STATE_CONFIRMS,
        ],
        [0, 1, 2, 3, 4],
        default=-1,
    )
    confirmation_texts = {
        0: f"{pd_label} pending confirmation >={wording.confirm_min_days} days ({source})",
        1: f"{pd_label} confirmed by day {{decider_day}} ({{gap}} days later): progression dated day {{day}} "
        f"({source})",
        2: f"{pd_label} not confirmed: day {{decider_day}} ({{gap}} days later) does not meet {pd_label}; "
        f"ignored for best response ({source})",
        3: f"{pd_label} not confirmed ({source})",
        4: f"confirms progression ({source})",
    }
    parts = [
        (rule, {r: expand(template, fragments) for r, template in wording.templates.items()}),
        (every_row(n), {0: "{nt_missing}"}),
        (confirmation, confirmation_texts),
        (present(decided_day), {0: f"decides {pd_label} of day {{decided_day}}: not confirmed"}),
        (every_row(n), {0: absent}),
        (every_row(n), {0: "{remark}"}),
        (every_row(n), {0: "{note}"}),
    ]
    more = {
        "parts": text(parts_text),
        "decider_day": integer(decider_day),
        "gap": integer(gap),
        "decided_day": integer(decided_day),
    }
    return reason_text(parts, {**fields, **more})


def decision_days(progression: Progression, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the day that decided it (a first PD), and the day of the not-confirmed PD it decided."""
    decider_day = np.where(progression.decider >= 0, day[np.maximum(progression.decider, 0)], np.nan)
    decided_day = np.full(len(day), np.nan)
    not_confirmed = np.flatnonzero((progression.decider >= 0) & (progression.state == STATE_NOT_CONFIRMED))
    decided_day[progression.decider[not_confirmed]] = day[not_confirmed]
    return decider_day.astype(float), decided_day


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
    last = np.zeros(len(state), bool)  # the last in-scope assessment of each subject
    if len(scoped):
        last[scoped[np.append(subject[scoped][1:] != subject[scoped][:-1], True)]] = True
    state[response & (confirmed_by < 0) & last] = STATE_PENDING
    confirms = confirmed_by[confirmed_by >= 0]
    state[confirms[state[confirms] != STATE_CONFIRMED]] = STATE_CONFIRMS
    return state


def burden_timepoint_table(
    key: str,
    labels: tuple[str, ...],
    unit: str,
    study: Study,
    assessments: Assessments,
    follow_up: np.ndarray,
    target_sum: np.ndarray,
    target_measured: np.ndarray,
    has_targets: np.ndarray,
    new_sum: np.ndarray,
    burden: np.ndarray,
    complete: np.ndarray,
    not_evaluable: np.ndarray,
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
    """The timepoint table of a burden criterion, in schema column order (spec 0.9); ``not_evaluable``
    names the lesions that leave a burden incomplete (:func:`not_evaluable_text`)."""
    table = assessments.table
    rows = np.flatnonzero(follow_up)
    current = np.where(complete, burden, np.nan)
    day = table[DAY].to_numpy()
    decider_day, decided_day = decision_days(progression, day)
    remarks = wording.remarks.take(rows) if wording.remarks is not None else repeated("", len(rows))
    fields = {
        "burden": mm(burden[rows].astype(float)),
        "target_sum": mm(target_sum[rows].astype(float)),
        "new_sum": mm(new_sum[rows].astype(float)),
        "day": integer(day[rows].astype(float)),
        **change_fields(burden[rows].astype(float), baseline_sum[rows], nadir[rows]),
        "missing": text(not_evaluable[rows]),
        "baseline_missing": text(not_evaluable.take(baseline_of(assessments)[rows])),
        "nt_missing": text(missing_non_targets(study.lesions, assessments, non_target).take(rows)),
        "remark": text(remarks),
        "note": text(table["note"].array.take(rows)),
    }
    reasons = burden_reasons(
        wording.rule[rows],
        fields,
        progression.state[rows],
        decider_day[rows],
        decided_day[rows],
        wording,
        labels[PD],
        unit,
        absent_components_text(study.missing_components, "burden-only assessment"),
    )
    columns = {
        **assessments.identity(rows),
        "criterion": repeated(key, len(rows)),
        **sum_columns(current, baseline_sum, nadir, rows),
        "sum_unit": repeated(unit, len(rows)),
        "sum_complete": complete[rows].astype(bool),
        "target_sum": np.where(has_targets & target_measured, target_sum, np.nan)[rows],
        "new_lesion_sum": new_sum[rows].astype(float),
        "target_response": labelled(labels, measured[rows]),
        "non_target_response": labelled(labels, non_target[rows]),
        "new_lesion_response": labelled(("no", "yes"), new_present[rows].astype(np.int8)),
        "overall_response": labelled(labels, overall[rows]),
        "confirmation_state": labelled(CONFIRMATION_STATES, state[rows]),
        "progression_day": np.where(
            progression.progression_day[rows] >= 0, progression.progression_day[rows], np.nan
        ),
        "after_progression": progression.after_progression[rows],
        "flags": flags[rows],
        "reason": reasons,
    }
    return timepoint_frame(columns, len(rows))
