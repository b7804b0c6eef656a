"""Possible duplicates: services of a listing with the same name in the same commune.

Names are compared by :func:`~ips_map.territory.gazetteer.commune_key`, which is Python per
name. It is computed only for the services that share their place and the digits of their
name with another one: two names with the same key have the same digits (the key keeps the
ASCII digits of the name's NFKD form, in order, and nothing it does adds or removes one),
so no duplicate is missed. Digits and places are compared whole columns at a time.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from ips_map.errors import Problem
from ips_map.territory.gazetteer import commune_key
from ips_map.territory.names import joined_apart


def possible_duplicates(services: pd.DataFrame, unit: str) -> list[tuple[int, Problem]]:
    """Return the position of each placed row named as an earlier one in the same commune,
    with its warning.

    ``services`` has the columns ``nom``, ``ligne``, ``code_commune_trouve``,
    ``code_departement`` and point geometries. Rows placed without a commune are compared by
    département and position (to 0.01°). Both rows stay counted: the warning asks to check.
    """
    if len(services) < 2:
        return []
    names = services["nom"].astype(str)
    where = _places(services)
    shared = pd.DataFrame({"where": where, "digits": _digits(names.tolist())})
    candidates = np.flatnonzero(shared.duplicated(keep=False).to_numpy())
    first: dict[tuple[str, str], int] = {}
    found: list[tuple[int, Problem]] = []
    lines = services["ligne"].to_numpy()
    for position in candidates.tolist():
        name = names.iat[position]
        key = (commune_key(name), where[position])
        line = int(lines[position])
        if key not in first:
            first[key] = line
            continue
        problem = Problem(
            line,
            "nom",
            name,
            f"même nom qu'à la {unit} {first[key]}, dans la même commune : doublon "
            "possible, vérifiez (les deux sont comptés)",
            unite=unit,
        )
        found.append((position, problem))
    return found


#: Every ASCII byte but the digits and the newline: deleted by ``bytes.translate``.
_NOT_DIGIT_NOR_NEWLINE = bytes(b for b in range(128) if b not in b"0123456789\n")


def _digits(names: list[str]) -> list[str]:
    """The ASCII digits of each name's NFKD form, in order: folded on all the names joined
    by newlines at once (NFKD works character by character and makes no newline; the other
    characters than ASCII's are no ASCII digit, dropped by the encoding), or name by name
    when one holds a newline itself."""
    if not names:
        return []
    joined = joined_apart(names, "\n")
    if joined is None:
        return [re.sub(r"[^0-9]+", "", unicodedata.normalize("NFKD", name)) for name in names]
    ascii_only = unicodedata.normalize("NFKD", joined).encode("ascii", "ignore")
    return ascii_only.translate(None, _NOT_DIGIT_NOR_NEWLINE).decode("ascii").split("\n")


def _places(services: pd.DataFrame) -> np.ndarray:
    """Each row's commune code, or ``département:lon,lat`` (to 0.01°) when it has none."""
    where = services["code_commune_trouve"].to_numpy(dtype=object, copy=True)
    alone = np.flatnonzero(where == "")
    if len(alone):
        xs = services.geometry.x.to_numpy()[alone].tolist()
        ys = services.geometry.y.to_numpy()[alone].tolist()
        deps = services["code_departement"].to_numpy(dtype=object)[alone].tolist()
        where[alone] = [f"{d}:{x:.2f},{y:.2f}" for d, x, y in zip(deps, xs, ys)]
    return where
