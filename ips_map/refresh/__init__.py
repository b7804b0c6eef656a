"""Refresh the data: INSEE populations, the commune table, département boundaries.

Each ``fetch_*`` function downloads with :func:`ips_map.sources.http.download` (timeout, bounded
retries with backoff, ``Retry-After``, a temporary file, never an error page), reads the
file in the shape its producer publishes it, checks it, and only then stores it in
``data/fetched/`` with a provenance record beside it (see :mod:`ips_map.sources`). A fetch
that fails or is refused leaves the current data as they were, and they stay usable.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from ips_map._version import __version__
from ips_map.errors import DataFileError
from ips_map.outputs import write_atomic, write_json
from ips_map.settings import data_dir, geo_api_url
from ips_map.sources.calendar import FIRST_CENSUS_YEAR, census_published, insee_census_url
from ips_map.sources.http import Download, FetchError, HttpSettings, download
from ips_map.sources.registry import (
    SOURCES,
    active_source,
    fetched_dir,
    file_sha256,
    provenance_path,
)
from ips_map.territory.data import (
    MAYOTTE,
    MAYOTTE_NOTE,
    MAYOTTE_PMUN_2017,
    N_DEPARTEMENTS,
    census_years,
    code_sort_key,
    departement_codes,
    load_departements,
    load_old_codes,
    load_populations,
)
from ips_map.territory.names import COLLECTIVITES_OUTRE_MER

log = logging.getLogger("ips_map")

#: Columns of INSEE's ``donnees_departements.csv`` that are read (others are ignored).
INSEE_DEPARTEMENT_COLUMNS = ("REG", "Région", "DEP", "Département", "PMUN")
#: Largest change of the national total accepted per year between two vintages.
TOTAL_TOLERANCE = 0.03
#: Largest change of one département's population accepted per year between two vintages.
DEPARTEMENT_TOLERANCE = 0.10
#: Fewest communes accepted from geo.api.gouv.fr (34,875 in COG 2026; merges lower it slowly).
MIN_COMMUNES = 34_000
COMMUNE_FIELDS = "nom,code,codeDepartement,codeRegion,codesPostaux,population,centre,anciensCodes"
COMMUNE_COLUMNS_BEFORE_POP = ["code_commune", "nom", "code_departement", "code_region"]
COMMUNE_COLUMNS_AFTER_POP = ["codes_postaux", "longitude", "latitude", "centre_source"]
OLD_CODE_COLUMNS = ["ancien_code", "ancien_nom", "code_commune", "relation"]
#: Property names that may hold a département's code or name in a boundary file.
CODE_PROPERTIES = ("code", "code_insee", "insee_dep", "code_dept", "code_dep", "dep", "insee")
NAME_PROPERTIES = ("nom", "nom_dep", "nom_dept", "libelle", "name", "nom_departement")
_INSEE_LICENCE = "Insee, réutilisation libre avec mention de la source"
_ETALAB_LICENCE = "Licence Ouverte / Etalab 2.0"
_PROGRESS_STEP = 2_000_000


class NotPublished(FetchError):
    """INSEE has not published (or does not serve) the census vintage asked for."""


@dataclass
class FetchResult:
    """What a fetch stored: the files (each with its provenance record) and a summary."""

    files: list[Path] = field(default_factory=list)
    records: list[Path] = field(default_factory=list)
    summary: str = ""


# --- shared steps -----------------------------------------------------------------------------


def _progress(label: str) -> Callable[[int, int | None], None]:
    """Return a download callback that logs progress every ~2 MB."""
    next_report = _PROGRESS_STEP

    def report(size: int, total: int | None) -> None:
        nonlocal next_report
        if size < next_report:
            return
        next_report = size + _PROGRESS_STEP
        if total:
            share = 100 * size // total
            log.info("… %s : %.1f / %.1f Mo (%d %%)", label, size / 1e6, total / 1e6, share)
        else:
            log.info("… %s : %.1f Mo reçus", label, size / 1e6)

    return report


def _fetch_to_temp(
    url: str,
    folder: Path,
    name: str,
    *,
    settings: HttpSettings | None,
    params: dict | None = None,
) -> tuple[Download, Path]:
    """Download ``url`` into ``folder/name`` (a private temporary folder)."""
    log.info("Téléchargement de %s", url)
    try:
        record = download(
            url, folder / name, params=params, settings=settings, progress=_progress(name)
        )
    except FetchError as exc:
        raise FetchError(
            f"{exc} Les données actuelles sont conservées.", status=exc.status
        ) from None
    log.info("Reçu %s (%.1f Mo, sha256 %s…)", name, record.size / 1e6, record.sha256[:12])
    return record, folder / name


def _temporary_folder() -> tempfile.TemporaryDirectory:
    # Inside data/fetched/, so that nothing is written outside the data folder and a crash
    # leaves at most a hidden ".fetch-*" folder, never a half-written data file.
    root = fetched_dir()
    root.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=".fetch-", dir=root)


def _record(
    *,
    key: str,
    path: Path,
    data: bytes,
    title: str,
    producer: str,
    licence: str,
    attribution: str,
    vintage: str,
    url: str,
    fetched: Download | None,
    recipe: str,
    checks: dict,
    inputs: Iterable[dict] = (),
) -> dict:
    record = {
        "key": key,
        "path": path.relative_to(data_dir()).as_posix(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "title": title,
        "producer": producer,
        "licence": licence,
        "attribution": attribution,
        "vintage": vintage,
        "url": url,
        "recipe": recipe,
        "checks": checks,
        "ips_map_version": __version__,
    }
    if fetched is not None:
        record["fetched"] = fetched.date
        record["download"] = {"url": fetched.url, "sha256": fetched.sha256, "size": fetched.size}
    inputs = list(inputs)
    if inputs:
        record["inputs"] = inputs
    return record


def _store(entries: list[tuple[Path, bytes, dict]]) -> FetchResult:
    """Write each checked file, then its provenance record, each atomically."""
    result = FetchResult()
    for path, data, record in entries:
        write_atomic(path, data)
        write_json(provenance_path(path), record)
        result.files.append(path)
        result.records.append(provenance_path(path))
    return result


def _refuse(what: str, problems: list[str]) -> FetchError:
    shown = problems[:15]
    more = f" … et {len(problems) - len(shown)} autre(s)" if len(problems) > len(shown) else ""
    return FetchError(
        f"{what} refusé : " + " ; ".join(shown) + more + ". Les données actuelles sont conservées."
    )


def _csv_bytes(columns: list[str], rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _input_record(key: str, path: Path) -> dict:
    source = active_source(key)
    return {"path": source.path, "sha256": file_sha256(path), "title": source.title}


# --- census -----------------------------------------------------------------------------------


def census_kind(year: int) -> str:
    """Return INSEE's name for a vintage's figures."""
    return "populations de référence" if year >= 2023 else "populations légales"


def fetch_census(
    year: int,
    *,
    url: str | None = None,
    base_url: str | None = None,
    settings: HttpSettings | None = None,
    today: date | None = None,
) -> FetchResult:
    """Download INSEE's population archive for a vintage, check it and store it.

    Parameters
    ----------
    year
        Census vintage (millésime) N, published by INSEE at the end of December N+2.
    url
        Address of the archive; by default the one of the sources manifest
        (:data:`ips_map.sources.INSEE_CENSUS_PAGES`).
    base_url
        INSEE's download folder (``IPS_MAP_INSEE_URL``), for a mirror or a test server.
    today
        The date used to tell whether the vintage can be published yet.

    Returns
    -------
    FetchResult
        ``data/fetched/census/departements_pmun_<N>.csv`` and its provenance record.

    Raises
    ------
    NotPublished
        When the vintage is not published yet (or INSEE answers 404).
    FetchError
        When the download fails or its content is refused; nothing is stored.
    """
    today = today or date.today()
    publication = f"fin décembre {year + 2}"
    if year < FIRST_CENSUS_YEAR:
        raise FetchError(
            f"millésime {year} impossible : les populations légales annuelles de l'Insee "
            f"commencent en {FIRST_CENSUS_YEAR}."
        )
    url = url or insee_census_url(year, base_url)
    if url is None or year > today.year:
        if not census_published(year, today):
            raise NotPublished(
                f"le millésime {year} n'est pas encore publié : l'Insee publie les "
                f"{census_kind(year)} {year} {publication} (en vigueur au 1er janvier "
                f"{year + 3}). Une fois publiées, relancez avec --url <adresse de l'archive "
                "« ensemble.zip » de leur page insee.fr>. Les données actuelles restent utilisées."
            )
        raise NotPublished(
            f"adresse du millésime {year} inconnue du manifeste (INSEE_CENSUS_PAGES dans "
            f"ips_map/sources/calendar.py) : l'Insee l'a normalement publié {publication}. "
            "Indiquez --url "
            "https://www.insee.fr/fr/statistiques/fichier/<numéro de la page>/ensemble.zip "
            "et ajoutez la page au manifeste."
        )

    target = fetched_dir() / "census" / f"departements_pmun_{year}.csv"
    with _temporary_folder() as tmp:
        try:
            fetched, archive = _fetch_to_temp(url, Path(tmp), "ensemble.zip", settings=settings)
        except FetchError as exc:
            if exc.status != 404:
                raise
            when = (
                f"nous sommes le {today.isoformat()} : réessayez après sa publication"
                if today < date(year + 3, 1, 1)
                else "vérifiez l'adresse (--url) sur la page insee.fr du millésime"
            )
            raise NotPublished(
                f"{url} : l'Insee répond 404, le millésime {year} n'est pas (encore) publié à "
                f"cette adresse. Les {census_kind(year)} {year} paraissent {publication} ; "
                f"{when}. Les données actuelles restent utilisées.",
                status=404,
            ) from None
        member, raw = read_insee_departements(archive, url=url)
    table = _census_table(raw, year, source=f"{url} ({member})")
    checks = check_census(table, year)
    data = _csv_bytes(list(table.columns), table.itertuples(index=False, name=None))
    record = _record(
        key=f"populations_{year}",
        path=target,
        data=data,
        title=f"Population municipale des départements, millésime {year}",
        producer="Insee",
        licence=_INSEE_LICENCE,
        attribution=f"Source : Insee, {census_kind(year)} {year} (Mayotte : recensement 2017)",
        vintage=str(year),
        url=url,
        fetched=fetched,
        recipe=(
            f"Fichier {member} de l'archive (séparateur ;) : colonnes DEP, Département, REG, "
            f"Région, PMUN, une ligne par département ; Mayotte ({MAYOTTE}), absente des "
            f"fichiers annuels, ajoutée avec le recensement de 2017 ({MAYOTTE_PMUN_2017}) et "
            "signalée dans la colonne note."
        ),
        checks=checks,
    )
    result = _store([(target, data, record)])
    reference = checks.get("reference")
    change = (
        f", {reference['ecart_pct']:+.2f} % par rapport à {reference['millesime']}".replace(
            ".", ","
        )
        if reference
        else ""
    )
    result.summary = (
        f"Insee {census_kind(year)} {year} : {checks['departements']} départements, "
        f"population municipale {_thousands(checks['total'])}{change} "
        f"({checks['mayotte']})."
    )
    return result


def read_insee_departements(archive: Path, *, url: str = "") -> tuple[str, pd.DataFrame]:
    """Return the name and the table of the département file in INSEE's archive.

    The archive is INSEE's "ensemble" zip of ``;``-separated files; the file read is
    ``donnees_departements.csv`` (or the only ``*departements*.csv`` member).

    Raises
    ------
    FetchError
        When the archive cannot be read or its département file has other columns.
    """
    where = url or str(archive)
    head = archive.read_bytes()[:64]
    if not zipfile.is_zipfile(archive):
        hint = (
            "l'adresse renvoie une page web, pas l'archive"
            if head.lstrip()[:1] == b"<"
            else "archive zip illisible (tronquée ou abîmée)"
        )
        raise FetchError(f"{where} : {hint}. Les données actuelles sont conservées.")
    try:
        with zipfile.ZipFile(archive) as bundle:
            names = [n for n in bundle.namelist() if not n.endswith("/")]
            member = _departement_member(names)
            if member is None:
                raise FetchError(
                    f"{where} : pas de fichier des départements dans l'archive (attendu "
                    f"donnees_departements.csv ; trouvé : {', '.join(names) or 'rien'})."
                )
            raw = bundle.read(member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise FetchError(
            f"{where} : archive zip illisible ({exc}), sans doute tronquée. Les données "
            "actuelles sont conservées."
        ) from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    table = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    table.columns = [c.strip() for c in table.columns]
    missing = [c for c in INSEE_DEPARTEMENT_COLUMNS if c not in table.columns]
    if missing:
        raise FetchError(
            f"{where} ({member}) : colonnes inattendues, l'Insee a peut-être changé le format. "
            f"Trouvées : {';'.join(table.columns)}. Attendues : "
            f"{';'.join(INSEE_DEPARTEMENT_COLUMNS)} (manquent : {', '.join(missing)}). "
            "Les données actuelles sont conservées."
        )
    return member, table


def _departement_member(names: list[str]) -> str | None:
    exact = [n for n in names if n.rsplit("/", 1)[-1].lower() == "donnees_departements.csv"]
    if len(exact) == 1:
        return exact[0]
    loose = [
        n
        for n in names
        if n.lower().endswith(".csv") and "departements" in n.rsplit("/", 1)[-1].lower()
    ]
    return loose[0] if len(loose) == 1 else None


def _census_table(raw: pd.DataFrame, year: int, *, source: str) -> pd.DataFrame:
    """INSEE's rows, plus Mayotte from the 2017 census, in the stored columns and order."""
    problems = []
    rows = raw[raw["DEP"].str.strip() != ""].copy()
    rows["DEP"] = rows["DEP"].str.strip()
    pmun = rows["PMUN"].str.strip().str.replace("\u202f", "").str.replace(" ", "")
    bad = rows.loc[~pmun.str.fullmatch(r"\d+"), "DEP"]
    for code, value in zip(bad, rows.loc[bad.index, "PMUN"]):
        problems.append(f"PMUN « {value} » n'est pas un entier (département {code})")
    expected = set(departement_codes())
    codes = list(rows["DEP"])
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        problems.append(f"départements en double : {', '.join(duplicated)}")
    unknown = sorted(set(codes) - expected)
    if unknown:
        problems.append(f"codes inconnus : {', '.join(unknown)}")
    missing = sorted(expected - set(codes) - {MAYOTTE}, key=str)
    if missing:
        problems.append(f"départements absents : {', '.join(missing)}")
    if problems:
        raise _refuse(f"{source} : fichier des départements", problems)

    out = pd.DataFrame(
        {
            "code_departement": rows["DEP"],
            "nom_departement": rows["Département"].str.strip(),
            "code_region": rows["REG"].str.strip(),
            "nom_region": rows["Région"].str.strip(),
            f"pmun_{year}": pmun.astype("int64"),
            "note": "",
        }
    )
    if MAYOTTE in set(codes):
        out.loc[out["code_departement"] == MAYOTTE, "note"] = (
            f"Mayotte : population publiée par l'Insee pour {year} (et non le recensement de 2017)"
        )
    else:
        mayotte = {
            "code_departement": MAYOTTE,
            "nom_departement": "Mayotte",
            "code_region": "06",
            "nom_region": "Mayotte",
            f"pmun_{year}": MAYOTTE_PMUN_2017,
            "note": MAYOTTE_NOTE,
        }
        out = pd.concat([out, pd.DataFrame([mayotte])], ignore_index=True)
    # In the order of the embedded file (INSEE's: plain string order, "29" < "2A" < "30").
    order = {code: i for i, code in enumerate(departement_codes())}
    out = out.sort_values("code_departement", key=lambda c: c.map(order))
    return out.reset_index(drop=True)


