"""Read PO files as reviewers' tools leave them (rewrapped, CRLF, reordered, extra headers).

The reader follows GNU gettext's grammar and escapes (``\\n``, ``\\t``, ``\\a`` … ``\\?``,
octal and hexadecimal bytes) and splits lines only at line feeds, so a translation with a
LINE SEPARATOR or another Unicode break character reads as it was written. What the
pipeline cannot keep faithfully is an input error that names the file and the line: a raw
control character (gettext would write it back raw, ``msgcat`` drops a NUL silently), a
NUL in any form (gettext cuts the message there), an escaped EOT (msgfmt refuses its
context separator in a string), two entries with the same msgctxt and msgid (gettext
refuses them too), plural entries (msgids are German segments). Escaped control characters
are fine: they are read, and written back escaped.

References (``#:``) are separated by white space, except inside a file name isolated
between U+2068 and U+2069, as GNU gettext 0.22 and Babel write names with spaces.
The messages say what is wrong and how to fix it, not what the caller did with the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError
from pipeline.files import read_utf8
from pipeline.po.catalog import FUZZY, ISOLATE_END, ISOLATE_START, Catalog, Entry

UNTOUCHED = "the pipeline left the file untouched"
# Raw control characters a PO file must not hold: C0 except TAB (LF ends the line), DEL.
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_NAMES = ("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF",
                  "VT", "FF", "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN",
                  "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US")  # fmt: skip
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)[ \t]*(\".*)$")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"[ \t]*$')
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]+)|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "b": "\b", "f": "\f",
                   "a": "\a", "\\": "\\", '"': '"', "'": "'", "?": "?"}  # fmt: skip


def control_name(char: str) -> str:
    """``U+0007 (BEL)``: how messages name a control character."""
    code = ord(char)
    name = _CONTROL_NAMES[code] if code < 32 else "DEL" if code == 127 else ""
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def read_catalog(path: Path) -> Catalog:
    """The catalog in ``path``; a malformed file raises :class:`InputError` (file, line)."""
    text = read_utf8(
        path, "PO file", "save the PO file as UTF-8 (Content-Type: text/plain; charset=UTF-8)"
    )
    return parse_catalog(text, path)


@dataclass
class _Draft:
    """An entry while its lines are read."""

    start: int
    translator: list[str] = field(default_factory=list)
    extracted: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    previous: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # msgctxt, msgid, msgstr
    msgid_line: int = 0
    obsolete: bool = False
    last: tuple[str, str] | None = None  # ("value" | "previous", keyword) continued by '"…"'

    @property
    def complete(self) -> bool:
        return "msgstr" in self.values

    @property
    def empty(self) -> bool:
        return not (self.values or self.previous or self.translator or self.extracted
                    or self.references or self.flags)  # fmt: skip


class _Parser:
    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.drafts: list[_Draft] = []
        self.current = _Draft(1)
        self.number = 0

    def error(self, problem: str, fix: str) -> InputError:
        return InputError(problem, path=self.path, where=f"line {self.number}", fix=fix)

    def malformed(self, line: str, why: str = "cannot read") -> InputError:
        return self.error(
            f"malformed PO file: {why} {line.strip()[:60]!r}",
            "close the quoted string or remove the line",
        )

    def parse(self, text: str) -> list[_Draft]:
        for self.number, line in enumerate(text.split("\n"), start=1):
            self.line(line)
        self.finish(at_end=True)
        return self.drafts

    def line(self, raw: str) -> None:
        control = _RAW_CONTROL.search(raw)
        if control is not None:
            char = control.group()
            fix = (
                "delete it: gettext cuts a message at a NUL character"
                if char == "\x00"
                else "delete it (most editors do not show it), or write it inside the quotes "
                "as an escape sequence such as \\t"
            )
            raise self.error(
                f"control character {control_name(char)} at column {control.start() + 1}",
                fix,
            )
        line = raw.strip(" \t")
        if not line:
            return
        obsolete = False
        if line.startswith("#~"):
            obsolete = True
            line = line[2:].lstrip(" \t")
            if not line:
                return
            if line.startswith("|"):
                line = "#" + line  # "#~| msgid …": a previous string of an obsolete entry
            elif line.startswith("#"):
                pass
            elif not line.startswith(("msg", '"')):
                return  # free text in an obsolete block, as some tools leave it
        if line.startswith("#|"):
            self.previous_line(line[2:].lstrip(" \t"), raw)
        elif line.startswith("#"):
            self.comment(line)
        elif line.startswith('"'):
            self.continuation(line, raw)
        else:
            self.keyword(line, raw, obsolete)

    def start_entry_if_complete(self) -> None:
        if self.current.complete:
            self.finish()
            self.current = _Draft(self.number)
        elif self.current.values:
            raise self.error(
                "malformed PO file: the entry above has no msgstr",
                'add msgstr "" to the entry above',
            )
        elif self.current.empty:
            self.current.start = self.number

    def comment(self, line: str) -> None:
        self.start_entry_if_complete()
        self.current.last = None
        marker, rest = line[:2], line[2:]
        if marker == "#.":
            self.current.extracted.append(rest[1:] if rest.startswith(" ") else rest)
        elif marker == "#:":
            self.current.references.extend(split_references(rest))
        elif marker == "#,":
            self.current.flags.extend(flag.strip() for flag in rest.split(","))
        else:  # "# text", "#": the translator's
            text = line[1:]
            self.current.translator.append(text[1:] if text.startswith(" ") else text)

    def previous_line(self, line: str, raw: str) -> None:
        if line.startswith('"'):
            if self.current.last is None or self.current.last[0] != "previous":
                raise self.malformed(raw)
            self.current.previous[self.current.last[1]] += self.string(line, raw)
            return
        self.start_entry_if_complete()
        match = _KEYWORD.match(line)
        if match is None or match.group(1) not in ("msgctxt", "msgid", "msgid_plural"):
            raise self.malformed(raw)
        self.current.previous[match.group(1)] = self.string(match.group(2), raw)
        self.current.last = ("previous", match.group(1))

    def continuation(self, line: str, raw: str) -> None:
        if self.current.last is None or self.current.last[0] != "value":
            raise self.malformed(raw)
        self.current.values[self.current.last[1]] += self.string(line, raw)

    def keyword(self, line: str, raw: str, obsolete: bool) -> None:
        match = _KEYWORD.match(line)
        if match is None:
            raise self.malformed(raw)
        keyword = match.group(1)
        if keyword == "msgid_plural" or keyword.startswith("msgstr["):
            raise self.error(
                f"plural entries ({keyword}) are not supported",
                "the msgids are German segments: translate them with a plain msgstr",
            )
        value = self.string(match.group(2), raw)
        entry = self.current
        if keyword in ("msgctxt", "msgid"):
            if entry.complete:
                self.start_entry_if_complete()
                entry = self.current
            elif "msgid" in entry.values:
                raise self.error(
                    "malformed PO file: the entry above has no msgstr",
                    'add msgstr "" to the entry above',
                )
            elif keyword in entry.values:
                raise self.malformed(raw, "a second msgctxt:")
            if entry.empty:
                entry.start = self.number
            if keyword == "msgid":
                entry.msgid_line = self.number
                entry.obsolete = obsolete
        elif "msgid" not in entry.values or entry.complete:
            raise self.malformed(raw, "msgstr without a msgid:")
        entry.values[keyword] = value
        entry.last = ("value", keyword)

    def string(self, literal: str, raw: str) -> str:
        match = _STRING.match(literal)
        if match is None:
            raise self.malformed(raw)
        return self.unescape(match.group(1))

    def unescape(self, content: str) -> str:
        """gettext's escapes; octal and hex escapes are bytes of the UTF-8 text."""
        if "\\" not in content:
            return content
        data = bytearray()
        position = 0
        for match in _ESCAPE.finditer(content):
            data += content[position : match.start()].encode("utf-8")
            position = match.end()
            octal, hexadecimal, simple = match.groups()
            if simple is not None:
                if simple not in _SIMPLE_ESCAPES:
                    raise self.error(
                        f"unknown escape sequence \\{simple} in a string",
                        "write \\\\ for a backslash",
                    )
                data += _SIMPLE_ESCAPES[simple].encode("utf-8")
                continue
            value = int(octal, 8) if octal is not None else int(hexadecimal, 16)
            if value == 0:
                raise self.error(
                    f"NUL character ({match.group()}) in a string",
                    "delete it: gettext cuts a message at a NUL character",
                )
            if value == 4:
                raise self.error(
                    f"EOT character ({match.group()}) in a string",
                    "delete it: gettext separates msgctxt and msgid with it, and msgfmt refuses "
                    "it in a string",
                )
            if value > 0xFF:
                raise self.error(
                    f"escape sequence {match.group()} is not a byte", "write the character itself"
                )
            data.append(value)
        data += content[position:].encode("utf-8")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error(
                "escape sequences in a string are not UTF-8",
                "write the characters themselves",
            ) from None

    def finish(self, at_end: bool = False) -> None:
        draft = self.current
        if "msgid" in draft.values and not draft.complete:
            raise self.error(
                "malformed PO file: the last entry has no msgstr"
                if at_end
                else "malformed PO file: the entry above has no msgstr",
                'add msgstr "" to it',
            )
        if draft.complete:
            self.drafts.append(draft)


