"""The command line: help, version, errors without tracebacks, a build."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ips_map._version import __version__
from ips_map.cli import cli
from tests.helpers import write_listing

ROOT = Path(__file__).resolve().parent.parent


def _all_commands(group):
    yield (), group
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            for path, sub in _all_commands(command):
                yield (name, *path), sub
        else:
            yield (name,), command


@pytest.mark.parametrize("path", [p for p, _ in _all_commands(cli)], ids=lambda p: " ".join(p))
def test_every_command_has_help(path):
    command = dict(_all_commands(cli))[path]
    assert command.help and len(command.help.strip()) > 20
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Utilisation :" in result.output
    short = CliRunner().invoke(cli, [*path, "-h"])
    assert short.exit_code == 0 and short.output == result.output


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_python_m_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "ips_map", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "build" in done.stdout


def test_build_writes_outputs_and_prints_them(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["-q", "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("index.html", "coverage.csv", "services.csv", "rejects.csv", "summary.json"):
        assert (out / name).is_file()
        assert str(out / name) in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert f"{summary['departements_couverts']}/101" in result.output


def test_missing_listing_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--services", str(tmp_path / "absent.csv")])
    assert result.exit_code == 2
    assert "absent.csv" in result.output
    assert "Traceback" not in result.output


def test_listing_without_usable_row_fails_cleanly(tmp_path):
    listing = write_listing(tmp_path / "vide.csv", "nom;commune\n;Paris\n")
    result = CliRunner().invoke(cli, ["build", "--services", str(listing), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "vide.csv" in result.output
    assert "aucun service n'est placé (1 ligne à corriger)" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "index.html").exists()


def test_listing_without_nom_column_names_the_fix(tmp_path):
    listing = write_listing(tmp_path / "liste.csv", "structure,ville\nA,Paris\n")
    result = CliRunner().invoke(cli, ["build", "--services", str(listing), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "nom" in result.output and "liste.csv" in result.output


def test_unknown_census_year_lists_the_available_ones(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--census-year", "1990", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "1990" in result.output and "2023" in result.output
    assert "Traceback" not in result.output


def test_rejected_rows_are_reported_on_stderr(tmp_path):
    listing = write_listing(
        tmp_path / "liste.csv",
        "nom,code_commune,departement\nBon,13055,13\nSans lieu,,\nContradictoire,13055,75\n",
    )
    result = CliRunner().invoke(
        cli, ["build", "--services", str(listing), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "1 ligne à corriger" not in result.output
    assert "2 lignes à corriger en sont laissées de côté :" in result.stderr
    assert "  ligne 3 : service impossible à localiser" in result.stderr
    assert "  ligne 4, " in result.stderr
    assert "contradiction" in result.stderr
    assert "1 service placé sur 3 lignes, 2 laissées de côté." in result.stdout


def test_unknown_service_type_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--types", "ips,job", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "job" in result.output and "emploi_accompagne" in result.output


@pytest.mark.parametrize("where", ["file", "proc"])
def test_out_folder_that_cannot_be_created_is_one_line(tmp_path, where):
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "sub" if where == "file" else "/proc/ips-map-absent"
    result = CliRunner().invoke(cli, ["-q", "build", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"{out} : dossier des résultats impossible à créer ou à écrire" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit


def test_output_file_that_cannot_be_written_is_named(tmp_path):
    out = tmp_path / "out"
    (out / "summary.json").mkdir(parents=True)  # a folder where the file goes
    result = CliRunner().invoke(cli, ["-q", "build", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"{out / 'summary.json'} : écriture impossible (un dossier porte ce nom)" in (
        result.output
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("epoch", ["abc", "1e9", "99999999999999999999"])
def test_source_date_epoch_that_is_not_a_number_is_one_line(tmp_path, monkeypatch, epoch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = CliRunner().invoke(cli, ["-q", "build", "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert f"SOURCE_DATE_EPOCH « {epoch} » : un nombre entier de secondes" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("year", "why"),
    [(1900, "Le millésime 1900 n'existe pas"), (3000, "Le millésime 3000 n'est pas encore publié")],
)
def test_census_year_that_cannot_exist_suggests_no_fetch(tmp_path, year, why):
    result = CliRunner().invoke(cli, ["build", "--census-year", str(year), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert why in result.output
    assert "ips-map fetch" not in result.output


def _make(tmp_path: Path, *args: str) -> list[str]:
    """Run a make target with a stand-in ips-map that prints its arguments, one per line."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "ips-map"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    fake.chmod(0o755)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / ".installed").touch()
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "-C", str(ROOT), f"VENV={venv}", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if not line.startswith(str(venv))]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_map_passes_paths_with_spaces_and_quotes(tmp_path):
    services, out = "ma liste d'Anne.csv", str(tmp_path / "sortie (été)")
    args = _make(tmp_path, "map", f"SERVICES={services}", f"OUT={out}", "CENSUS_YEAR=2022")
    assert args == ["build", "--out", out, "--services", services, "--census-year", "2022"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_edition_passes_paths_with_spaces_and_quotes(tmp_path):
    services, out = 'liste "2024" d\'Anne.csv', str(tmp_path / "mes éditions")
    (Path(out) / "2023").mkdir(parents=True)
    args = _make(tmp_path, "edition", "YEAR=2024", "FETCH=0", f"SERVICES={services}", f"OUT={out}")
    assert args[-9:] == [
        "build",
        "--out",
        f"{out}/2024",
        "--census-year",
        "2024",
        "--services",
        services,
        "--previous",
        f"{out}/2023",
    ]
