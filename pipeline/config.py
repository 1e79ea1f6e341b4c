"""Project configuration: ``pipeline.toml`` in the project directory (or a folder above).

Every key has a default, so a project without the file works; command-line options
override the file. Unknown keys and values of the wrong type are errors that name the key.
"""

from __future__ import annotations

import codecs
import json
import math
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from pipeline.errors import InputError
from pipeline.languages import CODE_RULE, bad_language_codes
from pipeline.mt.distributed import EXECUTORS, LOCAL_CLUSTER, RaySettings, check_address
from pipeline.mt.engine import COMPUTE_TYPES, DEVICES, DecodingOptions
from pipeline.po.merge import DEFAULT_TM_THRESHOLD

CONFIG_NAME = "pipeline.toml"
BUILTIN_TERMBASE = "the radiology termbase shipped with the pipeline"


@dataclass(frozen=True)
class Config:
    """The settings of ``pipeline.toml``; the defaults here are the only ones."""

    root: Path
    sources: tuple[str, ...] = ("releases/**/*.md", "releases/**/*.txt", "releases/**/*.html")
    target_languages: tuple[str, ...] = ("en", "fr", "es", "it")
    encoding: str = "utf-8"
    locales: str = "locales"
    output: str = "out"
    glossaries: tuple[str, ...] = ()
    builtin_glossary: bool = True
    level: str = "sentence"
    abbreviations: tuple[str, ...] = ()
    models_dir: str = ""
    beam_size: int = DecodingOptions.beam_size
    compute_type: str = DecodingOptions.compute_type
    device: str = DecodingOptions.device
    device_index: int = DecodingOptions.device_index
    threads: int = DecodingOptions.inter_threads
    batch_tokens: int = DecodingOptions.max_batch_tokens
    placeholders: str = "auto"
    executor: str = "local"
    ray_address: str = LOCAL_CLUSTER
    ray_workers: int = RaySettings.workers
    cache: bool = True
    require_mt: bool = False
    tm_threshold: float = DEFAULT_TM_THRESHOLD
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

    def contains(self, path: Path) -> bool:
        """True when ``path``, links resolved, lies inside the project folder."""
        return path.resolve().is_relative_to(self.root.resolve())


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
        config = Config(root=project)
        _check_folders(config, None)
        return config
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(
            f"not valid TOML ({error})", path=path, fix="see `pipeline init` for the format"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the configuration ({error})", path=path) from None
    values: dict[str, Any] = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise _unknown(path, section)
        for key, value in table.items():
            name = f"{section}.{key}"
            if name not in _SCHEMA:
                raise _unknown(path, name)
            setting = _SCHEMA[name]
            typed = _typed(path, name, value, setting.kind)
            problem = setting.check(typed) if setting.check else None
            if problem:
                raise InputError(f"{name} {problem}", path=path, fix=setting.fix)
            values[setting.field] = typed
    config = replace(Config(root=path.parent, file=path), **values)
    _check_folders(config, path)
    return config


def _check_folders(config: Config, path: Path | None) -> None:
    """Folders the project writes to, or reads packages from, must be folders."""
    named = {"project.locales": config.locales, "project.output": config.output}
    if config.models_dir:
        named["mt.models_dir"] = config.models_dir
    for name, value in named.items():
        folder = config.path(value)
        if folder.exists() and not folder.is_dir():
            raise InputError(
                f"{name} names {folder}, which is a file, not a folder",
                path=path or folder,
                fix=f"point {name.split('.')[1]} at a folder, or move the file away",
            )


# Checks of single values: each returns what is wrong, or None.


def _relative_inside(value: str) -> str | None:
    if not value.strip():
        return "must not be empty"
    if "\x00" in value:
        return "must not contain a NUL character"
    posix = PurePosixPath(value.replace("\\", "/"))
    if posix.is_absolute() or PureWindowsPath(value).is_absolute() or PureWindowsPath(value).drive:
        return f"must be a path relative to the project, not {value!r}"
    if _normalised_parts(value) is None:
        return f"must stay inside the project folder, but {value!r} leads out of it"
    return None


def _normalised_parts(value: str) -> list[str] | None:
    """The path's parts with ``.`` and ``..`` applied; None when it leads out."""
    parts: list[str] = []
    for part in PurePosixPath(value.replace("\\", "/")).parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    return parts


def _subfolder(value: str) -> str | None:
    """A folder the pipeline writes into: inside the project, and not the project itself."""
    problem = _relative_inside(value)
    if problem:
        return problem
    parts = _normalised_parts(value) or []
    if not parts:
        return "must name a folder inside the project, not the project folder itself"
    if parts[0] == ".pipeline":
        return "must not be inside the pipeline's own .pipeline folder"
    return None


def _relative_paths(values: tuple[str, ...]) -> str | None:
    for value in values:
        problem = _relative_inside(value)
        if problem:
            return problem.replace("must", f"entry {value!r} must", 1)
    return None


def _sources(values: tuple[str, ...]) -> str | None:
    if not values:
        return 'must name at least one pattern, e.g. "releases/**/*.md"'
    return _relative_paths(values)


def _models_dir(value: str) -> str | None:
    if not value or Path(value).is_absolute():
        return None  # empty: Argos's own directory; absolute: the user's explicit choice
    return _relative_inside(value)


def _languages(values: tuple[str, ...]) -> str | None:
    if not values:
        return 'must name at least one language, e.g. ["en"]'
    bad = bad_language_codes(values)
    if bad:
        return f"has {', '.join(bad)}, which is not a language code ({CODE_RULE})"
    if len(set(values)) != len(values):
        return "names a language twice"
    return None


def _encoding(value: str) -> str | None:
    try:
        codecs.lookup(value)
    except LookupError:
        return f"{value!r} is not an encoding Python knows"
    return None


def _between(low: float, high: float) -> Callable[[float], str | None]:
    def check(value: float) -> str | None:
        if math.isnan(value) or not low <= value <= high:
            return f"must be between {low:g} and {high:g}, not {value!r}"
        return None

    return check


def _one_of(choices: Collection[str]) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if value not in choices:
            return f"must be one of {', '.join(sorted(choices))}; not {value!r}"
        return None

    return check


@dataclass(frozen=True)
class _Setting:
    field: str
    kind: type
    comment: str
    check: Callable[[Any], str | None] | None = None
    fix: str | None = None


_PATH_FIX = "write a path relative to the folder of pipeline.toml, inside it"
_SECTIONS = {
    "project": "The releases, the languages, and where the outputs go.",
    "glossary": "Termbases (.csv, .tsv, .tbx). The first one wins where they disagree.",
    "segmentation": "How releases are cut into segments.",
    "mt": "Machine translation with Argos Translate packages (CTranslate2).",
    "tm": "Translation memory: what reviewers approved, reused in every release.",
}
_SCHEMA: dict[str, _Setting] = {
    "project.sources": _Setting(
        "sources", list, "Releases to translate (glob patterns).", _sources, _PATH_FIX
    ),
    "project.target_languages": _Setting(
        "target_languages", list, "Languages to translate into.", _languages
    ),
    "project.encoding": _Setting(
        "encoding", str, "Encoding of the release files.", _encoding, "e.g. utf-8 or cp1252"
    ),
    "project.locales": _Setting(
        "locales", str, "POT templates and PO files.", _subfolder, _PATH_FIX
    ),
    "project.output": _Setting(
        "output", str, "Built releases and the HTML report.", _subfolder, _PATH_FIX
    ),
    "glossary.files": _Setting(
        "glossaries",
        list,
        "The project's own termbases, before the built-in one.",
        _relative_paths,
        _PATH_FIX,
    ),
    "glossary.builtin": _Setting(
        "builtin_glossary", bool, "Also use " + BUILTIN_TERMBASE + " (after the files)."
    ),
    "segmentation.level": _Setting(
        "level",
        str,
        "sentence, or paragraph (one segment per block).",
        _one_of(("sentence", "paragraph")),
    ),
    "segmentation.abbreviations": _Setting(
        "abbreviations",
        list,
        "Extra rules files, like pipeline/segment/data/de.toml.",
        _relative_paths,
        _PATH_FIX,
    ),
    "mt.models_dir": _Setting(
        "models_dir",
        str,
        "Package directory; empty: Argos Translate's own.",
        _models_dir,
        "an absolute path, or one inside the project",
    ),
    "mt.beam_size": _Setting("beam_size", int, "Beam size.", _between(1, 64)),
    "mt.compute_type": _Setting(
        "compute_type",
        str,
        "auto (int8 on a CPU, int8_float16 or float16 on CUDA), int8, float32, … (CTranslate2).",
        _one_of(COMPUTE_TYPES),
    ),
    "mt.device": _Setting(
        "device",
        str,
        "auto (CUDA where CTranslate2 finds a GPU), cpu or cuda.",
        _one_of(DEVICES),
    ),
    "mt.device_index": _Setting("device_index", int, "Which GPU, with cuda.", _between(0, 1024)),
    "mt.threads": _Setting(
        "threads", int, "Batches decoded in parallel, one thread each.", _between(1, 256)
    ),
    "mt.batch_tokens": _Setting(
        "batch_tokens", int, "Source tokens per batch.", _between(1, 1_000_000)
    ),
    "mt.placeholders": _Setting(
        "placeholders",
        str,
        "Mask with placeholders: auto (as models check decided per package), always, never.",
        _one_of(("auto", "always", "never")),
    ),
    "mt.executor": _Setting(
        "executor",
        str,
        "local (decode in this process) or ray (on Ray actors: the [ray] extra).",
        _one_of(EXECUTORS),
    ),
    "mt.ray_address": _Setting(
        "ray_address",
        str,
        "With ray: local (start Ray here), auto (this node's cluster) or ray://head:10001.",
        check_address,
        'e.g. ray_address = "ray://head:10001"',
    ),
    "mt.ray_workers": _Setting(
        "ray_workers",
        int,
        "With ray: actors, mt.threads CPUs each; 0: as many as the cluster's CPUs allow.",
        _between(0, 100_000),
    ),
    "mt.cache": _Setting("cache", bool, "Keep machine translations in .pipeline/ to reuse."),
    "mt.require_mt": _Setting("require_mt", bool, "A missing model is an error (unattended jobs)."),
    "tm.threshold": _Setting(
        "tm_threshold",
        float,
        "Similarity (0–1) for fuzzy translation-memory matches.",
        _between(0, 1),
    ),
}
_REMOVED = {
    "project.source_language": "the source language is always German: delete this line",
}


def default_toml() -> str:
    """The commented ``pipeline.toml`` that ``pipeline init`` writes: every key, with its
    default, derived from the settings above."""
    defaults = Config(root=Path("."))
    lines = [
        "# Configuration of a release-pipeline project. Every key is optional; command-line",
        "# options override what is set here. Paths are relative to this file.",
    ]
    for section, description in _SECTIONS.items():
        lines += ["", f"[{section}]", f"# {description}"]
        for name, setting in _SCHEMA.items():
            if name.split(".")[0] == section:
                value = getattr(defaults, setting.field)
                lines.append(f"# {setting.comment}")
                lines.append(f"{name.split('.')[1]} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


_TYPE_NAMES = {
    list: "a list of strings",
    str: "a string",
    int: "an integer",
    bool: "true or false",
    float: "a number",
}


def _unknown(path: Path, name: str) -> InputError:
    if name in _REMOVED:
        return InputError(f"{name} is no longer a setting", path=path, fix=_REMOVED[name])
    known = ", ".join(_SCHEMA)
    return InputError(f"unknown key {name!r}", path=path, fix=f"known keys: {known}")


def _typed(path: Path, name: str, value: object, kind: type) -> object:
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if kind is list:
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        if ok and isinstance(value, list):
            value = tuple(value)
    if not ok:
        raise InputError(
            f"{name} must be {_TYPE_NAMES[kind]}, not {value!r}",
            path=path,
            fix=f"write e.g. {name.split('.')[1]} = {_example(kind)}",
        )
    return value


def _example(kind: type) -> str:
    return {list: '["en", "fr"]', str: '"text"', int: "4", bool: "true", float: "0.75"}[kind]
