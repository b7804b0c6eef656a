"""Tests of ips_map.places: placing services from the evidence their listing carries.

Logic is tested on three little square départements ("01", "2A", "974") and a handful of
synthetic communes; one test runs on the real embedded data.
"""

from __future__ import annotations

import csv
import io
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from ips_map.errors import ERREUR
from ips_map.listing.read import read_listing
from ips_map.places import count_placements, place_services
from ips_map.places.geometry import COAST_TOLERANCE_M, departements_of_points, distance_km
from ips_map.territory.data import COMMUNE_COLUMNS, load_communes, load_departements, load_old_codes
from ips_map.territory.gazetteer import commune_key
from ips_map.vocabulary import PLACEMENT_METHODS
from tests.helpers import write_listing

#: Metres per degree of longitude in EPSG:3857 (the sphere's radius times pi / 180), the
#: projection in which COAST_TOLERANCE_M is measured.
M_PER_DEGREE_3857 = 6378137 * math.pi / 180

SQUARES = {
    "01": (4.0, 46.0, 5.0, 47.0),
    "2A": (8.5, 41.5, 9.5, 42.5),
    "974": (55.0, -21.5, 56.0, -20.5),
}


@pytest.fixture(scope="module")
def departements() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": list(SQUARES),
            "nom": ["Ain", "Corse-du-Sud", "La Réunion"],
            "code_region": ["84", "94", "04"],
            "nom_region": ["Auvergne-Rhône-Alpes", "Corse", "La Réunion"],
        },
        geometry=[box(*bounds) for bounds in SQUARES.values()],
        crs=4326,
    )


COMMUNES = pd.DataFrame(
    [
        # code, nom, département, postcodes, population, lon, lat
        ("01053", "Bourg-en-Bresse", "01", "01000", 41_000, 4.2, 46.2),
        ("01344", "Saint-Denis-lès-Bourg", "01", "01000", 5_800, 4.3, 46.3),
        ("01100", "Le Plantay", "01", "01330", 600, 4.6, 46.6),
        ("01030", "Beaumont", "01", "01310", 900, 4.7, 46.8),
        ("2A004", "Ajaccio", "2A", "20000 20090", 70_000, 8.7, 41.9),
        ("2A100", "Église-Neuve", "2A", "20117", 300, 9.0, 42.0),
        ("97411", "Saint-Denis", "974", "97400 97490", 150_000, 55.45, -20.9),
        ("97430", "Beaumont", "974", "97430", 2_000, 55.6, -21.0),
        # A postcode shared by two départements, as "01590" is by the Ain and the Jura.
        ("01148", "Dortan", "01", "01590", 2_074, 4.8, 46.4),
        ("2A300", "Frontière", "2A", "01590", 300, 9.3, 41.7),
    ],
    columns=list(COMMUNE_COLUMNS),
)
OLD_CODES = pd.DataFrame(
    [
        ("01003", "", "01053", "ancien_code"),
        ("01004", "Vieux-Bourg", "01053", "commune-deleguee"),
        ("2A999", "", "2A004", "ancien_code"),
    ],
    columns=["ancien_code", "ancien_nom", "code_commune", "relation"],
)


def commune(code: str) -> pd.Series:
    return COMMUNES.set_index("code_commune").loc[code]


def write_rows(tmp_path, rows: list[dict], name: str = "services.csv"):
    """Write rows as a ``;`` listing (every row gets a ``nom``) and read it."""
    fields: list[str] = ["nom"]
    for row in rows:
        fields += [k for k in row if k not in fields]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, delimiter=";", lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows):
        writer.writerow({"nom": f"Service {i + 2}", **row})
    return read_listing(write_listing(tmp_path / name, out.getvalue()))


def place(tmp_path, departements, rows: list[dict]):
    return place_services(write_rows(tmp_path, rows), departements, COMMUNES, OLD_CODES)


def place_one(tmp_path, departements, row: dict) -> pd.Series:
    """Place a single row; fail if it was rejected. The row is on line 2."""
    placement = place(tmp_path, departements, [row])
    assert placement.rejects == [], placement.rejects
    assert len(placement.services) == 1
    return placement.services.iloc[0]


def problems_at(placement, line: int) -> list:
    return [p for p in placement.problems if p.ligne == line]


def assert_at_commune(service: pd.Series, code: str) -> None:
    expected = commune(code)
    assert service["code_commune_trouve"] == code
    assert service["nom_commune_trouve"] == expected["nom"]
    assert service["code_departement"] == expected["code_departement"]
    assert service.geometry.equals(Point(expected["longitude"], expected["latitude"]))


# --- commune_key ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Saint-Denis", "St Denis"),
        ("Saint-Denis", "ST-DENIS"),
        ("Sainte-Marie", "Ste Marie"),
        ("Église-Neuve", "eglise neuve"),
        ("Le Plantay", "Plantay"),
        ("Le Plantay", "LE PLANTAY"),
        ("L'Abergement-Clémenciat", "Abergement Clemenciat"),
        ("Les Sables-d'Olonne", "Sables d'Olonne"),
        ("La Roche-sur-Yon", "la roche sur yon"),
    ],
)
def test_commune_key_matches_usual_spellings(a, b):
    assert commune_key(a) == commune_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Saint-Denis", "Saint-Denis-lès-Bourg"),
        ("Saint-Denis", "Sainte-Denis"),
        ("Beaumont", "Beaumont-sur-Oise"),
    ],
)
def test_commune_key_keeps_different_communes_apart(a, b):
    assert commune_key(a) != commune_key(b)


