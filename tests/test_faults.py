"""Faults on every HTTP path, and listing files that never end.

A local server misbehaves in each way a broken or hostile server would: a gzip bomb (a few
MB expanding to GBs), a body over the limit, a drip (a byte every 0.2 s, in the body or in
the headers), a hang, a body that stops, a redirect loop, a redirect to ``file://``, a
broken gzip body, JSON or another answer that is not a listing, a 429 asking to wait a day.
Each is served to every HTTP path: a listing URL (``read_listing``, ``validate``,
``build``), ``fetch census``, ``fetch communes``, ``fetch boundaries`` and geocoding; each
test asserts the message, the time taken (short deadlines, generous bounds) and what the
cache and ``data/fetched`` hold afterwards.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import json
import logging
import os
import re
import resource
import select
import shutil
import socket
import threading
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from ips_map.cli import cli
from ips_map.geocode import Geocoder, RateLimiter, geocode_rows
from ips_map.geocode import client as geocode_client
from ips_map.listing.read import read_listing
from ips_map.refresh import fetch_boundaries, fetch_census, fetch_communes
from ips_map.settings import DEFAULT_DATA_DIR, MEGABYTE
from ips_map.sources._bounds import Deadline, OutOfTime, receive
from ips_map.sources.http import FetchError, HttpSettings, download, read_url, request
from ips_map.territory.data import load_communes, load_old_codes

#: A 1 MB limit, real (short) waits, and room for every fault that does not wait for the
#: deadline: its message is then the same on a busy machine.
ROOMY = HttpSettings(
    timeout=(5.0, 5.0),
    deadline=5.0,
    retries=2,
    backoff=0.05,
    max_wait=0.5,
    max_size=MEGABYTE,
    min_rate=1000.0,
    rate_window=2.0,
)
#: The faults that last until a bound stops them: a short deadline, a floor over 0.1 s.
TIMED = {"drip", "drip-head", "hang", "stall"}
SHORT = dataclasses.replace(ROOMY, deadline=0.3, rate_window=0.1)


def http_for(fault: str) -> HttpSettings:
    return SHORT if fault in TIMED else ROOMY


#: Generous: the deadline is 0.3 s (1 s on the command line), a busy machine is slow.
BOUND = 10.0
#: Longest a fault is served (a client that never leaves still frees the server).
SERVE_AT_MOST = 20.0

LISTING = "nom;code_insee;statut\nIPS Lyon;69123;actif\nIPS Brest;29019;actif\n"

#: When the deadline ends a stalled download, as the message says it (see "stall" below).
STALL_PHASES = r"(pendant la réception|en attendant|après « transfert interrompu)"
#: Each fault, and what the message says about it.
NETWORK_FAULTS = {
    "bomb": r"réponse trop grosse \(plus de 1000000 octets reçus, limite 1 Mo\)",
    "huge": r"réponse trop grosse \(plus de 1000000 octets reçus",
    "announced": r"réponse trop grosse \(2000000000 octets annoncés",
    # The first byte comes after 0.2 s: below the floor, or after the deadline if late (on a
    # busy machine the deadline can pass before the headers of the drip are even read).
    # A byte now and then: too slow, or the deadline passes (on a busy machine, after a read
    # that timed out between two bytes, quoted as the transfer interrupted).
    "drip": r"transfert trop lent|délai total de 0,3 s dépassé " + STALL_PHASES,
    "drip-head": r"délai total de 0,3 s dépassé en attendant la réponse du serveur",
    "hang": r"délai total de 0,3 s dépassé",
    # Headers, a few bytes, then nothing: the deadline passes during the body, before the
    # headers are even read (a busy machine), or once the watchdog's shutdown of the stalled
    # socket has been read as an interrupted transfer: the deadline is what ends it.
    "stall": r"délai total de 0,3 s dépassé " + STALL_PHASES,
    "loop": r"plus de 5 redirections",
    "file": r"redirection vers « file:///etc/passwd » refusée",
    "gzip-broken": r"contenu compressé illisible",
    "busy": r"demande d'attendre 100000 s avant un nouvel essai",
}
#: 200 answers that are not a listing: refused, the cached copy kept.
CONTENT_FAULTS = {
    "json": r"réponse refusée, ce n'est pas une liste lisible",
    "empty": r"réponse refusée, ce n'est pas une liste lisible",
    "garbage": r"réponse refusée, ce n'est pas une liste lisible",
    "html": r"page web",
}
#: The command line's deadline is 1 s at least, and its floor is averaged over 10 s.
CLI_MESSAGES = {
    **NETWORK_FAULTS,
    "drip": r"délai total de 1 s dépassé " + STALL_PHASES,
    "drip-head": r"délai total de 1 s dépassé en attendant",
    "hang": r"délai total de 1 s dépassé",
    "stall": r"délai total de 1 s dépassé " + STALL_PHASES,
}


# --- the server -------------------------------------------------------------------------------


def gzip_bomb() -> tuple[bytes, bytes]:
    """The start of a gzip stream of zeros and a unit that extends it by 1 MiB each time it
    is repeated (a full flush makes every unit the same ~1 kB): 3,000 units are 3 MB
    that expand to 3 GB, and nothing of that size is ever made here."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    start = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    unit = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    return start, unit


