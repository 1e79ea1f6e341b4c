"""Batch runs: project configuration, incremental and idempotent runs, dry runs, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_config
from pipeline.errors import InputError
from pipeline.run import STATE_VERSION
from tests.conftest import ROOT, write_tiny_project_config

TEMPLATE_RELEASE = """## Symposium

Das Symposium findet am 07.12.2025 in Frankfurt statt.

Julian Caspers leitet die Studie.

Die Tagung findet am 25.08.2024 in Zürich statt.
"""


@pytest.fixture
def project(tmp_path: Path, tiny_packages: Path) -> Path:
    (tmp_path / "releases").mkdir()
    for number in range(3):
        (tmp_path / "releases" / f"r{number}.md").write_text(TEMPLATE_RELEASE, encoding="utf-8")
    write_tiny_project_config(tmp_path, tiny_packages)
    return tmp_path


def run(project: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["run", "--project", str(project), "--json", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_init_writes_a_default_that_loads(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["init", "--project", str(tmp_path)])
    assert result.exit_code == 0
    config = load_config(tmp_path)
    assert config.target_languages == ("en", "fr", "es", "it")
    assert config.file == tmp_path / "pipeline.toml"
    again = CliRunner().invoke(app, ["init", "--project", str(tmp_path)])
    assert again.exit_code == 3 and "already exists" in again.stderr


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[mt]\nbeam_sise = 4\n", "unknown key 'mt.beam_sise'"),
        ('[mt]\nbeam_size = "four"\n', "mt.beam_size must be an integer, not 'four'"),
        ('[project]\ntarget_languages = "en"\n', "project.target_languages must be a list"),
        ('[segmentation]\nlevel = "word"\n', "segmentation.level must be"),
        ("[mt\n", "not valid TOML"),
    ],
)
def test_bad_configuration_names_the_key(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "pipeline.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(tmp_path)
    assert message in caught.value.problem
    result = CliRunner().invoke(app, ["run", "--project", str(tmp_path)])
    assert result.exit_code == 3 and message in result.stderr


def test_config_is_found_from_a_subfolder(project: Path) -> None:
    assert load_config(project / "releases").root == project


def test_incremental_runs(project: Path) -> None:
    first = run(project)["summary"]
    assert first["releases"] == 3 and first["releases_unchanged"] == 0
    assert (
        first["segments_decoded"] == 2 * 4
    )  # 4 distinct segments per language, shared by 3 releases
    files = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in project.rglob("*") if p.is_file()
             and ".pipeline" not in p.parts}  # fmt: skip
    second = run(project)["summary"]
    assert second["releases_unchanged"] == 3 and second["segments"] == 0
    assert second["files_written"] == 0 and second["segments_decoded"] == 0
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == files

    release = project / "releases" / "r1.md"
    release.write_text(
        release.read_text(encoding="utf-8").replace("Julian Caspers leitet die Studie.",
                                                    "Julian Caspers leitet das Projekt."),
        encoding="utf-8",
    )  # fmt: skip
    third = run(project)["summary"]
    assert third["releases_unchanged"] == 2 and third["segments"] == 4
    assert third["segments_decoded"] == 2  # only the changed paragraph, once per language
    assert third["segments_from_cache"] == 2 * 3  # the other segments of r1 come from the cache


def test_a_glossary_edit_retranslates_only_the_segments_that_use_it(project: Path) -> None:
    run(project)
    glossary = project / "glossaries" / "terms.csv"
    glossary.write_text(
        glossary.read_text(encoding="utf-8").replace("study (pl. studies)", "trial (pl. trials)"),
        encoding="utf-8",
    )
    summary = run(project)["summary"]
    assert summary["releases_unchanged"] == 0  # the settings changed: everything is looked at
    assert summary["segments_decoded"] == 2  # "Julian Caspers leitet die Studie." in en and fr
    po = (project / "locales" / "en" / "r0.po").read_text(encoding="utf-8")
    assert "trial" in po


def test_dry_run_writes_and_translates_nothing(project: Path) -> None:
    summary = run(project, "--dry-run")["summary"]
    assert summary["dry_run"] is True and summary["segments_needing_mt"] == 8
    assert summary["segments_decoded"] == 8  # predicted: nothing is in the cache yet
    assert not (project / "locales").exists() and not (project / "out").exists()
    assert not (project / ".pipeline" / "state.json").exists()


def test_missing_model_is_an_error_only_when_required(project: Path, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path_factory.mktemp("empty")
    result = CliRunner().invoke(app, ["run", "--project", str(project), "--dir", str(empty)])
    assert result.exit_code == 0 and "pipeline models install de en" in result.stderr
    required = CliRunner().invoke(
        app, ["run", "--project", str(project), "--dir", str(empty), "--require-mt", "--full"]
    )
    assert required.exit_code == 4
    assert (project / "locales" / "en" / "r0.po").is_file()


def test_one_broken_release_does_not_stop_the_batch(project: Path) -> None:
    (project / "releases" / "broken.md").write_bytes(b"\xff\xfe\x00X")
    result = CliRunner().invoke(app, ["run", "--project", str(project), "--json"])
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert summary["summary"]["releases"] == 3
    assert "broken.md" in result.stderr
    assert (project / "locales" / "fr" / "r2.po").is_file()


def test_sample_project_runs_with_its_own_config(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "releases", tmp_path / "releases")
    shutil.copytree(ROOT / "glossaries", tmp_path / "glossaries")
    assert CliRunner().invoke(app, ["init", "--project", str(tmp_path)]).exit_code == 0
    summary = run(tmp_path, "--dir", str(tmp_path / "no-models"))
    assert [item["language"] for item in summary["po_files"]] == ["en", "fr", "es", "it"]


@pytest.mark.parametrize(
    "damage", ['{"version": 1, "releases": [], "languages": 3}', "not json", "[1, 2]"]
)
def test_a_damaged_state_or_suggestions_file_means_a_full_run(project: Path, damage: str) -> None:
    run(project)
    (project / ".pipeline" / "state.json").write_text(damage, encoding="utf-8")
    (project / "locales" / "en" / "r0.suggestions.json").write_text(damage, encoding="utf-8")
    summary = run(project)["summary"]
    assert summary["releases_unchanged"] == 0 and summary["segments_decoded"] == 0  # all cached
    assert (
        json.loads((project / ".pipeline" / "state.json").read_text())["version"] == STATE_VERSION
    )
