"""TBX-Basic import and export, so CAT tools (memoQ, Trados, OmegaT, Weblate) can share terms.

Export writes the widely read TBX 2008 form (``martif`` / ``termEntry`` / ``langSet`` /
``tig``); import reads that and the TBX v3 form (``tbx`` / ``conceptEntry`` / ``langSec``
/ ``termSec``). Everything a CSV row holds survives CSV → TBX → CSV:

* variants in order, the first marked ``preferredTerm-admn-sts``, the others
  ``admittedTerm-admn-sts``; forbidden terms ``deprecatedTerm-admn-sts``;
* a plural form as the next ``tig`` with ``grammaticalNumber`` ``plural`` (its singular
  carries ``singular``);
* ``pos`` as ``partOfSpeech`` (with ``termType`` where TBX-Basic has no value for it);
* a term's grammatical gender (``gender_<lang>``) as ``grammaticalGender`` ``masculine``
  or ``feminine``;
* ``note`` as the entry's ``note``; ``dnt``, ``case_sensitive`` and ``exclude`` as notes
  of the form ``pipeline:dnt=yes`` that other tools show as plain notes, and a term whose
  hyphens may be left out (``Röntgen(-)Thorax``) with a ``pipeline:closable=yes`` note.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lxml import etree

from pipeline.errors import InputError
from pipeline.glossary.model import SOURCE_LANGUAGE, Concept, Exclusion, Term, Termbase

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFERRED = "preferredTerm-admn-sts"
ADMITTED = "admittedTerm-admn-sts"
DEPRECATED = "deprecatedTerm-admn-sts"
FLAG_PREFIX = "pipeline:"
# our pos → (TBX partOfSpeech, termType)
POS_TO_TBX = {
    "noun": ("noun", None),
    "adj": ("adjective", None),
    "verb": ("verb", None),
    "abbr": ("noun", "abbreviation"),
    "name": ("properNoun", None),
    "phrase": ("other", "phrase"),
    "title": ("other", "shortForm"),
}
TBX_TO_POS = {value: key for key, value in POS_TO_TBX.items()}
GENDER_TO_TBX = {"m": "masculine", "f": "feminine"}
TBX_TO_GENDER = {value: key for key, value in GENDER_TO_TBX.items()}


def export_tbx(termbase: Termbase) -> bytes:
    root = etree.Element("martif", type="TBX-Basic")
    root.set(XML_LANG, SOURCE_LANGUAGE)
    header = etree.SubElement(root, "martifHeader")
    description = etree.SubElement(etree.SubElement(header, "fileDesc"), "sourceDesc")
    etree.SubElement(description, "p").text = "Exported by the release pipeline"
    encoding = etree.SubElement(header, "encodingDesc")
    etree.SubElement(encoding, "p", type="XCSURI").text = "TBXBasicXCSV02.xcs"
    body = etree.SubElement(etree.SubElement(root, "text"), "body")
    for concept in termbase.concepts:
        body.append(_entry(concept))
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _entry(concept: Concept) -> etree._Element:
    entry = etree.Element("termEntry", id=_xml_id(concept.id))
    if concept.note:
        etree.SubElement(entry, "note").text = concept.note
    for flag, value in (("dnt", concept.dnt), ("case_sensitive", concept.case_sensitive)):
        if value:
            etree.SubElement(entry, "note").text = f"{FLAG_PREFIX}{flag}=yes"
    if concept.pos and concept.pos not in POS_TO_TBX:
        etree.SubElement(entry, "note").text = f"{FLAG_PREFIX}pos={concept.pos}"
    if concept.exclude:
        contexts = "|".join(exclusion.format() for exclusion in concept.exclude)
        etree.SubElement(entry, "note").text = f"{FLAG_PREFIX}exclude={contexts}"
    languages = list(concept.terms) + [
        lang for lang in concept.forbidden if lang not in concept.terms
    ]
    for language in languages:
        lang_set = etree.SubElement(entry, "langSet")
        lang_set.set(XML_LANG, language)
        for index, term in enumerate(concept.terms.get(language, ())):
            status = PREFERRED if index == 0 else ADMITTED
            number = "singular" if term.plural else None
            _tig(lang_set, term.text, concept.pos, status, number, term)
            if term.plural:
                _tig(lang_set, term.plural, concept.pos, status, "plural", term)
        for forbidden in concept.forbidden.get(language, ()):
            _tig(lang_set, forbidden, concept.pos, DEPRECATED, None)
    return entry


def _tig(
    parent: etree._Element,
    text: str,
    pos: str,
    status: str,
    number: str | None,
    term: Term | None = None,
) -> None:
    tig = etree.SubElement(parent, "tig")
    etree.SubElement(tig, "term").text = text
    part, term_type = POS_TO_TBX.get(pos, (None, None))
    if part:
        etree.SubElement(tig, "termNote", type="partOfSpeech").text = part
    if term_type:
        etree.SubElement(tig, "termNote", type="termType").text = term_type
    if number:
        etree.SubElement(tig, "termNote", type="grammaticalNumber").text = number
    if term is not None and term.gender in GENDER_TO_TBX:
        etree.SubElement(tig, "termNote", type="grammaticalGender").text = GENDER_TO_TBX[
            term.gender
        ]
    etree.SubElement(tig, "termNote", type="administrativeStatus").text = status
    if term is not None and term.closable:
        etree.SubElement(tig, "note").text = f"{FLAG_PREFIX}closable=yes"


def _xml_id(concept_id: str) -> str:
    """TBX ids are XML ids, which cannot start with a digit."""
    return concept_id if concept_id[:1].isalpha() or concept_id[:1] == "_" else f"c-{concept_id}"


def _concept_id(xml_id: str) -> str:
    return xml_id[2:] if xml_id.startswith("c-") and xml_id[2:3].isdigit() else xml_id


# ---------------------------------------------------------------------------
# Import


def import_tbx(path: Path) -> Termbase:
    """A termbase from a TBX file (2008 ``martif`` or v3 ``tbx``)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.parse(str(path), parser).getroot()
    except (etree.XMLSyntaxError, OSError) as error:
        line = getattr(error, "lineno", None)
        raise InputError(
            f"not a readable TBX file ({error})",
            path=path,
            where=f"line {line}" if line else None,
            fix="export the termbase again as TBX (TBX-Basic)",
        ) from None
    concepts = []
    for number, entry in enumerate(_elements(root, "termEntry", "conceptEntry"), start=1):
        concepts.append(_concept(entry, path, number))
    if not concepts and _local(root.tag) not in ("martif", "tbx"):
        raise InputError(
            f"the root element is <{_local(root.tag)}>, not <martif> or <tbx>",
            path=path,
            fix="pass a TBX file",
        )
    return Termbase(tuple(concepts), (Path(path),))


