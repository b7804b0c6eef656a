"""Comparing two editions: what changed from an earlier build to a newer one, one row of
``changes.csv`` per change, with the counts that ``summary.json`` records and the data that
the map's "Évolution" panel draws.

A service is matched from one edition to the next by :func:`~ips_map.editions.edition.service_key`
(its normalised name and commune), so that a new address spelling is no change, while a service
that moves to another commune counts as one removed and one added.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ips_map.editions.edition import Edition, Service
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
#: Kinds of change of a service, each sorted by département and name.
_SERVICE_CHANGE_TYPES = ("service_ajoute", "service_ferme", "service_retire", "service_statut")
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
    for before, after in _match_services(old.services, new.services):
        change = _service_change(before, after)
        if change:
            by_type[change["type"]].append(change)
    for kind in _SERVICE_CHANGE_TYPES:
        by_type[kind].sort(key=lambda row: (row["code"], text_key(row["nom"]), row["nom"]))
    comparison.changes = [row for kind in CHANGE_TYPES for row in by_type[kind]]
    comparison.counts = _counts(by_type)
    return comparison


def changes_bytes(comparison: Comparison) -> bytes:
    """The bytes of ``changes.csv``: one row per change."""
    return csv_bytes(CHANGE_COLUMNS, comparison.changes)


def write_changes(path: Path, comparison: Comparison) -> Path:
    """Write ``changes.csv`` (one row per change) atomically and return its path."""
    return write_atomic(Path(path), changes_bytes(comparison))


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
            by_type["taux"].append(
                _change("taux", code, nom, _rate(rate_before), _rate(rate_after), rate_detail(a, b))
            )
            comparison.rates[code] = rate_before


def _counts(by_type: dict[str, list[dict]]) -> dict:
    statuses = by_type["statut"]
    return {
        "departements_nouvellement_couverts": sum(r["apres"] == "couvert" for r in statuses),
        "departements_plus_couverts": sum(r["avant"] == "couvert" for r in statuses),
        "departements_statut_modifie": len(statuses),
        "services_ajoutes": len(by_type["service_ajoute"]),
        "services_fermes": len(by_type["service_ferme"]),
        "services_retires": len(by_type["service_retire"]),
        "services_statut_modifie": len(by_type["service_statut"]),
        "taux_modifies": len(by_type["taux"]),
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


def _rate(value: float | None) -> str:
    return "" if value is None else repr(round(value, 3))


def _match_services(
    old: list[Service], new: list[Service]
) -> Iterator[tuple[Service | None, Service | None]]:
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


def _service_change_type(before: Service | None, after: Service | None) -> str | None:
    """The kind of change from one service to the next; None when there is none (a closed
    service that appears or disappears is no change)."""
    if before is None:
        return None if after.statut == "ferme" else "service_ajoute"
    if after is None:
        return None if before.statut == "ferme" else "service_retire"
    if before.statut == after.statut:
        return None
    if after.statut == "ferme":
        return "service_ferme"
    if before.statut == "ferme":
        return "service_ajoute"  # reopened
    return "service_statut"


def _service_change(before: Service | None, after: Service | None) -> dict | None:
    kind = _service_change_type(before, after)
    if kind is None:
        return None
    service = after if after is not None else before
    return _change(
        kind,
        service.code_departement,
        service.nom,
        before.statut if before is not None else "",
        after.statut if after is not None else "",
        service_detail(before, after),
    )
