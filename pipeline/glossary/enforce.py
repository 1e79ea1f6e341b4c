"""Enforcing glossary terms in machine translation, and saying how each one fared.

Every matched term with a target in the output language becomes a placeholder that is
restored as the preferred target term (its plural where the German was plural; the
German surface for do-not-translate terms). On a package that carries placeholders the
model copies it; if the model loses it, the engine translates the segment again with the
target term written into the German text in its place. On a package that cannot carry
placeholders (most real ones) the target term is written into the source from the start
(code-switching), or, where it does not come out, written into the output with
``target_prefix`` so the model continues the sentence after it. Only the last resort,
re-insertion through attention, leaves a term unverified: it *needs review*.
:func:`applied_terms` records which of these happened for every term; ``enforced``
means the term was verified in the model's output.

The target is a :class:`~pipeline.mt.protect.TermText`: where it is restored, the article
the model wrote before it is made to agree with it (``an MRI``, ``l'IRM``, the glossary's
``gender_<lang>``; :mod:`pipeline.glossary.agreement`).

Whether a translation has a term is decided in one place, :meth:`TargetTerm.status`:
any of the concept's target variants (singular or plural), as whole words, with the
target language's plural endings, and in the written case for case-sensitive concepts
(acronyms, names). The ``#. term`` comment of a PO entry, the ``glossary`` check and the
HTML report all ask it, so they cannot disagree about the same translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from pipeline.glossary.match import Matcher, MatchKind, TermHit
from pipeline.glossary.model import Concept, Termbase
from pipeline.mt.protect import TermText
from pipeline.po.notes import CompoundHint

ENFORCED = "enforced"  # the placeholder came through
INJECTED = "injected"  # the target term was written into the source, and came out
PREFIXED = "prefixed"  # written into the output (target_prefix), the model went on after it
NEEDS_REVIEW = "needs-review"  # put where attention points: not verified, a reviewer decides
MISSING = "missing"  # not in the output
PRESENT = "present"  # not protected (it overlaps markup) or its placeholder lost, but in the output
NO_TERM = "no-term"  # the glossary has no term in this language: a hint only


# Plural endings per language as (singular ending, plural ending): a word that ends in
# the first may end in the second instead, and the other way round. Only words of three
# letters or more are inflected (articles and prepositions inside a term stay as written);
# an acronym takes -s.
PLURAL_ENDINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("", "s"), ("", "es"), ("y", "ies"), ("f", "ves"), ("fe", "ves"), ("is", "es"),
           ("um", "a"), ("on", "a"), ("us", "i")),
    "fr": (("", "s"), ("", "x"), ("al", "aux"), ("ail", "aux")),
    "es": (("", "s"), ("", "es"), ("z", "ces"), ("ón", "ones"), ("án", "anes"),
           ("és", "eses"), ("ín", "ines")),
    "it": (("o", "i"), ("a", "e"), ("e", "i"), ("a", "i"), ("co", "chi"), ("go", "ghi"),
           ("ca", "che"), ("ga", "ghe"), ("io", "i"), ("cia", "ce"), ("gia", "ge")),
}  # fmt: skip
_APOSTROPHES = "'’"


def word_forms(word: str, language: str) -> tuple[str, ...]:
    """The word and its singular or plural forms by the language's endings."""
    forms = {word}
    if word.isupper() and len(word) >= 2:
        forms |= {word + "s", word[:-1]} if word.endswith("s") else {word + "s"}
    elif len(word) >= 3:
        for singular, plural in PLURAL_ENDINGS.get(language, ()):
            if word.endswith(singular):
                forms.add(word[: len(word) - len(singular)] + plural)
            if word.endswith(plural) and len(word) > len(plural) + 1:
                forms.add(word[: len(word) - len(plural)] + singular)
    return tuple(sorted(forms))


