"""The tables a build writes: their columns, and the rows of coverage.csv and services.csv
made from the coverage table and the placed services."""

from __future__ import annotations

from ips_map.geocode import GEOCODE_COLUMNS
from ips_map.listing.columns import COLUMNS

COVERAGE_COLUMNS = [
    "code",
    "nom",
    "code_region",
    "nom_region",
    "population",
    "annee_population",
    "services_actifs",
    "services_en_projet",
    "statut",
    "services_pour_100k",
    "actifs_ips",
    "actifs_emploi_accompagne",
    "actifs_autre",
    "capacite_active",
    "actifs_sans_capacite",
    "note_population",
]
SERVICE_COLUMNS = [
    "ligne",
    *COLUMNS,
    "methode",
    "code_departement",
    "code_commune_trouve",
    "nom_commune_trouve",
    "latitude_placee",
    "longitude_placee",
    "departements_servis",
    "avertissements",
    *GEOCODE_COLUMNS,
]
REJECT_COLUMNS = ["ligne", "nom", "colonne", "valeur", "raison"]


def coverage_rows(table):
    """Yield the rows of coverage.csv (a missing rate or capacity written empty)."""
    for record in table.to_dict("records"):
        for key in ("services_pour_100k", "capacite_active"):
            if record[key] != record[key]:
                record[key] = None
        yield record


def service_rows(services):
    """Yield the rows of services.csv: each service, its unknown columns and its position."""
    for record, point in zip(
        services.drop(columns="geometry").to_dict("records"), services.geometry
    ):
        record.update(record.pop("extra", {}) or {})
        record["latitude_placee"] = round(point.y, 6)
        record["longitude_placee"] = round(point.x, 6)
        record["departements_servis"] = " ".join(record["desservis"])
        yield record
