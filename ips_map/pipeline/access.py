"""The access stage in the build: measure access (:mod:`ips_map.access`) on the placed
services, add its columns to the coverage table, cut it to a région, and say it in
``summary.json`` and in ``zones_emploi.csv`` and ``communes.csv``.

A regional edition measures access on the whole listing (a service across the région's
border is the nearest for some of its communes), then keeps the région's communes, the zones
d'emploi that have one of its communes (each zone's figures are those of the whole zone) and
sums the région's own figures again from its communes.
"""

from __future__ import annotations

import csv
import dataclasses
import re

import numpy as np
import pandas as pd

from ips_map.access import AccessOptions, AccessResult, measure_access
from ips_map.access.aggregate import national_figures
from ips_map.coverage import measure_coverage
from ips_map.outputs import csv_columns_bytes
from ips_map.pipeline.prepare import Prepared
from ips_map.settings import BuildSettings
from ips_map.sources.registry import source_path
from ips_map.territory.data import MAYOTTE_NOTE, load_communes
from ips_map.territory.regions import Region
from ips_map.territory.zones import load_commune_zones, load_zones

#: The files the access stage adds to a build, by key (in ``OUTPUT_FILES``).
ACCESS_FILES = {"zones_emploi": "zones_emploi.csv", "communes": "communes.csv"}
#: Columns of communes.csv.
COMMUNE_CSV_COLUMNS = [
    "code",
    "nom",
    "code_departement",
    "code_ze",
    "population",
    "distance_km",
    "service_proche",
    "ligne_service_proche",
]
#: How many zones d'emploi ``summary.json`` names, most inhabitants beyond the first
#: threshold first.
FARTHEST_ZONES = 5
_COMMUNE_POP_COLUMN = re.compile(r"^population_municipale_(\d{4})$")


def access_options(settings: BuildSettings) -> AccessOptions:
    """The access options of a build (checked: a wrong value fails before the long steps)."""
    return AccessOptions(
        thresholds_km=tuple(settings.access_thresholds_km),
        bands_km=tuple(settings.access_bands_km),
        weights=tuple(settings.access_weights),
    )


