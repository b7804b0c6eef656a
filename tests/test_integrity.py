"""No lost input, no mixed folder, no stray file, nothing raw on a terminal.

A build writes its outputs as one set (``summary.json`` last, with the sha256 of the others);
a build killed while writing leaves the whole old set, the whole new one, or a folder that
says it is incomplete, and the next build removes the temporary files it left. No output
path may be an input path. Text that reaches a terminal has its control characters escaped.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ips_map.cli import cli
from ips_map.cli._shared import terminal_safe
from ips_map.editions import read_edition
from ips_map.errors import EditionError
from ips_map.outputs import INCOMPLETE, OutputError, OutputSet, remove_stray_files
from ips_map.pipeline import build
from ips_map.settings import BuildSettings
from tests.helpers import write_listing

LISTING = "nom;code_commune;statut\nService Lyon;69123;actif\nService Brest;29019;en projet\n"
ESCAPES = "\x1b]0;pirate\x07\x1b[2J\u202e"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- outputs never clobber inputs ------------------------------------------------------------


def test_validate_report_cannot_overwrite_the_listing(tmp_path):
    listing = write_listing(tmp_path / "liste.csv", LISTING)
    before = listing.read_bytes()
    link = tmp_path / "lien.csv"
    link.symlink_to(listing)
    for target in (listing, link):
        result = CliRunner().invoke(
            cli, ["validate", "--services", str(listing), "--report", str(target)]
        )
        assert result.exit_code == 1, result.output
        assert "serait écrasé" in result.output and "--report" in result.output
        assert listing.read_bytes() == before


def test_build_out_cannot_overwrite_the_listing(tmp_path):
    listing = write_listing(tmp_path / "services.csv", LISTING)
    before = listing.read_bytes()
    result = CliRunner().invoke(
        cli, ["-q", "build", "--services", str(listing), "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "services.csv" in result.output and "--out" in result.output
    assert listing.read_bytes() == before
    assert not (tmp_path / "index.html").exists()


def test_build_out_cannot_overwrite_a_data_file(tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "census").mkdir(parents=True)
    (data / "census" / "summary.json").write_text("{}")
    monkeypatch.setenv("IPS_MAP_DATA_DIR", str(data))
    with pytest.raises(OutputError, match="summary.json"):
        build(BuildSettings(out=data / "census", build_date="2026-01-01"))


# --- one build, one set of outputs -----------------------------------------------------------


@pytest.fixture(scope="module")
def one_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("set")
    listing = write_listing(out.parent / "set-liste.csv", LISTING)
    build(BuildSettings(services=listing, out=out, build_date="2026-01-01"))
    return out


def test_summary_lists_the_sha256_of_every_other_output(one_build):
    summary = json.loads((one_build / "summary.json").read_text(encoding="utf-8"))
    files = summary["fichiers"]
    outputs = {"coverage.csv", "services.csv", "rejects.csv", "index.html", "communes-recherche.js"}
    outputs |= {"zones_emploi.csv", "communes.csv"}
    assert set(files) == outputs
    for name, sha in files.items():
        assert _sha(one_build / name) == sha
    assert len(summary["id_construction"]) == 16
    assert INCOMPLETE not in summary


def test_an_interrupted_set_says_so_and_is_refused_as_an_edition(one_build, tmp_path):
    folder = tmp_path / "coupe"
    folder.mkdir()
    for path in one_build.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    files = OutputSet(folder)
    files.begin("carte de test")
    files.write("coverage.csv", b"\xef\xbb\xbfcode\n")  # killed after the first file
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert "interrompue" in summary[INCOMPLETE]
    with pytest.raises(EditionError, match="construction interrompue"):
        read_edition(folder)
    result = CliRunner().invoke(cli, ["diff", str(folder), str(one_build)])
    assert result.exit_code == 1 and "relancez" in result.output


def test_stray_temporary_files_are_removed_by_the_next_build(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stray = [out / ".services.csv.a1b2c3d4.tmp", out / ".index.html.zz_9yy8x.tmp"]
    for path in stray:
        path.write_bytes(b"x" * 1000)
    kept = [out / ".notes.txt", out / "brouillon.tmp"]  # not ours: left alone
    for path in kept:
        path.write_text("à garder")
    build(BuildSettings(services=write_listing(tmp_path / "l.csv", LISTING), out=out))
    assert not any(path.exists() for path in stray)
    assert all(path.exists() for path in kept)
    assert remove_stray_files(out) == []


def _state(folder: Path, old: dict, new: dict) -> str:
    """'old', 'new' or 'incomplete'; fails on a silently mixed folder."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    if INCOMPLETE in summary:
        return "incomplete"
    current = {name: _sha(folder / name) for name in summary["fichiers"]}
    for label, expected in (("old", old), ("new", new)):
        if summary["fichiers"] == expected["fichiers"] == current:
            return label
    raise AssertionError(f"mixed folder without a word: {current} vs {summary['fichiers']}")


