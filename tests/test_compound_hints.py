"""Closed compounds whose head is a concept („Lebermetastasen“: Metastase) are hints for
reviewers in the PO comments and the HTML report, never enforced or checked."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.glossary.enforce import MISSING, compound_hints, target_terms
from pipeline.glossary.maintain import builtin_termbase, load_termbase
from pipeline.glossary.match import Matcher
from pipeline.po.notes import CompoundHint
from pipeline.qa.checks import CHECKS, Context, check_pair

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


@pytest.mark.parametrize(
    ("target", "language", "flagged"),
    [
        ("Diagnostic and interventional radiology are growing.", "en", False),
        ("Diagnostic radiology and interventional radiology are growing.", "en", False),
        ("Interventional radiology is growing.", "en", True),
        ("La radiologie diagnostique et interventionnelle progresse.", "fr", False),
        ("La radiologie interventionnelle progresse.", "fr", True),
    ],
)
def test_coordinated_terms_may_share_their_head_in_the_translation(
    target: str, language: str, flagged: bool
) -> None:
    """„diagnostische und interventionelle Radiologie“ holds two concepts; a translation
    that shares the head as the German does has both (QA, PO comment and report agree:
    they all ask hit_targets)."""
    matcher = Matcher(load_termbase([builtin_termbase()]))
    source = "Die diagnostische und interventionelle Radiologie wächst."
    hits = tuple(matcher.find(source))
    findings = check_pair(source, target, Context(language, hits, matcher.termbase),
                          [CHECKS["glossary"]])  # fmt: skip
    assert bool(findings) is flagged, findings
    missing = [
        t for t in target_terms(hits, matcher.termbase, language) if t.status(target) == MISSING
    ]
    assert bool(missing) is flagged
