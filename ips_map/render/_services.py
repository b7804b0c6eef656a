"""The services as the page draws them: one compact column table (:class:`ServiceTable`).

Positions, moved into their inset for the DROM, are sorted along bands of latitude and
encoded as one polyline; a text column whose values repeat is stored as a dictionary and
indices, a column with one value as that value, an empty column not at all.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np

from ips_map.render._encode import encode_ring
from ips_map.render.page_data import ConstantColumn, DictionaryColumn, ServiceColumns, ServiceTable

#: Precision of the service positions in the page (1e-4 degree: at most 11 m).
SERVICE_PRECISION = 4


def service_table(services: gpd.GeoDataFrame, insets: dict) -> ServiceTable:
    """Return the services to draw (closed ones are not) as a :class:`ServiceTable`."""
    shown = services[services["statut"] != "ferme"]
    lons, lats = [], []
    for code, point in zip(shown["code_departement"], shown.geometry):
        if code in insets:
            point = insets[code].move(point)
        lons.append(point.x)
        lats.append(point.y)
    lons_a, lats_a = np.asarray(lons, float), np.asarray(lats, float)
    # Serpentine order over half-degree bands keeps consecutive points close.
    band = np.floor(lats_a * 2).astype(int)
    order = np.lexsort((np.where(band % 2 == 0, lons_a, -lons_a), band))
    values = _text_columns(shown)
    columns = {name: encode_column([column[k] for k in order]) for name, column in values.items()}
    positions = (
        encode_ring(np.column_stack([lons_a[order], lats_a[order]]), SERVICE_PRECISION)
        if len(order)
        else ""
    )
    return ServiceTable(
        count=int(len(order)),
        precision=SERVICE_PRECISION,
        positions=positions,
        columns=ServiceColumns(**columns),
    )


def _text_columns(shown: gpd.GeoDataFrame) -> dict[str, list[str]]:
    """The services' text, by field of :class:`ServiceColumns`, in the table's row order."""

    def text(name: str) -> list[str]:
        if name not in shown:
            return [""] * len(shown)
        return ["" if _missing(v) else str(v) for v in shown[name]]

    communes = [c or f for c, f in zip(text("commune"), text("nom_commune_trouve"))]
    address = [
        ", ".join(part for part in (street, " ".join(p for p in (cp, town) if p)) if part)
        for street, cp, town in zip(text("adresse"), text("code_postal"), communes)
    ]
    return {
        "name": text("nom"),
        "structure": text("structure"),
        "type": text("type"),
        "status": text("statut"),
        "address": address,
        "served": [" ".join(codes) for codes in shown["desservis"]],
        "phone": text("telephone"),
        "website": text("site_web"),
        "source": text("source"),
        "method": text("methode"),
    }


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def encode_column(column: list[str]):
    """Encode a text column: None (all empty), a constant, a dictionary, or the list itself."""
    uniques = list(dict.fromkeys(column))
    if uniques in ([], [""]):
        return None
    if len(uniques) == 1:
        return ConstantColumn(constant=uniques[0])
    if len(uniques) <= len(column) // 2:
        index = {value: k for k, value in enumerate(uniques)}
        return DictionaryColumn(values=uniques, indices=[index[value] for value in column])
    return column
