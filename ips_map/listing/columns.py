"""The columns of a listing: their canonical names, the header names accepted for each, and
how a file's header is mapped onto them.

Header names are compared in any case, with or without accents, spaces or punctuation; the
words in brackets or after a star (« Capacité (places) », « Code postal * ») are a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ips_map.errors import ListingError, Problem
from ips_map.listing.formats import RawTable
from ips_map.territory.names import text_key

#: Canonical columns and the header names accepted for each (compared with ``text_key``).
COLUMNS: dict[str, tuple[str, ...]] = {
    "nom": (
        "nom",
        "name",
        "nom du service",
        "nom du dispositif",
        "dispositif",
        "service",
        "intitule",
        "libelle",
        "nom de la structure ips",
    ),
    "structure": (
        "structure",
        "structure porteuse",
        "porteur",
        "porteur du projet",
        "organisme",
        "organisme porteur",
        "organisme gestionnaire",
        "gestionnaire",
        "etablissement",
        "etablissement porteur",
        "operateur",
    ),
    "type": ("type", "type de service", "type de dispositif", "modele", "categorie"),
    "statut": ("statut", "status", "etat", "etat d avancement", "statut du service"),
    "adresse": ("adresse", "address", "adresse postale", "rue", "voie", "adresse du service"),
    "code_postal": ("code postal", "cp", "postcode", "code postal du siege", "zip"),
    "commune": (
        "commune",
        "ville",
        "city",
        "localite",
        "commune d implantation",
        "ville du siege",
        "nom de la commune",
    ),
    "code_commune": (
        "code commune",
        "code insee",
        "code commune insee",
        "insee",
        "code insee commune",
        "code insee de la commune",
        "citycode",
        "cog",
        "depcom",
        "codgeo",
    ),
    "departement": (
        "departement",
        "dept",
        "dep",
        "dpt",
        "code departement",
        "departement du siege",
        "num departement",
        "n departement",
        "numero de departement",
        "departement d implantation",
    ),
    "latitude": ("latitude", "lat", "y", "latitude wgs84"),
    "longitude": ("longitude", "lon", "lng", "long", "x", "longitude wgs84"),
    "departements_desservis": (
        "departements desservis",
        "departement desservi",
        "depts desservis",
        "dpts desservis",
        "desserte",
        "territoire desservi",
        "territoires desservis",
        "zone desservie",
        "zone d intervention",
        "departements d intervention",
        "territoire d intervention",
    ),
    "capacite": (
        "capacite",
        "capacite d accueil",
        "places",
        "nombre de places",
        "nb places",
        "capacity",
        "file active",
    ),
    "site_web": ("site web", "site", "site internet", "url", "web", "website", "lien"),
    "telephone": ("telephone", "tel", "phone", "numero de telephone", "contact telephone"),
    "source": ("source", "source url", "url source", "lien source", "reference", "sources"),
}

#: Header keys (``text_key``) to canonical columns.
HEADER_INDEX = {text_key(name): canonical for canonical, names in COLUMNS.items() for name in names}


@dataclass(frozen=True)
class Header:
    """A file's header mapped onto the canonical columns.

    ``columns`` maps column indexes to canonical columns, ``as_written`` canonical columns
    to the file's header names (for reports); ``unknown`` are the names not recognised, in
    the file's order; ``problems`` the columns ignored or not recognised.
    """

    columns: dict[int, str]
    as_written: dict[str, str]
    unknown: list[str]
    problems: list[Problem]


def map_header(table: RawTable, label: str) -> Header:
    """Map the header of ``table`` (the listing named ``label``) onto the canonical columns.

    The first column for a canonical column wins; the columns forced by the format (a
    GeoJSON geometry's coordinates) win over every other.

    Raises
    ------
    ListingError
        When no column is ``nom``, naming the columns that were read.
    """
    problems: list[Problem] = []
    mapping: dict[int, str] = {}
    unknown: dict[int, str] = {}  # by column index: the file's order, whatever the spaces
    header = table.header
    order = sorted(range(len(header)), key=lambda i: (i not in table.forced, i))
    for index in order:
        name = header[index]
        canonical = table.forced.get(index) or canonical_column(name)
        if canonical is None:
            if name.strip():
                unknown[index] = name.strip()
            continue
        if canonical in mapping.values():
            problems.append(
                Problem(
                    table.header_line,
                    name,
                    "",
                    f"deuxième colonne pour « {canonical} » : ignorée",
                    unite=table.unit,
                )
            )
            continue
        mapping[index] = canonical
    if "nom" not in mapping.values():
        where = f" (feuille « {table.sheet} », ligne {table.header_line})" if table.sheet else ""
        raise ListingError(
            f"{label}: aucune colonne « nom » dans l'en-tête{where} (colonnes lues : "
            f"{', '.join(h for h in header if h.strip()) or 'aucune'}). Ajoutez une colonne "
            "« nom » avec le nom de chaque service ; voir le README pour les colonnes acceptées."
        )
    unknown_names = [unknown[index] for index in sorted(unknown)]
    problems += [
        Problem(
            table.header_line,
            name,
            "",
            "colonne non reconnue : conservée dans services.csv, non utilisée",
            unite=table.unit,
        )
        for name in unknown_names
    ]
    as_written = {canonical: header[index].strip() for index, canonical in mapping.items()}
    return Header(mapping, as_written, unknown_names, problems)


def canonical_column(name: str) -> str | None:
    """Return the canonical column a header name stands for, or None."""
    return (
        HEADER_INDEX.get(text_key(name).replace("_", " "))
        or HEADER_INDEX.get(text_key(name.replace("_", " ")))
        or HEADER_INDEX.get(_without_comment(name))
    )


def _without_comment(name: str) -> str:
    """Return the key of a header name without its comment: "Capacité (places)",
    "Latitude (WGS84)", "Code postal *" are the columns "capacité", "latitude", "code
    postal"."""
    bare = re.sub(r"\(.*?\)|\[.*?\]|\*", " ", name)
    return text_key(bare.replace("_", " "))
