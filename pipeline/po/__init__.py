"""The PO stage: the format (read, render, wrap, self-check), entry keys, merging with
reviewed files, headers, the suggestions sidecar and review progress.

It knows nothing of machine translation or QA: the orchestration (pipeline.stages) passes
translations in and lets QA annotate entries through a function.
"""

from pipeline.po.catalog import Catalog, Entry
from pipeline.po.merge import MergeStats, TranslationMemory, merge
from pipeline.po.reader import parse_catalog, read_catalog

__all__ = [
    "Catalog",
    "Entry",
    "MergeStats",
    "TranslationMemory",
    "merge",
    "parse_catalog",
    "read_catalog",
]
