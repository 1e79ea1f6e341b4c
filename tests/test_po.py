"""PO export, the reviewer round trip, status and build, with real files and GNU gettext."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.document import parse_document
from pipeline.files import project_lock
from pipeline.layout import Layout
from pipeline.po.catalog import Catalog, Entry, render
from pipeline.po.wrap import po_string
from pipeline.segment import segment_document
from tests.conftest import DATA, ROOT, SAMPLE

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import generate_releases

STEM = SAMPLE.stem


def msgfmt_check(path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def msgcat(path: Path) -> str:
    return subprocess.run(["msgcat", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "releases").mkdir()
    shutil.copy(SAMPLE, tmp_path / "releases")
    shutil.copytree(ROOT / "glossaries", tmp_path / "glossaries")
    return tmp_path


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str] | object:
    result = CliRunner().invoke(app, ["run", "--project", str(project), *args])
    return result


# The tiny models cannot translate the sample release: their output has QA errors, so a
# run that machine-translates it reports findings (exit 1).
FINDINGS = 1


def po_path(project: Path, language: str, stem: str = STEM) -> Path:
    return Layout(project).po_file(language, stem)


# --- layout as GNU gettext writes it ---------------------------------------------


def test_wrapping_is_byte_identical_to_msgcat(tmp_path: Path) -> None:
    texts = []
    for number, text in enumerate([SAMPLE.read_text(encoding="utf-8"), *generate_releases(40)]):
        document = parse_document(text.encode(), Path(f"r{number}.md"), "markdown")
        texts.extend(segment.text for segment in segment_document(document).segments)
    texts = list(dict.fromkeys(texts))
    entries = tuple(
        Entry(text, text.upper(), msgctxt=str(n), flags=("fuzzy",), previous_msgid="x" + text,
              references=(f"releases/r.md:{n}",), extracted=("type: paragraph",))
        for n, text in enumerate(texts)
    ) + tuple(Entry("Z" + text, "Z", obsolete=True) for text in texts[:50])  # fmt: skip
    catalog = Catalog({"Content-Type": "text/plain; charset=UTF-8"}, entries)
    path = tmp_path / "all.po"
    path.write_text(render(catalog), encoding="utf-8")
    assert msgcat(path) == path.read_text(encoding="utf-8")
    assert len(texts) > 300


def test_po_strings_escape_and_split_at_newlines() -> None:
    assert po_string("msgid", 'Ein "Zitat"\tund \\') == ['msgid "Ein \\"Zitat\\"\\tund \\\\"']
    assert po_string("msgid", "Zeile\nzwei") == ['msgid ""', '"Zeile\\n"', '"zwei"']


# --- export without a model -------------------------------------------------------


def test_run_without_models_writes_po_files_with_glossary_hints(project: Path) -> None:
    empty = project / "no-models"
    empty.mkdir()
    result = run(project, "--to", "en,fr", "--dir", str(empty))
    assert result.exit_code == 0, result.output
    assert "pipeline models install de en" in result.stderr
    for language in ("en", "fr"):
        path = po_path(project, language)
        msgfmt_check(path)
        assert msgcat(path) == path.read_text(encoding="utf-8")
        po = polib.pofile(str(path))
        assert po.metadata["Language"] == language
        for field in ("Project-Id-Version", "POT-Creation-Date", "PO-Revision-Date",
                      "Last-Translator", "Language-Team", "MIME-Version", "Content-Type",
                      "Content-Transfer-Encoding", "Plural-Forms", "X-Generator"):  # fmt: skip
            assert po.metadata.get(field), field
        assert all(not entry.msgstr for entry in po)
    english = polib.pofile(str(po_path(project, "en")))
    entry = english.find(
        "Viele der Produkte sind hochspezialisiert und decken nur Nischenbereiche ab."
    )
    assert entry is not None
    assert "type: paragraph" in entry.comment and "paragraph: Univ.-Prof." in entry.comment
    assert entry.occurrences == [(f"releases/{SAMPLE.name}", "7")]
    heading = english.find("KI in der Radiologie - eine Standortbestimmung")
    assert "glossary: KI → AI" in heading.comment
    template = Layout(project).pot_file(STEM)
    assert polib.pofile(str(template)).metadata_is_fuzzy


def test_entries_are_in_document_order_and_repeats_share_one_entry(tmp_path: Path) -> None:
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "r.md").write_text(
        "## Hintergrund\n\nErster Satz. Hintergrund\n\nZweiter Absatz.\n\nErster Satz.\n",
        encoding="utf-8",
    )
    assert run(tmp_path, "--to", "en", "--no-glossary").exit_code == 0
    po = polib.pofile(str(po_path(tmp_path, "en", "r")))
    assert [(e.msgctxt, e.msgid) for e in po] == [
        ("heading", "Hintergrund"),
        (None, "Erster Satz."),
        (None, "Hintergrund"),
        (None, "Zweiter Absatz."),
    ]
    assert po.find("Erster Satz.").occurrences == [("releases/r.md", "3"), ("releases/r.md", "7")]


# --- machine translation and re-runs ----------------------------------------------


def test_machine_suggestions_are_fuzzy_and_a_rerun_rewrites_nothing(
    project: Path, tiny_packages: Path
) -> None:
    # the tiny models' suggestions have QA errors: that is for reviewers, not a failed run
    assert run(project, "--to", "en,fr", "--dir", str(tiny_packages)).exit_code == 0
    path = po_path(project, "en")
    msgfmt_check(path)
    po = polib.pofile(str(path))
    assert all("fuzzy" in entry.flags for entry in po if entry.msgstr)
    first = po.find("PRESSEMITTEILUNG")
    assert first.msgstr and "origin: MT Argos de→en 0.1 (int8, beam 4)" in first.comment
    suggestions = json.loads(Layout(project).suggestions_file("en", STEM).read_text())
    assert {item["msgid"] for item in suggestions} >= {"PRESSEMITTEILUNG"}
    files = sorted((project / "locales").rglob("*"))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files if p.is_file()}
    result = run(project, "--to", "en,fr", "--dir", str(tiny_packages), "--json", "--full")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["qa"]["suggested_errors"] > 0
    strict = run(project, "--to", "en,fr", "--dir", str(tiny_packages), "--strict")
    assert strict.exit_code == FINDINGS
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files if p.is_file()}
    assert after == before
    assert all(not item["written"] for item in json.loads(result.stdout)["po_files"])


def poedit_review(path: Path, edits: dict[str, str], comment: str = "") -> None:
    """Approve translations the way Poedit saves: its own wrapping, header, CRLF."""
    po = polib.pofile(str(path), wrapwidth=76)
    for msgid, msgstr in edits.items():
        entry = po.find(msgid)
        entry.msgstr = msgstr
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        if comment:
            entry.tcomment = comment
    po.metadata["X-Generator"] = "Poedit 3.4.2"
    po.metadata["Last-Translator"] = "Anna Reviewer <anna@example.org>"
    po[:] = list(reversed(po))  # Poedit may sort entries
    path.write_bytes(po.__unicode__().replace("\n", "\r\n").encode("utf-8"))


def test_reviewed_translations_and_comments_survive_reruns(
    project: Path, tiny_packages: Path
) -> None:
    assert run(project, "--to", "en", "--dir", str(tiny_packages)).exit_code == 0
    path = po_path(project, "en")
    approved = {
        "PRESSEMITTEILUNG": "PRESS RELEASE",
        "Viele der Produkte sind hochspezialisiert und decken nur Nischenbereiche ab.":
            "Many of the products are highly specialised and only cover niches.",
    }  # fmt: skip
    poedit_review(path, approved, comment="checked with the press office")
    assert run(project, "--to", "en", "--dir", str(tiny_packages)).exit_code == 0
    msgfmt_check(path)
    po = polib.pofile(str(path))
    for msgid, msgstr in approved.items():
        entry = po.find(msgid)
        assert entry.msgstr == msgstr and "fuzzy" not in entry.flags
        assert entry.tcomment == "checked with the press office"
        assert "origin: reviewed" in entry.comment
    assert po.metadata["Last-Translator"] == "Anna Reviewer <anna@example.org>"
    assert [e.msgid for e in po][:2] == [
        "PRESSEMITTEILUNG",
        "KI in der Radiologie - eine Standortbestimmung",
    ]
    assert b"\r\n" not in path.read_bytes()


def test_removed_segments_become_obsolete_and_come_back(project: Path) -> None:
    release = project / "releases" / SAMPLE.name
    assert run(project, "--to", "en").exit_code == 0
    sentence = "Viele der Produkte sind hochspezialisiert und decken nur Nischenbereiche ab."
    poedit_review(po_path(project, "en"), {sentence: "Many products are niche products."})
    original = release.read_text(encoding="utf-8")
    release.write_text(original.replace(sentence + " ", ""), encoding="utf-8")
    result = run(project, "--to", "en", "--json")
    assert json.loads(result.stdout)["po_files"][0]["obsolete"] == 1
    po = polib.pofile(str(po_path(project, "en")))
    assert [e.msgid for e in po.obsolete_entries()] == [sentence]
    release.write_text(original, encoding="utf-8")
    result = run(project, "--to", "en", "--json")
    assert json.loads(result.stdout)["po_files"][0]["revived"] == 1
    entry = polib.pofile(str(po_path(project, "en"))).find(sentence)
    assert entry.msgstr == "Many products are niche products." and not entry.obsolete


def test_translation_memory_reuses_reviewed_work(project: Path) -> None:
    assert run(project, "--to", "en").exit_code == 0
    sentence = "Viele der Produkte sind hochspezialisiert und decken nur Nischenbereiche ab."
    poedit_review(po_path(project, "en"), {sentence: "Many products are niche products."})
    other = project / "releases" / "2025-01-10-folgemeldung.md"
    other.write_text(
        f"{sentence}\n\nViele der Produkte sind hochspezialisiert und decken Nischen ab.\n",
        encoding="utf-8",
    )
    assert run(project, "--to", "en").exit_code == 0
    po = polib.pofile(str(po_path(project, "en", other.stem)))
    exact, close = po[0], po[1]
    assert exact.msgstr == "Many products are niche products." and "fuzzy" not in exact.flags
    assert "origin: TM exact match, locales/en/" in exact.comment
    assert close.msgstr == "Many products are niche products." and "fuzzy" in close.flags
    assert close.previous_msgid == sentence
    msgfmt_check(po_path(project, "en", other.stem))


def test_a_reviewers_unapproved_edit_is_kept(project: Path, tiny_packages: Path) -> None:
    assert run(project, "--to", "en", "--dir", str(tiny_packages)).exit_code == 0
    path = po_path(project, "en")
    po = polib.pofile(str(path))
    po.find("PRESSEMITTEILUNG").msgstr = "Press statement (draft)"
    po.save()
    assert run(project, "--to", "en", "--dir", str(tiny_packages)).exit_code == 0
    entry = polib.pofile(str(path)).find("PRESSEMITTEILUNG")
    assert entry.msgstr == "Press statement (draft)" and "fuzzy" in entry.flags


def test_a_malformed_po_file_is_reported_and_left_untouched(project: Path) -> None:
    assert run(project, "--to", "en,fr").exit_code == 0
    broken = po_path(project, "en")
    text = broken.read_text(encoding="utf-8").replace('msgid "PRESSEMITTEILUNG"', 'msgid "PRESSE')
    broken.write_text(text, encoding="utf-8")
    result = run(project, "--to", "en,fr")
    assert result.exit_code == 3
    assert re.search(rf"{broken.name}, line \d+: malformed PO file", result.stderr)
    assert broken.read_text(encoding="utf-8") == text
    msgfmt_check(po_path(project, "fr"))


@pytest.mark.parametrize("obsolete", [False, True])
def test_a_duplicate_msgid_is_an_input_error_that_names_the_line(
    project: Path, obsolete: bool
) -> None:
    assert run(project, "--to", "en").exit_code == 0
    path = po_path(project, "en")
    prefix = "#~ " if obsolete else ""
    duplicate = f'\n# a second copy\n{prefix}msgid "PRESSEMITTEILUNG"\n{prefix}msgstr "Press"\n'
    text = path.read_text(encoding="utf-8") + duplicate
    path.write_text(text, encoding="utf-8")
    first = text[: text.index('msgid "PRESSEMITTEILUNG"')].count("\n") + 1
    second = text.count("\n") - 1
    message = rf"{path.name}, line {second}: duplicate entry: msgid 'PRESSEMITTEILUNG' is "
    message += rf"already defined at line {first}"
    for command in (["run", "--to", "en"], ["status"], ["build", "--lang", "en"]):
        result = CliRunner().invoke(app, [*command, "--project", str(project)])
        assert result.exit_code == 3, result.output
        assert re.search(message, result.stderr) and "fix: keep one of the two" in result.stderr
        assert "Traceback" not in result.output
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 3 and re.search(message, result.stderr)
    assert path.read_text(encoding="utf-8") == text


def test_the_same_msgid_in_another_context_is_no_duplicate(tmp_path: Path) -> None:
    from pipeline.po.reader import read_catalog

    path = tmp_path / "a.po"
    path.write_text('msgid "A"\nmsgstr "a"\n\nmsgctxt "heading"\nmsgid "A"\nmsgstr "A"\n')
    assert [e.key for e in read_catalog(path).entries] == [(None, "A"), ("heading", "A")]


def test_a_wrapped_paragraph_gives_a_po_file_the_next_run_reads(tmp_path: Path) -> None:
    (tmp_path / "releases").mkdir()
    source = "Ein langer Satz der\numbricht und weitergeht. Noch ein Satz der\nauch umbricht.\n"
    (tmp_path / "releases" / "w.md").write_text(source, encoding="utf-8")
    assert run(tmp_path, "--to", "en").exit_code == 0
    path = po_path(tmp_path, "en", "w")
    msgfmt_check(path)
    assert "#. paragraph: Ein langer Satz der umbricht und weitergeht. Noch" in path.read_text()
    before = path.read_bytes()
    result = run(tmp_path, "--to", "en", "--full")
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == before


def test_an_obsolete_fuzzy_match_keeps_its_previous_msgid_as_gettext_writes_it(
    tmp_path: Path,
) -> None:
    from pipeline.po.reader import read_catalog

    entry = Entry("Neu.", "New.", flags=("fuzzy",), previous_msgid="Alt.", obsolete=True)
    path = tmp_path / "a.po"
    header = {"Content-Type": "text/plain; charset=UTF-8"}
    path.write_text(render(Catalog(header, (entry,))), encoding="utf-8")
    assert '#~| msgid "Alt."\n#~ msgid "Neu."' in path.read_text(encoding="utf-8")
    msgfmt_check(path)
    assert msgcat(path) == path.read_text(encoding="utf-8")
    assert read_catalog(path).entries == (entry,)


def test_a_second_run_is_refused_while_one_holds_the_lock(project: Path) -> None:
    with project_lock(Layout(project).lock):
        result = run(project, "--to", "en")
    assert result.exit_code == 6
    assert "another pipeline run is working on this project" in result.stderr
    assert run(project, "--to", "en").exit_code == 0


# --- status and build ---------------------------------------------------------------


def test_status_counts_reviewed_suggested_untranslated(project: Path, tiny_packages: Path) -> None:
    assert run(project, "--to", "en", "--dir", str(tiny_packages)).exit_code == 0
    poedit_review(po_path(project, "en"), {"PRESSEMITTEILUNG": "PRESS RELEASE"})
    result = CliRunner().invoke(app, ["status", "--project", str(project), "--json"])
    assert result.exit_code == 0
    [item] = json.loads(result.stdout)
    assert (item["reviewed"], item["reviewed_words"]) == (1, 1)
    assert item["fuzzy"] + item["untranslated"] == item["total"] - 1


@pytest.mark.parametrize("name", ["sample.md", "generated.md", "page.html", "notes.txt"])
def test_build_with_msgstr_equal_to_msgid_gives_the_source_back(tmp_path: Path, name: str) -> None:
    sources = {
        "sample.md": SAMPLE.read_text(encoding="utf-8"),
        "generated.md": generate_releases(1, seed=4)[0],
        "page.html": (DATA / "golden" / "sample.html").read_text(encoding="utf-8")
        if (DATA / "golden" / "sample.html").exists()
        else "<h1>Titel</h1>\n<p>Ein <a href='x.html'>Link</a>. Zweiter Satz.</p>\n",
        "notes.txt": "Kontakt\nOlaf Goldschmidt\n\nEin Absatz mit zwei Sätzen. Hier der zweite.\n",
    }
    (tmp_path / "releases").mkdir()
    release = tmp_path / "releases" / name
    release.write_text(sources[name], encoding="utf-8")
    assert run(tmp_path, "--to", "en", "--no-glossary").exit_code == 0
    path = po_path(tmp_path, "en", release.stem)
    po = polib.pofile(str(path))
    for entry in po:
        entry.msgstr = entry.msgid
    po.save()
    result = CliRunner().invoke(app, ["build", "--project", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "en" / name).read_bytes() == release.read_bytes()


def test_build_refuses_unreviewed_segments_and_broken_markup(project: Path) -> None:
    assert run(project, "--to", "en").exit_code == 0
    path = po_path(project, "en")
    po = polib.pofile(str(path))
    for entry in po:
        entry.msgstr = entry.msgid
    link = next(e for e in po if e.msgid.startswith("Lesen Sie hier"))
    link.msgstr = "Read an interview here."
    untranslated = po.find("PRESSEMITTEILUNG")
    untranslated.msgstr = ""
    po.save()
    result = CliRunner().invoke(app, ["build", "--project", str(project), "--lang", "en"])
    assert result.exit_code == 1
    assert "not reviewed: 'PRESSEMITTEILUNG'" in result.stderr
    line = polib.pofile(str(path)).find(link.msgid).linenum
    assert f"{path.name}:{line}: markup '[' of the German" in result.stderr
    assert not (project / "out" / "en").exists()
    result = CliRunner().invoke(
        app, ["build", "--project", str(project), "--lang", "en", "--draft"]
    )
    assert result.exit_code == 0
    draft = (project / "out" / "en" / f"{STEM}.draft.md").read_text(encoding="utf-8")
    assert draft.startswith("<!-- DRAFT") and "PRESSEMITTEILUNG" in draft


# --- one malformed PO file among others (issue 12, part 5) ---------------------------


@pytest.mark.parametrize("command", ["status", "status --json", "report"])
def test_status_and_report_name_a_malformed_po_file_and_go_on(tmp_path: Path, command: str) -> None:
    (tmp_path / "releases").mkdir()
    for stem, text in (("a-kurz", "Ein Satz.\n"), ("b-lang", "Zwei Sätze. Hier.\n")):
        (tmp_path / "releases" / f"{stem}.md").write_text(text, encoding="utf-8")
    assert run(tmp_path, "--to", "en,fr", "--dir", str(tmp_path / "none")).exit_code == 0
    broken = po_path(tmp_path, "en", "a-kurz")
    text = broken.read_text(encoding="utf-8").replace('msgid "Ein Satz."', 'msgid "Ein Satz')
    broken.write_text(text, encoding="utf-8")
    line = text[: text.index('msgid "Ein Satz')].count("\n") + 1
    result = CliRunner().invoke(app, [*command.split(), "--project", str(tmp_path)])
    assert result.exit_code == 3, result.output
    assert f"a-kurz.po, line {line}: malformed PO file" in result.stderr
    assert "Traceback" not in result.output
    if command == "status --json":
        shown = {(item["release"], item["language"]) for item in json.loads(result.stdout)}
        assert shown == {("a-kurz", "fr"), ("b-lang", "en"), ("b-lang", "fr")}
    elif command == "status":
        assert result.stdout.count("b-lang") == 2 and result.stdout.count("a-kurz") == 1
    else:
        page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
        assert "Zwei Sätze." in page and "Ein Satz." in page  # fr of a-kurz, en of b-lang
        assert "1 unreadable PO files left out" in result.stdout
    assert broken.read_text(encoding="utf-8") == text
