"""Plain-text reader: blocks are separated by blank lines.

Inside a block, text hard-wrapped at a wide margin is one paragraph (its line endings are
soft breaks); short lines, as in an address or a contact block, are kept as separate
lines (line breaks, each line its own segment).
"""

from __future__ import annotations

import re

from pipeline.document.model import Block, BlockKind, Code, CodeKind, LineIndex, Part, Role

# Lines of wrapped prose are at least this long; shorter lines were broken on purpose.
WRAPPED_LINE_MIN = 50

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
_LINE_BREAK = re.compile(r"(?<![ \t])[ \t]*(?:\r\n|\r|\n)[ \t]*")


def read_text(text: str) -> tuple[tuple[Block, ...], tuple[str, ...]]:
    """Return the blocks of a plain-text release."""
    lines = LineIndex(text)
    blocks = []
    for start, end in _paragraph_spans(text):
        blocks.append(_make_block(text, start, end, lines))
    return tuple(blocks), ()


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of runs of non-blank lines, without their outer whitespace."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    for line in _LINE.finditer(text):
        content = line.group().strip()
        if content:
            if start is None:
                start = line.start() + len(line.group()) - len(line.group().lstrip())
            end = line.start() + len(line.group().rstrip())
        elif start is not None:
            spans.append((start, end))
            start = None
        if line.end() == len(text):
            break
    if start is not None:
        spans.append((start, end))
    return spans


def _make_block(text: str, start: int, end: int, lines: LineIndex) -> Block:
    content = text[start:end]
    breaks = list(_LINE_BREAK.finditer(content))
    if not breaks:
        return Block(BlockKind.PARAGRAPH, "p", start, end, lines.line_of(start), (content,))
    wrapped = _is_wrapped(content, breaks)
    kind = CodeKind.SOFT_BREAK if wrapped else CodeKind.LINE_BREAK
    parts: list[Part] = []
    cursor = 0
    for line_break in breaks:
        parts.append(content[cursor : line_break.start()])
        parts.append(Code(kind, Role.ISOLATED, line_break.group()))
        cursor = line_break.end()
    parts.append(content[cursor:])
    block_kind = BlockKind.PARAGRAPH if wrapped else BlockKind.LINES
    return Block(block_kind, "p", start, end, lines.line_of(start), tuple(parts))


def _is_wrapped(content: str, breaks: list[re.Match[str]]) -> bool:
    cursor = 0
    for line_break in breaks:
        if line_break.start() - cursor < WRAPPED_LINE_MIN:
            return False
        cursor = line_break.end()
    return True
