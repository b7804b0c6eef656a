"""The first half of every run, shared by ``build`` and ``validate``: read a listing, load
the territory, geocode when asked, place each row, and count what became of the rows.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ips_map.errors import Problem
from ips_map.geocode import (
    Geocoder,
    geocode_listing,
    needs_geocoding,
    summarize_without_geocoding,
)
from ips_map.listing.read import Listing, read_listing
from ips_map.places import Placement, count_placements, place_services
from ips_map.progress import Progress, as_progress
from ips_map.sources.http import HttpSettings
from ips_map.territory.data import load_communes, load_departements, load_old_codes
from ips_map.territory.gazetteer import shared_gazetteer
from ips_map.vocabulary import SERVICE_TYPES, RowCounts, plural


@dataclass(frozen=True)
class GeocodeOptions:
    """How to geocode addresses (``--geocode``): the API, its cache, the lowest score kept."""

    url: str
    cache_path: Path
    min_score: float


@dataclass
class Prepared:
    """A listing read and placed: the rows used, the rows rejected, every problem."""

    listing: Listing
    placement: Placement
    departements: object  # GeoDataFrame of the boundaries, for the stages that follow
    geocoding: dict = field(default_factory=dict)  # summary.json's "geocodage" block

    @property
    def rejects(self) -> list[dict]:
        """Rows that cannot be used: at reading, then at placement."""
        return self.listing.rejects + self.placement.rejects

    @property
    def problems(self) -> list[Problem]:
        """Every problem found, reading first, then placement."""
        return self.listing.problems + self.placement.problems

    def counts(self, types: tuple[str, ...] = SERVICE_TYPES) -> RowCounts:
        """What became of the rows; ``types`` are the service types counted for coverage."""
        return count_rows(self.listing, self.placement.services, len(self.rejects), types)


def count_rows(
    listing: Listing | None, services: pd.DataFrame, rejected: int, types=SERVICE_TYPES
) -> RowCounts:
    """Count the rows of a listing by what became of them (see :class:`RowCounts`)."""
    placed = count_placements(services)
    if len(services):
        closed = int((services["statut"] == "ferme").sum())
        other_types = int((~services["type"].isin(types)).sum())
    else:
        closed = other_types = 0
    return RowCounts(
        read=listing.rows_read if listing else 0,
        placed=placed["places"],
        exact=placed["exactes"],
        commune_centre=placed["centre_commune"],
        approximate=placed["approchees"],
        postcode=placed["code_postal"],
        chef_lieu=placed["departement"],
        rejected=rejected,
        duplicates=len(listing.duplicates) if listing else 0,
        closed=closed,
        other_types=other_types,
    )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a listing is read, placed and written.

    A listing of a million services makes tens of millions of objects (cells, records,
    texts), freed by reference counting; each full collection would walk them all (reading
    such a listing took three times longer). The collector resumes afterwards, as it was.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@collector_paused()
def read_and_place(
    source: Path | str,
    *,
    is_example: bool = False,
    cache_dir: Path | None = None,
    http: HttpSettings | None = None,
    geocode: GeocodeOptions | None = None,
    allow_empty: bool = False,
    step: Progress | Callable[[str], None] = lambda message: None,
) -> Prepared:
    """Read a listing and place every row; ``step`` is told the name of each stage (a
    :class:`~ips_map.progress.Progress` is also told each address geocoded).

    Parameters
    ----------
    source
        File or http(s) URL of the listing (see :func:`ips_map.listing.read.read_listing`).
    geocode
        Geocode the addresses without coordinates first; None: placed by their commune.
    allow_empty
        Return a listing without usable rows instead of raising (``validate`` reports them).

    Raises
    ------
    ListingError
        When the listing cannot be read (or, unless ``allow_empty``, has no usable row).
    """
    step = as_progress(step)
    step("Lecture de la liste des services")
    listing = read_listing(
        source,
        is_example=is_example,
        cache_dir=cache_dir,
        http=http,
        allow_empty=allow_empty,
        progress=step,
    )
    step("Chargement des départements, communes et populations")
    departements = load_departements()
    if allow_empty and not len(listing.rows):
        return Prepared(listing, Placement(services=_no_services()), departements)
    communes = load_communes()
    old_codes = load_old_codes()
    # Name, postcode and old-code look-ups, built once for geocoding and placement.
    gazetteer = shared_gazetteer(communes, old_codes)

    if geocode is not None:
        geocoder = Geocoder(geocode.url, cache_path=geocode.cache_path)
        total = int(needs_geocoding(listing.rows).sum())
        with step.count("Géocodage des adresses", total, "adresse") as advance:
            listing, geocoding = geocode_listing(
                listing,
                geocoder,
                communes,
                old_codes,
                min_score=geocode.min_score,
                gazetteer=gazetteer,
                advance=advance,
            )
        summary = geocoding.summary
    else:
        summary = summarize_without_geocoding(listing.rows)

    total = len(listing.rows)
    step(f"Placement des services : {plural(total, listing.unit)}")
    with step.count(f"{listing.unit}s placées", total, listing.unit, detail=True) as advance:
        placement = place_services(
            listing, departements, communes, old_codes, gazetteer=gazetteer, advance=advance
        )
    return Prepared(listing, placement, departements, geocoding=summary)


def _no_services() -> pd.DataFrame:
    return pd.DataFrame({"methode": pd.Series([], dtype=object)})
