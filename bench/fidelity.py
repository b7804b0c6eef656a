"""Group "fidelity": how far the drawn boundaries are from the full-resolution ones.

"Drawn" is what the page draws: the default map is built, its data read back from the page
and its arcs decoded and rings rebuilt as the page's decoder does
(:func:`ips_map.render.page_data.departement_shapes`, which the tests hold to
``static/decode.js``); the DROM are taken back out of their insets (the move is for display
only). In the same run, the baseline: ``explore()`` of the project's own simplified
boundaries draws them as GeoJSON, at full float precision, so that the simplification and the
page's encoding are credited separately (``explore()`` of the full-resolution boundaries is
the reference itself, at 0 m).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Polygon

from ._common import OUT_DIR, Figure, Run, ips_map_command, median, time_command

#: Targets: median and maximum Hausdorff distance (metres), gap and overlap area (m²).
MAX_MEDIAN_M = 220.0
MAX_MAX_M = 660.0
MAX_AREA_M2 = 1.0
#: Boundaries are sampled every STEP_M metres (plus their vertices) for the Hausdorff distance.
STEP_M = 25.0


def page_shapes(html: str, departements: gpd.GeoDataFrame, simplified):
    """Each département as the page draws it (EPSG:4326), as drawn and at its true place."""
    from ips_map.render._insets import make_insets
    from ips_map.render.page_data import departement_shapes, read_page_data
    from ips_map.territory.data import DROM_CRS

    codes = list(departements["code"])
    drawn = departement_shapes(read_page_data(html))
    insets = make_insets({c: g for c, g in zip(codes, simplified) if c in DROM_CRS})
    as_drawn = np.array([drawn[c] for c in codes], dtype=object)
    placed = [insets[c].unmove(drawn[c]) if c in insets else drawn[c] for c in codes]
    return as_drawn, np.array(placed, dtype=object)


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


def _metric(geometries: np.ndarray, crs_of: np.ndarray) -> np.ndarray:
    out = np.empty(len(geometries), dtype=object)
    for crs in np.unique(crs_of):
        mask = crs_of == crs
        out[mask] = gpd.GeoSeries(geometries[mask], crs=4326).to_crs(int(crs)).to_numpy()
    return out


def _distances(run: Run, label: str, metric, truth, codes, names, check: bool) -> np.ndarray:
    distances = np.array([hausdorff(a, b) for a, b in zip(metric, truth)])
    worst = np.argsort(distances)[::-1][:3]
    worst_text = ", ".join(f"{codes[i]} {names[codes[i]]} {distances[i]:,.0f} m" for i in worst)
    run.add(
        Figure(
            "fidelity",
            f"Hausdorff distance, median of {len(codes)} départements: {label}",
            median(distances.tolist()),
            "m",
            limit=MAX_MEDIAN_M if check else None,
        )
    )
    run.add(
        Figure(
            "fidelity",
            f"Hausdorff distance, maximum: {label}",
            float(distances.max()),
            "m",
            limit=MAX_MAX_M if check else None,
            note=f"worst: {worst_text}",
        )
    )
    return distances


def run(run: Run) -> None:
    """Measure Hausdorff distances, gaps, overlaps and coverage validity of the drawn map."""
    from ips_map.render.boundaries import simplify_boundaries
    from ips_map.territory.data import DROM_CRS, METRO_CRS, load_departements

    out = OUT_DIR / "fidelity"
    time_command(ips_map_command("build", "--out", str(out / "ours")))
    departements = load_departements()
    simple = simplify_boundaries(departements).to_numpy()
    as_drawn, drawn = page_shapes(
        (out / "ours" / "index.html").read_text(encoding="utf-8"), departements, simple
    )
    original = departements.geometry.to_numpy()
    codes = departements["code"].to_numpy()
    names = dict(zip(codes, departements["nom"]))
    crs_of = np.array([DROM_CRS.get(code, METRO_CRS) for code in codes])
    metric_drawn = _metric(drawn, crs_of)
    metric_simple = _metric(simple, crs_of)
    metric_original = _metric(original, crs_of)

    _distances(
        run,
        "explore() of the simplified boundaries",
        metric_simple,
        metric_original,
        codes,
        names,
        check=False,
    )
    _distances(
        run,
        "the page (simplified, then encoded)",
        metric_drawn,
        metric_original,
        codes,
        names,
        check=True,
    )
    encoding = np.array([hausdorff(a, b) for a, b in zip(metric_drawn, metric_simple)])
    run.add(
        Figure(
            "fidelity",
            "Hausdorff distance, maximum: the page against the simplified boundaries",
            float(encoding.max()),
            "m",
            note=(
                "what the encoding adds (grid 1e-4°; DROM quantised in their insets); "
                f"{int(shapely.get_num_coordinates(drawn).sum()):,} drawn vertices for "
                f"{int(shapely.get_num_coordinates(original).sum()):,} at full resolution"
            ),
        )
    )

    reasons = [
        f"{code} ({shapely.is_valid_reason(g)})"
        for code, g in [*zip(codes, as_drawn), *zip(codes, metric_drawn)]
        if not shapely.is_valid(g)
    ]
    run.add(
        Figure(
            "fidelity",
            "drawn polygons not OGC-valid (as drawn, and in metric CRS)",
            len(reasons),
            "",
            limit=0,
            note="; ".join(reasons) + " — made valid for the overlay below" if reasons else "",
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