def test_commune_key_keeps_a_name_that_is_only_an_article():
    # "Le" alone is not dropped to nothing.
    assert commune_key("Les") == "les"


# --- departements_of_points -------------------------------------------------------------------


def test_points_inside_each_departement(departements):
    lons = np.array([4.5, 9.0, 55.5])
    lats = np.array([46.5, 42.0, -21.0])
    assert departements_of_points(lons, lats, departements) == ["01", "2A", "974"]


def test_no_points(departements):
    assert departements_of_points(np.array([]), np.array([]), departements) == []


def test_offshore_point_within_the_coast_tolerance(departements):
    east_edge = SQUARES["01"][2]
    near = east_edge + (COAST_TOLERANCE_M / 2) / M_PER_DEGREE_3857
    far = east_edge + (COAST_TOLERANCE_M * 2) / M_PER_DEGREE_3857
    result = departements_of_points(
        np.array([near, far, 4.5]), np.array([46.5, 46.5, 46.5]), departements
    )
    assert result == ["01", None, "01"]


def test_points_far_outside_are_none_and_order_is_kept(departements):
    lons = np.array([0.0, 9.0, -60.0, 4.5])
    lats = np.array([0.0, 42.0, 10.0, 46.5])
    assert departements_of_points(lons, lats, departements) == [None, "2A", None, "01"]


# --- placement by coordinates ---------------------------------------------------------------


def test_placed_by_coordinates(tmp_path, departements):
    service = place_one(tmp_path, departements, {"latitude": "42,1", "longitude": "8,9"})
    assert service["methode"] == "coordonnees"
    assert service["code_departement"] == "2A"
    assert service.geometry.equals(Point(8.9, 42.1))
    assert service["code_commune_trouve"] == ""
    assert service["desservis"] == ("2A",)


def test_rows_placed_by_coordinates_alone_each_keep_their_position(tmp_path, departements):
    # Placed together (same département, nothing else), each at its own coordinates.
    rows = [
        {"latitude": "42,1", "longitude": "8,9"},
        {"latitude": "42,3", "longitude": "8,6"},
        {"latitude": "46,5", "longitude": "4,5", "departements_desservis": "2A"},
        {"latitude": "8,7", "longitude": "42,2"},  # swapped: noted, placed on its own
        {"latitude": "42,2", "longitude": "8,7", "dept": "01"},  # contradicted: on its own
    ]
    placement = place(tmp_path, departements, rows)
    services = placement.services
    assert [(p.x, p.y) for p in services.geometry] == [
        (8.9, 42.1),
        (8.6, 42.3),
        (4.5, 46.5),
        (8.7, 42.2),
    ]
    assert list(services["code_departement"]) == ["2A", "2A", "01", "2A"]
    assert list(services["desservis"]) == [("2A",), ("2A",), ("2A",), ("2A",)]
    assert list(services["avertissements"])[:3] == ["", "", ""]
    assert "inversées" in services["avertissements"].iloc[3]
    assert [r["ligne"] for r in placement.rejects] == [6]


def test_offshore_office_is_placed_in_the_nearest_departement(tmp_path, departements):
    # Just west of the square of 974, by half the tolerance: a coastal office.
    lon = SQUARES["974"][0] - (COAST_TOLERANCE_M / 2) / M_PER_DEGREE_3857
    service = place_one(tmp_path, departements, {"latitude": "-21", "longitude": str(lon)})
    assert service["methode"] == "coordonnees"
    assert service["code_departement"] == "974"
    assert service.geometry.x == pytest.approx(lon)  # the true position is kept


def test_coordinates_outside_every_departement_fall_back_to_the_next_evidence(
    tmp_path, departements
):
    placement = place(tmp_path, departements, [{"lat": "0", "lon": "0", "commune": "Ajaccio"}])
    assert placement.rejects == []
    service = placement.services.iloc[0]
    assert service["methode"] == "commune"
    assert_at_commune(service, "2A004")
    # Issue 4: reports name the column as the file's header writes it ("lat", not "latitude").
    warned = [p for p in problems_at(placement, 2) if p.colonne == "lat"]
    assert len(warned) == 1
    assert "hors des 101 départements" in warned[0].message
    assert "hors des 101 départements" in service["avertissements"]


def test_coordinates_outside_and_nothing_else_is_rejected(tmp_path, departements):
    placement = place(tmp_path, departements, [{"lat": "10", "lon": "-60"}])
    assert placement.services.empty
    assert [r["ligne"] for r in placement.rejects] == [2]


# --- placement by INSEE code --------------------------------------------------------------------


def test_placed_by_current_insee_code(tmp_path, departements):
    service = place_one(tmp_path, departements, {"code insee": "2a004"})
    assert service["methode"] == "code_commune"
    assert_at_commune(service, "2A004")


def test_placed_by_four_digit_insee_code(tmp_path, departements):
    service = place_one(tmp_path, departements, {"code insee": "1100"})
    assert service["methode"] == "code_commune"
    assert_at_commune(service, "01100")


@pytest.mark.parametrize(("old", "new"), [("01003", "01053"), ("2A999", "2A004")])
def test_placed_by_old_insee_code(tmp_path, departements, old, new):
    placement = place(tmp_path, departements, [{"code_commune": old}])
    service = placement.services.iloc[0]
    assert service["methode"] == "ancien_code_commune"
    assert_at_commune(service, new)
    notes = [p for p in problems_at(placement, 2) if p.colonne == "code_commune"]
    assert len(notes) == 1 and new in notes[0].message


