"""Dissociated (mixed) response and oligoprogression, from lesion-level classification.

Sources (spec/patterns.md sections 3 and 4.4):
- Consensus: Leon-Mateos L et al. Clin Transl Oncol 2021;23(3):434-449, doi:10.1007/s12094-020-02442-3.
- Humbert O, Chardin D. Front Oncol 2020;10:566297, doi:10.3389/fonc.2020.566297.
- Bernard-Tessier 2020, Tozuka 2020 (as summarised in Ther Adv Med Oncol 2022;14:17588359221096877,
  doi:10.1177/17588359221096877, Table 1).
- Oligoprogression: Guckenberger M et al. Lancet Oncol 2020;21(1):e18-e28,
  doi:10.1016/S1470-2045(19)30718-1; Lievens Y et al. Radiother Oncol 2020;148:157-166 (limits are the
  oligometastatic convention, spec 9.9).
Lesion classes (spec 3.2): ``responding`` (-30 % vs baseline, absent, or a node back under 10 mm),
``progressing`` (+20 % and +5 mm vs the lesion's own nadir, or new), else ``stable``; a lesion without
a value at the timepoint is ``not_evaluable``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ioresponse.criteria import Study
from ioresponse.criteria._anatomic import NORMAL_NODE_SHORT_AXIS_MM, unidimensional_values
from ioresponse.io.pet_table import statuses
from ioresponse.patterns._common import (
    THRESHOLD_TOLERANCE,
    Flag,
    PatternOptions,
    PatternRow,
    above,
    any_of,
    at_least_value,
    below,
)
from ioresponse.patterns._study import new_lesion_rows, organ_keys
from ioresponse.schema import (
    DATE,
    DAY,
    LESION,
    LYMPH_NODE,
    PATIENT,
    READER,
    ROLE,
    STATUS,
    Role,
    Status,
)

RESPONDING_FRACTION = -0.30
"""Lesion responding: change vs baseline <= -30 % (non-strict; RECIST-like band, spec 3.2)."""
PROGRESSING_FRACTION = 0.20
"""Lesion progressing: change vs its nadir >= +20 % (non-strict, spec 3.2) ..."""
PROGRESSING_MM = 5.0
"""... and >= +5 mm (non-strict, spec 3.2)."""
PET_PROGRESSING_FRACTION = 0.30
"""PET lesion progressing: SULpeak (else SUVmax) >= +30 % vs its nadir (project convention, spec 9.8) ..."""
PET_PROGRESSING_SUL = 0.8
"""... and >= +0.8 SUL (PERCIST-like; spec 3.2, 9.8)."""
BERNARD_TESSIER_DECREASE = -0.30
"""Bernard-Tessier 2020: some lesion decreases by more than 30 % (strict)."""
BERNARD_TESSIER_INCREASE = 0.20
"""Bernard-Tessier 2020: some existing lesion increases by more than 20 % (strict) ..."""
BERNARD_TESSIER_SUM_MM = 5.0
"""... with a summed increase of those lesions >= 5 mm."""

RESPONDING, STABLE, PROGRESSING, NOT_EVALUABLE = "responding", "stable", "progressing", "not_evaluable"
PROGRESSION_LABELS = frozenset({"PD", "iUPD", "iCPD"})
"""Timepoints at which oligoprogression is looked for: RECIST 1.1 PD, iUPD or iCPD (spec 4.4)."""


@dataclass(slots=True)
class LesionState:
    """One lesion at one post-baseline timepoint (spec 3.2)."""

    lesion_id: str
    organ: str
    new: bool
    value: float
    baseline: float
    nadir: float
    klass: str

    @property
    def r_base(self) -> float:
        return (self.value - self.baseline) / self.baseline if self.baseline > 0 else np.nan

    @property
    def r_nadir(self) -> float:
        if self.nadir > 0:
            return (self.value - self.nadir) / self.nadir
        return np.inf if self.value > 0 else np.nan

    @property
    def a_nadir(self) -> float:
        return self.value - self.nadir


@dataclass
class Timepoint:
    """All lesion states of one subject at one follow-up."""

    patient_id: str
    reader: str
    day: int
    date: str
    lesions: list[LesionState]
    non_target_progressed: frozenset[str]
    """Non-target lesions with status unequivocal_progression at this timepoint."""
    responses: dict[str, str] = field(default_factory=dict)

    def of_class(self, klass: str) -> list[LesionState]:
        return [x for x in self.lesions if x.klass == klass]


def classify(
    value: ArrayLike,
    baseline: ArrayLike,
    nadir: ArrayLike,
    new: ArrayLike,
    node: ArrayLike,
    absent: ArrayLike,
    progressing_fraction: float = PROGRESSING_FRACTION,
    progressing_abs: float = PROGRESSING_MM,
) -> np.ndarray | str:
    """Class of a lesion at a timepoint (spec 3.2; PET bands of spec 3.2 last paragraph by argument).

    Takes numbers or whole columns; the first rule that holds decides: a new lesion is progressing
    (stable once absent); no value is not evaluable; <= -30 % vs baseline, absent, or a node back under
    10 mm is responding; >= +20 % and >= +5 mm over the nadir (an absent nadir: any growth) is
    progressing; else stable. Thresholds are non-strict with the 0.4 tolerance.
    """
    value, baseline, nadir = (np.asarray(x, dtype=float) for x in (value, baseline, nadir))
    new, node, absent = (np.asarray(x, dtype=bool) for x in (new, node, absent))
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(baseline > 0, (value - baseline) / baseline, np.nan)
        growth = value - nadir
        relative = np.where(nadir > 0, growth / nadir, np.where(value > 0, np.inf, 0.0))
    # spec 3.2: a node >= 10 mm at baseline back under 10 mm short axis counts as responding
    node_normal = node & (baseline >= NORMAL_NODE_SHORT_AXIS_MM) & (value < NORMAL_NODE_SHORT_AXIS_MM)
    responding = absent | (change <= RESPONDING_FRACTION + THRESHOLD_TOLERANCE) | node_normal
    progressing = (relative >= progressing_fraction - THRESHOLD_TOLERANCE) & (
        growth >= progressing_abs - THRESHOLD_TOLERANCE
    )
    klass = np.select(
        [new & ~absent, new, np.isnan(value), responding, progressing],
        [PROGRESSING, STABLE, NOT_EVALUABLE, RESPONDING, PROGRESSING],
        STABLE,
    ).astype(object)
    return klass if klass.ndim else str(klass)


def lesion_timepoints(
    study: Study, options: PatternOptions, timepoints: pd.DataFrame | None
) -> list[Timepoint]:
    """Classify every lesion at every follow-up of every subject (spec 3.2)."""
    lesions = study.lesions
    frame = pd.DataFrame(
        {
            PATIENT: lesions[PATIENT].to_numpy(),
            READER: lesions[READER].to_numpy(),
            DAY: lesions[DAY].to_numpy(),
            DATE: lesions[DATE].to_numpy(),
            LESION: lesions[LESION].astype(str).to_numpy(),
            "value": unidimensional_values(lesions),
            "organ": organ_keys(lesions, options.split_lymph_node_regions),
            "node": lesions[LYMPH_NODE].to_numpy(bool),
            "role": lesions[ROLE].to_numpy(),
            "absent": lesions[STATUS].to_numpy() == Status.ABSENT,
            "not_evaluable": lesions[STATUS].to_numpy() == Status.NOT_EVALUABLE,
            "new": new_lesion_rows(lesions),
            "nt_progression": (lesions[ROLE].to_numpy() == Role.NON_TARGET)
            & (lesions[STATUS].to_numpy() == Status.UNEQUIVOCAL_PROGRESSION),
        }
    )
    return _timepoints(frame, _responses_by_day(timepoints), PROGRESSING_FRACTION, PROGRESSING_MM)


def pet_timepoints(study: Study, timepoints: pd.DataFrame | None) -> list[Timepoint]:
    """Classify every PET lesion by its SULpeak, else its SUVmax ("per-lesion sulpeak (or suvmax)"), with
    the PET bands of spec 3.2. A lesion reads one of the two at every scan: SULpeak when it has one."""
    pet = study.pet
    status = statuses(pet)
    new = (pet[ROLE].to_numpy() == Role.NEW) & (status == Status.PRESENT)
    frame = pd.DataFrame(
        {
            PATIENT: pet[PATIENT].to_numpy(),
            READER: pet[READER].to_numpy(),
            DAY: pet[DAY].to_numpy(),
            DATE: pet[DATE].to_numpy(),
            LESION: pet[LESION].astype(str).to_numpy(),
            "value": np.where(status == Status.ABSENT, 0.0, _per_lesion_uptake(pet)),
            "organ": pet["organ"].to_numpy() if "organ" in pet else "",
            "node": False,
            "role": pet[ROLE].to_numpy(),
            "absent": status == Status.ABSENT,
            "not_evaluable": status == Status.NOT_EVALUABLE,
            "new": new,
            "nt_progression": (pet[ROLE].to_numpy() == Role.NON_TARGET)
            & (status == Status.UNEQUIVOCAL_PROGRESSION),
        }
    )
    return _timepoints(frame, _responses_by_day(timepoints), PET_PROGRESSING_FRACTION, PET_PROGRESSING_SUL)


def _per_lesion_uptake(pet: pd.DataFrame) -> np.ndarray:
    """Each row's SULpeak where its lesion has a SULpeak at some scan, else its SUVmax (NaN without)."""
    nan = np.full(len(pet), np.nan)
    sulpeak = pet["sulpeak"].to_numpy(float) if "sulpeak" in pet else nan
    suvmax = pet["suvmax"].to_numpy(float) if "suvmax" in pet else nan
    has_peak = pd.Series(~np.isnan(sulpeak)).groupby(
        [pet[PATIENT].to_numpy(), pet[READER].to_numpy(), pet[LESION].to_numpy()], sort=False
    ).transform("any").to_numpy(bool)
    return np.where(has_peak, sulpeak, suvmax)


