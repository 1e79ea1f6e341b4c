"""Find the glossary's German terms in text: inflection-aware, whole words, longest match.

Text and glossary terms go through the same normalisation: split into word and
punctuation tokens, gender forms written as one word (Radiolog:innen, Radiolog*innen,
Radiolog_innen, RadiologInnen → Radiologinnen), each word lower-cased and lemmatised with
simplemma (Radiologen → radiologe). One Aho-Corasick automaton over the token keys of
every term then finds all terms in one pass; keys are separated by a character that never
occurs in them, so a term only matches whole tokens (KI is not in Kiel). Overlaps are
resolved longest first. Case-sensitive concepts (acronyms, names) must also match the
written case, word by word (KI, not Ki; „der Deutschen Röntgengesellschaft“ is declined).

The German classes the normalisation handles:

- *Adjectives and participles* of a term (the words before its last one: „künstliche“,
  „Kassenärztliche“, „kontrastmittelverstärkter“) match with any adjective ending
  (-e, -en, -er, -es, -em): their key is the stem, in the terms and in the text alike.
  So does the last word of an adjective concept, written in its base form („KI-gestützt“
  matches „KI-gestützte“; simplemma reduces „gestützt“ to „stützen“, „gestützte“ not).
  simplemma alone reduces some endings and leaves others (scripts/compare_lemmatisers.py).
- *Genitive* of a term's noun that the lemmatiser does not know („des Gemeinsamen
  Bundesausschusses“, „des Portkatheters“): a capitalised word that simplemma lacks and
  that is a term's last word plus -s or -es has that word's key (not feminine nouns, whose
  „Untersuchungs-“ is a compound's first part).
- *Whitespace*: the words of a term may be separated by any spaces or one line break; the
  hit reports the span as written.
- *Hyphen and space*: a hyphen between two words is a word boundary like a space
  (Deep-Learning = Deep Learning; KI-gestützte contains KI). Leaving the hyphen out
  (Röntgenthorax) matches where the glossary writes the term ``Röntgen(-)Thorax``.
- *Coordination*: „diagnostische und interventionelle Radiologie“ also contains the
  concept of „diagnostische Radiologie“, „Computer- und Magnetresonanztomographie“ that of
  „Computertomographie“: a hit of kind ``coordinated`` on the first conjunct. The
  conjunction is und, oder, sowie, bzw. or „(sowohl …) als auch“, an article may start
  the second conjunct („die gesetzliche als auch die private Krankenversicherung“), the
  shared head may follow a hyphen („iterative oder Deep-Learning-Rekonstruktion“) or be
  part of the full word („Hirn- oder Lebertumoren“, „Brust- und Prostatakrebs-Vorsorge“);
  on the same span a conjunct wins over the concept of its word alone (ambulant).
- *Senses*: a concept's ``exclude`` contexts (model.Exclusion) drop its hits there.
- *Closed compounds* whose head is a concept („Lebermetastasen“ → Metastase) are
  :meth:`Matcher.hints`, of kind ``compound``: shown to reviewers, never enforced. A
  plural head counts (Schwerpunktpraxen → Praxis); where simplemma reduces the compound,
  its lemma must end with the head's (Schulungen is Schulung, not Schu + Lungen).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

import ahocorasick
import simplemma

from pipeline.glossary.model import NUMBER_SLOT, Concept, Exclusion, Term, Termbase, closed_form

_TOKEN = re.compile(r"\w+(?:[:*]in(?:nen)?(?!\w))?|[^\w\s]")
_GENDER_MARK = re.compile(r"[:*_](in(?:nen)?)$")
_BINNEN_I = re.compile(r"(?<=[a-zäöüß])In(nen)?$")
_SEPARATOR = "\x1f"
_SPACED = "\x1e"  # marks punctuation that follows a space ("KI - Modell" is not "KI-Modell")
_ADJECTIVE = "\x1d"  # starts the key of an adjective of a term: its stem, whatever the ending
_NUMBER = "\x1c"  # an exclusion's "#": any number
_GENITIVE = ("s", "es")
# Feminine nouns take no genitive -s: „Untersuchungs“ is the first part of a compound.
_FEMININE_SUFFIXES = ("ung", "heit", "keit", "schaft", "ion", "tät", "ik", "ie", "ei", "ur")
_PLURAL_ENDINGS = ("innen", "en", "er", "e", "n", "s")
ADJECTIVE_ENDINGS = ("em", "en", "er", "es", "e")
# Endings of adjectives and participles written with a capital in a name („Deutsche“,
# „Kassenärztliche“, „Medizinischer“): a capitalised word before a term's last word is an
# adjective only if its stem ends so (or simplemma reduces it to the stem), not „Technologe“.
_ADJECTIVE_SUFFIXES = ("lich", "isch", "ig", "ell", "al", "iv", "är", "ar", "bar", "los",
                       "sam", "haft", "end", "ent", "ant", "ös", "frei", "t")  # fmt: skip
_MIN_STEM = 3
_HYPHENS = ("-", "‐")  # hyphen-minus, hyphen
_CONJUNCTIONS = ("und", "oder", "sowie", "bzw")
_TWO_WORD_CONJUNCTIONS = (("bzw", "."), ("als", "auch"))  # „sowohl … als auch …“
# An article may start the second conjunct: „die gesetzliche als auch die private …“.
_ARTICLES = frozenset({"der", "die", "das", "den", "dem", "des",
                       "ein", "eine", "einer", "einen", "einem", "eines"})  # fmt: skip
_MAX_CONJUNCTS = 8  # a coordination is followed back at most this far: linear time
_MAX_TRUNCATED_HEAD = 64  # longest word whose shared head is looked for, letter by letter
# Closed compounds: a head is a concept's single-word noun of at least _MIN_HEAD letters,
# after a modifier of at least _MIN_MODIFIER letters (without its linking element) that is
# not a verb prefix (Vorbild is no Bild, Ausstrahlung no Strahlung).
_MIN_HEAD = 4
_MIN_MODIFIER = 3
_LINKING_ELEMENTS = ("ens", "es", "en", "er", "n", "s", "e")
_PREFIXES = frozenset({"ab", "an", "auf", "aus", "be", "bei", "durch", "ein", "ent", "er", "ge",
                       "gegen", "hinter", "miss", "mit", "nach", "über", "um", "un", "unter",
                       "ur", "ver", "vor", "weg", "wider", "zer", "zu", "zurück"})  # fmt: skip


class MatchKind(StrEnum):
    TERM = "term"  # the term, in any of its forms
    COORDINATED = "coordinated"  # a conjunct that shares the next term's head
    COMPOUND = "compound"  # a closed compound whose head is the concept: a hint, not enforced


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    surface: str  # gender forms written as one word
    key: str  # lemma, lower case


@dataclass(frozen=True)
class TermHit:
    """A glossary term found in a text."""

    concept: str
    start: int
    end: int
    surface: str  # the text as written in the source
    term: str  # the German glossary term that matched
    plural: bool
    kind: MatchKind = MatchKind.TERM

    def as_dict(self) -> dict[str, object]:
        return {
            "concept": self.concept,
            "start": self.start,
            "end": self.end,
            "surface": self.surface,
            "term": self.term,
            "plural": self.plural,
            "kind": str(self.kind),
        }


def gender_neutral(word: str) -> str:
    """Radiolog:innen, Radiolog*innen, Radiolog_innen, RadiologInnen → Radiologinnen."""
    if ":" in word or "*" in word or "_" in word:  # most words have no gender mark
        word = _GENDER_MARK.sub(r"\1", word)
    if "In" not in word:
        return word
    return _BINNEN_I.sub(lambda m: "in" + (m.group(1) or ""), word)


# simplemma's German rules backtrack in quadratic time on long words (seconds for a word
# of 100,000 letters). No German word this long has a glossary term for its lemma, so
# longer ones are only lower-cased, in the text and in the termbase alike.
LEMMATIZED_MAX = 100


@lru_cache(maxsize=200_000)
def word_key(word: str) -> str:
    lowered = gender_neutral(word).lower()
    if len(lowered) > LEMMATIZED_MAX:
        return lowered.casefold()
    return simplemma.lemmatize(lowered, lang="de").casefold()


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        surface = match.group()
        if surface[0].isalnum() or surface[0] == "_":
            tokens.append(
                Token(match.start(), match.end(), gender_neutral(surface), word_key(surface))
            )
        else:
            spaced = match.start() > 0 and text[match.start() - 1].isspace()
            tokens.append(
                Token(match.start(), match.end(), surface, (_SPACED if spaced else "") + surface)
            )
    return tokens


def _is_word(token: Token) -> bool:
    return token.surface[0].isalnum() or token.surface[0] == "_"


def _joining_hyphen(tokens: list[Token], index: int) -> bool:
    """A hyphen with a word right before and right after it (Deep-Learning, KI-gestützt)."""
    token = tokens[index]
    if token.surface not in _HYPHENS or index == 0 or index + 1 == len(tokens):
        return False
    before, after = tokens[index - 1], tokens[index + 1]
    return (
        before.end == token.start
        and after.start == token.end
        and _is_word(before)
        and _is_word(after)
    )


def _pattern(keys: list[str]) -> str:
    return _SEPARATOR + _SEPARATOR.join(keys) + _SEPARATOR


@dataclass(frozen=True)
class _Entry:
    concept: Concept
    term: Term
    words: tuple[str, ...]  # the form's tokens as written, for case-sensitive concepts
    singular_last: str  # last word of the singular and plural form, lower case
    plural_last: str | None

    @property
    def length(self) -> int:  # in tokens
        return len(self.words)


@dataclass(frozen=True)
class _Context:
    """An Exclusion as token keys: None stands for any number."""

    before: tuple[str | None, ...]
    after: tuple[str | None, ...]
    ending: str


class Matcher:
    """All German terms of a termbase, compiled into one automaton."""

    def __init__(self, termbase: Termbase) -> None:
        self.termbase = termbase
        self._keys: dict[str, str] = {}  # word as written → its key (adjectives: the stem)
        self._adjectives = _adjective_stems(termbase)
        self._nouns = _last_nouns(termbase)
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[_Entry]] = {}
        one_word: list[tuple[str, _Entry]] = []  # every form of one word, plurals included
        for concept in termbase.concepts:
            for term in concept.source_terms:
                for entry, keys in self._entries(concept, term):
                    if len(keys) == 1:
                        one_word.append((keys[0], entry))
                    bucket = entries.setdefault(_pattern(keys), [])
                    if not any(e.concept.id == concept.id for e in bucket):
                        bucket.append(entry)
        self._patterns = {pattern: tuple(bucket) for pattern, bucket in entries.items()}
        for pattern, bucket in self._patterns.items():
            self._automaton.add_word(pattern, bucket)
        self._single = _single_words(one_word)
        self._heads = _compound_heads(self._single)
        self._longest_head = max(map(len, self._heads), default=0)
        self._contexts = {
            concept.id: tuple(self._context(exclusion) for exclusion in concept.exclude)
            for concept in termbase.concepts
            if concept.exclude
        }
        self._empty = not entries
        self._found: dict[str, list[TermHit]] = {}
        self._hints: dict[str, list[TermHit]] = {}
        if not self._empty:
            self._automaton.make_automaton()

    def _entries(self, concept: Concept, term: Term) -> list[tuple[_Entry, list[str]]]:
        """The term's written forms (singular, plural; closed where it may be written as
        one word) as entries with their key sequences."""
        pairs = [(term.text, term.plural)]
        if term.closable:
            pairs.append((closed_form(term.text), term.plural and closed_form(term.plural)))
        found = []
        for singular, plural in pairs:
            singular_last = _last_word(singular)
            plural_last = _last_word(plural) if plural else None
            for form in filter(None, (singular, plural)):
                tokens = self.tokens(form)
                if tokens:
                    words = tuple(token.surface for token in tokens)
                    entry = _Entry(concept, term, words, singular_last, plural_last)
                    found.append((entry, [token.key for token in tokens]))
        return found

    def _context(self, exclusion: Exclusion) -> _Context:
        def keys(items: tuple[str, ...]) -> tuple[str | None, ...]:
            return tuple(
                None if item == NUMBER_SLOT else _context_key(token)
                for item in items
                for token in ([None] if item == NUMBER_SLOT else tokenize(item))
            )

        return _Context(keys(exclusion.before), keys(exclusion.after), exclusion.ending.lower())

    # --- normalisation ------------------------------------------------------------------

    def tokens(self, text: str) -> list[Token]:
        """The tokens matching runs on: joining hyphens left out, adjectives of terms keyed
        by their stem."""
        tokens = tokenize(text)
        kept = []
        for index, token in enumerate(tokens):
            if _joining_hyphen(tokens, index):
                continue
            if _is_word(token):
                key = self._key(token)
                if key != token.key:
                    token = replace(token, key=key)
            kept.append(token)
        return kept

    def key_of(self, text: str) -> str:
        """What the matcher compares: the keys of ``text``'s tokens, separated by spaces."""
        return " ".join(token.key for token in self.tokens(text))

    def _key(self, token: Token) -> str:
        key = self._keys.get(token.surface)
        if key is None:
            if len(self._keys) > 200_000:
                self._keys.clear()
            key = self._adjective_key(token) or self._genitive_key(token) or token.key
            self._keys[token.surface] = key
        return key

    def _adjective_key(self, token: Token) -> str | None:
        """The stem of an adjective the termbase has, with any ending: kassenärztlichen →
        kassenärztlich (simplemma leaves it), deutschen → deutsch."""
        if not self._adjectives:
            return None
        lowered = token.surface.lower()
        if lowered in self._adjectives:
            return _ADJECTIVE + lowered
        for ending in ADJECTIVE_ENDINGS:
            if lowered.endswith(ending) and lowered[: -len(ending)] in self._adjectives:
                return _ADJECTIVE + lowered[: -len(ending)]
        if token.key in self._adjectives:
            return _ADJECTIVE + token.key
        return None

    def _genitive_key(self, token: Token) -> str | None:
        """The key of a term's noun in the genitive that the lemmatiser does not know:
        Bundesausschusses → bundesausschuss, Portkatheters → portkatheter (not Kurs: Kur)."""
        lowered = token.surface.lower()
        if not token.surface[:1].isupper() or lowered in self._nouns:
            return None
        for ending in _GENITIVE:
            base = lowered[: -len(ending)]
            if (
                lowered.endswith(ending)
                and len(base) >= _MIN_HEAD
                and base in self._nouns
                and not base.endswith(_FEMININE_SUFFIXES)
                and not simplemma.is_known(lowered, lang="de")
            ):
                return self._nouns[base]
        return None

    # --- finding ------------------------------------------------------------------------

    def find(self, text: str) -> list[TermHit]:
        """Every term in ``text``, longest first where they overlap, in text order."""
        # A run asks for the same segment several times (comments, MT, QA, per language).
        if text not in self._found:
            if len(self._found) > 20_000:
                self._found.clear()
            self._found[text] = self.resolve(self.find_all(text))
        return list(self._found[text])

    @staticmethod
    def resolve(candidates: list[TermHit]) -> list[TermHit]:
        """Overlapping hits: the longest wins (then the earlier one); in text order."""
        return _longest_first(candidates)

    def find_all(self, text: str) -> list[TermHit]:
        """Every term occurrence in ``text``, overlapping ones included."""
        if self._empty or not text:
            return []
        tokens = self.tokens(text)
        stream, token_at_end = _stream(tokens)
        candidates: list[TermHit] = []
        for end, bucket in self._automaton.iter(stream):
            last = token_at_end[end]
            for entry in bucket:
                first = last - entry.length + 1
                hit = self._hit(text, tokens, first, entry)
                if hit is not None:
                    candidates.append(hit)
                    candidates.extend(self._coordinated(text, tokens, first, entry, hit))
                    break
        candidates.extend(self._truncated(text, tokens))
        return candidates

    def hints(self, text: str) -> list[TermHit]:
        """Closed compounds whose head is a concept („Lebermetastasen“ → metastase), where
        no term matched: hits of kind ``compound``, to show, never to enforce."""
        if text not in self._hints:
            if len(self._hints) > 20_000:
                self._hints.clear()
            self._hints[text] = self._compound_hints(text)
        return list(self._hints[text])

    def _hit(self, text: str, tokens: list[Token], first: int, entry: _Entry) -> TermHit | None:
        span = tokens[first : first + entry.length]
        if entry.concept.case_sensitive and not all(
            _case_fits(token.surface, word) for token, word in zip(span, entry.words, strict=True)
        ):
            return None
        if _blank_line_inside(text, span) or self._excluded(tokens, first, entry):
            return None
        start, end = span[0].start, span[-1].end
        return TermHit(
            entry.concept.id, start, end, text[start:end], entry.term.text, _is_plural(span, entry)
        )

    def _excluded(self, tokens: list[Token], first: int, entry: _Entry) -> bool:
        """Whether one of the concept's exclude contexts surrounds the occurrence."""
        last = first + entry.length - 1
        for context in self._contexts.get(entry.concept.id, ()):
            if context.ending and tokens[last].surface.lower() != (
                entry.words[-1].lower() + context.ending
            ):
                continue
            start = first - len(context.before)
            if start < 0 or last + len(context.after) >= len(tokens):
                continue
            around = tokens[start:first] + tokens[last + 1 : last + 1 + len(context.after)]
            wanted = context.before + context.after
            if all(_context_fits(t, key) for t, key in zip(around, wanted, strict=True)):
                return True
        return False

    def _coordinated(
        self, text: str, tokens: list[Token], first: int, entry: _Entry, hit: TermHit
    ) -> list[TermHit]:
        """„diagnostische und interventionelle Radiologie“: the hit is the second term; the
        words before the conjunction that complete its head to other terms are hits too."""
        if entry.length < 2:
            return []
        span = tokens[first : first + entry.length]
        # The shared head: the words after the first; or after a hyphen inside them
        # („iterative oder Deep-Learning-Rekonstruktion“ shares „Rekonstruktion“).
        heads = [
            [token.key for token in span[cut:]]
            for cut in range(1, len(span))
            if cut == 1 or text[span[cut - 1].end : span[cut].start] in _HYPHENS
        ]
        hits = []
        position = first
        for conjuncts in range(_MAX_CONJUNCTS):
            word_index = _conjunct_before(tokens, position, comma=conjuncts > 0)
            if word_index is None:
                break
            word = tokens[word_index]
            partner = next(
                (
                    e
                    for head in heads
                    for e in self._patterns.get(_pattern([word.key, *head]), ())
                    if _case_fits_entry(word, e)
                ),
                None,
            )
            if partner is None:
                break
            hits.append(
                TermHit(
                    partner.concept.id,
                    word.start,
                    word.end,
                    text[word.start : word.end],
                    partner.term.text,
                    hit.plural,
                    MatchKind.COORDINATED,
                )
            )
            position = word_index
        return hits

    def _truncated(self, text: str, tokens: list[Token]) -> list[TermHit]:
        """„Computer- und Magnetresonanztomographie“: the truncated word and the head of
        the full one form a term (Computertomographie; CT- und MRT-Untersuchung)."""
        hits = []
        for index in range(1, len(tokens) - 1):
            hyphen, word = tokens[index], tokens[index - 1]
            if hyphen.surface not in _HYPHENS or not _is_word(word) or word.end != hyphen.start:
                continue
            head = _shared_head(text, tokens, index + 1)
            if head is None:
                continue
            entry = self._completed(word, *head)
            if entry is not None:
                start, end = word.start, hyphen.end
                hits.append(
                    TermHit(
                        entry.concept.id,
                        start,
                        end,
                        text[start:end],
                        entry.term.text,
                        False,
                        MatchKind.COORDINATED,
                    )
                )
        return hits

    def _completed(self, word: Token, head: Token, second: Token | None) -> _Entry | None:
        """The term that ``word`` forms with the head of the full compound, if any."""
        lowered = word.surface.lower()
        candidates = []
        if second is not None:  # CT- und MRT-Untersuchung: CT-Untersuchung, Röntgenuntersuchung
            candidates.extend(self._patterns.get(_pattern([word.key, second.key]), ()))
            candidates.append(self._single.get(lowered + second.key))
        # Hirn- oder Lebertumoren: Hirntumoren; Brust- und Prostatakrebs-Früherkennung: Brustkrebs
        if len(head.key) <= _MAX_TRUNCATED_HEAD:
            for cut in range(1, len(head.key) - _MIN_STEM + 1):
                entry = self._single.get(lowered + head.key[cut:])
                if entry is not None:
                    candidates.append(entry)
                    break
        return next((e for e in candidates if e is not None and _case_fits_entry(word, e)), None)

    def _compound_hints(self, text: str) -> list[TermHit]:
        if not self._heads:
            return []
        covered = bytearray(len(text))
        for hit in self.find(text):
            covered[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
        hints = []
        for token in self.tokens(text):
            if not token.surface[0].isupper() or covered[token.start]:
                continue
            entry = self._compound_head(token)
            if entry is not None:
                hints.append(
                    TermHit(
                        entry.concept.id,
                        token.start,
                        token.end,
                        text[token.start : token.end],
                        entry.term.text,
                        _is_plural([token], entry),
                        MatchKind.COMPOUND,
                    )
                )
        return hints

    def _compound_head(self, token: Token) -> _Entry | None:
        """The concept that is the head of the closed compound ``token``, the longest one."""
        for written in dict.fromkeys((token.surface.lower(), token.key)):
            first_cut = max(_MIN_MODIFIER, len(written) - self._longest_head)
            for cut in range(first_cut, len(written) - _MIN_HEAD + 1):
                entry = self._heads.get(written[cut:])
                if (
                    entry is not None
                    and _is_modifier(written[:cut])
                    and _lemma_agrees(token, entry)
                ):
                    return entry
        return None


def _stream(tokens: list[Token]) -> tuple[str, dict[int, int]]:
    """The token keys joined by separators, and which token ends at each separator."""
    parts = [_SEPARATOR]
    token_at_end: dict[int, int] = {}
    position = 1
    for index, token in enumerate(tokens):
        parts.append(token.key)
        position += len(token.key)
        token_at_end[position] = index
        parts.append(_SEPARATOR)
        position += 1
    return "".join(parts), token_at_end


def _last_word(form: str) -> str:
    words = [token.surface for token in tokenize(form) if _is_word(token)]
    return words[-1].lower() if words else ""


def _last_nouns(termbase: Termbase) -> dict[str, str]:
    """The last words of the German terms that are nouns (capitalised), in lower case, and
    their keys: the words whose genitive the matcher adds where the lemmatiser lacks it."""
    nouns = {}
    for concept in termbase.concepts:
        for term in concept.source_terms:
            for form in term.forms():
                words = [token for token in tokenize(form) if _is_word(token)]
                if words and words[-1].surface[:1].isupper() and words[-1].surface.isalpha():
                    nouns[words[-1].surface.lower()] = words[-1].key
    return nouns


def _adjective_stems(termbase: Termbase) -> frozenset[str]:
    """Stems of the adjectives and participles in the termbase's German terms: the words
    before a term's last word that end like an inflected adjective („künstliche“,
    „Kassenärztliche“, „kontrastmittelverstärkter“); and the last word of an adjective
    concept, written in its base form („KI-gestützt“, „ambulant“, „benigne“)."""
    stems = set()
    for concept in termbase.concepts:
        for term in concept.source_terms:
            for form in filter(None, (term.text, term.plural)):
                words = [token for token in tokenize(form) if _is_word(token)]
                stems.update(filter(None, (_adjective_stem(word) for word in words[:-1])))
                if concept.pos == "adj" and words:
                    stems.update(filter(None, [_base_form_stem(words[-1])]))
    return frozenset(stems)


def _base_form_stem(word: Token) -> str | None:
    """An adjective in its base form: the stem is the word (gestützt), less a final -e
    (benigne: benign-e, benign-en)."""
    lowered = word.surface.lower()
    stem = lowered.removesuffix("e")
    if not lowered.isalpha() or word.surface[0].isupper() or len(stem) < _MIN_STEM:
        return None
    return stem


def _adjective_stem(word: Token) -> str | None:
    lowered = word.surface.lower()
    ending = next((e for e in ADJECTIVE_ENDINGS if lowered.endswith(e)), None)
    if ending is None or not lowered.isalpha():
        return None
    stem = lowered[: -len(ending)]
    if len(stem) < _MIN_STEM:
        return None
    if word.surface[0].islower() or stem.endswith(_ADJECTIVE_SUFFIXES) or word.key == stem:
        return stem
    return None


def _single_words(one_word: list[tuple[str, _Entry]]) -> dict[str, _Entry]:
    """Terms of one word by their key and their forms in lower case (Computertomographie,
    Hirntumoren), the first concept's where several have one."""
    single: dict[str, _Entry] = {}
    for key, entry in one_word:
        for written in (key, entry.words[0].lower()):
            single.setdefault(written, entry)
    return single


def _compound_heads(single: dict[str, _Entry]) -> dict[str, _Entry]:
    """The one-word nouns that can be the head of a closed compound, in their inflected
    forms: not names, acronyms or do-not-translate concepts."""
    heads: dict[str, _Entry] = {}
    for written, entry in single.items():
        concept = entry.concept
        if concept.dnt or concept.case_sensitive or concept.pos not in ("", "noun"):
            continue
        if not entry.words[0][:1].isupper() or len(written) < _MIN_HEAD:
            continue
        for ending in ("", "s", "es", "n", "en"):
            heads.setdefault(written + ending, entry)
    return heads


def _is_modifier(modifier: str) -> bool:
    """A compound's first part: letters, long enough without its linking element, no prefix."""
    if not modifier.isalpha() or modifier in _PREFIXES:
        return False
    link = next((e for e in _LINKING_ELEMENTS if modifier.endswith(e)), "")
    return len(modifier) - len(link) >= _MIN_MODIFIER


def _lemma_agrees(token: Token, entry: _Entry) -> bool:
    """Where the lemmatiser reduced the compound, its lemma ends with the head's: Schulungen
    is Schulung (not Schu + Lungen), Hausärzte is Hausarzt."""
    unchanged = token.key == token.surface.lower().casefold()
    return unchanged or token.key.endswith(word_key(entry.words[0]))


def _conjunct_before(tokens: list[Token], position: int, comma: bool) -> int | None:
    """The word before the conjunction (und, oder, sowie, bzw., or a comma after the first
    conjunct) that precedes ``tokens[position]``, if there is one."""
    index = position - 1
    if index >= 1 and tokens[index].surface.lower() in _ARTICLES:
        index -= 1
    if index >= 1 and _conjunction_length(tokens, index - 1) == 2:
        index -= 1
    if index < 1:
        return None
    if _conjunction_length(tokens, index) or (comma and tokens[index].surface == ","):
        return index - 1 if _is_word(tokens[index - 1]) else None
    return None


def _conjunction_length(tokens: list[Token], index: int) -> int:
    """The tokens of the conjunction at ``index`` (und, oder, sowie, bzw., als auch); 0: none."""
    word = tokens[index].surface.lower()
    after = tokens[index + 1].surface.lower() if index + 1 < len(tokens) else ""
    if (word, after) in _TWO_WORD_CONJUNCTIONS:
        return 2
    return 1 if word in _CONJUNCTIONS else 0


def _shared_head(text: str, tokens: list[Token], index: int) -> tuple[Token, Token | None] | None:
    """After „Computer-“ (at ``index``: what follows the hyphen): the full word after the
    conjunction (and the word joined to it by a hyphen: „MRT-Untersuchung“)."""
    for _ in range(_MAX_CONJUNCTS):
        if index + 1 >= len(tokens):
            return None
        joint = tokens[index].surface
        if joint == "," and index + 2 < len(tokens) and tokens[index + 2].surface in _HYPHENS:
            index += 3  # „Röntgen-, Computer- und …“: one more truncated word
            continue
        length = _conjunction_length(tokens, index)
        if length == 0:
            return None
        index += length
        if index < len(tokens) and tokens[index].surface.lower() in _ARTICLES:
            index += 1  # „die Computer- und die Magnetresonanztomographie“
        if index >= len(tokens) or not _is_word(tokens[index]):
            return None
        head = tokens[index]
        second = tokens[index + 1] if index + 1 < len(tokens) else None
        joined = (
            second is not None and _is_word(second) and text[head.end : second.start] in _HYPHENS
        )
        return head, second if joined else None
    return None


def _case_fits(written: str, word: str) -> bool:
    """Whether a word of a case-sensitive term is written as in the glossary: acronyms and
    words with inner capitals as they are (KI, LLMs), other words with the same first
    letter case and not in capitals (Deutschen for Deutsche, not deutschen or DEUTSCHEN)."""
    if not word[:1].isalpha():
        return True
    if word[1:] != word[1:].lower():
        return written.startswith(word)
    if written[:1].isupper() != word[:1].isupper():
        return False
    return len(written) < 2 or not written.isupper()


def _case_fits_entry(word: Token, entry: _Entry) -> bool:
    return not entry.concept.case_sensitive or _case_fits(word.surface, entry.words[0])


def _context_key(token: Token | None) -> str | None:
    """How an exclusion word and a text word are compared: lemma, any adjective ending."""
    if token is None:
        return None
    key = token.key
    for ending in ADJECTIVE_ENDINGS:
        if key.endswith(ending) and len(key) - len(ending) >= _MIN_STEM:
            return key[: -len(ending)]
    return key


def _context_fits(token: Token, key: str | None) -> bool:
    if key is None:
        return token.surface.isdigit()
    return _context_key(replace(token, key=word_key(token.surface))) == key


def _blank_line_inside(text: str, span: list[Token]) -> bool:
    """Whether the words of a term are separated by an empty line (two blocks, no term)."""
    return any(text.count("\n", before.end, after.start) > 1 for before, after in pairwise(span))


def _is_plural(tokens: list[Token], entry: _Entry) -> bool:
    """Whether the German head word is plural: the glossary's plural, or its ending."""
    last = tokens[-1].surface.lower()
    if entry.plural_last:
        return last in (entry.plural_last, entry.plural_last + "n")
    if last.endswith("innen"):
        return True
    singular = entry.singular_last
    if last == singular or any(last == singular + ending for ending in _GENITIVE):
        return False
    return (
        last.startswith(singular[:-1])
        and last.endswith(_PLURAL_ENDINGS)
        and len(last) > len(singular)
    )


def _longest_first(candidates: list[TermHit]) -> list[TermHit]:
    if not candidates:
        return []
    chosen: list[TermHit] = []
    # The characters already covered by a chosen hit: a hit is checked against its own
    # span, not against every hit chosen before it, so a text with many terms stays linear.
    taken = bytearray(max(hit.end for hit in candidates))
    # On the same span, a conjunct („ambulante“ of „ambulante und stationäre Versorgung“)
    # wins over a term of its word alone (ambulant).
    by_length = sorted(
        candidates, key=lambda h: (-(h.end - h.start), h.start, h.kind != MatchKind.COORDINATED)
    )
    for hit in by_length:
        if taken.find(1, hit.start, hit.end) < 0:
            chosen.append(hit)
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
    return sorted(chosen, key=lambda h: h.start)
