"""The census calendar: which INSEE vintages exist, what INSEE calls them, when each is
published, where its page and archive lie, and what to tell a user who asks for one the data
lack. The other modules ask it for these facts rather than repeat them.

The vintages ips-map knows are data, not code: ``census_vintages.json`` beside this module
(INSEE page, archive, file read, publication month of each), and the user's own record,
``data/fetched/census/millesimes.json``, where ``ips-map fetch census --year N --page P`` (or
``--url``) writes a vintage the package does not know yet, so that the next fetch, and
``make edition``, find it without anyone editing ips-map.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ips_map.errors import DataFileError
from ips_map.outputs import write_json
from ips_map.settings import data_dir, insee_base_url

#: The package's file of known vintages.
VINTAGES_FILE = "census_vintages.json"
#: The user's record of the vintages fetched from an address the package did not know, in
#: the data folder (``data/fetched/census/``), beside the fetched tables.
USER_VINTAGES = Path("fetched", "census", "millesimes.json")
INSEE_CENSUS_FILE = "ensemble.zip"
#: Where the pages of the vintages are read (cited in the manifest).
INSEE_PAGES_URL = "https://www.insee.fr/fr/statistiques"
#: An INSEE archive's address: ``{base}/{page}/{archive}``.
_ARCHIVE_URL = re.compile(r"/fichier/(\d+)/([^/?#]+\.zip)$")
#: First vintage of INSEE's annual populations légales (``ips-map fetch census`` refuses
#: earlier ones).
FIRST_CENSUS_YEAR = 2006
#: First vintage that INSEE calls "populations de référence" (earlier: "populations légales").
FIRST_REFERENCE_YEAR = 2023
#: Why a vintage before :data:`FIRST_CENSUS_YEAR` cannot be had, as told to a user.
BEFORE_FIRST_CENSUS = (
    f"les populations légales annuelles de l'Insee commencent en {FIRST_CENSUS_YEAR}."
)


@dataclass(frozen=True)
class Vintage:
    """A census vintage and where INSEE publishes it.

    Attributes
    ----------
    year
        The vintage N (1 January N).
    page
        The number of its insee.fr page (``insee.fr/fr/statistiques/<page>``), "" if unknown.
    archive
        The name of the archive of that page (``ensemble.zip``).
    member
        The département file read in the archive (``donnees_departements.csv``).
    publication
        When INSEE published it (``2025-12``), "" if unknown.
    url
        The archive's address when it was given as such (the user's record), else "".
    origin
        Where ips-map knows it from: ``ips-map`` (the package's file) or the user's record.
    """

    year: int
    page: str = ""
    archive: str = INSEE_CENSUS_FILE
    member: str = "donnees_departements.csv"
    publication: str = ""
    url: str = ""
    origin: str = "ips-map"

    def archive_url(self, base: str | None = None) -> str | None:
        """The archive's address: the one recorded, else ``{base}/{page}/{archive}``."""
        if self.url and base is None:
            return self.url
        if not self.page:
            return self.url or None
        base = base or insee_base_url()
        return f"{base.rstrip('/')}/{self.page}/{self.archive}"


@lru_cache(maxsize=1)
def _package_vintages() -> dict[int, Vintage]:
    text = resources.files("ips_map.sources").joinpath(VINTAGES_FILE).read_text("utf-8")
    return _vintages(json.loads(text), "ips-map")


def _vintages(data: dict, origin: str) -> dict[int, Vintage]:
    found = {}
    for year, entry in sorted(data.get("millesimes", {}).items()):
        found[int(year)] = Vintage(
            year=int(year),
            page=str(entry.get("page", "")),
            archive=str(entry.get("archive") or INSEE_CENSUS_FILE),
            member=str(entry.get("fichier") or "donnees_departements.csv"),
            publication=str(entry.get("publication", "")),
            url=str(entry.get("adresse", "")),
            origin=origin,
        )
    return found


def user_vintages_path() -> Path:
    """The user's record of vintages (``data/fetched/census/millesimes.json``)."""
    return data_dir() / USER_VINTAGES


def _user_vintages() -> dict[int, Vintage]:
    path = user_vintages_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError("un objet JSON est attendu")
        return _vintages(data, str(path))
    except (ValueError, TypeError, AttributeError) as exc:
        raise DataFileError(
            f"{path} : relevé des millésimes illisible ({exc}) ; supprimez-le et relancez "
            "ips-map fetch census --year N --url … pour chaque millésime qu'il retenait."
        ) from exc


def known_vintages() -> dict[int, Vintage]:
    """Every vintage whose archive ips-map can find: the package's, then the user's record
    (which wins for a year both know: it says where the user found it)."""
    return {**_package_vintages(), **_user_vintages()}


#: The INSEE page of each vintage of the package's file (``census_vintages.json``).
INSEE_CENSUS_PAGES: dict[int, str] = {y: v.page for y, v in _package_vintages().items()}


def record_vintage(year: int, url: str, member: str, today: date | None = None) -> Path | None:
    """Record in the user's file (:func:`user_vintages_path`) the archive a vintage was
    fetched from, when the package's file does not already give that address; return the
    file written, or None.

    The page and archive are read from an INSEE address
    (``…/fichier/<page>/ensemble.zip``); another address is recorded as it is.
    """
    package = _package_vintages().get(year)
    if package is not None and package.archive_url() == url:
        return None
    path = user_vintages_path()
    data = {"description": "", "millesimes": {}}
    if _user_vintages():  # read and checked first: a broken record is refused, not replaced
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    data["description"] = (
        "Millésimes récupérés par ips-map fetch census depuis une adresse que le fichier "
        "census_vintages.json d'ips-map ne connaît pas : la prochaine récupération (et make "
        "edition) les retrouve. Fichier écrit par ips-map ; supprimez une entrée pour l'oublier."
    )
    entry = {
        "adresse": url,
        "fichier": member,
        "enregistre_le": (today or date.today()).isoformat(),
    }
    found = _ARCHIVE_URL.search(url)
    if found:
        entry.update(page=found.group(1), archive=found.group(2))
    data.setdefault("millesimes", {})[str(year)] = entry
    data["millesimes"] = dict(sorted(data["millesimes"].items()))
    return write_json(path, data)


def archive_for_page(page: str, base: str | None = None) -> str:
    """The archive's address of an INSEE page number (``--page``)."""
    base = base or insee_base_url()
    return f"{base.rstrip('/')}/{page}/{INSEE_CENSUS_FILE}"


def census_kind(year: int) -> str:
    """Return INSEE's name for a vintage's figures."""
    return "populations de référence" if year >= FIRST_REFERENCE_YEAR else "populations légales"


def census_citation(year: int) -> str:
    """Return how a vintage is cited: ``Insee, populations légales 2021 (Mayotte : …)``.

    Mayotte has no annual census: every vintage carries its 2017 census.
    """
    return f"Insee, {census_kind(year)} {year} (Mayotte : recensement 2017)"


def publication(year: int) -> str:
    """Return when INSEE publishes a vintage, as told to a user: ``fin décembre N+2``."""
    return f"fin décembre {year + 2}"


def in_force(year: int) -> date:
    """Return the day a vintage's figures come into force: 1 January N+3."""
    return date(year + 3, 1, 1)


def census_page_url(year: int) -> str:
    """Return the insee.fr page of a vintage of the package's file."""
    return f"{INSEE_PAGES_URL}/{INSEE_CENSUS_PAGES[year]}"


def insee_census_url(year: int, base: str | None = None) -> str | None:
    """Return the URL of INSEE's population archive for a vintage, or None if unknown."""
    vintage = known_vintages().get(year)
    return vintage.archive_url(base) if vintage is not None else None


def census_published(year: int, today: date | None = None) -> bool:
    """Return True when INSEE can have published the vintage ``year``: from
    :data:`FIRST_CENSUS_YEAR` on, each at the end of December of ``year + 2``."""
    today = today or date.today()
    return year >= FIRST_CENSUS_YEAR and today >= date(year + 2, 12, 1)


def census_fetch_hint(year: int, today: date | None = None) -> str:
    """Return, in French, how to get a census vintage that the data lack: the ``ips-map
    fetch census`` command when it can succeed, else why no command can (a vintage before
    :data:`FIRST_CENSUS_YEAR`, or not published yet)."""
    if year < FIRST_CENSUS_YEAR:
        return f"Le millésime {year} n'existe pas : {BEFORE_FIRST_CENSUS}"
    if not census_published(year, today):
        return (
            f"Le millésime {year} n'est pas encore publié : l'Insee le publie {publication(year)}."
        )
    if year in known_vintages():
        return f"Pour l'ajouter : ips-map fetch census --year {year}."
    return (
        f"Pour l'ajouter : ips-map fetch census --year {year} --page <numéro de sa page "
        "insee.fr> (ou --url <adresse de l'archive « ensemble.zip » de cette page>)."
    )
