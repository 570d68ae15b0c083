"""Atypical response patterns, irAE look-alike flags and biomarker lines, from the criteria's results.

spec/patterns.md: every published definition is one registry entry that declares the inputs it needs
(section 0.5); :func:`find_patterns` runs the chosen ones and returns the patterns table of section 0.6.
A pattern row never changes a timepoint or best response.

Input names used in ``required_inputs``:
- ``lesions``: the validated lesion table (sum-only tables included);
- ``lesion_level``: lesions with their own ids (not a sum-only table);
- ``timepoints:<criterion>``: the criterion's timepoint rows;
- ``best_response``: the best-response table;
- ``patients``: the patient table;
- ``pet``: the PET lesion table with ``sulpeak`` or ``suvmax``;
- ``scans``: a lesion table or a PET table (the irAE rules read the new lesions of either, spec 5.3).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from ioresponse import biomarkers
from ioresponse.criteria import Study
from ioresponse.criteria._anatomic import CONFIRM_MIN_DAYS
from ioresponse.patterns import dissociated, durable, hyperprogression, irae, pseudoprogression
from ioresponse.patterns._common import (
    OPTION_NAMES,
    PATTERN_COLUMNS,
    PatternOptions,
    PatternRow,
    pattern_frame,
    records,
)
from ioresponse.patterns.irae import mention_flags
from ioresponse.schema import DAY, OPTIONS, PATIENT, READER, InputError, IoresponseWarning, check_choice

__all__ = [
    "OPTION_NAMES",
    "PATTERN_COLUMNS",
    "PatternDefinition",
    "PatternOptions",
    "find_patterns",
    "mention_flags",
    "registry",
]

SUM_ONLY_LESION = "target_sum"
"""``lesion_id`` of the pseudo-lesion a sum-only input becomes (briefs/contract.md)."""


@dataclass(frozen=True)
class PatternDefinition:
    """One registered definition.

    id : key of the definition, e.g. ``hpd.champiat2017`` (spec section headers).
    pattern : pattern family, the ``pattern`` column of the output.
    source : short citation.
    required_inputs : inputs the definition cannot run without (names above).
    default : run when the user does not choose definitions.
    """

    id: str
    pattern: str
    source: str
    required_inputs: tuple[str, ...]
    default: bool


def registry() -> dict[str, PatternDefinition]:
    """Every definition by id, in the order of the spec (sections 1-6)."""
    entries = [
        PatternDefinition(d.id, pseudoprogression.PATTERN, d.citation, d.required_inputs, d.default)
        for d in pseudoprogression.DEFINITIONS
    ]
    entries += [
        PatternDefinition(d.id, hyperprogression.PATTERN, d.citation, ("lesions",), d.default)
        for d in hyperprogression.DEFINITIONS
    ]
    entries += [
        PatternDefinition(d.id, "dissociated", d.citation, ("lesion_level",), d.default)
        for d in dissociated.DEFINITIONS
    ]
    pet = dissociated.PET_DEFINITION
    entries.append(PatternDefinition(pet.id, "dissociated", pet.citation, ("pet",), pet.default))
    entries += [
        PatternDefinition(d.id, durable.PATTERN, d.citation, ("best_response",), d.default)
        for d in durable.DEFINITIONS
    ]
    entries.append(
        PatternDefinition(
            dissociated.OLIGOPROGRESSION,
            dissociated.OLIGOPROGRESSION,
            "Guckenberger 2020; spec 4.4",
            ("lesion_level", "timepoints"),
            True,
        )
    )
    entries.append(PatternDefinition("irae", irae.PATTERN, "consensus Table 1; spec 5.4", ("scans",), True))
    entries.append(PatternDefinition("biomarkers", "biomarker", "label rules; spec 6.3", ("patients",), True))
    return {e.id: e for e in entries}


def _available(study: Study, timepoints: pd.DataFrame | None, best_response: pd.DataFrame | None) -> set[str]:
    available = set()
    if study.lesions is not None and len(study.lesions):
        available.add("lesions")
        targets = study.lesions[study.lesions["role"] == "target"]
        if not (targets["lesion_id"] == SUM_ONLY_LESION).all():
            available.add("lesion_level")
    if timepoints is not None and len(timepoints):
        available.add("timepoints")
        available |= {f"timepoints:{c}" for c in timepoints["criterion"].unique()}
    if best_response is not None and len(best_response):
        available.add("best_response")
    if study.patients is not None and len(study.patients):
        available.add("patients")
    if study.pet is not None and len(study.pet) and ({"sulpeak", "suvmax"} & set(study.pet.columns)):
        available.add("pet")
    if "lesions" in available or (study.pet is not None and len(study.pet)):
        available.add("scans")
    return available


def _required(definition: PatternDefinition, options: PatternOptions) -> tuple[str, ...]:
    if definition.id == "pseudoprogression.irrc_hodi2016":
        return ("lesions", f"timepoints:{options.hodi_criterion}")
    return definition.required_inputs


def select(available: set[str], options: PatternOptions, definitions: list[str] | None) -> list[str]:
    """The definitions to run: the chosen ones (each must have its inputs), else the defaults that can run.

    Raises
    ------
    InputError
        An unknown definition id, or a chosen definition whose inputs are missing.
    """
    entries = registry()
    if definitions is None:
        return [d.id for d in entries.values() if d.default and set(_required(d, options)) <= available]
    for key in definitions:
        check_choice("definitions", key, tuple(entries))
        missing = set(_required(entries[key], options)) - available
        if missing:
            raise InputError(OPTIONS, [], "definitions",
                             f"pattern {key} needs {', '.join(sorted(missing))}, not given")
    return list(definitions)


def _object_text(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` with its string columns as Python objects (one vectorised conversion per column)."""
    if frame is None:
        return None
    text = [c for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


def find_patterns(
    study: Study,
    timepoints: pd.DataFrame | None,
    best_response: pd.DataFrame | None,
    *,
    events: pd.DataFrame | None = None,
    definitions: list[str] | None = None,
    visits: pd.DataFrame | None = None,
    findings: pd.DataFrame | None = None,
    irae_rules: pd.DataFrame | None = None,
    biomarker_rules: pd.DataFrame | None = None,
    progress: Callable[[str], None] | None = None,
    criterion_options: Mapping[str, Mapping[str, Any]] | None = None,
    **options: object,
) -> pd.DataFrame:
    """The patterns table (spec/patterns.md 0.6) of a study and its criteria results.

    Parameters
    ----------
    study : Study
        Validated inputs; pre-baseline assessments in ``study.lesions`` serve as reference scans.
    timepoints, best_response : DataFrame or None
        Criteria results (columns ``schema.TIMEPOINT_COLUMNS`` / ``BEST_RESPONSE_COLUMNS``).
    events : DataFrame, optional
        Clinical events (``patient_id``, ``date`` or ``day``, ``event``, optional ``grade``): irAE diagnoses
        shown on the timeline and beside matching irAE flags.
    definitions : list of str, optional
        Definition ids (:func:`registry`); default: every default definition whose inputs are given.
    visits : DataFrame, optional
        Clinical visits (``patient_id``, ``date`` or ``day``, ``ecog``) for Lo Russo 2019.
    findings : DataFrame, optional
        Imaging findings for the irAE rules (spec 5.3).
    irae_rules, biomarker_rules : DataFrame, optional
        Extended rule tables (default: the shipped CSVs).
    progress : callable, optional
        Called with the name of each family of patterns before it runs (a progress display).
    criterion_options : mapping, optional
        The options each criterion ran with, by key (``Result.criterion_options``): the imRECIST
        variant of pseudoprogression reads imRECIST's ``confirm_min_days`` (spec 1.3; anatomic.md 0.8).
    **options
        :class:`PatternOptions` fields; other keywords (criteria options) are ignored.

    Returns
    -------
    DataFrame
        Columns :data:`PATTERN_COLUMNS`, sorted by patient, reader, pattern, definition, episode, day.
    """
    chosen = PatternOptions.from_mapping(options)
    # The rules walk patients one by one: Python strings serve them better than Arrow text columns.
    timepoints, best_response = _object_text(timepoints), _object_text(best_response)
    study = replace(study, lesions=_object_text(study.lesions))
    available = _available(study, timepoints, best_response)
    ids = select(available, chosen, definitions)
    step = progress or (lambda _: None)
    rows: list[PatternRow] = []
    # Lesion classes (spec 3.2), read by the dissociated-response rules and the irAE rules: once.
    classified = None
    if "lesions" in available and ("irae" in ids or "lesion_level" in available):
        step("lesion classes")
        classified = dissociated.lesion_timepoints(study, chosen, timepoints)
    step("pseudoprogression")  # the PERCIST variant runs on a PET study alone (spec 1.3)
    imrecist = (criterion_options or {}).get("imrecist", {})
    window = int(imrecist.get("confirm_min_days", CONFIRM_MIN_DAYS))
    rows += pseudoprogression.find(study, _or_empty(timepoints), chosen, ids, window)
    if "lesions" in available:
        step("hyperprogression")
        rows += hyperprogression.find(study, timepoints, chosen, ids, visits)
        if "lesion_level" in available:
            step("dissociated response")
            rows += dissociated.find(study, timepoints, chosen, ids, classified)
        rows += _without_follow_up(study, rows, ids)
    if dissociated.PET_DEFINITION.id in ids:
        rows += dissociated.find_pet(study, timepoints)
    if "best_response" in available:
        step("durable response")
        rows += durable.find(study, timepoints, best_response, chosen, ids)
    if "irae" in ids:
        step("irAE look-alikes")
        flags = irae.find_flags(
            study,
            timepoints,
            findings=findings,
            events=events,
            rules=irae_rules,
            options=chosen,
            classified=classified,
        )
        event_table = irae.clinical_events(events, study) if events is not None else None
        rows += irae.pattern_rows(flags, event_table)
    if "biomarkers" in ids:
        rows += _biomarker_rows(study, biomarker_rules, chosen)
    frame = pattern_frame(rows)
    order = [PATIENT, READER, "pattern", "definition", "episode", DAY]
    return frame.sort_values(order, kind="stable", na_position="first").reset_index(drop=True)


def _without_follow_up(study: Study, rows: list[PatternRow], ids: list[str]) -> list[PatternRow]:
    """A not-evaluable row for each patient x reader of the lesion table that a per-patient definition of
    pseudoprogression (anatomic), dissociated response or oligoprogression left without one: it has no
    assessment after baseline (spec 0.6, one row per patient x definition)."""
    anatomic = [d for d in pseudoprogression.DEFINITIONS if d.criterion != "percist"]
    per_patient = {
        **{d.id: pseudoprogression.PATTERN for d in anatomic},
        **{d.id: "dissociated" for d in dissociated.DEFINITIONS},
        dissociated.OLIGOPROGRESSION: dissociated.OLIGOPROGRESSION,
    }
    chosen = [d for d in ids if d in per_patient]
    given = {(r.patient_id, r.reader, r.definition) for r in rows}
    subjects = dict.fromkeys(zip(study.lesions[PATIENT], study.lesions[READER], strict=True))
    reason = "no assessment after baseline (spec 0.6)"
    return [
        PatternRow(str(patient), str(reader), per_patient[d], d, None, reason)
        for patient, reader in subjects
        for d in chosen
        if (patient, reader, d) not in given
    ]


def _or_empty(timepoints: pd.DataFrame | None) -> pd.DataFrame:
    if timepoints is None:
        return pd.DataFrame({c: [] for c in (PATIENT, READER, "criterion", DAY)})
    return timepoints


def _biomarker_rows(study: Study, rules: pd.DataFrame | None, options: PatternOptions) -> list[PatternRow]:
    """The label lines of spec 6.3 (with its option ``accept_equivalent_assays``); without ``tumor_type`` no
    rule's context can match, and biomarker values given are named in a warning rather than left unread
    silently."""
    if "tumor_type" not in study.patients:
        given = [c for c in biomarkers.VALUE_COLUMNS if c in study.patients]
        if given:
            error = InputError(study.patients_source, [], "tumor_type",
                               "missing column; the biomarker rules (spec/patterns.md 6.3) match on the "
                               f"tumor type, so {', '.join(given)} are not read")
            warnings.warn(IoresponseWarning(error.located()), stacklevel=3)
        return []
    table = biomarkers.evaluate_biomarkers(study.patients, rules, source=study.patients_source,
                                           accept_equivalent_assays=options.accept_equivalent_assays)
    flags = {"true": True, "false": False, "not_evaluable": None}
    return [
        PatternRow(
            str(r[PATIENT]),
            "",
            "biomarker",
            str(r["rule_id"]),
            flags[r["meets_cutoff"]],
            str(r["line"]),
            {"biomarker": r["biomarker"], "value": r["value"], "cutoff": r["cutoff"]},
            {"regulator": r["regulator"], "as_of": r["as_of"], "source": r["source"]},
        )
        for r in records(table)
    ]
