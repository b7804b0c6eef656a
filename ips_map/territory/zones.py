"""Zones d'emploi (INSEE, zonage 2020, COG 2026): the zone of each commune, loaded from
``data/zones-emploi/``.

Every commune of ``census/communes.csv`` has a zone; the arrondissements of Paris, Lyon and
Marseille (``75101``, ``69381``, ``13201``…) have their commune's zone, since listings write
them. Codes are strings: a zone's code has four characters (``"0051"``, ``"8405"``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from ips_map.errors import DataFileError
from ips_map.memo import frame_arrays, read_frame, remembered
from ips_map.sources.registry import source_path, stamped_sha256

#: Columns of :func:`load_zones`.
ZONE_COLUMNS = ("code_ze", "libelle_ze", "territoire")
#: Columns of :func:`load_commune_zones`.
COMMUNE_ZONE_COLUMNS = ("code_commune", "code_ze", "libelle_ze")


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataFileError(f"{path}: colonnes manquantes {missing}")
    return table


@lru_cache(maxsize=2)
def _zones(path_str: str, stamp: tuple[int, int]) -> pd.DataFrame:
    table = _read(Path(path_str), ZONE_COLUMNS)
    if table["code_ze"].duplicated().any():
        duplicated = sorted(set(table.loc[table["code_ze"].duplicated(), "code_ze"]))
        raise DataFileError(f"{path_str}: zones d'emploi en double {duplicated[:5]}")
    return table[list(ZONE_COLUMNS)].reset_index(drop=True)


def load_zones() -> pd.DataFrame:
    """Return the zones d'emploi: ``code_ze, libelle_ze, territoire`` (``metro`` or
    ``drom``), one row per zone (306), in the file's order (a table shared by every caller:
    copy it before changing it)."""
    path = source_path("zones_emploi")
    return _zones(str(path), _stamp(path))


@lru_cache(maxsize=2)
def _commune_zones(
    communes: str, communes_stamp: tuple, arrondissements: str, arr_stamp: tuple, zones: str
) -> pd.DataFrame:
    # Read and checked once for each content of the three files, then kept between builds.
    return remembered(
        "zones_communes",
        [stamped_sha256(Path(path)) for path in (communes, arrondissements, zones)],
        lambda: frame_arrays(_read_commune_zones(communes, arrondissements, zones)),
        read_frame,
    )


def _read_commune_zones(communes: str, arrondissements: str, zones: str) -> pd.DataFrame:
    table = _read(Path(communes), COMMUNE_ZONE_COLUMNS)[list(COMMUNE_ZONE_COLUMNS)]
    arr = _read(Path(arrondissements), ("code_arrondissement", "code_ze", "libelle_ze"))
    # The arrondissement's own code, with its commune's zone (its commune's code dropped).
    arr = arr[["code_arrondissement", "code_ze", "libelle_ze"]]
    arr = arr.rename(columns={"code_arrondissement": "code_commune"})
    both = pd.concat([table, arr], ignore_index=True)
    if both["code_commune"].duplicated().any():
        codes = sorted(set(both.loc[both["code_commune"].duplicated(), "code_commune"]))
        raise DataFileError(f"{communes}: communes en double {codes[:5]}")
    known = set(pd.read_csv(zones, dtype=str, keep_default_na=False)["code_ze"])
    unknown = sorted(set(both["code_ze"]) - known)
    if unknown:
        raise DataFileError(
            f"{communes}: zones d'emploi absentes de {Path(zones).name} : {unknown[:5]}"
        )
    return both


def load_commune_zones() -> pd.DataFrame:
    """Return the zone d'emploi of each commune: ``code_commune, code_ze, libelle_ze``.

    One row per commune of COG 2026 (34,875), then one per arrondissement of Paris, Lyon and
    Marseille (45), with its commune's zone (a table shared by every caller: copy it before
    changing it).

    Raises
    ------
    DataFileError
        When a file differs from the manifest, misses a column, repeats a commune, or names a
        zone that the list of zones does not have.
    """
    communes = source_path("zones_emploi_communes")
    arrondissements = source_path("zones_emploi_arrondissements")
    zones = source_path("zones_emploi")
    return _commune_zones(
        str(communes), _stamp(communes), str(arrondissements), _stamp(arrondissements), str(zones)
    )


def zone_codes(communes: pd.Series) -> pd.Series:
    """Return the zone d'emploi code of each commune code (``""`` for an unknown code).

    Parameters
    ----------
    communes
        Commune (or arrondissement) codes, as strings.
    """
    table = load_commune_zones()
    lookup = pd.Series(table["code_ze"].to_numpy(), index=table["code_commune"].to_numpy())
    found = lookup.reindex(communes.astype(str).to_numpy())
    return pd.Series(found.fillna("").to_numpy(dtype=object), index=communes.index, dtype=object)
