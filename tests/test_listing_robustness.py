"""Broken and unusual listings: each gives a clear message (file, line, how to fix) or is read
right, never a traceback and never rows lost without a word."""

from __future__ import annotations

import json

import pytest

from ips_map.errors import ListingError
from ips_map.listing.read import read_listing
from tests.helpers import write_listing


def geojson_text(document) -> str:
    return json.dumps(document, ensure_ascii=False)


# --- CSV the csv module cannot read -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [('"' + "x" * 200_000 + '"', "guillemet"), ("x" * 200_000, "CSV")]
)
def test_a_value_over_the_csv_field_limit_is_a_listing_error_with_its_line(
    tmp_path, value, expected
):
    text = f"nom,commune\nA,Lyon\nB,{value}\nC,Caen\n"
    path = write_listing(tmp_path / "l.csv", text)
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert str(path) in message
    assert "ligne 3" in message and "128 Ko" in message
    assert expected in message


# --- GeoJSON that is not quite GeoJSON --------------------------------------------------------


def test_geojson_properties_that_are_not_an_object_are_a_problem_of_that_feature(tmp_path):
    document = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": None, "properties": ["IPS Lyon", "Lyon"]},
            {"type": "Feature", "geometry": None, "properties": {"nom": "B", "commune": "Brest"}},
        ],
    }
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    listing = read_listing(path)
    assert list(listing.rows["nom"]) == ["B"]
    noted = [p for p in listing.problems if p.ligne == 0 and p.colonne == "properties"]
    assert len(noted) == 1
    assert "n'est pas un objet" in noted[0].message
    assert str(noted[0]).startswith("entité 0")


def test_geojson_whose_properties_are_never_an_object_says_so(tmp_path):
    document = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": None, "properties": ["IPS Lyon", "Lyon"]}],
    }
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert "entité 0 : une liste" in message and "IPS Lyon" in message
    assert "colonne « nom »" not in message


@pytest.mark.parametrize(
    ("features", "expected"),
    [([], "aucune entité"), ({}, "pas une liste"), ("x", "pas une liste"), (None, "manque")],
)
def test_geojson_without_a_list_of_features_is_a_clear_error(tmp_path, features, expected):
    document = {"type": "FeatureCollection"}
    if features is not None:
        document["features"] = features
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    with pytest.raises(ListingError) as info:
        read_listing(path)
    assert expected in str(info.value)
    assert "colonne « nom »" not in str(info.value)


def test_geojson_list_properties_are_read_as_lists_of_values(tmp_path):
    properties = {"nom": "A", "departement": "13", "departements_desservis": [13, "83", 84]}
    document = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": None, "properties": properties}],
    }
    listing = read_listing(write_listing(tmp_path / "l.geojson", geojson_text(document)))
    row = listing.rows.iloc[0]
    assert row["departements_desservis"] == "13; 83; 84"
    assert row["desservis"] == ("13", "83", "84")
    assert not [p for p in listing.problems if p.colonne == "departements_desservis"]


# --- quotes -----------------------------------------------------------------------------------


def test_a_quote_never_closed_loses_no_row_and_is_reported_where_it_opens(tmp_path):
    text = 'nom,commune\n"unterminated,Lyon\nB,Paris\nC,Caen\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["unterminated", "B", "C"]
    assert list(listing.rows["commune"]) == ["Lyon", "Paris", "Caen"]
    assert list(listing.rows["ligne"]) == [2, 3, 4]
    [problem] = [p for p in listing.problems if "guillemet" in p.message]
    assert problem.ligne == 2
    assert "jamais refermé" in problem.message and "2 ligne(s) suivante(s)" in problem.message
    assert "retirez-le" in problem.message


def test_a_quote_never_closed_in_a_later_value_loses_no_row(tmp_path):
    text = 'nom;structure;commune\nA;Assoc;Lyon\nB;"Assoc;Paris\r\nC;Assoc;Caen\r\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["A", "B", "C"]
    assert list(listing.rows["commune"]) == ["Lyon", "Paris", "Caen"]
    assert [p.ligne for p in listing.problems if "jamais refermé" in p.message] == [3]


