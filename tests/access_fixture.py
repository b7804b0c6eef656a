"""A real AccessView for the page's tests and screenshots, made from the data at hand.

Test input, not a mock: the placed active services of a build, the communes of
``load_communes()`` and their zones d'emploi, the straight-line (haversine) distance from each
commune's centre to the nearest active service of its territory (metropolitan France, or its
DROM), and the shares per département and per zone computed with pandas. E2SFCA is the plain
two-step computation (Luo & Qi 2009) with one unit of supply per service. The access stage
(``ips_map.access``, another branch) makes the real one; this one only feeds the renderer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ips_map.render.access_view import ACCESS_COLUMNS, AccessView
from ips_map.territory.data import DROM_CRS, load_communes

ROOT = Path(__file__).resolve().parent.parent
#: The commune → zone d'emploi table: the project's copy when there is one, else shared/'s.
ZONES_CSV = [
    ROOT / "data" / "zones-emploi" / "communes_zones_emploi_2020_cog2026.csv",
    ROOT.parent / "shared" / "data" / "zones-emploi" / "communes_zones_emploi_2020_cog2026.csv",
    Path("/work/shared/data/zones-emploi/communes_zones_emploi_2020_cog2026.csv"),
]
EARTH_KM = 6371.0088
THRESHOLDS = (30.0, 60.0)
BANDS = (15.0, 30.0, 45.0)
WEIGHTS = (1.0, 0.68, 0.22)


def zones_of_communes() -> pd.DataFrame:
    """code_commune, code_ze, libelle_ze for every commune."""
    path = next(p for p in ZONES_CSV if p.is_file())
    return pd.read_csv(path, dtype=str, usecols=["code_commune", "code_ze", "libelle_ze"])


def _territory(codes: pd.Series) -> np.ndarray:
    return np.where(codes.isin(list(DROM_CRS)), codes, "metro")


def _haversine(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Distances in km between each point of 1 (rows) and each point of 2 (columns)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, float)) for v in (lat1, lon1, lat2, lon2))
    dlat = lat2[None, :] - lat1[:, None]
    dlon = lon2[None, :] - lon1[:, None]
    a = (
        np.sin(dlat / 2) ** 2
        + np.cos(lat1)[:, None] * np.cos(lat2)[None, :] * np.sin(dlon / 2) ** 2
    )
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _distances(communes: pd.DataFrame, services: pd.DataFrame):
    """Each commune's distance to its nearest service of the same territory (NaN: none),
    that service's name, and the commune × service distances (inf across territories)."""
    pairs = _haversine(
        communes["latitude"], communes["longitude"], services["lat"], services["lon"]
    )
    same = _territory(communes["code_departement"])[:, None] == services["territory"].to_numpy()
    pairs = np.where(same, pairs, np.inf)
    if pairs.shape[1] == 0:
        return np.full(len(communes), np.nan), np.full(len(communes), ""), pairs
    nearest = pairs.argmin(axis=1)
    best = pairs[np.arange(len(communes)), nearest]
    names = services["nom"].to_numpy()[nearest]
    return np.where(np.isfinite(best), best, np.nan), np.where(np.isfinite(best), names, ""), pairs


def _e2sfca(pairs: np.ndarray, population: np.ndarray) -> np.ndarray:
    """E2SFCA per commune, per 100,000 inhabitants: one unit of supply per service."""
    weights = np.zeros_like(pairs)
    lower = 0.0
    for upper, weight in zip(BANDS, WEIGHTS):
        weights[(pairs >= lower) & (pairs < upper)] = weight
        lower = upper
    demand = (weights * population[:, None]).sum(axis=0)
    ratio = np.divide(1.0, demand, out=np.zeros_like(demand), where=demand > 0)
    return (weights * ratio[None, :]).sum(axis=1) * 100_000


def _figures(communes: pd.DataFrame, by) -> pd.DataFrame:
    """The six access figures per group of communes (population-weighted, with pandas)."""
    pop = communes["population"].astype(float)
    known = communes["distance_km"].notna()
    parts = pd.DataFrame(
        {
            "pop": pop,
            "pop_known": pop.where(known, 0.0),
            "dist_x_pop": (communes["distance_km"] * pop).where(known, 0.0),
            "pop_30km_plus": pop.where(communes["far30"], 0.0),
            "pop_60km_plus": pop.where(communes["far60"], 0.0),
            "e2sfca_x_pop": communes["e2sfca"] * pop,
        }
    )
    sums = parts.groupby(by).sum() if by is not None else parts.sum().to_frame().T
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "distance_moyenne_km": sums["dist_x_pop"]
                / sums["pop_known"].where(sums["pop_known"] > 0),
                "part_pop_30km_plus": sums["pop_30km_plus"] / sums["pop"],
                "part_pop_60km_plus": sums["pop_60km_plus"] / sums["pop"],
                "pop_30km_plus": sums["pop_30km_plus"].astype(int),
                "pop_60km_plus": sums["pop_60km_plus"].astype(int),
                "accessibilite_e2sfca": sums["e2sfca_x_pop"] / sums["pop"],
            }
        )


