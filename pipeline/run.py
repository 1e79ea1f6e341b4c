"""The main job: take every release of a project to PO files, incrementally.

For each release: segment, then export POT and PO files for the target languages:
glossary, machine translation and merge with what reviewers already approved
(pipeline.stages).

Runs are incremental. ``.pipeline/state.json`` remembers, from the last run, a hash of
each release's source, a key for every setting that shapes the output (glossaries,
models, decoding and segmentation options) and a hash of each language's PO files as
the run left them. A release whose source, settings and language files are all unchanged
is not even read again; a reviewer's edit in a language reprocesses that language (the
translation memory may have changed); a changed glossary entry or model reprocesses
everything, while the cache keeps re-translation to the segments it affects.

A run is expected to hold the project lock (``pipeline.files.project_lock``). It starts
by removing the temporary files that an interrupted or killed run left behind in the
project's output folders (``locales``, ``.pipeline``, ``out``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import astuple, dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.document import read_document
from pipeline.errors import InputError, PipelineError
from pipeline.files import atomic_write, find_releases, project_lock, remove_stale_temporaries
from pipeline.glossary.match import Matcher
from pipeline.layout import Layout
from pipeline.mt.cache import TranslationCache
from pipeline.mt.engine import Engine
from pipeline.po.merge import TranslationMemory
from pipeline.project import Project
from pipeline.qa.checks import annotate
from pipeline.segment import Level, SegmentationRules, SegmentedDocument, segment_document
from pipeline.stages import (
    ExportReport,
    LanguageResult,
    QaCounts,
    Release,
    export,
    translation_memories,
)

# A run exports releases in chunks of about this many segments, so its memory does not
# grow with the number of releases; MT batches still span the releases of a chunk.
CHUNK_SEGMENTS = 5000
STATE_VERSION = 2  # 2: with each release's QA counts per language
State = dict[str, Any]  # .pipeline/state.json as read (checked where it is used)


@dataclass(frozen=True)
class ReleaseResult:
    path: Path
    format: str
    blocks: int
    segments: int
    words: int
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "file": str(self.path),
            "format": self.format,
            "blocks": self.blocks,
            "segments": self.segments,
            "words": self.words,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ReleaseFailure:
    path: Path
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"file": str(self.path) if self.path.name else None, "message": self.message}


@dataclass(frozen=True)
class RunReport:
    results: tuple[ReleaseResult, ...]
    failures: tuple[ReleaseFailure, ...]
    export: ExportReport | None = None
    unchanged: tuple[Path, ...] = ()  # releases skipped: nothing changed since the last run
    seconds: dict[str, float] = field(default_factory=dict)
    dry_run: bool = False
    removed_temporaries: tuple[Path, ...] = ()  # left behind by an interrupted run
    # the skipped releases' findings, as last counted
    unchanged_qa: QaCounts = field(default_factory=QaCounts)
    unchanged_files: int = 0  # PO files of the skipped releases
    decoding: str = ""  # the device and compute type that decoded ("cpu, int8")
    workers: dict[str, int] = field(default_factory=dict)  # Ray: batches per worker

    @property
    def language_results(self) -> tuple[LanguageResult, ...]:
        return self.export.results if self.export else ()

    @property
    def qa(self) -> QaCounts:
        """The QA counts of every release named, skipped ones included: an unchanged
        re-run reports the same totals (and exits the same) as the run before."""
        return sum((r.qa for r in self.language_results), self.unchanged_qa)

    @property
    def qa_complete(self) -> bool:
        return all(r.qa_complete for r in self.language_results)

    def totals(self) -> dict[str, object]:
        """The run's figures. Entry counts are sums over the PO files (they add up to the
        table); the distinct segments sent to the models are counted once per language."""
        exported = self.export
        results = self.language_results

        def total(name: str) -> int:
            return sum(getattr(r.stats, name) for r in results)

        written = sum(r.written for r in results)
        templates = exported.templates_written if exported else 0
        return {
            "releases": len(self.results) + len(self.unchanged),
            "releases_unchanged": len(self.unchanged),
            "segments": sum(r.segments for r in self.results),
            "po_files_written": written,
            "po_files_unchanged": len(results) - written + self.unchanged_files,
            "templates_written": templates,
            "files_written": written + templates,
            "reviewed_kept": total("reviewed_kept"),
            "drafts_kept": total("drafts_kept"),
            "tm_exact": total("tm_exact"),
            "tm_fuzzy": total("tm_fuzzy"),
            "mt_new": sum(r.mt_new for r in results),
            "mt_cached": sum(r.mt_cached for r in results),
            "suggestions_kept": total("mt_kept") + total("tm_kept"),
            "untranslated": total("untranslated"),
            "obsolete": total("obsolete"),
            "segments_needing_mt": exported.mt_wanted if exported else 0,
            "segments_decoded": exported.mt_new if exported else 0,
            "segments_from_cache": exported.mt_cached if exported else 0,
            "decoding": self.decoding,
            **({"workers": dict(self.workers)} if self.workers else {}),
            "qa": self.qa.as_dict() if self.qa_complete else None,
            "seconds": {stage: round(value, 3) for stage, value in self.seconds.items()},
            "dry_run": self.dry_run,
        }

    def as_dict(self) -> dict[str, object]:
        """The whole report, as `pipeline run --json` prints it."""
        exported = self.export
        return {
            "summary": self.totals(),
            "releases": [result.as_dict() for result in self.results],
            "unchanged": [str(path) for path in self.unchanged],
            "po_files": [item.as_dict() for item in self.language_results],
            "missing_models": dict(exported.missing_models) if exported else {},
            "missing_model_reasons": dict(exported.missing_reasons) if exported else {},
            "errors": [failure.as_dict() for failure in self.failures],
            "removed_temporaries": [str(path) for path in self.removed_temporaries],
        }


@dataclass(frozen=True)
class RunSettings:
    languages: tuple[str, ...] = ()
    level: Level = Level.SENTENCE
    rules: SegmentationRules | None = None
    encoding: str = "utf-8"
    tm_threshold: float = 0.75
    settings_key: str = ""  # everything else that shapes the output (see settings_key())
    dry_run: bool = False
    incremental: bool = True
    chunk_segments: int = CHUNK_SEGMENTS


def segment_release(
    path: Path,
    level: Level = Level.SENTENCE,
    rules: SegmentationRules | None = None,
    encoding: str = "utf-8",
) -> SegmentedDocument:
    """Read one release and split it into segments."""
    return segment_document(read_document(path, encoding=encoding), level, rules)


def settings_key(
    files: Sequence[Path],
    options: dict[str, object],
    engine: Engine | None,
    languages: Sequence[str],
) -> str:
    """A key for every setting that shapes the output: glossary and rules files (their
    bytes, in order, not where they are: a copied project keeps its state), options, the
    models along each route, and the pipeline's version."""
    digest = hashlib.sha256(__version__.encode())
    for path in files:
        content = path.read_bytes() if path.is_file() else b"-"
        digest.update(f"\0file {len(content)}\0".encode())
        digest.update(content)
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    for language in languages:
        route = engine.route_fingerprint("de", language) if engine else ""
        digest.update(f"{language}={route}".encode())
    return digest.hexdigest()


