"""What every command shares: the consoles, error reporting, the progress bar."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column

from pipeline.errors import PipelineError

EXIT_INTERRUPTED = 130
# Without a terminal (a CI log, a pipe) nothing limits the width: tables are not squeezed
# into 80 columns and a file path stays on one line. COLUMNS still sets it.
WIDTH_WITHOUT_TERMINAL = 300


class PipelineConsole(Console):
    """A rich console that is wide when it writes to no terminal (unless COLUMNS is set).

    Decided at each print, so it follows where the output goes (a test's captured stdout,
    a redirected stream).
    """

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self._width is None and not self.is_terminal and not os.environ.get("COLUMNS"):
            return ConsoleDimensions(WIDTH_WITHOUT_TERMINAL, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


stdout = PipelineConsole(soft_wrap=False)
stderr = PipelineConsole(stderr=True, soft_wrap=True)
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


def progress_bar(*columns: ProgressColumn, quiet: bool, console: Console | None = None) -> Progress:
    """A progress bar on stderr, shown only on a terminal and never with --json.

    The label keeps its width (the bar is what shrinks), so at 80 columns it still says
    what is being counted.
    """
    shown = console or stderr
    for column in columns:
        if column.get_table_column().no_wrap is False and column._table_column is None:
            column._table_column = Column(no_wrap=True)
    return Progress(
        TextColumn("[progress.description]{task.description}", table_column=Column(no_wrap=True)),
        BarColumn(bar_width=None, table_column=Column(max_width=40)),
        MofNCompleteColumn(table_column=Column(no_wrap=True)),
        TimeElapsedColumn(table_column=Column(no_wrap=True)),
        *columns,
        console=shown,
        transient=True,
        disable=quiet or not shown.is_terminal,
    )
