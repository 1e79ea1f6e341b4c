"""Batched, cached, guarded translation with Argos packages through CTranslate2.

Argos's own ``translate()`` splits sentences (downloading a model when it has none) and
decodes one short call at a time. Here every segment of a run goes through the model of
its language pair in a few ``translate_batch`` calls, sorted by length and cut into
token-bounded batches, with each package loaded once per process. Pairs without a direct
package pivot through English.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.errors import InputError
from pipeline.mt import blind
from pipeline.mt.align import (
    Anchor,
    Mark,
    Scheme,
    detokenise,
    mark_for,
    place_by_attention,
    strip_placeholders,
)
from pipeline.mt.cache import TranslationCache, cache_key
from pipeline.mt.packages import ModelError, PackageInfo, default_packages_dir, list_packages
from pipeline.mt.protect import (
    PLACEHOLDER,
    Findable,
    Masked,
    Retry,
    Shown,
    retry_showing,
)

if TYPE_CHECKING:  # argostranslate is imported only when a model is loaded
    from argostranslate.tokenizer import Tokenizer

    from pipeline.mt.probe import Verdict

PIVOT = "en"
# CTranslate2's compute types; which of them a device supports is asked at load time.
COMPUTE_TYPES = frozenset(
    {"default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16"}
    | {"int16", "float16", "bfloat16", "float32"}
)
# translate_batch gets this many token batches at once: CTranslate2 cuts the call into
# batches again and decodes them in parallel on its inter_threads workers. Which texts
# share a batch can move an attention-placed placeholder (int8 kernels round differently
# for other batch shapes), so the number is fixed, never derived from the threads: the
# thread count changes the speed, not the output.
BATCHES_PER_CALL = 8
_POSITIONS = re.compile(r"positions >= (\d+)")
# What no translation may show: pieces of placeholders (a lone ⟦ or ⟧; whole ones are
# markup), unknown tokens (⁇ is how SentencePiece writes <unk>), byte tokens and broken
# bytes, BPE continuations and SentencePiece's word marker. Group "leak" is the fragment.
LEAKED_TOKEN = re.compile(
    rf"{PLACEHOLDER.pattern}|(?P<leak>[⟦⟧⁇▁\ufffd]|<unk>|<0x[0-9A-Fa-f]{{2}}>|@@)"
)
_LEFT_OUT = "\x00"  # where strip_leaks took a fragment out
_AROUND_LEFT_OUT = re.compile(rf"(\s*)(?:{_LEFT_OUT}\s*)*{_LEFT_OUT}(\s*)")
_CLOSING_PUNCTUATION = frozenset(".,;:!?)]}»“”’%")
_WORD_WITH = re.compile(r"[^\s⟦⟧]+")
_EDGE_PUNCTUATION = "\"'„“”‚‘’»«()[]{},;:!?"
SHOWN_AS_TEXT = "shown as plain text"
ALIGNED = "re-inserted by attention alignment"
PREFIXED = "written with target_prefix, the model continued the sentence after it"
LEAKS_REMOVED = "model tokens removed from the output"
# Part of every cache key: a new way of protecting text never reuses an older output.
ENGINE_VERSION = 2
OWN_FORM = "⟦n⟧"


class PlaceholderMode(StrEnum):
    """Whether the engine masks with placeholders (``mt.placeholders``)."""

    AUTO = "auto"  # as the probe decided for each package (models check)
    ALWAYS = "always"  # ⟦n⟧ on every package, whatever the probe measured
    NEVER = "never"  # no placeholders: shown texts, attention, target_prefix


DEVICES = ("auto", "cpu", "cuda")
# compute_type "auto": what each device decodes best with, in order of preference
_AUTO_COMPUTE = {"cpu": ("int8",), "cuda": ("int8_float16", "float16", "int8", "float32")}


@dataclass(frozen=True)
class DecodingOptions:
    """How the models decode. The defaults suit a 2-core CPU (and use a GPU if there is one)."""

    beam_size: int = 4
    length_penalty: float = 0.2  # as Argos Translate uses it
    compute_type: str = "auto"  # int8 on a CPU; int8_float16 or float16 on CUDA
    device: str = "auto"  # cpu, cuda, or auto: CUDA where CTranslate2 finds a device
    device_index: int = 0
    inter_threads: int = 2  # batches decoded in parallel
    intra_threads: int = 1  # threads within one batch
    max_batch_tokens: int = 1024  # source tokens × sentences per batch
    max_length_ratio: float = 3.0  # output tokens per source token, before the guard stops it
    max_length_extra: int = 16
    retry_no_repeat_ngram_size: int = 3  # used when the first output runs away; 0: no retry

    def resolved(self) -> DecodingOptions:
        """These options with ``auto`` decided: the device that decodes and its compute
        type (raises InputError for a device or compute type this machine lacks)."""
        device, compute_type = resolve_device(self.device, self.device_index, self.compute_type)
        return replace(self, device=device, compute_type=compute_type)

    def cache_fields(self) -> dict[str, object]:
        """The options that change the output, resolved: the device kind and its compute
        type (CPU and GPU kernels round differently) and the batch size (which texts share
        a batch) do; the threads and which GPU of a machine do not."""
        fields = asdict(self.resolved())
        for name in ("inter_threads", "intra_threads", "device_index"):
            fields.pop(name)
        return fields


@lru_cache(maxsize=64)
def resolve_device(device: str, index: int, compute_type: str) -> tuple[str, str]:
    """The device and compute type that ``device``/``compute_type`` (maybe ``auto``) mean
    on this machine."""
    import ctranslate2

    cuda = _cuda_devices(ctranslate2)
    if device not in DEVICES:
        raise InputError(f"device {device!r} is not one of {', '.join(DEVICES)}",
                         fix="set mt.device to auto, cpu or cuda (or --device)")  # fmt: skip
    if device == "auto":
        device = "cuda" if cuda else "cpu"
    if device == "cuda" and index >= cuda:
        found = f"{cuda} CUDA device(s)" if cuda else "no CUDA device"
        raise InputError(
            f"device cuda:{index} cannot be used: CTranslate2 finds {found}",
            fix='use mt.device = "auto" or "cpu" (or --device cpu), or another device_index',
        )
    supported = set(ctranslate2.get_supported_compute_types(device, index if cuda else 0))
    if compute_type == "auto":
        preferred = _AUTO_COMPUTE[device]
        compute_type = next((c for c in preferred if c in supported), "default")
    _check_compute_type(compute_type, supported, device)
    return device, compute_type


def _cuda_devices(ctranslate2: Any) -> int:
    try:
        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # a CPU-only build, or a broken driver: no GPU to use
        return 0


@dataclass(frozen=True)
class Translation:
    text: str
    route: str  # e.g. "de→en→fr"
    cached: bool = False
    warnings: tuple[str, ...] = field(default=())

    def numbers_noted(self, note: str) -> frozenset[int]:
        """The placeholders that the engine's notes containing ``note`` name (e.g. those
        placed by attention: ALIGNED; shown as text in a retry: SHOWN_AS_TEXT)."""
        return frozenset(
            int(number)
            for warning in self.warnings
            if note in warning
            for number in PLACEHOLDER.findall(warning)
        )


class _LoadedModel:
    """One Argos package: its CTranslate2 translator and its tokenizer."""

    def __init__(self, package: PackageInfo, options: DecodingOptions) -> None:
        import ctranslate2  # imported here: listing packages must not need it

        self.package = package
        metadata = json.loads((package.path / "metadata.json").read_text(encoding="utf-8"))
        self.target_prefix = str(metadata.get("target_prefix", ""))
        self.tokenizer = _tokenizer_for(package)
        bpe = type(self.tokenizer).__name__ == "BPETokenizer"
        self.scheme = Scheme.BPE if bpe else Scheme.SENTENCEPIECE
        resolved = options.resolved()
        self.device, self.compute_type = resolved.device, resolved.compute_type
        try:
            self.translator = ctranslate2.Translator(
                str(package.path / "model"),
                device=resolved.device,
                device_index=resolved.device_index,
                compute_type=resolved.compute_type,
                inter_threads=options.inter_threads,
                intra_threads=options.intra_threads,
            )
        except Exception as error:  # CTranslate2 reports a damaged model as several types
            raise ModelError(
                f"the model of the {package.pair} package cannot be loaded ({error})",
                path=package.path,
                fix=f"reinstall it: pipeline models install {package.from_code} {package.to_code}",
            ) from None
        self.fingerprint = _fingerprint(package)
        self.max_positions: int | None = None  # learned when the model says so

    def encode(self, text: str) -> list[str]:
        return list(self.tokenizer.encode(text))

    def decode(self, tokens: list[str]) -> str:
        """The package's own detokenisation (SentencePiece byte fallback; BPE ``@@`` and
        Moses)."""
        if self.target_prefix and tokens and tokens[0] == self.target_prefix:
            tokens = tokens[1:]
        return self.tokenizer.decode(tokens).strip()

    def detokenise(self, items: Sequence[str | Mark]) -> str:
        """Pieces with placeholders among them: the runs between placeholders decoded by
        the package's tokenizer, the placeholders kept whole."""
        return detokenise(items, self.decode)

    def decode_masked(self, tokens: list[str], source: str) -> str:
        """An output as text, its placeholders kept whole.

        SentencePiece decodes a placeholder's pieces back to it, with the spaces the model
        chose. Moses would write ``⟦ 1 ⟧``: with BPE each placeholder becomes a mark that
        attaches to its word as it did in ``source``, and the runs around it are decoded.
        """
        if self.scheme is not Scheme.BPE or "⟦" not in tokens:
            return self.decode(tokens)
        if self.target_prefix and tokens and tokens[0] == self.target_prefix:
            tokens = tokens[1:]
        anchors = {anchor.placeholder: anchor for anchor in strip_placeholders(source)[1]}
        return self.detokenise(_bpe_marks(tokens, anchors))