def split_references(text: str) -> list[str]:
    """The references of a ``#:`` line: separated by white space, except inside a file
    name isolated between U+2068 and U+2069 (how gettext and Babel write names with
    spaces); the isolates are dropped. An isolate left open runs to the end of the line."""
    references: list[str] = []
    current: list[str] = []
    isolated = False
    for char in text:
        if isolated:
            if char == ISOLATE_END:
                isolated = False
            else:
                current.append(char)
        elif char == ISOLATE_START:
            isolated = True
        elif char.isspace():
            if current:
                references.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        references.append("".join(current))
    return references


def parse_catalog(text: str, path: Path | str = "<string>") -> Catalog:
    """The catalog in PO ``text``; anything malformed raises :class:`InputError` (line)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    drafts = _Parser(path).parse(text)
    header: _Draft | None = None
    entries: list[Entry] = []
    seen: dict[tuple[str | None, str], int] = {}
    for draft in drafts:
        msgctxt = draft.values.get("msgctxt")
        msgid = draft.values["msgid"]
        if header is None and msgid == "" and msgctxt is None and not draft.obsolete:
            header = draft
            seen[(None, "")] = draft.msgid_line
            continue
        key = (msgctxt, msgid)
        if key in seen:
            context = f" with msgctxt {msgctxt!r}" if msgctxt is not None else ""
            what = f"msgid {msgid[:60]!r}{context}" if msgid else 'a second header (msgid "")'
            raise InputError(
                f"duplicate entry: {what} is already defined at line {seen[key]}",
                path=path,
                where=f"line {draft.msgid_line}",
                fix="keep one of the two entries (merge them in a text editor, or run "
                "`msguniq --use-first`)",
            )
        seen[key] = draft.msgid_line
        entries.append(_entry(draft, msgctxt, msgid))
    active = [entry for entry in entries if not entry.obsolete]
    obsolete = [entry for entry in entries if entry.obsolete]
    return Catalog(
        header=_metadata(header.values["msgstr"]) if header else {},
        entries=tuple(active + obsolete),
        header_comments=tuple(header.translator) if header else (),
        header_fuzzy=header is not None and FUZZY in _flags(header.flags),
    )


def _flags(flags: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(flag for flag in flags if flag))


def _entry(draft: _Draft, msgctxt: str | None, msgid: str) -> Entry:
    return Entry(
        msgid=msgid,
        msgstr=draft.values["msgstr"],
        msgctxt=msgctxt,
        flags=_flags(draft.flags),
        references=tuple(draft.references),
        extracted=tuple(draft.extracted),
        translator=tuple(draft.translator),
        previous_msgid=draft.previous.get("msgid"),
        previous_msgctxt=draft.previous.get("msgctxt"),
        obsolete=draft.obsolete,
        line=draft.start,
    )


def _metadata(value: str) -> dict[str, str]:
    """Header fields in order; a line without a colon continues the field above."""
    metadata: dict[str, str] = {}
    name = None
    for line in value.split("\n"):
        if ":" in line:
            name, text = line.split(":", 1)
            metadata[name] = text.strip()
        elif name is not None and line.strip():
            metadata[name] += "\n" + line.strip()
    return metadata


__all__ = ["FUZZY", "control_name", "parse_catalog", "read_catalog"]
