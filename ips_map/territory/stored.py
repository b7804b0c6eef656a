"""The embedded départements' boundaries at full resolution, stored for a fast start.

Parsing the 8 MB GeoJSON file takes about a quarter of a second, a fifth of a cold build.
Its geometries are also shipped in ``precomputed/`` as integer coordinates (the file writes
five decimals; ``n / 10**5`` is the double that parsing the decimal gives), stored as
differences and compressed: read back, they are the geometries that reading the GeoJSON
gives, byte for byte in WKB (checked when the store is written, and by the tests).

A store is named after the sha256 of the GeoJSON file it was made from, which
:func:`ips_map.sources.registry.source_path` has checked against the manifest, and after the
sha256 of its own content, checked when it is read: a damaged or missing store means the
GeoJSON is read, never that wrong boundaries are used.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ips_map.outputs import write_atomic

log = logging.getLogger("ips_map")

#: Stored boundaries shipped with the package (``scripts/store_departements.py``).
STORE_DIR = Path(__file__).resolve().parent / "precomputed"
#: Coordinates are stored as integers of 10⁻⁵ degree.
SCALE = 10**5
_POLYGON = 3


def stored_departements(source_sha256: str) -> gpd.GeoDataFrame | None:
    """The stored boundaries made from the GeoJSON file of this sha256, or None."""
    for path in sorted(STORE_DIR.glob(f"{source_sha256[:32]}-*.npz")):
        data = path.read_bytes()
        if path.name != f"{source_sha256[:32]}-{hashlib.sha256(data).hexdigest()[:16]}.npz":
            log.debug("%s : empreinte différente, contours lus dans le GeoJSON", path)
            continue
        return _decode(data)
    return None


def _decode(data: bytes) -> gpd.GeoDataFrame:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        header = json.loads(arrays["header"].tobytes())
        coords = np.cumsum(arrays["coords"].astype(np.int64), axis=0) / SCALE
        offsets = tuple(arrays[f"offsets{i}"].astype(np.int64) for i in range(3))
        types = arrays["types"]
    multi = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)
    geometry = np.where(types == _POLYGON, shapely.get_geometry(multi, 0), multi)
    return gpd.GeoDataFrame(
        {"code": header["code"], "nom": header["nom"]}, geometry=geometry, crs=header["crs"]
    )


def encode_departements(frame: gpd.GeoDataFrame) -> bytes:
    """The store of ``frame`` (columns ``code, nom, geometry``, as read from the GeoJSON).

    Raises
    ------
    ValueError
        When the store would not give back the same geometries (a coordinate off the
        10⁻⁵ grid, a geometry other than a polygon or a multipolygon).
    """
    types = shapely.get_type_id(frame.geometry.values)
    _, coords, offsets = shapely.to_ragged_array(frame.geometry.values)
    integers = np.round(coords * SCALE).astype(np.int64)
    header = {"code": list(frame["code"]), "nom": list(frame["nom"]), "crs": str(frame.crs)}
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8),
        coords=np.diff(integers, axis=0, prepend=0).astype(np.int32),
        types=types.astype(np.int8),
        **{f"offsets{i}": offset.astype(np.int32) for i, offset in enumerate(offsets)},
    )
    data = buffer.getvalue()
    back = _decode(data)
    same = list(back["code"]) == header["code"] and list(back["nom"]) == header["nom"]
    same = same and shapely.to_wkb(back.geometry.values).tolist() == (
        shapely.to_wkb(frame.geometry.values).tolist()
    )
    if not same or str(back.crs) != header["crs"]:
        raise ValueError("les contours relus ne sont pas ceux du fichier GeoJSON")
    return data


def store_departements(frame: gpd.GeoDataFrame, source_sha256: str) -> Path:
    """Write the store of ``frame``, made from the GeoJSON file of ``source_sha256``,
    into :data:`STORE_DIR`, replacing the stores of other files."""
    data = encode_departements(frame)
    for old in STORE_DIR.glob("*.npz"):
        old.unlink()
    name = f"{source_sha256[:32]}-{hashlib.sha256(data).hexdigest()[:16]}.npz"
    return write_atomic(STORE_DIR / name, data)
