"""Readers: block structure, inline codes, exact round trip, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.document import BlockKind, Code, CodeKind, Document, parse_document, read_document
from pipeline.errors import InputError
from pipeline.segment import rebuild, segment_document


def parse(text: str | bytes, format: str = "markdown") -> Document:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_document(data, Path(f"release.{format}"), format)


def kinds(document: Document) -> list[tuple[BlockKind, str]]:
    return [(block.kind, block.text) for block in document.blocks]


def codes(document: Document, index: int) -> list[tuple[CodeKind, str]]:
    return [(p.kind, p.source) for p in document.blocks[index].parts if isinstance(p, Code)]


def assert_round_trip(data: bytes, format: str) -> None:
    document = parse_document(data, Path("x"), format)
    assert document.render([block.text for block in document.blocks]) == data
    assert rebuild(segment_document(document)) == data
    for block in document.blocks:
        assert document.text[block.start : block.end] == block.text


# --- Markdown ----------------------------------------------------------------------------


def test_markdown_block_kinds() -> None:
    document = parse(
        "# Titel\n\nAbsatz eins.\n\n- Punkt *eins*\n- Punkt zwei\n\n> Zitat hier.\n\n"
        "| Kopf | Spalte |\n|---|---|\n| Zelle | b \\| c |\n\n"
        "Name  \nStraße 1  \nBerlin\n\n```\ncode bleibt\n```\n\n<div>html block</div>\n"
    )
    assert kinds(document) == [
        (BlockKind.HEADING, "Titel"),
        (BlockKind.PARAGRAPH, "Absatz eins."),
        (BlockKind.LIST_ITEM, "Punkt *eins*"),
        (BlockKind.LIST_ITEM, "Punkt zwei"),
        (BlockKind.BLOCK_QUOTE, "Zitat hier."),
        (BlockKind.TABLE_CELL, "Kopf"),
        (BlockKind.TABLE_CELL, "Spalte"),
        (BlockKind.TABLE_CELL, "Zelle"),
        (BlockKind.TABLE_CELL, "b \\| c"),
        (BlockKind.LINES, "Name  \nStraße 1  \nBerlin"),
    ]
    assert [block.line for block in document.blocks] == [1, 3, 5, 6, 8, 10, 10, 12, 12, 14]


def test_markdown_inline_codes_keep_their_markup() -> None:
    document = parse(
        'Text **fett** und _kursiv_, ein [Link](https://www.drg.de "Titel"), '
        "<https://example.org>, `code`, ![Bild](b.png), <abbr>KI</abbr> und ~~weg~~.\n"
    )
    assert codes(document, 0) == [
        (CodeKind.STRONG, "**"),
        (CodeKind.STRONG, "**"),
        (CodeKind.EMPHASIS, "_"),
        (CodeKind.EMPHASIS, "_"),
        (CodeKind.LINK, "["),
        (CodeKind.LINK, '](https://www.drg.de "Titel")'),
        (CodeKind.LINK, "<"),
        (CodeKind.LINK, ">"),
        (CodeKind.CODE, "`code`"),
        (CodeKind.IMAGE, "![Bild](b.png)"),
        (CodeKind.HTML, "<abbr>"),
        (CodeKind.HTML, "</abbr>"),
        (CodeKind.STRIKE, "~~"),
        (CodeKind.STRIKE, "~~"),
    ]
    paired = [
        p
        for p in document.blocks[0].parts
        if isinstance(p, Code) and p.kind not in (CodeKind.CODE, CodeKind.IMAGE)
    ]
    assert len(paired) == 12
    assert all(code.pair is not None for code in paired)


def test_markdown_codes_are_paired() -> None:
    block = parse("*ein* [Link](x)\n").blocks[0]
    opening = block.parts[0]
    assert isinstance(opening, Code) and opening.pair is not None
    closing = block.parts[opening.pair]
    assert isinstance(closing, Code) and closing.pair == 0


def test_markdown_soft_and_hard_breaks_in_block_quote() -> None:
    document = parse("> Erste Zeile\n> zweite Zeile  \n> dritte\\\n> vierte\n")
    assert codes(document, 0) == [
        (CodeKind.SOFT_BREAK, "\n> "),
        (CodeKind.LINE_BREAK, "  \n> "),
        (CodeKind.LINE_BREAK, "\\\n> "),
    ]


def test_markdown_gender_stars_are_text_not_emphasis() -> None:
    document = parse("Ärzt*innen und Pfleger*innen, Patient*in und *kursiv*.\n")
    assert codes(document, 0) == [(CodeKind.EMPHASIS, "*"), (CodeKind.EMPHASIS, "*")]
    assert document.blocks[0].parts[0] == "Ärzt*innen und Pfleger*innen, Patient*in und "


def test_markdown_setext_heading_and_reference_link() -> None:
    document = parse("Ein Titel\n=========\n\nSiehe [hier][ref].\n\n[ref]: https://drg.de\n")
    assert kinds(document) == [
        (BlockKind.HEADING, "Ein Titel"),
        (BlockKind.PARAGRAPH, "Siehe [hier][ref]."),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "# Titel #\n\nText\twith tab.\n",
        "  - eingerückt\n    weiter\n\n1. eins\n2. zwei\n",
        "> > doppelt\n> > zitiert\n",
        "* a\n\n  Zweiter Absatz im Punkt.\n",
        "Text mit &amp; und \\* und &auml;.\n",
        "***\n\n    eingerückter Code\n\nText",
        "",
        "   \n\n  \n",
    ],
)
def test_markdown_round_trip(text: str) -> None:
    assert_round_trip(text.encode("utf-8"), "markdown")


# --- line endings, BOM, encodings -----------------------------------------------------------


@pytest.mark.parametrize("format", ["markdown", "text", "html"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_line_endings_and_bom_survive(format: str, newline: bytes, bom: bytes) -> None:
    lines = [
        "Titel der Mitteilung",
        "",
        "Erster Satz. Zweiter Satz mit Dr. med. Muster.  ",
        "",
        "Deutsche Röntgengesellschaft e.V.",
        "Ernst-Reuter-Platz 10",
        "",
    ]
    if format == "html":
        lines = ["<h1>Titel</h1>", "<p>Erster Satz.", "Zweiter Satz.</p>", ""]
    data = bom + newline.join(line.encode("utf-8") for line in lines)
    assert_round_trip(data, format)
    document = parse_document(data, Path("x"), format)
    assert document.bom == bool(bom)


def test_mixed_line_endings_survive() -> None:
    assert_round_trip(b"Eins.\r\nZwei.\nDrei.\r\rVier.  \r\n\r\nF\xc3\xbcnf.", "markdown")
    assert_round_trip(b"Eins.\r\nZwei.\nDrei.\r\rVier.  \r\n\r\nF\xc3\xbcnf.", "text")


def test_other_encoding_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "alt.txt"
    data = "Die Röntgengesellschaft tagt. Größere Säle folgen.\n".encode("cp1252")
    path.write_bytes(data)
    document = read_document(path, encoding="cp1252")
    assert "Röntgengesellschaft" in document.blocks[0].text
    assert rebuild(segment_document(document)) == data


# --- plain text ------------------------------------------------------------------------------


def test_text_contact_block_is_lines_and_wrapped_prose_is_a_paragraph() -> None:
    wrapped = (
        "Die Deutsche Röntgengesellschaft ist die wissenschaftliche Fachgesellschaft\n"
        "der Radiologinnen und Radiologen in Deutschland und vertritt ihre Mitglieder."
    )
    document = parse(f"PRESSEKONTAKT\n\nOlaf Goldschmidt\nBerlin\n\n{wrapped}\n", "text")
    assert [block.kind for block in document.blocks] == [
        BlockKind.PARAGRAPH,
        BlockKind.LINES,
        BlockKind.PARAGRAPH,
    ]
    assert codes(document, 1) == [(CodeKind.LINE_BREAK, "\n")]
    assert codes(document, 2) == [(CodeKind.SOFT_BREAK, "\n")]


# --- HTML ---------------------------------------------------------------------------------


HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Presse</title><style>p { color: red; }</style>
<script>if (a < b) { x = "<p>nicht</p>"; }</script></head>
<body>
  <h1>KI in der <em>Radiologie</em></h1>
  <p>Erster Satz. <a href="https://www.drg.de" title="a > b">Zweiter</a> Satz.</p>
  <ul><li>Punkt &amp; Komma</li><li><code>x.y()</code> bleibt</li></ul>
  <p>Name<br>
     Straße 1<br/>Berlin</p>
  <!-- Kommentar -->
  <pre>vorformatiert. Nicht übersetzen.</pre>
  <table><tr><th>Kopf</th><td>Zelle</td></tr></table>
</body></html>
"""


