"""Progress on stderr: a line per step when it is not a terminal (CliRunner, a pipe, a log),
a bar with counts on a terminal, nothing with -q, and stdout left to the results."""

from __future__ import annotations

import io
import logging

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
