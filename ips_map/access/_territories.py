"""The access measures of every commune, territory by territory, for today's services and
for the scenario where the planned ones open too (one table of pairs serves both)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ips_map.access._geometry import project, territories
from ips_map.access.measures import Sites, band_pairs, e2sfca, nearest_sites
from ips_map.access.options import PER_INHABITANTS, AccessOptions


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


def measure_territories(
    communes: pd.DataFrame,
    services: pd.DataFrame,
    supply: np.ndarray,
    scenarios: dict[str, np.ndarray],
    options: AccessOptions,
) -> tuple[dict[str, CommuneMeasures], np.ndarray]:
    """Measure every commune for each scenario (a mask of the services open in it).

    Returns the measures of each scenario and, for each service, the commune whose centre is
    nearest to it in its territory (-1 when its territory has no commune).
    """
    n = len(communes)
    results = {name: CommuneMeasures.empty(n) for name in scenarios}
    nearest_commune = np.full(len(services), -1, dtype=np.int64)
    commune_land = territories(communes["code_departement"].to_numpy(dtype=object))
    service_land = territories(services["code_departement"].to_numpy(dtype=object))
    points = services.geometry.values if len(services) else None
    lon = shapely.get_x(points) if points is not None else np.zeros(0)
    lat = shapely.get_y(points) if points is not None else np.zeros(0)
    population = communes["population"].to_numpy(dtype=float)
    bands_m = np.asarray(options.bands_km, dtype=float) * 1000.0
    for land in np.unique(commune_land).tolist():
        c_index = np.flatnonzero(commune_land == land)
        c_xy = project(
            communes["longitude"].to_numpy()[c_index],
            communes["latitude"].to_numpy()[c_index],
            land,
        )
        s_index = np.flatnonzero(service_land == land)
        s_xy = project(lon[s_index], lat[s_index], land)
        if len(s_index):
            _, nearest = nearest_sites(s_xy, c_xy)
            nearest_commune[s_index] = c_index[nearest]
        union = np.zeros(len(s_index), dtype=bool)
        for mask in scenarios.values():
            union |= mask[s_index]
        sites = Sites.of(s_xy[union])
        pairs = band_pairs(c_xy, sites.xy, bands_m, options.weights)
        for name, mask in scenarios.items():
            _measure(
                results[name],
                c_index,
                c_xy,
                population[c_index],
                s_index,
                s_xy,
                mask,
                union,
                sites,
                pairs,
                supply,
            )
    return results, nearest_commune


def _measure(
    out: CommuneMeasures,
    c_index: np.ndarray,
    c_xy: np.ndarray,
    population: np.ndarray,
    s_index: np.ndarray,
    s_xy: np.ndarray,
    mask: np.ndarray,
    union: np.ndarray,
    sites: Sites,
    pairs,
    supply: np.ndarray,
) -> None:
    """One scenario in one territory: nearest open service, and E2SFCA over the union's
    sites with the supply of the open services only."""
    open_here = mask[s_index]
    open_index = s_index[open_here]
    own = Sites.of(s_xy[open_here])
    distance, site = nearest_sites(c_xy, own.xy)
    found = site >= 0
    out.distance_km[c_index] = distance / 1000.0
    out.service[c_index[found]] = open_index[own.first[site[found]]]
    # The union's services, with the supply of those open in this scenario.
    offered = np.where(open_here[union], supply[s_index][union], 0.0)
    site_supply = sites.totals(offered)
    score = e2sfca(pairs, population, site_supply, len(c_index))
    out.score[c_index] = score * PER_INHABITANTS
