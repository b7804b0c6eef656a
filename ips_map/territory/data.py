"""Départements, régions, communes and census populations, loaded from the data files.

Codes are strings everywhere ("01", "2A", "971"); nothing here casts a code to int.
Files fetched by ``ips-map fetch`` (``data/fetched/``, see :mod:`ips_map.sources`) are
used in place of the embedded ones, and fetched census vintages join the embedded ones.
"""

from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import Transformer

from ips_map.errors import DataFileError, SettingsError
from ips_map.memo import frame_arrays, read_frame, remembered
from ips_map.settings import data_dir
from ips_map.sources.calendar import census_fetch_hint
from ips_map.sources.registry import (
    SOURCES,
    Source,
    fetched_dir,
    fetched_path,
    fetched_source,
    source_path,
    stamped_sha256,
)
from ips_map.territory.stored import stored_departements

#: The five overseas départements (DROM), with the local metric CRS of each.
DROM_CRS: dict[str, int] = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}
#: Metric CRS for metropolitan France.
METRO_CRS = 2154


@cache
def transformer(source: int, target: int) -> Transformer:
    """The pyproj transformer from one EPSG code to another (x the longitude or easting),
    made once per pair for the whole process: making one takes about 6 ms, and the access
    stage, the hexagons, the insets and the images all need some."""
    return Transformer.from_crs(source, target, always_xy=True)


N_DEPARTEMENTS = 101
#: Mayotte has no annual census: every vintage repeats the 2017 census.
MAYOTTE = "976"
MAYOTTE_NOTE = "Mayotte : recensement de 2017 (pas de population annuelle)"
#: Mayotte's population municipale at the 2017 census (INSEE, sum of its 17 communes).
MAYOTTE_PMUN_2017 = 256_518

_POP_COLUMN = re.compile(r"^pmun_(\d{4})$")
#: Columns of the commune table returned by :func:`load_communes`.
COMMUNE_COLUMNS = (
    "code_commune",
    "nom",
    "code_departement",
    "codes_postaux",
    "population",
    "longitude",
    "latitude",
)
#: A census vintage fetched by ``ips-map fetch census``, in ``data/fetched/census/``.
FETCHED_CENSUS = re.compile(r"^departements_pmun_(\d{4})\.csv$")
_COMMUNE_POP_COLUMN = re.compile(r"^population_municipale(_\d{4})?$")


def _stamp(path: Path) -> tuple[int, int]:
    # Part of the read caches' keys: a file replaced by a new fetch is read again.
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=8)
def _read_populations(path_str: str, stamp: tuple[int, int] = (0, 0)) -> pd.DataFrame:
    table = pd.read_csv(path_str, dtype=str, keep_default_na=False)
    missing = {"code_departement", "nom_departement", "code_region", "nom_region"} - set(
        table.columns
    )
    if missing:
        raise DataFileError(f"{path_str}: colonnes manquantes {sorted(missing)}")
    return table


def population_table() -> pd.DataFrame:
    return _read_populations(str(source_path("populations")))


def _fetched_census_files() -> dict[int, Path]:
    folder = fetched_dir() / "census"
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.iterdir():
        match = FETCHED_CENSUS.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return found


def census_years() -> list[int]:
    """Return the census vintages available, embedded or fetched, oldest first."""
    years = set(_fetched_census_files())
    for column in population_table().columns:
        match = _POP_COLUMN.match(column)
        if match:
            years.add(int(match.group(1)))
    return sorted(years)


def population_source(year: int) -> Source:
    """Return the manifest entry (or provenance record) of the file giving a vintage."""
    fetched = _fetched_census_files().get(year)
    return fetched_source(fetched) if fetched else SOURCES["populations"]


def load_populations(year: int | None = None) -> pd.DataFrame:
    """Return the *population municipale* of each département for a vintage.

    Parameters
    ----------
    year
        Census vintage (millésime); the latest available when None.

    Returns
    -------
    DataFrame with ``code, nom, code_region, nom_region, population, annee_population,
    note_population`` (one row per département, 101 rows).
    """
    years = census_years()
    if year is None:
        year = years[-1]
    if year not in years:
        raise SettingsError(
            f"millésime de recensement {year} indisponible : les données couvrent "
            f"{', '.join(map(str, years))} : choisissez --census-year parmi ces années. "
            + census_fetch_hint(year)
        )
    fetched = _fetched_census_files().get(year)
    if fetched is not None:
        return _load_fetched_populations(fetched, year)
    table = population_table()
    out = pd.DataFrame(
        {
            "code": table["code_departement"],
            "nom": table["nom_departement"],
            "code_region": table["code_region"],
            "nom_region": table["nom_region"],
            "population": pd.to_numeric(table[f"pmun_{year}"], errors="raise").astype("int64"),
            "annee_population": year,
        }
    )
    out["note_population"] = [MAYOTTE_NOTE if c == MAYOTTE else "" for c in out["code"]]
    if len(out) != N_DEPARTEMENTS or out["code"].duplicated().any():
        raise DataFileError(
            f"{source_path('populations')}: {len(out)} lignes pour {N_DEPARTEMENTS} départements"
        )
    return out.reset_index(drop=True)