def test_unknown_insee_code_is_noted_and_next_evidence_used(tmp_path, departements):
    placement = place(tmp_path, departements, [{"code insee": "01999", "cp": "01330"}])
    service = placement.services.iloc[0]
    assert service["methode"] == "code_postal"
    assert_at_commune(service, "01100")
    assert any(p.valeur == "01999" for p in problems_at(placement, 2))


def test_coordinates_beat_the_insee_code(tmp_path, departements):
    service = place_one(
        tmp_path, departements, {"lat": "46.9", "lon": "4.1", "code insee": "01053"}
    )
    assert service["methode"] == "coordonnees"
    assert service.geometry.equals(Point(4.1, 46.9))
    assert service["code_departement"] == "01"


# --- placement by commune name ----------------------------------------------------------------


def test_placed_by_commune_name_and_postcode(tmp_path, departements):
    service = place_one(tmp_path, departements, {"commune": "Beaumont", "cp": "01310"})
    assert service["methode"] == "commune"
    assert_at_commune(service, "01030")


def test_placed_by_commune_name_and_departement(tmp_path, departements):
    service = place_one(tmp_path, departements, {"commune": "Beaumont", "departement": "974"})
    assert service["methode"] == "commune"
    assert_at_commune(service, "97430")
    service = place_one(
        tmp_path, departements, {"commune": "BEAUMONT", "departement": "La Réunion"}
    )
    assert_at_commune(service, "97430")


def test_ambiguous_name_alone_is_not_placed_by_name(tmp_path, departements):
    placement = place(tmp_path, departements, [{"commune": "Beaumont"}])
    assert placement.services.empty
    notes = [p for p in problems_at(placement, 2) if p.colonne == "commune" and p.gravite != ERREUR]
    assert len(notes) == 1
    # Both candidates are named, so the user can choose.
    assert "01030" in notes[0].message and "97430" in notes[0].message
    assert [r["ligne"] for r in placement.rejects] == [2]


def test_ambiguous_name_with_an_unrelated_postcode_is_placed_by_postcode(tmp_path, departements):
    placement = place(tmp_path, departements, [{"commune": "Beaumont", "cp": "97400"}])
    service = placement.services.iloc[0]
    assert service["methode"] == "code_postal"
    assert_at_commune(service, "97411")
    assert any("97430" in p.message for p in problems_at(placement, 2))


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("St Denis", "97411"),
        ("ST-DENIS", "97411"),
        ("Saint Denis les Bourg", "01344"),
        ("St-Denis-lès-Bourg", "01344"),
        ("eglise neuve", "2A100"),
        ("L'Église-Neuve", "2A100"),
        ("Plantay", "01100"),
        ("LE PLANTAY", "01100"),
        ("ajaccio", "2A004"),
    ],
)
def test_commune_names_as_people_write_them(tmp_path, departements, written, code):
    service = place_one(tmp_path, departements, {"ville": written})
    assert service["methode"] == "commune"
    assert_at_commune(service, code)


def test_old_commune_name_resolves_to_today_s_commune(tmp_path, departements):
    service = place_one(tmp_path, departements, {"commune": "Vieux Bourg"})
    assert service["methode"] == "commune"
    assert_at_commune(service, "01053")


def test_unknown_commune_name_is_noted(tmp_path, departements):
    placement = place(tmp_path, departements, [{"commune": "Atlantis", "cp": "20117"}])
    service = placement.services.iloc[0]
    assert service["methode"] == "code_postal"
    assert_at_commune(service, "2A100")
    assert any(p.valeur == "Atlantis" for p in problems_at(placement, 2))


# --- placement by postcode ----------------------------------------------------------------------


def test_postcode_alone_places_at_the_most_populous_commune(tmp_path, departements):
    postcode = "01000"
    sharing = COMMUNES[COMMUNES["codes_postaux"].str.split().map(lambda p: postcode in p)]
    assert len(sharing) > 1
    expected = sharing.sort_values("population").iloc[-1]["code_commune"]
    placement = place(tmp_path, departements, [{"code postal": postcode}])
    service = placement.services.iloc[0]
    assert service["methode"] == "code_postal"
    assert_at_commune(service, expected)
    assert any(str(len(sharing)) in p.message for p in problems_at(placement, 2))


def test_postcode_with_cedex_and_four_digits(tmp_path, departements):
    service = place_one(tmp_path, departements, {"cp": "1330 CEDEX"})
    assert service["methode"] == "code_postal"
    assert_at_commune(service, "01100")


def most_populous_with_postcode(communes: pd.DataFrame, postcode: str, dep: str | None = None):
    sharing = communes[communes["codes_postaux"].str.split().map(lambda p: postcode in p)]
    if dep is not None:
        sharing = sharing[sharing["code_departement"] == dep]
    return sharing.sort_values("population").iloc[-1]["code_commune"]


