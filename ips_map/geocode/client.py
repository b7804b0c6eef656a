"""The client of the address API: one query to ``/search``, its answer read, requests
spaced by a rate limiter and answers kept in an :class:`~ips_map.geocode.cache.AnswerCache`.

:func:`ips_map.sources.http.request` retries 429 (honouring ``Retry-After``), 5xx and
timeouts; an API that stays unreachable raises :class:`GeocodeUnavailable`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import requests

from ips_map.geocode.cache import AnswerCache
from ips_map.geocode.query import Query
from ips_map.settings import default_geocode_url
from ips_map.sources.http import FetchError, HttpSettings, request

# The API's URL, its environment variable, the lowest score kept and the cache's name are
# options of a build: settings.py holds them (DEFAULT_GEOCODE_URL, GEOCODE_URL_ENV,
# DEFAULT_MIN_SCORE, GEOCODE_CACHE_NAME), so that settings need not import this stage.
#: The Géoplateforme's limit per IP address; beyond it, HTTP 429 and a 5 s block.
REQUESTS_PER_SECOND = 50
#: Shorter waits than downloads: a query answers in milliseconds or not at all.
GEOCODE_HTTP = HttpSettings(timeout=(5.0, 15.0), retries=3, backoff=1.0, max_wait=30.0)


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
