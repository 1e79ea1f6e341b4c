"""A synthetic corpus of German press releases in Markdown, derived from the sample release.

``generate_releases(count, seed)`` returns ``count`` distinct releases. Each one mixes
paragraphs of the sample release (with people, places, dates, numbers and institutions
substituted) with paragraphs built from hand-written sentence templates: titles and
abbreviations (``Dr. med.``, ``z. B.``, ``u. a.``, ``ca.``, ``Nr.``), both date styles
(``24.09.2024`` and ``12. Juni 2025``), ordinals, numbers, gender forms (``Radiolog:innen``),
URLs and e-mail addresses, quotations, lists and a contact block with hard line breaks.

The output depends only on ``count``, ``seed`` and the sample file. The sample is the first
``releases/*.md`` of the repository, or the seed release in ``/work/shared/seeds`` if there
is none.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FALLBACK_SAMPLE = Path("/work/shared/seeds/000_1dc9142a31b455d4.txt")

__all__ = ["generate_releases", "load_sample", "sample_path"]


def sample_path() -> Path:
    """The release the corpus is derived from."""
    releases = sorted((REPO / "releases").glob("*.md"))
    if releases:
        return releases[0]
    if FALLBACK_SAMPLE.exists():
        return FALLBACK_SAMPLE
    raise FileNotFoundError(
        f"no sample release: neither {REPO / 'releases'}/*.md nor {FALLBACK_SAMPLE}"
    )


def load_sample() -> str:
    return sample_path().read_text(encoding="utf-8")


# --- word pools ------------------------------------------------------------------------

FIRST_NAMES = (
    "Anna", "Lena", "Julia", "Miriam", "Katharina", "Sabine", "Eva", "Hannah", "Sophie",
    "Leonie", "Aylin", "Olga", "Thomas", "Markus", "Jonas", "Felix", "Stefan", "Michael",
    "Tobias", "Andreas", "Christian", "Niklas", "Mehmet", "Piotr", "Jan", "Ulrike", "Birgit",
)  # fmt: skip
LAST_NAMES = (
    "Berger", "Hoffmann", "Weber", "Schulte", "Klein", "Roth", "Neumann", "Krüger", "Lehmann",
    "Vogel", "Brandt", "Winkler", "Kaiser", "Franke", "Albrecht", "Schäfer", "Yilmaz", "Nowak",
    "Petersen", "Lange", "Engel", "Jansen", "Seidel", "Böhm", "Özdemir", "Hartmann", "Lorenz",
)  # fmt: skip
TITLES = (
    "Prof. Dr.", "Prof. Dr. med.", "Dr. med.", "Univ.-Prof. Dr. med.", "PD Dr. med.",
    "Priv.-Doz. Dr.", "Dr. rer. nat.", "Dipl.-Ing.", "Prof. Dr. med. Dipl.-Phys.",
    "Univ.-Prof. Dr. med. Dipl.-Inform.", "Dr. med. univ.", "",
)  # fmt: skip
CITIES = (
    "Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Leipzig", "Dresden",
    "Heidelberg", "Freiburg", "Münster", "Hannover", "Kiel", "Mainz", "Würzburg", "Tübingen",
    "Essen", "Düsseldorf", "Jena", "Rostock", "Regensburg", "Göttingen", "Bremen",
)  # fmt: skip
COUNTRIES = ("Österreich", "der Schweiz", "den Niederlanden", "Dänemark", "Polen", "Italien")
# (at, from): the clinic with its dative preposition
CLINIC_FORMS = (
    ("an der Uniklinik {city}", "von der Uniklinik {city}"),
    ("am Universitätsklinikum {city}", "vom Universitätsklinikum {city}"),
    ("am Städtischen Klinikum {city}", "vom Städtischen Klinikum {city}"),
    ("am Klinikum {city}-Nord", "vom Klinikum {city}-Nord"),
    ("am Radiologischen Zentrum {city}", "vom Radiologischen Zentrum {city}"),
    (
        "an der Radiologischen Gemeinschaftspraxis {city}",
        "von der Radiologischen Gemeinschaftspraxis {city}",
    ),
)
UNIVERSITY_FORMS = (
    "Universität {city}", "Technischen Universität {city}", "Hochschule {city}",
    "Medizinischen Hochschule {city}",
)  # fmt: skip
# (name, short name, domain): invented organisations, all feminine ("der DRG", "die GBD")
ORGS = (
    ("Deutsche Röntgengesellschaft e.V.", "DRG", "drg.de"),
    ("Gesellschaft für Bildgebende Diagnostik e. V.", "GBD", "gbd-diagnostik.de"),
    ("Arbeitsgemeinschaft Digitale Radiologie e.V.", "ADR", "ag-digitale-radiologie.de"),
    ("Vereinigung für Medizinischen Strahlenschutz e.V.", "VMS", "vms-strahlenschutz.de"),
    ("Initiative Kinderradiologie Nord e. V.", "IKN", "kinderradiologie-nord.de"),
    ("Stiftung Bildgebung und Gesundheit", "SBG", "stiftung-bildgebung.org"),
    (
        "Gesellschaft für Teleradiologie in Deutschland e.V.",
        "GTD",
        "teleradiologie-gesellschaft.de",
    ),
)
MODALITIES = (
    "Magnetresonanztomographie (MRT)", "Computertomographie (CT)", "Mammographie",
    "Sonographie", "Positronen-Emissions-Tomographie (PET)", "digitale Volumentomographie",
    "Teleradiologie", "Angiographie",
)  # fmt: skip
SHORT_MODALITIES = ("MRT", "CT", "PET/CT", "Ultraschall", "Röntgen", "Mammographie")
FINDINGS = (
    "Lungenrundherden", "Rippenfrakturen", "Hirnblutungen", "Prostatakarzinomen",
    "Lebermetastasen", "Lungenembolien", "Brustkrebs im Frühstadium",
)  # fmt: skip
PEOPLE_FORMS = (
    "Radiolog:innen", "Ärzt:innen", "Medizinphysiker:innen", "Patient:innen",
    "Mitarbeiter*innen", "Radiologinnen und Radiologen", "Kolleg_innen", "RadiologInnen",
    "Studierende", "Medizinische Technolog:innen für Radiologie (MTR)",
)  # fmt: skip
PROJECTS = ("HowToDigital", "RadNet-KI", "BildWert", "DigiScreen", "KIDS-Rad", "TeleBridge")
HEADLINES = (
    "KI in der Radiologie - eine Standortbestimmung",
    "Neue Leitlinie zur Früherkennung veröffentlicht",
    "Strahlenschutz: Dosis bei Kindern weiter gesenkt",
    "{project}: Zwischenbilanz nach {years} Jahren",
    "{n}. Jahreskongress der {short} in {city}",
    "Forschungspreis für {first} {last}",
    "Teleradiologie schließt Versorgungslücken auf dem Land",
    "Wartezeiten auf {mod}-Termine: Was Patient:innen wissen sollten",
    "Digitale Befundung: Chancen, Grenzen und offene Fragen",
)  # fmt: skip
MONTHS = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
)  # fmt: skip
STREETS = (
    "Hauptstr.", "Bahnhofstr.", "Schillerstr.", "Gartenstr.", "Lindenstr.", "Kaiser-Wilhelm-Str.",
    "Ringstr.",
)  # fmt: skip
LIST_ITEMS = (
    "Früherkennung von {finding} mit KI-Unterstützung",
    "Strahlenschutz in der Kinderradiologie",
    "Workshops u. a. zur Prostata-MRT und zur Herzbildgebung",
    "Vorträge von Expert:innen aus Klinik, Forschung und Industrie",
    "Hands-on-Kurse für MTR und Ärzt:innen in Weiterbildung",
    "Rechtliche Fragen, z. B. zur Haftung bei KI-gestützten Befunden",
    "Posterausstellung mit ca. {n} Beiträgen",
    "Abendveranstaltung am {day}. {month} ab 19.30 Uhr",
    "Informationen unter {url}",
    "Teleradiologie: Erfahrungen aus {n} Kliniken",
)  # fmt: skip
QUOTES = (
    "Wir sehen in den Daten einen klaren Nutzen für die Patientinnen und Patienten",
    "Ohne eine verlässliche Finanzierung wird sich die Technik nicht flächendeckend durchsetzen",
    "Die Zusammenarbeit zwischen Radiologie und Informatik muss enger werden",
    "Künstliche Intelligenz ersetzt keine Radiolog:innen, sie entlastet sie",
    "Entscheidend ist, dass jeder Befund nachvollziehbar bleibt",
    "Wir brauchen mehr Studien mit echten Versorgungsdaten",
    "Gerade in ländlichen Regionen kann die Teleradiologie Lücken schließen",
    "Mit modernen Geräten lässt sich die Dosis um bis zu {pct} Prozent senken",
    "Die Technik ist so weit, jetzt müssen die Abläufe in den Kliniken nachziehen",
    "Das Ergebnis hat uns selbst überrascht",
    "Hier liegt noch viel Arbeit vor uns, z. B. bei der Validierung der Modelle",
    "Unsere Daten stammen u. a. aus {n} Kliniken in {country}",
)  # fmt: skip
QUESTIONS = (
    "Wer trägt am Ende die Verantwortung für einen Befund",
    "Wie lassen sich die Algorithmen in bestehende Systeme einbinden",
    "Was passiert mit den Daten nach der Auswertung",
    "Warum sollten wir auf diese Chance verzichten",
)  # fmt: skip
SAYS = ("sagt", "erklärt", "betont", "ergänzt", "so", "unterstreicht")


# --- sentence generation ---------------------------------------------------------------


@dataclass
class _Context:
    """The people, places and dates of one release, so that its sentences agree."""

    rng: random.Random
    first: str
    last: str
    title: str
    second_first: str
    second_last: str
    city: str
    at_clinic: str
    from_clinic: str
    university: str
    org: str
    short: str
    domain: str
    project: str
    year: int
    _last_big: int = 0

    @property
    def person(self) -> str:
        return f"{self.title} {self.first} {self.last}".strip()

    @property
    def second_person(self) -> str:
        return f"Dr. med. {self.second_first} {self.second_last}"

    def pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def number(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def big(self, above: bool = False) -> str:
        """A number with German thousands separators (``12.500``); ``above`` the last one."""
        low = self._last_big + 1 if above else 1
        self._last_big = self.rng.randint(low, max(low, 90) + 10)
        return f"{self._last_big * 250:,}".replace(",", ".")

    def decimal(self) -> str:
        return f"{self.rng.randint(1, 99)},{self.rng.randint(0, 9)}"

    def numeric_date(self) -> str:
        return f"{self.number(1, 28):02d}.{self.number(1, 12):02d}.{self.year}"

    def long_date(self) -> str:
        return f"{self.number(1, 28)}. {self.pick(MONTHS)} {self.year}"

    def date(self) -> str:
        return self.numeric_date() if self.rng.random() < 0.5 else self.long_date()

    def url(self) -> str:
        path = self.pick(("", "/presse", "/kongress/programm-{y}.pdf", "/mitglieder/fortbildung"))
        scheme = self.pick(("https://www.", "www.", "https://"))
        return f"{scheme}{self.domain}{path.format(y=self.year)}"

    def email(self) -> str:
        local = self.pick(("presse", "info", "kongress", f"{_ascii(self.second_last)}"))
        return f"{local}@{self.domain}"

    def quote(self) -> str:
        return self.pick(QUOTES).format(
            pct=self.number(20, 60), n=self.number(3, 40), country=self.pick(COUNTRIES)
        )


def _ascii(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ö": "Oe", "Ü": "Ue"})
    return name.translate(table).lower()


Template = Callable[[_Context], str]

ABBREVIATIONS: tuple[Template, ...] = (
    lambda c: (
        f"An der Studie nahmen u. a. {c.number(3, 40)} Zentren aus {c.pick(COUNTRIES)} "
        f"und {c.pick(COUNTRIES)} teil."
    ),
    lambda c: f"Insgesamt wurden ca. {c.big()} Aufnahmen ausgewertet.",
    lambda c: (
        f"Verfahren wie z. B. die {c.pick(MODALITIES)} kommen ohne ionisierende Strahlung aus."
    ),
    lambda c: (
        f"Die Empfehlungen sind im Positionspapier Nr. {c.number(2, 60)} zusammengefasst, "
        "das ab sofort kostenlos abrufbar ist."
    ),
    lambda c: (
        f"Die Ergebnisse sind auf S. {c.number(4, 90)} des Jahresberichts dargestellt "
        f"(vgl. Abb. {c.number(1, 9)})."
    ),
    lambda c: (
        f"Die Fortbildung findet in der {c.pick(STREETS)} {c.number(1, 120)} in {c.city} statt."
    ),
    lambda c: f"Für Rückfragen steht Ihnen {c.second_person} {c.from_clinic} zur Verfügung.",
    lambda c: (
        f"Rund {c.number(30, 80)} Prozent der befragten Kliniken nutzen bereits "
        "KI-Anwendungen, d. h. mehr als jede dritte Einrichtung."
    ),
    lambda c: (
        f"Die Teilnahmegebühr beträgt {c.number(8, 40) * 10} Euro inkl. "
        "Tagungsunterlagen und Verpflegung."
    ),
    lambda c: f"Das Vorhaben wird mit ca. {c.decimal()} Mio. Euro gefördert.",
    lambda c: f"{c.second_person} und {c.person} haben die Auswertung gemeinsam geleitet.",
    lambda c: (
        "Beteiligt sind Kliniken, Praxen, Hochschulen usw. "
        f"Die Koordination liegt bei der {c.short}."
    ),
    lambda c: (
        f"Unterstützt wird das Projekt von der {c.org.removesuffix('.')}. Sie stellt u. a. die "
        "Infrastruktur für den Datenaustausch bereit."
    ),
    lambda c: f"Die Anmeldung erfolgt online bzw. per Fax bis zum {c.numeric_date()}.",
    lambda c: "Sog. Foundation Models sollen künftig Bild- und Textdaten gemeinsam auswerten.",
    lambda c: f"Ggf. werden weitere Termine in {c.pick(CITIES)} angeboten.",
    lambda c: (
        f"Der Beitrag erscheint in Heft {c.number(1, 12)}/{c.year}, S. {c.number(10, 60)}"
        f"–{c.number(61, 99)}."
    ),
)

DATES: tuple[Template, ...] = (
    lambda c: (
        f"Der {c.number(2, 110)}. Jahreskongress der {c.short} findet vom "
        f"{c.number(1, 14)}. bis {c.number(15, 28)}. {c.pick(MONTHS)} {c.year} in {c.city} statt."
    ),
    lambda c: f"Am {c.long_date()} stellt {c.person} die Ergebnisse in {c.pick(CITIES)} vor.",
    lambda c: f"Anmeldeschluss ist der {c.numeric_date()}.",
    lambda c: f"Seit dem 1. {c.pick(MONTHS)} {c.year - 1} gilt die neue Richtlinie.",
    lambda c: f"Die Förderung läuft bis zum {c.numeric_date()}. Eine Verlängerung ist möglich.",
    lambda c: (
        f"Im Jahr {c.year - 1} wurden {c.at_clinic} rund {c.big()} Untersuchungen durchgeführt."
    ),
    lambda c: f"Bereits zum {c.number(2, 25)}. Mal vergibt die {c.short} ihren Forschungspreis.",
    lambda c: f"Die neue Leitlinie soll im {c.number(1, 4)}. Quartal {c.year} erscheinen.",
    lambda c: f"Anträge können bis zum {c.number(1, 28)}.{c.number(1, 12)}. eingereicht werden.",
    lambda c: (
        f"Die Zahl der {c.pick(SHORT_MODALITIES)}-Untersuchungen stieg von {c.big()} auf "
        f"{c.big(above=True)}."
    ),
    lambda c: (
        f"Die Sensitivität lag bei {c.decimal()} Prozent, die Spezifität bei {c.decimal()} Prozent."
    ),
    lambda c: f"Die Pressekonferenz beginnt am {c.long_date()} um {c.number(9, 16)}.30 Uhr.",
)

GENDER: tuple[Template, ...] = (
    lambda c: f"Die Fortbildung richtet sich an {c.pick(PEOPLE_FORMS)} und {c.pick(PEOPLE_FORMS)}.",
    lambda c: f"{c.pick(PEOPLE_FORMS)} in Weiterbildung zahlen die Hälfte.",
    lambda c: f"Befragt wurden {c.big()} {c.pick(PEOPLE_FORMS)} aus ganz Deutschland.",
    lambda c: "Radiolog:innen verbringen einen großen Teil ihrer Zeit mit Dokumentation.",
    lambda c: (
        f"Viele Patient:innen warten mehrere Wochen auf einen {c.pick(SHORT_MODALITIES)}-Termin."
    ),
)

LINKS: tuple[Template, ...] = (
    lambda c: f"Weitere Informationen gibt es unter {c.url()}.",
    lambda c: f"Das vollständige Programm steht unter {c.url()} zum Download bereit.",
    lambda c: f"Anmeldungen nimmt {c.second_person} per E-Mail an {c.email()} entgegen.",
    lambda c: f"Fragen zur Studie können an {c.email()} gerichtet werden.",
    lambda c: f"Die Aufzeichnung finden Sie unter {c.url()} (Passwort auf Anfrage).",
)

GENERAL: tuple[Template, ...] = (
    lambda c: (
        f"Die {c.pick(MODALITIES)} gehört zu den wichtigsten Verfahren der modernen Diagnostik."
    ),
    lambda c: f"Algorithmen helfen inzwischen bei der Suche nach {c.pick(FINDINGS)}.",
    lambda c: f"Das Team {c.at_clinic} hat dafür ein eigenes Prüfverfahren entwickelt.",
    lambda c: (
        "Die Software markiert auffällige Bereiche, die Entscheidung trifft aber weiterhin "
        "der Mensch."
    ),
    lambda c: (
        f"Besonders profitieren kleinere Häuser, die nicht rund um die Uhr eine eigene "
        f"{c.pick(SHORT_MODALITIES)}-Bereitschaft vorhalten können."
    ),
    lambda c: f"Die Datenbasis umfasst Aufnahmen von {c.big()} Patientinnen und Patienten.",
    lambda c: "Offen ist bislang, wie die Leistungen künftig vergütet werden.",
    lambda c: (
        f"Rund ein Drittel der Befragten ({c.number(28, 38)} Prozent) gab an, "
        "KI bereits im Alltag zu nutzen."
    ),
    lambda c: "(Die vollständige Auswertung wird im Herbst veröffentlicht.)",
    lambda c: f"Warum das so ist, untersucht jetzt eine Arbeitsgruppe an der {c.university}.",
    lambda c: f"Die Zwischenergebnisse des Projekts {c.project} sind ermutigend!",
    lambda c: "Kann eine Maschine einen Befund besser erklären als ein Mensch?",
)


def _quote_sentences(c: _Context) -> list[str]:
    """One to three sentences with a quotation, attributed in different ways."""
    name = c.last if c.rng.random() < 0.7 else c.person
    says = c.pick(SAYS)
    style = c.number(0, 6)
    if style == 0:
        return [f"„{c.quote()}“, {says} {name}."]
    if style == 1:
        return [f"„{c.quote()}.", f"{c.quote()}“, {says} {name}."]
    if style == 2:
        return [f"{c.person} betont: „{c.quote()}.“"]
    if style == 3:
        return [f"„{c.pick(QUESTIONS)}?“, fragt {name}.", f"„{c.quote()}.“"]
    if style == 4:
        return [f"„{c.quote()}!“, ruft {c.last} den Teilnehmenden zu."]
    if style == 5:
        return [f"„Wir haben […] viel erreicht“, {says} {name}.", f"„{c.quote()}.“"]
    return [f"Für {c.second_person} ist klar: „{c.quote()}.“", f"{c.second_last} ergänzt: "
            f"„{c.quote()}.“"]  # fmt: skip


def _paragraph(c: _Context, sentences: int) -> str:
    families = (ABBREVIATIONS, DATES, GENDER, LINKS, GENERAL, GENERAL)
    parts: list[str] = []
    while len(parts) < sentences:
        if c.rng.random() < 0.2:
            parts.extend(_quote_sentences(c))
        else:
            parts.append(c.rng.choice(c.rng.choice(families))(c))
    return " ".join(parts)


# --- the sample release ----------------------------------------------------------------


@dataclass(frozen=True)
class _Sample:
    lead: str  # the text inside the emphasised lead paragraph, without "City, date – "
    body: tuple[str, ...]  # plain body paragraphs
    bio: str
    link: str
    background: str


_HEADING = re.compile(r"^#{1,6}\s")


def _parse_sample(text: str) -> _Sample:
    """The sample's paragraphs, with a paragraph broken inside a sentence joined again."""
    chunks: list[str] = []
    for raw in re.split(r"\n\s*\n", text.strip()):
        chunk = raw.strip()
        if not chunk:
            continue
        if chunks and chunk[0].islower() and not _HEADING.match(chunks[-1]):
            chunks[-1] = f"{chunks[-1]} {chunk}"
        else:
            chunks.append(chunk)
    lead = ""
    body: list[str] = []
    bio = link = background = ""
    for chunk in chunks:
        if _HEADING.match(chunk) or chunk.isupper() or "  \n" in chunk:
            continue  # headings, "PRESSEMITTEILUNG", the contact block
        if chunk.startswith("*") and chunk.endswith("*"):
            lead = chunk.strip("*").split(" – ", 1)[-1]
        elif chunk.startswith("Hintergrund:"):
            background = chunk
        elif chunk.startswith("Lesen Sie"):
            link = chunk
        elif "ist Experte" in chunk or "Schwerpunkte" in chunk:
            bio = chunk
        else:
            body.append(chunk)
    if not body:
        raise ValueError("the sample release has no body paragraphs")
    return _Sample(lead, tuple(body), bio, link, background)


