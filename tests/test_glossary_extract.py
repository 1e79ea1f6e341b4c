"""`pipeline glossary extract`: base forms, kinds, acronym expansions in both orders,
ranking by termhood against general German, known terms, JSON lines."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.extract import (
    Candidate,
    CandidateKind,
    base_phrase,
    expansion_after,
    expansion_before,
    extract,
    split_compound,
)
from pipeline.glossary.match import Matcher
from pipeline.glossary.model import Termbase
from tests.conftest import ROOT
from tests.test_linear_time import finishes

RADIOLOGY = ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_glossary(RADIOLOGY))


@pytest.fixture(scope="module")
def empty() -> Matcher:
    return Matcher(Termbase(()))


def by_term(candidates: list[Candidate]) -> dict[str, Candidate]:
    return {candidate.term: candidate for candidate in candidates}


@pytest.mark.parametrize(
    ("text", "term", "kind"),
    [("Bei vielen Betroffenen fanden sich Lebermetastasen.", "Lebermetastase", "compound"),
     ("Das neue KI-Modelle-Paket hilft, sagte er über die KI-Modelle.", "KI-Modell", "compound"),
     ("Sie nutzen die photonenzählende Bildrekonstruktion.",
      "photonenzählende Bildrekonstruktion", "multiword"),
     ("Fortschritte der interventionellen Radiologie.", "interventionelle Radiologie", "multiword"),
     ("Die Sprecher der Deutschen Röntgengesellschaft sagten es.",
      "Deutsche Röntgengesellschaft", "multiword"),
     ("Die Befunde zeigten eine Verkalkung.", "Verkalkung", "noun"),
     ("Immer mehr LLMs schreiben Berichte.", "LLM", "acronym"),
     ("Das BfArM prüft den Antrag.", "BfArM", "acronym"),
     ("Der G-BA entscheidet im Mai.", "G-BA", "acronym")],
)  # fmt: skip
def test_base_forms_and_kinds(empty: Matcher, text: str, term: str, kind: str) -> None:
    found = by_term(extract([text], empty, limit=100))
    assert term in found, sorted(found)
    assert found[term].kind == CandidateKind(kind)


@pytest.mark.parametrize(
    "text",
    ["Die European Society of Radiology (ESR) tagt in Wien.",
     "Die ESR (European Society of Radiology) tagt in Wien."],
)  # fmt: skip
def test_an_acronym_expansion_in_either_order(empty: Matcher, text: str) -> None:
    found = by_term(extract([text], empty, limit=100))
    assert found["ESR"].expansion == "European Society of Radiology"
    assert found["European Society of Radiology"].kind is CandidateKind.MULTIWORD
    # the words of the expansion are no candidates of their own
    assert "Society" not in found and "Radiology" not in found


def test_a_german_expansion_in_base_form(empty: Matcher) -> None:
    text = "Ein Sprecher der Deutschen Röntgengesellschaft (DRG) lobte den Vorschlag."
    found = by_term(extract([text], empty, limit=100))
    assert found["DRG"].expansion == "Deutsche Röntgengesellschaft"
    assert "Deutsche Röntgengesellschaft" in found


def test_expansions_spell_the_acronym() -> None:
    assert expansion_before("Sie prüfen die Magnetresonanztomographie", "MRT") == (
        "Magnetresonanztomographie"
    )
    assert expansion_before("das Bundesinstitut für Arzneimittel und Medizinprodukte", "BfArM")
    assert expansion_before("die neue Leitlinie", "ESR") == ""
    assert expansion_after("Kassenärztliche Bundesvereinigung, Berlin", "KBV") == (
        "Kassenärztliche Bundesvereinigung"
    )
    assert expansion_after("seit 2020", "KBV") == ""


def test_a_one_off_domain_term_outranks_general_words(empty: Matcher) -> None:
    texts = [
        "Die Gesellschaft fördert Innovationen in der Gesellschaft.",
        "Nach Angaben der Gesellschaft wurde die Bildrekonstruktion verbessert.",
        "Auch die Gesellschaft sprach über Innovationen.",
    ]
    ranked = [candidate.term for candidate in extract(texts, empty, limit=100)]
    assert ranked.index("Bildrekonstruktion") < ranked.index("Gesellschaft")
    assert ranked.index("Bildrekonstruktion") < ranked.index("Innovation")
    termhoods = [candidate.termhood for candidate in extract(texts, empty)]
    assert all(a >= b for a, b in pairwise(termhoods))


def test_known_terms_are_left_out_or_marked(matcher: Matcher) -> None:
    text = "Die Kassenärztliche Bundesvereinigung (KBV) lobt die Zauberwortdiagnostik."
    default = by_term(extract([text], matcher, limit=100))
    assert "KBV" not in default and "Kassenärztliche Bundesvereinigung" not in default
    assert "Zauberwortdiagnostik" in default
    marked = by_term(extract([text], matcher, limit=100, include_known=True))
    assert marked["KBV"].known == "kbv"
    assert marked["Kassenärztliche Bundesvereinigung"].known == "kassenaerztliche-bundesvereinigung"
    assert marked["Zauberwortdiagnostik"].known == ""


def test_the_compound_splitter() -> None:
    assert split_compound("Wirbelkörperfrakturen") == ("Wirbelkörper", "frakturen")
    for word in ("Gesellschaft", "Patienten", "Innovationen", "Radiologie"):
        assert split_compound(word) is None, word
    assert base_phrase(["neuronalen", "Netze"]) == "neuronales Netz"
    assert base_phrase(["kontrastmittelverstärkten", "Ultraschalls"]) == (
        "kontrastmittelverstärkter Ultraschall"
    )


def test_sentence_starts_and_names_after_titles_are_no_candidates(empty: Matcher) -> None:
    text = "Heute sprach Prof. Dr. med. Anna Weber über die Verkalkung."
    found = by_term(extract([text], empty, limit=100))
    assert "Verkalkung" in found
    assert not {"Heute", "Anna", "Weber"} & set(found)


def test_json_lines_and_table(tmp_path: Path) -> None:
    release = tmp_path / "r.md"
    release.write_text(
        "Die European Society of Radiology (ESR) berichtet über Lebermetastasen.\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(app, ["glossary", "extract", str(release), "--json", "--known",
                                 "-g", str(RADIOLOGY)])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"term", "kind", "count", "termhood", "expansion", "known", "forms"} <= set(rows[0])
    assert {row["term"]: row["known"] for row in rows}["ESR"] == "esr"
    table = runner.invoke(app, ["glossary", "extract", str(release), "-g", str(RADIOLOGY)])
    assert table.exit_code == 0 and "Lebermetastase" in table.stdout


def test_linear_time_on_hostile_input(empty: Matcher) -> None:
    long_word = "Röntgen" * 5000
    acronyms = "(" + "A" * 10 + ") " + "Aa " * 20_000
    adjectives = "die " + "interventionellen " * 20_000 + "Radiologie"
    for text in (long_word, acronyms, adjectives, "ESR (" + "European " * 30_000 + ")"):
        finishes(lambda text=text: extract([text], empty))