def _load_fetched_populations(path: Path, year: int) -> pd.DataFrame:
    # A fetched vintage carries its own notes (Mayotte's figure is flagged there).
    path = fetched_path(path)
    table = _read_populations(str(path), _stamp(path))
    column = f"pmun_{year}"
    if column not in table.columns or "note" not in table.columns:
        raise DataFileError(f"{path}: colonnes attendues {column} et note")
    out = pd.DataFrame(
        {
            "code": table["code_departement"],
            "nom": table["nom_departement"],
            "code_region": table["code_region"],
            "nom_region": table["nom_region"],
            "population": pd.to_numeric(table[column], errors="raise").astype("int64"),
            "annee_population": year,
            "note_population": table["note"],
        }
    )
    if len(out) != N_DEPARTEMENTS or set(out["code"]) != set(departement_codes()):
        raise DataFileError(f"{path}: {len(out)} lignes pour les {N_DEPARTEMENTS} départements")
    return out.reset_index(drop=True)


@lru_cache(maxsize=2)
def _read_departements(
    path_str: str, stamp: tuple[int, int] = (0, 0), sha256: str = ""
) -> gpd.GeoDataFrame:
    # sha256: the file's, checked by source_path; its stored geometries are read instead of
    # the GeoJSON when they are shipped (ips_map.territory.stored).
    frame = stored_departements(sha256) if sha256 else None
    if frame is None:
        frame = gpd.read_file(path_str)
    if frame.crs is None:
        frame = frame.set_crs(4326)
    return frame[["code", "nom", "geometry"]]


def load_departements() -> gpd.GeoDataFrame:
    """Return the 101 départements at their true position (EPSG:4326, full resolution).

    Columns: ``code, nom, code_region, nom_region, geometry``.
    """
    path = source_path("departements")
    # The embedded file (checked against the manifest by source_path) has a store; a
    # fetched one is read from its GeoJSON.
    embedded = path == data_dir() / SOURCES["departements"].path
    sha256 = SOURCES["departements"].sha256 if embedded else ""
    frame = _read_departements(str(path), _stamp(path), sha256).copy()
    codes = set(frame["code"])
    regions = population_table().set_index("code_departement")[["code_region", "nom_region"]]
    if len(frame) != N_DEPARTEMENTS or codes != set(regions.index):
        raise DataFileError(
            f"{path}: {len(frame)} départements ; attendu les {N_DEPARTEMENTS} codes du fichier "
            f"de population ({SOURCES['populations'].path})"
        )
    frame = frame.join(regions, on="code")
    frame = frame.sort_values("code", key=code_sort_key).reset_index(drop=True)
    return frame[["code", "nom", "code_region", "nom_region", "geometry"]]


def code_sort_key(codes: pd.Series) -> pd.Series:
    # "2A" and "2B" sort between "19" and "21"; overseas after metropolitan. Metropolitan
    # codes all have two characters, so "20A" < "21" and "95" < "971" as plain strings
    # (padding to "019" would send "20A" after "095").
    return codes.map(lambda c: c.replace("2A", "20A").replace("2B", "20B"))


@lru_cache(maxsize=2)
def _read_communes(path_str: str, stamp: tuple[int, int] = (0, 0)) -> pd.DataFrame:
    # Read once for each content of the file, then kept between builds (ips_map.memo).
    return remembered(
        "table_communes",
        [stamped_sha256(Path(path_str))],
        lambda: frame_arrays(_parse_communes(path_str)),
        read_frame,
    )


def _parse_communes(path_str: str) -> pd.DataFrame:
    # Only the columns used, parsed as their type by the reader (the same doubles as
    # pd.to_numeric on the text, in half the time).
    with open(path_str, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    # population_municipale_<vintage> (2023 in the embedded file; a fetched table names its own)
    population = [c for c in header if _COMMUNE_POP_COLUMN.match(c)]
    if len(population) != 1:
        raise DataFileError(f"{path_str}: une colonne population_municipale_<année> attendue")
    text = [c for c in COMMUNE_COLUMNS if c not in ("population", "longitude", "latitude")]
    missing = [c for c in (*text, "longitude", "latitude") if c not in header]
    if missing:
        raise DataFileError(f"{path_str}: colonnes manquantes {missing}")
    types = {**dict.fromkeys(text, str), "longitude": "float64", "latitude": "float64"}
    table = pd.read_csv(
        path_str,
        usecols=[*types, population[0]],
        dtype={**types, population[0]: "int64"},
        keep_default_na=False,
    )
    return table.rename(columns={population[0]: "population"})[list(COMMUNE_COLUMNS)]


def load_communes() -> pd.DataFrame:
    """Return today's communes: code, name, département, postcodes, population, centre.

    ``codes_postaux`` is a space-separated string; centres are in EPSG:4326.
    """
    path = source_path("communes")
    return _read_communes(str(path), _stamp(path))


@lru_cache(maxsize=2)
def _read_old_codes(path_str: str, stamp: tuple[int, int] = (0, 0)) -> pd.DataFrame:
    return remembered(
        "anciens_codes",
        [stamped_sha256(Path(path_str))],
        lambda: frame_arrays(pd.read_csv(path_str, dtype=str, keep_default_na=False)),
        read_frame,
    )


def load_old_codes() -> pd.DataFrame:
    """Return old and delegated commune codes mapped to today's commune.

    Columns: ``ancien_code, ancien_nom, code_commune, relation``.
    """
    path = source_path("anciens_codes")
    return _read_old_codes(str(path), _stamp(path))


def chef_lieux() -> dict[str, str]:
    """Return the INSEE code of each département's chef-lieu (prefecture), by département
    code (``"01"`` → ``"01053"``, Bourg-en-Bresse), from the population file."""
    table = population_table()
    if "chef_lieu_insee" not in table.columns:
        raise DataFileError(f"{source_path('populations')}: colonne chef_lieu_insee manquante")
    return dict(zip(table["code_departement"], table["chef_lieu_insee"]))


def departement_codes() -> list[str]:
    """Return the 101 département codes, in the order of the population file."""
    return list(population_table()["code_departement"])
