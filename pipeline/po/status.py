"""Review progress: per release and language, what reviewers approved and what is left."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.layout import Layout
from pipeline.po.catalog import Entry
from pipeline.po.notes import EntryState
from pipeline.po.reader import read_catalog

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ReviewProgress:
    release: str
    language: str
    file: Path
    reviewed: int
    reviewed_words: int
    fuzzy: int  # machine or memory suggestions no reviewer has approved yet
    fuzzy_words: int
    untranslated: int
    untranslated_words: int
    obsolete: int

    @property
    def total(self) -> int:
        return self.reviewed + self.fuzzy + self.untranslated

    @property
    def percent_reviewed(self) -> float:
        return 100.0 * self.reviewed / self.total if self.total else 100.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"file": str(self.file), "total": self.total}


def review_status(
    layout: Layout, languages: list[str] | None = None, errors: list[PipelineError] | None = None
) -> list[ReviewProgress]:
    """Progress of every readable PO file under ``locales/`` (optionally only some
    languages). A file that cannot be read is left out, and its error (file and line)
    added to ``errors`` when given, so one broken file never hides the others."""
    results = []
    for language, path in progress_files(layout, languages):
        try:
            entries = read_catalog(path).entries
        except PipelineError as error:
            if errors is not None:
                errors.append(error)
            continue
        results.append(catalog_progress(path, language, entries))
    return results


def progress_files(layout: Layout, languages: list[str] | None = None) -> list[tuple[str, Path]]:
    """(language, PO file) of what :func:`review_status` reads: ``locales/<lang>/*.po``
    in order, templates aside, optionally only some languages."""
    if not layout.locales.is_dir():
        return []
    return [
        (directory.name, path)
        for directory in sorted(p for p in layout.locales.iterdir() if p.is_dir())
        if directory.name != "templates" and not (languages and directory.name not in languages)
        for path in sorted(directory.glob("*.po"))
    ]


def catalog_progress(path: Path, language: str, entries: Sequence[Entry]) -> ReviewProgress:
    """The progress of one PO file from its entries, already read."""
    return _progress(path, language, tuple(entries))


def _progress(path: Path, language: str, entries: tuple[Entry, ...]) -> ReviewProgress:
    by_state: dict[EntryState, list[Entry]] = {state: [] for state in EntryState}
    for entry in entries:
        if entry.msgid or entry.obsolete:  # the header (msgid "") is no entry
            by_state[entry.state].append(entry)
    reviewed = by_state[EntryState.REVIEWED]
    fuzzy = by_state[EntryState.FUZZY]
    untranslated = by_state[EntryState.UNTRANSLATED]
    return ReviewProgress(
        release=path.stem,
        language=language,
        file=path,
        reviewed=len(reviewed),
        reviewed_words=_words(reviewed),
        fuzzy=len(fuzzy),
        fuzzy_words=_words(fuzzy),
        untranslated=len(untranslated),
        untranslated_words=_words(untranslated),
        obsolete=len(by_state[EntryState.OBSOLETE]),
    )


def _words(entries: list[Entry]) -> int:
    return sum(len(_WORD.findall(entry.msgid)) for entry in entries)