def test_html_blocks_and_codes() -> None:
    document = parse(HTML_PAGE, "html")
    assert kinds(document) == [
        (BlockKind.PARAGRAPH, "Presse"),
        (BlockKind.HEADING, "KI in der <em>Radiologie</em>"),
        (
            BlockKind.PARAGRAPH,
            'Erster Satz. <a href="https://www.drg.de" title="a > b">Zweiter</a> Satz.',
        ),
        (BlockKind.LIST_ITEM, "Punkt &amp; Komma"),
        (BlockKind.LIST_ITEM, "<code>x.y()</code> bleibt"),
        (BlockKind.LINES, "Name<br>\n     Straße 1<br/>Berlin"),
        (BlockKind.TABLE_CELL, "Kopf"),
        (BlockKind.TABLE_CELL, "Zelle"),
    ]
    assert codes(document, 4) == [(CodeKind.CODE, "<code>x.y()</code>")]
    assert [block.tag for block in document.blocks][:2] == ["title", "h1"]
    assert_round_trip(HTML_PAGE.encode("utf-8"), "html")


def test_html_lines_block_splits_at_br() -> None:
    segmented = segment_document(parse("<p>Name<br>\n  Straße 1<br/>Berlin</p>", "html"))
    assert [segment.text for segment in segmented.segments] == ["Name", "Straße 1", "Berlin"]


