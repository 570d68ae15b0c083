"""Conventions shared by the six FDG-PET criteria (spec/metabolic.md section 1).

One implementation per shared rule: scans and baseline (1.2), lesion roles (1.3), the lesion
selection helper ``select_hottest`` (1.4), rounding before comparing (1.5), the output rows (1.6)
and the best-response walk with its category precedence (1.7). The criteria modules hold the rules
of their own papers.

Labels are not in ``schema.Response`` (which holds the anatomic labels); they are defined here as
``MetabolicResponse`` (spec 1.7).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from ioresponse.criteria import BASELINE_SUM, BEST_RESPONSE_TABLE_COLUMNS, Study
from ioresponse.io.pet_table import LBM_FORMULA, NOTE, validate_pet_table
from ioresponse.schema import (
    CLINICAL_STATUS,
    DATE,
    DAY,
    LESION,
    ORGAN,
    PATIENT,
    READER,
    ROLE,
    SOURCE_ROW,
    STATUS,
    TIMEPOINT_COLUMNS,
    ConfirmationState,
    InputError,
    Role,
    Status,
    check_choice,
)

SULPEAK_CRITERION_COLUMNS = (
    PATIENT, DAY, LESION, ROLE, ORGAN, "sulpeak", "liver_sul_mean", "liver_sul_sd", "uptake_min",
)
"""Columns every SULpeak-based criterion needs: PERCIST, PECRIT, imPERCIST, iPERCIST (spec 2.7, 5.10)."""


class MetabolicResponse(StrEnum):
    """Timepoint labels of the metabolic criteria (spec/metabolic.md 1.7)."""

    CMR = "CMR"
    PMR = "PMR"
    SMD = "SMD"
    PMD = "PMD"
    NE = "NE"
    UPMD = "UPMD"
    CPMD = "CPMD"
    CLINICAL_BENEFIT = "clinical_benefit"
    NO_CLINICAL_BENEFIT = "no_clinical_benefit"


CMR, PMR, SMD, PMD, NE = (
    MetabolicResponse.CMR,
    MetabolicResponse.PMR,
    MetabolicResponse.SMD,
    MetabolicResponse.PMD,
    MetabolicResponse.NE,
)

COMPARISON_DECIMALS = 6
"""Changes and derived thresholds are rounded to 6 decimals before any comparison (spec 1.5)."""

BEST_RESPONSE_ORDER: tuple[str, ...] = (CMR, PMR, SMD, PMD)
"""Best overall response ranking CMR > PMR > SMD > PMD; NE skipped (spec 1.7)."""

BASELINE_ROLES = (Role.TARGET.value, Role.NON_TARGET.value)
INTERIM_CYCLES = (2.0, 3.0)
"""Consensus: the interim FDG-PET after 2 to 3 cycles (Leon-Mateos 2021; spec 3.1, 3.3)."""


# ---------------------------------------------------------------- arithmetic (spec 1.5)


def rounded(value: float) -> float:
    """``value`` rounded to 6 decimals, the form every threshold comparison uses (spec 1.5)."""
    return round(float(value), COMPARISON_DECIMALS)


def relative_change(current: float, reference: float) -> float | None:
    """``(current - reference) / reference`` rounded (spec 1.5); None when the reference is 0."""
    if reference == 0:
        return None
    return rounded((current - reference) / reference)


def absolute_change(current: float, reference: float) -> float:
    """``current - reference`` rounded (spec 1.5)."""
    return rounded(current - reference)


def number(value: float) -> str:
    """A value for a reason sentence as threshold tests compare it, rounded to 6 decimals (spec 1.5), one
    decimal at least (8.0, 5.6, 0.78, 1.855): -0.795 SUL is never shown as the -0.8 it misses."""
    text = f"{rounded(value) + 0.0:.6f}".rstrip("0")  # + 0.0: no "-0.0"
    return text + "0" if text.endswith(".") else text


def as_percent(rel: float | None) -> float:
    """A relative change as a percentage for the ``pct_change_*`` columns (NaN when undefined)."""
    return math.nan if rel is None else round(rel * 100, COMPARISON_DECIMALS - 2)


def signed(value: float, unit: str = "SUL") -> str:
    """A signed change for a reason sentence: '-2.4 SUL', '+0.77 SUL'."""
    return f"{'-' if value < 0 else '+'}{number(abs(value))} {unit}"


def percent(rel: float) -> str:
    """A relative change for a reason sentence, signed with one decimal (spec 1.5); more, up to the
    6-decimal fraction the threshold tests compare, where one decimal would land on a multiple of 0.5 %
    the value is not: every threshold of the spec is one (30 %, 15.5 %), and "-30.0%" must not stand for
    the -29.996 % that is not PMR."""
    value = round(rounded(rel) * 100, COMPARISON_DECIMALS - 2) + 0.0  # + 0.0: no "-0.0%"
    shown = round(value, 1)
    if shown != value and (shown * 2).is_integer():
        return f"{value:+.4f}".rstrip("0") + "%"
    return f"{value:+.1f}%"


def whole_percent(rel: float) -> str:
    """A relative change as a whole signed percentage, half away from zero ('-30%', '+33%'; spec 5.5)."""
    value = math.floor(round(abs(rel) * 100, 6) + 0.5)  # 0.285 is 28.499999999999996 % in binary: 29 %
    return f"{'-' if rel < 0 and value else '+'}{value}%"


def week(day: int) -> int:
    """Weeks since treatment start, for the PERCIST reporting format (spec 5.5)."""
    return int(round(day / 7))


# ---------------------------------------------------------------- lesion selection (spec 1.4)


def hottest_ids(
    records: Iterable[Mapping[str, Any]], value: str, n: int, per_organ: int | None = None
) -> list[str]:
    """The ``lesion_id`` of the up-to-``n`` hottest lesions, at most ``per_organ`` per organ (spec 1.4).

    Lesions with a missing ``value`` or ``status = absent`` are dropped, and so are ``not_evaluable``
    ones, whose value counts as missing whatever the row holds (spec 1.3); the rest are sorted by
    ``value`` descending, ties broken by ``lesion_id`` ascending, and walked in that order keeping a
    lesion while its organ has fewer than ``per_organ`` kept lesions, until ``n`` are kept.
    """
    dropped = (Status.ABSENT, Status.NOT_EVALUABLE)
    candidates = [r for r in records if not is_missing(r.get(value)) and r.get(STATUS) not in dropped]
    candidates.sort(key=lambda r: (-float(r[value]), r[LESION]))
    kept: list[str] = []
    per_organ_kept: dict[str, int] = {}
    for record in candidates:
        if len(kept) == n:
            break
        if per_organ is not None:
            organ = record[ORGAN]
            if per_organ_kept.get(organ, 0) >= per_organ:
                continue
            per_organ_kept[organ] = per_organ_kept.get(organ, 0) + 1
        kept.append(record[LESION])
    return kept


def select_hottest(lesions: pd.DataFrame, value: str, n: int, per_organ: int | None = None) -> pd.DataFrame:
    """The rows of :func:`hottest_ids` (``select_hottest(lesions, value, n, per_organ)`` of spec 1.4)."""
    ids = hottest_ids(lesions.to_dict("records"), value, n, per_organ)
    positions = {lesion_id: position for position, lesion_id in enumerate(lesions[LESION])}
    return lesions.iloc[[positions[i] for i in ids]]


def is_missing(value: object) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


# ---------------------------------------------------------------- scans (spec 1.2, 1.3)


@dataclass(frozen=True)
class Scan:
    """The rows of one PET scan of one patient (and reader), one row per lesion.

    ``lesions`` keeps the validated columns; lookups by ``lesion_id`` go through ``records``.
    """

    day: int
    date: str
    lesions: pd.DataFrame
    row_dicts: list[dict[str, Any]] | None = None

    @cached_property
    def records(self) -> dict[str, dict[str, Any]]:
        """Each lesion's row as a dict, by ``lesion_id``, in table order."""
        rows = self.row_dicts if self.row_dicts is not None else self.lesions.to_dict("records")
        return {row[LESION]: row for row in rows}

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {lesion_id: position for position, lesion_id in enumerate(self.records)}

    def attribute(self, column: str) -> Any:
        """A per-scan value (repeated on every row; spec 1.1); NaN when the column is absent."""
        first = next(iter(self.records.values()))
        return first.get(column, math.nan)

    def has(self, lesion_id: str) -> bool:
        return lesion_id in self.records

    def status(self, lesion_id: str) -> str | None:
        """The lesion's status at this scan, None when the scan has no row for it; "present" when the
        table gives none (spec 1.1: optional), see :meth:`reported_status`."""
        record = self.records.get(lesion_id)
        if record is None:
            return None
        return self.reported_status(lesion_id) or Status.PRESENT.value

    def reported_status(self, lesion_id: str) -> str | None:
        """The status the table gives for the lesion at this scan; None without a row or an empty cell."""
        status = self.records.get(lesion_id, {}).get(STATUS)
        return None if is_missing(status) else status

    def value(self, lesion_id: str, column: str) -> float:
        """The lesion's value; 0 when resolved (``status = absent``, spec 1.3), NaN when unknown."""
        status = self.status(lesion_id)
        if status == Status.ABSENT:
            return 0.0
        if status is None or status == Status.NOT_EVALUABLE:
            return math.nan
        return float(self.records[lesion_id][column])

    def hottest(
        self, lesion_ids: Sequence[str], value: str, n: int, per_organ: int | None = None
    ) -> list[str]:
        """:func:`hottest_ids` among ``lesion_ids`` at this scan (spec 1.4)."""
        return hottest_ids([self.records[i] for i in lesion_ids if i in self.records], value, n, per_organ)

    def rows(self, lesion_ids: Sequence[str]) -> pd.DataFrame:
        """This scan's rows of the given lesions (those it has)."""
        return self.lesions.iloc[[self._positions[i] for i in lesion_ids if i in self._positions]]

    @cached_property
    def new_lesion_ids(self) -> list[str]:
        """Lesions with ``role = new`` not resolved (spec 1.3: a resolved new lesion no longer counts)."""
        return [i for i, r in self.records.items() if r[ROLE] == Role.NEW and r.get(STATUS) != Status.ABSENT]

    def new_lesions(self) -> pd.DataFrame:
        """The rows of :attr:`new_lesion_ids`."""
        return self.rows(self.new_lesion_ids)

    @cached_property
    def note(self) -> str:
        """The notes of this scan's rows, each once, joined with "; " ("" without any): the input's own
        and io's partial-date note ("date 2021-03 partial: imputed 2021-03-15", io.tables.parse_dates),
        carried into the timepoint's reason as the anatomic criteria carry an assessment's notes
        (criteria._anatomic._assessment_notes; spec/anatomic.md 0.10)."""
        notes = (row.get(NOTE) for row in self.records.values())
        parts = (part for n in notes if isinstance(n, str) and n for part in n.split("; "))  # joined by io
        return "; ".join(dict.fromkeys(parts))

    def flagged(self, lesion_ids: Sequence[str]) -> list[str]:
        """Lesions among ``lesion_ids`` with ``status = unequivocal_progression`` at this scan (spec 1.3)."""
        return [i for i in lesion_ids if self.status(i) == Status.UNEQUIVOCAL_PROGRESSION]

    def missing(self, lesion_ids: Sequence[str], column: str) -> list[str]:
        """Lesions without a value in ``column`` and not resolved at this scan (spec 1.2, 1.3)."""
        return [i for i in lesion_ids if math.isnan(self.value(i, column))]


