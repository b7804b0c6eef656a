"""The access stage: who lives far from a service, per commune, département, zone d'emploi
and nationally, today and if the planned services open.

Distances are straight lines between a commune's centre and a service's placed position,
in metres in each territory's metric CRS (never across the sea). The E2SFCA score (Luo & Qi
2009) is the supply reachable per 100,000 inhabitants, distance-decayed by bands.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ips_map.access._geometry import METRO, territories
from ips_map.access._territories import (
    CommuneMeasures,
    measure_territories,
    projected_communes,
)
from ips_map.access.aggregate import factorized, group_figures, national_figures
from ips_map.access.options import AccessOptions, french_km
from ips_map.territory.data import code_sort_key
from ips_map.vocabulary import ACCESS_COMMUNE_COLUMNS, SERVICE_TYPES

#: Columns of :attr:`AccessResult.communes`.
COMMUNE_COLUMNS = ACCESS_COMMUNE_COLUMNS
#: How summary.json names metropolitan France among the territories without a service.
METRO_NAME = "métropole"
SUPPLY_CAPACITY = "capacite"
SUPPLY_SERVICES = "service"


@dataclass(frozen=True)
class AccessResult:
    """What the access stage measured, for the tables and the map.

    Attributes
    ----------
    departements
        ``code`` and the six access columns (:meth:`AccessOptions.columns`), one row per
        département of the commune table.
    zones
        ``code_ze, libelle_ze, departements`` (``"01;38"``), ``population``, ``services``
        (active services counted, located in the zone) and the six columns.
    communes
        :data:`COMMUNE_COLUMNS`: each commune's distance (km, unrounded; NaN when its
        territory has no service) to the nearest active service, that service's name and
        listing row (empty and None then), its E2SFCA score, and its centre's metric
        coordinates (``x_m, y_m``, those the distances are measured in).
    national
        The six figures nationally, with the population, the number of communes and the
        inhabitants of a territory without any service.
    planned
        The same figures if every planned service (``en_projet``) opened: ``national``,
        ``departements`` (as above) and ``communes`` (``code, distance_km,
        accessibilite_e2sfca``); None when the listing has no planned service counted.
    method
        Thresholds, bands and weights (km), the supply unit and how it was chosen, the
        population's vintage: what the map's "Méthode" says.
    """

    departements: pd.DataFrame
    zones: pd.DataFrame
    communes: pd.DataFrame
    national: dict
    planned: dict | None
    method: dict

    @property
    def columns(self) -> list[str]:
        """The six access columns' names."""
        return [c for c in self.departements.columns if c != "code"]


def measure_access(
    communes: pd.DataFrame,
    services: pd.DataFrame,
    commune_zones: pd.DataFrame,
    zones: pd.DataFrame,
    *,
    options: AccessOptions | None = None,
    types: Iterable[str] | None = None,
    population_vintage: str = "",
) -> AccessResult:
    """Measure access to the active services of the counted types.

    Parameters
    ----------
    communes
        ``code_commune, nom, code_departement, population, longitude, latitude``
        (:func:`ips_map.territory.data.load_communes`).
    services
        Placed services (GeoDataFrame of points, EPSG:4326) with ``nom, ligne, statut, type,
        code_departement, code_commune_trouve`` and ``capacite_n``.
    commune_zones, zones
        :func:`ips_map.territory.zones.load_commune_zones` and
        :func:`~ips_map.territory.zones.load_zones`.
    options
        Thresholds, bands and weights (the defaults when None).
    types
        Service types counted (every type when None).
    population_vintage
        How the map names the communes' population (``"population municipale 2023"``).
    """
    options = options or AccessOptions()
    counted = set(types) if types else set(SERVICE_TYPES)
    kinds = services["type"] if "type" in services else pd.Series("ips", index=services.index)
    is_counted = kinds.isin(counted).to_numpy(dtype=bool)
    statut = services["statut"].to_numpy(dtype=object)
    active = is_counted & (statut == "actif")
    planned = is_counted & (statut == "en_projet")
    supply, method = _supply(services, active | planned)
    scenarios = {"today": active}
    if planned.any():
        scenarios["planned"] = active | planned
    measured, nearest_commune = measure_territories(communes, services, supply, scenarios, options)
    keys = commune_keys(communes, commune_zones)
    commune_ze = keys.zones
    today = measured["today"]
    population = communes["population"].to_numpy(dtype=np.int64)
    service_ze = _service_zones(services, keys.lookup, commune_ze, nearest_commune)
    result_planned = None
    if "planned" in measured:
        result_planned = _scenario_record(communes, keys, measured["planned"], options)
    return AccessResult(
        departements=_by_departement(communes, keys, today, options),
        zones=_zone_table(communes, keys, today, zones, service_ze[active], options),
        communes=_commune_table(communes, commune_ze, today, services),
        national={
            **national_figures(population, today.distance_km, today.score, options),
            **_without_service(communes, today),
        },
        planned=result_planned,
        method={
            **options.record(),
            **method,
            "distances": "en ligne droite (à vol d'oiseau) du centre de chaque commune au "
            "service, pas des temps de trajet ; jamais par-dessus la mer",
            "population": population_vintage or "population municipale des communes",
            "sans_service": "aucun service dans ce territoire : pas de distance, habitants "
            "comptés au-delà de chaque seuil, accessibilité 0",
            "accessibilite": "E2SFCA (Luo et Qi 2009) : offre accessible pour 100 000 "
            "habitants, pondérée par bandes de distance (" + ", ".join(_band_texts(options)) + ")",
        },
    )


