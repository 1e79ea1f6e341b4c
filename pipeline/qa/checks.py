"""Quality checks on translations: one small class per check, registered by id.

Each check answers one question about a German source and its translation and returns
the problems it sees as short messages (none: the pair passes). Checks know the target
language; the glossary checks also get the matched glossary terms.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import ahocorasick

from pipeline.glossary.enforce import MISSING, TargetTerm, hit_targets
from pipeline.glossary.match import Matcher, TermHit
from pipeline.glossary.model import Termbase
from pipeline.languages import DEFAULT_QUOTE_STYLE, QUOTE_STYLES
from pipeline.mt.engine import LEAKED_TOKEN, has_runaway_repetition
from pipeline.mt.protect import find_protected
from pipeline.po.catalog import Catalog, Entry
from pipeline.po.notes import QaNote, Severity, parse, render
from pipeline.po.reader import read_catalog
from pipeline.qa.numbers import Date, date_values, dates_in, numbers_in, units_in

ERROR = Severity.ERROR
WARNING = Severity.WARNING

_MARKUP = re.compile(
    r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`+|\]\([^)\s]*+\)|\[|<[^<>\s][^<>]*+>|⟦\d+⟧"
)
_LINK_RUN = re.compile(r"[^)\s]*+")  # a link target "](…)" cannot hold ")" or a space
_WORDS = re.compile(r"\w+")
_FINAL = re.compile(r"([.!?:;…])[\s\"'“”„«»‘’)\]*_]*$")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Context:
    """What a check may know besides the two texts."""

    language: str
    terms: tuple[TermHit, ...] = ()
    termbase: Termbase | None = None


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    message: str
    file: Path | None = None
    line: int = 0
    msgid: str = ""
    msgstr: str = ""
    muted: bool = False  # a reviewer's "# qa-ignore: <check>" comment on the entry

    @property
    def counts(self) -> bool:
        """Whether the finding counts (muted findings are shown, never counted as errors)."""
        return not self.muted

    def as_dict(self) -> dict[str, object]:
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "file": str(self.file) if self.file else None,
            "line": self.line,
            "msgid": self.msgid,
            "msgstr": self.msgstr,
            "muted": self.muted,
        }


class Check:
    id: ClassVar[str]
    severity: ClassVar[Severity] = WARNING
    description: ClassVar[str]
    checks_empty: ClassVar[bool] = False  # most checks only look at translated entries

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        raise NotImplementedError


CHECKS: dict[str, Check] = {}


def register(cls: type[Check]) -> type[Check]:
    CHECKS[cls.id] = cls()
    return cls


# --- markup and protected text --------------------------------------------------------


def markup_tokens(text: str) -> list[str]:
    return [text[start:end] for start, end in _markup_spans(text)]


def _markup_spans(text: str) -> list[tuple[int, int]]:
    """Where ``_MARKUP.finditer(text)`` matches, in linear time.

    A "](" whose run of non-space characters ends without ")" opens no link target, nor
    does any later "](" in that run; the plain pattern would scan the run again from each
    of them (quadratic on "](](](…"). Their "]" is hidden first, so none is tried.
    """
    hidden = []
    position = text.find("](")
    while position >= 0:
        run = _LINK_RUN.match(text, position)  # it matches the empty string too
        end = run.end() if run else position
        if not text.startswith(")", end):
            while position >= 0:
                hidden.append(position)
                position = text.find("](", position + 1, end)
        position = text.find("](", end)
    if hidden:
        pieces = []
        cursor = 0
        for position in hidden:
            pieces.append(text[cursor:position])
            pieces.append("\x00")  # like "]" to every other alternative: no word, no space
            cursor = position + 1
        pieces.append(text[cursor:])
        text = "".join(pieces)
    return [match.span() for match in _MARKUP.finditer(text)]


@register
class Markup(Check):
    id = "markup"
    severity = ERROR
    description = "Inline markup and placeholders identical in number and order, none leaked"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        leaked = Counter(leaked_fragments(target)) - Counter(leaked_fragments(source))
        problems = [f"leaked placeholder or model token {item}" for item in sorted(leaked)]
        expected = markup_tokens(source)
        found = [token for token in markup_tokens(target) if token not in leaked]
        if expected == found:
            return problems
        if Counter(expected) == Counter(found):
            return [
                *problems,
                f"markup in another order: {' '.join(found)} (German: {' '.join(expected)})",
            ]
        missing = list((Counter(expected) - Counter(found)).elements())
        extra = list((Counter(found) - Counter(expected)).elements())
        parts = [
            f"missing {' '.join(missing)}" if missing else "",
            f"extra {' '.join(extra)}" if extra else "",
        ]
        return [*problems, "markup differs: " + "; ".join(p for p in parts if p)]


def leaked_fragments(text: str) -> list[str]:
    """Pieces of placeholders or model tokens that no translation should show: a lone ⟦ or
    ⟧ (whole placeholders ⟦1⟧ are markup), ⁇ and <unk> (unknown token), <0x0A> (a byte
    token), � (bytes that make no character), @@ (BPE continuation) and ▁ (SentencePiece
    word boundary). The engine's own guard uses the same pattern."""
    return [match.group("leak") for match in LEAKED_TOKEN.finditer(text) if match.group("leak")]


