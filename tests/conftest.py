"""Shared fixtures: the real-data builds that many tests read, made once per run (by one
xdist worker, read back by the others) and never modified by a test; one Chromium per
session, and one page of it that the browser tests take in turn, handed over clean; a
private cache."""

from __future__ import annotations

import atexit
import contextlib
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


#: The window of the browser tests (a desktop's).
VIEWPORT = {"width": 1280, "height": 900}
#: What Playwright emulates in a new page (its context's defaults): a page handed back is
#: emulated so again (``emulate_media``'s "null" would be the machine's, not these).
MEDIA_DEFAULTS = {
    "media": "null",
    "color_scheme": "light",
    "reduced_motion": "no-preference",
    "forced_colors": "none",
    "contrast": "no-preference",
}


@pytest.fixture(scope="session")
def shared_context(browser):
    """The context of the session's reusable page (``shared_page``), and of it only: the
    desktop window, in French, downloads accepted.

    A page costs about 2 CPU-s to make (a renderer for about:blank, then one for the page),
    and a page loaded again about 0.8: the tests take that page in turn, unless they need a
    context of their own (a phone's, one without JavaScript). The views that a module keeps
    open for its tests are pages of contexts of their own: a second page of this context
    would be a tab behind the other, drawn a few frames a second (Playwright's waits for a
    stable element, Leaflet's animations: seconds)."""
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR", accept_downloads=True)
    yield context
    context.close()


#: What a page keeps for every document it opens after, until the Disposable each returns is
#: closed: a page lent is handed back without them.
_UNDONE_AFTER = ("add_init_script", "expose_function", "expose_binding")


class SharedPage:
    """The session's reusable page as one user has it, and what the page did since: the
    URLs it asked for, its console messages (type, text), its errors, its dialogs (dismissed
    as Playwright does when no one listens, unless the user listens too). The page's
    ``add_init_script``, ``expose_function`` and ``expose_binding`` are Playwright's, their
    effect undone when the page is handed back."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self._disposables: list = []
        self._listeners = {
            "request": lambda request: self.requests.append(request.url),
            "console": lambda message: self.console.append((message.type, message.text)),
            "pageerror": lambda error: self.errors.append(str(error)),
            "dialog": self._dismiss,
        }
        for event, listener in self._listeners.items():
            page.on(event, listener)
        for name in _UNDONE_AFTER:
            setattr(page, name, self._kept(getattr(page, name)))

    def _dismiss(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        if self.page._impl_obj.listener_count("dialog") == 1:  # no one else to answer it
            dialog.dismiss()

    def _kept(self, method):
        """``method``, its Disposable kept to be closed when the page is handed back."""

        def call(*args, **kwargs):
            disposable = method(*args, **kwargs)
            self._disposables.append(disposable)
            return disposable

        return call

    def _release(self) -> None:
        """Stop recording; remove the scripts and functions added meanwhile."""
        for event, listener in self._listeners.items():
            self.page.remove_listener(event, listener)
        for name in _UNDONE_AFTER:
            vars(self.page).pop(name, None)  # Playwright's method again
        while self._disposables:
            self._disposables.pop().close()


def _listeners(page) -> dict[str, list]:
    """The page's listeners by event, Playwright's own among them. Playwright's API lists
    none: they are read from its implementation object (playwright is pinned)."""
    impl = page._impl_obj
    return {event: impl.raw_listeners(event) for event in impl.event_names()}


def _remove_listeners_since(page, before: dict[str, list]) -> None:
    """Remove every listener of the page that is not one of ``before``'s."""
    impl = page._impl_obj
    for event, listeners in _listeners(page).items():
        kept = before.get(event, [])
        for listener in listeners:
            if not any(listener is old for old in kept):
                impl.remove_listener(event, listener)


class PageLender:
    """The session's reusable page, lent to one user at a time (a test, or a module's fixture
    while it is made) and handed back clean.

    Lent at about:blank, as a new page of ``shared_context`` would be, with what it does while
    lent (:class:`SharedPage`). Handed back clean, whatever the user did: the listeners added
    since it was lent removed (the user's as the recording's), its init scripts and exposed
    functions gone, the other pages of the context closed, no route, at about:blank, the
    desktop window, the default media (screen, light…), no key or button held, the mouse at
    (0, 0). When that fails (a crashed or closed page, a page that does not answer), or when
    the user failed, the page is closed and the next user gets a new one. What it cannot see,
    a user must undo itself or not do: a locator handler, the page's default timeouts,
    anything done to ``page.context``."""

    def __init__(self, context):
        self.context = context
        self.spare = None  # the page, when handed back clean
        self.lent = False

    @contextlib.contextmanager
    def lend(self, failed=lambda: False):
        """The page, as a :class:`SharedPage`, for the ``with`` block; ``failed()`` says
        after it whether its user failed (an exception out of the block says so too)."""
        # Two users at once would need two pages of the context, the one behind the other
        # drawn a few frames a second: a fixture that keeps the page holds a context of its own.
        assert not self.lent, "la page partagée est déjà prêtée"
        page, self.spare = self.spare, None
        if page is None or page.is_closed():
            page = self.context.new_page()
        page.bring_to_front()  # the tab drawn at full rate, whatever else the context opened
        before = _listeners(page)
        used = SharedPage(page)
        self.lent = True
        try:
            yield used
        except BaseException:
            with contextlib.suppress(Exception):
                page.close()
            raise
        finally:
            self.lent = False
        try:
            used._release()
            _remove_listeners_since(page, before)
            # A user that failed may have left anything: its page is not used again.
            if failed():
                raise RuntimeError("failed")
            for other in self.context.pages:  # the pages it opened (window.open, a link)
                if other is not page:
                    other.close()
            page.unroute_all(behavior="ignoreErrors")
            page.goto("about:blank")
            if page.viewport_size != VIEWPORT:
                page.set_viewport_size(VIEWPORT)
            page.emulate_media(**MEDIA_DEFAULTS)
            for key in ("Alt", "Control", "Meta", "Shift"):
                page.keyboard.up(key)
            page.mouse.move(0, 0)
            page.mouse.up()
        except Exception:
            with contextlib.suppress(Exception):
                page.close()
        else:
            self.spare = page


@pytest.fixture(scope="session")
def page_lender(shared_context) -> PageLender:
    """The session's reusable page, for the module fixtures that use a page only while they
    are made (``with page_lender.lend() as shared_page:``); the tests take ``shared_page``."""
    return PageLender(shared_context)


@pytest.fixture
def shared_page(request, page_lender):
    """The session's reusable page for one test (:class:`PageLender`): at about:blank, with
    what it does during the test (:class:`SharedPage`); handed back clean after it, or closed
    if the test failed."""

    def failed() -> bool:
        report = request.node.stash.get(_CALL_REPORT, None)
        return report is None or report.failed

    with page_lender.lend(failed) as used:
        yield used


_CALL_REPORT = pytest.StashKey()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """The report of each test's call, kept on the test for ``shared_page``'s teardown."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


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
