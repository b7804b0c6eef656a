"""Geocoding's own words: the status each row sent gets (``geocodage_statut``), what each
means, and the figure of the summary it adds to; and the columns geocoding writes."""

from __future__ import annotations

from ips_map.vocabulary import GEOCODE_ACCEPTED

#: Columns added to the rows (and written to services.csv).
GEOCODE_COLUMNS = ("geocodage_statut", "geocodage_score", "geocodage_label", "geocodage_requete")

ACCEPTE = GEOCODE_ACCEPTED
SCORE_FAIBLE = "score_faible"
AUTRE_COMMUNE = "autre_commune"
COMMUNE_SEULEMENT = "commune_seulement"
INTROUVABLE = "introuvable"
ADRESSE_ILLISIBLE = "adresse_illisible"
ECHEC = "echec"

#: Every value of ``geocodage_statut`` (empty for rows not sent), with its meaning.
STATUTS = {
    ACCEPTE: "adresse trouvée et retenue",
    SCORE_FAIBLE: "réponse sous le score minimal",
    AUTRE_COMMUNE: "réponse dans une autre commune ou un autre département",
    COMMUNE_SEULEMENT: "seule la commune a été trouvée, pas l'adresse",
    INTROUVABLE: "aucune réponse",
    ADRESSE_ILLISIBLE: "adresse trop courte pour l'API (3 caractères, lettre ou chiffre en tête)",
    ECHEC: "requête en échec (API injoignable ou requête refusée)",
}
#: Which counter of the summary each status adds to.
COUNTERS = {
    ACCEPTE: "accepted",
    SCORE_FAIBLE: "rejected_low_score",
    AUTRE_COMMUNE: "rejected_commune",
    COMMUNE_SEULEMENT: "rejected_municipality",
    INTROUVABLE: "not_found",
    ECHEC: "failed",
    ADRESSE_ILLISIBLE: "skipped",
}


def empty_counts() -> dict[str, int]:
    """The summary's counters, at zero: ``cached`` then one per status."""
    return {"cached": 0, **dict.fromkeys(COUNTERS.values(), 0)}
