"""Re-insert placeholders a model lost, at positions found through its attention.

When a model drops or garbles placeholders, the segment is translated again without
them, with CTranslate2's ``return_attention``; each placeholder is then put next to the
target token that attends most to the source token it stood beside (the tag transfer
Bergamot uses for HTML in Firefox Translations).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\s*⟦\d+⟧\s*")
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Anchor:
    """Where a placeholder sat in the source with the placeholders removed."""

    placeholder: str
    offset: int  # character offset in the stripped source
    before_word: bool  # it opened a word ("⟦1⟧hier"), rather than closing one ("hier⟦2⟧")
    space_before: bool = False  # it stood apart from the previous word ("in ⟦3⟧")
    space_after: bool = False


def strip_placeholders(masked: str) -> tuple[str, list[Anchor]]:
    """The masked text without placeholders, and where each one was."""
    pieces: list[str] = []
    anchors: list[Anchor] = []
    cursor = 0
    length = 0
    for match in _PLACEHOLDER.finditer(masked):
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


def token_offsets(pieces: Sequence[str]) -> list[int]:
    """Start offset of each SentencePiece token in the decoded text (``▁`` is a space)."""
    offsets = []
    position = 0
    for index, piece in enumerate(pieces):
        text = piece.replace("▁", " ")
        if index == 0:
            text = text.lstrip(" ")
        leading = len(text) - len(text.lstrip(" "))
        offsets.append(position + leading)
        position += len(text)
    return offsets


def insert_by_attention(
    source_pieces: Sequence[str],
    target_pieces: Sequence[str],
    attention: Sequence[Sequence[float]],
    anchors: Sequence[Anchor],
) -> list[str]:
    """Target pieces with each anchor's placeholder glued to its aligned word."""
    source_starts = token_offsets(source_pieces)
    opening: dict[int, list[str]] = {}  # placeholders glued to the start of piece i
    closing: dict[int, list[str]] = {}  # placeholders glued to the end of piece i
    for anchor in anchors:
        source_index = _source_token(source_starts, anchor)
        target_index = _most_attentive(attention, source_index, len(target_pieces))
        if anchor.before_word:
            opening.setdefault(_word_start(target_pieces, target_index), []).append(
                anchor.placeholder
            )
        elif anchor.offset == 0:  # a word of its own at the start: "⟦1⟧ präsentiert"
            opening.setdefault(_word_start(target_pieces, target_index), []).append(
                anchor.placeholder + ("▁" if anchor.space_after else "")
            )
        else:
            closing.setdefault(_word_end(target_pieces, target_index), []).append(
                ("▁" if anchor.space_before else "") + anchor.placeholder
            )
    result = []
    for index, piece in enumerate(target_pieces):
        glued = "".join(opening.get(index, []))
        if glued:
            piece = "▁" + glued + piece[1:] if piece.startswith("▁") else glued + piece
        result.append(piece + "".join(closing.get(index, [])))
    return result


def _word_start(pieces: Sequence[str], index: int) -> int:
    """The piece that starts the word containing piece ``index``."""
    while index > 0 and not pieces[index].startswith("▁"):
        index -= 1
    return index


def _word_end(pieces: Sequence[str], index: int) -> int:
    """The last piece of the word containing piece ``index`` (punctuation not included)."""
    while (
        index + 1 < len(pieces)
        and not pieces[index + 1].startswith("▁")
        and pieces[index + 1][:1].isalnum()
    ):
        index += 1
    return index


def _source_token(starts: list[int], anchor: Anchor) -> int:
    """The token right after an opening placeholder, or right before a closing one."""
    following = next((i for i, start in enumerate(starts) if start >= anchor.offset), len(starts))
    if anchor.before_word:
        return min(following, len(starts) - 1)
    return max(following - 1, 0)


def _most_attentive(attention: Sequence[Sequence[float]], source: int, length: int) -> int:
    rows = attention[:length]
    if not rows:
        return 0
    return max(
        range(len(rows)), key=lambda row: rows[row][source] if source < len(rows[row]) else 0
    )


def join_pieces(pieces: Sequence[str]) -> str:
    """Decode SentencePiece pieces where placeholders are pieces of their own."""
    text = "".join(piece.replace("▁", " ") for piece in pieces)
    return " ".join(text.split())
