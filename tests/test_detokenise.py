"""Detokenisation with the package's own tokenizer on every path, and the leak guard.

Real tokenizers: the test package's SentencePiece model (byte fallback: „ “ ² µ ï are
byte pieces for it) and a small hand-written BPE model read by Argos's BPETokenizer with
sacremoses, as OPUS-MT conversions ship them.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import sentencepiece
from argostranslate.tokenizer import BPETokenizer

from pipeline.mt.align import (
    Anchor,
    Mark,
    Scheme,
    detokenise,
    insert_by_attention,
    join_pieces,
    place_by_attention,
    strip_placeholders,
    token_offsets,
)
from pipeline.mt.engine import (
    ALIGNED,
    LEAKS_REMOVED,
    DecodingOptions,
    Engine,
    PlaceholderMode,
    _LoadedModel,
    leaked_fragments,
    new_leaks,
    strip_leaks,
)
from pipeline.mt.packages import list_packages
from pipeline.qa.checks import CHECKS, Context, check_pair

# subword-nmt codes (version 0.2: "</w>" ends a word); what they do not merge stays cut
# into pieces with "@@" continuation markers.
BPE_CODES = """#version: 0.2
D e
De p
Dep ar
m e
me n
men t</w>
T h
Th e</w>
R a
Ra d
Rad i
o l
ol o
olo g
olog y</w>
o f</w>
"""
LEAKED_PIECES = ("<0x", "@@", "⁇", "<unk>", "▁", "\ufffd")


def _clean(text: str) -> None:
    assert not any(fragment in text for fragment in LEAKED_PIECES), text
    assert text.count("⟦") == text.count("⟧")


def _diagonal(rows: int, columns: int, pairs: dict[int, int]) -> list[list[float]]:
    """Attention rows (target × source): row r attends to column pairs[r] (else column 0)."""
    return [
        [1.0 if column == pairs.get(row, 0) else 0.0 for column in range(columns)]
        for row in range(rows)
    ]


@pytest.fixture(scope="module")
def de_en(tiny_packages: Path) -> _LoadedModel:
    (package,) = [p for p in list_packages(tiny_packages) if p.pair == "de→en"]
    return _LoadedModel(package, DecodingOptions())


@pytest.fixture(scope="module")
def processor(de_en: _LoadedModel) -> sentencepiece.SentencePieceProcessor:
    path = de_en.package.path / "sentencepiece.model"
    return sentencepiece.SentencePieceProcessor(model_file=str(path))


@pytest.fixture(scope="module")
def bpe_packages(tiny_packages: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The de→en test package with a BPE model in place of its SentencePiece one."""
    directory = tmp_path_factory.mktemp("bpe")
    target = directory / "translate-de_en"
    shutil.copytree(tiny_packages / "translate-de_en", target)
    (target / "sentencepiece.model").unlink()
    (target / "bpe.model").write_text(BPE_CODES, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def bpe(bpe_packages: Path) -> BPETokenizer:
    return BPETokenizer(bpe_packages / "translate-de_en" / "bpe.model", "de", "en")


# --- SentencePiece with byte fallback ---------------------------------------------------


def test_the_test_package_cuts_these_characters_into_byte_pieces(
    processor: sentencepiece.SentencePieceProcessor,
) -> None:
    pieces = processor.encode("„Studie“ mm² µSv", out_type=str)
    assert sum(piece.startswith("<0x") for piece in pieces) >= 8


def test_aligned_pieces_decode_byte_fallback_to_the_characters(
    de_en: _LoadedModel, processor: sentencepiece.SentencePieceProcessor
) -> None:
    _, anchors = strip_placeholders("Lesen Sie ⟦1⟧hier⟦2⟧ weiter.")
    source = processor.encode("Lesen Sie hier weiter.", out_type=str)
    target = processor.encode("Read „here“ on: 5 µSv in mm².", out_type=str)
    here = target.index("he") if "he" in target else 4
    hier = next(i for i, start in enumerate(token_offsets(source)) if start >= 10)
    closing_source = next(i for i, start in enumerate(token_offsets(source)) if start > 10) - 1
    attention = _diagonal(len(target), len(source), {here: hier, here + 1: closing_source})
    placed = place_by_attention(source, target, attention, anchors)
    text = de_en.detokenise(placed)
    _clean(text)
    assert "„" in text and "“" in text and "µSv" in text and "mm²" in text
    assert "⟦1⟧" in text and "⟦2⟧" in text
    # the old join wrote the byte pieces verbatim
    assert "<0xE2>" in "".join(target)


def test_a_placeholder_never_splits_a_character(
    de_en: _LoadedModel, processor: sentencepiece.SentencePieceProcessor
) -> None:
    target = processor.encode("a naïve view", out_type=str)
    assert any(piece.startswith("<0x") for piece in target)
    byte = next(i for i, piece in enumerate(target) if piece.startswith("<0x"))
    source = ["▁eine", "▁naive", "▁Sicht"]
    _, anchors = strip_placeholders("eine ⟦1⟧naive⟦2⟧ Sicht")
    attention = _diagonal(len(target), len(source), {byte: 1})
    text = de_en.detokenise(place_by_attention(source, target, attention, anchors))
    assert text == "a ⟦1⟧naïve⟦2⟧ view"


def test_spaces_around_placeholders_follow_the_source(
    de_en: _LoadedModel, processor: sentencepiece.SentencePieceProcessor
) -> None:
    source = processor.encode("Die präsentiert in Berlin.", out_type=str)
    target = processor.encode("The presents in Berlin.", out_type=str)
    berlin = next(i for i, p in enumerate(target) if p.startswith("▁B"))
    berlin_source = next(i for i, p in enumerate(source) if p.startswith("▁B"))
    _, anchors = strip_placeholders("Die ⟦1⟧ präsentiert in Berlin ⟦2⟧.")
    attention = _diagonal(len(target), len(source), {1: 1, berlin: berlin_source})
    text = de_en.detokenise(place_by_attention(source, target, attention, anchors))
    assert " ⟦2⟧." in text and "  " not in text
    assert text.startswith("The")


def test_join_pieces_with_the_package_decoder_and_without(
    de_en: _LoadedModel, processor: sentencepiece.SentencePieceProcessor
) -> None:
    source = ["▁Lesen", "▁Sie", "▁hier", "."]
    target = processor.encode("Read „here“.", out_type=str)
    last_word = max(i for i, piece in enumerate(target) if piece.isalpha())
    attention = _diagonal(len(target), len(source), {last_word: 2})
    anchors = [Anchor("⟦1⟧", 10, True), Anchor("⟦2⟧", 14, False)]
    pieces = insert_by_attention(source, target, attention, anchors)
    for decode in (de_en.decode, None):
        text = join_pieces(pieces, decode) if decode else join_pieces(pieces)
        _clean(text)
        assert text.startswith("Read") and "⟦1⟧" in text and "⟦2⟧" in text


def test_engine_alignment_path_uses_the_package_tokenizer(
    tiny_packages: Path, processor: sentencepiece.SentencePieceProcessor, monkeypatch: Any
) -> None:
    engine = Engine(tiny_packages)
    model = engine._model(("de", "en"))
    target = processor.encode("„Results“ in mm².", out_type=str)
    calls: list[bool] = []

    def fake_run(
        model: _LoadedModel,
        batch: list[list[str]],
        no_repeat: int,
        attention: bool = False,
        prefixes: Any = None,
        cap: Any = None,
    ) -> list[Any]:
        calls.append(attention)
        if not attention:  # the first pass loses the placeholders
            return [(list(target), None) for _ in batch]
        return [(list(target), _diagonal(len(target), len(tokens), {})) for tokens in batch]

    monkeypatch.setattr(engine, "_run_batch", fake_run)
    [result] = engine.translate(["⟦1⟧Ergebnisse⟦2⟧ in mm²."], "de", "en")
    assert calls[0] is False and calls[-1] is True  # the first pass, then with attention
    _clean(result.text)
    assert "„" in result.text and "mm²" in result.text
    assert sorted(p for p in ("⟦1⟧", "⟦2⟧") if p in result.text) == ["⟦1⟧", "⟦2⟧"]
    assert any(ALIGNED in warning for warning in result.warnings)
    assert model.scheme is Scheme.SENTENCEPIECE


# --- BPE (OPUS-MT style) ---------------------------------------------------------------


def test_the_bpe_model_leaves_continuation_markers(bpe: BPETokenizer) -> None:
    pieces = bpe.encode("The Department of Radiology.")
    assert any(piece.endswith("@@") for piece in pieces)
    assert bpe.decode(pieces) == "The Department of Radiology."


def test_bpe_aligned_pieces_lose_their_markers(bpe: BPETokenizer) -> None:
    masked = "Die ⟦1⟧Abteilung für Radiologie⟦2⟧."
    stripped, anchors = strip_placeholders(masked)
    source = bpe.encode(stripped)
    target = bpe.encode("The Department of Radiology.")
    assert "".join(target).count("@@") >= 2
    department = next(i for i, piece in enumerate(target) if piece.startswith("Dep"))
    radiology_end = target.index("ology")
    source_opening = next(i for i, p in enumerate(source) if p.startswith("A"))
    source_closing = max(i for i, p in enumerate(source) if p[:1].isalpha() and "@@" not in p)
    attention = _diagonal(
        len(target), len(source), {department: source_opening, radiology_end: source_closing}
    )
    placed = place_by_attention(source, target, attention, anchors, Scheme.BPE, stripped)
    text = detokenise(placed, bpe.decode)
    assert text == "The ⟦1⟧Department of Radiology⟦2⟧."


def test_bpe_offsets_find_moses_tokens_in_the_source(bpe: BPETokenizer) -> None:
    text = "Die Abteilung, Radiologie."
    pieces = bpe.encode(text)
    offsets = token_offsets(pieces, text, Scheme.BPE)
    comma = pieces.index(",")
    assert offsets[comma] == text.index(",")
    assert offsets[pieces.index(".")] == len(text) - 1


def test_bpe_first_pass_keeps_placeholders_whole_and_glued(
    bpe_packages: Path, bpe: BPETokenizer, monkeypatch: Any
) -> None:
    engine = Engine(bpe_packages, placeholders=PlaceholderMode.ALWAYS)
    model = engine._model(("de", "en"))
    assert model.scheme is Scheme.BPE
    masked = "Lesen Sie ⟦1⟧hier⟦12⟧ in der Radiologie."
    output = bpe.encode("Read ⟦1⟧here⟦12⟧ in Radiology.")
    assert output.count("⟦") == 2 and "1@@" in output  # Moses spaces them out, BPE cuts 12

    def fake_run(
        model: _LoadedModel,
        batch: list[list[str]],
        no_repeat: int,
        attention: bool = False,
        prefixes: Any = None,
        cap: Any = None,
    ) -> list[Any]:
        assert not attention
        return [(list(output), None) for _ in batch]

    monkeypatch.setattr(engine, "_run_batch", fake_run)
    [result] = engine.translate([masked], "de", "en")
    assert result.text == "Read ⟦1⟧here⟦12⟧ in Radiology."
    assert result.warnings == ()


def test_bpe_alignment_path_in_the_engine(bpe_packages: Path, monkeypatch: Any) -> None:
    engine = Engine(bpe_packages, placeholders=PlaceholderMode.ALWAYS)
    target = ["The", "Depar@@", "t@@", "ment", "of", "Radi@@", "ology", "."]

    def fake_run(
        model: _LoadedModel,
        batch: list[list[str]],
        no_repeat: int,
        attention: bool = False,
        prefixes: Any = None,
        cap: Any = None,
    ) -> list[Any]:
        if not attention:
            return [(list(target), None) for _ in batch]
        return [(list(target), _diagonal(len(target), len(t), {})) for t in batch]

    monkeypatch.setattr(engine, "_run_batch", fake_run)
    [result] = engine.translate(["⟦1⟧Die Abteilung für Radiologie."], "de", "en")
    _clean(result.text)
    assert result.text == "⟦1⟧The Department of Radiology."


# --- the leak guard ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragments", "stripped"),
    [
        ("The study ⁇ shows it.", ["⁇"], "The study shows it."),
        ("The study <unk> shows it.", ["<unk>"], "The study shows it."),
        ("He says <0xE2><0x80><0x9E>yes.", ["<0x80>", "<0x9E>", "<0xE2>"], "He says yes."),
        ("The Depart@@ ment of Radi@@ology.", ["@@", "@@"], "The Department of Radiology."),
        ("Read ⟦1⟧here⟧ ⟦ now.", ["⟦", "⟧"], "Read ⟦1⟧here now."),
        ("Broken \ufffd bytes.", ["\ufffd"], "Broken bytes."),
        ("A ▁word.", ["▁"], "A word."),
    ],
)
def test_leaked_fragments_found_and_stripped(
    text: str, fragments: list[str], stripped: str
) -> None:
    assert sorted(leaked_fragments(text)) == sorted(fragments)
    assert strip_leaks(text) == stripped
    assert leaked_fragments(stripped) == []


