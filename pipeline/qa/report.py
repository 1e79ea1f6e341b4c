"""One self-contained HTML page for reviewers: progress, segments side by side, terms, QA.

The page reads every PO file of the project (``locales/<lang>/<stem>.po``), shows a
summary per language with progress bars, then one table per release and language:
German source | translation | state | QA findings. Glossary terms are marked in both
columns; an expected target term that the translation lacks is noted under it.

Nothing is loaded from anywhere: CSS and a tiny script are inline, and a Content Security
Policy forbids every other resource. The script only adds filters; without it the page is
complete.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.files import atomic_write
from pipeline.glossary.enforce import MISSING, TargetTerm, target_terms
from pipeline.glossary.match import Matcher, TermHit
from pipeline.languages import LANGUAGE_NAMES
from pipeline.layout import Layout
from pipeline.po.catalog import Entry
from pipeline.po.reader import read_catalog
from pipeline.po.status import ReviewProgress, review_status

if TYPE_CHECKING:  # only its fields are read: check, severity, message, file, line, msgid
    from pipeline.qa.checks import Finding


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


@dataclass(frozen=True)
class FileSection:
    """One release in one language: its progress and its segments."""

    progress: ReviewProgress
    rows: tuple[Row, ...]
    loose_findings: tuple[Finding, ...]  # for this file, but no segment to attach to

    @property
    def anchor(self) -> str:
        return _anchor(self.progress.language, self.progress.release)

    @property
    def findings(self) -> tuple[Finding, ...]:
        attached = tuple(finding for row in self.rows for finding in row.findings)
        return attached + self.loose_findings


@dataclass(frozen=True)
class LanguageSummary:
    language: str
    sections: tuple[FileSection, ...]

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

    @property
    def errors(self) -> int:
        return sum(_count(section.findings, "error") for section in self.sections)

    @property
    def warnings(self) -> int:
        return sum(_count(section.findings, "warning") for section in self.sections)

    @property
    def muted(self) -> int:
        return sum(_muted_count(section.findings) for section in self.sections)


# --- public API ---------------------------------------------------------------------


def build_report(
    layout: Layout,
    matcher: Matcher | None,
    findings: Sequence[Finding],
    languages: Sequence[str] | None = None,
    title: str = DEFAULT_TITLE,
) -> str:
    """The review report of every PO file in the project, as one self-contained HTML page."""
    progress = review_status(layout, list(languages) if languages else None)
    by_file = _findings_by_file(layout, findings, [item.file for item in progress])
    sections = [_section(item, matcher, by_file.get(_key(item.file), [])) for item in progress]
    reported = {_key(item.file) for item in progress}
    others = [finding for key, group in by_file.items() if key not in reported for finding in group]
    return _page(title, layout, _summaries(sections), others)


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
    if _has_origin(entry, "TM"):
        return TM
    if entry.reviewed:
        return REVIEWED
    if _has_origin(entry, "MT"):
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


def marked(text: str, spans: Sequence[Span]) -> str:
    """``text`` escaped for HTML, with each span wrapped in ``<mark>``."""
    parts: list[str] = []
    position = 0
    for span in spans:
        parts.append(_escape(text[position : span.start]))
        parts.append(
            f'<mark class="term" title="{_escape(span.concept)}">'
            f"{_escape(text[span.start : span.end])}</mark>"
        )
        position = span.end
    parts.append(_escape(text[position:]))
    return "".join(parts)


# --- building the data --------------------------------------------------------------


def _section(
    progress: ReviewProgress, matcher: Matcher | None, findings: Sequence[Finding]
) -> FileSection:
    entries = [entry for entry in read_catalog(progress.file).active if entry.msgid]
    attached, loose = _attach(entries, findings)
    rows = tuple(
        _row(entry, progress.language, matcher, attached.get(index, ()))
        for index, entry in enumerate(entries)
    )
    return FileSection(progress, rows, tuple(loose))


def _row(entry: Entry, language: str, matcher: Matcher | None, findings: Sequence[Finding]) -> Row:
    hits = matcher.find(entry.msgid) if matcher else []
    expected = expected_terms(hits, matcher, language) if matcher else []
    spans, missing = target_spans(entry.msgstr, expected) if entry.msgstr else ((), ())
    return Row(entry, entry_state(entry), source_spans(hits), spans, missing, tuple(findings))


def _attach(
    entries: Sequence[Entry], findings: Sequence[Finding]
) -> tuple[dict[int, tuple[Finding, ...]], list[Finding]]:
    """Findings per entry index (same msgid, the same line preferred); the rest."""
    attached: dict[int, tuple[Finding, ...]] = {}
    loose: list[Finding] = []
    for finding in findings:
        candidates = [i for i, entry in enumerate(entries) if entry.msgid == finding.msgid]
        if not candidates or not finding.msgid:
            loose.append(finding)
            continue
        same_line = [i for i in candidates if entries[i].line == finding.line]
        index = (same_line or candidates)[0]
        attached[index] = (*attached.get(index, ()), finding)
    return attached, loose


def _findings_by_file(
    layout: Layout, findings: Sequence[Finding], files: Sequence[Path]
) -> dict[Path | None, list[Finding]]:
    """Findings grouped by PO file (None: no file); relative paths may be from the root."""
    known = {_key(file) for file in files}
    grouped: dict[Path | None, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(_file_key(layout, finding.file, known), []).append(finding)
    return grouped


def _file_key(layout: Layout, file: Path | None, known: set[Path]) -> Path | None:
    if file is None:
        return None
    in_project = _key(layout.root / file)
    return in_project if _key(file) not in known and in_project in known else _key(file)


def _summaries(sections: Sequence[FileSection]) -> list[LanguageSummary]:
    languages = dict.fromkeys(section.progress.language for section in sections)
    return [
        LanguageSummary(lang, tuple(s for s in sections if s.progress.language == lang))
        for lang in languages
    ]


def _has_origin(entry: Entry, origin: str) -> bool:
    return any(line.startswith(f"origin: {origin}") for line in entry.extracted)


def _without_overlaps(spans: Sequence[Span]) -> tuple[Span, ...]:
    """Longest first (then earliest) wins where spans overlap; in text order."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return tuple(sorted(kept, key=lambda s: s.start))


