"""Sentence segmentation of documents (German rules, user-extensible abbreviations)."""

from pipeline.segment.rules import SegmentationRules, load_rules
from pipeline.segment.segmenter import (
    CodeSpan,
    Level,
    Segment,
    SegmentedBlock,
    SegmentedDocument,
    rebuild,
    segment_document,
    segment_text,
)

__all__ = [
    "CodeSpan",
    "Level",
    "Segment",
    "SegmentationRules",
    "SegmentedBlock",
    "SegmentedDocument",
    "load_rules",
    "rebuild",
    "segment_document",
    "segment_text",
]
