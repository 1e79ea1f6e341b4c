"""Property-based tests: readers and segmenter keep every byte, and cover all the prose.

Generated documents are built from fragments that know whether they are prose (must reach
a segment as translatable text). Words from ``CODE_WORDS`` are only ever written where they
are not translatable (inline code, code blocks, URLs, attributes, comments, scripts), so
finding one in a segment's text means markup was taken for prose.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.document import Code, Document, Role, parse_document
from pipeline.segment import Level, Segment, SegmentedDocument, load_rules, rebuild
from pipeline.segment import segment_document as _segment_document

RULES = load_rules()
FORMATS = ("markdown", "text", "html")
UTF8_BOM = b"\xef\xbb\xbf"
_LETTERS = re.compile(r"[^\W\d_]+")
_LINE_END = re.compile(r"\r\n|\r|\n")

SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

PROSE_WORDS = (
    "Die", "Klinik", "für", "Radiologie", "stellt", "neue", "Verfahren", "vor", "Ärzt*innen",
    "Patient:innen", "Röntgenkongress", "Universitätsklinikum", "Straße", "Größe", "äußerst",
    "Öffentlichkeit", "Übersicht", "Dr. med.", "Prof.", "z. B.", "ca.", "3.", "2024", "24.09.",
    "„Künstliche Intelligenz“", "»Zitat«", "KI-gestützte", "E-Mail", "www.drg.de",
    "https://www.drg.de/de-DE/presse", "presse@drg.de", "usw.", "Mio.", "Euro", "(MRT)",
    "Dipl.-Ing.", "Univ.-Prof.", "Sie", "Der", "wir", "im", "Jahr", "Pressestelle",
)  # fmt: skip
# Words that may open a line: a digit or a "(" could start an ordered list or worse.
LINE_START_WORDS = tuple(word for word in PROSE_WORDS if word[0].isalpha())
CODE_WORDS = ("quux", "fnord", "zorp", "xyzzy", "wibble", "blarg")
TERMINATORS = (".", ".", ".", "!", "?", ":", "…")


def segment_document(document: Document, level: Level = Level.SENTENCE) -> SegmentedDocument:
    return _segment_document(document, level, RULES)


# ---------------------------------------------------------------------------------------
# Checks shared by every property


def parse(data: bytes, fmt: str) -> Document:
    return parse_document(data, Path(f"release.{fmt}"), fmt)


def line_of(text: str, offset: int) -> int:
    return sum(1 for _ in _LINE_END.finditer(text, 0, offset)) + 1


def code_offsets(parts: Sequence[str | Code]) -> dict[int, int]:
    """Block-text offset of each code -> its index in ``parts``."""
    offsets = {}
    offset = 0
    for index, part in enumerate(parts):
        if isinstance(part, Code):
            offsets[offset] = index
            offset += len(part.source)
        else:
            offset += len(part)
    return offsets


def check_blocks(document: Document) -> None:
    """Blocks are ordered, disjoint slices of the text, with consistently paired codes."""
    text = document.text
    previous_end = 0
    for block in document.blocks:
        assert previous_end <= block.start <= block.end <= len(text), (previous_end, block)
        assert block.text == text[block.start : block.end]
        assert block.line == line_of(text, block.start)
        previous_end = block.end
        for index, part in enumerate(block.parts):
            if isinstance(part, Code) and part.pair is not None:
                partner = block.parts[part.pair]
                assert isinstance(partner, Code) and partner.pair == index
                assert part.role is (Role.OPEN if index < part.pair else Role.CLOSE)
                assert partner.key == part.key


def segment_spans(gaps: Sequence[str], segments: Sequence[Segment]) -> list[tuple[int, int]]:
    """Offsets of each segment's source in its block's text."""
    spans = []
    offset = len(gaps[0])
    for segment, gap in zip(segments, gaps[1:], strict=True):
        spans.append((offset, offset + len(segment.source)))
        offset += len(segment.source) + len(gap)
    return spans


CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def translatable_letters(parts: Sequence[str | Code]) -> list[int]:
    """Offsets of the letters that are text, not markup.

    A character reference counts as one letter (at its "&") when it stands for a letter
    (``&auml;``, ``&#228;``) and as none otherwise (``&amp;``, ``&nbsp;``).
    """
    letters = []
    offset = 0
    for part in parts:
        if isinstance(part, Code):
            offset += len(part.source)
            continue
        inside_reference = set()
        for reference in CHARACTER_REFERENCE.finditer(part):
            inside_reference.update(range(reference.start(), reference.end()))
            if html.unescape(reference.group()).isalpha():
                letters.append(offset + reference.start())
        letters.extend(
            offset + i
            for i, char in enumerate(part)
            if char.isalpha() and i not in inside_reference
        )
        offset += len(part)
    return sorted(letters)


def check_segment_codes(segment: Segment, parts: Sequence[str | Code], start: int) -> None:
    """Code spans point at their source, cover the segment's codes, and are balanced."""
    offsets = code_offsets(parts)
    lead, trail = len(segment.lead), len(segment.text) - len(segment.trail)
    stack: list[int] = []
    real = 0
    cursor = 0
    for span in segment.codes:
        code = span.code
        assert cursor <= span.start < span.end <= len(segment.text)
        assert segment.text[span.start : span.end] == code.source
        cursor = span.end
        if span.synthetic:
            assert span.end <= lead or span.start >= trail
            assert code.pair is not None
            assert code.role is (Role.OPEN if span.end <= lead else Role.CLOSE)
            partner = parts[code.pair]
            assert isinstance(partner, Code) and partner.pair is not None
            index = partner.pair
        else:
            assert lead <= span.start and span.end <= trail
            index = offsets[start + span.start - lead]
            real += 1
        assert parts[index] == code
        if code.role is Role.OPEN and code.pair is not None:
            stack.append(index)
        elif code.role is Role.CLOSE and code.pair is not None:
            assert stack and stack[-1] == code.pair, f"unbalanced {code.source!r} in {segment}"
            stack.pop()
    assert not stack, f"unclosed codes in {segment}"
    end = start + trail - lead
    assert real == sum(1 for offset in offsets if start <= offset < end)


def check_segmented(document: Document, segmented: SegmentedDocument) -> None:
    assert len(segmented.blocks) == len(document.blocks)
    assert segmented.segments == tuple(s for b in segmented.blocks for s in b.segments)
    for index, (block, sblock) in enumerate(zip(document.blocks, segmented.blocks, strict=True)):
        assert sblock.index == index
        assert len(sblock.gaps) == len(sblock.segments) + 1
        pieces = [sblock.gaps[0]]
        for segment, gap in zip(sblock.segments, sblock.gaps[1:], strict=True):
            pieces += [segment.source, gap]
        assert "".join(pieces) == block.text
        spans = segment_spans(sblock.gaps, sblock.segments)
        covered = bytearray(len(block.text))
        for segment, (start, end) in zip(sblock.segments, spans, strict=True):
            assert segment.text == segment.lead + segment.source + segment.trail
            assert segment.block == index and segment.kind == block.kind
            assert segment.source and segment.line == line_of(document.text, block.start + start)
            check_segment_codes(segment, block.parts, start)
            covered[start:end] = b"\x01" * (end - start)
        letters = translatable_letters(block.parts)
        uncovered = [block.text[i] for i in letters if not covered[i]]
        assert not uncovered, f"text outside every segment in block {index}: {block.text!r}"
        if segmented.level is Level.PARAGRAPH:
            assert len(sblock.segments) == (1 if letters else 0)


def roundtrip(data: bytes, fmt: str) -> Document:
    """Parse, segment at both levels, check every invariant, and rebuild the input."""
    document = parse(data, fmt)
    check_blocks(document)
    assert document.render() == data
    for level in Level:
        segmented = segment_document(document, level)
        check_segmented(document, segmented)
        assert rebuild(segmented) == data
        identity = {segment.id: segment.text for segment in segmented.segments}
        assert rebuild(segmented, identity) == data
    return document


def letter_runs(text: str) -> list[str]:
    return _LETTERS.findall(text)


def segment_prose(segment: Segment) -> str:
    """The segment's text with its codes blanked out."""
    chars = list(segment.text)
    for span in segment.codes:
        chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)


