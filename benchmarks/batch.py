"""Benchmark: a batch run over many releases, then re-runs (incremental, idempotent).

    python benchmarks/batch.py [--releases 200] [--languages en,fr]

A temporary project with N generated releases (benchmarks/corpus.py) and the project's
radiology glossary, translated with the tiny test packages (tests/data/argos, de→en and
en→fr; fr pivots through en). Three runs in this process, each through the library
entry point that `pipeline run` uses:

  1. first run: everything is segmented, matched, translated and written;
  2. re-run with nothing changed;
  3. re-run after editing one paragraph in 10 releases.

Printed: the time of each run, new translations and cache hits, and the ratios
first / unchanged re-run (goal ≥ 20×) and time outside model decoding / total on the
first run (goal ≤ 15%; decoding = time inside CTranslate2's translate_batch). Timings are
printed, never asserted.

    python benchmarks/batch.py --memory 500,5000 [--languages en] [--unchunked]

runs only the first run, once per size, each in a child process of its own, and prints
each one's peak resident memory (``ru_maxrss`` of the child) and time: runs export in
chunks of segments (pipeline.run.CHUNK_SEGMENTS), so the goal is that the larger run peaks
at most 1.5× the smaller and its time grows linearly. ``--unchunked`` also runs each size
as one chunk, as before chunking, for comparison.

    python benchmarks/batch.py --executor ray [--releases 200] [--workers 2]

runs the first run three times on the same releases: in this process with 2 threads and
with 1, then on a Ray instance started on 127.0.0.1 with 2 actors of one thread each
(needs the [ray] extra; Ray writes what a local run with the same mt.threads writes).
Printed: each run's time (Ray's start-up separately), the time inside the models
(for Ray summed over the actors, and per actor), the share of the run outside decoding,
the groups each actor decoded, and whether both wrote the same files. On a 2-core machine
with the tiny packages, expect overhead, not speed.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import generate_releases

from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.match import Matcher
from pipeline.layout import Layout
from pipeline.mt.cache import TranslationCache
from pipeline.mt.engine import DecodingOptions, Engine, Executor
from pipeline.mt.packages import install_file
from pipeline.run import CHUNK_SEGMENTS, RunSettings, run, settings_key

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "tests" / "data" / "argos"
GLOSSARY = ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"


def timed_run(
    layout: Layout,
    languages: list[str],
    packages: Path,
    matcher: Matcher,
    chunk_segments: int = CHUNK_SEGMENTS,
    executor: Executor | None = None,
    options: DecodingOptions | None = None,
) -> dict:  # type: ignore[type-arg]
    with TranslationCache(layout.cache) as cache:
        engine = Engine(packages, options or DecodingOptions(), cache, executor=executor)
        settings = RunSettings(
            languages=tuple(languages),
            settings_key=settings_key(
                [ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"], {}, engine, languages
            ),
            chunk_segments=chunk_segments,
        )
        start = time.perf_counter()
        report = run(layout, [layout.releases], settings, engine, matcher)
        seconds = time.perf_counter() - start
    exported = report.export
    return {
        "seconds": seconds,
        "decode": getattr(executor, "decode_seconds", engine.decode_seconds),
        "segments": sum(r.segments for r in report.results),
        "unchanged": len(report.unchanged),
        "new_mt": exported.mt_new if exported else 0,
        "cached": exported.mt_cached if exported else 0,
        "stages": report.seconds,
        "failures": len(report.failures),
    }


def edit_paragraphs(releases: list[Path], count: int) -> None:
    for path in releases[:count]:
        text = path.read_text(encoding="utf-8")
        paragraphs = text.split("\n\n")
        index = next(i for i, p in enumerate(paragraphs) if len(p) > 80 and not p.startswith("#"))
        paragraphs[index] = paragraphs[index].replace(" die ", " die neue ", 1) + " Neu ergänzt."
        path.write_text("\n\n".join(paragraphs), encoding="utf-8")


def project_with_releases(count: int) -> tuple[Layout, list[Path], Path, Matcher, Path]:
    """A scratch project with ``count`` generated releases and the tiny packages."""
    scratch = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    layout = Layout(scratch)
    layout.releases.mkdir(parents=True)
    paths = []
    for number, text in enumerate(generate_releases(count, seed=11)):
        path = layout.releases / f"release-{number:04d}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    packages = scratch / "packages"
    for name in ("translate-de_en-test", "translate-en_fr-test"):
        install_file(PACKAGES / f"{name}.argosmodel", packages)
    matcher = Matcher(load_glossary(ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"))
    return layout, paths, packages, matcher, scratch


def child(scratch: Path, languages: list[str], chunk_segments: int) -> int:
    """One first run in this process over the project the parent wrote; prints its
    figures and peak RSS as JSON (the releases were generated in the parent, so their
    texts are not in this process's peak)."""
    layout = Layout(scratch)
    matcher = Matcher(load_glossary(GLOSSARY))
    result = timed_run(layout, languages, scratch / "packages", matcher, chunk_segments)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    count = len(list(layout.releases.glob("*.md")))
    print(json.dumps({"releases": count, "seconds": result["seconds"], "peak_kib": peak,
                      "segments": result["segments"]}))  # fmt: skip
    return 0


def memory(sizes: list[int], languages: list[str], unchunked: bool) -> int:
    """Peak memory and time of a first run per size, each in a child process."""
    variants = [("chunked", CHUNK_SEGMENTS)] + ([("one chunk", 10**12)] if unchunked else [])
    rows = []
    for name, chunk in variants:
        for size in sizes:
            scratch = project_with_releases(size)[4]
            command = [sys.executable, __file__, "--child", str(scratch), "--languages",
                       ",".join(languages), "--chunk", str(chunk)]  # fmt: skip
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            shutil.rmtree(scratch, ignore_errors=True)
            figures = json.loads(output.strip().splitlines()[-1])
            rows.append((name, figures))
            print(
                f"{name:10} {size:6d} releases {figures['segments']:8d} segments "
                f"{figures['seconds']:8.1f} s  peak RSS {figures['peak_kib'] / 1024:7.1f} MiB",
                flush=True,
            )
    for name, _ in variants:
        mine = [figures for variant, figures in rows if variant == name]
        small, large = mine[0], mine[-1]
        print(
            f"{name}: peak {large['releases']} / {small['releases']} releases = "
            f"{large['peak_kib'] / small['peak_kib']:.2f}× (goal ≤ 1.5×); time per release "
            f"{small['seconds'] / small['releases'] * 1000:.0f} ms vs "
            f"{large['seconds'] / large['releases'] * 1000:.0f} ms (linear: equal)"
        )
    return 0


def files_of(root: Path) -> dict[str, bytes]:
    """Every file a run wrote under locales/ and out/."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for folder in ("locales", "out")
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


def executors(count: int, languages: list[str], workers: int) -> int:
    """The first run in this process (2 threads, then 1), then on ``workers`` Ray actors of
    one thread, on equal projects."""
    from pipeline.mt.distributed import RayExecutor, RaySettings

    rows, roots = [], []
    for threads in (2, 1):
        layout, _, packages, matcher, _ = project_with_releases(count)
        options = DecodingOptions(inter_threads=threads)
        result = timed_run(layout, languages, packages, matcher, options=options)
        rows.append((f"local, {threads} thread(s)", result))
        roots.append(layout.root)
    layout, _, packages, _, _ = project_with_releases(count)
    one_thread = DecodingOptions(inter_threads=1)
    executor = RayExecutor(packages, one_thread, settings=RaySettings(workers=workers))
    started = time.perf_counter()
    executor.start()
    start_seconds = time.perf_counter() - started
    try:
        on_ray = timed_run(layout, languages, packages, matcher, options=one_thread,
                           executor=executor)  # fmt: skip
        batches = dict(sorted(executor.batches.items()))
    finally:
        executor.close()
    rows.append((f"ray, {workers} actors × 1 thread", on_ray))
    roots.append(layout.root)
    first = rows[0][1]
    print(f"project: {count} releases, languages {', '.join(languages)}, "
          f"{first['segments']} segments, {first['new_mt']} decoded")  # fmt: skip
    print(f"{'executor':28} {'seconds':>8} {'decoding':>9} {'outside decoding':>17}")
    for name, result in rows:
        parallel = workers if name.startswith("ray") else 1
        decoding = result["decode"] / parallel  # Ray: per actor (summed over them / actors)
        outside = result["seconds"] - decoding
        print(f"{name:28} {result['seconds']:8.2f} {decoding:9.2f} "
              f"{100 * outside / result['seconds']:16.1f}%")  # fmt: skip
    print(f"ray: decoding summed over the actors {on_ray['decode']:.2f} s; start-up "
          f"{start_seconds:.2f} s (not in the run's time)")  # fmt: skip
    for name, result in rows[:2]:
        print(f"ray / {name}: {on_ray['seconds'] / result['seconds']:.2f}× the time")
    print("groups decoded per actor: " + ", ".join(f"{k} {v}" for k, v in batches.items()))
    files = [files_of(root) for root in roots]
    same, threads_same = files[2] == files[1], files[0] == files[1]
    print(f"ray wrote the same files as local with 1 thread: {'yes' if same else 'NO'}; "
          f"local 2 threads = local 1 thread: {'yes' if threads_same else 'no'}")  # fmt: skip
    for root in roots:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if same else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=200)
    parser.add_argument("--languages", default="en,fr")
    parser.add_argument("--memory", help="sizes, comma-separated (e.g. 500,5000)")
    parser.add_argument("--unchunked", action="store_true")
    parser.add_argument("--executor", choices=("local", "ray"), default="local")
    parser.add_argument("--workers", type=int, default=2, help="Ray actors (with --executor ray)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chunk", type=int, default=CHUNK_SEGMENTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    languages = args.languages.split(",")
    if args.child:
        return child(args.child, languages, args.chunk)
    if args.memory:
        return memory([int(size) for size in args.memory.split(",")], languages, args.unchunked)
    if args.executor == "ray":
        return executors(args.releases, languages, args.workers)
    layout, paths, packages, matcher, scratch = project_with_releases(args.releases)

    first = timed_run(layout, languages, packages, matcher)
    unchanged = timed_run(layout, languages, packages, matcher)
    edit_paragraphs(paths, 10)
    edited = timed_run(layout, languages, packages, matcher)

    print(f"project: {args.releases} releases, languages {', '.join(languages)}, {scratch}")
    print(f"{'run':28} {'seconds':>8} {'segments':>9} {'skipped':>8} {'new MT':>7} {'cached':>7}")
    for name, result in (("1 first run", first), ("2 nothing changed", unchanged),
                         ("3 one paragraph in 10 edited", edited)):  # fmt: skip
        print(
            f"{name:28} {result['seconds']:8.2f} {result['segments']:9d} {result['unchanged']:8d} "
            f"{result['new_mt']:7d} {result['cached']:7d}"
        )
    outside = first["seconds"] - first["decode"]
    print("first run by stage: " + ", ".join(f"{k} {v:.2f} s" for k, v in first["stages"].items()))
    print(
        f"first run / unchanged re-run: {first['seconds'] / unchanged['seconds']:.0f}× (goal ≥ 20×)"
    )
    print(
        f"time outside model decoding on the first run: {outside:.2f} s of "
        f"{first['seconds']:.2f} s = {100 * outside / first['seconds']:.1f}% (goal ≤ 15%)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
