"""Re-insert placeholders a model lost, at positions found through its attention.

When a model drops or garbles placeholders, the segment is translated again without
them, with CTranslate2's ``return_attention``; each placeholder is then put next to the
target token that attends most to the source token it stood beside (the tag transfer
Bergamot uses for HTML in Firefox Translations).

The target pieces are never joined here: :func:`detokenise` cuts them at the placeholders
and decodes each run with the package's own tokenizer (SentencePiece with its byte
fallback, or BPE with ``@@`` continuations and Moses detokenisation), so the spaces
between words, the byte tokens and the BPE markers come out as the package writes them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pipeline.mt.protect import PLACEHOLDER

_SPACED_PLACEHOLDER = re.compile(rf"\s*{PLACEHOLDER.pattern}\s*")
_WORD = re.compile(r"\w")
_BYTE = re.compile(r"<0x([0-9A-Fa-f]{2})>")
# insert_by_attention's SentencePiece rendering: opening placeholders (each followed by ▁
# when it stood apart), the piece, closing placeholders (each preceded by ▁ when apart).
_GLUED = re.compile(
    rf"(?P<space>▁?)(?P<opening>(?:{PLACEHOLDER.pattern}▁?)*)(?P<piece>.*?)"
    rf"(?P<closing>(?:▁?{PLACEHOLDER.pattern})*)",
    re.DOTALL,
)

Decode = Callable[[list[str]], str]


class Scheme(StrEnum):
    """How a package's tokenizer marks words in its pieces."""

    SENTENCEPIECE = "sentencepiece"  # "▁" opens a word; <0x..> pieces are UTF-8 bytes
    BPE = "bpe"  # Moses tokens, "@@" at the end of a piece continues the word


@dataclass(frozen=True)
class Anchor:
    """Where a placeholder sat in the source with the placeholders removed."""

    placeholder: str
    offset: int  # character offset in the stripped source
    before_word: bool  # it opened a word ("⟦1⟧hier"), rather than closing one ("hier⟦2⟧")
    space_before: bool = False  # it stood apart from the previous word ("in ⟦3⟧")
    space_after: bool = False


@dataclass(frozen=True)
class Mark:
    """A placeholder between target pieces, attached to the word after or before it."""

    placeholder: str
    opens: bool  # glued to the start of the next word, rather than the end of the previous
    spaced: bool = False  # a space between it and that word ("⟦1⟧ presents", "Berlin ⟦2⟧")


def mark_for(anchor: Anchor) -> Mark:
    """How ``anchor``'s placeholder attaches in the translation, as it did in the source."""
    if anchor.before_word:
        return Mark(anchor.placeholder, opens=True)
    if anchor.offset == 0:  # a word of its own at the start: "⟦1⟧ präsentiert"
        return Mark(anchor.placeholder, opens=True, spaced=anchor.space_after)
    return Mark(anchor.placeholder, opens=False, spaced=anchor.space_before)


def strip_placeholders(masked: str) -> tuple[str, list[Anchor]]:
    """The masked text without placeholders, and where each one was."""
    pieces: list[str] = []
    anchors: list[Anchor] = []
    cursor = 0
    length = 0
    for match in _SPACED_PLACEHOLDER.finditer(masked):
        piece = masked[cursor : match.start()]
        pieces.append(piece)
        length += len(piece)
        after = masked[match.end() : match.end() + 1]
        before_word = bool(after and _WORD.match(after)) and match.group()[-1] != " "
        joint = " " if _needs_space(masked, match) and length else ""
        anchors.append(
            Anchor(
                match.group().strip(),
                length + (len(joint) if before_word else 0),
                before_word,
                space_before=match.group()[0].isspace(),
                space_after=match.group()[-1].isspace(),
            )
        )
        pieces.append(joint)
        length += len(joint)
        cursor = match.end()
    pieces.append(masked[cursor:])
    return "".join(pieces), anchors


def _needs_space(text: str, match: re.Match[str]) -> bool:
    return match.group() != match.group().strip() and match.end() < len(text)


def token_offsets(
    pieces: Sequence[str], text: str = "", scheme: Scheme = Scheme.SENTENCEPIECE
) -> list[int]:
    """Start offset of each source piece in the text it was cut from.

    SentencePiece: ``▁`` is a space and a byte piece is a byte of UTF-8 (the first byte of
    a character counts as the character). BPE: each Moses token is looked up in ``text``
    (Moses adds spaces and escapes ``&'"<>[]|``), its pieces follow one another inside it.
    """
    if scheme is Scheme.BPE:
        return _bpe_offsets(pieces, text)
    offsets = []
    position = 0
    for index, piece in enumerate(pieces):
        byte = _BYTE.fullmatch(piece)
        if byte:
            piece_text = "" if 0x80 <= int(byte.group(1), 16) < 0xC0 else "x"
        else:
            piece_text = piece.replace("▁", " ")
        if index == 0:
            piece_text = piece_text.lstrip(" ")
        leading = len(piece_text) - len(piece_text.lstrip(" "))
        offsets.append(position + leading)
        position += len(piece_text)
    return offsets


