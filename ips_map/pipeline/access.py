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
from ips_map.memo import column_inputs, read_texts, remembered, text_arrays
from ips_map.outputs import CsvFormat, csv_columns_bytes, csv_format, text_field
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


def measure_build_access(
    settings: BuildSettings,
    prepared: Prepared,
    populations: pd.DataFrame,
    region: Region | None = None,
) -> AccessResult:
    """Measure access to the placed services of the counted types (the whole listing, for
    every commune), cut to ``region`` when given; when the listing has planned services,
    ``planned["departements_couverts"]`` says how many départements (of the région) would
    be covered if they opened."""
    services = prepared.placement.services
    access = measure_access(
        load_communes(),
        services,
        load_commune_zones(),
        load_zones(),
        options=access_options(settings),
        types=settings.types,
        population_vintage=population_vintage(),
    )
    if access.planned is not None:
        codes = region.departements if region is not None else None
        covered = planned_departements_covered(populations, services, settings, codes)
        access = dataclasses.replace(
            access, planned={**access.planned, "departements_couverts": covered}
        )
    if region is not None:
        access = cut_access(access, region)
    return access


def access_columns(access: AccessResult | None) -> list[str]:
    """The access columns that ``coverage.csv`` adds to its own (none without access)."""
    return access.columns if access is not None else []


def with_access_columns(table: pd.DataFrame, access: AccessResult) -> pd.DataFrame:
    """The coverage table with the six access columns of each département (the numbers of
    inhabitants as integers, missing for a département the access table does not have)."""
    merged = table.merge(access.departements, on="code", how="left")
    for column in access.columns[3:5]:
        merged[column] = merged[column].astype("Int64")
    return merged


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
    national["territoires_sans_service"] = _lands_of(communes, region, access.national)
    planned = None
    if access.planned is not None:
        scenario = access.planned["communes"][keep].reset_index(drop=True)
        departements = access.planned["departements"]
        planned = {
            **access.planned,
            "national": {
                **national_figures(
                    population,
                    scenario["distance_km"].to_numpy(dtype=float),
                    scenario["accessibilite_e2sfca"].to_numpy(dtype=float),
                    options,
                ),
                "territoires_sans_service": _lands_of(communes, region, access.planned["national"]),
            },
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


def _lands_of(communes: pd.DataFrame, region: Region, national: dict) -> list[str]:
    """The territories without a service that the région's communes are in."""
    codes = set(communes["code_departement"])
    overseas = all(code.startswith("97") for code in region.departements)
    return [
        land
        for land in national.get("territoires_sans_service", [])
        if land in codes or (land == "métropole" and not overseas)
    ]


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


def access_summary(access: AccessResult, region: Region | None = None) -> dict:
    """``summary.json``'s ``acces``, ``acces_si_projets_ouverts`` (None without planned
    services) and ``acces_methode``; ``perimetre`` says what the figures cover (``France``,
    or the région's name)."""
    where = region.name if region is not None else "France"
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
            "departements_couverts": access.planned.get("departements_couverts"),
            "departements_changes": changed,
        }
    return {
        "acces": today,
        "acces_si_projets_ouverts": planned,
        "acces_methode": access.method,
    }


def access_files(access: AccessResult, fmt: CsvFormat | str | None = None) -> dict[str, bytes]:
    """The bytes of ``zones_emploi.csv`` and ``communes.csv`` in the CSV format ``fmt``
    (texts escaped for spreadsheets, :mod:`ips_map.outputs`)."""
    zones = access.zones
    zone_columns = list(zones.columns)
    return {
        "zones_emploi": csv_columns_bytes(
            zone_columns, {c: _column(zones[c]) for c in zone_columns}, len(zones), fmt
        ),
        "communes": communes_csv(access.communes, fmt),
    }


#: communes.csv's columns that come from the data files, the same in every build.
_STATIC = COMMUNE_CSV_COLUMNS[:5]
_LAST_STATIC: dict[str, tuple] = {}


def _commune_table(communes: pd.DataFrame) -> dict[str, list]:
    table = {name: _column(communes[name]) for name in COMMUNE_CSV_COLUMNS if name != "distance_km"}
    table["distance_km"] = _column(np.round(communes["distance_km"].to_numpy(float), 2))
    return table


