"""Markdown reader: CommonMark plus tables and strikethrough, via markdown-it-py.

markdown-it-py tells us the structure (which lines form a block, which inline tokens it
holds) but not where each inline token sits in the source. We walk the token stream and
the source side by side: text tokens are found verbatim, markup tokens consume their
delimiters. Where that alignment fails (exotic markup), the block is kept as one text
run, so the round trip stays exact and the content is still translated.
"""

from __future__ import annotations

import functools
import itertools
import re

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination, parseLinkTitle
from markdown_it.rules_block import table as gfm_table
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.token import Token

from pipeline.document.model import (
    Block,
    BlockKind,
    Code,
    CodeKind,
    LineIndex,
    Part,
    Role,
    html_role,
    merge_text,
    pair_codes,
)
from pipeline.document.text import WRAPPED_LINE_MIN


def _table_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """GFM tables, noting the columns of each row's content inside any list or quote."""
    first_new = len(state.tokens)
    if not gfm_table(state, start_line, end_line, silent):
        return False
    for token in state.tokens[first_new:]:
        if token.type == "tr_open" and token.map:
            line = token.map[0]
            line_start = state.src.rfind("\n", 0, state.bMarks[line]) + 1
            content_start = state.bMarks[line] + state.tShift[line]
            token.meta["columns"] = (content_start - line_start, state.eMarks[line] - line_start)
    return True


_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# Keep escapes and entities as their own tokens: their ``markup`` is the source form.
_PARSER.core.ruler.disable("text_join")
# Line endings are normalised to "\n" before parsing, so columns map back, offsets do not.
_PARSER.block.ruler.at("table", _table_rule, {"alt": ["paragraph", "reference"]})

_LINE_END = re.compile(r"\r\n|\r|\n")
_LINE_PREFIX = re.compile(r"[ \t>]*")  # indentation and block-quote markers
_SPACE = re.compile(r"[ \t]*(?:(?:\r\n|\r|\n)[ \t>]*)?")

_DELIMITED = {
    "em_open": (CodeKind.EMPHASIS, Role.OPEN),
    "em_close": (CodeKind.EMPHASIS, Role.CLOSE),
    "strong_open": (CodeKind.STRONG, Role.OPEN),
    "strong_close": (CodeKind.STRONG, Role.CLOSE),
    "s_open": (CodeKind.STRIKE, Role.OPEN),
    "s_close": (CodeKind.STRIKE, Role.CLOSE),
}


def read_markdown(text: str) -> tuple[tuple[Block, ...], tuple[str, ...]]:
    """Return the translatable blocks of a Markdown text and any reader warnings."""
    lines = LineIndex(text)
    tokens = _PARSER.parse(text)
    blocks: list[Block] = []
    warnings: list[str] = []
    containers: list[BlockKind] = []
    opener: Token | None = None
    cells: list[tuple[int, int]] = []  # the current row's cell spans, last cell first
    for token in tokens:
        if token.type in ("blockquote_open", "list_item_open"):
            kind = BlockKind.BLOCK_QUOTE if token.type == "blockquote_open" else BlockKind.LIST_ITEM
            containers.append(kind)
        elif token.type in ("blockquote_close", "list_item_close"):
            containers.pop()
        elif token.type == "tr_open" and token.map:
            cells = _row_cells(text, lines, token)[::-1]
        elif token.type.endswith("_open"):
            opener = token
        elif token.type == "inline" and token.map and opener:
            is_cell = opener.type in ("th_open", "td_open")
            span = (cells.pop() if cells else None) if is_cell else None
            if not token.content.strip() or (is_cell and span is None):
                continue
            if not is_cell:
                span = _locate(text, lines, token)
            if span is None:
                warnings.append(
                    f"line {token.map[0] + 1}: block not found in the source, kept as is"
                )
                continue
            block = _make_block(text, lines, token, opener, containers, span, is_cell)
            blocks.append(block)
    return tuple(blocks), tuple(warnings)


