"""The 18 régions, read from the census file's COG columns (``code_region``, ``nom_region``
of each département: INSEE's Code officiel géographique, as carried by the population file,
see ``data/PROVENANCE.md``), and a région written as people write it (``--region``).

Nothing here is a hand-written table: a fetched census file with other régions gives
other régions.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ips_map.errors import SettingsError
from ips_map.territory.data import DROM_CRS, code_sort_key, population_table
from ips_map.territory.names import text_key


@dataclass(frozen=True)
class Region:
    """A région and its départements (codes in the map's order)."""

    code: str
    name: str
    departements: tuple[str, ...]

    @property
    def overseas(self) -> bool:
        """True for a DROM région (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte): one
        département, drawn at its true position, without the other insets."""
        return all(code in DROM_CRS for code in self.departements)

    def record(self) -> dict:
        """The région as ``summary.json`` writes it."""
        return {"code": self.code, "nom": self.name, "departements": list(self.departements)}


def regions() -> list[Region]:
    """Return the régions of the census file, by code, each with its départements."""
    table = population_table()
    found: dict[str, tuple[str, list[str]]] = {}
    columns = (table["code_departement"], table["code_region"], table["nom_region"])
    for dep, code, name in zip(*columns):
        found.setdefault(code, (name, []))[1].append(dep)
    out = []
    for code in sorted(found, key=lambda c: (len(c), c)):
        name, deps = found[code]
        keys = code_sort_key(pd.Series(deps)).tolist()
        ordered = tuple(dep for _, dep in sorted(zip(keys, deps)))
        out.append(Region(code=code, name=name, departements=ordered))
    return out


def find_region(value: str) -> Region:
    """Return the région written ``value``: its code (``84``, ``3`` for ``03``) or its name,
    without regard to case, accents, hyphens or apostrophes (``auvergne rhone alpes``).

    Raises
    ------
    SettingsError
        For an unknown région; the message lists the régions with their codes.
    """
    key = text_key(str(value))
    known = regions()
    for region in known:
        codes = {region.code, region.code.lstrip("0")}
        if key in codes or key == text_key(region.name):
            return region
    listed = " ; ".join(f"{r.code} {r.name}" for r in known)
    raise SettingsError(
        f"région « {value} » inconnue : indiquez le code ou le nom d'une des {len(known)} "
        f"régions : {listed} (par exemple --region 84 ou --region Auvergne-Rhône-Alpes)."
    )
