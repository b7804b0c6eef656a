"""Territory: the départements, communes and census populations, and the names people give
them.

- :mod:`~ips_map.territory.data`: the tables loaded from ``data/`` (embedded or fetched);
- :mod:`~ips_map.territory.names`: a département or collectivité written as people write it;
- :mod:`~ips_map.territory.gazetteer`: look-ups from codes, names and postcodes to communes.
"""

from ips_map.territory.data import (
    census_years,
    load_communes,
    load_departements,
    load_old_codes,
    load_populations,
)
from ips_map.territory.gazetteer import Gazetteer, commune_key
from ips_map.territory.names import normalize_departement, text_key

__all__ = [
    "Gazetteer",
    "census_years",
    "commune_key",
    "load_communes",
    "load_departements",
    "load_old_codes",
    "load_populations",
    "normalize_departement",
    "text_key",
]
