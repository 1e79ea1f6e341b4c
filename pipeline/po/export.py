"""Export releases to PO: a POT template per release and a PO file per target language.

``export`` runs segment → glossary → MT → merge → write for a set of releases and
languages. All segments of all releases that need machine translation in one language go
to the engine together (each model is loaded once). Files are written only when their
content changes, so a re-run with nothing new rewrites nothing, timestamps included.

The output is a function of the project's files, not of the run history: the header dates
are the newest modification time of what the file was made from (its release, and the
PO file as it was), never the clock, so an interrupted run that is finished later leaves
the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from pipeline import __version__
from pipeline.document.model import BlockKind
from pipeline.errors import InputError, PipelineError
from pipeline.files import atomic_write
from pipeline.glossary.enforce import NO_TERM, AppliedTerm, find_terms
from pipeline.glossary.match import Matcher
from pipeline.layout import Layout
from pipeline.mt.engine import Engine
from pipeline.mt.packages import ModelError
from pipeline.mt.translate import SegmentTranslation, translate_segments
from pipeline.po.catalog import Catalog, Entry, escape_comment, po_text, render_body
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
from pipeline.po.reader import UNTOUCHED, parse_catalog, read_catalog
from pipeline.po.selfcheck import WriteCheckError, checked_render
from pipeline.qa.checks import check_entries, comment_lines, muted_checks
from pipeline.segment import Segment, SegmentedDocument

SOURCE_LANGUAGE = "de"
LANGUAGE_NAMES = {"de": "German", "en": "English", "fr": "French", "es": "Spanish",
                  "it": "Italian", "nl": "Dutch", "pt": "Portuguese", "pl": "Polish"}  # fmt: skip
PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "pt": "nplurals=2; plural=(n != 1);",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
}
DEFAULT_PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
MACHINE_TRANSLATOR = "release-pipeline (machine translation, not reviewed)"


@dataclass(frozen=True)
class Release:
    path: Path
    segmented: SegmentedDocument

    @property
    def stem(self) -> str:
        return self.path.stem


@dataclass(frozen=True)
class LanguageResult:
    release: Path
    language: str
    po_file: Path
    written: bool  # with a dry run: would be written
    stats: MergeStats
    qa_errors: int = 0
    qa_warnings: int = 0


@dataclass(frozen=True)
class ExportReport:
    results: tuple[LanguageResult, ...]
    templates_written: int
    missing_models: dict[str, str] = field(default_factory=dict)  # language → fix
    failures: tuple[str, ...] = ()
    mt_new: int = 0  # segments the models translated
    mt_cached: int = 0  # segments found in the translation cache
    mt_wanted: int = 0  # segments that needed MT (translated or not)
    seconds: dict[str, float] = field(default_factory=dict)  # time per stage
    missing_reasons: dict[str, str] = field(default_factory=dict)  # language → what is missing


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
) -> ExportReport:
    """Write the POT and PO files of ``releases`` for ``languages``.

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
        read_now = {layout.po_file(language, r.stem): existing[r.path] for r in releases
                    if r.path in existing}  # fmt: skip
        tm = TranslationMemory.from_catalogs(_language_catalogs(layout, language, read_now))
        clock.add("read", started)
        started = time.perf_counter()
        usable = [release for release in releases if release.path in existing]
        units_by_release = {
            release.path: _units(release, language, matcher, layout.root) for release in usable
        }
        clock.add("glossary", started)
        started = time.perf_counter()
        machine = _machine_translations(
            usable, units_by_release, existing, tm, language, None if dry_run else engine,
            matcher, missing, reasons, progress, counts,
        )  # fmt: skip
        clock.add("mt", started)
        started = time.perf_counter()
        for release in usable:
            try:
                result = _write_language(
                    layout, release, language, matcher, units_by_release[release.path],
                    existing[release.path], tm, machine, tm_threshold, now, dry_run,
                )  # fmt: skip
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