def _band_texts(options: AccessOptions) -> list[str]:
    lows = (0.0, *options.bands_km[:-1])
    return [
        f"{french_km(low)}–{french_km(high)} km : {french_km(weight)}"
        for low, high, weight in zip(lows, options.bands_km, options.weights)
    ]


def _supply(services: pd.DataFrame, counted: np.ndarray) -> tuple[np.ndarray, dict]:
    """Each service's supply: its capacity when every counted service (active or planned)
    has one, else 1 per service for all (capacities and numbers of services are not
    added together); and what ``summary.json`` says about it."""
    if "capacite_n" in services:
        capacity = services["capacite_n"].to_numpy(dtype=float)
    else:
        capacity = np.full(len(services), np.nan)
    known = counted & np.isfinite(capacity) & (capacity >= 0)
    n_known, n_counted = int(known.sum()), int(counted.sum())
    if n_counted and n_known == n_counted:
        unit, text = SUPPLY_CAPACITY, "capacité (places) de chaque service"
        supply = np.where(known, capacity, 0.0)
    else:
        unit = SUPPLY_SERVICES
        supply = np.ones(len(services))
        text = "1 par service"
        if n_known:
            text += (
                f" : la capacité n'est connue que pour {n_known} des {n_counted} services "
                "comptés, elle n'est donc pas utilisée (places et services ne s'additionnent "
                "pas)"
            )
    return supply, {
        "offre": unit,
        "offre_texte": text,
        "services_avec_capacite": n_known,
        "services_sans_capacite": n_counted - n_known,
    }


@dataclass(frozen=True)
class CommuneKeys:
    """What the sums need of a commune table and its zones, the same in every build: the
    zone of each commune (``""`` when unknown), the communes grouped by département and by
    zone (:func:`~ips_map.access.aggregate.factorized`), the départements of each zone
    (``"01;38"``) and the zone of each commune code (arrondissements included)."""

    zones: np.ndarray
    by_departement: tuple[np.ndarray, np.ndarray]
    by_zone: tuple[np.ndarray, np.ndarray]
    zone_departements: pd.Series
    lookup: pd.Series


_KEYS: dict[str, tuple] = {}


def commune_keys(communes: pd.DataFrame, commune_zones: pd.DataFrame) -> CommuneKeys:
    """Return the :class:`CommuneKeys` of the tables, kept for the last pair seen (the
    loaders' tables, loaded once and never changed)."""
    kept = _KEYS.get("last")
    if (
        kept is not None
        and kept[0]() is communes
        and kept[1]() is commune_zones
        and kept[2] == (len(communes), len(commune_zones))
    ):
        return kept[3]
    lookup = pd.Series(
        commune_zones["code_ze"].to_numpy(dtype=object),
        index=commune_zones["code_commune"].to_numpy(dtype=object),
    )
    zone = lookup.reindex(communes["code_commune"].to_numpy()).fillna("").to_numpy(object)
    pairs = pd.DataFrame({"code_ze": zone, "dep": communes["code_departement"].to_numpy()})
    pairs = pairs.drop_duplicates().sort_values("dep", key=code_sort_key)
    keys = CommuneKeys(
        zones=zone,
        by_departement=factorized(communes["code_departement"].to_numpy(dtype=object)),
        by_zone=factorized(zone),
        zone_departements=pairs.groupby("code_ze", sort=False)["dep"].agg(";".join),
        lookup=lookup,
    )
    sizes = (len(communes), len(commune_zones))
    _KEYS["last"] = (weakref.ref(communes), weakref.ref(commune_zones), sizes, keys)
    return keys


