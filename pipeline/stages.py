"""The orchestration of a run: segment → glossary → MT → merge → QA → write, per language.

``export`` takes segmented releases to a POT template per release and a PO file per target
language. All segments of all releases that need machine translation in one language go
to the engine together (each model is loaded once). Files are written only when their
content changes, so a re-run with nothing new rewrites nothing, timestamps included.
QA findings are written into the PO files by the ``annotate`` function the caller passes
(pipeline.qa.checks.annotate), so the PO stage itself knows nothing of QA or MT.

The output is a function of the project's files, not of the run history: the header dates
are the newest modification time of what the file was made from (its release, and the
PO file as it was), never the clock, so an interrupted run that is finished later leaves
the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, astuple, dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pipeline.document.model import BlockKind
from pipeline.errors import InputError, PipelineError
from pipeline.files import atomic_write
from pipeline.glossary.enforce import NO_TERM, AppliedTerm, compound_hints, find_terms
from pipeline.glossary.match import Matcher
from pipeline.languages import language_name
from pipeline.layout import Layout
from pipeline.mt.engine import Engine
from pipeline.mt.packages import ModelError
from pipeline.mt.translate import SegmentTranslation, cached_translations, translate_segments
from pipeline.po.catalog import Catalog, Entry, escape_comment, po_text, render_body
from pipeline.po.header import header_date, template_header, with_header
from pipeline.po.keys import entry_context, reference_path
from pipeline.po.merge import (
    DEFAULT_TM_THRESHOLD,
    NO_SUGGESTION,
    MergeStats,
    Suggestion,
    TranslationMemory,
    Unit,
    claim,
    merge,
)
from pipeline.po.notes import (
    BlockType,
    GlossaryHint,
    MtWarning,
    Origin,
    OriginNote,
    Paragraph,
    TermNote,
    render,
)
from pipeline.po.reader import UNTOUCHED, parse_catalog, read_catalog
from pipeline.po.selfcheck import WriteCheckError, checked_render
from pipeline.po.sidecar import origin_comment, read_suggestions, record_suggestions
from pipeline.qa.checks import muted_checks, translation_findings
from pipeline.segment import Segment, SegmentedDocument

SOURCE_LANGUAGE = "de"
Annotate = Callable[[Entry, str], Entry]  # an entry and its language → the entry with QA notes


@dataclass(frozen=True)
class Release:
    path: Path
    segmented: SegmentedDocument

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class QaCounts:
    """QA findings of a PO file's active entries (as `pipeline check` counts them), split
    by who is answerable: reviewed translations, or suggestions nobody approved yet."""

    reviewed_errors: int = 0
    reviewed_warnings: int = 0
    suggested_errors: int = 0
    suggested_warnings: int = 0
    muted: int = 0  # findings of checks a reviewer muted with `# qa-ignore:`

    @property
    def errors(self) -> int:
        return self.reviewed_errors + self.suggested_errors

    @property
    def warnings(self) -> int:
        return self.reviewed_warnings + self.suggested_warnings

    def __add__(self, other: QaCounts) -> QaCounts:
        return QaCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def as_dict(self) -> dict[str, int]:
        return asdict(self) | {"errors": self.errors, "warnings": self.warnings}


@dataclass(frozen=True)
class LanguageResult:
    release: Path
    language: str
    po_file: Path
    written: bool  # with a dry run: would be written
    stats: MergeStats
    qa: QaCounts = field(default_factory=QaCounts)
    mt_new: int = 0  # entries given a machine translation decoded in this run
    mt_cached: int = 0  # entries given a machine translation from the cache
    qa_complete: bool = True  # False in a dry run with suggestions still to translate

    def as_dict(self) -> dict[str, object]:
        return {
            "release": str(self.release),
            "language": self.language,
            "file": str(self.po_file),
            "written": self.written,
            **asdict(self.stats),
            "mt_new": self.mt_new,
            "mt_cached": self.mt_cached,
            "qa": self.qa.as_dict() if self.qa_complete else None,
        }


@dataclass(frozen=True)
class ExportReport:
    results: tuple[LanguageResult, ...]
    templates_written: int
    missing_models: dict[str, str] = field(default_factory=dict)  # language → fix
    failures: tuple[str, ...] = ()
    mt_new: int = 0  # distinct segments the models translated (once for all files)
    mt_cached: int = 0  # distinct segments found in the translation cache
    mt_wanted: int = 0  # distinct segments that needed MT (translated or not)
    seconds: dict[str, float] = field(default_factory=dict)  # time per stage
    missing_reasons: dict[str, str] = field(default_factory=dict)  # language → what is missing

    def __add__(self, other: ExportReport) -> ExportReport:
        """Two chunks of one run as one report."""
        seconds = dict(self.seconds)
        for stage, value in other.seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + value
        return ExportReport(
            self.results + other.results,
            self.templates_written + other.templates_written,
            {**self.missing_models, **other.missing_models},
            self.failures + other.failures,
            self.mt_new + other.mt_new,
            self.mt_cached + other.mt_cached,
            self.mt_wanted + other.mt_wanted,
            seconds,
            {**self.missing_reasons, **other.missing_reasons},
        )


class _Clock:
    """Adds up the time spent in each stage."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started


