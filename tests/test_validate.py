"""``ips-map template`` and ``ips-map validate``: a listing to fill in, a listing checked."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from ips_map.cli import cli
from ips_map.errors import SettingsError
from ips_map.listing.columns import COLUMNS
from ips_map.listing.read import read_listing
from ips_map.listing.template import COLUMN_DOCS, write_template
from ips_map.listing.values import TEMPLATE_EXAMPLE_NAME
from ips_map.validate import validate_listing
from tests.helpers import write_listing


def sheet_rows(path, name):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def read_csv(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


# --- template ---------------------------------------------------------------------------------


def test_every_column_is_described():
    assert set(COLUMN_DOCS) == set(COLUMNS)
    assert all(len(text) > 10 for _, text, _ in COLUMN_DOCS.values())
    assert [c for c, (required, _, _) in COLUMN_DOCS.items() if required] == ["nom"]


def test_xlsx_template_has_every_column_an_example_and_descriptions(tmp_path):
    [path] = write_template(tmp_path / "liste.xlsx")
    assert path == tmp_path / "liste.xlsx"
    services = sheet_rows(path, "services")
    assert services[0] == list(COLUMNS)
    assert services[1][0] == TEMPLATE_EXAMPLE_NAME
    assert len(services) == 2
    described = sheet_rows(path, "colonnes")
    assert [row[0] for row in described[1:]] == list(COLUMNS)
    assert described[0][:3] == ["colonne", "obligatoire", "contenu"]


def test_csv_template_writes_the_listing_and_its_column_descriptions(tmp_path):
    paths = write_template(tmp_path / "liste.csv")
    assert paths == [tmp_path / "liste.csv", tmp_path / "liste-colonnes.csv"]
    rows = read_csv(paths[0])
    assert rows[0] == list(COLUMNS) and rows[1][0] == TEMPLATE_EXAMPLE_NAME
    assert [row[0] for row in read_csv(paths[1])[1:]] == list(COLUMNS)
    assert paths[0].read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read accents


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_reads_back_with_its_example_rejected(tmp_path, fmt):
    path = write_template(tmp_path / f"modele.{fmt}")[0]
    listing = read_listing(path, allow_empty=True)
    assert listing.unknown_columns == []
    assert listing.rows.empty
    [reject] = listing.rejects
    assert reject["ligne"] == 2 and "ligne d'exemple du modèle" in reject["raison"]


def test_template_format_and_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert write_template() == [Path("modele-liste-services.xlsx")]
    assert (tmp_path / "modele-liste-services.xlsx").is_file()
    assert write_template(tmp_path / "a", "csv")[0] == tmp_path / "a.csv"
    with pytest.raises(SettingsError):
        write_template(tmp_path / "a.ods", "ods")


def test_a_filled_in_template_validates(tmp_path):
    from openpyxl import load_workbook

    path = write_template(tmp_path / "liste.xlsx")[0]
    workbook = load_workbook(path)
    sheet = workbook["services"]
    values = {"nom": "IPS Lyon", "commune": "Lyon", "code_commune": "69123", "departement": "69"}
    for index, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=2, column=index).value = values.get(column)
    workbook.save(path)
    result = CliRunner().invoke(cli, ["validate", "--services", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 ligne lue : 1 placée" in result.output


def test_template_command(tmp_path):
    out = tmp_path / "m.csv"
    result = CliRunner().invoke(cli, ["template", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and str(tmp_path / "m-colonnes.csv") in result.output
    result = CliRunner().invoke(cli, ["template", "--out", str(tmp_path / "x"), "--format", "xlsx"])
    assert result.exit_code == 0 and (tmp_path / "x.xlsx").is_file()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_never_overwrites_a_file_without_force(tmp_path, fmt):
    out = tmp_path / f"liste.{fmt}"
    out.write_text("ma liste en cours", encoding="utf-8")
    result = CliRunner().invoke(cli, ["template", "--out", str(out)])
    assert result.exit_code == 1
    assert "existe déjà" in result.output and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "ma liste en cours"
    assert not (tmp_path / "liste-colonnes.csv").exists()
    result = CliRunner().invoke(cli, ["template", "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert read_listing(out, allow_empty=True).rejects  # the template, with its example


def test_template_never_overwrites_the_column_descriptions_either(tmp_path):
    described = tmp_path / "m-colonnes.csv"
    described.write_text("mes notes", encoding="utf-8")
    with pytest.raises(SettingsError, match="m-colonnes.csv"):
        write_template(tmp_path / "m.csv")
    assert described.read_text(encoding="utf-8") == "mes notes"
    assert not (tmp_path / "m.csv").exists()


# --- validate ---------------------------------------------------------------------------------

GOOD = "nom;commune;code insee;dept\nIPS Lyon;Lyon;69123;69\nIPS Brest;Brest;;29\n"
MIXED = (
    "nom;ville;cp;dept;statut\n"
    "IPS Lyon;Lyon;69003;69;Actif\n"  # line 2: placed
    "Nulle part;Atlantis;;;actif\n"  # line 3: no evidence
    "Papeete;Papeete;98714;987;actif\n"  # line 4: collectivité d'outre-mer
    "IPS Caen;Caen;1400;14;suspendu\n"  # line 5: unknown statut, kept as written
    "IPS Lyon;Lyon;69003;69;Actif\n"  # line 6: exact duplicate of line 2
)


def test_validate_a_good_listing_exits_0(tmp_path):
    path = write_listing(tmp_path / "ok.csv", GOOD)
    result = CliRunner().invoke(cli, ["validate", "--services", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 lignes lues : 2 placées" in result.output
    assert (
        "La carte peut être construite avec 2 services placés : toutes les lignes sont "
        "utilisables." in result.output
    )


def test_validate_names_each_problem_and_exits_1(tmp_path):
    path = write_listing(tmp_path / "mix.csv", MIXED)
    report = tmp_path / "problemes.csv"
    result = CliRunner().invoke(cli, ["validate", "--services", str(path), "--report", str(report)])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "5 lignes lues : 2 placées" in out
    assert "2 laissées de côté, 1 doublon exact compté une fois." in out
    assert "ligne 3" in out and "impossible à localiser" in out
    assert "ligne 4, colonne « cp », valeur « 98714 »" in out or "ligne 4, colonne « dept »" in out
    assert "pas un département" in out
    assert "ligne 5, colonne « statut », valeur « suspendu »" in out
    assert "doublon exact de la ligne 2" in out
    assert "2 lignes à corriger en sont laissées de côté :" in out
    assert "ligne(s)" not in out and "(s)" not in out
    with open(report, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    errors = [r for r in rows if r["gravite"] == "erreur"]
    assert [r["ligne"] for r in errors] == ["3", "4"]
    assert any(r["colonne"] == "statut" and r["ligne"] == "5" for r in rows)
    assert any("doublon" in r["message"] for r in rows)


def test_validate_reports_every_row_when_none_is_usable(tmp_path):
    path = write_listing(tmp_path / "vide.csv", "nom;statut\n;actif\nB;bof\n")
    result = validate_listing(path)
    assert not result.ok and result.error == ""
    assert [r["ligne"] for r in result.rejects] == [2, 3]
    cli_result = CliRunner().invoke(cli, ["validate", "--services", str(path)])
    assert cli_result.exit_code == 1
    assert "nom manquant" in cli_result.output and "bof" in cli_result.output


def test_validate_an_unreadable_listing(tmp_path):
    path = write_listing(tmp_path / "sans-nom.csv", "ville\nLyon\n")
    result = CliRunner().invoke(cli, ["validate", "--services", str(path)])
    assert result.exit_code == 1
    assert "aucune colonne « nom »" in result.output
    assert "Traceback" not in result.output


def test_validate_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["validate", "--services", str(tmp_path / "absent.xlsx")])
    assert result.exit_code == 2
    assert "fichier introuvable" in result.output and "absent.xlsx" in result.output


def test_duplicates_and_warnings_alone_still_exit_0(tmp_path):
    text = "nom;commune;dept\nA;Lyon;69D\nA;Lyon;69D\n"
    path = write_listing(tmp_path / "d.csv", text)
    result = CliRunner().invoke(cli, ["validate", "--services", str(path)])
    assert result.exit_code == 0, result.output
    assert "doublon exact de la ligne 2" in result.output
    assert "69D" in result.output  # the corrected département is reported


def test_a_row_with_only_a_name_and_a_departement_is_usable(tmp_path):
    path = write_listing(tmp_path / "d.csv", "nom,departement\nA,13\n")
    result = validate_listing(path)
    assert result.ok, result.rejects
    assert result.counts.placed == 1 and result.counts.chef_lieu == 1
    assert result.counts.exact == 0 and result.counts.approximate == 1
    out = CliRunner().invoke(cli, ["validate", "--services", str(path)]).output
    assert "1 au chef-lieu du département (approché)" in out
    assert "Marseille" in out  # the warning says where the service is drawn


@pytest.mark.parametrize("text", ["nom,departement\n", "nom;commune\n;\n\n"])
def test_a_listing_without_any_service_does_not_validate(tmp_path, text):
    # The build fails on it: validate must not say that all is well.
    path = write_listing(tmp_path / "vide.csv", text)
    result = validate_listing(path)
    assert not result.ok
    cli_result = CliRunner().invoke(cli, ["validate", "--services", str(path)])
    assert cli_result.exit_code == 1
    assert "toutes les lignes sont utilisables" not in cli_result.output
    assert "La carte ne peut pas être construite" in cli_result.output
