"""HTML reader: text inside block elements, with inline elements as codes.

A small tokenizer that records exact offsets (the standard library's parser reports
positions by line and column, and only counts LF line endings). Elements whose content is
not prose (script, style, pre, code, svg, …) are copied through untouched; inline
``<code>`` becomes one code that is never translated.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.document.model import (
    HTML_TAG_NAME,
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

INLINE_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "br",
        "cite",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "img",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "wbr",
    ]
)
# Elements copied through whole: their content is code, data or another language.
OPAQUE_ELEMENTS = frozenset(
    ["script", "style", "pre", "textarea", "svg", "math", "template", "noscript"]
)
BLOCK_KINDS = {
    **{f"h{level}": BlockKind.HEADING for level in range(1, 7)},
    "li": BlockKind.LIST_ITEM,
    "dt": BlockKind.LIST_ITEM,
    "dd": BlockKind.LIST_ITEM,
    "td": BlockKind.TABLE_CELL,
    "th": BlockKind.TABLE_CELL,
    "blockquote": BlockKind.BLOCK_QUOTE,
}

# Possessive quantifiers and no "<" outside quotes: a stray "<" fails fast, never backtracks.
_START_TAG = re.compile(r"<[A-Za-z][^\s/<>]*+(?:[^<>\"']++|\"[^\"]*+\"|'[^']*+')*+>")
_END_TAG = re.compile(r"</[A-Za-z][^<>]*+>")
_NEWLINE_SPACE = re.compile(r"(?<![ \t])[ \t]*(?:\r\n|\r|\n)\s*")
MAX_TAG_LENGTH = 10_000  # bounds the search for ">" after a stray "<"


@dataclass(frozen=True)
class _Token:
    kind: str  # "text", "start", "end", "comment", "opaque"
    start: int
    end: int
    name: str = ""


def read_html(text: str) -> tuple[tuple[Block, ...], tuple[str, ...]]:
    """Return the translatable blocks of an HTML page or fragment."""
    builder = _BlockBuilder(text)
    for token in _tokenize(text):
        builder.feed(token)
    builder.close_block()
    return tuple(builder.blocks), ()


def _tokenize(text: str) -> Iterator[_Token]:
    pos = 0
    length = len(text)
    while pos < length:
        lt = text.find("<", pos)
        if lt < 0:
            yield _Token("text", pos, length)
            return
        if lt > pos:
            yield _Token("text", pos, lt)
        token = _markup_at(text, lt)
        if token is None:  # a lone "<" is text
            yield _Token("text", lt, lt + 1)
            pos = lt + 1
            continue
        yield token
        pos = token.end


def _markup_at(text: str, lt: int) -> _Token | None:
    if text.startswith("<!--", lt):
        close = text.find("-->", lt + 4)
        end = len(text) if close < 0 else close + 3
        return _Token("comment", lt, end)
    if text.startswith(("<!", "<?"), lt):
        close = text.find(">", lt)
        return _Token("comment", lt, len(text) if close < 0 else close + 1)
    match = _END_TAG.match(text, lt, lt + MAX_TAG_LENGTH)
    if match:
        return _Token("end", lt, match.end(), _tag_name(match.group()))
    match = _START_TAG.match(text, lt, lt + MAX_TAG_LENGTH)
    if match is None:
        return None
    name = _tag_name(match.group())
    if name in OPAQUE_ELEMENTS or name == "code":
        closing = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(text, match.end())
        end = len(text) if closing is None else closing.end()
        return _Token("opaque", lt, end, name)
    return _Token("start", lt, match.end(), name)


def _tag_name(tag: str) -> str:
    match = HTML_TAG_NAME.match(tag)
    return match.group(1).lower() if match else ""


class _BlockBuilder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = LineIndex(text)
        self.blocks: list[Block] = []
        self.elements: list[str] = []  # open block elements
        self.open_count: Counter[str] = Counter()  # how often each name is in elements
        self.parts: list[Part] = []
        self.start: int | None = None

    def feed(self, token: _Token) -> None:
        source = self.text[token.start : token.end]
        if token.kind == "text":
            self._add_text(token.start, source)
        elif token.kind == "opaque" and token.name == "code":
            self._add_code(token.start, Code(CodeKind.CODE, Role.ISOLATED, source))
        elif token.kind in ("start", "end") and token.name in INLINE_ELEMENTS:
            kind = CodeKind.LINE_BREAK if token.name == "br" else CodeKind.HTML
            role = Role.ISOLATED if token.name == "br" else html_role(source)
            if token.kind == "end" and self.start is None:
                return  # a closing inline tag with nothing open: skeleton
            self._add_code(token.start, Code(kind, role, source))
        elif token.kind == "comment":
            if self.start is not None:
                self._add_code(token.start, Code(CodeKind.HTML, Role.ISOLATED, source))
        else:
            self.close_block()
            self._track_element(token)

    def _track_element(self, token: _Token) -> None:
        if token.kind == "start" and self.text[token.end - 2 : token.end] != "/>":
            self.elements.append(token.name)
            self.open_count[token.name] += 1
        elif token.kind == "end" and self.open_count[token.name]:
            index = len(self.elements) - 1
            while self.elements[index] != token.name:  # what it passes is closed with it
                index -= 1
            for name in self.elements[index:]:
                self.open_count[name] -= 1
            del self.elements[index:]

    def _add_text(self, offset: int, source: str) -> None:
        if self.start is None:
            stripped = source.lstrip()
            if not stripped:
                return
            offset += len(source) - len(stripped)
            source = stripped
            self.start = offset
        cursor = 0
        for match in _NEWLINE_SPACE.finditer(source):
            self.parts.append(source[cursor : match.start()])
            self.parts.append(Code(CodeKind.SOFT_BREAK, Role.ISOLATED, match.group()))
            cursor = match.end()
        self.parts.append(source[cursor:])

    def _add_code(self, offset: int, code: Code) -> None:
        if self.start is None:
            self.start = offset
        self.parts.append(code)

    def close_block(self) -> None:
        if self.start is None:
            return
        parts = _trim_end(merge_text(self.parts))
        length = sum(len(p) if isinstance(p, str) else len(p.source) for p in parts)
        has_text = any(isinstance(p, str) and p.strip() for p in parts)
        if has_text:
            tag = self.elements[-1] if self.elements else "body"
            kind = BLOCK_KINDS.get(tag, BlockKind.PARAGRAPH)
            has_break = any(isinstance(p, Code) and p.kind is CodeKind.LINE_BREAK for p in parts)
            if kind is BlockKind.PARAGRAPH and has_break:
                kind = BlockKind.LINES
            line = self.lines.line_of(self.start)
            self.blocks.append(
                Block(kind, tag, self.start, self.start + length, line, pair_codes(parts))
            )
        self.parts = []
        self.start = None


def _trim_end(parts: list[Part]) -> list[Part]:
    """Drop trailing whitespace and soft breaks: they belong to the skeleton."""
    while parts:
        last = parts[-1]
        if isinstance(last, Code):
            if last.kind is not CodeKind.SOFT_BREAK:
                break
            parts.pop()
            continue
        stripped = last.rstrip()
        if stripped:
            parts[-1] = stripped
            break
        parts.pop()
    return parts


_LANG_ATTRIBUTE = re.compile(
    r"""(\s(?:xml:)?lang\s*+=\s*+)("[^"]*+"|'[^']*+'|[^\s"'<>=`]++)""", re.I
)


def with_language(text: str, language: str) -> str:
    """The page with ``lang`` and ``xml:lang`` of its ``<html>`` element set to
    ``language`` (``lang`` added where the element has neither); a fragment is unchanged."""
    html = next((t for t in _tokenize(text) if t.kind == "start" and t.name == "html"), None)
    if html is None:
        return text
    tag = text[html.start : html.end]

    def value(match: re.Match[str]) -> str:
        quote = match.group(2)[0] if match.group(2)[0] in "\"'" else '"'
        return f"{match.group(1)}{quote}{language}{quote}"

    changed, count = _LANG_ATTRIBUTE.subn(value, tag)
    if not count:
        end = len(tag) - (2 if tag.endswith("/>") else 1)
        changed = f'{tag[:end].rstrip()} lang="{language}"{tag[end:]}'
    return text[: html.start] + changed + text[html.end :]