def _check_compute_type(compute_type: str, supported: set[str], device: str = "cpu") -> None:
    """An unknown or unsupported compute type is a setting to fix, not a broken package."""
    usable = {"default", "auto", *supported}
    if compute_type not in usable:
        known = "known" if compute_type in COMPUTE_TYPES else "not a CTranslate2 compute type"
        where = "this CPU" if device == "cpu" else f"this {device} device"
        raise InputError(
            f"compute_type {compute_type!r} cannot be used on {where} ({known})",
            fix=f"use one of: {', '.join(sorted(usable))} (mt.compute_type in pipeline.toml "
            "or --compute-type)",
        )


def _tokenizer_for(package: PackageInfo) -> Tokenizer:
    from argostranslate.tokenizer import BPETokenizer, SentencePieceTokenizer

    sentencepiece = package.path / "sentencepiece.model"
    if sentencepiece.is_file():
        return SentencePieceTokenizer(sentencepiece)
    bpe = package.path / "bpe.model"
    if bpe.is_file():
        return BPETokenizer(bpe, package.from_code, package.to_code)
    raise ModelError("the package has neither sentencepiece.model nor bpe.model", path=package.path)


def _fingerprint(package: PackageInfo) -> str:
    """Identifies the model weights, so a new model version never reuses old output."""
    digest = hashlib.sha256()
    for name in ("metadata.json", "model/config.json"):
        candidate = package.path / name
        if candidate.is_file():
            digest.update(candidate.read_bytes())
    weights = package.path / "model" / "model.bin"
    if weights.is_file():
        stat = weights.stat()
        digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{package.from_code}-{package.to_code}@{digest.hexdigest()[:12]}"


def _bpe_marks(tokens: Sequence[str], anchors: dict[str, Anchor]) -> list[str | Mark]:
    """BPE output tokens with each "⟦ 1 ⟧" (digits perhaps cut, "1@@ 2") as one mark."""
    items: list[str | Mark] = []
    index = 0
    while index < len(tokens):
        end, digits = index + 1, ""
        if tokens[index] == "⟦":
            while end < len(tokens) and tokens[end].removesuffix("@@").isdigit():
                digits += tokens[end].removesuffix("@@")
                end += 1
                if not tokens[end - 1].endswith("@@"):
                    break
        if digits and end < len(tokens) and tokens[end] == "⟧":
            placeholder = f"⟦{digits}⟧"
            anchor = anchors.get(placeholder)
            items.append(
                mark_for(anchor) if anchor else Mark(placeholder, opens=False, spaced=True)
            )
            index = end + 1
        else:
            items.append(tokens[index])
            index += 1
    return items


