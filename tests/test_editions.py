"""Editions on two real builds of small listings: reading them back, comparing them and the
wording of the changes; the build with ``--previous`` and ``ips-map diff``."""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from ips_map.cli import cli
from ips_map.editions import (
    CHANGE_COLUMNS,
    CHANGE_TYPES,
    compare_editions,
    read_edition,
)
from ips_map.errors import EditionError
from ips_map.pipeline import build
from ips_map.settings import BuildSettings
from tests.helpers import write_listing

#: The earlier listing's file name is hostile: it is shown in the new map's panel.
OLD_LISTING_NAME = "ancienne {{ 7*7 }} <i>.csv"
OLD_LISTING = (
    "nom;code_commune;statut;departements_desservis\n"
    "Plateforme Rhône;69123;actif;69 01\n"
    "Service Marseille;13055;actif;\n"
    "Projet Creuse;23096;en projet;\n"
    "Service Lille;59350;actif;\n"
    "Service Rennes;35238;fermé;\n"
    "Plateforme Côte-d'Or;21231;actif;\n"
    "Service Lyon Est;99999;actif;\n"
)
# Same Rhône service written another way (same key); Marseille closed; the Creuse project
# opened; Lille gone from the listing; a new service in Gironde; Rennes still closed; the
# Côte-d'Or's platform moved from Dijon to Chenôve; Lyon Est, rejected before (no such
# commune code), readable now.
NEW_LISTING = (
    "nom;code_commune;statut;departements_desservis\n"
    "PLATEFORME RHONE;69123;actif;69 01 42\n"
    "Service Marseille;13055;fermé;\n"
    "Projet Creuse;23096;actif;\n"
    "Service Bordeaux {{ 7*7 }} <b>;33063;actif;\n"
    "Service Rennes;35238;fermé;\n"
    "PLATEFORME COTE D'OR;21166;actif;\n"
    "Service Lyon Est;69123;actif;\n"
)
OLD_DATE, NEW_DATE = "2025-01-10", "2026-01-01"
EXPECTED_STATUS = {
    "13": ("couvert", "non_couvert"),
    "23": ("en_projet", "couvert"),
    "33": ("non_couvert", "couvert"),
    "42": ("non_couvert", "couvert"),
    "59": ("couvert", "non_couvert"),
}


@dataclass
class Editions:
    old: Path
    new: Path
    result: object  # BuildResult of the new edition (built with previous=old)


def make_editions(folder: Path) -> Editions:
    """Build an edition (census 2022) and the next one (census 2023) compared with it."""
    old_listing = write_listing(folder / OLD_LISTING_NAME, OLD_LISTING)
    new_listing = write_listing(folder / "nouvelle.csv", NEW_LISTING)
    old = folder / "2022"
    new = folder / "2023"
    build(
        BuildSettings(
            services=old_listing,
            out=old,
            census_year=2022,
            build_date=OLD_DATE,
            listing_date="2024-12-01",
        )
    )
    result = build(
        BuildSettings(
            services=new_listing,
            out=new,
            census_year=2023,
            build_date=NEW_DATE,
            listing_date="2025-12-01",
            previous=old,
        )
    )
    return Editions(old=old, new=new, result=result)


def read_csv(path: Path) -> list[dict]:
    """A table a build wrote, in its default format (``;`` and decimal commas)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def number(text: str) -> float:
    return float(text.replace(",", "."))


@pytest.fixture
def copy_of(tmp_path, editions):
    """Copy a build folder into tmp_path, to damage it."""

    def copy(folder: Path) -> Path:
        target = tmp_path / folder.name
        shutil.copytree(folder, target)
        return target

    return copy


def write_rows(path: Path, rows: list[dict]) -> None:
    """Write rows as ``--csv-format international`` would (the editions read both)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def changes_of(rows: list[dict], kind: str) -> list[dict]:
    return [row for row in rows if row["type"] == kind]


# --- The library -----------------------------------------------------------------------------


