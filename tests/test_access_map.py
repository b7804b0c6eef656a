"""The access measures on the page (issue 12): layers, legends, panel and « Méthode » from
an AccessView (the access stage's, with 5 suggestions), read back from the page and in a
real browser; the
zones d'emploi page; the default page's budget."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pyproj import Transformer

from ips_map.cli import cli
from ips_map.pipeline import drawing, stages
from ips_map.render import _zone_shapes, render_map
from ips_map.render._access import ACCESS_ID, ZONES_ID, zone_status
from ips_map.render._hexes import (
    HEX_RADIUS_M,
    cell_classes,
    encode_cells,
    far_cells,
    hex_cells,
    hex_centres,
)
from ips_map.render._topology import decode_arcs
from ips_map.render._zone_shapes import PRECOMPUTED_ZONES, ZONES_TOLERANCE_M
from ips_map.render.boundaries import boundaries_key
from ips_map.settings import BuildSettings
from ips_map.territory.data import DROM_CRS
from ips_map.territory.zone_shapes import N_ZONES, load_zone_shapes
from tests.test_accessibility import violations

#: The default page with the access layers: 500 KB raw, 265 KB gzipped at most.
BUDGET_RAW, BUDGET_GZIP = 500_000, 265_000
ZONES_BUDGET = 1_000_000


def _json(html: str, element: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', html, re.S)
    assert match, element
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """One build of the example with 5 suggestions, and the zones page from the same inputs
    (render_map called again with the build's own AccessView, zones drawn)."""
    seen = {}
    original = drawing.render_map

    def keep(coverage, services, summary, context, **kwargs):
        seen["access"] = kwargs["access"]
        seen["inputs"] = (coverage, services, summary, context)
        return original(coverage, services, summary, context, **kwargs)

    out = tmp_path_factory.mktemp("access-build")
    drawing.render_map = keep
    try:
        stages.build(BuildSettings(out=out, build_date="2026-01-01", image=False, suggest=5))
    finally:
        drawing.render_map = original
    seen["access"].zones_geometry = True
    page, _ = render_map(*seen["inputs"], access=seen["access"])
    zones = out / "zones.html"
    zones.write_text(page.render(), encoding="utf-8")
    seen["access"].zones_geometry = False
    return {
        "default": out / "index.html",
        "zones": zones,
        "access": seen["access"],
        "inputs": seen["inputs"],
    }


def test_hex_cells_round_trip_and_tile():
    """A point falls in the cell whose centre is nearest (the hexagon's own inside)."""
    rng = np.random.default_rng(1)
    points = rng.uniform(-200_000, 200_000, size=(2000, 2))
    cells = hex_cells(points[:, 0], points[:, 1], 10_000)
    centres = hex_centres(cells, 10_000)
    candidates = cells[:, None, :] + np.array(
        [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1], [1, -1], [-1, 1]]
    )
    around = hex_centres(candidates.reshape(-1, 2), 10_000).reshape(-1, 7, 2)
    nearest = np.linalg.norm(around - points[:, None, :], axis=2).argmin(axis=1)
    assert (nearest == 0).all()
    assert (np.linalg.norm(centres - points, axis=1) <= 10_000 + 1e-6).all()


def test_far_cells_sum_the_far_population_only():
    communes = pd.DataFrame(
        {
            "longitude": [2.35, 2.351, 5.0, 5.0],
            "latitude": [48.85, 48.851, 45.0, 45.0],
            "population": [100, 50, 7, 1000],
            "distance_km": [31.0, np.nan, 45.0, 10.0],
        }
    )
    cells = far_cells(communes, 30.0, 2154)
    assert cells["population"].sum() == 157  # the one within 30 km is left out
    assert sorted(cells["population"]) == [7, 150]
    runs, lengths = encode_cells(cells)
    assert sum(lengths) == len(cells) and isinstance(runs, str)
    # Classes two to a character: 150 → 0, 7 000 and 999 999 → 2 (the last of three).
    assert cell_classes(pd.DataFrame({"population": [150, 7_000, 999_999]}), (1000, 5000)) == (
        chr(65 + 5 * 0 + 2) + chr(65 + 5 * 2)
    )


