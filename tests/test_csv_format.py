"""The CSV files for French spreadsheets (the default) and ``--csv-format international``:
their bytes, pandas reading them as a French spreadsheet would, the editions reading both."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from ips_map.editions import compare_editions, make_edition
from ips_map.editions.read import _read_csv
from ips_map.errors import IpsMapError
from ips_map.outputs import csv_bytes, csv_format, read_number, sniff_delimiter

COLUMNS = ["code", "nom", "population", "services_pour_100k", "capacite", "note"]
ROWS = [
    {
        "code": "01",
        "nom": "Ain",
        "population": 671_289,
        "services_pour_100k": 0.298,
        "capacite": 20.0,  # a float column (pandas: a capacity beside a missing one)
        "note": "=HYPERLINK(1)",
    },
    {
        "code": "2A",
        "nom": "Corse-du-Sud ; « Ajaccio »",
        "population": 160_000,
        "services_pour_100k": None,
        "capacite": float("nan"),
        "note": "-1.55",
    },
    {
        "code": "974",
        "nom": "La Réunion",
        "population": 880_000,
        "services_pour_100k": 1e-05,
        "capacite": 12.5,
        "note": "",
    },
]


def test_french_bytes_by_default():
    assert csv_bytes(COLUMNS, ROWS) == (
        "\ufeffcode;nom;population;services_pour_100k;capacite;note\n"
        "01;Ain;671289;0,298;20;'=HYPERLINK(1)\n"
        '2A;"Corse-du-Sud ; « Ajaccio »";160000;;;-1.55\n'
        "974;La Réunion;880000;1e-05;12,5;\n"
    ).encode("utf-8")


def test_international_bytes():
    assert csv_bytes(COLUMNS, ROWS, "international") == (
        "\ufeffcode,nom,population,services_pour_100k,capacite,note\n"
        "01,Ain,671289,0.298,20,'=HYPERLINK(1)\n"
        "2A,Corse-du-Sud ; « Ajaccio »,160000,,,-1.55\n"
        "974,La Réunion,880000,1e-05,12.5,\n"
    ).encode("utf-8")


def test_pandas_reads_the_french_file_as_a_french_spreadsheet_does():
    data = csv_bytes(COLUMNS, ROWS)
    table = pd.read_csv(
        io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype={"code": str}
    )
    assert list(table.columns) == COLUMNS
    assert list(table["code"]) == ["01", "2A", "974"]
    assert table["nom"][1] == "Corse-du-Sud ; « Ajaccio »"
    assert table["population"].dtype.kind == "i"
    assert table["services_pour_100k"][0] == pytest.approx(0.298)
    assert table["capacite"][0] == 20 and table["capacite"][2] == 12.5
    assert pd.isna(table["capacite"][1])
    international = pd.read_csv(
        io.BytesIO(csv_bytes(COLUMNS, ROWS, "international")), encoding="utf-8-sig"
    )
    assert international["services_pour_100k"][0] == pytest.approx(0.298)


def test_numbers_read_back_in_either_format():
    assert [read_number(t) for t in ("0,298", "0.298", "20", "-1,5", "1e-05")] == [
        0.298,
        0.298,
        20.0,
        -1.5,
        1e-05,
    ]
    with pytest.raises(ValueError):
        read_number("1,2,3")
    assert sniff_delimiter("code;nom;population") == ";"
    assert sniff_delimiter("code,nom,population") == ","
    with pytest.raises(IpsMapError, match="format de CSV « tableur » inconnu"):
        csv_format("tableur")


def _coverage(rate: float, population: int) -> list[dict]:
    return [
        {
            "code": "01",
            "nom": "Ain",
            "statut": "couvert",
            "services_actifs": 2,
            "services_en_projet": 0,
            "services_pour_100k": rate,
            "population": population,
            "annee_population": 2023,
        }
    ]


SERVICES = [
    {
        "nom": "=Plateforme",
        "statut": "actif",
        "code_departement": "01",
        "code_commune_trouve": "01053",
        "nom_commune_trouve": "Bourg-en-Bresse",
        "structure": "Adapei",
        "capacite": 20.0,
    }
]


@pytest.mark.parametrize("fmt", ["francais", "international"])
def test_an_edition_reads_back_what_either_format_wrote(tmp_path, fmt):
    coverage = _coverage(0.298, 671_289)
    paths = {}
    for name, columns, rows in (
        ("coverage.csv", list(coverage[0]), coverage),
        ("services.csv", list(SERVICES[0]), SERVICES),
    ):
        paths[name] = tmp_path / name
        paths[name].write_bytes(csv_bytes(columns, rows, fmt))
    separator = ";" if fmt == "francais" else ","
    assert f"0{',' if fmt == 'francais' else '.'}298" in paths["coverage.csv"].read_text("utf-8")
    assert paths["coverage.csv"].read_text("utf-8-sig").startswith(f"code{separator}nom")
    read = make_edition(
        _read_csv(paths["coverage.csv"], ("code",)), _read_csv(paths["services.csv"], ()), {}
    )
    assert read.departements["01"].taux == 0.298
    assert read.departements["01"].population == 671_289
    assert read.services[0].nom == "=Plateforme"  # the formula guard undone
    in_memory = make_edition(coverage, SERVICES, {})
    assert read.departements == in_memory.departements
    assert read.services == in_memory.services
    assert compare_editions(read, in_memory).changes == []


def test_the_command_line_writes_either_format(editions, tmp_path):
    from click.testing import CliRunner

    from ips_map.cli import cli
    from tests.helpers import write_listing

    runner = CliRunner()
    for fmt, header in (("francais", "type;code;nom"), ("international", "type,code,nom")):
        out = tmp_path / fmt
        args = ["-q", "diff", str(editions.old), str(editions.new), "--out", str(out)]
        done = runner.invoke(cli, [*args, "--csv-format", fmt])
        assert done.exit_code == 0, done.output
        text = (out / "changes.csv").read_text(encoding="utf-8-sig")
        assert text.startswith(header)
        assert ("0,149" if fmt == "francais" else "0.149") in text  # the Ain's rate in 2022
    listing = write_listing(tmp_path / "liste.csv", "nom;code_commune\nIPS Ain;01053\n")
    report = tmp_path / "rapport.csv"
    args = ["validate", "--services", str(listing), "--report", str(report)]
    done = runner.invoke(cli, [*args, "--csv-format", "international"])
    assert done.exit_code == 0, done.output
    assert report.read_text(encoding="utf-8-sig").startswith("unite,ligne,colonne")
    done = runner.invoke(cli, args, env={"IPS_MAP_CSV_FORMAT": "international"})
    assert report.read_text(encoding="utf-8-sig").startswith("unite,ligne,colonne")
    runner.invoke(cli, args)
    assert report.read_text(encoding="utf-8-sig").startswith("unite;ligne;colonne")
    bad = runner.invoke(cli, [*args, "--csv-format", "tableur"])
    assert bad.exit_code == 2
