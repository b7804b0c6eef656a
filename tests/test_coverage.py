"""Tests of ips_map.coverage on small synthetic tables (three départements)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ips_map.coverage import measure_coverage, summarize_coverage
from ips_map.vocabulary import COVERAGE_STATUSES

NAN = float("nan")
CODES = ("01", "2A", "974")


def make_populations(populations: dict[str, int], year: int = 2023) -> pd.DataFrame:
    """A populations table shaped like ``load_populations``'s."""
    names = {"01": "Ain", "2A": "Corse-du-Sud", "974": "La Réunion"}
    regions = {
        "01": ("84", "Auvergne-Rhône-Alpes"),
        "2A": ("94", "Corse"),
        "974": ("04", "Réunion"),
    }
    codes = list(populations)
    return pd.DataFrame(
        {
            "code": codes,
            "nom": [names.get(c, c) for c in codes],
            "code_region": [regions.get(c, ("", ""))[0] for c in codes],
            "nom_region": [regions.get(c, ("", ""))[1] for c in codes],
            "population": [populations[c] for c in codes],
            "annee_population": year,
            "note_population": "",
        }
    )


def make_services(*services: tuple[str, tuple[str, ...], float]) -> pd.DataFrame:
    """Services as (statut, desservis, capacite_n)."""
    return pd.DataFrame(
        {
            "statut": [s[0] for s in services],
            "desservis": [s[1] for s in services],
            "capacite_n": [s[2] for s in services],
        }
    )


POPULATIONS = {"01": 679_344, "2A": 162_421, "974": 885_700}


@pytest.fixture
def populations() -> pd.DataFrame:
    return make_populations(POPULATIONS)


