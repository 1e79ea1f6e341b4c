"""Engine parts that need no model: batching, the repetition guard, routing."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.mt.engine import DecodingOptions, Engine, has_runaway_repetition, token_batches
from pipeline.mt.packages import ModelError
from tests.test_models import make_package


def test_token_batches_sort_by_length_and_respect_the_budget() -> None:
    lengths = [5, 1, 9, 3, 3, 8]
    batches = token_batches(lengths, max_tokens=12)
    assert sorted(i for batch in batches for i in batch) == list(range(6))
    for batch in batches:
        assert max(lengths[i] for i in batch) * len(batch) <= 12 or len(batch) == 1
    flat = [lengths[i] for batch in batches for i in batch]
    assert flat == sorted(flat)


def test_a_sentence_longer_than_the_budget_gets_its_own_batch() -> None:
    assert token_batches([50, 2], max_tokens=10) == [[1], [0]]


@pytest.mark.parametrize(
    ("tokens", "runaway"),
    [
        (["▁matriculados", "▁matriculados", "▁matriculados", "▁matriculados"], True),
        (["▁a", "▁b", "▁a", "▁b", "▁a", "▁b", "▁a", "▁b"], True),
        (["▁the", "▁radiologist", "▁said", "▁that", "▁the", "▁radiologist", "▁agreed"], False),
        (["▁no", "▁no", "▁no"], False),
    ],
)
def test_runaway_repetition(tokens: list[str], runaway: bool) -> None:
    assert has_runaway_repetition(tokens) is runaway


def test_cache_key_ignores_threads_not_the_batch_size() -> None:
    fields = DecodingOptions(intra_threads=8, inter_threads=5).cache_fields()
    assert fields == DecodingOptions().cache_fields()
    assert "beam_size" in fields
    # which texts share a batch can move an attention-placed placeholder
    assert DecodingOptions(max_batch_tokens=1).cache_fields() != fields


def test_routes_direct_pivot_and_missing(tmp_path: Path) -> None:
    from pipeline.mt.packages import install_file

    for source, target in (("de", "en"), ("en", "fr")):
        archive = make_package(
            tmp_path / f"{source}{target}.argosmodel", source, target, top=f"{source}_{target}"
        )
        install_file(archive, tmp_path / "store")
    engine = Engine(tmp_path / "store")
    assert engine.route("de", "en") == [("de", "en")]
    assert engine.route("de", "fr") == [("de", "en"), ("en", "fr")]
    with pytest.raises(ModelError) as caught:
        engine.route("de", "it")
    assert "installed: de→en, en→fr" in caught.value.message
    assert caught.value.fix.startswith("pipeline models install en it --dir ")  # the missing leg