def _timepoints(
    frame: pd.DataFrame, responses: dict, progressing_fraction: float, progressing_abs: float
) -> list[Timepoint]:
    """Every subject's follow-ups with the class of each lesion (spec 3.2), column-wise.

    A lesion's baseline is its value at the subject's baseline (the last day <= 0); its nadir at a
    follow-up is the smallest of the baseline and its earlier follow-up values. A lesion without a
    baseline row counts only when new; one whose baseline value is missing is left out. A baseline
    lesion without a row at a follow-up is not evaluable there (spec/anatomic.md 0.2), as one marked
    not_evaluable; one reported without a value (a present non-target) is left out at that follow-up:
    lesions without measurements serve only the criterion's unequivocal progression (spec 3.2).
    """
    frame = _with_unreported_lesions(frame)
    frame["missing"] = frame["value"].isna()
    keys = [PATIENT, READER, DAY, LESION]
    merged = (
        frame.groupby(keys, sort=False)
        .agg(
            date=(DATE, "first"),
            value=("value", "sum"),
            missing=("missing", "any"),
            organ=("organ", "first"),
            node=("node", "first"),
            role=("role", "first"),
            absent=("absent", "all"),
            not_evaluable=("not_evaluable", "any"),
            new=("new", "any"),
            nt_progression=("nt_progression", "any"),
        )
        .reset_index()
    )
    merged.loc[merged["missing"], "value"] = np.nan
    merged[PATIENT], merged[READER] = merged[PATIENT].astype(str), merged[READER].astype(str)
    merged["subject"] = merged.groupby([PATIENT, READER], sort=False).ngroup()
    merged = merged.sort_values(["subject", DAY], kind="stable").reset_index(drop=True)
    day = merged[DAY].to_numpy()
    before = merged[DAY].where(merged[DAY] <= 0)
    baseline_day = before.groupby(merged["subject"]).transform("max").to_numpy()
    new_role = (merged["role"] == Role.NEW).to_numpy()

    at_baseline = (day == baseline_day) & ~new_role
    baseline = merged.loc[at_baseline, ["subject", LESION, "value"]].drop_duplicates(
        ["subject", LESION], keep="last"
    )
    baseline = baseline.rename(columns={"value": "baseline"}).assign(in_baseline=True)
    merged = merged.merge(baseline, on=["subject", LESION], how="left")
    in_baseline = merged["in_baseline"].eq(True).to_numpy()
    base = merged["baseline"].to_numpy(float)
    value = merged["value"].to_numpy(float)
    follow_up = day > 0
    # nadir before each follow-up: the baseline and the lesion's earlier follow-up values (NaN skipped)
    lowest = pd.Series(np.where(follow_up & ~np.isnan(value), value, np.inf))
    by_lesion = [merged["subject"], merged[LESION]]
    earlier = lowest.groupby(by_lesion, sort=False).cummin().groupby(by_lesion, sort=False).shift(1)
    nadir = np.fmin(base, earlier.fillna(np.inf).to_numpy())

    new = merged["new"].to_numpy(bool)
    as_new = follow_up & (new_role | ~in_baseline) & (new | new_role)
    unmeasured = np.isnan(value) & ~merged["not_evaluable"].to_numpy(bool)
    as_existing = follow_up & ~new_role & in_baseline & ~np.isnan(base) & ~unmeasured
    klass = np.full(len(merged), "", dtype=object)
    klass[as_new] = classify(value[as_new], np.nan, np.nan, True, False, ~new[as_new])
    node, absent = merged["node"].to_numpy(bool), merged["absent"].to_numpy(bool)
    klass[as_existing] = classify(
        value[as_existing],
        base[as_existing],
        nadir[as_existing],
        False,
        node[as_existing],
        absent[as_existing],
        progressing_fraction,
        progressing_abs,
    )
    merged["baseline"] = np.where(as_new, np.nan, base)
    merged["nadir"] = np.where(as_new, np.nan, nadir)
    merged["klass"], merged["counted"], merged["as_new"] = klass, as_new | as_existing, as_new
    return _timepoint_objects(merged[follow_up & ~np.isnan(baseline_day)], responses)


