"""Command line: a thin layer over the library. Exit codes are listed in the README."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import ProgressColumn, Task, TaskID, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from pipeline import __version__
from pipeline.config import CONFIG_NAME, DEFAULT_TOML, Config, load_config
from pipeline.console import progress_bar, reports_errors, state, stderr, stdout
from pipeline.errors import InputError, PipelineError
from pipeline.files import atomic_write, find_releases, project_lock
from pipeline.glossary.maintain import load_termbase
from pipeline.glossary.match import Matcher
from pipeline.glossary_cli import GlossaryOption, glossary_app, glossary_paths
from pipeline.languages import CODE_RULE, is_language_code
from pipeline.layout import Layout
from pipeline.mt import packages
from pipeline.mt.cache import TranslationCache
from pipeline.mt.engine import COMPUTE_TYPES, DecodingOptions, Engine
from pipeline.mt.translate import SegmentTranslation, translate_segments
from pipeline.po.build import build_release
from pipeline.po.status import review_status
from pipeline.qa.checks import CHECKS, Finding, Selection, check_entries, check_po_file
from pipeline.qa.quality import collect_pairs, quality_report
from pipeline.qa.report import build_report, write_report
from pipeline.run import RunReport, RunSettings, segment_release, settings_key
from pipeline.run import run as run_job
from pipeline.segment import Level, Segment, load_rules

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_FINDINGS = 1
EXIT_INPUT = 3
EXIT_MODEL = 4

app = typer.Typer(
    help="Offline translation pipeline for German press releases.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        stdout.print(f"pipeline {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """Offline translation pipeline for German press releases."""
    state["debug"] = debug


ProjectOption = Annotated[
    Path, typer.Option("--project", help="Project directory.", file_okay=False)
]
LangOption = Annotated[
    str | None, typer.Option("--lang", help="Only these languages, comma-separated.")
]
LevelOption = Annotated[
    Level,
    typer.Option(
        "--level", help="sentence: split blocks into sentences; paragraph: one per block."
    ),
]
EncodingOption = Annotated[
    str, typer.Option("--encoding", help="Encoding of the release files (default UTF-8).")
]
AbbreviationsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--abbreviations",
        help="Extra segmentation rules (TOML, like pipeline/segment/data/de.toml). Repeatable.",
        exists=True,
        dir_okay=False,
    ),
]


@app.command()
@reports_errors
def segment(
    files: Annotated[list[Path], typer.Argument(help="Release files (.md, .txt, .html).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per segment.")] = False,
    level: LevelOption = Level.SENTENCE,
    encoding: EncodingOption = "utf-8",
    abbreviations: AbbreviationsOption = None,
) -> None:
    """Show the segments of release files.

    Example: pipeline segment releases/2024-09-24-ki-in-der-radiologie-eine-standortbestimmung.md
    """
    rules = load_rules(abbreviations or [])
    for path in files:
        segmented = segment_release(path, level, rules, encoding)
        if as_json:
            for segment in segmented.segments:
                record = {"file": str(path), **segment.as_dict()}
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            continue
        table = Table(title=str(path), show_lines=False)
        table.add_column("id", style="dim", no_wrap=True)
        table.add_column("block type", no_wrap=True)
        table.add_column("line", justify="right")
        table.add_column("text", overflow="fold")
        for item in segmented.segments:
            table.add_row(item.id, item.kind.value, str(item.line), item.text)
        stdout.print(table)
        for warning in segmented.document.warnings:
            stderr.print(f"[yellow]warning:[/] {path}: {warning}")


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
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
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
            min=0.0, max=1.0, callback=_no_nan, help="Similarity for fuzzy TM matches (0–1)."
        ),
    ] = None,
    beam_size: Annotated[int | None, typer.Option(min=1, help="Beam size.")] = None,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Batches decoded in parallel, one thread each.")
    ] = None,
    level: Annotated[
        Level | None, typer.Option("--level", help="sentence or paragraph segments.")
    ] = None,
    encoding: EncodingOption = "utf-8",
    abbreviations: AbbreviationsOption = None,
) -> None:
    """Take releases through segmentation, glossary, MT and PO export, incrementally.

    Settings come from pipeline.toml (see `pipeline init`); options override it. Reviewed
    translations are always kept; unchanged releases are skipped. Without a model for a
    language the PO files are still written (TM suggestions, glossary hints).
    Example: pipeline run --to en,fr
    """
    config, layout = _project(project)
    languages = _language_codes(to) if to else list(config.target_languages)
    rule_files = abbreviations or [config.path(name) for name in config.abbreviations]
    rules = load_rules(rule_files)
    glossary_files = [] if no_glossary else (glossary or _configured_glossaries(config))
    matcher = Matcher(load_termbase(glossary_paths(glossary_files))) if glossary_files else None
    options = DecodingOptions(
        beam_size=beam_size or config.beam_size,
        compute_type=config.compute_type,
        inter_threads=max(config.threads if threads is None else threads, 1),
        max_batch_tokens=config.batch_tokens,
    )
    directory = models_dir or (config.path(config.models_dir) if config.models_dir else None)
    use_cache = config.cache and not no_cache and not dry_run
    with project_lock(layout.lock):
        cache = TranslationCache(layout.cache) if use_cache else None
        try:
            engine = Engine(_models_dir(directory), options, cache)
            segment_level = level or Level(config.level)
            threshold = config.tm_threshold if tm_threshold is None else tm_threshold
            settings = RunSettings(
                languages=tuple(languages),
                level=segment_level,
                rules=rules,
                encoding=encoding,
                tm_threshold=threshold,
                settings_key=settings_key(
                    [*rule_files, *glossary_files],
                    {"level": segment_level.value, "tm": threshold, "mt": options.cache_fields()},
                    engine,
                    languages,
                ),
                dry_run=dry_run,
                incremental=not full,
            )
            paths = files or _project_releases(config, layout)
            report = _run_with_progress(layout, paths, settings, engine, matcher, as_json)
        finally:
            if cache:
                cache.close()
    _report_run(report, as_json)
    missing = report.export.missing_models if report.export else {}
    if report.failures:
        raise typer.Exit(EXIT_INPUT)
    if missing and (config.require_mt if require_mt is None else require_mt):
        raise typer.Exit(EXIT_MODEL)
    qa_errors = sum(r.qa_errors for r in report.export.results) if report.export else 0
    if qa_errors:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
@reports_errors
def init(
    project: ProjectOption = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented default pipeline.toml.

    Example: pipeline init
    """
    path = project / CONFIG_NAME
    if path.exists() and not force:
        raise InputError("already exists", path=path, fix="edit it, or pass --force")
    atomic_write(path, DEFAULT_TOML.encode("utf-8"))
    stdout.print(f"wrote {path}")


