"""`pipeline status`, `pipeline build` and `pipeline check`: the reviewers' side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.build import build_release
from pipeline.cli.base import (
    AbbreviationsOption,
    EncodingOption,
    GlossaryOption,
    JsonOption,
    LangOption,
    LevelOption,
    ModelsDirOption,
    ProjectOption,
    app,
    comma_ids,
    exit_if_unreadable,
    language_codes,
    load_project,
    optional_languages,
    po_files,
    print_json,
    warn_outside,
)
from pipeline.console import reports_errors, stderr, stdout
from pipeline.errors import ExitCode, PipelineError
from pipeline.mt.translate import translate_segments
from pipeline.po.reader import read_catalog
from pipeline.po.status import review_status
from pipeline.project import Overrides, Project
from pipeline.qa.checks import CHECKS, Check, Finding, Selection, check_entries, check_po_file
from pipeline.run import segment_release


@app.command()
@reports_errors
def status(
    project: ProjectOption = Path("."),
    lang: LangOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show review progress per release and language: reviewed, suggested, untranslated.

    Example: pipeline status --lang en
    """
    resolved = load_project(project, Overrides(no_glossary=True))
    unreadable: list[PipelineError] = []
    languages = optional_languages(lang)
    progress = review_status(resolved.layout, list(languages) if languages else None, unreadable)
    if as_json:
        print_json([p.as_dict() for p in progress])
        exit_if_unreadable(unreadable)
        return
    table = Table(title="Review progress (segments / words)")
    columns = ("release", "lang", "reviewed", "suggested (fuzzy)", "untranslated", "obsolete")
    for column in (*columns, "done"):
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
    exit_if_unreadable(unreadable)


@app.command()
@reports_errors
def build(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Releases to build (default: the sources of pipeline.toml)."),
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
    as_json: JsonOption = False,
    level: LevelOption = None,
    encoding: EncodingOption = None,
    abbreviations: AbbreviationsOption = None,
) -> None:
    """Write translated releases to the output folder from the sources and reviewed PO files.

    Segmentation settings come from pipeline.toml, as for `run`. Exits 1 when a segment
    is not reviewed (unless --draft) or its markup does not match; a release or PO file
    that cannot be read is reported and the others are still built (exit 3).
    QA errors in the translations it publishes are listed with PO file and line; with
    --strict that release is not written and the command exits 1.
    Example: pipeline build --lang en
    """
    resolved = load_project(
        project,
        Overrides(
            level=level,
            encoding=encoding,
            abbreviations=tuple(abbreviations) if abbreviations else None,
        ),
    )
    languages = optional_languages(lang) or resolved.po_languages()
    results = []
    unreadable: list[PipelineError] = []
    for path in resolved.releases(files, warn_outside):
        try:
            segmented = segment_release(path, resolved.level, resolved.rules, resolved.encoding)
        except PipelineError as error:
            unreadable.append(error)
            continue
        for language in languages:
            try:
                results.append(
                    build_release(
                        resolved.layout,
                        path,
                        segmented,
                        language,
                        draft,
                        resolved.matcher,
                        strict,
                    )
                )
            except PipelineError as error:
                unreadable.append(error)
    if as_json:
        print_json([result.as_dict() for result in results])
    else:
        _print_built(results, strict)
    exit_if_unreadable(unreadable)
    if any(r.problems for r in results) and not draft:
        raise typer.Exit(ExitCode.FINDINGS)
    if strict and any(r.findings for r in results):
        raise typer.Exit(ExitCode.FINDINGS)


def _print_built(results: list, strict: bool) -> None:
    table = Table(title="Built releases")
    for column in ("release", "lang", "output", "segments translated", "problems"):
        table.add_column(column, overflow="fold")
    for r in results:
        output = str(r.output) if r.output else "not written"
        if r.output and not r.written:
            output += " (unchanged)"
        table.add_row(r.release.name, r.language, output, str(r.translated), str(len(r.problems)))
    stdout.print(table)
    for r in results:
        for problem in r.problems[:20]:
            where = f"{problem.po_file}:{problem.line}" if problem.line else str(problem.po_file)
            stderr.print(f"[red]{escape(where)}:[/] {escape(problem.message)}", highlight=False)
        if len(r.problems) > 20:
            stderr.print(f"… and {len(r.problems) - 20} more in {r.problems[0].po_file}")
        for finding in r.findings:
            refused = " (not written: --strict)" if strict else ""
            where = f"{finding.file}:{finding.line}: QA error [{finding.check}]{refused}:"
            stderr.print(f"[red]{escape(where)}[/] {escape(finding.message)}", highlight=False)


