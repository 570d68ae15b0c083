"""Validation of lesion tables before any assessment: one small check per rule, one function decides.

Every check returns :class:`Finding` objects (offending rows + a located message, STYLE.md 5);
:func:`settle` alone decides whether a finding raises, is collected (``ioresponse validate``), warns, or
excludes its rows (``on_invalid="exclude"``), so that every input row is either used or reported.

Rules and their sources:

- Required columns and allowed values: spec/anatomic.md 0.1 (input table), 0.3 (status by role),
  1.9 (RECIST 1.1 input columns).
- Baseline = the latest assessment with day <= 0; none is an error "missing baseline"; ``role = new``
  at baseline is an error; a lesion first seen at a follow-up must be ``new`` (spec/anatomic.md 0.2).
  Assessments before baseline are kept: the criterion reports them as "ignored: pre-baseline"
  (spec/anatomic.md 0.2) and pattern screens may read them, so they are not a validation problem.
- A target with status ``unequivocal_progression`` is an error (spec/anatomic.md 0.3); a present target
  without its measurement is an error naming the column (spec/anatomic.md 0.4). A target or new lesion
  whose size contradicts its status (a size with status absent or not_evaluable, 0 mm with status
  present) is a warning (spec/anatomic.md 0.3, 0.4).
- Duplicates and split lesions (spec/anatomic.md 0.4): rows with the same (patient, reader, day,
  lesion_id) are *fragments* of a split lesion when they differ; rows identical in every contract
  column are duplicates (an error; with ``on_invalid="exclude"`` the first is kept and the others are
  reported as "identical duplicate of row N"). Fragments are allowed for target and new lesions only
  and must agree on role, organ and lymph_node; a non-target lesion is one row per assessment.
  In sum-only tables there are no fragments: two differing rows for one assessment conflict and
  both are excluded (the assessment becomes missing). Two fragments with identical values are
  indistinguishable from a duplicated row and are reported as such, unless their ``note`` differs.
- Per-assessment columns (clinical_status, slice_thickness_mm, modality) must agree within an
  assessment (spec/anatomic.md 0.1).
- Dates out of order: when the user gives both ``date`` and ``day``, ``date - day`` must be the same
  for every row of a patient (a plausibility check: nominal study days beside scan dates, as SDTM gives
  them, are kept with ``validation="warn"``, each row placed by its day); when visits are numbered, a
  later scheduled visit may not lie on an earlier day (unscheduled visits are numbered by the sponsor
  and are not checked).
- Required columns of a lesion table (spec/anatomic.md 0.1) have a value on every row: an empty cell is
  an error naming its row and column, never a default (absent optional columns take their documented
  default instead). ``organ`` is needed on target rows only (RECIST 1.1 sec. 4.2 counts targets per
  organ); SDTM input follows the same rule (io.sdtm). A
  ``reader`` column is filled on every row or on none (each reader is assessed separately; project
  rule).
- Plausibility (``validation="raise" | "warn"``, STYLE.md 6): sizes that look like centimetres: every
  size of the table below 10 and some with decimals; or, in a user's table among patients in mm, one
  patient whose baseline target sizes are all below 10 (none measurable in mm, RECIST 1.1 sec. 3.1.1)
  and some of whose sizes have decimals; or one follow-up of a patient whose sizes are all below 10, some
  with decimals, each lesion about a tenth (1/15 to 2/15) of its previous size in mm, or one assessment
  before baseline so beside the lesion's next size (SDTM states the unit of its sizes, so these run on the
  SDTM sizes given without any unit only, io.load; sums rebuilt from a % change have no unit of their own);
  a patient table's ``prebaseline_sum_mm`` below 10 with decimals and about a tenth of the patient's
  baseline target sum. Patient-table ``weight_kg`` and ``height_cm`` lie in the ranges of spec/pet.md 1.8.
- Target counts above RECIST 1.1 sec. 4.2 (5 in total, 2 per organ, all lymph nodes one organ):
  a warning here; the criterion applies its own ``on_baseline_violation`` rule (spec/anatomic.md 1.3,
  1.11 A1).
- Patient table (``--patients``, read by io.load.read_patients for assess, validate and report): ISO
  dates; readable ``treatment_end_day`` / ``new_therapy_start_day`` (whole days), ``os_days`` and
  ``os_event``; ``treatment_end`` and ``new_therapy_start`` not before ``treatment_start`` (their days
  not below 0; spec/patterns.md 0.1, 0.5); ``os_days`` not before the patient's last assessment, whether
  a death or a censored follow-up (project rule: the spec is silent; a patient is not assessed after
  death, and was seen alive at the scan). The same day is allowed; empty cells are never compared.
  ``os_days`` and ``os_event`` are given together or not at all (spec/patterns.md 7.4 counts deaths: an
  empty ``os_event`` is not read as alive). ``treatment_end_reason`` is one of spec/patterns.md 0.5's
  reasons, in any case (durable.off_treatment, spec 4.3, reads it).
  ``local_therapy_dates`` (spec/patterns.md 1.4 step 5) lists full ISO dates separated by ";" or ",".
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from ioresponse import schema as s
from ioresponse.io import tables as t
from ioresponse.schema import InputError, IoresponseWarning

FindingKind = Literal["error", "plausibility", "warning"]
OnInvalid = Literal["raise", "exclude"]

# RECIST 1.1 sec. 4.2 (Eisenhauer et al., Eur J Cancer 2009;45:228-247, doi:10.1016/j.ejca.2008.10.026)
MAX_TARGETS = 5  # RECIST 1.1 sec. 4.2: at most 5 target lesions in total
MAX_TARGETS_PER_ORGAN = 2  # RECIST 1.1 sec. 4.2: at most 2 per organ
LYMPH_NODE_ORGAN = "lymph node"  # spec/anatomic.md 0.1: all nodes count as one organ
CM_LOOKING_MAX_MM = 10.0  # STYLE.md 5: every size below 10 with decimals looks like centimetres
# STYLE.md 5: a lesion at a tenth of its previous size, give or take a third (a lesion written in cm that
# also changed by up to a third); the Laleh 2022 sums' slips are 0.091-0.132 of the previous sum, while
# INSPIRE's deepest one-scan responses below 10 mm are 0.156 and 0.188 of it (shared/data)
CM_SHRINK_RANGE = (1 / 15, 2 / 15)
LARGEST_LESION_MM = 1_000.0  # STYLE.md 5: no lesion measures a metre
LARGEST_SUM_MM = 10_000.0  # a sum-only table: ten lesions of a metre
ORGAN_SIDE = re.compile(r"\b(?:left|right|bilateral)\b")
"""A side in an organ name (the organ is given without side, spec/anatomic.md 0.1)."""
CM_WAY_OUT = f"convert to mm (x 10), or if they really are mm keep them with {t.WARN_IMPLAUSIBLE}"
PER_ASSESSMENT_COLUMNS = (s.CLINICAL_STATUS, s.SLICE_THICKNESS, s.MODALITY)  # spec/anatomic.md 0.1
LESION_REQUIRED = (s.PATIENT, s.LESION, s.ROLE, s.ORGAN, s.LYMPH_NODE, s.STATUS)  # spec 1.9
SUM_REQUIRED = (s.PATIENT, s.TARGET_SUM)  # briefs/contract.md (sum-only tables)
FRAGMENT_ROLES = (s.Role.TARGET.value, s.Role.NEW.value)  # spec/anatomic.md 0.4 split lesions
PATIENT_LEVEL_COLUMNS = (
    "treatment_start", "treatment_end", "randomized", "tumor_type", "arm", "study", "study_arm",
    "sex", "weight_kg", "height_cm", "os_days", "os_event",
)
"""Columns that describe the patient (DESIGN.md patient table): they must not vary within a patient."""
UNSCHEDULED = "UNSCHED"


class ImplausibleValueWarning(IoresponseWarning):
    """A plausibility check failed and ``validation="warn"`` kept the value as given."""


class TargetCountWarning(IoresponseWarning):
    """More target lesions than RECIST 1.1 sec. 4.2 allows (the criterion decides what to do)."""


class SplitLesionWarning(IoresponseWarning):
    """Rows of one target or new lesion at one assessment, read as the fragments of a split lesion."""


class UnusedMeasurementWarning(IoresponseWarning):
    """A size that contradicts its row's status: given with a status that does not use it (absent counts 0,
    not_evaluable none), or 0 mm with status present (a present lesion is measured, 0 is absent)."""


class PatientTableWarning(IoresponseWarning):
    """Patient-table rows worth a look: a patient the input does not have (partial dates:
    ``tables.PartialDateWarning``)."""


class UnusedColumnWarning(IoresponseWarning):
    """Input columns that are neither contract columns nor constant per patient (not used)."""


@dataclass(frozen=True)
class Finding:
    """One problem: its located error, its kind, and the rows to exclude with ``on_invalid="exclude"``.

    exclude_rows : source rows to drop (default: ``error.rows``); patient-level findings list every
        row of the patient.
    """

    error: InputError
    kind: FindingKind = "error"
    exclude_rows: tuple[int, ...] | None = None
    category: type[IoresponseWarning] = TargetCountWarning
    """The warning class of a ``"warning"`` finding (plausibility warns as ImplausibleValueWarning)."""

    def rows_to_exclude(self) -> tuple[int, ...]:
        return tuple(self.error.rows) if self.exclude_rows is None else self.exclude_rows


@dataclass
class Outcome:
    """What :func:`settle` did: excluded rows (records) and errors collected for ``validate_only``."""

    excluded: list[dict] = field(default_factory=list)
    collected: list[InputError] | None = None
    faulty: dict[str, list[int]] = field(default_factory=dict)
    """Rows set aside for a problem, by patient (rows unused by design, like SDTM SUMDIAM, are not)."""


Check = Callable[[pd.DataFrame, str], list[Finding]]


def settle(findings: Iterable[Finding], frame: pd.DataFrame, outcome: Outcome, *, patient_of: dict[int, str],
           on_invalid: OnInvalid, validation: s.Validation, column_names: Mapping[str, str]) -> pd.DataFrame:
    """Raise, collect, warn or exclude, and return ``frame`` without the excluded rows.

    Errors raise with ``on_invalid="raise"`` (the first one found) unless ``outcome.collected`` is a
    list (``validate_only``), in which case they are collected and their rows excluded so the later
    checks still run. Plausibility findings are errors with ``validation="raise"`` and warnings with
    ``"warn"``; warnings never remove a row. ``column_names`` gives the name in the user's file of a
    contract column that the file spells otherwise (SDTM: ``date`` is ``TRDTC``), for every message.
    """
    drop: set[int] = set()
    set_aside = {p: list(rows) for p, rows in outcome.faulty.items()}  # a finding may follow from them
    for finding in findings:
        finding = in_file_terms(finding, column_names)
        if finding.kind == "warning" or (finding.kind == "plausibility" and validation == "warn"):
            category = ImplausibleValueWarning if finding.kind == "plausibility" else finding.category
            warnings.warn(category(finding.error.located()), stacklevel=4)
            continue
        finding = _noting_earlier_exclusions(finding, set_aside, patient_of)
        if outcome.collected is not None:
            outcome.collected.append(finding.error)
        elif on_invalid == "raise":
            raise finding.error
        rows = [r for r in finding.rows_to_exclude() if r not in drop]
        drop.update(rows)
        for r in rows:
            outcome.faulty.setdefault(str(patient_of.get(r, "")), []).append(r)
        outcome.excluded.extend(
            {s.SOURCE_ROW: r, s.PATIENT: patient_of.get(r, ""), "column": finding.error.column or "",
             "reason": finding.error.message} for r in rows
        )
    if not drop:
        return frame
    return frame.loc[~frame[s.SOURCE_ROW].isin(drop)].reset_index(drop=True)


def in_file_terms(finding: Finding, column_names: Mapping[str, str]) -> Finding:
    """``finding`` naming its column as the user's file does."""
    error = finding.error
    if error.column not in column_names:
        return finding
    named = InputError(error.file, error.rows, column_names[error.column], error.message)
    return replace(finding, error=named)


