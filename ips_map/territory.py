"""Départements, régions, communes and census populations from the embedded data.

Codes are strings everywhere ("01", "2A", "971"); nothing here casts a code to int.
Files fetched by ``ips-map fetch`` (``data/fetched/``, see :mod:`ips_map.sources`) are
used in place of the embedded ones, and fetched census vintages join the embedded ones.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .errors import DataFileError, SettingsError
from .sources import (
    SOURCES,
    Source,
    census_fetch_hint,
    fetched_dir,
    fetched_path,
    fetched_source,
    source_path,
)

#: The five overseas départements (DROM), with the local metric CRS of each.
DROM_CRS: dict[str, int] = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}
#: Metric CRS for metropolitan France.
METRO_CRS = 2154
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


def _population_table() -> pd.DataFrame:
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
    for column in _population_table().columns:
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
    table = _population_table()
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
def _read_departements(path_str: str, stamp: tuple[int, int] = (0, 0)) -> gpd.GeoDataFrame:
    frame = gpd.read_file(path_str)
    if frame.crs is None:
        frame = frame.set_crs(4326)
    return frame[["code", "nom", "geometry"]]


def load_departements() -> gpd.GeoDataFrame:
    """Return the 101 départements at their true position (EPSG:4326, full resolution).

    Columns: ``code, nom, code_region, nom_region, geometry``.
    """
    path = source_path("departements")
    frame = _read_departements(str(path), _stamp(path)).copy()
    codes = set(frame["code"])
    regions = _population_table().set_index("code_departement")[["code_region", "nom_region"]]
    if len(frame) != N_DEPARTEMENTS or codes != set(regions.index):
        raise DataFileError(
            f"{path}: {len(frame)} départements ; attendu les {N_DEPARTEMENTS} codes du fichier "
            f"de population ({SOURCES['populations'].path})"
        )
    frame = frame.join(regions, on="code")
    frame = frame.sort_values("code", key=_code_sort_key).reset_index(drop=True)
    return frame[["code", "nom", "code_region", "nom_region", "geometry"]]


def _code_sort_key(codes: pd.Series) -> pd.Series:
    # "2A" and "2B" sort between "19" and "21"; overseas after metropolitan. Metropolitan
    # codes all have two characters, so "20A" < "21" and "95" < "971" as plain strings
    # (padding to "019" would send "20A" after "095").
    return codes.map(lambda c: c.replace("2A", "20A").replace("2B", "20B"))


@lru_cache(maxsize=2)
def _read_communes(path_str: str, stamp: tuple[int, int] = (0, 0)) -> pd.DataFrame:
    table = pd.read_csv(path_str, dtype=str, keep_default_na=False)
    table["longitude"] = pd.to_numeric(table["longitude"])
    table["latitude"] = pd.to_numeric(table["latitude"])
    # population_municipale_<vintage> (2023 in the embedded file; a fetched table names its own)
    population = [c for c in table.columns if _COMMUNE_POP_COLUMN.match(c)]
    if len(population) != 1:
        raise DataFileError(f"{path_str}: une colonne population_municipale_<année> attendue")
    table["population"] = pd.to_numeric(table[population[0]]).astype("int64")
    return table[list(COMMUNE_COLUMNS)]


def load_communes() -> pd.DataFrame:
    """Return today's communes: code, name, département, postcodes, population, centre.

    ``codes_postaux`` is a space-separated string; centres are in EPSG:4326.
    """
    path = source_path("communes")
    return _read_communes(str(path), _stamp(path))


@lru_cache(maxsize=2)
def _read_old_codes(path_str: str, stamp: tuple[int, int] = (0, 0)) -> pd.DataFrame:
    return pd.read_csv(path_str, dtype=str, keep_default_na=False)


def load_old_codes() -> pd.DataFrame:
    """Return old and delegated commune codes mapped to today's commune.

    Columns: ``ancien_code, ancien_nom, code_commune, relation``.
    """
    path = source_path("anciens_codes")
    return _read_old_codes(str(path), _stamp(path))


def chef_lieux() -> dict[str, str]:
    """Return the INSEE code of each département's chef-lieu (prefecture), by département
    code (``"01"`` → ``"01053"``, Bourg-en-Bresse), from the population file."""
    table = _population_table()
    if "chef_lieu_insee" not in table.columns:
        raise DataFileError(f"{source_path('populations')}: colonne chef_lieu_insee manquante")
    return dict(zip(table["code_departement"], table["chef_lieu_insee"]))


# --- normalising what people write -------------------------------------------------------

#: Collectivités d'outre-mer: French territories with INSEE codes that are not départements.
COLLECTIVITES_OUTRE_MER = {
    "975": "Saint-Pierre-et-Miquelon",
    "977": "Saint-Barthélemy",
    "978": "Saint-Martin",
    "984": "Terres australes et antarctiques françaises",
    "986": "Wallis-et-Futuna",
    "987": "Polynésie française",
    "988": "Nouvelle-Calédonie",
    "989": "Île de Clipperton",
}


def text_key(value: str) -> str:
    """Return a comparison key: lower case, no accents, punctuation folded to spaces."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Lower case first: NFKD leaves the ligatures whole, and "Æ" must fold like "æ".
    bare = bare.lower().replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", bare).split())


