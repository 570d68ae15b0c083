"""One entry point from user data to a validated :class:`~ioresponse.criteria.Study`.

``load_study`` reads a lesion table, a sum-only table, a "% change from baseline" table, a PET table or a
CDISC SDTM folder (io.tables, io.pct_change, io.pet_table, io.sdtm), runs every check of io.validate,
and returns the lesion table of briefs/contract.md (a PET table: ``Study.pet``). ``validate_only``
reads the same inputs, runs the same checks and returns every problem instead of raising the first.
:func:`input_kind` alone tells the kind of a table from its columns.

Rules (spec/anatomic.md 0.1-0.2):

- ``day`` = days since treatment start (first dose = day 0). When a row has only a ``date``,
  ``day = date - treatment_start`` from the patient table (SDTM: see io.sdtm); a patient without a
  start date and rows without ``day`` is an error naming ``treatment_start``.
- Columns other than the contract's are per-patient information when they are constant within every
  patient (e.g. ``study``, ``arm``): they go to ``Study.patients``. Other columns are not used and
  an :class:`~ioresponse.io.validate.UnusedColumnWarning` names them.
- ``on_invalid="exclude"``: rows with a problem (patients, for patient-level problems such as a missing
  baseline) are removed and listed in ``Study.excluded`` with the reason, so that every input row is
  used or reported. Fatal problems (unreadable file, missing required columns) always raise.
- Errors in the optional patient table (:func:`read_patients`: ISO dates, readable days, no date before
  ``treatment_start``; and no ``os_days`` before the patient's last assessment) always raise, also with
  ``on_invalid="exclude"``; ``validate_only`` lists them all. A ``prebaseline_sum_mm`` that looks like
  centimetres beside the baseline target sums is a plausibility problem (``validation="warn"`` warns).
- SDTM: the sponsor's SUMDIAM records are never lesions; they are listed in ``Study.excluded`` whatever
  ``on_invalid`` says (reason "sponsor-derived sum ..."), so that every TR row is used or reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ioresponse import schema as s
from ioresponse.criteria import Study, as_text
from ioresponse.io import tables as t
from ioresponse.io import validate as v
from ioresponse.io.pct_change import BASELINE_SIZE, PCT_CHANGE, check_plausible, sums_with_source_rows
from ioresponse.io.pet_table import PET_COLUMNS, looks_like_pet_table, validate_pet_table
from ioresponse.schema import InputError

PATIENT_KEY_SEPARATOR = ":"
EXCLUDED_COLUMNS = (s.SOURCE_ROW, s.PATIENT, "column", "reason")
TREATMENT_START = "treatment_start"
EMPTY_PATIENT_TABLE = ("the file is empty or its first line is blank; expected a patient table: the "
                       "column names on line 1 (patient_id, then treatment_start, arm, os_days, ... as "
                       "needed), then one row per patient")
"""What an empty ``--patients`` file should have held (README "Input": one row per patient)."""
_INTERNAL = ("_date_imputed", t.VISIT, t.VISIT_NUMBER)
_KNOWN_INPUT = frozenset((*t.LESION_COLUMNS, s.TARGET_SUM, s.NEW_LESIONS, s.NON_TARGET, t.VISIT,
                          t.VISIT_NUMBER, *t.PASSTHROUGH_COLUMNS))

InputKind = Literal["lesions", "sums", "pct_change", "pet"]
"""Kinds of table (DESIGN.md "The tables"; README "Input")."""

LESION_TEXT_CHECKS: tuple[v.Check, ...] = (
    v.check_patient_columns, v.check_roles, v.check_statuses, v.check_sizes, v.check_booleans,
    v.check_time, v.check_option_values,
)
USER_LESION_TEXT_CHECKS = (v.check_lesion_cells, *LESION_TEXT_CHECKS)
"""A user's lesion table has every required cell filled; SDTM lesion rows are built by io.sdtm, whose
location (organ) is optional in SDTM and whose ids and roles it checks itself."""
SUM_TEXT_CHECKS: tuple[v.Check, ...] = (
    v.check_sum_cells, v.check_patient_columns, v.check_sum_values, v.check_sum_non_target, v.check_booleans,
    v.check_time,
)
LESION_CHECKS: tuple[v.Check, ...] = (
    v.check_duplicates, v.check_fragments, v.check_per_assessment_columns, v.check_visit_order,
    v.check_new_at_baseline, v.check_target_status, v.check_measurements, v.check_unused_measurements,
    v.check_roles_over_time, v.check_lesion_identity,
    v.check_baseline, v.check_cm_sizes, v.check_large_sizes, v.check_organ_sides, v.check_target_counts,
)
SUM_CHECKS: tuple[v.Check, ...] = (v.check_sum_duplicates, v.check_per_assessment_columns,
                                   v.check_baseline, v.check_cm_sizes, v.check_large_sizes)
CM_CHECKS: tuple[v.Check, ...] = (v.check_patient_cm_sizes, v.check_assessment_cm_sizes,
                                  v.check_lesion_cm_sizes)
"""The centimetre checks of one patient, assessment or lesion among sizes in mm (STYLE.md 5): a user's
table, and SDTM sizes without a unit (:func:`_on_rows`); sums rebuilt from a % change take the patient's
only, having no unit of their own."""


def _on_rows(check: v.Check, rows: frozenset[int]) -> v.Check:
    """``check`` keeping only the findings all of whose rows are in ``rows`` (SDTM: the lesion rows whose
    sizes have no unit, io.sdtm): a size whose unit is stated is read in it."""

    def checked(frame: pd.DataFrame, source: str) -> list[v.Finding]:
        return [finding for finding in check(frame, source) if set(finding.error.rows) <= rows]

    return checked


def load_study(data: object, *, patients: object = None, column_map: dict[str, str] | None = None,
               on_invalid: v.OnInvalid = "raise", validation: s.Validation = "raise",
               source: str | None = None, patient_key: Sequence[str] | None = None,
               sheet: str | None = None) -> Study:
    """Read and validate user data into a :class:`Study`.

    Parameters
    ----------
    data : path or DataFrame
        CSV / Parquet / Excel lesion table (``lesion_id`` + ``role``), sum-only table
        (``target_sum_mm``), "% change from baseline" table (``pct_change``, rebuilt into sums by
        io.pct_change) or PET table (io.pet_table), an SDTM folder (TU + TR, RS optional), or a
        pandas / polars DataFrame; the kind is told by :func:`input_kind`.
    patients : path or DataFrame, optional
        Patient table (``patient_id``, ``treatment_start``, ``arm``, ...).
    column_map : dict, optional
        Renames user columns to contract names, e.g. ``{"patient": "patient_id"}``.
    on_invalid : "raise" or "exclude"
        Raise the first problem, or exclude the rows at fault and list them in ``Study.excluded``.
    validation : "raise" or "warn"
        What plausibility checks do (centimetre-looking sizes), STYLE.md 6.
    source : str, optional
        Name used in messages (default: the file name, or ``<table>``).
    patient_key : sequence of str, optional
        Columns joined with ":" into ``patient_id`` (after ``column_map``), for data whose patient ids
        repeat across studies, e.g. ``("study", "patient_id")``; two patients whose values join into one
        id (``"S1:A"`` + ``"B"``, ``"S1"`` + ``"A:B"``) are refused.
    sheet : str, optional
        Sheet of an Excel workbook (needed when several sheets hold data).

    Raises
    ------
    InputError
        Located problem (file, rows, column, message).
    """
    return _load(data, patients, column_map, on_invalid, validation, source, patient_key, sheet, v.Outcome())


def validate_only(data: object, *, patients: object = None, column_map: dict[str, str] | None = None,
                  validation: s.Validation = "raise", source: str | None = None,
                  patient_key: Sequence[str] | None = None, sheet: str | None = None) -> list[InputError]:
    """Every problem found in ``data`` (empty when it is valid); nothing is raised for bad data.

    Reads every input :func:`load_study` reads and runs its checks; rows at fault are set aside so that
    later checks still run on the rest. Fatal problems (unreadable file, missing columns, and any problem
    of a PET or % change table, whose readers stop at the first) end the list.
    """
    outcome = v.Outcome(collected=[])
    try:
        _load(data, patients, column_map, "exclude", validation, source, patient_key, sheet, outcome)
    except InputError as error:
        outcome.collected.append(error)
    return outcome.collected


def input_kind(columns: Iterable[str]) -> InputKind | None:
    """The kind of table with these columns (after ``column_map``), None when it is none of them.

    In this order: a PET table (``lesion_id``, a PET value and no anatomic size, io.pet_table); a "% change
    from baseline" table (``pct_change`` without ``lesion_id`` or ``target_sum_mm``); a lesion table
    (``lesion_id`` and ``role``); a sum-only table (``target_sum_mm``).
    """
    names = {str(c).strip().lower() for c in columns}
    if looks_like_pet_table(names):
        return "pet"
    if PCT_CHANGE in names and not names & {s.LESION, s.TARGET_SUM}:
        return "pct_change"
    if s.LESION in names and s.ROLE in names:
        return "lesions"
    if s.TARGET_SUM in names:
        return "sums"
    return None


def _check_map_on_patients(
    column_map: dict[str, str] | None, patients: pd.DataFrame | None, folder: str
) -> None:
    """An SDTM folder is read by its standard variables; a column map can only rename columns of the
    patient table, and one naming a column it does not have is refused, not ignored."""
    unused = [f"{user}={contract}" for user, contract in (column_map or {}).items()
              if patients is None or contract not in patients.columns]
    if unused:
        raise InputError("--map", [], unused[0].split("=")[0],
                         f"{folder} is an SDTM folder, read by its standard variables (USUBJID, TRLNKID, "
                         f"TRTESTCD, ...); --map renames columns of the patient table (--patients) only, "
                         f"which has no column for {', '.join(unused)}")


def _load(data: object, patients: object, column_map: dict[str, str] | None, on_invalid: v.OnInvalid,
          validation: s.Validation, source: str | None, patient_key: Sequence[str] | None,
          sheet: str | None, outcome: v.Outcome) -> Study:
    s.check_choice("on_invalid", on_invalid, v.OnInvalid)
    s.check_choice("validation", validation, s.Validation)
    if isinstance(data, str) and not data.strip():  # Path("") is the working folder
        raise InputError(t.IN_MEMORY, [], None, "the input path is empty; give a file, an SDTM folder or a "
                                                "pandas / polars DataFrame")
    if isinstance(patient_key, str):  # "study,patient_id", as the command line takes it
        patient_key = [name.strip() for name in patient_key.split(",")]
    if isinstance(data, str | Path) and Path(data).is_dir() and not t.is_parquet_dataset(Path(data)):
        from ioresponse.io import sdtm

        if sheet is not None:
            raise InputError(Path(data).name, [], None, f"a sheet ({sheet!r}) is chosen but the input is an "
                                                         "SDTM folder, not an Excel workbook")
        parts = sdtm.read_sdtm(Path(data), source=source)
        raw, recorded, sdtm_findings = parts.raw, parts.recorded, parts.findings
        user_patients = read_patients(patients, column_map, collected=outcome.collected)
        given = None if user_patients is None else user_patients.table
        _check_map_on_patients(column_map, given, Path(data).name)
        patient_table = _merge_patients(parts.patients, given)
        outcome.excluded.extend(parts.unused.to_dict("records"))
        frame, name, kind = raw.frame, raw.source, "lesions"
        user_table, column_names, unit_not_stated = False, parts.variables, parts.unit_not_stated
    else:
        raw = t.read_table(data, column_map=column_map, source=source, sheet=sheet, names=PET_COLUMNS)
        recorded, sdtm_findings, user_table, column_names = None, [], True, raw.user_names
        unit_not_stated = frozenset()
        user_patients = read_patients(patients, column_map, collected=outcome.collected)
        patient_table = None if user_patients is None else user_patients.table
        frame, name = raw.frame, raw.source
        kind = _kind(frame, name)
        if kind == "lesions" and t.is_expanded_sums(frame):  # the lesions.* that assess wrote for sums
            frame, kind = t.collapse_sums(frame), "sums"
    if patient_key:
        frame = _apply_patient_key(frame, patient_key, name)
    if kind == "pet":
        pet = validate_pet_table(frame, file=name, patients=patient_table, validation=validation,
                                 column_names=column_names)
        if user_patients is not None:
            user_patients.check_follow_up(pet, name, outcome.collected)
            user_patients.warn_unmatched(pet[s.PATIENT], name)
        return Study(pet=pet, patients=patient_table, source=name,
                     patients_source=_patients_name(user_patients), column_names=column_names)
    from_pct_change = kind == "pct_change"
    given_rows = not frame.empty
    if from_pct_change:
        # Its sums are named by the column they come from: the baseline size when given (their unit),
        # else the user's pct_change column, never target_sum_mm, which the user's file does not have.
        named_by = BASELINE_SIZE if BASELINE_SIZE in frame.columns else PCT_CHANGE
        column_names = {**column_names, s.TARGET_SUM: column_names.get(named_by, named_by)}
    if kind in ("sums", "pct_change"):  # the pseudo-lesion target_sum holds the sums in long_axis_mm
        column_names = {**column_names, s.LONG_AXIS: column_names.get(s.TARGET_SUM, s.TARGET_SUM)}
    patient_of = dict(zip(frame[s.SOURCE_ROW].astype(int), frame.get(s.PATIENT, ""), strict=False))
    settings = {"patient_of": patient_of, "on_invalid": on_invalid, "validation": validation,
                "column_names": column_names}
    if from_pct_change:
        # A "% change from baseline" table becomes the sum-only table it describes (io.pct_change); its
        # rows keep the user's row numbers (and patients: ``patient_of`` holds for both).
        frame = v.settle(check_plausible(frame, name), frame, outcome, **settings)
        sums = sums_with_source_rows(frame, source=name)
        rebuilt = t.read_table(sums.drop(columns=s.SOURCE_ROW), source=name).frame
        rebuilt[s.SOURCE_ROW] = sums[s.SOURCE_ROW].to_numpy(np.int64)
        frame, kind = rebuilt, "sums"
    if kind == "sums":
        text_checks = SUM_TEXT_CHECKS
    else:
        text_checks = USER_LESION_TEXT_CHECKS if user_table else LESION_TEXT_CHECKS
    required = v.LESION_REQUIRED if kind == "lesions" else v.SUM_REQUIRED
    for finding in v.check_required_columns(frame, name, required):
        raise finding.error
    if not given_rows:  # the user's table (a % change table whose rows a check set aside had rows)
        raise InputError(name, [], None, "the table has no rows")
    frame = v.settle(sdtm_findings, frame, outcome, **settings)
    for check in text_checks:
        frame = v.settle(check(frame, name), frame, outcome, **settings)
    patient_table = _patient_columns(frame, patient_table, name, _patients_name(user_patients))
    missing = frozenset() if kind == "lesions" else t.missing_components(frame)
    both_times = user_table and s.DATE in frame.columns and s.DAY in frame.columns
    if kind == "sums":
        frame = t.expand_sums(frame)
    lesions = _typed(frame)
    _warn_partial_dates(lesions, frame, name, column_names)
    lesions = v.settle(_day_from_date(lesions, patient_table, name), lesions, outcome, **settings)
    lesions = lesions.assign(**{s.DAY: lesions[s.DAY].astype(np.int64)})
    if user_patients is not None:  # every assessment now has its day; before the lesion checks
        user_patients.check_follow_up(lesions, name, outcome.collected)
        user_patients.warn_unmatched(lesions[s.PATIENT], name)
        if not from_pct_change:  # sums computed from a % change have no unit of their own
            user_patients.check_prebaseline_sum(lesions, name, validation, outcome.collected)
    checks = LESION_CHECKS if kind == "lesions" else SUM_CHECKS
    if user_table and not from_pct_change:  # sums computed from a % change have no unit of their own
        checks = (*checks, *CM_CHECKS)
    elif user_table:
        checks = (*checks, v.check_patient_cm_sizes)
    elif unit_not_stated:  # SDTM states the unit of its sizes, except where TRSTRESU and TRORRESU are empty
        checks = (*checks, *(_on_rows(check, unit_not_stated) for check in CM_CHECKS))
    if both_times:
        checks = (v.check_date_day_agree, *checks)
    for check in checks:
        if lesions.empty:
            break
        lesions = v.settle(check(lesions, name), lesions, outcome, **settings)
    if both_times and patient_table is not None and TREATMENT_START in patient_table.columns:
        given = user_patients is not None and TREATMENT_START in user_patients.frame.columns
        starts = patient_table.set_index(s.PATIENT)[TREATMENT_START].fillna("")
        found = v.check_start_agrees(lesions, name, starts, user_patients.source if given else name)
        lesions = v.settle(found, lesions, outcome, **settings)
    return Study(lesions=_finish(lesions), patients=patient_table, missing_components=missing,
                 recorded=recorded, excluded=_excluded(outcome), source=name,
                 patients_source=_patients_name(user_patients, name), column_names=column_names)


def _warn_partial_dates(typed: pd.DataFrame, frame: pd.DataFrame, name: str, column_names: dict[str, str]
                        ) -> None:
    """A partial ``date`` (spec/anatomic.md 0.1 asks for an ISO date) is imputed to the middle of its
    period by :func:`_typed` (``_date_imputed``; the row's note says so): one warning names its rows, as for
    the patient table (SDTM: TRDTC without TRDY; with TRDY io.sdtm has placed it already). ``frame`` is the
    text table ``typed`` was made from; only its imputed dates are parsed again, for the wording."""
    imputed = typed["_date_imputed"].to_numpy()
    if imputed.any():
        _, notes, _ = t.parse_dates(frame.loc[imputed, s.DATE])
        t.warn_imputed_dates(name, typed.loc[imputed, s.SOURCE_ROW], column_names.get(s.DATE, s.DATE), notes,
                             stacklevel=4)


def _kind(frame: pd.DataFrame, name: str) -> InputKind:
    kind = input_kind(frame.columns)
    if kind is not None:
        return kind
    have = ", ".join(c for c in frame.columns if c != s.SOURCE_ROW)
    names = {str(c).strip().lower() for c in frame.columns}
    half = [c for c in (s.LESION, s.ROLE) if c not in names]
    if len(half) == 1:  # a lesion table without one of its two defining columns: name that one
        raise InputError(name, [], half[0],
                         f"missing; a lesion table has lesion_id and role (spec/anatomic.md 0.1); the table "
                         f"has: {have}. If it exists under another name, rename it with {t.RENAME_COLUMNS}.")
    raise InputError(name, [], None,
                     "cannot tell the kind of table: a lesion table needs lesion_id and role, a sum-only "
                     "table needs target_sum_mm, a % change table pct_change, a PET table lesion_id and a "
                     f"PET value (suvmax, sulpeak, ...) (DESIGN.md \"The tables\"); the table has: {have}. "
                     f"If they exist under another name, rename them with {t.RENAME_COLUMNS}.")


def _apply_patient_key(frame: pd.DataFrame, patient_key: Sequence[str], name: str) -> pd.DataFrame:
    missing = [c for c in patient_key if c not in frame.columns]
    if missing:
        raise InputError(name, [], missing[0], f"the patient key (--patient-key, Python: patient_key) names "
                                               f"column(s) {', '.join(missing)} that the table does not have")
    parts = frame[list(patient_key)].astype(str)
    key = parts.iloc[:, 0].str.cat([parts[c] for c in patient_key[1:]], sep=PATIENT_KEY_SEPARATOR)
    _refuse_key_clash(frame, parts, key, name)
    return frame.assign(**{s.PATIENT: key})


def _refuse_key_clash(frame: pd.DataFrame, parts: pd.DataFrame, key: pd.Series, name: str) -> None:
    """Two patients whose key columns join into one patient id (site "S1:A" with patient "B", site "S1"
    with patient "A:B": both "S1:A:B") are refused, naming the rows of each: assessed as one patient, their
    lesions would add up without a word."""
    given = parts.assign(**{s.SOURCE_ROW: frame[s.SOURCE_ROW], "_key": key})
    distinct = given.drop_duplicates([*parts.columns, "_key"])
    clash = distinct["_key"].duplicated(keep=False).to_numpy()
    if not clash.any():
        return
    shared = distinct.loc[clash, "_key"].iloc[0]
    patients = []
    for _, values in distinct[distinct["_key"] == shared].iterrows():
        named = ", ".join(f"{c} {values[c]!r}" for c in parts.columns)
        patients.append(f"{named} (row {values[s.SOURCE_ROW]})")
    raise InputError(name, given.loc[key == shared, s.SOURCE_ROW].tolist(), s.PATIENT,
                     f"the patient key joins {', '.join(parts.columns)} with {PATIENT_KEY_SEPARATOR!r} into "
                     f"{shared!r} for {len(patients)} different patients: {' and '.join(patients)}; a "
                     f"{PATIENT_KEY_SEPARATOR!r} inside a key value makes them clash: remove it from the "
                     "values (or give one patient_id column whose ids are unique)")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Contract dtypes from checked text columns (defaults of spec/anatomic.md 0.1 for absent ones)."""
    n = len(frame)

    def text(column: str, default: str = "") -> pd.Series:
        if column in frame.columns:
            return frame[column]
        return pd.Series(default, index=frame.index, dtype=object)

    def number(column: str) -> np.ndarray:
        return t.parse_float(frame[column])[0] if column in frame.columns else np.full(n, np.nan)

    def flag(column: str, default: bool) -> np.ndarray:
        return t.parse_bool(frame[column])[0] if column in frame.columns else np.full(n, default)

    iso, imputed_note, _ = t.parse_dates(text(s.DATE))
    modality = t.normalise_label(text(s.MODALITY)).replace("", t.DEFAULT_MODALITY)
    typed = pd.DataFrame({
        s.PATIENT: text(s.PATIENT).astype(str),
        s.READER: text(s.READER).astype(str),
        "accepted": flag("accepted", True),
        s.DAY: number(s.DAY),
        s.DATE: iso,
        s.LESION: text(s.LESION).astype(str),
        s.ROLE: t.normalise_label(text(s.ROLE)),
        s.ORGAN: t.per_value(text(s.ORGAN), lambda organ: organ.str.strip().str.lower()),
        s.LYMPH_NODE: flag(s.LYMPH_NODE, False),
        s.LONG_AXIS: number(s.LONG_AXIS),
        s.SHORT_AXIS: number(s.SHORT_AXIS),
        s.PERPENDICULAR: number(s.PERPENDICULAR),
        s.STATUS: t.normalise_label(text(s.STATUS)),
        s.EQUIVOCAL: flag(s.EQUIVOCAL, False),
        s.CLINICAL_STATUS: t.normalise_label(text(s.CLINICAL_STATUS)),
        s.SLICE_THICKNESS: number(s.SLICE_THICKNESS),
        s.MODALITY: modality,
        "note": t.join_notes(text("note"), imputed_note),
        s.SOURCE_ROW: frame[s.SOURCE_ROW].astype(np.int64),
        "_date_imputed": (imputed_note != "").to_numpy(),
    }, index=frame.index)
    if t.INCREASE_SINCE_PREVIOUS in frame.columns:
        stated, _ = t.parse_bool(frame[t.INCREASE_SINCE_PREVIOUS])
        typed[t.INCREASE_SINCE_PREVIOUS] = pd.Series(stated, index=frame.index, dtype=object).where(
            frame[t.INCREASE_SINCE_PREVIOUS] != "", None)
    for column in t.PASSTHROUGH_TEXT:
        if column in frame.columns:
            typed[column] = frame[column].astype(object)
    for column in t.PASSTHROUGH_NUMBER:
        if column in frame.columns:
            typed[column] = t.parse_float(frame[column])[0]
    if t.VISIT in frame.columns:
        typed[t.VISIT] = frame[t.VISIT]
    if t.VISIT_NUMBER in frame.columns:
        typed[t.VISIT_NUMBER] = t.parse_float(frame[t.VISIT_NUMBER])[0]
    elif t.VISIT in frame.columns and (frame[t.VISIT] != "").any()\
            and not t.parse_float(frame[t.VISIT])[1].any():
        typed[t.VISIT_NUMBER] = t.parse_float(frame[t.VISIT])[0]
    return typed.reset_index(drop=True)


def _day_from_date(lesions: pd.DataFrame, patients: pd.DataFrame | None, name: str) -> list[v.Finding]:
    """Fill ``day`` from ``date - treatment_start`` (spec/anatomic.md 0.1); report patients with no start."""
    need = ~np.isfinite(lesions[s.DAY].to_numpy())
    if not need.any():
        return []
    starts = pd.Series(dtype=object)
    if patients is not None and TREATMENT_START in patients.columns:
        starts = patients.set_index(s.PATIENT)[TREATMENT_START]
    start = lesions[s.PATIENT].map(starts).fillna("")
    days = t.days_between(lesions[s.DATE], start)
    lesions[s.DAY] = np.where(need, days, lesions[s.DAY])
    findings = []
    far = need & np.isfinite(days) & (np.abs(days) > t.MAX_ABS_DAY)  # as a given day is (io.validate)
    for patient, group in lesions.loc[far].groupby(s.PATIENT, sort=False):
        findings.append(v.Finding(InputError(
            name, group[s.SOURCE_ROW].tolist(), s.DATE,
            f"{group[s.DATE].iloc[0]} is more than 100 years from patient {patient}'s treatment_start "
            f"{start[group.index[0]]}: a date out of range (a placeholder such as 1899-12-30?)")))
    unresolved = need & ~np.isfinite(days)
    for patient, group in lesions.loc[unresolved].groupby(s.PATIENT, sort=False):
        findings.append(v.Finding(InputError(name, group[s.SOURCE_ROW].tolist(), TREATMENT_START,
                                             f"patient {patient} has dates but no day and no "
                                             "treatment_start: give `day` (days since treatment start) or "
                                             "a patient table with "
                                             "treatment_start (spec/anatomic.md 0.1)")))
    return findings


@dataclass(frozen=True)
class PatientTable:
    """A checked patient table (``--patients``): its cells as text with contract names and ISO dates, the
    row of the file each patient is on (``source_row``, header = row 1), its name in messages, and the
    user's header of every column renamed to the contract (messages name the column the user sees)."""

    frame: pd.DataFrame
    source: str
    user_names: dict[str, str] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """The table as :class:`~ioresponse.criteria.Study` keeps it (without ``source_row``)."""
        return self.frame.drop(columns=[s.SOURCE_ROW]).reset_index(drop=True)

    def warn_unmatched(self, patients: Iterable[str], source: str) -> None:
        """Warn about the rows of patients that ``source`` (the assessed input) does not have: nothing is
        assessed for them, and an id that differs in case or spacing is a typo to fix."""
        unmatched = ~self.frame[s.PATIENT].astype(str).isin(set(map(str, patients)))
        if unmatched.any():
            ids = self.frame.loc[unmatched, s.PATIENT].astype(str).tolist()
            named = ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else "")
            error = InputError(self.source, self.frame.loc[unmatched, s.SOURCE_ROW], s.PATIENT,
                               f"patient(s) {named} have no row in {source}: nothing is assessed for them")
            warnings.warn(v.PatientTableWarning(error.located()), stacklevel=4)

    def check_follow_up(self, assessments: pd.DataFrame, source: str,
                        collected: list[InputError] | None = None) -> None:
        """Refuse an ``os_days`` before a patient's last assessment in ``assessments`` (``patient_id``,
        ``day``, and ``source_row`` when the rows of ``source`` are known; io.validate.check_follow_up).

        Raises the first problem, or with ``collected`` (``validate_only``) lists them all there.
        """
        last = v.last_assessments(assessments, source)
        _settle_patient_findings(v.check_follow_up(self.frame, self.source, last), collected, self.user_names)

    def check_prebaseline_sum(self, lesions: pd.DataFrame, source: str, validation: s.Validation,
                              collected: list[InputError] | None = None) -> None:
        """Refuse (with ``validation="warn"``: warn about) a ``prebaseline_sum_mm`` that looks like
        centimetres beside the baseline target sums of ``lesions`` (a typed lesion table of ``source``;
        io.validate.check_prebaseline_sum); with ``collected`` (``validate_only``) list it there."""
        found = v.check_prebaseline_sum(self.frame, self.source, v.baseline_target_sums(lesions), source)
        _settle_patient_findings(found, collected, self.user_names, validation)

    def numbers(self, column: str) -> pd.Series:
        """``column`` as numbers by ``patient_id`` (NaN where empty), e.g. a baseline MTV to split at
        the cohort median (``report --median-split``); an absent column or a cell that is not a number
        is an InputError naming its row."""
        named = self.user_names.get(column, column)
        if column not in self.frame.columns:
            given = ", ".join(self.user_names.get(c, c) for c in self.frame.columns if c != s.SOURCE_ROW)
            raise InputError(self.source, [], named, f"the patient table has no column {named}; it has: "
                                                     f"{given}")
        values, bad = t.parse_float(self.frame[column])
        if bad.any():
            value = self.frame.loc[bad, column].iloc[0]
            raise InputError(self.source, self.frame.loc[bad, s.SOURCE_ROW], named,
                             f"{value!r} is not a number{t.decimal_comma_hint(value)} (leave the cell empty "
                             "when it is not known)")
        return pd.Series(values, index=self.frame[s.PATIENT].astype(str).to_numpy(), name=column)


