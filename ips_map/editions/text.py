"""The French wording of changes between two editions: the ``detail`` of each row of
``changes.csv``, and the short summary that the command line prints. Status labels come from
the vocabulary; nothing here decides what changed.
"""

from __future__ import annotations

from ips_map.editions.edition import Departement, Service
from ips_map.editions.match import is_move
from ips_map.vocabulary import COVERAGE_STATUS_LABELS, SERVICE_STATUS_LABELS, plural, thousands

#: The ``nom`` of the row of ``changes.csv`` that records another census vintage.
CENSUS_NAME = "population municipale Insee"
#: Its ``detail``.
CENSUS_DETAIL = "autre millésime de population : les taux pour 100 000 habitants changent aussi"
_ABSENT = "département absent de l'une des deux éditions"


def coverage_status_words(statut: str) -> str:
    """« non couvert », « absent »: a département's status as written inside a sentence."""
    return COVERAGE_STATUS_LABELS.get(statut, "absent").lower()


def service_status_words(statut: str) -> str:
    """« en projet », « fermé »: a service's status as written inside a sentence."""
    return SERVICE_STATUS_LABELS[statut].lower() if statut else "absent"


def status_detail(before: Departement | None, after: Departement | None) -> str:
    """The ``detail`` of a département whose coverage status changed."""
    if before is None or after is None:
        return _ABSENT
    if after.statut == "couvert":
        what = "nouvellement couvert"
    elif before.statut == "couvert":
        what = "n'est plus couvert"
    else:
        what = f"{coverage_status_words(before.statut)} → {coverage_status_words(after.statut)}"
    return (
        f"{what} (services actifs {before.services_actifs} → {after.services_actifs}, "
        f"en projet {before.services_en_projet} → {after.services_en_projet})"
    )


def rate_detail(before: Departement | None, after: Departement | None) -> str:
    """The ``detail`` of a département whose rate per 100,000 inhabitants changed."""
    if before is None or after is None:
        return _ABSENT
    return (
        f"services actifs {before.services_actifs} → {after.services_actifs} ; population "
        f"{before.annee} : {_thousands(before.population)} → "
        f"{after.annee} : {_thousands(after.population)}"
    )


def service_detail(before: Service | None, after: Service | None, kind: str = "") -> str:
    """The ``detail`` of a service added, now readable, moved, removed, rejected or whose
    status changed: what happened, then the commune and the structure of the service as the
    newer edition has it (a move says both communes: « déplacé de Dijon à Chenôve »)."""
    moved = (
        f"déplacé de {before.where} à {after.where}"
        if before is not None and after is not None and is_move(before, after)
        else ""
    )
    if kind == "service_deplace":
        return " ; ".join(part for part in (moved, after.structure) if part)
    if kind == "service_lisible":
        what = "désormais lisible (ligne rejetée dans l'édition précédente)"
    elif kind == "service_rejete":
        what = "ligne rejetée dans la nouvelle liste (voir rejects.csv)"
    elif before is None:
        what = "nouveau dans la liste"
    elif after is None:
        what = "absent de la nouvelle liste"
    elif after.statut == "ferme":
        what = "fermé"
    elif before.statut == "ferme":
        what = "rouvert (fermé dans l'édition précédente)"
    elif after.statut == "actif":
        what = "ouvert"
    else:
        what = f"{service_status_words(before.statut)} → {service_status_words(after.statut)}"
    service = after if after is not None else before
    place = moved or service.commune
    return " ; ".join(part for part in (what, place, service.structure) if part)


def summary_lines(
    previous: dict, current: dict, counts: dict, changes: list[dict], limit: int
) -> list[str]:
    """The summary of a comparison, one line per item: the two editions, the numbers of
    changes, then at most ``limit`` départements whose status changed.

    ``previous`` and ``current`` are the records of the editions, ``counts`` and
    ``changes`` those of the comparison (:class:`ips_map.editions.compare.Comparison`).
    """
    p, c, n = previous, current, counts
    lines = [
        f"Évolution depuis l'édition du {p['date_construction']} "
        f"(population Insee {p['annee_population']}) jusqu'à celle du "
        f"{c['date_construction']} (population Insee {c['annee_population']}) :"
    ]
    if not changes:
        lines.append("  aucun changement.")
        return lines
    newly = plural(n["departements_nouvellement_couverts"], "nouvellement couvert")
    lines.append(
        f"  départements : {newly}, "
        f"{n['departements_plus_couverts']} qui ne le sont plus, "
        f"{plural(n['departements_statut_modifie'], 'changement')} de statut en tout ;"
    )
    lines.append(_services_line(n))
    lines.append(
        f"  taux pour 100 000 habitants modifié par les services dans "
        f"{plural(n['taux_modifies'], 'département')} ;"
    )
    vintage = (
        f"millésime {p['annee_population']} → {c['annee_population']}, "
        if p["annee_population"] != c["annee_population"]
        else ""
    )
    lines.append(
        f"  population : {vintage}taux modifié par la seule population dans "
        f"{plural(n['taux_population_modifies'], 'département')}."
    )
    statuses = [row for row in changes if row["type"] == "statut"]
    for row in statuses[:limit]:
        lines.append(
            f"  {row['nom']} ({row['code']}) : {coverage_status_words(row['avant'])} → "
            f"{coverage_status_words(row['apres'])}"
        )
    if len(statuses) > limit:
        lines.append(f"  … et {plural(len(statuses) - limit, 'autre')} : voir changes.csv")
    return lines


def _services_line(n: dict) -> str:
    """The services' changes counted in one line; the rarer kinds only when there are."""
    parts = [plural(n["services_ajoutes"], "ajouté")]
    if n["services_lisibles"]:
        parts.append(plural(n["services_lisibles"], "désormais lisible"))
    parts.append(plural(n["services_deplaces"], "déplacé"))
    parts.append(plural(n["services_fermes"], "fermé"))
    parts.append(f"{plural(n['services_retires'], 'retiré')} de la liste")
    if n["services_rejetes"]:
        parts.append(f"{plural(n['services_rejetes'], 'rejeté')} dans la nouvelle liste")
    changed = n["services_statut_modifie"]
    parts.append(f"{plural(changed, 'autre changement', 'autres changements')} de statut")
    return f"  services : {', '.join(parts)} ;"


def _thousands(value: int | None) -> str:
    """1 234 567 with narrow no-break spaces, as French writes it; « inconnue » for None."""
    return "inconnue" if value is None else thousands(value)
