"""The geocoding stage: send each row that has an address but no usable coordinates, keep
the answers judged good as its coordinates, record every row's status, and sum it up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from ips_map.errors import Problem
from ips_map.geocode.client import Geocoder, GeocodeUnavailable
from ips_map.geocode.judge import judge
from ips_map.geocode.query import Query, build_query, stated_communes
from ips_map.geocode.statuses import (
    ACCEPTE,
    ADRESSE_ILLISIBLE,
    COUNTERS,
    ECHEC,
    GEOCODE_COLUMNS,
    STATUTS,
    empty_counts,
)
from ips_map.listing.read import Listing
from ips_map.settings import DEFAULT_MIN_SCORE
from ips_map.sources.http import FetchError, public_url
from ips_map.territory.gazetteer import Gazetteer, shared_gazetteer
from ips_map.vocabulary import agreed, plural

log = logging.getLogger("ips_map")


@dataclass
class Geocoding:
    """What geocoding did: the rows (with the ``geocodage_*`` columns), figures, notes."""

    rows: pd.DataFrame
    summary: dict
    problems: list[Problem] = field(default_factory=list)


def needs_geocoding(rows: pd.DataFrame) -> pd.Series:
    """Return which rows have an address but no usable coordinates."""
    has_address = rows["adresse"].fillna("").astype(str).str.strip() != ""
    return has_address & (rows["lat"].isna() | rows["lon"].isna())


@dataclass
class _Answer:
    """What geocoding one row gave: the query, its status, why it was not kept."""

    query: Query
    status: str
    note: str = ""
    entry: dict | None = None

    def columns(self) -> dict[str, object]:
        """The row's values of :data:`GEOCODE_COLUMNS`."""
        found = self.entry is not None and self.entry["trouve"]
        return {
            "geocodage_statut": self.status,
            "geocodage_score": round(self.entry["score"], 4) if found else "",
            "geocodage_label": self.entry["label"] if found else "",
            "geocodage_requete": str(self.query),
        }


class _Run:
    """One pass over the rows: asks, judges and counts; once the API is found unreachable
    (``outage``), the remaining addresses are not sent."""

    def __init__(self, geocoder: Geocoder, gazetteer: Gazetteer, min_score: float):
        self.geocoder = geocoder
        self.gazetteer = gazetteer
        self.min_score = min_score
        self.counts = empty_counts()
        self.outage = ""

    def answer(self, row: dict) -> _Answer:
        stated = stated_communes(row, self.gazetteer)
        query = build_query(row, stated, row["code_postal_n"] in self.gazetteer.by_postcode)
        entry, status, note = self._ask(query)
        if entry is not None:
            status, note = judge(entry, row, stated, self.min_score)
        self.counts[COUNTERS[status]] += 1
        return _Answer(query, status, note, entry)

    def _ask(self, query: Query) -> tuple[dict | None, str, str]:
        """The answer to ``query`` (None when none came), or the status and note without."""
        if len(query.q) < 3:
            return None, ADRESSE_ILLISIBLE, STATUTS[ADRESSE_ILLISIBLE]
        entry = self.geocoder.cached(query)
        if entry is not None:
            self.counts["cached"] += 1
            return entry, "", ""
        if self.outage:
            return None, ECHEC, ""
        try:
            return self.geocoder.search(query), "", ""
        except GeocodeUnavailable as exc:
            self.outage = str(exc)
            return None, ECHEC, ""
        except FetchError as exc:
            return None, ECHEC, f"requête refusée ({exc})"


