"""Errors a user can cause, with the file, the position and the fix."""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """Base class for errors that the CLI prints without a traceback."""

    exit_code = 1

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

    exit_code = 3


class BusyError(PipelineError):
    """Another run holds the project lock."""

    exit_code = 6
