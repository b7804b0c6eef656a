"""Tests of ips_map.access.suggest (where to open next) and ips_map.access.points, on small
synthetic cases computed by hand, against the exact optimum found by brute force, and on a
few real communes (Corsica and the Antilles)."""

from __future__ import annotations

import contextlib
import itertools
import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from ips_map.access import _greedy
from ips_map.access._greedy import Territory
from ips_map.access.points import CORSE, METROPOLE, project_points, territory_groups
from ips_map.access.suggest import (
    SUGGESTION_COLUMNS,
    Suggestion,
    method_text,
    reached_communes,
    suggest_sites,
    suggestions_table,
)
from ips_map.outputs import csv_bytes

KM = 1000.0
NO_XY = np.zeros((0, 2))
NO_GROUP = np.zeros(0, dtype=object)


def line(pops, step_km=10.0, group=METROPOLE):
    """Communes on a line, ``step_km`` apart, from x = 0."""
    xy = np.column_stack([np.arange(len(pops)) * step_km * KM, np.zeros(len(pops))])
    return xy, np.asarray(pops, dtype=np.int64), np.full(len(pops), group, dtype=object)


def picks(suggestions):
    return [(s.commune, s.population_added, s.population_total) for s in suggestions]


# --- hand-computed cases ------------------------------------------------------------------

#: Seven communes 10 km apart; with a reach of exactly 10 km a site reaches itself and its two
#: neighbours. Gains: 11, 12, 52, 52, 52, 12, 11 → site 2 (the first of three equal gains),
#: then 1 + 1 + 10 = 12 at site 5, then 10 at site 0 (before site 1, equal); nobody is left.
LINE = [10, 1, 1, 50, 1, 1, 10]


def test_line_of_communes_hand_computed():
    xy, pop, group = line(LINE)
    result = suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 10 * KM, 5)
    assert picks(result) == [(2, 52, 52), (5, 12, 64), (0, 10, 74)]
    assert all(isinstance(s, Suggestion) for s in result)
    assert sum(pop) == 74  # stopped early: everyone is within reach


def test_reach_is_inclusive_and_no_further():
    # 10 km reaches the neighbour at exactly 10 km, not one a millimetre beyond.
    xy = np.array([[0.0, 0.0], [10 * KM, 0.0], [-10 * KM - 0.001, 0.0]])
    pop = np.array([1, 5, 2])
    group = np.full(3, METROPOLE, dtype=object)
    reached = reached_communes(xy, group, xy[:1], group[:1], 10 * KM)
    assert reached.tolist() == [True, True, False]
    # Site 0 reaches 1 + 5 (not the 2 people just beyond), as does site 1: the first wins.
    result = suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 10 * KM, 1)
    assert picks(result) == [(0, 6, 6)]


def test_k_zero_and_early_stop():
    xy, pop, group = line(LINE)
    assert suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 10 * KM, 0) == []
    everyone = suggest_sites(xy, pop, group, xy, group, 10 * KM, 5)
    assert everyone == []  # a service in every commune: nobody far


def test_two_clusters_and_the_services_kept():
    # Cluster A around x = 0 (300 people), cluster B around x = 100 km (200 people); 5 km.
    xy = np.array([[-3, 0], [0, 0], [3, 0], [97, 0], [100, 0], [103, 0]], dtype=float) * KM
    pop = np.array([100, 100, 100, 50, 100, 50])
    group = np.full(6, METROPOLE, dtype=object)
    assert picks(suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 5 * KM, 2)) == [
        (1, 300, 300),
        (4, 200, 500),
    ]
    # An existing service at x = 1 km reaches A: the first pick goes to B, then nothing.
    service = np.array([[1 * KM, 0.0]])
    kept = suggest_sites(xy, pop, group, service, group[:1], 5 * KM, 2)
    assert picks(kept) == [(4, 200, 200)]


