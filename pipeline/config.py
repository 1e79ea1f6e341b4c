"""Project configuration: ``pipeline.toml`` in the project directory (or a folder above).

Every key has a default, so a project without the file works; command-line options
override the file. Unknown keys and values of the wrong type are errors that name the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from pipeline.errors import InputError

CONFIG_NAME = "pipeline.toml"

DEFAULT_TOML = """\
# Configuration of a release-pipeline project. Every key is optional; command-line
# options override what is set here. Paths are relative to this file.

[project]
# Releases to translate (glob patterns).
sources = ["releases/**/*.md", "releases/**/*.txt", "releases/**/*.html"]
source_language = "de"
target_languages = ["en", "fr", "es", "it"]
# Where the POT/PO files and the built releases go.
locales = "locales"
output = "out"

[glossary]
# Glossary files (.csv, .tsv, .tbx). The first one wins where they disagree, so put the
# project's own terms before the radiology termbase.
files = ["glossaries/radiology.csv"]

[segmentation]
level = "sentence"          # or "paragraph"
abbreviations = []          # extra rules files, like pipeline/segment/data/de.toml

[mt]
models_dir = ""             # empty: Argos Translate's own package directory
beam_size = 4
compute_type = "int8"       # int8, float32, int8_float32, …
threads = 2                 # batches decoded in parallel, one thread each
batch_tokens = 1024         # source tokens per batch
cache = true                # .pipeline/mt-cache.sqlite3
require_mt = false          # true: a missing model is an error (unattended jobs)

[tm]
threshold = 0.75            # similarity (0–1) for fuzzy translation-memory matches
"""


@dataclass(frozen=True)
class Config:
    root: Path
    sources: tuple[str, ...] = ("releases/**/*.md", "releases/**/*.txt", "releases/**/*.html")
    source_language: str = "de"
    target_languages: tuple[str, ...] = ("en", "fr", "es", "it")
    locales: str = "locales"
    output: str = "out"
    glossaries: tuple[str, ...] = ("glossaries/radiology.csv",)
    level: str = "sentence"
    abbreviations: tuple[str, ...] = ()
    models_dir: str = ""
    beam_size: int = 4
    compute_type: str = "int8"
    threads: int = 2
    batch_tokens: int = 1024
    cache: bool = True
    require_mt: bool = False
    tm_threshold: float = 0.75
    file: Path | None = None  # the pipeline.toml it came from

    def path(self, value: str) -> Path:
        return (self.root / value) if value else self.root

    def glossary_paths(self) -> list[Path]:
        return [self.path(name) for name in self.glossaries]

    def release_paths(self) -> list[Path]:
        """The files matching ``sources``, in a stable order."""
        found: dict[Path, None] = {}
        for pattern in self.sources:
            for path in sorted(self.root.glob(pattern)):
                if path.is_file():
                    found.setdefault(path, None)
        return list(found)


# section.key → (field name, type)
_SCHEMA: dict[str, tuple[str, type]] = {
    "project.sources": ("sources", list),
    "project.source_language": ("source_language", str),
    "project.target_languages": ("target_languages", list),
    "project.locales": ("locales", str),
    "project.output": ("output", str),
    "glossary.files": ("glossaries", list),
    "segmentation.level": ("level", str),
    "segmentation.abbreviations": ("abbreviations", list),
    "mt.models_dir": ("models_dir", str),
    "mt.beam_size": ("beam_size", int),
    "mt.compute_type": ("compute_type", str),
    "mt.threads": ("threads", int),
    "mt.batch_tokens": ("batch_tokens", int),
    "mt.cache": ("cache", bool),
    "mt.require_mt": ("require_mt", bool),
    "tm.threshold": ("tm_threshold", float),
}
_TYPE_NAMES = {list: "a list of strings", str: "a string", int: "an integer", bool: "true or false",
               float: "a number"}  # fmt: skip


def find_config(start: Path) -> Path | None:
    """``pipeline.toml`` in ``start`` or the nearest folder above it."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(project: Path) -> Config:
    """The configuration for a project directory (defaults when there is no file)."""
    path = find_config(project)
    if path is None:
        return Config(root=project)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            f"not valid TOML ({error})", path=path, fix="see `pipeline init` for the format"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the configuration ({error})", path=path) from None
    values: dict[str, object] = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise _unknown(path, section)
        for key, value in table.items():
            name = f"{section}.{key}"
            if name not in _SCHEMA:
                raise _unknown(path, name)
            field_name, kind = _SCHEMA[name]
            values[field_name] = _typed(path, name, value, kind)
    if values.get("level", "sentence") not in ("sentence", "paragraph"):
        raise InputError(
            f'segmentation.level must be "sentence" or "paragraph", not {values["level"]!r}',
            path=path,
        )
    return Config(root=path.parent, file=path, **values)  # type: ignore[arg-type]


def _unknown(path: Path, name: str) -> InputError:
    known = ", ".join(_SCHEMA)
    return InputError(f"unknown key {name!r}", path=path, fix=f"known keys: {known}")


def _typed(path: Path, name: str, value: object, kind: type) -> object:
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if kind is list:
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        value = tuple(value) if ok else value  # type: ignore[arg-type]
    if not ok:
        raise InputError(
            f"{name} must be {_TYPE_NAMES[kind]}, not {value!r}",
            path=path,
            fix=f"write e.g. {name.split('.')[1]} = {_example(kind)}",
        )
    return value


def _example(kind: type) -> str:
    return {list: '["en", "fr"]', str: '"text"', int: "4", bool: "true", float: "0.75"}[kind]


def config_fields() -> list[str]:
    return [f.name for f in fields(Config)]
