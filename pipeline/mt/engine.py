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
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import InputError
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
from pipeline.mt.protect import PLACEHOLDER, RepairStep, Retry

if TYPE_CHECKING:  # argostranslate is imported only when a model is loaded
    from argostranslate.tokenizer import Tokenizer

PIVOT = "en"
# CTranslate2's compute types; which of them a device supports is asked at load time.
COMPUTE_TYPES = frozenset(
    {"default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16"}
    | {"int16", "float16", "bfloat16", "float32"}
)
# translate_batch gets this many token batches per worker at once: CTranslate2 cuts the
# call into batches again and decodes them in parallel on its inter_threads workers.
BATCHES_PER_CALL = 4
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
SHOWN_AS_TEXT = "shown as plain text"
ALIGNED = "re-inserted by attention alignment"
LEAKS_REMOVED = "model tokens removed from the output"


@dataclass(frozen=True)
class DecodingOptions:
    """How the models decode. The defaults suit a 2-core CPU."""

    beam_size: int = 4
    length_penalty: float = 0.2  # as Argos Translate uses it
    compute_type: str = "int8"
    inter_threads: int = 2  # batches decoded in parallel
    intra_threads: int = 1  # threads within one batch
    max_batch_tokens: int = 1024  # source tokens × sentences per batch
    max_length_ratio: float = 3.0  # output tokens per source token, before the guard stops it
    max_length_extra: int = 16
    retry_no_repeat_ngram_size: int = 3  # used when the first output runs away; 0: no retry

    def cache_fields(self) -> dict[str, object]:
        """The options that change the output (threads and batching do not)."""
        fields = asdict(self)
        for name in ("inter_threads", "intra_threads", "max_batch_tokens"):
            fields.pop(name)
        return fields


