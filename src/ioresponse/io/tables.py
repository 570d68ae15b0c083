"""Reading user tables (CSV, Parquet, Excel, pandas or polars) into the lesion-table contract.

Column contract: DESIGN.md "The tables" and spec/anatomic.md 0.1 (input table), 0.3 (status values),
1.9 (RECIST 1.1 input columns); the validated table is described in briefs/contract.md and
:class:`ioresponse.criteria.Study`. Everything is read as text first, so that a bad cell can be named
with its row and column (STYLE.md 5) instead of being coerced silently by a reader.

Rules stated here:

- ``source_row`` is the row the user sees: the line of a CSV file (blank lines counted), the row of an
  Excel sheet, with the header as row 1 (first data row = 2); an in-memory or Parquet table is
  numbered as if it were written to CSV. Rows with every cell empty (blank lines) are not data and are
  skipped; the other rows keep their numbers.
- CSV files are UTF-8 (a byte-order mark is allowed), comma-separated (``.tsv``: tab), with the
  header on line 1; a row with more fields than the header is an error, never an index column.
- A column is given once: two header cells naming the same column (after ``column_map`` and the
  contract spelling) are an error naming both positions, never ``status.1``.
- An Excel workbook is read from its one sheet with data; with several, the sheet is chosen by name.
  A cell is read as Excel shows it: a number formatted as a percentage (Excel stores -35 % as -0.35) is
  the text "-35%" (a % change table reads it as -35 %, any other column refuses it as not a number); a
  formula without a stored result (a workbook written by a program, never saved by Excel) is refused at
  its row and column, as pandas would read it as an empty cell.
- Parquet files (a Spark folder ``x.parquet/`` of part files too) and polars tables are read through
  Arrow: every column of the file is a column (a pandas index stored in the file too; pandas' unnamed
  row labels ``__index_level_0__`` are not user data and are left out), integers beside a null stay
  exact (not float64: 1234567890123456789 would become 1234567890123456768), and a list, struct or map
  column is refused: a cell holds one value.
- A control character other than tab, line feed and carriage return (ESC, NUL, DEL, ...) in a cell is
  refused at its row and column: it is not text a table holds, and a terminal printing the value would
  act on it (ESC [2J clears the screen).
- Partial ISO dates are imputed to the middle of the missing period (``YYYY-MM`` -> day 15,
  ``YYYY`` -> 1 July; the usual "mid-point" convention of CDISC ADaM date imputation) and the row
  carries a ``note`` saying so; the assessment is never dropped. A :class:`PartialDateWarning` (one per
  column of a file, :func:`warn_partial_dates`) names the rows, the column and the date used: spec
  anatomic.md 0.1 asks for an ISO date, and nothing the user gave is changed without a word.
- Sum-only tables (``target_sum_mm``) become pseudo-lesions (briefs/contract.md): ``target_sum``
  (role target), ``new_lesions`` and ``non_target`` (each only when its column exists). Text values
  ``NOT EVALUABLE`` and ``TOO SMALL TO MEASURE`` are the RECIST 1.1 statuses ``not_evaluable`` and
  ``too_small`` (spec/anatomic.md 0.3, 0.4); an empty cell is ``not_evaluable`` with the note
  "empty value"; 0 mm is ``absent``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import mmap
import re
import warnings
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ioresponse import schema as s
from ioresponse.schema import InputError

IN_MEMORY = "<table>"
FIRST_DATA_ROW = 2  # header = row 1 (schema.SOURCE_ROW)

SEPARATOR_OF_SUFFIX = {".csv": ",", ".txt": ",", ".tsv": "\t"}
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SEPARATORS = (",", ";", "\t", "|")
"""Delimiters a one-column header may reveal (European Excel writes ";")."""
SAVE_AS = {
    ",": 'comma-separated (in Excel: Save As > "CSV UTF-8 (Comma delimited)")',
    "\t": 'tab-separated (in Excel: Save As > "Text (Tab delimited)")',
}
UNNAMED = "Unnamed: {position}"
"""Name of a column whose header cell is empty (pandas' convention, 0-based position)."""
EMPTY_FILE = ("the file is empty or its first line is blank; expected the column names on line 1, then one "
              "row per lesion per assessment")

# How messages name an option: as the command line spells it, then as Python does (STYLE.md 5, the way
# out matches the entry point whichever it is).
RENAME_COLUMNS = '--map user_column=contract_column (Python: column_map={"user_column": "contract_column"})'
PATIENT_KEY = '--patient-key study,patient_id (Python: patient_key=("study", "patient_id"))'
WARN_IMPLAUSIBLE = '--warn-implausible (Python: validation="warn")'
CHOOSE_SHEET = '--sheet NAME (Python: sheet="NAME")'

T = TypeVar("T")

# The validated lesion table, in order (briefs/contract.md).
LESION_COLUMNS = (
    s.PATIENT, s.READER, "accepted", s.DAY, s.DATE, s.LESION, s.ROLE, s.ORGAN, s.LYMPH_NODE,
    s.LONG_AXIS, s.SHORT_AXIS, s.PERPENDICULAR, s.STATUS, s.EQUIVOCAL, s.CLINICAL_STATUS,
    s.SLICE_THICKNESS, s.MODALITY, "note", s.SOURCE_ROW,
)
FLOAT_COLUMNS = (s.LONG_AXIS, s.SHORT_AXIS, s.PERPENDICULAR, s.SLICE_THICKNESS)
BOOL_COLUMNS = ("accepted", s.LYMPH_NODE, s.EQUIVOCAL)
SORT_KEY = (s.PATIENT, s.READER, s.DAY, s.LESION, s.SOURCE_ROW)

# Optional inputs the contract fills when absent (spec/anatomic.md 0.1 "when absent").
DEFAULT_MODALITY = "ct"  # spec/anatomic.md 0.1: modality absent -> ct
MODALITIES = ("ct", "mri", "xray", "clinical", "pet")  # spec/anatomic.md 0.1
CLINICAL_STATUSES = ("stable", "deteriorating", "")  # spec/anatomic.md 0.1
INCREASE_SINCE_PREVIOUS = "increase_since_previous"
MERGED_INTO = "merged_into"
PASSTHROUGH_TEXT = (MERGED_INTO, "side", "pattern", "timepoint_label")
PASSTHROUGH_NUMBER = ("suvmax", "sulpeak")
PASSTHROUGH_COLUMNS = (INCREASE_SINCE_PREVIOUS, *PASSTHROUGH_TEXT, *PASSTHROUGH_NUMBER)
"""Optional spec columns kept after the contract columns when the input has them:
``increase_since_previous`` (True / False / None when empty; iRECIST) and ``merged_into`` (provenance)
of spec/anatomic.md 0.1; ``side``, ``pattern``, ``timepoint_label``, ``suvmax``, ``sulpeak`` of
spec/patterns.md 0.5 (irAE look-alike rules, reference-scan labels, PET variants)."""
VISIT = "visit"
"""Optional visit label or number; numbered visits are checked against the day order."""
VISIT_NUMBER = "visit_number"
USER_SOURCE_ROW = "source_row (input)"
"""A ``source_row`` column of the user's own is kept under this name (ours is the file row)."""

# Pseudo-lesions of sum-only tables (briefs/contract.md).
TARGET_SUM_LESION = s.TARGET_SUM_LESION
NEW_LESIONS_LESION = "new_lesions"
NON_TARGET_LESION = "non_target"
SUM_ORGAN = "all targets"
SUM_TEXT_STATUS = {
    "NOT EVALUABLE": s.Status.NOT_EVALUABLE,  # spec/anatomic.md 0.3
    "NE": s.Status.NOT_EVALUABLE,
    "TOO SMALL TO MEASURE": s.Status.TOO_SMALL,  # RECIST 1.1 sec. 4.3.2, spec/anatomic.md 0.4
}
EMPTY_VALUE_NOTE = "empty value"

# Partial-date imputation: middle of the missing period (CDISC ADaM mid-point convention).
MID_MONTH_DAY = "15"
MID_YEAR_MONTH_DAY = "07-01"

IBM_FLOAT_ZERO_ARTEFACT = 5.397605346934028e-79  # pandas issue 50670: a zero read from XPORT

_ISO_DATE = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2})"
    r"(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$"
)
"""An ISO 8601 date, possibly partial (SDTM --DTC), with an optional ISO time part after a full date that
is not read; any other text after the date ("2024 01": a year and an hour) is not a date."""
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "1.0"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "0.0", ""})
"""How a boolean cell may be written, in lower case (:func:`parse_bool`; empty reads as false)."""


