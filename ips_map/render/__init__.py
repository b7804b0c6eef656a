"""Rendering of the coverage map (Folium page, legends, panel, assets)."""

from ._assets import leaflet_version
from .map import MapContext, render_map, simplify_boundaries

__all__ = ["MapContext", "leaflet_version", "render_map", "simplify_boundaries"]
