"""Census vintages as data: the package's file of known vintages, and a vintage it does not
know fetched by its insee.fr page (or address), recorded beside the fetched data and found
again the next time, against a local INSEE stand-in."""

from __future__ import annotations

import json
import shutil
from datetime import date
from importlib import resources

import pytest
from click.testing import CliRunner

from ips_map.cli import cli
from ips_map.errors import DataFileError
from ips_map.refresh import NotPublished, fetch_census
from ips_map.sources.calendar import (
    INSEE_CENSUS_PAGES,
    census_fetch_hint,
    insee_census_url,
    known_vintages,
    user_vintages_path,
)
from ips_map.territory.data import census_years
from tests.test_fetch_data import EMBEDDED, insee_zip, scaled

AFTER_2024 = date(2027, 1, 5)  # the 2024 vintage is out (end of December 2026)


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A copy of the embedded data (IPS_MAP_DATA_DIR): the repo's data/ is never written."""
    copy = tmp_path / "data"
    shutil.copytree(EMBEDDED, copy, ignore=shutil.ignore_patterns("fetched"))
    monkeypatch.setenv("IPS_MAP_DATA_DIR", str(copy))
    monkeypatch.delenv("IPS_MAP_INSEE_URL", raising=False)
    return copy


def test_the_known_vintages_are_a_data_file():
    raw = json.loads(
        resources.files("ips_map.sources").joinpath("census_vintages.json").read_text()
    )
    pages = {int(year): entry["page"] for year, entry in raw["millesimes"].items()}
    assert pages == INSEE_CENSUS_PAGES
    assert {y: pages[y] for y in (2020, 2021, 2022, 2023)} == {
        2020: "6683035",
        2021: "7739582",
        2022: "8290591",
        2023: "8680726",
    }
    for year, entry in raw["millesimes"].items():
        assert entry["fichier"] == "donnees_departements.csv"
        assert entry["publication"] == f"{int(year) + 2}-12"
        assert insee_census_url(int(year)) == (
            f"https://www.insee.fr/fr/statistiques/fichier/{entry['page']}/ensemble.zip"
        )


def test_an_unknown_vintage_is_fetched_by_its_page_and_remembered(data, httpserver, fast):
    base = httpserver.url_for("/fichier")
    httpserver.expect_request("/fichier/9990001/ensemble.zip").respond_with_data(
        insee_zip(scaled(1.004))
    )
    with pytest.raises(NotPublished) as info:
        fetch_census(2024, base_url=base, settings=fast, today=AFTER_2024)
    message = str(info.value)
    assert "--page" in message and "make edition YEAR=2024 CENSUS_PAGE=" in message
    assert "sources.py" not in message and "calendar.py" not in message
    assert len(httpserver.log) == 0

    result = fetch_census(2024, page="9990001", base_url=base, settings=fast, today=AFTER_2024)
    record = user_vintages_path()
    assert record == data / "fetched" / "census" / "millesimes.json"
    assert record in result.records
    entry = json.loads(record.read_text(encoding="utf-8"))["millesimes"]["2024"]
    assert entry == {
        "adresse": f"{base}/9990001/ensemble.zip",
        "archive": "ensemble.zip",
        "enregistre_le": "2027-01-05",
        "fichier": "donnees_departements.csv",
        "page": "9990001",
    }
    assert 2024 in census_years() and known_vintages()[2024].page == "9990001"
    # The next fetch (make edition YEAR=2024) needs no address, and says so.
    assert (
        census_fetch_hint(2024, AFTER_2024) == "Pour l'ajouter : ips-map fetch census --year 2024."
    )
    again = fetch_census(2024, settings=fast, today=AFTER_2024)
    assert len(httpserver.log) == 2
    assert again.files == result.files
    # A vintage the package knows, from its own address, writes no record.
    assert insee_census_url(2023, base) == f"{base}/8680726/ensemble.zip"


def test_cli_fetch_census_with_a_page_and_a_broken_record(data, httpserver):
    httpserver.expect_request("/fichier/9990001/ensemble.zip").respond_with_data(
        insee_zip(scaled(1.004))
    )
    env = {"IPS_MAP_INSEE_URL": httpserver.url_for("/fichier")}
    runner = CliRunner()
    args = ["-q", "fetch", "--retries", "0", "census", "--year", "2024"]
    bad = runner.invoke(cli, [*args, "--page", "page-neuf"], env=env)
    assert bad.exit_code == 2 and "n'est pas un numéro de page insee.fr" in bad.output
    both = runner.invoke(cli, [*args, "--page", "1", "--url", "http://x/e.zip"], env=env)
    assert both.exit_code == 2
    page = "https://www.insee.fr/fr/statistiques/9990001"  # the page's address is read too
    done = runner.invoke(cli, [*args, "--page", page], env=env)
    assert done.exit_code == 0, done.output
    assert str(user_vintages_path()) in done.stdout
    user_vintages_path().write_text("[1, 2", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"millesimes\.json : relevé des millésimes illisible"):
        known_vintages()


def test_a_broken_record_is_refused_not_replaced(data):
    from ips_map.sources.calendar import record_vintage

    path = user_vintages_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"millesimes": {"2024": ', encoding="utf-8")
    with pytest.raises(DataFileError, match="relevé des millésimes illisible"):
        record_vintage(2024, "http://miroir/f/9990001/ensemble.zip", "donnees_departements.csv")
    assert path.read_text(encoding="utf-8") == '{"millesimes": {"2024": '