def test_status_changes_before_and_after(editions):
    comparison = compare_editions(read_edition(editions.old), read_edition(editions.new))
    statuses = changes_of(comparison.changes, "statut")
    assert {row["code"]: (row["avant"], row["apres"]) for row in statuses} == EXPECTED_STATUS
    gironde = next(row for row in statuses if row["code"] == "33")
    assert gironde["nom"] == "Gironde"
    assert gironde["detail"] == "nouvellement couvert (services actifs 0 → 1, en projet 0 → 0)"
    assert comparison.departements["33"] == {"statut": "non_couvert", "sens": "+"}
    assert comparison.departements["13"] == {"statut": "couvert", "sens": "-"}
    assert comparison.departements["23"]["sens"] == "+"
    counts = comparison.counts
    assert counts["departements_nouvellement_couverts"] == 3
    assert counts["departements_plus_couverts"] == 2
    assert counts["departements_statut_modifie"] == 5


def test_services_added_closed_removed_and_opened(editions):
    comparison = compare_editions(read_edition(editions.old), read_edition(editions.new))
    rows = comparison.changes

    def pairs(kind):
        return [(r["code"], r["nom"], r["avant"], r["apres"]) for r in changes_of(rows, kind)]

    assert pairs("service_ajoute") == [("33", "Service Bordeaux {{ 7*7 }} <b>", "", "actif")]
    assert pairs("service_ferme") == [("13", "Service Marseille", "actif", "ferme")]
    assert pairs("service_retire") == [("59", "Service Lille", "actif", "")]
    assert pairs("service_statut") == [("23", "Projet Creuse", "en_projet", "actif")]
    # One move, not one added and one removed: matched by its name (another spelling).
    assert pairs("service_deplace") == [("21", "PLATEFORME COTE D'OR", "Dijon", "Chenôve")]
    # A row rejected by the earlier edition (rejects.csv), placed now: readable, not new.
    assert pairs("service_lisible") == [("69", "Service Lyon Est", "", "actif")]
    assert not changes_of(rows, "service_rejete")
    # "PLATEFORME RHONE" is "Plateforme Rhône": same key, no change; Rennes closed twice.
    names = {r["nom"] for r in rows}
    assert not {"PLATEFORME RHONE", "Plateforme Rhône", "Service Rennes"} & names
    assert comparison.counts["services_ajoutes"] == 1
    assert comparison.counts["services_fermes"] == 1
    assert comparison.counts["services_retires"] == 1
    assert comparison.counts["services_statut_modifie"] == 1
    assert comparison.counts["services_deplaces"] == 1
    assert comparison.counts["services_lisibles"] == 1
    details = {r["nom"]: r["detail"] for r in rows if r["type"].startswith("service_")}
    assert details == {
        "PLATEFORME COTE D'OR": "déplacé de Dijon à Chenôve",
        "Service Lyon Est": "désormais lisible (ligne rejetée dans l'édition précédente) ; Lyon",
        "Service Bordeaux {{ 7*7 }} <b>": "nouveau dans la liste ; Bordeaux",
        "Service Marseille": "fermé ; Marseille",
        "Service Lille": "absent de la nouvelle liste ; Lille",
        "Projet Creuse": "ouvert ; Guéret",
    }


def test_rate_changes_with_the_census_vintage(editions):
    comparison = compare_editions(read_edition(editions.old), read_edition(editions.new))
    old = {r["code"]: r for r in read_csv(editions.old / "coverage.csv")}
    new = {r["code"]: r for r in read_csv(editions.new / "coverage.csv")}
    rates = {r["code"]: r for r in changes_of(comparison.changes, "taux")}
    # Ain: one active service in both editions, another population vintage.
    ain = next(r for r in changes_of(comparison.changes, "taux_population") if r["code"] == "01")
    assert old["01"]["services_actifs"] == new["01"]["services_actifs"] == "1"
    assert float(ain["avant"]) == number(old["01"]["services_pour_100k"])
    assert float(ain["apres"]) == number(new["01"]["services_pour_100k"])
    assert ain["avant"] != ain["apres"]
    assert ain["detail"] == (
        "services actifs 1 → 1 ; population 2022 : 671\u202f289 → 2023 : 679\u202f344"
    )
    # Every département whose rate moved by more than rounding is listed, and only those.
    moved = {
        code
        for code in new
        if abs(number(old[code]["services_pour_100k"]) - number(new[code]["services_pour_100k"]))
        > 5e-4
    }
    population = {r["code"]: r for r in changes_of(comparison.changes, "taux_population")}
    assert set(rates) | set(population) == moved and not set(rates) & set(population)
    # The Ain's rate changed with the census alone: a change of the population, counted
    # apart from the services'; the Gironde's because a service opened.
    ain = population.pop("01")
    assert old["01"]["services_actifs"] == new["01"]["services_actifs"] == "1"
    assert {"33", "42", "13", "59", "23"} <= set(rates)
    assert all(old[code]["services_actifs"] == new[code]["services_actifs"] for code in population)
    assert all(old[c]["services_actifs"] != new[c]["services_actifs"] for c in rates)
    assert comparison.counts["taux_modifies"] == len(rates)
    assert comparison.counts["taux_population_modifies"] == len(population) + 1
    assert comparison.rates["33"] == 0.0
    (vintage,) = changes_of(comparison.changes, "millesime")
    assert (vintage["avant"], vintage["apres"]) == (2022, 2023)
    assert vintage["nom"] == "population municipale Insee"
    assert comparison.previous["annee_population"] == 2022
    assert comparison.current["annee_population"] == 2023


