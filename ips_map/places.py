"""Place each service of a listing on the map, from the best evidence it carries.

Evidence, best first: valid coordinates (swapped latitude and longitude are detected when
the swap lands in France and the original does not); INSEE commune code (current, old code
of a merged commune, or a municipal arrondissement); commune name with postcode or
département; postcode alone; and, when nothing else is usable, the département alone (the
service is then drawn at its chef-lieu: all coverage needs is the département). The method
used is recorded for every row.

When the evidence disagrees, the best *consistent* evidence wins and the row's warnings say
which: first the département that most pieces of evidence (the stated département
included) point to; then, within it, the place most others agree with (same commune, or
within :data:`FAR_KM`), the best-ranked on a tie. A row is rejected only when no placement
is consistent (as many pieces for one département as for another: coordinates in the Ain
and "2A" stated, with nothing else) or when it carries no usable evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ips_map.errors import ERREUR, DataFileError, Problem
from ips_map.listing.read import Listing, reject_record
from ips_map.territory.data import chef_lieux
from ips_map.territory.gazetteer import (
    ARRONDISSEMENTS_CITY,
    Gazetteer,
    arrondissement_city,
    commune_key,
)
from ips_map.vocabulary import APPROXIMATE_METHODS, COMMUNE_CENTRE_METHODS, PLACEMENT_METHODS

#: Points this close to a département (in metres, EPSG:3857 so roughly) count as inside it:
#: coastal offices geocoded a few hundred metres offshore by the simplified coastline.
COAST_TOLERANCE_M = 3000
#: Two pieces of evidence further apart than this (km) disagree: coordinates 25 km from
#: the commune they name are reported, and the place most evidence agrees with wins.
FAR_KM = 20.0


@dataclass
class Placement:
    """Services placed on the map and rows that could not be placed."""

    services: gpd.GeoDataFrame
    rejects: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def count_placements(services: pd.DataFrame) -> dict[str, int]:
    """Count placed services by how exact their position is.

    Returns ``places`` (all), ``exactes`` (coordinates or a geocoded address),
    ``centre_commune`` (a commune's centre, :data:`COMMUNE_CENTRE_METHODS`), ``approchees``
    (a postcode's commune or the département's chef-lieu, :data:`APPROXIMATE_METHODS`),
    and ``code_postal`` and ``departement``, the two parts of ``approchees``.
    """
    methods = services["methode"] if len(services) else pd.Series([], dtype=object)
    commune = int(methods.isin(COMMUNE_CENTRE_METHODS).sum())
    approximate = int(methods.isin(APPROXIMATE_METHODS).sum())
    return {
        "places": int(len(methods)),
        "exactes": int(len(methods)) - commune - approximate,
        "centre_commune": commune,
        "approchees": approximate,
        "code_postal": int((methods == "code_postal").sum()),
        "departement": int((methods == "departement").sum()),
    }


def departements_of_points(
    lons: np.ndarray, lats: np.ndarray, departements: gpd.GeoDataFrame
) -> list[str | None]:
    """Return the code of the département containing each point (None when outside all).

    Points within :data:`COAST_TOLERANCE_M` of a département (offshore by a few hundred
    metres) are given that département.
    """
    if len(lons) == 0:
        return []
    points = gpd.GeoDataFrame(
        {"i": np.arange(len(lons))},
        geometry=shapely.points(np.asarray(lons, float), np.asarray(lats, float)),
        crs=4326,
    )
    polygons = departements[["code", "geometry"]]
    inside = gpd.sjoin(points, polygons, how="left", predicate="intersects")
    inside = inside[~inside.index.duplicated(keep="first")]
    result: list[str | None] = [
        None if pd.isna(code) else str(code) for code in inside.sort_index()["code"]
    ]
    missing = [i for i, code in enumerate(result) if code is None]
    if missing:
        near = gpd.sjoin_nearest(
            points.iloc[missing].to_crs(3857),
            polygons.to_crs(3857),
            how="left",
            max_distance=COAST_TOLERANCE_M,
        )
        near = near[~near.index.duplicated(keep="first")]
        for index, code in zip(near.index, near["code"]):
            if not pd.isna(code):
                result[index] = str(code)
    return result


def place_services(
    listing: Listing,
    departements: gpd.GeoDataFrame,
    communes: pd.DataFrame,
    old_codes: pd.DataFrame,
    *,
    gazetteer: Gazetteer | None = None,
) -> Placement:
    """Place every row of a listing, or reject it with the reason.

    ``gazetteer`` is the look-ups of ``communes`` and ``old_codes`` when already built
    (:class:`Gazetteer`); they are built here otherwise.

    Returns
    -------
    Placement
        ``services`` is a GeoDataFrame of points (EPSG:4326, true positions) with the
        listing's columns plus ``methode``, ``code_departement`` (the office's),
        ``code_commune_trouve``, ``nom_commune_trouve``, ``desservis`` (tuple of the codes
        served) and ``avertissements``.
    """
    gazetteer = gazetteer or Gazetteer(communes, old_codes)
    rows = listing.rows
    unit = getattr(listing, "unit", "ligne")
    written = getattr(listing, "columns_as_written", {})
    coords = _coordinate_departements(rows, departements)
    dep_names = dict(zip(departements["code"], departements["nom"]))
    seats = _SeatFinder(departements, gazetteer)

    placed: list[dict] = []
    rejects: list[dict] = []
    problems: list[Problem] = []
    for index, row in zip(rows.index, rows.to_dict("records")):
        outcome = _place_row(row, coords.get(index), gazetteer, dep_names, unit, written, seats)
        problems.extend(outcome["problems"])
        if outcome["reject"]:
            rejects.append(reject_record(row, outcome["reject"]))
            problems.extend(outcome["reject"])
            continue
        record = dict(row)
        record.update(outcome["place"])
        record["avertissements"] = " | ".join(str(p) for p in outcome["problems"])
        placed.append(record)
    problems.extend(_possible_duplicates(placed, unit))

    added = [
        "methode",
        "code_departement",
        "code_commune_trouve",
        "nom_commune_trouve",
        "desservis",
        "avertissements",
    ]
    columns = list(rows.columns) + [c for c in added if c not in rows.columns]
    frame = pd.DataFrame.from_records(placed, columns=columns + ["x", "y"])
    services = gpd.GeoDataFrame(
        frame.drop(columns=["x", "y"]),
        geometry=shapely.points(frame["x"].astype(float), frame["y"].astype(float)),
        crs=4326,
    )
    return Placement(services=services, rejects=rejects, problems=problems)


class _SeatFinder:
    """Where to draw a service known by its département only: the centre of the
    département's chef-lieu commune, or (when the commune table lacks it) a point inside
    the département's polygon."""

    def __init__(self, departements: gpd.GeoDataFrame, gazetteer: Gazetteer):
        self.departements = departements
        self.gazetteer = gazetteer
        self._seats: dict[str, tuple[float, float, str] | None] = {}

    def __call__(self, dep: str) -> tuple[float, float, str] | None:
        """Return ``(lon, lat, chef-lieu's name)`` for a département, None when unknown."""
        if dep not in self._seats:
            self._seats[dep] = self._find(dep)
        return self._seats[dep]

    def _find(self, dep: str) -> tuple[float, float, str] | None:
        code = _chef_lieux().get(dep, "")
        if code in self.gazetteer.communes:
            commune = self.gazetteer.commune(code)
            return float(commune["longitude"]), float(commune["latitude"]), commune["nom"]
        polygons = self.departements[self.departements["code"] == dep]
        if polygons.empty:
            return None
        point = polygons.geometry.iloc[0].representative_point()
        return float(point.x), float(point.y), ""