@lru_cache(maxsize=1)
def _departement_keys() -> dict[str, str]:
    table = _population_table()
    keys: dict[str, str] = {}
    for code, nom in zip(table["code_departement"], table["nom_departement"]):
        keys[text_key(nom)] = code
    # Names that people write without their article or with a variant spelling.
    keys.setdefault("reunion", "974")
    return keys


def departement_codes() -> list[str]:
    """Return the 101 département codes, in the order of the population file."""
    return list(_population_table()["code_departement"])


def normalize_departement(value: str) -> tuple[str | None, str]:
    """Return ``(code, note)`` for a département written as a code or a name.

    ``code`` is None when the value cannot be read as one of the 101 départements; ``note``
    then says why. When the value was corrected (``"1"`` → ``"01"``), ``note`` says so;
    otherwise it is empty.
    """
    raw = value.strip()
    if not raw:
        return None, "valeur vide"
    codes = set(departement_codes())
    upper = raw.upper().replace(" ", "")
    if upper in codes:
        return upper, ""
    if re.fullmatch(r"[1-9]", upper):
        return "0" + upper, f"code « {raw} » lu comme « 0{upper} »"
    if upper in ("69D", "69M"):
        return "69", f"« {raw} » (Rhône / Métropole de Lyon) compté comme le département 69"
    if upper == "20":
        return None, (
            "« 20 » est l'ancien code de la Corse : indiquez « 2A » (Corse-du-Sud) ou "
            "« 2B » (Haute-Corse), ou la commune"
        )
    territory = collectivite_outre_mer(raw)
    if territory:
        return None, (
            f"{territory} est une collectivité d'outre-mer, "
            "pas un département : la carte couvre les 101 départements"
        )
    key = text_key(raw)
    by_name = _departement_keys()
    if key in by_name:
        return by_name[key], ""
    for prefix in ("la ", "le ", "les ", "l "):
        if key.startswith(prefix) and key[len(prefix) :] in by_name:
            return by_name[key[len(prefix) :]], ""
    combined = _code_and_name(raw)
    if combined is not None:
        (code, _), (named, _) = (normalize_departement(part) for part in combined)
        if code is not None and code == named:
            return code, f"« {raw} » lu comme « {code} »"
        if code is not None and named is not None:
            return None, (
                f"« {raw} » : le code {code} et le nom désignent deux départements différents "
                f"({named} pour le nom) : gardez le bon"
            )
    return None, (
        "département inconnu : indiquez un code (« 01 », « 2A », « 974 ») ou un nom "
        "(« Creuse », « Côte-d'Or »)"
    )


_CODE = r"(?:\d{1,3}|2[ABab]|69[DMdm])"
_CODE_FIRST = re.compile(rf"^({_CODE})\s*(?:[-–—:/.]\s*|\s+)(\D.*)$")
_CODE_LAST = re.compile(rf"^(\D.*?)\s*(?:\(\s*({_CODE})\s*\)|[-–—:/]\s*({_CODE}))$")


def _code_and_name(raw: str) -> tuple[str, str] | None:
    """Split "13 - Bouches-du-Rhône", "Bouches-du-Rhône (13)" into (code, name)."""
    match = _CODE_FIRST.match(raw.strip())
    if match:
        return match.group(1), match.group(2)
    match = _CODE_LAST.match(raw.strip())
    if match:
        return match.group(2) or match.group(3), match.group(1)
    return None


#: Names of the collectivités d'outre-mer as people write them (``text_key``).
_COLLECTIVITE_KEYS = {
    **{text_key(name): code for code, name in COLLECTIVITES_OUTRE_MER.items()},
    "saint pierre et miquelon": "975",
    "st pierre et miquelon": "975",
    "saint barthelemy": "977",
    "st barthelemy": "977",
    "saint martin": "978",
    "st martin": "978",
    "taaf": "984",
    "wallis et futuna": "986",
    "wallis": "986",
    "polynesie": "987",
    "polynesie francaise": "987",
    "tahiti": "987",
    "nouvelle caledonie": "988",
    "clipperton": "989",
}


def collectivite_outre_mer(value: str, column: str = "departement") -> str:
    """Return "975 (Saint-Pierre-et-Miquelon)" when ``value`` names a collectivité
    d'outre-mer, else "".

    ``column`` says what ``value`` is: a département (code or name), a commune's INSEE code
    (``code_commune``: "98735") or a postcode (``code_postal``: "98714").
    """
    raw = value.strip()
    if not raw:
        return ""
    if column in ("code_commune", "code_postal"):
        code = raw[:3]
        if re.fullmatch(r"\d{5}", raw) and code in COLLECTIVITES_OUTRE_MER:
            return f"{code} ({COLLECTIVITES_OUTRE_MER[code]})"
        return ""
    upper = raw.upper().replace(" ", "")
    code = upper if upper in COLLECTIVITES_OUTRE_MER else _COLLECTIVITE_KEYS.get(text_key(raw))
    return f"{code} ({COLLECTIVITES_OUTRE_MER[code]})" if code else ""