@dataclass(frozen=True)
class PatientScans:
    """A patient's (and reader's) baseline and follow-up scans in day order (spec 1.2)."""

    patient_id: str
    reader: str
    baseline: Scan
    followups: list[Scan]
    pre_baseline_days: list[int] = field(default_factory=list)
    treatment_end_day: int | None = None

    @property
    def baseline_ids(self) -> list[str]:
        """Baseline lesions: rows at baseline with role target or non_target (spec 1.3)."""
        return [i for i, row in self.baseline.records.items() if row[ROLE] in BASELINE_ROLES]

    @property
    def target_ids(self) -> list[str]:
        return [i for i, row in self.baseline.records.items() if row[ROLE] == Role.TARGET]

    def previous(self, scan: Scan) -> Scan:
        """The scan before ``scan`` (the baseline for the first follow-up)."""
        position = self.followups.index(scan)
        return self.baseline if position == 0 else self.followups[position - 1]


SulFormula = Literal["janmahasatian", "james"]
"""The lean-body-mass formulas of SUL (spec/metabolic.md 2.2; PERCIST ambiguity A2, 5.12)."""


def pet_table_of(
    study: Study, criterion_title: str, required: Sequence[str], lbm_formula: SulFormula | None = None
) -> pd.DataFrame:
    """The study's validated PET table, checked for the criterion's columns (spec 1.1).

    A table that was not validated yet (no ``source_row``) is validated here. ``lbm_formula`` (option
    of the criteria on SUL, spec 2.2 and 5.12 A2) is the formula the table's SUL values must come from:
    a scan whose ``lbm_formula`` names the other one is refused ("a patient's scans must all use the
    same formula"); values the user supplied cannot be checked and stay "user-supplied" (2.2). None
    takes the formula the table names (``ioresponse pet quantify`` writes "janmahasatian" by default).
    """
    if lbm_formula is not None:
        check_choice("lbm_formula", lbm_formula, SulFormula)
    if study.pet is None:
        raise InputError(
            study.source,
            [],
            None,
            f"{criterion_title} needs a PET assessment table "
            "(spec/metabolic.md 1.1); give it with --pet or as the input table",
        )
    table = study.pet if SOURCE_ROW in study.pet else validate_pet_table(study.pet, file=study.source)
    missing = [c for c in required if c not in table]
    if missing:
        raise InputError(
            study.source,
            [],
            missing[0],
            f"{criterion_title} needs column(s) "
            f"{', '.join(missing)} in the PET table (spec/metabolic.md 1.1)",
        )
    if lbm_formula is not None and LBM_FORMULA in table:
        other = ~table[LBM_FORMULA].isin((lbm_formula, "user-supplied"))
        if other.any():
            named = ", ".join(sorted(set(table.loc[other, LBM_FORMULA])))
            raise InputError(
                study.source,
                table.loc[other, SOURCE_ROW].tolist(),
                LBM_FORMULA,
                f"SUL from the {named} formula, but {criterion_title} was asked for lbm_formula="
                f"'{lbm_formula}' (spec/metabolic.md 2.2: one formula); quantify again with "
                f"--lbm-formula {lbm_formula}, or leave the option out",
            )
    return table