def _chef_lieux() -> dict[str, str]:
    try:
        return chef_lieux()
    except DataFileError:
        return {}  # a population file without chef-lieux: points inside the polygons


def _coordinate_departements(rows: pd.DataFrame, departements: gpd.GeoDataFrame) -> dict:
    """Map each row with coordinates to ``(lon, lat, département or None, swapped)``.

    Coordinates outside every département are tried swapped: when latitude and longitude
    were exchanged, the swap lands in France and the original does not.
    """
    has_coords = rows["lat"].notna() & rows["lon"].notna()
    lons = rows.loc[has_coords, "lon"].to_numpy(dtype=float)
    lats = rows.loc[has_coords, "lat"].to_numpy(dtype=float)
    deps = departements_of_points(lons, lats, departements)
    result = {
        index: (lon, lat, dep, False)
        for index, lon, lat, dep in zip(rows.index[has_coords], lons, lats, deps)
    }
    outside = [i for i, (lon, lat, dep, _) in result.items() if dep is None and abs(lon) <= 90]
    if outside:
        swapped = departements_of_points(
            np.array([result[i][1] for i in outside]),
            np.array([result[i][0] for i in outside]),
            departements,
        )
        for index, dep in zip(outside, swapped):
            if dep is not None:
                lon, lat, _, _ = result[index]
                result[index] = (lat, lon, dep, True)
    return result


