"""What a user would write by hand: the scripts of the baselines, run in fresh processes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ._common import COMMUNES_FILE, DEPARTEMENTS_FILE, BenchError

#: geopandas' one-liner map of the full-resolution départements.
EXPLORE_SCRIPT = """\
import sys
import geopandas as gpd

gdf = gpd.read_file(sys.argv[1])
m = gdf.explore()
m.save(sys.argv[2])
"""

#: The map a user would write by hand in five lines: the full-resolution départements as
#: one GeoJson layer with a tooltip.
FOLIUM_SCRIPT = """\
import sys
import folium
import geopandas as gpd

gdf = gpd.read_file(sys.argv[1])
m = folium.Map(location=[46.5, 2.5], zoom_start=6)
folium.GeoJson(gdf, tooltip=folium.GeoJsonTooltip(["code", "nom"])).add_to(m)
m.save(sys.argv[2])
"""

#: The floor of a cold build: import geopandas and read the full-resolution départements.
FLOOR_SCRIPT = """\
import sys
import geopandas as gpd

gpd.read_file(sys.argv[1])
"""

#: The naive Folium way for many services: one Marker per service in a MarkerCluster.
MARKER_CLUSTER_SCRIPT = """\
import csv
import sys

import folium
from folium.plugins import MarkerCluster

communes, listing, out = sys.argv[1:4]
with open(communes, encoding="utf-8", newline="") as handle:
    centres = {
        row["code_commune"]: (float(row["latitude"]), float(row["longitude"]))
        for row in csv.DictReader(handle)
    }
m = folium.Map(location=[46.5, 2.5], zoom_start=6)
cluster = MarkerCluster().add_to(m)
with open(listing, encoding="utf-8", newline="") as handle:
    for row in csv.DictReader(handle):
        lat, lon = centres[row["code_commune"]]
        folium.Marker([lat, lon], popup=row["nom"]).add_to(cluster)
m.save(out)
"""


def explore_command(out_html: Path) -> list[str]:
    """Fresh interpreter: import geopandas, read the full-resolution file, explore(), save."""
    missing = [name for name in ("matplotlib", "mapclassify") if not importlib.util.find_spec(name)]
    if missing:
        raise BenchError(
            f"geopandas' explore() needs {' and '.join(missing)}, which ips-map does not: "
            f"{sys.executable} -m pip install matplotlib mapclassify"
        )
    return [sys.executable, "-c", EXPLORE_SCRIPT, str(DEPARTEMENTS_FILE), str(out_html)]


def folium_command(out_html: Path) -> list[str]:
    """Fresh interpreter: the five-line Folium map of the full-resolution départements."""
    return [sys.executable, "-c", FOLIUM_SCRIPT, str(DEPARTEMENTS_FILE), str(out_html)]


def floor_command() -> list[str]:
    """Fresh interpreter: import geopandas and read the full-resolution départements."""
    return [sys.executable, "-c", FLOOR_SCRIPT, str(DEPARTEMENTS_FILE)]


def marker_cluster_command(listing: Path, out_html: Path) -> list[str]:
    """Fresh interpreter: a Folium MarkerCluster of one Marker per service of ``listing``."""
    return [
        sys.executable,
        "-c",
        MARKER_CLUSTER_SCRIPT,
        str(COMMUNES_FILE),
        str(listing),
        str(out_html),
    ]
