"""Where to open next: commune seats for new services, chosen greedily to bring the most
people within reach (the maximal covering location problem, Church & ReVelle 1974).

A commune is *within reach* when its centre is at most ``threshold_m`` metres, in a straight
line, from a service of its own territory (mainland France, Corsica or one overseas
département: never across the sea). The existing services are kept. Each step picks the
candidate commune whose centre, as a new service, brings the most people newly within reach;
the greedy choice is within ``1 − 1/e`` of the optimum (Nemhauser, Wolsey & Fisher 1978) and
a planner can check it by hand. It is a computed suggestion, not a recommendation. The
choice is made lazily (:mod:`ips_map.access._greedy`): the same sites, measuring only the
gains that could be the largest.

:func:`suggest_sites` works on arrays in metres (:func:`ips_map.access.points.project_points`);
:func:`suggestions_table` gives the rows of ``suggestions.csv``. In a build, with
``communes`` the commune table and its names (``code, nom, code_departement, nom_departement,
code_ze, libelle_ze, population, longitude, latitude``; other names through ``columns=``)::

    xy, group = project_points(communes["longitude"], communes["latitude"],
                               communes["code_departement"])
    kept = services[counted]  # active services of the counted types (and, for
                              # --suggest-after-planned, the planned ones too)
    kept_xy, kept_group = project_points(kept.geometry.x, kept.geometry.y,
                                         kept["code_departement"])
    inside = communes["code_departement"].isin(region.departements)  # --region, else None
    picks = suggest_sites(xy, communes["population"], group, kept_xy, kept_group,
                          30_000, k, candidates=inside)
    write_csv(out / "suggestions.csv", SUGGESTION_COLUMNS,
              suggestions_table(picks, communes, 30_000))

Give the communes in code order: between equal gains the first commune wins, so the choice
does not depend on anything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ips_map.access._greedy import Territory, greedy_sites
from ips_map.access.measures import kd_tree
from ips_map.vocabulary import SUGGESTION_COLUMNS


@dataclass(frozen=True)
class Suggestion:
    """One suggested site, in the order chosen.

    ``commune`` is the index of the commune in the arrays given to :func:`suggest_sites`;
    ``population_added`` the people it brings newly within reach (after the sites chosen
    before it); ``population_total`` the running total of people brought within reach by the
    suggestions up to this one.
    """

    commune: int
    population_added: int
    population_total: int


def suggest_sites(
    commune_xy,
    commune_pop,
    commune_group,
    service_xy,
    service_group,
    threshold_m: float,
    k: int,
    candidates=None,
) -> list[Suggestion]:
    """Choose up to ``k`` commune seats for new services, greedily.

    Parameters
    ----------
    commune_xy
        ``(n, 2)`` commune centres in metres, each in its territory's CRS.
    commune_pop
        ``(n,)`` populations (non-negative integers).
    commune_group
        ``(n,)`` territory labels: a commune is reached only from its own territory.
    service_xy, service_group
        ``(m, 2)`` and ``(m,)``: the services kept (those that count, active ones, or active
        and planned ones for the scenario "if the planned services open").
    threshold_m
        Reach in metres (a commune at exactly ``threshold_m`` is within reach).
    k
        Number of sites wanted; 0 gives none.
    candidates
        ``(n,)`` boolean mask of the communes that may be chosen (default: all), e.g. those of
        one région. Every commune counts as population, whatever the mask.

    Returns
    -------
    The suggestions in the order chosen: fewer than ``k`` when no candidate left brings
    anyone within reach. Between candidates that bring the same number of people, the one
    that comes first in the input wins (give communes in code order for a stable choice).
    """
    xy, pop, group = _communes(commune_xy, commune_pop, commune_group)
    candidates = _candidates(candidates, len(pop))
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"nombre de suggestions invalide : {k!r} (un entier ≥ 0 attendu)")
    threshold = _threshold(threshold_m)
    reached = reached_communes(xy, group, service_xy, service_group, threshold)
    if k == 0:
        return []
    far = np.flatnonzero(~reached & (pop > 0))
    sites = np.flatnonzero(candidates)
    (codes,) = _codes(group)
    territories = []
    for code in np.unique(codes[far]).tolist():
        site_pos = np.flatnonzero(codes[sites] == code)
        if len(site_pos):
            far_pos = np.flatnonzero(codes[far] == code)
            territories.append(Territory(xy, sites, far, site_pos, far_pos, threshold))
    suggestions, total = [], 0
    for site, added in greedy_sites(territories, len(sites), pop[far], int(k)):
        total += added
        suggestions.append(Suggestion(int(sites[site]), added, total))
    return suggestions


def reached_communes(
    commune_xy, commune_group, service_xy, service_group, threshold_m: float
) -> np.ndarray:
    """Return the ``(n,)`` mask of communes within ``threshold_m`` metres of a service of
    their own territory (arguments as for :func:`suggest_sites`)."""
    xy = _points(commune_xy, "communes")
    group = _labels(commune_group, len(xy), "communes")
    services = _points(service_xy, "services")
    service_group = _labels(service_group, len(services), "services")
    threshold = _threshold(threshold_m)
    reached = np.zeros(len(xy), dtype=bool)
    codes, service_codes = _codes(group, service_group)
    for code in np.unique(service_codes).tolist():
        rows = np.flatnonzero(codes == code)
        if len(rows):
            tree = kd_tree(services[service_codes == code])
            distance, _ = tree.query(xy[rows], k=1)
            reached[rows] = distance <= threshold
    return reached


def _communes(commune_xy, commune_pop, commune_group):
    xy = _points(commune_xy, "communes")
    pop = np.asarray(commune_pop).reshape(-1)
    if len(pop) != len(xy):
        raise ValueError(f"{len(pop)} populations pour {len(xy)} communes")
    if len(pop) and not np.issubdtype(pop.dtype, np.integer):
        if not np.all(np.isfinite(pop)) or np.any(pop != np.round(pop)):
            raise ValueError("populations : des nombres entiers attendus")
        pop = pop.astype(np.int64)
    if np.any(pop < 0):
        raise ValueError(f"population négative : commune {int(np.flatnonzero(pop < 0)[0])}")
    return xy, pop.astype(np.int64), _labels(commune_group, len(xy), "communes")


def _candidates(candidates, n: int) -> np.ndarray:
    if candidates is None:
        return np.ones(n, dtype=bool)
    mask = np.asarray(candidates)
    if mask.dtype != bool or mask.shape != (n,):
        raise ValueError(f"candidats : un masque booléen de {n} valeurs attendu")
    return mask


def _points(values, what: str) -> np.ndarray:
    xy = np.asarray(values, dtype=float)
    if xy.size == 0:
        return xy.reshape(0, 2)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"{what} : des coordonnées (x, y) en mètres attendues, forme {xy.shape}")
    if not np.all(np.isfinite(xy)):
        raise ValueError(f"{what} : coordonnées manquantes ou invalides")
    return xy


def _labels(values, n: int, what: str) -> np.ndarray:
    labels = np.asarray(values, dtype=object).reshape(-1)
    if len(labels) != n:
        raise ValueError(f"{what} : {len(labels)} territoires pour {n} points")
    return labels


def _codes(*labels: np.ndarray) -> list[np.ndarray]:
    """The territory labels of each array as integers, the same label the same number."""
    codes, _ = pd.factorize(np.concatenate(labels))
    return np.split(codes, np.cumsum([len(a) for a in labels[:-1]]).tolist())


def _threshold(threshold_m) -> float:
    try:
        threshold = float(threshold_m)
    except (TypeError, ValueError):
        threshold = float("nan")
    if not np.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"seuil de distance invalide : {threshold_m!r} (en mètres, > 0)")
    return threshold


#: The columns of ``suggestions.csv``.

#: Where :func:`suggestions_table` reads each output column in the commune table, by default.
COMMUNE_COLUMNS = {
    "code_commune": "code",
    "commune": "nom",
    "code_departement": "code_departement",
    "departement": "nom_departement",
    "code_zone_emploi": "code_ze",
    "zone_emploi": "libelle_ze",
    "longitude": "longitude",
    "latitude": "latitude",
}
#: Output columns that may be missing from the commune table (written empty).
_OPTIONAL = ("code_zone_emploi", "zone_emploi")


def method_text(threshold_m: float, after_planned: bool = False) -> str:
    """The ``methode`` of ``suggestions.csv``: how the suggestions were computed, in French."""
    km = float(threshold_m) / 1000
    distance = f"{km:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    text = (
        "suggestion calculée : choix glouton maximisant la population nouvellement à moins "
        f"de {distance} km à vol d'oiseau (problème de couverture maximale)"
    )
    if after_planned:
        text += ", les services en projet comptés comme ouverts"
    return text


def suggestions_table(
    suggestions: Sequence[Suggestion],
    communes,
    threshold_m: float,
    *,
    after_planned: bool = False,
    columns: Mapping[str, str] | None = None,
) -> list[dict]:
    """Return the rows of ``suggestions.csv`` (:data:`SUGGESTION_COLUMNS`), one per suggestion.

    Parameters
    ----------
    suggestions
        From :func:`suggest_sites`, whose commune indices are positions in ``communes``.
    communes
        The commune table given to :func:`suggest_sites` (a DataFrame, or a mapping of
        column name to a sequence), in the same order.
    threshold_m
        The reach used, stated in ``methode``.
    after_planned
        Whether the planned services were counted as open (``--suggest-after-planned``).
    columns
        Where each output column is read in ``communes`` (default :data:`COMMUNE_COLUMNS`);
        the zone d'emploi columns are written empty when the table has none.
    """
    where = {**COMMUNE_COLUMNS, **(columns or {})}
    method = method_text(threshold_m, after_planned)
    names = set(communes.keys())
    missing = [where[c] for c in where if where[c] not in names and c not in _OPTIONAL]
    if missing:
        raise ValueError(f"table des communes : colonnes manquantes {missing}")
    # Only the suggested communes are read (not every column of 35,000 made into a list).
    values = {out: communes[name] for out, name in where.items() if name in names}
    rows = []
    for rank, suggestion in enumerate(suggestions, start=1):
        row = {out: _plain(_at(values[out], suggestion.commune)) for out in values}
        row.update(
            rang=rank,
            population_ajoutee=suggestion.population_added,
            population_ajoutee_cumulee=suggestion.population_total,
            methode=method,
        )
        rows.append({c: row.get(c, "") for c in SUGGESTION_COLUMNS})
    return rows


def _at(column, position: int):
    """The value at ``position`` of a column: a Series by position, else a sequence."""
    return column.iloc[position] if hasattr(column, "iloc") else column[position]


def _plain(value):
    """A numpy scalar as the Python value (so CSV and JSON write it as a number)."""
    return value.item() if isinstance(value, np.generic) else value
