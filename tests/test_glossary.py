"""The termbase: file format, bad input, TBX/TSV round trips, matching, edits, lint."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.glossary.csvio import load_glossary, read_glossary, write_table_text
from pipeline.glossary.maintain import (
    add_concept,
    concept_from_options,
    load_termbase,
    remove_concept,
)
from pipeline.glossary.match import Matcher, gender_neutral
from pipeline.glossary.model import Term, combine
from pipeline.glossary.tbx import export_tbx, import_tbx
from tests.conftest import DATA, ROOT, SAMPLE

RADIOLOGY = ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"
HEADER = "id,de,en,fr,dnt,case_sensitive,pos,note,forbidden_en\n"
CASES = tomllib.loads((DATA / "glossary" / "matching_de.toml").read_text(encoding="utf-8"))["case"]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_glossary(RADIOLOGY))


def write(tmp_path: Path, body: str, name: str = "g.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


# --- the curated termbase --------------------------------------------------------


def test_radiology_termbase_is_complete_and_clean() -> None:
    termbase, problems = read_glossary(RADIOLOGY)
    assert len(termbase.concepts) >= 250
    assert problems == []
    for concept in termbase.concepts:
        if not concept.dnt:
            assert all(concept.terms.get(lang) for lang in ("de", "en", "fr", "es", "it")), concept
    medizinprodukt = termbase.get("medizinprodukt")
    assert medizinprodukt is not None
    assert medizinprodukt.target("en") == "medical device"
    assert "medicinal product" in medizinprodukt.forbidden["en"]
    required = ["ki", "large-language-model", "foundation-model", "ce-kennzeichnung", "mdr",
                "gematik", "g-ba", "krankenkasse", "kassenaerztliche-vereinigung",
                "mtr"]  # fmt: skip
    assert [concept_id for concept_id in required if termbase.get(concept_id) is None] == []


# --- matching --------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_matching(matcher: Matcher, case: dict[str, object]) -> None:
    found = [f"{hit.surface} = {hit.concept}" for hit in matcher.find(str(case["text"]))]
    assert found == case["expect"]


def test_hits_know_their_offsets_and_number(matcher: Matcher) -> None:
    text = "Ein Medizinprodukt und zwei Medizinprodukte, des Medizinprodukts."
    hits = matcher.find(text)
    assert [(text[h.start : h.end], h.plural) for h in hits] == [
        ("Medizinprodukt", False),
        ("Medizinprodukte", True),
        ("Medizinprodukts", False),
    ]


@pytest.mark.parametrize(
    ("written", "neutral"),
    [("Radiolog:innen", "Radiologinnen"), ("Ärzt*in", "Ärztin"), ("RadiologInnen", "Radiologinnen"),
     ("Innen", "Innen"), ("Radiologen", "Radiologen")],
)  # fmt: skip
def test_gender_forms_are_written_as_one_word(written: str, neutral: str) -> None:
    assert gender_neutral(written) == neutral


def test_sample_release_terms(matcher: Matcher) -> None:
    from pipeline.run import segment_release

    concepts = {
        hit.concept for s in segment_release(SAMPLE).segments for hit in matcher.find(s.text)
    }
    assert {"ki", "kuenstliche-intelligenz", "radiologe", "medizinprodukt", "julian-caspers",
            "uniklinik-duesseldorf", "howtodigital", "gematik-gmbh", "large-language-model",
            "techniker-krankenkasse"} <= concepts  # fmt: skip


# --- file format and bad input ----------------------------------------------------


def test_variants_plurals_and_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "radiologe,Radiologe (pl. Radiologen)|Radiologin,radiologist (pl. radiologists),"
        "radiologue,,,noun,,\nki,KI,AI,IA,,yes,abbr,,KI\n",
    )
    termbase = load_glossary(path)
    radiologe = termbase.get("radiologe")
    assert radiologe is not None
    assert radiologe.source_terms == (Term("Radiologe", "Radiologen"), Term("Radiologin"))
    assert radiologe.target("en", plural=True) == "radiologists"
    assert radiologe.target("fr", plural=True) == "radiologue"  # no plural given: singular
    ki = termbase.get("ki")
    assert ki is not None and ki.case_sensitive and ki.forbidden == {"en": ("KI",)}


@pytest.mark.parametrize(
    ("body", "header", "message", "where"),
    [
        ('a,"Radiologe,radiologist,,,,,,\n', HEADER, "malformed CSV", "line 2"),
        ("a,Radiologe,radiologist\n", HEADER, "row has 3 fields", "line 2"),
        ("a,X,y,,,,,,\na,Z,z,,,,,,\n", HEADER, "duplicate id 'a' (first on line 2)", "line 3"),
        ("a,X,y,,,,,,\n", "id,en,fr\n", "no 'de' column", "line 1"),
        ("a,X||Y,y,,,,,,\n", HEADER, "empty or punctuation-only de term", "line 2"),
        ("a,…,y,,,,,,\n", HEADER, "empty or punctuation-only de term", "line 2"),
        ("a,,y,,,,,,\n", HEADER, "has no German term", "line 2"),
        ("a,Radiologe,x,,,,,,\nb,radiologe,y,,,,,,\n", HEADER, "also belongs to concept 'a'",
         "line 3"),
        ("a,X,y,,,maybe,,,\n", HEADER, "case_sensitive is 'maybe'", "line 2"),
        ("a,X,y,\n", "id,de,en,colour\n", "unknown column 'colour'", "line 1, column 4"),
        ("a,X,medical device,,,,,,medical device\n", HEADER, "is also one of the allowed",
         "line 2"),
    ],
)  # fmt: skip
def test_bad_glossaries_are_clear_errors(
    tmp_path: Path, body: str, header: str, message: str, where: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_glossary(write(tmp_path, body, header=header))
    assert message in caught.value.problem
    assert caught.value.where == where
    assert caught.value.path == tmp_path / "g.csv"


def test_non_utf8_glossary_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes((HEADER + "a,Röntgen,X-ray,,,,,,\n").encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_glossary(path)
    assert "not UTF-8" in caught.value.problem and caught.value.where == "line 2"
    assert "UTF-8" in (caught.value.fix or "")


def test_cli_reports_a_bad_glossary_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "a,X,y,,,,,,\na,Z,z,,,,,,\n")
    result = CliRunner().invoke(app, ["glossary", "stats", "-g", str(path)])
    assert result.exit_code == 3
    assert "line 3: duplicate id 'a'" in result.stderr
    assert "Traceback" not in result.output


# --- several glossaries -----------------------------------------------------------


def test_the_first_glossary_wins(tmp_path: Path) -> None:
    project = write(tmp_path, "mtr,MTR,radiographer,manipulateur radio,,yes,abbr,,\n", "p.csv")
    radiology = load_glossary(RADIOLOGY)
    combined = load_termbase([project, RADIOLOGY])
    assert combined.get("mtr").target("fr") == "manipulateur radio"  # type: ignore[union-attr]
    assert len(combined.concepts) == len(radiology.concepts)
    other_id = write(tmp_path, "roentgen-projekt,Röntgen,roentgenography,radio,,,noun,,\n", "q.csv")
    combined = combine([load_glossary(other_id), radiology])
    owners = [c.id for c in combined.concepts if any(t.text == "Röntgen" for t in c.source_terms)]
    assert owners == ["roentgen-projekt"]


# --- TBX and TSV ------------------------------------------------------------------


def test_csv_tbx_csv_round_trip_loses_nothing(tmp_path: Path) -> None:
    original = load_glossary(RADIOLOGY)
    tbx = tmp_path / "radiology.tbx"
    tbx.write_bytes(export_tbx(original))
    assert write_table_text(import_tbx(tbx)) == write_table_text(original)
    assert write_table_text(original) == RADIOLOGY.read_text(encoding="utf-8")


def test_tbx_is_tbx_basic_that_other_tools_read(tmp_path: Path) -> None:
    from lxml import etree

    tbx = tmp_path / "radiology.tbx"
    tbx.write_bytes(export_tbx(load_glossary(RADIOLOGY)))
    root = etree.parse(str(tbx)).getroot()
    assert root.tag == "martif" and root.get("type") == "TBX-Basic"
    entry = root.find(".//termEntry[@id='medizinprodukt']")
    assert entry is not None
    en = entry.find("langSet[@{http://www.w3.org/XML/1998/namespace}lang='en']")
    statuses = [(t.findtext("term"), t.findtext("termNote[@type='administrativeStatus']"))
                for t in en.findall("tig")]  # fmt: skip
    assert ("medical device", "preferredTerm-admn-sts") in statuses
    assert ("medicinal product", "deprecatedTerm-admn-sts") in statuses


def test_tbx_v3_import(tmp_path: Path) -> None:
    path = tmp_path / "v3.tbx"
    path.write_text(
        '<?xml version="1.0"?><tbx type="TBX-Basic" style="dca" xml:lang="de" '
        'xmlns="urn:iso:std:iso:30042:ed-2"><text><body>'
        '<conceptEntry id="ct"><langSec xml:lang="de"><termSec><term>CT</term></termSec>'
        '</langSec><langSec xml:lang="en"><termSec><term>CT scan</term></termSec></langSec>'
        "</conceptEntry></body></text></tbx>",
        encoding="utf-8",
    )
    concept = import_tbx(path).get("ct")
    assert concept is not None and concept.target("en") == "CT scan"


def test_broken_tbx_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.tbx"
    path.write_text("<martif><text><body><termEntry>", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_tbx(path)
    assert "not a readable TBX file" in caught.value.problem


def test_export_and_import_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    tsv, tbx, back = tmp_path / "r.tsv", tmp_path / "r.tbx", tmp_path / "back.csv"
    assert runner.invoke(app, ["glossary", "export", str(tsv), "-g", str(RADIOLOGY)]).exit_code == 0
    assert runner.invoke(app, ["glossary", "import", str(tsv), str(tbx)]).exit_code == 0
    assert runner.invoke(app, ["glossary", "import", str(tbx), str(back)]).exit_code == 0
    assert back.read_bytes() == RADIOLOGY.read_bytes()
    assert "\t" in tsv.read_text(encoding="utf-8").splitlines()[0]


# --- edits keep the file ----------------------------------------------------------


def test_add_and_remove_keep_every_other_byte(tmp_path: Path) -> None:
    path = tmp_path / "radiology.csv"
    original = RADIOLOGY.read_bytes()
    path.write_bytes(original)
    concept = concept_from_options(
        "zahnroentgen", ["Zahnröntgen"], [("en", "dental X-ray (pl. dental X-rays)")],
        [("en", "X-ray teeth")], pos="noun", note="added in a test, with a comma",
    )  # fmt: skip
    add_concept(path, concept)
    added = path.read_bytes()
    assert added.startswith(original)
    assert added[len(original) :].decode() == (
        "zahnroentgen,Zahnröntgen,dental X-ray (pl. dental X-rays),,,,,,noun,"
        '"added in a test, with a comma",,X-ray teeth,,,,,,\n'  # exclude, forbidden, genders
    )
    remove_concept(path, "zahnroentgen")
    assert path.read_bytes() == original


def test_an_edit_that_would_break_the_glossary_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "radiology.csv"
    path.write_bytes(RADIOLOGY.read_bytes())
    runner = CliRunner()
    duplicate = runner.invoke(app, ["glossary", "add", "ki", "--de", "KI2", "--file", str(path)])
    assert duplicate.exit_code == 3 and "duplicate id 'ki'" in duplicate.stderr
    clash = runner.invoke(
        app, ["glossary", "add", "neu", "--de", "Medizinprodukt", "-f", str(path)]
    )
    assert clash.exit_code == 3 and "also belongs to concept" in clash.stderr
    assert path.read_bytes() == RADIOLOGY.read_bytes()
    missing = runner.invoke(app, ["glossary", "remove", "nope", "--file", str(path)])
    assert missing.exit_code == 3 and "no concept with id 'nope'" in missing.stderr


# --- commands ---------------------------------------------------------------------


def test_find_json_gives_surface_position_and_concept() -> None:
    result = CliRunner().invoke(
        app, ["glossary", "find", str(SAMPLE), "--json", "-g", str(RADIOLOGY)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"surface", "start", "end", "concept", "line", "segment"} <= set(rows[0])
    radiolog = next(row for row in rows if row["surface"] == "Radiolog:innen")
    assert radiolog["concept"] == "radiologe" and radiolog["plural"] is True


def test_lint_flags_errors_with_exit_1_and_unused_entries(tmp_path: Path) -> None:
    good = write(tmp_path, "ki,KI,AI,IA,,yes,abbr,,\nzz,Zyxwort,zyx,zyx,,,noun,,\n", "good.csv")
    result = CliRunner().invoke(
        app, ["glossary", "lint", "-g", str(good), "--releases", str(SAMPLE), "--json"]
    )
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)
    assert [f["message"] for f in findings] == ["concept 'zz' matches no release"]
    bad = write(tmp_path, "a,Radiologe, x,,,,,,x\nb,Radiologen,y,,,,,,\n", "bad.csv")
    result = CliRunner().invoke(app, ["glossary", "lint", "-g", str(bad), "--json"])
    assert result.exit_code == 1
    messages = [f["message"] for f in json.loads(result.stdout)]
    assert any("leading or trailing spaces" in m for m in messages)
    assert any("matches the same words as concept 'a'" in m for m in messages)
    assert any("is also one of the allowed terms" in m for m in messages)


@pytest.mark.parametrize(
    "args",
    [["list", "--lang", "it", "--missing"], ["show", "medizinprodukt"], ["stats"],
     ["list", "--text", "device"]],
)  # fmt: skip
def test_listing_commands(args: list[str]) -> None:
    result = CliRunner().invoke(app, ["glossary", *args, "-g", str(RADIOLOGY), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    if args[0] == "show":
        assert data["terms"]["en"][0] == {"text": "medical device", "plural": "medical devices"}
    elif args[0] == "stats":
        assert data["concepts"] >= 250
    elif "--missing" in args:
        assert data == []  # every non-DNT concept has Italian
    else:
        assert "medizinprodukt" in {concept["id"] for concept in data}


def test_extract_suggests_acronyms_with_expansions(tmp_path: Path) -> None:
    release = tmp_path / "r.md"
    release.write_text(
        "Die Photonenzählende Bildrekonstruktion (PZB) ist neu. Die PZB-Technik und die "
        "Photonenzählende Bildrekonstruktion (PZB) werden getestet.\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["glossary", "extract", str(release), "--json", "-g", str(RADIOLOGY)]
    )
    assert result.exit_code == 0, result.output
    found = {c["term"]: c for c in map(json.loads, result.stdout.splitlines())}
    acronym = found["PZB"]
    assert acronym["kind"] == "acronym" and acronym["count"] == 2
    assert acronym["expansion"] == "Photonenzählende Bildrekonstruktion"


# --- issue 15's classes on the shipped termbase (more in tests/test_glossary_classes.py) ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Ein Sprecher der Deutschen Röntgengesellschaft lobte die Kassenärztlichen Vereinigungen.",
      ["deutsche-roentgengesellschaft", "kassenaerztliche-vereinigung"]),
     ("Fortschritte der interventionellen Radiologie und eines kontrastmittelverstärkten "
      "Ultraschalls", ["interventionelle-radiologie", "kontrastmittelverstaerkter-ultraschall"]),
     ("Die Kassenärztliche\nBundesvereinigung", ["kassenaerztliche-bundesvereinigung"]),
     ("Deep-Learning in der diagnostischen und interventionellen Radiologie",
      ["deep-learning", "diagnostische-radiologie", "interventionelle-radiologie"]),
     ("Computer- und Magnetresonanztomographie",
      ["computertomographie", "magnetresonanztomographie"])],
)  # fmt: skip
def test_declension_whitespace_hyphens_coordination(
    matcher: Matcher, text: str, expected: list[str]
) -> None:
    hits = matcher.find(text)
    assert [hit.concept for hit in hits] == expected
    assert all(text[hit.start : hit.end] == hit.surface for hit in hits)


def test_compound_hints_on_the_shipped_termbase(matcher: Matcher) -> None:
    text = "Lebermetastasen und Wirbelkörperfrakturen"
    assert matcher.find(text) == []
    assert [(h.surface, h.concept, h.kind) for h in matcher.hints(text)] == [
        ("Lebermetastasen", "metastase", "compound"),
        ("Wirbelkörperfrakturen", "fraktur", "compound"),
    ]
