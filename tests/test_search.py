"""The page's search: the commune index beside the page (render/search_index.py), the page's
folding of names against the build's (static/search.js under node), and the search box in
Chromium, used with the keyboard only."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely
from playwright.sync_api import expect

from ips_map.places.geometry import distance_km
from ips_map.render._insets import make_insets
from ips_map.render.search_index import (
    LARGE_POPULATION,
    SIDECAR_NAME,
    commune_index,
    commune_index_script,
    commune_order,
    inset_move,
    read_commune_index,
)
from ips_map.territory import load_communes, load_departements
from ips_map.territory.gazetteer import commune_key, commune_keys
from ips_map.territory.names import text_key

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "ips_map" / "render" / "static"
#: Queries whose keys the page must make as the build does.
QUERIES = [
    "St-Étienne",
    "saint etienne",
    "Havre (Le)",
    "LE HAVRE",
    "L'Haÿ-les-Roses",
    "Œuilly",
    "Chalon s/ Saône",
    "Villers ss Bois",
    "s",
    "ss",
    "  Orléans  ",
    "corse du sud",
    "Æ",
    "l'",
    "la",
    "2a",
    "Saint-Denis (La Réunion)",
]


@pytest.fixture(scope="module")
def communes():
    return load_communes()


@pytest.fixture(scope="module")
def sidecar(communes) -> bytes:
    return commune_index_script(communes)


# --- The index --------------------------------------------------------------------------------


def test_index_holds_every_commune_once_at_its_centre(communes, sidecar):
    back = read_commune_index(sidecar)
    assert len(back) == len(communes) == 34_875
    order = commune_order(communes)
    assert sorted(order.tolist()) == list(range(len(communes)))  # each commune once
    ordered = communes.iloc[order].reset_index(drop=True)
    assert back["nom"].tolist() == ordered["nom"].tolist()
    assert back["code_departement"].tolist() == ordered["code_departement"].tolist()
    for axis in ("latitude", "longitude"):
        error = np.abs(back[axis].to_numpy() - ordered[axis].to_numpy())
        assert error.max() <= 0.5e-4 + 1e-9, axis
    # Grouped by département in the order of the codes: one run each.
    runs = [code for code, _ in commune_index(communes)["departements"]]
    assert len(runs) == len(set(runs)) == 101
    assert runs.index("19") < runs.index("2A") < runs.index("2B") < runs.index("21")
    assert runs[-5:] == ["971", "972", "973", "974", "976"]
    # The most populous communes, first to last: Paris, Marseille, Lyon…
    largest = commune_index(communes)["largest"]
    population = ordered["population"].to_numpy()[largest]
    assert (np.diff(population) <= 0).all() and population.min() >= LARGE_POPULATION
    assert len(largest) == (communes["population"] >= LARGE_POPULATION).sum()
    assert back["nom"].iloc[largest[:3]].tolist() == ["Paris", "Marseille", "Lyon"]


def test_index_is_compact_and_stable(communes, sidecar):
    assert commune_index_script(communes.copy()) == sidecar  # the same bytes from a copy
    text = sidecar.decode("utf-8")
    assert text.startswith("/*") and "window.ipsMapCommunes = {" in text
    # Names once, positions about four characters per commune.
    index = commune_index(communes)
    assert len(index["positions"]) < 5 * len(communes)
    assert len(sidecar) < 650_000


def test_build_writes_the_sidecar_beside_the_page(example_build, sidecar):
    outputs = example_build.outputs
    assert outputs["search"].name == SIDECAR_NAME
    assert outputs["search"].parent == outputs["map"].parent
    assert outputs["search"].read_bytes() == sidecar
    summary = json.loads(outputs["summary"].read_text(encoding="utf-8"))
    assert SIDECAR_NAME in summary["fichiers"]
    html = outputs["map"].read_text(encoding="utf-8")
    assert f'<script src="{SIDECAR_NAME}" defer></script>' in html
    assert 'role="combobox"' in html and 'aria-controls="ips-search-list"' in html


def test_a_name_with_the_separator_is_refused(communes):
    broken = communes.head(3).copy()
    broken.loc[broken.index[0], "nom"] = "A|B"
    with pytest.raises(ValueError, match="A|B"):
        commune_index(broken)


# --- The page's folding and geometry against the build's ----------------------------------------

_NODE_SCRIPT = r"""
const fs = require("node:fs");
const { loadScripts } = require("./tests/js/load.js");
const ipsMap = loadScripts("decode.js", "search.js");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const context = { window: {} };
require("node:vm").runInNewContext(input.sidecar, context);
const index = new ipsMap.search.CommuneIndex(context.window.ipsMapCommunes);
const out = {
  valid: index.valid,
  keys: Array.from({ length: index.count }, (_, k) => index.key.line(k)),
  texts: Array.from({ length: index.count }, (_, k) => index.text.line(k)),
  queryKeys: input.queries.map(ipsMap.search.communeKey),
  queryTexts: input.queries.map(ipsMap.search.textKey),
  unmoved: input.moves.map(m => ipsMap.search.unmove(m.lat, m.lon, m.move)),
  km: input.pairs.map(p => ipsMap.search.haversineKm(p[0], p[1], p[2], p[3])),
};
process.stdout.write(JSON.stringify(out));
"""


def test_page_folds_every_name_as_the_build(node, communes, sidecar):
    departements = load_departements()
    insets = make_insets(dict(zip(departements["code"], departements.geometry)))
    rng = np.random.default_rng(1)
    moves, truths = [], []
    for code, inset in insets.items():
        mine = communes[communes["code_departement"] == code]
        for row in mine.sample(5, random_state=rng.integers(1 << 30)).itertuples():
            drawn = inset.move(shapely.Point(row.longitude, row.latitude))
            moves.append({"lat": drawn.y, "lon": drawn.x, "move": list(inset_move(inset))})
            truths.append((row.latitude, row.longitude))
    pairs = [(48.8566, 2.3522, 45.764, 4.8357), (-20.88, 55.45, -21.34, 55.48), (0, 0, 0, 180)]
    payload = {
        "sidecar": sidecar.decode("utf-8"),
        "queries": QUERIES,
        "moves": moves,
        "pairs": pairs,
    }
    result = subprocess.run(
        [node, "-e", _NODE_SCRIPT],
        cwd=ROOT,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout)
    assert out["valid"]
    names = communes.iloc[commune_order(communes)]["nom"].tolist()
    assert out["keys"] == commune_keys(names)
    assert out["texts"] == [text_key(name) for name in names]
    assert out["queryKeys"] == [commune_key(q) for q in QUERIES]
    assert out["queryTexts"] == [text_key(q) for q in QUERIES]
    # Positions drawn in an inset come back to their true place (to 1 m).
    for (lat, lon), (back_lat, back_lon) in zip(truths, out["unmoved"]):
        assert distance_km(lon, lat, back_lon, back_lat) < 1e-3
    for (lat1, lon1, lat2, lon2), km in zip(pairs, out["km"]):
        assert km == pytest.approx(distance_km(lon1, lat1, lon2, lat2), rel=1e-12)


# --- In the browser ----------------------------------------------------------------------------

SEARCH = "#ips-search-input"
STATUS = "#ips-search-status"
RESULT = "#ips-search-result"
LIST = "#ips-search-list"
TOOLTIP = ".leaflet-tooltip:not(.ips-frame-label)"
POPUP = ".leaflet-popup-content"


def _open(page, path: Path) -> None:
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_selector("html[data-ips-features='1']", state="attached")
    page.wait_for_function("document.readyState === 'complete'")


@pytest.fixture(scope="module")
def search_page(browser, hostile_build):
    """The hostile listing's map (services in Marseille, Lyon, Paris and La Réunion, names
    that are HTML and templates), opened once for the search's tests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    seen = {"errors": [], "console": [], "requests": []}
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)
    page.on("request", lambda request: seen["requests"].append(request.url))
    _open(page, hostile_build.outputs["map"])
    yield page, seen
    context.close()


