"""Refresh a census vintage: INSEE's population municipale of each département.

INSEE publishes each vintage as an archive of ``;``-separated files ("ensemble.zip"); the
département file is read, Mayotte (which has no annual census) is added from its 2017
census, the figures are checked against the nearest other vintage, and the table is stored
as ``data/fetched/census/departements_pmun_<N>.csv``, where it joins the embedded vintages.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd

from ips_map.refresh._common import (
    KEPT,
    FetchResult,
    csv_bytes,
    fetch_to_temp,
    provenance,
    refusal,
    store,
    temporary_folder,
)
from ips_map.sources.calendar import (
    BEFORE_FIRST_CENSUS,
    FIRST_CENSUS_YEAR,
    archive_for_page,
    census_citation,
    census_kind,
    census_published,
    in_force,
    insee_census_url,
    publication,
    record_vintage,
    user_vintages_path,
)
from ips_map.sources.http import Download, FetchError, HttpSettings
from ips_map.sources.registry import INSEE_LICENCE, fetched_dir
from ips_map.territory.data import (
    MAYOTTE,
    MAYOTTE_NOTE,
    MAYOTTE_PMUN_2017,
    N_DEPARTEMENTS,
    census_years,
    departement_codes,
    load_populations,
)
from ips_map.vocabulary import thousands

#: Columns of INSEE's ``donnees_departements.csv`` that are read (others are ignored).
INSEE_DEPARTEMENT_COLUMNS = ("REG", "Région", "DEP", "Département", "PMUN")
#: The file of the archive that is read.
DEPARTEMENT_FILE = "donnees_departements.csv"
#: Largest département file read from the archive (it holds 101 lines, a few kB): a member
#: announcing more is refused before it is unpacked (a zip bomb never expands in memory).
MAX_MEMBER_SIZE = 10_000_000
#: Largest change of the national total accepted per year between two vintages.
TOTAL_TOLERANCE = 0.03
#: Largest change of one département's population accepted per year between two vintages.
DEPARTEMENT_TOLERANCE = 0.10


class NotPublished(FetchError):
    """INSEE has not published (or does not serve) the census vintage asked for."""


def fetch_census(
    year: int,
    *,
    url: str | None = None,
    base_url: str | None = None,
    settings: HttpSettings | None = None,
    today: date | None = None,
    page: str | None = None,
) -> FetchResult:
    """Download INSEE's population archive for a vintage, check it and store it.

    Parameters
    ----------
    year
        Census vintage (millésime) N, published by INSEE at the end of December N+2.
    url
        Address of the archive; by default the one of the census calendar
        (:func:`ips_map.sources.calendar.known_vintages`: the package's
        ``census_vintages.json``, then the user's ``data/fetched/census/millesimes.json``).
    base_url
        INSEE's download folder (``IPS_MAP_INSEE_URL``), for a mirror or a test server.
    today
        The date used to tell whether the vintage can be published yet.
    page
        The number of the vintage's insee.fr page: the archive is ``{base}/{page}/ensemble.zip``.

    A vintage fetched from an address the package's file does not give is recorded in the
    user's file (:func:`ips_map.sources.calendar.record_vintage`, listed in ``records``).

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
    if url is None and page:
        url = archive_for_page(page, base_url)
    url = _archive_url(year, url, base_url, today)
    with temporary_folder() as tmp:
        fetched, archive = _download_archive(url, Path(tmp), year, today, settings)
        member, raw = read_insee_departements(archive, url=url)
    table = _census_table(raw, year, source=f"{url} ({member})")
    checks = check_census(table, year)
    target = fetched_dir() / "census" / f"departements_pmun_{year}.csv"
    data = csv_bytes(table)
    record = provenance(
        key=f"populations_{year}",
        path=target,
        data=data,
        title=f"Population municipale des départements, millésime {year}",
        producer="Insee",
        licence=INSEE_LICENCE,
        attribution=f"Source : {census_citation(year)}",
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
    result = store([(target, data, record)])
    recorded = record_vintage(year, url, member, today)
    if recorded is not None:
        result.records.append(recorded)
    result.summary = _summary(year, checks)
    return result


def _archive_url(year: int, url: str | None, base_url: str | None, today: date) -> str:
    """The archive to download, or why none can be (before any request is sent)."""
    if year < FIRST_CENSUS_YEAR:
        raise FetchError(f"millésime {year} impossible : {BEFORE_FIRST_CENSUS}")
    url = url or insee_census_url(year, base_url)
    if url is not None and year <= today.year:
        return url
    if not census_published(year, today):
        raise NotPublished(
            f"le millésime {year} n'est pas encore publié : l'Insee publie les "
            f"{census_kind(year)} {year} {publication(year)} (en vigueur au 1er janvier "
            f"{in_force(year).year}). Une fois publiées, relancez avec --page <numéro de leur "
            "page insee.fr> ou --url <adresse de l'archive « ensemble.zip » de cette page>. Les "
            "données actuelles restent utilisées."
        )
    raise NotPublished(
        f"adresse du millésime {year} encore inconnue d'ips-map (ni dans son calendrier, ni "
        f"dans {user_vintages_path()}) : l'Insee l'a normalement publié {publication(year)}. "
        f"Cherchez sur insee.fr les « {census_kind(year)} {year} », relevez le numéro de leur "
        f"page (insee.fr/fr/statistiques/<numéro>) et relancez : ips-map fetch census --year "
        f"{year} --page <numéro> (ou --url <adresse de l'archive « ensemble.zip »> ; avec "
        f"make : make edition YEAR={year} CENSUS_PAGE=<numéro>). Le millésime est alors "
        "retenu pour les fois suivantes, sans rien modifier dans ips-map."
    )


def _download_archive(
    url: str, folder: Path, year: int, today: date, settings: HttpSettings | None
) -> tuple[Download, Path]:
    """Download the archive; a 404 says when the vintage is published."""
    try:
        return fetch_to_temp(url, folder, "ensemble.zip", settings=settings)
    except FetchError as exc:
        if exc.status != 404:
            raise
    when = (
        f"nous sommes le {today.isoformat()} : réessayez après sa publication"
        if today < in_force(year)
        else "vérifiez l'adresse (--url) sur la page insee.fr du millésime"
    )
    raise NotPublished(
        f"{url} : l'Insee répond 404, le millésime {year} n'est pas (encore) publié à "
        f"cette adresse. Les {census_kind(year)} {year} paraissent {publication(year)} ; "
        f"{when}. Les données actuelles restent utilisées.",
        status=404,
    )


# --- reading INSEE's archive ------------------------------------------------------------------


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
    member, raw = _read_member(archive, where)
    table = pd.read_csv(io.StringIO(_decode(raw)), sep=";", dtype=str, keep_default_na=False)
    table.columns = [c.strip() for c in table.columns]
    missing = [c for c in INSEE_DEPARTEMENT_COLUMNS if c not in table.columns]
    if missing:
        raise FetchError(
            f"{where} ({member}) : colonnes inattendues, l'Insee a peut-être changé le format. "
            f"Trouvées : {';'.join(table.columns)}. Attendues : "
            f"{';'.join(INSEE_DEPARTEMENT_COLUMNS)} (manquent : {', '.join(missing)}). {KEPT}"
        )
    return member, table


def _read_member(archive: Path, where: str) -> tuple[str, bytes]:
    """The name and bytes of the département file of the archive."""
    if not zipfile.is_zipfile(archive):
        hint = (
            "l'adresse renvoie une page web, pas l'archive"
            if archive.read_bytes()[:64].lstrip()[:1] == b"<"
            else "archive zip illisible (tronquée ou abîmée)"
        )
        raise FetchError(f"{where} : {hint}. {KEPT}")
    try:
        with zipfile.ZipFile(archive) as bundle:
            names = [n for n in bundle.namelist() if not n.endswith("/")]
            member = _departement_member(names)
            if member is None:
                raise FetchError(
                    f"{where} : pas de fichier des départements dans l'archive (attendu "
                    f"{DEPARTEMENT_FILE} ; trouvé : {', '.join(names) or 'rien'})."
                )
            size = bundle.getinfo(member).file_size
            if size > MAX_MEMBER_SIZE:
                raise FetchError(
                    f"{where} ({member}) : {size} octets une fois décompressé, bien plus qu'un "
                    f"fichier des départements (au plus {MAX_MEMBER_SIZE}) : archive refusée. "
                    f"{KEPT}"
                )
            return member, bundle.read(member)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        NotImplementedError,  # a compression method zipfile does not know
        RuntimeError,  # an encrypted member
    ) as exc:
        raise FetchError(
            f"{where} : archive zip illisible ({exc}), sans doute tronquée. {KEPT}"
        ) from None


def _departement_member(names: list[str]) -> str | None:
    exact = [n for n in names if n.rsplit("/", 1)[-1].lower() == DEPARTEMENT_FILE]
    if len(exact) == 1:
        return exact[0]
    loose = [
        n
        for n in names
        if n.lower().endswith(".csv") and "departements" in n.rsplit("/", 1)[-1].lower()
    ]
    return loose[0] if len(loose) == 1 else None


def _decode(raw: bytes) -> str:
    """INSEE's files are UTF-8 today and were Windows-1252; Latin-1 reads anything else."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


# --- the table and its checks -----------------------------------------------------------------


def _census_table(raw: pd.DataFrame, year: int, *, source: str) -> pd.DataFrame:
    """INSEE's rows, plus Mayotte from the 2017 census, in the stored columns and order."""
    rows = raw[raw["DEP"].str.strip() != ""].copy()
    rows["DEP"] = rows["DEP"].str.strip()
    pmun = rows["PMUN"].str.strip().str.replace("\u202f", "").str.replace(" ", "")
    problems = _row_problems(rows, pmun)
    if problems:
        raise refusal(f"{source} : fichier des départements", problems)
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
    out = _with_mayotte(out, year)
    # In the order of the embedded file (INSEE's: plain string order, "29" < "2A" < "30").
    order = {code: i for i, code in enumerate(departement_codes())}
    out = out.sort_values("code_departement", key=lambda c: c.map(order))
    return out.reset_index(drop=True)


def _row_problems(rows: pd.DataFrame, pmun: pd.Series) -> list[str]:
    """Every figure that is not a whole number, and every code doubled, unknown or absent."""
    problems = []
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
    return problems


def _with_mayotte(out: pd.DataFrame, year: int) -> pd.DataFrame:
    """Mayotte as INSEE gives it, or (as in every annual file so far) its 2017 census."""
    if MAYOTTE in set(out["code_departement"]):
        out.loc[out["code_departement"] == MAYOTTE, "note"] = (
            f"Mayotte : population publiée par l'Insee pour {year} (et non le recensement de 2017)"
        )
        return out
    mayotte = {
        "code_departement": MAYOTTE,
        "nom_departement": "Mayotte",
        "code_region": "06",
        "nom_region": "Mayotte",
        f"pmun_{year}": MAYOTTE_PMUN_2017,
        "note": MAYOTTE_NOTE,
    }
    return pd.concat([out, pd.DataFrame([mayotte])], ignore_index=True)


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
    figures = table.set_index("code_departement")[f"pmun_{year}"].astype("int64")
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
    reference_year = _reference_year(year)
    if reference_year is not None:
        reference, jumps = _compare(figures, year, reference_year)
        checks["reference"] = reference
        problems += jumps
    if problems:
        raise refusal(f"millésime {year}", problems)
    return checks


def _reference_year(year: int) -> int | None:
    """The vintage to compare with: the latest one before ``year``, else the earliest."""
    others = [y for y in census_years() if y != year]
    before = [y for y in others if y < year]
    return max(before) if before else (min(others) if others else None)


def _compare(figures: pd.Series, year: int, reference_year: int) -> tuple[dict, list[str]]:
    """The change of the national total and every implausible jump since the reference."""
    reference = load_populations(reference_year).set_index("code")["population"]
    gap = abs(year - reference_year)
    total = int(figures.drop(index=MAYOTTE).sum())
    ref_total = int(reference.drop(index=MAYOTTE).sum())
    change = total / ref_total - 1
    checked = {
        "millesime": reference_year,
        "total_sans_mayotte": ref_total,
        "ecart_pct": round(100 * change, 3),
        "tolerance_pct": round(100 * TOTAL_TOLERANCE * gap, 3),
    }
    problems = []
    if abs(change) > TOTAL_TOLERANCE * gap:
        problems.append(
            f"total national (hors Mayotte) {thousands(total)}, "
            f"soit {100 * change:+.1f} % par rapport au millésime {reference_year} "
            f"({thousands(ref_total)}) : au-delà de ±{100 * TOTAL_TOLERANCE * gap:.0f} %"
        )
    ratio = (figures.drop(index=MAYOTTE) / reference.reindex(figures.index).drop(MAYOTTE)) - 1
    for code, value in ratio[ratio.abs() > DEPARTEMENT_TOLERANCE * gap].items():
        problems.append(f"département {code} : {100 * value:+.1f} % par rapport à {reference_year}")
    return checked, problems


def _summary(year: int, checks: dict) -> str:
    reference = checks.get("reference")
    change = (
        f", {reference['ecart_pct']:+.2f} % par rapport à {reference['millesime']}".replace(
            ".", ","
        )
        if reference
        else ""
    )
    return (
        f"Insee {census_kind(year)} {year} : {checks['departements']} départements, "
        f"population municipale {thousands(checks['total'])}{change} "
        f"({checks['mayotte']})."
    )