def check_prose(document: Document, expected: Counter[str]) -> None:
    """Every generated prose word reaches a segment; no code word is taken for prose."""
    actual: Counter[str] = Counter()
    for segment in segment_document(document).segments:
        actual.update(letter_runs(segment_prose(segment)))
    missing = expected - actual
    assert not missing, f"prose missing from the segments: {sorted(missing)}"
    leaked = sorted(run for run in actual if run in CODE_WORDS)
    assert not leaked, f"markup taken for prose: {leaked}"


# ---------------------------------------------------------------------------------------
# Fragments and lines: the raw material of generated documents


@dataclass(frozen=True)
class Frag:
    text: str
    prose: bool = False
    lazy: bool = False  # opens a paragraph continuation line: containers may leave it bare


Line = list[Frag]


def prose(text: str) -> Frag:
    return Frag(text, True)


def markup(text: str) -> Frag:
    return Frag(text, False)


def line_text(line: Line) -> str:
    return "".join(frag.text for frag in line)


def split_lines(frags: list[Frag]) -> list[Line]:
    """Cut a flat fragment list into lines at "\\n"."""
    lines: list[Line] = [[]]
    for frag in frags:
        pieces = frag.text.split("\n")
        for number, piece in enumerate(pieces):
            if number:
                lines.append([])
            if piece:
                lines[-1].append(Frag(piece, frag.prose, frag.lazy and not number))
    return lines


@dataclass(frozen=True)
class Generated:
    data: bytes
    prose: Counter[str]

    def __repr__(self) -> str:  # the falsifying example, readable
        return f"Generated({self.data!r})"


