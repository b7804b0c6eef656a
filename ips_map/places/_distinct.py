"""Rows that carry the same evidence are placed once.

Where a row goes, and the warnings about it, depend only on the columns placement reads
(:data:`EVIDENCE_COLUMNS`, and the coordinates when it has some): a listing of a million
services names a few thousand communes. :func:`evidence_groups` numbers the distinct
evidence of a table's rows with pandas' factorize, whole columns at a time; each group is
placed from its first row (:func:`ips_map.places.row.place_row`), and its warnings are
given to every row of the group with that row's own line (:func:`relined`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ips_map.errors import Problem
from ips_map.vocabulary import GEOCODE_ACCEPTED

#: The columns of a listing's rows that placement reads, coordinates aside.
EVIDENCE_COLUMNS = (
    "departements_possibles",
    "departement_code",
    "departement",
    "code_commune_n",
    "code_postal_n",
    "commune",
    "desservis",
)


def evidence_groups(
    rows: pd.DataFrame, with_coordinates: np.ndarray, keys: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct evidence of ``rows``.

    ``with_coordinates`` is True for the rows whose coordinates placement reads: each such
    row is a group of its own (two offices rarely share coordinates). ``keys`` tells apart
    the rows that carry some more evidence (:func:`coordinates_only`), None elsewhere.

    Returns ``(groups, firsts)``: the group of each row (by position), numbered in the order
    of their first row, and the position of each group's first row.
    """
    size = len(rows)
    groups = np.zeros(size, dtype=np.int64)
    for column in (*EVIDENCE_COLUMNS, *WRITTEN_COLUMNS):
        if column not in rows:
            continue
        codes, uniques = pd.factorize(rows[column].to_numpy(dtype=object), use_na_sentinel=False)
        groups, _ = pd.factorize(groups * len(uniques) + codes)
        groups = groups.astype(np.int64)
    if keys is not None:
        codes, uniques = pd.factorize(keys, use_na_sentinel=False)
        groups, _ = pd.factorize(groups * max(len(uniques), 1) + codes)
        groups = groups.astype(np.int64)
    if with_coordinates.any():
        # Rows with coordinates stand alone: a group number after every other group's.
        alone = np.flatnonzero(with_coordinates)
        groups[alone] = groups.max() + 1 + np.arange(len(alone))
        groups, _ = pd.factorize(groups)
        groups = groups.astype(np.int64)
    _, firsts = np.unique(groups, return_index=True)
    return groups, firsts


#: The postcode and INSEE code as written: warnings quote them so ("1000", not "01000"),
#: so rows that write them differently are placed apart.
WRITTEN_COLUMNS = ("code_postal", "code_commune")

#: The other columns placement reads: the line, the name, the coordinates as written.
OTHER_COLUMNS = (
    "ligne",
    "nom",
    "latitude",
    "longitude",
    "lat",
    "lon",
    "geocodage_statut",
    "geocodage_label",
)


@dataclass
class CoordinatesOnly:
    """Rows placed by their coordinates and nothing else, grouped by what placing them
    reads besides (:func:`coordinates_only`)."""

    #: True for the rows with coordinates still placed one by one.
    alone: np.ndarray
    #: Geocoded or not, and the département, for the rows placed by coordinates only.
    keys: np.ndarray
    #: Their positions (NaN for the other rows).
    lons: np.ndarray
    lats: np.ndarray


def coordinates_only(rows: pd.DataFrame, readings: dict) -> CoordinatesOnly:
    """Find the rows whose coordinates, in a département as written, are their only
    evidence (no commune, code, postcode or département).

    Such a row is placed at its coordinates in their département, without a warning: the
    rows of one département (geocoded or not, serving the same départements) share their
    placement but for the position. The other rows with coordinates are placed one by one.
    """
    size = len(rows)
    found = CoordinatesOnly(
        np.zeros(size, dtype=bool),
        np.full(size, None, dtype=object),
        np.full(size, np.nan),
        np.full(size, np.nan),
    )
    if not readings:
        return found
    other = np.zeros(size, dtype=bool)
    for column in EVIDENCE_COLUMNS:
        if column in rows and column != "desservis":
            other |= np.fromiter(map(bool, rows[column].tolist()), dtype=bool, count=size)
    statuses = rows["geocodage_statut"].tolist() if "geocodage_statut" in rows else [None] * size
    for position, reading in zip(rows.index.get_indexer(list(readings)), readings.values()):
        if other[position] or reading.departement is None or reading.swapped:
            found.alone[position] = True
            continue
        found.keys[position] = (statuses[position] == GEOCODE_ACCEPTED, reading.departement)
        found.lons[position], found.lats[position] = reading.lon, reading.lat
    return found


def evidence_records(rows: pd.DataFrame, positions: np.ndarray) -> list[dict]:
    """The rows at ``positions`` as dicts of the columns placement reads."""
    names = [c for c in (*EVIDENCE_COLUMNS, *WRITTEN_COLUMNS, *OTHER_COLUMNS) if c in rows]
    columns = [rows[name].to_numpy()[positions].tolist() for name in names]
    return [dict(zip(names, values)) for values in zip(*columns)]


def relined(problems: list[Problem], line: int) -> list[Problem]:
    """The problems of a group's first row, as those of the row at ``line``."""
    return [
        problem if problem.ligne == line else dataclasses.replace(problem, ligne=line)
        for problem in problems
    ]
