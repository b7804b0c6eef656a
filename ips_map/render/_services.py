"""The services as the page draws them: one compact column table (:class:`ServiceTable`).

Positions, moved into their inset for the DROM, are sorted along bands of latitude and
encoded as one polyline; a text column whose values repeat is stored as a dictionary and
indices, a column with one value as that value, an empty column not at all.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ips_map.render._encode import encode_ring
from ips_map.render.page_data import ConstantColumn, DictionaryColumn, ServiceColumns, ServiceTable

#: Precision of the service positions in the page (1e-4 degree: at most 11 m).
SERVICE_PRECISION = 4


def service_table(services: gpd.GeoDataFrame, insets: dict) -> ServiceTable:
    """Return the services to draw (closed ones are not) as a :class:`ServiceTable`."""
    shown = services[services["statut"] != "ferme"]
    points = shown.geometry.to_numpy(dtype=object, copy=True) if len(shown) else np.array([])
    codes = shown["code_departement"].to_numpy(dtype=object)
    for code, inset in insets.items():
        mine = codes == code
        if mine.any():
            points[mine] = inset.move(points[mine])
    lons_a = shapely.get_x(points).astype(float) if len(points) else np.zeros(0)
    lats_a = shapely.get_y(points).astype(float) if len(points) else np.zeros(0)
    # Serpentine order over half-degree bands keeps consecutive points close.
    band = np.floor(lats_a * 2).astype(int)
    order = np.lexsort((np.where(band % 2 == 0, lons_a, -lons_a), band))
    values = _text_columns(shown)
    columns = {name: encode_column(column[order]) for name, column in values.items()}
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


def _text_columns(shown: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """The services' text, by field of :class:`ServiceColumns`, in the table's row order;
    each made once per distinct value (or set of values) of its columns."""

    def text(name: str) -> np.ndarray:
        if name not in shown:
            return np.full(len(shown), "", dtype=object)
        column = shown[name].to_numpy(dtype=object)
        if pd.api.types.infer_dtype(column, skipna=False) == "string":
            return column  # texts only: each is its own text
        return _per_value(column, _text)

    communes = _per_value(
        _tuples(text("commune"), text("nom_commune_trouve")), lambda p: p[0] or p[1]
    )
    address = _per_value(_tuples(text("adresse"), text("code_postal"), communes), _address)
    served = _per_value(shown["desservis"].to_numpy(dtype=object), " ".join)
    return {
        "name": text("nom"),
        "structure": text("structure"),
        "type": text("type"),
        "status": text("statut"),
        "status_written": text("statut_ecrit"),
        "address": address,
        "served": served,
        "phone": text("telephone"),
        "website": text("site_web"),
        "source": text("source"),
        "method": text("methode"),
    }


def _text(value) -> str:
    return "" if _missing(value) else str(value)


def _address(parts: tuple[str, str, str]) -> str:
    street, cp, town = parts
    return ", ".join(part for part in (street, " ".join(p for p in (cp, town) if p)) if part)


def _tuples(*columns: np.ndarray) -> np.ndarray:
    """The values of several columns, row by row, as tuples in one object column."""
    tuples = np.empty(len(columns[0]), dtype=object)
    tuples[:] = list(zip(*(column.tolist() for column in columns)))
    return tuples


def _per_value(column: np.ndarray, make) -> np.ndarray:
    """``make`` of each value of ``column``: called once per distinct value (pandas'
    factorize) when the values are all texts or all tuples (of codes), for each value
    otherwise (1, 1.0 and True are equal in Python, but not written alike)."""
    present = column[~pd.isna(column)] if len(column) else column
    kinds = set(pd.Series(present, dtype=object).map(type).unique())
    if not (kinds <= {str} or kinds <= {tuple}):
        return _objects([make(value) for value in column.tolist()])
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return _objects([make(value) for value in uniques])[codes]


def _objects(items: list) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    for k, item in enumerate(items):
        array[k] = item
    return array


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def encode_column(column: np.ndarray):
    """Encode a text column: None (all empty), a constant, a dictionary, or the list itself."""
    codes, uniques = pd.factorize(np.asarray(column, dtype=object), use_na_sentinel=False)
    uniques = list(uniques)
    if uniques in ([], [""]):
        return None
    if len(uniques) == 1:
        return ConstantColumn(constant=uniques[0])
    if len(uniques) <= len(column) // 2:
        return DictionaryColumn(values=uniques, indices=codes.tolist())
    return list(column)
