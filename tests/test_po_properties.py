"""Property: whatever happens to the release, the glossary and the PO file between runs,
every reviewed translation survives: unchanged while its German text exists, obsolete
(and still there) once it is gone."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import polib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.document import parse_document
from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.match import Matcher
from pipeline.layout import Layout
from pipeline.segment import segment_document
from pipeline.stages import Release, export

POOL = [
    "Die Radiologie nutzt KI.",
    "Ein Medizinprodukt braucht eine CE-Kennzeichnung.",
    "Radiologinnen und Radiologen befunden Bilder.",
    "Die Studie läuft seit 2024.",
    "Der Kongress findet in Berlin statt.",
    "Die MRT ist strahlenfrei.",
    "Kontrastmittel werden sparsam eingesetzt.",
    "Weitere Informationen gibt es unter www.drg.de.",
]
GLOSSARY = "id,de,en,dnt,case_sensitive,pos,note\nki,KI,{ki},,yes,abbr,\nmrt,MRT,MRI,,yes,abbr,\n"

edits = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(0, len(POOL) - 1)),
        st.tuples(st.just("remove"), st.integers(0, 20)),
        st.tuples(st.just("change"), st.integers(0, 20)),
        st.tuples(st.just("review"), st.integers(0, 20)),
        st.tuples(st.just("glossary"), st.sampled_from(["AI", "A.I.", "artificial intelligence"])),
    ),
    min_size=1,
    max_size=8,
)


def write_release(path: Path, sentences: list[str]) -> Release:
    path.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")
    document = parse_document(path.read_bytes(), path, "markdown")
    return Release(path, segment_document(document))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.lists(st.sampled_from(POOL), min_size=1, max_size=5, unique=True), steps=edits)
def test_reviewed_translations_are_never_lost(initial: list[str], steps: list[tuple]) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        layout = Layout(root)
        (root / "releases").mkdir()
        glossary = root / "glossary.csv"
        glossary.write_text(GLOSSARY.format(ki="AI"), encoding="utf-8")
        release_path = root / "releases" / "r.md"
        sentences = list(initial)
        reviewed: dict[str, tuple[str, str]] = {}
        now = datetime(2026, 11, 28, tzinfo=UTC)

        def rerun() -> polib.POFile:
            release = write_release(release_path, sentences)
            matcher = Matcher(load_glossary(glossary))
            export(layout, [release], ["en"], None, matcher, now=now)
            return polib.pofile(str(layout.po_file("en", "r")))

        po = rerun()
        for number, (action, value) in enumerate(steps):
            if action == "add":
                if POOL[value] not in sentences:
                    sentences.append(POOL[value])
            elif action == "remove" and len(sentences) > 1:
                sentences.pop(value % len(sentences))
            elif action == "change":
                index = value % len(sentences)
                sentences[index] = sentences[index].rstrip(".") + f" und mehr {number}."
            elif action == "review":
                active = [entry for entry in po if not entry.obsolete]
                entry = active[value % len(active)]
                entry.msgstr = f"Reviewed {number}"
                entry.tcomment = f"note {number}"
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                reviewed[entry.msgid] = (entry.msgstr, entry.tcomment)
                po.save()
            elif action == "glossary":
                glossary.write_text(GLOSSARY.format(ki=value), encoding="utf-8")
            po = rerun()
            current = set(sentences)
            for msgid, (msgstr, comment) in reviewed.items():
                entry = po.find(msgid, include_obsolete_entries=True)
                assert entry is not None, msgid
                assert entry.msgstr == msgstr
                assert bool(entry.obsolete) == (msgid not in current)
                if not entry.obsolete:
                    assert entry.tcomment == comment and "fuzzy" not in entry.flags
