"""Where to open next, in a build: ``--suggest K`` commune seats for new services, chosen
greedily (:func:`ips_map.access.suggest.suggest_sites`) among the communes measured by the
access stage, the existing services kept; ``suggestions.csv`` and ``summary.json``'s
``suggestions``.

The people counted are those of the communes the access stage kept: every commune, or a
regional edition's communes, where the suggestions stay too. The services kept are the whole
listing's active services of the counted types (and the planned ones with
``--suggest-after-planned``): a service across the région's limit still reaches its people.
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass

import numpy as np
import pandas as pd

from ips_map.access import AccessResult
from ips_map.access._territories import projected_communes
from ips_map.access.points import project_points
from ips_map.access.suggest import (
    SUGGESTION_COLUMNS,
    Suggestion,
    method_text,
    suggest_sites,
    suggestions_table,
)
from ips_map.memo import remembered
from ips_map.render.access_view import ACCESS_COLUMNS, AccessView
from ips_map.settings import BuildSettings
from ips_map.territory.data import load_communes
from ips_map.territory.zones import load_zones
from ips_map.vocabulary import SERVICE_TYPES


@dataclass(frozen=True)
class Suggestions:
    """The suggested sites of a build: ``rows`` as in ``suggestions.csv``, the reach, and
    whether the planned services were counted as open."""

    rows: list[dict]
    threshold_km: float
    after_planned: bool
    asked: int

    @property
    def table(self) -> pd.DataFrame:
        """The rows as a table (:data:`~ips_map.access.suggest.SUGGESTION_COLUMNS`)."""
        return pd.DataFrame(self.rows, columns=SUGGESTION_COLUMNS)

    def record(self) -> dict:
        """``summary.json``'s ``suggestions``."""
        return {
            "demandees": self.asked,
            "seuil_km": self.threshold_km,
            "projets_comptes_ouverts": self.after_planned,
            "methode": method_text(self.threshold_km * 1000, self.after_planned),
            "population_ajoutee": self.rows[-1]["population_ajoutee_cumulee"] if self.rows else 0,
            "sites": self.rows,
        }


def suggest_for_build(
    settings: BuildSettings,
    services: pd.DataFrame,
    access: AccessResult,
    departement_names: dict[str, str],
) -> Suggestions | None:
    """The ``settings.suggest`` sites for the communes of ``access`` (None for 0), within
    the first threshold of the access stage, ``services`` (the whole listing's, placed)
    kept."""
    if settings.suggest <= 0:
        return None
    threshold_km = float(settings.access_thresholds_km[0])
    communes = access.communes.sort_values("code", kind="stable").reset_index(drop=True)
    # The access stage's projections of the communes, not made again.
    table = load_communes()
    xy_all, group_all = projected_communes(table)
    where = pd.Index(table["code_commune"]).get_indexer(communes["code"])
    xy, group = xy_all[where], group_all[where]
    kept = _kept_services(services, settings)
    picks = _picks(
        (xy, communes["population"].to_numpy(dtype=np.int64), group),
        kept,
        threshold_km * 1000,
        settings.suggest,
    )
    labels = load_zones().set_index("code_ze")["libelle_ze"]
    table = communes.assign(
        nom_departement=communes["code_departement"].map(departement_names).fillna(""),
        libelle_ze=communes["code_ze"].map(labels).fillna(""),
    )
    rows = suggestions_table(
        picks, table, threshold_km * 1000, after_planned=settings.suggest_after_planned
    )
    return Suggestions(rows, threshold_km, settings.suggest_after_planned, settings.suggest)


def _picks(
    communes: tuple[np.ndarray, np.ndarray, np.ndarray],
    kept: pd.DataFrame,
    threshold_m: float,
    k: int,
) -> list[Suggestion]:
    """:func:`suggest_sites` for the communes' ``(xy, population, territory)`` and the
    services ``kept``, kept between builds (:mod:`ips_map.memo`) under all of these: the
    services by their positions and départements, projected only when the choice is made."""
    xy, population, group = communes
    lon, lat = kept.geometry.x.to_numpy(), kept.geometry.y.to_numpy()
    departements = kept["code_departement"].to_numpy(dtype=object)

    def make() -> dict:
        kept_xy, kept_group = project_points(lon, lat, departements)
        picks = suggest_sites(xy, population, group, kept_xy, kept_group, threshold_m, k)
        rows = np.array([astuple(p) for p in picks], dtype=np.int64).reshape(-1, 3)
        return {"commune": rows[:, 0], "added": rows[:, 1], "total": rows[:, 2]}

    def read(arrays) -> list[Suggestion]:
        commune, added, total = (arrays[key] for key in ("commune", "added", "total"))
        if not (len(commune) == len(added) == len(total) <= k) or np.any(commune >= len(xy)):
            raise ValueError("suggestions gardées incohérentes")
        return [Suggestion(*map(int, row)) for row in zip(commune, added, total)]

    inputs = [xy, population, group.tolist(), lon, lat, departements.tolist()]
    return remembered("suggestions", [*inputs, repr(float(threshold_m)), repr(k)], make, read)


def _kept_services(services: pd.DataFrame, settings: BuildSettings) -> pd.DataFrame:
    """The services that already bring people within reach: active ones of the counted
    types, and the planned ones with ``--suggest-after-planned``."""
    counted = set(settings.types) if settings.types else set(SERVICE_TYPES)
    statuses = {"actif", "en_projet"} if settings.suggest_after_planned else {"actif"}
    keep = services["type"].isin(counted) & services["statut"].isin(statuses)
    keep &= services["code_departement"].notna() & ~services.geometry.is_empty
    return services[keep.to_numpy(dtype=bool)]


def access_view(
    access: AccessResult, suggestions: Suggestions | None, zones_geometry: bool
) -> AccessView:
    """What the page shows of the access stage (:class:`~ips_map.render.AccessView`): its
    tables as they are, the national figures if the planned services opened (None without
    planned services), and the suggestions."""
    # The page names the six columns as for the default thresholds (30 and 60 km) and
    # says the thresholds themselves (the method's): other thresholds, other names here.
    names = dict(zip(access.columns, ACCESS_COLUMNS))
    planned = None
    if access.planned is not None:
        national = {names.get(k, k): v for k, v in access.planned["national"].items()}
        planned = {
            "departements_couverts": access.planned.get("departements_couverts"),
            **{key: national[key] for key in ACCESS_COLUMNS if key in national},
            "e2sfca": national.get("accessibilite_e2sfca"),
        }
    return AccessView(
        departements=access.departements.rename(columns=names),
        zones=access.zones.rename(columns=names),
        communes=access.communes,
        national={names.get(k, k): v for k, v in access.national.items()},
        method={**access.method, "annee_population": _vintage(access.method)},
        planned=planned,
        suggestions=suggestions.table if suggestions is not None and suggestions.rows else None,
        zones_geometry=zones_geometry,
    )


def _vintage(method: dict) -> str:
    """The communes' population vintage (``"2023"``), as the method's text names it."""
    found = re.search(r"\b(?:19|20)\d\d\b", str(method.get("population", "")))
    return found.group(0) if found else ""
