"""The typed machine notes (``#.`` lines): rendering, parsing, and who uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.cli.base import load_project
from pipeline.po.catalog import Entry
from pipeline.po.notes import (
    BlockType,
    CompoundHint,
    EntryState,
    Foreign,
    GlossaryHint,
    MtWarning,
    Note,
    NoteKind,
    Origin,
    OriginNote,
    Paragraph,
    QaNote,
    Severity,
    TermNote,
    about_suggestion,
    parse,
    render,
)
from pipeline.po.reader import read_catalog
from pipeline.qa.checks import ERROR, Finding, annotate, check_po_file, comment_lines
from tests.conftest import write_tiny_project_config

AWKWARD = [
    "plain",
    "Zürich → Genf: 5 % (≈ 3 €)",
    "qa error [x]: looks like a note",
    "origin: MT inside",
    "[brackets] and ]: colons: everywhere",
    "«Guillemets» „Anführung“ ⟦1⟧ ␄",
    "",
]

# Every kind, with the text it has always been written as.
EXAMPLES: list[tuple[Note, str]] = [
    (BlockType("heading"), "type: heading"),
    (BlockType("list item"), "type: list item"),
    (Paragraph("Erster Satz. Zweiter Satz."), "paragraph: Erster Satz. Zweiter Satz."),
    (GlossaryHint("Studie", "study"), "glossary: Studie → study"),
    (GlossaryHint("Studie", "(no fr term)"), "glossary: Studie → (no fr term)"),
    (
        CompoundHint("Lebermetastasen", "Metastase", "métastase"),
        "compound: Lebermetastasen (head Metastase) → métastase",
    ),
    (OriginNote(Origin.MT, "Argos de→en 0.1 (int8, beam 4)"),
     "origin: MT Argos de→en 0.1 (int8, beam 4)"),
    (OriginNote(Origin.TM, "exact match, locales/en/a.po"),
     "origin: TM exact match, locales/en/a.po"),
    (OriginNote(Origin.TM_FUZZY, "82% match, locales/en/b.po"),
     "origin: TM 82% match, locales/en/b.po"),
    (OriginNote(Origin.REVIEWED), "origin: reviewed"),
    (OriginNote(Origin.DRAFT), "origin: reviewer draft (fuzzy)"),
    (TermNote("enforced", "Studie", "study"), "term enforced: Studie → study"),
    (TermNote("no-term", "Klinik", "clinic"), "term no-term: Klinik → clinic"),
    (MtWarning("placeholders lost; translated again with ⟦1⟧ shown as plain text"),
     "warning: placeholders lost; translated again with ⟦1⟧ shown as plain text"),
    (QaNote(Severity.ERROR, "numbers", "number 5 is not in the translation"),
     "qa error [numbers]: number 5 is not in the translation"),
    (QaNote(Severity.WARNING, "quotes", "quotation mark „ is not used in en", muted=True),
     "qa muted warning [quotes]: quotation mark „ is not used in en"),
    (QaNote(Severity.ERROR, "markup", "qa error [x]: inside"),
     "qa error [markup]: qa error [x]: inside"),
    (Foreign("extracted by another tool"), "extracted by another tool"),
]  # fmt: skip


@pytest.mark.parametrize(("note", "text"), EXAMPLES)
def test_every_kind_renders_as_before_and_reads_back(note: Note, text: str) -> None:
    assert render(note) == text
    assert parse(text) == note
    assert render(parse(text)) == text


def test_every_kind_has_an_example() -> None:
    assert {note.kind for note, _ in EXAMPLES} == set(NoteKind)


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_round_trips(text: str) -> None:
    notes: list[Note] = [
        Paragraph(text),
        MtWarning(text),
        OriginNote(Origin.MT, text or "x"),
        QaNote(Severity.ERROR, "numbers", text),
        QaNote(Severity.WARNING, "qa-ignore", text, muted=True),
        BlockType(text or "x"),
    ]
    if " → " not in text:
        notes += [GlossaryHint(text, text), TermNote("missing", text, text)]
    for note in notes:
        line = render(note)
        assert parse(line) == note
        assert render(parse(line)) == line


def test_a_term_with_an_arrow_keeps_its_line() -> None:
    """Fields are split at the first arrow: the typed fields change, the line does not."""
    line = render(GlossaryHint("A → B", "C"))
    assert parse(line) == GlossaryHint("A", "B → C")
    assert render(parse(line)) == line


def test_lines_the_catalog_stripped_read_back() -> None:
    """The catalog writes "#." lines without trailing blanks: an empty message or engine
    description is read from the stripped line."""
    assert parse("qa error [urls]:") == QaNote(Severity.ERROR, "urls", "")
    assert parse("origin: MT") == OriginNote(Origin.MT, "")


@pytest.mark.parametrize(
    "text",
    [
        "origin: something else",
        "origin:MT x",
        "qa fatal [x]: y",
        "qa error x: y",
        "qa-ignore: numbers",
        "term: a → b",
        "term enforced: no arrow",
        "glossary: no arrow",
        "type:heading",
        "warning:x",
        "Type: heading",
    ],
)
def test_unknown_lines_are_foreign_and_kept(text: str) -> None:
    assert parse(text) == Foreign(text)
    assert render(parse(text)) == text


@given(st.text())
def test_parse_never_raises_and_keeps_the_line(text: str) -> None:
    note = parse(text)
    line = render(note)
    assert line == text or (not isinstance(note, Foreign) and line.rstrip(" ") == text)
    assert parse(line) == note


@given(
    st.sampled_from(Severity),
    st.text(st.characters(exclude_characters="]")),
    st.text(),
    st.booleans(),
)
def test_qa_notes_round_trip(severity: Severity, check: str, message: str, muted: bool) -> None:
    note = QaNote(severity, check, message, muted)
    assert parse(render(note)) == note


@given(st.text(), st.text())
def test_glossary_and_term_lines_round_trip(source: str, target: str) -> None:
    for note in (GlossaryHint(source, target), TermNote("present", source, target)):
        line = render(note)
        assert render(parse(line)) == line
        if " → " not in source:
            assert parse(line) == note


def test_enum_values() -> None:
    assert [s.value for s in Severity] == ["error", "warning"]
    assert Severity.ERROR == "error" and json.dumps(Severity.WARNING) == '"warning"'
    assert [o.value for o in Origin] == ["mt", "tm", "tm-fuzzy", "reviewed", "draft"]
    assert [s.value for s in EntryState] == ["reviewed", "fuzzy", "untranslated", "obsolete"]
    assert ERROR is Severity.ERROR


def test_notes_about_the_suggestion() -> None:
    about = {note.kind for note, _ in EXAMPLES if about_suggestion(note)}
    assert about == {NoteKind.ORIGIN, NoteKind.TERM, NoteKind.WARNING}


def test_entry_state() -> None:
    assert Entry("a", "b").state is EntryState.REVIEWED
    assert Entry("a", "b", flags=("fuzzy",)).state is EntryState.FUZZY
    assert Entry("a", "", flags=("fuzzy",)).state is EntryState.UNTRANSLATED
    assert Entry("a", "b", obsolete=True).state is EntryState.OBSOLETE


def test_comment_lines_and_annotate_go_through_notes() -> None:
    finding = Finding("numbers", Severity.ERROR, "number 5 is not in the translation", muted=True)
    assert comment_lines([finding]) == (
        "qa muted error [numbers]: number 5 is not in the translation",
    )
    entry = Entry(
        "Es sind 5 Tage.",
        "It is 6 days.",
        extracted=(
            "type: paragraph",
            "qa error [old]: gone",
            "qa like another tool writes",  # foreign: kept
            "origin: MT x",
        ),
    )
    annotated = annotate(entry, "en", None)
    notes = [parse(line) for line in annotated.extracted]
    assert annotated.extracted[:3] == (
        "type: paragraph",
        "qa like another tool writes",
        "origin: MT x",
    )
    qa = [note for note in notes if isinstance(note, QaNote)]
    assert qa and all(note.check != "old" for note in qa)
    assert annotate(annotated, "en", None) == annotated


# --- QA counts of a run are the findings ----------------------------------------------------

RELEASE = """## Symposium

