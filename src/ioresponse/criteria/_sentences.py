"""Reason sentences of the anatomic criteria (spec/anatomic.md 0.10), written column-wise.

A reason is the join of parts ("target sum 61 mm is +24.49% and +12 mm vs nadir 49 mm (>=20% and >=5
mm): target PD (RECIST 1.1 sec. 4.3.1)"; "overall PD (RECIST 1.1 Table 1 row 1: target PD)"; the input's
note). Each part has, per row, a
code choosing one of its templates, whose ``{name}`` placeholders are filled from :class:`Field` values:
numbers with their format, or text. Which template applies is decided by the criterion in numpy; one
numba kernel then writes every row's sentence straight into the buffers of an Arrow string array, so a
cohort of a million timepoints gets its reasons without a Python object or an intermediate string.

Numbers read as the spec's worked examples print them: lengths and products as the 6-decimal values the
threshold tests compare (spec 0.5), without trailing zeros ("45", "44.95"; "NE" when missing), changes
with their sign ("+12", "-4.95"), relative changes as signed percentages with two decimals ("+25.00%";
more where two would land on a threshold the value misses, "+19.9995%"; "n/a" when undefined), days and
counts as integers. Rounding is half to even, as in numpy. A reason never shows a number on the other
side of the threshold it is compared with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numba
import numpy as np
import pyarrow as pa
from pandas.api.extensions import ExtensionArray

from ioresponse.criteria import as_text
from ioresponse.criteria._anatomic import relative_changes

# Formats of a field; TEXT fields are copied as they are.
MM, SIGNED_MM, PCT, INTEGER, TEXT = range(5)
_LITERAL = -1
_NUMBER_WIDTH = 24
"""Upper bound of the bytes one formatted number takes (sign, 19 digits, point, decimals, %)."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Field:
    """The values of one placeholder, one per row, and how they read."""

    kind: int
    values: np.ndarray | pa.Array


def mm(values: np.ndarray) -> Field:
    """A length (mm) or product (mm2) rounded to 6 decimals, trailing zeros dropped: "45", "44.96";
    "NE" when missing."""
    return Field(MM, values)


def signed_mm(values: np.ndarray) -> Field:
    """A change of length with its sign, as :func:`mm`: "+12", "-3.5", "+4.95"; "NE" when missing."""
    return Field(SIGNED_MM, values)


def pct(values: np.ndarray) -> Field:
    """A relative change (a fraction) as a signed percentage with two decimals, "+25.00%" (more near a
    threshold: :func:`_percentage`); "n/a" when undefined (reference 0 or a value missing)."""
    return Field(PCT, values)


def integer(values: np.ndarray) -> Field:
    """A day or a count: "42"."""
    return Field(INTEGER, values)


def text(values: pa.Array | pa.ChunkedArray | ExtensionArray | np.ndarray) -> Field:
    """Text as it is (a label, a note, a sentence written earlier); missing reads as ""."""
    return Field(TEXT, values)


Part = tuple[np.ndarray, dict[int, str]]
"""Per row a code, and the template of each code; rows whose code has no template add nothing."""


def every_row(n: int) -> np.ndarray:
    """The codes of a part that applies to all ``n`` rows with its template 0."""
    return np.zeros(n, np.int8)


def expand(template: str, fragments: dict[str, str]) -> str:
    """``template`` with the placeholders named in ``fragments`` replaced by them (shared sentence
    pieces such as ``{vs_nadir}``, constants of an assessment); other placeholders stay."""
    return _PLACEHOLDER.sub(lambda m: fragments.get(m.group(1), m.group(0)), template)


