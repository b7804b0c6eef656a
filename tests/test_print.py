"""The page printed on A4 (issue 11): Chromium prints it (``page.pdf``), poppler renders and reads
the pages (``pdftoppm``, ``pdftotext``; ``make test`` installs poppler-utils).

On the first page: the whole of France and its insets inside the printed map's box, no map
control, the legend and the key figures; then every uncovered département; the sources and
the date on the last page. The page is as it was after printing.
"""

from __future__ import annotations

import re
import subprocess
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from ips_map.render._insets import INSETS
from ips_map.render.palette import HATCH_COLOUR, HATCH_ID, HATCHED_STATUSES, STATUS_COLOURS

pytestmark = pytest.mark.browser

#: Resolution of the rendered pages (dots per inch): the map's box is some 350 pixels wide.
DPI = 50
MM = DPI / 25.4
#: The printed map's box (print.css), in millimetres.
BOX_MM = (180, 150)
#: What the map's controls say: none of it may be printed.
CONTROL_TEXTS = ("Services pour 100 000 hab.", "Cadres outre-mer", "Légende", "200 km")
#: The hatching: the colour of its pattern's lines, and for each hatched status the outline
#: of its path and those of the départements of that status (status view: the same).
JS_HATCH = """() => {
    const lines = document.querySelector('svg defs pattern#ips-hatch-non-couvert path');
    const overlay = document.querySelector('path.ips-hatch-non_couvert');
    const shapes = Object.values(ipsMap.app.departements);
    return {
        lines: lines && lines.getAttribute('stroke'),
        fill: overlay && overlay.getAttribute('fill'),
        last: overlay.parentNode === overlay.ownerSVGElement.lastElementChild,
        overlay: overlay && overlay.getAttribute('d'),
        uncovered: shapes.filter(x => x.d.status === 'non_couvert')
            .map(x => x.shape.getElement().getAttribute('d')).join(''),
        fills: shapes.map(x => [x.d.status, x.shape.getElement().getAttribute('fill')]),
    };
}"""


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _page_image(pdf: Path, number: int) -> np.ndarray:
    from PIL import Image

    png = subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-f", str(number), "-l", str(number), "-png", str(pdf)],
        capture_output=True,
        check=True,
    ).stdout
    with Image.open(BytesIO(png)) as image:
        return np.asarray(image.convert("RGB")).astype(np.int32)


def _text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    text = _run("pdftotext", "-layout", *pages, str(pdf), "-")
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def _lines(mask: np.ndarray, length: float, gap: float) -> tuple[int, int]:
    """The two lines of ``mask`` (rows) at least ``length`` long and ``gap`` apart."""
    lines = np.flatnonzero(mask.sum(axis=1) > 0.9 * length)
    pairs = [(a, b) for a in lines for b in lines if abs(b - a - gap) <= 3]
    assert pairs, "the printed map's border is not on the first page"
    return int(pairs[0][0]), int(pairs[0][1])


def _box(pixels: np.ndarray) -> tuple[int, int, int, int]:
    """The printed map's box (top, left, bottom, right): its grey border (#999999)."""
    # Neutral, not white: the border is anti-aliased, lighter and over two pixels.
    grey = ((pixels.max(axis=2) - pixels.min(axis=2)) < 10) & (pixels.min(axis=2) < 248)
    width, height = BOX_MM[0] * MM, BOX_MM[1] * MM
    top, bottom = _lines(grey, width, height)
    left, right = _lines(grey[top : bottom + 1].T, height, width)
    return top, left, bottom, right


def _drawn(pixels: np.ndarray) -> np.ndarray:
    """Where the départements are: saturated pixels (the palette's fills and hatching)."""
    return (pixels.max(axis=2) - pixels.min(axis=2)) > 60


