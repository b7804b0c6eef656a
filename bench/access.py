"""Group "access": the access stage (:func:`ips_map.access.measure_access`) for all 34,875
communes and 1,000 or 100,000 synthetic services, against a naive pairwise numpy
computation and PySAL's ``access`` on the same inputs, in the same run.

Services sit at commune centres drawn with probability proportional to the population, with
a fixed seed; 10 % are planned, so the stage measures today and the planned scenario. The
stage is timed warm (its data loaded, one unmeasured run first), as in a build.

- **naive**: per territory, every commune–site distance by numpy broadcasting (communes by
  chunks, so that the matrix fits in memory), then the nearest site of each scenario and the
  two E2SFCA steps from the full matrices. At 100,000 services it is timed on every tenth
  commune and multiplied by ten (said in the figure's note).
- **PySAL access**: ``Access.enhanced_two_stage_fca`` on the same sites and the same table
  of commune–site pairs within the largest band (ours, from the KD-tree), once per scenario.
  It gives the E2SFCA only: the pairs and the nearest distances are not in its time.
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
import pandas as pd

from ._common import Figure, Run, median, memo_folder
from ._synthetic import SEED, SHARE_EN_PROJET

SIZES = (1_000, 100_000)
#: Targets from the issue: the whole stage under 0.3 s at 1,000 services, 3 s at 100,000.
LIMIT_S = {1_000: 0.3, 100_000: 3.0}
#: At 100,000 services the naive computation is timed on one commune in this many.
NAIVE_STRIDE = {100_000: 10}
#: Cells of a chunk of the naive distance matrix (40 MB of float64).
CHUNK_CELLS = 5_000_000


def _services(communes: pd.DataFrame, n: int):
    """``n`` synthetic services at commune centres (GeoDataFrame, EPSG:4326)."""
    import geopandas as gpd

    weights = communes["population"].to_numpy(dtype=float)
    rng = np.random.default_rng(SEED)
    picked = rng.choice(len(communes), size=n, p=weights / weights.sum())
    planned = rng.random(n) < SHARE_EN_PROJET
    return gpd.GeoDataFrame(
        {
            "nom": [f"Service synthétique {i + 1}" for i in range(n)],
            "ligne": np.arange(2, n + 2),
            "statut": np.where(planned, "en_projet", "actif"),
            "type": "ips",
            "code_departement": communes["code_departement"].to_numpy()[picked],
            "code_commune_trouve": communes["code_commune"].to_numpy()[picked],
            "capacite_n": np.nan,
        },
        geometry=gpd.points_from_xy(
            communes["longitude"].to_numpy()[picked], communes["latitude"].to_numpy()[picked]
        ),
        crs=4326,
    )


def _territory_inputs(communes, services):
    """Per territory: communes' metres, populations, the union's sites in metres, each
    site's supply today and if the planned services open, and the active-site mask."""
    import shapely

    from ips_map.access._geometry import project, territories
    from ips_map.access.measures import Sites

    land_c = territories(communes["code_departement"].to_numpy(dtype=object))
    land_s = territories(services["code_departement"].to_numpy(dtype=object))
    active = (services["statut"] == "actif").to_numpy()
    lon, lat = shapely.get_x(services.geometry.values), shapely.get_y(services.geometry.values)
    out = []
    for land in np.unique(land_c).tolist():
        c = np.flatnonzero(land_c == land)
        s = np.flatnonzero(land_s == land)
        c_xy = project(
            communes["longitude"].to_numpy()[c], communes["latitude"].to_numpy()[c], land
        )
        sites = Sites.of(project(lon[s], lat[s], land))
        today = sites.totals(active[s].astype(float))
        planned = sites.totals(np.ones(len(s)))
        population = communes["population"].to_numpy(dtype=float)[c]
        out.append((c, c_xy, population, sites.xy, today, planned))
    return out


