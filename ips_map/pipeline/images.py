"""The build's static images: ``carte.png`` and ``carte.pdf`` beside the page (the stage that
draws them with :func:`ips_map.render.image.render_images`; skipped by ``--no-image``)."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd

log = logging.getLogger("ips_map")
#: The image files of a build, by output key.
IMAGE_FILES = {"image": "carte.png", "image_pdf": "carte.pdf"}


def draw_images(coverage: gpd.GeoDataFrame, summary: dict, context) -> dict[str, bytes]:
    """The images' bytes by output key (:data:`IMAGE_FILES`); matplotlib is imported here."""
    from ips_map.render.image import render_images

    images = render_images(coverage, summary, context)
    return {"image": images.png, "image_pdf": images.pdf}


def remove_stale_images(out: Path) -> None:
    """Remove the images of an earlier build: they would no longer describe this one."""
    for name in IMAGE_FILES.values():
        path = Path(out) / name
        if path.exists():
            path.unlink()
            log.info("%s supprimé : il décrivait une construction précédente", name)
