"""Language data for segmentation: abbreviations and typical sentence openings."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pipeline.errors import InputError


@dataclass(frozen=True)
class SegmentationRules:
    """Abbreviations (normalised: without spaces) and words that open sentences."""

    inside: frozenset[str]
    final: frozenset[str]
    starters: frozenset[str]
    inside_suffixes: tuple[str, ...] = ()
    months: frozenset[str] = frozenset()
    ordinal_preceders: frozenset[str] = frozenset()  # lower case
    # short lower-case words that may end a sentence (all others may be abbreviations)
    sentence_final_words: frozenset[str] = frozenset()

    def merged(self, other: SegmentationRules) -> SegmentationRules:
        return SegmentationRules(
            self.inside | other.inside,
            (self.final | other.final) - other.inside,
            self.starters | other.starters,
            tuple(dict.fromkeys(self.inside_suffixes + other.inside_suffixes)),
            self.months | other.months,
            self.ordinal_preceders | other.ordinal_preceders,
            self.sentence_final_words | other.sentence_final_words,
        )


def normalise_abbreviation(text: str) -> str:
    return "".join(text.split())


def load_rules(extra: Sequence[Path] = (), language: str = "de") -> SegmentationRules:
    """The bundled rules for ``language``, extended by the user's files."""
    rules = _bundled_rules(language)
    for path in extra:
        try:
            content = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(f"cannot read the file ({error.strerror})", path=path) from None
        except UnicodeDecodeError:
            raise InputError("not valid UTF-8", path=path, fix="save it as UTF-8") from None
        rules = rules.merged(_parse(content, Path(path)))
    return rules


@functools.cache
def _bundled_rules(language: str) -> SegmentationRules:
    bundled = resources.files("pipeline.segment") / "data" / f"{language}.toml"
    return _parse(bundled.read_text(encoding="utf-8"), Path(str(bundled)))


def _parse(content: str, path: Path) -> SegmentationRules:
    try:
        data = tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            f"not valid TOML: {error}",
            path=path,
            fix="see pipeline/segment/data/de.toml for the expected layout",
        ) from None
    known = {
        "abbreviations": {"inside", "final", "inside_suffixes", "sentence_final_words"},
        "sentence_starters": {"words"},
        "ordinals": {"months", "preceding_words"},
    }
    for table, value in data.items():
        if table not in known or not isinstance(value, dict):
            raise InputError(
                f"unknown table [{table}]",
                path=path,
                fix="use [abbreviations] (inside, final, inside_suffixes, sentence_final_words), "
                "[sentence_starters] (words) and [ordinals] (months, preceding_words)",
            )
        for key, entries in value.items():
            if key not in known[table]:
                raise InputError(f"unknown key {table}.{key}", path=path)
            if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
                raise InputError(f"{table}.{key} must be a list of strings", path=path)
    abbreviations = data.get("abbreviations", {})
    return SegmentationRules(
        inside=_normalised(abbreviations.get("inside", [])),
        final=_normalised(abbreviations.get("final", [])),
        starters=frozenset(data.get("sentence_starters", {}).get("words", [])),
        inside_suffixes=tuple(abbreviations.get("inside_suffixes", [])),
        months=frozenset(data.get("ordinals", {}).get("months", [])),
        ordinal_preceders=frozenset(
            word.lower() for word in data.get("ordinals", {}).get("preceding_words", [])
        ),
        sentence_final_words=frozenset(abbreviations.get("sentence_final_words", [])),
    )


def _normalised(entries: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise_abbreviation(entry) for entry in entries if entry.strip())
