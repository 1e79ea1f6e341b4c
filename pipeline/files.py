"""File-system helpers: atomic writes, release discovery, the project lock."""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.document import FORMATS
from pipeline.errors import BusyError, InputError


def atomic_write(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Returns False (and leaves the file alone, timestamp included) when it already holds
    exactly these bytes. The temporary file (``.<name>.<random>.tmp`` next to ``path``) is
    locked while it is written, so :func:`remove_stale_temporaries` can tell the one a
    killed process left behind from one being written.
    """
    path = Path(path)
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                fcntl.flock(stream, fcntl.LOCK_EX)
                os.chmod(temporary, _mode_for(path))
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
                os.replace(temporary, path)  # still locked: never taken for a stale one
            return True
        except FileNotFoundError:
            # removed as stale in the instant before it was locked: write it again
            if attempt == 2 or not path.parent.is_dir():
                raise
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    raise AssertionError("unreachable")  # pragma: no cover


# mkstemp's names: the prefix, 8 characters of its alphabet, the suffix.
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def remove_stale_temporaries(folders: Iterable[Path]) -> list[Path]:
    """Remove the temporary files of :func:`atomic_write` that an interrupted or killed
    process left in ``folders`` (recursively); files being written are locked and stay.

    Only names of atomic_write's pattern (``.<name>.<8 characters>.tmp``) are touched.
    Returns the removed files.
    """
    removed: list[Path] = []
    for folder in folders:
        for directory, _, names in sorted(os.walk(folder)):  # links to folders not followed
            for name in sorted(names):
                path = Path(directory, name)
                if not _TEMPORARY.fullmatch(name) or path.is_symlink() or not path.is_file():
                    continue
                try:
                    with open(path, "rb") as stream:
                        fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        path.unlink()
                except (BlockingIOError, FileNotFoundError, PermissionError):
                    continue  # being written, already gone, or not ours to remove
                removed.append(path)
    return removed


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
