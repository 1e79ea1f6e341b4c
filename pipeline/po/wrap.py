"""PO string layout as GNU gettext writes it: escaped, split after ``\\n``, wrapped at 79.

The line-break opportunities follow what ``msgcat`` does for Latin-script text (the
Unicode line-breaking classes as its libunistring applies them): after spaces, after
hyphens, slashes and sentence punctuation unless a digit follows, after dashes, closing
brackets and ellipses, never before closing punctuation or quotation marks. Tests
compare the output with ``msgcat`` on real and generated releases.
"""

from __future__ import annotations

import re

PAGE_WIDTH = 79
# Control characters without a C escape are written as octal escapes (gettext reads them;
# msgcat would write them raw, which editors hide and some tools drop).
_ESCAPES = {chr(code): f"\\{code:03o}" for code in (*range(32), 127)}
_ESCAPES.update({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a",
                 "\b": "\\b", "\f": "\\f", "\v": "\\v"})  # fmt: skip
_AFTER_ALWAYS = set("—–|…}⟧")
_AFTER_UNLESS_DIGIT = set("-/.,:;?!")
_BEFORE = set("—|")
_NEVER_BEFORE = set(")]}⟧.,:;!?/-%…\"'“”„«»’‘")


_ESCAPE_TABLE = str.maketrans(_ESCAPES)


def escape(text: str) -> str:
    return text.translate(_ESCAPE_TABLE)


def _can_break(before: str, after: str) -> bool:
    """May a line end between ``before`` and ``after``?"""
    if after == " ":
        return False
    if before == " " or (before in ")]" and after in "([{"):
        return True
    if after in _BEFORE:
        return True
    if after in _NEVER_BEFORE:
        return False
    if before in _AFTER_ALWAYS:
        return True
    return before in _AFTER_UNLESS_DIGIT and not after.isdigit()


def _class(chars: str) -> str:
    return "".join("\\" + char if char in "\\]-^" else char for char in chars)


# The positions where _can_break allows a line to end, as one regular expression.
_NEVER = _class("".join(sorted(_NEVER_BEFORE)))
_BREAKS = re.compile(
    "(?<= )(?! )"
    r"|(?<=[)\]])(?=[(\[{])"
    rf"|(?<=[^ ])(?=[{_class(''.join(sorted(_BEFORE)))}])"
    rf"|(?<=[{_class(''.join(sorted(_AFTER_ALWAYS)))}])(?![ {_NEVER}{_class(''.join(_BEFORE))}])"
    rf"|(?<=[{_class(''.join(sorted(_AFTER_UNLESS_DIGIT)))}])(?![ \d{_NEVER}])"
)


def _wrap_chunk(chunk: str, width: int) -> list[str]:
    """Greedy wrapping of one piece (no newline inside) into escaped lines ≤ width."""
    whole = escape(chunk)
    if len(whole) <= width:
        return [whole]
    if len(whole) != len(chunk):
        return _wrap_escaped(chunk, width)  # escapes change widths: go character by character
    lines: list[str] = []
    start, last = 0, -1
    for position in [m.start() for m in _BREAKS.finditer(chunk) if m.start() > 0] + [len(chunk)]:
        while position - start > width:
            if last > start:
                lines.append(chunk[start:last])
                start, last = last, -1
                continue
            if position < len(chunk):
                lines.append(chunk[start:position])  # no earlier break: the line runs long
                start = position
            break
        if start < position < len(chunk):
            last = position
    lines.append(chunk[start:])
    return lines


def _wrap_escaped(chunk: str, width: int) -> list[str]:
    lines: list[str] = []
    current: list[str] = []  # escaped characters of the current line
    used = 0
    last_break = -1  # index in ``current`` after which the line may end
    for index, char in enumerate(chunk):
        escaped = _ESCAPES.get(char, char)
        if index > 0 and _can_break(chunk[index - 1], char):
            last_break = len(current)
        if used + len(escaped) > width and last_break > 0:
            lines.append("".join(current[:last_break]))
            current = current[last_break:]
            used = sum(len(piece) for piece in current)
            last_break = -1
        current.append(escaped)
        used += len(escaped)
    lines.append("".join(current))
    return lines


_LINES = re.compile(r"[^\n]*\n|[^\n]+")


def po_string(keyword: str, text: str, prefix: str = "") -> list[str]:
    """The lines of ``keyword "text"`` (e.g. ``msgid``), each starting with ``prefix``."""
    escaped = escape(text)
    head = f"{prefix}{keyword} "
    inner_newline = "\n" in text[:-1]
    if not inner_newline and len(head) + len(escaped) + 2 <= PAGE_WIDTH:
        return [f'{head}"{escaped}"']
    width = PAGE_WIDTH - len(prefix) - 2
    pieces = _LINES.findall(text) or [""]  # after each "\n" only, as gettext splits
    lines = [f'{head}""']
    for piece in pieces:
        lines.extend(f'{prefix}"{line}"' for line in _wrap_chunk(piece, width))
    return lines
