"""Immune-related adverse events that can mimic progression: reader flags from a rule table.

Source: the consensus (Leon-Mateos L et al. Clin Transl Oncol 2021;23(3):434-449,
doi:10.1007/s12094-020-02442-3, Table 1 and text), with the appearances of spec/patterns.md 5.2 (Cho 2020,
doi:10.1053/j.semnuclmed.2020.06.001; Nishino 2016, doi:10.1158/1078-0432.CCR-16-1320; Mahmood 2018,
doi:10.1016/j.jacc.2018.02.037). Rules are data: ``ioresponse/data/irae_rules.csv`` (spec 5.4, one row per
clause; a rule fires when any of its clauses does) and ``organ_vocabulary.csv`` (spec 5.3). A user may pass
an extended table. A clause's ``signal`` names a fact of the study computed here from the input tables
(:data:`SIGNALS`), never read from the criteria's output, so that a flag is the same whichever criteria run.
A flag never changes a timepoint response, best response, PFS date or pattern call (spec 5.1);
:func:`mention_flags` only appends a note to the ``flags`` and ``reason`` columns.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from ioresponse.criteria import Study
from ioresponse.criteria._metabolic import patient_scans, pet_table_of
from ioresponse.criteria.percist import liver_stability_failures
from ioresponse.io import tables as t
from ioresponse.io.pet_table import statuses
from ioresponse.patterns._common import PatternOptions, PatternRow, records
from ioresponse.patterns._study import (
    SideTableWarning,
    canonical_organ,
    file_rows,
    new_lesion_rows,
    organ_keys,
    organ_vocabulary,
    visit_days,
)
from ioresponse.patterns.dissociated import NOT_EVALUABLE, PROGRESSING, Timepoint, lesion_timepoints
from ioresponse.schema import (
    DATE,
    DAY,
    LESION,
    LONG_AXIS,
    LYMPH_NODE,
    ORGAN,
    PATIENT,
    READER,
    ROLE,
    SHORT_AXIS,
    InputError,
    Role,
    Status,
)

PATTERN = "irae_lookalike"
EVENT_PATTERN = "irae_event"
THORACIC = frozenset({"lung", "pleura", "lymph_node_hilar", "lymph_node_mediastinal"})
"""Thoracic organs (spec 5.4)."""
LEFT_RIGHT = frozenset({"left", "right"})
SIDES = frozenset({"left", "right", "bilateral", "midline"})
"""``side`` vocabulary (spec 5.3)."""
FINDINGS = frozenset({"lesion", "uptake", "enlargement", "wall_thickening", "effusion", "opacity",
                      "filling_defect", "thrombus"})
"""``finding`` vocabulary (spec 5.3); a rule table may add its own words."""
PATTERNS = frozenset({"focal", "diffuse", "segmental", "symmetric", "bilateral", "nodular", "ground_glass",
                      "consolidation", "organizing_pneumonia", "reticular", "wall_thickening", "enlargement"})
"""``pattern`` vocabulary (spec 5.3); a rule table may add its own words."""
FINDING_REQUIRED = (ORGAN, "finding")
"""Columns a findings table cannot do without: what is seen, and where (spec 0.5, 5.3)."""
FINDING_NUMBERS = {"suvmax": "an SUVmax (g/mL)", "size_mm": "a size in mm"}
"""Optional numeric columns of the findings table and what they hold (spec 0.5)."""
CTCAE_GRADES = (1, 5)
"""An irAE grade is a whole CTCAE grade 1-5 (CTCAE v5.0)."""
RULE_COLUMNS = (
    "rule_id",
    "clause",
    "level",
    "organs",
    "patterns",
    "findings",
    "new_lesions_only",
    "min_rows",
    "sides_both",
    "sides_organs",
    "no_progression_outside",
    "evidence",
    "signal",
    "event_terms",
    "flag_text",
    "source",
)
IRAE_COLUMNS = (
    PATIENT,
    READER,
    DATE,
    DAY,
    "rule_id",
    "level",
    "organs",
    "lesion_ids",
    "values",
    "flag_text",
    "days_since_treatment_start",
    "concurrent_response",
    "evidence",
)
"""Output of :func:`find_flags` (spec 5.4 "Output row", plus reader and evidence)."""


def default_rules() -> pd.DataFrame:
    """The rule table shipped with ioresponse (spec 5.4)."""
    with resources.as_file(resources.files("ioresponse") / "data" / "irae_rules.csv") as path:
        return read_rules(path)


def read_rules(path: object) -> pd.DataFrame:
    """Read and check a rule table (the shipped one or a user's extension).

    Raises
    ------
    InputError
        A column is missing, ``min_rows`` is not a whole number or a ``signal`` is not one of
        :data:`SIGNALS`.
    """
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    name = str(path)
    missing = [c for c in RULE_COLUMNS if c not in table]
    if missing:
        raise InputError(name, [], missing[0], f"irAE rule table needs columns {', '.join(RULE_COLUMNS)}")
    bad = ~table["min_rows"].str.fullmatch(r"\d+")
    if bad.any():
        raise InputError(name, (np.flatnonzero(bad) + 2).tolist(), "min_rows", "expected a whole number")
    _check_signals(name, table)
    return table


@dataclass(frozen=True)
class Candidate:
    """One row of the candidate set C(A) (spec 5.4): a new or progressing lesion, or a finding."""

    patient_id: str
    reader: str
    day: int
    date: str
    organ: str
    side: str
    finding: str
    pattern: str
    source: str
    """"new", "progressing" or "finding"."""
    lesion_id: str
    size_mm: float
    suvmax: float


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    return frame[column].fillna("").astype(str).str.strip().str.lower().to_numpy(object)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(float)


def candidates(
    study: Study,
    findings: pd.DataFrame | None,
    options: PatternOptions,
    classified: list[Timepoint] | None = None,
) -> tuple[list[Candidate], dict[tuple[str, str, int], dict[str, str]]]:
    """C(A) at every assessment with day > 0, and each lesion's class there (spec 5.4, 3.2).

    ``classified``: the lesion classes of :func:`~ioresponse.patterns.dissociated.lesion_timepoints`
    when the caller already has them (they do not depend on the criteria's timepoints).
    """
    vocabulary = organ_vocabulary()
    result: list[Candidate] = []
    classes: dict[tuple[str, str, int], dict[str, str]] = {}
    lesions = study.lesions
    if lesions is not None and len(lesions):
        for t in classified if classified is not None else lesion_timepoints(study, options, None):
            classes[(t.patient_id, t.reader, t.day)] = {s.lesion_id: s.klass for s in t.lesions}
        new = new_lesion_rows(lesions, equivocal=True)  # C(A) (a): every role = new row (spec 5.4)
        size = np.where(
            lesions[LYMPH_NODE].to_numpy(bool),
            lesions[SHORT_AXIS].to_numpy(float),
            lesions[LONG_AXIS].to_numpy(float),
        )
        side, pattern, suv = _text(lesions, "side"), _text(lesions, "pattern"), _numbers(lesions, "suvmax")
        for column, values, allowed in (("side", side, SIDES), ("pattern", pattern, PATTERNS)):
            _unknown_words(study.source, file_rows(lesions), column, values, allowed)
        patient, reader, lesion_ids = (lesions[c].to_numpy() for c in (PATIENT, READER, LESION))
        day, date = lesions[DAY].to_numpy(), lesions[DATE].to_numpy()
        organ, node = lesions[ORGAN].to_numpy(), lesions[LYMPH_NODE].to_numpy(bool)
        for i in np.flatnonzero(day > 0):
            p, r, d, lesion_id = patient[i], reader[i], int(day[i]), str(lesion_ids[i])
            growing = classes.get((p, r, d), {}).get(lesion_id) == PROGRESSING
            if not (new[i] or growing):
                continue
            result.append(
                Candidate(
                    str(p),
                    str(r),
                    d,
                    str(date[i]),
                    canonical_organ(organ[i], node[i], vocabulary),
                    side[i],
                    "lesion" if new[i] else "enlargement",
                    pattern[i],
                    "new" if new[i] else "progressing",
                    lesion_id,
                    size[i],
                    suv[i],
                )
            )
    if study.pet is not None and len(study.pet):
        result += _pet_candidates(study.pet, vocabulary)
    if findings is not None and len(findings):
        result += _finding_candidates(findings, vocabulary)
    return result, classes


def _pet_candidates(pet: pd.DataFrame, vocabulary: dict[str, tuple[str, bool]]) -> list[Candidate]:
    """C(A) (a) of a PET table: its new lesions present after day 0 (spec 5.3 "role = new lesion rows"),
    so that a PET study alone is screened as a CT one is (the consensus's FDG-PET column, spec 5.2)."""
    rows = np.flatnonzero((pet[ROLE].to_numpy() == Role.NEW) & (statuses(pet) == Status.PRESENT)
                          & (pet[DAY].to_numpy() > 0))
    node = pet[LYMPH_NODE].to_numpy(bool) if LYMPH_NODE in pet else np.zeros(len(pet), bool)
    side, pattern = _text(pet, "side"), _text(pet, "pattern")
    size, suv = _numbers(pet, "functional_diameter_mm"), _numbers(pet, "suvmax")
    organ = _text(pet, ORGAN)
    return [
        Candidate(str(pet[PATIENT].iat[i]), str(pet[READER].iat[i]), int(pet[DAY].iat[i]),
                  str(pet[DATE].iat[i]), canonical_organ(organ[i], node[i], vocabulary), side[i], "lesion",
                  pattern[i], "new", str(pet[LESION].iat[i]), size[i], suv[i])
        for i in rows
    ]


def _finding_candidates(frame: pd.DataFrame, vocabulary: dict[str, tuple[str, bool]]) -> list[Candidate]:
    """Rows of the optional findings table (spec 0.5, 5.3), read by :func:`findings_table`."""
    organs, sides, kinds, patterns = (frame[c].to_numpy() for c in (ORGAN, "side", "finding", "pattern"))
    sizes, suv = frame["size_mm"].to_numpy(float), frame["suvmax"].to_numpy(float)
    dates = frame[DATE].astype(str).to_numpy() if DATE in frame else np.full(len(frame), "")
    return [
        Candidate(
            str(p),
            str(r),
            int(d),
            str(dates[i]),
            canonical_organ(organs[i], False, vocabulary),
            sides[i],
            kinds[i],
            patterns[i],
            "finding",
            f"finding {i + 1}",
            sizes[i],
            suv[i],
        )
        for i, (p, r, d) in enumerate(zip(frame[PATIENT], frame[READER], frame[DAY], strict=True))
        if d > 0
    ]


def findings_table(findings: pd.DataFrame, study: Study, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """The optional imaging-findings table (spec 0.5, 5.3), checked: every row placed in time
    (:func:`~ioresponse.patterns._study.visit_days`), its organ and finding given, ``suvmax`` and
    ``size_mm`` numbers >= 0; text in lower case with "_" for spaces and hyphens ("Ground glass" ->
    "ground_glass").

    A side, finding or pattern outside the spec 5.3 vocabulary (and the words of ``rules``), or an organ
    the organ vocabulary does not map, is kept as given and triggers no rule; a
    :class:`~ioresponse.io.tables.SideTableWarning` names it.

    Raises
    ------
    InputError
        A column of :data:`FINDING_REQUIRED` missing, an empty organ or finding, a number that is not one or
        is negative, at the rows of the table (read by :func:`ioresponse.io.tables.side_table`: named by its
        file, else "<findings>").
    """
    findings = t.side_table(findings, "findings")
    name = findings.attrs["source"]
    for column in FINDING_REQUIRED:
        if column not in findings:
            raise InputError(name, [], column, "missing column; a finding names its organ and what is seen "
                                               "(spec/patterns.md 0.5, 5.3)")
    frame = visit_days(findings, study, "findings")
    rows = file_rows(frame)
    if READER not in frame:
        frame[READER] = ""
    for column in (ORGAN, "side", "finding", "pattern"):
        frame[column] = _text(frame, column) if column == ORGAN else _words(frame, column)
    for column in FINDING_REQUIRED:
        t.refuse_rows(name, rows, frame[column].to_numpy() == "", column, f"empty {column}; every finding "
                                                                            "needs one (spec 5.3)")
    for column, what in FINDING_NUMBERS.items():
        text = frame[column].fillna("").astype(str) if column in frame else pd.Series("", index=frame.index)
        values, bad = t.parse_float(text)
        bad |= values < 0
        if bad.any():
            first = text[bad].iloc[0]
            t.refuse_rows(name, rows, bad, column, f"{first!r} is not {what} (a number >= 0; leave the cell "
                                                   f"empty when not measured){t.decimal_comma_hint(first)}")
        frame[column] = values
    rules = default_rules() if rules is None else rules
    vocabulary = organ_vocabulary()
    organs = set(vocabulary) | {code for code, _ in vocabulary.values()}
    _unknown_words(name, rows, ORGAN, frame[ORGAN].to_numpy(), organs)
    _unknown_words(name, rows, "side", frame["side"].to_numpy(), SIDES)
    for column, allowed in (("finding", FINDINGS), ("pattern", PATTERNS)):
        words = {w for cell in rules[f"{column}s"] for w in _split(cell)}
        _unknown_words(name, rows, column, frame[column].to_numpy(), allowed | words)
    return frame


def _words(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A vocabulary column in the spelling of spec 5.3: lower case, "_" for spaces and hyphens."""
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    return t.normalise_label(frame[column].fillna("").astype(str)).to_numpy(object)


def _unknown_words(name: str, rows: np.ndarray, column: str, values: np.ndarray, allowed: Collection[str]
                   ) -> None:
    """A :class:`SideTableWarning` at the rows whose ``column`` holds a word outside ``allowed`` (spec 5.3:
    kept as given, it triggers no rule)."""
    unknown = (values != "") & ~np.isin(values.astype(str), list(allowed))
    if unknown.any():
        words = ", ".join(map(repr, sorted(set(values[unknown]))[:5]))
        error = InputError(name, rows[unknown].tolist(), column,
                           f"{words} not in the {column} vocabulary of spec/patterns.md 5.3: kept as given, "
                           f"no irAE rule reads it; the words read: {', '.join(sorted(allowed))}")
        warnings.warn(SideTableWarning(error.located()), stacklevel=3)


@functools.lru_cache(maxsize=1024)  # the rule table's few cells, split once instead of per assessment
def _split(text: str) -> frozenset[str]:
    return frozenset(t.strip().lower() for t in str(text).split("|") if t.strip())


def _sides(rows: list[Candidate]) -> set[str]:
    sides: set[str] = set()
    for c in rows:
        sides |= LEFT_RIGHT if c.side == "bilateral" else {c.side}
    return sides


def clause_matches(clause: dict, rows: list[Candidate], signals: Collection[str]) -> list[Candidate] | None:
    """The candidate rows that make one clause fire at one assessment, or None (spec 5.4); ``signals``: the
    :data:`SIGNALS` that hold at the assessment."""
    if clause["signal"]:
        return [] if _signal_name(clause["signal"]) in signals else None
    organs, patterns, kinds = _split(clause["organs"]), _split(clause["patterns"]), _split(clause["findings"])
    matched = [
        c
        for c in rows
        if (not organs or c.organ in organs)
        and (not (patterns or kinds) or c.pattern in patterns or c.finding in kinds)
        and (clause["new_lesions_only"] != "true" or c.source == "new")
    ]
    if len(matched) < max(int(clause["min_rows"]), 1):
        return None
    if clause["sides_both"] == "true":
        side_organs = _split(clause["sides_organs"])
        sided = [c for c in matched if not side_organs or c.organ in side_organs]
        if not _sides(sided) >= LEFT_RIGHT:
            return None
    inside = _split(clause["no_progression_outside"])
    if inside and any(c.source != "finding" and c.organ not in inside for c in rows):
        return None
    return matched


def find_flags(
    study: Study,
    timepoints: pd.DataFrame | None = None,
    *,
    findings: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    rules: pd.DataFrame | None = None,
    options: PatternOptions | None = None,
    classified: list[Timepoint] | None = None,
) -> pd.DataFrame:
    """Every irAE look-alike flag, one row per patient x reader x assessment x rule (spec 5.4 output row)."""
    options = options or PatternOptions()
    rules = default_rules() if rules is None else rules
    if findings is not None:
        findings = findings_table(findings, study, rules)
    cands, classes = candidates(study, findings, options, classified)
    signals = _signals(study, rules)
    responses = functools.cache(lambda: _responses(timepoints))  # read by the flags that fire only
    event_table = clinical_events(events, study) if events is not None else None
    by_assessment: dict[tuple[str, str, int], list[Candidate]] = {}
    for c in cands:
        by_assessment.setdefault((c.patient_id, c.reader, c.day), []).append(c)
    for key in signals:
        by_assessment.setdefault(key, [])
    rule_clauses: dict[str, list[dict]] = {}
    for clause in records(rules):
        rule_clauses.setdefault(clause["rule_id"], []).append(clause)
    thoracic = functools.cache(lambda: _thoracic_lesions(study))  # only when a rule's evidence needs it
    flags = []
    for key in sorted(by_assessment):
        rows, lesion_class = by_assessment[key], classes.get(key, {})
        organs = {c.organ for c in rows}
        for rule_id, clauses in rule_clauses.items():
            fired = None
            for clause in clauses:
                needed = _split(clause["organs"])
                if not clause["signal"] and needed and needed.isdisjoint(organs):
                    continue  # no candidate in the clause's organs: it cannot fire (clause_matches)
                fired = clause_matches(clause, rows, signals.get(key, set()))
                if fired is not None:
                    break
            if fired is None:
                continue
            flags.append(
                _flag_record(key, rule_id, clause, fired, lesion_class, thoracic, responses, event_table)
            )
    return pd.DataFrame.from_records(flags, columns=list(IRAE_COLUMNS))


def _flag_record(
    key: tuple[str, str, int],
    rule_id: str,
    clause: dict,
    fired: list[Candidate],
    lesion_class: dict[str, str],
    thoracic: Callable[[], frozenset[tuple[str, str, str]]],
    responses: Callable[[], dict[tuple[str, str, int], dict[str, str]]],
    event_table: pd.DataFrame | None,
) -> dict:
    patient, reader, day = key
    evidence: dict[str, object] = {"clause": clause["clause"], "source": clause["source"]}
    if clause["evidence"] == "non_thoracic_disease_controlled":
        non_thoracic = [k for i, k in lesion_class.items() if (key[0], key[1], i) not in thoracic()]
        evidence["non_thoracic_disease_controlled"] = bool(non_thoracic) and all(
            k not in (PROGRESSING, NOT_EVALUABLE) for k in non_thoracic
        )
    if event_table is not None:
        terms = _split(clause["event_terms"])
        mine = event_table[
            (event_table[PATIENT] == patient)
            & event_table["event_text"].map(lambda text: any(t in text for t in terms))
        ]
        if len(mine):
            evidence["clinical_events"] = [
                f"{e} on day {int(d)}" for e, d in zip(mine["event_text"], mine[DAY], strict=True)
            ]
    return {
        PATIENT: patient,
        READER: reader,
        DATE: next((c.date for c in fired if c.date), ""),
        DAY: day,
        "rule_id": rule_id,
        "level": clause["level"],
        "organs": sorted({c.organ for c in fired}),
        "lesion_ids": [c.lesion_id for c in fired],
        "values": {
            "sizes_mm": [None if np.isnan(c.size_mm) else c.size_mm for c in fired],
            "suvmax": [None if np.isnan(c.suvmax) else c.suvmax for c in fired],
        },
        "flag_text": clause["flag_text"],
        "days_since_treatment_start": day,
        "concurrent_response": responses().get(key, {}),
        "evidence": evidence,
    }


def _thoracic_lesions(study: Study) -> frozenset[tuple[str, str, str]]:
    """(patient, reader, lesion) of every lesion with a row in a thoracic organ (spec 5.3 organ codes)."""
    lesions = study.lesions
    thoracic = pd.Series(organ_keys(lesions, split_lymph_node_regions=True)).isin(THORACIC).to_numpy()
    columns = (lesions[c].to_numpy()[thoracic] for c in (PATIENT, READER, LESION))
    return frozenset((str(p), str(r), str(i)) for p, r, i in zip(*columns, strict=True))


def liver_not_comparable(study: Study) -> set[tuple[str, str, int]]:
    """The PET scans (patient, reader, day) whose liver reference is not comparable with the baseline scan's:
    the liver stability check of spec/metabolic.md 5.4 fails (:func:`~ioresponse.criteria.percist.
    liver_stability_failures`, the check PERCIST runs). The signal of IRAE-HEP (spec/patterns.md 5.4: "the
    metabolic module reports the liver reference at A as not comparable with baseline"), read from the PET
    table: the flag does not depend on which criteria run (spec 5.1)."""
    if study.pet is None or not len(study.pet):
        return set()
    return {
        (patient.patient_id, patient.reader, scan.day)
        for patient in patient_scans(pet_table_of(study, "the irAE flag IRAE-HEP", ()))
        for scan in patient.followups
        if liver_stability_failures(patient.baseline, scan)
    }


SIGNALS: dict[str, Callable[[Study], set[tuple[str, str, int]]]] = {
    "liver sulmean changed": liver_not_comparable,
}
"""The facts a rule clause's ``signal`` may name (lower case; the rule table spells "liver SULmean changed"),
each with the assessments (patient, reader, day) where it holds (spec 5.4)."""


def _signal_name(text: str) -> str:
    return text.strip().lower()


def _check_signals(name: str, rules: pd.DataFrame) -> None:
    """Refuse a rule whose ``signal`` is not one of :data:`SIGNALS` (it could never fire)."""
    given = rules["signal"].fillna("").astype(str).map(_signal_name)
    bad = (given != "") & ~given.isin(list(SIGNALS))
    if bad.any():
        first = rules["signal"][bad].iloc[0]
        raise InputError(name, (np.flatnonzero(bad) + 2).tolist(), "signal",
                         f"{first!r} is not a signal of spec/patterns.md 5.4; the signals: "
                         f"{', '.join(SIGNALS)} (any case), or leave the cell empty")


def _signals(study: Study, rules: pd.DataFrame) -> dict[tuple[str, str, int], set[str]]:
    """Per assessment, the signals of ``rules`` that hold there (:data:`SIGNALS`, computed from ``study``)."""
    _check_signals("<irAE rules>", rules)
    held: dict[tuple[str, str, int], set[str]] = {}
    for signal in sorted({_signal_name(v) for v in rules["signal"] if v}):
        for key in SIGNALS[signal](study):
            held.setdefault(key, set()).add(signal)
    return held


def _responses(timepoints: pd.DataFrame | None) -> dict[tuple[str, str, int], dict[str, str]]:
    if timepoints is None or not len(timepoints):
        return {}
    result: dict[tuple[str, str, int], dict[str, str]] = {}
    columns = (PATIENT, READER, DAY, "criterion", "overall_response")
    for p, r, d, c, o in zip(*(timepoints[c] for c in columns), strict=True):
        result.setdefault((str(p), str(r), int(d)), {})[str(c)] = str(o)
    return result


EVENT_COLUMN_CHOICES = ("event", "diagnosis", "term")
"""Column of the clinical-events table that names the irAE (first one present)."""


def clinical_events(events: pd.DataFrame, study: Study) -> pd.DataFrame:
    """The optional clinical-events table (irAE diagnoses with dates) with ``day`` and ``event_text``.

    Raises
    ------
    InputError
        No column naming the event (``event``, ``diagnosis`` or ``term``), an empty event, a grade that is
        not a CTCAE grade 1-5, or a row that cannot be placed in time
        (:func:`~ioresponse.patterns._study.visit_days`), at the rows of the table (read by
        :func:`ioresponse.io.tables.side_table`: named by its file, else "<events>").
    """
    events = t.side_table(events, "events")
    name = events.attrs["source"]
    column = next((c for c in EVENT_COLUMN_CHOICES if c in events), None)
    if column is None:
        raise InputError(name, [], "event", "missing column; the clinical-events table names each irAE in "
                                            "an event (or diagnosis, term) column")
    frame = visit_days(events, study, "events")
    rows = file_rows(frame)
    frame["event_text"] = frame[column].fillna("").astype(str).str.strip().str.lower()
    t.refuse_rows(name, rows, frame["event_text"].to_numpy() == "", column, "empty event; name the irAE "
                                                                             "diagnosed")
    if "grade" in frame:
        grade = frame["grade"].fillna("").astype(str).str.strip()
        values, bad = t.parse_float(grade)
        low, high = CTCAE_GRADES
        bad |= np.isfinite(values) & ((values % 1 != 0) | (values < low) | (values > high))
        t.refuse_rows(name, rows, bad, "grade", f"not a CTCAE grade (a whole number {low}-{high}; leave the "
                                                "cell empty when not graded)")
        frame["event_text"] = frame["event_text"] + np.where(grade != "", " (grade " + grade + ")", "")
    return frame


def pattern_rows(flags: pd.DataFrame, events: pd.DataFrame | None) -> list[PatternRow]:
    """Flags and clinical events as rows of the patterns table (spec 0.6): shown, never deciding."""
    rows = [
        PatternRow(
            str(f[PATIENT]),
            str(f[READER]),
            PATTERN,
            str(f["rule_id"]),
            True,
            f"{f['flag_text']} [{f['level']}; response unchanged]",
            {"level": f["level"], "organs": f["organs"], "lesion_ids": f["lesion_ids"]} | f["values"],
            f["evidence"] | {"concurrent_response": f["concurrent_response"]},
            date=str(f[DATE]),
            day=int(f[DAY]),
        )
        for f in records(flags)
    ]
    if events is not None:
        rows += [
            PatternRow(
                str(e[PATIENT]),
                "",
                EVENT_PATTERN,
                "clinical_event",
                True,
                f"recorded irAE: {e['event_text']} on day {int(e[DAY])}",
                {"event": e["event_text"]},
                date=str(e.get(DATE, "")),
                day=int(e[DAY]),
            )
            for e in records(events)
            if pd.notna(e[DAY])
        ]
    return rows


def mention_flags(timepoints: pd.DataFrame, patterns: pd.DataFrame) -> pd.DataFrame:
    """Timepoints whose ``flags`` and ``reason`` mention the irAE flags of the same assessment.

    The response columns are not touched (spec 5.1): the note says the flag exists and the response is
    unchanged.
    """
    shown = patterns[patterns["pattern"] == PATTERN]
    if not len(shown):
        return timepoints
    by_key = shown.groupby([PATIENT, READER, DAY])["definition"].agg(lambda ids: sorted(set(ids)))
    out = timepoints.copy()
    keys = list(zip(out[PATIENT], out[READER], out[DAY], strict=True))
    notes = [by_key.get(k) for k in keys]
    for i, ids in enumerate(notes):
        if not ids:
            continue
        token = ";".join(f"irae:{r}" for r in ids)
        current = str(out["flags"].iat[i]) if pd.notna(out["flags"].iat[i]) else ""
        out.iat[i, out.columns.get_loc("flags")] = f"{current};{token}" if current else token
        out.iat[i, out.columns.get_loc("reason")] = (
            f"{out['reason'].iat[i]}; irAE look-alike flag {', '.join(ids)} shown (response unchanged)"
        )
    return out
