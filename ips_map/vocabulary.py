"""The words of the domain, said once: service types and statuses, coverage statuses,
placement methods, the French labels that outputs and the page show for each, and the
names of the row counts.

Codes (``ips``, ``en_projet``, ``code_postal``…) are what the outputs store; labels are what
people read. Every stage, the CSV headers and the page take them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Kinds of service a listing may hold, in the order of reports and tooltips.
SERVICE_TYPES = ("ips", "emploi_accompagne", "autre")
SERVICE_TYPE_LABELS = {"ips": "IPS", "emploi_accompagne": "Emploi accompagné", "autre": "Autre"}

#: Where a service stands: running, planned, or closed (kept in the listing, never counted);
#: ``non_reconnu`` when the listing's statut could not be read: the service is drawn and
#: listed with its statut as written (``statut_ecrit``), and not counted for coverage.
SERVICE_STATUSES = ("actif", "en_projet", "ferme", "non_reconnu")
SERVICE_STATUS_LABELS = {
    "actif": "Actif",
    "en_projet": "En projet",
    "ferme": "Fermé",
    "non_reconnu": "Statut non reconnu",
}
#: The statuses a listing may write (``non_reconnu`` is what ips-map says of the others).
LISTING_STATUSES = ("actif", "en_projet", "ferme")
#: The code of a statut that could not be read.
UNRECOGNISED_STATUS = "non_reconnu"

#: A département is ``couvert`` when an active service serves it, ``en_projet`` when only
#: planned ones do, ``non_couvert`` otherwise.
COVERAGE_STATUSES = ("couvert", "en_projet", "non_couvert")
COVERAGE_STATUS_LABELS = {
    "couvert": "Couvert",
    "en_projet": "En projet",
    "non_couvert": "Non couvert",
}

#: How a service was placed, best evidence first, with the label written in reports.
PLACEMENT_METHODS = {
    "coordonnees": "coordonnées",
    "adresse_geocodee": "adresse géocodée (API Adresse)",
    "code_commune": "code INSEE de la commune",
    "ancien_code_commune": "ancien code INSEE (commune fusionnée)",
    "commune": "nom de la commune",
    "code_postal": "code postal (approximation)",
    "departement": "département seul (au chef-lieu, approximation)",
}
#: The same methods as a service's fiche on the page words them (where the point stands).
PLACEMENT_METHOD_LABELS = {
    "coordonnees": "coordonnées fournies",
    "adresse_geocodee": "adresse géocodée (API Adresse)",
    "code_commune": "centre de la commune (code INSEE)",
    "ancien_code_commune": "centre de la commune (ancien code INSEE)",
    "commune": "centre de la commune (nom)",
    "code_postal": "centre de la commune du code postal (approché)",
    "departement": "chef-lieu du département, seul connu (approché)",
}
#: The geocoding status (``geocodage_statut``) of a row whose coordinates the address API
#: filled: geocoding writes it, placement trusts those coordinates as an address.
GEOCODE_ACCEPTED = "accepte"
#: Methods that place a service at a commune's centre: an approximation, like the postcode.
COMMUNE_CENTRE_METHODS = ("code_commune", "ancien_code_commune", "commune")
#: Methods whose position is only roughly the service's: a postcode's commune, or the
#: département's chef-lieu.
APPROXIMATE_METHODS = ("code_postal", "departement")


def thousands(value: int) -> str:
    """Return ``value`` as French writes it: 1\u202f234\u202f567, a narrow no-break space
    between thousands (every message, table and page of ips-map writes numbers so)."""
    return f"{int(value):,}".replace(",", "\u202f")


def agreed(count: int, one: str, many: str | None = None) -> str:
    """Return the word as it agrees with ``count`` (0 and 1 take the singular): ``many``
    is the plural form, ``one`` + "s" by default; the count itself is not written."""
    return one if abs(count) < 2 else many or one + "s"


def plural(count: int, one: str, many: str | None = None) -> str:
    """Return ``count`` and its noun as French writes them: "1 ligne à corriger", "2 lignes
    à corriger" (0 and 1 take the singular); ``many`` is the plural form, ``one`` + "s" by
    default."""
    return f"{thousands(count)} {agreed(count, one, many)}"


@dataclass(frozen=True)
class RowCounts:
    """What became of a listing's rows, under one set of names for every report.

    ``placed`` = ``exact`` (coordinates or a geocoded address) + ``commune_centre`` (a
    commune's centre, :data:`COMMUNE_CENTRE_METHODS`) + ``approximate`` (``postcode`` +
    ``chef_lieu``, :data:`APPROXIMATE_METHODS`). ``closed`` and ``other_types`` are placed
    services that are not drawn: closed ones, and types not counted (``--types``).
    """

    read: int = 0
    placed: int = 0
    exact: int = 0
    commune_centre: int = 0
    approximate: int = 0
    postcode: int = 0
    chef_lieu: int = 0
    rejected: int = 0
    duplicates: int = 0
    closed: int = 0
    other_types: int = 0


#: The columns of suggestions.csv, and of the suggestions the page shows (access/suggest.py,
#: render/access_view.py).
SUGGESTION_COLUMNS = (
    "rang",
    "code_commune",
    "commune",
    "code_departement",
    "departement",
    "code_zone_emploi",
    "zone_emploi",
    "population_ajoutee",
    "population_ajoutee_cumulee",
    "longitude",
    "latitude",
    "methode",
)


#: The columns of the access stage's table of communes (communes.csv's and the page's are
#: the first ones: access/stage.py, render/access_view.py).
ACCESS_COMMUNE_COLUMNS = (
    "code",
    "nom",
    "code_departement",
    "code_ze",
    "population",
    "longitude",
    "latitude",
    "distance_km",
    "service_proche",
    "ligne_service_proche",
    "accessibilite_e2sfca",
    # The centre in its territory's metric CRS (Lambert-93, or the DROM's), in metres.
    "x_m",
    "y_m",
)
