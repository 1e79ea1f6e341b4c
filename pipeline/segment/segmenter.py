"""German sentence segmentation over document blocks.

Candidate boundaries are found with one linear scan for sentence-final punctuation; each
candidate is then judged from a few characters around it (abbreviations, ordinals, the
case of the next word, URLs), so the whole pass stays linear in the size of the text.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from pipeline.document.model import Block, BlockKind, Code, CodeKind, Document, LineIndex, Role
from pipeline.segment.rules import SegmentationRules, load_rules
from pipeline.segment.urls import UrlOrEmail


class Level(StrEnum):
    SENTENCE = "sentence"
    PARAGRAPH = "paragraph"


@dataclass(frozen=True)
class CodeSpan:
    """Where an inline code sits in a segment's text."""

    start: int
    end: int
    code: Code
    synthetic: bool = False  # added to balance markup that spans several segments


@dataclass(frozen=True)
class Segment:
    """One unit of translation: usually a sentence, with balanced inline codes."""

    id: str
    text: str  # lead + the source text + trail
    block: int  # index into Document.blocks
    kind: BlockKind
    line: int
    codes: tuple[CodeSpan, ...]
    lead: str = ""  # markup reopened from the previous segment (not in the source here)
    trail: str = ""  # markup closed here and reopened in the next segment

    @property
    def source(self) -> str:
        """The segment's text exactly as it stands in the source."""
        return self.text[len(self.lead) : len(self.text) - len(self.trail)]

    @property
    def words(self) -> int:
        """Words outside inline codes."""
        plain = []
        cursor = 0
        for span in self.codes:
            plain.append(self.text[cursor : span.start])
            cursor = span.end
        plain.append(self.text[cursor:])
        return len(_WORD.findall(" ".join(plain)))

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready record."""
        return {
            "id": self.id,
            "line": self.line,
            "block": self.block,
            "kind": self.kind.value,
            "text": self.text,
            "lead": self.lead,
            "trail": self.trail,
            "codes": [
                {
                    "start": span.start,
                    "end": span.end,
                    "kind": span.code.kind.value,
                    "role": span.code.role.value,
                    "source": span.code.source,
                    "synthetic": span.synthetic,
                }
                for span in self.codes
            ],
        }


@dataclass(frozen=True)
class SegmentedBlock:
    """A block's segments and the exact text around them (``len(gaps) == len(segments)+1``)."""

    index: int
    segments: tuple[Segment, ...]
    gaps: tuple[str, ...]


@dataclass(frozen=True)
class SegmentedDocument:
    document: Document
    blocks: tuple[SegmentedBlock, ...]
    level: Level

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(segment for block in self.blocks for segment in block.segments)


_TERMINATOR = re.compile(r"[.!?…]+")
_URL_OR_EMAIL = UrlOrEmail(r"(?:https?://|ftp://|www\.)[^\s<>\"„“”»«]++")
_URL_TRAILING = ".,;:!?)]}'\"“”‘’»«*_"
_CLOSERS = frozenset("“”\"'’‘»«)]")
_OPENERS = frozenset("„“\"'‚‘»«([")
_WORD_STOPS = frozenset("„“”\"'‚‘’»«([{/")
_ORDINAL = re.compile(r"\d{1,3}")
_SHORT_DATE = re.compile(r"\d{1,2}\.\d{1,2}")
_ORDINAL_RANGE = re.compile(r"\d{1,3}\.[-–—]\d{1,3}")  # "2.–4. Klasse", "6.-8. Oktober"
# A quoted slogan of one- or two-word fragments („Forschen. Heilen. Lehren.“): its inner
# periods end no sentence; the last one is judged as usual. Bounded, so linear in time.
_FRAGMENT = r"[^\W\d_][\w-]{0,30}(?: [^\W\d_][\w-]{0,30})?"
_SLOGAN = re.compile(rf"[„»«\"“‚‘]((?:{_FRAGMENT}[.!?] ){{1,8}}{_FRAGMENT})[.!?][“”«»\"‘’]")
# Items run together on one line: a bullet, or a dash or star before a number ("– 2.").
_BULLET = re.compile(r"(?<!\s)(?:\s+(?=[•◦▪‣][ \t])|(?<!\d\.)\s+(?=[-–*][ \t]+\d{1,2}\.\s))")
_LINE_BULLET = re.compile(r"[-–*](?=[ \t])")  # a line that opens with one: a list
_ITEM_NUMBER = re.compile(r"(?<!\S)(\d{1,2})\.(?=[ \t]+[^\W\d_])")
_MAX_WORD = 60
_WORD = re.compile(r"\w+(?:[-'’:*_]\w+)*")