_SAMPLE_NAME = re.compile(r"(?:Univ\.-Prof\. Dr\. med\. Dipl\.-Inform\. )?Julian Caspers")


def _substitute(text: str, c: _Context) -> str:
    """The sample text with this release's people, places, numbers and institutions."""
    text = _SAMPLE_NAME.sub(lambda m: c.person if m.group().startswith("Univ") else
                            f"{c.first} {c.last}", text)  # fmt: skip
    address = "Professor" if "Prof" in c.title else c.first
    text = text.replace("Professor Caspers", f"{address} {c.last}").replace("Caspers", c.last)
    text = text.replace("von der Uniklinik Düsseldorf", c.from_clinic)
    text = text.replace("an der Uniklinik Düsseldorf", c.at_clinic)
    text = text.replace("Manuel Trenz", f"{c.second_first} {c.second_last}")
    text = text.replace("Universität Göttingen", c.university)
    text = text.replace("Universität Paderborn", f"Universität {c.pick(CITIES)}")
    text = text.replace("Universitätsklinikum Köln", f"Universitätsklinikum {c.pick(CITIES)}")
    text = text.replace("HowToDigital", c.project).replace("DRG", c.short)
    text = text.replace("Über 700", f"Über {c.number(150, 950)}")
    if c.rng.random() < 0.3:
        text = text.replace("Radiologinnen und Radiologen", c.pick(PEOPLE_FORMS))
    if c.rng.random() < 0.5:
        text = text.replace("Radiolog:innen", c.pick(PEOPLE_FORMS))
    return text


