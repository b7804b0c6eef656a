"""Minify the page's own scripts with esbuild (npm, package-lock.json's version) into
ips_map/render/vendor/minified/, one file per group of render/_assets.script_groups(), named
by the sha256 of the group's source; files no group names any more are removed. Run it
(``make scripts``) after editing a file of ips_map/render/static/*.js, and commit the result:

    .venv/bin/python scripts/minify_scripts.py           write the files
    .venv/bin/python scripts/minify_scripts.py --check   exit 1 unless they are current

esbuild renames local variables but keeps every function's name (``--keep-names``), so that
an error in a reader's browser still names the function it happened in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ips_map.render._assets import minified_name, script_groups, script_source

ROOT = Path(__file__).resolve().parent.parent
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
OUT = ROOT / "ips_map" / "render" / "vendor" / "minified"
#: The page's scripts are ES2017 at most (eslint.config.js); UTF-8 kept as it is (French
#: words unescaped), no legal comment (the sources have none).
FLAGS = (
    "--minify",
    "--keep-names",
    "--target=es2017",
    "--loader=js",
    "--charset=utf8",
    "--legal-comments=none",
    "--log-level=warning",
)


def esbuild(source: str) -> str:
    """The source as esbuild minifies it (one script, no bundling)."""
    if not ESBUILD.exists():
        sys.exit(f"{ESBUILD} absent : installez les paquets npm (npm ci, ou make test)")
    result = subprocess.run(
        [str(ESBUILD), *FLAGS], input=source, capture_output=True, text=True, encoding="utf-8"
    )
    if result.returncode != 0:
        sys.exit(f"esbuild : {result.stderr.strip()}")
    return result.stdout


def wanted() -> dict[str, str]:
    """Each file of vendor/minified/ that the groups need, and its text."""
    files = {}
    for names in script_groups():
        source = script_source(names)
        files[minified_name(source)] = esbuild(source)
    return files


def main(argv: list[str]) -> int:
    files = wanted()
    present = {path.name for path in OUT.glob("*.js")} if OUT.is_dir() else set()
    if "--check" in argv:
        stale = sorted(present - files.keys())
        wrong = sorted(
            name
            for name, text in files.items()
            if not (OUT / name).is_file() or (OUT / name).read_text(encoding="utf-8") != text
        )
        if stale or wrong:
            print(
                f"{OUT}: missing or not esbuild's {wrong}, named by no group {stale}: "
                "run `make scripts` and commit ips_map/render/vendor/minified/",
                file=sys.stderr,
            )
            return 1
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        tmp = OUT / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, OUT / name)
        print(f"{OUT / name}: {len(text.encode('utf-8'))} bytes")
    for name in present - files.keys():
        (OUT / name).unlink()
        print(f"{OUT / name}: removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