def geocode_rows(
    rows: pd.DataFrame,
    geocoder: Geocoder,
    communes: pd.DataFrame,
    old_codes: pd.DataFrame,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    gazetteer: Gazetteer | None = None,
    unit: str = "ligne",
    column: str = "adresse",
    advance: Callable[[int], None] | None = None,
) -> Geocoding:
    """Geocode the rows that have an address but no usable coordinates.

    Parameters
    ----------
    rows
        A listing's rows (:attr:`ips_map.listing.Listing.rows`); not modified.
    geocoder
        The API client; its cache is saved before returning.
    communes, old_codes
        Today's communes and the old codes (``ips_map.territory``), to check that an
        answer lies in the row's commune.
    min_score
        Lowest score kept.
    gazetteer
        The look-ups of ``communes`` and ``old_codes`` when already built (a build shares
        one with placement); built here otherwise.
    unit, column
        What the rows' numbers count (``ligne``, or ``entité`` for GeoJSON) and the address
        column as the listing's header writes it, for the problems reported.
    advance
        Called with 1 after each address (answered by the cache or the API), to show the
        progress; :func:`needs_geocoding` says how many there are.

    Returns
    -------
    Geocoding
        ``rows`` is a copy with ``lat``/``lon`` filled for accepted answers and the
        :data:`GEOCODE_COLUMNS`; ``summary`` counts ``requested`` (queries sent),
        ``cached`` (answered by the cache), ``accepted``, ``rejected_low_score``,
        ``rejected_commune``, ``rejected_municipality``, ``not_found`` and ``failed``.
    """
    run = _Run(geocoder, gazetteer or shared_gazetteer(communes, old_codes), min_score)
    answers: dict = {}
    problems: list[Problem] = []
    mask = needs_geocoding(rows)
    try:
        for index, row in zip(rows.index[mask], rows[mask].to_dict("records")):
            answers[index] = answer = run.answer(row)
            if advance is not None:
                advance(1)
            if answer.status != ACCEPTE and answer.note:
                problems.append(
                    Problem(
                        int(row["ligne"]),
                        column,
                        row["adresse"],
                        f"géocodage non retenu, {answer.note} : placé par la commune ou le "
                        "code postal",
                        unite=unit,
                    )
                )
    finally:
        geocoder.save()
    summary = {
        "enabled": True,
        "url": public_url(geocoder.base_url),
        "min_score": min_score,
        "candidates": int(mask.sum()),
        "requested": geocoder.requested,
        **run.counts,
        "unavailable": run.outage,
    }
    problems.extend(_report(summary))
    return Geocoding(rows=_with_answers(rows, answers), summary=summary, problems=problems)


def _with_answers(rows: pd.DataFrame, answers: dict) -> pd.DataFrame:
    """A copy of ``rows`` with :data:`GEOCODE_COLUMNS`, and the accepted answers' points."""
    out = rows.copy()
    values = {index: answer.columns() for index, answer in answers.items()}
    for column in GEOCODE_COLUMNS:
        out[column] = pd.Series(
            [values[index][column] if index in values else "" for index in out.index],
            index=out.index,
            dtype=object,
        )
    for index, answer in answers.items():
        if answer.status == ACCEPTE:
            out.at[index, "lat"] = answer.entry["lat"]
            out.at[index, "lon"] = answer.entry["lon"]
    return out


def _report(summary: dict) -> list[Problem]:
    """Log what geocoding did; an outage is also a problem of the listing."""
    accepted = summary["accepted"]
    log.info(
        "Géocodage : %s %s sur %d (%s, %s en cache).",
        plural(accepted, "adresse"),
        agreed(accepted, "retenue"),
        summary["candidates"],
        plural(summary["requested"], "requête"),
        plural(summary["cached"], "réponse"),
    )
    if not summary["unavailable"]:
        return []
    failed = summary["failed"]
    message = (
        f"API Adresse injoignable ({summary['unavailable']}) : {plural(failed, 'adresse')} "
        f"non {agreed(failed, 'géocodée')}, {agreed(failed, 'placée')} par la commune ou le "
        "code postal. Relancez plus tard : les réponses déjà reçues sont en cache."
    )
    log.warning("%s", message)
    return [Problem(None, "adresse", "", message)]


def geocode_listing(
    listing: Listing,
    geocoder: Geocoder,
    communes: pd.DataFrame,
    old_codes: pd.DataFrame,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    gazetteer: Gazetteer | None = None,
    advance: Callable[[int], None] | None = None,
) -> tuple[Listing, Geocoding]:
    """Return a copy of ``listing`` with its addresses geocoded (see :func:`geocode_rows`),
    its notes added to the listing's problems, and what geocoding did."""
    geocoding = geocode_rows(
        listing.rows,
        geocoder,
        communes,
        old_codes,
        min_score=min_score,
        gazetteer=gazetteer,
        unit=listing.unit,
        column=listing.columns_as_written.get("adresse", "adresse"),
        advance=advance,
    )
    geocoded = replace(listing, rows=geocoding.rows, problems=listing.problems + geocoding.problems)
    return geocoded, geocoding


def summarize_without_geocoding(rows: pd.DataFrame) -> dict:
    """The summary block of a build without ``--geocode``; says how many addresses wait."""
    waiting = int(needs_geocoding(rows).sum())
    if waiting:
        log.info(
            "%s sans coordonnées %s par la commune ou le code postal : "
            "--geocode %s géocode avec l'API Adresse.",
            plural(waiting, "adresse"),
            agreed(waiting, "placée"),
            agreed(waiting, "la", "les"),
        )
    return {"enabled": False, "candidates": waiting, "requested": 0, **empty_counts()}