@dataclass
class RawTable:
    """A user table as text, columns renamed to the contract, with the file row of every row.

    frame : every cell as ``str`` ("" when empty); column ``source_row`` (int) holds the file row.
    source : file name used in messages.
    """

    frame: pd.DataFrame
    source: str
    user_names: dict[str, str] = field(default_factory=dict)
    """The user's header of every column renamed to the contract (``--map``, "Long Axis mm"), by its
    contract name: messages name the column the user sees."""


def source_name(data: object, source: str | None) -> str:
    """The name messages use for ``data``: ``source`` if given, the file name, or ``<table>``."""
    if source:
        return source
    if isinstance(data, str | Path):
        return Path(data).name
    return IN_MEMORY


def read_table(data: object, *, column_map: dict[str, str] | None = None, source: str | None = None,
               sheet: str | None = None, names: Sequence[str] = (), empty: str = EMPTY_FILE) -> RawTable:
    """Read a CSV / Parquet / Excel file or a pandas / polars DataFrame as text.

    Parameters
    ----------
    data : path or DataFrame
    column_map : renames user columns to contract names, e.g. ``{"patient": "patient_id"}``.
    source : name used in error messages (default: the file name).
    sheet : the sheet of an Excel workbook to read; needed when several sheets hold data.
    names : contract names of this table beyond the lesion and patient tables' (a header spelling one,
        "Size (mm)" for ``size_mm``, takes it).
    empty : what an empty file should have held, said when it holds nothing (default: a lesion table).

    Raises
    ------
    InputError
        Unknown file type, unreadable or empty file, text that is not UTF-8, a row with more fields
        than the header, a column given twice, a workbook with several sheets of data and no ``sheet``,
        or a mapped column that does not exist.
    """
    name = source_name(data, source)
    frame, rows = _read_frame(data, name, sheet, empty)
    if sheet is not None:
        name = f"{name}, sheet {sheet}"
    header = [str(c) for c in frame.columns]
    columns = contract_names(header, column_map or {}, name, names)
    frame = frame.set_axis(columns, axis=1)
    frame = as_text(frame)
    _refuse_control_characters(frame, header, rows, name)
    if s.SOURCE_ROW in frame.columns:
        frame = frame.rename(columns={s.SOURCE_ROW: USER_SOURCE_ROW})
    frame[s.SOURCE_ROW] = rows.astype(np.int64)
    blank = frame.index[_blank_rows(frame.drop(columns=s.SOURCE_ROW))]
    renamed = {contract: user for user, contract in zip(header, columns, strict=True) if contract != user}
    return RawTable(frame.drop(index=blank).reset_index(drop=True), name, renamed)


SIDE_TABLE_COLUMNS = {
    "visits": ("ecog",),
    "events": ("event", "diagnosis", "term", "grade"),
    "findings": ("organ", "side", "finding", "pattern", "suvmax", "size_mm"),
    "samples": ("analyte", "value", "unit"),
}
"""Columns of the patterns' side tables (spec/patterns.md 0.5, 6.2; README), besides patient_id, day, date."""
SIDE_TABLE = "side_table"
"""``attrs`` key marking a frame :func:`side_table` has read."""


class SideTableWarning(s.IoresponseWarning):
    """Rows or values of a side table (visits, events, findings, samples) that no rule can use: left out or
    kept as given, as the message says; never silently."""


def side_table(table: object, kind: str) -> pd.DataFrame:
    """A visits / events / findings / samples table read as :func:`read_table` reads a user's table: a file
    path, a pandas or polars DataFrame; text cells ("" when empty, ISO dates, whole numbers without ".0"),
    header spellings of its columns (:data:`SIDE_TABLE_COLUMNS`), a column given twice refused, the file
    row of each row in ``source_row`` (an in-memory table's rows counted as its CSV's), and its name (the
    file, else ``<kind>``) in ``attrs["source"]``. A frame read here already comes back as it is."""
    if isinstance(table, pd.DataFrame) and table.attrs.get(SIDE_TABLE):
        return table
    source = None if isinstance(table, str | Path) else f"<{kind}>"
    raw = read_table(table, source=source, names=SIDE_TABLE_COLUMNS.get(kind, ()))
    frame = raw.frame
    frame.attrs.update({"source": raw.source, SIDE_TABLE: True})
    return frame


CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""C0 control characters and DEL, but tab, line feed and carriage return (text may hold those)."""
CONTROL_NAMES = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL"}


def _refuse_control_characters(frame: pd.DataFrame, header: Sequence[str], rows: np.ndarray, name: str
                               ) -> None:
    """A control character in a cell (text cells of ``frame``; ``header``, the user's names by position),
    refused at its rows and column: looked for in each column's text joined by a line feed, one regular
    expression search per column; the cells are looked at only when one is there."""
    for position, column in enumerate(frame.columns):
        values = frame[column]
        if CONTROL_CHARACTER.search("\n".join(values.tolist())) is None:
            continue
        bad = values.str.contains(CONTROL_CHARACTER).to_numpy(dtype=bool)
        first = values[bad].iloc[0]
        found = CONTROL_CHARACTER.search(first).group()  # type: ignore[union-attr]
        label = CONTROL_NAMES.get(found, f"0x{ord(found):02X}")
        raise InputError(name, rows[bad].tolist(), header[position],
                         f"{first!r} holds the control character {found!r} ({label}): not text a cell "
                         "holds, and a terminal printing it would act on it; remove it from the cell")


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Positions of the rows whose every cell is empty (blank lines): looked for among the rows whose
    first cell is empty only, since whole-table comparisons of text cost more than the read."""
    if not len(frame.columns):
        return np.arange(len(frame))
    candidates = np.flatnonzero(frame.iloc[:, 0].to_numpy() == "")
    return candidates[~frame.iloc[candidates].ne("").any(axis=1).to_numpy()]


def _read_frame(data: object, name: str, sheet: str | None, empty: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The user's table under its header names as given (repeated names too), and the file row of each
    of its rows; ``empty`` says what an empty file should have held."""
    path = Path(data) if isinstance(data, str | Path) else None
    suffix = path.suffix.lower() if path is not None else ""
    if sheet is not None and suffix not in EXCEL_SUFFIXES:
        raise InputError(name, [], None, f"a sheet ({sheet!r}) is chosen but the input is not an Excel "
                                          f"workbook ({', '.join(EXCEL_SUFFIXES)})")
    if isinstance(data, pd.DataFrame):
        return data, _numbered(data)
    if type(data).__name__ in ("DataFrame", "LazyFrame") and type(data).__module__.startswith("polars"):
        collected = data.collect() if type(data).__name__ == "LazyFrame" else data  # type: ignore[attr-defined]
        frame = _from_arrow(collected.to_arrow(), name)  # type: ignore[attr-defined]
        return frame, _numbered(frame)
    if path is None:
        raise InputError(name, [], None, f"cannot read a {type(data).__name__}; give a file path or a "
                                          "pandas / polars DataFrame")
    if not path.exists():
        raise InputError(name, [], None, f"file not found: {path}")
    if suffix in SEPARATOR_OF_SUFFIX:
        return _header_and_rows(_read_csv(path, name, SEPARATOR_OF_SUFFIX[suffix], empty), name, empty)
    if suffix in EXCEL_SUFFIXES:
        # Cells as written: "NA" or "null" is an id or a reader, not a missing value (as in CSV files).
        sheets = guarded(lambda: pd.read_excel(path, sheet_name=None, header=None, dtype=object,
                                                keep_default_na=False), path, name, empty=empty)
        title, cells = _one_sheet(sheets, sheet, name)
        unresolved: list[tuple[int, int, str]] = []
        if suffix != ".xls" and title is not None:  # .xls (BIFF) stores every formula's result
            cells, unresolved = guarded(lambda: _excel_as_shown(path, title, cells), path, name)
        body, rows = _header_and_rows(cells, name, empty)
        _refuse_unresolved_formulas(unresolved, body, rows, name)
        return body, rows
    if suffix in PARQUET_SUFFIXES:
        # Arrow cannot read a column given twice; named as in a CSV file, from the schema
        header = guarded(lambda: _parquet_schema(path).names, path, name)
        _refuse_repeated(header, header, name)
        frame = _from_arrow(guarded(lambda: pq.read_table(path), path, name), name)
    elif suffix == ".xpt":
        frame = guarded(lambda: _read_xport(path), path, name)
    else:
        raise InputError(name, [], None, f"unknown file type {suffix!r}; expected .csv, .parquet, .xlsx "
                                          "or an SDTM folder")
    return frame, _numbered(frame)


ARROW_INTEGERS = {
    pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(),
}
"""Arrow integers as pandas' nullable integers: numpy would make a column with a null float64, whose 53-bit
mantissa changes a 19-digit id (1234567890123456789 -> 1234567890123456768) and may merge two patients."""
PANDAS_ROW_LABELS = re.compile(r"__index_level_\d+__")
"""The name pyarrow gives a pandas index without a name: row labels, not a column of the user's table."""


def _from_arrow(table: pa.Table, name: str) -> pd.DataFrame:
    """An Arrow table (a Parquet file, a polars frame) with every stored column a column (pandas' own
    index metadata ignored, its unnamed row labels left out) and integers exact; a column holding lists,
    structs or maps is refused."""
    for column_name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_nested(column.type):
            valid = pc.is_valid(column)
            first = pc.index(valid, True).as_py()
            example = f" ({column[first].as_py()!r})" if first >= 0 else ""
            raise InputError(name, [first + FIRST_DATA_ROW] if first >= 0 else [], column_name,
                             f"a column of {column.type} values{example}; a cell holds one value (text, "
                             "a number, a date or true/false): give the values in a column of their own")
    labels = [c for c in table.column_names if PANDAS_ROW_LABELS.fullmatch(c)]
    return table.drop_columns(labels).to_pandas(ignore_metadata=True, types_mapper=ARROW_INTEGERS.get)


def _parquet_schema(path: Path) -> pa.Schema:
    """The columns of a Parquet file, or of the files of a Parquet folder (:func:`is_parquet_dataset`)."""
    if path.is_dir():
        import pyarrow.dataset as ds

        return ds.dataset(path, format="parquet").schema
    return pq.read_schema(path)


def is_parquet_dataset(path: Path) -> bool:
    """A folder named like a Parquet file (Spark's ``x.parquet/`` of ``part-*.parquet`` files): one table,
    read as a Parquet file is, not an SDTM folder."""
    return path.is_dir() and path.suffix.lower() in PARQUET_SUFFIXES


def _numbered(frame: pd.DataFrame) -> np.ndarray:
    """Rows of a table without a file, numbered as if it were written to CSV (header = row 1)."""
    return np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame), dtype=np.int64)


