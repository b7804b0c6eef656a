"""Points in metres: longitude/latitude projected into each territory's own metric CRS.

Distances are measured within one territory only, never across the sea: mainland France
and Corsica (two territories) in Lambert-93, each overseas département in its local CRS
(the access stage's territories, :mod:`ips_map.access._geometry`). The
territory of a point is given by its département code; :func:`project_points` returns it
beside the coordinates, so that every later step can keep territories apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ips_map.access._geometry import CORSE, METRO, crs_of, project, territories
from ips_map.territory.data import DROM_CRS

#: The group of the mainland's départements; Corsica's is :data:`CORSE`, each overseas
#: département's its code.
METROPOLE = METRO

#: Each territory's metric CRS (EPSG codes): Lambert-93; RGAF09 / UTM 20N (Antilles);
#: RGFG95 / UTM 22N (Guyane); RGR92 / UTM 40S (La Réunion); RGM04 / UTM 38S (Mayotte).
#: Their scale error on French soil stays under 0.3 % (pyproj's factors: Lambert-93 0.99905
#: at 46.5° N to 1.0029 in the south of Corsica; UTM 22N 1.0016 at the west end of Guyane,
#: outside its zone's area of use but the CRS the territory data use), so a distance is
#: true to within 90 m at 30 km.
TERRITORY_CRS = {name: crs_of(name) for name in (METRO, CORSE, *DROM_CRS)}

_METROPOLITAN = frozenset([f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"])


def territory_groups(departement_codes) -> np.ndarray:
    """Return the territory of each département code: :data:`METROPOLE`, :data:`CORSE` or
    the overseas code.

    Codes are strings as INSEE writes them (``"01"``, ``"2A"``, ``"971"``). Raises
    :class:`ValueError` naming the first code that is not one of the 101 départements.
    """
    inverse, distinct = pd.factorize(np.asarray(departement_codes, dtype=object).reshape(-1))
    if (inverse < 0).any():
        raise ValueError(f"point {int(np.flatnonzero(inverse < 0)[0])} : département manquant")
    for code in distinct.tolist():
        if code not in _METROPOLITAN and code not in DROM_CRS:
            raise ValueError(
                f"code de département inconnu : {code!r} (attendu l'un des 101 départements, "
                "« 01 » à « 95 », « 2A », « 2B », « 971 » à « 974 », « 976 »)"
            )
    if not len(distinct):
        return np.zeros(0, dtype=object)
    return territories(np.asarray(distinct, dtype=object))[inverse]


def project_points(lon, lat, departement_codes) -> tuple[np.ndarray, np.ndarray]:
    """Project points to metres in their territory's CRS.

    Parameters
    ----------
    lon, lat
        Coordinates in EPSG:4326 (degrees), one per point.
    departement_codes
        The département of each point (strings: ``"01"``, ``"2A"``, ``"971"``).

    Returns
    -------
    xy
        ``(n, 2)`` float array of x, y in metres, each point in its territory's CRS
        (:data:`TERRITORY_CRS`): distances are true only between points of one territory.
    group
        ``(n,)`` object array of territory labels (:func:`territory_groups`).
    """
    lon = np.asarray(lon, dtype=float).reshape(-1)
    lat = np.asarray(lat, dtype=float).reshape(-1)
    group = territory_groups(departement_codes)
    if not len(lon) == len(lat) == len(group):
        raise ValueError(
            f"longitudes ({len(lon)}), latitudes ({len(lat)}) et départements ({len(group)}) "
            "n'ont pas la même longueur"
        )
    bad = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"point {first} : coordonnées manquantes ou invalides")
    xy = np.empty((len(lon), 2), dtype=float)
    for name in pd.unique(group).tolist():
        rows = group == name
        xy[rows] = project(lon[rows], lat[rows], name)
    return xy, group
