"""No input takes more than linear time (issue 11).

Each test runs one stage on an input built to expose super-linear work: a long token, a
long run of one kind of markup, many URLs or terms in one text. The sizes are chosen so
that quadratic code needs far more than a minute while linear code needs well under a
second; the stage runs under a generous deadline (a timer signal), so a regression fails
the test instead of hanging the suite. Nothing here measures or compares timings.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.document import parse_document
from pipeline.document.model import Code, CodeKind, Role, merge_text, pair_codes
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.match import Matcher
from pipeline.mt.protect import Masked, find_protected, mask, restore, retry_showing
from pipeline.qa.checks import CHECKS, Context, markup_tokens
from pipeline.qa.numbers import dates_in, numbers_in
from pipeline.segment import segment_text
from tests.conftest import ROOT

DEADLINE = 10.0  # seconds; linear code finishes these in well under one


class _Deadline(Exception):
    pass


def _expire(signum: int, frame: object) -> None:
    raise _Deadline


def finishes(function: Callable[[], object]) -> None:
    """Run ``function`` under a deadline; fail if it misses it.

    A real-time timer interrupts the stage (Python's regex engine and pure-Python loops
    check for signals), so a regression fails the test instead of hanging the suite. No
    child process: forking after CTranslate2 has started its threads can crash the child.
    """
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, DEADLINE)
    try:
        function()
    except _Deadline:
        pytest.fail(f"still running after {DEADLINE:g} s: super-linear time on this input")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_glossary(ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"))


# --- protection --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["a" * 400_000, "a." * 200_000, "12-" * 130_000, "b-" * 200_000 + "@"],
    ids=["letters", "dotted", "digits-hyphens", "hyphenated-then-at"],
)
def test_url_and_email_pattern_on_one_long_token(token: str) -> None:
    finishes(lambda: find_protected(token))


def test_glued_addresses_are_still_found() -> None:
    text = "x@y.de..z@w.de a@b.de+c@d.de"
    assert [text[start:end] for start, end in find_protected(text)] == [
        "x@y.de", "..z@w.de", "a@b.de", "+c@d.de",
    ]  # fmt: skip


def test_many_phone_numbers() -> None:
    finishes(lambda: find_protected("Tel. 030-916 070-47, " * 120_000))


def test_restore_many_placeholders() -> None:
    masked = mask("x " * 60_000, [(2 * n, 2 * n + 1) for n in range(60_000)])
    output = "".join(f"⟦{n}⟧" for n in range(1, 60_001))
    finishes(lambda: restore(masked, output, {60_000}))


def test_retry_with_many_shown_urls() -> None:
    urls = [f"www.praxis-{n}.de" for n in range(40_000)]
    masked = Masked(" ".join(f"⟦{n}⟧" for n in range(1, len(urls) + 1)), tuple(urls))
    finishes(lambda: retry_showing(masked, dict(enumerate(urls, start=1))))


# --- segmentation and documents ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["a" * 400_000, "1." * 200_000, "Satz.) " + ".)" * 100_000, "„Ja!“" + "!“" * 100_000],
    ids=["long-word", "digits-and-periods", "periods-and-brackets", "marks-and-quotes"],
)
def test_segment_text(text: str) -> None:
    finishes(lambda: segment_text(text))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("html", "<p>" + "<b>x" * 40_000 + "</i>" * 40_000 + "</p>"),  # codes never closed
        ("html", "<div>" * 100_000 + "x" + "</p>" * 100_000),  # end tags of no open element
        ("markdown", "Ein " + "Wort" * 100_000 + "."),
        ("text", "a" * 400_000),
    ],
    ids=["unclosed-codes", "stray-end-tags", "markdown-long-word", "text-long-word"],
)
def test_read_and_segment_document(name: str, text: str) -> None:
    from pipeline.segment import segment_document

    data = text.encode("utf-8")
    finishes(lambda: segment_document(parse_document(data, Path(f"x.{name}"), name)))


def test_merge_text_of_many_runs() -> None:
    finishes(lambda: merge_text(["x"] * 3_000_000))


def test_pair_codes_with_many_unmatched_codes() -> None:
    bold, italic = Code(CodeKind.HTML, Role.OPEN, "<b>"), Code(CodeKind.HTML, Role.CLOSE, "</i>")
    finishes(lambda: pair_codes([bold] * 60_000 + [italic] * 60_000))


def test_pair_codes_is_unchanged() -> None:
    b, i = (Code(CodeKind.HTML, Role.OPEN, f"<{name}>") for name in "bi")
    close_b, close_i = (Code(CodeKind.HTML, Role.CLOSE, f"</{name}>") for name in "bi")
    paired = pair_codes([b, "x", i, "y", close_b, close_i, b])
    assert [(p.role, p.pair) for p in paired if isinstance(p, Code)] == [
        (Role.OPEN, 4), (Role.ISOLATED, None), (Role.CLOSE, 0), (Role.ISOLATED, None),
        (Role.ISOLATED, None),
    ]  # fmt: skip


# --- QA and glossary ---------------------------------------------------------------------


def test_markup_tokens_on_unclosed_link_targets() -> None:
    finishes(lambda: markup_tokens("](" * 200_000))


def test_markup_tokens_are_unchanged_on_unclosed_link_targets() -> None:
    assert markup_tokens("](a](b) ](c](d *x*") == ["](a](b)", "*", "*"]
    assert markup_tokens("**a** [b](www.x.de) `c` <br> ⟦1⟧") == [
        "**", "**", "[", "](www.x.de)", "`", "`", "<br>", "⟦1⟧",
    ]  # fmt: skip


def test_urls_check_with_many_missing_urls() -> None:
    source = " ".join(f"www.praxis-{n}.de" for n in range(100_000))
    target = source.replace("www.", "web.")
    finishes(lambda: CHECKS["urls"].problems(source, target, Context("en")))


def test_numbers_and_dates_in_a_long_text() -> None:
    text = "am 24.09.2024 und am 12. Juni 2025 unter 030-916 070-47, " * 20_000
    finishes(lambda: (numbers_in(text, "de"), dates_in(text, "de")))


def test_glossary_matching_and_check_with_many_terms(matcher: Matcher) -> None:
    source = "Die Radiologie und die künstliche Intelligenz. " * 20_000
    target = "y" * len(source)

    def match_and_check() -> None:
        terms = tuple(matcher.find(source))
        CHECKS["glossary"].problems(source, target, Context("en", terms, matcher.termbase))

    finishes(match_and_check)


def test_glossary_matching_on_one_long_word(matcher: Matcher) -> None:
    text = "Die " + "Bildgebungsuntersuchung" * 50_000 + "en und die Radiologie."
    finishes(lambda: matcher.find(text))
