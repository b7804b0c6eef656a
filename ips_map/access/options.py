"""The options of the access stage (thresholds, E2SFCA bands and weights), checked once, and
the names of the columns they give."""

from __future__ import annotations

from dataclasses import dataclass

from ips_map.errors import SettingsError
from ips_map.settings import (
    DEFAULT_ACCESS_BANDS_KM,
    DEFAULT_ACCESS_THRESHOLDS_KM,
    DEFAULT_ACCESS_WEIGHTS,
)

#: The column of the population-weighted mean distance, and of the E2SFCA score.
DISTANCE_COLUMN = "distance_moyenne_km"
E2SFCA_COLUMN = "accessibilite_e2sfca"
#: E2SFCA scores are given per this many inhabitants.
PER_INHABITANTS = 100_000


def km_label(km: float) -> str:
    """A distance as it is written in a column name: ``30`` for 30.0, ``12_5`` for 12.5."""
    text = f"{km:g}"
    return text.replace(".", "_")


def french_km(km: float) -> str:
    """A distance as the French text says it: ``30``, ``12,5``."""
    return f"{km:g}".replace(".", ",")


@dataclass(frozen=True)
class AccessOptions:
    """Thresholds (km) of the population counted far away, and the E2SFCA's distance bands
    (upper bounds, km) with their weights.

    Raises
    ------
    SettingsError
        When thresholds or bands are not positive and increasing, when there are not two
        thresholds, or when the weights do not match the bands or are not in (0, 1] and
        non-increasing.
    """

    thresholds_km: tuple[float, ...] = DEFAULT_ACCESS_THRESHOLDS_KM
    bands_km: tuple[float, ...] = DEFAULT_ACCESS_BANDS_KM
    weights: tuple[float, ...] = DEFAULT_ACCESS_WEIGHTS

    def __post_init__(self):
        _increasing(self.thresholds_km, "seuils de distance (--seuils-km)")
        if len(self.thresholds_km) != 2:
            raise SettingsError(
                f"seuils de distance (--seuils-km) : deux valeurs attendues, par exemple "
                f"30,60 ; reçu {len(self.thresholds_km)}."
            )
        _increasing(self.bands_km, "bandes de distance (--bandes-km)")
        if len(self.weights) != len(self.bands_km):
            raise SettingsError(
                f"poids des bandes (--poids-bandes) : {len(self.weights)} poids pour "
                f"{len(self.bands_km)} bandes ; donnez un poids par bande, par exemple "
                "1,0.68,0.22 pour 15,30,45."
            )
        if any(not 0 < w <= 1 for w in self.weights) or any(
            b > a for a, b in zip(self.weights, self.weights[1:])
        ):
            raise SettingsError(
                "poids des bandes (--poids-bandes) : chaque poids entre 0 (exclu) et 1, sans "
                "croître d'une bande à la suivante, par exemple 1,0.68,0.22."
            )

    def columns(self) -> list[str]:
        """The six access columns, in the order of ``coverage.csv`` and ``zones_emploi.csv``:
        mean distance, shares and numbers beyond each threshold, E2SFCA."""
        near, far = (km_label(t) for t in self.thresholds_km)
        return [
            DISTANCE_COLUMN,
            f"part_pop_{near}km_plus",
            f"part_pop_{far}km_plus",
            f"pop_{near}km_plus",
            f"pop_{far}km_plus",
            E2SFCA_COLUMN,
        ]

    def record(self) -> dict:
        """The options as ``summary.json`` and the map say them."""
        return {
            "seuils_km": list(self.thresholds_km),
            "bandes_km": list(self.bands_km),
            "poids": list(self.weights),
        }


def _increasing(values: tuple[float, ...], what: str) -> None:
    if not values or any(v <= 0 for v in values) or any(b <= a for a, b in zip(values, values[1:])):
        shown = ", ".join(french_km(v) for v in values) or "(aucune)"
        raise SettingsError(
            f"{what} : des distances en km, positives et croissantes, sont attendues ; "
            f"reçu {shown}."
        )
