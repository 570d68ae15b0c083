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

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ioresponse.criteria import Study
from ioresponse.criteria._anatomic import unidimensional_values
from ioresponse.patterns._common import (
    Flag,
    PatternOptions,
    PatternRow,
    above,
    all_of,
    any_of,
    at_least_value,
    at_most_value,
    below,
    records,
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
NORMAL_NODE_MM = 10.0
"""A node >= 10 mm at baseline back under 10 mm short axis counts as responding (spec 3.2)."""
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


@dataclass
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
    non_target_progression: bool
    responses: dict[str, str] = field(default_factory=dict)

    def of_class(self, klass: str) -> list[LesionState]:
        return [x for x in self.lesions if x.klass == klass]


def classify(
    value: float,
    baseline: float,
    nadir: float,
    new: bool,
    node: bool,
    absent: bool,
    progressing_fraction: float = PROGRESSING_FRACTION,
    progressing_abs: float = PROGRESSING_MM,
) -> str:
    """Class of one lesion at one timepoint (spec 3.2; PET bands of spec 3.2 last paragraph by argument)."""
    if new:
        return PROGRESSING if not absent else STABLE
    if math.isnan(value):
        return NOT_EVALUABLE
    if absent or (baseline > 0 and at_most_value((value - baseline) / baseline, RESPONDING_FRACTION)):
        return RESPONDING
    if node and baseline >= NORMAL_NODE_MM and value < NORMAL_NODE_MM:
        return RESPONDING
    growth = value - nadir
    relative = growth / nadir if nadir > 0 else (np.inf if value > 0 else 0.0)
    if at_least_value(relative, progressing_fraction) and at_least_value(growth, progressing_abs):
        return PROGRESSING
    return STABLE


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
            "new": new_lesion_rows(lesions),
            "nt_progression": (lesions[ROLE].to_numpy() == Role.NON_TARGET)
            & (lesions[STATUS].to_numpy() == Status.UNEQUIVOCAL_PROGRESSION),
        }
    )
    return _timepoints(frame, _responses_by_day(timepoints), classify)


def pet_timepoints(study: Study, timepoints: pd.DataFrame | None) -> list[Timepoint]:
    """Classify every PET lesion by SULpeak (else SUVmax) with the PET bands of spec 3.2."""
    pet = study.pet
    column = "sulpeak" if "sulpeak" in pet and pet["sulpeak"].notna().any() else "suvmax"
    status = pet[STATUS].to_numpy()
    new = (pet[ROLE].to_numpy() == Role.NEW) & (status == Status.PRESENT)
    frame = pd.DataFrame(
        {
            PATIENT: pet[PATIENT].to_numpy(),
            READER: pet[READER].to_numpy(),
            DAY: pet[DAY].to_numpy(),
            DATE: pet[DATE].to_numpy(),
            LESION: pet[LESION].astype(str).to_numpy(),
            "value": np.where(status == Status.ABSENT, 0.0, pet[column].to_numpy(float)),
            "organ": pet["organ"].to_numpy() if "organ" in pet else "",
            "node": False,
            "role": pet[ROLE].to_numpy(),
            "absent": status == Status.ABSENT,
            "new": new,
            "nt_progression": (pet[ROLE].to_numpy() == Role.NON_TARGET)
            & (status == Status.UNEQUIVOCAL_PROGRESSION),
        }
    )

    def metabolic(value: float, baseline: float, nadir: float, new: bool, node: bool, absent: bool) -> str:
        return classify(
            value, baseline, nadir, new, node, absent, PET_PROGRESSING_FRACTION, PET_PROGRESSING_SUL
        )

    return _timepoints(frame, _responses_by_day(timepoints), metabolic)


def _timepoints(frame: pd.DataFrame, responses: dict, classifier: Callable[..., str]) -> list[Timepoint]:
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
            new=("new", "any"),
            nt_progression=("nt_progression", "any"),
        )
        .reset_index()
    )
    merged.loc[merged["missing"], "value"] = np.nan
    subjects: dict[tuple[str, str], dict[int, list[dict]]] = {}
    for record in records(merged):
        by_day = subjects.setdefault((str(record[PATIENT]), str(record[READER])), {})
        by_day.setdefault(int(record[DAY]), []).append(record)
    result = []
    for (patient, reader), by_day in subjects.items():
        result += _subject_timepoints(patient, reader, by_day, responses, classifier)
    return result


