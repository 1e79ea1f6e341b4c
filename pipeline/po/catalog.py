"""PO catalogs as plain data, written the way GNU gettext writes them.

gettext semantics: msgid is the German segment, msgstr the translation, ``fuzzy`` marks a
suggestion no reviewer has approved, ``#.`` comments are machine-written and regenerated
on every run, ``# `` translator comments and non-fuzzy msgstr values belong to reviewers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from pipeline.po.notes import EntryState
from pipeline.po.wrap import PAGE_WIDTH, po_string

FUZZY = "fuzzy"


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: str = ""
    msgctxt: str | None = None
    flags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    extracted: tuple[str, ...] = ()  # "#." machine comments
    translator: tuple[str, ...] = ()  # "# " reviewer comments
    previous_msgid: str | None = None  # "#| msgid": what a fuzzy match was made from
    previous_msgctxt: str | None = None
    obsolete: bool = False
    line: int = field(default=0, compare=False)  # where it was read from, for messages

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return FUZZY in self.flags

    @property
    def reviewed(self) -> bool:
        """A translation a reviewer approved: not fuzzy, not empty."""
        return bool(self.msgstr) and not self.fuzzy

    @property
    def state(self) -> EntryState:
        """Obsolete, else untranslated (no msgstr), else fuzzy, else reviewed."""
        if self.obsolete:
            return EntryState.OBSOLETE
        if not self.msgstr:
            return EntryState.UNTRANSLATED
        return EntryState.FUZZY if self.fuzzy else EntryState.REVIEWED

    def with_flags(self, fuzzy: bool) -> Entry:
        flags = tuple(flag for flag in self.flags if flag != FUZZY)
        return replace(self, flags=(FUZZY, *flags) if fuzzy else flags)


@dataclass(frozen=True)
class Catalog:
    header: dict[str, str] = field(default_factory=dict)  # in order
    entries: tuple[Entry, ...] = ()
    header_comments: tuple[str, ...] = ()  # "# " lines above the header
    header_fuzzy: bool = False

    def find(self, key: tuple[str | None, str]) -> Entry | None:
        return next((entry for entry in self.entries if entry.key == key), None)

    @property
    def active(self) -> list[Entry]:
        return [entry for entry in self.entries if not entry.obsolete]


EOT_SYMBOL = "\u2404"  # ␄ SYMBOL FOR END OF TRANSMISSION


def po_text(text: str) -> str:
    """``text`` as a PO string can hold it: msgfmt refuses EOT (U+0004, gettext's context
    separator) in any string, so it is shown as ␄ (U+2404)."""
    return text.replace("\x04", EOT_SYMBOL)


def render(catalog: Catalog) -> str:
    """The catalog as PO text, byte for byte as gettext's tools would write it."""
    return "\n".join([_header_block(catalog), *_entry_blocks(catalog)])


def render_body(catalog: Catalog) -> str:
    """The entries as PO text, without the header: what tells two catalogs apart."""
    return "\n".join(_entry_blocks(catalog))


def _in_order(catalog: Catalog) -> list[Entry]:
    """The entries in the order they are written: active ones, then obsolete ones."""
    active = [entry for entry in catalog.entries if not entry.obsolete]
    return active + [entry for entry in catalog.entries if entry.obsolete]


def _entry_blocks(catalog: Catalog) -> list[str]:
    return [_entry_block(entry) for entry in _in_order(catalog)]


def entry_lines(catalog: Catalog) -> list[tuple[int, Entry]]:
    """(first line in ``render(catalog)``, entry) for each entry, in the written order."""
    line = _header_block(catalog).count("\n") + 2  # a blank line after each block
    starts = []
    for entry in _in_order(catalog):
        starts.append((line, entry))
        line += _entry_block(entry).count("\n") + 1
    return starts


def _header_block(catalog: Catalog) -> str:
    lines = _comments("# ", catalog.header_comments)
    if catalog.header_fuzzy:
        lines.append("#, fuzzy")
    value = "".join(f"{name}: {text}\n" for name, text in catalog.header.items())
    lines.append('msgid ""')
    lines.extend(po_string("msgstr", value))
    return "\n".join(lines) + "\n"


