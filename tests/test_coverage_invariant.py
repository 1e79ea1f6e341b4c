"""No text is lost or hidden from the translator (pipeline/segment/coverage.py).

The segments of a block, with their lead, trail and codes, cover its whole text: between
them lie only whitespace and line breaks. Checked on hand-written cases and on generated
Markdown, HTML and plain text with backslash escapes, entities, numbers and bullets at the
start of lines, inline codes and hard wraps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.document import Document, parse_document
from pipeline.segment import Level, load_rules, rebuild, segment_document
from pipeline.segment.coverage import uncovered

RULES = load_rules()
SETTINGS = {
    "deadline": None,
    "max_examples": 150,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def parse(source: str, fmt: str) -> Document:
    return parse_document(source.encode("utf-8"), Path(f"release.{fmt}"), fmt)


def assert_covered(source: str, fmt: str) -> None:
    document = parse(source, fmt)
    for level in Level:
        segmented = segment_document(document, level, RULES)
        problems = uncovered(segmented)
        assert not problems, "\n".join(str(problem) for problem in problems)
        assert rebuild(segmented) == source.encode("utf-8")


def segment_texts(source: str, fmt: str) -> list[str]:
    return [segment.text for segment in segment_document(parse(source, fmt), rules=RULES).segments]


# ---------------------------------------------------------------------------------------
# Hand-written cases: each lost text on the starting code


@pytest.mark.parametrize(
    ("source", "fmt"),
    [
        ("12\\. März 2024\n\nDie Tagung beginnt.\n", "markdown"),
        ("3\\. Oktober 2025, Tag der Deutschen Einheit\n", "markdown"),
        ("Siehe e.g. `medicinal product`\n", "markdown"),
        ("Die Frist endet. `Formular B`\n", "markdown"),
        ("Kontakt:  \n030 916070-0  \npresse@drg.de\n", "markdown"),
        ("Ansprechpartnerin\n+49 30 916070 47\nE-Mail: presse@example.org\n", "text"),
        ("• 1. Anmeldung • 2. Zahlung\n", "text"),
        ("<p>Tel.<br>030 916070-0<br>Fax: 030 916070-22</p>\n", "html"),
        ("<p>Das Programm endet. <code>make all</code></p>\n", "html"),
    ],
)
def test_no_text_outside_segments(source: str, fmt: str) -> None:
    assert_covered(source, fmt)


def test_escaped_day_stays_with_its_month() -> None:
    """The translator sees "12\\. März 2024" whole and can write "12 March 2024"."""
    assert segment_texts("12\\. März 2024\n", "markdown") == ["12\\. März 2024"]
    assert segment_texts("Die Tagung beginnt am\n12\\. März 2024 in Berlin.\n", "markdown") == [
        "Die Tagung beginnt am\n12\\. März 2024 in Berlin."
    ]


def test_a_line_without_letters_is_its_own_segment() -> None:
    assert segment_texts("Pressestelle  \n030 916070-0  \nBerlin\n", "markdown") == [
        "Pressestelle",
        "030 916070-0",
        "Berlin",
    ]


def test_a_block_without_letters_has_no_segment() -> None:
    segmented = segment_document(
        parse("| Jahr | Anteil |\n|---|---|\n| 2024 | 3,5 % |\n", "markdown")
    )
    assert [segment.text for segment in segmented.segments] == ["Jahr", "Anteil"]
    assert not uncovered(segmented)


# ---------------------------------------------------------------------------------------
# Generated documents

WORDS = (
    "Die", "Klinik", "für", "Radiologie", "stellt", "neue", "Verfahren", "vor", "März",
    "Oktober", "Dr.", "Prof.", "z. B.", "ca.", "3.", "12.", "2024", "24.09.", "usw.",
    "„Zitat“", "(MRT)", "Ärzt*innen", "KI-gestützte", "www.drg.de", "presse@drg.de",
    "030 916070-0", "Sie", "Der", "im", "Jahr", "e.g.", "Nr.", "–", "•", "-", "1.", "2.",
)  # fmt: skip
# Pieces that only Markdown or HTML read specially; in plain text they are literal.
MARKDOWN_PIECES = (
    "12\\.", "3\\.", "\\*", "\\_", "\\#", "\\-", "\\[Anm.\\]", "&amp;", "&nbsp;", "&auml;",
    "&#8211;", "`code`", "*kursiv*", "**fett**", "[Link](https://example.org)",
)  # fmt: skip
HTML_PIECES = (
    "&amp;", "&nbsp;", "&auml;", "&#8211;", "&#46;", "&quot;", "<em>kursiv</em>",
    "<strong>fett.</strong>", '<a href="x.html">Link.</a>', "<code>x</code>", "12&#46;",
)  # fmt: skip
TERMINATORS = ("", "", ".", ".", "!", "?", ":", ",", "…")


def line(pieces: tuple[str, ...]) -> st.SearchStrategy[str]:
    token = st.sampled_from(pieces)
    sentence = st.builds(
        lambda words, end: " ".join(words) + end,
        st.lists(token, min_size=1, max_size=6),
        st.sampled_from(TERMINATORS),
    )
    return st.lists(sentence, min_size=1, max_size=4).map(" ".join)


def block(pieces: tuple[str, ...], breaks: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Lines joined by the format's soft or hard line breaks."""
    return st.builds(
        lambda lines, joins: "".join(
            text + (joins[i % len(joins)] if i < len(lines) - 1 else "")
            for i, text in enumerate(lines)
        ),
        st.lists(line(pieces), min_size=1, max_size=5),
        st.lists(st.sampled_from(breaks), min_size=1, max_size=4),
    )


MARKDOWN_BLOCK = block(WORDS + MARKDOWN_PIECES, ("\n", "\n", "  \n", "\\\n"))
TEXT_BLOCK = block(WORDS + MARKDOWN_PIECES, ("\n",))
HTML_BLOCK = block(WORDS + HTML_PIECES, ("\n", "<br>", "<br />\n"))


def markdown_document(blocks: list[str]) -> str:
    # A line that opens with a number, a bullet or "#" may become a list or a heading:
    # those are blocks too, and must be covered all the same.
    return "\n\n".join(blocks) + "\n"


@settings(**SETTINGS)
@given(st.lists(MARKDOWN_BLOCK, min_size=1, max_size=4))
def test_markdown_is_covered(blocks: list[str]) -> None:
    assert_covered(markdown_document(blocks), "markdown")


@settings(**SETTINGS)
@given(st.lists(TEXT_BLOCK, min_size=1, max_size=4), st.sampled_from(("\n", "\r\n")))
def test_text_is_covered(blocks: list[str], newline: str) -> None:
    source = "\n\n".join(blocks) + "\n"
    assert_covered(source.replace("\n", newline), "text")


@settings(**SETTINGS)
@given(st.lists(st.tuples(st.sampled_from(("p", "li", "td", "h2")), HTML_BLOCK), max_size=4))
def test_html_is_covered(blocks: list[tuple[str, str]]) -> None:
    body = "\n".join(f"<{tag}>{content}</{tag}>" for tag, content in blocks)
    assert_covered(f"<!DOCTYPE html>\n<html><body>\n{body}\n</body></html>\n", "html")
