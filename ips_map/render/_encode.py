"""Compact encoding of polygon rings for the page: the encoded-polyline algorithm.

Each ring becomes a string of printable ASCII (63–126): latitude and longitude rounded to
``PRECISION`` decimals, delta-coded, zig-zagged and cut into 5-bit chunks. A few lines of
JavaScript in ``static/decode.js`` decode it. It is about a quarter of the size of the same
coordinates written as GeoJSON numbers.
"""

from __future__ import annotations

import numpy as np

#: Decimal places kept: 1e-4 degree is at most 11 m.
PRECISION = 4


def encode_ring(coords: np.ndarray, precision: int = PRECISION) -> str:
    """Encode an (n, 2) array of lon/lat as a polyline string (lat first, as Leaflet).

    Vectorised: each zig-zagged delta is cut into its 5-bit chunks, low bits first, every
    chunk but the last flagged with 0x20, all of them offset by 63 into printable ASCII.
    """
    scaled = np.round(np.asarray(coords)[:, ::-1] * 10**precision).astype(np.int64)
    deltas = np.diff(scaled, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    values = np.where(deltas < 0, ~(deltas << 1), deltas << 1).astype(np.uint64)
    if values.size == 0:
        return ""
    width = max(1, -(-int(values.max()).bit_length() // 5))  # chunks of the largest value
    shifts = np.arange(0, 5 * width, 5, dtype=np.uint64)
    rest = values[:, None] >> shifts[None, :]
    chunks = rest & np.uint64(0x1F)
    more = (rest >> np.uint64(5)) > 0
    used = np.concatenate([np.ones((len(values), 1), bool), more[:, :-1]], axis=1)
    chars = chunks + np.uint64(63) + np.where(more, np.uint64(0x20), np.uint64(0))
    return chars[used].astype(np.uint8).tobytes().decode("ascii")


def decode_ring(text: str, precision: int = PRECISION) -> np.ndarray:
    """Decode a polyline string back to an (n, 2) array of lon/lat (for tests)."""
    values, shift, result = [], 0, 0
    for char in text:
        byte = ord(char) - 63
        result |= (byte & 0x1F) << shift
        shift += 5
        if byte < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift, result = 0, 0
    latlon = np.cumsum(np.array(values, dtype=np.int64).reshape(-1, 2), axis=0)
    return latlon[:, ::-1] / 10**precision


def encode_geometry(geometry) -> list[list[str]]:
    """Encode a Polygon or MultiPolygon as a list of polygons, each a list of rings.

    Rings drop their closing point: Leaflet closes polygons itself.
    """
    polygons = getattr(geometry, "geoms", [geometry])
    encoded = []
    for polygon in polygons:
        rings = [polygon.exterior, *polygon.interiors]
        encoded.append([encode_ring(np.asarray(ring.coords)[:-1]) for ring in rings])
    return encoded