def _concept(entry: etree._Element, path: Path, number: int) -> Concept:
    concept_id = _concept_id(entry.get("id") or f"entry-{number}")
    notes, flags = [], {}
    for note in _children(entry, "note"):
        text = (note.text or "").strip()
        if text.startswith(FLAG_PREFIX) and "=" in text:
            key, _, value = text[len(FLAG_PREFIX) :].partition("=")
            flags[key] = value
        elif text:
            notes.append(text)
    terms: dict[str, tuple[Term, ...]] = {}
    forbidden: dict[str, tuple[str, ...]] = {}
    pos = flags.get("pos", "")
    for lang_set in _children(entry, "langSet", "langSec"):
        language = lang_set.get(XML_LANG) or lang_set.get("lang") or ""
        if not language:
            raise InputError(
                f"a language section of entry {concept_id!r} has no xml:lang",
                path=path,
                where=f"line {lang_set.sourceline}",
            )
        allowed: list[Term] = []
        banned: list[str] = []
        last = -1  # index in ``allowed`` of the term a plural belongs to
        for tig in _children(lang_set, "tig", "termSec", "ntig"):
            term_element = next(iter(_elements(tig, "term")), None)
            if term_element is None or not "".join(term_element.itertext()).strip():
                continue
            text = "".join(term_element.itertext()).strip()
            notes_of = {
                note.get("type"): (note.text or "").strip() for note in _elements(tig, "termNote")
            }
            pos = pos or TBX_TO_POS.get(
                (notes_of.get("partOfSpeech"), notes_of.get("termType")),
                TBX_TO_POS.get((notes_of.get("partOfSpeech"), None), ""),
            )
            status = notes_of.get("administrativeStatus", "")
            gender = TBX_TO_GENDER.get(notes_of.get("grammaticalGender", ""))
            closable = any(
                (note.text or "").strip() == f"{FLAG_PREFIX}closable=yes"
                for note in _children(tig, "note")
            )
            if status.startswith(("deprecatedTerm", "supersededTerm")):
                banned.append(text)
            elif notes_of.get("grammaticalNumber") == "plural" and last >= 0:
                allowed[last] = replace(allowed[last], plural=text)
            elif status == PREFERRED:
                allowed.insert(0, Term(text, None, gender, closable))
                last = 0
            else:
                allowed.append(Term(text, None, gender, closable))
                last = len(allowed) - 1
        if allowed:
            terms[language] = tuple(allowed)
        if banned:
            forbidden[language] = tuple(banned)
    return Concept(
        id=concept_id,
        terms=terms,
        forbidden=forbidden,
        dnt=flags.get("dnt") == "yes",
        case_sensitive=flags.get("case_sensitive") == "yes",
        pos=pos,
        note=" | ".join(notes),
        exclude=_exclusions(flags.get("exclude", ""), concept_id, path, entry),
        origin=Path(path),
        line=entry.sourceline or 0,
    )


def _exclusions(
    cell: str, concept_id: str, path: Path, entry: etree._Element
) -> tuple[Exclusion, ...]:
    try:
        return tuple(Exclusion.parse(context) for context in cell.split("|") if context.strip())
    except ValueError as error:
        raise InputError(
            f"exclude of {concept_id!r}: {error}",
            path=path,
            where=f"line {entry.sourceline}",
            fix="write contexts as in the CSV's exclude column (see pipeline/glossary/csvio.py)",
        ) from None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element: etree._Element, *names: str) -> list[etree._Element]:
    return [child for child in element if _local(child.tag) in names]


def _elements(element: etree._Element, *names: str) -> list[etree._Element]:
    return [child for child in element.iter() if _local(child.tag) in names]
