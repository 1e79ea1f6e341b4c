"""Hand-written German segmentation cases (tests/data/segmentation_de.toml)."""

from __future__ import annotations

import tomllib

import pytest

from pipeline.segment import load_rules, segment_text
from tests.conftest import DATA

CASES = tomllib.loads((DATA / "segmentation_de.toml").read_text(encoding="utf-8"))["case"]
RULES = load_rules()


def test_every_rule_has_cases() -> None:
    rules = {case["rule"] for case in CASES}
    assert len(CASES) >= 80
    assert {
        "abbreviation",
        "ordinal_date",
        "number",
        "url_email",
        "gender",
        "quotation",
        "parenthesis",
        "ellipsis",
        "rare_abbreviation",
        "ordinal_context",
        "ordinal_range",
        "slogan",
        "inline_list",
    } <= rules


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{i:03d}-{case['rule']}" for i, case in enumerate(CASES)]
)
def test_case(case: dict[str, object]) -> None:
    assert segment_text(str(case["text"]), RULES) == case["segments"]
