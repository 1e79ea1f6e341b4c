"""The one place that knows where a project keeps its files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def cache(self) -> Path:
        """The translation cache (machine output only: safe to delete)."""
        return self.root / ".pipeline" / "mt-cache.sqlite3"

    def segments_file(self, stem: str) -> Path:
        return self.out / "segments" / f"{stem}.jsonl"
