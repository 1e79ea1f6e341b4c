"""The coverage invariant: no text of a block is lost or hidden from the translator.

The segments of a block, with their lead, trail and codes, cover its whole text: what lies
between them (the gaps) is only whitespace and line breaks. A block without a single
letter outside its codes (a number in a table cell, an image alone) has no segment and is
copied as it stands: there is nothing in it to translate.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from pipeline.document.model import Block, Code
from pipeline.segment.segmenter import SegmentedBlock, SegmentedDocument


@dataclass(frozen=True)
class Uncovered:
    """Text of a block that no segment holds, or a segment that misstates its text."""

    block: int
    offset: int  # in the block's text
    text: str
    problem: str

    def __str__(self) -> str:
        return f"block {self.block}, offset {self.offset}: {self.problem}: {self.text!r}"


def uncovered(segmented: SegmentedDocument) -> list[Uncovered]:
    """Every place where the segments of a block do not cover its text (empty if none)."""
    problems: list[Uncovered] = []
    for block, segmented_block in zip(segmented.document.blocks, segmented.blocks, strict=True):
        problems.extend(_block_problems(block, segmented_block))
    return problems


def _block_problems(block: Block, segmented: SegmentedBlock) -> list[Uncovered]:
    index = segmented.index
    text = block.text
    breaks = _break_spans(block)
    problems = []
    pieces = [segmented.gaps[0]]
    for segment, gap in zip(segmented.segments, segmented.gaps[1:], strict=True):
        pieces.extend((segment.source, gap))
        if segment.text != segment.lead + segment.source + segment.trail:
            problems.append(Uncovered(index, 0, segment.text, "lead + source + trail differ"))
        for span in segment.codes:
            if segment.text[span.start : span.end] != span.code.source:
                problems.append(
                    Uncovered(index, span.start, span.code.source, "code not where it says")
                )
    if "".join(pieces) != text:
        return [*problems, Uncovered(index, 0, "".join(pieces), "gaps and segments differ")]
    if not segmented.segments:
        if _has_letter(block):
            problems.append(Uncovered(index, 0, text, "block has letters but no segment"))
        return problems
    offset = 0
    for number, gap in enumerate(segmented.gaps):
        for position, char in enumerate(gap, offset):
            if not char.isspace() and not _in_spans(breaks, position):
                problems.append(Uncovered(index, position, gap, "text outside every segment"))
                break
        offset += len(gap)
        if number < len(segmented.segments):
            offset += len(segmented.segments[number].source)
    return problems


def _break_spans(block: Block) -> list[tuple[int, int]]:
    spans = []
    offset = 0
    for part in block.parts:
        length = len(part) if isinstance(part, str) else len(part.source)
        if isinstance(part, Code) and part.is_break:
            spans.append((offset, offset + length))
        offset += length
    return spans


def _in_spans(spans: list[tuple[int, int]], position: int) -> bool:
    return any(start <= position < end for start, end in spans)


def _has_letter(block: Block) -> bool:
    plain = "".join(part for part in block.parts if isinstance(part, str))
    return any(char.isalpha() for char in html.unescape(plain))