def patient_scans(table: pd.DataFrame, patients: pd.DataFrame | None = None) -> Iterator[PatientScans]:
    """Each patient's scans, patients in (patient_id, reader) order, scans in day order (spec 1.2).

    ``table`` is the validated PET table, sorted by patient_id, reader, day (io.pet_table).

    ``patients`` (optional) gives ``treatment_end`` for the consensus timing label (spec 3.3).
    """
    end_days = treatment_end_days(patients)
    table = table.sort_values([PATIENT, READER, DAY], kind="mergesort").reset_index(drop=True)
    row_dicts = table.to_dict("records")
    keys = list(zip(table[PATIENT], table[READER], table[DAY], strict=True))
    scan_starts = [i for i in range(len(keys)) if i == 0 or keys[i] != keys[i - 1]]
    scans_by_patient: dict[tuple[str, str], list[Scan]] = {}
    for start, stop in zip(scan_starts, [*scan_starts[1:], len(keys)], strict=True):
        patient, reader, day = keys[start]
        scan = Scan(int(day), str(table[DATE].iat[start]), table.iloc[start:stop], row_dicts[start:stop])
        scans_by_patient.setdefault((str(patient), str(reader)), []).append(scan)
    for (patient, reader), scans in scans_by_patient.items():
        baseline_position = max(i for i, s in enumerate(scans) if s.day <= 0)
        yield PatientScans(
            patient_id=patient,
            reader=reader,
            baseline=scans[baseline_position],
            followups=scans[baseline_position + 1 :],
            pre_baseline_days=[s.day for s in scans[:baseline_position]],
            treatment_end_day=end_days.get(patient),
        )