# ---------------------------------------------------------------------------
# Units: the entries a release needs, with their machine comments


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
    reference = _relative(release.path, root)
    texts: dict[str, set[BlockKind]] = {}
    for segment in release.segmented.segments:
        texts.setdefault(po_text(segment.text), set()).add(segment.kind)
    drafts: dict[tuple[str | None, str], _Draft] = {}
    for block in release.segmented.blocks:
        paragraph = _one_line(" ".join(segment.source.strip() for segment in block.segments))
        for segment in block.segments:
            msgid = po_text(segment.text)
            context = _context(segment, texts[msgid])
            key = (context, msgid)
            ref = f"{reference}:{segment.line}"
            if key in drafts:
                draft = drafts[key]
                refs = draft.references if ref in draft.references else (*draft.references, ref)
                drafts[key] = replace(draft, references=refs, segments=(*draft.segments, segment))
                continue
            comments = [f"type: {segment.kind.value}"]
            missing = f"(no {language} term)"
            if len(block.segments) > 1:
                comments.append(f"paragraph: {paragraph}")
            if matcher is not None:
                comments.extend(
                    _one_line(f"glossary: {span.surface} → {span.target or missing}")
                    for span in find_terms(segment.text, matcher, language)
                )
            drafts[key] = _Draft(msgid, context, (ref,), tuple(comments), (segment,))
    return list(drafts.values())


_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])[ \t]*")


def _one_line(text: str) -> str:
    """A machine comment on one line: a wrapped paragraph is shown joined, whatever its
    line breaks (LF, CRLF, CR, the Unicode line and paragraph separators …)."""
    return _LINE_BREAK.sub(" ", text)


