"""Compare two editions of the map: what changed between an earlier build and a newer one.

An edition is a build folder (``coverage.csv``, ``services.csv``, ``summary.json``), or the
same tables in memory while a build runs. :func:`compare_editions` lists

- the départements whose coverage status changed (before → after);
- the services added, closed (their ``statut`` became ``ferme``), removed from the listing, or
  whose status changed otherwise (``en_projet`` → ``actif``). A service is matched from one
  edition to the next by a stable key: its normalised name and the commune found for it (its
  département when it was placed by coordinates alone), so that a new address spelling or
  phone number is no change, while a service that moves to another commune counts as one
  removed and one added;
- the rates per 100,000 inhabitants that changed (more or fewer active services, or another
  census vintage), with the population vintage before and after.

Each change is one row of ``changes.csv`` (:data:`CHANGE_COLUMNS`). Nothing here knows about
Click or the map: the CLI prints :meth:`Comparison.describe`, the renderer draws
:meth:`Comparison.map_data`.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ips_map.errors import EditionError
from ips_map.outputs import unescape_formula, write_csv
from ips_map.territory.names import normalize_departement, text_key
from ips_map.vocabulary import (
    COVERAGE_STATUS_LABELS,
    COVERAGE_STATUSES,
    SERVICE_STATUS_LABELS,
    SERVICE_STATUSES,
)

#: Columns of ``changes.csv``.
CHANGE_COLUMNS = ["type", "code", "nom", "avant", "apres", "detail"]
#: The files of a build that a comparison reads.
EDITION_FILES = ("coverage.csv", "services.csv", "summary.json")
COVERAGE_REQUIRED = (
    "code",
    "nom",
    "statut",
    "services_actifs",
    "services_en_projet",
    "services_pour_100k",
    "population",
    "annee_population",
)
SERVICE_REQUIRED = ("nom", "statut", "code_departement", "code_commune_trouve")
#: Kinds of change, in the order of ``changes.csv``.
CHANGE_TYPES = (
    "millesime",
    "statut",
    "service_ajoute",
    "service_ferme",
    "service_retire",
    "service_statut",
    "taux",
)
#: Rates are written with three decimals: a smaller difference is rounding, not a change.
RATE_TOLERANCE = 5e-4
_RANK = {"non_couvert": 0, "en_projet": 1, "couvert": 2}


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
    """One service of an edition, with the key that matches it across editions."""

    key: tuple[str, str]
    nom: str
    statut: str
    code_departement: str
    commune: str
    structure: str


@dataclass
class Edition:
    """The tables of one build that a comparison needs.

    Attributes
    ----------
    departements
        By code, in the order of ``coverage.csv``.
    services
        Every placed service (closed ones included), in the order of ``services.csv``.
    summary
        The build's ``summary.json``.
    folder
        The build folder, None for a build in progress.
    """

    departements: dict[str, Departement]
    services: list[Service]
    summary: dict
    folder: Path | None = None

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


@dataclass
class Comparison:
    """What changed from one edition to the next.

    Attributes
    ----------
    previous, current
        :meth:`Edition.record` of the two editions.
    changes
        Rows of ``changes.csv`` (keys :data:`CHANGE_COLUMNS`).
    counts
        Numbers of changes: ``departements_nouvellement_couverts``,
        ``departements_plus_couverts``, ``departements_statut_modifie`` (every status change),
        ``services_ajoutes``, ``services_fermes``, ``services_retires``,
        ``services_statut_modifie``, ``taux_modifies``.
    departements
        By code, the départements whose status changed: ``statut`` before and ``sens``
        (``"+"`` towards coverage, ``"-"`` away from it).
    rates
        By code, the rate before, for the départements whose rate changed.
    """

    previous: dict
    current: dict
    changes: list[dict] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    departements: dict[str, dict] = field(default_factory=dict)
    rates: dict[str, float | None] = field(default_factory=dict)

    def record(self) -> dict:
        """The comparison as written into the new build's ``summary.json``."""
        return {"edition_precedente": self.previous, "changements": self.counts}

    def map_data(self) -> dict:
        """What the map shows: both editions, the counts, the changed départements."""
        return {
            "previous": self.previous,
            "current": self.current,
            "counts": self.counts,
            "departements": self.departements,
            "rates": self.rates,
            "status_changes": [row for row in self.changes if row["type"] == "statut"],
        }

    def describe(self, limit: int = 10) -> list[str]:
        """A short summary in French, one line per item (printed by the CLI)."""
        p, c, n = self.previous, self.current, self.counts
        lines = [
            f"Évolution depuis l'édition du {p['date_construction']} "
            f"(population Insee {p['annee_population']}) jusqu'à celle du "
            f"{c['date_construction']} (population Insee {c['annee_population']}) :"
        ]
        if not self.changes:
            lines.append("  aucun changement.")
            return lines
        lines.append(
            f"  départements : {n['departements_nouvellement_couverts']} nouvellement "
            f"couvert(s), {n['departements_plus_couverts']} qui ne le sont plus, "
            f"{n['departements_statut_modifie']} changement(s) de statut en tout ;"
        )
        lines.append(
            f"  services : {n['services_ajoutes']} ajouté(s), {n['services_fermes']} fermé(s), "
            f"{n['services_retires']} retiré(s) de la liste, "
            f"{n['services_statut_modifie']} autre(s) changement(s) de statut ;"
        )
        vintage = (
            f", millésime {p['annee_population']} → {c['annee_population']}"
            if p["annee_population"] != c["annee_population"]
            else ""
        )
        lines.append(
            f"  taux pour 100 000 habitants modifié(s) dans {n['taux_modifies']} "
            f"département(s){vintage}."
        )
        statuses = [row for row in self.changes if row["type"] == "statut"]
        for row in statuses[:limit]:
            lines.append(
                f"  {row['nom']} ({row['code']}) : {_status_label(row['avant'])} → "
                f"{_status_label(row['apres'])}"
            )
        if len(statuses) > limit:
            lines.append(f"  … et {len(statuses) - limit} autre(s) : voir changes.csv")
        return lines


