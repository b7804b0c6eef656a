"""Group "draw": time from navigation to a drawn map in headless Chromium."""

from __future__ import annotations

from ._assets import LocalCdn
from ._baselines import explore_command
from ._browser import OURS_READY, PATHS_101, Chromium
from ._common import OUT_DIR, Figure, Run, ips_map_command, median, time_command

#: First draw at most 0.7 × explore()'s.
MAX_RATIO = 0.7


def run(run: Run) -> None:
    """Open the default map and explore()'s page in fresh contexts, interleaved.

    Ours is opened from file:// and is drawn when ``html[data-ips-ready='1']``; explore()'s
    is opened from file:// with every CDN request answered from local npm copies and map
    tiles aborted, and is drawn when the 101 département paths are in the page. One
    unmeasured load of each comes first.
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
    with Chromium() as browser:
        run.chromium_version = browser.version
        browser.open(ours_url, OURS_READY, LocalCdn())
        browser.open(explore_url, PATHS_101, LocalCdn())
        for _ in range(run.settings.reps):
            cdn = LocalCdn()
            ours_ms.append(browser.open(ours_url, OURS_READY, cdn).drawn_ms)
            ours_requests |= set(cdn.local) | cdn.empty | cdn.aborted
            explore_ms.append(browser.open(explore_url, PATHS_101, explore_cdn).drawn_ms)

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
    served = sum(explore_cdn.local.values())
    run.note(
        f"draw: explore()'s page got {len(explore_cdn.local)} assets from local npm copies "
        f"({served:,} B; {'; '.join(explore_cdn.substitutions())}); "
        "served as empty 200 (no local copy): "
        f"{', '.join(sorted(explore_cdn.empty)) or 'none'}; "
        f"{len(explore_cdn.aborted)} OpenStreetMap tile requests aborted (route.abort())."
    )
