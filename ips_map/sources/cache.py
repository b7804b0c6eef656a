"""A disk cache of downloads: each file beside a ``.json`` record (URL, date, sha256), the
last good copy returned, with a warning, when a new download fails or is refused."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import requests

from ips_map.outputs import write_json
from ips_map.sources.http import Download, FetchError, HttpSettings, download

log = logging.getLogger("ips_map")


def cached_download(
    url: str,
    cache_dir: Path,
    *,
    name: str | None = None,
    max_age: float | None = None,
    settings: HttpSettings | None = None,
    session: requests.Session | None = None,
    validate: Callable[[Path], None] | None = None,
) -> Download:
    """Return a cached copy of ``url``, downloading it when absent or older than ``max_age``.

    The cache keeps the file and a ``.json`` record (URL, date, sha256). The copy is replaced
    only by a complete answer that ``validate`` accepts (see :func:`~ips_map.sources.http.
    download`: bounded in size and time). When the download fails or is refused and a cached
    copy exists, that copy is returned (``from_cache=True``, ``error`` saying why) with a
    warning naming its date, so that a build still works offline.
    """
    cache_dir = Path(cache_dir)
    key = name or hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]
    path = cache_dir / key
    meta_path = cache_dir / f"{key}.json"
    record = _read_meta(meta_path, path)
    if record is not None and max_age is not None:
        age = (datetime.now(timezone.utc) - datetime.fromisoformat(record.date)).total_seconds()
        if age <= max_age:
            return record
    try:
        fresh = download(url, path, settings=settings, session=session, validate=validate)
    except FetchError as exc:
        if record is None:
            raise
        log.warning("%s ; copie en cache du %s utilisée.", exc, record.date)
        record.error = str(exc)
        return record
    write_json(meta_path, fresh.as_dict())
    return fresh


def _read_meta(meta_path: Path, path: Path) -> Download | None:
    if not (meta_path.is_file() and path.is_file()):
        return None
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
        data["path"] = path
        data["from_cache"] = True
        return Download(**data)
    except (ValueError, TypeError):
        return None
