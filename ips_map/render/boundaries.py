"""The départements' boundaries as the page draws them: simplified as coverages (shared borders
stay shared) and snapped to the page's grid, then cut into the arcs of a topology and
encoded (``_topology.py``), each computed once per input.

The simplification is keyed by the sha256 of the input geometries, their codes and CRS, the
tolerance and the grid; the encoded topology by the sha256 of the drawn geometries (insets
moved) and the grid. It is kept for the process, and on disk: shipped with the package
for the embedded boundaries (``precomputed/``, written by ``scripts/precompute_boundaries.py``),
in the user's cache (``contours/``) for fetched ones. A stored file names the sha256 of its
content, checked when it is read: a damaged file is recomputed, never used.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from ips_map.outputs import OutputError, write_atomic
from ips_map.render._encode import PRECISION
from ips_map.render._insets import Inset, make_insets
from ips_map.render._topology import build_arcs, encode_arcs
from ips_map.settings import default_cache_dir
from ips_map.territory.data import DROM_CRS, METRO_CRS

log = logging.getLogger("ips_map")

#: Simplification tolerance (metres) of GEOS coverage simplification: median error about
#: 210 m, maximum about 650 m against the full-resolution boundaries (see bench/).
SIMPLIFY_TOLERANCE_M = 150.0
#: Boundaries simplified for the embedded data, shipped with the package.
PRECOMPUTED_DIR = Path(__file__).resolve().parent / "precomputed"
#: Simplified boundaries already computed in this process, by their input (see below).
_SIMPLIFIED: dict[str, object] = {}


def simplify_boundaries(departements: gpd.GeoDataFrame, tolerance: float = SIMPLIFY_TOLERANCE_M):
    """Return the départements' geometries simplified as coverages (EPSG:4326).

    Metropolitan France is simplified as one coverage in Lambert-93, each DROM in its own
    metric CRS, so that neighbours keep sharing their border exactly. The result is read
    from its store when there is one (see the module's docstring), else computed and
    stored: the same boundaries are simplified once, whatever the number of builds.
    """
    key = boundaries_key(departements, tolerance)
    if key not in _SIMPLIFIED:
        if len(_SIMPLIFIED) >= 4:
            _SIMPLIFIED.pop(next(iter(_SIMPLIFIED)))
        values = _read_stored(key)
        if values is None or len(values) != len(departements):
            values = _simplify(departements, tolerance).values
            _store(key, values, default_cache_dir() / "contours")
        _SIMPLIFIED[key] = values
    return gpd.GeoSeries(_SIMPLIFIED[key], index=departements.index, crs=4326)


def boundaries_key(departements: gpd.GeoDataFrame, tolerance: float = SIMPLIFY_TOLERANCE_M):
    """The key of a simplification: sha256 of the input geometries (WKB), their codes and
    CRS, the tolerance and the page's grid."""
    digest = hashlib.sha256()
    for wkb in shapely.to_wkb(departements.geometry.values):
        digest.update(wkb)
    digest.update("|".join(departements["code"]).encode())
    digest.update(f"|{departements.crs}|{float(tolerance)!r}|{PRECISION}".encode())
    return digest.hexdigest()[:32]


def _stored_files(key: str, suffix: str) -> list[Path]:
    folders = (PRECOMPUTED_DIR, default_cache_dir() / "contours")
    return [path for folder in folders for path in sorted(folder.glob(f"{key}-*{suffix}"))]


def _read_blob(key: str, suffix: str) -> bytes | None:
    """The content stored for ``key`` (a file named for its sha256, checked), or None."""
    for path in _stored_files(key, suffix):
        try:
            data = gzip.decompress(path.read_bytes())
        except (OSError, EOFError, zlib.error):
            continue
        if path.name != f"{key}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}":
            log.debug("%s : empreinte différente, contours recalculés", path)
            continue
        return data
    return None


def _store_blob(key: str, data: bytes, folder: Path, suffix: str) -> Path | None:
    """Store ``data`` for ``key`` in ``folder`` (no error when it cannot be written)."""
    path = folder / f"{key}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    try:
        return write_atomic(path, gzip.compress(data, compresslevel=9, mtime=0))
    except OutputError as exc:
        log.debug("contours simplifiés non gardés en cache : %s", exc)
        return None


def _read_stored(key: str):
    """The stored simplification of ``key``, or None (none stored, or damaged)."""
    data = _read_blob(key, ".wkb.gz")
    if data is not None:
        (count,) = struct.unpack_from("<I", data)
        offset, parts = 4, []
        for _ in range(count):
            (size,) = struct.unpack_from("<I", data, offset)
            parts.append(data[offset + 4 : offset + 4 + size])
            offset += 4 + size
        return shapely.from_wkb(parts)
    return None


def _store(key: str, values, folder: Path) -> Path | None:
    """Store a simplification in ``folder`` (no error when the folder cannot be written)."""
    parts = shapely.to_wkb(values)
    data = struct.pack("<I", len(parts)) + b"".join(
        struct.pack("<I", len(part)) + part for part in parts
    )
    return _store_blob(key, data, folder, ".wkb.gz")


@dataclass(frozen=True)
class EncodedTopology:
    """The drawn shapes as the page carries them: each shape's rings as signed arc indices,
    the arcs' points packed in one string, the number of points of each arc."""

    shapes: list
    arcs: str
    lengths: list[int]
    precision: int = PRECISION


#: Encoded topologies already made in this process, by the drawn geometries' key.
_TOPOLOGIES: dict[str, EncodedTopology] = {}


def topology_key(geometries) -> str:
    """The key of the drawn ``geometries``' topology: their WKB and the precision, hashed."""
    digest = hashlib.sha256()
    for wkb in shapely.to_wkb(list(geometries)):
        digest.update(wkb)
    digest.update(f"|{PRECISION}".encode())
    return digest.hexdigest()[:32]


def read_or_build_topology(geometries, stored: bytes | None, store) -> EncodedTopology:
    """The encoded topology read from ``stored`` (its store's bytes), else built from
    ``geometries`` and given to ``store(bytes)``: the same bytes either way."""
    if stored is not None:
        found = json.loads(stored)
        return EncodedTopology(found["shapes"], found["arcs"], found["lengths"])
    arcs = build_arcs(geometries)
    text, lengths = encode_arcs(arcs.arcs)
    value = EncodedTopology(arcs.shapes, text, lengths, arcs.precision)
    record = {"shapes": value.shapes, "arcs": text, "lengths": lengths}
    store(json.dumps(record, separators=(",", ":")).encode("utf-8"))
    return value


def encoded_topology(geometries, folder: Path | None = None) -> EncodedTopology:
    """The topology of the drawn ``geometries`` (lon/lat), encoded for the page: read from
    its store (shipped or cached, checked by sha256), else built and stored in ``folder``
    (the user's cache by default). The same shapes give the same bytes either way."""
    key = topology_key(geometries)
    if key not in _TOPOLOGIES:
        if len(_TOPOLOGIES) >= 4:
            _TOPOLOGIES.pop(next(iter(_TOPOLOGIES)))
        stored = _read_blob(key, ".topo.json.gz") if folder is None else None
        where = folder or default_cache_dir() / "contours"
        _TOPOLOGIES[key] = read_or_build_topology(
            geometries, stored, lambda data: _store_blob(key, data, where, ".topo.json.gz")
        )
    return _TOPOLOGIES[key]


def drawn_shapes(departements: gpd.GeoDataFrame) -> tuple[list, dict[str, Inset]]:
    """The départements' shapes as drawn (simplified, DROM moved into insets), the insets."""
    drawn = simplify_boundaries(departements)
    true_drom = {code: g for code, g in zip(departements["code"], drawn) if code in DROM_CRS}
    insets = make_insets(true_drom)
    moved = [
        insets[code].move(geom) if code in insets else geom
        for code, geom in zip(departements["code"], drawn)
    ]
    return moved, insets


def store_precomputed(departements: gpd.GeoDataFrame) -> list[Path]:
    """Write the simplification of ``departements`` and the encoded topology of the shapes
    drawn from it into :data:`PRECOMPUTED_DIR` (``scripts/precompute_boundaries.py``, for the
    embedded boundaries)."""
    key = boundaries_key(departements)
    for old in [*PRECOMPUTED_DIR.glob("*.wkb.gz"), *PRECOMPUTED_DIR.glob("*.topo.json.gz")]:
        old.unlink()
    _SIMPLIFIED.clear()
    _TOPOLOGIES.clear()
    paths = [_store(key, _simplify(departements, SIMPLIFY_TOLERANCE_M).values, PRECOMPUTED_DIR)]
    encoded_topology(drawn_shapes(departements)[0], folder=PRECOMPUTED_DIR)
    return [*paths, *sorted(PRECOMPUTED_DIR.glob("*.topo.json.gz"))]


def _simplify(departements: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoSeries:
    out = departements.geometry.copy()
    groups = {"metro": (~departements["code"].isin(list(DROM_CRS)), METRO_CRS)}
    for code, crs in DROM_CRS.items():
        groups[code] = (departements["code"] == code, crs)
    for mask, crs in groups.values():
        if not mask.any():
            continue
        metric = departements.loc[mask].geometry.to_crs(crs)
        simple = shapely.coverage_simplify(metric.values, tolerance)
        out.loc[mask] = gpd.GeoSeries(simple, index=metric.index, crs=crs).to_crs(4326).values
    # Snap to the grid the page encodes (1e-4°) with GEOS, which keeps every polygon valid
    # (plain rounding made a Finistère ring touch itself) and shared borders shared.
    return gpd.GeoSeries(
        shapely.set_precision(out.values, 10.0**-PRECISION), index=out.index, crs=out.crs
    )
