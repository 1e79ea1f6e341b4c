"""File-system helpers: atomic writes, release discovery, the project lock."""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import ModuleType

from filelock import FileLock, Timeout

from pipeline.document import FORMATS
from pipeline.errors import BusyError, InputError

# Where there is no flock (Windows), a temporary file counts as stale once it is this old.
STALE_AFTER_SECONDS = 3600


def _flock() -> ModuleType | None:
    """The fcntl module where the platform has flock (POSIX), else None (Windows).

    Imported here, not at module level, so the package imports everywhere.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return None
    return fcntl if hasattr(fcntl, "flock") else None


def atomic_write(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Returns False (and leaves the file alone, timestamp included) when it already holds
    exactly these bytes. The temporary file (``.<name>.<random>.tmp`` next to ``path``) is
    locked (flock, on POSIX) while it is written, so :func:`remove_stale_temporaries` can
    tell the one a killed process left behind from one being written. Without flock the
    file is renamed after it is closed (Windows cannot rename an open file) and only its
    age tells a stale one (see :data:`STALE_AFTER_SECONDS`).
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
        fcntl = _flock()
        try:
            with os.fdopen(handle, "wb") as stream:
                if fcntl is not None:
                    fcntl.flock(stream, fcntl.LOCK_EX)
                os.chmod(temporary, _mode_for(path))
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
                if fcntl is not None:
                    os.replace(temporary, path)  # still locked: never taken for a stale one
            if fcntl is None:
                os.replace(temporary, path)
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
    Without flock (Windows) a file counts as stale when it is older than
    :data:`STALE_AFTER_SECONDS`. Returns the removed files.
    """
    fcntl = _flock()
    removed: list[Path] = []
    for folder in folders:
        for directory, _, names in sorted(os.walk(folder)):  # links to folders not followed
            for name in sorted(names):
                path = Path(directory, name)
                if not _TEMPORARY.fullmatch(name) or path.is_symlink() or not path.is_file():
                    continue
                try:
                    if fcntl is None:
                        if time.time() - path.stat().st_mtime < STALE_AFTER_SECONDS:
                            continue  # may be being written
                        path.unlink()
                    else:
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
    """Hold the project's lock file; a second run on the same project is refused.

    The lock is a :class:`filelock.FileLock` (flock on POSIX, LockFileEx on Windows), so
    it is released when the holding process ends, however it ends. The holder writes its
    process id into the file for the message a refused run prints.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0)  # one attempt: a busy project is refused at once
    try:
        lock.acquire()
    except Timeout:
        holder = ""
        with suppress(OSError, UnicodeDecodeError):  # Windows cannot read a locked byte
            holder = path.read_text(encoding="utf-8").strip()
        holder = holder or "another process"
        raise BusyError(
            f"another pipeline run is working on this project (process {holder})",
            path=path,
            fix="wait for it to finish; the lock is released when that process ends",
        ) from None
    try:
        with suppress(OSError), open(path, "r+", encoding="utf-8") as handle:
            handle.write(str(os.getpid()))  # the lock truncated the file when it was taken
        yield
    finally:
        lock.release()
