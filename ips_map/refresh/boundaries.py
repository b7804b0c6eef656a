"""Refresh the département boundaries from a GeoJSON file given by its address.

The file may name its properties and declare its CRS as its producer does; it is stored
with properties ``code`` and ``nom`` only, in EPSG:4326, one polygon or multipolygon per
département, once every code is known and every département lies where the current
boundaries put it.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import geopandas as gpd
import shapely

from ips_map.errors import DataFileError
from ips_map.refresh._common import (
    FetchResult,
    fetch_to_temp,
    provenance,
    refusal,
    store,
    temporary_folder,
)
from ips_map.sources.http import FetchError, HttpSettings
from ips_map.sources.registry import SOURCES, fetched_dir
from ips_map.territory.data import (
    N_DEPARTEMENTS,
    code_sort_key,
    departement_codes,
    load_departements,
    load_populations,
)
from ips_map.territory.names import COLLECTIVITES_OUTRE_MER
from ips_map.vocabulary import agreed, plural

log = logging.getLogger("ips_map")

#: Property names that may hold a département's code or name in a boundary file.
CODE_PROPERTIES = ("code", "code_insee", "insee_dep", "code_dept", "code_dep", "dep", "insee")
NAME_PROPERTIES = ("nom", "nom_dep", "nom_dept", "libelle", "name", "nom_departement")
#: How far (in metres) a département's inner point may lie from its current shape.
MAX_OFFSET = 5_000


def fetch_boundaries(
    url: str,
    *,
    settings: HttpSettings | None = None,
    licence: str | None = None,
    attribution: str | None = None,
    vintage: str | None = None,
) -> FetchResult:
    """Download a département GeoJSON, check it and store it in place of the embedded one.

    The file must hold the 101 départements (a ``code`` property, or ``code_insee``,
    ``INSEE_DEP``…), with polygon geometries (invalid ones are repaired) in EPSG:4326 or a
    CRS it declares (then reprojected); each département must lie where the current
    boundaries put it. Stored as ``data/fetched/geo/departements-avec-outre-mer.geojson``
    with properties ``code`` and ``nom``.

    Raises
    ------
    FetchError
        When the download fails or the file is refused; nothing is stored.
    """
    with temporary_folder() as tmp:
        fetched, path = fetch_to_temp(url, Path(tmp), "departements.geojson", settings=settings)
        try:
            frame = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises its own DataSourceError, among others
            raise FetchError(
                f"{url} : fichier GeoJSON illisible ({type(exc).__name__}: {exc}). Les "
                "contours actuels sont conservés."
            ) from None
    frame, checks = _check_boundaries(frame, url)
    data = _geojson_bytes(frame)
    target = fetched_dir() / SOURCES["departements"].path
    if not licence:
        log.warning("Licence des contours non précisée : indiquez-la avec --licence.")
    record = provenance(
        key="departements",
        path=target,
        data=data,
        title=SOURCES["departements"].title,
        producer=attribution or url,
        licence=licence or "non précisée",
        attribution=attribution or f"Contours : {url}",
        vintage=vintage or f"téléchargé le {fetched.date[:10]}",
        url=url,
        fetched=fetched,
        recipe=_recipe(checks),
        checks=checks,
    )
    result = store([(target, data, record)])
    result.summary = (
        f"Contours : {checks['departements']} départements, CRS {checks['crs']}"
        + (" (reprojetés en EPSG:4326)" if checks["reprojete"] else "")
        + f", {_repaired_words(checks['geometries_reparees'])}."
    )
    return result


def _repaired_words(count: int) -> str:
    """« 0 géométrie réparée », « 2 géométries réparées »."""
    return f"{plural(count, 'géométrie')} {agreed(count, 'réparée')}"


def _recipe(checks: dict) -> str:
    return (
        "GeoJSON téléchargé ; propriété de code "
        f"« {checks['propriete_code']} » lue comme code du département"
        + (f", nom « {checks['propriete_nom']} »" if checks["propriete_nom"] else "")
        + f" ; CRS {checks['crs']}"
        + (" reprojeté en EPSG:4326" if checks["reprojete"] else "")
        + f" ; {_repaired_words(checks['geometries_reparees'])} (make_valid) ; "
        "propriétés réduites à code et nom, un objet par département, triés par code."
    )


def _check_boundaries(frame: gpd.GeoDataFrame, url: str) -> tuple[gpd.GeoDataFrame, dict]:
    """Check the file's codes, shapes, CRS and places; return it in the stored shape and
    the figures checked."""
    what = f"{url} : contours"
    code_column = _code_column(frame, url)
    name_column = _property(frame, NAME_PROPERTIES)
    frame, dropped = _with_codes(frame, code_column)
    problems = _code_problems(frame) + _shape_problems(frame)
    if problems:
        raise refusal(what, problems)
    frame, crs_label, reprojected = _to_wgs84(frame, url)
    frame, repaired = _repaired(frame)
    if frame["code"].duplicated().any():
        # Several features per département (one per island…): one multipolygon each.
        frame = frame.dissolve(by="code", as_index=False, aggfunc="first")
    still_invalid = sorted(frame.loc[~frame.geometry.is_valid, "code"])
    if still_invalid:
        raise refusal(what, [f"géométrie irréparable : {', '.join(still_invalid)}"])
    misplaced = _misplaced(frame)
    if misplaced:
        raise refusal(
            what,
            [
                "départements qui ne sont pas à leur place (codes décalés ?) : "
                + ", ".join(misplaced)
            ],
        )
    frame = _named(frame, name_column)
    checks = {
        "departements": int(len(frame)),
        "propriete_code": code_column,
        "propriete_nom": name_column or "",
        "crs": crs_label,
        "reprojete": reprojected,
        "geometries_reparees": repaired,
        "collectivites_ecartees": dropped,
    }
    return frame, checks


# --- codes ------------------------------------------------------------------------------------


def _property(frame: gpd.GeoDataFrame, candidates: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in frame.columns if c != "geometry"}
    for name in candidates:
        if name in lower:
            return lower[name]
    return None


def _code_column(frame: gpd.GeoDataFrame, url: str) -> str:
    column = _property(frame, CODE_PROPERTIES)
    if column is None:
        raise FetchError(
            f"{url} : aucune propriété de code de département (attendu l'une de "
            f"{', '.join(CODE_PROPERTIES)} ; trouvé : "
            f"{', '.join(c for c in frame.columns if c != 'geometry') or 'aucune'})."
        )
    return column


def _normalize_code(value) -> str:
    text = str(value).strip().upper()
    if re.fullmatch(r"\d", text):
        return "0" + text
    if re.fullmatch(r"\d+\.0", text):  # a code stored as a number in the file
        text = text[:-2]
        return "0" + text if len(text) == 1 else text
    return text


def _with_codes(frame: gpd.GeoDataFrame, column: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The frame with a normalized ``code``, without the collectivités d'outre-mer (which
    are not départements); and the codes of those left out."""
    frame = frame.copy()
    frame["code"] = [_normalize_code(v) for v in frame[column]]
    dropped = sorted(set(frame["code"]) & set(COLLECTIVITES_OUTRE_MER))
    if dropped:
        log.info("Collectivités d'outre-mer écartées : %s", ", ".join(dropped))
        frame = frame[~frame["code"].isin(dropped)]
    return frame, dropped