def communes_csv(communes: pd.DataFrame, fmt: CsvFormat | str | None = None) -> bytes:
    """``communes.csv``: the bytes :func:`~ips_map.outputs.csv_columns_bytes` writes in the
    format ``fmt``, made faster for the 34,875 communes: the columns from the data files
    (code, name, département, zone, population) are written once and kept for the builds
    that follow (the same texts), and only the distances and the services' names are
    written again."""
    fmt = csv_format(fmt)
    static = _static_lines(communes, fmt)
    if static is None:
        return csv_columns_bytes(COMMUNE_CSV_COLUMNS, _commune_table(communes), len(communes), fmt)
    header, lines = static
    distances = _distance_cells(np.round(communes["distance_km"].to_numpy(float), 2), fmt.decimal)
    codes, names = pd.factorize(communes["service_proche"].to_numpy(dtype=object))
    fields = np.array(
        [text_field(str(n), fmt.delimiter) for n in names.tolist()] + [""], dtype=object
    )
    rows = pd.array(communes["ligne_service_proche"].to_numpy(dtype=object), dtype="Int64")
    lines_of = np.where(rows.isna(), "", rows.astype(str).to_numpy(dtype=object, na_value=""))
    cells = np.empty((len(communes), 4), dtype=object)
    cells[:, 0] = lines
    cells[:, 1] = distances
    cells[:, 2] = fields[codes]  # code -1 (no name) takes the last field, ""
    cells[:, 3] = lines_of
    sep = fmt.delimiter
    header += sep + sep.join(COMMUNE_CSV_COLUMNS[len(_STATIC) :])
    body = (sep.join(["%s"] * 4) + "\n") * len(communes) % tuple(cells.ravel().tolist())
    return ("\ufeff" + header + "\n" + body).encode("utf-8")


def _distance_cells(distance: np.ndarray, decimal: str) -> np.ndarray:
    """The distances as the CSV writer writes numbers: a whole number without decimals,
    else Python's shortest digits, with the format's decimal mark; NaN empty."""
    cells = distance.astype(str).astype(object)  # the digits Python writes (shortest)
    whole = np.isfinite(distance) & (distance == np.floor(distance))
    cells[whole] = distance[whole].astype(np.int64).astype(str)
    if decimal != ".":
        cells = np.char.replace(cells.astype(str), ".", decimal).astype(object)
    cells[np.isnan(distance)] = ""
    return cells


def _static_lines(communes: pd.DataFrame, fmt: CsvFormat) -> tuple[str, list[str]] | None:
    """The header and each commune's cells from the data files, as CSV text; None when
    a cell holds a line break (then the file is written the plain way). Kept for the last
    table of the process, and between builds (:mod:`ips_map.memo`)."""
    codes = communes["code"].to_numpy(dtype=object)
    kept = _LAST_STATIC.get(fmt.name)
    if kept is not None and len(kept[0]) == len(codes) and np.array_equal(kept[0], codes):
        same = all(np.array_equal(kept[1][c], communes[c].to_numpy()) for c in _STATIC[1:])
        if same:
            return kept[2]
    result = remembered(
        "lignes_communes",
        [fmt.name, fmt.delimiter, fmt.decimal, *column_inputs(communes, _STATIC)],
        lambda: _made_static_lines(communes, fmt),
        lambda arrays: _read_static_lines(arrays, len(communes)),
    )
    _LAST_STATIC[fmt.name] = (codes, {c: communes[c].to_numpy() for c in _STATIC[1:]}, result)
    return result


def _made_static_lines(communes: pd.DataFrame, fmt: CsvFormat) -> dict[str, np.ndarray]:
    table = {name: _column(communes[name]) for name in _STATIC}
    text = csv_columns_bytes(_STATIC, table, len(communes), fmt).decode("utf-8")
    lines = text.lstrip("\ufeff").split("\n")
    if len(lines) != len(communes) + 2:  # a line break in a cell: none kept
        return text_arrays("lines", [])
    return text_arrays("lines", lines[:-1])


def _read_static_lines(arrays, count: int) -> tuple[str, list[str]] | None:
    lines = read_texts(arrays, "lines")
    if not lines:
        return None
    if len(lines) != count + 1:
        raise ValueError(f"{count + 1} lignes attendues, {len(lines)} lues")
    return lines[0], lines[1:]


def access_rows(rows, access: AccessResult) -> list[dict]:
    """The rows of ``coverage.csv`` with the access columns' NaN written empty (a
    territory without any service has no mean distance)."""
    columns = access.columns
    out = []
    for record in rows:
        for key in columns:
            value = record.get(key)
            if value is not None and pd.isna(value):
                record[key] = None
        out.append(record)
    return out
