"""Benchmark: our German sentence segmenter against pysbd, for speed and accuracy.

    python benchmarks/segment.py [--releases N] [--seed S] [--repeat R]

Speed: a synthetic corpus of N press releases (benchmarks/corpus.py) is parsed once; the
plain text of every paragraph-like block (paragraphs, list items, block quotes) is the
input of both segmenters, timed in this process, best of R runs each. The full
``segment_document`` path (parsing included) is timed as an extra line.

Accuracy: the cases of tests/data/segmentation_de.toml; a segmenter is right on a case
when its sentences, each stripped, equal the expected segments exactly.

Goals: throughput at least 5× pysbd's, and accuracy at least pysbd's. Timings are
reported, never asserted: the script exits 0 whether or not the goals are met.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pysbd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.document import BlockKind, CodeKind, Document, parse_document
from pipeline.segment import (
    SegmentationRules,
    SegmentedDocument,
    load_rules,
    segment_document,
    segment_text,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate_releases, sample_path

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "data" / "segmentation_de.toml"
PARAGRAPH_LIKE = frozenset({BlockKind.PARAGRAPH, BlockKind.LIST_ITEM, BlockKind.BLOCK_QUOTE})
THROUGHPUT_GOAL = 5.0
# pysbd manages roughly 0.3 MB/s; above this much input it is timed on a subset.
PYSBD_FULL_LIMIT_BYTES = 6_000_000
MB = 1_000_000


def plain_text(document: Document, index: int) -> str:
    """A block's text without its inline markup (emphasis, link targets, HTML tags)."""
    pieces: list[str] = []
    for part in document.blocks[index].parts:
        if isinstance(part, str):
            pieces.append(part)
        elif part.kind is CodeKind.SOFT_BREAK:
            pieces.append(" ")
        elif part.kind is CodeKind.LINE_BREAK:
            pieces.append("\n")
        elif part.kind is CodeKind.CODE:
            pieces.append(part.source)
    return "".join(pieces)


def block_texts(documents: Sequence[Document]) -> list[str]:
    return [
        plain_text(document, index)
        for document in documents
        for index, block in enumerate(document.blocks)
        if block.kind in PARAGRAPH_LIKE
    ]


