"""`pipeline glossary …`: find, list, show, add, remove, lint, import, export, extract, stats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.cli.base import (
    GlossaryOption,
    JsonLinesOption,
    PipelineTyper,
    ProjectOption,
    app,
    load_project,
    print_json,
    print_json_line,
)
from pipeline.console import reports_errors, stderr, stdout
from pipeline.errors import ExitCode, InputError
from pipeline.files import atomic_write, find_releases
from pipeline.glossary.csvio import delimiter_for, write_table_text
from pipeline.glossary.extract import extract
from pipeline.glossary.maintain import (
    TBX_SUFFIXES,
    add_concept,
    concept_from_options,
    lint,
    load_file,
    load_termbase,
    remove_concept,
    stats,
)
from pipeline.glossary.match import Matcher
from pipeline.glossary.model import SOURCE_LANGUAGE, Concept, Termbase
from pipeline.glossary.tbx import export_tbx
from pipeline.project import Overrides
from pipeline.run import segment_release
from pipeline.segment import Segment

glossary_app = PipelineTyper(help="Search and maintain the termbase.")
app.add_typer(glossary_app, name="glossary")

FileOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        "-f",
        help="The glossary file to edit (default: the project's first glossary file).",
        dir_okay=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


def _glossary_files(project: Path, given: list[Path] | None) -> tuple[Path, ...]:
    """The --glossary files, else the project's glossaries (built-in termbase included)."""
    return load_project(
        project, Overrides(glossaries=tuple(given) if given else None)
    ).glossary_files


def _termbase(project: Path, given: list[Path] | None) -> Termbase:
    return load_termbase(_glossary_files(project, given))


def _file_to_edit(project: Path, given: Path | None) -> Path:
    """--file, else the first of the project's own glossary files (never the built-in one:
    it belongs to the installed pipeline)."""
    if given is not None:
        return given
    config = load_project(project, Overrides(no_glossary=True)).config
    if not config.glossaries:
        raise InputError(
            "this project has no glossary file of its own to edit",
            path=config.file or project,
            fix="pass --file glossaries/project.csv, and list it in pipeline.toml under "
            '[glossary] files = ["glossaries/project.csv"]',
        )
    return config.path(config.glossaries[0])


def _release_segments(project: Path, files: list[Path]) -> list[tuple[Path, list[Segment]]]:
    """The releases' segments as the project cuts them (level, abbreviations, encoding)."""
    if not files:
        return []
    resolved = load_project(project, Overrides(no_glossary=True))
    return [
        (
            path,
            list(segment_release(path, resolved.level, resolved.rules, resolved.encoding).segments),
        )
        for path in find_releases(files)
    ]


def _preferred(concept: Concept, language: str) -> str:
    terms = concept.terms.get(language, ())
    return " | ".join(term.format() for term in terms)


@glossary_app.command("find")
@reports_errors
def find(
    files: Annotated[list[Path], typer.Argument(help="Releases or text files.")],
    glossary: GlossaryOption = None,
    project: ProjectOption = Path("."),
    as_json: JsonLinesOption = False,
) -> None:
    """Show the concepts matched in releases: surface text, position, concept id.

    Positions are character offsets in the segment text (see `pipeline segment`).
    Example: pipeline glossary find releases/*.md --json
    """
    matcher = Matcher(_termbase(project, glossary))
    rows = []
    for path, segments in _release_segments(project, files):
        for segment in segments:
            for hit in matcher.find(segment.text):
                rows.append(
                    {"file": str(path), "line": segment.line, "segment": segment.id} | hit.as_dict()
                )
    if as_json:
        for row in rows:
            print_json_line(row)
        return
    table = Table(title=f"Glossary terms found: {len(rows)}")
    for column in ("file", "line", "surface", "concept", "start", "end", "plural"):
        table.add_column(column, justify="right" if column in ("line", "start", "end") else "left")
    for row in rows:
        table.add_row(
            Path(str(row["file"])).name,
            str(row["line"]),
            str(row["surface"]),
            str(row["concept"]),
            str(row["start"]),
            str(row["end"]),
            "yes" if row["plural"] else "",
        )
    stdout.print(table)