def _configured_glossaries(config: Config) -> list[Path]:
    """The glossaries of pipeline.toml; the default one only where it exists."""
    paths = config.glossary_paths()
    if config.file is None:
        return [path for path in paths if path.is_file()]
    return paths


def _report_run(report: RunReport, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(_run_summary_dict(report), ensure_ascii=False, indent=2) + "\n")
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


def _project(project: Path) -> tuple[Config, Layout]:
    """The project's configuration (validated) and the layout derived from it."""
    config = load_config(project)
    return config, Layout(config.root, config.locales, config.output)


def _project_releases(config: Config, layout: Layout) -> list[Path]:
    """The project's releases; links to files outside the project are skipped, so a
    checked-out project cannot make a run read files elsewhere."""
    releases = []
    for path in find_releases(config.release_paths() or [layout.releases]):
        if config.contains(path):
            releases.append(path)
        else:
            stderr.print(
                f"[yellow]warning:[/] {escape(str(path))} is a link to a file outside the "
                "project and is skipped; name it on the command line to translate it anyway",
                highlight=False,
            )
    return releases


def _language_codes(value: str, option: str = "--to") -> list[str]:
    codes = [code.strip() for code in value.split(",") if code.strip()]
    if not codes:
        raise typer.BadParameter("give at least one language", param_hint=option)
    for code in codes:
        if not is_language_code(code):
            raise typer.BadParameter(
                f"{code!r} is not a language code: use {CODE_RULE}", param_hint=option
            )
    return codes


def _no_nan(value: float | None) -> float | None:
    if value is not None and math.isnan(value):
        raise typer.BadParameter("must be a number between 0 and 1, not nan")
    return value


def _compute_type(value: str) -> str:
    if value not in COMPUTE_TYPES:
        raise typer.BadParameter(
            f"{value!r} is not a CTranslate2 compute type: use one of "
            + ", ".join(sorted(COMPUTE_TYPES))
        )
    return value


