"""Whether an answer of the address API is kept for a row: its score, its kind (an address,
not the bare commune), and its commune and département against those the row states."""

from __future__ import annotations

from ips_map.geocode.statuses import (
    ACCEPTE,
    AUTRE_COMMUNE,
    COMMUNE_SEULEMENT,
    INTROUVABLE,
    SCORE_FAIBLE,
)
from ips_map.territory.gazetteer import CITY_ARRONDISSEMENTS

#: Kinds of answer kept: ``municipality`` (the commune's centre) is what placement does
#: without a geocoder.
KEPT_TYPES = frozenset({"housenumber", "street", "locality"})


def judge(entry: dict, row: dict, stated: set[str], min_score: float) -> tuple[str, str]:
    """Return the status of a cached or fresh answer and, when not kept, why (in French).

    ``stated`` is the row's commune(s) (:func:`ips_map.geocode.query.stated_communes`); an
    answer in one of their municipal arrondissements is in the commune.
    """
    if not entry.get("trouve"):
        return INTROUVABLE, "adresse introuvable dans la Base Adresse Nationale"
    label = f"« {entry['label']} » (score {entry['score']:.2f})"
    allowed = set(stated)
    for code in stated:
        allowed.update(CITY_ARRONDISSEMENTS.get(code, ()))
    if allowed and entry["citycode"] not in allowed:
        return AUTRE_COMMUNE, (
            f"réponse {label} dans la commune {entry['citycode']}, pas celle de la ligne"
        )
    dep = row["departement_code"]
    if dep and entry["citycode"] and departement_of(entry["citycode"]) != dep:
        return AUTRE_COMMUNE, f"réponse {label} hors du département {dep}"
    if entry["type"] not in KEPT_TYPES:
        return COMMUNE_SEULEMENT, f"réponse {label} : la commune seulement, pas l'adresse"
    if entry["score"] < min_score:
        return SCORE_FAIBLE, f"réponse {label} sous le score minimal {min_score:.2f}"
    return ACCEPTE, ""


def departement_of(citycode: str) -> str:
    """The département of an INSEE commune code (three characters overseas)."""
    return citycode[:3] if citycode.startswith("97") else citycode[:2]