def _key(path: Path | str) -> Path:
    return Path(path).resolve()


def _count(findings: Iterable[Finding], severity: str) -> int:
    """Findings of a severity; muted ones are not counted."""
    return sum(finding.severity == severity and not _is_muted(finding) for finding in findings)


def _muted_count(findings: Iterable[Finding]) -> int:
    return sum(_is_muted(finding) for finding in findings)


def _is_muted(finding: Finding) -> bool:
    """Muted by a reviewer's ``# qa-ignore: <check>`` comment on the entry."""
    return bool(getattr(finding, "muted", False))


def _anchor(language: str, release: str) -> str:
    return "file-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{language}-{release}")


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def _language_name(language: str) -> str:
    name = LANGUAGE_NAMES.get(language)
    return f"{name} ({language})" if name else language


# --- rendering ----------------------------------------------------------------------


def _page(
    title: str, layout: Layout, summaries: Sequence[LanguageSummary], others: Sequence[Finding]
) -> str:
    body = "\n".join(
        [
            _header(title, layout, summaries),
            _summary(summaries),
            *(_file_section(s, layout.root) for summary in summaries for s in summary.sections),
            _other_findings(others, layout.root),
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_policy()}">\n'
        f"<title>{_escape(title)}</title>\n<style>{_css()}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def _header(title: str, layout: Layout, summaries: Sequence[LanguageSummary]) -> str:
    files = sum(len(summary.sections) for summary in summaries)
    legend = " ".join(
        f'<li>{_badge(state)} <span class="help">{_escape(STATE_HELP[state])}</span></li>'
        for state in STATES
    )
    return (
        f"<header>\n<h1>{_escape(title)}</h1>\n"
        f'<p class="meta">Project <code>{_escape(layout.root.resolve().name)}</code> · '
        f"{files} PO file{'' if files == 1 else 's'} · source language German (de)</p>\n"
        f'<ul class="legend">{legend}</ul>\n'
        '<form id="filters" class="filters" hidden>\n'
        '<label><input type="checkbox" id="only-findings"> '
        "show only segments with QA findings</label>\n"
        '<label>state <select id="state-filter"><option value="">all</option>'
        + "".join(f'<option value="{_escape(s)}">{_escape(s)}</option>' for s in STATES)
        + "</select></label>\n</form>\n</header>"
    )


def _summary(summaries: Sequence[LanguageSummary]) -> str:
    if not summaries:
        return (
            '<section id="summary"><h2>Summary</h2>'
            "<p>No PO files found under <code>locales/</code>: run "
            "<code>pipeline run</code> first.</p></section>"
        )
    rows = "\n".join(_summary_rows(summary) for summary in summaries)
    return (
        '<section id="summary">\n<h2>Summary</h2>\n<table class="summary">\n'
        '<thead><tr><th scope="col">language / release</th><th scope="col">progress</th>'
        '<th scope="col" class="num">reviewed</th><th scope="col" class="num">suggested</th>'
        '<th scope="col" class="num">untranslated</th><th scope="col" class="num">errors</th>'
        '<th scope="col" class="num">warnings</th><th scope="col" class="num">muted</th>'
        "</tr></thead>\n"
        f"<tbody>\n{rows}\n</tbody>\n</table>\n</section>"
    )


def _summary_rows(summary: LanguageSummary) -> str:
    lines = [
        _summary_row(
            f"{_escape(_language_name(summary.language))}",
            (summary.reviewed, summary.fuzzy, summary.untranslated),
            (summary.errors, summary.warnings, summary.muted),
            "language",
        )
    ]
    for section in summary.sections:
        progress = section.progress
        link = f'<a href="#{section.anchor}">{_escape(progress.release)}</a>'
        counts = (progress.reviewed, progress.fuzzy, progress.untranslated)
        qa = (
            _count(section.findings, "error"),
            _count(section.findings, "warning"),
            _muted_count(section.findings),
        )
        lines.append(_summary_row(link, counts, qa, "release"))
    return "\n".join(lines)


def _summary_row(
    label: str, counts: tuple[int, int, int], qa: tuple[int, int, int], kind: str
) -> str:
    heading = "th" if kind == "language" else "td"
    cells = "".join(f'<td class="num">{value}</td>' for value in (*counts, *qa[:2]))
    cells += f'<td class="num muted">{qa[2]}</td>'
    error_class = " has-errors" if qa[0] else ""
    return (
        f'<tr class="{kind}{error_class}"><{heading} scope="row">{label}</{heading}>'
        f"<td>{_bar(*counts)}</td>{cells}</tr>"
    )


def _bar(reviewed: int, fuzzy: int, untranslated: int) -> str:
    """A stacked progress bar; the numbers are in its label and next to it."""
    total = reviewed + fuzzy + untranslated
    label = f"{reviewed} of {total} reviewed, {fuzzy} suggested, {untranslated} untranslated"
    parts = "".join(
        f'<span class="{name}" style="width:{100 * count / total:.2f}%"></span>'
        for name, count in (
            ("reviewed", reviewed),
            ("fuzzy", fuzzy),
            ("untranslated", untranslated),
        )
        if total and count
    )
    percent = 100 * reviewed / total if total else 100.0
    return (
        f'<div class="progress"><div class="bar" role="img" aria-label="{_escape(label)}" '
        f'title="{_escape(label)}">{parts}</div>'
        f'<span class="percent">{percent:.0f}%</span></div>'
    )


def _file_section(section: FileSection, root: Path) -> str:
    progress = section.progress
    counts = (progress.reviewed, progress.fuzzy, progress.untranslated)
    rows = "\n".join(_segment_row(row, progress.language) for row in section.rows)
    return (
        f'<section class="file" id="{section.anchor}">\n'
        f"<h2>{_escape(progress.release)} "
        f'<span class="lang">{_escape(_language_name(progress.language))}</span></h2>\n'
        f'<p class="meta"><code>{_escape(_display_path(progress.file, root))}</code> · '
        f"{progress.total} segments</p>\n{_bar(*counts)}\n"
        f"{_loose_findings(section.loose_findings)}"
        '<table class="segments">\n<colgroup><col class="c-src"><col class="c-tgt">'
        '<col class="c-state"><col class="c-qa"></colgroup>\n'
        '<thead><tr><th scope="col">German source</th>'
        f'<th scope="col">translation ({_escape(progress.language)})</th>'
        '<th scope="col">state</th><th scope="col">QA findings</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>\n</section>"
    )


def _segment_row(row: Row, language: str) -> str:
    classes = ["segment", f"state-{row.state.lower()}"]
    if row.findings:
        classes.append("has-findings")
        counted = {f.severity for f in row.findings if not _is_muted(f)}
        classes.extend(f"has-{severity}" for severity in sorted(counted))
        if any(_is_muted(f) for f in row.findings):
            classes.append("has-muted")
    missing = "".join(
        f'<p class="missing" title="{_escape(term.concept)}">missing: '
        f"<q>{_escape(term.text)}</q></p>"
        for term in row.missing
    )
    return (
        f'<tr class="{" ".join(classes)}" data-state="{_escape(row.state)}">'
        f'<td class="src" lang="de"><div class="text">{marked(row.entry.msgid, row.source_spans)}'
        "</div></td>"
        f'<td class="tgt" lang="{_escape(language)}"><div class="text">'
        f"{marked(row.entry.msgstr, row.target_spans)}</div>{missing}</td>"
        f'<td class="state">{_badge(row.state)}<small class="line">line {row.entry.line}</small>'
        "</td>"
        f'<td class="qa">{_findings_list(row.findings)}</td></tr>'
    )


def _badge(state: str) -> str:
    return f'<span class="badge badge-{_escape(state.lower())}">{_escape(state)}</span>'


def _findings_list(findings: Sequence[Finding]) -> str:
    if not findings:
        return ""
    items = "".join(_finding_item(finding) for finding in findings)
    return f'<ul class="findings">{items}</ul>'


def _finding_item(finding: Finding, where: str = "") -> str:
    severity = _escape(finding.severity)
    if _is_muted(finding):  # shown as the reviewer left it: muted, not counted
        return (
            f'<li class="finding muted {severity}" title="muted by a qa-ignore comment">'
            f'<span class="severity">muted {severity}</span> '
            f'<code class="check">{_escape(finding.check)}</code> {where}'
            f"{_escape(finding.message)}</li>"
        )
    return (
        f'<li class="finding {severity}"><span class="severity">{severity}</span> '
        f'<code class="check">{_escape(finding.check)}</code> {where}'
        f"{_escape(finding.message)}</li>"
    )


def _loose_findings(findings: Sequence[Finding]) -> str:
    if not findings:
        return ""
    items = "".join(_finding_item(f, f"line {f.line}: " if f.line else "") for f in findings)
    error = " has-error" if _count(findings, "error") else ""
    return (
        f'<div class="file-findings{error}"><h3>Findings for the whole file</h3>'
        f'<ul class="findings">{items}</ul></div>\n'
    )


def _other_findings(findings: Sequence[Finding], root: Path) -> str:
    if not findings:
        return ""
    items = "".join(_finding_item(f, _where(f, root)) for f in findings)
    return (
        '<section id="other-findings"><h2>Other findings</h2>'
        "<p>Findings for no file, or for files that are not part of this report.</p>"
        f'<ul class="findings">{items}</ul></section>'
    )


def _where(finding: Finding, root: Path) -> str:
    if finding.file is None:
        return ""
    return f"<code>{_escape(_display_path(finding.file, root))}:{finding.line}</code>: "


def _display_path(path: Path, root: Path) -> str:
    """The path relative to the project root where it lies inside, else as given."""
    try:
        return _key(path).relative_to(_key(root)).as_posix()
    except ValueError:
        return str(path)


def _policy() -> str:
    """Only this page's own style and script; no fetches, fonts, images or frames."""
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; img-src data:; form-action 'none'; base-uri 'none'"
    )


