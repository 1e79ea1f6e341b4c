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

Quality, on our own labelled data in tests/data/glossary/labelled/ (not tuned to the
matcher: labelled by what a medical translator would want found):

- *matcher recall and precision* on sentences.toml, span level: an expected match is
  found when the matcher (``Matcher.find`` and ``Matcher.hints`` together) reports the
  same concept on the same span; every other reported hit is a false hit. Printed
  overall, for terms and hints apart, and per sentence class, with the first 20 misses
  and false hits.
- *termbase coverage* on the 20 releases with the terms a translator listed for each
  (releases.toml): the share of listed terms the termbase has a concept for (the matcher
  finds the concept on the whole term, in its base form), and the share the matcher
  finds in the release (that concept among the hits of the release's segments).
- *extraction precision@20*: ``pipeline glossary extract`` on each release alone
  (candidates the termbase has left out, as the command does by default); a candidate
  among the top 20 is right when its term, case aside, is in that release's translator
  list or in domain_terms.txt, a list of domain terms we judged by hand (pooled from
  what extraction proposed and from the releases; a general word or a person's name is
  never on it). The mean over releases is printed, with the wrong candidates.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corpus import generate_releases

import pipeline.glossary.match
from pipeline.document import parse_document
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.extract import extract
from pipeline.glossary.match import Matcher, TermHit
from pipeline.glossary.model import Termbase
from pipeline.segment import segment_document

ROOT = Path(__file__).resolve().parents[1]

CASES = ROOT / "tests" / "data" / "glossary" / "matching_de.toml"
LABELLED = ROOT / "tests" / "data" / "glossary" / "labelled"
SHOWN = 20  # misses and false hits printed per list
TOP = 20  # extraction precision@TOP
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


# --- quality on the labelled data ------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A concept on a span of a sentence: what is expected, or what the matcher found."""

    sentence: int
    start: int
    end: int
    concept: str
    surface: str
    hint: bool = False


@dataclass(frozen=True)
class Score:
    found: tuple[Match, ...]  # expected and found
    missed: tuple[Match, ...]  # expected, not found
    false: tuple[Match, ...]  # found, not expected

    @property
    def recall(self) -> float:
        return len(self.found) / max(len(self.found) + len(self.missed), 1)

    @property
    def precision(self) -> float:
        return len(self.found) / max(len(self.found) + len(self.false), 1)

    def where(self, keep: Callable[[Match], bool]) -> Score:
        """The score on the matches ``keep`` accepts (a class, terms or hints)."""
        return Score(*(tuple(filter(keep, part)) for part in (self.found, self.missed, self.false)))


def summary(result: Score) -> str:
    expected = len(result.found) + len(result.missed)
    reported = len(result.found) + len(result.false)
    return (
        f"recall {result.recall:6.1%} ({len(result.found)}/{expected})  "
        f"precision {result.precision:6.1%} ({len(result.found)}/{reported})"
    )


def labelled_spans(sentence: int, text: str, items: list[str], hint: bool = False) -> list[Match]:
    """``"surface = concept"`` items in text order → spans: each surface's first occurrence
    at or after the end of the previous one. A surface not there raises ValueError."""
    spans = []
    position = 0
    for item in items:
        surface, concept = item.rsplit(" = ", 1)
        start = text.find(surface, position)
        if start < 0:
            raise ValueError(f"sentence {sentence}: {surface!r} not found after {position}")
        position = start + len(surface)
        spans.append(Match(sentence, start, position, concept, surface, hint))
    return spans


def expected_matches(sentences: list[dict]) -> list[Match]:  # type: ignore[type-arg]
    expected = []
    for number, sentence in enumerate(sentences):
        text = sentence["text"]
        expected += labelled_spans(number, text, sentence["expect"])
        expected += labelled_spans(number, text, sentence.get("hints", []), hint=True)
    return expected


def matcher_matches(matcher: Matcher, sentences: list[dict]) -> list[Match]:  # type: ignore[type-arg]
    found = []
    for number, sentence in enumerate(sentences):
        text = sentence["text"]
        for hits, hint in ((matcher.find(text), False), (matcher.hints(text), True)):
            found += [Match(number, h.start, h.end, h.concept, h.surface, hint) for h in hits]
    return found


def score(expected: list[Match], found: list[Match]) -> Score:
    """Span level: a match counts when sentence, span and concept are the same."""

    def key(match: Match) -> tuple[int, int, int, str]:
        return match.sentence, match.start, match.end, match.concept

    wanted = {key(m) for m in expected}
    got = {key(m) for m in found}
    return Score(
        tuple(m for m in expected if key(m) in got),
        tuple(m for m in expected if key(m) not in got),
        tuple(m for m in found if key(m) not in wanted),
    )


def release_segments(path: Path) -> list[str]:
    document = parse_document(path.read_bytes(), path, "markdown")
    return [segment.text for segment in segment_document(document).segments]


def concept_of(matcher: Matcher, term: str) -> str:
    """The concept whose term is ``term`` (a hit on the whole of it), or ""."""
    hits = [h for h in matcher.find(term) if h.start == 0 and h.end == len(term)]
    return hits[0].concept if hits else ""


@dataclass(frozen=True)
class Coverage:
    listed: int
    in_termbase: int
    found: int
    missing: tuple[str, ...]  # "release: term" the termbase lacks
    unfound: tuple[str, ...]  # "release: term (concept)" in the termbase, not found


def coverage(matcher: Matcher, releases: dict[str, list[str]], folder: Path) -> Coverage:
    listed = in_termbase = found = 0
    missing: list[str] = []
    unfound: list[str] = []
    for name, terms in releases.items():
        seen = {h.concept for text in release_segments(folder / name) for h in matcher.find(text)}
        for term in terms:
            listed += 1
            concept = concept_of(matcher, term)
            if not concept:
                missing.append(f"{name}: {term}")
                continue
            in_termbase += 1
            if concept in seen:
                found += 1
            else:
                unfound.append(f"{name}: {term} ({concept})")
    return Coverage(listed, in_termbase, found, tuple(missing), tuple(unfound))


def precision_at(
    matcher: Matcher, releases: dict[str, list[str]], folder: Path, judged: set[str], top: int
) -> tuple[float, list[str]]:
    """Mean share of each release's top candidates that are listed or judged domain terms;
    and the wrong ones, as "release: term"."""
    shares = []
    wrong = []
    for name, terms in releases.items():
        right = {t.casefold() for t in terms} | judged
        candidates = extract(release_segments(folder / name), matcher, top)
        good = [c for c in candidates if c.term.casefold() in right]
        wrong += [f"{name}: {c.term} ({c.kind})" for c in candidates if c not in good]
        shares.append(len(good) / max(len(candidates), 1))
    return sum(shares) / max(len(shares), 1), wrong


def judged_terms(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip().casefold() for line in lines if line.strip() and line[0] != "#"}


def shown(match: Match) -> str:
    kind = "hint " if match.hint else ""
    return f"{kind}{match.surface!r} = {match.concept}"


def print_quality(termbase: Termbase) -> None:
    matcher = Matcher(termbase)
    data = tomllib.loads((LABELLED / "sentences.toml").read_text(encoding="utf-8"))
    sentences = data["sentence"]
    result = score(expected_matches(sentences), matcher_matches(matcher, sentences))
    print(f"\nmatcher on {len(sentences)} labelled sentences (span level, find + hints):")
    print(f"  all     {summary(result)}")
    print(f"  terms   {summary(result.where(lambda m: not m.hint))}")
    print(f"  hints   {summary(result.where(lambda m: m.hint))}")
    for name in sorted({s["class"] for s in sentences}):
        part = result.where(lambda m, name=name: sentences[m.sentence]["class"] == name)
        print(f"  {name:13} {summary(part)}")
    for title, matches in (("misses", result.missed), ("false hits", result.false)):
        print(f"  {title} (first {SHOWN} of {len(matches)}):")
        for match in matches[:SHOWN]:
            sentence = sentences[match.sentence]
            print(f"    [{sentence['class']}] {shown(match)}  in {sentence['text']!r}")

    releases = tomllib.loads((LABELLED / "releases.toml").read_text(encoding="utf-8"))["terms"]
    folder = LABELLED / "releases"
    cover = coverage(matcher, releases, folder)
    print(f"\ntermbase coverage on {len(releases)} releases, {cover.listed} translator terms:")
    print(
        f"  in the termbase {cover.in_termbase / cover.listed:.1%} ({cover.in_termbase}), "
        f"found by the matcher in the release {cover.found / cover.listed:.1%} ({cover.found})"
    )
    print(
        f"  not in the termbase (first {SHOWN} of {len(cover.missing)}): "
        + "; ".join(cover.missing[:SHOWN])
    )
    print(
        f"  in the termbase, not found in the release ({len(cover.unfound)}): "
        + "; ".join(cover.unfound[:SHOWN])
    )

    judged = judged_terms(LABELLED / "domain_terms.txt")
    mean, wrong = precision_at(matcher, releases, folder, judged, TOP)
    print(f"\nextraction precision@{TOP} (mean over releases): {mean:.1%}")
    print(f"  wrong candidates (first {SHOWN} of {len(wrong)}): " + "; ".join(wrong[:SHOWN]))


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
    print_quality(termbase)
    return 0


if __name__ == "__main__":
    sys.exit(main())