@dataclass(frozen=True)
class Translation:
    text: str
    route: str  # e.g. "de→en→fr"
    cached: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def repair(self) -> RepairStep:
        """How lost placeholders were repaired. The engine's own notes are all that the
        cache keeps of a translation, so the step is read back from the note it wrote."""
        if any(ALIGNED in warning for warning in self.warnings):
            return RepairStep.ALIGNMENT
        if any(SHOWN_AS_TEXT in warning for warning in self.warnings):
            return RepairStep.RETRY
        return RepairStep.NONE


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
        _check_compute_type(options.compute_type, ctranslate2.get_supported_compute_types("cpu"))
        try:
            self.translator = ctranslate2.Translator(
                str(package.path / "model"),
                device="cpu",
                compute_type=options.compute_type,
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


def _check_compute_type(compute_type: str, supported: set[str]) -> None:
    """An unknown or unsupported compute type is a setting to fix, not a broken package."""
    usable = {"default", "auto", *supported}
    if compute_type not in usable:
        known = "known" if compute_type in COMPUTE_TYPES else "not a CTranslate2 compute type"
        raise InputError(
            f"compute_type {compute_type!r} cannot be used on this CPU ({known})",
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


class Engine:
    """Translates batches of (already masked) segments between any installed pairs."""

    def __init__(
        self,
        packages_dir: Path,
        options: DecodingOptions | None = None,
        cache: TranslationCache | None = None,
    ) -> None:
        self.packages_dir = Path(packages_dir)
        self.options = options or DecodingOptions()
        self.cache = cache
        self._installed = {(p.from_code, p.to_code): p for p in list_packages(self.packages_dir)}
        self._loaded: dict[tuple[str, str], _LoadedModel] = {}
        self.decode_seconds = 0.0  # time spent inside the models (translate_batch)

    def describe(self, source: str, target: str) -> str:
        """The models along the route, for the record: "de→en 1.9, en→fr 1.9 (int8, beam 4)"."""
        packages = [self._installed[pair] for pair in self.route(source, target)]
        models = ", ".join(f"{p.pair} {p.version}" for p in packages)
        return f"Argos {models} ({self.options.compute_type}, beam {self.options.beam_size})"

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
        retries: Sequence[Retry | None] | None = None,
        contexts: Sequence[str] | None = None,
    ) -> list[Translation]:
        """Translate ``texts``; identical texts and cached ones are decoded once or never.

        When a text's placeholders do not survive, its ``retries`` entry (if any) is tried
        next, then the placeholders are put back through attention alignment. A text's
        ``contexts`` entry (e.g. the glossary entries it uses) is part of its cache key.
        """
        legs = [self._model(pair) for pair in self.route(source, target)]
        route_name = "→".join([source, *(model.package.to_code for model in legs)])
        keys = self._cache_keys(texts, source, target, contexts)
        known = self.cache.get_many(keys) if self.cache else {}
        todo = {key: index for index, key in reversed(list(enumerate(keys))) if key not in known}
        order = sorted(todo.values())
        outputs, warnings = self._translate_guarded(
            [texts[i] for i in order],
            [retries[i] if retries else None for i in order],
            legs,
            progress,
        )
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
        options = self.options.cache_fields()
        return [
            cache_key(route_key, options, text + ("\x00" + context if context else ""))
            for text, context in zip(texts, contexts or [""] * len(texts), strict=True)
        ]

    def _translate_guarded(
        self,
        texts: list[str],
        retries: list[Retry | None],
        legs: list[_LoadedModel],
        progress: Callable[[int], None] | None,
    ) -> tuple[list[str], dict[int, list[str]]]:
        """All legs; then, for broken placeholders, the retry text, then attention alignment."""
        outputs, notes, broken = self._translate_legs(texts, legs, progress, align=False)
        warnings = {index: notes.get(text, []) for index, text in enumerate(texts)}
        retried = [i for i in sorted(broken) if retries[i] is not None]
        if retried:
            attempts = [retries[i] for i in retried]
            second, second_notes, still = self._translate_legs(
                [attempt.text for attempt in attempts], legs, None, align=False
            )
            for number, (index, attempt) in enumerate(zip(retried, attempts, strict=True)):
                remasked = None if number in still else attempt.remask(second[number])
                if remasked is None:
                    continue
                outputs[index] = remasked
                broken.discard(index)
                shown = ", ".join(placeholder for placeholder, _ in attempt.shown)
                warnings[index] = [
                    *second_notes.get(attempt.text, []),
                    f"placeholders lost; translated again with {shown} {SHOWN_AS_TEXT}",
                ]
        # Without placeholders the alignment pass would decode the very same input again.
        aligned = [i for i in sorted(broken) if _placeholders(texts[i])]
        if aligned:
            repaired, aligned_notes, _ = self._translate_legs(
                [texts[i] for i in aligned], legs, None, align=True
            )
            for index, text in zip(aligned, repaired, strict=True):
                outputs[index] = text
                warnings[index] = aligned_notes.get(texts[index], [])
        for index, text in enumerate(texts):
            leaks = new_leaks(outputs[index], text)
            if leaks:  # nothing gave a clean output: the fragments go, a note says so
                outputs[index] = strip_leaks(outputs[index])
                warnings[index] = [*warnings[index], f"{LEAKS_REMOVED}: {' '.join(leaks)}"]
        return outputs, {i: notes for i, notes in warnings.items() if notes}

    def _model(self, pair: tuple[str, str]) -> _LoadedModel:
        if pair not in self._loaded:
            self._loaded[pair] = _LoadedModel(self._installed[pair], self.options)
        return self._loaded[pair]

    def _translate_legs(
        self,
        texts: list[str],
        legs: list[_LoadedModel],
        progress: Callable[[int], None] | None,
        align: bool,
    ) -> tuple[list[str], dict[str, list[str]], set[int]]:
        """Outputs, notes per text, and the indices whose placeholders did not survive."""
        current = list(texts)
        warnings: dict[str, list[str]] = {}
        broken: set[int] = set()
        for number, model in enumerate(legs):
            last = number == len(legs) - 1
            decoded, notes, lost = self._decode(model, current, progress if last else None, align)
            for index, note in notes.items():
                warnings.setdefault(texts[index], []).append(note)
            broken |= lost
            current = decoded
        return current, warnings, broken

    def _decode(
        self,
        model: _LoadedModel,
        texts: list[str],
        progress: Callable[[int], None] | None,
        align: bool,
    ) -> tuple[list[str], dict[int, str], set[int]]:
        """Decode with one model in length-sorted, token-bounded batches, guarded."""
        tokens = [model.encode(text) for text in texts]
        results: list[list[str]] = [[] for _ in texts]
        notes: dict[int, str] = {}
        batches = token_batches([len(t) for t in tokens], self.options.max_batch_tokens)
        for batch in _chunks(batches, BATCHES_PER_CALL * max(self.options.inter_threads, 1)):
            outputs = self._run_batch(model, [tokens[i] for i in batch], no_repeat=0)
            runaway = [
                i
                for i, out in zip(batch, outputs, strict=True)
                if self.options.retry_no_repeat_ngram_size and _runaway(out, tokens[i])
            ]
            for index, output in zip(batch, outputs, strict=True):
                results[index] = output
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
                retried = self._run_batch(model, [tokens[i] for i in runaway], no_repeat=size)
                for index, output in zip(runaway, retried, strict=True):
                    results[index] = output
                    notes[index] = (
                        f"{model.package.pair}: repetitive output, decoded again with "
                        f"no_repeat_ngram_size={size}"
                    )
            if progress:
                progress(len(batch))
        decoded = [
            model.decode_masked(output, text) for output, text in zip(results, texts, strict=True)
        ]
        broken = {
            i
            for i, text in enumerate(texts)
            if _placeholders(decoded[i]) != _placeholders(text) or new_leaks(decoded[i], text)
        }
        if not align:
            return decoded, notes, broken
        realigned = [i for i in sorted(broken) if _placeholders(texts[i])]
        for index, text in zip(
            realigned,
            self._align_placeholders(model, [texts[i] for i in realigned]),
            strict=True,
        ):
            decoded[index] = text
            note = f"{model.package.pair}: placeholders {ALIGNED}"
            notes[index] = f"{notes[index]}; {note}" if index in notes else note
        return decoded, notes, set()

    def _align_placeholders(self, model: _LoadedModel, texts: list[str]) -> list[str]:
        """Translate without placeholders and put them back where attention points."""
        if not texts:
            return []
        stripped = [strip_placeholders(text) for text in texts]
        sources = [model.encode(text) for text, _ in stripped]
        results = self._run_batch(model, sources, no_repeat=0, attention=True)
        aligned = []
        for source, (source_text, anchors), (target, attention) in zip(
            sources, stripped, results, strict=True
        ):
            if model.target_prefix and target[:1] == [model.target_prefix]:
                target, attention = target[1:], attention[1:]
            placed = place_by_attention(
                source, target, attention, anchors, model.scheme, source_text
            )
            aligned.append(_with_anchors(model.detokenise(placed), anchors))
        return aligned

    def _length_limit(self, source_tokens: int) -> int:
        """The most output tokens a source of this length may produce."""
        return int(source_tokens * self.options.max_length_ratio) + self.options.max_length_extra

    def _run_batch(
        self, model: _LoadedModel, batch: list[list[str]], no_repeat: int, attention: bool = False
    ) -> list[Any]:
        """Best hypothesis per input: tokens, or (tokens, attention) when asked for."""
        limit = self._length_limit(max((len(tokens) for tokens in batch), default=0))
        prefix = [[model.target_prefix] for _ in batch] if model.target_prefix else None
        started = time.perf_counter()
        while True:
            positions = model.max_positions
            try:
                results = model.translator.translate_batch(
                    batch,
                    target_prefix=prefix,
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
        if attention:
            return [(list(r.hypotheses[0]), r.attention[0]) for r in results]
        return [list(result.hypotheses[0]) for result in results]


def _with_anchors(text: str, anchors: list[Anchor]) -> str:
    """Drop placeholders the model made up or repeated; append any that found no place."""
    expected = {anchor.placeholder for anchor in anchors}
    seen: set[str] = set()

    def keep_first_expected(match: re.Match[str]) -> str:
        placeholder = match.group()
        if placeholder not in expected or placeholder in seen:
            return ""
        seen.add(placeholder)
        return placeholder

    text = PLACEHOLDER.sub(keep_first_expected, text)
    text = strip_leaks(text, only=("⟦", "⟧"))
    missing = [anchor.placeholder for anchor in anchors if anchor.placeholder not in text]
    return " ".join([text, *missing]).strip() if missing else text


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
