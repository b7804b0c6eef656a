"""The build: listing → placement → coverage → map and tables, each step a function.

:func:`build` reads the previous edition (when asked), reads and places the listing
(:func:`~ips_map.pipeline.prepare.read_and_place`), measures coverage, assembles
``summary.json``, compares with the previous edition, renders the page and writes every
output.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ips_map._version import __version__
from ips_map.access import AccessResult
from ips_map.access.suggest import SUGGESTION_COLUMNS
from ips_map.coverage import measure_coverage, summarize_coverage
from ips_map.editions import (
    Comparison,
    Edition,
    changes_bytes,
    compare_editions,
    make_edition,
    read_edition,
)
from ips_map.errors import RowsLeftOut
from ips_map.listing.read import Listing
from ips_map.outputs import (
    OutputSet,
    csv_bytes,
    csv_columns_bytes,
    prepare_folder,
    refuse_overwriting_inputs,
)
from ips_map.pipeline import provenance
from ips_map.pipeline.access import (
    ACCESS_FILES,
    access_columns,
    access_files,
    access_options,
    access_rows,
    access_summary,
    measure_build_access,
    with_access_columns,
)
from ips_map.pipeline.drawing import draw_build_images, render_page
from ips_map.pipeline.images import IMAGE_FILES, remove_stale_images
from ips_map.pipeline.prepare import GeocodeOptions, Prepared, collector_paused, read_and_place
from ips_map.pipeline.regional import RegionalCut, cut_edition, cut_to_region
from ips_map.pipeline.suggestions import Suggestions, access_view, suggest_for_build
from ips_map.pipeline.tables import (
    COVERAGE_COLUMNS,
    REJECT_COLUMNS,
    SERVICE_COLUMNS,
    column_records,
    coverage_rows,
    service_columns,
)
from ips_map.pipeline.verdict import Verdict, verdict_of
from ips_map.places import Placement
from ips_map.progress import Progress, as_progress
from ips_map.render.search_index import SIDECAR_NAME, commune_index_script
from ips_map.settings import BuildSettings, data_dir
from ips_map.sources.http import HttpSettings
from ips_map.sources.registry import SOURCES, source_path
from ips_map.territory.data import load_communes, load_populations
from ips_map.territory.regions import Region, find_region
from ips_map.vocabulary import RowCounts, plural

log = logging.getLogger("ips_map")
#: The files a build writes into its folder, by key, in the order the command line lists them.
OUTPUT_FILES = {
    "coverage": "coverage.csv",
    "services": "services.csv",
    "rejects": "rejects.csv",
    "summary": "summary.json",
    "map": "index.html",
    "search": SIDECAR_NAME,
    "changes": "changes.csv",
    **ACCESS_FILES,
    "suggestions": "suggestions.csv",
    **IMAGE_FILES,
}


@dataclass
class BuildResult:
    """What a build wrote and the figures it measured."""

    outputs: dict[str, Path]
    summary: dict
    listing: Listing
    placement: Placement
    problems: list = field(default_factory=list)
    comparison: Comparison | None = None
    counts: RowCounts = field(default_factory=RowCounts)
    #: What ``ips-map validate`` says of the listing (:mod:`~ips_map.pipeline.verdict`).
    verdict: Verdict | None = None
    access: AccessResult | None = None
    suggestions: Suggestions | None = None


@collector_paused()
def build(
    settings: BuildSettings, progress: Progress | Callable[[str], None] | None = None
) -> BuildResult:
    """Run the whole pipeline and write the outputs into ``settings.out``.

    Parameters
    ----------
    settings
        Options of the build.
    progress
        Told a short French message before each stage, and the items of the counted ones
        (addresses geocoded, files written): a :class:`~ips_map.progress.Progress` (the CLI's
        shows bars on a terminal), or a function of each message; lines of the logger when
        None.

    Returns
    -------
    BuildResult
    """
    step = as_progress(progress)
    out = Path(settings.out)
    previous = _read_previous(settings, step)
    # A folder that cannot be written, or whose outputs would overwrite an input, fails now,
    # not after the long steps.
    _refuse_overwriting_inputs(settings)
    region = find_region(settings.region) if settings.region else None  # unknown: fails now
    access_options(settings)  # wrong thresholds, bands or weights: fail now too
    prepare_folder(out)
    populations = load_populations(settings.census_year)  # an unknown vintage fails now too

    prepared = _read_and_place(settings, step)
    verdict = verdict_of(prepared)  # before a regional edition's cut: validate's words
    listing = prepared.listing
    counts = prepared.counts(settings.types)
    table, access, cut, suggestions = _measure(settings, prepared, populations, region, step)
    if cut is not None:
        prepared = cut.prepared
    summary = _summary(settings, prepared, table, counts)
    summary.update(access_summary(access, region))
    summary.update({"suggestions": suggestions.record()} if suggestions is not None else {})
    summary.update({"region": cut.record(region)} if cut is not None else {})
    # The rows of coverage.csv and the columns of services.csv, made once: written below, and
    # compared with the previous edition when there is one.
    rows = {
        "coverage": access_rows(coverage_rows(table), access),
        "services": service_columns(prepared.placement.services),
    }
    comparison = None
    if previous is not None:
        step("Comparaison avec l'édition précédente")
        comparison = _compare(previous, rows, summary, prepared, out, region)

    n_services = plural(len(prepared.placement.services), "service")
    step(f"Dessin de la carte : {len(table)} départements, {n_services}")
    coverage = prepared.departements[["code", "geometry"]].merge(table, on="code", how="inner")
    view = access_view(access, suggestions, settings.zones_emploi)
    html, context = render_page(
        settings, listing, coverage, prepared, summary, counts, comparison, region, view, step
    )
    images = draw_build_images(settings, coverage, summary, context, step)

    extra = {"access": access, "suggestions": suggestions}
    outputs = _write_outputs(
        out, listing, rows, prepared, summary, html, comparison, images, settings, step, extra
    )
    return BuildResult(
        outputs=outputs,
        summary=summary,
        listing=listing,
        placement=prepared.placement,
        problems=prepared.problems,
        comparison=comparison,
        counts=counts,
        verdict=verdict,
        access=access,
        suggestions=suggestions,
    )


def _names(prepared: Prepared) -> dict[str, str]:
    """Each département's name by its code."""
    frame = prepared.departements
    return dict(zip(frame["code"].tolist(), frame["nom"].tolist()))