def _run_with_progress(
    layout: Layout,
    paths: list[Path],
    settings: RunSettings,
    engine: Engine,
    matcher: Matcher | None,
    quiet: bool,
) -> RunReport:
    with progress_bar(RateColumn(), TimeRemainingColumn(), quiet=quiet) as progress:
        releases = find_releases(paths)
        steps = len(releases) * (1 + len(settings.languages))  # segmenting, then each language
        overall = progress.add_task("overall", total=steps)
        task = progress.add_task("segmenting", total=len(releases))
        tasks: dict[str, TaskID] = {}

        def segmented(path: Path) -> None:
            progress.update(task, advance=1, description=f"segmenting {path.name}")
            progress.advance(overall)

        def translated(language: str, done: int, total: int) -> None:
            if language not in tasks:
                tasks[language] = progress.add_task(f"translating de→{language}", total=total)
            progress.update(tasks[language], completed=done)
            if done == total:
                progress.advance(overall, len(releases))

        report = run_job(layout, releases, settings, engine, matcher, segmented, translated)
        progress.update(overall, completed=steps)
        return report


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
    labels = {
        "releases": "releases", "releases_unchanged": "  of them unchanged (skipped)",
        "segments": "segments processed", "new_mt": "new machine translations",
        "cache_hits": "cache hits", "tm_reuse": "translation-memory reuse",
        "reviewed_kept": "reviewed translations kept", "drafts_kept": "reviewer drafts kept",
        "suggestions_kept": "suggestions kept (nothing new to offer)", "qa_errors": "QA errors",
        "qa_warnings": "QA warnings", "files_written": "files written",
    }  # fmt: skip
    for key, label in labels.items():
        table.add_row(label, str(totals[key]))
    for stage, seconds in report.seconds.items():
        table.add_row(f"time: {stage}", f"{seconds:.2f} s")
    stdout.print(table)