def check_census(table: pd.DataFrame, year: int) -> dict:
    """Check a vintage's table against the nearest other vintage; return the figures checked.

    The national total (without Mayotte, whose figure is the same census every year) may
    move by at most :data:`TOTAL_TOLERANCE` per year between the vintages, each
    département by :data:`DEPARTEMENT_TOLERANCE`.

    Raises
    ------
    FetchError
        Listing every implausible figure.
    """
    column = f"pmun_{year}"
    figures = table.set_index("code_departement")[column].astype("int64")
    checks: dict = {
        "departements": int(len(figures)),
        "total": int(figures.sum()),
        "total_sans_mayotte": int(figures.drop(index=MAYOTTE).sum()),
        "mayotte": table.set_index("code_departement").loc[MAYOTTE, "note"] or f"Insee {year}",
    }
    problems = []
    if len(figures) != N_DEPARTEMENTS:
        problems.append(f"{len(figures)} départements au lieu de {N_DEPARTEMENTS}")
    if (figures <= 0).any():
        problems.append(f"population nulle : {', '.join(figures[figures <= 0].index)}")
    others = [y for y in census_years() if y != year]
    before = [y for y in others if y < year]
    reference_year = max(before) if before else (min(others) if others else None)
    if reference_year is not None:
        reference = load_populations(reference_year).set_index("code")["population"]
        gap = abs(year - reference_year)
        ref_total = int(reference.drop(index=MAYOTTE).sum())
        change = checks["total_sans_mayotte"] / ref_total - 1
        checks["reference"] = {
            "millesime": reference_year,
            "total_sans_mayotte": ref_total,
            "ecart_pct": round(100 * change, 3),
            "tolerance_pct": round(100 * TOTAL_TOLERANCE * gap, 3),
        }
        if abs(change) > TOTAL_TOLERANCE * gap:
            problems.append(
                f"total national (hors Mayotte) {_thousands(checks['total_sans_mayotte'])}, "
                f"soit {100 * change:+.1f} % par rapport au millésime {reference_year} "
                f"({_thousands(ref_total)}) : au-delà de ±{100 * TOTAL_TOLERANCE * gap:.0f} %"
            )
        ratio = (figures.drop(index=MAYOTTE) / reference.reindex(figures.index).drop(MAYOTTE)) - 1
        jumps = ratio[ratio.abs() > DEPARTEMENT_TOLERANCE * gap]
        for code, value in jumps.items():
            problems.append(
                f"département {code} : {100 * value:+.1f} % par rapport à {reference_year}"
            )
    if problems:
        raise _refuse(f"millésime {year}", problems)
    return checks


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


