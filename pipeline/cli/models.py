"""`pipeline models …`: the Argos Translate packages of the project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipeline.cli.base import (
    JsonOption,
    ModelsDirOption,
    PipelineTyper,
    ProjectOption,
    app,
    language_pair,
    load_project,
    print_json,
)
from pipeline.console import reports_errors, stderr, stdout
from pipeline.errors import PipelineError
from pipeline.mt import packages
from pipeline.mt.probe import cached_report, probe_cached
from pipeline.project import Overrides, Project

models_app = PipelineTyper(help="Manage Argos Translate packages.")
app.add_typer(models_app, name="models")

IndexOption = Annotated[
    str, typer.Option("--index-url", help="The Argos package index (index.json).")
]


def _models_dir(project: Path, directory: Path | None) -> Path:
    """The package directory: --dir, else the project's (environment, pipeline.toml)."""
    return _settings(project, directory).models_dir


def _settings(project: Path, directory: Path | None) -> Project:
    return load_project(project, Overrides(models_dir=directory, no_glossary=True))


@models_app.command("list")
@reports_errors
def models_list(
    directory: ModelsDirOption = None,
    project: ProjectOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Show the installed packages: pair, version, size, path.

    Example: pipeline models list
    """
    settings = _settings(project, directory)
    folder = settings.models_dir
    installed = packages.list_packages(folder)
    verdicts = {
        p.path: cached_report(p, settings.decoding, settings.layout.probes) for p in installed
    }
    if as_json:
        print_json(
            [
                p.as_dict() | {"probe": (report.verdict.summary if report else None)}
                for p, report in zip(installed, verdicts.values(), strict=True)
            ]
        )
        return
    stdout.print(f"Installed packages in {escape(str(folder))}", highlight=False, soft_wrap=True)
    table = Table()
    for column in ("pair", "version", "size", "probe", "path"):
        table.add_column(
            column, justify="right" if column == "size" else "left", no_wrap=column != "path"
        )
    for package in installed:
        size = f"{package.size / 1024**2:.1f} MB"
        report = verdicts[package.path]
        verdict = report.verdict.summary if report else "not probed: pipeline models check"
        table.add_row(
            package.pair, package.version, size, escape(verdict), escape(str(package.path))
        )
    stdout.print(table)
    if not installed:
        stdout.print("No packages installed. Install one with `pipeline models install de en`.")
    for problem in packages.broken_packages(folder):
        stderr.print(f"[yellow]warning:[/] {problem}", highlight=False)
        stderr.print("  fix: delete that directory, then install the package again")


@models_app.command("available")
@reports_errors
def models_available(
    index_url: IndexOption = packages.DEFAULT_INDEX_URL,
    as_json: JsonOption = False,
) -> None:
    """List the packages of the Argos package index (needs the network).

    Example: pipeline models available
    """
    listed = packages.available_packages(index_url)
    if as_json:
        print_json([{"from": p.from_code, "to": p.to_code, "version": p.version} for p in listed])
        return
    table = Table(title="Argos package index")
    table.add_column("pair")
    table.add_column("version")
    for package in listed:
        table.add_row(f"{package.from_code}→{package.to_code}", package.version)
    stdout.print(table)


@models_app.command("install")
@reports_errors
def models_install(
    pair: Annotated[
        list[str] | None, typer.Argument(help="FROM TO language codes, e.g. de en.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Install a downloaded .argosmodel file (offline).", dir_okay=False
        ),
    ] = None,
    directory: ModelsDirOption = None,
    project: ProjectOption = Path("."),
    index_url: IndexOption = packages.DEFAULT_INDEX_URL,
) -> None:
    """Install a package: FROM TO from the Argos index (network), or --file X.argosmodel.

    Examples: pipeline models install de en; pipeline models install --file de_en.argosmodel
    """
    if pair is not None and len(pair) != 2:
        raise typer.BadParameter("give two language codes, FROM and TO (e.g. de en)")
    expected = language_pair(pair[0], pair[1]) if pair else None
    if file is None and expected is None:
        raise typer.BadParameter("give FROM TO, or --file X.argosmodel")
    target = _models_dir(project, directory)
    if file is not None:
        installed = packages.install_file(file, target, expected)
    else:
        assert expected is not None
        stderr.print(f"downloading the {expected[0]}→{expected[1]} package from {index_url}")
        installed = packages.install_from_index(expected[0], expected[1], target, index_url)
    stdout.print(f"installed {installed.pair} {installed.version} in {installed.path}")
    settings = _settings(project, directory)
    try:
        report = probe_cached(installed, settings.decoding, settings.layout.probes)
    except PipelineError as error:  # installed and loadable; only the probe failed
        stderr.print(f"[yellow]warning:[/] the package was not probed: {escape(error.message)}")
        return
    stdout.print(
        f"probe: {escape(report.verdict.summary)} (details: pipeline models check "
        f"{installed.from_code} {installed.to_code})",
        highlight=False,
    )


@models_app.command("remove")
@reports_errors
def models_remove(
    source: Annotated[str, typer.Argument(help="Source language code.")],
    target: Annotated[str, typer.Argument(help="Target language code.")],
    directory: ModelsDirOption = None,
    project: ProjectOption = Path("."),
) -> None:
    """Remove an installed package.

    Example: pipeline models remove de en
    """
    folder = _models_dir(project, directory)
    removed = packages.remove_package(folder, *language_pair(source, target))
    stdout.print(f"removed {removed.pair} from {removed.path}")