def _relative(path: Path, root: Path | None) -> str:
    """The path as the PO files show it: relative to the project where possible."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def segment_keys(segmented: SegmentedDocument) -> dict[str, tuple[str | None, str]]:
    """Segment id → (msgctxt, msgid) of its PO entry."""
    kinds: dict[str, set[BlockKind]] = {}
    for segment in segmented.segments:
        kinds.setdefault(po_text(segment.text), set()).add(segment.kind)
    keys = {}
    for segment in segmented.segments:
        msgid = po_text(segment.text)
        keys[segment.id] = (_context(segment, kinds[msgid]), msgid)
    return keys


def _context(segment: Segment, kinds: set[BlockKind]) -> str | None:
    """msgctxt only where the same German text is both a heading and body text."""
    if BlockKind.HEADING in kinds and len(kinds) > 1 and segment.kind is BlockKind.HEADING:
        return "heading"
    return None


# ---------------------------------------------------------------------------
# Machine translation of what needs it


def _needs_mt(draft: _Draft, entry: Entry | None, tm: TranslationMemory, own: str) -> bool:
    if entry is not None and entry.reviewed:
        return False
    return tm.lookup(draft.msgid, threshold=1.01, exclude=own) is None


def _machine_translations(
    releases: Sequence[Release],
    units: dict[Path, list[_Draft]],
    existing: dict[Path, Catalog],
    tm: TranslationMemory,
    language: str,
    engine: Engine | None,
    matcher: Matcher | None,
    missing: dict[str, str],
    reasons: dict[str, str],
    progress: Callable[[str, int, int], None] | None,
    counts: Counter[str],
) -> dict[str, tuple[SegmentTranslation, str]]:
    """msgid → (translation, engine description) for every segment that needs MT."""
    wanted: dict[str, Segment] = {}
    for release in releases:
        own = _own_po(release, language)
        previous = claim(units[release.path], existing[release.path].entries)
        for draft in units[release.path]:
            if _needs_mt(draft, previous.get((draft.msgctxt, draft.msgid)), tm, own):
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
    return {msgid: (result, description) for msgid, result in pairs}


# ---------------------------------------------------------------------------
# Writing one PO file


def _write_language(
    layout: Layout,
    release: Release,
    language: str,
    matcher: Matcher | None,
    drafts: list[_Draft],
    existing: Catalog,
    tm: TranslationMemory,
    machine: dict[str, tuple[SegmentTranslation, str]],
    tm_threshold: float,
    now: datetime | None,
    dry_run: bool = False,
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
    origins = {k: _origin_comment(v) for k, v in recorded.items()}
    entries, stats = merge(units, existing, {k: v["text"] for k, v in recorded.items()}, origins)
    entries = tuple(_with_findings(entry, language, matcher) for entry in entries)
    catalog = Catalog(
        header=dict(existing.header),
        entries=entries,
        header_comments=existing.header_comments
        or (f"{LANGUAGE_NAMES.get(language, language)} translation of {_name(release)}.",),
    )
    final, revised = _with_header(catalog, existing, language, release, po_path, now)
    text = checked_render(final, po_path)
    qa = Counter(line.split(" ", 2)[1] for e in entries for line in e.extracted
                 if line.startswith("qa ") and not e.obsolete)  # fmt: skip
    if dry_run:
        written = not po_path.is_file() or po_path.read_bytes() != text.encode("utf-8")
    else:
        written = atomic_write(po_path, text.encode("utf-8"))
        _record_suggestions(sidecar, recorded, units, entries, revised)
    return LanguageResult(
        release.path, language, po_path, written, stats, qa["error"], qa["warning"]
    )


def _suggest(
    draft: _Draft,
    tm: TranslationMemory,
    machine: dict[str, tuple[SegmentTranslation, str]],
    tm_threshold: float,
    own: str,
) -> tuple[Suggestion, tuple[str, ...]]:
    exact = tm.lookup(draft.msgid, threshold=1.01, exclude=own)
    if exact is not None:
        return exact, (f"origin: TM {exact.detail}",)
    if draft.msgid in machine:
        result, description = machine[draft.msgid]
        comments = [f"origin: MT {description}"]
        comments += [_term_comment(term) for term in result.terms if term.status != NO_TERM]
        comments += [f"warning: {warning}" for warning in result.warnings]
        return Suggestion(po_text(result.text), "mt", description), tuple(comments)
    close = tm.lookup(draft.msgid, threshold=tm_threshold, exclude=own)
    if close is not None:
        return close, (f"origin: TM {close.detail}",)
    return NO_SUGGESTION, ()


def _name(release: Release) -> str:
    """The release's file name for a comment line."""
    return escape_comment(release.path.name)


def _header_value(text: str) -> str:
    """``text`` as a header field value: on one line, without surrounding blanks."""
    return escape_comment(text).strip()


def _origin_comment(record: dict[str, str]) -> str:
    """The ``origin:`` machine comment of a recorded suggestion ("" if it has none)."""
    kind = {"mt": "MT", "tm": "TM", "tm-fuzzy": "TM"}.get(str(record.get("origin", "")))
    detail = record.get("detail")
    return f"origin: {kind} {detail}" if kind and isinstance(detail, str) and detail else ""


def _term_comment(term: AppliedTerm) -> str:
    return f"term {term.status}: {term.source} → {term.target}"


def _with_findings(entry: Entry, language: str, matcher: Matcher | None) -> Entry:
    """QA findings on the entry's current translation, as machine comments."""
    if entry.obsolete or not entry.msgstr:
        return entry
    kept = tuple(line for line in entry.extracted if not line.startswith("qa "))
    muted = muted_checks(entry.translator)
    lines = _qa_lines(entry.msgid, entry.msgstr, language, matcher, muted)
    return replace(entry, extracted=kept + lines)


@lru_cache(maxsize=100_000)
def _qa_lines(
    source: str, target: str, language: str, matcher: Matcher | None, muted: frozenset[str]
) -> tuple[str, ...]:
    """QA comments for a translation; boilerplate repeats across releases, so cached.
    Checks a reviewer muted (``# qa-ignore: …``) are written as muted, never as errors."""
    return comment_lines(check_entries([(source, target, 0, muted)], language, matcher))


