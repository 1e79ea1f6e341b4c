"""MT quality from reviewers' edits: PO files with known edits give known scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.layout import Layout
from pipeline.po.catalog import Catalog, Entry, render
from pipeline.qa.quality import collect_pairs, quality_report

HEADER = {"Language": "en", "Content-Type": "text/plain; charset=UTF-8"}
# (German, machine suggestion, approved translation or None when still fuzzy)
ENTRIES = [
    ("Die Katze saß.", "the cat sat", "the cat sat down"),  # TER 1 edit / 4 words = 25
    ("Es regnet.", "it rains", "it rains"),  # accepted unchanged
    ("Ein Medizinprodukt hilft.", "a medicinal product helps", "a medical device helps"),
    ("Das Medizinprodukt wirkt.", "the medicinal product works", "the medical device works"),
    ("Noch offen.", "still open", None),  # not reviewed: not counted
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    layout = Layout(tmp_path)
    entries = tuple(
        Entry(source, approved or machine, flags=() if approved else ("fuzzy",))
        for source, machine, approved in ENTRIES
    )
    path = layout.po_file("en", "r")
    path.parent.mkdir(parents=True)
    path.write_text(render(Catalog(HEADER, entries)), encoding="utf-8")
    records = [
        {"msgid": s, "text": m, "origin": "mt", "detail": "Argos de→en 1.9", "date": "2026-11-03"}
        for s, m, _ in ENTRIES
    ]
    layout.suggestions_file("en", "r").write_text(json.dumps(records), encoding="utf-8")
    return tmp_path


def test_scores_from_known_edits(project: Path) -> None:
    pairs = collect_pairs(Layout(project))
    assert len(pairs) == 4
    first = quality_report(pairs[:2])
    [language] = first.overall
    assert (language.segments, language.unchanged) == (2, 1)
    assert language.ter == pytest.approx(100 * 1 / 6)  # one insertion over 4 + 2 words
    assert 0 < language.chrf < 100
    unchanged = quality_report([p for p in pairs if p.suggestion == p.approved])
    assert unchanged.overall[0].chrf == 100.0 and unchanged.overall[0].ter == 0.0
    report = quality_report(pairs)
    assert [s.group for s in report.by_month] == ["en · 2026-11"]
    assert [s.group for s in report.by_model] == ["en · Argos de→en 1.9"]
    assert [(c.machine, c.approved, c.count) for c in report.corrections] == [
        ("medicinal product", "medical device", 2)
    ]


def test_quality_command_json(project: Path) -> None:
    result = CliRunner().invoke(app, ["quality", "--project", str(project), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["languages"][0]["segments"] == 4
    assert data["languages"][0]["accepted_unchanged"] == 1
    assert data["glossary_candidates"][0]["approved"] == "medical device"
