"""The PO writer checks itself: every file is read back before it replaces the old one.

``checked_render`` renders a catalog and parses the text with the strict reader. The file
is accepted only when the reader gives back every message as it was meant (msgctxt,
msgid, msgstr, flags, previous msgid, obsolete or not, the header) and rendering what it
read gives the same bytes (so every comment and reference line survived). Anything else
is a bug in the pipeline, not in the user's files: :class:`WriteCheckError` names the
entry, and the caller writes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import ExitCode, PipelineError
from pipeline.po.catalog import Catalog, Entry, entry_lines, render
from pipeline.po.reader import parse_catalog

_LINE = re.compile(r"line (\d+)")
_FIELDS = ("msgctxt", "msgid", "msgstr", "flags", "previous_msgctxt", "previous_msgid",
           "obsolete")  # fmt: skip


class WriteCheckError(PipelineError):
    """A file the pipeline was about to write does not read back as it was meant."""

    exit_code = ExitCode.INPUT


def checked_render(catalog: Catalog, path: Path) -> str:
    """The catalog as PO text, once the strict reader has read it back as it was meant;
    else :class:`WriteCheckError` (nothing should be written)."""
    text = render(catalog)
    starts = entry_lines(catalog)
    try:
        parsed = parse_catalog(text, path)
    except PipelineError as error:
        found = _LINE.search(error.where or "")
        line = int(found.group(1)) if found else 0
        problem = f"reading it back fails: {error.problem}"
        raise _bug(path, _entry_at(starts, line), problem) from error
    if parsed.header != catalog.header or parsed.header_fuzzy != catalog.header_fuzzy:
        raise _bug(path, None, "its header does not read back as written")
    written = [entry for _, entry in starts]
    for number, (meant, read) in enumerate(zip(written, parsed.entries, strict=False)):
        for name in _FIELDS:
            if getattr(meant, name) != getattr(read, name):
                raise _bug(path, starts[number], f"its {name} reads back differently")
    if len(written) != len(parsed.entries):
        where = starts[len(parsed.entries)] if len(parsed.entries) < len(written) else None
        raise _bug(path, where, f"{len(parsed.entries)} entries read back, not {len(written)}")
    again = render(parsed)
    if again != text:
        pairs = zip(text.split("\n"), again.split("\n"), strict=False)
        line = next((n for n, (a, b) in enumerate(pairs, 1) if a != b), text.count("\n") + 1)
        raise _bug(path, _entry_at(starts, line), f"line {line} does not read back as written")
    return text


def _entry_at(starts: list[tuple[int, Entry]], line: int) -> tuple[int, Entry] | None:
    """The entry whose lines include ``line`` (None: the header)."""
    found = None
    for start in starts:
        if start[0] > line:
            break
        found = start
    return found


def _bug(path: Path, where: tuple[int, Entry] | None, problem: str) -> WriteCheckError:
    if where is None:
        what = "the header"
    else:
        line, entry = where
        context = f" (msgctxt {entry.msgctxt!r})" if entry.msgctxt is not None else ""
        what = f"the entry at line {line}, msgid {entry.msgid[:60]!r}{context}"
    return WriteCheckError(
        f"bug in the pipeline: the file it was about to write does not read back: {what}: "
        f"{problem}",
        path=path,
        fix="nothing was written (the file keeps its old content); please report this bug "
        "with the release that caused it",
    )


__all__ = ["WriteCheckError", "checked_render"]