def leaked_fragments(text: str) -> list[str]:
    """The fragments of placeholders and model tokens in ``text`` (see LEAKED_TOKEN)."""
    return [match.group("leak") for match in LEAKED_TOKEN.finditer(text) if match.group("leak")]


def new_leaks(output: str, source: str) -> list[str]:
    """The fragments in ``output`` that ``source`` does not have itself."""
    extra = Counter(leaked_fragments(output)) - Counter(leaked_fragments(source))
    return sorted(extra.elements())


def strip_leaks(text: str, only: Collection[str] = ()) -> str:
    """``text`` without the fragments (or without those in ``only``): a BPE continuation
    joins its word again, a removed token leaves one space between words and none before
    punctuation."""

    def left_out(match: re.Match[str]) -> str:
        leak = match.group("leak")
        return _LEFT_OUT if leak and (not only or leak in only) else match.group()

    if not only or "@@" in only:
        text = text.replace("@@ ", "")  # "Radi@@ ology" is one word
    marked = LEAKED_TOKEN.sub(left_out, text)

    def close_up(match: re.Match[str]) -> str:
        spaced = bool(match.group(1) or match.group(2))
        at_edge = match.start() == 0 or match.end() == len(marked)
        following = marked[match.end() : match.end() + 1]
        return " " if spaced and not at_edge and following not in _CLOSING_PUNCTUATION else ""

    return _AROUND_LEFT_OUT.sub(close_up, marked).strip()


def has_runaway_repetition(tokens: Sequence[str], max_repeats: int = 3) -> bool:
    """True when some n-gram (n ≤ 4) repeats more than ``max_repeats`` times in a row."""
    # An n-gram repeats k + 1 times in a row exactly where n·k tokens in a row each equal
    # the token n places before them.
    for size in range(1, 5):
        needed = size * max_repeats
        run = 0
        for index in range(size, len(tokens)):
            run = run + 1 if tokens[index] == tokens[index - size] else 0
            if run >= needed:
                return True
    return False


# Cache misses are decoded in groups of texts of similar length, about this many
# characters each (padded, as token_batches counts): a group's outputs depend only on its
# own texts (CTranslate2's attention, and so where placeholders are put back, can change
# with the texts that share a batch), so any executor that decodes the same groups writes
# the same translations. About 8 batches of 1024 tokens: one translate_batch call's worth.
DECODE_GROUP_CHARACTERS = 32768
Group = tuple[list[str], list[tuple["Shown", ...]]]  # masked texts and their shown forms
Decoded = tuple[list[str], dict[int, list[str]]]  # outputs and, by index, their notes


class Executor(Protocol):
    """Where the groups of cache misses of :meth:`Engine.translate` are decoded instead of
    in this process (:class:`pipeline.mt.distributed.RayExecutor`): for each group what
    :meth:`Engine.decode` gives for it, in order."""

    def decode(
        self,
        groups: list[Group],
        source: str,
        target: str,
        progress: Callable[[int], None] | None,
    ) -> list[Decoded]: ...

    def close(self) -> None: ...


def decoding_groups(texts: Sequence[str]) -> list[list[int]]:
    """The indices of ``texts`` in the groups they are decoded in (length-sorted)."""
    return token_batches([len(text) for text in texts], DECODE_GROUP_CHARACTERS)


def gathered(groups: list[list[int]], decoded: Sequence[Decoded], count: int) -> Decoded:
    """The groups' outputs and notes put back in the order of the texts."""
    outputs = [""] * count
    notes: dict[int, list[str]] = {}
    for indices, (group_outputs, group_notes) in zip(groups, decoded, strict=True):
        for number, index in enumerate(indices):
            outputs[index] = group_outputs[number]
            if group_notes.get(number):
                notes[index] = list(group_notes[number])
    return outputs, notes


