"""Translate the segments of releases: mask, decode in batches, restore, verify."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pipeline.document.model import CodeKind
from pipeline.glossary.enforce import AppliedTerm, TermSpan, applied_terms, context_key, find_terms
from pipeline.glossary.match import Matcher
from pipeline.mt.engine import Engine, Translation
from pipeline.mt.protect import Masked, Retry, find_protected, mask, restore, retry_showing
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
    retry: Retry | None  # protected text shown as text (terms as their target), if needed
    term_numbers: dict[TermSpan, int] = field(default_factory=dict)


def mask_segment(segment: Segment, terms: Sequence[TermSpan] = ()) -> MaskedSegment:
    """Inline codes, URLs, e-mails, phone numbers and glossary terms become placeholders.

    A term placeholder is restored as the term's target form. Terms that overlap markup
    or a URL are left to the model (and verified afterwards). Soft line breaks become
    plain spaces: the model sees one line, and the translated paragraph is not wrapped
    like the German one.
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
    shown_spans = set(text_spans) | set(replacements)
    shown = {
        number: masked.originals[number - 1]
        for number, span in enumerate(masked.spans, start=1)
        if span in shown_spans
    }
    return MaskedSegment(masked, retry_showing(masked, shown), term_numbers)


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
    prepared = [
        mask_segment(segment, spans) for segment, spans in zip(segments, terms, strict=True)
    ]
    texts = [item.masked.text for item in prepared]
    contexts = [context_key(spans, matcher.termbase) if matcher else "" for spans in terms]
    outputs: Sequence[Translation | None]
    if cached_only:
        outputs = engine.cached(texts, source, target, contexts)
    else:
        retries = [item.retry for item in prepared]
        outputs = engine.translate(texts, source, target, progress, retries, contexts)
    results: list[SegmentTranslation | None] = []
    for segment, spans, item, output in zip(segments, terms, prepared, outputs, strict=True):
        if output is None:
            results.append(None)
            continue
        restored = restore(item.masked, output.text, _sentence_case(item))
        shown = {int(p[1:-1]) for p, _ in item.retry.shown} if item.retry else set()
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
                    spans, item.term_numbers, output.text, restored.text, output.repair, shown
                ),
            )
        )
    return results


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