def read_patients(patients: object, column_map: dict[str, str] | None = None, *,
                  collected: list[InputError] | None = None) -> PatientTable | None:
    """The optional patient table, checked: one row per patient_id, ISO dates, readable day and survival
    columns, and no date before ``treatment_start`` (io.validate.PATIENT_TABLE_CHECKS).

    ``assess``, ``validate`` and ``report --patients`` all read it here. The problems of
    PATIENT_TABLE_CHECKS raise (the first), or with ``collected`` (``validate_only``) are all listed there
    and the table is returned with unreadable dates left empty; a missing ``patient_id`` column or a
    repeated patient always raises.
    """
    if patients is None:
        return None
    raw = t.read_table(patients, column_map={k: c for k, c in (column_map or {}).items()
                                             if _has_column(patients, k)},
                       source=None if isinstance(patients, str | Path) else "<patient table>",
                       empty=EMPTY_PATIENT_TABLE)
    frame, name = raw.frame, raw.source
    if s.PATIENT not in frame.columns:
        raise InputError(name, [], s.PATIENT, "the patient table needs a patient_id column")
    repeated = frame[s.PATIENT].duplicated(keep=False)
    if repeated.any():
        raise InputError(name, frame.loc[repeated, s.SOURCE_ROW], s.PATIENT,
                         f"patient {frame.loc[repeated, s.PATIENT].iloc[0]} appears more than once; "
                         "the patient table has one row per patient_id")
    for check in v.PATIENT_TABLE_CHECKS:
        _settle_patient_findings(check(frame, name), collected, raw.user_names)
    for column in (c for c in v.PATIENT_DATE_COLUMNS if c in frame.columns):
        frame[column], notes, _ = t.parse_dates(frame[column])
        # a partial date decides days: said, as for a lesion table (io.tables)
        t.warn_imputed_dates(name, frame[s.SOURCE_ROW], raw.user_names.get(column, column), notes,
                             stacklevel=2)
    return PatientTable(frame.reset_index(drop=True), name, dict(raw.user_names))


