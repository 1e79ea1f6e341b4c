"""QA checks a reviewer can trust (issue 12, part 4): each class of false pass or false
alarm, with our own cases in every supported target language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.enforce import MISSING, Placement, applied_terms, find_terms
from pipeline.glossary.match import Matcher
from pipeline.layout import Layout
from pipeline.qa.checks import CHECKS, Context, check_pair, check_po_file, muted_checks
from pipeline.qa.report import build_report, expected_terms, target_spans
from tests.conftest import ROOT

MATCHER = Matcher(load_glossary(ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"))


def fires(check_id: str, source: str, target: str, language: str) -> list[str]:
    context = Context(language, tuple(MATCHER.find(source)), MATCHER.termbase)
    return [f.message for f in check_pair(source, target, context, [CHECKS[check_id]])]


# --- glossary: whole words, with the target language's inflection -------------------------

# (German, a translation that lacks the term, one that has it, language)
GLOSSARY = [
    # a target term inside another word is not the term
    ("Die KI hilft bei den Details.", "It helps with the details.",
     "AI helps with the details.", "en"),
    ("Die KI verändert die Medien.", "Les médias changent.", "L'IA change les médias.", "fr"),
    ("Die KI unterstützt Fachleute.", "Los especialistas reciben apoyo.",
     "La IA apoya a los especialistas.", "es"),
    ("Die Radiologie wächst.", "La neuroradiologie progresse.", "La radiologie progresse.",
     "fr"),
    # a case-sensitive term (an acronym) in its written case: "ai" is a preposition
    ("Die KI hilft Patienten.", "Aiuta ai pazienti.", "L’AI aiuta i pazienti.", "it"),
    # plural forms the glossary does not list, by the language's endings
    ("Zwei Mammographien wurden ausgewertet.", "Two screenings were evaluated.",
     "Two mammographies were evaluated.", "en"),
    ("Die Früherkennung rettet Leben.", "Los cribados salvan vidas.",
     "Las detecciones precoces salvan vidas.", "es"),
    ("Zwei Mammographien wurden ausgewertet.", "Sono state valutate due ecografie.",
     "Sono state valutate due mammografie.", "it"),
    ("Die Nuklearmedizin wächst.", "La médecine progresse.",
     "Les médecines nucléaires progressent.", "fr"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "wrong", "right", "language"), GLOSSARY)
def test_glossary_terms_are_whole_inflected_words(
    source: str, wrong: str, right: str, language: str
) -> None:
    assert any("should be" in p for p in fires("glossary", source, wrong, language))
    assert fires("glossary", source, right, language) == []


# --- one decision: PO comment, glossary check and report agree ---------------------------

AGREE = [
    ("Die KI hilft bei den Details.", "It helps with the details.", "en"),
    ("Die KI hilft bei den Details.", "The AI helps with the details.", "en"),
    ("Die KI hilft bei den Details.", "The AIbased helper.", "en"),
    ("Zwei Mammographien wurden ausgewertet.", "Two mammographies were evaluated.", "en"),
    ("Die KI verändert die Medien.", "Les médias changent.", "fr"),
    ("Die KI verändert die Medien.", "L'IA change les médias.", "fr"),
    ("Die Radiologie wächst.", "La neuroradiologie progresse.", "fr"),
    ("Die Früherkennung rettet Leben.", "Las detecciones precoces salvan vidas.", "es"),
    ("Die KI unterstützt Fachleute.", "Los especialistas reciben apoyo.", "es"),
    ("Die KI hilft Patienten.", "Aiuta ai pazienti.", "it"),
    ("Die KI hilft Patienten.", "L'IA aiuta i pazienti.", "it"),
    ("Julian Caspers sagt das.", "Julien Casper says so.", "en"),
    ("Julian Caspers sagt das.", "Julian Caspers lo dice.", "es"),
]


def _placements(numbers: frozenset[int]) -> list[Placement]:
    """Every way the engine can report how it placed these placeholders."""
    return [
        Placement(),
        Placement(shown=numbers),
        Placement(prefixed=numbers),
        Placement(aligned=numbers),
    ]


@pytest.mark.parametrize("how", ["copied", "shown", "prefixed", "aligned"])
def test_po_comment_check_and_report_say_the_same(how: str) -> None:
    for source, final, language in AGREE:
        spans = find_terms(source, MATCHER, language)
        assert spans
        numbers = {span: number for number, span in enumerate(spans, start=1)}
        output = " ".join(f"⟦{n}⟧" for n in numbers.values())  # every placeholder came through
        placed = frozenset(numbers.values())
        placement = dict(
            zip(["copied", "shown", "prefixed", "aligned"], _placements(placed), strict=True)
        )
        comment = applied_terms(spans, numbers, output, final, placement[how])
        in_comment = {term.concept for term in comment if term.status == MISSING}
        context = Context(language, tuple(MATCHER.find(source)), MATCHER.termbase)
        findings = check_pair(source, final, context, [CHECKS["glossary"]])
        hits = MATCHER.find(source)
        in_check = {h.concept for h in hits for f in findings if repr(h.surface) in f.message}
        _, missing = target_spans(final, expected_terms(hits, MATCHER, language))
        in_report = {term.concept for term in missing}
        assert in_comment == in_check == in_report, (final, in_comment, in_check, in_report)


def test_a_term_the_output_lacks_is_missing_however_it_was_placed() -> None:
    spans = find_terms("Die KI hilft bei den Details.", MATCHER, "en")
    numbers = {spans[0]: 1}
    for placement in _placements(frozenset({1})):
        (term,) = applied_terms(spans, numbers, "⟦1⟧ helps", "It helps with details.", placement)
        assert term.status == MISSING


# --- markup: leaked placeholder pieces and model tokens are errors ------------------------

# (German, a translation with a leaked fragment, the clean one, language)
LEAKS = [
    ("Der Anteil stieg um 5 %.", "⟦ %.", "The share rose by 5 %.", "en"),
    ("Lesen Sie ⟦1⟧hier⟦2⟧.", "Lisez ⟦1⟧ici⟦2⟧ ⟦3.", "Lisez ⟦1⟧ici⟦2⟧.", "fr"),
    ("Die Studie zeigt es.", "L'étude le ⁇ montre.", "L'étude le montre.", "fr"),
    ("Die Radiologie wächst.", "La ▁radiología crece.", "La radiología crece.", "es"),
    ("Schreiben Sie an info@drg.de.", "Escriba a info@drg.de.⟧",
     "Escriba a info@drg.de.", "es"),
    ("Die Radiologie wächst.", "La radi@@ ologia cresce.", "La radiologia cresce.", "it"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "leaked", "clean", "language"), LEAKS)
def test_leaked_placeholder_fragments_are_errors(
    source: str, leaked: str, clean: str, language: str
) -> None:
    (finding, *_) = check_pair(source, leaked, Context(language), [CHECKS["markup"]])
    assert finding.severity == "error"
    assert finding.message.startswith("leaked")
    assert fires("markup", source, clean, language) == []


@pytest.mark.parametrize(
    ("source", "target", "language"),
    [
        ("Die Studie zeigt es.", "El estudio lo <unk> muestra.", "es"),
        ("Die Studie zeigt es.", "Lo studio lo<0x0A> mostra.", "it"),
    ],
)
def test_model_tokens_are_named_as_leaks_not_as_markup(
    source: str, target: str, language: str
) -> None:
    assert [p.split(" ")[0] for p in fires("markup", source, target, language)] == ["leaked"]


# --- numbers: dates in every supported language, one value each --------------------------

DATES_OK = [
    ("Er wurde am 27.März 1845 geboren.", "He was born on 27 March 1845.", "en"),
    ("Er wurde am 8.November 1895 bekannt.", "Il a été connu le 8 novembre 1895.", "fr"),
    ("Die Tagung beginnt am 1.Oktober 2025.", "El congreso empieza el 1.º de octubre de 2025.",
     "es"),
    ("Die Tagung beginnt am 1. Oktober 2025.", "Il congresso inizia il 1° ottobre 2025.", "it"),
    ("Die Tagung beginnt am 1.Oktober 2025.", "The congress begins on October 1, 2025.", "en"),
    ("Am 3. Dez. 2024 startet das Programm.", "Le programme démarre le 3 décembre 2024.",
     "fr"),
    ("Im Mai 2024 begann die Studie.", "El estudio empezó en mayo de 2024.", "es"),
    ("Im Mai 2024 begann die Studie.", "Lo studio è iniziato nel maggio del 2024.", "it"),
    ("Am 12. September 2024 in Berlin.", "El 12 de setiembre de 2024 en Berlín.", "es"),
    ("Am 27. März 1845 geboren.", "Né le 27.März 1845.", "fr"),  # a month left in German
]  # fmt: skip


@pytest.mark.parametrize(("source", "target", "language"), DATES_OK)
def test_dates_in_every_language_are_read(source: str, target: str, language: str) -> None:
    assert fires("numbers", source, target, language) == []


DATES_WRONG = [
    ("Er wurde am 27.März 1845 geboren.", "He was born on 28 March 1845.", "en"),
    ("Am 8.November 1895 entdeckt.", "Découvert le 8 novembre 1985.", "fr"),
    ("Am 1.Oktober 2025.", "El 1 de noviembre de 2025.", "es"),
    ("Am 1. Oktober 2025.", "Il 1° ottobre 2026.", "it"),
]


@pytest.mark.parametrize(("source", "target", "language"), DATES_WRONG)
def test_a_changed_date_is_reported_as_a_date(source: str, target: str, language: str) -> None:
    problems = fires("numbers", source, target, language)
    assert problems
    assert all(p.startswith("date ") for p in problems), problems


@pytest.mark.parametrize(
    ("source", "target", "language"),
    [
        ("Er wurde am 27.März 1845 geboren.", "He was born on 27/3 in 1845.", "en"),
        ("Am 8. November 1895 entdeckt.", "Découvert le 8 du onzième mois 1895.", "fr"),
        ("Am 12. Mai 2024 in Rom.", "A Roma il 12, maggio 2024.", "it"),
    ],
)
def test_a_date_written_otherwise_is_one_finding(source: str, target: str, language: str) -> None:
    problems = fires("numbers", source, target, language)
    assert len(problems) == 1, problems
    assert problems[0].startswith("date ") and "not in the translation" in problems[0]


def test_a_month_name_that_is_an_english_word_is_no_date() -> None:
    assert fires("numbers", "Die Top 10 ändern sich.", "The top 10 may change.", "en") == []


# --- a reviewer mutes a check for one entry ------------------------------------------------

# (language, German, translation with a date the check cannot match and a German quote)
MUTED = {
    "en": ("„Am 3. Mai 2024“, sagte er.", "„On the third of May“, he said."),
    "fr": ("„Am 3. Mai 2024“, sagte er.", "„Le trois mai“, dit-il."),
    "es": ("„Am 3. Mai 2024“, sagte er.", "„El tres de mayo“, dijo."),
    "it": ("„Am 3. Mai 2024“, sagte er.", "„Il tre maggio“, disse."),
}


def write_po(path: Path, language: str, entries: list[tuple[str, str, str]]) -> Path:
    """A PO file of reviewed entries: (translator comment, msgid, msgstr)."""
    blocks = [
        f'msgid ""\nmsgstr ""\n"Language: {language}\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    ]
    for comment, msgid, msgstr in entries:
        prefix = "".join(f"# {line}\n" for line in comment.splitlines())
        blocks.append(f'{prefix}msgid "{msgid}"\nmsgstr "{msgstr}"\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def test_muted_checks_are_read_from_translator_comments() -> None:
    assert muted_checks(["qa-ignore: numbers, quotes"]) == {"numbers", "quotes"}
    assert muted_checks(["checked with the author", "  QA-Ignore:glossary;units"]) == {
        "glossary",
        "units",
    }
    assert muted_checks(["no qa-ignore here: numbers"]) == frozenset()


@pytest.mark.parametrize("language", sorted(MUTED))
def test_a_reviewer_mutes_checks_for_one_entry(tmp_path: Path, language: str) -> None:
    source, target = MUTED[language]
    po = write_po(
        tmp_path / "locales" / language / "release.po",
        language,
        [("qa-ignore: numbers, quotes", source, target), ("", source + " ", target + " ")],
    )
    findings = [f for f in check_po_file(po, MATCHER) if f.check in ("numbers", "quotes")]
    first = [f for f in findings if f.msgid == source]
    second = [f for f in findings if f.msgid != source]
    assert {f.check for f in first} == {"numbers", "quotes"} and all(f.muted for f in first)
    assert {f.check for f in second} == {"numbers", "quotes"} and not any(f.muted for f in second)
    assert first[0].as_dict()["muted"] is True


def test_check_shows_muted_findings_and_does_not_fail_on_them(tmp_path: Path) -> None:
    source, target = MUTED["fr"]
    po = write_po(
        tmp_path / "locales" / "fr" / "release.po",
        "fr",
        [("vérifié avec l'auteur\nqa-ignore: numbers, quotes, nosuchcheck", source, target)],
    )
    result = CliRunner().invoke(app, ["check", str(po)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "muted error" in result.output and "muted warning" in result.output
    assert "0 errors" in result.output and "2 muted" in result.output
    assert "nosuchcheck" in result.output  # a mistyped id is reported, not silently ignored
    result = CliRunner().invoke(app, ["check", str(po), "--json"])
    records = json.loads(result.stdout)["findings"]
    assert {r["check"]: r["muted"] for r in records if r["check"] != "qa-ignore"} == {
        "numbers": True,
        "quotes": True,
    }
    unmuted = write_po(tmp_path / "locales" / "es" / "release.po", "es", [("", *MUTED["es"])])
    assert CliRunner().invoke(app, ["check", str(unmuted)]).exit_code == 1


def test_report_shows_muted_findings_as_muted_and_does_not_count_them(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    for language, (source, target) in MUTED.items():
        write_po(
            layout.po_file(language, "release"),
            language,
            [("qa-ignore: numbers", source, target)],
        )
    report = build_report(layout, MATCHER, checks=[CHECKS["numbers"]])
    page = report.html
    assert len(report.findings) == report.muted == 4 and report.counted == 0
    rows = re.findall(r'<tr class="segment[^"]*"', page)
    assert len(rows) == 4 and all("has-muted" in r and "has-error" not in r for r in rows)
    assert page.count('<span class="severity">muted error</span>') == 4
    summary = page[page.index('id="summary"') : page.index('<section class="language"')]
    counts = re.findall(r'data-count="(errors|warnings|muted)"><dt>\w+</dt><dd>(\d+)</dd>', summary)
    assert counts[:3] == [("errors", "0"), ("warnings", "0"), ("muted", "1")]


# --- build: QA errors of what it publishes, --strict, the page's language ---------------

PAGE = """<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="de" xml:lang="de">
<head><title>Mitteilung</title></head>
<body>
<h1>Die Studie beginnt</h1>
<p>Am 3. Mai 2024 beginnen 120 Teilnehmer.</p>
<p>Die Dosis lag bei 1,5 mSv.</p>
</body>
</html>
"""
# per language: (title, heading, the date sentence with a wrong number, the dose sentence)
REVIEWED = {
    "en": ("Release", "The study begins", "On 3 May 2024, 210 participants begin.",
           "The dose was 1.5 mSv."),
    "fr": ("Communiqué", "L'étude commence", "Le 3 mai 2024, 210 participants commencent.",
           "La dose était de 1,5 mSv."),
    "es": ("Comunicado", "El estudio comienza", "El 3 de mayo de 2024 comienzan 210 participantes.",
           "La dosis fue de 1,5 mSv."),
    "it": ("Comunicato", "Lo studio inizia", "Il 3 maggio 2024 iniziano 210 partecipanti.",
           "La dose era di 1,5 mSv."),
}  # fmt: skip


def reviewed_project(root: Path, mute: bool = False) -> Layout:
    """A project with one HTML release, run without a model, then reviewed in every language
    (one translation has a wrong number; ``mute``: the reviewer muted that check)."""
    (root / "releases").mkdir(parents=True)
    (root / "releases" / "studie.html").write_text(PAGE, encoding="utf-8")
    no_models = root / "no-models"
    no_models.mkdir()
    result = CliRunner().invoke(
        app, ["run", "--project", str(root), "--to", ",".join(REVIEWED), "--dir", str(no_models)]
    )
    assert result.exit_code == 0, result.output
    layout = Layout(root)
    for language, texts in REVIEWED.items():
        path = layout.po_file(language, "studie")
        po = polib.pofile(str(path))
        for entry, text in zip([e for e in po if e.msgid], texts, strict=True):
            entry.msgstr = text
            entry.flags = []
            if mute and "Teilnehmer" in entry.msgid:
                entry.tcomment = "qa-ignore: numbers"
        po.save(str(path))
    return layout


def test_build_lists_qa_errors_of_what_it_publishes_and_strict_refuses(tmp_path: Path) -> None:
    layout = reviewed_project(tmp_path / "project")
    result = CliRunner().invoke(app, ["build", "--project", str(layout.root)])
    assert result.exit_code == 0, result.output
    for language in REVIEWED:
        po_file = layout.po_file(language, "studie")
        line = next(e.linenum for e in polib.pofile(str(po_file)) if "Teilnehmer" in e.msgid)
        assert f"{po_file}:{line}: QA error [numbers]" in result.output.replace("\n", "")
        assert layout.built_file(language, "studie.html").is_file()
    for built in layout.out.rglob("*.html"):
        built.unlink()
    result = CliRunner().invoke(app, ["build", "--project", str(layout.root), "--strict"])
    assert result.exit_code == 1, result.output
    assert "not written: --strict" in result.output
    assert not list(layout.out.rglob("studie.html"))
    result = CliRunner().invoke(app, ["build", "--project", str(layout.root), "--json"])
    records = json.loads(result.stdout)
    assert {r["language"]: {f["check"] for f in r["findings"]} for r in records} == {
        language: {"numbers"} for language in REVIEWED
    }


def test_strict_build_writes_what_a_reviewer_muted(tmp_path: Path) -> None:
    layout = reviewed_project(tmp_path / "project", mute=True)
    result = CliRunner().invoke(app, ["build", "--project", str(layout.root), "--strict"])
    assert result.exit_code == 0, result.output
    assert "QA error" not in result.output
    for language in REVIEWED:
        assert layout.built_file(language, "studie.html").is_file()


def test_built_html_page_says_the_target_language(tmp_path: Path) -> None:
    layout = reviewed_project(tmp_path / "project", mute=True)
    for draft in ([], ["--draft"]):
        result = CliRunner().invoke(app, ["build", "--project", str(layout.root), *draft])
        assert result.exit_code == 0, result.output
        for language, (_, heading, *_) in REVIEWED.items():
            name = "studie.draft.html" if draft else "studie.html"
            page = layout.built_file(language, name).read_text(encoding="utf-8")
            assert f'<html xmlns="http://www.w3.org/1999/xhtml" lang="{language}" ' \
                   f'xml:lang="{language}">' in page  # fmt: skip
            assert 'lang="de"' not in page and f"<h1>{heading}</h1>" in page
            assert page.replace(f'"{language}"', '"de"').count("\n") == PAGE.count("\n") + bool(
                draft
            )


def test_run_writes_muted_findings_as_muted_and_does_not_fail(tmp_path: Path) -> None:
    """`# qa-ignore` also holds for `pipeline run`: its comments and its exit code."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "r.md").write_text(
        "Die Studie umfasst 120 Patienten.\n", encoding="utf-8"
    )
    arguments = ["run", "--to", "en", "--project", str(tmp_path), "--dir", str(tmp_path / "m")]
    assert CliRunner().invoke(app, arguments).exit_code == 0
    po = tmp_path / "locales" / "en" / "r.po"
    text = po.read_text(encoding="utf-8")
    approved = text.replace(
        'msgid "Die Studie umfasst 120 Patienten."\nmsgstr ""',
        'msgid "Die Studie umfasst 120 Patienten."\nmsgstr "The study includes 12 patients."',
    )
    assert approved != text
    po.write_text(approved, encoding="utf-8")
    failing = CliRunner().invoke(app, [*arguments, "--full"])
    assert failing.exit_code == 1, failing.output
    assert "#. qa error [numbers]" in po.read_text(encoding="utf-8")
    muted = po.read_text(encoding="utf-8").replace("#. type", "# qa-ignore: numbers\n#. type", 1)
    po.write_text(muted, encoding="utf-8")
    result = CliRunner().invoke(app, [*arguments, "--full"])
    assert result.exit_code == 0, result.output
    written = po.read_text(encoding="utf-8")
    assert "# qa-ignore: numbers" in written
    assert "#. qa muted error [numbers]" in written
