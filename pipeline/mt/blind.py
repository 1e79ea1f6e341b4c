"""Protection for packages that cannot carry placeholders (most real Argos packages).

Their vocabularies lack ``⟦``/``⟧`` and they were never trained to copy them, so on such
a package (the probe's verdict, :mod:`pipeline.mt.probe`) a masked segment is put to the
model differently, leg by leg:

- texts the package copies as written (URLs, e-mail addresses, phone numbers, where the
  probe measured it) are shown as themselves, and glossary terms as the leg's own target
  term when the probe found code-switching to work; each is then looked for in the output
  (a term as a whole word, in the language's plural too) and turned back into its
  placeholder;
- every other placeholder (inline markup, texts the package would not copy) is removed
  before decoding and put back where the model's attention points;
- a term that did not come out is written into the output with ``target_prefix``: the
  output up to where the term belongs plus the term, and the model continues the
  sentence after it;
- only what still lacks its place is inserted through attention, never after the final
  punctuation, and reported as such (a term placed this way needs review).

This module holds the pure steps (what the model reads, what came back, where a term
goes); the engine runs the decodes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

from pipeline.mt.align import (
    Anchor,
    Mark,
    Scheme,
    place_by_attention,
    strip_placeholders,
    token_offsets,
    word_start,
)
from pipeline.mt.protect import (
    PLACEHOLDER,
    CopyKind,
    Findable,
    Masked,
    Shown,
    Verbatim,
    retry_showing,
)


@dataclass(frozen=True)
class Written:
    """A placeholder shown to the model as text, and where that text is in its source."""

    placeholder: str
    form: Findable  # what the output must contain (the leg's term, or the literal)
    term: bool
    start: int
    end: int
    switched: bool = True  # the output's own text was written (a literal, a code-switched term)


@dataclass(frozen=True)
class Plan:
    """One masked segment as a leg without placeholders reads it."""

    source: str  # shown texts written out, the other placeholders removed
    anchors: tuple[Anchor, ...]  # the removed placeholders
    written: tuple[Written, ...]
    terms: dict[str, Findable]  # the removed placeholders that are terms: their leg term
    placeholders: tuple[str, ...]  # all of the masked text's placeholders, in order
    masked: str  # the leg's input


_GLOSSARY_KINDS = (CopyKind.TERM, CopyKind.NAME)  # a term, or a name the glossary keeps


def plan_leg(
    masked: str, shown: Sequence[Shown], source_language: str, language: str, code_switch: bool
) -> Plan:
    """What the model reads for ``masked``.

    Literals (URLs, e-mail addresses, phone numbers) are written as themselves; generic
    models copy them, and the output is checked. A term is written in the leg's target
    language when ``code_switch`` (the probe found such terms to survive), else in its
    source language (the German words, or on a pivot's second leg the English term), so
    the model translates an intact sentence and the output is checked for the term. What
    has no text here (inline markup) is removed.
    """
    written_text: dict[int, str] = {}
    wanted: dict[int, Findable] = {}
    terms: dict[str, Findable] = {}
    for item in shown:
        form = item.in_language(language)
        if form is None:
            continue
        wanted[item.number] = form
        if item.kind not in _GLOSSARY_KINDS:
            written_text[item.number] = form.text
            continue
        terms[item.placeholder] = form
        own = form if code_switch else item.in_language(source_language)
        if own is not None:
            written_text[item.number] = own.text
    retry = retry_showing(Masked(masked, ()), written_text)
    text = retry.text if retry else masked
    shown_here = {placeholder for placeholder, _ in retry.shown} if retry else set()
    source, anchors = strip_placeholders(text)
    written = []
    for number, shown_text in written_text.items():
        placeholder = f"⟦{number}⟧"
        start = source.find(shown_text)
        if placeholder in shown_here and start >= 0:
            form = wanted[number]
            switched = placeholder not in terms or code_switch
            end = start + len(shown_text)
            written.append(Written(placeholder, form, placeholder in terms, start, end, switched))
    removed = {anchor.placeholder for anchor in anchors}
    return Plan(
        source,
        tuple(anchors),
        tuple(written),
        {placeholder: form for placeholder, form in terms.items() if placeholder in removed},
        tuple(match.group() for match in PLACEHOLDER.finditer(masked)),
        masked,
    )


@dataclass(frozen=True)
class Pair:
    """Inline markup that opens and closes around a span (``**…**``, ``[…](url)``)."""

    opening: str
    closing: str
    inner: str  # the source text between them


def pairs(plan: Plan) -> tuple[Pair, ...]:
    """The removed placeholders that enclose a span of words between them, as pairs."""
    return pairs_of(plan.source, plan.anchors)


def pairs_of(source: str, anchors: Sequence[Anchor]) -> tuple[Pair, ...]:
    """Consecutive anchors that open and close around words of ``source`` (stripped)."""
    found = []
    for first, second in pairwise(anchors):
        if first.before_word and not second.before_word and first.offset < second.offset:
            inner = source[first.offset : second.offset].strip()
            if any(char.isalpha() for char in inner):
                found.append(Pair(first.placeholder, second.placeholder, inner))
    return tuple(found)


def wrap(text: str, pair: Pair, translation: str) -> str | None:
    """``text`` with ``pair`` around the one place where the span's own translation is
    (as Argos's tags.py finds a tag's text); None if it is not there exactly once."""
    wanted = translation.strip().rstrip(_SPAN_END).strip()
    if not wanted:
        return None
    keep_end = pair.inner[-1:] if pair.inner[-1:] in _SPAN_END else ""
    for candidate in dict.fromkeys(
        (wanted, wanted[:1].lower() + wanted[1:], wanted[:1].upper() + wanted[1:])
    ):
        spans = [
            span
            for span in Verbatim(candidate).spans(text)
            if _word_bounded(text, span) and not _inside_placeholder(text, span)
        ]
        if len(spans) == 1:
            start, end = spans[0]
            if keep_end and text[end : end + 1] == keep_end:
                end += 1
            return text[:start] + pair.opening + text[start:end] + pair.closing + text[end:]
    return None


_SPAN_END = ".;:,!?"


def _word_bounded(text: str, span: tuple[int, int]) -> bool:
    before = text[span[0] - 1 : span[0]]
    after = text[span[1] : span[1] + 1]
    return not (before.isalnum() or after.isalnum())


def without(text: str, placeholders: Collection[str]) -> str:
    """``text`` with these placeholders taken out (and the spaces they leave closed up)."""
    for placeholder in placeholders:
        text = text.replace(placeholder, "")
    return _SPACES.sub(" ", text).strip()


_SPACES = re.compile(r" {2,}")


def missing(text: str, written: Sequence[Written]) -> list[Written]:
    """The written texts that the output lacks."""
    return [item for item in written if not item.form.spans(text)]


def remask(text: str, written: Sequence[Written]) -> tuple[str, list[Written]]:
    """The output with the first occurrence of each written text turned back into its
    placeholder, and the written texts that were not found."""
    lost = []
    for item in written:
        spans = [span for span in item.form.spans(text) if not _inside_placeholder(text, span)]
        if not spans:
            lost.append(item)
            continue
        start, end = spans[0]
        text = text[:start] + item.placeholder + text[end:]
    return text, lost


def _inside_placeholder(text: str, span: tuple[int, int]) -> bool:
    return any(
        match.start() < span[1] and span[0] < match.end() for match in PLACEHOLDER.finditer(text)
    )


def written_anchor(item: Written) -> Anchor:
    """An anchor for a written text the model lost: after the word that translates it."""
    return Anchor(item.placeholder, item.end, before_word=False, space_before=True)


def term_position(
    plan: Plan,
    source_pieces: Sequence[str],
    target_pieces: Sequence[str],
    attention: Sequence[Sequence[float]],
    scheme: Scheme,
    placeholder: str,
) -> int | None:
    """How many target pieces come before the term ``placeholder`` should take: at the
    start of the word that attends most to the term written in the source, or where the
    removed placeholder's anchor is placed."""
    if not target_pieces:
        return 0
    item = next((w for w in plan.written if w.placeholder == placeholder), None)
    if item is not None:
        starts = token_offsets(source_pieces, plan.source, scheme)
        inside = [i for i, start in enumerate(starts) if item.start <= start < item.end]
        if not inside:
            return None
        rows = attention[: len(target_pieces)]
        best = max(range(len(rows)), key=lambda row: sum(_weight(rows[row], i) for i in inside))
        return word_start(target_pieces, best, scheme)
    anchor = next((a for a in plan.anchors if a.placeholder == placeholder), None)
    if anchor is None:
        return None
    placed = place_by_attention(
        source_pieces, target_pieces, attention, [anchor], scheme, plan.source
    )
    return next((index for index, entry in enumerate(placed) if isinstance(entry, Mark)), None)


def _weight(row: Sequence[float], index: int) -> float:
    return row[index] if index < len(row) else 0.0


def inside_the_sentence(masked: str) -> frozenset[str]:
    """The placeholders of ``masked`` that come before its final punctuation: all but
    those that end it (markup may close after a full stop: ``*Zitat.*``)."""
    end = len(masked)
    while end:
        opening = masked.rfind("⟦", 0, end)
        if masked[end - 1] == "⟧" and masked[opening + 1 : end - 1].isdigit():
            end = opening
        elif masked[end - 1].isspace():
            end -= 1
        else:
            break
    return frozenset(match.group() for match in PLACEHOLDER.finditer(masked, 0, end))


def keep_pairs_in_order(
    items: list[str | Mark], pairs: Sequence[Pair], scheme: Scheme
) -> list[str | Mark]:
    """``items`` with each pair's closing mark after its opening one: where attention put
    it before, it closes the word the opening mark opens instead."""
    items = list(items)
    for pair in pairs:
        where = {item.placeholder: i for i, item in enumerate(items) if isinstance(item, Mark)}
        opening, closing = where.get(pair.opening), where.get(pair.closing)
        if opening is None or closing is None or closing > opening:
            continue
        mark = items.pop(closing)
        items.insert(_end_of_next_word(items, opening, scheme) + 1, mark)
    return items


def _end_of_next_word(items: Sequence[str | Mark], mark: int, scheme: Scheme) -> int:
    """The index of the last piece of the word that follows ``items[mark]``."""
    index = mark
    while index + 1 < len(items) and isinstance(items[index + 1], Mark):
        index += 1
    if index + 1 >= len(items):
        return index
    index += 1
    while index + 1 < len(items):
        piece, following = items[index], items[index + 1]
        if isinstance(following, Mark):
            break
        joined = (
            str(piece).endswith("@@")
            if scheme is Scheme.BPE
            else not following.startswith("▁") and not _punctuation(following, scheme)
        )
        if not joined:
            break
        index += 1
    return index


def keep_before_final_punctuation(
    items: list[str | Mark], placeholders: Collection[str], scheme: Scheme
) -> list[str | Mark]:
    """``items`` with the marks of ``placeholders`` that follow the sentence's final
    punctuation moved in front of it (a term placed by attention never ends a sentence
    after its full stop)."""
    end = len(items)
    while end and (isinstance(items[end - 1], Mark) or _punctuation(items[end - 1], scheme)):
        end -= 1
    moved = [
        item for item in items[end:] if isinstance(item, Mark) and item.placeholder in placeholders
    ]
    if not moved or end == len(items):
        return items
    rest = [item for item in items[end:] if item not in moved]
    return [*items[:end], *moved, *rest]


def _punctuation(piece: str | Mark, scheme: Scheme) -> bool:
    if isinstance(piece, Mark):
        return False
    text = piece.removesuffix("@@") if scheme is Scheme.BPE else piece.replace("▁", "")
    return bool(text) and all(unicodedata.category(char).startswith("P") for char in text)
