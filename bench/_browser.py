"""Headless Chromium (Debian's, through Playwright): time to a drawn map, pan smoothness, and
the main thread's long tasks until then (optionally with the CPU slowed, as on a phone)."""

from __future__ import annotations

import json
import os
import shutil
import time
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
    if (ok) {
      window.__benchDrawnAt = performance.now();
      performance.mark("ips-bench-drawn");
      console.debug("ips-bench-drawn");
      return;
    }
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


#: A main-thread task longer than this blocks input (the "long task" of Total Blocking Time).
LONG_TASK_MS = 50.0
#: Trace categories: the renderer's tasks and the performance marks.
TRACE_CATEGORIES = ["toplevel", "blink.user_timing", "devtools.timeline"]
TASK_NAMES = ("RunTask", "ThreadControllerImpl::RunTask")


@dataclass
class PageTiming:
    """One fresh page: time to drawn (ms since navigation start) and what it requested.

    With a trace: ``blocking_ms`` is the sum over the page's main-thread tasks that started
    between navigation and the drawn map of their time beyond 50 ms, ``longest_task_ms`` the
    longest of them, ``tasks`` their number.
    """

    drawn_ms: float
    fps: float | None = None
    longest_frame_ms: float | None = None
    errors: list[str] = field(default_factory=list)
    blocking_ms: float | None = None
    blocking_page_ms: float | None = None  # the same, from the page's first ParseHTML
    longest_task_ms: float | None = None
    tasks: int | None = None


def main_thread_tasks(trace: dict, drawn_ms: float) -> list[tuple[float, float]]:
    """The main-thread tasks of the page from navigation to drawn: (start, duration) in ms,
    the start counted from the page's first ParseHTML (negative before: the navigation's
    commit, the new window and its init scripts).

    The page's main thread is the one that recorded the probe's ``ips-bench-drawn`` mark;
    navigation started ``drawn_ms`` before that mark (performance.now() counts from it).
    """
    events = trace["traceEvents"]
    marks = [e for e in events if e.get("name") == "ips-bench-drawn" and "ts" in e]
    if not marks:
        raise BenchError("trace: no ips-bench-drawn mark")
    mark = marks[0]
    end = float(mark["ts"])
    begin = end - drawn_ms * 1000.0
    thread = [
        e
        for e in events
        if e.get("ph") == "X"
        and e.get("pid") == mark["pid"]
        and e.get("tid") == mark["tid"]
        and begin <= float(e["ts"]) <= end
    ]
    # Chromium names its top-level task "RunTask" or, in recent builds, after the scheduler.
    for name in TASK_NAMES:
        tasks = sorted((e for e in thread if e["name"] == name), key=lambda e: e["ts"])
        if tasks:
            break
    parsed = [
        e["ts"]
        for e in thread
        if e["name"] == "ParseHTML"
        and e.get("args", {}).get("beginData", {}).get("url", "").startswith(("file:", "http"))
    ]
    origin = min(parsed) if parsed else begin
    out, until = [], float("-inf")
    for task in tasks:
        if task["ts"] >= until:  # not nested in the previous task
            start = task["ts"] - origin
            if start < 0 < start + task["dur"]:
                start = 0.0  # the task that holds the first ParseHTML: the page's own
            out.append((start / 1000.0, task["dur"] / 1000.0))
            until = task["ts"] + task["dur"]
    return out


def blocking(tasks: list[tuple[float, float]]) -> float:
    """Total Blocking Time of tasks: the sum of their time beyond 50 ms."""
    return sum(max(0.0, duration - LONG_TASK_MS) for _, duration in tasks)


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
        cpu_slowdown: float = 1.0,
        trace: bool = False,
        settle_s: float = 0.0,
    ) -> PageTiming:
        """Navigate a fresh context to ``url`` and wait until ``drawn`` holds.

        Every request goes through ``cdn`` (which also keeps the HTTP cache off); the time is
        ``performance.now()`` at the first animation frame where ``drawn`` is true. With
        ``cpu_slowdown`` > 1 the page's CPU is slowed so many times (CDP
        ``Emulation.setCPUThrottlingRate``) from before navigation; with ``trace`` the page is
        traced (Chromium tracing) and its main-thread tasks until drawn are measured.

        ``settle_s``: seconds of rest between making the page and navigating. The new
        context's page starts a renderer process of its own; navigated at once, the page's
        load shares the two cores with that process's start-up (and with the teardown of the
        page before), which is the browser's work, not the page's. A browser keeps a renderer
        ready for the next navigation (Chromium's spare renderer), so a rested one is what a
        reader's click meets.
        """
        context = self._browser.new_context(viewport=VIEWPORT, service_workers="block")
        errors: list[str] = []
        tracing = False
        try:
            context.route("**/*", cdn.handle)
            context.add_init_script(_PROBE % drawn)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            if cpu_slowdown != 1.0:
                session = context.new_cdp_session(page)
                session.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
            if settle_s > 0:
                time.sleep(settle_s)
            if trace:
                self._browser.start_tracing(page=page, categories=TRACE_CATEGORIES)
                tracing = True
            timeout_ms = timeout_s * 1000
            # The probe logs a console message when drawn: waiting for it runs nothing in the
            # page (polling with page.wait_for_function would add its own tasks to the trace).
            try:
                with page.expect_console_message(
                    lambda message: message.text == "ips-bench-drawn", timeout=timeout_ms
                ):
                    page.goto(url, wait_until="commit", timeout=timeout_ms)
            except Exception as exc:
                raise BenchError(
                    f"{url}: not drawn within {timeout_s:.0f} s ({'; '.join(errors[:3])})"
                ) from exc
            timing = PageTiming(
                drawn_ms=float(page.evaluate("() => window.__benchDrawnAt")), errors=errors
            )
            if trace:
                tracing = False
                tasks = main_thread_tasks(json.loads(self._browser.stop_tracing()), timing.drawn_ms)
                timing.tasks = len(tasks)
                timing.longest_task_ms = max((d for _, d in tasks), default=0.0)
                timing.blocking_ms = blocking(tasks)
                timing.blocking_page_ms = blocking([t for t in tasks if t[0] >= 0])
            if pan:
                result = page.evaluate(_PAN)
                timing.fps = result["frames"] / (result["elapsed"] / 1000)
                timing.longest_frame_ms = result["longest"]
            return timing
        finally:
            if tracing:
                self._browser.stop_tracing()
            context.close()
