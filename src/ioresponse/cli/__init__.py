"""The ``ioresponse`` command line (typer + rich).

Help is laid out by click's plain formatter (``rich_markup_mode=None``), not typer's rich panels: the
panels give an option's name, its ``--no-`` form, its type and its help one table column each, so
``--censor-at-new-therapy / --no-censor-at-new-therapy`` alone leaves no room for the help at 80
columns, and they show a ``<bool>`` value on every flag. The plain layout puts a long option on its own
line and shows flags without a value. Results, tables and progress are still printed with rich.

Commands are listed in the order a user meets them: check and assess a table, read the results back,
then the cohort report and the export; PET quantification comes before any of it but is a tool apart.

Each command imports what it computes with (pandas, the criteria, scipy, lifelines, matplotlib) when it
runs, not when this package is imported: ``--version`` and ``--help`` load only typer and rich.
"""

from __future__ import annotations

from importlib import metadata
from typing import Annotated

import typer

app = typer.Typer(
    name="ioresponse",
    help="Tumour response under immunotherapy: every criterion side by side, with reasons.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _print_version(requested: bool) -> None:
    if requested:
        typer.echo(f"ioresponse {metadata.version('ioresponse')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Show the installed version and exit."
        ),
    ] = False,
) -> None:
    """Options of ``ioresponse`` itself, before any command."""
    from ioresponse.memory import reuse_freed_memory  # pyarrow: only when a command runs

    reuse_freed_memory()


from ioresponse.cli import assess as _assess  # noqa: E402

app.command("assess")(_assess.assess)
app.command("validate")(_assess.validate)
app.command("explain")(_assess.explain)
app.command("compare")(_assess.compare_command)

from ioresponse.cli import patterns as _patterns  # noqa: E402

app.command("patterns")(_patterns.patterns)

from ioresponse.cli import report as _report  # noqa: E402

app.command("report")(_report.report)
app.command("export")(_report.export)

from ioresponse.cli import pet as _pet  # noqa: E402

app.add_typer(_pet.app, name="pet")
