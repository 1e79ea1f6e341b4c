"""Reviewer data in the corner cases: comments on untranslated entries, headings whose text
also appears as body text, and control characters in PO files (issue 11, part 6)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.layout import Layout
from pipeline.po.catalog import Catalog, Entry, render
from pipeline.po.reader import parse_catalog, read_catalog

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def cli(project: Path, *args: str) -> object:
    return CliRunner().invoke(app, [*args, "--project", str(project)])


def run(project: Path) -> object:
    result = cli(project, "run", "--to", "en")
    assert result.exit_code == 0, result.output
    return result


def msgfmt_check(path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "releases").mkdir()
    return tmp_path


def release(project: Path, text: str) -> Path:
    path = project / "releases" / "meldung.md"
    path.write_text(text, encoding="utf-8")
    return path


def po_file(project: Path) -> Path:
    return Layout(project).po_file("en", "meldung")


def edit(project: Path, msgid: str, msgstr: str | None = None, comment: str = "",
         msgctxt: str | None = None) -> None:  # fmt: skip
    """What a reviewer does in a PO editor: approve a translation and/or comment on it."""
    path = po_file(project)
    po = polib.pofile(str(path))
    entry = next(e for e in po if e.msgid == msgid and e.msgctxt == msgctxt)
    if msgstr is not None:
        entry.msgstr = msgstr
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    if comment:
        entry.tcomment = comment
    po.save(str(path))


def entries(project: Path) -> dict[tuple[str | None, str, bool], polib.POEntry]:
    po = polib.pofile(str(po_file(project)))
    return {(e.msgctxt, e.msgid, bool(e.obsolete)): e for e in [*po, *po.obsolete_entries()]}


# --- translator comments on untranslated entries ----------------------------------


def test_a_comment_on_an_untranslated_entry_goes_to_the_obsolete_entry(project: Path) -> None:
    source = release(project, "Satz eins.\n\nSatz zwei.\n")
    run(project)
    edit(project, "Satz zwei.", comment="ask the author: which study?")
    source.write_text("Satz eins.\n", encoding="utf-8")
    run(project)
    obsolete = entries(project)[(None, "Satz zwei.", True)]
    assert obsolete.tcomment == "ask the author: which study?" and obsolete.msgstr == ""
    msgfmt_check(po_file(project))
    source.write_text("Satz eins.\n\nSatz zwei.\n", encoding="utf-8")
    run(project)
    back = entries(project)[(None, "Satz zwei.", False)]
    assert back.tcomment == "ask the author: which study?"
    assert (None, "Satz zwei.", True) not in entries(project)


# --- a heading whose text also becomes body text ----------------------------------


def test_an_approved_heading_keeps_its_approval_when_its_text_appears_in_the_body(
    project: Path,
) -> None:
    source = release(project, "# Ergebnisse\n\nDie Studie läuft.\n")
    run(project)
    edit(project, "Ergebnisse", "Results", comment="title case, as in the style guide")
    source.write_text("# Ergebnisse\n\nDie Studie läuft.\n\n- Ergebnisse\n", encoding="utf-8")
    run(project)
    found = entries(project)
    heading = found[("heading", "Ergebnisse", False)]
    assert heading.msgstr == "Results" and "fuzzy" not in heading.flags
    assert heading.tcomment == "title case, as in the style guide"
    body = found[(None, "Ergebnisse", False)]
    assert body.msgstr != "Results" and not body.tcomment and "type: list_item" in body.comment
    assert not [key for key in found if key[2]]  # nothing was made obsolete
    msgfmt_check(po_file(project))

    # the body text gets its own approval; then it goes away again, and comes back
    edit(project, "Ergebnisse", "Findings", comment="a list item: lower case")
    source.write_text("# Ergebnisse\n\nDie Studie läuft.\n", encoding="utf-8")
    run(project)
    found = entries(project)
    heading = found[(None, "Ergebnisse", False)]
    assert (heading.msgstr, heading.tcomment) == ("Results", "title case, as in the style guide")
    kept = [e for key, e in found.items() if key[2] and key[1] == "Ergebnisse"]
    assert [(e.msgstr, e.tcomment) for e in kept] == [("Findings", "a list item: lower case")]
    msgfmt_check(po_file(project))  # no duplicate definition
    source.write_text("# Ergebnisse\n\nDie Studie läuft.\n\n- Ergebnisse\n", encoding="utf-8")
    run(project)
    found = entries(project)
    assert found[("heading", "Ergebnisse", False)].msgstr == "Results"
    assert found[(None, "Ergebnisse", False)].msgstr == "Findings"
    assert not [key for key in found if key[2]]


def test_a_text_that_changes_its_block_type_keeps_its_approval(project: Path) -> None:
    source = release(project, "Fazit\n\nDie Studie läuft.\n")
    run(project)
    edit(project, "Fazit", "Conclusion", comment="checked")
    source.write_text("# Fazit\n\nDie Studie läuft.\n", encoding="utf-8")
    run(project)
    entry = entries(project)[(None, "Fazit", False)]
    assert (entry.msgstr, entry.tcomment) == ("Conclusion", "checked")


# --- control characters -----------------------------------------------------------


def written_po(project: Path, body: str) -> Path:
    release(project, "Satz eins.\n")
    run(project)
    path = po_file(project)
    text = path.read_text(encoding="utf-8").replace('msgid "Satz eins."\nmsgstr ""', body)
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ('msgid "Satz eins."\nmsgstr "Sentence\x00 one."', "U+0000 (NUL)"),
        ('msgid "Satz eins."\nmsgstr "Sentence\x01 one."', "U+0001 (SOH)"),
        ('# checked\x1b[0m\nmsgid "Satz eins."\nmsgstr "Sentence one."', "U+001B (ESC)"),
        ('msgid "Satz eins."\nmsgstr "Sentence\\000 one."', "NUL character (\\000)"),
    ],
)
def test_control_characters_in_a_po_file_are_reported_not_written_back(
    project: Path, body: str, name: str
) -> None:
    path = written_po(project, body)
    before = path.read_bytes()
    marker = next(m for m in (b"\x00", b"\x01", b"\x1b", b"\\000") if m in before)
    line = before[: before.index(marker)].count(b"\n") + 1
    for command in (["run", "--to", "en"], ["status"], ["build", "--lang", "en"]):
        result = cli(project, *command)
        assert result.exit_code == 3, (command, result.output)
        assert f"meldung.po, line {line}: " in result.stderr and name in result.stderr
        assert "fix:" in result.stderr and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 3 and name in result.stderr
    assert path.read_bytes() == before


def test_escaped_control_characters_are_read_and_written_back_escaped(project: Path) -> None:
    path = written_po(project, 'msgid "Satz eins."\nmsgstr "Sentence\\001 one\\a."')
    run(project)
    entry = read_catalog(path).find((None, "Satz eins."))
    assert entry is not None and entry.msgstr == "Sentence\x01 one\x07." and entry.reviewed
    data = path.read_bytes()
    assert b"\x01" not in data and b"\x07" not in data
    assert b'msgstr "Sentence\\001 one\\a."' in data
    msgfmt_check(path)


def test_a_release_with_a_control_character_gives_readable_po_files(project: Path) -> None:
    release(project, "Satz\x01 eins.\n\nEin langer Satz der\numbricht.\n")
    run(project)
    for path in (po_file(project), Layout(project).pot_file("meldung")):
        data = path.read_bytes()
        assert b"\x01" not in data and b"Satz\\001 eins." in data
        msgfmt_check(path)
    before = po_file(project).read_bytes()
    result = cli(project, "run", "--to", "en", "--full")
    assert result.exit_code == 0, result.output
    assert po_file(project).read_bytes() == before


def test_unicode_line_separators_are_text() -> None:
    text = HEADER + 'msgid "Zeile\u2028zwei\x1cdrei"\nmsgstr "Line\u2028two\x85three"\n'
    with pytest.raises(InputError, match="U\\+001C"):
        parse_catalog(text)  # FS is a C0 control
    catalog = parse_catalog(text.replace("\x1c", " "))
    assert catalog.entries[0].msgstr == "Line\u2028two\x85three"
    assert parse_catalog(render(catalog)).entries == catalog.entries


@pytest.mark.parametrize(
    ("string", "value"),
    [
        ('"a\\tb\\nc\\\\d\\"e"', 'a\tb\nc\\d"e'),
        ('"\\x41\\102\\303\\244\\\'\\?"', "ABä'?"),
        ('"\\b\\f\\v\\r\\a"', "\b\f\v\r\a"),
    ],
)
def test_escapes_are_read_as_gettext_reads_them(string: str, value: str) -> None:
    catalog = parse_catalog(HEADER + f'msgid "x"\nmsgstr {string}\n')
    assert catalog.entries[0].msgstr == value
    again = parse_catalog(render(catalog))
    assert again.entries == catalog.entries


@pytest.mark.parametrize(
    ("string", "problem"),
    [
        ('"a\\qb"', "unknown escape sequence \\q"),
        ('"\\303"', "not UTF-8"),
        ('"\\x00"', "NUL character"),
    ],
)
def test_bad_escapes_are_input_errors_with_their_line(string: str, problem: str) -> None:
    with pytest.raises(InputError, match="line 9") as caught:
        parse_catalog(HEADER + f'msgid "x"\nmsgstr ""\n\nmsgid "y"\nmsgstr {string}\n', "a.po")
    assert problem in caught.value.problem


def test_comments_never_break_the_file() -> None:
    entry = Entry("x", "y", translator=("two\nlines",), extracted=("bell\x07 here",))
    text = render(Catalog(entries=(entry,)))
    assert "# two\n# lines\n#. bell\\007 here\n" in text
    assert parse_catalog(text).entries[0].translator == ("two", "lines")