@lru_cache(maxsize=4096)
def _forms_pattern(forms: tuple[str, ...], language: str, case_sensitive: bool) -> re.Pattern[str]:
    alternatives = []
    for form in forms:
        words = [
            "(?:" + "|".join(_literal(w) for w in sorted(word_forms(word, language), key=len,
                                                         reverse=True)) + ")"
            for word in form.split()
        ]  # fmt: skip
        alternatives.append(r"[\s\u00a0]+".join(words))
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", flags)


def _literal(word: str) -> str:
    """A word as a pattern; either apostrophe matches either."""
    return "".join(f"[{_APOSTROPHES}]" if c in _APOSTROPHES else re.escape(c) for c in word)


@dataclass(frozen=True)
class TargetTerm:
    """What a translation must contain for one glossary concept in one language."""

    concept: str
    text: str  # the preferred form, as shown to reviewers
    forms: tuple[str, ...] = ()  # every accepted variant (default: ``text``)
    case_sensitive: bool = False
    language: str = ""  # whose plural endings apply ("": none)

    def spans(self, translation: str) -> list[tuple[int, int]]:
        """Where the term occurs in a translation."""
        pattern = _forms_pattern(self.forms or (self.text,), self.language, self.case_sensitive)
        return [match.span() for match in pattern.finditer(translation)]

    def status(self, translation: str) -> str:
        """PRESENT or MISSING: the one decision on whether a translation has the term."""
        pattern = _forms_pattern(self.forms or (self.text,), self.language, self.case_sensitive)
        return PRESENT if pattern.search(translation) else MISSING


def target_term(
    concept: Concept, language: str, plural: bool = False, surface: str = ""
) -> TargetTerm | None:
    """The term a translation of ``surface`` needs; None when the glossary has none."""
    preferred = concept.target(language, plural=plural, surface=surface)
    if preferred is None:
        return None
    if concept.dnt:  # the German form, exactly as written
        return TargetTerm(concept.id, preferred, (preferred,), True)
    variants = concept.terms.get(language, ())
    forms = tuple(dict.fromkeys(f for t in variants for f in (t.text, t.plural) if f))
    return TargetTerm(concept.id, preferred, forms, concept.case_sensitive, language)


def hit_targets(
    hits: Sequence[TermHit], termbase: Termbase, language: str
) -> list[TargetTerm | None]:
    """The target term each hit needs, in order (None: the glossary has none).

    A coordinated conjunct („diagnostische“ in „diagnostische und interventionelle
    Radiologie“) shares its head with the next term, and so may its translation: it also
    counts as present without the words it shares with that term's target („diagnostic“
    in "diagnostic and interventional radiology").
    """
    targets = []
    for hit in hits:
        concept = termbase.get(hit.concept)
        targets.append(target_term(concept, language, hit.plural, hit.surface) if concept else None)
    for index, hit in enumerate(hits):
        if hit.kind is not MatchKind.COORDINATED or targets[index] is None:
            continue
        partner = next(
            (i for i in range(index + 1, len(hits))
             if hits[i].kind is MatchKind.TERM and targets[i] is not None),
            None,
        )  # fmt: skip
        if partner is not None:  # either side may be the one said without the shared words
            own, other = targets[index], targets[partner]
            targets[index] = _without_shared(own, other)  # type: ignore[arg-type]
            targets[partner] = _without_shared(other, own)  # type: ignore[arg-type]
    return targets


def _without_shared(term: TargetTerm, other: TargetTerm) -> TargetTerm:
    """``term`` also accepted without the words it shares with ``other``'s preferred form
    ("diagnostic" of "diagnostic radiology" beside "interventional radiology";
    "interventionnelle" of "radiologie interventionnelle" beside "radiologie diagnostique")."""
    shared = set(other.text.split())
    words = term.text.split()
    kept = [word for word in words if word not in shared]
    if not kept or len(kept) == len(words):
        return term
    return replace(term, forms=(*(term.forms or (term.text,)), " ".join(kept)))


def target_terms(hits: Iterable[TermHit], termbase: Termbase, language: str) -> list[TargetTerm]:
    """The target terms for these German hits, each concept once."""
    hits = list(hits)
    found: dict[str, TargetTerm] = {}
    for hit, term in zip(hits, hit_targets(hits, termbase, language), strict=True):
        if term is not None:
            found.setdefault(hit.concept, term)
    return list(found.values())


