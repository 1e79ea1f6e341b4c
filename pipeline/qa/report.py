"""One self-contained HTML page for reviewers: progress, segments side by side, terms, QA.

:func:`build_report` reads every PO file of the project (``locales/<lang>/<stem>.po``)
once, runs the QA checks on what it read (the same checks, on the same entries, as
``pipeline check``), and renders the page from the Jinja template in ``templates/``: a
summary per language with progress bars, then per language one table per release:
German source | translation | state | QA findings. Glossary terms are marked in both
columns; an expected target term that the translation lacks is noted under it.

Nothing is loaded from anywhere: the CSS and a small script (both package data, next to
the template) are inline, and a Content Security Policy forbids every other resource
(the script is allowed by its hash). The script only adds filters; without it the page
is complete, and printed it shows every segment.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from pipeline.errors import PipelineError
from pipeline.files import atomic_write
from pipeline.glossary.enforce import MISSING, TargetTerm, compound_hints, target_terms
from pipeline.glossary.match import Matcher, TermHit
from pipeline.languages import LANGUAGE_NAMES
from pipeline.layout import Layout
from pipeline.po.catalog import Catalog, Entry
from pipeline.po.notes import CompoundHint, Origin, origins_of
from pipeline.po.reader import read_catalog
from pipeline.po.status import ReviewProgress, catalog_progress, progress_files
from pipeline.qa.checks import Check, Finding, check_catalog

REVIEWED = "reviewed"
TM = "TM"
MT = "MT"
DRAFT = "draft"
UNTRANSLATED = "untranslated"
STATES = (REVIEWED, TM, MT, DRAFT, UNTRANSLATED)
STATE_HELP = {
    REVIEWED: "approved by a reviewer",
    TM: "suggested by the translation memory",
    MT: "suggested by machine translation",
    DRAFT: "a draft (fuzzy), not approved yet",
    UNTRANSLATED: "no translation yet",
}
DEFAULT_TITLE = "Translation review report"
TEMPLATE = "report.html.j2"
SCRIPT = "report.js"
STYLE = "report.css"


# --- data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A marked stretch of a text: a glossary term and its concept id."""

    start: int
    end: int
    concept: str


ExpectedTerm = TargetTerm  # a target term the glossary asks for in a translation


@dataclass(frozen=True)
class Row:
    """One segment of one PO file, ready to render."""

    entry: Entry
    state: str
    source_spans: tuple[Span, ...]
    target_spans: tuple[Span, ...]
    missing: tuple[ExpectedTerm, ...]
    findings: tuple[Finding, ...]
    hints: tuple[CompoundHint, ...] = ()  # closed compounds whose head is a concept

    @property
    def source_html(self) -> Markup:
        return marked(self.entry.msgid, self.source_spans)

    @property
    def target_html(self) -> Markup:
        return marked(self.entry.msgstr, self.target_spans)

    @property
    def classes(self) -> str:
        classes = ["segment", f"state-{self.state.lower()}"]
        if self.findings:
            classes.append("has-findings")
            counted = {finding.severity for finding in self.findings if not finding.muted}
            classes.extend(f"has-{severity}" for severity in sorted(counted))
            if any(finding.muted for finding in self.findings):
                classes.append("has-muted")
        return " ".join(classes)


@dataclass(frozen=True)
class QACounts:
    """Findings of one file or language: errors and warnings counted, muted ones apart."""

    errors: int = 0
    warnings: int = 0
    muted: int = 0

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> QACounts:
        errors = warnings = muted = 0
        for finding in findings:
            if finding.muted:
                muted += 1
            elif finding.severity == "error":
                errors += 1
            elif finding.severity == "warning":
                warnings += 1
        return cls(errors, warnings, muted)

    def __add__(self, other: QACounts) -> QACounts:
        return QACounts(
            self.errors + other.errors, self.warnings + other.warnings, self.muted + other.muted
        )


@dataclass(frozen=True)
class FileSection:
    """One release in one language: its progress and its segments."""

    progress: ReviewProgress
    rows: tuple[Row, ...]
    loose_findings: tuple[Finding, ...] = ()  # for this file, but no segment to attach to
    display_path: str = ""

    @property
    def anchor(self) -> str:
        return _anchor(self.progress.language, self.progress.release)

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        attached = tuple(finding for row in self.rows for finding in row.findings)
        return attached + self.loose_findings

    @cached_property
    def qa(self) -> QACounts:
        return QACounts.of(self.findings)

    @property
    def shown(self) -> bool:
        """Whether the page has a section for it (a file with no segments has none)."""
        return bool(self.rows or self.loose_findings)


