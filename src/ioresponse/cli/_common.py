"""What every command shares: the console and the rule that bad input exits 2 with a located message."""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from ioresponse.criteria import registry
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
                ours = [str(w.message) for w in caught if issubclass(w.category, IoresponseWarning)]
                for message in merged_warnings(ours):
                    err_console.print(f"[yellow]warning:[/] {message}", highlight=False)

    return wrapper


_CRITERION_AT_END = re.compile(r"^(?P<text>.*) \((?P<key>[a-z0-9]+)\)$", re.DOTALL)


def merged_warnings(messages: list[str]) -> list[str]:
    """``messages`` each once; the same warning of several criteria (the criterion key in brackets at
    its end) becomes one that names them all in the registry's order: "... (recist11, irrecist,
    imrecist)". The criteria run in threads, so their warnings come in the registry's order of their
    first criterion, after the warnings of no criterion, whatever thread finished first."""
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