def guarded(read: Callable[[], T], path: Path, name: str, *, empty: str = EMPTY_FILE) -> T:
    """``read()``, whose failures become located messages (file and what is wrong), never a traceback;
    ``empty`` says what an empty file should have held."""
    suffix = path.suffix.lower()
    try:
        return read()
    except pd.errors.EmptyDataError:
        raise InputError(name, [], None, empty) from None
    except UnicodeDecodeError as error:
        raise _not_utf8(path, name, error) from None
    except pd.errors.ParserError as error:
        raise _parser_error(name, error) from None
    except (ValueError, OSError, ImportError, KeyError, SyntaxError, zipfile.BadZipFile) as error:
        # pyarrow's ArrowInvalid and "Excel file format cannot be determined" are ValueErrors; a damaged
        # workbook is a BadZipFile, a KeyError naming a missing part, or the XML ParseError (a SyntaxError)
        # of a damaged sheet.
        raise InputError(name, [], None, f"could not be read as a {suffix} table: {error}".strip()) from None


_UNCLOSED_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
"""pandas' message for a quote never closed, at the 0-based line of the file where the quote opens."""


def _parser_error(name: str, error: pd.errors.ParserError) -> InputError:
    """A CSV file pandas cannot split into rows: an unclosed quote at the user's row (header = row 1),
    other problems in pandas' words (they name the file line: "Expected 9 fields in line 5, saw 10")."""
    unclosed = _UNCLOSED_QUOTE.search(str(error))
    if unclosed:
        return InputError(name, [int(unclosed.group(1)) + 1], None,
                          "a double quote opens a value here and is never closed, so every line below "
                          "would be read into that value; close the quote or remove it (a value holding the "
                          "delimiter, a quote or a line break goes in double quotes, a quote inside it "
                          'as "")')
    return InputError(name, [], None, f"{str(error).strip()}; every line has the fields of the header "
                                      "(line 1): remove an extra field (a delimiter at the end of the "
                                      "line?), and put a value holding the delimiter, a quote or a line "
                                      "break in double quotes")


def _read_csv(path: Path, name: str, separator: str, empty: str) -> pd.DataFrame:
    """Every cell of a delimited text file as text, without a header: file line i + 1 at position i.

    Read without a header so that pandas neither renames a repeated column (``status.1``) nor takes the
    first column as the index when data rows have one field more than the header: with
    ``header=None`` every line must have the fields of line 1, or the read fails naming the line.
    """
    options = {"sep": separator, "header": None, "dtype": str, "keep_default_na": False,
               "skip_blank_lines": False, "index_col": False, "encoding": "utf-8"}
    _refuse_nul(path, name, separator)
    header = guarded(lambda: pd.read_csv(path, nrows=1, **options), path, name, empty=empty).iloc[0].tolist()
    _check_separator(header, separator, name)
    return guarded(lambda: pd.read_csv(path, **options), path, name, empty=empty)


def _refuse_nul(path: Path, name: str, separator: str) -> None:
    """A NUL byte in text: pandas' reader would end its cell there silently (UTF-16 text is full of them)."""
    if path.stat().st_size == 0:
        return
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as content:
        at = content.find(b"\0")
        if at < 0:
            return
        start = content.rfind(b"\n", 0, at) + 1
        line = content[:start].count(b"\n") + 1
        end = content.find(b"\n")
        fields = content[: end if end >= 0 else len(content)].decode("utf-8", "replace").split(separator)
        field = content[start:at].count(separator.encode())
    column = fields[field].strip() if line > 1 and field < len(fields) else None
    raise InputError(name, [line], column, "a NUL byte (0x00) in the text, where a cell would be cut short; "
                                           "the file may be UTF-16 or not text: save it as UTF-8 (in Excel: "
                                           'Save As > "CSV UTF-8 (Comma delimited)")')


def _check_separator(header: Sequence[str], separator: str, name: str) -> None:
    """A header of one column holding another delimiter: the file uses that one (";" of European Excel)."""
    found = next((c for c in SEPARATORS if c != separator and len(header) == 1 and c in header[0]), None)
    if found is None:
        return
    shown = {"\t": "a tab"}.get(found, f'"{found}"')
    raise InputError(name, [], None, f'the header is one column, "{header[0]}": the delimiter looks like '
                                      f"{shown}; save the file {SAVE_AS[separator]}")


def _not_utf8(path: Path, name: str, error: UnicodeDecodeError) -> InputError:
    """Where a file stops being UTF-8: its line and byte, and how to save it as UTF-8."""
    content = path.read_bytes()
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as whole_file:
        error = whole_file  # pandas decodes in chunks; the whole file gives the position in the file
    line = error.object[: error.start].count(b"\n") + 1
    byte = error.object[error.start : error.start + 1]
    meaning = byte.decode("cp1252", errors="replace")
    return InputError(name, [], None, f"the file is not UTF-8 text: line {line} has the byte "
                                      f"0x{byte.hex().upper()} ({meaning!r} in Windows-1252, the encoding of "
                                      'Excel\'s plain "CSV"); save the file as UTF-8 (in Excel: Save As > '
                                      '"CSV UTF-8 (Comma delimited)")')


