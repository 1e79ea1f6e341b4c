"""Distributed translation on Ray (issue 16, part 3): real Ray on 127.0.0.1, real
CTranslate2 decoding on the tiny packages in the actors. A Ray run writes the same files,
byte for byte, as a local run; a worker killed during a run has its batches decoded by
another; a cluster that cannot be reached fails at once with exit 3."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.mt.distributed
import pipeline.mt.engine
from pipeline.cli import app
from pipeline.config import default_toml
from pipeline.mt.cache import TranslationCache
from pipeline.project import Project
from pipeline.run import RunSettings, project_settings_key, run
from tests.conftest import ROOT, SAMPLE, write_tiny_project_config

without_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None,
    reason="ray is not installed (pip install -e '.[dev,ray]', as scripts/test does)",
)
SENTENCES = [
    "Das Symposium findet am 07.12.2025 in Frankfurt statt.",
    "Julian Caspers leitet die Studie.",
    "Die Tagung findet am 25.08.2024 in Zürich statt.",
    "Das Forschungsteam stieg um 24,1 %.",
]
SMALL_GROUPS = 160  # characters per group: many small ones, so every worker gets some


@pytest.fixture(autouse=True)
def offline_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")


@pytest.fixture
def project(tmp_path: Path, tiny_packages: Path) -> Path:
    """The sample release and a few short ones, with the tiny packages (en, fr via en)."""
    root = tmp_path / "project"
    (root / "releases").mkdir(parents=True)
    shutil.copy(SAMPLE, root / "releases" / SAMPLE.name)
    for number in range(4):
        text = f"## Meldung {number}\n\n{SENTENCES[number]}\n\n{SENTENCES[(number + 1) % 4]}\n"
        (root / "releases" / f"r{number}.md").write_text(text, encoding="utf-8")
    write_tiny_project_config(root, tiny_packages)
    return root


def _on_ray(root: Path, workers: int = 2) -> Path:
    """A copy of the project set to decode on ``workers`` Ray actors (of mt.threads, as
    the local run: the threads decide how many batches one translate_batch call gets)."""
    copy = root.parent / f"{root.name}-ray"
    shutil.copytree(root, copy)
    config = (copy / "pipeline.toml").read_text(encoding="utf-8")
    config = config.replace('executor = "local"', 'executor = "ray"')
    config = config.replace("ray_workers = 0", f"ray_workers = {workers}")
    (copy / "pipeline.toml").write_text(config, encoding="utf-8")
    return copy


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for folder in ("locales", "out")
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


def _run(project: Path, *options: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["run", "--project", str(project), "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.ray
@without_ray
def test_a_ray_run_writes_the_same_files_as_a_local_run(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline.mt.engine, "DECODE_GROUP_CHARACTERS", SMALL_GROUPS)
    on_ray = _on_ray(project)
    local = _run(project)["summary"]
    distributed = _run(on_ray)["summary"]
    assert _files(on_ray) == _files(project)
    assert distributed["segments_decoded"] == local["segments_decoded"] > 20
    assert "workers" not in local
    assert sorted(distributed["workers"]) == ["actor-1", "actor-2"]
    assert all(count > 0 for count in distributed["workers"].values())
    again = _run(on_ray)["summary"]  # unchanged: nothing decoded, no worker started
    assert again["releases_unchanged"] == 5 and "workers" not in again


@pytest.mark.ray
@without_ray
def test_a_worker_killed_during_a_run_has_its_batches_decoded_by_another(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline.mt.engine, "DECODE_GROUP_CHARACTERS", SMALL_GROUPS)
    on_ray = _on_ray(project)
    _run(project)
    resolved = Project.load(on_ray)
    killed: list[str] = []
    with TranslationCache(resolved.layout.cache) as cache:
        engine = resolved.engine(cache)
        executor = engine.executor
        assert isinstance(executor, pipeline.mt.distributed.RayExecutor)
        pids = executor.worker_pids()

        def kill_one(language: str, done: int, total: int) -> None:
            if not killed:  # after the first batch came back: the others are in flight
                killed.append("actor-2")
                os.kill(pids["actor-2"], signal.SIGKILL)

        settings = RunSettings(
            languages=resolved.languages,
            rules=resolved.rules,
            settings_key=project_settings_key(resolved, engine),
        )
        try:
            report = run(
                resolved.layout, resolved.releases(), settings, engine, resolved.matcher,
                on_translate=kill_one,
            )  # fmt: skip
            lost, batches = list(executor.lost), dict(executor.batches)
        finally:
            engine.close()
    assert not report.failures
    assert killed == lost == ["actor-2"]
    assert batches["actor-1"] > batches.get("actor-2", 0)
    assert _files(on_ray) == _files(project)


@pytest.mark.ray
@without_ray
def test_a_cluster_that_cannot_be_reached_fails_at_once(project: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["run", "--project", str(project), "--executor", "ray", "--ray-address",
         "ray://127.0.0.1:1"],
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "ray://127.0.0.1:1" in result.output and "cannot be reached" in result.output
    assert "fix:" in result.output and "Traceback" not in result.output


def test_ray_missing_is_a_setting_to_fix(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as without the [ray] extra
    result = CliRunner().invoke(app, ["run", "--project", str(project), "--executor", "ray"])
    assert result.exit_code == 3, result.output
    assert "release-pipeline[ray]" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("line", "named"),
    [('executor = "spark"', "mt.executor"), ('ray_address = "head"', "mt.ray_address"),
     ("ray_workers = -1", "mt.ray_workers")],
)  # fmt: skip
def test_bad_executor_settings_name_the_key(project: Path, line: str, named: str) -> None:
    config = (project / "pipeline.toml").read_text(encoding="utf-8")
    key = line.split(" =")[0]
    lines = [line if text.startswith(f"{key} =") else text for text in config.splitlines()]
    (project / "pipeline.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--project", str(project)])
    assert result.exit_code == 3, result.output
    assert named in result.output


@pytest.mark.parametrize(
    "options", [["--executor", "spark"], ["--executor", "ray", "--ray-address", "head"]]
)
def test_bad_executor_options_are_usage_errors(project: Path, options: list[str]) -> None:
    result = CliRunner().invoke(app, ["run", "--project", str(project), *options])
    assert result.exit_code == 2, result.output


def test_the_readme_shows_the_configuration_init_writes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration: `pipeline.toml`", 1)[1]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    written = default_toml().split("\n", 3)[3]  # without the two comment lines on top
    assert block == written.lstrip("\n")
