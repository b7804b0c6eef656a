"""The page's text equivalent of the map: the rows of its two tables (départements,
services), as ``templates/tables.html`` writes them.

The renderer computes no metric: every value here is a column of the coverage table or of
the placed services, formatted for a French reader. The services' rows carry their index in
the page's services table (:func:`ips_map.render._services.service_table`), so that a row's
button shows the same service on the map.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ips_map.vocabulary import (
    COVERAGE_STATUS_LABELS,
    SERVICE_STATUS_LABELS,
    SERVICE_TYPE_LABELS,
    UNRECOGNISED_STATUS,
)

#: Most services written into the page's table: beyond, the first ones (by département) and
#: a note that sends to the full table (the CSV beside the page, or built from the page).
#: A row takes about 200 bytes: 1,000 rows keep a page of 10,000 services within its 80 bytes
#: per service (bench/scale.py), and are more than any real listing holds (about 120 IPS
#: services in France in 2023).
MAX_SERVICE_ROWS = 1_000

_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(value: str) -> str:
    """« 12 mars 2024 » (« 1er » for the first) for an ISO date; any other text as it is."""
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {_MONTHS[day.month - 1]} {day.year}"


def listing_phrase(context) -> str:
    """The listing's date and where it comes from, as the page says it (``listing-date.html``),
    for the images: never the listing's file name."""
    if context.listing_dated in ("given", "title"):
        date = french_date(context.listing_date)
        return f"liste datée {'du' if date[:1].isdigit() else 'de'} {date}"
    if context.listing_dated == "example":
        return f"liste d'exemple, {context.listing_date}"
    return f"date de construction, la liste n'étant pas datée ({french_date(context.build_date)})"


def departement_rows(coverage: pd.DataFrame) -> list[dict]:
    """One row per département, in the coverage table's order (codes)."""
    rows = []
    for row in coverage.itertuples(index=False):
        rate = row.services_pour_100k
        rows.append(
            {
                "code": row.code,
                "nom": row.nom,
                "population": int(row.population),
                "annee": int(row.annee_population),
                "actifs": int(row.services_actifs),
                "projet": int(row.services_en_projet),
                "statut": row.statut,
                "statut_texte": COVERAGE_STATUS_LABELS[row.statut],
                "taux": None if rate != rate else float(rate),
            }
        )
    return rows


def service_rows(
    services: gpd.GeoDataFrame, names: dict[str, str], insets: dict, limit: int = MAX_SERVICE_ROWS
) -> tuple[list[dict], int]:
    """The drawn services (closed ones are not) sorted by département, commune and name: the
    first ``limit`` rows, and how many there are in all.

    ``services`` are those of the counted types; ``names`` gives each département's name.
    Each row's ``i`` is its index in the page's services table.
    """
    shown = services[services["statut"] != "ferme"]
    total = len(shown)
    if not total:
        return [], 0
    index = _drawn_index(shown, insets)
    order = _first_rows(shown, limit)
    chosen = shown.iloc[order]
    name, structure, source = (_text(chosen, c) for c in ("nom", "structure", "source"))
    commune = _commune(chosen)
    kinds, statuses = _text(chosen, "type"), _text(chosen, "statut")
    written = _text(chosen, "statut_ecrit")
    codes = chosen["code_departement"].to_numpy(dtype=object)
    served = chosen["desservis"].to_numpy(dtype=object)
    index = index[order]
    rows = []
    for k in range(len(order)):
        code = codes[k] or ""
        rows.append(
            {
                "i": int(index[k]),
                "nom": name[k],
                "structure": structure[k],
                "commune": commune[k],
                "departement": f"{names.get(code, code)} ({code})" if code else "",
                "code": code,
                "type": SERVICE_TYPE_LABELS.get(kinds[k], kinds[k]),
                "statut": _status_words(statuses[k], written[k]),
                "desservis": ", ".join(served[k] or ()),
                "source": source[k],
                "lien": source[k] if source[k].lower().startswith(("http://", "https://")) else "",
            }
        )
    return rows, total


