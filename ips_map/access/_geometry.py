"""Territories and metric coordinates: metropolitan France (Corsica included) in Lambert-93,
each overseas département in its own local CRS, so that distances are in metres and no
distance is ever measured across the sea between two territories."""

from __future__ import annotations

from functools import cache

import numpy as np
import pyproj

from ips_map.territory.data import DROM_CRS, METRO_CRS

#: The territory of metropolitan France (Corsica included).
METRO = "metro"


def territories(departements: np.ndarray) -> np.ndarray:
    """Return the territory of each département code: the code itself for an overseas
    département (``"974"``), :data:`METRO` otherwise."""
    codes = np.asarray(departements, dtype=object)
    overseas = np.isin(codes, list(DROM_CRS))
    return np.where(overseas, codes, METRO).astype(object)


def crs_of(territory: str) -> int:
    """Return the EPSG code of a territory's metric CRS."""
    return METRO_CRS if territory == METRO else DROM_CRS[territory]


@cache
def _transformer(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(4326, epsg, always_xy=True)


def project(lon: np.ndarray, lat: np.ndarray, territory: str) -> np.ndarray:
    """Return the points (EPSG:4326 longitudes and latitudes) in the territory's metric CRS,
    as an ``(n, 2)`` array of metres."""
    x, y = _transformer(crs_of(territory)).transform(
        np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    )
    return np.column_stack([x, y])
