"""The commune index of the page's search: a script beside the page, ``communes-recherche.js``.

The 34,875 communes (name, département, centre) do not fit the page's weight budget, so they
travel in a sidecar script that the page loads with ``<script src=… defer>`` (which works
from ``file://`` too, and that a ``script-src 'self'`` policy allows). It sets one global,
``window.ipsMapCommunes``:

- ``names``: every commune's name once, joined by ``|``;
- ``departements``: ``[code, count]`` runs: the communes are grouped by département, in the
  order of the codes (``2A``/``2B`` between ``19`` and ``21``, overseas last);
- ``positions``: the centres as one encoded polyline (``render/_encode.py``, latitude first,
  1e-4 degree), in the names' order: within a département the communes follow serpentine
  bands of latitude, so that consecutive centres are close and their differences short;
- ``largest``: the positions in ``names`` of the communes of at least
  :data:`LARGE_POPULATION` inhabitants, most populous first: among names that match a query
  as well, the page proposes them first ("saint" → Saint-Denis, Saint-Étienne…).

The page folds the names itself (``static/search.js``, the same keys as
:func:`ips_map.territory.commune_key`, checked by the tests on every name). The bytes depend
only on the commune table: two builds write the same file.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ips_map.memo import column_inputs, remembered
from ips_map.render._encode import decode_ring, encode_ring
from ips_map.render._insets import Inset

#: The sidecar's file name, beside ``index.html``.
SIDECAR_NAME = "communes-recherche.js"
#: The global the sidecar sets and ``static/search.js`` reads.
GLOBAL = "ipsMapCommunes"
#: Version of the sidecar's layout: the page ignores a sidecar of another version.
FORMAT = 1
#: Decimal places of the centres (1e-4 degree: at most 11 m).
PRECISION = 4
#: Height of the serpentine bands that order the communes of a département (degrees).
BAND = 0.05
_SEPARATOR = "|"
#: Communes proposed first among equal matches: about a thousand.
LARGE_POPULATION = 10_000

_MADE: list[tuple[pd.DataFrame, bytes]] = []


def _code_order(code: str) -> str:
    # As territory.data.code_sort_key: "2A"/"2B" between "19" and "21", "971"… last.
    return code.replace("2A", "20A").replace("2B", "20B")


def commune_order(communes: pd.DataFrame) -> np.ndarray:
    """Return the row order of the index: by département, then serpentine bands of latitude
    (north to south, west to east then east to west), then the commune's code."""
    lat = communes["latitude"].to_numpy(dtype=float)
    lon = communes["longitude"].to_numpy(dtype=float)
    band = np.floor(-lat / BAND).astype(np.int64)
    along = np.where(band % 2 == 0, lon, -lon)
    deps = np.array([_code_order(c) for c in communes["code_departement"].tolist()])
    codes = communes["code_commune"].to_numpy(dtype=str)
    return np.lexsort((codes, along, band, deps))


def commune_index(communes: pd.DataFrame) -> dict:
    """Return the index as the sidecar writes it (see the module docstring).

    Parameters
    ----------
    communes
        :func:`ips_map.territory.load_communes`: one row per commune of today.
    """
    ordered = communes.iloc[commune_order(communes)]
    names = ordered["nom"].astype(str).tolist()
    bad = [name for name in names if _SEPARATOR in name or not name]
    if bad:
        raise ValueError(f"noms de communes inutilisables dans l'index : {bad[:3]}")
    deps = ordered["code_departement"].astype(str).tolist()
    runs: list[list] = []
    for dep in deps:
        if runs and runs[-1][0] == dep:
            runs[-1][1] += 1
        else:
            runs.append([dep, 1])
    coords = np.column_stack(
        [ordered["longitude"].to_numpy(dtype=float), ordered["latitude"].to_numpy(dtype=float)]
    )
    population = ordered["population"].to_numpy(dtype=np.int64)
    large = np.flatnonzero(population >= LARGE_POPULATION)
    largest = large[np.lexsort((large, -population[large]))]
    return {
        "format": FORMAT,
        "count": len(names),
        "precision": PRECISION,
        "departements": runs,
        "names": _SEPARATOR.join(names),
        "positions": encode_ring(coords, PRECISION) if len(coords) else "",
        "largest": largest.tolist(),
    }


def commune_index_script(communes: pd.DataFrame) -> bytes:
    """Return the sidecar's bytes (UTF-8), made once per commune table in a process and
    kept between builds (:mod:`ips_map.memo`)."""
    for table, made in _MADE:
        if table is communes:
            return made
    columns = ("code_commune", "nom", "code_departement", "latitude", "longitude", "population")
    made = remembered(
        "recherche_communes",
        column_inputs(communes, columns),
        lambda: {"script": np.frombuffer(_script(communes), dtype=np.uint8)},
        lambda arrays: arrays["script"].tobytes(),
    )
    _MADE[:] = [(communes, made)]
    return made


def _script(communes: pd.DataFrame) -> bytes:
    text = json.dumps(commune_index(communes), ensure_ascii=False, separators=(",", ":"))
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (
        "/* ips-map : les communes de la recherche de la carte (nom, département, centre). "
        "Ce fichier accompagne index.html, dans le même dossier. */\n"
        f"window.{GLOBAL} = {text};\n"
    ).encode()


def read_commune_index(script: bytes | str) -> pd.DataFrame:
    """Read a sidecar back: ``nom, code_departement, latitude, longitude`` (for tests)."""
    text = script.decode("utf-8") if isinstance(script, bytes) else script
    start = text.index("=", text.index(f"window.{GLOBAL}")) + 1
    index = json.loads(text[start:].strip().rstrip(";"))
    names = index["names"].split(_SEPARATOR) if index["names"] else []
    deps = [code for code, count in index["departements"] for _ in range(count)]
    lonlat = decode_ring(index["positions"], index["precision"]).reshape(-1, 2)
    return pd.DataFrame(
        {
            "nom": names,
            "code_departement": deps,
            "latitude": lonlat[:, 1],
            "longitude": lonlat[:, 0],
        }
    )


def inset_move(inset: Inset) -> tuple[float, float, float, float, float]:
    """The transform of an inset as the page data writes it (``Frame.move``): scale, origin
    x, y and target x, y (EPSG:3857 metres, to the centimetre)."""
    return (
        float(f"{inset.scale:.10g}"),
        round(inset.origin[0], 2),
        round(inset.origin[1], 2),
        round(inset.target[0], 2),
        round(inset.target[1], 2),
    )
