"""URLs and e-mail addresses in running text, found in linear time on any input.

A pattern like ``[\\w.+-]+@…`` tried at every position of a long token without an ``@``
scans the rest of the token from each of them: quadratic time (seconds for 50,000
characters). Here an address starts only where a run of address characters starts, or
where the previous match ended (what ``re.finditer`` with the plain pattern would try
there), so each run is scanned a bounded number of times and the matches are the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

EMAIL = r"[\w.+-]++@[\w-]++(?:\.[\w-]++)++"


class UrlOrEmail:
    """``re.finditer`` of ``url|EMAIL`` (case-insensitive), without its quadratic worst case."""

    def __init__(self, url: str) -> None:
        # An address inside a run would end where the run's first one ends: same outcome.
        self._search = re.compile(rf"{url}|(?<![\w.+-]){EMAIL}", re.IGNORECASE)
        self._here = re.compile(rf"{url}|{EMAIL}", re.IGNORECASE)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        position = 0
        while True:
            # Right after a match the plain pattern may start inside a run ("a@b.de+c@d.de").
            match = self._here.match(text, position) if position else None
            match = match or self._search.search(text, position)
            if match is None:
                return
            yield match
            position = match.end()
