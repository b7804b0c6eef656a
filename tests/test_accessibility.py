"""Accessibility of the page, checked with axe-core and pa11y in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.browser


@pytest.fixture
def page_of(shared_page):
    """Open a built page in the session's shared page (tests/conftest.py), its window
    ``width`` × ``height``; the page once the map is ready. Each call opens the page anew."""

    def open_(path, width=1280, height=900):
        page = shared_page.page
        page.set_viewport_size({"width": width, "height": height})
        page.goto(path.resolve().as_uri())
        page.wait_for_selector("html[data-ips-features='1']", state="attached")
        return page

    return open_


def violations(page, context: str | None = None) -> list[str]:
    """axe-core's violations on the page (or on the part of it that ``context`` selects)."""
    result = Axe().run(page, context=context)
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({[n['target'] for n in v['nodes'][:3]]})"
        for v in result.response["violations"]
    ]


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_default_map_has_no_axe_violation(page_of, example_build, width, height):
    page = page_of(example_build.outputs["map"], width, height)
    assert violations(page) == []


def test_rate_view_has_no_axe_violation(page_of, example_build):
    """The layer switch changes the map only (fills, names, legends in the map's controls):
    axe checks the map again in the rate view (the whole page is checked above)."""
    page = page_of(example_build.outputs["map"])
    page.get_by_label("Services pour 100 000 hab.", exact=True).check()
    assert violations(page, "#coverage_map") == []


def test_page_is_zoomable_and_french(page_of, example_build):
    page = page_of(example_build.outputs["map"])
    assert page.evaluate("document.documentElement.lang") == "fr"
    viewport = page.locator("meta[name=viewport]").get_attribute("content")
    assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport


def test_phone_folds_layers_and_legend(page_of, example_build):
    page = page_of(example_build.outputs["map"], 390, 844)
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    toggle = page.locator(".leaflet-control-layers-toggle")
    assert (
        toggle.get_attribute("aria-label") == toggle.get_attribute("title") == "Couches de la carte"
    )
    assert page.evaluate("document.querySelector('details.ips-legends').open") is False
    page.locator("details.ips-legends summary").click()
    assert page.locator("#legend-status").is_visible()
    desktop = page_of(example_build.outputs["map"])
    assert desktop.locator(".leaflet-control-layers-expanded").count() == 1
    assert desktop.evaluate("document.querySelector('details.ips-legends').open") is True


ROOT = Path(__file__).resolve().parent.parent
PA11Y = ROOT / "node_modules" / "pa11y"


def test_default_map_has_no_pa11y_error(example_build, chromium_path):
    """pa11y (HTML_CodeSniffer, WCAG 2.1 AA) on the default map, once: no error."""
    node = shutil.which("node")
    assert node and PA11Y.is_dir(), "pa11y manque : `make test` l'installe (npm ci)"
    result = subprocess.run(
        [
            node,
            str(ROOT / "tests" / "js" / "pa11y-run.js"),
            str(example_build.outputs["map"]),
            chromium_path,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    issues = json.loads(result.stdout)["issues"]
    errors = [
        f"{i['code']}: {i['message']} ({i['selector']})" for i in issues if i["type"] == "error"
    ]
    assert errors == []
