"""The document model shared by every reader and writer.

A document keeps its decoded text untouched. Each block names the span of that text that
holds translatable content and splits it into text runs and inline codes, so that
``"".join(parts) == text[start:end]``. Everything outside the blocks is skeleton that the
writer copies through, which is what makes the round trip byte-identical.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    BLOCK_QUOTE = "block_quote"
    TABLE_CELL = "table_cell"
    LINES = "lines"  # a block whose lines are broken on purpose, e.g. a contact address


class CodeKind(StrEnum):
    EMPHASIS = "emphasis"
    STRONG = "strong"
    STRIKE = "strike"
    LINK = "link"
    CODE = "code"  # inline code: never translated
    IMAGE = "image"
    HTML = "html"  # an inline HTML tag
    LINE_BREAK = "line_break"  # a hard line break: always a segment boundary
    SOFT_BREAK = "soft_break"  # a line ending inside running text, with the next line's indent


class Role(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    ISOLATED = "isolated"


@dataclass(frozen=True)
class Code:
    """An inline code: markup exactly as written in the source."""

    kind: CodeKind
    role: Role
    source: str
    pair: int | None = None  # index in Block.parts of the matching open/close code

    @property
    def is_break(self) -> bool:
        return self.kind in (CodeKind.LINE_BREAK, CodeKind.SOFT_BREAK)

    @property
    def key(self) -> tuple[CodeKind, str]:
        """What an open and a close code must share to form a pair."""
        if self.kind is CodeKind.HTML:
            name = HTML_TAG_NAME.match(self.source)
            return self.kind, name.group(1).lower() if name else ""
        return self.kind, ""


Part = str | Code

HTML_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
VOID_ELEMENTS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)


def html_role(tag: str) -> Role:
    """Whether an HTML tag opens, closes or stands alone."""
    if tag.startswith("</"):
        return Role.CLOSE
    if tag.startswith(("<!", "<?")) or tag.endswith("/>"):
        return Role.ISOLATED
    name = HTML_TAG_NAME.match(tag)
    if name and name.group(1).lower() in VOID_ELEMENTS:
        return Role.ISOLATED
    return Role.OPEN


@dataclass(frozen=True)
class Block:
    """A unit of translatable content: a heading, a paragraph, a list item, a table cell…"""

    kind: BlockKind
    tag: str  # the source element: "h2", "p", "li", "td", …
    start: int  # offsets into Document.text
    end: int
    line: int  # 1-based line of ``start``
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        return "".join(part if isinstance(part, str) else part.source for part in self.parts)


@dataclass(frozen=True)
class Document:
    """A release as read from disk: its text, how to encode it again, and its blocks."""

    path: Path
    format: str  # "markdown", "text" or "html"
    text: str
    encoding: str
    bom: bool
    blocks: tuple[Block, ...]
    warnings: tuple[str, ...] = field(default=())

    def render(self, block_texts: Sequence[str] | None = None) -> bytes:
        """Write the document back, with each block's text replaced by ``block_texts``."""
        if block_texts is None:
            return self.encode(self.text)
        if len(block_texts) != len(self.blocks):
            raise ValueError(f"expected {len(self.blocks)} block texts, got {len(block_texts)}")
        pieces: list[str] = []
        cursor = 0
        for block, replacement in zip(self.blocks, block_texts, strict=True):
            pieces.append(self.text[cursor : block.start])
            pieces.append(replacement)
            cursor = block.end
        pieces.append(self.text[cursor:])
        return self.encode("".join(pieces))

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return b"\xef\xbb\xbf" + data if self.bom else data


_LINE_END = re.compile(r"\r\n|\r|\n")


class LineIndex:
    """Maps text offsets to 1-based line numbers (CR, LF and CRLF each end a line)."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [match.end() for match in _LINE_END.finditer(text)]

    @property
    def starts(self) -> list[int]:
        return self._starts

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def pair_codes(parts: list[Part]) -> tuple[Part, ...]:
    """Link each open code to its close code; unmatched ones become isolated.

    A close code pairs with the nearest open code of its kind; the open codes after that
    one stay unmatched. Each open code is looked up once by its key, so this is linear.
    """
    stack: list[tuple[int, tuple[CodeKind, str]]] = []  # (index in parts, key)
    open_by_key: dict[tuple[CodeKind, str], list[int]] = {}  # key → positions in stack
    partner: dict[int, int] = {}
    for index, part in enumerate(parts):
        if not isinstance(part, Code):
            continue
        if part.role is Role.OPEN:
            key = part.key
            open_by_key.setdefault(key, []).append(len(stack))
            stack.append((index, key))
        elif part.role is Role.CLOSE:
            positions = open_by_key.get(part.key)
            if positions:
                position = positions[-1]
                opener = stack[position][0]
                partner[opener] = index
                partner[index] = opener
                for _, key in reversed(stack[position:]):
                    open_by_key[key].pop()
                del stack[position:]
    result: list[Part] = []
    for index, part in enumerate(parts):
        if isinstance(part, Code) and part.role is not Role.ISOLATED:
            if index in partner:
                part = Code(part.kind, part.role, part.source, partner[index])
            else:
                part = Code(part.kind, Role.ISOLATED, part.source)
        result.append(part)
    return tuple(result)


def merge_text(parts: list[Part]) -> list[Part]:
    """Join neighbouring text runs and drop empty ones."""
    merged: list[Part] = []
    run: list[str] = []  # joined once: adding to a string piece by piece is quadratic
    for part in parts:
        if isinstance(part, str):
            if part:
                run.append(part)
            continue
        if run:
            merged.append("".join(run))
            run = []
        merged.append(part)
    if run:
        merged.append("".join(run))
    return merged