def distance_km(x1: float, y1: float, x2: float, y2: float) -> float:
    """Great-circle distance in km between two points given in degrees (lon, lat)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (x1, y1, x2, y2))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


@dataclass
class _Evidence:
    """One piece of evidence of where a service is, resolved on its own."""

    method: str
    column: str
    value: str
    x: float
    y: float
    dep: str
    commune: str = ""
    pool: tuple[str, ...] = ()  # a postcode's communes

    @property
    def rank(self) -> int:
        return (
            list(PLACEMENT_METHODS).index(self.method)
            if self.method in PLACEMENT_METHODS
            else len(PLACEMENT_METHODS)
        )

    def agrees_with(self, other: _Evidence) -> bool:
        """Same département and the same place: one commune, or within FAR_KM."""
        if self.dep != other.dep:
            return False
        if self.commune and self.commune == other.commune:
            return True
        if (self.commune and self.commune in other.pool) or (
            other.commune and other.commune in self.pool
        ):
            return True
        return distance_km(self.x, self.y, other.x, other.y) <= FAR_KM


def _place_row(
    row: dict,
    coords,
    gazetteer: Gazetteer,
    dep_names: dict,
    unit: str = "ligne",
    written: dict | None = None,
    seats: _SeatFinder | None = None,
) -> dict:
    line = int(row["ligne"])
    notes: list[Problem] = []
    written = written or {}

    def note(column: str, value: str, message: str) -> None:
        # Reports name the column as the file's header does ("Dépt", "Code INSEE").
        notes.append(Problem(line, written.get(column, column), value, message, unite=unit))

    def name_of(dep: str) -> str:
        return f"{dep} ({dep_names[dep]})" if dep in dep_names else dep

    stated = tuple(row.get("departements_possibles") or ()) or (
        (row["departement_code"],) if row["departement_code"] else ()
    )
    evidence: list[_Evidence] = []

    if coords is not None:
        lon, lat, coord_dep, swapped = coords
        # Coordinates filled by ips_map.geocode (status "accepte") came from the address.
        geocoded = row.get("geocodage_statut") == "accepte"
        value = f"{row['latitude']} ; {row['longitude']}"
        if geocoded:
            value = f"{row['geocodage_label']} ({row['lat']} ; {row['lon']})"
        if coord_dep is None:
            note(
                "latitude",
                value,
                "coordonnées hors des 101 départements (même inversées) : ignorées",
            )
        else:
            if swapped:
                note(
                    "latitude",
                    value,
                    f"latitude et longitude inversées : lues comme latitude {lat}, "
                    f"longitude {lon} (dans le département {name_of(coord_dep)})",
                )
            method = "adresse_geocodee" if geocoded else "coordonnees"
            evidence.append(_Evidence(method, "latitude", value, lon, lat, coord_dep))

    by_code = _code_evidence(row, gazetteer, note)
    if by_code is not None:
        evidence.append(by_code)

    postcode = row["code_postal_n"]
    postcode_codes = gazetteer.by_postcode.get(postcode, []) if postcode else []
    if postcode and not postcode_codes:
        note("code_postal", postcode, "code postal inconnu : ignoré")

    hints = set(stated) | {e.dep for e in evidence}
    by_name = _name_evidence(row, gazetteer, postcode_codes, stated, hints, note)
    if by_name is not None:
        evidence.append(by_name)

    if postcode_codes:
        deps = sorted({gazetteer.commune(c)["code_departement"] for c in postcode_codes})
        best = max(postcode_codes, key=lambda c: gazetteer.commune(c)["population"])
        commune = gazetteer.commune(best)
        evidence.append(
            _Evidence(
                "code_postal",
                "code_postal",
                postcode,
                commune["longitude"],
                commune["latitude"],
                commune["code_departement"] if len(deps) == 1 else "",
                best,
                tuple(postcode_codes),
            )
        )

    seat = seats(stated[0]) if seats is not None and len(stated) == 1 else None
    if not any(e.dep or e.pool for e in evidence) and seat is not None:
        # Only the département is known: enough for coverage, drawn at its chef-lieu.
        lon, lat, seat_name = seat
        where = f"au chef-lieu ({seat_name})" if seat_name else "à l'intérieur du département"
        note(
            "departement",
            row["departement"],
            f"seul le département est connu : service compté dans le {name_of(stated[0])} "
            f"et placé {where}, position approchée ; indiquez la commune, le code postal ou "
            "les coordonnées pour le placer exactement",
        )
        evidence.append(
            _Evidence("departement", "departement", row["departement"], lon, lat, stated[0])
        )
    if not any(e.dep or e.pool for e in evidence):
        # Say why each piece of evidence was not usable: that is what to fix.
        why = "".join(f" ; {n.colonne} « {n.valeur} » : {n.message}" for n in notes)
        first = notes[0] if notes else Problem(line, "", "", "")
        return _rejected(
            line,
            unit,
            first.colonne,
            first.valeur,
            "service impossible à localiser : indiquez des coordonnées, le code INSEE de la "
            "commune, la commune avec son code postal, le code postal, ou au moins le "
            "département" + why,
            notes,
        )

    # 1. The département: each piece of evidence votes for its own, the stated one too.
    votes: dict[str, list[str]] = {}
    for item in evidence:
        if item.dep:
            votes.setdefault(item.dep, []).append(PLACEMENT_METHODS.get(item.method, item.method))
    for dep in stated:
        votes.setdefault(dep, []).append("département indiqué")
    if not votes:
        # Only a postcode shared by several départements: its most populous commune's.
        item = next(e for e in evidence if e.pool)
        votes[gazetteer.commune(item.commune)["code_departement"]] = [
            PLACEMENT_METHODS["code_postal"]
        ]
    best_count = max(len(v) for v in votes.values())
    top = [dep for dep, v in votes.items() if len(v) == best_count]
    if len(top) > 1:
        said = " ; ".join(f"{', '.join(votes[dep])} : {name_of(dep)}" for dep in top)
        message = (
            f"contradiction entre les départements ({said}) : aucune localisation cohérente, "
            "corrigez la valeur fausse"
        )
        if any(dep in stated for dep in top):
            column = written.get("departement", "departement")
            return _rejected(line, unit, column, row["departement"], message, notes)
        return _rejected(line, unit, "", "", message, notes)
    dep = top[0]

    # A postcode shared by several départements takes its communes in the chosen one.
    for i, item in enumerate(evidence):
        if item.method == "code_postal" and not item.dep:
            pool = [c for c in item.pool if gazetteer.commune(c)["code_departement"] == dep]
            if not pool:
                continue
            best = max(pool, key=lambda c: gazetteer.commune(c)["population"])
            commune = gazetteer.commune(best)
            evidence[i] = _Evidence(
                "code_postal",
                "code_postal",
                item.value,
                commune["longitude"],
                commune["latitude"],
                dep,
                best,
                tuple(pool),
            )
    inside = [e for e in evidence if e.dep == dep]
    if not inside:
        return _rejected(
            line,
            unit,
            written.get("departement", "departement"),
            row["departement"],
            f"contradiction : aucune commune du code postal {postcode} n'est dans le "
            f"département indiqué {name_of(dep)} : corrigez l'une des deux valeurs",
            notes,
        )
    for item in evidence:
        if item.dep != dep and item.dep:
            note(
                item.column,
                item.value,
                f"{PLACEMENT_METHODS.get(item.method, item.method)} dans le département "
                f"{name_of(item.dep)}, contredit par {', '.join(votes[dep])} "
                f"({name_of(dep)}) : ignoré",
            )
    if stated and dep not in stated:
        note(
            "departement",
            row["departement"],
            f"département indiqué contredit par {', '.join(votes[dep])} ({name_of(dep)}) : "
            f"service placé dans le {name_of(dep)}, corrigez le département",
        )
    elif len(stated) > 1:
        note("departement", row["departement"], f"« 20 » lu comme {name_of(dep)}")

    # 2. The place, within that département: the evidence most others agree with, the
    # best-ranked on a tie.
    def support(item: _Evidence) -> int:
        return sum(item.agrees_with(other) for other in inside if other is not item)

    winner = max(inside, key=lambda item: (support(item), -item.rank))
    for item in inside:
        if item is winner or item.agrees_with(winner):
            continue
        far = distance_km(item.x, item.y, winner.x, winner.y)
        what = PLACEMENT_METHODS.get(item.method, item.method)
        where = (
            f" ({gazetteer.commune(item.commune)['nom']})"
            if item.commune and item.method != "code_postal"
            else ""
        )
        agreeing = [
            PLACEMENT_METHODS.get(o.method, o.method)
            for o in inside
            if o is not winner and o.agrees_with(winner)
        ]
        because = f", cohérent avec {', '.join(agreeing)}" if agreeing else ""
        note(
            item.column,
            item.value,
            f"{what}{where} à {far:.0f} km du lieu retenu : placé par "
            f"{PLACEMENT_METHODS.get(winner.method, winner.method)}{because} ; vérifiez",
        )
    if (
        by_code is not None
        and by_name is not None
        and by_code.commune != by_name.commune
        and by_code.agrees_with(by_name)
    ):
        note(
            "commune",
            row["commune"],
            f"le code INSEE {by_code.commune} désigne "
            f"{gazetteer.commune(by_code.commune)['nom']} : code INSEE retenu",
        )

    commune_code = winner.commune
    if not commune_code:
        agreeing = sorted(
            (
                o
                for o in inside
                if o.commune and o.method != "code_postal" and o.agrees_with(winner)
            ),
            key=lambda o: o.rank,
        )
        commune_code = agreeing[0].commune if agreeing else ""
    if winner.method == "code_postal" and len(winner.pool) > 1:
        note(
            "code_postal",
            postcode,
            f"{len(winner.pool)} communes partagent ce code postal : "
            f"placé au centre de la plus peuplée ({gazetteer.commune(winner.commune)['nom']})",
        )
    elif winner.method == "code_postal":
        note("code_postal", postcode, "placé au centre de la commune du code postal")
    if commune_code and postcode and postcode_codes and commune_code not in postcode_codes:
        postcode_item = next((e for e in inside if e.method == "code_postal"), None)
        if postcode_item is None or postcode_item.agrees_with(winner):
            note(
                "code_postal",
                postcode,
                f"code postal absent de la commune "
                f"{gazetteer.commune(commune_code)['nom']} (CEDEX ?) : sans effet sur le placement",
            )

    commune_name = gazetteer.commune(commune_code)["nom"] if commune_code else ""
    served = tuple(row["desservis"]) or (dep,)
    return {
        "problems": notes,
        "reject": [],
        "place": {
            "methode": winner.method,
            "code_departement": dep,
            "code_commune_trouve": commune_code,
            "nom_commune_trouve": commune_name,
            "desservis": served,
            "x": float(winner.x),
            "y": float(winner.y),
        },
    }


def _rejected(line, unit, column, value, message, notes) -> dict:
    error = Problem(line, column, value, message, ERREUR, unit)
    return {"problems": notes, "reject": [error], "place": None}


def _code_evidence(row: dict, gazetteer: Gazetteer, note) -> _Evidence | None:
    code = row["code_commune_n"]
    if not code:
        return None
    method = "code_commune"
    if code not in gazetteer.communes and code in ARRONDISSEMENTS_CITY:
        city = gazetteer.commune(ARRONDISSEMENTS_CITY[code])
        note(
            "code_commune",
            code,
            f"code d'arrondissement municipal : commune {city['code_commune']} ({city['nom']})",
        )
        code = city["code_commune"]
    elif code not in gazetteer.communes and code in gazetteer.old_to_new:
        new = gazetteer.old_to_new[code]
        note(
            "code_commune",
            code,
            f"ancien code INSEE : commune actuelle {new} ({gazetteer.commune(new)['nom']})",
        )
        code, method = new, "ancien_code_commune"
    if code not in gazetteer.communes:
        note("code_commune", code, "code INSEE inconnu (ni actuel ni ancien) : ignoré")
        return None
    commune = gazetteer.commune(code)
    return _Evidence(
        method,
        "code_commune",
        row["code_commune_n"],
        commune["longitude"],
        commune["latitude"],
        commune["code_departement"],
        code,
    )


def _name_evidence(row, gazetteer, postcode_codes, stated, hints, note) -> _Evidence | None:
    written = row["commune"]
    if not written:
        return None
    key = commune_key(written)
    candidates = gazetteer.by_name.get(key, [])
    if not candidates:
        city = arrondissement_city(key)
        if city:
            candidates = gazetteer.by_name.get(city, [])
            if candidates:
                note("commune", written, f"arrondissement lu comme la commune « {city.title()} »")
    narrowed = candidates
    if len(narrowed) > 1 and postcode_codes:
        narrowed = [c for c in narrowed if c in postcode_codes] or narrowed
    for deps in (set(stated), hints):
        if len(narrowed) > 1 and deps:
            narrowed = [
                c for c in narrowed if gazetteer.commune(c)["code_departement"] in deps
            ] or narrowed
    if not candidates:
        note(
            "commune",
            written,
            "commune introuvable dans le COG 2026 : vérifiez l'orthographe ou indiquez le "
            "code INSEE",
        )
        return None
    if len(narrowed) > 1:
        listed = ", ".join(
            f"{gazetteer.commune(c)['nom']} ({c}, {gazetteer.commune(c)['code_departement']})"
            for c in narrowed[:6]
        )
        more = f" et {len(narrowed) - 6} autres" if len(narrowed) > 6 else ""
        note(
            "commune",
            written,
            f"{len(narrowed)} communes portent ce nom ({listed}{more}) : indiquez le code "
            "postal, le département ou le code INSEE",
        )
        return None
    commune = gazetteer.commune(narrowed[0])
    return _Evidence(
        "commune",
        "commune",
        written,
        commune["longitude"],
        commune["latitude"],
        commune["code_departement"],
        narrowed[0],
    )


def _possible_duplicates(placed: list[dict], unit: str) -> list[Problem]:
    """Warn about services with the same name in the same commune (possible duplicates)."""
    first: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    for record in placed:
        where = record["code_commune_trouve"] or (
            f"{record['code_departement']}:{record['x']:.2f},{record['y']:.2f}"
        )
        key = (commune_key(str(record["nom"])), where)
        if key in first:
            problem = Problem(
                int(record["ligne"]),
                "nom",
                str(record["nom"]),
                f"même nom qu'à la {unit} {first[key]}, dans la même commune : doublon "
                "possible, vérifiez (les deux sont comptés)",
                unite=unit,
            )
            problems.append(problem)
            extra = str(problem)
            record["avertissements"] = (
                f"{record['avertissements']} | {extra}" if record["avertissements"] else extra
            )
        else:
            first[key] = int(record["ligne"])
    return problems
