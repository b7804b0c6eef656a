"""Geocode the addresses of a listing through the national address API (Géoplateforme).

Rows that carry an address but no usable coordinates are sent, one query each
(:mod:`~ips_map.geocode.query`), to ``{base}/search`` (the Base Adresse Nationale served by
IGN, ``https://data.geopf.fr/geocodage`` by default). An answer is kept
(:mod:`~ips_map.geocode.judge`) only when

- its score is at least ``min_score`` (0.5 by default, the threshold of the BAN's own CSV
  geocoder: below it the best guess is usually another street);
- it is an address, a street or a locality, not the bare commune (``type=municipality``:
  the commune centre is what placement does without a geocoder);
- its commune (``citycode``) is the row's commune when the listing states one (by INSEE code,
  an old code of a merged commune, or a name), and lies in the row's département when stated.

Kept answers fill the row's ``lat``/``lon``; placement then reads them as the method
``adresse_geocodee``. Every row sent records ``geocodage_statut``
(:mod:`~ips_map.geocode.statuses`), ``geocodage_score``, ``geocodage_label`` and
``geocodage_requete`` (written to ``services.csv``).

Each answer (found or not, kept or not) is cached on disk with its date, in a JSON file keyed
by the normalised query (:mod:`~ips_map.geocode.cache`; in a build, ``geocodage.json`` in the
user cache folder shared with downloaded listings: ``$IPS_MAP_CACHE_DIR``,
``$XDG_CACHE_HOME/ips-map`` or ``~/.cache/ips-map``; outside ``build/`` so that ``make clean``
keeps it), so a rebuild makes no request for an address already seen; delete the file to ask
again. Failed requests are never cached. Requests are spaced to stay under the API's 50
requests per second (:mod:`~ips_map.geocode.client`), and
:func:`ips_map.sources.http.request` retries 429 (honouring ``Retry-After``), 5xx and
timeouts. When the API stays unreachable the remaining addresses are not sent: one warning,
and the rows are placed from their commune as without a geocoder
(:mod:`~ips_map.geocode.stage`).

Batch geocoding (``POST /search/csv``) is not used: data.gouv.fr's guide to the API run by
the IGN says the Géoplateforme does not implement it ("la fonction géocodage CSV … n'est pas
implémentée"; adresse.data.gouv.fr now mentions CSV files, unconfirmed), and listings are a
few hundred rows at most, which unit queries at 50 per second handle in seconds.
"""

from __future__ import annotations

from ips_map.geocode.client import REQUESTS_PER_SECOND, Geocoder, GeocodeUnavailable, RateLimiter
from ips_map.geocode.query import Query
from ips_map.geocode.stage import (
    Geocoding,
    geocode_listing,
    geocode_rows,
    needs_geocoding,
    summarize_without_geocoding,
)
from ips_map.geocode.statuses import ACCEPTE, GEOCODE_COLUMNS, STATUTS

__all__ = [
    "ACCEPTE",
    "GEOCODE_COLUMNS",
    "REQUESTS_PER_SECOND",
    "STATUTS",
    "GeocodeUnavailable",
    "Geocoder",
    "Geocoding",
    "Query",
    "RateLimiter",
    "geocode_listing",
    "geocode_rows",
    "needs_geocoding",
    "summarize_without_geocoding",
]