# --- releases --------------------------------------------------------------------------


def _context(rng: random.Random) -> _Context:
    city = rng.choice(CITIES)
    org, short, domain = rng.choice(ORGS)
    at_clinic, from_clinic = rng.choice(CLINIC_FORMS)
    clinic_city = rng.choice(CITIES)
    return _Context(
        rng=rng,
        first=rng.choice(FIRST_NAMES),
        last=rng.choice(LAST_NAMES),
        title=rng.choice(TITLES),
        second_first=rng.choice(FIRST_NAMES),
        second_last=rng.choice(LAST_NAMES),
        city=city,
        at_clinic=at_clinic.format(city=clinic_city),
        from_clinic=from_clinic.format(city=clinic_city),
        university=rng.choice(UNIVERSITY_FORMS).format(city=rng.choice(CITIES)),
        org=org,
        short=short,
        domain=domain,
        project=rng.choice(PROJECTS),
        year=rng.randint(2023, 2026),
    )


def _headline(c: _Context) -> str:
    return c.pick(HEADLINES).format(
        project=c.project, years=c.number(2, 5), n=c.number(2, 110), short=c.short,
        city=c.city, first=c.first, last=c.last, mod=c.pick(SHORT_MODALITIES),
    )  # fmt: skip


def _list_block(c: _Context) -> str:
    intro = c.pick(("Die Schwerpunkte im Überblick:", "Das Programm umfasst u. a.:",
                    f"Auf dem Kongress in {c.city} erwartet die Teilnehmenden:"))  # fmt: skip
    items = c.rng.sample(LIST_ITEMS, c.number(3, 6))
    numbered = c.rng.random() < 0.3
    lines = []
    for number, item in enumerate(items, 1):
        text = item.format(finding=c.pick(FINDINGS), n=c.number(20, 300), day=c.number(1, 28),
                           month=c.pick(MONTHS), url=c.url())  # fmt: skip
        lines.append(f"{number}. {text}" if numbered else f"- {text}")
    return intro + "\n\n" + "\n".join(lines)