def by_code(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("code")


# --- statuses ---------------------------------------------------------------------------------


def test_status_couvert_en_projet_non_couvert(populations):
    services = make_services(("actif", ("01",), NAN), ("en_projet", ("2A",), NAN))
    table = by_code(measure_coverage(populations, services))
    assert table.loc["01", "statut"] == "couvert"
    assert table.loc["2A", "statut"] == "en_projet"
    assert table.loc["974", "statut"] == "non_couvert"
    assert set(table["statut"]) <= set(COVERAGE_STATUSES)
    assert table.loc["01", "services_actifs"] == 1
    assert table.loc["2A", "services_actifs"] == 0
    assert table.loc["2A", "services_en_projet"] == 1


def test_an_active_service_wins_over_planned_ones(populations):
    services = make_services(
        ("en_projet", ("01",), NAN), ("actif", ("01",), NAN), ("en_projet", ("01",), NAN)
    )
    row = by_code(measure_coverage(populations, services)).loc["01"]
    assert row["statut"] == "couvert"
    assert row["services_actifs"] == 1
    assert row["services_en_projet"] == 2


def test_closed_services_count_for_nothing(populations):
    services = make_services(("ferme", ("01", "2A", "974"), 40.0))
    table = by_code(measure_coverage(populations, services))
    assert (table["statut"] == "non_couvert").all()
    assert (table["services_actifs"] == 0).all()
    assert (table["services_en_projet"] == 0).all()
    assert table["capacite_active"].isna().all()


def test_a_service_serving_several_departements_counts_in_each(populations):
    services = make_services(("actif", ("01", "974"), NAN), ("actif", ("974",), NAN))
    table = by_code(measure_coverage(populations, services))
    assert table.loc["01", "services_actifs"] == 1
    assert table.loc["974", "services_actifs"] == 2
    assert table.loc["2A", "services_actifs"] == 0
    assert list(table["statut"]) == ["couvert", "non_couvert", "couvert"]


def test_codes_outside_the_table_are_ignored(populations):
    services = make_services(("actif", ("75", "2A"), NAN), ("actif", ("20",), NAN))
    table = by_code(measure_coverage(populations, services))
    assert table.loc["2A", "services_actifs"] == 1
    assert table["services_actifs"].sum() == 1
    assert len(table) == len(POPULATIONS)


def test_codes_stay_strings_and_population_columns_are_kept(populations):
    original = populations.copy()
    services = make_services(("actif", ("01",), 20.0))
    table = measure_coverage(populations, services)
    assert list(table["code"]) == list(CODES)
    assert all(isinstance(c, str) for c in table["code"])
    pd.testing.assert_frame_equal(table[original.columns], original)
    pd.testing.assert_frame_equal(populations, original)  # input not modified


def test_no_services_at_all(populations):
    table = measure_coverage(populations, make_services())
    assert (table["statut"] == "non_couvert").all()
    assert (table["services_pour_100k"] == 0).all()
    assert table["capacite_active"].isna().all()


def test_services_without_a_capacity_column(populations):
    services = make_services(("actif", ("01",), NAN)).drop(columns="capacite_n")
    table = by_code(measure_coverage(populations, services))
    assert table.loc["01", "statut"] == "couvert"
    assert table["capacite_active"].isna().all()


# --- rates ----------------------------------------------------------------------------------


def test_rate_per_100k_is_computed_from_the_inputs(populations):
    services = make_services(
        ("actif", ("01",), NAN),
        ("actif", ("01",), NAN),
        ("actif", ("974",), NAN),
        ("en_projet", ("974",), NAN),  # planned: not in the rate
        ("ferme", ("2A",), NAN),  # closed: not in the rate
    )
    table = by_code(measure_coverage(populations, services))
    active = {"01": 2, "2A": 0, "974": 1}
    for code, n in active.items():
        expected = n / POPULATIONS[code] * 100_000
        assert table.loc[code, "services_pour_100k"] == pytest.approx(expected, abs=1e-3)
    # No active service in a populated département is a rate of 0, not missing data.
    assert table.loc["2A", "services_pour_100k"] == 0


def test_population_zero_gives_no_rate_not_zero():
    populations = make_populations({"01": 0, "2A": 162_421, "974": 885_700})
    services = make_services(("actif", ("01",), NAN))
    table = by_code(measure_coverage(populations, services))
    assert math.isnan(table.loc["01", "services_pour_100k"])
    assert table.loc["01", "statut"] == "couvert"
    # A populated département without services: 0, distinct from "no data".
    assert table.loc["2A", "services_pour_100k"] == 0
    assert not math.isnan(table.loc["2A", "services_pour_100k"])


def test_capacity_of_active_services(populations):
    services = make_services(
        ("actif", ("01",), 20.0),
        ("actif", ("01",), 12.5),
        ("actif", ("01",), NAN),  # unknown capacity: adds nothing
        ("en_projet", ("01",), 100.0),  # planned: not active capacity
        ("actif", ("2A",), NAN),
    )
    table = by_code(measure_coverage(populations, services))
    assert table.loc["01", "capacite_active"] == pytest.approx(20.0 + 12.5)
    # Covered but no capacity known: NaN, not 0.
    assert math.isnan(table.loc["2A", "capacite_active"])
    assert math.isnan(table.loc["974", "capacite_active"])


def test_capacity_of_a_multi_departement_service_is_not_counted_twice(populations):
    capacity = 30.0
    services = make_services(("actif", ("01", "2A", "974"), capacity))
    table = measure_coverage(populations, services)
    assert table["capacite_active"].notna().all()
    assert table["capacite_active"].sum() == pytest.approx(capacity, abs=0.2)


# --- summary --------------------------------------------------------------------------------


def test_summary_figures(populations):
    services = make_services(("actif", ("01",), NAN), ("en_projet", ("2A",), NAN))
    table = measure_coverage(populations, services)
    summary = summarize_coverage(table)
    total = sum(POPULATIONS.values())
    uncovered = POPULATIONS["2A"] + POPULATIONS["974"]
    assert summary["departements"] == len(POPULATIONS)
    assert summary["departements_couverts"] == 1
    assert summary["departements_en_projet"] == 1
    assert summary["departements_non_couverts"] == 1
    assert summary["population_totale"] == total
    assert summary["population_non_couverte"] == uncovered
    assert summary["part_population_non_couverte"] == pytest.approx(uncovered / total, abs=1e-4)
    assert summary["annee_population"] == 2023


def test_summary_ranks_uncovered_departements_by_population_descending():
    # 974 is more populous than 2A, which is more populous than 01: reversed code order.
    pops = {"01": 100_000, "2A": 200_000, "974": 300_000}
    table = measure_coverage(make_populations(pops), make_services())
    ranked = summarize_coverage(table)["non_couverts_par_population"]
    assert ranked == sorted(pops, key=lambda c: -pops[c])
    assert ranked == ["974", "2A", "01"]


def test_summary_ranking_leaves_out_covered_departements(populations):
    table = measure_coverage(populations, make_services(("actif", ("974",), NAN)))
    summary = summarize_coverage(table)
    assert summary["non_couverts_par_population"] == sorted(
        ["01", "2A"], key=lambda c: -POPULATIONS[c]
    )
    assert summary["population_non_couverte"] == POPULATIONS["01"] + POPULATIONS["2A"]


def test_summary_when_everything_is_covered(populations):
    table = measure_coverage(populations, make_services(("actif", CODES, NAN)))
    summary = summarize_coverage(table)
    assert summary["departements_couverts"] == len(CODES)
    assert summary["population_non_couverte"] == 0
    assert summary["part_population_non_couverte"] == 0
    assert summary["non_couverts_par_population"] == []


def test_summary_keeps_the_census_year():
    table = measure_coverage(make_populations(POPULATIONS, year=2019), make_services())
    assert summarize_coverage(table)["annee_population"] == 2019


# --- property -------------------------------------------------------------------------------

SERVICE = st.tuples(
    st.sampled_from(["actif", "en_projet", "ferme"]),
    st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True).map(tuple),
    st.one_of(st.just(NAN), st.floats(0, 500)),
)


