"""Every QA check has cases that must fire and cases that must not."""

from __future__ import annotations

import pytest

from pipeline.glossary.csvio import load_glossary
from pipeline.glossary.match import Matcher
from pipeline.qa.checks import CHECKS, Context, check_pair
from tests.conftest import ROOT

MATCHER = Matcher(load_glossary(ROOT / "pipeline" / "glossary" / "data" / "radiology.csv"))

# (check id, German, translation, language, fires?)
CASES = [
    # markup and placeholders
    ("markup", "Lesen Sie **hier** mehr.", "Read more **here**.", "en", False),
    ("markup", "Lesen Sie **hier** mehr.", "Read more here.", "en", True),
    ("markup", "[Link](https://x.de) und *so*", "*so* and [link](https://x.de)", "en", True),
    ("markup", "Ärzt*innen und Pfleger*innen", "physicians and nurses", "en", False),
    ("markup", "⟦1⟧Studie⟦2⟧", "⟦1⟧study⟦2⟧", "en", False),
    ("markup", "<b>fett</b> gesagt", "said <b>boldly</b>", "en", False),
    # URLs, e-mail, phone
    ("urls", "Mehr unter www.drg.de/presse.", "More at www.drg.de/presse.", "en", False),
    ("urls", "Mehr unter www.drg.de/presse.", "More at www.drg.com/press.", "en", True),
    ("urls", "Fon: 030-916 070-47", "Phone: 030-916 070-47", "en", False),
    ("urls", "Fon: 030-916 070-47", "Phone: 030-916 070-74", "en", True),
    ("urls", "goldschmidt@drg.de", "goldschmidt@drg.de", "fr", False),
    # numbers: German formats and their English equivalents
    ("numbers", "Über 1.000 Kliniken", "More than 1,000 hospitals", "en", False),
    ("numbers", "Über 1.000 Kliniken", "More than 1.000 hospitals", "en", False),
    ("numbers", "Über 1.000 Kliniken", "More than 1 hospitals", "en", True),
    ("numbers", "Die Rate stieg um 3,5 Prozent.", "The rate rose by 3.5 percent.", "en", False),
    ("numbers", "Die Rate stieg um 3,5 Prozent.", "The rate rose by 35 percent.", "en", True),
    ("numbers", "1.000,5 Euro", "1,000.5 euros", "en", False),
    ("numbers", "1.000,5 Euro", "1 000,5 euros", "fr", False),
    ("numbers", "Berlin, 24.09.2024", "Berlin, 24/09/2024", "en", False),
    ("numbers", "Berlin, 24.09.2024", "Berlin, 24 September 2024", "en", False),
    ("numbers", "Berlin, 24.09.2024", "Berlin, September 24, 2024", "en", False),
    ("numbers", "Berlin, 24.09.2024", "Berlin, 24 septembre 2024", "fr", False),
    ("numbers", "Berlin, 24.09.2024", "Berlin, 25/09/2024", "en", True),
    ("numbers", "am 3. Mai 2024", "on 3 May 2024", "en", False),
    ("numbers", "der 3. Platz", "third place", "en", True),
    ("numbers", "der 3. Platz", "3rd place", "en", False),
    ("numbers", "Fon: 030-916 070-47", "Phone: 030-916 070-47", "en", False),
    ("numbers", "Seit 2019 gibt es 700 Geräte.", "Since 2019 there are 700 devices.", "en", False),
    # units and doses
    ("units", "Die Dosis lag bei 1,5 mSv.", "The dose was 1.5 mSv.", "en", False),
    ("units", "Die Dosis lag bei 1,5 mSv.", "The dose was 1.5 Sv.", "en", True),
    ("units", "MRT mit 3 T", "MRI at 3T", "en", False),
    ("units", "MRT mit 3 T", "MRI at 1.5 T", "en", True),
    ("units", "10 ml Kontrastmittel", "10 mL of contrast agent", "en", False),
    ("units", "20 % weniger", "20% less", "en", False),
    # glossary
    ("glossary", "Ein Medizinprodukt wirkt.", "A medical device works.", "en", False),
    ("glossary", "Ein Medizinprodukt wirkt.", "A medicinal product works.", "en", True),
    ("glossary", "Julian Caspers sagt das.", "Julian Caspers says so.", "en", False),
    ("glossary", "Julian Caspers sagt das.", "Julien Casper says so.", "en", True),
    ("glossary", "Die KI hilft.", "The AI helps.", "en", False),
    ("glossary", "Die KI hilft.", "The KI helps.", "en", True),
    # completeness
    ("untranslated", "Ein Satz.", "", "en", True),
    ("untranslated", "Ein Satz.", "A sentence.", "en", False),
    ("untranslated", "2024", "", "en", False),
    ("same-as-source", "Das ist ein deutscher Satz.", "Das ist ein deutscher Satz.", "en", True),
    ("same-as-source", "Julian Caspers", "Julian Caspers", "en", False),
    ("length-ratio", "Das ist ein ziemlich langer deutscher Satz.", "Short.", "en", True),
    ("length-ratio", "Das ist ein ziemlich langer deutscher Satz.",
     "That is a rather long German sentence.", "en", False),
    # repetition (the "matriculados matriculados matriculados" failure)
    ("repetition", "Studierende sind eingeschrieben.",
     "Students are enrolled enrolled enrolled enrolled.", "en", True),
    ("repetition", "Studierende sind eingeschrieben.", "Los estudiantes están matriculados.",
     "es", False),
    ("repetition", "Er sagte es.", "He said said it.", "en", True),
    ("repetition", "Das Das ist ein Tippfehler.", "The The is a typo.", "en", False),
    # typography
    ("quotes", "„Das ist gut“, sagt er.", "“That is good,” he says.", "en", False),
    ("quotes", "„Das ist gut“, sagt er.", "„That is good“, he says.", "en", True),
    ("quotes", "„Das ist gut“, sagt er.", "« C'est bien », dit-il.", "fr", False),
    ("quotes", "„Das ist gut“, sagt er.", "„C'est bien“, dit-il.", "fr", True),
    ("whitespace", "Satz. ", "Sentence. ", "en", False),
    ("whitespace", "Satz.", " Sentence.", "en", True),
    ("punctuation", "Ist das gut?", "Is that good?", "en", False),
    ("punctuation", "Ist das gut?", "Is that good.", "en", True),
    ("punctuation", "„Das ist gut.“", "“That is good.”", "en", False),
    ("double-space", "Ein Satz.", "A  sentence.", "en", True),
    ("double-space", "Ein Satz.", "A sentence.", "en", False),
    ("capitalisation", "Die Studie läuft.", "the study runs.", "en", True),
    ("capitalisation", "Die Studie läuft.", "The study runs.", "en", False),
    ("capitalisation", "**Die** Studie läuft.", "**The** study runs.", "en", False),
    ("capitalisation", "700 Produkte", "700 products", "en", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("check_id", "source", "target", "language", "fires"),
    CASES,
    ids=[f"{c[0]}-{'fires' if c[4] else 'passes'}-{n}" for n, c in enumerate(CASES)],
)
def test_check(check_id: str, source: str, target: str, language: str, fires: bool) -> None:
    context = Context(language, tuple(MATCHER.find(source)), MATCHER.termbase)
    findings = check_pair(source, target, context, [CHECKS[check_id]])
    assert bool(findings) is fires, findings


def test_every_check_has_cases_both_ways() -> None:
    for check_id in CHECKS:
        outcomes = {fires for check, *_, fires in CASES if check == check_id}
        assert outcomes == {True, False}, check_id


def test_every_check_describes_itself() -> None:
    for check in CHECKS.values():
        assert check.id and check.description and check.severity in ("error", "warning")


def test_check_command_on_po_files_and_findings_in_the_next_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import shutil

    import polib
    from typer.testing import CliRunner

    from pipeline.cli import app
    from tests.conftest import SAMPLE

    (tmp_path / "releases").mkdir()
    shutil.copy(SAMPLE, tmp_path / "releases")
    shutil.copytree(ROOT / "glossaries", tmp_path / "glossaries")
    runner = CliRunner()
    project = ["--project", str(tmp_path)]
    assert runner.invoke(app, ["run", *project, "--to", "en"]).exit_code == 0
    path = next((tmp_path / "locales" / "en").glob("*.po"))
    po = polib.pofile(str(path))
    entry = po.find("Viele der Produkte sind hochspezialisiert und decken nur Nischenbereiche ab.")
    entry.msgstr = "Many of the products are highly specialised and cover only niches"
    entry.tcomment = "reviewer: keep it short"
    dated = next(e for e in po if e.msgid.startswith("*Berlin, 24.09.2024"))
    dated.msgstr = "*Berlin, 25 September 2024 – artificial intelligence (AI) matters.*"
    po.save()
    result = runner.invoke(app, ["check", str(path), "--json", *project])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert {(f["check"], f["severity"]) for f in findings} >= {
        ("punctuation", "warning"),
        ("numbers", "error"),
    }
    assert all(f["file"] == str(path) and f["line"] > 0 for f in findings)
    only = runner.invoke(app, ["check", str(path), "--only", "punctuation", "--json", *project])
    assert only.exit_code == 0
    assert {f["check"] for f in json.loads(only.stdout)["findings"]} == {"punctuation"}
    assert runner.invoke(app, ["check", str(path), "--skip", "nope", *project]).exit_code == 2
    assert runner.invoke(app, ["run", *project, "--to", "en"]).exit_code == 1  # QA errors
    entry = polib.pofile(str(path)).find(entry.msgid)
    assert "qa warning [punctuation]: ends with no final punctuation" in entry.comment
    assert entry.tcomment == "reviewer: keep it short"
    assert entry.msgstr == "Many of the products are highly specialised and cover only niches"
