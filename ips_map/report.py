"""Problems found in a listing: one record per problem, collected, never raised one by one."""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
