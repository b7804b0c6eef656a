"""Exceptions raised by ips-map, and the record of a problem found in a listing.

Every failure that a user can fix derives from :class:`IpsMapError`; the CLI turns
them into a one-line message and exit code 1 instead of a traceback.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


class IpsMapError(Exception):
    """Base class of every error that ips-map reports to a user."""


class DataFileError(IpsMapError):
    """An embedded or fetched data file is missing, altered or malformed."""


class ListingError(IpsMapError):
    """A listing of services cannot be read or has no usable row."""


class RowsLeftOut(ListingError):
    """A build stops, writing nothing, because rows of its listing are left out: none is
    placed, or some are and the build is strict (``--strict``). ``lines`` are the verdict
    as ``ips-map validate`` says it, ``reason`` why the build stopped."""

    def __init__(self, lines: list[str], reason: str):
        super().__init__("\n".join([*lines, reason]))
        self.lines = lines
        self.reason = reason


class SettingsError(IpsMapError):
    """An option has a value that cannot be used (unknown census vintage, ...)."""


class EditionError(IpsMapError):
    """An earlier build (an edition) cannot be read to compare it with another."""


# --- problems found in a listing: one record each, collected, never raised one by one ---

ERREUR = "erreur"  # the row is not used
AVERTISSEMENT = "avertissement"  # the row is used, something was corrected or ignored


@dataclass(frozen=True)
class Problem:
    """A problem with one value of a listing.

    ``ligne`` is the line of the file where the row starts (the header is line 1), the row
    of a spreadsheet, or the index of a GeoJSON feature (``unite`` then says "entité");
    ``colonne`` is the column as written in the file's header.
    """

    ligne: int | None
    colonne: str
    valeur: str
    message: str
    gravite: str = AVERTISSEMENT
    unite: str = "ligne"

    def as_dict(self) -> dict:
        """Return the problem as a plain dict (for CSV and JSON reports)."""
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.unite} {self.ligne}" if self.ligne is not None else "fichier"
        column = f", colonne « {self.colonne} »" if self.colonne else ""
        value = f", valeur « {self.valeur} »" if self.valeur != "" else ""
        return f"{where}{column}{value} : {self.message}"