def test_strip_only_some_fragments() -> None:
    assert strip_leaks("⟧ patients ⟦1⟧with the ⁇ ⟦", only=("⟦", "⟧")) == "patients ⟦1⟧with the ⁇"


def test_a_fragment_the_source_has_is_no_leak() -> None:
    assert new_leaks("Write to a@@b.", "Schreiben Sie an a@@b.") == []
    assert new_leaks("⟦1⟧ here ⁇", "⟦1⟧ hier") == ["⁇"]


def _scripted(outputs: Sequence[list[str]]) -> Any:
    """A _run_batch that answers each call with the next output (with attention if asked)."""
    queue = list(outputs)

    def run(
        model: _LoadedModel,
        batch: list[list[str]],
        no_repeat: int,
        attention: bool = False,
        prefixes: Any = None,
        cap: Any = None,
    ) -> list[Any]:
        output = queue.pop(0)
        if attention:
            return [(list(output), _diagonal(len(output), len(t), {})) for t in batch]
        return [(list(output), None) for _ in batch]

    return run


def test_an_unknown_token_sends_the_segment_to_the_next_strategy(
    tiny_packages: Path, monkeypatch: Any
) -> None:
    engine = Engine(tiny_packages)
    broken = ["▁⟦1⟧", "▁The", "▁study", "<unk>", "▁shows", "."]
    clean = ["▁The", "▁study", "▁shows", "."]
    # the first pass, then one decode with attention (the first pass is not repeated)
    monkeypatch.setattr(engine, "_run_batch", _scripted([broken, clean]))
    [result] = engine.translate(["⟦1⟧ Die Studie zeigt."], "de", "en")
    assert "⁇" not in result.text and "⟦1⟧" in result.text
    assert any(ALIGNED in warning for warning in result.warnings)
    assert not any(LEAKS_REMOVED in warning for warning in result.warnings)