def _noting_earlier_exclusions(finding: Finding, set_aside: dict[str, list[int]],
                               patient_of: dict[int, str]) -> Finding:
    """``finding`` saying which rows of its patient earlier checks set aside (e.g. a "missing
    baseline" whose baseline row was invalid), so that the user fixes the cause first."""
    patients = {str(patient_of[r]) for r in finding.error.rows if r in patient_of}
    earlier = sorted(r for p in patients for r in set_aside.get(p, []) if r not in finding.error.rows)
    if not earlier:
        return finding
    error = finding.error
    note = f" (row(s) {', '.join(map(str, earlier))} of this patient already set aside, see above)"
    return Finding(InputError(error.file, error.rows, error.column, error.message + note), finding.kind,
                   finding.exclude_rows)


def _error(source: str, rows: Iterable[int], column: str | None, message: str,
           kind: FindingKind = "error", exclude_rows: Iterable[int] | None = None) -> Finding:
    excluded = None if exclude_rows is None else tuple(int(r) for r in exclude_rows)
    return Finding(InputError(source, list(rows), column, message), kind, excluded)


def _rows(frame: pd.DataFrame, mask: np.ndarray | pd.Series) -> list[int]:
    return frame.loc[np.asarray(mask, dtype=bool), s.SOURCE_ROW].astype(int).tolist()


