"""An edition of the map: the départements and services of one build, as a comparison needs
them, made from rows as ``coverage.csv`` and ``services.csv`` hold them (read back from a
folder, or in memory while a build runs). Each value is checked; an error names the table, the
line and the column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ips_map.errors import EditionError
from ips_map.outputs import read_number
from ips_map.territory.names import normalize_departement, text_key
from ips_map.vocabulary import COVERAGE_STATUSES, SERVICE_STATUSES


@dataclass(frozen=True)
class Departement:
    """One département of an edition, as its ``coverage.csv`` row says."""

    code: str
    nom: str
    statut: str
    services_actifs: int
    services_en_projet: int
    taux: float | None
    population: int | None
    annee: int | None


@dataclass(frozen=True)
class Service:
    """One service of an edition, with the keys that match it across editions.

    ``key`` is its normalised name and place (:func:`service_key`), ``structure_key`` its
    normalised structure: :mod:`.match` pairs a service by name and structure first, so that
    a service found in another commune is a move.
    """

    key: tuple[str, str]
    nom: str
    statut: str
    code_departement: str
    commune: str
    structure: str
    structure_key: str = ""

    @property
    def name_key(self) -> str:
        """The normalised name (casing, accents and punctuation ignored)."""
        return self.key[0]

    @property
    def place(self) -> str:
        """The commune code, or ``dep:`` and the département when no commune was found."""
        return self.key[1]

    @property
    def where(self) -> str:
        """The commune as a sentence names it, else its département."""
        return self.commune or (
            f"département {self.code_departement}" if self.code_departement else "lieu inconnu"
        )


@dataclass
class Edition:
    """The tables of one build that a comparison needs.

    Attributes
    ----------
    departements
        By code, in the order of ``coverage.csv``.
    services
        Every placed service (closed ones included), in the order of ``services.csv``.
    rejected
        The normalised names of the rows the build could not use (``rejects.csv``, without
        its duplicates), to say that a service now readable was there, rejected.
    summary
        The build's ``summary.json``.
    folder
        The build folder, None for a build in progress.
    """

    departements: dict[str, Departement]
    services: list[Service]
    summary: dict
    folder: Path | None = None
    rejected: tuple[str, ...] = ()

    @property
    def census_year(self) -> int | None:
        """The census vintage of the populations."""
        years = {d.annee for d in self.departements.values() if d.annee is not None}
        if len(years) == 1:
            return years.pop()
        year = self.summary.get("annee_population")
        return year if isinstance(year, int) else None

    def record(self) -> dict:
        """What identifies the edition: folder, build date, census vintage, listing."""
        listing = self.summary.get("liste")
        listing = listing if isinstance(listing, dict) else {}
        return {
            "dossier": str(self.folder) if self.folder is not None else None,
            "date_construction": _text(self.summary.get("date_construction")) or "inconnue",
            "annee_population": self.census_year,
            "liste_fichier": _text(listing.get("fichier")),
            "liste_date": _text(listing.get("date")),
        }


def make_edition(
    coverage_rows: Iterable,
    service_rows: Iterable,
    summary: dict,
    folder: Path | None = None,
    where: tuple[str, str] = ("tableau de couverture", "tableau des services"),
    rejects: Iterable[dict] = (),
) -> Edition:
    """Make an edition from rows as ``coverage.csv`` and ``services.csv`` hold them.

    Parameters
    ----------
    coverage_rows, service_rows
        Dicts (values as text or as Python values), or ``(line, dict)`` pairs when they come
        from a file, so that an error can name the line.
    summary
        The build's ``summary.json``.
    folder
        The build folder, None for a build in progress.
    where
        How errors name the two tables (their paths when read from a folder).
    rejects
        Rows as ``rejects.csv`` holds them (``nom``, ``raison``…): the rows not used.

    Raises
    ------
    EditionError
        A value is not what a build writes, a département is listed twice, or there is none.
    """
    departements: dict[str, Departement] = {}
    for line, row in _numbered(coverage_rows):
        dep = _departement(row, where[0], line)
        if dep.code in departements:
            raise EditionError(f"{where[0]}, ligne {line} : département {dep.code} en double.")
        departements[dep.code] = dep
    if not departements:
        raise EditionError(f"{where[0]} : aucun département ; reconstruisez cette édition.")
    services = [_service(row, where[1], line) for line, row in _numbered(service_rows)]
    return Edition(
        departements=departements,
        services=services,
        summary=summary,
        folder=folder,
        rejected=rejected_names(rejects),
    )


def rejected_names(rejects: Iterable[dict]) -> tuple[str, ...]:
    """The normalised names of the rejected rows: one per row (a row rejected for several
    reasons has one record), without the exact duplicates, which were counted once."""
    names = []
    for row in rejects:
        if isinstance(row, tuple):
            row = row[1]
        name = text_key(_text(row.get("nom")))
        if name and not _is_duplicate(row):
            names.append(name)
    return tuple(names)


def _is_duplicate(row: dict) -> bool:
    """A ``rejects.csv`` record of an exact copy of another row (listing/_rows.py)."""
    return not _text(row.get("colonne")) and "doublon exact" in _text(row.get("raison"))


def service_key(nom: str, code_commune: str, code_departement: str) -> tuple[str, str]:
    """The key that matches a service across editions: normalised name and commune code
    (``dep:`` and the département code when no commune was found)."""
    place = code_commune or (f"dep:{code_departement}" if code_departement else "")
    return text_key(nom), place


def _numbered(rows: Iterable) -> Iterator[tuple[int, dict]]:
    """``(line, row)`` pairs: as given, or numbered from 2 (the line after a CSV header)."""
    for index, item in enumerate(rows, start=2):
        if isinstance(item, tuple):
            yield item
        else:
            yield index, item


def _departement(row: dict, where: str, line: int) -> Departement:
    code = _departement_code(row, "code", where, line)
    if not code:
        raise EditionError(f"{where}, ligne {line}, colonne « code » : code de département vide.")
    statut = _status(row, COVERAGE_STATUSES, where, line)
    return Departement(
        code=code,
        nom=_text(row.get("nom")),
        statut=statut,
        services_actifs=_number(row, "services_actifs", where, line, int) or 0,
        services_en_projet=_number(row, "services_en_projet", where, line, int) or 0,
        taux=_number(row, "services_pour_100k", where, line),
        population=_number(row, "population", where, line, int),
        annee=_number(row, "annee_population", where, line, int),
    )


def _service(row: dict, where: str, line: int) -> Service:
    statut = _status(row, SERVICE_STATUSES, where, line)
    nom = _text(row.get("nom"))
    commune_code = _commune_code(row, "code_commune_trouve")
    dep = _departement_code(row, "code_departement", where, line)
    return Service(
        key=service_key(nom, commune_code, dep),
        nom=nom,
        statut=statut,
        code_departement=dep,
        commune=_text(row.get("nom_commune_trouve")) or _text(row.get("commune")),
        structure=_text(row.get("structure")),
        structure_key=text_key(_text(row.get("structure"))),
    )


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _status(row: dict, statuses: tuple[str, ...], where: str, line: int) -> str:
    statut = _text(row.get("statut"))
    if statut not in statuses:
        raise EditionError(
            f"{where}, ligne {line}, colonne « statut » : valeur « {statut} » inconnue "
            f"(attendu : {', '.join(statuses)})."
        )
    return statut


def _number(row: dict, column: str, where: str, line: int, kind=float):
    text = _text(row.get(column))
    if text == "":
        return None
    try:
        value = read_number(text)  # "0,298" (French CSV) or "0.298"
    except ValueError:
        raise EditionError(
            f"{where}, ligne {line}, colonne « {column} » : valeur « {text} » qui n'est pas un "
            "nombre ; reconstruisez cette édition."
        ) from None
    if math.isnan(value):
        return None
    if math.isinf(value):  # "1e400", "inf": no population or rate is infinite
        raise EditionError(
            f"{where}, ligne {line}, colonne « {column} » : valeur « {text} » hors limites "
            "(nombre infini) ; reconstruisez cette édition."
        )
    return int(value) if kind is int else value


def _departement_code(row: dict, column: str, where: str, line: int) -> str:
    """The département code of a row, as a build writes it: a table re-saved by a
    spreadsheet ("1" for "01") is read as it was written; an unknown code is refused."""
    text = _text(row.get(column))
    if not text:
        return ""
    code, note = normalize_departement(text)
    if code is None:
        raise EditionError(
            f"{where}, ligne {line}, colonne « {column} » : code de département « {text} » "
            f"inconnu ({note}) ; reconstruisez cette édition."
        )
    return code


def _commune_code(row: dict, column: str) -> str:
    # A spreadsheet reads "01053" as a number and writes it back as "1053".
    text = _text(row.get(column))
    return text.zfill(5) if text.isdigit() and len(text) < 5 else text
