"""The access measures of one territory, whole arrays at a time: each commune's nearest
service (:func:`nearest_sites`) and the E2SFCA score (:func:`e2sfca`), from a KD-tree on
metric coordinates and a sparse table of the commune–site pairs within the largest band.

Services at the same position are one *site* (their supplies added up): the pairs are
counted per site, not per service. No Python loop runs over communes or services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.spatial import cKDTree


@dataclass(frozen=True)
class Sites:
    """The distinct positions of a set of services, in metres.

    ``xy`` (m, 2) are the sites; ``site`` gives each service's site; ``first`` each site's
    first service (the listing's order), which names the site.
    """

    xy: np.ndarray
    site: np.ndarray
    first: np.ndarray

    @classmethod
    def of(cls, xy: np.ndarray) -> Sites:
        """Group services (``(n, 2)`` metres) by position."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if not len(xy):
            return cls(xy, np.zeros(0, np.int64), np.zeros(0, np.int64))
        # Exact positions as complex numbers: one sort instead of numpy's row-wise unique.
        point = xy[:, 0] + 1j * xy[:, 1]
        unique, first, site = np.unique(point, return_index=True, return_inverse=True)
        return cls(np.column_stack([unique.real, unique.imag]), site.reshape(-1), first)

    def totals(self, values: np.ndarray) -> np.ndarray:
        """Sum a value of each service over the services of each site."""
        return np.bincount(self.site, weights=values, minlength=len(self.xy))


#: Sites whose pairs are searched at once (see :func:`band_pairs`): a block of 4,096 sites
#: is about 1.7 million pairs of communes within 45 km, 40 MB of scipy's table.
PAIR_BLOCK_SITES = 4096


def kd_tree(points) -> cKDTree:
    """A KD-tree on ``(n, 2)`` points, or the tree given. scipy is imported here, on first
    use: a build whose measures are kept (:mod:`ips_map.memo`) never loads it (0.2–0.3 s
    of ``scipy.spatial``'s imports)."""
    from scipy.spatial import cKDTree

    return points if isinstance(points, cKDTree) else cKDTree(np.asarray(points, dtype=float))


def nearest_sites(communes, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each commune's distance (m) to the nearest site and that site's index; with
    no site, distances are NaN and indices -1.

    Parameters
    ----------
    communes
        ``(n, 2)`` metric coordinates of one territory's communes, or a KD-tree on them.
    sites
        ``(m, 2)`` metric coordinates of the sites, in the same CRS.
    """
    tree = kd_tree(communes)
    n = tree.n
    if not len(sites) or not n:
        return np.full(n, np.nan), np.full(n, -1, dtype=np.int64)
    distance, index = kd_tree(sites).query(tree.data, k=1)
    return np.asarray(distance, dtype=float), np.asarray(index, dtype=np.int64)


@dataclass(frozen=True)
class Pairs:
    """The commune–site pairs within the largest band, with the weight of each pair."""

    commune: np.ndarray
    site: np.ndarray
    weight: np.ndarray


def band_pairs(communes, sites: np.ndarray, bands_m: np.ndarray, weights: np.ndarray) -> Pairs:
    """Return the pairs of a commune and a site at most ``bands_m[-1]`` metres apart, each
    weighted by its band: a distance ``d`` is in the first band whose upper bound is ≥ d
    (15 km exactly is in 0–15 km). ``communes`` are metric coordinates or a KD-tree."""
    tree = kd_tree(communes)
    if not tree.n or not len(sites):
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty, np.zeros(0))
    sites = np.asarray(sites, dtype=float)
    reach, bounds = float(bands_m[-1]), np.asarray(bands_m, dtype=float)[:-1]
    # By blocks of sites: scipy's table of pairs takes 24 bytes a pair (two int64 and a
    # float64), 12 million pairs for 100,000 services; each block is kept as two int32
    # and a band (9 bytes), and the weights made once at the end.
    sites_of, communes_of, bands_of = [], [], []
    for start in range(0, len(sites), PAIR_BLOCK_SITES):
        block = sites[start : start + PAIR_BLOCK_SITES]
        table = kd_tree(block).sparse_distance_matrix(tree, reach, output_type="ndarray")
        # A distance's band: how many upper bounds it is beyond (comparisons, cheaper
        # than a search for a few bands).
        band = np.zeros(len(table), dtype=np.int8)
        for bound in bounds:
            band += table["v"] > bound
        sites_of.append(table["i"].astype(np.int32) + np.int32(start))
        communes_of.append(table["j"].astype(np.int32))
        bands_of.append(band)
        del table
    band = np.concatenate(bands_of)
    return Pairs(
        np.concatenate(communes_of), np.concatenate(sites_of), np.asarray(weights, float)[band]
    )


def site_demand(pairs: Pairs, population: np.ndarray, n_sites: int) -> np.ndarray:
    """Each site's weighted population within reach, Σ_k P_k·W(d_kj) (E2SFCA's step 1
    denominator, the same whatever the supply)."""
    weighted = np.asarray(population, dtype=float)[pairs.commune]
    weighted *= pairs.weight  # in place: one array of a float per pair, not two
    return np.bincount(pairs.site, weights=weighted, minlength=n_sites)


def e2sfca(
    pairs: Pairs,
    population: np.ndarray,
    supply: np.ndarray,
    n_communes: int,
    demand: np.ndarray | None = None,
) -> np.ndarray:
    """Return each commune's E2SFCA accessibility (supply per inhabitant).

    Step 1, each site j gets R_j = S_j / Σ_k P_k·W(d_kj); step 2, each commune i gets
    A_i = Σ_j R_j·W(d_ij) (Luo & Qi 2009). A site with no inhabitant within reach offers
    nothing to anyone (R_j = 0).

    Parameters
    ----------
    pairs
        From :func:`band_pairs`.
    population
        Each commune's population (P_k).
    supply
        Each site's supply (S_j): capacities, or numbers of services.
    demand
        :func:`site_demand`, when already computed for another supply.
    """
    supply = np.asarray(supply, dtype=float)
    if demand is None:
        demand = site_demand(pairs, population, len(supply))
    ratio = np.divide(supply, demand, out=np.zeros(len(supply)), where=demand > 0)
    offered = ratio[pairs.site]
    offered *= pairs.weight  # in place, as in site_demand
    return np.bincount(pairs.commune, weights=offered, minlength=n_communes)
