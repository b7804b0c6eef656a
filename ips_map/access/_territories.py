"""The access measures of every commune, territory by territory, for today's services and
for the scenario where the planned ones open too (one table of pairs serves both)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from ips_map.access._geometry import project, territories
from ips_map.access.measures import (
    Sites,
    band_pairs,
    e2sfca,
    kd_tree,
    nearest_sites,
    site_demand,
)
from ips_map.access.options import PER_INHABITANTS, AccessOptions
from ips_map.memo import read_texts, remembered, text_arrays

if TYPE_CHECKING:
    from scipy.spatial import cKDTree


@dataclass
class CommuneMeasures:
    """Per commune (in the order of the commune table): distance (km) to the nearest
    service and that service's position in the service table (-1: none in the territory),
    and the E2SFCA score per :data:`PER_INHABITANTS` inhabitants; ``nearest_commune`` gives,
    for each service, the commune whose centre is nearest in its territory (-1: none)."""

    distance_km: np.ndarray
    service: np.ndarray
    score: np.ndarray

    @classmethod
    def empty(cls, n: int) -> CommuneMeasures:
        return cls(np.full(n, np.nan), np.full(n, -1, dtype=np.int64), np.zeros(n))


@dataclass(frozen=True)
class Land:
    """The communes of one territory: their positions in the commune table, their metric
    coordinates and a KD-tree on them (made when first used: a build whose measures are
    kept needs none)."""

    index: np.ndarray
    xy: np.ndarray

    @cached_property
    def tree(self) -> cKDTree:
        return kd_tree(self.xy)


#: The territories of the last commune table measured: a build measures the same table as
#: the one before it (the embedded communes), and its projections and trees are kept.
_LANDS: dict[str, tuple] = {}


def commune_lands(communes: pd.DataFrame) -> dict[str, Land]:
    """Return the communes of each territory, projected, with their KD-tree.

    Kept for the last table seen (the same object, unchanged in length): the commune table
    of :func:`ips_map.territory.data.load_communes` is loaded once and never changed.
    """
    kept = _LANDS.get("last")
    if kept is not None and kept[0]() is communes and kept[1] == len(communes):
        return kept[2]
    lon = communes["longitude"].to_numpy(dtype=float)
    lat = communes["latitude"].to_numpy(dtype=float)
    departements = communes["code_departement"].to_numpy(dtype=object)
    lands = remembered(
        "communes_projetees",
        [departements.tolist(), lon, lat],
        lambda: _projected_lands(departements, lon, lat),
        lambda arrays: _read_lands(arrays, len(communes)),
    )
    _LANDS["last"] = (weakref.ref(communes), len(communes), lands)
    return lands


def _projected_lands(departements: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> dict:
    """The arrays :func:`_read_lands` reads: each territory's communes and their metric
    coordinates."""
    land_of = territories(departements)
    names = np.unique(land_of).tolist()
    arrays = text_arrays("lands", names)
    for i, land in enumerate(names):
        index = np.flatnonzero(land_of == land)
        arrays[f"index{i}"] = index
        arrays[f"xy{i}"] = project(lon[index], lat[index], land)
    return arrays


def _read_lands(arrays, count: int) -> dict[str, Land]:
    lands = {}
    for i, land in enumerate(read_texts(arrays, "lands")):
        index, xy = arrays[f"index{i}"], arrays[f"xy{i}"]
        if xy.shape != (len(index), 2):
            raise ValueError(f"{land} : coordonnées des communes incohérentes")
        lands[land] = Land(index, xy)
    every = np.concatenate([land.index for land in lands.values()] or [np.empty(0, np.int64)])
    if not np.array_equal(np.sort(every), np.arange(count)):
        raise ValueError("communes projetées : pas chaque commune de la table une fois")
    return lands


def projected_communes(communes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each commune's metric coordinates and territory, in the order of the commune table:
    those of :func:`commune_lands` (projected once for the access stage, kept)."""
    xy = np.empty((len(communes), 2))
    group = np.empty(len(communes), dtype=object)
    for name, land in commune_lands(communes).items():
        xy[land.index] = land.xy
        group[land.index] = name
    return xy, group


