"""--suggest in a build: suggestions.csv, summary.json's "suggestions", the page's layer;
0 switches them off (and removes a stale file); a regional edition's stay in its région;
--suggest-after-planned counts the planned services as open."""

from __future__ import annotations

import csv
import json
import re

import pytest

from ips_map.access.suggest import SUGGESTION_COLUMNS
from ips_map.pipeline.stages import build
from ips_map.settings import BuildSettings
from ips_map.territory.regions import find_region

from .helpers import write_listing

BUILD_DATE = "2026-01-01"


def _rows(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.fixture(scope="module")
def suggested(tmp_path_factory):
    """The example with 3 suggestions."""
    out = tmp_path_factory.mktemp("suggested")
    return build(BuildSettings(out=out, build_date=BUILD_DATE, suggest=3, image=False))


def test_suggestions_are_written_told_and_drawn(suggested):
    rows = _rows(suggested.outputs["suggestions"])
    assert list(rows[0]) == list(SUGGESTION_COLUMNS)
    assert [r["rang"] for r in rows] == ["1", "2", "3"]
    added = [int(r["population_ajoutee"]) for r in rows]
    assert added == sorted(added, reverse=True)  # greedy: each adds no more than the one before
    assert int(rows[-1]["population_ajoutee_cumulee"]) == sum(added)
    assert all(r["methode"].startswith("suggestion calculée") for r in rows)
    # Paris is the first choice for the example (no service within 30 km of 10 million).
    assert rows[0]["code_commune"] == "75056" and rows[0]["zone_emploi"] == "Paris"
    record = suggested.summary["suggestions"]
    assert record["demandees"] == 3 and record["population_ajoutee"] == sum(added)
    assert [s["code_commune"] for s in record["sites"]] == [r["code_commune"] for r in rows]
    # No suggested site is already within reach of an active service.
    communes = {r["code"]: r for r in _communes(suggested)}
    for row in rows:
        distance = communes[row["code_commune"]]["distance_km"]
        assert distance == "" or float(distance.replace(",", ".")) > 30
    html = suggested.outputs["map"].read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="ips-access">(.*?)</script>', html, re.S).group(1))
    assert data["suggestions"]["code_commune"] == [r["code_commune"] for r in rows]
    assert "Suggestion calculée" in html or "suggestion calculée" in html


def _communes(result) -> list[dict]:
    return _rows(result.outputs["communes"])


def test_no_suggestion_removes_a_stale_file(tmp_path):
    out = tmp_path / "out"
    build(BuildSettings(out=out, build_date=BUILD_DATE, suggest=2, image=False))
    assert (out / "suggestions.csv").exists()
    result = build(BuildSettings(out=out, build_date=BUILD_DATE, suggest=0, image=False))
    assert not (out / "suggestions.csv").exists()
    assert "suggestions" not in result.summary and "suggestions" not in result.outputs


def test_regional_suggestions_stay_in_the_region_and_planned_ones_count(tmp_path):
    listing = write_listing(
        tmp_path / "l.csv",
        "nom;code_commune;statut\nService Lyon;69123;actif\nProjet Grenoble;38185;en_projet\n",
    )
    region = find_region("84")
    today = build(
        BuildSettings(
            services=listing, out=tmp_path / "a", build_date=BUILD_DATE, suggest=2, region="84"
        )
    )
    sites = today.summary["suggestions"]["sites"]
    assert sites and all(s["code_departement"] in region.departements for s in sites)
    after = build(
        BuildSettings(
            services=listing,
            out=tmp_path / "b",
            build_date=BUILD_DATE,
            suggest=2,
            region="84",
            suggest_after_planned=True,
        )
    )
    record = after.summary["suggestions"]
    assert record["projets_comptes_ouverts"] is True
    assert "en projet comptés comme ouverts" in record["methode"]
    # Grenoble's planned service already reaches Grenoble: it is no longer worth suggesting.
    near_grenoble = {"38185", "38421", "38151"}  # Grenoble, Saint-Martin-d'Hères, Échirolles
    assert not near_grenoble & {s["code_commune"] for s in record["sites"]}
    assert [s["code_commune"] for s in sites] != [s["code_commune"] for s in record["sites"]]


def test_other_thresholds_name_other_columns_and_the_page_says_them(tmp_path):
    result = build(
        BuildSettings(out=tmp_path / "o", build_date=BUILD_DATE, access_thresholds_km=(20.0, 45.0))
    )
    header = _rows(result.outputs["coverage"])[0]
    assert "pop_20km_plus" in header and "part_pop_45km_plus" in header
    html = result.outputs["map"].read_text(encoding="utf-8")
    assert "Habitants à plus de 20 km" in html and "Habitants à plus de 30 km" not in html
