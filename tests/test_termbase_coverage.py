"""Coverage of the shipped radiology termbase (issue 15, part 3): size, languages, sources,
genders, the concepts radiology press releases need, and the radiological societies."""

from __future__ import annotations

import re

import pytest

from pipeline.glossary.csvio import load_glossary, read_table
from pipeline.glossary.maintain import builtin_termbase
from pipeline.glossary.match import Matcher
from pipeline.glossary.model import GENDER_PREFIX, GENDERS, SOURCE_LANGUAGE, Concept, Termbase

LANGUAGES = ("de", "en", "fr", "es", "it")
SOURCE = re.compile(r"\bsource: *\S")
# a row without a term in some language says why: "no fr term: …"
NO_TERM = re.compile(r"\bno (?:en|fr|es|it) term\b")


@pytest.fixture(scope="module")
def termbase() -> Termbase:
    return load_glossary(builtin_termbase())


def german_terms(termbase: Termbase) -> dict[str, Concept]:
    return {
        term.text.casefold(): concept
        for concept in termbase.concepts
        for term in concept.source_terms
    }


def test_at_least_600_concepts(termbase: Termbase) -> None:
    assert len(termbase.concepts) >= 600


def test_every_concept_has_five_languages_or_says_why(termbase: Termbase) -> None:
    missing = []
    for concept in termbase.concepts:
        absent = [lang for lang in LANGUAGES if not concept.terms.get(lang)]
        if SOURCE_LANGUAGE in absent:
            missing.append((concept.id, "de"))
        elif concept.dnt:
            # kept in German in every language: the note says what it is and why it is kept
            if not concept.note.strip():
                missing.append((concept.id, "dnt without a note"))
        elif absent and not NO_TERM.search(concept.note):
            missing.append((concept.id, ",".join(absent)))
    assert missing == []


def test_every_concept_names_a_source(termbase: Termbase) -> None:
    assert [c.id for c in termbase.concepts if not SOURCE.search(c.note)] == []


def test_genders_are_m_or_f(termbase: Termbase) -> None:
    for concept in termbase.concepts:
        for language, terms in concept.terms.items():
            for term in terms:
                assert term.gender in (None, *GENDERS), (concept.id, language, term)
    table = read_table(builtin_termbase())
    for row in table.rows:
        for column, cell in row.cells.items():
            if column.startswith(GENDER_PREFIX) and cell.strip():
                assert set(cell.split("|")) <= set(GENDERS), (row.line, column, cell)


KEY_TERMS = [
    # devices
    "CT-Scanner", "Computertomograph", "MRT-Gerät", "Magnetresonanztomograph", "Ultraschallgerät",
    "Angiographieanlage", "PET/CT-Scanner", "Mammographiegerät", "Detektor", "Gantry", "Spule",
    "Kontrastmittelinjektor",
    # acquisition, reconstruction, reading
    "Schichtdicke", "iterative Rekonstruktion", "Befundung", "Zweitbefundung", "Bildarchiv", "PACS",
    "RIS", "DICOM", "Artefakt",
    # neuroradiology and vascular interventions
    "Thrombektomie", "Schlaganfall", "Aneurysma", "Coiling", "Stent", "Embolisation", "TIPS",
    # oncology and screening
    "Früherkennung", "Mammographie-Screening", "Lungenkrebsfrüherkennung", "Tumorboard",
    "Metastase", "Staging",
    # cardiac, paediatric, prenatal, trauma
    "Kardio-MRT", "Kinderradiologie", "fetale MRT", "Schockraum", "Polytrauma",
    # patient experience and safety
    "Strahlenschutz", "Strahlendosis", "diagnostischer Referenzwert", "Patientenaufklärung",
    "Kontrastmittelallergie", "Klaustrophobie",
    # health systems DE/AT/CH
    "Krankenkasse", "Kassenärztliche Bundesvereinigung", "Gemeinsamer Bundesausschuss",
    "Bundesamt für Strahlenschutz", "Bundesamt für Gesundheit", "BAG",
    "Österreichische Gesundheitskasse", "ÖGK", "Universitätsklinikum", "Kantonsspital",
    # research and congress
    "Kongress", "Abstract", "Studie", "randomisierte kontrollierte Studie", "Fallzahl",
    "Sensitivität", "Spezifität", "Forschungsförderung", "Drittmittel",
    # AI in medicine
    "Deep Learning", "neuronales Netz", "Trainingsdaten", "Algorithmus", "Validierung",
    "Medizinprodukt", "CE-Kennzeichnung",
]  # fmt: skip

# Swiss and Austrian variants are variants of the same concept as the German word
REGIONAL_VARIANTS = [
    ("Universitätsspital", "Universitätsklinikum"),
    ("Spital", "Krankenhaus"),
    ("Krankenanstalt", "Krankenhaus"),
    ("Spezialarzt", "Facharzt"),
    ("Primararzt", "Chefarzt"),
    ("Notfallstation", "Notaufnahme"),
    ("MRI", "MRT"),
]


