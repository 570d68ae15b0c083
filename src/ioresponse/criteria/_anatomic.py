"""Shared machinery of the anatomic criteria (spec/anatomic.md section 0).

One implementation per shared rule: grouping of lesion rows into assessments (0.2), lesion values
(0.4), sums with completeness (0.5), the nadir (0.5), the rounded arithmetic of the thresholds (0.5),
measurability (0.6), the confirmation of response (0.7) and of progression (0.8), and the output
tables (0.9). The cohort is processed as columns: lesion rows are sorted by patient, reader and day,
assessments are contiguous runs of rows and subjects (patient x reader) contiguous runs of
assessments, described by offsets. Sequential rules run in numba over those offsets.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray

from ioresponse.criteria import (
    BASELINE_SUM,
    BEST_RESPONSE_DAYS,
    BEST_RESPONSE_TABLE_COLUMNS,
    MEASURABLE_DISEASE,
    TEXT,
    as_text,
)
from ioresponse.schema import (
    CLINICAL_STATUS,
    DATE,
    DAY,
    LESION,
    LONG_AXIS,
    LYMPH_NODE,
    ORGAN,
    PATIENT,
    PERPENDICULAR,
    READER,
    ROLE,
    SHORT_AXIS,
    STATUS,
    TARGET_SUM_LESION,
    TIMEPOINT_COLUMNS,
    InputError,
    IoresponseWarning,
    OnBaselineViolation,
    Role,
    Status,
)

TOO_SMALL_DEFAULT_MM = 5.0
MAX_BASELINE_GAP_DAYS = 28
"""Baseline imaging at most 4 weeks before treatment (RECIST 1.1 sec. 3.2.1; spec 0.2)."""
"""Value of a lesion too small to measure (RECIST 1.1 sec. 4.3.2; spec 0.4)."""

NODE_ORGAN = "lymph node"
"""Every lymph node, whatever its site, counts as this one organ (RECIST 1.1 sec. 4.2; spec 0.1)."""

NORMAL_NODE_SHORT_AXIS_MM = 10.0
"""A node with short axis below this is normal (Schwartz 2009; spec 0.4, 0.6)."""

MEASURABLE_NODE_SHORT_AXIS_MM = 15.0
"""Nodal short axis measurable at baseline (RECIST 1.1 sec. 3.1.1; spec 0.6)."""

MIN_NONNODAL_MM = 10.0
"""Smallest measurable non-nodal long axis on CT/MRI (RECIST 1.1 sec. 3.1.1; spec 0.6)."""

MIN_NONNODAL_XRAY_MM = 20.0
"""Smallest measurable lesion on chest X-ray (RECIST 1.1 sec. 3.1.1; spec 0.6)."""

THIN_SLICE_MM = 5.0
"""Above this slice thickness the minimum size is twice the slice (RECIST 1.1 sec. 3.2.2; spec 0.6)."""

ROUND_DECIMALS = 6
"""Changes are rounded to 6 decimals before any threshold test (spec 0.5)."""

CONFIRM_MIN_DAYS = 28
"""Minimum interval of a confirming assessment, 4 weeks (RECIST 1.1 sec. 4.6.1; spec 0.7, 0.8)."""

# Response codes used inside the numba kernels; LABELS maps them to each criterion's labels.
CR, PR, SD, NON_CR_NON_PD, PD, NE, NONE, NOT_GIVEN = range(8)
ICPD = 8
"""Code of iCPD (iRECIST), ranked with the shared codes."""
# New-lesion component codes (spec 1.5).
NEW_NO, NEW_EQUIVOCAL, NEW_YES = 0, 1, 2


class Coded:
    """A text column as small integer codes, compared by label (``status == Status.ABSENT``).

    Comparing codes instead of strings keeps whole-cohort rules fast; labels outside ``labels`` get
    code -1 and never compare equal.
    """

    def __init__(self, values: pa.ChunkedArray, labels: tuple[str, ...]) -> None:
        codes = pc.index_in(values, value_set=pa.array(labels, values.type)).fill_null(-1)
        self.codes = read_only(codes.cast(pa.int8()).to_numpy())
        self._index = {label: i for i, label in enumerate(labels)}

    def code(self, label: str) -> int:
        return self._index[label]

    def __eq__(self, label: object) -> np.ndarray:  # type: ignore[override]
        return self.codes == self._index[label]

    def __ne__(self, label: object) -> np.ndarray:  # type: ignore[override]
        return self.codes != self._index[label]

    __hash__ = None  # type: ignore[assignment]

    def isin(self, labels: list[str]) -> np.ndarray:
        chosen = np.zeros(len(self._index) + 1, bool)  # a lookup table; the last entry is code -1
        chosen[[self._index[label] for label in labels]] = True
        return chosen[self.codes]


_SHARED: dict[tuple[int, str], Any] = {}
_SHARING: Counter[int] = Counter()  # open :func:`sharing` blocks per lesion table id
_SHARED_LOCK = threading.RLock()  # criteria run in threads (api.run): each value is computed once


@contextmanager
def sharing(lesions: pd.DataFrame | None) -> Iterator[None]:
    """Within the block, what :func:`shared` derives from ``lesions`` is computed once and reused by
    every criterion; it is dropped at the end, so that a table edited in place between two runs is
    never assessed from stale values. Blocks nest (the criteria, then the patterns)."""
    key = id(lesions)
    with _SHARED_LOCK:
        _SHARING[key] += 1
    try:
        yield
    finally:
        with _SHARED_LOCK:
            _SHARING[key] -= 1
            if not _SHARING[key]:
                del _SHARING[key]
                for entry in [k for k in _SHARED if k[0] == key]:
                    del _SHARED[entry]


def shared(lesions: pd.DataFrame, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per lesion table inside a :func:`sharing` block (the criteria never modify
    the table, the study's input), else every time it is asked for."""
    key = (id(lesions), name)
    if key[0] not in _SHARING:
        return compute()
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = compute()
        return _SHARED[key]


def read_only(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False  # shared between criteria (see :func:`shared`)
    return values


def texts(lesions: pd.DataFrame, column: str) -> pa.ChunkedArray:
    """A text column as Arrow strings, shared: whole-cohort comparisons and codes run in Arrow (a
    :data:`~ioresponse.criteria.TEXT` column is already Arrow, used without a copy; an object column is
    converted once)."""
    return shared(lesions, f"text:{column}", lambda: _arrow_strings(lesions[column]))


def _arrow_strings(column: pd.Series) -> pa.ChunkedArray:
    values = (column.array if column.dtype == TEXT else as_text(column.to_numpy())).__arrow_array__()
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])


def text_is(lesions: pd.DataFrame, column: str, value: str) -> np.ndarray:
    """Rows whose text ``column`` equals ``value``."""
    return pc.equal(texts(lesions, column), value).fill_null(False).to_numpy(zero_copy_only=False)


def statuses(lesions: pd.DataFrame) -> Coded:
    """The ``status`` column, coded (spec 0.3)."""
    return shared(lesions, "status", lambda: Coded(texts(lesions, STATUS), tuple(Status)))


def roles(lesions: pd.DataFrame) -> Coded:
    """The ``role`` column, coded (spec 0.1)."""
    return shared(lesions, "role", lambda: Coded(texts(lesions, ROLE), tuple(Role)))


def lesion_codes(lesions: pd.DataFrame) -> np.ndarray:
    """``lesion_id`` as integers in the order of the ids, for grouping and ordering rows by lesion."""
    return _sorted_lesions(lesions)[0]


def lesion_ids(lesions: pd.DataFrame, rows: np.ndarray) -> pa.Array:
    """The ``lesion_id`` of ``rows``, read through their codes (a take from the whole column would
    first join its chunks)."""
    codes, ids = _sorted_lesions(lesions)
    return ids.take(codes[rows])


def _sorted_lesions(lesions: pd.DataFrame) -> tuple[np.ndarray, pa.Array]:
    """Every row's lesion code, and the distinct ids in code order."""
    return shared(lesions, "lesion", lambda: _sorted_codes(texts(lesions, LESION)))


