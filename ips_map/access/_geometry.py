"""Territories and metric coordinates: mainland France and Corsica (two territories) in
Lambert-93, each overseas département in its own local CRS, so that distances are in metres
and no distance is ever measured across the sea between two territories (a straight line
from Ajaccio to Marseille, 300 km over the sea, says nothing of anyone's access)."""

from __future__ import annotations

import numpy as np

from ips_map.territory.data import DROM_CRS, METRO_CRS, transformer

#: The territory of mainland metropolitan France.
METRO = "metro"
#: Corsica (2A, 2B): metropolitan, in Lambert-93 too, but across the sea from the mainland.
CORSE = "corse"


def territories(departements: np.ndarray) -> np.ndarray:
    """Return the territory of each département code: the code itself for an overseas
    département (``"974"``), :data:`CORSE` for 2A and 2B, :data:`METRO` otherwise."""
    codes = np.asarray(departements, dtype=object)
    overseas = np.isin(codes, list(DROM_CRS))
    corsica = np.isin(codes, ["2A", "2B"])
    return np.where(overseas, codes, np.where(corsica, CORSE, METRO)).astype(object)


def crs_of(territory: str) -> int:
    """Return the EPSG code of a territory's metric CRS."""
    return METRO_CRS if territory in (METRO, CORSE) else DROM_CRS[territory]


def project(lon: np.ndarray, lat: np.ndarray, territory: str) -> np.ndarray:
    """Return the points (EPSG:4326 longitudes and latitudes) in the territory's metric CRS,
    as an ``(n, 2)`` array of metres."""
    x, y = transformer(4326, crs_of(territory)).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.column_stack([x, y])
