"""Geocode the addresses of a listing through the national address API (Géoplateforme).

Rows that carry an address but no usable coordinates are sent, one query each, to
``{base}/search`` (the Base Adresse Nationale served by IGN, ``https://data.geopf.fr/geocodage``
by default; see ``../shared/data/APIS.md`` §2). An answer is kept only when

- its score is at least ``min_score`` (0.5 by default, the threshold of the BAN's own CSV
  geocoder: below it the best guess is usually another street);
- it is an address, a street or a locality, not the bare commune (``type=municipality``:
  the commune centre is what placement does without a geocoder);
- its commune (``citycode``) is the row's commune when the listing states one (by INSEE code,
  an old code of a merged commune, or a name), and lies in the row's département when stated.

Kept answers fill the row's ``lat``/``lon``; placement then reads them as the method
``adresse_geocodee``. Every row sent records ``geocodage_statut``, ``geocodage_score``,
``geocodage_label`` and ``geocodage_requete`` (written to ``services.csv``).

Each answer (found or not, kept or not) is cached on disk with its date, in a JSON file keyed
by the normalised query (in a build, ``geocodage.json`` in the user cache folder shared with
downloaded listings: ``$IPS_MAP_CACHE_DIR``, ``$XDG_CACHE_HOME/ips-map`` or
``~/.cache/ips-map``; outside ``build/`` so that ``make clean`` keeps it), so a rebuild makes
no request for an address already seen; delete the file to ask again. Failed requests are never
cached. Requests are spaced to stay under the API's 50 requests per second, and
:func:`ips_map.sources.http.request` retries 429 (honouring ``Retry-After``), 5xx and timeouts. When
the API stays unreachable the remaining addresses are not sent: one warning, and the rows are
placed from their commune as without a geocoder.

Batch geocoding (``POST /search/csv``) is not used: data.gouv.fr's guide to the API run by
the IGN says the Géoplateforme does not implement it ("la fonction géocodage CSV … n'est pas
implémentée"; APIS.md §2.1; adresse.data.gouv.fr now mentions CSV files, unconfirmed), and
listings are a few hundred rows at most, which unit queries at 50 per second handle in seconds.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import requests

from ips_map.errors import Problem
from ips_map.listing.read import Listing
from ips_map.outputs import write_json
from ips_map.settings import DEFAULT_MIN_SCORE, default_geocode_url
from ips_map.sources.http import FetchError, HttpSettings, public_url, request
from ips_map.territory.gazetteer import (
    ARRONDISSEMENTS_CITY,
    CITY_ARRONDISSEMENTS,
    Gazetteer,
    commune_key,
)
from ips_map.territory.names import text_key

log = logging.getLogger("ips_map")

# The API's URL, its environment variable, the lowest score kept and the cache's name are
# options of a build: settings.py holds them (DEFAULT_GEOCODE_URL, GEOCODE_URL_ENV,
# DEFAULT_MIN_SCORE, GEOCODE_CACHE_NAME), so that settings need not import this stage.
#: The Géoplateforme's limit per IP address; beyond it, HTTP 429 and a 5 s block.
REQUESTS_PER_SECOND = 50
#: Shorter waits than downloads: a query answers in milliseconds or not at all.
GEOCODE_HTTP = HttpSettings(timeout=(5.0, 15.0), retries=3, backoff=1.0, max_wait=30.0)
#: Columns added to the rows (and written to services.csv).
GEOCODE_COLUMNS = ("geocodage_statut", "geocodage_score", "geocodage_label", "geocodage_requete")

ACCEPTE = "accepte"
#: Every value of ``geocodage_statut`` (empty for rows not sent), with its meaning.
STATUTS = {
    ACCEPTE: "adresse trouvée et retenue",
    "score_faible": "réponse sous le score minimal",
    "autre_commune": "réponse dans une autre commune ou un autre département",
    "commune_seulement": "seule la commune a été trouvée, pas l'adresse",
    "introuvable": "aucune réponse",
    "adresse_illisible": "adresse trop courte pour l'API (3 caractères, lettre ou chiffre en tête)",
    "echec": "requête en échec (API injoignable ou requête refusée)",
}
_KEPT_TYPES = frozenset({"housenumber", "street", "locality"})
_CACHE_VERSION = 1
#: Which counter of the summary each status adds to.
_COUNTERS = {
    ACCEPTE: "accepted",
    "score_faible": "rejected_low_score",
    "autre_commune": "rejected_commune",
    "commune_seulement": "rejected_municipality",
    "introuvable": "not_found",
    "echec": "failed",
    "adresse_illisible": "skipped",
}


def _counts() -> dict[str, int]:
    return {"cached": 0, **dict.fromkeys(_COUNTERS.values(), 0)}


class GeocodeUnavailable(FetchError):
    """The address API could not be reached (after its retries)."""


class RateLimiter:
    """Space calls at least ``1 / per_second`` seconds apart.

    ``clock`` and ``sleep`` are injectable so tests measure the spacing without waiting.
    """

    def __init__(
        self,
        per_second: float = REQUESTS_PER_SECOND,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / per_second
        self.clock = clock
        self.sleep = sleep
        self._next: float | None = None

    def wait(self) -> None:
        """Return when the next call is allowed (at once for the first)."""
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = max(self.clock(), self._next)
        self._next = now + self.interval


class _LimitedSession(requests.Session):
    """A session whose every attempt (retries included) waits for the rate limiter, and
    which remembers the status of its last answer (None after a connection error)."""

    def __init__(self, limiter: RateLimiter, user_agent: str):
        super().__init__()
        self.headers["User-Agent"] = user_agent
        self.limiter = limiter
        self.last_status: int | None = None

    def request(self, method, url, *args, **kwargs):  # noqa: D102 (requests' own)
        self.limiter.wait()
        self.last_status = None
        response = super().request(method, url, *args, **kwargs)
        self.last_status = response.status_code
        return response


@dataclass(frozen=True)
class Query:
    """One query to ``/search``: the text and at most one filter."""

    q: str
    citycode: str = ""
    postcode: str = ""

    @property
    def key(self) -> str:
        """Cache key: the text without case, accents or punctuation, and the filter."""
        key = text_key(self.q)
        if self.citycode:
            key += f"|citycode={self.citycode}"
        elif self.postcode:
            key += f"|postcode={self.postcode}"
        return key

    @property
    def params(self) -> dict:
        """Parameters of the request (one result; full words, not autocompletion)."""
        params = {"q": self.q, "limit": 1, "autocomplete": 0}
        if self.citycode:
            params["citycode"] = self.citycode
        elif self.postcode:
            params["postcode"] = self.postcode
        return params

    def __str__(self) -> str:
        if self.citycode:
            return f"{self.q} [citycode={self.citycode}]"
        if self.postcode:
            return f"{self.q} [postcode={self.postcode}]"
        return self.q


class Geocoder:
    """A client of the address API with a disk cache and a rate limiter.

    Parameters
    ----------
    base_url
        Base of the API (``…/geocodage``); ``/search`` is appended.
    cache_path
        JSON cache file; None keeps answers in memory only.
    http
        Timeouts, retries and back-off (its ``sleep`` also serves 429 waits).
    limiter
        Spacing of requests; :data:`REQUESTS_PER_SECOND` by default.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        cache_path: Path | None = None,
        http: HttpSettings | None = None,
        limiter: RateLimiter | None = None,
    ):
        self.base_url = (base_url or default_geocode_url()).rstrip("/")
        self.cache_path = Path(cache_path) if cache_path else None
        self.http = http or GEOCODE_HTTP
        self.session = _LimitedSession(limiter or RateLimiter(), self.http.user_agent)
        self.entries: dict[str, dict] = self._load()
        self.requested = 0
        self._dirty = False

    def _load(self) -> dict[str, dict]:
        if self.cache_path is None or not self.cache_path.is_file():
            return {}
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            if data.get("version") != _CACHE_VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            return dict(data["entrees"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning(
                "%s : cache de géocodage illisible (%s) : ignoré, les adresses seront redemandées.",
                self.cache_path,
                exc,
            )
            return {}

    def save(self) -> None:
        """Write the cache (atomically) when new answers came in."""
        if self.cache_path is None or not self._dirty:
            return
        write_json(
            self.cache_path,
            {"version": _CACHE_VERSION, "api": self.base_url, "entrees": self.entries},
        )
        self._dirty = False

    def cached(self, query: Query) -> dict | None:
        """Return the cached answer to ``query``, or None."""
        return self.entries.get(query.key)

    def search(self, query: Query) -> dict:
        """Return the best answer to ``query``: from the cache, else from the API.

        The answer is a dict with ``date`` and ``trouve``; when found, also ``score``,
        ``label``, ``type``, ``citycode``, ``postcode``, ``city``, ``lon`` and ``lat``.

        Raises
        ------
        GeocodeUnavailable
            When the API stays unreachable (connection errors, timeouts, 429 or 5xx after
            every retry).
        FetchError
            When the API refuses this query (4xx) or answers something unreadable.
        """
        entry = self.cached(query)
        if entry is not None:
            return entry
        url = f"{self.base_url}/search"
        self.requested += 1
        try:
            response = request(url, params=query.params, settings=self.http, session=self.session)
        except FetchError as exc:
            status = self.session.last_status
            if status is None or status == 429 or status >= 500:
                raise GeocodeUnavailable(str(exc)) from None
            raise
        try:
            features = response.json()["features"]
            entry = {"date": _now(), "trouve": bool(features)}
            if features:
                entry.update(_read_feature(features[0]))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise FetchError(f"{url}: réponse illisible ({type(exc).__name__}: {exc})") from None
        self.entries[query.key] = entry
        self._dirty = True
        return entry


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _read_feature(feature: dict) -> dict:
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"][:2]
    return {
        "score": float(props["score"]),
        "label": str(props.get("label", "")),
        "type": str(props.get("type", "")),
        "citycode": str(props.get("citycode", "")),
        "postcode": str(props.get("postcode", "")),
        "city": str(props.get("city", "")),
        "lon": float(lon),
        "lat": float(lat),
    }


@dataclass
class Geocoding:
    """What geocoding did: the rows (with the ``geocodage_*`` columns), figures, notes."""

    rows: pd.DataFrame
    summary: dict
    problems: list[Problem] = field(default_factory=list)


def _stated_communes(row: dict, gazetteer: Gazetteer) -> set[str]:
    """Today's commune(s) a row names (code first, else name), empty when none."""
    code = row["code_commune_n"]
    if code and code not in gazetteer.communes and code not in ARRONDISSEMENTS_CITY:
        code = gazetteer.old_to_new.get(code, "")
    if code:
        return {code}
    candidates = (
        set(gazetteer.by_name.get(commune_key(row["commune"]), ())) if row["commune"] else set()
    )
    postcode = set(gazetteer.by_postcode.get(row["code_postal_n"], ()))
    if len(candidates) > 1 and candidates & postcode:
        candidates = candidates & postcode
    dep = row["departement_code"]
    if len(candidates) > 1 and dep:
        candidates = {
            c for c in candidates if gazetteer.commune(c)["code_departement"] == dep
        } or candidates
    return candidates


def _departement_of(citycode: str) -> str:
    return citycode[:3] if citycode.startswith("97") else citycode[:2]


def _build_query(row: dict, stated: set[str], known_postcode: bool) -> Query:
    address = " ".join(row["adresse"].split())
    key = text_key(address)
    parts = [address]
    postcode = row["code_postal_n"] if known_postcode else ""
    if postcode and postcode not in key.split():
        parts.append(postcode)
    if row["commune"] and commune_key(row["commune"]) not in commune_key(address):
        parts.append(" ".join(row["commune"].split()))
    # The API wants a letter or a digit first ("q must … start with a number or a letter").
    q = re.sub(r"^[\W_]+", "", " ".join(parts))
    citycode = next(iter(stated)) if len(stated) == 1 else ""
    # citycode must be 5 digits (no "2A004"), and Paris, Lyon and Marseille addresses carry
    # their arrondissement's code: the postcode filters those.
    if not re.fullmatch(r"\d{5}", citycode) or citycode in CITY_ARRONDISSEMENTS:
        citycode = ""
    return Query(q=q, citycode=citycode, postcode="" if citycode else postcode)


def _judge(entry: dict, row: dict, stated: set[str], min_score: float) -> tuple[str, str]:
    """Return (status, note) for a cached or fresh answer."""
    if not entry.get("trouve"):
        return "introuvable", "adresse introuvable dans la Base Adresse Nationale"
    label = f"« {entry['label']} » (score {entry['score']:.2f})"
    allowed = set(stated)
    for code in stated:
        allowed.update(CITY_ARRONDISSEMENTS.get(code, ()))
    if allowed and entry["citycode"] not in allowed:
        return "autre_commune", (
            f"réponse {label} dans la commune {entry['citycode']}, pas celle de la ligne"
        )
    dep = row["departement_code"]
    if dep and entry["citycode"] and _departement_of(entry["citycode"]) != dep:
        return "autre_commune", f"réponse {label} hors du département {dep}"
    if entry["type"] not in _KEPT_TYPES:
        return "commune_seulement", f"réponse {label} : la commune seulement, pas l'adresse"
    if entry["score"] < min_score:
        return "score_faible", f"réponse {label} sous le score minimal {min_score:.2f}"
    return ACCEPTE, ""


def needs_geocoding(rows: pd.DataFrame) -> pd.Series:
    """Return which rows have an address but no usable coordinates."""
    has_address = rows["adresse"].fillna("").astype(str).str.strip() != ""
    return has_address & (rows["lat"].isna() | rows["lon"].isna())


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

    Returns
    -------
    Geocoding
        ``rows`` is a copy with ``lat``/``lon`` filled for accepted answers and the
        :data:`GEOCODE_COLUMNS`; ``summary`` counts ``requested`` (queries sent),
        ``cached`` (answered by the cache), ``accepted``, ``rejected_low_score``,
        ``rejected_commune``, ``rejected_municipality``, ``not_found`` and ``failed``.
    """
    gazetteer = gazetteer or Gazetteer(communes, old_codes)
    counts = _counts()
    problems: list[Problem] = []
    outage = ""
    found: dict[str, dict] = {column: {} for column in GEOCODE_COLUMNS}
    points: dict = {}
    mask = needs_geocoding(rows)
    try:
        for index, row in zip(rows.index[mask], rows[mask].to_dict("records")):
            stated = _stated_communes(row, gazetteer)
            query = _build_query(row, stated, row["code_postal_n"] in gazetteer.by_postcode)
            found["geocodage_requete"][index] = str(query)
            entry, status, note = None, "", ""
            if len(query.q) < 3:
                status, note = "adresse_illisible", STATUTS["adresse_illisible"]
            elif (entry := geocoder.cached(query)) is not None:
                counts["cached"] += 1
            elif outage:
                status = "echec"
            else:
                try:
                    entry = geocoder.search(query)
                except GeocodeUnavailable as exc:
                    outage = str(exc)
                    status = "echec"
                except FetchError as exc:
                    status, note = "echec", f"requête refusée ({exc})"
            if entry is not None:
                status, note = _judge(entry, row, stated, min_score)
                if entry["trouve"]:
                    found["geocodage_score"][index] = round(entry["score"], 4)
                    found["geocodage_label"][index] = entry["label"]
            found["geocodage_statut"][index] = status
            counts[_COUNTERS[status]] += 1
            if status == ACCEPTE:
                points[index] = (entry["lat"], entry["lon"])
            elif note:
                problems.append(
                    Problem(
                        int(row["ligne"]),
                        column,
                        row["adresse"],
                        f"géocodage non retenu, {note} : placé par la commune ou le code postal",
                        unite=unit,
                    )
                )
    finally:
        geocoder.save()

    out = rows.copy()
    for column, values in found.items():
        out[column] = pd.Series(
            [values.get(index, "") for index in out.index], index=out.index, dtype=object
        )
    for index, (lat, lon) in points.items():
        out.at[index, "lat"] = lat
        out.at[index, "lon"] = lon

    summary = {
        "enabled": True,
        "url": public_url(geocoder.base_url),
        "min_score": min_score,
        "candidates": int(mask.sum()),
        "requested": geocoder.requested,
        **counts,
        "unavailable": outage,
    }
    log.info(
        "Géocodage : %d adresse(s) retenue(s) sur %d (%d requête(s), %d réponse(s) en cache).",
        counts["accepted"],
        summary["candidates"],
        geocoder.requested,
        counts["cached"],
    )
    if outage:
        message = (
            f"API Adresse injoignable ({outage}) : {counts['failed']} adresse(s) non "
            "géocodée(s), placée(s) par la commune ou le code postal. Relancez plus tard : "
            "les réponses déjà reçues sont en cache."
        )
        log.warning("%s", message)
        problems.append(Problem(None, "adresse", "", message))
    return Geocoding(rows=out, summary=summary, problems=problems)


def geocode_listing(
    listing: Listing,
    geocoder: Geocoder,
    communes: pd.DataFrame,
    old_codes: pd.DataFrame,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    gazetteer: Gazetteer | None = None,
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
    )
    geocoded = replace(listing, rows=geocoding.rows, problems=listing.problems + geocoding.problems)
    return geocoded, geocoding


def summarize_without_geocoding(rows: pd.DataFrame) -> dict:
    """The summary block of a build without ``--geocode``; says how many addresses wait."""
    waiting = int(needs_geocoding(rows).sum())
    if waiting:
        log.info(
            "%d adresse(s) sans coordonnées placée(s) par la commune ou le code postal : "
            "--geocode les géocode avec l'API Adresse.",
            waiting,
        )
    return {"enabled": False, "candidates": waiting, "requested": 0, **_counts()}
