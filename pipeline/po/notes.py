"""The machine notes of a PO entry (``#.`` lines) as typed values.

Every ``#.`` line the pipeline writes is one note; :func:`render` gives its text and
:func:`parse` reads it back. The texts are those the PO files have always held:

====================  ===========================================================
note                  rendered
====================  ===========================================================
:class:`BlockType`    ``type: heading``
:class:`Paragraph`    ``paragraph: <the whole paragraph, on one line>``
:class:`GlossaryHint` ``glossary: <German surface> → <target or "(no en term)">``
:class:`CompoundHint` ``compound: <German word> (head <German term>) → <target>``: a
                      closed compound whose head is a concept, a hint never enforced
:class:`OriginNote`   ``origin: MT <engine>``, ``origin: TM <similarity, file>``
                      (``origin: TM exact match, <file>`` for an exact match),
                      ``origin: reviewed``, ``origin: reviewer draft (fuzzy)``
:class:`TermNote`     ``term <status>: <German term> → <target>``
:class:`MtWarning`    ``warning: <what the MT engine reported>``
:class:`QaNote`       ``qa [muted ]<severity> [<check>]: <message>``
:class:`Foreign`      any other line (another tool's), kept verbatim
====================  ===========================================================

``render(parse(line)) == line`` for every line, except that a note whose text ends in a
space the catalog strips when writing (an empty QA message, an empty engine description)
is read back from its stripped form. The fields of a glossary or term note are split at
the first ``" → "``: a German term that itself holds ``" → "`` reads back with the rest in
its target (the rendered line is the same).

This module imports nothing of the pipeline: QA (``Severity``) and the MT stage build on
it, never the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import ClassVar

__all__ = [
    "SUGGESTED",
    "BlockType",
    "CompoundHint",
    "EntryState",
    "Foreign",
    "GlossaryHint",
    "MtWarning",
    "Note",
    "NoteKind",
    "Origin",
    "OriginNote",
    "Paragraph",
    "QaNote",
    "Severity",
    "TermNote",
    "about_suggestion",
    "copied_from_tm",
    "has_block",
    "origins_of",
    "parse",
    "parse_all",
    "render",
    "render_all",
]


class Severity(StrEnum):
    """How serious a QA finding is (a StrEnum: ``Severity.ERROR == "error"``)."""

    ERROR = "error"
    WARNING = "warning"


class Origin(StrEnum):
    """Where an entry's translation came from.

    ``MT``, ``TM`` (an exact match) and ``TM_FUZZY`` are what the pipeline suggests
    (``pipeline.po.merge.Suggestion.origin``, the sidecar's ``"origin"``); ``REVIEWED``
    and ``DRAFT`` only appear as notes on entries a reviewer approved or edited.
    """

    MT = "mt"
    TM = "tm"
    TM_FUZZY = "tm-fuzzy"
    REVIEWED = "reviewed"
    DRAFT = "draft"


SUGGESTED = frozenset({Origin.MT, Origin.TM, Origin.TM_FUZZY})  # the pipeline's suggestions


class EntryState(StrEnum):
    """Where an entry stands in review (see ``pipeline.po.catalog.Entry.state``)."""

    REVIEWED = "reviewed"  # a translation a reviewer approved: not fuzzy, not empty
    FUZZY = "fuzzy"  # a suggestion (MT, TM) or a draft no reviewer has approved yet
    UNTRANSLATED = "untranslated"  # no translation
    OBSOLETE = "obsolete"  # its segment is gone (``#~``)


class NoteKind(StrEnum):
    TYPE = "type"
    PARAGRAPH = "paragraph"
    GLOSSARY = "glossary"
    COMPOUND = "compound"
    ORIGIN = "origin"
    TERM = "term"
    WARNING = "warning"
    QA = "qa"
    FOREIGN = "foreign"


ARROW = " → "
_EXACT = "exact match"  # how a TM detail of an exact match begins
_REVIEWED_TEXT = "origin: reviewed"
_DRAFT_TEXT = "origin: reviewer draft (fuzzy)"


@dataclass(frozen=True)
class BlockType:
    """The document block the segment is in (``pipeline.document.model.BlockKind``)."""

    kind: ClassVar[NoteKind] = NoteKind.TYPE
    block: str


@dataclass(frozen=True)
class Paragraph:
    """The whole paragraph a segment belongs to (for a paragraph of several segments)."""

    kind: ClassVar[NoteKind] = NoteKind.PARAGRAPH
    text: str


@dataclass(frozen=True)
class GlossaryHint:
    """A glossary term found in the German, and its target (or why there is none)."""

    kind: ClassVar[NoteKind] = NoteKind.GLOSSARY
    surface: str
    target: str


@dataclass(frozen=True)
class CompoundHint:
    """A closed compound in the German whose head is a concept („Lebermetastasen“: head
    Metastase), with the head's target: a hint for the reviewer, never enforced."""

    kind: ClassVar[NoteKind] = NoteKind.COMPOUND
    surface: str
    head: str
    target: str


@dataclass(frozen=True)
class OriginNote:
    """Where the translation came from; ``detail`` names the engine and models (MT) or
    the similarity and file (TM: ``exact match, en/a.po``, ``82% match, en/b.po``)."""

    kind: ClassVar[NoteKind] = NoteKind.ORIGIN
    origin: Origin
    detail: str = ""


@dataclass(frozen=True)
class TermNote:
    """How a glossary term fared in a machine translation (``status``: one of
    ``pipeline.glossary.enforce``'s, e.g. ``enforced``, ``missing``)."""

    kind: ClassVar[NoteKind] = NoteKind.TERM
    status: str
    source: str
    target: str


@dataclass(frozen=True)
class MtWarning:
    """What the MT engine reported about a translation (a repair, a cut input …)."""

    kind: ClassVar[NoteKind] = NoteKind.WARNING
    message: str


@dataclass(frozen=True)
class QaNote:
    """A QA finding on the entry's translation (``muted``: a reviewer's ``qa-ignore``)."""

    kind: ClassVar[NoteKind] = NoteKind.QA
    severity: Severity
    check: str
    message: str
    muted: bool = False

    @property
    def counts(self) -> bool:
        """Whether it counts as an error or warning (a muted one is only shown)."""
        return not self.muted


@dataclass(frozen=True)
class Foreign:
    """A line the pipeline does not know (another tool's): kept as it is."""

    kind: ClassVar[NoteKind] = NoteKind.FOREIGN
    text: str


Note = (
    BlockType
    | Paragraph
    | GlossaryHint
    | CompoundHint
    | OriginNote
    | TermNote
    | MtWarning
    | QaNote
    | Foreign
)
_ABOUT_SUGGESTION = frozenset({NoteKind.ORIGIN, NoteKind.TERM, NoteKind.WARNING})


def render(note: Note) -> str:
    """The text of the note's ``#.`` line (without ``#. ``)."""
    match note:
        case BlockType(block=block):
            return f"type: {block}"
        case Paragraph(text=text):
            return f"paragraph: {text}"
        case GlossaryHint(surface=surface, target=target):
            return f"glossary: {surface}{ARROW}{target}"
        case CompoundHint(surface=surface, head=head, target=target):
            return f"compound: {surface} (head {head}){ARROW}{target}"
        case OriginNote(origin=Origin.REVIEWED):
            return _REVIEWED_TEXT
        case OriginNote(origin=Origin.DRAFT):
            return _DRAFT_TEXT
        case OriginNote(origin=Origin.MT, detail=detail):
            return f"origin: MT {detail}"
        case OriginNote(detail=detail):  # TM, exact or fuzzy
            return f"origin: TM {detail}"
        case TermNote(status=status, source=source, target=target):
            return f"term {status}: {source}{ARROW}{target}"
        case MtWarning(message=message):
            return f"warning: {message}"
        case QaNote(severity=severity, check=check, message=message, muted=muted):
            return f"qa {'muted ' if muted else ''}{severity} [{check}]: {message}"
        case Foreign(text=text):
            return text
    raise TypeError(f"not a note: {note!r}")


# Patterns on the whole line (\Z, DOTALL: a field may hold a line break).
_TERM = re.compile(r"term ([^\s:]+): (.*?) → (.*)\Z", re.DOTALL)
_GLOSSARY = re.compile(r"glossary: (.*?) → (.*)\Z", re.DOTALL)
_COMPOUND = re.compile(r"compound: (.*?) \(head (.*?)\) → (.*)\Z", re.DOTALL)
_QA = re.compile(r"qa (muted )?(error|warning) \[([^\]]*)\]:(?: (.*))?\Z", re.DOTALL)


@lru_cache(maxsize=65_536)
def parse(line: str) -> Note:
    """The note a ``#.`` line holds; a line of no known kind is :class:`Foreign`, with its
    text. Never raises."""
    head = line[:5]
    if head == "type:" and line.startswith("type: "):
        return BlockType(line[6:])
    if head == "parag" and line.startswith("paragraph: "):
        return Paragraph(line[11:])
    if head == "gloss":
        match = _GLOSSARY.match(line)
        if match:
            return GlossaryHint(match[1], match[2])
    elif head == "compo":
        match = _COMPOUND.match(line)
        if match:
            return CompoundHint(match[1], match[2], match[3])
    elif head == "origi":
        note = _origin(line)
        if note is not None:
            return note
    elif head == "term ":
        match = _TERM.match(line)
        if match:
            return TermNote(match[1], match[2], match[3])
    elif head == "warni" and line.startswith("warning: "):
        return MtWarning(line[9:])
    elif head.startswith("qa "):
        match = _QA.match(line)
        if match:
            return QaNote(Severity(match[2]), match[3], match[4] or "", bool(match[1]))
    return Foreign(line)


def _origin(line: str) -> OriginNote | None:
    if line == _REVIEWED_TEXT:
        return OriginNote(Origin.REVIEWED)
    if line == _DRAFT_TEXT:
        return OriginNote(Origin.DRAFT)
    if line.startswith("origin: MT ") or line == "origin: MT":
        return OriginNote(Origin.MT, line[11:])
    if line.startswith("origin: TM ") or line == "origin: TM":
        detail = line[11:]
        return OriginNote(Origin.TM if detail.startswith(_EXACT) else Origin.TM_FUZZY, detail)
    return None


def parse_all(lines: Iterable[str]) -> tuple[Note, ...]:
    return tuple(parse(line) for line in lines)


def render_all(notes: Iterable[Note]) -> tuple[str, ...]:
    return tuple(render(note) for note in notes)


def about_suggestion(note: Note) -> bool:
    """Whether the note is about the suggestion (its origin, its terms, MT warnings),
    not about the German text: it goes and comes with the suggestion."""
    return note.kind in _ABOUT_SUGGESTION


def origins_of(lines: Iterable[str]) -> list[Origin]:
    """The origins the lines name, in order."""
    return [note.origin for note in map(parse, lines) if isinstance(note, OriginNote)]


def copied_from_tm(note: Note) -> bool:
    """An exact translation-memory match the pipeline copied into the file."""
    return isinstance(note, OriginNote) and note.origin is Origin.TM


def has_block(lines: Iterable[str], block: str) -> bool:
    """Whether the lines say the segment is in a block of this kind (``type: <block>``)."""
    return BlockType(block) in map(parse, lines)
