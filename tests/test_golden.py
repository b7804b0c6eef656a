"""Golden outputs: the same inputs give the same bytes, build after build.

Every output of a set of builds run through the command line (the embedded example, each
listing of the test corpus, an edition compared with the previous one, ``validate
--report``) is hashed and compared with ``tests/data/golden-sha256.json``. A change to an
output is made on purpose, in the commit that means it:

    IPS_MAP_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

rewrites the file, and the diff of that file shows which outputs the commit changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ips_map.cli import cli

from .test_corpus import CORPUS, corpus

GOLDEN = Path(__file__).resolve().parent / "data" / "golden-sha256.json"
#: 2026-01-01T00:00:00Z: the build date of every golden build.
EPOCH = "1767225600"
#: The modification time given to every listing copied in (it is the listing's date on the map).
LISTING_MTIME = 1764547200  # 2025-12-01T00:00:00Z
TEXT_LISTINGS = (
    "ars-cp1252-pointvirgule.csv",
    "reseau-utf8bom-virgule.csv",
    "export-utf8-tabulation.tsv",
    "points.geojson",
)


def _invoke(args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["-q", *args], env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code in (0, 1), result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception


def _listings(folder: Path) -> dict[str, Path]:
    """The corpus listings copied into ``folder`` with a fixed modification time."""
    folder.mkdir(parents=True)
    paths = {}
    for name in TEXT_LISTINGS:
        paths[name] = folder / name
        shutil.copyfile(CORPUS / name, paths[name])
    paths["xlsx"] = corpus.write_xlsx(folder / "ars-classeur.xlsx")
    paths["ods"] = corpus.write_ods(folder / "ars-classeur.ods")
    for path in paths.values():
        os.utime(path, (LISTING_MTIME, LISTING_MTIME))
    return paths


def run_golden_builds(root: Path) -> dict[str, str]:
    """Run every golden build under ``root``; return {"case/file": sha256}.

    The builds run in ``root`` with relative paths: the summary of a compared edition
    names the previous folder as it was given.
    """
    here = Path.cwd()
    os.chdir(root)
    try:
        return _run_builds(root)
    finally:
        os.chdir(here)


def _run_builds(root: Path) -> dict[str, str]:
    listings = {k: p.relative_to(root) for k, p in _listings(root / "listes").items()}
    # The example also draws carte.png and carte.pdf: their bytes are golden too.
    builds = {"exemple": ["build", "--image", "--suggest", "5"]}
    for name, path in listings.items():
        builds[f"liste-{name}"] = ["build", "--services", str(path)]
    # An edition (census 2022) and the next one (census 2023) compared with it.
    builds["edition-2022"] = [
        "build",
        "--services",
        str(listings["ars-cp1252-pointvirgule.csv"]),
        "--census-year",
        "2022",
    ]
    builds["edition-2023"] = [
        "build",
        "--services",
        str(listings["reseau-utf8bom-virgule.csv"]),
        "--census-year",
        "2023",
        "--previous",
        "edition-2022",
    ]
    for case, args in builds.items():
        _invoke([*args, "--out", case])
    report = Path("validate", "rapport.csv")
    report.parent.mkdir()
    _invoke(["validate", "--services", str(listings["xlsx"]), "--report", str(report)])

    hashes = {}
    for case in [*builds, "validate"]:
        for path in sorted((root / case).iterdir()):
            hashes[f"{case}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


@pytest.fixture(scope="module")
def golden_hashes(tmp_path_factory) -> dict[str, str]:
    return run_golden_builds(tmp_path_factory.mktemp("golden"))


def test_outputs_are_the_golden_bytes(golden_hashes):
    if os.environ.get("IPS_MAP_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(golden_hashes, indent=1, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    changed = sorted(
        k for k in expected.keys() & golden_hashes.keys() if expected[k] != golden_hashes[k]
    )
    assert not changed, f"outputs changed (IPS_MAP_UPDATE_GOLDEN=1 if on purpose): {changed}"
    assert golden_hashes.keys() == expected.keys()
    # The golden file was written from builds in another temporary folder: paths of the
    # build folder never reach an output.