# --- communes ---------------------------------------------------------------------------------


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
    base = (base_url or geo_api_url()).rstrip("/")
    url = f"{base}/communes"
    params = {"fields": COMMUNE_FIELDS, "format": "json", "geometry": "centre"}
    with _temporary_folder() as tmp:
        fetched, path = _fetch_to_temp(
            url, Path(tmp), "communes.json", settings=settings, params=params
        )
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise FetchError(
                f"{url} : réponse qui n'est pas du JSON ({exc}). Les données actuelles sont "
                "conservées."
            ) from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise FetchError(f"{url} : réponse inattendue (une liste de communes était attendue).")

    communes, old_codes, has_old_codes, notes = _commune_tables(items, url, min_communes)
    year = _population_vintage(communes)
    pop_column = f"population_municipale_{year}" if year else "population_municipale"
    communes = communes.rename(columns={"population": pop_column})
    columns = COMMUNE_COLUMNS_BEFORE_POP + [pop_column] + COMMUNE_COLUMNS_AFTER_POP
    data = _csv_bytes(columns, communes[columns].itertuples(index=False, name=None))
    target = fetched_dir() / SOURCES["communes"].path
    checks = {
        "communes": int(len(communes)),
        "departements": int(communes["code_departement"].nunique()),
        "population": int(communes[pop_column].sum()),
        "millesime_population": year or "non identifié",
        **notes,
    }
    # What the two tables written from the same API answer have in common.
    from_geo_api = {
        "licence": _ETALAB_LICENCE,
        "attribution": "Etalab, API Découpage administratif (geo.api.gouv.fr)",
        "vintage": f"geo.api.gouv.fr du {fetched.date[:10]}",
        "url": fetched.url,
        "fetched": fetched,
    }
    record = _record(
        key="communes",
        path=target,
        data=data,
        title="Communes : codes, noms, codes postaux, population et centre",
        producer="API Découpage administratif (geo.api.gouv.fr), Etalab / DINUM",
        **from_geo_api,
        recipe=(
            "GET /communes (toutes les communes actuelles) ; communes des collectivités "
            "d'outre-mer écartées ; codesPostaux joints par des espaces ; centre = point "
            "intérieur calculé par l'API (turf pointOnFeature, 4 décimales) ; population "
            f"municipale de l'API, millésime {year or 'non identifié'} (sommes par "
            "département comparées aux millésimes Insee disponibles)."
            + (
                " Communes sans centre dans l'API : centre repris de la table précédente "
                "(colonne centre_source)."
                if notes.get("centres_repris")
                else ""
            )
        ),
        checks=checks,
        inputs=[_input_record("communes", _active_path("communes"))]
        if notes.get("centres_repris")
        else (),
    )
    entries = [(target, data, record)]

    old_target = fetched_dir() / SOURCES["anciens_codes"].path
    old_data = _csv_bytes(
        OLD_CODE_COLUMNS, old_codes[OLD_CODE_COLUMNS].itertuples(index=False, name=None)
    )
    kept = int((old_codes["source"] == "precedente").sum()) if len(old_codes) else 0
    old_record = _record(
        key="anciens_codes",
        path=old_target,
        data=old_data,
        title="Anciens codes et communes déléguées vers la commune actuelle",
        producer="API Découpage administratif (geo.api.gouv.fr) et table précédente",
        **from_geo_api,
        recipe=(
            (
                "Relation ancien_code : champ anciensCodes de chaque commune de l'API. "
                if has_old_codes
                else "L'API ne donne pas anciensCodes : lignes ancien_code reprises de la "
                "table précédente. "
            )
            + "Communes déléguées et associées (que /communes ne donne pas) reprises de la "
            "table précédente ; seules les lignes dont la commune actuelle existe encore sont "
            "gardées."
        ),
        checks={"lignes": int(len(old_codes)), "reprises_de_la_table_precedente": kept},
        inputs=[_input_record("anciens_codes", _active_path("anciens_codes"))],
    )
    entries.append((old_target, old_data, old_record))
    result = _store(entries)
    result.summary = (
        f"geo.api.gouv.fr : {_thousands(len(communes))} communes dans "
        f"{checks['departements']} départements, population municipale "
        f"{_thousands(checks['population'])} (millésime {checks['millesime_population']}) ; "
        f"{_thousands(len(old_codes))} anciens codes."
    )
    return result


