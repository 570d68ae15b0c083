"""What every command shares: the console and the rule that bad input exits 2 with a located message."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from ioresponse.schema import InputError, IoresponseWarning

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

INPUT_ERROR_EXIT = 2


def handles_input_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn an :class:`InputError` into its located message and exit code 2, never a traceback.

    Warnings of ioresponse are printed in yellow and the command goes on.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", IoresponseWarning)
            try:
                return command(*args, **kwargs)
            except InputError as error:
                err_console.print(f"[bold red]error:[/] {error.located()}", highlight=False)
                raise typer.Exit(INPUT_ERROR_EXIT) from None
            finally:
                for warning in caught:
                    if issubclass(warning.category, IoresponseWarning):
                        err_console.print(f"[yellow]warning:[/] {warning.message}", highlight=False)

    return wrapper
