"""Closed compounds whose head is a concept („Lebermetastasen“: Metastase) are hints for
reviewers in the PO comments and the HTML report, never enforced or checked."""

from __future__ import annotations

from pathlib import Path

import polib
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.glossary.enforce import compound_hints
from pipeline.glossary.maintain import builtin_termbase, load_termbase
from pipeline.glossary.match import Matcher
from pipeline.po.notes import CompoundHint

SENTENCE = "Bei Lebermetastasen hilft die neue Methode."


def test_a_compound_hint_names_the_head_and_its_target() -> None:
    matcher = Matcher(load_termbase([builtin_termbase()]))
    (hint,) = compound_hints(SENTENCE, matcher, "fr")
    assert hint == CompoundHint("Lebermetastasen", "Metastase", "métastase")
    assert compound_hints("Die Metastase wächst.", matcher, "fr") == ()  # a term, no hint


def test_po_comment_and_report_show_the_hint_and_nothing_checks_it(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--project", str(tmp_path)]).exit_code == 0
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "r.md").write_text(SENTENCE + "\n", encoding="utf-8")
    empty = tmp_path / "no-models"
    empty.mkdir()
    run = runner.invoke(app, ["run", "--project", str(tmp_path), "--to", "en", "--dir", str(empty)])
    assert run.exit_code == 0, run.output
    po = polib.pofile(str(tmp_path / "locales" / "en" / "r.po"))
    entry = next(e for e in po if e.msgid == SENTENCE)
    assert "compound: Lebermetastasen (head Metastase) → metastasis" in entry.comment
    entry.msgstr = "The new method helps with liver metastases."
    po.save(str(tmp_path / "locales" / "en" / "r.po"))
    check = runner.invoke(app, ["check", "--project", str(tmp_path), "--json"])
    assert "Metastase" not in check.stdout  # a hint: no glossary finding for it
    out = tmp_path / "report.html"
    report = runner.invoke(app, ["report", "--project", str(tmp_path), "-o", str(out)])
    assert report.exit_code in (0, 1), report.output
    html = out.read_text(encoding="utf-8")
    assert "compound: <q>Lebermetastasen</q> (head Metastase) → metastasis" in html
