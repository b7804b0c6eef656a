"""Render the coverage map: a self-contained Folium page.

The renderer receives finished tables (coverage per département, placed services, national
figures) and draws them; it computes no metric. Geometry is simplified as a coverage (shared
borders stay shared), embedded once as the arcs of a topology (each shared border once, see
``_topology.py``), and styled by the page's script for each view (coverage status, services
per 100,000).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ips_map.progress import Advance, ignore
from ips_map.render._access import access_blocks
from ips_map.render._elements import (
    BareMap,
    MapApp,
    Page,
    Pane,
    add_assets,
    json_for_script,
    render_block,
)
from ips_map.render._regional import RegionalView, regional_shapes
from ips_map.render._services import service_table
from ips_map.render._tables import french_date, table_values
from ips_map.render.access_view import AccessView
from ips_map.render.boundaries import drawn_shapes, encoded_topology
from ips_map.render.page_data import (
    Colours,
    Departement,
    Evolution,
    Frame,
    Labels,
    PageData,
    PageText,
    Panes,
    RateChange,
    StatusChange,
    Topology,
    to_json,
)
from ips_map.render.palette import (
    HATCH_COLOUR,
    HATCH_ID,
    HATCHED_STATUSES,
    NO_DATA_COLOUR,
    RATE_COLOURS,
    RATE_ZERO_COLOUR,
    STATUS_COLOURS,
)
from ips_map.render.search_index import SIDECAR_NAME, inset_move
from ips_map.vocabulary import (
    COVERAGE_STATUS_LABELS,
    PLACEMENT_METHOD_LABELS,
    SERVICE_STATUS_LABELS,
    SERVICE_TYPE_LABELS,
    UNRECOGNISED_STATUS,
    RowCounts,
)

#: What the page's scripts show for each code, and their wording.
LABELS = Labels(
    coverage_status=COVERAGE_STATUS_LABELS,
    service_type=SERVICE_TYPE_LABELS,
    service_status=SERVICE_STATUS_LABELS,
    method=PLACEMENT_METHOD_LABELS,
    locale="fr-FR",
    text=PageText(),
)
#: Id of the page's data script; names of the map's panes.
DATA_ID = "ips-data"
#: The parts of the page :func:`render_map` tells its progress of.
RENDER_PARTS = 4
SERVICES_PANE = "ips-services"
CHANGES_PANE = "ips-changes"


@dataclass
class MapContext:
    """What the page says about its inputs: titles, vintages, dates, sources, counts."""

    title: str
    listing_name: str
    listing_date: str
    is_example: bool
    census_year: int
    build_date: str
    boundary_vintage: str
    sources: list = field(default_factory=list)  # dicts: role, text, licence
    rows: RowCounts = field(default_factory=RowCounts)  # what became of the listing's rows
    types: list = field(default_factory=lambda: ["ips", "emploi_accompagne", "autre"])
    leaflet_version: str = ""
    #: The build writes carte.png and carte.pdf beside the page (the page links them).
    image: bool = True
    #: Where the listing's date comes from: "given" (--listing-date), "title" (the listing's
    #: title row), "example" (the example's sources), "build" (none: the build date).
    listing_dated: str = "build"
    #: Where a listing read from a URL came from (its public address, the download's date);
    #: "" for a local file, whose name the page does not print.
    listing_origin: str = ""
    #: The format of the CSV files published beside the page (``--csv-format``): the page
    #: makes its own CSV files the same way (static/tables.js).
    csv_format: str = "francais"


def rate_breaks(rates: pd.Series) -> list[float]:
    """Return up to four class upper bounds for the positive rates (rounded, increasing)."""
    positive = rates[(rates > 0) & rates.notna()]
    if positive.empty:
        return []
    quantiles = positive.quantile([0.25, 0.5, 0.75, 1.0]).to_numpy()
    breaks: list[float] = []
    for value in quantiles:
        digits = max(0, 1 - int(math.floor(math.log10(value)))) if value > 0 else 2
        rounded = math.ceil(value * 10**digits) / 10**digits
        if not breaks or rounded > breaks[-1]:
            breaks.append(rounded)
    return breaks


def _rate_class(rate: float, breaks: list[float]) -> int:
    """-1 no data, 0 zero, k ≥ 1 the k-th class of positive rates."""
    if rate != rate:
        return -1
    if rate == 0:
        return 0
    for k, upper in enumerate(breaks, start=1):
        if rate <= upper:
            return k
    return len(breaks)


def _number(value) -> float | None:
    """A rate as the page writes it: a float, or None for no data."""
    return None if value is None or value != value else float(value)


def render_map(
    coverage: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    summary: dict,
    context: MapContext,
    evolution: dict | None = None,
    region: RegionalView | None = None,
    access: AccessView | None = None,
    advance: Advance = ignore,
) -> tuple[Page, BareMap]:
    """Build the page of the coverage map, telling ``advance`` (a detail of the drawing
    step) each of its :data:`RENDER_PARTS` parts done: boundaries, services, map, blocks.

    Parameters
    ----------
    coverage
        One row per département with true geometry (EPSG:4326) and the columns of
        :func:`ips_map.coverage.measure_coverage`.
    services
        Placed services (points at true positions, EPSG:4326).
    summary
        National figures from :func:`ips_map.coverage.summarize_coverage`.
    context
        Titles, vintages, dates, sources and row counts shown on the page.
    evolution
        The comparison with a previous edition (:meth:`~ips_map.editions.Comparison.map_data`):
        the panel's "Évolution" and the "Évolutions" layer. None: without comparison.
    region
        A regional edition: ``coverage`` holds the région's départements, the other
        metropolitan ones outlined around it (``_regional.py``), without insets.
    access
        The access measures (``_access.py``: layers, legends, panel); None: without them.

    Returns
    -------
    (Page, BareMap)
        The page (a branca Figure) and the folium map in it.
    """
    drawn, around, insets = _shapes(coverage, region)
    topology = encoded_topology(drawn + around)  # borders shared with the surroundings too
    advance(1)
    breaks = rate_breaks(coverage["services_pour_100k"])
    rate_colours = RATE_COLOURS[-len(breaks) :] if breaks else ()
    mixed = services["type"].nunique() > 1 or len(context.types) < len(SERVICE_TYPE_LABELS)
    counted = services[services["type"].isin(context.types)]
    services_data = service_table(counted, insets)
    advance(1)
    data = PageData(
        departements=_departements(coverage, topology.shapes[: len(drawn)], breaks, mixed),
        topology=Topology(topology.precision, topology.arcs, topology.lengths),
        services=services_data,
        frames=_frames(insets),
        bounds=_bounds(drawn + [_label_band(inset) for inset in insets.values()]),
        panes=Panes(services=SERVICES_PANE, changes=CHANGES_PANE if evolution else None),
        colours=_colours(rate_colours),
        labels=LABELS,
        evolution=_evolution(coverage, evolution),
        region=region.label if region is not None else None,
        context=topology.shapes[len(drawn) :] or None,
    )
    page, fmap = _page(context, data)
    advance(1)
    values = {
        "ctx": context,
        "summary": summary,
        "coverage": coverage,
        "breaks": breaks,
        "rate_colours": rate_colours,
        "uncovered": _uncovered_rows(coverage, summary),
        "n_services": data.services.count,
        "n_unrecognised": int((counted["statut"] == UNRECOGNISED_STATUS).sum()),
        "evolution": evolution,
        "region": summary.get("region"),
        **_dates(context),
        **table_values(coverage, counted, insets),
        "access": access_blocks(access, list(coverage["code"]), insets, summary),
    }
    _add_blocks(page, values, data)
    advance(1)
    return page, fmap


def _colours(rate_colours) -> Colours:
    """The page's colours: of the statuses, of no data, of the rates' classes."""
    return Colours(
        status=STATUS_COLOURS,
        no_data=NO_DATA_COLOUR,
        rate_zero=RATE_ZERO_COLOUR,
        rate=list(rate_colours),
    )


def _dates(context: MapContext) -> dict:
    """The templates' date formatter and the page's two dates, in French."""
    return {
        "french_date": french_date,
        "dates": {
            "listing": french_date(context.listing_date),
            "build": french_date(context.build_date),
        },
    }


def _shapes(coverage: gpd.GeoDataFrame, region: RegionalView | None) -> tuple[list, list, dict]:
    """The départements' shapes as drawn, the shapes outlined around a région, the insets."""
    if region is None:
        drawn, insets = drawn_shapes(coverage)
        return drawn, [], insets
    drawn, around = regional_shapes(region, list(coverage["code"]))
    return drawn, around, {}