def test_postcode_shared_by_two_departements_follows_the_stated_one(tmp_path, departements):
    deps = set(COMMUNES.loc[COMMUNES["codes_postaux"] == "01590", "code_departement"])
    assert deps == {"01", "2A"}
    placement = place(tmp_path, departements, [{"cp": "01590"}, {"cp": "01590", "dept": "2A"}])
    assert placement.rejects == []
    alone, stated = (placement.services.iloc[i] for i in (0, 1))
    assert alone["methode"] == stated["methode"] == "code_postal"
    assert_at_commune(alone, most_populous_with_postcode(COMMUNES, "01590"))
    assert_at_commune(stated, most_populous_with_postcode(COMMUNES, "01590", "2A"))
    assert alone["code_departement"] == "01" and stated["code_departement"] == "2A"


def test_postcode_of_another_departement_is_a_contradiction(tmp_path, departements):
    placement = place(tmp_path, departements, [{"cp": "01590", "dept": "974"}])
    assert placement.services.empty
    assert "contradiction" in placement.rejects[0]["raison"]


def test_unknown_postcode_alone_is_rejected(tmp_path, departements):
    placement = place(tmp_path, departements, [{"cp": "99999"}])
    assert placement.services.empty
    assert any(p.valeur == "99999" for p in problems_at(placement, 2))


# --- evidence that disagrees: the warnings say which won --------------------------------------


def messages_at(placement, line: int) -> list[str]:
    return [p.message for p in problems_at(placement, line)]


def test_swapped_coordinates_are_read_the_other_way(tmp_path, departements):
    placement = place(tmp_path, departements, [{"latitude": "4.5", "longitude": "46.5"}])
    [service] = placement.services.to_dict("records")
    assert service["methode"] == "coordonnees" and service["code_departement"] == "01"
    assert service["geometry"].equals(Point(4.5, 46.5))
    assert messages_at(placement, 2) == [
        "latitude et longitude inversées : lues comme latitude 46.5, longitude 4.5 "
        "(dans le département 01 (Ain))"
    ]


def test_evidence_in_an_outvoted_departement_is_ignored(tmp_path, departements):
    row = {"lat": "41.9", "lon": "8.7", "code insee": "01053", "dept": "01"}
    placement = place(tmp_path, departements, [row])
    [service] = placement.services.to_dict("records")
    assert service["methode"] == "code_commune" and service["code_departement"] == "01"
    [note] = problems_at(placement, 2)
    assert (note.colonne, note.valeur) == ("lat", "41.9 ; 8.7")
    assert note.message == (
        "coordonnées dans le département 2A (Corse-du-Sud), contredit par code INSEE de la "
        "commune, département indiqué (01 (Ain)) : ignoré"
    )


def test_the_place_most_evidence_agrees_with_beats_a_better_rank(tmp_path, departements):
    # Coordinates far from Bourg-en-Bresse, whose INSEE code and postcode agree.
    row = {"lat": "46.9", "lon": "4.9", "code insee": "01053", "cp": "01000"}
    placement = place(tmp_path, departements, [row])
    [service] = placement.services.to_dict("records")
    assert service["methode"] == "code_commune"
    assert service["code_commune_trouve"] == "01053"
    far = distance_km(4.9, 46.9, 4.2, 46.2)
    assert far > 20
    assert messages_at(placement, 2) == [
        f"coordonnées à {far:.0f} km du lieu retenu : placé par code INSEE de la commune, "
        "cohérent avec code postal (approximation) ; vérifiez"
    ]


def test_far_evidence_alone_keeps_the_best_ranked(tmp_path, departements):
    placement = place(
        tmp_path, departements, [{"lat": "46.9", "lon": "4.9", "code insee": "01053"}]
    )
    [service] = placement.services.to_dict("records")
    assert service["methode"] == "coordonnees"
    # The commune of the code is not claimed: the point is far from it.
    assert service["code_commune_trouve"] == ""
    far = distance_km(4.9, 46.9, 4.2, 46.2)
    assert messages_at(placement, 2) == [
        f"code INSEE de la commune (Bourg-en-Bresse) à {far:.0f} km du lieu retenu : placé par "
        "coordonnées ; vérifiez"
    ]


def test_old_corsican_20_is_read_from_the_other_evidence(tmp_path, departements):
    placement = place(tmp_path, departements, [{"commune": "Ajaccio", "dept": "20"}])
    [service] = placement.services.to_dict("records")
    assert service["code_departement"] == "2A"
    # One warning, the one fix: the code to write.
    assert messages_at(placement, 2) == [
        "ancien code de la Corse lu comme 2A (Corse-du-Sud) (selon : nom de la commune) : "
        "indiquez « 2A »"
    ]


def test_same_name_in_the_same_commune_is_a_possible_duplicate(tmp_path, departements):
    rows = [
        {"nom": "Accueil IPS", "commune": "Ajaccio"},
        {"nom": "ACCUEIL IPS", "code insee": "2A004"},
        {"nom": "Accueil IPS", "commune": "Église-Neuve"},  # another commune
        {"nom": "accueil ips", "commune": "ajaccio", "cp": "99999"},
    ]
    placement = place(tmp_path, departements, rows)
    assert len(placement.services) == 4  # both are counted
    duplicate = (
        "même nom qu'à la ligne 2, dans la même commune : doublon possible, vérifiez "
        "(les deux sont comptés)"
    )
    assert messages_at(placement, 3) == [duplicate]
    assert messages_at(placement, 4) == []
    assert messages_at(placement, 5) == ["code postal inconnu : ignoré", duplicate]
    # The warnings of a row, the duplicate last, in its column.
    warnings = list(placement.services["avertissements"])
    assert warnings[0] == warnings[2] == ""
    assert warnings[1] == f"ligne 3, colonne « nom », valeur « ACCUEIL IPS » : {duplicate}"
    assert warnings[3] == (
        "ligne 5, colonne « cp », valeur « 99999 » : code postal inconnu : ignoré | "
        f"ligne 5, colonne « nom », valeur « accueil ips » : {duplicate}"
    )
    # Duplicate warnings come after every row's own problems.
    assert [p.ligne for p in placement.problems] == [5, 3, 5]


