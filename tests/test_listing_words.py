"""Statuses and names of départements as people write them (issue 13): every wording of a
service that does not run yet is ``en_projet``, a pilot runs, a statut it cannot read is
kept as written; "St"/"Ste", hyphens, apostrophes, accents and case never stop a
département's name from being read, and a name is never read loosely as another one."""

from __future__ import annotations

import pytest

from ips_map.listing.values import read_status
from ips_map.territory.data import population_table
from ips_map.territory.names import normalize_departement


@pytest.mark.parametrize(
    "written",
    [
        "à l'étude",
        "A l'étude",
        "A L'ETUDE",
        "en cours de création",
        "ouverture prévue en 2026",
        "Ouverture prévue au 2e semestre",
        "appel à projets",
        "Appel à projet",
        "en projet",
        "prévu",
        "Prévue",
        "en préparation",
    ],
)
def test_every_wording_of_a_service_to_come_is_planned(written):
    assert read_status(written)[0] == "en_projet"


@pytest.mark.parametrize(
    "written", ["pilote", "Site pilote", "expérimentation", "En expérimentation", "Actif"]
)
def test_a_pilot_or_an_experiment_runs(written):
    assert read_status(written)[0] == "actif"


@pytest.mark.parametrize("written", ["suspendu", "?", "voir avec l'ARS", "2024"])
def test_a_statut_it_cannot_read_is_kept_and_named(written):
    statut, note = read_status(written)
    assert statut == "non_reconnu"
    assert note.startswith("statut non reconnu : service dessiné et listé avec ce statut")
    assert "statuts acceptés :" in note and "« à l'étude »" in note


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Seine St Denis", "93"),
        ("Seine-St-Denis", "93"),
        ("SEINE ST DENIS", "93"),
        ("seine saint-denis", "93"),
        ("Val d Oise", "95"),
        ("Val-d'Oise", "95"),
        ("Val d\u2019Oise", "95"),
        ("Cotes d'Armor", "22"),
        ("Pyrénées Orientales", "66"),
        ("Territoire-de-Belfort", "90"),
        ("territoire de belfort", "90"),
        ("Alpes de Hte Provence", None),  # no guessing of "Hte"
        ("Seine", None),  # never read loosely as Seine-Maritime, Seine-et-Marne…
        ("Loire Atlantic", None),
        ("Savoie", "73"),
        ("Haute Savoie", "74"),
        ("93 - Seine St Denis", "93"),
    ],
)
def test_departement_names_as_written(written, code):
    assert normalize_departement(written)[0] == code


def test_every_departement_name_reads_back_with_st_and_without_punctuation():
    table = population_table()
    for code, name in zip(table["code_departement"], table["nom_departement"]):
        for variant in (
            name,
            name.upper(),
            name.replace("-", " ").replace("'", " "),
            name.replace("Saint", "St"),
        ):
            assert normalize_departement(variant)[0] == code, variant
