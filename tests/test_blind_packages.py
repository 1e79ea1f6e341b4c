"""The "blind" test packages: built like real Argos packages (see scripts/README.md).

Their SentencePiece model has argos-train's settings (unigram, ``nmt_nfkc``, character
coverage 0.9995, no byte fallback, no user-defined symbols) and their corpus has no
placeholder, so ``⟦`` and ``⟧`` are unknown to them, as to a real package. These tests pin
what the packages are; how the engine copes with them is issue 14.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2

from pipeline.mt.engine import DecodingOptions, Engine
from pipeline.mt.packages import PackageInfo, install_file, list_packages
from tests.conftest import DATA

NAMES = {("de", "en"): "translate-de_en-blind", ("en", "fr"): "translate-en_fr-blind"}
PAIRS = sorted(NAMES)
PIECE = sentencepiece_model_pb2.ModelProto.SentencePiece


@pytest.fixture(scope="module")
def blind_packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both blind packages, installed once into their own directory (read-only for tests).

    Not next to the ``-test`` packages: de_en-blind and de_en-test are the same pair, and
    installing one replaces the other.
    """
    directory = tmp_path_factory.mktemp("blind")
    for name in NAMES.values():
        install_file(DATA / "argos" / f"{name}.argosmodel", directory)
    return directory


@pytest.fixture(scope="module")
def engine(blind_packages: Path) -> Engine:
    return Engine(blind_packages, DecodingOptions())


def _package(directory: Path, pair: tuple[str, str]) -> PackageInfo:
    return next(p for p in list_packages(directory) if (p.from_code, p.to_code) == pair)


def _proto(package: PackageInfo) -> sentencepiece_model_pb2.ModelProto:
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString((package.path / "sentencepiece.model").read_bytes())
    return proto


@pytest.mark.parametrize("pair", PAIRS)
def test_the_committed_packages_are_small(pair: tuple[str, str]) -> None:
    assert (DATA / "argos" / f"{NAMES[pair]}.argosmodel").stat().st_size < 5_000_000


def test_they_install_and_load(blind_packages: Path, engine: Engine) -> None:
    assert engine.installed_pairs() == PAIRS
    for pair in PAIRS:
        package = _package(blind_packages, pair)
        assert package.path.name == f"translate-{pair[0]}_{pair[1]}"  # named by the pair
        assert (package.path / "sentencepiece.model").is_file()
    assert engine.describe("de", "fr") == "Argos de→en 0.1, en→fr 0.1 (int8, beam 4)"
    assert engine.route("de", "fr") == [("de", "en"), ("en", "fr")]


@pytest.mark.parametrize("pair", PAIRS)
def test_their_tokenizer_is_built_like_argos_train(
    blind_packages: Path, pair: tuple[str, str]
) -> None:
    proto = _proto(_package(blind_packages, pair))
    types = {PIECE.Type.Name(piece.type) for piece in proto.pieces}
    assert "USER_DEFINED" not in types and "BYTE" not in types
    assert types == {"NORMAL", "UNKNOWN", "CONTROL"}
    assert proto.normalizer_spec.name == "nmt_nfkc"
    assert proto.trainer_spec.model_type == sentencepiece_model_pb2.TrainerSpec.UNIGRAM
    assert proto.trainer_spec.byte_fallback is False
    assert not proto.trainer_spec.user_defined_symbols
    assert proto.trainer_spec.character_coverage == pytest.approx(0.9995)
    assert not any(piece.piece.startswith("<0x") for piece in proto.pieces)


@pytest.mark.parametrize("pair", PAIRS)
def test_placeholder_brackets_are_unknown(blind_packages: Path, pair: tuple[str, str]) -> None:
    sp = spm.SentencePieceProcessor(
        model_file=str(_package(blind_packages, pair).path / "sentencepiece.model")
    )
    for bracket in ("⟦", "⟧"):
        assert sp.piece_to_id(bracket) == sp.unk_id()
    ids = sp.encode("⟦1⟧")
    assert [sp.id_to_piece(i) for i in ids] == ["▁", "<unk>", "1", "<unk>"]
    assert [sp.is_unknown(i) for i in ids] == [False, True, False, True]
    assert sp.decode(ids) == " ⁇ 1 ⁇ "  # what a placeholder becomes, seen through the ids
    # the vocabulary the model was trained with has no entry for the brackets either
    vocabulary = {sp.id_to_piece(i) for i in range(sp.get_piece_size())}
    assert not {"⟦", "⟧", "▁⟦"} & vocabulary


# Template sentences of the training distribution (none of them is in the corpus's form with
# these exact values): numbers, dates and names come through unchanged. "Jonas" has a
# character without a piece in de_en-blind (J, coverage 0.9995): CTranslate2's
# replace_unknowns copies the source's <unk> back.
SENTENCES = {
    ("de", "en"): [
        (
            "Das Symposium findet am 07.12.2025 in Frankfurt statt.",
            "The symposium takes place on 07.12.2025 in Frankfurt.",
        ),
        ("Dr. Anna Schmidt leitet das Projekt.", "Dr. Anna Schmidt leads the project."),
        ("Prof. Dr. Jonas Weber leitet die Studie.", "Prof. Dr. Jonas Weber leads the study."),
        ("Die Wartezeit sank um 12,5 %.", "The waiting time decreased by 12,5 %."),
        ("An der Studie nahmen 2.431 Kliniken teil.", "2.431 hospitals took part in the study."),
    ],
    ("en", "fr"): [
        (
            "The symposium takes place on 07/12/2025 in Vienna.",
            "Le symposium a lieu le 07/12/2025 à Vienne.",
        ),
        ("Dr. Anna Schmidt leads the project.", "Dr. Anna Schmidt dirige le projet."),
        ("The waiting time decreased by 12.5 %.", "Le temps d'attente a diminué de 12.5 %."),
        ("2,431 hospitals took part in the study.", "2,431 hôpitaux ont participé à l'étude."),
    ],
}


@pytest.mark.parametrize("pair", PAIRS)
def test_they_translate_their_template_sentences(engine: Engine, pair: tuple[str, str]) -> None:
    sources = [source for source, _ in SENTENCES[pair]]
    results = engine.translate(sources, *pair)
    assert [result.text for result in results] == [expected for _, expected in SENTENCES[pair]]
    assert all(not result.warnings and result.route == "→".join(pair) for result in results)