def _bpe_offsets(pieces: Sequence[str], text: str) -> list[int]:
    offsets: list[int] = []
    cursor = 0
    word: list[str] = []
    for piece in pieces:
        word.append(piece)
        if piece.endswith("@@"):
            continue
        parts = [part.removesuffix("@@") for part in word]
        surface = html.unescape("".join(parts))
        found = text.find(surface, cursor) if surface else -1
        start = found if found >= 0 else cursor
        length = 0
        for part in parts:
            offsets.append(start + min(length, len(surface)))
            length += len(part)
        cursor = start + len(surface) if found >= 0 else cursor
        word = []
    for index, _ in enumerate(word):  # a word the model left open ("Depart@@" at the end)
        offsets.append(cursor + index)
    return offsets


def place_by_attention(
    source_pieces: Sequence[str],
    target_pieces: Sequence[str],
    attention: Sequence[Sequence[float]],
    anchors: Sequence[Anchor],
    scheme: Scheme = Scheme.SENTENCEPIECE,
    source_text: str = "",
) -> list[str | Mark]:
    """The target pieces with a :class:`Mark` for each anchor, at its aligned word.

    A mark goes before the first piece of the word it opens, or after the last piece of
    the word it closes, never between two pieces of one word (nor two bytes of a character).
    """
    if scheme is Scheme.BPE and not source_text:
        source_text = " ".join(source_pieces).replace("@@ ", "")
    source_starts = token_offsets(source_pieces, source_text, scheme)
    opening: dict[int, list[Mark]] = {}  # marks before piece i
    closing: dict[int, list[Mark]] = {}  # marks after piece i
    for anchor in anchors:
        source_index = _source_token(source_starts, anchor)
        target_index = most_attentive(attention, source_index, len(target_pieces))
        mark = mark_for(anchor)
        if mark.opens:
            opening.setdefault(word_start(target_pieces, target_index, scheme), []).append(mark)
        else:
            closing.setdefault(word_end(target_pieces, target_index, scheme), []).append(mark)
    result: list[str | Mark] = []
    for index, piece in enumerate(target_pieces):
        result += opening.get(index, [])
        result.append(piece)
        result += closing.get(index, [])
    return result  # with no target pieces, no marks: nothing to attach them to


def insert_by_attention(
    source_pieces: Sequence[str],
    target_pieces: Sequence[str],
    attention: Sequence[Sequence[float]],
    anchors: Sequence[Anchor],
) -> list[str]:
    """SentencePiece target pieces with each anchor's placeholder glued to its aligned word
    (``"▁⟦1⟧here"``, ``"here⟦2⟧"``); :func:`join_pieces` decodes them."""
    placed = place_by_attention(source_pieces, target_pieces, attention, anchors)
    result: list[str] = []
    opening: list[Mark] = []
    for item in placed:
        if isinstance(item, Mark) and item.opens:
            opening.append(item)
        elif isinstance(item, Mark):
            spaced = "▁" if item.spaced else ""
            if result:
                result[-1] += spaced + item.placeholder
            else:
                result.append(spaced + item.placeholder)
        else:
            glued = "".join(mark.placeholder + ("▁" if mark.spaced else "") for mark in opening)
            opening = []
            piece = item
            if glued:
                piece = "▁" + glued + piece[1:] if piece.startswith("▁") else glued + piece
            result.append(piece)
    if opening:
        result.append("".join(mark.placeholder for mark in opening))
    return result


def _is_word_start(pieces: Sequence[str], index: int, scheme: Scheme) -> bool:
    if index <= 0:
        return True
    if scheme is Scheme.BPE:
        return not pieces[index - 1].endswith("@@")
    return pieces[index].startswith("▁")


def word_start(pieces: Sequence[str], index: int, scheme: Scheme) -> int:
    """The piece that starts the word containing piece ``index``."""
    while not _is_word_start(pieces, index, scheme):
        index -= 1
    return index


def word_end(pieces: Sequence[str], index: int, scheme: Scheme) -> int:
    """The last piece of the word containing piece ``index`` (punctuation not included)."""
    if scheme is Scheme.BPE:
        while index + 1 < len(pieces) and pieces[index].endswith("@@"):
            index += 1
        return index
    while index + 1 < len(pieces) and not pieces[index + 1].startswith("▁"):
        following = pieces[index + 1]
        byte = _BYTE.fullmatch(following)
        continuation = bool(byte) and 0x80 <= int(byte.group(1), 16) < 0xC0
        letter = (_byte_character(pieces, index + 1) if byte else following[:1]).isalnum()
        if not (continuation or letter):  # the rest of a character, or of the word
            break
        index += 1
    return index


