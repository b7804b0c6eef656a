"""What placing one row gives: the warnings noted on the way, then a placed row or a
rejected one; and the table of placed services, whose added columns are named here only."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from ips_map.errors import ERREUR, Problem

#: Columns placement adds to the listing's, in this order.
PLACED_COLUMNS = (
    "methode",
    "code_departement",
    "code_commune_trouve",
    "nom_commune_trouve",
    "desservis",
    "avertissements",
)


class RowNotes:
    """The warnings of one row, in the order they are noted.

    Reports name the column as the file's header does ("Dépt", "Code INSEE"): ``written``
    maps the listing's canonical columns to it.
    """

    def __init__(self, line: int, unit: str, written: dict[str, str], dep_names: dict):
        self.line = line
        self.unit = unit
        self.written = written
        self.dep_names = dep_names
        self.problems: list[Problem] = []

    def header(self, column: str) -> str:
        """The canonical ``column`` as the file's header writes it."""
        return self.written.get(column, column)

    def note(self, column: str, value: str, message: str) -> None:
        """Add a warning about the value of a (canonical) column."""
        self.problems.append(
            Problem(self.line, self.header(column), value, message, unite=self.unit)
        )

    def name_of(self, dep: str) -> str:
        """A département as messages write it: ``01 (Ain)``."""
        return f"{dep} ({self.dep_names[dep]})" if dep in self.dep_names else dep

    def error(self, column: str, value: str, message: str) -> Problem:
        """The error that rejects the row; ``column`` is already as the header writes it."""
        return Problem(self.line, column, value, message, ERREUR, self.unit)


@dataclass
class PlacedRow:
    """A row placed on the map: how, where, and the warnings about it."""

    row: dict
    #: A key of :data:`ips_map.vocabulary.PLACEMENT_METHODS`.
    method: str
    #: The département of the office (where the point is).
    departement: str
    #: The commune the evidence names (empty when only coordinates or a département).
    commune_code: str
    commune_name: str
    #: Codes of the départements served.
    served: tuple[str, ...]
    lon: float
    lat: float
    warnings: list[Problem] = field(default_factory=list)

    def record(self) -> dict:
        """The row's columns with :data:`PLACED_COLUMNS` and the point's ``x``/``y``."""
        record = dict(self.row)
        record.update(
            {
                "methode": self.method,
                "code_departement": self.departement,
                "code_commune_trouve": self.commune_code,
                "nom_commune_trouve": self.commune_name,
                "desservis": self.served,
                "x": float(self.lon),
                "y": float(self.lat),
                "avertissements": " | ".join(str(p) for p in self.warnings),
            }
        )
        return record


@dataclass
class RejectedRow:
    """A row that could not be placed: the error that says why, and the warnings noted
    before it (they explain the error)."""

    row: dict
    error: Problem
    warnings: list[Problem] = field(default_factory=list)


def services_table(placed: list[PlacedRow], listing_columns: list[str]) -> gpd.GeoDataFrame:
    """The placed rows as a GeoDataFrame of points (EPSG:4326): the listing's columns, then
    those of :data:`PLACED_COLUMNS` it lacks."""
    columns = list(listing_columns) + [c for c in PLACED_COLUMNS if c not in listing_columns]
    frame = pd.DataFrame.from_records(
        [item.record() for item in placed], columns=columns + ["x", "y"]
    )
    return gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]),
        geometry=shapely.points(frame["x"].astype(float), frame["y"].astype(float)),
        crs=4326,
    )