@app.command()
@reports_errors
def status(
    project: ProjectOption = Path("."),
    lang: LangOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show review progress per release and language: reviewed, suggested, untranslated.

    Example: pipeline status --lang en
    """
    _, layout = _project(project)
    unreadable: list[PipelineError] = []
    languages = _language_codes(lang, "--lang") if lang else None
    progress = review_status(layout, languages, unreadable)
    if as_json:
        sys.stdout.write(json.dumps([p.as_dict() for p in progress], indent=2) + "\n")
        _exit_if_unreadable(unreadable)
        return
    table = Table(title="Review progress (segments / words)")
    for column in ("release", "lang", "reviewed", "suggested (fuzzy)", "untranslated",
                   "obsolete", "done"):  # fmt: skip
        table.add_column(
            column, overflow="fold", justify="left" if column == "release" else "right"
        )
    for item in progress:
        table.add_row(
            item.release,
            item.language,
            f"{item.reviewed} / {item.reviewed_words}",
            f"{item.fuzzy} / {item.fuzzy_words}",
            f"{item.untranslated} / {item.untranslated_words}",
            str(item.obsolete),
            f"{item.percent_reviewed:.0f} %",
        )
    stdout.print(table)
    if not progress and not unreadable:
        stdout.print("No PO files yet: run `pipeline run --to en` first.")
    _exit_if_unreadable(unreadable)


def _exit_if_unreadable(errors: list[PipelineError]) -> None:
    """Report the files a command could not read (it went on with the others): exit 3."""
    for error in errors:
        stderr.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False)
    if errors:
        raise typer.Exit(EXIT_INPUT)


@app.command()
@reports_errors
def build(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Releases to build (default: everything under releases/)."),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Languages, comma-separated (default: every PO language)."),
    ] = None,
    draft: Annotated[
        bool,
        typer.Option("--draft", help="Use unreviewed suggestions too; the output is marked."),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Write nothing for a release whose translations have QA "
            "errors (those muted with `# qa-ignore:` aside).",
        ),
    ] = False,
    project: ProjectOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    level: Annotated[
        Level | None,
        typer.Option("--level", help="As given to `run` (default: pipeline.toml, sentence)."),
    ] = None,
    encoding: EncodingOption = "utf-8",
    abbreviations: AbbreviationsOption = None,
) -> None:
    """Write translated releases to out/<lang>/ from the sources and the reviewed PO files.

    Segmentation settings come from pipeline.toml, as for `run`. Exits 1 when a segment
    is not reviewed (unless --draft) or its markup does not match; a release or PO file
    that cannot be read is reported and the others are still built (exit 3).
    QA errors in the translations it publishes are listed with PO file and line; with
    --strict that release is not written and the command exits 1.
    Example: pipeline build --lang en
    """
    config, layout = _project(project)
    languages = _language_codes(lang, "--lang") if lang else _po_languages(layout)
    # the glossary check where the project's glossaries are there (`run` reports the others)
    glossaries = [path for path in _configured_glossaries(config) if path.exists()]
    matcher = Matcher(load_termbase(glossary_paths(glossaries))) if glossaries else None
    rules = load_rules(abbreviations or [config.path(name) for name in config.abbreviations])
    segment_level = level or Level(config.level)
    results = []
    unreadable: list[PipelineError] = []
    for path in find_releases(files) if files else _project_releases(config, layout):
        try:
            segmented = segment_release(path, segment_level, rules, encoding)
        except PipelineError as error:
            unreadable.append(error)
            continue
        for language in languages:
            try:
                results.append(
                    build_release(layout, path, segmented, language, draft, matcher, strict)
                )
            except PipelineError as error:
                unreadable.append(error)
    if as_json:
        records = [
            {
                "release": str(r.release),
                "language": r.language,
                "output": str(r.output) if r.output else None,
                "written": r.written,
                "translated": r.translated,
                "problems": [
                    {"file": str(p.po_file), "line": p.line, "message": p.message}
                    for p in r.problems
                ],
                "findings": [f.as_dict() for f in r.findings],
            }
            for r in results
        ]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    else:
        table = Table(title="Built releases")
        for column in ("release", "lang", "output", "segments translated", "problems"):
            table.add_column(column, overflow="fold")
        for r in results:
            output = str(r.output) if r.output else "not written"
            if r.output and not r.written:
                output += " (unchanged)"
            table.add_row(r.release.name, r.language, output, str(r.translated),
                          str(len(r.problems)))  # fmt: skip
        stdout.print(table)
        for r in results:
            for problem in r.problems[:20]:
                where = (
                    f"{problem.po_file}:{problem.line}" if problem.line else str(problem.po_file)
                )
                stderr.print(f"[red]{escape(where)}:[/] {escape(problem.message)}", highlight=False)
            if len(r.problems) > 20:
                stderr.print(f"… and {len(r.problems) - 20} more in {r.problems[0].po_file}")
            for finding in r.findings:
                refused = " (not written: --strict)" if strict else ""
                where = f"{finding.file}:{finding.line}: QA error [{finding.check}]{refused}:"
                stderr.print(f"[red]{escape(where)}[/] {escape(finding.message)}", highlight=False)
    _exit_if_unreadable(unreadable)
    if any(r.problems for r in results) and not draft:
        raise typer.Exit(EXIT_FINDINGS)
    if strict and any(r.findings for r in results):
        raise typer.Exit(EXIT_FINDINGS)


def _po_languages(layout: Layout) -> list[str]:
    if not layout.locales.is_dir():
        return []
    return sorted(
        p.name for p in layout.locales.iterdir() if p.is_dir() and is_language_code(p.name)
    )


@app.command()
@reports_errors
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="PO files or folders (default: locales/); releases with --segments."),
    ] = None,
    only: Annotated[
        str | None, typer.Option("--only", help="Run only these checks (comma-separated ids).")
    ] = None,
    skip: Annotated[str | None, typer.Option("--skip", help="Skip these checks.")] = None,
    segments: Annotated[
        bool,
        typer.Option("--segments", help="Check fresh machine translations of releases instead."),
    ] = False,
    to: Annotated[str, typer.Option("--to", help="With --segments: target languages.")] = "en",
    project: ProjectOption = Path("."),
    glossary: GlossaryOption = None,
    models_dir: ModelsDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per finding.")] = False,
    list_checks: Annotated[bool, typer.Option("--list", help="List the checks and exit.")] = False,
) -> None:
    """Run the QA checks on PO files (or on fresh MT with --segments).

    Exits 1 when an error-level finding exists. Example: pipeline check locales/en --skip quotes
    """
    if list_checks:
        table = Table(title="Checks")
        for column in ("id", "severity", "description"):
            table.add_column(column)
        for item in CHECKS.values():
            table.add_row(item.id, item.severity, item.description)
        stdout.print(table)
        return
    try:
        chosen = Selection(_ids(only), _ids(skip)).checks()
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    matcher = _project_matcher(project, glossary)
    if segments:
        findings = _check_fresh_mt(paths or [], _language_codes(to), project, models_dir,
                                   matcher, chosen)  # fmt: skip
    else:
        findings = []
        for path in _po_files(paths or [_project(project)[1].locales]):
            findings.extend(check_po_file(path, matcher, chosen))
    if as_json:
        for finding in findings:
            sys.stdout.write(json.dumps(finding.as_dict(), ensure_ascii=False) + "\n")
    else:
        _print_findings(findings)
    if any(finding.severity == "error" and finding.counts for finding in findings):
        raise typer.Exit(EXIT_FINDINGS)


def _ids(value: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (value or "").split(",") if part.strip())


def _po_files(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*.po")) if p.parent.name != "templates")
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("no such file or folder", path=path)
    return files


def _check_fresh_mt(
    paths: list[Path],
    languages: list[str],
    project: Path,
    models_dir: Path | None,
    matcher: Matcher | None,
    chosen: list,  # type: ignore[type-arg]
) -> list[Finding]:
    segments = [
        segment
        for path in find_releases(paths or [_project(project)[1].releases])
        for segment in segment_release(path).segments
    ]
    engine = Engine(_models_dir(models_dir), DecodingOptions())
    findings: list[Finding] = []
    for language in languages:
        results = translate_segments(engine, segments, "de", language, matcher=matcher)
        findings.extend(
            check_entries([(r.source, r.text, 0) for r in results], language, matcher, chosen)
        )
    return findings


def _print_findings(findings: list[Finding]) -> None:
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(str(finding.file or "machine translation"), []).append(finding)
    for name, items in by_file.items():
        table = Table(title=name)
        for column in ("line", "severity", "check", "problem", "German"):
            table.add_column(
                column, overflow="fold", justify="right" if column == "line" else "left"
            )
        for finding in items:
            colour = "red" if finding.severity == "error" else "yellow"
            shown = f"[{colour}]{finding.severity}[/]"
            table.add_row(
                str(finding.line or ""),
                f"[dim]muted {finding.severity}[/]" if finding.muted else shown,
                finding.check,
                escape(finding.message),
                escape(finding.msgid),
            )
        stdout.print(table)
    counted = [f for f in findings if f.counts]
    errors = sum(f.severity == "error" for f in counted)
    muted = len(findings) - len(counted)
    stdout.print(f"{errors} errors, {len(counted) - errors} warnings, {muted} muted (qa-ignore)")


@app.command()
@reports_errors
def quality(
    project: ProjectOption = Path("."),
    lang: LangOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Measure MT against what reviewers approved: chrF, TER, share accepted unchanged.

    Example: pipeline quality --lang en
    """
    _, layout = _project(project)
    pairs = collect_pairs(layout, _language_codes(lang, "--lang") if lang else None)
    report = quality_report(pairs)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
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
        typer.Option("--output", "-o", help="Where to write (default out/report.html)."),
    ] = None,
    glossary: GlossaryOption = None,
) -> None:
    """Write a self-contained HTML review report with QA findings per segment.

    Source and translation side by side, state, glossary terms, progress per language.

    Example: pipeline report --lang en -o review.html
    """
    config, layout = _project(project)
    languages = _language_codes(lang, "--lang") if lang else None
    glossary_files = glossary or _configured_glossaries(config)
    matcher = Matcher(load_termbase(glossary_paths(glossary_files))) if glossary_files else None
    findings = []
    unreadable: list[PipelineError] = []
    for path in _po_files([layout.locales] if layout.locales.is_dir() else []):
        if languages is None or path.parent.name in languages:
            try:
                findings.extend(check_po_file(path, matcher))
            except PipelineError as error:
                unreadable.append(error)  # left out of the report (review_status skips it)
    html = build_report(layout, matcher, findings, languages)
    written = write_report(layout, html, output)
    skipped = f"; {len(unreadable)} unreadable PO files left out" if unreadable else ""
    stdout.print(f"wrote {written} ({len(findings)} QA findings{skipped})")
    _exit_if_unreadable(unreadable)


