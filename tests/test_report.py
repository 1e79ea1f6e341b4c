"""The HTML review report: content, escaping, self-containment, and a real browser.

Run as a script to redraw the screenshot in the docs:
``.venv/bin/python -m tests.test_report docs/report.png``
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.match import Matcher
from pipeline.layout import Layout
from pipeline.po.catalog import Entry
from pipeline.qa.checks import CHECKS, check_po_file
from pipeline.qa.report import (
    ExpectedTerm,
    Span,
    build_report,
    entry_state,
    marked,
    report_path,
    target_spans,
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


@dataclass(frozen=True)
class FakeFinding:
    """The fields of ``pipeline.qa.checks.Finding`` that the report reads."""

    check: str
    severity: str
    message: str
    file: Path | None
    line: int
    msgid: str
    msgstr: str


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


def findings_for(layout: Layout) -> list[FakeFinding]:
    en = layout.po_file("en", STEM)
    po = {entry.msgid: entry for entry in polib.pofile(str(en))}
    devices = next(entry for msgid, entry in po.items() if DEVICES in msgid)
    return [
        FakeFinding(
            "glossary", "error", "expected term 'medical devices' is missing", en,
            devices.linenum, devices.msgid, devices.msgstr,
        ),
        FakeFinding(
            "case", "warning", "translation is in capitals <caps> & more", en,
            po["PRESSEMITTEILUNG"].linenum, "PRESSEMITTEILUNG", "PRESS RELEASE",
        ),
        FakeFinding("header", "warning", "Language-Team is not set", en, 1, "", ""),
        FakeFinding(
            "placeholders", "error", "a file that is not in the report",
            layout.locales / "xx" / "other.po", 7, "Hallo", "Hello",
        ),
        FakeFinding("config", "warning", "no file at all", None, 0, "", ""),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    return make_project(tmp_path_factory.mktemp("report") / "project")


@pytest.fixture(scope="module")
def matcher(project: Layout) -> Matcher:
    return Matcher(load_glossary(ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"))


@pytest.fixture(scope="module")
def page(project: Layout, matcher: Matcher) -> str:
    return build_report(project, matcher, findings_for(project))


def rows_of(page: str) -> list[str]:
    return re.findall(r"<tr class=\"segment[^>]*>.*?</tr>", page, flags=re.S)


def row_with(page: str, text: str) -> str:
    """The segment row whose text (without tags, unescaped) contains ``text``."""
    return next(row for row in rows_of(page) if text in html.unescape(re.sub("<[^>]+>", "", row)))


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
    html = marked(text, [Span(start, start + 2, 'ki "<x>"')])
    assert html == (
        "a &lt;b&gt; &amp; &quot;"
        '<mark class="term" title="ki &quot;&lt;x&gt;&quot;">KI</mark>'
        "&quot; [x](https://e.org/?a=1&amp;b=2) **y**"
    )


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
    page = build_report(Layout(tmp_path), None, [])
    assert "No PO files found" in page
    assert page.startswith("<!DOCTYPE html>")


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
    assert "default-src 'none'" in page
    # URLs occur only as escaped text of segments, never as an attribute.
    assert not re.search(r"(?:src|href)=\"https?:", page)
    assert "https://www.drg.de/de-DE/ki?a=1&amp;b=2" in page


def test_summary_has_a_progress_bar_and_qa_counts_per_language(page: str) -> None:
    summary = page[page.index('id="summary"') : page.index('class="file"')]
    pattern = r'<tr class="language[^"]*"><th scope="row">([^<]+)</th>.*?</tr>'
    rows = {match.group(1): match.group() for match in re.finditer(pattern, summary)}
    assert list(rows) == ["English (en)", "French (fr)"]
    assert all('<div class="bar" role="img"' in row for row in rows.values())
    # English: reviewed 1, suggested 3 (MT, TM, draft); QA: 1 error, 2 warnings
    english = rows["English (en)"]
    numbers = re.findall(r'<td class="num">(\d+)</td>', english)
    assert numbers[:2] == ["1", "3"] and numbers[3:] == ["1", "2"]
    assert re.search(r'aria-label="1 of \d+ reviewed, 3 suggested, \d+ untranslated"', english)
    assert re.findall(r'<td class="num">(\d+)</td>', rows["French (fr)"])[:2] == ["0", "0"]
    assert f'href="#file-en-{STEM}"' in summary and f'href="#file-fr-{STEM}"' in summary


def test_sections_per_release_and_language(page: str) -> None:
    for language in ("en", "fr"):
        for stem in (STEM, EXTRA):
            assert f'id="file-{language}-{stem}"' in page
            assert f"<code>locales/{language}/{stem}.po</code>" in page
    assert not [anchor for anchor in re.findall(r'id="file-[^"]*"', page) if "templates" in anchor]


def test_german_segments_are_escaped(page: str) -> None:
    assert "Der Wert liegt bei &lt; 5 % &amp; die" in page
    assert '&quot;<mark class="term" title="befund">Befunde</mark>&quot; mit &lt;b&gt;fett' in page
    assert "<b>fett" not in page
    assert "**Über <mark" in row_with(page, "**Über Univ.-Prof. Dr. med. Dipl.-Inform. Julian")
    assert "Lesen Sie hier [ein ausführliches Interview mit <mark" in page
    assert "</mark> products &lt;are&gt; <mark" in page and "</mark> &amp; in use." in page


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
    assert "Hallo" not in page  # the finding for a file outside the project has no row


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
    assert "expected term &#x27;medical devices&#x27; is missing" in devices
    capitals = row_with(page, "PRESS RELEASE")
    assert "translation is in capitals &lt;caps&gt; &amp; more" in capitals
    assert "has-warning" in capitals
    assert "has-findings" not in row_with(page, HEADING)
    assert "Findings for the whole file" in page and "Language-Team is not set" in page
    others = page[page.index('id="other-findings"') :]
    assert "<code>locales/xx/other.po:7</code>: a file that is not in the report" in others
    assert "no file at all" in others


def test_findings_of_the_real_checks_sit_next_to_their_segments(
    project: Layout, matcher: Matcher
) -> None:
    findings = check_po_file(project.po_file("en", STEM), matcher)
    page = build_report(project, matcher, findings)
    assert "Findings for the whole file" not in page and 'id="other-findings"' not in page
    row = row_with(page, "Over 700 AI-based products")
    assert "&#x27;Medizinprodukte&#x27; should be &#x27;medical devices&#x27;" in row
    assert len(re.findall(r'<li class="finding', page)) == len(findings)


def test_languages_can_be_chosen(project: Layout, matcher: Matcher) -> None:
    page = build_report(project, matcher, [], languages=["fr"], title="Français <seul>")
    assert "<title>Français &lt;seul&gt;</title>" in page
    assert f'id="file-fr-{STEM}"' in page and f'id="file-en-{STEM}"' not in page


def test_without_a_glossary_nothing_is_marked(project: Layout) -> None:
    page = build_report(project, None, [])
    assert "<mark" not in page and 'class="missing"' not in page
    assert 'data-state="reviewed"' in page


def test_page_is_readable_on_screen_and_in_print(page: str) -> None:
    assert "max-width:" in page and "position:sticky" in page
    media = page[page.index("@media print") :]
    assert "position:static" in media and "break-inside:avoid" in media
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
        result = run_chromium(
            binary, Path(profile), f"--screenshot={png}", f"--window-size={size}",
            "--hide-scrollbars", html_file.as_uri(),
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]


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
    png = tmp_path / "shot.png"
    screenshot(binary, html_file, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000
    assert time.monotonic() - started < 60


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
        findings = check_po_file(layout.po_file("en", STEM), matcher, checks)
        page = build_report(layout, matcher, findings, languages=["en"])
        html_file = write_report(layout, page)
        screenshot(shutil.which("chromium") or "chromium", html_file, output, "1100,1400")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report.png"))


def test_report_command_writes_the_page(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    layout = make_project(tmp_path, extra=False)
    review_some(next((layout.locales / "en").glob("*.po")))
    output = tmp_path / "review.html"
    result = CliRunner().invoke(
        app, ["report", "--project", str(tmp_path), "--lang", "en", "-o", str(output)]
    )
    assert result.exit_code == 0, result.output
    page = output.read_text(encoding="utf-8")
    assert "English (en)" in page and "French (fr)" not in page
    assert "QA findings" in result.stdout
