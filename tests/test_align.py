"""Attention-based re-insertion of placeholders (model-free parts)."""

from __future__ import annotations

from pipeline.mt.align import Anchor, insert_by_attention, join_pieces, strip_placeholders


def test_strip_placeholders_records_their_places() -> None:
    text, anchors = strip_placeholders("Lesen Sie ⟦1⟧hier⟦2⟧ unter ⟦3⟧ weiter.")
    assert text == "Lesen Sie hier unter weiter."
    assert anchors == [
        Anchor("⟦1⟧", 10, True, space_before=True),
        Anchor("⟦2⟧", 14, False, space_after=True),
        Anchor("⟦3⟧", 20, False, space_before=True, space_after=True),
    ]


def test_insert_by_attention_glues_placeholders_to_aligned_words() -> None:
    source = ["▁Lesen", "▁Sie", "▁hier", "."]
    target = ["▁Read", "▁here", "."]
    attention = [  # target row × source column
        [0.9, 0.1, 0.0, 0.0],
        [0.0, 0.1, 0.9, 0.0],
        [0.0, 0.0, 0.1, 0.9],
    ]
    anchors = [Anchor("⟦1⟧", 10, True), Anchor("⟦2⟧", 14, False)]
    pieces = insert_by_attention(source, target, attention, anchors)
    assert join_pieces(pieces) == "Read ⟦1⟧here⟦2⟧."


def test_placeholders_snap_to_word_boundaries() -> None:
    source = ["▁neue", "▁Ergebnisse", "."]
    target = ["▁new", "▁res", "ults", "."]
    attention = [[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.0, 0.9, 0.1], [0.0, 0.0, 1.0]]
    _, anchors = strip_placeholders("⟦1⟧neue Ergebnisse⟦2⟧.")
    pieces = insert_by_attention(source, target, attention, anchors)
    assert join_pieces(pieces) == "⟦1⟧new results⟦2⟧."


def test_a_placeholder_that_was_a_word_of_its_own_stays_one() -> None:
    source = ["▁Die", "▁prä", "sent", "iert", "▁in", "▁Berlin", "."]
    target = ["▁The", "▁presents", "▁in", "▁Berlin", "."]
    attention = [  # target row × source column
        [0.9, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.1, 0.8, 0.1, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.1, 0.9, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    ]
    _, anchors = strip_placeholders("Die ⟦1⟧ präsentiert in Berlin ⟦2⟧.")
    pieces = insert_by_attention(source, target, attention, anchors)
    assert join_pieces(pieces) == "The ⟦1⟧ presents in Berlin ⟦2⟧."
    _, anchors = strip_placeholders("⟦1⟧ präsentiert in Berlin.")
    pieces = insert_by_attention(
        source[1:], target[1:], [row[1:] for row in attention[1:]], anchors
    )
    assert join_pieces(pieces) == "⟦1⟧ presents in Berlin."
