"""The five overseas départements drawn as framed insets beside metropolitan France.

Shapes and markers of a DROM are moved (translated and scaled in EPSG:3857) into a frame
in a column off the Atlantic coast, for drawing only: joins and distances elsewhere use
true positions. The frames sit over the sea west of Brittany, where nothing else is drawn
(no basemap by default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ips_map.territory.data import transformer

#: Order top to bottom, label of each inset.
INSETS: tuple[tuple[str, str], ...] = (
    ("971", "Guadeloupe"),
    ("972", "Martinique"),
    ("973", "Guyane"),
    ("974", "La Réunion"),
    ("976", "Mayotte"),
)
FRAME_SIDE = 225_000.0  # metres in EPSG:3857 (about 155 km on the ground at 46° N)
#: The band above each frame that holds its label, clear of the frame's lines: tall enough
#: for a label on a phone (about 17 px at the zoom that fits France into 390 px).
FRAME_GAP = 90_000.0
FRAME_LEFT = -900_000.0  # about 8.1° W, some 100 km west of Brittany's tip
#: Top of the first label's band: about 51.1° N, level with Dunkirk.
TOP = 6_640_000.0
FRAME_TOP = TOP - FRAME_GAP
FILL = 0.82  # share of the frame that the shape's longest side fills


@dataclass(frozen=True)
class Inset:
    """Where one DROM is drawn: its frame and the transform into it."""

    code: str
    label: str
    frame: tuple[float, float, float, float]  # lon/lat bounds: west, south, east, north
    label_north: float  # latitude of the top of the band above the frame, for its label
    scale: float
    origin: tuple[float, float]  # centre of the true shape, EPSG:3857
    target: tuple[float, float]  # centre of the drawn shape, EPSG:3857

    def move(self, geometry):
        """Return a geometry (EPSG:4326, true position) moved into the frame (EPSG:4326)."""

        def transform(coords: np.ndarray) -> np.ndarray:
            x, y = transformer(4326, 3857).transform(coords[:, 0], coords[:, 1])
            x = self.target[0] + self.scale * (np.asarray(x) - self.origin[0])
            y = self.target[1] + self.scale * (np.asarray(y) - self.origin[1])
            lon, lat = transformer(3857, 4326).transform(x, y)
            return np.column_stack([lon, lat])

        return shapely.transform(geometry, transform)

    def unmove(self, geometry):
        """Return a geometry drawn in the frame (EPSG:4326) at its true position: the inverse
        of :meth:`move` (benchmarks compare what the page draws with the true boundaries)."""

        def transform(coords: np.ndarray) -> np.ndarray:
            x, y = transformer(4326, 3857).transform(coords[:, 0], coords[:, 1])
            x = self.origin[0] + (np.asarray(x) - self.target[0]) / self.scale
            y = self.origin[1] + (np.asarray(y) - self.target[1]) / self.scale
            lon, lat = transformer(3857, 4326).transform(x, y)
            return np.column_stack([lon, lat])

        return shapely.transform(geometry, transform)


def make_insets(true_geometries: dict[str, object]) -> dict[str, Inset]:
    """Return the inset of each DROM from its true geometry (EPSG:4326)."""
    insets = {}
    for rank, (code, label) in enumerate(INSETS):
        top = FRAME_TOP - rank * (FRAME_SIDE + FRAME_GAP)
        left, bottom = FRAME_LEFT, top - FRAME_SIDE
        geometry = shapely.transform(
            true_geometries[code],
            lambda c: np.column_stack(transformer(4326, 3857).transform(c[:, 0], c[:, 1])),
        )
        minx, miny, maxx, maxy = geometry.bounds
        scale = FILL * FRAME_SIDE / max(maxx - minx, maxy - miny)
        target = (left + FRAME_SIDE / 2, bottom + FRAME_SIDE / 2)
        west, south = transformer(3857, 4326).transform(left, bottom)
        east, north = transformer(3857, 4326).transform(left + FRAME_SIDE, top)
        _, label_north = transformer(3857, 4326).transform(left, top + FRAME_GAP)
        insets[code] = Inset(
            code=code,
            label=label,
            frame=(west, south, east, north),
            label_north=label_north,
            scale=scale,
            origin=((minx + maxx) / 2, (miny + maxy) / 2),
            target=target,
        )
    return insets