def _one_sheet(sheets: dict[str, pd.DataFrame], sheet: str | None, name: str
               ) -> tuple[str | None, pd.DataFrame]:
    """The title and cells of the sheet asked for, else of the only sheet with data (an empty workbook: no
    title, no cells); several sheets with data are refused."""
    if sheet is not None:
        if sheet not in sheets:
            raise InputError(name, [], None, f"no sheet {sheet!r}; the workbook has: {', '.join(sheets)}")
        return sheet, sheets[sheet]
    filled = [title for title, cells in sheets.items() if cells.notna().to_numpy().any()]
    if len(filled) > 1:
        raise InputError(name, [], None, f"the workbook has {len(filled)} sheets with data "
                                          f"({', '.join(filled)}) and one table is read: choose the sheet of "
                                          f"the input table with {CHOOSE_SHEET}, or save the sheet wanted as "
                                          "a file of its own")
    title = filled[0] if filled else next(iter(sheets), None)
    return title, sheets[title] if title is not None else pd.DataFrame()


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
"""A formula element (``<f>``) of a worksheet's XML."""
EXCEL_PERCENT_FORMATS = frozenset({9, 10})
"""Excel's built-in number formats ``0%`` and ``0.00%`` (ECMA-376 part 1, 18.8.30 numFmt)."""


