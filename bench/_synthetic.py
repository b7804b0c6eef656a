"""Synthetic listings of services, drawn from commune populations (labelled synthetic)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from ._common import COMMUNES_FILE

#: Seed of numpy's default_rng: the same listings on every run and machine.
SEED = 20260101
#: Number of distinct synthetic structures the services belong to.
N_STRUCTURES = 200
#: Share of services "en_projet" (the rest are "actif").
SHARE_EN_PROJET = 0.10
COLUMNS = ("nom", "structure", "type", "statut", "code_commune")


def write_synthetic_listing(n: int, out_dir: Path, seed: int = SEED) -> Path:
    """Write a listing of ``n`` synthetic IPS services and return its path.

    Each service sits in a commune drawn with probability proportional to its *population
    municipale* 2023 (``data/census/communes.csv``); 10 % are "en_projet". Another ``seed``
    draws another listing (its file named after the seed).
    """
    communes = pd.read_csv(
        COMMUNES_FILE,
        dtype={"code_commune": str},
        usecols=["code_commune", "population_municipale_2023"],
    )
    weights = communes["population_municipale_2023"].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(communes), size=n, p=weights / weights.sum())
    structures = rng.integers(1, N_STRUCTURES + 1, size=n)
    en_projet = rng.random(n) < SHARE_EN_PROJET
    codes = communes["code_commune"].to_numpy()[picked]

    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if seed == SEED else f"-{seed}"
    path = out_dir / f"synthetic-services-{n}{suffix}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(n):
            writer.writerow(
                (
                    f"Service synthétique {i + 1}",
                    f"Structure synthétique {structures[i]}",
                    "ips",
                    "en_projet" if en_projet[i] else "actif",
                    codes[i],
                )
            )
    return path
