"""Tests of ips_map.listing: reading listings as spreadsheets export them."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ips_map.errors import AVERTISSEMENT, ERREUR, ListingError
from ips_map.listing.columns import COLUMNS, canonical_column
from ips_map.listing.read import read_listing
from ips_map.listing.values import parse_departements_list
from ips_map.settings import data_dir
from ips_map.sources.registry import SOURCES
from ips_map.territory.data import departement_codes, load_populations
from ips_map.vocabulary import SERVICE_STATUSES, SERVICE_TYPES
from tests.helpers import write_listing


def problems_for(listing, column: str | None = None, line: int | None = None) -> list:
    """Problems of a listing, filtered by column (as written in the header) and line."""
    return [
        p
        for p in listing.problems
        if (column is None or p.colonne == column) and (line is None or p.ligne == line)
    ]


def only_row(listing) -> dict:
    assert len(listing.rows) == 1, listing.rows
    return listing.rows.iloc[0].to_dict()


# --- encodings ------------------------------------------------------------------------------

ACCENTED = (
    "nom;commune;departement\nCentre de Fécamp;Fécamp;Seine-Maritime\nIPS Dijon;Dijon;Côte-d'Or\n"
)


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")],
)
def test_encodings_decode_accents(tmp_path, encoding, reported):
    path = write_listing(tmp_path / "l.csv", ACCENTED, encoding=encoding)
    listing = read_listing(path)
    assert listing.encoding == reported
    assert list(listing.rows["nom"]) == ["Centre de Fécamp", "IPS Dijon"]
    assert list(listing.rows["commune"]) == ["Fécamp", "Dijon"]
    assert list(listing.rows["departement"]) == ["Seine-Maritime", "Côte-d'Or"]
    assert list(listing.rows["departement_code"]) == ["76", "21"]
    # The BOM is not part of the first header name: "nom" is recognised.
    assert listing.unknown_columns == []


def test_cp1252_with_crlf_line_endings(tmp_path):
    text = "Nom;Ville\r\nŒuvre « Côté emploi »;Fécamp\r\n"
    path = write_listing(tmp_path / "l.csv", text, encoding="cp1252")
    row = only_row(read_listing(path))
    assert row["nom"] == "Œuvre « Côté emploi »"
    assert row["commune"] == "Fécamp"
    assert row["ligne"] == 2


def test_utf8_bom_with_invalid_bytes_is_a_listing_error(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"\xef\xbb\xbfnom\nF\xe9camp\n")
    with pytest.raises(ListingError, match=r"UTF-8 \(BOM\).*octet 8") as info:
        read_listing(path)
    assert str(path) in str(info.value)


def test_unreadable_bytes_are_a_listing_error(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"nom\n\x81\x8d\x8f\x90\x9d\n")  # undefined in cp1252, invalid UTF-8
    with pytest.raises(ListingError, match="encodage"):
        read_listing(path)


def test_missing_file_is_a_listing_error(tmp_path):
    path = tmp_path / "absent.csv"
    with pytest.raises(ListingError) as info:
        read_listing(path)
    assert str(path) in str(info.value)


# --- delimiters and quoting -----------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters(tmp_path, delimiter):
    rows = [["nom", "commune", "capacite"], ["A", "Lyon", "20"], ["B", "Brest", "7"]]
    text = "".join(delimiter.join(r) + "\n" for r in rows)
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.delimiter == delimiter
    assert list(listing.rows["nom"]) == ["A", "B"]
    assert list(listing.rows["commune"]) == ["Lyon", "Brest"]
    assert list(listing.rows["capacite_n"]) == [20.0, 7.0]


def test_quoted_fields_with_delimiters_and_newlines_keep_physical_line_numbers(tmp_path):
    text = (
        "nom;structure;commune\n"  # line 1
        '"Service A; bis";"Association\n'  # line 2
        'sur deux lignes";Lyon\n'  # line 3
        "\n"  # line 4 (blank)
        'Service B;"Trois\n'  # line 5
        "\n"  # line 6 (inside quotes)
        'lignes";Brest\n'  # line 7
        ";;\n"  # line 8 (empty cells: skipped)
        "   \n"  # line 9 (spaces only: skipped)
        "Service C;;Caen\n"  # line 10
    )
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["Service A; bis", "Service B", "Service C"]
    assert list(listing.rows["structure"]) == [
        "Association\nsur deux lignes",
        "Trois\n\nlignes",
        "",
    ]
    assert list(listing.rows["ligne"]) == [2, 5, 10]
    assert listing.rows_read == 3


def test_line_numbers_of_problems_and_rejects_follow_multiline_rows(tmp_path):
    text = 'nom,structure,statut\n"A","x\ny",actif\n,z,actif\n,,bizarre\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert [r["ligne"] for r in listing.rejects] == [4, 5]
    assert "ligne 4" in listing.rejects[0]["raison"]
    assert "ligne 5" in listing.rejects[1]["raison"]


def test_too_many_values_on_a_row_are_reported(tmp_path):
    text = "nom,commune\nA,Lyon,extra\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert only_row(listing)["commune"] == "Lyon"
    extra = problems_for(listing, line=2)
    assert len(extra) == 1
    assert extra[0].valeur == "extra"
    assert "guillemets" in extra[0].message


# --- headers --------------------------------------------------------------------------------


def test_header_synonyms_any_case_and_accents(tmp_path):
    header = [
        "Nom du dispositif",
        "STRUCTURE PORTEUSE",
        "Type de dispositif",
        "État",
        "Adresse postale",
        "CP",
        "Ville",
        "Code INSEE",
        "Dépt",
        "Lat",
        "Lng",
        "Départements desservis",
        "Nombre de places",
        "Site Internet",
        "Tél",
        "Source",
    ]
    values = [
        "IPS Ain",
        "CH Bourg",
        "IPS",
        "Actif",
        "1 rue X",
        "01000",
        "Bourg-en-Bresse",
        "01053",
        "01",
        "46,2",
        "5,22",
        "01 et 71",
        "20",
        "https://example.org",
        "04 00 00 00 00",
        "https://example.org/source",
    ]
    text = ";".join(header) + "\n" + ";".join(values) + "\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.unknown_columns == []
    row = only_row(listing)
    canonical = [
        "nom",
        "structure",
        "type",
        "statut",
        "adresse",
        "code_postal",
        "commune",
        "code_commune",
        "departement",
        "latitude",
        "longitude",
        "departements_desservis",
        "capacite",
        "site_web",
        "telephone",
        "source",
    ]
    assert sorted(canonical) == sorted(COLUMNS)
    for column, value in zip(canonical, values, strict=True):
        if column not in ("type", "statut"):
            assert row[column] == value, column
    assert row["type"] == "ips" and row["statut"] == "actif"
    assert (row["lat"], row["lon"]) == (46.2, 5.22)
    assert row["desservis"] == ("01", "71")
    assert row["capacite_n"] == 20.0
    assert row["code_commune_n"] == "01053" and row["code_postal_n"] == "01000"
    assert row["departement_code"] == "01"


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("NOM", "nom"),
        ("Name", "nom"),
        ("code_postal", "code_postal"),
        ("Code Postal", "code_postal"),
        ("code-commune", "code_commune"),
        ("Département", "departement"),
        ("DEPARTEMENT", "departement"),
        ("Code département", "departement"),
        ("Localité", "commune"),
        ("Longitude", "longitude"),
        ("LATITUDE", "latitude"),
        ("Capacité", "capacite"),
        ("  Commune  ", "commune"),
    ],
)
def test_one_header_spelling(tmp_path, header, column):
    first = "nom" if column != "nom" else "structure"
    text = f"{first},{header}\nA,45\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.unknown_columns == []
    row = only_row(listing)
    assert row[column] == "45"


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Capacité (places)", "capacite"),
        ("Latitude [WGS84]", "latitude"),
        ("Code postal *", "code_postal"),
        ("nom_du_service", "nom"),
        ("Remarques", None),
    ],
)
def test_header_names_with_a_comment_or_underscores(header, column):
    assert canonical_column(header) == column


def test_second_column_for_the_same_field_is_ignored_and_reported(tmp_path):
    text = "nom,ville,commune\nA,Lyon,Brest\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert only_row(listing)["commune"] == "Lyon"
    reported = problems_for(listing, "commune", line=1)
    assert len(reported) == 1 and "ignorée" in reported[0].message


def test_missing_nom_column_names_the_file(tmp_path):
    path = write_listing(tmp_path / "sans-nom.csv", "structure;commune\nX;Lyon\n")
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert str(path) in message
    assert "nom" in message
    assert "structure" in message and "commune" in message  # the columns that were read


@pytest.mark.parametrize("content", ["", "\n\n", "   \r\n"])
def test_empty_file_is_a_listing_error(tmp_path, content):
    path = write_listing(tmp_path / "vide.csv", content)
    with pytest.raises(ListingError, match="le fichier est vide") as info:
        read_listing(path)
    assert str(path) in str(info.value)


def test_header_only_is_a_listing_error(tmp_path):
    path = write_listing(tmp_path / "l.csv", "nom;commune\n")
    with pytest.raises(ListingError, match="aucune ligne utilisable"):
        read_listing(path)


def test_file_with_no_usable_row_is_a_listing_error(tmp_path):
    path = write_listing(tmp_path / "l.csv", "nom;statut\n;actif\n;inconnu\n")
    with pytest.raises(ListingError) as info:
        read_listing(path)
    assert str(path) in str(info.value)
    assert "aucune ligne utilisable (2 lignes laissées de côté)" in str(info.value)


def test_unknown_columns_are_kept_in_extra_and_reported(tmp_path):
    text = "nom,Remarques,commune,Référent\nA,à revoir,Lyon,Mme X\nB,,Brest\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.unknown_columns == ["Remarques", "Référent"]
    assert list(listing.rows["extra"]) == [
        {"Remarques": "à revoir", "Référent": "Mme X"},
        {"Remarques": ""},
    ]
    reported = {p.colonne for p in problems_for(listing, line=1)}
    assert reported == {"Remarques", "Référent"}
    assert all(p.gravite == AVERTISSEMENT for p in problems_for(listing, line=1))


def test_unknown_columns_with_spaces_around_their_header_keep_the_file_s_order(tmp_path):
    # Spreadsheets leave spaces around header names: the trimmed name is not in the
    # untrimmed header, and sorting on it used to crash.
    text = "nom, zeta ,commune, remarque\nA,z,Lyon,x\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.unknown_columns == ["zeta", "remarque"]
    assert only_row(listing)["extra"] == {"zeta": "z", "remarque": "x"}


# --- rows -----------------------------------------------------------------------------------


def test_row_without_a_name_is_rejected_with_its_line(tmp_path):
    text = "nom,commune\nA,Lyon\n  ,Brest\nC,Caen\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["A", "C"]
    assert len(listing.rejects) == 1
    reject = listing.rejects[0]
    assert reject["ligne"] == 3
    assert "nom manquant" in reject["raison"]
    assert listing.rows_read == 3


def test_defaults_type_ips_and_statut_actif(tmp_path):
    text = "nom,type,statut\nA,,\n"
    row = only_row(read_listing(write_listing(tmp_path / "l.csv", text)))
    assert row["type"] == "ips"
    assert row["statut"] == "actif"
    row = only_row(read_listing(write_listing(tmp_path / "m.csv", "nom\nA\n")))
    assert (row["type"], row["statut"]) == ("ips", "actif")


@pytest.mark.parametrize(
    ("written", "statut"),
    [
        ("Actif", "actif"),
        ("ACTIVE", "actif"),
        ("en projet", "en_projet"),
        ("En Projet", "en_projet"),
        ("en_projet", "en_projet"),
        ("Fermé", "ferme"),
        ("fermée", "ferme"),
        ("ferme", "ferme"),
        ("En cours de création", "en_projet"),
    ],
)
def test_statut_spellings(tmp_path, written, statut):
    text = f"nom;statut\nA;{written}\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert only_row(listing)["statut"] == statut
    assert statut in SERVICE_STATUSES
    assert problems_for(listing, "statut") == []


def test_unknown_statut_keeps_the_row_as_written(tmp_path):
    text = "nom;statut\nA;actif\nB;suspendu\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["A", "B"]
    assert list(listing.rows["statut"]) == ["actif", "non_reconnu"]
    assert list(listing.rows["statut_ecrit"]) == ["", "suspendu"]
    assert listing.rejects == []
    [problem] = problems_for(listing, "statut", line=3)
    assert problem.valeur == "suspendu"
    assert problem.message.startswith("statut non reconnu : service dessiné et listé")
    # The accepted words are quoted.
    assert "« à l'étude »" in problem.message and "« Fermé »" in problem.message


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("IPS", "ips"),
        ("Individual Placement and Support", "ips"),
        ("Emploi accompagné", "emploi_accompagne"),
        ("emploi_accompagne", "emploi_accompagne"),
        ("job coaching", "emploi_accompagne"),
        ("Job Coaching", "emploi_accompagne"),
        ("DEA", "emploi_accompagne"),
        ("autre", "autre"),
    ],
)
def test_type_spellings(tmp_path, written, kind):
    listing = read_listing(write_listing(tmp_path / "l.csv", f"nom;type\nA;{written}\n"))
    assert only_row(listing)["type"] == kind
    assert kind in SERVICE_TYPES
    assert problems_for(listing, "type") == []


def test_unknown_type_warns_and_counts_as_autre(tmp_path):
    listing = read_listing(write_listing(tmp_path / "l.csv", "nom;type\nA;ESAT\n"))
    row = only_row(listing)
    assert row["type"] == "autre"
    warned = problems_for(listing, "type", line=2)
    assert len(warned) == 1
    assert warned[0].valeur == "ESAT" and warned[0].gravite == AVERTISSEMENT
    assert listing.rejects == []


# --- numbers ----------------------------------------------------------------------------------


def test_decimal_commas_in_coordinates_and_capacity(tmp_path):
    text = 'nom;lat;lon;capacite\nA;45,764;4,8357;12,5\nB;"-21,1151";"55,5364";1 200\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["lat"]) == [45.764, -21.1151]
    assert list(listing.rows["lon"]) == [4.8357, 55.5364]
    assert list(listing.rows["capacite_n"]) == [12.5, 1200.0]


def test_decimal_commas_in_a_comma_delimited_file_when_quoted(tmp_path):
    text = 'nom,latitude,longitude,capacite\nA,"45,5","4,25","7,5"\n'
    row = only_row(read_listing(write_listing(tmp_path / "l.csv", text)))
    assert (row["lat"], row["lon"], row["capacite_n"]) == (45.5, 4.25, 7.5)


@pytest.mark.parametrize(
    ("lat", "lon", "column"),
    [("abc", "4.8", "latitude"), ("45.7", "", "longitude"), ("95", "4.8", "latitude")],
)
def test_bad_coordinates_are_ignored_with_a_warning(tmp_path, lat, lon, column):
    text = f"nom;latitude;longitude\nA;{lat};{lon}\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    row = only_row(listing)
    assert math.isnan(row["lat"]) and math.isnan(row["lon"])
    assert len(problems_for(listing, column, line=2)) == 1


def test_lambert_93_coordinates_are_converted_with_one_transformer(tmp_path, monkeypatch):
    import pyproj

    built = []
    original = pyproj.Transformer.from_crs

    def counting(*args, **kwargs):
        built.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(pyproj.Transformer, "from_crs", counting)
    rows = "".join(f"S{i};{842000 + i};6519000\n" for i in range(50))
    listing = read_listing(write_listing(tmp_path / "l.csv", "nom;x;y\n" + rows))
    assert len(listing.rows) == 50
    assert round(listing.rows.iloc[0]["lat"], 2) == 45.76
    assert round(listing.rows.iloc[0]["lon"], 2) == 4.83
    assert len(built) <= 1  # built once for the process, not once per row
    warned = problems_for(listing, line=2)
    assert any("Lambert-93" in p.message for p in warned)


@pytest.mark.parametrize("capacity", ["beaucoup", "-3", "nan", "inf"])
def test_bad_capacity_is_ignored_with_a_warning(tmp_path, capacity):
    listing = read_listing(write_listing(tmp_path / "l.csv", f"nom;capacite\nA;{capacity}\n"))
    assert math.isnan(only_row(listing)["capacite_n"])
    assert len(problems_for(listing, "capacite", line=2)) == 1


# --- postcodes and commune codes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "postcode", "warned"),
    [
        ("69003", "69003", False),
        ("69 003", "69003", False),
        ("69003 CEDEX", "69003", False),
        ("13002 Cedex 02", "13002", False),
        ("1000", "01000", True),
        ("1000 CEDEX", "01000", True),
        ("ABCDE", "", True),
        ("690031", "", True),
    ],
)
def test_postcodes(tmp_path, written, postcode, warned):
    listing = read_listing(write_listing(tmp_path / "l.csv", f"nom;cp\nA;{written}\n"))
    row = only_row(listing)
    assert row["code_postal"] == written  # the value as written is kept
    assert row["code_postal_n"] == postcode
    assert bool(problems_for(listing, "cp", line=2)) == warned


@pytest.mark.parametrize(
    ("written", "code", "warned"),
    [
        ("01053", "01053", False),
        ("2a004", "2A004", False),
        ("2B033", "2B033", False),
        ("97411", "97411", False),
        ("1053", "01053", True),
        ("123", "", True),
        ("2C004", "", True),
    ],
)
def test_insee_codes(tmp_path, written, code, warned):
    listing = read_listing(write_listing(tmp_path / "l.csv", f"nom;code insee\nA;{written}\n"))
    assert only_row(listing)["code_commune_n"] == code
    assert bool(problems_for(listing, "code insee", line=2)) == warned


# --- départements -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code", "warned"),
    [
        ("01", "01", False),
        ("1", "01", True),
        ("2a", "2A", False),
        ("69M", "69", True),
        ("Côte-d'Or", "21", False),
        ("20", "", False),  # placement says what it is read as
        ("Atlantide", "", True),
        ("13 - Bouches-du-Rhône", "13", True),
        ("Bouches-du-Rhône (13)", "13", True),
    ],
)
def test_departement_column(tmp_path, written, code, warned):
    listing = read_listing(write_listing(tmp_path / "l.csv", f"nom;dept\nA;{written}\n"))
    row = only_row(listing)
    assert row["departement_code"] == code
    found = problems_for(listing, "dept", line=2)
    assert bool(found) == warned
    if warned:
        assert found[0].valeur == written


def test_the_departement_of_a_rejected_row_is_not_read(tmp_path):
    listing = read_listing(write_listing(tmp_path / "l.csv", "nom;dept\nA;01\n;20\n"))
    assert [r["ligne"] for r in listing.rejects] == [3]
    assert problems_for(listing, "dept") == []  # no word about the old Corsican code


@pytest.mark.parametrize("written", ["987", "Nouvelle-Calédonie", "975"])
def test_collectivite_d_outre_mer_rejects_the_row(tmp_path, written):
    # Issue 4: a collectivité d'outre-mer is not a département; the row is rejected (it
    # was kept and its département ignored before).
    listing = read_listing(write_listing(tmp_path / "l.csv", f"nom;dept\nA;01\nB;{written}\n"))
    assert list(listing.rows["nom"]) == ["A"]
    assert [r["ligne"] for r in listing.rejects] == [3]
    assert "pas un département" in listing.rejects[0]["raison"]
    assert listing.rejects[0]["valeur"] == written


@pytest.mark.parametrize(
    ("written", "codes"),
    [
        ("13; 83 et 84", ("13", "83", "84")),
        ("13,83,84", ("13", "83", "84")),
        ("13/83 / 84", ("13", "83", "84")),
        ("13 83 84", ("13", "83", "84")),
        ("1 et 2a", ("01", "2A")),
        ("974 ET 976", ("974", "976")),
        ("13; 13; 83", ("13", "83")),
        ("Loir-et-Cher", ("41",)),
        ("Loir-et-Cher et Indre-et-Loire", ("41", "37")),
        ("Loir et Cher, Indre", ("41", "36")),
        ("Côte d'Or; Doubs", ("21", "25")),
        ("La Réunion / Mayotte", ("974", "976")),
        ("Seine Saint Denis et 95", ("93", "95")),
        ("Territoire de Belfort", ("90",)),
        ("Cher et Indre", ("18", "36")),
        ("1 3", ("01", "03")),
    ],
)
def test_departements_desservis_lists(tmp_path, written, codes):
    text = f'nom,departements desservis\nA,"{written}"\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert only_row(listing)["desservis"] == codes
    assert problems_for(listing, "departements desservis") == []


def test_departements_desservis_reports_unreadable_parts(tmp_path):
    text = "nom;desserte\nA;13, 20 et Atlantide, 975\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert only_row(listing)["desservis"] == ("13",)
    reported = {p.valeur: p.message for p in problems_for(listing, "desserte", line=2)}
    assert set(reported) == {"20", "Atlantide", "975"}
    assert "2A" in reported["20"]
    assert "collectivité d'outre-mer" in reported["975"]


def test_parse_departements_list_returns_codes_and_bad_parts():
    assert parse_departements_list("") == ([], [])
    assert parse_departements_list("2B; xx") == (["2B"], ["xx"])


# --- links --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kept", "warned"),
    [
        ("https://example.org/ips", "https://example.org/ips", False),
        ("HTTP://example.org", "HTTP://example.org", False),
        ("www.example.org", "https://www.example.org", True),
        ("javascript:alert(1)", "", True),
        ("ftp://example.org/f", "", True),
        ("example.org", "", True),
    ],
)
def test_site_web(tmp_path, written, kept, warned):
    listing = read_listing(write_listing(tmp_path / "l.csv", f"nom;site web\nA;{written}\n"))
    assert only_row(listing)["site_web"] == kept
    assert bool(problems_for(listing, "site web", line=2)) == warned


# --- problems are collected, not raised -------------------------------------------------------


def test_every_problem_is_collected_with_line_column_and_value(tmp_path):
    text = (
        "nom;type;statut;cp;dept\n"
        "A;ESAT;actif;ABCDE;1\n"  # three warnings, kept
        ";ips;actif;;\n"  # rejected: no name
        "EXEMPLE - service fictif (remplacez cette ligne);ips;bof;;\n"  # rejected: example
    )
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["A"]
    warnings = {(p.ligne, p.colonne, p.valeur) for p in listing.problems}
    assert {(2, "type", "ESAT"), (2, "cp", "ABCDE"), (2, "dept", "1")} <= warnings
    assert [r["ligne"] for r in listing.rejects] == [3, 4]
    assert all(p.gravite != ERREUR for p in listing.problems)


def test_listing_metadata(tmp_path):
    path = write_listing(tmp_path / "ma-liste.csv", "nom\nA\n")
    listing = read_listing(path, is_example=True)
    assert listing.name == "ma-liste.csv"
    assert listing.path == path
    assert listing.is_example is True
    assert len(listing.date) == 10 and listing.date[4] == "-"
    assert read_listing(path).is_example is False


def test_embedded_example_reads_without_rejects():
    path = data_dir() / "services" / "exemple.csv"
    listing = read_listing(path, is_example=True)
    assert listing.rejects == []
    assert len(listing.rows) == listing.rows_read > 0
    codes = set(departement_codes())
    assert all(code in codes for code in listing.rows["departement_code"] if code)
    assert SOURCES["exemple_sources"].path.startswith("services/")


# --- properties -------------------------------------------------------------------------------

POPULATIONS = load_populations()
NAMES = dict(zip(POPULATIONS["code"], POPULATIONS["nom"]))
CODES = list(POPULATIONS["code"])

WRITTEN_CODE = st.sampled_from(CODES).flatmap(
    lambda code: st.tuples(
        st.sampled_from(
            [code, code.lower(), NAMES[code], NAMES[code].upper()]
            + ([code.lstrip("0")] if code.startswith("0") else [])
        ),
        st.just(code),
    )
)


@settings(max_examples=60, deadline=None)
@given(WRITTEN_CODE)
def test_departement_column_normalises_every_writing(case):
    written, code = case
    with tempfile.TemporaryDirectory() as folder:
        path = write_listing(Path(folder) / "l.csv", f'nom;departement\nA;"{written}"\n')
        assert only_row(read_listing(path))["departement_code"] == code


@given(
    st.lists(WRITTEN_CODE, min_size=1, max_size=6),
    st.lists(st.sampled_from([";", ", ", " / ", "; ", ","]), min_size=6, max_size=6),
)
def test_departements_list_reads_every_item(items, separators):
    # Names and codes separated by punctuation: each is read whole, in order, once.
    text = "".join(
        written + (separators[i] if i < len(items) - 1 else "")
        for i, (written, _) in enumerate(items)
    )
    codes, bad = parse_departements_list(text)
    expected = list(dict.fromkeys(code for _, code in items))
    assert bad == []
    assert codes == expected


@pytest.mark.parametrize(
    "name",
    [
        "EXEMPLE – service ﬁctif (remplacez cette ligne)",  # en dash, "ﬁ" ligature
        "exemple : SERVICE FICTIF / remplacez cette ligne !",
        "Exemple - service fi\u0301ctif (remplacez cette ligne)",  # a combining accent
    ],
)
def test_the_template_example_row_is_refused_however_it_is_written(tmp_path, name):
    # Names are checked by text_key only when they may fold to the example's: these must.
    text = f"nom,commune\n{name},Lyon\nVrai service,Lyon\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["Vrai service"]
    assert [r["ligne"] for r in listing.rejects] == [2]
    assert "ligne d'exemple du modèle" in listing.rejects[0]["raison"]


def test_a_name_that_folds_to_the_example_only_with_the_next_one_is_kept(tmp_path):
    # The names are folded together, joined by NULs: no match may run from one to the next.
    text = "nom,commune\nExemple service fic,Lyon\ntif (remplacez cette ligne),Lyon\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert len(listing.rows) == 2 and not listing.rejects
