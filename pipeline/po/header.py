"""PO and POT headers: the fields, and dates that follow the files, never the clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from pipeline import __version__
from pipeline.languages import language_name, plural_forms
from pipeline.po.catalog import Catalog, escape_comment, render_body

MACHINE_TRANSLATOR = "release-pipeline (machine translation, not reviewed)"
DATE_FORMAT = "%Y-%m-%d %H:%M%z"


def header_value(text: str) -> str:
    """``text`` as a header field value: on one line, without surrounding blanks."""
    return escape_comment(text).strip()


def with_header(
    catalog: Catalog,
    existing: Catalog,
    language: str,
    release: Path,
    po_path: Path,
    now: datetime | None,
) -> tuple[Catalog, str]:
    """The catalog with a complete header, and the file's PO-Revision-Date. Dates change only
    when the content does, to the newest modification time of the release and of the PO
    file as it was (or ``now``), never earlier than the dates the header had."""
    header = dict(existing.header)
    stamp = header_date(now, [release, po_path], header.get("PO-Revision-Date"))
    pot_stamp = header_date(now, [release], header.get("POT-Creation-Date"))
    header.setdefault("Project-Id-Version", header_value(release.stem))
    header.setdefault("Report-Msgid-Bugs-To", "")
    header.setdefault("POT-Creation-Date", pot_stamp)
    header.setdefault("PO-Revision-Date", stamp)
    header.setdefault("Last-Translator", MACHINE_TRANSLATOR)
    header.setdefault("Language-Team", language_name(language))
    header["Language"] = language
    header["MIME-Version"] = "1.0"
    header["Content-Type"] = "text/plain; charset=UTF-8"
    header["Content-Transfer-Encoding"] = "8bit"
    header["Plural-Forms"] = plural_forms(language)
    header.setdefault("X-Generator", f"release-pipeline {__version__}")
    draft = replace(catalog, header=header, header_fuzzy=False)
    if existing.header and render_body(draft) == render_body(existing):
        return draft, header["PO-Revision-Date"]
    if {e.msgid for e in existing.active} != {e.msgid for e in draft.active}:
        header["POT-Creation-Date"] = pot_stamp
    header["PO-Revision-Date"] = stamp
    return replace(draft, header=header), stamp


def header_date(now: datetime | None, sources: Sequence[Path], floor: str | None = None) -> str:
    """A header date: ``now``, else the newest modification time of ``sources``, and never
    earlier than ``floor`` (the date the header had)."""
    if now is not None:
        return now.astimezone(UTC).strftime("%Y-%m-%d %H:%M+0000")
    times = [path.stat().st_mtime for path in sources if path.is_file()]
    newest = datetime.fromtimestamp(max(times, default=0), UTC).replace(second=0, microsecond=0)
    try:
        earlier = datetime.strptime(floor or "", DATE_FORMAT).astimezone(UTC)
    except ValueError:
        earlier = None
    if earlier is not None and earlier > newest:
        newest = earlier
    return newest.strftime("%Y-%m-%d %H:%M+0000")


def template_header(stem: str, date: str) -> dict[str, str]:
    """The header of a release's POT template."""
    return {
        "Project-Id-Version": header_value(stem),
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": date,
        "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
        "Last-Translator": "FULL NAME <EMAIL@ADDRESS>",
        "Language-Team": "LANGUAGE <LL@li.org>",
        "Language": "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": f"release-pipeline {__version__}",
    }
