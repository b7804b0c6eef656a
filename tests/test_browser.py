"""The built page in a real headless Chromium: offline, drawn, interactive and inert."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import shapely
from playwright.sync_api import Page, expect

from ips_map.render._assets import page_scripts
from ips_map.render._encode import decode_ring, encode_ring
from ips_map.render._insets import INSETS
from ips_map.render.page_data import column_rows, departement_shapes
from ips_map.vocabulary import COVERAGE_STATUS_LABELS
from tests.test_render import HOSTILE_ROWS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1280, "height": 900}
TOOLTIP = ".leaflet-tooltip:not(.ips-frame-label)"
POPUP = ".leaflet-popup-content"

#: Container pixel (page coordinates) of a point of the map.
JS_POINT = """([lat, lon]) => {
    const map = window[document.querySelector('.folium-map').id];
    const p = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    return [box.left + p.x, box.top + p.y];
}"""
# Returns nothing: serialising the map object back to Python takes seconds.
JS_CLOSE_POPUP = "() => { window[document.querySelector('.folium-map').id].closePopup(); }"
JS_DATA = "() => JSON.parse(document.getElementById('ips-data').textContent)"
#: The services as the page decoded them, in the page's order.
JS_SERVICES = (
    "() => Array.from({length: ipsMap.services.count}, (_, i) => ipsMap.services.record(i))"
)
#: Whether the services' canvas is on the map.
JS_SERVICES_SHOWN = "() => document.querySelectorAll('canvas.ips-services-canvas').length"


@dataclass
class View:
    """An opened map and everything the page did: requests, console, errors, dialogs."""

    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_quiet(self) -> None:
        """No request but the page (and the search's commune script beside it), no console
        error, no page error, no dialog."""
        sidecar = self.url.rsplit("/", 1)[0] + "/communes-recherche.js"
        assert [url for url in self.requests if url != sidecar] == [self.url]
        assert [text for kind, text in self.console if kind == "error"] == []
        assert self.errors == []
        assert self.dialogs == []

    def data(self) -> dict:
        return self.page.evaluate(JS_DATA)

    def departements(self) -> list[dict]:
        return column_rows(self.data()["departements"])

    def services(self) -> list[dict]:
        return self.page.evaluate(JS_SERVICES)

    def hover_departement(self, code: str) -> None:
        """Move the mouse to a point inside the largest polygon of a département."""
        shape = departement_shapes(self.data())[code]
        polygons = shapely.get_parts(shape)
        inside = max(polygons, key=lambda polygon: polygon.area).representative_point()
        x, y = self.page.evaluate(JS_POINT, [inside.y, inside.x])
        self.page.mouse.move(x, y)

    def click_service(self, index: int) -> None:
        """Close any popup, then click the marker of the index-th service."""
        self.page.evaluate(JS_CLOSE_POPUP)
        # A closed popup fades out for a moment, and would take the click.
        expect(self.page.locator(".leaflet-popup")).to_have_count(0)
        service = self.services()[index]
        x, y = self.page.evaluate(JS_POINT, [service["lat"], service["lon"]])
        self.page.mouse.click(x, y)
        expect(self.page.locator(POPUP)).to_be_visible()


def _opener(browser, contexts: list):
    """A function that opens a built page in a fresh browser context, returning a View once
    the map is ready; the contexts it makes are kept in ``contexts`` to be closed. For the
    views a module keeps open: the tests' own open the shared page (``open_map``)."""

    def open_(path: Path) -> View:
        context = browser.new_context(viewport=VIEWPORT, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        view = View(page=page, url=Path(path).resolve().as_uri())

        def on_dialog(dialog):
            view.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("request", lambda request: view.requests.append(request.url))
        page.on("console", lambda message: view.console.append((message.type, message.text)))
        page.on("pageerror", lambda error: view.errors.append(str(error)))
        page.on("dialog", on_dialog)
        page.goto(view.url)
        page.wait_for_selector("html[data-ips-features='1']", state="attached")
        return view

    return open_


@pytest.fixture
def open_map(shared_page):
    """Open a built page, once per test, in the session's shared page (tests/conftest.py:
    at about:blank, recorded from the test's start); return a View once the map is ready."""
    opened: list[View] = []

    def open_(path: Path) -> View:
        assert not opened, "open_map n'ouvre qu'une carte par test : la page est partagée"
        page = shared_page.page
        view = View(
            page=page,
            url=Path(path).resolve().as_uri(),
            requests=shared_page.requests,
            console=shared_page.console,
            errors=shared_page.errors,
            dialogs=shared_page.dialogs,
        )
        opened.append(view)
        page.goto(view.url)
        page.wait_for_selector("html[data-ips-features='1']", state="attached")
        return view

    return open_


@pytest.fixture(scope="module")
def default_view(browser, example_build):
    """The example map opened once for the tests that only look at it (no hover, click or
    layer change): they must leave it as they found it. In a context of its own: the shared
    page goes from test to test meanwhile."""
    contexts: list = []
    yield _opener(browser, contexts)(example_build.outputs["map"])
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def coverage_rows(example_build) -> dict[str, dict]:
    with open(example_build.outputs["coverage"], encoding="utf-8-sig", newline="") as fh:
        return {row["code"]: row for row in csv.DictReader(fh, delimiter=";")}


@pytest.fixture(scope="module")
def hostile_map(hostile_build) -> Path:
    return Path(hostile_build.outputs["map"])


def _spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


# --- The example map -------------------------------------------------------------------------


def test_default_view_draws_everything_offline(default_view, example_build, coverage_rows):
    view = default_view
    page = view.page
    codes = page.eval_on_selector_all(
        "path.ips-dep",
        "paths => paths.map(p => [...p.classList].find(c => /^ips-dep-/.test(c)).slice(8))",
    )
    assert len(codes) == 101
    assert set(codes) == set(coverage_rows)
    # Status colours come from each département's status.
    data = view.data()
    status = {d["code"]: d["status"] for d in column_rows(data["departements"])}
    fill = page.get_attribute("path.ips-dep-13", "fill")
    assert fill == data["colours"]["status"][status["13"]]
    # Insets: five frames and their labels.
    frames = page.locator("path.ips-frame")
    assert frames.count() == 5
    for i in range(5):
        expect(frames.nth(i)).to_be_visible()
    labels = page.locator(".ips-frame-label")
    expect(labels).to_have_text([f"{label} ({code})" for code, label in INSETS])
    for i in range(5):
        expect(labels.nth(i)).to_be_visible()
    # One marker per service shown; no tooltip or popup yet.
    assert page.evaluate("ipsMap.state.services") == data["services"]["count"] > 0
    assert page.evaluate(JS_SERVICES_SHOWN) == 1
    expect(page.locator(TOOLTIP)).to_have_count(0)
    expect(page.locator(POPUP)).to_have_count(0)
    # Legends of the layers shown, not of the others.
    expect(page.locator("#legend-status")).to_be_visible()
    expect(page.locator("#legend-services")).to_be_visible()
    expect(page.locator("#legend-rate")).to_be_hidden()
    # Panel and banner.
    panel = page.locator("aside.ips-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("sur 101")
    uncovered = example_build.summary["non_couverts_par_population"]
    items = page.locator(".ips-uncovered li")
    expect(items).to_have_count(len(uncovered))
    first = coverage_rows[uncovered[0]]
    expect(items.first).to_contain_text(f"{first['nom']} ({first['code']})")
    expect(page.locator(".ips-example")).to_be_visible()
    expect(page.locator(".ips-example")).to_contain_text("Exemple partiel")
    view.assert_quiet()


def test_shapes_stay_clear_of_the_controls(default_view, example_build):
    view = default_view
    overlaps = view.page.evaluate(
        """() => {
            const controls = document.querySelector('.leaflet-top.leaflet-right')
                .getBoundingClientRect();
            const hit = (b) => b.left < controls.right && b.right > controls.left
                && b.top < controls.bottom && b.bottom > controls.top;
            return [...document.querySelectorAll('path.ips-dep, path.ips-frame')]
                .filter(p => hit(p.getBoundingClientRect()))
                .map(p => p.getAttribute('class'));
        }"""
    )
    assert overlaps == []
    view.assert_quiet()


def test_framing_again_to_the_same_view_draws_nothing_again(open_map, example_build):
    """A feature that frames France again (app.refit) when its controls took no room from
    the map leaves the view, and every layer, alone; one whose controls did re-frames."""
    view = open_map(example_build.outputs["map"])
    resets = view.page.evaluate(
        """() => {
            let resets = 0;
            coverage_map.on('viewreset moveend', () => { resets += 1; });
            const before = [coverage_map.getCenter(), coverage_map.getZoom()];
            ipsMap.app.refit();
            const same = resets;
            const box = document.querySelector('.leaflet-top.leaflet-right');
            box.style.paddingRight = '120px';  // the controls now take more room
            ipsMap.app.refit();
            box.style.paddingRight = '';
            return {same: same, after: resets, zoom: coverage_map.getZoom() === before[1],
                    moved: coverage_map.getCenter().lng !== before[0].lng};
        }"""
    )
    assert resets["same"] == 0
    assert resets["after"] > 0 and (resets["moved"] or not resets["zoom"])
    view.assert_quiet()


def test_screenshot_of_the_default_map(default_view, example_build):
    view = default_view
    target = ROOT / "build" / "screenshot.png"
    target.parent.mkdir(exist_ok=True)
    view.page.screenshot(path=str(target), full_page=False)
    assert target.stat().st_size > 10_000
    view.assert_quiet()


def test_switching_layers_switches_legends(open_map, example_build):
    view = open_map(example_build.outputs["map"])
    page = view.page
    page.get_by_label("Services pour 100 000 hab.", exact=True).check()
    expect(page.locator("#legend-rate")).to_be_visible()
    expect(page.locator("#legend-status")).to_be_hidden()
    expect(page.locator("path.ips-dep")).to_have_count(101)
    data = view.data()
    rate_class = {d["code"]: d["rate_class"] for d in column_rows(data["departements"])}
    covered = next(code for code, k in rate_class.items() if k > 0)
    assert page.get_attribute(f"path.ips-dep-{covered}", "fill") in data["colours"]["rate"]
    uncovered = next(code for code, k in rate_class.items() if k == 0)
    assert page.get_attribute(f"path.ips-dep-{uncovered}", "fill") == data["colours"]["rate_zero"]

    page.get_by_label("Services", exact=True).uncheck()
    expect(page.locator("#legend-services")).to_be_hidden()
    assert page.evaluate(JS_SERVICES_SHOWN) == 0

    page.get_by_label("Statut de couverture", exact=True).check()
    expect(page.locator("#legend-status")).to_be_visible()
    expect(page.locator("#legend-rate")).to_be_hidden()
    page.get_by_label("Services", exact=True).check()
    expect(page.locator("#legend-services")).to_be_visible()
    view.assert_quiet()


def test_hovering_a_departement_shows_its_figures(open_map, example_build, coverage_rows):
    view = open_map(example_build.outputs["map"])
    page = view.page
    page.locator("path.ips-dep-75").hover()
    tooltip = page.locator(TOOLTIP)
    expect(tooltip).to_be_visible()
    paris = coverage_rows["75"]
    text = _spaces(tooltip.inner_text())
    assert "Paris (75)" in text
    assert f"Population {paris['annee_population']}" in text
    assert f"{int(paris['population']):,}".replace(",", " ") + " hab." in text
    assert COVERAGE_STATUS_LABELS[paris["statut"]] in text
    view.assert_quiet()


def test_tooltip_breaks_a_mixed_listing_down_by_type(open_map, example_build, coverage_rows):
    view = open_map(example_build.outputs["map"])
    row = next(
        r
        for r in coverage_rows.values()
        if int(r["actifs_ips"]) and int(r["actifs_emploi_accompagne"])
    )
    view.hover_departement(row["code"])
    tooltip = view.page.locator(TOOLTIP)
    expect(tooltip).to_be_visible()
    text = _spaces(tooltip.inner_text())
    assert f"IPS {row['actifs_ips']}" in text
    assert f"Emploi accompagné {row['actifs_emploi_accompagne']}" in text
    view.assert_quiet()


def test_clicking_a_marker_opens_its_popup(open_map, example_build):
    view = open_map(example_build.outputs["map"])
    services = view.services()
    positions = [(s["lat"], s["lon"]) for s in services]
    index = next(
        i
        for i, position in enumerate(positions)
        if positions.count(position) == 1 and services[i]["source"].startswith("http")
    )
    view.click_service(index)
    popup = view.page.locator(POPUP)
    expect(popup).to_contain_text(services[index]["name"])
    link = popup.locator("a")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href == services[index]["source"]
    assert href.startswith(("http://", "https://"))
    assert link.get_attribute("rel") == "noopener noreferrer"
    view.assert_quiet()


def test_page_decoder_matches_python(default_view, example_build):
    view = default_view
    rng = np.random.default_rng(0)
    rings = [
        np.column_stack([rng.uniform(-180, 180, n), rng.uniform(-90, 90, n)]) for n in (1, 2, 7, 50)
    ]
    rings.append(np.array([[-180.0, -90.0], [180.0, 90.0], [0.0, 0.0], [-0.00004, 0.00006]]))
    encoded = [encode_ring(ring) for ring in rings]
    decoded = view.page.evaluate("rings => rings.map(r => window.ipsMap.decodeRing(r))", encoded)
    assert len(decoded) == len(encoded)
    for text, latlngs in zip(encoded, decoded, strict=True):
        expected = decode_ring(text)[:, ::-1]
        assert len(latlngs) == len(expected), text
        np.testing.assert_allclose(np.array(latlngs), expected, rtol=0, atol=1e-9)
    view.assert_quiet()


#: Every département's rings rebuilt by the page's decoder from the page's own arcs.
JS_SHAPES = """() => {
    const data = JSON.parse(document.getElementById('ips-data').textContent);
    const topology = new ipsMap.Topology(data.topology);
    return JSON.stringify(data.departements.shape.map(s => topology.shape(s, ipsMap.latLngPair)));
}"""


#: The LatLngs of each département's shape on the map, by code.
JS_DRAWN_LATLNGS = """() => {
    const out = [];
    window[document.querySelector('.folium-map').id].eachLayer(layer => {
        const match = /(?:^| )ips-dep-(\\w+)/.exec((layer.options || {}).className || '');
        if (match) {
            const rings = layer.getLatLngs().map(p => p.map(r => r.map(q => [q.lat, q.lng])));
            out.push([match[1], rings]);
        }
    });
    return JSON.stringify(out);
}"""


JS_DETAIL = "() => ipsMap.app.layers.departements.detail"


def _each_ring(data, decoded, drawn):
    """(code, Python's ring as [lat, lon] without its closing point, decoded, drawn)."""
    expected = departement_shapes(data)
    assert len(decoded) == len(drawn) == len(expected) == 101
    for code, polygons in zip(data["departements"]["code"], decoded, strict=True):
        parts = shapely.get_parts(expected[code])
        assert len(polygons) == len(parts) == len(drawn[code]), code
        for polygon, part, shown_polygon in zip(polygons, parts, drawn[code], strict=True):
            rings = [part.exterior, *part.interiors]
            assert len(polygon) == len(rings) == len(shown_polygon), code
            for ring, want, seen in zip(polygon, rings, shown_polygon, strict=True):
                yield code, np.asarray(want.coords)[:-1, ::-1], np.array(ring), np.array(seen)


def _is_subsequence(part: np.ndarray, whole: np.ndarray) -> bool:
    """Every row of part is a row of whole, in the same order."""
    rows = iter(map(tuple, whole))
    return all(any(row == wanted for row in rows) for wanted in map(tuple, part))


def test_page_topology_decoder_matches_python(default_view, example_build):
    """The rings the page rebuilds from its arcs are Python's. Those it draws at the first
    view are the same rings with the points closer than its tolerance (a third of a pixel)
    to the line left out: a subsequence, within the tolerance everywhere, far fewer points."""
    view = default_view
    data = view.data()
    # As one JSON string each: Playwright's transfer of 200,000 nested numbers takes seconds.
    decoded = json.loads(view.page.evaluate(JS_SHAPES))
    drawn = dict(json.loads(view.page.evaluate(JS_DRAWN_LATLNGS)))
    tolerance = view.page.evaluate(JS_DETAIL)["tolerance"]
    zoom = view.page.evaluate("() => ipsMap.app.map.getZoom()")
    assert tolerance == view.page.evaluate(f"() => ipsMap.toleranceAt({zoom})") > 0
    embedded = shown = 0
    for code, want, ring, seen in _each_ring(data, decoded, drawn):
        np.testing.assert_allclose(ring, want, rtol=0, atol=1e-9)
        assert _is_subsequence(seen, want), code
        if len(seen) >= 2:
            closed = shapely.LineString(np.vstack([seen, seen[:1]]))
            worst = shapely.distance(closed, shapely.points(want)).max()
            assert worst <= tolerance * (1 + 1e-9) + 1e-9, (code, worst, tolerance)
        embedded += len(want)
        shown += len(seen)
    assert shown < 0.4 * embedded, (shown, embedded)
    view.assert_quiet()


def test_zooming_in_refines_the_rings_down_to_the_embedded_ones(open_map, example_build):
    """A zoom in redraws the rings finer (in slices); at tolerance 0, every embedded point."""
    view = open_map(example_build.outputs["map"])
    pending = "() => !ipsMap.app.layers.departements.detail.pending"
    view.page.evaluate("() => { ipsMap.app.map.setZoom(7, {animate: false}); }")
    view.page.wait_for_function(pending)
    assert view.page.evaluate(JS_DETAIL)["tolerance"] == view.page.evaluate(
        "() => ipsMap.toleranceAt(7)"
    )
    # What a zoom to FULL_DETAIL_ZOOM does, at this view.
    view.page.evaluate("() => { ipsMap.app.layers.departements.refine(0); }")
    view.page.wait_for_function(pending)
    decoded = json.loads(view.page.evaluate(JS_SHAPES))
    drawn = dict(json.loads(view.page.evaluate(JS_DRAWN_LATLNGS)))
    for _code, want, _ring, seen in _each_ring(view.data(), decoded, drawn):
        np.testing.assert_allclose(seen, want, rtol=0, atol=1e-9)
    view.assert_quiet()


# --- A hostile listing -----------------------------------------------------------------------


def test_hostile_listing_is_shown_as_text(open_map, hostile_map):
    view = open_map(hostile_map)
    page = view.page
    # The page names no local file; the tables show the listing's text as text.
    expect(page.locator(".ips-subtitle")).not_to_contain_text("liste {{ 7*7 }}.csv")
    expect(page.locator("#ips-table-services")).to_contain_text("Service {{ 7*7 }}")
    expect(page.locator("#ips-table-services")).to_contain_text("<img src=x onerror=alert(1)>")
    services = view.services()
    assert sorted(s["name"] for s in services) == sorted(row["nom"] for row in HOSTILE_ROWS)
    index_of = {s["name"]: i for i, s in enumerate(services)}
    popup = page.locator(POPUP)

    view.click_service(index_of[HOSTILE_ROWS[0]["nom"]])
    text = popup.inner_text()
    assert "Service {{ 7*7 }}" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert "Structure {% raw %} ouverte" in text
    assert "javascript:alert(3)" in text  # shown, never linked
    expect(popup.locator("a")).to_have_count(0)

    view.click_service(index_of[HOSTILE_ROWS[1]["nom"]])
    text = popup.inner_text()
    assert "</script><script>alert(2)</script>" in text
    assert "{{ config }}" in text
    assert "{{ 7*7 }}" in text
    expect(popup.locator("a")).to_have_count(1)
    assert popup.locator("a").get_attribute("href") == "https://example.org/"

    view.click_service(index_of[HOSTILE_ROWS[2]["nom"]])
    text = popup.inner_text()
    assert "<img src=x onerror=alert(1)>" in text
    assert "{% raw %}" in text
    assert "{{ 7*7 }}" in text
    # A statut it cannot read is shown as written, said so, and has its legend entry.
    unread = "« <b>suspendu</b> {{ 7*7 }} » (statut non reconnu)"
    assert f"Statut : {unread}" in text
    expect(page.locator("#ips-table-services")).to_contain_text(unread)
    expect(page.locator("#legend-services")).to_contain_text("Statut non reconnu (1, non compté)")

    view.click_service(index_of[HOSTILE_ROWS[3]["nom"]])  # drawn in La Réunion's inset
    expect(popup).to_contain_text("Service de La Réunion {{ config }}")

    assert page.locator("img").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    # Leaflet, the page's scripts, its data, the map's start, the search's communes beside it,
    # the access layers' data and script: no script made of the listing's text.
    expected = 1 + len(page_scripts()) + 3 + 2
    assert page.evaluate("() => document.querySelectorAll('script').length") == expected
    view.assert_quiet()


def test_hostile_page_hover_and_layers_stay_quiet(open_map, hostile_map):
    view = open_map(hostile_map)
    page = view.page
    view.hover_departement("13")  # the centre of its box is in the sea
    tooltip = page.locator(TOOLTIP)
    expect(tooltip).to_be_visible()
    text = _spaces(tooltip.inner_text())
    assert "Bouches-du-Rhône (13)" in text
    assert COVERAGE_STATUS_LABELS["couvert"] in text
    page.get_by_label("Services pour 100 000 hab.", exact=True).check()
    expect(page.locator("#legend-rate")).to_be_visible()
    assert json.dumps(view.dialogs) == "[]"
    view.assert_quiet()


def test_services_at_one_place_share_one_popup(open_map, example_build):
    view = open_map(example_build.outputs["map"])
    services = view.services()
    positions = [(s["lat"], s["lon"]) for s in services]
    shared = next(p for p in positions if positions.count(p) > 1)
    together = [s["name"] for s in services if (s["lat"], s["lon"]) == shared]
    view.click_service(positions.index(shared))
    popup = view.page.locator(POPUP)
    expect(popup).to_contain_text(f"{len(together)} services à cet endroit")
    for name in together:
        expect(popup).to_contain_text(name)
    view.assert_quiet()


def test_page_features_can_show_a_departement_and_a_service(open_map, example_build):
    """ipsMap.whenReady gives the page's other features (tables, search, keyboard) the map:
    showDepartement frames a département and opens its tooltip, showService its fiche."""
    view = open_map(example_build.outputs["map"])
    services = view.services()
    shown = view.page.evaluate(
        """() => new Promise((resolve) => ipsMap.whenReady((app) => {
            const ok = app.showDepartement("45");
            const bounds = app.departements["45"].shape.getBounds();
            resolve({ok: ok, unknown: app.showDepartement("00"),
                     inView: app.map.getBounds().contains(bounds), zoom: app.map.getZoom()});
        }))"""
    )
    assert shown["ok"] and not shown["unknown"] and shown["inView"] and shown["zoom"] > 6
    expect(view.page.locator(TOOLTIP)).to_contain_text("Loiret")
    index = len(services) - 1
    assert view.page.evaluate(f"() => ipsMap.app.showService({index})")
    expect(view.page.locator(POPUP)).to_contain_text(services[index]["name"])
    assert not view.page.evaluate(f"() => ipsMap.app.showService({len(services)})")
    view.assert_quiet()
