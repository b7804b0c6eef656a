"""Where points fall: the département containing each point (coastal offices a little
offshore included), coordinates read with latitude and longitude swapped, and the distance
between two points."""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Points this close to a département (in metres, EPSG:3857 so roughly) count as inside it:
#: coastal offices geocoded a few hundred metres offshore by the simplified coastline.
COAST_TOLERANCE_M = 3000


def departements_of_points(
    lons: np.ndarray, lats: np.ndarray, departements: gpd.GeoDataFrame
) -> list[str | None]:
    """Return the code of the département containing each point (None when outside all).

    Points within :data:`COAST_TOLERANCE_M` of a département (offshore by a few hundred
    metres) are given that département.
    """
    if len(lons) == 0:
        return []
    points = gpd.GeoDataFrame(
        {"i": np.arange(len(lons))},
        geometry=shapely.points(np.asarray(lons, float), np.asarray(lats, float)),
        crs=4326,
    )
    polygons, mercator = _polygons(departements)
    inside = gpd.sjoin(points, polygons, how="left", predicate="intersects")
    inside = inside[~inside.index.duplicated(keep="first")]
    result: list[str | None] = [
        None if pd.isna(code) else str(code) for code in inside.sort_index()["code"]
    ]
    missing = [i for i, code in enumerate(result) if code is None]
    if missing:
        near = gpd.sjoin_nearest(
            points.iloc[missing].to_crs(3857),
            mercator,
            how="left",
            max_distance=COAST_TOLERANCE_M,
        )
        near = near[~near.index.duplicated(keep="first")]
        for index, code in zip(near.index, near["code"]):
            if not pd.isna(code):
                result[index] = str(code)
    return result


_POLYGONS: list[tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]] = []


def _polygons(departements: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The départements' codes and shapes, in EPSG:4326 and in EPSG:3857, made once for the
    table (the one :func:`~ips_map.territory.data.load_departements` keeps for the process):
    every call reuses their spatial indexes instead of reprojecting and indexing again."""
    for known, polygons, mercator in _POLYGONS:
        if known is departements:
            return polygons, mercator
    polygons = departements[["code", "geometry"]]
    mercator = polygons.to_crs(3857)
    _POLYGONS[:] = [(departements, polygons, mercator)]
    return polygons, mercator


@dataclass(frozen=True)
class CoordinateReading:
    """A row's coordinates as placement reads them."""

    lon: float
    lat: float
    #: The département they fall in, None when outside all (even swapped).
    departement: str | None
    #: True when they were read with latitude and longitude exchanged.
    swapped: bool = False


def read_coordinates(
    rows: pd.DataFrame, departements: gpd.GeoDataFrame
) -> dict[object, CoordinateReading]:
    """Map the index of each row with coordinates to how they read.

    Coordinates outside every département are tried swapped: when latitude and longitude
    were exchanged, the swap lands in France and the original does not.
    """
    has_coords = rows["lat"].notna() & rows["lon"].notna()
    lons = rows.loc[has_coords, "lon"].to_numpy(dtype=float)
    lats = rows.loc[has_coords, "lat"].to_numpy(dtype=float)
    deps = departements_of_points(lons, lats, departements)
    result = {
        index: CoordinateReading(lon, lat, dep)
        for index, lon, lat, dep in zip(rows.index[has_coords], lons, lats, deps)
    }
    outside = [
        index
        for index, reading in result.items()
        if reading.departement is None and abs(reading.lon) <= 90
    ]
    if outside:
        swapped = departements_of_points(
            np.array([result[i].lat for i in outside]),
            np.array([result[i].lon for i in outside]),
            departements,
        )
        for index, dep in zip(outside, swapped):
            if dep is not None:
                reading = result[index]
                result[index] = CoordinateReading(reading.lat, reading.lon, dep, swapped=True)
    return result


def distance_km(x1: float, y1: float, x2: float, y2: float) -> float:
    """Great-circle distance in km between two points given in degrees (lon, lat)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (x1, y1, x2, y2))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))
