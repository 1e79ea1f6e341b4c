"""Translate the segments of releases: mask, decode in batches, restore, verify."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.document.model import CodeKind
from pipeline.mt.engine import Engine
from pipeline.mt.protect import Masked, find_protected, mask, restore
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


def mask_segment(segment: Segment) -> Masked:
    """Inline codes, URLs, e-mail addresses and phone numbers become placeholders.

    Soft line breaks become plain spaces: the model sees one line, and the translated
    paragraph is not wrapped like the German one.
    """
    text = segment.text
    spans = [(span.start, span.end) for span in segment.codes if not span.code.is_break]
    breaks = [
        (span.start, span.end) for span in segment.codes if span.code.kind is CodeKind.SOFT_BREAK
    ]
    outside = _outside(text, [(s.start, s.end) for s in segment.codes])
    for offset, piece in outside:
        spans.extend((offset + start, offset + end) for start, end in find_protected(piece))
    masked = mask(text, spans)
    if not breaks:
        return masked
    flat = masked.text
    for original in {text[start:end] for start, end in breaks}:
        flat = flat.replace(original, " ")
    return Masked(flat, masked.originals)


def translate_segments(
    engine: Engine,
    segments: Sequence[Segment],
    source: str,
    target: str,
    progress: Callable[[int], None] | None = None,
) -> list[SegmentTranslation]:
    """Translate segments for one language pair; placeholders are verified on the way out."""
    masked = [mask_segment(segment) for segment in segments]
    outputs = engine.translate([m.text for m in masked], source, target, progress)
    results = []
    for segment, masked_segment, output in zip(segments, masked, outputs, strict=True):
        restored = restore(masked_segment, output.text)
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
