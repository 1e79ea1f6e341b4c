"""The engine, glossary enforcement, pivot and CLI translation on both kinds of package.

``trained``: the tiny test packages, trained to copy ``⟦n⟧``. ``blind``: packages built
like the Argos packages users install (no placeholder symbols, none in training), on
which the probe rules placeholders out and the engine writes terms and literals into the
source, continues after a lost term with ``target_prefix`` and places the rest through
attention (:mod:`pipeline.mt.blind`). The same inputs run on both; what must hold on both
is asserted: every placeholder back exactly once, no model token in any output, a term
counted as enforced only when the output has it, and one decode per segment and leg
where nothing needs repair.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.enforce import (
    ENFORCED,
    INJECTED,
    MISSING,
    NEEDS_REVIEW,
    PREFIXED,
    PRESENT,
    TargetTerm,
)
from pipeline.glossary.match import Matcher
from pipeline.mt import blind
from pipeline.mt.align import Mark, Scheme
from pipeline.mt.engine import DecodingOptions, Engine, PlaceholderMode, leaked_fragments
from pipeline.mt.packages import list_packages
from pipeline.mt.protect import PLACEHOLDER, CopyKind, Shown, Verbatim
from pipeline.mt.translate import translate_segments
from tests.conftest import DATA, write_tiny_project_config
from tests.test_glossary_enforce import segments

KINDS = ("trained", "blind")
GLOSSARY = DATA / "glossary" / "tiny-models.csv"
# Segments of the kinds a release has: terms, names, numbers, URLs, inline markup.
PARAGRAPHS = [
    "Das Symposium findet am 07.12.2025 in Frankfurt statt.",
    "Julian Caspers leitet die Studie.",
    "Das Symposium findet am 25.08.2024 in Zürich statt.",
    "**Das Symposium** findet am 07.12.2025 in Frankfurt statt.",
    "Dr. Anna Schmidt leitet das [Projekt](https://example.org/p).",
    "Die Wartezeit sank um 12,5 %, siehe www.drg.de.",
    "Prof. Dr. Jonas Weber leitet die Studie in Zürich.",
]
MASKED = [
    "⟦1⟧Das Symposium⟦2⟧ findet am 25.08.2024 in Zürich statt.",
    "Das Symposium findet am ⟦1⟧ in Frankfurt statt.",
    "⟦1⟧ leitet die ⟦2⟧.",
    "Lesen Sie ⟦1⟧hier⟦2⟧ und ⟦3⟧dort⟦4⟧.",
]


@pytest.fixture(scope="module", params=KINDS)
def packages(request: pytest.FixtureRequest) -> Path:
    fixture = "tiny_packages" if request.param == "trained" else "blind_packages_dir"
    return request.getfixturevalue(fixture)


@pytest.fixture(scope="module")
def engine(packages: Path) -> Engine:
    return Engine(packages, DecodingOptions())


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_glossary(GLOSSARY))


def _blind(engine: Engine) -> bool:
    return "blind" in str(engine.packages_dir)


def test_the_probe_decides_how_each_package_is_used(engine: Engine) -> None:
    for package in list_packages(engine.packages_dir):
        verdict = engine.verdict(package)
        if _blind(engine):
            assert verdict.placeholder is None and not engine.carries_placeholders(package)
            assert any("unknown pieces" in reason for reason in verdict.reasons)
        else:
            assert verdict.placeholder == "⟦n⟧" and engine.carries_placeholders(package)


@pytest.mark.parametrize("target", ["en", "fr"])
def test_every_placeholder_comes_back_once_and_nothing_leaks(engine: Engine, target: str) -> None:
    results = engine.translate(MASKED, "de", target)
    for source, result in zip(MASKED, results, strict=True):
        wanted = sorted(PLACEHOLDER.findall(source))
        assert sorted(PLACEHOLDER.findall(result.text)) == wanted, (source, result)
        assert leaked_fragments(result.text) == [], result
        assert result.route == ("de→en" if target == "en" else "de→en→fr")


@pytest.mark.parametrize("target", ["en", "fr"])
def test_terms_are_enforced_only_where_the_output_has_them(
    engine: Engine, matcher: Matcher, target: str
) -> None:
    results = translate_segments(engine, segments(*PARAGRAPHS), "de", target, matcher=matcher)
    assert len(results) == len(PARAGRAPHS)
    seen = set()
    for result in results:
        assert leaked_fragments(result.text) == [] and "⟦" not in result.text, result
        for term in result.terms:
            seen.add(term.status)
            expected = TargetTerm(term.concept, term.target or "")
            has_it = expected.status(result.text) != MISSING
            if term.enforced:
                assert has_it, (result.text, term)
            assert term.enforced == (term.status in (ENFORCED, INJECTED, PREFIXED))
            if term.status == NEEDS_REVIEW:
                assert any("attention" in warning for warning in result.warnings)
    assert seen <= {ENFORCED, INJECTED, PREFIXED, NEEDS_REVIEW, PRESENT, MISSING}
    assert seen & {ENFORCED, INJECTED, PREFIXED}  # the glossary works on both kinds


def test_a_clean_segment_costs_one_decode_per_leg(engine: Engine) -> None:
    texts = [
        "Das Symposium findet am 14.03.2023 in Berlin statt.",
        "Dr. Anna Schmidt leitet das Projekt.",
    ]
    engine.decoded = 0
    engine.translate(texts, "de", "fr")
    assert engine.decoded == 2 * len(texts)


def test_blind_terms_are_found_in_the_output_without_a_second_decode(
    blind_packages_dir: Path, matcher: Matcher
) -> None:
    engine = Engine(blind_packages_dir, DecodingOptions())
    engine.decoded = 0
    [result] = translate_segments(
        engine, segments("Das Symposium findet am 25.08.2024 in Zürich statt."), "de", "en",
        matcher=matcher,
    )  # fmt: skip
    assert result.text == "The symposium takes place on 25.08.2024 in Zurich."
    assert {term.concept: term.status for term in result.terms} == {
        "symposium": ENFORCED,
        "zuerich": ENFORCED,
    }
    assert engine.decoded == 1  # verified in the first output: nothing decoded again


def test_a_lost_name_is_written_with_target_prefix(
    blind_packages_dir: Path, matcher: Matcher
) -> None:
    """The blind de→en model does not know the name: the engine puts it where attention
    says and the model continues the sentence after it."""
    engine = Engine(blind_packages_dir, DecodingOptions())
    engine.decoded = 0
    [result] = translate_segments(
        engine, segments("Julian Caspers leitet die Studie."), "de", "en", matcher=matcher
    )
    statuses = {term.concept: term.status for term in result.terms}
    assert statuses["caspers"] == PREFIXED
    assert "Julian Caspers " in result.text and result.text.endswith(".")
    assert any("target_prefix" in warning for warning in result.warnings)
    assert engine.decoded == 2


def test_placeholders_always_forces_masking_and_never_forbids_it(
    blind_packages_dir: Path, tiny_packages: Path
) -> None:
    forced = Engine(blind_packages_dir, placeholders=PlaceholderMode.ALWAYS)
    never = Engine(tiny_packages, placeholders=PlaceholderMode.NEVER)
    for engine, carries in ((forced, True), (never, False)):
        for package in list_packages(engine.packages_dir):
            assert engine.carries_placeholders(package) is carries
    [result] = never.translate(["⟦1⟧Das Symposium⟦2⟧ findet am 25.08.2024 in Zürich statt."],
                               "de", "en")  # fmt: skip
    assert sorted(PLACEHOLDER.findall(result.text)) == ["1", "2"]


# --- the pure steps ----------------------------------------------------------------------


def _term(number: int, german: str, english: str, french: str) -> Shown:
    return Shown(
        number,
        CopyKind.TERM,
        (
            ("de", Verbatim(german)),
            ("en", TargetTerm("c", english, language="en")),
            ("fr", TargetTerm("c", french, language="fr")),
        ),
    )


def test_each_leg_of_a_pivot_reads_and_looks_for_its_own_term() -> None:
    shown = [
        _term(2, "Studie", "study", "étude"),
        Shown(3, CopyKind.URL, (("", Verbatim("www.drg.de")),)),
    ]
    first = blind.plan_leg("⟦1⟧Die ⟦2⟧ ist online: ⟦3⟧", shown, "de", "en", code_switch=False)
    assert first.source == "Die Studie ist online: www.drg.de"
    assert [a.placeholder for a in first.anchors] == ["⟦1⟧"]  # markup is removed
    assert [(w.placeholder, w.form.text, w.switched) for w in first.written] == [
        ("⟦2⟧", "study", False),
        ("⟦3⟧", "www.drg.de", True),
    ]
    second = blind.plan_leg("The ⟦2⟧ is online: ⟦3⟧", shown, "en", "fr", code_switch=False)
    assert second.source == "The study is online: www.drg.de"
    assert second.written[0].form.text == "étude"
    switched = blind.plan_leg("The ⟦2⟧ is online.", shown, "en", "fr", code_switch=True)
    assert switched.source == "The étude is online." and switched.written[0].switched


def test_remask_finds_terms_in_their_plural_and_reports_the_lost() -> None:
    shown = [_term(1, "Studie", "study", "étude"), _term(2, "Symposium", "symposium", "x")]
    plan = blind.plan_leg("Die ⟦1⟧ und das ⟦2⟧.", shown, "de", "en", code_switch=False)
    text, lost = blind.remask("The studies and the meeting.", plan.written)
    assert text == "The ⟦1⟧ and the meeting."
    assert [item.placeholder for item in lost] == ["⟦2⟧"]


@pytest.mark.parametrize(
    ("masked", "inside"),
    [
        ("Die ⟦1⟧ leitet die ⟦2⟧.", {"⟦1⟧", "⟦2⟧"}),
        ("*Ein Zitat.⟦1⟧", set()),
        ("Hallo ⟦1⟧. ⟦2⟧", {"⟦1⟧"}),
        ("Ohne Satzzeichen ⟦1⟧", set()),
    ],
)
def test_placeholders_that_precede_the_final_punctuation(masked: str, inside: set[str]) -> None:
    assert blind.inside_the_sentence(masked) == inside


def test_nothing_the_source_had_inside_is_put_after_the_full_stop() -> None:
    items: list[str | Mark] = ["▁The", "▁study", ".", Mark("⟦2⟧", False, True), Mark("⟦3⟧", False)]
    kept = blind.keep_before_final_punctuation(items, {"⟦2⟧"}, Scheme.SENTENCEPIECE)
    assert kept == ["▁The", "▁study", Mark("⟦2⟧", False, True), ".", Mark("⟦3⟧", False)]
    bpe: list[str | Mark] = ["The", "Radi@@", "ology", ".", Mark("⟦1⟧", False, True)]
    assert blind.keep_before_final_punctuation(bpe, {"⟦1⟧"}, Scheme.BPE)[-1] == "."


# --- the CLI on both kinds ---------------------------------------------------------------


def test_run_writes_valid_po_files_on_both_kinds(packages: Path, tmp_path: Path) -> None:
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "r.md").write_text(
        "## Symposium\n\n" + "\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8"
    )
    write_tiny_project_config(tmp_path, packages)
    result = CliRunner().invoke(app, ["run", "--project", str(tmp_path), "--json"])
    assert result.exit_code in (0, 1), result.output
    files = sorted((tmp_path / "locales").rglob("*.po"))
    assert [path.parent.name for path in files] == ["en", "fr"]
    for path in files:
        subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], check=True)
        for entry in polib.pofile(str(path)):
            assert leaked_fragments(entry.msgstr) == [] and "⟦" not in entry.msgstr, entry
    assert json.loads(result.stdout)


def test_translate_command_on_both_kinds(packages: Path, tmp_path: Path) -> None:
    release = tmp_path / "r.md"
    release.write_text(PARAGRAPHS[3] + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["translate", str(release), "--to", "en,fr", "--json", "--dir", str(packages),
         "--project", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["route"] for r in records] == ["de→en", "de→en→fr"]
    for record in records:
        assert record["text"].count("**") == 2 and "⟦" not in record["text"]


# --- characters the tokenizer changes ----------------------------------------------------


def test_words_the_normaliser_changes_are_known_per_package(blind_packages_dir: Path) -> None:
    engine = Engine(blind_packages_dir)
    model = engine._model(("de", "en"))
    words = engine._changed_words(model, "Die Fläche: 12 mm², die Dosis 2 µSv (¼ davon) …")
    assert words == {"mm2": "mm²", "μSv": "µSv", "1⁄4": "¼", "...": "…"}
    assert engine._changed_words(model, "Keine Sonderzeichen hier.") == {}
    # a form the source has itself is ambiguous: "mm2" stays as the model wrote it
    assert "mm2" not in engine._changed_words(model, "12 mm² oder 12 mm2")


def test_changed_words_come_back_as_written(
    blind_packages_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = Engine(blind_packages_dir)
    model = engine._model(("de", "en"))
    engine.verdict(model.package)  # probe with the real model first
    output = model.encode("The area was 12 mm2, the dose 2 μSv ...")

    def fake_run(model, batch, no_repeat, attention=False, prefixes=None, cap=None):  # type: ignore[no-untyped-def]
        return [(list(output), None) for _ in batch]

    monkeypatch.setattr(engine, "_run_batch", fake_run)
    [result] = engine.translate(["Die Fläche betrug 12 mm², die Dosis 2 µSv …"], "de", "en")
    assert result.text == "The area was 12 mm², the dose 2 µSv …"


# --- markup around a span ------------------------------------------------------------------


def test_markup_pairs_are_the_placeholders_around_words() -> None:
    plan = blind.plan_leg("Lesen Sie ⟦1⟧den Bericht⟦2⟧ und ⟦3⟧ hier.", (), "de", "en", False)
    assert blind.pairs(plan) == (blind.Pair("⟦1⟧", "⟦2⟧", "den Bericht"),)


@pytest.mark.parametrize(
    ("text", "translation", "wrapped"),
    [
        ("Read the report here.", "the report", "Read ⟦1⟧the report⟦2⟧ here."),
        ("The report is out.", "the report.", "⟦1⟧The report⟦2⟧ is out."),  # case, full stop
        ("Read the report and the report.", "the report", None),  # twice: not certain
        ("Read the reports.", "the report", None),  # not a whole word
        ("Read it.", "", None),
    ],
)
def test_a_span_is_wrapped_where_its_own_translation_is(
    text: str, translation: str, wrapped: str | None
) -> None:
    assert blind.wrap(text, blind.Pair("⟦1⟧", "⟦2⟧", "den Bericht"), translation) == wrapped


def test_a_sentence_in_markup_keeps_its_markup_on_both_kinds(engine: Engine) -> None:
    [result] = engine.translate(
        ["⟦1⟧Das Symposium findet am 07.12.2025 in Frankfurt statt.⟦2⟧"], "de", "en"
    )
    expected = "⟦1⟧The symposium takes place on 07.12.2025 in Frankfurt.⟦2⟧"
    if _blind(engine):  # found around the span's own translation, not by attention
        assert result.text == expected
        assert not any("attention" in warning for warning in result.warnings)
    else:  # the trained model copies the placeholders, with a space of its own choosing
        assert result.text.replace(". ⟦2⟧", ".⟦2⟧") == expected


# --- batching and the cache on both kinds --------------------------------------------------


def test_batching_changes_nothing_on_both_kinds(engine: Engine) -> None:
    # The last of MASKED is beyond what the trained model knows: its output is noise, and
    # noise from int8 decoding may depend on what else is in the batch.
    texts = MASKED[:3]
    together = [result.text for result in engine.translate(texts, "de", "fr")]
    one_by_one = [engine.translate([text], "de", "fr")[0].text for text in texts]
    assert together == one_by_one


def test_cached_results_keep_their_text_notes_and_term_status(
    packages: Path, matcher: Matcher, tmp_path: Path
) -> None:
    from pipeline.mt.cache import TranslationCache

    texts = segments(*PARAGRAPHS)
    with TranslationCache(tmp_path / "cache.sqlite3") as cache:
        first = translate_segments(
            Engine(packages, cache=cache), texts, "de", "fr", matcher=matcher
        )
        again = translate_segments(
            Engine(packages, cache=cache), texts, "de", "fr", matcher=matcher
        )
        forced = Engine(packages, cache=cache, placeholders=PlaceholderMode.NEVER)
        other_mode = forced.cached([t.text for t in texts], "de", "fr")
    assert all(result.cached for result in again) and not any(r.cached for r in first)
    assert [(r.text, r.warnings, r.terms) for r in again] == [
        (r.text, r.warnings, r.terms) for r in first
    ]
    assert other_mode == [None] * len(texts)  # another placeholder mode never reuses them


def test_a_pair_that_attention_reversed_closes_the_word_it_opens() -> None:
    pair = blind.Pair("⟦1⟧", "⟦2⟧", "Pressestelle")
    reversed_items: list[str | Mark] = [
        "▁The", Mark("⟦2⟧", False), "▁press", Mark("⟦1⟧", True), "▁off", "ice", "▁says", ".",
    ]  # fmt: skip
    fixed = blind.keep_pairs_in_order(reversed_items, [pair], Scheme.SENTENCEPIECE)
    assert fixed == ["▁The", "▁press", Mark("⟦1⟧", True), "▁off", "ice", Mark("⟦2⟧", False),
                     "▁says", "."]  # fmt: skip
    bpe: list[str | Mark] = [Mark("⟦2⟧", False), Mark("⟦1⟧", True), "Radi@@", "ology", "."]
    assert blind.keep_pairs_in_order(bpe, [pair], Scheme.BPE) == [
        Mark("⟦1⟧", True), "Radi@@", "ology", Mark("⟦2⟧", False), ".",
    ]  # fmt: skip
    in_order = ["▁The", Mark("⟦1⟧", True), "▁press", Mark("⟦2⟧", False)]
    assert blind.keep_pairs_in_order(in_order, [pair], Scheme.SENTENCEPIECE) == in_order
