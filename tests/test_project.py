"""Project hygiene: CI runs the README's commands, and the code passes ruff."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_readme_quick_start_has_two_commands_run_verbatim_by_ci() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert "pipeline run" in commands[0]
    assert commands[1] == "scripts/test"  # installs what the tests need, then runs pytest
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert [line for line in ci_lines if line in commands] == commands


@pytest.mark.parametrize("arguments", [["check", "."], ["format", "--check", "."]])
def test_ruff(arguments: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_written_files_get_normal_permissions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    from pipeline.files import atomic_write

    umask = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.txt", b"x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
        (tmp_path / "kept.txt").write_bytes(b"a")
        (tmp_path / "kept.txt").chmod(0o640)
        atomic_write(tmp_path / "kept.txt", b"b")
        assert (tmp_path / "kept.txt").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
