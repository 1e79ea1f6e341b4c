"""The HTML review report: content, escaping, self-containment, and a real browser.

Run as a script to redraw the screenshot in the docs:
``.venv/bin/python -m tests.test_report docs/report.png``
"""

from __future__ import annotations

import base64
import hashlib
import html
import inspect
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import polib
import pytest
from typer.testing import CliRunner

import pipeline.po.reader
import pipeline.qa.report as report_module
from pipeline.cli import app
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.match import Matcher
from pipeline.layout import Layout
from pipeline.po.catalog import Entry
from pipeline.po.status import review_status
from pipeline.project import Project
from pipeline.qa.checks import CHECKS, Finding, check_po_file
from pipeline.qa.report import (
    ExpectedTerm,
    Report,
    Span,
    build_report,
    entry_state,
    marked,
    report_path,
    target_spans,
    template_text,
    write_report,
)

ROOT = Path(__file__).resolve().parent.parent
STEM = "2024-09-24-ki-in-der-radiologie-eine-standortbestimmung"
EXTRA = "2024-10-01-sonderzeichen"
# A second release with text that must be escaped, and a URL inside a segment.
EXTRA_TEXT = (
    "## Kontrast & Dosis\n\n"
    'Der Wert liegt bei < 5 % & die KI markiert "Befunde" mit <b>fett</b>. '
    "Mehr unter [DRG](https://www.drg.de/de-DE/ki?a=1&b=2).\n"
)
HEADING = "KI in der Radiologie - eine Standortbestimmung"
DEVICES = "Medizinprodukte"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def make_project(root: Path, extra: bool = True) -> Layout:
    """The sample releases, run through the real CLI without a model, then partly reviewed."""
    (root / "releases").mkdir(parents=True)
    for release in (ROOT / "releases").glob("*.md"):
        shutil.copy(release, root / "releases" / release.name)
    if extra:
        (root / "releases" / f"{EXTRA}.md").write_text(EXTRA_TEXT, encoding="utf-8")
    shutil.copytree(ROOT / "glossaries", root / "glossaries")
    no_models = root.parent / f"{root.name}-no-models"
    no_models.mkdir()
    command = ["run", "--project", str(root), "--to", "en,fr", "--dir", str(no_models)]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    layout = Layout(root)
    review_some(layout.po_file("en", STEM))
    return layout


def review_some(path: Path) -> None:
    """A reviewed entry, an MT suggestion, a TM suggestion (missing a glossary term)."""
    po = polib.pofile(str(path))
    for entry in po:
        if entry.msgid == HEADING:
            entry.msgstr = "AI in radiology - an assessment"
            entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
        elif entry.msgid == "PRESSEMITTEILUNG":
            entry.msgstr = "PRESS RELEASE"
            entry.flags = ["fuzzy"]
            entry.comment = (entry.comment + "\norigin: MT test").strip()
        elif DEVICES in entry.msgid:
            entry.msgstr = "Over 700 AI-based products <are> approved & in use."
            entry.flags = ["fuzzy"]
            entry.comment = (entry.comment + "\norigin: TM exact match, x.po").strip()
        elif entry.msgid.startswith("Professor Caspers ist Experte"):
            entry.msgstr = "Professor Caspers is an expert (a reviewer's draft)."
            entry.flags = ["fuzzy"]
    po.save(str(path))


