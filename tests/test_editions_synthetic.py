"""Editions on small synthetic tables (codes "01", "2A", "2B", "974"): matching services,
every kind of change and its French wording, the checks of rows made in memory."""

from __future__ import annotations

import pytest

from ips_map.editions import compare_editions, make_edition
from ips_map.errors import EditionError


def departement_row(code, statut, actifs=0, projet=0, taux=None, population=None, nom=None):
    """A row of coverage.csv as a build has it in memory."""
    return {
        "code": code,
        "nom": nom or f"Département {code}",
        "statut": statut,
        "services_actifs": actifs,
        "services_en_projet": projet,
        "services_pour_100k": taux,
        "population": population,
        "annee_population": 2023 if population else None,
    }


def service_row(nom, statut, commune="01053", nom_commune="Bourg-en-Bresse", structure="Adapei"):
    """A row of services.csv as a build has it in memory."""
    return {
        "nom": nom,
        "statut": statut,
        "code_departement": "01",
        "code_commune_trouve": commune,
        "nom_commune_trouve": nom_commune,
        "structure": structure,
    }


def test_services_sharing_a_key_are_paired_in_order():
    deps = [
        {
            "code": "13",
            "nom": "Bouches-du-Rhône",
            "statut": "couvert",
            "services_actifs": 2,
            "services_en_projet": 0,
            "services_pour_100k": 0.1,
            "population": 2_000_000,
            "annee_population": 2023,
        }
    ]
    twin = {"nom": "Antenne", "statut": "actif", "code_departement": "13"}
    old = make_edition(deps, [dict(twin, code_commune_trouve="13055")] * 2, {})
    new = make_edition(deps, [dict(twin, code_commune_trouve="13055")], {})
    comparison = compare_editions(old, new)
    assert [r["type"] for r in comparison.changes] == ["service_retire"]
    # Placed by coordinates (no commune found) in the same département: the same service,
    # which has not moved.
    moved = make_edition(deps, [dict(twin, code_commune_trouve=None)], {})
    assert compare_editions(new, moved).changes == []
    assert compare_editions(moved, moved).changes == []


def test_every_change_of_a_service_is_named():
    deps = [departement_row("01", "couvert", actifs=2)]
    old = make_edition(
        deps,
        [
            service_row("Rouvert", "ferme"),
            service_row("Fermé", "en_projet"),
            service_row("Repli", "actif", structure=""),
            service_row("Ouvert", "en_projet", nom_commune=""),
            service_row("Toujours fermé", "ferme"),
            service_row("Retiré fermé", "ferme"),
            service_row("Retiré", "en_projet", commune=""),
        ],
        {},
    )
    shown_by_commune = dict(service_row("Ouvert", "actif", nom_commune=""), commune="Bourg")
    new = make_edition(
        deps,
        [
            service_row("Rouvert", "actif"),
            service_row("Fermé", "ferme"),
            service_row("Repli", "en_projet", structure=""),
            shown_by_commune,
            service_row("Toujours fermé", "ferme"),
            service_row("Nouveau fermé", "ferme"),
        ],
        {},
    )
    comparison = compare_editions(old, new)
    rows = [(r["type"], r["nom"], r["avant"], r["apres"], r["detail"]) for r in comparison.changes]
    assert rows == [
        ("service_ajoute", "Rouvert", "ferme", "actif",
         "rouvert (fermé dans l'édition précédente) ; Bourg-en-Bresse ; Adapei"),
        ("service_ferme", "Fermé", "en_projet", "ferme", "fermé ; Bourg-en-Bresse ; Adapei"),
        ("service_retire", "Retiré", "en_projet", "",
         "absent de la nouvelle liste ; Bourg-en-Bresse ; Adapei"),
        ("service_statut", "Ouvert", "en_projet", "actif", "ouvert ; Bourg ; Adapei"),
        ("service_statut", "Repli", "actif", "en_projet", "actif → en projet ; Bourg-en-Bresse"),
    ]  # fmt: skip
    assert comparison.counts["services_ajoutes"] == 1
    assert comparison.counts["services_statut_modifie"] == 2


def test_departements_in_one_edition_only_and_rates_unknown_or_rounded():
    old = make_edition(
        [
            departement_row("01", "couvert", actifs=1, taux=0.15, population=650_000),
            departement_row("2A", "en_projet", projet=1, taux=0.0, population=160_000),
            departement_row("974", "non_couvert"),
        ],
        [],
        {},
    )
    new = make_edition(
        [
            departement_row("2B", "couvert", actifs=1, taux=0.55, population=182_000),
            departement_row("01", "couvert", actifs=1, taux=0.1504, population=650_500),
            departement_row("2A", "non_couvert", taux=0.0, population=160_000),
            departement_row("974", "non_couvert", taux=0.0, population=880_000),
        ],
        [],
        {},
    )
    comparison = compare_editions(old, new)
    rows = [(r["type"], r["code"], r["avant"], r["apres"], r["detail"]) for r in comparison.changes]
    absent = "département absent de l'une des deux éditions"
    assert rows == [
        ("statut", "2B", "", "couvert", absent),
        ("statut", "2A", "en_projet", "non_couvert",
         "en projet → non couvert (services actifs 0 → 0, en projet 1 → 0)"),
        ("taux", "2B", "", 0.55, absent),
        ("taux_population", "974", "", 0.0,
         "services actifs 0 → 0 ; population None : inconnue → 2023 : 880\u202f000"),
    ]  # fmt: skip
    # A rate that moved by less than the rounding of coverage.csv is no change (Ain).
    assert comparison.departements == {"2A": {"statut": "en_projet", "sens": "-"}}
    assert comparison.rates == {"2B": None, "974": None}
    assert comparison.counts["departements_nouvellement_couverts"] == 1
    assert comparison.counts["departements_plus_couverts"] == 0
    assert comparison.map_data()["status_changes"] == comparison.changes[:2]
    assert comparison.describe()[-2:] == [
        "  Département 2B (2B) : absent → couvert",
        "  Département 2A (2A) : en projet → non couvert",
    ]


def test_rows_in_memory_are_checked_with_their_line():
    ain = departement_row("01", "couvert")
    with pytest.raises(EditionError, match=r"^tableau de couverture, ligne 3 : département 01 "):
        make_edition([ain, dict(ain, code="1")], [], {})
    with pytest.raises(EditionError, match=r"^tableau de couverture : aucun département"):
        make_edition([], [], {})
    pattern = r"^tableau des services, ligne 2, colonne « statut » : valeur « fermé » inconnue"
    with pytest.raises(EditionError, match=pattern):
        make_edition([ain], [service_row("Fermé", "fermé")], {})
    with pytest.raises(EditionError, match=r"^couverture, ligne 7, colonne « code » : .* vide"):
        make_edition([(7, dict(ain, code=""))], [], {}, where=("couverture", "services"))