def _with_header(
    catalog: Catalog,
    existing: Catalog,
    language: str,
    release: Release,
    po_path: Path,
    now: datetime | None,
) -> tuple[Catalog, str]:
    """The catalog with a complete header, and the file's PO-Revision-Date. Dates change only
    when the content does, to the newest modification time of the release and of the PO
    file as it was (or ``now``), never earlier than the dates the header had."""
    header = dict(existing.header)
    stamp = _stamp(now, [release.path, po_path], header.get("PO-Revision-Date"))
    pot_stamp = _stamp(now, [release.path], header.get("POT-Creation-Date"))
    header.setdefault("Project-Id-Version", _header_value(release.stem))
    header.setdefault("Report-Msgid-Bugs-To", "")
    header.setdefault("POT-Creation-Date", pot_stamp)
    header.setdefault("PO-Revision-Date", stamp)
    header.setdefault("Last-Translator", MACHINE_TRANSLATOR)
    header.setdefault("Language-Team", LANGUAGE_NAMES.get(language, language))
    header["Language"] = language
    header["MIME-Version"] = "1.0"
    header["Content-Type"] = "text/plain; charset=UTF-8"
    header["Content-Transfer-Encoding"] = "8bit"
    header["Plural-Forms"] = PLURAL_FORMS.get(language, DEFAULT_PLURAL_FORMS)
    header.setdefault("X-Generator", f"release-pipeline {__version__}")
    draft = replace(catalog, header=header, header_fuzzy=False)
    if existing.header and render_body(draft) == render_body(existing):
        return draft, header["PO-Revision-Date"]
    if {e.msgid for e in existing.active} != {e.msgid for e in draft.active}:
        header["POT-Creation-Date"] = pot_stamp
    header["PO-Revision-Date"] = stamp
    return replace(draft, header=header), stamp


_DATE_FORMAT = "%Y-%m-%d %H:%M%z"


def _stamp(now: datetime | None, sources: Sequence[Path], floor: str | None = None) -> str:
    """A header date: ``now``, else the newest modification time of ``sources``, and never
    earlier than ``floor`` (the date the header had)."""
    if now is not None:
        return now.astimezone(UTC).strftime("%Y-%m-%d %H:%M+0000")
    times = [path.stat().st_mtime for path in sources if path.is_file()]
    newest = datetime.fromtimestamp(max(times, default=0), UTC).replace(second=0, microsecond=0)
    try:
        earlier = datetime.strptime(floor or "", _DATE_FORMAT).astimezone(UTC)
    except ValueError:
        earlier = None
    if earlier is not None and earlier > newest:
        newest = earlier
    return newest.strftime("%Y-%m-%d %H:%M+0000")


# ---------------------------------------------------------------------------
# The template


def _write_template(layout: Layout, release: Release, now: datetime | None, dry_run: bool) -> bool:
    path = layout.pot_file(release.stem)
    drafts = _units(release, "", None, layout.root)
    entries = tuple(Entry(d.msgid, "", d.msgctxt, (), d.references, d.comments) for d in drafts)
    existing = _read_if_valid(path)
    previous = existing.header.get("POT-Creation-Date") if existing else None
    header = {
        "Project-Id-Version": _header_value(release.stem),
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": _stamp(now, [release.path], previous),
        "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
        "Last-Translator": "FULL NAME <EMAIL@ADDRESS>",
        "Language-Team": "LANGUAGE <LL@li.org>",
        "Language": "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": f"release-pipeline {__version__}",
    }
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


# ---------------------------------------------------------------------------
# Translation memory and recorded suggestions


def _own_po(release: Release, language: str) -> str:
    """How the TM names a release's own PO file (its matches are not "other releases")."""
    return f"{language}/{release.stem}.po"


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


def _record_suggestions(
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