def _byte_character(pieces: Sequence[str], index: int) -> str:
    """The character that the byte pieces from ``index`` on spell ("" if none)."""
    data = bytearray()
    for piece in pieces[index : index + 4]:
        byte = _BYTE.fullmatch(piece)
        if not byte:
            break
        data.append(int(byte.group(1), 16))
        text = data.decode("utf-8", errors="ignore")
        if text:
            return text
    return ""


def _source_token(starts: list[int], anchor: Anchor) -> int:
    """The token right after an opening placeholder, or right before a closing one."""
    following = next((i for i, start in enumerate(starts) if start >= anchor.offset), len(starts))
    if anchor.before_word:
        return min(following, len(starts) - 1)
    return max(following - 1, 0)


def most_attentive(attention: Sequence[Sequence[float]], source: int, length: int) -> int:
    rows = attention[:length]
    if not rows:
        return 0
    return max(
        range(len(rows)), key=lambda row: rows[row][source] if source < len(rows[row]) else 0
    )


def detokenise(items: Sequence[str | Mark], decode: Decode) -> str:
    """Pieces and placeholders as text: each run of pieces between placeholders decoded
    with ``decode`` (the package's tokenizer), the runs joined with the placeholders.

    A placeholder glued to a word stays glued to it; elsewhere the runs' own spacing
    decides (what ``decode`` puts between the last piece before and the first after),
    with single spaces.
    """
    runs: list[list[str]] = [[]]
    groups: list[list[Mark]] = []  # groups[i] stands between runs[i] and runs[i + 1]
    for item in items:
        if isinstance(item, Mark):
            if runs[-1] or not groups:
                groups.append([])
                runs.append([])
            groups[-1].append(item)
        else:
            runs[-1].append(item)
    texts = [decode(list(run)) if run else "" for run in runs]
    parts = [texts[0]]
    for number, group in enumerate(groups):
        spaced = _spaced(decode, runs[number], runs[number + 1], texts[number : number + 2])
        previous: Mark | None = None
        for mark in group:
            parts += [_between(previous, mark, spaced), mark.placeholder]
            previous = mark
        parts += [_between(previous, None, spaced), texts[number + 1]]
    text = ""
    for part in parts:
        if part == " " and (not text or text[-1].isspace()):
            continue
        text += part[1:] if text[-1:].isspace() and part[:1].isspace() else part
    return text.strip()


def _between(left: Mark | None, right: Mark | None, spaced: bool) -> str:
    """The space between two neighbours at one place: a run of pieces (None) or a mark."""
    if right is not None and not right.opens and (left is None or not left.opens):
        return " " if right.spaced else ""  # a closing mark after its word
    if left is not None and left.opens and (right is None or right.opens):
        return " " if left.spaced else ""  # an opening mark before its word
    return " " if spaced else ""


def _spaced(decode: Decode, left: list[str], right: list[str], texts: Sequence[str]) -> bool:
    """Whether the package's decoding puts a space between ``left`` and ``right``."""
    before, after = texts
    if not before or not after:
        return True
    joint = decode([*left, *right])
    if joint.startswith(before):
        return joint[len(before) : len(before) + 1].isspace()
    if joint.endswith(after):
        return joint[: len(joint) - len(after)][-1:].isspace()
    return True


def decode_markers(pieces: Sequence[str]) -> str:
    """SentencePiece pieces as text without a processor: ``▁`` is a space, runs of byte
    pieces are UTF-8. For tests and tools; the engine decodes with the package's own."""
    text = ""
    data = bytearray()
    for piece in pieces:
        byte = _BYTE.fullmatch(piece)
        if byte:
            data.append(int(byte.group(1), 16))
            continue
        text += data.decode("utf-8", errors="replace") + piece.replace("▁", " ")
        data.clear()
    text += data.decode("utf-8", errors="replace")
    return " ".join(text.split())


def join_pieces(pieces: Sequence[str], decode: Decode = decode_markers) -> str:
    """Decode :func:`insert_by_attention`'s pieces (placeholders glued in) with ``decode``."""
    return detokenise(_unglue(pieces), decode)


def _unglue(pieces: Sequence[str]) -> list[str | Mark]:
    items: list[str | Mark] = []
    for piece in pieces:
        glued = _GLUED.fullmatch(piece)
        assert glued is not None  # every part of the pattern may be empty
        for found in PLACEHOLDER.finditer(glued.group("opening")):
            spaced = glued.group("opening")[found.end() : found.end() + 1] == "▁"
            items.append(Mark(found.group(), opens=True, spaced=spaced))
        if glued.group("space") or glued.group("piece"):
            items.append(glued.group("space") + glued.group("piece"))
        closing = glued.group("closing")
        for found in PLACEHOLDER.finditer(closing):
            spaced = closing[found.start() - 1 : found.start()] == "▁"
            items.append(Mark(found.group(), opens=False, spaced=spaced))
    return items
