"""Group "build": cold build time of the default map against cold baselines: geopandas'
``explore()``, the five-line Folium map, and the floor (import geopandas, read the file).

The comparisons are about the page: our build runs with ``--no-image``. The static images
(``carte.png``, ``carte.pdf``) are timed apart, as an informative figure: a build with them
less a build without.

"ours" is the build someone runs again (the default map rebuilt): it finds what builds keep
in the cache (:mod:`ips_map.memo`, the compiled templates). "first" is the same build with
an empty cache of its own each time, as the very first build on a machine, or, for the
results the listing gives, the first build after the listing changed: an informative
figure, with the same baselines."""

from __future__ import annotations

from ._baselines import explore_command, floor_command, folium_command
from ._common import OUT_DIR, Figure, Run, ips_map_command, median, time_command_cpu

#: Cold build at most 0.4 × explore()'s cold build.
MAX_RATIO_EXPLORE = 0.4
#: Cold build at most 0.6 × the five-line Folium map's.
MAX_RATIO_FOLIUM = 0.6


def _times(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def _with_empty_cache(command: list[str]) -> list[str]:
    """``command`` with a cache folder of its own, empty, removed after (a shell's start,
    about 2 ms, and the removal are timed with it)."""
    script = (
        'folder=$(mktemp -d) && IPS_MAP_CACHE_DIR="$folder" IPS_MAP_MEMO_DIR="$folder/calculs" '
        '"$0" "$@"; status=$?; rm -rf "$folder"; exit $status'
    )
    return ["sh", "-c", script, *command]


def run(run: Run) -> None:
    """Time fresh processes, ours and the baselines' interleaved, and compare the medians.

    One unmeasured run of each comes first, so that one-off costs (bytecode compilation,
    matplotlib's font cache) do not fall on the first measured repetition.
    """
    out = OUT_DIR / "build"
    commands = {
        "ours": ips_map_command("build", "--no-image", "--out", str(out / "ours")),
        "first": _with_empty_cache(
            ips_map_command("build", "--no-image", "--out", str(out / "first"))
        ),
        "images": ips_map_command("build", "--image", "--out", str(out / "images")),
        "explore": explore_command(out / "explore.html"),
        "folium": folium_command(out / "folium.html"),
        "floor": floor_command(),
    }
    for command in commands.values():
        time_command_cpu(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(run.settings.reps):
        for name, command in commands.items():
            wall, used = time_command_cpu(command)
            times[name].append(wall)
            cpu[name].append(used)
    ours, first, images, explore, folium, floor = (median(times[name]) for name in commands)
    run.add(
        Figure(
            "build",
            f"cold build vs explore(), median of {len(times['ours'])}",
            ours,
            "s",
            baseline=explore,
            max_ratio=MAX_RATIO_EXPLORE,
            note=(
                f"ips-map build: {_times(times['ours'])} s; explore(): {_times(times['explore'])} s"
            ),
        )
    )
    run.add(
        Figure(
            "build",
            f"cold build vs the five-line Folium map, median of {len(times['ours'])}",
            ours,
            "s",
            baseline=folium,
            max_ratio=MAX_RATIO_FOLIUM,
            note=f"folium.GeoJson map: {_times(times['folium'])} s",
        )
    )
    run.add(
        Figure(
            "build",
            "cold build above the floor (import geopandas, read the boundaries)",
            ours,
            "s",
            baseline=floor,
            note=(
                f"floor: {_times(times['floor'])} s; the build takes {ours - floor:+.2f} s "
                "more than the floor"
            ),
        )
    )
    # The same comparisons in processor time: what each process computed, which the other
    # tenants of a shared machine change much less than its wall time.
    ours_cpu, explore_cpu, folium_cpu = (
        median(cpu[name]) for name in ("ours", "explore", "folium")
    )
    for label, baseline, times_of in (
        ("explore()", explore_cpu, "explore"),
        ("the five-line Folium map", folium_cpu, "folium"),
    ):
        run.add(
            Figure(
                "build",
                f"cold build vs {label}, processor time (user + system), median of "
                f"{len(cpu['ours'])}",
                ours_cpu,
                "s",
                baseline=baseline,
                note=f"ips-map build: {_times(cpu['ours'])} s; {times_of}: "
                f"{_times(cpu[times_of])} s",
            )
        )
    for label, baseline in (("explore()", explore), ("the five-line Folium map", folium)):
        run.add(
            Figure(
                "build",
                f"first build (empty cache) vs {label}, median of {len(times['first'])}",
                first,
                "s",
                baseline=baseline,
                note=f"ips-map build, nothing kept: {_times(times['first'])} s",
            )
        )
    run.add(
        Figure(
            "build",
            "carte.png and carte.pdf: a cold build with them less one without",
            images - ours,
            "s",
            note=f"ips-map build --image: {_times(times['images'])} s",
        )
    )