def write_po(path: Path, language: str, entries: list[tuple[str, str, str]]) -> Path:
    """A PO file of reviewed entries: (translator comment, msgid, msgstr), PO-escaped."""
    blocks = [
        f'msgid ""\nmsgstr ""\n"Language: {language}\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    ]
    for comment, msgid, msgstr in entries:
        prefix = "".join(f"# {line}\n" for line in comment.splitlines())
        blocks.append(f'{prefix}msgid "{msgid}"\nmsgstr "{msgstr}"\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def small_project(root: Path) -> Layout:
    """Two languages, a file each with one short reviewed entry (and an empty one in en)."""
    layout = Layout(root)
    write_po(layout.po_file("en", "a"), "en", [("", "Die Studie beginnt.", "The study begins.")])
    write_po(layout.po_file("fr", "a"), "fr", [("", "Die Studie beginnt.", "L'étude commence.")])
    return layout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return make_project(tmp_path_factory.mktemp("report") / "project")


@pytest.fixture(scope="module")
def matcher(project: Layout) -> Matcher:
    return Matcher(load_glossary(ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"))


@pytest.fixture(scope="module")
def report(project: Layout, matcher: Matcher) -> Report:
    return build_report(project, matcher)


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return report.html


def rows_of(page: str) -> list[str]:
    return re.findall(r"<tr class=\"segment[^>]*>.*?</tr>", page, flags=re.S)


def row_with(page: str, text: str) -> str:
    """The segment row whose text (without tags, unescaped) contains ``text``."""
    return next(row for row in rows_of(page) if text in html.unescape(re.sub("<[^>]+>", "", row)))


def card_of(page: str, language: str) -> str:
    """The summary card of a language."""
    pattern = rf'<article class="card[^"]*" data-language="{language}">.*?</article>'
    match = re.search(pattern, page, flags=re.S)
    assert match, language
    return match.group()


def counts_in(fragment: str) -> dict[str, int]:
    """The first <dl class="counts"> of a fragment of the summary, as numbers."""
    block = fragment[fragment.index('<dl class="counts">') : fragment.index("</dl>")]
    pattern = r'data-count="(\w+)"><dt>\w+</dt><dd>(\d+)</dd>'
    return {name: int(value) for name, value in re.findall(pattern, block)}


def po_files_of(layout: Layout) -> list[Path]:
    return sorted(p for p in layout.locales.glob("*/*.po") if p.parent.name != "templates")


def finding_key(finding: Finding) -> tuple[object, ...]:
    where = (finding.file, finding.line, finding.msgid)
    return (finding.check, finding.severity, finding.message, *where, finding.muted)


# --- library ------------------------------------------------------------------------


def test_entry_states() -> None:
    assert entry_state(Entry("a")) == "untranslated"
    assert entry_state(Entry("a", flags=("fuzzy",))) == "untranslated"
    assert entry_state(Entry("a", "b")) == "reviewed"
    assert entry_state(Entry("a", "b", extracted=("origin: reviewed",))) == "reviewed"
    assert entry_state(Entry("a", "b", flags=("fuzzy",), extracted=("origin: MT de→en",))) == "MT"
    assert entry_state(Entry("a", "b", flags=("fuzzy",), extracted=("origin: TM 100%",))) == "TM"
    assert entry_state(Entry("a", "b", extracted=("origin: TM exact match, x.po",))) == "TM"
    assert entry_state(Entry("a", "b", extracted=("origin: MT de→en",))) == "reviewed"
    assert entry_state(Entry("a", "b", flags=("fuzzy",))) == "draft"


def test_marked_escapes_text_and_titles() -> None:
    text = 'a <b> & "KI" [x](https://e.org/?a=1&b=2) **y**'
    start = text.index("KI")
    fragment = marked(text, [Span(start, start + 2, 'ki "<x>"')])
    assert fragment == (
        "a &lt;b&gt; &amp; &#34;"
        '<mark class="term" title="ki &#34;&lt;x&gt;&#34;">KI</mark>'
        "&#34; [x](https://e.org/?a=1&amp;b=2) **y**"
    )
    assert fragment.__html__() == str(fragment)  # Markup: the template inserts it as it is


def test_target_terms_are_whole_words_in_any_case() -> None:
    expected = [ExpectedTerm("ki", "AI"), ExpectedTerm("mp", "medical device")]
    spans, missing = target_spans("She said: ai and AI-based tools.", expected)
    assert [(s.start, s.end, s.concept) for s in spans] == [(10, 12, "ki"), (17, 19, "ki")]
    assert missing == (ExpectedTerm("mp", "medical device"),)


def test_overlapping_target_terms_keep_the_longest() -> None:
    expected = [ExpectedTerm("a", "image"), ExpectedTerm("b", "X-ray image")]
    spans, missing = target_spans("An X-ray image.", expected)
    assert [(s.start, s.end, s.concept) for s in spans] == [(3, 14, "b")]
    assert missing == ()


def test_write_report_is_atomic_and_defaults_to_out(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    assert write_report(layout, "<p>ü</p>") == report_path(layout) == tmp_path / "out/report.html"
    assert report_path(layout).read_text(encoding="utf-8") == "<p>ü</p>"
    target = tmp_path / "elsewhere" / "r.html"
    assert write_report(layout, "x", target) == target
    assert target.read_text(encoding="utf-8") == "x"
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_project_without_po_files_gives_a_page_that_says_so(tmp_path: Path) -> None:
    report = build_report(Layout(tmp_path), None)
    assert "No PO files found" in report.html
    assert report.html.startswith("<!DOCTYPE html>")
    assert report.findings == () and report.unreadable == () and report.languages == ()


def test_templates_are_package_data_read_with_importlib_resources() -> None:
    source = inspect.getsource(report_module)
    assert "__file__" not in source and "importlib" in source
    for name in ("report.html.j2", "report.css", "report.js"):
        assert template_text(name).strip()
    environment = report_module._environment()
    assert environment.autoescape is True
    assert environment.undefined is report_module.jinja2.StrictUndefined
    # CSS and script are inlined as they are: no Jinja syntax in them changes a byte.
    for name in ("report.css", "report.js"):
        assert environment.get_template(name).render() == template_text(name)


# --- one read per PO file, the same findings and figures as check and status --------


def test_each_po_file_is_parsed_once(
    project: Layout, matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = po_files_of(project)
    assert len(files) == 4
    parsed: Counter[Path] = Counter()
    original = pipeline.po.reader.parse_catalog

    def counting(text: str, path: Path | str = "<string>") -> object:
        parsed[Path(path)] += 1
        return original(text, path)

    monkeypatch.setattr(pipeline.po.reader, "parse_catalog", counting)
    report = build_report(project, matcher)
    assert parsed == Counter(dict.fromkeys(files, 1))
    assert len(report.findings) > 0


def test_findings_are_those_of_check_po_file(report: Report, project: Layout, matcher: Matcher):
    expected = [
        finding for path in po_files_of(project) for finding in check_po_file(path, matcher)
    ]
    assert len(report.findings) == len(expected)
    assert Counter(map(finding_key, report.findings)) == Counter(map(finding_key, expected))
    assert report.counted == sum(not finding.muted for finding in expected)
    assert report.muted == 0
    assert len(re.findall(r'<li class="finding', report.html)) == len(expected)
    # each sits in the row of its entry: no file-wide findings with the real checks
    assert "Findings for the whole file" not in report.html


def test_progress_is_that_of_review_status(report: Report, project: Layout) -> None:
    sections = [section for language in report.languages for section in language.sections]
    assert [section.progress for section in sections] == review_status(project)


def test_chosen_checks_only(project: Layout, matcher: Matcher) -> None:
    chosen = [CHECKS["glossary"]]
    report = build_report(project, matcher, ["en"], checks=chosen)
    expected = check_po_file(project.po_file("en", STEM), matcher, chosen)
    expected += check_po_file(project.po_file("en", EXTRA), matcher, chosen)
    assert Counter(map(finding_key, report.findings)) == Counter(map(finding_key, expected))
    assert {finding.check for finding in report.findings} == {"glossary"}


def test_an_unreadable_po_file_is_left_out_and_reported(tmp_path: Path) -> None:
    layout = small_project(tmp_path)
    broken = layout.po_file("en", "b")
    broken.write_text('msgid "Erster\nmsgstr ""\n', encoding="utf-8")
    report = build_report(layout, None)
    assert [error.path for error in report.unreadable] == [broken]
    assert 'id="file-en-a"' in report.html and 'id="file-en-b"' not in report.html
    result = CliRunner().invoke(app, ["report", "--project", str(tmp_path)])
    assert result.exit_code == 3, result.output
    assert "1 unreadable PO files left out" in result.stdout
    assert "malformed PO file" in result.stderr
    assert report_path(layout).is_file()


# --- the page -----------------------------------------------------------------------


def test_page_is_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    lowered = page.lower()
    for forbidden in (
        "<link",
        "<script src",
        '<img src="http',
        "@import",
        "url(http",
        "@font-face",
    ):
        assert forbidden not in lowered
    assert "default-src &#39;none&#39;" in page  # autoescaped; the browser reads it as '
    # URLs occur only as escaped text of segments, never as an attribute.
    assert not re.search(r"(?:src|href)=\"https?:", page)
    assert "https://www.drg.de/de-DE/ki?a=1&amp;b=2" in page


def test_the_policy_allows_only_the_inline_script_by_its_hash(page: str) -> None:
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy
    text = html.unescape(policy.group(1))
    directives = dict(part.strip().split(" ", 1) for part in text.split(";"))
    assert directives == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",
        "script-src": directives["script-src"],
        "img-src": "data:",
        "form-action": "'none'",
        "base-uri": "'none'",
    }
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1 and scripts[0] == template_text("report.js")
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
    assert directives["script-src"] == f"'sha256-{digest}'"
    assert re.findall(r"<style>\n(.*?)</style>", page, flags=re.S)[0] == template_text("report.css")


def test_summary_has_a_progress_bar_and_qa_counts_per_language(page: str) -> None:
    summary = page[page.index('id="summary"') : page.index('<section class="language"')]
    english, french = card_of(summary, "en"), card_of(summary, "fr")
    assert summary.index(english) < summary.index(french)
    assert '<a href="#lang-en">English (en)</a>' in english
    assert '<a href="#lang-fr">French (fr)</a>' in french
    assert all('<div class="bar" role="img"' in card for card in (english, french))
    # English: reviewed 1, suggested 3 (MT, TM, draft)
    counts = counts_in(english)
    assert (counts["reviewed"], counts["suggested"]) == (1, 3)
    assert counts["errors"] > 0 and counts["muted"] == 0
    assert re.search(r'aria-label="1 of \d+ reviewed, 3 suggested, \d+ untranslated"', english)
    assert (counts_in(french)["reviewed"], counts_in(french)["suggested"]) == (0, 0)
    assert f'href="#file-en-{STEM}"' in english and f'href="#file-fr-{STEM}"' in french


def test_summary_counts_add_up_to_the_findings(report: Report) -> None:
    errors = sum(f.severity == "error" and not f.muted for f in report.findings)
    warnings = sum(f.severity == "warning" and not f.muted for f in report.findings)
    shown = [counts_in(card_of(report.html, language)) for language in ("en", "fr")]
    assert sum(c["errors"] for c in shown) == errors
    assert sum(c["warnings"] for c in shown) == warnings


def test_sections_per_language_and_release(page: str) -> None:
    for language in ("en", "fr"):
        section = page[page.index(f'<section class="language" id="lang-{language}"') :]
        for stem in (STEM, EXTRA):
            assert f'id="file-{language}-{stem}"' in section
            assert f"<code>locales/{language}/{stem}.po</code>" in section
    assert page.index('id="lang-en"') < page.index('id="file-en-') < page.index('id="lang-fr"')
    assert not [anchor for anchor in re.findall(r'id="file-[^"]*"', page) if "templates" in anchor]


def test_german_segments_are_escaped(page: str) -> None:
    assert "Der Wert liegt bei &lt; 5 % &amp; die" in page
    assert '&#34;<mark class="term" title="befund">Befunde</mark>&#34; mit &lt;b&gt;fett' in page
    assert "<b>fett" not in page
    assert "**Über <mark" in row_with(page, "**Über Univ.-Prof. Dr. med. Dipl.-Inform. Julian")
    assert "Lesen Sie hier [ein ausführliches Interview mit <mark" in page
    assert "</mark> products &lt;are&gt; <mark" in page and "</mark> &amp; in use." in page


def test_autoescape_covers_every_text_from_po_files(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    msgid = "<script>alert(1)</script> & Co"
    msgstr = '<script>alert(\\"x\\")</script> & <img src=x onerror=alert(2)>'
    write_po(layout.po_file("en", "<b>&x"), "en", [("", msgid, msgstr)])
    page = build_report(layout, None, title="<i>Title</i> & more").html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x" in page
    assert "<title>&lt;i&gt;Title&lt;/i&gt; &amp; more</title>" in page
    assert "&lt;b&gt;&amp;x" in page  # the release name, from the file name
    assert page.count("<script>") == 1 and "<img" not in page and "<b>" not in page
    assert "<i>" not in page


def test_states_are_badges(page: str) -> None:
    badges = {
        HEADING: "reviewed",
        "PRESSEMITTEILUNG": "MT",
        DEVICES: "TM",
        "Professor Caspers ist Experte": "draft",
        "Olaf Goldschmidt": "untranslated",
    }
    for text, state in badges.items():
        row = row_with(page, text)
        assert f'<span class="badge badge-{state.lower()}">{state}</span>' in row, text
        assert f'data-state="{state}"' in row


def test_glossary_terms_are_marked_on_both_sides(page: str) -> None:
    row = row_with(page, "AI in radiology - an assessment")
    source, target = re.findall(r'<td class="(?:src|tgt)".*?</td>', row, flags=re.S)
    assert '<mark class="term" title="ki">KI</mark>' in source
    assert '<mark class="term" title="radiologie">Radiologie</mark>' in source
    assert '<mark class="term" title="ki">AI</mark>' in target
    assert '<mark class="term" title="radiologie">radiology</mark>' in target
    assert 'class="missing"' not in row
    upper = row_with(page, "PRESS RELEASE")
    assert ">PRESS RELEASE</mark>" in upper  # any case


def test_a_missing_target_term_is_noted(page: str) -> None:
    row = row_with(page, "Over 700 AI-based products")
    assert re.search(r'<p class="missing" title="[^"]+">missing: <q>medical devices</q></p>', row)
    untranslated = row_with(page, "Olaf Goldschmidt")
    assert 'class="missing"' not in untranslated


def test_findings_sit_next_to_their_segment(page: str) -> None:
    devices = row_with(page, "Over 700 AI-based products")
    assert "has-findings" in devices and "has-error" in devices
    assert "&#39;Medizinprodukte&#39; should be &#39;medical devices&#39;" in devices
    assert '<code class="check">glossary</code>' in devices
    assert "has-findings" not in row_with(page, HEADING)
    untranslated = row_with(page, "Olaf Goldschmidt")
    assert "has-warning" in untranslated and "not translated" in untranslated


def test_findings_without_an_entry_are_shown_for_the_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = small_project(tmp_path)
    real = report_module.check_catalog

    def with_a_header_finding(*arguments: Any) -> list[Finding]:
        found = real(*arguments)
        file = arguments[1]
        return [*found, Finding("header", "error", "Language <x> & y", file, 1)]

    monkeypatch.setattr(report_module, "check_catalog", with_a_header_finding)
    report = build_report(layout, None, ["en"])
    assert len(report.findings) == 1 and report.counted == 1
    block = report.html[report.html.index('<div class="file-findings has-error">') :]
    assert "Findings for the whole file" in block and "line 1: Language &lt;x&gt; &amp; y" in block


def test_muted_findings_are_shown_and_counted_apart(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    source, target = "„Am 3. Mai 2024“, sagte er.", "„On the third of May“, he said."
    write_po(layout.po_file("en", "a"), "en", [("qa-ignore: numbers", source, target)])
    report = build_report(layout, None, checks=[CHECKS["numbers"]])
    assert report.muted == len(report.findings) > 0 and report.counted == 0
    row = rows_of(report.html)[0]
    assert "has-muted" in row and "has-error" not in row
    assert '<span class="severity">muted error</span>' in row
    assert counts_in(card_of(report.html, "en"))["errors"] == 0
    assert counts_in(card_of(report.html, "en"))["muted"] == report.muted
    result = CliRunner().invoke(app, ["report", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    counted = len(check_po_file(layout.po_file("en", "a"), None)) - report.muted
    assert f"({counted} QA findings, {report.muted} muted)" in result.stdout


def test_sections_without_entries_are_left_out(tmp_path: Path) -> None:
    layout = small_project(tmp_path)
    write_po(layout.po_file("en", "empty"), "en", [])
    write_po(layout.po_file("zz", "empty"), "zz", [])
    page = build_report(layout, None).html
    assert 'id="file-en-a"' in page and 'id="file-en-empty"' not in page
    assert 'id="lang-zz"' not in page and 'id="file-zz-empty"' not in page
    # the summary still lists them, saying why there is nothing to link to
    card = card_of(page, "zz")
    assert "<h3>zz</h3>" in card and "empty <small>(no segments)</small>" in card
    assert "empty <small>(no segments)</small>" in card_of(page, "en")


def test_languages_can_be_chosen(project: Layout, matcher: Matcher) -> None:
    page = build_report(project, matcher, ["fr"], title="Français <seul>").html
    assert "<title>Français &lt;seul&gt;</title>" in page
    assert f'id="file-fr-{STEM}"' in page and f'id="file-en-{STEM}"' not in page


def test_without_a_glossary_nothing_is_marked(project: Layout) -> None:
    page = build_report(project, None).html
    assert "<mark" not in page and 'class="missing"' not in page
    assert 'data-state="reviewed"' in page


def test_page_is_readable_on_screen_and_in_print(page: str) -> None:
    css = template_text("report.css")
    screen = css[css.index("@media screen{") : css.index("\n}\n", css.index("@media screen{"))]
    assert "position:sticky" in screen and ".filtered-out{display:none}" in screen
    assert css.count("position:sticky") == 1 and css.count("filtered-out") == 1  # screen only
    media = css[css.index("@media print") :]
    assert "break-before:page" in media and "break-inside:avoid" in media
    assert ".filters{display:none}" in media
    assert "display:grid" in css and "flex-wrap:wrap" in css
    assert "window.onerror" in page and 'dataset.ready = "yes"' in page
    assert re.search(r'<form id="filters" class="filters" hidden>', page)  # only with JS


# --- a real browser -----------------------------------------------------------------


def chromium() -> str:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail(
            "chromium is not installed: CI installs it (apt-get install -y chromium); "
            "install it the same way to run the browser test"
        )
    return binary


def run_chromium(binary: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def screenshot(binary: str, html_file: Path, png: Path, size: str = "1280,1600") -> None:
    with tempfile.TemporaryDirectory() as profile:
        window = (f"--screenshot={png}", f"--window-size={size}", "--hide-scrollbars")
        result = run_chromium(binary, Path(profile), *window, html_file.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]


def with_test_script(page: str, script: str) -> str:
    """A test copy of the page: one more inline script, and its hash added to the policy
    (the report itself allows only its own script)."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    allowed = "script-src &#39;sha256-"
    assert page.count(allowed) == 1
    page = page.replace(allowed, f"script-src &#39;sha256-{digest}&#39; &#39;sha256-")
    return page.replace("</body>", f"<script>{script}</script>\n{ROGUE}\n</body>", 1)


# Not allowed by the policy: must not run in the test copy either.
ROGUE = '<script>document.body.setAttribute("data-rogue", "ran");</script>'


# Runs after the report's own script, at 800 px: measures the summary, then tries the
# filters; writes what it found into the DOM, which --dump-dom prints.
MEASURE = """
(function () {
  var out = {viewport: window.innerWidth, page: document.documentElement.scrollWidth};
  var summary = document.getElementById("summary");
  var box = summary.getBoundingClientRect();
  out.summary = {scroll: summary.scrollWidth, client: summary.clientWidth, outside: []};
  summary.querySelectorAll("*").forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width && (r.left < box.left - 1 || r.right > box.right + 1)) {
      out.summary.outside.push(el.tagName + "." + el.className);
    }
  });
  out.names = Array.from(summary.querySelectorAll('a[href^="#file-"]')).map(function (a) {
    return {width: a.parentElement.getBoundingClientRect().width, lines: a.getClientRects().length};
  });
  function hidden(selector) {
    return Array.from(document.querySelectorAll(selector)).filter(function (s) {
      return getComputedStyle(s).display === "none";
    }).map(function (s) { return s.id || s.dataset.state; });
  }
  var state = document.getElementById("state-filter");
  var only = document.getElementById("only-findings");
  function filter(value, findings) {
    state.value = value;
    only.checked = findings;
    state.dispatchEvent(new Event("change"));
    return {files: hidden("section.file"), languages: hidden("section.language"),
            rows: hidden("tr.segment").length, shown: Number(document.body.dataset.shown),
            result: document.getElementById("filter-result").textContent};
  }
  out.filters = {reviewed: filter("reviewed", false), findings_mt: filter("MT", true),
                 none: filter("", false)};
  document.body.setAttribute("data-measured", JSON.stringify(out));
})();
"""


@pytest.fixture(scope="module")
def measured(
    project: Layout, page: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("browser")
    html_file = write_report(project, with_test_script(page, MEASURE), folder / "test.html")
    result = run_chromium(
        chromium(), folder / "profile", "--window-size=800,1000", "--dump-dom", html_file.as_uri()
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "data-error" not in result.stdout, result.stdout[:2000]
    assert 'data-rogue="ran"' not in result.stdout  # the policy blocks an unhashed script
    found = re.search(r'data-measured="([^"]*)"', result.stdout)
    assert found, result.stderr[-2000:]
    document: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return document


def test_page_runs_in_headless_chromium(project: Layout, page: str, tmp_path: Path) -> None:
    binary = chromium()
    html_file = write_report(project, page, tmp_path / "report.html")
    started = time.monotonic()
    result = run_chromium(binary, tmp_path / "profile", "--dump-dom", html_file.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert 'data-ready="yes"' in dom, result.stderr[-2000:]
    assert "data-error" not in dom
    assert '<form id="filters" class="filters">' in dom  # the script showed the filters
    assert not re.search(r'class="[^"]*filtered-out', dom)  # nothing filtered until asked
    png = tmp_path / "shot.png"
    screenshot(binary, html_file, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000
    assert time.monotonic() - started < 60


def test_summary_does_not_overflow_or_collapse_at_800_px(measured: dict[str, Any]) -> None:
    assert 780 <= measured["viewport"] <= 800
    assert measured["page"] <= measured["viewport"]  # no horizontal scrolling at all
    summary = measured["summary"]
    assert summary["scroll"] <= summary["client"] and summary["outside"] == []
    # the release names keep a readable width (the old table squeezed them to a letter)
    assert len(measured["names"]) == 4
    for name in measured["names"]:
        assert name["width"] >= 200 and name["lines"] <= 3, name


def test_filters_hide_sections_with_no_row_left(measured: dict[str, Any], report: Report) -> None:
    rows = sum(len(section.rows) for language in report.languages for section in language.sections)
    reviewed = measured["filters"]["reviewed"]  # only one reviewed entry: en, the long release
    assert reviewed["shown"] == 1 and reviewed["rows"] == rows - 1
    assert reviewed["files"] == [f"file-en-{EXTRA}", f"file-fr-{STEM}", f"file-fr-{EXTRA}"]
    assert reviewed["languages"] == ["lang-fr"]
    assert reviewed["result"] == f"1 of {rows} segments shown"
    with_findings = measured["filters"]["findings_mt"]  # the MT entry has no finding
    assert with_findings["shown"] == 0 and with_findings["languages"] == ["lang-en", "lang-fr"]
    everything = measured["filters"]["none"]
    assert everything == {"files": [], "languages": [], "rows": 0, "shown": rows, "result": ""}


def test_print_starts_each_language_on_a_new_page(tmp_path: Path) -> None:
    layout = small_project(tmp_path)
    html_file = write_report(layout, build_report(layout, None).html)
    pdf = tmp_path / "report.pdf"
    printing = (f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    result = run_chromium(chromium(), tmp_path / "profile", *printing, html_file.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert pages == 3  # the summary, English, French: each fits on one page


# --- the command --------------------------------------------------------------------


def test_report_command_writes_the_page(tmp_path: Path) -> None:
    layout = make_project(tmp_path, extra=False)
    review_some(next((layout.locales / "en").glob("*.po")))
    output = tmp_path / "review.html"
    result = CliRunner().invoke(
        app, ["report", "--project", str(tmp_path), "--lang", "en", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    page = output.read_text(encoding="utf-8")
    assert "English (en)" in page and "French (fr)" not in page
    matcher = Project.load(tmp_path).matcher
    counted = sum(
        not finding.muted
        for path in sorted((layout.locales / "en").glob("*.po"))
        for finding in check_po_file(path, matcher)
    )
    assert f"wrote {output} ({counted} QA findings)" in " ".join(result.stdout.split())


# --- the screenshot in docs/ --------------------------------------------------------


DOCS_TRANSLATIONS = {  # msgid start → (translation, origin); for the screenshot only
    "*Berlin, 24.09.2024": (
        "*Berlin, 24 September 2024 – Artificial intelligence (AI) is playing an ever more "
        "important role in modern radiology.*",
        "",
    ),
    "*KI-gestützte Technologien": (
        "*AI-assisted technologies already make the work of radiologists easier by analysing "
        "image data, supporting diagnoses and automating routine tasks.*",
        "origin: MT de→en translate-de_en-1.9",
    ),
}


def translate_for_docs(path: Path) -> None:
    po = polib.pofile(str(path))
    for entry in po:
        for start, (text, origin) in DOCS_TRANSLATIONS.items():
            if entry.msgid.startswith(start):
                entry.msgstr = text
                entry.flags = ["fuzzy"] if origin else []
                entry.comment = (entry.comment + "\n" + origin).strip()
    po.save(str(path))


def main(output: Path) -> None:
    """Draw ``output`` from the sample release with a few reviewed and MT entries."""
    with tempfile.TemporaryDirectory() as temporary:
        layout = make_project(Path(temporary) / "sample", extra=False)
        translate_for_docs(layout.po_file("en", STEM))
        matcher = Matcher(load_glossary(ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"))
        checks = [check for check in CHECKS.values() if check.id != "untranslated"]
        page = build_report(layout, matcher, ["en"], checks=checks).html
        html_file = write_report(layout, page)
        screenshot(shutil.which("chromium") or "chromium", html_file, output, "1100,1400")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report.png"))
