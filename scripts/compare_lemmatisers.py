"""Compare simplemma with HanTa on our own labelled German words: accuracy and speed.

    python scripts/compare_lemmatisers.py [--words tests/data/glossary/lemma_words.tsv]

Each labelled word has the base form the glossary matcher needs (adjectives and
participles uninflected, nouns in the nominative singular) and a kind (adj, noun, name).
simplemma is asked as the matcher asks it (the lower-cased word); HanTa (``pip install
HanTa``, not a project dependency) analyses the word as written. Printed: accuracy per
kind and overall, the time to load each, and words per second over 50 passes of the
labelled words (cached where the library caches) and over words it has never seen.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

import simplemma

ROOT = Path(__file__).resolve().parents[1]
WORDS = ROOT / "tests" / "data" / "glossary" / "lemma_words.tsv"
PASSES = 50


def read_words(path: Path) -> list[tuple[str, str, str]]:
    """(word, expected base form, kind) rows of the labelled file."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    return [
        (row["word"], row["lemma"], row["kind"]) for row in csv.DictReader(lines, delimiter="\t")
    ]


def unseen_words(words: list[tuple[str, str, str]], mark: str) -> list[str]:
    """Words no lemmatiser has seen in this process (defeats their caches): each labelled
    word with a made-up prefix."""
    return [f"{mark}{number}x{word.lower()}" for number in range(20) for word, _, _ in words]


def simplemma_lemma(word: str) -> str:
    return simplemma.lemmatize(word.lower(), lang="de").lower()


def load_hanta() -> Callable[[str], str] | None:
    try:
        from HanTa import HanoverTagger  # type: ignore[import-not-found]
    except ImportError:
        return None
    tagger = HanoverTagger.HanoverTagger("morphmodel_ger.pgz")
    return lambda word: str(tagger.analyze(word)[0]).lower()


def measure(
    name: str, lemma: Callable[[str], str], words: list[tuple[str, str, str]], unseen: list[str]
) -> None:
    kinds = sorted({kind for _, _, kind in words})
    right = {kind: 0 for kind in kinds}
    total = {kind: 0 for kind in kinds}
    wrong = []
    for word, expected, kind in words:
        total[kind] += 1
        got = lemma(word)
        if got == expected:
            right[kind] += 1
        else:
            wrong.append(f"{word}→{got}")
    start = time.perf_counter()
    for _ in range(PASSES):
        for word, _, _ in words:
            lemma(word)
    speed = PASSES * len(words) / (time.perf_counter() - start)
    start = time.perf_counter()
    for word in unseen:
        lemma(word)
    unseen_speed = len(unseen) / (time.perf_counter() - start)
    overall = sum(right.values()) / len(words)
    per_kind = "  ".join(f"{kind} {right[kind]}/{total[kind]}" for kind in kinds)
    print(
        f"{name:10} {overall:6.1%}  {per_kind}  {speed:10.0f} words/s repeated, "
        f"{unseen_speed:8.0f} words/s never seen"
    )
    print(f"{'':10} wrong: {', '.join(wrong) or '-'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=Path, default=WORDS)
    words = read_words(parser.parse_args().words)
    print(f"{len(words)} labelled words")
    start = time.perf_counter()
    simplemma_lemma("Radiologen")  # loads simplemma's German dictionary
    print(f"simplemma loaded in {time.perf_counter() - start:.2f} s")
    measure("simplemma", simplemma_lemma, words, unseen_words(words, "s"))
    start = time.perf_counter()
    hanta = load_hanta()
    if hanta is None:
        print("HanTa is not installed (pip install HanTa): not compared")
        return 0
    print(f"HanTa loaded in {time.perf_counter() - start:.2f} s")
    measure("HanTa", hanta, words, unseen_words(words, "h"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
