"""Group "build": cold build time of the default map against a cold ``explore()``."""

from __future__ import annotations

from ._baselines import explore_command
from ._common import OUT_DIR, Figure, Run, ips_map_command, median, time_command

#: Cold build at most 0.8 × explore()'s cold build.
MAX_RATIO = 0.8


def run(run: Run) -> None:
    """Time fresh processes, ours and explore()'s interleaved, and compare the medians.

    One unmeasured run of each comes first, so that one-off costs (bytecode compilation,
    matplotlib's font cache) do not fall on the first measured repetition.
    """
    out = OUT_DIR / "build"
    ours_cmd = ips_map_command("build", "--out", str(out / "ours"))
    explore_cmd = explore_command(out / "explore.html")
    time_command(ours_cmd)
    time_command(explore_cmd)
    ours, explore = [], []
    for _ in range(run.settings.reps):
        ours.append(time_command(ours_cmd))
        explore.append(time_command(explore_cmd))
    run.add(
        Figure(
            "build",
            f"cold build, median of {len(ours)}",
            median(ours),
            "s",
            baseline=median(explore),
            max_ratio=MAX_RATIO,
            note=(
                f"ips-map build: {', '.join(f'{t:.2f}' for t in ours)} s; "
                f"explore(): {', '.join(f'{t:.2f}' for t in explore)} s"
            ),
        )
    )