@dataclass(frozen=True)
class TermSpan:
    """A term to enforce in one segment, for one target language."""

    concept: str
    start: int
    end: int
    surface: str
    target: str | None
    dnt: bool = False
    expected: TargetTerm | None = None  # what the output must contain (default: ``target``)


@dataclass(frozen=True)
class AppliedTerm:
    concept: str
    source: str
    target: str | None
    status: str

    @property
    def enforced(self) -> bool:
        """Verified in the model's output (a term placed by attention is not)."""
        return self.status in (ENFORCED, INJECTED, PREFIXED)

    def as_dict(self) -> dict[str, object]:
        return {
            "concept": self.concept,
            "source": self.source,
            "target": self.target,
            "status": self.status,
        }


def plan_terms(hits: Sequence[TermHit], termbase: Termbase, language: str) -> tuple[TermSpan, ...]:
    spans = []
    for hit, expected in zip(hits, hit_targets(hits, termbase, language), strict=True):
        concept = termbase.get(hit.concept)
        if concept is None:
            continue
        # the restored term makes the model's article before it agree (a → an, le → l')
        target = TermText(expected.text, language, concept.gender(language)) if expected else None
        spans.append(
            TermSpan(hit.concept, hit.start, hit.end, hit.surface, target, concept.dnt, expected)
        )
    return tuple(spans)


def find_terms(text: str, matcher: Matcher, language: str) -> tuple[TermSpan, ...]:
    return plan_terms(matcher.find(text), matcher.termbase, language)


def context_key(spans: Sequence[TermSpan], termbase: Termbase) -> str:
    """The glossary entries a segment uses, for its cache key."""
    return "\x1e".join(sorted({termbase.fingerprint(span.concept) for span in spans}))


@dataclass(frozen=True)
class Placement:
    """How the engine got placeholders into an output, by placeholder number (read from
    its notes, :meth:`pipeline.mt.engine.Translation.numbers_noted`; on a pivot, from
    every leg)."""

    shown: frozenset[int] = field(default_factory=frozenset)  # written as text, found again
    prefixed: frozenset[int] = field(default_factory=frozenset)  # written with target_prefix
    aligned: frozenset[int] = field(default_factory=frozenset)  # put where attention points


def applied_terms(
    spans: Sequence[TermSpan],
    numbers: dict[TermSpan, int],
    output: str,
    final: str,
    placement: Placement,
) -> tuple[AppliedTerm, ...]:
    """How each term fared: ``numbers`` maps masked terms to their placeholders, ``output``
    is the model output with placeholders, ``final`` the restored text. A term the final
    text lacks (:meth:`TargetTerm.status`) is missing, however it was placed; one that
    any leg placed by attention needs review."""
    results = []
    for span in spans:
        if span.target is None:
            results.append(AppliedTerm(span.concept, span.surface, None, NO_TERM))
            continue
        expected = span.expected or TargetTerm(span.concept, span.target)
        number = numbers.get(span)
        if expected.status(final) == MISSING:
            status = MISSING
        elif number is None or output.count(f"⟦{number}⟧") != 1:
            status = PRESENT
        elif number in placement.aligned:
            status = NEEDS_REVIEW
        elif number in placement.prefixed:
            status = PREFIXED
        elif number in placement.shown:
            status = INJECTED
        else:
            status = ENFORCED
        results.append(AppliedTerm(span.concept, span.surface, span.target, status))
    return tuple(results)


def compound_hints(text: str, matcher: Matcher, language: str) -> tuple[CompoundHint, ...]:
    """The closed compounds of ``text`` whose head is a concept, with the head's target
    (or "(no … term)"): shown to reviewers, never checked."""
    hints = []
    for hit in matcher.hints(text):
        concept = matcher.termbase.get(hit.concept)
        if concept is not None:
            target = concept.target(language, hit.plural) or f"(no {language} term)"
            hints.append(CompoundHint(hit.surface, hit.term, target))
    return tuple(hints)