@app.command()
@reports_errors
def translate(
    files: Annotated[list[Path], typer.Argument(help="Release files (.md, .txt, .html).")],
    to: Annotated[str, typer.Option("--to", help="Target languages, comma-separated.")],
    source_language: Annotated[str, typer.Option("--from", help="Source language.")] = "de",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    project: Annotated[
        Path, typer.Option("--project", help="Project directory (for the cache).", file_okay=False)
    ] = Path("."),
    models_dir: ModelsDirOption = None,
    beam_size: Annotated[int, typer.Option(min=1, help="Beam size.")] = 4,
    compute_type: Annotated[
        str, typer.Option(callback=_compute_type, help="int8, float32, … (CTranslate2).")
    ] = "int8",
    threads: Annotated[
        int, typer.Option(min=1, help="Batches decoded in parallel, one thread each.")
    ] = DecodingOptions.inter_threads,
    batch_tokens: Annotated[
        int, typer.Option(min=1, help="Tokens per batch.")
    ] = DecodingOptions.max_batch_tokens,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the cache.")] = False,
    level: LevelOption = Level.SENTENCE,
    encoding: EncodingOption = "utf-8",
    glossary: GlossaryOption = None,
    no_glossary: Annotated[
        bool, typer.Option("--no-glossary", help="Translate without enforcing terms.")
    ] = False,
) -> None:
    """Segment releases and machine-translate them offline, enforcing the glossary.

    Example: pipeline translate releases/*.md --to en,fr
    """
    targets = _language_codes(to)
    _language_codes(source_language, "--from")
    options = DecodingOptions(
        beam_size=beam_size,
        compute_type=compute_type,
        inter_threads=threads,
        max_batch_tokens=batch_tokens,
    )
    segmented = [segment_release(path, level, load_rules(), encoding) for path in files]
    segments = [segment for document in segmented for segment in document.segments]
    matcher = None if no_glossary else _project_matcher(project, glossary)
    cache = None if no_cache else TranslationCache(_project(project)[1].cache)
    try:
        engine = Engine(_models_dir(models_dir), options, cache)
        for target in targets:
            engine.route(source_language, target)  # fail before any work
        results = _translate_with_progress(
            engine, segments, source_language, targets, as_json, matcher
        )
    finally:
        if cache:
            cache.close()
    if as_json:
        for result in results:
            sys.stdout.write(json.dumps(asdict(result), ensure_ascii=False) + "\n")
        return
    table = Table(title="Machine translations")
    for column in ("id", "lang", "German", "translation", "terms", "notes"):
        table.add_column(column, overflow="fold", no_wrap=column in ("id", "lang"))
    for result in results:
        notes = ("cached; " if result.cached else "") + "; ".join(result.warnings)
        terms = ", ".join(f"{t.source} → {t.target or '?'} ({t.status})" for t in result.terms)
        table.add_row(result.segment_id, result.language, result.source, result.text, terms, notes)
    stdout.print(table)


