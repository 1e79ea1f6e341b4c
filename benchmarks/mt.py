"""Benchmark: Argos's translate() per segment vs raw CTranslate2 vs our engine.

    python benchmarks/mt.py [--segments N] [--package tests/data/argos/X.argosmodel]

Same package, same segments, same decoding options (beam 4, length penalty 0.2 as Argos
uses them), one process:
  (a) argostranslate.translate.translate per segment, as Argos users call it, at Argos's
      defaults (ARGOS_INTRA_THREADS=0) and at its best thread setting (intra_threads=1);
  (b) ctranslate2.Translator.translate_batch on pre-tokenized input (the floor);
  (c) our engine with an empty cache; (d) our engine with a warm cache.

Argos's translate() first splits text into sentences with MiniSBD, which downloads a
model unless the package carries one in ``minisbd/``. The benchmark gives its copy of the
package such a model: ``benchmarks/data/minisbd-de-rules.onnx``, a MiniSBD-format ONNX
model whose hand-set weights end a sentence at . ! ? before a space (built by
``scripts/build_test_packages.py --splitter``). Argos loads and runs it with its own code,
so (a) is Argos's whole code path, offline. The splitter is far cheaper than MiniSBD's
trained network, which only flatters Argos.

For compute of realistic size, build the random-weight package (Transformer-base
dimensions, not committed) and pass it with --package:

    python scripts/build_test_packages.py --realistic /tmp/translate-de_en-realistic.argosmodel
    python benchmarks/mt.py --package /tmp/translate-de_en-realistic.argosmodel --segments 100

The segments are given to the engine as the pipeline would (already masked): the output
says how many carry placeholders and which ones (⟦n⟧ standing for inline codes), and
counts the other protected kinds (URLs, e-mail addresses, phone numbers, enforced
glossary terms) and the numbers left to the model as text (dates, percentages).

A second part (``--part protection``, also run by default) measures the engine on
packages built like the real ones, which cannot carry placeholders (see
benchmarks/mt_protection.py): the blind de→en and en→fr test packages, and with
``--realistic FILE`` the random-weight package of realistic size, on real-prose segments
with the radiology termbase. Goals: at most 1.3 decodes per segment and leg, the engine
at most 1.25× the raw translate_batch floor, no leaked fragment.

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PACKAGE = ROOT / "tests" / "data" / "argos" / "translate-de_en-test.argosmodel"
SPLITTER = ROOT / "benchmarks" / "data" / "minisbd-de-rules.onnx"

SUBJECTS = ["Das Symposium", "Der Kongress", "Die Tagung", "Das Forschungsteam"]
CITIES = ["Frankfurt", "Zürich", "Wien", "Berlin", "Köln", "Hamburg"]


def template_segments(count: int, seed: int = 0) -> list[str]:
    """German sentences in the tiny packages' domain, with dates and placeholders."""
    rng = random.Random(seed)
    segments = []
    for number in range(count):
        date = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2015, 2026)}"
        city = rng.choice(CITIES)
        if number % 3 == 0:
            segments.append(f"{rng.choice(SUBJECTS[:3])} findet am {date} in {city} statt.")
        elif number % 3 == 1:
            segments.append(f"⟦1⟧{rng.choice(SUBJECTS[:3])}⟦2⟧ findet am {date} in {city} statt.")
        else:
            segments.append(
                f"Das Forschungsteam stieg um {rng.randint(1, 99)},{rng.randint(0, 9)} %."
            )
    return segments


def id_list(ids: list[int], shown: int = 8) -> str:
    """Segment numbers, shortened to the first few and the last ("#1, #4, …, #499")."""
    if len(ids) <= shown:
        return ", ".join(f"#{i}" for i in ids) or "none"
    return ", ".join(f"#{i}" for i in ids[: shown - 1]) + f", …, #{ids[-1]}"


def protected_summary(segments: list[str]) -> list[str]:
    """Lines saying which of the measured segments carry protected spans, per kind.

    The engine is given the texts as they are: the ⟦n⟧ in them stand for inline codes
    (markup the pipeline masks); URLs, e-mail addresses and phone numbers would be masked
    by the pipeline (pipeline.mt.protect.find_protected finds them); glossary terms are
    not masked here (no glossary is used); numbers are never masked.
    """
    from pipeline.mt.protect import PLACEHOLDER, find_protected

    codes = [i for i, text in enumerate(segments) if PLACEHOLDER.search(text)]
    placeholders = sum(len(PLACEHOLDER.findall(text)) for text in segments)
    urls = [i for i, text in enumerate(segments) if find_protected(PLACEHOLDER.sub("", text))]
    digits = re.compile(r"\d")
    numbers = [i for i, text in enumerate(segments) if digits.search(PLACEHOLDER.sub("", text))]
    count = len(segments)
    return [
        f"segments with placeholders: {len(codes)}/{count} ({placeholders} placeholders,"
        f" all inline codes ⟦n⟧): {id_list(codes)}",
        f"  URLs, e-mail addresses, phone numbers: {len(urls)}/{count}: {id_list(urls)}",
        f"  enforced glossary terms: 0/{count} (no glossary: terms are not masked here)",
        f"segments with numbers as plain text (dates, percentages; never masked):"
        f" {len(numbers)}/{count}",
        f"segments without any placeholder: {count - len(codes)}/{count}",
    ]