def run_project(
    project: Project,
    paths: Sequence[Path] | None = None,
    *,
    dry_run: bool = False,
    incremental: bool = True,
    on_release: Callable[[Path], None] | None = None,
    on_translate: Callable[[str, int, int], None] | None = None,
    warn: Callable[[Path], None] | None = None,
) -> RunReport:
    """Run the project's releases (or ``paths``) through the pipeline, holding the lock
    (a dry run writes nothing, not even the lock file)."""
    with nullcontext() if dry_run else project_lock(project.layout.lock):
        cache = _cache(project, dry_run)
        engine = None
        try:
            engine = project.engine(cache)
            settings = RunSettings(
                languages=project.languages,
                level=project.level,
                rules=project.rules,
                encoding=project.encoding,
                tm_threshold=project.tm_threshold,
                settings_key=project_settings_key(project, engine),
                dry_run=dry_run,
                incremental=incremental,
                chunk_segments=CHUNK_SEGMENTS,
            )
            releases = project.releases(paths, warn)
            report = run(
                project.layout,
                releases,
                settings,
                engine,
                project.matcher,
                on_release,
                on_translate,
            )
            decoding = engine.options.resolved()
            return replace(
                report,
                decoding=f"{decoding.device}, {decoding.compute_type}",
                workers=_batches_per_worker(engine),
            )
        finally:
            if engine:
                engine.close()
            if cache:
                cache.close()


def _batches_per_worker(engine: Engine) -> dict[str, int]:
    """Batches each Ray worker decoded (empty when the engine decodes in this process)."""
    batches = getattr(engine.executor, "batches", None)
    return dict(sorted(batches.items())) if batches else {}