def test_far_cells_take_the_access_stages_metres(pages):
    """The access stage's x_m, y_m are Lambert-93 and each DROM's CRS (as the hexagons
    project), so the cells are the same whether projected here or read from them."""
    communes = pages["access"].communes
    for code, crs in [("75", 2154), ("2A", 2154), ("974", DROM_CRS["974"])]:
        land = communes[communes["code_departement"] == code].assign(distance_km=np.inf)
        given = far_cells(land, 30.0, crs)
        projected = far_cells(land.drop(columns=["x_m", "y_m"]), 30.0, crs)
        assert len(given) > 0
        pd.testing.assert_frame_equal(given, projected)


def test_inset_affine_is_within_a_few_hundred_metres(pages):
    """Each DROM's affine map (fitted on its communes' centres) against the exact one (its
    CRS → longitude and latitude → the inset's move → Web Mercator) at the corners of the
    cells of all its communes: at most 400 m of the inset, under a tenth of a pixel at the
    zoom the insets are drawn (about 5 km a pixel)."""
    import shapely

    from ips_map.render._insets import make_insets
    from ips_map.territory.data import load_departements

    departements = load_departements()
    insets = make_insets(dict(zip(departements["code"], departements.geometry)))
    grids = {g["territory"]: g for g in _json(pages["default"].read_text(), ACCESS_ID)["hexes"]}
    communes = pages["access"].communes
    for code, crs in DROM_CRS.items():
        land = communes[communes["code_departement"] == code]
        cells = np.unique(hex_cells(land["x_m"].to_numpy(), land["y_m"].to_numpy()), axis=0)
        angles = np.radians(np.arange(6) * 60.0)
        around = HEX_RADIUS_M * np.column_stack([np.cos(angles), np.sin(angles)])
        corners = (hex_centres(cells)[:, None, :] + around).reshape(-1, 2)
        lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(*corners.T)
        moved = insets[code].move(shapely.points(np.column_stack([lon, lat])))
        to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
        exact = np.column_stack(to_mercator.transform(shapely.get_x(moved), shapely.get_y(moved)))
        a, b, c, d, e, f = grids[code]["affine"]  # no service overseas: every DROM has cells
        fitted = np.column_stack(
            [a * corners[:, 0] + b * corners[:, 1] + c, d * corners[:, 0] + e * corners[:, 1] + f]
        )
        assert np.hypot(*(fitted - exact).T).max() < 400, code


def test_zone_status_marks_zones_far_without_service():
    zones = pd.DataFrame({"services": [2, 0, 0], "part_pop_30km_plus": [0.9, 0.4, 0.51]})
    assert zone_status(zones) == ["service", "sans_service", "eloignee"]


def test_embedded_zones_are_precomputed():
    """The embedded zones' simplification and topology ship with the package (no build
    simplifies them again), each stored file checked by its sha256."""
    zones = load_zone_shapes()
    key = "zones-" + boundaries_key(zones, ZONES_TOLERANCE_M)
    assert _zone_shapes._read(key, ".wkb.gz") is not None
    assert len(list(PRECOMPUTED_ZONES.glob("zones-*.topo.json.gz"))) == 1


def test_zones_flag_reaches_the_settings():
    result = CliRunner().invoke(cli, ["build", "--help"])
    assert "--zones-emploi" in result.output
    assert BuildSettings(out="x").zones_emploi is False


def test_page_without_access_has_none_of_it(pages):
    coverage, services, summary, context = pages["inputs"]
    page, _ = render_map(coverage, services, summary, context)
    html = page.render()
    assert ACCESS_ID not in html and "Méthode" not in html and "ips-access" not in html


