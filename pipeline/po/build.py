"""Rebuild translated releases from the source document and the reviewed PO file.

Everything outside the translated text (headings, list markers, link URLs, emphasis,
line breaks, the contact block) is copied from the source byte for byte. By default only
reviewed translations are used; a draft build also takes suggestions and is marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.document.model import CodeKind
from pipeline.files import atomic_write
from pipeline.layout import Layout
from pipeline.po.catalog import Entry
from pipeline.po.export import segment_keys
from pipeline.po.reader import read_catalog
from pipeline.segment import Segment, SegmentedDocument, rebuild

DRAFT_MARKERS = {
    "markdown": "<!-- DRAFT: contains machine translation that no reviewer has approved -->\n",
    "html": "<!-- DRAFT: contains machine translation that no reviewer has approved -->\n",
    "text": "DRAFT: contains machine translation that no reviewer has approved\n\n",
}


@dataclass(frozen=True)
class BuildProblem:
    po_file: Path
    line: int
    message: str


@dataclass(frozen=True)
class BuildResult:
    release: Path
    language: str
    output: Path | None  # None when nothing was written
    written: bool
    translated: int
    problems: tuple[BuildProblem, ...]


def build_release(
    layout: Layout, release: Path, segmented: SegmentedDocument, language: str, draft: bool
) -> BuildResult:
    po_file = layout.po_file(language, release.stem)
    if not po_file.is_file():
        problem = BuildProblem(po_file, 0, "no PO file: run `pipeline run` first")
        return BuildResult(release, language, None, False, 0, (problem,))
    entries = {entry.key: entry for entry in read_catalog(po_file).entries if not entry.obsolete}
    keys = segment_keys(segmented)
    translations: dict[str, str] = {}
    problems: list[BuildProblem] = []
    for segment in segmented.segments:
        entry = entries.get(keys[segment.id])
        text = _usable(entry, draft)
        if text is None:
            if not draft:
                where = entry.line if entry else 0
                problems.append(BuildProblem(po_file, where, f"not reviewed: {segment.text!r}"))
            continue
        mismatch = markup_mismatch(segment, text)
        if mismatch:
            problems.append(BuildProblem(po_file, entry.line if entry else 0, mismatch))
            continue
        translations[segment.id] = text
    if problems and not draft:
        return BuildResult(release, language, None, False, len(translations), tuple(problems))
    data = rebuild(segmented, translations)
    name = release.name
    if draft:
        name = f"{release.stem}.draft{release.suffix}"
        marker = DRAFT_MARKERS[segmented.document.format].encode(segmented.document.encoding)
        bom = b"\xef\xbb\xbf" if segmented.document.bom else b""
        data = bom + marker + data[len(bom) :]
    output = layout.built_file(language, name)
    written = atomic_write(output, data)
    return BuildResult(release, language, output, written, len(translations), tuple(problems))


def _usable(entry: Entry | None, draft: bool) -> str | None:
    if entry is None or not entry.msgstr:
        return None
    if entry.reviewed or draft:
        return entry.msgstr
    return None


def markup_mismatch(segment: Segment, translation: str) -> str:
    """ "" when the translation has the segment's inline markup in the same order."""
    position = 0
    for span in segment.codes:
        if span.code.kind in (CodeKind.SOFT_BREAK, CodeKind.LINE_BREAK):
            continue
        found = translation.find(span.code.source, position)
        if found < 0:
            return (
                f"markup {span.code.source!r} of the German is missing or out of order in "
                f"the translation of {segment.text!r}"
            )
        position = found + len(span.code.source)
    return ""