def size(texts: Sequence[str]) -> int:
    return sum(len(text.encode("utf-8")) for text in texts)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The shortest of ``repeat`` runs, in seconds (garbage collection paused, as timeit does)."""
    best = math.inf
    for _ in range(repeat):
        enabled = gc.isenabled()
        gc.disable()
        try:
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        finally:
            if enabled:
                gc.enable()
    return best


@dataclass(frozen=True)
class Timing:
    name: str
    input: str
    nbytes: int
    seconds: float

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / MB / self.seconds


def time_segmenters(
    releases: list[str], repeat: int, rules: SegmentationRules, console: Console
) -> tuple[Timing, Timing, Timing | None, Timing]:
    """(ours, pysbd, ours on pysbd's subset if pysbd got one, ours full document path)."""
    paths = [Path(f"release-{number:05d}.md") for number in range(len(releases))]
    data = [release.encode("utf-8") for release in releases]
    documents = [
        parse_document(raw, path, "markdown") for raw, path in zip(data, paths, strict=True)
    ]
    texts = block_texts(documents)
    total = size(texts)
    console.print(
        f"corpus: {len(releases)} releases, {sum(map(len, data)) / MB:.2f} MB of Markdown; "
        f"{len(texts)} paragraph-like blocks, {total / MB:.2f} MB of plain text "
        "(the input of both segmenters)"
    )

    step = max(1, math.ceil(total / PYSBD_FULL_LIMIT_BYTES))
    subset = texts[::step]
    if step > 1:
        console.print(
            f"note: pysbd is timed on one block in {step} ({len(subset)} blocks, "
            f"{size(subset) / MB:.2f} MB); the ratio compares both segmenters on that subset"
        )
    segmenter = pysbd.Segmenter(language="de", clean=False)
    segmenter.segment(subset[0])  # first-call setup is not part of the comparison

    def ours_on(items: list[str]) -> Callable[[], object]:
        return lambda: [segment_text(text, rules) for text in items]

    ours = Timing("ours: segment_text", "blocks", total, best_of(repeat, ours_on(texts)))
    ours_subset = None
    if step > 1:
        seconds = best_of(repeat, ours_on(subset))
        ours_subset = Timing("ours: segment_text", "subset", size(subset), seconds)
    pysbd_seconds = best_of(repeat, lambda: [segmenter.segment(text) for text in subset])
    label = "blocks" if step == 1 else "subset"
    pysbd_timing = Timing(f"pysbd {pysbd.__version__}", label, size(subset), pysbd_seconds)

    def full_path() -> None:
        for raw, path in zip(data, paths, strict=True):
            segment_document(parse_document(raw, path, "markdown"), rules=rules)

    document = Timing(
        "ours: parse + segment_document", "files", sum(map(len, data)),
        best_of(repeat, full_path),
    )  # fmt: skip
    return ours, pysbd_timing, ours_subset, document


def time_scaling(release: str, rules: SegmentationRules, console: Console) -> None:
    """Parse + segment one ever larger release: seconds per MB stay flat if time is linear.

    The garbage collector is paused while timing: its full passes over the many live
    objects of a 10 MB document would otherwise add a growing share unrelated to the code.
    """
    table = Table(title="Scaling: one release of growing size (parse + segment)")
    for column in ("MB", "segments", "seconds", "s per MB"):
        table.add_column(column, justify="right")
    unit = (release + "\n").encode("utf-8")
    per_mb = []
    for megabytes in (1.25, 2.5, 5, 10):
        data = unit * math.ceil(megabytes * MB / len(unit))
        results: list[SegmentedDocument] = []

        def parse_and_segment(
            data: bytes = data, results: list[SegmentedDocument] = results
        ) -> None:
            document = parse_document(data, Path("big.md"), "markdown")
            results.append(segment_document(document, rules=rules))

        seconds = best_of(1, parse_and_segment)  # collector paused, as timeit does
        segmented = results[-1]
        per_mb.append(seconds / (len(data) / MB))
        table.add_row(
            f"{len(data) / MB:.2f}", str(len(segmented.segments)), f"{seconds:.2f}",
            f"{per_mb[-1]:.3f}",
        )  # fmt: skip
    console.print(table)
    console.print(f"s per MB at 10 MB / at 1.25 MB: {per_mb[-1] / per_mb[0]:.2f} (1.0 = linear)")


@dataclass(frozen=True)
class Case:
    number: int
    rule: str
    text: str
    segments: list[str]


def load_cases() -> list[Case]:
    with CASES.open("rb") as file:
        entries = tomllib.load(file)["case"]
    return [
        Case(number, entry.get("rule", "?"), entry["text"], list(entry["segments"]))
        for number, entry in enumerate(entries, 1)
    ]


def run_cases(cases: list[Case], segment: Callable[[str], list[str]]) -> list[list[str]]:
    return [[sentence.strip() for sentence in segment(case.text)] for case in cases]


def shorten(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def describe_miss(case: Case, got: list[str]) -> str:
    """Where the output first differs from the expected segments."""
    expected = case.segments
    index = next(
        (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
        min(len(expected), len(got)),
    )
    if index < len(expected) and index < len(got):
        left, right = expected[index], got[index]
        if right.startswith(left) or len(right) > len(left):
            problem = f"missed a split after: {shorten(left, 60)!r}"
        else:
            problem = f"split wrongly after: {shorten(right, 60)!r}"
    elif index < len(expected):
        problem = f"lost text from: {shorten(expected[index], 60)!r}"
    else:
        problem = f"extra segment: {shorten(got[index], 60)!r}"
    return f"#{case.number} [{case.rule}] expected {len(expected)}, got {len(got)}: {problem}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=1000, help="corpus size (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs each, best is kept")
    args = parser.parse_args(argv)
    if args.releases < 1 or args.repeat < 1:
        parser.error("--releases and --repeat must be at least 1")

    console = Console(highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"pysbd {pysbd.__version__}; best of {args.repeat} runs; MB = 10^6 bytes of UTF-8"
    )
    console.print(f"sample release: {sample_path()}; seed {args.seed}")
    rules = load_rules()
    releases = generate_releases(args.releases, seed=args.seed)
    ours, theirs, ours_subset, document = time_segmenters(releases, args.repeat, rules, console)

    reference = ours_subset or ours
    ratio = reference.mb_per_s / theirs.mb_per_s
    speed = Table(title="Throughput", title_justify="left")
    for column in ("segmenter", "input", "MB", "best s", "MB/s", "× pysbd"):
        left = column in ("segmenter", "input")
        speed.add_column(column, justify="left" if left else "right", no_wrap=True)
    rows = [ours, *([ours_subset] if ours_subset else []), theirs, document]
    for timing in rows:
        factor = "1.0" if timing is theirs else f"{timing.mb_per_s / theirs.mb_per_s:.1f}"
        speed.add_row(
            timing.name, timing.input, f"{timing.nbytes / MB:.2f}", f"{timing.seconds:.3f}",
            f"{timing.mb_per_s:.2f}", factor,
        )  # fmt: skip
    console.print(speed)
    console.print(
        f"throughput ratio ours/pysbd (segment_text vs Segmenter.segment, same input): {ratio:.1f}×"
    )
    console.print(
        "input: blocks = plain text of the paragraph-like blocks (both segmenters get the same "
        "list); files = whole Markdown files, parsing, headings and contact blocks included "
        "(its × pysbd compares with pysbd's MB/s on the blocks)"
    )

    cases = load_cases()
    segmenter = pysbd.Segmenter(language="de", clean=False)
    ours_out = run_cases(cases, lambda text: segment_text(text, rules))
    theirs_out = run_cases(cases, segmenter.segment)
    ours_right = [got == case.segments for case, got in zip(cases, ours_out, strict=True)]
    theirs_right = [got == case.segments for case, got in zip(cases, theirs_out, strict=True)]

    accuracy = Table(title=f"Accuracy on {CASES.relative_to(REPO)}", title_justify="left")
    accuracy.add_column("segmenter")
    accuracy.add_column("correct", justify="right")
    accuracy.add_column("%", justify="right")
    for name, right in (("ours", ours_right), (f"pysbd {pysbd.__version__}", theirs_right)):
        accuracy.add_row(
            name, f"{sum(right)} / {len(cases)}", f"{100 * sum(right) / len(cases):.1f}"
        )
    console.print(accuracy)

    by_rule = Table(title="Correct by rule", title_justify="left")
    for column in ("rule", "cases", "ours", "pysbd"):
        by_rule.add_column(column, justify="left" if column == "rule" else "right")
    totals = Counter(case.rule for case in cases)
    ours_by = Counter(case.rule for case, right in zip(cases, ours_right, strict=True) if right)
    theirs_by = Counter(case.rule for case, ok in zip(cases, theirs_right, strict=True) if ok)
    for rule in sorted(totals):
        by_rule.add_row(rule, str(totals[rule]), str(ours_by[rule]), str(theirs_by[rule]))
    console.print(by_rule)

    for name, outputs, right in (
        ("pysbd", theirs_out, theirs_right),
        ("ours", ours_out, ours_right),
    ):
        misses = [
            (case, got) for case, got, ok in zip(cases, outputs, right, strict=True) if not ok
        ]
        if not misses:
            console.print(f"{name} misses: none")
            continue
        shown = min(10, len(misses))
        console.print(f"{name} misses ({len(misses)}, first {shown}):")
        for case, got in misses[:shown]:
            console.print(Text(f"  {describe_miss(case, got)}"))

    time_scaling(releases[0], rules, console)

    throughput_met = ratio >= THROUGHPUT_GOAL
    accuracy_met = sum(ours_right) >= sum(theirs_right)
    console.print(f"throughput goal ≥ 5× pysbd: {'met' if throughput_met else 'not met'}")
    console.print(f"accuracy goal ours ≥ pysbd: {'met' if accuracy_met else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
