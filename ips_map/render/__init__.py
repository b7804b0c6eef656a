"""Rendering of the coverage map (Folium page, legends, panel, assets)."""

from .map import MapContext, render_map, simplify_boundaries

__all__ = ["MapContext", "render_map", "simplify_boundaries"]