def _type(page, text: str) -> None:
    """Reach the box with the keyboard (Tab from the page's start, Shift+Tab back to it from
    further on), empty it and type."""
    key = "Tab" if page.evaluate("document.activeElement === document.body") else "Shift+Tab"
    for _ in range(60):
        if page.evaluate("document.activeElement.id") == "ips-search-input":
            break
        page.keyboard.press(key)
    else:
        pytest.fail("la recherche n'est pas atteinte au clavier")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(text)


def _nearest(build, lat: float, lon: float, territory: str = "") -> tuple[str, float]:
    """The nearest active service in mainland France (or in the territory ``territory``:
    an overseas département, or Corsica as "2A"/"2B"), and its distance (km), from the
    build's own table."""
    services = build.placement.services
    deps = services["code_departement"]
    if territory in ("2A", "2B"):
        here = deps.isin(["2A", "2B"])
    else:
        here = (
            deps.eq(territory)
            if territory
            else ~deps.str.startswith("97") & ~deps.isin(["2A", "2B"])
        )
    active = services[(services["statut"] == "actif") & here]
    km = [distance_km(lon, lat, p.x, p.y) for p in active.geometry]
    best = int(np.argmin(km))
    return active["nom"].iloc[best], km[best]


@pytest.mark.browser
def test_search_finds_a_commune_and_its_nearest_service(search_page, hostile_build, communes):
    page, seen = search_page
    box = page.locator(SEARCH)
    expect(page.locator("#ips-search")).to_be_visible()
    expect(page.locator("label[for='ips-search-input']")).to_contain_text("Rechercher")
    expect(box).to_have_attribute("aria-expanded", "false")
    _type(page, "orleans")
    expect(box).to_have_attribute("aria-expanded", "true")
    options = page.locator(f"{LIST} [role=option]")
    expect(options.first).to_contain_text("Orléans")
    expect(options.first).to_contain_text("Loiret (45)")
    expect(page.locator(STATUS)).to_contain_text("résultat")
    page.keyboard.press("ArrowDown")
    first_id = options.first.get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator(TOOLTIP)).to_contain_text("Loiret (45)")
    orleans = communes[communes["nom"] == "Orléans"].iloc[0]
    name, km = _nearest(hostile_build, orleans.latitude, orleans.longitude)
    _assert_nearest(page, name, km)
    # The département is framed: its bounds fill the map's view.
    inside = page.evaluate(
        "() => { const a = ipsMap.app, b = a.departements['45'].shape.getBounds();"
        " return a.map.getBounds().contains(b) && a.map.getZoom() >= 7; }"
    )
    assert inside
    # Overseas: the service drawn in La Réunion's inset, measured at its true place.
    _type(page, "saint-pierre")
    for _ in range(10):
        page.keyboard.press("ArrowDown")
        if "(974)" in page.locator(f"{LIST} [aria-selected=true]").inner_text():
            break
    page.keyboard.press("Enter")
    expect(page.locator(TOOLTIP, has_text="La Réunion (974)")).to_be_visible()
    pierre = communes[(communes["nom"] == "Saint-Pierre") & communes["code_departement"].eq("974")]
    name, km = _nearest(hostile_build, pierre.latitude.iloc[0], pierre.longitude.iloc[0], "974")
    _assert_nearest(page, name, km)
    # Mayotte has none: said so, not a service across the sea.
    _type(page, "mamoudzou")
    page.keyboard.press("Enter")
    expect(page.locator(RESULT)).to_contain_text("aucun service actif dans ce territoire")
    assert seen["errors"] == [] and seen["console"] == []


def _assert_nearest(page, name: str, km: float) -> None:
    text = page.locator(RESULT).inner_text()
    assert f"« {name} »" in text
    shown = float(re.search(r"à ([\d\s\u202f,]+) km", text).group(1).replace(",", "."))
    assert shown == pytest.approx(km, abs=0.6 if km >= 10 else 0.06)


@pytest.mark.browser
def test_search_finds_departements_services_and_says_when_nothing(search_page, hostile_build):
    page, seen = search_page
    box = page.locator(SEARCH)
    options = page.locator(f"{LIST} [role=option]")
    for query, expected in (
        ("45", "Loiret"),
        ("2a", "Corse-du-Sud"),
        ("corse du sud", "Corse-du-Sud"),
    ):
        _type(page, query)
        expect(options.first).to_contain_text(expected)
        page.keyboard.press("Enter")
        expect(page.locator(TOOLTIP, has_text=expected)).to_be_visible()
        expect(page.locator(TOOLTIP)).to_have_count(1)  # the one before is closed
    # A service by its name (text, never markup) or its structure: its fiche open.
    for query, name in (
        ("script alert", "</script><script>alert(2)</script>"),
        ("config items", "Service de La Réunion {{ config }}"),
    ):
        _type(page, query)
        expect(options.first).to_contain_text(name)
        page.keyboard.press("Enter")
        expect(page.locator(POPUP, has_text=name)).to_be_visible()
    assert page.locator("#ips-search img").count() == 0
    # Nothing found: said in the status region; Escape closes, then clears.
    _type(page, "xyz")
    expect(page.locator(STATUS)).to_have_text(re.compile("^aucun résultat"))
    expect(box).to_have_attribute("aria-expanded", "false")
    _type(page, "saint")
    expect(options).to_have_count(10)
    expect(page.locator(STATUS)).to_contain_text("les 10 premiers")
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Escape")
    expect(box).to_have_value("")
    expect(page.locator("#ips-search-missing")).to_be_hidden()
    sidecar = hostile_build.outputs["search"].resolve().as_uri()
    assert seen["requests"].count(sidecar) == 1
    assert seen["errors"] == [] and seen["console"] == []


@pytest.mark.browser
def test_without_the_sidecar_departements_still_found(shared_page, example_build, tmp_path):
    alone = tmp_path / "index.html"
    shutil.copyfile(example_build.outputs["map"], alone)
    page = shared_page.page
    _open(page, alone)
    expect(page.locator("#ips-search-missing")).to_be_visible()
    expect(page.locator("#ips-search-missing")).to_contain_text("commune n'est pas disponible")
    _type(page, "loiret")
    expect(page.locator(f"{LIST} [role=option]").first).to_contain_text("Loiret")
    page.keyboard.press("Enter")
    expect(page.locator(TOOLTIP)).to_contain_text("Loiret (45)")
    _type(page, "orleans")
    expect(page.locator(STATUS)).to_have_text(re.compile("^aucun résultat"))
    assert shared_page.errors == []
    # The only error is the missing file's.
    errors = [text for kind, text in shared_page.console if kind == "error"]
    assert all(SIDECAR_NAME in m or "ERR_FILE_NOT_FOUND" in m for m in errors)


def test_distance_helper_agrees_with_haversine():
    # The page's sentence rounds to the km: the Python side measures with the same formula.
    assert distance_km(2.3522, 48.8566, 4.8357, 45.764) == pytest.approx(391.5, abs=0.5)
    assert math.isclose(distance_km(0, 0, 0, 0), 0.0)
