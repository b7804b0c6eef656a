"""The départements' rings as the arcs of a topology: each border shared by two départements
is stored once, on an integer grid, delta-coded and packed into printable ASCII.

The idea is TopoJSON's (https://github.com/topojson/topojson-specification): a ring is a list
of arcs; arc ``i`` is used forwards, ``~i`` (that is ``-i - 1``) backwards. Here:

- every vertex is quantised to integers of ``10**-precision`` degrees (latitude, longitude);
  the coverage simplification (``boundaries.py``) already snapped shared borders to that grid,
  so both sides of a border hold the same integers;
- a *node* is a vertex with other than two distinct neighbouring vertices over all rings (where
  the neighbour changes: three départements, or two and the sea, meet there). Rings are cut at
  their nodes; a ring without one is a single closed arc starting at its smallest vertex, so
  that an island and the hole it fills yield the same arc;
- arcs are deduplicated (an arc found reversed is referenced as ``~i``); their points are
  written one after the other, latitude first, each coordinate as the difference from the
  previous point's, zig-zagged and written with :func:`ips_map.render._encode.encode_varints`.

``static/decode.js`` (``ipsMap.Topology``) rebuilds the rings in the page; :func:`decode_arcs`
and :func:`rebuild` do the same here (tests, benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ips_map.render._encode import PRECISION, decode_varints, encode_varints


@dataclass
class Arcs:
    """The arcs of a set of geometries and, for each geometry, its rings as arc references."""

    arcs: list[np.ndarray]  # each (n, 2) int64: latitude, longitude on the grid
    shapes: list[list[list[list[int]]]]  # geometry → polygons → rings → signed arc indices
    precision: int = PRECISION

    @property
    def points(self) -> int:
        """Points stored (an arc's ends are counted once per arc)."""
        return sum(len(arc) for arc in self.arcs)


def quantise_ring(coords: np.ndarray, precision: int = PRECISION) -> np.ndarray:
    """A ring's lon/lat coordinates (closing point included or not) as grid integers,
    latitude first, without its closing point and without repeated consecutive points."""
    grid = np.round(np.asarray(coords, dtype=float)[:, ::-1] * 10**precision).astype(np.int64)
    if len(grid) > 1 and (grid[0] == grid[-1]).all():
        grid = grid[:-1]
    keep = np.any(grid != np.roll(grid, 1, axis=0), axis=1) if len(grid) > 1 else [True]
    return grid[keep]


def _rings(geometries, precision: int) -> list[list[list[np.ndarray]]]:
    """Each geometry's polygons as lists of quantised rings; a ring left with fewer than
    three points (a speck under the grid) is dropped, with its polygon if it is the shell."""
    out = []
    for geometry in geometries:
        polygons = []
        for polygon in shapely.get_parts(geometry):
            rings = [quantise_ring(np.asarray(polygon.exterior.coords), precision)]
            rings += [quantise_ring(np.asarray(r.coords), precision) for r in polygon.interiors]
            if len(rings[0]) >= 3:
                polygons.append([ring for ring in rings if len(ring) >= 3])
        out.append(polygons)
    return out


def _keys(ring: np.ndarray) -> np.ndarray:
    """One int64 per point (latitude and longitude on 31 bits each)."""
    return ((ring[:, 0] + (1 << 30)) << 31) | (ring[:, 1] + (1 << 30))


def _nodes(rings: list[np.ndarray]) -> np.ndarray:
    """Keys of the points with other than two distinct neighbours over all rings (sorted)."""
    keys = [_keys(ring) for ring in rings]
    here = np.concatenate(keys + keys)
    around = np.concatenate([np.roll(k, 1) for k in keys] + [np.roll(k, -1) for k in keys])
    order = np.lexsort((around, here))
    here, around = here[order], around[order]
    distinct = np.ones(len(here), dtype=bool)
    distinct[1:] = (here[1:] != here[:-1]) | (around[1:] != around[:-1])
    here = here[distinct]  # each (point, neighbour) once, sorted by point
    starts = np.flatnonzero(np.append(True, here[1:] != here[:-1]))
    counts = np.diff(np.append(starts, len(here)))
    return here[starts][counts != 2]


def build_arcs(geometries, precision: int = PRECISION) -> Arcs:
    """Cut the rings of ``geometries`` (Polygons or MultiPolygons, lon/lat) into shared arcs."""
    shapes = _rings(geometries, precision)
    flat = [ring for polygons in shapes for rings in polygons for ring in rings]
    nodes = _nodes(flat) if flat else np.empty(0, np.int64)
    arcs: list[np.ndarray] = []
    index: dict[bytes, int] = {}

    def reference(arc: np.ndarray) -> int:
        found = index.get(arc.tobytes())
        if found is not None:
            return found
        found = index.get(arc[::-1].tobytes())
        if found is not None:
            return ~found
        index[arc.tobytes()] = len(arcs)
        arcs.append(arc)
        return len(arcs) - 1

    def split(ring: np.ndarray) -> list[int]:
        keys = _keys(ring)
        cuts = np.flatnonzero(np.isin(keys, nodes, assume_unique=False))
        if cuts.size == 0:
            cuts = np.array([int(np.argmin(keys))])
        ring = np.roll(ring, -int(cuts[0]), axis=0)
        cuts = np.append(cuts - cuts[0], len(ring))
        closed = np.concatenate([ring, ring[:1]])
        return [reference(np.ascontiguousarray(closed[a : b + 1])) for a, b in zip(cuts, cuts[1:])]

    refs = [[[split(ring) for ring in rings] for rings in polygons] for polygons in shapes]
    return Arcs(arcs=arcs, shapes=refs, precision=precision)


def encode_arcs(arcs: list[np.ndarray]) -> tuple[str, list[int]]:
    """All arcs' points as one string (deltas from the previous point, across arcs), and the
    number of points of each arc."""
    if not arcs:
        return "", []
    points = np.concatenate(arcs)
    deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return encode_varints(deltas.ravel()), [len(arc) for arc in arcs]


def decode_arcs(text: str, lengths: list[int]) -> list[np.ndarray]:
    """The arcs back from :func:`encode_arcs`'s string and lengths (grid integers)."""
    points = np.cumsum(decode_varints(text).reshape(-1, 2), axis=0)
    if len(points) != sum(lengths):
        raise ValueError(f"{len(points)} points for arcs of {sum(lengths)}")
    return np.split(points, np.cumsum(lengths)[:-1]) if lengths else []


def ring_points(refs: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    """A ring's points (grid integers, no closing point) from its arc references: each arc
    without its last point, which is the next arc's first (or the ring's first)."""
    parts = [arcs[ref] if ref >= 0 else arcs[~ref][::-1] for ref in refs]
    return np.concatenate([part[:-1] for part in parts])


def rebuild(shape: list[list[list[int]]], arcs: list[np.ndarray], precision: int = PRECISION):
    """The Polygon or MultiPolygon (lon/lat) that the page draws from a shape's references."""
    polygons = []
    for rings in shape:
        shell, *holes = [ring_points(refs, arcs)[:, ::-1] / 10**precision for refs in rings]
        polygons.append(shapely.Polygon(shell, holes))
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