def test_key_concepts_are_present(termbase: Termbase) -> None:
    terms = german_terms(termbase)
    assert len(KEY_TERMS) >= 40
    assert [term for term in KEY_TERMS if term.casefold() not in terms] == []


@pytest.mark.parametrize(("regional", "german"), REGIONAL_VARIANTS)
def test_swiss_and_austrian_variants_share_the_concept(
    termbase: Termbase, regional: str, german: str
) -> None:
    terms = german_terms(termbase)
    assert terms[regional.casefold()].id == terms[german.casefold()].id


# acronym → (German term of the society's name, its official English name)
SOCIETIES = {
    "DRG": ("Deutsche Röntgengesellschaft", "German Roentgen Society"),
    "ÖRG": ("Österreichische Röntgengesellschaft", "Austrian Roentgen Society"),
    "SGR-SSR": ("Schweizerische Gesellschaft für Radiologie", "Swiss Society of Radiology"),
    "ESR": ("European Society of Radiology", "European Society of Radiology"),
    "ECR": ("European Congress of Radiology", "European Congress of Radiology"),
    "RSNA": ("Radiological Society of North America", "Radiological Society of North America"),
    "CIRSE": ("Cardiovascular and Interventional Radiological Society of Europe",
              "Cardiovascular and Interventional Radiological Society of Europe"),
    "ESGAR": ("European Society of Gastrointestinal and Abdominal Radiology",
              "European Society of Gastrointestinal and Abdominal Radiology"),
    "ESNR": ("European Society of Neuroradiology", "European Society of Neuroradiology"),
    "ESPR": ("European Society of Paediatric Radiology",
             "European Society of Paediatric Radiology"),
    "ESC": ("European Society of Cardiology", "European Society of Cardiology"),
    "EANM": ("European Association of Nuclear Medicine",
             "European Association of Nuclear Medicine"),
    "DGN": ("Deutsche Gesellschaft für Nuklearmedizin", "German Society of Nuclear Medicine"),
    "DeGIR": ("Deutsche Gesellschaft für Interventionelle Radiologie und minimal-invasive Therapie",
              "German Society for Interventional Radiology and Minimally Invasive Therapy"),
    "DGNR": ("Deutsche Gesellschaft für Neuroradiologie", "German Society of Neuroradiology"),
    "BDR": ("Berufsverband der Deutschen Radiologen",
            "Professional Association of German Radiologists"),
    "ISMRM": ("International Society for Magnetic Resonance in Medicine",
              "International Society for Magnetic Resonance in Medicine"),
    "ACR": ("American College of Radiology", "American College of Radiology"),
}  # fmt: skip


@pytest.mark.parametrize("acronym", sorted(SOCIETIES))
def test_societies_with_acronyms_and_english_names(termbase: Termbase, acronym: str) -> None:
    terms = german_terms(termbase)
    name, english = SOCIETIES[acronym]
    abbreviation = terms[acronym.casefold()]
    assert abbreviation.dnt and abbreviation.case_sensitive  # kept as written, like the DRG
    assert abbreviation.source_terms[0].text == acronym
    society = terms[name.casefold()]
    assert society.case_sensitive and society.id != abbreviation.id
    if society.dnt:  # an English official name, kept in every language
        assert name == english
    else:
        assert english in [t.text for t in society.terms["en"]]
        assert all(society.terms.get(lang) for lang in LANGUAGES)


def test_society_name_and_acronym_are_found_in_a_sentence(termbase: Termbase) -> None:
    matcher = Matcher(termbase)
    text = (
        "Die European Society of Radiology (ESR) und die Österreichische Röntgengesellschaft "
        "(ÖRG) laden zum ECR nach Wien ein."
    )
    found = [hit.concept for hit in matcher.find(text)]
    assert found[:4] == [
        "european-society-of-radiology",
        "esr",
        "oesterreichische-roentgengesellschaft",
        "oerg",
    ]
    assert "ecr" in found


@pytest.mark.parametrize(
    ("sentence", "concept", "found"),
    [
        ("Wilhelm Conrad Röntgen entdeckte 1895 eine neue Art von Strahlen.", "roentgen", False),
        ("Röntgens Entdeckung veränderte die Medizin.", "roentgen", False),
        ("Das Röntgen der Lunge dauert wenige Minuten.", "roentgen", True),
        ("Bitte schreiben Sie an: Musterstraße 1, 51109 Köln.", "koeln", False),
        ("Der Kongress findet in Köln statt.", "koeln", True),
        ("Das Verfahren hat sich in der klinischen Praxis bewährt.", "praxis", False),
    ],
)
def test_the_shipped_senses_exclude_other_meanings(
    termbase: Termbase, sentence: str, concept: str, found: bool
) -> None:
    assert (concept in {hit.concept for hit in Matcher(termbase).find(sentence)}) is found


def test_french_spanish_and_italian_nouns_have_their_gender(termbase: Termbase) -> None:
    gendered = [c for c in termbase.concepts if c.gender("fr") and c.gender("es")]
    assert len(gendered) >= 400
    assert termbase.get("roentgenaufnahme") is not None
