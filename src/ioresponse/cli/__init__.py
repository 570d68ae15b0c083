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

from ioresponse.cli import assess as _assess  # noqa: E402

app.command("assess")(_assess.assess)
app.command("validate")(_assess.validate)
app.command("explain")(_assess.explain)
app.command("compare")(_assess.compare_command)

from ioresponse.cli import pet as _pet  # noqa: E402

app.add_typer(_pet.app, name="pet")

from ioresponse.cli import patterns as _patterns  # noqa: E402

app.command("patterns")(_patterns.patterns)
