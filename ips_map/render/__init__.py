"""Rendering of the coverage map: one self-contained page (map, legends, panel, assets).

Folium builds the page through its public classes and methods: a branca ``Figure`` (the page,
its ``header``, ``html`` and ``script``), a ``folium.Map`` and its panes (``CustomPane``), a
``MacroElement`` that starts the page's script, put together with ``add_child``. The data the
page draws is written down in :mod:`ips_map.render.page_data`. The project departs from Folium
in three places, on purpose:

- Listing text never passes through Jinja. Branca renders a ``MacroElement``'s macros, then
  parses their output again as a template: ``{{ 7*7 }}`` in a listing would become ``49``,
  ``{% raw %}`` would stop the build and a crafted value could run code on the machine that
  builds the map. Text that carries data is rendered once by the project's autoescaped
  templates (``templates/``) or travels as JSON (set with ``textContent`` by the scripts), and
  enters the page as a ``RawHtml`` element, whose ``render`` returns its text as it is.
- Names are fixed: branca names each element from ``os.urandom``, so that two builds of the
  same inputs would differ; the elements whose name reaches the page override ``get_name``.
- Nothing is loaded from a CDN: Leaflet and the project's script and style are inlined, and
  the Map's and the Figure's templates are the project's, since Folium's forbid zooming (its
  viewport) and put the map's script after ``</body>``.
"""

from ips_map.render._assets import leaflet_version
from ips_map.render._regional import RegionalView
from ips_map.render._tables import french_date
from ips_map.render.boundaries import simplify_boundaries
from ips_map.render.map import RENDER_PARTS, MapContext, render_map
from ips_map.render.page_data import PageData, page_data_schema

__all__ = [
    "MapContext",
    "PageData",
    "RegionalView",
    "french_date",
    "leaflet_version",
    "page_data_schema",
    "render_map",
    "RENDER_PARTS",
    "simplify_boundaries",
]
