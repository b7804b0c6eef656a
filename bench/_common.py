"""Paths, figures, timing and formatting shared by the benchmark groups."""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
OUT_DIR = BENCH_DIR / "out"
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
DEPARTEMENTS_FILE = ROOT / "data" / "geo" / "departements-avec-outre-mer.geojson"
COMMUNES_FILE = ROOT / "data" / "census" / "communes.csv"


class BenchError(RuntimeError):
    """A measurement could not be made (a build failed, a page never drew)."""


@dataclass
class Settings:
    """Options of one run."""

    quick: bool = False

    @property
    def reps(self) -> int:
        """Repetitions of cold builds and of page loads."""
        return 2 if self.quick else 5


@dataclass
class Figure:
    """One measured figure, with its baseline and target.

    ``limit`` is an upper bound on ``value``; ``min_value`` a lower bound; ``max_ratio`` an
    upper bound on ``value / baseline``. A figure with none of them is informative only.
    """

    group: str
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    limit: float | None = None
    min_value: float | None = None
    max_ratio: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def checked(self) -> bool:
        return self.limit is not None or self.max_ratio is not None or self.min_value is not None

    @property
    def passed(self) -> bool | None:
        """True or False against the targets; None when there is no target."""
        if not self.checked:
            return None
        if self.value is None:
            return False
        ok = True
        if self.limit is not None:
            ok &= self.value <= self.limit
        if self.min_value is not None:
            ok &= self.value >= self.min_value
        if self.max_ratio is not None:
            ok &= self.ratio is not None and self.ratio <= self.max_ratio
        return ok

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "info"}[self.passed]

    @property
    def target(self) -> str:
        parts = []
        if self.limit == 0:
            parts.append("= 0")
        elif self.limit is not None:
            parts.append(f"≤ {fmt(self.limit, self.unit)}")
        if self.min_value is not None:
            parts.append(f"≥ {fmt(self.min_value, self.unit)}")
        if self.max_ratio is not None:
            parts.append(f"≤ {self.max_ratio:g} × baseline")
        return " and ".join(parts) or "—"

    def cells(self) -> list[str]:
        """The row of the final table: figure, value, baseline, ratio, target, verdict."""
        ratio = self.ratio
        return [
            f"{self.group}: {self.name}",
            fmt(self.value, self.unit),
            fmt(self.baseline, self.unit) if self.baseline is not None else "—",
            f"{ratio:.2f}" if ratio is not None else "—",
            self.target,
            self.verdict,
        ]


@dataclass
class Run:
    """What a run collects: figures, notes for the results file, and what failed."""

    settings: Settings
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    chromium_version: str = ""
    load_at_start: str = ""  # the load averages (1, 5, 15 min) when the run started

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        line = f"  {figure.name}: {fmt(figure.value, figure.unit)}"
        if figure.baseline is not None:
            line += f" (baseline {fmt(figure.baseline, figure.unit)}"
            if figure.ratio is not None:
                line += f", ratio {figure.ratio:.2f}"
            line += ")"
        if figure.checked:
            line += f" — target {figure.target}: {figure.verdict}"
        if figure.note:
            line += f" [{figure.note}]"
        print(line, flush=True)
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)


@contextlib.contextmanager
def memo_folder(folder: str):
    """While it lasts, the builds of this process and its children keep their results
    (``ips_map.memo``) in ``folder``; the variable as it was after."""
    before = os.environ.get("IPS_MAP_MEMO_DIR")
    os.environ["IPS_MAP_MEMO_DIR"] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("IPS_MAP_MEMO_DIR", None)
        else:
            os.environ["IPS_MAP_MEMO_DIR"] = before


def fmt(value: float | None, unit: str) -> str:
    """Format a value with its unit for the tables (thousands separated by commas)."""
    if value is None:
        return "n/a"
    if unit == "B":
        if value >= 100_000:
            return f"{value:,.0f} B ({value / 1e6:.2f} MB)"
        return f"{value:,.0f} B"
    if unit == "B/service":
        return f"{value:,.1f} B/service"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "m":
        return f"{value:,.0f} m"
    if unit == "m²":
        return f"{value:,.3g} m²" if value < 1000 else f"{value:,.0f} m²"
    if unit == "fps":
        return f"{value:.1f} fps"
    if unit == "":
        return f"{value:,.0f}"
    return f"{value:,.3g} {unit}"


def median(values: list[float]) -> float:
    """Median of a non-empty list."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def ips_map_command(*args: str) -> list[str]:
    """The ``ips-map`` console script of this interpreter's environment, with ``args``."""
    script = Path(sys.executable).parent / "ips-map"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "ips_map", *args]


def time_command(command: list[str], timeout: float = 600.0) -> float:
    """Run ``command`` in a fresh process from the repository root; return its wall time (s)."""
    return time_command_cpu(command, timeout)[0]


def time_command_cpu(command: list[str], timeout: float = 600.0) -> tuple[float, float]:
    """:func:`time_command`, with the processor time (user and system, s) the process and
    the children it waited for used: the wall time of a process on a machine shared with
    others counts their work too, its processor time much less so."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # Let the unmeasured first run write bytecode, as an installed package has it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{' '.join(command[:3])}…: still running after {timeout:.0f} s") from exc
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise BenchError(f"{' '.join(command[:4])}… exited {done.returncode}:\n{tail}")
    return elapsed, cpu