def sentences(parts: list[Part], fields: dict[str, Field], separator: str = "; ") -> pa.LargeStringArray:
    """Per row, the templates its parts' codes choose, filled from ``fields`` and joined by
    ``separator``; a part that writes nothing adds no separator. ``separator=""`` concatenates."""
    n = len(parts[0][0])
    named = {name for _, templates in parts for t in templates.values() for name in _PLACEHOLDER.findall(t)}
    numeric = [name for name, f in fields.items() if f.kind != TEXT and name in named]
    textual = [name for name, f in fields.items() if f.kind == TEXT and name in named]
    slots = {name: (fields[name].kind, i) for i, name in enumerate(numeric)}
    slots.update({name: (TEXT, i) for i, name in enumerate(textual)})

    literals: list[bytes] = []
    ops: list[tuple[int, int]] = []
    starts = [0]
    chosen = np.empty((len(parts), n), np.int16)
    for p, (codes, templates) in enumerate(parts):
        lookup = np.full(max(templates, default=0) + 2, -1, np.int16)  # the last entry: no template
        for code, template in templates.items():
            lookup[code] = len(starts) - 1
            for i, piece in enumerate(_PLACEHOLDER.split(template)):
                if i % 2:
                    ops.append(slots[piece])
                elif piece:
                    ops.append((_LITERAL, len(literals)))
                    literals.append(piece.encode())
            starts.append(len(ops))
        codes = np.asarray(codes)
        chosen[p] = lookup[np.where((codes >= 0) & (codes < len(lookup) - 1), codes, -1)]

    numbers = np.empty((len(numeric), n))
    for i, name in enumerate(numeric):
        numbers[i] = fields[name].values
    text_data, text_offsets = _text_buffers([fields[name].values for name in textual], n)
    literal_data, literal_offsets = _concatenated(literals)
    program = (chosen, np.array(starts, np.int64), np.array(ops, np.int64).reshape(-1, 2))
    separator_bytes = np.frombuffer(separator.encode(), np.uint8)
    capacity = _capacity(*program, literal_offsets, text_offsets, len(separator_bytes))
    data, offsets = np.empty(capacity, np.uint8), np.empty(n + 1, np.int64)  # pages never written stay free
    texts = (text_data, text_offsets)
    written = _write(*program, literal_data, literal_offsets, numbers, *texts, separator_bytes, data, offsets)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data[:written]))


def reason_text(parts: list[Part], fields: dict[str, Field], separator: str = "; ") -> ExtensionArray:
    """:func:`sentences` as a :data:`~ioresponse.criteria.TEXT` column of a result table."""
    return as_text(sentences(parts, fields, separator))


def _concatenated(pieces: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(pieces) + 1, np.int64)
    offsets[1:] = np.cumsum([len(p) for p in pieces])
    return np.frombuffer(b"".join(pieces), np.uint8), offsets