def test_quoted_values_over_lines_that_look_like_rows_are_reported(tmp_path):
    # Two misplaced quotes: the rows between them become part of one value.
    text = (
        "nom,structure,commune\n"
        'A,"Assoc x,Lyon\n'
        "B,Assoc,Paris\n"
        "C,Assoc y,Caen\n"
        'D,"Le 12" bis,Brest\n'
        "E,z,Rennes\n"
    )
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["A", "E"]
    [problem] = [p for p in listing.problems if "ressemble" in p.message]
    assert problem.ligne == 2 and problem.colonne == "structure"
    assert problem.valeur == "B,Assoc,Paris"
    assert "2 à 5" in problem.message


def test_a_stray_quote_in_a_quoted_file_is_reported_with_the_row_it_swallows(tmp_path):
    # Every value quoted, as some exports do: a stray quote is closed by the next row's
    # opening quote, and that row becomes part of the value.
    text = '"nom";"commune"\n"A";"Lyon"\n"B;Paris\n"C";"Caen"\n"D";"Brest"\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"])[0] == "A" and list(listing.rows["nom"])[-1] == "D"
    [problem] = [p for p in listing.problems if "mal placé" in p.message]
    assert problem.ligne == 3 and problem.colonne == "nom"
    assert "3 à 4" in problem.message


def test_quoted_values_over_several_lines_of_text_are_not_reported(tmp_path):
    text = 'nom,structure,commune\nA,"Horaires :\nlundi, mardi",Lyon\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.rows.iloc[0]["structure"] == "Horaires :\nlundi, mardi"
    assert listing.problems == []


# --- delimiter, title rows, files that are not what their name says ---------------------------


def test_delimiters_inside_quoted_header_names_do_not_count(tmp_path):
    text = 'nom;"Adresse (rue, n°, bât., étage)";commune\nA;1 rue X, bât. B;Lyon\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.delimiter == ";"
    row = listing.rows.iloc[0]
    assert (row["nom"], row["adresse"], row["commune"]) == ("A", "1 rue X, bât. B", "Lyon")


def test_a_title_above_the_csv_header_is_skipped_and_reported(tmp_path):
    text = "Liste des services IPS;;\nMise à jour : mars;;\n\nnom;commune;dept\nA;Lyon;69\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.delimiter == ";"
    assert list(listing.rows["nom"]) == ["A"]
    assert list(listing.rows["ligne"]) == [5]
    [note] = [p for p in listing.problems if "en-tête" in p.message]
    assert note.ligne == 4 and "3 ligne(s) au-dessus" in note.message
    # Unknown columns are reported on the header's own line.
    assert listing.unknown_columns == []


def test_a_csv_without_a_nom_column_still_names_its_columns(tmp_path):
    path = write_listing(tmp_path / "l.csv", "structure;commune\nX;Lyon\n")
    with pytest.raises(ListingError) as info:
        read_listing(path)
    assert "structure, commune" in str(info.value)


@pytest.mark.parametrize("suffix", [".csv", ".txt"])
def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path, suffix):
    from tests.test_corpus import corpus
    from tests.test_listing_formats import xlsx

    path = xlsx(tmp_path / f"liste{suffix}", [["nom", "commune"], ["A", "Lyon"]])
    listing = read_listing(path)
    assert listing.format == "xlsx"
    assert list(listing.rows["nom"]) == ["A"]
    ods = corpus.write_ods(tmp_path / "classeur.ods")
    renamed = ods.rename(tmp_path / f"classeur{suffix}")
    assert read_listing(renamed).format == "ods"


def test_an_xls_signature_wins_over_a_csv_extension(tmp_path):
    path = tmp_path / "vieux.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(ListingError) as info:
        read_listing(path)
    assert "XLS" in str(info.value) and "encodage" not in str(info.value)


def test_a_zip_that_is_not_a_workbook_is_named_so(tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("liste.csv", "nom\nA\n")
    path = tmp_path / "liste.csv"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ListingError, match="décompressez"):
        read_listing(path)


def test_a_csv_named_xlsx_is_read_as_csv(tmp_path):
    path = write_listing(tmp_path / "liste.xlsx", "nom;commune\nA;Lyon\n")
    listing = read_listing(path)
    assert listing.format == "csv" and list(listing.rows["nom"]) == ["A"]


def test_utf16_with_a_bom_is_read(tmp_path):
    path = write_listing(tmp_path / "l.txt", "nom\tcommune\nFécamp IPS\tFécamp\n", "utf-16")
    listing = read_listing(path)
    assert listing.encoding == "utf-16" and listing.delimiter == "\t"
    assert list(listing.rows["nom"]) == ["Fécamp IPS"]