class Engine:
    """Translates batches of (already masked) segments between any installed pairs."""

    def __init__(
        self,
        packages_dir: Path,
        options: DecodingOptions | None = None,
        cache: TranslationCache | None = None,
        probe_dir: Path | None = None,
        placeholders: PlaceholderMode = PlaceholderMode.AUTO,
        executor: Executor | None = None,
    ) -> None:
        self.packages_dir = Path(packages_dir)
        self.executor = executor  # None: decode in this process
        self.options = options or DecodingOptions()
        self.cache = cache
        self.probe_dir = probe_dir  # where probe reports are cached (None: in this process)
        self.placeholders = PlaceholderMode(placeholders)
        self._installed = {(p.from_code, p.to_code): p for p in list_packages(self.packages_dir)}
        self._loaded: dict[tuple[str, str], _LoadedModel] = {}
        self._verdicts: dict[tuple[str, str], Verdict] = {}
        self.decode_seconds = 0.0  # time spent inside the models (translate_batch)
        self.decoded = 0  # sequences decoded (a retry or a leg counts again)

    def verdict(self, package: PackageInfo) -> Verdict:
        """What the probe decided for ``package`` (probed on first use, then cached)."""
        pair = (package.from_code, package.to_code)
        if pair not in self._verdicts:
            self._verdicts[pair] = _probe(self._model(pair), self.options, self.probe_dir)
        return self._verdicts[pair]

    def carries_placeholders(self, package: PackageInfo) -> bool:
        """Whether segments reach ``package``'s model masked with placeholders."""
        if self.placeholders is PlaceholderMode.ALWAYS:
            return True
        if self.placeholders is PlaceholderMode.NEVER:
            return False
        return self.verdict(package).placeholder is not None

    def _form(self, model: _LoadedModel) -> _Form:
        """The placeholder form the probe chose for the model (the project's own if
        placeholders are forced on)."""
        if self.placeholders is PlaceholderMode.ALWAYS:
            return _Form(OWN_FORM)
        return _Form(self.verdict(model.package).placeholder or OWN_FORM)

    def describe(self, source: str, target: str) -> str:
        """The models along the route, for the record: "de→en 1.9, en→fr 1.9 (int8, beam 4)"."""
        packages = [self._installed[pair] for pair in self.route(source, target)]
        models = ", ".join(f"{p.pair} {p.version}" for p in packages)
        resolved = self.options.resolved()
        device = "" if resolved.device == "cpu" else f"{resolved.device} "
        return f"Argos {models} ({device}{resolved.compute_type}, beam {self.options.beam_size})"

    def route_fingerprint(self, source: str, target: str) -> str:
        """Identifies the models along the route without loading them; "" if there is none."""
        try:
            pairs = self.route(source, target)
        except ModelError:
            return ""
        return "|".join(_fingerprint(self._installed[pair]) for pair in pairs)

    def installed_pairs(self) -> list[tuple[str, str]]:
        return sorted(self._installed)

    def route(self, source: str, target: str) -> list[tuple[str, str]]:
        """The package pairs that lead from ``source`` to ``target``."""
        if (source, target) in self._installed:
            return [(source, target)]
        if (source, PIVOT) in self._installed and (PIVOT, target) in self._installed:
            return [(source, PIVOT), (PIVOT, target)]
        raise self._missing(source, target)

    def _missing(self, source: str, target: str) -> ModelError:
        """What is missing for ``source``→``target``: the leg of the route through English
        that is not installed (or the pair itself), in which directory, and the command."""
        installed = ", ".join(f"{a}→{b}" for a, b in self.installed_pairs()) or "none"
        missing = (source, target)
        detail = ""
        if PIVOT not in (source, target):
            first, second = (source, PIVOT) in self._installed, (PIVOT, target) in self._installed
            if first or second:
                missing = (PIVOT, target) if first else (source, PIVOT)
                have = (source, PIVOT) if first else (PIVOT, target)
                detail = (
                    f": {have[0]}→{have[1]} is installed, {missing[0]}→{missing[1]} (the other "
                    f"half of the route through {PIVOT}) is missing"
                )
            else:
                detail = f" (directly or through {PIVOT})"
        where = f"in {self.packages_dir}"
        if not self.packages_dir.is_dir():
            where += " (no such directory: check --dir or mt.models_dir)"
        problem = f"no package translates {source}→{target}{detail}; searched {where}"
        command = f"pipeline models install {missing[0]} {missing[1]}"
        if self.packages_dir != default_packages_dir():
            command += f" --dir {shlex.quote(str(self.packages_dir))}"
        return ModelError(f"{problem}; installed: {installed}", path=None, fix=command)

    def translate(
        self,
        texts: Sequence[str],
        source: str,
        target: str,
        progress: Callable[[int], None] | None = None,
        contexts: Sequence[str] | None = None,
        shown: Sequence[Sequence[Shown]] | None = None,
    ) -> list[Translation]:
        """Translate ``texts``; identical texts and cached ones are decoded once or never.

        A text's ``shown`` entries say what its placeholders may be written as instead
        (:func:`pipeline.mt.translate.mask_segment` makes them). On a package that carries
        placeholders they are the retry when placeholders break, before attention
        alignment; on one that does not, they are what the model reads
        (:mod:`pipeline.mt.blind`). A text's ``contexts`` entry (e.g. the glossary entries
        it uses) is part of its cache key.
        """
        if shown is None:
            shown = [()] * len(texts)
        pairs = self.route(source, target)
        legs = [self._model(pair) for pair in pairs] if self.executor is None else []
        route_name = "→".join([source, *(to_code for _, to_code in pairs)])
        keys = self._cache_keys(texts, source, target, contexts)
        known = self.cache.get_many(keys) if self.cache else {}
        todo = {key: index for index, key in reversed(list(enumerate(keys))) if key not in known}
        order = sorted(todo.values())
        misses, misses_shown = [texts[i] for i in order], [tuple(shown[i]) for i in order]
        groups = decoding_groups(misses)
        batches = [([misses[i] for i in g], [misses_shown[i] for i in g]) for g in groups]
        if self.executor is None:
            decoded = [self._translate_guarded(*batch, legs, progress) for batch in batches]
        else:  # the models decode elsewhere (their packages must be the same)
            decoded = self.executor.decode(batches, source, target, progress) if batches else []
        outputs, warnings = gathered(groups, decoded, len(misses))
        fresh = {
            keys[i]: (output, tuple(warnings.get(n, ())))
            for n, (i, output) in enumerate(zip(order, outputs, strict=True))
        }
        if self.cache and fresh:
            self.cache.put_many(
                (key, route_name, texts[todo[key]], output, notes)
                for key, (output, notes) in fresh.items()
            )
        return [
            Translation(known[key].target, route_name, cached=True, warnings=known[key].notes)
            if key in known
            else Translation(fresh[key][0], route_name, warnings=fresh[key][1])
            for key in keys
        ]

    def decode(
        self,
        texts: Sequence[str],
        shown: Sequence[Sequence[Shown]],
        source: str,
        target: str,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[list[str], dict[int, list[str]]]:
        """What :meth:`translate` decodes for its cache misses, without the cache: each
        text's output (placeholders kept) and, by index, its notes. Executors call it."""
        legs = [self._model(pair) for pair in self.route(source, target)]
        return self._translate_guarded(list(texts), [tuple(s) for s in shown], legs, progress)

    def close(self) -> None:
        """Release the executor's workers (nothing to do for a local engine)."""
        if self.executor is not None:
            self.executor.close()

    def cached(
        self,
        texts: Sequence[str],
        source: str,
        target: str,
        contexts: Sequence[str] | None = None,
    ) -> list[Translation | None]:
        """What :meth:`translate` would take from the cache (None where it would decode),
        without loading a model: a dry run's exact prediction."""
        route_name = "→".join([source, *(pair[1] for pair in self.route(source, target))])
        keys = self._cache_keys(texts, source, target, contexts)
        known = self.cache.get_many(keys) if self.cache else {}
        return [
            Translation(known[key].target, route_name, cached=True, warnings=known[key].notes)
            if key in known
            else None
            for key in keys
        ]

    def _cache_keys(
        self, texts: Sequence[str], source: str, target: str, contexts: Sequence[str] | None
    ) -> list[str]:
        route_key = self.route_fingerprint(source, target)
        options = {
            **self.options.cache_fields(),
            "engine": ENGINE_VERSION,
            "placeholders": str(self.placeholders),
        }
        return [
            cache_key(route_key, options, text + ("\x00" + context if context else ""))
            for text, context in zip(texts, contexts or [""] * len(texts), strict=True)
        ]

    def _translate_guarded(
        self,
        texts: list[str],
        shown: list[tuple[Shown, ...]],
        legs: list[_LoadedModel],
        progress: Callable[[int], None] | None,
    ) -> tuple[list[str], dict[int, list[str]]]:
        """Leg by leg, each as its package allows (placeholders or not); every leg gives
        the next the text with its placeholders back."""
        current = list(texts)
        warnings: dict[int, list[str]] = {index: [] for index in range(len(texts))}
        for number, model in enumerate(legs):
            leg_progress = progress if number == len(legs) - 1 else None
            changed = [self._changed_words(model, text) for text in current]
            if self.carries_placeholders(model.package):
                current, notes = self._leg_with_placeholders(model, current, shown, leg_progress)
            else:
                current, notes = self._leg_without_placeholders(model, current, shown, leg_progress)
            current = [_map_back(text, words) for text, words in zip(current, changed, strict=True)]
            for index, leg_notes in notes.items():
                warnings[index] += leg_notes
        for index, text in enumerate(texts):
            leaks = new_leaks(current[index], text)
            if leaks:  # nothing gave a clean output: the fragments go, a note says so
                current[index] = strip_leaks(current[index])
                warnings[index].append(f"{LEAKS_REMOVED}: {' '.join(leaks)}")
        return current, {i: notes for i, notes in warnings.items() if notes}

    def _changed_words(self, model: _LoadedModel, text: str) -> dict[str, str]:
        """The words of ``text`` that the package's tokenizer changes (NFKC: ``mm²`` →
        ``mm2``, ``µSv`` → ``μSv``, ``…`` → ``...``), as the model sees them → as written,
        so they can be put back as written where the output has them unchanged."""
        characters = set(self.verdict(model.package).protect)
        if not characters or not characters.intersection(text):
            return {}
        written = {match.group().strip(_EDGE_PUNCTUATION) for match in _WORD_WITH.finditer(text)}
        words: dict[str, str] = {}
        for word in sorted(written):
            if not characters.intersection(word) or PLACEHOLDER.search(word):
                continue
            seen = model.decode(model.encode(word))
            if seen and seen != word and not leaked_fragments(seen) and seen not in written:
                words[seen] = word  # a form the source also has itself would be ambiguous
        return words

    def _model(self, pair: tuple[str, str]) -> _LoadedModel:
        if pair not in self._loaded:
            self._loaded[pair] = _LoadedModel(self._installed[pair], self.options)
        return self._loaded[pair]

    # -- packages that carry placeholders ---------------------------------------------

    def _leg_with_placeholders(
        self,
        model: _LoadedModel,
        texts: list[str],
        shown: list[tuple[Shown, ...]],
        progress: Callable[[int], None] | None,
    ) -> tuple[list[str], dict[int, list[str]]]:
        """Decode the masked texts; where placeholders break, decode again with the shown
        texts written out, then put the rest back through attention."""
        form = self._form(model)
        tokens = [model.encode(form.to_model(text)) for text in texts]
        raw, _, notes = self._decode_tokens(model, tokens, progress)
        outputs = [
            form.from_model(model.decode_masked(out, text), text)
            for out, text in zip(raw, texts, strict=True)
        ]
        warnings = {index: [note] for index, note in notes.items()}
        broken = [i for i, text in enumerate(texts) if _broken(outputs[i], text)]
        language = model.package.to_code
        retries = {i: leg_retry(texts[i], shown[i], language) for i in broken}
        retried = [i for i in broken if retries[i] is not None]
        if retried:
            attempts = [retries[i] for i in retried]
            second, _, second_notes = self._decode_tokens(
                model, [model.encode(form.to_model(attempt.text)) for attempt in attempts], None
            )
            for number, (index, attempt) in enumerate(zip(retried, attempts, strict=True)):
                decoded = form.from_model(model.decode_masked(second[number], texts[index]), "")
                remasked = attempt.remask(decoded)
                if remasked is None or _broken(remasked, texts[index]):
                    continue
                outputs[index] = remasked
                shown_list = " ".join(placeholder for placeholder, _ in attempt.shown)
                note = f"placeholders lost; translated again with {shown_list} {SHOWN_AS_TEXT}"
                extra = [second_notes[number]] if number in second_notes else []
                warnings[index] = [*extra, note]
        aligned = [
            i for i, text in enumerate(texts) if _broken(outputs[i], text) and _placeholders(text)
        ]
        for index, text in zip(
            aligned, self._align_placeholders(model, [texts[i] for i in aligned]), strict=True
        ):
            outputs[index] = text
            numbers = " ".join(PLACEHOLDER.sub(r"⟦\1⟧", p) for p in _in_order(texts[index]))
            warnings[index] = [f"{model.package.pair}: placeholders {numbers} {ALIGNED}"]
        return outputs, warnings

    def _align_placeholders(self, model: _LoadedModel, texts: list[str]) -> list[str]:
        """Translate without placeholders and put them back where attention points."""
        if not texts:
            return []
        stripped = [strip_placeholders(text) for text in texts]
        sources = [model.encode(text) for text, _ in stripped]
        results, attentions, _ = self._decode_tokens(model, sources, None, attention=True)
        aligned = []
        for text, source, (source_text, anchors), target, attention in zip(
            texts, sources, stripped, results, attentions, strict=True
        ):
            placed = place_by_attention(
                source, target, attention, anchors, model.scheme, source_text
            )
            pairs = blind.pairs_of(source_text, anchors)
            placed = blind.keep_pairs_in_order(placed, pairs, model.scheme)
            inside = blind.inside_the_sentence(text)
            placed = blind.keep_before_final_punctuation(placed, inside, model.scheme)
            placeholders = [anchor.placeholder for anchor in anchors]
            aligned.append(_with_placeholders(model.detokenise(placed), placeholders, inside))
        return aligned

    # -- packages that do not ---------------------------------------------------------

    def _leg_without_placeholders(
        self,
        model: _LoadedModel,
        texts: list[str],
        shown: list[tuple[Shown, ...]],
        progress: Callable[[int], None] | None,
    ) -> tuple[list[str], dict[int, list[str]]]:
        """See :mod:`pipeline.mt.blind`: written texts verified, removed ones placed by
        attention, lost terms written with ``target_prefix``, attention as the last resort."""
        from pipeline.mt.probe import TermStrategy  # the probe imports this module

        code_switch = self.verdict(model.package).term_strategy is TermStrategy.CODE_SWITCH
        package = model.package
        plans = [
            blind.plan_leg(text, items, package.from_code, package.to_code, code_switch)
            for text, items in zip(texts, shown, strict=True)
        ]
        sources = [model.encode(plan.source) for plan in plans]
        # Attention costs CTranslate2 next to nothing, but splitting batches by who wants
        # it does: all of the leg's sequences get it if one needs it.
        needs_attention = any(plan.anchors or plan.written for plan in plans)
        targets, attentions, notes = self._decode_tokens(
            model, sources, progress, attention=needs_attention
        )
        warnings = {index: [note] for index, note in notes.items()}
        prefixed = self._continue_after_terms(model, plans, sources, targets, attentions)
        inner = self._translate_spans(model, [pair.inner for p in plans for pair in blind.pairs(p)])
        outputs = []
        for index, plan in enumerate(plans):
            if index in prefixed:
                targets[index], attentions[index] = prefixed[index][:2]
                warnings.setdefault(index, []).append(
                    f"{model.package.pair}: term {prefixed[index][2]} {PREFIXED}"
                )
            text, placed_by_attention = self._finish_leg(
                model, plan, sources[index], targets[index], attentions[index], inner
            )
            outputs.append(text)
            written = [w.placeholder for w in plan.written if w.switched and w.placeholder in text]
            written = [p for p in written if p not in placed_by_attention]
            if written:
                warnings.setdefault(index, []).append(
                    f"{model.package.pair}: {' '.join(written)} {SHOWN_AS_TEXT}, found in the "
                    "output"
                )
            if placed_by_attention:
                numbers = " ".join(placed_by_attention)
                warnings.setdefault(index, []).append(
                    f"{model.package.pair}: placeholders {numbers} {ALIGNED}"
                )
        return outputs, warnings

    def _continue_after_terms(
        self,
        model: _LoadedModel,
        plans: list[blind.Plan],
        sources: list[list[str]],
        targets: list[list[str]],
        attentions: list[Any],
    ) -> dict[int, tuple[list[str], Any, str]]:
        """For each output that lacks a term: decode again with the output up to where the
        term belongs, and the term, as ``target_prefix`` (one term per segment, the first
        in the output); the model writes the rest of the sentence after it."""
        wanted: dict[int, tuple[list[str], str]] = {}
        for index, plan in enumerate(plans):
            text = model.decode(targets[index])
            if attentions[index] is None:
                continue
            lacking = [w.placeholder for w in blind.missing(text, plan.written) if w.term]
            lacking += [p for p, form in plan.terms.items() if not form.spans(text)]
            positions = [
                (position, placeholder)
                for placeholder in lacking
                if (
                    position := blind.term_position(
                        plan, sources[index], targets[index], attentions[index],
                        model.scheme, placeholder,
                    )
                )
                is not None
            ]  # fmt: skip
            if not positions:
                continue
            position, placeholder = min(positions)
            form = next(
                (w.form for w in plan.written if w.placeholder == placeholder),
                plan.terms.get(placeholder),
            )
            if form is not None:
                term = model.encode(form.text)
                wanted[index] = (targets[index][:position] + term, placeholder)
        if not wanted:
            return {}
        order = sorted(wanted)
        # The rest of the sentence after the term is about as long as it was in the first
        # output: a continuation that runs far past that is not a better translation.
        caps = [len(targets[i]) + len(wanted[i][0]) - _position(wanted[i][0], targets[i]) + 8
                for i in order]  # fmt: skip
        results, attentions_again, _ = self._decode_tokens(
            model,
            [sources[i] for i in order],
            None,
            attention=True,
            prefixes=[wanted[i][0] for i in order],
            caps=caps,
        )
        return {
            index: (_new_word_after(target, len(wanted[index][0]), model.scheme), attention,
                    wanted[index][1])
            for index, target, attention in zip(order, results, attentions_again, strict=True)
        }  # fmt: skip

    def _translate_spans(self, model: _LoadedModel, texts: list[str]) -> dict[str, str]:
        """Each of ``texts`` (spans inside markup) translated on its own, once."""
        unique = list(dict.fromkeys(texts))
        if not unique:
            return {}
        outputs, _, _ = self._decode_tokens(model, [model.encode(text) for text in unique], None)
        return {text: model.decode(output) for text, output in zip(unique, outputs, strict=True)}

    def _finish_leg(
        self,
        model: _LoadedModel,
        plan: blind.Plan,
        source: list[str],
        target: list[str],
        attention: Any,
        inner: dict[str, str],
    ) -> tuple[str, list[str]]:
        """The leg's output with every placeholder back, and those placed by attention.

        Markup around a span goes around the span's own translation where the output has
        it exactly once; elsewhere, like everything else removed, where attention points.
        """
        text = model.decode(target)
        lost = blind.missing(text, plan.written)
        prefixed_terms = {
            placeholder
            for placeholder, form in plan.terms.items()
            if form.spans(text)  # a removed term that target_prefix wrote in
        }
        anchors = [a for a in plan.anchors if a.placeholder not in prefixed_terms]
        anchors += [blind.written_anchor(item) for item in lost]
        found = [item for item in plan.written if item not in lost]
        found += [
            blind.Written(placeholder, plan.terms[placeholder], True, 0, 0)
            for placeholder in prefixed_terms
        ]
        items: list[str | Mark] = list(target)
        if anchors and attention is not None:
            items = place_by_attention(
                source, target, attention, anchors, model.scheme, plan.source
            )
            items = blind.keep_pairs_in_order(items, blind.pairs(plan), model.scheme)
            inside = blind.inside_the_sentence(plan.masked)
            items = blind.keep_before_final_punctuation(items, inside, model.scheme)
        text = model.detokenise(items)
        by_span = set()
        for pair in blind.pairs(plan):
            wrapped = blind.wrap(blind.without(text, (pair.opening, pair.closing)), pair,
                                 inner.get(pair.inner, ""))  # fmt: skip
            if wrapped is not None:
                text = wrapped
                by_span |= {pair.opening, pair.closing}
        text, _ = blind.remask(text, found)
        text = _with_placeholders(text, plan.placeholders, blind.inside_the_sentence(plan.masked))
        return text, sorted(a.placeholder for a in anchors if a.placeholder not in by_span)

    # -- decoding ---------------------------------------------------------------------

    def _decode_tokens(
        self,
        model: _LoadedModel,
        tokens: list[list[str]],
        progress: Callable[[int], None] | None,
        attention: bool | Sequence[bool] = False,
        prefixes: list[list[str]] | None = None,
        caps: Sequence[int] | None = None,
    ) -> tuple[list[list[str]], list[Any], dict[int, str]]:
        """Decode with one model in length-sorted, token-bounded batches, guarded against
        runaway repetition and overlong output. Returns the output pieces (the package's
        own target prefix removed), their attention where asked for (else None), notes."""
        wants = [attention] * len(tokens) if isinstance(attention, bool) else list(attention)
        results: list[list[str]] = [[] for _ in tokens]
        attentions: list[Any] = [None] * len(tokens)
        notes: dict[int, str] = {}
        batches = token_batches([len(t) for t in tokens], self.options.max_batch_tokens)
        for chunk in _chunks(batches, BATCHES_PER_CALL):
            for batch in _split_by(chunk, wants):
                want = wants[batch[0]]
                prefix = [prefixes[i] for i in batch] if prefixes else None
                cap = max(caps[i] for i in batch) if caps else None
                outputs = self._run_batch(
                    model, [tokens[i] for i in batch], 0, attention=want, prefixes=prefix, cap=cap
                )
                runaway = [
                    i
                    for i, (out, _) in zip(batch, outputs, strict=True)
                    if self.options.retry_no_repeat_ngram_size and _runaway(out, tokens[i])
                ]
                for index, (output, weights) in zip(batch, outputs, strict=True):
                    results[index], attentions[index] = output, weights
                    if model.max_positions and len(tokens[index]) > model.max_positions:
                        notes[index] = (
                            f"{model.package.pair}: input cut at {model.max_positions} tokens, "
                            "the model's longest"
                        )
                    limit = self._length_limit(len(tokens[index]))
                    if len(output) >= limit:
                        results[index] = output[:limit]
                        notes[index] = f"{model.package.pair}: output cut at {limit} tokens"
                if runaway:
                    size = self.options.retry_no_repeat_ngram_size
                    again = self._run_batch(
                        model,
                        [tokens[i] for i in runaway],
                        size,
                        attention=want,
                        prefixes=[prefixes[i] for i in runaway] if prefixes else None,
                        cap=cap,
                    )
                    for index, (output, weights) in zip(runaway, again, strict=True):
                        results[index], attentions[index] = output, weights
                        notes[index] = (
                            f"{model.package.pair}: repetitive output, decoded again with "
                            f"no_repeat_ngram_size={size}"
                        )
            if progress:
                progress(len(chunk))
        return results, attentions, notes

    def _length_limit(self, source_tokens: int) -> int:
        """The most output tokens a source of this length may produce."""
        return int(source_tokens * self.options.max_length_ratio) + self.options.max_length_extra

    def _run_batch(
        self,
        model: _LoadedModel,
        batch: list[list[str]],
        no_repeat: int,
        attention: bool = False,
        prefixes: list[list[str]] | None = None,
        cap: int | None = None,
    ) -> list[tuple[list[str], Any]]:
        """Best hypothesis per input, with its attention when asked for (else None); the
        package's target prefix (a language token) is put first and taken off again.
        ``cap`` lowers the output length limit (never raises it)."""
        limit = self._length_limit(max((len(tokens) for tokens in batch), default=0))
        if cap is not None:
            limit = min(limit, cap)
        lead = [model.target_prefix] if model.target_prefix else []
        prefix = [lead + (prefixes[i] if prefixes else []) for i in range(len(batch))]
        started = time.perf_counter()
        while True:
            positions = model.max_positions
            try:
                results = model.translator.translate_batch(
                    batch,
                    target_prefix=prefix if any(prefix) else None,
                    beam_size=self.options.beam_size,
                    length_penalty=self.options.length_penalty,
                    max_decoding_length=min(limit, positions - 1) if positions else limit,
                    max_batch_size=self.options.max_batch_tokens,
                    batch_type="tokens",
                    max_input_length=positions or 1024,
                    replace_unknowns=True,
                    no_repeat_ngram_size=no_repeat,
                    return_attention=attention,
                )
                break
            except RuntimeError as error:
                # Models with a fixed position table (small custom ones) stop at its end.
                found = _POSITIONS.search(str(error))
                if not found or positions is not None:
                    raise
                model.max_positions = int(found.group(1))
        self.decode_seconds += time.perf_counter() - started
        self.decoded += len(batch)
        outputs = []
        for result in results:
            tokens = list(result.hypotheses[0])
            weights = result.attention[0] if attention else None
            if lead and tokens[:1] == lead:
                tokens = tokens[1:]
                weights = weights[1:] if weights is not None else None
            outputs.append((tokens, weights))
        return outputs


def _map_back(output: str, words: dict[str, str]) -> str:
    """``output`` with each changed word, as the model saw it, written as in the source."""
    for seen, original in words.items():
        pattern = re.compile(rf"(?<!\w){re.escape(seen)}(?!\w)")
        output = pattern.sub(original.replace("\\", "\\\\"), output)
    return output


def _position(prefix: list[str], target: list[str]) -> int:
    """How many pieces of ``target`` the prefix kept (before the term it adds)."""
    kept = 0
    while kept < min(len(prefix), len(target)) and prefix[kept] == target[kept]:
        kept += 1
    return kept


def _new_word_after(tokens: list[str], prefix: int, scheme: Scheme) -> list[str]:
    """``tokens`` with the piece after the prefix starting a word of its own: the model
    may go on inside the term's last word ("Caspers" + "ince"), which would hide it."""
    following = tokens[prefix] if prefix < len(tokens) else ""
    if scheme is Scheme.SENTENCEPIECE and following[:1].isalnum():
        return [*tokens[:prefix], "▁" + following, *tokens[prefix + 1 :]]
    return tokens


def _with_placeholders(text: str, placeholders: Sequence[str], inside: Collection[str] = ()) -> str:
    """``text`` with each of ``placeholders`` exactly once: made-up or repeated ones
    dropped, any that found no place appended (before the final punctuation if the source
    had them ``inside`` the sentence)."""
    expected = set(placeholders)
    seen: set[str] = set()

    def keep_first_expected(match: re.Match[str]) -> str:
        placeholder = match.group()
        if placeholder not in expected or placeholder in seen:
            return ""
        seen.add(placeholder)
        return placeholder

    text = PLACEHOLDER.sub(keep_first_expected, text)
    text = strip_leaks(text, only=("⟦", "⟧"))
    missing = [placeholder for placeholder in placeholders if placeholder not in text]
    if not missing:
        return text
    body = text.rstrip()
    end = len(body)
    while end and unicodedata.category(body[end - 1]).startswith("P") and body[end - 1] != "⟧":
        end -= 1
    before = [p for p in missing if p in inside]
    after = [p for p in missing if p not in inside]
    body = " ".join([body[:end].rstrip(), *before]).strip() + body[end:]
    return " ".join([body, *after]).strip()


def _broken(output: str, source: str) -> bool:
    """Placeholders lost, repeated or made up, or model tokens in the output."""
    return _placeholders(output) != _placeholders(source) or bool(new_leaks(output, source))


def leg_retry(text: str, shown: Sequence[Shown], language: str) -> Retry | None:
    """The retry text for one leg: each shown placeholder written in the leg's language."""
    forms = {item.number: item.in_language(language) for item in shown}
    texts = {number: form.text for number, form in forms.items() if form is not None}
    retry = retry_showing(Masked(text, ()), texts) if texts else None
    if retry is None:
        return None
    findable = {f"⟦{number}⟧": form for number, form in forms.items() if form is not None}
    return _LegRetry(retry.text, retry.shown, findable)


@dataclass(frozen=True)
class _LegRetry(Retry):
    """A retry whose shown terms are found again with their plural forms."""

    forms: dict[str, Findable] = field(default_factory=dict)

    def remask(self, output: str) -> str | None:
        for placeholder, _ in self.shown:
            spans = self.forms[placeholder].spans(output)
            if len(spans) != 1:
                return None
            start, end = spans[0]
            output = output[:start] + placeholder + output[end:]
        return output


@dataclass(frozen=True)
class _Form:
    """The placeholder form a model reads (``⟦n⟧`` or one the probe chose, ``[n]``)."""

    name: str

    def to_model(self, text: str) -> str:
        if self.name == OWN_FORM:
            return text
        prefix, suffix = self.name.split("n", 1)
        return PLACEHOLDER.sub(lambda m: f"{prefix}{m.group(1)}{suffix}", text)

    def from_model(self, output: str, source: str) -> str:
        """``output`` with the model's form turned back into ``⟦n⟧`` (only numbers that
        ``source`` has; all if ``source`` is empty)."""
        if self.name == OWN_FORM:
            return output
        prefix, suffix = self.name.split("n", 1)
        wanted = set(PLACEHOLDER.findall(source)) if source else None
        pattern = re.compile(rf"{re.escape(prefix)}(\d+){re.escape(suffix)}(?!\d)")

        def back(match: re.Match[str]) -> str:
            number = match.group(1)
            return f"⟦{number}⟧" if wanted is None or number in wanted else match.group()

        return pattern.sub(back, output)


def _probe(model: _LoadedModel, options: DecodingOptions, cache_dir: Path | None) -> Verdict:
    """The probe's verdict for a loaded model: from ``cache_dir`` or this process's memo,
    else measured now (one batch of probe sentences)."""
    from pipeline.mt.probe import probe_cached, probe_package

    key = (model.fingerprint, json.dumps(options.cache_fields(), sort_keys=True))
    if key not in _VERDICTS:
        if cache_dir is not None:
            report = probe_cached(model.package, options, cache_dir, model=model)
        else:
            report = probe_package(model.package, options, model)
        _VERDICTS[key] = report.verdict
    return _VERDICTS[key]


_VERDICTS: dict[tuple[str, str], Verdict] = {}


def _split_by(batch: list[int], flags: Sequence[bool]) -> list[list[int]]:
    """``batch`` as the runs that want attention and those that do not."""
    groups = [[i for i in batch if flags[i]], [i for i in batch if not flags[i]]]
    return [group for group in groups if group]


def _in_order(text: str) -> list[str]:
    """The placeholders of ``text`` in order, each once."""
    return list(dict.fromkeys(match.group() for match in PLACEHOLDER.finditer(text)))


def _placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def _runaway(output: list[str], source: list[str]) -> bool:
    """Repetition the source does not have, or an output that ran to the length limit."""
    return has_runaway_repetition(output) and not has_runaway_repetition(source)


def _chunks(batches: list[list[int]], size: int) -> list[list[int]]:
    """Consecutive token batches joined, so one call feeds all of CTranslate2's workers."""
    return [
        [index for batch in batches[start : start + size] for index in batch]
        for start in range(0, len(batches), size)
    ]


def token_batches(lengths: Sequence[int], max_tokens: int) -> list[list[int]]:
    """Indices grouped by length so that each batch's padded size stays under ``max_tokens``."""
    order = sorted(range(len(lengths)), key=lambda index: lengths[index])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        padded = max(lengths[index], 1) * (len(current) + 1)
        if current and padded > max_tokens:
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches
