"""HTTP downloads: bounded in time and size, bounded retries with backoff, atomic
replacement, a disk cache.

Every download has a deadline over all its attempts and waits, a size limit counted on the
decoded bytes as they arrive, and a floor under its transfer rate (:mod:`._bounds`); only
http(s) redirects are followed, a few at most; every error of requests and urllib3 becomes
a :class:`FetchError` in French (:mod:`._failures`). A download streams into a temporary
file beside its target, is checked (length, optional sha256, optional validator), then
replaces the target with ``os.replace``: a failed download leaves the previous file
untouched and nothing half-written. Error responses are never cached. Base URLs are
settings, so tests point them at a local server.
"""

from __future__ import annotations

import email.utils
import functools
import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from requests.utils import requote_uri

from ips_map._version import __version__
from ips_map.settings import DEFAULT_MAX_SIZE, DEFAULT_TIMEOUT, MEGABYTE
from ips_map.sources._bounds import (
    Deadline,
    OutOfTime,
    Refused,
    Stopped,
    TooLarge,
    Truncated,
    receive,
    send_within,
)
from ips_map.sources._failures import REQUEST_ERRORS, FetchError, describe_failure
from ips_map.vocabulary import plural

__all__ = [
    "Download",
    "FetchError",
    "HttpSettings",
    "download",
    "public_url",
    "read_url",
    "request",
]

log = logging.getLogger("ips_map")

USER_AGENT = f"ips-map/{__version__} (carte des services IPS; python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_T = TypeVar("_T")


@dataclass(frozen=True)
class HttpSettings:
    """How to talk to a server, and the bounds of each download.

    Attributes
    ----------
    timeout
        Seconds to connect, and to wait for each read.
    deadline
        Seconds a download may take in all: every attempt, redirect and wait (a
        ``Retry-After`` included), to its last byte; 120 by default (``--timeout``).
    retries
        Further attempts after the first one, on connection errors, timeouts, HTTP 429
        and 5xx, and bodies cut short.
    backoff
        First wait in seconds; doubled at each retry, capped by ``max_wait``.
    max_wait
        Longest single wait. A server's ``Retry-After`` longer than this, or than what is
        left of the deadline, is not waited: the download fails at once.
    max_size
        Largest body accepted, counted on the decoded bytes as they arrive (50 MB by
        default, ``--max-size``); also the largest listing file read from disk.
    min_rate, rate_window
        A body arriving at fewer than ``min_rate`` bytes a second over ``rate_window``
        seconds is abandoned (0: no floor).
    max_redirects
        Most redirects followed (http and https only).
    """

    timeout: tuple[float, float] = (10.0, 60.0)
    deadline: float = DEFAULT_TIMEOUT
    retries: int = 3
    backoff: float = 1.0
    max_wait: float = 60.0
    max_size: int = DEFAULT_MAX_SIZE
    min_rate: float = 1000.0
    rate_window: float = 10.0
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)


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


