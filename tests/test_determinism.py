"""Deterministic output: the same project state gives the same bytes, whatever the run history.

A run that is interrupted (Ctrl-C or SIGKILL) at any moment and then finished leaves the
same files, byte for byte and header dates included, as one uninterrupted run from the
same start; an unchanged project is a fixed point of ``run --full``; and the temporary
files of interrupted atomic writes are removed by the next run.
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.files import atomic_write, remove_stale_temporaries
from pipeline.layout import Layout
from pipeline.po.catalog import Catalog, Entry
from pipeline.po.merge import Memory, TranslationMemory
from tests.conftest import ROOT, write_tiny_project_config
from tests.test_po import poedit_review as review

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import generate_releases

# Seeded: the same kill moments on every CI run, new ones on every local run.
SEED = 11 if os.environ.get("CI") else random.randrange(1_000_000)
BOILERPLATE = (
    "Die Deutsche Röntgengesellschaft vertritt die Radiologie in Deutschland.\n\n"
    "Weitere Informationen finden Sie auf der Website der Gesellschaft.\n"
)


def write_project(root: Path, packages: Path, releases: int = 6) -> Path:
    (root / "releases").mkdir(parents=True)
    for number, text in enumerate(generate_releases(releases, seed=5)):
        (root / "releases" / f"r{number}.md").write_text(text + "\n" + BOILERPLATE)
    write_tiny_project_config(root, packages)
    return root


def run_in_process(project: Path, *args: str) -> None:
    result = CliRunner().invoke(app, ["run", "--project", str(project), *args])
    assert result.exit_code in (0, 1), result.output


def snapshot(project: Path) -> dict[str, bytes]:
    """Every file the runs write, by path: locales/ and the state file."""
    files = {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in sorted((project / "locales").rglob("*"))
        if path.is_file()
    }
    state = Layout(project).state
    files[".pipeline/state.json"] = state.read_bytes() if state.exists() else b""
    return files


def leftovers(project: Path) -> list[Path]:
    return [p for p in project.rglob("*.tmp") if p.is_file()]


@pytest.fixture
def start(tmp_path: Path, tiny_packages: Path) -> Path:
    """A project mid-life: reviewed PO files for some releases, new releases without any
    (a run has machine translation to do), and an edited release."""
    project = write_project(tmp_path / "start", tiny_packages)
    releases = sorted((project / "releases").glob("*.md"))
    for extra in releases[3:]:
        extra.rename(extra.with_suffix(".later"))
    run_in_process(project)
    boilerplate = "Die Deutsche Röntgengesellschaft vertritt die Radiologie in Deutschland."
    website = "Weitere Informationen finden Sie auf der Website der Gesellschaft."
    layout = Layout(project)
    # two releases approve the same German differently; a third approves another sentence
    review(layout.po_file("en", "r2"), {boilerplate: "The DRG represents radiology."}, "ok")
    review(layout.po_file("en", "r1"), {boilerplate: "The German Roentgen Society speaks."})
    review(layout.po_file("fr", "r0"), {website: "Plus d'informations sur le site."})
    for extra in releases[3:]:
        extra.with_suffix(".later").rename(extra)
    edited = releases[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace(website, ""), encoding="utf-8")
    return project


def pipeline_run(project: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "pipeline", "run", "--project", str(project)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def written_since(project: Path, moment: int) -> int:
    """How many files under locales/ were written after ``moment`` (ns)."""
    count = 0
    for path in (project / "locales").rglob("*"):
        try:
            count += path.stat().st_mtime_ns > moment
        except FileNotFoundError:
            continue  # a temporary file, renamed meanwhile
    return count


def interrupt(project: Path, how: signal.Signals, after_files: int, after_seconds: float) -> str:
    """Run the pipeline and send ``how`` once it has written ``after_files`` files (0: at
    ``after_seconds``); what happened, for the failure message."""
    moment = time.time_ns()
    process = pipeline_run(project)
    began = time.perf_counter()
    while process.poll() is None:
        if after_files and written_since(project, moment) >= after_files:
            break
        if not after_files and time.perf_counter() - began >= after_seconds:
            break
        time.sleep(0.002)
    if process.poll() is None:
        process.send_signal(how)
    plan = f"after {after_files} files" if after_files else f"at {after_seconds:.2f} s"
    return f"{how.name} {plan}: exit {process.wait(timeout=60)}"


def test_an_interrupted_run_finished_later_gives_the_same_bytes(
    start: Path, tmp_path: Path
) -> None:
    clean = Path(shutil.copytree(start, tmp_path / "clean", symlinks=True))
    history = Path(shutil.copytree(start, tmp_path / "history", symlinks=True))
    began = time.perf_counter()
    assert pipeline_run(clean).wait(timeout=120) in (0, 1)
    duration = time.perf_counter() - began
    expected = snapshot(clean)
    rng = random.Random(SEED)
    kills = [
        # during start-up or machine translation, then in the middle of writing files
        interrupt(history, signal.SIGINT, 0, rng.uniform(0.3, 0.8) * duration),
        interrupt(history, signal.SIGKILL, rng.randint(1, 8), 0),
        interrupt(history, signal.SIGINT, rng.randint(1, 8), 0),
        interrupt(history, signal.SIGKILL, rng.randint(1, 8), 0),
    ]
    run_in_process(history)
    message = f"seed {SEED}; {'; '.join(kills)}"
    got = snapshot(history)
    assert sorted(got) == sorted(expected), message
    differing = [name for name in expected if got[name] != expected[name]]
    assert not differing, f"{message}: {differing}"
    assert not leftovers(history), message
    # and the result is a fixed point: a full run on it rewrites nothing
    files = sorted(p for p in (history / "locales").rglob("*") if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    run_in_process(history, "--full")
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before


def test_a_full_run_on_an_unchanged_project_rewrites_nothing(start: Path) -> None:
    run_in_process(start)
    files = sorted(p for p in (start / "locales").rglob("*") if p.is_file())
    before = {p: p.read_bytes() for p in files}
    run_in_process(start, "--full")
    changed = [p.name for p in files if p.read_bytes() != before[p]]
    assert not changed


def test_the_memory_offers_the_same_match_whatever_order_it_met_the_files() -> None:
    memories = [
        Memory("Die DRG tagt.", "The DRG meets.", "locales/en/b.po"),
        Memory("Die DRG tagt.", "The DRG convenes.", "locales/en/a.po"),
        Memory("Die DRG tagt.", "The DRG met.", "locales/en/0.po", obsolete=True),
        Memory("Die DRG tagte.", "The DRG met.", "locales/en/c.po"),
        Memory("Die DRG tagt!", "The DRG meets!", "locales/en/d.po"),
    ]
    for order in (memories, memories[::-1], memories[2:] + memories[:2]):
        tm = TranslationMemory(order)
        exact = tm.lookup("Die DRG tagt.")
        assert exact is not None and (exact.text, exact.detail) == (
            "The DRG convenes.",
            "exact match, locales/en/a.po",
        )
        close = tm.lookup("Die DRG tagt?", threshold=0.5)
        assert close is not None and close.previous_msgid == "Die DRG tagt!"


def test_exact_matches_the_pipeline_copied_are_not_sources() -> None:
    source = Entry("Die DRG tagt.", "The DRG meets.", extracted=("origin: reviewed",))
    copied = ("origin: TM exact match, locales/en/b.po",)
    copy = Entry("Die DRG tagt.", "The DRG meets.", extracted=copied)
    catalogs = [("a", copy), ("b", source)]
    tm = TranslationMemory.from_catalogs(
        (Path(f"locales/en/{name}.po"), Catalog(entries=(entry,))) for name, entry in catalogs
    )
    found = tm.lookup("Die DRG tagt.", exclude="en/c.po")
    assert found is not None and found.detail == "exact match, locales/en/b.po"


# --- temporary files of interrupted writes ------------------------------------------


def test_the_next_run_removes_temporary_files_a_killed_run_left(
    tmp_path: Path, tiny_packages: Path
) -> None:
    project = write_project(tmp_path / "p", tiny_packages, releases=1)
    run_in_process(project)
    layout = Layout(project)
    stale = [
        layout.locales / "en" / ".r0.po.k3j_x9a2.tmp",
        layout.locales / "en" / ".r0.suggestions.json.abcdefgh.tmp",
        layout.locales / "templates" / ".r0.pot.0a1b2c3d.tmp",
        layout.state.parent / ".state.json.zz99yy88.tmp",
        layout.out / "en" / ".r0.md.q1w2e3r4.tmp",
    ]
    kept = [
        layout.locales / "en" / ".notes.tmp",  # not atomic_write's pattern
        layout.locales / "en" / "r0.po.abcdefgh.tmp",  # no leading dot
        layout.locales / "en" / ".r0.po.abc.tmp",  # not 8 random characters
        project / "releases" / ".r0.md.abcdefgh.tmp",  # not an output folder
    ]
    for path in stale + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("partial")
    busy = layout.locales / "fr" / ".r0.po.busybusy.tmp"  # another process is writing it
    busy.write_text("partial")
    with open(busy, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        run_in_process(project)
        assert busy.exists()
    assert [path for path in stale if path.exists()] == []
    assert all(path.exists() for path in kept)
    assert remove_stale_temporaries([layout.locales]) == [busy]


def test_atomic_write_survives_its_temporary_file_being_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next run may take a temporary file for stale in the instant before it is locked."""
    target = tmp_path / "a.po"
    real_replace = os.replace
    vanished = []

    def racing_replace(source: str, destination: Path) -> None:
        if not vanished:  # the first temporary file is removed before the rename
            vanished.append(source)
            os.unlink(source)
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", racing_replace)
    assert atomic_write(target, b"data")
    assert target.read_bytes() == b"data" and vanished
    assert not list(tmp_path.glob(".*.tmp"))
