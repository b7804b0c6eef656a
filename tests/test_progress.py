"""Progress on stderr: a line per step when it is not a terminal (CliRunner, a pipe, a log),
a bar with counts on a terminal, nothing with -q, and stdout left to the results."""

from __future__ import annotations

import io
import logging
import re

import pytest
from click.testing import CliRunner

from ips_map.cli import cli
from ips_map.cli._progress import TerminalProgress
from ips_map.progress import Progress, StepProgress, as_progress
from tests.helpers import write_listing

LISTING = "nom;code_commune;statut\nService Ain;01053;actif\nProjet Var;83137;en projet\n"


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def info_logging():
    """The ips_map logger at INFO, as the CLI sets it without -q."""
    logger = logging.getLogger("ips_map")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield logger
    logger.setLevel(level)


def test_validate_shows_each_step_on_stderr_and_keeps_stdout_clean(tmp_path):
    listing = write_listing(tmp_path / "liste.csv", LISTING)
    result = CliRunner().invoke(cli, ["validate", "--services", str(listing)])
    assert result.exit_code == 0, result.output
    steps = [line for line in result.stderr.splitlines() if line.startswith("… ")]
    assert steps == [
        "… Lecture de la liste des services",
        "… Chargement des départements, communes et populations",
        "… Placement des services : 2 lignes",
    ]
    assert "…" not in result.stdout and "\r" not in result.stderr
    assert "2 services" in result.stdout or "2 lignes" in result.stdout
    quiet = CliRunner().invoke(cli, ["-q", "validate", "--services", str(listing)])
    assert quiet.exit_code == 0 and "…" not in quiet.stderr
    assert quiet.stdout == result.stdout


def test_a_counted_step_is_a_bar_with_counts_on_a_terminal(info_logging):
    terminal = Terminal()
    progress = TerminalProgress(terminal)
    assert progress.interactive
    with progress.count("Géocodage des adresses", 3, "adresse") as advance:
        for _ in range(3):
            advance(1)
    drawn = terminal.getvalue()
    assert "… Géocodage des adresses" in drawn and "3/3" in drawn and "100%" in drawn
    assert "\r" in drawn or "\x1b" in drawn  # redrawn in place


def test_a_counted_step_is_two_lines_elsewhere(info_logging, caplog):
    caplog.set_level(logging.INFO, logger="ips_map")
    info_logging.propagate = True
    try:
        progress = TerminalProgress(io.StringIO())
        assert not progress.interactive
        with progress.count("Écriture des résultats", 2, "fichier") as advance:
            advance(1)
            advance(1)
    finally:
        info_logging.propagate = False
    lines = list(dict.fromkeys(r.getMessage() for r in caplog.records))
    assert len(lines) == 2
    assert lines[0] == "… Écriture des résultats : 2 fichiers"
    assert lines[1].startswith("… Écriture des résultats : 2/2 fichiers en ")


def test_what_the_library_takes_as_progress():
    told = []
    step = as_progress(told.append)
    assert isinstance(step, StepProgress)
    step("Lecture")
    with step.count("Géocodage des adresses", 12, "adresse") as advance:
        advance(5)
    assert told == ["Lecture", "Géocodage des adresses (12 adresses)"]
    assert isinstance(as_progress(None), Progress) and as_progress(step) is step


# --- the long steps count their items: reading, placing, drawing (issue 13) ---------------


def _rows(n: int, quoted: bool = False) -> str:
    """A listing of ``n`` rows over 50 communes (placement groups the rows that share one)."""
    communes = ["01053", "13055", "33063", "59350", "69123"] * 10
    name = '"Service {i}, antenne"' if quoted else "Service {i}"
    lines = [name.format(i=i) + f";{communes[i % 50]};actif" for i in range(n)]
    return "nom;code_commune;statut\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("quoted", [False, True], ids=["sans guillemets", "avec guillemets"])
def test_reading_a_csv_counts_every_line_and_each_check(tmp_path, quoted):
    from ips_map.listing.read import read_listing
    from tests.helpers import RecordingProgress

    path = write_listing(tmp_path / "liste.csv", _rows(12_345, quoted))
    progress = RecordingProgress()
    listing = read_listing(path, progress=progress)
    assert len(listing.rows) == 12_345
    lines = progress.counts["lignes du fichier"]
    assert lines["total"] == lines["done"] == 12_346 and lines["detail"]  # the header too
    assert 2 <= lines["calls"] <= 10  # told by blocks, not once per line, nor once at the end
    checks = progress.counts["contrôles des valeurs"]
    assert checks["total"] == checks["done"] == 9 and checks["calls"] == 9


