"""QA checks a reviewer can trust (issue 12, part 4): each class of false pass or false
alarm, with our own cases in every supported target language."""

from __future__ import annotations

import pytest

from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.enforce import MISSING, applied_terms, find_terms
from pipeline.glossary.match import Matcher
from pipeline.qa.checks import CHECKS, Context, check_pair
from pipeline.qa.report import expected_terms, target_spans
from tests.conftest import ROOT

MATCHER = Matcher(load_glossary(ROOT / "glossaries" / "radiology.csv"))


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


@pytest.mark.parametrize("repair", ["", "alignment", "retry"])
def test_po_comment_check_and_report_say_the_same(repair: str) -> None:
    for source, final, language in AGREE:
        spans = find_terms(source, MATCHER, language)
        assert spans
        numbers = {span: number for number, span in enumerate(spans, start=1)}
        output = " ".join(f"⟦{n}⟧" for n in numbers.values())  # every placeholder came through
        comment = applied_terms(spans, numbers, output, final, repair, set(numbers.values()))
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
    for repair in ("", "alignment", "retry"):
        (term,) = applied_terms(spans, numbers, "⟦1⟧ helps", "It helps with details.", repair, {1})
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
