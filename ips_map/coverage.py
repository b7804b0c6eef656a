"""Coverage of each département by IPS services, and the national figures.

A service serves the départements its listing names, or else its office's département.
A département is ``couvert`` when at least one active service serves it, ``en_projet`` when
only planned ones do, ``non_couvert`` otherwise. Closed services count for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

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
    counts = {
        code: {
            "actif": 0,
            "en_projet": 0,
            "capacite": 0.0,
            "n_cap": 0,
            **dict.fromkeys(SERVICE_TYPES, 0),
        }
        for code in populations["code"]
    }
    missing = pd.Series([float("nan")] * len(services), index=services.index)
    for statut, kind, served, capacity in zip(
        services["statut"],
        services["type"] if "type" in services else pd.Series("ips", index=services.index),
        services["desservis"],
        services.get("capacite_n", missing),
    ):
        if statut not in ("actif", "en_projet"):
            continue
        for code in served:
            if code not in counts:
                continue
            if statut == "actif" and kind in SERVICE_TYPES:
                counts[code][kind] += 1
            if kind not in counted:
                continue
            counts[code][statut] += 1
            if statut == "actif" and capacity == capacity:
                counts[code]["capacite"] += capacity / len(served)
                counts[code]["n_cap"] += 1
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
