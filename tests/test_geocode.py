"""Geocoding addresses against a local server that reproduces the Géoplateforme's /search.

The fake API validates its parameters as the BAN front does (400 for a ``q`` shorter than
3 characters, a bad ``limit``, ``citycode`` or ``postcode``), applies the ``citycode`` and
``postcode`` filters and ``limit``, and answers GeoCodeJSON (a FeatureCollection whose
features carry score, label, citycode, postcode, city, type and a Point [lon, lat]).
Addresses and points are real: each lies in the commune and département it names.
"""

from __future__ import annotations

import csv
import json
import re
import socket
import threading

import pytest
import requests
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ips_map.cli import cli
from ips_map.geocode import (
    GEOCODE_COLUMNS,
    Geocoder,
    RateLimiter,
    geocode_listing,
    needs_geocoding,
)
from ips_map.geocode import client as geocode_client
from ips_map.listing.read import read_listing
from ips_map.places import place_services
from ips_map.settings import BuildSettings, default_geocode_url
from ips_map.sources.http import HttpSettings
from ips_map.territory.data import load_communes, load_departements, load_old_codes
from ips_map.territory.names import text_key
from ips_map.vocabulary import PLACEMENT_METHOD_LABELS, PLACEMENT_METHODS
from tests.helpers import write_listing

#: Real addresses: the query the client sends → what the BAN answers.
CLERMONT = {
    "q": "58 rue Montalembert 63000 Clermont-Ferrand",
    "label": "58 Rue Montalembert 63000 Clermont-Ferrand",
    "score": 0.97,
    "citycode": "63113",
    "postcode": "63000",
    "city": "Clermont-Ferrand",
    "lon": 3.1078,
    "lat": 45.7611,
}
TOURS_LOW = {
    "q": "12 rue Imaginaire 37000 Tours",
    "label": "Rue de l'Image 37000 Tours",
    "score": 0.31,
    "citycode": "37261",
    "postcode": "37000",
    "city": "Tours",
    "lon": 0.6881,
    "lat": 47.3920,
    "type": "street",
}
LYON = {
    "q": "1 place Bellecour 69002 Lyon",
    "label": "1 Place Bellecour 69002 Lyon",
    "score": 0.96,
    "citycode": "69382",
    "postcode": "69002",
    "city": "Lyon",
    "lon": 4.8320,
    "lat": 45.7578,
}
#: "Boulevard Paoli" exists in Bastia (2B): the BAN's best answer for a row in Ajaccio (2A).
BASTIA = {
    "q": "Boulevard Paoli Ajaccio",
    "label": "Boulevard Paoli 20200 Bastia",
    "score": 0.78,
    "citycode": "2B033",
    "postcode": "20200",
    "city": "Bastia",
    "lon": 9.4469,
    "lat": 42.6985,
    "type": "street",
}
HEADER = "nom,adresse,code_postal,commune,code_commune,departement\n"


