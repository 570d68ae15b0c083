"""What every command shares: the console and the rule that bad input exits 2 with a located message."""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from ioresponse.schema import (
    BEST_RESPONSE_COLUMNS,
    DAY,
    PATIENT,
    READER,
    TIMEPOINT_COLUMNS,
    InputError,
    IoresponseWarning,
)

if TYPE_CHECKING:
    import pandas as pd

console = Console(markup=False, emoji=False)
err_console = Console(stderr=True, markup=False, emoji=False, soft_wrap=True)
"""Without markup or emoji codes: a patient, lesion or reason with brackets ("T[left]") or colons
("P:cat:") prints as written; styles are given as :func:`styled` text. Errors and warnings are not
folded: a file path in a message stays whole in a log, and a terminal wraps the line itself."""


def styled(label: str, style: str, rest: str = "") -> Text:
    """``label`` in ``style``, then ``rest`` as written: ``styled("error:", "bold red", message)``."""
    return Text.assemble((label, style), f" {rest}" if rest else "")

P = ParamSpec("P")
R = TypeVar("R")

INPUT_ERROR_EXIT = 2


def handles_input_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn an :class:`InputError` into its located message and exit code 2, never a traceback; so is an
    ``OSError`` of a path given (a file where a folder is wanted, no permission), named with its path.

    Warnings of ioresponse are printed in yellow and the command goes on.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", IoresponseWarning)
            try:
                return command(*args, **kwargs)
            except InputError as error:
                err_console.print(styled("error:", "bold red", error.located()), highlight=False)
                raise typer.Exit(INPUT_ERROR_EXIT) from None
            except OSError as error:  # a path that cannot be written or read: an --out folder on a file, ...
                where = f"{error.filename}: " if error.filename else ""
                err_console.print(styled("error:", "bold red", f"{where}{error.strerror or error}"),
                                  highlight=False)
                raise typer.Exit(INPUT_ERROR_EXIT) from None
            finally:
                ours = [str(w.message) for w in caught if issubclass(w.category, IoresponseWarning)]
                for message in merged_warnings(ours):
                    err_console.print(styled("warning:", "yellow", message), highlight=False)

    return wrapper


_CRITERION_AT_END = re.compile(r"^(?P<text>.*) \((?P<key>[a-z0-9]+)\)$", re.DOTALL)


def merged_warnings(messages: list[str]) -> list[str]:
    """``messages`` each once; the same warning of several criteria (the criterion key in brackets at
    its end) becomes one that names them all in the registry's order: "... (recist11, irrecist,
    imrecist)". The criteria run in threads, so their warnings come in the registry's order of their
    first criterion, after the warnings of no criterion, whatever thread finished first."""
    if not messages:  # nothing to merge: the criteria (pandas, numba) are not imported for a pet command
        return []
    from ioresponse.criteria import registry

    order = list(registry())
    keys: dict[str, set[str]] = {}
    for message in messages:
        match = _CRITERION_AT_END.match(message)
        known = match is not None and match["key"] in order
        text = match["text"] if known else message
        keys.setdefault(text, set()).update([match["key"]] if known else [])
    first = sorted(keys, key=lambda text: min(map(order.index, keys[text]), default=-1))  # stable
    return [f"{text} ({', '.join(sorted(keys[text], key=order.index))})" if keys[text] else text
            for text in first]


TEXT_COLUMNS = {PATIENT: str, READER: str, "criterion": str, "lesion_id": str, "date": str}
"""Identity columns of the output tables read from CSV as written: "007" keeps its zeros, and a patient
"NA" stays "NA" (not NaN)."""


def output_path(outdir: Path, name: str) -> Path | None:
    """The file of an ``assess`` output table: the newer of ``<name>.parquet`` and ``<name>.csv``
    (``assess`` writes the Parquet file last, so a run writing both is read from Parquet, and a later
    CSV-only run is never shadowed by an older Parquet file); None when neither exists."""
    written = [path for suffix in (".parquet", ".csv") if (path := outdir / f"{name}{suffix}").exists()]
    return max(written, key=lambda p: p.stat().st_mtime_ns) if written else None


def read_output(outdir: Path, name: str, *, required: bool = True) -> pd.DataFrame | None:
    """An output table of ``assess`` (:func:`output_path`); None when optional and absent.

    Raises
    ------
    InputError
        A required table is missing or empty, lacks ``patient_id`` or a column of the output contract
        (spec/anatomic.md 0.9), or holds a row twice (a patient's call under a criterion on a day).
    """
    import pandas as pd

    from ioresponse.io.tables import guarded

    path = output_path(outdir, name)
    if path is None:
        if not required:
            return None
        raise InputError(str(outdir), [], None, f"no {name}.parquet or {name}.csv: run `ioresponse assess "
                                                f"INPUT --out {outdir}` first")
    written_by = f"expected a table written by `ioresponse assess INPUT --out {outdir}`"
    empty = f"empty file, not even a header row; {written_by}"
    if path.suffix == ".parquet":
        table = guarded(lambda: pd.read_parquet(path), path, str(path), empty=empty)
    else:
        table = guarded(lambda: pd.read_csv(path, converters=TEXT_COLUMNS, encoding="utf-8"), path, str(path),
                        empty=empty)
    missing = [c for c in (PATIENT, *OUTPUT_COLUMNS.get(name, ())) if c not in table.columns]
    if missing:
        raise InputError(str(path), [], missing[0], f"missing column(s) {', '.join(missing)}; expected a "
                         "table written by `ioresponse assess` (spec/anatomic.md 0.9)")
    if READER in table.columns:
        table[READER] = table[READER].fillna("").astype(str)
    if name in OUTPUT_KEYS:
        twice = table.duplicated(list(OUTPUT_KEYS[name]), keep=False).to_numpy()
        if twice.any():
            first_row = 2 if path.suffix == ".csv" else 1  # the header is CSV row 1; Parquet rows from 1
            raise InputError(str(path), (twice.nonzero()[0] + first_row).tolist(), None,
                             f"rows with the same {', '.join(OUTPUT_KEYS[name])}: a call appears twice; "
                             "expected a table written by `ioresponse assess`")
    return table


OUTPUT_COLUMNS = {"timepoints": TIMEPOINT_COLUMNS, "best_response": BEST_RESPONSE_COLUMNS}
"""The columns every timepoint and best-response table has (spec/anatomic.md 0.9)."""
OUTPUT_KEYS = {"timepoints": (PATIENT, READER, "criterion", DAY),
               "best_response": (PATIENT, READER, "criterion")}
"""One row per patient (x reader) x criterion (x assessment), spec/anatomic.md 0.9."""
