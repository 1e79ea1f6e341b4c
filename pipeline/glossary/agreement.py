"""The words right before an inserted term, made to agree with it.

When the pipeline enforces a glossary term, the term replaces a placeholder (or is put
back) in the model's output, so the article before it was chosen by the model for
something else: "a ⟦1⟧" becomes "a MRI", "le ⟦1⟧" becomes "le IRM". :func:`agree` fixes
the one word (or two: "de la", "a el") right before the term:

- English ``a``/``an`` by the sound of the term: ``an MRI``, ``an X-ray``, ``a CT scan``,
  ``an hour``, ``a university``, ``a European``, acronyms by their spelled-out first
  letter (``an MR scan``, ``a US study``) unless they are read as a word (``a SPECT``).
- French and Italian elision before a vowel or a mute h (``l'IRM``, ``d'``, ``qu'``,
  ``j'``…; Italian ``l'``, ``un'``, ``dell'``…) and the reverse before a consonant, with
  the apostrophe the text already uses (``'`` or ``’``); Italian ``lo``/``uno``/``gli``
  before s + consonant, z, gn, pn, ps, x, y and i + vowel.
- Spanish contractions ``de el`` → ``del``, ``a el`` → ``al`` and back, ``el``/``un``
  before a feminine noun with a stressed a (``el área``), ``y``/``e`` and ``o``/``u``.
- With the term's grammatical gender (``m`` or ``f``, from the glossary), the article's
  gender: French ``le/la/un/une/du/de la/au/à la/ce/cette/mon/ma``, Spanish
  ``el/la/un/una/del/de la/al/a la/los/las``, Italian ``il/lo/la/un/uno/una/del/della/…``.
  Without a gender only what the article itself tells is used (``la`` is feminine,
  ``l'`` is either): a gender is never guessed, so ``l'`` before a consonant stays as it
  is unless the glossary gives the gender.

A capitalised article counts only where no word comes before it (sentence start), so
names such as "Hôpital de La Pitié" or "type A" are left alone; the article keeps its
case (``A`` → ``An``, ``L'`` → ``La``). The functions know nothing of MT.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import takewhile

from pipeline.glossary.model import GENDERS

APOSTROPHES = ("'", "’")
LANGUAGES = ("en", "fr", "es", "it")

_WINDOW = 48  # how much of the text before a term is looked at (articles are short)
_SPACE = r"[^\S\n]"
_NOT_AFTER = r"(?<![\w'’\-])"  # the article starts a word


def agree(text: str, start: int, end: int, language: str, gender: str | None = None) -> str:
    """``text`` with the words before the term ``text[start:end]`` made to agree with it."""
    return agree_span(text, start, end, language, gender)[0]


def agree_span(
    text: str, start: int, end: int, language: str, gender: str | None = None
) -> tuple[str, int, int]:
    """Like :func:`agree`, with the term's new ``(start, end)`` in the returned text."""
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"term span {start}:{end} is outside the text ({len(text)} chars)")
    before = text[:start]
    agreed = agree_before(before, text[start:end], language, gender, apostrophe_of(text))
    shift = len(agreed) - len(before)
    return agreed + text[start:], start + shift, end + shift


def apostrophe_of(text: str) -> str:
    """The apostrophe ``text`` uses most (the later one on a tie); ``'`` if it has none."""
    straight, curly = text.count("'"), text.count("’")
    if straight != curly:
        return "'" if straight > curly else "’"
    if not straight:
        return "'"
    return "’" if text.rfind("’") > text.rfind("'") else "'"


def agree_before(
    before: str, term: str, language: str, gender: str | None = None, apostrophe: str = "'"
) -> str:
    """``before`` (the text right before ``term``) with its last words agreeing with ``term``.

    Only the last few characters of ``before`` are looked at, so this takes constant time
    however long the text is.
    """
    if gender not in (None, *GENDERS):
        raise ValueError(f"gender must be one of {', '.join(GENDERS)} or None, not {gender!r}")
    rules = _RULES.get(language.split("-")[0].lower())
    if rules is None or not term:
        return before
    cut = max(0, len(before) - _WINDOW)
    match = rules.pattern.search(before, cut)
    if match is None or not _is_article(before, match):
        return before
    start, article, space = _parts(match)
    replacement = rules.replace(article, term, gender)
    if replacement is None:
        return before
    new = _with_case(replacement, article)
    if new.endswith(APOSTROPHES):
        new = new[:-1] + (article[-1] if article.endswith(APOSTROPHES) else apostrophe)
        space = ""
    elif not space:
        space = " "
    return before[:start] + new + space