#: Kills of the kill test (10: each real build now also writes the access tables, 3 MB);
#: ``make stress`` asks for more (IPS_MAP_KILLS=50).
KILLS = int(os.environ.get("IPS_MAP_KILLS", "10"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_kills_during_a_build_leave_whole_sets_or_say_so(tmp_path):
    """Real builds killed (SIGKILL) at random moments of their write phase: every folder is
    the whole old set, the whole new one, or says it is incomplete; the next build leaves no
    stray file and a whole set. ``make stress`` runs it with many more kills."""
    old_listing = write_listing(tmp_path / "ancienne.csv", LISTING)
    new_listing = write_listing(tmp_path / "nouvelle.csv", LISTING + "Service Dijon;21231;actif\n")
    reference = {}
    for label, listing in (("old", old_listing), ("new", new_listing)):
        build(BuildSettings(services=listing, out=tmp_path / label, build_date="2026-01-01"))
        reference[label] = json.loads((tmp_path / label / "summary.json").read_text("utf-8"))
    rng = random.Random(20261201)
    states = []
    for k in range(KILLS):
        out = tmp_path / f"out{k}"
        shutil.copytree(tmp_path / "old", out)
        _kill_during_write(out, new_listing, delay=rng.uniform(0, 0.04))
        states.append(_state(out, reference["old"], reference["new"]))
        if states[-1] == "incomplete" and states.count("incomplete") <= 2:
            build(BuildSettings(services=new_listing, out=out, build_date="2026-01-01"))
            assert not list(out.glob(".*.tmp"))
            assert _state(out, reference["old"], reference["new"]) == "new"
    assert set(states) - {"new"}, f"no kill landed before the end of the write: {states}"


def _kill_during_write(out: Path, listing: Path, delay: float) -> None:
    """Fork a real build into ``out``; SIGKILL it ``delay`` s after it starts writing."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: tells the parent when the write phase starts

        def progress(message):
            if message.startswith("Écriture"):
                os.write(write_end, b"w")

        try:
            build(BuildSettings(services=listing, out=out, build_date="2026-01-01"), progress)
        finally:
            os._exit(0)
    os.close(write_end)
    os.read(read_end, 1)
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(read_end)


# --- terminal output and numbers -------------------------------------------------------------


def test_terminal_safe_escapes_controls_and_keeps_text():
    assert terminal_safe(f"a{ESCAPES}b\né\tz") == "a\\x1b]0;pirate\\x07\\x1b[2J\\u202eb\né\tz"


def test_listing_values_reach_the_terminal_escaped(tmp_path):
    listing = write_listing(
        tmp_path / "l.csv",
        "nom;code_commune;statut\nService;69123;inconnu\x1b[31mpirate\x07\u202e\n",
    )
    commands = (
        ["validate", "--services", str(listing)],
        # -v: the build's verdict quotes every warning, the statut not recognised too.
        ["-v", "build", "--services", str(listing), "--out", str(tmp_path / "o")],
    )
    for args in commands:
        result = CliRunner().invoke(cli, args)
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "\u202e" not in result.output
        assert "\\x1b[31mpirate\\x07\\u202e" in result.output, result.output


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "0", "10000"])
def test_census_year_out_of_range_is_refused_in_one_line(value):
    result = CliRunner().invoke(cli, ["build", "--census-year", value])
    assert result.exit_code == 2
    assert "--census-year" in result.output and "Traceback" not in result.output
