"""Broken and unusual listings: each gives a clear message (file, line, how to fix) or is read
right, never a traceback and never rows lost without a word."""

from __future__ import annotations

import json

import pytest

from ips_map.errors import ListingError
from ips_map.listing import read_listing
from tests.helpers import write_listing


def geojson_text(document) -> str:
    return json.dumps(document, ensure_ascii=False)


# --- CSV the csv module cannot read -----------------------------------------------------------


def test_a_value_over_the_csv_field_limit_is_a_listing_error_with_its_line(tmp_path):
    text = "nom,commune\nA,Lyon\nB," + "x" * 200_000 + "\n"
    path = write_listing(tmp_path / "l.csv", text)
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert str(path) in message
    assert "ligne 3" in message
    assert "guillemet" in message


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
