"""Comparing two editions: what changed from an earlier build to a newer one, one row of
``changes.csv`` per change, with the counts that ``summary.json`` records and the data that
the map's "Évolution" panel draws.

Services are matched by :func:`~ips_map.editions.match.match_services` (normalised name and
structure first), so that a new address spelling is no change and a service found in another
commune is one move, not one added and one removed. The changes of the services (and of the
rates they move) come first; the changes of the population (another census vintage, and the
rates that changed only because of it) have types of their own, counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ips_map.editions.edition import Edition, Service
from ips_map.editions.match import find_rejected, is_move, match_services
from ips_map.editions.read import read_edition
from ips_map.editions.text import (
    CENSUS_DETAIL,
    CENSUS_NAME,
    rate_detail,
    service_detail,
    status_detail,
    summary_lines,
)
from ips_map.outputs import csv_bytes, write_atomic
from ips_map.territory.names import text_key

#: Columns of ``changes.csv``.
CHANGE_COLUMNS = ["type", "code", "nom", "avant", "apres", "detail"]
#: Kinds of change, in the order of ``changes.csv``: the services and what they change, then
#: the population (:data:`POPULATION_CHANGE_TYPES`).
CHANGE_TYPES = (
    "statut",
    "service_ajoute",
    "service_lisible",
    "service_deplace",
    "service_ferme",
    "service_retire",
    "service_rejete",
    "service_statut",
    "taux",
    "millesime",
    "taux_population",
)
#: Changes of the population alone: another census vintage, and the rates that changed only
#: because of it (same number of active services, another population).
POPULATION_CHANGE_TYPES = ("millesime", "taux_population")
#: Kinds of change of a service, each sorted by département and name.
_SERVICE_CHANGE_TYPES = tuple(kind for kind in CHANGE_TYPES if kind.startswith("service_"))
#: The services the map's "Évolution" section names, by kind (at most this many each).
MAP_SERVICE_TYPES = _SERVICE_CHANGE_TYPES
MAP_NAMES_LIMIT = 30
#: Rates are written with three decimals: a smaller difference is rounding, not a change.
RATE_TOLERANCE = 5e-4
#: Coverage statuses from least to most covered: a change up this scale is a gain ("+").
_RANK = {"non_couvert": 0, "en_projet": 1, "couvert": 2}


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
        ``services_ajoutes``, ``services_lisibles`` (rows rejected before, readable now),
        ``services_deplaces``, ``services_fermes``, ``services_retires``,
        ``services_rejetes`` (rows readable before, rejected now),
        ``services_statut_modifie``, ``taux_modifies`` (rates that changed with the number of
        active services), ``taux_population_modifies`` (rates that changed only with the
        population).
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
            "services": {
                kind: [row for row in self.changes if row["type"] == kind]
                for kind in MAP_SERVICE_TYPES
            },
            "names_limit": MAP_NAMES_LIMIT,
        }

    def describe(self, limit: int = 10) -> list[str]:
        """A short summary in French, one line per item (printed by the CLI)."""
        return summary_lines(self.previous, self.current, self.counts, self.changes, limit)


def compare_editions(old: Edition, new: Edition) -> Comparison:
    """List what changed from ``old`` to ``new``.

    Parameters
    ----------
    old, new
        Two editions, as from :func:`~ips_map.editions.read.read_edition` or
        :func:`~ips_map.editions.edition.make_edition`.

    Returns
    -------
    Comparison
        Its ``changes`` are sorted by kind (:data:`CHANGE_TYPES`), then in the order of the
        départements, then by département and name for the services.
    """
    comparison = Comparison(previous=old.record(), current=new.record())
    by_type: dict[str, list[dict]] = {kind: [] for kind in CHANGE_TYPES}
    if old.census_year != new.census_year:
        by_type["millesime"].append(
            _change("millesime", "", CENSUS_NAME, old.census_year, new.census_year, CENSUS_DETAIL)
        )
    _compare_departements(old, new, comparison, by_type)
    pairs = match_services(old.services, new.services)
    rejected = find_rejected(pairs, old.rejected, new.rejected)
    for index, (before, after) in enumerate(pairs):
        change = _service_change(before, after, index in rejected)
        if change:
            by_type[change["type"]].append(change)
    for kind in _SERVICE_CHANGE_TYPES:
        by_type[kind].sort(key=lambda row: (row["code"], text_key(row["nom"]), row["nom"]))
    comparison.changes = [row for kind in CHANGE_TYPES for row in by_type[kind]]
    comparison.counts = _counts(by_type)
    return comparison


def changes_bytes(comparison: Comparison, fmt: str | None = None) -> bytes:
    """The bytes of ``changes.csv``: one row per change, in the CSV format ``fmt``
    (:data:`ips_map.outputs.CSV_FORMATS`, French by default)."""
    return csv_bytes(CHANGE_COLUMNS, comparison.changes, fmt)


def write_changes(path: Path, comparison: Comparison, fmt: str | None = None) -> Path:
    """Write ``changes.csv`` (one row per change) atomically and return its path."""
    return write_atomic(Path(path), changes_bytes(comparison, fmt))


def diff_builds(
    old: Path, new: Path, out: Path | None = None, fmt: str | None = None
) -> tuple[Comparison, Path]:
    """Compare two build folders and write ``changes.csv`` into ``out`` (default ``new``),
    in the CSV format ``fmt`` (French by default).

    Returns
    -------
    (Comparison, Path)
        The comparison and the path of ``changes.csv``.
    """
    comparison = compare_editions(read_edition(old), read_edition(new))
    path = write_changes(Path(out if out is not None else new) / "changes.csv", comparison, fmt)
    return comparison, path


def _compare_departements(
    old: Edition, new: Edition, comparison: Comparison, by_type: dict[str, list[dict]]
) -> None:
    """Status and rate changes of each département, in the order of the newer edition
    (then those that only the older one has)."""
    codes = list(new.departements) + [c for c in old.departements if c not in new.departements]
    for code in codes:
        a, b = old.departements.get(code), new.departements.get(code)
        nom = (b or a).nom
        before, after = (a.statut if a else ""), (b.statut if b else "")
        if before != after:
            by_type["statut"].append(
                _change("statut", code, nom, before, after, status_detail(a, b))
            )
            if a and b:
                sens = "+" if _RANK[after] > _RANK[before] else "-"
                comparison.departements[code] = {"statut": before, "sens": sens}
        rate_before, rate_after = (a.taux if a else None), (b.taux if b else None)
        if _rate_changed(rate_before, rate_after):
            kind = _rate_change_type(a, b)
            by_type[kind].append(
                _change(kind, code, nom, _rate(rate_before), _rate(rate_after), rate_detail(a, b))
            )
            comparison.rates[code] = rate_before


def _rate_change_type(before, after) -> str:
    """``taux_population`` for a rate that changed only with the population (the same
    active services, another population); ``taux`` when the services changed."""
    if before is None or after is None or before.services_actifs != after.services_actifs:
        return "taux"
    if before.population != after.population or before.annee != after.annee:
        return "taux_population"
    return "taux"


def _counts(by_type: dict[str, list[dict]]) -> dict:
    statuses = by_type["statut"]
    return {
        "departements_nouvellement_couverts": sum(r["apres"] == "couvert" for r in statuses),
        "departements_plus_couverts": sum(r["avant"] == "couvert" for r in statuses),
        "departements_statut_modifie": len(statuses),
        "services_ajoutes": len(by_type["service_ajoute"]),
        "services_lisibles": len(by_type["service_lisible"]),
        "services_deplaces": len(by_type["service_deplace"]),
        "services_fermes": len(by_type["service_ferme"]),
        "services_retires": len(by_type["service_retire"]),
        "services_rejetes": len(by_type["service_rejete"]),
        "services_statut_modifie": len(by_type["service_statut"]),
        "taux_modifies": len(by_type["taux"]),
        "taux_population_modifies": len(by_type["taux_population"]),
    }


def _change(kind: str, code: str, nom: str, before, after, detail: str) -> dict:
    return {
        "type": kind,
        "code": code,
        "nom": nom,
        "avant": "" if before is None else before,
        "apres": "" if after is None else after,
        "detail": detail,
    }


def _rate_changed(before: float | None, after: float | None) -> bool:
    if before is None or after is None:
        return (before is None) != (after is None)
    return abs(before - after) > RATE_TOLERANCE


def _rate(value: float | None) -> float | str:
    """A rate as ``changes.csv`` writes it, with three decimals (a number: the CSV format
    chooses its decimal mark)."""
    return "" if value is None else round(value, 3)


def _service_change_type(
    before: Service | None, after: Service | None, rejected: bool = False
) -> str | None:
    """The kind of change from one service to the next; None when there is none (a closed
    service that appears or disappears is no change). ``rejected``: the service added was a
    row rejected by the older edition, or the one removed is rejected by the newer one. A
    service that moved and changed status is its change of status (the detail says the
    move)."""
    if before is None:
        if after.statut == "ferme":
            return None
        return "service_lisible" if rejected else "service_ajoute"
    if after is None:
        if before.statut == "ferme":
            return None
        return "service_rejete" if rejected else "service_retire"
    if before.statut == after.statut:
        if before.statut != "ferme" and is_move(before, after):
            return "service_deplace"
        return None
    if after.statut == "ferme":
        return "service_ferme"
    if before.statut == "ferme":
        return "service_ajoute"  # reopened
    return "service_statut"


def _service_change(
    before: Service | None, after: Service | None, rejected: bool = False
) -> dict | None:
    kind = _service_change_type(before, after, rejected)
    if kind is None:
        return None
    service = after if after is not None else before
    if kind == "service_deplace":  # a move: where it was, where it is
        values = (before.where, after.where)
    else:
        values = (before.statut if before else "", after.statut if after else "")
    return _change(
        kind,
        service.code_departement,
        service.nom,
        *values,
        service_detail(before, after, kind),
    )