@given(st.lists(SERVICE, max_size=12))
def test_status_follows_the_definition(services):
    table = by_code(measure_coverage(make_populations(POPULATIONS), make_services(*services)))
    for code in CODES:
        active = sum(1 for s, served, _ in services if s == "actif" and code in served)
        planned = sum(1 for s, served, _ in services if s == "en_projet" and code in served)
        expected = "couvert" if active else "en_projet" if planned else "non_couvert"
        assert table.loc[code, "statut"] == expected
        assert table.loc[code, "services_actifs"] == active
        assert table.loc[code, "services_en_projet"] == planned
    summary = summarize_coverage(table.reset_index())
    assert summary["departements_couverts"] + summary["departements_en_projet"] + summary[
        "departements_non_couverts"
    ] == len(CODES)


# --- service types ----------------------------------------------------------------------------


def test_only_the_counted_types_make_coverage(populations):
    services = make_services(
        ("actif", ("01",), float("nan")),
        ("actif", ("2A",), float("nan")),
        ("en_projet", ("974",), float("nan")),
    )
    services["type"] = ["ips", "emploi_accompagne", "emploi_accompagne"]
    everything = by_code(measure_coverage(populations, services))
    assert list(everything["statut"]) == ["couvert", "couvert", "en_projet"]
    ips_only = by_code(measure_coverage(populations, services, types=["ips"]))
    assert ips_only.loc["01", "statut"] == "couvert"
    assert ips_only.loc["2A", "statut"] == "non_couvert"
    assert ips_only.loc["974", "statut"] == "non_couvert"
    assert ips_only.loc["2A", "services_pour_100k"] == 0
    # The per-type columns count every active service, counted or not.
    assert ips_only.loc["2A", "actifs_emploi_accompagne"] == 1
    assert ips_only.loc["01", "actifs_ips"] == 1
    assert ips_only.loc["974", "actifs_emploi_accompagne"] == 0  # planned, not active


def test_unknown_capacities_are_counted_so_the_total_reads_as_partial(populations):
    services = make_services(
        ("actif", ("01",), 20.0),
        ("actif", ("01",), float("nan")),
        ("actif", ("2A",), 40.0),
    )
    table = by_code(measure_coverage(populations, services))
    assert table.loc["01", "capacite_active"] == 20.0
    assert table.loc["01", "actifs_sans_capacite"] == 1
    assert table.loc["2A", "actifs_sans_capacite"] == 0
    assert table.loc["974", "actifs_sans_capacite"] == 0