# ---------------------------------------------------------------- output rows (spec 1.6)

NUMBER, WHOLE, FLAG = np.dtype(np.float64), np.dtype(np.int64), np.dtype(bool)
"""Dtypes of the criteria's extra columns: a number (NaN where missing: a day that can be missing is one
too, as ``progression_day``), a whole number every row gives, a flag every row gives."""
OPTIONAL_FLAG = pd.BooleanDtype()
"""Dtype of a flag some rows leave empty (pandas "boolean": True / False, NA where not evaluated)."""

ColumnTypes = Mapping[str, np.dtype[Any] | pd.api.extensions.ExtensionDtype]
"""A criterion's extra timepoint columns in order, each with its dtype (:data:`NUMBER`, :data:`WHOLE`,
:data:`FLAG`, :data:`OPTIONAL_FLAG` or ``criteria.TEXT``), applied whatever the number of rows: an empty
result table keeps its columns and their types (spec/anatomic.md 0.9, metabolic.md 1.6)."""

_TEXT_DEFAULTS = {
    READER: "",
    "criterion": "",
    DATE: "",
    "sum_unit": "",
    "target_response": "",
    "non_target_response": "",
    "new_lesion_response": "",
    "overall_response": "",
    "confirmation_state": ConfirmationState.NOT_REQUIRED.value,
    CLINICAL_STATUS: "",
    "flags": "",
    "reason": "",
}


