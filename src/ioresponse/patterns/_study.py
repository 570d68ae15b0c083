"""What the pattern rules read from a validated study: target sums per assessment, the prebaseline,
baseline and first-evaluation scans, organs, patient dates as days, ECOG.

Sums come from the shared anatomic engine (``criteria._anatomic``: assessment grouping incl.
pre-baseline, lesion values of spec/anatomic.md 0.4, sums with completeness of 0.5); the choice of the
prebaseline scan is spec/patterns.md 0.2.
"""

from __future__ import annotations

import functools
import warnings
from importlib import resources

import numpy as np
import pandas as pd

from ioresponse.criteria import Study
from ioresponse.criteria._anatomic import (
    Assessments,
    baseline_count,
    build_assessments,
    lesion_codes,
    roles,
    sum_per_assessment,
    unidimensional_values,
)
from ioresponse.io import tables as t
from ioresponse.io.tables import SideTableWarning
from ioresponse.schema import (
    DATE,
    DAY,
    EQUIVOCAL,
    LESION,
    LYMPH_NODE,
    ORGAN,
    PATIENT,
    READER,
    ROLE,
    SOURCE_ROW,
    STATUS,
    InputError,
    Role,
    Status,
)

PREBASELINE_LABEL = "prebaseline"
"""``timepoint_label`` value that marks the reference scan; it wins over the latest candidate (spec 0.2)."""
TIMEPOINT_LABEL = "timepoint_label"
PREBASELINE_SUM_TOLERANCE_MM = 0.5
"""Patient-table ``prebaseline_sum_mm`` may differ from the lesion rows by at most this (spec 0.2)."""
LYMPH_NODE_ORGAN = "lymph_node"
"""All lymph-node stations count as one organ in organ rules (spec 2.3 H7); the station codes of the
organ vocabulary start with it (spec 5.3)."""
NEW_LESION_STATUSES = (Status.PRESENT, Status.UNEQUIVOCAL_PROGRESSION, Status.TOO_SMALL)
"""Statuses of a new lesion that is there (spec/anatomic.md 0.3)."""


@functools.cache
def organ_vocabulary() -> dict[str, tuple[str, bool]]:
    """alias (lower case) -> (canonical organ code, applies to lymph nodes only) (spec 5.3)."""
    with resources.as_file(resources.files("ioresponse") / "data" / "organ_vocabulary.csv") as path:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {
        a: (o, n == "true")
        for a, o, n in zip(table["alias"], table["organ"], table["lymph_node_only"], strict=True)
    }


def canonical_organ(organ: str, lymph_node: bool, vocabulary: dict[str, tuple[str, bool]]) -> str:
    """Map an organ name to its code (spec 5.3); unmapped names stay as given and trigger no rule."""
    text = str(organ).strip().lower()
    code, nodes_only = vocabulary.get(text, (text, False))
    if nodes_only and not lymph_node:
        return text
    if lymph_node and not code.startswith(LYMPH_NODE_ORGAN):
        return "lymph_node_other"
    return code