def _frames(insets: dict) -> list[Frame]:
    """The insets' frames, each with the band above it that holds its label."""
    return [
        Frame(
            code=inset.code,
            label=f"{inset.label} ({inset.code})",
            bounds=inset.frame,
            label_north=round(inset.label_north, 4),
            move=inset_move(inset),
        )
        for inset in insets.values()
    ]


def _add_blocks(page: Page, values: dict, data: PageData) -> None:
    """The header, panel, legends and footer, rendered once each; the data as JSON."""
    values = {
        **values,
        "status_colours": STATUS_COLOURS,
        "no_data_colour": NO_DATA_COLOUR,
        "rate_zero_colour": RATE_ZERO_COLOUR,
        "hatch": {"colour": HATCH_COLOUR, "id": HATCH_ID, "statuses": HATCHED_STATUSES},
        "labels": COVERAGE_STATUS_LABELS,
        "has_no_data": bool(values["coverage"]["services_pour_100k"].isna().any()),
        "type_names": _type_names(values["ctx"].types),
    }
    for block in ("header", "panel", "legends", "tables", "footer"):
        html = render_block(f"{block}.html", **values)
        if block == "header":  # the search box at the end of the header (static/search.js)
            search = render_block("search.html", sidecar=SIDECAR_NAME)
            html = html.replace("</header>", search + "</header>", 1)
        if block == "panel" and values["access"]:  # the access measures (_access.py)
            html = values["access"].panel(html)
        page.add_body(block, html, after_map=block in ("tables", "footer"))
    if values["access"]:
        values["access"].add_to(page)
    script = json_for_script(to_json(data))
    page.add_body("data", f'<script type="application/json" id="{DATA_ID}">{script}</script>')


