"""The map as static images for reports: ``carte.png`` and ``carte.pdf`` (matplotlib, Agg).

The same map as the page's coverage-status view: the départements as the page draws them
(simplified, the five DROM moved into their framed insets, :func:`~ips_map.render.boundaries.
drawn_shapes`), in Web Mercator like the page, coloured with the page's palette
(:mod:`ips_map.render.palette`), "non couvert" hatched so that the image reads in black and
white; the title, the legend, the key figures, the sources and the date beside it. matplotlib
is imported here only, when the images are drawn: building the page alone does not pay for it.
The bytes depend only on the inputs (no date or software name in the files' metadata), so
that two builds of the same inputs write the same images.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import geopandas as gpd
import numpy as np
import shapely

from ips_map.progress import Advance, ignore
from ips_map.render._tables import french_date, listing_phrase
from ips_map.render.boundaries import drawn_shapes
from ips_map.render.palette import (
    HATCH_COLOUR,
    HATCHED_STATUSES,
    STATUS_COLOURS,
)
from ips_map.territory.data import transformer
from ips_map.vocabulary import COVERAGE_STATUS_LABELS, thousands

#: A4 landscape, in inches; the PNG's resolution (dots per inch): 1754 × 1240 pixels.
FIGURE_SIZE = (11.69, 8.27)
PNG_DPI = 150
#: Coverage simplification for the images, in Web Mercator metres (half a PNG pixel).
IMAGE_TOLERANCE_M = 800.0
#: The hatching of "non couvert" (matplotlib's hatch pattern).
HATCH = "////"


@dataclass(frozen=True)
class Images:
    """The two images, as bytes."""

    png: bytes
    pdf: bytes


def render_images(
    coverage: gpd.GeoDataFrame, summary: dict, context, advance: Advance = ignore
) -> Images:
    """Draw the coverage-status map as a PNG and a one-page PDF, telling ``advance`` each of
    the four steps done (matplotlib loaded, the figure drawn, the PNG, the PDF).

    Parameters
    ----------
    coverage
        One row per département with true geometry (EPSG:4326) and the columns of
        :func:`ips_map.coverage.measure_coverage` (``statut`` is the one drawn).
    summary
        National figures from :func:`ips_map.coverage.summarize_coverage`.
    context
        The page's :class:`~ips_map.render.map.MapContext`: title, dates, sources.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    advance(1)
    drawn, insets = drawn_shapes(coverage)
    figure = Figure(figsize=FIGURE_SIZE)
    axes = figure.add_axes((0.01, 0.09, 0.63, 0.80))
    _draw_map(axes, drawn, list(coverage["statut"]), insets)
    _draw_text(figure, summary, context)
    advance(1)
    png, pdf = BytesIO(), BytesIO()
    figure.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    advance(1)
    figure.savefig(
        pdf,
        format="pdf",
        metadata={"Creator": None, "Producer": None, "CreationDate": None},
    )
    advance(1)
    return Images(png=png.getvalue(), pdf=pdf.getvalue())


def _mercator(geometry):
    return shapely.transform(
        geometry, lambda c: np.column_stack(transformer(4326, 3857).transform(c[:, 0], c[:, 1]))
    )


def _path(geometry):
    """A matplotlib Path of a (multi)polygon: every ring, holes included."""
    from matplotlib.path import Path

    vertices, codes = [], []
    for polygon in shapely.get_parts(geometry):
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = np.asarray(ring.coords)
            if len(coords) < 3:
                continue
            vertices.append(coords)
            codes.append([Path.MOVETO] + [Path.LINETO] * (len(coords) - 2) + [Path.CLOSEPOLY])
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _draw_map(axes, drawn: list, statuses: list[str], insets: dict) -> None:
    """The départements by status (one collection for the plain ones, one for the hatched),
    the insets' frames and labels."""
    from matplotlib.collections import PathCollection
    from matplotlib.patches import Rectangle

    # Simplified again for the image's scale (about 1.8 km a pixel of the PNG), as a
    # coverage, so that neighbours keep their shared borders: a quarter of the vertices.
    shapes = list(
        shapely.coverage_simplify(
            np.array([_mercator(geometry) for geometry in drawn], dtype=object),
            IMAGE_TOLERANCE_M,
        )
    )
    for hatched in (False, True):
        chosen = [
            (shape, status)
            for shape, status in zip(shapes, statuses)
            if (status in HATCHED_STATUSES) == hatched
        ]
        if not chosen:
            continue
        collection = PathCollection(
            [_path(shape) for shape, _ in chosen],
            facecolors=[STATUS_COLOURS[status] for _, status in chosen],
            edgecolors="#ffffff",
            linewidths=0.35,
            hatch=HATCH if hatched else None,
        )
        if hatched:
            collection.set_hatchcolor(HATCH_COLOUR)
        axes.add_collection(collection, autolim=False)
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(shapes, dtype=object))
    for inset in insets.values():
        west, south, east, north = inset.frame
        (x0, x1), (y0, y1) = transformer(4326, 3857).transform([west, east], [south, north])
        minx, miny, maxx, maxy = min(minx, x0), min(miny, y0), max(maxx, x1), max(maxy, y1)
        axes.add_artist(
            Rectangle(
                (x0, y0),
                x1 - x0,
                y1 - y0,
                fill=False,
                edgecolor="#555555",
                linewidth=0.6,
                linestyle=(0, (4, 3)),
            )
        )
        _write(
            axes,
            (x0 + x1) / 2,
            y1 - (y1 - y0) * 0.075,
            f"{inset.label} ({inset.code})",
            ha="center",
            va="center",
            fontsize=6.5,
            fontweight="bold",
            color="#333333",
        )
    margin = 0.01 * max(maxx - minx, maxy - miny)
    axes.set_xlim(minx - margin, maxx + margin)
    axes.set_ylim(miny - margin, maxy + margin)
    axes.set_aspect("equal")
    axes.set_axis_off()