def _service_zones(
    services: pd.DataFrame, zone_of: pd.Series, commune_ze: np.ndarray, nearest: np.ndarray
) -> np.ndarray:
    """Each service's zone d'emploi: its commune's (the one found when it was placed), else
    that of the commune whose centre is nearest in its territory."""
    if "code_commune_trouve" in services:
        found = services["code_commune_trouve"].fillna("").astype(str).to_numpy(dtype=object)
    else:
        found = np.full(len(services), "", dtype=object)
    zone = zone_of.reindex(found).fillna("").to_numpy(dtype=object)
    fallback = np.where(nearest >= 0, commune_ze[np.maximum(nearest, 0)], "")
    return np.where(zone == "", fallback, zone).astype(object)


def _figures(groups, communes: pd.DataFrame, measures: CommuneMeasures, options: AccessOptions):
    """The access figures of each group of communes (:func:`group_figures`)."""
    population = communes["population"].to_numpy(dtype=float)
    return group_figures(groups, population, measures.distance_km, measures.score, options)


def _by_departement(
    communes: pd.DataFrame, keys: CommuneKeys, measures: CommuneMeasures, options: AccessOptions
) -> pd.DataFrame:
    frame = _figures(keys.by_departement, communes, measures, options).drop(columns="population")
    frame = frame.reset_index()
    return frame.sort_values("code", key=code_sort_key).reset_index(drop=True)


def _zone_table(
    communes: pd.DataFrame,
    keys: CommuneKeys,
    measures: CommuneMeasures,
    zones: pd.DataFrame,
    service_ze: np.ndarray,
    options: AccessOptions,
) -> pd.DataFrame:
    """One row per zone d'emploi that has a commune in the commune table, in the zones'
    order."""
    figures = _figures(keys.by_zone, communes, measures, options)
    departements = keys.zone_departements
    counts = pd.Series(service_ze, dtype=object).value_counts()
    table = zones[["code_ze", "libelle_ze"]]
    table = table[table["code_ze"].isin(figures.index)].reset_index(drop=True)
    table["departements"] = departements.reindex(table["code_ze"]).to_numpy()
    table["population"] = figures["population"].reindex(table["code_ze"]).to_numpy()
    table["services"] = counts.reindex(table["code_ze"]).fillna(0).astype(np.int64).to_numpy()
    for column in options.columns():
        table[column] = figures[column].reindex(table["code_ze"]).to_numpy()
    return table


def _commune_table(
    communes: pd.DataFrame,
    commune_ze: np.ndarray,
    measures: CommuneMeasures,
    services: pd.DataFrame,
) -> pd.DataFrame:
    xy, _ = projected_communes(communes)
    found = measures.service >= 0
    names = np.full(len(communes), "", dtype=object)
    rows = np.full(len(communes), None, dtype=object)
    if found.any():
        names[found] = services["nom"].to_numpy(dtype=object)[measures.service[found]]
        lines = services["ligne"].to_numpy()[measures.service[found]]
        rows[found] = [int(v) for v in lines.tolist()]
    return pd.DataFrame(
        {
            "code": communes["code_commune"].to_numpy(),
            "nom": communes["nom"].to_numpy(),
            "code_departement": communes["code_departement"].to_numpy(),
            "code_ze": commune_ze,
            "population": communes["population"].to_numpy(dtype=np.int64),
            "longitude": communes["longitude"].to_numpy(dtype=float),
            "latitude": communes["latitude"].to_numpy(dtype=float),
            "distance_km": measures.distance_km,
            "service_proche": names,
            "ligne_service_proche": rows,
            "accessibilite_e2sfca": measures.score,
            "x_m": xy[:, 0],
            "y_m": xy[:, 1],
        }
    )[list(COMMUNE_COLUMNS)]


def _scenario_record(
    communes: pd.DataFrame, keys: CommuneKeys, measures: CommuneMeasures, options: AccessOptions
) -> dict:
    population = communes["population"].to_numpy(dtype=np.int64)
    return {
        "national": {
            **national_figures(population, measures.distance_km, measures.score, options),
            **_without_service(communes, measures),
        },
        "departements": _by_departement(communes, keys, measures, options),
        "communes": pd.DataFrame(
            {
                "code": communes["code_commune"].to_numpy(),
                "distance_km": measures.distance_km,
                "accessibilite_e2sfca": measures.score,
            }
        ),
    }


def _without_service(communes: pd.DataFrame, measures: CommuneMeasures) -> dict:
    """The territories without any service (``"974"``, or ``"métropole"``): their communes
    have no nearest service."""
    unreached = measures.service < 0
    lands = territories(communes["code_departement"].to_numpy(dtype=object)[unreached])
    names = sorted({METRO_NAME if land == METRO else land for land in lands.tolist()})
    return {"territoires_sans_service": names}