def _read_previous(settings: BuildSettings, step: Progress) -> Edition | None:
    """The previous edition, read first: a wrong folder fails before the long steps, and
    before anything is written (the previous edition may be the output folder itself)."""
    if settings.previous is None:
        return None
    step("Lecture de l'édition précédente")
    return read_edition(settings.previous)


def _compare(
    previous: Edition,
    rows: dict,
    summary: dict,
    prepared: Prepared,
    out: Path,
    region: Region | None,
) -> Comparison:
    """The comparison with the previous edition (cut to the région of a regional edition),
    recorded in ``summary``; the rows rejected count (a service now readable)."""
    services = column_records(rows["services"])
    current = make_edition(
        rows["coverage"], services, summary, folder=out, rejects=prepared.rejects
    )
    if region is not None:
        previous = cut_edition(region, previous, current)
    comparison = compare_editions(previous, current)
    summary["evolution"] = comparison.record()
    return comparison


def _measure(
    settings: BuildSettings,
    prepared: Prepared,
    populations: pd.DataFrame,
    region: Region | None,
    step: Callable[[str], None],
) -> tuple[pd.DataFrame, AccessResult, RegionalCut | None, Suggestions | None]:
    """Coverage and access of every département, and the suggested sites, cut to the région
    of a regional edition (measured on the whole listing first: a service based outside may
    serve it)."""
    step("Mesure de la couverture")
    table = measure_coverage(populations, prepared.placement.services, settings.types)
    step("Mesure de l'accès aux services")
    access = measure_build_access(settings, prepared, populations, region)
    table = with_access_columns(table, access)
    if settings.suggest:
        step("Suggestions de sites pour de nouveaux services")
    # The whole listing's services kept, for the communes measured (a région's).
    suggestions = suggest_for_build(settings, prepared.placement.services, access, _names(prepared))
    cut = None
    if region is not None:
        cut = cut_to_region(region, table, prepared)
        table = cut.table
    return table, access, cut, suggestions


def _refuse_overwriting_inputs(settings: BuildSettings) -> None:
    """No output of the build may replace the listing or a data file it reads."""
    inputs = [path for path in data_dir().rglob("*") if path.is_file()]
    if isinstance(settings.services_source, Path):
        inputs.append(settings.services_source)
    out = Path(settings.out)
    refuse_overwriting_inputs(
        [out / name for name in OUTPUT_FILES.values()],
        inputs,
        "choisissez un autre dossier des résultats (--out) ou déplacez la liste.",
    )


def _read_and_place(settings: BuildSettings, step: Callable[[str], None]) -> Prepared:
    """Read and place the listing; fail, writing nothing, when no row is usable."""
    if settings.is_example:
        source_path("exemple")  # a data file like the others: checked against the manifest
    geocode = None
    if settings.geocode:
        geocode = GeocodeOptions(
            url=settings.geocode_url,
            cache_path=settings.geocode_cache_path,
            min_score=settings.geocode_min_score,
        )
    prepared = read_and_place(
        settings.services_source,
        is_example=settings.is_example,
        cache_dir=settings.cache_dir,
        http=HttpSettings(deadline=settings.timeout, max_size=settings.max_size),
        geocode=geocode,
        allow_empty=True,  # every row left out: said below as validate says it
        step=step,
    )
    listing = prepared.listing
    # Nothing is written when no row is placed, or (strict) when some are left out: the
    # error carries the verdict, as ips-map validate says it.
    if prepared.placement.services.empty:
        raise RowsLeftOut(verdict_of(prepared).lines(), "Carte non construite, rien n'a été écrit.")
    if settings.strict and prepared.rejects:
        raise RowsLeftOut(
            verdict_of(prepared).lines(),
            "--strict : carte non construite, rien n'a été écrit ; corrigez ces lignes ou "
            "construisez sans --strict.",
        )
    listing.date, listing.dated = _listing_date(settings, listing)
    return prepared