BOMB_START, BOMB_UNIT = gzip_bomb()
BOMB_UNITS = 3000


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


class FaultServer:
    """A threaded raw-socket server: the first segment of the path names the fault
    (``/bomb/...``); ``/switch/...`` serves ``self.switch``, so that one URL answers well,
    then badly. Every loop is bounded in count and time, and everything stops at
    :meth:`close`."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.switch = "good"
        self.hits: list[str] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, fault: str, rest: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{fault}{rest}"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()

    def _accept(self) -> None:
        ends = time.monotonic() + 600
        while not self.stop.is_set() and time.monotonic() < ends:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # a client gone is what most faults expect
            conn.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            path = head.split(b" ", 2)[1].decode("latin-1")
            fault = path.lstrip("/").split("/")[0].split("?")[0]
            fault = self.switch if fault == "switch" else fault
            self.hits.append(fault)
            getattr(self, "serve_" + fault.replace("-", "_"))(conn, path)

    # A helper for loops that must end: at the stop, after SERVE_AT_MOST, or when the
    # client has gone.
    def _serving(self, started: float) -> bool:
        return not self.stop.is_set() and time.monotonic() - started < SERVE_AT_MOST

    def _send(self, conn: socket.socket, status: str, body: bytes, **headers: str) -> None:
        headers = {"Content-Length": str(len(body)), "Connection": "close", **headers}
        conn.sendall(_head(status, headers) + body)

    def serve_good(self, conn, path):
        self._send(conn, "200 OK", LISTING.encode(), **{"Content-Type": "text/csv"})

    def serve_bomb(self, conn, path):
        conn.sendall(_head("200 OK", {"Content-Encoding": "gzip", "Connection": "close"}))
        conn.sendall(BOMB_START)
        started = time.monotonic()
        for _ in range(0, BOMB_UNITS, 64):
            if not self._serving(started):
                return
            conn.sendall(BOMB_UNIT * 64)

    def serve_huge(self, conn, path):
        conn.sendall(_head("200 OK", {"Connection": "close"}) + b"nom;code_insee\n")
        started = time.monotonic()
        for _ in range(50):  # 50 x 64 kB: 3 MB, over the 1 MB limit
            if not self._serving(started):
                return
            conn.sendall(b"IPS;69123\n" * 6554)

    def serve_announced(self, conn, path):
        conn.sendall(_head("200 OK", {"Content-Length": "2000000000"}) + b"nom\n")
        self._wait_for_client(conn)

    def serve_drip(self, conn, path):
        conn.sendall(_head("200 OK", {"Content-Length": "1000"}))
        self._drip(conn, b"n" * 100)

    def serve_drip_head(self, conn, path):
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Goutte: ")
        self._drip(conn, b"g" * 100)

    def serve_hang(self, conn, path):
        self._wait_for_client(conn)

    def serve_stall(self, conn, path):
        conn.sendall(_head("200 OK", {"Content-Length": "1000"}) + b"nom;ville\n")
        self._wait_for_client(conn)

    def serve_loop(self, conn, path):
        self._send(conn, "302 Found", b"", Location=path)

    def serve_file(self, conn, path):
        self._send(conn, "302 Found", b"", Location="file:///etc/passwd")

    def serve_gzip_broken(self, conn, path):
        body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 64
        self._send(conn, "200 OK", body, **{"Content-Encoding": "gzip"})

    def serve_busy(self, conn, path):
        self._send(conn, "429 Too Many Requests", b"", **{"Retry-After": "100000"})

    def serve_json(self, conn, path):
        body = json.dumps({"erreur": "pas une liste"}).encode()
        self._send(conn, "200 OK", body, **{"Content-Type": "application/json"})

    def serve_empty(self, conn, path):
        self._send(conn, "200 OK", b"")

    def serve_garbage(self, conn, path):
        self._send(conn, "200 OK", bytes(range(256)) * 8)

    def serve_html(self, conn, path):
        body = b"<!DOCTYPE html><html><body>Connectez-vous</body></html>"
        self._send(conn, "200 OK", body, **{"Content-Type": "text/html"})

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        started = time.monotonic()
        for byte in data:
            if not self._serving(started) or self._client_gone(conn, 0.2):
                return
            conn.sendall(bytes([byte]))

    def _wait_for_client(self, conn: socket.socket) -> None:
        started = time.monotonic()
        while self._serving(started) and not self._client_gone(conn, 0.1):
            pass

    @staticmethod
    def _client_gone(conn: socket.socket, wait: float) -> bool:
        ready, _, _ = select.select([conn], [], [], wait)
        return bool(ready) and not conn.recv(1, socket.MSG_PEEK)


@pytest.fixture(scope="module")
def server():
    serving = FaultServer()
    yield serving
    serving.close()


@contextlib.contextmanager
def within(seconds: float = BOUND):
    """Assert that the block ends within ``seconds``."""
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"{elapsed:.1f} s"


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder`` (a folder's value is None)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def test_the_bomb_expands_as_said():
    expander = zlib.decompressobj(31)
    out = expander.decompress(BOMB_START + BOMB_UNIT * 3)
    assert out == bytes(4 << 20)
    assert len(BOMB_START) + BOMB_UNITS * len(BOMB_UNIT) < 5 * MEGABYTE  # for 3 GB


def test_the_watchdog_ends_a_read_that_the_socket_would_hold(server):
    # The socket waits 5 s for each read (the request's timeout); only the deadline's
    # watchdog, shutting the socket down, ends the stalled read at 0.3 s.
    response = request(server.url("stall", "/x"), settings=ROOMY)
    with within(3), pytest.raises(OutOfTime, match="pendant la réception"):
        receive(response, lambda chunk: None, limit=MEGABYTE, deadline=Deadline(0.3))


# --- a listing URL ----------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [*NETWORK_FAULTS, *CONTENT_FAULTS])
def test_a_listing_url_falls_back_to_its_cached_copy(server, tmp_path, fault, caplog):
    url = server.url("switch", "/liste.csv")
    server.switch = "good"
    first = read_listing(url, cache_dir=tmp_path, http=ROOMY)
    cached = tree(tmp_path)
    server.switch = fault
    hits = len(server.hits)
    with within(), caplog.at_level(logging.WARNING, logger="ips_map"):
        again = read_listing(url, cache_dir=tmp_path, http=http_for(fault))
    if fault == "loop":
        assert len(server.hits) - hits == 6  # the request, then 5 redirects followed
    assert again.from_cache and list(again.rows["nom"]) == list(first.rows["nom"])
    [note] = [p for p in again.problems if "copie en cache" in p.message]
    expected = {**NETWORK_FAULTS, **CONTENT_FAULTS}[fault]
    assert re.search(expected, note.message), note.message
    assert re.search(expected, caplog.text)
    assert tree(tmp_path) == cached  # the good copy and its record, nothing else


@pytest.mark.parametrize(
    "fault", [*(k for k in NETWORK_FAULTS if k not in ("drip-head", "stall")), "json"]
)
def test_validate_without_a_cached_copy_says_why_in_one_line(server, tmp_path, fault):
    # The command line's shortest deadline (1 s) for the faults it ends; the others are told
    # apart from a timeout, which a busy machine must not make them look like.
    timeout = "1" if fault in TIMED else "8"
    args = ["validate", "--services", server.url(fault, "/liste.csv"), "--timeout", timeout]
    with within():
        result = CliRunner().invoke(
            cli, [*args, "--max-size", "1", "--cache-dir", str(tmp_path / "cache")]
        )
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    message = {**CLI_MESSAGES, **CONTENT_FAULTS}[fault]
    assert re.search(message, result.output), result.output
    assert "Aucune copie en cache" in result.output
    assert not list((tmp_path / "cache").rglob("*.*"))  # no copy, no temporary file


def test_validate_with_a_cached_copy_warns_and_succeeds(server, tmp_path):
    url = server.url("switch", "/liste.csv")
    server.switch = "good"
    args = ["validate", "--services", url, "--cache-dir", str(tmp_path), "--timeout", "8"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    cached = tree(tmp_path)
    server.switch = "json"
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "ce n'est pas une liste lisible" in result.output and "copie en cache" in result.output
    assert tree(tmp_path) == cached


def test_build_uses_the_cached_copy_when_the_url_sends_a_bomb(server, tmp_path, monkeypatch):
    monkeypatch.setenv("IPS_MAP_CACHE_DIR", str(tmp_path / "cache"))
    url = server.url("switch", "/liste.csv")
    server.switch = "good"
    read_listing(url, http=ROOMY)
    cached = tree(tmp_path / "cache" / "listes")  # the downloads (templates may come too)
    server.switch = "bomb"
    out = tmp_path / "out"
    with within(30):
        result = CliRunner().invoke(
            cli, ["build", "--services", url, "--out", str(out), "--max-size", "1"]
        )
    assert result.exit_code == 0, result.output
    assert "réponse trop grosse" in result.stderr and "copie en cache" in result.stderr
    assert "2 services placés" in result.stdout
    assert tree(tmp_path / "cache" / "listes") == cached


def test_build_without_a_cached_copy_fails_in_one_line(server, tmp_path):
    url = server.url("loop", "/liste.csv")
    result = CliRunner().invoke(
        cli, ["-q", "build", "--services", url, "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert "plus de 5 redirections" in line and "Aucune copie en cache" in line
    assert not list((tmp_path / "o").glob("*"))  # the folder is made early; no output in it


# --- fetch census, communes, boundaries -------------------------------------------------------


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A copy of the embedded data (IPS_MAP_DATA_DIR): the repo's data/ is never written."""
    copy = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, copy, ignore=shutil.ignore_patterns("fetched"))
    monkeypatch.setenv("IPS_MAP_DATA_DIR", str(copy))
    return copy