# --- rejects and contradictions -------------------------------------------------------------


def test_row_without_evidence_is_rejected_with_its_line(tmp_path, departements):
    placement = place(
        tmp_path,
        departements,
        [{"commune": "Ajaccio"}, {"structure": "sans adresse"}, {"code insee": "97411"}],
    )
    assert list(placement.services["ligne"]) == [2, 4]
    assert len(placement.rejects) == 1
    reject = placement.rejects[0]
    assert reject["ligne"] == 3
    assert reject["nom"] == "Service 3"
    assert "ligne 3" in reject["raison"]
    assert "localiser" in reject["raison"]
    errors = [p for p in placement.problems if p.gravite == ERREUR]
    assert [p.ligne for p in errors] == [3]


def test_coordinates_contradicting_the_stated_departement_are_rejected(tmp_path, departements):
    placement = place(tmp_path, departements, [{"lat": "46.5", "lon": "4.5", "dept": "2A"}])
    assert placement.services.empty
    assert [r["ligne"] for r in placement.rejects] == [2]
    assert "contradiction" in placement.rejects[0]["raison"]
    errors = [p for p in placement.problems if p.gravite == ERREUR]
    assert len(errors) == 1
    assert errors[0].ligne == 2 and errors[0].valeur == "2A"
    assert "01" in errors[0].message and "2A" in errors[0].message


def test_insee_code_contradicting_the_commune_name_is_rejected(tmp_path, departements):
    placement = place(tmp_path, departements, [{"code insee": "2A004", "commune": "Le Plantay"}])
    assert placement.services.empty
    assert "contradiction" in placement.rejects[0]["raison"]
    assert PLACEMENT_METHODS["commune"] in placement.rejects[0]["raison"]


def test_evidence_that_agrees_is_placed(tmp_path, departements):
    service = place_one(
        tmp_path,
        departements,
        {
            "lat": "46.25",
            "lon": "4.25",
            "code insee": "01053",
            "commune": "Bourg-en-Bresse",
            "cp": "01000",
            "dept": "1",
        },
    )
    assert service["methode"] == "coordonnees"
    assert service["code_departement"] == "01"


def test_one_bad_row_does_not_stop_the_others(tmp_path, departements):
    placement = place(
        tmp_path,
        departements,
        [
            {"commune": "Ajaccio", "dept": "974"},  # contradiction
            {"commune": "Ajaccio"},
            {"commune": "Nulle-Part"},  # nowhere
            {"code insee": "97430"},
        ],
    )
    assert list(placement.services["ligne"]) == [3, 5]
    assert [r["ligne"] for r in placement.rejects] == [2, 4]


# --- the département alone --------------------------------------------------------------------


@pytest.mark.parametrize(("dept", "chef_lieu"), [("01", "01053"), ("Corse-du-Sud", "2A004")])
def test_departement_alone_is_placed_at_its_chef_lieu_and_marked_approximate(
    tmp_path, departements, dept, chef_lieu
):
    placement = place(tmp_path, departements, [{"departement": dept}])
    assert placement.rejects == []
    [service] = placement.services.to_dict("records")
    expected = commune(chef_lieu)
    assert service["methode"] == "departement"
    assert service["code_departement"] == expected["code_departement"]
    assert service["desservis"] == (expected["code_departement"],)
    assert service["geometry"].equals(Point(expected["longitude"], expected["latitude"]))
    # The service is not in the chef-lieu: no commune is claimed for it.
    assert service["code_commune_trouve"] == "" and service["nom_commune_trouve"] == ""
    [note] = problems_at(placement, 2)
    assert note.colonne == "departement" and note.valeur == dept
    assert "chef-lieu" in note.message and expected["nom"] in note.message
    assert "approchée" in note.message
    assert "chef-lieu" in service["avertissements"]
    assert "departement" in PLACEMENT_METHODS and list(PLACEMENT_METHODS)[-1] == "departement"


def test_departement_with_unusable_evidence_is_placed_at_its_chef_lieu(tmp_path, departements):
    placement = place(tmp_path, departements, [{"commune": "Nulle-Part", "dept": "974"}])
    [service] = placement.services.to_dict("records")
    assert service["methode"] == "departement" and service["code_departement"] == "974"
    messages = " | ".join(p.message for p in problems_at(placement, 2))
    assert "introuvable" in messages and "chef-lieu" in messages


def test_departement_whose_chef_lieu_is_not_in_the_commune_table(tmp_path, departements):
    listing = write_rows(tmp_path, [{"departement": "01"}])
    without = COMMUNES[COMMUNES["code_commune"] != "01053"]
    placement = place_services(listing, departements, without, OLD_CODES)
    [service] = placement.services.to_dict("records")
    assert service["methode"] == "departement"
    polygon = departements.set_index("code").loc["01", "geometry"]
    assert polygon.contains(service["geometry"])