@register
class Protected(Check):
    id = "urls"
    severity = ERROR
    description = "URLs, e-mail addresses and phone numbers identical"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        wanted = [source[start:end] for start, end in find_protected(source)]
        found = {target[start:end] for start, end in find_protected(target)}
        missing = _not_in(target, {item for item in wanted if item not in found})
        return [f"{item!r} is not in the translation" for item in wanted if item in missing]


def _not_in(text: str, needles: set[str]) -> set[str]:
    """The needles that do not occur in ``text``: one pass over it, however many there are."""
    if len(needles) <= 1:
        return {needle for needle in needles if needle not in text}
    automaton = ahocorasick.Automaton()
    for needle in needles:
        automaton.add_word(needle, needle)
    automaton.make_automaton()
    missing = set(needles)
    for _, needle in automaton.iter(text):
        missing.discard(needle)
        if not missing:
            break
    return missing


# --- numbers, dates, units ----------------------------------------------------------------


@register
class Numbers(Check):
    id = "numbers"
    severity = ERROR
    description = "Numbers and dates preserved (1.000,5 → 1,000.5 in English is fine)"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        problems = []
        source_dates = Counter(dates_in(source, "de"))
        target_dates = Counter(dates_in(target, context.language))
        expected = Counter(numbers_in(source, "de", skip_dates=True))
        found = Counter(numbers_in(target, context.language, skip_dates=True))
        missing, extra = expected - found, found - expected
        # A date is one value: written some other way on one side, its day and year are
        # not reported again as stray numbers.
        lost = list((source_dates - target_dates).elements())
        for date in lost:
            problems.append(f"date {date.isoformat()} is not in the translation")
            extra -= Counter(date_values(date))
        for date in (target_dates - source_dates).elements():
            parts = Counter(date_values(date))
            if any(_part_of(date, whole) for whole in lost):
                continue  # a piece of a date already reported ("12, maggio 2024")
            if parts and not parts - missing:
                missing -= parts  # the German has the same numbers, not read as a date
            else:
                problems.append(f"date {date.isoformat()} is not in the German")
                missing -= parts
        for value in missing.elements():
            problems.append(f"number {_show(value)} is not in the translation")
        for value in extra.elements():
            problems.append(f"number {_show(value)} is not in the German")
        return problems


@register
class Units(Check):
    id = "units"
    severity = ERROR
    description = "Units and doses unchanged in value and unit (mSv, Gy, T, mg, ml, %)"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        expected = Counter(units_in(source, "de"))
        found = Counter(units_in(target, context.language))
        return [
            f"{_show(value)} {unit} is not in the translation"
            for value, unit in (expected - found).elements()
        ]


