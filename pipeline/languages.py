"""Language codes: the one rule for what a code may look like.

Codes name folders (``locales/<code>/``) and packages (``translate-<from>_<to>``), so a
code is never more than ISO 639 letters with an optional region or script, as gettext
and Argos Translate write them: ``en``, ``fr``, ``pt_BR``, ``zh-Hant``, ``es-419``.
"""

from __future__ import annotations

import re

_CODE = re.compile(r"[a-z]{2,3}(?:[_-](?:[A-Z]{2}|[A-Z][a-z]{3}|[0-9]{3}))?")
CODE_RULE = "ISO 639 letters with an optional region, such as de, en, fr, pt_BR"


def is_language_code(value: object) -> bool:
    """True when ``value`` is a safe language code (see the module docstring)."""
    return isinstance(value, str) and _CODE.fullmatch(value) is not None


def bad_language_codes(values: object) -> list[str]:
    """The values of a list that are not language codes, as ``repr`` strings."""
    items = values if isinstance(values, list | tuple) else [values]
    return [repr(item) for item in items if not is_language_code(item)]
