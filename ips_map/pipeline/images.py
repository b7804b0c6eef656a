"""The build's static images: ``carte.png`` and ``carte.pdf`` beside the page (the stage that
draws them with :func:`ips_map.render.image.render_images`; skipped by ``--no-image``)."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd

from ips_map.progress import Advance, ignore

log = logging.getLogger("ips_map")
#: The image files of a build, by output key.
IMAGE_FILES = {"image": "carte.png", "image_pdf": "carte.pdf"}


#: The steps of drawing the images the progress is told of: matplotlib loaded, the map
#: drawn, the PNG and the PDF written (:func:`ips_map.render.image.render_images`).
IMAGE_PARTS = 4


def draw_images(
    coverage: gpd.GeoDataFrame, summary: dict, context, advance: Advance = ignore
) -> dict[str, bytes]:
    """The images' bytes by output key (:data:`IMAGE_FILES`); matplotlib is imported here.
    ``advance`` is told each of the :data:`IMAGE_PARTS` steps done."""
    from ips_map.render.image import render_images

    images = render_images(coverage, summary, context, advance)
    return {"image": images.png, "image_pdf": images.pdf}


def remove_stale_images(out: Path) -> None:
    """Remove the images of an earlier build: they would no longer describe this one."""
    for name in IMAGE_FILES.values():
        path = Path(out) / name
        if path.exists():
            path.unlink()
            log.info("%s supprimé : il décrivait une construction précédente", name)