def _first_rows(shown: gpd.GeoDataFrame, limit: int) -> np.ndarray:
    """Positions of the first ``limit`` rows by département, commune and name: only the rows
    of the départements that reach the limit are sorted by commune and name."""
    codes = shown["code_departement"].to_numpy(dtype=object)
    uniques, inverse = np.unique(np.asarray([c or "" for c in codes.tolist()]), return_inverse=True)
    by_code = np.array([_code_key(code) for code in uniques.tolist()])[inverse]
    if len(shown) > limit:
        last = np.partition(by_code, limit - 1)[limit - 1]
        candidates = np.flatnonzero(by_code <= last)
    else:
        candidates = np.arange(len(shown))
    part = shown.iloc[candidates]
    keys = list(
        zip(
            by_code[candidates].tolist(),
            (town.casefold() for town in _commune(part).tolist()),
            (title.casefold() for title in _text(part, "nom").tolist()),
        )
    )
    ranked = sorted(range(len(keys)), key=keys.__getitem__)[:limit]
    return candidates[ranked]


def _commune(frame: pd.DataFrame) -> np.ndarray:
    """The commune as the listing writes it, else the one found when placing the service."""
    written, found = _text(frame, "commune"), _text(frame, "nom_commune_trouve")
    return np.where(written != "", written, found)


def _status_words(status: str, written: str) -> str:
    """A service's statut as the table says it; one not recognised as written, and so."""
    if status == UNRECOGNISED_STATUS:
        return f"« {written} » (statut non reconnu)"
    return SERVICE_STATUS_LABELS.get(status, status)


def _drawn_index(shown: gpd.GeoDataFrame, insets: dict) -> np.ndarray:
    """For each row of ``shown``, its index in the page's services table: the order of
    :func:`ips_map.render._services.service_table` (positions moved into their inset, in a
    serpentine over half-degree bands of latitude; tests/test_tables.py checks that both
    agree), made here from the positions alone, without the table's text columns."""
    points = shown.geometry.to_numpy(dtype=object, copy=True)
    codes = shown["code_departement"].to_numpy(dtype=object)
    for code, inset in insets.items():
        mine = codes == code
        if mine.any():
            points[mine] = inset.move(points[mine])
    lons = shapely.get_x(points).astype(float)
    lats = shapely.get_y(points).astype(float)
    band = np.floor(lats * 2).astype(int)
    order = np.lexsort((np.where(band % 2 == 0, lons, -lons), band))
    index = np.empty(len(shown), dtype=int)
    index[order] = np.arange(len(shown))
    return index


def _text(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A text column, "" where it is empty or absent."""
    if name not in frame:
        return np.full(len(frame), "", dtype=object)
    values = frame[name].to_numpy(dtype=object)
    return np.array(["" if v is None or v != v else str(v) for v in values.tolist()], dtype=object)


def _code_key(code) -> float:
    """Département codes in their usual order: 01…19, 2A, 2B, 21…95, 971…976."""
    code = code or ""
    if code.isdigit():
        return float(code)
    return {"2A": 20.1, "2B": 20.2}.get(code.upper(), 1000.0)


def table_values(coverage: pd.DataFrame, services: gpd.GeoDataFrame, insets: dict) -> dict:
    """What ``tables.html`` writes: the départements' rows, the services' rows (at most
    :data:`MAX_SERVICE_ROWS`) and how many services the map shows, active and planned."""
    names = dict(zip(coverage["code"], coverage["nom"]))
    rows, total = service_rows(services, names, insets)
    statuses = services["statut"]
    return {
        "departements": departement_rows(coverage),
        "services": rows,
        "services_total": total,
        "active_services": int((statuses == "actif").sum()),
        "planned_services": int((statuses == "en_projet").sum()),
        "unrecognised_services": int((statuses == UNRECOGNISED_STATUS).sum()),
    }
