"""Refresh the data: INSEE populations, the commune tables, département boundaries.

Each ``fetch_*`` function downloads with :func:`ips_map.sources.http.download` (timeout,
bounded retries with backoff, ``Retry-After``, a temporary file, never an error page), reads
the file in the shape its producer publishes it, checks it, and only then stores it in
``data/fetched/`` with a provenance record beside it (see :mod:`ips_map.sources.registry`).
A fetch that fails or is refused leaves the current data as they were, and they stay usable.

- :mod:`~ips_map.refresh.census`: a census vintage from INSEE's archive;
- :mod:`~ips_map.refresh.communes`: the communes and their old codes from geo.api.gouv.fr;
- :mod:`~ips_map.refresh.boundaries`: the départements' boundaries from a GeoJSON file.
"""

from ips_map.refresh._common import FetchResult
from ips_map.refresh.boundaries import fetch_boundaries
from ips_map.refresh.census import NotPublished, fetch_census
from ips_map.refresh.communes import fetch_communes

__all__ = ["FetchResult", "NotPublished", "fetch_boundaries", "fetch_census", "fetch_communes"]
