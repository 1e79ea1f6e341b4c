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
pipeline exported, recorded in the suggestions file, and from what it suggests now) keeps
the reviewer's text. Entries whose segment is gone become obsolete (``#~``) instead of
vanishing, and so does a translator comment on an untranslated entry.

Where the same German text is both a heading and body text, the heading's entry gets
``msgctxt "heading"``. An existing entry goes to the unit of its own role (the ``type:``
machine comment tells a heading's entry from a body text's), so an approved heading keeps
its approval when the text later also appears in the body, and the other way round.

Everything here is a function of the files: the translation memory offers the best match,
ties broken by a stable order (active before obsolete, then path, then context), and holds
only translations a reviewer approved. An exact match the pipeline copied into a file
(``origin: TM exact match``) is not a source itself, and stays marked as a copy, so a run
that was interrupted and finished later gives the same files as one that was not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from rapidfuzz import fuzz, process

from pipeline.po.catalog import FUZZY, Catalog, Entry
from pipeline.po.notes import (
    SUGGESTED,
    Origin,
    OriginNote,
    about_suggestion,
    copied_from_tm,
    has_block,
    origins_of,
    parse,
    render,
)

DEFAULT_TM_THRESHOLD = 0.75
HEADING = "heading"  # msgctxt of a heading whose text is also body text
BODY = "body"  # msgctxt of an obsolete body entry whose heading took its msgctxt-less key
REVIEWED = render(OriginNote(Origin.REVIEWED))  # "origin: reviewed"
DRAFT = render(OriginNote(Origin.DRAFT))  # "origin: reviewer draft (fuzzy)"


@dataclass(frozen=True)
class Suggestion:
    """What the pipeline proposes for one segment in one language."""

    text: str
    origin: Origin | None  # MT, TM (exact), TM_FUZZY, or None (nothing)
    detail: str = ""  # engine and model, or the TM file and similarity
    previous_msgid: str | None = None  # the German a fuzzy TM match was made for


NO_SUGGESTION = Suggestion("", None)


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
    drafts_kept: int = 0  # reviewers' edits of suggestions that are still fuzzy
    mt_kept: int = 0  # machine suggestions kept as they were: nothing new to offer
    tm_kept: int = 0  # translation-memory suggestions kept as they were
    tm_exact: int = 0
    tm_fuzzy: int = 0
    mt: int = 0
    untranslated: int = 0
    obsolete: int = 0
    revived: int = 0


@dataclass(frozen=True)
class Memory:
    """One reviewed translation: German, translation, the file it is in."""

    source: str
    target: str
    origin: str
    obsolete: bool = False
    context: str = ""

    @property
    def rank(self) -> tuple[bool, str, str, str]:
        """Which of several translations of the same German is offered: a stable order."""
        return (self.obsolete, self.origin, self.context, self.target)


def is_tm_copy(entry: Entry) -> bool:
    """An exact TM match the pipeline filled in: not a reviewer's translation."""
    return any(copied_from_tm(parse(line)) for line in entry.extracted)


class TranslationMemory:
    """Reviewed translations of other releases in one language."""

    def __init__(self, memories: Iterable[Memory | tuple[str, str, str]]) -> None:
        """``memories``: reviewed translations, or (German, translation, origin) triples."""
        entries: dict[str, list[Memory]] = {}
        for memory in memories:
            if not isinstance(memory, Memory):
                memory = Memory(*memory)
            entries.setdefault(memory.source, []).append(memory)
        self._entries = {
            source: sorted(found, key=lambda m: m.rank) for source, found in sorted(entries.items())
        }
        self._sources = list(self._entries)

    @classmethod
    def from_catalogs(cls, catalogs: Iterable[tuple[Path, Catalog]]) -> TranslationMemory:
        """Every reviewed translation of the catalogs, obsolete ones too (a run that revives
        one does not change the memory), without the pipeline's own exact-match copies."""
        return cls(
            Memory(entry.msgid, entry.msgstr, path.as_posix(), entry.obsolete, entry.msgctxt or "")
            for path, catalog in catalogs
            for entry in catalog.entries
            if entry.reviewed and entry.msgid and not is_tm_copy(entry)
        )

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(
        self, source: str, threshold: float = DEFAULT_TM_THRESHOLD, exclude: str = ""
    ) -> Suggestion | None:
        """The exact match, else the most similar source at or above ``threshold`` (ties:
        the first source in sorted order); translations from files whose path ends with
        ``exclude`` do not count."""
        exact = self._usable(source, exclude)
        if exact is not None:
            return Suggestion(exact.target, Origin.TM, f"exact match, {exact.origin}")
        if not self._sources or threshold > 1:
            return None
        matches = process.extract(
            source, self._sources, scorer=fuzz.ratio, score_cutoff=threshold * 100, limit=None
        )
        for match, score, _ in sorted(matches, key=lambda found: (-found[1], found[0])):
            usable = self._usable(match, exclude)
            if match != source and usable is not None:
                detail = f"{score:.0f}% match, {usable.origin}"
                return Suggestion(usable.target, Origin.TM_FUZZY, detail, match)
        return None

    def _usable(self, source: str, exclude: str) -> Memory | None:
        for memory in self._entries.get(source, ()):
            if not exclude or not memory.origin.endswith(exclude):
                return memory
        return None


