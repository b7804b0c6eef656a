"""The tables a build writes: their columns, and the rows of coverage.csv and services.csv
made from the coverage table and the placed services."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd
import shapely

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
    "statut_ecrit",  # the statut as written, when not recognised (statut non_reconnu)
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


def service_columns(services) -> dict[str, list]:
    """The columns of services.csv, whole: each service's listing columns, its unknown
    columns (which take precedence, as written) and its position, as Python values."""
    frame = services.drop(columns="geometry")
    columns = {name: frame[name].tolist() for name in frame.columns if name != "extra"}
    if "extra" in frame:
        _add_unknown_columns(columns, frame["extra"].tolist())
    points = services.geometry
    columns["latitude_placee"] = _rounded(shapely.get_y(points.values))
    columns["longitude_placee"] = _rounded(shapely.get_x(points.values))
    columns["departements_servis"] = [" ".join(codes) for codes in columns["desservis"]]
    return columns


def _rounded(values: np.ndarray) -> list[float]:
    """Each value rounded to 6 decimals by Python's round(), not numpy's (the same digits
    as Python writes them); once per distinct value (services share their commune's
    centre)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    rounded = np.array([round(value, 6) for value in uniques.tolist()], dtype=object)[codes]
    zero = values == 0  # 0.0 and -0.0 are one value to factorize, not to round()
    rounded[zero] = values[zero].tolist()
    return rounded.tolist()


def _add_unknown_columns(columns: dict[str, list], extras: list) -> None:
    """Each row's unknown columns (a dict, or None) over the columns of the same name."""
    names = list(dict.fromkeys(name for extra in extras if extra for name in extra))
    size = len(extras)
    everywhere = {name: all(extra and name in extra for extra in extras) for name in names}
    for name in names:
        if everywhere[name]:
            columns[name] = list(map(operator.itemgetter(name), extras))
            continue
        base = columns.get(name) or [None] * size
        columns[name] = [
            extra[name] if extra and name in extra else value for extra, value in zip(extras, base)
        ]


def column_records(columns: dict[str, list]) -> list[dict]:
    """The rows of a table of columns, as dicts (for the comparison of editions)."""
    names = list(columns)
    return [dict(zip(names, values)) for values in zip(*columns.values())]