def _excel_traps(path: Path) -> tuple[bool, bool]:
    """Whether a workbook holds any formula, and any cell style with a percentage number format: looked for
    in its XML, so that a workbook with neither (most) is not read a second time."""
    with zipfile.ZipFile(path) as book:
        names = book.namelist()
        formulas = any(_FORMULA.search(book.read(n)) for n in names
                       if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        if "xl/styles.xml" not in names:
            return formulas, False
        styles = ElementTree.fromstring(book.read("xl/styles.xml"))
    local = {element: element.tag.rsplit("}", 1)[-1] for element in styles.iter()}
    percent = set(EXCEL_PERCENT_FORMATS) | {int(e.get("numFmtId", -1)) for e, tag in local.items()
                                            if tag == "numFmt" and _is_percent(e.get("formatCode", ""))}
    used = {int(xf.get("numFmtId", 0)) for e, tag in local.items() if tag == "cellXfs" for xf in e}
    return formulas, bool(percent & used)


def _is_percent(number_format: str) -> bool:
    """Whether an Excel number format shows a number x 100 with "%": a "%" outside quoted text and not
    escaped by a backslash (``0.0"%"`` shows the number as it is)."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format)


def _excel_as_shown(path: Path, title: str, cells: pd.DataFrame
                    ) -> tuple[pd.DataFrame, list[tuple[int, int, str]]]:
    """``cells`` of sheet ``title`` (file row i + 1 at position i, as pandas reads them) as Excel shows
    them: a number formatted as a percentage becomes its text with "%" ("-35%" for -0.35, every digit of
    the stored value kept); and the formula cells without a stored result (file row, 0-based column
    position, formula), which pandas reads as empty (a stored empty text, type "str", is a result). Only a
    workbook holding formulas or percentage formats (:func:`_excel_traps`) is read again, cell by cell."""
    formulas, percent = _excel_traps(path)
    if not (formulas or percent):
        return cells, []
    import openpyxl

    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    written = openpyxl.load_workbook(path, read_only=True, data_only=False) if formulas else values
    shown, unresolved = cells.copy(), []
    sheets = [values[title], *([written[title]] if formulas else [])]
    for one in sheets:
        one.reset_dimensions()  # as pandas reads it: every row, whatever size the file declares
    try:
        rows = zip(*(one.iter_rows() for one in sheets), strict=True)
        for stored, typed in ((pair[0], pair[-1]) for pair in rows):
            for cell, given in zip(stored, typed, strict=True):
                if not hasattr(cell, "row"):  # an EmptyCell: nothing stored
                    continue
                at = (cell.row - 1, cell.column - 1)
                if given.data_type == "f" and cell.value is None and cell.data_type != "str":  # "str": ""
                    unresolved.append((cell.row, cell.column - 1, str(given.value)))
                elif (percent and _is_percent(str(cell.number_format)) and isinstance(cell.value, int | float)
                      and not isinstance(cell.value, bool) and at[0] < len(shown) and at[1] < shown.shape[1]):
                    scaled = decimal.Decimal(repr(cell.value)).scaleb(2).normalize()
                    shown.iat[at] = f"{scaled:f}%"
    finally:
        for book in {id(values): values, id(written): written}.values():
            book.close()
    return shown, unresolved


def _refuse_unresolved_formulas(unresolved: list[tuple[int, int, str]], body: pd.DataFrame,
                                rows: np.ndarray, name: str) -> None:
    """Formula cells without a stored result (:func:`_excel_as_shown`), refused at their rows and column
    (the first column that has one): read as empty they would change a call without a word."""
    if not unresolved:
        return
    _, position, formula = unresolved[0]
    data_rows = [row for row, at, _ in unresolved if at == position and len(rows) and row >= rows[0]]
    column = str(body.columns[position]) if data_rows and position < len(body.columns) else None
    raise InputError(name, data_rows or [unresolved[0][0]], column,
                     f"a formula ({formula}) without a stored result: the workbook was saved by a program "
                     "that does not compute formulas, so the cell would read as empty; open and save the "
                     "workbook in Excel (or LibreOffice), or type the value")


def _header_and_rows(cells: pd.DataFrame, name: str, empty: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Cells read without a header (file row i + 1 at position i): the first row with a value is the
    header; the rows below it keep their file row. Without one, ``empty`` says what was expected."""
    rows = enumerate(cells.itertuples(index=False))
    top = next((i for i, row in rows if any(_filled(v) for v in row)), None)  # the first row with a value
    if top is None:
        raise InputError(name, [], None, empty)
    header = [str(v) if _filled(v) else UNNAMED.format(position=i) for i, v in enumerate(cells.iloc[top])]
    body = cells.iloc[top + 1 :].set_axis(header, axis=1)
    return body, np.arange(top + 2, len(cells) + 1, dtype=np.int64)


def _filled(value: object) -> bool:
    return not (pd.isna(value) or value == "")


def _read_xport(path: Path) -> pd.DataFrame:
    """SAS transport (v5, the FDA format; v8 too with pyreadstat).

    pyreadstat is preferred: pandas' reader turns some zeros into the smallest IBM float
    5.397605e-79 (pandas-dev/pandas issue 50670), which the pandas path maps back to 0.
    """
    try:
        import pyreadstat
    except ImportError:
        frame = pd.read_sas(path, format="xport", encoding="utf-8")
        return frame.replace(IBM_FLOAT_ZERO_ARTEFACT, 0.0)
    frame, _ = pyreadstat.read_xport(str(path))
    return frame


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as ``str``; empty / NaN / None -> ""; dates -> ISO; integral floats without ".0"."""
    return pd.DataFrame({str(col): _column_text(frame[col]) for col in frame.columns}, index=frame.index)


def _column_text(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_bool_dtype(column):
        return column.map({True: "true", False: "false"}).fillna("")
    if pd.api.types.is_integer_dtype(column):  # nullable integers too (Arrow): every digit, "" for null
        return column.astype(str).astype(object).where(column.notna().to_numpy(), "")
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):  # text already (CSV)
        stripped = per_value(column.fillna(""), lambda values: values.astype(str).str.strip())
        return pd.Series(stripped, index=column.index, dtype=object)
    if pd.api.types.is_float_dtype(column) and column.dtype.itemsize < 8:  # float32: its own digits,
        narrow = column.to_numpy(dtype=np.dtype(f"f{column.dtype.itemsize}"), na_value=np.nan)  # "26.3"
        return pd.Series([_cell_text(value) for value in narrow], index=column.index, dtype=object)
    return column.map(_cell_text).astype(object)


def _cell_text(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float | np.floating)
                                                              and np.isnan(value)):
        return ""  # pd.NA of a nullable or object column is an empty cell, not the text "<NA>"
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):  # the shortest text of the value's own precision:
        return str(int(value)) if float(value).is_integer() else str(value)  # float32 26.3 stays "26.3"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).strip()


def contract_names(header: list[str], column_map: dict[str, str], name: str, extra: Sequence[str] = ()
                    ) -> list[str]:
    """Column names after ``column_map``, headers that spell a contract name otherwise ("Patient_ID",
    "Long Axis mm", "Long axis (mm)": its letters and digits in any case and punctuation) taking the
    contract name; refuses a column given twice."""
    unknown = [col for col in column_map if col not in header]
    if unknown:
        raise InputError(name, [], unknown[0], f"--map (Python: column_map) names column(s) "
                                               f"{', '.join(map(repr, unknown))} that the table does not "
                                               f"have; it has: {', '.join(header)}")
    known = {*LESION_COLUMNS, *PASSTHROUGH_COLUMNS, s.TARGET_SUM, s.NEW_LESIONS, s.NON_TARGET,
             "treatment_start", "treatment_end", "randomized", *extra}
    names = []
    for given in (column_map.get(c, c) for c in header):
        spelled = spelling(given)
        names.append(spelled if spelled in known else given)
    _refuse_repeated(names, header, name)
    return names


def spelling(header: str) -> str:
    """The contract name a header spells: its letters and digits in lower case, joined by "_" ("Long Axis
    (mm)", "long-axis, mm" -> "long_axis_mm")."""
    return re.sub(r"[^0-9a-z]+", "_", header.lower()).strip("_")


def _refuse_repeated(names: Sequence[str], header: Sequence[str], name: str) -> None:
    """A column given twice: ``names`` (the header's, or the contract's it spells) repeating one, refused
    naming both positions in ``header`` (1-based)."""
    repeated = pd.Index(names).duplicated(keep=False)
    if repeated.any():
        column = names[int(repeated.argmax())]
        positions = [i for i, n in enumerate(names) if n == column]
        given = ", ".join(f'{i + 1} ("{header[i]}")' for i in positions)
        raise InputError(name, [], column, f"the table has column {column} {len(positions)} times (header "
                                           f"columns {given}); keep one column per name")


# ---------------------------------------------------------------------------------------------
# Parsing text columns (the checks in io.validate name the cells these cannot parse)


def distinct(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """The code of every row of ``text`` and the distinct values the codes index.

    A cohort repeats its labels, ids, dates and sizes on many rows: text rules run once per value and
    their results are spread back with ``result[codes]``.
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    return codes, pd.Series(uniques, dtype=object)


def per_value(text: pd.Series, rule: Callable[[pd.Series], pd.Series | np.ndarray]) -> np.ndarray:
    """``rule`` applied to the distinct values of ``text`` only, its result spread back to every row."""
    codes, values = distinct(text)
    return np.asarray(rule(values))[codes]


MAX_ABS_DAY = 36_525
"""Days since treatment start beyond 100 years are refused: a slip (a date or an id in the day column),
and a 30-digit day would wrap around as a 64-bit integer."""


def parse_float(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numbers from text: (values with NaN for empty, mask of non-empty cells that are not numbers)."""
    codes, values = distinct(text)
    given = (values != "").to_numpy()
    numbers = pd.to_numeric(values.where(given), errors="coerce").to_numpy(np.float64)
    return numbers[codes], (given & ~np.isfinite(numbers))[codes]


def refuse_rows(file: str, rows: np.ndarray, bad: np.ndarray, column: str, message: str) -> None:
    """An :class:`InputError` at the file ``rows`` where ``bad`` holds, if any (a table's checks, one call
    per rule)."""
    if bad.any():
        raise InputError(file, rows[bad].tolist(), column, message)


def decimal_comma_hint(value: str) -> str:
    """For a number written with a decimal comma ("40,5", European Excel), the way to write it; else ""."""
    dotted = value.strip().replace(",", ".")
    if value.count(",") != 1 or not np.isfinite(pd.to_numeric(dotted, errors="coerce")):
        return ""
    return f'; the decimal separator looks like ",": write {dotted}'


def parse_bool(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Booleans from text (true/false, yes/no, y/n, 1/0; empty -> False): (values, mask of bad cells)."""
    codes, values = distinct(text)
    lowered = values.str.lower()
    true, false = lowered.isin(TRUE_WORDS).to_numpy(), lowered.isin(FALSE_WORDS).to_numpy()
    return true[codes], ~(true | false)[codes]


LABEL_SYNONYMS = {"too_small_to_measure": "too_small"}
"""The guideline's own wording for a status (RECIST 1.1 sec. 4.3.2 "too small to measure")."""


def normalise_label(text: pd.Series) -> pd.Series:
    """Lower case with "-" and spaces as "_" ("NON-TARGET" -> "non_target", "Too small" -> "too_small").

    "Too small to measure", the wording of RECIST 1.1 sec. 4.3.2, reads as ``too_small``.
    """
    def normalise(values: pd.Series) -> pd.Series:
        return values.str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True).replace(LABEL_SYNONYMS)

    return pd.Series(per_value(text, normalise), index=text.index, dtype=object)


def parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """ISO dates from text, partial dates imputed to the middle of the missing period.

    Returns
    -------
    iso : "YYYY-MM-DD" or "" (empty or unparsable)
    note : "date 2014-01 partial: imputed 2014-01-15" for imputed dates, else ""
    bad : mask of non-empty cells that are not ISO dates
    """
    codes, values = distinct(text)
    iso = np.full(len(values), "", dtype=object)
    note = iso.copy()
    bad = np.zeros(len(values), dtype=bool)
    for at, value in enumerate(values):  # a cohort has a few thousand distinct dates at most
        date, period = _calendar_date(value)
        if date is None or not FIRST_DATE <= date <= LAST_DATE:
            bad[at] = value != ""
            continue
        iso[at] = date.isoformat()
        if period:
            note[at] = f"date {period} partial: imputed {iso[at]}"
    spread = {"index": text.index, "dtype": object}
    return pd.Series(iso[codes], **spread), pd.Series(note[codes], **spread), bad[codes]


def _calendar_date(value: str) -> tuple[dt.date | None, str]:
    """The day an ISO date cell gives, a partial date imputed to the middle of its period, and that period
    ("2014", "2014-01"; "" for a whole date); None for a cell that is no calendar date ("2021-02-30",
    "03/2021"). A time part is allowed and not read."""
    match = _ISO_DATE.match(value) if isinstance(value, str) else None
    if match is None:
        return None, ""
    year, month, day = match.groups()
    try:
        date = dt.date(int(year), int(month or MID_YEAR_MONTH_DAY[:2]),
                       int(day or (MID_MONTH_DAY if month else MID_YEAR_MONTH_DAY[3:])))
    except ValueError:
        return None, ""
    return date, "" if day else "-".join(filter(None, (year, month)))


FIRST_DATE = (pd.Timestamp.min + pd.Timedelta(days=1)).date()
LAST_DATE = pd.Timestamp.max.date()
"""The first and last whole days of pandas' nanosecond timestamps (1677-09-22 to 2262-04-11), in which days
between dates are computed: a date beyond them (9999-12-31, 1600-01-01) is not read."""


def date_problem(value: str, expected: str = "YYYY-MM-DD") -> str:
    """Why :func:`parse_dates` calls a cell bad, for the messages that name it: not an ISO date (``expected``
    says what is), or an ISO date beyond the days the package computes with (:data:`LAST_DATE`: 9999-12-31
    is a placeholder)."""
    if _calendar_date(value.strip())[0] is not None:
        return (f"{value!r} is a date outside {FIRST_DATE} to {LAST_DATE}, the days the package computes "
                "with; a placeholder date (9999-12-31 for 'none')? leave the cell empty, or give the "
                "real date")
    return f"{value!r} is not an ISO date ({expected})"


class PartialDateWarning(s.IoresponseWarning):
    """Partial ISO dates (``YYYY``, ``YYYY-MM``) imputed: the rows, the column and the date used."""


def warn_partial_dates(file: str, rows: Sequence[int], column: str, first: str, *, stacklevel: int) -> None:
    """One :class:`PartialDateWarning` for the partial dates of ``column`` in ``file`` at ``rows`` (the first
    rows and how many, as :class:`InputError` lists rows), saying how the first was imputed (``first``)."""
    count = len(set(rows))
    if not count:
        return
    more = f" ({count} partial dates, each imputed the same way)" if count > 1 else ""
    error = InputError(file, rows, column, f"{first}{more}")
    warnings.warn(PartialDateWarning(error.located()), stacklevel=stacklevel + 1)


def warn_imputed_dates(file: str, rows: Sequence[int], column: str, notes: pd.Series, *, stacklevel: int
                       ) -> None:
    """:func:`warn_partial_dates` for the dates :func:`parse_dates` imputed to the middle of their period:
    ``notes`` are its notes, one per file row of ``rows`` ("" where nothing was imputed)."""
    imputed = (notes != "").to_numpy()
    if imputed.any():
        warn_partial_dates(file, np.asarray(rows)[imputed].tolist(), column,
                           f"{notes[imputed].iloc[0]}, the middle of the period it gives",
                           stacklevel=stacklevel + 1)


def days_between(iso: pd.Series, start_iso: pd.Series) -> np.ndarray:
    """Whole days from ``start_iso`` to ``iso`` (NaN where either is empty)."""
    end = pd.to_datetime(iso.where(iso != ""), format="%Y-%m-%d", errors="coerce")
    start = pd.to_datetime(start_iso.where(start_iso != ""), format="%Y-%m-%d", errors="coerce")
    return ((end - start).dt.days).to_numpy(dtype=np.float64)


def join_notes(*notes: pd.Series) -> pd.Series:
    """Join non-empty notes with "; "."""
    joined = notes[0]
    for note in notes[1:]:
        both = (joined != "") & (note != "")
        joined = (joined + np.where(both, "; ", "") + note).astype(object)
    return joined


# ---------------------------------------------------------------------------------------------
# Sum-only tables -> pseudo-lesions (briefs/contract.md)


def sum_value_status(text: pd.Series) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """Value, status and note of a ``target_sum_mm`` cell (unknown text is reported by io.validate)."""
    values, _ = parse_float(text)
    upper = text.str.strip().str.upper()
    status = pd.Series(s.Status.PRESENT.value, index=text.index, dtype=object)
    status = status.mask(values == 0, s.Status.ABSENT.value)
    for label, mapped in SUM_TEXT_STATUS.items():
        status = status.mask(upper == label, mapped.value)
    status = status.mask(text == "", s.Status.NOT_EVALUABLE.value)
    note = pd.Series("", index=text.index, dtype=object).mask(text == "", EMPTY_VALUE_NOTE)
    return values, status, note


def expand_sums(frame: pd.DataFrame) -> pd.DataFrame:
    """Pseudo-lesion rows of a text sum table (checked values), contract column names, text cells."""
    values, status, note = sum_value_status(frame[s.TARGET_SUM])
    target = frame.assign(**{
        s.LESION: TARGET_SUM_LESION, s.ROLE: s.Role.TARGET.value, s.ORGAN: SUM_ORGAN,
        s.LYMPH_NODE: "false", s.LONG_AXIS: [_number_text(v) for v in values], s.STATUS: status,
        "note": join_notes(frame["note"], note) if "note" in frame else note,
    })
    parts = [target]
    if s.NEW_LESIONS in frame.columns:
        present, _ = parse_bool(frame[s.NEW_LESIONS])
        parts.append(frame.assign(**{
            s.LESION: NEW_LESIONS_LESION, s.ROLE: s.Role.NEW.value, s.ORGAN: "", s.LYMPH_NODE: "false",
            s.LONG_AXIS: "", s.STATUS: np.where(present, s.Status.PRESENT.value, s.Status.ABSENT.value),
        }))
    if s.NON_TARGET in frame.columns:
        parts.append(frame.assign(**{
            s.LESION: NON_TARGET_LESION, s.ROLE: s.Role.NON_TARGET.value, s.ORGAN: "",
            s.LYMPH_NODE: "false", s.LONG_AXIS: "", s.STATUS: frame[s.NON_TARGET],
        }))
    return pd.concat(parts, ignore_index=True)


PSEUDO_LESIONS = (TARGET_SUM_LESION, NEW_LESIONS_LESION, NON_TARGET_LESION)
LESION_LEVEL_COLUMNS = (s.LESION, s.ROLE, s.ORGAN, s.LYMPH_NODE, *s.MEASUREMENT_COLUMNS, s.STATUS,
                        s.EQUIVOCAL, s.SLICE_THICKNESS)
"""Columns of a lesion table that describe one lesion, not the assessment: a sum table has none."""


def is_expanded_sums(frame: pd.DataFrame) -> bool:
    """Whether a lesion table is the pseudo-lesion form of a sum-only table (:func:`expand_sums`), as the
    ``lesions.*`` that ``assess`` writes for a sum-only or % change input: every lesion is one of
    :data:`PSEUDO_LESIONS` and the target sums are in the organ :data:`SUM_ORGAN`."""
    if s.ORGAN not in frame.columns or not len(frame):
        return False
    lesion = frame[s.LESION].astype(str).str.strip()
    targets = lesion == TARGET_SUM_LESION
    return bool(lesion.isin(PSEUDO_LESIONS).all() and targets.any()
                and (frame.loc[targets, s.ORGAN].astype(str).str.strip() == SUM_ORGAN).all())


def collapse_sums(frame: pd.DataFrame) -> pd.DataFrame:
    """The sum-only table (text cells) that :func:`expand_sums` made ``frame`` from: one row per target sum,
    ``target_sum_mm`` written back as the sum table spells it (a number, 0 for absent, NOT EVALUABLE, TOO
    SMALL TO MEASURE, or empty when the input's cell was), ``new_lesions`` and ``non_target`` when ``frame``
    has their pseudo-lesions; the assessment's other columns and row number are the target sum row's."""
    lesion = frame[s.LESION].astype(str).str.strip()
    target = frame[lesion == TARGET_SUM_LESION]
    status = target[s.STATUS].astype(str).str.strip().str.lower()
    note = target["note"].fillna("").astype(str) if "note" in target else pd.Series("", index=target.index)
    empty = note.str.contains(EMPTY_VALUE_NOTE, regex=False)
    words = {v.value: k for k, v in SUM_TEXT_STATUS.items() if k != "NE"}
    value = target[s.LONG_AXIS].where(status == s.Status.PRESENT.value, status.map(words).fillna(""))
    value = value.mask(status == s.Status.ABSENT.value, "0").mask(empty, "")
    rebuilt = (*LESION_LEVEL_COLUMNS, s.TARGET_SUM, s.NEW_LESIONS, s.NON_TARGET)
    sums = target.drop(columns=[c for c in rebuilt if c in target.columns])
    sums[s.TARGET_SUM] = value
    if "note" in sums:
        sums["note"] = note.str.replace(EMPTY_VALUE_NOTE, "", regex=False).str.strip("; ")
    keys = [c for c in (s.PATIENT, s.READER, s.DAY, s.DATE) if c in frame.columns]
    for pseudo, column in ((NEW_LESIONS_LESION, s.NEW_LESIONS), (NON_TARGET_LESION, s.NON_TARGET)):
        rows = frame[lesion == pseudo]
        if not len(rows):
            continue
        state = rows[s.STATUS].astype(str).str.strip()
        if pseudo == NEW_LESIONS_LESION:  # present when the sum table said new lesions were seen
            state = np.where(state == s.Status.PRESENT.value, "true", "false")
        sums = sums.merge(rows[keys].assign(**{column: state}), on=keys, how="left", validate="one_to_one")
    return sums.reset_index(drop=True)


def _number_text(value: float) -> str:
    return "" if not np.isfinite(value) else repr(float(value))


def missing_components(frame: pd.DataFrame) -> frozenset[str]:
    """Components a sum-only table does not carry (Study.missing_components)."""
    absent = set()
    if s.NEW_LESIONS not in frame.columns:
        absent.add("new")
    if s.NON_TARGET not in frame.columns:
        absent.add("non_target")
    return frozenset(absent)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as CSV with the bytes of pandas' ``to_csv(index=False, lineterminator="\\n")``: booleans
    True/False, missing values and empty text as empty cells. Written by polars, several times faster
    on a cohort's tables."""
    table = pl.from_pandas(frame)  # NaN becomes null, written as an empty cell
    as_pandas = [
        pl.when(pl.col(name)).then(pl.lit("True")).when(~pl.col(name)).then(pl.lit("False")).alias(name)
        for name, dtype in table.schema.items()
        if dtype == pl.Boolean
    ] + [
        pl.when(pl.col(name) == "").then(None).otherwise(pl.col(name)).alias(name)  # pandas does not quote ""
        for name, dtype in table.schema.items()
        if dtype == pl.String
    ]
    table.with_columns(as_pandas).write_csv(path, line_terminator="\n")
