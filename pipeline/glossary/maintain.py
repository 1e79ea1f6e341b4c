"""Glossary maintenance: load several files, lint, statistics, and edits that keep the file.

Edits (add, remove) change only the rows concerned: every other byte of the file stays
as it was, so glossary diffs stay reviewable.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
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
from pipeline.glossary.match import Matcher
from pipeline.glossary.model import (
    NUMBER_SLOT,
    SOURCE_LANGUAGE,
    Concept,
    Exclusion,
    Termbase,
    combine,
)
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
    problems.extend(contradictions(termbase, path))
    if releases:
        problems.extend(_usage_problems(termbase, path, releases))
    return termbase, sorted(problems, key=lambda p: (p.line, p.severity != "error"))


def _conflicting_keys(termbase: Termbase, path: Path) -> list[Problem]:
    """German terms of two concepts that normalise alike: only one can ever match."""
    owner: dict[str, Concept] = {}
    problems = []
    matcher = Matcher(Termbase(termbase.concepts))
    for concept in termbase.concepts:
        for term in concept.source_terms:
            key = matcher.key_of(term.text)
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


# Contradictions: entries that are each fine, but together make a correct translation fail
# QA, or make a rule that never applies.

# The QA checks that look at what a term itself is made of (numbers, units, markup, quotes,
# spacing, repeated words): a preferred target term they flag is flagged in every
# translation that uses it. The checks about whole sentences (length, capitals, final
# punctuation, identical to the German) do not apply to a term.
TERM_CHECKS = ("markup", "urls", "numbers", "units", "quotes", "double-space", "repetition")


def contradictions(termbase: Termbase, path: Path) -> list[Problem]:
    """Entries that contradict each other or QA (see the functions called here)."""
    matcher = Matcher(Termbase(termbase.concepts))
    return [
        *_dnt_containing_translated(termbase, matcher, path),
        *_forbidden_but_preferred(termbase, path),
        *_preferred_flagged_by_qa(termbase, path),
        *_exclusions_that_never_apply(termbase, matcher, path),
    ]


def _dnt_containing_translated(termbase: Termbase, matcher: Matcher, path: Path) -> list[Problem]:
    """A do-not-translate term containing a translated name („Deutsche Röntgengesellschaft
    e.V.“ kept, „Deutsche Röntgengesellschaft“ translated): the longer one wins, so a
    translation that translates the name is reported as "changed". An error where the
    kept term is the name with an addition (e.V., a city), a warning where the name stands
    elsewhere in it (AOK Sachsen-Anhalt); generic nouns inside a name (Techniker
    Krankenkasse) are no contradiction."""
    problems = []
    for concept in termbase.concepts:
        if not concept.dnt:
            continue
        for term in concept.source_terms:
            for hit in matcher.find_all(term.text):
                inner = termbase.get(hit.concept)
                if inner is None or inner.id == concept.id or not _is_translated_name(inner):
                    continue
                problems.append(
                    Problem(
                        "error" if hit.start == 0 else "warning",
                        path,
                        concept.line,
                        f"do-not-translate {term.text!r} contains {hit.surface!r} of concept "
                        f"{inner.id!r} (line {inner.line}), which is translated: a "
                        "translation that translates it is reported as changed",
                        f"give {concept.id!r} translations (en {inner.target('en') or '…'!r} "
                        f"with the rest of the name) instead of dnt, or mark {inner.id!r} dnt",
                        concept.id,
                    )
                )
    return problems


def _is_translated_name(concept: Concept) -> bool:
    is_name = concept.case_sensitive or concept.pos == "name"
    return is_name and not concept.dnt and len(concept.terms) > 1


def _forbidden_but_preferred(termbase: Termbase, path: Path) -> list[Problem]:
    """A forbidden term that is an allowed term of another concept, or a whole word of a
    preferred one (QA looks for forbidden terms as words anywhere in the translation): a
    translation that has both concepts right is reported as using the forbidden term."""
    allowed: dict[tuple[str, str], Concept] = {}
    for concept in termbase.concepts:
        for language, terms in concept.terms.items():
            for term in terms:
                for form in filter(None, (term.text, term.plural)):
                    allowed.setdefault((language, form.casefold()), concept)
    problems = []
    for concept in termbase.concepts:
        for language, forbidden in concept.forbidden.items():
            for banned in forbidden:
                owner = allowed.get((language, banned.casefold()))
                if owner is not None and owner.id != concept.id:
                    problems.append(
                        _forbidden_problem(concept, language, banned, owner, "is a term", path)
                    )
                    continue
                containing = _preferred_containing(termbase, language, banned)
                if containing is not None:
                    problems.append(
                        _forbidden_problem(concept, language, banned, containing, "is in", path)
                    )
    return problems


def _preferred_containing(termbase: Termbase, language: str, banned: str) -> Concept | None:
    """The first concept whose preferred ``language`` term has ``banned`` as whole words."""
    pattern = re.compile(rf"(?<!\w){re.escape(banned.casefold())}(?!\w)")
    for concept in termbase.concepts:
        variants = concept.terms.get(language, ())
        if variants and not concept.dnt and pattern.search(variants[0].text.casefold()):
            return concept
    return None


def _forbidden_problem(
    concept: Concept, language: str, banned: str, owner: Concept, relation: str, path: Path
) -> Problem:
    preferred = owner.target(language) or ""
    where = "its own" if owner.id == concept.id else f"{owner.id!r}'s (line {owner.line})"
    return Problem(
        "error",
        path,
        concept.line,
        f"forbidden {language} term {banned!r} of {concept.id!r} {relation} {where} "
        f"{language} term {preferred!r}: a correct translation is reported as forbidden",
        f"remove {banned!r} from forbidden_{language} of {concept.id!r}, or give "
        f"{owner.id!r} another {language} term",
        concept.id,
    )


def _preferred_flagged_by_qa(termbase: Termbase, path: Path) -> list[Problem]:
    """Preferred target terms that a QA check (TERM_CHECKS) flags against the German term."""
    from pipeline.qa.checks import CHECKS, Context  # QA builds on the glossary, not back

    problems = []
    for concept in termbase.concepts:
        if concept.dnt or not concept.source_terms:
            continue
        german = concept.source_terms[0]
        for language, variants in concept.terms.items():
            if language == SOURCE_LANGUAGE:
                continue
            for plural in (False, True) if variants[0].plural and german.plural else (False,):
                source, target = german.form(plural), variants[0].form(plural)
                for check_id in TERM_CHECKS:
                    found = CHECKS[check_id].problems(source, target, Context(language))
                    if found:
                        problems.append(
                            Problem(
                                "error",
                                path,
                                concept.line,
                                f"QA check {check_id!r} flags the preferred {language} term "
                                f"{target!r} of {concept.id!r} ({found[0]}): every translation "
                                "that uses it fails",
                                f"write the {language} term so that it passes (same numbers, "
                                f"units and markup as {source!r}, the language's quotes, "
                                "single spaces)",
                                concept.id,
                            )
                        )
    return problems


def _exclusions_that_never_apply(termbase: Termbase, matcher: Matcher, path: Path) -> list[Problem]:
    """An exclude context that cannot apply: a longer term of another concept covers it
    (the longest match wins, so the exclusion is not needed), the concept still matches
    where it is written out, or the term with the context's ending is no form it matches."""
    problems: list[Problem] = []
    if not any(concept.exclude for concept in termbase.concepts):
        return problems
    unexcluded = Matcher(Termbase(tuple(replace(c, exclude=()) for c in termbase.concepts)))
    for concept in termbase.concepts:
        for exclusion in concept.exclude:
            term = concept.source_terms[0]
            example = _example(exclusion, term.text)
            start = example.index(term.text)
            hits = matcher.find(example)
            covering = [
                hit for hit in hits if hit.start <= start and hit.end >= start + len(term.text)
            ]
            reason = ""
            if covering and covering[0].concept != concept.id:
                reason = f"concept {covering[0].concept!r} matches there instead (longest match)"
            elif covering:
                reason = "the concept still matches where the context is written out"
            elif not any(
                hit.concept == concept.id for hit in unexcluded.find(term.text + exclusion.ending)
            ):
                reason = "the term written so is not matched at all: nothing to exclude"
            if reason:
                problems.append(
                    Problem(
                        "warning",
                        path,
                        concept.line,
                        f"exclude {exclusion.format()!r} of {concept.id!r} never applies: "
                        f"{reason} ({example!r})",
                        "remove the context, or write the words that surround the term",
                        concept.id,
                    )
                )
    return problems


def _example(exclusion: Exclusion, term: str) -> str:
    """The context written out around the term, with 12345 for a number."""

    def words(items: tuple[str, ...]) -> list[str]:
        return ["12345" if item == NUMBER_SLOT else item for item in items]

    return " ".join([*words(exclusion.before), term + exclusion.ending, *words(exclusion.after)])


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