def _sorted_codes(values: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    codes, dictionary = _dictionary_codes(values)
    order = pc.sort_indices(dictionary).to_numpy()
    rank = np.empty(len(dictionary), np.int64)
    rank[order] = np.arange(len(rank))
    return read_only(rank[codes]), dictionary.take(order)


def _dictionary_codes(values: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Each value's index into the distinct values (the dictionary), and the dictionary."""
    encoded = values.dictionary_encode()  # the chunks share one dictionary
    codes = pa.chunked_array([chunk.indices for chunk in encoded.chunks], pa.int32()).to_numpy()
    dictionary = encoded.chunk(0).dictionary if encoded.num_chunks else pa.array([], values.type)
    return codes, dictionary


@dataclass(frozen=True)
class Assessments:
    """Assessments of a lesion table: one row per patient x reader x day.

    table : DataFrame with patient_id, reader, accepted, day, date, clinical_status, note,
        is_baseline, is_pre_baseline, baseline_day (of the subject), subject (its index).
    subject_offsets : rows of ``table`` of subject k are ``subject_offsets[k]:subject_offsets[k+1]``.
    row_assessment : for every lesion row, the row of ``table`` it belongs to.
    """

    table: pd.DataFrame
    subject_offsets: np.ndarray
    row_assessment: np.ndarray
    in_use: np.ndarray
    """Lesion rows of the baseline and the follow-ups; pre-baseline assessments are ignored (spec 0.2)."""
    _identity: dict[bytes, dict[str, pa.Array]] = field(default_factory=dict, repr=False, compare=False)
    _identity_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def n(self) -> int:
        return len(self.table)

    def subject_of_rows(self) -> np.ndarray:
        return self.table["subject"].to_numpy()[self.row_assessment]

    def identity(self, rows: np.ndarray) -> dict[str, ExtensionArray]:
        """Patient, reader, date, day and clinical status of the assessments ``rows``: the columns every
        timepoint table starts with (spec 0.9)."""
        key = rows.tobytes()
        with self._identity_lock:
            if key not in self._identity:  # the criteria report the same follow-ups: they share buffers
                self._identity.clear()
                texts = [c for c in (PATIENT, READER, DATE, CLINICAL_STATUS) if c in self.table]
                self._identity[key] = {c: pa.array(self.table[c].array.take(rows)) for c in texts}
            identity = self._identity[key]
        columns = {c: as_text(values) for c, values in identity.items()}
        return {**columns, DAY: self.table[DAY].to_numpy()[rows]}


def build_assessments(lesions: pd.DataFrame, source: str = "<table>") -> Assessments:
    """Group sorted lesion rows into assessments and mark each subject's baseline (spec 0.2).

    Computed once per lesion table and shared by the criteria (:func:`shared`).

    Baseline is the latest assessment with ``day <= 0``; earlier ones are pre-baseline.

    Raises
    ------
    InputError
        A subject has no assessment on or before day 0 ("missing baseline").
    """
    return shared(lesions, "assessments", lambda: _build_assessments(lesions, source))


def _build_assessments(lesions: pd.DataFrame, source: str) -> Assessments:
    day = np.ascontiguousarray(lesions[DAY].to_numpy(np.int64))
    new_subject = np.zeros(len(lesions), bool)
    new_subject[:1] = True
    for column in (PATIENT, READER):
        values = texts(lesions, column)
        changed = pc.not_equal(values[1:], values[:-1]).fill_null(False)
        new_subject[1:] |= changed.to_numpy(zero_copy_only=False)
    new_assessment = new_subject.copy()
    new_assessment[1:] |= day[1:] != day[:-1]
    row_assessment = np.cumsum(new_assessment, dtype=np.int32)
    row_assessment -= 1
    first_rows = np.flatnonzero(new_assessment)
    subject = np.cumsum(new_subject[first_rows]) - 1  # a new subject always starts a new assessment
    subject_offsets = np.append(np.flatnonzero(np.diff(subject, prepend=-1)), len(first_rows))

    table = pd.DataFrame({c: lesions[c].to_numpy()[first_rows] for c in ("accepted", DAY) if c in lesions})
    for column in (PATIENT, READER, DATE, CLINICAL_STATUS):
        if column in lesions:
            table[column] = as_text(texts(lesions, column).take(first_rows))
    table["subject"] = subject
    table["note"] = as_text(_assessment_notes(lesions, row_assessment, len(first_rows)))
    assessment_day = day[first_rows]
    baseline_row = _baseline_rows(assessment_day, subject_offsets)
    missing = np.flatnonzero(baseline_row < 0)
    if len(missing):
        first = subject_offsets[missing[0]]
        rows = lesions["source_row"].to_numpy()[row_assessment == first] if "source_row" in lesions else []
        raise InputError(
            source,
            rows,
            DAY,
            f"missing baseline for patient {table[PATIENT].iat[first]}"
            f"{_reader_text(table[READER].iat[first])}: no assessment on or before day 0 "
            f"(spec/anatomic.md 0.2); {len(missing)} subject(s) in all",
        )
    baseline_of_row = np.repeat(baseline_row, np.diff(subject_offsets))
    index = np.arange(len(table))
    table["is_baseline"] = index == baseline_of_row
    table["is_pre_baseline"] = index < baseline_of_row
    table["baseline_day"] = assessment_day[baseline_of_row]
    in_use = ~table["is_pre_baseline"].to_numpy()[row_assessment]
    for shared_array in (subject_offsets, row_assessment, in_use):
        shared_array.flags.writeable = False  # shared between criteria (see :func:`shared`)
    return Assessments(table, subject_offsets, row_assessment, in_use)


def _reader_text(reader: str) -> str:
    return f" (reader {reader})" if reader else ""


def _assessment_notes(lesions: pd.DataFrame, row_assessment: np.ndarray, n: int) -> np.ndarray:
    notes = np.full(n, "", dtype=object)
    if "note" not in lesions:
        return notes
    note = texts(lesions, "note")
    has_note = pc.not_equal(note, "").fill_null(False).to_numpy(zero_copy_only=False)
    if has_note.any():
        rows = np.flatnonzero(has_note)
        noted = pd.DataFrame({"a": row_assessment[rows], "note": note.take(rows).to_pylist()})
        noted = noted.assign(note=noted["note"].str.split("; ")).explode("note")  # a row's notes, each once:
        joined = noted.drop_duplicates().groupby("a", sort=True)["note"].agg("; ".join)  # io's date note too
        notes[joined.index.to_numpy()] = joined.to_numpy()
    return notes


@numba.njit(cache=True, nogil=True)
def _baseline_rows(day: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    baseline = np.full(len(offsets) - 1, -1, np.int64)
    for k in range(len(offsets) - 1):
        for i in range(offsets[k], offsets[k + 1]):
            if day[i] <= 0:
                baseline[k] = i
    return baseline


SubjectFlags = dict[str, np.ndarray]
"""Flags of whole subjects: each flag's name and the subjects it marks, in the order the checks ran."""


def flag_subjects(flags: SubjectFlags, subjects: np.ndarray, name: str) -> None:
    """Add the flag ``name`` to each of ``subjects`` (a subject may repeat), in place."""
    if len(subjects):
        flags[name] = np.union1d(flags.get(name, np.empty(0, np.int64)), subjects)


def add_baseline_flags(
    flags: SubjectFlags,
    lesions: pd.DataFrame,
    assessments: Assessments,
    source: str,
    *,
    max_baseline_gap_days: int,
    on_old_baseline: OnBaselineViolation,
) -> None:
    """Add to ``flags`` (per subject, in place) those of the baseline checks shared by the five criteria
    (spec 0.2, 1.2):

    - ``normal_node_recorded``: a node recorded at baseline with short axis < 10 mm (spec 1.2);
    - ``bone_target_check_soft_tissue_component``: a bone target (spec 1.2; RECIST 1.1 sec. 3.1.3);
    - ``baseline_older_than_28_days``: baseline more than ``max_baseline_gap_days`` before day 0 (spec
      0.2; RECIST 1.1 sec. 3.2.1), an InputError instead with ``on_old_baseline="error"``.
    """
    table = assessments.table
    baseline_rows = np.flatnonzero(table["is_baseline"].to_numpy()[assessments.row_assessment])
    subject = assessments.subject_of_rows()[baseline_rows]
    present = (statuses(lesions) == Status.PRESENT)[baseline_rows]
    short = lesions[SHORT_AXIS].to_numpy(float)[baseline_rows]
    node = lesions[LYMPH_NODE].to_numpy(bool)[baseline_rows]
    target = (roles(lesions) == Role.TARGET)[baseline_rows]
    bone = text_is(lesions, ORGAN, "bone")[baseline_rows]
    normal_node = node & present & (short < NORMAL_NODE_SHORT_AXIS_MM)
    flag_subjects(flags, subject[normal_node], "normal_node_recorded")
    flag_subjects(flags, subject[target & bone], "bone_target_check_soft_tissue_component")

    baseline_days = table.loc[table["is_baseline"], DAY].to_numpy()
    old = np.flatnonzero(baseline_days < -max_baseline_gap_days)
    if len(old) and on_old_baseline == "error":
        patient = table[PATIENT].iat[assessments.subject_offsets[old[0]]]
        rows = lesions["source_row"].to_numpy()[baseline_rows]
        raise InputError(
            source,
            rows[subject == old[0]][:1],
            DAY,
            f"patient {patient}: baseline on day {baseline_days[old[0]]} is more than "
            f"{max_baseline_gap_days} days before treatment (RECIST 1.1 sec. 3.2.1; spec 0.2)",
        )
    flag_subjects(flags, old, "baseline_older_than_28_days")


def too_small_measured(lesions: pd.DataFrame, assessments: Assessments) -> np.ndarray:
    """Assessments with a lesion entered as too small *and* measured: the status wins and the flag
    ``too_small_with_measurement`` says so (spec 0.4)."""
    node = lesions[LYMPH_NODE].to_numpy(bool)
    measured = ~np.isnan(
        np.where(node, lesions[SHORT_AXIS].to_numpy(float), lesions[LONG_AXIS].to_numpy(float))
    )
    return any_per_assessment((statuses(lesions) == Status.TOO_SMALL) & measured, assessments)


def join_flags(flags: np.ndarray, mask: np.ndarray, name: str) -> None:
    """Append ``name`` to the ';'-joined flags of the rows in ``mask`` (in place)."""
    flags[mask] = [f"{f};{name}" if f else name for f in flags[mask]]


def add_subject_flags(flags: np.ndarray, subject_flags: SubjectFlags, assessments: Assessments) -> None:
    """Append each subject's flags to the ';'-joined flags of all its assessments (in place)."""
    if not subject_flags:
        return
    per_subject = np.full(len(assessments.subject_offsets) - 1, "", dtype=object)
    for name, subjects in subject_flags.items():
        per_subject[subjects] = [f"{f};{name}" if f else name for f in per_subject[subjects]]
    per_row = per_subject[assessments.table["subject"].to_numpy()]
    rows = np.flatnonzero(per_row != "")
    flags[rows] = [f"{f};{s}" if f else s for f, s in zip(flags[rows], per_row[rows], strict=True)]


def organ_codes(lesions: pd.DataFrame) -> np.ndarray:
    """Organ of each row as an integer code, every lymph node in one organ "lymph node" (RECIST 1.1
    sec. 4.2; spec 0.1): the key of the per-organ lesion counts."""
    return shared(lesions, "organ", lambda: read_only(_organ_codes(lesions)))


def _organ_codes(lesions: pd.DataFrame) -> np.ndarray:
    codes, dictionary = _dictionary_codes(texts(lesions, ORGAN))
    names = dictionary.to_pylist()
    node_code = names.index(NODE_ORGAN) if NODE_ORGAN in names else len(names)
    return np.where(lesions[LYMPH_NODE].to_numpy(bool), node_code, codes)


def over_caps(
    selected: np.ndarray,
    subject: np.ndarray,
    organ: np.ndarray,
    per_organ: int,
    group: np.ndarray | None,
    caps: dict[str, int],
) -> np.ndarray:
    """Rows of ``selected`` in an organ of a subject holding more than ``per_organ`` of them, or in a
    group holding more than its cap (``caps[group]``: visceral / cutaneous for irRC; ``group=None``:
    one group "all", the total).

    The target counts of RECIST 1.1 sec. 4.2 and their immune variants (spec 2.3, 3.3); ``organ`` holds
    :func:`organ_codes`; every row of an over-full organ or group is marked.
    """
    rows = np.flatnonzero(selected)
    labels, code = ("all",), np.zeros(len(rows), np.int64)
    if group is not None:
        code, labels = pd.factorize(group[rows])
    cap = np.array([caps[label] for label in labels], np.int64)[code]
    in_organ = _members(subject[rows], organ[rows])
    in_group = _members(subject[rows], code)
    over = np.zeros(len(selected), bool)
    over[rows[(in_organ > per_organ) | (in_group > cap)]] = True
    return over


def _members(subject: np.ndarray, key: np.ndarray) -> np.ndarray:
    """For every row, how many rows share its subject and ``key``."""
    pair = subject.astype(np.int64) * (int(key.max(initial=0)) + 1) + key
    _, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    return counts[inverse]


RECIST_MEASURABILITY = (
    "target below the RECIST 1.1 measurability rule (non-nodal >= 10 mm, or twice the slice thickness; node "
    "short axis >= 15 mm; RECIST 1.1 sec. 3.1.1, 3.2.2)"
)
"""The baseline measurability rule of RECIST 1.1 and of the immune criteria that keep it (spec 0.6)."""


def unmeasured_baseline_targets(lesions: pd.DataFrame, assessments: Assessments) -> np.ndarray:
    """Target rows of a baseline assessment whose status is not ``present`` (absent, too small, not
    evaluable): a target is a measurable lesion seen and measured at baseline (RECIST 1.1 sec. 3.1, 4.2;
    spec 1.2 and A1, 0.3), so its size rule cannot hold; left unchecked, a not evaluable target would leave
    the baseline sum without it. A sum-only table's baseline sum (its pseudo-lesion, io.tables) likewise:
    not evaluable, empty, too small or 0 is no baseline to measure change against (0.4, 0.5)."""
    at_baseline = assessments.table["is_baseline"].to_numpy()[assessments.row_assessment]
    return at_baseline & (roles(lesions) == Role.TARGET) & (statuses(lesions) != Status.PRESENT)


def unmeasured_baseline_message(target: str = "target", source: str = "RECIST 1.1 sec. 3.1, 4.2; spec 1.2"
                                ) -> str:
    """The message of :func:`unmeasured_baseline_targets`, naming a target (an index lesion in irRC) and the
    rule's source."""
    return (f"{target} not present at baseline (absent, too small or not evaluable): a {target} is a "
            f"measurable lesion seen and measured at baseline ({source})")


def recist_target_counts(total: int, per_organ: int) -> str:
    """The baseline target counts of RECIST 1.1 sec. 4.2, kept by irRECIST, iRECIST and imRECIST."""
    return (
        f"more than {total} targets in total or {per_organ} per organ (lymph nodes are one organ; "
        "RECIST 1.1 sec. 4.2)"
    )


def size_column(nodes: np.ndarray) -> str:
    """The column an error about the size of lesions names: ``short_axis_mm`` when they are all nodes
    (spec 0.4: a node's value), else ``long_axis_mm``."""
    return SHORT_AXIS if len(nodes) and nodes.all() else LONG_AXIS


def report_baseline_violation(
    violated: np.ndarray,
    message: str,
    *,
    criterion: str,
    column: str,
    flag: str,
    subject: np.ndarray,
    rows: np.ndarray,
    assessments: Assessments,
    source: str,
    on_violation: str,
    flags: SubjectFlags,
    stacklevel: int,
) -> None:
    """A baseline rule (measurability, target counts; RECIST 1.1 A1 and its immune twins) broken by the
    rows ``violated``: with ``on_violation="error"`` an InputError on the first patient's rows, else one
    warning (``stacklevel`` counted from the caller) and ``flag`` on every subject concerned. Both name
    the first patient and count the others; the warning ends with the ``criterion`` key, so that the
    command line can merge the same warning of several criteria. ``subject`` and ``rows`` (source rows)
    are aligned with ``violated``.
    """
    if not violated.any():
        return
    first = subject[violated][0]
    patient_of_subject = assessments.table[PATIENT].to_numpy()[assessments.subject_offsets[:-1]]
    others = len(pd.unique(patient_of_subject[np.unique(subject[violated])])) - 1
    text = f"patient {patient_of_subject[first]}" + (f" and {others} more" if others else "") + f": {message}"
    if on_violation == "error":
        raise InputError(
            source,
            rows[violated & (subject == first)],
            column,
            f"{text} ({criterion}); fix the baseline, or warn and flag instead: --option "
            "on_baseline_violation=warn "
            "(Python: on_baseline_violation='warn')",
        )
    message = f"{source}: {text}; flagged {flag} ({criterion})"
    warnings.warn(message, IoresponseWarning, stacklevel=stacklevel + 1)
    flag_subjects(flags, subject[violated], flag)


def unidimensional_values(lesions: pd.DataFrame, too_small_mm: float = TOO_SMALL_DEFAULT_MM) -> np.ndarray:
    """Lesion value in mm (spec 0.4): short axis for nodes, long axis otherwise.

    ``too_small`` counts ``too_small_mm``, ``absent`` 0, ``not_evaluable`` NaN; a measured row of any
    other status (non-target, unequivocal progression) keeps its measurement or NaN.
    """
    return shared(
        lesions, f"values:{too_small_mm}", lambda: read_only(_unidimensional_values(lesions, too_small_mm))
    )


def _unidimensional_values(lesions: pd.DataFrame, too_small_mm: float = TOO_SMALL_DEFAULT_MM) -> np.ndarray:
    status = statuses(lesions)
    node = lesions[LYMPH_NODE].to_numpy(bool)
    values = np.where(node, lesions[SHORT_AXIS].to_numpy(float), lesions[LONG_AXIS].to_numpy(float))
    values[status == Status.TOO_SMALL] = too_small_mm
    values[status == Status.ABSENT] = 0.0
    values[status == Status.NOT_EVALUABLE] = np.nan
    return values


def bidimensional_products(lesions: pd.DataFrame, too_small_mm2: float) -> np.ndarray:
    """Lesion product in mm2 for irRC (spec 0.4): long axis x perpendicular (nodes: short axis)."""
    status = statuses(lesions)
    perpendicular = lesions[PERPENDICULAR].to_numpy(float)
    node_perpendicular = np.where(np.isnan(perpendicular), lesions[SHORT_AXIS].to_numpy(float), perpendicular)
    perpendicular = np.where(lesions[LYMPH_NODE].to_numpy(bool), node_perpendicular, perpendicular)
    products = lesions[LONG_AXIS].to_numpy(float) * perpendicular
    products = np.where(status == Status.TOO_SMALL, too_small_mm2, products)
    products = np.where(status == Status.ABSENT, 0.0, products)
    return np.where(status == Status.NOT_EVALUABLE, np.nan, products)


def normal_node(lesions: pd.DataFrame, assessments: Assessments) -> np.ndarray:
    """Rows of a normal lymph node (spec 0.4): absent, too small, or short axis below 10 mm, the short axes
    of a split node's fragments summed (spec 0.4, A11: 7 + 6 mm is a 13 mm node)."""
    return shared(lesions, "normal_node", lambda: read_only(_normal_node(lesions, assessments)))


def _normal_node(lesions: pd.DataFrame, assessments: Assessments) -> np.ndarray:
    status = statuses(lesions)
    gone = (status == Status.ABSENT) | (status == Status.TOO_SMALL)
    short = np.where(gone, 0.0, lesions[SHORT_AXIS].to_numpy(float))  # not evaluable: NaN, not normal
    return lesions[LYMPH_NODE].to_numpy(bool) & (
        fragment_sums(short, lesions, assessments) < NORMAL_NODE_SHORT_AXIS_MM
    )


def fragment_sums(values: np.ndarray, lesions: pd.DataFrame, assessments: Assessments) -> np.ndarray:
    """Per row, ``values`` summed over its lesion's rows at its assessment: a split lesion's value is the sum
    of its fragments' (RECIST 1.1 sec. 4.3.2; spec 0.4); NaN when a fragment has none."""
    split = _fragments(lesions, assessments)
    if split is None:
        return values
    starts, lesion_of_row = split
    return fragment_totals(values, starts)[lesion_of_row]


def fragment_totals(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``values`` added up from each of ``starts`` to the next (the fragments of a lesion, spec 0.4), rounded
    to the 6 decimals of spec 0.5 so that sizes typed in decimals add up as typed: 1.1 + 4.1 + 4.8 mm is a
    10 mm node, not a normal one of 9.999999999999998 mm (RECIST 1.1 sec. 4.3.2, spec 0.4 "< 10 mm")."""
    return np.round(np.add.reduceat(values, starts), 6)


def first_fragments(lesions: pd.DataFrame, assessments: Assessments) -> np.ndarray:
    """The first row of each lesion at each assessment: one row per lesion, however many fragments it has
    (spec 0.4), so that target counts (RECIST 1.1 sec. 4.2) count lesions, not rows."""
    split = _fragments(lesions, assessments)
    first = np.ones(len(lesions), bool)
    if split is not None:
        first[:] = False
        first[split[0]] = True
    return first


def _fragments(lesions: pd.DataFrame, assessments: Assessments) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`lesion_starts` of every row when some lesion is split, else None (one row per lesion, the usual
    table); computed once per table for the criteria that read it."""
    def compute() -> tuple[np.ndarray, np.ndarray] | None:
        starts, lesion_of_row = lesion_starts(lesions, assessments, np.arange(len(lesions)))
        return None if len(starts) == len(lesions) else (read_only(starts), read_only(lesion_of_row))

    return shared(lesions, "fragments", compute)


def seen_again(lesions: pd.DataFrame, assessments: Assessments, values: np.ndarray) -> np.ndarray:
    """Rows whose lesion shows disease, as a target after an overall CR (RECIST 1.1 Q&A; spec 1.8.1): a
    non-nodal value > 0 (too small counts its default), a nodal short axis >= 10 mm (a split node's
    fragments summed, spec 0.4). A row without a value (not evaluable) is not seen again: the target is NE
    (spec 1.4 step 1)."""
    lesion_values = fragment_sums(values, lesions, assessments)
    return np.where(lesions[LYMPH_NODE].to_numpy(bool), lesion_values >= NORMAL_NODE_SHORT_AXIS_MM,
                    lesion_values > 0)


def min_nonnodal_mm(lesions: pd.DataFrame) -> np.ndarray:
    """Smallest measurable non-nodal long axis per row (spec 0.6; RECIST 1.1 sec. 3.1.1, 3.2.2)."""
    minimum = np.full(len(lesions), MIN_NONNODAL_MM)
    if "slice_thickness_mm" in lesions:
        slice_mm = lesions["slice_thickness_mm"].to_numpy(float)
        thick = slice_mm > THIN_SLICE_MM
        minimum[thick] = 2 * slice_mm[thick]
    if "modality" in lesions:
        minimum[text_is(lesions, "modality", "xray")] = MIN_NONNODAL_XRAY_MM
        minimum[text_is(lesions, "modality", "clinical")] = MIN_NONNODAL_MM
    return minimum


def measurable(lesions: pd.DataFrame) -> np.ndarray:
    """Measurable per the RECIST family rule (spec 0.6), each row on its own measurement."""
    return shared(
        lesions, "measurable", lambda: read_only(_measurable(lesions, unidimensional_values(lesions)))
    )


def measurable_lesion(lesions: pd.DataFrame, assessments: Assessments) -> np.ndarray:
    """Measurable per the RECIST family rule (spec 0.6) on the lesion value of :func:`lesion_values`: the
    rows of a split new lesion are measurable together, on the sum of their fragments (spec 0.4; 3.4,
    4.4, 5.4). A lesion with a fragment not measured is not."""
    return shared(
        lesions,
        "measurable_lesion",
        lambda: read_only(_measurable(lesions, lesion_values(lesions, assessments))),
    )


def _measurable(lesions: pd.DataFrame, values: np.ndarray) -> np.ndarray:
    """Rows ``present`` or ``unequivocal_progression`` whose ``values`` (the row's measurement of
    :func:`unidimensional_values`, or its lesion value) reach the size rule of spec 0.6."""
    present = statuses(lesions).isin([Status.PRESENT, Status.UNEQUIVOCAL_PROGRESSION])
    return present & np.where(
        lesions[LYMPH_NODE].to_numpy(bool),
        values >= MEASURABLE_NODE_SHORT_AXIS_MM,
        values >= min_nonnodal_mm(lesions),
    )


def lesion_values(lesions: pd.DataFrame, assessments: Assessments) -> np.ndarray:
    """Per row, the unidimensional value of its lesion at its assessment (spec 0.4): the row's value, or
    for a split lesion the sum of its fragments' values; NaN when a fragment has none."""
    return shared(
        lesions,
        "lesion_values",
        lambda: read_only(fragment_sums(unidimensional_values(lesions), lesions, assessments)),
    )


def small_new_nodes(
    lesions: pd.DataFrame,
    assessments: Assessments,
    new_rows: np.ndarray,
    shows: np.ndarray,
    min_short_axis_mm: float = NORMAL_NODE_SHORT_AXIS_MM,
) -> np.ndarray:
    """Rows of ``new_rows`` that are a node showing disease (``shows``) with a lesion value, fragments
    summed (spec 0.4), under ``min_short_axis_mm``: no new lesion, flag ``new_node_below_10mm`` (spec 1.5,
    3.4, 4.4, 5.4); ``too_small`` counts 5 mm (0.3). A node without its short axis (size unknown) is not."""
    node = lesions[LYMPH_NODE].to_numpy(bool)
    return new_rows & shows & node & (lesion_values(lesions, assessments) < min_short_axis_mm)


@dataclass(frozen=True)
class Sums:
    """A sum over a set of lesions at every assessment (spec 0.5)."""

    total: np.ndarray
    """Sum of the known values (NaN-free)."""
    complete: np.ndarray
    """No value of the set is missing, and every lesion of the set expected here has a row."""
    count: np.ndarray
    """Number of distinct lesions of the set with a row at the assessment."""


def sum_per_assessment(
    values: np.ndarray,
    selected: np.ndarray,
    lesion_ids: np.ndarray,
    assessments: Assessments,
    expected: np.ndarray | None = None,
) -> Sums:
    """Sum ``values`` over the ``selected`` rows of each assessment.

    Split-lesion fragments (rows sharing a ``lesion_id`` in one assessment) add up (spec 0.4). A missing
    value makes the sum incomplete; so does a lesion expected at the assessment (``expected[a]`` distinct
    lesions) that has no row (spec 0.2: treated as not evaluable). Sums are not rounded (patterns.md 0.4
    computes on them unrounded); comparisons of two sums round their difference (spec 0.5, :func:`rounded`).
    """
    total, missing = _sums(values, selected, assessments.row_assessment, assessments.n)
    count = lesions_per_assessment(selected, lesion_ids, assessments)
    complete = ~missing
    if expected is not None:
        complete &= count >= expected
    return Sums(total, complete, count)


def lesions_per_assessment(
    selected: np.ndarray, lesion_ids: np.ndarray, assessments: Assessments
) -> np.ndarray:
    """Distinct lesions among the ``selected`` rows of each assessment (fragments of a split lesion,
    sharing its ``lesion_id``, count once; spec 0.4)."""
    return _lesion_counts(selected, lesion_ids, assessments.row_assessment, assessments.n)


# The row loops below read each lesion column once and write only per-assessment results: a cohort's
# rows are never copied into masked temporaries. Rows are sorted by assessment, then lesion_id.


@numba.njit(cache=True, nogil=True)
def _sums(
    values: np.ndarray, selected: np.ndarray, row_assessment: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Compensated (Neumaier) sums: a sum of a few measurements is the correctly rounded sum of the values
    as given, whatever the order of their lesion ids (10.1 + 20.2 + 30.3 mm is 60.6 in any order, where
    adding in turn gives 60.599999999999994 in one order), so renaming lesions changes no value."""
    total = np.zeros(n)
    compensation = np.zeros(n)
    missing = np.zeros(n, np.bool_)
    for i in range(len(values)):
        if selected[i]:
            a, value = row_assessment[i], values[i]
            if np.isnan(value):
                missing[a] = True
                continue
            added = total[a] + value
            if abs(total[a]) >= abs(value):
                compensation[a] += (total[a] - added) + value
            else:
                compensation[a] += (value - added) + total[a]
            total[a] = added
    return total + compensation, missing


@numba.njit(cache=True, nogil=True)
def _lesion_counts(
    selected: np.ndarray, lesion_ids: np.ndarray, row_assessment: np.ndarray, n: int
) -> np.ndarray:
    count = np.zeros(n, np.int64)
    previous_row, previous_id = -1, -1
    for i in range(len(selected)):
        if selected[i]:
            if row_assessment[i] != previous_row or lesion_ids[i] != previous_id:
                count[row_assessment[i]] += 1
            previous_row, previous_id = row_assessment[i], lesion_ids[i]
    return count


@numba.njit(cache=True, nogil=True)
def _any(flag: np.ndarray, row_assessment: np.ndarray, n: int) -> np.ndarray:
    found = np.zeros(n, np.bool_)
    for i in range(len(flag)):
        if flag[i]:
            found[row_assessment[i]] = True
    return found


def split_nodes(nodal_target: np.ndarray, ids: np.ndarray, assessments: Assessments) -> np.ndarray:
    """Assessments where a nodal target has several fragment rows, summed as for other lesions (spec 1.11
    A11, flag ``split_node``)."""
    rows = np.flatnonzero(nodal_target)
    where = assessments.row_assessment[rows]
    repeated = (where[1:] == where[:-1]) & (ids[rows][1:] == ids[rows][:-1])
    return np.bincount(where[1:][repeated], minlength=assessments.n) > 0


def some_measured(values: np.ndarray, selected: np.ndarray, assessments: Assessments) -> np.ndarray:
    """Per assessment, whether some lesion of ``selected`` has a value: the ``target_sum`` column shows the
    known part of an incomplete sum, and nothing when no lesion was measured (a sum of nothing is not 0 mm;
    spec 0.9, the same column under every criterion)."""
    return any_per_assessment(selected & ~np.isnan(values), assessments)


def baseline_of(assessments: Assessments) -> np.ndarray:
    """For every assessment, the row of its subject's baseline (spec 0.2)."""
    table = assessments.table
    return np.flatnonzero(table["is_baseline"].to_numpy())[table["subject"].to_numpy()]


def baseline_count(count: np.ndarray, assessments: Assessments) -> np.ndarray:
    """For every assessment, ``count`` at its subject's baseline (lesions expected at follow-up)."""
    return count[baseline_of(assessments)]


def running_total(per_assessment: np.ndarray, assessments: Assessments) -> np.ndarray:
    """For every assessment, the sum of ``per_assessment`` over its subject's assessments up to it."""
    total = np.cumsum(per_assessment)
    offsets = assessments.subject_offsets
    before_subject = np.concatenate(([0], total))[offsets[:-1]]
    return total - np.repeat(before_subject, np.diff(offsets))


def lesion_starts(
    lesions: pd.DataFrame, assessments: Assessments, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``rows`` where a lesion's rows at an assessment begin (the fragments of a split lesion
    are adjacent: rows are sorted by assessment, then lesion_id; spec 0.4), and for each row the number
    of its lesion-assessment."""
    assessment, lesion = assessments.row_assessment[rows], lesion_codes(lesions)[rows]
    begins = np.ones(len(rows), bool)
    begins[1:] = (assessment[1:] != assessment[:-1]) | (lesion[1:] != lesion[:-1])
    return np.flatnonzero(begins), np.cumsum(begins) - 1


def new_lesion_not_evaluated(
    lesions: pd.DataFrame, assessments: Assessments, new_rows: np.ndarray, small_node: np.ndarray
) -> np.ndarray:
    """Per assessment, whether a new lesion is not evaluated: status not_evaluable, or recorded earlier and
    without a row (spec 0.2, 0.3). It is not absent, so it prevents a complete response (1.6.1, 2.6, 3.6,
    5.6); ``small_node`` as :func:`unreported_new_lesion`."""
    not_evaluable = new_rows & (statuses(lesions) == Status.NOT_EVALUABLE)
    return any_per_assessment(not_evaluable, assessments) | unreported_new_lesion(
        lesions, assessments, new_rows, small_node)


def unreported_new_lesion(
    lesions: pd.DataFrame, assessments: Assessments, new_rows: np.ndarray, small_node: np.ndarray
) -> np.ndarray:
    """Per assessment, whether a new lesion recorded at an earlier assessment has no row: it is not
    evaluable there (spec 0.2, "a missing row is treated as not_evaluable"). ``small_node`` rows are no
    lesion (iRECIST: a new node under 10 mm, spec 1.5, 4.4) until the node is one; once it is, any row of
    it reports it, a node back under 10 mm included (measured, so not missing)."""
    rows = np.flatnonzero(new_rows)
    starts, _ = lesion_starts(lesions, assessments, rows)  # one per lesion and assessment
    assessment = assessments.row_assessment[rows][starts]
    subject, lesion = assessments.subject_of_rows()[rows][starts], lesion_codes(lesions)[rows][starts]
    frame = pd.DataFrame({"subject": subject, "lesion": lesion, "a": assessment})
    as_lesion = frame[~small_node[rows][starts]]
    first = as_lesion.groupby(["subject", "lesion"], sort=False)["a"].min()
    known = running_total(np.bincount(first.to_numpy(), minlength=assessments.n), assessments)
    since = first.reindex(pd.MultiIndex.from_frame(frame[["subject", "lesion"]])).to_numpy(float)
    reported = assessment[assessment >= since]  # a NaN start (never a lesion) reports nothing
    return known > np.bincount(reported, minlength=assessments.n)


def not_evaluable_text(
    lesions: pd.DataFrame,
    assessments: Assessments,
    lesion_rows: np.ndarray,
    values: np.ndarray,
    wanted: np.ndarray,
) -> ExtensionArray:
    """Per assessment in ``wanted``, the baseline lesions of ``lesion_rows`` (e.g. the targets) that are
    not evaluable there, a row without a value or no row at all, in words: "lesion T3 not evaluable"
    (spec 0.2: the reason names the missing ``lesion_id``; 0.10), or "a lesion not evaluable" when the
    one missing is not among them (a new lesion counted in a burden); "" for the other assessments."""
    chosen = np.flatnonzero(wanted)
    if not len(chosen):
        return labelled(("",), np.zeros(assessments.n, np.int64))
    subject = assessments.table["subject"].to_numpy()
    at_baseline = assessments.table["is_baseline"].to_numpy()[assessments.row_assessment]
    baseline_rows = np.flatnonzero(lesion_rows & at_baseline)  # sorted by subject, as the table
    per_subject = np.bincount(subject[assessments.row_assessment[baseline_rows]], minlength=subject.max() + 1)
    starts = np.cumsum(per_subject) - per_subject
    # Every (wanted assessment, baseline lesion of its subject) pair, keyed by assessment and lesion code.
    counts = per_subject[subject[chosen]]
    assessment = np.repeat(chosen, counts)
    offsets = np.repeat(starts[subject[chosen]] - np.cumsum(counts) + counts, counts)
    expected = baseline_rows[offsets + np.arange(counts.sum())]
    codes = lesion_codes(lesions)
    width = codes.max() + 1
    rows = np.flatnonzero(lesion_rows & wanted[assessments.row_assessment])
    key = assessments.row_assessment[rows] * width + codes[rows]
    valued, unvalued = key[~np.isnan(values[rows])], key[np.isnan(values[rows])]
    pair = assessment * width + codes[expected]
    missing = ~np.isin(pair, valued) | np.isin(pair, unvalued)
    named = named_lesions(lesions, assessments.n, assessment[missing], expected[missing], "not evaluable")
    unnamed = pc.and_(pa.array(wanted), pc.equal(named, ""))
    return as_text(pc.if_else(unnamed, "a lesion not evaluable", named).cast(pa.large_string()))


def incomplete_burden_text(
    lesions: pd.DataFrame,
    assessments: Assessments,
    target: np.ndarray,
    values: np.ndarray,
    incomplete: np.ndarray,
    unmeasured_new: np.ndarray,
) -> ExtensionArray:
    """Why a burden is incomplete, per assessment (spec 0.10): its targets not evaluable and its new
    lesions present without a size (0.4), "lesion T2 not evaluable, lesion NEW01 present without a size"."""
    missing = pa.array(not_evaluable_text(lesions, assessments, target, values, incomplete))
    missing = missing.cast(pa.large_string())
    rows = np.flatnonzero(unmeasured_new)
    unsized = named_lesions(
        lesions, assessments.n, assessments.row_assessment[rows], rows, "present without a size"
    ).cast(pa.large_string())
    alone = pc.or_(pc.equal(missing, ""), pc.equal(missing, "a lesion not evaluable"))
    joined = pc.binary_join_element_wise(missing, unsized, pa.scalar(", ", pa.large_string()))
    both = pc.if_else(alone, unsized, joined)
    return as_text(pc.if_else(pc.equal(unsized, ""), missing, both))


def missing_non_targets(lesions: pd.DataFrame, assessments: Assessments, code: np.ndarray) -> ExtensionArray:
    """Per assessment whose non-target (non-index) component ``code`` is NE, the baseline non-target
    lesions not evaluable there, a ``not_evaluable`` row or no row at all, in words: "non-target lesion
    NT1 not evaluable" (spec 0.2: the reason names the missing ``lesion_id``); "" for the others."""
    non_target = assessments.in_use & (roles(lesions) == Role.NON_TARGET)
    values = np.where(statuses(lesions) == Status.NOT_EVALUABLE, np.nan, 0.0)  # 0: evaluated
    named = pa.array(not_evaluable_text(lesions, assessments, non_target, values, code == NE))
    return as_text(pc.replace_substring_regex(named, "^(.)", r"non-target \1"))  # "" stays ""


def named_lesions(
    lesions: pd.DataFrame, n: int, assessment: np.ndarray, rows: np.ndarray, predicate: str
) -> pa.Array:
    """For each of ``n`` assessments, its lesions among ``rows`` (each at ``assessment``) in words:
    "lesion T1 seen again", "lesions T1, N2 seen again" for ``predicate`` "seen again" (a split lesion
    once); "" where none. A sum-only table's pseudo-lesion is the sum itself (io.tables): "the target sum
    not evaluable"."""
    words = _listed(n, assessment, lesion_ids(lesions, rows), "lesion ", "lesions ", f" {predicate}")
    return pc.if_else(
        pc.equal(words, f"lesion {TARGET_SUM_LESION} {predicate}"), f"the target sum {predicate}", words
    )


def pre_baseline_text(assessments: Assessments) -> pa.Array:
    """Per subject, its assessments before the baseline in words, "assessment of day -60" or
    "assessments of days -90, -60" (spec 0.2: ignored, with the reason "ignored: pre-baseline"); ""
    when none."""
    table = assessments.table
    before = table["is_pre_baseline"].to_numpy()
    days = pa.array(table[DAY].to_numpy()[before]).cast(pa.string())
    subject = table["subject"].to_numpy()[before]
    return _listed(
        len(assessments.subject_offsets) - 1, subject, days, "assessment of day ", "assessments of days ", ""
    )


def _listed(
    n: int, at: np.ndarray, items: pa.Array | pa.ChunkedArray, one: str, several: str, suffix: str
) -> pa.Array:
    """For each of ``n`` keys, its distinct ``items`` (each at key ``at``) in one phrase: ``one`` + item
    + ``suffix``, or ``several`` + "a, b" + ``suffix``; "" for a key without items."""
    grouped = pa.table({"at": at, "item": items}).group_by("at", use_threads=False)
    found = grouped.aggregate([("item", "distinct")])
    distinct = found["item_distinct"].cast(pa.list_(pa.string()))
    lead = pc.if_else(pc.greater(pc.list_value_length(distinct), 1), several, one)
    phrases = pc.binary_join_element_wise(lead, pc.binary_join(distinct, ", "), suffix, "")
    number = np.zeros(n, np.int64)  # 0: no item; k: the k-th phrase
    number[found["at"].to_numpy()] = np.arange(1, 1 + len(phrases))
    return pa.chunked_array([pa.array([""]), *phrases.chunks], pa.string()).take(number).combine_chunks()


def any_per_assessment(flag: np.ndarray, assessments: Assessments) -> np.ndarray:
    """True where any lesion row of the assessment has ``flag``."""
    return _any(flag, assessments.row_assessment, assessments.n)


def non_target_codes(
    lesions: pd.DataFrame, assessments: Assessments, gone: np.ndarray, progression_defines_pd: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Non-target (non-index) component per assessment (spec 1.5, 2.5, 3.5, 5.5).

    Returns the code (NONE, PD for unequivocal progression, NE, NON-CR/NON-PD, CR) and, separately,
    whether any non-target lesion unequivocally progressed. Where that progression does not define PD
    (imRECIST 5.5, irRC 2.5, irRECIST's option), a non-target not evaluated outranks it: the component
    is NE (spec 5.6 "NE when a non-target lesion is not evaluated"), not a PD the criterion ignores.
    """
    status = statuses(lesions)
    non_target = assessments.in_use & (roles(lesions) == Role.NON_TARGET)
    count = lesions_per_assessment(non_target, lesion_codes(lesions), assessments)
    expected = baseline_count(count, assessments)
    progressed = any_per_assessment(non_target & (status == Status.UNEQUIVOCAL_PROGRESSION), assessments)
    not_evaluated = any_per_assessment(non_target & (status == Status.NOT_EVALUABLE), assessments)
    not_evaluated |= count < expected
    present = any_per_assessment(non_target & ~gone, assessments)
    ranked = [(progressed, PD), (not_evaluated, NE)]
    if not progression_defines_pd:
        ranked.reverse()
    (first, first_code), (second, second_code) = ranked
    code = np.select(
        [expected == 0, first, second, present], [NONE, first_code, second_code, NON_CR_NON_PD], default=CR
    )
    return code.astype(np.int8), progressed


@numba.njit(cache=True, nogil=True)
def rounded(x: float) -> float:
    """Round a change to 6 decimals before a threshold test (spec 0.5)."""
    return np.round(x, 6)


@numba.njit(cache=True, nogil=True)
def increase_at_least(current: float, reference: float, fraction: float) -> bool:
    """Relative increase >= fraction; with R = 0 every S > 0 qualifies (spec 0.5)."""
    if reference == 0.0:
        return current > 0.0
    return rounded((current - reference) / reference) >= fraction


@numba.njit(cache=True, nogil=True)
def decrease_at_least(current: float, reference: float, fraction: float) -> bool:
    """Relative decrease of at least ``fraction`` (spec 0.5); never true against R = 0."""
    if reference == 0.0:
        return False
    return rounded((current - reference) / reference) <= -fraction


@numba.njit(cache=True, nogil=True)
def confirm_responses(
    response: np.ndarray,
    day: np.ndarray,
    in_scope: np.ndarray,
    offsets: np.ndarray,
    min_days: int,
    max_ne_between: int,
    accept_sd_between: bool,
) -> np.ndarray:
    """Confirmation of CR and PR (spec 0.7); returns, per row, the row that confirms it or -1.

    ``response`` holds codes after the CR-followed-by-PR downgrade; only rows ``in_scope`` (up to the
    first progression) take part, so no progression date can lie between the pair.
    """
    confirmed_by = np.full(len(response), -1, np.int64)
    for k in range(len(offsets) - 1):
        for i in range(offsets[k], offsets[k + 1]):
            if not in_scope[i] or (response[i] != CR and response[i] != PR):
                continue
            n_ne = 0
            for j in range(i + 1, offsets[k + 1]):
                if not in_scope[j]:
                    break
                r = response[j]
                if day[j] - day[i] >= min_days and (r == CR or (response[i] == PR and r == PR)):
                    confirmed_by[i] = j
                    break
                if r == NE:
                    n_ne += 1
                    if n_ne > max_ne_between:
                        break
                    continue
                between_ok = r == CR or (response[i] == PR and (r == PR or (accept_sd_between and r == SD)))
                if not between_ok:
                    break
    return confirmed_by


@numba.njit(cache=True, nogil=True)
def downgrade_cr_followed_by_pr(response: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """A CR whose next evaluable assessment is PR is read as PR for confirmation (spec 0.7)."""
    out = response.copy()
    for k in range(len(offsets) - 1):
        for i in range(offsets[k], offsets[k + 1]):
            if response[i] != CR:
                continue
            for j in range(i + 1, offsets[k + 1]):
                if response[j] == NE:
                    continue
                if response[j] == PR:
                    out[i] = PR
                break
    return out


STATE_NOT_REQUIRED, STATE_PENDING, STATE_CONFIRMED, STATE_NOT_CONFIRMED, STATE_CONFIRMS = range(5)
CONFIRMATION_STATES = ("not_required", "pending", "confirmed", "not_confirmed", "confirms")
"""Labels of the state codes, in code order (spec 0.9 ``confirmation_state``)."""


@numba.njit(cache=True, nogil=True)
def confirm_progression(
    meets_pd: np.ndarray, evaluable: np.ndarray, day: np.ndarray, offsets: np.ndarray, min_days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Confirmation of progression (spec 0.8), for irRC, irRECIST and imRECIST.

    ``meets_pd[j]`` is the criterion's PD rule at row j against N(j). The first PD at i is decided by
    the first later evaluable row j with ``day_j - day_i >= min_days``: PD there confirms it
    (progression dated day_i); otherwise i and the PD rows before j are not confirmed and the search
    restarts after j. Returns the state code of every row and, per subject, the row of the
    confirmed progression (-1 when none).
    """
    state = np.zeros(len(meets_pd), np.int8)
    progression_row = np.full(len(offsets) - 1, -1, np.int64)
    for k in range(len(offsets) - 1):
        i = offsets[k]
        end = offsets[k + 1]
        while i < end:
            if not meets_pd[i]:
                i += 1
                continue
            j = i + 1
            while j < end and (not evaluable[j] or day[j] - day[i] < min_days):
                j += 1
            if j == end:
                for m in range(i, end):
                    if meets_pd[m]:
                        state[m] = STATE_PENDING
                break
            if meets_pd[j]:
                state[i] = STATE_CONFIRMED
                state[j] = STATE_CONFIRMS
                progression_row[k] = i
                break
            for m in range(i, j):
                if meets_pd[m]:
                    state[m] = STATE_NOT_CONFIRMED
            i = j + 1
    return state, progression_row


@numba.njit(cache=True, nogil=True)
def best_response_rank(code: int, day: int, min_sd_days: int) -> int:
    """Priority for best response: CR, PR, SD, NON-CR/NON-PD (after min_sd_days), iCPD, PD/iUPD."""
    if code == CR:
        return 0
    if code == PR:
        return 1
    if code == SD:
        return 2 if day >= min_sd_days else 99
    if code == NON_CR_NON_PD:
        return 3 if day >= min_sd_days else 99
    if code == ICPD:
        return 4
    if code == PD:
        return 5
    return 99


@numba.njit(cache=True, nogil=True)
def best_responses(
    overall: np.ndarray,
    for_confirmation: np.ndarray,
    confirmed_by: np.ndarray,
    day: np.ndarray,
    ranked: np.ndarray,
    offsets: np.ndarray,
    min_sd_days: int,
) -> np.ndarray:
    """Best overall response without and with confirmation of CR/PR (spec 0.9, 1.7, 2.7, 3.7, 4.7, 5.7).

    ``ranked`` marks the assessments the derivation reads (criterion scope, not-confirmed progression
    removed). Returns per subject: best code and row, confirmed best code and row, first CR/PR row and
    first confirmed CR/PR row.
    """
    n_subjects = len(offsets) - 1
    out = np.full((n_subjects, 6), -1, np.int64)
    for k in range(n_subjects):
        rank_best, best, best_row = 99, NE, -1
        rank_c, best_c, best_c_row = 99, NE, -1
        first_response, first_confirmed = -1, -1
        for i in range(offsets[k], offsets[k + 1]):
            if not ranked[i]:
                continue
            o = overall[i]
            rank = best_response_rank(o, day[i], min_sd_days)
            if rank < rank_best:
                rank_best, best, best_row = rank, o, i
            if (o == CR or o == PR) and first_response < 0:
                first_response = i
            c = for_confirmation[i]
            if (c == CR or c == PR) and confirmed_by[i] >= 0:
                rank_confirmed = 0 if c == CR else 1
                code = c
                if first_confirmed < 0:
                    first_confirmed = i
            elif c == CR or c == PR or c == SD:
                rank_confirmed = 2 if day[i] >= min_sd_days else 99
                code = SD
            else:
                rank_confirmed = best_response_rank(c, day[i], min_sd_days)
                code = c
            if rank_confirmed < rank_c:
                rank_c, best_c, best_c_row = rank_confirmed, code, i
        if rank_best == 99:
            best, best_row = NE, -1
        if rank_c == 99:
            best_c, best_c_row = NE, -1
        out[k, 0], out[k, 1], out[k, 2], out[k, 3] = best, best_row, best_c, best_c_row
        out[k, 4], out[k, 5] = first_response, first_confirmed
    return out


def confirmed_responses(
    overall: np.ndarray,
    in_scope: np.ndarray,
    assessments: Assessments,
    confirm_min_days: int,
    max_ne_between: int,
    accept_sd_between: bool = False,
    skipped: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Confirmation of CR/PR (spec 0.7) over ``in_scope`` rows (up to the first progression, so no
    progression date can lie between a pair): downgraded codes and the confirming row.

    ``skipped`` rows take no part at all, as if absent: a not-confirmed PD, which "is ignored by the
    best-response derivation" (spec 0.8), or an iUPD with ``accept_iupd_between`` (iRECIST D10).
    """
    day = assessments.table[DAY].to_numpy(np.int64)
    used = in_scope if skipped is None else in_scope & ~skipped
    rows, offsets = subject_offsets_of(used, assessments)
    downgraded = downgrade_cr_followed_by_pr(overall[rows].astype(np.int8), offsets)
    confirmed = confirm_responses(
        downgraded, day[rows], np.ones(len(rows), np.bool_), offsets, confirm_min_days, max_ne_between,
        accept_sd_between,
    )
    for_confirmation = np.where(in_scope, overall, NE).astype(np.int8)
    for_confirmation[rows] = downgraded
    confirmed_by = np.full(len(overall), -1, np.int64)
    confirmed_by[rows] = np.where(confirmed >= 0, rows[np.maximum(confirmed, 0)], -1)
    return for_confirmation, confirmed_by


def first_day_per_subject(mask: np.ndarray, day: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Day of the first row of each subject where ``mask`` holds (NaN when none)."""
    subject = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    out = np.full(len(offsets) - 1, np.nan)
    rows = np.flatnonzero(mask)[::-1]
    out[subject[rows]] = day[rows]
    return out


def last_day_per_subject(mask: np.ndarray, day: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Day of the last row of each subject where ``mask`` holds (NaN when none)."""
    subject = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    out = np.full(len(offsets) - 1, np.nan)
    rows = np.flatnonzero(mask)
    out[subject[rows]] = day[rows]
    return out


def subject_offsets_of(mask: np.ndarray, assessments: Assessments) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``assessments.table`` where ``mask`` holds, and offsets of their subjects."""
    rows = np.flatnonzero(mask)
    subject = assessments.table["subject"].to_numpy()[rows]
    counts = np.bincount(subject, minlength=len(assessments.subject_offsets) - 1)
    return rows, np.concatenate(([0], np.cumsum(counts)))


def relative_changes(current: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(S - R) / R for whole columns, as shown in the tables and reasons; NaN where R = 0 or a value is
    missing. Exact: a percentage shown with two decimals is rounded from the exact value (spec 1.10), not
    from the 6-decimal value that threshold tests compare (spec 0.5)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(reference == 0, np.nan, (current - reference) / reference)


def sum_columns(
    current: np.ndarray, baseline_sum: np.ndarray, nadir: np.ndarray, rows: np.ndarray
) -> dict[str, np.ndarray]:
    """The sum columns of the timepoint table (spec 0.9) at the follow-up ``rows``: baseline, nadir and
    current sums, % changes (two decimals) and the change over the nadir."""
    current, baseline_sum, nadir = current[rows], baseline_sum[rows], nadir[rows]
    return {
        "baseline_sum": baseline_sum,
        "nadir_sum": nadir,
        "current_sum": current,
        "pct_change_baseline": _percent(relative_changes(current, baseline_sum)),
        "pct_change_nadir": _percent(relative_changes(current, nadir)),
        "abs_change_nadir": np.round(current - nadir, 6),
    }


def _percent(rel: np.ndarray) -> np.ndarray:
    """A relative change in % with two decimals (spec 0.5), rounded from the fraction in hundredths of a
    percent as the reasons print it (``_sentences._number``): -0.31875 is -31.88 in both, not -31.87."""
    return np.rint(rel * 10000) / 100


def absent_components_text(missing_components: frozenset[str], assessment: str) -> str:
    """The sentence every reason carries when the input lacks a component (issue 3: never pretend).

    E.g. "input has no new lesion or non-target lesion information: target-only assessment".
    """
    missing = sorted(missing_components)
    if not missing:
        return ""
    kinds = " or ".join(m.replace("_", "-") + " lesion" for m in missing)
    return f"input has no {kinds} information: {assessment}"


def mark_components_not_given(timepoints: pd.DataFrame, missing_components: frozenset[str]) -> pd.DataFrame:
    """Component columns read ``not_given`` where the input did not carry the component at all.

    A component the input lacks is never reported as "none" or "no" (spec 0.9 columns; issue 3).
    """
    if "non_target" in missing_components:
        column = timepoints["non_target_response"]
        timepoints["non_target_response"] = column.where(~column.isin(["none", ""]), "not_given")
    if "new" in missing_components:
        column = timepoints["new_lesion_response"]
        timepoints["new_lesion_response"] = column.where(~column.isin(["no", ""]), "not_given")
    return timepoints


def timepoint_frame(columns: dict[str, object], n: int) -> pd.DataFrame:
    """The timepoint table in schema order; columns not given are empty."""
    return _frame(columns, TIMEPOINT_COLUMNS, n)


def best_response_frame(
    columns: dict[str, object], baseline_sum: np.ndarray, offsets: np.ndarray, measurable: np.ndarray
) -> pd.DataFrame:
    """The best-response table: :data:`BEST_RESPONSE_TABLE_COLUMNS` in order, then
    :data:`MEASURABLE_DISEASE` and the criterion's own columns; columns not given are empty.

    ``baseline_sum`` is the kernel's per-assessment baseline sum, written from the baseline assessment on
    (spec 0.9); each subject's row takes its last assessment's value, so a subject without follow-up has
    its baseline's. With ``measurable``, the subjects with a target present and measurable at baseline
    (the criterion's baseline checks), it says whether the subject enters the ``measurable_at_baseline``
    denominator (spec/patterns.md 7, spec 1.2).
    """
    last = baseline_sum[offsets[1:] - 1]
    measurable_disease = np.zeros(len(last), bool)
    measurable_disease[measurable] = True
    columns = {**columns, BASELINE_SUM: last, MEASURABLE_DISEASE: measurable_disease & (last > 0)}
    return _frame(columns, BEST_RESPONSE_TABLE_COLUMNS, len(offsets) - 1)


def best_response_days(
    best_day: np.ndarray, confirmed_day: np.ndarray, confirm_response: bool
) -> dict[str, np.ndarray]:
    """The day columns of the best-response table: ``bor_day``, the day of the best response that drives
    the dates (the confirmed one with ``confirm_response``, spec 0.9), then the day of each of the two
    (:data:`~ioresponse.criteria.BEST_RESPONSE_DAYS`)."""
    return {
        "bor_day": confirmed_day if confirm_response else best_day,
        **dict(zip(BEST_RESPONSE_DAYS, (best_day, confirmed_day), strict=True)),
    }


def labelled(labels: tuple[str, ...], codes: np.ndarray) -> ExtensionArray:
    """The label of every code, e.g. ``labelled(LABELS, overall)`` -> "CR", "PD", ..."""
    return as_text(pa.array(labels, pa.large_string()).take(codes))


def repeated(text: str, n: int) -> ExtensionArray:
    """``text`` in every one of ``n`` rows (the ``criterion`` column, a unit)."""
    return as_text(_repeated(text, n))


@functools.lru_cache(maxsize=8)  # Arrow buffers are immutable: the criteria's tables share them
def _repeated(text: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(text, pa.large_string()), n)


def _frame(columns: dict[str, object], schema: tuple[str, ...], n: int) -> pd.DataFrame:
    empty = repeated("", n)
    ordered = {name: columns.get(name, empty) for name in schema}
    ordered.update({k: v for k, v in columns.items() if k not in ordered})
    return pd.DataFrame(ordered, copy=False)  # the columns are fresh arrays: no copy, no consolidation