FETCHES = {
    "census": lambda base, http: fetch_census(2023, url=f"{base}/ensemble.zip", settings=http),
    "communes": lambda base, http: fetch_communes(base_url=base, settings=http),
    "boundaries": lambda base, http: fetch_boundaries(f"{base}/d.geojson", settings=http),
}


@pytest.mark.parametrize("fault", [*NETWORK_FAULTS, "json"])
@pytest.mark.parametrize("what", FETCHES)
def test_a_fetch_keeps_the_current_data(server, data, what, fault):
    before = tree(data)
    with within(), pytest.raises(FetchError) as info:
        FETCHES[what](server.url(fault), http_for(fault))
    message = str(info.value)
    if fault in NETWORK_FAULTS:
        assert re.search(NETWORK_FAULTS[fault], message), message
    assert "conservé" in message  # "Les données actuelles sont conservées", or the contours
    after = tree(data)
    assert after.pop("fetched", "absent") in (None, "absent")  # at most the empty folder
    assert after == before


def test_a_zip_bomb_in_the_census_archive_is_not_unpacked(httpserver, data):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("donnees_departements.csv", bytes(20 * MEGABYTE))  # 20 kB zipped
    httpserver.expect_request("/ensemble.zip").respond_with_data(archive.getvalue())
    before = tree(data)
    with within(), pytest.raises(FetchError, match="bien plus qu'un fichier des départements"):
        fetch_census(2023, url=httpserver.url_for("/ensemble.zip"), settings=ROOMY)
    after = tree(data)
    assert after.pop("fetched", None) is None and after == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["census", "--year", "2023", "--url", "{}/bomb/ensemble.zip"], "réponse trop grosse"),
        (["communes", "--base-url", "{}/loop"], "plus de 5 redirections"),
        (["boundaries", "--url", "{}/file/d.geojson"], "file:///etc/passwd » refusée"),
        (["boundaries", "--url", "{}/hang/d.geojson"], "délai total de 1 s dépassé"),
    ],
)
def test_cli_fetch_faults_are_one_line(server, data, args, message):
    args = [a.format(f"http://127.0.0.1:{server.port}") for a in args]
    # The deadline of 1 s for the faults a deadline ends (TIMED); the others must be told
    # apart from a timeout, and six redirections can take over a second on a busy machine.
    timeout = "1" if any(f"/{fault}/" in args[-1] for fault in TIMED) else "8"
    with within():
        result = CliRunner().invoke(
            cli, ["-q", "fetch", "--timeout", timeout, "--max-size", "1", *args]
        )
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert message in line and "Traceback" not in line
    assert not (data / "fetched").exists() or not any((data / "fetched").iterdir())


