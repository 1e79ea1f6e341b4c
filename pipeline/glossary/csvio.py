"""Glossary files in CSV or TSV: read with every problem located, written column-stable.

Format (``pipeline/glossary/data/radiology.csv``): UTF-8, a header row naming the columns
``id``, one column per language (``de`` required), ``dnt``, ``case_sensitive``, ``pos``,
``note``, ``forbidden_<lang>`` and ``gender_<lang>``; one row per concept. Variants in a
cell are separated by ``|``, the first is preferred; a variant may give its plural as
``radiologist (pl. radiologists)``. ``gender_fr`` (``gender_es``, ``gender_it``, …) is the
grammatical gender of the row's French terms, ``m`` or ``f`` (or empty: not given), one
value for all variants or one per variant (``m|f``).

German terms, two notations:

- ``Röntgen(-)Thorax``: the hyphen may be left out. The term is ``Röntgen-Thorax`` and it
  also matches the word written as one, ``Röntgenthorax`` (the next part in lower case).
  Either every hyphen of the variant (plural included) is written ``(-)`` or none is. A
  hyphen and a space are always the same to the matcher (``Deep-Learning`` = ``Deep
  Learning``); only leaving the hyphen out needs ``(-)``.
- column ``exclude``: contexts in which the German term is not this concept, separated by
  ``|``. A context is words separated by spaces, one of them ``_`` for the term (any of
  its forms), optionally followed by the letters the written term then ends with
  (``_s``); ``#`` stands for any number; a word matches any inflected form of itself.
  ``Wilhelm Conrad _|_s`` (the physicist Röntgen, „Röntgens Entdeckung“), ``# _`` (a city
  after a postal code: „51109 Köln“), ``klinisch _`` („in der klinischen Praxis“). No
  patterns beyond these, so matching stays linear.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.errors import InputError
from pipeline.files import read_utf8
from pipeline.glossary.model import (
    FIXED_COLUMNS,
    FORBIDDEN_PREFIX,
    GENDER_PREFIX,
    GENDERS,
    LANGUAGE_COLUMN,
    OPTIONAL_HYPHEN,
    POS_VALUES,
    SOURCE_LANGUAGE,
    VARIANT_SEPARATOR,
    Concept,
    Exclusion,
    Term,
    Termbase,
    split_variants,
)

# report(severity, row, message, fix, concept): collects a problem of the file being read
Reporter = Callable[..., None]
TRUE_VALUES = {"yes", "y", "true", "1", "x"}
FALSE_VALUES = {"", "no", "n", "false", "0"}


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    path: Path
    line: int
    message: str
    fix: str = ""
    concept: str = ""

    def as_error(self) -> InputError:
        return InputError(self.message, path=self.path, where=f"line {self.line}", fix=self.fix)


@dataclass(frozen=True)
class Row:
    line: int  # first physical line of the row
    end_line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    path: Path
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    delimiter: str
    newline: str


def delimiter_for(path: Path) -> str:
    return "\t" if path.suffix.lower() in {".tsv", ".tab"} else ","


def read_text(path: Path) -> str:
    """The glossary decoded as UTF-8 (a BOM is allowed); other encodings are a clear error."""
    return read_utf8(path, "glossary", "save the glossary as UTF-8 (in Excel: 'CSV UTF-8')")


def read_table(path: Path, text: str | None = None) -> Table:
    """Rows of a CSV/TSV glossary with their line numbers; malformed CSV raises."""
    path = Path(path)
    text = read_text(path) if text is None else text
    newline = "\r\n" if "\r\n" in text else "\n"
    delimiter = delimiter_for(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    columns: tuple[str, ...] = ()
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if not columns:
                columns = _check_header(path, line, record)
                continue
            if len(record) != len(columns):
                raise InputError(
                    f"row has {len(record)} fields, the header has {len(columns)}",
                    path=path,
                    where=f"line {line}",
                    fix="quote cells that contain the delimiter, or add the missing cells",
                )
            rows.append(Row(line, reader.line_num, dict(zip(columns, record, strict=True))))
    except csv.Error as error:
        raise InputError(
            f"malformed {'TSV' if delimiter == chr(9) else 'CSV'} ({error})",
            path=path,
            where=f"line {reader.line_num}",
            fix='close the quoted cell: a quote inside a cell is written as ""',
        ) from None
    if not columns:
        raise InputError("the glossary is empty", path=path, fix="add a header row: id,de,en,…")
    return Table(path, columns, tuple(rows), delimiter, newline)


def _check_header(path: Path, line: int, record: list[str]) -> tuple[str, ...]:
    columns = tuple(cell.strip() for cell in record)
    for column in ("id", SOURCE_LANGUAGE):
        if column not in columns:
            raise InputError(
                f"the header has no {column!r} column (it has: {', '.join(columns)})",
                path=path,
                where=f"line {line}",
                fix="the first row names the columns: id,de,en,fr,…",
            )
    for index, column in enumerate(columns):
        if columns.index(column) != index:
            raise InputError(f"column {column!r} appears twice", path=path, where=f"line {line}")
        if not _known_column(column):
            raise InputError(
                f"unknown column {column!r}",
                path=path,
                where=f"line {line}, column {index + 1}",
                fix="use id, a language code (de, en, …), dnt, case_sensitive, pos, note, "
                "exclude, forbidden_<lang> or gender_<lang>",
            )
    return columns


def _known_column(column: str) -> bool:
    if column in FIXED_COLUMNS or LANGUAGE_COLUMN.match(column):
        return True
    return any(
        column.startswith(prefix) and bool(LANGUAGE_COLUMN.match(column.removeprefix(prefix)))
        for prefix in (FORBIDDEN_PREFIX, GENDER_PREFIX)
    )


def language_columns(columns: tuple[str, ...]) -> list[str]:
    return [
        c
        for c in columns
        if c not in FIXED_COLUMNS and not c.startswith((FORBIDDEN_PREFIX, GENDER_PREFIX))
    ]


def read_glossary(path: Path) -> tuple[Termbase, list[Problem]]:
    """The glossary and every problem found in it (errors and warnings)."""
    table = read_table(path)
    return concepts_from_table(table)


def load_glossary(path: Path) -> Termbase:
    """The glossary; the first error-level problem raises :class:`InputError`."""
    termbase, problems = read_glossary(path)
    for problem in problems:
        if problem.severity == "error":
            raise problem.as_error()
    return termbase


def concepts_from_table(table: Table) -> tuple[Termbase, list[Problem]]:
    problems: list[Problem] = []
    languages = language_columns(table.columns)
    concepts: list[Concept] = []
    first_line: dict[str, int] = {}
    german_owner: dict[str, tuple[str, int]] = {}

    def report(severity: str, row: Row, message: str, fix: str = "", concept: str = "") -> None:
        problems.append(Problem(severity, table.path, row.line, message, fix, concept))

    for row in table.rows:
        concept_id = row.cells["id"].strip()
        if not concept_id:
            report("error", row, "the row has no id", "give every concept a unique id")
            continue
        if concept_id in first_line:
            report(
                "error",
                row,
                f"duplicate id {concept_id!r} (first on line {first_line[concept_id]})",
                "give the concept its own id or merge the two rows",
                concept_id,
            )
            continue
        first_line[concept_id] = row.line
        terms: dict[str, tuple[Term, ...]] = {}
        for language in languages:
            parsed = _parse_cell(row, language, concept_id, report)
            if parsed:
                terms[language] = parsed
        for column in table.columns:
            if column.startswith(GENDER_PREFIX):
                _apply_genders(row, column, terms, concept_id, report)
        forbidden = {
            column.removeprefix(FORBIDDEN_PREFIX): tuple(
                v.strip() for v in split_variants(row.cells[column]) if v.strip()
            )
            for column in table.columns
            if column.startswith(FORBIDDEN_PREFIX) and row.cells[column].strip()
        }
        dnt = _flag(row, "dnt", concept_id, report)
        concept = Concept(
            id=concept_id,
            terms=terms,
            forbidden=forbidden,
            dnt=dnt,
            case_sensitive=_flag(row, "case_sensitive", concept_id, report),
            pos=row.cells.get("pos", "").strip(),
            note=row.cells.get("note", "").strip(),
            exclude=_parse_exclusions(row, concept_id, report),
            origin=table.path,
            line=row.line,
        )
        if not concept.source_terms:
            report(
                "error",
                row,
                f"concept {concept_id!r} has no German term",
                "fill the de column",
                concept_id,
            )
            continue
        _check_concept(concept, row, languages, report)
        for term in concept.source_terms:
            key = term.text.casefold()
            if key in german_owner and german_owner[key][0] != concept_id:
                other, line = german_owner[key]
                report(
                    "error",
                    row,
                    f"German term {term.text!r} also belongs to concept {other!r} (line {line})",
                    "a German term can name only one concept: remove it from one of them",
                    concept_id,
                )
            german_owner.setdefault(key, (concept_id, row.line))
        concepts.append(concept)
    return Termbase(tuple(concepts), (table.path,)), problems


def _parse_cell(row: Row, language: str, concept_id: str, report: Reporter) -> tuple[Term, ...]:
    variants = split_variants(row.cells[language])
    terms = []
    for variant in variants:
        if variant != variant.strip():
            report(
                "warning",
                row,
                f"{language} term {variant!r} has leading or trailing spaces",
                "remove the spaces",
                concept_id,
            )
        term = Term.parse(variant)
        if OPTIONAL_HYPHEN in variant and variant.replace(OPTIONAL_HYPHEN, "").count("-"):
            report(
                "error",
                row,
                f"{language} term {variant.strip()!r} writes some hyphens {OPTIONAL_HYPHEN} "
                "and others -",
                f"write every hyphen of the term {OPTIONAL_HYPHEN} (it may be left out) or none",
                concept_id,
            )
        if not _has_letter_or_digit(term.text) or (term.plural is not None and not term.plural):
            report(
                "error",
                row,
                f"empty or punctuation-only {language} term in {row.cells[language]!r}",
                f"remove the empty variant (variants are separated by {VARIANT_SEPARATOR!r})",
                concept_id,
            )
            continue
        terms.append(term)
    return tuple(terms)


def _parse_exclusions(row: Row, concept_id: str, report: Reporter) -> tuple[Exclusion, ...]:
    """The ``exclude`` cell: ``|``-separated contexts; a malformed one is an error."""
    exclusions = []
    for context in split_variants(row.cells.get("exclude", "")):
        try:
            exclusions.append(Exclusion.parse(context))
        except ValueError as error:
            report(
                "error",
                row,
                f"exclude of {concept_id!r}: {error}",
                "write words around _ for the term, e.g. 'Wilhelm Conrad _' or '# _'",
                concept_id,
            )
    return tuple(exclusions)


def _apply_genders(
    row: Row, column: str, terms: dict[str, tuple[Term, ...]], concept_id: str, report: Reporter
) -> None:
    """The ``gender_<lang>`` cell onto the row's terms in that language."""
    cell = row.cells[column].strip()
    if not cell:
        return
    language = column.removeprefix(GENDER_PREFIX)
    values = [value.strip() for value in cell.split(VARIANT_SEPARATOR)]
    variants = terms.get(language, ())
    fix = "write m (masculine) or f (feminine), or leave the cell empty"
    allowed = set(GENDERS) | ({""} if len(values) > 1 else set())  # "m||f": one not given
    if not all(value in allowed for value in values):
        report("error", row, f"{column} of {concept_id!r} is {cell!r}", fix, concept_id)
        return
    if not variants:
        report(
            "warning",
            row,
            f"{column} of {concept_id!r} is given, but the concept has no {language} term",
            f"fill the {language} column or empty {column}",
            concept_id,
        )
        return
    if len(values) not in (1, len(variants)):
        report(
            "error",
            row,
            f"{column} of {concept_id!r} has {len(values)} values for {len(variants)} "
            f"{language} terms",
            f"give one gender for all terms or one per term, separated by {VARIANT_SEPARATOR!r}",
            concept_id,
        )
        return
    genders = values * len(variants) if len(values) == 1 else values
    terms[language] = tuple(
        replace(term, gender=gender or None) for term, gender in zip(variants, genders, strict=True)
    )


