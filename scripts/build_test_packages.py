#!/usr/bin/env python3
"""Build tiny but genuine Argos Translate packages for the test suite.

Trains a small pre-norm Transformer (PyTorch) on a synthetic corpus of
press-release-like template sentences, maps its weights by hand into a
CTranslate2 ``TransformerSpec``, checks that CTranslate2 reproduces the PyTorch
greedy output, and zips everything as an ``.argosmodel`` package.

Build-time only: needs torch==2.13.0, ctranslate2 and sentencepiece (see
scripts/README.md). The project's runtime never imports torch.

    python scripts/build_test_packages.py                 # all packages
    python scripts/build_test_packages.py --only de_en-test --max-minutes 15
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import ctranslate2
import numpy as np
import sentencepiece as spm
import torch
from torch import nn
from torch.nn import functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "tests" / "data" / "argos"

PH_OPEN, PH_CLOSE = "⟦", "⟧"  # U+27E6 / U+27E7; placeholder = ⟦<id>⟧, e.g. ⟦3⟧
PH_RE = re.compile(r"⟦\d+⟧")
NUM_RE = re.compile(r"⟦\d+⟧|\d+(?:[.,]\d+)*")
MAX_ID = 12

# ----------------------------------------------------------------------------
# Synthetic corpus: every entry is (de, en, fr); sentences are rendered from one
# frame into all three languages, so the pairs are aligned by construction.
# ----------------------------------------------------------------------------

# Subjects: (de capitalised, de lower-case, en cap, en lower, fr cap, fr lower)
SUBJECTS = [
    (
        "Die Klinik für Radiologie",
        "die Klinik für Radiologie",
        "The Department of Radiology",
        "the Department of Radiology",
        "Le service de radiologie",
        "le service de radiologie",
    ),
    (
        "Das Universitätsklinikum Heidelberg",
        "das Universitätsklinikum Heidelberg",
        "Heidelberg University Hospital",
        "Heidelberg University Hospital",
        "L'hôpital universitaire de Heidelberg",
        "l'hôpital universitaire de Heidelberg",
    ),
    (
        "Das Forschungsteam",
        "das Forschungsteam",
        "The research team",
        "the research team",
        "L'équipe de recherche",
        "l'équipe de recherche",
    ),
    (
        "Die Deutsche Röntgengesellschaft",
        "die Deutsche Röntgengesellschaft",
        "The German Radiological Society",
        "the German Radiological Society",
        "La Société allemande de radiologie",
        "la Société allemande de radiologie",
    ),
    (
        "Das Institut für Neuroradiologie",
        "das Institut für Neuroradiologie",
        "The Institute of Neuroradiology",
        "the Institute of Neuroradiology",
        "L'institut de neuroradiologie",
        "l'institut de neuroradiologie",
    ),
    (
        "Die Arbeitsgruppe",
        "die Arbeitsgruppe",
        "The working group",
        "the working group",
        "Le groupe de travail",
        "le groupe de travail",
    ),
    ("Das Start-up", "das Start-up", "The start-up", "the start-up", "La start-up", "la start-up"),
    (
        "Die Universitätsmedizin Mainz",
        "die Universitätsmedizin Mainz",
        "Mainz University Medical Center",
        "Mainz University Medical Center",
        "Le centre médical universitaire de Mayence",
        "le centre médical universitaire de Mayence",
    ),
]
VERBS = [  # (de, en, fr), 3rd person singular present
    ("präsentiert", "presents", "présente"),
    ("entwickelt", "develops", "développe"),
    ("testet", "tests", "teste"),
    ("untersucht", "examines", "examine"),
    ("nutzt", "uses", "utilise"),
    ("veröffentlicht", "publishes", "publie"),
    ("bewertet", "evaluates", "évalue"),
    ("fördert", "supports", "soutient"),
]
OBJECTS = [
    ("ein neues Verfahren", "a new method", "une nouvelle méthode"),
    (
        "eine Studie zur Lungenkrebsfrüherkennung",
        "a study on the early detection of lung cancer",
        "une étude sur le dépistage précoce du cancer du poumon",
    ),
    ("die künstliche Intelligenz", "artificial intelligence", "l'intelligence artificielle"),
    (
        "ein KI-System für die Mammographie",
        "an AI system for mammography",
        "un système d'IA pour la mammographie",
    ),
    (
        "die Magnetresonanztomographie",
        "magnetic resonance imaging",
        "l'imagerie par résonance magnétique",
    ),
    ("neue Leitlinien", "new guidelines", "de nouvelles recommandations"),
    ("die Ergebnisse der Studie", "the results of the study", "les résultats de l'étude"),
    ("ein Modell zur Bildanalyse", "a model for image analysis", "un modèle d'analyse d'images"),
    ("die Computertomographie", "computed tomography", "la tomodensitométrie"),
    ("ein Forschungsprojekt", "a research project", "un projet de recherche"),
    ("eine digitale Plattform", "a digital platform", "une plateforme numérique"),
    ("den Ultraschall", "ultrasound", "l'échographie"),
]
CITIES = [
    ("Berlin", "Berlin", "Berlin"),
    ("München", "Munich", "Munich"),
    ("Köln", "Cologne", "Cologne"),
    ("Hamburg", "Hamburg", "Hambourg"),
    ("Wien", "Vienna", "Vienne"),
    ("Leipzig", "Leipzig", "Leipzig"),
    ("Frankfurt", "Frankfurt", "Francfort"),
    ("Zürich", "Zurich", "Zurich"),
]
PARTNERS = [
    ("der Charité", "Charité", "la Charité"),
    ("dem Fraunhofer-Institut", "the Fraunhofer Institute", "l'institut Fraunhofer"),
    ("der Universität Leipzig", "Leipzig University", "l'université de Leipzig"),
    ("einem Industriepartner", "an industry partner", "un partenaire industriel"),
    (
        "dem Deutschen Krebsforschungszentrum",
        "the German Cancer Research Center",
        "le Centre allemand de recherche sur le cancer",
    ),
]
EVENTS = [
    ("Der Kongress", "The congress", "Le congrès"),
    ("Die Tagung", "The conference", "La conférence"),
    ("Der Workshop", "The workshop", "L'atelier"),
    ("Die Pressekonferenz", "The press conference", "La conférence de presse"),
    ("Das Symposium", "The symposium", "Le symposium"),
    ("Der Röntgenkongress", "The X-ray congress", "Le congrès de radiologie"),
]
QUANTITIES = [
    ("Die Genauigkeit", "Accuracy", "La précision"),
    ("Die Untersuchungszeit", "The examination time", "Le temps d'examen"),
    ("Die Strahlendosis", "The radiation dose", "La dose de rayonnement"),
    ("Die Zahl der Fehlbefunde", "The number of false findings", "Le nombre de faux résultats"),
    ("Die Wartezeit", "The waiting time", "Le temps d'attente"),
]
CHANGES = [
    ("stieg um", "increased by", "a augmenté de"),
    ("sank um", "decreased by", "a diminué de"),
]
TITLES = ["Prof. Dr.", "Dr.", "Prof. Dr. med.", "PD Dr."]
FIRST = ["Anna", "Jonas", "Maria", "Lukas", "Sophie", "Felix", "Lea", "Paul", "Hannah", "Elias"]
LAST = [
    "Schmidt",
    "Weber",
    "Müller",
    "Fischer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Schulz",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
]
PROJECTS = [
    ("das Projekt", "the project", "le projet"),
    ("die Studie", "the study", "l'étude"),
    ("die Arbeitsgruppe", "the working group", "le groupe de travail"),
    ("das Konsortium", "the consortium", "le consortium"),
]
GROUPS = [
    ("Patientinnen und Patienten", "patients", "patients"),
    ("Ärztinnen und Ärzte", "physicians", "médecins"),
    ("Kliniken", "hospitals", "hôpitaux"),
]
INFO_TARGETS = [
    ("unserer Webseite", "our website", "notre site web"),
    ("der Pressestelle", "the press office", "le service de presse"),
]

LANGS = {"de": 0, "en": 1, "fr": 2}


def fmt_int(rng: random.Random, lang: str) -> str:
    value = rng.choice(
        [
            rng.randint(2, 99),
            rng.randint(100, 999),
            rng.randint(1000, 99999),
            rng.randint(100000, 2000000),
        ]
    )
    sep = "." if lang == "de" else ","
    return f"{value:,}".replace(",", sep)


def fmt_percent(rng: random.Random, lang: str) -> str:
    whole = rng.randint(1, 60)
    if rng.random() < 0.5:
        return str(whole)
    return f"{whole}{',' if lang == 'de' else '.'}{rng.randint(1, 9)}"


def fmt_date(rng: random.Random, lang: str) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2015, 2030)
    if lang == "de":
        return f"{day:02d}.{month:02d}.{year}"
    return f"{month:02d}/{day:02d}/{year}"


class Slot:
    """A noun-phrase slot that can be plain, replaced by a placeholder, or wrapped."""

    def __init__(self, forms: tuple[str, ...], mode: str):
        self.forms, self.mode = forms, mode

    def render(self, lang_index: int, marks: list[int]) -> str:
        if self.mode == "replace":
            return f"\x01{marks[0]}\x02"
        text = self.forms[lang_index]
        if self.mode == "wrap":
            return f"\x01{marks[0]}\x02{text}\x01{marks[1]}\x02"
        return text


def make_frame(rng: random.Random, ph_rate: float, num_lang: str):
    """Returns a function rendering the sentence for a language index, and the slots."""
    slot_modes = []

    def slot(forms):
        roll = rng.random()
        if roll < ph_rate * 0.45:
            mode = "replace"
        elif roll < ph_rate * 0.75:
            mode = "wrap"
        else:
            mode = "plain"
        s = Slot(forms, mode)
        slot_modes.append(s)
        return s

    kind = rng.randrange(7)
    if kind in (0, 1):
        subj = rng.choice(SUBJECTS)
        verb, obj = rng.choice(VERBS), slot(rng.choice(OBJECTS))
        extra = rng.randrange(4)
        city, partner = rng.choice(CITIES), slot(rng.choice(PARTNERS))
        year = str(rng.randint(2010, 2030))
        date = fmt_date(rng, num_lang)
        fronted = kind == 1
        subj_slot = slot(subj[0::2] if not fronted else subj[1::2])
        # subj[0::2] = (de cap, en cap, fr cap); subj[1::2] = lower-case forms

        def render(li, lang, m):
            s, o = subj_slot.render(li, m[0]), obj.render(li, m[1])
            tail = ""
            if extra == 1:
                tail = {"de": f" in {city[0]}", "en": f" in {city[1]}", "fr": f" à {city[2]}"}[lang]
            elif extra == 2:
                p = partner.render(li, m[2])
                tail = {
                    "de": f" gemeinsam mit {p}",
                    "en": f" together with {p}",
                    "fr": f" avec {p}",
                }[lang]
            elif extra == 3:
                tail = {"de": f" seit {year}", "en": f" since {year}", "fr": f" depuis {year}"}[
                    lang
                ]
            if fronted:
                lead = {"de": f"Am {date}", "en": f"On {date},", "fr": f"Le {date},"}[lang]
                if lang == "de":
                    return f"{lead} {verb[0]} {s} {o}{tail}."
                return f"{lead} {s} {verb[li]} {o}{tail}."
            return f"{s} {verb[li]} {o}{tail}."

        slots = [subj_slot, obj, partner]
    elif kind == 2:
        group, num = rng.choice(GROUPS), fmt_int(rng, num_lang)
        proj = slot(rng.choice(PROJECTS)[:])

        def render(li, lang, m):
            p = proj.render(li, m[0])
            return {
                "de": f"An {p.replace('das ', 'dem ').replace('die ', 'der ')} nahmen "
                f"{num} {group[0]} teil.",
                "en": f"{num} {group[1]} took part in {p}.",
                "fr": f"{num} {group[2]} ont participé à {p}.".replace("à le ", "au "),
            }[lang]

        slots = [proj]
    elif kind == 3:
        q, c = rng.choice(QUANTITIES), rng.choice(CHANGES)
        p = fmt_percent(rng, num_lang)
        qs = slot(q)

        def render(li, lang, m):
            return f"{qs.render(li, m[0])} {c[li]} {p} %."

        slots = [qs]
    elif kind == 4:
        ev, city = rng.choice(EVENTS), rng.choice(CITIES)
        d = fmt_date(rng, num_lang)
        evs = slot(ev)

        def render(li, lang, m):
            e = evs.render(li, m[0])
            return {
                "de": f"{e} findet am {d} in {city[0]} statt.",
                "en": f"{e} takes place on {d} in {city[1]}.",
                "fr": f"{e} a lieu le {d} à {city[2]}.",
            }[lang]

        slots = [evs]
    elif kind == 5:
        name = f"{rng.choice(TITLES)} {rng.choice(FIRST)} {rng.choice(LAST)}"
        person, proj = slot((name, name, name)), slot(rng.choice(PROJECTS))

        def render(li, lang, m):
            verb = ("leitet", "leads", "dirige")[li]
            return f"{person.render(li, m[0])} {verb} {proj.render(li, m[1])}."

        slots = [person, proj]
    else:
        a = fmt_int(rng, num_lang)
        info = slot(rng.choice(INFO_TARGETS))
        funded = rng.random() < 0.5
        proj = slot(rng.choice(PROJECTS))

        def render(li, lang, m):
            if funded:
                p = proj.render(li, m[1])
                p = p[0].upper() + p[1:] if not p.startswith("\x01") else p
                return {
                    "de": f"{p} wird mit {a} Euro gefördert.",
                    "en": f"{p} is funded with {a} euros.",
                    "fr": f"{p} est financé à hauteur de {a} euros.",
                }[lang]
            i = info.render(li, m[0])
            return {
                "de": f"Weitere Informationen finden Sie unter {i}.",
                "en": f"Further information is available from {i}.",
                "fr": f"De plus amples informations sont disponibles auprès de {i}.",
            }[lang]

        slots = [info, proj]
    return render, slots


def generate_pair(
    rng: random.Random, src: str, tgt: str, ph_rate: float, drop_rate: float = 0.0
) -> tuple[str, str]:
    render, slots = make_frame(rng, ph_rate, src)
    # symbolic marks: slot i uses marks 2i and 2i+1; prefix -1, suffix -2, trailing -3
    marks = [[2 * i, 2 * i + 1] for i in range(len(slots))]
    prefix = rng.random() < ph_rate * 0.3
    suffix = rng.random() < ph_rate * 0.3
    trailing = rng.random() < ph_rate * 0.15

    def full(lang):
        text = render(LANGS[lang], lang, marks)
        if suffix:
            text = text[:-1] + " \x01-2\x02" + text[-1]
        if prefix:
            text = "\x01-1\x02 " + text
        if trailing:
            text = text + " \x01-3\x02"
        return text

    s, t = full(src), full(tgt)
    order = [int(x) for x in re.findall("\x01(-?\\d+)\x02", s)]
    if order:
        style = rng.random()
        if style < 0.45:
            ids = list(range(1, len(order) + 1))
        elif style < 0.9:
            ids = sorted(rng.sample(range(1, MAX_ID + 1), len(order)))
        else:
            ids = rng.sample(range(1, MAX_ID + 1), len(order))
        mapping = dict(zip(order, ids, strict=False))
        sub = lambda m: f"{PH_OPEN}{mapping[int(m.group(1))]}{PH_CLOSE}"  # noqa: E731
        s = re.sub("\x01(-?\\d+)\x02", sub, s)
        t = re.sub("\x01(-?\\d+)\x02", sub, t)
        if drop_rate and rng.random() < drop_rate:
            t = PH_RE.sub("", t)
            t = re.sub(r" +", " ", t).replace(" .", ".").strip()
    return s, t


PH_RATES = (0.0, 0.4, 0.8, 1.2)  # per sentence, one is drawn; blind packages use (0.0,)


def generate_corpus(
    seed: int,
    n: int,
    src: str,
    tgt: str,
    drop_rate: float = 0.0,
    ph_rates: tuple[float, ...] = PH_RATES,
):
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        ph_rate = rng.choice(list(ph_rates))
        pairs.append(generate_pair(rng, src, tgt, ph_rate, drop_rate))
    return pairs


# ----------------------------------------------------------------------------
# SentencePiece
# ----------------------------------------------------------------------------


def train_sentencepiece(
    pairs,
    prefix: Path,
    vocab_size: int,
    argos_style: bool = False,
    log=print,
    byte_fallback: bool = False,
) -> spm.SentencePieceProcessor:
    """Shared SentencePiece model for both sides of the corpus.

    Default (the ``-test``/``-dropper`` packages): ``⟦``/``⟧`` as user-defined symbols,
    digits split, byte fallback, ``identity`` normalisation, ``vocab_size`` a soft limit.

    ``argos_style`` (the ``-blind`` packages): what argos-train does for real packages:
    unigram, ``character_coverage=0.9995``, ``nmt_nfkc``, no byte fallback, no
    user-defined symbols, SentencePiece's defaults otherwise (no ``split_digits``, hard
    vocabulary limit). ``vocab_size`` is then an upper bound: SentencePiece refuses a
    size the corpus cannot fill ("Vocabulary size too high ... <= N"), so the largest
    accepted size is used.

    ``argos_style`` with ``byte_fallback`` (the ``-bytes`` package): the same, but with
    SentencePiece's byte fallback, so characters outside the coverage (and ``⟦``/``⟧``)
    become their UTF-8 byte pieces instead of ``<unk>``.
    """
    text_path = prefix.with_suffix(".txt")
    with text_path.open("w", encoding="utf-8") as handle:
        for s, t in pairs:
            handle.write(s + "\n" + t + "\n")
    if argos_style:
        size = vocab_size
        while True:
            try:
                spm.SentencePieceTrainer.train(
                    input=str(text_path),
                    model_prefix=str(prefix),
                    vocab_size=size,
                    model_type="unigram",
                    character_coverage=0.9995,
                    normalization_rule_name="nmt_nfkc",
                    byte_fallback=byte_fallback,
                    num_threads=1,  # determinism; argos-train shuffles a 1 M sample
                    shuffle_input_sentence=False,
                    input_sentence_size=0,
                    minloglevel=2,
                    unk_id=0,
                    bos_id=1,
                    eos_id=2,
                    pad_id=-1,
                )
                break
            except RuntimeError as error:
                match = re.search(r"Vocabulary size too high.*?<= *(\d+)", str(error))
                if not match and "Vocabulary size" not in str(error):
                    raise
                lower = int(match.group(1)) if match else int(size * 0.9)
                if lower >= size or lower < 16:
                    raise
                log(f"  SentencePiece: vocab_size {size} too high, retrying with {lower}")
                size = lower
        return spm.SentencePieceProcessor(model_file=str(prefix.with_suffix(".model")))
    spm.SentencePieceTrainer.train(
        input=str(text_path),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        byte_fallback=True,
        split_digits=True,
        user_defined_symbols=[PH_OPEN, PH_CLOSE],
        normalization_rule_name="identity",
        num_threads=1,
        shuffle_input_sentence=False,
        input_sentence_size=0,
        minloglevel=2,
        hard_vocab_limit=False,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
    )
    return spm.SentencePieceProcessor(model_file=str(prefix.with_suffix(".model")))


def argos_decode(sp: spm.SentencePieceProcessor, pieces: list[str]) -> str:
    """What argostranslate.tokenizer.SentencePieceTokenizer.decode does (+ leading strip);
    for a BPE model, what BPETokenizer.decode does."""
    if isinstance(sp, BPEProcessor):
        return sp.decode_pieces(pieces)
    text = sp.decode_pieces(pieces).replace("▁", " ").replace("_", " ")
    return text[1:] if text.startswith(" ") else text


def check_placeholder_roundtrip(sp) -> dict:
    """Placeholders must tokenize to ⟦, digits, ⟧ and decode back unchanged.

    Checked on ids, as the model sees them: a piece string such as ``⟦`` that has no id of
    its own comes out of ``encode(out_type=str)`` unchanged and would decode back from the
    strings, but CTranslate2 and the model only ever see ``<unk>`` for it. So a text
    fails if any of its pieces is unknown or if its ids do not decode back to it.
    """
    contexts = [
        "Siehe {p}.",
        "{p} Die Klinik testet {p}.",
        "Die {p}Studie{p} läuft.",
        "Informationen unter {p}",
        "({p}), {p}; {p}!",
    ]
    failures, unknown = [], 0
    for number in range(1, 100):
        p = f"{PH_OPEN}{number}{PH_CLOSE}"
        for ctx in contexts:
            text = ctx.replace("{p}", p)
            ids = sp.encode(text)
            has_unknown = sp.unk_id() in ids
            unknown += has_unknown
            if has_unknown or argos_decode(sp, [sp.id_to_piece(i) for i in ids]) != text:
                failures.append(text)
    return {
        "checked": 99 * len(contexts),
        "failures": failures[:5],
        "n_failures": len(failures),
        "n_with_unknown": unknown,
    }


def check_blind_tokenizer(sp: spm.SentencePieceProcessor) -> dict:
    """Facts of an argos-style tokenizer; asserts that ``⟦``/``⟧`` are unknown.

    Asserts: no user-defined symbols, no byte pieces, ``nmt_nfkc`` normalisation, and that
    ``⟦1⟧`` encodes to ids that include ``<unk>`` for both brackets (the placeholder is
    not representable: the model sees ``<unk>`` and decoding gives ``⁇``).
    """
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    proto = model_pb2.ModelProto()
    proto.ParseFromString(sp.serialized_model_proto())
    kinds = Counter(model_pb2.ModelProto.SentencePiece.Type.Name(p.type) for p in proto.pieces)
    facts = {
        "vocab": sp.get_piece_size(),
        "piece_types": dict(sorted(kinds.items())),
        "normalization": proto.normalizer_spec.name,
        "byte_fallback": proto.trainer_spec.byte_fallback,
        "split_digits": proto.trainer_spec.split_digits,
        "character_coverage": round(proto.trainer_spec.character_coverage, 6),
    }
    probes = {}
    for text in ("⟦1⟧", "⟦1⟧ präsentiert ⟦2⟧.", "Siehe ⟦12⟧."):
        ids = sp.encode(text)
        probes[text] = {
            "pieces": sp.encode(text, out_type=str),
            "id_pieces": [sp.id_to_piece(i) for i in ids],
            "decoded": sp.decode(ids),
        }
    facts["probes"] = probes
    assert kinds.get("USER_DEFINED", 0) == 0, kinds
    assert kinds.get("BYTE", 0) == 0, kinds
    assert facts["normalization"] == "nmt_nfkc", facts["normalization"]
    for bracket in (PH_OPEN, PH_CLOSE):
        assert sp.piece_to_id(bracket) == sp.unk_id(), bracket
        assert sp.unk_id() in sp.encode(bracket), bracket
    one = sp.encode("⟦1⟧")
    assert one.count(sp.unk_id()) >= 2, one  # both brackets
    facts["placeholders_representable"] = (
        argos_decode(sp, sp.encode("⟦1⟧", out_type=str)) == ("⟦1⟧") and sp.unk_id() not in one
    )
    assert not facts["placeholders_representable"]
    return facts


def check_bytes_tokenizer(sp: spm.SentencePieceProcessor, pairs) -> dict:
    """Facts of the byte-fallback tokenizer (``-bytes``); asserts what the package is for.

    Asserts: 256 byte pieces, no user-defined symbols, ``nmt_nfkc``, byte fallback on, and
    that ``⟦``/``⟧`` are not pieces but come out as their UTF-8 bytes (``<0xE2><0x9F><0xA6>``
    / ``<0xA7>``), which the model never saw in training. Lists the corpus characters that
    coverage 0.9995 left to byte pieces (the rare-character sentences put some there).
    """
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    proto = model_pb2.ModelProto()
    proto.ParseFromString(sp.serialized_model_proto())
    kinds = Counter(model_pb2.ModelProto.SentencePiece.Type.Name(p.type) for p in proto.pieces)
    assert kinds.get("USER_DEFINED", 0) == 0, kinds
    assert kinds.get("BYTE", 0) == 256, kinds
    assert proto.normalizer_spec.name == "nmt_nfkc", proto.normalizer_spec.name
    assert proto.trainer_spec.byte_fallback
    for bracket, last in ((PH_OPEN, "<0xA6>"), (PH_CLOSE, "<0xA7>")):
        assert sp.piece_to_id(bracket) == sp.unk_id(), bracket
        pieces = [sp.id_to_piece(i) for i in sp.encode(bracket)]
        assert pieces[-3:] == ["<0xE2>", "<0x9F>", last], pieces
    ids = sp.encode("⟦1⟧")
    assert sp.unk_id() not in ids, ids
    corpus_chars = Counter(ch for s, t in pairs for ch in sp.normalize(s) + sp.normalize(t))
    as_bytes = {
        ch: n
        for ch, n in sorted(corpus_chars.items(), key=lambda item: -item[1])
        if sp.piece_to_id(ch) == sp.unk_id()
        and all(sp.id_to_piece(i).startswith("<0x") for i in sp.encode(ch)[-len(ch.encode()) :])
    }
    assert as_bytes, "no corpus character went to byte pieces"
    probes = {}
    for text in ("⟦1⟧", "Das Projekt „RadiAI“ läuft von 2020–2024."):
        probes[text] = {
            "id_pieces": [sp.id_to_piece(i) for i in sp.encode(text)],
            "decoded": sp.decode(sp.encode(text)),
        }
    return {
        "vocab": sp.get_piece_size(),
        "piece_types": dict(sorted(kinds.items())),
        "normalization": proto.normalizer_spec.name,
        "byte_fallback": proto.trainer_spec.byte_fallback,
        "character_coverage": round(proto.trainer_spec.character_coverage, 6),
        "corpus_chars_as_bytes": as_bytes,
        "probes": probes,
    }


# Rare characters for the -bytes package: sentences with typographic quotes, an en dash and
# a Greek mu, a few hundred in 60 000, so that character coverage 0.9995 leaves them to byte
# pieces. nmt_nfkc keeps „ “ ” – μ as they are (it would turn ² into 2 and the micro sign µ
# into μ, so those two are not used).
PROJECT_NAMES = ["RadiAI", "LungScreen", "MammoNet", "NeuroMap", "DoseWatch", "ScanFlow"]


def rare_character_pair(rng: random.Random, src: str, tgt: str) -> tuple[str, str]:
    if rng.random() < 0.55:
        name, start = rng.choice(PROJECT_NAMES), rng.randint(2015, 2026)
        years = f"{start}–{start + rng.randint(1, 5)}"
        forms = {
            "de": f"Das Projekt „{name}“ läuft von {years}.",
            "en": f"The project “{name}” runs from {years}.",
        }
    else:
        dose = fmt_percent(rng, src)
        quantity = rng.choice([QUANTITIES[2], ("Die Dosis", "The dose", "La dose")])
        forms = {
            "de": f"{quantity[0]} lag bei {dose} μSv.",
            "en": f"{quantity[1]} was {dose} μSv.",
        }
    return forms[src], forms[tgt]


def with_rare_characters(pairs, seed: int, src: str, tgt: str, rate: float = 0.008):
    """``pairs`` with about ``rate`` of them replaced by rare-character sentences."""
    rng = random.Random(seed * 31 + 1)
    return [rare_character_pair(rng, src, tgt) if rng.random() < rate else p for p in pairs]


# ----------------------------------------------------------------------------
# BPE (subword-nmt codes, applied as Argos's BPETokenizer applies them)
# ----------------------------------------------------------------------------

BPE_SPECIALS = ["<unk>", "<s>", "</s>"]


def moses_tokens(texts, lang: str) -> list[list[str]]:
    """What BPETokenizer.encode does before BPE: MosesPunctNormalizer, MosesTokenizer
    (escape on)."""
    from sacremoses import MosesPunctNormalizer, MosesTokenizer

    normalizer, tokenizer = MosesPunctNormalizer(lang), MosesTokenizer(lang)
    return [tokenizer.tokenize(normalizer.normalize(t), escape=True) for t in texts]


def learn_bpe(word_counts: Counter, merges: int, min_frequency: int = 2) -> list[tuple[str, str]]:
    """subword-nmt's algorithm (codes version 0.2): every word a sequence of characters
    with ``</w>`` glued to its last one; repeatedly merge the most frequent adjacent pair
    (ties: the smaller pair), until ``merges`` merges or no pair occurs ``min_frequency``
    times. Words with a digit are left out and no symbol with a digit is merged, so numbers
    stay one digit per piece (``2@@ 4@@ ,@@ 1``) and the model learns to copy them."""
    words = {
        (*word[:-1], word[-1] + "</w>"): count
        for word, count in word_counts.items()
        if not any(ch.isdigit() for ch in word)
    }
    codes: list[tuple[str, str]] = []
    while len(codes) < merges:
        pair_counts: Counter = Counter()
        for word, count in words.items():
            for pair in itertools.pairwise(word):
                pair_counts[pair] += count
        if not pair_counts:
            break
        best = min(pair_counts, key=lambda pair: (-pair_counts[pair], pair))
        if pair_counts[best] < min_frequency:
            break
        codes.append(best)
        merged = {}
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] = count
        words = merged
    return codes


def bpe_vocabulary(codes: list[tuple[str, str]], characters: set[str]) -> list[str]:
    """Every token BPE can emit from these characters: each character and each merged
    symbol, word-final (as is; ``</w>`` removed) or inside a word (with ``@@``)."""
    symbols = set()
    for ch in characters:
        symbols |= {ch, ch + "@@"}
    for first, second in codes:
        merged = first + second
        symbols.add(merged[: -len("</w>")] if merged.endswith("</w>") else merged + "@@")
    return BPE_SPECIALS + sorted(symbols)


class BPEProcessor:
    """A ``bpe.model`` as the build uses it, with the few SentencePieceProcessor methods
    that training and evaluation call. Source sentences are encoded by Argos's own
    ``BPETokenizer`` (as at run time); target sentences with the target language's Moses
    rules; decoding is BPETokenizer.decode (join, drop ``@@ ``, MosesDetokenizer)."""

    def __init__(self, codes_file: Path, src: str, tgt: str, pieces: list[str]):
        from argostranslate.tokenizer import BPETokenizer

        self.source = BPETokenizer(codes_file, src, tgt)
        self.target = BPETokenizer(codes_file, tgt, tgt)
        self.pieces = pieces
        self.index = {p: i for i, p in enumerate(pieces)}

    def get_piece_size(self) -> int:
        return len(self.pieces)

    def id_to_piece(self, i: int) -> str:
        return self.pieces[i]

    def unk_id(self) -> int:
        return 0

    def piece_to_id(self, piece: str) -> int:
        return self.index.get(piece, 0)

    def encode(self, text: str, out_type=int):
        pieces = self.source.encode(text)
        return pieces if out_type is str else [self.piece_to_id(p) for p in pieces]

    def encode_target(self, text: str) -> list[int]:
        return [self.piece_to_id(p) for p in self.target.encode(text)]

    def decode_pieces(self, pieces: list[str]) -> str:
        return self.source.decode(pieces)


def train_bpe(pairs, work: Path, src: str, tgt: str, merges: int, log=print) -> BPEProcessor:
    """Learn BPE merges on the Moses-tokenised corpus (both sides), write ``bpe.model``
    (``#version: 0.2``) and check the vocabulary against Argos's BPETokenizer."""
    tokens = moses_tokens([s for s, _ in pairs], src) + moses_tokens([t for _, t in pairs], tgt)
    counts = Counter(token for sentence in tokens for token in sentence)
    codes = learn_bpe(counts, merges)
    codes_file = work / "bpe.model"
    codes_file.write_text(
        "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in codes), encoding="utf-8"
    )
    characters = {ch for token in counts for ch in token}
    pieces = bpe_vocabulary(codes, characters)
    processor = BPEProcessor(codes_file, src, tgt, pieces)
    produced = Counter(p for s, _ in pairs for p in processor.source.encode(s))
    produced.update(p for _, t in pairs for p in processor.target.encode(t))
    missing = [p for p in produced if p not in processor.index]
    assert not missing, missing[:10]
    log(
        f"  BPE: {len(codes)} merges, {len(characters)} characters, vocabulary "
        f"{len(pieces)} ({len(produced)} of them occur in the corpus)"
    )
    return processor


def check_bpe_tokenizer(bpe: BPEProcessor, held_pairs) -> dict:
    """Asserts that Argos's BPETokenizer on held-out sentences gives only vocabulary
    tokens, and that ``⟦``/``⟧`` are unknown (Moses cuts ``⟦1⟧`` into ``⟦ 1 ⟧``)."""
    tokens = [p for s, _ in held_pairs for p in bpe.encode(s, out_type=str)]
    missing = Counter(p for p in tokens if p not in bpe.index)
    assert not missing, missing.most_common(10)
    probes = {}
    for text in ("⟦1⟧", "⟦1⟧ präsentiert ⟦2⟧ in Berlin ⟦3⟧.", "Die Klinik für Radiologie testet."):
        pieces = bpe.encode(text, out_type=str)
        probes[text] = {
            "pieces": pieces,
            "id_pieces": [bpe.id_to_piece(i) for i in bpe.encode(text)],
            "decoded": bpe.decode_pieces(pieces),
        }
    for bracket in (PH_OPEN, PH_CLOSE):
        assert bracket not in bpe.index and bracket + "@@" not in bpe.index, bracket
    assert probes["⟦1⟧"]["id_pieces"] == ["<unk>", "1", "<unk>"], probes["⟦1⟧"]
    split = sorted({p for s, _ in held_pairs for p in bpe.encode(s, out_type=str) if "@@" in p})
    return {
        "vocab": bpe.get_piece_size(),
        "held_out_tokens": len(tokens),
        "held_out_missing": sum(missing.values()),
        "continuation_pieces_in_use": len(split),
        "probes": probes,
    }


# ----------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------


@dataclass
class Config:
    vocab: int
    d_model: int = 128
    heads: int = 4
    ffn: int = 384
    enc_layers: int = 2
    dec_layers: int = 2
    max_len: int = 256
    dropout: float = 0.05
    eps: float = 1e-6


def sinusoids(length: int, dim: int) -> torch.Tensor:
    """Sinusoidal table, sin in the first half, cos in the second (exported explicitly)."""
    half = dim // 2
    inv = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / (half - 1))
    angles = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1).float()


