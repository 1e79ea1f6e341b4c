"""`pipeline models check`: what each installed package can do, and what the engine does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from pipeline.cli.base import (
    JsonOption,
    ModelsDirOption,
    ProjectOption,
    language_pair,
    load_project,
    print_json,
)
from pipeline.cli.models import models_app
from pipeline.console import reports_errors, stdout
from pipeline.mt import packages
from pipeline.mt.probe import CharacterEffect, ProbeReport, probe_cached
from pipeline.project import Overrides


@models_app.command("check")
@reports_errors
def models_check(
    pair: Annotated[
        list[str] | None,
        typer.Argument(help="FROM TO language codes, e.g. de en (default: every package)."),
    ] = None,
    directory: ModelsDirOption = None,
    project: ProjectOption = Path("."),
    as_json: JsonOption = False,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Probe again, ignoring the cached reports.")
    ] = False,
) -> None:
    """Probe packages: tokenizer, placeholder forms, copy rates, and the chosen strategy.

    Reports are cached in .pipeline/probes/ by package fingerprint and decoding options.
    Example: pipeline models check de en
    """
    if pair is not None and len(pair) not in (0, 2):
        raise typer.BadParameter("give two language codes, FROM and TO (e.g. de en)")
    settings = load_project(project, Overrides(models_dir=directory, no_glossary=True))
    folder = settings.models_dir
    if pair:
        source, target = language_pair(pair[0], pair[1])
        found = packages.find_package(folder, source, target)
        if found is None:
            raise packages.ModelError(
                f"no package installed for {source}→{target}",
                path=folder,
                fix=f"pipeline models install {source} {target} (see `pipeline models list`)",
            )
        chosen = [found]
    else:
        chosen = packages.list_packages(folder)
    cache_dir = settings.layout.probes
    reports = [
        probe_cached(package, settings.decoding, cache_dir, refresh=fresh) for package in chosen
    ]
    if as_json:
        print_json(
            {
                "models_dir": str(folder),
                "packages": [{**report.as_dict(), "cached": report.cached} for report in reports],
            }
        )
        return
    for report in reports:
        stdout.print(report_table(report))
    if not reports:
        stdout.print(f"No packages installed in {folder}.")


def report_table(report: ProbeReport) -> Table:
    """One package's findings and verdict, with the reasons."""
    origin = "cached" if report.cached else f"{report.decoded} sentences decoded"
    table = Table(
        title=f"{report.pair_name} {report.version} ({report.fingerprint}, {origin})",
    )
    table.add_column("check")
    table.add_column("finding", overflow="fold")
    facts = report.tokenizer
    decoded_on = f"{report.options.get('device', 'cpu')}, {report.options.get('compute_type')}"
    rows = [
        ("decoded on", decoded_on),
        ("tokenizer", str(facts.kind)),
        ("vocabulary", f"{facts.vocabulary_size:,}"),
        ("normalisation", facts.normalization or "none"),
        ("byte fallback", "yes" if facts.byte_fallback else "no"),
        ("user symbols", " ".join(facts.user_symbols) or "none"),
    ]
    if facts.character_coverage is not None:
        rows.append(("character coverage", f"{facts.character_coverage:g}"))
    if facts.bpe_merges is not None:
        rows.append(("BPE merges", f"{facts.bpe_merges:,}"))
    for effect in (CharacterEffect.CHANGED, CharacterEffect.UNKNOWN):
        found = [c for c in report.characters if c.effect is effect]
        shown = ", ".join(
            c.label if c.decoded == c.character else f"{c.label} → {c.decoded!r}" for c in found
        )
        rows.append((f"characters {effect}", shown or "none"))
    as_bytes = sum(c.effect is CharacterEffect.BYTES for c in report.characters)
    if as_bytes:
        rows.append(("characters as bytes", f"{as_bytes} of {len(report.characters)}"))
    for finding in report.forms:
        rows.append((f"placeholder {finding.form}", finding.describe()))
    for kind, rate in report.copies.items():
        rows.append((f"copied: {kind}", rate.describe()))
    verdict = report.verdict
    rows.append(("verdict: placeholder", verdict.placeholder or "none (plain text, verified)"))
    rows.append(("verdict: terms", str(verdict.term_strategy)))
    rows.append(("plain text safe", ", ".join(map(str, verdict.plain_text)) or "none"))
    for check, finding in rows:
        style = "bold" if check.startswith("verdict") else ""
        table.add_row(Text(check, style=style), Text(finding, style=style))
    table.add_section()
    forms = tuple(f"{finding.form}:" for finding in report.forms)
    decisions = [reason for reason in verdict.reasons if not reason.startswith(forms)]
    table.add_row(Text("why"), Text("\n".join(decisions)))
    return table
