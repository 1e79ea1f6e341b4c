"""Benchmark: segmentation, protection and QA take linear time on any input (issue 11).

    python benchmarks/linearity.py [--sizes 1,2,4,8] [--release-mb 10] [--seed S]

Three kinds of Markdown input, generated (not built around the patterns of the code), at
1, 2, 4 and 8 MB each:

- long tokens: paragraphs that each end in one token without a space (a run-on word, an
  identifier with dots and hyphens, a number with separators, a URL with a long path) of
  1,000 characters up to an eighth of the input;
- base64 blobs: random bytes of 10 kB up to an eighth of the input, base64-encoded, as
  76-column MIME blocks and as one-line ``data:`` images;
- prose: the synthetic German press releases of benchmarks/corpus.py.

The longest token and blob grow with the input, so time that grows with the square of a
token's length shows as seconds per MB that grow with the size. Each size is timed in
this process, side by side: segmentation (parse + segment), the protection masking of
every segment (``mask_segment``: codes, URLs, e-mails, phone numbers) and the QA checks
on every segment (``check_entries`` with the radiology glossary, the translation being
the German text). The caches of those stages are emptied and the garbage collector is
paused for each timing (as timeit does), so each size pays for its own work; the time is
this process's CPU time, which other work on a shared machine changes less than wall
time. Printed: seconds per MB at each size and the ratio of the largest size's to the
smallest size's (goal ≤ 1.2: linear time). Then a release of ``--release-mb`` MB mixing
the three kinds is segmented by ``pipeline segment --json`` in a child process: its wall
time and peak RSS (goals: under 30 s and 1 GB). Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import base64
import gc
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import generate_releases

from pipeline.document import parse_document
from pipeline.glossary import match
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.match import Matcher
from pipeline.mt import protect
from pipeline.mt.translate import mask_segment
from pipeline.qa import numbers
from pipeline.qa.checks import check_entries
from pipeline.segment import SegmentedDocument, load_rules, segment_document

REPO = Path(__file__).resolve().parents[1]
GLOSSARY = REPO / "pipeline" / "glossary" / "data" / "radiology.csv"
MB = 1_000_000
RATIO_GOAL = 1.2
RELEASE_SECONDS_GOAL = 30.0
RELEASE_RSS_GOAL_MB = 1000.0

# --- inputs ------------------------------------------------------------------------------

LEAD_INS = (
    "Die Kennung lautet",
    "Im Anhang steht",
    "Der vollständige Eintrag:",
    "Weitere Angaben unter",
    "Laut Protokoll",
)


def _alphabet_text(rng: random.Random, length: int, alphabet: str) -> str:
    """``length`` random characters of ``alphabet`` (at most 256 distinct Latin-1 ones)."""
    table = bytes(ord(alphabet[i * len(alphabet) // 256]) for i in range(256))
    return rng.randbytes(length).translate(table).decode("latin-1")


TOKEN_STYLES: tuple[tuple[str, str, str], ...] = (  # (name, prefix, alphabet)
    ("run-on word", "", "abcdefghijklmnopqrstuvwxyzäöüß"),
    ("identifier", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_+@"),
    ("number", "", "0123456789" * 3 + ".,-/"),
    ("url", "https://www.example.org/", "abcdefghijklmnopqrstuvwxyz0123456789/._-?=&%"),
)


def long_tokens(nbytes: int, rng: random.Random) -> str:
    """Paragraphs that each end in one long token (log-uniform, 1,000 to nbytes / 8 chars)."""
    paragraphs: list[str] = []
    size = 0
    while size < nbytes:
        _, prefix, alphabet = rng.choice(TOKEN_STYLES)
        longest = max(2_000, nbytes // 8)
        length = int(math.exp(rng.uniform(math.log(1_000), math.log(longest))))
        length = max(1_000, min(length, nbytes - size))
        token = prefix + _alphabet_text(rng, length, alphabet)
        paragraph = f"{rng.choice(LEAD_INS)} {token}."
        paragraphs.append(paragraph)
        size += len(paragraph.encode("utf-8")) + 2
    return "\n\n".join(paragraphs) + "\n"


def base64_blobs(nbytes: int, rng: random.Random) -> str:
    """Base64 of random bytes (10 kB to nbytes / 8): MIME blocks and one-line data: images."""
    paragraphs: list[str] = []
    size = 0
    while size < nbytes:
        raw = rng.randint(10_000, max(20_000, nbytes // 8))
        raw = max(10_000, min(raw, (nbytes - size) * 3 // 4))
        blob = base64.b64encode(rng.randbytes(raw)).decode("ascii")
        if rng.random() < 0.5:
            lines = [blob[start : start + 76] for start in range(0, len(blob), 76)]
            paragraph = "Anhang (base64):\n\n" + "\n".join(lines)
        else:
            paragraph = f"Abbildung: ![Logo](data:image/png;base64,{blob})"
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs) + "\n"


def prose(nbytes: int, rng: random.Random) -> str:
    """Synthetic German press releases (benchmarks/corpus.py), one after the other."""
    releases: list[str] = []
    size = 0
    seed = rng.randrange(1 << 30)
    while size < nbytes:
        batch = generate_releases(200, seed=seed + len(releases))
        for release in batch:
            releases.append(release)
            size += len(release.encode("utf-8")) + 1
            if size >= nbytes:
                break
    return "\n".join(releases)


KINDS: dict[str, Callable[[int, random.Random], str]] = {
    "long tokens": long_tokens,
    "base64 blobs": base64_blobs,
    "prose": prose,
}


def mixed_release(nbytes: int, rng: random.Random) -> str:
    """A release of about ``nbytes``: prose, long tokens and base64 in turns, a third each."""
    parts = []
    chunk = 200_000
    for start in range(0, nbytes, chunk):
        make = list(KINDS.values())[(start // chunk) % len(KINDS)]
        parts.append(make(min(chunk, nbytes - start), rng))
    return "\n".join(parts)


# --- timing ----------------------------------------------------------------------------------


def clear_caches() -> None:
    """Empty the memo caches of the stages, so no size profits from an earlier one."""
    protect._protected_spans.cache_clear()
    numbers._numbers.cache_clear()
    numbers._date_spans.cache_clear()
    match.word_key.cache_clear()


def timed(run: Callable[[], object]) -> tuple[float, object]:
    """CPU seconds of one run, collector paused (as timeit does), and its result."""
    clear_caches()
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        result = run()
        return time.process_time() - start, result
    finally:
        gc.enable()


STAGES = ("segment", "mask", "qa")


def time_stages(data: bytes, matcher_factory: Callable[[], Matcher]) -> dict[str, float]:
    """Seconds per stage for one input: parse + segment, mask every segment, QA them."""
    rules = load_rules()
    seconds, result = timed(
        lambda: segment_document(parse_document(data, Path("input.md"), "markdown"), rules=rules)
    )
    assert isinstance(result, SegmentedDocument)
    segments = result.segments
    times = {"segment": seconds}
    times["mask"], _ = timed(lambda: [mask_segment(segment) for segment in segments])
    matcher = matcher_factory()
    entries = [(segment.text, segment.text, segment.line) for segment in segments]
    times["qa"], _ = timed(lambda: check_entries(entries, "en", matcher))
    return times


def scaling(
    sizes: Sequence[float], seed: int, console: Console
) -> Iterator[tuple[str, str, list[float]]]:
    """(kind, stage, seconds per MB at each size) for every kind and stage."""
    termbase = load_glossary(GLOSSARY)
    for kind, make in KINDS.items():
        per_mb: dict[str, list[float]] = {stage: [] for stage in STAGES}
        for megabytes in sizes:
            data = make(int(megabytes * MB), random.Random(f"{seed}-{kind}-{megabytes}")).encode()
            times = time_stages(data, lambda: Matcher(termbase))
            for stage in STAGES:
                per_mb[stage].append(times[stage] / (len(data) / MB))
            console.print(
                f"  {kind}, {len(data) / MB:.2f} MB: "
                + ", ".join(f"{stage} {times[stage]:.2f} s" for stage in STAGES)
            )
        for stage in STAGES:
            yield kind, stage, per_mb[stage]


def release_run(megabytes: float, seed: int, console: Console) -> tuple[float, float, int]:
    """Wall seconds and peak RSS (MB) of ``pipeline segment --json`` on a mixed release."""
    text = mixed_release(int(megabytes * MB), random.Random(f"{seed}-release"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "release.md"
        path.write_text(text, encoding="utf-8")
        size = path.stat().st_size
        console.print(f"release: {size / MB:.2f} MB of Markdown (prose, long tokens, base64)")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "pipeline", "segment", "--json", str(path)]
        # A small parent runs the command and reports its children's peak RSS: this
        # process, large by now, would count in its own children's figure.
        runner = (
            "import resource, subprocess, sys, time\n"
            "start = time.perf_counter()\n"
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
            "seconds = time.perf_counter() - start\n"
            "print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        )
        report = subprocess.run(
            [sys.executable, "-c", runner, *command],
            check=True, capture_output=True, text=True, env=env, cwd=REPO,
        )  # fmt: skip
    seconds, peak_kib = report.stdout.split()
    return float(seconds), int(peak_kib) * 1024 / MB, size  # ru_maxrss is in KiB on Linux


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,2,4,8", help="input sizes in MB (default 1,2,4,8)")
    parser.add_argument("--release-mb", type=float, default=10.0, help="0 skips the release run")
    parser.add_argument("--seed", type=int, default=0, help="input seed (default 0)")
    args = parser.parse_args(argv)
    try:
        sizes = [float(size) for size in args.sizes.split(",")]
    except ValueError:
        parser.error("--sizes must be numbers separated by commas")
    if len(sizes) < 2 or min(sizes) <= 0:
        parser.error("--sizes needs at least two positive sizes")

    console = Console(highlight=False, markup=False, soft_wrap=True)
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"MB = 10^6 bytes of UTF-8; seed {args.seed}; CPU s, one run per size, collector paused"
    )
    table = Table(title="Seconds per MB (parse + segment; mask_segment; check_entries)")
    table.add_column("input")
    table.add_column("stage")
    for size in sizes:
        table.add_column(f"{size:g} MB", justify="right")
    table.add_column(f"{max(sizes):g} / {min(sizes):g} MB", justify="right")
    worst = 0.0
    for kind, stage, per_mb in scaling(sizes, args.seed, console):
        ratio = per_mb[-1] / per_mb[0]
        worst = max(worst, ratio)
        table.add_row(kind, stage, *(f"{value:.3f}" for value in per_mb), f"{ratio:.2f}")
    console.print(table)
    verdict = "met" if worst <= RATIO_GOAL else "not met"
    console.print(f"largest ratio of s per MB: {worst:.2f} (goal ≤ {RATIO_GOAL}: {verdict})")

    if args.release_mb > 0:
        seconds, peak_mb, size = release_run(args.release_mb, args.seed, console)
        console.print(
            f"pipeline segment --json on the {size / MB:.1f} MB release: {seconds:.1f} s "
            f"(goal < {RELEASE_SECONDS_GOAL:g} s: "
            f"{'met' if seconds < RELEASE_SECONDS_GOAL else 'not met'}), peak RSS "
            f"{peak_mb:.0f} MB (goal < {RELEASE_RSS_GOAL_MB:g} MB: "
            f"{'met' if peak_mb < RELEASE_RSS_GOAL_MB else 'not met'})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
