"""Group "weight": size of the default map against geopandas ``explore()``'s page."""

from __future__ import annotations

from ._assets import local_file, page_asset_urls
from ._baselines import explore_command
from ._common import OUT_DIR, BenchError, Figure, Run, ips_map_command, time_command

#: Self-contained default map: at most 1.0 MB and 25 % of explore()'s HTML.
MAX_BYTES = 1_000_000
MAX_RATIO = 0.25


def run(run: Run) -> None:
    """Build the default map and explore()'s page once each and compare their sizes."""
    out = OUT_DIR / "weight"
    time_command(ips_map_command("build", "--out", str(out / "ours")))
    ours = out / "ours" / "index.html"
    explore = out / "explore.html"
    time_command(explore_command(explore))

    ours_html = ours.read_text(encoding="utf-8")
    external = page_asset_urls(ours_html)
    run.add(
        Figure(
            "weight",
            "default map HTML (self-contained)",
            ours.stat().st_size,
            "B",
            baseline=explore.stat().st_size,
            limit=MAX_BYTES,
            max_ratio=MAX_RATIO,
            note=f"{len(external)} external assets" + (f": {external}" if external else ""),
        )
    )
    urls = page_asset_urls(explore.read_text(encoding="utf-8"))
    sizes, missing = 0, []
    for url in urls:
        try:
            path = local_file(url)
        except BenchError as exc:
            path = None
            run.errors.append(str(exc))
        if path is None:
            missing.append(url)
        else:
            sizes += path.stat().st_size
    note = f"{sizes:,} B more from CDNs (local npm copies; fonts and images they load not counted)"
    if missing:
        note += f"; {len(missing)} without a local copy"
    run.add(
        Figure("weight", "explore() external assets (scripts, styles)", len(urls), "", note=note)
    )
