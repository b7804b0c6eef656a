"""ips-map: where IPS services exist in France, and where they don't.

The pipeline's stages, each usable on its own::

    read_listing → place_services → measure_coverage → render_map

and :func:`build`, which chains them and writes the outputs.
"""

import gc

from ips_map.settings import single_threaded_blas

single_threaded_blas()  # before numpy is imported (below)

# The cyclic garbage collector paused while the libraries are imported: the 1,200 modules'
# objects live as long as the process, and the 280 collections their imports set off took
# 0.1 s of every run, for nothing to collect (a caller's own setting is put back).
_COLLECTING = gc.isenabled()
gc.disable()
try:
    from ips_map.precompiled import templates_kept

    # Folium's and branca's templates, made as they are imported, compiled once (0.15 s).
    with templates_kept():
        from ips_map._version import __version__
        from ips_map.coverage import measure_coverage, summarize_coverage
        from ips_map.listing.read import read_listing
        from ips_map.pipeline import build
        from ips_map.places import place_services
        from ips_map.render.map import render_map
        from ips_map.settings import BuildSettings
finally:
    if _COLLECTING:
        gc.enable()

__all__ = [
    "__version__",
    "BuildSettings",
    "build",
    "measure_coverage",
    "place_services",
    "read_listing",
    "render_map",
    "summarize_coverage",
]