def _has_letter_or_digit(text: str) -> bool:
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def _flag(row: Row, column: str, concept_id: str, report: Reporter) -> bool:
    value = row.cells.get(column, "").strip().lower()
    if value in TRUE_VALUES:
        return True
    if value not in FALSE_VALUES:
        report(
            "error",
            row,
            f"{column} is {value!r}",
            f"write yes or leave {column} empty",
            concept_id,
        )
    return False


def _check_concept(concept: Concept, row: Row, languages: list[str], report: Reporter) -> None:
    if concept.pos and concept.pos not in POS_VALUES:
        report(
            "warning",
            row,
            f"pos {concept.pos!r} is not one of {', '.join(POS_VALUES)}",
            concept=concept.id,
        )
    if concept.dnt:
        return
    for language in languages:
        if language != SOURCE_LANGUAGE and language not in concept.terms:
            report(
                "warning",
                row,
                f"concept {concept.id!r} has no {language} term",
                f"fill the {language} column or mark the concept dnt",
                concept.id,
            )
    for language, forbidden in concept.forbidden.items():
        preferred = {t.text.casefold() for t in concept.terms.get(language, ())}
        clash = [f for f in forbidden if f.casefold() in preferred]
        if clash:
            report(
                "error",
                row,
                f"forbidden {language} term {clash[0]!r} is also one of the allowed terms",
                "remove it from one of the two columns",
                concept.id,
            )


