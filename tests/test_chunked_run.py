"""A run exports its releases in chunks (issue 16, part 2): the files it writes are the
same, byte for byte, as when all releases are one chunk, reviewed translations (the
translation memory) included, and models are loaded once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner

import pipeline.run
from pipeline.cli import app
from pipeline.mt.engine import Engine
from tests.conftest import write_tiny_project_config

SENTENCES = [
    "Das Symposium findet am 07.12.2025 in Frankfurt statt.",
    "Julian Caspers leitet die Studie.",
    "Die Tagung findet am 25.08.2024 in Zürich statt.",
    "Das Forschungsteam stieg um 24,1 %.",
]


def _release(number: int) -> str:
    first, second = SENTENCES[number % 4], SENTENCES[(number + 1) % 4]
    return f"## Meldung {number}\n\n{first}\n\n{second}\n"


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for folder in ("locales", "out")
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


def _run(project: Path) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["run", "--project", str(project), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def project(tmp_path: Path, tiny_packages: Path) -> Path:
    root = tmp_path / "project"
    (root / "releases").mkdir(parents=True)
    for number in range(6):
        (root / "releases" / f"r{number}.md").write_text(_release(number), encoding="utf-8")
    write_tiny_project_config(root, tiny_packages)
    _run(root)
    # a reviewer approves one translation: the memory offers it to every release
    po_path = root / "locales" / "en" / "r0.po"
    catalog = polib.pofile(str(po_path))
    entry = next(e for e in catalog if e.msgid == SENTENCES[1])
    entry.msgstr = "Julian Caspers is in charge of the study."
    entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
    catalog.save(str(po_path))
    for number in range(6, 12):  # new releases for the next run
        (root / "releases" / f"r{number}.md").write_text(_release(number), encoding="utf-8")
    return root


def test_chunks_write_the_same_files_as_one_export(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole, chunked = tmp_path / "whole", tmp_path / "chunked"
    shutil.copytree(project, whole)
    shutil.copytree(project, chunked)
    one = _run(whole)["summary"]
    monkeypatch.setattr(pipeline.run, "CHUNK_SEGMENTS", 3)  # a chunk every two releases
    loads: list[str] = []
    real_model = Engine._model

    def counting(self: Engine, pair: tuple[str, str]):  # type: ignore[no-untyped-def]
        if pair not in self._loaded:
            loads.append("→".join(pair))
        return real_model(self, pair)

    monkeypatch.setattr(Engine, "_model", counting)
    many = _run(chunked)["summary"]
    assert _files(chunked) == _files(whole)
    assert sorted(loads) == ["de→en", "en→fr"]  # each model loaded once for all chunks
    assert many["po_files_written"] == one["po_files_written"] > 0
    assert many["tm_exact"] == one["tm_exact"] >= 2  # the reviewed sentence reused
    approved = polib.pofile(str(chunked / "locales" / "en" / "r5.po"))
    reused = next(e for e in approved if e.msgid == SENTENCES[1])
    assert reused.msgstr == "Julian Caspers is in charge of the study."
