"""Find the glossary's German terms in text: inflection-aware, whole words, longest match.

Text and glossary terms go through the same normalisation: split into word and
punctuation tokens, gender forms written as one word (Radiolog:innen, Radiolog*innen,
Radiolog_innen, RadiologInnen → Radiologinnen), each word lower-cased and lemmatised with
simplemma (Radiologen → radiologe, künstlicher → künstlich). One Aho-Corasick automaton
over the token keys of every term then finds all terms in one pass; keys are separated
by a character that never occurs in them, so a term only matches whole tokens (KI is not
in Kiel). Hyphenated compounds are split into their parts, so KI-gestützte contains KI.
Overlaps are resolved longest first. Case-sensitive concepts (acronyms, names) must
also match the written case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick
import simplemma

from pipeline.glossary.model import Concept, Term, Termbase

_TOKEN = re.compile(r"\w+(?:[:*]in(?:nen)?(?!\w))?|[^\w\s]")
_GENDER_MARK = re.compile(r"[:*_](in(?:nen)?)$")
_BINNEN_I = re.compile(r"(?<=[a-zäöüß])In(nen)?$")
_SEPARATOR = "\x1f"
_SPACED = "\x1e"  # marks punctuation that follows a space ("KI - Modell" is not "KI-Modell")
_GENITIVE = ("s", "es")
_PLURAL_ENDINGS = ("innen", "en", "er", "e", "n", "s")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    surface: str  # gender forms written as one word
    key: str  # lemma, lower case


@dataclass(frozen=True)
class TermHit:
    """A glossary term found in a text."""

    concept: str
    start: int
    end: int
    surface: str  # the text as written in the source
    term: str  # the German glossary term that matched
    plural: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "concept": self.concept,
            "start": self.start,
            "end": self.end,
            "surface": self.surface,
            "term": self.term,
            "plural": self.plural,
        }


def gender_neutral(word: str) -> str:
    """Radiolog:innen, Radiolog*innen, Radiolog_innen, RadiologInnen → Radiologinnen."""
    if ":" in word or "*" in word or "_" in word:  # most words have no gender mark
        word = _GENDER_MARK.sub(r"\1", word)
    if "In" not in word:
        return word
    return _BINNEN_I.sub(lambda m: "in" + (m.group(1) or ""), word)


# simplemma's German rules backtrack in quadratic time on long words (seconds for a word
# of 100,000 letters). No German word this long has a glossary term for its lemma, so
# longer ones are only lower-cased, in the text and in the termbase alike.
LEMMATIZED_MAX = 100


@lru_cache(maxsize=200_000)
def word_key(word: str) -> str:
    lowered = gender_neutral(word).lower()
    if len(lowered) > LEMMATIZED_MAX:
        return lowered.casefold()
    return simplemma.lemmatize(lowered, lang="de").casefold()


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        surface = match.group()
        if surface[0].isalnum() or surface[0] == "_":
            tokens.append(
                Token(match.start(), match.end(), gender_neutral(surface), word_key(surface))
            )
        else:
            spaced = match.start() > 0 and text[match.start() - 1].isspace()
            tokens.append(
                Token(match.start(), match.end(), surface, (_SPACED if spaced else "") + surface)
            )
    return tokens


@dataclass(frozen=True)
class _Entry:
    concept: Concept
    term: Term
    length: int  # in tokens


class Matcher:
    """All German terms of a termbase, compiled into one automaton."""

    def __init__(self, termbase: Termbase) -> None:
        self.termbase = termbase
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[_Entry]] = {}
        for concept in termbase.concepts:
            for term in concept.source_terms:
                for form in filter(None, (term.text, term.plural)):
                    keys = [token.key for token in tokenize(form)]
                    if not keys:
                        continue
                    pattern = _SEPARATOR + _SEPARATOR.join(keys) + _SEPARATOR
                    bucket = entries.setdefault(pattern, [])
                    if not any(e.concept.id == concept.id for e in bucket):
                        bucket.append(_Entry(concept, term, len(keys)))
        for pattern, bucket in entries.items():
            self._automaton.add_word(pattern, tuple(bucket))
        self._empty = not entries
        self._found: dict[str, list[TermHit]] = {}
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[TermHit]:
        """Every term in ``text``, longest first where they overlap, in text order."""
        # A run asks for the same segment several times (comments, MT, QA, per language).
        if text not in self._found:
            if len(self._found) > 50_000:
                self._found.clear()
            self._found[text] = self.resolve(self.find_all(text))
        return list(self._found[text])

    @staticmethod
    def resolve(candidates: list[TermHit]) -> list[TermHit]:
        """Overlapping hits: the longest wins (then the earlier one); in text order."""
        return _longest_first(candidates)

    def find_all(self, text: str) -> list[TermHit]:
        """Every term occurrence in ``text``, overlapping ones included."""
        if self._empty or not text:
            return []
        tokens = tokenize(text)
        stream, token_at_end = _stream(tokens)
        candidates: list[TermHit] = []
        for end, bucket in self._automaton.iter(stream):
            last = token_at_end[end]
            for entry in bucket:
                first = last - entry.length + 1
                hit = _hit(text, tokens[first : last + 1], entry)
                if hit is not None:
                    candidates.append(hit)
                    break
        return candidates


def _stream(tokens: list[Token]) -> tuple[str, dict[int, int]]:
    """The token keys joined by separators, and which token ends at each separator."""
    parts = [_SEPARATOR]
    token_at_end: dict[int, int] = {}
    position = 1
    for index, token in enumerate(tokens):
        parts.append(token.key)
        position += len(token.key)
        token_at_end[position] = index
        parts.append(_SEPARATOR)
        position += 1
    return "".join(parts), token_at_end


def _hit(text: str, tokens: list[Token], entry: _Entry) -> TermHit | None:
    start, end = tokens[0].start, tokens[-1].end
    surface = text[start:end]
    if entry.concept.case_sensitive and not _same_case(surface, entry.term):
        return None
    return TermHit(
        entry.concept.id, start, end, surface, entry.term.text, _is_plural(tokens, entry)
    )


def _same_case(surface: str, term: Term) -> bool:
    written = gender_neutral(surface)
    return any(written.startswith(form) for form in filter(None, (term.text, term.plural)))


def _is_plural(tokens: list[Token], entry: _Entry) -> bool:
    """Whether the German head word is plural: the glossary's plural, or its ending."""
    last = tokens[-1].surface.lower()
    if entry.term.plural:
        plural = tokenize(entry.term.plural)[-1].surface.lower()
        return last in (plural, plural + "n")
    if last.endswith("innen"):
        return True
    singular = tokenize(entry.term.text)[-1].surface.lower()
    if last == singular or any(last == singular + ending for ending in _GENITIVE):
        return False
    return (
        last.startswith(singular[:-1])
        and last.endswith(_PLURAL_ENDINGS)
        and len(last) > len(singular)
    )


def _longest_first(candidates: list[TermHit]) -> list[TermHit]:
    if not candidates:
        return []
    chosen: list[TermHit] = []
    # The characters already covered by a chosen hit: a hit is checked against its own
    # span, not against every hit chosen before it, so a text with many terms stays linear.
    taken = bytearray(max(hit.end for hit in candidates))
    for hit in sorted(candidates, key=lambda h: (-(h.end - h.start), h.start)):
        if taken.find(1, hit.start, hit.end) < 0:
            chosen.append(hit)
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
    return sorted(chosen, key=lambda h: h.start)
