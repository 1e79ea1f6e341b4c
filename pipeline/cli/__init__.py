"""Command line: a typer app with one module per command group, parsing and rendering only.

Exit codes are `pipeline.errors.ExitCode` (listed in the README).
"""

from __future__ import annotations

import importlib

from pipeline.cli.base import app

# Registered in the order `pipeline --help` lists them.
COMMAND_GROUPS = ("runs", "segments", "review", "reports", "models", "probe", "glossary", "cache")
for _group in COMMAND_GROUPS:
    importlib.import_module(f"pipeline.cli.{_group}")

__all__ = ["COMMAND_GROUPS", "app", "main"]


def main() -> None:
    """Console-script entry point."""
    app(prog_name="pipeline")