def test_when_nothing_works_the_fragments_are_stripped_with_a_warning(
    tiny_packages: Path, monkeypatch: Any
) -> None:
    engine = Engine(tiny_packages)
    leaky = ["▁The", "▁study", "<unk>", "▁shows", "<0xE2>", "<0x80>", "."]
    monkeypatch.setattr(engine, "_run_batch", _scripted([leaky]))  # one decode: no placeholder
    [result] = engine.translate(["Die Studie zeigt."], "de", "en")
    assert result.text == "The study shows."
    (warning,) = result.warnings
    assert warning.startswith(LEAKS_REMOVED) and "⁇" in warning and "\ufffd" in warning


def test_stray_brackets_after_alignment_are_stripped(tiny_packages: Path, monkeypatch: Any) -> None:
    engine = Engine(tiny_packages)
    monkeypatch.setattr(
        engine,
        "_run_batch",
        _scripted([["▁The", "▁⟦", "▁study", "."], ["▁The", "▁study", "▁⟧", "."]]),
    )
    [result] = engine.translate(["Die ⟦1⟧ Studie."], "de", "en")
    assert result.text.count("⟦") == 1 and result.text.count("⟧") == 1
    assert "⟦1⟧" in result.text


def test_leak_guard_on_a_pivot(tiny_packages: Path, monkeypatch: Any) -> None:
    engine = Engine(tiny_packages)
    monkeypatch.setattr(
        engine,
        "_run_batch",
        _scripted([["▁The", "▁study", "<unk>", "."], ["▁L", "'", "étude", "▁⁇", "."]]),
    )
    [result] = engine.translate(["Die Studie."], "de", "fr")
    _clean(result.text)
    assert any(LEAKS_REMOVED in warning for warning in result.warnings)