def _listing_date(settings: BuildSettings, listing: Listing) -> tuple[str, str]:
    """The listing's date as the page says it, and where it comes from: given
    (``--listing-date``), written in the listing's title rows, the example's sources, else the
    build's date (a file's modification date says when it was copied, not what it lists)."""
    if settings.listing_date:
        return settings.listing_date, "given"
    if listing.title_date:
        return listing.title_date, "title"
    if listing.is_example:
        return f"sources de {SOURCES['exemple_sources'].vintage}", "example"
    return settings.build_date, "build"


def _summary(
    settings: BuildSettings, prepared: Prepared, table: pd.DataFrame, counts: RowCounts
) -> dict:
    """summary.json: the national figures, then what became of the rows and the inputs."""
    listing, services = prepared.listing, prepared.placement.services
    summary = summarize_coverage(table)
    summary.update(
        {
            "types_comptes": list(settings.types),
            "services_non_comptes": counts.other_types,
            "lignes_lues": counts.read,
            "lignes_placees": counts.placed,
            "lignes_rejetees": counts.rejected,
            "lignes_en_double": counts.duplicates,
            "placements": {
                method: int(n) for method, n in services["methode"].value_counts().items()
            },
            "services_actifs": int((services["statut"] == "actif").sum()),
            "services_en_projet": int((services["statut"] == "en_projet").sum()),
            "services_fermes": counts.closed,
            # Drawn and listed with their statut as written, counted neither way.
            "services_statut_non_reconnu": int((services["statut"] == "non_reconnu").sum()),
            "liste": _listing_record(listing),
            "date_construction": settings.build_date,
            "version": __version__,
            "sources": [
                provenance.source_record(key, summary["annee_population"])
                for key in provenance.used_sources(listing)
            ],
            "geocodage": prepared.geocoding,
        }
    )
    return summary


def _listing_record(listing: Listing) -> dict:
    """summary.json's ``liste``: which file or URL was read, and how."""
    return {
        "fichier": listing.name,
        "date": listing.date,
        "date_origine": listing.dated,
        "encodage": listing.encoding,
        "separateur": listing.delimiter,
        "exemple": listing.is_example,
        "colonnes_inconnues": listing.unknown_columns,
        "format": listing.format,
        "feuille": listing.sheet,
        "url": listing.url,
        "telechargee_le": listing.fetched,
        "copie_en_cache": listing.from_cache,
    }


def _write_outputs(
    out: Path,
    listing: Listing,
    rows: dict,
    prepared: Prepared,
    summary: dict,
    html: str,
    comparison: Comparison | None,
    images: dict[str, bytes] | None,
    settings: BuildSettings,
    step: Progress | None = None,
    extra: dict | None = None,
) -> dict[str, Path]:
    """Write every output of the build as one set (:class:`~ips_map.outputs.OutputSet`):
    ``summary.json`` last; a changes.csv or suggestions.csv that no longer applies is
    removed. ``extra``: the access stage's result and the suggestions."""
    fmt, extra = settings.csv_format, extra or {}
    access, suggestions = extra.get("access"), extra.get("suggestions")
    rejects = sorted(prepared.rejects + listing.duplicates, key=lambda r: r["ligne"])
    files = OutputSet(out)
    files.begin(f"carte de {listing.name}")
    contents = {
        "coverage": csv_bytes(COVERAGE_COLUMNS + access_columns(access), rows["coverage"], fmt),
        "services": csv_columns_bytes(
            SERVICE_COLUMNS + listing.unknown_columns,
            rows["services"],
            len(prepared.placement.services),
            fmt,
        ),
        "rejects": csv_bytes(REJECT_COLUMNS, rejects, fmt),
        "map": html.encode("utf-8"),
        # The page's commune search reads this script beside it (render/search_index.py).
        "search": commune_index_script(load_communes()),
        **(access_files(access, fmt) if access is not None else {}),
    }
    if comparison is not None:
        contents["changes"] = changes_bytes(comparison, fmt)
    if suggestions is not None:
        contents["suggestions"] = csv_bytes(SUGGESTION_COLUMNS, suggestions.rows, fmt)
    for key in ("changes", "suggestions"):
        stale = out / OUTPUT_FILES[key]
        if key not in contents and stale.exists():
            # From an earlier build: it would no longer describe this one.
            stale.unlink()
            log.info("%s supprimé : il décrivait une construction précédente", stale.name)
    if images is None:
        remove_stale_images(out)
    else:
        contents.update(images)
    outputs = {}
    with as_progress(step).count("Écriture des résultats", len(contents) + 1, "fichier") as done:
        for key, data in contents.items():
            outputs[key] = files.write(OUTPUT_FILES[key], data)
            done(1)
        outputs["summary"] = files.finish(summary)
        done(1)
    return {key: outputs[key] for key in OUTPUT_FILES if key in outputs}
