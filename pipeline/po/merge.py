"""Merge a release's segments into its PO catalog without ever losing a reviewer's work.

For every segment, in document order:

1. a reviewed translation (not fuzzy, not empty) already in the catalog for the same
   msgid is kept byte for byte, with its translator comments; this includes an obsolete
   entry whose segment came back;
2. else an exact match among the reviewed translations of the other releases in the same
   language (translation memory);
3. else the closest reviewed translation above the similarity threshold (rapidfuzz), fuzzy,
   with the German it was made for as ``#| msgid``;
4. else the machine translation, fuzzy.

A fuzzy entry whose msgstr a reviewer has edited (it differs from the suggestion the
pipeline exported, recorded in the suggestions file) keeps the reviewer's text. Entries
whose segment is gone become obsolete (``#~``) instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rapidfuzz import fuzz, process

from pipeline.po.catalog import FUZZY, Catalog, Entry

DEFAULT_TM_THRESHOLD = 0.75


@dataclass(frozen=True)
class Suggestion:
    """What the pipeline proposes for one segment in one language."""

    text: str
    origin: str  # "mt", "tm", "tm-fuzzy" or "" (nothing)
    detail: str = ""  # engine and model, or the TM file and similarity
    previous_msgid: str | None = None  # the German a fuzzy TM match was made for


NO_SUGGESTION = Suggestion("", "")


@dataclass(frozen=True)
class Unit:
    """One PO entry to be: a German text with everything known about it."""

    msgid: str
    msgctxt: str | None
    references: tuple[str, ...]
    comments: tuple[str, ...]  # machine comments ("#.") for this language
    suggestion: Suggestion

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


@dataclass(frozen=True)
class MergeStats:
    reviewed_kept: int = 0
    drafts_kept: int = 0
    tm_exact: int = 0
    tm_fuzzy: int = 0
    mt: int = 0
    untranslated: int = 0
    obsolete: int = 0
    revived: int = 0


class TranslationMemory:
    """Reviewed translations of other releases in one language."""

    def __init__(self, pairs: Iterable[tuple[str, str, str]]) -> None:
        """``pairs``: (German, translation, where it comes from)."""
        self._entries: dict[str, list[tuple[str, str]]] = {}
        for source, target, origin in pairs:
            self._entries.setdefault(source, []).append((target, origin))
        self._sources = list(self._entries)

    @classmethod
    def from_catalogs(cls, catalogs: Iterable[tuple[Path, Catalog]]) -> TranslationMemory:
        return cls(
            (entry.msgid, entry.msgstr, path.as_posix())
            for path, catalog in catalogs
            for entry in catalog.entries
            if entry.reviewed and not entry.obsolete and entry.msgid
        )

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(
        self, source: str, threshold: float = DEFAULT_TM_THRESHOLD, exclude: str = ""
    ) -> Suggestion | None:
        """The exact match, else the most similar source at or above ``threshold``;
        translations from files whose path ends with ``exclude`` do not count."""
        exact = self._usable(source, exclude)
        if exact is not None:
            target, origin = exact
            return Suggestion(target, "tm", f"exact match, {origin}")
        if not self._sources or threshold > 1:
            return None
        for match, score, _ in process.extract(
            source, self._sources, scorer=fuzz.ratio, score_cutoff=threshold * 100, limit=5
        ):
            usable = self._usable(match, exclude)
            if match != source and usable is not None:
                target, origin = usable
                return Suggestion(target, "tm-fuzzy", f"{score:.0f}% match, {origin}", match)
        return None

    def _usable(self, source: str, exclude: str) -> tuple[str, str] | None:
        for target, origin in self._entries.get(source, ()):
            if not exclude or not origin.endswith(exclude):
                return target, origin
        return None


def merge(
    units: Sequence[Unit], existing: Catalog, recorded: dict[str, str]
) -> tuple[tuple[Entry, ...], MergeStats]:
    """The entries of the new catalog, and what happened.

    ``recorded`` maps msgids to the suggestion exported last time, so a reviewer's edit
    of a still-fuzzy entry can be told apart from the pipeline's own suggestion.
    """
    old = {entry.key: entry for entry in existing.entries}
    counts = dict.fromkeys(MergeStats.__dataclass_fields__, 0)
    entries = []
    for unit in units:
        previous = old.get(unit.key)
        entry, outcome = _merge_one(unit, previous, recorded)
        counts[outcome] += 1
        if previous is not None and previous.obsolete and previous.reviewed:
            counts["revived"] += 1
        entries.append(entry)
    current = {unit.key for unit in units}
    for entry in existing.entries:
        if entry.key in current or not entry.msgstr:
            continue  # still in use, or nothing worth keeping
        if not entry.obsolete:
            counts["obsolete"] += 1
        entries.append(replace(entry, obsolete=True, references=()))
    return tuple(entries), MergeStats(**counts)


def _merge_one(unit: Unit, previous: Entry | None, recorded: dict[str, str]) -> tuple[Entry, str]:
    translator = previous.translator if previous else ()
    if previous is not None and previous.reviewed:
        kept = replace(
            previous,
            references=unit.references,
            extracted=unit.comments,
            obsolete=False,
            translator=translator,
        )
        return kept, "reviewed_kept"
    if previous is not None and previous.msgstr and previous.msgstr != recorded.get(unit.msgid):
        draft = replace(
            previous,
            references=unit.references,
            extracted=unit.comments,
            obsolete=False,
            flags=_fuzzy_flags(previous.flags),
        )
        return draft, "drafts_kept"
    suggestion = unit.suggestion
    if previous is not None and previous.msgstr and not suggestion.text:
        # nothing new to offer (no model installed now): the old suggestion stays
        kept = replace(previous, references=unit.references, extracted=unit.comments,
                       obsolete=False)  # fmt: skip
        return kept, "drafts_kept"
    fuzzy = bool(suggestion.text) and suggestion.origin != "tm"
    entry = Entry(
        msgid=unit.msgid,
        msgstr=suggestion.text,
        msgctxt=unit.msgctxt,
        flags=_fuzzy_flags(previous.flags if previous else ()) if fuzzy else _plain(previous),
        references=unit.references,
        extracted=unit.comments,
        translator=translator,
        previous_msgid=suggestion.previous_msgid if suggestion.origin == "tm-fuzzy" else None,
    )
    outcome = {"tm": "tm_exact", "tm-fuzzy": "tm_fuzzy", "mt": "mt"}.get(
        suggestion.origin if suggestion.text else "", "untranslated"
    )
    return entry, outcome


def _fuzzy_flags(flags: tuple[str, ...]) -> tuple[str, ...]:
    return (FUZZY, *(flag for flag in flags if flag != FUZZY))


def _plain(previous: Entry | None) -> tuple[str, ...]:
    return tuple(flag for flag in (previous.flags if previous else ()) if flag != FUZZY)
