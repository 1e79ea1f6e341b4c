"""Read PO files as reviewers' tools leave them (rewrapped, CRLF, reordered, extra headers)."""

from __future__ import annotations

import re
from pathlib import Path

import polib

from pipeline.errors import InputError
from pipeline.files import read_utf8
from pipeline.po.catalog import FUZZY, Catalog, Entry

_LINE = re.compile(r"line (\d+)")


def read_catalog(path: Path) -> Catalog:
    """The catalog in ``path``; a malformed file raises :class:`InputError` (file, line)."""
    text = read_utf8(
        path, "PO file", "save the PO file as UTF-8 (Content-Type: text/plain; charset=UTF-8)"
    )
    return parse_catalog(text.replace("\r\n", "\n").replace("\r", "\n"), path)


_KEYWORD_LINE = re.compile(
    r'^(?:#~ )?(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+("(?:[^"\\]|\\.)*")\s*$'
)
_STRING_LINE = re.compile(r'^(?:#~ )?"(?:[^"\\]|\\.)*"\s*$')


def check_syntax(text: str, path: Path | str) -> None:
    """Reject what polib would silently accept: unterminated strings, stray lines."""
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and not stripped.startswith("#~ ")):
            continue
        if _KEYWORD_LINE.match(stripped) or _STRING_LINE.match(stripped):
            continue
        if stripped.startswith("#~ ") and not stripped[3:].lstrip().startswith(("msg", '"')):
            continue  # an obsolete comment line
        raise InputError(
            f"malformed PO file: cannot read {stripped[:60]!r}",
            path=path,
            where=f"line {number}",
            fix="close the quoted string or remove the line; the pipeline left the file untouched",
        )


def parse_catalog(text: str, path: Path | str = "<string>") -> Catalog:
    check_syntax(text, path)
    try:
        po = polib.pofile(text, wrapwidth=79, check_for_duplicates=True)
    except (OSError, ValueError) as error:
        match = _LINE.search(str(error))
        raise InputError(
            f"malformed PO file ({error})",
            path=path,
            where=f"line {match.group(1)}" if match else None,
            fix="fix the line in a PO editor, or restore the file from version control; "
            "the pipeline left it untouched",
        ) from None
    entries = [_entry(item, obsolete=False) for item in po if not item.obsolete]
    entries += [_entry(item, obsolete=True) for item in po.obsolete_entries()]
    return Catalog(
        header=dict(po.metadata),
        entries=tuple(entries),
        header_comments=tuple(po.header.splitlines()) if po.header else (),
        header_fuzzy=po.metadata_is_fuzzy,
    )


def _entry(item: polib.POEntry, obsolete: bool) -> Entry:
    flags = tuple(dict.fromkeys(flag.strip() for flag in item.flags if flag.strip()))
    return Entry(
        msgid=item.msgid,
        msgstr=item.msgstr,
        msgctxt=item.msgctxt,
        flags=flags,
        references=tuple(f"{file}:{line}" if line else file for file, line in item.occurrences),
        extracted=tuple(item.comment.splitlines()) if item.comment else (),
        translator=tuple(item.tcomment.splitlines()) if item.tcomment else (),
        previous_msgid=item.previous_msgid,
        previous_msgctxt=item.previous_msgctxt,
        obsolete=obsolete,
        line=item.linenum,
    )


__all__ = ["FUZZY", "parse_catalog", "read_catalog"]
