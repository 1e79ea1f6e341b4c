"""Translate the segments of releases: mask, decode in batches, restore, verify."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.document.model import CodeKind
from pipeline.glossary.enforce import (
    AppliedTerm,
    Placement,
    TermSpan,
    applied_terms,
    context_key,
    find_terms,
)
from pipeline.glossary.match import Matcher
from pipeline.mt.engine import ALIGNED, PIVOT, PREFIXED, SHOWN_AS_TEXT, Engine, Translation
from pipeline.mt.protect import (
    CopyKind,
    Findable,
    Masked,
    Shown,
    Verbatim,
    find_protected,
    mask,
    restore,
)
from pipeline.segment import Segment


@dataclass(frozen=True)
class SegmentTranslation:
    segment_id: str
    language: str
    source: str
    text: str
    route: str
    cached: bool
    warnings: tuple[str, ...]
    terms: tuple[AppliedTerm, ...] = ()


@dataclass(frozen=True)
class MaskedSegment:
    masked: Masked
    term_numbers: dict[TermSpan, int] = field(default_factory=dict)
    # What each placeholder but inline markup may be written as, per language of the route
    shown: tuple[Shown, ...] = ()


def mask_segment(
    segment: Segment,
    terms: Sequence[TermSpan] = (),
    via: Sequence[TermSpan] = (),
    source_language: str = "de",
) -> MaskedSegment:
    """Inline codes, URLs, e-mails, phone numbers and glossary terms become placeholders.

    A term placeholder is restored as the term's target form. Terms that overlap markup
    or a URL are left to the model (and verified afterwards). Soft line breaks become
    plain spaces: the model sees one line, and the translated paragraph is not wrapped
    like the German one. ``via`` are the same terms in the pivot language, so that on a
    route through English the first leg can be given the English term.
    """
    text = segment.text
    code_spans = [(span.start, span.end) for span in segment.codes if not span.code.is_break]
    breaks = [
        (span.start, span.end) for span in segment.codes if span.code.kind is CodeKind.SOFT_BREAK
    ]
    text_spans = [
        (offset + start, offset + end)
        for offset, piece in _outside(text, [(s.start, s.end) for s in segment.codes])
        for start, end in find_protected(piece)
    ]
    taken = code_spans + text_spans
    enforced = [
        term
        for term in terms
        if term.target is not None
        and not any(term.start < end and start < term.end for start, end in taken)
    ]
    replacements = {(term.start, term.end): term.target or "" for term in enforced}
    masked = mask(text, taken + list(replacements), replacements)
    if breaks:
        flat = masked.text
        for original in {text[start:end] for start, end in breaks}:
            flat = flat.replace(original, " ")
        masked = Masked(flat, masked.originals, masked.spans)
    number_of = {span: number for number, span in enumerate(masked.spans, start=1)}
    term_numbers = {
        term: number_of[(term.start, term.end)]
        for term in enforced
        if (term.start, term.end) in number_of
    }
    literal_spans = set(text_spans)
    literals = [
        _shown_literal(number, masked.originals[number - 1])
        for number, span in enumerate(masked.spans, start=1)
        if span in literal_spans
    ]
    pivot_terms = {(term.start, term.end): term for term in via}
    shown_terms = [
        _shown_term(number, term, pivot_terms.get((term.start, term.end)), source_language)
        for term, number in term_numbers.items()
    ]
    return MaskedSegment(
        masked,
        term_numbers,
        tuple(sorted(literals + shown_terms, key=lambda item: item.number)),
    )


def _shown_literal(number: int, text: str) -> Shown:
    """A URL, e-mail address or phone number: itself in every language."""
    if text.startswith(("http://", "https://", "ftp://", "www.")):
        kind = CopyKind.URL
    else:
        kind = CopyKind.EMAIL if "@" in text else CopyKind.NUMBER
    return Shown(number, kind, (("", Verbatim(text)),))


def _shown_term(number: int, term: TermSpan, pivot: TermSpan | None, source_language: str) -> Shown:
    """A glossary term: as written in the source, the pivot language's term for a pivot's
    first leg, the target term for the last (a do-not-translate term is its German form
    everywhere)."""
    if term.dnt:
        return Shown(number, CopyKind.NAME, (("", Verbatim(term.target or term.surface)),))
    forms: list[tuple[str, Findable]] = [(source_language, Verbatim(term.surface))]
    if term.expected is not None:
        forms.append((term.expected.language, term.expected))
    if pivot is not None and pivot.expected is not None:
        forms.append((PIVOT, pivot.expected))
    return Shown(number, CopyKind.TERM, tuple(forms))


def translate_segments(
    engine: Engine,
    segments: Sequence[Segment],
    source: str,
    target: str,
    progress: Callable[[int], None] | None = None,
    matcher: Matcher | None = None,
) -> list[SegmentTranslation]:
    """Translate segments for one language pair; placeholders and terms are verified."""
    results = _translations(engine, segments, source, target, progress, matcher, False)
    return [result for result in results if result is not None]


def cached_translations(
    engine: Engine,
    segments: Sequence[Segment],
    source: str,
    target: str,
    matcher: Matcher | None = None,
) -> list[SegmentTranslation | None]:
    """What translate_segments would take from the cache (None: it would decode)."""
    return _translations(engine, segments, source, target, None, matcher, True)


def _translations(
    engine: Engine,
    segments: Sequence[Segment],
    source: str,
    target: str,
    progress: Callable[[int], None] | None,
    matcher: Matcher | None,
    cached_only: bool,
) -> list[SegmentTranslation | None]:
    terms = [find_terms(s.text, matcher, target) if matcher else () for s in segments]
    pivoted = len(engine.route(source, target)) > 1
    via = [find_terms(s.text, matcher, PIVOT) if matcher and pivoted else () for s in segments]
    prepared = [
        mask_segment(segment, spans, pivot_spans, source)
        for segment, spans, pivot_spans in zip(segments, terms, via, strict=True)
    ]
    texts = [item.masked.text for item in prepared]
    contexts = [context_key(spans, matcher.termbase) if matcher else "" for spans in terms]
    outputs: Sequence[Translation | None]
    if cached_only:
        outputs = engine.cached(texts, source, target, contexts)
    else:
        shown = [item.shown for item in prepared]
        outputs = engine.translate(texts, source, target, progress, contexts=contexts, shown=shown)
    results: list[SegmentTranslation | None] = []
    for segment, spans, item, output in zip(segments, terms, prepared, outputs, strict=True):
        if output is None:
            results.append(None)
            continue
        restored = restore(item.masked, output.text, _sentence_case(item))
        results.append(
            SegmentTranslation(
                segment_id=segment.id,
                language=target,
                source=segment.text,
                text=restored.text,
                route=output.route,
                cached=output.cached,
                warnings=tuple(dict.fromkeys(output.warnings + restored.problems)),
                terms=applied_terms(
                    spans, item.term_numbers, output.text, restored.text, _placement(output)
                ),
            )
        )
    return results


def _placement(output: Translation) -> Placement:
    return Placement(
        shown=output.numbers_noted(SHOWN_AS_TEXT),
        prefixed=output.numbers_noted(PREFIXED),
        aligned=output.numbers_noted(ALIGNED),
    )


def _sentence_case(item: MaskedSegment) -> set[int]:
    return {number for term, number in item.term_numbers.items() if not term.dnt}


def _outside(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """The pieces of ``text`` outside the given spans, with their offsets."""
    pieces = []
    cursor = 0
    for start, end in sorted(spans):
        if start > cursor:
            pieces.append((cursor, text[cursor:start]))
        cursor = max(cursor, end)
    pieces.append((cursor, text[cursor:]))
    return pieces
