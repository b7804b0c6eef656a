"""Group "weight": size of the default map against geopandas ``explore()``'s pages.

Two baselines, built in the same run: ``explore()`` of the full-resolution boundaries (what a
user would write by hand), and ``explore()`` of the project's own simplified boundaries (the
same shapes as the page, as GeoJSON), so that the simplification and the page's encoding are
credited separately. Sizes are raw and gzipped (level 9, as a web server would send them).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from ._assets import local_file, page_asset_urls
from ._baselines import EXPLORE_SCRIPT, explore_command
from ._common import OUT_DIR, BenchError, Figure, Run, ips_map_command, time_command

#: Self-contained default map: at most 25 % of explore()'s HTML.
MAX_RATIO = 0.25
#: The budget of a page a public body can publish (issue 11): the default page, with its
#: tables (the text equivalent of the map) and its search, at most 500 kB raw and 265 kB
#: gzipped. (The performance work brought the page without them to 450 kB and 250 kB.)
MAX_BYTES = 500_000
MAX_GZIP_BYTES = 265_000
#: Issue 10's figure for the default page, checked again since the page holds its tables,
#: search and access layers too: at most 450 kB raw and 250 kB gzipped.
ISSUE_BYTES = 450_000
ISSUE_GZIP_BYTES = 250_000


def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def _simplified_geojson(path: Path) -> Path:
    """The project's simplified boundaries (those the page draws), as a GeoJSON file."""
    from ips_map.render.boundaries import simplify_boundaries
    from ips_map.territory.data import load_departements

    departements = load_departements()
    simplified = departements.set_geometry(simplify_boundaries(departements))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(simplified.to_json(), encoding="utf-8")
    return path


def _geometry_bytes(html: str) -> tuple[int, int]:
    """Bytes of the page's geometry (arcs, their lengths, the shapes' references), and those
    the same drawn rings take as one polyline per ring (the page's former encoding)."""
    import shapely

    from ips_map.render._encode import encode_ring
    from ips_map.render.page_data import departement_shapes, read_page_data

    data = read_page_data(html)
    topology = data["topology"]
    ours = len(topology["arcs"]) + len(json.dumps(topology["lengths"], separators=(",", ":")))
    ours += len(json.dumps(data["departements"]["shape"], separators=(",", ":")))
    rings = 0
    for shape in departement_shapes(data).values():
        for polygon in shapely.get_parts(shape):
            for ring in [polygon.exterior, *polygon.interiors]:
                # JSON escapes the polyline's backslashes; quotes and commas around each ring.
                text = encode_ring(shapely.get_coordinates(ring)[:-1])
                rings += len(text) + text.count("\\") + 3
    return ours, rings


def _tables_bytes(html: str) -> int:
    """Bytes of the page's text equivalent (the section of tables under the map)."""
    start = html.find('<section class="ips-tables"')
    end = html.find("</section>", start)
    return end + len("</section>") - start if start >= 0 and end >= 0 else 0


def _add_budget(run: Run, html: str, raw: int, packed: int) -> None:
    """The default page against the publishing budget (tables and search included)."""
    note = f"tables section {_tables_bytes(html):,} B"
    run.add(
        Figure(
            "weight",
            "default map HTML, with tables and search, against the publishing budget",
            raw,
            "B",
            limit=MAX_BYTES,
            note=note,
        )
    )
    run.add(
        Figure(
            "weight",
            "default map gzipped, with tables and search, against the publishing budget",
            packed,
            "B",
            limit=MAX_GZIP_BYTES,
        )
    )
    run.add(
        Figure("weight", "default map HTML, against issue 10's figure", raw, "B", limit=ISSUE_BYTES)
    )
    run.add(
        Figure(
            "weight",
            "default map gzipped, against issue 10's figure",
            packed,
            "B",
            limit=ISSUE_GZIP_BYTES,
        )
    )


def run(run: Run) -> None:
    """Build the default map and both explore() pages once each and compare their sizes."""
    out = OUT_DIR / "weight"
    time_command(ips_map_command("build", "--out", str(out / "ours")))
    ours = out / "ours" / "index.html"
    explore = out / "explore.html"
    time_command(explore_command(explore))
    simplified = _simplified_geojson(out / "simplified.geojson")
    explore_simplified = out / "explore-simplified.html"
    time_command([sys.executable, "-c", EXPLORE_SCRIPT, str(simplified), str(explore_simplified)])

    ours_html = ours.read_text(encoding="utf-8")
    external = page_asset_urls(ours_html)
    raw, packed = ours.stat().st_size, _gzip_size(ours)
    _add_budget(run, ours_html, raw, packed)
    run.add(
        Figure(
            "weight",
            "default map HTML (self-contained) vs explore(), full resolution",
            raw,
            "B",
            baseline=explore.stat().st_size,
            max_ratio=MAX_RATIO,
            note=f"{len(external)} external assets" + (f": {external}" if external else ""),
        )
    )
    run.add(
        Figure(
            "weight",
            "default map gzipped vs explore(), full resolution, gzipped",
            packed,
            "B",
            baseline=_gzip_size(explore),
        )
    )
    run.add(
        Figure(
            "weight",
            "default map HTML vs explore() of the simplified boundaries (encoding's credit)",
            raw,
            "B",
            baseline=explore_simplified.stat().st_size,
        )
    )
    run.add(
        Figure(
            "weight",
            "default map gzipped vs explore() of the simplified boundaries, gzipped",
            packed,
            "B",
            baseline=_gzip_size(explore_simplified),
        )
    )
    geometry, polylines = _geometry_bytes(ours_html)
    run.add(
        Figure(
            "weight",
            "geometry in the page (shared arcs) vs one polyline per ring",
            geometry,
            "B",
            baseline=polylines,
            note="same drawn rings; arcs, their lengths and the shapes' arc references",
        )
    )
    urls = page_asset_urls(explore.read_text(encoding="utf-8"))
    sizes, missing = 0, []
    for url in urls:
        try:
            path = local_file(url)
        except BenchError as exc:
            path = None
            run.errors.append(str(exc))
        if path is None:
            missing.append(url)
        else:
            sizes += path.stat().st_size
    note = f"{sizes:,} B more from CDNs (local npm copies; fonts and images they load not counted)"
    if missing:
        note += f"; {len(missing)} without a local copy"
    run.add(
        Figure("weight", "explore() external assets (scripts, styles)", len(urls), "", note=note)
    )
