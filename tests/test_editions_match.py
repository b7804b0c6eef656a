"""Services matched across two small synthetic editions: moves, rows now readable or no
longer, and rates changed by the services or by the population alone."""

from __future__ import annotations

from ips_map.editions import compare_editions, make_edition
from ips_map.editions.match import match_services

COTE_DOR = {
    "code": "21",
    "nom": "Côte-d'Or",
    "statut": "couvert",
    "services_actifs": 1,
    "services_en_projet": 0,
    "services_pour_100k": 0.187,
    "population": 534_000,
    "annee_population": 2022,
}


def service(nom, commune="21231", ville="Dijon", statut="actif", structure="Acodège", dep="21"):
    return {
        "nom": nom,
        "statut": statut,
        "code_departement": dep,
        "code_commune_trouve": commune,
        "nom_commune_trouve": ville,
        "structure": structure,
    }


def kinds(old_services, new_services, **editions):
    old = make_edition([COTE_DOR], old_services, {}, rejects=editions.get("old_rejects", ()))
    new = make_edition([COTE_DOR], new_services, {}, rejects=editions.get("new_rejects", ()))
    return [
        (r["type"], r["nom"], r["avant"], r["apres"], r["detail"])
        for r in compare_editions(old, new).changes
    ]


def test_a_service_found_in_another_commune_is_one_move():
    moved = service("IPS 21", "21166", "Chenôve")
    assert kinds([service("IPS 21")], [moved]) == [
        ("service_deplace", "IPS 21", "Dijon", "Chenôve", "déplacé de Dijon à Chenôve ; Acodège")
    ]
    # To another département too, when it is the only service of that name and structure.
    away = service("IPS 21", "71076", "Chalon-sur-Saône", dep="71")
    (row,) = kinds([service("IPS 21")], [away])
    assert row[:4] == ("service_deplace", "IPS 21", "Dijon", "Chalon-sur-Saône")


def test_a_move_that_changes_status_says_both():
    closed = service("IPS 21", "21166", "Chenôve", statut="ferme")
    assert kinds([service("IPS 21")], [closed]) == [
        (
            "service_ferme",
            "IPS 21",
            "actif",
            "ferme",
            "fermé ; déplacé de Dijon à Chenôve ; Acodège",
        )
    ]


def test_another_structure_elsewhere_is_another_service():
    other = service("IPS 21", "21166", "Chenôve", structure="Le Mars")
    assert [k[0] for k in kinds([service("IPS 21")], [other])] == [
        "service_ajoute",
        "service_retire",
    ]


def test_several_services_of_one_name_elsewhere_are_not_guessed():
    # Two antennas of one structure in two départements, replaced by two in two others: no
    # pairing would be sure, so two added and two removed.
    old = [service("Antenne", dep="21"), service("Antenne", "71076", "Chalon", dep="71")]
    new = [
        service("Antenne", "58194", "Nevers", dep="58"),
        service("Antenne", "89024", "Auxerre", dep="89"),
    ]
    assert sorted(k[0] for k in kinds(old, new)) == ["service_ajoute"] * 2 + ["service_retire"] * 2
    # The one found again in its commune is matched there; the other one moved.
    again = [service("Antenne", dep="21"), service("Antenne", "71270", "Mâcon", dep="71")]
    pairs = match_services(
        make_edition([COTE_DOR], old, {}).services, make_edition([COTE_DOR], again, {}).services
    )
    assert [(a.commune, b.commune) for a, b in pairs] == [("Dijon", "Dijon"), ("Chalon", "Mâcon")]


def test_a_structure_renamed_in_the_same_commune_is_no_change():
    assert kinds([service("IPS 21")], [service("IPS 21", structure="ACODEGE (association)")]) == []


def test_rows_rejected_on_either_side_are_named_so():
    rejects = [
        {"ligne": 4, "nom": "IPS Beaune", "colonne": "code_commune", "raison": "ligne 4 : …"},
        # An exact copy is no rejected service: it was counted once.
        {"ligne": 5, "nom": "IPS Nuits", "colonne": "", "raison": "ligne 5 : doublon exact de…"},
    ]
    beaune, nuits = service("IPS Beaune", "21054", "Beaune"), service("IPS Nuits", "21464", "Nuits")
    assert [k[:2] for k in kinds([], [beaune, nuits], old_rejects=rejects)] == [
        ("service_ajoute", "IPS Nuits"),
        ("service_lisible", "IPS Beaune"),
    ]
    (row,) = kinds([beaune], [], new_rejects=rejects)
    assert row == (
        "service_rejete",
        "IPS Beaune",
        "actif",
        "",
        "ligne rejetée dans la nouvelle liste (voir rejects.csv) ; Beaune ; Acodège",
    )


def test_rates_changed_by_the_services_or_by_the_population_alone():
    census = dict(COTE_DOR, services_pour_100k=0.185, population=540_000, annee_population=2023)
    opened = dict(census, services_actifs=2, services_pour_100k=0.37)
    # The services' changes first, then the population's: the vintage, the rates it moved.
    for new, types, counted in (
        (census, ["millesime", "taux_population"], (0, 1)),
        (opened, ["taux", "millesime"], (1, 0)),
    ):
        comparison = compare_editions(make_edition([COTE_DOR], [], {}), make_edition([new], [], {}))
        assert [r["type"] for r in comparison.changes] == types
        counts = comparison.counts
        assert (counts["taux_modifies"], counts["taux_population_modifies"]) == counted


def test_the_evolution_section_names_at_most_30_services_of_a_kind():
    from ips_map.render._elements import render_block
    from ips_map.vocabulary import COVERAGE_STATUS_LABELS

    old = make_edition([COTE_DOR], [], {})
    new = make_edition([COTE_DOR], [service(f"<b>IPS {i:02d}</b>") for i in range(35)], {})
    html = render_block(
        "evolution.html",
        evolution=compare_editions(old, new).map_data(),
        labels=COVERAGE_STATUS_LABELS,
        french_date=str,
    )
    assert html.count('<span class="ips-name">') == 30
    assert "&lt;b&gt;IPS 00&lt;/b&gt;" in html and "<b>IPS" not in html
    assert "Services ajoutés (35)" in html
    assert "… et 5 autres : voir le tableau des changements." in html
