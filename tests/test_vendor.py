"""What render/vendor/ holds for the page, made by npm's esbuild and committed: Leaflet as
the page inlines it (leaflet-ips.js: the modules the map uses, bundled by
scripts/build-leaflet.mjs), which must be what its entry makes and offer every name of
Leaflet's that the page's scripts call; and the page's own scripts minified (minified/, by
scripts/minify_scripts.py), which must be esbuild's of the sources as they are."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import rcssmin
import rjsmin
import xstatic.pkg.leaflet as xleaflet

from ips_map.render import _assets
from ips_map.render._assets import (
    leaflet_css,
    leaflet_js,
    leaflet_version,
    minified_script,
    script_groups,
    script_source,
)

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "ips_map" / "render" / "static"
#: ``L.name`` and ``L.name.name…`` in a script (not ``ipsMap.L…``, nor ``xL.``).
LEAFLET_NAME = re.compile(r"(?<![\w.$])L((?:\.[A-Za-z_$][\w$]*)+)")


def _names_called(text: str) -> set[str]:
    """The dotted Leaflet paths a script names, without a trailing method of a class
    (``L.Tooltip.extend`` is the class ``L.Tooltip``: ``extend`` comes with every class)."""
    names = set()
    for match in LEAFLET_NAME.finditer(text):
        parts = match.group(1).lstrip(".").split(".")
        if len(parts) > 1 and parts[-1] in {"extend", "include", "addInitHook", "mergeOptions"}:
            parts = parts[:-1]
        names.add(".".join(parts))
    return names


def test_the_committed_bundle_is_what_its_entry_makes(node):
    """Rebuilt with the versions of package-lock.json (leaflet, esbuild), byte for byte."""
    if not (ROOT / "node_modules" / "esbuild").is_dir():
        pytest.fail("node_modules/esbuild absent : « make test » l'installe (npm ci)")
    result = subprocess.run(
        [node, "scripts/build-leaflet.mjs", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_bundle_keeps_leaflets_notice_and_matches_the_stylesheet():
    head = leaflet_js()[:600]
    assert "(c) 2010-2022 Vladimir Agafonkin, (c) 2010-2011 CloudMade" in head
    assert "BSD-2-Clause" in head
    assert (
        (ROOT / "ips_map" / "render" / "vendor" / "LICENSE-leaflet")
        .read_text()
        .startswith("BSD 2-Clause License")
    )
    assert leaflet_version() == xleaflet.VERSION


def test_a_stylesheet_of_another_version_stops_the_build(monkeypatch):
    monkeypatch.setattr(_assets.xleaflet, "VERSION", "1.8.0")
    with pytest.raises(RuntimeError, match="1.8.0"):
        leaflet_version()


def test_the_name_finder_sees_what_scripts_call():
    text = "var m = L.map(x); L.Tooltip.extend({}); L.extend(a, b); L.DomEvent.on(a); ipsMap.L.no;"
    assert _names_called(text + " xL.no;") == {"map", "Tooltip", "extend", "DomEvent.on"}


@pytest.mark.browser
def test_the_bundle_offers_every_name_the_page_calls(shared_page, example_build):
    """Each ``L.…`` of the page's scripts (ours, and Folium's map script as the page holds
    it) is defined in the page: a module left out of the entry fails here, not in a user's
    browser on the one path that calls it."""
    page = shared_page.page
    page.goto(Path(example_build.outputs["map"]).resolve().as_uri())
    page.wait_for_selector("html[data-ips-features='1']", state="attached")
    scripts = page.evaluate(
        "() => Array.from(document.querySelectorAll('script:not([type=\"application/json\"])'))"
        ".map(s => s.textContent).filter(t => !t.startsWith('/* @preserve'))"
    )
    names = set()
    for text in [*scripts, *(p.read_text(encoding="utf-8") for p in STATIC.glob("*.js"))]:
        names |= _names_called(text)
    assert {"map", "polygon", "control.layers", "DomEvent.on", "CRS.EPSG3857"} <= names
    missing = page.evaluate(
        """(names) => names.filter((name) => {
            let value = window.L;
            for (const part of name.split('.')) {
                if (value == null) return true;
                value = value[part];
            }
            return value === undefined;
        })""",
        [*sorted(names), "geoJSON", "control.attribution"],
    )
    # Only the two modules the entry leaves out (asked for, to see that the check sees them).
    assert missing == ["geoJSON", "control.attribution"]


def test_the_minified_scripts_are_esbuilds_of_the_sources():
    """vendor/minified/ holds esbuild's minification of every group of the page's scripts as
    they are now, and nothing else (after an edit: ``make scripts``)."""
    result = subprocess.run(
        [sys.executable, "scripts/minify_scripts.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for names in script_groups():
        minified, plain = minified_script(names), rjsmin.jsmin(script_source(names))
        assert minified != plain
        # Shorter, and every function still named (esbuild --keep-names).
        assert len(minified) < 0.85 * len(plain)
    assert '"keptPoints")' in minified_script(script_groups()[0])


def test_a_group_edited_since_its_minification_is_minified_by_rjsmin():
    names = ("decode.js",)  # a group of no page: esbuild's minification of it is not kept
    assert minified_script(names) == rjsmin.jsmin(script_source(names))


def test_leaflets_stylesheet_loses_only_the_rules_of_classes_the_page_never_has():
    full = rcssmin.cssmin((Path(xleaflet.BASE_DIR) / "leaflet.css").read_text(encoding="utf-8"))
    sheet = leaflet_css()
    for name in _assets.UNUSED_CLASSES:
        assert f".{name}" in full and f".{name}" not in sheet
    # Every other rule as it was (images inlined), in @media print too.
    rules = re.findall(r"[^{}]+\{[^{}]*\}", re.sub(r"url\(images/[^)]+\)", "", full))
    kept = [r for r in rules if not re.search(r"oldie|vml|default-icon-path", r)]
    assert len(kept) > 100
    trimmed = re.sub(r"url\(data:image/png;base64,[^)]+\)", "", sheet)
    assert all(rule in trimmed for rule in kept)
    assert "@media print{.leaflet-control{" in sheet