def test_page_carries_the_access_view(pages):
    html = pages["default"].read_text(encoding="utf-8")
    access = pages["access"]
    data = _json(html, ACCESS_ID)
    page = _json(html, "ips-data")
    figures = access.departements.set_index("code").reindex(page["departements"]["code"])
    assert data["departements"]["pop"] == [int(v) for v in figures["pop_30km_plus"]]
    assert data["departements"]["far"] == [round(1000 * v) for v in figures["part_pop_30km_plus"]]
    assert data["seuils"] == [30.0, 60.0]
    # The hexagons hold every far-away inhabitant's commune, once.
    far = access.communes[
        ~(access.communes["distance_km"] <= 30) & (access.communes["population"] > 0)
    ]
    cells = sum(grid["count"] for grid in data["hexes"])
    assert sum(len(grid["classes"]) for grid in data["hexes"]) == sum(
        (grid["count"] + 1) // 2 for grid in data["hexes"]
    )
    assert cells > 100
    lambert = next(grid for grid in data["hexes"] if grid["territory"] == "metro")
    starts = decode_arcs(lambert["runs"], [len(lambert["lengths"])])[0]
    assert len(starts) == len(lambert["lengths"])
    assert len(far) > cells
    assert data["suggestions"]["commune"] == list(access.suggestions["commune"])
    assert ZONES_ID not in html


def test_panel_and_method_say_the_figures(pages):
    html = pages["default"].read_text(encoding="utf-8")
    access = pages["access"]
    panel = html[html.index('<section class="ips-access"') : html.index("</aside>")]
    assert panel.index('class="ips-access"') < panel.index("Départements sans service actif (")
    top = access.zones.sort_values("pop_30km_plus", ascending=False).head(5)
    for name in top["libelle_ze"]:
        assert f"{name} (" in panel
    national = f"{int(access.national['pop_30km_plus']):,}".replace(",", "\u202f")
    assert national in panel
    # The example has no planned service: no column for them (test_access_build checks the
    # figures of a listing that has one; test_planned_column_… how the panel shows them).
    assert access.planned is None and "Si les projets ouvrent" not in panel
    for words in (
        "à vol d'oiseau",
        "pas des temps de trajet",
        "0–15 km, 15–30 km, 30–45 km",
        "1 ; 0,68 ; 0,22",
        "1 par service",
        "population municipale 2023 des communes (Insee)",
        "MCLP",
    ):
        assert words in panel.replace("&#39;", "'"), words
    assert panel.count('class="ips-show-suggestion"') == len(access.suggestions)


def test_planned_column_gives_the_figures_if_the_projects_open(pages):
    coverage, services, summary, context = pages["inputs"]
    national = pages["access"].national
    planned = {
        "departements_couverts": 7,
        "distance_moyenne_km": 150.0,
        "part_pop_30km_plus": 0.5,
        "part_pop_60km_plus": 0.25,
        "pop_30km_plus": 1_234_567,
        "pop_60km_plus": 7_654,
        "accessibilite_e2sfca": national["accessibilite_e2sfca"] * 2,
        "e2sfca": national["accessibilite_e2sfca"] * 2,
    }
    view = dataclasses.replace(pages["access"], planned=planned)
    html = render_map(coverage, services, summary, context, access=view)[0].render()
    panel = html[html.index('<section class="ips-access"') : html.index("</aside>")]
    assert "Si les projets ouvrent" in panel
    assert "<td>7 sur 101</td>" in panel and "150,0\u00a0km" in panel
    assert "1\u202f234\u202f567 (50,0\u00a0%)" in panel or "1\u202f234\u202f567 (50,0 %)" in panel
    assert "7\u202f654" in panel


def test_default_page_keeps_its_budget(pages):
    raw = pages["default"].read_bytes()
    assert len(raw) <= BUDGET_RAW
    assert len(gzip.compress(raw, 9)) <= BUDGET_GZIP


def test_zones_page_has_306_zones_under_a_megabyte(pages):
    raw = pages["zones"].read_bytes()
    assert len(raw) <= ZONES_BUDGET
    zones = _json(raw.decode("utf-8"), ZONES_ID)
    assert len(zones["zones"]["code"]) == len(zones["zones"]["shape"]) == N_ZONES
    assert len(set(zones["zones"]["status"]) - {"service", "sans_service", "eloignee"}) == 0


