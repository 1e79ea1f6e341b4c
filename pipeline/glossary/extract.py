"""Candidate terms the glossary lacks: acronyms with their expansions, and noun compounds.

Ranked by how often they occur across the releases, each with an example segment, so a
terminologist can decide what to add.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.glossary.match import Matcher, word_key

_ACRONYM = re.compile(r"\((?P<acronym>[A-ZÄÖÜ][A-ZÄÖÜ0-9]{1,9})(?:s)?\)")
_COMPOUND = re.compile(
    r"\b[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜa-zäöüß][\wäöüß]*)+\b|\b[A-ZÄÖÜ][a-zäöüß]{11,}\b"
)
_ABBREVIATION_IN_COMPOUND = re.compile(r"\b[A-ZÄÖÜ]{2,}-[A-ZÄÖÜ][a-zäöüß]+\w*\b")
MAX_EXPANSION_WORDS = 6


@dataclass(frozen=True)
class Candidate:
    term: str
    kind: str  # "acronym" or "compound"
    count: int
    example: str  # a segment where it occurs
    expansion: str = ""

    def as_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


def extract(segments: Iterable[str], matcher: Matcher, limit: int = 50) -> list[Candidate]:
    counts: Counter[tuple[str, str, str]] = Counter()
    examples: dict[tuple[str, str, str], str] = {}
    surfaces: dict[tuple[str, str, str], Counter[str]] = {}
    for text in segments:
        known = matcher.find(text)
        for kind, term, expansion, start, end in _candidates(text):
            if any(hit.start <= start and end <= hit.end for hit in known):
                continue
            key = (kind, word_key(term) if kind == "compound" else term, expansion)
            counts[key] += 1
            examples.setdefault(key, text)
            surfaces.setdefault(key, Counter())[term] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][0] != "acronym", item[0]))
    return [
        Candidate(surfaces[key].most_common(1)[0][0], key[0], count, examples[key], key[2])
        for key, count in ranked[:limit]
    ]


def _candidates(text: str) -> Iterable[tuple[str, str, str, int, int]]:
    for match in _ACRONYM.finditer(text):
        acronym = match.group("acronym")
        expansion = _expansion(text[: match.start()], acronym)
        yield "acronym", acronym, expansion, match.start("acronym"), match.end("acronym")
    for pattern in (_COMPOUND, _ABBREVIATION_IN_COMPOUND):
        for match in pattern.finditer(text):
            if match.start() == 0:
                continue  # sentence-initial capitals say nothing about nouns
            yield "compound", match.group(), "", match.start(), match.end()


def _expansion(before: str, acronym: str) -> str:
    """The fewest words before "(LLM)" that spell the acronym, if any.

    Every word must start with the next letter of the acronym; further letters may come
    from inside a word (MRT in Magnetresonanztomographie, PZB in Photonenzählende
    Bildrekonstruktion).
    """
    words = before.split()[-MAX_EXPANSION_WORDS:]
    letters = acronym.lower()
    for size in range(1, len(words) + 1):
        candidate = words[-size:]
        if _spells([w.lower() for w in candidate], letters):
            return " ".join(candidate)
    return ""


def _spells(words: list[str], letters: str) -> bool:
    if not words:
        return not letters
    if not letters or words[0][:1] != letters[0]:
        return False
    word, rest = words[0], letters[1:]
    # take 0..n further letters from inside this word, in order, then go on
    for taken in range(len(rest) + 1):
        position = 1
        inside = True
        for letter in rest[:taken]:
            position = word.find(letter, position)
            if position < 0:
                inside = False
                break
            position += 1
        if inside and _spells(words[1:], rest[taken:]):
            return True
    return False
