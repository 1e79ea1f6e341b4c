"""Enforcing glossary terms in machine translation, and saying how each one fared.

Every matched term with a target in the output language becomes a placeholder that is
restored as the preferred target term (its plural where the German was plural; the
German surface for do-not-translate terms). If the model loses the placeholder, the
engine translates the segment again with the target term written into the German text
in its place, and as a last resort re-inserts the placeholder through attention
alignment. :func:`applied_terms` records which of these happened for every term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.glossary.match import Matcher, TermHit
from pipeline.glossary.model import Termbase

ENFORCED = "enforced"  # the placeholder came through
INJECTED = "injected"  # the target term was written into the source of a retry
ALIGNED = "aligned"  # placed through attention alignment after the model lost it
MISSING = "missing"  # not in the output
PRESENT = "present"  # not protected (it overlaps markup), but the output has it
NO_TERM = "no-term"  # the glossary has no term in this language: a hint only


@dataclass(frozen=True)
class TermSpan:
    """A term to enforce in one segment, for one target language."""

    concept: str
    start: int
    end: int
    surface: str
    target: str | None
    dnt: bool = False


@dataclass(frozen=True)
class AppliedTerm:
    concept: str
    source: str
    target: str | None
    status: str

    @property
    def enforced(self) -> bool:
        return self.status in (ENFORCED, INJECTED, ALIGNED)

    def as_dict(self) -> dict[str, object]:
        return {
            "concept": self.concept,
            "source": self.source,
            "target": self.target,
            "status": self.status,
        }


def plan_terms(hits: Sequence[TermHit], termbase: Termbase, language: str) -> tuple[TermSpan, ...]:
    spans = []
    for hit in hits:
        concept = termbase.get(hit.concept)
        if concept is None:
            continue
        target = concept.target(language, plural=hit.plural, surface=hit.surface)
        spans.append(TermSpan(hit.concept, hit.start, hit.end, hit.surface, target, concept.dnt))
    return tuple(spans)


def find_terms(text: str, matcher: Matcher, language: str) -> tuple[TermSpan, ...]:
    return plan_terms(matcher.find(text), matcher.termbase, language)


def context_key(spans: Sequence[TermSpan], termbase: Termbase) -> str:
    """The glossary entries a segment uses, for its cache key."""
    return "\x1e".join(sorted({termbase.fingerprint(span.concept) for span in spans}))


def applied_terms(
    spans: Sequence[TermSpan],
    numbers: dict[TermSpan, int],
    output: str,
    final: str,
    repair: str,
    shown: set[int],
) -> tuple[AppliedTerm, ...]:
    """How each term fared: ``numbers`` maps masked terms to their placeholders, ``output``
    is the model output with placeholders, ``final`` the restored text."""
    results = []
    for span in spans:
        if span.target is None:
            results.append(AppliedTerm(span.concept, span.surface, None, NO_TERM))
            continue
        number = numbers.get(span)
        if number is None:
            found = span.target.casefold() in final.casefold()
            status = PRESENT if found else MISSING
        elif output.count(f"⟦{number}⟧") != 1:
            status = MISSING
        elif repair == "alignment":
            status = ALIGNED
        elif repair == "retry" and number in shown:
            status = INJECTED
        else:
            status = ENFORCED
        results.append(AppliedTerm(span.concept, span.surface, span.target, status))
    return tuple(results)
