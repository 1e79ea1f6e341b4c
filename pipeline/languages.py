"""Language data in one place: codes, names, Plural-Forms, quotation marks, month names.

Codes name folders (``locales/<code>/``) and packages (``translate-<from>_<to>``), so a
code is never more than ISO 639 letters with an optional region or script, as gettext
and Argos Translate write them: ``en``, ``fr``, ``pt_BR``, ``zh-Hant``, ``es-419``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers
from babel.messages.plurals import get_plural

_CODE = re.compile(r"[a-z]{2,3}(?:[_-](?:[A-Z]{2}|[A-Z][a-z]{3}|[0-9]{3}))?")
CODE_RULE = "ISO 639 letters with an optional region, such as de, en, fr, pt_BR"


def is_language_code(value: object) -> bool:
    """True when ``value`` is a safe language code (see the module docstring)."""
    return isinstance(value, str) and _CODE.fullmatch(value) is not None


def bad_language_codes(values: object) -> list[str]:
    """The values of a list that are not language codes, as ``repr`` strings."""
    items = values if isinstance(values, list | tuple) else [values]
    return [repr(item) for item in items if not is_language_code(item)]


@cache
def _locale(code: str) -> Locale | None:
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def language_name(code: str) -> str:
    """The English name of a language ("French", "Portuguese (Brazil)"), or the code."""
    locale = _locale(code)
    return (locale.get_display_name("en") if locale else None) or code


def plural_forms(code: str) -> str:
    """The gettext Plural-Forms header for a language, from the CLDR data (Babel)."""
    return str(get_plural(code.replace("-", "_")))


class _LanguageNames(Mapping[str, str]):
    """Code → English name for every language Babel knows."""

    def __getitem__(self, code: str) -> str:
        locale = _locale(code) if is_language_code(code) else None
        if locale is None:
            raise KeyError(code)
        return language_name(code)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(code for code in locale_identifiers() if "_" not in code))

    def __len__(self) -> int:
        return sum(1 for _ in self)


LANGUAGE_NAMES: Mapping[str, str] = _LanguageNames()

# Quotation marks: (marks that belong in the language, marks that do not).
QUOTE_STYLES = {
    "en": ("“”‘’\"'", "„«»‚"),
    "fr": ("«»“”\"'", "„‚"),
    "es": ("«»“”\"'", "„‚"),
    "it": ("«»“”\"'", "„‚"),
    "de": ("„“‚‘»«\"'", ""),
}
DEFAULT_QUOTE_STYLE = ("", "„‚")  # German low marks are wrong in any other language

MONTHS = {
    "de": (
        "januar",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ),
    "en": (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "it": (
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ),
}
