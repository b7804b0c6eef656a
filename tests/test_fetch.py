"""Downloads against real local servers: retries, Retry-After, truncation, atomicity, cache."""

from __future__ import annotations

import hashlib
import socket
import threading
import time

import pytest
from werkzeug import Response

from ips_map.sources.cache import cached_download
from ips_map.sources.http import FetchError, HttpSettings, download, request

BODY = b"code;population\n01;679344\n" * 50


def test_download_writes_file_and_record(httpserver, tmp_path, fast):
    httpserver.expect_request("/data.csv").respond_with_data(BODY, content_type="text/csv")
    record = download(httpserver.url_for("/data.csv"), tmp_path / "data.csv", settings=fast)
    assert (tmp_path / "data.csv").read_bytes() == BODY
    assert record.sha256 == hashlib.sha256(BODY).hexdigest()
    assert record.size == len(BODY)
    assert record.date.endswith("+00:00")
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]


def test_user_agent_names_ips_map(httpserver, tmp_path, fast):
    httpserver.expect_request("/ua").respond_with_data(b"ok")
    download(httpserver.url_for("/ua"), tmp_path / "ua", settings=fast)
    request_seen, _ = httpserver.log[0]
    assert request_seen.headers["User-Agent"].startswith("ips-map/")


def test_404_fails_at_once_and_keeps_previous_file(httpserver, tmp_path, fast, sleeps):
    target = tmp_path / "data.csv"
    target.write_bytes(b"previous")
    httpserver.expect_request("/missing").respond_with_data(b"nope", status=404)
    with pytest.raises(FetchError, match="404"):
        download(httpserver.url_for("/missing"), target, settings=fast)
    assert target.read_bytes() == b"previous"
    assert sleeps.calls == []
    assert len(httpserver.log) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]