# --- Reading an edition ------------------------------------------------------------------


def read_edition(folder: Path) -> Edition:
    """Read a build folder written by ips-map.

    Parameters
    ----------
    folder
        A folder holding ``coverage.csv``, ``services.csv`` and ``summary.json``.

    Raises
    ------
    EditionError
        The folder or one of its files is missing, or a file is not what a build writes
        (message naming the file, the line and the column).
    """
    folder = Path(folder)
    needed = ", ".join(EDITION_FILES)
    if not folder.is_dir():
        raise EditionError(
            f"{folder} : dossier d'édition introuvable ; indiquez le dossier d'une construction "
            f"d'ips-map (celui qui contient {needed})."
        )
    paths = {name: folder / name for name in EDITION_FILES}
    for path in paths.values():
        if not path.is_file():
            raise EditionError(
                f"{path} : fichier introuvable ; {folder} n'est pas le dossier d'une construction "
                f"complète d'ips-map (il faut {needed}) : reconstruisez cette édition."
            )
    coverage = _read_csv(paths["coverage.csv"], COVERAGE_REQUIRED)
    services = _read_csv(paths["services.csv"], SERVICE_REQUIRED)
    summary = _read_summary(paths["summary.json"])
    return make_edition(
        coverage,
        services,
        summary,
        folder=folder,
        where=(str(paths["coverage.csv"]), str(paths["services.csv"])),
    )


