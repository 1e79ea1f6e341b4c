"""Candidate terms for the glossary, as a terminologist would list them.

Four kinds of candidates, each in its base form (singular; an adjective with the ending
of the nominative, „interventionelle Radiologie“ for „der interventionellen Radiologie“):

- *acronym*: a word of capitals (MRT, LLMs → LLM, BfArM, G-BA), with the expansion found
  beside it in either order: „European Society of Radiology (ESR)“, „ESR (European
  Society of Radiology)“, „der Deutschen Röntgengesellschaft (DRG)“;
- *compound*: a hyphenated word (KI-Modell, CT-Untersuchung) or a closed compound whose
  parts are both German words (Lebermetastasen → Lebermetastase);
- *multiword*: adjectives before a noun („photonenzählende Computertomographie“), and the
  expansion of an acronym („European Society of Radiology“);
- *noun*: any other capitalised word that does not start a sentence.

They are ranked by termhood: how much more frequent a candidate is in the given texts
than in general German (``wordfreq.zipf_frequency(term, "de")``; both on the Zipf scale,
log10 of occurrences per billion words). A term seen once in a few releases and never in
general German („Bildrekonstruktion“) comes far above a common word seen as often
(„Gesellschaft“, „Innovationen“). Candidates the termbase already has are left out, or
kept and marked with the concept id (``include_known``).

Every text is read once, with a bounded amount of work per word: linear time.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import simplemma
from wordfreq import zipf_frequency

from pipeline.glossary.match import Matcher, TermHit

_WORD = re.compile(r"\w+(?:[-/]\w+)*-?", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;„“\"»«]\s*$")
_PARENTHESIS = re.compile(r"\(([^()]{1,200})\)")
MAX_EXPANSION_WORDS = 8
MAX_ADJECTIVES = 3
MAX_NAME_WORDS = 3  # first names and surname after a title
MAX_ACRONYM_LETTERS = 10
MAX_SPLIT_LENGTH = 40  # longest word the compound splitter tries: bounded work per word
# A closed compound's parts: words of general German (wordfreq), at least 4 letters each.
MIN_HEAD_ZIPF = 2.5
MIN_MODIFIER_ZIPF = 2.0
MIN_PART_LETTERS = 4
COMMON_ADJECTIVE_ZIPF = 4.3  # „neue Studie“, „ersten Ergebnisse“: no term
MIN_NOUN_LETTERS = 4

# Words an expansion may skip or spell with (European Society *of* Radiology).
_FUNCTION_WORDS = frozenset({"of", "for", "and", "the", "in", "on", "für", "und", "der",
                             "die", "das", "des", "im", "am", "an", "zur", "zum",
                             "von", "vom", "mit", "e.v"})  # fmt: skip
# Capitalised words that are no nouns, or that no terminologist lists.
_NOT_NOUNS = frozenset({"Sie", "Ihr", "Ihre", "Ihnen", "Ihrer", "Der", "Die", "Das", "Den",
                        "Dem", "Des", "Ein", "Eine", "Einer", "Eines", "Einem", "Einen",
                        "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
                        "August", "September", "Oktober", "November", "Dezember",
                        "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag",
                        "Samstag", "Sonntag", "Prof", "Dr", "Herr", "Frau", "Tel", "Fax",
                        "Uhr", "Jahr", "Jahre", "Jahren", "Prozent", "Euro"})  # fmt: skip
# Words after which capitalised words are a person's name (Prof. Dr. med. Anna Weber).
_TITLES = frozenset({"Prof", "Dr", "med", "Herr", "Frau", "PD", "Dipl", "nat", "rer",
                     "Professor", "Professorin", "Dr.", "Inform", "Ing"})  # fmt: skip
_ADJECTIVE_ENDINGS = ("en", "em", "er", "es", "e")
_ADJECTIVE_STEMS = ("isch", "lich", "ell", "al", "iv", "ig", "är", "ar", "bar", "end",
                    "iert", "ert", "ent", "ant", "ös", "os", "haltig", "gestützt",
                    "basiert", "gewichtet", "verstärkt", "frei", "tiv")  # fmt: skip
# Stems of capitalised adjectives in names (Deutsche, Kassenärztliche, Internationale).
_NAME_ADJECTIVE_STEMS = ("isch", "lich", "sch", "ig", "al", "är", "sam", "zählend", "ierend")
_LINKING_ELEMENTS = ("s", "es", "n", "en", "er", "e")
# Heads that are derivational suffixes, not words: Gesellschaft is no compound.
_SUFFIX_HEADS = frozenset({"schaft", "heit", "keit", "ung", "tion", "ität", "lich", "ismus",
                           "chen", "lein", "nis", "schen", "tum", "ling", "ik", "ie", "ei", "ur",
                           "ment", "enz", "anz", "ist", "iker", "schaften", "ungen",
                           "tionen", "heiten", "keiten", "innen"})  # fmt: skip
# Nouns simplemma reduces wrongly (Daten → Datum): kept as written.
_KEEP_AS_WRITTEN = frozenset({"daten", "medien", "kosten", "leute", "eltern"})
# The ending of an adjective before a noun in the nominative singular without article
# (the glossary's form), by the noun's gender as its ending tells; masculine otherwise.
_FEMININE = ("ung", "heit", "keit", "ion", "ie", "tät", "ik", "schaft", "ur", "enz", "anz",
             "ose", "itis", "e", "in", "innen", "ei", "ät")  # fmt: skip
_NEUTER = ("um", "ment", "chen", "lein", "ma", "nis", "tum", "ell", "al", "ing", "eren",
           "etz", "erk", "gerät", "mittel", "verfahren", "modell", "system", "bild", "programm",
           "zentrum", "institut", "netz")  # fmt: skip


class CandidateKind(StrEnum):
    ACRONYM = "acronym"
    COMPOUND = "compound"
    MULTIWORD = "multiword"
    NOUN = "noun"


@dataclass(frozen=True)
class Candidate:
    """A term the glossary may lack, in base form, with how often and where it occurs."""

    term: str
    kind: CandidateKind
    count: int
    termhood: float  # Zipf frequency in the texts minus Zipf frequency in general German
    example: str  # a segment where it occurs
    expansion: str = ""  # acronyms: the words that spell it
    known: str = ""  # the concept id, where the termbase already has the term
    forms: tuple[str, ...] = ()  # how it was written, most frequent first (at most 3)

    def as_dict(self) -> dict[str, object]:
        return {
            "term": self.term,
            "kind": str(self.kind),
            "count": self.count,
            "termhood": round(self.termhood, 2),
            "expansion": self.expansion,
            "known": self.known,
            "forms": list(self.forms),
            "example": self.example,
        }


@dataclass(frozen=True)
class _Occurrence:
    term: str  # base form
    kind: CandidateKind
    surface: str
    start: int
    end: int
    expansion: str = ""
    expansion_span: tuple[int, int] = (0, 0)  # where the expansion is written


@dataclass
class _Tally:
    """What is collected about one candidate while the texts are read."""

    kind: CandidateKind
    example: str
    count: int = 0
    terms: Counter[str] = field(default_factory=Counter)  # base forms, as written
    known: str = ""
    surfaces: Counter[str] = field(default_factory=Counter)
    expansions: Counter[str] = field(default_factory=Counter)


def extract(
    segments: Iterable[str],
    matcher: Matcher,
    limit: int = 50,
    include_known: bool = False,
) -> list[Candidate]:
    """The ``limit`` candidates of highest termhood in ``segments``."""
    tallies: dict[str, _Tally] = {}
    words = 0
    for text in segments:
        words += len(_WORD.findall(text))
        hits = matcher.find(text)
        starts = [hit.start for hit in hits]
        for occurrence in occurrences(text):
            key = occurrence.term.casefold()
            tally = tallies.setdefault(key, _Tally(occurrence.kind, example=text))
            tally.count += 1
            tally.terms[occurrence.term] += 1
            tally.surfaces[occurrence.surface] += 1
            if occurrence.expansion:
                tally.expansions[occurrence.expansion] += 1
            covering = _covering_hit(hits, starts, occurrence)
            if covering and not tally.known:
                tally.known = covering
    _add_expansions(tallies)
    candidates = [_candidate(tally, words, matcher) for tally in tallies.values()]
    kept = [c for c in candidates if include_known or not c.known]
    kept.sort(key=lambda c: (-c.termhood, -c.count, c.term))
    return kept[:limit]


def termhood(term: str, count: int, words: int) -> float:
    """Zipf frequency of ``term`` in texts of ``words`` words minus that in general German."""
    in_texts = math.log10(count * 1e9 / max(words, 1))
    return in_texts - general_zipf(term)


@lru_cache(maxsize=100_000)
def general_zipf(word: str) -> float:
    """The Zipf frequency of a word or phrase in general German (0 if wordfreq lacks it)."""
    return zipf_frequency(word, "de")


# --- finding occurrences ---------------------------------------------------------------


def occurrences(text: str) -> list[_Occurrence]:
    """Every candidate occurrence in ``text``, in text order. Words inside an acronym's
    expansion are not candidates of their own (the expansion is)."""
    matches = list(_WORD.finditer(text))
    found: list[_Occurrence] = []
    name_words = 0  # how many more capitalised words may be a person's name
    for index, match in enumerate(matches):
        word = match.group()
        if not word[:1].isalpha() or word.endswith("-"):
            continue  # numbers; „Computer-“ in „Computer- und …“
        gap = text[matches[index - 1].end() : match.start()] if index else ""
        if word in _TITLES:
            name_words = MAX_NAME_WORDS
            continue
        if name_words and word[0].isupper() and gap.strip(". ") == "":
            name_words -= 1
            continue  # a person's name after a title: Prof. Dr. Anna Weber
        name_words = 0
        if _is_acronym(word):
            found.append(_acronym(text, match, word))
            continue
        initial = index == 0 or bool(_SENTENCE_END.search(text[: match.start()][-3:]))
        multiword = None if initial else _multiword(text, matches, index)
        if multiword is not None:
            found.append(multiword)
        if word[0].islower() or multiword is not None:
            continue
        if not initial and word not in _NOT_NOUNS and len(word) >= MIN_NOUN_LETTERS:
            found.append(_noun_or_compound(word, match.start()))
    return _outside_expansions(found, len(text))


def _outside_expansions(found: list[_Occurrence], length: int) -> list[_Occurrence]:
    inside = bytearray(length)
    for occurrence in found:
        start, end = occurrence.expansion_span
        inside[start:end] = b"\x01" * (end - start)
    return [o for o in found if o.kind is CandidateKind.ACRONYM or not inside[o.start]]


def _is_acronym(word: str) -> bool:
    """MRT, LLMs, BfArM, G-BA, PET/CT: at least two capitals, no more small letters."""
    letters = [c for c in word if c.isalpha()]
    capitals = sum(c.isupper() for c in letters)
    plural = word.endswith("s") and word[:-1].isupper()
    return capitals >= 2 and (capitals >= len(letters) - capitals or plural)


def _acronym(text: str, match: re.Match[str], word: str) -> _Occurrence:
    """„Deutsche Röntgengesellschaft (DRG)“ or „DRG (Deutsche Röntgengesellschaft)“."""
    base = word[:-1] if word.endswith("s") and word[:-1].isupper() else word
    start, end = match.start(), match.start() + len(word)
    if len(base) <= MAX_ACRONYM_LETTERS:
        if text[start - 1 : start] == "(" and text[end : end + 1] in (")", ","):
            before = text[: start - 1].rstrip()
            expansion = expansion_before(before, base)
            if expansion:
                where = before.rfind(expansion.split()[0], max(0, len(before) - 300))
                span = (max(where, 0), len(before))
                return _Occurrence(base, CandidateKind.ACRONYM, word, start, end, expansion, span)
        after = _PARENTHESIS.match(text, end + (text[end : end + 1] == " "))
        if after is not None:
            expansion = expansion_after(after.group(1), base)
            if expansion:
                span = (after.start(1), after.end(1))
                return _Occurrence(base, CandidateKind.ACRONYM, word, start, end, expansion, span)
    return _Occurrence(base, CandidateKind.ACRONYM, word, start, end)


def _multiword(text: str, matches: Sequence[re.Match[str]], index: int) -> _Occurrence | None:
    """Adjectives of a term and the noun after them, from ``matches[index]`` on:
    „interventionellen Radiologie“, and in names „Deutschen Röntgengesellschaft“."""
    if index > 0 and _is_term_adjective(matches[index - 1].group()):
        return None  # the chain started one word earlier
    adjectives: list[str] = []
    position = index
    while position < len(matches) and len(adjectives) < MAX_ADJECTIVES:
        word = matches[position].group()
        if not _is_term_adjective(word):
            break
        adjectives.append(word)
        position += 1
        if not _only_spaces_between(text, matches, position):
            return None
    if not adjectives or position >= len(matches):
        return None
    noun = matches[position].group()
    if not (noun[0].isupper() and noun.isalpha() and len(noun) >= MIN_NOUN_LETTERS):
        return None
    if noun in _NOT_NOUNS or _is_acronym(noun):
        return None
    start, end = matches[index].start(), matches[position].end()
    return _Occurrence(
        base_phrase([*adjectives, noun]), CandidateKind.MULTIWORD, text[start:end], start, end
    )


def _only_spaces_between(text: str, matches: Sequence[re.Match[str]], position: int) -> bool:
    if position >= len(matches):
        return True
    gap = text[matches[position - 1].end() : matches[position].start()]
    return gap.isspace() and gap.count("\n") <= 1


def _is_term_adjective(word: str) -> bool:
    """„interventionellen“, „photonenzählende“ (inflected, of a term-like stem, not a common
    word like „neuen“), and in names „Deutschen“, „Kassenärztliche“ (capitalised)."""
    if not word.isalpha():
        return False
    ending = next((e for e in _ADJECTIVE_ENDINGS if word.endswith(e)), None)
    if ending is None:
        return False
    stem = word[: -len(ending)].lower()
    if word[0].isupper():
        return len(stem) >= 4 and stem.endswith(_NAME_ADJECTIVE_STEMS)
    if len(stem) < 4 or not stem.endswith(_ADJECTIVE_STEMS):
        return False
    return general_zipf(word) < COMMON_ADJECTIVE_ZIPF


def _noun_or_compound(word: str, start: int) -> _Occurrence:
    end = start + len(word)
    if "-" in word or "/" in word:
        return _Occurrence(base_compound(word), CandidateKind.COMPOUND, word, start, end)
    singular = base_noun(word) if word.endswith("innen") else word  # not Befunde-rinnen
    split = split_compound(singular)
    if split is None:
        return _Occurrence(base_noun(word), CandidateKind.NOUN, word, start, end)
    modifier, head = split
    head_lemma = base_noun(head.capitalize()).lower()  # Schwerpunkten: Punkt, not punkten
    return _Occurrence(modifier + head_lemma, CandidateKind.COMPOUND, word, start, end)


# --- base forms --------------------------------------------------------------------------


def base_noun(word: str) -> str:
    """The singular of a noun as simplemma gives it (Metastasen → Metastase), same case."""
    if word.lower() in _KEEP_AS_WRITTEN or word.isupper():
        return word
    if word.endswith("innen") and len(word) > 8:
        return word[: -len("nen")]  # Technologinnen → Technologin
    if word.endswith("sses"):
        return word[: -len("es")]  # Bundesausschusses → Bundesausschuss
    lemma = simplemma.lemmatize(word, lang="de")
    if lemma.lower()[:3] != word.lower()[:3]:
        return word  # not a reduction of this word
    return word[0] + lemma[1:] if lemma else word


def base_compound(word: str) -> str:
    """KI-Modelle → KI-Modell: the last part in its singular."""
    cut = max(word.rfind("-"), word.rfind("/")) + 1
    head = word[cut:]
    if not head.isalpha() or head.isupper():
        return word
    if head[0].islower():  # KI-gestützten: an adjective, keep its stem form
        return word[:cut] + _adjective_base(head, "")
    return word[:cut] + base_noun(head)


def base_phrase(words: Sequence[str]) -> str:
    """„der interventionellen Radiologie“ → „interventionelle Radiologie“: the noun in the
    singular, each adjective with the ending its gender takes without an article."""
    noun = base_noun(words[-1])
    return " ".join([*(_adjective_base(w, noun) for w in words[:-1]), noun])


def _adjective_base(word: str, noun: str) -> str:
    ending = next((e for e in _ADJECTIVE_ENDINGS if word.endswith(e)), "")
    stem = word[: -len(ending)] if ending else word
    if not noun:
        return stem
    lowered = noun.lower()
    if lowered.endswith(_NEUTER):
        return stem + "es"
    if lowered.endswith(_FEMININE):
        return stem + "e"
    return stem + "er"


@lru_cache(maxsize=100_000)
def split_compound(word: str) -> tuple[str, str] | None:
    """Lebermetastasen → ("Leber", "metastasen"): the longest head that is a German word
    after a modifier that is one too (without its linking element), or None. A compound
    is rarer than its head: Patienten is no Pati-enten."""
    lowered = word.lower()
    if len(lowered) > MAX_SPLIT_LENGTH or not lowered.isalpha():
        return None
    for cut in range(MIN_PART_LETTERS, len(lowered) - MIN_PART_LETTERS + 1):
        head = lowered[cut:]
        if head in _SUFFIX_HEADS or general_zipf(head) < MIN_HEAD_ZIPF:
            continue
        modifier = lowered[:cut]
        if _is_modifier(modifier) and general_zipf(lowered) <= general_zipf(head):
            return word[:cut], head
    return None


def _is_modifier(part: str) -> bool:
    """A German word, maybe with a linking element: Leber, Untersuchungs, Strahlen."""
    stems = [part] + [
        part[: -len(link)]
        for link in _LINKING_ELEMENTS
        if part.endswith(link) and len(part) - len(link) >= MIN_PART_LETTERS
    ]
    return any(general_zipf(stem) >= MIN_MODIFIER_ZIPF for stem in stems)


def expansion_before(before: str, acronym: str) -> str:
    """The fewest words before „(ESR)“ that spell the acronym, or ""."""
    words = _expansion_words(before)[-MAX_EXPANSION_WORDS:]
    for size in range(1, len(words) + 1):
        candidate = words[-size:]
        if candidate[0].lower() not in _FUNCTION_WORDS and spells(candidate, acronym):
            return " ".join(candidate)
    return ""


def expansion_after(inside: str, acronym: str) -> str:
    """The words in „ESR (European Society of Radiology)“ if they spell the acronym."""
    words = _expansion_words(inside.split(",")[0])[:MAX_EXPANSION_WORDS]
    for size in range(len(words), 0, -1):
        candidate = words[:size]
        if candidate[-1].lower() not in _FUNCTION_WORDS and spells(candidate, acronym):
            return " ".join(candidate)
    return ""


def _expansion_words(text: str) -> list[str]:
    tail = re.split(r"[,;:()„“\"]", text)[-1] if text else ""
    return [w.strip(".") for w in tail.split() if w.strip(".")]


def spells(words: Sequence[str], acronym: str) -> bool:
    """Whether ``words`` spell ``acronym``: each word starts with its next letter (further
    letters may come from inside the word: MRT in Magnetresonanztomographie), and function
    words (of, für, und) may be left out."""
    letters = "".join(c for c in acronym.lower() if c.isalpha())
    return _spells(tuple(w.lower() for w in words), letters)


@lru_cache(maxsize=4096)
def _spells(words: tuple[str, ...], letters: str) -> bool:
    if not words:
        return not letters
    word, rest = words[0], words[1:]
    if word in _FUNCTION_WORDS and _spells(rest, letters):
        return True
    if not letters or word[:1] != letters[0]:
        return False
    position = 1
    for taken in range(len(letters)):  # 0..n further letters from inside this word
        if taken:
            position = word.find(letters[taken], position) + 1
            if position == 0:
                return False
        if _spells(rest, letters[taken + 1 :]):
            return True
    return False


# --- tallies into candidates -------------------------------------------------------------


def _covering_hit(hits: Sequence[TermHit], starts: Sequence[int], occurrence: _Occurrence) -> str:
    """The concept of the hit (hits do not overlap, in text order) that covers it, or ""."""
    index = bisect_right(starts, occurrence.start) - 1
    if index >= 0 and occurrence.end <= hits[index].end:
        return hits[index].concept
    return ""


def _add_expansions(tallies: dict[str, _Tally]) -> None:
    """An acronym's expansion of several words is a multiword candidate of its own."""
    for tally in list(tallies.values()):
        for expansion, count in tally.expansions.items():
            if " " not in expansion:
                continue
            term = _base_expansion(expansion)
            entry = tallies.setdefault(
                term.casefold(), _Tally(CandidateKind.MULTIWORD, tally.example)
            )
            if entry.kind is CandidateKind.MULTIWORD:
                entry.count += count
                entry.terms[term] += count
                entry.surfaces[expansion] += count