def _is_article(before: str, match: re.Match[str]) -> bool:
    """Whether the matched words are an article: a capitalised one only at a sentence start,
    and the words after the first in lower case ("de El Salvador" is a name)."""
    start, article, _ = _parts(match)
    words = re.split(r"\s+", article)
    if any(word[:1].isupper() for word in words[1:]) and not article.isupper():
        return False
    if not words[0][:1].isupper():
        return True
    preceding = before[max(0, start - _WINDOW) : start].rstrip()
    return not preceding or not (preceding[-1].isalnum() or preceding[-1] == ",")


def _with_case(new: str, old: str) -> str:
    """``new`` in the case of ``old``: ``A`` → ``An``, ``L'`` → ``La``, ``DE LA`` → ``DU``."""
    letters = [c for c in old if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return new.upper()
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


@dataclass(frozen=True)
class _Rules:
    pattern: re.Pattern[str]  # the article as the last words of the text (see _pattern)
    replace: Callable[[str, str, str | None], str | None]  # (article, term, gender) → form


def _pattern(forms: Iterable[str]) -> re.Pattern[str]:
    """Any of the forms as the last words of a text, longest first: an elided form
    (group ``elided``) may be followed by spaces, a full one (``full``) must be."""
    forms = list(forms)

    def alternatives(elided: bool) -> str:
        chosen = sorted((f for f in forms if f.endswith("'") == elided), key=len, reverse=True)
        return "|".join(
            f"{_SPACE}+".join(re.escape(w).replace("'", "['’]") for w in form.split(" "))
            for form in chosen
        )

    elided = alternatives(True) or "(?!)"
    return re.compile(
        rf"{_NOT_AFTER}(?:(?P<elided>{elided})(?P<elided_space>{_SPACE}*)"
        rf"|(?P<full>{alternatives(False)})(?P<full_space>{_SPACE}+))$",
        re.IGNORECASE,
    )


def _parts(match: re.Match[str]) -> tuple[int, str, str]:
    """Where the matched article starts, the article and the spaces after it."""
    kind = "elided" if match.group("elided") is not None else "full"
    return match.start(kind), match.group(kind), match.group(kind + "_space")


# ---------------------------------------------------------------------------
# Sounds


def _plain(word: str) -> str:
    """Lower case without accents: "Échographie" → "echographie"."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_LEADING = re.compile(r"^[\"“„‘‚«»(\[¿¡*_]+")
_FIRST_TOKEN = re.compile(r"[^\W_]+")


def _first_word(term: str) -> str:
    """The term's first run of letters and digits, past opening quotes and brackets."""
    match = _FIRST_TOKEN.match(_LEADING.sub("", term))
    return match.group() if match else ""


def _is_acronym(word: str) -> bool:
    letters = re.match(r"[^\W\d_]+", word)
    return bool(letters) and len(letters.group()) >= 2 and letters.group().isupper()


_VOWELS = set("aeiou")


# English -------------------------------------------------------------------

_EN_VOWEL_LETTERS = set("AEFHILMNORSX")  # letters whose name starts with a vowel sound
_EN_WORD_ACRONYMS = {"SPECT", "SARS", "SIRT", "FAST", "NICE", "MERS", "PACS", "DICOM", "LOINC"}
_EN_ONSETS = {"bl", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gl", "gr", "kl", "kn", "kr",
              "ph", "pl", "pr", "sc", "sh", "sk", "sl", "sm", "sn", "sp", "st", "sw", "th",
              "tr", "tw", "wh", "wr"}  # fmt: skip
_EN_SILENT_H = ("hour", "honest", "hono", "heir")
_EN_YOU = re.compile(r"^(?:eu|ewe|uni(?!n|m|d)|unanim|u[bcdfgklmprstvz][aeiouy])")


def english_vowel_sound(term: str) -> bool | None:
    """Whether ``term`` starts with a vowel sound (takes ``an``); None when it cannot tell."""
    word = _first_word(term)
    if not word:
        return None
    if word[0].isdigit():
        digits = "".join(takewhile(str.isdigit, word))  # 11 and 18 as in "an 11,000"
        return digits[:1] == "8" or (len(digits) % 3 == 2 and digits[:2] in ("11", "18"))
    letters = "".join(takewhile(str.isalpha, word))
    if not letters:
        return None
    spelled = (
        len(letters) == 1  # X-ray, T1-weighted, B-mode
        or (letters[0].islower() and any(c.isupper() for c in letters[1:]))  # fMRI, pH
        or (letters.isupper() and not _english_reads_as_word(letters))
    )
    if spelled:
        return _plain(letters[0]).upper() in _EN_VOWEL_LETTERS
    plain = _plain(letters)
    if plain in ("one", "once") or _EN_YOU.match(plain):
        return False
    if plain[0] in _VOWELS:
        return True
    if plain[0] == "h":
        return plain.startswith(_EN_SILENT_H)
    if plain[0] == "y":
        return len(plain) > 1 and plain[1] not in _VOWELS
    return False


def _english_reads_as_word(acronym: str) -> bool:
    """NATO, FLAIR, SPECT are read as words; MRI, MRSA, NSAID letter by letter."""
    if acronym in _EN_WORD_ACRONYMS:
        return True
    lower = acronym.lower()
    if len(lower) < 4 or sum(c in _VOWELS for c in lower) < 2:
        return False
    return lower[1] in _VOWELS or lower[:2] in _EN_ONSETS


def _english(article: str, term: str, gender: str | None) -> str | None:
    vowel = english_vowel_sound(term)
    if vowel is None:
        return None
    return "an" if vowel else "a"


# French --------------------------------------------------------------------

# h aspiré: no elision ("la hanche", "le hile"); whole words (with a plural s or x) …
_FR_ASPIRATED_WORDS = {
    "hache", "haie", "haine", "hall", "halo", "halte", "hamac", "hameau", "hamster",
    "hangar", "harpe", "hareng", "haricot", "harnais", "havre", "heros", "hetre", "hibou",
    "hile", "homard", "hongrie", "hollande", "hors", "hotte", "houle", "housse", "hublot",
    "huit", "hutte", "hockey", "hamburger", "hambourg", "hanovre", "hesse", "havane",
}  # fmt: skip
# … and beginnings of words ("hanches", "handicapé", "hauteur", "herniaire")
_FR_ASPIRATED_STARTS = ("hanch", "handicap", "haut", "hernie", "herni", "hierarch", "hasard",
                        "harcel", "hauss", "hate", "honte", "hurl", "heriss", "huitie")  # fmt: skip
_FR_NO_ELISION = {"onze", "onzieme", "oui", "ouistiti"}


def french_elides(term: str) -> bool | None:
    """Whether ``le``, ``de``, ``que``… elide before ``term``; None when it cannot tell."""
    word = _first_word(term)
    if not word:
        return None
    if word[0].isdigit():
        return False
    if _is_acronym(word):
        return _plain(word[0]) in "aeiouy"  # l'IRM, l'UE; la RMN, le CHU
    plain = _plain(word)
    if plain in _FR_NO_ELISION:
        return False
    if plain[0] in _VOWELS:
        return True
    if plain[0] == "y":  # l'yttrium, le yoga
        return len(plain) > 1 and plain[1] not in _VOWELS
    if plain[0] == "h":
        singular = plain.rstrip("sx") or plain
        return not (
            plain in _FR_ASPIRATED_WORDS
            or singular in _FR_ASPIRATED_WORDS
            or plain.startswith(_FR_ASPIRATED_STARTS)
        )
    return word[0].lower() in "æœ"


# kind of each form: what it is, and its gender where the form tells it
_FR_FORMS: dict[str, tuple[str, str | None]] = {
    "le": ("def", "m"), "la": ("def", "f"), "l'": ("def", None),
    "un": ("indef", "m"), "une": ("indef", "f"),
    "du": ("de", "m"), "de le": ("de", "m"), "de la": ("de", "f"), "de l'": ("de", None),
    "au": ("à", "m"), "à le": ("à", "m"), "à la": ("à", "f"), "à l'": ("à", None),
    "ce": ("ce", "m"), "cet": ("ce", "m"), "cette": ("ce", "f"),
    "mon": ("mon", None), "ma": ("mon", "f"), "ton": ("ton", None), "ta": ("ton", "f"),
    "son": ("son", None), "sa": ("son", "f"),
}  # fmt: skip
_FR_ELIDING = ("de", "que", "je", "me", "te", "se", "ne", "jusque", "lorsque", "puisque",
               "quoique")  # fmt: skip
for _word in _FR_ELIDING:
    _FR_FORMS.setdefault(_word, ("elide", None))
    _FR_FORMS[_word[:-1] + "'"] = ("elide", None)


def _french(article: str, term: str, gender: str | None) -> str | None:
    key = _key(article)
    kind, own = _FR_FORMS[key]
    vowel = french_elides(term)
    if vowel is None:
        return None
    if kind == "elide":
        stem = key.rstrip("e'")
        return stem + "'" if vowel else stem + "e"
    wanted = gender or own
    if kind in ("mon", "ton", "son"):
        if vowel:
            return key[0] + "on"
        return None if wanted is None else key[0] + ("a" if wanted == "f" else "on")
    if kind == "ce":
        if wanted is None:
            return None
        return "cette" if wanted == "f" else "cet" if vowel else "ce"
    if kind == "indef":
        return None if wanted is None else "une" if wanted == "f" else "un"
    if vowel:
        return {"def": "l'", "de": "de l'", "à": "à l'"}[kind]
    if wanted is None:
        return None
    return {
        ("def", "m"): "le", ("def", "f"): "la",
        ("de", "m"): "du", ("de", "f"): "de la",
        ("à", "m"): "au", ("à", "f"): "à la",
    }[kind, wanted]  # fmt: skip


# Italian -------------------------------------------------------------------

_IT_STEMS = {"di": "de", "a": "a", "da": "da", "in": "ne", "su": "su", "quel": "que"}
# the definite article inside an articulated preposition: il → -l, lo → -llo, …
_IT_ENDINGS = {"il": "l", "lo": "llo", "l'": "ll'", "la": "lla", "i": "i", "gli": "gli",
               "le": "lle"}  # fmt: skip
_IT_ARTICLES: dict[str, tuple[str | None, str]] = {
    "il": ("m", "sg"), "lo": ("m", "sg"), "la": ("f", "sg"), "l'": (None, "sg"),
    "i": ("m", "pl"), "gli": ("m", "pl"), "le": ("f", "pl"),
}  # fmt: skip
_IT_FORMS: dict[str, tuple[str, str | None, str]] = {
    "un": ("indef", "m", "sg"), "uno": ("indef", "m", "sg"), "una": ("indef", "f", "sg"),
    "un'": ("indef", "f", "sg"),
}  # fmt: skip
for _article, (_gender, _number) in _IT_ARTICLES.items():
    _IT_FORMS[_article] = ("", _gender, _number)
    for _stem in _IT_STEMS.values():
        _IT_FORMS[_stem + _IT_ENDINGS[_article]] = (_stem, _gender, _number)


def italian_sound(term: str) -> str | None:
    """How ``term`` starts for the Italian article: ``"vowel"`` (l', un'), ``"s"`` (lo, uno,
    gli: s + consonant, z, gn, pn, ps, x, y, i + vowel) or ``"consonant"``; None: unknown."""
    word = _first_word(term)
    if not word:
        return None
    if word[0].isdigit():
        return "vowel" if word[0] == "8" or word.startswith(("11", "1 ")) else "consonant"
    if _is_acronym(word):
        return "vowel" if _plain(word[0]) in _VOWELS else "consonant"
    plain = _plain(word)
    if plain[0] == "i" and len(plain) > 1 and plain[1] in _VOWELS:
        return "s"  # lo iodio, lo ione
    if plain[0] in _VOWELS or (plain[0] == "h" and len(plain) > 1 and plain[1] in _VOWELS):
        return "vowel"
    if (plain[0] == "s" and len(plain) > 1 and plain[1] not in _VOWELS) or plain[0] in "zxy":
        return "s"
    if plain.startswith(("gn", "pn", "ps")):
        return "s"
    return "consonant"


def _italian(article: str, term: str, gender: str | None) -> str | None:
    key = _key(article)
    kind, own, number = _IT_FORMS[key]
    sound = italian_sound(term)
    wanted = gender or own
    if sound is None:
        return None
    if kind == "indef":
        if wanted is None:
            return None
        if wanted == "f":
            return "un'" if sound == "vowel" else "una"
        return "uno" if sound == "s" else "un"
    if number == "pl":
        if wanted is None:
            return None
        definite = "le" if wanted == "f" else "gli" if sound != "consonant" else "i"
    elif sound == "vowel":
        definite = "l'"
    elif wanted is None:
        return None
    else:
        definite = "la" if wanted == "f" else "lo" if sound == "s" else "il"
    return kind + _IT_ENDINGS[definite] if kind else definite


# Spanish -------------------------------------------------------------------

# feminine nouns with a stressed a that take el/un ("el área", "el agua")
_ES_STRESSED_A = {
    "agua", "aguas", "aguila", "ala", "alba", "alma", "alta", "ama", "ancla", "ansia", "arca",
    "area", "arma", "arpa", "asa", "asma", "aula", "ave", "haba", "habla", "hacha", "hada",
    "hambre", "hampa", "algebra", "anfora", "anima",
}  # fmt: skip
_ES_FORMS: dict[str, tuple[str, str | None, str]] = {
    "el": ("", "m", "sg"), "la": ("", "f", "sg"), "los": ("", "m", "pl"), "las": ("", "f", "pl"),
    "un": ("un", "m", "sg"), "una": ("un", "f", "sg"), "unos": ("un", "m", "pl"),
    "unas": ("un", "f", "pl"),
    "del": ("de", "m", "sg"), "de el": ("de", "m", "sg"), "de la": ("de", "f", "sg"),
    "de los": ("de", "m", "pl"), "de las": ("de", "f", "pl"),
    "al": ("a", "m", "sg"), "a el": ("a", "m", "sg"), "a la": ("a", "f", "sg"),
    "a los": ("a", "m", "pl"), "a las": ("a", "f", "pl"),
    "y": ("y", None, ""), "e": ("y", None, ""), "o": ("o", None, ""), "u": ("o", None, ""),
}  # fmt: skip


def spanish_stressed_a(term: str) -> bool:
    """Whether ``term`` starts with a stressed a (``área``, ``hacha``): ``el`` for a feminine."""
    word = _first_word(term)
    if not word or _is_acronym(word):
        return False
    lower = word.lower()
    return lower.startswith(("á", "há")) or _plain(word) in _ES_STRESSED_A


def _spanish(article: str, term: str, gender: str | None) -> str | None:
    key = _key(article)
    kind, own, number = _ES_FORMS[key]
    word = _first_word(term)
    if not word:
        return None
    if kind in ("y", "o"):  # e before an i sound, u before an o sound
        plain = _plain(word)
        sound = plain[1:] if plain[0] == "h" else plain
        if kind == "y":
            return "e" if sound[:1] == "i" and sound[1:2] not in _VOWELS else "y"
        return "u" if sound[:1] == "o" else "o"
    wanted = gender or own
    if number == "pl":
        definite = "las" if wanted == "f" else "los"
    else:
        masculine_form = wanted == "m" or spanish_stressed_a(term)
        definite = "el" if masculine_form else "la"
    if kind == "":
        return definite
    if kind == "un":
        return {"el": "un", "la": "una", "los": "unos", "las": "unas"}[definite]
    if definite == "el":
        return kind + "l"  # del, al
    return f"{kind} {definite}"


# ---------------------------------------------------------------------------


def _key(article: str) -> str:
    """The article as a key of the form tables: lower case, one space, straight apostrophe."""
    return re.sub(r"\s+", " ", article.lower()).replace("’", "'")


_RULES: dict[str, _Rules] = {
    "en": _Rules(_pattern(["a", "an"]), _english),
    "fr": _Rules(_pattern(list(_FR_FORMS)), _french),
    "it": _Rules(_pattern(list(_IT_FORMS)), _italian),
    "es": _Rules(_pattern(list(_ES_FORMS)), _spanish),
}