def _css() -> str:
    state_filters = "".join(
        f'body[data-state="{state}"] tr.segment:not([data-state="{state}"]){{display:none}}'
        for state in STATES
    )
    return CSS + state_filters + "\n"


CSS = """
:root{--ink:#1d232b;--muted:#5b6673;--line:#d5dbe2;--head:#eef2f6;--page:#fff;
--reviewed:#1f7a3d;--tm:#1f5fa8;--mt:#7a3fa8;--draft:#a86a00;--untranslated:#8a939c;
--error:#b3261e;--warning:#9a6700}
*{box-sizing:border-box}
body{margin:0;background:var(--page);color:var(--ink);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1280px;margin:0 auto;padding:1.2rem 1.5rem 3rem}
h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.2rem;margin:2rem 0 .3rem;border-bottom:2px solid var(--line);padding-bottom:.2rem}
h2 .lang{font-weight:normal;color:var(--muted);font-size:1rem}
h3{font-size:1rem;margin:.6rem 0 .2rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}
.meta{color:var(--muted);margin:.2rem 0 .6rem}
a{color:var(--tm)}
.legend{list-style:none;padding:0;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem}
.legend .help{color:var(--muted);font-size:.85rem}
.filters{display:flex;gap:1.5rem;margin:.6rem 0;padding:.5rem .8rem;background:var(--head);
border-radius:6px}
.filters[hidden]{display:none}
body.only-findings tr.segment:not(.has-findings){display:none}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.4rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--head);font-size:.85rem;position:sticky;top:0;z-index:1}
.num{text-align:right;font-variant-numeric:tabular-nums;width:7%}
table.summary tr.language{background:#f7f9fb}
table.summary tr.release td:first-child{padding-left:1.6rem}
table.summary tr.has-errors td:nth-last-child(3){color:var(--error);font-weight:600}
.progress{display:flex;align-items:center;gap:.5rem;min-width:9rem;margin:.2rem 0}
table.summary th:first-child,table.summary td:first-child{overflow-wrap:anywhere}
table.summary thead th:nth-child(2){width:34%}
.bar{flex:1;display:flex;height:.9rem;border:1px solid #9aa4ae;border-radius:3px;
overflow:hidden;background:#fff;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bar span{display:block;height:100%}
.bar .reviewed{background:var(--reviewed)}
.bar .fuzzy{background:repeating-linear-gradient(135deg,#d9a441 0 4px,#f1d29a 4px 8px)}
.bar .untranslated{background:#e4e8ec}
.percent{font-variant-numeric:tabular-nums;font-size:.85rem;width:3rem;text-align:right}
table.segments{table-layout:fixed;margin-top:.6rem}
col.c-src,col.c-tgt{width:36%}col.c-state{width:9%}col.c-qa{width:19%}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
tr.has-error td.qa{background:#fdf0ef}
tr.has-warning:not(.has-error) td.qa{background:#fdf7e8}
mark.term{background:#fff1a8;color:inherit;border-bottom:2px solid #c9a400;padding:0 1px}
.missing{margin:.3rem 0 0;font-size:.8rem;color:var(--error)}
.missing::before{content:"\\26A0\\A0"}
.badge{display:inline-block;font-size:.75rem;font-weight:600;line-height:1.2;
padding:.1rem .45rem;border-radius:999px;border:1.5px solid currentColor;background:#fff;
white-space:nowrap}
.badge-reviewed{color:#fff;background:var(--reviewed);border-color:var(--reviewed)}
.badge-tm{color:var(--tm);border-style:double;border-width:3px}
.badge-mt{color:var(--mt);border-style:dashed}
.badge-draft{color:var(--draft);border-style:dotted}
.badge-untranslated{color:var(--untranslated)}
.line{display:block;color:var(--muted);font-size:.75rem;margin-top:.25rem}
.findings{list-style:none;margin:0;padding:0;font-size:.85rem}
.finding+.finding{margin-top:.3rem}
.severity{font-weight:700;text-transform:uppercase;font-size:.7rem;letter-spacing:.03em}
.finding.error .severity{color:var(--error)}
.finding.warning .severity{color:var(--warning)}
.finding.muted{color:var(--muted)}.finding.muted .severity{color:var(--muted)}
.check{color:var(--muted)}
.file-findings{border-left:3px solid var(--warning);padding:.2rem .8rem;margin:.6rem 0;
background:#fdf7e8}
.file-findings.has-error{border-left-color:var(--error);background:#fdf0ef}
@media print{
body{font-size:10pt}
main{max-width:none;padding:0}
.progress{min-width:6rem}
.num{width:auto}
thead th{position:static}
thead{display:table-header-group}
tr{break-inside:avoid;page-break-inside:avoid}
h2{break-after:avoid;page-break-after:avoid}
.filters{display:none!important}
a{color:inherit;text-decoration:none}
.badge,.badge-reviewed{color:#000;background:#fff;border-color:#000}
.badge-reviewed{border-width:2.5px}
mark.term{background:none;border-bottom:1.5px solid #000;text-decoration:none}
.missing,.finding .severity{color:#000}
tr.has-error td.qa,tr.has-warning:not(.has-error) td.qa,.file-findings{background:none}
}
"""

SCRIPT = """
window.onerror = function (message) { document.body.dataset.error = String(message); };
(function () {
  var body = document.body;
  var form = document.getElementById("filters");
  var onlyFindings = document.getElementById("only-findings");
  var state = document.getElementById("state-filter");
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  onlyFindings.addEventListener("change", function () {
    body.classList.toggle("only-findings", onlyFindings.checked);
  });
  state.addEventListener("change", function () {
    if (state.value) { body.dataset.state = state.value; } else { delete body.dataset.state; }
  });
  body.dataset.ready = "yes";
})();
"""