def _base_expansion(expansion: str) -> str:
    """„Deutschen Röntgengesellschaft“ → „Deutsche Röntgengesellschaft“: capitalised
    adjectives before the first noun take their nominative ending."""
    words = expansion.split()
    first_noun = next(
        (i for i, w in enumerate(words) if not (w[:1].isupper() and _is_term_adjective(w))),
        len(words),
    )
    if first_noun == 0 or first_noun == len(words):
        return expansion
    noun = base_noun(words[first_noun])
    fixed = [_capitalised_adjective_base(w, noun) for w in words[:first_noun]]
    return " ".join([*fixed, noun, *words[first_noun + 1 :]])


def _capitalised_adjective_base(word: str, noun: str) -> str:
    """Only a dative or genitive ending is changed („Deutschen“ → „Deutsche“): the written
    nominative is right more often than the ending the noun's gender suggests."""
    return _adjective_base(word, noun) if word.endswith(("en", "em")) else word


def _candidate(tally: _Tally, words: int, matcher: Matcher) -> Candidate:
    term = tally.terms.most_common(1)[0][0]
    expansion = tally.expansions.most_common(1)[0][0] if tally.expansions else ""
    known = tally.known or _known(term, matcher)
    return Candidate(
        term=term,
        kind=tally.kind,
        count=tally.count,
        termhood=termhood(term, tally.count, words),
        example=tally.example,
        expansion=_base_expansion(expansion) if expansion else "",
        known=known,
        forms=tuple(surface for surface, _ in tally.surfaces.most_common(3)),
    )


def _known(term: str, matcher: Matcher) -> str:
    """The concept whose term is exactly ``term`` (in any of its forms), or ""."""
    for hit in matcher.find(term):
        if hit.start == 0 and hit.end == len(term):
            return hit.concept
    return ""
