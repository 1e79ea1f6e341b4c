"""The typer app and what its command groups share: options, parsing, JSON output."""

from __future__ import annotations

import inspect
import json
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import ProgressColumn, Task
from rich.text import Text
from typer.core import TyperArgument, TyperCommand, TyperOption

from pipeline import __version__
from pipeline.console import state, stderr, stdout
from pipeline.errors import ExitCode, InputError, PipelineError
from pipeline.languages import CODE_RULE, is_language_code
from pipeline.mt.distributed import EXECUTORS, check_address
from pipeline.mt.engine import COMPUTE_TYPES, DEVICES
from pipeline.project import MODELS_DIR_VARIABLE, Overrides, Project
from pipeline.segment import Level

# ---------------------------------------------------------------------------
# Help that reads the same in a terminal and in a CI log
#
# Help is click's plain text (rich_markup_mode=None): it is wrapped to the width, never cut
# short with an ellipsis, and shows click-style metavars (TEXT, DIR, FILE, [a|b]) instead of
# typer's type names (<bool>, <list[Path]>).

_EXAMPLE = re.compile(r"\n(Examples?:)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def _first_sentence(help_text: str) -> str:
    """The command's one-line summary for the list of commands (whole, never cut short)."""
    paragraph = " ".join(inspect.cleandoc(help_text).split("\n\n")[0].split())
    return _SENTENCE_END.split(paragraph, maxsplit=1)[0]


def _metavar(param: TyperOption) -> str:
    """A click-style metavar from the option's type."""
    described = param.type_descriptor
    if described.is_choice:
        values = [str(getattr(choice, "value", choice)) for choice in described.choices or ()]
        return "[" + "|".join(values) + "]"
    annotation: Any = described.annotation
    if described.is_list:
        annotation = getattr(annotation, "__args__", (str,))[0]
    if annotation is Path:
        return {"dir": "DIR", "file": "FILE"}.get(described.path_type, "PATH")
    return {int: "INTEGER", float: "NUMBER"}.get(annotation, "TEXT")


class PipelineCommand(TyperCommand):
    """A typer command whose help has plain metavars, whole summaries and examples set
    apart."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.help:
            self.help = _EXAMPLE.sub(r"\n\n\1", inspect.cleandoc(self.help))
            if not self.short_help:
                self.short_help = _first_sentence(self.help)
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar is None and param.name:
                param.metavar = param.name.upper()
            elif isinstance(param, TyperOption) and param.metavar is None and not param.is_flag:
                param.metavar = _metavar(param)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments: list[tuple[str, str]] = []
        options: list[tuple[str, str]] = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if isinstance(param, TyperArgument):
                name = param.display_name_raw + ("..." if param.nargs != 1 else "")
                arguments.append((name, record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class PipelineTyper(typer.Typer):
    """typer.Typer with plain help and :class:`PipelineCommand` for every command."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("rich_markup_mode", None)
        kwargs.setdefault("no_args_is_help", True)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        kwargs.setdefault("cls", PipelineCommand)
        return super().command(*args, **kwargs)


app = PipelineTyper(
    help="Offline translation pipeline for German press releases.",
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        stdout.print(f"pipeline {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """Offline translation pipeline for German press releases."""
    state["debug"] = debug


# ---------------------------------------------------------------------------
# Options every group uses

ProjectOption = Annotated[
    Path,
    typer.Option(
        "--project",
        help="Project folder, or any folder inside it (its pipeline.toml is looked up).",
        file_okay=False,
        metavar="DIR",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
JsonLinesOption = Annotated[bool, typer.Option("--json", help="Print one JSON object per line.")]
LangOption = Annotated[
    str | None,
    typer.Option("--lang", metavar="LANGS", help="Only these languages, comma-separated."),
]
LevelOption = Annotated[
    Level | None,
    typer.Option(
        "--level",
        help="sentence: split blocks into sentences; paragraph: one per block "
        "(default: pipeline.toml).",
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        metavar="ENCODING",
        help="Encoding of the release files (default: pipeline.toml).",
    ),
]
AbbreviationsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--abbreviations",
        help="Extra segmentation rules (TOML, like pipeline/segment/data/de.toml). Repeatable.",
        exists=True,
        dir_okay=False,
    ),
]
GlossaryOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--glossary",
        "-g",
        help="Glossary file (.csv, .tsv, .tbx); repeatable, the first one wins where they "
        "disagree. Default: the project's glossaries and the built-in radiology termbase.",
        dir_okay=False,
    ),
]
DeviceOption = Annotated[
    str | None,
    typer.Option(
        "--device",
        callback=lambda value: device_name(value),
        help="auto (CUDA where there is a GPU), cpu or cuda (default: pipeline.toml).",
    ),
]
ExecutorOption = Annotated[
    str | None,
    typer.Option(
        "--executor",
        callback=lambda value: executor_name(value),
        help="local (this process) or ray (Ray actors; the [ray] extra) (default: pipeline.toml).",
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        callback=lambda value: ray_address(value),
        help="With --executor ray: local (start Ray here), auto, or ray://head:10001.",
    ),
]
DeviceIndexOption = Annotated[
    int | None, typer.Option("--device-index", min=0, help="Which GPU, with --device cuda.")
]
ComputeTypeOption = Annotated[
    str | None,
    typer.Option(
        "--compute-type",
        callback=lambda value: compute_type(value),
        help="auto (int8 on a CPU, int8_float16/float16 on CUDA), int8, float32, … (CTranslate2).",
    ),
]
ModelsDirOption = Annotated[
    Path | None,
    typer.Option(
        "--models-dir",
        "--dir",
        help=f"Package directory (default: {MODELS_DIR_VARIABLE}, then pipeline.toml, then "
        "Argos Translate's own).",
        file_okay=False,
    ),
]


def load_project(directory: Path, overrides: Overrides | None = None) -> Project:
    """The project every command works on (see pipeline.project)."""
    return Project.load(directory, overrides)


def warn_outside(path: Path) -> None:
    """A project source that links outside the project: skipped, and said so."""
    stderr.print(
        f"[yellow]warning:[/] {escape(str(path))} is a link to a file outside the "
        "project and is skipped; name it on the command line to translate it anyway",
        highlight=False,
    )


# ---------------------------------------------------------------------------
# Parsing


def language_codes(value: str, option: str = "--to") -> tuple[str, ...]:
    """Comma-separated language codes, each checked."""
    codes = [code.strip() for code in value.split(",") if code.strip()]
    if not codes:
        raise typer.BadParameter("give at least one language", param_hint=option)
    for code in codes:
        if not is_language_code(code):
            raise typer.BadParameter(
                f"{code!r} is not a language code: use {CODE_RULE}", param_hint=option
            )
    return tuple(codes)


def optional_languages(value: str | None, option: str = "--lang") -> tuple[str, ...] | None:
    return language_codes(value, option) if value else None


def language_pair(source: str, target: str) -> tuple[str, str]:
    for code, name in ((source, "FROM"), (target, "TO")):
        if not is_language_code(code):
            raise typer.BadParameter(
                f"{code!r} is not a language code: use {CODE_RULE}", param_hint=name
            )
    return source, target


def no_nan(value: float | None) -> float | None:
    if value is not None and math.isnan(value):
        raise typer.BadParameter("must be a number between 0 and 1, not nan")
    return value


def device_name(value: str | None) -> str | None:
    if value is not None and value not in DEVICES:
        raise typer.BadParameter(f"{value!r} is not a device: use one of {', '.join(DEVICES)}")
    return value


def executor_name(value: str | None) -> str | None:
    if value is not None and value not in EXECUTORS:
        raise typer.BadParameter(f"{value!r} is not an executor: use {' or '.join(EXECUTORS)}")
    return value


def ray_address(value: str | None) -> str | None:
    problem = check_address(value) if value is not None else None
    if problem:
        raise typer.BadParameter(problem)
    return value


def compute_type(value: str | None) -> str | None:
    if value is not None and value not in COMPUTE_TYPES:
        raise typer.BadParameter(
            f"{value!r} is not a CTranslate2 compute type: use one of "
            + ", ".join(sorted(COMPUTE_TYPES))
        )
    return value


def comma_ids(value: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (value or "").split(",") if part.strip())


def po_files(paths: list[Path]) -> list[Path]:
    """The PO files named, or found in the folders named (templates aside)."""
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*.po")) if p.parent.name != "templates")
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("no such file or folder", path=path)
    return files


# ---------------------------------------------------------------------------
# Output


def print_json(document: object) -> None:
    """Reports print one JSON document."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def print_json_line(record: object) -> None:
    """Streams print one JSON object per line."""
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


def exit_if_unreadable(errors: list[PipelineError]) -> None:
    """Report the files a command could not read (it went on with the others): exit 3."""
    for error in errors:
        stderr.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False)
    if errors:
        raise typer.Exit(ExitCode.INPUT)


class RateColumn(ProgressColumn):
    """Segments per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} seg/s" if speed else "… seg/s", style="progress.data.speed")
