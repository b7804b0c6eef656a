"""Possible duplicates: services of a listing with the same name in the same commune."""

from __future__ import annotations

from ips_map.errors import Problem
from ips_map.places.outcome import PlacedRow
from ips_map.territory.gazetteer import commune_key


def possible_duplicates(placed: list[PlacedRow], unit: str) -> list[tuple[PlacedRow, Problem]]:
    """Return each placed row named as an earlier one in the same commune, with its warning.

    Rows placed without a commune are compared by département and position (to 0.01°).
    Both rows stay counted: the warning asks to check.
    """
    first: dict[tuple[str, str], int] = {}
    found: list[tuple[PlacedRow, Problem]] = []
    for item in placed:
        where = item.commune_code or f"{item.departement}:{item.lon:.2f},{item.lat:.2f}"
        key = (commune_key(str(item.row["nom"])), where)
        line = int(item.row["ligne"])
        if key not in first:
            first[key] = line
            continue
        problem = Problem(
            line,
            "nom",
            str(item.row["nom"]),
            f"même nom qu'à la {unit} {first[key]}, dans la même commune : doublon "
            "possible, vérifiez (les deux sont comptés)",
            unite=unit,
        )
        found.append((item, problem))
    return found