class FakeAddressApi:
    """``GET /geocodage/search`` as the Géoplateforme answers it."""

    def __init__(self):
        self.answers: dict[str, list[dict]] = {}
        self.delays: list[float] = []  # seconds to wait before the next answers
        self.delays_given: list[float] = []
        self.seen: list[dict] = []
        self.done = threading.Event()  # set when the test ends: late answers stop waiting

    def add(self, **answer) -> None:
        self.answers.setdefault(text_key(answer["q"]), []).append(answer)

    @staticmethod
    def _error(message: str) -> Response:
        body = json.dumps({"code": 400, "message": message})
        return Response(body, status=400, content_type="application/json")

    def __call__(self, request: Request) -> Response:
        args = request.args.to_dict()
        self.seen.append(args)
        if self.delays:
            self.delays_given.append(self.delays.pop(0))
            self.done.wait(self.delays_given[-1])
        q = args.get("q", "").strip()
        if not q:
            return self._error("q is a required param")
        if len(q) < 3 or not (q[0].isdigit() or q[0].lower() != q[0].upper()):
            return self._error(
                "q must contain at least 3 chars and start with a number or a letter"
            )
        limit = args.get("limit", "5")
        if not limit.isdigit() or not 1 <= int(limit) < 100:
            return self._error("limit must be an integer between 1 and 100")
        if args.get("autocomplete", "0") not in ("0", "1", "true", "false"):
            return self._error("autocomplete must be a boolean value 0 or 1")
        if "postcode" in args and not re.fullmatch(r"\d[AB\d]\d{3}", args["postcode"]):
            return self._error("postcode not valid")
        if "citycode" in args and not re.fullmatch(r"\d{5}", args["citycode"]):
            return self._error("citycode not valid")
        filters = {k: args[k] for k in ("citycode", "postcode", "type") if k in args}
        found = [
            a
            for a in self.answers.get(text_key(q), [])
            if all(
                a.get(k, "housenumber" if k == "type" else None) == v for k, v in filters.items()
            )
        ]
        collection = {
            "type": "FeatureCollection",
            "version": "draft",
            "features": [self._feature(a) for a in found[: int(limit)]],
            "attribution": "BAN",
            "licence": "ETALAB-2.0",
            "query": q,
            "filters": filters,
            "limit": int(limit),
        }
        return Response(json.dumps(collection), content_type="application/json; charset=utf-8")

    @staticmethod
    def _feature(a: dict) -> dict:
        kind = a.get("type", "housenumber")
        number, _, street = a["label"].partition(" ")
        properties = {
            "label": a["label"],
            "score": a["score"],
            "id": f"{a['citycode']}_0001_00001",
            "name": a["label"].rsplit(f" {a['postcode']}", 1)[0],
            "postcode": a["postcode"],
            "citycode": a["citycode"],
            "x": 700000.0,
            "y": 6500000.0,
            "city": a["city"],
            "context": f"{a['citycode'][:2]}, …",
            "type": kind,
            "importance": 0.6,
            "street": street if kind == "housenumber" else a["label"],
            "_type": "address",
        }
        if kind == "housenumber":
            properties["housenumber"] = number
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [a["lon"], a["lat"]]},
            "properties": properties,
        }


class Sleeps:
    """Records the waits asked for instead of sleeping."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class FakeClock:
    """A monotonic clock that only moves when slept on."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def api(httpserver):
    fake = FakeAddressApi()
    for answer in (CLERMONT, TOURS_LOW, LYON, BASTIA):
        fake.add(**answer)
    httpserver.expect_request("/geocodage/search").respond_with_handler(fake)
    return fake


@pytest.fixture
def slow_api():
    """The fake API on a threaded server, so that a late answer does not hold the next."""
    server = HTTPServer(threaded=True)
    server.start()
    fake = FakeAddressApi()
    fake.add(**CLERMONT)
    server.expect_request("/geocodage/search").respond_with_handler(fake)
    fake.url = server.url_for("/geocodage")
    yield fake
    fake.done.set()  # late answers end now, not after their delay
    server.clear()
    server.stop()


@pytest.fixture
def base(httpserver) -> str:
    return httpserver.url_for("/geocodage")


