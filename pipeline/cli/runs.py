"""`pipeline run` and `pipeline init`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import TaskID, TimeRemainingColumn
from rich.table import Table

from pipeline.cli.base import (
    AbbreviationsOption,
    EncodingOption,
    GlossaryOption,
    JsonOption,
    LevelOption,
    ModelsDirOption,
    ProjectOption,
    RateColumn,
    app,
    language_codes,
    load_project,
    no_nan,
    print_json,
    warn_outside,
)
from pipeline.config import CONFIG_NAME, default_toml
from pipeline.console import progress_bar, reports_errors, stderr, stdout
from pipeline.errors import ExitCode, InputError
from pipeline.files import atomic_write
from pipeline.project import Overrides, Project
from pipeline.run import RunReport, run_project


@app.command()
@reports_errors
def run(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Releases or folders (default: the sources of pipeline.toml)."),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Target languages, comma-separated.")
    ] = None,
    project: ProjectOption = Path("."),
    as_json: JsonOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write and translate nothing.")
    ] = False,
    require_mt: Annotated[
        bool | None,
        typer.Option("--require-mt/--allow-missing-mt", help="A missing model is an error."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Process every release, even unchanged ones.")
    ] = False,
    models_dir: ModelsDirOption = None,
    glossary: GlossaryOption = None,
    no_glossary: Annotated[
        bool, typer.Option("--no-glossary", help="Do not enforce or hint glossary terms.")
    ] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the MT cache.")] = False,
    tm_threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=1.0, callback=no_nan, help="Similarity for fuzzy TM matches (0–1)."
        ),
    ] = None,
    beam_size: Annotated[int | None, typer.Option(min=1, help="Beam size.")] = None,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Batches decoded in parallel, one thread each.")
    ] = None,
    level: LevelOption = None,
    encoding: EncodingOption = None,
    abbreviations: AbbreviationsOption = None,
) -> None:
    """Take releases through segmentation, glossary, MT and PO export, incrementally.

    Settings come from pipeline.toml (see `pipeline init`); options override it. Reviewed
    translations are always kept; unchanged releases are skipped. Without a model for a
    language the PO files are still written (TM suggestions, glossary hints).
    Example: pipeline run --to en,fr
    """
    overrides = Overrides(
        languages=language_codes(to) if to else None,
        level=level,
        encoding=encoding,
        abbreviations=tuple(abbreviations) if abbreviations else None,
        glossaries=tuple(glossary) if glossary else None,
        no_glossary=no_glossary,
        models_dir=models_dir,
        beam_size=beam_size,
        threads=threads,
        cache=False if no_cache else None,
        require_mt=require_mt,
        tm_threshold=tm_threshold,
    )
    resolved = load_project(project, overrides)
    report = _run_with_progress(resolved, files, dry_run, not full, as_json)
    _report_run(report, as_json)
    missing = report.export.missing_models if report.export else {}
    if report.failures:
        raise typer.Exit(ExitCode.INPUT)
    if missing and resolved.require_mt:
        raise typer.Exit(ExitCode.MODEL)
    qa_errors = sum(r.qa_errors for r in report.export.results) if report.export else 0
    if qa_errors:
        raise typer.Exit(ExitCode.FINDINGS)


@app.command()
@reports_errors
def init(
    project: Annotated[
        Path, typer.Option("--project", help="Folder to write pipeline.toml in.", file_okay=False)
    ] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented pipeline.toml with every setting and its default.

    Example: pipeline init
    """
    path = project / CONFIG_NAME
    if path.exists() and not force:
        raise InputError("already exists", path=path, fix="edit it, or pass --force")
    atomic_write(path, default_toml().encode("utf-8"))
    stdout.print(f"wrote {path}")


def _run_with_progress(
    project: Project, files: list[Path] | None, dry_run: bool, incremental: bool, quiet: bool
) -> RunReport:
    with progress_bar(RateColumn(), TimeRemainingColumn(), quiet=quiet) as progress:
        task = progress.add_task("segmenting", total=None)
        tasks: dict[str, TaskID] = {}

        def segmented(path: Path) -> None:
            progress.update(task, advance=1, description=f"segmenting {path.name}")

        def translated(language: str, done: int, total: int) -> None:
            if language not in tasks:
                tasks[language] = progress.add_task(f"translating de→{language}", total=total)
            progress.update(tasks[language], completed=done)

        return run_project(
            project,
            files,
            dry_run=dry_run,
            incremental=incremental,
            on_release=segmented,
            on_translate=translated,
            warn=warn_outside,
        )