def export(
    layout: Layout,
    releases: Sequence[Release],
    languages: Sequence[str],
    engine: Engine | None,
    matcher: Matcher | None,
    tm_threshold: float = DEFAULT_TM_THRESHOLD,
    progress: Callable[[str, int, int], None] | None = None,
    now: datetime | None = None,
    templates: bool = True,
    dry_run: bool = False,
    annotate: Annotate | None = None,
    memories: Mapping[str, TranslationMemory] | None = None,
) -> ExportReport:
    """Write the POT and PO files of ``releases`` for ``languages``.

    ``memories`` are the languages' translation memories when the caller built them (a
    run in chunks builds them once, before any chunk is written); else they are built
    here from every PO file of the language.

    With ``dry_run`` nothing is written and nothing is translated: the report says what
    would change and how many segments would need machine translation. ``now`` sets the
    header dates of changed files (default: derived from the files, see the module).
    """
    clock = _Clock()
    started = time.perf_counter()
    written_templates = 0
    failures: list[str] = []
    for release in releases if templates else ():
        try:
            written_templates += _write_template(layout, release, now, dry_run)
        except WriteCheckError as error:
            failures.append(error.message)
    clock.add("write", started)
    results: list[LanguageResult] = []
    missing: dict[str, str] = {}
    reasons: dict[str, str] = {}
    counts = Counter[str]()
    for language in languages:
        started = time.perf_counter()
        existing: dict[Path, Catalog] = {}
        for release in releases:
            path = layout.po_file(language, release.stem)
            try:
                existing[release.path] = read_catalog(path) if path.is_file() else Catalog()
            except PipelineError as error:
                failures.append(_not_written(error).message)
        read_now = {
            layout.po_file(language, r.stem): existing[r.path]
            for r in releases
            if r.path in existing
        }
        tm = (
            memories[language]
            if memories is not None
            else TranslationMemory.from_catalogs(_language_catalogs(layout, language, read_now))
        )
        clock.add("read", started)
        started = time.perf_counter()
        usable = [release for release in releases if release.path in existing]
        units_by_release = {
            release.path: _units(release, language, matcher, layout.root) for release in usable
        }
        clock.add("glossary", started)
        started = time.perf_counter()
        machine = _machine_translations(
            _Wanted(usable, units_by_release, existing, tm, language),
            engine=engine,
            matcher=matcher,
            missing=missing,
            reasons=reasons,
            progress=progress,
            counts=counts,
            dry_run=dry_run,
        )
        clock.add("mt", started)
        started = time.perf_counter()
        for release in usable:
            try:
                result = _write_language(
                    layout,
                    release,
                    language,
                    matcher=matcher,
                    drafts=units_by_release[release.path],
                    existing=existing[release.path],
                    tm=tm,
                    machine=machine,
                    tm_threshold=tm_threshold,
                    now=now,
                    dry_run=dry_run,
                    annotate=annotate,
                )
            except WriteCheckError as error:
                failures.append(error.message)
                continue
            results.append(result)
        clock.add("merge", started)
    return ExportReport(
        tuple(results),
        written_templates,
        missing,
        tuple(failures),
        missing_reasons=reasons,
        mt_new=counts["new"],
        mt_cached=counts["cached"],
        mt_wanted=counts["wanted"],
        seconds=clock.seconds,
    )