def _patients_name(given: PatientTable | None, derived: str = "<patient table>") -> str:
    """The patient table's name in messages: the user's file, else the input it was derived from (SDTM DM,
    dated study days)."""
    return derived if given is None else given.source


def _settle_patient_findings(findings: list[v.Finding], collected: list[InputError] | None,
                             user_names: dict[str, str], validation: s.Validation = "raise") -> None:
    """Errors in the patient table always raise (the first), except for ``validate_only``, which lists
    them all; they never exclude lesion rows. A plausibility finding is a warning with
    ``validation="warn"`` (io.validate.settle). Each names its column as the user's file does."""
    named = [v.in_file_terms(finding, user_names) for finding in findings]
    for finding in (f for f in named if f.kind == "plausibility" and validation == "warn"):
        warnings.warn(v.ImplausibleValueWarning(finding.error.located()), stacklevel=4)
    errors = [f.error for f in named if not (f.kind == "plausibility" and validation == "warn")]
    if errors and collected is None:
        raise errors[0]
    if collected is not None:
        collected.extend(errors)


def _has_column(patients: object, column: str) -> bool:
    if isinstance(patients, pd.DataFrame):
        return column in patients.columns
    if hasattr(patients, "columns"):
        return column in patients.columns  # polars
    return column in t.read_table(patients, empty=EMPTY_PATIENT_TABLE).frame.columns


