"""The zones d'emploi as the page draws them (``--zones-emploi``): simplified as coverages
like the départements (metropolitan France in Lambert-93, each DROM in its own metric CRS,
shared borders kept shared), snapped to the page's grid, moved into the départements' insets,
then cut into the arcs of a topology of their own (``_topology.py``).

Both steps are computed once per input: the simplification keyed like the départements'
(sha256 of the geometries, codes, CRS, tolerance and grid), the topology by the sha256 of the
drawn shapes. They are shipped for the embedded zones (``precomputed/zones/``, written by
:func:`store_precomputed`) and kept in the user's cache (``contours/``) otherwise; a stored
file names the sha256 of its content and is checked when read.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from pathlib import Path

import geopandas as gpd
import shapely

from ips_map.render._encode import PRECISION
from ips_map.render.boundaries import (
    EncodedTopology,
    _store_blob,
    boundaries_key,
    read_or_build_topology,
    topology_key,
)
from ips_map.settings import default_cache_dir
from ips_map.territory.data import DROM_CRS, METRO_CRS
from ips_map.territory.zone_shapes import zone_territory

#: Tolerance (metres) of the zones' coverage simplification, as the départements'.
ZONES_TOLERANCE_M = 150.0
PRECOMPUTED_ZONES = Path(__file__).resolve().parent / "precomputed" / "zones"
_MEMO: dict[str, object] = {}


def _folders() -> tuple[Path, Path]:
    return PRECOMPUTED_ZONES, default_cache_dir() / "contours"


def _read(key: str, suffix: str) -> bytes | None:
    """The content stored for ``key`` (named for its sha256, checked), or None."""
    for folder in _folders():
        for path in sorted(folder.glob(f"{key}-*{suffix}")):
            try:
                data = gzip.decompress(path.read_bytes())
            except (OSError, EOFError, zlib.error):
                continue
            if path.name == f"{key}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}":
                return data
    return None


def simplify_zones(zones: gpd.GeoDataFrame, folder: Path | None = None) -> list:
    """The zones' geometries simplified as coverages and snapped to the grid (EPSG:4326)."""
    key = "zones-" + boundaries_key(zones, ZONES_TOLERANCE_M)
    if key in _MEMO:
        return _MEMO[key]
    data = _read(key, ".wkb.gz") if folder is None else None
    if data is not None:
        values = list(shapely.from_wkb(json.loads(data)))
    else:
        values = _simplify(zones)
        record = json.dumps([shapely.to_wkb(v, hex=True) for v in values]).encode("ascii")
        _store_blob(key, record, folder or _folders()[1], ".wkb.gz")
    _MEMO[key] = values
    return values


def _simplify(zones: gpd.GeoDataFrame) -> list:
    territory = zone_territory(zones["code"])
    out = list(zones.geometry.values)
    for name in ["metro", *DROM_CRS]:
        rows = [i for i, t in enumerate(territory) if t == name]
        if not rows:
            continue
        crs = METRO_CRS if name == "metro" else DROM_CRS[name]
        metric = zones.geometry.iloc[rows].to_crs(crs)
        simple = shapely.coverage_simplify(metric.values, ZONES_TOLERANCE_M)
        back = gpd.GeoSeries(simple, crs=crs).to_crs(4326).values
        for i, geometry in zip(rows, back):
            out[i] = geometry
    return list(shapely.set_precision(out, 10.0**-PRECISION))


def drawn_zones(zones: gpd.GeoDataFrame, insets: dict, folder: Path | None = None) -> list:
    """The zones' shapes as drawn: simplified, the overseas ones moved into the insets."""
    simple = simplify_zones(zones, folder)
    territory = zone_territory(zones["code"])
    return [insets[t].move(g) if t in insets else g for t, g in zip(territory, simple, strict=True)]


def zones_topology(geometries, folder: Path | None = None) -> EncodedTopology:
    """The encoded topology of the drawn zones: read from its store, else built and stored."""
    key = "zones-" + topology_key(geometries)
    if key not in _MEMO:
        stored = _read(key, ".topo.json.gz") if folder is None else None
        where = folder or _folders()[1]
        _MEMO[key] = read_or_build_topology(
            geometries, stored, lambda data: _store_blob(key, data, where, ".topo.json.gz")
        )
    return _MEMO[key]


def store_precomputed(zones: gpd.GeoDataFrame, insets: dict) -> list[Path]:
    """Write the zones' simplification and topology into :data:`PRECOMPUTED_ZONES`."""
    PRECOMPUTED_ZONES.mkdir(parents=True, exist_ok=True)
    for old in PRECOMPUTED_ZONES.glob("*.gz"):
        old.unlink()
    _MEMO.clear()
    zones_topology(drawn_zones(zones, insets, PRECOMPUTED_ZONES), PRECOMPUTED_ZONES)
    return sorted(PRECOMPUTED_ZONES.glob("*.gz"))
