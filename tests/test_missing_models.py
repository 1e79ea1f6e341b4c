"""A model that goes missing (removed, or `--dir` mistyped) never changes what the PO files
say about their machine suggestions, and the hint names what is missing and where it was
looked for (issue 12, part 5)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.layout import Layout
from pipeline.mt.packages import install_file
from pipeline.po.catalog import Entry, render
from pipeline.po.merge import DRAFT
from pipeline.po.reader import read_catalog
from tests.conftest import DATA

TEXT = (
    "# Symposium\n\nDas Symposium findet am 07.12.2025 in Frankfurt statt.\n\n"
    "Die Klinik stellt neue Geräte vor.\n"
)


def run(project: Path, packages: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(
        app, ["run", "--project", str(project), "--dir", str(packages), "--json", *args]
    )
    assert result.exit_code in (0, 1), result.output  # 1: QA findings of the tiny models
    return {"json": json.loads(result.stdout), "stderr": result.stderr}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "meldung.md").write_text(TEXT, encoding="utf-8")
    return tmp_path


def origins(path: Path) -> dict[str, list[str]]:
    return {
        entry.msgid: [line for line in entry.extracted if line.startswith("origin:")]
        for entry in read_catalog(path).active
    }


def edit(path: Path, change: Callable[[Entry], Entry]) -> None:
    """Change every entry of the PO file (what a reviewer's tool might do)."""
    catalog = read_catalog(path)
    entries = tuple(change(entry) for entry in catalog.entries)
    path.write_text(render(replace(catalog, entries=entries)), encoding="utf-8")


def _without_origin(lines: tuple[str, ...]) -> list[str]:
    return [line for line in lines if not line.startswith("origin:")]


def counts(report: dict, language: str) -> dict:  # type: ignore[type-arg]
    return next(item for item in report["json"]["po_files"] if item["language"] == language)


@pytest.mark.parametrize("sidecar", ["kept", "removed"])
@pytest.mark.parametrize("missing", ["emptied", "mistyped"])
def test_machine_suggestions_keep_their_origin_when_the_model_is_missing(
    project: Path, tiny_packages: Path, tmp_path_factory: pytest.TempPathFactory,
    sidecar: str, missing: str,
) -> None:  # fmt: skip
    first = run(project, tiny_packages, "--to", "en,fr")
    layout = Layout(project)
    before = {language: origins(layout.po_file(language, "meldung")) for language in ("en", "fr")}
    assert all(lines[0].startswith("origin: MT Argos") for lines in before["en"].values())
    texts = {e.msgid: e.msgstr for e in read_catalog(layout.po_file("en", "meldung")).entries}
    assert counts(first, "en")["mt"] == len(texts) == 3
    if sidecar == "removed":  # e.g. a PO file sent out and back without its sidecar
        for language in ("en", "fr"):
            layout.suggestions_file(language, "meldung").unlink()
    packages = tmp_path_factory.mktemp("none")
    if missing == "mistyped":
        packages = packages / "argos-pakages"
    second = run(project, packages, "--to", "en,fr", "--full")
    for language in ("en", "fr"):
        path = layout.po_file(language, "meldung")
        assert origins(path) == before[language]  # "MT …", never "reviewer draft"
        stats = counts(second, language)
        assert stats["mt_kept"] == 3 and stats["drafts_kept"] == stats["reviewed_kept"] == 0
        assert all(entry.fuzzy for entry in read_catalog(path).active)
    assert {e.msgid: e.msgstr for e in read_catalog(layout.po_file("en", "meldung")).entries} == (
        texts
    )
    summary = second["json"]["summary"]
    assert summary["suggestions_kept"] == 6 and summary["reviewed_kept"] == 0


def test_a_reviewers_edit_stays_a_draft_when_the_model_is_missing(
    project: Path, tiny_packages: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    run(project, tiny_packages, "--to", "en")
    path = Layout(project).po_file("en", "meldung")
    edited = "The clinic presents new devices (edited)."
    edit(path, lambda e: replace(e, msgstr=edited) if e.msgid.startswith("Die Klinik") else e)
    report = run(project, tmp_path_factory.mktemp("none"), "--to", "en")
    found = {e.msgid: e for e in read_catalog(path).active}
    draft = found["Die Klinik stellt neue Geräte vor."]
    assert draft.msgstr == edited and draft.fuzzy and DRAFT in draft.extracted
    stats = counts(report, "en")
    assert stats["drafts_kept"] == 1 and stats["mt_kept"] == 2


def test_an_origin_lost_earlier_comes_back_from_the_recorded_suggestion(
    project: Path, tiny_packages: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Files that an older version relabelled "reviewer draft" get their origin back."""
    run(project, tiny_packages, "--to", "en")
    path = Layout(project).po_file("en", "meldung")
    before = origins(path)
    edit(path, lambda e: replace(e, extracted=(*_without_origin(e.extracted), DRAFT)))
    report = run(project, tmp_path_factory.mktemp("none"), "--to", "en")
    assert origins(path) == before
    assert counts(report, "en")["mt_kept"] == 3


def test_the_hint_names_the_missing_leg_of_the_pivot_and_the_directory(
    project: Path, tmp_path: Path
) -> None:
    packages = tmp_path / "my packages"
    install_file(DATA / "argos" / "translate-en_fr-test.argosmodel", packages)
    report = run(project, packages, "--to", "fr,it")
    reasons = report["json"]["missing_model_reasons"]
    fixes = report["json"]["missing_models"]
    assert "en→fr is installed, de→en" in reasons["fr"] and str(packages) in reasons["fr"]
    assert fixes["fr"] == f"pipeline models install de en --dir '{packages}'"
    assert fixes["it"] == f"pipeline models install de it --dir '{packages}'"
    stderr = " ".join(report["stderr"].split())
    assert f"pipeline models install de en --dir '{packages}'" in stderr
    assert "de→en (the other half of the route through en) is missing" in stderr
    shutil.rmtree(packages)
    install_file(DATA / "argos" / "translate-de_en-test.argosmodel", packages)
    report = run(project, packages, "--to", "fr")
    assert "de→en is installed, en→fr" in report["json"]["missing_model_reasons"]["fr"]
    assert report["json"]["missing_models"]["fr"].startswith("pipeline models install en fr")


def test_a_mistyped_directory_is_named_as_such(project: Path, tmp_path: Path) -> None:
    report = run(project, tmp_path / "argos-pakages", "--to", "en")
    reason = report["json"]["missing_model_reasons"]["en"]
    assert f"searched in {tmp_path / 'argos-pakages'} (no such directory" in reason