def _merge_patients(derived: pd.DataFrame | None, given: pd.DataFrame | None) -> pd.DataFrame | None:
    """The user's patient table wins over values derived from the data (SDTM treatment start)."""
    if derived is None or given is None:
        return given if derived is None else derived
    extra = [c for c in derived.columns if c == s.PATIENT or c not in given.columns]
    merged = given.merge(derived[extra], on=s.PATIENT, how="outer")
    if TREATMENT_START in derived.columns and TREATMENT_START in given.columns:
        fallback = merged[s.PATIENT].map(derived.set_index(s.PATIENT)[TREATMENT_START])
        merged[TREATMENT_START] = merged[TREATMENT_START].fillna("").where(
            merged[TREATMENT_START].fillna("") != "", fallback.fillna(""))
    return merged


def _patient_columns(frame: pd.DataFrame, patients: pd.DataFrame | None, name: str,
                     patients_name: str) -> pd.DataFrame:
    """Per-patient extra columns of the lesion table join the patient table; warn about unused ones. A
    column both give must agree for every patient that both give it for (nothing is settled silently)."""
    extras = [c for c in frame.columns if c not in _KNOWN_INPUT and c != s.PATIENT]
    counts = frame.groupby(s.PATIENT, sort=True)[extras].nunique() if extras else pd.DataFrame()
    constant = [c for c in extras if len(counts) and (counts[c] <= 1).all()]
    unused = [c for c in extras if c not in constant]
    if unused:
        warnings.warn(v.UnusedColumnWarning(
            f"{name}: column(s) {', '.join(unused)} are not used (not contract columns and not constant "
            "per patient)"), stacklevel=4)
    table = frame.groupby(s.PATIENT, sort=True)[constant].first().reset_index() if constant else (
        pd.DataFrame({s.PATIENT: sorted(pd.unique(frame[s.PATIENT]))}))
    for column in (c for c in v.PATIENT_DATE_COLUMNS if c in table.columns):  # read as the patient table's
        table[column], notes, bad = t.parse_dates(table[column].fillna("").astype(str))
        if bad.any():
            rows = frame.loc[frame[s.PATIENT].isin(table.loc[bad, s.PATIENT]), s.SOURCE_ROW]
            raise InputError(name, rows.tolist(), column,
                             t.date_problem(str(frame.loc[rows.index[0], column])))
        per_row = frame[s.PATIENT].map(dict(zip(table[s.PATIENT], notes, strict=True)))  # a patient's rows
        t.warn_imputed_dates(name, frame[s.SOURCE_ROW], column, per_row, stacklevel=4)
    if patients is None:
        return table
    for column in (c for c in table.columns if c != s.PATIENT and c in patients.columns):
        _refuse_disagreement(frame, table, patients, column, name, patients_name)
    keep = [c for c in table.columns if c == s.PATIENT or c not in patients.columns]
    return patients.merge(table[keep], on=s.PATIENT, how="outer").sort_values(s.PATIENT, kind="stable") \
        .reset_index(drop=True)


