"""The access stage in a build: the zones d'emploi data, the new columns and files of the
session's builds (the embedded example, the hostile listing), a regional cut, communes.csv
written as the project writes its CSV, and the command line's options."""

from __future__ import annotations

import csv
import io
import shutil

import click
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from ips_map.access import AccessOptions, measure_access
from ips_map.cli import cli
from ips_map.cli.build import _numbers
from ips_map.errors import DataFileError
from ips_map.outputs import csv_columns_bytes
from ips_map.pipeline.access import (
    COMMUNE_CSV_COLUMNS,
    _commune_table,
    access_summary,
    communes_csv,
    cut_access,
    planned_departements_covered,
)
from ips_map.settings import BuildSettings, data_dir
from ips_map.sources.registry import SOURCES
from ips_map.territory.data import load_communes, load_populations
from ips_map.territory.regions import find_region
from ips_map.territory.zones import load_commune_zones, load_zones, zone_codes

ACCESS_COLUMNS = AccessOptions().columns()


def read_csv(path) -> list[dict]:
    """A CSV output, written in the default (French) format: ``;`` between cells."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def number(text: str) -> float:
    """A number as the French format writes it (``0,298``)."""
    return float(text.replace(",", "."))


def read_table(path) -> pd.DataFrame:
    """A CSV output as text cells (an empty cell stays "")."""
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def example_communes(example_build) -> pd.DataFrame:
    """communes.csv of the example's build, its numbers read as numbers (NaN when empty)."""
    table = read_table(example_build.outputs["communes"])
    table["pop"] = table["population"].astype(int)
    table["km"] = pd.to_numeric(table["distance_km"].str.replace(",", ".").replace("", np.nan))
    return table


# --- zones d'emploi --------------------------------------------------------------------------


def test_every_commune_and_arrondissement_has_a_zone_d_emploi():
    zones = load_zones()
    assert len(zones) == 306
    assert (zones["territoire"] == "drom").sum() == 19
    table = load_commune_zones()
    assert len(table) == 34_875 + 45
    assert set(load_communes()["code_commune"]) <= set(table["code_commune"])
    codes = zone_codes(pd.Series(["01001", "75115", "69383", "13208", "75056", "2A004", "x"]))
    # Codes are strings: "0051" keeps its zero; arrondissements have their commune's zone.
    assert codes.tolist()[1:5] == ["1109", "8421", "9312", "1109"]
    assert codes.iloc[-1] == ""
    assert all(len(c) == 4 for c in table["code_ze"])
    assert "0051" in set(zones["code_ze"])


def test_an_altered_zone_file_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(data_dir(), copy)
    monkeypatch.setenv("IPS_MAP_DATA_DIR", str(copy))
    path = copy / SOURCES["zones_emploi_communes"].path
    path.write_bytes(path.read_bytes().replace(b"01001,8405", b"01001,8406", 1))
    with pytest.raises(DataFileError, match="sha256"):
        load_commune_zones()


# --- the session's builds --------------------------------------------------------------------


def test_coverage_csv_has_the_access_columns_and_they_are_coherent(example_build, example_communes):
    rows = read_csv(example_build.outputs["coverage"])
    assert list(rows[0])[-6:] == ACCESS_COLUMNS
    by_dep = example_communes.groupby("code_departement")["pop"].sum().to_dict()
    for row in rows:
        near, far = int(row["pop_30km_plus"]), int(row["pop_60km_plus"])
        assert 0 <= far <= near <= by_dep[row["code"]]
        for share in ("part_pop_30km_plus", "part_pop_60km_plus"):
            assert 0 <= number(row[share]) <= 1
        assert number(row["part_pop_30km_plus"]) == pytest.approx(
            near / by_dep[row["code"]], abs=5e-5
        )
        assert number(row["accessibilite_e2sfca"]) >= 0
    # No service overseas in the example: no mean distance, everyone beyond 60 km.
    reunion = next(r for r in rows if r["code"] == "974")
    assert reunion["distance_moyenne_km"] == "" and reunion["part_pop_60km_plus"] == "1"


def test_national_figures_are_the_sums_of_the_communes(example_build, example_communes):
    communes = example_communes
    assert len(communes) == 34_875
    assert list(communes.columns[: len(COMMUNE_CSV_COLUMNS)]) == COMMUNE_CSV_COLUMNS
    national = example_build.summary["acces"]
    assert national["population"] == communes["pop"].sum()
    far = communes["km"].isna() | (communes["km"] > 30)
    assert national["pop_30km_plus"] == communes.loc[far, "pop"].sum()
    assert national["communes_sans_service_dans_le_territoire"] == communes["km"].isna().sum()
    # E2SFCA: every service reaches people, so the population-weighted mean is the supply
    # (one per active service) per 100,000 inhabitants.
    active = example_build.summary["services_actifs"]
    assert national["accessibilite_e2sfca"] == pytest.approx(
        active / national["population"] * 1e5, abs=1e-3
    )
    method = example_build.summary["acces_methode"]
    assert method["offre"] == "service" and method["seuils_km"] == [30.0, 60.0]
    assert "2023" in method["population"]


