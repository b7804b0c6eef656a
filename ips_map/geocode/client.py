"""The client of the address API: one query to ``/search``, its answer read, requests
spaced by a rate limiter and answers kept in an :class:`~ips_map.geocode.cache.AnswerCache`.

:func:`ips_map.sources.http.read_url` retries 429 (honouring ``Retry-After``), 5xx and
timeouts, within a deadline per query and a size limit per answer (:data:`GEOCODE_HTTP`).
Whatever else fails (an API unreachable, an answer too large, too slow, cut short, not
JSON, a redirect loop…) raises :class:`GeocodeUnavailable`, which the stage takes for an
outage: one warning, and the remaining addresses placed by their commune. Only a query that
the API refuses (4xx) fails alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import requests

from ips_map.geocode.cache import AnswerCache
from ips_map.geocode.query import Query
from ips_map.settings import MEGABYTE, default_geocode_url
from ips_map.sources.http import FetchError, HttpSettings, read_url

# The API's URL, its environment variable, the lowest score kept and the cache's name are
# options of a build: settings.py holds them (DEFAULT_GEOCODE_URL, GEOCODE_URL_ENV,
# DEFAULT_MIN_SCORE, GEOCODE_CACHE_NAME), so that settings need not import this stage.
#: The Géoplateforme's limit per IP address; beyond it, HTTP 429 and a 5 s block.
REQUESTS_PER_SECOND = 50
#: Shorter waits than downloads: a query answers in milliseconds or not at all; 30 s at
#: most per query, retries included; an answer (one feature) weighs a few kB, 1 MB at most.
GEOCODE_HTTP = HttpSettings(
    timeout=(5.0, 15.0), retries=3, backoff=1.0, max_wait=30.0, deadline=30.0, max_size=MEGABYTE
)


class GeocodeUnavailable(FetchError):
    """The address API could not be used: unreachable after its retries, or answering
    something that is not an answer (too large, cut short, not JSON…)."""


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
    """A session whose every request (retries and redirects included) waits for the rate
    limiter."""

    def __init__(self, limiter: RateLimiter, user_agent: str):
        super().__init__()
        self.headers["User-Agent"] = user_agent
        self.limiter = limiter

    def request(self, method, url, *args, **kwargs):  # noqa: D102 (requests' own)
        self.limiter.wait()
        return super().request(method, url, *args, **kwargs)


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
        self.http = http or GEOCODE_HTTP
        self.session = _LimitedSession(limiter or RateLimiter(), self.http.user_agent)
        self.cache = AnswerCache(cache_path, api=self.base_url)
        #: Queries sent to the API (not those answered by the cache).
        self.requested = 0

    def save(self) -> None:
        """Write the cache (atomically) when new answers came in."""
        self.cache.save()

    def cached(self, query: Query) -> dict | None:
        """Return the cached answer to ``query``, or None."""
        return self.cache.get(query.key)

    def search(self, query: Query) -> dict:
        """Return the best answer to ``query``: from the cache, else from the API.

        The answer is a dict with ``date`` and ``trouve``; when found, also ``score``,
        ``label``, ``type``, ``citycode``, ``postcode``, ``city``, ``lon`` and ``lat``.

        Raises
        ------
        FetchError
            When the API refuses this query (4xx other than 429).
        GeocodeUnavailable
            When anything else fails: the API unreachable (connection errors, timeouts, 429
            or 5xx after every retry, the deadline passed), or an answer that is not one
            (too large, cut short, not the JSON of the API).
        """
        entry = self.cached(query)
        if entry is not None:
            return entry
        url = f"{self.base_url}/search"
        self.requested += 1
        try:
            body = read_url(url, params=query.params, settings=self.http, session=self.session)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                raise  # this query is refused; the next one may not be
            raise GeocodeUnavailable(str(exc)) from None
        try:
            features = json.loads(body)["features"]
            entry = {"date": _now(), "trouve": bool(features)}
            if features:
                entry.update(_read_feature(features[0]))
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as exc:
            raise GeocodeUnavailable(
                f"{url}: réponse illisible ({type(exc).__name__}: {str(exc)[:200]})"
            ) from None
        self.cache.put(query.key, entry)
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