def _not_written(error: PipelineError) -> PipelineError:
    """A PO file that could not be read: it is left as it is, and the message says so."""
    fix = f"{error.fix}; {UNTOUCHED}" if error.fix else UNTOUCHED
    return InputError(error.problem, path=error.path, where=error.where, fix=fix)


@dataclass(frozen=True)
class _Draft:
    """A unit before its suggestion is known."""

    msgid: str
    msgctxt: str | None
    references: tuple[str, ...]
    comments: tuple[str, ...]
    segments: tuple[Segment, ...]


def _units(
    release: Release, language: str, matcher: Matcher | None, root: Path | None = None
) -> list[_Draft]:
    reference = reference_path(release.path, root)
    texts: dict[str, set[BlockKind]] = {}
    for segment in release.segmented.segments:
        texts.setdefault(po_text(segment.text), set()).add(segment.kind)
    drafts: dict[tuple[str | None, str], _Draft] = {}
    for block in release.segmented.blocks:
        paragraph = _one_line(" ".join(segment.source.strip() for segment in block.segments))
        for segment in block.segments:
            msgid = po_text(segment.text)
            context = entry_context(segment, texts[msgid])
            key = (context, msgid)
            ref = f"{reference}:{segment.line}"
            if key in drafts:
                draft = drafts[key]
                refs = draft.references if ref in draft.references else (*draft.references, ref)
                drafts[key] = replace(draft, references=refs, segments=(*draft.segments, segment))
                continue
            comments = [render(BlockType(segment.kind.value))]
            missing = f"(no {language} term)"
            if len(block.segments) > 1:
                comments.append(render(Paragraph(paragraph)))
            if matcher is not None:
                comments.extend(
                    _one_line(render(GlossaryHint(span.surface, span.target or missing)))
                    for span in find_terms(segment.text, matcher, language)
                )
                comments.extend(
                    _one_line(render(hint))
                    for hint in compound_hints(segment.text, matcher, language)
                )
            drafts[key] = _Draft(msgid, context, (ref,), tuple(comments), (segment,))
    return list(drafts.values())


_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])[ \t]*")


def _one_line(text: str) -> str:
    """A machine comment on one line: a wrapped paragraph is shown joined, whatever its
    line breaks (LF, CRLF, CR, the Unicode line and paragraph separators …)."""
    return _LINE_BREAK.sub(" ", text)


def _needs_mt(draft: _Draft, entry: Entry | None, tm: TranslationMemory, own: str) -> bool:
    if entry is not None and entry.reviewed:
        return False
    return tm.lookup(draft.msgid, threshold=1.01, exclude=own) is None


@dataclass(frozen=True)
class _Wanted:
    """What decides which segments of a language need machine translation."""

    releases: Sequence[Release]
    units: dict[Path, list[_Draft]]
    existing: dict[Path, Catalog]
    tm: TranslationMemory
    language: str


def _machine_translations(
    wanted_by: _Wanted,
    *,
    engine: Engine | None,
    matcher: Matcher | None,
    missing: dict[str, str],
    reasons: dict[str, str],
    progress: Callable[[str, int, int], None] | None,
    counts: Counter[str],
    dry_run: bool = False,
) -> dict[str, _Machine]:
    """msgid → its machine translation, for every segment that needs MT. A dry run takes
    what the cache has and marks the rest as still to translate (``result`` None)."""
    language = wanted_by.language
    wanted: dict[str, Segment] = {}
    for release in wanted_by.releases:
        own = _own_po(release, language)
        units = wanted_by.units[release.path]
        previous = claim(units, wanted_by.existing[release.path].entries)
        for draft in units:
            if _needs_mt(draft, previous.get((draft.msgctxt, draft.msgid)), wanted_by.tm, own):
                wanted.setdefault(draft.msgid, draft.segments[0])
    counts["wanted"] += len(wanted)
    if not wanted or engine is None:
        return {}
    try:
        engine.route(SOURCE_LANGUAGE, language)
    except ModelError as error:
        missing[language] = error.fix or f"pipeline models install {SOURCE_LANGUAGE} {language}"
        reasons[language] = error.problem
        return {}
    description = engine.describe(SOURCE_LANGUAGE, language)
    segments = list(wanted.values())
    if dry_run:
        known = cached_translations(engine, segments, SOURCE_LANGUAGE, language, matcher)
        counts["cached"] += sum(result is not None for result in known)
        counts["new"] += sum(result is None for result in known)
        pairs = zip(wanted, known, strict=True)
        return {msgid: _Machine(result, description, result is not None) for msgid, result in pairs}
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(language, done, len(segments))

    translated = translate_segments(
        engine, segments, SOURCE_LANGUAGE, language, advance, matcher=matcher
    )
    counts["cached"] += sum(result.cached for result in translated)
    counts["new"] += sum(not result.cached for result in translated)
    pairs = zip(wanted, translated, strict=True)
    return {msgid: _Machine(result, description, result.cached) for msgid, result in pairs}


