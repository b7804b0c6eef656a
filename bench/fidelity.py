"""Group "fidelity": how far the drawn boundaries are from the full-resolution ones.

"Drawn" is what the page draws: the départements simplified by
:func:`ips_map.render.boundaries.simplify_boundaries`, encoded by
:func:`ips_map.render._encode.encode_geometry` and decoded again (coordinates rounded to
1e-4°), before the DROM are moved into their insets (the move is for display only).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from ._common import Figure, Run, median

#: Targets: median and maximum Hausdorff distance (metres), gap and overlap area (m²).
MAX_MEDIAN_M = 300.0
MAX_MAX_M = 1500.0
MAX_AREA_M2 = 1.0
#: Boundaries are sampled every STEP_M metres (plus their vertices) for the Hausdorff distance.
STEP_M = 25.0


def decode_geometry(encoded: list[list[str]]):
    """Rebuild the Polygon or MultiPolygon that the page draws from its encoded rings."""
    from ips_map.render._encode import decode_ring

    polygons = []
    for rings in encoded:
        shell, *holes = [decode_ring(text) for text in rings]
        polygons.append(Polygon(shell, holes))
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _segments(geometry) -> np.ndarray:
    """The segments of a polygon's boundary, as an array of two-point LineStrings."""
    pieces = []
    for line in shapely.get_parts(shapely.boundary(geometry)):
        coords = shapely.get_coordinates(line)
        pieces.append(np.stack([coords[:-1], coords[1:]], axis=1))
    return shapely.linestrings(np.concatenate(pieces))


def _directed(a, b, step: float) -> float:
    points = shapely.points(shapely.get_coordinates(shapely.segmentize(shapely.boundary(a), step)))
    tree = shapely.STRtree(_segments(b))
    _, distances = tree.query_nearest(points, return_distance=True, all_matches=False)
    return float(distances.max())


def hausdorff(a, b, step: float = STEP_M) -> float:
    """Hausdorff distance between the boundaries of two polygons (metric CRS).

    Both boundaries are sampled every ``step`` metres and each sample's distance to the
    other boundary's segments is exact, so the result is within ``step / 2`` of the true one.
    """
    return max(_directed(a, b, step), _directed(b, a, step))


def _holes(geometry) -> list[Polygon]:
    return [Polygon(ring) for part in shapely.get_parts(geometry) for ring in part.interiors]


def run(run: Run) -> None:
    """Measure Hausdorff distances, gaps, overlaps and coverage validity."""
    from ips_map.render._encode import encode_geometry
    from ips_map.render.boundaries import simplify_boundaries
    from ips_map.territory.data import DROM_CRS, METRO_CRS, load_departements

    departements = load_departements()
    simple = simplify_boundaries(departements)
    drawn = np.array([decode_geometry(encode_geometry(g)) for g in simple], dtype=object)
    original = departements.geometry.to_numpy()
    codes = departements["code"].to_numpy()
    names = dict(zip(codes, departements["nom"]))
    crs_of = np.array([DROM_CRS.get(code, METRO_CRS) for code in codes])

    metric_drawn = np.empty(len(codes), dtype=object)
    metric_original = np.empty(len(codes), dtype=object)
    for crs in np.unique(crs_of):
        mask = crs_of == crs
        metric_drawn[mask] = gpd.GeoSeries(drawn[mask], crs=4326).to_crs(int(crs)).to_numpy()
        metric_original[mask] = gpd.GeoSeries(original[mask], crs=4326).to_crs(int(crs)).to_numpy()

    distances = np.array([hausdorff(a, b) for a, b in zip(metric_drawn, metric_original)])
    worst = np.argsort(distances)[::-1][:3]
    worst_text = ", ".join(f"{codes[i]} {names[codes[i]]} {distances[i]:,.0f} m" for i in worst)
    vertices = (
        f"{int(shapely.get_num_coordinates(drawn).sum()):,} drawn vertices for "
        f"{int(shapely.get_num_coordinates(original).sum()):,}"
    )
    run.add(
        Figure(
            "fidelity",
            "Hausdorff distance, median of 101 départements",
            median(distances.tolist()),
            "m",
            limit=MAX_MEDIAN_M,
            note=vertices,
        )
    )
    run.add(
        Figure(
            "fidelity",
            "Hausdorff distance, maximum",
            float(distances.max()),
            "m",
            limit=MAX_MAX_M,
            note=f"worst: {worst_text}",
        )
    )

    invalid = [str(code) for code, g in zip(codes, metric_drawn) if not shapely.is_valid(g)]
    reasons = [
        f"{code} ({shapely.is_valid_reason(g)})"
        for code, g in zip(codes, metric_drawn)
        if not shapely.is_valid(g)
    ]
    run.add(
        Figure(
            "fidelity",
            "drawn polygons not OGC-valid",
            len(invalid),
            "",
            note="; ".join(reasons) + " — made valid for the overlay below" if invalid else "",
        )
    )

    metro = crs_of == METRO_CRS
    cover = shapely.make_valid(np.asarray(metric_drawn[metro], dtype=object))
    truth = np.asarray(metric_original[metro], dtype=object)
    tree = shapely.STRtree(cover)
    left, right = tree.query(cover, predicate="intersects")
    pairs = left < right
    overlap = float(
        shapely.area(shapely.intersection(cover[left[pairs]], cover[right[pairs]])).sum()
    )
    run.add(
        Figure(
            "fidelity",
            "overlap between metropolitan neighbours",
            overlap,
            "m²",
            limit=MAX_AREA_M2,
            note=f"sum over {int(pairs.sum())} touching pairs, Lambert-93",
        )
    )

    drawn_holes = _holes(shapely.union_all(cover))
    true_holes = _holes(shapely.union_all(truth))
    true_union = shapely.union_all(true_holes) if true_holes else Polygon()
    new_holes = [h for h in drawn_holes if not h.intersects(true_union)]
    gap = float(sum(h.area for h in new_holes))
    run.add(
        Figure(
            "fidelity",
            "gaps between metropolitan neighbours",
            gap,
            "m²",
            limit=MAX_AREA_M2,
            note=(
                f"{len(new_holes)} new hole(s) in the union; holes drawn {len(drawn_holes)}, "
                f"full resolution {len(true_holes)}"
            ),
        )
    )

    if hasattr(shapely, "coverage_invalid_edges"):
        edges = shapely.coverage_invalid_edges(np.asarray(metric_drawn[metro], dtype=object))
        bad = [str(code) for code, e in zip(codes[metro], edges) if not shapely.is_empty(e)]
        run.add(
            Figure(
                "fidelity",
                "coverage_invalid_edges (metropolitan, drawn)",
                len(bad),
                "",
                limit=0,
                note=", ".join(bad),
            )
        )
    else:
        run.note(f"shapely {shapely.__version__} has no coverage_invalid_edges: not measured")