@app.command()
@reports_errors
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="PO files or folders (default: the project's, project.locales); releases "
            "with --segments."
        ),
    ] = None,
    only: Annotated[
        str | None, typer.Option("--only", help="Run only these checks (comma-separated ids).")
    ] = None,
    skip: Annotated[str | None, typer.Option("--skip", help="Skip these checks.")] = None,
    segments: Annotated[
        bool,
        typer.Option("--segments", help="Check fresh machine translations of releases instead."),
    ] = False,
    to: Annotated[
        str | None,
        typer.Option("--to", help="With --segments: target languages (default: pipeline.toml)."),
    ] = None,
    project: ProjectOption = Path("."),
    glossary: GlossaryOption = None,
    models_dir: ModelsDirOption = None,
    as_json: JsonOption = False,
    list_checks: Annotated[bool, typer.Option("--list", help="List the checks and exit.")] = False,
) -> None:
    """Run the QA checks on PO files (or on fresh MT with --segments).

    Shows each problem with its language, the German and the translation. Exits 1 when an
    error-level finding exists (those muted with `# qa-ignore:` aside).

    Example: pipeline check locales/en --skip quotes
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
        chosen = Selection(comma_ids(only), comma_ids(skip)).checks()
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    resolved = load_project(
        project,
        Overrides(
            languages=language_codes(to) if to else None,
            glossaries=tuple(glossary) if glossary else None,
            models_dir=models_dir,
        ),
    )
    if segments:
        findings = _check_fresh_mt(resolved, paths or [], chosen)
    else:
        findings = []
        for path in po_files(paths or [resolved.layout.locales]):
            language = po_language(path)
            findings.extend((language, f) for f in check_po_file(path, resolved.matcher, chosen))
    if as_json:
        print_json(
            {
                "findings": [{**f.as_dict(), "language": lang} for lang, f in findings],
                "summary": _summary([f for _, f in findings]),
            }
        )
    else:
        _print_findings(findings)
    if any(finding.severity == "error" and finding.counts for _, finding in findings):
        raise typer.Exit(ExitCode.FINDINGS)


def po_language(path: Path) -> str:
    """The language of a PO file: its header, else the name of its folder."""
    try:
        return read_catalog(path).header.get("Language") or path.parent.name
    except PipelineError:
        return path.parent.name


def _summary(findings: list[Finding]) -> dict[str, int]:
    counted = [f for f in findings if f.counts]
    errors = sum(f.severity == "error" for f in counted)
    return {
        "errors": errors,
        "warnings": len(counted) - errors,
        "muted": len(findings) - len(counted),
    }


def _check_fresh_mt(
    project: Project, paths: list[Path], chosen: list[Check]
) -> list[tuple[str, Finding]]:
    segments = [
        item
        for path in project.releases(paths, warn_outside)
        for item in segment_release(path, project.level, project.rules, project.encoding).segments
    ]
    engine = project.engine()
    findings: list[tuple[str, Finding]] = []
    for language in project.languages:
        results = translate_segments(engine, segments, "de", language, matcher=project.matcher)
        entries = [(r.source, r.text, 0) for r in results]
        checked = check_entries(entries, language, project.matcher, chosen)
        findings.extend((language, finding) for finding in checked)
    return findings


def _print_findings(findings: list[tuple[str, Finding]]) -> None:
    by_file: dict[str, list[tuple[str, Finding]]] = {}
    for language, finding in findings:
        name = str(finding.file or "machine translation")
        by_file.setdefault(name, []).append((language, finding))
    for name, items in by_file.items():
        # The file as a line of its own: a table title would be wrapped to the table's width.
        stdout.print(f"[bold]{escape(name)}[/]", highlight=False, soft_wrap=True)
        table = Table()
        for column in ("line", "lang", "severity", "check", "problem", "German", "translation"):
            table.add_column(
                column,
                overflow="fold",
                no_wrap=column in ("line", "lang", "severity", "check"),
                justify="right" if column == "line" else "left",
            )
        for language, finding in items:
            colour = "red" if finding.severity == "error" else "yellow"
            shown = f"[{colour}]{finding.severity}[/]"
            table.add_row(
                str(finding.line or ""),
                language,
                f"[dim]muted {finding.severity}[/]" if finding.muted else shown,
                finding.check,
                escape(finding.message),
                escape(finding.msgid),
                escape(finding.msgstr),
            )
        stdout.print(table)
    summary = _summary([f for _, f in findings])
    stdout.print(
        f"{summary['errors']} errors, {summary['warnings']} warnings, "
        f"{summary['muted']} muted (qa-ignore)"
    )