def _subject_timepoints(
    patient: str,
    reader: str,
    by_day: dict[int, list[dict]],
    responses: dict[tuple[str, str, int], dict[str, str]],
    classifier: Callable[..., str],
) -> list[Timepoint]:
    days = sorted(by_day)
    baseline_day = max((d for d in days if d <= 0), default=None)
    if baseline_day is None:
        return []
    baseline = {r[LESION]: r["value"] for r in by_day[baseline_day] if r["role"] != Role.NEW}
    nadir = {k: v for k, v in baseline.items() if not math.isnan(v)}
    out = []
    for day in (d for d in days if d > 0):
        rows = by_day[day]
        states = []
        for r in rows:
            lesion = r[LESION]
            if r["role"] == Role.NEW or lesion not in baseline:
                if r["new"] or r["role"] == Role.NEW:
                    states.append(
                        LesionState(
                            lesion,
                            r["organ"],
                            True,
                            r["value"],
                            np.nan,
                            np.nan,
                            classifier(r["value"], np.nan, np.nan, True, r["node"], not r["new"]),
                        )
                    )
                continue
            base = baseline[lesion]
            if math.isnan(base):
                continue
            low = nadir.get(lesion, base)
            klass = classifier(r["value"], base, low, False, r["node"], r["absent"])
            states.append(LesionState(lesion, r["organ"], False, r["value"], base, low, klass))
        for r in rows:
            if r[LESION] in nadir and not math.isnan(r["value"]):
                nadir[r[LESION]] = min(nadir[r[LESION]], r["value"])
        nt = any(r["nt_progression"] for r in rows)
        out.append(
            Timepoint(
                patient,
                reader,
                int(day),
                str(rows[0]["date"]),
                states,
                nt,
                responses.get((patient, reader, int(day)), {}),
            )
        )
    return out


def _responses_by_day(timepoints: pd.DataFrame | None) -> dict[tuple[str, str, int], dict[str, str]]:
    if timepoints is None or not len(timepoints):
        return {}
    result: dict[tuple[str, str, int], dict[str, str]] = {}
    columns = (PATIENT, READER, DAY, "criterion", "overall_response")
    for p, r, d, c, o in zip(*(timepoints[c] for c in columns), strict=True):
        result.setdefault((str(p), str(r), int(d)), {})[str(c)] = str(o)
    return result


# --- definitions at one timepoint (spec 3.3) ---------------------------------------------------------------


def _exists(
    states: list[LesionState], test: Callable[[LesionState], Flag], unknown: list[LesionState]
) -> Flag:
    """Three-valued "some lesion passes": unknown lesions could pass (spec 3.3 not-evaluable rule)."""
    if any(test(s) for s in states):
        return True
    return None if unknown else False


def lesion_level(t: Timepoint) -> Flag:
    """>= 1 responding AND >= 1 progressing lesion, new lesions progressing (spec 3.3, default)."""
    unknown = t.of_class(NOT_EVALUABLE)
    return all_of(
        [
            _exists(t.lesions, lambda s: s.klass == RESPONDING, unknown),
            _exists(t.lesions, lambda s: s.klass == PROGRESSING, unknown),
        ]
    )


def bernard_tessier2020(t: Timepoint) -> Flag:
    """Some lesion < -30 %, some existing lesion > +20 % vs nadir, their summed increase >= 5 mm (strict)."""
    unknown = t.of_class(NOT_EVALUABLE)
    existing = [s for s in t.lesions if not s.new and s.klass != NOT_EVALUABLE]
    decrease = _exists(existing, lambda s: bool(below(s.r_base, BERNARD_TESSIER_DECREASE)), unknown)
    growing = [s for s in existing if above(s.r_nadir, BERNARD_TESSIER_INCREASE)]
    summed = sum(s.a_nadir for s in growing)
    increase: Flag = bool(growing) and bool(at_least_value(summed, BERNARD_TESSIER_SUM_MM))
    if not increase and unknown:
        increase = None
    return all_of([decrease, increase])


def tozuka2020(t: Timepoint) -> Flag:
    """Some lesion shrinking (< 0 %) AND a progressing or new lesion (spec 3.3)."""
    unknown = t.of_class(NOT_EVALUABLE)
    existing = [s for s in t.lesions if not s.new and s.klass != NOT_EVALUABLE]
    return all_of(
        [
            _exists(existing, lambda s: bool(below(s.r_base, 0.0)), unknown),
            _exists(t.lesions, lambda s: s.klass == PROGRESSING, unknown),
        ]
    )


def oligoprogression(t: Timepoint, options: PatternOptions) -> Flag:
    """1..max progressing lesions in <= max organs, the rest responding or stable (spec 4.4)."""
    progressing = t.of_class(PROGRESSING)
    organs = {s.organ for s in progressing}
    too_many = (
        len(progressing) > options.max_progressing_lesions or len(organs) > options.max_progressing_organs
    )
    if t.non_target_progression or not progressing or too_many:
        return False
    return None if t.of_class(NOT_EVALUABLE) else True


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