def _code_problems(frame: gpd.GeoDataFrame) -> list[str]:
    expected = departement_codes()
    codes = set(frame["code"])
    missing = [c for c in expected if c not in codes]
    unknown = sorted(codes - set(expected))
    problems = []
    if missing:
        problems.append(
            f"{len(codes & set(expected))} départements sur {N_DEPARTEMENTS}, absents : "
            + ", ".join(missing)
        )
    if unknown:
        problems.append(f"codes inconnus : {', '.join(unknown)}")
    return problems


# --- shapes -----------------------------------------------------------------------------------


def _shape_problems(frame: gpd.GeoDataFrame) -> list[str]:
    problems = []
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        problems.append(f"géométrie vide : {', '.join(sorted(frame.loc[empty, 'code']))}")
    kinds = set(frame.geometry[~empty].geom_type)
    if kinds - {"Polygon", "MultiPolygon"}:
        problems.append(f"géométries non surfaciques : {', '.join(sorted(kinds))}")
    return problems


def _to_wgs84(frame: gpd.GeoDataFrame, url: str) -> tuple[gpd.GeoDataFrame, str, bool]:
    """The frame in EPSG:4326, the CRS as the file declares it, and whether it was
    reprojected. A GeoJSON without a CRS is in longitude/latitude by the standard."""
    crs = frame.crs
    reprojected = False
    if crs is None:
        frame = frame.set_crs(4326)
        crs_label = "non déclaré (EPSG:4326 selon la norme GeoJSON)"
    else:
        crs_label = crs.to_string()
        if crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
            reprojected = True
    minx, miny, maxx, maxy = frame.total_bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise FetchError(
            f"{url} : coordonnées hors des longitudes/latitudes ({minx:.0f}, {miny:.0f}, "
            f"{maxx:.0f}, {maxy:.0f}) alors que le fichier ne déclare pas d'autre CRS : "
            "ajoutez son CRS (membre crs) ou reprojetez-le en EPSG:4326."
        )
    return frame, crs_label, reprojected


