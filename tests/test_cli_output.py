"""What the commands print: help at 80 and 200 columns, tables without a terminal, the
progress bar, the check table, and the JSON convention (one document for reports, one
object per line for streams)."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import pytest
import typer
from rich.console import Console
from rich.progress import TimeRemainingColumn
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.cli import segments as segments_cli
from pipeline.cli.base import RateColumn
from pipeline.console import progress_bar
from pipeline.mt.translate import SegmentTranslation
from tests.conftest import write_tiny_project_config

RELEASE = """## Symposium

Das Symposium findet am 07.12.2025 in Frankfurt statt.

Julian Caspers leitet die Studie zur Künstlichen Intelligenz (KI) in der Radiologie.
"""


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("width", [80, 200])
@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "pipeline" for p, _ in COMMANDS]
)
def test_help_is_whole_and_has_plain_metavars(
    path: tuple[str, ...], command: Any, width: int
) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Usage:" in text
    assert not re.search(r"<[a-zA-Z][^>]*>", text), text  # no <bool>, <list[Path]>, <str>
    assert all(len(line) <= width for line in text.splitlines()), text
    squeezed = _squeezed(text)
    for param in command.params:
        if getattr(param, "help", None):
            assert _squeezed(param.help) in squeezed, (param.name, text)  # never cut short
    if command.help:
        first = command.help.split("\n\n")[0]
        assert _squeezed(first) in squeezed, text
    for sub in getattr(command, "commands", {}).values():
        assert _squeezed(sub.get_short_help_str(limit=10_000)) in squeezed, text
        assert not sub.get_short_help_str(limit=10_000).endswith("..."), sub.name


def test_examples_stand_apart_from_the_description() -> None:
    result = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "80"})
    assert "\n  Example: pipeline run --to en,fr\n" in result.output


@pytest.mark.parametrize(
    "label", ["segments translated", "segmenting 2024-09-24-ki-in-der-radiologie.md", "de→fr"]
)
def test_progress_bars_keep_their_labels_at_80_columns(label: str) -> None:
    console = Console(width=80, file=io.StringIO(), force_terminal=True, color_system=None)
    progress = progress_bar(RateColumn(), TimeRemainingColumn(), quiet=False, console=console)
    task = progress.add_task(label, total=1234)
    progress.update(task, completed=567)
    console.print(progress.make_tasks_table(progress.tasks))
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert label in shown
    assert "567/1234" in shown


def test_progress_bar_is_off_without_a_terminal_and_with_json() -> None:
    piped = Console(width=80, file=io.StringIO())
    assert progress_bar(quiet=False, console=piped).disable
    terminal = Console(width=80, file=io.StringIO(), force_terminal=True)
    assert progress_bar(quiet=True, console=terminal).disable
    assert not progress_bar(quiet=False, console=terminal).disable


def test_paths_stay_on_one_line_without_a_terminal(tmp_path: Path, tiny_packages: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 3) / "packages"
    shutil.copytree(tiny_packages, deep)
    runner = CliRunner()
    piped = runner.invoke(app, ["models", "list", "--dir", str(deep)], env={"COLUMNS": None})
    assert piped.exit_code == 0, piped.output
    assert len(str(deep)) > 80
    assert sum(str(deep) in line for line in piped.output.splitlines()) == 3  # title, 2 rows
    narrow = runner.invoke(app, ["models", "list", "--dir", str(deep)], env={"COLUMNS": "80"})
    table = [line for line in narrow.output.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and all(len(line) <= 80 for line in table)  # COLUMNS still rules


@pytest.fixture
def project(tmp_path: Path, tiny_packages: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PIPELINE_MODELS_DIR", raising=False)
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "symposium.md").write_text(RELEASE, encoding="utf-8")
    write_tiny_project_config(tmp_path, tiny_packages)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _wrong_number(project: Path) -> Path:
    """A French PO file whose translation has the wrong number."""
    catalog = polib.POFile()
    catalog.metadata = {"Language": "fr", "Content-Type": "text/plain; charset=UTF-8"}
    catalog.append(
        polib.POEntry(msgid="Es kamen 300 Gäste.", msgstr="200 invités sont venus.", linenum=5)
    )
    path = project / "locales" / "fr" / "gaeste.po"
    path.parent.mkdir(parents=True)
    catalog.save(str(path))
    return path


def test_check_shows_the_language_and_the_translation(project: Path) -> None:
    path = _wrong_number(project)
    result = CliRunner().invoke(app, ["check"], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert str(path) in result.output
    header = next(line for line in result.output.splitlines() if "severity" in line)
    assert re.search(r"lang .*German .*translation", header), header
    row = next(line for line in result.output.splitlines() if "Es kamen 300" in line)
    assert " fr " in row and "200 invités sont venus." in row
    document = json.loads(CliRunner().invoke(app, ["check", "--json"]).stdout)
    assert set(document) == {"findings", "summary"}
    finding = next(f for f in document["findings"] if f["check"] == "numbers")
    assert (finding["language"], finding["file"], finding["msgstr"]) == (
        "fr",
        str(path),
        "200 invités sont venus.",
    )
    assert set(document["summary"]) == {"errors", "warnings", "muted"}
    assert document["summary"]["errors"] >= 1


REPORTS: dict[tuple[str, ...], type] = {
    ("run",): dict,
    ("status",): list,
    ("check",): dict,
    ("build", "--draft"): list,
    ("quality",): dict,
    ("cache", "stats"): dict,
    ("models", "list"): list,
    ("glossary", "list"): list,
    ("glossary", "show", "frankfurt"): dict,
    ("glossary", "lint"): list,
    ("glossary", "stats"): dict,
}
STREAMS = (
    ("segment", "releases/symposium.md"),
    ("translate", "releases/symposium.md"),
    ("glossary", "find", "releases/symposium.md"),
    ("glossary", "extract", "releases/symposium.md"),
)


def test_reports_print_one_json_document_and_streams_one_object_per_line(
    project: Path,
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["run", "--to", "en"]).exit_code == 0
    for command, shape in REPORTS.items():
        result = runner.invoke(app, [*command, "--json"])
        assert result.exit_code in (0, 1), (command, result.output)
        assert isinstance(json.loads(result.stdout), shape), command
    for command in STREAMS:
        result = runner.invoke(app, [*command, "--json"])
        assert result.exit_code == 0, (command, result.output)
        lines = result.stdout.splitlines()
        assert lines, command
        assert all(isinstance(json.loads(line), dict) for line in lines), command
    document = json.loads(runner.invoke(app, ["check", "--json"]).stdout)
    assert {"findings", "summary"} == set(document)


def test_translate_writes_a_repeated_warning_once(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repeated = "placeholder ⟦1⟧ was dropped; aligned by position"

    def translated(*_: object, **__: object) -> list[SegmentTranslation]:
        return [
            SegmentTranslation(
                segment_id="s1",
                language="en",
                source="Das Symposium findet statt.",
                text="The symposium takes place.",
                route="de→en",
                cached=False,
                warnings=(repeated, "other note", repeated),
            )
        ]

    monkeypatch.setattr(segments_cli, "_translate_with_progress", translated)
    shown = CliRunner().invoke(
        app, ["translate", "releases/symposium.md", "--to", "en"], env={"COLUMNS": "300"}
    )
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("placeholder ⟦1⟧ was dropped") == 1
    assert "other note" in shown.output
    streamed = CliRunner().invoke(app, ["translate", "releases/symposium.md", "--json"])
    [record] = [json.loads(line) for line in streamed.stdout.splitlines()]
    assert record["warnings"] == [repeated, "other note"]
