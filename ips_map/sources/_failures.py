"""What went wrong with a request, said in French: the package's :class:`FetchError`, and
every exception of requests, urllib3 and the socket layer mapped onto what failed (for the
user), a short technical detail (for whoever debugs it) and whether asking again may help.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass

import requests
import urllib3.exceptions

from ips_map.errors import IpsMapError


class FetchError(IpsMapError):
    """A download failed (after its retries) or its content was refused.

    ``status`` is the HTTP status of a refused request (404, 400…), None otherwise, so that
    a caller can say what a 404 means for its resource (a vintage not yet published…).
    """

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


#: Every exception a request or the reading of its body may raise besides our own: caught
#: together, then told apart by :func:`describe_failure`. requests' base class is the last
#: net of its own errors; urllib3's, of the errors requests lets through (while a body is
#: read from ``response.raw``); ``ValueError`` covers an address that cannot even be parsed.
REQUEST_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
    ValueError,
)


@dataclass(frozen=True)
class Failure:
    """A failed request: what failed (French), a technical detail, and whether a new
    attempt may succeed (a network hiccup) or not (an address refused, a broken body)."""

    what: str
    detail: str
    retry: bool


_BAD_ADDRESS = (
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidURL,
    requests.exceptions.URLRequired,
    urllib3.exceptions.LocationValueError,
)
_NETWORK = (requests.ConnectionError, requests.Timeout, urllib3.exceptions.TimeoutError, OSError)
_BROKEN_BODY = (requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError)
_CUT_SHORT = (
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.ProtocolError,
    http.client.IncompleteRead,
)


def describe_failure(exc: BaseException) -> Failure:
    """Say what a request's exception means (see :class:`Failure`).

    The most specific classes come first: requests' ``SSLError`` is a ``ConnectionError``,
    urllib3's ``LocationParseError`` a ``ValueError``.
    """
    detail = _detail(exc)
    if isinstance(exc, (requests.exceptions.SSLError, urllib3.exceptions.SSLError, ssl.SSLError)):
        what = "connexion sécurisée (TLS) impossible : certificat ou protocole refusé"
        return Failure(what, detail, retry=False)
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return Failure("adresse refusée : seules les adresses http(s) sont lues", detail, False)
    if isinstance(exc, _BAD_ADDRESS):
        return Failure("adresse invalide : vérifiez-la", detail, retry=False)
    if isinstance(exc, requests.TooManyRedirects):
        return Failure("trop de redirections (boucle de redirections ?)", detail, retry=False)
    if isinstance(exc, _BROKEN_BODY):
        what = "contenu compressé illisible (Content-Encoding abîmé) : réponse refusée"
        return Failure(what, detail, retry=False)
    if isinstance(exc, _NETWORK):
        return Failure(network_problem(exc)[0], detail, retry=True)
    if isinstance(exc, _CUT_SHORT):
        return Failure("transfert interrompu", detail, retry=True)
    if isinstance(exc, (urllib3.exceptions.HTTPError, http.client.HTTPException)):
        return Failure("réponse HTTP invalide", detail, retry=False)
    if isinstance(exc, requests.RequestException):
        return Failure("requête impossible", detail, retry=False)
    return Failure("adresse ou requête invalide", detail, retry=False)


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
    elif isinstance(exc, (requests.Timeout, urllib3.exceptions.ReadTimeoutError)):
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
    return what, _detail(exc)


def _detail(exc: BaseException) -> str:
    """The exception's class, its root cause's and an errno: ``ConnectionError,
    ConnectionRefusedError, errno 111``."""
    root = _root_cause(exc)
    detail = type(exc).__name__
    if root is not exc:
        detail += f", {type(root).__name__}"
    code = getattr(root, "errno", None)
    if isinstance(code, int):
        detail += f", errno {code}"
    return detail


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
