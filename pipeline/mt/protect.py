"""Protection of what must not be translated: placeholders in, original text out.

Inline codes, URLs, e-mail addresses, phone numbers and any span a caller names (the
glossary's enforced terms) are replaced by numbered placeholders ``⟦1⟧``, ``⟦2⟧``, … that
the models copy. The form was chosen because the brackets are single SentencePiece
pieces in our packages, contain no ``_`` (Argos's decoding turns ``_`` into a space) and
never occur in press releases. After translation every placeholder must come back
exactly once; what does not is reported so the engine can fall back.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

import ahocorasick

from pipeline.glossary.agreement import agree_before, apostrophe_of
from pipeline.segment.urls import UrlOrEmail

PLACEHOLDER = re.compile(r"⟦(\d+)⟧")
_LOOSE_PLACEHOLDER = re.compile(r"⟦\s*(\d+)\s*⟧")  # models sometimes space them out
_CONTEXT = 64  # restored text kept to tell whether an article before a term opens a sentence

# Linear time on any input (issue 11), see pipeline.segment.urls.
URL_OR_EMAIL = UrlOrEmail(r"(?:https?://|ftp://|www\.)[^\s<>\"„“”»«]+[^\s<>\"„“”»«.,;:!?)\]]")
# German and international phone numbers: "030-916 070-47", "+49 (0)30 916070-47".
PHONE = re.compile(
    r"(?<![\w.,/])(?!\d{1,2}/\d{1,2}/\d{2,4}(?!\d))(?!\d{4}-\d{2}-\d{2}(?!\d))"  # not a date
    r"(?:\+\d{1,3}[ \-]?)?(?:\(0\)[ ]?)?\d{2,5}(?:[ /\-]\d{2,}){1,4}(?!\w|[.,]\d)"
)


class CopyKind(StrEnum):
    """Kinds of text a model may copy as written (measured by the probe, shown by the
    engine to packages that cannot carry placeholders)."""

    NUMBER = "numbers"  # digits as written (separators may be localised); phone numbers
    NAME = "names"
    URL = "urls"
    EMAIL = "emails"
    TERM = "terms"  # a target-language term written into the source (code-switching)


class Findable(Protocol):
    """A text to look for in a translation (a glossary term allows its plural forms)."""

    @property
    def text(self) -> str: ...

    def spans(self, translation: str) -> list[tuple[int, int]]: ...


@dataclass(frozen=True)
class Verbatim:
    """A text that must come back exactly as written (a URL, an e-mail address)."""

    text: str

    def spans(self, translation: str) -> list[tuple[int, int]]:
        found, start = [], translation.find(self.text) if self.text else -1
        while start >= 0:
            found.append((start, start + len(self.text)))
            start = translation.find(self.text, start + len(self.text))
        return found


@dataclass(frozen=True)
class Shown:
    """How placeholder ``⟦number⟧`` can be written in a model's source instead: a literal
    as itself in every language, a glossary term as its term in each language of a route
    (so on a pivot each leg gets its own language's term)."""

    number: int
    kind: CopyKind
    forms: tuple[tuple[str, Findable], ...]  # (language, text); language "" fits every one

    @property
    def placeholder(self) -> str:
        return f"⟦{self.number}⟧"

    def in_language(self, language: str) -> Findable | None:
        return next((form for code, form in self.forms if code in ("", language)), None)


class TermText(str):
    """A placeholder's replacement that is a term in the output language (a glossary term).

    It is a plain string to every other code; :func:`restore` also makes the words that
    the model put right before the placeholder agree with it (``a`` → ``an``, ``le`` →
    ``l'``, the article's gender: :mod:`pipeline.glossary.agreement`).
    """

    language: str
    gender: str | None

    def __new__(cls, text: str, language: str = "", gender: str | None = None) -> TermText:
        term = super().__new__(cls, text)
        term.language = language
        term.gender = gender
        return term


@dataclass(frozen=True)
class Masked:
    """A segment as the model sees it, and what each placeholder stands for."""

    text: str
    originals: tuple[str, ...]  # originals[n - 1] is the text behind ⟦n⟧
    spans: tuple[tuple[int, int], ...] = ()  # spans[n - 1]: where ⟦n⟧ stood in the source


@dataclass(frozen=True)
class Retry:
    """A second way to put a segment to the model when its placeholders do not survive.

    Some placeholders are shown as plain text instead (a URL as itself, a glossary term as
    its target term); the rest stay placeholders. The shown texts must come back verbatim,
    so the output can be masked again and restored like the first attempt's.
    """

    text: str
    shown: tuple[tuple[str, str], ...]  # (placeholder, the text shown in its place)

    def remask(self, output: str) -> str | None:
        """The output with the shown texts turned back into placeholders; None if one is lost."""
        if any(output.count(shown) != 1 for _, shown in self.shown):
            return None
        for placeholder, shown in self.shown:
            output = output.replace(shown, placeholder)
        return output


def retry_showing(masked: Masked, shown: dict[int, str]) -> Retry | None:
    """A :class:`Retry` that shows ``shown[n]`` instead of placeholder ``⟦n⟧``.

    A text that could not be found again unambiguously in the output (it also occurs
    elsewhere in the segment, or inside another shown text) stays a placeholder.
    """
    texts = Counter(text for text in shown.values() if text.strip())
    inside = _containers(texts, masked.text)
    usable = {number: text for number, text in shown.items() if inside.get(text) == 1}
    if not usable:
        return None
    retry_text = PLACEHOLDER.sub(
        lambda match: usable.get(int(match.group(1)), match.group()), masked.text
    )
    return Retry(retry_text, tuple((f"⟦{n}⟧", usable[n]) for n in sorted(usable)))


def _containers(texts: Counter[str], segment: str) -> dict[str, int]:
    """For each text not in ``segment``: how many of ``texts`` (itself included) contain it.

    One Aho-Corasick pass over each distinct text, so the work grows with their length, not
    with the square of their number.
    """
    if not texts:
        return {}
    automaton = ahocorasick.Automaton()
    for text in texts:
        automaton.add_word(text, text)
    automaton.make_automaton()
    in_segment = {text for _, text in automaton.iter(segment)}
    counts: Counter[str] = Counter()
    for container, copies in texts.items():
        for text in {text for _, text in automaton.iter(container)}:
            counts[text] += copies
    return {text: count for text, count in counts.items() if text not in in_segment}


@dataclass(frozen=True)
class Restored:
    text: str
    problems: tuple[str, ...]  # placeholders lost, duplicated or invented by the model

    @property
    def ok(self) -> bool:
        return not self.problems


def find_protected(text: str) -> list[tuple[int, int]]:
    """Spans of URLs, e-mail addresses and phone numbers in ``text``."""
    return list(_protected_spans(text))


@lru_cache(maxsize=65536)
def _protected_spans(text: str) -> tuple[tuple[int, int], ...]:
    urls = [match.span() for match in URL_OR_EMAIL.finditer(text)]
    taken = _Taken(urls)
    phones = [match.span() for match in PHONE.finditer(text) if not taken.overlaps(*match.span())]
    return tuple(sorted(urls + phones))


def mask(
    text: str,
    spans: Sequence[tuple[int, int]],
    replacements: Mapping[tuple[int, int], str] | None = None,
) -> Masked:
    """Replace the (non-overlapping) spans by ⟦1⟧, ⟦2⟧, … in order of position.

    A placeholder is restored to the text it replaced, or to ``replacements[span]`` (a
    glossary term's target form) where given.
    """
    replacements = replacements or {}
    pieces: list[str] = []
    originals: list[str] = []
    kept: list[tuple[int, int]] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor or start >= end:
            continue  # overlapping or empty: the earlier span already covers it
        pieces.append(text[cursor:start])
        originals.append(replacements.get((start, end), text[start:end]))
        kept.append((start, end))
        pieces.append(f"⟦{len(originals)}⟧")
        cursor = end
    pieces.append(text[cursor:])
    return Masked("".join(pieces), tuple(originals), tuple(kept))


def restore(masked: Masked, output: str, sentence_case: Collection[int] = ()) -> Restored:
    """Put the originals back; report every placeholder that is not there exactly once.

    Placeholders in ``sentence_case`` (glossary terms) get a capital first letter where
    they open the output. Before a :class:`TermText` the model's article is made to agree
    with the term (it only changes the text right before the placeholder, so everything
    after it keeps its place relative to the term).
    """
    output = _LOOSE_PLACEHOLDER.sub(lambda match: f"⟦{match.group(1)}⟧", output)
    opener = _opening_term(output, sentence_case)
    counts = Counter(int(match.group(1)) for match in PLACEHOLDER.finditer(output))
    problems = []
    for number in range(1, len(masked.originals) + 1):
        if counts[number] == 0:
            problems.append(f"placeholder {number} ({masked.originals[number - 1]!r}) was lost")
        elif counts[number] > 1:
            problems.append(f"placeholder {number} appears {counts[number]} times")
    for number in counts:
        if not 1 <= number <= len(masked.originals):
            problems.append(f"placeholder {number} was invented by the model")

    apostrophe = apostrophe_of(output) if any(_agreeing(o) for o in masked.originals) else ""
    pieces: list[str] = []
    tail = ""  # the end of what is restored so far: whether a word comes before an article
    cursor = 0
    for match in PLACEHOLDER.finditer(output):
        before = output[cursor : match.start()]
        cursor = match.end()
        number = int(match.group(1))
        if not 1 <= number <= len(masked.originals):
            pieces.append(before)
            tail = (tail + before)[-_CONTEXT:]
            continue
        original = masked.originals[number - 1]
        text = original[:1].upper() + original[1:] if match.start() == opener else str(original)
        if _agreeing(original):
            agreed = agree_before(
                tail + before, text, original.language, original.gender, apostrophe
            )
            if agreed.startswith(tail):  # only the model's words change, never a restored text
                before = agreed[len(tail) :]
        pieces += [before, text]
        tail = (tail + before + text)[-_CONTEXT:]
    pieces.append(output[cursor:])
    return Restored("".join(pieces), tuple(problems))


def _agreeing(original: str) -> bool:
    return isinstance(original, TermText) and bool(original.language)


def _opening_term(output: str, sentence_case: Collection[int]) -> int:
    """Offset of the first ``sentence_case`` placeholder before any word; -1 if none."""
    cursor = 0  # the text before ``cursor`` holds no word outside placeholders
    for match in PLACEHOLDER.finditer(output):
        if any(char.isalnum() for char in output[cursor : match.start()]):
            return -1
        if int(match.group(1)) in sentence_case:
            return match.start()
        cursor = match.end()
    return -1


class _Taken:
    """Sorted, non-overlapping spans; whether a span overlaps one of them, by bisection."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self.starts = [start for start, _ in spans]

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self.starts, end) - 1  # the last span starting before end
        return index >= 0 and self.spans[index][1] > start
