"""Write the embedded départements' boundaries, at full resolution, into
ips_map/territory/precomputed/ (see ips_map.territory.stored). Run it after the embedded
boundaries change: .venv/bin/python scripts/store_departements.py
"""

import geopandas as gpd

from ips_map.sources.registry import SOURCES, source_path
from ips_map.territory.stored import store_departements

if __name__ == "__main__":
    frame = gpd.read_file(source_path("departements"))[["code", "nom", "geometry"]]
    print(store_departements(frame, SOURCES["departements"].sha256))