# --- nothing usable: the reasons are in the error -----------------------------------------------


def test_no_usable_row_when_reading_quotes_the_reasons(tmp_path):
    text = "nom;statut\n;actif\nA;bof\n" + "".join(f"B{i};bof\n" for i in range(6))
    path = write_listing(tmp_path / "l.csv", text)
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert "8 ligne(s) rejetée(s)" in message
    assert "ligne 2, colonne « nom »" in message and "nom manquant" in message
    assert "ligne 3, colonne « statut », valeur « bof »" in message
    assert "… et 3 autre(s)" in message
    assert "rejects.csv" not in message  # not written: the build stops here
    assert "ips-map validate" in message


def test_nothing_placed_stops_the_build_with_the_reasons(tmp_path):
    from click.testing import CliRunner

    from ips_map.cli import cli

    path = write_listing(tmp_path / "l.csv", "nom,commune\nA,Nulle-Part\nB,Atlantis\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--services", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert "2 ligne(s) rejetée(s)" in result.output
    assert "ligne 2, colonne « commune », valeur « Nulle-Part »" in result.output
    assert "ligne 3, colonne « commune », valeur « Atlantis »" in result.output
    assert "ci-dessus" not in result.output and "rejects.csv" not in result.output
    assert not (out / "rejects.csv").exists()


def test_header_only_says_there_is_no_service(tmp_path):
    with pytest.raises(ListingError, match="aucun service sous son en-tête"):
        read_listing(write_listing(tmp_path / "l.csv", "nom;commune\n"))


# --- one unit in every message: ligne, or entité for GeoJSON ------------------------------------


def feature(x, y, **properties):
    geometry = {"type": "Point", "coordinates": [x, y]} if x is not None else None
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def test_the_build_names_rejected_geojson_features_as_entities(tmp_path):
    from click.testing import CliRunner

    from ips_map.cli import cli

    document = {
        "type": "FeatureCollection",
        "features": [
            feature(4.8357, 45.764, nom="IPS Lyon"),
            feature(4.8, 45.7, structure="sans nom"),
            feature(None, None, nom="Nulle part", commune="Atlantis"),
        ],
    }
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    result = CliRunner().invoke(
        cli, ["build", "--services", str(path), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "Entité 1 rejetée : colonne « nom » : nom manquant" in result.output
    assert "Entité 2 rejetée : colonne « commune », valeur « Atlantis »" in result.output
    assert "Ligne" not in result.output and "rejetée : entité" not in result.output
    assert "1 service(s) placé(s) sur 3 entité(s), 2 rejetée(s)" in result.output


def test_describe_reject_says_the_place_once():
    from ips_map.listing.read import describe_reject

    reject = {"ligne": 3, "raison": "ligne 3, colonne « statut », valeur « bof » : inconnu"}
    assert (
        describe_reject(reject) == "Ligne 3 rejetée : colonne « statut », valeur « bof » : inconnu"
    )
    reject = {"ligne": 0, "raison": "entité 0 : service impossible à localiser"}
    assert describe_reject(reject, "entité") == "Entité 0 rejetée : service impossible à localiser"


def test_geocoding_problems_use_the_listing_s_unit_and_column(tmp_path, httpserver, fast):
    from ips_map.geocode import Geocoder, geocode_listing
    from ips_map.territory.data import load_communes, load_old_codes

    answer = {
        "geometry": {"type": "Point", "coordinates": [4.8357, 45.764]},
        "properties": {
            "score": 0.2,
            "label": "Rue de Lyon 69001 Lyon",
            "type": "street",
            "citycode": "69381",
            "postcode": "69001",
            "city": "Lyon",
        },
    }
    httpserver.expect_request("/geocodage/search").respond_with_json({"features": [answer]})
    document = {
        "type": "FeatureCollection",
        "features": [feature(None, None, nom="A", **{"Adresse postale": "1 rue X"}, ville="Lyon")],
    }
    listing = read_listing(write_listing(tmp_path / "l.geojson", geojson_text(document)))
    geocoder = Geocoder(httpserver.url_for("/geocodage"), http=fast)
    _, geocoding = geocode_listing(listing, geocoder, load_communes(), load_old_codes())
    [problem] = geocoding.problems
    assert problem.unite == "entité" and problem.colonne == "Adresse postale"
    assert str(problem).startswith("entité 0, colonne « Adresse postale »")
