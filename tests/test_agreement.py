"""The words before an inserted term agree with it (issue 14, part 7).

Each case is a sentence with the term in brackets ``[…]``: the text as the model left it
around the inserted term, and the text as it must come out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.document import parse_document
from pipeline.errors import InputError
from pipeline.glossary.agreement import agree, agree_before, agree_span, apostrophe_of
from pipeline.glossary.csvio import load_glossary, read_glossary, write_table_text
from pipeline.glossary.enforce import find_terms
from pipeline.glossary.match import Matcher
from pipeline.glossary.model import Concept, Term
from pipeline.glossary.tbx import export_tbx, import_tbx
from pipeline.mt.engine import DecodingOptions, Engine
from pipeline.mt.protect import TermText, mask, restore
from pipeline.mt.translate import mask_segment, translate_segments
from pipeline.segment import Segment, segment_document


def run(case: str, language: str, gender: str | None = None) -> str:
    """Apply agreement to the bracketed term of ``case``; the result with the brackets."""
    start = case.index("[")
    end = case.index("]") - 1
    text = case.replace("[", "").replace("]", "")
    agreed, new_start, new_end = agree_span(text, start, end, language, gender)
    assert agreed[new_start:new_end] == text[start:end]  # the term itself is untouched
    assert agreed[new_end:] == text[end:]  # and so is everything after it
    return agreed[:new_start] + "[" + agreed[new_start:new_end] + "]" + agreed[new_end:]


# --- English ------------------------------------------------------------------------

ENGLISH = [
    ("The patient had a [MRI] yesterday.", "The patient had an [MRI] yesterday."),
    ("We ordered a [X-ray] of the wrist.", "We ordered an [X-ray] of the wrist."),
    ("She needed an [CT scan] of the chest.", "She needed a [CT scan] of the chest."),
    ("The scan took a [hour] at most.", "The scan took an [hour] at most."),
    ("It was an [university] hospital.", "It was a [university] hospital."),
    ("They joined an [European] registry.", "They joined a [European] registry."),
    ("The clinic bought a [AI system] last year.", "The clinic bought an [AI system] last year."),
    ("Doctors ordered a [MR scan] for her.", "Doctors ordered an [MR scan] for her."),
    ("It was an [US study] from 2023.", "It was a [US study] from 2023."),
    ("A [MRI] showed no lesion.", "An [MRI] showed no lesion."),
    ("An [CT scan] followed.", "A [CT scan] followed."),
    ("Results: A [MRI] was done.", "Results: An [MRI] was done."),
    ("He reported an [SPECT] finding.", "He reported a [SPECT] finding."),
    ("The team ran a [fMRI] experiment.", "The team ran an [fMRI] experiment."),
    ("A [18F-FDG PET] scan", "An [18F-FDG PET] scan"),
    ("with a [8-channel] coil", "with an [8-channel] coil"),
    ("It is a [ultrasound] probe.", "It is an [ultrasound] probe."),
    ("It is an [urine] test.", "It is a [urine] test."),
    ("An [one-off] payment", "A [one-off] payment"),
    ("a [honest] answer", "an [honest] answer"),
    ("an [hospital] stay", "a [hospital] stay"),
    ("a [MRSA] screening", "an [MRSA] screening"),
    ("We saw [MRI] findings.", "We saw [MRI] findings."),  # no article
    ("The data [MRI] set", "The data [MRI] set"),  # a word ending in "a" is no article
    ("Vitamin A [MRI] markers", "Vitamin A [MRI] markers"),  # a capital A inside a sentence
    ("Nova [MRI] systems", "Nova [MRI] systems"),
    ("an\u00a0[CT scan]", "a\u00a0[CT scan]"),  # the space is kept as it was
]


@pytest.mark.parametrize(("before", "after"), ENGLISH)
def test_english_a_and_an(before: str, after: str) -> None:
    assert run(before, "en") == after


# --- French -------------------------------------------------------------------------

FRENCH = [
    ("Le patient passe le [IRM] demain.", None, "Le patient passe l'[IRM] demain."),
    ("Le [IRM] est prévue.", None, "L'[IRM] est prévue."),
    ("Il parle de la [échographie].", None, "Il parle de l'[échographie]."),
    ("Les résultats de [IRM] sont bons.", None, "Les résultats d'[IRM] sont bons."),
    ("Plus rapide que [IRM] seule.", None, "Plus rapide qu'[IRM] seule."),
    ("Il a fallu une heure à la [hôpital].", None, "Il a fallu une heure à l'[hôpital]."),
    ("Il sort du [hôpital].", None, "Il sort de l'[hôpital]."),
    ("On l’a vu sur la [échographie].", None, "On l’a vu sur l’[échographie]."),  # ’
    ("Il a mal à l'[hanche].", "f", "Il a mal à la [hanche]."),  # h aspiré
    ("Il a mal à la [hanche].", None, "Il a mal à la [hanche]."),
    ("Il a mal à l'[hanche].", None, "Il a mal à l'[hanche]."),  # no gender: no guess
    ("Le médecin lit l'[scanner].", "m", "Le médecin lit le [scanner]."),
    ("Le médecin lit l’[radiographie].", "f", "Le médecin lit la [radiographie]."),
    ("On discute d'[scanner].", None, "On discute de [scanner]."),
    ("Il demande un [IRM].", "f", "Il demande une [IRM]."),
    ("Il demande une [examen].", "m", "Il demande un [examen]."),
    ("Le prix de la [scanner] baisse.", "m", "Le prix du [scanner] baisse."),
    ("Le prix du [radiographie] baisse.", "f", "Le prix de la [radiographie] baisse."),
    ("Il pense au [radiographie].", "f", "Il pense à la [radiographie]."),
    ("Il pense à la [scanner].", "m", "Il pense au [scanner]."),
    ("Il pense à l'[scanner].", "m", "Il pense au [scanner]."),
    ("Ce [examen] dure.", None, "Cet [examen] dure."),
    ("Cet [scanner] dure.", None, "Ce [scanner] dure."),
    ("Ce [IRM] dure.", "f", "Cette [IRM] dure."),
    ("Sa [IRM] est prête.", None, "Son [IRM] est prête."),
    ("Je [irradie] peu.", None, "J'[irradie] peu."),
    ("Isabelle [IRM] est là.", "f", "Isabelle [IRM] est là."),  # ends like "elle", "le"
    ("Une ole [IRM]", None, "Une ole [IRM]"),  # "ole" ends like "le"
    ("Il passe [IRM] demain.", "f", "Il passe [IRM] demain."),  # no article
    ("L'hôpital de La [Pitié] ferme.", "f", "L'hôpital de La [Pitié] ferme."),  # a name
    ("Il mesure le [hile] du poumon.", None, "Il mesure le [hile] du poumon."),  # h aspiré
    ("l' [IRM]", None, "l'[IRM]"),  # a space after an apostrophe goes
    ("Il vient d'[Hambourg].", None, "Il vient de [Hambourg]."),
    ("Il vient de [Hambourg].", None, "Il vient de [Hambourg]."),
    ("Il pense à le [yttrium].", None, "Il pense à l'[yttrium]."),
    ("Il fait le [yoga].", None, "Il fait le [yoga]."),
]


@pytest.mark.parametrize(("before", "gender", "after"), FRENCH)
def test_french_elision_and_gender(before: str, gender: str | None, after: str) -> None:
    assert run(before, "fr", gender) == after


def test_french_acronyms_by_their_first_letter() -> None:
    assert run("Il lit la [RMN].", "fr") == "Il lit la [RMN]."
    assert run("Il lit la [ONU].", "fr") == "Il lit l'[ONU]."
    assert run("Il lit le [CHU].", "fr") == "Il lit le [CHU]."


# --- Italian ------------------------------------------------------------------------

ITALIAN = [
    ("Il paziente fa la [ecografia] oggi.", None, "Il paziente fa l'[ecografia] oggi."),
    ("Lo [esame] è pronto.", None, "L'[esame] è pronto."),
    ("Il [esame] è pronto.", None, "L'[esame] è pronto."),
    ("Il [scanner] è nuovo.", None, "Lo [scanner] è nuovo."),
    ("Lo [referto] è pronto.", None, "Il [referto] è pronto."),
    ("Il [pneumotorace] è piccolo.", None, "Lo [pneumotorace] è piccolo."),
    ("Il [iodio] serve.", None, "Lo [iodio] serve."),
    ("Il [zigomo] è rotto.", None, "Lo [zigomo] è rotto."),
    ("Serve una [ecografia].", None, "Serve un'[ecografia]."),
    ("Serve un'[radiografia].", None, "Serve una [radiografia]."),
    ("Serve un [scanner].", None, "Serve uno [scanner]."),
    ("Serve uno [referto].", None, "Serve un [referto]."),
    ("Serve uno [esame].", None, "Serve un [esame]."),
    ("Il costo della [esame] sale.", "m", "Il costo dell'[esame] sale."),
    ("Il costo del [ecografia] sale.", None, "Il costo dell'[ecografia] sale."),
    ("Il costo del [scanner] sale.", None, "Il costo dello [scanner] sale."),
    ("Il costo dell’[tomografia] sale.", "f", "Il costo della [tomografia] sale."),
    ("Il costo dell'[scanner] sale.", "m", "Il costo dello [scanner] sale."),
    ("Il costo dell'[referto] sale.", None, "Il costo dell'[referto] sale."),  # no guess
    ("Parla nel [ecografia].", None, "Parla nell'[ecografia]."),
    ("Parla sul [studio].", None, "Parla sullo [studio]."),
    ("Parla alla [scanner].", "m", "Parla allo [scanner]."),
    ("La [scanner] è nuovo.", "m", "Lo [scanner] è nuovo."),
    ("Il [TC] è pronta.", "f", "La [TC] è pronta."),
    ("L'[RM] è pronta.", "f", "La [RM] è pronta."),  # an acronym by its letter
    ("I [esami] sono pronti.", None, "Gli [esami] sono pronti."),
    ("Gli [referti] sono pronti.", None, "I [referti] sono pronti."),
    ("Le [referti] sono pronti.", "m", "I [referti] sono pronti."),
    ("Quel [esame] è lungo.", None, "Quell'[esame] è lungo."),
    ("Paola [esame] pronto", "m", "Paola [esame] pronto"),  # ends like "la"
    ("Ha fatto [ecografia] ieri.", "f", "Ha fatto [ecografia] ieri."),  # no article
]


@pytest.mark.parametrize(("before", "gender", "after"), ITALIAN)
def test_italian_elision_lo_and_gender(before: str, gender: str | None, after: str) -> None:
    assert run(before, "it", gender) == after


# --- Spanish ------------------------------------------------------------------------

SPANISH = [
    ("La imagen de el [escáner] es nítida.", None, "La imagen del [escáner] es nítida."),
    ("Vamos a el [hospital] hoy.", None, "Vamos al [hospital] hoy."),
    ("De el [informe] se deduce.", None, "Del [informe] se deduce."),
    ("A el [paciente] le duele.", None, "Al [paciente] le duele."),
    ("Vamos al [resonancia] hoy.", "f", "Vamos a la [resonancia] hoy."),
    ("La imagen del [tomografía] es nítida.", "f", "La imagen de la [tomografía] es nítida."),
    ("La imagen de la [escáner] es nítida.", "m", "La imagen del [escáner] es nítida."),
    ("El [ecografía] muestra.", "f", "La [ecografía] muestra."),
    ("La [escáner] muestra.", "m", "El [escáner] muestra."),
    ("Pidió un [ecografía].", "f", "Pidió una [ecografía]."),
    ("Pidió una [TAC] urgente.", "m", "Pidió un [TAC] urgente."),
    ("Mide la [área] afectada.", None, "Mide el [área] afectada."),
    ("Mide de la [área] afectada.", "f", "Mide del [área] afectada."),
    ("Los [ecografías] muestran.", "f", "Las [ecografías] muestran."),
    ("Riñón y [hígado] sanos.", None, "Riñón e [hígado] sanos."),
    ("Agua y [hierro] bajos.", None, "Agua y [hierro] bajos."),
    ("Siete o [ocho] lesiones.", None, "Siete u [ocho] lesiones."),
    ("Viaja a [El Salvador] pronto.", None, "Viaja a [El Salvador] pronto."),
    ("Vive en la capital de El [Salvador].", "m", "Vive en la capital de El [Salvador]."),
    ("Manuela [escáner] nuevo", "m", "Manuela [escáner] nuevo"),  # ends like "la"
    ("Usa [resonancia] magnética.", "f", "Usa [resonancia] magnética."),  # no article
]


@pytest.mark.parametrize(("before", "gender", "after"), SPANISH)
def test_spanish_contractions_and_gender(before: str, gender: str | None, after: str) -> None:
    assert run(before, "es", gender) == after


# --- The API ------------------------------------------------------------------------


def test_agree_returns_the_text_and_agree_span_the_new_position() -> None:
    text = "Il passe le IRM demain."
    start = text.index("IRM")
    assert agree(text, start, start + 3, "fr") == "Il passe l'IRM demain."
    assert agree_span(text, start, start + 3, "fr") == ("Il passe l'IRM demain.", 11, 14)


def test_the_apostrophe_is_the_one_the_text_uses() -> None:
    assert apostrophe_of("Il l’a dit") == "’"
    assert apostrophe_of("Il l'a dit") == "'"
    assert apostrophe_of("Il le dit") == "'"
    text = "Aujourd’hui le IRM"
    assert agree(text, 15, 18, "fr") == "Aujourd’hui l’IRM"
    assert agree_before("le ", "IRM", "fr", apostrophe="’") == "l’"


def test_other_languages_and_empty_terms_are_left_alone() -> None:
    assert agree("Die IRM", 4, 7, "de") == "Die IRM"
    assert agree("le ", 3, 3, "fr") == "le "
    assert agree("a MRI", 2, 5, "en-GB") == "an MRI"
    assert agree("le IRM", 3, 6, "fr-CA") == "l'IRM"


def test_bad_gender_and_span_are_errors() -> None:
    with pytest.raises(ValueError, match="gender"):
        agree("le IRM", 3, 6, "fr", "n")
    with pytest.raises(ValueError, match="outside"):
        agree("le IRM", 3, 9, "fr")


def test_uppercase_articles_stay_uppercase() -> None:
    assert run("RÉSULTATS : LE [IRM]", "fr") == "RÉSULTATS : L'[IRM]"
    assert run("DE LA [scanner]", "fr", "m") == "DU [scanner]"


def test_agreement_looks_only_at_the_end_of_a_long_text() -> None:
    text = "x " * 200_000 + "a MRI"
    assert agree(text, len(text) - 3, len(text), "en").endswith(" an MRI")


# --- Restoring placeholders ---------------------------------------------------------


def test_restore_makes_the_article_before_a_term_agree() -> None:
    text = "Wir machen ein MRT und dann eine CT."
    spans = [(15, 18), (33, 35)]
    terms = {(15, 18): TermText("MRI", "en"), (33, 35): TermText("CT scan", "en")}
    masked = mask(text, spans, terms)
    restored = restore(masked, "We do a ⟦1⟧ and then an ⟦2⟧.")
    assert restored.ok
    assert restored.text == "We do an MRI and then a CT scan."


def test_restore_uses_the_gender_and_the_text_apostrophe() -> None:
    masked = mask("das MRT", [(4, 7)], {(4, 7): TermText("IRM", "fr", "f")})
    assert restore(masked, "Aujourd’hui, le ⟦1⟧.").text == "Aujourd’hui, l’IRM."
    masked = mask("der Scanner", [(4, 11)], {(4, 11): TermText("scanner", "fr", "m")})
    assert restore(masked, "On parle de la ⟦1⟧.").text == "On parle du scanner."
    assert restore(masked, "L'⟦1⟧ est neuf.").text == "Le scanner est neuf."


def test_restore_never_changes_a_restored_text_or_plain_placeholders() -> None:
    masked = mask(
        "x y z",
        [(0, 1), (2, 3), (4, 5)],
        {(0, 1): "Centre de la", (2, 3): TermText("scanner", "fr", "m")},
    )
    # ⟦1⟧ is no term: its "la" is not the model's and stays; ⟦3⟧ is no term at all
    assert restore(masked, "⟦1⟧ ⟦2⟧ a ⟦3⟧").text == "Centre de la scanner a z"
    plain = mask("ein MRT", [(4, 7)], {(4, 7): "MRI"})
    assert restore(plain, "a ⟦1⟧").text == "a MRI"  # a plain string: no agreement


def test_a_capital_article_after_a_restored_word_is_no_sentence_start() -> None:
    masked = mask(
        "x y", [(0, 1), (2, 3)], {(0, 1): "Vitamin", (2, 3): TermText("MRI marker", "en")}
    )
    assert restore(masked, "⟦1⟧ A ⟦2⟧").text == "Vitamin A MRI marker"
    assert restore(masked, "⟦1⟧. A ⟦2⟧").text == "Vitamin. An MRI marker"


def test_an_opening_term_is_still_capitalised() -> None:
    masked = mask("MRT", [(0, 3)], {(0, 3): TermText("échographie", "fr", "f")})
    assert restore(masked, "⟦1⟧ est prête.", {1: True}).text == "Échographie est prête."


def test_term_text_is_a_plain_string_elsewhere() -> None:
    term = TermText("IRM", "fr", "f")
    assert term == "IRM" and hash(term) == hash("IRM") and f"{term}" == "IRM"
    assert (term.language, term.gender) == ("fr", "f")
    import json
    import pickle

    assert json.dumps({"target": term}) == '{"target": "IRM"}'
    again = pickle.loads(pickle.dumps(term))
    assert again == "IRM" and again.gender == "f"


# --- The glossary's gender columns -------------------------------------------------

GENDERED = (
    "id,de,en,fr,es,it,dnt,case_sensitive,pos,note,gender_fr,gender_es,gender_it\n"
    "mrt,MRT,MRI,IRM,RM,RM,,yes,abbr,,f,f,f\n"
    "ct,CT,CT scan,scanner|tomodensitométrie,TAC,TC,,yes,abbr,,m|f,m,f\n"
    "befund,Befund,finding,résultat,hallazgo,reperto,,,noun,,,,\n"
)


def write(tmp_path: Path, text: str, name: str = "g.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_gender_columns_are_read_onto_the_terms(tmp_path: Path) -> None:
    termbase = load_glossary(write(tmp_path, GENDERED))
    mrt, ct, befund = termbase.concepts
    assert mrt.gender("fr") == "f" and mrt.gender("es") == "f" and mrt.gender("it") == "f"
    assert [t.gender for t in ct.terms["fr"]] == ["m", "f"]
    assert ct.gender("fr") == "m" and ct.gender("it") == "f"
    assert befund.gender("fr") is None and befund.gender("en") is None
    assert Term.parse("IRM").gender is None


def test_gender_columns_are_written_back_unchanged(tmp_path: Path) -> None:
    termbase = load_glossary(write(tmp_path, GENDERED))
    assert write_table_text(termbase, columns=tuple(GENDERED.split("\n")[0].split(","))) == (
        GENDERED
    )
    # without given columns the gender columns come last, only for languages that use them
    header = write_table_text(termbase).split("\n")[0]
    assert header.endswith("note,gender_fr,gender_es,gender_it")
    again = write(tmp_path, write_table_text(termbase), "again.csv")
    assert write_table_text(load_glossary(again)) == write_table_text(termbase)


def test_a_glossary_without_gender_columns_gets_none(tmp_path: Path) -> None:
    plain = "id,de,fr,dnt,case_sensitive,pos,note\nmrt,MRT,IRM,,,,\n"
    termbase = load_glossary(write(tmp_path, plain))
    assert termbase.concepts[0].gender("fr") is None
    assert write_table_text(termbase, columns=tuple(plain.split("\n")[0].split(","))) == plain


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("x", "gender_fr of 'mrt' is 'x'"),
        ("M", "gender_fr of 'mrt' is 'M'"),
        ("masculin", "gender_fr of 'mrt' is 'masculin'"),
        ("m|f", "gender_fr of 'mrt' has 2 values for 1 fr terms"),
    ],
)
def test_a_bad_gender_is_an_error_naming_the_row(tmp_path: Path, cell: str, message: str) -> None:
    text = f"id,de,fr,gender_fr\nbefund,Befund,résultat,m\nmrt,MRT,IRM,{cell}\n"
    with pytest.raises(InputError) as error:
        load_glossary(write(tmp_path, text))
    assert message in str(error.value)
    assert "line 3" in str(error.value)


def test_a_gender_without_a_term_is_a_warning(tmp_path: Path) -> None:
    text = "id,de,fr,gender_fr\nmrt,MRT,,f\n"
    termbase, problems = read_glossary(write(tmp_path, text))
    assert [(p.severity, p.line) for p in problems if "gender_fr" in p.message] == [("warning", 2)]
    assert termbase.concepts[0].gender("fr") is None


def test_a_gender_column_for_an_unknown_language_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown column 'gender_french'"):
        load_glossary(write(tmp_path, "id,de,fr,gender_french\nmrt,MRT,IRM,f\n"))


def test_tbx_carries_the_gender_as_grammatical_gender(tmp_path: Path) -> None:
    termbase = load_glossary(write(tmp_path, GENDERED))
    tbx = export_tbx(termbase)
    assert b'<termNote type="grammaticalGender">feminine</termNote>' in tbx
    path = tmp_path / "g.tbx"
    path.write_bytes(tbx)
    back = import_tbx(path)
    assert back.get("mrt").gender("fr") == termbase.get("mrt").gender("fr")  # type: ignore[union-attr]
    assert back.get("ct").terms["fr"] == termbase.get("ct").terms["fr"]  # type: ignore[union-attr]


def test_dnt_concepts_have_no_gender() -> None:
    concept = Concept("charite", {"de": (Term("Charité"),), "fr": (Term("Charité", None, "f"),)})
    assert concept.gender("fr") == "f"
    dnt = Concept("charite", concept.terms, dnt=True)
    assert dnt.gender("fr") is None


# --- Through enforcement and the real engine ---------------------------------------


def segments(*paragraphs: str) -> list[Segment]:
    source = "\n\n".join(paragraphs) + "\n"
    return list(
        segment_document(parse_document(source.encode(), Path("r.md"), "markdown")).segments
    )


def test_planned_terms_carry_language_and_gender(tmp_path: Path) -> None:
    matcher = Matcher(load_glossary(write(tmp_path, GENDERED)))
    [segment] = segments("Das MRT und der Befund.")
    spans = find_terms(segment.text, matcher, "fr")
    targets = {span.concept: span.target for span in spans}
    assert isinstance(targets["mrt"], TermText)
    assert (targets["mrt"].language, targets["mrt"].gender) == ("fr", "f")  # type: ignore[union-attr]
    assert targets["befund"].gender is None  # type: ignore[union-attr]
    prepared = mask_segment(segment, spans)
    assert restore(prepared.masked, "Le ⟦1⟧ et le ⟦2⟧.").text == "L'IRM et le résultat."


ENGINE_GLOSSARY = "id,de,en,fr,gender_fr\nip,Industriepartner,{en},{fr},{gender}\n"
STUDY_GLOSSARY = "id,de,en,fr\nstudie,Studie,{en},étude\n"


@pytest.fixture(scope="module")
def engine(tiny_packages: Path) -> Engine:
    return Engine(tiny_packages, DecodingOptions())


def _word_before(text: str, term: str) -> str:
    head = text[: text.index(term)].split()
    return head[-1] if head else ""


@pytest.mark.parametrize(("en", "article"), [("MRI study", "an"), ("CT study", "a")])
def test_english_article_agrees_through_the_engine(
    engine: Engine, tmp_path: Path, en: str, article: str
) -> None:
    # The tiny model writes "presents a ⟦1⟧ study …" here (the term placed by alignment).
    matcher = Matcher(load_glossary(write(tmp_path, STUDY_GLOSSARY.format(en=en))))
    [result] = translate_segments(
        engine,
        segments("Die Klinik für Radiologie präsentiert eine Studie zur Lungenkrebsfrüherkennung."),
        "de",
        "en",
        matcher=matcher,
    )
    assert en in result.text
    assert _word_before(result.text, en) == article, (
        f"{result.text!r}: the article before {en!r} does not agree (or the engine no longer "
        "puts the term right after the model's article in this sentence)"
    )


@pytest.mark.parametrize(
    ("fr", "gender", "article"), [("scanner", "m", "un"), ("IRM", "f", "une"), ("IRM", "", "une")]
)
def test_french_article_takes_the_glossary_gender_on_the_pivot(
    engine: Engine, tmp_path: Path, fr: str, gender: str, article: str
) -> None:
    # de→en→fr: the model writes "développe une ⟦1⟧ avec" whatever the term.
    glossary = ENGINE_GLOSSARY.format(en="industry partner", fr=fr, gender=gender)
    matcher = Matcher(load_glossary(write(tmp_path, glossary)))
    [result] = translate_segments(
        engine,
        segments("Die Klinik für Radiologie arbeitet gemeinsam mit einem Industriepartner."),
        "de",
        "fr",
        matcher=matcher,
    )
    assert result.route == "de→en→fr"
    assert _word_before(result.text, fr) == article, (
        f"{result.text!r}: the article before {fr!r} does not take the glossary's gender "
        "(or the engine no longer puts the term right after the model's article here)"
    )


def test_tbx_carries_exclusions_and_closable_hyphens(tmp_path: Path) -> None:
    csv_text = (
        "id,de,en,dnt,case_sensitive,pos,note,exclude\n"
        "roentgen,Röntgen,X-ray,,,noun,,Wilhelm Conrad _|_s\n"
        "thorax,Röntgen(-)Thorax,chest X-ray,,,noun,,\n"
    )
    termbase = load_glossary(write(tmp_path, csv_text))
    path = tmp_path / "x.tbx"
    path.write_bytes(export_tbx(termbase))
    back = import_tbx(path)
    for concept_id in ("roentgen", "thorax"):
        assert back.get(concept_id).exclude == termbase.get(concept_id).exclude  # type: ignore[union-attr]
        assert back.get(concept_id).terms == termbase.get(concept_id).terms  # type: ignore[union-attr]
    assert back.get("thorax").terms["de"][0].closable  # type: ignore[union-attr]