def _cache(project: Project, dry_run: bool) -> TranslationCache | None:
    """The project's cache; a dry run reads an existing one and writes nothing."""
    if not project.use_cache:
        return None
    if dry_run:
        exists = project.layout.cache.is_file()
        return TranslationCache(project.layout.cache, read_only=True) if exists else None
    return TranslationCache(project.layout.cache)


def project_settings_key(project: Project, engine: Engine | None) -> str:
    """The settings key of a project's run (see settings_key())."""
    options = {
        "level": project.level.value,
        "tm": project.tm_threshold,
        "encoding": project.encoding,
        "mt": project.decoding.cache_fields(),
    }
    files = [*project.rule_files, *project.glossary_files]
    return settings_key(files, options, engine, project.languages)


def run(
    layout: Layout,
    paths: Sequence[Path],
    settings: RunSettings,
    engine: Engine | None = None,
    matcher: Matcher | None = None,
    on_release: Callable[[Path], None] | None = None,
    on_translate: Callable[[str, int, int], None] | None = None,
) -> RunReport:
    """Segment the given releases and export POT/PO files for ``settings.languages``.

    A release that cannot be read is reported and the others are still processed.
    """
    clock: dict[str, float] = {}
    removed = () if settings.dry_run else tuple(remove_stale_temporaries(_outputs(layout)))
    releases = find_releases(paths or [layout.releases])
    state = _read_state(layout) if settings.incremental else {}
    language_hashes = {
        language: _language_hash(layout, language) for language in settings.languages
    }
    results: list[ReleaseResult] = []
    failures: list[ReleaseFailure] = []
    unchanged: list[Path] = []
    stems: dict[str, Path] = {}
    source_hashes: dict[str, str] = {}
    chunks = _Chunks(layout, settings, engine, matcher, on_translate)
    started = time.perf_counter()
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
            source_hashes[_key(layout, path)] = _file_hash(path)
            if _is_unchanged(layout, path, settings, state, source_hashes, language_hashes):
                unchanged.append(path)
                continue
            segmented = segment_release(path, settings.level, settings.rules, settings.encoding)
        except PipelineError as error:
            failures.append(ReleaseFailure(path, error.message))
            source_hashes.pop(_key(layout, path), None)  # try it again next time
            continue
        results.append(_release_result(path, segmented))
        chunks.add(Release(path, segmented))
    exported = chunks.finish()
    clock["segment"] = time.perf_counter() - started - chunks.seconds
    if exported is not None:
        clock.update(exported.seconds)
        failures.extend(ReleaseFailure(Path(""), message) for message in exported.failures)
        if not settings.dry_run and not exported.failures:  # a broken PO file: look again
            _write_state(layout, settings, source_hashes, state, exported.results)
    elif settings.languages and not settings.dry_run and not failures:
        _write_state(layout, settings, source_hashes, state, ())
    carried = [
        _stored_qa(state, _key(layout, path), language)
        for path in unchanged
        for language in settings.languages
    ]
    return RunReport(
        results=tuple(results),
        failures=tuple(failures),
        export=exported,
        unchanged=tuple(unchanged),
        seconds=clock,
        dry_run=settings.dry_run,
        removed_temporaries=removed,
        unchanged_qa=sum(carried, QaCounts()),
        unchanged_files=len(carried),
    )


