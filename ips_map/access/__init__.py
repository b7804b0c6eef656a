"""The access stage: distances from each commune to the nearest service, E2SFCA scores,
their sums per département, per zone d'emploi and nationally, today and if the planned
services open.

- :mod:`~ips_map.access.options`: thresholds, bands and weights, and the columns' names;
- :mod:`~ips_map.access.measures`: nearest sites and E2SFCA on KD-trees (scipy), by arrays;
- :mod:`~ips_map.access.aggregate`: population-weighted sums per group;
- :mod:`~ips_map.access.stage`: :func:`measure_access` and its :class:`AccessResult`;
- :mod:`~ips_map.access.points` and :mod:`~ips_map.access.suggest`: where to open next,
  the greedy maximal covering choice (:func:`~ips_map.access.suggest.suggest_sites`).
"""

from ips_map.access.options import AccessOptions
from ips_map.access.stage import AccessResult, measure_access

__all__ = ["AccessOptions", "AccessResult", "measure_access"]