def make_access_view(
    services, coverage: pd.DataFrame | None = None, zones_geometry: bool = False, suggest: int = 3
) -> AccessView:
    """The AccessView of a build's placed services (GeoDataFrame, EPSG:4326)."""
    active = services[services["statut"] == "actif"]
    table = pd.DataFrame(
        {
            "nom": active["nom"].to_numpy(),
            "lon": active.geometry.x.to_numpy(),
            "lat": active.geometry.y.to_numpy(),
            "territory": _territory(active["code_departement"].astype(str)),
        }
    )
    communes = load_communes()[
        ["code_commune", "nom", "code_departement", "population", "longitude", "latitude"]
    ].rename(columns={"code_commune": "code"})
    zones = zones_of_communes().rename(columns={"code_commune": "code"})
    communes = communes.merge(zones, on="code", how="left")
    distance, nearest, pairs = _distances(communes, table)
    communes["distance_km"] = distance
    communes["service_proche"] = nearest
    communes["e2sfca"] = _e2sfca(pairs, communes["population"].to_numpy(float))
    communes["far30"] = ~(communes["distance_km"] <= THRESHOLDS[0])
    communes["far60"] = ~(communes["distance_km"] <= THRESHOLDS[1])
    per_dep = _figures(communes, communes["code_departement"].rename("code")).reset_index()
    per_zone = _figures(communes, [communes["code_ze"], communes["libelle_ze"]]).reset_index()
    extra = communes.groupby("code_ze").agg(
        departements=("code_departement", lambda c: ";".join(sorted(set(c)))),
        population=("population", "sum"),
    )
    located = _zones_of_points(table, communes)
    per_zone = per_zone.merge(extra, left_on="code_ze", right_index=True)
    per_zone["services"] = per_zone["code_ze"].map(located).fillna(0).astype(int)
    national = {k: float(v) for k, v in _figures(communes, None).iloc[0].items()}
    return AccessView(
        departements=per_dep[["code", *ACCESS_COLUMNS]],
        zones=per_zone[
            ["code_ze", "libelle_ze", "departements", "population", "services", *ACCESS_COLUMNS]
        ],
        communes=communes[
            [
                "code",
                "nom",
                "code_departement",
                "code_ze",
                "population",
                "longitude",
                "latitude",
                "distance_km",
                "service_proche",
            ]
        ],
        national=national,
        method={
            "seuils_km": list(THRESHOLDS),
            "bandes_km": list(BANDS),
            "poids": list(WEIGHTS),
            "offre": "1 par service",
            "annee_population": 2023,
        },
        planned=_planned(national, coverage),
        suggestions=_suggestions(communes, suggest, _names(coverage)),
        zones_geometry=zones_geometry,
    )


def _zones_of_points(table: pd.DataFrame, communes: pd.DataFrame) -> pd.Series:
    """Services per zone: each service in the zone of the commune whose centre is nearest."""
    if table.empty:
        return pd.Series(dtype=int)
    pairs = _haversine(table["lat"], table["lon"], communes["latitude"], communes["longitude"])
    return pd.Series(communes["code_ze"].to_numpy()[pairs.argmin(axis=1)]).value_counts()


def _planned(national: dict, coverage: pd.DataFrame | None) -> dict:
    """Stand-in figures "if the projects opened": today's (the example has no planned site
    that changes them), with the départements covered of the coverage table."""
    covered = int((coverage["statut"] != "non_couvert").sum()) if coverage is not None else 0
    return {
        "departements_couverts": covered,
        "pop_30km_plus": int(national["pop_30km_plus"]),
        "part_pop_30km_plus": float(national["part_pop_30km_plus"]),
        "e2sfca": float(national["accessibilite_e2sfca"]),
    }


def _names(coverage: pd.DataFrame | None) -> dict:
    return {} if coverage is None else dict(zip(coverage["code"], coverage["nom"]))


def _suggestions(communes: pd.DataFrame, k: int, names: dict) -> pd.DataFrame:
    """Greedy MCLP on commune seats: each step the commune whose 30 km disc brings the most
    far-away inhabitants within reach (a few hundred candidates, the most populous)."""
    far = communes[communes["far30"]].reset_index(drop=True)
    candidates = far.nlargest(120, "population").reset_index(drop=True)
    within = (
        _haversine(
            candidates["latitude"], candidates["longitude"], far["latitude"], far["longitude"]
        )
        <= THRESHOLDS[0]
    )
    same = (
        _territory(candidates["code_departement"])[:, None]
        == _territory(far["code_departement"])[None, :]
    )
    within &= same
    left = far["population"].to_numpy(float)
    rows, total = [], 0
    for rank in range(1, k + 1):
        gains = within @ left
        best = int(gains.argmax())
        if gains[best] <= 0:
            break
        total += int(gains[best])
        c = candidates.iloc[best]
        rows.append(
            {
                "rang": rank,
                "code_commune": c["code"],
                "commune": c["nom"],
                "code_departement": c["code_departement"],
                "departement": names.get(c["code_departement"], c["code_departement"]),
                "code_zone_emploi": c["code_ze"],
                "zone_emploi": c["libelle_ze"],
                "population_ajoutee": int(gains[best]),
                "population_ajoutee_cumulee": total,
                "longitude": float(c["longitude"]),
                "latitude": float(c["latitude"]),
                "methode": "glouton (MCLP), 30 km à vol d'oiseau",
            }
        )
        left = np.where(within[best], 0.0, left)
    return pd.DataFrame(rows)
