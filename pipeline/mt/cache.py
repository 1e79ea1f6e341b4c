"""Persistent translation cache (SQLite, WAL): a segment never reaches a model twice.

The key covers everything that decides the output: the model fingerprint(s) along the
pivot path, the decoding options and the masked source. Writes are transactions, so a
killed process leaves either the whole batch or none of it, and several processes may
share one cache file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pipeline.errors import InputError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    key TEXT PRIMARY KEY,
    route TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    created REAL NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID
"""
_NOTES_SEPARATOR = "\n"
_BUSY_TIMEOUT_MS = 30_000
_CHUNK = 500  # SQLite limits the number of host parameters in one statement


def cache_key(route: str, options: Mapping[str, object], source: str) -> str:
    """Stable key for one masked source under one route (models) and decoding options."""
    material = json.dumps([route, dict(sorted(options.items())), source], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class Cached(NamedTuple):
    target: str
    notes: tuple[str, ...] = ()  # what the engine noted when it made the translation


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    bytes: int
    routes: dict[str, int]


class TranslationCache:
    """A key → translation store shared by all runs of a project."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        """Open (and create) the cache; ``read_only`` opens an existing one without writing
        anything to the project, for dry runs."""
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            # immutable: no -shm or -wal file appears next to a WAL database
            uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
            self._db = sqlite3.connect(uri, uri=True)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000)
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            with self._db:
                self._db.execute(_SCHEMA)
                columns = {row[1] for row in self._db.execute("PRAGMA table_info(translations)")}
                if "notes" not in columns:  # a cache written by an earlier version
                    self._db.execute(
                        "ALTER TABLE translations ADD COLUMN notes TEXT NOT NULL DEFAULT ''"
                    )
        except (sqlite3.OperationalError, OSError) as error:
            raise InputError(
                f"the translation cache cannot be written ({error})",
                path=self.path,
                fix="make the project directory writable, or pass --no-cache",
            ) from None
        except sqlite3.DatabaseError as error:
            raise InputError(
                f"the translation cache cannot be opened ({error})",
                path=self.path,
                fix="delete the file (`pipeline cache clear` cannot open it either); "
                "it only holds machine translations that will be made again",
            ) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TranslationCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_many(self, keys: Iterable[str]) -> dict[str, Cached]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, Cached] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, target, notes FROM translations WHERE key IN ({marks})", chunk
            )
            for key, target, notes in rows:
                found[key] = Cached(target, tuple(filter(None, notes.split(_NOTES_SEPARATOR))))
        return found

    def put_many(self, entries: Iterable[tuple[str, ...]]) -> None:
        if self.read_only:
            return
        """Store (key, route, source, target[, notes]) rows in one transaction."""
        now = time.time()
        rows = []
        for key, route, source, target, *notes in entries:
            rows.append(
                (key, route, source, target, now, _NOTES_SEPARATOR.join(notes[0] if notes else ()))
            )
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO translations (key, route, source, target, created, notes)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    def stats(self) -> CacheStats:
        entries = self._db.execute("SELECT COUNT(*) FROM translations").fetchone()[0]
        routes = dict(
            self._db.execute("SELECT route, COUNT(*) FROM translations GROUP BY route").fetchall()
        )
        size = sum(
            candidate.stat().st_size
            for candidate in self.path.parent.glob(self.path.name + "*")
            if candidate.is_file()
        )
        return CacheStats(self.path, entries, size, routes)

    def clear(self) -> int:
        """Delete every entry; returns how many there were."""
        with self._db:
            removed = self._db.execute("DELETE FROM translations").rowcount
        self._db.execute("VACUUM")
        return removed