@pytest.fixture(autouse=True)
def user_cache(tmp_path, monkeypatch):
    """Builds keep their geocoding cache in the user's cache folder: a temporary one here."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("IPS_MAP_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fast(sleeps) -> HttpSettings:
    return HttpSettings(timeout=(1.0, 0.3), retries=2, backoff=0.5, max_wait=10.0, sleep=sleeps)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_geocoder(base, fast, clock, tmp_path):
    def make(url: str | None = None, **kwargs) -> Geocoder:
        kwargs.setdefault("cache_path", tmp_path / "cache" / "geocodage.json")
        kwargs.setdefault("http", fast)
        kwargs.setdefault("limiter", RateLimiter(clock=clock, sleep=clock.sleep))
        return Geocoder(url or base, **kwargs)

    return make


@pytest.fixture(scope="module")
def territory():
    return load_departements(), load_communes(), load_old_codes()


def listing_of(tmp_path, *lines: str):
    return read_listing(write_listing(tmp_path / "liste.csv", HEADER + "\n".join(lines) + "\n"))


def run(tmp_path, territory, geocoder, *lines: str, min_score: float = 0.5):
    """Read a listing, geocode it, place it; return (geocoding, services by name)."""
    departements, communes, old_codes = territory
    listing, geocoding = geocode_listing(
        listing_of(tmp_path, *lines), geocoder, communes, old_codes, min_score=min_score
    )
    placement = place_services(listing, departements, communes, old_codes)
    assert placement.rejects == []
    services = {s["nom"]: s for s in placement.services.to_dict("records")}
    return geocoding, services


CLERMONT_ROW = "CHU,58 rue Montalembert,63000,Clermont-Ferrand,63113,63"
TOURS_ROW = "Tours,12 rue Imaginaire,37000,Tours,37261,37"
UNKNOWN_ROW = "Inconnu,3 impasse Nulle Part,63000,Clermont-Ferrand,63113,63"


def test_an_address_is_geocoded_and_placed_as_such(tmp_path, territory, api, make_geocoder):
    geocoding, services = run(tmp_path, territory, make_geocoder(), CLERMONT_ROW)
    assert api.seen == [
        {"q": CLERMONT["q"], "limit": "1", "autocomplete": "0", "citycode": "63113"}
    ]
    service = services["CHU"]
    assert service["methode"] == "adresse_geocodee"
    assert service["code_departement"] == "63"
    assert (service["geometry"].x, service["geometry"].y) == (CLERMONT["lon"], CLERMONT["lat"])
    assert service["geocodage_statut"] == "accepte"
    assert service["geocodage_score"] == 0.97
    assert service["geocodage_label"] == CLERMONT["label"]
    assert service["geocodage_requete"] == f"{CLERMONT['q']} [citycode=63113]"
    assert geocoding.summary["requested"] == 1
    assert geocoding.summary["accepted"] == 1
    assert geocoding.summary["candidates"] == 1


def test_rows_with_coordinates_or_without_address_are_not_sent(
    tmp_path, territory, api, make_geocoder
):
    departements, communes, old_codes = territory
    path = write_listing(
        tmp_path / "l.csv",
        "nom,adresse,commune,latitude,longitude\n"
        "Placé,58 rue Montalembert,Clermont-Ferrand,45.77,3.08\n"
        "Sans adresse,,Tours,,\n",
    )
    listing, geocoding = geocode_listing(read_listing(path), make_geocoder(), communes, old_codes)
    assert api.seen == []
    assert geocoding.summary["candidates"] == 0
    assert list(listing.rows["geocodage_statut"]) == ["", ""]


def test_paris_lyon_marseille_use_the_postcode_and_accept_the_arrondissement(
    tmp_path, territory, api, make_geocoder
):
    _, services = run(
        tmp_path, territory, make_geocoder(), "Lyon,1 place Bellecour,69002,Lyon,69123,69"
    )
    assert api.seen[0]["postcode"] == "69002" and "citycode" not in api.seen[0]
    assert services["Lyon"]["methode"] == "adresse_geocodee"
    assert services["Lyon"]["code_departement"] == "69"


def test_an_arrondissement_code_is_its_own_citycode(tmp_path, territory, api, make_geocoder):
    _, services = run(
        tmp_path, territory, make_geocoder(), "Lyon 2e,1 place Bellecour,69002,Lyon,69382,69"
    )
    assert api.seen[0]["citycode"] == "69382" and "postcode" not in api.seen[0]
    assert services["Lyon 2e"]["geocodage_statut"] == "accepte"
    assert services["Lyon 2e"]["methode"] == "adresse_geocodee"


def test_a_commune_name_alone_gives_the_citycode(tmp_path, territory, api, make_geocoder):
    _, services = run(
        tmp_path, territory, make_geocoder(), "CHU,58 rue Montalembert,63000,Clermont-Ferrand,,"
    )
    assert api.seen[0]["citycode"] == "63113"
    assert services["CHU"]["methode"] == "adresse_geocodee"


def test_a_low_score_is_rejected_and_the_commune_places_the_row(
    tmp_path, territory, api, make_geocoder
):
    geocoding, services = run(tmp_path, territory, make_geocoder(), TOURS_ROW)
    service = services["Tours"]
    assert service["methode"] == "code_commune"
    assert service["geocodage_statut"] == "score_faible"
    assert service["geocodage_score"] == 0.31
    assert service["geocodage_label"] == TOURS_LOW["label"]
    assert geocoding.summary["rejected_low_score"] == 1
    assert geocoding.summary["accepted"] == 0
    (note,) = geocoding.problems
    assert note.ligne == 2 and "0.31" in note.message and "0.50" in note.message


def test_a_lower_threshold_keeps_it(tmp_path, territory, api, make_geocoder):
    _, services = run(tmp_path, territory, make_geocoder(), TOURS_ROW, min_score=0.3)
    assert services["Tours"]["methode"] == "adresse_geocodee"


def test_an_answer_in_another_commune_is_rejected(tmp_path, territory, api, make_geocoder):
    # "2A004" cannot be sent as citycode (5 digits only) and the row has no postcode:
    # the API answers its best guess anywhere, here in Bastia (2B).
    geocoding, services = run(
        tmp_path, territory, make_geocoder(), "Ajaccio,Boulevard Paoli,,Ajaccio,2A004,2A"
    )
    assert "citycode" not in api.seen[0] and "postcode" not in api.seen[0]
    service = services["Ajaccio"]
    assert service["geocodage_statut"] == "autre_commune"
    assert service["methode"] == "code_commune"
    assert service["code_departement"] == "2A"
    assert geocoding.summary["rejected_commune"] == 1
    assert "2B033" in geocoding.problems[0].message


def test_an_answer_outside_the_stated_departement_is_rejected(
    tmp_path, territory, api, make_geocoder
):
    departements, communes, old_codes = territory
    path = write_listing(
        tmp_path / "l.csv", "nom,adresse,departement\nCorse,Boulevard Paoli Ajaccio,2A\n"
    )
    listing, geocoding = geocode_listing(read_listing(path), make_geocoder(), communes, old_codes)
    assert listing.rows["geocodage_statut"].tolist() == ["autre_commune"]
    assert "hors du département 2A" in geocoding.problems[0].message


def test_not_found_and_unreadable_addresses(tmp_path, territory, api, make_geocoder):
    geocoding, services = run(
        tmp_path, territory, make_geocoder(), UNKNOWN_ROW, "Tiret,-,,,37261,37"
    )
    assert services["Inconnu"]["geocodage_statut"] == "introuvable"
    assert services["Inconnu"]["methode"] == "code_commune"
    assert services["Tiret"]["geocodage_statut"] == "adresse_illisible"
    assert services["Tiret"]["methode"] == "code_commune"
    assert len(api.seen) == 1  # a "-" is never sent (the API would answer 400)
    assert geocoding.summary["not_found"] == 1 and geocoding.summary["skipped"] == 1


def test_the_fake_api_refuses_short_queries_as_the_real_one(api, base):
    response = requests.get(f"{base}/search", params={"q": "ab"}, timeout=5)
    assert response.status_code == 400
    assert "at least 3 chars" in response.json()["message"]
    assert (
        requests.get(
            f"{base}/search", params={"q": "abc", "citycode": "2A004"}, timeout=5
        ).status_code
        == 400
    )


def test_a_refused_query_fails_its_row_only(
    tmp_path, territory, api, httpserver, make_geocoder, sleeps, warnings_seen
):
    httpserver.expect_oneshot_request("/geocodage/search").respond_with_json(
        {"code": 400, "message": "q must contain at least 3 chars"}, status=400
    )
    geocoding, services = run(tmp_path, territory, make_geocoder(), TOURS_ROW, CLERMONT_ROW)
    assert services["Tours"]["geocodage_statut"] == "echec"
    assert services["CHU"]["methode"] == "adresse_geocodee"
    assert geocoding.summary["failed"] == 1 and geocoding.summary["unavailable"] == ""
    assert sleeps.calls == [] and warnings_seen == []
    assert "400" in geocoding.problems[0].message


def test_429_waits_for_retry_after_then_succeeds(
    tmp_path, territory, api, httpserver, make_geocoder, sleeps
):
    httpserver.expect_oneshot_request("/geocodage/search").respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "5"}
    )
    geocoding, services = run(tmp_path, territory, make_geocoder(), CLERMONT_ROW)
    assert sleeps.calls == [5.0]
    assert len(httpserver.log) == 2
    assert services["CHU"]["methode"] == "adresse_geocodee"
    assert geocoding.summary["requested"] == 1 and geocoding.summary["failed"] == 0


def test_500_is_retried_with_backoff(tmp_path, territory, api, httpserver, make_geocoder, sleeps):
    httpserver.expect_oneshot_request("/geocodage/search").respond_with_data("oops", status=500)
    _, services = run(tmp_path, territory, make_geocoder(), CLERMONT_ROW)
    assert sleeps.calls == [0.5]
    assert services["CHU"]["methode"] == "adresse_geocodee"


def test_a_timeout_is_retried(tmp_path, territory, slow_api, make_geocoder, sleeps):
    slow_api.delays = [0.8]  # longer than the read timeout (0.3 s), once
    _, services = run(tmp_path, territory, make_geocoder(slow_api.url), CLERMONT_ROW)
    assert sleeps.calls == [0.5]
    assert len(slow_api.seen) == 2
    assert services["CHU"]["methode"] == "adresse_geocodee"


def test_an_api_that_keeps_timing_out_is_an_outage(
    tmp_path, territory, slow_api, make_geocoder, sleeps, warnings_seen
):
    slow_api.delays = [0.8] * 3
    geocoder = make_geocoder(slow_api.url)
    geocoding, services = run(tmp_path, territory, geocoder, CLERMONT_ROW, TOURS_ROW)
    assert {s["methode"] for s in services.values()} == {"code_commune"}
    assert sleeps.calls == [0.5, 1.0]
    assert len(slow_api.seen) == 3  # the second address is not sent
    assert geocoding.summary["failed"] == 2
    assert "Timeout" in geocoding.summary["unavailable"]
    assert len(warnings_seen) == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_down_falls_back_to_the_commune_with_one_warning(
    tmp_path, territory, make_geocoder, sleeps, warnings_seen
):
    geocoder = make_geocoder(f"http://127.0.0.1:{free_port()}/geocodage")
    rows = [CLERMONT_ROW, TOURS_ROW, "Lyon,1 place Bellecour,69002,Lyon,69123,69"]
    geocoding, services = run(tmp_path, territory, geocoder, *rows)
    # One address tried (with its retries); the others are not sent once the API is down.
    assert sleeps.calls == [0.5, 1.0]
    assert geocoding.summary["requested"] == 1
    assert geocoding.summary["failed"] == 3
    assert [s["methode"] for s in services.values()] == ["code_commune"] * 3
    assert {s["geocodage_statut"] for s in services.values()} == {"echec"}
    assert len(warnings_seen) == 1
    assert "injoignable" in warnings_seen[0].getMessage()
    assert "3 adresses non géocodées, placées par la commune" in warnings_seen[0].getMessage()
    assert not (tmp_path / "cache" / "geocodage.json").exists()  # failures are never cached


def test_a_rebuild_asks_nothing_already_answered(
    tmp_path, territory, api, httpserver, make_geocoder
):
    rows = (CLERMONT_ROW, TOURS_ROW, UNKNOWN_ROW)
    first, _ = run(tmp_path, territory, make_geocoder(), *rows)
    assert first.summary["requested"] == 3 and first.summary["cached"] == 0
    assert len(httpserver.log) == 3

    # A new geocoder (as in a new process) reads the cache file: no request at all, even for
    # the low score and the address not found.
    second, services = run(tmp_path, territory, make_geocoder(), *rows)
    assert len(httpserver.log) == 3
    assert second.summary["requested"] == 0 and second.summary["cached"] == 3
    assert services["CHU"]["methode"] == "adresse_geocodee"
    assert services["Tours"]["geocodage_statut"] == "score_faible"
    assert services["Inconnu"]["geocodage_statut"] == "introuvable"

    # The raw answer is cached, so another threshold needs no request either.
    _, services = run(tmp_path, territory, make_geocoder(), *rows, min_score=0.3)
    assert services["Tours"]["methode"] == "adresse_geocodee"
    assert len(httpserver.log) == 3


def test_cache_file_holds_dated_answers_and_misses(tmp_path, territory, api, make_geocoder):
    run(tmp_path, territory, make_geocoder(), CLERMONT_ROW, UNKNOWN_ROW)
    data = json.loads((tmp_path / "cache" / "geocodage.json").read_text(encoding="utf-8"))
    entries = data["entrees"]
    assert len(entries) == 2
    found = entries["58 rue montalembert 63000 clermont ferrand|citycode=63113"]
    assert found["trouve"] is True and found["score"] == 0.97 and found["citycode"] == "63113"
    miss = entries["3 impasse nulle part 63000 clermont ferrand|citycode=63113"]
    assert miss["trouve"] is False
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", e["date"]) for e in entries.values()
    )


def test_same_address_twice_is_asked_once(tmp_path, territory, api, httpserver, make_geocoder):
    geocoding, _ = run(
        tmp_path, territory, make_geocoder(), CLERMONT_ROW, CLERMONT_ROW.replace("CHU", "Bis")
    )
    assert len(httpserver.log) == 1
    assert geocoding.summary["requested"] == 1 and geocoding.summary["cached"] == 1


def test_an_unreadable_cache_is_ignored(tmp_path, territory, api, make_geocoder, warnings_seen):
    cache = tmp_path / "cache" / "geocodage.json"
    cache.parent.mkdir()
    cache.write_text("{not json", encoding="utf-8")
    _, services = run(tmp_path, territory, make_geocoder(), CLERMONT_ROW)
    assert services["CHU"]["methode"] == "adresse_geocodee"
    assert "illisible" in warnings_seen[0].getMessage()
    assert json.loads(cache.read_text(encoding="utf-8"))["version"] == 1


def test_requests_are_spaced_for_50_per_second(tmp_path, territory, api, make_geocoder, clock):
    times: list[float] = []
    addresses = [f"{n} rue Montalembert" for n in range(1, 6)]
    rows = [f"S{n},{a},63000,Clermont-Ferrand,63113,63" for n, a in enumerate(addresses)]
    geocoder = make_geocoder()
    # The fake clock only moves when the limiter sleeps: its time at each answer is the
    # time the request was let through.
    geocoder.session.hooks["response"].append(lambda r, *a, **k: times.append(clock.now))
    run(tmp_path, territory, geocoder, *rows)
    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(gap >= 0.02 - 1e-9 for gap in gaps)
    assert clock.sleeps == pytest.approx([0.02] * 4)


def test_rate_limiter_does_not_wait_when_time_has_passed():
    clock = FakeClock()
    limiter = RateLimiter(50, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 1.0
    limiter.wait()
    limiter.wait()
    assert clock.sleeps == pytest.approx([0.02])


def test_base_url_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("IPS_MAP_GEOCODE_URL", raising=False)
    assert default_geocode_url() == "https://data.geopf.fr/geocodage"
    assert BuildSettings().geocode_url == "https://data.geopf.fr/geocodage"
    monkeypatch.setenv("IPS_MAP_GEOCODE_URL", "http://127.0.0.1:9/geo")
    assert BuildSettings().geocode_url == "http://127.0.0.1:9/geo"
    assert BuildSettings().geocode is False
    monkeypatch.setenv("IPS_MAP_CACHE_DIR", "/tmp/ips-cache")
    assert str(BuildSettings().geocode_cache_path) == "/tmp/ips-cache/geocodage.json"
    assert str(BuildSettings(cache_dir="/srv/c").geocode_cache_path) == "/srv/c/geocodage.json"


def test_the_method_has_labels():
    assert "adresse_geocodee" in PLACEMENT_METHODS and "adresse_geocodee" in PLACEMENT_METHOD_LABELS


# --- the command line ------------------------------------------------------------------------


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_build_with_geocode_writes_score_and_label(tmp_path, api, base, httpserver, user_cache):
    listing = write_listing(tmp_path / "liste.csv", HEADER + CLERMONT_ROW + "\n" + TOURS_ROW + "\n")
    out = tmp_path / "out"
    args = [
        "build",
        "--services",
        str(listing),
        "--out",
        str(out),
        "--geocode",
        "--geocode-url",
        base,
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = {r["nom"]: r for r in read_csv(out / "services.csv")}
    assert set(GEOCODE_COLUMNS) <= set(rows["CHU"])
    assert rows["CHU"]["methode"] == "adresse_geocodee"
    assert rows["CHU"]["geocodage_score"] == "0,97"  # French CSV: a decimal comma
    assert rows["CHU"]["geocodage_label"] == CLERMONT["label"]
    assert rows["CHU"]["geocodage_statut"] == "accepte"
    assert float(rows["CHU"]["latitude_placee"].replace(",", ".")) == CLERMONT["lat"]
    assert rows["Tours"]["methode"] == "code_commune"
    assert rows["Tours"]["geocodage_statut"] == "score_faible"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    block = summary["geocodage"]
    assert block["enabled"] is True
    assert (block["requested"], block["cached"], block["accepted"]) == (2, 0, 1)
    assert (block["rejected_low_score"], block["failed"]) == (1, 0)
    assert summary["placements"]["adresse_geocodee"] == 1
    assert (user_cache / "geocodage.json").is_file()
    assert not (out / "cache").exists()

    # The same build again: everything from the cache.
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert len(httpserver.log) == 2
    block = json.loads((out / "summary.json").read_text(encoding="utf-8"))["geocodage"]
    assert (block["requested"], block["cached"]) == (0, 2)


def test_build_takes_the_url_from_the_environment(tmp_path, api, base, httpserver):
    listing = write_listing(tmp_path / "liste.csv", HEADER + CLERMONT_ROW + "\n")
    result = CliRunner(env={"IPS_MAP_GEOCODE_URL": base}).invoke(
        cli, ["build", "--services", str(listing), "--out", str(tmp_path / "o"), "--geocode"]
    )
    assert result.exit_code == 0, result.output
    assert len(httpserver.log) == 1


def test_build_without_geocode_says_addresses_wait(tmp_path, api, httpserver):
    listing = write_listing(tmp_path / "liste.csv", HEADER + CLERMONT_ROW + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--services", str(listing), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "--geocode" in result.output
    assert len(httpserver.log) == 0
    assert read_csv(out / "services.csv")[0]["methode"] == "code_commune"
    block = json.loads((out / "summary.json").read_text(encoding="utf-8"))["geocodage"]
    assert block["enabled"] is False and block["candidates"] == 1 and block["requested"] == 0


def test_build_with_the_api_down_places_rows_and_warns_once(tmp_path, monkeypatch):
    monkeypatch.setattr(
        geocode_client, "GEOCODE_HTTP", HttpSettings(timeout=(1.0, 1.0), retries=1, sleep=Sleeps())
    )
    listing = write_listing(tmp_path / "liste.csv", HEADER + CLERMONT_ROW + "\n" + TOURS_ROW + "\n")
    url = f"http://127.0.0.1:{free_port()}/geocodage"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["build", "--services", str(listing), "--out", str(out), "--geocode", "--geocode-url", url],
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("API Adresse injoignable") == 1
    assert [r["methode"] for r in read_csv(out / "services.csv")] == ["code_commune"] * 2
    block = json.loads((out / "summary.json").read_text(encoding="utf-8"))["geocodage"]
    assert block["failed"] == 2 and block["unavailable"]


def test_summary_publishes_the_api_url_without_credentials(tmp_path, api, base, httpserver):
    listing = write_listing(tmp_path / "liste.csv", HEADER + CLERMONT_ROW + "\n")
    out = tmp_path / "out"
    secret = base.replace("://", "://moi:secret@", 1)
    args = ["build", "--services", str(listing), "--out", str(out), "--geocode"]
    result = CliRunner().invoke(cli, [*args, "--geocode-url", secret])
    assert result.exit_code == 0, result.output
    block = json.loads((out / "summary.json").read_text(encoding="utf-8"))["geocodage"]
    assert block["url"] == base.rstrip("/")
    assert "secret" not in (out / "summary.json").read_text(encoding="utf-8")


def test_each_address_advances_the_progress(tmp_path, territory, api, make_geocoder):
    # The build's bar "Géocodage des adresses n/N" counts each address, cached or asked.
    departements, communes, old_codes = territory
    listing = listing_of(tmp_path, CLERMONT_ROW, TOURS_ROW, UNKNOWN_ROW)
    done: list[int] = []
    geocode_listing(listing, make_geocoder(), communes, old_codes, advance=done.append)
    assert done == [1, 1, 1]
    assert int(needs_geocoding(listing.rows).sum()) == 3
