"""Where a listing comes from: a local file, or an http(s) URL fetched into a disk cache.

A URL (a published Google Sheets or framacalc CSV export, an XLSX on an intranet…) is
downloaded with :func:`ips_map.sources.http.cached_download`: timeout, retries with backoff, an
atomic write into the cache with a ``.json`` record of its URL and date. When the network
is down, the last copy in the cache is used and the listing says so.

The cache lives in ``$IPS_MAP_CACHE_DIR``, else ``$XDG_CACHE_HOME/ips-map``, else
``~/.cache/ips-map``; listings go to its ``listes/`` folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ips_map.errors import ListingError, Problem
from ips_map.settings import default_cache_dir, is_url
from ips_map.sources.http import FetchError, HttpSettings, cached_download, public_url


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

    Raises
    ------
    ListingError
        When the file cannot be read, or the URL cannot be fetched and no copy is cached.
    """
    if is_url(source):
        return _fetch(str(source).strip(), cache_dir or default_cache_dir(), http)
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListingError(f"{path}: lecture impossible ({exc.strerror}).") from exc
    stamp = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date().isoformat()
    return ListingSource(path=path, data=data, name=path.name, date=stamp)


def _refuse_web_page(path: Path) -> None:
    # A sheet that is shared but not published answers 200 with a sign-in page: refuse it,
    # so that it never replaces a good cached copy.
    head = path.read_bytes()[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise FetchError(
            "le serveur renvoie une page web (HTML), pas une liste : la feuille n'est "
            "peut-être pas publiée. Donnez l'adresse de son export CSV publié (Google Sheets : "
            "Fichier › Partager › Publier sur le Web › CSV)."
        )


def _fetch(url: str, cache_dir: Path, http: HttpSettings | None) -> ListingSource:
    folder = Path(cache_dir) / "listes"
    try:
        record = cached_download(url, folder, settings=http, validate=_refuse_web_page)
    except FetchError as exc:
        raise ListingError(
            f"liste en ligne indisponible : {exc} Aucune copie en cache dans {folder} : "
            "réessayez quand le réseau répond, ou téléchargez la liste et donnez le fichier."
        ) from exc
    shown = public_url(url)  # printed on the map and in summary.json: no credentials, no token
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
        data=Path(record.path).read_bytes(),
        name=shown,
        date=record.date[:10],
        url=shown,
        fetched=record.date,
        from_cache=record.from_cache,
        notes=notes,
    )
