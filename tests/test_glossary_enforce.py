"""Glossary terms enforced through real CTranslate2 inference on the tiny test packages.

tests/data/glossary/tiny-models.csv holds terms the tiny models know from their
template sentences; the models cannot translate anything else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.document import parse_document
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.enforce import ENFORCED, INJECTED, NEEDS_REVIEW, find_terms
from pipeline.glossary.match import Matcher
from pipeline.glossary.model import Concept, Term, Termbase
from pipeline.mt.cache import TranslationCache
from pipeline.mt.engine import DecodingOptions, Engine, PlaceholderMode, leg_retry
from pipeline.mt.protect import mask, restore
from pipeline.mt.translate import mask_segment, translate_segments
from pipeline.segment import Segment, segment_document
from tests.conftest import DATA, ROOT

PACKAGES = DATA / "argos"
TINY_GLOSSARY = DATA / "glossary" / "tiny-models.csv"


def segments(*paragraphs: str) -> list[Segment]:
    source = "\n\n".join(paragraphs) + "\n"
    return list(
        segment_document(parse_document(source.encode(), Path("r.md"), "markdown")).segments
    )


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_glossary(TINY_GLOSSARY))


@pytest.fixture(scope="module")
def engine(tiny_packages: Path) -> Engine:
    return Engine(tiny_packages, DecodingOptions())


@pytest.fixture(scope="module")
def dropper_dir(dropper_packages: Path) -> Path:
    return dropper_packages


def statuses(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {term.concept: term.status for term in result.terms}


def test_terms_come_out_as_the_glossary_says(engine: Engine, matcher: Matcher) -> None:
    [result] = translate_segments(
        engine, segments("Julian Caspers leitet die Studie."), "de", "en", matcher=matcher
    )
    assert result.text.startswith("Julian Caspers leads")
    assert result.text.endswith("study.")
    assert statuses(result) == {"caspers": ENFORCED, "studie": ENFORCED}
    assert [term.target for term in result.terms] == ["Julian Caspers", "study"]


def test_a_pivoted_pair_enforces_the_target_language_term(engine: Engine, matcher: Matcher) -> None:
    [result] = translate_segments(
        engine, segments("Julian Caspers leitet die Studie."), "de", "fr", matcher=matcher
    )
    assert result.route == "de→en→fr"
    assert result.text.startswith("Julian Caspers dirige")
    assert "étude" in result.text and "study" not in result.text
    assert statuses(result) == {"caspers": ENFORCED, "studie": ENFORCED}


def test_a_dropped_term_is_written_into_the_source_and_retried(
    dropper_dir: Path, matcher: Matcher
) -> None:
    dropper = Engine(dropper_dir, DecodingOptions(), placeholders=PlaceholderMode.ALWAYS)
    [result] = translate_segments(
        dropper,
        segments("Das Symposium findet am 25.08.2024 in Zürich statt."),
        "de",
        "en",
        matcher=matcher,
    )
    assert result.text == "The symposium takes place on 25.08.2024 in Zurich."
    assert statuses(result) == {"symposium": INJECTED, "zuerich": INJECTED}
    assert any("shown as plain text" in warning for warning in result.warnings)


def test_when_injection_fails_too_the_term_needs_review(
    dropper_dir: Path, matcher: Matcher
) -> None:
    dropper = Engine(dropper_dir, DecodingOptions(), placeholders=PlaceholderMode.ALWAYS)
    [result] = translate_segments(
        dropper, segments("Julian Caspers leitet die Studie."), "de", "en", matcher=matcher
    )
    assert statuses(result) == {"caspers": NEEDS_REVIEW, "studie": NEEDS_REVIEW}
    assert "Julian Caspers" in result.text and "study" in result.text
    assert not any(term.enforced for term in result.terms)  # placed, not verified


def test_cached_results_keep_their_notes_and_term_status(
    dropper_dir: Path, matcher: Matcher, tmp_path: Path
) -> None:
    texts = segments("Das Symposium findet am 25.08.2024 in Zürich statt.")
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        dropper = Engine(dropper_dir, DecodingOptions(), cache, placeholders=PlaceholderMode.ALWAYS)
        [first] = translate_segments(dropper, texts, "de", "en", matcher=matcher)
        [again] = translate_segments(dropper, texts, "de", "en", matcher=matcher)
    assert not first.cached and again.cached
    assert (again.text, again.warnings, again.terms) == (first.text, first.warnings, first.terms)


def test_editing_one_entry_retranslates_only_its_segments(
    engine: Engine, matcher: Matcher, tmp_path: Path
) -> None:
    texts = segments(
        "Julian Caspers leitet die Studie.",
        "Das Symposium findet am 07.12.2025 in Frankfurt statt.",
    )
    edited = Termbase(
        tuple(
            Concept(c.id, {**c.terms, "en": (Term("trial"),)}, dnt=c.dnt, pos=c.pos)
            if c.id == "studie"
            else c
            for c in matcher.termbase.concepts
        )
    )
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        cached_engine = Engine(engine.packages_dir, DecodingOptions(), cache)
        translate_segments(cached_engine, texts, "de", "en", matcher=matcher)
        again = translate_segments(cached_engine, texts, "de", "en", matcher=Matcher(edited))
    assert [result.cached for result in again] == [False, True]
    assert again[0].text.endswith("trial.")


def test_plural_source_gets_the_plural_target() -> None:
    matcher = Matcher(load_glossary(ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"))
    [segment] = segments("Viele Radiologinnen und ein Radiologe.")
    prepared = mask_segment(segment, find_terms(segment.text, matcher, "en"))
    assert prepared.masked.text == "Viele ⟦1⟧ und ein ⟦2⟧."
    assert prepared.masked.originals == ("radiologists", "radiologist")
    retry = leg_retry(prepared.masked.text, prepared.shown, "en")  # what a retry reads
    assert retry is not None
    # "radiologist" is inside "radiologists": it could not be found again, so stays masked.
    assert retry.text == "Viele radiologists und ein ⟦2⟧."


def test_terms_inside_markup_or_urls_are_left_to_the_model(matcher: Matcher) -> None:
    [segment] = segments("Siehe [Julian Caspers](https://example.org/Studie) und die Studie.")
    prepared = mask_segment(segment, find_terms(segment.text, matcher, "en"))
    assert prepared.masked.originals == (
        "[",
        "Julian Caspers",
        "](https://example.org/Studie)",
        "study",
    )


def test_a_term_opening_the_sentence_gets_a_capital() -> None:
    masked = mask("Künstliche Intelligenz hilft.", [(0, 22)], {(0, 22): "artificial intelligence"})
    assert restore(masked, "⟦1⟧ helps.", {1}).text == "Artificial intelligence helps."
    assert restore(masked, "It is ⟦1⟧.", {1}).text == "It is artificial intelligence."
    assert restore(masked, "⟦1⟧ helps.").text == "artificial intelligence helps."


def test_translate_command_reports_the_terms(tmp_path: Path, engine: Engine) -> None:
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app

    release = tmp_path / "r.md"
    release.write_text("Julian Caspers leitet die Studie.\n", encoding="utf-8")
    args = ["translate", str(release), "--to", "en", "--json", "--dir", str(engine.packages_dir),
            "--glossary", str(TINY_GLOSSARY), "--project", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(t["concept"], t["status"]) for t in record["terms"]] == [
        ("caspers", "enforced"),
        ("studie", "enforced"),
    ]
    plain = CliRunner().invoke(app, [*args, "--no-glossary"])
    assert json.loads(plain.stdout.splitlines()[0])["terms"] == []
