"""The labelled data of benchmarks/glossary.py is well-formed, and its scoring is right."""

from __future__ import annotations

import importlib.util
import sys
import tomllib

import pytest

from pipeline.glossary.csvio import load_glossary
from tests.conftest import DATA, ROOT

LABELLED = DATA / "glossary" / "labelled"
TERMBASE = ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"
SENTENCES = tomllib.loads((LABELLED / "sentences.toml").read_text(encoding="utf-8"))["sentence"]
RELEASES = tomllib.loads((LABELLED / "releases.toml").read_text(encoding="utf-8"))["terms"]
CLASSES = {"declension", "whitespace", "hyphen", "coordination", "compound", "sense",
           "acronym", "health", "ai", "research"}  # fmt: skip


def _benchmark():  # type: ignore[no-untyped-def]
    """benchmarks/glossary.py as a module (it imports its sibling corpus.py)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(
        "glossary_benchmark", ROOT / "benchmarks" / "glossary.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _benchmark()


def test_at_least_150_sentences_of_every_class() -> None:
    assert len(SENTENCES) >= 150
    assert {sentence["class"] for sentence in SENTENCES} == CLASSES
    assert len({sentence["text"] for sentence in SENTENCES}) == len(SENTENCES)


def test_every_expected_concept_is_in_the_termbase() -> None:
    ids = {concept.id for concept in load_glossary(TERMBASE).concepts}
    expected = bench.expected_matches(SENTENCES)
    assert expected
    assert sorted({m.concept for m in expected} - ids) == []


def test_every_span_points_at_its_surface() -> None:
    for match in bench.expected_matches(SENTENCES):  # raises where a surface is not there
        assert SENTENCES[match.sentence]["text"][match.start : match.end] == match.surface


def test_the_classes_of_the_issue_are_labelled() -> None:
    def labelled(name: str) -> list[dict[str, object]]:
        return [s for s in SENTENCES if s["class"] == name]

    assert any("\n" in s["text"] for s in labelled("whitespace"))
    assert sum(len(s.get("hints", [])) for s in labelled("compound")) >= 10
    senses = " ".join(s["text"] for s in labelled("sense"))
    assert "Wilhelm Conrad Röntgen" in senses and "51109 Köln" in senses
    assert "klinischen Praxis" in senses
    # the excluded senses have no label on them
    for sentence in labelled("sense"):
        assert not any(e.startswith(("Röntgen =", "Röntgens =")) for e in sentence["expect"])


def test_twenty_releases_with_translator_terms() -> None:
    files = sorted(path.name for path in (LABELLED / "releases").glob("*.md"))
    assert len(files) == 20 and sorted(RELEASES) == files
    for name in files:
        words = len((LABELLED / "releases" / name).read_text(encoding="utf-8").split())
        assert 150 <= words <= 300, (name, words)
        assert len(RELEASES[name]) >= 10 and len(set(RELEASES[name])) == len(RELEASES[name])


def test_judged_domain_terms_are_read_without_comments() -> None:
    judged = bench.judged_terms(LABELLED / "domain_terms.txt")
    assert "speiseröhre" in judged and not any(term.startswith("#") for term in judged)


def test_spans_follow_each_other() -> None:
    text = "Die MRT und die MRT."
    first, second = bench.labelled_spans(0, text, ["MRT = mrt", "MRT = mrt"])
    assert (first.start, second.start) == (4, 16)
    with pytest.raises(ValueError, match="CT"):
        bench.labelled_spans(0, text, ["CT = ct"])


def test_recall_and_precision_on_a_constructed_case() -> None:
    match = bench.Match
    expected = [match(0, 0, 3, "mrt", "MRT"), match(0, 8, 10, "ct", "CT"),
                match(1, 0, 5, "a", "Aaaaa"), match(1, 6, 9, "b", "Bbb", hint=True)]  # fmt: skip
    found = [match(0, 0, 3, "mrt", "MRT"),  # right
             match(0, 8, 10, "pet", "CT"),  # the right span, another concept: false and missed
             match(1, 0, 4, "a", "Aaaa"),  # the concept on another span: false and missed
             match(1, 6, 9, "b", "Bbb", hint=True)]  # fmt: skip
    result = bench.score(expected, found)
    assert result.recall == pytest.approx(2 / 4)
    assert result.precision == pytest.approx(2 / 4)
    assert [m.concept for m in result.missed] == ["ct", "a"]
    assert [m.concept for m in result.false] == ["pet", "a"]
    hints = result.where(lambda m: m.hint)
    assert (hints.recall, hints.precision) == (1.0, 1.0)
    assert bench.score([], []).recall == 0.0  # nothing expected: no division by zero


def test_coverage_counts_termbase_and_release(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pipeline.glossary.match import Matcher

    matcher = Matcher(load_glossary(TERMBASE))
    (tmp_path / "a.md").write_text("Die Radiologie nutzt ein Zauberwort.\n", encoding="utf-8")
    result = bench.coverage(matcher, {"a.md": ["Radiologie", "Zauberwort", "Biopsie"]}, tmp_path)
    assert (result.listed, result.in_termbase, result.found) == (3, 2, 1)
    assert result.missing == ("a.md: Zauberwort",)
    assert result.unfound == ("a.md: Biopsie (biopsie)",)
