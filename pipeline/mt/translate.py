"""Translate the segments of releases: mask, decode in batches, restore, verify."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.document.model import CodeKind
from pipeline.mt.engine import Engine
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


@dataclass(frozen=True)
class MaskedSegment:
    masked: Masked
    retry: Retry | None  # URLs, e-mails and phone numbers shown as text, if placeholders fail


def mask_segment(segment: Segment) -> MaskedSegment:
    """Inline codes, URLs, e-mail addresses and phone numbers become placeholders.

    Soft line breaks become plain spaces: the model sees one line, and the translated
    paragraph is not wrapped like the German one.
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
    masked = mask(text, code_spans + text_spans)
    if breaks:
        flat = masked.text
        for original in {text[start:end] for start, end in breaks}:
            flat = flat.replace(original, " ")
        masked = Masked(flat, masked.originals, masked.spans)
    shown = {
        number: masked.originals[number - 1]
        for number, span in enumerate(masked.spans, start=1)
        if span in set(text_spans)
    }
    return MaskedSegment(masked, retry_showing(masked, shown))


def translate_segments(
    engine: Engine,
    segments: Sequence[Segment],
    source: str,
    target: str,
    progress: Callable[[int], None] | None = None,
) -> list[SegmentTranslation]:
    """Translate segments for one language pair; placeholders are verified on the way out."""
    prepared = [mask_segment(segment) for segment in segments]
    outputs = engine.translate(
        [item.masked.text for item in prepared],
        source,
        target,
        progress,
        retries=[item.retry for item in prepared],
    )
    results = []
    for segment, item, output in zip(segments, prepared, outputs, strict=True):
        restored = restore(item.masked, output.text)
        results.append(
            SegmentTranslation(
                segment_id=segment.id,
                language=target,
                source=segment.text,
                text=restored.text,
                route=output.route,
                cached=output.cached,
                warnings=output.warnings + restored.problems,
            )
        )
    return results


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
