"""Shared fixtures: the real-data builds that many tests read, made once per run (by one
xdist worker, read back by the others) and never modified by a test; one Chromium per
session; a private cache."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path

# Before ips_map is imported (it keeps Folium's compiled templates in the cache as it is
# imported) and before any fixture (the session's and modules' builds are made before the
# first test's own fixtures run): a cache and a memo folder of the session's, never the
# user's. Each test then gets a cache of its own (_private_cache); the memo stays shared.
_SESSION = Path(tempfile.mkdtemp(prefix="ips-map-tests-"))
atexit.register(shutil.rmtree, _SESSION, ignore_errors=True)
os.environ["IPS_MAP_CACHE_DIR"] = str(_SESSION / "cache")
os.environ["IPS_MAP_MEMO_DIR"] = str(_SESSION / "calculs")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from ips_map.pipeline import build  # noqa: E402
from ips_map.settings import BuildSettings  # noqa: E402
from ips_map.sources.http import HttpSettings  # noqa: E402
from tests.helpers import made_once  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# No per-example deadline: it is a timed assertion, and fails on a busy machine (speed is the
# benchmarks' business). The number of examples stays each test's own.
settings.register_profile("ips-map", deadline=None)
settings.load_profile("ips-map")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def pytest_configure(config):
    """carte.png and carte.pdf cost about a second a build: only the tests that ask for them
    (``--image``, ``image=True``) draw them. Set for the whole run, the session's and the
    modules' builds included (they are made before any function's fixture)."""
    os.environ["IPS_MAP_IMAGE"] = "0"
    # The suggestions (--suggest, about 0.3 s a build): only the tests that ask for them.
    os.environ["IPS_MAP_SUGGEST"] = "0"


@pytest.fixture(scope="session")
def example_build(request, tmp_path_factory):
    """Build the map from the embedded example once; return the BuildResult."""

    def make(out):
        return build(BuildSettings(out=out, build_date="2026-01-01"))

    return made_once(request, tmp_path_factory, "example-build", make)


@pytest.fixture(scope="session")
def hostile_build(request, tmp_path_factory):
    """A build of the hostile listing (tests/test_render.HOSTILE_ROWS), once per run."""
    from tests.test_render import build_hostile

    return made_once(request, tmp_path_factory, "hostile", build_hostile)


@pytest.fixture(scope="session")
def editions(request, tmp_path_factory):
    """Two editions (census 2022, then 2023 compared with it), once per run."""
    from tests.test_editions import make_editions

    return made_once(request, tmp_path_factory, "editions", make_editions)


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One headless Chromium for every browser test of the session."""
    from playwright.sync_api import sync_playwright

    from tests.helpers import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's Chromium; the browser tests fail (not skip) when it is missing,
    because `make test` installs it."""
    for candidate in (os.environ.get("IPS_MAP_CHROMIUM"), *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    pytest.fail("Chromium introuvable : `make test` l'installe (paquet Debian chromium).")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Downloads and geocoding results go to a temporary cache, never the user's. The
    results kept between builds (:mod:`ips_map.memo`) are shared by the session's tests, as
    by a user's builds: named after everything they are made from, they never leak from one
    test into another (``tests/test_memo.py`` builds with an empty folder of its own)."""
    monkeypatch.setenv("IPS_MAP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("IPS_MAP_MEMO_DIR", str(_SESSION / "calculs"))


class Sleeps:
    """Records the waits asked for instead of sleeping."""

    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fast(sleeps) -> HttpSettings:
    """HTTP settings for local servers: short timeouts, two retries, waits recorded."""
    return HttpSettings(timeout=(2.0, 5.0), retries=2, backoff=0.5, max_wait=5.0, sleep=sleeps)


@pytest.fixture
def warnings_seen():
    """Warnings of the ips_map logger (the CLI turns its propagation off)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("ips_map")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.fixture(scope="session")
def node() -> str:
    """Node.js, for the page's scripts run outside the browser (tests/js)."""
    found = shutil.which("node")
    if not found:
        pytest.fail("node introuvable : installez Node.js (paquet Debian nodejs).")
    return found