# --- bad input ------------------------------------------------------------------------------


def test_not_utf8_names_file_offset_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "alt.md"
    path.write_bytes(b"Zeile eins\nGr\xf6\xdfe\n")
    with pytest.raises(InputError) as caught:
        read_document(path)
    message = caught.value.message
    assert str(path) in message
    assert "byte offset 13" in message
    assert "line 2" in message
    assert "--encoding" in message


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bild.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match="binary"):
        read_document(path)


def test_utf16_file_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes("Text".encode("utf-16"))
    with pytest.raises(InputError, match="--encoding utf-16"):
        read_document(path)


def test_unknown_extension_lists_supported_formats(tmp_path: Path) -> None:
    path = tmp_path / "release.docx"
    path.write_bytes(b"PK")
    with pytest.raises(InputError) as caught:
        read_document(path)
    assert ".md" in caught.value.message and ".html" in caught.value.message


def test_missing_file_and_unknown_encoding(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_document(tmp_path / "fehlt.md")
    (tmp_path / "a.md").write_text("x")
    with pytest.raises(InputError, match="unknown encoding"):
        read_document(tmp_path / "a.md", encoding="klingon")


@pytest.mark.parametrize("content", [b"", b"   \n\n\t\n", b"\xef\xbb\xbf", b"\r\n\r\n"])
@pytest.mark.parametrize("format", ["markdown", "text", "html"])
def test_empty_release_has_no_segments(content: bytes, format: str) -> None:
    document = parse_document(content, Path("x"), format)
    segmented = segment_document(document)
    assert segmented.segments == ()
    assert rebuild(segmented) == content


@pytest.mark.slow
@pytest.mark.parametrize("format", ["markdown", "text", "html"])
def test_ten_megabyte_release(format: str) -> None:
    paragraph = (
        "Univ.-Prof. Dr. med. Julian Muster (Uniklinik) sagt: „Die KI ist z. B. am 3. Juni "
        "besser geworden. Viele Radiolog:innen nutzen sie.“ Mehr unter www.drg.de. "
    ) * 3
    unit = f"<p>{paragraph}</p>\n" if format == "html" else f"{paragraph}\n\n"
    data = (unit * (10_000_000 // len(unit.encode("utf-8")) + 1)).encode("utf-8")
    assert len(data) >= 10_000_000
    segmented = segment_document(parse_document(data, Path("x"), format))
    paragraphs = data.count(b"\n") // (1 if format == "html" else 2)
    assert len(segmented.segments) == 9 * paragraphs
    assert rebuild(segmented) == data


def test_huge_single_paragraph_and_whitespace_runs() -> None:
    sentence = "Ein Satz mit ca. zehn Wörtern und einer Zahl 1.000. "
    data = (sentence * 40_000).encode("utf-8") + b" " * 200_000 + b"\n" + b"\t" * 100_000
    for format in ("markdown", "text"):
        segmented = segment_document(parse_document(data, Path("x"), format))
        assert rebuild(segmented) == data
    data = b"<p>" + b" " * 300_000 + b"a<b" * 20_000 + b"</p>"
    assert_round_trip(data, "html")


def test_one_paragraph_with_many_codes_and_sentences() -> None:
    """Guards against per-segment work that grows with the block (it once did)."""
    data = b"Satz *eins* und [Link](https://x.de). " * 30_000
    segmented = segment_document(parse_document(data, Path("x"), "markdown"))
    assert len(segmented.segments) == 30_000
    assert all(len(segment.codes) == 4 for segment in segmented.segments)
    assert rebuild(segmented) == data
