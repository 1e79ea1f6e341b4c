"""Hygiene: the test command, ignored run outputs, the license, a portable project lock."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import files
from pipeline.errors import BusyError
from pipeline.files import atomic_write, project_lock, remove_stale_temporaries
from tests.conftest import ROOT

# --- the test command ---------------------------------------------------------------


def test_the_test_command_is_scripts_test_and_ci_runs_it() -> None:
    script = ROOT / "scripts" / "test"
    assert os.access(script, os.X_OK)
    text = script.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert '.venv/bin/pytest "$@"' in text
    assert "apt-get install" in text and "sudo" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [line for line in ci if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == [
        "python3.11 -m venv .venv && .venv/bin/pip install . && .venv/bin/pipeline run",
        "scripts/test",
    ]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_scripts_test_is_valid_bash() -> None:
    result = subprocess.run(
        ["bash", "-n", str(ROOT / "scripts" / "test")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_license_is_mit() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 release-pipeline contributors" in text


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)
@pytest.mark.parametrize(
    "path",
    [
        ".pipeline/mt-cache.sqlite3",
        ".pipeline/lock",
        "out/report.html",
        "out/en/sample.md",
        "report.html",
        "locales/en/sample.po~",
        "build/lib/x.py",
    ],
)
def test_what_a_run_writes_is_ignored_by_git(path: str) -> None:
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", path], cwd=ROOT, check=False
    )
    assert result.returncode == 0, f"{path} is not ignored"


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)
def test_the_translation_cache_is_not_tracked() -> None:
    result = subprocess.run(
        ["git", "ls-files", ".pipeline"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout == ""


# --- the project lock -------------------------------------------------------------------


def test_two_locks_on_one_project_conflict_and_release_makes_it_free(tmp_path: Path) -> None:
    lock = tmp_path / ".pipeline" / "lock"
    with project_lock(lock):
        with pytest.raises(BusyError) as refused, project_lock(lock):
            pass  # pragma: no cover
        assert f"process {os.getpid()}" in str(refused.value)
        assert "another pipeline run is working on this project" in str(refused.value)
    with project_lock(lock):  # released: free again
        pass
    with project_lock(tmp_path / "other" / "lock"), project_lock(lock):  # other projects
        pass


def test_the_lock_is_refused_to_another_process(tmp_path: Path) -> None:
    lock = tmp_path / "lock"
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.errors import BusyError\n"
        "from pipeline.files import project_lock\n"
        "try:\n"
        "    with project_lock(Path(sys.argv[1])):\n"
        "        sys.exit(0)\n"
        "except BusyError as error:\n"
        "    print(error)\n"
        "    sys.exit(6)\n"
    )
    command = [sys.executable, "-c", code, str(lock)]
    with project_lock(lock):
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 6, result.stderr
        assert f"process {os.getpid()}" in result.stdout
    assert subprocess.run(command, capture_output=True, cwd=ROOT).returncode == 0


def test_the_files_module_imports_without_fcntl() -> None:
    """As on Windows: no fcntl at import time."""
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "sys.modules['fcntl'] = None\n"
        "import pipeline.files\n"
        "assert pipeline.files._flock() is None\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_without_flock_temporaries_are_stale_by_age(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "_flock", lambda: None)
    assert atomic_write(tmp_path / "a.po", b"x")
    assert (tmp_path / "a.po").read_bytes() == b"x"
    fresh = tmp_path / ".a.po.abcdefgh.tmp"
    old = tmp_path / ".a.po.12345678.tmp"
    fresh.write_text("being written")
    old.write_text("left behind")
    hours_ago = time.time() - files.STALE_AFTER_SECONDS - 60
    os.utime(old, (hours_ago, hours_ago))
    assert remove_stale_temporaries([tmp_path]) == [old]
    assert fresh.exists()