class _Keyed(Protocol):
    """What claiming needs of a unit: its key and its machine comments."""

    @property
    def msgid(self) -> str: ...
    @property
    def msgctxt(self) -> str | None: ...
    @property
    def comments(self) -> tuple[str, ...]: ...


def _is_heading(msgctxt: str | None, comments: tuple[str, ...]) -> bool:
    if msgctxt in (HEADING, BODY):
        return msgctxt == HEADING
    return has_block(comments, HEADING)


def claim(units: Sequence[_Keyed], entries: Sequence[Entry]) -> dict[tuple[str | None, str], Entry]:
    """Unit key → the existing entry it continues.

    First the entry with the same key and role (heading or body text), then one of the
    same role under another of the pipeline's contexts (an approved heading whose text now
    also appears in the body has lost its key to the body text), then the entry with the
    same key whatever its role (a text that changed its block type).
    """
    by_key = {entry.key: entry for entry in entries}
    taken: set[tuple[str | None, str]] = set()
    found: dict[tuple[str | None, str], Entry] = {}

    def take(unit: _Keyed, key: tuple[str | None, str]) -> None:
        found[(unit.msgctxt, unit.msgid)] = by_key[key]
        taken.add(key)

    heading = {(u.msgctxt, u.msgid): _is_heading(u.msgctxt, u.comments) for u in units}
    for unit in units:
        key = (unit.msgctxt, unit.msgid)
        entry = by_key.get(key)
        if entry is not None and _is_heading(entry.msgctxt, entry.extracted) == heading[key]:
            take(unit, key)
    for unit in units:
        if (unit.msgctxt, unit.msgid) in found:
            continue
        for context in (None, HEADING, BODY):
            key = (context, unit.msgid)
            entry = by_key.get(key)
            if entry is None or key in taken:
                continue
            if _is_heading(entry.msgctxt, entry.extracted) == heading[(unit.msgctxt, unit.msgid)]:
                take(unit, key)
                break
    for unit in units:
        key = (unit.msgctxt, unit.msgid)
        if key not in found and key in by_key and key not in taken:
            take(unit, key)
    return found


def merge(
    units: Sequence[Unit],
    existing: Catalog,
    recorded: Mapping[str, str],
    origins: Mapping[str, str] | None = None,
) -> tuple[tuple[Entry, ...], MergeStats]:
    """The entries of the new catalog, and what happened.

    ``recorded`` maps msgids to the suggestion exported last time, so a reviewer's edit
    of a still-fuzzy entry can be told apart from the pipeline's own suggestion;
    ``origins`` gives the ``origin:`` comment of each recorded suggestion, for an entry
    whose comments lost it.
    """
    previous = claim(units, existing.entries)
    counts = dict.fromkeys(MergeStats.__dataclass_fields__, 0)
    entries = []
    for unit in units:
        before = previous.get(unit.key)
        entry, outcome = _merge_one(unit, before, recorded, origins or {})
        counts[outcome] += 1
        if before is not None and before.obsolete and before.reviewed:
            counts["revived"] += 1
        entries.append(entry)
    continued = {id(entry) for entry in previous.values()}
    used = {unit.key for unit in units}
    for entry in existing.entries:
        if id(entry) in continued or not (entry.msgstr or entry.translator):
            continue  # still in use, or nothing worth keeping
        if not entry.obsolete:
            counts["obsolete"] += 1
        kept = replace(entry, obsolete=True, references=())
        if kept.key in used:  # its key went to another unit: keep it under its role
            role = HEADING if _is_heading(entry.msgctxt, entry.extracted) else BODY
            context, number = role, 1
            while (context, entry.msgid) in used:
                number += 1
                context = f"{role} {number}"
            kept = replace(kept, msgctxt=context)
        used.add(kept.key)
        entries.append(kept)
    return tuple(entries), MergeStats(**counts)


