"""The greedy choice of :func:`ips_map.access.suggest.suggest_sites`, made lazily.

A site's *gain* is the population still far within reach of it. The plain greedy choice
measures every site's gain (about 7 million commune pairs within 30 km when no commune is
reached yet) and takes the largest. Here a site's gain is measured only when it could be the
largest: every site has a cheap upper bound, the population of the 5 × 5 cells of a grid
(cells of half the reach) around its own cell, which hold everything within its reach.
Sites are measured in decreasing order of bound until no unmeasured site's bound reaches
the largest measured gain; a measured gain is then kept exact by subtracting, after each
pick, what the pick reached. The choice is the plain greedy choice, ties included (the first
site in the input among equal gains), at a fraction of the pairs for the usual K = 5.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ips_map.access.measures import kd_tree

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

#: Grid cells per reach, each way: with cells of half the reach (a hair more, so that
#: rounding never puts a point within reach outside them) a site's reach lies in the 5 × 5
#: cells around its own.
_BLOCK = 2
_CELL_MARGIN = 1 + 1e-6
#: At most this many cells per point of a territory (a tiny reach on a large territory gets
#: larger cells: looser bounds, still true).
_CELLS_PER_POINT = 4
#: Sites measured together: the first batch of a step, and the largest (batches double).
_FIRST_BATCH = 64
_MAX_BATCH = 1024


class Territory:
    """The candidate sites and far communes of one territory: KD-trees and a grid.

    ``sites`` and ``far`` are their positions among all the sites and all the far communes.
    """

    def __init__(self, xy, sites, far, site_pos, far_pos, threshold: float):
        self.sites, self.far = site_pos, far_pos
        self.site_xy = xy[sites[site_pos]]
        self.far_xy = xy[far[far_pos]]
        self.site_tree = kd_tree(self.site_xy)
        self.far_tree = kd_tree(self.far_xy)
        self.threshold = threshold
        points = np.vstack([self.site_xy, self.far_xy])
        low, extent = points.min(axis=0), np.ptp(points, axis=0)
        area = float(np.prod(extent + threshold))
        size = max(
            threshold / _BLOCK * _CELL_MARGIN, np.sqrt(area / (_CELLS_PER_POINT * len(points)))
        )
        self.shape = tuple((extent // size).astype(int) + 1)  # columns, rows
        self.far_cell = self._cells(self.far_xy, low, size)
        self.site_cell = self._cells(self.site_xy, low, size)
        self.cell_pop = np.zeros(self.shape[0] * self.shape[1])

    def _cells(self, xy, low, size) -> np.ndarray:
        column, row = ((xy - low) // size).astype(np.intp).T
        return row * self.shape[0] + column

    def add(self, far: np.ndarray, weights: np.ndarray) -> None:
        """Add ``weights`` to the grid at the far communes ``far`` (their indices)."""
        self.cell_pop += np.bincount(self.far_cell[far], weights, minlength=len(self.cell_pop))

    def bounds(self) -> np.ndarray:
        """An upper bound of each site's gain: the population of the cells around it."""
        columns, rows = self.shape
        grid = self.cell_pop.reshape(rows, columns)
        padded = np.zeros((rows + 2 * _BLOCK + 1, columns + 2 * _BLOCK + 1))
        padded[_BLOCK + 1 : _BLOCK + 1 + rows, _BLOCK + 1 : _BLOCK + 1 + columns] = grid
        total = padded.cumsum(axis=0).cumsum(axis=1)
        width = 2 * _BLOCK + 1
        block = (
            total[width:, width:]
            - total[:-width, width:]
            - total[width:, :-width]
            + total[:-width, :-width]
        )
        return block.reshape(-1)[self.site_cell]

    def gains(self, sites: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The exact gain of the sites ``sites`` (their indices), ``weights`` being the
        population still far of each far commune of the territory."""
        i, j = _pairs(kd_tree(self.site_xy[sites]), self.far_tree, self.threshold)
        return np.bincount(i, weights=weights[j], minlength=len(sites))

    def reached_by(self, site: int) -> np.ndarray:
        """The far communes of the territory (their indices) within reach of one site."""
        return _pairs(kd_tree(self.site_xy[site : site + 1]), self.far_tree, self.threshold)[1]

    def losses(self, far: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The sum of ``weights`` of the far communes ``far`` within reach of each site."""
        i, j = _pairs(self.site_tree, kd_tree(self.far_xy[far]), self.threshold)
        return np.bincount(i, weights=weights[j], minlength=len(self.site_xy))


def _pairs(a: cKDTree, b: cKDTree, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(i, j)`` of the pairs of points of ``a`` and ``b`` at most ``threshold``
    apart (a distance of 0 included)."""
    pairs = a.sparse_distance_matrix(b, threshold, output_type="ndarray")
    return pairs["i"], pairs["j"]


class _State:
    """Gains, bounds and population still far, over all the sites and far communes."""

    def __init__(self, territories: list[Territory], n_sites: int, far_pop: np.ndarray):
        self.territories = territories
        # Integer populations summed in float64: exact below 2**53 people.
        self.remaining = far_pop.astype(float)
        self.gains = np.zeros(n_sites)
        self.measured = np.zeros(n_sites, dtype=bool)
        self.bound = np.zeros(n_sites)  # 0 for a site with nobody far in its territory
        self.owner = np.zeros(n_sites, dtype=np.intp)
        self.local = np.zeros(n_sites, dtype=np.intp)
        for number, territory in enumerate(territories):
            territory.add(np.arange(len(territory.far)), self.remaining[territory.far])
            self.bound[territory.sites] = territory.bounds()
            self.owner[territory.sites] = number
            self.local[territory.sites] = np.arange(len(territory.sites))

    def measure(self) -> float:
        """Measure the sites that could have the largest gain; return the largest gain."""
        batch = _FIRST_BATCH
        while True:
            best = float(self.gains[self.measured].max()) if self.measured.any() else 0.0
            wanted = np.flatnonzero(~self.measured & (self.bound >= best) & (self.bound > 0))
            if not len(wanted):
                return best
            if len(wanted) > batch:
                wanted = wanted[np.argpartition(-self.bound[wanted], batch)[:batch]]
            for number in np.unique(self.owner[wanted]).tolist():
                territory = self.territories[number]
                these = wanted[self.owner[wanted] == number]
                weights = self.remaining[territory.far]
                self.gains[these] = territory.gains(self.local[these], weights)
            self.measured[wanted] = True
            batch = min(2 * batch, _MAX_BATCH)

    def take(self, site: int) -> int:
        """Open ``site``: its far communes are reached; return how many people they hold."""
        territory = self.territories[self.owner[site]]
        reached = territory.reached_by(int(self.local[site]))
        reached = reached[self.remaining[territory.far[reached]] > 0]
        weights = self.remaining[territory.far[reached]]
        # Measured gains stay exact; the others are measured afresh when needed.
        self.gains[territory.sites] -= territory.losses(reached, weights)
        territory.add(reached, -weights)
        self.bound[territory.sites] = territory.bounds()
        self.remaining[territory.far[reached]] = 0
        return int(round(weights.sum()))


def greedy_sites(
    territories: list[Territory], n_sites: int, far_pop: np.ndarray, k: int
) -> list[tuple[int, int]]:
    """Pick up to ``k`` sites one by one, each the site with the largest gain (the first in
    the input among equal gains); return ``(site, people added)`` in the order picked."""
    state = _State(territories, n_sites, far_pop)
    picked = []
    while len(picked) < k:
        if state.measure() <= 0:
            break
        # Every unmeasured site's bound is below the largest measured gain: no tie with them.
        site = int(np.argmax(np.where(state.measured, state.gains, -1.0)))
        picked.append((site, state.take(site)))
    return picked
