"""Serve a Folium page's CDN assets from local copies of npm packages.

Folium pages load Leaflet, jQuery, Bootstrap, Font Awesome and plugins from CDNs. To time
such a page without the network, every request is intercepted (Playwright ``page.route``)
and answered from the file of the matching npm package, fetched once with ``npm pack`` into
``bench/.cache`` and extracted with :mod:`tarfile`. What has no npm copy is answered with an
empty 200 and listed; map tiles are aborted and listed.
"""

from __future__ import annotations

import mimetypes
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ._common import CACHE_DIR, BenchError


def _awesome_markers(match: re.Match) -> tuple[str, str]:
    # cdnjs lays the plugin flat; the npm package keeps js/, css/ and css/images/.
    name = match[1]
    if name.endswith(".js"):
        return "drmonty-leaflet-awesome-markers@2.0.2", f"js/{name}"
    return "drmonty-leaflet-awesome-markers@2.0.2", f"css/{name}"


#: CDN URL pattern → (npm spec, path inside the package).
RULES: list[tuple[re.Pattern, Callable[[re.Match], tuple[str, str]]]] = [
    (
        re.compile(r"^https://cdn\.jsdelivr\.net/npm/((?:@[^/@]+/)?[^/@]+)@([^/]+)/([^?#]+)"),
        lambda m: (f"{m[1]}@{m[2]}", m[3]),
    ),
    (
        re.compile(r"^https://code\.jquery\.com/jquery-(\d+\.\d+\.\d+)(\.min)?\.js"),
        lambda m: (f"jquery@{m[1]}", f"dist/jquery{m[2] or ''}.js"),
    ),
    (
        re.compile(
            r"^https://cdnjs\.cloudflare\.com/ajax/libs/Leaflet\.awesome-markers/2\.0\.2/([^?#]+)"
        ),
        _awesome_markers,
    ),
    (
        re.compile(
            r"^https://cdnjs\.cloudflare\.com/ajax/libs/leaflet\.markercluster/([^/]+)/([^?#]+)"
        ),
        lambda m: (f"leaflet.markercluster@{m[1]}", f"dist/{m[2]}"),
    ),
    # bootstrap@3.0.0 is not on npm; its glyphicons-only stylesheet is replaced by the
    # equivalent glyphicons-only build of Bootstrap 3 (see SUBSTITUTES).
    (
        re.compile(
            r"^https://netdna\.bootstrapcdn\.com/bootstrap/3\.0\.0/css/bootstrap-glyphicons\.css"
        ),
        lambda m: ("glyphicons-only-bootstrap@1.0.1", "css/bootstrap.min.css"),
    ),
    (
        re.compile(r"^https://netdna\.bootstrapcdn\.com/bootstrap/3\.0\.0/fonts/([^?#]+)"),
        lambda m: ("glyphicons-only-bootstrap@1.0.1", f"fonts/{m[1]}"),
    ),
]
#: Assets served from a package other than the one the CDN serves, and why.
SUBSTITUTES = {
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": (
        "bootstrap@3.0.0 is not on npm: served glyphicons-only-bootstrap@1.0.1 "
        "css/bootstrap.min.css (Bootstrap 3 glyphicons only, 12.8 kB)"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/": (
        "Leaflet.awesome-markers 2.0.2 from npm drmonty-leaflet-awesome-markers@2.0.2"
    ),
}
TILE_URL = re.compile(r"tile\.openstreetmap\.org|/\d+/\d+/\d+\.(?:png|jpg|jpeg|webp)(?:$|\?)")
EXTRA_TYPES = {
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".eot": "application/vnd.ms-fontobject",
    ".svg": "image/svg+xml",
}


def local_file(url: str) -> Path | None:
    """Return the local copy of a CDN URL (fetching its npm package if needed), or None."""
    for pattern, to_package in RULES:
        match = pattern.match(url)
        if match:
            spec, inner = to_package(match)
            path = package_dir(spec) / inner
            return path if path.is_file() else None
    return None


def package_dir(spec: str) -> Path:
    """Return the extracted folder of an npm package (``name@version``), fetched once."""
    folder = CACHE_DIR / spec.replace("/", "__")
    if (folder / "package").is_dir():
        return folder / "package"
    npm = shutil.which("npm")
    if npm is None:
        raise BenchError("npm not found: it fetches the CDN assets of the baseline pages")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = CACHE_DIR / "tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    done = subprocess.run(
        [npm, "pack", spec, "--silent", "--pack-destination", str(tmp)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    tarballs = list(tmp.glob("*.tgz"))
    if done.returncode != 0 or len(tarballs) != 1:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BenchError(f"npm pack {spec} failed: {done.stderr.strip()[-500:]}")
    staging = CACHE_DIR / (folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tarballs[0]) as archive:
        archive.extractall(staging, filter="data")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    shutil.rmtree(tmp, ignore_errors=True)
    return folder / "package"


def content_type(path: Path) -> str:
    """MIME type of a served file."""
    return (
        EXTRA_TYPES.get(path.suffix)
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )


def page_asset_urls(html: str) -> list[str]:
    """The URLs of the scripts and stylesheets that a saved Folium page loads from outside."""
    urls = re.findall(r"<(?:script|link)\b[^>]*?(?:src|href)=\"(https?://[^\"]+)\"", html)
    return list(dict.fromkeys(urls))


@dataclass
class LocalCdn:
    """A Playwright route handler that answers CDN requests from local npm copies."""

    local: dict[str, int] = field(default_factory=dict)  # url → bytes served
    empty: set[str] = field(default_factory=set)  # no local copy: empty 200
    aborted: set[str] = field(default_factory=set)  # map tiles
    other: set[str] = field(default_factory=set)  # let through (file:, data:)

    def prefetch(self, html: str) -> None:
        """Fetch the npm packages of every asset the page names, before any timing."""
        for url in page_asset_urls(html):
            local_file(url)

    def handle(self, route) -> None:
        url = route.request.url
        if not url.startswith(("http://", "https://")):
            self.other.add(url)
            route.continue_()
            return
        if TILE_URL.search(url):
            self.aborted.add(url)
            route.abort()
            return
        path = local_file(url)
        if path is None:
            self.empty.add(url)
            route.fulfill(status=200, body="", headers={"Access-Control-Allow-Origin": "*"})
            return
        self.local[url] = path.stat().st_size
        route.fulfill(
            status=200,
            path=str(path),
            headers={"Content-Type": content_type(path), "Access-Control-Allow-Origin": "*"},
        )

    def substitutions(self) -> list[str]:
        """How the assets served from another package than the CDN's were substituted."""
        return [
            why
            for prefix, why in SUBSTITUTES.items()
            if any(u.startswith(prefix) for u in self.local)
        ]

    def requests(self) -> int:
        return len(self.local) + len(self.empty) + len(self.aborted)
