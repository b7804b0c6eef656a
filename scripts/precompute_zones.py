"""Write the embedded zones d'emploi, simplified and encoded as the page draws them, into
ips_map/render/precomputed/zones/. Run it after the embedded zones or départements change
(the zones' insets are the départements'):
.venv/bin/python scripts/precompute_zones.py
"""

from ips_map.render._zone_shapes import store_precomputed
from ips_map.render.boundaries import drawn_shapes
from ips_map.territory.data import load_departements
from ips_map.territory.zone_shapes import load_zone_shapes

if __name__ == "__main__":
    _, insets = drawn_shapes(load_departements())
    for path in store_precomputed(load_zone_shapes(), insets):
        print(path)
