"""Placeholders: masking, restoring, and reporting what a model broke."""

from __future__ import annotations

import pytest

from pipeline.mt.protect import find_protected, mask, restore, retry_showing


@pytest.mark.parametrize(
    ("text", "protected"),
    [
        ("Mehr unter www.drg.de. Danke.", ["www.drg.de"]),
        ("Siehe https://example.org/a?b=1, bitte.", ["https://example.org/a?b=1"]),
        ("Schreiben Sie an presse@drg.de!", ["presse@drg.de"]),
        ("Fon: 030-916 070-47", ["030-916 070-47"]),
        ("Tel. +49 (0)30 916070-47 oder 0211/81-17010", ["+49 (0)30 916070-47", "0211/81-17010"]),
        ("Am 24.09.2024 kamen 1.000 Gäste, 3,5 % mehr.", []),
        ("Im Jahr 2024 stieg die Zahl auf 700.", []),
    ],
)
def test_find_protected(text: str, protected: list[str]) -> None:
    assert [text[start:end] for start, end in find_protected(text)] == protected


def test_mask_and_restore_round_trip() -> None:
    text = "Kontakt: presse@drg.de oder 030-916 070-47."
    masked = mask(text, find_protected(text))
    assert masked.text == "Kontakt: ⟦1⟧ oder ⟦2⟧."
    restored = restore(masked, "Contact: ⟦1⟧ or ⟦2⟧.")
    assert restored.ok
    assert restored.text == "Contact: presse@drg.de or 030-916 070-47."


def test_restore_reports_lost_duplicated_and_invented_placeholders() -> None:
    masked = mask("a b c", [(0, 1), (2, 3)])
    restored = restore(masked, "⟦1⟧ ⟦1⟧ ⟦7⟧ x")
    assert not restored.ok
    assert any("placeholder 2" in problem and "lost" in problem for problem in restored.problems)
    assert any("appears 2 times" in problem for problem in restored.problems)
    assert any("placeholder 7 was invented" in problem for problem in restored.problems)


def test_restore_accepts_spaced_out_placeholders() -> None:
    masked = mask("Siehe www.drg.de jetzt", [(6, 16)])
    assert restore(masked, "See ⟦ 1 ⟧ now").text == "See www.drg.de now"


def test_overlapping_spans_are_masked_once() -> None:
    masked = mask("abcdef", [(0, 4), (2, 5)])
    assert masked.text == "⟦1⟧ef"
    assert masked.originals == ("abcd",)


def test_mask_segment_masks_codes_urls_and_flattens_soft_breaks() -> None:
    from pathlib import Path

    from pipeline.document import parse_document
    from pipeline.mt.engine import leg_retry
    from pipeline.mt.translate import mask_segment
    from pipeline.segment import segment_document

    source = "Lesen Sie **hier** unter www.drg.de\nweiter oder [schreiben](mailto:x@y.de) Sie.\n"
    [segment] = segment_document(parse_document(source.encode(), Path("x.md"), "markdown")).segments
    prepared = mask_segment(segment)
    masked = prepared.masked
    assert masked.text == "Lesen Sie ⟦1⟧hier⟦2⟧ unter ⟦3⟧ weiter oder ⟦4⟧schreiben⟦5⟧ Sie."
    assert masked.originals == ("**", "**", "www.drg.de", "[", "](mailto:x@y.de)")
    restored = restore(masked, "Read ⟦1⟧here⟦2⟧ at ⟦3⟧ or ⟦4⟧write⟦5⟧.")
    assert restored.text == "Read **here** at www.drg.de or [write](mailto:x@y.de)."
    # Only the URL may be shown as text in a retry; the markup stays masked.
    retry = leg_retry(masked.text, prepared.shown, "en")
    assert retry is not None
    assert retry.text == ("Lesen Sie ⟦1⟧hier⟦2⟧ unter www.drg.de weiter oder ⟦4⟧schreiben⟦5⟧ Sie.")
    assert retry.shown == (("⟦3⟧", "www.drg.de"),)


def test_retry_output_is_masked_again() -> None:
    masked = mask("Termin am 24.09.2024 unter www.drg.de", [(10, 20), (27, 37)])
    retry = retry_showing(masked, {2: "www.drg.de"})
    assert retry is not None
    assert retry.text == "Termin am ⟦1⟧ unter www.drg.de"
    assert retry.remask("Date ⟦1⟧ at www.drg.de") == "Date ⟦1⟧ at ⟦2⟧"
    assert retry.remask("Date ⟦1⟧ at www.drg.com") is None  # the model changed it
    assert retry.remask("⟦1⟧ www.drg.de www.drg.de") is None  # and here doubled it


def test_retry_never_shows_a_text_it_could_not_find_again() -> None:
    masked = mask("www.drg.de oder www.drg.de/presse und KI", [(0, 10), (16, 32), (37, 39)])
    # "www.drg.de" is inside "www.drg.de/presse"; "KI" also stands unmasked elsewhere.
    assert retry_showing(masked, {1: "www.drg.de", 2: "www.drg.de/presse"}).shown == (
        ("⟦2⟧", "www.drg.de/presse"),
    )
    unmasked_elsewhere = mask("KI und KI", [(0, 2)])
    assert retry_showing(unmasked_elsewhere, {1: "KI"}) is None
