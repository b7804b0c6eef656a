"""Place each service of a listing on the map, from the best evidence it carries.

Evidence, best first: valid coordinates; INSEE commune code (current, or old code of a
merged commune); commune name with postcode or département; postcode alone. The method
used is recorded for every row. A row whose evidence contradicts itself (a commune code in
another département than the one stated, ...) or that carries no usable evidence is
rejected with the reason; every other row is placed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .listing import Listing
from .report import ERREUR, Problem
from .territory import text_key

#: Placement methods, best evidence first, with the label written in reports.
METHODS = {
    "coordonnees": "coordonnées",
    "code_commune": "code INSEE de la commune",
    "ancien_code_commune": "ancien code INSEE (commune fusionnée)",
    "commune": "nom de la commune",
    "code_postal": "code postal (approximation)",
}
#: Points this close to a département (in metres, EPSG:3857 so roughly) count as inside it:
#: coastal offices geocoded a few hundred metres offshore by the simplified coastline.
COAST_TOLERANCE_M = 3000


@dataclass
class Placement:
    """Services placed on the map and rows that could not be placed."""

    services: gpd.GeoDataFrame
    rejects: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _Gazetteer:
    """Look-ups from codes, names and postcodes to today's communes.

    Communes are plain dicts (a pandas row per look-up costs too much for 100,000 rows);
    the name and postcode indexes are built on first use only.
    """

    def __init__(self, communes: pd.DataFrame, old_codes: pd.DataFrame):
        columns = [
            "code_commune",
            "nom",
            "code_departement",
            "codes_postaux",
            "population",
            "longitude",
            "latitude",
        ]
        self.communes: dict[str, dict] = {
            record["code_commune"]: record for record in communes[columns].to_dict("records")
        }
        self.old_to_new = dict(zip(old_codes["ancien_code"], old_codes["code_commune"]))
        self._old_names = list(zip(old_codes["ancien_nom"], old_codes["code_commune"]))

    @cached_property
    def by_name(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        pairs = [(c["nom"], code) for code, c in self.communes.items()] + self._old_names
        for name, code in pairs:
            if not name:
                continue
            codes = index.setdefault(commune_key(name), [])
            if code not in codes:
                codes.append(code)
        return index

    @cached_property
    def by_postcode(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for code, commune in self.communes.items():
            for postcode in commune["codes_postaux"].split():
                index.setdefault(postcode, []).append(code)
        return index

    def commune(self, code: str) -> dict:
        return self.communes[code]


def commune_key(name: str) -> str:
    """Return a key that matches the ways people write a commune's name.

    Case, accents, hyphens and apostrophes are ignored, "St"/"Ste" read as "Saint"/"Sainte",
    and a leading article ("Le", "La", "Les", "L'") is dropped.
    """
    words = text_key(name).split()
    words = ["saint" if w == "st" else "sainte" if w == "ste" else w for w in words]
    if len(words) > 1 and words[0] in ("le", "la", "les", "l"):
        words = words[1:]
    return " ".join(words)


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
) -> Placement:
    """Place every row of a listing, or reject it with the reason.

    Returns
    -------
    Placement
        ``services`` is a GeoDataFrame of points (EPSG:4326, true positions) with the
        listing's columns plus ``methode``, ``code_departement`` (the office's),
        ``code_commune_trouve``, ``nom_commune_trouve``, ``desservis`` (tuple of the codes
        served) and ``avertissements``.
    """
    gazetteer = _Gazetteer(communes, old_codes)
    rows = listing.rows
    has_coords = rows["lat"].notna() & rows["lon"].notna()
    coord_deps = departements_of_points(
        rows.loc[has_coords, "lon"].to_numpy(), rows.loc[has_coords, "lat"].to_numpy(), departements
    )
    dep_of_coords = dict(zip(rows.index[has_coords], coord_deps))
    dep_names = dict(zip(departements["code"], departements["nom"]))

    placed: list[dict] = []
    rejects: list[dict] = []
    problems: list[Problem] = []
    for index, row in zip(rows.index, rows.to_dict("records")):
        outcome = _place_row(row, dep_of_coords.get(index, "absent"), gazetteer, dep_names)
        problems.extend(outcome["problems"])
        if outcome["reject"]:
            rejects.append(
                {
                    "ligne": row["ligne"],
                    "nom": row["nom"],
                    "raison": "; ".join(str(p) for p in outcome["reject"]),
                }
            )
            problems.extend(outcome["reject"])
            continue
        record = dict(row)
        record.update(outcome["place"])
        record["avertissements"] = " | ".join(str(p) for p in outcome["problems"])
        placed.append(record)

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


def _place_row(row: dict, coord_dep, gazetteer: _Gazetteer, dep_names: dict) -> dict:
    line = int(row["ligne"])
    notes: list[Problem] = []
    errors: list[Problem] = []

    def note(column: str, value: str, message: str) -> None:
        notes.append(Problem(line, column, value, message))

    # Each piece of evidence, resolved independently: (method, x, y, dep, commune code).
    evidence: list[tuple[str, float, float, str, str]] = []
    if coord_dep != "absent":
        value = f"{row['latitude']} ; {row['longitude']}"
        if coord_dep is None:
            note("latitude", value, "coordonnées hors des 101 départements : ignorées")
        else:
            evidence.append(("coordonnees", row["lon"], row["lat"], coord_dep, ""))

    by_code = None
    code = row["code_commune_n"]
    if code:
        method = "code_commune"
        if code not in gazetteer.communes and code in gazetteer.old_to_new:
            new = gazetteer.old_to_new[code]
            note(
                "code_commune",
                code,
                f"ancien code INSEE : commune actuelle {new} ({gazetteer.commune(new)['nom']})",
            )
            code, method = new, "ancien_code_commune"
        if code in gazetteer.communes:
            by_code = gazetteer.commune(code)
            evidence.append(
                (
                    method,
                    by_code["longitude"],
                    by_code["latitude"],
                    by_code["code_departement"],
                    code,
                )
            )
        else:
            note("code_commune", code, "code INSEE inconnu (ni actuel ni ancien) : ignoré")

    postcode = row["code_postal_n"]
    postcode_codes = gazetteer.by_postcode.get(postcode, []) if postcode else []
    if postcode and not postcode_codes:
        note("code_postal", postcode, "code postal inconnu : ignoré")

    by_name = None
    if row["commune"]:
        candidates = gazetteer.by_name.get(commune_key(row["commune"]), [])
        narrowed = candidates
        if len(narrowed) > 1 and postcode_codes:
            narrowed = [c for c in narrowed if c in postcode_codes] or narrowed
        if len(narrowed) > 1 and row["departement_code"]:
            narrowed = [
                c
                for c in narrowed
                if gazetteer.commune(c)["code_departement"] == row["departement_code"]
            ] or narrowed
        if not candidates:
            note(
                "commune",
                row["commune"],
                "commune introuvable dans le COG 2026 : vérifiez "
                "l'orthographe ou indiquez le code INSEE",
            )
        elif len(narrowed) > 1:
            listed = ", ".join(f"{gazetteer.commune(c)['nom']} ({c})" for c in narrowed[:6])
            note(
                "commune",
                row["commune"],
                f"{len(narrowed)} communes portent ce nom "
                f"({listed}) : indiquez le code postal, le département ou le code INSEE",
            )
        else:
            by_name = gazetteer.commune(narrowed[0])
            evidence.append(
                (
                    "commune",
                    by_name["longitude"],
                    by_name["latitude"],
                    by_name["code_departement"],
                    narrowed[0],
                )
            )

    # A few postcodes span two départements ("01590": Ain and Jura): the stated
    # département picks among them, or the most populous commune would contradict it.
    postcode_pool = postcode_codes
    if len(postcode_codes) > 1 and row["departement_code"]:
        postcode_pool = [
            c
            for c in postcode_codes
            if gazetteer.commune(c)["code_departement"] == row["departement_code"]
        ] or postcode_codes
    if postcode_pool:
        best = max(postcode_pool, key=lambda c: gazetteer.commune(c)["population"])
        commune = gazetteer.commune(best)
        evidence.append(
            (
                "code_postal",
                commune["longitude"],
                commune["latitude"],
                commune["code_departement"],
                best,
            )
        )

    if not evidence:
        errors.append(
            Problem(
                line,
                "",
                row["nom"],
                "service impossible à localiser : indiquez des coordonnées, le code INSEE de la "
                "commune, la commune avec son code postal ou son département, ou le code postal",
                ERREUR,
            )
        )
        return {"problems": notes, "reject": errors, "place": None}

    method, x, y, dep, commune_code = evidence[0]
    # Contradictions between pieces of evidence that each resolved on their own.
    stated = row["departement_code"]
    if stated and stated != dep:
        errors.append(
            Problem(
                line,
                "departement",
                row["departement"],
                f"contradiction : le service est placé par {METHODS[method]} dans le département "
                f"{dep} ({dep_names.get(dep, '')}), pas {stated} ({dep_names.get(stated, '')}) : "
                "corrigez l'une des deux valeurs",
                ERREUR,
            )
        )
    for other_method, _, _, other_dep, _ in evidence[1:]:
        if other_method != "code_postal" and other_dep != dep:
            errors.append(
                Problem(
                    line,
                    "",
                    "",
                    f"contradiction : {METHODS[method]} donne le département {dep}, "
                    f"{METHODS[other_method]} le département {other_dep} : "
                    "corrigez la valeur fausse",
                    ERREUR,
                )
            )
    if by_code is not None and by_name is not None and by_code is not by_name:
        note(
            "commune",
            row["commune"],
            f"le code INSEE {by_code['code_commune']} désigne {by_code['nom']} : code INSEE retenu",
        )
    if errors:
        return {"problems": notes, "reject": errors, "place": None}

    if method == "code_postal" and len(postcode_pool) > 1:
        note(
            "code_postal",
            postcode,
            f"{len(postcode_pool)} communes partagent ce code postal : "
            f"placé au centre de la plus peuplée ({gazetteer.commune(commune_code)['nom']})",
        )
    elif method == "code_postal":
        note("code_postal", postcode, "placé au centre de la commune du code postal")
    if commune_code and postcode and postcode_codes and commune_code not in postcode_codes:
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
            "methode": method,
            "code_departement": dep,
            "code_commune_trouve": commune_code,
            "nom_commune_trouve": commune_name,
            "desservis": served,
            "x": float(x),
            "y": float(y),
        },
    }
