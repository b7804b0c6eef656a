"""A regional edition (``--region``): the coverage rows and the services of one région.

Coverage is measured on the whole listing first (a service based outside the région may
serve one of its départements), then the rows are cut to the région's départements, so that
every figure of a regional edition is the national one of those départements. A service is
kept when it is based in the région or serves one of its départements; the others are left
out of the map and the tables, and counted (``services_hors_region`` in ``summary.json``).
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ips_map.pipeline.prepare import Prepared
from ips_map.territory.regions import Region


@dataclasses.dataclass(frozen=True)
class RegionalCut:
    """The rows of a regional edition and what was left out."""

    table: pd.DataFrame  # coverage rows of the région's départements
    prepared: Prepared  # the placement cut to the services kept
    outside: int  # services neither based in the région nor serving it

    def record(self, region: Region) -> dict:
        """``summary.json``'s ``region``: which région, its départements, what was left out."""
        return {**region.record(), "services_hors_region": self.outside}


def cut_to_region(region: Region, table: pd.DataFrame, prepared: Prepared) -> RegionalCut:
    """Return the coverage rows and the services of ``region`` (see the module's docstring).

    Parameters
    ----------
    region
        The région of the edition.
    table
        One row per département (:func:`ips_map.coverage.measure_coverage`), national.
    prepared
        The listing read and placed.
    """
    codes = set(region.departements)
    rows = table[table["code"].isin(codes)].reset_index(drop=True)
    services = prepared.placement.services
    based = services["code_departement"].isin(codes)
    serving = services["desservis"].map(lambda served: not codes.isdisjoint(served))
    keep = (based | serving).to_numpy()
    placement = dataclasses.replace(prepared.placement, services=services[keep])
    return RegionalCut(
        table=rows,
        prepared=dataclasses.replace(prepared, placement=placement),
        outside=int((~keep).sum()),
    )
