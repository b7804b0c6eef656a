"""The data registry: the files in ``data/`` (embedded or fetched) with their manifest and
hashes, the census calendar, and the HTTP client that downloads listings and data.

- :mod:`~ips_map.sources.registry`: the manifest, sha256 checks and provenance records;
- :mod:`~ips_map.sources.calendar`: INSEE census vintages, their pages and publication;
- :mod:`~ips_map.sources.http`: downloads bounded in time and size, with retries;
- :mod:`~ips_map.sources.cache`: the disk cache of downloaded listings.
"""

from ips_map.sources.registry import SOURCES, Source, active_source, source_path

__all__ = ["SOURCES", "Source", "active_source", "source_path"]