@st.composite
def encode(draw: st.DrawFn, lines: list[Line], trailing_space: bool = True) -> Generated:
    """Join lines with random line endings, trailing blanks, BOM and final newline."""
    mode = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    final = draw(st.sampled_from(["newline", "none", "blank line"]))
    expected: Counter[str] = Counter()
    pieces = [UTF8_BOM.decode() if draw(st.booleans()) else ""]
    previous = ""
    for number, line in enumerate(lines):
        for frag in line:
            if frag.prose:
                expected.update(letter_runs(frag.text))
        text = line_text(line)
        if trailing_space and draw(st.integers(0, 6)) == 0:
            text += draw(st.sampled_from([" ", "  ", "\t", " \t "]))
        ending = mode if mode != "mixed" else draw(st.sampled_from(["\n", "\r\n", "\r"]))
        if ending == "\n" and previous == "\r" and not text:
            ending = "\r\n"  # "\r" + "\n" would merge into one ending and lose a blank line
        if number == len(lines) - 1:
            ending = {"newline": ending, "none": "", "blank line": ending * 2}[final]
        pieces.append(text + ending)
        previous = ending
    return Generated("".join(pieces).encode("utf-8"), expected)


def join_blocks(blocks: list[list[Line]], blank_lines: int = 1) -> list[Line]:
    lines: list[Line] = []
    for block in blocks:
        if lines:
            lines.extend([] for _ in range(blank_lines))
        lines.extend(block)
    return lines


def words(draw: st.DrawFn, min_size: int = 1, max_size: int = 3) -> list[Frag]:
    chosen = draw(st.lists(st.sampled_from(PROSE_WORDS), min_size=min_size, max_size=max_size))
    frags = []
    for word in chosen:
        if frags:
            frags.append(prose(" "))
        frags.append(prose(word))
    return frags


def code_text(draw: st.DrawFn) -> str:
    chosen = draw(st.lists(st.sampled_from(CODE_WORDS), min_size=1, max_size=3))
    return draw(st.sampled_from(["{}", "{}()", "x = {}", "  {};"])).format(" ".join(chosen))


# ---------------------------------------------------------------------------------------
# Markdown

REFERENCE_DEFINITIONS = [
    [markup('[quux]: https://example.org/quux "fnord"')],
    [markup("[Pressestelle]: <https://example.org/zorp> 'wibble'")],
]
INLINE_TAGS = (("span", ' class="{}"'), ("abbr", ' title="a > {}"'), ("sup", ""))
MULTILINE_TAGS = (("abbr", '\n  title="{}"'), ("span", '\n class="a\nb {}"'))
INDENTED_CODE = "indented code"
LIST = "list"


@st.composite
def md_atom(draw: st.DrawFn, in_table: bool = False, multiline: bool = False) -> list[Frag]:
    """One inline element; spaces between atoms are added by the caller."""
    kinds = ["word"] * 8 + ["emphasis", "link", "reference", "autolink", "code", "image"]
    kinds += ["escape", "entity"] + ([] if in_table else ["html", "comment", "break tag"])
    kinds += ["pipe", "break tag"] if in_table else []
    kind = draw(st.sampled_from(kinds))
    code = draw(st.sampled_from(CODE_WORDS))
    if kind == "word":
        return [prose(draw(st.sampled_from(PROSE_WORDS)))]
    if kind == "emphasis":
        delimiter = draw(st.sampled_from(["*", "_", "**", "__", "~~", "***"]))
        return [markup(delimiter), *words(draw), markup(delimiter)]
    if kind == "link":
        titles = ["", ' "{}"', " '{}'", " ({})"] + (['\n  "{}\nzorp"'] if multiline else [])
        title = draw(st.sampled_from(titles)).format(code)
        target = draw(st.sampled_from(["https://example.org/{}", "/{}.html", "<./{} zorp>"]))
        return [markup("["), *words(draw), markup("](" + target.format(code) + title + ")")]
    if kind == "reference":
        form = draw(st.sampled_from(["[{}][quux]", "[{}][QUUX]", "[{}][]", "[{}]"]))
        text = "Pressestelle" if form in ("[{}][]", "[{}]") else None
        inner = [prose(text)] if text else words(draw)
        head, tail = form.split("{}")
        return [markup(head), *inner, markup(tail)]
    if kind == "autolink":
        return [markup(draw(st.sampled_from(["<https://www.drg.de/presse>", "<info@drg.de>"])))]
    if kind == "code":
        forms = ["`{}`", "`` {} ` zorp ``", "```{}```"]
        source = draw(st.sampled_from([*forms, "`{} \\| zorp`"] if in_table else forms))
        if multiline and draw(st.booleans()):
            source = source.replace(" ", "\n", 1)
        return [markup(source.format(code))]
    if kind == "image":
        return [markup(f'![{code}](bilder/{code}.png "{code}")')]
    if kind == "escape":
        return [markup(draw(st.sampled_from(["\\*", "\\_", "\\#", "\\[", "\\`", "\\\\"])))]
    if kind == "entity":
        return [markup(draw(st.sampled_from(["&amp;", "&auml;", "&#228;", "&nbsp;", "&copy;"])))]
    if kind == "html":
        tags = INLINE_TAGS + (MULTILINE_TAGS if multiline else ())
        name, attributes = draw(st.sampled_from(tags))
        opening = f"<{name}{attributes.format(code)}>"
        return [markup(opening), *words(draw), markup(f"</{name}>")]
    if kind == "comment":
        return [markup(f"<!-- {code} -->")]
    if kind == "pipe":
        return [markup("\\|")]
    return [markup(draw(st.sampled_from(["<br>", "<br/>", "<br />"])))]