@dataclass(frozen=True)
class LanguageSummary:
    language: str
    sections: tuple[FileSection, ...]

    @property
    def name(self) -> str:
        return language_label(self.language)

    @property
    def anchor(self) -> str:
        return "lang-" + _slug(self.language)

    def _sum(self, field: str) -> int:
        return sum(getattr(section.progress, field) for section in self.sections)

    @property
    def reviewed(self) -> int:
        return self._sum("reviewed")

    @property
    def fuzzy(self) -> int:
        return self._sum("fuzzy")

    @property
    def untranslated(self) -> int:
        return self._sum("untranslated")

    @cached_property
    def qa(self) -> QACounts:
        return sum((section.qa for section in self.sections), QACounts())

    @property
    def shown_sections(self) -> tuple[FileSection, ...]:
        return tuple(section for section in self.sections if section.shown)


@dataclass(frozen=True)
class Report:
    """The page and what went into it."""

    html: str
    languages: tuple[LanguageSummary, ...] = ()
    findings: tuple[Finding, ...] = ()  # every finding of every file shown, muted ones too
    unreadable: tuple[PipelineError, ...] = ()  # PO files left out: they could not be read

    @property
    def counted(self) -> int:
        """Findings that count (not muted by a reviewer's ``# qa-ignore``)."""
        return sum(not finding.muted for finding in self.findings)

    @property
    def muted(self) -> int:
        return sum(finding.muted for finding in self.findings)


# --- public API ---------------------------------------------------------------------


def build_report(
    layout: Layout,
    matcher: Matcher | None,
    languages: Sequence[str] | None = None,
    *,
    title: str = DEFAULT_TITLE,
    checks: Sequence[Check] | None = None,
) -> Report:
    """The review report of the project's PO files (optionally only some languages).

    Each PO file is read once; the QA checks (``checks``, default: all) run on what was
    read, with the inputs of :func:`pipeline.qa.checks.check_po_file`, so the findings
    are those ``pipeline check`` gives for the file. A file that cannot be read is left
    out of the page and its error is in :attr:`Report.unreadable`.
    """
    if isinstance(languages, str) or any(not isinstance(code, str) for code in languages or ()):
        raise TypeError("languages are codes (build_report runs the checks: it takes no findings)")
    sections: list[FileSection] = []
    unreadable: list[PipelineError] = []
    for language, path in progress_files(layout, list(languages) if languages else None):
        try:
            catalog = read_catalog(path)
        except PipelineError as error:
            unreadable.append(error)
            continue
        sections.append(_section(layout, path, language, catalog, matcher, checks))
    summaries = _summaries(sections)
    html = render_page(title, layout, summaries)
    findings = tuple(finding for section in sections for finding in section.findings)
    return Report(html, tuple(summaries), findings, tuple(unreadable))


def report_path(layout: Layout) -> Path:
    """Where ``pipeline report`` writes the page unless told otherwise."""
    return layout.out / "report.html"


def write_report(layout: Layout, html: str, output: Path | None = None) -> Path:
    """Write the page atomically (default: ``out/report.html`` of the project)."""
    path = Path(output) if output is not None else report_path(layout)
    atomic_write(path, html.encode("utf-8"))
    return path


def entry_state(entry: Entry) -> str:
    """reviewed, TM, MT, draft or untranslated (see STATE_HELP)."""
    if not entry.msgstr:
        return UNTRANSLATED
    origins = set(origins_of(entry.extracted))
    if origins & {Origin.TM, Origin.TM_FUZZY}:
        return TM
    if entry.reviewed:
        return REVIEWED
    if Origin.MT in origins:
        return MT
    return DRAFT


def source_spans(hits: Iterable[TermHit]) -> tuple[Span, ...]:
    """The matched German terms, without overlaps."""
    spans = [Span(hit.start, hit.end, hit.concept) for hit in hits]
    return _without_overlaps(spans)


def expected_terms(hits: Iterable[TermHit], matcher: Matcher, language: str) -> list[ExpectedTerm]:
    """The target terms the glossary expects for these German hits, each concept once."""
    return target_terms(hits, matcher.termbase, language)


