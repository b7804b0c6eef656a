"""The census calendar: which INSEE vintages exist, what INSEE calls them, when each is
published, where its page and archive lie, and what to tell a user who asks for one the data
lack. The other modules ask it for these facts rather than repeat them.
"""

from __future__ import annotations

from datetime import date

from ips_map.settings import insee_base_url

#: INSEE page of the "populations légales / de référence" of each vintage (millésime N,
#: published end of December N+2). The archive is ``{base}/{page}/ensemble.zip``, the
#: "Ensemble des fichiers" link of insee.fr/fr/statistiques/{page}. The pages come from
#: data/PROVENANCE.md; the archive's exact name could not be checked from a machine without
#: internet access: pass ``--url`` if INSEE names it otherwise.
INSEE_CENSUS_PAGES: dict[int, str] = {
    2019: "6011070",
    2020: "6683035",
    2021: "7739582",
    2022: "8290591",
    2023: "8680726",
}
INSEE_CENSUS_FILE = "ensemble.zip"
#: Where the pages of :data:`INSEE_CENSUS_PAGES` are read (cited in the manifest).
INSEE_PAGES_URL = "https://www.insee.fr/fr/statistiques"
#: First vintage of INSEE's annual populations légales (``ips-map fetch census`` refuses
#: earlier ones).
FIRST_CENSUS_YEAR = 2006
#: First vintage that INSEE calls "populations de référence" (earlier: "populations légales").
FIRST_REFERENCE_YEAR = 2023
#: Why a vintage before :data:`FIRST_CENSUS_YEAR` cannot be had, as told to a user.
BEFORE_FIRST_CENSUS = (
    f"les populations légales annuelles de l'Insee commencent en {FIRST_CENSUS_YEAR}."
)


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
    """Return the insee.fr page of a vintage listed in :data:`INSEE_CENSUS_PAGES`."""
    return f"{INSEE_PAGES_URL}/{INSEE_CENSUS_PAGES[year]}"


def insee_census_url(year: int, base: str | None = None) -> str | None:
    """Return the URL of INSEE's population archive for a vintage, or None if unknown."""
    page = INSEE_CENSUS_PAGES.get(year)
    if page is None:
        return None
    base = base or insee_base_url()
    return f"{base.rstrip('/')}/{page}/{INSEE_CENSUS_FILE}"


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
    if year in INSEE_CENSUS_PAGES:
        return f"Pour l'ajouter : ips-map fetch census --year {year}."
    return (
        f"Pour l'ajouter : ips-map fetch census --year {year} --url <adresse de l'archive "
        "« ensemble.zip » de sa page insee.fr>."
    )