def test_server_errors_are_retried_with_backoff(httpserver, tmp_path, fast, sleeps):
    httpserver.expect_ordered_request("/flaky").respond_with_data(b"oops", status=500)
    httpserver.expect_ordered_request("/flaky").respond_with_data(b"oops", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_data(BODY)
    download(httpserver.url_for("/flaky"), tmp_path / "f", settings=fast)
    assert (tmp_path / "f").read_bytes() == BODY
    assert sleeps.calls == [0.5, 1.0]


def test_retry_after_is_honoured(httpserver, tmp_path, fast, sleeps):
    httpserver.expect_ordered_request("/busy").respond_with_data(
        b"", status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_ordered_request("/busy").respond_with_data(BODY)
    download(httpserver.url_for("/busy"), tmp_path / "b", settings=fast)
    assert sleeps.calls == [3.0]


def test_retry_after_longer_than_allowed_fails_at_once(httpserver, tmp_path, fast, sleeps):
    # Asking again before the server allows it would only be refused again: a wait longer
    # than max_wait (5 s here), or than what is left of the deadline, is not waited.
    httpserver.expect_ordered_request("/busy").respond_with_data(
        b"", status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_ordered_request("/busy").respond_with_data(
        b"", status=429, headers={"Retry-After": "3600"}
    )
    with pytest.raises(FetchError, match=r"demande d'attendre 3600 s .*abandon sans attendre"):
        download(httpserver.url_for("/busy"), tmp_path / "b", settings=fast)
    assert sleeps.calls == [3.0]
    assert len(httpserver.log) == 2 and list(tmp_path.iterdir()) == []


def test_retry_after_longer_than_the_deadline_left_fails_at_once(httpserver, tmp_path, sleeps):
    settings = HttpSettings(timeout=(2.0, 5.0), deadline=2.0, max_wait=60.0, sleep=sleeps)
    httpserver.expect_request("/busy").respond_with_data(
        b"", status=503, headers={"Retry-After": "10"}
    )
    with pytest.raises(FetchError, match=r"attendre 10 s .*plus que les [0-2] s possibles"):
        download(httpserver.url_for("/busy"), tmp_path / "b", settings=settings)
    assert sleeps.calls == [] and len(httpserver.log) == 1


def test_every_attempt_failing_raises_and_leaves_nothing(httpserver, tmp_path, fast, sleeps):
    httpserver.expect_request("/down").respond_with_data(b"", status=500)
    with pytest.raises(FetchError, match="3 tentative"):
        download(httpserver.url_for("/down"), tmp_path / "d", settings=fast)
    assert len(httpserver.log) == 3
    assert list(tmp_path.iterdir()) == []


def test_timeout_is_retried_then_reported(httpserver, tmp_path, sleeps):
    def slow(_request):
        time.sleep(0.6)
        return Response(b"late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    settings = HttpSettings(timeout=(1.0, 0.2), retries=1, backoff=0.1, sleep=sleeps)
    with pytest.raises(FetchError, match="Timeout"):
        download(httpserver.url_for("/slow"), tmp_path / "s", settings=settings)
    assert sleeps.calls == [0.1]
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def raw_server():
    """A raw socket server: it answers the requests with the bytes it is given (``answer``,
    a list set by the test: the n-th request gets the n-th item, or the last one) and counts
    the requests (``hits``)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    answer: list[bytes] = []
    hits: list[int] = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                hits.append(1)
                conn.sendall(answer[min(len(hits), len(answer)) - 1])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/file", answer, hits
    server.close()


def test_truncated_body_is_refused(raw_server, tmp_path, fast):
    url, answer, hits = raw_server
    # 1,000 bytes announced, 10 sent, then the connection closes.
    answer.append(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
    target = tmp_path / "t"
    target.write_bytes(b"previous")
    with pytest.raises(FetchError, match="tentative"):
        download(url, target, settings=fast)
    assert target.read_bytes() == b"previous"
    assert len(hits) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


def test_chunked_body_cut_short_is_refused(raw_server, tmp_path, fast):
    url, answer, hits = raw_server
    # One chunk, then the connection closes before the last (empty) chunk.
    answer.append(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nnom;v\r\n")
    with pytest.raises(FetchError, match=r"transfert interrompu .* après 3 tentative"):
        download(url, tmp_path / "c", settings=fast)
    assert len(hits) == 3 and list(tmp_path.iterdir()) == []


def test_wrong_checksum_is_refused(httpserver, tmp_path, fast):
    httpserver.expect_request("/x").respond_with_data(BODY)
    with pytest.raises(FetchError, match="sha256"):
        download(httpserver.url_for("/x"), tmp_path / "x", settings=fast, sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_validator_refusal_keeps_previous_file(httpserver, tmp_path, fast):
    target = tmp_path / "v"
    target.write_bytes(b"previous")
    httpserver.expect_request("/v").respond_with_data(b"changed columns")

    def refuse(path):
        assert path != target and path.read_bytes() == b"changed columns"
        raise FetchError("colonnes inattendues")

    with pytest.raises(FetchError, match="colonnes"):
        download(httpserver.url_for("/v"), target, settings=fast, validate=refuse)
    assert target.read_bytes() == b"previous"


def test_request_returns_json_response(httpserver, fast):
    httpserver.expect_request("/api", query_string="q=lyon").respond_with_json([{"nom": "Lyon"}])
    response = request(httpserver.url_for("/api"), params={"q": "lyon"}, settings=fast)
    assert response.json() == [{"nom": "Lyon"}]


def test_cache_serves_fresh_copy_without_request(httpserver, tmp_path, fast):
    httpserver.expect_request("/c").respond_with_data(BODY)
    url = httpserver.url_for("/c")
    first = cached_download(url, tmp_path, settings=fast, max_age=3600)
    second = cached_download(url, tmp_path, settings=fast, max_age=3600)
    assert len(httpserver.log) == 1
    assert second.from_cache and second.sha256 == first.sha256


def test_cache_is_used_when_network_is_down(httpserver, tmp_path, fast, caplog):
    httpserver.expect_request("/c").respond_with_data(BODY)
    url = httpserver.url_for("/c")
    first = cached_download(url, tmp_path, settings=fast)
    httpserver.clear()
    httpserver.expect_request("/c").respond_with_data(b"", status=503)
    with caplog.at_level("WARNING", logger="ips_map"):
        again = cached_download(url, tmp_path, settings=fast)
    assert again.from_cache and again.path.read_bytes() == BODY
    assert first.date in caplog.text


def test_error_responses_are_never_cached(httpserver, tmp_path, fast):
    httpserver.expect_request("/e").respond_with_data(b"error page", status=500)
    with pytest.raises(FetchError, match="le serveur répond 500"):
        cached_download(httpserver.url_for("/e"), tmp_path, settings=fast)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_leaves_nothing_and_is_not_retried(httpserver, tmp_path, fast):
    # Ctrl-C (or any error that is not a truncated body) while receiving: the temporary
    # file goes, the previous file stays, and nothing asks the server again.
    target = tmp_path / "big"
    target.write_bytes(b"previous")
    httpserver.expect_request("/big").respond_with_data(BODY)

    def interrupt(size, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        download(httpserver.url_for("/big"), target, settings=fast, progress=interrupt)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["big"]
    assert len(httpserver.log) == 1


def test_truncated_then_complete_body_is_kept(raw_server, tmp_path, fast, sleeps):
    url, answer, hits = raw_server
    answer.append(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
    answer.append(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfull")
    record = download(url, tmp_path / "t", settings=fast)
    assert (tmp_path / "t").read_bytes() == b"full" and record.size == 4
    assert len(hits) == 2 and sleeps.calls == [0.5]
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


@pytest.mark.parametrize("length", ["abc", "-5"])
def test_content_length_that_is_not_a_number_is_an_unknown_length(
    raw_server, tmp_path, fast, length
):
    url, answer, _ = raw_server
    answer.append(
        f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n".encode() + BODY
    )
    sizes = []
    record = download(
        url, tmp_path / "f", settings=fast, progress=lambda size, total: sizes.append(total)
    )
    assert (tmp_path / "f").read_bytes() == BODY and record.size == len(BODY)
    assert set(sizes) == {None}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connection_is_said_in_french(tmp_path, fast):
    url = f"http://127.0.0.1:{_closed_port()}/data.csv"
    with pytest.raises(FetchError) as info:
        download(url, tmp_path / "d", settings=fast)
    message = str(info.value)
    assert message.startswith(f"{url}: connexion impossible : refusée par le serveur, échec")
    assert message.endswith("(détail : ConnectionError, ConnectionRefusedError, errno 111).")
    assert "Max retries" not in message and "HTTPConnectionPool" not in message


def test_timeout_is_said_in_french(httpserver, tmp_path, sleeps):
    def slow(_request):
        time.sleep(0.6)
        return Response(b"late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    settings = HttpSettings(timeout=(1.0, 0.2), retries=0, sleep=sleeps)
    with pytest.raises(FetchError) as info:
        download(httpserver.url_for("/slow"), tmp_path / "s", settings=settings)
    message = str(info.value)
    assert "délai de réponse dépassé" in message and "(détail : ReadTimeout" in message
    assert "read timeout=" not in message and "HTTPConnectionPool" not in message


def test_unknown_host_is_said_in_french(tmp_path, fast):
    # .invalid never resolves (RFC 2606): no request leaves the machine.
    with pytest.raises(FetchError, match="serveur injoignable : nom de domaine introuvable"):
        download("http://ips-map.invalid/x.csv", tmp_path / "x", settings=fast)


def test_server_errors_are_said_in_french(httpserver, tmp_path, fast):
    httpserver.expect_request("/down").respond_with_data(b"", status=503)
    with pytest.raises(FetchError, match=r"le serveur répond 503, échec après 3 tentative"):
        download(httpserver.url_for("/down"), tmp_path / "d", settings=fast)