@pytest.mark.parametrize(
    "args",
    [
        ["fetch", "census", "--year", "99999999999999999999"],
        ["fetch", "--timeout", "nan", "communes"],
        ["fetch", "--timeout", "0", "communes"],
        ["fetch", "--retries", "-1", "communes"],
        ["fetch", "--max-size", "0", "communes"],
        ["build", "--max-size", "99999999999999999999"],
        ["validate", "--services", "x.csv", "--timeout", "inf"],
    ],
)
def test_numbers_on_the_command_line_are_range_checked(args, tmp_path, monkeypatch):
    (tmp_path / "x.csv").write_text(LISTING, encoding="utf-8")
    closed = f"http://127.0.0.1:{_closed_port()}"  # were a check missing: no request leaves
    monkeypatch.setenv("IPS_MAP_GEO_API_URL", closed)
    monkeypatch.setenv("IPS_MAP_INSEE_URL", closed)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "Valeur invalide" in result.output and "Traceback" not in result.output


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- geocoding --------------------------------------------------------------------------------

ADDRESSES = "nom;adresse;code_postal;commune;code_insee\n" + "".join(
    f"Service {i};{i} rue de la République;69001;Lyon;69381\n" for i in range(1, 4)
)


@pytest.fixture(scope="module")
def territory():
    return load_communes(), load_old_codes()


