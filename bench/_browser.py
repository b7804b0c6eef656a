"""Headless Chromium (Debian's, through Playwright): time to a drawn map, pan smoothness."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

from ._assets import LocalCdn
from ._common import BenchError

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}

#: "Drawn" conditions, as JavaScript functions evaluated once per animation frame.
OURS_READY = "() => document.documentElement.getAttribute('data-ips-ready') === '1'"
PATHS_101 = "() => document.querySelectorAll('path.leaflet-interactive').length >= 101"
MARKERS_PRESENT = "() => document.querySelector('.marker-cluster, .leaflet-marker-icon') !== null"

# Installed before the page's own scripts: checks the condition at every animation frame from
# the start of the navigation and records performance.now() at the first frame where it holds.
# (Polling only from Python could start after the page is already drawn.)
_PROBE = """
(() => {
  const drawn = %s;
  function tick() {
    let ok = false;
    try { ok = drawn(); } catch (e) { ok = false; }
    if (ok) { window.__benchDrawnAt = performance.now(); return; }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();
"""

# Two seconds of map.panBy([±40, 0], {animate: false}), one call per animation frame (the
# direction flips every 10 frames so that the view stays over the data).
_PAN = """
() => new Promise((resolve) => {
  const map = window[document.querySelector('.folium-map').id];
  let frames = 0, longest = 0, last = null, start = null, step = 0;
  function frame() {
    const now = performance.now();
    if (start === null) { start = now; } else { frames++; longest = Math.max(longest, now - last); }
    last = now;
    if (now - start >= 2000) {
      resolve({frames: frames, elapsed: now - start, longest: longest});
      return;
    }
    const dir = Math.floor(step / 10) % 2 === 0 ? 1 : -1;
    step++;
    map.panBy([40 * dir, 0], {animate: false});
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
})
"""


def chromium_path() -> str:
    """Chromium to drive: ``$IPS_MAP_CHROMIUM``, else Debian's ``/usr/bin/chromium``."""
    for candidate in (os.environ.get("IPS_MAP_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    raise BenchError("Chromium not found: set IPS_MAP_CHROMIUM or `make chromium`")


@dataclass
class PageTiming:
    """One fresh page: time to drawn (ms since navigation start) and what it requested."""

    drawn_ms: float
    fps: float | None = None
    longest_frame_ms: float | None = None
    errors: list[str] = field(default_factory=list)


class Chromium:
    """One headless Chromium; each measured page gets its own fresh browser context."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=chromium_path(), args=ARGS, headless=True
            )
        except Exception:
            self._playwright.stop()
            raise

    @property
    def version(self) -> str:
        return self._browser.version

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(
        self,
        url: str,
        drawn: str,
        cdn: LocalCdn,
        timeout_s: float = 60.0,
        pan: bool = False,
    ) -> PageTiming:
        """Navigate a fresh context to ``url`` and wait until ``drawn`` holds.

        Every request goes through ``cdn`` (which also keeps the HTTP cache off); the time is
        ``performance.now()`` at the first animation frame where ``drawn`` is true.
        """
        context = self._browser.new_context(viewport=VIEWPORT, service_workers="block")
        errors: list[str] = []
        try:
            context.route("**/*", cdn.handle)
            context.add_init_script(_PROBE % drawn)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            timeout_ms = timeout_s * 1000
            page.goto(url, wait_until="commit", timeout=timeout_ms)
            try:
                handle = page.wait_for_function(
                    "() => window.__benchDrawnAt", timeout=timeout_ms, polling=50
                )
            except Exception as exc:
                raise BenchError(
                    f"{url}: not drawn within {timeout_s:.0f} s ({'; '.join(errors[:3])})"
                ) from exc
            timing = PageTiming(drawn_ms=float(handle.json_value()), errors=errors)
            if pan:
                result = page.evaluate(_PAN)
                timing.fps = result["frames"] / (result["elapsed"] / 1000)
                timing.longest_frame_ms = result["longest"]
            return timing
        finally:
            context.close()
