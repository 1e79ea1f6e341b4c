"""The package probe: real CTranslate2 decoding of the probe set on the test packages.

The tiny packages only know their template sentences, so most probe sentences come out as
nonsense: the tests assert on the structural findings (tokenizer facts, unknown pieces,
the form chosen for a package trained on placeholders, one that drops them and one that
never saw them), not on exact rates.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import sentencepiece as spm
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import ExitCode
from pipeline.mt import probe
from pipeline.mt.engine import DecodingOptions
from pipeline.mt.packages import PackageInfo, install_file, list_packages
from pipeline.mt.probe import (
    CharacterEffect,
    CharacterFinding,
    CopyKind,
    FormFinding,
    PlaceholderForm,
    ProbeReport,
    Rate,
    TermStrategy,
    TokenizerKind,
    decide,
    probe_cached,
    probe_package,
    tokenizer_facts,
)
from tests.conftest import DATA

runner = CliRunner()
FAST = DecodingOptions(beam_size=2)
BLIND = [
    name
    for name in ("translate-de_en-blind", "translate-en_fr-blind")
    if (DATA / "argos" / f"{name}.argosmodel").is_file()
]


@pytest.fixture(scope="module")
def trained_reports(tiny_packages: Path) -> dict[str, ProbeReport]:
    return {p.pair: probe_package(p, FAST) for p in list_packages(tiny_packages)}


@pytest.fixture(scope="module")
def blind_tokenizer_package(tmp_path_factory: pytest.TempPathFactory) -> PackageInfo:
    """The de→en test model behind a SentencePiece model trained the argos-train way
    (nmt_nfkc, coverage 0.9995, no byte fallback, no user symbols, no placeholders)."""
    folder = tmp_path_factory.mktemp("blind-tokenizer")
    package = install_file(DATA / "argos" / "translate-de_en-test.argosmodel", folder)
    corpus = folder / "corpus.txt"
    sentences = [
        *(sentence for _, sentence, _ in probe.GERMAN.copies),
        *(frame.replace("{}", "die Mammographie") for frame in probe.GERMAN.term_frames),
        "Die Klinik für Radiologie präsentiert ein neues Verfahren in Berlin.",
        "The Department of Radiology presents a new method in Berlin.",
    ]
    corpus.write_text("\n".join(sentences * 20) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(folder / "blind"),
        vocab_size=300,
        model_type="unigram",
        character_coverage=0.9995,
        normalization_rule_name="nmt_nfkc",
        byte_fallback=False,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=1,
    )
    shutil.copy(folder / "blind.model", package.path / "sentencepiece.model")
    # The model's vocabulary follows the tokenizer (as in a real package), same size.
    vocabulary_file = package.path / "model" / "shared_vocabulary.json"
    size = len(json.loads(vocabulary_file.read_text(encoding="utf-8")))
    processor = spm.SentencePieceProcessor(model_file=str(folder / "blind.model"))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    pieces += [f"<unused{i}>" for i in range(size - len(pieces))]
    vocabulary_file.write_text(json.dumps(pieces[:size]), encoding="utf-8")
    return package


# --- the packages trained with placeholders --------------------------------------------


@pytest.mark.parametrize("pair", ["de→en", "en→fr"])
def test_trained_packages_report_their_tokenizer(
    trained_reports: dict[str, ProbeReport], pair: str
) -> None:
    facts = trained_reports[pair].tokenizer
    assert facts.kind is TokenizerKind.SENTENCEPIECE_UNIGRAM
    assert 500 < facts.vocabulary_size < 1000
    assert facts.byte_fallback is True
    assert facts.user_symbols == ("⟦", "⟧")
    assert facts.normalization == "identity"
    # identity normalisation with byte fallback: every character comes back as written
    report = trained_reports[pair]
    assert report.changed_characters() == []
    assert {c.effect for c in report.characters} <= {CharacterEffect.KEPT, CharacterEffect.BYTES}


@pytest.mark.parametrize("pair", ["de→en", "en→fr"])
def test_trained_packages_choose_the_project_form(
    trained_reports: dict[str, ProbeReport], pair: str
) -> None:
    report = trained_reports[pair]
    own = report.form("⟦n⟧")
    assert own.unknown_pieces == 0 and own.byte_pieces == 0 and own.round_trip
    assert own.copy.passes
    assert report.verdict.placeholder == "⟦n⟧"
    assert report.verdict.term_strategy is TermStrategy.PLACEHOLDER
    assert any(reason.startswith("⟦n⟧: copied") for reason in report.verdict.reasons)
    # Argos's decoding turns "_" into a space: that form can never come back
    assert not report.form("__n__").round_trip
    # one sentence per form and probe case, all in one batch
    probes = probe.probe_set(report.pair[0])
    expected = len(probe.FORMS) * len(probes.placeholders) + len(probes.copies)
    assert report.decoded == expected + len(probes.term_frames)
    assert {kind for kind in report.copies} == set(CopyKind)


def test_the_english_probe_set_is_used_for_english_sources(
    trained_reports: dict[str, ProbeReport],
) -> None:
    english = probe.probe_set("en")
    assert trained_reports["en→fr"].copies[CopyKind.URL].total == sum(
        len(expected) for kind, _, expected in english.copies if kind is CopyKind.URL
    )
    german = trained_reports["de→en"].form("⟦n⟧").copy.total
    assert german == sum(len(numbers) for _, numbers in probe.GERMAN.placeholders)


# --- a package that drops placeholders, one that never saw them -------------------------


def test_the_dropper_is_not_trusted_with_placeholders(dropper_packages: Path) -> None:
    (package,) = list_packages(dropper_packages)
    report = probe_package(package, FAST)
    own = report.form("⟦n⟧")
    assert own.unknown_pieces == 0  # the vocabulary has the brackets …
    assert not own.copy.passes  # … but the model loses them
    assert own.copy.misses and all(m.expected.startswith("⟦") for m in own.copy.misses)
    assert report.verdict.placeholder != "⟦n⟧"
    assert f"⟦n⟧: copied {own.copy.describe()}" in report.verdict.explanation


def test_a_blind_tokenizer_makes_the_brackets_unknown(
    blind_tokenizer_package: PackageInfo,
) -> None:
    report = probe_package(blind_tokenizer_package, FAST)
    facts = report.tokenizer
    assert facts.normalization == "nmt_nfkc"
    assert facts.byte_fallback is False and facts.user_symbols == ()
    assert facts.character_coverage == pytest.approx(0.9995)
    own = report.form("⟦n⟧")
    assert own.unknown_pieces == 2
    assert "⟦n⟧: 2 unknown pieces in the vocabulary" in report.verdict.explanation
    assert report.verdict.placeholder != "⟦n⟧"
    effects = {finding.character: finding for finding in report.characters}
    assert effects["²"].effect is CharacterEffect.CHANGED and effects["²"].decoded == "2"
    # NFKC makes ½ "1⁄2", whose fraction slash this small vocabulary does not have
    assert effects["½"].effect in (CharacterEffect.CHANGED, CharacterEffect.UNKNOWN)
    assert effects["½"].decoded != "½"
    assert effects["ﬁ"].decoded == "fi"
    assert effects["\u00a0"].effect is CharacterEffect.CHANGED  # NFKC: a plain space
    assert {"²", "½", "…"} <= set(report.verdict.protect)
    assert any(effect.effect is CharacterEffect.UNKNOWN for effect in report.characters)


@pytest.mark.skipif(not BLIND, reason="the blind test packages are not built yet")
@pytest.mark.parametrize("name", BLIND)
def test_blind_packages_are_probed_as_blind(name: str, tmp_path: Path) -> None:
    package = install_file(DATA / "argos" / f"{name}.argosmodel", tmp_path)
    report = probe_package(package, FAST)
    assert report.tokenizer.normalization == "nmt_nfkc"
    assert report.tokenizer.byte_fallback is False and report.tokenizer.user_symbols == ()
    assert report.form("⟦n⟧").unknown_pieces == 2
    assert report.verdict.placeholder != "⟦n⟧"
    assert "⟦n⟧: 2 unknown pieces in the vocabulary" in report.verdict.explanation


def test_a_bpe_package_is_described_from_its_codes(tmp_path: Path) -> None:
    package_dir = tmp_path / "translate-de_en"
    package_dir.mkdir()
    (package_dir / "bpe.model").write_text("#version: 0.2\ne r\nd e\nde r</w>\n", "utf-8")
    package = PackageInfo("de", "en", "1.9", package_dir, 0)
    facts = tokenizer_facts(package, 58_101)
    assert facts.kind is TokenizerKind.BPE_MOSES
    assert (facts.bpe_merges, facts.vocabulary_size, facts.normalization) == (3, 58_101, "moses")
    assert facts.byte_fallback is False and facts.user_symbols == ()


# --- the decision -----------------------------------------------------------------------


def _form(name: str, copied: int, total: int = 20, unknown: int = 0) -> FormFinding:
    return FormFinding(name, ("▁",), unknown, 0, True, Rate(copied, total))


def _copies(terms: Rate) -> dict[CopyKind, Rate]:
    rates = {kind: Rate(10, 10) for kind in CopyKind}
    rates[CopyKind.URL] = Rate(3, 10)
    rates[CopyKind.TERM] = terms
    return rates


def test_the_best_copied_form_wins_and_unknown_pieces_rule_a_form_out() -> None:
    forms = [_form("⟦n⟧", 20, unknown=2), _form("[n]", 19), _form("{n}", 20)]
    verdict = decide(forms, _copies(Rate(0, 5)), [], "en")
    assert verdict.placeholder == "{n}"
    assert verdict.term_strategy is TermStrategy.PLACEHOLDER
    assert "⟦n⟧: 2 unknown pieces in the vocabulary; copied 100 % (20/20)" in verdict.reasons
    assert "[n]: copied 95 % (19/20)" in verdict.reasons
    assert CopyKind.URL not in verdict.plain_text and CopyKind.NUMBER in verdict.plain_text
    tie = decide([_form("⟦n⟧", 19), _form("[n]", 19)], _copies(Rate(0, 5)), [], "en")
    assert tie.placeholder == "⟦n⟧"  # the project's own form first


def test_without_a_form_terms_are_code_switched_or_placed_by_attention() -> None:
    weak = [_form("⟦n⟧", 17), _form("[n]", 3)]  # 85 %: below the threshold
    switched = decide(weak, _copies(Rate(9, 10)), [], "en")
    assert switched.placeholder is None
    assert switched.term_strategy is TermStrategy.CODE_SWITCH
    assert "90 % (9/10)" in switched.explanation
    attention = decide(weak, _copies(Rate(8, 10)), [], "en")
    assert attention.term_strategy is TermStrategy.ATTENTION
    assert "survived only 80 % (8/10)" in attention.explanation
    unmeasured = decide(weak, _copies(Rate(0, 0)), [], "sw")
    assert unmeasured.term_strategy is TermStrategy.ATTENTION
    assert "no probe terms for 'sw'" in unmeasured.explanation


def test_changed_characters_are_listed_for_protection() -> None:
    characters = [
        CharacterFinding("²", CharacterEffect.CHANGED, "2"),
        CharacterFinding("€", CharacterEffect.UNKNOWN, " ⁇ "),
        CharacterFinding("„", CharacterEffect.BYTES, "„"),
        CharacterFinding("\u00a0", CharacterEffect.CHANGED, " "),
    ]
    verdict = decide([_form("⟦n⟧", 20)], _copies(Rate(0, 5)), characters, "en")
    assert verdict.protect == ("²", "€", "\u00a0")
    assert "² € U+00A0 NO-BREAK SPACE" in verdict.explanation


def test_copy_checks() -> None:
    assert probe._copied(CopyKind.NUMBER, "1.250", "The study includes 1,250 patients.")
    assert probe._copied(CopyKind.NUMBER, "24.09.2025", "on 09/24/2025")
    assert not probe._copied(CopyKind.NUMBER, "92,3", "by 92 %")
    assert probe._copied(CopyKind.NAME, "Anna Schmidt", "Prof. Anna Schmidt leads it.")
    assert not probe._copied(CopyKind.NAME, "Anna Schmidt", "Anna Schmidtke leads it.")
    assert probe._copied(CopyKind.URL, "www.drg.de", "See www.drg.de.")
    hash_form = PlaceholderForm("#", "")
    assert hash_form.count(1, "#12 and #1.") == 1
    assert PlaceholderForm("⟦", "⟧").count(1, "⟦1⟧ ⟦1⟧") == 2


# --- the cache ---------------------------------------------------------------------------


def test_the_report_survives_json(trained_reports: dict[str, ProbeReport]) -> None:
    for report in trained_reports.values():
        record = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
        back = ProbeReport.from_dict(record, cached=True)
        assert back == report and back.cached


def test_a_cached_report_decodes_nothing(
    tiny_packages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = next(p for p in list_packages(tiny_packages) if p.from_code == "de")
    first = probe_cached(package, FAST, tmp_path)
    assert not first.cached
    (stored,) = tmp_path.iterdir()
    assert stored.name.startswith(first.fingerprint)

    def no_model(*args: object) -> None:
        raise AssertionError("a cached probe must not load the model")

    monkeypatch.setattr(probe, "_LoadedModel", no_model)
    second = probe_cached(package, FAST, tmp_path)
    assert second.cached and second == first
    assert probe.cached_report(package, FAST, tmp_path) == first
    with pytest.raises(AssertionError, match="must not load"):
        probe_cached(package, DecodingOptions(beam_size=1), tmp_path)  # other options
    with pytest.raises(AssertionError, match="must not load"):
        probe_cached(package, FAST, tmp_path, refresh=True)
    stored.write_text("{not json", encoding="utf-8")
    assert probe.cached_report(package, FAST, tmp_path) is None


def test_threads_share_a_cached_report(tiny_packages: Path, tmp_path: Path) -> None:
    package = next(p for p in list_packages(tiny_packages) if p.from_code == "en")
    probe_cached(package, FAST, tmp_path)
    assert probe_cached(package, replace(FAST, inter_threads=1, intra_threads=2), tmp_path).cached
    # the batch size decides which sentences share a batch, so it is probed again
    assert not probe_cached(package, replace(FAST, max_batch_tokens=256), tmp_path).cached


# --- the command ---------------------------------------------------------------------------


def test_models_check_prints_findings_and_verdicts(tiny_packages: Path, tmp_path: Path) -> None:
    arguments = ["models", "check", "--dir", str(tiny_packages), "--project", str(tmp_path)]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    for text in ("de→en", "en→fr", "sentencepiece-unigram", "verdict: placeholder", "why"):
        assert text in result.output
    assert "placeholder form ⟦n⟧" in result.output
    assert len(list((tmp_path / ".pipeline" / "probes").glob("*.json"))) == 2
    again = runner.invoke(app, arguments)
    assert "cached" in again.output


def test_models_check_json(tiny_packages: Path, tmp_path: Path) -> None:
    arguments = ["models", "check", "de", "en", "--dir", str(tiny_packages)]
    result = runner.invoke(app, [*arguments, "--project", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["models_dir"] == str(tiny_packages)
    (package,) = document["packages"]
    assert package["pair"] == ["de", "en"]
    assert package["verdict"]["placeholder"] == "⟦n⟧"
    assert package["verdict"]["term_strategy"] == "placeholder"
    assert package["tokenizer"]["user_symbols"] == ["⟦", "⟧"]
    assert {form["form"] for form in package["forms"]} == {f.name for f in probe.FORMS}
    assert package["cached"] is False
    again = runner.invoke(app, [*arguments, "--project", str(tmp_path), "--json"])
    assert json.loads(again.output)["packages"][0]["cached"] is True


def test_models_check_of_a_pair_not_installed_exits_4(tiny_packages: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["models", "check", "de", "fr", "--dir", str(tiny_packages), "--project", str(tmp_path)],
    )
    assert result.exit_code == ExitCode.MODEL
    assert "no package installed for de→fr" in result.output
    assert not (tmp_path / ".pipeline" / "probes").exists()


def test_models_check_with_nothing_installed(tmp_path: Path) -> None:
    empty = tmp_path / "none"
    result = runner.invoke(
        app, ["models", "check", "--dir", str(empty), "--project", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["packages"] == []


def test_models_check_has_help_and_probes_again_when_asked(
    tiny_packages: Path, tmp_path: Path
) -> None:
    help_text = runner.invoke(app, ["models", "check", "--help"])
    assert help_text.exit_code == 0 and "Usage" in help_text.output
    arguments = ["models", "check", "en", "fr", "--dir", str(tiny_packages), "--json"]
    runner.invoke(app, [*arguments, "--project", str(tmp_path)])
    again = runner.invoke(app, [*arguments, "--project", str(tmp_path), "--fresh"])
    assert json.loads(again.output)["packages"][0]["cached"] is False


def test_an_already_loaded_model_is_reused(
    tiny_packages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = next(p for p in list_packages(tiny_packages) if p.from_code == "en")
    loaded = probe._LoadedModel(package, FAST)

    def no_second_load(*args: object) -> None:
        raise AssertionError("the model was loaded again")

    monkeypatch.setattr(probe, "_LoadedModel", no_second_load)
    report = probe_cached(package, FAST, tmp_path, model=loaded)
    assert report.verdict.placeholder == "⟦n⟧" and not report.cached


def test_install_probes_the_package_and_list_shows_the_verdict(tmp_path: Path) -> None:
    project, packages = tmp_path / "project", tmp_path / "packages"
    project.mkdir()
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "list", "--dir", str(packages), "--project",
                                 str(project), "--json"])  # fmt: skip
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    archive = DATA / "argos" / "translate-de_en-dropper.argosmodel"
    installed = runner.invoke(app, ["models", "install", "--file", str(archive), "--dir",
                                    str(packages), "--project", str(project)])  # fmt: skip
    assert installed.exit_code == 0, installed.output
    assert "probe: " in installed.stdout and "pipeline models check de en" in installed.stdout
    assert list((project / ".pipeline" / "probes").glob("*.json"))
    listed = runner.invoke(app, ["models", "list", "--dir", str(packages), "--project",
                                 str(project), "--json"])  # fmt: skip
    [record] = json.loads(listed.stdout)
    assert record["probe"] and "none" in record["probe"]  # the dropper gets no placeholder