def segment_document(
    document: Document,
    level: Level = Level.SENTENCE,
    rules: SegmentationRules | None = None,
) -> SegmentedDocument:
    """Split every block of ``document`` into segments."""
    rules = rules or load_rules()
    lines = LineIndex(document.text)
    seen: Counter[str] = Counter()
    blocks = []
    for index, block in enumerate(document.blocks):
        view = _BlockView(block)
        spans = _segment_spans(view, block.kind, level, rules)
        blocks.append(_build_block(index, block, view, spans, lines, seen))
    return SegmentedDocument(document, tuple(blocks), level)


def segment_text(text: str, rules: SegmentationRules | None = None) -> list[str]:
    """Split one paragraph of plain text into sentences."""
    block = Block(BlockKind.PARAGRAPH, "p", 0, len(text), 1, (text,))
    spans = _segment_spans(_BlockView(block), block.kind, Level.SENTENCE, rules or load_rules())
    return [text[start:end] for start, end in spans]


def rebuild(segmented: SegmentedDocument, translations: dict[str, str] | None = None) -> bytes:
    """Write the document with each segment replaced by its translation (if any)."""
    translations = translations or {}
    texts = []
    for block in segmented.blocks:
        pieces = [block.gaps[0]]
        for segment, gap in zip(block.segments, block.gaps[1:], strict=True):
            pieces.append(_without_synthetic(segment, translations.get(segment.id, segment.text)))
            pieces.append(gap)
        texts.append("".join(pieces))
    return segmented.document.render(texts)


def _without_synthetic(segment: Segment, text: str) -> str:
    if segment.lead and text.startswith(segment.lead):
        text = text[len(segment.lead) :]
    if segment.trail and text.endswith(segment.trail):
        text = text[: len(text) - len(segment.trail)]
    return text


class _BlockView:
    """A block's text with quick answers about where its codes are."""

    def __init__(self, block: Block) -> None:
        self.text = block.text
        self.codes: list[tuple[int, int, Code]] = []
        self.by_part: dict[int, tuple[int, int, Code]] = {}
        offset = 0
        for part_index, part in enumerate(block.parts):
            if isinstance(part, str):
                offset += len(part)
            else:
                entry = (offset, offset + len(part.source), part)
                self.codes.append(entry)
                self.by_part[part_index] = entry
                offset += len(part.source)
        self.code_starts = [start for start, _, _ in self.codes]

    def code_at(self, position: int) -> tuple[int, int, Code] | None:
        """The code covering ``position``, if any."""
        index = bisect.bisect_right(self.code_starts, position) - 1
        if index >= 0 and self.codes[index][1] > position:
            return self.codes[index]
        return None

    def code_ending_at(self, position: int) -> tuple[int, int, Code] | None:
        return self.code_at(position - 1) if position > 0 else None

    def codes_from(self, offset: int) -> Iterator[tuple[int, int, Code]]:
        """The codes that start at or after ``offset``, in order (without copying the list)."""
        for index in range(bisect.bisect_left(self.code_starts, offset), len(self.codes)):
            yield self.codes[index]


