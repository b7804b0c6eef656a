"""HTTP downloads: timeouts, bounded retries with backoff, atomic replacement, a disk cache.

Every download streams into a temporary file beside its target, is checked (length,
optional sha256, optional validator), then replaces the target with ``os.replace``: a
failed download leaves the previous file untouched and nothing half-written. Error
responses are never cached. Base URLs are settings, so tests point them at a local server.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import os
import socket
import ssl
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from ips_map._version import __version__
from ips_map.errors import IpsMapError
from ips_map.outputs import write_json

log = logging.getLogger("ips_map")

USER_AGENT = f"ips-map/{__version__} (carte des services IPS; python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Bytes read from the network at a time.
CHUNK_SIZE = 1 << 16


class FetchError(IpsMapError):
    """A download failed (after its retries) or its content was refused.

    ``status`` is the HTTP status of a refused request (404, 400…), None otherwise, so that
    a caller can say what a 404 means for its resource (a vintage not yet published…).
    """

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class HttpSettings:
    """How to talk to a server.

    Attributes
    ----------
    timeout
        Seconds to connect and to wait for each read.
    retries
        Further attempts after the first one, on connection errors, timeouts, HTTP 429
        and 5xx.
    backoff
        First wait in seconds; doubled at each retry, capped by ``max_wait``.
    max_wait
        Longest single wait, including a server's ``Retry-After``.
    """

    timeout: tuple[float, float] = (10.0, 60.0)
    retries: int = 3
    backoff: float = 1.0
    max_wait: float = 60.0
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)


@dataclass
class Download:
    """What was downloaded: where from, where to, when, and its fingerprint."""

    url: str
    path: Path
    sha256: str
    size: int
    date: str  # ISO 8601, UTC
    from_cache: bool = False
    status: int = 200
    error: str = ""  # why a cached copy was returned instead of a fresh one

    def as_dict(self) -> dict:
        """Return the record as a JSON-ready dict."""
        record = asdict(self)
        record["path"] = str(self.path)
        return record


def public_url(url: str) -> str:
    """Return ``url`` as it may be published (on the map, in ``summary.json``): scheme,
    host and path, without the user and password, the query string or the fragment, where
    access tokens and credentials would be (``https://moi:secret@h/liste.csv?token=…`` →
    ``https://h/liste.csv``)."""
    parts = urlsplit(url.strip())
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _retry_after(response: requests.Response, default: float) -> float:
    value = response.headers.get("Retry-After")
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _session(settings: HttpSettings) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = settings.user_agent
    return session


def request(
    url: str,
    *,
    params: dict | None = None,
    settings: HttpSettings | None = None,
    session: requests.Session | None = None,
    stream: bool = False,
    method: str = "GET",
    **kwargs,
) -> requests.Response:
    """Send a request with retries; return a successful (2xx) response.

    Raises
    ------
    FetchError
        On a 4xx answer (other than 429), or when every attempt failed.
    """
    settings = settings or HttpSettings()
    session = session or _session(settings)
    wait = settings.backoff
    last_problem = detail = ""
    for attempt in range(settings.retries + 1):
        try:
            response = session.request(
                method, url, params=params, timeout=settings.timeout, stream=stream, **kwargs
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            last_problem, detail = network_problem(exc)
            delay = wait
        else:
            if response.status_code < 400:
                return response
            if response.status_code not in RETRY_STATUSES:
                response.close()
                raise _refusal(url, response)
            last_problem = f"le serveur répond {response.status_code}"
            detail = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
            delay = _retry_after(response, wait)
            response.close()
        if attempt == settings.retries:
            break
        delay = min(delay, settings.max_wait)
        log.info("%s : %s, nouvel essai dans %.1f s", url, last_problem, delay)
        settings.sleep(delay)
        wait = min(wait * 2, settings.max_wait)
    raise FetchError(
        f"{url}: {last_problem}, échec après {settings.retries + 1} tentative(s). "
        f"Vérifiez la connexion ou réessayez plus tard (détail : {detail})."
    )


def _refusal(url: str, response: requests.Response) -> FetchError:
    """The error of an answer that asking again would not change (404, 400, 403…)."""
    status = response.status_code
    return FetchError(
        f"{url}: le serveur répond {status} {response.reason or ''}".rstrip()
        + (" (ressource introuvable)" if status == 404 else ""),
        status=status,
    )


def network_problem(exc: BaseException) -> tuple[str, str]:
    """Say in French what failed on the network, and a short technical detail.

    requests and urllib3 explain a failure in English, several lines deep
    (``HTTPConnectionPool(host=…): Max retries exceeded… (Caused by NewConnectionError…``):
    this returns ``("connexion refusée par le serveur", "ConnectionRefusedError, errno
    111")`` instead, the first part for the user, the second for whoever debugs it.
    """
    root = _root_cause(exc)
    if isinstance(exc, requests.ConnectTimeout):
        what = "délai de connexion dépassé : serveur injoignable"
    elif isinstance(exc, requests.Timeout):
        what = "délai de réponse dépassé : le serveur ne répond pas"
    elif isinstance(root, socket.gaierror) or type(root).__name__ == "NameResolutionError":
        what = "serveur injoignable : nom de domaine introuvable (adresse ou réseau ?)"
    elif isinstance(root, ConnectionRefusedError):
        what = "connexion impossible : refusée par le serveur"
    elif isinstance(root, (ConnectionResetError, ConnectionAbortedError)):
        what = "connexion interrompue par le serveur"
    elif isinstance(root, ssl.SSLError) or isinstance(exc, requests.exceptions.SSLError):
        what = "connexion sécurisée (TLS) impossible : certificat ou protocole refusé"
    elif isinstance(root, (TimeoutError, socket.timeout)):
        what = "délai dépassé : serveur injoignable"
    else:
        what = "connexion impossible : serveur injoignable"
    detail = type(exc).__name__
    if root is not exc:
        detail += f", {type(root).__name__}"
    code = getattr(root, "errno", None)
    if isinstance(code, int):
        detail += f", errno {code}"
    return what, detail


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost exception behind a requests error (urllib3 keeps it in ``reason``)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and not any(current is s for s in seen):
        seen.append(current)
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            current = reason
        elif current.args and isinstance(current.args[0], BaseException):
            current = current.args[0]
        else:
            current = current.__cause__ or current.__context__
    return seen[-1]


def download(
    url: str,
    target: Path,
    *,
    params: dict | None = None,
    settings: HttpSettings | None = None,
    session: requests.Session | None = None,
    sha256: str | None = None,
    validate: Callable[[Path], None] | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Download:
    """Download ``url`` to ``target`` atomically.

    Each attempt sends the request (with its own retries, see :func:`request`), streams the
    body into a temporary file beside ``target``, checks it, then puts it in place. A body
    cut short is asked for again, up to ``settings.retries`` more times.

    Parameters
    ----------
    sha256
        Expected hex digest; a different content is refused.
    validate
        Called with the temporary file before it replaces ``target``; raise to refuse it.
    progress
        Called after each chunk with the bytes received so far and the announced length
        (None when the server does not say), to show progress on long downloads.

    Raises
    ------
    FetchError
        When the download fails, is truncated, or its content is refused; ``target`` is
        then left as it was.
    """
    settings = settings or HttpSettings()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    attempts = settings.retries + 1
    for attempt in range(attempts):
        try:
            return _download_once(
                url,
                target,
                params=params,
                settings=settings,
                session=session,
                sha256=sha256,
                validate=validate,
                progress=progress,
            )
        except _Truncated as exc:
            if attempt == attempts - 1:
                raise FetchError(f"{url}: {exc} après {attempts} tentative(s).") from None
            settings.sleep(min(settings.backoff * 2**attempt, settings.max_wait))
    raise AssertionError("unreachable")  # pragma: no cover


class _Truncated(Exception):
    """The body stopped short of its end: worth asking for again."""


def _download_once(
    url: str,
    target: Path,
    *,
    params: dict | None,
    settings: HttpSettings,
    session: requests.Session | None,
    sha256: str | None,
    validate: Callable[[Path], None] | None,
    progress: Callable[[int, int | None], None] | None,
) -> Download:
    """One attempt: request, receive into a temporary file, check it, put it in place."""
    with request(url, params=params, settings=settings, session=session, stream=True) as response:
        tmp = _temporary_file(target)
        try:
            size, digest = _receive(response, tmp, progress)
            _check_content(url, tmp, digest, sha256, validate)
            _install(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return Download(
        url=response.url or url,
        path=target,
        sha256=digest,
        size=size,
        date=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        status=response.status_code,
    )


def _temporary_file(target: Path) -> Path:
    """Create an empty hidden file beside ``target`` (same folder: ``os.replace`` is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    return Path(name)


def _receive(
    response: requests.Response,
    path: Path,
    progress: Callable[[int, int | None], None] | None,
) -> tuple[int, str]:
    """Stream the body into ``path``; return its size and sha256.

    Raises
    ------
    _Truncated
        When the connection breaks or fewer bytes arrive than announced.
    """
    announced = _announced_length(response)
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "wb") as fh:
            for chunk in response.iter_content(chunk_size=CHUNK_SIZE):
                fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if progress is not None:
                    progress(size, announced)
    except (
        requests.ConnectionError,
        requests.Timeout,
        requests.exceptions.ChunkedEncodingError,
    ) as exc:
        raise _Truncated(f"transfert interrompu ({type(exc).__name__})") from exc
    finally:
        response.close()
    # A length that is not a number (or a compressed body) is an unknown length.
    if announced is not None and announced != size:
        raise _Truncated(f"{size} octets reçus sur {announced} annoncés")
    return size, digest.hexdigest()


def _announced_length(response: requests.Response) -> int | None:
    """The body's length as the server announces it; None when unknown, compressed or not
    a number (``Content-Length: abc`` is a server's mistake, not a truncated body)."""
    value = (response.headers.get("Content-Length") or "").strip()
    if not (value.isascii() and value.isdigit()) or response.headers.get("Content-Encoding"):
        return None
    return int(value)


def _check_content(
    url: str,
    path: Path,
    digest: str,
    sha256: str | None,
    validate: Callable[[Path], None] | None,
) -> None:
    """Refuse a complete body whose sha256 is not the one expected, or that ``validate``
    refuses."""
    if sha256 and digest != sha256:
        raise FetchError(
            f"{url}: empreinte sha256 inattendue ({digest[:12]}… au lieu de "
            f"{sha256[:12]}…) : fichier refusé, l'ancien est conservé."
        )
    if validate is not None:
        validate(path)


def _install(tmp: Path, target: Path) -> None:
    """Put a checked temporary file in place of ``target``, readable like any data file."""
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


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

    The cache keeps the file and a ``.json`` record (URL, date, sha256). When the download
    fails and a cached copy exists, that copy is returned (``from_cache=True``) with a
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
