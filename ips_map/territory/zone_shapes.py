"""The zones d'emploi 2020 (INSEE): their boundaries, as the map draws them with
``--zones-emploi``.

Two embedded files (``data/geo/``, see ``data/PROVENANCE.md``): INSEE's polygons of the 287
metropolitan zones, and the 19 overseas zones dissolved from IGN communes. The code of an
overseas zone starts with its région's code (01 Guadeloupe … 06 Mayotte), which gives its
département.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd

from ips_map.sources.registry import source_path

#: The département of an overseas zone, by the first two characters of its code.
DROM_OF_ZONE = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}
N_ZONES = 306


def zone_territory(codes) -> list[str]:
    """The territory of each zone code: its DROM's code, or ``"metro"``."""
    return [DROM_OF_ZONE.get(str(code)[:2], "metro") for code in codes]


@lru_cache(maxsize=1)
def _read_zones(metro: str, drom: str) -> gpd.GeoDataFrame:
    parts = [gpd.read_file(path)[["ze2020", "libze2020", "geometry"]] for path in (metro, drom)]
    zones = pd.concat(parts, ignore_index=True).rename(
        columns={"ze2020": "code", "libze2020": "nom"}
    )
    zones = gpd.GeoDataFrame(zones, geometry="geometry", crs=parts[0].crs).to_crs(4326)
    return zones.sort_values("code", kind="stable").reset_index(drop=True)


def load_zone_shapes() -> gpd.GeoDataFrame:
    """Return the 306 zones d'emploi: ``code`` (4 characters), ``nom``, ``geometry``
    (EPSG:4326, true positions), sorted by code."""
    metro = source_path("zones_emploi_metro")
    drom = source_path("zones_emploi_drom")
    return _read_zones(str(metro), str(drom)).copy()