def _contact_block(c: _Context) -> str:
    street = f"{c.pick(('Ernst-Reuter-Platz', 'Robert-Koch-Str.', 'Am Klinikum', 'Hauptstr.'))}"
    lines = [
        c.org,
        f"{c.second_first} {c.second_last}",
        f"{street} {c.number(1, 99)}, {c.number(10000, 99999)} {c.city}",
        c.pick(("Fon", "Tel.", "Telefon")) + f": 0{c.number(30, 989)}-{c.number(100, 999)} "
        f"{c.number(100, 999)}-{c.number(10, 99)}",
        f"E-Mail: {c.email()}" if c.rng.random() < 0.5 else c.email(),
    ]
    if c.rng.random() < 0.5:
        lines.append(c.url())
    return "#### **PRESSEKONTAKT**\n\n" + "  \n".join(lines)


def _release(sample: _Sample, rng: random.Random) -> str:
    c = _context(rng)
    out: list[str] = []
    if rng.random() < 0.6:
        out.append("PRESSEMITTEILUNG")
    out.append(f"## {_headline(c)}")
    lead = _substitute(sample.lead, c) if rng.random() < 0.4 else _paragraph(c, c.number(2, 4))
    date = c.date()
    out.append(f"*{c.city}, {date} – {lead}*")

    body: list[str] = []
    for paragraph in rng.sample(sample.body, rng.randint(0, len(sample.body))):
        paragraph = _substitute(paragraph, c)
        if rng.random() < 0.4:
            paragraph = f"{paragraph} {_paragraph(c, 1)}"
        body.append(paragraph)
    body.extend(_paragraph(c, c.number(2, 6)) for _ in range(rng.randint(2, 5)))
    rng.shuffle(body)
    if rng.random() < 0.5:
        body.insert(rng.randint(1, len(body)), _list_block(c))
    out.extend(body)

    if sample.bio and rng.random() < 0.6:
        out.append(f"### **Über {c.person}:**")
        out.append(_substitute(sample.bio, c))
        if sample.link and rng.random() < 0.5:
            out.append(_substitute(sample.link, c))
    if sample.background and rng.random() < 0.5:
        out.append(_substitute(sample.background, c))
    out.append(_contact_block(c))
    return "\n\n".join(out) + "\n"


def generate_releases(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct releases (Markdown), the same ones for the same seed."""
    sample = _parse_sample(load_sample())
    rng = random.Random(seed)
    releases: list[str] = []
    seen: set[str] = set()
    attempts = 0
    while len(releases) < count:
        attempts += 1
        if attempts > 10 * count + 100:
            raise RuntimeError(f"could not generate {count} distinct releases")
        release = _release(sample, rng)
        if release not in seen:
            seen.add(release)
            releases.append(release)
    return releases


if __name__ == "__main__":
    print(generate_releases(1, seed=0)[0])