def test_describe_summarises_the_comparison(editions):
    comparison = compare_editions(read_edition(editions.old), read_edition(editions.new))
    statuses = [
        "  Bouches-du-Rhône (13) : couvert → non couvert",
        "  Creuse (23) : en projet → couvert",
        "  Gironde (33) : non couvert → couvert",
        "  Loire (42) : non couvert → couvert",
        "  Nord (59) : couvert → non couvert",
    ]
    counts = [
        f"Évolution depuis l'édition du {OLD_DATE} (population Insee 2022) jusqu'à celle du "
        f"{NEW_DATE} (population Insee 2023) :",
        "  départements : 3 nouvellement couverts, 2 qui ne le sont plus, "
        "5 changements de statut en tout ;",
        "  services : 1 ajouté, 1 désormais lisible, 1 déplacé, 1 fermé, "
        "1 retiré de la liste, 1 autre changement de statut ;",
        "  taux pour 100 000 habitants modifié par les services dans 6 départements ;",
        "  population : millésime 2022 → 2023, taux modifié par la seule population dans "
        "2 départements.",
    ]
    assert comparison.describe() == counts + statuses
    assert comparison.describe(limit=2) == [
        *counts,
        *statuses[:2],
        "  … et 3 autres : voir changes.csv",
    ]
    assert comparison.describe(limit=4)[-1] == "  … et 1 autre : voir changes.csv"
    assert comparison.describe(limit=5) == counts + statuses


def test_census_change_alone_changes_only_rates(editions, tmp_path):
    old_listing = tmp_path / "meme.csv"
    write_listing(old_listing, OLD_LISTING)
    build(BuildSettings(services=old_listing, out=tmp_path / "a", census_year=2019))
    build(BuildSettings(services=old_listing, out=tmp_path / "b", census_year=2023))
    comparison = compare_editions(read_edition(tmp_path / "a"), read_edition(tmp_path / "b"))
    kinds = {row["type"] for row in comparison.changes}
    assert kinds == {"millesime", "taux_population"}
    assert comparison.counts["taux_modifies"] == 0
    assert comparison.counts["taux_population_modifies"] == 4
    assert {r["code"] for r in changes_of(comparison.changes, "taux_population")} == {
        "01",
        "13",
        "21",
        "69",
    }
    assert comparison.counts["departements_statut_modifie"] == 0
    assert comparison.counts["services_ajoutes"] == comparison.counts["services_fermes"] == 0


def test_an_edition_compared_with_itself_has_no_change(editions):
    edition = read_edition(editions.new)
    comparison = compare_editions(edition, edition)
    assert comparison.changes == []
    assert len(comparison.counts) == 12 and set(comparison.counts.values()) == {0}
    assert comparison.describe()[-1].strip() == "aucun changement."


# --- The build with --previous ---------------------------------------------------------------