def _make_block(
    text: str,
    lines: LineIndex,
    token: Token,
    opener: Token,
    containers: list[BlockKind],
    span: tuple[int, int],
    is_cell: bool,
) -> Block:
    start, limit = span
    quotes = containers.count(BlockKind.BLOCK_QUOTE)
    aligned = _align(token.children or [], text, start, limit, quotes)
    if aligned is None:
        end = limit if is_cell else _fallback_end(text, lines, token, start)
        parts: tuple[Part, ...] = (text[start:end],)
    else:
        parts, end = aligned
        if opener.type == "paragraph_open":
            parts = _contact_lines(parts)
    kind, tag = _classify(opener, containers, parts)
    return Block(kind, tag, start, end, lines.line_of(start), parts)


def _classify(
    opener: Token, containers: list[BlockKind], parts: tuple[Part, ...]
) -> tuple[BlockKind, str]:
    if opener.type == "heading_open":
        return BlockKind.HEADING, opener.tag
    if opener.type in ("th_open", "td_open"):
        return BlockKind.TABLE_CELL, opener.tag
    if containers:
        kind = containers[-1]
        return kind, "li" if kind is BlockKind.LIST_ITEM else "blockquote"
    has_break = any(isinstance(p, Code) and p.kind is CodeKind.LINE_BREAK for p in parts)
    return (BlockKind.LINES if has_break else BlockKind.PARAGRAPH), "p"


# What marks a line of a contact or address block: postcode and city, a phone or fax
# label or number, an e-mail address, a web address, a street and house number.
_CONTACT_LINE = re.compile(
    r"^(?:[A-Z]{1,2}-)?\d{4,5}\s+[^\W\d_]"
    r"|^(?:Tel|Telefon|Fon|Fax|Mobil|Mobile|Handy|Phone|E-Mail|Email|Mail|Web|Internet)\b"
    r"|^\+?[\d\s/().-]{6,}$|@|mailto:|www\.|https?://"
    r"|(?:straße|strasse|str\.|weg|platz|allee|ring|gasse|damm|ufer|chaussee|Postfach)\s*\d",
    re.IGNORECASE,
)