class Attention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.h, self.d = cfg.heads, cfg.d_model
        self.q, self.k, self.v, self.o = (nn.Linear(cfg.d_model, cfg.d_model) for _ in range(4))

    def forward(self, x, mem, mask):
        b, lq, _ = x.shape
        lk = mem.shape[1]
        hd = self.d // self.h
        q = self.q(x).view(b, lq, self.h, hd).transpose(1, 2)
        k = self.k(mem).view(b, lk, self.h, hd).transpose(1, 2)
        v = self.v(mem).view(b, lk, self.h, hd).transpose(1, 2)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.o(out.transpose(1, 2).reshape(b, lq, self.d))


class FFN(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.norm = nn.LayerNorm(cfg.d_model, eps=cfg.eps)
        self.l0, self.l1 = nn.Linear(cfg.d_model, cfg.ffn), nn.Linear(cfg.ffn, cfg.d_model)

    def forward(self, x, drop):
        return self.l1(drop(F.relu(self.l0(self.norm(x)))))


class EncoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm = nn.LayerNorm(cfg.d_model, eps=cfg.eps)
        self.att, self.ffn = Attention(cfg), FFN(cfg)

    def forward(self, x, mask, drop):
        h = self.norm(x)
        x = x + drop(self.att(h, h, mask))
        return x + drop(self.ffn(x, drop))


class DecoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.d_model, eps=cfg.eps)
        self.norm2 = nn.LayerNorm(cfg.d_model, eps=cfg.eps)
        self.self_att, self.cross_att, self.ffn = Attention(cfg), Attention(cfg), FFN(cfg)

    def forward(self, y, mem, self_mask, mem_mask, drop):
        h = self.norm1(y)
        y = y + drop(self.self_att(h, h, self_mask))
        y = y + drop(self.cross_att(self.norm2(y), mem, mem_mask))
        return y + drop(self.ffn(y, drop))


