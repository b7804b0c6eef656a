"""Scripts and styles inlined into the page, so that it works offline and from file://.

Leaflet's script is ``vendor/leaflet-ips.js``: only the modules the map uses, bundled from the
npm package ``leaflet`` by ``scripts/build-leaflet.mjs`` (``make leaflet``; a test checks that
the committed file is what the entry makes). Its stylesheet comes from the ``xstatic-leaflet``
package (PyPI), of the same version, with the images it names inlined as data URIs.

The project's own script and style are in ``static/``: the script is several small files,
concatenated in the order of :data:`SCRIPTS`.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import rcssmin
import rjsmin
import xstatic.pkg.leaflet as xleaflet

#: The page's script files (``static/``), in the order they run: each adds its functions to
#: the ``ipsMap`` namespace, and may use those of the files before it.
SCRIPTS = (
    "decode.js",
    "points.js",
    "popups.js",
    "service-layer.js",
    "page.js",
    "regions.js",
    "phone.js",
    "keyboard.js",
    "search.js",
    "search-box.js",
    "tables.js",
    "hatch.js",
    "print.js",
)
#: The access layers' scripts (issue 12), in the page only with the access measures (the
#: page without them keeps its bytes): ``render/_access.py`` adds them, zones.js only with
#: the zones d'emploi.
ACCESS_SCRIPTS = ("access.js", "zones.js")
#: The page's style files (``static/``), concatenated in this order into one ``<style>``.
STYLES = (
    "app.css",
    "hatch.css",
    "phone.css",
    "a11y.css",
    "search.css",
    "tables.css",
    "print.css",
    "evolution.css",
)


def _leaflet_dir() -> Path:
    return Path(xleaflet.BASE_DIR)


#: The bundle's first line after ``/* @preserve``: ``Leaflet 1.9.3, a JS library…``.
_BUNDLE_VERSION = re.compile(r"\A/\* @preserve\n \* Leaflet (\d+\.\d+\.\d+),")


def leaflet_version() -> str:
    """Return the version of the inlined Leaflet (its script's and its stylesheet's: a build
    with a stylesheet of another version stops here)."""
    match = _BUNDLE_VERSION.match(leaflet_js())
    if match is None:
        raise RuntimeError("vendor/leaflet-ips.js : en-tête de version de Leaflet introuvable")
    if match.group(1) != xleaflet.VERSION:
        raise RuntimeError(
            f"vendor/leaflet-ips.js est Leaflet {match.group(1)}, la feuille de style "
            f"(xstatic-leaflet) {xleaflet.VERSION} : alignez package.json et constraints.txt, "
            "puis « make leaflet »"
        )
    return match.group(1)


@lru_cache(maxsize=1)
def leaflet_js() -> str:
    """Return Leaflet's minified script: the modules the map uses (``vendor/``)."""
    return (
        resources.files("ips_map.render")
        .joinpath("vendor", "leaflet-ips.js")
        .read_text(encoding="utf-8")
    )


@lru_cache(maxsize=1)
def leaflet_css() -> str:
    """Return Leaflet's stylesheet with its images inlined as data URIs, minified like the
    page's own style (its comments and spaces out: a fifth of its bytes)."""
    css = (_leaflet_dir() / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match) -> str:
        name = match.group(1)
        data = (_leaflet_dir() / "images" / name).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return rcssmin.cssmin(re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css))


@lru_cache(maxsize=8)
def static_text(name: str) -> str:
    """Return one of the project's own static files (``app.css``, ``decode.js``…)."""
    return resources.files("ips_map.render").joinpath("static", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def page_style() -> str:
    """Return the page's own style: the files of :data:`STYLES`, in order, minified (rcssmin:
    comments and spaces out; the readable files are in the package)."""
    return rcssmin.cssmin("\n".join(static_text(name) for name in STYLES))


@lru_cache(maxsize=1)
def page_scripts() -> tuple[str, str]:
    """Return the page's script in two parts: the map's (:data:`SCRIPTS` up to ``page.js``)
    and its other features' (the files after it), each minified (rjsmin: comments and spaces
    out, names kept, so that errors still name our functions). Two ``<script>`` elements: the
    browser may run them in two tasks, each shorter than one."""
    split = SCRIPTS.index("page.js") + 1
    return tuple(
        rjsmin.jsmin("\n".join(static_text(name) for name in names))
        for names in (SCRIPTS[:split], SCRIPTS[split:])
    )
