"""Lint of entries that contradict each other or QA (issue 15, part 2), on our own termbase:
each problem names the file, the row and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.glossary.csvio import Problem
from pipeline.glossary.maintain import lint
from tests.conftest import DATA

GLOSSARY = DATA / "glossary" / "contradictions.csv"


@pytest.fixture(scope="module")
def problems() -> list[Problem]:
    return lint(GLOSSARY)[1]


def about(problems: list[Problem], concept: str, text: str) -> list[Problem]:
    return [p for p in problems if p.concept == concept and text in p.message]


def test_the_termbase_reads_without_errors() -> None:
    from pipeline.glossary.csvio import read_glossary

    assert [p for p in read_glossary(GLOSSARY)[1] if p.severity == "error"] == []


def test_every_problem_has_file_row_and_fix(problems: list[Problem]) -> None:
    assert problems
    assert all(p.path == GLOSSARY and p.line > 1 and p.fix for p in problems)


def test_kept_name_containing_a_translated_name(problems: list[Problem]) -> None:
    (found,) = about(problems, "drg-e-v", "contains 'Deutsche Röntgengesellschaft'")
    assert found.severity == "error" and found.line == 3
    assert "German Roentgen Society" in found.fix


def test_a_generic_noun_inside_a_kept_name_is_fine(problems: list[Problem]) -> None:
    assert [p for p in problems if p.concept == "techniker-krankenkasse"] == []


def test_forbidden_term_that_is_another_concepts_term(problems: list[Problem]) -> None:
    found = about(problems, "befundung", "is a term 'befund''s")
    assert [(p.severity, p.line) for p in found] == [("error", 7), ("error", 7)]
    assert "remove 'finding' from forbidden_en of 'befundung'" in found[0].fix


def test_forbidden_word_inside_another_concepts_preferred_term(problems: list[Problem]) -> None:
    (found,) = about(problems, "roentgen", "forbidden en term 'roentgen'")
    assert "'German Roentgen Society'" in found.message and found.severity == "error"


@pytest.mark.parametrize(
    ("concept", "check"),
    [("hochfeld-mrt", "numbers"), ("zitat", "quotes"), ("doppelt", "double-space")],
)
def test_preferred_term_that_qa_would_flag(
    problems: list[Problem], concept: str, check: str
) -> None:
    found = about(problems, concept, f"QA check {check!r}")
    assert [p.severity for p in found] == ["error"], [p.message for p in problems]


def test_qa_passes_the_well_written_terms(problems: list[Problem]) -> None:
    flagged = {p.concept for p in problems if "QA check" in p.message}
    assert flagged == {"hochfeld-mrt", "zitat", "doppelt"}


def test_exclusions_that_never_apply(problems: list[Problem]) -> None:
    longer = about(problems, "roentgengesellschaft", "exclude 'Deutsche _'")
    assert len(longer) == 1 and "'deutsche-roentgengesellschaft' matches there" in longer[0].message
    never = about(problems, "roentgen", "never applies")
    assert [p.message.split(" of ")[0] for p in never] == ["exclude '_xyz'"]
    assert "not matched at all" in never[0].message


def test_the_classes_termbase_is_lint_clean() -> None:
    assert lint(DATA / "glossary" / "classes.csv")[1] == []


def test_a_bad_exclusion_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("id,de,en,exclude\nr,Röntgen,X-ray,Wilhelm.* _\n", encoding="utf-8")
    (found,) = lint(path)[1]
    assert (found.severity, found.line) == ("error", 2) and "around _" in found.fix
