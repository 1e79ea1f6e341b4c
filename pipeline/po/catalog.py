"""PO catalogs as plain data, written the way GNU gettext writes them.

gettext semantics: msgid is the German segment, msgstr the translation, ``fuzzy`` marks a
suggestion no reviewer has approved, ``#.`` comments are machine-written and regenerated
on every run, ``# `` translator comments and non-fuzzy msgstr values belong to reviewers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

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


def render(catalog: Catalog) -> str:
    """The catalog as PO text, byte for byte as gettext's tools would write it."""
    return "\n".join([_header_block(catalog), *_entry_blocks(catalog)])


def render_body(catalog: Catalog) -> str:
    """The entries as PO text, without the header: what tells two catalogs apart."""
    return "\n".join(_entry_blocks(catalog))


def _entry_blocks(catalog: Catalog) -> list[str]:
    active = [entry for entry in catalog.entries if not entry.obsolete]
    obsolete = [entry for entry in catalog.entries if entry.obsolete]
    return [_entry_block(entry) for entry in active + obsolete]


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
    lines.extend(_comments("#. ", entry.extracted))
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


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _comments(prefix: str, texts: tuple[str, ...]) -> list[str]:
    """Comment lines: a text with line breaks takes several lines, and a control character
    is shown as its octal escape, so a comment never breaks the file or hides a byte."""
    return [
        (prefix + _CONTROL.sub(lambda m: f"\\{ord(m.group()):03o}", piece)).rstrip(" \t")
        for text in texts
        for piece in text.split("\n")
    ]


def _references(references: tuple[str, ...]) -> list[str]:
    """``#:`` lines: references separated by spaces, wrapped at the page width."""
    lines: list[str] = []
    current = "#:"
    for reference in references:
        if len(current) + 1 + len(reference) > PAGE_WIDTH and current != "#:":
            lines.append(current)
            current = "#:"
        current += " " + reference
    lines.append(current)
    return lines