def population_vintage() -> str:
    """How the method names the communes' populations, from the commune file's header."""
    with open(source_path("communes"), encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    years = [m.group(1) for m in map(_COMMUNE_POP_COLUMN.match, header) if m]
    year = f" {years[0]}" if years else ""
    return f"population municipale{year} des communes (Insee) ; {MAYOTTE_NOTE}"


def measure_build_access(settings: BuildSettings, prepared: Prepared) -> AccessResult:
    """Measure access to the placed services of the counted types, for every commune."""
    return measure_access(
        load_communes(),
        prepared.placement.services,
        load_commune_zones(),
        load_zones(),
        options=access_options(settings),
        types=settings.types,
        population_vintage=population_vintage(),
    )


def with_access_columns(table: pd.DataFrame, access: AccessResult) -> pd.DataFrame:
    """The coverage table with the six access columns of each département."""
    return table.merge(access.departements, on="code", how="left")


def cut_access(access: AccessResult, region: Region) -> AccessResult:
    """The access figures of a regional edition (see the module's docstring)."""
    codes = set(region.departements)
    keep = access.communes["code_departement"].isin(codes).to_numpy()
    communes = access.communes[keep].reset_index(drop=True)
    zones_kept = set(communes["code_ze"])
    zones = access.zones[access.zones["code_ze"].isin(zones_kept)].reset_index(drop=True)
    options = _options_of(access)
    population = communes["population"].to_numpy(dtype=np.int64)
    national = national_figures(
        population,
        communes["distance_km"].to_numpy(dtype=float),
        communes["accessibilite_e2sfca"].to_numpy(dtype=float),
        options,
    )
    planned = None
    if access.planned is not None:
        scenario = access.planned["communes"][keep].reset_index(drop=True)
        departements = access.planned["departements"]
        planned = {
            "national": national_figures(
                population,
                scenario["distance_km"].to_numpy(dtype=float),
                scenario["accessibilite_e2sfca"].to_numpy(dtype=float),
                options,
            ),
            "departements": departements[departements["code"].isin(codes)].reset_index(drop=True),
            "communes": scenario,
        }
    return dataclasses.replace(
        access,
        departements=access.departements[access.departements["code"].isin(codes)].reset_index(
            drop=True
        ),
        zones=zones,
        communes=communes,
        national=national,
        planned=planned,
    )


def _options_of(access: AccessResult) -> AccessOptions:
    method = access.method
    return AccessOptions(
        thresholds_km=tuple(method["seuils_km"]),
        bands_km=tuple(method["bandes_km"]),
        weights=tuple(method["poids"]),
    )


def planned_departements_covered(
    populations: pd.DataFrame, services: pd.DataFrame, settings: BuildSettings, codes=None
) -> int:
    """How many départements would be covered if every planned service opened (of
    ``codes`` when given: a région's)."""
    opened = services.copy()
    opened["statut"] = opened["statut"].replace({"en_projet": "actif"})
    table = measure_coverage(populations, opened, settings.types)
    if codes is not None:
        table = table[table["code"].isin(set(codes))]
    return int((table["statut"] == "couvert").sum())


def _plain(value):
    """A number as JSON writes it: None for NaN, Python int or float otherwise."""
    if value is None or value != value:
        return None
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    return value


def _column(values) -> list:
    """A column as CSV cells: NaN written empty, numbers as Python numbers."""
    array = np.asarray(values)
    if array.dtype.kind == "f":
        cells = array.astype(object)
        cells[np.isnan(array)] = None
        return cells.tolist()
    return array.tolist()


def access_summary(access: AccessResult, covered_if_planned: int | None, where: str) -> dict:
    """``summary.json``'s ``acces``, ``acces_si_projets_ouverts`` (None without planned
    services) and ``acces_methode``; ``where`` names what the figures cover (``France``, or
    the région's name)."""
    columns = access.columns
    far = columns[3]
    zones = access.zones[access.zones[far] > 0].sort_values(
        [far, "code_ze"], ascending=[False, True]
    )
    farthest = [
        {
            key: _plain(row[key])
            for key in (
                "code_ze",
                "libelle_ze",
                "departements",
                far,
                columns[1],
                "population",
                "services",
            )
        }
        for row in zones.head(FARTHEST_ZONES).to_dict("records")
    ]
    today = {
        **{k: _plain(v) for k, v in access.national.items()},
        "perimetre": where,
        "zones_emploi_les_plus_eloignees": farthest,
    }
    planned = None
    if access.planned is not None:
        now = access.departements.set_index("code")
        then = access.planned["departements"].set_index("code")
        changed = {
            code: {c: _plain(then.at[code, c]) for c in columns}
            for code in then.index
            if any(_plain(then.at[code, c]) != _plain(now.at[code, c]) for c in columns)
        }
        planned = {
            **{k: _plain(v) for k, v in access.planned["national"].items()},
            "perimetre": where,
            "departements_couverts": covered_if_planned,
            "departements_changes": changed,
        }
    return {
        "acces": today,
        "acces_si_projets_ouverts": planned,
        "acces_methode": access.method,
    }


def access_files(access: AccessResult) -> dict[str, bytes]:
    """The bytes of ``zones_emploi.csv`` and ``communes.csv`` (texts escaped for
    spreadsheets, :mod:`ips_map.outputs`)."""
    zones = access.zones
    communes = access.communes
    zone_columns = list(zones.columns)
    commune_table = {
        name: _column(communes[name]) for name in COMMUNE_CSV_COLUMNS if name != "distance_km"
    }
    commune_table["distance_km"] = _column(np.round(communes["distance_km"].to_numpy(float), 2))
    return {
        "zones_emploi": csv_columns_bytes(
            zone_columns, {c: _column(zones[c]) for c in zone_columns}, len(zones)
        ),
        "communes": csv_columns_bytes(COMMUNE_CSV_COLUMNS, commune_table, len(communes)),
    }


def access_rows(rows, access: AccessResult) -> list[dict]:
    """The rows of ``coverage.csv`` with the access columns' NaN written empty (a
    territory without any service has no mean distance)."""
    columns = access.columns
    out = []
    for record in rows:
        for key in columns:
            value = record.get(key)
            if value is not None and value != value:
                record[key] = None
        out.append(record)
    return out