def _naive(inputs, stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Nearest distances and E2SFCA of both scenarios from full distance matrices."""
    bands = np.array([15_000.0, 30_000.0, 45_000.0])
    weights = np.array([1.0, 0.68, 0.22, 0.0])
    nearest, scores = [], []
    for _, c_xy, population, s_xy, today, planned in inputs:
        c_xy, population = c_xy[::stride], population[::stride]
        if not len(s_xy):
            continue
        chunk = max(1, CHUNK_CELLS // len(s_xy))
        demand = np.zeros(len(s_xy))
        for k in range(0, len(c_xy), chunk):
            d = np.hypot(*(c_xy[k : k + chunk, None, :] - s_xy[None, :, :]).transpose(2, 0, 1))
            w = weights[np.searchsorted(bands, d, side="left")]
            demand += population[k : k + chunk] @ w
            nearest.append(np.where(today > 0, d, np.inf).min(axis=1))
            nearest.append(d.min(axis=1))
        ratio = [
            np.divide(sup, demand, out=np.zeros(len(sup)), where=demand > 0)
            for sup in (today, planned)
        ]
        for k in range(0, len(c_xy), chunk):
            d = np.hypot(*(c_xy[k : k + chunk, None, :] - s_xy[None, :, :]).transpose(2, 0, 1))
            w = weights[np.searchsorted(bands, d, side="left")]
            scores.extend(w @ r for r in ratio)
    return np.concatenate(nearest), np.concatenate(scores)


def _pysal(inputs, n_communes: int) -> tuple[float, np.ndarray]:
    """PySAL's E2SFCA of both scenarios on our pairs; its time (s) and today's score of
    each commune (in the commune table's order)."""
    import access as pysal_access

    from ips_map.access.measures import band_pairs

    bands, weights = np.array([15_000.0, 30_000.0, 45_000.0]), np.array([1.0, 0.68, 0.22])
    step = pysal_access.weights.step_fn({15: 1.0, 30: 0.68, 45: 0.22})
    elapsed, today_scores = 0.0, np.zeros(n_communes)
    for c, c_xy, population, s_xy, today, planned in inputs:
        if not len(s_xy):
            continue
        pairs = band_pairs(c_xy, s_xy, bands, weights)
        km = np.hypot(*(c_xy[pairs.commune] - s_xy[pairs.site]).T) / 1000.0
        cost = pd.DataFrame({"origin": pairs.commune, "dest": pairs.site, "cost": km})
        start = time.perf_counter()
        for name, supply in (("today", today), ("planned", planned)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = pysal_access.Access(
                    demand_df=pd.DataFrame({"geoid": np.arange(len(c_xy)), "pop": population}),
                    demand_index="geoid",
                    demand_value="pop",
                    supply_df=pd.DataFrame({"geoid": np.arange(len(s_xy)), "s": supply}),
                    supply_index="geoid",
                    supply_value="s",
                    cost_df=cost,
                    cost_origin="origin",
                    cost_dest="dest",
                    cost_name="cost",
                )
                model.enhanced_two_stage_fca(name="e2", cost="cost", max_cost=45, weight_fn=step)
            if name == "today":
                scores = model.access_df["e2_s"].reindex(range(len(c_xy))).fillna(0.0)
                today_scores[c] = scores.to_numpy()
        elapsed += time.perf_counter() - start
    return elapsed, today_scores


def _time_stage(communes, services, zones, reps: int):
    """Time the stage's computation: its measures are never found kept (ips_map.memo),
    the memo folder pointed at a path where no file can be (the communes' projections
    stay in the process, as in a build)."""
    from ips_map.access import measure_access

    commune_zones, zone_list = zones
    with memo_folder(os.path.join(os.devnull, "calculs")):
        result = measure_access(communes, services, commune_zones, zone_list)  # unmeasured
        times, cpu = [], []
        for _ in range(reps):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = measure_access(communes, services, commune_zones, zone_list)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    return times, cpu, result


def _one_size(run: Run, n: int, communes, zones) -> None:
    services = _services(communes, n)
    reps = 3 if run.settings.quick or n >= 100_000 else 5
    times, cpu, result = _time_stage(communes, services, zones, reps)
    ours = median(times)
    inputs = _territory_inputs(communes, services)
    stride = NAIVE_STRIDE.get(n, 1)
    start = time.perf_counter()
    _naive(inputs, stride)
    naive = (time.perf_counter() - start) * stride
    pysal, pysal_scores = _pysal(inputs, len(communes))
    # Same inputs, same answers: today's E2SFCA of every commune, PySAL's and ours.
    ours_scores = result.communes["accessibilite_e2sfca"].to_numpy() / 1e5
    agree = np.allclose(ours_scores, pysal_scores, rtol=1e-9, atol=1e-15)
    timings = ", ".join(f"{t:.3f}" for t in times)
    scaled = (
        f", naive timed on 1 commune in {stride} and multiplied by {stride}" if stride > 1 else ""
    )
    run.add(
        Figure(
            "access",
            f"stage, 34,875 communes × {n:,} services vs naive pairwise numpy, median of {reps}",
            ours,
            "s",
            baseline=naive,
            limit=LIMIT_S[n],
            note=f"stage {timings} s; today and planned scenarios{scaled}; "
            f"{int((services['statut'] == 'actif').sum()):,} active services",
        )
    )
    run.add(
        Figure(
            "access",
            f"stage, {n:,} services vs PySAL access (E2SFCA only, same pairs), median of {reps}",
            ours,
            "s",
            baseline=pysal,
            note=f"PySAL {pysal:.2f} s for two scenarios; same scores: {'yes' if agree else 'NO'}",
        )
    )
    # On a shared machine the wall time carries the other processes' load: the stage's own
    # processor time is given beside it (informative).
    run.add(
        Figure(
            "access",
            f"stage, {n:,} services: processor time of the process, median of {reps}",
            median(cpu),
            "s",
            note="time.process_time(); " + ", ".join(f"{t:.3f}" for t in cpu) + " s",
        )
    )
    if not agree:
        run.note(f"access: at {n:,} services PySAL's E2SFCA differs from ours")


def run(run: Run) -> None:
    """Time the access stage at each size against the two baselines."""
    from ips_map.territory.data import load_communes
    from ips_map.territory.zones import load_commune_zones, load_zones

    communes = load_communes()
    zones = (load_commune_zones(), load_zones())
    for n in SIZES:
        _one_size(run, n, communes, zones)