@pytest.mark.parametrize("fault", [*NETWORK_FAULTS, "json", "garbage", "empty"])
def test_geocoding_falls_back_to_the_commune_with_one_warning(
    server, tmp_path, territory, warnings_seen, fault
):
    (tmp_path / "liste.csv").write_text(ADDRESSES, encoding="utf-8")
    listing = read_listing(tmp_path / "liste.csv")
    cache = tmp_path / "geocodage.json"
    geocoder = Geocoder(
        server.url(fault, "/geocodage"),
        cache_path=cache,
        http=http_for(fault),
        limiter=RateLimiter(1000),
    )
    with within():
        geocoding = geocode_rows(listing.rows, geocoder, *territory)
    summary = geocoding.summary
    assert summary["failed"] == 3 and summary["accepted"] == 0
    assert summary["requested"] == 1  # an outage: the other addresses are not sent
    if fault in NETWORK_FAULTS:
        assert re.search(NETWORK_FAULTS[fault], summary["unavailable"]), summary["unavailable"]
    [warning] = [r.getMessage() for r in warnings_seen]
    assert "API Adresse injoignable" in warning
    assert not cache.exists()  # a failure is never cached


def test_build_with_geocode_and_a_hanging_api_places_by_commune(server, tmp_path, monkeypatch):
    (tmp_path / "liste.csv").write_text(ADDRESSES, encoding="utf-8")
    args = ["build", "--services", str(tmp_path / "liste.csv"), "--out", str(tmp_path / "out")]
    url = server.url("hang", "/geocodage")
    monkeypatch.setattr(geocode_client, "GEOCODE_HTTP", SHORT)
    with within(30):
        result = CliRunner().invoke(cli, [*args, "--geocode", "--geocode-url", url])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("API Adresse injoignable") == 1
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["geocodage"]["failed"] == 3


