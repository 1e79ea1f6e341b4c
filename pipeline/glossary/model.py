"""The termbase as data: concepts with terms per language, and several glossaries combined.

A concept has one or more terms per language; the first is the preferred one. A term may
name its plural (``radiologist (pl. radiologists)``), so enforcement can use the plural
where the German source was plural, and its grammatical gender (``m``/``f``), so the
article the model put before an enforced term can be made to agree with it. A
do-not-translate (DNT) concept keeps its German form in every language.

A German term may also be written as one word where the glossary says so: ``Röntgen(-)Thorax``
is the term ``Röntgen-Thorax`` that also matches ``Röntgenthorax`` (see :meth:`Term.forms`).
A concept can exclude contexts in which its German term means something else
(:class:`Exclusion`: „Wilhelm Conrad Röntgen“ is not the X-ray).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

SOURCE_LANGUAGE = "de"
FIXED_COLUMNS = ("id", "dnt", "case_sensitive", "pos", "note", "exclude")
GENDERS = ("m", "f")  # grammatical gender of a target term: masculine, feminine
POS_VALUES = ("noun", "adj", "verb", "abbr", "name", "phrase", "title")
LANGUAGE_COLUMN = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
FORBIDDEN_PREFIX = "forbidden_"
GENDER_PREFIX = "gender_"
VARIANT_SEPARATOR = "|"
_PLURAL = re.compile(r"^(?P<term>.*?)\s*\(pl\.\s*(?P<plural>[^()]*)\)$")
OPTIONAL_HYPHEN = "(-)"  # in a German term: the hyphen may be left out, the parts written as one
TERM_SLOT = "_"  # in an exclusion: the term itself
NUMBER_SLOT = "#"  # in an exclusion: any number


@dataclass(frozen=True)
class Term:
    """One way to say a concept in one language, with its grammatical gender if known."""

    text: str
    plural: str | None = None
    gender: str | None = None  # one of GENDERS (column gender_<lang>); None: not given
    closable: bool = False  # its hyphens may be left out: Röntgen-Thorax = Röntgenthorax

    @classmethod
    def parse(cls, cell_variant: str) -> Term:
        """``"radiologist (pl. radiologists)"`` → Term("radiologist", "radiologists");
        ``"Röntgen(-)Thorax"`` → Term("Röntgen-Thorax", closable=True)."""
        closable = OPTIONAL_HYPHEN in cell_variant
        text = cell_variant.replace(OPTIONAL_HYPHEN, "-").strip()
        match = _PLURAL.match(text)
        if match:
            return cls(match.group("term").strip(), match.group("plural").strip(), None, closable)
        return cls(text, None, None, closable)

    def format(self) -> str:
        text = f"{self.text} (pl. {self.plural})" if self.plural else self.text
        return text.replace("-", OPTIONAL_HYPHEN) if self.closable else text

    def forms(self) -> tuple[str, ...]:
        """Every written form the term matches in German: singular, plural, and where the
        hyphens may be left out, both written as one word (Röntgenthorax)."""
        written = tuple(filter(None, (self.text, self.plural)))
        if not self.closable:
            return written
        return written + tuple(closed_form(form) for form in written)

    def form(self, plural: bool) -> str:
        return self.plural if plural and self.plural else self.text


def closed_form(text: str) -> str:
    """``Röntgen-Thorax`` → ``Röntgenthorax``: the hyphens left out, the next letter in
    lower case unless the part is an acronym (CT keeps its case)."""
    parts = text.split("-")
    joined = parts[0]
    for part in parts[1:]:
        acronym = len(part) > 1 and part[:2].isupper()
        joined += part if acronym else part[:1].lower() + part[1:]
    return joined


@dataclass(frozen=True)
class Exclusion:
    """A context in which a concept's German term means something else: words right
    before and after the term (``Wilhelm Conrad _``, ``# _`` for a number before it) and
    an ending the written term must have (``_s``: „Röntgens Entdeckung“).

    Cell syntax (column ``exclude``, contexts separated by ``|``): words separated by
    spaces, exactly one of them ``_`` (the term, in any of its forms), optionally followed
    by letters the written term ends with (``_s``); ``#`` stands for any number. A word
    matches any inflected form of itself (``klinisch _`` excludes „der klinischen Praxis“).
    """

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    ending: str = ""

    @classmethod
    def parse(cls, context: str) -> Exclusion:
        """``"Wilhelm Conrad _"`` → Exclusion(before=("Wilhelm", "Conrad")); a context that
        is not of this form raises ValueError with the reason."""
        items = context.split()
        slots = [index for index, item in enumerate(items) if item.startswith(TERM_SLOT)]
        if len(slots) != 1:
            raise ValueError(f"{context.strip()!r} must contain the term {TERM_SLOT!r} once")
        slot = slots[0]
        ending = items[slot].removeprefix(TERM_SLOT)
        if ending and not ending.isalpha():
            raise ValueError(f"{items[slot]!r}: only letters may follow {TERM_SLOT!r}")
        others = items[:slot] + items[slot + 1 :]
        if not others and not ending:
            raise ValueError(f"{context.strip()!r} would exclude every occurrence of the term")
        for item in others:
            if item != NUMBER_SLOT and not _is_context_word(item):
                raise ValueError(
                    f"{item!r} is not a word: use words, {NUMBER_SLOT!r} for a number and "
                    f"{TERM_SLOT!r} for the term"
                )
        return cls(tuple(items[:slot]), tuple(items[slot + 1 :]), ending)

    def format(self) -> str:
        return " ".join([*self.before, TERM_SLOT + self.ending, *self.after])


def _is_context_word(item: str) -> bool:
    """Letters and digits, with inner dots, hyphens or apostrophes (Dr., Baden-Württemberg)."""
    core = item.replace(".", "").replace("-", "").replace("'", "").replace("’", "")
    return bool(core) and core.isalnum() and item[0].isalnum()


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
    exclude: tuple[Exclusion, ...] = ()  # contexts where the German term is not this concept
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
        if concept.exclude:  # only then: the fingerprints of other concepts stay as they were
            parts.append("exclude=" + "|".join(e.format() for e in concept.exclude))
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
    return replace(concept, terms=updated)
