"""Regional editions (``--region``): the région's départements only, figures equal to the
national ones of those départements, services outside left out and counted; and the
région borders of the national map."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from ips_map.cli import cli
from ips_map.coverage import summarize_coverage
from ips_map.errors import SettingsError
from ips_map.pipeline import build
from ips_map.render.page_data import column_rows, departement_shapes
from ips_map.settings import BuildSettings
from ips_map.territory.data import population_table
from ips_map.territory.regions import find_region, regions
from tests.helpers import made_once

ARA = ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74")


def _read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _page_data(path) -> dict:
    html = Path(path).read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="ips-data">') + len(
        '<script type="application/json" id="ips-data">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture(scope="module")
def ara_build(request, tmp_path_factory):
    """The example listing's edition for Auvergne-Rhône-Alpes, by its name as people write
    it (once per run: made_once)."""

    def make(out):
        settings = BuildSettings(out=out, build_date="2026-01-01", region="auvergne rhone-alpes")
        return build(settings)

    return made_once(request, tmp_path_factory, "region-84", make)


# --- Finding a région -------------------------------------------------------------------------


def test_regions_come_from_the_cog_columns_of_the_census_file():
    found = regions()
    assert len(found) == 18
    table = population_table()
    assert {r.code: r.name for r in found} == dict(zip(table["code_region"], table["nom_region"]))
    assert sum(len(r.departements) for r in found) == 101
    assert find_region("84").departements == ARA
    assert [r.code for r in found if r.overseas] == ["01", "02", "03", "04", "06"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("84", "84"),
        ("Auvergne-Rhône-Alpes", "84"),
        ("AUVERGNE RHONE ALPES", "84"),
        ("provence-alpes-cote-d'azur", "93"),
        ("3", "03"),
        ("Guyane", "03"),
        ("la reunion", "04"),
        ("Île-de-France", "11"),
    ],
)
def test_a_region_is_found_by_code_or_name_folded(value, code):
    assert find_region(value).code == code


def test_an_unknown_region_is_refused_with_the_list_of_regions(tmp_path):
    with pytest.raises(SettingsError) as error:
        find_region("Bretagne-Sud")
    message = str(error.value)
    assert "« Bretagne-Sud » inconnue" in message
    for region in regions():
        assert f"{region.code} {region.name}" in message
    # The command line says it in one line and writes nothing.
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--region", "99", "--out", str(out)])
    assert result.exit_code == 1
    assert "région « 99 » inconnue" in result.output and "84 Auvergne-Rhône-Alpes" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())


# --- A metropolitan région --------------------------------------------------------------------


def test_regional_figures_are_the_national_ones_of_its_departements(ara_build, example_build):
    national = _read_csv(example_build.outputs["coverage"])
    rows = _read_csv(ara_build.outputs["coverage"])
    assert [row["code"] for row in rows] == list(ARA)
    # Each row is the national row of the département, unchanged.
    by_code = {row["code"]: row for row in national}
    assert rows == [by_code[code] for code in ARA]
    assert {row["nom_region"] for row in rows} == {"Auvergne-Rhône-Alpes"}
    # The summary's figures, recomputed from those national rows.
    import pandas as pd

    frame = pd.DataFrame(rows)
    frame["population"] = frame["population"].astype(int)
    frame["annee_population"] = frame["annee_population"].astype(int)
    expected = summarize_coverage(frame)
    summary = ara_build.summary
    for key, value in expected.items():
        assert summary[key] == value, key
    assert summary["departements"] == 12
    written = json.loads(Path(ara_build.outputs["summary"]).read_text(encoding="utf-8"))
    assert written["region"] == {
        "code": "84",
        "nom": "Auvergne-Rhône-Alpes",
        "departements": list(ARA),
        "services_hors_region": 3,
    }


def test_services_outside_the_region_are_left_out_and_counted(ara_build, example_build):
    national = _read_csv(example_build.outputs["services"])
    kept = _read_csv(ara_build.outputs["services"])
    inside = [
        row
        for row in national
        if row["code_departement"] in ARA or set(row["departements_servis"].split()) & set(ARA)
    ]
    assert 0 < len(kept) == len(inside) < len(national)
    assert [row["nom"] for row in kept] == [row["nom"] for row in inside]
    assert ara_build.summary["region"]["services_hors_region"] == len(national) - len(kept)
    data = _page_data(ara_build.outputs["map"])
    assert data["services"]["count"] == len(kept)
    html = Path(ara_build.outputs["map"]).read_text(encoding="utf-8")
    assert "— Auvergne-Rhône-Alpes</h1>" in html
    assert "3 services hors de la région, ni comptés ni affichés" in html


def test_a_regional_map_draws_its_departements_and_outlines_the_others(ara_build):
    data = _page_data(ara_build.outputs["map"])
    assert [d["code"] for d in column_rows(data["departements"])] == list(ARA)
    assert data["region"] == "Auvergne-Rhône-Alpes (84)"
    assert data["frames"] == []  # no inset: no DROM in the région
    assert len(data["context"]) == 96 - 12  # the other metropolitan départements
    # The view frames the région: its bounds are its départements'.
    (south, west), (north, east) = data["bounds"]
    assert 44.1 < south < 44.2 and 46.8 < north < 46.9 and 2.0 < west < 2.1 and 7.1 < east < 7.2


# --- A DROM région ----------------------------------------------------------------------------


def test_a_drom_region_is_its_departement_at_its_true_position(tmp_path):
    result = build(BuildSettings(out=tmp_path, build_date="2026-01-01", region="03"))
    assert [row["code"] for row in _read_csv(result.outputs["coverage"])] == ["973"]
    assert result.summary["departements"] == 1
    assert result.summary["region"]["nom"] == "Guyane"
    assert result.summary["region"]["services_hors_region"] == 6
    data = _page_data(result.outputs["map"])
    assert data["frames"] == [] and "context" not in data
    shape = departement_shapes(data)["973"]
    west, south, east, north = shape.bounds  # Guyane where it is, not in an inset
    assert -54.7 < west < -54.4 and 2.0 < south < 2.2 and -51.7 < east < -51.5 and 5.7 < north < 5.9
    html = Path(result.outputs["map"]).read_text(encoding="utf-8")
    assert "outre-mer rapproché" not in html


# --- In the browser ---------------------------------------------------------------------------


@pytest.mark.browser
def test_regional_page_in_the_browser(shared_page, ara_build):
    page = shared_page.page
    page.goto(Path(ara_build.outputs["map"]).resolve().as_uri())
    page.wait_for_selector("html[data-ips-features='1']", state="attached")
    expect(page.locator("path.ips-dep")).to_have_count(12)
    expect(page.locator("path.ips-context")).to_have_count(1)
    expect(page.locator("path.ips-frame")).to_have_count(0)
    expect(page.locator("path.ips-region-border")).to_have_count(0)  # one région
    expect(page.locator(".leaflet-control-layers")).not_to_contain_text("Cadres outre-mer")
    # Each of the région's départements is inside the map's view.
    inside = page.evaluate(
        """() => {
            const app = ipsMap.app, view = app.map.getBounds();
            return Object.values(app.departements)
                .every(x => view.contains(x.shape.getBounds()));
        }"""
    )
    assert inside
    assert shared_page.errors == []


def test_a_regional_edition_compares_with_the_previous_one_in_its_region(editions, tmp_path):
    from tests.test_editions import NEW_DATE, NEW_LISTING

    listing = tmp_path / "nouvelle.csv"
    listing.write_text(NEW_LISTING, encoding="utf-8")
    result = build(
        BuildSettings(
            services=listing,
            out=tmp_path / "84",
            build_date=NEW_DATE,
            region="84",
            previous=editions.old,
        )
    )
    changes = _read_csv(result.outputs["changes"])
    # Loire (42) is newly covered; Marseille, Lille, Bordeaux and the Côte-d'Or's move,
    # outside, are no change of this edition, and no other département is "absent".
    statuses = {
        row["code"]: (row["avant"], row["apres"]) for row in changes if row["type"] == "statut"
    }
    assert statuses == {"42": ("non_couvert", "couvert")}
    assert {row["code"] for row in changes} <= set(ARA) | {""}
    # Lyon Est, a row rejected by the earlier listing, is readable now (in the Rhône).
    services = [(r["type"], r["nom"]) for r in changes if r["type"].startswith("service_")]
    assert services == [("service_lisible", "Service Lyon Est")]
