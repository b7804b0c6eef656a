"""carte.png and carte.pdf: the map as static images, beside the page (issue 11)."""

from __future__ import annotations

import json
import re
import struct
import subprocess
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ips_map.cli import cli
from ips_map.pipeline import build
from ips_map.render.image import FIGURE_SIZE, PNG_DPI
from ips_map.render.palette import HATCH_COLOUR, STATUS_COLOURS
from ips_map.settings import BuildSettings
from tests.helpers import RecordingProgress, made_once


@pytest.fixture(scope="module")
def image_build(request, tmp_path_factory):
    """The example built once with its images (once per run: made_once)."""

    def make(out):
        progress = RecordingProgress()
        settings = BuildSettings(out=out, build_date="2026-01-01", image=True)
        result = build(settings, progress=progress)
        result.progress = progress
        return result

    return made_once(request, tmp_path_factory, "image-build", make)


def _png_pixels(data: bytes) -> np.ndarray:
    """The RGB pixels of a PNG (Pillow comes with matplotlib)."""
    from PIL import Image

    with Image.open(BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _the_build_writes_both_images_and_lists_them(image_build):
    outputs = image_build.outputs
    assert outputs["image"].name == "carte.png" and outputs["image"].parent == outputs["map"].parent
    assert outputs["image_pdf"].name == "carte.pdf"
    summary = json.loads(outputs["summary"].read_text(encoding="utf-8"))
    assert {"carte.png", "carte.pdf"} <= summary["fichiers"].keys()


def _the_png_has_its_size_and_the_palette(image_build):
    data = image_build.outputs["image"].read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (int(FIGURE_SIZE[0] * PNG_DPI), int(FIGURE_SIZE[1] * PNG_DPI))
    assert b"Software" not in data  # no matplotlib version in the bytes
    pixels = _png_pixels(data).reshape(-1, 3).astype(np.int32)
    packed = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    values, counted = np.unique(packed, return_counts=True)
    seen = dict(zip(values.tolist(), counted.tolist()))

    def count(colour: str) -> int:
        r, g, b = _rgb(colour)
        return seen.get((r << 16) | (g << 8) | b, 0)

    # Covered départements in the example, and the many uncovered ones with their hatching.
    assert image_build.summary["departements_couverts"] > 0
    counts = {key: count(colour) for key, colour in STATUS_COLOURS.items()}
    counts["hatch"] = count(HATCH_COLOUR)
    assert counts["non_couvert"] > counts["couvert"] > 1000
    assert counts["hatch"] > 0.1 * counts["non_couvert"]


def _the_pdf_has_one_page_with_the_texts(image_build):
    path = image_build.outputs["image_pdf"]
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"CreationDate" not in data and b"matplotlib" not in data
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in (
        "Services IPS",
        "Chiffres clés",
        "Non couvert",
        "En projet",
        "Couvert",
        "Guadeloupe (971)",
        "Mayotte (976)",
        "Carte générée le 1er janvier 2026",
        "liste d'exemple",
        "Insee",
    ):
        assert words in text, words
    assert "exemple.csv" not in text  # the listing's file is internal: never named


def test_no_image_writes_neither_and_removes_old_ones(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("carte.png", "carte.pdf"):
        (out / name).write_bytes(b"an image of an earlier build")
    result = CliRunner().invoke(
        cli, ["-q", "build", "--out", str(out), "--no-image"], env={"IPS_MAP_IMAGE": "1"}
    )
    assert result.exit_code == 0, result.output
    assert not (out / "carte.png").exists() and not (out / "carte.pdf").exists()
    assert "carte.png" not in result.output
    assert (out / "index.html").exists()


def test_listing_text_is_written_as_it_is(tmp_path):
    """A "$" in a title or a listing's name is not mathtext (which would fail or draw math)."""
    from matplotlib.figure import Figure

    from ips_map.render.image import _write

    figure = Figure(figsize=(4, 1))
    _write(figure, 0.05, 0.5, "Liste $x^2$ {{ 7*7 }}")
    path = tmp_path / "texte.pdf"
    figure.savefig(path, format="pdf")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Liste $x^2$ {{ 7*7 }}" in text


def _the_page_links_the_images_it_is_published_with(image_build):
    """The page and its <noscript> note link carte.png and carte.pdf when the build wrote
    them (a build without images links neither: see test_tables)."""
    html = Path(image_build.outputs["map"]).read_text(encoding="utf-8")
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S).group(1)
    assert 'href="carte.png"' in noscript and 'href="carte.pdf"' in html


def _drawing_them_tells_its_four_steps(image_build):
    """A bar on a terminal while the images are drawn (3 s on this machine), under the line
    of their step."""
    progress = image_build.progress
    assert "Dessin de carte.png et carte.pdf" in progress.steps
    steps = progress.counts["étapes des images"]
    assert steps["total"] == steps["done"] == steps["calls"] == 4 and steps["detail"]


def test_the_images_of_a_build(image_build):
    """One test for the checks on the build with images: xdist hands a module's tests to
    several workers, and each would draw the images again (2 s)."""
    _the_build_writes_both_images_and_lists_them(image_build)
    _the_png_has_its_size_and_the_palette(image_build)
    _the_pdf_has_one_page_with_the_texts(image_build)
    _the_page_links_the_images_it_is_published_with(image_build)
    _drawing_them_tells_its_four_steps(image_build)
