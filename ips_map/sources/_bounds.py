"""The bounds of one download: a deadline over every step of every attempt, the body's size
counted on the decoded bytes as they arrive, and a floor under the transfer rate.

A request is sent from a worker thread (:func:`send_within`), so that the deadline bounds
every step before the body too: name resolution, connection, TLS, headers that trickle in.
The body is then read in the calling thread (:func:`receive`), one network read at a time
(``read1``: a server that sends a byte every second still hands control back at each
byte), decoded as it comes (a gzip answer cannot expand past the limit: urllib3 decodes at
most a chunk at a time), while a watchdog shuts the socket down when the deadline passes (a
server that stops sending cannot hold the read).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

import requests

from ips_map.sources._failures import REQUEST_ERRORS, describe_failure

#: Decoded bytes read from the network at a time.
CHUNK_SIZE = 1 << 16


class Deadline:
    """The time left to a download, from its first attempt to its last byte."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self.end = clock() + seconds

    def left(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self.end - self.clock())

    def bound(self, timeout: tuple[float, float]) -> tuple[float, float]:
        """The connect and read timeouts of an attempt, none longer than what is left.

        Raises
        ------
        OutOfTime
            When nothing is left.
        """
        left = self.left()
        if left <= 0:
            raise OutOfTime("avant un nouvel essai")
        return min(timeout[0], left), min(timeout[1], left)


class Stopped(Exception):
    """A download stopped by a bound or refused for good: asking again would not help.

    ``reason`` says why, in French; the caller names the URL and how to lift the bound.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TooLarge(Stopped):
    """The body (decoded) is larger than the limit."""


class TooSlow(Stopped):
    """The body arrives more slowly than the minimum rate."""


class OutOfTime(Stopped):
    """The deadline passed; ``reason`` says during what."""


class Refused(Stopped):
    """A redirect that is not followed, or one too many."""


class Truncated(Exception):
    """The body stopped short of its end: worth asking for again."""


# --- sending ----------------------------------------------------------------------------------


class _Exchange:
    """One request sent from a worker thread; left behind when the deadline passes, it
    closes whatever answer comes later."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.response: requests.Response | None = None
        self.error: BaseException | None = None
        self.abandoned = False

    def run(self, send: Callable[[], requests.Response]) -> None:
        try:
            response = send()
        except BaseException as exc:  # handed over to the waiting thread, raised there
            self.error = exc
        else:
            with self.lock:
                if self.abandoned:
                    response.close()
                else:
                    self.response = response
        finally:
            self.done.set()

    def abandon(self) -> None:
        with self.lock:
            self.abandoned = True
            late, self.response = self.response, None
        if late is not None:
            late.close()


def send_within(deadline: Deadline, send: Callable[[], requests.Response]) -> requests.Response:
    """Return what ``send()`` returns (a response whose body is not read yet), or raise
    :class:`OutOfTime` when the deadline passes first; ``send``'s own errors are raised."""
    exchange = _Exchange()
    worker = threading.Thread(target=exchange.run, args=(send,), name="ips-map-http", daemon=True)
    worker.start()
    try:
        finished = exchange.done.wait(deadline.left())
    except BaseException:  # Ctrl-C while waiting: the answer, if any, is closed
        exchange.abandon()
        raise
    if not finished:
        exchange.abandon()
        raise OutOfTime("en attendant la réponse du serveur")
    if exchange.error is not None:
        raise exchange.error
    return exchange.response


# --- receiving --------------------------------------------------------------------------------


class _Watchdog:
    """Shuts the answer's socket down when the deadline passes, which ends a read blocked
    on a server that sends nothing."""

    def __init__(self, response: requests.Response, seconds: float):
        self.fired = threading.Event()
        self.timer = threading.Timer(seconds, self._cut, args=(response,))
        self.timer.daemon = True
        self.timer.start()

    def _cut(self, response: requests.Response) -> None:
        self.fired.set()
        with contextlib.suppress(Exception):  # already closed, or released: nothing to cut
            response.raw.shutdown()

    def check(self) -> None:
        if self.fired.is_set():
            raise OutOfTime("pendant la réception")


class _RateFloor:
    """Refuses a body whose decoded bytes arrive, over each ``window`` of seconds, at fewer
    than ``min_rate`` bytes a second (``min_rate`` 0: no floor)."""

    def __init__(self, min_rate: float, window: float, clock: Callable[[], float]):
        self.min_rate = min_rate
        self.window = window
        self.clock = clock
        self.mark = (clock(), 0)

    def check(self, size: int) -> None:
        now = self.clock()
        since, then = self.mark
        elapsed = now - since
        if self.min_rate <= 0 or elapsed < self.window:
            return
        rate = (size - then) / elapsed
        if rate < self.min_rate:
            raise TooSlow(
                f"transfert trop lent : {rate:.0f} octets/s en {elapsed:.1f} s, moins que le "
                f"minimum de {self.min_rate:.0f} octets/s".replace(".", ",")
            )
        self.mark = (now, size)


def receive(
    response: requests.Response,
    write: Callable[[bytes], None],
    *,
    limit: int,
    deadline: Deadline,
    min_rate: float = 0.0,
    window: float = 10.0,
    progress: Callable[[int, int | None], None] | None = None,
) -> int:
    """Read the body of ``response`` (decoded), hand each chunk to ``write``; return its
    size. The response is closed.

    Raises
    ------
    TooLarge, TooSlow, OutOfTime, Stopped
        A bound was passed, or the body cannot be decoded: nothing more is read.
    Truncated
        When the connection breaks or fewer bytes arrive than announced.
    """
    announced = announced_length(response)
    if announced is not None and announced > limit:
        response.close()
        raise TooLarge(f"{announced} octets annoncés")
    watchdog = _Watchdog(response, deadline.left())
    floor = _RateFloor(min_rate, window, deadline.clock)
    size = 0
    try:
        while chunk := _next_chunk(response, watchdog):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"plus de {limit} octets reçus")
            write(chunk)
            if progress is not None:
                progress(size, announced)
            floor.check(size)
    finally:
        watchdog.timer.cancel()
        response.close()
    # A length that is not a number (or a compressed body) is an unknown length.
    if announced is not None and announced != size:
        raise Truncated(f"{size} octets reçus sur {announced} annoncés")
    return size


def _next_chunk(response: requests.Response, watchdog: _Watchdog) -> bytes:
    """The next decoded chunk of the body (``b""`` at its end), after a single network read."""
    try:
        chunk = response.raw.read1(CHUNK_SIZE, decode_content=True)
    except REQUEST_ERRORS as exc:
        watchdog.check()  # a connection cut by the watchdog is the deadline's
        failure = describe_failure(exc)
        if not failure.retry:
            raise Stopped(f"{failure.what} ({failure.detail})") from exc
        raise Truncated(f"transfert interrompu ({failure.detail})") from exc
    watchdog.check()  # so is a read that it ended early: not the end of the body
    return chunk or b""


def announced_length(response: requests.Response) -> int | None:
    """The body's length as the server announces it; None when unknown, compressed or not
    a number (``Content-Length: abc`` is a server's mistake, not a truncated body)."""
    value = (response.headers.get("Content-Length") or "").strip()
    if not (value.isascii() and value.isdigit()) or response.headers.get("Content-Encoding"):
        return None
    return int(value)