def measure_territories(
    communes: pd.DataFrame,
    services: pd.DataFrame,
    supply: np.ndarray,
    scenarios: dict[str, np.ndarray],
    options: AccessOptions,
) -> tuple[dict[str, CommuneMeasures], np.ndarray]:
    """Measure every commune for each scenario (a mask of the services open in it).

    Returns the measures of each scenario and, for each service, the commune whose centre is
    nearest to it in its territory (-1 when its territory has no commune). Kept between
    builds (:mod:`ips_map.memo`), under everything they are made from: the communes'
    centres, territories and populations, the services' positions and territories, their
    supply, the scenarios and the bands.
    """
    points = services.geometry.values if len(services) else None
    lon = shapely.get_x(points) if points is not None else np.zeros(0)
    lat = shapely.get_y(points) if points is not None else np.zeros(0)
    departements = services["code_departement"].to_numpy(dtype=object)
    supply = np.asarray(supply, dtype=float)
    names = list(scenarios)
    masks = [np.asarray(scenarios[name], dtype=bool) for name in names]
    inputs = [
        communes["code_departement"].to_numpy(dtype=object).tolist(),
        communes["longitude"].to_numpy(dtype=float),
        communes["latitude"].to_numpy(dtype=float),
        communes["population"].to_numpy(dtype=float),
        departements.tolist(),
        np.asarray(lon, dtype=float),
        np.asarray(lat, dtype=float),
        supply,
        names,
        *masks,
        repr(tuple(float(b) for b in options.bands_km)),
        repr(tuple(float(w) for w in options.weights)),
    ]

    def make() -> dict:
        measured, nearest = _measure_lands(
            communes, (departements, lon, lat), supply, dict(zip(names, masks)), options
        )
        arrays = {"nearest": nearest}
        for i, name in enumerate(names):
            one = measured[name]
            arrays.update({f"d{i}": one.distance_km, f"s{i}": one.service, f"e{i}": one.score})
        return arrays

    def read(arrays) -> tuple[dict[str, CommuneMeasures], np.ndarray]:
        nearest = arrays["nearest"].astype(np.int64, copy=False)
        measured = {}
        for i, name in enumerate(names):
            one = CommuneMeasures(arrays[f"d{i}"], arrays[f"s{i}"], arrays[f"e{i}"])
            shapes = {a.shape for a in (one.distance_km, one.service, one.score)}
            if shapes != {(len(communes),)} or one.service.dtype != np.int64:
                raise ValueError(f"mesures d'accès gardées incohérentes ({name})")
            measured[name] = one
        if nearest.shape != (len(services),):
            raise ValueError("communes les plus proches des services : longueur incohérente")
        return measured, nearest

    return remembered("mesures_acces", inputs, make, read)


def _measure_lands(
    communes: pd.DataFrame,
    services: tuple[np.ndarray, np.ndarray, np.ndarray],
    supply: np.ndarray,
    scenarios: dict[str, np.ndarray],
    options: AccessOptions,
) -> tuple[dict[str, CommuneMeasures], np.ndarray]:
    """:func:`measure_territories`, made: ``services`` are their départements, longitudes
    and latitudes."""
    departements, lon, lat = services
    n = len(communes)
    results = {name: CommuneMeasures.empty(n) for name in scenarios}
    nearest_commune = np.full(len(lon), -1, dtype=np.int64)
    service_land = territories(departements)
    population = communes["population"].to_numpy(dtype=float)
    bands_m = np.asarray(options.bands_km, dtype=float) * 1000.0
    union = np.zeros(len(lon), dtype=bool)
    for mask in scenarios.values():
        union |= mask
    for land, communes_here in commune_lands(communes).items():
        s_index = np.flatnonzero(service_land == land)
        if not len(s_index):
            continue  # no service: distances stay NaN, scores 0
        s_xy = project(lon[s_index], lat[s_index], land)
        nearest_commune[s_index] = communes_here.index[communes_here.tree.query(s_xy)[1]]
        sites = Sites.of(s_xy[union[s_index]])
        pairs = band_pairs(communes_here.tree, sites.xy, bands_m, options.weights)
        demand = site_demand(pairs, population[communes_here.index], len(sites.xy))
        for name, mask in scenarios.items():
            _measure(
                results[name],
                communes_here,
                population,
                s_index,
                s_xy,
                mask,
                union[s_index],
                sites,
                (pairs, demand),
                supply,
            )
    return results, nearest_commune


def _measure(
    out: CommuneMeasures,
    land: Land,
    population: np.ndarray,
    s_index: np.ndarray,
    s_xy: np.ndarray,
    mask: np.ndarray,
    union: np.ndarray,
    sites: Sites,
    reach: tuple,
    supply: np.ndarray,
) -> None:
    """One scenario in one territory: nearest open service, and E2SFCA over the union's
    sites with the supply of the open services only."""
    c_index = land.index
    open_here = mask[s_index]
    open_index = s_index[open_here]
    # Every service of the union open (the planned scenario): its sites are the union's.
    own = sites if np.array_equal(open_here, union) else Sites.of(s_xy[open_here])
    distance, site = nearest_sites(land.tree, own.xy)
    found = site >= 0
    out.distance_km[c_index] = distance / 1000.0
    out.service[c_index[found]] = open_index[own.first[site[found]]]
    # The union's services, with the supply of those open in this scenario.
    offered = np.where(open_here[union], supply[s_index][union], 0.0)
    site_supply = sites.totals(offered)
    pairs, demand = reach  # the pairs within reach, and each site's weighted population
    score = e2sfca(pairs, population[c_index], site_supply, len(c_index), demand)
    out.score[c_index] = score * PER_INHABITANTS