@st.composite
def md_sentence(draw: st.DrawFn) -> list[tuple[list[Frag], bool]]:
    """Atoms, each with whether it may open a line; the first is a plain word."""
    atoms = [([prose(draw(st.sampled_from(LINE_START_WORDS)))], True)]
    for frags in draw(st.lists(md_atom(multiline=True), max_size=6)):
        safe = len(frags) == 1 and frags[0].prose and frags[0].text in LINE_START_WORDS
        atoms.append((frags, safe))
    last = atoms[-1]
    atoms[-1] = ([*last[0], prose(draw(st.sampled_from(TERMINATORS)))], last[1])
    return atoms


@st.composite
def md_paragraph(draw: st.DrawFn, max_sentences: int = 3) -> list[Line]:
    """Sentences with spaces, soft breaks (with indent) and both kinds of hard break."""
    sentences = draw(st.lists(md_sentence(), min_size=1, max_size=max_sentences))
    atoms = [atom for sentence in sentences for atom in sentence]
    lines: list[Line] = [[]]
    for number, (frags, safe) in enumerate(atoms):
        if number:
            separator = "space"
            if safe:
                kinds = ["space"] * 4 + ["soft", "spaces", "backslash", "quote mark"]
                separator = draw(st.sampled_from(kinds))
            if separator == "space":
                lines[-1].append(prose(" "))
            elif separator == "soft":
                lines.append([Frag(" " * draw(st.integers(0, 3)), lazy=True)])
            elif separator == "quote mark":  # indented too far to open a block quote
                lines.append([markup(" " * draw(st.integers(4, 6)) + "> ")])
            else:
                lines[-1].append(markup("  " if separator == "spaces" else "\\"))
                lines.append([])
        lines[-1].extend(frags)
    return [piece for line in lines for piece in split_lines(line)]


@st.composite
def md_inline_line(draw: st.DrawFn) -> Line:
    line = [prose(draw(st.sampled_from(LINE_START_WORDS)))]
    for frags in draw(st.lists(md_atom(), max_size=4)):
        line += [prose(" "), *frags]
    return line


@st.composite
def md_heading(draw: st.DrawFn) -> list[Line]:
    if draw(st.booleans()):
        level = draw(st.integers(1, 6))
        closing = draw(st.sampled_from(["", " #", " " + "#" * level]))
        return [[markup("#" * level + " "), *draw(md_inline_line()), markup(closing)]]
    underline = draw(st.sampled_from(["===", "---", "=========="]))
    return [*draw(md_paragraph(max_sentences=1)), [markup(underline)]]


@st.composite
def md_table(draw: st.DrawFn, pipes: bool = False) -> list[Line]:
    """A GFM table; without a leading pipe after a list marker it would be read first."""
    columns = draw(st.integers(1, 4))
    pipes = pipes or columns == 1 or draw(st.booleans())

    def row(cells: list[list[Frag]]) -> Line:
        line = [markup("| ")] if pipes else []
        for number, cell in enumerate(cells):
            if number:
                line.append(markup(" | "))
            line.extend(cell)
        return line + ([markup(" |")] if pipes else [])

    def cell(first: bool = False) -> list[Frag]:
        # A row without a leading pipe that starts like "3. " is an ordered list, not a row.
        words = LINE_START_WORDS if first and not pipes else PROSE_WORDS
        frags = [prose(draw(st.sampled_from(words)))]
        for atom in draw(st.lists(md_atom(in_table=True), max_size=3)):
            frags += [prose(" "), *atom]
        return frags

    alignments = st.sampled_from(["---", ":---", "---:", ":-:", "------"])
    delimiter = [[markup(draw(alignments))] for _ in range(columns)]
    body = draw(st.lists(st.integers(1, columns), max_size=3))
    return [row([cell(n == 0) for n in range(columns)]), row(delimiter)] + [
        row([cell(n == 0) for n in range(count)]) for count in body
    ]


@st.composite
def md_fenced_code(draw: st.DrawFn) -> list[Line]:
    fence = draw(st.sampled_from(["```", "~~~", "````"]))
    info = draw(st.sampled_from(["", "python", " text", "json {.quux}"]))
    body = [code_text(draw) for _ in range(draw(st.integers(0, 3)))]
    if body and draw(st.booleans()):
        body.insert(1, "")
    return [[markup(fence + info)], *([markup(text)] for text in body), [markup(fence)]]


@st.composite
def md_indented_code(draw: st.DrawFn) -> list[Line]:
    body = [code_text(draw) for _ in range(draw(st.integers(1, 3)))]
    lines = [[markup("    " + text)] for text in body]
    if len(lines) > 1 and draw(st.booleans()):
        lines.insert(1, [])
    return lines


@st.composite
def md_html_block(draw: st.DrawFn) -> list[Line]:
    code = draw(st.sampled_from(CODE_WORDS))
    variants = [
        [f'<div class="{code}">', f"<p>{code} zorp</p>", "</div>"],
        [f"<!-- {code}", "fnord -->"],
        [f"<table><tr><td>{code}</td></tr></table>"],
        [f'<p align="center"><img src="{code}.png" alt="{code}"></p>'],
    ]
    return [[markup(text)] for text in draw(st.sampled_from(variants))]