def _project_matcher(project: Path, given: list[Path] | None) -> Matcher | None:
    """The glossaries given, else those of pipeline.toml (by default the radiology
    termbase, where the project has it)."""
    paths = given or _configured_glossaries(load_config(project))
    return Matcher(load_termbase(glossary_paths(paths))) if paths else None


class RateColumn(ProgressColumn):
    """Segments per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} seg/s" if speed else "… seg/s", style="progress.data.speed")


def _translate_with_progress(
    engine: Engine,
    segments: list[Segment],
    source_language: str,
    targets: list[str],
    quiet: bool,
    matcher: Matcher | None = None,
) -> list[SegmentTranslation]:
    results: list[SegmentTranslation] = []
    with progress_bar(RateColumn(), TimeRemainingColumn(), quiet=quiet) as progress:
        for target in targets:
            task = progress.add_task(f"{source_language}→{target}", total=len(segments))
            results.extend(
                translate_segments(
                    engine,
                    segments,
                    source_language,
                    target,
                    lambda done, task=task: progress.advance(task, done),
                    matcher=matcher,
                )
            )
            progress.update(task, completed=len(segments))
    return results


models_app = typer.Typer(help="Manage Argos Translate packages.", no_args_is_help=True)
app.add_typer(models_app, name="models")

ModelsDirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        envvar="PIPELINE_MODELS_DIR",
        help="Package directory (default: Argos Translate's own, ARGOS_PACKAGES_DIR).",
        file_okay=False,
    ),
]
IndexOption = Annotated[
    str, typer.Option("--index-url", help="The Argos package index (index.json).")
]


def _models_dir(directory: Path | None) -> Path:
    return directory or packages.default_packages_dir()


@models_app.command("list")
@reports_errors
def models_list(
    directory: ModelsDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the installed packages: pair, version, size, path.

    Example: pipeline models list
    """
    installed = packages.list_packages(_models_dir(directory))
    if as_json:
        sys.stdout.write(json.dumps([p.as_dict() for p in installed], indent=2) + "\n")
        return
    table = Table(title=f"Installed packages in {_models_dir(directory)}")
    for column in ("pair", "version", "size", "path"):
        table.add_column(column, justify="right" if column == "size" else "left")
    for package in installed:
        size = f"{package.size / 1024**2:.1f} MB"
        table.add_row(package.pair, package.version, size, str(package.path))
    stdout.print(table)
    if not installed:
        stdout.print("No packages installed. Install one with `pipeline models install de en`.")
    for problem in packages.broken_packages(_models_dir(directory)):
        stderr.print(f"[yellow]warning:[/] {problem}", highlight=False)
        stderr.print("  fix: delete that directory, then install the package again")


