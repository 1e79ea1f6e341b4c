"""`pipeline cache …`: the translation cache of the project."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from pipeline.cli.base import (
    JsonOption,
    PipelineTyper,
    ProjectOption,
    app,
    load_project,
    print_json,
)
from pipeline.console import reports_errors, stdout
from pipeline.mt.cache import TranslationCache
from pipeline.project import Overrides

cache_app = PipelineTyper(help="Inspect or clear the translation cache.")
app.add_typer(cache_app, name="cache")


def _cache_path(project: Path) -> Path:
    return load_project(project, Overrides(no_glossary=True)).layout.cache


@cache_app.command("stats")
@reports_errors
def cache_stats(project: ProjectOption = Path("."), as_json: JsonOption = False) -> None:
    """Show the size of the translation cache, per model route.

    Example: pipeline cache stats
    """
    with TranslationCache(_cache_path(project)) as cache:
        stats = cache.stats()
    if as_json:
        print_json(
            {
                "path": str(stats.path),
                "entries": stats.entries,
                "bytes": stats.bytes,
                "routes": stats.routes,
            }
        )
        return
    stdout.print(
        f"Translation cache {escape(str(stats.path))} ({stats.bytes / 1024**2:.1f} MB)",
        highlight=False,
        soft_wrap=True,
    )
    table = Table()
    table.add_column("route")
    table.add_column("entries", justify="right")
    for route, count in sorted(stats.routes.items()):
        table.add_row(route, str(count))
    table.add_section()
    table.add_row("total", str(stats.entries))
    stdout.print(table)


@cache_app.command("clear")
@reports_errors
def cache_clear(project: ProjectOption = Path(".")) -> None:
    """Delete every cached machine translation (reviewed PO entries are not touched).

    Example: pipeline cache clear
    """
    with TranslationCache(_cache_path(project)) as cache:
        removed = cache.clear()
    stdout.print(f"removed {removed} cached translations")
