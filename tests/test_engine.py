"""The MT engine on real (tiny) Argos packages: real CTranslate2 inference, no stubs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.document import parse_document
from pipeline.mt.cache import TranslationCache
from pipeline.mt.engine import DecodingOptions, Engine, PlaceholderMode
from pipeline.mt.packages import ModelError, install_file
from pipeline.mt.protect import CopyKind, Shown, Verbatim, mask, restore
from pipeline.mt.translate import translate_segments
from pipeline.segment import segment_document
from tests.conftest import DATA

PACKAGES = DATA / "argos"
SENTENCES = [
    "Das Symposium findet am 07.12.2025 in Frankfurt statt.",
    "⟦1⟧Das Symposium⟦2⟧ findet am 25.08.2024 in Zürich statt.",
    "Das Forschungsteam stieg um 24,1 %.",
    "Am 14.10.2022 veröffentlicht die Deutsche Röntgengesellschaft ein neues Verfahren in Wien.",
]


@pytest.fixture(scope="module")
def engine(tiny_packages: Path) -> Engine:
    return Engine(tiny_packages, DecodingOptions())


def test_translates_its_template_sentences(engine: Engine) -> None:
    results = engine.translate(SENTENCES[:2], "de", "en")
    assert [result.text for result in results] == [
        "The symposium takes place on 07.12.2025 in Frankfurt.",
        "⟦1⟧The symposium⟦2⟧ takes place on 25.08.2024 in Zurich.",
    ]
    assert all(result.route == "de→en" and not result.warnings for result in results)


def test_batching_changes_nothing(engine: Engine) -> None:
    together = [result.text for result in engine.translate(SENTENCES, "de", "en")]
    one_by_one = [engine.translate([text], "de", "en")[0].text for text in SENTENCES]
    assert together == one_by_one


def test_pivot_through_english_equals_two_legs(tiny_packages: Path, engine: Engine) -> None:
    assert engine.route("de", "fr") == [("de", "en"), ("en", "fr")]
    pivoted = engine.translate(SENTENCES, "de", "fr")
    english = [result.text for result in engine.translate(SENTENCES, "de", "en")]
    direct = engine.translate(english, "en", "fr")
    assert [result.text for result in pivoted] == [result.text for result in direct]
    assert all(result.route == "de→en→fr" for result in pivoted)


def test_identical_segments_are_decoded_once(engine: Engine) -> None:
    results = engine.translate([SENTENCES[0]] * 3, "de", "en")
    assert len({result.text for result in results}) == 1


def test_cache_hits_on_rerun_and_misses_on_other_options(
    tiny_packages: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cache.sqlite3"
    with TranslationCache(path) as cache:
        first = Engine(tiny_packages, DecodingOptions(), cache).translate(SENTENCES, "de", "en")
    assert not any(result.cached for result in first)
    with TranslationCache(path) as cache:
        again = Engine(tiny_packages, DecodingOptions(), cache).translate(SENTENCES, "de", "en")
        assert all(result.cached for result in again)
        assert [r.text for r in again] == [r.text for r in first]
        other = Engine(tiny_packages, DecodingOptions(beam_size=1), cache).translate(
            SENTENCES, "de", "en"
        )
        assert not any(result.cached for result in other)


def test_markup_and_urls_survive_translation(engine: Engine) -> None:
    source = "**Das Symposium** findet am 25.08.2024 in Zürich statt.\n"
    [segment] = segment_document(parse_document(source.encode(), Path("x.md"), "markdown")).segments
    [result] = translate_segments(engine, [segment], "de", "en")
    assert result.text.count("**") == 2
    assert "25.08.2024" in result.text


def test_missing_pair_names_installed_pairs_and_the_install_command(engine: Engine) -> None:
    with pytest.raises(ModelError) as caught:
        engine.translate(["Hallo"], "de", "it")
    assert "de→en, en→fr" in caught.value.message
    assert caught.value.fix.startswith("pipeline models install en it --dir ")  # the missing leg


def test_translate_command_json(tiny_packages: Path, tmp_path: Path) -> None:
    release = tmp_path / "r.md"
    release.write_text("## Symposium\n\n" + SENTENCES[0] + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["translate", str(release), "--to", "en,fr", "--json", "--dir", str(tiny_packages),
         "--project", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["language"], r["route"]) for r in records] == [
        ("en", "de→en"),
        ("en", "de→en"),
        ("fr", "de→en→fr"),
        ("fr", "de→en→fr"),
    ]
    assert records[1]["text"] == "The symposium takes place on 07.12.2025 in Frankfurt."
    assert (tmp_path / ".pipeline" / "mt-cache.sqlite3").is_file()


def test_translate_without_packages_is_offline_and_clear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "argos-packages"
    empty.mkdir()
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(empty))
    release = tmp_path / "r.md"
    release.write_text(SENTENCES[0] + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["translate", str(release), "--to", "en", "--project", str(tmp_path)]
    )
    assert result.exit_code == 4
    assert "installed: none" in result.stderr
    assert "pipeline models install de en" in result.stderr


def test_runaway_repetition_is_decoded_again_and_noted(engine: Engine) -> None:
    text = (
        "Die Tagung, das Team, die Gruppe, das Konsortium, die Studie, das Symposium, das Institut."
    )
    [result] = engine.translate([text], "de", "en")
    assert any("repetitive output" in warning for warning in result.warnings)
    assert "no_repeat_ngram_size=3" in result.warnings[0]


def test_lost_placeholders_are_put_back_through_attention(engine: Engine) -> None:
    text = "".join(f"⟦{n}⟧" for n in range(1, 13))  # more than the model ever saw
    [result] = engine.translate([text], "de", "en")
    assert any("attention alignment" in warning for warning in result.warnings)
    assert result.text.split() == [f"⟦{n}⟧" for n in range(1, 13)]


@pytest.fixture(scope="module")
def dropper(dropper_packages: Path) -> Engine:
    """A de→en package trained to drop placeholders: the fallback is its main path."""
    return Engine(dropper_packages, DecodingOptions(), placeholders=PlaceholderMode.ALWAYS)


def test_fallback_re_inserts_what_the_model_dropped(dropper: Engine) -> None:
    texts = [
        "Das Symposium findet am 07.12.2025 in ⟦1⟧Frankfurt⟦2⟧ statt.",
        "⟦1⟧Das Symposium⟦2⟧ findet am 25.08.2024 in Zürich statt.",
    ]
    results = dropper.translate(texts, "de", "en")
    assert results[0].text == "The symposium takes place on 07.12.2025 in ⟦1⟧Frankfurt⟦2⟧."
    for result in results:
        assert any("attention alignment" in warning for warning in result.warnings)
        assert result.text.count("⟦1⟧") == result.text.count("⟦2⟧") == 1


def test_markdown_link_survives_a_dropping_model(dropper: Engine) -> None:
    source = "Das Symposium findet am 07.12.2025 in [Frankfurt](https://example.org/ffm) statt.\n"
    [segment] = segment_document(parse_document(source.encode(), Path("x.md"), "markdown")).segments
    [result] = translate_segments(dropper, [segment], "de", "en")
    assert result.text == (
        "The symposium takes place on 07.12.2025 in [Frankfurt](https://example.org/ffm)."
    )
    assert any("attention alignment" in warning for warning in result.warnings)


def test_output_is_cut_at_the_length_limit(tiny_packages: Path) -> None:
    tight = Engine(tiny_packages, DecodingOptions(max_length_ratio=0.3, max_length_extra=2))
    [result] = tight.translate([SENTENCES[0]], "de", "en")
    assert any("output cut at" in warning for warning in result.warnings)
    assert len(result.text.split()) < len(SENTENCES[0].split())


@pytest.mark.parametrize("codes", [["--to", "english"], ["--to", "en", "--from", "DE"]])
def test_unknown_language_code_is_a_usage_error(tmp_path: Path, codes: list[str]) -> None:
    release = tmp_path / "r.md"
    release.write_text(SENTENCES[0] + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["translate", str(release), *codes])
    assert result.exit_code == 2
    assert "is not a language code" in result.output


def test_a_broken_model_is_a_clear_error(tmp_path: Path) -> None:
    installed = install_file(PACKAGES / "translate-de_en-test.argosmodel", tmp_path)
    (installed.path / "model" / "model.bin").write_bytes(b"not a model")
    with pytest.raises(ModelError) as caught:
        Engine(tmp_path).translate([SENTENCES[0]], "de", "en")
    assert "cannot be loaded" in caught.value.message
    assert caught.value.fix == "reinstall it: pipeline models install de en"


def test_a_lost_span_is_shown_as_text_in_a_retry(dropper: Engine) -> None:
    masked = mask("Das Symposium findet am 07.12.2025 in Frankfurt statt.", [(24, 34)])
    shown = [(Shown(1, CopyKind.NUMBER, (("", Verbatim("07.12.2025")),)),)]
    [result] = dropper.translate([masked.text], "de", "en", shown=shown)
    assert result.text == "The symposium takes place on ⟦1⟧ in Frankfurt."
    assert result.warnings == ("placeholders lost; translated again with ⟦1⟧ shown as plain text",)
    assert restore(masked, result.text).ok


def test_when_the_retry_fails_too_attention_puts_the_span_back(dropper: Engine) -> None:
    masked = mask("Das Symposium findet am 07.12.2025 in Frankfurt statt.", [(24, 34)])
    # a text the model will not copy
    shown = [(Shown(1, CopyKind.NAME, (("", Verbatim("Xq-77 Zyx")),)),)]
    [result] = dropper.translate([masked.text], "de", "en", shown=shown)
    assert result.text.count("⟦1⟧") == 1
    assert any("attention alignment" in warning for warning in result.warnings)
    assert not any("plain text" in warning for warning in result.warnings)