def _segment_spans(
    view: _BlockView, kind: BlockKind, level: Level, rules: SegmentationRules
) -> list[tuple[int, int]]:
    """Offsets (in the block text) of the translatable segments, trimmed."""
    line_cuts: list[tuple[int, int]] = []
    for start, end, code in view.codes:
        if code.kind is CodeKind.LINE_BREAK and level is Level.SENTENCE:
            line_cuts.append((start, end))
    sentence_cuts = []
    if level is Level.SENTENCE and kind is not BlockKind.HEADING:
        sentence_cuts = _sentence_cuts(view, rules)
    # (left end, right start, whether a line break makes the cut), in order
    cuts = sorted([(*cut, True) for cut in line_cuts] + [(*cut, False) for cut in sentence_cuts])
    lines: list[list[tuple[int, int]]] = [[]]
    cursor = 0
    for left_end, right_start, is_line_break in cuts:
        if left_end < cursor:
            continue  # a sentence cut in the same gap as one already made
        lines[-1].append((cursor, left_end))
        if is_line_break:
            lines.append([])
        cursor = right_start
    lines[-1].append((cursor, len(view.text)))
    spans = [span for line in lines for span in _line_spans(view, line)]
    if not any(_has_words(view, start, end) for start, end in spans):
        return []  # nothing to translate: the block is copied as it stands
    return spans


