"""File-system helpers: atomic writes, release discovery."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.document import FORMATS
from pipeline.errors import BusyError, InputError


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
        os.chmod(temporary, _mode_for(path))
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def _mode_for(path: Path) -> int:
    """The file's current permissions, or what a new file gets under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def read_utf8(path: Path, what: str, fix: str) -> str:
    """A file decoded as UTF-8 (a BOM is allowed); anything else is a located error."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"cannot read the {what} ({error.strerror})", path=path) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start}",
            path=path,
            where=f"line {line}",
            fix=fix,
        ) from None


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


@contextmanager
def project_lock(path: Path) -> Iterator[None]:
    """Hold the project's lock file; a second run on the same project is refused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BusyError(
                f"another pipeline run is working on this project (process {holder})",
                path=path,
                fix="wait for it to finish; the lock is released when that process ends",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
