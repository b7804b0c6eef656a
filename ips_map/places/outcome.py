"""What placing one row gives: the warnings noted on the way, then a placed row or a
rejected one; and the table of placed services, whose added columns are named here only."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
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


@dataclass
class RejectedRow:
    """A row that could not be placed: the error that says why, and the warnings noted
    before it (they explain the error)."""

    row: dict
    error: Problem
    warnings: list[Problem] = field(default_factory=list)


def services_table(
    rows: pd.DataFrame,
    results: list,
    groups: np.ndarray,
    positions: tuple[np.ndarray, np.ndarray] | None = None,
) -> gpd.GeoDataFrame:
    """The placed rows as a GeoDataFrame of points (EPSG:4326): the listing's columns, then
    those of :data:`PLACED_COLUMNS` it lacks.

    ``rows`` are the placed rows of the listing; ``results`` the result of each group of
    rows with the same evidence (:mod:`~ips_map.places._distinct`), ``groups`` the group of
    each of ``rows``; ``positions`` the longitude and latitude of the rows that have their
    own in a group (NaN for the others). ``avertissements`` is left empty
    (:func:`set_warnings`).
    """
    frame = rows.reset_index(drop=True)
    placed = [r if isinstance(r, PlacedRow) else None for r in results]
    for column, attribute in (
        ("methode", "method"),
        ("code_departement", "departement"),
        ("code_commune_trouve", "commune_code"),
        ("nom_commune_trouve", "commune_name"),
        ("desservis", "served"),
    ):
        values = np.empty(len(placed), dtype=object)
        for k, item in enumerate(placed):
            values[k] = getattr(item, attribute) if item is not None else None
        frame[column] = values[groups] if len(groups) else pd.Series([], dtype=object)
    frame["avertissements"] = ""
    x = np.array([float(r.lon) if r is not None else np.nan for r in placed], dtype=float)
    y = np.array([float(r.lat) if r is not None else np.nan for r in placed], dtype=float)
    x, y = x[groups], y[groups]
    if positions is not None:
        own = ~np.isnan(positions[0])
        x[own], y[own] = positions[0][own], positions[1][own]
    return gpd.GeoDataFrame(frame, geometry=shapely.points(x, y), crs=4326)


def set_warnings(table: gpd.GeoDataFrame, warnings: dict[int, list[Problem]]) -> None:
    """Write the warnings of the rows that have some (by position) in ``avertissements``."""
    if not warnings:
        return
    column = table["avertissements"].to_numpy(dtype=object, copy=True)
    for position, problems in warnings.items():
        column[position] = " | ".join(str(p) for p in problems)
    table["avertissements"] = column
