"""The one place that knows where a project keeps its files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    root: Path
    locales_name: str = "locales"
    out_name: str = "out"

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    @property
    def out(self) -> Path:
        return self.root / self.out_name

    @property
    def cache(self) -> Path:
        """The translation cache (machine output only: safe to delete)."""
        return self.root / ".pipeline" / "mt-cache.sqlite3"

    @property
    def locales(self) -> Path:
        return self.root / self.locales_name

    @property
    def state(self) -> Path:
        """What the last run saw (for incremental runs): safe to delete."""
        return self.root / ".pipeline" / "state.json"

    @property
    def probes(self) -> Path:
        """What `pipeline models check` measured of each package: safe to delete."""
        return self.root / ".pipeline" / "probes"

    @property
    def lock(self) -> Path:
        return self.root / ".pipeline" / "lock"

    def pot_file(self, stem: str) -> Path:
        return self.locales / "templates" / f"{stem}.pot"

    def po_file(self, language: str, stem: str) -> Path:
        return self.locales / language / f"{stem}.po"

    def suggestions_file(self, language: str, stem: str) -> Path:
        """The suggestions exported for review, kept to measure MT quality later."""
        return self.locales / language / f"{stem}.suggestions.json"

    def built_file(self, language: str, name: str) -> Path:
        return self.out / language / name
