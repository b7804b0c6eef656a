"""Where the far-away population lives: the commune centres beyond the first threshold,
summed on a hexagonal grid, encoded compactly for the page.

The grid is flat-topped, of circumradius :data:`HEX_RADIUS_M` metres, in a metric CRS:
Lambert-93 for metropolitan France (Corsica included), each DROM's own CRS overseas. A cell
is its axial coordinates (q, r): centre x = 1.5 R q, y = √3 R (r + q / 2). the page gets, per
territory, the cells sorted by (q, r) as one varint string (``_encode.encode_varints``) of
(q − previous q, r − previous r, inhabitants) triples, and how to place a metric point on
the map: for Lambert-93 its projection's constants (``static/access.js`` inverts it), for a
DROM an affine map from its metres to the Web Mercator metres of its inset (fitted on the
cells' corners: the inset is small, the error well under a pixel). The page rebuilds the
hexagons; nothing else is carried.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ips_map.render._encode import encode_varints
from ips_map.territory.data import DROM_CRS, METRO_CRS, transformer

HEX_RADIUS_M = 15_000.0
#: Lambert-93 (EPSG:2154): GRS80, secant cone at 44° and 49° N, origin 46.5° N 3° E.
_A, _E = 6378137.0, 0.0818191910428158
_LAT1, _LAT2, _LAT0 = (math.radians(v) for v in (44.0, 49.0, 46.5))


def _lambert_constants() -> dict:
    """What the page needs to invert Lambert-93 (``static/access.js``): the cone's constant
    ``n``, ``aF`` (a × F) and the origin's radius ``rho0`` (Snyder, Map projections, 15-1)."""

    def m(phi):
        return math.cos(phi) / math.sqrt(1 - (_E * math.sin(phi)) ** 2)

    def t(phi):
        s = _E * math.sin(phi)
        return math.tan(math.pi / 4 - phi / 2) / ((1 - s) / (1 + s)) ** (_E / 2)

    n = (math.log(m(_LAT1)) - math.log(m(_LAT2))) / (math.log(t(_LAT1)) - math.log(t(_LAT2)))
    af = _A * m(_LAT1) / (n * t(_LAT1) ** n)
    return {
        "e": _E,
        "n": n,
        "aF": af,
        "rho0": af * t(_LAT0) ** n,
        "lon0": 3.0,
        "x0": 700000.0,
        "y0": 6600000.0,
    }


LAMBERT93 = _lambert_constants()


def hex_cells(x: np.ndarray, y: np.ndarray, radius: float = HEX_RADIUS_M) -> np.ndarray:
    """The axial cell (q, r) of each metric point: an (n, 2) int64 array (cube rounding)."""
    q = (2.0 / 3.0) * np.asarray(x, float) / radius
    r = (-1.0 / 3.0 * np.asarray(x, float) + math.sqrt(3) / 3 * np.asarray(y, float)) / radius
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    return np.column_stack([rq, rr]).astype(np.int64)


def hex_centres(cells: np.ndarray, radius: float = HEX_RADIUS_M) -> np.ndarray:
    """The metric centres of axial cells ((n, 2) x, y)."""
    q, r = cells[:, 0].astype(float), cells[:, 1].astype(float)
    return np.column_stack([1.5 * radius * q, math.sqrt(3) * radius * (r + q / 2)])


def _metric(communes: pd.DataFrame, crs: int) -> tuple[np.ndarray, np.ndarray]:
    """The communes' centres in the metric CRS: the access stage's ``x_m, y_m`` (projected
    once, kept between builds), else projected here."""
    if "x_m" in communes and "y_m" in communes:
        return communes["x_m"].to_numpy(float), communes["y_m"].to_numpy(float)
    x, y = transformer(4326, crs).transform(
        communes["longitude"].to_numpy(float), communes["latitude"].to_numpy(float)
    )
    return np.asarray(x), np.asarray(y)