Das Symposium findet am 07.12.2025 in Frankfurt statt.

Julian Caspers leitet die Studie.
"""


def _run(project: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["run", "--project", str(project), "--json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _counts_in_file(path: Path) -> dict[str, int]:
    """The QA notes of the written file, counted like the run counts findings."""
    counts = dict.fromkeys(("reviewed_errors", "reviewed_warnings", "suggested_errors",
                            "suggested_warnings", "muted"), 0)  # fmt: skip
    for entry in read_catalog(path).entries:
        if entry.obsolete or not entry.msgid:
            continue
        for note in map(parse, entry.extracted):
            if not isinstance(note, QaNote):
                continue
            if note.muted:
                counts["muted"] += 1
                continue
            side = "reviewed" if entry.state is EntryState.REVIEWED else "suggested"
            counts[f"{side}_{note.severity}s"] += 1
    return counts


def _counts_of_findings(findings: list[Finding]) -> tuple[int, int, int]:
    counted = [f for f in findings if f.counts]
    errors = sum(f.severity is Severity.ERROR for f in counted)
    return errors, len(counted) - errors, len(findings) - len(counted)


def test_run_counts_are_the_findings_and_muted_ones_do_not_count(
    tmp_path: Path, tiny_packages: Path
) -> None:
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "r0.md").write_text(RELEASE, encoding="utf-8")
    write_tiny_project_config(tmp_path, tiny_packages)
    report = _run(tmp_path)
    files = {Path(item["file"]): item["qa"] for item in report["po_files"]}
    assert files
    matcher = load_project(tmp_path).matcher
    for path, qa in files.items():
        expected = _counts_in_file(path)
        assert {key: qa[key] for key in expected} == expected
        findings = check_po_file(path, matcher)
        assert all(isinstance(f.severity, Severity) for f in findings)
        assert (qa["errors"], qa["warnings"], qa["muted"]) == _counts_of_findings(findings)
    # A reviewer mutes the checks of every entry with a finding: nothing counts any more,
    # and the muted findings are written as muted.
    en = tmp_path / "locales" / "en" / "r0.po"
    before = files[en]
    assert before["errors"] + before["warnings"] > 0
    text = en.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    blocks = ["# qa-ignore: all\n" + b if "\n#. qa " in "\n" + b else b for b in blocks]
    en.write_text("\n\n".join(blocks), encoding="utf-8")
    after = {Path(item["file"]): item["qa"] for item in _run(tmp_path)["po_files"]}[en]
    assert after["errors"] == after["warnings"] == 0
    assert after["muted"] == before["errors"] + before["warnings"] + before["muted"]
    assert _counts_in_file(en)["muted"] == after["muted"]
    assert "#. qa muted " in en.read_text(encoding="utf-8")


def _matcher(root: Path):  # type: ignore[no-untyped-def]
    from pipeline.project import load_project

    return load_project(root).matcher()
