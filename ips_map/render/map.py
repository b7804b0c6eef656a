"""Render the coverage map: a self-contained Folium page.

The renderer receives finished tables (coverage per département, placed services, national
figures) and draws them; it computes no metric. Geometry is simplified as a coverage (shared
borders stay shared), embedded once in a compact encoding, and styled by the page's script
for each view (coverage status, services per 100,000).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ips_map.render._elements import (
    BareMap,
    MapApp,
    Page,
    RawHtml,
    add_assets,
    fix_ids,
    json_for_script,
    render_block,
)
from ips_map.render._encode import PRECISION, decode_ring, encode_geometry, encode_ring
from ips_map.render._insets import make_insets
from ips_map.territory.data import DROM_CRS, METRO_CRS
from ips_map.vocabulary import (
    COVERAGE_STATUS_LABELS,
    PLACEMENT_METHOD_LABELS,
    SERVICE_STATUS_LABELS,
    SERVICE_TYPE_LABELS,
)

#: Simplification tolerance (metres) of GEOS coverage simplification: median error about
#: 210 m, maximum about 650 m against the full-resolution boundaries (see bench/).
SIMPLIFY_TOLERANCE_M = 150.0

#: Colour-blind-safe colours (ColorBrewer RdYlBu) for the coverage status.
STATUS_COLOURS = {"couvert": "#2c7bb6", "en_projet": "#fdae61", "non_couvert": "#d7191c"}
NO_DATA_COLOUR = "#bdbdbd"
#: Sequential blues for services per 100,000 inhabitants; zero has its own colour.
RATE_ZERO_COLOUR = "#fde0dd"
RATE_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")


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
    rows: dict = field(default_factory=dict)  # lus, places, approches, rejetes, fermes
    types: list = field(default_factory=lambda: ["ips", "emploi_accompagne", "autre"])
    leaflet_version: str = ""


def simplify_boundaries(departements: gpd.GeoDataFrame, tolerance: float = SIMPLIFY_TOLERANCE_M):
    """Return the départements' geometries simplified as coverages (EPSG:4326).

    Metropolitan France is simplified as one coverage in Lambert-93, each DROM in its own
    metric CRS, so that neighbours keep sharing their border exactly.
    """
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


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    return value


def render_map(
    coverage: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    summary: dict,
    context: MapContext,
    evolution: dict | None = None,
) -> tuple[Page, BareMap]:
    """Build the page of the coverage map.

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
        The comparison with a previous edition
        (:meth:`ips_map.editions.Comparison.map_data`): adds the panel's "Évolution"
        section and the "Évolutions" layer. None for a map without comparison.

    Returns
    -------
    (Page, BareMap)
        The page (a branca Figure) and the folium map inside it.
    """
    drawn = simplify_boundaries(coverage)
    true_drom = {code: geom for code, geom in zip(coverage["code"], drawn) if code in DROM_CRS}
    insets = make_insets(true_drom)
    drawn = [
        insets[code].move(geom) if code in insets else geom
        for code, geom in zip(coverage["code"], drawn)
    ]
    breaks = rate_breaks(coverage["services_pour_100k"])
    rate_colours = RATE_COLOURS[-len(breaks) :] if breaks else ()

    changed = evolution["departements"] if evolution else {}
    previous_rates = evolution["rates"] if evolution else {}
    features = []
    mixed = services["type"].nunique() > 1 or len(context.types) < len(SERVICE_TYPE_LABELS)
    for row, geom in zip(coverage.itertuples(index=False), drawn):
        rate_class = _rate_class(row.services_pour_100k, breaks)
        feature = {
            "c": row.code,
            "n": row.nom,
            "r": row.nom_region,
            "p": int(row.population),
            "y": int(row.annee_population),
            "pn": row.note_population,
            "a": int(row.services_actifs),
            "e": int(row.services_en_projet),
            "s": row.statut,
            "t": _clean(row.services_pour_100k),
            "k": rate_class,
            "g": encode_geometry(geom),
        }
        # Only the changed départements carry their previous state (v: status, vs: towards
        # or away from coverage, vt: rate), so that a map without changes weighs nothing more.
        if row.code in changed:
            feature["v"] = changed[row.code]["statut"]
            feature["vs"] = changed[row.code]["sens"]
        if row.code in previous_rates:
            feature["vt"] = _clean(previous_rates[row.code])
        if mixed:
            # Active services by type (IPS, emploi accompagné, autre), for the tooltip.
            feature["ty"] = [int(getattr(row, f"actifs_{kind}", 0)) for kind in SERVICE_TYPE_LABELS]
        features.append(feature)

    service_table = _service_table(services[services["type"].isin(context.types)], insets)
    bounds = _bounds(drawn)
    data = {
        "deps": features,
        "services": service_table,
        "frames": [
            {"c": inset.code, "l": f"{inset.label} ({inset.code})", "b": inset.frame}
            for inset in insets.values()
        ],
        "bounds": bounds,
        "colours": {
            "status": STATUS_COLOURS,
            "noData": NO_DATA_COLOUR,
            "rateZero": RATE_ZERO_COLOUR,
            "rate": list(rate_colours),
        },
        "labels": {
            "status": COVERAGE_STATUS_LABELS,
            "type": SERVICE_TYPE_LABELS,
            "serviceStatus": SERVICE_STATUS_LABELS,
            "method": PLACEMENT_METHOD_LABELS,
        },
    }
    if evolution:
        data["evolution"] = {
            "date": evolution["previous"]["date_construction"],
            "census": evolution["previous"]["annee_population"],
        }

    page = Page(title=context.title)
    add_assets(page)
    center = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    fmap = BareMap(
        location=center,
        zoom_start=5,
        tiles=None,
        control_scale=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
        attribution_control=False,
    )
    page.add_child(fmap)
    values = {
        "ctx": context,
        "summary": summary,
        "coverage": coverage,
        "breaks": breaks,
        "rate_colours": rate_colours,
        "status_colours": STATUS_COLOURS,
        "no_data_colour": NO_DATA_COLOUR,
        "rate_zero_colour": RATE_ZERO_COLOUR,
        "labels": COVERAGE_STATUS_LABELS,
        "uncovered": _uncovered_rows(coverage, summary),
        "has_no_data": bool(coverage["services_pour_100k"].isna().any()),
        "n_services": service_table["n"],
        "type_names": _type_names(context.types),
        "evolution": evolution,
    }
    page.html.add_child(RawHtml(render_block("header.html", **values), "Header"), name="header")
    page.html.add_child(RawHtml(render_block("panel.html", **values), "Panel"), name="panel")
    page.html.add_child(RawHtml(render_block("legends.html", **values), "Legends"), name="legends")
    page.html.add_child(RawHtml(render_block("footer.html", **values), "Footer"), name="footer")
    page.html.add_child(
        RawHtml(
            f'<script type="application/json" id="ips-data">{json_for_script(data)}</script>',
            "MapData",
        ),
        name="data",
    )
    fmap.add_child(MapApp())
    fix_ids(page)
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


def _bounds(geometries) -> list[list[float]]:
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(geometries, dtype=object))
    return [[round(miny, 4), round(minx, 4)], [round(maxy, 4), round(maxx, 4)]]


#: Precision of the service positions in the page (1e-4 degree: at most 11 m).
SERVICE_PRECISION = 4
#: Fields of a service shown in its popup, in the page's column order.
SERVICE_FIELDS = (
    "nom",
    "structure",
    "type",
    "statut",
    "adresse",
    "desservis",
    "tel",
    "site",
    "source",
    "methode",
)


def _service_table(services: gpd.GeoDataFrame, insets: dict) -> dict:
    """Return the services to draw as a compact column table.

    Positions (moved into their inset for the DROM) are sorted along bands of latitude and
    encoded as one polyline string; a text column whose values repeat is stored as a
    dictionary and indices, a column with one value as that value, an empty column not at
    all. Closed services are not drawn.
    """
    shown = services[services["statut"] != "ferme"]
    lons, lats = [], []
    for code, point in zip(shown["code_departement"], shown.geometry):
        if code in insets:
            point = insets[code].move(point)
        lons.append(point.x)
        lats.append(point.y)
    lons_a, lats_a = np.asarray(lons, float), np.asarray(lats, float)
    # Serpentine order over half-degree bands keeps consecutive points close.
    band = np.floor(lats_a * 2).astype(int)
    order = np.lexsort((np.where(band % 2 == 0, lons_a, -lons_a), band))

    def text(name: str) -> list[str]:
        if name not in shown:
            return [""] * len(shown)
        return ["" if _clean(v) is None else str(v) for v in shown[name]]

    communes = [c or f for c, f in zip(text("commune"), text("nom_commune_trouve"))]
    address = [
        ", ".join(part for part in (street, " ".join(p for p in (cp, town) if p)) if part)
        for street, cp, town in zip(text("adresse"), text("code_postal"), communes)
    ]
    values = {
        "nom": text("nom"),
        "structure": text("structure"),
        "type": text("type"),
        "statut": text("statut"),
        "adresse": address,
        "desservis": [" ".join(codes) for codes in shown["desservis"]],
        "tel": text("telephone"),
        "site": text("site_web"),
        "source": text("source"),
        "methode": text("methode"),
    }
    columns = {}
    for name in SERVICE_FIELDS:
        column = [values[name][k] for k in order]
        encoded = _encode_column(column)
        if encoded is not None:
            columns[name] = encoded
    positions = np.column_stack([lons_a[order], lats_a[order]]) if len(order) else None
    return {
        "n": int(len(order)),
        "pos": encode_ring(positions, SERVICE_PRECISION) if positions is not None else "",
        "precision": SERVICE_PRECISION,
        "cols": columns,
    }


def _type_names(types: list[str]) -> str:
    """« IPS, emploi accompagné et autre » for the subtitle."""
    names = [
        SERVICE_TYPE_LABELS[t] if t == "ips" else SERVICE_TYPE_LABELS[t].lower() for t in types
    ]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def decode_service_table(table: dict) -> list[dict]:
    """Decode the page's services table back to one dict per service (tests, diffs)."""
    positions = decode_ring(table["pos"], table["precision"]) if table["n"] else []
    records = []
    for i in range(table["n"]):
        record = {"lon": float(positions[i][0]), "lat": float(positions[i][1])}
        for name, column in table["cols"].items():
            if isinstance(column, list):
                record[name] = column[i]
            elif "c" in column:
                record[name] = column["c"]
            else:
                record[name] = column["d"][column["i"][i]]
        records.append(record)
    return records


def _encode_column(column: list[str]):
    """Encode a text column: None (all empty), {"c": v}, {"d": [...], "i": [...]} or a list."""
    uniques = list(dict.fromkeys(column))
    if uniques in ([], [""]):
        return None
    if len(uniques) == 1:
        return {"c": uniques[0]}
    if len(uniques) <= len(column) // 2:
        index = {value: k for k, value in enumerate(uniques)}
        return {"d": uniques, "i": [index[value] for value in column]}
    return column
