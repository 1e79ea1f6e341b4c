"""`pipeline report` (the HTML review report) and `pipeline quality` (MT against reviews)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pipeline.cli.base import (
    GlossaryOption,
    JsonOption,
    LangOption,
    ProjectOption,
    app,
    exit_if_unreadable,
    load_project,
    optional_languages,
    print_json,
)
from pipeline.console import reports_errors, stdout
from pipeline.project import Overrides
from pipeline.qa.quality import collect_pairs, quality_report
from pipeline.qa.report import build_report, write_report


@app.command()
@reports_errors
def quality(
    project: ProjectOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measure MT against what reviewers approved: chrF, TER, share accepted unchanged.

    Example: pipeline quality --lang en
    """
    resolved = load_project(project, Overrides(no_glossary=True))
    languages = optional_languages(lang)
    pairs = collect_pairs(resolved.layout, list(languages) if languages else None)
    report = quality_report(pairs)
    if as_json:
        print_json(report.as_dict())
        return
    if not pairs:
        stdout.print("No reviewed machine translations yet: review some PO entries first.")
        return
    groups = {
        "by language": report.overall,
        "by release": report.by_release,
        "by model": report.by_model,
        "by month": report.by_month,
    }
    for title, scores in groups.items():
        table = Table(title=f"MT quality {title}")
        for column in ("group", "segments", "accepted unchanged", "chrF", "TER"):
            table.add_column(column, justify="left" if column == "group" else "right")
        for score in scores:
            table.add_row(
                score.group,
                str(score.segments),
                f"{score.unchanged} ({score.accepted_share:.0f} %)",
                f"{score.chrf:.1f}",
                f"{score.ter:.1f}",
            )
        stdout.print(table)
    if report.corrections:
        table = Table(title="Repeated corrections (glossary candidates)")
        for column in ("machine", "approved", "times", "example"):
            table.add_column(column, overflow="fold")
        for item in report.corrections:
            table.add_row(item.machine, item.approved, str(item.count), item.example)
        stdout.print(table)


@app.command()
@reports_errors
def report(
    project: ProjectOption = Path("."),
    lang: LangOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Where to write (default: report.html in the output folder)."
        ),
    ] = None,
    glossary: GlossaryOption = None,
) -> None:
    """Write a self-contained HTML review report with QA findings per segment.

    Source and translation side by side, state, glossary terms, progress per language.

    Example: pipeline report --lang en -o review.html
    """
    resolved = load_project(project, Overrides(glossaries=tuple(glossary) if glossary else None))
    languages = optional_languages(lang)
    built = build_report(resolved.layout, resolved.matcher, languages)
    written = write_report(resolved.layout, built.html, output)
    muted = f", {built.muted} muted" if built.muted else ""
    skipped = f"; {len(built.unreadable)} unreadable PO files left out" if built.unreadable else ""
    stdout.print(f"wrote {written} ({built.counted} QA findings{muted}{skipped})")
    exit_if_unreadable(list(built.unreadable))