def md_leaf(draw: st.DrawFn, item_start: bool) -> tuple[str, list[Line]]:
    kind = draw(
        st.sampled_from(
            ["paragraph"] * 4
            + ["heading", "table", "fenced", INDENTED_CODE, "html", "break", "div"]
        )
    )
    if kind == "paragraph":
        return kind, draw(md_paragraph())
    if kind == "heading":
        return kind, draw(md_heading())
    if kind == "table":
        return kind, draw(md_table(pipes=item_start))
    if kind == "fenced":
        return kind, draw(md_fenced_code())
    if kind == INDENTED_CODE:
        return kind, draw(md_indented_code() if not item_start else md_fenced_code())
    if kind == "html":
        return kind, draw(md_html_block())
    if kind == "div":  # an HTML block around Markdown, split by blank lines
        inner = draw(md_paragraph())
        return kind, [[markup('<div align="center">')], [], *inner, [], [markup("</div>")]]
    # After list markers, "* ***" or "- ---" would be read as one thematic break.
    breaks = ["___"] if item_start else ["***", "---", "___", "* * *", "- - -"]
    return kind, [[markup(draw(st.sampled_from(breaks)))]]


def md_block_quote(draw: st.DrawFn, depth: int) -> list[Line]:
    lines = []
    for line in join_blocks(draw(md_blocks(depth - 1, max_size=3))):
        text = line_text(line)
        if line and line[0].lazy and draw(st.integers(0, 3)) == 0:
            lines.append(line)
        elif not text:
            lines.append([markup(draw(st.sampled_from([">", "> "])))])
        else:
            tight = not text[0].isspace() and draw(st.booleans())
            lines.append([markup(">" if tight else "> "), *line])
    return lines


def md_list(draw: st.DrawFn, depth: int) -> list[Line]:
    ordered = draw(st.booleans())
    bullet = draw(st.sampled_from(["-", "*", "+"]))
    delimiter = draw(st.sampled_from([".", ")"]))
    number = draw(st.integers(0, 12))
    loose = draw(st.booleans())
    lines: list[Line] = []
    for item in range(draw(st.integers(1, 3))):
        marker = (f"{number + item}{delimiter}" if ordered else bullet) + " "
        blocks = draw(md_blocks(depth - 1, max_size=2, in_item=True))
        ends_in_html = bool(lines) and line_text(lines[-1]).lstrip().startswith("<")
        if lines and (loose or ends_in_html):  # an HTML block runs on to a blank line
            lines.append([])
        for index, line in enumerate(join_blocks(blocks)):
            if index == 0:
                lines.append([markup(marker), *line])
            elif line and line[0].lazy and draw(st.integers(0, 3)) == 0:
                lines.append(line)
            else:
                lines.append([markup(" " * len(marker)), *line] if line else [])
    return lines


@st.composite
def md_blocks(
    draw: st.DrawFn, depth: int, max_size: int = 5, in_item: bool = False
) -> list[list[Line]]:
    blocks: list[list[Line]] = []
    previous = None
    for number in range(draw(st.integers(1, max_size))):
        kind = draw(st.sampled_from(["leaf"] * 3 + ["quote", LIST])) if depth > 0 else "leaf"
        if kind == "quote":
            lines = md_block_quote(draw, depth)
        elif kind == LIST:
            lines = md_list(draw, depth)
        else:
            kind, lines = md_leaf(draw, item_start=in_item and number == 0)
            if kind == INDENTED_CODE and previous == LIST:  # would continue the list item
                lines = draw(md_fenced_code())
        blocks.append(lines)
        previous = kind
    return blocks


@st.composite
def markdown_documents(draw: st.DrawFn) -> Generated:
    blocks = draw(md_blocks(depth=2))
    blocks.append(REFERENCE_DEFINITIONS)
    lines = [[] for _ in range(draw(st.integers(0, 2)))] + join_blocks(
        blocks, draw(st.integers(1, 2))
    )
    return draw(encode(lines))


# ---------------------------------------------------------------------------------------
# HTML


@st.composite
def html_inline(draw: st.DrawFn, max_size: int = 6) -> list[Frag]:
    frags = [prose(draw(st.sampled_from(PROSE_WORDS)))]
    kinds = ["word"] * 6 + ["element", "code", "break", "image", "comment", "entity"]
    for _ in range(draw(st.integers(0, max_size))):
        frags.append(markup(draw(st.sampled_from([" ", " ", "\n", "\n    ", " \n\t"]))))
        kind = draw(st.sampled_from(kinds))
        code = draw(st.sampled_from(CODE_WORDS))
        if kind == "word":
            frags.append(prose(draw(st.sampled_from(PROSE_WORDS))))
        elif kind == "element":
            name = draw(st.sampled_from(["a", "em", "strong", "b", "i", "span", "EM"]))
            attributes = draw(
                st.sampled_from(
                    [
                        "",
                        f' href="https://example.org/{code}?a=1&amp;b=2"',
                        f" title='{code} > zorp'",
                        f' class="{code}" data-x=\'sag "{code}"\'',
                        f" class={code}",
                    ]
                )
            )
            frags += [markup(f"<{name}{attributes}>"), *words(draw), markup(f"</{name}>")]
        elif kind == "code":
            source = draw(st.sampled_from(["<code>{}</code>", "<CODE>{}</code >"]))
            frags.append(markup(source.format(code)))
        elif kind == "break":
            frags.append(markup(draw(st.sampled_from(["<br>", "<br/>", "<br />", "<BR>"]))))
        elif kind == "image":
            frags.append(markup(f'<img src="{code}.png" alt="{code}" title="a > {code}">'))
        elif kind == "comment":
            frags.append(markup(f"<!-- {code} > -->"))
        else:
            frags.append(markup(draw(st.sampled_from(["&amp;", "&auml;", "&#228;", "&#x201E;"]))))
    frags.append(prose(draw(st.sampled_from(TERMINATORS))))
    return frags


