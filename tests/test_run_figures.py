"""A run's figures and exit code: they agree with each other, with the files, with `check`,
and with what the dry run predicted; an unchanged re-run reports and exits the same."""

from __future__ import annotations

import json
from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.conftest import write_tiny_project_config

RELEASE = """## Symposium

Das Symposium findet am 07.12.2025 in Frankfurt statt.

Julian Caspers leitet die Studie.

Die Tagung findet am 25.08.2024 in Zürich statt.
"""
DATED = "Das Symposium findet am 07.12.2025 in Frankfurt statt."
FILE_KEYS = ("release", "language", "file", "written", "mt_new", "mt_cached", "reviewed_kept",
             "drafts_kept", "tm_exact", "tm_fuzzy", "mt", "mt_kept", "tm_kept", "untranslated",
             "obsolete")  # fmt: skip
ENTRY_KEYS = ("reviewed_kept", "drafts_kept", "tm_exact", "tm_fuzzy", "mt_new", "mt_cached",
              "mt_kept", "tm_kept", "untranslated")  # fmt: skip


@pytest.fixture
def project(tmp_path: Path, tiny_packages: Path) -> Path:
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "r0.md").write_text(RELEASE, encoding="utf-8")
    (tmp_path / "releases" / "r1.md").write_text(
        RELEASE.replace("Julian Caspers", "Anna Berg"), encoding="utf-8"
    )
    write_tiny_project_config(tmp_path, tiny_packages)
    return tmp_path


def invoke(project: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["run", "--project", str(project), "--json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def approve(path: Path, translations: dict[str, str]) -> None:
    po = polib.pofile(str(path))
    for msgid, msgstr in translations.items():
        entry = po.find(msgid)
        entry.msgstr = msgstr
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
    po.save()


def draft(path: Path, msgid: str, msgstr: str) -> None:
    po = polib.pofile(str(path))
    po.find(msgid).msgstr = msgstr  # still fuzzy: a reviewer's draft
    po.save()


def test_suggestion_findings_exit_0_reviewed_errors_exit_1_and_reruns_agree(
    project: Path,
) -> None:
    code, first = invoke(project)
    qa = first["summary"]["qa"]
    assert qa["suggested_errors"] > 0 and qa["reviewed_errors"] == 0
    assert code == 0  # the tiny models' suggestions have errors: that is for reviewers
    assert invoke(project, "--strict", "--full")[0] == 1
    # a reviewer approves a translation with the wrong date: an error on a reviewed entry
    approve(project / "locales" / "en" / "r0.po", {DATED: "The symposium is in Frankfurt."})
    code, second = invoke(project)
    assert code == 1 and second["summary"]["qa"]["reviewed_errors"] >= 1
    code_again, third = invoke(project)  # nothing changed: every release is skipped
    assert third["summary"]["releases_unchanged"] == 2
    assert code_again == code
    assert third["summary"]["qa"] == second["summary"]["qa"]
    assert third["summary"]["files_written"] == 0
    assert third["summary"]["po_files_unchanged"] == 4


def test_entry_figures_add_up_to_the_files_and_the_summary(project: Path) -> None:
    invoke(project)
    en = project / "locales" / "en" / "r0.po"
    approve(en, {"Symposium": "Symposium"})
    draft(en, "Julian Caspers leitet die Studie.", "Julian Caspers leads the study (draft).")
    (project / "releases" / "r2.md").write_text(
        RELEASE + "\nEin neuer Satz steht hier.\n", encoding="utf-8"
    )
    _, report = invoke(project)
    files, summary = report["po_files"], report["summary"]
    assert files
    for item in files:
        po = polib.pofile(item["file"])
        active = [entry for entry in po if not entry.obsolete]
        assert sum(item[key] for key in ENTRY_KEYS) == len(active), item
        assert item["mt"] == item["mt_new"] + item["mt_cached"]
    for key in ENTRY_KEYS:
        if key not in ("mt_kept", "tm_kept"):
            assert summary[key] == sum(item[key] for item in files), key
    kept = sum(item["mt_kept"] + item["tm_kept"] for item in files)
    assert summary["suggestions_kept"] == kept
    r0 = next(item for item in files if item["file"] == str(en))
    assert (r0["reviewed_kept"], r0["drafts_kept"]) == (1, 1)  # approved and draft apart
    assert summary["po_files_written"] + summary["po_files_unchanged"] == len(files)
    assert summary["files_written"] == summary["po_files_written"] + summary["templates_written"]
    # the new release's sentences are decoded once per language, whatever shares them
    assert summary["segments_decoded"] <= summary["mt_new"]


def test_run_and_check_count_the_same_findings(project: Path) -> None:
    invoke(project)
    approve(project / "locales" / "en" / "r0.po", {DATED: "The symposium is in Frankfurt."})
    _, report = invoke(project)
    qa = report["summary"]["qa"]
    result = CliRunner().invoke(app, ["check", "--project", str(project), "--json"])
    assert result.exit_code == 1
    findings = _check_findings(result.stdout)
    counted = [f for f in findings if not f["muted"]]
    errors = sum(f["severity"] == "error" for f in counted)
    assert (errors, len(counted) - errors) == (qa["errors"], qa["warnings"])
    assert len(findings) - len(counted) == qa["muted"]


def _check_findings(stdout: str) -> list[dict]:  # type: ignore[type-arg]
    """`check --json`: one document with the findings (older: one finding per line)."""
    text = stdout.strip()
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return document["findings"] if isinstance(document, dict) else document


def _prediction(report: dict) -> tuple[dict, list]:  # type: ignore[type-arg]
    summary = {k: v for k, v in report["summary"].items() if k not in ("seconds", "dry_run")}
    files = [{key: item[key] for key in FILE_KEYS} for item in report["po_files"]]
    return summary, files


@pytest.mark.parametrize("change", ["fresh", "reviewed", "new release", "glossary", "nothing"])
def test_a_dry_run_predicts_exactly_what_the_run_does(project: Path, change: str) -> None:
    if change != "fresh":
        invoke(project)
    if change == "reviewed":
        approve(project / "locales" / "fr" / "r1.po", {"Symposium": "Symposium"})
    elif change == "new release":
        (project / "releases" / "r2.md").write_text(
            "## Neu\n\nAnna Berg leitet die Studie.\n", encoding="utf-8"
        )
    elif change == "glossary":
        glossary = project / "glossaries" / "terms.csv"
        text = glossary.read_text(encoding="utf-8")
        glossary.write_text(text.replace("study (pl. studies)", "trial (pl. trials)"), "utf-8")
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    dry_code, dry = invoke(project, "--dry-run")
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before
    real_code, real = invoke(project)
    predicted, happened = _prediction(dry), _prediction(real)
    if predicted[0]["qa"] is not None:  # everything it needs is known: an exact prediction
        assert predicted == happened
        assert dry_code == real_code
        return
    # Segments to decode again: their QA is unknown, and their files are predicted to
    # change (the models may in the end give what a file already has); the rest is exact.
    uncertain = ("qa", "po_files_written", "po_files_unchanged", "files_written")
    for summary in (predicted[0], happened[0]):
        for key in uncertain:
            summary.pop(key)
    assert predicted[0] == happened[0]
    for guess, fact in zip(predicted[1], happened[1], strict=True):
        assert guess.pop("written") or not fact.pop("written")
        fact.pop("written", None)
        assert guess == fact