@models_app.command("available")
@reports_errors
def models_available(
    index_url: IndexOption = packages.DEFAULT_INDEX_URL,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the packages of the Argos package index (needs the network).

    Example: pipeline models available
    """
    listed = packages.available_packages(index_url)
    if as_json:
        records = [{"from": p.from_code, "to": p.to_code, "version": p.version} for p in listed]
        sys.stdout.write(json.dumps(records, indent=2) + "\n")
        return
    table = Table(title="Argos package index")
    table.add_column("pair")
    table.add_column("version")
    for package in listed:
        table.add_row(f"{package.from_code}→{package.to_code}", package.version)
    stdout.print(table)


@models_app.command("install")
@reports_errors
def models_install(
    pair: Annotated[
        list[str] | None, typer.Argument(help="FROM TO language codes, e.g. de en.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Install a downloaded .argosmodel file (offline).", dir_okay=False
        ),
    ] = None,
    directory: ModelsDirOption = None,
    index_url: IndexOption = packages.DEFAULT_INDEX_URL,
) -> None:
    """Install a package: FROM TO from the Argos index (network), or --file X.argosmodel.

    Examples: pipeline models install de en; pipeline models install --file de_en.argosmodel
    """
    target = _models_dir(directory)
    if pair is not None and len(pair) != 2:
        raise typer.BadParameter("give two language codes, FROM and TO (e.g. de en)")
    expected = _pair(pair[0], pair[1]) if pair else None
    if file is not None:
        installed = packages.install_file(file, target, expected)
    elif expected is not None:
        stderr.print(f"downloading the {expected[0]}→{expected[1]} package from {index_url}")
        installed = packages.install_from_index(expected[0], expected[1], target, index_url)
    else:
        raise typer.BadParameter("give FROM TO, or --file X.argosmodel")
    stdout.print(f"installed {installed.pair} {installed.version} in {installed.path}")


@models_app.command("remove")
@reports_errors
def models_remove(
    source: Annotated[str, typer.Argument(help="Source language code.")],
    target: Annotated[str, typer.Argument(help="Target language code.")],
    directory: ModelsDirOption = None,
) -> None:
    """Remove an installed package.

    Example: pipeline models remove de en
    """
    removed = packages.remove_package(_models_dir(directory), *_pair(source, target))
    stdout.print(f"removed {removed.pair} from {removed.path}")


def _pair(source: str, target: str) -> tuple[str, str]:
    for code, name in ((source, "FROM"), (target, "TO")):
        if not is_language_code(code):
            raise typer.BadParameter(
                f"{code!r} is not a language code: use {CODE_RULE}", param_hint=name
            )
    return source, target


app.add_typer(glossary_app, name="glossary")

cache_app = typer.Typer(help="Inspect or clear the translation cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
@reports_errors
def cache_stats(
    project: ProjectOption = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the size of the translation cache, per model route.

    Example: pipeline cache stats
    """
    with TranslationCache(_project(project)[1].cache) as cache:
        stats = cache.stats()
    if as_json:
        record = {
            "path": str(stats.path),
            "entries": stats.entries,
            "bytes": stats.bytes,
            "routes": stats.routes,
        }
        sys.stdout.write(json.dumps(record, indent=2) + "\n")
        return
    table = Table(title=f"Translation cache {stats.path} ({stats.bytes / 1024**2:.1f} MB)")
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
    with TranslationCache(_project(project)[1].cache) as cache:
        removed = cache.clear()
    stdout.print(f"removed {removed} cached translations")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="pipeline")
