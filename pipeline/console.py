"""What every command shares: the consoles, error reporting, the progress bar."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from pipeline.errors import PipelineError

EXIT_INTERRUPTED = 130

stdout = Console(soft_wrap=False)
stderr = Console(stderr=True, soft_wrap=True)
state = {"debug": False}

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print project errors without a traceback (unless --debug) and exit with their code."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except PipelineError as error:
            if state["debug"]:
                raise
            stderr.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            stderr.print("[yellow]interrupted[/]")
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper


def progress_bar(*columns: ProgressColumn, quiet: bool) -> Progress:
    """A progress bar on stderr, shown only on a terminal and never with --json."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        *columns,
        console=stderr,
        transient=True,
        disable=quiet or not stderr.is_terminal,
    )