def _base(comments: tuple[str, ...]) -> tuple[str, ...]:
    """Machine comments without those about the suggestion."""
    return tuple(line for line in comments if not about_suggestion(parse(line)))


def _origin_lines(entry: Entry) -> tuple[str, ...]:
    """The entry's machine comments about its suggestion: origin, terms, MT warnings."""
    return tuple(line for line in entry.extracted if about_suggestion(parse(line)))


def _reviewed_comments(unit: Unit, previous: Entry) -> tuple[str, ...]:
    """A kept approved translation says where it came from: an exact TM match stays marked
    as one (with the file it matches now, or as it was), a reviewer's approval of the
    suggestion shows the suggestion, anything else is "reviewed"."""
    suggestion = unit.suggestion
    same = suggestion.text == previous.msgstr
    copy = next((line for line in previous.extracted if copied_from_tm(parse(line))), None)
    if copy is not None:
        current = same and suggestion.origin == Origin.TM
        return unit.comments if current else (*_base(unit.comments), copy)
    if same and suggestion.origin in (Origin.MT, Origin.TM_FUZZY):
        return unit.comments
    return (*_base(unit.comments), REVIEWED)


def _kept_suggestion(
    unit: Unit,
    previous: Entry,
    continued: Entry,
    recorded: Mapping[str, str],
    origins: Mapping[str, str],
) -> tuple[Entry, str]:
    """A fuzzy entry when nothing new is suggested (no model installed now, the TM match
    gone): the text stays. It is the pipeline's own suggestion, with its origin, unless
    the suggestion recorded for it says otherwise (a reviewer edited it: a draft)."""
    record = recorded.get(unit.msgid)
    lines = _origin_lines(previous)
    if record is not None and record != previous.msgstr:
        draft = replace(continued, extracted=(*_base(unit.comments), DRAFT))
        return replace(draft, flags=_fuzzy_flags(previous.flags)), "drafts_kept"
    if record is not None and SUGGESTED.isdisjoint(origins_of(lines)):
        origin = origins.get(unit.msgid, "")  # the comments lost it: the record knows
        lines = (origin,) if origin else lines
    kept = replace(continued, extracted=_base(unit.comments) + lines)
    found = set(origins_of(lines))
    if Origin.MT in found:
        return kept, "mt_kept"
    if Origin.TM in found or Origin.TM_FUZZY in found:
        return kept, "tm_kept"
    return kept, "drafts_kept"


def _merge_one(
    unit: Unit, previous: Entry | None, recorded: Mapping[str, str], origins: Mapping[str, str]
) -> tuple[Entry, str]:
    suggestion = unit.suggestion
    if previous is not None:
        continued = replace(
            previous, msgctxt=unit.msgctxt, references=unit.references, obsolete=False
        )
        if previous.reviewed:
            kept = replace(continued, extracted=_reviewed_comments(unit, previous))
            return kept, "reviewed_kept"
        if previous.msgstr and not suggestion.text:
            return _kept_suggestion(unit, previous, continued, recorded, origins)
        if previous.msgstr and previous.msgstr not in (recorded.get(unit.msgid), suggestion.text):
            # a reviewer's edit of a suggestion that is still fuzzy: a draft
            draft = replace(
                continued,
                extracted=(*_base(unit.comments), DRAFT),
                flags=_fuzzy_flags(previous.flags),
            )
            return draft, "drafts_kept"
    fuzzy = bool(suggestion.text) and suggestion.origin != Origin.TM
    entry = Entry(
        msgid=unit.msgid,
        msgstr=suggestion.text,
        msgctxt=unit.msgctxt,
        flags=_fuzzy_flags(previous.flags if previous else ()) if fuzzy else _plain(previous),
        references=unit.references,
        extracted=unit.comments,
        translator=previous.translator if previous else (),
        previous_msgid=suggestion.previous_msgid if suggestion.origin == Origin.TM_FUZZY else None,
    )
    outcome = _OUTCOMES.get(suggestion.origin) if suggestion.text else None
    return entry, outcome or "untranslated"


_OUTCOMES: dict[Origin | None, str] = {
    Origin.TM: "tm_exact",
    Origin.TM_FUZZY: "tm_fuzzy",
    Origin.MT: "mt",
}


def _fuzzy_flags(flags: tuple[str, ...]) -> tuple[str, ...]:
    return (FUZZY, *(flag for flag in flags if flag != FUZZY))


def _plain(previous: Entry | None) -> tuple[str, ...]:
    return tuple(flag for flag in (previous.flags if previous else ()) if flag != FUZZY)
