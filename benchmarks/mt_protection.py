"""The protection part of benchmarks/mt.py: packages that cannot carry placeholders.

Real-prose segments (benchmarks/corpus.py: releases derived from the sample release),
one in three with glossary terms, URLs or inline markup, the rest without, translated
with the radiology termbase through the pipeline's own path (``translate_segments``) and,
in the same process on the same loaded models, by raw ``translate_batch`` on the plain
sentences (the floor: no protection, no checks, one decode per leg). Printed: decodes per
segment and leg, share of terms verified in the output, terms left for review, leaked
fragments, and engine time over the floor.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.document import parse_document
from pipeline.glossary.enforce import NEEDS_REVIEW, NO_TERM
from pipeline.glossary.maintain import builtin_termbase, load_termbase
from pipeline.glossary.match import Matcher
from pipeline.mt.engine import DecodingOptions, Engine, leaked_fragments
from pipeline.mt.protect import find_protected
from pipeline.mt.translate import translate_segments
from pipeline.segment import Segment, segment_document


@dataclass(frozen=True)
class Figures:
    route: str
    segments: int
    with_items: int
    decodes_per_segment_leg: float
    terms: int
    verified: int
    needs_review: int
    leaked: int
    engine_seconds: float
    floor_seconds: float

    @property
    def ratio(self) -> float:
        return self.engine_seconds / self.floor_seconds


def _has_items(segment: Segment, matcher: Matcher) -> bool:
    codes = any(not span.code.is_break for span in segment.codes)
    return codes or bool(find_protected(segment.text)) or bool(matcher.find(segment.text))


def prose_segments(count: int, matcher: Matcher, seed: int = 0) -> tuple[list[Segment], int]:
    """``count`` segments of generated releases, one in three with terms, URLs or markup."""
    from corpus import generate_releases  # benchmarks/ is on sys.path when run as a script

    with_items: list[Segment] = []
    plain: list[Segment] = []
    for number, text in enumerate(generate_releases(max(4, count // 10), seed)):
        document = parse_document(text.encode(), Path(f"r{number}.md"), "markdown")
        for segment in segment_document(document).segments:
            (with_items if _has_items(segment, matcher) else plain).append(segment)
    rng = random.Random(seed)
    rng.shuffle(with_items)
    rng.shuffle(plain)
    wanted = count // 3
    chosen = with_items[:wanted] + plain[: count - wanted]
    rng.shuffle(chosen)
    return chosen, min(wanted, len(with_items))


def _floor(engine: Engine, texts: list[str], source: str, target: str) -> float:
    """translate_batch along the route on the plain texts, one decode per leg: the
    engine's options, length-sorted token batches and output length cap (3 × the source
    + 16 tokens), no guard retries, no protection. Without the same cap, runaway outputs
    of the random-weight package would run to CTranslate2's default of 256 tokens in the
    floor only (or past it in the engine only)."""
    floor = Engine(engine.packages_dir, replace(engine.options, retry_no_repeat_ngram_size=0))
    for pair in floor.route(source, target):
        model = floor._model(pair)
        outputs, _, _ = floor._decode_tokens(model, [model.encode(text) for text in texts], None)
        texts = [model.decode(output) for output in outputs]
    return floor.decode_seconds


def measure(
    packages: Path, segments: list[Segment], with_items: int, target: str, device: str = "auto"
) -> Figures:
    matcher = Matcher(load_termbase([builtin_termbase()]))
    engine = Engine(packages, DecodingOptions(device=device))
    legs = engine.route("de", target)
    for pair in legs:  # load and probe outside the timing
        engine.verdict(engine._model(pair).package)
    plain_texts = [segment.text for segment in segments]
    # Alternated and the faster of two taken, so that load from other processes on a
    # shared machine does not fall on one variant only.
    floors, engines, decodes = [], [], []
    for _ in range(2):
        floors.append(_floor(engine, plain_texts, "de", target))
        engine.decoded = 0
        started = time.perf_counter()
        results = translate_segments(engine, segments, "de", target, matcher=matcher)
        engines.append(time.perf_counter() - started)
        decodes.append(engine.decoded)
    floor, seconds = min(floors), min(engines)
    terms = [term for result in results for term in result.terms if term.status != NO_TERM]
    return Figures(
        route="→".join(["de", *(pair[1] for pair in legs)]),
        segments=len(segments),
        with_items=with_items,
        decodes_per_segment_leg=decodes[-1] / (len(segments) * len(legs)),
        terms=len(terms),
        verified=sum(term.enforced for term in terms),
        needs_review=sum(term.status == NEEDS_REVIEW for term in terms),
        leaked=sum(len(leaked_fragments(r.text)) + r.text.count("⟦") for r in results),
        engine_seconds=seconds,
        floor_seconds=floor,
    )