def test_build_with_previous_writes_changes_csv(editions):
    path = editions.result.outputs["changes"]
    assert path == editions.new / "changes.csv"
    rows = read_csv(path)
    assert list(rows[0]) == CHANGE_COLUMNS
    # The comparison made during the build, from tables in memory, is the one made from the
    # files on disk afterwards.
    again = compare_editions(read_edition(editions.old), read_edition(editions.new))

    def written(value):  # as the French format writes it: 0,298 and 20, never 20.0
        if isinstance(value, float):
            return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
        return str(value)

    assert [{k: written(v) for k, v in row.items()} for row in again.changes] == rows
    assert editions.result.comparison.counts == again.counts
    kinds = [row["type"] for row in rows]
    assert kinds == sorted(kinds, key=CHANGE_TYPES.index)
    summary = json.loads((editions.new / "summary.json").read_text(encoding="utf-8"))
    assert summary["evolution"]["changements"] == again.counts
    assert summary["evolution"]["edition_precedente"]["date_construction"] == OLD_DATE
    assert summary["evolution"]["edition_precedente"]["liste_fichier"] == OLD_LISTING_NAME
    leftovers = [p.name for p in editions.new.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_map_of_a_compared_build_has_the_evolution(editions):
    html = (editions.new / "index.html").read_text(encoding="utf-8")
    section = re.search(r'<section class="ips-evolution".*?</section>', html, re.S).group(0)
    assert "Évolution" in section
    assert f"Depuis l'édition du {OLD_DATE}" in section
    assert "population Insee 2022" in re.sub(r"\s+", " ", section)
    # The earlier listing's file name is not printed (the page names no local file).
    assert "ancienne" not in section
    assert "ancienne 49" not in html and "<i>.csv" not in html
    assert 'id="legend-changes"' in html
    data = json.loads(
        re.search(r'<script type="application/json" id="ips-data">(.*?)</script>', html).group(1)
    )
    assert (data["evolution"]["date"], data["evolution"]["census"]) == (OLD_DATE, 2022)
    previous = {c["code"]: c["previous_status"] for c in data["evolution"]["status_changes"]}
    assert previous == {code: before for code, (before, _) in EXPECTED_STATUS.items()}
    # Boundary vintage, census vintage and listing date in the subtitle; build date below.
    subtitle = re.search(r'<p class="ips-subtitle">(.*?)</p>', html, re.S).group(1)
    assert "millésime 2023" in subtitle
    assert "COG 2018" in subtitle
    assert "liste datée du 1er décembre 2025" in subtitle
    assert "Carte générée le 1er janvier 2026" in html
    assert "liste du 1er décembre 2024" in section
    # The services added, now readable, moved, closed and removed, by name, escaped; the
    # population's changes in a part of their own.
    names = {
        kind: re.findall(r'<span class="ips-name">(.*?)</span>', items)
        for kind, items in re.findall(r'data-kind="(\w+)">(.*?)</ul>', section, re.S)
    }
    assert names == {
        "service_ajoute": ["Service Bordeaux {{ 7*7 }} &lt;b&gt;"],
        "service_lisible": ["Service Lyon Est"],
        "service_deplace": ["PLATEFORME COTE D&#39;OR"],
        "service_ferme": ["Service Marseille"],
        "service_retire": ["Service Lille"],
    }
    assert "PLATEFORME COTE D&#39;OR</span> : de Dijon à Chenôve (21)" in section
    population = section[section.index(">Population</h3>") :]
    assert "Millésime de population : 2022 → 2023" in population
    assert "Départements au taux modifié par la seule population" in population


def test_map_without_previous_has_no_evolution(example_build):
    html = example_build.outputs["map"].read_text(encoding="utf-8")
    assert "ips-evolution" not in html
    assert 'id="legend-changes"' not in html
    assert '"evolution"' not in html
    assert "changes" not in example_build.outputs


def test_build_without_previous_removes_a_stale_changes_csv(editions, copy_of):
    folder = copy_of(editions.new)
    assert (folder / "changes.csv").is_file()
    listing = write_listing(folder.parent / "liste.csv", NEW_LISTING)
    build(BuildSettings(services=listing, out=folder, build_date=NEW_DATE))
    assert not (folder / "changes.csv").exists()


# --- Errors ----------------------------------------------------------------------------------


def test_missing_previous_folder_fails_before_writing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(EditionError, match=r"nulle-part : dossier d'édition introuvable"):
        build(BuildSettings(out=out, previous=tmp_path / "nulle-part"))
    assert not out.exists()


@pytest.mark.parametrize("name", ["coverage.csv", "services.csv", "summary.json"])
def test_missing_file_is_named(editions, copy_of, name):
    folder = copy_of(editions.old)
    (folder / name).unlink()
    with pytest.raises(EditionError) as info:
        read_edition(folder)
    assert str(folder / name) in str(info.value)
    assert "fichier introuvable" in str(info.value)


def test_invalid_files_are_named_with_line_and_column(editions, copy_of):
    folder = copy_of(editions.old)
    coverage = folder / "coverage.csv"
    text = coverage.read_text(encoding="utf-8-sig")
    # Line 3 of the file: the Aisne (02), after the header and the Ain (covered).
    coverage.write_text(text.replace(";non_couvert;", ";peut-être;", 1), encoding="utf-8")
    with pytest.raises(EditionError, match=r"coverage\.csv, ligne 3, colonne « statut »"):
        read_edition(folder)

    coverage.write_text(text.replace("services_pour_100k", "taux"), encoding="utf-8")
    missing = r"coverage\.csv : colonne manquante : services_pour_100k ;"
    with pytest.raises(EditionError, match=missing):
        read_edition(folder)

    coverage.write_text(text, encoding="utf-8")
    (folder / "summary.json").write_text('{\n  "departements": 101,\n', encoding="utf-8")
    with pytest.raises(EditionError, match=r"summary\.json, ligne \d+ : JSON illisible"):
        read_edition(folder)

    (folder / "summary.json").write_text("[]", encoding="utf-8")
    with pytest.raises(EditionError, match=r"summary\.json : un objet JSON est attendu"):
        read_edition(folder)

    (folder / "services.csv").write_bytes("nom,statut\n\xe9t\xe9,actif\n".encode("latin-1"))
    with pytest.raises(EditionError, match=r"services\.csv : fichier illisible en UTF-8"):
        read_edition(folder)


# --- The command line ------------------------------------------------------------------------


def test_diff_command_prints_a_summary_and_writes_changes(editions, copy_of):
    new = copy_of(editions.new)
    (new / "changes.csv").unlink()
    result = CliRunner().invoke(cli, ["diff", str(editions.old), str(new)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Évolution depuis l'édition du {OLD_DATE} (population Insee 2022)" in out
    assert "3 nouvellement couverts, 2 qui ne le sont plus" in out
    assert "1 ajouté, 1 désormais lisible, 1 déplacé, 1 fermé, 1 retiré" in out
    assert "(s)" not in out
    assert "millésime 2022 → 2023" in out
    assert "Gironde (33) : non couvert → couvert" in out
    assert str(new / "changes.csv") in out
    assert read_csv(new / "changes.csv") == read_csv(editions.new / "changes.csv")


def test_diff_command_out_option(editions, tmp_path):
    target = tmp_path / "rapport"
    before = (editions.new / "changes.csv").read_bytes()
    result = CliRunner().invoke(
        cli, ["diff", str(editions.old), str(editions.new), "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert (target / "changes.csv").is_file()
    assert (editions.new / "changes.csv").read_bytes() == before


def test_diff_command_errors_name_the_file(editions, copy_of, tmp_path):
    runner = CliRunner()
    before = (editions.new / "changes.csv").read_bytes()
    missing = runner.invoke(cli, ["diff", str(tmp_path / "absent"), str(editions.new)])
    assert missing.exit_code == 1
    assert "absent : dossier d'édition introuvable" in missing.output
    assert "Traceback" not in missing.output

    folder = copy_of(editions.old)
    (folder / "services.csv").unlink()
    broken = runner.invoke(cli, ["diff", str(folder), str(editions.new)])
    assert broken.exit_code == 1
    assert f"{folder / 'services.csv'} : fichier introuvable" in broken.output
    assert "Traceback" not in broken.output
    assert (editions.new / "changes.csv").read_bytes() == before


def test_build_command_with_previous(editions, tmp_path):
    out = tmp_path / "suivante"
    listing = write_listing(tmp_path / "liste.csv", NEW_LISTING)
    result = CliRunner().invoke(
        cli,
        ["-q", "build", "--services", str(listing), "--out", str(out)]
        + ["--previous", str(editions.old)],
    )
    assert result.exit_code == 0, result.output
    assert "Évolution depuis l'édition du" in result.output
    assert "Nord (59) : couvert → non couvert" in result.output
    assert str(out / "changes.csv") in result.output

    bad = CliRunner().invoke(cli, ["-q", "build", "--previous", str(tmp_path / "x")])
    assert bad.exit_code == 1
    assert "dossier d'édition introuvable" in bad.output


def test_names_escaped_for_spreadsheets_match_across_editions(tmp_path):
    # services.csv writes "=1+1" as "'=1+1": read back, it is the same service again.
    listing = write_listing(
        tmp_path / "liste.csv", "nom;code_commune;statut\n=1+1;69123;actif\n@Lyon;13055;actif\n"
    )
    build(BuildSettings(services=listing, out=tmp_path / "a", build_date=OLD_DATE))
    assert "'=1+1" in (tmp_path / "a" / "services.csv").read_text(encoding="utf-8-sig")
    edition = read_edition(tmp_path / "a")
    assert [s.nom for s in edition.services] == ["=1+1", "@Lyon"]
    result = build(
        BuildSettings(
            services=listing, out=tmp_path / "b", build_date=NEW_DATE, previous=tmp_path / "a"
        )
    )
    assert result.comparison.changes == []


@pytest.mark.parametrize("value", ["1e400", "-1e400", "inf"])
def test_an_infinite_population_is_named_with_line_and_column(editions, copy_of, value):
    folder = copy_of(editions.old)
    coverage = folder / "coverage.csv"
    rows = read_csv(coverage)
    rows[1]["population"] = value  # line 3 of the file
    write_rows(coverage, rows)
    pattern = rf"coverage\.csv, ligne 3, colonne « population » : valeur « {value} »"
    with pytest.raises(EditionError, match=pattern):
        read_edition(folder)


def resave_like_excel(folder: Path) -> None:
    """Rewrite a build's tables as a French spreadsheet does: codes read as numbers
    ("01" → "1", "01053" → "1053"), ";" and decimal commas, summary.json saved with a BOM."""
    for name in ("coverage.csv", "services.csv"):
        rows = read_csv(folder / name)
        for row in rows:
            for column in ("code", "code_departement", "code_commune_trouve", "code_commune"):
                if row.get(column, "").isdigit():
                    row[column] = str(int(row[column]))
        with open(folder / name, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
            writer.writeheader()
            writer.writerows(rows)
    summary = folder / "summary.json"
    summary.write_bytes(b"\xef\xbb\xbf" + summary.read_bytes())


def test_an_edition_resaved_by_a_spreadsheet_reads_as_it_was_written(tmp_path):
    listing = write_listing(
        tmp_path / "liste.csv",
        "nom;code_commune;statut\nService Ain;01053;actif\nService Var;83137;actif\n"
        "Projet Aisne;02691;en projet\n",
    )
    build(BuildSettings(services=listing, out=tmp_path / "a", build_date=OLD_DATE))
    shutil.copytree(tmp_path / "a", tmp_path / "excel")
    resave_like_excel(tmp_path / "excel")
    assert "\n1;Ain;" in (tmp_path / "excel" / "coverage.csv").read_text(encoding="utf-8-sig")

    original, resaved = read_edition(tmp_path / "a"), read_edition(tmp_path / "excel")
    assert list(resaved.departements) == list(original.departements)
    assert resaved.services == original.services
    assert resaved.summary == original.summary
    assert compare_editions(resaved, original).changes == []


@pytest.mark.parametrize("code", ["20", "999", "Atlantide"])
def test_an_unknown_departement_code_in_an_edition_is_refused(editions, copy_of, code):
    folder = copy_of(editions.old)
    rows = read_csv(folder / "services.csv")
    rows[0]["code_departement"] = code
    write_rows(folder / "services.csv", rows)
    pattern = (
        r"services\.csv, ligne 2, colonne « code_departement » : "
        rf"code de département « {code} » inconnu"
    )
    with pytest.raises(EditionError, match=pattern):
        read_edition(folder)