def _departements(
    coverage: gpd.GeoDataFrame, shapes: list, breaks: list[float], mixed: bool
) -> list[Departement]:
    """One record per département; active services by type only for listings that mix them."""
    return [
        Departement(
            code=row.code,
            name=row.nom,
            region=row.nom_region,
            population=int(row.population),
            census_year=int(row.annee_population),
            population_note=row.note_population,
            active=int(row.services_actifs),
            planned=int(row.services_en_projet),
            status=row.statut,
            rate=_number(row.services_pour_100k),
            rate_class=_rate_class(row.services_pour_100k, breaks),
            shape=shape,
            active_by_type=(
                [int(getattr(row, f"actifs_{kind}", 0)) for kind in SERVICE_TYPE_LABELS]
                if mixed
                else None
            ),
        )
        for row, shape in zip(coverage.itertuples(index=False), shapes)
    ]


def _evolution(coverage: gpd.GeoDataFrame, evolution: dict | None) -> Evolution | None:
    """The changes since the previous edition, in the order of the départements."""
    if not evolution:
        return None
    changed, rates = evolution["departements"], evolution["rates"]
    codes = list(coverage["code"])
    return Evolution(
        date=evolution["previous"]["date_construction"],
        census=evolution["previous"]["annee_population"],
        status_changes=[
            StatusChange(
                code=code,
                previous_status=changed[code]["statut"],
                direction="gain" if changed[code]["sens"] == "+" else "loss",
            )
            for code in codes
            if code in changed
        ],
        rate_changes=[
            RateChange(code=code, previous_rate=_number(rates[code]))
            for code in codes
            if code in rates
        ],
    )


def _page(context: MapContext, data: PageData) -> tuple[Page, BareMap]:
    """The page with its assets, and the map in it with its panes and script."""
    page = Page(title=context.title)
    add_assets(page)
    (south, west), (north, east) = data.bounds
    fmap = BareMap(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=5,
        tiles=None,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
        attribution_control=False,
    )
    page.add_child(fmap)
    # Changed départements' outlines above the départements, letting the pointer through;
    # the services' canvas above them.
    if data.panes.changes:
        fmap.add_child(Pane(data.panes.changes, z_index=420, pointer_events=False))
    fmap.add_child(Pane(data.panes.services, z_index=450, pointer_events=True))
    fmap.add_child(MapApp(fmap, DATA_ID))
    return page, fmap


def _uncovered_rows(coverage: pd.DataFrame, summary: dict) -> list[dict]:
    by_code = coverage.set_index("code")
    return [
        {
            "code": code,
            "nom": by_code.at[code, "nom"],
            "population": int(by_code.at[code, "population"]),
            "statut": by_code.at[code, "statut"],
        }
        for code in summary["non_couverts_par_population"]
    ]


def _label_band(inset) -> shapely.Polygon:
    """An inset's frame and the band above it that holds its label."""
    west, south, east, _ = inset.frame
    return shapely.box(west, south, east, inset.label_north)


def _bounds(geometries) -> tuple[tuple[float, float], tuple[float, float]]:
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(geometries, dtype=object))
    return (
        (round(float(miny), 4), round(float(minx), 4)),
        (round(float(maxy), 4), round(float(maxx), 4)),
    )


def _type_names(types: list[str]) -> str:
    """« IPS, emploi accompagné et autre » for the subtitle."""
    names = [
        SERVICE_TYPE_LABELS[t] if t == "ips" else SERVICE_TYPE_LABELS[t].lower() for t in types
    ]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]