def test_after_planned_a_planned_service_changes_the_choice():
    # Today (active services only) the best site is A; counting the planned service at A as
    # open (--suggest-after-planned), the best site becomes B.
    xy = np.array([[0, 0], [4, 0], [60, 0], [64, 0]], dtype=float) * KM
    pop = np.array([500, 400, 300, 300])
    group = np.full(4, METROPOLE, dtype=object)
    active_xy, active_group = np.array([[200 * KM, 0.0]]), group[:1]
    planned_xy = np.array([[2 * KM, 0.0]])
    today = suggest_sites(xy, pop, group, active_xy, active_group, 5 * KM, 1)
    both = np.vstack([active_xy, planned_xy]), np.concatenate([active_group, group[:1]])
    after = suggest_sites(xy, pop, group, *both, 5 * KM, 1)
    assert picks(today) == [(0, 900, 900)]
    assert picks(after) == [(2, 600, 600)]


def test_never_across_the_sea():
    # The same coordinates in two territories (each in its own CRS) are far apart.
    xy = np.array([[0, 0], [1, 0], [0, 0], [1, 0]], dtype=float) * KM
    pop = np.array([100, 10, 60, 60])
    group = np.array([METROPOLE, METROPOLE, "974", "974"], dtype=object)
    result = suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 5 * KM, 3)
    assert picks(result) == [(2, 120, 120), (0, 110, 230)]
    # A metropolitan service at the same coordinates reaches no commune of La Réunion.
    reached = reached_communes(xy, group, xy[:1], group[:1], 5 * KM)
    assert reached.tolist() == [True, True, False, False]
    assert picks(suggest_sites(xy, pop, group, xy[:1], group[:1], 5 * KM, 3)) == [(2, 120, 120)]


def test_candidates_mask_keeps_sites_inside_the_region():
    # Only communes 4, 5, 6 may be chosen (one région); the population beyond the région's
    # border still counts: site 4 reaches commune 3 (50 people) from inside; then sites 5 and
    # 6 both reach the 10 people of commune 6, and 5 comes first.
    xy, pop, group = line(LINE)
    region = np.array([False] * 4 + [True] * 3)
    result = suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 10 * KM, 3, candidates=region)
    assert picks(result) == [(4, 52, 52), (5, 10, 62)]
    assert all(region[s.commune] for s in result)
    nothing = np.zeros(7, dtype=bool)
    assert suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 10 * KM, 3, candidates=nothing) == []