def test_a_departement_never_outvotes_other_evidence(tmp_path, departements):
    # Coordinates in the Ain and "2A" stated: still a contradiction, not a chef-lieu.
    placement = place(tmp_path, departements, [{"lat": "46.5", "lon": "4.5", "dept": "2A"}])
    assert placement.services.empty
    # Old Corsican "20" alone: 2A or 2B, nothing to choose: rejected.
    placement = place(tmp_path, departements, [{"dept": "20"}])
    assert placement.services.empty and [r["ligne"] for r in placement.rejects] == [2]


def test_unlocatable_row_names_the_evidence_not_the_service(tmp_path, departements):
    placement = place(tmp_path, departements, [{"commune": "Nulle-Part"}, {"structure": "X"}])
    first, second = placement.rejects
    assert (first["colonne"], first["valeur"]) == ("commune", "Nulle-Part")
    assert (second["colonne"], second["valeur"]) == ("", "")
    assert "Service 3" not in second["raison"]
    assert "au moins le département" in second["raison"]


def test_count_placements_counts_the_chef_lieu_as_approximate(tmp_path, departements):
    rows = [
        {"lat": "46.25", "lon": "4.25"},
        {"commune": "Ajaccio"},
        {"cp": "01330"},
        {"dept": "974"},
    ]
    counts = count_placements(place(tmp_path, departements, rows).services)
    assert counts == {
        "places": 4,
        "exactes": 1,
        "centre_commune": 1,
        "approchees": 2,
        "code_postal": 1,
        "departement": 1,
    }
    assert count_placements(place(tmp_path, departements, [{"commune": "X"}]).services) == {
        "places": 0,
        "exactes": 0,
        "centre_commune": 0,
        "approchees": 0,
        "code_postal": 0,
        "departement": 0,
    }


# --- served départements and output shape ---------------------------------------------------


def test_served_departements_default_to_the_office_s(tmp_path, departements):
    service = place_one(tmp_path, departements, {"commune": "Saint-Denis"})
    assert service["desservis"] == ("974",)


def test_listed_served_departements_are_kept(tmp_path, departements):
    service = place_one(
        tmp_path, departements, {"commune": "Ajaccio", "departements desservis": "2A et 2B"}
    )
    assert service["code_departement"] == "2A"
    assert service["desservis"] == ("2A", "2B")


def test_output_is_a_geodataframe_of_points_with_the_added_columns(tmp_path, departements):
    rows = [
        {"commune": "Ajaccio", "capacite": "20"},
        {"code insee": "01100", "statut": "en projet"},
    ]
    placement = place(tmp_path, departements, rows)
    services = placement.services
    assert isinstance(services, gpd.GeoDataFrame)
    assert services.crs.to_epsg() == 4326
    assert (services.geom_type == "Point").all()
    for column in (
        "methode",
        "code_departement",
        "code_commune_trouve",
        "nom_commune_trouve",
        "desservis",
        "avertissements",
        "nom",
        "statut",
        "capacite_n",
        "ligne",
    ):
        assert column in services.columns, column
    assert list(services["statut"]) == ["actif", "en_projet"]
    assert list(services["capacite_n"].fillna(-1)) == [20.0, -1]
    assert set(services["methode"]) <= set(PLACEMENT_METHODS)
    assert all(isinstance(c, str) for c in services["code_departement"])


def test_nothing_placed_gives_an_empty_geodataframe(tmp_path, departements):
    placement = place(tmp_path, departements, [{"commune": "Nulle-Part"}])
    assert placement.services.empty
    assert isinstance(placement.services, gpd.GeoDataFrame)
    assert "methode" in placement.services.columns


# --- real embedded data -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_data():
    return load_departements(), load_communes(), load_old_codes()


def test_real_data_marseille_by_name_and_by_code(tmp_path, real_data):
    departements, communes, old_codes = real_data
    listing = write_rows(
        tmp_path, [{"commune": "Marseille", "departement": "13"}, {"code insee": "13055"}]
    )
    placement = place_services(listing, departements, communes, old_codes)
    assert placement.rejects == []
    services = placement.services
    assert list(services["methode"]) == ["commune", "code_commune"]
    assert list(services["code_departement"]) == ["13", "13"]
    assert list(services["code_commune_trouve"]) == ["13055", "13055"]
    # The point lies in the real polygon of the Bouches-du-Rhône.
    polygon = departements.set_index("code").loc["13", "geometry"]
    assert all(polygon.intersects(point) for point in services.geometry)


