"""Run the benchmarks: ``python -m bench [--quick] [--only NAME[,NAME]]``.

Prints each figure with its target, then a final table, and appends a dated section to
``bench/RESULTS.md``. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from datetime import datetime, timezone

from . import access, build, draw, fidelity, scale, suggest, weight
from ._common import OUT_DIR, BenchError, Run, Settings
from ._report import append_results, load_average, table

GROUPS = {
    "weight": weight.run,
    "fidelity": fidelity.run,
    "build": build.run,
    "draw": draw.run,
    "scale": scale.run,
    "access": access.run,
    "suggest": suggest.run,
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure ips-map against explore() and Folium baselines (bench/README.md).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer repetitions, and skip the 100,000-service listing",
    )
    parser.add_argument(
        "--only",
        metavar="NAME[,NAME]",
        help=f"run only these groups, among: {', '.join(GROUPS)}",
    )
    args = parser.parse_args(argv)
    if args.only:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in names if name not in GROUPS]
        if unknown:
            parser.error(f"unknown group(s) {', '.join(unknown)}; choose among {', '.join(GROUPS)}")
        args.groups = names
    else:
        args.groups = list(GROUPS)
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the chosen groups; exit 1 if a group could not run, 0 otherwise (even on FAIL)."""
    args = _parse(argv)
    run = Run(Settings(quick=args.quick), load_at_start=load_average())
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    start = time.perf_counter()
    for name in args.groups:
        print(f"\n== {name}", flush=True)
        group_start = time.perf_counter()
        try:
            GROUPS[name](run)
        except Exception as exc:  # one failed group must not lose the others
            run.errors.append(f"{name}: {exc}")
            print(f"  ERROR in {name}: {exc}", file=sys.stderr, flush=True)
            if not isinstance(exc, BenchError):
                traceback.print_exc()
        print(f"  ({time.perf_counter() - group_start:.0f} s)", flush=True)
    seconds = time.perf_counter() - start

    print("\n" + table(run))
    if run.errors:
        print("\nNot measured:\n" + "\n".join(f"- {e}" for e in run.errors))
    command = "python -m bench" + (" --quick" if args.quick else "")
    if args.only:
        command += f" --only {','.join(args.groups)}"
    append_results(run, command, seconds, started)
    print(f"\nRun time {seconds / 60:.1f} min; results appended to bench/RESULTS.md")
    return 1 if run.errors else 0


if __name__ == "__main__":
    sys.exit(main())
