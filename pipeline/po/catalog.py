"""PO catalogs as plain data, written the way GNU gettext writes them.

gettext semantics: msgid is the German segment, msgstr the translation, ``fuzzy`` marks a
suggestion no reviewer has approved, ``#.`` comments are machine-written and regenerated
on every run, ``# `` translator comments and non-fuzzy msgstr values belong to reviewers.
"""

from __future__ import annotations

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
    blocks = [_header_block(catalog)]
    active = [entry for entry in catalog.entries if not entry.obsolete]
    obsolete = [entry for entry in catalog.entries if entry.obsolete]
    blocks.extend(_entry_block(entry) for entry in active + obsolete)
    return "\n".join(blocks)


def _header_block(catalog: Catalog) -> str:
    lines = [f"# {line}".rstrip() for line in catalog.header_comments]
    if catalog.header_fuzzy:
        lines.append("#, fuzzy")
    value = "".join(f"{name}: {text}\n" for name, text in catalog.header.items())
    lines.append('msgid ""')
    lines.extend(po_string("msgstr", value))
    return "\n".join(lines) + "\n"


def _entry_block(entry: Entry) -> str:
    lines = [f"# {line}".rstrip() for line in entry.translator]
    lines.extend(f"#. {line}".rstrip() for line in entry.extracted)
    if entry.references and not entry.obsolete:
        lines.extend(_references(entry.references))
    if entry.flags:
        lines.append("#, " + ", ".join(entry.flags))
    if entry.previous_msgctxt is not None:
        lines.extend(po_string("msgctxt", entry.previous_msgctxt, "#| "))
    if entry.previous_msgid is not None:
        lines.extend(po_string("msgid", entry.previous_msgid, "#| "))
    prefix = "#~ " if entry.obsolete else ""
    if entry.msgctxt is not None:
        lines.extend(po_string("msgctxt", entry.msgctxt, prefix))
    lines.extend(po_string("msgid", entry.msgid, prefix))
    lines.extend(po_string("msgstr", entry.msgstr, prefix))
    return "\n".join(lines) + "\n"


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
