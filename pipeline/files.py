"""File-system helpers: atomic writes, release discovery."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pipeline.document import FORMATS
from pipeline.errors import InputError


def atomic_write(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Returns False (and leaves the file alone, timestamp included) when it already holds
    exactly these bytes.
    """
    path = Path(path)
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def find_releases(paths: Iterable[Path]) -> list[Path]:
    """Release files named directly, or found (recursively, sorted) in directories."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(
                sorted(
                    candidate
                    for candidate in path.rglob("*")
                    if candidate.is_file()
                    and candidate.suffix.lower() in FORMATS
                    and not candidate.name.startswith(".")
                )
            )
        elif path.exists():
            found.append(path)
        else:
            raise InputError("no such file or directory", path=path, fix="check the path")
    return list(dict.fromkeys(found))