def _report_run(report: RunReport, as_json: bool) -> None:
    if as_json:
        print_json(_run_summary_dict(report))
    else:
        _print_run_summary(report)
    for result in report.results:
        for warning in result.warnings:
            stderr.print(
                f"[yellow]warning:[/] {escape(str(result.path))}: {escape(warning)}",
                highlight=False,
            )
    exported = report.export
    for language, fix in exported.missing_models.items() if exported else []:
        reason = exported.missing_reasons.get(language, "")
        stderr.print(
            f"[yellow]no model translates de→{language}:[/] {escape(reason)}\n  PO files were "
            "written with translation-memory suggestions and glossary hints only; machine "
            f"suggestions already in them were kept. Install the model with: {escape(fix)}",
            highlight=False,
        )
    for failure in report.failures:
        stderr.print(f"[bold red]error:[/] {escape(failure.message)}", highlight=False)


def _run_totals(report: RunReport) -> dict[str, object]:
    exported = report.export
    results = exported.results if exported else ()
    return {
        "releases": len(report.results) + len(report.unchanged),
        "releases_unchanged": len(report.unchanged),
        "segments": sum(r.segments for r in report.results),
        "new_mt": exported.mt_new if exported else 0,
        "cache_hits": exported.mt_cached if exported else 0,
        "needing_mt": exported.mt_wanted if exported else 0,
        "tm_reuse": sum(r.stats.tm_exact + r.stats.tm_fuzzy for r in results),
        "reviewed_kept": sum(r.stats.reviewed_kept for r in results),
        "drafts_kept": sum(r.stats.drafts_kept for r in results),
        "suggestions_kept": sum(r.stats.mt_kept + r.stats.tm_kept for r in results),
        "untranslated": sum(r.stats.untranslated for r in results),
        "obsolete": sum(r.stats.obsolete for r in results),
        "qa_errors": sum(r.qa_errors for r in results),
        "qa_warnings": sum(r.qa_warnings for r in results),
        "files_written": sum(r.written for r in results)
        + (exported.templates_written if exported else 0),
        "seconds": {stage: round(value, 3) for stage, value in report.seconds.items()},
        "dry_run": report.dry_run,
    }


def _run_summary_dict(report: RunReport) -> dict[str, object]:
    exported = report.export
    return {
        "summary": _run_totals(report),
        "releases": [
            {
                "file": str(result.path),
                "format": result.format,
                "blocks": result.blocks,
                "segments": result.segments,
                "words": result.words,
                "warnings": list(result.warnings),
            }
            for result in report.results
        ],
        "unchanged": [str(path) for path in report.unchanged],
        "po_files": [
            {
                "release": str(item.release),
                "language": item.language,
                "file": str(item.po_file),
                "written": item.written,
                "qa_errors": item.qa_errors,
                "qa_warnings": item.qa_warnings,
                **asdict(item.stats),
            }
            for item in (exported.results if exported else ())
        ],
        "missing_models": dict(exported.missing_models) if exported else {},
        "missing_model_reasons": dict(exported.missing_reasons) if exported else {},
        "errors": [
            {"file": str(failure.path) if failure.path.name else None, "message": failure.message}
            for failure in report.failures
        ],
    }


_SUMMARY_LABELS = {
    "releases": "releases",
    "releases_unchanged": "  of them unchanged (skipped)",
    "segments": "segments processed",
    "new_mt": "new machine translations",
    "cache_hits": "cache hits",
    "tm_reuse": "translation-memory reuse",
    "reviewed_kept": "reviewed translations kept",
    "drafts_kept": "reviewer drafts kept",
    "suggestions_kept": "suggestions kept (nothing new to offer)",
    "qa_errors": "QA errors",
    "qa_warnings": "QA warnings",
    "files_written": "files written",
}


def _print_run_summary(report: RunReport) -> None:
    if report.export and report.export.results:
        table = Table(title="PO files" + (" (dry run: nothing written)" if report.dry_run else ""))
        columns = ("file", "reviewed kept", "TM", "MT", "untranslated", "obsolete", "QA e/w")
        for column in columns:
            justify = "left" if column == "file" else "right"
            table.add_column(column, overflow="fold", justify=justify)
        for item in report.export.results:
            stats = item.stats
            verb = "would change" if report.dry_run else ""
            name = str(item.po_file) + (f" ({verb})" if item.written and verb else "")
            if not item.written:
                name += " (unchanged)"
            table.add_row(
                name,
                str(stats.reviewed_kept + stats.drafts_kept),
                str(stats.tm_exact + stats.tm_fuzzy + stats.tm_kept),
                str(stats.mt + stats.mt_kept),
                str(stats.untranslated),
                str(stats.obsolete),
                f"{item.qa_errors}/{item.qa_warnings}",
            )
        stdout.print(table)
    totals = _run_totals(report)
    table = Table(title="Run summary", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    for key, label in _SUMMARY_LABELS.items():
        table.add_row(label, str(totals[key]))
    for stage, seconds in report.seconds.items():
        table.add_row(f"time: {stage}", f"{seconds:.2f} s")
    stdout.print(table)