@pytest.fixture(scope="module")
def printed(page_lender, example_build, tmp_path_factory):
    """The example map printed on A4, portrait and landscape; with the page's state after.
    In the session's shared page (tests/conftest.py), lent while this is made."""
    folder = tmp_path_factory.mktemp("printed")
    with page_lender.lend() as shared_page:
        page = shared_page.page
        page.goto(Path(example_build.outputs["map"]).resolve().as_uri())
        page.wait_for_selector("html[data-ips-features='1']", state="attached")
        js_state = """() => {
            const map = ipsMap.app.map;
            return { size: [map.getSize().x, map.getSize().y], zoom: map.getZoom(),
                     legendInMap: !!map.getContainer().querySelector('.ips-legends'),
                     images: document.querySelectorAll('img.ips-print-canvas').length };
        }"""
        before = page.evaluate(js_state)
        hatch = {"status": page.evaluate(JS_HATCH)}
        pdfs = {}
        for orientation in ("portrait", "landscape"):
            pdfs[orientation] = folder / f"{orientation}.pdf"
            page.pdf(
                path=str(pdfs[orientation]),
                format="A4",
                landscape=orientation == "landscape",
                print_background=True,
            )
        after = page.evaluate(js_state)
        page.get_by_label("Services pour 100 000 hab.", exact=True).check()
        hatch["rate"] = page.evaluate(JS_HATCH)
        page.get_by_label("Statut de couverture", exact=True).check()
        hatch["status_again"] = page.evaluate(JS_HATCH)
        errors = list(shared_page.errors)
    assert errors == []
    return {"pdfs": pdfs, "before": before, "after": after, "hatch": hatch}


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_first_page_has_the_whole_map_and_no_control(printed, orientation, example_build):
    pdf = printed["pdfs"][orientation]
    pixels = _page_image(pdf, 1)
    top, left, bottom, right = _box(pixels)
    drawn = _drawn(pixels)
    inside = drawn[top + 2 : bottom - 1, left + 2 : right - 1]
    assert inside.sum() > 0.2 * inside.size  # the départements are drawn, not a blank box
    # France and the insets' shapes stay clear of the box's edges: nothing is cut.
    ys, xs = np.nonzero(inside)
    margin = 2
    assert ys.min() >= margin and xs.min() >= margin
    assert ys.max() <= inside.shape[0] - 1 - margin and xs.max() <= inside.shape[1] - 1 - margin
    # France fills the box in one direction at least (the view is fitted to it).
    filled = max((ys.max() - ys.min()) / inside.shape[0], (xs.max() - xs.min()) / inside.shape[1])
    assert filled > 0.85
    text = _text(pdf, 1, 1)
    for code, label in INSETS:
        assert f"{label} ({code})" in text
    for control in CONTROL_TEXTS:
        assert control not in text
    assert re.search(r"^\s*[+−-]\s*$", text, re.M) is None  # no zoom button
    # The legend and the key figures are on the first page too.
    for words in ("Statut de couverture", "Non couvert", "Chiffres clés", "Départements couverts"):
        assert words in text
    summary = example_build.summary
    assert f"{summary['departements_couverts']} sur {summary['departements']}" in text


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_every_list_in_full_and_sources_on_the_last_page(printed, orientation, example_build):
    pdf = printed["pdfs"][orientation]
    pages = int(re.search(r"^Pages:\s+(\d+)$", _run("pdfinfo", str(pdf)), re.M).group(1))
    text = _text(pdf)
    coverage = {row.code: row.nom for row in _coverage(example_build).itertuples()}
    uncovered = example_build.summary["non_couverts_par_population"]
    assert len(uncovered) > 27  # the screen's panel used to print its first 27 only
    missing = [code for code in uncovered if f"{coverage[code]} ({code})" not in text]
    assert missing == []
    last = " ".join(_text(pdf, pages, pages).split())
    assert "Carte générée le 1er janvier 2026" in last
    assert "Insee" in last and "IGN" in last


def test_the_page_is_as_it_was_after_printing(printed):
    assert printed["after"] == printed["before"]
    assert printed["before"]["legendInMap"] and printed["before"]["images"] == 0


def _coverage(result):
    import pandas as pd

    return pd.read_csv(
        result.outputs["coverage"], sep=";", decimal=",", dtype={"code": str}, encoding="utf-8-sig"
    )


def test_uncovered_departements_are_hatched_in_the_status_view_only(printed):
    status, rate, again = (printed["hatch"][key] for key in ("status", "rate", "status_again"))
    assert status["lines"] == HATCH_COLOUR and status["fill"] == f"url(#{HATCH_ID})"
    assert HATCHED_STATUSES == ("non_couvert",)
    assert len(status["uncovered"]) > 1000 and status["overlay"] == status["uncovered"]
    assert status["last"]  # drawn over the départements
    for code_status, fill in status["fills"]:
        assert fill == STATUS_COLOURS[code_status]
    assert rate["overlay"] == ""  # no hatching in the rate view
    assert again["overlay"] == status["overlay"]
