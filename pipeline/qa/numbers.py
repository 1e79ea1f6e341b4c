"""Numbers, dates and units as values, whatever the language writes them like.

German writes 1.000,5 and 24.09.2024; English 1,000.5 and 24/09/2024 or 24 September
2024; French 1 000,5. The checks compare values, so a correct conversion passes and a
changed digit does not. Grouping is read leniently: a separator followed by exactly
three digits groups thousands (1.000 and 1,000 are both a thousand), any other one is
the decimal mark. URLs, e-mail addresses and phone numbers are left out (their own check
compares them).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from pipeline.languages import MONTHS
from pipeline.mt.protect import find_protected

_NUMBER = r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_NUMERIC_DATE = re.compile(
    r"(?<![\d.,/])(\d{1,2})([./])(\d{1,2})\2(\d{4}|\d{2})(?![\d/])|(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"
)
_NUMBER_RE = re.compile(rf"(?<![\w.,])(?:{_NUMBER})(?:st|nd|rd|th|er|e|º|°)?(?![\w])")
UNITS = ("mSv", "µSv", "μSv", "Sv", "mGy", "Gy", "Tesla", "T", "mg", "ml", "mL", "kg", "%",
         "cm", "mm", "MBq", "GBq", "kV", "Hz", "ms")  # fmt: skip
_UNIT_RE = re.compile(
    rf"(?<![\w.,])({_NUMBER})\s?({'|'.join(sorted(map(re.escape, UNITS), key=len, reverse=True))})"
    r"(?![\w])"
)


@dataclass(frozen=True, order=True)
class Date:
    year: int | None
    month: int
    day: int  # 0: a month and a year ("März 2024")

    def isoformat(self) -> str:
        if not self.day:
            return f"{self.year or '????'}-{self.month:02d}"
        return f"{self.year or '????'}-{self.month:02d}-{self.day:02d}"


def value_of(text: str) -> float:
    """1.000,5 / 1,000.5 / 1 000,5 → 1000.5; 3,5 and 3.5 → 3.5."""
    digits = re.sub(r"[\u00a0\u202f ]", "", text)
    parts = re.split(r"([.,])", digits)
    whole, decimal = parts[0], ""
    for index in range(1, len(parts), 2):
        group = parts[index + 1]
        last = index == len(parts) - 2
        if len(group) == 3 and not (last and decimal == "" and _decimal_only(parts, index)):
            whole += group
        else:
            decimal = group
    return float(f"{whole}.{decimal}" if decimal else whole)


def _decimal_only(parts: list[str], index: int) -> bool:
    """A lone separator with three digits after a group of four or more: 1234,567."""
    return len(parts) == 3 and len(parts[0]) > 3


# Other names and abbreviations (an abbreviation only counts with its period: "3 Sept.
# 2024", "1. Okt. 2024", "3 janv. 2024"), month number first.
MONTH_VARIANTS = {
    "names": {1: ["jänner"], 9: ["setiembre"]},
    "abbreviations": {
        1: ["jan", "janv", "ene", "gen"], 2: ["feb", "febr", "févr", "fév"],
        3: ["mär", "mar", "mrz"], 4: ["apr", "avr", "abr"], 5: ["mag"],
        6: ["jun", "juin", "giu"], 7: ["jul", "juil", "lug"], 8: ["aug", "ago"],
        9: ["sep", "sept", "set"], 10: ["okt", "oct", "ott"], 11: ["nov"],
        12: ["dez", "dec", "déc", "dic"],
    },
}  # fmt: skip
CASE_SENSITIVE_MONTHS = ("May", "March")  # English words too: only capitalised


def _month_numbers() -> dict[str, int]:
    numbers = {name: index + 1 for names in MONTHS.values() for index, name in enumerate(names)}
    for month, names in MONTH_VARIANTS["names"].items():
        numbers.update(dict.fromkeys(names, month))
    for month, names in MONTH_VARIANTS["abbreviations"].items():
        numbers.update(dict.fromkeys((name + "." for name in names), month))
    return numbers


MONTH_NUMBERS = _month_numbers()  # every supported language's names: "27.März" in French


@lru_cache(maxsize=1)
def _month_regex() -> re.Pattern[str]:
    def alternative(name: str) -> str:
        for word in CASE_SENSITIVE_MONTHS:
            if name == word.lower():
                return f"(?-i:{word}|{word.upper()})"
        return re.escape(name)

    names = "|".join(alternative(n) for n in sorted(MONTH_NUMBERS, key=len, reverse=True))
    month = rf"(?:{names})(?:(?<=\.)|(?!\w))"  # an abbreviation ends in its period
    year = r"(?:,?\s+(?:de\s+|del\s+|of\s+)?(\d{4})(?!\d))"
    # Only a letter that opens some month name is worth trying every name at: twice as fast.
    first = re.escape("".join(sorted({name[0] for name in MONTH_NUMBERS})))
    return re.compile(
        # 27. März 1845, 27.März 1845, 27 mars 1845, 1er mars, 1.º de marzo de 1845, 1° marzo
        rf"(?<![\d.,])(\d{{1,2}})(?:\.\s*|\.?[º°ª]\s*|(?:er|st|nd|rd|th)?\s+)"
        rf"(?:de\s+|of\s+)?({month}){year}?"
        # March 27th, 1845 / März 1845 (a month and a year)
        rf"|(?=[{first}])({month})\s+(?:(\d{{1,2}})(?!\d)(?:st|nd|rd|th)?{year}?"
        rf"|(?:de\s+|del\s+|of\s+)?(\d{{4}})(?!\d))",
        re.IGNORECASE,
    )


def _month_pattern(language: str) -> re.Pattern[str]:
    """Dates with a month name, in any supported language (the text's own, or left over)."""
    return _month_regex()


def _without_protected(text: str) -> str:
    return _blanked(text, find_protected(text))


def _blanked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the spans (sorted by start) replaced by spaces, built in one pass."""
    pieces = []
    cursor = 0
    for span_start, end in spans:
        start = max(span_start, cursor)  # a month date may overlap a numeric one
        if end <= start:
            continue
        pieces.append(text[cursor:start])
        pieces.append(" " * (end - start))
        cursor = end
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)


@lru_cache(maxsize=65536)
def _date_spans(text: str, language: str) -> tuple[tuple[int, int, Date], ...]:
    spans = []
    for match in _NUMERIC_DATE.finditer(text):
        if match.group(5):
            date = Date(int(match.group(5)), int(match.group(6)), int(match.group(7)))
        else:
            first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
            full_year = int(year) + (2000 if len(year) == 2 else 0)
            if match.group(2) == "/" and first <= 12 < second:
                first, second = second, first  # month/day/year, as in the US
            date = Date(full_year, second, first)
        if 1 <= date.month <= 12 and 1 <= date.day <= 31:
            spans.append((match.start(), match.end(), date))
    numeric_starts = [start for start, _, _ in spans]
    numeric_ends = [end for _, end, _ in spans]
    for match in _month_pattern(language).finditer(text):
        # Inside a numeric date? (Month dates never overlap each other.) By bisection.
        index = bisect.bisect_right(numeric_starts, match.start()) - 1
        if index >= 0 and match.start() < numeric_ends[index]:
            continue
        if match.group(1):
            day, name, year = match.group(1), match.group(2), match.group(3)
        else:
            name, day, year = match.group(4), match.group(5), match.group(6) or match.group(7)
        month = MONTH_NUMBERS[_month_key(name)]
        if day and not 1 <= int(day) <= 31:
            continue
        date = Date(year=int(year) if year else None, month=month, day=int(day or 0))
        spans.append((match.start(), match.end(), date))
    return tuple(sorted(spans, key=lambda item: item[0]))


def _month_key(name: str) -> str:
    """A matched month name as a key of MONTH_NUMBERS (an abbreviation keeps its period)."""
    return name.lower()


def date_values(date: Date) -> list[float]:
    """The numbers a date may be written with: day, month, year."""
    return [float(part) for part in (date.day, date.month, date.year) if part]


def dates_in(text: str, language: str) -> list[Date]:
    return [date for _, _, date in _date_spans(_without_protected(text), language)]


@lru_cache(maxsize=65536)
def _numbers(text: str, language: str, skip_dates: bool) -> tuple[float, ...]:
    text = _without_protected(text)
    if skip_dates:
        text = _blanked(text, ((start, end) for start, end, _ in _date_spans(text, language)))
    values = []
    for match in _NUMBER_RE.finditer(text):
        number = re.match(_NUMBER, match.group())
        if number:
            values.append(value_of(number.group()))
    return tuple(values)


def numbers_in(text: str, language: str, skip_dates: bool = True) -> list[float]:
    """Every number's value, dates and protected spans (URLs, phones) left out."""
    return list(_numbers(text, language, skip_dates))


def units_in(text: str, language: str) -> list[tuple[float, str]]:
    text = _without_protected(text)
    found = []
    for match in _UNIT_RE.finditer(text):
        unit = {"μSv": "µSv", "mL": "ml", "Tesla": "T"}.get(match.group(2), match.group(2))
        found.append((value_of(match.group(1)), unit))
    return found