def _with_unreported_lesions(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus a row without a value for each baseline lesion at each follow-up where it has no
    row: "a baseline lesion with no row at a follow-up is treated as not_evaluable" (spec/anatomic.md
    0.2), so that it can change a call as an explicit not_evaluable row does (spec 3.3, 4.4)."""
    subject = [PATIENT, READER]
    visits = frame[[*subject, DAY, DATE]].drop_duplicates([*subject, DAY])
    baseline_day = visits[DAY].where(visits[DAY] <= 0).groupby(
        [visits[PATIENT], visits[READER]], sort=False).transform("max")
    at_baseline = frame.merge(visits.assign(baseline_day=baseline_day)[[*subject, DAY, "baseline_day"]],
                              on=[*subject, DAY], how="left")
    lesions = frame.loc[(at_baseline[DAY] == at_baseline["baseline_day"]).to_numpy()
                        & (frame["role"] != Role.NEW).to_numpy(),
                        [*subject, LESION, "organ", "node", "role"]].drop_duplicates([*subject, LESION])
    expected = visits[visits[DAY] > 0].merge(lesions, on=subject)
    reported = frame[[*subject, DAY, LESION]].drop_duplicates().assign(reported=True)
    unreported = expected.merge(reported, on=[*subject, DAY, LESION], how="left")
    unreported = unreported[unreported["reported"].isna()].drop(columns="reported")
    if unreported.empty:
        return frame
    filled = unreported.assign(value=np.nan, absent=False, not_evaluable=True, new=False,
                               nt_progression=False)
    return pd.concat([frame, filled[frame.columns]], ignore_index=True)


def _timepoint_objects(rows: pd.DataFrame, responses: dict) -> list[Timepoint]:
    """One :class:`Timepoint` per subject x follow-up day of ``rows``, its lesions in row order."""
    if not len(rows):  # no follow-up anywhere
        return []
    subject, day = rows["subject"].to_numpy(), rows[DAY].to_numpy()
    new_day = (np.diff(subject, prepend=-1) != 0) | (np.diff(day, prepend=np.nan) != 0)
    starts = np.flatnonzero(new_day).tolist()
    columns = (PATIENT, READER, DAY, DATE, LESION, "organ", "as_new", "value", "baseline", "nadir", "klass")
    patient, reader, days, date, lesion, organ, as_new, value, base, nadir, klass = (
        rows[c].tolist() for c in columns
    )
    counted, nt = rows["counted"].tolist(), rows["nt_progression"].tolist()
    result = []
    for start, end in zip(starts, [*starts[1:], len(rows)], strict=True):
        p, r, d = patient[start], reader[start], int(days[start])
        states = [
            LesionState(lesion[i], organ[i], as_new[i], value[i], base[i], nadir[i], klass[i])
            for i in range(start, end)
            if counted[i]
        ]
        tags = responses.get((p, r, d), {})
        progressed = frozenset(lesion[i] for i in range(start, end) if nt[i])
        result.append(Timepoint(p, r, d, str(date[start]), states, progressed, tags))
    return result


def _responses_by_day(timepoints: pd.DataFrame | None) -> dict[tuple[str, str, int], dict[str, str]]:
    if timepoints is None or not len(timepoints):
        return {}
    result: dict[tuple[str, str, int], dict[str, str]] = {}
    columns = (PATIENT, READER, DAY, "criterion", "overall_response")
    for p, r, d, c, o in zip(*(timepoints[c] for c in columns), strict=True):
        result.setdefault((str(p), str(r), int(d)), {})[str(c)] = str(o)
    return result


# --- definitions at one timepoint (spec 3.3) ---------------------------------------------------------------


def _measured(t: Timepoint) -> bool:
    """>= 1 lesion with a baseline and a T value, or a new lesion at T (spec 3.3)."""
    return any(s.klass == PROGRESSING if s.new else not np.isnan(s.value) for s in t.lesions)


def _both_kinds(shrinking: bool, growing: bool, t: Timepoint, apart: bool = True) -> Flag:
    """A shrinking AND a growing lesion at T, two different lesions ("decrease ... in some lesions and
    relative increase ... in others", spec 3.1), with the "Not evaluable at T" rules of spec 3.3.

    ``apart``: the shrinking and growing lesions found are not one and the same lesion. Not evaluable
    when nothing is measured at T (:func:`_measured`), or when the call would change were each lesion
    marked not_evaluable responding or progressing: each such lesion can supply one missing kind, so a
    false call changes when they are at least as many as the kinds missing (one when a single lesion
    is both).
    """
    if not _measured(t):
        return None
    missing = (not shrinking) + (not growing)
    if missing == 0 and apart:
        return True
    return None if max(missing, 1) <= len(t.of_class(NOT_EVALUABLE)) else False


def lesion_level(t: Timepoint) -> Flag:
    """>= 1 responding AND >= 1 progressing lesion, new lesions progressing (spec 3.3, default)."""
    return _both_kinds(bool(t.of_class(RESPONDING)), bool(t.of_class(PROGRESSING)), t)


def bernard_tessier2020(t: Timepoint) -> Flag:
    """Some lesion < -30 %, some existing lesion > +20 % vs nadir, their summed increase >= 5 mm (strict)."""
    existing = [s for s in t.lesions if not s.new and s.klass != NOT_EVALUABLE]
    decreasing = [s for s in existing if below(s.r_base, BERNARD_TESSIER_DECREASE)]
    growing = [s for s in existing if above(s.r_nadir, BERNARD_TESSIER_INCREASE)]

    def increase(others: list[LesionState]) -> bool:
        return bool(others) and bool(at_least_value(sum(s.a_nadir for s in others), BERNARD_TESSIER_SUM_MM))

    apart = any(increase([g for g in growing if g is not d]) for d in decreasing)
    return _both_kinds(bool(decreasing), increase(growing), t, apart)


def tozuka2020(t: Timepoint) -> Flag:
    """Some lesion shrinking (< 0 %) AND a progressing or new lesion (spec 3.3)."""
    existing = [s for s in t.lesions if not s.new and s.klass != NOT_EVALUABLE]
    shrinking = [s for s in existing if below(s.r_base, 0.0)]
    progressing = t.of_class(PROGRESSING)
    apart = any(s is not p for s in shrinking for p in progressing)
    return _both_kinds(bool(shrinking), bool(progressing), t, apart)


def oligoprogression(t: Timepoint, options: PatternOptions) -> Flag:
    """1..max progressing lesions in <= max organs, the rest responding or stable, with no unequivocal
    non-target progression outside the progressing lesions (spec 4.4).

    A not-evaluable lesion leaves the call open only when it could change it (spec 3.3, 0.3): when no
    lesion progresses yet, or when it progressing too would break the lesion or organ limit.
    """
    progressing = t.of_class(PROGRESSING)
    unknown = t.of_class(NOT_EVALUABLE)

    def within_limits(lesions: list[LesionState]) -> bool:
        organs = {s.organ for s in lesions}
        return (len(lesions) <= options.max_progressing_lesions
                and len(organs) <= options.max_progressing_organs)

    if t.non_target_progressed - {s.lesion_id for s in progressing} or not within_limits(progressing):
        return False
    if unknown and (not progressing or not within_limits(progressing + unknown)):
        return None
    return bool(progressing)


@dataclass(frozen=True)
class DissociatedDefinition:
    id: str
    citation: str
    decide: Callable[[Timepoint], Flag]
    default: bool


DEFINITIONS = (
    DissociatedDefinition("dissociated.lesion_level", "spec 3.3, consensus", lesion_level, True),
    DissociatedDefinition(
        "dissociated.bernard_tessier2020", "Bernard-Tessier 2020", bernard_tessier2020, False
    ),
    DissociatedDefinition("dissociated.tozuka2020", "Tozuka 2020", tozuka2020, False),
)
PET_DEFINITION = DissociatedDefinition(
    "dissociated.pet", "PET lesion bands, project convention spec 3.2/9.8", lesion_level, False
)
""">= 1 metabolically responding AND >= 1 metabolically progressing or new FDG-avid lesion (spec 3.3)."""
OLIGOPROGRESSION = "oligoprogression"


def _summary(t: Timepoint) -> dict[str, object]:
    return {
        "day": t.day,
        "responding": sorted(s.lesion_id for s in t.of_class(RESPONDING)),
        "stable": sorted(s.lesion_id for s in t.of_class(STABLE)),
        "progressing": sorted(s.lesion_id for s in t.of_class(PROGRESSING)),
        "not_evaluable": sorted(s.lesion_id for s in t.of_class(NOT_EVALUABLE)),
        "progressing_organs": sorted({s.organ for s in t.of_class(PROGRESSING)}),
        "responses": t.responses,
    }


def _counts(t: Timepoint) -> str:
    if not _measured(t):
        return "no lesion with a baseline and a value on this day, and no new lesion"
    parts = [f"{len(t.of_class(k))} {k}" for k in (RESPONDING, STABLE, PROGRESSING)]
    unknown = t.of_class(NOT_EVALUABLE)
    if unknown:
        parts.append(f"not evaluable: {', '.join(sorted(s.lesion_id for s in unknown))}")
    return ", ".join(parts)


def _patient_row(
    pattern: str, definition: str, citation: str, subject: list[Timepoint], flags: list[Flag], what: str
) -> PatternRow:
    """Patient level (spec 3.3): true at the first true timepoint; false if all false; else not evaluable."""
    first = subject[0]
    overall = any_of(flags)
    if overall is True:
        t = subject[flags.index(True)]
        reason = f"{what} on day {t.day}: {_counts(t)} ({citation})"
    elif overall is False:
        t = subject[-1]
        reason = f"no {what} at any follow-up ({len(subject)} assessed; {citation})"
    else:
        t = subject[flags.index(None)]
        reason = f"{what} not decidable on day {t.day}: {_counts(t)} ({citation})"
    return PatternRow(
        first.patient_id,
        first.reader,
        pattern,
        definition,
        overall,
        reason,
        _summary(t),
        {"days_true": [s.day for s, f in zip(subject, flags, strict=True) if f]},
        date=t.date,
        day=t.day,
    )


def find(
    study: Study,
    timepoints: pd.DataFrame | None,
    options: PatternOptions,
    definitions: list[str],
    classified: list[Timepoint] | None = None,
) -> list[PatternRow]:
    """Dissociated-response and oligoprogression rows, one per patient x reader x definition.

    ``classified``: :func:`lesion_timepoints` of the study when the caller already has them.
    """
    if not any(d.id in definitions for d in DEFINITIONS) and OLIGOPROGRESSION not in definitions:
        return []
    by_subject: dict[tuple[str, str], list[Timepoint]] = {}
    if classified is None:
        classified = lesion_timepoints(study, options, timepoints)
    for t in classified:
        by_subject.setdefault((t.patient_id, t.reader), []).append(t)
    rows = []
    for subject in by_subject.values():
        for d in (d for d in DEFINITIONS if d.id in definitions):
            flags = [d.decide(t) for t in subject]
            rows.append(_patient_row("dissociated", d.id, d.citation, subject, flags, "dissociated response"))
        if OLIGOPROGRESSION in definitions:
            rows.append(_oligo_row(subject, options))
    return rows


def find_pet(study: Study, timepoints: pd.DataFrame | None) -> list[PatternRow]:
    """``dissociated.pet`` rows, one per patient x reader (spec 3.3)."""
    by_subject: dict[tuple[str, str], list[Timepoint]] = {}
    for t in pet_timepoints(study, timepoints):
        by_subject.setdefault((t.patient_id, t.reader), []).append(t)
    d = PET_DEFINITION
    return [
        _patient_row(
            "dissociated",
            d.id,
            d.citation,
            subject,
            [d.decide(t) for t in subject],
            "metabolic dissociated response",
        )
        for subject in by_subject.values()
    ]


def _oligo_row(subject: list[Timepoint], options: PatternOptions) -> PatternRow:
    limits = f"<= {options.max_progressing_lesions} lesions in <= {options.max_progressing_organs} organs"
    citation = f"{limits}; Guckenberger 2020"
    progression = [t for t in subject if PROGRESSION_LABELS & set(t.responses.values())]
    if not progression:
        first = subject[0]
        return PatternRow(
            first.patient_id,
            first.reader,
            OLIGOPROGRESSION,
            OLIGOPROGRESSION,
            False,
            "no PD, iUPD or iCPD timepoint (spec 4.4)",
            {},
        )
    flags = [oligoprogression(t, options) for t in progression]
    return _patient_row(OLIGOPROGRESSION, OLIGOPROGRESSION, citation, progression, flags, "oligoprogression")