@pytest.mark.browser
def test_access_layers_in_a_browser(pages, browser):
    # A page of its own, in the browser's language (not the shared page's French): the access
    # figures are grouped the French way (a narrow no-break space) whatever that language.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(pages["zones"].as_uri())
    page.wait_for_selector("html[data-ips-features]", timeout=30_000)
    assert violations(page, ".ips-panel") == []  # the panel with its access sections
    assert page.evaluate("ipsMap.access.hexes") == 0  # nothing drawn before it is asked for
    page.get_by_label("Habitants à plus de 30 km (part)").check(force=True)
    assert not page.locator("#legend-far").is_hidden()
    fill = page.evaluate("ipsMap.app.departements['75'].shape.options.fillColor")
    assert fill == "#993404"  # Paris: everyone beyond 30 km in the example
    # A département's tooltip says its access figures, in French.
    page.evaluate(
        "() => { const s = ipsMap.app.departements['63'].shape; s.openTooltip(s.getCenter()); }"
    )
    tip = page.locator(".leaflet-tooltip", has_text="Puy-de-Dôme").inner_text()
    row = pages["access"].departements.set_index("code").loc["63"]
    count = f"{int(row['pop_30km_plus']):,}".replace(",", "\u202f")
    assert f"Habitants à plus de 30 km : {count} hab." in tip
    assert "Distance moyenne au service le plus proche" in tip and "E2SFCA" in tip
    page.get_by_label("Habitants à plus de 30 km (hexagones)").check(force=True)
    data = _json(pages["zones"].read_text(encoding="utf-8"), ACCESS_ID)
    assert page.evaluate("ipsMap.access.hexes") == sum(g["count"] for g in data["hexes"])
    # The page's inverse Lambert-93 puts a cell's centre where pyproj does.
    lambert = next(g for g in data["hexes"] if g["territory"] == "metro")
    first = page.evaluate("(g) => ipsMap.hexCells(g)[0]", lambert)
    x, y = hex_centres(np.array([[first["q"], first["r"]]]), HEX_RADIUS_M)[0]
    lon, lat = Transformer.from_crs(2154, 4326, always_xy=True).transform(x + HEX_RADIUS_M, y)
    assert first["latlngs"][0] == pytest.approx([lat, lon], abs=1e-6)
    # A suggestion's fiche from the panel, then from its marker with the keyboard.
    page.click(".ips-show-suggestion >> nth=0")
    fiche = page.locator(".ips-suggestion-fiche")
    assert "Suggestion calculée n° 1" in fiche.inner_text()
    assert pages["access"].suggestions["commune"].iloc[0] in fiche.inner_text()
    page.evaluate("() => { ipsMap.app.map.closePopup(); }")
    marker = page.locator(".ips-suggestion").nth(1)
    assert marker.get_attribute("tabindex") == "0"
    assert "Suggestion calculée n° 2" in marker.get_attribute("aria-label")
    marker.focus()
    page.keyboard.press("Enter")
    # (the closed fiche fades out for 200 ms: the one asked for is the one that says n° 2)
    opened = page.locator(".ips-suggestion-fiche", has_text="Suggestion calculée n° 2")
    assert pages["access"].suggestions["commune"].iloc[1] in opened.inner_text()
    # The geography switch draws the 306 zones.
    page.check("input[value=zones]")
    assert page.evaluate("ipsMap.access.zones") == N_ZONES
    assert page.locator("path.ips-zone-eloignee").count() > 0
    # Every layer on: the map (zones as named buttons, the markers, the legends) for axe.
    page.wait_for_function(
        "() => !document.querySelector('.leaflet-ips-zones-pane svg').hasAttribute('aria-hidden')"
    )
    assert violations(page, "#coverage_map") == []
    assert errors == []
    page.close()
