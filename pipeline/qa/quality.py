"""How good is the machine translation, measured on what reviewers finally approved.

For every reviewed PO entry whose exported suggestion was machine translation (recorded
in ``locales/<lang>/<stem>.suggestions.json`` at export time), the suggestion is compared
with the approved translation: chrF and TER (sacrebleu), and the share accepted
unchanged, grouped by language, release, model and month. Corrections that reviewers
make again and again (the same MT wording replaced by the same approved wording) are
listed as glossary candidates.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sacrebleu.metrics import CHRF, TER

from pipeline.layout import Layout
from pipeline.po.notes import Origin
from pipeline.po.reader import read_catalog
from pipeline.po.sidecar import read_suggestions

_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Pair:
    """A machine suggestion and what the reviewer approved."""

    language: str
    release: str
    model: str
    month: str
    source: str
    suggestion: str
    approved: str


@dataclass(frozen=True)
class Score:
    group: str  # e.g. "en", "en · release", "en · model", "en · 2026-11"
    segments: int
    unchanged: int
    chrf: float
    ter: float

    @property
    def accepted_share(self) -> float:
        return 100.0 * self.unchanged / self.segments if self.segments else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "group": self.group,
            "segments": self.segments,
            "accepted_unchanged": self.unchanged,
            "accepted_percent": round(self.accepted_share, 1),
            "chrf": round(self.chrf, 2),
            "ter": round(self.ter, 2),
        }


@dataclass(frozen=True)
class Correction:
    machine: str
    approved: str
    count: int
    example: str  # a German segment where it happened

    def as_dict(self) -> dict[str, object]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class QualityReport:
    overall: tuple[Score, ...]
    by_release: tuple[Score, ...]
    by_model: tuple[Score, ...]
    by_month: tuple[Score, ...]
    corrections: tuple[Correction, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "languages": [s.as_dict() for s in self.overall],
            "releases": [s.as_dict() for s in self.by_release],
            "models": [s.as_dict() for s in self.by_model],
            "months": [s.as_dict() for s in self.by_month],
            "glossary_candidates": [c.as_dict() for c in self.corrections],
        }


def collect_pairs(layout: Layout, languages: list[str] | None = None) -> list[Pair]:
    """Reviewed entries with the machine suggestion exported for them."""
    pairs = []
    if not layout.locales.is_dir():
        return pairs
    for directory in sorted(p for p in layout.locales.iterdir() if p.is_dir()):
        language = directory.name
        if language == "templates" or (languages and language not in languages):
            continue
        for po_file in sorted(directory.glob("*.po")):
            suggestions = read_suggestions(layout.suggestions_file(language, po_file.stem))
            for entry in read_catalog(po_file).entries:
                record = suggestions.get(entry.msgid)
                if entry.obsolete or not entry.reviewed or not record:
                    continue
                if record.get("origin") != Origin.MT:
                    continue
                pairs.append(
                    Pair(
                        language,
                        po_file.stem,
                        record.get("detail", ""),
                        record.get("date", "")[:7],
                        entry.msgid,
                        record["text"],
                        entry.msgstr,
                    )
                )
    return pairs


def quality_report(pairs: list[Pair], min_repeats: int = 2) -> QualityReport:
    return QualityReport(
        overall=_scores(pairs, lambda p: p.language),
        by_release=_scores(pairs, lambda p: f"{p.language} · {p.release}"),
        by_model=_scores(pairs, lambda p: f"{p.language} · {p.model}"),
        by_month=_scores(pairs, lambda p: f"{p.language} · {p.month}"),
        corrections=tuple(repeated_corrections(pairs, min_repeats)),
    )


def _scores(pairs: list[Pair], key: Callable[[Pair], str]) -> tuple[Score, ...]:
    groups: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        groups[key(pair)].append(pair)
    return tuple(_score(name, items) for name, items in sorted(groups.items()))


def _score(group: str, pairs: list[Pair]) -> Score:
    hypotheses = [p.suggestion for p in pairs]
    references = [[p.approved for p in pairs]]
    return Score(
        group=group,
        segments=len(pairs),
        unchanged=sum(p.suggestion == p.approved for p in pairs),
        chrf=CHRF().corpus_score(hypotheses, references).score,
        ter=TER().corpus_score(hypotheses, references).score,
    )


def repeated_corrections(pairs: Iterable[Pair], min_repeats: int = 2) -> list[Correction]:
    """The same machine wording replaced by the same approved wording, again and again."""
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    for pair in pairs:
        for change in _changes(pair.suggestion, pair.approved):
            counts[change] += 1
            examples.setdefault(change, pair.source)
    return [
        Correction(machine, approved, count, examples[(machine, approved)])
        for (machine, approved), count in counts.most_common()
        if count >= min_repeats
    ]


def _changes(machine: str, approved: str) -> set[tuple[str, str]]:
    """Replaced word runs (machine → approved), per segment."""
    left, right = _TOKEN.findall(machine), _TOKEN.findall(approved)
    matcher = difflib.SequenceMatcher(
        a=[t.casefold() for t in left], b=[t.casefold() for t in right], autojunk=False
    )
    changes = set()
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "replace" and a1 - a0 <= 4 and b1 - b0 <= 4:
            changes.add((" ".join(left[a0:a1]), " ".join(right[b0:b1])))
    return changes
