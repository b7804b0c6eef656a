"""What the page shows of the access measures (issue 12): plain, finished tables.

The access stage (``ips_map.access``) measures; the renderer only draws. :class:`AccessView`
is the contract between them: the figures per département, per zone d'emploi and per commune,
the national figures, the method's parameters, and optionally the figures if every planned
service opened and the computed suggestions. ``render_map(..., access=None)`` draws the page
without any of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ips_map.vocabulary import ACCESS_COMMUNE_COLUMNS
from ips_map.vocabulary import SUGGESTION_COLUMNS as SUGGESTION_COLUMNS  # the page shows these

#: The six access columns of the départements and the zones, in this order.
ACCESS_COLUMNS = (
    "distance_moyenne_km",
    "part_pop_30km_plus",
    "part_pop_60km_plus",
    "pop_30km_plus",
    "pop_60km_plus",
    "accessibilite_e2sfca",
)
DEPARTEMENT_COLUMNS = ("code", *ACCESS_COLUMNS)
ZONE_COLUMNS = ("code_ze", "libelle_ze", "departements", "population", "services", *ACCESS_COLUMNS)
#: The communes' columns the page reads: the access stage's first nine.
COMMUNE_COLUMNS = ACCESS_COMMUNE_COLUMNS[:9]


@dataclass
class AccessView:
    """The access figures as the page needs them.

    Attributes
    ----------
    departements
        One row per département: ``code`` and the :data:`ACCESS_COLUMNS` (shares in 0–1,
        distances in km, E2SFCA per 100,000 inhabitants).
    zones
        One row per zone d'emploi: :data:`ZONE_COLUMNS` (``departements`` as ``"01;38"``,
        ``services`` the services located in the zone).
    communes
        One row per commune: :data:`COMMUNE_COLUMNS`; ``distance_km`` is NaN when no service
        is in the commune's territory (metropolitan France or its DROM).
    national
        The same six figures nationally (keys of :data:`ACCESS_COLUMNS`).
    method
        ``seuils_km`` (two thresholds), ``bandes_km`` (upper bounds of the E2SFCA bands),
        ``poids`` (their weights), ``offre`` (``"capacite"`` or ``"1 par service"``),
        ``annee_population``.
    planned
        The national figures if every planned service opened: ``departements_couverts``,
        ``pop_30km_plus``, ``part_pop_30km_plus``, ``e2sfca``; None: not computed.
    suggestions
        The computed sites for new services (:data:`SUGGESTION_COLUMNS`), best first; None
        or empty: none asked for.
    zones_geometry
        Draw the zones d'emploi (``--zones-emploi``): a geography switch on the map.
    """

    departements: pd.DataFrame
    zones: pd.DataFrame
    communes: pd.DataFrame
    national: dict
    method: dict
    planned: dict | None = None
    suggestions: pd.DataFrame | None = None
    zones_geometry: bool = False
