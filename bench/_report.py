"""The machine's description, the final table, and the dated section of bench/RESULTS.md."""

from __future__ import annotations

import hashlib
import os
import platform
import re
import subprocess
from datetime import datetime, timezone
from importlib import metadata

from ._common import RESULTS_FILE, ROOT, Run

HEADERS = ["figure", "value", "baseline", "ratio", "target", "result"]
RESULTS_HEADER = """# Benchmark results

Appended by `python -m bench` (`make bench`), newest last. Each section says which machine and
which commit it measured; ratios are against baselines measured in the same run. See
`bench/README.md` for what each figure means.
"""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def chromium_version() -> str:
    """Chromium's version from ``chromium --version`` (when no page was opened)."""
    from ._browser import chromium_path

    try:
        done = subprocess.run(
            [chromium_path(), "--version"], capture_output=True, text=True, timeout=30
        )
    except Exception:
        return "unknown"
    match = re.search(r"Chromium\s+([\d.]+)", done.stdout + done.stderr)
    return match.group(1) if match else "unknown"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()


def _git_commit() -> str:
    """HEAD, and a fingerprint of uncommitted changes to ips_map/ (what was measured)."""
    try:
        head = _git("rev-parse", "--short", "HEAD")
        changed = _git("diff", "--name-only", "HEAD", "--", "ips_map").splitlines()
        diff = _git("diff", "HEAD", "--", "ips_map")
    except OSError:
        return "unknown"
    if not changed:
        return head
    digest = hashlib.sha1(diff.encode("utf-8")).hexdigest()[:10]
    return f"{head} + uncommitted changes to {', '.join(changed)} (diff sha1 {digest})"


def load_average() -> str:
    """The machine's load averages over 1, 5 and 15 minutes, as ``0.52 / 0.61 / 0.70``."""
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine(run: Run) -> list[tuple[str, str]]:
    """What the figures depend on: hardware and software versions."""
    import shapely

    return [
        ("CPU", _cpu_model()),
        ("cores", str(os.cpu_count())),
        ("memory", _memory()),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("geopandas", _version("geopandas")),
        ("shapely", f"{_version('shapely')} (GEOS {shapely.geos_version_string})"),
        ("folium", _version("folium")),
        ("Chromium", run.chromium_version or chromium_version()),
        ("commit", _git_commit()),
        ("load average (1 / 5 / 15 min) at start", run.load_at_start or "unknown"),
        ("load average (1 / 5 / 15 min) at end", load_average()),
    ]


def table(run: Run) -> str:
    """The final table as aligned plain text."""
    rows = [HEADERS] + [figure.cells() for figure in run.figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _markdown_table(run: Run) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for figure in run.figures:
        lines.append("| " + " | ".join(cell(c) for c in figure.cells()) + " |")
    return "\n".join(lines)


def append_results(run: Run, command: str, seconds: float, started: datetime) -> None:
    """Append a dated section (machine, table, details, notes) to bench/RESULTS.md."""
    parts = []
    if not RESULTS_FILE.exists():
        parts.append(RESULTS_HEADER)
    stamp = started.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(f"\n## {stamp} — `{command}`\n")
    parts.append("\n".join(f"- {key}: {value}" for key, value in machine(run)))
    parts.append(f"- run time: {seconds / 60:.1f} min ({seconds:.0f} s)\n")
    parts.append(_markdown_table(run) + "\n")
    details = [f"- {f.group}: {f.name}: {f.note}" for f in run.figures if f.note]
    if details:
        parts.append("Details:\n\n" + "\n".join(details) + "\n")
    if run.notes:
        parts.append("Notes:\n\n" + "\n".join(f"- {note}" for note in run.notes) + "\n")
    if run.errors:
        parts.append(
            "Not measured (errors):\n\n"
            + "\n".join("- " + e.replace("\n", " / ") for e in run.errors)
            + "\n"
        )
    with RESULTS_FILE.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(parts))