def make_edition(
    coverage_rows: Iterable,
    service_rows: Iterable,
    summary: dict,
    folder: Path | None = None,
    where: tuple[str, str] = ("tableau de couverture", "tableau des services"),
) -> Edition:
    """Make an edition from rows as ``coverage.csv`` and ``services.csv`` hold them.

    Rows are dicts (values as text or as Python values), or ``(line, dict)`` pairs when
    they come from a file, so that an error can name the line.
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
    return Edition(departements=departements, services=services, summary=summary, folder=folder)


def _numbered(rows: Iterable):
    for index, item in enumerate(rows, start=2):
        if isinstance(item, tuple):
            yield item
        else:
            yield index, item


def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            missing = [name for name in required if name not in columns]
            if missing:
                raise EditionError(
                    f"{path} : colonne(s) manquante(s) : {', '.join(missing)} ; ce fichier ne "
                    "vient pas d'une construction d'ips-map (ou d'une version trop ancienne) : "
                    "reconstruisez cette édition."
                )
            # Text written as "'=…" (outputs.escape_formula) is read back as it was.
            return [(reader.line_num, {k: _unescape(v) for k, v in row.items()}) for row in reader]
    except UnicodeDecodeError as exc:
        raise EditionError(
            f"{path} : fichier illisible en UTF-8 (octet {exc.start}) ; une construction "
            "d'ips-map l'écrit en UTF-8 : reconstruisez cette édition."
        ) from exc
    except csv.Error as exc:
        raise EditionError(f"{path} : CSV illisible ({exc}).") from exc


def _unescape(value):
    return unescape_formula(value) if isinstance(value, str) else value


def _read_summary(path: Path) -> dict:
    try:
        # utf-8-sig: a summary re-saved by an editor that adds a BOM is still read.
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise EditionError(f"{path} : fichier illisible en UTF-8 (octet {exc.start}).") from exc
    except json.JSONDecodeError as exc:
        raise EditionError(
            f"{path}, ligne {exc.lineno} : JSON illisible ({exc.msg}) ; reconstruisez cette "
            "édition."
        ) from exc
    if not isinstance(data, dict):
        raise EditionError(f"{path} : un objet JSON est attendu (le résumé d'une construction).")
    return data


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(row: dict, column: str, where: str, line: int, kind=float):
    text = _text(row.get(column))
    if text == "":
        return None
    try:
        value = float(text)
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


def _departement(row: dict, where: str, line: int) -> Departement:
    code = _departement_code(row, "code", where, line)
    if not code:
        raise EditionError(f"{where}, ligne {line}, colonne « code » : code de département vide.")
    statut = _text(row.get("statut"))
    if statut not in COVERAGE_STATUSES:
        raise EditionError(
            f"{where}, ligne {line}, colonne « statut » : valeur « {statut} » inconnue "
            f"(attendu : {', '.join(COVERAGE_STATUSES)})."
        )
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


def service_key(nom: str, code_commune: str, code_departement: str) -> tuple[str, str]:
    """The key that matches a service across editions: normalised name and commune code
    (``dep:`` and the département code when no commune was found)."""
    place = code_commune or (f"dep:{code_departement}" if code_departement else "")
    return text_key(nom), place


def _service(row: dict, where: str, line: int) -> Service:
    statut = _text(row.get("statut"))
    if statut not in SERVICE_STATUSES:
        raise EditionError(
            f"{where}, ligne {line}, colonne « statut » : valeur « {statut} » inconnue "
            f"(attendu : {', '.join(SERVICE_STATUSES)})."
        )
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
    )


# --- Comparing ---------------------------------------------------------------------------


def compare_editions(old: Edition, new: Edition) -> Comparison:
    """List what changed from ``old`` to ``new``.

    Parameters
    ----------
    old, new
        Two editions, as from :func:`read_edition` or :func:`make_edition`.

    Returns
    -------
    Comparison
        Its ``changes`` are sorted by kind (:data:`CHANGE_TYPES`), then in the order of the
        départements, then by département and name for the services.
    """
    comparison = Comparison(previous=old.record(), current=new.record())
    by_type: dict[str, list[dict]] = {kind: [] for kind in CHANGE_TYPES}
    year_old, year_new = old.census_year, new.census_year
    if year_old != year_new:
        by_type["millesime"].append(
            _change(
                "millesime",
                "",
                "population municipale Insee",
                year_old,
                year_new,
                "autre millésime de population : les taux pour 100 000 habitants changent aussi",
            )
        )

    codes = list(new.departements) + [c for c in old.departements if c not in new.departements]
    for code in codes:
        a, b = old.departements.get(code), new.departements.get(code)
        nom = (b or a).nom
        before, after = (a.statut if a else ""), (b.statut if b else "")
        if before != after:
            by_type["statut"].append(
                _change("statut", code, nom, before, after, _status_detail(a, b))
            )
            if a and b:
                sens = "+" if _RANK[after] > _RANK[before] else "-"
                comparison.departements[code] = {"statut": before, "sens": sens}
        rate_before, rate_after = (a.taux if a else None), (b.taux if b else None)
        if _rate_changed(rate_before, rate_after):
            by_type["taux"].append(
                _change(
                    "taux", code, nom, _rate(rate_before), _rate(rate_after), _rate_detail(a, b)
                )
            )
            comparison.rates[code] = rate_before

    for a, b in _match_services(old.services, new.services):
        change = _service_change(a, b)
        if change:
            by_type[change["type"]].append(change)
    for kind in ("service_ajoute", "service_ferme", "service_retire", "service_statut"):
        by_type[kind].sort(key=lambda row: (row["code"], text_key(row["nom"]), row["nom"]))

    comparison.changes = [row for kind in CHANGE_TYPES for row in by_type[kind]]
    statuses = by_type["statut"]
    comparison.counts = {
        "departements_nouvellement_couverts": sum(r["apres"] == "couvert" for r in statuses),
        "departements_plus_couverts": sum(r["avant"] == "couvert" for r in statuses),
        "departements_statut_modifie": len(statuses),
        "services_ajoutes": len(by_type["service_ajoute"]),
        "services_fermes": len(by_type["service_ferme"]),
        "services_retires": len(by_type["service_retire"]),
        "services_statut_modifie": len(by_type["service_statut"]),
        "taux_modifies": len(by_type["taux"]),
    }
    return comparison


def _change(kind: str, code: str, nom: str, before, after, detail: str) -> dict:
    return {
        "type": kind,
        "code": code,
        "nom": nom,
        "avant": "" if before is None else before,
        "apres": "" if after is None else after,
        "detail": detail,
    }


def _status_label(statut: str) -> str:
    return COVERAGE_STATUS_LABELS.get(statut, "absent").lower()


def _status_detail(a: Departement | None, b: Departement | None) -> str:
    if a is None or b is None:
        return "département absent de l'une des deux éditions"
    if b.statut == "couvert":
        what = "nouvellement couvert"
    elif a.statut == "couvert":
        what = "n'est plus couvert"
    else:
        what = f"{_status_label(a.statut)} → {_status_label(b.statut)}"
    return (
        f"{what} (services actifs {a.services_actifs} → {b.services_actifs}, "
        f"en projet {a.services_en_projet} → {b.services_en_projet})"
    )


def _rate_changed(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return (before is None) != (after is None)
    return abs(before - after) > RATE_TOLERANCE


def _rate(value: float | None) -> str:
    return "" if value is None else repr(round(value, 3))


def _int_fr(value: int | None) -> str:
    return "inconnue" if value is None else f"{value:,}".replace(",", "\u202f")


def _rate_detail(a: Departement | None, b: Departement | None) -> str:
    if a is None or b is None:
        return "département absent de l'une des deux éditions"
    return (
        f"services actifs {a.services_actifs} → {b.services_actifs} ; population "
        f"{a.annee} : {_int_fr(a.population)} → {b.annee} : {_int_fr(b.population)}"
    )


def _match_services(old: list[Service], new: list[Service]):
    """Pairs (before, after) of services with the same key; None on the missing side.

    Two services of one edition with the same key are paired in their order."""
    olds: dict[tuple, list[Service]] = {}
    news: dict[tuple, list[Service]] = {}
    for service in old:
        olds.setdefault(service.key, []).append(service)
    for service in new:
        news.setdefault(service.key, []).append(service)
    for key in dict.fromkeys([*news, *olds]):
        before, after = olds.get(key, []), news.get(key, [])
        for i in range(max(len(before), len(after))):
            yield (
                before[i] if i < len(before) else None,
                after[i] if i < len(after) else None,
            )


def _service_status(statut: str) -> str:
    """« en projet », « fermé »: a service's status as written inside a sentence."""
    return SERVICE_STATUS_LABELS[statut].lower() if statut else "absent"


