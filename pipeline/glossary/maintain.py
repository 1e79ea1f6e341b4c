"""Glossary maintenance: load several files, lint, statistics, and edits that keep the file.

Edits (add, remove) change only the rows concerned: every other byte of the file stays
as it was, so glossary diffs stay reviewable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipeline.errors import InputError
from pipeline.files import atomic_write
from pipeline.glossary.csvio import (
    Problem,
    concept_cells,
    concepts_from_table,
    format_row,
    load_glossary,
    read_glossary,
    read_table,
    read_text,
)
from pipeline.glossary.match import Matcher, tokenize
from pipeline.glossary.model import SOURCE_LANGUAGE, Concept, Termbase, combine
from pipeline.glossary.tbx import import_tbx

TABLE_SUFFIXES = {".csv", ".tsv", ".tab"}
TBX_SUFFIXES = {".tbx", ".xml"}


def builtin_termbase() -> Path:
    """The curated radiology termbase that ships with the pipeline (package data)."""
    return Path(str(resources.files("pipeline.glossary") / "data" / "radiology.csv"))


def load_termbase(paths: Sequence[Path]) -> Termbase:
    """Several glossaries as one; the first file wins where they disagree."""
    return combine(load_file(Path(path)) for path in paths)


def load_file(path: Path) -> Termbase:
    suffix = path.suffix.lower()
    if suffix in TBX_SUFFIXES:
        return import_tbx(path)
    if suffix in TABLE_SUFFIXES:
        return load_glossary(path)
    raise InputError(
        f"unknown glossary format {suffix or '(no extension)'!r}",
        path=path,
        fix="use .csv, .tsv or .tbx",
    )


# ---------------------------------------------------------------------------
# Lint


def lint(
    path: Path, releases: Sequence[tuple[str, Sequence[str]]] = ()
) -> tuple[Termbase, list[Problem]]:
    """Every problem of one glossary; with ``releases`` (name, segment texts) also the
    entries that match nowhere and terms that only ever occur inside longer ones."""
    if path.suffix.lower() in TBX_SUFFIXES:
        termbase, problems = import_tbx(path), []
    else:
        termbase, problems = read_glossary(path)
    problems.extend(_conflicting_keys(termbase, path))
    if releases:
        problems.extend(_usage_problems(termbase, path, releases))
    return termbase, sorted(problems, key=lambda p: (p.line, p.severity != "error"))


def _conflicting_keys(termbase: Termbase, path: Path) -> list[Problem]:
    """German terms of two concepts that normalise alike: only one can ever match."""
    owner: dict[str, Concept] = {}
    problems = []
    for concept in termbase.concepts:
        for term in concept.source_terms:
            key = " ".join(token.key for token in tokenize(term.text))
            other = owner.setdefault(key, concept)
            if other.id != concept.id and term.text.casefold() not in {
                t.text.casefold() for t in other.source_terms
            }:
                problems.append(
                    Problem(
                        "error",
                        path,
                        concept.line,
                        f"German term {term.text!r} matches the same words as concept "
                        f"{other.id!r} (line {other.line}): one of them can never match",
                        "merge the two concepts or remove the variant",
                        concept.id,
                    )
                )
    return problems


def _usage_problems(
    termbase: Termbase, path: Path, releases: Sequence[tuple[str, Sequence[str]]]
) -> list[Problem]:
    matcher = Matcher(Termbase(termbase.concepts))
    used: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    for _, texts in releases:
        for text in texts:
            candidates = matcher.find_all(text)
            chosen = set(matcher.resolve(candidates))
            used.update(hit.concept for hit in chosen)
            inside.update(hit.concept for hit in candidates if hit not in chosen)
    problems = []
    for concept in termbase.concepts:
        if used[concept.id]:
            continue
        if inside[concept.id]:
            problems.append(
                Problem(
                    "warning",
                    path,
                    concept.line,
                    f"concept {concept.id!r} occurs {inside[concept.id]} times, always inside "
                    "a longer term of another concept (shadowed)",
                    concept=concept.id,
                )
            )
        else:
            problems.append(
                Problem(
                    "warning",
                    path,
                    concept.line,
                    f"concept {concept.id!r} matches no release",
                    concept=concept.id,
                )
            )
    return problems


# ---------------------------------------------------------------------------
# Statistics


@dataclass(frozen=True)
class Stats:
    concepts: int
    dnt: int
    case_sensitive: int
    with_forbidden: int
    german_variants: int
    per_language: dict[str, int]  # concepts with a term in the language (DNT not counted)
    plurals: dict[str, int]  # concepts whose preferred term names its plural
    per_pos: dict[str, int]
    files: list[str]

    def as_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def stats(termbase: Termbase) -> Stats:
    translated = [c for c in termbase.concepts if not c.dnt]
    languages = termbase.languages
    return Stats(
        concepts=len(termbase.concepts),
        dnt=sum(c.dnt for c in termbase.concepts),
        case_sensitive=sum(c.case_sensitive for c in termbase.concepts),
        with_forbidden=sum(bool(c.forbidden) for c in termbase.concepts),
        german_variants=sum(len(c.source_terms) for c in termbase.concepts),
        per_language={lang: sum(lang in c.terms for c in translated) for lang in languages},
        plurals={lang: sum(c.has_plural(lang) for c in translated) for lang in languages},
        per_pos=dict(Counter(c.pos or "(none)" for c in termbase.concepts).most_common()),
        files=[str(path) for path in termbase.files],
    )


# ---------------------------------------------------------------------------
# Edits


def add_concept(path: Path, concept: Concept) -> None:
    """Append a row; the rest of the file stays byte for byte as it was."""
    text = read_text(path)
    table = read_table(path, text)
    unknown = [lang for lang in [*concept.terms, *concept.forbidden] if lang not in table.columns]
    if unknown:
        raise InputError(
            f"the glossary has no column for {', '.join(unknown)}",
            path=path,
            fix="add the column to the header first",
        )
    row = format_row(concept_cells(concept, table.columns), table.delimiter, table.newline)
    if text and not text.endswith(("\n", "\r")):
        text += table.newline
    _write_checked(path, text + row, concept.id)


def remove_concept(path: Path, concept_id: str) -> None:
    text = read_text(path)
    table = read_table(path, text)
    row = next((r for r in table.rows if r.cells["id"].strip() == concept_id), None)
    if row is None:
        raise InputError(f"no concept with id {concept_id!r}", path=path)
    lines = text.splitlines(keepends=True)
    del lines[row.line - 1 : row.end_line]
    _write_checked(path, "".join(lines), None)


def _write_checked(path: Path, text: str, added: str | None) -> None:
    """Write only if the edited glossary still loads without errors."""
    termbase, problems = concepts_from_table(read_table(path, text))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise errors[0].as_error()
    if added is not None and termbase.get(added) is None:
        raise InputError(f"concept {added!r} could not be added", path=path)
    bom = Path(path).read_bytes().startswith(b"\xef\xbb\xbf")
    atomic_write(path, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def concept_from_options(
    concept_id: str,
    german: Sequence[str],
    terms: Iterable[tuple[str, str]],
    forbidden: Iterable[tuple[str, str]] = (),
    dnt: bool = False,
    case_sensitive: bool = False,
    pos: str = "",
    note: str = "",
) -> Concept:
    from pipeline.glossary.model import Term

    by_language: dict[str, list[Term]] = {SOURCE_LANGUAGE: [Term.parse(g) for g in german]}
    for language, text in terms:
        by_language.setdefault(language, []).append(Term.parse(text))
    banned: dict[str, list[str]] = {}
    for language, text in forbidden:
        banned.setdefault(language, []).append(text.strip())
    return Concept(
        concept_id,
        {lang: tuple(values) for lang, values in by_language.items()},
        {lang: tuple(values) for lang, values in banned.items()},
        dnt,
        case_sensitive,
        pos,
        note,
    )