def _repaired(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """The frame with its invalid geometries repaired, and how many were."""
    invalid = ~frame.geometry.is_valid
    repaired = int(invalid.sum())
    if repaired:
        log.warning(
            "%s %s : %s",
            plural(repaired, "géométrie invalide", "géométries invalides"),
            agreed(repaired, "réparée"),
            ", ".join(sorted(frame.loc[invalid, "code"])),
        )
        frame.loc[invalid, "geometry"] = [
            _polygonal(shapely.make_valid(g)) for g in frame.loc[invalid, "geometry"]
        ]
    return frame, repaired


def _polygonal(geometry):
    """Keep the polygonal part of a repaired geometry (make_valid may add lines)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [
        g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")
    ]
    return shapely.union_all(parts) if parts else geometry


def _misplaced(frame: gpd.GeoDataFrame) -> list[str]:
    """Codes whose shape does not sit where the current boundaries put that département."""
    try:
        current = load_departements().set_index("code").geometry
    except DataFileError as exc:
        # Nothing sound to compare with: the codes and geometry checks stand alone.
        log.warning("Position des départements non vérifiée : %s", exc)
        return []
    # Web Mercator is enough to measure a few km of slack (for a coarser or finer drawing
    # of the same border) in metropolitan France and the DROM alike.
    points = frame.set_index("code").geometry.to_crs(3857).representative_point()
    distance = current.reindex(points.index).to_crs(3857).distance(points)
    inside = list(distance <= MAX_OFFSET)
    return sorted(c for c, ok in zip(points.index, inside) if not ok)


# --- the stored shape -------------------------------------------------------------------------


def _geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    """The frame as a GeoJSON FeatureCollection, each geometry written by GEOS at full
    precision (the same coordinates as ``to_json``, four times faster: no Python object
    per vertex)."""
    geometries = shapely.to_geojson(frame.geometry.values)
    properties = frame.drop(columns=frame.geometry.name).to_dict("records")
    features = ", ".join(
        '{"type": "Feature", "properties": '
        + json.dumps(props, ensure_ascii=False)
        + ', "geometry": '
        + geometry
        + "}"
        for props, geometry in zip(properties, geometries, strict=True)
    )
    return ('{"type": "FeatureCollection", "features": [' + features + "]}").encode("utf-8")


def _named(frame: gpd.GeoDataFrame, name_column: str | None) -> gpd.GeoDataFrame:
    """``code``, ``nom`` (the file's, else INSEE's) and the geometry, sorted by code."""
    reference = load_populations()
    names = dict(zip(reference["code"], reference["nom"]))
    frame = frame.copy()
    frame["nom"] = [
        value.strip() if isinstance(value, str) and value.strip() else names[code]
        for value, code in zip(
            frame[name_column] if name_column else [None] * len(frame), frame["code"]
        )
    ]
    frame = frame[["code", "nom", "geometry"]]
    return frame.sort_values("code", key=code_sort_key).reset_index(drop=True)