def _allowed(values: Iterable[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


# ---------------------------------------------------------------------------------------------
# Checks on the text table (before typing)


def check_required_columns(frame: pd.DataFrame, source: str, required: tuple[str, ...]) -> list[Finding]:
    """Missing required columns, named (spec/anatomic.md 0.1, 1.9); ``date`` or ``day`` is required."""
    missing = [col for col in required if col not in frame.columns]
    if s.DATE not in frame.columns and s.DAY not in frame.columns:
        missing.append("date or day")
    if not missing:
        return []
    have = ", ".join(c for c in frame.columns if c != s.SOURCE_ROW)
    return [_error(source, [], missing[0], f"missing required column(s): {', '.join(missing)} "
                                          f"(spec/anatomic.md 0.1); the table has: {have}. "
                                          f"If they exist under another name, rename them with "
                                          f"{t.RENAME_COLUMNS}.")]


LESION_CELLS_EXPECTED = {
    s.PATIENT: "the patient identifier",
    s.LESION: "the lesion identifier, stable across assessments and unique per patient",
    s.ROLE: _allowed(r.value for r in s.Role),
    s.ORGAN: 'the organ of the target lesion, in lower case and without side (e.g. "lung"; RECIST 1.1 '
             'sec. 4.2 counts target lesions per organ)',
    s.LYMPH_NODE: "true or false (whether the lesion is a lymph node)",
    s.STATUS: _allowed(v.value for v in s.Status),
}
"""What each required column of a lesion table holds (spec/anatomic.md 0.1, 0.3)."""
SUM_CELLS_EXPECTED = {s.PATIENT: LESION_CELLS_EXPECTED[s.PATIENT]}
"""A sum-only table needs its patient on every row; an empty sum is "not evaluable" (briefs/contract.md)."""


def check_empty_cells(frame: pd.DataFrame, source: str, expected: dict[str, str],
                      needed: Mapping[str, np.ndarray] | None = None) -> list[Finding]:
    """Empty cells of the required columns in ``expected`` (present: check_required_columns runs first),
    one finding per column (spec/anatomic.md 0.1); a column of ``needed`` only on the rows it marks."""
    findings = []
    for column, what in expected.items():
        empty = (frame[column] == "").to_numpy() & (needed or {}).get(column, True)
        if empty.any():
            findings.append(_error(source, _rows(frame, empty), column,
                                   f"empty; expected {what} (a required column, spec/anatomic.md 0.1)"))
    return findings


def check_lesion_cells(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Empty cells in the required columns of a lesion table, and in a ``reader`` column used elsewhere;
    ``organ`` only on the rows :func:`organ_needed` marks."""
    return (check_empty_cells(frame, source, LESION_CELLS_EXPECTED, {s.ORGAN: organ_needed(frame)})
            + check_reader_cells(frame, source))


def organ_needed(frame: pd.DataFrame) -> np.ndarray:
    """Rows of a lesion table (text cells) whose ``organ`` may not be empty: the targets (RECIST 1.1 sec.
    4.2 counts target lesions per organ). A non-target or new lesion may leave it empty (SDTM TU often has
    no TULOC for them, and a new lesion recorded in TR only has no TU record; io.sdtm applies this same
    rule): a new lesion without organ is then under no per-organ cap of the immune criteria, only their
    total caps (criteria._immune.count_new_lesions)."""
    return (t.normalise_label(frame[s.ROLE]) == s.Role.TARGET.value).to_numpy()


def check_sum_cells(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Empty ``patient_id`` cells of a sum-only table, and in a ``reader`` column used elsewhere."""
    return check_empty_cells(frame, source, SUM_CELLS_EXPECTED) + check_reader_cells(frame, source)


def check_reader_cells(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Empty ``reader`` cells of a patient whose other rows name a reader.

    Each reader's assessments are assessed separately (README), so a row without its reader would belong
    to a reader of its own, without the baseline its reader gave: it is refused at its cell, before the
    baseline check would blame the day. A patient whose rows all leave the reader empty was read once (a
    table may join such patients to double-read ones).
    """
    if s.READER not in frame.columns or s.PATIENT not in frame.columns:
        return []
    readers = frame[s.READER].fillna("").astype(str).str.strip()
    empty = readers == ""
    named = (~empty).groupby(frame[s.PATIENT]).transform("any")
    wrong = (empty & named).to_numpy()
    if not wrong.any():
        return []
    patient = frame.loc[wrong, s.PATIENT].iloc[0]
    example = readers[~empty & (frame[s.PATIENT] == patient)].iloc[0]
    return [_error(source, _rows(frame, wrong), s.READER,
                   f"empty, while other rows of patient {patient} name their reader (e.g. {example!r}); each "
                   "reader's assessments are assessed separately: give the reader of every row of the "
                   "patient, or none (a patient read once)")]


def check_labels(frame: pd.DataFrame, source: str, column: str, allowed: tuple[str, ...],
                 rows_mask: np.ndarray | None = None) -> list[Finding]:
    """Values of ``column`` outside ``allowed`` (lower case, "-"/" " -> "_"), one finding per value."""
    if column not in frame.columns:
        return []
    labels = t.normalise_label(frame[column])
    bad = ~labels.isin(allowed).to_numpy()
    if rows_mask is not None:
        bad &= rows_mask
    findings = []
    for value in pd.unique(frame.loc[bad, column]):
        shown = f'"{value}"' if value else "empty"
        findings.append(_error(source, _rows(frame, bad & (frame[column] == value).to_numpy()), column,
                               f"{shown} is not an allowed value; allowed: "
                               f"{_allowed(v for v in allowed if v)} "
                               "(spec/anatomic.md 0.1, 0.3)"))
    return findings


def check_roles(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Unknown ``role`` values (spec/anatomic.md 0.1)."""
    return check_labels(frame, source, s.ROLE, tuple(r.value for r in s.Role))


def check_statuses(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Unknown ``status`` values (spec/anatomic.md 0.3)."""
    return check_labels(frame, source, s.STATUS, tuple(v.value for v in s.Status))


def check_sum_non_target(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Unknown ``non_target`` status values of a sum-only table (spec/anatomic.md 0.3)."""
    return check_labels(frame, source, s.NON_TARGET, tuple(v.value for v in s.Status))


def check_option_values(frame: pd.DataFrame, source: str) -> list[Finding]:
    """``modality`` and ``clinical_status`` vocabularies (spec/anatomic.md 0.1)."""
    return (check_labels(frame, source, s.MODALITY, (*t.MODALITIES, ""))
            + check_labels(frame, source, s.CLINICAL_STATUS, t.CLINICAL_STATUSES))


def check_sizes(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Non-numeric or negative values in the mm columns and the optional uptake columns."""
    findings = []
    for column in (*t.FLOAT_COLUMNS, *t.PASSTHROUGH_NUMBER):
        if column not in frame.columns:
            continue
        values, bad = t.parse_float(frame[column])
        if bad.any():
            value = frame.loc[bad, column].iloc[0]
            findings.append(_error(source, _rows(frame, bad), column,
                                   f"{value!r} is not a number{t.decimal_comma_hint(value)}; sizes are "
                                   "numbers in mm, uptakes in SUV (leave the cell empty when there is none)"))
        negative = values < 0
        if negative.any():
            findings.append(_error(source, _rows(frame, negative), column,
                                   f"{values[negative][0]:g} is negative; sizes and uptakes are >= 0"))
    return findings


def check_booleans(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Boolean columns: lymph_node, equivocal, accepted, new_lesions, increase_since_previous."""
    findings = []
    for column in (*t.BOOL_COLUMNS, s.NEW_LESIONS, t.INCREASE_SINCE_PREVIOUS):
        if column not in frame.columns:
            continue
        _, bad = t.parse_bool(frame[column])
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), column,
                                   f"{frame.loc[bad, column].iloc[0]!r} is not a boolean; expected "
                                   "true/false (also yes/no, y/n, 1/0)"))
    if s.NEW_LESIONS in frame.columns:
        # An empty cell is not "no new lesion": whether new lesions were seen is not known there (nothing
        # the user gave is read as what they did not say; without the column the component is not given).
        empty = (frame[s.NEW_LESIONS].str.strip() == "").to_numpy()
        if empty.any():
            findings.append(_error(source, _rows(frame, empty), s.NEW_LESIONS,
                                   "empty; say whether new lesions were seen at the assessment (true/false), "
                                   "or leave the column out when the table does not record them"))
    return findings


def check_time(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Unparsable dates, non-integer days, and rows with neither (spec/anatomic.md 0.1)."""
    findings = []
    has_time = np.zeros(len(frame), dtype=bool)
    if s.DAY in frame.columns:
        values, bad = t.parse_float(frame[s.DAY])
        bad |= np.isfinite(values) & (np.mod(np.nan_to_num(values), 1) != 0)
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), s.DAY,
                                   f"{frame.loc[bad, s.DAY].iloc[0]!r} is not a whole number of days since "
                                   "treatment start"))
        far = np.isfinite(values) & ~bad & (np.abs(values) > t.MAX_ABS_DAY)
        if far.any():
            findings.append(_error(source, _rows(frame, far), s.DAY,
                                   f"{frame.loc[far, s.DAY].iloc[0]!r} is more than 100 years from treatment "
                                   "start; day is the number of days since the first dose (day 0)"))
        has_time |= np.isfinite(values) & ~bad & ~far
    if s.DATE in frame.columns:
        iso, _, bad = t.parse_dates(frame[s.DATE])
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), s.DATE,
                                   t.date_problem(frame.loc[bad, s.DATE].iloc[0],
                                                  "YYYY-MM-DD; partial YYYY-MM is imputed")))
        has_time |= (iso != "").to_numpy() | bad
    if s.DAY in frame.columns:
        has_time |= t.parse_float(frame[s.DAY])[1]
    if not has_time.all():
        column = s.DAY if s.DAY in frame.columns else s.DATE
        findings.append(_error(source, _rows(frame, ~has_time), column,
                               "no day and no date: the assessment cannot be placed in time; give `day` "
                               "(days since treatment start) or an ISO `date`"))
    return findings


def check_sum_values(frame: pd.DataFrame, source: str) -> list[Finding]:
    """``target_sum_mm`` cells: a number >= 0, empty, or one of the RECIST texts (spec/anatomic.md 0.3)."""
    text = frame[s.TARGET_SUM]
    values, bad = t.parse_float(text)
    bad &= ~text.str.strip().str.upper().isin(list(t.SUM_TEXT_STATUS)).to_numpy()
    findings = []
    for value in pd.unique(text[bad]):
        findings.append(_error(source, _rows(frame, bad & (text == value).to_numpy()), s.TARGET_SUM,
                               f"{value!r} is neither a sum in mm nor an allowed text"
                               f"{t.decimal_comma_hint(value)}; allowed texts: "
                               f"{_allowed(t.SUM_TEXT_STATUS)} (or an empty cell: not evaluable)"))
    negative = values < 0
    if negative.any():
        findings.append(_error(source, _rows(frame, negative), s.TARGET_SUM,
                               f"{values[negative][0]:g} is negative; a sum of diameters is >= 0 mm"))
    return findings


def check_patient_columns(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Patient-level columns (arm, study, treatment_start, ...) must be constant within a patient.

    A patient id that spans two studies usually means ids repeat across studies: make them unique with
    the patient key (``patient_key=("study", "patient_id")``, ``--patient-key``).
    """
    findings = []
    for column in (c for c in PATIENT_LEVEL_COLUMNS if c in frame.columns):
        counts = frame.groupby(s.PATIENT, sort=False)[column].nunique()
        for patient in counts.index[counts > 1]:
            mask = (frame[s.PATIENT] == patient).to_numpy()
            values = ", ".join(sorted(pd.unique(frame.loc[mask, column])))
            findings.append(_error(source, _rows(frame, mask), column,
                                   f"patient {patient} has several values of the patient-level column "
                                   f"{column} ({values}); if patient ids repeat across studies, make them "
                                   f"unique with {t.PATIENT_KEY}"))
    return findings


# ---------------------------------------------------------------------------------------------
# Checks on the typed table (contract columns, one row per lesion (fragment) per assessment)

ASSESSMENT = [s.PATIENT, s.READER, s.DAY]
LESION_KEY = [s.PATIENT, s.READER, s.DAY, s.LESION]
_COMPARED = [c for c in t.LESION_COLUMNS if c != s.SOURCE_ROW]
"""Columns two rows of one lesion and assessment must share to be a duplicate rather than fragments (spec
anatomic.md 0.4); ``note`` counts, so two fragments of the same size are told apart by their notes."""


def _who(patient: str, reader: str) -> str:
    return f"patient {patient}" + (f" (reader {reader})" if reader else "")


def _when(day: int, date: str) -> str:
    return f"on {date} (day {day})" if date else f"on day {day}"


def check_duplicates(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Rows identical in every contract column at one assessment: keep the first, report the others."""
    repeated = frame.duplicated(_COMPARED, keep=False).to_numpy()
    if not repeated.any():
        return []
    findings = []
    groups = frame.loc[repeated].groupby(_COMPARED, sort=False, dropna=False)[s.SOURCE_ROW]
    for _, rows in groups:
        first, *others = sorted(rows.astype(int))
        findings.append(_error(source, others, s.LESION,
                               f"identical duplicate of row {first}; keep one row per lesion per assessment "
                               "(two fragments of a split lesion of the same size: tell them apart in note)"))
    return findings


def check_fragments(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Same lesion twice at one assessment: fragments of a split target/new lesion, else an error."""
    repeated = frame.duplicated(LESION_KEY, keep=False).to_numpy()
    if not repeated.any():
        return []
    findings, split = [], []
    for (patient, reader, day, lesion), group in frame.loc[repeated].groupby(LESION_KEY, sort=False):
        consistent = group[[s.ROLE, s.ORGAN, s.LYMPH_NODE]].nunique().max() == 1
        if consistent and group[s.ROLE].iloc[0] in FRAGMENT_ROLES:
            split.append((f"lesion {lesion} of {_who(patient, reader)} {_when(day, group[s.DATE].iloc[0])}, "
                          f"{len(group)} rows", group[s.SOURCE_ROW]))
            continue
        why = ("rows disagree on role, organ or lymph_node" if not consistent
               else "a non-target lesion is assessed as a whole, one row per assessment")
        findings.append(_error(source, group[s.SOURCE_ROW], s.LESION,
                               f"lesion {lesion} appears {len(group)} times for {_who(patient, reader)} "
                               f"{_when(day, group[s.DATE].iloc[0])}: {why}; rows with one lesion_id are "
                               "fragments of a split target or new lesion only (RECIST 1.1 sec. 4.3.2, "
                               "spec/anatomic.md 0.4)"))
    if split:
        rows = sorted(int(r) for _, group_rows in split for r in group_rows)
        findings.append(Finding(InputError(
            source, rows, s.LESION,
            f"{len(split)} lesion(s) have several rows at one assessment (e.g. {split[0][0]}): read as the "
            "fragments of a split lesion, whose values add up (RECIST 1.1 sec. 4.3.2, spec/anatomic.md 0.4); "
            "a row entered twice with another value would add up too"),
            "warning", category=SplitLesionWarning))
    return findings


def check_sum_duplicates(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Sum-only tables: several input rows for one assessment (there are no fragments of a sum).

    Rows with the same values are identical duplicates (the first is kept); rows with different
    values conflict and are all excluded, so the assessment is missing.
    """
    per_row = frame.assign(_value=frame[_COMPARED].astype(str).agg("|".join, axis=1))
    per_row = per_row.groupby(s.SOURCE_ROW, sort=True).agg(
        patient=(s.PATIENT, "first"), reader=(s.READER, "first"), day=(s.DAY, "first"),
        date=(s.DATE, "first"), value=("_value", lambda values: "||".join(sorted(values))))
    repeated = per_row.duplicated(["patient", "reader", "day"], keep=False)
    findings = []
    for (patient, reader, day), group in per_row[repeated].groupby(["patient", "reader", "day"], sort=False):
        rows = sorted(int(r) for r in group.index)
        if group["value"].nunique() == 1:
            findings.append(_error(source, rows[1:], s.TARGET_SUM,
                                   f"identical duplicate of row {rows[0]}; keep one row per assessment"))
            continue
        sums = frame[frame[s.SOURCE_ROW].isin(rows) & (frame[s.LESION] == t.TARGET_SUM_LESION)]
        values = ", ".join(_value_text(r) for r in sums.itertuples())
        findings.append(_error(source, rows, s.TARGET_SUM,
                               f"conflicting duplicate: rows {', '.join(map(str, rows))} give different "
                               f"values ({values}) for {_who(patient, reader)} "
                               f"{_when(day, group['date'].iloc[0])}; all are excluded and the assessment "
                               "is missing"))
    return findings


def _value_text(row: object) -> str:
    value = getattr(row, s.LONG_AXIS)
    return f"{value:g} mm" if np.isfinite(value) else getattr(row, s.STATUS)


def check_per_assessment_columns(frame: pd.DataFrame, source: str) -> list[Finding]:
    """clinical_status, slice_thickness_mm and modality agree within an assessment (spec 0.1)."""
    findings = []
    grouped = frame.groupby(ASSESSMENT, sort=False)
    for column in PER_ASSESSMENT_COLUMNS:
        counts = grouped[column].nunique(dropna=False)
        for patient, reader, day in counts.index[counts > 1]:
            mask = ((frame[s.PATIENT] == patient) & (frame[s.READER] == reader) & (frame[s.DAY] == day))
            values = ", ".join(sorted(map(str, pd.unique(frame.loc[mask, column]))))
            findings.append(_error(source, _rows(frame, mask), column,
                                   f"rows of one assessment ({_who(patient, reader)} on day {day}) disagree "
                                   f"({values}); a per-assessment column is repeated with the same value on "
                                   "every row of the assessment (spec/anatomic.md 0.1)"))
    return findings


def check_date_day_agree(frame: pd.DataFrame, source: str) -> list[Finding]:
    """With both ``date`` and ``day`` given, ``date - day`` (the treatment start) is one date per patient
    (lesion and PET tables; a date imputed from a partial one, ``_date_imputed``, is not compared).

    A plausibility check: ``validation="warn"`` keeps both, and the assessment is placed by ``day``, as
    SDTM input is when its TRDY gives nominal study days beside the scan dates (io.sdtm), so that the
    lesion table assess writes from it reads back.

    The finding names every dated row of the patient (which of them is wrong is the user's to say; with
    ``on_invalid="exclude"`` the patient is set aside whole), and its message the most frequent start and
    a row that differs from it."""
    dated, start = _implied_starts(frame)
    if not dated.any():
        return []
    patients = frame.loc[dated, s.PATIENT]
    counts = start.groupby(patients).nunique()
    findings = []
    for patient in counts.index[counts > 1]:
        own = start[patients == patient]
        tally = own.value_counts(sort=True)
        usual = tally.index[0] if tally.iloc[0] > tally.iloc[1] else None
        odd = own.index if usual is None else own.index[own != usual]
        first = odd[0]
        example = (f"row {frame.at[first, s.SOURCE_ROW]}: date {frame.at[first, s.DATE]} - day "
                   f"{frame.at[first, s.DAY]:g} = {start[first]:%Y-%m-%d}")
        which = ("" if usual is None else
                 f", {usual:%Y-%m-%d} on {tally.iloc[0]} of its {len(own)} dated rows")
        findings.append(_error(source, _rows(frame, dated & (frame[s.PATIENT] == patient).to_numpy()), s.DATE,
                               f"dates and days of patient {patient} disagree (date - day gives "
                               f"{counts[patient]} different treatment starts{which}; e.g. {example}); "
                               "give one of them, or fix the dates that are out of order (nominal study days "
                               "beside scan dates? --warn-implausible, validation=\"warn\" in Python, keeps "
                               "both and places each row by its day)",
                               kind="plausibility"))
    return findings


def check_start_agrees(frame: pd.DataFrame, source: str, starts: pd.Series,
                       starts_source: str) -> list[Finding]:
    """With both ``date`` and ``day`` given, ``date - day`` is the patient's treatment start: it must be the
    patient table's ``treatment_start`` (``starts`` by patient_id) when that gives one (spec/anatomic.md 0.1:
    day = date - treatment_start)."""
    dated, implied = _implied_starts(frame)
    given = frame[s.PATIENT].map(starts).fillna("").to_numpy(object)
    differs = (given[dated] != "") & (implied.dt.strftime("%Y-%m-%d").to_numpy() != given[dated])
    findings = []
    for patient, group in frame.loc[dated].loc[differs].groupby(s.PATIENT, sort=False):
        first = group.index[0]
        findings.append(_error(source, group[s.SOURCE_ROW], TREATMENT_START,
                               f"date - day of patient {patient} gives the treatment start "
                               f"{implied[first]:%Y-%m-%d}, but {starts_source} gives {starts[patient]} "
                               "(spec/anatomic.md 0.1: day = date - treatment_start); correct one of them"))
    return findings


def _implied_starts(frame: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """The rows with a date of their own (one imputed from a partial date, ``_date_imputed``, is not), and
    on those rows ``date - day``: the treatment start the row implies (spec/anatomic.md 0.1)."""
    dated = (frame[s.DATE] != "").to_numpy()
    if "_date_imputed" in frame.columns:
        dated &= (frame["_date_imputed"] == False).to_numpy()  # noqa: E712
    start = pd.to_datetime(frame.loc[dated, s.DATE]) - pd.to_timedelta(frame.loc[dated, s.DAY], unit="D")
    return dated, start


def check_visit_order(frame: pd.DataFrame, source: str) -> list[Finding]:
    """A later numbered (scheduled) visit may not lie on an earlier day than the visit before it."""
    if t.VISIT_NUMBER not in frame.columns:
        return []
    label = frame[t.VISIT] if t.VISIT in frame.columns else pd.Series("", index=frame.index)
    scheduled = frame[np.isfinite(frame[t.VISIT_NUMBER]) & ~label.str.upper().str.startswith(UNSCHEDULED)]
    visits = scheduled.groupby([s.PATIENT, s.READER, t.VISIT_NUMBER], sort=True)[s.DAY].agg(["min", "max"])
    visits = visits.reset_index()
    previous_max = visits.groupby([s.PATIENT, s.READER])["max"].cummax().shift(1)
    same_reader = (visits[[s.PATIENT, s.READER]] == visits[[s.PATIENT, s.READER]].shift(1)).all(axis=1)
    wrong = same_reader & (visits["min"] < previous_max)
    findings = []
    for row in visits.loc[wrong].itertuples(index=False):
        patient, reader, number = row[0], row[1], row[2]
        mask = ((scheduled[s.PATIENT] == patient) & (scheduled[s.READER] == reader)
                & (scheduled[t.VISIT_NUMBER] == number))
        findings.append(_error(source, _rows(scheduled, mask), s.DATE,
                               f"visit {number:g} of {_who(patient, reader)} is on day {row[3]}, before an "
                               "earlier-numbered visit: dates out of order"))
    return findings


def _baseline_day(frame: pd.DataFrame) -> pd.Series:
    """Baseline day per row (spec/anatomic.md 0.2: latest assessment with day <= 0; NaN when none)."""
    day = frame[s.DAY].where(frame[s.DAY] <= 0)
    return day.groupby([frame[s.PATIENT], frame[s.READER]]).transform("max")


def check_baseline(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Every patient (and reader) needs an assessment with day <= 0 (spec/anatomic.md 0.2)."""
    missing = _baseline_day(frame).isna().to_numpy()
    findings = []
    for (patient, reader), group in frame.loc[missing].groupby([s.PATIENT, s.READER], sort=False):
        findings.append(_error(source, group[s.SOURCE_ROW], s.DAY,
                               f"missing baseline: {_who(patient, reader)} has no assessment on or before "
                               f"treatment start (day <= 0; first day given: {group[s.DAY].min()}) "
                               "(spec/anatomic.md 0.2)"))
    return findings


def check_new_at_baseline(frame: pd.DataFrame, source: str) -> list[Finding]:
    """``role = new`` at baseline is an error (spec/anatomic.md 0.2)."""
    bad = ((frame[s.DAY] == _baseline_day(frame)) & (frame[s.ROLE] == s.Role.NEW.value)).to_numpy()
    if not bad.any():
        return []
    return [_error(source, _rows(frame, bad), s.ROLE,
                   "role \"new\" at baseline: baseline lesions are target or non_target; new marks a lesion "
                   "first seen after baseline (spec/anatomic.md 0.2)")]


def check_roles_over_time(frame: pd.DataFrame, source: str) -> list[Finding]:
    """A lesion keeps its baseline role; a lesion first seen at a follow-up is ``new`` (spec 0.2)."""
    baseline_day = _baseline_day(frame)
    current = frame[frame[s.DAY] >= baseline_day]
    at_baseline = current[current[s.DAY] == baseline_day.loc[current.index]]
    baseline_role = at_baseline.drop_duplicates([s.PATIENT, s.READER, s.LESION]).set_index(
        [s.PATIENT, s.READER, s.LESION])[s.ROLE]
    keys = pd.MultiIndex.from_frame(current[[s.PATIENT, s.READER, s.LESION]])
    expected = baseline_role.reindex(keys).to_numpy()
    role = current[s.ROLE].to_numpy()
    follow_up_only = pd.isna(expected)
    findings = []
    not_new = follow_up_only & (role != s.Role.NEW.value)
    if not_new.any():
        findings.append(_error(source, _rows(current, not_new), s.ROLE,
                               "lesion first seen at a follow-up must have role \"new\" (target and "
                               "non_target are fixed at baseline, spec/anatomic.md 0.2); e.g. lesion "
                               f"{current.loc[not_new, s.LESION].iloc[0]} of patient "
                               f"{current.loc[not_new, s.PATIENT].iloc[0]}"))
    changed = ~follow_up_only & (role != expected)
    for value in pd.unique(expected[changed]):
        mask = changed & (expected == value)
        sample = current.loc[mask].iloc[0]
        findings.append(_error(source, _rows(current, mask), s.ROLE,
                               f"lesion {sample[s.LESION]} of {_who(sample[s.PATIENT], sample[s.READER])} is "
                               f"\"{sample[s.ROLE]}\" at a follow-up but was \"{value}\" at baseline; "
                               "a lesion keeps its baseline role (a follow-up target must be a baseline "
                               "target, spec/anatomic.md 0.1-0.2)"))
    return findings


def check_lesion_identity(frame: pd.DataFrame, source: str) -> list[Finding]:
    """A ``lesion_id`` names one lesion at every assessment (spec/anatomic.md 0.1: "stable across
    assessments"): its rows agree with its first row on ``lymph_node``, which says how it is measured (short
    axis, 10 mm normal), and on ``organ`` where given (per-organ caps; an SDTM lesion has one ``TULOC``)."""
    lesion = frame.groupby([s.PATIENT, s.READER, s.LESION], sort=False).ngroup().to_numpy()
    day = frame[s.DAY].to_numpy()
    order = np.lexsort((day, lesion))  # each lesion's rows, earliest first
    findings = []
    every_row, organ_given = np.ones(len(frame), bool), (frame[s.ORGAN] != "").to_numpy()
    for column, given in ((s.LYMPH_NODE, every_row), (s.ORGAN, organ_given)):
        rows = order[given[order]]
        starts = np.flatnonzero(np.diff(lesion[rows], prepend=-1) != 0)
        first = np.zeros(lesion.max(initial=-1) + 1, np.int64)
        first[lesion[rows[starts]]] = rows[starts]  # the lesion's first row giving the column
        values = frame[column].to_numpy()
        changed = given & (values != values[first[lesion]])
        if not changed.any():
            continue
        row = np.flatnonzero(changed)[0]
        sample, earliest = frame.iloc[row], first[lesion[row]]
        findings.append(_error(source, _rows(frame, changed), column,
                               f"lesion {sample[s.LESION]} of {_who(sample[s.PATIENT], sample[s.READER])} "
                               f"has {column} {_cell(values[row])} on day {day[row]:g} but "
                               f"{_cell(values[earliest])} on day {day[earliest]:g}: a lesion_id names "
                               "one lesion at every assessment (spec/anatomic.md 0.1); give its first value, "
                               "or another lesion_id"))
    return findings


def _cell(value: object) -> str:
    return str(value).lower() if isinstance(value, bool | np.bool_) else f'"{value}"'


def check_target_status(frame: pd.DataFrame, source: str) -> list[Finding]:
    """A target cannot be ``unequivocal_progression`` (spec/anatomic.md 0.3)."""
    bad = ((frame[s.ROLE] == s.Role.TARGET.value)
           & (frame[s.STATUS] == s.Status.UNEQUIVOCAL_PROGRESSION.value)).to_numpy()
    if not bad.any():
        return []
    return [_error(source, _rows(frame, bad), s.STATUS,
                   "status unequivocal_progression is not allowed for a target lesion: give the measurement "
                   "of a target lesion (spec/anatomic.md 0.3)")]


def check_measurements(frame: pd.DataFrame, source: str) -> list[Finding]:
    """A present target needs its measurement, short axis for nodes and long axis otherwise (spec 0.4), and
    a present new node its short axis, which alone says whether it is a new lesion (>= 10 mm; spec 1.5,
    1.9). A non-nodal new lesion is new at any size: its long axis may be missing (spec 1.5)."""
    role = frame[s.ROLE].to_numpy()
    present = (frame[s.STATUS] == s.Status.PRESENT.value).to_numpy()
    node = frame[s.LYMPH_NODE].to_numpy(dtype=bool)
    target = present & (role == s.Role.TARGET.value)
    new_node = present & node & (role == s.Role.NEW.value)
    needs = ((s.SHORT_AXIS, target & node, "a present nodal target"), (s.LONG_AXIS, target & ~node,
             "a present non-nodal target"), (s.SHORT_AXIS, new_node, "a present new node (a new lesion only "
                                                                      "with short axis >= 10 mm, spec 1.5)"))
    findings = []
    for column, rows, what in needs:
        bad = rows & ~np.isfinite(frame[column].to_numpy())
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), column,
                                   f"missing measurement: {what} needs {column} (spec/anatomic.md 0.4, 1.9); "
                                   "use status not_evaluable when it was not measured"))
    return findings


def check_unused_measurements(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Warn when a target or new lesion's size contradicts its status, so that the user is told rather than
    left to find out: a size given with status absent or not_evaluable (the status wins: an absent lesion
    counts 0 mm, a not-evaluable one no value; spec/anatomic.md 0.4, as for too_small), or a measurement of
    0 mm with status present (spec/anatomic.md 0.3: present is measured, a disappeared lesion is absent),
    read as given; the measurement is the one spec/anatomic.md 0.4 reads (short axis of a node, else the
    long axis)."""
    sizes, given = _sizes(frame)
    measured = (frame[s.ROLE] != s.Role.NON_TARGET.value).to_numpy() & given.any(axis=1)
    findings = []
    for status, use in ((s.Status.ABSENT, "counts 0 mm"), (s.Status.NOT_EVALUABLE, "has no value")):
        rows = measured & (frame[s.STATUS] == status.value).to_numpy()
        if rows.any():
            first = sizes[rows][given[rows]][0]
            findings.append(Finding(InputError(
                source, _rows(frame, rows), _size_column(frame.loc[rows], given[rows]),
                f"a size is given ({first:g} mm) with status {status.value}: the status wins, the lesion "
                f"{use} and the size is not used (spec/anatomic.md 0.4); give status present to use it"),
                "warning", category=UnusedMeasurementWarning))
    node = frame[s.LYMPH_NODE].to_numpy(dtype=bool)
    read = np.where(node, frame[s.SHORT_AXIS].to_numpy(dtype=np.float64),
                    frame[s.LONG_AXIS].to_numpy(dtype=np.float64))  # spec/anatomic.md 0.4
    zero = ((frame[s.ROLE] != s.Role.NON_TARGET.value).to_numpy() & (read == 0)
            & (frame[s.STATUS] == s.Status.PRESENT.value).to_numpy())
    if zero.any():
        column = s.SHORT_AXIS if node[zero][0] else s.LONG_AXIS
        findings.append(Finding(InputError(
            source, _rows(frame, zero), column,
            "a size of 0 mm is given with status present: a present lesion is measured, and 0 mm means it "
            "has disappeared (status absent; spec/anatomic.md 0.3); the row is read as given, a present "
            "lesion of 0 mm; give status absent if it has disappeared, or its measured size"),
            "warning", category=UnusedMeasurementWarning))
    return findings


def check_cm_sizes(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Plausibility: every size below 10 and some with decimals looks like centimetres (STYLE.md 5)."""
    sizes, given = _sizes(frame)
    if not looks_like_cm(sizes[given]):
        return []
    values = sizes[given]
    return [_error(source, _rows(frame, given.any(axis=1)), _size_column(frame, given),
                   f"sizes look like centimetres (every size in the table is below {CM_LOOKING_MAX_MM:g} and "
                   f"some have decimals, e.g. {values[values != np.round(values)][0]:g}); {CM_WAY_OUT}",
                   kind="plausibility")]


def check_large_sizes(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Plausibility: a lesion over ``LARGEST_LESION_MM`` (a sum of sizes over ``LARGEST_SUM_MM``) is a
    slip, e.g. an extra digit or sizes in micrometres (STYLE.md 5); far larger values would overflow the
    products and percentages of the criteria."""
    sizes, given = _sizes(frame)
    limit = np.where(frame[s.LESION] == t.TARGET_SUM_LESION, LARGEST_SUM_MM, LARGEST_LESION_MM)
    large = given & (sizes > limit[:, None])
    if not large.any():
        return []
    rows = large.any(axis=1)
    return [_error(source, _rows(frame, rows), _size_column(frame, large),
                   f"{sizes[large][0]:g} mm is larger than any lesion (over {limit[rows][0]:g} mm): check "
                   f"the value and its unit (mm); {t.WARN_IMPLAUSIBLE} keeps it as given",
                   kind="plausibility")]


def check_patient_cm_sizes(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Plausibility: one patient in centimetres among patients in mm (STYLE.md 5).

    A patient (and reader) whose baseline target sizes are all below 10, so that none would be measurable
    in mm (RECIST 1.1 sec. 3.1.1), and some of whose sizes have decimals (integers below 10 are small sizes
    in mm), as :func:`check_cm_sizes` asks of the whole table, which it leaves to that check.
    """
    sizes, given = _sizes(frame)
    if not given.any() or looks_like_cm(sizes[given]):
        return []
    baseline_target = (frame[s.DAY] == _baseline_day(frame)) & (frame[s.ROLE] == s.Role.TARGET.value)
    largest = pd.DataFrame(np.where(given, sizes, np.nan), index=frame.index).max(axis=1)
    per_row = pd.DataFrame({"baseline_size": largest.where(baseline_target),
                            "decimals": (given & (sizes != np.round(sizes))).any(axis=1)}, index=frame.index)
    grouped = per_row.groupby([frame[s.PATIENT], frame[s.READER]], sort=False)
    looks_cm = ((grouped["baseline_size"].transform("max") < CM_LOOKING_MAX_MM)
                & grouped["decimals"].transform("any")).to_numpy()
    findings = []
    for (patient, reader), group in frame.loc[looks_cm].groupby([s.PATIENT, s.READER], sort=False):
        sized = given[frame.index.get_indexer(group.index)]
        example = per_row.loc[group.index, "baseline_size"].dropna().iloc[0]
        findings.append(_error(
            source, group.loc[sized.any(axis=1), s.SOURCE_ROW], _size_column(group, sized),
            f"sizes of {_who(patient, reader)} look like centimetres, while other sizes in the table are in "
            f"mm (every size of its baseline targets is below {CM_LOOKING_MAX_MM:g}, e.g. {example:g}, so "
            f"none would be measurable in mm, RECIST 1.1 sec. 3.1.1, and some have decimals); {CM_WAY_OUT}",
            kind="plausibility", exclude_rows=group[s.SOURCE_ROW]))
    return findings


def check_assessment_cm_sizes(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Plausibility: one assessment of a patient in centimetres among sizes in mm (STYLE.md 5).

    The sizes given at the assessment are all below 10, some have decimals, and every lesion that also
    has a size at its previous assessment is 1/15 to 2/15 of it: about ten times smaller, as the same
    lesions written in centimetres would be. A real response shrinks lesions unevenly and reaches small
    sizes over several scans. An assessment before baseline is compared so with the lesion's next size
    (the first scan has no previous one; the hyperprogression kinetics read it, README). Baselines are
    :func:`check_patient_cm_sizes`'s.
    """
    sizes, given = _sizes(frame)
    if not given.any() or looks_like_cm(sizes[given]) or not _some_small_with_decimals(sizes, given):
        return []
    rows = _row_sizes(frame, sizes, given)
    visit = [s.PATIENT, s.READER, s.DAY]
    lesion_days = (rows.groupby([s.PATIENT, s.READER, s.LESION, s.DAY], sort=True)["size"]
                   .sum(min_count=1).dropna().reset_index())  # split fragments add up (spec 0.4)
    per_visit = rows.dropna(subset=["size"]).groupby(visit).agg(largest=("size", "max"),
                                                                 decimals=("decimals", "any"))
    small = per_visit.index[(per_visit["largest"] < CM_LOOKING_MAX_MM) & per_visit["decimals"]]
    pre_baseline = small[_before_baseline(small.to_frame(index=False), frame)]
    examples = []
    for later, candidates in ((False, small), (True, pre_baseline)):
        while True:  # a run of visits in cm: each is compared with the lesion's nearest size in mm
            compared = _with_other(lesion_days, later=later)
            visits = compared.groupby(visit).agg(tenth=("tenth", "all"), compared=("compared", "any"))
            found = visits.index[visits["tenth"] & visits["compared"] & visits.index.isin(candidates)]
            if found.empty:
                break
            at_found = compared.set_index(visit).index.isin(found)
            examples.append(compared.loc[at_found & compared["compared"].to_numpy()].assign(later=later))
            lesion_days = lesion_days.loc[~at_found]
    if not examples:
        return []
    findings = []
    for (patient, reader, day), example in pd.concat(examples).groupby(visit, sort=True):
        mask = ((rows[s.PATIENT] == patient) & (rows[s.READER] == reader) & (rows[s.DAY] == day)).to_numpy()
        sized = mask & given.any(axis=1)
        example = example.iloc[0]
        which, other, order = (("later", "next", "before") if example["later"]
                               else ("earlier", "previous", "after"))
        findings.append(_error(
            source, _rows(frame, sized), _size_column(frame.loc[mask], given[mask]),
            f"sizes of {_who(patient, reader)} on day {day} look like centimetres, while its {which} sizes "
            f"are in mm (every size that day is below {CM_LOOKING_MAX_MM:g}, some have decimals, and each "
            f"lesion measured {'again' if example['later'] else 'before'} is about a tenth of its {other} "
            f"size, e.g. lesion {example[s.LESION]} {example['size']:g} {order} {example['other']:g}); "
            f"{CM_WAY_OUT}",
            kind="plausibility", exclude_rows=frame.loc[mask, s.SOURCE_ROW]))
    return findings


def check_lesion_cm_sizes(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Warn about one lesion's size that looks like centimetres beside sizes in mm (STYLE.md 5): below 10,
    with decimals and about a tenth (1/15 to 2/15) of the lesion's previous size (before baseline: of its
    next size, as :func:`check_assessment_cm_sizes` compares them). A whole assessment so is
    :func:`check_assessment_cm_sizes`'s (refused); a single lesion can really shrink so much, so it is
    warned about, not refused."""
    sizes, given = _sizes(frame)
    if not given.any() or looks_like_cm(sizes[given]) or not _some_small_with_decimals(sizes, given):
        return []
    keys = [s.PATIENT, s.READER, s.LESION, s.DAY]
    rows = _row_sizes(frame, sizes, given).dropna(subset=["size"])
    lesion_days = rows.groupby(keys, sort=True).agg(  # split fragments add up (spec 0.4)
        size=("size", "sum"), decimals=("decimals", "any"), first_row=(s.SOURCE_ROW, "first")).reset_index()
    pre_baseline = _before_baseline(lesion_days, frame)
    compared = pd.concat([_with_other(lesion_days, later=False).assign(later=False),
                          _with_other(lesion_days, later=True).loc[pre_baseline].assign(later=True)],
                         ignore_index=True)
    small = compared["size"] < CM_LOOKING_MAX_MM
    odd = compared["compared"] & compared["tenth"] & compared["decimals"] & small
    if not odd.any():
        return []
    example = compared[odd].iloc[0]
    flagged = frame[s.SOURCE_ROW].isin(compared.loc[odd, "first_row"]).to_numpy()
    return [Finding(InputError(
        source, _rows(frame, flagged), _size_column(frame.loc[flagged], given[flagged]),
        f"lesion {example[s.LESION]} of {_who(example[s.PATIENT], example[s.READER])} on day "
        f"{example[s.DAY]} measures {example['size']:g} {'before' if example['later'] else 'after'} "
        f"{example['other']:g}: about a tenth, below {CM_LOOKING_MAX_MM:g} with decimals, as centimetres "
        "would be; check its unit (mm)"),
        "warning", category=ImplausibleValueWarning)]


def _row_sizes(frame: pd.DataFrame, sizes: np.ndarray, given: np.ndarray) -> pd.DataFrame:
    """Per row: patient, reader, lesion, day and source row, its size (the largest measurement given, NaN
    without one) and whether a size has decimals, for the centimetre checks (:func:`_sizes`)."""
    keys = [s.PATIENT, s.READER, s.LESION, s.DAY, s.SOURCE_ROW]
    return pd.DataFrame({
        **{k: frame[k].to_numpy() for k in keys},
        "size": np.where(given.any(axis=1), np.where(given, sizes, 0.0).max(axis=1), np.nan),
        "decimals": (given & (sizes != np.round(sizes))).any(axis=1)})


def _with_other(lesion_days: pd.DataFrame, *, later: bool) -> pd.DataFrame:
    """Each lesion's size beside its previous size (``later``: its next size) as ``other``, and whether it
    is about a tenth of it (``tenth``; True without one, ``compared`` False)."""
    other = lesion_days.groupby([s.PATIENT, s.READER, s.LESION])["size"].shift(-1 if later else 1)
    tenth = (lesion_days["size"] / other).between(*CM_SHRINK_RANGE) | other.isna()
    return lesion_days.assign(other=other, compared=other.notna(), tenth=tenth)


def _before_baseline(table: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Rows of ``table`` (patient_id, reader, day) before their patient's (and reader's) baseline in
    ``frame`` (spec/anatomic.md 0.2: the latest assessment with day <= 0)."""
    baseline = frame[s.DAY].where(frame[s.DAY] <= 0).groupby([frame[s.PATIENT], frame[s.READER]]).max()
    keys = pd.MultiIndex.from_frame(table[[s.PATIENT, s.READER]])
    return (table[s.DAY].to_numpy(dtype=np.float64) < baseline.reindex(keys).to_numpy(dtype=np.float64))


def _sizes(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The measurement columns as numbers, and the mask of sizes given (above 0)."""
    sizes = frame[list(s.MEASUREMENT_COLUMNS)].to_numpy(dtype=np.float64)
    return sizes, np.isfinite(sizes) & (sizes > 0)


def _some_small_with_decimals(sizes: np.ndarray, given: np.ndarray) -> bool:
    """A size below 10 with decimals is given: without one, no assessment's or lesion's sizes look like
    centimetres (each such size is one)."""
    return bool(np.any(given & (sizes < CM_LOOKING_MAX_MM) & (sizes != np.round(sizes))))


def looks_like_cm(values: np.ndarray) -> bool:
    """Every size below 10 and some with decimals (STYLE.md 5)."""
    return bool(values.size) and values.max() < CM_LOOKING_MAX_MM and bool(np.any(values != np.round(values)))


def _size_column(frame: pd.DataFrame, given: np.ndarray) -> str:
    """The first measurement column with a size in ``frame``; ``target_sum_mm`` in a sum-only table."""
    if (frame.loc[given.any(axis=1), s.LESION] == t.TARGET_SUM_LESION).all():
        return s.TARGET_SUM  # a sum-only table: name the user's column
    return next(c for c, col in zip(s.MEASUREMENT_COLUMNS, given.T, strict=True) if col.any())


def check_organ_sides(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Plausibility: an organ named with its side ("left lung"). The organ is given "without side" and
    paired organs are one organ for the per-organ target limit (spec/anatomic.md 0.1, 1.3; RECIST 1.1
    sec. 4.2): "left lung" and "right lung" would be two organs."""
    sided = frame[s.ORGAN].astype(str).str.contains(ORGAN_SIDE, regex=True).to_numpy()
    if not sided.any():
        return []
    organ = frame.loc[sided, s.ORGAN].iloc[0]
    return [_error(source, _rows(frame, sided), s.ORGAN,
                   f"organ {organ!r} names a side; give the organ without it "
                   f"({ORGAN_SIDE.sub('', organ).strip()!r}: paired organs are one organ for the 2 targets "
                   f"per organ, spec/anatomic.md 0.1, 1.3), or keep it with {t.WARN_IMPLAUSIBLE}",
                   kind="plausibility")]


def check_target_counts(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Warn when baseline targets exceed RECIST 1.1 sec. 4.2 (5 in total, 2 per organ)."""
    baseline = frame[(frame[s.DAY] == _baseline_day(frame)) & (frame[s.ROLE] == s.Role.TARGET.value)]
    baseline = baseline.drop_duplicates([s.PATIENT, s.READER, s.LESION])
    organ = baseline[s.ORGAN].where(~baseline[s.LYMPH_NODE], LYMPH_NODE_ORGAN)
    findings = []
    totals = baseline.groupby([s.PATIENT, s.READER]).size()
    for patient, reader in totals.index[totals > MAX_TARGETS]:
        mask = (baseline[s.PATIENT] == patient) & (baseline[s.READER] == reader)
        findings.append(_error(source, _rows(baseline, mask), s.ROLE,
                               f"{_who(patient, reader)} has {totals[(patient, reader)]} target lesions at "
                               f"baseline; RECIST 1.1 sec. 4.2 allows at most {MAX_TARGETS}",
                               kind="warning"))
    per_organ = baseline.groupby([baseline[s.PATIENT], baseline[s.READER], organ]).size()
    for patient, reader, organ_name in per_organ.index[per_organ > MAX_TARGETS_PER_ORGAN]:
        mask = (baseline[s.PATIENT] == patient) & (baseline[s.READER] == reader) & (organ == organ_name)
        findings.append(_error(source, _rows(baseline, mask), s.ORGAN,
                               f"{_who(patient, reader)} has {per_organ[(patient, reader, organ_name)]} "
                               f"target lesions in organ \"{organ_name}\" at baseline; RECIST 1.1 sec. 4.2 "
                               f"allows at most {MAX_TARGETS_PER_ORGAN} per organ (all lymph nodes are one "
                               "organ)",
                               kind="warning"))
    return findings


# ---------------------------------------------------------------------------------------------
# Checks on the patient table (--patients; DESIGN.md "The tables", spec/patterns.md 0.5)

PREBASELINE_SUM = "prebaseline_sum_mm"
TREATMENT_START = "treatment_start"
TREATMENT_END = "treatment_end"
NEW_THERAPY_START = "new_therapy_start"
OS_DAYS = "os_days"
OS_EVENT = "os_event"
PREBASELINE_DATE = "prebaseline_date"
PATIENT_DATE_COLUMNS = (TREATMENT_START, TREATMENT_END, "randomized", NEW_THERAPY_START, PREBASELINE_DATE,
                        "last_contact_date")
"""Date columns of the patient table: ISO dates, partial YYYY-MM imputed (io.tables.parse_dates)."""
PATIENT_WHOLE_DAY_COLUMNS = (f"{TREATMENT_END}_day", f"{NEW_THERAPY_START}_day")
"""Day columns of the patient table: whole days since treatment start (spec/patterns.md 0.1)."""
NOT_BEFORE_TREATMENT_START = {
    TREATMENT_END: "the last dose (or discontinuation) cannot come before the first dose",
    NEW_THERAPY_START: "the first later anticancer therapy cannot start before the immunotherapy assessed",
}
"""Patient-table dates that cannot lie before ``treatment_start`` (day 0), and why (spec/patterns.md 0.1,
0.5: ``treatment_end`` is the last dose or discontinuation, ``new_therapy_start`` the first later
anticancer therapy). The same day as ``treatment_start`` is possible (a single dose)."""


def check_patient_dates(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Date cells of the patient table that are not ISO dates (rows of each column together)."""
    findings = []
    for column in (c for c in PATIENT_DATE_COLUMNS if c in frame.columns):
        _, _, bad = t.parse_dates(frame[column])
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), column,
                                   t.date_problem(frame.loc[bad, column].iloc[0])))
    return findings


def check_patient_numbers(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Day and survival cells of the patient table that cannot be read, so that none is silently left
    out: ``treatment_end_day`` and ``new_therapy_start_day`` whole days, ``os_days`` a number of days,
    ``prebaseline_sum_mm`` a sum in mm, ``os_event`` 1 (death) or 0 (alive at last contact) (DESIGN.md
    "The tables"), ``weight_kg`` and ``height_cm`` in the ranges of spec/pet.md 1.8; and the half of a pair
    that needs the other (prebaseline date and sum, os_days and os_event)."""
    findings = []
    for column in (c for c in (*PATIENT_WHOLE_DAY_COLUMNS, OS_DAYS) if c in frame.columns):
        values, bad = t.parse_float(frame[column])
        if column != OS_DAYS:
            bad |= np.isfinite(values) & (np.mod(np.nan_to_num(values), 1) != 0)
        if bad.any():
            value = frame.loc[bad, column].iloc[0]
            what = "a number of days" if column == OS_DAYS else "a whole number of days"
            hint = t.decimal_comma_hint(value)
            findings.append(_error(source, _rows(frame, bad), column,
                                   f"{value!r} is not {what} since treatment start{hint} (leave the cell "
                                   "empty when it is not known)"))
    if PREBASELINE_SUM in frame.columns:  # spec/patterns.md 0.2: the sum of the scan before baseline
        values, bad = t.parse_float(frame[PREBASELINE_SUM])
        bad |= values < 0
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), PREBASELINE_SUM,
                                   f"{frame.loc[bad, PREBASELINE_SUM].iloc[0]!r} is not a sum of diameters "
                                   "in mm (a number >= 0; leave the cell empty when there was no scan)"))
    findings += _body_sizes(frame, source)
    findings += _pairs(frame, source)
    if OS_EVENT in frame.columns:
        _, bad = t.parse_bool(frame[OS_EVENT])
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), OS_EVENT,
                                   f"{frame.loc[bad, OS_EVENT].iloc[0]!r} is not an event flag; expected 1 "
                                   "(death on os_days) or 0 (alive at last contact on os_days)"))
    return findings


BODY_SIZES = {"weight_kg": ("a weight", "kg"), "height_cm": ("a height", "cm")}
"""Patient-table body sizes (read by SUL, spec/metabolic.md 2.2): what each holds and its unit."""


def _body_sizes(frame: pd.DataFrame, source: str) -> list[Finding]:
    """``weight_kg`` and ``height_cm`` cells that are not numbers, or outside the accepted ranges of
    spec/pet.md 1.8 (weight 2 to 350 kg, height 40 to 250 cm in the table; "outside the range:
    InputError"): a weight in grams or pounds, a height in metres is refused at its cell, never read as kg
    or cm."""
    from ioresponse.pet.suv import HEIGHT_RANGE_M, WEIGHT_RANGE_KG  # not at the top: pet imports io

    ranges = {"weight_kg": WEIGHT_RANGE_KG, "height_cm": tuple(100 * m for m in HEIGHT_RANGE_M)}  # m -> cm
    findings = []
    for column, (what, unit) in BODY_SIZES.items():
        if column not in frame.columns:
            continue
        low, high = ranges[column]
        values, bad = t.parse_float(frame[column])
        bad |= (values < low) | (values > high)
        if bad.any():
            value = frame.loc[bad, column].iloc[0]
            findings.append(_error(source, _rows(frame, bad), column,
                                   f"{value!r} is not {what} from {low:g} to {high:g} {unit}"
                                   f"{t.decimal_comma_hint(value)} (spec/pet.md 1.8; a number in {unit}, "
                                   "without its unit; leave the cell empty when it is not known)"))
    return findings


PAIRS = {
    (PREBASELINE_SUM, PREBASELINE_DATE): "the prebaseline scan needs both (spec/patterns.md 0.2)",
    (PREBASELINE_DATE, PREBASELINE_SUM): "the prebaseline scan needs both (spec/patterns.md 0.2)",
    (OS_DAYS, OS_EVENT): "say whether the patient died on os_days (1) or was alive at last contact (0); an "
                         "empty os_event is not read as alive (spec/patterns.md 7.4)",
    (OS_EVENT, OS_DAYS): "a death or a last contact alive needs its day (days since treatment start) "
                         "(spec/patterns.md 7.4)",
}
"""Patient-table columns that say one thing together, as (given, missing): what the missing half would say.
A prebaseline sum needs its date for the growth rates and a date its sum (0.2); ``os_days`` and ``os_event``
give one death or censoring (7.3, 7.4 count deaths)."""


def _pairs(frame: pd.DataFrame, source: str) -> list[Finding]:
    """A column of :data:`PAIRS` given without its partner: refused at the empty cell, never read as a
    censoring or dropped."""
    findings = []
    for (given, missing), needs in PAIRS.items():
        alone = ~_blank(frame, given) & _blank(frame, missing)
        if alone.any():
            findings.append(_error(source, _rows(frame, alone), missing,
                                   f"{given} is given without {missing}: {needs}, or leave both empty"))
    return findings


def _blank(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Empty cells of a text column (every cell when the column is absent)."""
    if column not in frame.columns:
        return np.ones(len(frame), bool)
    return (frame[column].fillna("").astype(str).str.strip() == "").to_numpy()


PDL1_PERCENT_COLUMNS = ("pdl1_tps", "pdl1_cps", "pdl1_ic")
"""TPS, CPS and IC lie in 0-100 (spec/patterns.md 6.2, 6.3)."""
TMB = "tmb_mut_per_mb"
"""TMB (mut/Mb) is not negative (spec/patterns.md 6.3)."""
LINE_OF_THERAPY = "line_of_therapy"
"""A whole number 1, 2, ... (spec/patterns.md 6.2)."""
PATIENT_BOOL_COLUMNS = ("cisplatin_eligible", "platinum_eligible", "egfr_alk_negative",
                        "prior_treatment_progressed")
"""Eligibility columns of the biomarker rules' context: booleans (spec/patterns.md 6.2)."""
PATIENT_CATEGORIES = {"msi_status": ("MSI-H", "MSI-L", "MSS"), "mmr_status": ("dMMR", "pMMR")}
"""Vocabularies of the biomarker status columns (spec/patterns.md 6.2), compared case-insensitively;
"unknown" (or an empty cell) reads as not tested."""
NOT_TESTED = "unknown"


def check_patient_biomarkers(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Biomarker and context cells the rules of spec/patterns.md 6.3 cannot read, so that none is read as
    "not provided" or fails a context silently: TPS/CPS/IC outside 0-100 or TMB < 0 (spec 6.3 "input
    errors"), a ``line_of_therapy`` that is not a whole number >= 1, an eligibility column that is not a
    boolean, an MSI/MMR status outside its vocabulary (spec 6.2)."""
    findings = []
    for column in (c for c in (*PDL1_PERCENT_COLUMNS, TMB) if c in frame.columns):
        values, bad = t.parse_float(frame[column].fillna("").astype(str))
        bad |= (values < 0) | ((values > 100) if column != TMB else False)
        if bad.any():
            expected = "a number >= 0 (mut/Mb)" if column == TMB else "a number from 0 to 100"
            findings.append(_error(source, _rows(frame, bad), column,
                                   f"{frame.loc[bad, column].iloc[0]!r} is not {expected} (spec/patterns.md "
                                   "6.3; leave the cell empty when not tested)"))
    if LINE_OF_THERAPY in frame.columns:
        values, bad = t.parse_float(frame[LINE_OF_THERAPY].fillna("").astype(str))
        bad |= np.isfinite(values) & ((values % 1 != 0) | (values < 1))
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), LINE_OF_THERAPY,
                                   f"{frame.loc[bad, LINE_OF_THERAPY].iloc[0]!r} is not a line of therapy (a "
                                   "whole number 1, 2, ...; spec/patterns.md 6.2)"))
    for column in (c for c in PATIENT_BOOL_COLUMNS if c in frame.columns):
        _, bad = t.parse_bool(frame[column].fillna("").astype(str).str.strip())
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), column,
                                   f"{frame.loc[bad, column].iloc[0]!r} is not true or false (or yes/no, "
                                   "1/0; leave the cell empty when not known; spec/patterns.md 6.2)"))
    for column, allowed in PATIENT_CATEGORIES.items():
        if column not in frame.columns:
            continue
        text = frame[column].fillna("").astype(str).str.strip().str.lower()
        bad = ~text.isin(["", NOT_TESTED, *(a.lower() for a in allowed)]).to_numpy()
        if bad.any():
            findings.append(_error(source, _rows(frame, bad), column,
                                   f"{frame.loc[bad, column].iloc[0]!r} is not one of {', '.join(allowed)} "
                                   f"(spec/patterns.md 6.2; {NOT_TESTED!r} or an empty cell when not "
                                   "tested)"))
    return findings


TREATMENT_END_REASON = "treatment_end_reason"
TREATMENT_END_REASONS = ("progression", "toxicity", "death", "completed", "patient", "other")
"""Why the treatment ended (spec/patterns.md 0.5), compared as :func:`end_reason` reads them; an empty cell
is not known."""


def end_reason(value: object) -> str:
    """A ``treatment_end_reason`` as it is compared with :data:`TREATMENT_END_REASONS`: stripped, lower case
    ("" for an empty cell)."""
    return "" if pd.isna(value) else str(value).strip().lower()


def check_treatment_end_reason(frame: pd.DataFrame, source: str) -> list[Finding]:
    """``treatment_end_reason`` cells outside the vocabulary of spec/patterns.md 0.5: durable.off_treatment
    (spec 4.3) asks whether the treatment stopped for progression, and a value it does not know ("PD") would
    be read as "not progression"."""
    if TREATMENT_END_REASON not in frame.columns:
        return []
    bad = ~frame[TREATMENT_END_REASON].map(end_reason).isin(["", *TREATMENT_END_REASONS]).to_numpy()
    if not bad.any():
        return []
    return [_error(source, _rows(frame, bad), TREATMENT_END_REASON,
                   f"{frame.loc[bad, TREATMENT_END_REASON].iloc[0]!r} is not one of "
                   f"{', '.join(TREATMENT_END_REASONS)} (spec/patterns.md 0.5; a stop for progression is "
                   "'progression'; leave the cell empty when not known)")]


LOCAL_THERAPY_DATES = "local_therapy_dates"
"""Dates of radiotherapy, surgery or ablation of a lesion (spec/patterns.md 1.4 step 5)."""
DATE_LIST_SEPARATORS = re.compile(r"[;,]")
"""Separators of a list of dates in one cell: ";" as documented, and "," as spreadsheets write lists (no
ISO date holds either, so neither is ambiguous)."""


def split_dates(cell: object) -> list[str]:
    """The dates of a ``local_therapy_dates`` cell, stripped; [] for an empty cell (spec/patterns.md 1.4)."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    return [d.strip() for d in DATE_LIST_SEPARATORS.split(str(cell)) if d.strip()]


def check_local_therapy_dates(frame: pd.DataFrame, source: str) -> list[Finding]:
    """``local_therapy_dates`` cells with a date that is not a full ISO date (spec/patterns.md 1.4 step 5
    reads them as days: a partial date would move a day silently, an unreadable one would be lost)."""
    if LOCAL_THERAPY_DATES not in frame.columns:
        return []
    dates = frame[LOCAL_THERAPY_DATES].map(split_dates)
    listed = dates.explode().dropna()
    if listed.empty:
        return []
    _, note, bad = t.parse_dates(listed.astype(str))
    bad |= (note != "").to_numpy()
    if not bad.any():
        return []
    wrong = frame.index.isin(listed.index[bad])
    return [_error(source, _rows(frame, wrong), LOCAL_THERAPY_DATES,
                   f"{listed[bad].iloc[0]!r} is not an ISO date (YYYY-MM-DD); list the dates separated by "
                   "\";\" or \",\" (spec/patterns.md 1.4; leave the cell empty when there was no local "
                   "therapy)")]


def check_treatment_order(frame: pd.DataFrame, source: str) -> list[Finding]:
    """Patient-table dates before the first dose: one finding per patient and column.

    spec/patterns.md 0.1, 0.5: day 0 is ``treatment_start``; ``treatment_end`` (last dose) and
    ``new_therapy_start`` (first later anticancer therapy) cannot lie before it, whether given as dates
    or as days (``treatment_end_day`` < 0, ``new_therapy_start_day`` < 0). On the same day is allowed.
    """
    findings = []
    start, start_note = _patient_iso(frame, TREATMENT_START)
    for column, why in NOT_BEFORE_TREATMENT_START.items():
        if column in frame.columns and TREATMENT_START in frame.columns:
            date, note = _patient_iso(frame, column)
            # spec/patterns.md 0.1, 0.5: treatment_end / new_therapy_start not before treatment_start
            before = t.days_between(date, start) < 0
            for i in np.flatnonzero(before):
                notes = "; ".join(n for n in (note.iloc[i], start_note.iloc[i]) if n)
                findings.append(_error(
                    source, [frame[s.SOURCE_ROW].iloc[i]], column,
                    f"patient {frame[s.PATIENT].iloc[i]}: {column} {date.iloc[i]} is before treatment_start "
                    f"{start.iloc[i]}{f' ({notes})' if notes else ''}; {why} (spec/patterns.md 0.1, 0.5). "
                    f"Correct {column} or treatment_start"))
        day_column = f"{column}_day"
        if day_column in frame.columns:
            days, _ = t.parse_float(frame[day_column])
            # spec/patterns.md 0.1: day 0 is the first dose, so a last dose or new therapy is on day >= 0
            for i in np.flatnonzero(days < 0):
                findings.append(_error(
                    source, [frame[s.SOURCE_ROW].iloc[i]], day_column,
                    f"patient {frame[s.PATIENT].iloc[i]}: {day_column} {days[i]:g} is before day 0, the "
                    f"first dose (treatment_start); {why} (spec/patterns.md 0.1, 0.5). Correct {day_column}"))
    return findings


def _patient_iso(frame: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """ISO dates of a patient-table column ("" where empty or unreadable) and their imputation notes."""
    if column not in frame.columns:
        empty = pd.Series("", index=frame.index, dtype=object)
        return empty, empty
    iso, note, _ = t.parse_dates(frame[column])
    return iso, note


PATIENT_TABLE_CHECKS: tuple[Check, ...] = (
    check_patient_dates, check_patient_numbers, check_patient_biomarkers, check_treatment_end_reason,
    check_local_therapy_dates, check_treatment_order,
)
"""The checks of the patient table alone, in order (io.load.read_patients)."""


def last_assessments(assessments: pd.DataFrame, source: str) -> dict[str, tuple[float, str]]:
    """Each patient's last assessment: its day and where it is ("lesions.csv, row 7").

    ``assessments`` has ``patient_id`` and ``day``, and ``source_row`` when the rows of ``source`` are
    known (the first row of the last assessment is named); days that are not numbers are left out.
    """
    if s.DAY not in assessments.columns:
        return {}
    days = pd.to_numeric(assessments[s.DAY], errors="coerce")
    table = pd.DataFrame({s.PATIENT: assessments[s.PATIENT].astype(str), s.DAY: days,
                          s.SOURCE_ROW: assessments.get(s.SOURCE_ROW, np.nan)}).dropna(subset=[s.DAY])
    last = table.sort_values([s.PATIENT, s.DAY, s.SOURCE_ROW], ascending=[True, False, True],
                             kind="stable").drop_duplicates(s.PATIENT)
    return {patient: (float(day), source if pd.isna(row) else f"{source}, row {int(row)}")
            for patient, day, row in last[[s.PATIENT, s.DAY, s.SOURCE_ROW]].itertuples(index=False)}


def baseline_target_sums(lesions: pd.DataFrame) -> dict[str, list[float]]:
    """Each patient's baseline sum of target diameters in mm, one per reader (spec/anatomic.md 0.2: the
    baseline is the latest assessment with day <= 0; 0.4: a node's short axis, else the long axis; split
    fragments add up), for :func:`check_prebaseline_sum`. ``lesions`` is a typed lesion table (a sum-only
    table's sum is its one target)."""
    node = lesions[s.LYMPH_NODE].to_numpy(dtype=bool)
    read = np.where(node, lesions[s.SHORT_AXIS].to_numpy(dtype=np.float64),
                    lesions[s.LONG_AXIS].to_numpy(dtype=np.float64))  # spec/anatomic.md 0.4
    at_baseline = ((lesions[s.DAY] == _baseline_day(lesions)) & (lesions[s.ROLE] == s.Role.TARGET.value)
                   & np.isfinite(read)).to_numpy()
    table = pd.DataFrame({s.PATIENT: lesions[s.PATIENT].astype(str), s.READER: lesions[s.READER],
                          "size": read})[at_baseline]
    sums = table.groupby([s.PATIENT, s.READER], sort=True)["size"].sum()
    return {str(patient): group.tolist() for patient, group in sums.groupby(level=0)}


def check_prebaseline_sum(patients: pd.DataFrame, source: str, sums: Mapping[str, list[float]],
                          lesion_source: str) -> list[Finding]:
    """Plausibility: a ``prebaseline_sum_mm`` that looks like centimetres (STYLE.md 5), by the rule of
    :func:`check_assessment_cm_sizes` for a scan before baseline: below 10 with decimals and about a tenth
    (1/15 to 2/15) of the patient's baseline target sum in mm (``sums``, :func:`baseline_target_sums`;
    of every reader's); spec/patterns.md 0.2 reads it as the reference scan of the growth rates."""
    if PREBASELINE_SUM not in patients.columns:
        return []
    values, _ = t.parse_float(patients[PREBASELINE_SUM])  # unreadable cells: check_patient_numbers
    findings = []
    for i, patient in enumerate(patients[s.PATIENT].astype(str)):
        value, totals = values[i], [total for total in sums.get(patient, []) if total > 0]
        tenth = bool(totals) and all(CM_SHRINK_RANGE[0] <= value / total <= CM_SHRINK_RANGE[1]
                                     for total in totals)
        if not (tenth and looks_like_cm(np.array([value]))):
            continue
        findings.append(_error(
            source, [patients[s.SOURCE_ROW].iloc[i]], PREBASELINE_SUM,
            f"patient {patient}: {value:g} looks like centimetres (below {CM_LOOKING_MAX_MM:g} with "
            f"decimals, and about a tenth of the baseline target sum {' / '.join(f'{x:g}' for x in totals)} "
            f"mm in {lesion_source}); the sum of the scan before baseline is in mm (spec/patterns.md 0.2): "
            f"convert it to mm (x 10), or if it really is mm keep it with {t.WARN_IMPLAUSIBLE}",
            kind="plausibility"))
    return findings


def check_follow_up(patients: pd.DataFrame, source: str,
                    last: Mapping[str, tuple[float, str]]) -> list[Finding]:
    """``os_days`` before the patient's last assessment: one finding per patient.

    spec/patterns.md 7.3, 7.4 make a death (``os_event`` 1 on ``os_days``, DESIGN.md) the event of a
    patient without progression, on the same day scale as the assessments (days since treatment start,
    spec/patterns.md 0.1). The spec does not say what to do when the death comes before an assessment;
    a patient cannot be assessed after death, so it is an error (project rule), and so is a censored
    ``os_days`` (``os_event`` 0, alive at last contact) before the last assessment, since the patient was
    seen alive at that assessment. The same day is allowed (death or last contact on the scan's day).
    """
    if OS_DAYS not in patients.columns or not last:
        return []
    os_days, _ = t.parse_float(patients[OS_DAYS])  # unreadable cells: check_patient_numbers
    has_event = OS_EVENT in patients.columns
    event = patients[OS_EVENT] if has_event else pd.Series("", index=patients.index, dtype=object)
    died, unreadable = t.parse_bool(event)  # unreadable events: check_patient_numbers
    findings = []
    for i, patient in enumerate(patients[s.PATIENT].astype(str)):
        if (patient not in last or not np.isfinite(os_days[i]) or unreadable[i]
                or os_days[i] >= last[patient][0]):
            continue
        day, where = last[patient]
        # spec/patterns.md 7.4 (silent on the order; project rule): no assessment after death (os_event 1),
        # none after the last contact alive either (os_event 0 or not given)
        if died[i]:
            what = (f"died on day {os_days[i]:g} (os_event {event.iloc[i]})", "a patient cannot be assessed "
                    "after death")
        else:
            given = f"os_event {event.iloc[i]}: alive at last contact" if event.iloc[i] else (
                "os_event not given")
            what = (f"has follow-up ending on day {os_days[i]:g} ({given})",
                    "follow-up lasts at least until the last assessment, where the patient was seen")
        findings.append(_error(
            source, [patients[s.SOURCE_ROW].iloc[i]], OS_DAYS,
            f"patient {patient} {what[0]} but has an assessment on day {day:g} ({where}); {what[1]}. "
            "os_days counts days from treatment start (day 0), like the assessment days (spec/patterns.md "
            "0.1, 7.4): correct os_days or the assessment"))
    return findings
