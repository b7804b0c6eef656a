"""Refresh the commune tables from geo.api.gouv.fr (API Découpage administratif).

One answer of ``GET /communes`` gives two tables, in the shape of the embedded ones: the
communes (codes, names, postcodes, population municipale, centre) and their old codes.
Communes of the collectivités d'outre-mer are left out; a commune without a centre keeps
the one of the current table; delegated and associated communes, which the API does not
give, are carried over from the current table.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ips_map.refresh._common import (
    KEPT,
    FetchResult,
    active_path,
    csv_bytes,
    fetch_to_temp,
    input_record,
    provenance,
    refusal,
    store,
    temporary_folder,
)
from ips_map.settings import geo_api_url
from ips_map.sources.http import Download, FetchError, HttpSettings
from ips_map.sources.registry import ETALAB_2_LICENCE, SOURCES, fetched_dir
from ips_map.territory.data import (
    N_DEPARTEMENTS,
    census_years,
    departement_codes,
    load_old_codes,
    load_populations,
)
from ips_map.territory.names import COLLECTIVITES_OUTRE_MER
from ips_map.vocabulary import plural, thousands

log = logging.getLogger("ips_map")

#: Fewest communes accepted from geo.api.gouv.fr (34,875 in COG 2026; merges lower it slowly).
MIN_COMMUNES = 34_000
COMMUNE_FIELDS = "nom,code,codeDepartement,codeRegion,codesPostaux,population,centre,anciensCodes"
COMMUNE_COLUMNS_BEFORE_POP = ["code_commune", "nom", "code_departement", "code_region"]
COMMUNE_COLUMNS_AFTER_POP = ["codes_postaux", "longitude", "latitude", "centre_source"]
OLD_CODE_COLUMNS = ["ancien_code", "ancien_nom", "code_commune", "relation"]
#: How the API computes a commune's centre (turf pointOnFeature), as the table records it.
API_CENTRE = "geo_api_gouv_fr:point_on_feature"
_TABLE = "table des communes"


def fetch_communes(
    *,
    base_url: str | None = None,
    settings: HttpSettings | None = None,
    min_communes: int = MIN_COMMUNES,
) -> FetchResult:
    """Download the commune table from geo.api.gouv.fr, check it and store it.

    Stores ``data/fetched/census/communes.csv`` (the columns of the embedded
    ``census/communes.csv``) and ``data/fetched/census/communes_anciens_codes.csv``, each
    with its provenance record; they replace the embedded tables when loading.

    Parameters
    ----------
    base_url
        The API's address (``IPS_MAP_GEO_API_URL``; default https://geo.api.gouv.fr).
    min_communes
        Fewest communes accepted.

    Raises
    ------
    FetchError
        When the API fails or its answer is refused; nothing is stored.
    """
    url = f"{(base_url or geo_api_url()).rstrip('/')}/communes"
    fetched, items = _download_communes(url, settings)
    tables = _commune_tables(items, url, min_communes)
    year = _population_vintage(tables.communes)
    pop_column = f"population_municipale_{year}" if year else "population_municipale"
    communes = tables.communes.rename(columns={"population": pop_column})
    checks = {
        "communes": int(len(communes)),
        "departements": int(communes["code_departement"].nunique()),
        "population": int(communes[pop_column].sum()),
        "millesime_population": year or "non identifié",
        **tables.notes,
    }
    # Both entries are made before either is stored: each cites the current table it reads.
    result = store(
        [
            _communes_entry(communes, pop_column, checks, fetched),
            _old_codes_entry(tables, fetched),
        ]
    )
    result.summary = (
        f"geo.api.gouv.fr : {thousands(len(communes))} communes dans "
        f"{checks['departements']} départements, population municipale "
        f"{thousands(checks['population'])} (millésime {checks['millesime_population']}) ; "
        f"{thousands(len(tables.old_codes))} anciens codes."
    )
    return result


def _download_communes(url: str, settings: HttpSettings | None) -> tuple[Download, list[dict]]:
    """Every current commune, as the API gives them (a list of JSON objects)."""
    params = {"fields": COMMUNE_FIELDS, "format": "json", "geometry": "centre"}
    with temporary_folder() as tmp:
        fetched, path = fetch_to_temp(
            url, Path(tmp), "communes.json", settings=settings, params=params
        )
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FetchError(f"{url} : réponse qui n'est pas du JSON ({exc}). {KEPT}") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FetchError(
            f"{url} : réponse inattendue (une liste de communes était attendue). {KEPT}"
        )
    return fetched, items


# --- the API's answer, checked ----------------------------------------------------------------


@dataclass
class _Answer:
    """The API's communes as read, one by one: rows, old codes and every problem found."""

    expected: set[str]
    rows: list[dict] = field(default_factory=list)
    old_rows: list[tuple] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    has_old_codes: bool = False
    outside: int = 0
    missing_centre: list[str] = field(default_factory=list)

    def add(self, position: int, item: dict) -> None:
        """Read one commune of the answer (its ``position`` from 1)."""
        code, dep = item.get("code"), item.get("codeDepartement")
        if not isinstance(code, str) or not isinstance(dep, str):
            self.problems.append(f"commune n° {position} sans code ou sans codeDepartement")
            return
        if dep not in self.expected:
            if dep in COLLECTIVITES_OUTRE_MER or code[:3] in COLLECTIVITES_OUTRE_MER:
                self.outside += 1
            else:
                self.problems.append(f"commune {code} : département « {dep} » inconnu")
            return
        problem = _item_problem(item, code, dep)
        if problem:
            self.problems.append(problem)
            return
        lon, lat = _centre(item.get("centre"))
        if lon is None:
            self.missing_centre.append(code)
        if "anciensCodes" in item:
            self.has_old_codes = True
            for old in item.get("anciensCodes") or []:
                if isinstance(old, str) and len(old) == 5:
                    self.old_rows.append((old, "", code, "ancien_code", "api"))
                else:
                    self.problems.append(f"commune {code} : ancien code « {old} » invalide")
        self.rows.append(
            {
                "code_commune": code,
                "nom": item["nom"].strip(),
                "code_departement": dep,
                "code_region": str(item.get("codeRegion") or ""),
                "population": item["population"],
                "codes_postaux": " ".join(sorted(str(p) for p in item.get("codesPostaux") or [])),
                "longitude": lon,
                "latitude": lat,
                "centre_source": API_CENTRE,
            }
        )


