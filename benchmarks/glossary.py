"""Benchmark: glossary matching with one automaton vs one compiled regex per term variant.

    python benchmarks/glossary.py [--segments N] [--glossary pipeline/glossary/data/radiology.csv]

Both annotate the same N segments (generated releases from benchmarks/corpus.py, cut into
segments by our segmenter) with the full termbase, in this process, best of 3 runs each.
Ours is timed cold: before each run every functools cache the matcher goes through
(``word_key``'s lemma cache, found by :func:`matching_caches`) is cleared and a fresh
Matcher is built (its per-text result cache starts empty). The warm figure, a second
pass over the same segments on the same matcher, is printed separately; it mostly
measures those caches, not matching. simplemma's dictionary stays loaded (it is loaded
once per process, when the first Matcher is built).

  ours   pipeline.glossary.match.Matcher: tokenise, lemmatise (simplemma), one
         Aho-Corasick pass (pyahocorasick), longest match first;
  naive  for every German variant and plural a regex
         ``(?<!\\w)variant(?:e|en|n|s|es|er|innen)?(?!\\w)`` (case-insensitive unless the
         concept is case-sensitive), run one after another, then the same overlap rule.

Recall: the hits expected by tests/data/glossary/matching_de.toml, found by each.
Goal: ours (cold) ≥ 10× the naive loop, with recall at least as high. Timings are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import tomllib
from pathlib import Path

from corpus import generate_releases

import pipeline.glossary.match
from pipeline.document import parse_document
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.match import Matcher, TermHit
from pipeline.glossary.model import Termbase
from pipeline.segment import segment_document

ROOT = Path(__file__).resolve().parents[1]

CASES = ROOT / "tests" / "data" / "glossary" / "matching_de.toml"
SUFFIXES = "(?:e|en|n|s|es|er|innen)?"


class NaiveMatcher:
    """One compiled regex per German variant (and plural), tried one after another."""

    def __init__(self, termbase: Termbase) -> None:
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        for concept in termbase.concepts:
            flags = 0 if concept.case_sensitive else re.IGNORECASE
            for term in concept.source_terms:
                for form in filter(None, (term.text, term.plural)):
                    pattern = re.compile(rf"(?<!\w){re.escape(form)}{SUFFIXES}(?!\w)", flags)
                    self.patterns.append((pattern, concept.id))

    def find(self, text: str) -> list[TermHit]:
        hits = [
            TermHit(concept, m.start(), m.end(), m.group(), m.group(), False)
            for pattern, concept in self.patterns
            for m in pattern.finditer(text)
        ]
        return Matcher.resolve(hits)


def corpus_segments(count: int) -> list[str]:
    texts: list[str] = []
    releases = 0
    while len(texts) < count:
        batch = generate_releases(50, seed=releases)
        releases += 50
        for number, text in enumerate(batch):
            document = parse_document(text.encode(), Path(f"r{number}.md"), "markdown")
            texts.extend(segment.text for segment in segment_document(document).segments)
    return texts[:count]


def matching_caches() -> list:  # type: ignore[type-arg]
    """The functools caches at module level in pipeline.glossary.match (the lemma cache)."""
    return [
        value
        for value in vars(pipeline.glossary.match).values()
        if callable(value) and callable(getattr(value, "cache_clear", None))
    ]


def cold_and_warm(
    termbase: Termbase, segments: list[str], runs: int
) -> tuple[float, float, float, int]:
    """Best of ``runs``: build time, a cold pass and a warm second pass; and the hits."""
    caches = matching_caches()
    build = cold = warm = float("inf")
    hits = 0
    for _ in range(runs):
        for cache in caches:
            cache.cache_clear()
        start = time.perf_counter()
        matcher = Matcher(termbase)
        build = min(build, time.perf_counter() - start)
        start = time.perf_counter()
        hits = sum(len(matcher.find(s)) for s in segments)
        cold = min(cold, time.perf_counter() - start)
        start = time.perf_counter()
        sum(len(matcher.find(s)) for s in segments)
        warm = min(warm, time.perf_counter() - start)
    return build, cold, warm, hits


def best_of(runs: int, work) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    best, found = float("inf"), 0
    for _ in range(runs):
        start = time.perf_counter()
        found = work()
        best = min(best, time.perf_counter() - start)
    return best, found


def recall(find, cases: list[dict]) -> tuple[int, int]:  # type: ignore[no-untyped-def, type-arg]
    expected = found = 0
    for case in cases:
        got = {f"{hit.surface} = {hit.concept}" for hit in find(case["text"])}
        expected += len(case["expect"])
        found += sum(item in got for item in case["expect"])
    return found, expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=20_000)
    parser.add_argument(
        "--glossary", type=Path, default=ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"
    )
    args = parser.parse_args()

    termbase = load_glossary(args.glossary)
    segments = corpus_segments(args.segments)
    Matcher(termbase)  # load simplemma's German dictionary once, outside every timing
    caches = matching_caches()
    build_ours, ours_seconds, warm_seconds, ours_hits = cold_and_warm(termbase, segments, 3)
    start = time.perf_counter()
    naive = NaiveMatcher(termbase)
    build_naive = time.perf_counter() - start

    naive_seconds, naive_hits = best_of(3, lambda: sum(len(naive.find(s)) for s in segments))
    cases = tomllib.loads(CASES.read_text(encoding="utf-8"))["case"]
    ours_found, expected = recall(Matcher(termbase).find, cases)
    naive_found, _ = recall(naive.find, cases)

    print(f"termbase: {len(termbase.concepts)} concepts, {len(naive.patterns)} regexes")
    print(
        f"segments: {len(segments)} ({len(set(segments))} distinct, "
        f"{sum(map(len, segments)) / 1e6:.2f} M characters)"
    )
    cleared = ", ".join(f"{cache.__module__}.{cache.__qualname__}" for cache in caches)
    print(f"cold: caches cleared and a fresh Matcher before each run ({cleared})")
    print(f"{'variant':12} {'seconds':>8} {'segments/s':>11} {'hits':>7} {'recall':>9} build")
    print(
        f"{'ours, cold':12} {ours_seconds:8.3f} {len(segments) / ours_seconds:11.0f} "
        f"{ours_hits:7d} {ours_found:3d}/{expected:<3d}   {build_ours:.3f} s"
    )
    print(
        f"{'naive':12} {naive_seconds:8.3f} {len(segments) / naive_seconds:11.0f} "
        f"{naive_hits:7d} {naive_found:3d}/{expected:<3d}   {build_naive:.3f} s"
    )
    print(
        f"{'ours, warm':12} {warm_seconds:8.3f} {len(segments) / warm_seconds:11.0f} "
        f"{'':7} {'':9}   (second pass, same segments, same Matcher: cached results)"
    )
    print(f"speed ratio ours (cold)/naive: {naive_seconds / ours_seconds:.1f}× (goal ≥ 10×)")
    print(f"warm/cold, ours: {ours_seconds / warm_seconds:.0f}× (caches only; not compared)")
    print(
        f"recall: ours {ours_found}/{expected}, naive {naive_found}/{expected} (goal: ours ≥ naive)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
