"""Rebuild translated releases from the source document and the reviewed PO file.

Everything outside the translated text (headings, list markers, link URLs, emphasis,
line breaks, the contact block) is copied from the source byte for byte. By default only
reviewed translations are used; a draft build also takes suggestions and is marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.document.html import with_language
from pipeline.document.model import CodeKind
from pipeline.files import atomic_write
from pipeline.glossary.match import Matcher
from pipeline.layout import Layout
from pipeline.po.catalog import Entry
from pipeline.po.keys import segment_keys
from pipeline.po.reader import read_catalog
from pipeline.qa.checks import ERROR, Finding, check_entries, muted_checks
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
    findings: tuple[Finding, ...] = ()  # QA errors in the translations it publishes

    def as_dict(self) -> dict[str, object]:
        return {
            "release": str(self.release),
            "language": self.language,
            "output": str(self.output) if self.output else None,
            "written": self.written,
            "translated": self.translated,
            "problems": [
                {"file": str(p.po_file), "line": p.line, "message": p.message}
                for p in self.problems
            ],
            "findings": [f.as_dict() for f in self.findings],
        }


def build_release(
    layout: Layout,
    release: Path,
    segmented: SegmentedDocument,
    language: str,
    draft: bool,
    matcher: Matcher | None = None,
    strict: bool = False,
) -> BuildResult:
    """Write one translated release. The QA errors of the entries it publishes (not those a
    reviewer muted) come with the result; with ``strict`` they stop the write."""
    po_file = layout.po_file(language, release.stem)
    if not po_file.is_file():
        problem = BuildProblem(po_file, 0, "no PO file: run `pipeline run` first")
        return BuildResult(release, language, None, False, 0, (problem,))
    entries = {entry.key: entry for entry in read_catalog(po_file).entries if not entry.obsolete}
    keys = segment_keys(segmented)
    translations: dict[str, str] = {}
    problems: list[BuildProblem] = []
    published: dict[tuple[str | None, str], Entry] = {}
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
        if entry is not None:
            published[entry.key] = entry
    if problems and not draft:
        return BuildResult(release, language, None, False, len(translations), tuple(problems))
    findings = tuple(_errors(published.values(), language, matcher, po_file))
    if strict and findings:
        return BuildResult(release, language, None, False, len(translations), (), findings)
    data = rebuild(segmented, translations)
    if segmented.document.format == "html":
        encoding = segmented.document.encoding
        data = with_language(data.decode(encoding), language).encode(encoding)
    name = release.name
    if draft:
        name = f"{release.stem}.draft{release.suffix}"
        newline = _newline(segmented.document.text)
        marker = DRAFT_MARKERS[segmented.document.format].replace("\n", newline)
        marker = marker.encode(segmented.document.encoding)
        bom = b"\xef\xbb\xbf" if segmented.document.bom else b""
        data = bom + marker + data[len(bom) :]
    output = layout.built_file(language, name)
    written = atomic_write(output, data)
    return BuildResult(
        release, language, output, written, len(translations), tuple(problems), findings
    )


def _errors(
    entries: Iterable[Entry], language: str, matcher: Matcher | None, po_file: Path
) -> list[Finding]:
    """Error-level QA findings of the published entries, with their PO file and line."""
    checked = [(e.msgid, e.msgstr, e.line, muted_checks(e.translator)) for e in entries]
    findings = check_entries(checked, language, matcher, file=po_file)
    return [f for f in findings if f.severity == ERROR and f.counts]


def _newline(text: str) -> str:
    """The release's line ending (CRLF, CR or LF), so the draft marker matches it."""
    match = re.search(r"\r\n|\r|\n", text)
    return match.group() if match else "\n"


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
