"""Scripts and styles inlined into the page, so that it works offline and from file://.

Leaflet's script is ``vendor/leaflet-ips.js``: only the modules the map uses, bundled from the
npm package ``leaflet`` by ``scripts/build-leaflet.mjs`` (``make leaflet``; a test checks that
the committed file is what the entry makes). Its stylesheet comes from the ``xstatic-leaflet``
package (PyPI), of the same version, with the images it names inlined as data URIs.

The project's own script and style are in ``static/``: the script is several small files,
concatenated in the order of :data:`SCRIPTS` into a few groups (:func:`script_groups`). Each
group is inlined as esbuild minified it (``vendor/minified/``, made by
``scripts/minify_scripts.py``, ``make scripts``: a third smaller than rjsmin's, names kept),
found by the sha256 of the group's source: a group edited since is minified by rjsmin
instead (the same code, larger), and a test fails until the files are made again.
"""

from __future__ import annotations

import base64
import hashlib
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

    css = rcssmin.cssmin(re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css))
    return _UNUSED_RULE.sub(_without_unused_selectors, css)


#: Leaflet's classes that the page never has: the default marker's image (its path is
#: guessed only for a marker without an icon of its own: the map's all have one; 2 KB as a
#: data URI), Internet Explorer 8's (``leaflet-oldie``, VML: the bundle has no VML).
UNUSED_CLASSES = ("leaflet-default-icon-path", "leaflet-oldie", "lvml", "leaflet-vml-shape")
_UNUSED_CLASS = re.compile(r"\.(?:" + "|".join(map(re.escape, UNUSED_CLASSES)) + r")(?![\w-])")
#: A rule of the minified sheet (inside @media too): its selectors and its declarations.
_UNUSED_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def _without_unused_selectors(rule: re.Match) -> str:
    selectors, body = rule.group(1), rule.group(2)
    if not _UNUSED_CLASS.search(selectors):
        return rule.group(0)
    kept = [s for s in selectors.split(",") if not _UNUSED_CLASS.search(s)]
    return f"{','.join(kept)}{{{body}}}" if kept else ""


@lru_cache(maxsize=8)
def static_text(name: str) -> str:
    """Return one of the project's own static files (``app.css``, ``decode.js``…)."""
    return resources.files("ips_map.render").joinpath("static", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def page_style() -> str:
    """Return the page's own style: the files of :data:`STYLES`, in order, minified (rcssmin:
    comments and spaces out; the readable files are in the package)."""
    return rcssmin.cssmin("\n".join(static_text(name) for name in STYLES))


def script_groups() -> tuple[tuple[str, ...], ...]:
    """The groups of script files inlined as one ``<script>`` each: the map's (:data:`SCRIPTS`
    up to ``page.js``), its other features' (the files after it), and the access layers'
    (``access.js``, with ``zones.js`` in a page with the zones d'emploi)."""
    split = SCRIPTS.index("page.js") + 1
    return (SCRIPTS[:split], SCRIPTS[split:], ACCESS_SCRIPTS[:1], ACCESS_SCRIPTS)


def script_source(names: tuple[str, ...]) -> str:
    """The readable source of a group of script files, as minified."""
    return "\n".join(static_text(name) for name in names)


def minified_name(source: str) -> str:
    """The file of ``vendor/minified/`` that holds a source's esbuild minification."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:32] + ".js"


@lru_cache(maxsize=8)
def minified_script(names: tuple[str, ...]) -> str:
    """Return a group of script files minified: esbuild's (``vendor/minified/``) for the
    group's source as it is, else rjsmin's (comments and spaces out, names kept)."""
    source = script_source(names)
    made = resources.files("ips_map.render").joinpath("vendor", "minified", minified_name(source))
    if made.is_file():
        return made.read_text(encoding="utf-8")
    return rjsmin.jsmin(source)


def page_scripts() -> tuple[str, str]:
    """Return the page's script in two parts: the map's and its other features' (see
    :func:`script_groups`), each minified. Two ``<script>`` elements: the browser may run them
    in two tasks, each shorter than one."""
    return tuple(minified_script(names) for names in script_groups()[:2])
