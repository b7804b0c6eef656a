"""GeoJSON listings: a FeatureCollection (or one Feature) of points.

The properties are the columns, the geometry gives the coordinates (reprojected to WGS84
when an old-style ``crs`` member names another system). Rows are numbered by the index of
the feature in ``features``, and reports call them « entité ».

Whatever the document holds, reading it raises nothing but a
:class:`~ips_map.errors.ListingError`: nesting too deep, numbers too large, ``NaN``, members
of the wrong type, an unknown CRS. A document of more than :data:`MAX_CONTAINERS` objects
and lists is refused before it is parsed, as is one of more than
:data:`~.table.MAX_ROWS` features or :data:`~.table.MAX_COLUMNS` properties.
"""

from __future__ import annotations

import json
import math

from ips_map.errors import ListingError, Problem
from ips_map.listing.formats.table import MAX_COLUMNS, MAX_ROWS, RawTable, cell_text
from ips_map.progress import READ_BLOCK, SILENT, Progress
from ips_map.vocabulary import thousands

#: Canonical columns filled from a point's geometry.
GEOMETRY_COLUMNS = ("longitude", "latitude")
#: Most objects and lists a document may hold (counted by their opening brackets): a
#: feature takes four (itself, its geometry, its coordinates, its properties).
MAX_CONTAINERS = 5 * MAX_ROWS
_UNIT = "entité"


def read_geojson(path: str, data: bytes, progress: Progress = SILENT) -> RawTable:
    """Read the bytes of a GeoJSON listing (named ``path`` in messages) as a table of text
    cells: the point's longitude and latitude first, then every property met.

    Raises
    ------
    ListingError
        For a document that is not a GeoJSON listing, or too large to be one.
    """
    containers = data.count(b"{") + data.count(b"[")
    if containers > MAX_CONTAINERS:
        raise ListingError(
            f"{path}: document JSON de {thousands(containers)} objets et listes, plus que "
            f"les {thousands(MAX_CONTAINERS)} qu'une liste de services peut avoir : ce "
            "n'est pas une liste GeoJSON. Vérifiez qu'il s'agit bien de la liste."
        )
    try:
        return _read(path, data, progress)
    except RecursionError as exc:
        raise ListingError(
            f"{path}: GeoJSON illisible (objets imbriqués trop profondément) : une liste "
            "GeoJSON est une FeatureCollection de points dont les propriétés sont les colonnes."
        ) from exc


def _read(path: str, data: bytes, progress: Progress) -> RawTable:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ListingError(f"{path}: GeoJSON illisible ({exc}).") from exc
    features = _features(path, document)
    transform = _crs_transform(path, document)
    columns = _columns(path, features)
    notes: list[Problem] = []
    rows: list[tuple[int, list[str]]] = []
    with progress.count("entités du fichier", len(features), _UNIT, detail=True) as advance:
        for index, feature in enumerate(features):
            _read_feature(index, feature, columns, transform, rows, notes)
            if index % READ_BLOCK == READ_BLOCK - 1 or index == len(features) - 1:
                advance(index % READ_BLOCK + 1)
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


def _read_feature(
    index: int, feature, columns: list[str], transform, rows: list, notes: list[Problem]
) -> None:
    """Add the row of a feature to ``rows`` (a note instead, for what is not an object)."""
    if not isinstance(feature, dict):
        notes.append(Problem(index, "", "", "entité qui n'est pas un objet : ignorée", unite=_UNIT))
        return
    properties = _properties(feature, index, notes)
    lon, lat = _point(feature.get("geometry"), index, notes, transform)
    cells = [lon, lat] + [cell_text(properties.get(key)).strip() for key in columns]
    rows.append((index, cells))


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
    if len(features) > MAX_ROWS:
        raise ListingError(
            f"{path}: {thousands(len(features))} entités, plus que les {thousands(MAX_ROWS)} "
            "qu'une liste de services peut avoir : vérifiez qu'il s'agit bien de la liste."
        )
    return features


def _columns(path: str, features: list) -> list[str]:
    """Return every property name of the features, in the order met.

    Raises
    ------
    ListingError
        When no feature has its properties as an object, quoting the first that does not.
    """
    columns: dict[str, None] = {}  # an ordered set
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            columns.update(dict.fromkeys(properties))
            if len(columns) > MAX_COLUMNS:
                raise ListingError(
                    f"{path}: plus de {thousands(MAX_COLUMNS)} propriétés différentes, plus "
                    "que les colonnes qu'une liste peut avoir : les propriétés d'une entité "
                    "sont les colonnes de la liste (nom, commune…)."
                )
    if columns:
        return list(columns)
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
    return []


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
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name", "") if isinstance(properties, dict) else ""
    if not isinstance(name, str):
        name = json.dumps(name, ensure_ascii=False)
    if not name or name.upper().endswith(("CRS84", "EPSG::4326", "EPSG:4326")):
        return None
    # pyproj is imported only for the rare listing in another CRS: it is slow to import.
    from pyproj import CRS, Transformer

    try:
        if len(name) > 200:  # no CRS is named so long
            raise ValueError(name)
        return Transformer.from_crs(CRS.from_user_input(name), 4326, always_xy=True)
    except Exception as exc:  # CRSError, ProjError, and whatever PROJ makes of the text
        raise ListingError(
            f"{path}: système de coordonnées « {name[:80]} » inconnu : exportez en WGS84 "
            "(EPSG:4326)."
        ) from exc


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
                str(kind)[:80],
                "géométrie qui n'est pas un point : ignorée (le service est placé par ses "
                "autres colonnes)",
                unite=_UNIT,
            )
        )
        return "", ""
    x, y = (
        (_coordinate(coordinates[0]), _coordinate(coordinates[1]))
        if isinstance(coordinates, list) and len(coordinates) >= 2
        else (None, None)
    )
    if x is not None and y is not None and transform is not None:
        try:
            x, y = transform.transform(x, y)
        except Exception:  # PROJ's errors for a point it cannot convert
            x = y = None
    if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
        notes.append(
            Problem(
                index,
                "geometry",
                json.dumps(coordinates)[:80],
                "point illisible : ignoré",
                unite=_UNIT,
            )
        )
        return "", ""
    return cell_text(x), cell_text(y)


def _coordinate(value) -> float | None:
    """Return a coordinate written as a number (or a number's text), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None
