"""Group "draw": time from navigation to a drawn map in headless Chromium, on a desktop CPU
and on a phone's (Chromium's CPU slowed 4×), with the main thread's blocking time."""

from __future__ import annotations

import time

from ._assets import LocalCdn
from ._baselines import explore_command
from ._browser import OURS_READY, PATHS_101, Chromium
from ._common import OUT_DIR, Figure, Run, ips_map_command, median, time_command

#: First draw at most 0.7 × explore()'s.
MAX_RATIO = 0.7
#: As on a phone: CPU slowed PHONE_SLOWDOWN times (CDP Emulation.setCPUThrottlingRate).
PHONE_SLOWDOWN = 4.0
#: There, at most 200 ms of main-thread blocking until drawn, and 0.5 × explore()'s time.
MAX_PHONE_BLOCKING_MS = 200.0
MAX_PHONE_RATIO = 0.5
PHONE_TIMEOUT_S = 180.0
#: Seconds of rest between making a measured page and navigating it (Chromium.open's
#: settle_s): its renderer process, new with its context, has started, and the page before
#: it has been torn down. Navigated at once, the load shared the two cores with both: at CPU
#: 4×, 5 loads each (2026-12-02, load 1-2), ours 239 -> 96 ms of blocking (101 -> 28 ms of it
#: before the page's first ParseHTML) and 1,619 -> 1,154 ms to drawn, explore() 1,920 ->
#: 1,876 ms and 2,624 -> 2,457 ms. The loads "with a renderer just started", as every run
#: before 2026-12-02 04:00 UTC measured them, are still made and printed (informative).
SETTLE_S = 2.0


def run(run: Run) -> None:
    """Open the default map and explore()'s page in fresh contexts, interleaved.

    Ours is opened from file:// and is drawn when ``html[data-ips-ready='1']``; explore()'s
    is opened from file:// with every CDN request answered from local npm copies and map
    tiles aborted, and is drawn when the 101 département paths are in the page. One
    unmeasured load of each comes first; every measured page rests :data:`SETTLE_S`
    seconds between being made and being navigated. Then both again, interleaved, with the
    CPU slowed 4× and the page traced (see :func:`bench._browser.main_thread_tasks`); then
    those loads once more navigated as soon as their page is made (informative).
    """
    out = OUT_DIR / "draw"
    time_command(ips_map_command("build", "--out", str(out / "ours")))
    explore = out / "explore.html"
    time_command(explore_command(explore))
    ours_url = (out / "ours" / "index.html").resolve().as_uri()
    explore_url = explore.resolve().as_uri()
    LocalCdn().prefetch(explore.read_text(encoding="utf-8"))

    ours_ms, explore_ms = [], []
    ours_requests, explore_cdn = set(), LocalCdn()
    ours_phone, explore_phone = [], []
    ours_cold, explore_cold = [], []
    with Chromium() as browser:
        run.chromium_version = browser.version
        browser.open(ours_url, OURS_READY, LocalCdn())
        browser.open(explore_url, PATHS_101, LocalCdn())
        for _ in range(run.settings.reps):
            cdn = LocalCdn()
            ours_ms.append(browser.open(ours_url, OURS_READY, cdn, settle_s=SETTLE_S).drawn_ms)
            ours_requests |= set(cdn.local) | cdn.empty | cdn.aborted
            explore_ms.append(
                browser.open(explore_url, PATHS_101, explore_cdn, settle_s=SETTLE_S).drawn_ms
            )
        phone = {"cpu_slowdown": PHONE_SLOWDOWN, "trace": True, "timeout_s": PHONE_TIMEOUT_S}
        rested = {**phone, "settle_s": SETTLE_S}
        # More loads than at full speed: on this shared machine a traced load at CPU 4×
        # varies by a third from one to the next, and a median of 3 moved with it.
        for _ in range(run.settings.reps + 2):
            ours_phone.append(browser.open(ours_url, OURS_READY, LocalCdn(), **rested))
            explore_phone.append(browser.open(explore_url, PATHS_101, LocalCdn(), **rested))
        # As every run before 2026-12-02 measured them: navigated as soon as the page is
        # made, its renderer still starting (a rest before the page, for the one before it).
        for _ in range(run.settings.reps + 2):
            time.sleep(SETTLE_S)
            ours_cold.append(browser.open(ours_url, OURS_READY, LocalCdn(), **phone))
            time.sleep(SETTLE_S)
            explore_cold.append(browser.open(explore_url, PATHS_101, LocalCdn(), **phone))

    run.add(
        Figure(
            "draw",
            f"time to drawn default map, median of {len(ours_ms)}",
            median(ours_ms),
            "ms",
            baseline=median(explore_ms),
            max_ratio=MAX_RATIO,
            note=(
                f"ours {', '.join(f'{t:.0f}' for t in ours_ms)} ms, "
                f"{len(ours_requests)} network requests; explore() "
                f"{', '.join(f'{t:.0f}' for t in explore_ms)} ms"
            ),
        )
    )
    _phone_figures(run, ours_phone, explore_phone)
    _phone_figures(run, ours_cold, explore_cold, cold=True)
    served = sum(explore_cdn.local.values())
    run.note(
        f"draw: explore()'s page got {len(explore_cdn.local)} assets from local npm copies "
        f"({served:,} B; {'; '.join(explore_cdn.substitutions())}); "
        "served as empty 200 (no local copy): "
        f"{', '.join(sorted(explore_cdn.empty)) or 'none'}; "
        f"{len(explore_cdn.aborted)} OpenStreetMap tile requests aborted (route.abort())."
    )


def _listed(values) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


def _phone_figures(run: Run, ours: list, explore: list, cold: bool = False) -> None:
    """Blocking time, longest task and time to drawn with the CPU slowed 4×; ``cold``: the
    loads navigated as soon as their page was made (informative, no target)."""
    n = len(ours)
    slow = f"CPU {PHONE_SLOWDOWN:g}×" + (", renderer just started" if cold else "")
    how = (
        "as measured before 2026-12-02 (no rest between making the page and navigating); "
        if cold
        else ""
    )
    run.add(
        Figure(
            "draw",
            f"{slow}: main-thread blocking time, navigation to drawn, median of {n}",
            median([t.blocking_ms for t in ours]),
            "ms",
            baseline=median([t.blocking_ms for t in explore]),
            limit=None if cold else MAX_PHONE_BLOCKING_MS,
            note=(
                f"{how}sum over main-thread tasks of their time beyond 50 ms; ours "
                f"{_listed(t.blocking_ms for t in ours)} ms, of which from the page's first "
                f"ParseHTML (not the navigation's commit and new window) "
                f"{_listed(t.blocking_page_ms for t in ours)} ms; explore() "
                f"{_listed(t.blocking_ms for t in explore)} ms"
            ),
        )
    )
    run.add(
        Figure(
            "draw",
            f"{slow}: longest main-thread task until drawn, median of {n}",
            median([t.longest_task_ms for t in ours]),
            "ms",
            baseline=median([t.longest_task_ms for t in explore]),
            note=(
                f"ours {_listed(t.longest_task_ms for t in ours)} ms in "
                f"{_listed(t.tasks for t in ours)} tasks; explore() "
                f"{_listed(t.longest_task_ms for t in explore)} ms"
            ),
        )
    )
    run.add(
        Figure(
            "draw",
            f"{slow}: time to drawn default map, median of {n}",
            median([t.drawn_ms for t in ours]),
            "ms",
            baseline=median([t.drawn_ms for t in explore]),
            max_ratio=None if cold else MAX_PHONE_RATIO,
            note=(
                f"traced loads; ours {_listed(t.drawn_ms for t in ours)} ms, explore() "
                f"{_listed(t.drawn_ms for t in explore)} ms"
            ),
        )
    )
