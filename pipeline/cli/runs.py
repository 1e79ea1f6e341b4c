"""`pipeline run` and `pipeline init`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import TaskID, TimeRemainingColumn
from rich.table import Table

from pipeline.cli.base import (
    AbbreviationsOption,
    ComputeTypeOption,
    DeviceIndexOption,
    DeviceOption,
    EncodingOption,
    ExecutorOption,
    GlossaryOption,
    JsonOption,
    LevelOption,
    ModelsDirOption,
    ProjectOption,
    RateColumn,
    RayAddressOption,
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
    compute: ComputeTypeOption = None,
    device: DeviceOption = None,
    device_index: DeviceIndexOption = None,
    executor: ExecutorOption = None,
    ray_address: RayAddressOption = None,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Batches decoded in parallel, one thread each.")
    ] = None,
    level: LevelOption = None,
    encoding: EncodingOption = None,
    abbreviations: AbbreviationsOption = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Exit 1 on QA errors in unreviewed suggestions too, not only in "
            "reviewed translations.",
        ),
    ] = False,
) -> None:
    """Take releases through segmentation, glossary, MT and PO export, incrementally.

    Settings come from pipeline.toml (see `pipeline init`); options override it. Reviewed
    translations are always kept; unchanged releases are skipped. Without a model for a
    language the PO files are still written (TM suggestions, glossary hints). Exits 0 when
    the files were written, even if machine suggestions have QA findings (reviewers see
    them in the PO files); 1 when a reviewed translation has a QA error.
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
        compute_type=compute,
        device=device,
        device_index=device_index,
        executor=executor,
        ray_address=ray_address,
        threads=threads,
        cache=False if no_cache else None,
        require_mt=require_mt,
        tm_threshold=tm_threshold,
    )
    resolved = load_project(project, overrides)
    report = _run_with_progress(resolved, files, dry_run, not full, as_json)
    _report_run(report, as_json)
    raise typer.Exit(run_exit_code(report, resolved.require_mt, strict))


def run_exit_code(report: RunReport, require_mt: bool, strict: bool) -> ExitCode:
    """What a run's exit status says about the files (the README's table)."""
    missing = report.export.missing_models if report.export else {}
    if report.failures:
        return ExitCode.INPUT
    if missing and require_mt:
        return ExitCode.MODEL
    errors = report.qa.errors if strict else report.qa.reviewed_errors
    return ExitCode.FINDINGS if errors else ExitCode.OK


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
    """The run, with a bar per language and an overall bar counting segments."""
    with progress_bar(RateColumn(), TimeRemainingColumn(), quiet=quiet) as progress:
        overall = progress.add_task("segmenting", total=None)
        tasks: dict[str, TaskID] = {}
        totals: dict[str, int] = {}
        done: dict[str, int] = {}

        def segmented(path: Path) -> None:
            progress.update(overall, description=f"segmenting {path.name}")

        def translated(language: str, count: int, total: int) -> None:
            if language not in tasks:
                tasks[language] = progress.add_task(f"de→{language}", total=total)
            totals[language], done[language] = total, count
            progress.update(tasks[language], completed=count)
            progress.update(
                overall,
                description="segments translated",
                total=sum(totals.values()),
                completed=sum(done.values()),
            )

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
        print_json(report.as_dict())
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
        were = "would be" if report.dry_run else "were"
        stderr.print(
            f"[yellow]no model translates de→{language}:[/] {escape(reason)}\n  PO files {were} "
            "written with translation-memory suggestions and glossary hints only; machine "
            f"suggestions already in them are kept. Install the model with: {escape(fix)}",
            highlight=False,
        )
    for failure in report.failures:
        stderr.print(f"[bold red]error:[/] {escape(failure.message)}", highlight=False)
    if report.removed_temporaries:
        stderr.print(
            f"removed {len(report.removed_temporaries)} temporary files that an interrupted "
            "run left behind",
            highlight=False,
        )


_SUMMARY_LABELS = {
    "releases": "releases",
    "releases_unchanged": "  of them unchanged (skipped)",
    "segments": "segments processed",
    "reviewed_kept": "reviewed translations kept",
    "drafts_kept": "reviewer drafts kept (fuzzy)",
    "tm_exact": "translation memory: exact",
    "tm_fuzzy": "translation memory: similar",
    "mt_new": "machine translation: new",
    "mt_cached": "machine translation: from the cache",
    "suggestions_kept": "suggestions kept (nothing new to offer)",
    "untranslated": "untranslated",
    "obsolete": "obsolete",
    "segments_decoded": "distinct segments decoded by the models",
    "decoding": "decoded on (device, compute type)",
    "po_files_written": "PO files written",
    "po_files_unchanged": "PO files unchanged",
    "templates_written": "templates written",
}
_FILE_COLUMNS = ("file", "reviewed", "drafts", "TM", "MT new", "MT cache", "kept",
                 "untranslated", "obsolete", "QA e/w")  # fmt: skip


def _print_run_summary(report: RunReport) -> None:
    if report.language_results:
        title = "PO files" + (" (dry run: nothing written)" if report.dry_run else "")
        table = Table(title=title)
        for column in _FILE_COLUMNS:
            table.add_column(
                column, overflow="fold", justify="left" if column == "file" else "right"
            )
        for item in report.language_results:
            stats = item.stats
            state = (
                ("would change" if report.dry_run else "written") if item.written else "unchanged"
            )
            table.add_row(
                f"{item.po_file} ({state})",
                str(stats.reviewed_kept),
                str(stats.drafts_kept),
                str(stats.tm_exact + stats.tm_fuzzy),
                str(item.mt_new),
                str(item.mt_cached),
                str(stats.mt_kept + stats.tm_kept),
                str(stats.untranslated),
                str(stats.obsolete),
                f"{item.qa.errors}/{item.qa.warnings}" if item.qa_complete else "?",
            )
        stdout.print(table)
    totals = report.totals()
    table = Table(title="Run summary", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    for key, label in _SUMMARY_LABELS.items():
        table.add_row(label, str(totals[key]))
    for worker, batches in report.workers.items():
        table.add_row(f"batches decoded by Ray {worker}", str(batches))
    qa = report.qa
    suggested = f"{qa.suggested_errors}/{qa.suggested_warnings}" if report.qa_complete else "?"
    table.add_row("QA errors/warnings: reviewed", f"{qa.reviewed_errors}/{qa.reviewed_warnings}")
    table.add_row("QA errors/warnings: suggestions", suggested)
    table.add_row("QA findings muted (qa-ignore)", str(qa.muted))
    for stage, seconds in report.seconds.items():
        table.add_row(f"time: {stage}", f"{seconds:.2f} s")
    stdout.print(table)