def organ_keys(lesions: pd.DataFrame, split_lymph_node_regions: bool = False) -> np.ndarray:
    """Canonical organ code of each row (spec 5.3) for organ rules, every lymph-node station counted as
    one organ ``lymph_node`` unless split (spec 2.3 H7).

    Each distinct (organ, lymph_node) pair is mapped once, not each row.
    """
    organ_codes, organs = pd.factorize(lesions[ORGAN].astype(str))
    distinct, inverse = np.unique(organ_codes * 2 + lesions[LYMPH_NODE].to_numpy(bool), return_inverse=True)
    vocabulary = organ_vocabulary()
    codes = [canonical_organ(organs[pair // 2], bool(pair % 2), vocabulary) for pair in distinct]
    if not split_lymph_node_regions:
        codes = [LYMPH_NODE_ORGAN if c.startswith(LYMPH_NODE_ORGAN) else c for c in codes]
    return np.array(codes, dtype=object)[inverse]


def assessment_sums(study: Study) -> pd.DataFrame:
    """Sum of the baseline target lesions at every assessment, pre-baseline ones included.

    Columns: patient_id, reader, day, date, is_baseline, is_pre_baseline, baseline_day, target_sum_mm
    (NaN when incomplete: a baseline target not evaluable or without a row), missing_targets (text),
    label (``timepoint_label`` when given).
    """
    lesions = study.lesions
    assessments = build_assessments(lesions, study.source)
    table = assessments.table
    subject_of_row = assessments.subject_of_rows()
    baseline_of_row = table["is_baseline"].to_numpy()[assessments.row_assessment]
    target = (roles(lesions) == Role.TARGET) & baseline_of_row
    ids = lesion_codes(lesions)
    keys = pd.Series(subject_of_row.astype(np.int64) * (int(ids.max(initial=0)) + 1) + ids)
    selected = keys.isin(keys[target]).to_numpy()  # every row of a baseline target lesion
    values = unidimensional_values(lesions)
    counted = sum_per_assessment(values, selected, ids, assessments)
    expected = baseline_count(counted.count, assessments)
    sums = sum_per_assessment(values, selected, ids, assessments, expected=expected)
    out = table[[PATIENT, READER, DAY, DATE, "is_baseline", "is_pre_baseline", "baseline_day"]].copy()
    out["target_sum_mm"] = np.where(sums.complete, sums.total, np.nan)
    out["missing_targets"] = _missing_text(lesions, values, selected, assessments, sums.complete)
    labels = np.full(len(table), "", dtype=object)
    if TIMEPOINT_LABEL in lesions:
        marked = lesions[TIMEPOINT_LABEL].astype(str).str.lower().to_numpy() == PREBASELINE_LABEL
        labels[np.unique(assessments.row_assessment[marked])] = PREBASELINE_LABEL
    out["label"] = labels
    return out


def _missing_text(
    lesions: pd.DataFrame, values: np.ndarray, selected: np.ndarray, assessments: Assessments,
    complete: np.ndarray,
) -> np.ndarray:
    text = np.full(assessments.n, "", dtype=object)
    missing_rows = np.flatnonzero(selected & np.isnan(values))
    if len(missing_rows):
        ids = pd.DataFrame(
            {"a": assessments.row_assessment[missing_rows], "id": lesions[LESION].to_numpy()[missing_rows]}
        ).astype({"id": str})
        ids = ids.drop_duplicates().sort_values(["a", "id"], kind="stable")
        joined = ids.groupby("a", sort=True)["id"].agg(", ".join)
        text[joined.index.to_numpy()] = ("not evaluable: " + joined).to_numpy()
    text[(~complete) & (text == "")] = "a baseline target lesion has no row"
    return text


def patient_days(study: Study, column: str) -> dict[str, int]:
    """A patient-table date column as days since ``treatment_start``; a day column is also accepted
    (``treatment_end_day`` for ``treatment_end``, ``last_contact_day`` for ``last_contact_date``).

    Empty cells are left out. A date is never dropped: one without the patient's ``treatment_start`` (and
    without a day), or a day and a date that disagree, is an :class:`InputError` at its row and column
    (spec 0.1: day = date - treatment_start; :func:`days_from_start`).
    """
    patients = study.patients
    if patients is None:
        return {}
    day_column = f"{column.removesuffix('_date')}_day"
    start = patients.get("treatment_start", pd.Series(np.nan, patients.index))
    days = days_from_start(study.patients_source, file_rows(patients), patients.get(day_column),
                           patients.get(column), start, (day_column, column))
    return {str(p): int(d) for p, d in zip(patients[PATIENT], days, strict=True) if pd.notna(d)}


def patient_values(study: Study, column: str) -> dict[str, object]:
    """Non-empty values of one patient-table column by patient."""
    patients = study.patients
    if patients is None or column not in patients:
        return {}
    return {str(p): v for p, v in zip(patients[PATIENT], patients[column], strict=True)
            if pd.notna(v) and str(v).strip() != ""}


def visit_days(visits: pd.DataFrame, study: Study, kind: str = "visits") -> pd.DataFrame:
    """A clinical visits / events / findings / samples table with a ``day`` column: the whole days given,
    else the ISO ``date`` less the patient's ``treatment_start`` (spec/anatomic.md 0.1, as the lesion
    table; spec/patterns.md 0.1).

    Every row needs its patient and a day or a date; a day that is not a whole number, a date that is not
    ISO, a date without the patient's start, or a day and a date that disagree are refused at the row,
    never dropped. Rows of a patient the study does not have are left out with a
    :class:`SideTableWarning`. ``visits`` is read by :func:`ioresponse.io.tables.side_table` (a path,
    a pandas or polars DataFrame); messages name its file (else ``<kind>``) and file rows.
    """
    frame = t.side_table(visits, kind).copy()
    name = frame.attrs["source"]
    if PATIENT not in frame:
        raise InputError(name, [], PATIENT, "missing column; every row names its patient")
    frame[PATIENT] = frame[PATIENT].astype(str).str.strip()
    t.refuse_rows(name, file_rows(frame), frame[PATIENT].isin(["", "nan", "None"]).to_numpy(), PATIENT,
                  "empty patient_id")
    if DAY not in frame and DATE not in frame:
        raise InputError(name, [], f"{DAY} or {DATE}", f"the {kind} table needs a day or a date column")
    frame = _known_patients(frame, study, name)
    rows = file_rows(frame)
    start = frame[PATIENT].map(patient_values(study, "treatment_start"))
    day = days_from_start(name, rows, frame.get(DAY), frame.get(DATE), start, (DAY, DATE))
    t.refuse_rows(name, rows, day.isna().to_numpy(), DAY if DAY in frame else DATE,
                  "no day and no date: the row cannot be placed in time")
    frame[DAY] = day.astype(np.int64)
    return frame


def days_from_start(
    name: str, rows: np.ndarray, day: pd.Series | None, date: pd.Series | None, start: pd.Series,
    columns: tuple[str, str],
) -> pd.Series:
    """Whole days since treatment start of a table's rows: the day given, else the ISO date less the row's
    ``start`` (the patient's ``treatment_start``; spec 0.1, spec/anatomic.md 0.1); NaN where neither is.

    ``day`` and ``date`` are the table's columns (None when absent), named ``columns`` (day, date) in
    messages. Refused at the file ``rows`` of table ``name``, never dropped: a day that is not a whole
    number, a date that is not ISO, a date without its start (and without a day), a day and a date that
    disagree.
    """
    day_column, date_column = columns
    days = pd.Series(np.nan, index=start.index)
    if day is not None:
        given, bad = t.parse_float(day.fillna("").astype(str))
        bad |= np.isfinite(given) & (given % 1 != 0)
        t.refuse_rows(name, rows, bad, day_column, "not a whole number of days since treatment start")
        days[:] = given
    if date is not None:
        text = date.fillna("").astype(str)
        iso, _, bad = t.parse_dates(text)
        if bad.any():
            t.refuse_rows(name, rows, bad, date_column, t.date_problem(text[bad].iloc[0]))
        start_iso = t.parse_dates(start.fillna("").astype(str))[0]  # a time part is not read (io.tables)
        dated = pd.Series(t.days_between(iso, start_iso), index=iso.index)
        t.refuse_rows(name, rows, ((iso != "") & dated.isna() & days.isna()).to_numpy(), date_column,
                      "a date without the patient's treatment_start (patient table) to make it a day")
        differ = (dated.notna() & days.notna() & (dated != days)).to_numpy()
        if differ.any():
            first = np.flatnonzero(differ)[0]
            t.refuse_rows(name, rows, differ, day_column,
                          f"{day_column} {days.iat[first]:g} but {date_column} {iso.iat[first]} is day "
                          f"{dated.iat[first]:g} since the patient's treatment_start; give one of them, or "
                          "correct the other")
        days = days.fillna(dated)
    return days


def _known_patients(frame: pd.DataFrame, study: Study, name: str) -> pd.DataFrame:
    """``frame`` without the rows of patients the study does not have (lesion, PET or patient table),
    named in a :class:`SideTableWarning` (a misspelt id would otherwise lose its rows silently). A study
    with none of these tables keeps every row."""
    known = set()
    for table in (study.lesions, study.pet, study.patients):
        if table is not None and PATIENT in table:
            known |= {str(p) for p in pd.unique(table[PATIENT])}  # the ids, not every lesion row
    unknown = ~frame[PATIENT].isin(known).to_numpy()
    if not known or not unknown.any():  # a study without tables (the API's rules alone) names nobody
        return frame
    ids = sorted(set(frame[PATIENT][unknown]))
    by_case = {k.lower(): k for k in known}
    hints = [f"{i!r} (the study has {by_case[i.lower()]!r})" for i in ids if i.lower() in by_case]
    shown = ", ".join(hints or map(repr, ids[:5])) + (" ..." if len(ids) > 5 and not hints else "")
    error = InputError(name, file_rows(frame)[unknown].tolist(), PATIENT,
                       f"patient {shown} is not in the study (lesion, PET or patient table): "
                       f"{int(unknown.sum())} row(s) not used")
    warnings.warn(SideTableWarning(error.located()), stacklevel=3)
    return frame[~unknown]


def file_rows(frame: pd.DataFrame) -> np.ndarray:
    """The file row of each row of a table: its ``source_row``, else its place (header = row 1)."""
    return frame[SOURCE_ROW].to_numpy() if SOURCE_ROW in frame else np.arange(len(frame)) + 2


def new_lesion_rows(lesions: pd.DataFrame, *, equivocal: bool = False) -> np.ndarray:
    """Rows of new lesions that are there (spec/anatomic.md 0.3): unequivocal ones, and with
    ``equivocal=True`` equivocal ones too."""
    new = (lesions[ROLE].to_numpy() == Role.NEW) & np.isin(lesions[STATUS].to_numpy(), NEW_LESION_STATUSES)
    if EQUIVOCAL in lesions and not equivocal:
        new &= ~lesions[EQUIVOCAL].to_numpy(bool)
    return new
