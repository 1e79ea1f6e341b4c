"""The command line: output, exit codes, errors without tracebacks, the main job."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import __version__
from pipeline.cli import app
from tests.conftest import SAMPLE

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    releases = tmp_path / "releases"
    releases.mkdir()
    shutil.copy(SAMPLE, releases / SAMPLE.name)
    (releases / "kurz.txt").write_text("Erster Satz. Zweiter Satz.\n", encoding="utf-8")
    return tmp_path


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["segment"],
        ["run"],
        ["models"],
        *(["models", c] for c in ("list", "available", "install", "remove")),
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_segment_table() -> None:
    result = runner.invoke(app, ["segment", str(SAMPLE)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "block type" in result.output
    assert "Olaf Goldschmidt" in result.output
    assert "lines" in result.output


def test_segment_json_lines() -> None:
    result = runner.invoke(app, ["segment", "--json", str(SAMPLE)])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 32
    assert records[0]["file"] == str(SAMPLE)
    assert {"id", "line", "block", "kind", "text", "codes"} <= set(records[0])
    assert records[-1]["text"] == "goldschmidt@drg.de"


def test_segment_paragraph_level() -> None:
    result = runner.invoke(app, ["segment", "--json", "--level", "paragraph", str(SAMPLE)])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 12  # one per block
    assert records[-1]["text"].startswith("Deutsche Röntgengesellschaft e.V.  \nOlaf")


def test_input_error_has_no_traceback_and_exit_3(tmp_path: Path) -> None:
    bad = tmp_path / "alt.md"
    bad.write_bytes(b"Gr\xf6\xdfe")
    result = runner.invoke(app, ["segment", str(bad)])
    assert result.exit_code == 3
    assert "byte offset 2" in result.stderr
    assert "--encoding" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "release.docx"
    bad.write_bytes(b"PK")
    result = runner.invoke(app, ["--debug", "segment", str(bad)])
    assert result.exit_code != 0
    assert result.exception is not None
    assert "unknown file type" in str(result.exception)


def test_usage_error_exit_2() -> None:
    result = runner.invoke(app, ["segment", "--level", "word", str(SAMPLE)])
    assert result.exit_code == 2


def test_encoding_option(tmp_path: Path) -> None:
    path = tmp_path / "alt.txt"
    path.write_bytes("Größe zählt. Wirklich.".encode("cp1252"))
    result = runner.invoke(app, ["segment", "--json", "--encoding", "cp1252", str(path)])
    assert result.exit_code == 0
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == [
        "Größe zählt.",
        "Wirklich.",
    ]


def test_run_summarises_releases_and_skips_them_when_unchanged(project: Path) -> None:
    result = runner.invoke(app, ["run", "--project", str(project), "--json", "--to", "en"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [r["segments"] for r in summary["releases"]] == [32, 2]
    assert (project / "locales" / "en" / f"{SAMPLE.stem}.po").is_file()
    again = json.loads(
        runner.invoke(app, ["run", "--project", str(project), "--json", "--to", "en"]).stdout
    )
    assert again["releases"] == [] and len(again["unchanged"]) == 2


def test_run_reports_a_bad_release_and_processes_the_rest(project: Path) -> None:
    (project / "releases" / "kaputt.md").write_bytes(b"\xff\xfeX\x00")
    result = runner.invoke(app, ["run", "--project", str(project), "--json"])
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert len(summary["releases"]) == 2
    assert "kaputt.md" in summary["errors"][0]["file"]
    assert "kaputt.md" in result.stderr
    assert not (project / "locales" / "en" / "kaputt.po").exists()


def test_run_table_summary(project: Path) -> None:
    result = runner.invoke(app, ["run", "--project", str(project)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Run summary" in result.output and "PO files" in result.output
    assert "locales/en/" in result.output


def test_run_with_missing_path(project: Path) -> None:
    result = runner.invoke(app, ["run", "--project", str(project), str(project / "nope.md")])
    assert result.exit_code == 3
    assert "no such file" in result.stderr


def test_console_script_and_module_entry_points() -> None:
    script = Path(sys.executable).parent / "pipeline"
    for command in ([str(script)], [sys.executable, "-m", "pipeline"]):
        result = subprocess.run(
            [*command, "--version"], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"pipeline {__version__}"
