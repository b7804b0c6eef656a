"""Rendering of the coverage map (Folium page, legends, panel, assets)."""

from ips_map.render._assets import leaflet_version
from ips_map.render.map import MapContext, render_map, simplify_boundaries

__all__ = ["MapContext", "leaflet_version", "render_map", "simplify_boundaries"]