# --- memory -----------------------------------------------------------------------------------


def _peak_while(run) -> tuple[int, int]:
    """Python's peak allocation (tracemalloc) while ``run()`` runs, and the growth of the
    process' peak resident size (in bytes)."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    return peak, rss_growth


@pytest.mark.parametrize("into", ["file", "memory"])
def test_a_gzip_bomb_stops_at_the_default_limit_without_growing_the_process(server, tmp_path, into):
    settings = HttpSettings(timeout=(2.0, 5.0), deadline=30.0, retries=0)  # 50 MB limit
    url = server.url("bomb", "/liste.csv")

    def run():
        with pytest.raises(FetchError, match=r"plus de 50000000 octets reçus, limite 50 Mo"):
            if into == "file":
                download(url, tmp_path / "liste.csv", settings=settings)
            else:
                read_url(url, settings=settings)

    with within(30):
        peak, rss_growth = _peak_while(run)
    assert peak < 100 * MEGABYTE, peak
    assert rss_growth < 150 * MEGABYTE, rss_growth
    assert list(tmp_path.iterdir()) == []


# --- listing files that never end -------------------------------------------------------------


def _validate(path: Path, *options: str):
    return CliRunner().invoke(cli, ["validate", "--services", str(path), *options])


def test_dev_zero_is_refused_at_the_limit():
    with within():
        result = _validate(Path("/dev/zero"), "--max-size", "1")
    assert result.exit_code == 1
    assert (
        "/dev/zero: fichier trop gros pour une liste de services (plus de 1000000 octets lus"
        in result.output
    )
    assert "--max-size" in result.output and "Traceback" not in result.output


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "liste.csv"
    big.write_bytes(LISTING.encode() + b"IPS;69123;actif\n" * 100_000)
    result = _validate(big, "--max-size", "1")
    assert result.exit_code == 1
    # Its size, not what was read: refused without reading it.
    assert f"{big}: fichier trop gros pour une liste de services (1600" in result.output
    assert "limite 1 Mo" in result.output


def test_a_pipe_that_never_ends_is_refused_at_the_limit(tmp_path):
    fifo = tmp_path / "liste.csv"
    os.mkfifo(fifo)
    written: list[int] = []

    def write():  # at most 3 MB, at most 10 s, then gone
        started = time.monotonic()
        while time.monotonic() - started < 10:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:  # no reader yet
                if exc.errno != errno.ENXIO:
                    return
                time.sleep(0.01)
        else:
            return
        os.set_blocking(fd, True)
        try:
            for _ in range(48):
                written.append(os.write(fd, b"nom\n" * 16384))
        except OSError:
            pass  # the reader stopped reading: what is expected
        finally:
            os.close(fd)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    with within():
        result = _validate(fifo, "--max-size", "1")
    writer.join(timeout=10)
    assert result.exit_code == 1
    assert "fichier trop gros pour une liste de services (plus de 1000000 octets lus" in (
        result.output
    )
    assert sum(written) < 3 * MEGABYTE  # the writer was stopped, not drained
