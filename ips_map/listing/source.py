"""Where a listing comes from: a local file, or an http(s) URL fetched into a disk cache.

A URL (a published Google Sheets or framacalc CSV export, an XLSX on an intranet…) is
downloaded with :func:`ips_map.sources.cache.cached_download`: a deadline, retries with
backoff, a size limit on the decoded answer, an atomic write into the cache with a ``.json``
record of its URL and date. An answer replaces the cached copy only when it reads as a
listing (the build's own reader finds its ``nom`` column): a web page, JSON, an empty or
garbled answer is refused. When the network is down or the answer is refused, the last copy
in the cache is used and the listing says why.

A file, like a download, is read up to a size limit (``HttpSettings.max_size``, 50 MB by
default): a huge file, ``/dev/zero`` or a pipe that never ends is refused once the limit is
passed, never read whole.

The cache lives in ``$IPS_MAP_CACHE_DIR``, else ``$XDG_CACHE_HOME/ips-map``, else
``~/.cache/ips-map``; listings go to its ``listes/`` folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ips_map.errors import ListingError, Problem
from ips_map.listing.columns import HEADER_INDEX, map_header
from ips_map.listing.formats import detect_format, read_table
from ips_map.settings import MEGABYTE, default_cache_dir, is_url
from ips_map.sources.cache import cached_download
from ips_map.sources.http import FetchError, HttpSettings, public_url

#: Bytes read from a listing file at a time.
READ_CHUNK = 1 << 20


@dataclass
class ListingSource:
    """A listing's bytes and what to say about where they came from."""

    path: Path  # the local file (for a URL: the cached copy)
    data: bytes
    name: str  # what the map prints: the file's name, or the URL (public_url: no credentials)
    date: str  # ISO date: the file's modification, or the download
    url: str = ""
    fetched: str = ""  # ISO date and time of the download (UTC), for a URL
    from_cache: bool = False
    notes: list[Problem] = field(default_factory=list)


def open_source(
    source: Path | str,
    *,
    cache_dir: Path | None = None,
    http: HttpSettings | None = None,
) -> ListingSource:
    """Return the bytes of a listing given as a path or an http(s) URL.

    ``http`` bounds the download of a URL, and the size of a file read
    (``http.max_size``).

    Raises
    ------
    ListingError
        When the file cannot be read or is larger than the limit, or the URL cannot be
        fetched and no copy is cached.
    """
    http = http or HttpSettings()
    if is_url(source):
        return _fetch(str(source).strip(), cache_dir or default_cache_dir(), http)
    path = Path(source)
    data = read_bounded(path, http.max_size)
    stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date().isoformat()
    return ListingSource(path=path, data=data, name=path.name, date=stamp)


def read_bounded(path: Path, limit: int) -> bytes:
    """Return the bytes of ``path``, read in chunks and never more than ``limit + 1`` of them.

    A regular file larger than the limit is refused before reading; anything else (a
    device such as ``/dev/zero``, a pipe) once the limit is passed.

    Raises
    ------
    ListingError
        When the file cannot be read, or holds more than ``limit`` bytes.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise _too_large(path, limit, f"{info.st_size} octets")
            while size <= limit and (chunk := fh.read(min(READ_CHUNK, limit + 1 - size))):
                chunks.append(chunk)
                size += len(chunk)
    except OSError as exc:
        raise ListingError(f"{path}: lecture impossible ({exc.strerror or exc}).") from exc
    if size > limit:
        raise _too_large(path, limit, f"plus de {limit} octets lus")
    return b"".join(chunks)


def _too_large(path: Path, limit: int, seen: str) -> ListingError:
    megabytes = f"{limit / MEGABYTE:g}".replace(".", ",")
    return ListingError(
        f"{path}: fichier trop gros pour une liste de services ({seen}, limite {megabytes} "
        "Mo) : non lu. Vérifiez qu'il s'agit bien de la liste ; si elle est vraiment si grosse, "
        "relevez la limite avec --max-size (en Mo)."
    )


def _listing_check(label: str) -> Callable[[Path], None]:
    """The check of a downloaded answer before it replaces the cached copy: the build's own
    reader must read it as a listing (a known format, a header with a ``nom`` column)."""

    def check(path: Path) -> None:
        data = path.read_bytes()  # the download's size limit has bounded it
        try:
            fmt = detect_format(path, data, trust_extension=False, label="la réponse")
            map_header(read_table("la réponse", data, fmt, HEADER_INDEX), "la réponse")
        except ListingError as exc:
            raise FetchError(
                f"{label} : réponse refusée, ce n'est pas une liste lisible ({exc})"
            ) from None

    return check


def _fetch(url: str, cache_dir: Path, http: HttpSettings) -> ListingSource:
    folder = Path(cache_dir) / "listes"
    shown = public_url(url)  # printed on the map and in summary.json: no credentials, no token
    try:
        record = cached_download(url, folder, settings=http, validate=_listing_check(shown))
    except FetchError as exc:
        raise ListingError(
            f"liste en ligne indisponible : {str(exc).rstrip('.')}. Aucune copie en cache dans "
            f"{folder} : réessayez quand le réseau répond, ou téléchargez la liste et donnez "
            "le fichier."
        ) from exc
    notes: list[Problem] = []
    if record.from_cache:
        reason = getattr(record, "error", "") or "téléchargement impossible"
        notes.append(
            Problem(
                None,
                "",
                shown,
                f"{reason.rstrip('.')} : copie en cache du {record.date} utilisée "
                f"({record.path}). La carte peut ne pas refléter les dernières modifications.",
            )
        )
    return ListingSource(
        path=Path(record.path),
        data=read_bounded(Path(record.path), http.max_size),
        name=shown,
        date=record.date[:10],
        url=shown,
        fetched=record.date,
        from_cache=record.from_cache,
        notes=notes,
    )