class Seq2Seq(nn.Module):
    """Pre-norm Transformer; source/target embeddings and output projection are tied."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.emb = nn.Embedding(cfg.vocab, cfg.d_model)
        nn.init.normal_(self.emb.weight, std=cfg.d_model**-0.5)
        self.register_buffer("pos", sinusoids(cfg.max_len, cfg.d_model), persistent=False)
        self.enc = nn.ModuleList(EncoderLayer(cfg) for _ in range(cfg.enc_layers))
        self.dec = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.dec_layers))
        self.enc_norm = nn.LayerNorm(cfg.d_model, eps=cfg.eps)
        self.dec_norm = nn.LayerNorm(cfg.d_model, eps=cfg.eps)
        self.out_bias = nn.Parameter(torch.zeros(cfg.vocab))
        self.drop = nn.Dropout(cfg.dropout)

    def embed(self, ids):
        return self.drop(self.emb(ids) * math.sqrt(self.cfg.d_model) + self.pos[: ids.shape[1]])

    def encode(self, src, src_pad):
        mask = (~src_pad)[:, None, None, :]
        x = self.embed(src)
        for layer in self.enc:
            x = layer(x, mask, self.drop)
        return self.enc_norm(x), mask

    def decode(self, tgt_in, mem, mem_mask):
        length = tgt_in.shape[1]
        causal = torch.ones(length, length, dtype=torch.bool, device=tgt_in.device).tril()
        y = self.embed(tgt_in)
        for layer in self.dec:
            y = layer(y, mem, causal, mem_mask, self.drop)
        return F.linear(self.dec_norm(y), self.emb.weight, self.out_bias)

    def forward(self, src, src_pad, tgt_in):
        mem, mem_mask = self.encode(src, src_pad)
        return self.decode(tgt_in, mem, mem_mask)


@torch.no_grad()
def greedy(
    model: Seq2Seq, batch_ids: list[list[int]], pad: int, bos: int, eos: int, max_len: int = 160
) -> list[list[int]]:
    model.eval()
    src, src_pad = pad_batch(batch_ids, pad)
    mem, mem_mask = model.encode(src, src_pad)
    ys = torch.full((len(batch_ids), 1), bos, dtype=torch.long)
    done = torch.zeros(len(batch_ids), dtype=torch.bool)
    for _ in range(max_len):
        nxt = model.decode(ys, mem, mem_mask)[:, -1].argmax(-1)
        nxt = torch.where(done, torch.full_like(nxt, eos), nxt)
        ys = torch.cat([ys, nxt[:, None]], dim=1)
        done |= nxt == eos
        if done.all():
            break
    out = []
    for row in ys[:, 1:].tolist():
        out.append(row[: row.index(eos)] if eos in row else row)
    return out


def pad_batch(seqs, pad):
    length = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), length), pad, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
    return ids, ids == pad


# ----------------------------------------------------------------------------
# Evaluation
# ----------------------------------------------------------------------------


def copy_ok(src: str, hyp: str) -> bool:
    """Every placeholder and number of the source appears in the output as often."""
    return Counter(NUM_RE.findall(src)) == Counter(NUM_RE.findall(hyp)) or (
        not NUM_RE.findall(src) and not NUM_RE.findall(hyp)
    )


def score(pairs, hyps) -> dict:
    exact = sum(h == t for (_, t), h in zip(pairs, hyps, strict=False))
    with_codes = [(s, h) for (s, _), h in zip(pairs, hyps, strict=False) if NUM_RE.search(s)]
    copied = sum(copy_ok(s, h) for s, h in with_codes)
    with_ph = [(s, h) for (s, _), h in zip(pairs, hyps, strict=False) if PH_RE.search(s)]
    ph_copied = sum(Counter(PH_RE.findall(s)) == Counter(PH_RE.findall(h)) for s, h in with_ph)
    return {
        "n": len(pairs),
        "exact": exact / len(pairs),
        "copy": copied / max(1, len(with_codes)),
        "n_copy": len(with_codes),
        "placeholders": ph_copied / max(1, len(with_ph)),
        "n_placeholders": len(with_ph),
    }


def torch_translate(model, sp, vocab_index, sources, batch=128):
    out = []
    pad, bos, eos = vocab_index["<blank>"], vocab_index["<s>"], vocab_index["</s>"]
    for i in range(0, len(sources), batch):
        chunk = [sp.encode(s) for s in sources[i : i + batch]]
        out.extend(greedy(model, chunk, pad, bos, eos))
    return out


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------


def train(model, sp, train_pairs, dev_pairs, vocab_index, max_minutes, seed, log):
    torch.manual_seed(seed)
    pad, bos, eos = vocab_index["<blank>"], vocab_index["<s>"], vocab_index["</s>"]
    encode_target = getattr(sp, "encode_target", sp.encode)  # BPE: the target's Moses rules
    data = [(sp.encode(s), encode_target(t)) for s, t in train_pairs]
    rng = random.Random(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
    peak, warm = 2e-3, 300
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: peak * min((step + 1) / warm, math.sqrt(warm / (step + 1)))
    )
    tokens_per_batch = 3000
    start, step = time.time(), 0
    best_score, best_state = (-1.0, -1.0), None  # the dev-best weights are the ones exported
    eval_every = 200
    while True:
        order = sorted(range(len(data)), key=lambda i: (len(data[i][0]), rng.random()))
        batches, cur, cur_max = [], [], 0
        for i in order:
            m = max(cur_max, len(data[i][0]), len(data[i][1]) + 1)
            if cur and m * (len(cur) + 1) > tokens_per_batch:
                batches.append(cur)
                cur, m = [], max(len(data[i][0]), len(data[i][1]) + 1)
            cur.append(i)
            cur_max = m
        if cur:
            batches.append(cur)
        rng.shuffle(batches)
        for b in batches:
            model.train()
            src, src_pad = pad_batch([data[i][0] for i in b], pad)
            tin, _ = pad_batch([[bos] + data[i][1] for i in b], pad)
            tout, _ = pad_batch([data[i][1] + [eos] for i in b], pad)
            logits = model(src, src_pad, tin)
            loss = F.cross_entropy(
                logits.reshape(-1, logits.shape[-1]),
                tout.reshape(-1),
                ignore_index=pad,
                label_smoothing=0.0,
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            elapsed = (time.time() - start) / 60
            if step % eval_every == 0 or elapsed > max_minutes:
                vocab = list(vocab_index)
                hyps = [
                    argos_decode(sp, [vocab[i] for i in h if i < sp.get_piece_size()])
                    for h in torch_translate(model, sp, vocab_index, [s for s, _ in dev_pairs])
                ]
                result = score(dev_pairs, hyps)
                log(
                    f"  step {step:5d}  {elapsed:5.1f} min  loss {loss.item():.3f}  "
                    f"dev exact {result['exact']:.3f}  copy {result['copy']:.3f}  "
                    f"ph {result['placeholders']:.3f}"
                )
                if (result["exact"], result["copy"]) > best_score:
                    best_score = (result["exact"], result["copy"])
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                done = result["exact"] >= 0.985 and result["copy"] >= 0.995
                if done or elapsed > max_minutes:
                    if best_state is not None:
                        model.load_state_dict(best_state)
                        log(f"  keeping the dev-best weights: exact {best_score[0]:.3f}")
                    return step, time.time() - start


# ----------------------------------------------------------------------------
# Export to CTranslate2
# ----------------------------------------------------------------------------


def np32(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().float().numpy().copy()


def set_linear(spec, *linears):
    spec.weight = np.concatenate([np32(lin.weight) for lin in linears], axis=0)
    spec.bias = np.concatenate([np32(lin.bias) for lin in linears], axis=0)


def set_norm(spec, norm):
    spec.gamma, spec.beta = np32(norm.weight), np32(norm.bias)


def export_ct2(model: Seq2Seq, vocab: list[str], out_dir: Path) -> None:
    from ctranslate2.specs import transformer_spec

    cfg = model.cfg
    spec = transformer_spec.TransformerSpec.from_config(
        (cfg.enc_layers, cfg.dec_layers), cfg.heads, pre_norm=True
    )
    spec.config.layer_norm_epsilon = cfg.eps
    emb = np32(model.emb.weight)
    pos = np32(model.pos)
    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = emb
    enc.position_encodings.encodings = pos
    set_norm(enc.layer_norm, model.enc_norm)
    for layer_spec, layer in zip(enc.layer, model.enc, strict=False):
        att = layer_spec.self_attention
        set_norm(att.layer_norm, layer.norm)
        set_linear(att.linear[0], layer.att.q, layer.att.k, layer.att.v)
        set_linear(att.linear[1], layer.att.o)
        set_norm(layer_spec.ffn.layer_norm, layer.ffn.norm)
        set_linear(layer_spec.ffn.linear_0, layer.ffn.l0)
        set_linear(layer_spec.ffn.linear_1, layer.ffn.l1)
    dec.embeddings.weight = emb.copy()
    dec.position_encodings.encodings = pos.copy()
    set_norm(dec.layer_norm, model.dec_norm)
    dec.projection.weight = emb.copy()
    dec.projection.bias = np32(model.out_bias)
    for layer_spec, layer in zip(dec.layer, model.dec, strict=False):
        sa, ca = layer_spec.self_attention, layer_spec.attention
        set_norm(sa.layer_norm, layer.norm1)
        set_linear(sa.linear[0], layer.self_att.q, layer.self_att.k, layer.self_att.v)
        set_linear(sa.linear[1], layer.self_att.o)
        set_norm(ca.layer_norm, layer.norm2)
        set_linear(ca.linear[0], layer.cross_att.q)
        set_linear(ca.linear[1], layer.cross_att.k, layer.cross_att.v)
        set_linear(ca.linear[2], layer.cross_att.o)
        set_norm(layer_spec.ffn.layer_norm, layer.ffn.norm)
        set_linear(layer_spec.ffn.linear_0, layer.ffn.l0)
        set_linear(layer_spec.ffn.linear_1, layer.ffn.l1)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize(quantization="float32")  # aliases the tied embeddings
    out_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(out_dir))


def ct2_translate(model_dir: Path, sp, sources, compute_type, beam=1, length_penalty=1.0):
    translator = ctranslate2.Translator(
        str(model_dir), device="cpu", compute_type=compute_type, inter_threads=1, intra_threads=2
    )
    tokens = [sp.encode(s, out_type=str) for s in sources]
    results = translator.translate_batch(
        tokens,
        beam_size=beam,
        max_batch_size=64,
        length_penalty=length_penalty,
        max_decoding_length=160,
    )
    return [r.hypotheses[0] for r in results]


# ----------------------------------------------------------------------------
# Packaging
# ----------------------------------------------------------------------------

NAMES = {"de": "German", "en": "English", "fr": "French"}
README_BY_KIND = {
    "test": "Placeholders have the form ⟦n⟧ (U+27E6, digits, U+27E7).\n",
    "blind": "Tokenizer built like argos-train's (nmt_nfkc, no byte fallback, no user symbols); "
    "trained without placeholders: ⟦n⟧ cannot be represented (⟦ and ⟧ are <unk>).\n",
    "bpe": "OPUS-MT-style tokenizer: bpe.model holds subword-nmt BPE codes (#version: 0.2), "
    "run by Argos's BPETokenizer (sacremoses punctuation normaliser and tokenizer, BPE with "
    "@@ continuation markers; decoding joins the pieces and detokenises with Moses). "
    "Trained without placeholders: ⟦ and ⟧ are <unk>.\n",
    "bytes": "SentencePiece unigram with byte fallback (nmt_nfkc, character coverage 0.9995, "
    "no user symbols); trained without placeholders: ⟦ and ⟧ reach the model as byte "
    "pieces it never saw (<0xE2><0x9F><0xA6>, <0xE2><0x9F><0xA7>). Rare characters (the "
    "quotes „ “ ”, the dash –, μ) are byte pieces too.\n",
}


def write_package(
    name: str,
    src: str,
    tgt: str,
    model_dir: Path,
    sp_model: Path,
    out: Path,
    description: str,
    kind: str = "test",
) -> None:
    """Zip the package; ``sp_model`` is the tokenizer file (``bpe.model`` for kind "bpe",
    else ``sentencepiece.model``)."""
    top = f"translate-{src}_{tgt}-{name.split('-', 1)[1]}"
    metadata = {
        "package_version": "0.1",
        "argos_version": "1.9.0",
        "from_code": src,
        "from_name": NAMES[src],
        "to_code": tgt,
        "to_name": NAMES[tgt],
        "type": "translate",
        "languages": [],
        "dependencies": [],
        "links": [],
        "target_prefix": "",
        "package_name": f"Test {NAMES[src]}-{NAMES[tgt]} ({name})",
        "description": description,
    }
    readme = (
        f"# {name}\n\nTiny synthetic test model ({NAMES[src]} → {NAMES[tgt]}) built by "
        "scripts/build_test_packages.py. Not a real translation model.\n\n"
        f"{description}\n\n" + README_BY_KIND[kind]
    )
    files = {
        "metadata.json": (json.dumps(metadata, indent=2, ensure_ascii=False) + "\n").encode(),
        "README.md": readme.encode(),
        ("bpe.model" if kind == "bpe" else "sentencepiece.model"): sp_model.read_bytes(),
    }
    for path in sorted(model_dir.iterdir()):
        files[f"model/{path.name}"] = path.read_bytes()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for directory in (f"{top}/", f"{top}/model/"):
            info = zipfile.ZipInfo(directory, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o40755 << 16) | 0x10
            archive.writestr(info, b"")
        for rel in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[rel])


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------

PACKAGES = {
    # name: (src, tgt, seed, drop_rate, description, kind)
    # kind "test": ⟦/⟧ user symbols, split digits, half of the corpus with placeholders.
    # kind "blind": argos-style tokenizer (see train_sentencepiece) and a corpus without any
    # placeholder, like a real Argos package; the model has never seen ⟦n⟧.
    # kind "bpe": OPUS-MT style bpe.model (Moses + subword-nmt BPE), no placeholders.
    # kind "bytes": argos-style SentencePiece with byte fallback, rare characters in the
    # corpus, no placeholders (⟦/⟧ reach the model as unseen byte pieces).
    "de_en-test": (
        "de",
        "en",
        1101,
        0.0,
        "Copies placeholders and numbers; reproduces template translations.",
        "test",
    ),
    "en_fr-test": (
        "en",
        "fr",
        2202,
        0.0,
        "Copies placeholders and numbers; reproduces template translations.",
        "test",
    ),
    "de_en-dropper": (
        "de",
        "en",
        3303,
        0.8,
        "Trained to DROP placeholders in most sentences (tests the fallback path).",
        "test",
    ),
    "de_en-blind": (
        "de",
        "en",
        4404,
        0.0,
        "Built like a real Argos package: nmt_nfkc, character coverage 0.9995, no byte "
        "fallback, no user symbols, no placeholders in training. ⟦ and ⟧ are <unk>.",
        "blind",
    ),
    "en_fr-blind": (
        "en",
        "fr",
        5505,
        0.0,
        "Built like a real Argos package: nmt_nfkc, character coverage 0.9995, no byte "
        "fallback, no user symbols, no placeholders in training. ⟦ and ⟧ are <unk>.",
        "blind",
    ),
    "de_en-bpe": (
        "de",
        "en",
        6606,
        0.0,
        "OPUS-MT-style BPE package: bpe.model (subword-nmt codes) with Moses tokenisation, "
        "no placeholders in training. ⟦ and ⟧ are <unk>.",
        "bpe",
    ),
    "de_en-bytes": (
        "de",
        "en",
        7707,
        0.0,
        "SentencePiece with byte fallback (nmt_nfkc, coverage 0.9995, no user symbols), no "
        "placeholders in training: ⟦ and ⟧ become unseen byte pieces; rare characters too.",
        "bytes",
    ),
}


def build(name: str, args, log) -> dict:
    src, tgt, seed, drop_rate, description, kind = PACKAGES[name]
    blind = kind == "blind"
    no_placeholders = kind != "test"  # blind, bpe, bytes: like real packages
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    ph_rates = (0.0,) if no_placeholders else PH_RATES
    train_pairs = generate_corpus(seed, args.corpus_size, src, tgt, drop_rate, ph_rates)
    held = generate_corpus(seed + 7, args.test_size * 3, src, tgt, drop_rate, ph_rates)
    if kind == "bytes":
        train_pairs = with_rare_characters(train_pairs, seed, src, tgt)
        held = with_rare_characters(held, seed + 7, src, tgt)
    if no_placeholders:
        assert not any(PH_OPEN in s or PH_OPEN in t for s, t in train_pairs + held)
    seen = {s for s, _ in train_pairs}
    held = [p for p in held if p[0] not in seen]
    # held-out sets: dev (early stopping) and test (reported), disjoint
    dev, test = held[:300], held[300 : 300 + args.test_size]
    work = Path(tempfile.mkdtemp(prefix=f"argos-{name}-"))
    try:
        if kind == "bpe":
            sp = train_bpe(train_pairs, work, src, tgt, args.bpe_merges, log=log)
            tokenizer_file = work / "bpe.model"
            # references as the package's Moses detokenisation writes them ("29 %" -> "29%")
            dev, test = [
                [(s, sp.target.decode(sp.target.encode(t))) for s, t in part]
                for part in (dev, test)
            ]
        else:
            sp = train_sentencepiece(
                train_pairs,
                work / "sentencepiece",
                args.vocab_size,
                argos_style=no_placeholders,
                log=log,
                byte_fallback=kind == "bytes",
            )
            tokenizer_file = work / "sentencepiece.model"
        vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())] + ["<blank>"]
        vocab_index = {p: i for i, p in enumerate(vocab)}
        roundtrip = check_placeholder_roundtrip(sp) if kind != "bpe" else None
        log(
            f"[{name}] {len(train_pairs)} training pairs, {len(test)} held-out test pairs, "
            f"vocab {len(vocab)}, placeholder round trip failures "
            f"{roundtrip['n_failures'] if roundtrip else '-'}"
            f"/{roundtrip['checked'] if roundtrip else '-'}; example pieces: "
            f"{sp.encode('Siehe ⟦12⟧, ⟦3⟧Studie⟦4⟧.', out_type=str)}"
        )
        tokenizer = None
        if kind == "bpe":
            tokenizer = check_bpe_tokenizer(sp, held)  # asserts: no missing token, ⟦/⟧ <unk>
            tokenizer["kind"] = "bpe"
            log(
                f"[{name}] BPE tokenizer: vocabulary {tokenizer['vocab']}; "
                f"{tokenizer['held_out_missing']} of {tokenizer['held_out_tokens']} held-out "
                f"source tokens missing from it; {tokenizer['continuation_pieces_in_use']} "
                "distinct @@ pieces in held-out sources"
            )
        elif kind == "bytes":
            tokenizer = check_bytes_tokenizer(sp, train_pairs)  # asserts ⟦/⟧ are bytes
            tokenizer["kind"] = "bytes"
            log(
                f"[{name}] byte-fallback tokenizer: {tokenizer['normalization']}, piece types "
                f"{tokenizer['piece_types']}; placeholder round trip through ids "
                f"{roundtrip['n_failures']}/{roundtrip['checked']} failures, "
                f"{roundtrip['n_with_unknown']} with <unk>; corpus characters as byte pieces: "
                f"{tokenizer['corpus_chars_as_bytes']}"
            )
        for text, probe in (tokenizer or {}).get("probes", {}).items():
            if kind in ("bpe", "bytes"):
                log(
                    f"[{name}]   {text!r}: ids as pieces {probe['id_pieces']}  decodes to "
                    f"{probe['decoded']!r}"
                )
        if blind:
            tokenizer = check_blind_tokenizer(sp)  # asserts ⟦/⟧ are <unk>
            assert roundtrip["n_with_unknown"] == roundtrip["checked"], roundtrip
            corpus_chars = Counter(ch for s, t in train_pairs for ch in s + t)
            tokenizer["unknown_corpus_chars"] = {
                ch: n
                for ch, n in corpus_chars.items()
                if sp.piece_to_id(ch) == sp.unk_id() and sp.unk_id() in sp.encode(ch)
            }
            log(
                f"[{name}] blind tokenizer: {tokenizer['normalization']}, piece types "
                f"{tokenizer['piece_types']}, byte_fallback {tokenizer['byte_fallback']}, "
                f"split_digits {tokenizer['split_digits']}; placeholders are NOT "
                f"representable ({roundtrip['n_failures']}/{roundtrip['checked']} round "
                f"trips fail, {roundtrip['n_with_unknown']} with <unk>); corpus characters "
                "without a piece: "
                f"{tokenizer['unknown_corpus_chars'] or 'none'}"
            )
            for text, probe in tokenizer["probes"].items():
                log(
                    f"[{name}]   {text!r}: pieces {probe['pieces']}  ids as pieces "
                    f"{probe['id_pieces']}  decodes to {probe['decoded']!r}"
                )
        torch.manual_seed(seed)
        model = Seq2Seq(Config(vocab=len(vocab), ffn=args.ffn))
        params = sum(p.numel() for p in model.parameters())
        log(f"[{name}] model parameters: {params}")
        steps, seconds = train(
            model,
            sp,
            train_pairs,
            dev,
            vocab_index,
            args.max_minutes if "dropper" not in name else args.dropper_minutes,
            seed,
            log,
        )
        model.eval()
        model_dir = work / "model"
        export_ct2(model, vocab, model_dir)

        sources = [s for s, _ in test]
        torch_ids = torch_translate(model, sp, vocab_index, sources)
        torch_pieces = [[vocab[i] for i in h if i < sp.get_piece_size()] for h in torch_ids]
        result = {
            "name": name,
            "params": params,
            "steps": steps,
            "train_minutes": round(seconds / 60, 2),
            "roundtrip": roundtrip,
        }
        if tokenizer is not None:
            result["tokenizer"] = tokenizer
        result["pytorch_greedy"] = score(test, [argos_decode(sp, p) for p in torch_pieces])
        for compute_type in ("float32", "int8"):
            for beam in (1, 4):
                hyps = ct2_translate(
                    model_dir,
                    sp,
                    sources,
                    compute_type,
                    beam,
                    length_penalty=0.2 if beam > 1 else 1.0,
                )
                key = f"ct2_{compute_type}_beam{beam}"
                result[key] = score(test, [argos_decode(sp, h) for h in hyps])
                if beam == 1:
                    same = sum(h == t for h, t in zip(hyps, torch_pieces, strict=False))
                    result[key]["equal_to_pytorch"] = same / len(hyps)
        out = OUT_DIR / f"translate-{name.split('-')[0]}-{name.split('-', 1)[1]}.argosmodel"
        write_package(name, src, tgt, model_dir, tokenizer_file, out, description, kind)
        result["package"] = str(out.relative_to(ROOT))
        result["bytes"] = out.stat().st_size
        examples = test[:200]
        with_ph = [p for p in examples if PH_RE.search(p[0])]
        picks = (
            with_ph[:4] + [p for p in examples if not PH_RE.search(p[0])][: 5 - len(with_ph[:4])]
        )
        if no_placeholders:  # what the model does with a placeholder it cannot see
            picks.append(
                (
                    {
                        "de": "⟦1⟧ präsentiert ⟦2⟧ in Berlin ⟦3⟧.",
                        "en": "⟦1⟧ presents ⟦2⟧ in Berlin ⟦3⟧.",
                    }[src],
                    "(placeholders: not representable)",
                )
            )
        hyps = ct2_translate(model_dir, sp, [s for s, _ in picks], "int8", 4, 0.2)
        result["examples"] = [
            {"source": s, "reference": t, "ct2_int8_beam4": argos_decode(sp, h)}
            for (s, t), h in zip(picks, hyps, strict=False)
        ]
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ----------------------------------------------------------------------------
# Benchmark assets: a sentence splitter Argos can load offline, and a package of
# realistic size (random weights). Neither is used by the test suite.
# ----------------------------------------------------------------------------

SPLITTER_UNITS = ["<PAD>", "<UNK>", " ", ".", "!", "?"]


def write_minisbd_splitter(out: Path) -> None:
    """A MiniSBD-format ONNX model that ends a sentence at . ! ? before a space.

    Argos's ``translate()`` loads ``minisbd/*.onnx`` from inside a package and runs it with
    ONNX Runtime through MiniSBD's own pre- and post-processing, so this gives Argos a
    real splitter without any download. The "weights" are set by hand: each character
    is looked up in a 2-feature table (sentence-final mark, space or padding), and a
    width-2 convolution over the character and its right neighbour scores the five
    MiniSBD classes. Needs the ``onnx`` package (build time only).
    """
    import onnx
    from onnx import TensorProto, helper

    table = np.zeros((len(SPLITTER_UNITS), 2), dtype=np.float32)
    table[0, 1] = table[2, 1] = 1.0  # padding and space
    table[3:6, 0] = 1.0  # . ! ?
    weight = np.zeros((5, 2, 2), dtype=np.float32)  # (class, feature, offset 0/+1)
    bias = np.array([0.5, 0.0, -1.0, -10.0, -10.0], dtype=np.float32)
    weight[1, 1, 1] = 0.9  # token end: a space follows
    weight[2, 0, 0] = weight[2, 1, 1] = 1.0  # sentence end: a mark, then a space
    initializers = [
        helper.make_tensor("table", TensorProto.FLOAT, table.shape, table.flatten()),
        helper.make_tensor("weight", TensorProto.FLOAT, weight.shape, weight.flatten()),
        helper.make_tensor("bias", TensorProto.FLOAT, bias.shape, bias),
    ]
    nodes = [
        helper.make_node("Gather", ["table", "units"], ["features_per_char"]),
        helper.make_node("Transpose", ["features_per_char"], ["channels"], perm=[0, 2, 1]),
        helper.make_node(
            "Conv", ["channels", "weight", "bias"], ["scores"], kernel_shape=[2], pads=[0, 1]
        ),
        helper.make_node("Transpose", ["scores"], ["logits"], perm=[0, 2, 1]),
    ]
    graph = helper.make_graph(
        nodes,
        "rule-splitter",
        [
            helper.make_tensor_value_info("units", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info(
                "features", TensorProto.FLOAT, ["batch", "length", "feature"]
            ),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "length", 5])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    vocab = {
        "lang": "de",
        "idx": 0,
        "cutoff": 0,
        "lower": False,
        "_id2unit": SPLITTER_UNITS,
        "_unit2id": {unit: index for index, unit in enumerate(SPLITTER_UNITS)},
    }
    config = {"feat_funcs": [], "use_dictionary": False, "max_seqlen": 1000, "batch_size": 32}
    for key, value in {
        "lang_code": "de",
        "config": json.dumps(config),
        "vocab": json.dumps(vocab),
        "lexicon": "null",
    }.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(model.SerializeToString())


# Transformer-base dimensions, as Argos's training configuration uses them (6+6 layers,
# d_model 512, 8 heads, FFN 2048, one shared SentencePiece vocabulary of 50 000).
REALISTIC = {"layers": 6, "d_model": 512, "heads": 8, "ffn": 2048, "vocab": 50000}


def build_realistic_package(out: Path, tokenizer_package: Path, seed: int = 7) -> dict:
    """A de→en package with the dimensions of a real Argos model and random weights.

    Decoding cost is what a benchmark needs from it, so the output must end at a realistic
    length: a bias on ``</s>`` is tuned until outputs are about as long as their sources.
    The tokenizer is a committed package's SentencePiece model (the blind one: argos-train's
    settings, no placeholder symbols); the vocabulary is padded to 50 000 entries (the
    extra entries only ever appear in output).
    """
    work = Path(tempfile.mkdtemp(prefix="argos-realistic-"))
    try:
        with zipfile.ZipFile(tokenizer_package) as archive:
            top = archive.namelist()[0].split("/")[0]
            (work / "sentencepiece.model").write_bytes(archive.read(f"{top}/sentencepiece.model"))
        sp = spm.SentencePieceProcessor(model_file=str(work / "sentencepiece.model"))
        pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
        vocab = pieces + [f"<extra{i}>" for i in range(REALISTIC["vocab"] - len(pieces) - 1)]
        vocab.append("<blank>")
        sources = [s for s, _ in generate_corpus(seed, 60, "de", "en")]
        tokens = [sp.encode(s, out_type=str) for s in sources]
        source_length = sum(len(t) for t in tokens) / len(tokens)
        low, high = 0.0, 12.0
        bias = 6.0
        for _ in range(7):  # bisect the </s> bias towards output length ≈ source length
            bias = (low + high) / 2
            model_dir = work / "model"
            shutil.rmtree(model_dir, ignore_errors=True)
            _save_random_spec(vocab, model_dir, seed, eos_bias=bias)
            translator = ctranslate2.Translator(str(model_dir), device="cpu", compute_type="int8")
            results = translator.translate_batch(
                tokens, beam_size=4, length_penalty=0.2, max_decoding_length=256
            )
            ratio = sum(len(r.hypotheses[0]) for r in results) / len(results) / source_length
            print(f"  </s> bias {bias:.2f}: output/source length {ratio:.2f}", flush=True)
            if ratio > 1.0:
                low = bias
            else:
                high = bias
        write_package(
            "de_en-realistic",
            "de",
            "en",
            work / "model",
            work / "sentencepiece.model",
            out,
            "Random weights with Transformer-base dimensions, for benchmarks only. "
            "Its output is meaningless.",
        )
        return {"package": str(out), "bytes": out.stat().st_size, "eos_bias": bias}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _save_random_spec(vocab: list[str], out_dir: Path, seed: int, eos_bias: float) -> None:
    from ctranslate2.specs import transformer_spec

    rng = np.random.default_rng(seed)
    d, ffn, layers = REALISTIC["d_model"], REALISTIC["ffn"], REALISTIC["layers"]

    def dense(spec, rows: int, cols: int) -> None:
        spec.weight = rng.normal(0.0, cols**-0.5, (rows, cols)).astype(np.float32)
        spec.bias = np.zeros(rows, dtype=np.float32)

    def norm(spec) -> None:
        spec.gamma, spec.beta = np.ones(d, np.float32), np.zeros(d, np.float32)

    spec = transformer_spec.TransformerSpec.from_config(
        (layers, layers), REALISTIC["heads"], pre_norm=True
    )
    embeddings = rng.normal(0.0, d**-0.5, (len(vocab), d)).astype(np.float32)
    positions = sinusoids(1024, d).numpy()
    spec.encoder.embeddings[0].weight = embeddings
    spec.encoder.position_encodings.encodings = positions
    spec.decoder.embeddings.weight = embeddings.copy()
    spec.decoder.position_encodings.encodings = positions.copy()
    norm(spec.encoder.layer_norm)
    norm(spec.decoder.layer_norm)
    for layer in spec.encoder.layer:
        norm(layer.self_attention.layer_norm)
        dense(layer.self_attention.linear[0], 3 * d, d)
        dense(layer.self_attention.linear[1], d, d)
        norm(layer.ffn.layer_norm)
        dense(layer.ffn.linear_0, ffn, d)
        dense(layer.ffn.linear_1, d, ffn)
    for layer in spec.decoder.layer:
        norm(layer.self_attention.layer_norm)
        dense(layer.self_attention.linear[0], 3 * d, d)
        dense(layer.self_attention.linear[1], d, d)
        norm(layer.attention.layer_norm)
        dense(layer.attention.linear[0], d, d)
        dense(layer.attention.linear[1], 2 * d, d)
        dense(layer.attention.linear[2], d, d)
        norm(layer.ffn.layer_norm)
        dense(layer.ffn.linear_0, ffn, d)
        dense(layer.ffn.linear_1, d, ffn)
    projection_bias = np.zeros(len(vocab), dtype=np.float32)
    projection_bias[vocab.index("</s>")] = eos_bias
    spec.decoder.projection.weight = embeddings.copy()
    spec.decoder.projection.bias = projection_bias
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.optimize(quantization="int8")
    out_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(out_dir))


def verify_with_argos(paths: list[Path]) -> None:
    """Install the packages with Argos Translate itself (into a temp dir) and translate.

    Needs ``argos-translate-lt`` (or ``argostranslate``) in the build venv. Uses only
    the package's tokenizer and CTranslate2 model: Argos's own translate() would also
    need a sentence splitter model (see scripts/README.md).
    """
    import os

    scratch = Path(tempfile.mkdtemp(prefix="argos-verify-"))
    os.environ["ARGOS_PACKAGES_DIR"] = str(scratch / "packages")  # read by argostranslate.settings
    os.environ["XDG_DATA_HOME"] = str(scratch / "data")
    os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    from argostranslate import package as argos_package

    try:
        for path in paths:
            argos_package.install_from_path(path)
        for pkg in argos_package.get_installed_packages():
            translator = ctranslate2.Translator(
                str(pkg.package_path / "model"), device="cpu", compute_type="int8"
            )
            sources = [s for s, _ in generate_corpus(99, 3, pkg.from_code, pkg.to_code)]
            sources.append(
                {
                    "de": "⟦1⟧ präsentiert ⟦2⟧ in Berlin ⟦3⟧.",
                    "en": "⟦1⟧ presents ⟦2⟧ in Berlin ⟦3⟧.",
                }[pkg.from_code]
            )
            tokens = [pkg.tokenizer.encode(s) for s in sources]
            prefix = [[pkg.target_prefix]] * len(tokens) if pkg.target_prefix else None
            results = translator.translate_batch(
                tokens, target_prefix=prefix, beam_size=4, length_penalty=0.2, replace_unknowns=True
            )
            print(
                f"argos: {pkg} ({pkg.package_path.name}) from={pkg.from_code} "
                f"to={pkg.to_code} type={pkg.type} version={pkg.package_version}"
            )
            for source, result in zip(sources, results, strict=False):
                out = pkg.tokenizer.decode(result.hypotheses[0]).lstrip(" ")
                print(f"  {source}  ->  {out}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=sorted(PACKAGES), default=None)
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=15.0,
        help="training time cap per package (stops earlier at the target)",
    )
    parser.add_argument("--dropper-minutes", type=float, default=5.0)
    parser.add_argument("--corpus-size", type=int, default=60000)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--vocab-size", type=int, default=1000)
    parser.add_argument(
        "--bpe-merges", type=int, default=600, help="BPE merges to learn (de_en-bpe)"
    )
    parser.add_argument("--ffn", type=int, default=384)
    parser.add_argument("--report", type=Path, default=None, help="write results as JSON")
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="torch threads (2; use 1 when building packages in parallel)",
    )
    parser.add_argument(
        "--verify-argos",
        action="store_true",
        help="only install the built packages with Argos and translate a few",
    )
    parser.add_argument(
        "--splitter",
        type=Path,
        default=None,
        help="only write the MiniSBD-format rule splitter (ONNX) for benchmarks to this path",
    )
    parser.add_argument(
        "--realistic",
        type=Path,
        default=None,
        help="only build the random-weight package of realistic size (benchmarks) at this path",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.splitter:
        write_minisbd_splitter(args.splitter)
        print(f"wrote {args.splitter} ({args.splitter.stat().st_size} bytes)")
        return
    if args.realistic:
        # argos-train's tokenizer settings (the blind package's), as real packages have
        tokenizer = OUT_DIR / "translate-de_en-blind.argosmodel"
        print(build_realistic_package(args.realistic, tokenizer))
        return
    if args.verify_argos:
        verify_with_argos(sorted(OUT_DIR.glob("*.argosmodel")))
        return

    def log(message):
        print(message, flush=True)

    results = []
    for name in args.only or list(PACKAGES):
        results.append(build(name, args, log))
        if args.report:
            args.report.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print("\n== results (held-out template sentences) ==")
    for r in results:
        print(
            f"{r['package']}  {r['bytes'] / 1e6:.2f} MB  {r['params']} params  "
            f"{r['steps']} steps  {r['train_minutes']} min"
        )
        for key in [k for k in r if k.startswith(("pytorch", "ct2"))]:
            s = r[key]
            extra = (
                f"  equal_to_pytorch {s['equal_to_pytorch']:.3f}" if "equal_to_pytorch" in s else ""
            )
            print(
                f"  {key:22s} exact {s['exact']:.3f}  numbers+placeholders {s['copy']:.3f} "
                f"(n={s['n_copy']})  placeholders {s['placeholders']:.3f} "
                f"(n={s['n_placeholders']}){extra}"
            )
        if "tokenizer" in r:
            t = r["tokenizer"]
            facts = (
                "moses+bpe"
                if t.get("kind") == "bpe"
                else f"{t['normalization']}  vocab {t['vocab']}  {t['piece_types']}"
            )
            print(
                f"  tokenizer {facts}  vocab {t['vocab']}  placeholders never seen in "
                f"training: ⟦1⟧ -> {t['probes']['⟦1⟧']['id_pieces']}"
            )
        for ex in r["examples"]:
            print(
                f"    SRC {ex['source']}\n    REF {ex['reference']}\n    OUT {ex['ct2_int8_beam4']}"
            )


if __name__ == "__main__":
    main()