class _Chunks:
    """Releases collected and exported a chunk at a time (about ``chunk_segments``
    segments), so only one chunk's documents are held. The output is the same as one
    export of all of them: the translation memories are built once, from the PO files as
    they were before the first chunk was written, and the cache and the loaded models
    are shared."""

    def __init__(
        self,
        layout: Layout,
        settings: RunSettings,
        engine: Engine | None,
        matcher: Matcher | None,
        on_translate: Callable[[str, int, int], None] | None,
    ) -> None:
        self.layout, self.settings, self.engine, self.matcher = layout, settings, engine, matcher
        self.on_translate = on_translate
        self.documents: list[Release] = []
        self.segments = 0
        self.report: ExportReport | None = None
        self.memories: dict[str, TranslationMemory] | None = None
        self.seconds = 0.0  # spent exporting
        self.translated: dict[str, int] = {}  # per language, in earlier chunks
        self.chunk_total: dict[str, int] = {}  # per language, in this chunk

    def add(self, release: Release) -> None:
        self.documents.append(release)
        self.segments += len(release.segmented.segments)
        if self.segments >= self.settings.chunk_segments:
            if self.memories is None:  # more than one chunk: one memory for all of them
                self.memories = translation_memories(self.layout, self.settings.languages)
            self._export()

    def finish(self) -> ExportReport | None:
        if self.documents:
            self._export()
        return self.report

    def _export(self) -> None:
        started = time.perf_counter()
        for language, total in self.chunk_total.items():
            self.translated[language] = self.translated.get(language, 0) + total
        self.chunk_total = {}
        if self.settings.languages:
            exported = export(
                self.layout,
                self.documents,
                self.settings.languages,
                engine=self.engine,
                matcher=self.matcher,
                tm_threshold=self.settings.tm_threshold,
                progress=self._progress if self.on_translate else None,
                dry_run=self.settings.dry_run,
                annotate=lambda entry, language: annotate(entry, language, self.matcher),
                memories=self.memories,
            )
            self.report = exported if self.report is None else self.report + exported
        self.documents, self.segments = [], 0
        self.seconds += time.perf_counter() - started

    def _progress(self, language: str, done: int, total: int) -> None:
        """Progress over the chunks so far (a run's total grows as chunks come)."""
        before = self.translated.get(language, 0)
        self.chunk_total[language] = total
        if self.on_translate:
            self.on_translate(language, before + done, before + total)


def _outputs(layout: Layout) -> list[Path]:
    """The folders the pipeline writes to."""
    return [layout.locales, layout.state.parent, layout.out]


def _release_result(path: Path, segmented: SegmentedDocument) -> ReleaseResult:
    segments = segmented.segments
    return ReleaseResult(
        path=path,
        format=segmented.document.format,
        blocks=len(segmented.document.blocks),
        segments=len(segments),
        words=sum(segment.words for segment in segments),
        warnings=segmented.document.warnings,
    )


# ---------------------------------------------------------------------------
# What the last run saw


def _key(layout: Layout, path: Path) -> str:
    try:
        return path.resolve().relative_to(layout.root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise InputError(f"cannot read the release ({error.strerror})", path=path) from None


def _language_hash(layout: Layout, language: str) -> str:
    """The PO and suggestion files of one language, as they are now."""
    digest = hashlib.sha256()
    folder = layout.locales / language
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix in (".po", ".json") and path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _is_unchanged(
    layout: Layout,
    path: Path,
    settings: RunSettings,
    state: State,
    source_hashes: dict[str, str],
    language_hashes: dict[str, str],
) -> bool:
    if not state or state.get("settings") != settings.settings_key:
        return False
    key = _key(layout, path)
    if state.get("releases", {}).get(key) != source_hashes[key]:
        return False
    seen = state.get("languages", {})
    for language in settings.languages:
        if seen.get(language) != language_hashes[language]:
            return False
        if not layout.po_file(language, path.stem).is_file():
            return False
    return layout.pot_file(path.stem).is_file()


def _stored_qa(state: State, key: str, language: str) -> QaCounts:
    stored = state.get("qa", {}).get(key, {}).get(language)
    if isinstance(stored, list) and len(stored) == 5 and all(isinstance(n, int) for n in stored):
        return QaCounts(*stored)
    return QaCounts()


def _read_state(layout: Layout) -> State:
    try:
        state = json.loads(layout.state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        return {}
    if not all(isinstance(state.get(k), dict) for k in ("releases", "languages", "qa")):
        return {}  # damaged: start over, as without a state file
    return state


def _write_state(
    layout: Layout,
    settings: RunSettings,
    source_hashes: dict[str, str],
    previous: State,
    results: Sequence[LanguageResult],
) -> None:
    same = previous.get("settings") == settings.settings_key
    releases = dict(previous.get("releases", {})) if same else {}
    releases.update(source_hashes)
    languages = dict(previous.get("languages", {})) if same else {}
    languages.update({lang: _language_hash(layout, lang) for lang in settings.languages})
    qa = {key: dict(value) for key, value in previous.get("qa", {}).items()} if same else {}
    for result in results:
        counts = qa.setdefault(_key(layout, result.release), {})
        counts[result.language] = list(astuple(result.qa))
    state = {
        "version": STATE_VERSION,
        "settings": settings.settings_key,
        "releases": dict(sorted(releases.items())),
        "languages": dict(sorted(languages.items())),
        "qa": {key: dict(sorted(value.items())) for key, value in sorted(qa.items())},
    }
    atomic_write(layout.state, (json.dumps(state, indent=1) + "\n").encode("utf-8"))
