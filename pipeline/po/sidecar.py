"""The suggestions sidecar (``<stem>.suggestions.json``): what was suggested for each msgid.

It tells reviewer drafts apart from untouched suggestions, and the MT quality report
compares each recorded suggestion with the translation a reviewer approved.
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.files import atomic_write
from pipeline.po.catalog import Entry
from pipeline.po.merge import Unit
from pipeline.po.notes import SUGGESTED, Origin, OriginNote, render


def read_suggestions(path: Path) -> dict[str, dict[str, str]]:
    """msgid → the suggestion exported for it (``<stem>.suggestions.json``); a missing or
    damaged file reads as empty: it only tells drafts apart and feeds quality reports."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, list):
        return {}
    return {
        item["msgid"]: item
        for item in data
        if isinstance(item, dict)
        and isinstance(item.get("msgid"), str)
        and isinstance(item.get("text"), str)
    }


def record_suggestions(
    path: Path,
    recorded: dict[str, dict[str, str]],
    units: list[Unit],
    entries: tuple[Entry, ...],
    revised: str,
) -> None:
    """Keep what was suggested for each msgid (the MT quality report compares it with the
    reviewed translation); a suggestion is recorded when it is what the PO file shows."""
    shown = {entry.msgid: entry.msgstr for entry in entries if not entry.obsolete}
    records = dict(recorded)
    for unit in units:
        suggestion = unit.suggestion
        if not suggestion.text or shown.get(unit.msgid) != suggestion.text:
            continue
        old = records.get(unit.msgid)
        if old and old["text"] == suggestion.text and old["origin"] == suggestion.origin:
            continue
        records[unit.msgid] = {
            "msgid": unit.msgid,
            "text": suggestion.text,
            "origin": suggestion.origin,
            "detail": suggestion.detail,
            "date": revised[:10],  # the date of the PO file that shows it
        }
    if not records and not path.exists():
        return
    ordered = sorted(records.values(), key=lambda item: item["msgid"])
    atomic_write(path, (json.dumps(ordered, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def origin_note(record: dict[str, str]) -> OriginNote | None:
    """The origin of a recorded suggestion (None if it has none, or no detail)."""
    try:
        origin = Origin(str(record.get("origin", "")))
    except ValueError:
        return None
    detail = record.get("detail")
    if origin not in SUGGESTED or not isinstance(detail, str) or not detail:
        return None
    return OriginNote(origin, detail)


def origin_comment(record: dict[str, str]) -> str:
    """The ``origin:`` machine comment of a recorded suggestion ("" if it has none)."""
    note = origin_note(record)
    return render(note) if note is not None else ""
