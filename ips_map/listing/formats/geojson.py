"""GeoJSON listings: a FeatureCollection (or one Feature) of points.

The properties are the columns, the geometry gives the coordinates (reprojected to WGS84
when an old-style ``crs`` member names another system). Rows are numbered by the index of
the feature in ``features``, and reports call them « entité ».
"""

from __future__ import annotations

import json

from ips_map.errors import ListingError, Problem
from ips_map.listing.formats.table import RawTable, cell_text

#: Canonical columns filled from a point's geometry.
GEOMETRY_COLUMNS = ("longitude", "latitude")
_UNIT = "entité"


def read_geojson(path: str, data: bytes) -> RawTable:
    """Read the bytes of a GeoJSON listing (named ``path`` in messages) as a table of text
    cells: the point's longitude and latitude first, then every property met."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ListingError(f"{path}: GeoJSON illisible ({exc}).") from exc
    features = _features(path, document)
    transform = _crs_transform(path, document)
    columns = _columns(path, features)
    notes: list[Problem] = []
    rows: list[tuple[int, list[str]]] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            notes.append(
                Problem(index, "", "", "entité qui n'est pas un objet : ignorée", unite=_UNIT)
            )
            continue
        properties = _properties(feature, index, notes)
        lon, lat = _point(feature.get("geometry"), index, notes, transform)
        cells = [lon, lat] + [cell_text(properties.get(key)).strip() for key in columns]
        rows.append((index, cells))
    return RawTable(
        header=["longitude (géométrie)", "latitude (géométrie)", *columns],
        header_line=0,
        rows=rows,
        format="geojson",
        encoding="utf-8",
        unit=_UNIT,
        forced={0: GEOMETRY_COLUMNS[0], 1: GEOMETRY_COLUMNS[1]},
        notes=notes,
    )


def _features(path: str, document) -> list:
    """Return the features of a GeoJSON document: a FeatureCollection's, or one Feature."""
    if isinstance(document, dict) and document.get("type") == "Feature":
        return [document]
    if not (isinstance(document, dict) and document.get("type") == "FeatureCollection"):
        raise ListingError(
            f"{path}: ni FeatureCollection ni Feature GeoJSON : une liste GeoJSON est une "
            "FeatureCollection de points dont les propriétés sont les colonnes."
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise ListingError(
            f"{path}: le membre « features » de la FeatureCollection "
            + ("manque" if features is None else f"n'est pas une liste ({_json_kind(features)})")
            + " : il doit être la liste des entités (une par service)."
        )
    if not features:
        raise ListingError(
            f"{path}: FeatureCollection sans aucune entité (« features » est vide) : "
            "il faut une entité par service, ses propriétés étant les colonnes."
        )
    return features


def _columns(path: str, features: list) -> list[str]:
    """Return every property name of the features, in the order met.

    Raises
    ------
    ListingError
        When no feature has its properties as an object, quoting the first that does not.
    """
    columns: list[str] = []
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        for key in properties if isinstance(properties, dict) else ():
            if key not in columns:
                columns.append(key)
    if columns:
        return columns
    odd = [
        (index, feature["properties"])
        for index, feature in enumerate(features)
        if isinstance(feature, dict) and feature.get("properties") is not None
    ]
    if odd:
        index, properties = odd[0]
        raise ListingError(
            f"{path}: aucune entité n'a ses « properties » en objet (entité {index} : "
            f"{_json_kind(properties)}, {json.dumps(properties, ensure_ascii=False)[:60]}) "
            ": les propriétés sont les colonnes, écrites "
            '{"nom": "…", "commune": "…"}.'
        )
    return columns


def _properties(feature: dict, index: int, notes: list[Problem]) -> dict:
    """Return a feature's properties ({} when absent, or noted when not an object)."""
    properties = feature.get("properties")
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        notes.append(
            Problem(
                index,
                "properties",
                json.dumps(properties, ensure_ascii=False)[:80],
                f"« properties » n'est pas un objet ({_json_kind(properties)}) : aucune "
                "colonne lue pour cette entité ; écrivez-les « nom »: valeur",
                unite=_UNIT,
            )
        )
        return {}
    return properties


def _json_kind(value) -> str:
    """Name a JSON value's type in French, for messages."""
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un objet"
    if isinstance(value, str):
        return "un texte"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, (int, float)):
        return "un nombre"
    return "null"


def _crs_transform(path: str, document: dict):
    """A transformer to WGS84 when an old-style ``crs`` member names another CRS."""
    crs = document.get("crs") if isinstance(document, dict) else None
    name = ((crs or {}).get("properties") or {}).get("name", "") if isinstance(crs, dict) else ""
    if not name or name.upper().endswith(("CRS84", "EPSG::4326", "EPSG:4326")):
        return None
    # pyproj is imported only for the rare listing in another CRS: it is slow to import.
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_user_input(name)
    except CRSError as exc:
        raise ListingError(
            f"{path}: système de coordonnées « {name} » inconnu : exportez en WGS84 (EPSG:4326)."
        ) from exc
    return Transformer.from_crs(source, 4326, always_xy=True)


def _point(geometry, index: int, notes: list[Problem], transform) -> tuple[str, str]:
    """Return the longitude and latitude of a point geometry as text ("" when none)."""
    if geometry is None:
        return "", ""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "MultiPoint" and isinstance(coordinates, list) and len(coordinates) == 1:
        kind, coordinates = "Point", coordinates[0]
    if kind != "Point":
        notes.append(
            Problem(
                index,
                "geometry",
                str(kind),
                "géométrie qui n'est pas un point : ignorée (le service est placé par ses "
                "autres colonnes)",
                unite=_UNIT,
            )
        )
        return "", ""
    try:
        x, y = float(coordinates[0]), float(coordinates[1])
    except (TypeError, ValueError, IndexError):
        notes.append(
            Problem(
                index,
                "geometry",
                json.dumps(coordinates),
                "point illisible : ignoré",
                unite=_UNIT,
            )
        )
        return "", ""
    if transform is not None:
        x, y = transform.transform(x, y)
    return cell_text(x), cell_text(y)