def _text_buffers(columns: list[object], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The bytes of every text column in one buffer, and per column the row offsets into it."""
    datas, offsets = [], np.zeros((len(columns), n + 1), np.int64)
    base = 0
    for i, values in enumerate(columns):
        array = _large_strings(values)
        if len(array) != n:
            raise ValueError(f"text field of {len(array)} rows for {n} rows")
        value_offsets = np.frombuffer(array.buffers()[1], np.int64)[array.offset : array.offset + n + 1]
        data = array.buffers()[2]
        datas.append(np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8))
        offsets[i] = value_offsets + base
        base += len(datas[-1])
    return (np.concatenate(datas) if datas else np.zeros(0, np.uint8)), offsets


def _large_strings(values: object) -> pa.LargeStringArray:
    if isinstance(values, np.ndarray):
        values = as_text(values)
    if isinstance(values, ExtensionArray):
        values = values.__arrow_array__()
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values.cast(pa.large_string()).fill_null("")


@numba.njit(cache=True, nogil=True)
def _capacity(
    chosen: np.ndarray,
    starts: np.ndarray,
    ops: np.ndarray,
    literal_offsets: np.ndarray,
    text_offsets: np.ndarray,
    separator: int,
) -> int:
    """An upper bound of the bytes :func:`_write` writes."""
    n_parts, n = chosen.shape
    capacity = 0
    for row in range(n):
        for p in range(n_parts):
            t = chosen[p, row]
            if t < 0:
                continue
            capacity += separator
            for o in range(starts[t], starts[t + 1]):
                kind, slot = ops[o, 0], ops[o, 1]
                if kind == _LITERAL:
                    capacity += literal_offsets[slot + 1] - literal_offsets[slot]
                elif kind == TEXT:
                    capacity += text_offsets[slot, row + 1] - text_offsets[slot, row]
                else:
                    capacity += _NUMBER_WIDTH
    return capacity


@numba.njit(cache=True, nogil=True)
def _write(
    chosen: np.ndarray,
    starts: np.ndarray,
    ops: np.ndarray,
    literal_data: np.ndarray,
    literal_offsets: np.ndarray,
    numbers: np.ndarray,
    text_data: np.ndarray,
    text_offsets: np.ndarray,
    separator: np.ndarray,
    out: np.ndarray,
    offsets: np.ndarray,
) -> int:
    """Every row's sentence into ``out``, its end into ``offsets``; returns the bytes written."""
    n_parts, n = chosen.shape
    offsets[0] = 0
    pos = 0
    for row in range(n):
        start = pos
        for p in range(n_parts):
            t = chosen[p, row]
            if t < 0:
                continue
            mark = pos
            if pos > start:
                pos = _copy(out, pos, separator, 0, len(separator))
            body = pos
            for o in range(starts[t], starts[t + 1]):
                kind, slot = ops[o, 0], ops[o, 1]
                if kind == _LITERAL:
                    pos = _copy(out, pos, literal_data, literal_offsets[slot], literal_offsets[slot + 1])
                elif kind == TEXT:
                    pos = _copy(out, pos, text_data, text_offsets[slot, row], text_offsets[slot, row + 1])
                else:
                    pos = _number(out, pos, numbers[slot, row], kind)
            if pos == body:  # the part wrote nothing: no separator either
                pos = mark
        offsets[row + 1] = pos
    return pos


@numba.njit(cache=True, nogil=True, inline="always")
def _copy(out: np.ndarray, pos: int, source: np.ndarray, begin: int, end: int) -> int:
    length = end - begin
    if length <= 8:  # a digit, a separator: a loop is quicker than a copy call
        for i in range(length):
            out[pos + i] = source[begin + i]
    else:
        out[pos : pos + length] = source[begin:end]
    return pos + length


_NE = np.frombuffer(b"NE", np.uint8)
_NOT_APPLICABLE = np.frombuffer(b"n/a", np.uint8)
_MINUS, _PLUS, _POINT, _PERCENT, _ZERO = 45, 43, 46, 37, 48


@numba.njit(cache=True, nogil=True, inline="always")
def _number(out: np.ndarray, pos: int, value: float, kind: int) -> int:
    if not np.isfinite(value) or abs(value) >= 1e15:
        missing = _NOT_APPLICABLE if kind == PCT else _NE
        return _copy(out, pos, missing, 0, len(missing))
    if kind == PCT:
        return _percentage(out, pos, value)
    # the 6-decimal value every threshold test compares (spec 0.5): a sum of decimals is shown as typed
    # (10.1 + 10.2 + 9.7 is "30", not "30.0" in binary; 24.95 - 20 is "4.95", never "5.0" next to "<5 mm")
    value = np.round(value, 6) + 0.0  # + 0.0: no "-0"
    if kind == SIGNED_MM or value < 0:
        out[pos] = _MINUS if value < 0 else _PLUS
        pos += 1
        value = abs(value)
    whole = int(value)
    if kind == INTEGER:
        return _digits(out, pos, whole)
    places = 6
    while places > 0 and value * 10.0**places >= 2.0**53:  # digits a double holds, no binary noise
        places -= 1
    scale = 10**places
    fraction = int(np.rint((value - whole) * scale))
    if fraction == scale:
        whole, fraction = whole + 1, 0
    return _decimals(out, _digits(out, pos, whole), fraction, places, 0)


@numba.njit(cache=True, nogil=True, inline="always")
def _percentage(out: np.ndarray, pos: int, fraction: float) -> int:
    """A relative change in % with two decimals, rounded from the exact value (spec 1.10); more, up to the
    6-decimal fraction the threshold tests compare (spec 0.5), where two decimals would land on a whole
    percentage the value is not: every threshold of spec/anatomic.md is one (20 %, 25 %, 30 %, 50 %),
    and "+20.00%" must not stand for the +19.9995 % that is not PD."""
    magnitude = abs(fraction)
    hundredths = int(np.rint(magnitude * 1e4))
    compared = int(np.rint(magnitude * 1e6)) if magnitude < 1e9 else hundredths * 100
    units, places = (hundredths, 2) if hundredths % 100 or compared == hundredths * 100 else (compared, 4)
    out[pos] = _MINUS if fraction < 0 and units > 0 else _PLUS
    scale = 10**places
    pos = _decimals(out, _digits(out, pos + 1, units // scale), units % scale, places, 2)
    out[pos] = _PERCENT
    return pos + 1


@numba.njit(cache=True, nogil=True, inline="always")
def _decimals(out: np.ndarray, pos: int, fraction: int, places: int, least: int) -> int:
    """``fraction`` (units of 10**-``places``) as a point and its digits, trailing zeros dropped down to
    ``least`` digits (none: no point)."""
    while places > least and fraction % 10 == 0:
        fraction //= 10
        places -= 1
    if places == 0:
        return pos
    out[pos] = _POINT
    for i in range(places, 0, -1):
        out[pos + i] = _ZERO + fraction % 10
        fraction //= 10
    return pos + places + 1


@numba.njit(cache=True, nogil=True, inline="always")
def _digits(out: np.ndarray, pos: int, value: int) -> int:
    """The decimal digits of ``value >= 0``."""
    width, bound = 1, 10
    while value >= bound and width < 19:
        width += 1
        bound *= 10
    end = pos + width
    for i in range(end - 1, pos - 1, -1):
        out[i] = _ZERO + value % 10
        value //= 10
    return end


def change_fields(current: np.ndarray, baseline: np.ndarray, nadir: np.ndarray) -> dict[str, Field]:
    """The numbers of :func:`change_fragments`: the baseline and the nadir, and the change of
    ``current`` against them (relative changes rounded as in spec 0.5; "n/a" against 0)."""
    return {
        "base": mm(baseline),
        "nadir": mm(nadir),
        "rel_base": pct(relative_changes(current, baseline)),
        "rel_nadir": pct(relative_changes(current, nadir)),
        "abs_nadir": signed_mm(current - nadir),
    }


def change_fragments(unit: str) -> dict[str, str]:
    """The ``{vs_nadir}`` and ``{vs_baseline}`` pieces of a reason (spec 0.10), filled from
    :func:`change_fields`: "+25.00% and +10 mm vs nadir 40 mm", "-30.00% vs baseline 50 mm"."""
    return {
        "vs_nadir": f"{{rel_nadir}} and {{abs_nadir}} {unit} vs nadir {{nadir}} {unit}",
        "vs_baseline": f"{{rel_base}} vs baseline {{base}} {unit}",
    }


def present(values: np.ndarray) -> np.ndarray:
    """Code 0 where a day or a number is given, -1 where it is NaN: a part written only when known."""
    return np.where(np.isnan(values), -1, 0)


def best_reasons(
    columns: dict[str, np.ndarray | ExtensionArray],
    lead: str,
    pd_label: str,
    progression_text: str,
    source: str,
) -> ExtensionArray:
    """Best-response sentences (spec 0.10): "best response PR (day 84); with confirmation of response
    PR (day 84); progression day 168 (RECIST 1.1 ...)".

    ``columns``: best, confirmed (labels), best_day, confirmed_day, progression (confirmed progression
    day), pending (day of a progression still pending at the end of data), days NaN when none; and
    ignored, the subject's assessments before the baseline in words ("" when none; spec 0.2).
    """
    progression, pending = np.asarray(columns["progression"]), np.asarray(columns["pending"])
    n = len(progression)
    after = np.where(~np.isnan(progression), 0, np.where(~np.isnan(pending), 1, -1))
    ignored = np.where(np.asarray(columns["ignored"]) == "", -1, 0)
    parts = [
        (every_row(n), {0: f"{lead} {{best}}"}),
        (present(columns["best_day"]), {0: " (day {best_day})"}),
        (every_row(n), {0: "; with confirmation of response {confirmed}"}),
        (present(columns["confirmed_day"]), {0: " (day {confirmed_day})"}),
        (
            after,
            {
                0: f"; {progression_text} {{progression}}",
                1: f"; {pd_label} on day {{pending}} still pending confirmation at the end of data",
            },
        ),
        (every_row(n), {0: f" ({source})"}),
        (ignored, {0: "; {ignored} ignored: pre-baseline (spec 0.2)"}),
    ]
    fields = {
        "best": text(columns["best"]),
        "confirmed": text(columns["confirmed"]),
        "ignored": text(columns["ignored"]),
        **{name: integer(columns[name]) for name in ("best_day", "confirmed_day", "progression", "pending")},
    }
    return reason_text(parts, fields, separator="")