def _part_of(date: Date, whole: Date) -> bool:
    """Whether ``date`` is ``whole`` with its day or year left out."""
    return (
        date.month == whole.month and date.day in (0, whole.day) and date.year in (None, whole.year)
    )


def _show(value: float) -> str:
    return f"{value:g}"


# --- glossary --------------------------------------------------------------------------------


@register
class Glossary(Check):
    id = "glossary"
    severity = ERROR
    description = "Glossary: preferred term used, forbidden terms absent, DNT terms unchanged"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        if context.termbase is None:
            return []
        problems = []
        folded = target.casefold()
        # A long text has many hits of few concepts: each concept (and each do-not-translate
        # surface) is looked up in the translation once, so the check stays linear.
        kept: dict[str, bool] = {}
        preferred: dict[str, bool] = {}
        forbidden: dict[str, list[str]] = {}
        hits = list(context.terms)
        expected = hit_targets(hits, context.termbase, context.language)
        for hit, wanted_term in zip(hits, expected, strict=True):
            concept = context.termbase.get(hit.concept)
            if concept is None:
                continue
            if concept.dnt:
                if hit.surface not in kept:
                    kept[hit.surface] = _has_term(wanted_term, target)
                if not kept[hit.surface]:
                    problems.append(f"do-not-translate {hit.surface!r} was changed")
                continue
            if concept.id not in preferred:
                preferred[concept.id] = _has_term(wanted_term, target)
                forbidden[concept.id] = [
                    banned
                    for banned in concept.forbidden.get(context.language, ())
                    if re.search(rf"(?<!\w){re.escape(banned.casefold())}(?!\w)", folded)
                ]
            if not preferred[concept.id]:
                wanted = concept.target(context.language, plural=hit.plural)
                problems.append(f"{hit.surface!r} should be {wanted!r}")
            for banned in forbidden[concept.id]:
                problems.append(f"forbidden term {banned!r} for {hit.surface!r}")
        return problems


def _has_term(expected: TargetTerm | None, target: str) -> bool:
    """Whether the translation has the concept's term (or it has none in the language):
    decided by :meth:`TargetTerm.status`, as for the PO comment and the report."""
    return expected is None or expected.status(target) != MISSING


# --- completeness -----------------------------------------------------------------------------


@register
class Untranslated(Check):
    id = "untranslated"
    description = "Untranslated or empty"
    checks_empty = True

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        return ["not translated"] if not target.strip() and _LETTER.search(source) else []


@register
class SameAsSource(Check):
    id = "same-as-source"
    description = "Translation identical to the German"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        if target != source or len(_WORDS.findall(source)) < 3:
            return []  # names, acronyms and short labels may well stay as they are
        return ["the translation is the German text"]


@register
class LengthRatio(Check):
    id = "length-ratio"
    description = "Translation much shorter or longer than usual for the language pair"
    # translation length / German length, typical band for press-release sentences
    BANDS: ClassVar[dict[str, tuple[float, float]]] = {
        "en": (0.55, 1.6), "fr": (0.65, 1.9), "es": (0.65, 1.9), "it": (0.65, 1.9),
    }  # fmt: skip

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        if len(source) < 30:
            return []
        low, high = self.BANDS.get(context.language, (0.5, 2.0))
        ratio = len(target) / len(source)
        if low <= ratio <= high:
            return []
        return [f"length ratio {ratio:.2f} is outside {low}–{high} for de→{context.language}"]


@register
class Repetition(Check):
    id = "repetition"
    severity = ERROR
    description = "Repeated words or phrases (runaway output of small MT models)"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        words = [w.casefold() for w in _WORDS.findall(target)]
        if has_runaway_repetition(words, max_repeats=2) and not has_runaway_repetition(
            [w.casefold() for w in _WORDS.findall(source)], max_repeats=2
        ):
            return ["a word or phrase repeats three times or more"]
        doubled = [a for a, b in pairwise(words) if a == b and not a.isdigit()]
        source_words = [w.casefold() for w in _WORDS.findall(source)]
        if doubled and not any(a == b for a, b in pairwise(source_words)):
            return [f"doubled word {doubled[0]!r}"]
        return []


