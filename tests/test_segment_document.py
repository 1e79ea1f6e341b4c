"""Segmentation of whole documents: blocks, inline markup, gaps, ids, rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.document import CodeKind, parse_document
from pipeline.errors import InputError
from pipeline.segment import Level, SegmentedDocument, load_rules, rebuild, segment_document


def segmented(text: str, format: str = "markdown", **options: object) -> SegmentedDocument:
    document = parse_document(text.encode("utf-8"), Path("x"), format)
    return segment_document(document, **options)  # type: ignore[arg-type]


def texts(text: str, format: str = "markdown", **options: object) -> list[str]:
    return [segment.text for segment in segmented(text, format, **options).segments]


def test_italic_lead_is_balanced_per_segment_and_restored_on_rebuild() -> None:
    source = "*Erster Satz. Zweiter Satz. Dritter Satz.*\n"
    result = segmented(source)
    assert [s.text for s in result.segments] == [
        "*Erster Satz.*",
        "*Zweiter Satz.*",
        "*Dritter Satz.*",
    ]
    assert [(s.lead, s.trail) for s in result.segments] == [("", "*"), ("*", "*"), ("*", "")]
    assert [[c.synthetic for c in s.codes] for s in result.segments] == [
        [False, True],
        [True, True],
        [True, False],
    ]
    assert rebuild(result) == source.encode()
    translated = {
        s.id: t for s, t in zip(result.segments, ["*One.*", "*Two.*", "*Three.*"], strict=True)
    }
    assert rebuild(result, translated) == b"*One. Two. Three.*\n"


def test_nested_markup_across_sentences() -> None:
    source = "Vorher **fett [Link eins. Link zwei](https://x.de) fett** nachher.\n"
    result = segmented(source)
    assert [s.text for s in result.segments] == [
        "Vorher **fett [Link eins.](https://x.de)**",
        "**[Link zwei](https://x.de) fett** nachher.",
    ]
    assert rebuild(result) == source.encode()


def test_codes_point_at_their_markup() -> None:
    for segment in segmented("Ein [Link](https://drg.de) und `x`. *Kursiv* hier.\n").segments:
        for span in segment.codes:
            assert segment.text[span.start : span.end] == span.code.source


def test_whitespace_between_segments_is_kept() -> None:
    source = "Erster Satz.   Zweiter Satz.\nDritter Satz auf neuer Zeile.\n"
    result = segmented(source)
    block = result.blocks[0]
    assert block.gaps == ("", "   ", "\n", "")
    assert rebuild(result) == source.encode()


def test_line_break_always_ends_a_segment_and_stays_out_of_it() -> None:
    result = segmented("Deutsche Röntgengesellschaft e.V.  \nOlaf Goldschmidt  \nBerlin\n")
    assert [s.text for s in result.segments] == [
        "Deutsche Röntgengesellschaft e.V.",
        "Olaf Goldschmidt",
        "Berlin",
    ]
    assert all(not s.codes for s in result.segments)
    assert [s.line for s in result.segments] == [1, 2, 3]


def test_soft_break_inside_a_sentence_is_a_code() -> None:
    [segment] = segmented("Ein Satz, der über\nzwei Zeilen geht.\n").segments
    assert [span.code.kind for span in segment.codes] == [CodeKind.SOFT_BREAK]


def test_headings_and_list_items_are_never_joined_or_split() -> None:
    source = "# KI in der Radiologie. Eine Bilanz\n\n- Erster Punkt\n- zweiter Punkt\nText.\n"
    assert texts(source) == [
        "KI in der Radiologie. Eine Bilanz",
        "Erster Punkt",
        "zweiter Punkt\nText.",
    ]


def test_paragraph_level_keeps_one_segment_per_block() -> None:
    source = "Satz eins. Satz zwei.\n\nDritter Satz. Vierter.\n"
    assert texts(source, level=Level.PARAGRAPH) == [
        "Satz eins. Satz zwei.",
        "Dritter Satz. Vierter.",
    ]
    assert texts(source) == ["Satz eins.", "Satz zwei.", "Dritter Satz.", "Vierter."]


def test_segments_without_words_are_left_in_the_skeleton() -> None:
    source = "| 2024 | 1.000 |\n|---|---|\n| Text | 3,5 % |\n\n![Bild](b.png)\n"
    result = segmented(source)
    assert [s.text for s in result.segments] == ["Text"]
    assert rebuild(result) == source.encode()


def test_ids_are_stable_when_an_unrelated_paragraph_changes() -> None:
    before = segmented("Erster Absatz. Noch ein Satz.\n\nZweiter Absatz bleibt.\n\nDritter.\n")
    after = segmented("Erster Absatz, geändert. Neu.\n\nZweiter Absatz bleibt.\n\nDritter.\n")
    unchanged = {"Zweiter Absatz bleibt.", "Dritter."}
    ids_before = {s.text: s.id for s in before.segments if s.text in unchanged}
    ids_after = {s.text: s.id for s in after.segments if s.text in unchanged}
    assert ids_before == ids_after and len(ids_before) == 2


def test_ids_are_stable_across_runs_and_unique_for_repeated_text() -> None:
    source = "Ja. Nein. Ja.\n"
    first = [s.id for s in segmented(source).segments]
    assert first == [s.id for s in segmented(source).segments]
    assert len(set(first)) == 3
    assert first[2] == f"{first[0]}-2"


def test_rebuild_replaces_only_translated_segments() -> None:
    source = "## Titel\n\nErster Satz. Zweiter Satz.\n"
    result = segmented(source)
    first = result.segments[1]
    assert rebuild(result, {first.id: "First sentence."}) == (
        b"## Titel\n\nFirst sentence. Zweiter Satz.\n"
    )


def test_html_inline_tags_span_sentences() -> None:
    source = "<p><strong>Erster Satz. Zweiter Satz.</strong> Dritter.</p>"
    result = segmented(source, "html")
    assert [s.text for s in result.segments] == [
        "<strong>Erster Satz.</strong>",
        "<strong>Zweiter Satz.</strong>",
        "Dritter.",
    ]
    assert rebuild(result) == source.encode()


def test_user_rules_extend_the_bundled_ones(tmp_path: Path) -> None:
    text = "Die Klin. Studie läuft. Sie endet bald.\n"
    assert texts(text)[0] == "Die Klin."
    extra = tmp_path / "rules.toml"
    extra.write_text('[abbreviations]\ninside = ["Klin."]\n', encoding="utf-8")
    rules = load_rules([extra])
    assert texts(text, rules=rules) == ["Die Klin. Studie läuft.", "Sie endet bald."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[abbreviations\n", "not valid TOML"),
        ("[abbrevations]\ninside = []\n", "unknown table"),
        ('[abbreviations]\ninside = "Dr."\n', "must be a list of strings"),
        ("[abbreviations]\ninsde = []\n", "unknown key"),
    ],
)
def test_bad_rules_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        load_rules([path])
    assert str(path) in caught.value.message


@pytest.mark.parametrize(
    ("source", "format"),
    [("<p>&nbsp;</p><p>&auml;</p>", "html"), ("&nbsp;\n\n&auml;\n", "markdown")],
)
def test_entities_count_as_what_they_stand_for(source: str, format: str) -> None:
    assert texts(source, format) == ["&auml;"]


CONTACT = (
    "**Pressekontakt**\n\n"
    "Deutsche Röntgengesellschaft e.V.\n"
    "Dr. Ina Muster\n"
    "Ernst-Reuter-Platz 10\n"
    "10587 Berlin\n"
    "Tel: +49 30 916070-0\n"
    "[presse@example.org](mailto:presse@example.org)\n"
)


def test_contact_block_with_soft_breaks_has_one_segment_per_line() -> None:
    result = segmented(CONTACT)
    assert [s.text for s in result.segments] == [
        "**Pressekontakt**",
        "Deutsche Röntgengesellschaft e.V.",
        "Dr. Ina Muster",
        "Ernst-Reuter-Platz 10",
        "10587 Berlin",
        "Tel: +49 30 916070-0",
        "[presse@example.org](mailto:presse@example.org)",
    ]
    assert result.document.blocks[1].kind.value == "lines"
    assert rebuild(result) == CONTACT.encode()


@pytest.mark.parametrize(
    "source",
    [
        "> Klinikum Nord\n> Abteilung Radiologie\n> Hauptstr. 5\n> 20095 Hamburg\n",
        "Ansprechpartner:\nMax Beispiel\nFon 040 123456\nFax 040 123457\nwww.example.org\n",
        "- Pressestelle\n  Am Ring 4\n  50667 Köln\n  E-Mail: info@example.org\n",
    ],
)
def test_contact_lines_in_quotes_lists_and_with_labels(source: str) -> None:
    result = segmented(source)
    lines = [line.lstrip("> -").strip() for line in source.splitlines()]
    assert [s.text for s in result.segments] == lines
    assert rebuild(result) == source.encode()


@pytest.mark.parametrize(
    "source",
    [
        # short semantic lines of prose, with no contact details: sentences as usual
        "Die Klinik wächst,\ndie Wartezeit sinkt,\nund das Team ist zufrieden.\n",
        # a phone number mentioned in wrapped prose
        "Fragen beantwortet das Team\nunter Tel. 030 123456\nwerktags bis 16 Uhr.\n",
    ],
)
def test_short_prose_lines_are_not_a_contact_block(source: str) -> None:
    assert len(segmented(source).segments) == 1


def test_ordinal_after_a_soft_line_break_stays_in_the_sentence() -> None:
    source = "Nach dem Symposium 2019\n12. Fortbildungstag der Sektion und mehr.\n"
    assert texts(source) == ["Nach dem Symposium 2019\n12. Fortbildungstag der Sektion und mehr."]


def test_items_on_one_plain_text_line_split_before_each_bullet() -> None:
    source = "Ablauf • 1. Anmeldung • 2. Vorträge • 3. Diskussion\n\nDanach folgt ein Empfang.\n"
    result = segmented(source, "text")
    assert [s.text for s in result.segments] == [
        "Ablauf",
        "• 1. Anmeldung",
        "• 2. Vorträge",
        "• 3. Diskussion",
        "Danach folgt ein Empfang.",
    ]
    assert rebuild(result) == source.encode()
