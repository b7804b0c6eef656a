"""Place each service of a listing on the map, from the best evidence it carries.

Evidence, best first: valid coordinates (swapped latitude and longitude are detected when
the swap lands in France and the original does not); INSEE commune code (current, old code
of a merged commune, or a municipal arrondissement); commune name with postcode or
département; postcode alone; and, when nothing else is usable, the département alone (the
service is then drawn at its chef-lieu: all coverage needs is the département). The method
used is recorded for every row.

When the evidence disagrees, the best consistent evidence wins and the row's warnings say
which (:mod:`ips_map.places.row`). A row is rejected only when no placement is consistent
(as many pieces for one département as for another: coordinates in the Ain and "2A"
stated, with nothing else) or when it carries no usable evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from ips_map.errors import ERREUR, Problem
from ips_map.listing.read import Listing, reject_record
from ips_map.places._distinct import (
    coordinates_only,
    evidence_groups,
    evidence_records,
    relined,
)
from ips_map.places._seats import SeatFinder
from ips_map.places.duplicates import possible_duplicates
from ips_map.places.geometry import read_coordinates
from ips_map.places.outcome import PlacedRow, RowNotes, services_table, set_warnings
from ips_map.places.row import place_row, placed_by_code_alone
from ips_map.progress import Advance, ignore
from ips_map.territory.gazetteer import Gazetteer, shared_gazetteer
from ips_map.vocabulary import APPROXIMATE_METHODS, COMMUNE_CENTRE_METHODS

__all__ = ["Placement", "count_placements", "place_services"]

#: Rows placed between two reports of the progress.
_BLOCK_ROWS = 1_000


@dataclass
class Placement:
    """Services placed on the map and rows that could not be placed."""

    services: gpd.GeoDataFrame
    rejects: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def count_placements(services: pd.DataFrame) -> dict[str, int]:
    """Count placed services by how exact their position is.

    Returns ``places`` (all), ``exactes`` (coordinates or a geocoded address),
    ``centre_commune`` (a commune's centre, :data:`COMMUNE_CENTRE_METHODS`), ``approchees``
    (a postcode's commune or the département's chef-lieu, :data:`APPROXIMATE_METHODS`),
    and ``code_postal`` and ``departement``, the two parts of ``approchees``.
    """
    methods = services["methode"] if len(services) else pd.Series([], dtype=object)
    commune = int(methods.isin(COMMUNE_CENTRE_METHODS).sum())
    approximate = int(methods.isin(APPROXIMATE_METHODS).sum())
    return {
        "places": int(len(methods)),
        "exactes": int(len(methods)) - commune - approximate,
        "centre_commune": commune,
        "approchees": approximate,
        "code_postal": int((methods == "code_postal").sum()),
        "departement": int((methods == "departement").sum()),
    }


def place_services(
    listing: Listing,
    departements: gpd.GeoDataFrame,
    communes: pd.DataFrame,
    old_codes: pd.DataFrame,
    *,
    gazetteer: Gazetteer | None = None,
    advance: Advance = ignore,
) -> Placement:
    """Place every row of a listing, or reject it with the reason.

    ``gazetteer`` is the look-ups of ``communes`` and ``old_codes`` when already built
    (:class:`Gazetteer`); they are built here otherwise. ``advance`` is told the rows placed
    (or rejected) as it goes: all of them in the end.

    Returns
    -------
    Placement
        ``services`` is a GeoDataFrame of points (EPSG:4326, true positions) with the
        listing's columns plus ``methode``, ``code_departement`` (the office's),
        ``code_commune_trouve``, ``nom_commune_trouve``, ``desservis`` (tuple of the codes
        served) and ``avertissements``.
    """
    gazetteer = gazetteer or shared_gazetteer(communes, old_codes)
    rows = listing.rows
    readings = read_coordinates(rows, departements)
    dep_names = dict(zip(departements["code"], departements["nom"]))
    seats = SeatFinder(departements, gazetteer)
    # Placed once per distinct evidence, from the first row that carries it.
    only = coordinates_only(rows, readings)
    groups, firsts = evidence_groups(rows, only.alone, only.keys)
    results = []
    # The rows each placement stands for, told by blocks (a call per row would cost more
    # than a bar is worth).
    sizes = np.bincount(groups, minlength=len(firsts)).tolist()
    told = 0
    for index, row in zip(rows.index[firsts], evidence_records(rows, firsts)):
        reading = readings.get(index)
        result = placed_by_code_alone(row, gazetteer) if reading is None else None
        if result is None:
            notes = RowNotes(int(row["ligne"]), listing.unit, listing.columns_as_written, dep_names)
            result = place_row(row, reading, gazetteer, seats, notes)
        results.append(result)
        told += sizes[len(results) - 1]
        if told >= _BLOCK_ROWS:
            advance(told)
            told = 0
    advance(told)
    is_placed = np.array([isinstance(r, PlacedRow) for r in results], dtype=bool)
    noisy = np.array([bool(r.warnings) or not p for r, p in zip(results, is_placed)], bool)

    lines = rows["ligne"].to_numpy()
    names = rows["nom"].to_numpy(dtype=object)
    rejects: list[dict] = []
    problems: list[Problem] = []
    warnings: dict[int, list[Problem]] = {}  # by position in the table of placed rows
    placed_at = np.cumsum(is_placed[groups]) - 1
    for position in np.flatnonzero(noisy[groups]).tolist():
        result, line = results[groups[position]], int(lines[position])
        found = relined(result.warnings, line)
        problems.extend(found)
        if isinstance(result, PlacedRow):
            warnings[int(placed_at[position])] = found
        else:
            error = relined([result.error], line)[0]
            rejects.append(reject_record({"ligne": line, "nom": names[position]}, [error]))
            problems.append(error)
    kept = np.flatnonzero(is_placed[groups])
    table = services_table(
        rows.iloc[kept], results, groups[kept], (only.lons[kept], only.lats[kept])
    )
    for position, problem in possible_duplicates(table, listing.unit):
        warnings.setdefault(position, []).append(problem)
        problems.append(problem)
    _add_reading_warnings(table, listing.problems, warnings)
    set_warnings(table, warnings)
    return Placement(services=table, rejects=rejects, problems=problems)


def _add_reading_warnings(
    table: gpd.GeoDataFrame, found: list[Problem], warnings: dict[int, list[Problem]]
) -> None:
    """Put the warnings reading found about a placed row (a statut not recognised, a link
    completed) before its placement's, so that ``avertissements`` has them all."""
    by_line: dict[int, list[Problem]] = {}
    for problem in found:
        if problem.ligne is not None and problem.gravite != ERREUR:
            by_line.setdefault(problem.ligne, []).append(problem)
    if not by_line or not len(table):
        return
    lines = table["ligne"].to_numpy()
    for position in np.flatnonzero(np.isin(lines, list(by_line))).tolist():
        warnings[position] = by_line[int(lines[position])] + warnings.get(position, [])