def test_a_text_read_again_after_a_repair_is_not_counted_twice(tmp_path):
    from ips_map.listing.read import read_listing
    from tests.helpers import RecordingProgress

    # The quote opened on the last line is never closed: the text is read, repaired, read again.
    text = _rows(8_000, quoted=True) + '"Service sans fin;01053;actif\n'
    progress = RecordingProgress()
    listing = read_listing(write_listing(tmp_path / "liste.csv", text), progress=progress)
    assert len(listing.rows) == 8_001
    lines = progress.counts["lignes du fichier"]
    assert lines["total"] == lines["done"] == 8_002


def test_reading_a_workbook_and_a_geojson_counts_their_rows(tmp_path):
    import json

    from openpyxl import Workbook

    from ips_map.listing.read import read_listing
    from tests.helpers import RecordingProgress

    book = Workbook()
    sheet = book.active
    sheet.append(["Liste des services"])  # a title row: counted, it is a row of the sheet
    sheet.append(["nom", "code_commune", "statut"])
    for i in range(6_000):
        sheet.append([f"Service {i}", "01053", "actif"])
    book.save(tmp_path / "liste.xlsx")
    progress = RecordingProgress()
    assert len(read_listing(tmp_path / "liste.xlsx", progress=progress).rows) == 6_000
    rows = progress.counts["lignes du classeur"]
    assert rows["total"] == rows["done"] == 6_002 and rows["calls"] >= 2

    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5.2 + i / 1000, 46.2]},
            "properties": {"nom": f"Service {i}", "statut": "actif"},
        }
        for i in range(7)
    ]
    path = tmp_path / "liste.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    progress = RecordingProgress()
    assert len(read_listing(path, progress=progress).rows) == 7
    entities = progress.counts["entités du fichier"]
    assert entities["total"] == entities["done"] == 7 and entities["unit"] == "entité"


def test_placing_counts_every_row_including_those_that_share_a_commune(tmp_path):
    from ips_map.pipeline.prepare import read_and_place
    from tests.helpers import RecordingProgress

    text = _rows(2_500) + "Sans commune;99999;actif\n"  # rejected: counted all the same
    progress = RecordingProgress()
    prepared = read_and_place(write_listing(tmp_path / "liste.csv", text), step=progress)
    assert len(prepared.placement.services) == 2_500 and len(prepared.placement.rejects) == 1
    placed = progress.counts["lignes placées"]
    assert placed["total"] == placed["done"] == 2_501 and placed["detail"]
    assert placed["calls"] >= 3  # told as it goes: every 1,000 rows
    assert "Placement des services : 2\u202f501 lignes" in progress.steps


def test_a_build_on_a_terminal_shows_a_bar_for_each_long_step(tmp_path, info_logging):
    from ips_map.pipeline import build
    from ips_map.settings import BuildSettings

    listing = write_listing(tmp_path / "liste.csv", _rows(40))
    terminal = Terminal()
    build(
        BuildSettings(services=listing, out=tmp_path / "out"), progress=TerminalProgress(terminal)
    )
    drawn = terminal.getvalue()
    for label, total in [
        ("lignes du fichier", 41),
        ("contrôles des valeurs", 9),
        ("lignes placées", 40),
        ("parties de la page", 5),
    ]:
        bar = re.search(rf"    {label}  \[#+\]  {total}/{total}  100%", drawn)
        assert bar is not None, (label, drawn[-2000:])


def test_a_build_elsewhere_tells_its_steps_in_lines_without_the_details(tmp_path):
    listing = write_listing(tmp_path / "liste.csv", _rows(40))
    result = CliRunner().invoke(
        cli, ["build", "--services", str(listing), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "… Placement des services : 40 lignes" in result.stderr
    assert "… Dessin de la carte : " in result.stderr
    steps = [line for line in result.stderr.splitlines() if line.startswith("… ")]
    for detail in ("lignes du fichier", "contrôles", "lignes placées", "parties de la page"):
        assert not any(detail in step for step in steps), steps
    assert "\r" not in result.stderr and "[#" not in result.stderr
