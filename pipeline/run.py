"""The main job: process every release of a project.

Segments each release (also written as JSON Lines under out/segments/), then exports
POT and PO files for the target languages: glossary, machine translation and merge with
what reviewers already approved (pipeline.po.export).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.document import read_document
from pipeline.errors import InputError, PipelineError
from pipeline.files import atomic_write, find_releases
from pipeline.glossary.match import Matcher
from pipeline.layout import Layout
from pipeline.mt.engine import Engine
from pipeline.po.export import ExportReport, Release, export
from pipeline.segment import Level, SegmentationRules, SegmentedDocument, segment_document


@dataclass(frozen=True)
class ReleaseResult:
    path: Path
    format: str
    blocks: int
    segments: int
    words: int
    output: Path
    written: bool  # False when the output already held the same bytes
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseFailure:
    path: Path
    message: str


@dataclass(frozen=True)
class RunReport:
    results: tuple[ReleaseResult, ...]
    failures: tuple[ReleaseFailure, ...]
    export: ExportReport | None = None


def segment_release(
    path: Path,
    level: Level = Level.SENTENCE,
    rules: SegmentationRules | None = None,
    encoding: str = "utf-8",
) -> SegmentedDocument:
    """Read one release and split it into segments."""
    return segment_document(read_document(path, encoding=encoding), level, rules)


def segments_jsonl(segmented: SegmentedDocument) -> bytes:
    """One JSON object per segment, one per line."""
    file = str(segmented.document.path)
    lines = [
        json.dumps({"file": file, **segment.as_dict()}, ensure_ascii=False)
        for segment in segmented.segments
    ]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def run(
    layout: Layout,
    paths: Sequence[Path] = (),
    level: Level = Level.SENTENCE,
    rules: SegmentationRules | None = None,
    encoding: str = "utf-8",
    on_release: Callable[[Path], None] | None = None,
    languages: Sequence[str] = (),
    engine: Engine | None = None,
    matcher: Matcher | None = None,
    tm_threshold: float = 0.75,
    on_translate: Callable[[str, int, int], None] | None = None,
) -> RunReport:
    """Segment the given releases (default: all under ``releases/``), write the segments,
    and export POT/PO files for ``languages``.

    A release that cannot be read is reported and the others are still processed.
    """
    releases = find_releases(paths or [layout.releases])
    results: list[ReleaseResult] = []
    failures: list[ReleaseFailure] = []
    stems: dict[str, Path] = {}
    documents: list[Release] = []
    for path in releases:
        if on_release:
            on_release(path)
        try:
            if path.stem in stems:
                raise InputError(
                    f"has the same name as {stems[path.stem]}",
                    path=path,
                    fix="rename one of them: outputs are named after the file name",
                )
            stems[path.stem] = path
            segmented = segment_release(path, level, rules, encoding)
            documents.append(Release(path, segmented))
        except PipelineError as error:
            failures.append(ReleaseFailure(path, error.message))
            continue
        output = layout.segments_file(path.stem)
        written = atomic_write(output, segments_jsonl(segmented))
        segments = segmented.segments
        results.append(
            ReleaseResult(
                path=path,
                format=segmented.document.format,
                blocks=len(segmented.document.blocks),
                segments=len(segments),
                words=sum(segment.words for segment in segments),
                output=output,
                written=written,
                warnings=segmented.document.warnings,
            )
        )
    exported = None
    if languages:
        exported = export(layout, documents, languages, engine, matcher, tm_threshold, on_translate)
        failures.extend(ReleaseFailure(Path(""), message) for message in exported.failures)
    return RunReport(tuple(results), tuple(failures), exported)
