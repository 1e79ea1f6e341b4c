"""Errors a user can cause, with the file, the position and the fix."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """What the exit status of every command means (the README lists them)."""

    OK = 0
    FINDINGS = 1  # QA errors on reviewed translations, lint errors, unreviewed segments
    USAGE = 2  # a bad option or argument (typer's own)
    INPUT = 3  # a file or setting that cannot be used: the message names it and the fix
    MODEL = 4  # a needed translation model is missing or broken
    NETWORK = 5  # the Argos package index could not be reached
    BUSY = 6  # another run holds the project lock
    INTERRUPTED = 130  # Ctrl-C


class PipelineError(Exception):
    """Base class for errors that the CLI prints without a traceback."""

    exit_code = ExitCode.FINDINGS

    def __init__(
        self,
        problem: str,
        *,
        path: Path | str | None = None,
        where: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = Path(path) if path is not None else None
        self.where = where
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        location = ""
        if self.path is not None:
            location = f"{self.path}"
            if self.where:
                location += f", {self.where}"
            location += ": "
        text = location + self.problem
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class InputError(PipelineError):
    """A source file, glossary or PO file the pipeline cannot read."""

    exit_code = ExitCode.INPUT


class BusyError(PipelineError):
    """Another run holds the project lock."""

    exit_code = ExitCode.BUSY
