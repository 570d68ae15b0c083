"""The ``ioresponse`` command line (typer + rich)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="ioresponse",
    help="Tumour response under immunotherapy: every criterion side by side, with reasons.",
    no_args_is_help=True,
    add_completion=False,
)

from ioresponse.cli import report as _report  # noqa: E402

app.command("report")(_report.report)
app.command("export")(_report.export)
