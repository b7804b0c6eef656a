"""The build: listing → placement → coverage → map and tables.

:func:`build` chains the stages; each stage is a plain function that can be called on its
own (see ``ips_map/__init__.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ips_map._version import __version__
from ips_map.coverage import measure_coverage, summarize_coverage
from ips_map.editions import Comparison, compare_editions, make_edition, read_edition, write_changes
from ips_map.geocode import GEOCODE_COLUMNS, Geocoder, geocode_listing, summarize_without_geocoding
from ips_map.listing.read import COLUMNS, Listing, no_usable_row_error, read_listing
from ips_map.outputs import prepare_folder, write_csv, write_json, write_text
from ips_map.places import Placement, count_placements, place_services
from ips_map.render import leaflet_version
from ips_map.render.map import MapContext, render_map
from ips_map.settings import BuildSettings
from ips_map.sources.registry import SOURCES, active_source, source_path
from ips_map.territory.data import (
    load_communes,
    load_departements,
    load_old_codes,
    load_populations,
    population_source,
)
from ips_map.territory.gazetteer import Gazetteer

log = logging.getLogger("ips_map")

COVERAGE_COLUMNS = [
    "code",
    "nom",
    "code_region",
    "nom_region",
    "population",
    "annee_population",
    "services_actifs",
    "services_en_projet",
    "statut",
    "services_pour_100k",
    "actifs_ips",
    "actifs_emploi_accompagne",
    "actifs_autre",
    "capacite_active",
    "actifs_sans_capacite",
    "note_population",
]
SERVICE_COLUMNS = [
    "ligne",
    *COLUMNS,
    "methode",
    "code_departement",
    "code_commune_trouve",
    "nom_commune_trouve",
    "latitude_placee",
    "longitude_placee",
    "departements_servis",
    "avertissements",
    *GEOCODE_COLUMNS,
]
REJECT_COLUMNS = ["ligne", "nom", "colonne", "valeur", "raison"]
#: Sources named on every map (the example's own source file only when it is used).
MAP_SOURCES = ("departements", "populations", "communes")


@dataclass
class BuildResult:
    """What a build wrote and the figures it measured."""

    outputs: dict[str, Path]
    summary: dict
    listing: Listing
    placement: Placement
    problems: list = field(default_factory=list)
    comparison: Comparison | None = None


def build(settings: BuildSettings, progress: Callable[[str], None] | None = None) -> BuildResult:
    """Run the whole pipeline and write the outputs into ``settings.out``.

    Parameters
    ----------
    settings
        Options of the build.
    progress
        Called with a short French message before each stage (the CLI prints them).

    Returns
    -------
    BuildResult
    """
    step = progress or (lambda message: log.info(message))

    previous = None
    if settings.previous is not None:
        # Read first: a wrong folder fails before the long steps, and before anything is
        # written (the previous edition may be the output folder itself).
        step("Lecture de l'édition précédente")
        previous = read_edition(settings.previous)
    # A folder that cannot be written fails now, not after the long steps.
    prepare_folder(Path(settings.out))

    step("Lecture de la liste des services")
    if settings.is_example:
        source_path("exemple")  # a data file like the others: checked against the manifest
    listing = read_listing(
        settings.services_source, is_example=settings.is_example, cache_dir=settings.cache_dir
    )
    if settings.listing_date:
        listing.date = settings.listing_date
    elif listing.is_example:
        listing.date = f"sources de {SOURCES['exemple_sources'].vintage}"
    elif listing.url:
        listing.date = f"téléchargée le {listing.date}" + (
            " (copie en cache : réseau indisponible)" if listing.from_cache else ""
        )

    step("Chargement des départements, communes et populations")
    populations = load_populations(settings.census_year)
    departements = load_departements()
    communes = load_communes()
    old_codes = load_old_codes()
    # Name, postcode and old-code look-ups, built once for geocoding and placement.
    gazetteer = Gazetteer(communes, old_codes)

    if settings.geocode:
        step("Géocodage des adresses")
        geocoder = Geocoder(settings.geocode_url, cache_path=settings.geocode_cache_path)
        listing, geocoding = geocode_listing(
            listing,
            geocoder,
            communes,
            old_codes,
            min_score=settings.geocode_min_score,
            gazetteer=gazetteer,
        )
        geocodage = geocoding.summary
    else:
        geocodage = summarize_without_geocoding(listing.rows)

    step("Placement des services")
    placement = place_services(listing, departements, communes, old_codes, gazetteer=gazetteer)
    if placement.services.empty:
        # Nothing is written: the error itself quotes the reasons.
        raise no_usable_row_error(
            listing.url or str(listing.path), listing.rejects + placement.rejects, listing.unit
        )

    step("Mesure de la couverture")
    table = measure_coverage(populations, placement.services, settings.types)
    summary = summarize_coverage(table)
    coverage = departements[["code", "geometry"]].merge(table, on="code", how="left")

    rejects = listing.rejects + placement.rejects
    services = placement.services
    placed = count_placements(services)
    counts = {
        "lus": listing.rows_read,
        "places": placed["places"],
        "communes": placed["centre_commune"],
        "approches": placed["approchees"],
        "rejetes": len(rejects),
        "doublons": len(listing.duplicates),
        "fermes": int((services["statut"] == "ferme").sum()),
        "autres_types": int((~services["type"].isin(settings.types)).sum()),
    }
    summary.update(
        {
            "types_comptes": list(settings.types),
            "services_non_comptes": counts["autres_types"],
            "lignes_lues": counts["lus"],
            "lignes_placees": counts["places"],
            "lignes_rejetees": counts["rejetes"],
            "lignes_en_double": counts["doublons"],
            "placements": {
                method: int(n) for method, n in services["methode"].value_counts().items()
            },
            "services_actifs": int((services["statut"] == "actif").sum()),
            "services_en_projet": int((services["statut"] == "en_projet").sum()),
            "services_fermes": counts["fermes"],
            "liste": {
                "fichier": listing.name,
                "date": listing.date,
                "encodage": listing.encoding,
                "separateur": listing.delimiter,
                "exemple": listing.is_example,
                "colonnes_inconnues": listing.unknown_columns,
                "format": listing.format,
                "feuille": listing.sheet,
                "url": listing.url,
                "telechargee_le": listing.fetched,
                "copie_en_cache": listing.from_cache,
            },
            "date_construction": settings.build_date,
            "version": __version__,
            "sources": [
                _source_record(key, summary["annee_population"]) for key in _used_sources(listing)
            ],
            "geocodage": geocodage,
        }
    )

    # The rows of coverage.csv and services.csv, made once: written below, and compared with
    # the previous edition when there is one.
    coverage_rows = list(_coverage_rows(table))
    service_rows = list(_service_rows(services))
    comparison = None
    if previous is not None:
        step("Comparaison avec l'édition précédente")
        current = make_edition(coverage_rows, service_rows, summary, folder=Path(settings.out))
        comparison = compare_editions(previous, current)
        summary["evolution"] = comparison.record()

    step("Dessin de la carte")
    context = MapContext(
        title=settings.title,
        listing_name=listing.name,
        listing_date=listing.date,
        is_example=listing.is_example,
        census_year=summary["annee_population"],
        build_date=settings.build_date,
        boundary_vintage=_boundary_vintage(),
        sources=_map_sources(summary["annee_population"]),
        rows=counts,
        leaflet_version=leaflet_version(),
        types=list(settings.types),
    )
    evolution = comparison.map_data() if comparison is not None else None
    page, _ = render_map(coverage, services, summary, context, evolution=evolution)
    html = page.render()

    step("Écriture des résultats")
    out = Path(settings.out)
    outputs = {
        "coverage": write_csv(out / "coverage.csv", COVERAGE_COLUMNS, coverage_rows),
        "services": write_csv(
            out / "services.csv",
            SERVICE_COLUMNS + listing.unknown_columns,
            service_rows,
        ),
        "rejects": write_csv(
            out / "rejects.csv",
            REJECT_COLUMNS,
            sorted(rejects + listing.duplicates, key=lambda r: r["ligne"]),
        ),
        "summary": write_json(out / "summary.json", summary),
        "map": write_text(out / "index.html", html),
    }
    if comparison is not None:
        outputs["changes"] = write_changes(out / "changes.csv", comparison)
    elif (out / "changes.csv").exists():
        # A comparison from an earlier build would no longer describe this one.
        (out / "changes.csv").unlink()
        log.info("changes.csv supprimé : il décrivait une construction précédente")
    return BuildResult(
        outputs=outputs,
        summary=summary,
        listing=listing,
        placement=placement,
        problems=listing.problems + placement.problems,
        comparison=comparison,
    )


def _boundary_vintage() -> str:
    """The boundaries' origin and vintage as printed under the map's title."""
    source = active_source("departements")
    if source == SOURCES["departements"]:
        return "IGN ADMIN EXPRESS COG 2018 (codes identiques au COG 2026)"
    return f"{source.producer}, {source.vintage}"


def _map_sources(year: int) -> list[dict]:
    """The sources named in the map's footer: the files actually read (embedded or
    fetched), with the census vintage used."""
    boundaries, communes = active_source("departements"), active_source("communes")
    population = population_source(year)
    if population == SOURCES["populations"]:
        kind = "populations de référence" if year >= 2023 else "populations légales"
        population_text = f"Insee, {kind} {year} (Mayotte : recensement 2017)"
    else:
        population_text = f"{population.attribution} ({population.vintage})"
    return [
        {"role": "Contours", "text": boundaries.attribution, "licence": boundaries.licence},
        {"role": "Population", "text": population_text, "licence": population.licence},
        {"role": "Communes", "text": communes.attribution, "licence": communes.licence},
    ]


def _used_sources(listing: Listing) -> list[str]:
    keys = list(MAP_SOURCES) + ["anciens_codes"]
    if listing.is_example:
        keys += ["exemple", "exemple_sources"]  # the file read, and the one it derives from
    return keys


def _source_record(key: str, year: int) -> dict:
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


def _coverage_rows(table):
    for record in table.to_dict("records"):
        for key in ("services_pour_100k", "capacite_active"):
            if record[key] != record[key]:
                record[key] = None
        yield record


def _service_rows(services):
    for record, point in zip(
        services.drop(columns="geometry").to_dict("records"), services.geometry
    ):
        record.update(record.pop("extra", {}) or {})
        record["latitude_placee"] = round(point.y, 6)
        record["longitude_placee"] = round(point.x, 6)
        record["departements_servis"] = " ".join(record["desservis"])
        yield record
