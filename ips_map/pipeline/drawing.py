"""The build's drawing: the page (:func:`render_page`) and the images beside it
(:func:`draw_build_images`), each telling the progress of its parts."""

from __future__ import annotations

import geopandas as gpd

from ips_map.editions import Comparison
from ips_map.listing.read import Listing
from ips_map.pipeline import provenance
from ips_map.pipeline.images import IMAGE_PARTS, draw_images
from ips_map.pipeline.prepare import Prepared
from ips_map.progress import SILENT, Progress
from ips_map.render import (
    RENDER_PARTS,
    MapContext,
    RegionalView,
    french_date,
    leaflet_version,
    render_map,
)
from ips_map.render.access_view import AccessView
from ips_map.settings import BuildSettings
from ips_map.territory.regions import Region
from ips_map.vocabulary import RowCounts


def render_page(
    settings: BuildSettings,
    listing: Listing,
    coverage: gpd.GeoDataFrame,
    prepared: Prepared,
    summary: dict,
    counts: RowCounts,
    comparison: Comparison | None,
    region: Region | None = None,
    access: AccessView | None = None,
    step: Progress = SILENT,
) -> tuple[str, MapContext]:
    """The page's HTML, and what it says about its inputs (the images say it too); a
    regional edition's outlines the other départements, whose shapes are simplified with the
    région's (``boundaries``)."""
    year = summary["annee_population"]
    context = MapContext(
        title=map_title(settings.title, region),
        listing_name=listing.name,
        listing_date=listing.date,
        listing_dated=listing.dated,
        listing_origin=listing_origin(listing),
        is_example=listing.is_example,
        census_year=year,
        build_date=settings.build_date,
        boundary_vintage=provenance.boundary_vintage(),
        sources=provenance.map_sources(year),
        rows=counts,
        leaflet_version=leaflet_version(),
        types=list(settings.types),
        image=settings.image,
        csv_format=settings.csv_format,
    )
    evolution = comparison.map_data() if comparison is not None else None
    services = prepared.placement.services
    regional = None
    if region is not None:
        regional = RegionalView(region, prepared.departements[["code", "geometry"]])
    # The parts of the map, and the page written out as HTML.
    with step.count("parties de la page", RENDER_PARTS + 1, "partie", detail=True) as advance:
        page, _ = render_map(
            coverage,
            services,
            summary,
            context,
            evolution=evolution,
            region=regional,
            access=access,
            advance=advance,
        )
        html = page.render()
        advance(1)
    return html, context


def draw_build_images(
    settings: BuildSettings,
    coverage: gpd.GeoDataFrame,
    summary: dict,
    context: MapContext,
    step: Progress,
) -> dict[str, bytes] | None:
    """``carte.png`` and ``carte.pdf``'s bytes, unless the build is without them."""
    if not settings.image:
        return None
    step("Dessin de carte.png et carte.pdf")
    with step.count("étapes des images", IMAGE_PARTS, "étape", detail=True) as advance:
        return draw_images(coverage, summary, context, advance)


def map_title(title: str, region: Region | None) -> str:
    """The map's title; a regional edition's names its région."""
    if region is None or region.name.casefold() in title.casefold():
        return title
    return f"{title} — {region.name}"


def listing_origin(listing: Listing) -> str:
    """Where a listing read from a URL came from, as the page says it; "" for a file (the
    page names no local file)."""
    if not listing.url:
        return ""
    fetched = french_date(listing.fetched[:10])
    cached = " ; copie en cache, le réseau étant indisponible" if listing.from_cache else ""
    return f"{listing.name}, téléchargée le {fetched}{cached}"
