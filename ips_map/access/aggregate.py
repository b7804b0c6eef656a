"""Commune figures summed up per group (département, zone d'emploi) and nationally, each
inhabitant counted once: population-weighted mean distance and E2SFCA, population and share
beyond each threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ips_map.access.options import AccessOptions


def _shares(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.full(len(whole), np.nan), where=whole > 0)


def factorized(keys) -> tuple[np.ndarray, np.ndarray]:
    """Each commune's group number and the groups (sorted), for :func:`group_figures`."""
    where, groups = pd.factorize(np.asarray(keys, dtype=object), sort=True)
    return np.asarray(where, dtype=np.int64), np.asarray(groups, dtype=object)


def group_figures(
    keys,
    population: np.ndarray,
    distance_km: np.ndarray,
    score: np.ndarray,
    options: AccessOptions,
) -> pd.DataFrame:
    """Return the six access columns of each group, indexed by its key (sorted).

    A commune without any service in its territory (distance NaN) counts among the
    inhabitants beyond every threshold, and out of the mean distance: a group whose communes
    all lack one has no mean distance (NaN). Means are weighted by population; a group with
    no inhabitant has none (NaN).

    Parameters
    ----------
    keys
        Each commune's group (département or zone code), or :func:`factorized` of them.
    population, distance_km, score
        Each commune's population, distance to the nearest service (km) and E2SFCA score
        (per :data:`~ips_map.access.options.PER_INHABITANTS` inhabitants).
    """
    where, groups = keys if isinstance(keys, tuple) else factorized(keys)
    n = len(groups)
    population = np.asarray(population, dtype=float)
    distance_km = np.asarray(distance_km, dtype=float)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(where, weights=values, minlength=n)

    inhabitants = total(population)
    reached = np.isfinite(distance_km)
    near_population = total(np.where(reached, population, 0.0))
    weighted = total(np.where(reached, population * distance_km, 0.0))
    columns = options.columns()
    frame = pd.DataFrame(index=pd.Index(groups, name="code"))
    frame[columns[0]] = _shares(weighted, near_population)
    beyond = []
    for threshold in options.thresholds_km:
        far = ~reached | (distance_km > threshold)
        beyond.append(total(np.where(far, population, 0.0)))
    frame[columns[1]] = _shares(beyond[0], inhabitants)
    frame[columns[2]] = _shares(beyond[1], inhabitants)
    frame[columns[3]] = np.rint(beyond[0]).astype(np.int64)
    frame[columns[4]] = np.rint(beyond[1]).astype(np.int64)
    frame[columns[5]] = _shares(total(population * np.asarray(score, dtype=float)), inhabitants)
    frame.insert(0, "population", np.rint(inhabitants).astype(np.int64))
    return rounded(frame, options)


def rounded(frame: pd.DataFrame, options: AccessOptions) -> pd.DataFrame:
    """Round the access columns as they are written: km to 0.01, shares to 0.0001, scores
    to 0.001."""
    columns = options.columns()
    frame[columns[0]] = frame[columns[0]].round(2)
    frame[columns[1]] = frame[columns[1]].round(4)
    frame[columns[2]] = frame[columns[2]].round(4)
    frame[columns[5]] = frame[columns[5]].round(3)
    return frame


def national_figures(
    population: np.ndarray, distance_km: np.ndarray, score: np.ndarray, options: AccessOptions
) -> dict:
    """The same figures over every commune given, as a dict of Python numbers (None for
    NaN), with the inhabitants of a territory without any service."""
    keys = (np.zeros(len(population), dtype=np.int64), np.array(["France"], dtype=object))
    row = group_figures(keys, population, distance_km, score, options)
    record = (
        {name: (None if value != value else value) for name, value in row.iloc[0].to_dict().items()}
        if len(row)
        else {name: None for name in ["population", *options.columns()]}
    )
    for name in ("population", *options.columns()[3:5]):
        if record.get(name) is not None:
            record[name] = int(record[name])
    unreached = ~np.isfinite(np.asarray(distance_km, dtype=float))
    record["communes"] = int(len(population))
    record["communes_sans_service_dans_le_territoire"] = int(unreached.sum())
    record["population_sans_service_dans_le_territoire"] = int(
        np.asarray(population, dtype=np.int64)[unreached].sum()
    )
    return record