def _service_detail(service: Service, what: str) -> str:
    parts = [what]
    if service.commune:
        parts.append(service.commune)
    if service.structure:
        parts.append(service.structure)
    return " ; ".join(parts)


def _service_change(a: Service | None, b: Service | None) -> dict | None:
    if a is None:
        if b.statut == "ferme":
            return None
        return _change(
            "service_ajoute", b.code_departement, b.nom, "", b.statut,
            _service_detail(b, "nouveau dans la liste"),
        )  # fmt: skip
    if b is None:
        if a.statut == "ferme":
            return None
        return _change(
            "service_retire", a.code_departement, a.nom, a.statut, "",
            _service_detail(a, "absent de la nouvelle liste"),
        )  # fmt: skip
    if a.statut == b.statut:
        return None
    if b.statut == "ferme":
        kind, what = "service_ferme", "fermé"
    elif a.statut == "ferme":
        kind, what = "service_ajoute", "rouvert (fermé dans l'édition précédente)"
    else:
        kind = "service_statut"
        what = (
            "ouvert"
            if b.statut == "actif"
            else f"{_service_status(a.statut)} → {_service_status(b.statut)}"
        )
    return _change(kind, b.code_departement, b.nom, a.statut, b.statut, _service_detail(b, what))


# --- Writing -----------------------------------------------------------------------------


def write_changes(path: Path, comparison: Comparison) -> Path:
    """Write ``changes.csv`` (one row per change) atomically and return its path."""
    return write_csv(Path(path), CHANGE_COLUMNS, comparison.changes)


def diff_builds(old: Path, new: Path, out: Path | None = None) -> tuple[Comparison, Path]:
    """Compare two build folders and write ``changes.csv`` into ``out`` (default ``new``).

    Returns
    -------
    (Comparison, Path)
        The comparison and the path of ``changes.csv``.
    """
    comparison = compare_editions(read_edition(old), read_edition(new))
    path = write_changes(Path(out if out is not None else new) / "changes.csv", comparison)
    return comparison, path
