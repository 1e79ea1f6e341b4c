"""The termbase as data: concepts with terms per language, and several glossaries combined.

A concept has one or more terms per language; the first is the preferred one. A term may
name its plural (``radiologist (pl. radiologists)``), so enforcement can use the plural
where the German source was plural, and its grammatical gender (``m``/``f``), so the
article the model put before an enforced term can be made to agree with it. A
do-not-translate (DNT) concept keeps its German form in every language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

SOURCE_LANGUAGE = "de"
FIXED_COLUMNS = ("id", "dnt", "case_sensitive", "pos", "note")
GENDERS = ("m", "f")  # grammatical gender of a target term: masculine, feminine
POS_VALUES = ("noun", "adj", "verb", "abbr", "name", "phrase", "title")
LANGUAGE_COLUMN = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
FORBIDDEN_PREFIX = "forbidden_"
GENDER_PREFIX = "gender_"
VARIANT_SEPARATOR = "|"
_PLURAL = re.compile(r"^(?P<term>.*?)\s*\(pl\.\s*(?P<plural>[^()]*)\)$")


@dataclass(frozen=True)
class Term:
    """One way to say a concept in one language, with its grammatical gender if known."""

    text: str
    plural: str | None = None
    gender: str | None = None  # one of GENDERS (column gender_<lang>); None: not given

    @classmethod
    def parse(cls, cell_variant: str) -> Term:
        """``"radiologist (pl. radiologists)"`` → Term("radiologist", "radiologists")."""
        match = _PLURAL.match(cell_variant.strip())
        if match:
            return cls(match.group("term").strip(), match.group("plural").strip())
        return cls(cell_variant.strip())

    def format(self) -> str:
        return f"{self.text} (pl. {self.plural})" if self.plural else self.text

    def form(self, plural: bool) -> str:
        return self.plural if plural and self.plural else self.text


def split_variants(cell: str) -> list[str]:
    """The ``|``-separated variants of a cell, as written (not stripped)."""
    return cell.split(VARIANT_SEPARATOR) if cell.strip() else []


@dataclass(frozen=True)
class Concept:
    id: str
    terms: Mapping[str, tuple[Term, ...]]  # language → variants, the preferred one first
    forbidden: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dnt: bool = False
    case_sensitive: bool = False
    pos: str = ""
    note: str = ""
    origin: Path | None = None  # the glossary file
    line: int = 0  # its line in that file

    @property
    def source_terms(self) -> tuple[Term, ...]:
        return self.terms.get(SOURCE_LANGUAGE, ())

    def target(self, language: str, plural: bool = False, surface: str = "") -> str | None:
        """The preferred term in ``language``; the German surface for DNT concepts."""
        if self.dnt:
            return surface or (self.source_terms[0].text if self.source_terms else None)
        variants = self.terms.get(language, ())
        return variants[0].form(plural) if variants else None

    def gender(self, language: str) -> str | None:
        """The grammatical gender of the preferred term in ``language``, if the glossary
        gives it (never for DNT concepts: their target is the German form)."""
        variants = self.terms.get(language, ())
        return variants[0].gender if variants and not self.dnt else None

    def has_plural(self, language: str) -> bool:
        variants = self.terms.get(language, ())
        return bool(variants and variants[0].plural)

    @property
    def location(self) -> str:
        return f"{self.origin}:{self.line}" if self.origin else self.id


@dataclass(frozen=True)
class Termbase:
    """Concepts of one or more glossaries, in precedence order (earlier files win)."""

    concepts: tuple[Concept, ...]
    files: tuple[Path, ...] = ()

    @property
    def languages(self) -> list[str]:
        seen = dict.fromkeys(lang for concept in self.concepts for lang in concept.terms)
        return list(seen)

    def get(self, concept_id: str) -> Concept | None:
        return self._by_id.get(concept_id)

    @cached_property
    def _by_id(self) -> dict[str, Concept]:
        index: dict[str, Concept] = {}
        for concept in self.concepts:
            index.setdefault(concept.id, concept)
        return index

    def fingerprint(self, concept_id: str) -> str:
        """What changes when the concept's entry changes (for cache keys)."""
        concept = self.get(concept_id)
        if concept is None:
            return ""
        parts = [concept.id, str(concept.dnt), str(concept.case_sensitive)]
        for language in sorted(concept.terms):
            parts.append(language + "=" + "|".join(t.format() for t in concept.terms[language]))
        return "\x1f".join(parts)


def combine(glossaries: Iterable[Termbase]) -> Termbase:
    """One termbase from several; the first glossary wins for a concept id or German term.

    A project lists its own glossary before the radiology termbase, so its entries
    replace the termbase's concept with the same id, and a German term it defines is
    taken away from any later concept.
    """
    concepts: list[Concept] = []
    ids: set[str] = set()
    claimed: set[str] = set()
    files: list[Path] = []
    for glossary in glossaries:
        files.extend(glossary.files)
        taken_here: set[str] = set()
        for concept in glossary.concepts:
            if concept.id in ids:
                continue
            kept = tuple(t for t in concept.source_terms if t.text.casefold() not in claimed)
            if not kept:
                continue
            if len(kept) != len(concept.source_terms):
                concept = _with_source_terms(concept, kept)
            concepts.append(concept)
            ids.add(concept.id)
            taken_here.update(t.text.casefold() for t in kept)
        claimed |= taken_here
    return Termbase(tuple(concepts), tuple(files))


def _with_source_terms(concept: Concept, terms: tuple[Term, ...]) -> Concept:
    updated = dict(concept.terms)
    updated[SOURCE_LANGUAGE] = terms
    return Concept(
        concept.id,
        updated,
        concept.forbidden,
        concept.dnt,
        concept.case_sensitive,
        concept.pos,
        concept.note,
        concept.origin,
        concept.line,
    )