# ---------------------------------------------------------------------------
# Writing


def termbase_columns(termbase: Termbase, columns: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Columns for writing: the given ones (or the standard order), plus any the data needs."""
    languages = [SOURCE_LANGUAGE] + [lang for lang in termbase.languages if lang != SOURCE_LANGUAGE]
    forbidden = [
        FORBIDDEN_PREFIX + lang
        for lang in languages
        if any(lang in concept.forbidden for concept in termbase.concepts)
    ]
    genders = [
        GENDER_PREFIX + lang
        for lang in languages
        if any(t.gender for concept in termbase.concepts for t in concept.terms.get(lang, ()))
    ]
    exclude = ["exclude"] if any(concept.exclude for concept in termbase.concepts) else []
    if not columns:
        return (
            "id", *languages, "dnt", "case_sensitive", "pos", "note", *exclude, *forbidden,
            *genders,
        )  # fmt: skip
    missing = [c for c in [*languages, *exclude, *forbidden, *genders] if c not in columns]
    return (*columns, *missing)


def concept_cells(concept: Concept, columns: tuple[str, ...]) -> list[str]:
    cells = []
    for column in columns:
        if column == "id":
            cells.append(concept.id)
        elif column == "dnt":
            cells.append("yes" if concept.dnt else "")
        elif column == "case_sensitive":
            cells.append("yes" if concept.case_sensitive else "")
        elif column == "pos":
            cells.append(concept.pos)
        elif column == "note":
            cells.append(concept.note)
        elif column == "exclude":
            cells.append(VARIANT_SEPARATOR.join(e.format() for e in concept.exclude))
        elif column.startswith(FORBIDDEN_PREFIX):
            cells.append(
                VARIANT_SEPARATOR.join(concept.forbidden.get(column[len(FORBIDDEN_PREFIX) :], ()))
            )
        elif column.startswith(GENDER_PREFIX):
            cells.append(gender_cell(concept.terms.get(column.removeprefix(GENDER_PREFIX), ())))
        else:
            cells.append(VARIANT_SEPARATOR.join(t.format() for t in concept.terms.get(column, ())))
    return cells


def gender_cell(terms: tuple[Term, ...]) -> str:
    """``m`` where every term is masculine, ``m|f`` where they differ, empty where none has one."""
    genders = [term.gender or "" for term in terms]
    if len(set(genders)) <= 1:
        return genders[0] if genders else ""
    return VARIANT_SEPARATOR.join(genders)


def format_row(cells: list[str], delimiter: str = ",", newline: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerow(cells)
    return buffer.getvalue()


def write_table_text(
    termbase: Termbase, delimiter: str = ",", columns: tuple[str, ...] = ()
) -> str:
    """The termbase as CSV/TSV text (header + one row per concept, in order)."""
    columns = termbase_columns(termbase, columns)
    lines = [format_row(list(columns), delimiter)]
    lines.extend(format_row(concept_cells(c, columns), delimiter) for c in termbase.concepts)
    return "".join(lines)