def target_spans(
    text: str, expected: Sequence[ExpectedTerm]
) -> tuple[tuple[Span, ...], tuple[ExpectedTerm, ...]]:
    """Where the expected terms occur in a translation, and which lack: as the ``glossary``
    check and the PO comments decide it (:meth:`TargetTerm.status`)."""
    spans: list[Span] = []
    missing: list[ExpectedTerm] = []
    for term in expected:
        spans.extend(Span(start, end, term.concept) for start, end in term.spans(text))
        if term.status(text) == MISSING:
            missing.append(term)
    return _without_overlaps(spans), tuple(missing)


def marked(text: str, spans: Sequence[Span]) -> Markup:
    """``text`` escaped for HTML, with each span wrapped in ``<mark>`` (its concept as
    the title): built here from escaped parts only, so the template can insert it."""
    mark = Markup('<mark class="term" title="{}">{}</mark>')
    parts: list[Markup] = []
    position = 0
    for span in spans:
        parts.append(escape(text[position : span.start]))
        parts.append(mark.format(span.concept, text[span.start : span.end]))
        position = span.end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def language_label(language: str) -> str:
    """``English (en)``; the bare code for a language without a known name."""
    name = LANGUAGE_NAMES.get(language)
    return f"{name} ({language})" if name else language


def render_page(title: str, layout: Layout, summaries: Sequence[LanguageSummary]) -> str:
    """The page from its template (autoescaped; CSS and script inline, the script hashed)."""
    environment = _environment()
    script = environment.get_template(SCRIPT).render()
    return environment.get_template(TEMPLATE).render(
        title=title,
        project=layout.root.resolve().name,
        languages=summaries,
        files=sum(len(summary.sections) for summary in summaries),
        states=STATES,
        state_help=STATE_HELP,
        policy=content_security_policy(script),
    )


def content_security_policy(script: str) -> str:
    """Only this page's own style and script; no fetches, fonts, images or frames."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; img-src data:; form-action 'none'; base-uri 'none'"
    )


def template_text(name: str) -> str:
    """A file of ``pipeline/qa/templates`` (package data), as text."""
    return resources.files("pipeline.qa").joinpath("templates").joinpath(name).read_text("utf-8")


# --- building the data --------------------------------------------------------------


def _section(
    layout: Layout,
    path: Path,
    language: str,
    catalog: Catalog,
    matcher: Matcher | None,
    checks: Sequence[Check] | None,
) -> FileSection:
    entries = [entry for entry in catalog.entries if not entry.obsolete and entry.msgid]
    findings = check_catalog(catalog, path, matcher, checks)
    by_line: dict[int, list[Finding]] = {}
    for finding in findings:
        by_line.setdefault(finding.line, []).append(finding)
    rows = tuple(
        _row(entry, language, matcher, tuple(by_line.pop(entry.line, ()))) for entry in entries
    )
    loose = tuple(finding for group in by_line.values() for finding in group)
    progress = catalog_progress(path, language, catalog.entries)
    return FileSection(progress, rows, loose, _display_path(path, layout.root))


def _row(
    entry: Entry, language: str, matcher: Matcher | None, findings: tuple[Finding, ...]
) -> Row:
    hits = matcher.find(entry.msgid) if matcher else []
    expected = expected_terms(hits, matcher, language) if matcher else []
    spans, missing = target_spans(entry.msgstr, expected) if entry.msgstr else ((), ())
    hints = compound_hints(entry.msgid, matcher, language) if matcher else ()
    return Row(entry, entry_state(entry), source_spans(hits), spans, missing, findings, hints)


def _summaries(sections: Sequence[FileSection]) -> list[LanguageSummary]:
    grouped: dict[str, list[FileSection]] = {}
    for section in sections:
        grouped.setdefault(section.progress.language, []).append(section)
    return [LanguageSummary(language, tuple(group)) for language, group in grouped.items()]


def _without_overlaps(spans: Sequence[Span]) -> tuple[Span, ...]:
    """Longest first (then earliest) wins where spans overlap; in text order."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return tuple(sorted(kept, key=lambda s: s.start))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text)


def _anchor(language: str, release: str) -> str:
    return "file-" + _slug(f"{language}-{release}")


def _display_path(path: Path, root: Path) -> str:
    """The path relative to the project root where it lies inside, else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


# --- the template -------------------------------------------------------------------


def _load(name: str) -> tuple[str, None, None]:
    return template_text(name), None, None


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["percent"] = _percent
    environment.globals.update(script=SCRIPT, style=STYLE)
    return environment


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:.2f}" if total else "0"