def element(name: str, inner: list[Frag], close: bool = True, attributes: str = "") -> list[Frag]:
    closing = [markup(f"</{name}>")] if close else []
    return [markup(f"<{name}{attributes}>"), *inner, *closing]


@st.composite
def html_block(draw: st.DrawFn, depth: int = 2) -> list[Frag]:
    kinds = ["p"] * 3 + ["heading", "list", "table", "comment", "script", "pre", "hr", "text"]
    kinds += ["quote", "div"] if depth > 0 else []
    kind = draw(st.sampled_from(kinds))
    code = draw(st.sampled_from(CODE_WORDS))
    newline = markup("\n")
    if kind == "p":
        name = draw(st.sampled_from(["p", "P"]))
        return element(name, draw(html_inline()), close=draw(st.booleans()))
    if kind == "heading":
        name = f"h{draw(st.integers(1, 6))}"
        return element(name, draw(html_inline(max_size=3)), attributes=f' id="{code}"')
    if kind == "list":
        name = draw(st.sampled_from(["ul", "ol"]))
        close = draw(st.booleans())
        items: list[Frag] = []
        for _ in range(draw(st.integers(1, 3))):
            items += [newline, *element("li", draw(html_inline(max_size=3)), close=close)]
        return element(name, [*items, newline])
    if kind == "table":
        rows: list[Frag] = []
        for _ in range(draw(st.integers(1, 3))):
            cells: list[Frag] = []
            for _ in range(draw(st.integers(1, 3))):
                cell = draw(st.sampled_from(["td", "th"]))
                cells += element(cell, draw(html_inline(max_size=2)))
            rows += [newline, *element("tr", cells)]
        body = element("tbody", [*rows, newline]) if draw(st.booleans()) else rows
        return element("table", [*body, newline], attributes=' class="quux"')
    if kind == "comment":
        return [markup(f"<!-- {code}\n  <p>fnord</p> -->")]
    if kind == "script":
        source = draw(
            st.sampled_from(
                [
                    '<script>var {} = "</p>" > 1;</script>',
                    "<style>\np > a {{ {}: 1 }}\n</style>",
                    "<script type='text/javascript'>\n{}();\n</SCRIPT>",
                ]
            )
        )
        return [markup(source.format(code))]
    if kind == "pre":
        return [markup(f"<pre>{code}\n  zorp &amp; <b>fnord</b></pre>")]
    if kind == "hr":
        return [markup(draw(st.sampled_from(["<hr>", "<hr/>", "<br>"])))]
    if kind == "text":  # text straight in the body or a div
        return draw(html_inline())
    inner: list[Frag] = []
    for block in draw(st.lists(html_block(depth - 1), min_size=1, max_size=3)):
        inner += [newline, *block]
    if kind == "quote":
        return element("blockquote", [*inner, newline])
    return element("div", [*inner, newline], attributes=' class="quux" data-note="a > b"')


@st.composite
def html_documents(draw: st.DrawFn) -> Generated:
    body: list[Frag] = []
    for block in draw(st.lists(html_block(), min_size=1, max_size=5)):
        body += [markup(draw(st.sampled_from(["\n", "\n\n", "\n  ", ""]))), *block]
    if draw(st.booleans()):
        title = element("title", words(draw))
        head = [
            markup('<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'),
            *title,
            markup("\n<style>body { fnord: 0 }</style>\n</head>\n<body>"),
        ]
        body = head + body + [markup("\n</body>\n</html>")]
    return draw(encode(split_lines(body)))


# ---------------------------------------------------------------------------------------
# Plain text


@st.composite
def text_paragraph(draw: st.DrawFn) -> list[Line]:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        indent = draw(st.sampled_from(["", "", "  ", "\t"]))
        count = draw(st.sampled_from([2, 3, 12]))  # short lines, or wrapped prose
        lines.append([markup(indent), *words(draw, count, count + 4)])
        if draw(st.booleans()):
            lines[-1].append(prose(draw(st.sampled_from(TERMINATORS))))
    return lines


@st.composite
def text_documents(draw: st.DrawFn) -> Generated:
    blocks = draw(st.lists(text_paragraph(), min_size=1, max_size=5))
    lines: list[Line] = [[] for _ in range(draw(st.integers(0, 2)))]
    for block in blocks:
        if lines:
            blank = draw(st.sampled_from(["", "  ", "\t"]))
            lines += [[markup(blank)] for _ in range(draw(st.integers(1, 2)))]
        lines += block
    return draw(encode(lines))