@dataclass(frozen=True)
class _Machine:
    """A segment's machine translation (None: a dry run would have to decode it)."""

    result: SegmentTranslation | None
    description: str
    cached: bool


PREDICTED = "(a dry run: this segment would be machine-translated)"


def _write_language(
    layout: Layout,
    release: Release,
    language: str,
    *,
    matcher: Matcher | None,
    drafts: list[_Draft],
    existing: Catalog,
    tm: TranslationMemory,
    machine: dict[str, _Machine],
    tm_threshold: float,
    now: datetime | None,
    dry_run: bool = False,
    annotate: Annotate | None = None,
) -> LanguageResult:
    po_path = layout.po_file(language, release.stem)
    sidecar = layout.suggestions_file(language, release.stem)
    recorded = read_suggestions(sidecar)
    units = []
    own = _own_po(release, language)
    for draft in drafts:
        suggestion, origin_comments = _suggest(draft, tm, machine, tm_threshold, own)
        units.append(
            Unit(
                draft.msgid,
                draft.msgctxt,
                draft.references,
                draft.comments + origin_comments,
                suggestion,
            )
        )
    origins = {k: origin_comment(v) for k, v in recorded.items()}
    entries, stats = merge(units, existing, {k: v["text"] for k, v in recorded.items()}, origins)
    if annotate is not None:
        entries = tuple(  # a dry run's stand-in text has nothing to check
            entry if entry.msgstr == PREDICTED else annotate(entry, language) for entry in entries
        )
    catalog = Catalog(
        header=dict(existing.header),
        entries=entries,
        header_comments=existing.header_comments
        or (f"{language_name(language)} translation of {_name(release)}.",),
    )
    final, revised = with_header(catalog, existing, language, release.path, po_path, now)
    text = checked_render(final, po_path)
    qa = _qa_counts(entries, language, matcher)
    mt_new, mt_cached = _machine_entries(units, entries, machine)
    if dry_run:
        written = not po_path.is_file() or po_path.read_bytes() != text.encode("utf-8")
    else:
        written = atomic_write(po_path, text.encode("utf-8"))
        record_suggestions(sidecar, recorded, units, entries, revised)
    return LanguageResult(
        release.path,
        language,
        po_path,
        written,
        stats,
        qa,
        mt_new,
        mt_cached,
        qa_complete=not any(entry.msgstr == PREDICTED for entry in entries),
    )


def _machine_entries(
    units: list[Unit], entries: tuple[Entry, ...], machine: dict[str, _Machine]
) -> tuple[int, int]:
    """How many entries show a machine translation made in this run: new, from the cache."""
    shown = {entry.key: entry.msgstr for entry in entries if not entry.obsolete}
    new = cached = 0
    for unit in units:
        made = machine.get(unit.msgid)
        if made is None or unit.suggestion.origin != "mt" or not unit.suggestion.text:
            continue
        if shown.get(unit.key) == unit.suggestion.text:
            cached += made.cached
            new += not made.cached
    return new, cached


def _qa_counts(entries: tuple[Entry, ...], language: str, matcher: Matcher | None) -> QaCounts:
    """The findings `pipeline check` reports for these entries, counted by entry state."""
    totals = [0, 0, 0, 0, 0]
    for entry in entries:
        if entry.obsolete or not entry.msgid or entry.msgstr == PREDICTED:
            continue
        errors, warnings, muted = _entry_findings(
            entry.msgid, entry.msgstr, language, matcher, muted_checks(entry.translator)
        )
        side = 0 if entry.reviewed else 2
        totals[side] += errors
        totals[side + 1] += warnings
        totals[4] += muted
    return QaCounts(*totals)