def _retry_after(response: requests.Response) -> float | None:
    """The wait a server asks for (``Retry-After``, seconds or a date), None without one."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def open_session(settings: HttpSettings) -> requests.Session:
    """A session that names ips-map in its User-Agent."""
    session = requests.Session()
    session.headers["User-Agent"] = settings.user_agent
    return session


def request(
    url: str,
    *,
    params: dict | None = None,
    settings: HttpSettings | None = None,
    session: requests.Session | None = None,
    method: str = "GET",
    deadline: Deadline | None = None,
) -> requests.Response:
    """Send a request with retries; return a successful (2xx) response, its body not read
    yet (read it with :func:`read_url` or :func:`download`, or close it).

    ``deadline`` is shared by the attempts of one download (a new one by default).

    Raises
    ------
    FetchError
        On a 4xx answer (other than 429), an error that asking again would not change (an
        address refused, a redirect that is not http(s)), when the deadline passes, or when
        every attempt failed.
    """
    settings = settings or HttpSettings()
    deadline = deadline or Deadline(settings.deadline, settings.clock)
    session = session or open_session(settings)
    backoff = settings.backoff
    for attempt in range(settings.retries + 1):
        asked = None
        try:
            response = _send(url, params, settings, session, method, deadline)
        except Stopped as exc:
            raise _stopped_error(url, exc, settings) from None
        except REQUEST_ERRORS as exc:
            failure = describe_failure(exc)
            if not failure.retry:
                raise FetchError(f"{url} : {failure.what} ({failure.detail}).") from None
            problem, detail = failure.what, failure.detail
        else:
            if response.status_code < 400:
                return response
            response.close()
            if response.status_code not in RETRY_STATUSES:
                raise _refusal(url, response)
            problem = f"le serveur répond {response.status_code}"
            detail = f"HTTP {response.status_code} {response.reason or ''}".rstrip()
            asked = _retry_after(response)
        if attempt == settings.retries:
            break
        _pause(url, problem, asked, backoff, settings, deadline)
        backoff = min(backoff * 2, settings.max_wait)
    raise FetchError(
        f"{url}: {problem}, échec après {plural(settings.retries + 1, 'tentative')}. "
        f"Vérifiez la connexion ou réessayez plus tard (détail : {detail})."
    )


def _send(
    url: str,
    params: dict | None,
    settings: HttpSettings,
    session: requests.Session,
    method: str,
    deadline: Deadline,
) -> requests.Response:
    """One attempt: send the request and follow its redirects, http(s) only and at most
    ``settings.max_redirects``, each hop within the deadline."""
    for _ in range(settings.max_redirects + 1):
        send = functools.partial(
            session.request,
            method,
            url,
            params=params,
            timeout=deadline.bound(settings.timeout),
            stream=True,
            allow_redirects=False,
        )
        response = send_within(deadline, send)
        target = session.get_redirect_target(response)
        if target is None:
            return response
        response.close()
        url, params = _redirect(response.url or url, target), None  # the query is in target
        if response.status_code == 303:
            method = "GET"
    raise Refused(f"plus de {settings.max_redirects} redirections (boucle de redirections ?)")


def _redirect(origin: str, location: str) -> str:
    """The address a redirect leads to, refused unless it is http(s): a server must not
    point the download at a local file (``file:///etc/passwd``) or another protocol."""
    if location.startswith("//"):
        location = f"{urlsplit(origin).scheme}:{location}"
    target = urljoin(origin, requote_uri(location))
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise Refused(
            f"redirection vers « {public_url(target)} » refusée : seules les adresses "
            "http(s) sont suivies"
        )
    return target


def _pause(
    url: str,
    problem: str,
    asked: float | None,
    backoff: float,
    settings: HttpSettings,
    deadline: Deadline,
) -> None:
    """Wait before the next attempt: what the server asked (``Retry-After``), else the
    backoff (capped at ``max_wait``). A wait that does not fit in what is left of the
    deadline (or a ``Retry-After`` longer than ``max_wait``) is not waited: the download
    fails at once, and a caller with a cached copy falls back to it."""
    left = deadline.left()
    if asked is not None and asked > min(settings.max_wait, left):
        raise FetchError(
            f"{url} : {problem} et demande d'attendre {asked:.0f} s avant un nouvel essai "
            f"(Retry-After), plus que les {min(settings.max_wait, left):.0f} s possibles : "
            "abandon sans attendre. Réessayez plus tard, ou accordez plus de temps avec "
            "--timeout (en secondes)."
        )
    delay = asked if asked is not None else min(backoff, settings.max_wait)
    if delay >= left:
        raise _stopped_error(url, OutOfTime(f"après « {problem} »"), settings)
    log.info("%s : %s, nouvel essai dans %.1f s", url, problem, delay)
    settings.sleep(delay)


def _refusal(url: str, response: requests.Response) -> FetchError:
    """The error of an answer that asking again would not change (404, 400, 403…)."""
    status = response.status_code
    return FetchError(
        f"{url}: le serveur répond {status} {response.reason or ''}".rstrip()
        + (" (ressource introuvable)" if status == 404 else ""),
        status=status,
    )


def _stopped_error(url: str, exc: Stopped, settings: HttpSettings) -> FetchError:
    """The error of a download stopped by a bound, saying how to lift it."""
    if isinstance(exc, TooLarge):
        return FetchError(
            f"{url} : réponse trop grosse ({exc.reason}, limite {_megabytes(settings.max_size)}) "
            ": téléchargement abandonné, rien n'est gardé. Si le fichier est vraiment si gros, "
            "relevez la limite avec --max-size (en Mo)."
        )
    if isinstance(exc, OutOfTime):
        return FetchError(
            f"{url} : délai total de {_number(settings.deadline)} s dépassé {exc.reason} : "
            "téléchargement abandonné, rien n'est gardé. Réessayez plus tard, ou accordez plus "
            "de temps avec --timeout (en secondes)."
        )
    return FetchError(f"{url} : {exc.reason} : téléchargement abandonné, rien n'est gardé.")


def _megabytes(size: int) -> str:
    """``50 Mo``, ``0,5 Mo``."""
    return f"{_number(size / MEGABYTE)} Mo"


def _number(value: float) -> str:
    """``120``, ``0,5``: a number as French writes it."""
    return f"{value:g}".replace(".", ",")


# --- bodies -----------------------------------------------------------------------------------


def read_url(
    url: str,
    *,
    params: dict | None = None,
    settings: HttpSettings | None = None,
    session: requests.Session | None = None,
) -> bytes:
    """Return the body of ``url`` (decoded, at most ``settings.max_size`` bytes), asking
    again for a body cut short, all within the deadline.

    Raises
    ------
    FetchError
        As :func:`request`; also when the body is too large, too slow, or cut short at
        every attempt.
    """
    settings = settings or HttpSettings()
    deadline = Deadline(settings.deadline, settings.clock)
    session = session or open_session(settings)

    def attempt() -> bytes:
        response = request(
            url, params=params, settings=settings, session=session, deadline=deadline
        )
        chunks: list[bytes] = []
        _receive(response, chunks.append, settings, deadline)
        return b"".join(chunks)

    return _with_retries(url, settings, deadline, attempt)


def _receive(
    response: requests.Response,
    write: Callable[[bytes], None],
    settings: HttpSettings,
    deadline: Deadline,
    progress: Callable[[int, int | None], None] | None = None,
) -> int:
    return receive(
        response,
        write,
        limit=settings.max_size,
        deadline=deadline,
        min_rate=settings.min_rate,
        window=settings.rate_window,
        progress=progress,
    )


def _with_retries(
    url: str, settings: HttpSettings, deadline: Deadline, attempt: Callable[[], _T]
) -> _T:
    """Run ``attempt``, again for a body cut short (``settings.retries`` more times at
    most, within the deadline); a download stopped by a bound is not tried again."""
    attempts = settings.retries + 1
    for number in range(attempts):
        try:
            return attempt()
        except Stopped as exc:
            raise _stopped_error(url, exc, settings) from None
        except Truncated as exc:
            if number == attempts - 1:
                raise FetchError(f"{url}: {exc} après {plural(attempts, 'tentative')}.") from None
            _pause(url, str(exc), None, settings.backoff * 2**number, settings, deadline)
    raise AssertionError("unreachable")  # pragma: no cover


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
    cut short is asked for again, up to ``settings.retries`` more times; every attempt and
    wait fits in ``settings.deadline``, and a body larger than ``settings.max_size``
    (decoded) is abandoned.

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
        When the download fails, is truncated, too large, too slow or too long, or its
        content is refused; ``target`` is then left as it was.
    """
    settings = settings or HttpSettings()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    deadline = Deadline(settings.deadline, settings.clock)
    session = session or open_session(settings)

    def attempt() -> Download:
        response = request(
            url, params=params, settings=settings, session=session, deadline=deadline
        )
        tmp = _temporary_file(target)
        try:
            digest = hashlib.sha256()
            with open(tmp, "wb") as fh:

                def write(chunk: bytes) -> None:
                    fh.write(chunk)
                    digest.update(chunk)

                size = _receive(response, write, settings, deadline, progress)
            _check_content(url, tmp, digest.hexdigest(), sha256, validate)
            _install(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return Download(
            url=response.url or url,
            path=target,
            sha256=digest.hexdigest(),
            size=size,
            date=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            status=response.status_code,
        )

    return _with_retries(url, settings, deadline, attempt)


def _temporary_file(target: Path) -> Path:
    """Create an empty hidden file beside ``target`` (same folder: ``os.replace`` is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    return Path(name)


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