# ---------------------------------------------------------------------------------------
# Properties 1-4 on realistic documents


@settings(max_examples=600, **SETTINGS)
@given(markdown_documents())
def test_markdown_roundtrip_and_coverage(generated: Generated) -> None:
    document = roundtrip(generated.data, "markdown")
    assert document.warnings == ()
    check_prose(document, generated.prose)


@settings(max_examples=400, **SETTINGS)
@given(html_documents())
def test_html_roundtrip_and_coverage(generated: Generated) -> None:
    document = roundtrip(generated.data, "html")
    check_prose(document, generated.prose)


@settings(max_examples=200, **SETTINGS)
@given(text_documents())
def test_text_roundtrip_and_coverage(generated: Generated) -> None:
    document = roundtrip(generated.data, "text")
    check_prose(document, generated.prose)


@pytest.mark.parametrize(
    ("source", "texts", "codes"),
    [
        # Table rows inside a quote or a list item: cells start after the container markers.
        (
            b"> | Eins | Zwei |\n> |---|---|\n> | Drei | Vier |\n",
            ["Eins", "Zwei", "Drei", "Vier"],
            [],
        ),
        (
            b"- | Eins | Zwei |\n  |---|---|\n  | Drei | Vier |\n",
            ["Eins", "Zwei", "Drei", "Vier"],
            [],
        ),
        # As in markdown-it, a pipe after any backslash does not split the row.
        (b"| A \\\\| B | C |\n| --- | --- |\n", ["A \\\\| B", "C"], []),
        # A ">" that opens a continuation line is text, not a quote marker.
        (
            b"Die Werte lagen\n    > 40 Grad, siehe [Tabelle](https://example.org).\n",
            ["Die Werte lagen\n    > 40 Grad, siehe [Tabelle](https://example.org)."],
            ["\n    ", "[", "](https://example.org)"],
        ),
        # Inline HTML across a CRLF line ending, also inside a block quote.
        (
            b'Ein <abbr\r\n  title="Magnetresonanz">MRT</abbr>.\r\n',
            ['Ein <abbr\r\n  title="Magnetresonanz">MRT</abbr>.'],
            ['<abbr\r\n  title="Magnetresonanz">', "</abbr>"],
        ),
        (
            b'> Ein <abbr\r\n>   title="Magnetresonanz">MRT</abbr>.\r\n',
            ['Ein <abbr\r\n>   title="Magnetresonanz">MRT</abbr>.'],
            ['<abbr\r\n>   title="Magnetresonanz">', "</abbr>"],
        ),
    ],
)
def test_markdown_blocks_found_by_property_tests(
    source: bytes, texts: list[str], codes: list[str]
) -> None:
    document = roundtrip(source, "markdown")
    assert [block.text for block in document.blocks] == texts
    parts = [part for block in document.blocks for part in block.parts]
    assert [part.source for part in parts if isinstance(part, Code)] == codes