def _write(where, x: float, y: float, text: str, **style) -> None:
    """Text on the figure or the map as it is: no mathtext (a "$" in a listing's name or a
    title stays a "$"), wrapped to the figure's width."""
    where.text(x, y, text, parse_math=False, wrap=True, **style)


def _draw_text(figure, summary: dict, context) -> None:
    """Title, legend, key figures on the right; sources and date at the foot."""
    _draw_title(figure, context)
    _draw_legend(figure)
    _draw_figures(figure, summary)
    sources = " · ".join(f"{s['role']} : {s['text']} ({s['licence']})" for s in context.sources)
    _write(
        figure,
        0.02,
        0.055,
        f"{sources}\nContours simplifiés ; outre-mer rapproché, à des échelles différentes. "
        f"Carte générée le {french_date(context.build_date)} par ips-map.",
        fontsize=6.5,
        color="#444444",
        va="top",
    )


def _draw_title(figure, context) -> None:
    """The title, what the map shows and from what, the example's caveat."""
    _write(figure, 0.02, 0.955, context.title, fontsize=15, fontweight="bold", va="top")
    _write(
        figure,
        0.02,
        0.915,
        f"Statut de couverture par département · population municipale Insee "
        f"{context.census_year} · liste des services : {listing_phrase(context)}",
        fontsize=8.5,
        color="#444444",
        va="top",
    )
    if context.is_example:
        # As the page says it in its banner: the example is not the national coverage.
        _write(
            figure,
            0.02,
            0.885,
            f"Exemple partiel : une liste d'exemple de {context.rows.placed} services cités "
            "dans la presse ; elle ne montre pas la couverture nationale (environ 120 services "
            "IPS en France en 2023).",
            fontsize=8.5,
            fontweight="bold",
            color="#7a5200",
            va="top",
        )


def _draw_legend(figure) -> None:
    """The statuses' swatches, "non couvert" hatched as on the map."""
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=STATUS_COLOURS[key],
            edgecolor="#777777",
            hatch=HATCH if key in HATCHED_STATUSES else None,
            hatchcolor=HATCH_COLOUR if key in HATCHED_STATUSES else None,
            label=COVERAGE_STATUS_LABELS[key],
        )
        for key in ("couvert", "en_projet", "non_couvert")
    ]
    legend = figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.66, 0.86),
        frameon=False,
        title="Statut de couverture",
        fontsize=10,
        title_fontsize=11,
        handlelength=2.6,
        handleheight=1.6,
        alignment="left",
    )
    legend.get_title().set_fontweight("bold")
    _write(
        figure,
        0.665,
        0.655,
        "Couvert : au moins un service actif\ndessert le département.",
        fontsize=8.5,
        color="#444444",
        va="top",
    )


def _draw_figures(figure, summary: dict) -> None:
    """The key figures, worded as the page's panel."""
    share = f"{100 * summary['part_population_non_couverte']:.1f}".replace(".", ",")
    lines = [
        (
            "Départements couverts",
            f"{summary['departements_couverts']} sur {summary['departements']}",
        ),
        ("Départements en projet", str(summary["departements_en_projet"])),
        ("Départements sans service", str(summary["departements_non_couverts"])),
        (
            "Habitants des départements\nsans service actif",
            f"{thousands(summary['population_non_couverte'])}\n({share} %)",
        ),
    ]
    _write(figure, 0.665, 0.57, "Chiffres clés", fontsize=11, fontweight="bold", va="top")
    y = 0.525
    for label, value in lines:
        _write(figure, 0.665, y, label, fontsize=9.5, va="top")
        _write(figure, 0.975, y, value, fontsize=9.5, va="top", ha="right", fontweight="bold")
        y -= 0.075 if "\n" in label else 0.045