# --- typography ---------------------------------------------------------------------------------


@register
class Quotes(Check):
    id = "quotes"
    description = (
        "Quotation marks in the style of the target language („…“ → “…” in en, « … » in fr)"
    )

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        _, wrong = QUOTE_STYLES.get(context.language, DEFAULT_QUOTE_STYLE)
        marks = sorted(set(target) & set(wrong))
        if not marks:
            return []
        return [f"quotation mark {' '.join(marks)} is not used in {context.language}"]


@register
class Whitespace(Check):
    id = "whitespace"
    description = "Leading and trailing whitespace as in the German"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        problems = []
        if _lead(source) != _lead(target):
            problems.append("leading whitespace differs from the German")
        if _trail(source) != _trail(target):
            problems.append("trailing whitespace differs from the German")
        return problems


def _lead(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _trail(text: str) -> str:
    return text[len(text.rstrip()) :]


@register
class FinalPunctuation(Check):
    id = "punctuation"
    description = "Sentence-final punctuation as in the German"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        expected, found = _final(source), _final(target)
        if expected == found or {expected, found} <= {".", "…"}:
            return []

        def show(mark: str) -> str:
            return repr(mark) if mark else "no final punctuation"

        return [f"ends with {show(found)}, the German with {show(expected)}"]


def _final(text: str) -> str:
    match = _FINAL.search(text.strip())
    return match.group(1) if match else ""


@register
class DoubleSpace(Check):
    id = "double-space"
    description = "Doubled spaces"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        inner = target.strip()
        return ["doubled space"] if "  " in inner and "  " not in source.strip() else []


@register
class Capitalisation(Check):
    id = "capitalisation"
    description = "First letter capitalised like the German"

    def problems(self, source: str, target: str, context: Context) -> list[str]:
        first_source, first_target = _first_letter(source), _first_letter(target)
        if not first_source or not first_target:
            return []
        if first_source.isupper() and first_target.islower():
            return ["starts with a lower-case letter, the German with a capital"]
        return []


def _first_letter(text: str) -> str:
    pieces = []
    cursor = 0
    for start, end in _markup_spans(text):
        pieces.append(text[cursor:start])
        cursor = end
    pieces.append(text[cursor:])
    text = "".join(pieces)
    for char in text:
        if unicodedata.category(char).startswith("L"):
            return char
        if char.isdigit():
            return ""
    return ""


# --- running checks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    only: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()

    def checks(self) -> list[Check]:
        unknown = (self.only | self.skip) - set(CHECKS)
        if unknown:
            raise ValueError(
                f"unknown check {', '.join(sorted(unknown))}; known: {', '.join(CHECKS)}"
            )
        chosen = [c for c in CHECKS.values() if not self.only or c.id in self.only]
        return [c for c in chosen if c.id not in self.skip]


def check_pair(
    source: str,
    target: str,
    context: Context,
    checks: Sequence[Check] | None = None,
) -> list[Finding]:
    """Every finding for one translation."""
    findings = []
    for check in checks if checks is not None else CHECKS.values():
        if not target and not check.checks_empty:
            continue
        for message in check.problems(source, target, context):
            findings.append(Finding(check.id, check.severity, message, msgid=source, msgstr=target))
    return findings


def check_entries(
    entries: Iterable[tuple[str, str, int] | tuple[str, str, int, frozenset[str]]],
    language: str,
    matcher: Matcher | None,
    checks: Sequence[Check] | None = None,
    file: Path | None = None,
) -> list[Finding]:
    """Findings for (msgid, msgstr, line[, muted check ids]) of one language; a muted
    check's findings come back with ``muted`` set."""
    findings = []
    for source, target, line, *rest in entries:
        muted = rest[0] if rest else frozenset()
        terms = tuple(matcher.find(source)) if matcher else ()
        context = Context(language, terms, matcher.termbase if matcher else None)
        for finding in check_pair(source, target, context, checks):
            findings.append(
                Finding(
                    finding.check,
                    finding.severity,
                    finding.message,
                    file,
                    line,
                    source,
                    target,
                    muted=finding.check in muted or ALL_CHECKS in muted,
                )
            )
        for name in sorted(muted - set(CHECKS) - {ALL_CHECKS}):
            message = f"qa-ignore names no check {name!r} (known: {', '.join(CHECKS)})"
            findings.append(Finding(IGNORE, WARNING, message, file, line, source, target))
    return findings


IGNORE = "qa-ignore"  # "# qa-ignore: numbers, quotes" in a translator comment
ALL_CHECKS = "all"
_IGNORE_COMMENT = re.compile(r"\s*+qa-ignore\s*+:(.*+)", re.IGNORECASE)
_ID_SEPARATOR = re.compile(r"[\s,;]+")


def muted_checks(translator_comments: Iterable[str]) -> frozenset[str]:
    """The check ids a reviewer muted for an entry: ``# qa-ignore: numbers, quotes``
    (``all`` mutes every check), in any translator comment line."""
    muted: set[str] = set()
    for line in translator_comments:
        match = _IGNORE_COMMENT.match(line)
        if match:
            muted.update(part.lower() for part in _ID_SEPARATOR.split(match.group(1)) if part)
    return frozenset(muted)


def check_po_file(
    path: Path, matcher: Matcher | None, checks: Sequence[Check] | None = None
) -> list[Finding]:
    """Findings for the active entries of one PO file (its language from the header);
    those of checks the entry's translator comments mute are marked ``muted``."""
    return check_catalog(read_catalog(path), path, matcher, checks)


def check_catalog(
    catalog: Catalog, path: Path, matcher: Matcher | None, checks: Sequence[Check] | None = None
) -> list[Finding]:
    """Findings for the active entries of a parsed PO file (see check_po_file)."""
    language = catalog.header.get("Language") or path.parent.name
    entries = [
        (e.msgid, e.msgstr, e.line, muted_checks(e.translator))
        for e in catalog.entries
        if not e.obsolete and e.msgid
    ]
    return check_entries(entries, language, matcher, checks, path)


def qa_note(finding: Finding) -> QaNote:
    """A finding as the note on its PO entry."""
    return QaNote(finding.severity, finding.check, finding.message, finding.muted)


def comment_lines(findings: Iterable[Finding]) -> tuple[str, ...]:
    """Findings as machine comments for the PO entry (``#. qa …``)."""
    return tuple(render(qa_note(finding)) for finding in findings)


def annotate(entry: Entry, language: str, matcher: Matcher | None) -> Entry:
    """The entry with QA findings on its current translation as machine comments
    (those of checks a reviewer muted with ``# qa-ignore: …`` are written as muted)."""
    if entry.obsolete or not entry.msgstr:
        return entry
    kept = tuple(line for line in entry.extracted if not isinstance(parse(line), QaNote))
    muted = muted_checks(entry.translator)
    return replace(
        entry, extracted=kept + _qa_lines(entry.msgid, entry.msgstr, language, matcher, muted)
    )


def _qa_lines(
    source: str, target: str, language: str, matcher: Matcher | None, muted: frozenset[str]
) -> tuple[str, ...]:
    """QA comments for a translation."""
    return comment_lines(translation_findings(source, target, language, matcher, muted))


@lru_cache(maxsize=20_000)
def translation_findings(
    source: str, target: str, language: str, matcher: Matcher | None, muted: frozenset[str]
) -> tuple[Finding, ...]:
    """The findings of one translation (no file or line); boilerplate repeats across
    releases and a run both writes and counts them, so they are cached."""
    return tuple(check_entries([(source, target, 0, muted)], language, matcher))