@lru_cache(maxsize=20_000)
def _entry_findings(
    source: str, target: str, language: str, matcher: Matcher | None, muted: frozenset[str]
) -> tuple[int, int, int]:
    """(errors, warnings, muted findings) of one translation; boilerplate repeats, so cached."""
    findings = translation_findings(source, target, language, matcher, muted)
    counted = [finding for finding in findings if not finding.muted]
    errors = sum(finding.severity == "error" for finding in counted)
    return errors, len(counted) - errors, len(findings) - len(counted)


def _suggest(
    draft: _Draft,
    tm: TranslationMemory,
    machine: dict[str, _Machine],
    tm_threshold: float,
    own: str,
) -> tuple[Suggestion, tuple[str, ...]]:
    exact = tm.lookup(draft.msgid, threshold=1.01, exclude=own)
    if exact is not None:
        return exact, (render(OriginNote(Origin.TM, exact.detail)),)
    if draft.msgid in machine:
        result, description = machine[draft.msgid].result, machine[draft.msgid].description
        if result is None:
            return Suggestion(PREDICTED, Origin.MT, description), ()
        comments = [render(OriginNote(Origin.MT, description))]
        comments += [_term_comment(term) for term in result.terms if term.status != NO_TERM]
        # the legs of a route and the retries may note the same thing: each once
        comments += [render(MtWarning(warning)) for warning in dict.fromkeys(result.warnings)]
        return Suggestion(po_text(result.text), Origin.MT, description), tuple(comments)
    close = tm.lookup(draft.msgid, threshold=tm_threshold, exclude=own)
    if close is not None:
        return close, (render(OriginNote(Origin.TM_FUZZY, close.detail)),)
    return NO_SUGGESTION, ()


def _name(release: Release) -> str:
    """The release's file name for a comment line."""
    return escape_comment(release.path.name)


def _term_comment(term: AppliedTerm) -> str:
    return render(TermNote(term.status, term.source, term.target))


def _write_template(layout: Layout, release: Release, now: datetime | None, dry_run: bool) -> bool:
    path = layout.pot_file(release.stem)
    drafts = _units(release, "", None, layout.root)
    entries = tuple(Entry(d.msgid, "", d.msgctxt, (), d.references, d.comments) for d in drafts)
    existing = _read_if_valid(path)
    previous = existing.header.get("POT-Creation-Date") if existing else None
    header = template_header(release.stem, header_date(now, [release.path], previous))
    template = Catalog(header, entries, (f"Template for {_name(release)}.",), True)
    if existing is not None and render_body(existing) == render_body(template):
        header["POT-Creation-Date"] = existing.header.get("POT-Creation-Date", "")
    data = checked_render(replace(template, header=header), path).encode("utf-8")
    if dry_run:
        return not path.is_file() or path.read_bytes() != data
    return atomic_write(path, data)


def _read_if_valid(path: Path) -> Catalog | None:
    if not path.is_file():
        return None
    try:
        return parse_catalog(path.read_text(encoding="utf-8"), path)
    except (PipelineError, UnicodeDecodeError):
        return None


def _own_po(release: Release, language: str) -> str:
    """How the TM names a release's own PO file (its matches are not "other releases")."""
    return f"{language}/{release.stem}.po"


def translation_memories(layout: Layout, languages: Sequence[str]) -> dict[str, TranslationMemory]:
    """Each language's translation memory from its PO files as they are on disk (what
    :func:`export` builds for itself, for a run that exports in chunks)."""
    return {
        language: TranslationMemory.from_catalogs(_language_catalogs(layout, language, {}))
        for language in languages
    }


def _language_catalogs(
    layout: Layout, language: str, read: dict[Path, Catalog]
) -> list[tuple[Path, Catalog]]:
    """Every PO file of the language; those in ``read`` are not parsed a second time."""
    directory = layout.locales / language
    catalogs = []
    for path in sorted(directory.glob("*.po")) if directory.is_dir() else []:
        try:
            catalog = read[path] if path in read else read_catalog(path)
        except PipelineError:
            continue  # a broken file of another release: that release reports it
        catalogs.append((path.relative_to(layout.root), catalog))
    return catalogs