def test_a_code_alone_is_placed_as_the_whole_evidence_places_it(tmp_path, real_data):
    """The short way for a row whose only evidence is a current commune's INSEE code
    (placed_by_code_alone) gives what place_row gives it, for communes of every département
    (overseas and Corsica included), with the département stated, written on 4 digits; it
    leaves every other row to place_row: another evidence, another département stated, an
    arrondissement's code, an old code, an unknown one."""
    from ips_map.places._distinct import evidence_records
    from ips_map.places._seats import SeatFinder
    from ips_map.places.outcome import RowNotes
    from ips_map.places.row import place_row, placed_by_code_alone
    from ips_map.territory.gazetteer import Gazetteer

    departements, communes, old_codes = real_data
    # One commune in 40, and the first of each département.
    sample = communes.iloc[::40]
    sample = pd.concat([sample, communes.drop_duplicates("code_departement")])
    codes, deps = sample["code_commune"].tolist(), sample["code_departement"].tolist()
    other = {dep: "75" if dep != "75" else "13" for dep in deps}
    short = [{"code insee": code} for code in codes]
    short += [{"code insee": c, "departement": d} for c, d in zip(codes[::5], deps[::5])]
    short += [{"code insee": c.lstrip("0")} for c in codes if c.startswith("0")][:50]
    long = [{"code insee": c, "departement": other[d]} for c, d in zip(codes[::9], deps[::9])]
    long += [{"code insee": c, "cp": "75001"} for c in codes[::11]]
    long += [{"code insee": c, "commune": "Paris"} for c in codes[::13]]
    long += [{"code insee": c, "departements desservis": "75"} for c in codes[::17]]
    long += [{"code insee": "75101"}, {"code insee": "01003"}, {"code insee": "01999"}]
    listing = write_rows(tmp_path, short + long)
    rows = evidence_records(listing.rows, np.arange(len(listing.rows)))
    gazetteer = Gazetteer(communes, old_codes)
    seats = SeatFinder(departements, gazetteer)
    names = dict(zip(departements["code"], departements["nom"]))
    quick = [placed_by_code_alone(row, gazetteer) for row in rows]
    assert all(placed is not None for placed in quick[: len(short)])
    assert all(placed is None for placed in quick[len(short) :])
    for row, placed in zip(rows[: len(short)], quick):
        notes = RowNotes(int(row["ligne"]), listing.unit, listing.columns_as_written, names)
        assert placed == place_row(row, None, gazetteer, seats, notes), row


def test_real_data_departement_alone_is_placed_at_its_prefecture(tmp_path, real_data):
    departements, communes, old_codes = real_data
    listing = write_rows(tmp_path, [{"departement": "13"}, {"departement": "976"}])
    placement = place_services(listing, departements, communes, old_codes)
    assert placement.rejects == []
    services = placement.services.set_index("code_departement")
    by_code = communes.set_index("code_commune")
    for dep, prefecture in (("13", "13055"), ("976", "97611")):  # Marseille, Mamoudzou
        point = services.loc[dep, "geometry"]
        assert (point.x, point.y) == tuple(by_code.loc[prefecture, ["longitude", "latitude"]])
        assert departements.set_index("code").loc[dep, "geometry"].distance(point) < 0.05


def test_real_data_old_code_resolves_to_today_s_commune(tmp_path, real_data):
    departements, communes, old_codes = real_data
    # An old code that is no longer a commune and points to a single commune today.
    targets = old_codes.groupby("ancien_code")["code_commune"].nunique()
    candidates = old_codes[
        (old_codes["relation"] == "ancien_code")
        & ~old_codes["ancien_code"].isin(communes["code_commune"])
        & old_codes["ancien_code"].map(targets).eq(1)
    ]
    old = candidates.iloc[0]
    today = communes.set_index("code_commune").loc[old["code_commune"]]
    listing = write_rows(tmp_path, [{"code insee": old["ancien_code"]}])
    placement = place_services(listing, departements, communes, old_codes)
    service = placement.services.iloc[0]
    assert service["methode"] == "ancien_code_commune"
    assert service["code_commune_trouve"] == old["code_commune"]
    assert service["nom_commune_trouve"] == today["nom"]
    assert service["code_departement"] == today["code_departement"]
    assert service.geometry.equals(Point(today["longitude"], today["latitude"]))


def test_real_data_postcode_spanning_two_departements(tmp_path, real_data):
    departements, communes, old_codes = real_data
    postcode = "01590"  # Ain and Jura
    sharing = communes[communes["codes_postaux"].str.split().map(lambda p: postcode in p)]
    deps = sorted(set(sharing["code_departement"]))
    assert len(deps) > 1
    rows = [{"cp": postcode, "departement": dep} for dep in deps]
    placement = place_services(write_rows(tmp_path, rows), departements, communes, old_codes)
    assert placement.rejects == []
    assert list(placement.services["code_departement"]) == deps
    assert list(placement.services["code_commune_trouve"]) == [
        most_populous_with_postcode(communes, postcode, dep) for dep in deps
    ]


def test_real_data_example_listing_is_placed(real_data):
    from ips_map.settings import default_services

    departements, communes, old_codes = real_data
    listing = read_listing(default_services(), is_example=True)
    placement = place_services(listing, departements, communes, old_codes)
    assert placement.rejects == []
    assert len(placement.services) == len(listing.rows)
    # Each office lies in (or within the coast tolerance of) the département it was given.
    found = departements_of_points(
        placement.services.geometry.x.to_numpy(),
        placement.services.geometry.y.to_numpy(),
        departements,
    )
    assert found == list(placement.services["code_departement"])


def test_names_with_the_same_key_and_other_digits_forms_are_duplicates(tmp_path, departements):
    # Duplicates are looked for among names with the same digits: "¹" is "1" once folded.
    rows = [
        {"nom": "CMP 1", "commune": "Ajaccio"},
        {"nom": "CMP ¹", "commune": "Ajaccio"},
        {"nom": "CMP 2", "commune": "Ajaccio"},
        {"nom": "CMP 12", "commune": "Ajaccio"},
    ]
    placement = place(tmp_path, departements, rows)
    assert [p.ligne for p in placement.problems] == [3]
    assert "même nom qu'à la ligne 2" in placement.problems[0].message