SCAN_NOTE = "_scan_note"
"""Key of a timepoint row (not a column) holding its scan's :attr:`Scan.note`, which
:func:`timepoint_frame` puts at the end of the reason once the criterion has written it."""


def timepoint_row(patient: PatientScans, criterion: str, scan: Scan, **values: Any) -> dict[str, Any]:
    """One timepoint row with every column of ``schema.TIMEPOINT_COLUMNS`` (NaN/"" where not applicable).

    ``lbm_formula`` (spec 2.2) is filled too; the criteria on SUL list it among their extra columns. The
    scan's notes wait under :data:`SCAN_NOTE` for :func:`timepoint_frame`.
    """
    row: dict[str, Any] = dict.fromkeys(TIMEPOINT_COLUMNS, math.nan)
    row.update(_TEXT_DEFAULTS)
    row.update(
        {
            PATIENT: patient.patient_id,
            READER: patient.reader,
            "criterion": criterion,
            DATE: scan.date,
            DAY: scan.day,
            "sum_complete": False,
            "after_progression": False,
            CLINICAL_STATUS: _text_attribute(scan, CLINICAL_STATUS),
            "lbm_formula": _text_attribute(scan, "lbm_formula") or "user-supplied",
            SCAN_NOTE: scan.note,
        }
    )
    row.update(values)
    return row


def _text_attribute(scan: Scan, column: str) -> str:
    value = scan.attribute(column)
    return value if isinstance(value, str) else ""