def _contact_lines(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """A paragraph of short contact lines joined by soft breaks keeps its lines apart.

    Name, street, postcode and city, "Tel:", an e-mail link on consecutive short lines
    are one line each, as with hard breaks and in plain text: the soft breaks become line
    breaks (the same bytes). Wrapped prose has long lines or no such contact details.
    """
    lines: list[list[str]] = [[]]
    for part in parts:
        if isinstance(part, Code) and part.kind is CodeKind.SOFT_BREAK:
            lines.append([])
        else:
            lines[-1].append(part if isinstance(part, str) else part.source)
    if len(lines) < 3:
        return parts
    texts = ["".join(line).strip() for line in lines]
    if any(len(text) >= WRAPPED_LINE_MIN for text in texts):
        return parts
    if sum(1 for text in texts if _CONTACT_LINE.search(text)) < 2:
        return parts
    return tuple(
        Code(CodeKind.LINE_BREAK, Role.ISOLATED, part.source)
        if isinstance(part, Code) and part.kind is CodeKind.SOFT_BREAK
        else part
        for part in parts
    )


def _line_span(text: str, lines: LineIndex, number: int) -> tuple[int, int]:
    """Start and end (before the line ending) of 0-based line ``number``."""
    start = lines.starts[number]
    end = lines.starts[number + 1] if number + 1 < len(lines.starts) else len(text)
    while end > start and text[end - 1] in "\r\n":
        end -= 1
    return start, end


def _locate(text: str, lines: LineIndex, token: Token) -> tuple[int, int] | None:
    """Where the block's content starts, and the furthest it may reach."""
    assert token.map is not None
    first_line = token.content.split("\n", 1)[0]
    line_start, line_end = _line_span(text, lines, token.map[0])
    index = text.rfind(first_line, line_start, line_end)
    if index < 0:
        return None
    _, limit = _line_span(text, lines, token.map[1] - 1)
    return index, limit


def _fallback_end(text: str, lines: LineIndex, token: Token, start: int) -> int:
    assert token.map is not None
    content_lines = token.content.split("\n")
    if len(content_lines) == 1:
        return start + len(content_lines[0])
    line_start, line_end = _line_span(text, lines, token.map[0] + len(content_lines) - 1)
    index = text.rfind(content_lines[-1], line_start, line_end)
    return index + len(content_lines[-1]) if index >= 0 else line_end


def _row_cells(text: str, lines: LineIndex, row: Token) -> list[tuple[int, int]]:
    """Spans of the cells of a table row, split like markdown-it does, and trimmed.

    As in markdown-it, a pipe is escaped whenever a backslash precedes it.
    """
    assert row.map is not None
    line_start = lines.starts[row.map[0]]
    first, last = row.meta["columns"]
    start, end = _strip(text, line_start + first, line_start + last)
    pipes = [i for i in range(start, end) if text[i] == "|" and (i == start or text[i - 1] != "\\")]
    bounds = [start - 1, *pipes, end]
    cells = [(left + 1, right) for left, right in itertools.pairwise(bounds)]
    if pipes and pipes[0] == start:
        cells.pop(0)
    if pipes and pipes[-1] == end - 1 and cells:
        cells.pop()
    return [_strip(text, left, right) for left, right in cells]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _align(
    children: list[Token], text: str, pos: int, limit: int, quotes: int
) -> tuple[tuple[Part, ...], int] | None:
    """Map inline tokens onto the source from ``pos``; None where they do not fit.

    ``quotes`` is the number of block quotes around the block: the most ``>`` markers a
    line break may take from the start of the next line.
    """
    parts: list[Part] = []
    for child in children:
        consumed = _consume(child, text, pos, limit, quotes)
        if consumed is None:
            return None
        part, pos = consumed
        parts.append(part)
    if pos > limit:
        return None
    return _gender_stars_as_text(pair_codes(merge_text(parts))), pos


_GENDER_SUFFIX = re.compile(r"in(?:nen)?\b")


def _gender_stars_as_text(parts: tuple[Part, ...]) -> tuple[Part, ...]:
    """Keep the gender star of "Ärzt*innen" as text, not as emphasis.

    CommonMark reads "Ärzt*innen und Pfleger*innen" as emphasis; the author meant the
    gender form, and the translator must see it as written. The bytes do not change.
    """
    starred = set()
    for index, part in enumerate(parts):
        if (
            isinstance(part, Code)
            and part.kind is CodeKind.EMPHASIS
            and part.source == "*"
            and part.pair is not None
            and _is_gender_star(parts, index)
        ):
            starred.update((index, part.pair))
    if not starred:
        return parts
    plain = [part.source if index in starred else part for index, part in enumerate(parts)]
    return pair_codes(merge_text(plain))


def _is_gender_star(parts: tuple[Part, ...], index: int) -> bool:
    before = parts[index - 1] if index > 0 else ""
    after = parts[index + 1] if index + 1 < len(parts) else ""
    return (
        isinstance(before, str)
        and before[-1:].isalpha()
        and isinstance(after, str)
        and _GENDER_SUFFIX.match(after) is not None
    )


def _consume(token: Token, text: str, pos: int, limit: int, quotes: int) -> tuple[Part, int] | None:
    kind = token.type
    if kind == "text":
        end = _match_text(text, pos, token.content, limit)
        return None if end is None else (text[pos:end], end)
    if kind == "text_special":
        return _literal(text, pos, token.markup, None)
    if kind in _DELIMITED:
        code_kind, role = _DELIMITED[kind]
        return _literal(text, pos, token.markup, (code_kind, role))
    if kind in ("softbreak", "hardbreak"):
        match = _break_pattern(kind == "hardbreak", quotes).match(text, pos)
        if match is None:
            return None
        code_kind = CodeKind.SOFT_BREAK if kind == "softbreak" else CodeKind.LINE_BREAK
        return Code(code_kind, Role.ISOLATED, match.group()), match.end()
    if kind == "link_open":
        delimiter = "<" if token.markup == "autolink" else "["
        return _literal(text, pos, delimiter, (CodeKind.LINK, Role.OPEN))
    if kind == "link_close":
        if token.markup == "autolink":
            return _literal(text, pos, ">", (CodeKind.LINK, Role.CLOSE))
        end = _link_tail(text, pos, limit)
        return None if end is None else (Code(CodeKind.LINK, Role.CLOSE, text[pos:end]), end)
    if kind == "code_inline":
        end = _code_span_end(text, pos, token.markup, limit)
        return None if end is None else (Code(CodeKind.CODE, Role.ISOLATED, text[pos:end]), end)
    if kind == "image":
        end = _image_end(text, pos, limit)
        return None if end is None else (Code(CodeKind.IMAGE, Role.ISOLATED, text[pos:end]), end)
    if kind == "html_inline":
        end = _match_lines(text, pos, token.content)
        role = html_role(token.content)
        return None if end is None else (Code(CodeKind.HTML, role, text[pos:end]), end)
    return None


@functools.cache
def _break_pattern(hard: bool, quotes: int) -> re.Pattern[str]:
    """A line ending in a block, with the next line's indentation and quote markers.

    Taking no more ``>`` than there are block quotes leaves a literal ``>`` that opens
    the next line ("    > 40 Grad") to the text.
    """
    before = r"(?:\\|[ \t]*)" if hard else r"[ \t]*"
    return re.compile(rf"{before}(?:\r\n|\r|\n)[ \t]*(?:>[ \t]*){{0,{quotes}}}")


def _match_lines(text: str, pos: int, content: str) -> int | None:
    """End of ``content`` at ``pos``, where content spans lines as markdown-it passes them.

    markdown-it turns every line ending into "\\n" and drops the container prefix of each
    line (quote markers, list indentation), but keeps any further indentation.
    """
    index = pos
    for number, piece in enumerate(content.split("\n")):
        if number:
            ending = _LINE_END.match(text, index)
            if ending is None:
                return None
            prefix_end = _match_end(_LINE_PREFIX, text, ending.end())
            index = prefix_end - _match_end(_LINE_PREFIX, piece, 0)
            if index < ending.end():
                return None
        if not text.startswith(piece, index):
            return None
        index += len(piece)
    return index


def _literal(
    text: str, pos: int, literal: str, code: tuple[CodeKind, Role] | None
) -> tuple[Part, int] | None:
    if not text.startswith(literal, pos):
        return None
    end = pos + len(literal)
    if code is None:
        return literal, end
    return Code(code[0], code[1], literal), end


def _match_text(text: str, pos: int, content: str, limit: int) -> int | None:
    """End of ``content`` in the source at ``pos``; table cells may write ``|`` as ``\\|``."""
    if text.startswith(content, pos):
        return pos + len(content)
    index = pos
    for char in content:
        if char == "|" and text.startswith("\\|", index):
            index += 2
        elif index < limit and text[index] == char:
            index += 1
        else:
            return None
    return index


def _link_tail(text: str, pos: int, limit: int) -> int | None:
    """End of ``](destination "title")``, ``][label]`` or ``]`` at ``pos``."""
    if not text.startswith("]", pos):
        return None
    pos += 1
    if text.startswith("(", pos):
        return _inline_destination_end(text, pos + 1, limit)
    if text.startswith("[", pos):
        close = text.find("]", pos + 1, limit)
        return None if close < 0 else close + 1
    return pos


def _match_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Where ``pattern`` (one that also matches the empty string) ends when tried at ``pos``."""
    match = pattern.match(text, pos)
    return match.end() if match else pos


def _inline_destination_end(text: str, pos: int, limit: int) -> int | None:
    pos = _match_end(_SPACE, text, pos)
    if pos < limit and text[pos] != ")":
        destination = parseLinkDestination(text, pos, limit)
        if destination.ok:
            pos = destination.pos
        after_space = _match_end(_SPACE, text, pos)
        if after_space > pos and after_space < limit and text[after_space] in "\"'(":
            title = parseLinkTitle(text, after_space, limit)
            if title.ok:
                pos = _match_end(_SPACE, text, title.pos)
        else:
            pos = after_space
    if pos < limit and text[pos] == ")":
        return pos + 1
    return None


def _code_span_end(text: str, pos: int, ticks: str, limit: int) -> int | None:
    if not text.startswith(ticks, pos):
        return None
    search = pos + len(ticks)
    while True:
        close = text.find(ticks, search, limit)
        if close < 0:
            return None
        after = close + len(ticks)
        if (after >= len(text) or text[after] != "`") and text[close - 1] != "`":
            return after
        search = close + 1
        while search < limit and text[search] == "`":
            search += 1


def _image_end(text: str, pos: int, limit: int) -> int | None:
    if not text.startswith("![", pos):
        return None
    depth = 0
    index = pos + 1
    while index < limit:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return _link_tail(text, index, limit)
        index += 1
    return None