def test_rows_with_the_same_evidence_each_get_their_own_warnings(tmp_path, departements):
    # Placed once for the three rows, the warnings name each row's line and value.
    rows = [
        {"nom": "A", "commune": "ajaccio", "cp": "99999"},
        {"nom": "B", "commune": "Ajaccio", "cp": "20000"},
        {"nom": "C", "commune": "ajaccio", "cp": "99999"},
        {"nom": "D", "commune": "ajaccio", "cp": "99999", "dept": "974"},
        {"nom": "E", "commune": "ajaccio", "cp": "99999"},
    ]
    placement = place(tmp_path, departements, rows)
    unknown = "code postal inconnu : ignoré"
    assert [(p.ligne, p.message) for p in placement.problems if p.message == unknown] == [
        (2, unknown),
        (4, unknown),
        (5, unknown),
        (6, unknown),
    ]
    warnings = list(placement.services["avertissements"])
    assert warnings[0] == f"ligne 2, colonne « cp », valeur « 99999 » : {unknown}"
    assert warnings[1] == ""
    assert warnings[2] == f"ligne 4, colonne « cp », valeur « 99999 » : {unknown}"
    assert warnings[3] == f"ligne 6, colonne « cp », valeur « 99999 » : {unknown}"
    # The row whose département contradicts its commune is rejected, alone, on its line.
    assert list(placement.services["ligne"]) == [2, 3, 4, 6]
    assert [r["ligne"] for r in placement.rejects] == [5]
    assert placement.rejects[0]["raison"].startswith("ligne 5")


# --- one of each: look-ups, tables, records, counts ---------------------------------------------


def test_a_build_with_geocoding_indexes_commune_names_once(tmp_path, httpserver, monkeypatch):
    """Geocoding and placement share one Gazetteer: the name index (tens of thousands of
    commune_key calls) is built once, not once for each stage, and a second build of the
    process reuses it."""
    from ips_map.geocode import query
    from ips_map.pipeline import build
    from ips_map.places import _names, duplicates
    from ips_map.settings import BuildSettings
    from ips_map.territory import gazetteer

    monkeypatch.setattr(gazetteer, "_SHARED", [])  # as in a new process
    # Nothing kept by other builds (ips_map.memo): the index is made here, once.
    monkeypatch.setenv("IPS_MAP_MEMO_DIR", str(tmp_path / "calculs"))

    feature = {
        "geometry": {"type": "Point", "coordinates": [4.8357, 45.764]},
        "properties": {
            "score": 0.95,
            "label": "1 Rue de la République 69001 Lyon",
            "type": "housenumber",
            "citycode": "69381",
            "postcode": "69001",
            "city": "Lyon",
        },
    }
    httpserver.expect_request("/geocodage/search").respond_with_json({"features": [feature]})
    calls = []
    for module in (gazetteer, _names, duplicates, query):
        original = module.commune_key
        monkeypatch.setattr(
            module, "commune_key", lambda name, f=original: calls.append(1) or f(name)
        )
    # The name index folds all its names at once (commune_keys): one call per name counted.
    monkeypatch.setattr(
        gazetteer,
        "commune_keys",
        lambda names, f=gazetteer.commune_keys: calls.extend(names) or f(names),
    )
    built = []
    original_init = gazetteer.Gazetteer.__init__

    def counting_init(self, *args, **kwargs):
        built.append(1)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(gazetteer.Gazetteer, "__init__", counting_init)
    listing = write_listing(
        tmp_path / "l.csv", "nom;adresse;commune\nA;1 rue de la République;Lyon\n"
    )
    result = build(
        BuildSettings(
            services=listing,
            out=tmp_path / "out",
            build_date="2026-01-01",
            geocode=True,
            geocode_url=httpserver.url_for("/geocodage"),
        )
    )
    assert list(result.placement.services["methode"]) == ["adresse_geocodee"]
    assert built == [1]
    names = len(load_communes()) + int((load_old_codes()["ancien_nom"] != "").sum())
    assert names < len(calls) < 1.5 * names
    before = len(calls)
    build(BuildSettings(services=listing, out=tmp_path / "again", build_date="2026-01-01"))
    assert built == [1] and len(calls) - before < 10


def test_one_table_of_municipal_arrondissements():
    from ips_map.territory import gazetteer

    assert len(gazetteer.CITY_ARRONDISSEMENTS["75056"]) == 20
    assert len(gazetteer.CITY_ARRONDISSEMENTS["13055"]) == 16
    assert len(gazetteer.CITY_ARRONDISSEMENTS["69123"]) == 9
    for city, codes in gazetteer.CITY_ARRONDISSEMENTS.items():
        assert all(gazetteer.ARRONDISSEMENTS_CITY[code] == city for code in codes)


def test_placement_rejects_are_the_listing_s_reject_records(tmp_path, departements):
    from ips_map import places
    from ips_map.listing import read

    assert places.reject_record is read.reject_record
    placement = place(tmp_path, departements, [{"commune": "Nulle-Part"}])
    [reject] = placement.rejects
    [error] = [p for p in placement.problems if p.gravite == ERREUR]
    assert reject == {
        "ligne": 2,
        "nom": "Service 2",
        "colonne": error.colonne,
        "valeur": error.valeur,
        "raison": str(error),
    }


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("0189²½①٣𝟗\n"))))
def test_the_digits_of_names_folded_together_are_those_of_each_name(names):
    # possible_duplicates compares the ASCII digits of the names' NFKD forms, made for all
    # the names at once (joined by newlines): the same as name by name.
    import re
    import unicodedata

    from ips_map.places.duplicates import _digits

    one_by_one = [re.sub(r"[^0-9]+", "", unicodedata.normalize("NFKD", n)) for n in names]
    assert _digits(names) == one_by_one