def test_zones_emploi_csv_has_every_zone_and_its_services(example_build):
    zones = read_csv(example_build.outputs["zones_emploi"])
    assert len(zones) == 306
    assert list(zones[0])[:5] == ["code_ze", "libelle_ze", "departements", "population", "services"]
    assert sum(int(z["population"]) for z in zones) == example_build.summary["acces"]["population"]
    assert sum(int(z["services"]) for z in zones) == example_build.summary["services_actifs"]
    paris = next(z for z in zones if z["code_ze"] == "1109")
    assert paris["departements"] == "75;91;92;93;94;95"
    for zone in zones:
        assert 0 <= int(zone["pop_60km_plus"]) <= int(zone["pop_30km_plus"])
        assert int(zone["pop_30km_plus"]) <= int(zone["population"])
    farthest = example_build.summary["acces"]["zones_emploi_les_plus_eloignees"]
    assert [z["pop_30km_plus"] for z in farthest] == sorted(
        (z["pop_30km_plus"] for z in farthest), reverse=True
    )


def test_a_statut_not_recognised_is_not_a_planned_service(hostile_build):
    summary = hostile_build.summary
    # The hostile listing's Paris row has a statut it cannot read: drawn and listed, never
    # counted, not even as planned: there is no planned scenario.
    assert summary["services_statut_non_reconnu"] == 1
    assert summary["acces_si_projets_ouverts"] is None
    communes = read_table(hostile_build.outputs["communes"]).set_index("code")
    # Réunion's commune gets Réunion's service, its name as written (no template run).
    assert communes.at["97411", "service_proche"] == "Service de La Réunion {{ config }}"
    assert communes.at["97101", "distance_km"] == ""  # Guadeloupe has none
    assert communes.at["75056", "service_proche"] != "<img src=x onerror=alert(1)>"  # not counted


# --- a regional cut, the planned coverage, communes.csv ---------------------------------------


@pytest.fixture(scope="module")
def measured():
    """Access on the real communes to three synthetic services (Lyon, planned Grenoble,
    Marseille), with hostile names."""
    communes = load_communes()
    where = communes.set_index("code_commune").loc[["69123", "38185", "13055"]]
    services = gpd.GeoDataFrame(
        {
            "nom": ['=HYPERLINK("x")', 'Grenoble, "projet"', "Marseille\r\nSud"],
            "ligne": [2, 3, 4],
            "statut": ["actif", "en_projet", "actif"],
            "type": ["ips"] * 3,
            "code_departement": ["69", "38", "13"],
            "code_commune_trouve": ["69123", "38185", "13055"],
            "capacite_n": [np.nan] * 3,
        },
        geometry=gpd.points_from_xy(where["longitude"], where["latitude"]),
        crs=4326,
    )
    result = measure_access(communes, services, load_commune_zones(), load_zones())
    return result, services


def test_the_planned_scenario_when_grenoble_opens(measured):
    result, _ = measured
    planned = access_summary(result)["acces_si_projets_ouverts"]
    today = result.national
    # Grenoble's planned service brings the Isère's people closer, and adds supply.
    assert planned["pop_30km_plus"] < today["pop_30km_plus"]
    assert planned["accessibilite_e2sfca"] > today["accessibilite_e2sfca"]
    assert "38" in planned["departements_changes"]
    assert set(planned["departements_changes"]) <= set(result.departements["code"])


def test_a_regional_cut_keeps_the_region_and_sums_it_again(measured):
    result, _ = measured
    region = find_region("84")
    cut = cut_access(result, region)
    assert set(cut.communes["code_departement"]) == set(region.departements)
    assert set(cut.departements["code"]) == set(region.departements)
    assert cut.national["population"] == int(cut.communes["population"].sum())
    # A zone crossing the région's border is kept whole.
    assert "8405" in set(cut.zones["code_ze"])
    assert cut.planned["national"]["population"] == cut.national["population"]
    assert cut.planned["national"]["pop_30km_plus"] <= cut.national["pop_30km_plus"]


def test_planned_departements_covered_counts_planned_services_as_active(measured):
    _, services = measured
    services = services.assign(desservis=[("69",), ("38",), ("13",)])
    populations = load_populations()
    settings = BuildSettings()
    assert planned_departements_covered(populations, services, settings) == 3
    assert planned_departements_covered(populations, services, settings, ["38", "01"]) == 1


def test_communes_csv_is_what_the_csv_writer_writes(measured):
    result, _ = measured
    # Rows around the services' own communes (Lyon, Marseille) and the Rhône's others.
    full = result.communes
    some = full[full["code_departement"].isin(["13", "69"])].reset_index(drop=True)
    fewer = some.iloc[5:200].reset_index(drop=True)
    for fmt in ("francais", "international"):
        for frame in (some, some, fewer):  # twice: the kept columns are used the second time
            fast = communes_csv(frame, fmt)
            table = _commune_table(frame)
            plain = csv_columns_bytes(COMMUNE_CSV_COLUMNS, table, len(frame), fmt)
            assert fast == plain
    text = communes_csv(some).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    names = {row[6] for row in rows[1:]}
    assert '\'=HYPERLINK("x")' in names  # a formula is escaped
    assert "Marseille\nSud" in names


# --- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("30,60", (30.0, 60.0)),
        ("1,0.68,0.22", (1.0, 0.68, 0.22)),
        ("1 ; 0,68 ; 0,22", (1.0, 0.68, 0.22)),
        ("20 40", (20.0, 40.0)),
    ],
)
def test_number_lists_are_read_as_people_write_them(text, expected):
    param = click.Option(["--x"], default="30,60")
    assert _numbers(text, param) == pytest.approx(expected)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seuils-km", "abc"], "nombres"),
        (["--seuils-km", "60,30"], "croissantes"),
        (["--poids-bandes", "1,0.5"], "un poids par bande"),
    ],
)
def test_wrong_access_options_fail_before_the_build(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["build", "--out", str(tmp_path / "out"), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out" / "summary.json").exists()
