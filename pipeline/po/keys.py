"""PO entry keys: which (msgctxt, msgid) a segment gets, and how references name files."""

from __future__ import annotations

from pathlib import Path

from pipeline.document.model import BlockKind
from pipeline.po.catalog import po_text
from pipeline.segment import Segment, SegmentedDocument


def segment_keys(segmented: SegmentedDocument) -> dict[str, tuple[str | None, str]]:
    """Segment id → (msgctxt, msgid) of its PO entry."""
    kinds: dict[str, set[BlockKind]] = {}
    for segment in segmented.segments:
        kinds.setdefault(po_text(segment.text), set()).add(segment.kind)
    keys = {}
    for segment in segmented.segments:
        msgid = po_text(segment.text)
        keys[segment.id] = (entry_context(segment, kinds[msgid]), msgid)
    return keys


def entry_context(segment: Segment, kinds: set[BlockKind]) -> str | None:
    """msgctxt only where the same German text is both a heading and body text."""
    if BlockKind.HEADING in kinds and len(kinds) > 1 and segment.kind is BlockKind.HEADING:
        return "heading"
    return None


def reference_path(path: Path, root: Path | None) -> str:
    """The path as the PO files show it: relative to the project where possible."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
