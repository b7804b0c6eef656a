"""A regional edition (``--region``): the coverage rows and the services of one région.

Coverage is measured on the whole listing first (a service based outside the région may
serve one of its départements), then the rows are cut to the région's départements, so that
every figure of a regional edition is the national one of those départements. A service is
kept when it is based in the région or serves one of its départements; the others are left
out of the map and the tables, and counted (``services_hors_region`` in ``summary.json``).
An earlier edition it is compared with (``--previous``) is cut the same way.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ips_map.editions import Edition
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


def cut_edition(region: Region, previous: Edition, current: Edition) -> Edition:
    """The previous edition as far as ``region`` goes, to compare a regional edition with:
    its départements, and the services based in it or kept by the current edition (a
    service based outside that serves the région is matched by its key)."""
    codes = set(region.departements)
    kept = {service.key for service in current.services}
    return dataclasses.replace(
        previous,
        departements={c: d for c, d in previous.departements.items() if c in codes},
        services=[s for s in previous.services if s.code_departement in codes or s.key in kept],
    )
