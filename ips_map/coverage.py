"""Coverage of each département by IPS services, and the national figures.

A service serves the départements its listing names, or else its office's département.
A département is ``couvert`` when at least one active service serves it, ``en_projet`` when
only planned ones do, ``non_couvert`` otherwise. Closed services count for nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ips_map.vocabulary import SERVICE_TYPES


def measure_coverage(
    populations: pd.DataFrame, services: pd.DataFrame, types: Iterable[str] | None = None
) -> pd.DataFrame:
    """Return one row per département with its services, status and rate.

    Parameters
    ----------
    populations
        One row per département (``code, nom, code_region, nom_region, population,
        annee_population, note_population``), as from
        :func:`ips_map.territory.load_populations`.
    services
        Placed services with ``statut``, ``type`` and ``desservis`` (tuple of codes).
    types
        Service types that count for coverage (default: every type). A listing may mix
        IPS services with other *emploi accompagné* services; the per-type columns show
        them all whatever is counted.

    Returns
    -------
    DataFrame with the population columns plus ``services_actifs``,
    ``services_en_projet`` (of the counted types), ``statut``, ``services_pour_100k`` (NaN
    where the population is unknown), ``actifs_<type>`` for each of :data:`SERVICE_TYPES` (active
    services of that type, counted or not) and ``capacite_active`` (known capacities of the
    counted active services serving the département, a service's capacity shared equally
    among the départements it serves; NaN when none is known) with
    ``actifs_sans_capacite`` (counted active services whose capacity is unknown: when it is
    not 0, ``capacite_active`` is only a lower bound).
    """
    counted = set(types) if types else set(SERVICE_TYPES)
    counts = _counts(populations["code"], services, counted)
    table = populations.copy()
    table["services_actifs"] = [counts[c]["actif"] for c in table["code"]]
    table["services_en_projet"] = [counts[c]["en_projet"] for c in table["code"]]
    table["statut"] = [
        "couvert" if a else "en_projet" if p else "non_couvert"
        for a, p in zip(table["services_actifs"], table["services_en_projet"])
    ]
    population = table["population"].astype("float64")
    population = population.where(population > 0)
    table["services_pour_100k"] = (table["services_actifs"] / population * 100_000).round(3)
    for kind in SERVICE_TYPES:
        table[f"actifs_{kind}"] = [counts[c][kind] for c in table["code"]]
    table["capacite_active"] = [
        round(counts[c]["capacite"], 1) if counts[c]["n_cap"] else float("nan")
        for c in table["code"]
    ]
    # Active services whose capacity is unknown: when > 0, capacite_active is a lower bound.
    table["actifs_sans_capacite"] = [counts[c]["actif"] - counts[c]["n_cap"] for c in table["code"]]
    return table


def _counts(codes: pd.Series, services: pd.DataFrame, counted: set[str]) -> dict[str, dict]:
    """Each département's active and planned services (counted types), active services of
    each type, and the known capacity of the counted active ones with how many have one.

    Whole columns at a time: each service is repeated once per département it serves, and
    the sums are numpy's bincount, which adds in that order, as a loop over the services
    and their départements would (the same capacity to the last digit).
    """
    known = pd.Index(list(dict.fromkeys(codes)))
    served = services["desservis"].tolist()
    lengths = np.fromiter(map(len, served), dtype=np.int64, count=len(served))
    row = np.repeat(np.arange(len(served)), lengths)
    where = known.get_indexer(list(itertools.chain.from_iterable(served)))
    statut = services["statut"].to_numpy(dtype=object)[row]
    kinds = services["type"] if "type" in services else pd.Series("ips", index=services.index)
    kind = kinds.to_numpy(dtype=object)[row]
    missing = np.full(len(services), np.nan)
    capacity = services["capacite_n"].to_numpy(dtype=float) if "capacite_n" in services else missing
    share = (capacity / np.maximum(lengths, 1))[row]
    inside = where >= 0
    active = inside & (statut == "actif")
    is_counted = pd.Series(kind, dtype=object).isin(counted).to_numpy()
    with_capacity = active & is_counted & ~np.isnan(capacity[row])

    def tally(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(
            where[mask], weights=None if weights is None else weights[mask], minlength=len(known)
        )

    figures = {
        "actif": tally(active & is_counted),
        "en_projet": tally(inside & (statut == "en_projet") & is_counted),
        "capacite": tally(with_capacity, share).astype(float),
        "n_cap": tally(with_capacity),
        **{t: tally(active & (kind == t)) for t in SERVICE_TYPES},
    }
    return {
        code: {
            name: (float(values[k]) if name == "capacite" else int(values[k]))
            for name, values in figures.items()
        }
        for k, code in enumerate(known)
    }


def summarize_coverage(coverage: pd.DataFrame) -> dict:
    """Return the national figures of a coverage table.

    Keys: ``departements`` (101), ``departements_couverts``, ``departements_en_projet``,
    ``departements_non_couverts``, ``population_totale``, ``population_non_couverte``,
    ``part_population_non_couverte`` (0–1), ``annee_population`` and
    ``non_couverts_par_population`` (codes, most populous first).
    """
    total = int(coverage["population"].sum())
    uncovered = coverage[coverage["statut"] != "couvert"]
    ranked = uncovered.sort_values(["population", "code"], ascending=[False, True])
    return {
        "departements": int(len(coverage)),
        "departements_couverts": int((coverage["statut"] == "couvert").sum()),
        "departements_en_projet": int((coverage["statut"] == "en_projet").sum()),
        "departements_non_couverts": int((coverage["statut"] == "non_couvert").sum()),
        "population_totale": total,
        "population_non_couverte": int(uncovered["population"].sum()),
        "part_population_non_couverte": round(float(uncovered["population"].sum()) / total, 4)
        if total
        else None,
        "annee_population": int(coverage["annee_population"].iloc[0]),
        "non_couverts_par_population": list(ranked["code"]),
    }
