"""The translation cache: keys, persistence, concurrent writers, killed processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.mt.cache import TranslationCache, cache_key


def test_key_covers_route_options_and_source() -> None:
    base = cache_key("de-en@abc", {"beam_size": 4}, "Hallo.")
    assert base == cache_key("de-en@abc", {"beam_size": 4}, "Hallo.")
    assert base != cache_key("de-en@abd", {"beam_size": 4}, "Hallo.")
    assert base != cache_key("de-en@abc", {"beam_size": 2}, "Hallo.")
    assert base != cache_key("de-en@abc", {"beam_size": 4}, "Hallo!")


def test_round_trip_and_persistence(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    with TranslationCache(path) as cache:
        cache.put_many([("k1", "de-en", "Hallo.", "Hello."), ("k2", "de-en", "Ja.", "Yes.")])
    with TranslationCache(path) as cache:
        assert cache.get_many(["k1", "k2", "k3"]) == {"k1": ("Hello.", ()), "k2": ("Yes.", ())}
        cache.put_many([("k4", "de-en", "Ja.", "Yes.", ("a note", "another"))])
        assert cache.get_many(["k4"])["k4"].notes == ("a note", "another")
        stats = cache.stats()
        assert stats.entries == 3 and stats.routes == {"de-en": 3} and stats.bytes > 0
        assert cache.clear() == 3
        assert cache.get_many(["k1"]) == {}


def test_many_keys_in_one_lookup(tmp_path: Path) -> None:
    with TranslationCache(tmp_path / "c.sqlite3") as cache:
        cache.put_many((f"k{i}", "r", f"s{i}", f"t{i}") for i in range(2000))
        assert len(cache.get_many(f"k{i}" for i in range(2500))) == 2000


def test_a_corrupt_cache_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match="cannot be opened"):
        TranslationCache(path).stats()


WRITER = textwrap.dedent(
    """
    import sys
    from pipeline.mt.cache import TranslationCache
    cache = TranslationCache(sys.argv[1])
    name = sys.argv[2]
    print("ready", flush=True)
    for batch in range(10_000):
        cache.put_many((f"{name}-{batch}-{i}", name, "s", "t") for i in range(50))
    """
)


def _wait_until_both_wrote(path: Path, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with TranslationCache(path) as cache:
            if len(cache.stats().routes) == 2:
                return
        time.sleep(0.2)
    raise AssertionError("the writers wrote nothing")


def test_concurrent_writers_and_a_killed_writer_leave_a_consistent_cache(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    TranslationCache(path).close()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name],
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    _wait_until_both_wrote(path)
    for writer in writers:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    with TranslationCache(path) as cache:
        stats = cache.stats()
        assert set(stats.routes) == {"a", "b"}
        assert all(count % 50 == 0 for count in stats.routes.values())  # whole batches only
    check = sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0]
    assert check == "ok"


def test_cache_commands(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.layout import Layout

    with TranslationCache(Layout(tmp_path).cache) as cache:
        cache.put_many([("k1", "de-en", "Hallo.", "Hello.")])
    runner = CliRunner()
    stats = runner.invoke(app, ["cache", "stats", "--project", str(tmp_path), "--json"])
    assert stats.exit_code == 0, stats.output
    assert '"entries": 1' in stats.stdout
    cleared = runner.invoke(app, ["cache", "clear", "--project", str(tmp_path)])
    assert "removed 1" in cleared.stdout


def test_an_unwritable_cache_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(InputError, match="cannot be written") as caught:
        TranslationCache(blocker / "cache" / "mt.sqlite3")
    assert "--no-cache" in (caught.value.fix or "")


def test_a_cache_from_before_notes_is_upgraded(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE translations (key TEXT PRIMARY KEY, route TEXT NOT NULL, "
            "source TEXT NOT NULL, target TEXT NOT NULL, created REAL NOT NULL) WITHOUT ROWID"
        )
        db.execute("INSERT INTO translations VALUES ('k', 'de-en', 'Ja.', 'Yes.', 0)")
    db.close()
    with TranslationCache(path) as cache:
        assert cache.get_many(["k"]) == {"k": ("Yes.", ())}
