"""The access stage on small synthetic cases: distances and E2SFCA computed by hand, the
sea between territories, sums per département and zone d'emploi, the supply unit, the
planned scenario, and a cross-check of the E2SFCA against PySAL's ``access``."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest

from ips_map.access import AccessOptions, measure_access
from ips_map.access.aggregate import group_figures
from ips_map.access.measures import band_pairs, e2sfca
from ips_map.errors import SettingsError

#: A point of central France in Lambert-93 (metres): the synthetic grids start there.
X0, Y0 = 650_000.0, 6_650_000.0
#: Réunion (EPSG:2975, metres) and Martinique / Guadeloupe (EPSG:5490).
REUNION = (340_000.0, 7_660_000.0)
MARTINIQUE = (710_000.0, 1_620_000.0)
GUADELOUPE = (650_000.0, 1_800_000.0)
KM = 1000.0


def lonlat(epsg: int, xy) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of points given in metres in ``epsg``."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    back = pyproj.Transformer.from_crs(epsg, 4326, always_xy=True)
    return back.transform(xy[:, 0], xy[:, 1])


def communes(rows, epsg: int = 2154) -> pd.DataFrame:
    """Communes from ``(code, département, population, x, y)`` in metres."""
    codes, deps, pops, xs, ys = zip(*rows)
    lon, lat = lonlat(epsg, np.column_stack([xs, ys]))
    return pd.DataFrame(
        {
            "code_commune": list(codes),
            "nom": [f"Commune {c}" for c in codes],
            "code_departement": list(deps),
            "population": np.array(pops, dtype=np.int64),
            "longitude": lon,
            "latitude": lat,
        }
    )


def services(rows, epsg: int = 2154) -> gpd.GeoDataFrame:
    """Services from ``(name, département, statut, x, y[, capacity])`` in metres."""
    rows = [tuple(r) + (np.nan,) * (6 - len(r)) for r in rows]
    names, deps, statuts, xs, ys, caps = zip(*rows) if rows else ([],) * 6
    lon, lat = lonlat(epsg, np.column_stack([xs, ys])) if rows else ([], [])
    return gpd.GeoDataFrame(
        {
            "nom": list(names),
            "ligne": np.arange(2, len(names) + 2),
            "statut": list(statuts),
            "type": ["ips"] * len(names),
            "code_departement": list(deps),
            "code_commune_trouve": [""] * len(names),
            "capacite_n": np.array(caps, dtype=float),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=4326,
    )


def concat(*frames):
    """Communes (or services) of several territories in one table."""
    return pd.concat(frames, ignore_index=True)


def zones_of(table: pd.DataFrame, zone: dict[str, str] | None = None):
    """Zones d'emploi for the synthetic communes: ``zone`` maps a commune code to its zone
    (every commune in zone "Z<département>" otherwise)."""
    zone = zone or {}
    codes = [zone.get(c, f"Z{d}") for c, d in zip(table["code_commune"], table["code_departement"])]
    commune_zones = pd.DataFrame(
        {"code_commune": table["code_commune"], "code_ze": codes, "libelle_ze": codes}
    )
    unique = sorted(set(codes))
    zones = pd.DataFrame({"code_ze": unique, "libelle_ze": [f"Zone {z}" for z in unique]})
    zones["territoire"] = "metro"
    return commune_zones, zones


def measure(table, placed, zone=None, **options):
    commune_zones, zones = zones_of(table, zone)
    return measure_access(
        table, placed, commune_zones, zones, options=AccessOptions(**options) if options else None
    )


# --- distances -----------------------------------------------------------------------------


def test_distances_on_a_lambert_93_grid_are_the_hand_computed_ones():
    # A 3-4-5 triangle: 30 km east and 40 km north of the service, 50 km away.
    table = communes(
        [
            ("45001", "45", 100, X0, Y0),
            ("45002", "45", 200, X0 + 30 * KM, Y0 + 40 * KM),
            ("45003", "45", 300, X0 + 70 * KM, Y0),
            ("45004", "45", 400, X0 + 12 * KM, Y0 + 5 * KM),
        ]
    )
    placed = services([("A", "45", "actif", X0, Y0), ("B", "45", "actif", X0 + 100 * KM, Y0)])
    result = measure(table, placed)
    got = result.communes.set_index("code")
    assert got["distance_km"].to_dict() == pytest.approx(
        {"45001": 0.0, "45002": 50.0, "45003": 30.0, "45004": 13.0}, abs=1e-6
    )
    assert got["service_proche"].to_dict() == {
        "45001": "A",
        "45002": "A",
        "45003": "B",
        "45004": "A",
    }
    assert got["ligne_service_proche"].to_dict() == {"45001": 2, "45002": 2, "45003": 3, "45004": 2}
    # Beyond 30 km: 45002 only (50 km); 45003 is at 30 km exactly, not beyond.
    row = result.departements.set_index("code").loc["45"]
    assert row["pop_30km_plus"] == 200 and row["pop_60km_plus"] == 0
    assert row["part_pop_30km_plus"] == pytest.approx(0.2)
    mean = (100 * 0 + 200 * 50 + 300 * 30 + 400 * 13) / 1000
    assert row["distance_moyenne_km"] == pytest.approx(round(mean, 2))


def test_services_at_one_place_are_named_by_the_first_in_the_listing():
    table = communes([("45001", "45", 10, X0 + 5 * KM, Y0)])
    placed = services([("Premier", "45", "actif", X0, Y0), ("Second", "45", "actif", X0, Y0)])
    assert measure(table, placed).communes["service_proche"].tolist() == ["Premier"]


def test_closed_planned_and_uncounted_services_are_not_the_nearest_today():
    table = communes([("45001", "45", 10, X0, Y0)])
    placed = services(
        [
            ("Fermé", "45", "ferme", X0, Y0),
            ("Projet", "45", "en_projet", X0 + 1 * KM, Y0),
            ("Autre", "45", "actif", X0 + 2 * KM, Y0),
            ("Actif", "45", "actif", X0 + 20 * KM, Y0),
        ]
    )
    placed.loc[2, "type"] = "autre"
    commune_zones, zones = zones_of(table)
    result = measure_access(table, placed, commune_zones, zones, types=("ips",))
    assert result.communes["service_proche"].tolist() == ["Actif"]
    assert result.communes["distance_km"].tolist() == pytest.approx([20.0])
    # If the planned service opens, it is 1 km away.
    planned = result.planned["communes"]
    assert planned["distance_km"].tolist() == pytest.approx([1.0])


# --- the sea between territories -------------------------------------------------------------


def test_a_reunion_commune_never_gets_a_metropolitan_service():
    table = concat(
        communes([("45001", "45", 1000, X0, Y0)]),
        communes([("97411", "974", 500, *REUNION)], epsg=2975),
    )
    placed = services([("Métropole", "45", "actif", X0, Y0)])
    result = measure(table, placed)
    reunion = result.communes.set_index("code").loc["97411"]
    assert np.isnan(reunion["distance_km"])
    assert reunion["service_proche"] == "" and reunion["ligne_service_proche"] is None
    assert reunion["accessibilite_e2sfca"] == 0
    row = result.departements.set_index("code").loc["974"]
    assert np.isnan(row["distance_moyenne_km"])
    # Counted beyond every threshold.
    assert row["pop_30km_plus"] == row["pop_60km_plus"] == 500
    assert row["part_pop_60km_plus"] == 1.0
    national = result.national
    assert national["population_sans_service_dans_le_territoire"] == 500
    assert national["communes_sans_service_dans_le_territoire"] == 1
    assert national["pop_60km_plus"] == 500
    assert national["territoires_sans_service"] == ["974"]
    # The mean distance is the metropolitan commune's only.
    assert national["distance_moyenne_km"] == 0.0


def test_martinique_and_guadeloupe_share_a_crs_but_not_their_services():
    table = concat(
        communes([("97209", "972", 100, *MARTINIQUE)], epsg=5490),
        communes([("97101", "971", 200, *GUADELOUPE)], epsg=5490),
    )
    placed = services([("Fort-de-France", "972", "actif", *MARTINIQUE)], epsg=5490)
    got = measure(table, placed).communes.set_index("code")
    assert got.loc["97209", "distance_km"] == pytest.approx(0.0, abs=1e-6)
    assert np.isnan(got.loc["97101", "distance_km"])


def test_a_reunion_service_serves_reunion_in_metres_of_its_own_crs():
    x, y = REUNION
    table = communes([("97411", "974", 500, x + 6 * KM, y + 8 * KM)], epsg=2975)
    placed = services([("Saint-Denis", "974", "actif", x, y)], epsg=2975)
    assert measure(table, placed).communes["distance_km"].tolist() == pytest.approx([10.0])


# --- E2SFCA ----------------------------------------------------------------------------------


def worked_example():
    """Two services and three communes on a line (Lambert-93, y = Y0).

    A at 0 km, B at 40 km; C1 (1,000 inhabitants) at 12 km, C2 (2,000) at 19 km, C3 (4,000)
    at 50 km. Bands 0–15 / 15–30 / 30–45 km, weights 1 / 0.68 / 0.22:

    - A–C1 12 km → 1; A–C2 19 km → 0.68; A–C3 50 km → out of reach;
    - B–C1 28 km → 0.68; B–C2 21 km → 0.68; B–C3 10 km → 1.
    """
    table = communes(
        [
            ("45001", "45", 1000, X0 + 12 * KM, Y0),
            ("45002", "45", 2000, X0 + 19 * KM, Y0),
            ("45003", "45", 4000, X0 + 50 * KM, Y0),
        ]
    )
    placed = services([("A", "45", "actif", X0, Y0), ("B", "45", "actif", X0 + 40 * KM, Y0)])
    return table, placed


def test_e2sfca_worked_example_with_two_services_and_three_communes():
    table, placed = worked_example()
    result = measure(table, placed, bands_km=(15.0, 30.0, 45.0), weights=(1.0, 0.68, 0.22))
    # Step 1: each service's supply (1) over the weighted population within 45 km.
    r_a = 1 / (1000 * 1 + 2000 * 0.68)  # 1 / 2,360
    r_b = 1 / (1000 * 0.68 + 2000 * 0.68 + 4000 * 1)  # 1 / 6,040
    # Step 2: each commune sums the ratios it reaches, weighted; per 100,000 inhabitants.
    expected = {
        "45001": (r_a * 1 + r_b * 0.68) * 100_000,
        "45002": (r_a * 0.68 + r_b * 0.68) * 100_000,
        "45003": (r_b * 1) * 100_000,
    }
    got = result.communes.set_index("code")["accessibilite_e2sfca"].to_dict()
    assert got == pytest.approx(expected, rel=1e-12)
    # Every service's supply reaches someone: the weighted mean is the supply per inhabitant.
    assert result.national["accessibilite_e2sfca"] == pytest.approx(round(2 / 7000 * 1e5, 3))
    assert result.method["offre"] == "service"


def test_e2sfca_uses_capacities_when_every_service_has_one():
    table, placed = worked_example()
    placed["capacite_n"] = [20.0, 40.0]
    result = measure(table, placed)
    got = result.communes.set_index("code")["accessibilite_e2sfca"]
    assert got["45003"] == pytest.approx(40 / 6040 * 100_000)
    assert result.method["offre"] == "capacite"
    assert result.method["services_avec_capacite"] == 2


def test_e2sfca_counts_one_per_service_when_a_capacity_is_missing():
    table, placed = worked_example()
    placed["capacite_n"] = [20.0, np.nan]
    result = measure(table, placed)
    got = result.communes.set_index("code")["accessibilite_e2sfca"]
    assert got["45003"] == pytest.approx(1 / 6040 * 100_000)
    assert result.method["offre"] == "service"
    assert (result.method["services_avec_capacite"], result.method["services_sans_capacite"]) == (
        1,
        1,
    )
    assert "1 des 2" in result.method["offre_texte"]


def test_a_distance_on_a_band_boundary_is_in_the_nearer_band():
    pairs = band_pairs(
        np.array([[15_000.0, 0.0], [15_000.1, 0.0], [45_000.0, 0.0], [45_000.1, 0.0]]),
        np.array([[0.0, 0.0]]),
        np.array([15_000.0, 30_000.0, 45_000.0]),
        np.array([1.0, 0.68, 0.22]),
    )
    weights = dict(zip(pairs.commune.tolist(), pairs.weight.tolist()))
    assert weights == {0: 1.0, 1: 0.68, 2: 0.22}  # 45,000.1 m is out of reach


def test_e2sfca_matches_pysal_access_on_the_same_pairs():
    access = pytest.importorskip("access")
    rng = np.random.default_rng(20260101)
    points = rng.uniform(0, 120_000, (80, 2))
    sites = rng.uniform(0, 120_000, (9, 2))
    population = rng.integers(0, 5000, 80).astype(float)
    supply = rng.integers(1, 40, 9).astype(float)
    bands, weights = np.array([15e3, 30e3, 45e3]), np.array([1.0, 0.68, 0.22])
    pairs = band_pairs(points, sites, bands, weights)
    ours = e2sfca(pairs, population, supply, len(points))
    # The same pairs, with their distances in km, as PySAL's cost table.
    distance = np.hypot(*(points[pairs.commune] - sites[pairs.site]).T) / KM
    cost = pd.DataFrame({"origin": pairs.commune, "dest": pairs.site, "cost": distance})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its pandas calls are deprecated in pandas 3
        model = access.Access(
            demand_df=pd.DataFrame({"geoid": np.arange(len(points)), "pop": population}),
            demand_index="geoid",
            demand_value="pop",
            supply_df=pd.DataFrame({"geoid": np.arange(len(sites)), "places": supply}),
            supply_index="geoid",
            supply_value="places",
            cost_df=cost,
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        model.enhanced_two_stage_fca(
            name="e2sfca",
            cost="cost",
            max_cost=45,
            weight_fn=access.weights.step_fn({15: 1.0, 30: 0.68, 45: 0.22}),
        )
    theirs = model.access_df["e2sfca_places"].reindex(range(len(points))).fillna(0.0)
    assert len(pairs.commune) > 100  # a real table of pairs, not a handful
    np.testing.assert_allclose(ours, theirs.to_numpy(), rtol=1e-12, atol=1e-18)


# --- sums per département and zone d'emploi --------------------------------------------------


def test_group_figures_by_hand():
    options = AccessOptions()
    keys = np.array(["01", "01", "38", "38", "38"], dtype=object)
    population = np.array([100, 300, 0, 50, 150])
    distance = np.array([10.0, 70.0, 5.0, 40.0, np.nan])
    score = np.array([2.0, 1.0, 9.0, 4.0, 0.0])
    got = group_figures(keys, population, distance, score, options)
    assert list(got.index) == ["01", "38"]
    assert got.loc["01", "population"] == 400
    assert got.loc["01", "distance_moyenne_km"] == pytest.approx((100 * 10 + 300 * 70) / 400)
    assert (got.loc["01", "pop_30km_plus"], got.loc["01", "pop_60km_plus"]) == (300, 300)
    assert got.loc["01", "accessibilite_e2sfca"] == pytest.approx((200 + 300) / 400)
    # 38: the commune without any service counts beyond both thresholds, out of the mean.
    assert got.loc["38", "distance_moyenne_km"] == pytest.approx(40.0)
    assert (got.loc["38", "pop_30km_plus"], got.loc["38", "pop_60km_plus"]) == (200, 150)
    assert got.loc["38", "part_pop_60km_plus"] == pytest.approx(0.75)
    assert got.loc["38", "accessibilite_e2sfca"] == pytest.approx(200 / 200)


def test_zones_cross_departements_and_count_the_services_located_in_them():
    table = communes(
        [
            ("01001", "01", 100, X0, Y0),
            ("38001", "38", 300, X0 + 40 * KM, Y0),
            ("38002", "38", 600, X0 + 80 * KM, Y0),
        ]
    )
    placed = services([("A", "01", "actif", X0 + 1 * KM, Y0), ("P", "38", "en_projet", X0, Y0)])
    placed["code_commune_trouve"] = ["", "38002"]  # A by its coordinates, P by its commune
    result = measure(table, placed, zone={"01001": "8405", "38001": "8405", "38002": "8421"})
    zones = result.zones.set_index("code_ze")
    assert zones.loc["8405", "departements"] == "01;38"
    assert zones.loc["8405", "population"] == 400
    assert zones.loc["8405", "services"] == 1  # A, by the commune nearest to it
    assert zones.loc["8421", "services"] == 0  # P is planned
    assert zones.loc["8405", "pop_30km_plus"] == 300
    assert zones.loc["8421", "pop_60km_plus"] == 600
    assert result.communes.set_index("code")["code_ze"].to_dict() == {
        "01001": "8405",
        "38001": "8405",
        "38002": "8421",
    }


def test_planned_scenario_counts_the_planned_services_as_active():
    table, placed = worked_example()
    placed.loc[1, "statut"] = "en_projet"
    result = measure(table, placed)
    today, planned = result.national, result.planned["national"]
    assert today["pop_30km_plus"] == 4000  # C3 is 50 km from A
    assert planned["pop_30km_plus"] == 0  # and 10 km from B
    assert today["accessibilite_e2sfca"] == pytest.approx(round(1 / 7000 * 1e5, 3))
    assert planned["accessibilite_e2sfca"] == pytest.approx(round(2 / 7000 * 1e5, 3))
    by_dep = result.planned["departements"].set_index("code")
    assert by_dep.loc["45", "pop_30km_plus"] == 0


def test_without_planned_services_there_is_no_scenario():
    table, placed = worked_example()
    assert measure(table, placed).planned is None


def test_no_service_at_all():
    table, placed = worked_example()
    result = measure(table, placed.iloc[:0])
    assert result.national["pop_30km_plus"] == 7000
    assert result.national["distance_moyenne_km"] is None
    assert result.communes["service_proche"].tolist() == ["", "", ""]


# --- options ---------------------------------------------------------------------------------


def test_columns_follow_the_thresholds():
    assert AccessOptions().columns() == [
        "distance_moyenne_km",
        "part_pop_30km_plus",
        "part_pop_60km_plus",
        "pop_30km_plus",
        "pop_60km_plus",
        "accessibilite_e2sfca",
    ]
    assert AccessOptions(thresholds_km=(12.5, 40.0)).columns()[1:4] == [
        "part_pop_12_5km_plus",
        "part_pop_40km_plus",
        "pop_12_5km_plus",
    ]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"thresholds_km": (60.0, 30.0)}, "croissantes"),
        ({"thresholds_km": (30.0,)}, "deux valeurs"),
        ({"bands_km": (15.0, -30.0, 45.0)}, "positives"),
        ({"weights": (1.0, 0.68)}, "un poids par bande"),
        ({"weights": (1.0, 1.2, 0.22)}, "entre 0"),
        ({"weights": (0.5, 0.68, 0.22)}, "croître"),
    ],
)
def test_wrong_options_are_refused_in_french(options, message):
    with pytest.raises(SettingsError, match=message):
        AccessOptions(**options)


def test_pairs_searched_by_blocks_of_sites_are_the_pairs_of_one_search(monkeypatch):
    """band_pairs searches the sites by blocks (memory: 100,000 services make 12 million
    pairs): blocks of 7 sites give the same pairs, weights and E2SFCA as one block."""
    from scipy.spatial import cKDTree

    from ips_map.access import measures

    rng = np.random.default_rng(13)
    communes = rng.uniform(0, 200_000, size=(400, 2))
    sites = rng.uniform(0, 200_000, size=(60, 2))
    population = rng.integers(0, 5_000, size=400).astype(float)
    bands, weights = np.array([15e3, 30e3, 45e3]), np.array([1.0, 0.68, 0.22])

    def as_set(pairs):
        return set(zip(pairs.site.tolist(), pairs.commune.tolist(), pairs.weight.tolist()))

    whole = band_pairs(cKDTree(communes), sites, bands, weights)
    monkeypatch.setattr(measures, "PAIR_BLOCK_SITES", 7)
    blocks = band_pairs(cKDTree(communes), sites, bands, weights)
    assert len(blocks.site) == len(whole.site) > 1000
    assert as_set(blocks) == as_set(whole)
    # Against the distances themselves: every pair within 45 km, in its band.
    d = np.hypot(*(sites[:, None, :] - communes[None, :, :]).transpose(2, 0, 1))
    site, commune = np.nonzero(d <= 45e3)
    expected = weights[np.searchsorted(bands, d[site, commune], side="left")]
    assert as_set(whole) == set(zip(site.tolist(), commune.tolist(), expected.tolist()))
    supply = rng.integers(1, 3, size=60).astype(float)
    np.testing.assert_allclose(
        e2sfca(blocks, population, supply, 400), e2sfca(whole, population, supply, 400), rtol=1e-12
    )
