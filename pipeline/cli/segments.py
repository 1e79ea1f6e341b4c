"""`pipeline segment` and `pipeline translate`: look at segments and raw MT, write no files."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import TimeRemainingColumn
from rich.table import Table

from pipeline.cli.base import (
    AbbreviationsOption,
    ComputeTypeOption,
    DeviceIndexOption,
    DeviceOption,
    EncodingOption,
    ExecutorOption,
    GlossaryOption,
    JsonLinesOption,
    LevelOption,
    ModelsDirOption,
    ProjectOption,
    RateColumn,
    RayAddressOption,
    app,
    language_codes,
    load_project,
    print_json_line,
)
from pipeline.console import progress_bar, reports_errors, stderr, stdout
from pipeline.glossary.match import Matcher
from pipeline.mt.cache import TranslationCache
from pipeline.mt.engine import Engine
from pipeline.mt.translate import SegmentTranslation, translate_segments
from pipeline.project import Overrides
from pipeline.run import segment_release
from pipeline.segment import Segment


@app.command()
@reports_errors
def segment(
    files: Annotated[list[Path], typer.Argument(help="Release files (.md, .txt, .html).")],
    as_json: JsonLinesOption = False,
    project: ProjectOption = Path("."),
    level: LevelOption = None,
    encoding: EncodingOption = None,
    abbreviations: AbbreviationsOption = None,
) -> None:
    """Show the segments of release files, as the project's settings cut them.

    Example: pipeline segment releases/2024-09-24-ki-in-der-radiologie-eine-standortbestimmung.md
    """
    resolved = load_project(
        project,
        Overrides(
            level=level,
            encoding=encoding,
            abbreviations=tuple(abbreviations) if abbreviations else None,
            no_glossary=True,
        ),
    )
    for path in files:
        segmented = segment_release(path, resolved.level, resolved.rules, resolved.encoding)
        if as_json:
            for item in segmented.segments:
                print_json_line({"file": str(path), **item.as_dict()})
            continue
        # The file as a line of its own: a table title would be wrapped to the table's width.
        stdout.print(f"[bold]{escape(str(path))}[/]", highlight=False, soft_wrap=True)
        table = Table(show_lines=False)
        table.add_column("id", style="dim", no_wrap=True)
        table.add_column("block type", no_wrap=True)
        table.add_column("line", justify="right")
        table.add_column("text", overflow="fold")
        for item in segmented.segments:
            table.add_row(item.id, item.kind.value, str(item.line), escape(item.text))
        stdout.print(table)
        for warning in segmented.document.warnings:
            stderr.print(
                f"[yellow]warning:[/] {escape(str(path))}: {escape(warning)}", highlight=False
            )


@app.command()
@reports_errors
def translate(
    files: Annotated[list[Path], typer.Argument(help="Release files (.md, .txt, .html).")],
    to: Annotated[
        str | None,
        typer.Option("--to", help="Target languages, comma-separated (default: pipeline.toml)."),
    ] = None,
    source_language: Annotated[str, typer.Option("--from", help="Source language.")] = "de",
    as_json: JsonLinesOption = False,
    project: ProjectOption = Path("."),
    models_dir: ModelsDirOption = None,
    beam_size: Annotated[int | None, typer.Option(min=1, help="Beam size.")] = None,
    compute: ComputeTypeOption = None,
    device: DeviceOption = None,
    device_index: DeviceIndexOption = None,
    executor: ExecutorOption = None,
    ray_address: RayAddressOption = None,
    threads: Annotated[
        int | None, typer.Option(min=1, help="Batches decoded in parallel, one thread each.")
    ] = None,
    batch_tokens: Annotated[int | None, typer.Option(min=1, help="Tokens per batch.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the cache.")] = False,
    level: LevelOption = None,
    encoding: EncodingOption = None,
    glossary: GlossaryOption = None,
    no_glossary: Annotated[
        bool, typer.Option("--no-glossary", help="Translate without enforcing terms.")
    ] = False,
) -> None:
    """Segment releases and machine-translate them offline, enforcing the glossary.

    Prints the translations; writes no PO file (that is `pipeline run`).
    Example: pipeline translate releases/*.md --to en,fr
    """
    language_codes(source_language, "--from")
    resolved = load_project(
        project,
        Overrides(
            languages=language_codes(to) if to else None,
            level=level,
            encoding=encoding,
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
            batch_tokens=batch_tokens,
            cache=False if no_cache else None,
        ),
    )
    segmented = [
        segment_release(path, resolved.level, resolved.rules, resolved.encoding) for path in files
    ]
    segments = [item for document in segmented for item in document.segments]
    cache = TranslationCache(resolved.layout.cache) if resolved.use_cache else None
    engine = None
    try:
        engine = resolved.engine(cache)
        for target in resolved.languages:
            engine.route(source_language, target)  # fail before any work
        results = _translate_with_progress(
            engine, segments, source_language, list(resolved.languages), as_json, resolved.matcher
        )
    finally:
        if engine:
            engine.close()
        if cache:
            cache.close()
    if as_json:
        for result in results:
            print_json_line(asdict(result) | {"warnings": once(result.warnings)})
        return
    table = Table(title="Machine translations")
    for column in ("id", "lang", "German", "translation", "terms", "notes"):
        table.add_column(column, overflow="fold", no_wrap=column in ("id", "lang"))
    for result in results:
        notes = ("cached; " if result.cached else "") + "; ".join(once(result.warnings))
        terms = ", ".join(f"{t.source} → {t.target or '?'} ({t.status})" for t in result.terms)
        table.add_row(
            result.segment_id,
            result.language,
            escape(result.source),
            escape(result.text),
            escape(terms),
            escape(notes),
        )
    stdout.print(table)


def once(warnings: tuple[str, ...]) -> list[str]:
    """An entry's MT warnings, each once: the legs of a pivot route, the retries and the
    restoring of placeholders can note the same thing."""
    return list(dict.fromkeys(warnings))


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
