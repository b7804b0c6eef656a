"""The shapes of a regional edition: the région's départements, and the other metropolitan
départements as a pale outline around them (no inset); a DROM région is its one
département at its true position.

The shapes are those of the national map (the same simplification of the 101 départements,
so that the région's borders are the national map's), cut afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from ips_map.render.boundaries import drawn_shapes, simplify_boundaries
from ips_map.territory.data import DROM_CRS
from ips_map.territory.regions import Region


@dataclass(frozen=True)
class RegionalView:
    """A regional edition's région and every département's boundary (code, geometry)."""

    region: Region
    boundaries: gpd.GeoDataFrame

    @property
    def label(self) -> str:
        """The région as the page names it."""
        return f"{self.region.name} ({self.region.code})"


def regional_shapes(view: RegionalView, codes: list[str]) -> tuple[list, list]:
    """The drawn shapes of the départements ``codes`` (the région's, in the page's order)
    and those of the neighbouring context: the other metropolitan départements, or none
    for a DROM région. No shape is moved into an inset."""
    boundaries = view.boundaries
    if view.region.overseas:
        simple = dict(zip(boundaries["code"], simplify_boundaries(boundaries)))
        return [simple[code] for code in codes], []
    drawn = dict(zip(boundaries["code"], drawn_shapes(boundaries)[0]))
    inside = set(codes)
    context = [
        shape for code, shape in drawn.items() if code not in inside and code not in DROM_CRS
    ]
    return [drawn[code] for code in codes], context