def test_ties_go_to_the_first_commune_in_the_input():
    xy, pop, group = line([5, 0, 0, 0, 5], step_km=100)
    assert picks(suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 10 * KM, 1)) == [(0, 5, 5)]
    order = np.arange(5)[::-1]
    reverse = suggest_sites(xy[order], pop[order], group[order], NO_XY, NO_GROUP, 10 * KM, 1)
    assert picks(reverse) == [(0, 5, 5)]  # commune 4 of the first order
    again = [suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 150 * KM, 3) for _ in range(2)]
    assert again[0] == again[1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": -1}, "nombre de suggestions"),
        ({"k": 2.5}, "nombre de suggestions"),
        ({"threshold_m": 0}, "seuil"),
        ({"threshold_m": float("nan")}, "seuil"),
        ({"threshold_m": "30 km"}, "seuil"),
        ({"candidates": np.ones(3, dtype=bool)}, "candidats"),
        ({"candidates": np.ones(7, dtype=int)}, "candidats"),
        ({"commune_pop": np.array([1, 2, 3])}, "populations"),
        ({"commune_pop": np.array([1, -2, 3, 4, 5, 6, 7])}, "négative"),
        ({"commune_pop": np.array([1.5] * 7)}, "entiers"),
        ({"service_xy": np.zeros((1, 3)), "service_group": ["x"]}, "services"),
        ({"service_xy": np.zeros((2, 2)), "service_group": ["x"]}, "territoires"),
        ({"commune_xy": np.full((7, 2), np.nan)}, "coordonnées"),
    ],
)
def test_bad_arguments_are_refused_in_french(kwargs, message):
    xy, pop, group = line(LINE)
    arguments = {
        "commune_xy": xy,
        "commune_pop": pop,
        "commune_group": group,
        "service_xy": NO_XY,
        "service_group": NO_GROUP,
        "threshold_m": 10 * KM,
        "k": 2,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        suggest_sites(**arguments)


# --- the greedy choice against brute force --------------------------------------------------


def reach_table(xy, group, threshold):
    """Dense ``n × n`` table: commune i's centre reaches commune j (the naive way)."""
    distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    return (distance <= threshold) & (group[:, None] == group[None, :])


def far_population(xy, pop, group, service_xy, service_group, threshold):
    """Populations of the communes that no service reaches (others set to 0), naively."""
    if len(service_xy):
        distance = np.hypot(*(xy[:, None, :] - service_xy[None, :, :]).transpose(2, 0, 1))
        same = group[:, None] == service_group[None, :]
        reached = ((distance <= threshold) & same).any(axis=1)
    else:
        reached = np.zeros(len(xy), dtype=bool)
    return np.where(reached, 0, pop)


def brute_force(reach, far_pop, candidates, k):
    """The most population that any ``k`` candidates reach together (exact, by trying all)."""
    sites = np.flatnonzero(candidates)
    best = 0
    for chosen in itertools.combinations(sites.tolist(), min(k, len(sites))):
        best = max(best, int(far_pop[reach[list(chosen)].any(axis=0)].sum()))
    return best


def naive_greedy(reach, far_pop, candidates, k):
    """The greedy choice recomputed in full at every step (ties: the first index)."""
    remaining = far_pop.copy()
    result = []
    for _ in range(k):
        gains = np.where(candidates, reach @ remaining, -1)
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        result.append((best, int(gains[best])))
        remaining[reach[best]] = 0
    return result


def random_instance(rng, n):
    xy = rng.uniform(0, 60 * KM, size=(n, 2))
    pop = rng.integers(0, 1000, size=n)
    group = np.where(rng.random(n) < 0.8, METROPOLE, "972").astype(object)
    services = rng.uniform(0, 60 * KM, size=(rng.integers(0, 3), 2))
    service_group = np.full(len(services), METROPOLE, dtype=object)
    return xy, pop, group, services, service_group


def test_greedy_against_the_exact_optimum_on_random_instances():
    rng = np.random.default_rng(20261201)
    for _ in range(15):
        xy, pop, group, services, service_group = random_instance(rng, 10)
        threshold = 15 * KM
        candidates = rng.random(10) < 0.9
        reach = reach_table(xy, group, threshold)
        far = far_population(xy, pop, group, services, service_group, threshold)
        for k in (1, 2, 3):
            got = suggest_sites(xy, pop, group, services, service_group, threshold, k, candidates)
            assert [(s.commune, s.population_added) for s in got] == naive_greedy(
                reach, far, candidates, k
            )
            value = got[-1].population_total if got else 0
            assert value == int(far[reach[[s.commune for s in got]].any(axis=0)].sum())
            optimum = brute_force(reach, far, candidates, k)
            assert value >= (1 - 1 / math.e) * optimum
            if k == 1:
                assert value == optimum


def test_greedy_can_miss_the_optimum_within_its_bound():
    # Reach 10 km. Four communes a1 (0 km, 4 people), a2 (8, 5), b1 (20, 5), b2 (28, 4) and
    # three empty communes: l (4 km) reaches a1 and a2 (9), m (14) reaches a2 and b1 (10),
    # r (24) reaches b1 and b2 (9). Greedy takes m, then l (4): 14; the optimum l + r is 18,
    # and 14 ≥ (1 − 1/e) × 18.
    x = np.array([0, 8, 20, 28, 4, 14, 24], dtype=float) * KM
    xy = np.column_stack([x, np.zeros(7)])
    pop = np.array([4, 5, 5, 4, 0, 0, 0])
    group = np.full(7, METROPOLE, dtype=object)
    result = suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 10 * KM, 2)
    assert picks(result) == [(5, 10, 10), (0, 4, 14)]
    reach = reach_table(xy, group, 10 * KM)
    assert brute_force(reach, pop, np.ones(7, dtype=bool), 2) == 18


