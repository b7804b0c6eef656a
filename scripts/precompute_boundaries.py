"""Write the embedded boundaries, simplified as the page draws them, into
ips_map/render/precomputed/. Run it after the embedded boundaries change:
.venv/bin/python scripts/precompute_boundaries.py
"""

from ips_map.render.boundaries import store_precomputed
from ips_map.territory.data import load_departements

if __name__ == "__main__":
    for path in store_precomputed(load_departements()):
        print(path)
