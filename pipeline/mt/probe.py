"""What an installed Argos package can do, measured: the probe behind ``models check``.

Real Argos packages were never trained on the project's placeholders, and they differ in
their tokenizers (SentencePiece unigram or BPE, with or without byte fallback, NFKC
normalisation; OPUS-MT conversions with ``bpe.model`` and Moses). So instead of assuming,
the probe looks at the package's tokenizer and vocabulary and decodes a built-in set of
short press-release sentences with it, under the project's decoding options, in one
``translate_batch`` call. It reports:

- the tokenizer: kind, vocabulary size, byte fallback, user-defined symbols, normalisation;
- which characters that press releases use the tokenizer changes or cannot represent;
- for each candidate placeholder form: the unknown pieces it costs and how often the model
  copies it (back exactly once, unchanged);
- how often numbers, names, URLs, e-mail addresses and target terms written into the
  source come back as written;

and from these a :class:`Verdict`: the placeholder form to mask with (or none) and the
term strategy, each with the reasons. Reports are cached by the package fingerprint and
the decoding options (:func:`probe_cached`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pipeline.files import atomic_write
from pipeline.mt.engine import DecodingOptions, _fingerprint, _LoadedModel
from pipeline.mt.packages import PackageInfo
from pipeline.mt.protect import CopyKind

PROBE_VERSION = 1  # bump when the probe set or the measurements change: old reports go stale
COPY_THRESHOLD = 0.9  # a form or a kind of text counts as copied from 90 % of probe cases
MAX_MISSES = 3  # failed probe cases kept per measurement, as examples
_POSITIONS = re.compile(r"positions >= (\d+)")
_DIGITS = re.compile(r"\d+")


class TokenizerKind(StrEnum):
    SENTENCEPIECE_UNIGRAM = "sentencepiece-unigram"
    SENTENCEPIECE_BPE = "sentencepiece-bpe"
    SENTENCEPIECE_OTHER = "sentencepiece-other"  # word or char models
    BPE_MOSES = "bpe-moses"  # bpe.model with sacremoses (OPUS-MT conversions)


class CharacterEffect(StrEnum):
    """What encode → decode does to one character."""

    KEPT = "kept"
    BYTES = "bytes"  # kept, but only through byte-fallback pieces
    CHANGED = "changed"  # comes back as something else (NFKC: "²" → "2")
    UNKNOWN = "unknown"  # reaches the model as <unk>


class TermStrategy(StrEnum):
    """How glossary terms are enforced with a package."""

    PLACEHOLDER = "placeholder"  # masked with the chosen form, restored after decoding
    CODE_SWITCH = "code-switch"  # the target term written into the source, verified
    ATTENTION = "attention"  # placed through attention / target_prefix, needs review


@dataclass(frozen=True)
class PlaceholderForm:
    """A way to write placeholder ``n``: ``prefix + n + suffix``."""

    prefix: str
    suffix: str

    @property
    def name(self) -> str:
        return f"{self.prefix}n{self.suffix}"

    def render(self, number: int) -> str:
        return f"{self.prefix}{number}{self.suffix}"

    def count(self, number: int, text: str) -> int:
        """How often placeholder ``number`` occurs in ``text`` (``#1`` is not in ``#12``)."""
        return _occurrences(self.render(number), text)


# The project's own form first: on a tie it wins.
FORMS = (
    PlaceholderForm("⟦", "⟧"),
    PlaceholderForm("[", "]"),
    PlaceholderForm("{", "}"),
    PlaceholderForm("<", ">"),
    PlaceholderForm("#", ""),
    PlaceholderForm("XXX", ""),
    PlaceholderForm("__", "__"),
)

# Characters of German press releases that normalisers like to touch.
CHARACTERS = (
    "²", "³", "µ", "½", "¼", "…", "–", "—", "„", "“", "”", "‚", "‘", "’", "«", "»",
    "€", "°", "™", "®", "©", "§", "±", "×", "‰", "•", "→", "ß", "Ä", "é",
    "\u00a0", "\u202f", "\u00ad", "ﬁ",
)  # fmt: skip


# ---------------------------------------------------------------------------
# The probe set. "{}" in a placeholder sentence is a slot; the numbers are the placeholder
# ids, not always from 1, as in masked segments.


@dataclass(frozen=True)
class _ProbeSet:
    placeholders: tuple[tuple[str, tuple[int, ...]], ...]
    copies: tuple[tuple[CopyKind, str, tuple[str, ...]], ...]  # kind, sentence, expected
    term_frames: tuple[str, ...]  # "{}" is where the target term goes


GERMAN = _ProbeSet(
    placeholders=(  # where masks go: URLs, e-mail addresses, terms, names, markup around words
        ("Weitere Informationen finden Sie unter {}.", (1,)),
        ("Die Klinik für Radiologie präsentiert {} in Berlin.", (1,)),
        ("{} leitet die Studie.", (1,)),
        ("Das Forschungsteam entwickelt {} gemeinsam mit {}.", (1, 2)),
        ("Fragen beantwortet die Pressestelle unter {}.", (1,)),
        ("Das Forschungsteam testet {}ein neues Verfahren{}.", (1, 2)),
        ("Am {} präsentiert die Arbeitsgruppe {}.", (4, 7)),
        ("An der Studie nahmen {} Patientinnen und Patienten teil.", (3,)),
        ("{}Die Tagung{} findet am 12.05.2025 in Wien statt.", (2, 3)),
        ("{} Die Deutsche Röntgengesellschaft fördert {}.", (1, 5)),
    ),
    copies=(
        (CopyKind.NUMBER, "Die Studie umfasst 1.250 Patientinnen und Patienten aus 14 Kliniken.",
         ("1.250", "14")),
        (CopyKind.NUMBER, "Der Kongress findet am 24.09.2025 in Berlin statt.", ("24.09.2025",)),
        (CopyKind.NUMBER, "Die Strahlendosis sank um 37 Prozent.", ("37",)),
        (CopyKind.NUMBER, "Die Genauigkeit stieg um 4,5 % auf 92,3 %.", ("4,5", "92,3")),
        (CopyKind.NUMBER, "Das Projekt wird mit 2.400.000 Euro gefördert.", ("2.400.000",)),
        (CopyKind.NUMBER, "Seit 2019 wurden 312 Untersuchungen durchgeführt.", ("2019", "312")),
        (CopyKind.NUMBER, "Telefon der Pressestelle: +49 30 916070-47", ("+49 30 916070-47",)),
        (CopyKind.NAME, "Prof. Dr. Anna Schmidt leitet die Studie.", ("Anna Schmidt",)),
        (CopyKind.NAME, "Das Interview führte Julian Caspers aus Düsseldorf.", ("Julian Caspers",)),
        (CopyKind.NAME, "Laut Dr. Hannah Wolf ist das Verfahren sicher.", ("Hannah Wolf",)),
        (CopyKind.NAME, "Die Arbeitsgruppe von Lukas Becker untersucht die Mammographie.",
         ("Lukas Becker",)),
        (CopyKind.NAME, "Maria Fischer und Felix Koch präsentieren die Ergebnisse.",
         ("Maria Fischer", "Felix Koch")),
        (CopyKind.URL, "Weitere Informationen finden Sie unter https://www.drg.de/presse.",
         ("https://www.drg.de/presse",)),
        (CopyKind.URL, "Die Anmeldung ist unter www.roentgenkongress.de möglich.",
         ("www.roentgenkongress.de",)),
        (CopyKind.URL, "Das Video steht auf https://example.org/video?id=42 bereit.",
         ("https://example.org/video?id=42",)),
        (CopyKind.URL, "Die Leitlinie ist unter https://register.awmf.org/de/leitlinien abrufbar.",
         ("https://register.awmf.org/de/leitlinien",)),
        (CopyKind.EMAIL, "Fragen beantwortet die Pressestelle unter presse@drg.de.",
         ("presse@drg.de",)),
        (CopyKind.EMAIL, "Kontakt: anna.schmidt@uniklinik-koeln.de",
         ("anna.schmidt@uniklinik-koeln.de",)),
        (CopyKind.EMAIL, "Anmeldungen bitte an kongress@example.org senden.",
         ("kongress@example.org",)),
    ),
    term_frames=(
        "Die Klinik für Radiologie nutzt {} für die Früherkennung.",
        "Das Forschungsteam untersucht {} bei Kindern.",
        "Die Studie zeigt, dass {} die Wartezeit verkürzt.",
        "Neue Leitlinien empfehlen {} als erste Untersuchung.",
        "Am Kongress in Wien wurde {} vorgestellt.",
    ),
)  # fmt: skip

ENGLISH = _ProbeSet(
    placeholders=(
        ("Further information is available from {}.", (1,)),
        ("{} leads the study.", (1,)),
        ("The research team develops {} together with {}.", (1, 2)),
        ("The congress takes place on {} in {}.", (2, 3)),
        ("The radiation dose decreased by {} percent.", (1,)),
        ("The results of the study {} were published {}.", (1, 2)),
    ),
    copies=(
        (CopyKind.NUMBER, "The study includes 1,250 patients from 14 hospitals.", ("1,250", "14")),
        (CopyKind.NUMBER, "The congress takes place on 09/24/2025 in Berlin.", ("09/24/2025",)),
        (CopyKind.NUMBER, "Since 2019, 312 examinations have been carried out.", ("2019", "312")),
        (CopyKind.NAME, "Prof. Anna Schmidt leads the study.", ("Anna Schmidt",)),
        (CopyKind.NAME, "According to Dr. Hannah Wolf, the method is safe.", ("Hannah Wolf",)),
        (CopyKind.NAME, "Maria Fischer and Felix Koch present the results.",
         ("Maria Fischer", "Felix Koch")),
        (CopyKind.URL, "Further information is available at https://www.drg.de/press.",
         ("https://www.drg.de/press",)),
        (CopyKind.URL, "Registration is open at www.roentgenkongress.de now.",
         ("www.roentgenkongress.de",)),
        (CopyKind.EMAIL, "Questions are answered by the press office at press@drg.de.",
         ("press@drg.de",)),
        (CopyKind.EMAIL, "Please send registrations to congress@example.org.",
         ("congress@example.org",)),
    ),
    term_frames=(
        "The Department of Radiology uses {} for early detection.",
        "The research team examines {} in children.",
        "The study shows that {} shortens the waiting time.",
    ),
)  # fmt: skip

# Target terms written into the source, per target language (radiology, as in the termbase).
TERMS = {
    "en": ("magnetic resonance imaging", "computed tomography", "mammography screening",
           "radiation dose", "image analysis"),
    "fr": ("imagerie par résonance magnétique", "tomodensitométrie", "dépistage mammographique",
           "dose de rayonnement", "analyse d'images"),
    "es": ("resonancia magnética", "tomografía computarizada", "cribado mamográfico",
           "dosis de radiación", "análisis de imágenes"),
    "it": ("risonanza magnetica", "tomografia computerizzata", "screening mammografico",
           "dose di radiazioni", "analisi delle immagini"),
    "de": ("Magnetresonanztomographie", "Computertomographie", "Mammographie-Screening",
           "Strahlendosis", "Bildanalyse"),
}  # fmt: skip


def probe_set(source: str) -> _ProbeSet:
    """German sentences for German sources, English ones for every other source."""
    return GERMAN if source == "de" else ENGLISH


# ---------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class TokenizerFacts:
    kind: TokenizerKind
    vocabulary_size: int  # the model's source vocabulary
    byte_fallback: bool
    user_symbols: tuple[str, ...]
    normalization: str  # "nmt_nfkc", "identity", … ; "moses" for bpe.model
    character_coverage: float | None = None  # SentencePiece training setting
    bpe_merges: int | None = None  # bpe.model only

    def describe(self) -> str:
        symbols = " ".join(self.user_symbols) or "none"
        return (
            f"{self.kind}, vocabulary {self.vocabulary_size:,}, normalisation "
            f"{self.normalization}, byte fallback {'yes' if self.byte_fallback else 'no'}, "
            f"user symbols {symbols}"
        )


@dataclass(frozen=True)
class CharacterFinding:
    character: str
    effect: CharacterEffect
    decoded: str  # what encode → decode gave back for it

    @property
    def label(self) -> str:
        """Visible form: "½" or "U+00A0 NO-BREAK SPACE" for invisible ones."""
        return _visible(self.character)


@dataclass(frozen=True)
class Miss:
    """A probe case that failed: what went in, what came out, what was expected."""

    source: str
    output: str
    expected: str


@dataclass(frozen=True)
class Rate:
    copied: int
    total: int
    misses: tuple[Miss, ...] = ()

    @property
    def value(self) -> float | None:
        return self.copied / self.total if self.total else None

    @property
    def passes(self) -> bool:
        return self.total > 0 and self.copied >= COPY_THRESHOLD * self.total

    def describe(self) -> str:
        if not self.total:
            return "not measured"
        return f"{100 * self.copied / self.total:.0f} % ({self.copied}/{self.total})"


@dataclass(frozen=True)
class FormFinding:
    form: str  # "⟦n⟧"
    pieces: tuple[str, ...]  # how the tokenizer cuts the form's first instance
    unknown_pieces: int  # pieces that reach the model as <unk>
    byte_pieces: int  # byte-fallback pieces
    round_trip: bool  # encode → decode gives the placeholder back
    copy: Rate  # decoded by the package: back exactly once, unchanged

    @property
    def usable(self) -> bool:
        return not self.unknown_pieces and self.round_trip and self.copy.passes

    def describe(self) -> str:
        parts = []
        if self.unknown_pieces:
            plural = "s" if self.unknown_pieces > 1 else ""
            parts.append(f"{self.unknown_pieces} unknown piece{plural} in the vocabulary")
        if self.byte_pieces:
            plural = "s" if self.byte_pieces > 1 else ""
            parts.append(f"{self.byte_pieces} byte piece{plural}")
        if not self.round_trip:
            parts.append("the tokenizer does not give it back")
        parts.append(f"copied {self.copy.describe()}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Verdict:
    placeholder: str | None  # the form to mask with ("⟦n⟧"), None: no placeholders
    term_strategy: TermStrategy
    plain_text: tuple[CopyKind, ...]  # kinds of text the package copies when left as they are
    protect: tuple[str, ...]  # characters the tokenizer changes or cannot represent
    reasons: tuple[str, ...]

    @property
    def summary(self) -> str:
        """One line, e.g. "placeholder [n], terms: placeholder"."""
        form = self.placeholder or "none"
        return f"placeholder {form}, terms: {self.term_strategy}"

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class ProbeReport:
    """What the probe measured on one package, and what it decided."""

    pair: tuple[str, str]
    version: str
    fingerprint: str
    options: dict[str, object]  # DecodingOptions.cache_fields()
    tokenizer: TokenizerFacts
    characters: tuple[CharacterFinding, ...]
    forms: tuple[FormFinding, ...]
    copies: dict[CopyKind, Rate]
    verdict: Verdict
    decoded: int  # sentences decoded for this report
    seconds: float  # time the probe took
    cached: bool = field(default=False, compare=False)  # read from the cache
    probe_version: int = PROBE_VERSION

    @property
    def pair_name(self) -> str:
        return f"{self.pair[0]}→{self.pair[1]}"

    def form(self, name: str) -> FormFinding:
        return next(finding for finding in self.forms if finding.form == name)

    def changed_characters(self) -> list[CharacterFinding]:
        """Characters the tokenizer changes or cannot represent."""
        return [
            finding
            for finding in self.characters
            if finding.effect in (CharacterEffect.CHANGED, CharacterEffect.UNKNOWN)
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready; :meth:`from_dict` reads it back."""
        record = asdict(self)
        record["pair"] = list(self.pair)
        record["copies"] = {str(kind): asdict(rate) for kind, rate in self.copies.items()}
        record["verdict"]["summary"] = self.verdict.summary
        record.pop("cached")
        return record

    @classmethod
    def from_dict(cls, record: dict[str, Any], cached: bool = False) -> ProbeReport:
        def rate(data: dict[str, Any]) -> Rate:
            return Rate(data["copied"], data["total"], tuple(Miss(**m) for m in data["misses"]))

        tokenizer = dict(record["tokenizer"])
        tokenizer["kind"] = TokenizerKind(tokenizer["kind"])
        tokenizer["user_symbols"] = tuple(tokenizer["user_symbols"])
        verdict = dict(record["verdict"])
        verdict.pop("summary", None)
        return cls(
            pair=(record["pair"][0], record["pair"][1]),
            version=record["version"],
            fingerprint=record["fingerprint"],
            options=dict(record["options"]),
            tokenizer=TokenizerFacts(**tokenizer),
            characters=tuple(
                CharacterFinding(c["character"], CharacterEffect(c["effect"]), c["decoded"])
                for c in record["characters"]
            ),
            forms=tuple(
                FormFinding(
                    form=f["form"],
                    pieces=tuple(f["pieces"]),
                    unknown_pieces=f["unknown_pieces"],
                    byte_pieces=f["byte_pieces"],
                    round_trip=f["round_trip"],
                    copy=rate(f["copy"]),
                )
                for f in record["forms"]
            ),
            copies={CopyKind(kind): rate(data) for kind, data in record["copies"].items()},
            verdict=Verdict(
                placeholder=verdict["placeholder"],
                term_strategy=TermStrategy(verdict["term_strategy"]),
                plain_text=tuple(CopyKind(kind) for kind in verdict["plain_text"]),
                protect=tuple(verdict["protect"]),
                reasons=tuple(verdict["reasons"]),
            ),
            decoded=record["decoded"],
            seconds=record["seconds"],
            cached=cached,
            probe_version=record["probe_version"],
        )


# ---------------------------------------------------------------------------
# Probing


def probe_package(
    package: PackageInfo,
    options: DecodingOptions | None = None,
    model: _LoadedModel | None = None,
) -> ProbeReport:
    """Measure ``package`` (tokenizer, vocabulary, copy rates) and decide its strategy.

    ``model`` is the package already loaded (the engine's), else it is loaded here.
    """
    options = options or DecodingOptions()
    started = time.perf_counter()
    model = model or _LoadedModel(package, options)
    vocabulary = _source_vocabulary(package)
    tokenizer = tokenizer_facts(package, len(vocabulary))
    inspector = _Inspector(model, vocabulary)
    characters = tuple(inspector.character(char) for char in CHARACTERS)

    probes = probe_set(package.from_code)
    cases = _cases(probes, TERMS.get(package.to_code, ()))
    rates = _tally(cases, _decode(model, [case.source for case in cases], options))
    frame = probes.placeholders[0][0]
    forms = tuple(inspector.form(form, rates[form], frame) for form in FORMS)
    copies = {kind: rates[kind] for kind in CopyKind}
    verdict = decide(forms, copies, characters, package.to_code)
    return ProbeReport(
        pair=(package.from_code, package.to_code),
        version=package.version,
        fingerprint=_fingerprint(package),
        options=options.cache_fields(),
        tokenizer=tokenizer,
        characters=characters,
        forms=forms,
        copies=copies,
        verdict=verdict,
        decoded=len(cases),
        seconds=round(time.perf_counter() - started, 3),
    )


@dataclass(frozen=True)
class _Case:
    """One probe sentence and what must come back from it."""

    source: str
    expected: tuple[str, ...]
    owner: PlaceholderForm | CopyKind  # what the case measures


def _cases(probes: _ProbeSet, terms: Sequence[str]) -> list[_Case]:
    cases = [
        _Case(
            _fill(sentence, [form.render(n) for n in numbers]),
            tuple(form.render(n) for n in numbers),
            form,
        )
        for form in FORMS
        for sentence, numbers in probes.placeholders
    ]
    cases += [_Case(sentence, expected, kind) for kind, sentence, expected in probes.copies]
    cases += [
        _Case(_fill(frame, [term]), (term,), CopyKind.TERM)
        for frame, term in zip(probes.term_frames, terms, strict=False)
    ]
    return cases


def _tally(
    cases: Sequence[_Case], outputs: Sequence[str]
) -> dict[PlaceholderForm | CopyKind, Rate]:
    """Copy rates per form and kind: a placeholder must come back exactly once, the other
    texts at least once (see :func:`_copied`)."""
    counts: Counter[PlaceholderForm | CopyKind] = Counter()
    totals: Counter[PlaceholderForm | CopyKind] = Counter()
    misses: dict[PlaceholderForm | CopyKind, list[Miss]] = {}
    for case, output in zip(cases, outputs, strict=True):
        for item in case.expected:
            if isinstance(case.owner, PlaceholderForm):
                ok = _occurrences(item, output) == 1
            else:
                ok = _copied(case.owner, item, output)
            totals[case.owner] += 1
            counts[case.owner] += ok
            kept = misses.setdefault(case.owner, [])
            if not ok and len(kept) < MAX_MISSES:
                kept.append(Miss(case.source, output, item))
    return {
        owner: Rate(counts[owner], totals[owner], tuple(misses.get(owner, ())))
        for owner in (*FORMS, *CopyKind)
    }


def probe_cached(
    package: PackageInfo,
    options: DecodingOptions | None,
    cache_dir: Path,
    refresh: bool = False,
    model: _LoadedModel | None = None,
) -> ProbeReport:
    """The package's report from ``cache_dir`` if it was probed with these options;
    else probe it and store the report there (a JSON file per fingerprint and options)."""
    options = options or DecodingOptions()
    known = None if refresh else cached_report(package, options, cache_dir)
    if known is not None:
        return known
    report = probe_package(package, options, model)
    path = cache_path(package, options, cache_dir)
    document = json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n"
    with contextlib.suppress(OSError):  # a read-only project still gets its report
        atomic_write(path, document.encode("utf-8"))
    return report


def cached_report(
    package: PackageInfo, options: DecodingOptions | None, cache_dir: Path
) -> ProbeReport | None:
    """The cached report for ``package`` under ``options``; None if there is none (never
    decodes, so `models list` can show verdicts cheaply)."""
    path = cache_path(package, options or DecodingOptions(), cache_dir)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("probe_version") != PROBE_VERSION:
            return None
        return ProbeReport.from_dict(record, cached=True)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None  # missing, damaged or from another version: probe again


def cache_path(package: PackageInfo, options: DecodingOptions, cache_dir: Path) -> Path:
    """Where the report for ``package`` under ``options`` is cached."""
    settings = json.dumps([PROBE_VERSION, options.cache_fields()], sort_keys=True)
    suffix = hashlib.sha256(settings.encode()).hexdigest()[:10]
    return Path(cache_dir) / f"{_fingerprint(package)}-{suffix}.json"


def decide(
    forms: Sequence[FormFinding],
    copies: dict[CopyKind, Rate],
    characters: Sequence[CharacterFinding],
    target: str,
) -> Verdict:
    """The placeholder form (the best copied one, if any reaches 90 %) and the term
    strategy (placeholder; else code-switch if terms survive; else attention), explained."""
    reasons = [f"{finding.form}: {finding.describe()}" for finding in forms]
    usable = [finding for finding in forms if finding.usable]
    # Best copy rate first; on a tie the earlier form (the project's own first).
    best = max(usable, key=lambda f: f.copy.copied / f.copy.total, default=None)
    if best is not None:
        reasons.append(f"placeholder form {best.form}: the best form copied in ≥ 90 % of cases")
    else:
        reasons.append("no placeholder form: none is copied in ≥ 90 % of cases without unknown "
                       "pieces")  # fmt: skip
    terms = copies.get(CopyKind.TERM, Rate(0, 0))
    if best is not None:
        strategy = TermStrategy.PLACEHOLDER
        reasons.append(f"terms: masked as {best.form} and restored")
    elif terms.passes:
        strategy = TermStrategy.CODE_SWITCH
        reasons.append(
            f"terms: written into the source in the target language (they survived "
            f"{terms.describe()})"
        )
    else:
        strategy = TermStrategy.ATTENTION
        survived = (
            f"survived only {terms.describe()}"
            if terms.total
            else f"were not measured (no probe terms for {target!r})"
        )
        reasons.append(
            f"terms: placed through attention (target terms written into the source {survived})"
        )
    plain = tuple(
        kind
        for kind in CopyKind
        if kind is not CopyKind.TERM and copies.get(kind, Rate(0, 0)).passes
    )
    protect = tuple(
        finding.character
        for finding in characters
        if finding.effect in (CharacterEffect.CHANGED, CharacterEffect.UNKNOWN)
    )
    if protect:
        shown = " ".join(_visible(char) for char in protect)
        reasons.append(f"characters the tokenizer changes or cannot represent: {shown}")
    return Verdict(best.form if best else None, strategy, plain, protect, tuple(reasons))


# ---------------------------------------------------------------------------
# Helpers


def tokenizer_facts(package: PackageInfo, vocabulary_size: int) -> TokenizerFacts:
    """The tokenizer's kind and settings, read from its model file (no decoding)."""
    sentencepiece_file = package.path / "sentencepiece.model"
    if sentencepiece_file.is_file():
        from sentencepiece import sentencepiece_model_pb2

        proto = sentencepiece_model_pb2.ModelProto()
        proto.ParseFromString(sentencepiece_file.read_bytes())
        trainer, normalizer = proto.trainer_spec, proto.normalizer_spec
        spec = sentencepiece_model_pb2.TrainerSpec
        kind = {
            spec.UNIGRAM: TokenizerKind.SENTENCEPIECE_UNIGRAM,
            spec.BPE: TokenizerKind.SENTENCEPIECE_BPE,
        }.get(trainer.model_type, TokenizerKind.SENTENCEPIECE_OTHER)
        piece_type = sentencepiece_model_pb2.ModelProto.SentencePiece
        symbols = tuple(
            piece.piece for piece in proto.pieces if piece.type == piece_type.USER_DEFINED
        )
        return TokenizerFacts(
            kind=kind,
            vocabulary_size=vocabulary_size or len(proto.pieces),
            byte_fallback=bool(trainer.byte_fallback)
            or any(piece.type == piece_type.BYTE for piece in proto.pieces),
            user_symbols=symbols,
            normalization=normalizer.name or ("custom" if normalizer.precompiled_charsmap else ""),
            character_coverage=round(trainer.character_coverage, 6),
        )
    merges = 0
    with (package.path / "bpe.model").open(encoding="utf-8") as codes:
        merges = sum(1 for line in codes if line.strip() and not line.startswith("#version"))
    return TokenizerFacts(
        kind=TokenizerKind.BPE_MOSES,
        vocabulary_size=vocabulary_size,
        byte_fallback=False,
        user_symbols=(),
        normalization="moses",
        bpe_merges=merges,
    )


def _source_vocabulary(package: PackageInfo) -> frozenset[str]:
    """The tokens the CTranslate2 model knows on the source side (others become <unk>)."""
    model = package.path / "model"
    for name in ("source_vocabulary", "shared_vocabulary"):
        as_json = model / f"{name}.json"
        if as_json.is_file():
            return frozenset(json.loads(as_json.read_text(encoding="utf-8")))
        as_text = model / f"{name}.txt"
        if as_text.is_file():
            return frozenset(as_text.read_text(encoding="utf-8").splitlines())
    return frozenset()


_BYTE_PIECE = re.compile(r"<0x[0-9A-Fa-f]{2}>")


class _Inspector:
    """Tokenizer-only measurements: no decoding."""

    def __init__(self, model: _LoadedModel, vocabulary: frozenset[str]) -> None:
        self.model = model
        self.vocabulary = vocabulary - {"<unk>"}
        processor = getattr(model.tokenizer, "lazy_processor", None)
        self.sentencepiece = processor() if processor else None

    def unknown(self, pieces: Sequence[str]) -> int:
        """Pieces that reach the model as <unk>: unknown to the tokenizer or the model."""
        return sum(self._unknown(piece) for piece in pieces)

    def _unknown(self, piece: str) -> bool:
        if piece == "<unk>" or (self.vocabulary and piece not in self.vocabulary):
            return True
        processor = self.sentencepiece
        return processor is not None and processor.piece_to_id(piece) == processor.unk_id()

    def character(self, char: str) -> CharacterFinding:
        pieces = self.model.encode(char)  # alone, so its context cannot be what is unknown
        text = f"Wert 5{char}9 und"
        decoded = self.model.decode(self.model.encode(text))
        kept = _between(decoded, "Wert 5", "9 und")
        if self.unknown(pieces):
            effect = CharacterEffect.UNKNOWN
        elif kept != char:
            effect = CharacterEffect.CHANGED
        elif any(_BYTE_PIECE.fullmatch(piece) for piece in pieces):
            effect = CharacterEffect.BYTES
        else:
            effect = CharacterEffect.KEPT
        return CharacterFinding(char, effect, decoded if kept is None else kept)

    def form(self, form: PlaceholderForm, copy: Rate, frame: str) -> FormFinding:
        instance = form.render(1)
        pieces = tuple(self.model.encode(instance))
        sentence = _fill(frame, [instance])
        decoded = self.model.decode(self.model.encode(sentence))
        return FormFinding(
            form=form.name,
            pieces=pieces,
            unknown_pieces=self.unknown(pieces),
            byte_pieces=sum(bool(_BYTE_PIECE.fullmatch(piece)) for piece in pieces),
            round_trip=form.count(1, decoded) == 1,
            copy=copy,
        )


def _decode(model: _LoadedModel, texts: list[str], options: DecodingOptions) -> list[str]:
    """Every probe sentence in one ``translate_batch`` call, as the engine decodes."""
    batch = [model.encode(text) for text in texts]
    longest = max((len(tokens) for tokens in batch), default=0)
    limit = int(longest * options.max_length_ratio) + options.max_length_extra
    prefix = [[model.target_prefix] for _ in batch] if model.target_prefix else None
    positions: int | None = None
    while True:
        try:
            results = model.translator.translate_batch(
                batch,
                target_prefix=prefix,
                beam_size=options.beam_size,
                length_penalty=options.length_penalty,
                max_decoding_length=min(limit, positions - 1) if positions else limit,
                max_batch_size=options.max_batch_tokens,
                batch_type="tokens",
                max_input_length=positions or 1024,
                replace_unknowns=True,
            )
            break
        except RuntimeError as error:
            # Models with a fixed position table (small custom ones) stop at its end.
            found = _POSITIONS.search(str(error))
            if not found or positions is not None:
                raise
            positions = int(found.group(1))
    return [model.decode(list(result.hypotheses[0])) for result in results]


def _copied(kind: CopyKind, expected: str, output: str) -> bool:
    """Whether ``expected`` came back: numbers by their digits (a model may localise the
    separators, 1.250 → 1,250), everything else verbatim and, for words, as whole words."""
    if kind is CopyKind.NUMBER:
        wanted = Counter(_DIGITS.findall(expected))
        return not wanted - Counter(_DIGITS.findall(output))
    if kind in (CopyKind.NAME, CopyKind.TERM):
        return re.search(rf"(?<!\w){re.escape(expected)}(?!\w)", output) is not None
    return expected in output


def _occurrences(placeholder: str, text: str) -> int:
    """How often ``placeholder`` occurs in ``text``; one ending in a digit must not be
    followed by another (``#1`` is not in ``#12``)."""
    guard = r"(?!\d)" if placeholder[-1:].isdigit() else ""
    return len(re.findall(re.escape(placeholder) + guard, text))


def _fill(frame: str, values: Sequence[str]) -> str:
    parts = frame.split("{}")
    assert len(parts) == len(values) + 1, frame
    return "".join(part + value for part, value in zip(parts, [*values, ""], strict=True))


def _between(text: str, before: str, after: str) -> str | None:
    start = text.find(before)
    end = text.find(after, start + len(before)) if start >= 0 else -1
    return text[start + len(before) : end] if end >= 0 else None


def _visible(char: str) -> str:
    if char.isprintable() and not char.isspace() and unicodedata.category(char) != "Cf":
        return char
    return f"U+{ord(char):04X} {unicodedata.name(char, '?')}"
