"""Every command against a project that sets everything differently from the defaults.

The project keeps its PO files in l10n/, builds into site/, cuts paragraphs, has its own
abbreviation rules, its own glossary and its own package folder. Each command is run with
``--project <root>`` and from a subfolder of the project (no --project), and must use
those settings; a bad pipeline.toml stops every command with exit 3, naming the key.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner, Result

from pipeline.cli import app
from pipeline.config import Config, load_config
from pipeline.glossary.maintain import builtin_termbase
from tests.conftest import DATA

RELEASE = """## Symposium

Das Symposium findet am 07.12.2025 in Frankfurt statt. Julian Caspers leitet die Studie.

Der Fachb. Radiologie lädt ein.
"""
TWO_SENTENCES = (
    "Das Symposium findet am 07.12.2025 in Frankfurt statt. Julian Caspers leitet die Studie."
)
ABBREVIATED = "Der Fachb. Radiologie lädt ein."
CONFIG = """[project]
target_languages = ["en"]
locales = "l10n"
output = "site"

[glossary]
files = ["terms/project.csv"]
builtin = false

[segmentation]
level = "paragraph"
abbreviations = ["rules/abbreviations.toml"]

[mt]
models_dir = "models"
"""
CONCEPTS = {"frankfurt", "zuerich", "caspers", "studie", "symposium"}
WHERE = ("option", "subfolder")


@pytest.fixture
def root(tmp_path: Path, tiny_packages: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PIPELINE_MODELS_DIR", raising=False)
    root = tmp_path / "project"
    (root / "releases" / "2025").mkdir(parents=True)
    (root / "releases" / "2025" / "symposium.md").write_text(RELEASE, encoding="utf-8")
    (root / "terms").mkdir()
    shutil.copy(DATA / "glossary" / "tiny-models.csv", root / "terms" / "project.csv")
    (root / "rules").mkdir()
    (root / "rules" / "abbreviations.toml").write_text(
        '[abbreviations]\ninside = ["Fachb."]\n', encoding="utf-8"
    )
    shutil.copytree(tiny_packages, root / "models")
    (root / "pipeline.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # not inside any project
    return root


class Cli:
    """Runs commands the one way or the other: --project, or from inside the project."""

    def __init__(self, root: Path, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.where = where
        if where == "subfolder":
            monkeypatch.chdir(root / "releases")

    @property
    def release(self) -> str:
        """The release as a user in this folder names it."""
        if self.where == "subfolder":
            return "2025/symposium.md"
        return str(self.root / "releases" / "2025" / "symposium.md")

    def __call__(self, *arguments: str, code: int | None = 0) -> Result:
        project = ["--project", str(self.root)] if self.where == "option" else []
        result = CliRunner().invoke(app, [*arguments, *project])
        if code is not None:
            assert result.exit_code == code, (arguments, result.output)
        return result

    def json(self, *arguments: str, code: int | None = 0) -> object:
        return json.loads(self(*arguments, "--json", code=code).stdout)

    def json_lines(self, *arguments: str) -> list[dict[str, object]]:
        return [json.loads(line) for line in self(*arguments, "--json").stdout.splitlines()]


@pytest.fixture(params=WHERE)
def cli(request: pytest.FixtureRequest, root: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(root, request.param, monkeypatch)


def _po(root: Path) -> Path:
    return root / "l10n" / "en" / "symposium.po"


def test_run_writes_paragraph_segments_under_the_projects_locales(cli: Cli) -> None:
    report = cli.json("run")
    assert not (cli.root / "locales").exists()
    assert [item["file"] for item in report["po_files"]] == [str(_po(cli.root))]
    assert report["missing_models"] == {}
    entries = {e.msgid: e for e in polib.pofile(str(_po(cli.root)))}
    assert TWO_SENTENCES in entries  # paragraph level: the block is one segment
    assert ABBREVIATED in entries
    assert entries[TWO_SENTENCES].msgstr  # the project's models translated it
    assert (cli.root / "l10n" / "templates" / "symposium.pot").is_file()


def test_status_build_check_report_quality_read_the_projects_folders(cli: Cli) -> None:
    cli("run")
    [progress] = cli.json("status")
    assert (progress["release"], progress["language"]) == ("symposium", "en")
    assert progress["file"] == str(_po(cli.root))
    built = cli.json("build", "--draft")
    assert [Path(item["output"]).parent for item in built] == [cli.root / "site" / "en"]
    assert (cli.root / "site" / "en" / "symposium.draft.md").is_file()
    checked = cli.json("check", code=None)
    assert set(checked) == {"findings", "summary"}
    assert all(f["file"] == str(_po(cli.root)) for f in checked["findings"])
    cli("report")
    assert (cli.root / "site" / "report.html").is_file()
    quality = cli.json("quality")
    assert isinstance(quality, dict)


def test_quality_measures_the_reviews_in_the_projects_locales(cli: Cli) -> None:
    cli("run")
    catalog = polib.pofile(str(_po(cli.root)))
    entry = catalog.find(TWO_SENTENCES)
    entry.msgstr = "The symposium takes place in Frankfurt on 7 December 2025. Julian leads."
    entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
    catalog.save()
    [progress] = cli.json("status")
    assert progress["reviewed"] == 1
    result = cli("quality")
    assert "No reviewed machine translations yet" not in result.output


def test_cache_commands_use_the_projects_cache(cli: Cli) -> None:
    cli("run")
    stats = cli.json("cache", "stats")
    assert stats["path"] == str(cli.root / ".pipeline" / "mt-cache.sqlite3")
    assert stats["entries"] > 0
    assert "removed" in cli("cache", "clear").output
    assert cli.json("cache", "stats")["entries"] == 0


def test_segment_uses_the_projects_level_and_abbreviations(cli: Cli) -> None:
    texts = [record["text"] for record in cli.json_lines("segment", cli.release)]
    assert TWO_SENTENCES in texts and ABBREVIATED in texts
    sentences = [r["text"] for r in cli.json_lines("segment", cli.release, "--level", "sentence")]
    assert "Julian Caspers leitet die Studie." in sentences  # the override is applied
    assert ABBREVIATED in sentences  # the project's rule: no break after "Fachb."


def test_translate_uses_the_projects_models_glossary_and_level(cli: Cli) -> None:
    records = cli.json_lines("translate", cli.release)
    assert {r["language"] for r in records} == {"en"}  # target_languages
    assert {r["source"] for r in records} >= {TWO_SENTENCES, ABBREVIATED}
    terms = {term["concept"] for r in records for term in r["terms"]}  # type: ignore[attr-defined]
    assert "frankfurt" in terms  # from the project's glossary
    assert all(r["text"] for r in records)


def test_glossary_commands_use_the_projects_glossary(cli: Cli) -> None:
    found = cli.json_lines("glossary", "find", cli.release)
    assert {row["concept"] for row in found} >= {"frankfurt", "caspers", "studie", "symposium"}
    assert {row["segment"] for row in found if row["concept"] == "studie"} == {
        row["segment"] for row in found if row["concept"] == "frankfurt"
    }  # one paragraph segment holds both
    listed = cli.json("glossary", "list")
    assert {concept["id"] for concept in listed} == CONCEPTS  # type: ignore[union-attr]
    shown = cli.json("glossary", "show", "frankfurt")
    assert shown["file"] == str(cli.root / "terms" / "project.csv")  # type: ignore[index]
    assert isinstance(cli.json("glossary", "lint", code=None), list)
    stats = cli.json("glossary", "stats")
    assert stats["concepts"] == len(CONCEPTS)  # type: ignore[index]
    target = cli.root / "export.csv"
    cli("glossary", "export", str(target))
    assert all(concept in target.read_text(encoding="utf-8") for concept in CONCEPTS)


def test_models_list_shows_the_projects_models(cli: Cli) -> None:
    installed = cli.json("models", "list")
    pairs = {(p["from"], p["to"]) for p in installed}  # type: ignore[index]
    assert pairs == {("de", "en"), ("en", "fr")}
    assert all(Path(p["path"]).parent == cli.root / "models" for p in installed)  # type: ignore[index]


# ---------------------------------------------------------------------------
# A bad pipeline.toml stops every command, naming the key

EVERY_COMMAND = (
    ("run",),
    ("build",),
    ("status",),
    ("check",),
    ("report",),
    ("quality",),
    ("cache", "stats"),
    ("cache", "clear"),
    ("translate", "RELEASE"),
    ("segment", "RELEASE"),
    ("glossary", "find", "RELEASE"),
    ("glossary", "list"),
    ("glossary", "show", "frankfurt"),
    ("glossary", "lint"),
    ("glossary", "stats"),
    ("glossary", "export", "exported.csv"),
    ("glossary", "extract", "RELEASE"),
    ("glossary", "remove", "frankfurt"),
    ("models", "list"),
    ("models", "remove", "de", "en"),
)
BAD_CONFIGS = {
    "unknown key": ('[project]\nlocale = "l10n"\n', "project.locale"),
    "unknown section": ("[segmenting]\nlevel = 'paragraph'\n", "segmenting"),
    "wrong type": ("[segmentation]\nlevel = 3\n", "segmentation.level"),
    "bad value": ('[project]\noutput = "../site"\n', "project.output"),
    "bad language": ('[project]\ntarget_languages = ["english"]\n', "project.target_languages"),
}


@pytest.mark.parametrize("bad", list(BAD_CONFIGS), ids=list(BAD_CONFIGS))
@pytest.mark.parametrize("command", EVERY_COMMAND, ids=[" ".join(c) for c in EVERY_COMMAND])
def test_a_bad_setting_stops_every_command_naming_the_key(
    cli: Cli, command: tuple[str, ...], bad: str
) -> None:
    toml, key = BAD_CONFIGS[bad]
    (cli.root / "pipeline.toml").write_text(toml, encoding="utf-8")
    arguments = [cli.release if part == "RELEASE" else part for part in command]
    result = cli(*arguments, code=3)
    assert key in result.stderr
    assert "Traceback" not in result.output
    assert (cli.root / "terms" / "project.csv").is_file()  # nothing was removed
    assert not (cli.root / "locales").exists() and not (cli.root / "site").exists()


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=[" ".join(c) for c in EVERY_COMMAND])
def test_the_removed_source_language_setting_says_to_delete_the_line(
    root: Path, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = Cli(root, "subfolder", monkeypatch)
    (root / "pipeline.toml").write_text(
        '[project]\nsource_language = "de"\n' + CONFIG.removeprefix("[project]\n"),
        encoding="utf-8",
    )
    arguments = [cli.release if part == "RELEASE" else part for part in command]
    result = cli(*arguments, code=3)
    assert "project.source_language" in result.stderr
    assert "delete this line" in result.stderr


# ---------------------------------------------------------------------------
# pipeline init, then pipeline run


@pytest.mark.parametrize("models", ["option", "environment"])
def test_init_then_run_needs_no_copied_glossary(
    tmp_path: Path, tiny_packages: Path, monkeypatch: pytest.MonkeyPatch, models: str
) -> None:
    monkeypatch.delenv("PIPELINE_MODELS_DIR", raising=False)
    folder = tmp_path / "new"
    folder.mkdir()
    monkeypatch.chdir(folder)
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    config = load_config(folder)
    assert config == replace(Config(root=config.root), file=config.root / "pipeline.toml")
    (folder / "releases").mkdir()
    (folder / "releases" / "symposium.md").write_text(RELEASE, encoding="utf-8")
    arguments = ["run", "--json", "--to", "en"]
    if models == "option":
        arguments += ["--models-dir", str(tiny_packages)]
    else:
        monkeypatch.setenv("PIPELINE_MODELS_DIR", str(tiny_packages))
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["missing_models"] == {}
    assert (folder / "locales" / "en" / "symposium.po").is_file()
    assert not (folder / "glossaries").exists()  # nothing copied: the termbase is package data
    stats = json.loads(runner.invoke(app, ["glossary", "stats", "--json"]).stdout)
    assert stats["files"] == [str(builtin_termbase())]