@pytest.mark.parametrize("one_at_a_time", [False, True], ids=["batches", "one-by-one"])
@pytest.mark.parametrize("grid_km", [None, 2.0], ids=["scattered", "on-a-grid"])
def test_lazy_choice_is_the_plain_greedy_choice_on_a_larger_instance(grid_km, one_at_a_time):
    # 400 communes in clusters, in two territories: many sites measured in several batches
    # (and, on a 2 km grid, many equal gains), against the gains recomputed in full.
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 150 * KM, size=(12, 2))
    xy = centres[rng.integers(0, 12, size=400)] + rng.normal(0, 6 * KM, size=(400, 2))
    if grid_km:
        xy = np.round(xy / (grid_km * KM)) * grid_km * KM
    pop = np.round(rng.lognormal(6, 1.5, size=400)).astype(np.int64)
    if grid_km:
        pop = (pop // 500) * 500
    group = np.where(np.arange(400) < 300, METROPOLE, "971").astype(object)
    services, service_group = xy[:3] + 1.0, group[:3]
    candidates = rng.random(400) < 0.8
    threshold = 8 * KM
    with one_site_at_a_time() if one_at_a_time else contextlib.nullcontext():
        got = suggest_sites(xy, pop, group, services, service_group, threshold, 15, candidates)
    reach = reach_table(xy, group, threshold)
    far = far_population(xy, pop, group, services, service_group, threshold)
    assert [(s.commune, s.population_added) for s in got] == naive_greedy(
        reach, far, candidates, 15
    )


@pytest.mark.parametrize("threshold", [8 * KM, 1.0], ids=["8 km", "1 m"])
def test_grid_bounds_hold(threshold):
    # A site's bound (its grid cells' population) is never below its gain: cells of half the
    # reach or, for a reach tiny beside the territory, larger cells (about 4 per point).
    rng = np.random.default_rng(3)
    xy = np.vstack([rng.uniform(0, 200 * KM, size=(1000, 2)), [[5 * KM, 5 * KM]] * 2])
    xy[-1, 0] += threshold  # a pair exactly at the reach
    everyone = np.arange(len(xy))
    territory = Territory(xy, everyone, everyone, everyone, everyone, threshold)
    weights = rng.integers(1, 100, size=len(xy)).astype(float)
    territory.add(everyone, weights)
    gains = territory.gains(everyone, weights)
    assert (territory.bounds() >= gains).all()
    assert gains[-1] >= weights[-2] + weights[-1]
    points = 2 * len(xy)  # sites and far communes
    if threshold > 1:
        assert all(49 <= n <= 51 for n in territory.shape)  # 200 km in cells of 4 km
    else:
        assert 0.8 * 4 * points <= territory.shape[0] * territory.shape[1] <= 1.1 * 4 * points


@st.composite
def instances(draw):
    n = draw(st.integers(1, 9))
    # Coordinates on a 5 km grid: equal distances, distances of exactly the reach, and ties.
    cells = st.tuples(st.integers(0, 8), st.integers(0, 8))
    xy = np.array(draw(st.lists(cells, min_size=n, max_size=n)), dtype=float) * 5 * KM
    pop = np.array(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)))
    group = np.array(draw(st.lists(st.sampled_from([METROPOLE, "976"]), min_size=n, max_size=n)))
    m = draw(st.integers(0, 2))
    service_xy = np.array(draw(st.lists(cells, min_size=m, max_size=m)), dtype=float) * 5 * KM
    service_group = np.full(m, METROPOLE, dtype=object)
    candidates = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return xy, pop, group.astype(object), service_xy.reshape(m, 2), service_group, candidates


def one_site_at_a_time():
    """Sites measured one at a time (batches of 1): the bounds decide which, even among a
    handful of sites."""
    return mock.patch.multiple(_greedy, _FIRST_BATCH=1, _MAX_BATCH=1)