def _item_problem(item: dict, code: str, dep: str) -> str | None:
    """What makes a commune of a known département unusable: its code, population or name."""
    if len(code) != 5 or not code.startswith(dep[:2]):
        return f"code commune « {code} » invalide (5 caractères, département {dep})"
    population = item.get("population")
    if not isinstance(population, int) or isinstance(population, bool) or population < 0:
        return f"commune {code} : population « {population} » invalide"
    nom = item.get("nom")
    if not isinstance(nom, str) or not nom.strip():
        return f"commune {code} : nom vide"
    return None


def _centre(value) -> tuple[float | None, float | None]:
    if not isinstance(value, dict):
        return None, None
    coordinates = value.get("coordinates")
    if (
        value.get("type") != "Point"
        or not isinstance(coordinates, list)
        or len(coordinates) < 2
        or not all(isinstance(c, (int, float)) for c in coordinates[:2])
    ):
        return None, None
    lon, lat = float(coordinates[0]), float(coordinates[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None, None
    return lon, lat


@dataclass
class _Tables:
    """The two checked tables, and what the provenance records say of them."""

    communes: pd.DataFrame
    old_codes: pd.DataFrame
    has_old_codes: bool
    notes: dict


def _commune_tables(items: list[dict], url: str, min_communes: int) -> _Tables:
    """Check the API's communes; return the commune and old-code tables."""
    answer = _Answer(expected=set(departement_codes()))
    for position, item in enumerate(items, start=1):
        answer.add(position, item)
    table = pd.DataFrame(answer.rows)
    if table.empty:
        raise refusal(f"{url} : {_TABLE}", answer.problems or ["aucune commune"])
    problems = answer.problems + _table_problems(table, answer.expected, min_communes)
    notes: dict = {"communes_hors_departements_ecartees": answer.outside}
    if answer.missing_centre:
        recovered, lost = _recover_centres(table, answer.missing_centre)
        if lost:
            problems.append(f"communes sans centre (ni dans l'API ni avant) : {', '.join(lost)}")
        if recovered:
            notes["centres_repris"] = recovered
    if problems:
        raise refusal(f"{url} : {_TABLE}", problems)
    table = table.sort_values("code_commune").reset_index(drop=True)
    old = _old_code_table(answer.old_rows, set(table["code_commune"]), answer.has_old_codes)
    return _Tables(table, old, answer.has_old_codes, notes)


def _table_problems(table: pd.DataFrame, expected: set[str], min_communes: int) -> list[str]:
    """Communes doubled, départements without any, too few communes."""
    problems = []
    duplicated = table.loc[table["code_commune"].duplicated(), "code_commune"]
    if len(duplicated):
        problems.append(f"communes en double : {', '.join(sorted(set(duplicated))[:10])}")
    absent = sorted(expected - set(table["code_departement"]), key=str)
    if absent:
        problems.append(f"départements sans aucune commune : {', '.join(absent)}")
    if len(table) < min_communes:
        problems.append(f"{len(table)} communes seulement (au moins {min_communes} attendues)")
    return problems


def _recover_centres(table: pd.DataFrame, missing: list[str]) -> tuple[list[str], list[str]]:
    """Give the communes without a centre the one of the current table, in place; return
    the codes recovered and those that the current table lacks too."""
    previous = _previous_centres()
    recovered = [c for c in missing if c in previous.index]
    lost = [c for c in missing if c not in previous.index]
    if recovered:
        mask = table["code_commune"].isin(recovered)
        for column in ("longitude", "latitude", "centre_source"):
            table.loc[mask, column] = table.loc[mask, "code_commune"].map(previous[column])
        log.warning(
            "%s sans centre dans l'API : centre de la table précédente (%s).",
            plural(len(recovered), "commune"),
            ", ".join(recovered[:10]),
        )
    return recovered, lost


def _previous_centres() -> pd.DataFrame:
    table = pd.read_csv(active_path("communes"), dtype=str, keep_default_na=False)
    table = table.set_index("code_commune")
    table["longitude"] = pd.to_numeric(table["longitude"])
    table["latitude"] = pd.to_numeric(table["latitude"])
    return table[["longitude", "latitude", "centre_source"]]


def _old_code_table(old_rows: list[tuple], current: set[str], has_old_codes: bool) -> pd.DataFrame:
    """The API's old codes, with the rows of the current table that the API does not give
    (delegated and associated communes; every row when the API gives no ``anciensCodes``)
    whose commune still exists."""
    previous = load_old_codes()
    carried = previous[
        previous["relation"].isin(["commune-deleguee", "commune-associee"])
        | (previous["relation"].eq("ancien_code") & (not has_old_codes))
    ]
    carried = carried[carried["code_commune"].isin(current)]
    old = pd.DataFrame(old_rows, columns=[*OLD_CODE_COLUMNS, "source"])
    kept = carried[OLD_CODE_COLUMNS].assign(source="precedente")
    old = pd.concat([old, kept], ignore_index=True)
    old = old.drop_duplicates(subset=["ancien_code", "code_commune", "relation"])
    return old.sort_values(["ancien_code", "code_commune", "relation"]).reset_index(drop=True)


def _population_vintage(communes: pd.DataFrame) -> int | None:
    """Return the census vintage whose département totals the communes' populations match."""
    sums = communes.groupby("code_departement")["population"].sum()
    best, best_matches = None, 0
    for year in census_years():
        reference = load_populations(year).set_index("code")["population"]
        matches = int((sums.reindex(reference.index) == reference).sum())
        if matches > best_matches:
            best, best_matches = year, matches
    if best_matches >= N_DEPARTEMENTS - 5:
        return best
    log.warning(
        "Populations des communes : millésime non identifié (aucun millésime Insee disponible "
        "ne correspond aux sommes par département) ; colonne population_municipale."
    )
    return None


# --- what is stored ---------------------------------------------------------------------------


def _geo_api_provenance(fetched: Download) -> dict:
    """What the records of the two tables written from one API answer have in common."""
    return {
        "licence": ETALAB_2_LICENCE,
        "attribution": "Etalab, API Découpage administratif (geo.api.gouv.fr)",
        "vintage": f"geo.api.gouv.fr du {fetched.date[:10]}",
        "url": fetched.url,
        "fetched": fetched,
    }


def _communes_entry(
    communes: pd.DataFrame, pop_column: str, checks: dict, fetched: Download
) -> tuple[Path, bytes, dict]:
    columns = COMMUNE_COLUMNS_BEFORE_POP + [pop_column] + COMMUNE_COLUMNS_AFTER_POP
    data = csv_bytes(communes, columns)
    target = fetched_dir() / SOURCES["communes"].path
    recovered = bool(checks.get("centres_repris"))
    record = provenance(
        key="communes",
        path=target,
        data=data,
        title=SOURCES["communes"].title,
        producer="API Découpage administratif (geo.api.gouv.fr), Etalab / DINUM",
        **_geo_api_provenance(fetched),
        recipe=(
            "GET /communes (toutes les communes actuelles) ; communes des collectivités "
            "d'outre-mer écartées ; codesPostaux joints par des espaces ; centre = point "
            "intérieur calculé par l'API (turf pointOnFeature, 4 décimales) ; population "
            f"municipale de l'API, millésime {checks['millesime_population']} (sommes par "
            "département comparées aux millésimes Insee disponibles)."
            + (
                " Communes sans centre dans l'API : centre repris de la table précédente "
                "(colonne centre_source)."
                if recovered
                else ""
            )
        ),
        checks=checks,
        inputs=[input_record("communes")] if recovered else (),
    )
    return target, data, record


def _old_codes_entry(tables: _Tables, fetched: Download) -> tuple[Path, bytes, dict]:
    old_codes = tables.old_codes
    data = csv_bytes(old_codes, OLD_CODE_COLUMNS)
    target = fetched_dir() / SOURCES["anciens_codes"].path
    kept = int((old_codes["source"] == "precedente").sum()) if len(old_codes) else 0
    record = provenance(
        key="anciens_codes",
        path=target,
        data=data,
        title=SOURCES["anciens_codes"].title,
        producer="API Découpage administratif (geo.api.gouv.fr) et table précédente",
        **_geo_api_provenance(fetched),
        recipe=(
            (
                "Relation ancien_code : champ anciensCodes de chaque commune de l'API. "
                if tables.has_old_codes
                else "L'API ne donne pas anciensCodes : lignes ancien_code reprises de la "
                "table précédente. "
            )
            + "Communes déléguées et associées (que /communes ne donne pas) reprises de la "
            "table précédente ; seules les lignes dont la commune actuelle existe encore sont "
            "gardées."
        ),
        checks={"lignes": int(len(old_codes)), "reprises_de_la_table_precedente": kept},
        inputs=[input_record("anciens_codes")],
    )
    return target, data, record
