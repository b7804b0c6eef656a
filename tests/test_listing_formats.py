"""Listings in every format people send them: XLSX, ODS, GeoJSON, and URLs served by a local
server (never the internet)."""

from __future__ import annotations

import json
import logging
import math

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from ips_map.cli import cli
from ips_map.errors import ListingError
from ips_map.listing.read import describe_format, read_listing
from ips_map.pipeline import build
from ips_map.settings import BuildSettings
from tests.helpers import write_listing

CSV = "nom;commune;dept\nIPS Lyon;Lyon;69\nIPS Brest;Brest;29\n"


def xlsx(path, rows, *, sheets=None):
    """Write a workbook: ``rows`` in the first sheet, ``sheets`` (name → rows) after it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "services"
    for values in rows:
        sheet.append(values)
    for name, other in (sheets or {}).items():
        extra = workbook.create_sheet(name)
        for values in other:
            extra.append(values)
    workbook.save(path)
    return path


def geojson(path, features, **extra):
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features, **extra}), encoding="utf-8"
    )
    return path


def point(x, y, **properties):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [x, y]},
        "properties": properties,
    }


# --- spreadsheets -----------------------------------------------------------------------------


def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path):
    path = xlsx(
        tmp_path / "l.xlsx",
        [
            ["Recensement des services IPS"],
            [],
            ["Nom du dispositif", "CP", "Dépt", "Lat", "Long"],
            ["A", 1000, 1, None, None],
            [],
            ["B", 69003, 69, 45.76, 4.83],
            [None, 29200, 29],
        ],
    )
    listing = read_listing(path)
    assert (listing.format, listing.sheet, listing.encoding) == ("xlsx", "services", "")
    rows = listing.rows.set_index("ligne")
    assert list(rows.index) == [4, 6]
    assert rows.loc[4, "code_postal_n"] == "01000"  # typed as a number, zero lost
    assert rows.loc[4, "departement_code"] == "01"
    assert (rows.loc[6, "lat"], rows.loc[6, "lon"]) == (45.76, 4.83)
    assert [r["ligne"] for r in listing.rejects] == [7]  # no name, on row 7
    header_note = [p for p in listing.problems if "en-tête trouvé à la ligne 3" in p.message]
    assert len(header_note) == 1
    warned = {(p.ligne, p.colonne) for p in listing.problems}
    assert (4, "CP") in warned and (4, "Dépt") in warned
    assert "Excel" in describe_format(listing) and "services" in describe_format(listing)


def test_xlsx_first_sheet_with_a_listing_is_read(tmp_path):
    path = xlsx(
        tmp_path / "l.xlsx",
        [["Lisez-moi"], ["Cette liste est provisoire."]],
        sheets={
            "Liste": [["nom", "commune"], ["A", "Lyon"]],
            "Ancienne liste": [["nom", "commune"], ["B", "Brest"]],
        },
    )
    listing = read_listing(path)
    assert listing.sheet == "Liste"
    assert list(listing.rows["nom"]) == ["A"]
    sheets_note = [p for p in listing.problems if "Ancienne liste" in p.message]
    assert len(sheets_note) == 1 and "pas lues" in sheets_note[0].message


def test_xlsx_values_beyond_the_header_are_reported(tmp_path):
    path = xlsx(tmp_path / "l.xlsx", [["nom", "commune"], ["A", "Lyon", "en trop"]])
    listing = read_listing(path)
    [problem] = [p for p in listing.problems if p.valeur == "en trop"]
    assert problem.ligne == 2 and "sans en-tête" in problem.message


def test_xlsx_without_nom_column_names_the_sheet_and_the_columns(tmp_path):
    path = xlsx(tmp_path / "l.xlsx", [["Structure", "Ville"], ["X", "Lyon"]])
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert "« nom »" in message and "services" in message and "Ville" in message


def test_empty_workbook_is_a_listing_error(tmp_path):
    path = xlsx(tmp_path / "vide.xlsx", [])
    with pytest.raises(ListingError, match="vide"):
        read_listing(path)


def test_corrupt_workbook_is_a_listing_error(tmp_path):
    path = tmp_path / "abime.xlsx"
    path.write_bytes(b"PK\x03\x04 pas vraiment un classeur")
    with pytest.raises(ListingError, match=r"classeur Excel \(XLSX\) illisible"):
        read_listing(path)


def test_ods_is_read(tmp_path):
    from tests.test_corpus import corpus

    path = corpus.write_ods(tmp_path / "l.ods")
    listing = read_listing(path)
    assert listing.format == "ods" and listing.sheet == "Liste 2024"
    assert listing.rows_read == len(corpus.CASES)


def test_format_is_told_by_content_when_the_extension_says_nothing(tmp_path):
    path = xlsx(tmp_path / "export", [["nom", "ville"], ["A", "Lyon"]])
    assert read_listing(path).format == "xlsx"
    page = write_listing(tmp_path / "page", "<!DOCTYPE html><html><body>Connexion</body></html>")
    with pytest.raises(ListingError, match="page web"):
        read_listing(page)


# --- GeoJSON ----------------------------------------------------------------------------------


def test_geojson_points_properties_are_columns_and_geometry_the_coordinates(tmp_path):
    path = geojson(
        tmp_path / "l.geojson",
        [
            point(4.8357, 45.764, nom="IPS Lyon", statut="Actif", capacite=40),
            {"type": "Feature", "geometry": None, "properties": {"nom": "B", "commune": "Brest"}},
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1], [0, 0]]]},
                "properties": {"nom": "C", "commune": "Caen"},
            },
            point(4.8, 45.7, structure="sans nom"),
        ],
    )
    listing = read_listing(path)
    assert listing.format == "geojson" and listing.unit == "entité"
    rows = listing.rows.set_index("ligne")
    assert list(rows.index) == [0, 1, 2]
    assert (rows.loc[0, "lat"], rows.loc[0, "lon"]) == (45.764, 4.8357)
    assert rows.loc[0, "capacite_n"] == 40.0
    assert rows.loc[1, "commune"] == "Brest" and rows.loc[1, "lat"] != rows.loc[1, "lat"]
    polygon = [p for p in listing.problems if p.ligne == 2 and p.valeur == "Polygon"]
    assert len(polygon) == 1 and str(polygon[0]).startswith("entité 2")
    assert [r["ligne"] for r in listing.rejects] == [3]
    assert listing.rejects[0]["raison"].startswith("entité 3")
    assert "features" in describe_format(listing)


def test_geojson_geometry_wins_over_coordinate_properties(tmp_path):
    path = geojson(tmp_path / "l.geojson", [point(4.83, 45.76, nom="A", lat="0", lon="0")])
    listing = read_listing(path)
    row = listing.rows.iloc[0]
    assert (row["lat"], row["lon"]) == (45.76, 4.83)
    ignored = [p for p in listing.problems if p.colonne in ("lat", "lon")]
    assert len(ignored) == 2 and all("ignorée" in p.message for p in ignored)


def test_geojson_in_lambert_93_is_reprojected(tmp_path):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}
    path = geojson(tmp_path / "l.geojson", [point(842000, 6519000, nom="A")], crs=crs)
    row = read_listing(path).rows.iloc[0]
    assert round(row["lat"], 2) == 45.76 and round(row["lon"], 2) == 4.83


def test_geojson_odd_features_are_problems_of_their_entity(tmp_path):
    multipoint = {"type": "MultiPoint", "coordinates": [[4.83, 45.76]]}
    unreadable = {"type": "Point", "coordinates": ["est", "nord"]}
    path = geojson(
        tmp_path / "l.geojson",
        [
            "pas une entité",
            {"type": "Feature", "geometry": multipoint, "properties": {"nom": "A"}},
            {"type": "Feature", "geometry": unreadable, "properties": {"nom": "B"}},
        ],
    )
    listing = read_listing(path)
    rows = listing.rows.set_index("ligne")
    assert list(rows.index) == [1, 2]
    assert (rows.loc[1, "lat"], rows.loc[1, "lon"]) == (45.76, 4.83)
    assert math.isnan(rows.loc[2, "lat"])
    noted = {(p.ligne, p.message) for p in listing.problems}
    assert (0, "entité qui n'est pas un objet : ignorée") in noted
    assert (2, "point illisible : ignoré") in noted


def test_geojson_in_an_unknown_crs_is_a_listing_error(tmp_path):
    crs = {"type": "name", "properties": {"name": "EPSG:999999"}}
    path = geojson(tmp_path / "l.geojson", [point(1, 2, nom="A")], crs=crs)
    with pytest.raises(ListingError, match="« EPSG:999999 » inconnu"):
        read_listing(path)


def test_single_feature_and_bad_documents(tmp_path):
    single = tmp_path / "un.geojson"
    single.write_text(json.dumps(point(4.83, 45.76, nom="A")), encoding="utf-8")
    assert list(read_listing(single).rows["nom"]) == ["A"]
    bad = write_listing(tmp_path / "l.geojson", '{"type": "Point", "coordinates": [0, 0]}')
    with pytest.raises(ListingError, match="FeatureCollection"):
        read_listing(bad)
    broken = write_listing(tmp_path / "m.geojson", '{"type": "FeatureCollection", ')
    with pytest.raises(ListingError, match="GeoJSON illisible"):
        read_listing(broken)


# --- URLs, against a local server -------------------------------------------------------------


@pytest.fixture
def http(fast):
    return fast


def test_url_listing_is_downloaded_cached_and_named(httpserver, tmp_path, http):
    httpserver.expect_request("/liste.csv").respond_with_data(CSV.encode(), content_type="text/csv")
    url = httpserver.url_for("/liste.csv")
    listing = read_listing(url, cache_dir=tmp_path / "cache", http=http)
    assert list(listing.rows["nom"]) == ["IPS Lyon", "IPS Brest"]
    assert listing.url == url and listing.name == url
    assert listing.fetched.endswith("+00:00") and listing.date == listing.fetched[:10]
    assert listing.from_cache is False
    cached = list((tmp_path / "cache" / "listes").iterdir())
    assert len(cached) == 2  # the file and its record (URL, date, sha256)
    record = json.loads(next(p for p in cached if p.suffix == ".json").read_text())
    assert record["url"] == url


def test_url_404_without_cache_is_a_clear_error(httpserver, tmp_path, http, sleeps):
    httpserver.expect_request("/absente.csv").respond_with_data(b"non", status=404)
    with pytest.raises(ListingError) as info:
        read_listing(httpserver.url_for("/absente.csv"), cache_dir=tmp_path, http=http)
    assert "404" in str(info.value) and "Aucune copie en cache" in str(info.value)
    assert sleeps.calls == []  # a 404 is not retried


def test_url_500_then_200_is_retried(httpserver, tmp_path, http, sleeps):
    httpserver.expect_ordered_request("/l.csv").respond_with_data(b"erreur", status=500)
    httpserver.expect_ordered_request("/l.csv").respond_with_data(CSV.encode())
    listing = read_listing(httpserver.url_for("/l.csv"), cache_dir=tmp_path, http=http)
    assert len(listing.rows) == 2
    assert sleeps.calls == [0.5]


def test_server_down_uses_the_cached_copy_with_a_warning(httpserver, tmp_path, http, caplog):
    httpserver.expect_request("/l.csv").respond_with_data(CSV.encode())
    url = httpserver.url_for("/l.csv")
    first = read_listing(url, cache_dir=tmp_path, http=http)
    httpserver.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="ips_map"):
            again = read_listing(url, cache_dir=tmp_path, http=http)
    finally:
        httpserver.start()
    assert again.from_cache is True
    assert list(again.rows["nom"]) == list(first.rows["nom"])
    assert again.fetched == first.fetched  # the date of the copy, not today's attempt
    [note] = [p for p in again.problems if "copie en cache" in p.message]
    assert note.ligne is None and note.valeur == url
    assert first.fetched in note.message
    assert "copie en cache" in caplog.text


def test_a_web_page_never_replaces_the_cached_copy(httpserver, tmp_path, http):
    httpserver.expect_ordered_request("/l.csv").respond_with_data(CSV.encode())
    httpserver.expect_ordered_request("/l.csv").respond_with_data(
        b"<!DOCTYPE html><html>Connectez-vous</html>", content_type="text/html"
    )
    url = httpserver.url_for("/l.csv")
    read_listing(url, cache_dir=tmp_path, http=http)
    again = read_listing(url, cache_dir=tmp_path, http=http)
    assert again.from_cache is True and len(again.rows) == 2
    assert any("page web" in p.message for p in again.problems)


def test_url_of_a_workbook_is_read_by_its_content(httpserver, tmp_path, http):
    path = xlsx(tmp_path / "l.xlsx", [["nom", "ville"], ["A", "Lyon"]])
    httpserver.expect_request("/export").respond_with_data(path.read_bytes())
    listing = read_listing(httpserver.url_for("/export"), cache_dir=tmp_path / "c", http=http)
    assert listing.format == "xlsx" and list(listing.rows["nom"]) == ["A"]


def test_build_from_a_url_names_it_on_the_map(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("IPS_MAP_CACHE_DIR", str(tmp_path / "cache"))
    httpserver.expect_request("/liste.csv").respond_with_data(CSV.encode())
    url = httpserver.url_for("/liste.csv")
    settings = BuildSettings(services=url, out=tmp_path / "out", build_date="2026-01-01")
    assert settings.services_source == url and settings.is_example is False
    result = build(settings)
    assert result.summary["liste"]["url"] == url
    assert result.summary["liste"]["telechargee_le"]
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert url in html and "téléchargée le" in html
    assert (tmp_path / "cache" / "listes").is_dir()


def test_cli_accepts_a_url_and_refuses_other_schemes(httpserver, tmp_path):
    httpserver.expect_request("/liste.csv").respond_with_data(CSV.encode())
    url = httpserver.url_for("/liste.csv")
    result = CliRunner().invoke(
        cli, ["validate", "--services", url, "--cache-dir", str(tmp_path / "cache")]
    )
    assert result.exit_code == 0, result.output
    assert url in result.output
    result = CliRunner().invoke(cli, ["validate", "--services", "ftp://example.org/l.csv"])
    assert result.exit_code == 2 and "http(s)" in result.output
    result = CliRunner().invoke(cli, ["build", "--services", str(tmp_path)])
    assert result.exit_code == 2 and "dossier" in result.output