@settings(max_examples=40)
@given(instances(), st.integers(1, 4), st.booleans())
def test_greedy_property_against_brute_force(instance, k, one_at_a_time):
    xy, pop, group, service_xy, service_group, candidates = instance
    threshold = 10 * KM
    with one_site_at_a_time() if one_at_a_time else contextlib.nullcontext():
        got = suggest_sites(xy, pop, group, service_xy, service_group, threshold, k, candidates)
    reach = reach_table(xy, group, threshold)
    far = far_population(xy, pop, group, service_xy, service_group, threshold)
    assert [(s.commune, s.population_added) for s in got] == naive_greedy(reach, far, candidates, k)
    value = got[-1].population_total if got else 0
    optimum = brute_force(reach, far, candidates, k)
    assert value >= (1 - 1 / math.e) * optimum
    if k == 1:
        assert value == optimum
    if len(got) < k:  # stopped early: nobody else can be reached
        assert value == brute_force(reach, far, candidates, len(candidates))


# --- points in metres ---------------------------------------------------------------------


def test_territory_groups():
    codes = ["01", "2A", "2B", "95", "971", "972", "973", "974", "976"]
    # Corsica is a territory of its own: never across the sea to the mainland.
    assert territory_groups(codes).tolist() == [METROPOLE, CORSE, CORSE, METROPOLE] + codes[4:]
    for bad in ("20", "1", "975", "96", "977", ""):
        with pytest.raises(ValueError, match="code de département inconnu"):
            territory_groups(["01", bad])
    with pytest.raises(ValueError, match="point 1 : département manquant"):
        territory_groups(["01", None])
    assert territory_groups([]).tolist() == []


#: Two places about 30 km apart in each territory: (lon, lat) pairs and the département.
PLACES = [
    ("59", (2.38, 51.03), (2.70, 50.85)),  # Dunkerque, far north of Lambert-93
    ("2A", (8.74, 41.92), (9.10, 41.70)),  # Ajaccio → inland Corse-du-Sud
    ("971", (-61.53, 16.24), (-61.72, 16.04)),
    ("972", (-61.07, 14.61), (-60.90, 14.80)),
    ("973", (-54.03, 5.48), (-53.80, 5.30)),  # Saint-Laurent-du-Maroni, west of UTM 22N
    ("974", (55.45, -20.88), (55.65, -21.10)),
    ("976", (45.23, -12.78), (45.10, -12.95)),
]


@pytest.mark.parametrize(("code", "a", "b"), PLACES, ids=[p[0] for p in PLACES])
def test_projected_distances_are_true_within_half_a_percent(code, a, b):
    (lon1, lat1), (lon2, lat2) = a, b
    xy, group = project_points([lon1, lon2], [lat1, lat2], [code, code])
    projected = float(np.hypot(*(xy[0] - xy[1])))
    _, _, true = Geod(ellps="GRS80").inv(lon1, lat1, lon2, lat2)
    assert 20 * KM < true < 45 * KM
    assert abs(projected - true) / true < 0.005
    assert group.tolist() == [territory_groups([code])[0]] * 2


def test_project_points_of_no_point():
    xy, group = project_points([], [], [])
    assert xy.shape == (0, 2) and group.shape == (0,)


def test_project_points_refuses_missing_coordinates():
    with pytest.raises(ValueError, match="coordonnées"):
        project_points([2.0, float("nan")], [48.0, 48.0], ["75", "75"])
    with pytest.raises(ValueError, match="même longueur"):
        project_points([2.0], [48.0, 48.0], ["75", "75"])