def _refuse_disagreement(frame: pd.DataFrame, table: pd.DataFrame, patients: pd.DataFrame, column: str,
                         name: str, patients_name: str) -> None:
    """Refuse a patient column that the lesion table and the patient table give with different values
    (empty cells aside; numbers compared as numbers, "70" is "70.0"; dates as ISO dates)."""
    ours = _given(table.set_index(s.PATIENT)[column])
    if column in v.PATIENT_DATE_COLUMNS:
        ours = pd.Series(t.parse_dates(ours)[0].to_numpy(), index=ours.index)
    theirs = _given(patients.set_index(s.PATIENT)[column]).reindex(ours.index).fillna("")
    same_number = np.isclose(t.parse_float(ours)[0], t.parse_float(theirs)[0])  # NaN (not numbers): False
    differ = (ours != "") & (theirs != "") & (ours != theirs) & ~same_number
    if differ.any():
        patient = differ.index[differ.to_numpy()][0]
        rows = frame.loc[frame[s.PATIENT] == patient, s.SOURCE_ROW]
        raise InputError(name, rows, column, f"patient {patient} has {column} {ours[patient]} here and "
                                             f"{theirs[patient]} in {patients_name}: give one value")


def _given(values: pd.Series) -> pd.Series:
    """Cells as stripped text, "" where empty (NaN or None included)."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _finish(lesions: pd.DataFrame) -> pd.DataFrame:
    """Contract column order, dtypes and sort order (briefs/contract.md); optional spec columns last."""
    table = lesions.drop(columns=[c for c in _INTERNAL if c in lesions.columns])
    table = table.sort_values(list(t.SORT_KEY), kind="stable").reset_index(drop=True)
    table = table[[*t.LESION_COLUMNS, *(c for c in t.PASSTHROUGH_COLUMNS if c in table.columns)]]
    for column in (s.PATIENT, s.READER, s.DATE, s.LESION, s.ROLE, s.ORGAN, s.STATUS, s.CLINICAL_STATUS,
                   s.MODALITY, "note"):
        table[column] = as_text(table[column].to_numpy(object))
    for column in t.BOOL_COLUMNS:
        table[column] = table[column].astype(bool)
    for column in t.FLOAT_COLUMNS:
        table[column] = table[column].astype(np.float64)
    table[s.DAY] = table[s.DAY].astype(np.int64)
    table[s.SOURCE_ROW] = table[s.SOURCE_ROW].astype(np.int64)
    return table


def _excluded(outcome: v.Outcome) -> pd.DataFrame:
    table = pd.DataFrame(outcome.excluded, columns=list(EXCLUDED_COLUMNS))
    table[s.SOURCE_ROW] = table[s.SOURCE_ROW].astype(np.int64)
    return table.sort_values(s.SOURCE_ROW, kind="stable").reset_index(drop=True)