def mark_progression(rows: list[dict[str, Any]], progression_labels: Sequence[str]) -> float:
    """Date the first progression and flag the rows after it (spec 1.7); returns its day or NaN.

    Rows are one patient's follow-ups in day order. ``progression_day`` is written on the
    progression row and every later row; later rows get ``after_progression = True``.
    """
    for position, row in enumerate(rows):
        if row["overall_response"] in progression_labels:
            day = row[DAY]
            for later_position, later in enumerate(rows[position:]):
                later["progression_day"] = day
                later["after_progression"] = later_position > 0
            return float(day)
    return math.nan


def timepoint_frame(rows: list[dict[str, Any]], extra_columns: ColumnTypes) -> pd.DataFrame:
    """The timepoint table: ``TIMEPOINT_COLUMNS`` first, then the criterion's extra columns with their
    declared dtypes, also when there is no row (spec/anatomic.md 0.9, metabolic.md 1.6). Each reason ends
    with its scan's notes (:data:`SCAN_NOTE`), after "; ", as the anatomic criteria end theirs."""
    columns = [*TIMEPOINT_COLUMNS, *extra_columns]
    reasons = ["; ".join(filter(None, (row["reason"], row.get(SCAN_NOTE, "")))) for row in rows]
    frame = pd.DataFrame(rows, columns=columns).astype(dict(extra_columns))
    frame["reason"] = pd.Series(reasons, index=frame.index, dtype=object)
    frame["overall_response"] = frame["overall_response"].map(str).astype(object)
    frame[DAY] = frame[DAY].astype(np.int64)
    frame["after_progression"] = frame["after_progression"].astype(bool)
    frame["sum_complete"] = frame["sum_complete"].astype(bool)
    for column in (
        "baseline_sum",
        "nadir_sum",
        "current_sum",
        "pct_change_baseline",
        "pct_change_nadir",
        "abs_change_nadir",
        "target_sum",
        "new_lesion_sum",
        "progression_day",
    ):
        frame[column] = frame[column].astype(np.float64)
    return frame.sort_values([PATIENT, READER, DAY], kind="mergesort").reset_index(drop=True)


def best_response_row(
    patient: PatientScans,
    criterion: str,
    rows: list[dict[str, Any]],
    *,
    source: str,
    baseline_sum: float,
    ranking: Sequence[str] = BEST_RESPONSE_ORDER,
    progression_day: float = math.nan,
    response_labels: Sequence[str] = (CMR, PMR),
    **extra: Any,
) -> dict[str, Any]:
    """One best-response row (spec 1.7): best of ``ranking`` over the follow-ups up to the first progression.

    NE (and any label outside ``ranking``) is skipped. Rows after progression never count. The duration
    of response runs from the first of ``response_labels`` to the progression, else to the last follow-up
    that is not NE, censored (spec/patterns.md 7.3); NaN without a response. ``pfs_day`` is the progression
    day, else that last follow-up that is not NE (7.4; NaN when none). Both
    ``best_response`` and ``best_response_confirmed`` carry the same value (no metabolic criterion
    confirms a response, spec 1.6). ``baseline_sum`` is the criterion's baseline value, the one its
    timepoint rows carry, computed from the baseline scan so that a patient without follow-up has it too
    (:data:`ioresponse.criteria.BASELINE_SUM`; the PERCIST family passes its ``measurability_threshold``
    in ``extra``).
    """
    considered = [r for r in rows if not r["after_progression"]]
    ranked = [r for r in considered if r["overall_response"] in ranking]
    best = min(ranked, key=lambda r: (ranking.index(r["overall_response"]), r[DAY])) if ranked else None
    responses = [r[DAY] for r in considered if r["overall_response"] in response_labels]
    first_response = float(responses[0]) if responses else math.nan
    has_event = not math.isnan(progression_day)
    # spec/patterns.md 7.3 and 7.4: a response, and PFS, without progression are censored at the last
    # adequate (not NE) assessment, as the anatomic criteria do (recist11._best_response_table); NaN when
    # there is none (cohort.survival censors it at day 0)
    last_evaluable = max((float(r[DAY]) for r in considered if r["overall_response"] != NE), default=math.nan)
    if best is None:
        label, bor_day = NE.value, math.nan
        why = "no follow-up scan" if not rows else "no evaluable follow-up scan"
    else:
        label, bor_day = str(best["overall_response"]), float(best[DAY])
        why = f"best {label} at day {best[DAY]} among {len(ranked)} evaluable follow-up(s)" + (
            f" up to progression on day {int(progression_day)}" if has_event else ""
        )
    if patient.pre_baseline_days:
        why += f"; scan(s) on day {', '.join(map(str, patient.pre_baseline_days))} ignored: pre-baseline"
    row = {
        PATIENT: patient.patient_id,
        READER: patient.reader,
        "criterion": criterion,
        "best_response": label,
        "best_response_confirmed": label,
        "bor_day": bor_day,
        "first_response_day": first_response,
        "progression_day": progression_day,
        "duration_of_response_days": (progression_day if has_event else last_evaluable) - first_response,
        "pfs_event": has_event,
        "pfs_day": progression_day if has_event else last_evaluable,
        "reason": f"{why} ({source})",
        BASELINE_SUM: baseline_sum,
    }
    row.update(extra)
    return row


