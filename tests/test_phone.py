"""The example map on a phone (390 × 844, touch): nothing cut at the edges, the insets'
labels clear of their frames, a tapped département's figures in a panel at the bottom that
covers at most a quarter of the map; and the région borders of the national map."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from playwright.sync_api import expect

from ips_map.render._insets import INSETS
from ips_map.render.page_data import column_rows, departement_shapes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

#: Boxes (client pixels) of the map, the départements' paths and the frames and labels.
JS_BOXES = """() => {
    const box = e => { const r = e.getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom]; };
    return {
        map: box(ipsMap.app.map.getContainer()),
        departements: [...document.querySelectorAll('path.ips-dep')].map(box),
        frames: [...document.querySelectorAll('path.ips-frame')].map(box),
        labels: [...document.querySelectorAll('.ips-frame-label')].map(box),
    };
}"""
#: Client pixel of a point of the map (now: the page may have scrolled).
JS_POINT = """([lat, lon]) => {
    const map = ipsMap.app.map, p = map.latLngToContainerPoint([lat, lon]);
    const r = map.getContainer().getBoundingClientRect();
    return [r.left + p.x, r.top + p.y];
}"""


@pytest.fixture(scope="module")
def phone(browser, example_build):
    """The example map opened once on a phone; the page and its page errors."""
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2, locale="fr-FR"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error) + str(error.stack)))
    page.goto(Path(example_build.outputs["map"]).resolve().as_uri())
    page.wait_for_selector("html[data-ips-features='1']", state="attached")
    yield page, errors
    context.close()


def test_france_and_the_insets_are_inside_the_map(phone):
    page, errors = phone
    boxes = page.evaluate(JS_BOXES)
    left, top, right, bottom = boxes["map"]
    assert right - left == PHONE["width"]
    drawn = boxes["departements"] + boxes["frames"] + boxes["labels"]
    assert len(boxes["departements"]) == 101
    for x0, y0, x1, y1 in drawn:
        assert left + 4 <= x0 and x1 <= right - 4 and top + 4 <= y0 and y1 <= bottom - 4
    # Corsica (the east end) and Brittany (west of metropolitan France) are both in.
    for code in ("2B", "29"):
        x0, _, x1, _ = page.eval_on_selector(
            f"path.ips-dep-{code}",
            "p => { const r = p.getBoundingClientRect(); return [r.left, 0, r.right, 0]; }",
        )
        assert left < x0 < x1 < right
    assert errors == []


def test_each_label_is_above_its_frame_and_clear_of_every_frame(phone):
    page, _ = phone
    boxes = page.evaluate(JS_BOXES)
    frames, labels = boxes["frames"], boxes["labels"]
    assert len(frames) == len(labels) == len(INSETS)
    expect(page.locator(".ips-frame-label")).to_have_text(
        [f"{label} ({code})" for code, label in INSETS]
    )
    for k, (label, frame) in enumerate(zip(labels, frames)):
        # Above its frame's top line (the line is 1 px wide: half a pixel each side) …
        assert label[3] <= frame[1] - 0.5, k
        # … and below the frame above it, touching no frame's lines.
        if k:
            assert label[1] >= frames[k - 1][3] + 0.5, k
        box = shapely.box(*label)
        for other in frames:
            assert not box.intersects(shapely.box(*other).buffer(0.5)), k


def test_a_tap_shows_the_figures_in_a_bottom_panel(phone):
    page, errors = phone
    data = page.evaluate("() => JSON.parse(document.getElementById('ips-data').textContent)")
    shape = departement_shapes(data)["45"]
    point = max(shapely.get_parts(shape), key=lambda p: p.area).representative_point()
    zoom = page.evaluate("() => ipsMap.app.map.getZoom()")
    page.touchscreen.tap(*page.evaluate(JS_POINT, [point.y, point.x]))
    sheet = page.locator(".ips-sheet")
    expect(sheet).to_be_visible()
    loiret = next(d for d in column_rows(data["departements"]) if d["code"] == "45")
    expect(sheet).to_contain_text(f"{loiret['name']} (45)")
    expect(sheet).to_contain_text("Services actifs")
    # No tooltip under the finger; the panel covers at most a quarter of the map.
    expect(page.locator(".leaflet-tooltip:not(.ips-frame-label)")).to_have_count(0)
    boxes = page.evaluate(JS_BOXES)
    map_box = shapely.box(*boxes["map"])
    sheet_box = shapely.box(
        *page.evaluate(
            "() => { const r = document.querySelector('.ips-sheet').getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom]; }"
        )
    )
    assert 0 < sheet_box.intersection(map_box).area <= 0.25 * map_box.area
    # The view keeps the bottom quarter for it: France and the insets stay in sight.
    assert all(box[3] <= sheet_box.bounds[1] for box in boxes["departements"] + boxes["frames"])
    # The close button hides it; a tap on the sea too.
    page.get_by_role("button", name="Fermer").tap()
    expect(sheet).to_be_hidden()
    # A tap on the panel is not the map's: with the tap before, it made no double tap (zoom).
    assert page.evaluate("() => ipsMap.app.map.getZoom()") == zoom
    page.touchscreen.tap(*page.evaluate(JS_POINT, [point.y, point.x]))  # (the page scrolled)
    expect(sheet).to_be_visible()
    page.wait_for_timeout(300)  # two taps within 200 ms are a double tap: Leaflet zooms in
    page.touchscreen.tap(*page.evaluate(JS_POINT, [49.9, -4.5]))  # the Channel, off Brittany
    expect(sheet).to_be_hidden()
    assert errors == []


def test_the_national_map_draws_the_borders_between_regions(phone):
    page, _ = phone
    data = page.evaluate("() => JSON.parse(document.getElementById('ips-data').textContent)")
    rows = column_rows(data["departements"])
    # Which départements use each arc, computed here from the page's data.
    users: dict[int, list[dict]] = {}
    for d in rows:
        for rings in d["shape"]:
            for refs in rings:
                for ref in refs:
                    users.setdefault(ref if ref >= 0 else ~ref, []).append(d)
    expected = sorted(a for a, ds in users.items() if len({d["region"] for d in ds}) == 2)
    assert page.evaluate("() => ipsMap.regionArcs(ipsMap.app.layers.departements.rows)") == expected
    # Ain (84) and Saône-et-Loire (27) share a région border; Ain and Isère (both 84) don't.
    shared = {
        (a, b)
        for ds in users.values()
        if len(ds) == 2
        for a, b in [tuple(sorted(d["code"] for d in ds))]
    }
    border_pairs = {tuple(sorted(d["code"] for d in users[a])) for a in expected}
    assert ("01", "71") in border_pairs and ("01", "38") in shared - border_pairs
    # One path, drawn from the arcs the départements already hold; in the layer switch and
    # the legend.
    expect(page.locator("path.ips-region-border")).to_have_count(1)
    page.locator(".leaflet-control-layers-toggle").tap()
    expect(page.locator(".leaflet-control-layers")).to_contain_text("Limites des régions")
    expect(page.locator('.ips-legend[data-layer="regions"]')).to_contain_text("Limites des régions")