def _line_spans(view: _BlockView, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The segments of one line, trimmed: no text of it is left out of them.

    A piece without words ("12\\." before "März 2024", a bullet, an inline code after
    "e.g.") joins the next piece of its line, or at the line's end the previous one; a
    line without words at all (a phone number in a contact block) is a segment of its own.
    """
    trimmed = [_trim(view, start, end) for start, end in pieces]
    trimmed = [(start, end) for start, end in trimmed if start < end]
    spans: list[tuple[int, int]] = []
    pending: int | None = None  # start of the wordless pieces waiting for a worded one
    for start, end in trimmed:
        if _has_words(view, start, end):
            spans.append((start if pending is None else pending, end))
            pending = None
        elif pending is None:
            pending = start
    if pending is not None:
        if spans:
            spans[-1] = (spans[-1][0], trimmed[-1][1])
        else:
            spans.append((pending, trimmed[-1][1]))
    return spans


def _trim(view: _BlockView, start: int, end: int) -> tuple[int, int]:
    """Move the span's ends inward past whitespace and line breaks."""
    start = _skip(view, start, end, lambda code: code.is_break, str.isspace)
    while end > start:
        code = view.code_ending_at(end)
        if code is not None:
            if not code[2].is_break:
                break
            end = code[0]
        elif view.text[end - 1].isspace():
            end -= 1
        else:
            break
    return start, end


def _has_words(view: _BlockView, start: int, end: int) -> bool:
    """Whether the span holds a letter outside codes (``&nbsp;`` is no letter, ``&auml;`` is)."""
    pieces = []
    position = start
    for code_start, code_end, _ in view.codes_from(start):
        if code_start >= end:
            break
        pieces.append(view.text[position:code_start])
        position = code_end
    pieces.append(view.text[position:end])
    plain = "".join(pieces)
    if "&" in plain:
        plain = html.unescape(plain)
    return any(char.isalpha() for char in plain)


def _sentence_cuts(view: _BlockView, rules: SegmentationRules) -> list[tuple[int, int]]:
    text = view.text
    protected = sorted(_url_spans(text) + _slogan_spans(text))
    protected_starts = [start for start, _ in protected]
    cuts, markers = _item_cuts(view)
    after: _After | None = None
    for match in _TERMINATOR.finditer(text):
        if view.code_at(match.start()) or _inside(protected, protected_starts, match.start()):
            continue
        if match.start() in markers:
            continue  # "2." that numbers an item stays with it
        if after is None or match.end() > after.left_end:
            after = _after(view, match.end())
        # else: this terminator lies in the run of closers and terminators skipped after an
        # earlier one ("„Ja.“."): what follows it is the same, and is not scanned again.
        cut = _judge(view, match, rules, after)
        if cut is not None:
            cuts.append(cut)
    return cuts


@dataclass(frozen=True)
class _After:
    """What follows a terminator: the end of its sentence, the start of the next one, and
    the word that opens it (None if none can)."""

    left_end: int
    right_start: int
    following: str | None


def _after(view: _BlockView, position: int) -> _After:
    left_end = _skip_closers(view, position)
    right_start = _skip_space(view, left_end)
    if right_start == left_end or right_start >= len(view.text):
        return _After(left_end, right_start, None)  # no space after it, or the block's end
    return _After(left_end, right_start, _next_word(view, right_start))


def _slogan_spans(text: str) -> list[tuple[int, int]]:
    """Quoted slogans of short fragments, up to (not including) their last terminator."""
    return [match.span(1) for match in _SLOGAN.finditer(text)]


def _item_cuts(view: _BlockView) -> tuple[list[tuple[int, int]], set[int]]:
    """Cuts before the items of a list run together on one line ("• 1. Anmeldung • 2. …"),
    and the periods of the numbers that open items (never a cut after them)."""
    text = view.text
    cuts = []
    markers = set()
    bullets = set()
    for match in _BULLET.finditer(text):
        if match.start() > 0 and view.code_at(match.end()) is None:
            cuts.append((match.start(), match.end()))
            bullets.add(match.end())
    line_start = 0
    for line in text.splitlines(keepends=True):
        opener = _LINE_BULLET.match(line)
        if opener is not None:  # "– Bildgebung – KI – Strahlenschutz"
            for match in re.finditer(rf"\s+(?={re.escape(opener.group())}[ \t])", line):
                if match.start() > 0 and view.code_at(line_start + match.end()) is None:
                    cuts.append((line_start + match.start(), line_start + match.end()))
                    bullets.add(line_start + match.end())
        cuts.extend(_numbered_cuts(view, line_start, line, bullets, markers))
        line_start += len(line)
    return cuts, markers


def _numbered_cuts(
    view: _BlockView, offset: int, line: str, bullets: set[int], markers: set[int]
) -> list[tuple[int, int]]:
    """Cuts before "2.", "3." … when a line numbers its items 1., 2., … after a colon, a
    bullet or the line's start; adds the periods of those numbers to ``markers``."""
    cuts = []
    expected = 1
    for match in _ITEM_NUMBER.finditer(line):
        number = int(match.group(1))
        start = offset + match.start()
        space = match.start()  # where the spaces before the number start, in the line
        while space > 0 and line[space - 1] in " \t":
            space -= 1
        after_bullet = _bullet_before(view.text, start, bullets)
        if number == 1:
            opens = space == 0 or line[space - 1] == ":" or after_bullet
            expected = 2 if opens else 0
            if not opens:
                continue
        elif number != expected:
            continue
        else:
            expected += 1
        markers.add(offset + match.end() - 1)
        if not after_bullet and 0 < space < match.start():
            cuts.append((offset + space, start))
    return cuts


def _bullet_before(text: str, position: int, bullets: set[int]) -> bool:
    """Whether a bullet (with its space) stands right before ``position``."""
    space = position
    while space > 0 and text[space - 1] in " \t":
        space -= 1
    return space - 1 in bullets


def _url_spans(text: str) -> list[tuple[int, int]]:
    """URLs and e-mail addresses, without trailing punctuation ("siehe www.drg.de. Dort")."""
    spans = []
    for match in _URL_OR_EMAIL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _URL_TRAILING:
            end -= 1
        spans.append((match.start(), end))
    return spans


def _inside(spans: list[tuple[int, int]], starts: list[int], position: int) -> bool:
    index = bisect.bisect_right(starts, position) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def _judge(
    view: _BlockView, match: re.Match[str], rules: SegmentationRules, after: _After
) -> tuple[int, int] | None:
    """The cut (end of this sentence, start of the next) at a terminator, or None."""
    text = view.text
    left_end, right_start, following = after.left_end, after.right_start, after.following
    if following is None:
        return None
    terminator = match.group()
    if terminator[0] in "…" or terminator.startswith(".."):
        if match.start() > 0 and text[match.start() - 1] in "[(":
            return None  # "[…]" marks an omission inside a quotation
        return left_end, right_start
    if terminator != ".":
        return left_end, right_start
    if _period_ends_sentence(view, match.start(), following, rules):
        return left_end, right_start
    return None


def _skip(
    view: _BlockView,
    position: int,
    limit: int,
    skip_code: Callable[[Code], bool],
    skip_char: Callable[[str], bool],
) -> int:
    """The first position from ``position`` whose code or character is not to be skipped."""
    text = view.text
    while position < limit:
        code = view.code_at(position)
        if code is not None:
            if not skip_code(code[2]):
                break
            position = code[1]
        elif skip_char(text[position]):
            position += 1
        else:
            break
    return position


def _skip_closers(view: _BlockView, position: int) -> int:
    """Past closing quotes, brackets, closing markup and further terminators."""
    return _skip(
        view,
        position,
        len(view.text),
        lambda code: code.role is Role.CLOSE,
        lambda char: char in _CLOSERS or char in ".!?…",
    )


def _skip_space(view: _BlockView, position: int) -> int:
    """Past whitespace and soft line breaks (a hard line break is a cut of its own)."""
    return _skip(
        view, position, len(view.text), lambda code: code.kind is CodeKind.SOFT_BREAK, str.isspace
    )


def _next_word(view: _BlockView, position: int) -> str | None:
    """The word that would open the next sentence; None if it cannot open one."""
    text = view.text
    while position < len(text):
        code = view.code_at(position)
        if code is not None:
            if code[2].role is not Role.OPEN:
                return "" if code[2].kind in (CodeKind.CODE, CodeKind.IMAGE) else None
            position = code[1]
        elif text[position] in _OPENERS:
            position += 1
        else:
            break
    if position >= len(text):
        return None
    first = text[position]
    if not (first.isupper() or first.isdigit()):
        return None
    end = position
    while end < len(text) and end - position < _MAX_WORD and text[end].isalnum():
        end += 1
    return text[position:end]


def _period_ends_sentence(
    view: _BlockView, period: int, following: str, rules: SegmentationRules
) -> bool:
    text = view.text
    word_start = period
    while (
        word_start > 0
        and period - word_start < _MAX_WORD
        and not text[word_start - 1].isspace()
        and text[word_start - 1] not in _WORD_STOPS
        and view.code_at(word_start - 1) is None
    ):
        word_start -= 1
    word = text[word_start:period]
    if word.endswith("\\"):
        word = word[:-1]  # "12\. März": escaped so that CommonMark starts no list
    if not word:
        return True
    starts_sentence = following in rules.starters
    for candidate in _abbreviation_candidates(text, word_start, word):
        if candidate in rules.inside:
            return False
        if candidate in rules.final:
            return starts_sentence
    if len(word) > 1 and (word + ".").endswith(rules.inside_suffixes):
        return False
    if len(word) == 1 and word.isalpha():
        return starts_sentence  # an initial ("Julian C. Caspers"), or a letter that ends one
    if _SHORT_DATE.fullmatch(word):
        return starts_sentence  # "am 24.09. beginnt …"
    if _ORDINAL.fullmatch(word) and not starts_sentence:
        return not _reads_as_ordinal(text, word_start, following, rules)
    if _ORDINAL_RANGE.fullmatch(word):
        return starts_sentence
    return starts_sentence or not _reads_as_abbreviation(word, following, rules)


def _reads_as_abbreviation(word: str, following: str, rules: SegmentationRules) -> bool:
    """A short lower-case word before a capitalised one ("röm. Kaiser", "em. Prof."),
    unless it is a word that ends sentences ("… fest. Patienten")."""
    return (
        len(word) <= 4
        and word.isalpha()
        and word.islower()
        and following[:1].isupper()
        and word not in rules.sentence_final_words
    )


def _reads_as_ordinal(text: str, word_start: int, following: str, rules: SegmentationRules) -> bool:
    """True for "am 3. Quartal", "vom 28. bis"; false for "stieg auf 700. Neue …"."""
    if following in rules.months:
        return True
    space = word_start
    while space > 0 and text[space - 1].isspace() and word_start - space < _MAX_WORD:
        space -= 1
    if "\n" in text[space:word_start] or "\r" in text[space:word_start]:
        return True  # at the start of a line: "Symposium 2019,\n12. Fortbildungstag"
    if space > 0 and text[space - 1] in ",)(/":
        return True  # "…, 2. Schriftführerin", "(Klinikum Nord), 2. Vorsitzende"
    previous = _previous_token(text, word_start)
    return previous is not None and previous[0].lower() in rules.ordinal_preceders


def _abbreviation_candidates(text: str, word_start: int, word: str) -> list[str]:
    """The word with its period, joined with up to three earlier ``x.`` tokens."""
    candidates = [word + "."]
    if "-" in word:
        candidates.append(word.rsplit("-", 1)[1] + ".")
    joined = word + "."
    position = word_start
    for _ in range(3):
        previous = _previous_token(text, position)
        if previous is None:
            break
        token, position = previous
        if not token.endswith(".") or len(token) > 6:
            break
        joined = token + joined
        candidates.append(joined)
    return candidates


def _previous_token(text: str, position: int) -> tuple[str, int] | None:
    """The token before ``position`` if only one space separates them."""
    if position < 2 or text[position - 1] != " " or text[position - 2].isspace():
        return None
    end = position - 1
    start = end
    while start > 0 and not text[start - 1].isspace() and end - start < _MAX_WORD:
        start -= 1
    return text[start:end], start


def _build_block(
    index: int,
    block: Block,
    view: _BlockView,
    spans: list[tuple[int, int]],
    lines: LineIndex,
    seen: Counter[str],
) -> SegmentedBlock:
    text = view.text
    leads, trails = _balancing_markup(view, spans)
    segments = []
    gaps = []
    cursor = 0
    for number, (start, end) in enumerate(spans):
        gaps.append(text[cursor:start])
        cursor = end
        lead = "".join(code.source for code in leads[number])
        trail = "".join(code.source for code in trails[number])
        segment_text = lead + text[start:end] + trail
        seen[segment_text] += 1
        segments.append(
            Segment(
                id=_segment_id(segment_text, seen[segment_text]),
                text=segment_text,
                block=index,
                kind=block.kind,
                line=lines.line_of(block.start + start),
                codes=_code_spans(view, start, end, leads[number], trails[number]),
                lead=lead,
                trail=trail,
            )
        )
    gaps.append(text[cursor:])
    return SegmentedBlock(index, tuple(segments), tuple(gaps))


def _segment_id(text: str, occurrence: int) -> str:
    """A hash of the segment's text, so editing other paragraphs leaves it alone.

    Later copies of the same text are numbered (``-2``, ``-3``) in document order.
    """
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return digest if occurrence == 1 else f"{digest}-{occurrence}"


def _balancing_markup(
    view: _BlockView, spans: list[tuple[int, int]]
) -> tuple[list[list[Code]], list[list[Code]]]:
    """Codes to reopen at the start and to close at the end of each segment.

    A segment needs a pair's opening code when the pair opened before the segment, and
    its closing code when the pair closes after it, wherever (segment or gap) that is.
    """
    leads: list[list[tuple[int, Code]]] = [[] for _ in spans]
    trails: list[list[tuple[int, Code]]] = [[] for _ in spans]
    ends = [end for _, end in spans]
    for code_start, _, code in view.codes:
        if code.role is not Role.OPEN or code.pair is None:
            continue
        close_start, _, close = view.by_part[code.pair]
        number = bisect.bisect_right(ends, code_start)
        while number < len(spans) and spans[number][0] <= close_start:
            start, end = spans[number]
            if code_start < start:
                leads[number].append((code_start, code))
            if close_start >= end:
                trails[number].append((code_start, close))
            number += 1
    lead_codes = [[code for _, code in sorted(items, key=_first)] for items in leads]
    trail_codes = [
        [code for _, code in sorted(items, key=_first, reverse=True)] for items in trails
    ]
    return lead_codes, trail_codes


def _first(item: tuple[int, Code]) -> int:
    return item[0]


def _code_spans(
    view: _BlockView, start: int, end: int, lead: list[Code], trail: list[Code]
) -> tuple[CodeSpan, ...]:
    spans = []
    offset = 0
    for code in lead:
        spans.append(CodeSpan(offset, offset + len(code.source), code, synthetic=True))
        offset += len(code.source)
    shift = offset - start
    for code_start, code_end, code in view.codes_from(start):
        if code_start >= end:
            break
        spans.append(CodeSpan(code_start + shift, code_end + shift, code))
    offset = end + shift
    for code in trail:
        spans.append(CodeSpan(offset, offset + len(code.source), code, synthetic=True))
        offset += len(code.source)
    return tuple(spans)
