"""ips-map: where IPS services exist in France, and where they don't.

The pipeline's stages, each usable on its own::

    read_listing → place_services → measure_coverage → render_map

and :func:`build`, which chains them and writes the outputs.
"""

__version__ = "0.1.0"

from .coverage import measure_coverage, summarize_coverage  # noqa: E402
from .listing import read_listing  # noqa: E402
from .pipeline import build  # noqa: E402
from .places import place_services  # noqa: E402
from .render import render_map  # noqa: E402
from .settings import BuildSettings  # noqa: E402

__all__ = [
    "BuildSettings",
    "build",
    "measure_coverage",
    "place_services",
    "read_listing",
    "render_map",
    "summarize_coverage",
]