def _active_path(key: str) -> Path:
    return data_dir() / active_source(key).path


def _commune_tables(
    items: list[dict], url: str, min_communes: int
) -> tuple[pd.DataFrame, pd.DataFrame, bool, dict]:
    """Check the API's communes; return the commune and old-code tables."""
    problems: list[str] = []
    expected = set(departement_codes())
    rows = []
    old_rows = []
    has_old_codes = False
    outside = 0
    missing_centre = []
    for position, item in enumerate(items, start=1):
        code = item.get("code")
        dep = item.get("codeDepartement")
        if not isinstance(code, str) or not isinstance(dep, str):
            problems.append(f"commune n° {position} sans code ou sans codeDepartement")
            continue
        if dep not in expected:
            if dep in COLLECTIVITES_OUTRE_MER or code[:3] in COLLECTIVITES_OUTRE_MER:
                outside += 1
                continue
            problems.append(f"commune {code} : département « {dep} » inconnu")
            continue
        if len(code) != 5 or not code.startswith(dep[:2]):
            problems.append(f"code commune « {code} » invalide (5 caractères, département {dep})")
            continue
        population = item.get("population")
        if not isinstance(population, int) or isinstance(population, bool) or population < 0:
            problems.append(f"commune {code} : population « {population} » invalide")
            continue
        nom = item.get("nom")
        if not isinstance(nom, str) or not nom.strip():
            problems.append(f"commune {code} : nom vide")
            continue
        lon, lat = _centre(item.get("centre"))
        if lon is None:
            missing_centre.append(code)
        if "anciensCodes" in item:
            has_old_codes = True
            for old in item.get("anciensCodes") or []:
                if isinstance(old, str) and len(old) == 5:
                    old_rows.append((old, "", code, "ancien_code", "api"))
                else:
                    problems.append(f"commune {code} : ancien code « {old} » invalide")
        postcodes = item.get("codesPostaux") or []
        rows.append(
            {
                "code_commune": code,
                "nom": nom.strip(),
                "code_departement": dep,
                "code_region": str(item.get("codeRegion") or ""),
                "population": population,
                "codes_postaux": " ".join(sorted(str(p) for p in postcodes)),
                "longitude": lon,
                "latitude": lat,
                "centre_source": "geo_api_gouv_fr:point_on_feature",
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        raise _refuse(f"{url} : table des communes", problems or ["aucune commune"])
    duplicated = table.loc[table["code_commune"].duplicated(), "code_commune"]
    if len(duplicated):
        problems.append(f"communes en double : {', '.join(sorted(set(duplicated))[:10])}")
    absent = sorted(expected - set(table["code_departement"]), key=str)
    if absent:
        problems.append(f"départements sans aucune commune : {', '.join(absent)}")
    if len(table) < min_communes:
        problems.append(f"{len(table)} communes seulement (au moins {min_communes} attendues)")
    notes: dict = {"communes_hors_departements_ecartees": outside}
    if missing_centre:
        previous = _previous_centres()
        recovered = [c for c in missing_centre if c in previous.index]
        lost = [c for c in missing_centre if c not in previous.index]
        if lost:
            problems.append(f"communes sans centre (ni dans l'API ni avant) : {', '.join(lost)}")
        if recovered:
            mask = table["code_commune"].isin(recovered)
            for column in ("longitude", "latitude", "centre_source"):
                table.loc[mask, column] = table.loc[mask, "code_commune"].map(previous[column])
            notes["centres_repris"] = recovered
            log.warning(
                "%d commune(s) sans centre dans l'API : centre de la table précédente (%s).",
                len(recovered),
                ", ".join(recovered[:10]),
            )
    if problems:
        raise _refuse(f"{url} : table des communes", problems)

    table = table.sort_values("code_commune").reset_index(drop=True)
    current = set(table["code_commune"])
    previous_old = load_old_codes()
    carried = previous_old[
        previous_old["relation"].isin(["commune-deleguee", "commune-associee"])
        | (previous_old["relation"].eq("ancien_code") & (not has_old_codes))
    ]
    carried = carried[carried["code_commune"].isin(current)]
    old = pd.DataFrame(old_rows, columns=[*OLD_CODE_COLUMNS, "source"])
    kept = carried[OLD_CODE_COLUMNS].assign(source="precedente")
    old = pd.concat([old, kept], ignore_index=True)
    old = old.drop_duplicates(subset=["ancien_code", "code_commune", "relation"])
    old = old.sort_values(["ancien_code", "code_commune", "relation"]).reset_index(drop=True)
    return table, old, has_old_codes, notes


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


def _previous_centres() -> pd.DataFrame:
    path = _active_path("communes")
    table = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("code_commune")
    table["longitude"] = pd.to_numeric(table["longitude"])
    table["latitude"] = pd.to_numeric(table["latitude"])
    return table[["longitude", "latitude", "centre_source"]]


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


# --- boundaries -------------------------------------------------------------------------------


def fetch_boundaries(
    url: str,
    *,
    settings: HttpSettings | None = None,
    licence: str | None = None,
    attribution: str | None = None,
    vintage: str | None = None,
) -> FetchResult:
    """Download a département GeoJSON, check it and store it in place of the embedded one.

    The file must hold the 101 départements (a ``code`` property, or ``code_insee``,
    ``INSEE_DEP``…), with polygon geometries (invalid ones are repaired) in EPSG:4326 or a
    CRS it declares (then reprojected); each département must lie where the current
    boundaries put it. Stored as ``data/fetched/geo/departements-avec-outre-mer.geojson``
    with properties ``code`` and ``nom``.

    Raises
    ------
    FetchError
        When the download fails or the file is refused; nothing is stored.
    """
    with _temporary_folder() as tmp:
        fetched, path = _fetch_to_temp(url, Path(tmp), "departements.geojson", settings=settings)
        try:
            frame = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises its own DataSourceError, among others
            raise FetchError(
                f"{url} : fichier GeoJSON illisible ({type(exc).__name__}: {exc}). Les "
                "contours actuels sont conservés."
            ) from None
    frame, checks = _check_boundaries(frame, url)
    data = frame.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")
    target = fetched_dir() / SOURCES["departements"].path
    if not licence:
        log.warning("Licence des contours non précisée : indiquez-la avec --licence.")
    record = _record(
        key="departements",
        path=target,
        data=data,
        title="Contours des 101 départements (métropole et outre-mer)",
        producer=attribution or url,
        licence=licence or "non précisée",
        attribution=attribution or f"Contours : {url}",
        vintage=vintage or f"téléchargé le {fetched.date[:10]}",
        url=url,
        fetched=fetched,
        recipe=(
            "GeoJSON téléchargé ; propriété de code "
            f"« {checks['propriete_code']} » lue comme code du département"
            + (f", nom « {checks['propriete_nom']} »" if checks["propriete_nom"] else "")
            + f" ; CRS {checks['crs']}"
            + (" reprojeté en EPSG:4326" if checks["reprojete"] else "")
            + f" ; {checks['geometries_reparees']} géométrie(s) réparée(s) (make_valid) ; "
            "propriétés réduites à code et nom, un objet par département, triés par code."
        ),
        checks=checks,
    )
    result = _store([(target, data, record)])
    result.summary = (
        f"Contours : {checks['departements']} départements, CRS {checks['crs']}"
        + (" (reprojetés en EPSG:4326)" if checks["reprojete"] else "")
        + f", {checks['geometries_reparees']} géométrie(s) réparée(s)."
    )
    return result


def _property(frame: gpd.GeoDataFrame, candidates: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in frame.columns if c != "geometry"}
    for name in candidates:
        if name in lower:
            return lower[name]
    return None


def _normalize_code(value) -> str:
    text = str(value).strip().upper()
    if re.fullmatch(r"\d", text):
        return "0" + text
    if re.fullmatch(r"\d+\.0", text):  # a code stored as a number in the file
        text = text[:-2]
        return "0" + text if len(text) == 1 else text
    return text


def _check_boundaries(frame: gpd.GeoDataFrame, url: str) -> tuple[gpd.GeoDataFrame, dict]:
    code_column = _property(frame, CODE_PROPERTIES)
    if code_column is None:
        raise FetchError(
            f"{url} : aucune propriété de code de département (attendu l'une de "
            f"{', '.join(CODE_PROPERTIES)} ; trouvé : "
            f"{', '.join(c for c in frame.columns if c != 'geometry') or 'aucune'})."
        )
    name_column = _property(frame, NAME_PROPERTIES)
    problems: list[str] = []
    frame = frame.copy()
    frame["code"] = [_normalize_code(v) for v in frame[code_column]]
    dropped = sorted(set(frame["code"]) & set(COLLECTIVITES_OUTRE_MER))
    if dropped:
        log.info("Collectivités d'outre-mer écartées : %s", ", ".join(dropped))
        frame = frame[~frame["code"].isin(dropped)]
    expected = departement_codes()
    codes = set(frame["code"])
    missing = [c for c in expected if c not in codes]
    unknown = sorted(codes - set(expected))
    if missing:
        problems.append(
            f"{len(codes & set(expected))} départements sur {N_DEPARTEMENTS}, absents : "
            + ", ".join(missing)
        )
    if unknown:
        problems.append(f"codes inconnus : {', '.join(unknown)}")
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        problems.append(f"géométrie vide : {', '.join(sorted(frame.loc[empty, 'code']))}")
    kinds = set(frame.geometry[~empty].geom_type)
    if kinds - {"Polygon", "MultiPolygon"}:
        problems.append(f"géométries non surfaciques : {', '.join(sorted(kinds))}")
    if problems:
        raise _refuse(f"{url} : contours", problems)

    crs = frame.crs
    reprojected = False
    if crs is None:
        frame = frame.set_crs(4326)
        crs_label = "non déclaré (EPSG:4326 selon la norme GeoJSON)"
    else:
        crs_label = crs.to_string()
        if crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
            reprojected = True
    minx, miny, maxx, maxy = frame.total_bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise FetchError(
            f"{url} : coordonnées hors des longitudes/latitudes ({minx:.0f}, {miny:.0f}, "
            f"{maxx:.0f}, {maxy:.0f}) alors que le fichier ne déclare pas d'autre CRS : "
            "ajoutez son CRS (membre crs) ou reprojetez-le en EPSG:4326."
        )
    invalid = ~frame.geometry.is_valid
    repaired = int(invalid.sum())
    if repaired:
        log.warning(
            "%d géométrie(s) invalide(s) réparée(s) : %s",
            repaired,
            ", ".join(sorted(frame.loc[invalid, "code"])),
        )
        frame.loc[invalid, "geometry"] = [
            _polygonal(shapely.make_valid(g)) for g in frame.loc[invalid, "geometry"]
        ]
    if frame["code"].duplicated().any():
        # Several features per département (one per island…): one multipolygon each.
        frame = frame.dissolve(by="code", as_index=False, aggfunc="first")
    still_invalid = sorted(frame.loc[~frame.geometry.is_valid, "code"])
    if still_invalid:
        raise _refuse(f"{url} : contours", [f"géométrie irréparable : {', '.join(still_invalid)}"])

    misplaced = _misplaced(frame)
    if misplaced:
        raise _refuse(
            f"{url} : contours",
            [
                "départements qui ne sont pas à leur place (codes décalés ?) : "
                + ", ".join(misplaced)
            ],
        )
    reference = load_populations()
    names = dict(zip(reference["code"], reference["nom"]))
    frame["nom"] = [
        value.strip() if isinstance(value, str) and value.strip() else names[code]
        for value, code in zip(
            frame[name_column] if name_column else [None] * len(frame), frame["code"]
        )
    ]
    frame = frame[["code", "nom", "geometry"]]
    frame = frame.sort_values("code", key=code_sort_key).reset_index(drop=True)
    checks = {
        "departements": int(len(frame)),
        "propriete_code": code_column,
        "propriete_nom": name_column or "",
        "crs": crs_label,
        "reprojete": reprojected,
        "geometries_reparees": repaired,
        "collectivites_ecartees": dropped,
    }
    return frame, checks


def _polygonal(geometry):
    """Keep the polygonal part of a repaired geometry (make_valid may add lines)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else geometry


def _misplaced(frame: gpd.GeoDataFrame) -> list[str]:
    """Codes whose shape does not sit where the current boundaries put that département."""
    try:
        current = load_departements().set_index("code").geometry
    except DataFileError as exc:
        # Nothing sound to compare with: the codes and geometry checks stand alone.
        log.warning("Position des départements non vérifiée : %s", exc)
        return []
    # Web Mercator is enough to measure a few km of slack (for a coarser or finer drawing
    # of the same border) in metropolitan France and the DROM alike.
    points = frame.set_index("code").geometry.to_crs(3857).representative_point()
    distance = current.reindex(points.index).to_crs(3857).distance(points)
    inside = list(distance <= 5_000)
    return sorted(c for c, ok in zip(points.index, inside) if not ok)