def _entry_block(entry: Entry) -> str:
    lines = _comments("# ", entry.translator)
    lines.extend(_comments("#. ", entry.extracted, machine=True))
    if entry.references and not entry.obsolete:
        lines.extend(_references(entry.references))
    if entry.flags:
        lines.append("#, " + ", ".join(entry.flags))
    previous = "#~| " if entry.obsolete else "#| "  # gettext: "#|" alone is not obsolete
    if entry.previous_msgctxt is not None:
        lines.extend(po_string("msgctxt", entry.previous_msgctxt, previous))
    if entry.previous_msgid is not None:
        lines.extend(po_string("msgid", entry.previous_msgid, previous))
    prefix = "#~ " if entry.obsolete else ""
    if entry.msgctxt is not None:
        lines.extend(po_string("msgctxt", entry.msgctxt, prefix))
    lines.extend(po_string("msgid", entry.msgid, prefix))
    lines.extend(po_string("msgstr", entry.msgstr, prefix))
    return "\n".join(lines) + "\n"


# Characters a comment line must not hold raw: C0 controls but TAB (LF starts a new
# comment line), DEL, and, in what the pipeline writes, the C1 controls and Unicode
# separators that some tools take for line breaks (NEL, LINE and PARAGRAPH SEPARATOR).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MACHINE_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
ISOLATE_START = "\u2068"  # FIRST STRONG ISOLATE: opens a file name with spaces in "#:"
ISOLATE_END = "\u2069"  # POP DIRECTIONAL ISOLATE: closes it
# In a reference the isolates themselves are escaped too: the file name cannot end early.
_REFERENCE_UNSAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u2068\u2069]")


def _octal(match: re.Match[str]) -> str:
    """A character as the octal escapes of its UTF-8 bytes (``\\342\\200\\250``)."""
    return "".join(f"\\{byte:03o}" for byte in match.group().encode("utf-8"))


def _comments(prefix: str, texts: tuple[str, ...], machine: bool = False) -> list[str]:
    """Comment lines: a text with line breaks takes several lines, and a control character
    is shown as its octal escape, so a comment never breaks the file or hides a byte.

    Machine comments (``machine``) also escape the C1 controls and the Unicode line and
    paragraph separators, which some tools split lines at; a reviewer's comment keeps them.
    """
    unsafe = _MACHINE_UNSAFE if machine else _CONTROL
    return [
        (prefix + unsafe.sub(_octal, piece)).rstrip(" \t")
        for text in texts
        for piece in text.split("\n")
    ]


def escape_comment(text: str) -> str:
    """``text`` for a comment line the pipeline writes: every character that could break
    the line or hide a byte (line breaks included) as its octal UTF-8 escapes."""
    return _MACHINE_UNSAFE.sub(_octal, text)


def reference_text(reference: str) -> str:
    """A reference as a ``#:`` line shows it: a file name with white space is isolated
    between U+2068 and U+2069, as GNU gettext (0.22+) and Babel write it, and characters
    that would break the line are octal escapes."""
    name, colon, line = reference.rpartition(":")
    if not colon or not line.isdigit():
        name, line = reference, ""
    name = _REFERENCE_UNSAFE.sub(_octal, name)
    if any(char.isspace() for char in name):
        name = ISOLATE_START + name + ISOLATE_END
    return f"{name}:{line}" if line else name


def _references(references: tuple[str, ...]) -> list[str]:
    """``#:`` lines: references separated by spaces, wrapped at the page width as gettext
    wraps them (the width of a reference is its UTF-8 length, without the isolates)."""
    lines: list[str] = []
    current = "#:"
    width = 2
    for reference in references:
        shown = reference_text(reference)
        size = len(shown.replace(ISOLATE_START, "").replace(ISOLATE_END, "").encode("utf-8"))
        if width + 1 + size > PAGE_WIDTH and current != "#:":
            lines.append(current)
            current, width = "#:", 2
        current += " " + shown
        width += 1 + size
    lines.append(current)
    return lines
