"""`ioresponse validate INPUT`: every problem listed with its location, exit code 2 (issue 3, item 3)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ioresponse.cli import app
from ioresponse.cli._common import INPUT_ERROR_EXIT

DATA = Path(__file__).resolve().parent / "data"


def _run(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


def _text(result) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_validate_bad_file_exits_2_with_the_located_message():
    result = _run(str(DATA / "unknown_role.csv"))
    assert result.exit_code == INPUT_ERROR_EXIT
    assert 'unknown_role.csv, row 3, column role: "nontarget" is not an allowed value' in _text(result)


def test_validate_missing_column_exits_2_naming_the_column():
    result = _run(str(DATA / "missing_column.csv"))
    assert result.exit_code == INPUT_ERROR_EXIT
    assert "missing_column.csv, column organ: missing required column(s): organ" in _text(result)


def test_validate_valid_file_exits_0():
    result = _run(str(DATA / "split_fragments.csv"))
    assert result.exit_code == 0
    assert "no problem found" in _text(result)
