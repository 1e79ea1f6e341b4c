"""The bundled sample release segments exactly as reviewed (golden file).

After an intended change, regenerate with
``pipeline segment --json releases/<sample>.md > tests/data/golden/<sample>.segments.jsonl``
and review the diff.
"""

from __future__ import annotations

import json

from pipeline.run import segment_release
from pipeline.segment import rebuild
from tests.conftest import DATA, SAMPLE

GOLDEN = DATA / "golden" / f"{SAMPLE.stem}.segments.jsonl"


def test_sample_segments_match_golden_file() -> None:
    expected = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    segmented = segment_release(SAMPLE)
    actual = [segment.as_dict() for segment in segmented.segments]
    assert actual == [{k: v for k, v in record.items() if k != "file"} for record in expected]


def test_sample_key_sentences() -> None:
    texts = [segment.text for segment in segment_release(SAMPLE).segments]
    assert texts[2].startswith("*Berlin, 24.09.2024 – Künstliche Intelligenz (KI)")
    assert texts[2].endswith("in der modernen Radiologie.*")
    assert "Univ.-Prof. Dr. med. Dipl.-Inform. Julian Caspers von der Uniklinik" in texts[6]
    assert texts[6].endswith("ist noch begrenzt.")
    assert texts[7] == (
        "Viele der Produkte sind hochspezialisiert und decken nur Nischenbereiche ab."
    )
    assert texts[-5:] == [
        "Deutsche Röntgengesellschaft e.V.",
        "Olaf Goldschmidt",
        "Ernst-Reuter-Platz 10, 10587 Berlin",
        "Fon: 030-916 070-47",
        "goldschmidt@drg.de",
    ]


def test_sample_round_trip_is_byte_identical() -> None:
    assert rebuild(segment_release(SAMPLE)) == SAMPLE.read_bytes()