def timed(run: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def with_splitter(package: Path, language: str, scratch: Path) -> Path:
    """A copy of the package with the rule splitter as ``minisbd/<language>.onnx``."""
    copy = scratch / package.name
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(copy, "w") as target:
        top = source.namelist()[0].split("/")[0]
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr(f"{top}/minisbd/{language}.onnx", SPLITTER.read_bytes())
    return copy


def best_floor(ctranslate2, model: Path, tokens: list[list[str]], options) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    """The fastest raw translate_batch over a few thread and batch settings."""
    results = []
    for inter, intra in ((1, 2), (2, 1), (1, 1)):
        translator = ctranslate2.Translator(
            str(model / "model"),
            device=options.device,
            device_index=options.device_index,
            compute_type=options.compute_type,
            inter_threads=inter,
            intra_threads=intra,
        )
        for batch_tokens in (1024, 2048, 4096):

            def run(translator=translator, batch_tokens=batch_tokens) -> object:  # type: ignore[no-untyped-def]
                return translator.translate_batch(
                    tokens,
                    beam_size=options.beam_size,
                    length_penalty=options.length_penalty,
                    replace_unknowns=True,
                    max_batch_size=batch_tokens,
                    batch_type="tokens",
                )

            seconds = min(timed(run)[0] for _ in range(2))
            results.append((seconds, f"inter {inter}, intra {intra}, {batch_tokens} tokens"))
    return min(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=500)
    parser.add_argument("--package", type=Path, default=DEFAULT_PACKAGE)
    parser.add_argument("--part", choices=("all", "throughput", "protection"), default="all")
    parser.add_argument(
        "--realistic", type=Path, help="also measure protection on this random-weight package"
    )
    parser.add_argument("--prose-segments", type=int, default=300)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    args = parser.parse_args()
    if args.part in ("all", "throughput"):
        throughput(args)
    if args.part in ("all", "protection"):
        protection(args)
    return 0


def protection(args: argparse.Namespace) -> None:
    """Decodes per segment, terms verified, leaks and engine/floor on blind packages."""
    from rich.console import Console
    from rich.table import Table

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from mt_protection import measure, prose_segments

    from pipeline.glossary.maintain import builtin_termbase, load_termbase
    from pipeline.glossary.match import Matcher
    from pipeline.mt.packages import install_file

    console = Console(highlight=False, width=max(Console().width, 150))
    scratch = Path(tempfile.mkdtemp(prefix="mt-protection-"))
    blind = scratch / "blind"
    for name in ("translate-de_en-blind", "translate-en_fr-blind"):
        install_file(ROOT / "tests" / "data" / "argos" / f"{name}.argosmodel", blind)
    runs = [("blind", blind, "en"), ("blind", blind, "fr")]
    if args.realistic:
        install_file(args.realistic, scratch / "realistic")
        runs.append(("realistic (random weights)", scratch / "realistic", "en"))
    matcher = Matcher(load_termbase([builtin_termbase()]))
    segments, with_items = prose_segments(args.prose_segments, matcher)
    table = Table(title="Packages without placeholders: real-prose segments, radiology termbase")
    for column in ("packages", "route", "segments (with items)", "decodes/segment/leg",
                   "terms verified", "needs review", "leaked", "engine s", "floor s",
                   "engine/floor"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("packages", "route") else "right")
    for name, directory, target in runs:
        figures = measure(directory, segments, with_items, target, args.device)
        share = figures.verified / figures.terms if figures.terms else 0.0
        table.add_row(
            name,
            figures.route,
            f"{figures.segments} ({figures.with_items})",
            f"{figures.decodes_per_segment_leg:.2f}",
            f"{figures.verified}/{figures.terms} ({share:.0%})",
            str(figures.needs_review),
            str(figures.leaked),
            f"{figures.engine_seconds:.2f}",
            f"{figures.floor_seconds:.2f}",
            f"{figures.ratio:.2f}×",
        )
        console.print(
            f"{name} {figures.route}: {figures.decodes_per_segment_leg:.2f} decodes per segment "
            f"and leg (goal ≤ 1.3), engine/floor {figures.ratio:.2f}× (goal ≤ 1.25×), terms "
            f"verified {share:.0%}, leaked fragments {figures.leaked} (goal 0)"
        )
    console.print(table)


def throughput(args: argparse.Namespace) -> None:
    """Argos translate() vs the raw floor vs the engine on one package."""

    scratch = Path(tempfile.mkdtemp(prefix="mt-bench-"))
    # Argos reads its settings at import time: point it at an empty, private data dir.
    os.environ["XDG_DATA_HOME"] = str(scratch / "data")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")
    os.environ["ARGOS_PACKAGES_DIR"] = str(scratch / "packages")

    import argostranslate.package
    import argostranslate.settings
    import argostranslate.translate
    import ctranslate2
    from rich.console import Console
    from rich.table import Table

    from pipeline.mt.cache import TranslationCache
    from pipeline.mt.engine import DecodingOptions, Engine
    from pipeline.mt.packages import install_file

    console = Console(highlight=False)
    store = scratch / "engine-packages"  # Argos has its own (ARGOS_PACKAGES_DIR)
    installed = install_file(args.package, store)
    argos_package = with_splitter(args.package, installed.from_code, scratch)
    argostranslate.package.install_from_path(argos_package)  # the same model, for Argos
    segments = template_segments(args.segments)
    source, target = installed.from_code, installed.to_code
    console.print(
        f"package {args.package.name} ({installed.size / 1024**2:.1f} MB), {len(segments)} "
        f"segments, {os.cpu_count()} CPUs, CTranslate2 {ctranslate2.__version__}"
    )

    for line in protected_summary(segments):
        console.print(line, soft_wrap=True)

    def argos_run() -> list[str]:
        argostranslate.translate.get_installed_languages.cache_clear()
        return [argostranslate.translate.translate(text, source, target) for text in segments]

    rows: list[tuple[str, float]] = []
    seconds, argos_default = timed(argos_run)
    rows.append(("(a) Argos translate(), defaults (intra_threads=0)", seconds))
    argostranslate.settings.intra_threads = 1
    seconds, argos_best = timed(argos_run)
    rows.append(("(a') Argos translate(), intra_threads=1", seconds))

    options = DecodingOptions(device=args.device).resolved()
    console.print(f"decoding on {options.device}, {options.compute_type}")
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(
        model_file=str(installed.path / "sentencepiece.model")
    )
    tokens = [processor.encode(text, out_type=str) for text in segments]

    floor_seconds, floor_setting = best_floor(ctranslate2, installed.path, tokens, options)
    rows.append((f"(b) raw translate_batch, pre-tokenized, best: {floor_setting}", floor_seconds))

    cache_path = scratch / "cache.sqlite3"
    with TranslationCache(cache_path) as cache:
        engine = Engine(store, DecodingOptions(device=args.device), cache)
        engine.translate(segments[:1], source, target)  # load the model outside the timing
        cache.clear()
        seconds, cold = timed(lambda: engine.translate(segments, source, target))
        rows.append(("(c) our engine, empty cache", seconds))
        seconds, warm = timed(lambda: engine.translate(segments, source, target))
        rows.append(("(d) our engine, warm cache", seconds))
    guarded = sum(bool(result.warnings) for result in cold)  # type: ignore[attr-defined]
    # The guards decode again (repetition) or cut (length); with random weights they fire
    # often. (c') shows the engine's own overhead with them off and the floor's length cap
    # (CTranslate2's default of 256 tokens).
    unguarded = Engine(
        store,
        DecodingOptions(
            device=args.device,
            retry_no_repeat_ngram_size=0,
            max_length_ratio=0,
            max_length_extra=256,
        ),
    )
    unguarded.translate(segments[:1], source, target)
    seconds, plain = timed(lambda: unguarded.translate(segments, source, target))
    rows.append(("(c') our engine, guards off, no cache", seconds))

    table = Table(title="Machine translation throughput")
    table.add_column("variant")
    table.add_column("seconds", justify="right")
    table.add_column("segments/s", justify="right")
    for name, seconds in rows:
        table.add_row(name, f"{seconds:.3f}", f"{len(segments) / seconds:.1f}")
    console.print(table)
    a, a_best, b, c, d, c_plain = (len(segments) / seconds for _, seconds in rows)
    console.print(f"(c) / (a) at Argos defaults:   {c / a:.1f}×  (goal ≥ 3×)")
    console.print(f"(c) / (a') at intra_threads=1: {c / a_best:.1f}×  (goal ≥ 1.5×)")
    console.print(f"(b) / (c) floor vs engine:     {b / c:.2f}×  (goal ≤ 1.15×)")
    console.print(f"(d) / (c) warm vs empty cache: {d / c:.0f}×  (goal ≥ 50×)")
    console.print(f"(b) / (c') floor vs engine without guards: {b / c_plain:.2f}×")
    console.print(f"segments where a guard fired in (c): {guarded}/{len(segments)}")
    plain_texts = [result.text for result in plain]  # type: ignore[attr-defined]
    same_plain = sum(x == y for x, y in zip(argos_default, plain_texts, strict=True))  # type: ignore[arg-type]
    console.print(f"identical outputs (a) vs (c'): {same_plain}/{len(segments)}")
    cold_texts = [result.text for result in cold]  # type: ignore[attr-defined]
    same = sum(a == c for a, c in zip(argos_default, cold_texts, strict=True))  # type: ignore[arg-type]
    console.print(f"identical outputs (a) vs (c): {same}/{len(segments)}")
    warm_texts = [result.text for result in warm]  # type: ignore[attr-defined]
    console.print(f"warm cache returns the same text: {warm_texts == cold_texts}")
    same_best = sum(x == y for x, y in zip(argos_default, argos_best, strict=True))  # type: ignore[arg-type]
    console.print(f"identical outputs (a) vs (a'): {same_best}/{len(segments)}")


if __name__ == "__main__":
    sys.exit(main())