def test_real_communes_of_corsica_and_the_antilles():
    from ips_map.territory import load_communes

    communes = load_communes()
    communes = communes[communes["code_departement"].isin(["2A", "2B", "971", "972"])]
    communes = communes.reset_index(drop=True)
    xy, group = project_points(
        communes["longitude"], communes["latitude"], communes["code_departement"]
    )
    pop = communes["population"].to_numpy()
    result = suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 30 * KM, 6)
    chosen = communes.loc[[s.commune for s in result], "code_departement"].tolist()
    # Guadeloupe's and Martinique's people are reached from their own island only, and the
    # total never exceeds the population of the communes.
    assert {"971", "972"} <= set(chosen)
    assert result[-1].population_total <= pop.sum()
    totals = [s.population_total for s in result]
    assert totals == list(itertools.accumulate(s.population_added for s in result))
    by_group = {g: pop[group == g].sum() for g in ("971", "972")}
    for g, people in by_group.items():
        added = sum(s.population_added for s in result if group[s.commune] == g)
        assert 0 < added <= people
    # Opened as services, the sites reach exactly the people the suggestions say they add.
    sites = [s.commune for s in result]
    reached = reached_communes(xy, group, xy[sites], group[sites], 30 * KM)
    assert pop[reached].sum() == result[-1].population_total
    # Kept as services, the next suggestions start where these stopped.
    more = suggest_sites(xy, pop, group, xy[sites], group[sites], 30 * KM, 2)
    assert [s.population_added for s in more] == [
        s.population_added for s in suggest_sites(xy, pop, group, NO_XY, NO_GROUP, 30 * KM, 8)
    ][6:]


# --- suggestions.csv ------------------------------------------------------------------------


def commune_table():
    return {
        "code": ["01001", "2A004", "97411"],
        "nom": ["L'Abergement-Clémenciat", "Ajaccio", "=Saint-Denis"],
        "code_departement": ["01", "2A", "974"],
        "nom_departement": ["Ain", "Corse-du-Sud", "La Réunion"],
        "code_ze": ["8201", "9401", "0404"],
        "libelle_ze": ["Bourg-en-Bresse", "Ajaccio", "Saint-Denis"],
        "longitude": np.array([4.925917, 8.7369, 55.4481]),
        "latitude": np.array([46.153683, 41.9267, -20.8823]),
    }


def test_suggestions_table_rows():
    suggestions = [Suggestion(2, 120_000, 120_000), Suggestion(0, 900, 120_900)]
    rows = suggestions_table(suggestions, commune_table(), 30 * KM)
    assert [list(row) for row in rows] == [list(SUGGESTION_COLUMNS)] * 2
    assert rows[0] == {
        "rang": 1,
        "code_commune": "97411",
        "commune": "=Saint-Denis",
        "code_departement": "974",
        "departement": "La Réunion",
        "code_zone_emploi": "0404",
        "zone_emploi": "Saint-Denis",
        "population_ajoutee": 120_000,
        "population_ajoutee_cumulee": 120_000,
        "longitude": 55.4481,
        "latitude": -20.8823,
        "methode": (
            "suggestion calculée : choix glouton maximisant la population nouvellement à "
            "moins de 30 km à vol d'oiseau (problème de couverture maximale)"
        ),
    }
    assert type(rows[1]["longitude"]) is float
    text = csv_bytes(SUGGESTION_COLUMNS, rows).decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(SUGGESTION_COLUMNS)  # the French format
    assert "'=Saint-Denis" in text  # a formula-like name is escaped by the CSV writer
    assert suggestions_table([], commune_table(), 30 * KM) == []


def test_suggestions_table_without_zones_and_with_other_column_names():
    table = commune_table()
    del table["code_ze"], table["libelle_ze"]
    table["code_commune"] = table.pop("code")
    rows = suggestions_table(
        [Suggestion(1, 5, 5)],
        table,
        22_500,
        after_planned=True,
        columns={"code_commune": "code_commune"},
    )
    assert rows[0]["code_commune"] == "2A004"
    assert rows[0]["code_zone_emploi"] == rows[0]["zone_emploi"] == ""
    assert "moins de 22,5 km" in rows[0]["methode"]
    assert rows[0]["methode"].endswith("les services en projet comptés comme ouverts")
    del table["nom_departement"]
    with pytest.raises(ValueError, match="nom_departement"):
        suggestions_table([], table, 30 * KM, columns={"code_commune": "code_commune"})


def test_method_text_states_the_reach():
    assert "moins de 30 km" in method_text(30_000)
    assert "moins de 45 km" in method_text(45_000.0)
    assert "moins de 12,5 km" in method_text(12_500)
