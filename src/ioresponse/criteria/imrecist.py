"""imRECIST: immune-modified RECIST.

Source: Hodi FS, Ballinger M, Lyons B, et al. Immune-modified response evaluation criteria in solid
tumors (imRECIST): refining guidelines to assess the clinical benefit of cancer immunotherapy.
J Clin Oncol 2018;36(9):850-858, doi:10.1200/JCO.2017.75.1644 (Methods and Table 1, RECIST v1.1
versus imRECIST).
Rules as in spec/anatomic.md section 5; options are the choices of section 5.11 (E1-E5).

What changes from RECIST 1.1: new measurable lesions join the sum of the targets; non-target
lesions and new non-measurable lesions never define PD (they only prevent CR); PD must be
confirmed at least 4 weeks later, and a PD followed by disease control is not a PFS event; the best
overall response may come after a PD.
"""

from __future__ import annotations

from typing import Literal

from ioresponse.criteria import Criterion, CriterionResult, Study
from ioresponse.criteria._anatomic import CONFIRM_MIN_DAYS, MAX_BASELINE_GAP_DAYS
from ioresponse.criteria.irrc import BurdenRules, NewLesionEntry, UnconfirmedPd
from ioresponse.criteria.irrecist import (
    MAX_TARGETS,
    MAX_TARGETS_PER_ORGAN,
    Wording,
    assess_unidimensional_burden,
)
from ioresponse.schema import DAY, LESION, LYMPH_NODE, ORGAN, PATIENT, ROLE, STATUS, OnBaselineViolation

KEY = "imrecist"

PR_DECREASE = 0.30
"""PR: sum at least 30 % below the baseline sum (Hodi 2018 Table 1, as RECIST 1.1)."""

PD_INCREASE = 0.20
"""PD: sum of targets and new measurable lesions at least 20 % above its nadir (Hodi 2018 Table 1)..."""

PD_ABSOLUTE_MM = 5.0
"""...and at least 5 mm above it (RECIST 1.1 kept; spec 5.4 and section 7 point 3)."""

MAX_NEW_MEASURABLE = 5
"""At most 5 new measurable lesions added to the sum (RECIST target counts; spec 5.11 E1)."""

MAX_NEW_MEASURABLE_PER_ORGAN = 2
"""At most 2 new measurable lesions per organ added to the sum (spec 5.11 E1)."""

MIN_SD_DAYS = 42
"""Minimum time for SD to count as best response (spec 5.7)."""

LABELS = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "none", "not_given", "")
"""Label of each response code (spec 0.9, key imrecist)."""

BorScope = Literal["all", "until_confirmed_pd"]
"""spec 5.11 E2: which assessments the best overall response reads."""

WORDING = Wording(
    KEY, LABELS, "sum", "imRECIST, spec 5.6", "imRECIST, Hodi 2018 Table 1", "imRECIST, Hodi 2018; spec 5.7"
)

RULES = BurdenRules(
    PR_DECREASE,
    PD_INCREASE,
    PD_ABSOLUTE_MM,
    gone_before_pd=True,
    nontarget_can_define_pd=False,
    new_nonmeasurable_can_define_pd=False,
    needs_targets=False,
)
"""Non-target and new non-measurable lesions never define PD (Hodi 2018; spec 5.5)."""


def assess(
    study: Study,
    *,
    max_new_measurable: int = MAX_NEW_MEASURABLE,
    max_new_measurable_per_organ: int = MAX_NEW_MEASURABLE_PER_ORGAN,
    bor_scope: BorScope = "all",
    confirm_min_days: int = CONFIRM_MIN_DAYS,
    confirm_max_days: int | None = None,
    unconfirmed_pd_as: UnconfirmedPd = "pd",
    confirm_response: bool = False,
    max_ne_between: int = 1,
    min_sd_days: int = MIN_SD_DAYS,
    new_lesion_entry: NewLesionEntry = "when_measurable",
    on_baseline_violation: OnBaselineViolation = "error",
    max_baseline_gap_days: int = MAX_BASELINE_GAP_DAYS,
    on_old_baseline: OnBaselineViolation = "warn",
) -> CriterionResult:
    """imRECIST timepoint responses and best overall response of every patient (x reader).

    Parameters
    ----------
    study : Study
        Validated lesion table.
    max_new_measurable, max_new_measurable_per_organ : int, default 5, 2
        Caps of the new measurable lesions added to the sum (E1).
    bor_scope : {"all", "until_confirmed_pd"}, default "all"
        Best response reads every assessment, including after a PD, or stops at the confirmed PD (E2).
    confirm_min_days, confirm_max_days : int, int or None, default 28, None
        PD is decided by the first evaluable assessment >= 28 days later (E3); a later one still
        decides, with the flag ``late_confirmation``.
    unconfirmed_pd_as : {"pd", "ne"}, default "pd"
        Best response and PFS of a PD still pending at the end of data (E5).
    confirm_response : bool, default False
        Confirmed CR/PR drive the dates (RECIST 1.1 rule).
    max_ne_between : int, default 1
        NE assessments allowed between a response and its confirmation (spec 0.7).
    min_sd_days : int, default 42
        SD and NON-CR/NON-PD count for best response only at ``day >= min_sd_days``.
    new_lesion_entry : {"when_measurable", "first_appearance_only"}, default "when_measurable"
        When a new lesion enters the sum (E4).
    on_baseline_violation : {"error", "warn"}, default "error"
        A target below the RECIST 1.1 size rule, beyond the counts, or not present at baseline (as RECIST
        1.1 A1); a kept one not measured leaves the baseline sum known in part
        (``_immune.burden_timepoints``).
    max_baseline_gap_days, on_old_baseline : int, {"warn", "error"}, default 28, "warn"
        Baseline older than this before day 0: flag ``baseline_older_than_28_days``, or refuse (spec 0.2).

    Returns
    -------
    CriterionResult
        Timepoints (spec 0.9; ``current_sum`` is targets plus counted new lesions) and best responses.

    Notes
    -----
    1. Baseline as RECIST 1.1: at most 5 targets, 2 per organ; baseline sum B (spec 5.3).
    2. SLD(t) = target values + counted new measurable lesions (spec 5.4).
    3. Category: incomplete (PD if the known part is PD, else NE), gone, PD (>= +20 % and >= +5 mm
       vs the nadir), PR (<= -30 % vs B), SD; non-target and new non-measurable lesions only decide
       CR versus PR (spec 5.5, 5.6).
    4. PD is confirmed when the first evaluable assessment >= 28 days later is PD again (spec 5.7).
    5. Best response over every assessment by default, skipping not-confirmed PD (spec 5.7, E2).
    """
    return assess_unidimensional_burden(
        study,
        WORDING,
        RULES,
        target_per_organ=MAX_TARGETS_PER_ORGAN,
        target_group_caps={"all": MAX_TARGETS},
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
        until_progression=bor_scope == "until_confirmed_pd",
        pending_pd_is_event=True,  # spec 5.7
    )


CRITERION = Criterion(
    key=KEY,
    title="imRECIST (Hodi 2018)",
    family="anatomic",
    required_columns=(PATIENT, DAY, LESION, ROLE, ORGAN, LYMPH_NODE, STATUS),
    assess=assess,
)