@glossary_app.command("list")
@reports_errors
def list_concepts(
    glossary: GlossaryOption = None,
    project: ProjectOption = Path("."),
    language: Annotated[
        str | None, typer.Option("--lang", help="Only concepts with a term in this language.")
    ] = None,
    missing: Annotated[
        bool, typer.Option("--missing", help="With --lang: the concepts that lack it.")
    ] = False,
    text: Annotated[
        str | None, typer.Option("--text", help="Only concepts with a term containing this.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List concepts, filtered by language or text.

    Example: pipeline glossary list --lang it --missing
    """
    termbase = _termbase(project, glossary)
    concepts = list(termbase.concepts)
    if language:
        concepts = [c for c in concepts if (language in c.terms or c.dnt) is not missing]
    if text:
        needle = text.casefold()
        concepts = [
            c
            for c in concepts
            if any(needle in t.format().casefold() for ts in c.terms.values() for t in ts)
        ]
    if as_json:
        print_json([_concept_dict(c) for c in concepts])
        return
    languages = [lang for lang in termbase.languages if lang != SOURCE_LANGUAGE]
    table = Table(title=f"{len(concepts)} concepts")
    for column in ("id", SOURCE_LANGUAGE, *languages):
        table.add_column(column, overflow="fold")
    for concept in concepts:
        cells = [concept.id, _preferred(concept, SOURCE_LANGUAGE)]
        cells += ["(dnt)" if concept.dnt else _preferred(concept, lang) for lang in languages]
        table.add_row(*cells)
    stdout.print(table)


def _concept_dict(concept: Concept) -> dict[str, object]:
    return {
        "id": concept.id,
        "terms": {
            lang: [{"text": t.text, "plural": t.plural} for t in terms]
            for lang, terms in concept.terms.items()
        },
        "forbidden": {lang: list(values) for lang, values in concept.forbidden.items()},
        "dnt": concept.dnt,
        "case_sensitive": concept.case_sensitive,
        "pos": concept.pos,
        "note": concept.note,
        "file": str(concept.origin) if concept.origin else None,
        "line": concept.line,
    }


@glossary_app.command("show")
@reports_errors
def show(
    concept_id: Annotated[str, typer.Argument(help="Concept id.")],
    glossary: GlossaryOption = None,
    project: ProjectOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Show one concept with all its terms.

    Example: pipeline glossary show medizinprodukt
    """
    concept = _termbase(project, glossary).get(concept_id)
    if concept is None:
        raise InputError(
            f"no concept with id {concept_id!r}", fix="find ids with `pipeline glossary list`"
        )
    if as_json:
        print_json(_concept_dict(concept))
        return
    table = Table(title=f"{concept.id}  ({concept.location})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for language, terms in concept.terms.items():
        table.add_row(language, " | ".join(t.format() for t in terms))
    for language, values in concept.forbidden.items():
        table.add_row(f"forbidden {language}", " | ".join(values))
    table.add_row("dnt", "yes" if concept.dnt else "no")
    table.add_row("case sensitive", "yes" if concept.case_sensitive else "no")
    table.add_row("pos", concept.pos)
    table.add_row("note", concept.note)
    stdout.print(table)


def _pairs(values: list[str] | None, option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values or []:
        language, separator, text = value.partition("=")
        if not separator or not language.strip() or not text.strip():
            raise typer.BadParameter(f"write {option} LANG=TEXT, e.g. {option} en=medical device")
        pairs.append((language.strip(), text.strip()))
    return pairs


@glossary_app.command("add")
@reports_errors
def add(
    concept_id: Annotated[str, typer.Argument(help="New concept id (lowercase slug).")],
    german: Annotated[list[str], typer.Option("--de", help="German term; repeatable.")],
    term: Annotated[
        list[str] | None, typer.Option("--term", help="LANG=TEXT, e.g. en=medical device.")
    ] = None,
    forbidden: Annotated[
        list[str] | None, typer.Option("--forbidden", help="LANG=TEXT that must not be used.")
    ] = None,
    dnt: Annotated[bool, typer.Option("--dnt", help="Do not translate.")] = False,
    case_sensitive: Annotated[bool, typer.Option("--case-sensitive")] = False,
    pos: Annotated[str, typer.Option("--pos", help="noun, adj, verb, abbr, name, …")] = "",
    note: Annotated[str, typer.Option("--note")] = "",
    file: FileOption = None,
    project: ProjectOption = Path("."),
) -> None:
    """Add a concept as a new row; the rest of the file is left as it is.

    Example: pipeline glossary add roentgenthorax --de Röntgenthorax --term en="chest X-ray"
    """
    concept = concept_from_options(
        concept_id,
        german,
        _pairs(term, "--term"),
        _pairs(forbidden, "--forbidden"),
        dnt,
        case_sensitive,
        pos,
        note,
    )
    path = _file_to_edit(project, file)
    add_concept(path, concept)
    stdout.print(f"added {concept_id} to {path}")


@glossary_app.command("remove")
@reports_errors
def remove(
    concept_id: Annotated[str, typer.Argument(help="Concept id.")],
    file: FileOption = None,
    project: ProjectOption = Path("."),
) -> None:
    """Remove a concept's row; the rest of the file is left as it is.

    Example: pipeline glossary remove roentgenthorax
    """
    path = _file_to_edit(project, file)
    remove_concept(path, concept_id)
    stdout.print(f"removed {concept_id} from {path}")


@glossary_app.command("lint")
@reports_errors
def lint_command(
    glossary: GlossaryOption = None,
    project: ProjectOption = Path("."),
    releases: Annotated[
        list[Path] | None,
        typer.Option("--releases", help="Also report entries that match none of these."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check glossaries: duplicates, conflicts, missing languages, unused entries, ….

    Exits with 1 when an error is found. Example: pipeline glossary lint --releases releases
    """
    segments = [
        (str(path), [s.text for s in found])
        for path, found in _release_segments(project, releases or [])
    ]
    problems = []
    for path in _glossary_files(project, glossary):
        problems.extend(lint(path, segments)[1])
    if as_json:
        print_json([p.__dict__ | {"path": str(p.path)} for p in problems])
    else:
        table = Table(title=f"Glossary lint: {len(problems)} findings")
        for column in ("severity", "file", "line", "problem", "fix"):
            table.add_column(column, overflow="fold")
        for problem in problems:
            colour = "red" if problem.severity == "error" else "yellow"
            table.add_row(
                f"[{colour}]{problem.severity}[/]",
                problem.path.name,
                str(problem.line),
                problem.message,
                problem.fix,
            )
        stdout.print(table)
    if any(problem.severity == "error" for problem in problems):
        raise typer.Exit(ExitCode.FINDINGS)


@glossary_app.command("export")
@reports_errors
def export(
    output: Annotated[Path, typer.Argument(help="Target file: .csv, .tsv or .tbx.")],
    glossary: GlossaryOption = None,
    project: ProjectOption = Path("."),
) -> None:
    """Write the glossary (all --glossary files combined) as CSV, TSV or TBX-Basic.

    Example: pipeline glossary export radiology.tbx
    """
    termbase = _termbase(project, glossary)
    atomic_write(output, _serialise(termbase, output))
    stdout.print(f"wrote {len(termbase.concepts)} concepts to {output}")


@glossary_app.command("import")
@reports_errors
def import_command(
    source: Annotated[Path, typer.Argument(help="File to import: .csv, .tsv or .tbx.")],
    output: Annotated[Path, typer.Argument(help="Glossary to write: .csv or .tsv.")],
) -> None:
    """Convert a TBX, TSV or CSV termbase into a glossary file.

    Example: pipeline glossary import termbase.tbx glossaries/project.csv
    """
    if not source.is_file():
        raise InputError("file not found", path=source)
    termbase = load_file(source)
    atomic_write(output, _serialise(termbase, output))
    stdout.print(f"imported {len(termbase.concepts)} concepts into {output}")


def _serialise(termbase: Termbase, output: Path) -> bytes:
    if output.suffix.lower() in TBX_SUFFIXES:
        return export_tbx(termbase)
    if output.suffix.lower() not in {".csv", ".tsv", ".tab"}:
        raise InputError("unknown output format", path=output, fix="use .csv, .tsv or .tbx")
    return write_table_text(termbase, delimiter_for(output)).encode("utf-8")


@glossary_app.command("extract")
@reports_errors
def extract_command(
    files: Annotated[list[Path], typer.Argument(help="Releases to mine for terms.")],
    glossary: GlossaryOption = None,
    project: ProjectOption = Path("."),
    limit: Annotated[int, typer.Option(min=1, help="How many candidates.")] = 30,
    include_known: Annotated[
        bool, typer.Option("--known", help="Also list terms the glossary has, marked.")
    ] = False,
    as_json: JsonLinesOption = False,
) -> None:
    """Suggest terms the glossary lacks, in base form, ranked by termhood.

    Kinds: acronym (with its expansion), compound, multiword, noun. Termhood: how much
    more frequent the term is in these releases than in general German (wordfreq).

    Example: pipeline glossary extract releases/*.md
    """
    matcher = Matcher(_termbase(project, glossary))
    texts = [s.text for _, segments in _release_segments(project, files) for s in segments]
    candidates = extract(texts, matcher, limit, include_known)
    if as_json:
        for candidate in candidates:
            print_json_line(candidate.as_dict())
        return
    table = Table(title="Candidate terms, highest termhood first")
    for column in ("term", "kind", "count", "termhood", "expansion", "known", "example"):
        table.add_column(column, overflow="fold")
    for c in candidates:
        table.add_row(
            escape(c.term),
            str(c.kind),
            str(c.count),
            f"{c.termhood:.1f}",
            escape(c.expansion),
            escape(c.known),
            escape(c.example),
        )
    stdout.print(table)


@glossary_app.command("stats")
@reports_errors
def stats_command(
    glossary: GlossaryOption = None,
    project: ProjectOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Count concepts, languages, plurals, DNT and forbidden terms.

    Example: pipeline glossary stats
    """
    result = stats(_termbase(project, glossary))
    if as_json:
        print_json(result.as_dict())
        return
    stdout.print(f"Glossary: {escape(', '.join(result.files))}", highlight=False, soft_wrap=True)
    table = Table(show_header=False)
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    table.add_row("concepts", str(result.concepts))
    table.add_row("German variants", str(result.german_variants))
    table.add_row("do not translate", str(result.dnt))
    table.add_row("case sensitive", str(result.case_sensitive))
    table.add_row("with forbidden terms", str(result.with_forbidden))
    for language, count in result.per_language.items():
        plurals = result.plurals.get(language, 0)
        table.add_row(f"terms in {language}", f"{count} ({plurals} with plural)")
    for pos, count in result.per_pos.items():
        table.add_row(f"pos {pos}", str(count))
    stdout.print(table)
    if not result.concepts:
        stderr.print("[yellow]the glossary has no concepts[/]")
