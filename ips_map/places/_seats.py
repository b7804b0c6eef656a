"""Where to draw a service known by its département only: at the département's chef-lieu."""

from __future__ import annotations

import geopandas as gpd

from ips_map.errors import DataFileError
from ips_map.territory.data import chef_lieux
from ips_map.territory.gazetteer import Gazetteer


class SeatFinder:
    """The centre of a département's chef-lieu commune, or (when the commune table lacks
    it) a point inside the département's polygon; each found once."""

    def __init__(self, departements: gpd.GeoDataFrame, gazetteer: Gazetteer):
        self.departements = departements
        self.gazetteer = gazetteer
        self._seats: dict[str, tuple[float, float, str] | None] = {}

    def __call__(self, dep: str) -> tuple[float, float, str] | None:
        """Return ``(lon, lat, chef-lieu's name)`` for a département, None when unknown.

        The name is empty when the point is only inside the département's polygon.
        """
        if dep not in self._seats:
            self._seats[dep] = self._find(dep)
        return self._seats[dep]

    def _find(self, dep: str) -> tuple[float, float, str] | None:
        code = _chef_lieux().get(dep, "")
        if code in self.gazetteer.communes:
            commune = self.gazetteer.commune(code)
            return float(commune["longitude"]), float(commune["latitude"]), commune["nom"]
        polygons = self.departements[self.departements["code"] == dep]
        if polygons.empty:
            return None
        point = polygons.geometry.iloc[0].representative_point()
        return float(point.x), float(point.y), ""


def _chef_lieux() -> dict[str, str]:
    try:
        return chef_lieux()
    except DataFileError:
        return {}  # a population file without chef-lieux: points inside the polygons