# ---------------------------------------------------------------------------------------
# Crash hunting: arbitrary text, and dense soups of each format's syntax

ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
MD_PIECES = (
    "", " ", "  ", "\t", "> ", ">", "- ", "* ", "+ ", "1. ", "2) ", "# ", "## Titel ##",
    "Text *kursiv* und **fett**.", "| a | b |", "|---|:-:|", "a | b", "--- | ---", "```",
    "~~~", "    code", "<div>", "</div>", "<!--", "-->", "***", "---", "===", "[x]: /u 't'",
    "[x] und [y][x]", "![b](i.png)", "<https://a.de>", "`co|de`", "\\|", "Ärzt*innen",
    "Dr. med. Text. Satz!", "b\\", "&amp;", "<span>x</span>", "[l](u 't')", "_a_", "[", "]",
    "(", ")", "`", "<", "\\", "Satz.", "Neu", "|", "*", "_", "~~", "<br>",
)  # fmt: skip
HTML_PIECES = (
    "<p>", "</p>", "<div class='a>b'>", "</div>", "<li>", "<ul>", "</ul>", "<td>", "<tr>",
    "<table>", "<br>", "<em>", "</em>", "<a href=\"x\">", "</a>", "<code>", "</code>",
    "<!--", "-->", "<script>", "</script>", "<pre>", "</pre>", "Text", "Satz. Noch", " ",
    "\n", "\r\n", "\r", "&amp;", "<", ">", "<b", "<!DOCTYPE html>", "<?xml?>", "</ b>",
    "<p/>", "\"", "'", "=", "<h2>", "</h2>", "<blockquote>", "<img alt='x'>", "<span>",
    "</span>", "\t", "<style>", "</style >", "Ärzt*innen", "Dr. med.",
)  # fmt: skip
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def soups(draw: st.DrawFn, pieces: Sequence[str], line_size: int = 3) -> bytes:
    lines = draw(st.lists(st.lists(st.sampled_from(pieces), max_size=line_size), max_size=12))
    text = "".join("".join(line) + draw(ENDINGS) for line in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    bom = UTF8_BOM if draw(st.booleans()) else b""
    return bom + text.encode("utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=300, **SETTINGS)
@given(text=ANY_TEXT)
def test_arbitrary_text_roundtrips(fmt: str, text: str) -> None:
    roundtrip(text.encode("utf-8"), fmt)


@settings(max_examples=1000, **SETTINGS)
@given(soups(MD_PIECES))
def test_markdown_soup_roundtrips(data: bytes) -> None:
    roundtrip(data, "markdown")


@settings(max_examples=600, **SETTINGS)
@given(soups(HTML_PIECES, line_size=6))
def test_html_soup_roundtrips(data: bytes) -> None:
    roundtrip(data, "html")


@settings(max_examples=200, **SETTINGS)
@given(soups(MD_PIECES + HTML_PIECES))
def test_text_soup_roundtrips(data: bytes) -> None:
    roundtrip(data, "text")


# ---------------------------------------------------------------------------------------
# Property 5: editing one paragraph leaves the other paragraphs' segment ids alone

ID_WORDS = ("Die", "Klinik", "stellt", "neue", "Verfahren", "vor", "Röntgen", "Größe", "wir")
EDIT_WORDS = ("Geändert", "ersetzt", "Fassung", "neu", "korrigiert", "Überarbeitung")


def as_sentence(chosen: Sequence[str]) -> str:
    return " ".join(chosen) + "."


SENTENCES = st.lists(st.sampled_from(ID_WORDS), min_size=1, max_size=5).map(as_sentence)
EDITED = st.lists(st.sampled_from(EDIT_WORDS), min_size=1, max_size=5).map(as_sentence)


def render_paragraphs(paragraphs: list[list[str]], fmt: str, joiner: str) -> bytes:
    """A title, then the paragraphs: the block index of paragraph ``i`` is ``i + 1``."""
    texts = [joiner.join(sentences) for sentences in paragraphs]
    if fmt == "html":
        body = "\n".join(f"<p>{text}</p>" for text in texts)
        return f"<h1>Pressemitteilung</h1>\n{body}\n".encode()
    title = "# Pressemitteilung" if fmt == "markdown" else "PRESSEMITTEILUNG"
    return "\n\n".join([title, *texts]).encode("utf-8")


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, bytes, bytes, int]:
    fmt = draw(st.sampled_from(FORMATS))
    # Distinct sentences: a repeated one is numbered ("id-2"), see the test below.
    pool = draw(st.lists(SENTENCES, min_size=2, max_size=10, unique=True))
    cuts = sorted(draw(st.sets(st.integers(1, len(pool) - 1), min_size=1, max_size=4)))
    paragraphs = [pool[a:b] for a, b in zip([0, *cuts], [*cuts, len(pool)], strict=True)]
    target = draw(st.integers(0, len(paragraphs) - 1))
    changed = list(paragraphs)
    changed[target] = draw(st.lists(EDITED, min_size=1, max_size=3))
    joiner = draw(st.sampled_from([" ", "\n"]))
    before = render_paragraphs(paragraphs, fmt, joiner)
    after = render_paragraphs(changed, fmt, joiner)
    return fmt, before, after, target + 1


def ids_by_block(data: bytes, fmt: str) -> list[list[str]]:
    segmented = segment_document(parse(data, fmt))
    return [[segment.id for segment in block.segments] for block in segmented.blocks]


@settings(max_examples=200, **SETTINGS)
@given(edits())
def test_editing_a_paragraph_keeps_other_ids(case: tuple[str, bytes, bytes, int]) -> None:
    fmt, before, after, target = case
    old, new = ids_by_block(before, fmt), ids_by_block(after, fmt)
    assert len(old) == len(new)
    assert old[target] != new[target]
    for index, (old_ids, new_ids) in enumerate(zip(old, new, strict=True)):
        if index != target:
            assert old_ids == new_ids, f"block {index} changed ids after editing {target}"


def test_a_repeated_sentence_is_numbered_in_document_order() -> None:
    """Copies of one text share its hash; later copies add -2, -3 in document order.

    Editing an earlier copy may renumber later ones: copies share their translation, so
    this changes nothing in a rebuild (documented limit of text-derived ids).
    """
    source = b"Weitere Informationen folgen.\n\nDie Klinik.\n\nWeitere Informationen folgen.\n"
    first, clinic, third = (ids[0] for ids in ids_by_block(source, "markdown"))
    assert third == f"{first}-2"
    assert "-" not in clinic


@pytest.mark.parametrize(
    ("fmt", "source"),
    [
        ("markdown", b"*Pressestelle  \n030 1234-5*\n"),  # the close is on a line without letters
        ("html", b"<p><b>Pressekontakt<br>030 1234-5</b></p>"),
        ("markdown", b"Wir. *3. Sie* kommen.\n"),  # the open is in "*3. ", without letters
    ],
)
def test_markup_partner_in_a_dropped_span_is_balanced(fmt: str, source: bytes) -> None:
    """A span without letters is left in the gaps; its markup still balances the segments."""
    document = roundtrip(source, fmt)
    for segment in segment_document(document).segments:
        roles = [span.code.role for span in segment.codes if span.code.pair is not None]
        assert roles.count(Role.OPEN) == roles.count(Role.CLOSE), segment
