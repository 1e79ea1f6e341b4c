"""Matching classes of German prose (issue 15): declension, whitespace, hyphens,
coordination, senses and closed-compound hints, on our own sentences and termbase.

``python -m tests.test_glossary_classes`` prints the compound hints' error rate.
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest

from pipeline.glossary.csvio import load_glossary, read_glossary, write_table_text
from pipeline.glossary.maintain import builtin_termbase
from pipeline.glossary.match import ADJECTIVE_ENDINGS, Matcher, MatchKind, TermHit
from pipeline.glossary.model import Concept, Exclusion, Term
from tests.conftest import DATA
from tests.test_linear_time import finishes

GLOSSARY = DATA / "glossary" / "classes.csv"
CLASSES = tomllib.loads((DATA / "glossary" / "classes.toml").read_text(encoding="utf-8"))
CASES = CLASSES["case"]
RADIOLOGY_CASES = CLASSES["radiology_case"]
COMPOUNDS = DATA / "glossary" / "compounds.tsv"
MAX_COMPOUND_ERROR_RATE = 0.08


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_glossary(GLOSSARY))


def shown(hit: TermHit) -> str:
    kind = "" if hit.kind in (MatchKind.TERM, MatchKind.COMPOUND) else f" [{hit.kind}]"
    return f"{hit.surface} = {hit.concept}{kind}"


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case(matcher: Matcher, case: dict[str, object]) -> None:
    text = str(case["text"])
    hits = matcher.find(text)
    assert [shown(hit) for hit in hits] == case["expect"]
    assert [shown(hit) for hit in matcher.hints(text)] == case.get("hints", [])
    assert all(text[hit.start : hit.end] == hit.surface for hit in hits)  # original spans


@pytest.fixture(scope="module")
def radiology() -> Matcher:
    return Matcher(load_glossary(builtin_termbase()))


@pytest.mark.parametrize("case", RADIOLOGY_CASES, ids=[case["name"] for case in RADIOLOGY_CASES])
def test_radiology_case(radiology: Matcher, case: dict[str, object]) -> None:
    """Cases whose concepts only the radiology termbase has: ``expect`` lists the hits
    and hints that must be there, ``absent`` those that must not."""
    text = str(case["text"])
    got = [shown(hit) for hit in radiology.find(text) + radiology.hints(text)]
    assert [item for item in case["expect"] if item not in got] == []
    assert [item for item in case.get("absent", []) if item in got] == []


def test_the_glossary_of_the_cases_is_clean() -> None:
    assert read_glossary(GLOSSARY)[1] == []


@pytest.mark.parametrize("stem", ["kassenärztlich", "interventionell", "kontrastmittelverstärkt"])
def test_every_adjective_ending_gives_one_key(matcher: Matcher, stem: str) -> None:
    keys = {matcher.key_of(stem + ending) for ending in ("", *ADJECTIVE_ENDINGS)}
    keys |= {matcher.key_of((stem + ending).capitalize()) for ending in ADJECTIVE_ENDINGS}
    assert len(keys) == 1, keys


def test_a_noun_before_the_last_word_is_no_adjective() -> None:
    termbase = load_glossary(GLOSSARY)
    from dataclasses import replace

    technologe = replace(
        termbase.concepts[0],
        id="mtr",
        terms={"de": (Term("Medizinischer Technologe für Radiologie"),)},
        case_sensitive=False,
    )
    matcher = Matcher(replace(termbase, concepts=(technologe,)))
    assert matcher.key_of("Medizinischen") == matcher.key_of("medizinischer")
    assert matcher.key_of("Technologe") == "technologe"  # its lemma, not a stem "technolog"


def test_genitive_of_a_noun_the_lemmatiser_lacks() -> None:
    termbase = load_glossary(GLOSSARY)
    from dataclasses import replace

    def concept(concept_id: str, term: str) -> Concept:
        return replace(termbase.concepts[0], id=concept_id, terms={"de": (Term(term),)})

    matcher = Matcher(
        replace(
            termbase,
            concepts=(
                concept("g-ba", "Gemeinsamer Bundesausschuss"),
                concept("kur", "Kur"),
                concept("leitung", "Krankenhausleitung"),
            ),
        )
    )
    assert matcher.key_of("Bundesausschusses") == matcher.key_of("Bundesausschuss")
    assert matcher.key_of("Kurs") != matcher.key_of("Kur")  # a word of its own
    assert matcher.key_of("Krankenhausleitungs") != matcher.key_of("Krankenhausleitung")
    assert matcher.key_of("bundesausschusses") == "bundesausschusses"  # nouns only
    (hit,) = matcher.find("Die Sitzung des Gemeinsamen Bundesausschusses endete.")
    assert (hit.concept, hit.surface, hit.plural) == (
        "g-ba",
        "Gemeinsamen Bundesausschusses",
        False,
    )


def test_declined_plural_is_plural(matcher: Matcher) -> None:
    hits = matcher.find("Die Kassenärztlichen Vereinigungen und die Kassenärztliche Vereinigung")
    assert [hit.plural for hit in hits] == [True, False]


def test_hints_are_a_kind_of_their_own_and_never_found(matcher: Matcher) -> None:
    text = "Lebermetastasen"
    assert matcher.find(text) == []
    (hint,) = matcher.hints(text)
    assert hint.kind == MatchKind.COMPOUND and hint.as_dict()["kind"] == "compound"
    assert matcher.find("Metastasen")[0].as_dict()["kind"] == "term"


# --- the glossary notations -----------------------------------------------------------


def test_optional_hyphen_notation_round_trips(tmp_path: Path) -> None:
    term = Term.parse("Röntgen(-)Thorax (pl. Röntgen(-)Thoraces)")
    assert term == Term("Röntgen-Thorax", "Röntgen-Thoraces", None, closable=True)
    assert term.forms() == (
        "Röntgen-Thorax",
        "Röntgen-Thoraces",
        "Röntgenthorax",
        "Röntgenthoraces",
    )
    assert term.format() == "Röntgen(-)Thorax (pl. Röntgen(-)Thoraces)"
    assert Term.parse("Deep-Learning").forms() == ("Deep-Learning",)


def test_exclusion_syntax() -> None:
    assert Exclusion.parse("Wilhelm Conrad _") == Exclusion(("Wilhelm", "Conrad"), (), "")
    assert Exclusion.parse("_s") == Exclusion((), (), "s")
    assert Exclusion.parse(" # _ ").format() == "# _"
    for bad in ("Wilhelm Conrad", "_ _", "_", "(.*) _", "_1", "[a-z]+ _"):
        with pytest.raises(ValueError):
            Exclusion.parse(bad)


def write(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "g.csv"
    path.write_text("id,de,en,dnt,case_sensitive,pos,note,exclude\n" + rows, encoding="utf-8")
    return path


def test_bad_notations_are_located_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a,Röntgen(-)Thorax-Aufnahme,chest X-ray,,,noun,,\n"
        "b,Röntgen,X-ray,,,noun,,Wilhelm Conrad|(.*) _\n",
    )
    _, problems = read_glossary(path)
    assert [(p.line, p.severity) for p in problems] == [(2, "error"), (3, "error"), (3, "error")]
    assert "(-)" in problems[0].message and problems[0].fix
    assert "'Wilhelm Conrad' must contain the term '_' once" in problems[1].message


def test_new_notations_survive_writing(tmp_path: Path) -> None:
    termbase = load_glossary(GLOSSARY)
    again = tmp_path / "again.csv"
    again.write_text(write_table_text(termbase), encoding="utf-8")
    reread = load_glossary(again)
    assert [(c.id, c.terms, c.exclude) for c in reread.concepts] == [
        (c.id, c.terms, c.exclude) for c in termbase.concepts
    ]
    assert reread.get("roentgen-thorax").source_terms[0].closable  # type: ignore[union-attr]


def test_a_glossary_without_the_new_column_is_written_as_before(tmp_path: Path) -> None:
    path = write(tmp_path, "a,Radiologie,radiology,,,noun,,\n")
    assert "exclude" not in write_table_text(load_glossary(path)).splitlines()[0].split(",")[5:]


# --- closed compounds: measured ------------------------------------------------------


def compound_errors(matcher: Matcher) -> tuple[list[str], int]:
    """The labelled compounds whose hint is wrong (missed, wrong head, or a false hint),
    and how many were labelled."""
    lines = [line for line in COMPOUNDS.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    errors = []
    for row in rows:
        hints = matcher.hints(row["word"])
        got = hints[0].concept if hints else "-"
        if got != row["head"]:
            errors.append(f"{row['word']}: {got} (expected {row['head']})")
    return errors, len(rows)


def test_compound_hint_error_rate(matcher: Matcher) -> None:
    errors, labelled = compound_errors(matcher)
    assert labelled >= 60
    assert len(errors) / labelled <= MAX_COMPOUND_ERROR_RATE, errors


# --- linear time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Computer- und " * 50_000 + "Magnetresonanztomographie",
     "diagnostische und " * 50_000 + "interventionelle Radiologie",
     "Computer-, " * 50_000 + "und Computertomographie",
     "Lebermetastasen" * 20_000, "Leber- und " + "a" * 300_000,
     "51109 Köln " * 30_000, "Wilhelm Conrad Röntgen " * 30_000,
     "Computer- als auch die " * 50_000 + "Magnetresonanztomographie",
     "diagnostische als auch die " * 50_000 + "interventionelle Radiologie",
     "Deep-Learning-" * 50_000 + "Radiologie", "Bundesausschusses " * 50_000],
    ids=["truncated", "coordinated", "truncated-commas", "long-compound", "long-head",
         "postal", "physicist", "als-auch-truncated", "als-auch-coordinated",
         "hyphenated-head", "genitive"],
)  # fmt: skip
def test_classes_stay_linear(matcher: Matcher, text: str) -> None:
    finishes(lambda: (matcher.find(text), matcher.hints(text)))


if __name__ == "__main__":
    found, total = compound_errors(Matcher(load_glossary(GLOSSARY)))
    print(f"compound hints: {len(found)} wrong of {total} labelled ({len(found) / total:.1%})")
    for line in found:
        print("  " + line)
