"""The project model: ``pipeline.toml``, the environment and the command line, resolved once.

Every command loads one :class:`Project` and takes its layout, languages, segmentation
rules, glossaries, MT options and paths from it, so no two commands can disagree about
where a project keeps its files or how it is set up. Precedence, highest first: the
command line (:class:`Overrides`), the environment (``PIPELINE_MODELS_DIR``),
``pipeline.toml`` (found in the directory or the nearest folder above it), the defaults
of :class:`pipeline.config.Config`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from pipeline.config import Config, load_config
from pipeline.errors import InputError
from pipeline.files import find_releases
from pipeline.glossary.maintain import builtin_termbase, load_termbase
from pipeline.glossary.match import Matcher
from pipeline.languages import is_language_code
from pipeline.layout import Layout
from pipeline.mt.cache import TranslationCache
from pipeline.mt.distributed import EXECUTORS, RayExecutor, RaySettings, check_address
from pipeline.mt.engine import DecodingOptions, Engine, PlaceholderMode
from pipeline.mt.packages import default_packages_dir
from pipeline.segment import Level, SegmentationRules, load_rules

MODELS_DIR_VARIABLE = "PIPELINE_MODELS_DIR"


@dataclass(frozen=True)
class Overrides:
    """What the command line sets; None leaves the project's setting."""

    languages: tuple[str, ...] | None = None
    level: Level | None = None
    encoding: str | None = None
    abbreviations: tuple[Path, ...] | None = None
    glossaries: tuple[Path, ...] | None = None
    no_glossary: bool = False
    models_dir: Path | None = None
    beam_size: int | None = None
    compute_type: str | None = None
    device: str | None = None
    device_index: int | None = None
    threads: int | None = None
    batch_tokens: int | None = None
    executor: str | None = None
    ray_address: str | None = None
    cache: bool | None = None
    require_mt: bool | None = None
    tm_threshold: float | None = None


T = TypeVar("T")


def _pick(override: T | None, configured: T) -> T:
    return configured if override is None else override


@dataclass(frozen=True)
class Project:
    """A project with every setting resolved."""

    config: Config
    layout: Layout
    languages: tuple[str, ...]
    level: Level
    encoding: str
    rule_files: tuple[Path, ...]
    glossary_files: tuple[Path, ...]
    models_dir: Path
    decoding: DecodingOptions
    placeholders: PlaceholderMode
    executor: str  # "local" or "ray" (pipeline.mt.distributed)
    ray: RaySettings
    use_cache: bool
    require_mt: bool
    tm_threshold: float

    @classmethod
    def load(cls, directory: Path = Path("."), overrides: Overrides | None = None) -> Project:
        """The project that ``directory`` belongs to (its pipeline.toml, or the nearest one
        above it), with ``overrides`` applied; raises InputError naming a bad setting."""
        given = overrides or Overrides()
        config = load_config(directory)
        return cls(
            config=config,
            layout=Layout(config.root, config.locales, config.output),
            languages=_pick(given.languages, config.target_languages),
            level=_pick(given.level, Level(config.level)),
            encoding=_pick(given.encoding, config.encoding),
            rule_files=_pick(given.abbreviations, tuple(map(config.path, config.abbreviations))),
            glossary_files=_glossaries(config, given),
            models_dir=_models_dir(config, given),
            decoding=DecodingOptions(
                beam_size=_pick(given.beam_size, config.beam_size),
                compute_type=_pick(given.compute_type, config.compute_type),
                device=_pick(given.device, config.device),
                device_index=_pick(given.device_index, config.device_index),
                inter_threads=_pick(given.threads, config.threads),
                max_batch_tokens=_pick(given.batch_tokens, config.batch_tokens),
            ),
            placeholders=PlaceholderMode(config.placeholders),
            executor=_executor(given, config),
            ray=RaySettings(_ray_address(given, config), config.ray_workers),
            use_cache=_pick(given.cache, config.cache),
            require_mt=_pick(given.require_mt, config.require_mt),
            tm_threshold=_pick(given.tm_threshold, config.tm_threshold),
        )

    @property
    def root(self) -> Path:
        return self.config.root

    def engine(self, cache: TranslationCache | None = None) -> Engine:
        """The MT engine every command uses: the project's packages, decoding options,
        placeholder mode and probe reports (``.pipeline/probes``), decoding in this process
        or, with ``executor = "ray"``, on Ray actors (close it when done)."""
        executor = None
        if self.executor == "ray":
            executor = RayExecutor(
                self.models_dir, self.decoding, self.placeholders, self.ray, self.layout.probes
            )
        return Engine(
            self.models_dir,
            self.decoding,
            cache,
            probe_dir=self.layout.probes,
            placeholders=self.placeholders,
            executor=executor,
        )

    @cached_property
    def rules(self) -> SegmentationRules:
        """The bundled German rules with the project's abbreviation files."""
        return load_rules(self.rule_files)

    @cached_property
    def matcher(self) -> Matcher | None:
        """The project's glossaries as one matcher (None with no glossary at all)."""
        return Matcher(load_termbase(self.glossary_files)) if self.glossary_files else None

    def releases(
        self, given: Sequence[Path] | None = None, warn: Callable[[Path], None] | None = None
    ) -> list[Path]:
        """The releases named (files or folders), else those of ``project.sources``.

        Links among the project's sources that lead outside the project are skipped (and
        passed to ``warn``), so a checked-out project cannot make a run read files elsewhere.
        """
        if given:
            return find_releases(given)
        releases = []
        for path in find_releases(self.config.release_paths() or [self.layout.releases]):
            if self.config.contains(path):
                releases.append(path)
            elif warn is not None:
                warn(path)
        return releases

    def po_languages(self) -> list[str]:
        """The languages that have a folder of PO files (for commands that read them)."""
        folder = self.layout.locales
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and is_language_code(p.name))


def _glossaries(config: Config, given: Overrides) -> tuple[Path, ...]:
    if given.no_glossary:
        return ()
    if given.glossaries:
        paths = given.glossaries
        setting = "--glossary"
    else:
        paths = tuple(config.glossary_paths())
        setting = "glossary.files"
    for path in paths:
        if not path.is_file():
            raise InputError(
                f"glossary not found ({setting})",
                path=path,
                fix="create it, or correct the path"
                + (f" in {config.file}" if setting == "glossary.files" and config.file else ""),
            )
    if not given.glossaries and config.builtin_glossary:
        paths = (*paths, builtin_termbase())
    return tuple(paths)


def _executor(given: Overrides, config: Config) -> str:
    executor = _pick(given.executor, config.executor)
    if executor not in EXECUTORS:
        raise InputError(
            f"executor {executor!r} is not one of {', '.join(EXECUTORS)}",
            fix="use --executor local or --executor ray",
        )
    return executor


def _ray_address(given: Overrides, config: Config) -> str:
    address = _pick(given.ray_address, config.ray_address)
    problem = check_address(address)
    if problem:
        raise InputError(f"--ray-address {problem}", fix="e.g. --ray-address ray://head:10001")
    return address


def _models_dir(config: Config, given: Overrides) -> Path:
    if given.models_dir is not None:
        return given.models_dir
    from_environment = os.environ.get(MODELS_DIR_VARIABLE)
    if from_environment:
        return Path(from_environment)
    if config.models_dir:
        return config.path(config.models_dir)
    return default_packages_dir()