# --- the QA markup check ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("La ⁇ radiología crece.", "⁇"),
        ("La <unk> radiología crece.", "<unk>"),
        ("La radiología <0xE2><0x80><0x9E>crece.", "<0xE2>"),
        ("La radi@@ ología crece.", "@@"),
        ("La radiología⟧ crece.", "⟧"),
        ("La ⟦ radiología crece.", "⟦"),
        ("La radiolog\ufffda crece.", "\ufffd"),
    ],
)
def test_the_markup_check_names_each_leaked_fragment(target: str, fragment: str) -> None:
    findings = check_pair("Die Radiologie wächst.", target, Context("es"), [CHECKS["markup"]])
    messages = [finding.message for finding in findings]
    assert any(f"leaked placeholder or model token {fragment}" in m for m in messages), messages


def test_the_markup_check_passes_whole_placeholders_and_the_sources_own() -> None:
    assert check_pair("⟦1⟧Studie⟦2⟧", "⟦1⟧study⟦2⟧", Context("en"), [CHECKS["markup"]]) == []
    assert check_pair("a@@b ⁇", "a@@b ⁇", Context("en"), [CHECKS["markup"]]) == []


def test_marks_for_unknown_placeholders_stand_apart() -> None:
    items: list[str | Mark] = ["▁Read", Mark("⟦3⟧", opens=False, spaced=True), "."]
    assert detokenise(items, lambda pieces: "".join(pieces).replace("▁", " ").strip()) == (
        "Read ⟦3⟧."
    )
