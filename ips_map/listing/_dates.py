"""The date a listing gives itself: written in its title rows, above the header
(« Liste des services IPS — mise à jour du 12/03/2024 »)."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("janvier", "janv"),
            ("fevrier", "février", "fevr", "févr"),
            ("mars",),
            ("avril", "avr"),
            ("mai",),
            ("juin",),
            ("juillet", "juil"),
            ("aout", "août"),
            ("septembre", "sept"),
            ("octobre", "oct"),
            ("novembre", "nov"),
            ("decembre", "décembre", "dec", "déc"),
        ),
        start=1,
    )
    for name in names
}
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_WORDS = re.compile(
    r"(?<!\d)(\d{1,2})(?:er)?\s+("
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\.?\s+(\d{4})(?!\d)",
    re.IGNORECASE,
)


def title_date(lines: list[str]) -> str:
    """The first valid date in a listing's title rows, as an ISO date; "" when none.

    Days are written French-style (day first): 12/03/2024, 12-03-2024, 12.03.2024,
    12 mars 2024, 1er mars 2024; or as an ISO date, 2024-03-12.
    """
    for line in lines:
        found = sorted(
            [(m.start(), (m.group(3), m.group(2), m.group(1))) for m in _NUMERIC.finditer(line)]
            + [(m.start(), (m.group(1), m.group(2), m.group(3))) for m in _ISO.finditer(line)]
            + [
                (m.start(), (m.group(3), _MONTHS[m.group(2).lower()], m.group(1)))
                for m in _WORDS.finditer(line)
            ]
        )
        for _, (year, month, day) in found:
            try:
                return dt.date(int(year), int(month), int(day)).isoformat()
            except ValueError:
                continue
    return ""
