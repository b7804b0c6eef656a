"""What a build says about its inputs: the data files it read (embedded or fetched, with
their sha256) for ``summary.json``, and the sources, vintages and licences named on the map."""

from __future__ import annotations

from ips_map.listing.read import Listing
from ips_map.sources.calendar import census_citation
from ips_map.sources.registry import SOURCES, active_source, source_path
from ips_map.territory.data import population_source

#: Sources named on every map (the example's own source file only when it is used).
MAP_SOURCES = ("departements", "populations", "communes")


def boundary_vintage() -> str:
    """The boundaries' origin and vintage as printed under the map's title."""
    source = active_source("departements")
    if source == SOURCES["departements"]:
        return "IGN ADMIN EXPRESS COG 2018 (codes identiques au COG 2026)"
    return f"{source.producer}, {source.vintage}"


def map_sources(year: int) -> list[dict]:
    """The sources named in the map's footer: the files actually read (embedded or
    fetched), with the census vintage used."""
    boundaries, communes = active_source("departements"), active_source("communes")
    population = population_source(year)
    if population == SOURCES["populations"]:
        population_text = census_citation(year)
    else:
        population_text = f"{population.attribution} ({population.vintage})"
    return [
        {"role": "Contours", "text": boundaries.attribution, "licence": boundaries.licence},
        {"role": "Population", "text": population_text, "licence": population.licence},
        {"role": "Communes", "text": communes.attribution, "licence": communes.licence},
        # The access stage's zones d'emploi (the panel's, the zones_emploi.csv's).
        {
            "role": "Zones d'emploi",
            "text": SOURCES["zones_emploi"].attribution.removeprefix("Source : ")
            + f" ({SOURCES['zones_emploi'].vintage})",
            "licence": SOURCES["zones_emploi"].licence,
        },
    ]


def used_sources(listing: Listing) -> list[str]:
    """The keys of the data files a build read (the example's own files when it is used)."""
    keys = list(MAP_SOURCES) + ["anciens_codes"]
    keys += ["zones_emploi_communes", "zones_emploi_arrondissements", "zones_emploi"]  # access
    if listing.is_example:
        keys += ["exemple", "exemple_sources"]  # the file read, and the one it derives from
    return keys


def source_record(key: str, year: int) -> dict:
    """The record of one data file in summary.json's ``sources``."""
    # The file actually read: a fetched one (data/fetched/, with its provenance record) when
    # there is one, else the embedded one; the population file of the vintage used.
    source = population_source(year) if key == "populations" else active_source(key)
    source_path(key)  # checked against the manifest (or the fetched file's record)
    return {
        "fichier": f"data/{source.path}",
        "titre": source.title,
        "producteur": source.producer,
        "licence": source.licence,
        "millesime": source.vintage,
        "sha256": source.sha256,
        "url": source.url,
    }