def best_response_frame(rows: list[dict[str, Any]], extra_columns: Sequence[str] = ()) -> pd.DataFrame:
    """The best-response table: ``BEST_RESPONSE_TABLE_COLUMNS`` first, then the criterion's extra columns."""
    frame = pd.DataFrame(rows, columns=[*BEST_RESPONSE_TABLE_COLUMNS, *extra_columns])
    for column in ("best_response", "best_response_confirmed"):
        frame[column] = frame[column].map(str).astype(object)
    frame["pfs_event"] = frame["pfs_event"].astype(bool)
    for column in (
        "bor_day",
        "first_response_day",
        "progression_day",
        "duration_of_response_days",
        "pfs_day",
        BASELINE_SUM,
    ):
        frame[column] = frame[column].astype(np.float64)
    return frame.sort_values([PATIENT, READER], kind="mergesort").reset_index(drop=True)


def join_flags(flags: Sequence[str]) -> str:
    """The ``flags`` cell: distinct flags joined by ';' in the order raised."""
    return ";".join(dict.fromkeys(f for f in flags if f))


def consensus_window(patient: PatientScans, scan: Scan) -> str:
    """The consensus timing label of a scan (spec 3.3).

    ``baseline`` (day <= 0), ``end_of_treatment`` (first scan after the patient table's
    ``treatment_end``), ``interim`` (``cycles_before_scan`` 2 or 3), else ``other``.
    """
    if scan.day <= 0 or scan.day <= patient.baseline.day:
        return "baseline"
    end = patient.treatment_end_day
    if end is not None and scan is next((s for s in patient.followups if s.day > end), None):
        return "end_of_treatment"
    cycles = float(scan.attribute("cycles_before_scan"))
    return "interim" if cycles in INTERIM_CYCLES else "other"


def treatment_end_days(patients: pd.DataFrame | None) -> dict[str, int]:
    """Day of ``treatment_end`` per patient (``treatment_end - treatment_start``), from the patient table."""
    needed = {PATIENT, "treatment_start", "treatment_end"}
    if patients is None or not needed <= set(patients.columns):
        return {}
    start = pd.to_datetime(patients["treatment_start"], errors="coerce")
    end = pd.to_datetime(patients["treatment_end"], errors="coerce")
    days = (end - start).dt.days
    return {str(p): int(d) for p, d in zip(patients[PATIENT], days, strict=True) if not pd.isna(d)}