def far_cells(communes: pd.DataFrame, threshold_km: float, crs: int) -> pd.DataFrame:
    """Inhabitants beyond ``threshold_km`` (or with no service in their territory) per
    cell of the communes given (one territory): columns q, r, population, sorted."""
    far = communes[~(communes["distance_km"] <= threshold_km) & (communes["population"] > 0)]
    if far.empty:
        return pd.DataFrame({"q": [], "r": [], "population": []}, dtype="int64")
    cells = hex_cells(*_metric(far, crs))
    table = pd.DataFrame({"q": cells[:, 0], "r": cells[:, 1], "population": far["population"]})
    summed = table.groupby(["q", "r"], as_index=False)["population"].sum()
    return summed.sort_values(["q", "r"]).reset_index(drop=True)


def encode_cells(cells: pd.DataFrame) -> tuple[str, list[int]]:
    """The cells (sorted by q, then r) as runs of consecutive r in one column: each run's
    first (q, r) as the points of one topology arc (differences from the previous run's,
    zig-zagged varints: ``static/decode.js`` Topology decodes them), and each run's length."""
    q = cells["q"].to_numpy(np.int64)
    r = cells["r"].to_numpy(np.int64)
    starts = np.flatnonzero(np.r_[True, (np.diff(q) != 0) | (np.diff(r) != 1)])
    points = np.column_stack([q[starts], r[starts]])
    deltas = np.diff(points, axis=0, prepend=np.zeros((1, 2), np.int64))
    lengths = np.diff(np.r_[starts, len(q)])
    return encode_varints(deltas.ravel()), [int(n) for n in lengths]


def cell_classes(cells: pd.DataFrame, breaks) -> str:
    """Each cell's class of inhabitants (k when below the k-th break, at most 4), two cells
    to a character: ``chr(65 + 5 × first + second)`` ("A"…"Y", nothing JSON escapes)."""
    levels = np.searchsorted(np.asarray(breaks), cells["population"].to_numpy(), "right")
    if len(breaks) > 4:
        raise ValueError("five classes at most")
    pairs = np.append(levels, 0)[: 2 * ((len(levels) + 1) // 2)].reshape(-1, 2)
    return (65 + 5 * pairs[:, 0] + pairs[:, 1]).astype(np.uint8).tobytes().decode("ascii")


def _affine(communes: pd.DataFrame, crs: int, inset) -> list[float]:
    """The affine map from the DROM's metres to its inset's Web Mercator metres, fitted on
    the centres of its communes (known in both): [a, b, c, d, e, f] with X = a x + b y + c,
    Y = d x + e y + f. At the corners of the cells the error is a few hundred metres of the
    inset at most (``tests/test_hexes.py``), well under a pixel at the insets' zoom."""
    import shapely

    x, y = _metric(communes, crs)
    lonlat = communes[["longitude", "latitude"]].to_numpy(float)
    moved = inset.move(shapely.points(lonlat))
    X, Y = transformer(4326, 3857).transform(shapely.get_x(moved), shapely.get_y(moved))
    design = np.column_stack([x, y, np.ones(len(x))])
    (a, b, c), *_ = np.linalg.lstsq(design, np.asarray(X), rcond=None)
    (d, e, f), *_ = np.linalg.lstsq(design, np.asarray(Y), rcond=None)
    return [float(v) for v in (a, b, c, d, e, f)]


def hex_grids(communes: pd.DataFrame, threshold_km: float, insets: dict, breaks) -> list[dict]:
    """The page's grids: one per territory that has far-away inhabitants."""
    territory = np.where(
        communes["code_departement"].isin(list(DROM_CRS)), communes["code_departement"], "metro"
    )
    grids = []
    for name in ["metro", *DROM_CRS]:
        crs = METRO_CRS if name == "metro" else DROM_CRS[name]
        land = communes[territory == name]
        cells = far_cells(land, threshold_km, crs)
        if cells.empty or (name != "metro" and name not in insets):
            continue
        grid = {"territory": name, "radius": HEX_RADIUS_M, "count": int(len(cells))}
        if name == "metro":
            grid["lambert"] = LAMBERT93
        else:
            grid["affine"] = [round(v, 6) for v in _affine(land, crs, insets[name])]
        grid["runs"], grid["lengths"] = encode_cells(cells)
        grid["classes"] = cell_classes(cells, breaks)
        grids.append(grid)
    return grids
