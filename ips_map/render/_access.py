"""The access measures on the page (issue 12): the panel's sections (national figures, the
zones d'emploi farthest from a service, the computed suggestions, « Méthode »), the legends,
and the data of the layers that ``static/access.js`` draws once the map is drawn, when the
reader switches to them: the share of inhabitants beyond the first threshold and E2SFCA per
département, the far-away population on a hexagonal grid (``_hexes.py``), the suggestions,
and with ``--zones-emploi`` the zones d'emploi (``_zone_shapes.py``).

The renderer computes no metric: it classes, rounds and encodes the figures of
:class:`~ips_map.render.access_view.AccessView`. The layers' data is its own JSON script
(``#ips-access``; the zones' shapes in ``#ips-zones``), read by the page only after the map is
drawn, so that the first drawing does not parse it.

``#ips-access`` (numbers as numbers; null where not measured):

- ``seuils`` [30, 60] and ``bands`` (km); ``departements``: columns in the order of the page
  data's départements: ``dist`` (mean distance, whole km), ``far`` and ``far60`` (shares
  beyond each threshold, in thousandths), ``pop`` (inhabitants beyond the first), ``e2sfca``
  (per 100,000, three significant digits);
- ``classes``: ``far`` (breaks in thousandths, colours), ``e2sfca`` (breaks, the zero
  colour, colours), ``hexes`` (colours, labels), ``zones`` (colour by zone status);
- ``hexes``: one grid per territory (``_hexes.py``: ``radius``, ``count``, ``runs``,
  ``lengths``, ``classes``, and ``lambert`` constants or an ``affine`` map);
- ``suggestions``: columns ``rank, commune, code_commune, departement, code_departement,
  zone, code_zone, added, total, method, lat, lon`` (as drawn: overseas ones in their inset);
- ``text``: the script's wording.

``#ips-zones`` (``_zones_page.py``): ``topology`` (as the page data's), ``zones`` (columns
``code, name, departements, population, services, status, dist, far, far60, pop, e2sfca,
shape``) and ``text``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ips_map.render import _elements
from ips_map.render._assets import ACCESS_SCRIPTS, minified_script, static_text
from ips_map.render._elements import SCRIPT, json_for_script, render_block
from ips_map.render._hexes import HEX_RADIUS_M, hex_grids
from ips_map.render.access_view import AccessView
from ips_map.vocabulary import thousands

ACCESS_ID = "ips-access"
ZONES_ID = "ips-zones"
#: Share of the inhabitants beyond the first threshold: fixed classes (comparable from one
#: edition to the next), ColorBrewer YlOrBr, light to dark.
FAR_BREAKS = (0.1, 0.25, 0.5, 0.75)
FAR_COLOURS = ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404")
#: E2SFCA: zero (no service within the bands) grey, then quartiles of the positive values.
E2SFCA_ZERO = "#d9d9d9"
E2SFCA_COLOURS = ("#d0d1e6", "#74a9cf", "#2b8cbe", "#045a8d")
#: Inhabitants beyond the threshold per hexagon: fixed classes, ColorBrewer Purples.
HEX_BREAKS = (1_000, 5_000, 20_000, 100_000)
HEX_COLOURS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#6a51a3", "#3f007d")
#: A zone d'emploi's status: a service located in it; none; none and most of its
#: inhabitants beyond the first threshold (it stands out: dark and hatched).
ZONE_LABELS = {
    "service": "Au moins un service situé dans la zone",
    "sans_service": "Aucun service situé dans la zone",
    "eloignee": "Aucun service, et la plupart des habitants à plus de {seuil} km",
}
ZONE_COLOURS = {"service": "#2166ac", "sans_service": "#fee090", "eloignee": "#b2182b"}
SUPPLY = {"capacite": "la capacité de chaque service (chaque service compté en donne une)"}
TOP_ZONES = 5


def _number(value) -> str:
    """3 → « 3 », 0.68 → « 0,68 »."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}".replace(".", ",")


def _significant(value, digits: int = 3) -> str:
    """A figure to ``digits`` significant digits, French style (« 0,00878 », « 12,3 »)."""
    if value is None or value != value:
        return "non mesurée"
    value = float(value)
    if value == 0:
        return "0"
    places = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
    text = f"{value:,.{places}f}".replace(",", "\u202f").replace(".", ",")
    return text


def _km(value) -> str:
    if value is None or value != value:
        return "non mesurée"
    return f"{float(value):.1f}".replace(".", ",") + "\u00a0km"


_elements._ENV.filters.update(num_fr=_number, sig_fr=_significant, km_fr=_km)


def _round_breaks(values: pd.Series) -> list[float]:
    """Quartile upper bounds of the positive values, each to two significant digits."""
    positive = values[(values > 0) & values.notna()]
    breaks: list[float] = []
    for value in positive.quantile([0.25, 0.5, 0.75, 1.0]).to_numpy() if len(positive) else []:
        digits = 1 - int(math.floor(math.log10(value)))
        rounded = math.ceil(value * 10**digits) / 10**digits
        if not breaks or rounded > breaks[-1]:
            breaks.append(rounded)
    return breaks


def _share_labels(breaks) -> list[str]:
    pct = [f"{round(100 * b)}\u00a0%" for b in breaks]
    return (
        [f"{pct[0]} au plus"]
        + [f"plus de {a} à {b}" for a, b in zip(pct, pct[1:])]
        + [f"plus de {pct[-1]}"]
    )


def _count_labels(breaks) -> list[str]:
    text = [thousands(b) for b in breaks]
    return (
        [f"moins de {text[0]}"]
        + [f"{a} à moins de {b}" for a, b in zip(text, text[1:])]
        + [f"{text[-1]} ou plus"]
    )


def _e2sfca_labels(breaks, last_band) -> list[str]:
    labels = [f"0 (aucun service à moins de {_number(last_band)} km)"]
    lower = "0"
    for upper in breaks:
        labels.append(f"plus de {lower} à {_significant(upper, 2)}")
        lower = _significant(upper, 2)
    return labels


def _kilometres(values) -> list:
    """Distances in whole kilometres for the page (null for NaN)."""
    return [None if v != v else int(round(float(v))) for v in values]


def _per_mille(values) -> list:
    """Shares (0–1) as whole thousandths for the page (null for NaN)."""
    return [None if v != v else int(round(1000 * float(v))) for v in values]


def _departement_columns(access: AccessView, codes: list[str]) -> dict:
    table = access.departements.set_index("code").reindex(codes)
    return {
        "dist": _kilometres(table["distance_moyenne_km"]),
        "far": _per_mille(table["part_pop_30km_plus"]),
        "far60": _per_mille(table["part_pop_60km_plus"]),
        "pop": [int(v) if v == v else None for v in table["pop_30km_plus"]],
        "e2sfca": [None if v != v else float(f"{v:.3g}") for v in table["accessibilite_e2sfca"]],
    }


def zone_status(zones: pd.DataFrame) -> list[str]:
    """Each zone's status (:data:`ZONE_LABELS`): a service located in it, none, or none and
    more than half of its inhabitants beyond the first threshold."""
    services = zones["services"].fillna(0).to_numpy()
    far = zones["part_pop_30km_plus"].fillna(0).to_numpy()
    return [
        "service" if s > 0 else ("eloignee" if f > 0.5 else "sans_service")
        for s, f in zip(services, far)
    ]


def _zone_columns(zones: pd.DataFrame) -> dict:
    return {
        "code": zones["code_ze"].astype(str).tolist(),
        "name": zones["libelle_ze"].astype(str).tolist(),
        "departements": zones["departements"].astype(str).str.replace(";", ", ").tolist(),
        "population": [int(v) for v in zones["population"]],
        "services": [int(v) for v in zones["services"].fillna(0)],
        "status": zone_status(zones),
        "dist": _kilometres(zones["distance_moyenne_km"]),
        "far": _per_mille(zones["part_pop_30km_plus"]),
        "far60": _per_mille(zones["part_pop_60km_plus"]),
        "pop": [int(v) for v in zones["pop_30km_plus"].fillna(0)],
        "e2sfca": [None if v != v else float(f"{v:.3g}") for v in zones["accessibilite_e2sfca"]],
    }


def _suggestion_rows(access: AccessView, insets: dict) -> list[dict]:
    """The suggestions as the panel lists them and the page places them (DROM in insets)."""
    import shapely

    table = access.suggestions
    if table is None or table.empty:
        return []
    rows = []
    for row in table.sort_values("rang").to_dict("records"):
        point = shapely.Point(float(row["longitude"]), float(row["latitude"]))
        code = str(row["code_departement"])
        if code in insets:
            point = insets[code].move(point)
        rows.append({**row, "lat": round(point.y, 5), "lon": round(point.x, 5)})
    return rows


def _suggestion_columns(rows: list[dict]) -> dict:
    keys = {
        "rank": "rang",
        "commune": "commune",
        "code_commune": "code_commune",
        "departement": "departement",
        "code_departement": "code_departement",
        "zone": "zone_emploi",
        "code_zone": "code_zone_emploi",
        "added": "population_ajoutee",
        "total": "population_ajoutee_cumulee",
        "method": "methode",
        "lat": "lat",
        "lon": "lon",
    }
    out = {key: [row[name] for row in rows] for key, name in keys.items()}
    for key in ("rank", "added", "total"):
        out[key] = [int(v) for v in out[key]]
    for key in ("commune", "code_commune", "departement", "code_departement", "zone"):
        out[key] = [str(v) for v in out[key]]
    out["code_zone"] = [str(v) for v in out["code_zone"]]
    # Every suggestion of a build is computed the same way: its method is written once.
    out["method"] = str(out["method"][0]) if out["method"] else ""
    return out


def _text(seuils) -> dict:
    """The wording of ``static/access.js`` ({name} filled in by the script)."""
    first, second = (_number(s) for s in seuils)
    return {
        "far_layer": f"Habitants à plus de {first} km (part)",
        "e2sfca_layer": "Accessibilité E2SFCA",
        "hexes_layer": f"Habitants à plus de {first} km (hexagones)",
        "suggestions_layer": "Suggestions calculées",
        "geography": "Géographie",
        "geo_departements": "Départements",
        "geo_zones": "Zones d'emploi",
        "dist": "Distance moyenne au service le plus proche",
        "far": f"Habitants à plus de {first} km",
        "far60": f"Habitants à plus de {second} km",
        "e2sfca": "Accessibilité E2SFCA (pour 100 000 hab.)",
        "share": "{population} hab. ({share})",
        "km": "{km} km",
        "not_measured": "non mesurée",
        "hex": f"{{population}} habitants à plus de {first} km",
        "hex_note": "communes dont le centre est dans cet hexagone",
        "suggestion": "Suggestion calculée n° {rank}",
        "commune": "Commune",
        "departement": "Département",
        "zone": "Zone d'emploi",
        "added": f"Habitants amenés à moins de {first} km",
        "total": "Cumul des suggestions",
        "method": "Méthode",
    }


#: The wording of ``static/zones.js`` (the zones' page only).
ZONE_TEXT = {
    "zone_code": "zone d'emploi {code}",
    "departements": "Départements",
    "population": "Population",
    "services": "Services situés dans la zone",
    "zone_status": "Statut de la zone",
}


def access_data(access: AccessView, codes: list[str], insets: dict, zone_codes=None) -> dict:
    """The JSON of ``#ips-access``: figures (the départements in the order of ``codes``, the
    page data's), classes, hexagons, suggestions, wording."""
    seuils = [float(s) for s in access.method["seuils_km"]]
    e2sfca_breaks = _round_breaks(access.departements["accessibilite_e2sfca"])
    data = {
        "seuils": seuils,
        "bands": [float(b) for b in access.method["bandes_km"]],
        "departements": _departement_columns(access, codes),
        "classes": {
            "far": {"breaks": [round(1000 * b) for b in FAR_BREAKS], "colours": list(FAR_COLOURS)},
            "e2sfca": {
                "breaks": e2sfca_breaks,
                "zero": E2SFCA_ZERO,
                "colours": list(E2SFCA_COLOURS[-len(e2sfca_breaks) :]) if e2sfca_breaks else [],
            },
            "hexes": {"colours": list(HEX_COLOURS), "labels": _count_labels(HEX_BREAKS)},
            "zones": ZONE_COLOURS,
        },
        "hexes": hex_grids(access.communes, seuils[0], insets, HEX_BREAKS),
        "suggestions": _suggestion_columns(_suggestion_rows(access, insets)),
        "text": _text(seuils),
    }
    return data


def zone_labels(access: AccessView) -> dict:
    """The zones' statuses as the legend and the tooltips say them."""
    first = _number(access.method["seuils_km"][0])
    return {key: label.format(seuil=first) for key, label in ZONE_LABELS.items()}


def _legend_values(data: dict) -> dict:
    classes = data["classes"]
    e2 = classes["e2sfca"]
    return {
        "far": {"colours": classes["far"]["colours"], "labels": _share_labels(FAR_BREAKS)},
        "e2sfca": {
            "colours": [e2["zero"], *e2["colours"]],
            "labels": _e2sfca_labels(e2["breaks"], data["bands"][-1]),
        },
        "hexes": {"colours": classes["hexes"]["colours"], "labels": _count_labels(HEX_BREAKS)},
    }


def _top_zones(zones: pd.DataFrame) -> list[dict]:
    top = zones.sort_values(["pop_30km_plus", "code_ze"], ascending=[False, True]).head(TOP_ZONES)
    return top.to_dict("records")


@dataclass
class AccessBlocks:
    """The access measures' part of the page, rendered once: the panel's sections, the
    legends, the layers' data and the style and scripts that draw them."""

    figures: str
    method: str
    legends: str
    data: str
    style: str
    script: str

    def panel(self, html: str) -> str:
        """The panel with the figures after its key figures and « Méthode » at its end; both
        wait in a <noscript> until the map is drawn (page.js revealDeferred), read as they
        are without JavaScript: laid out before, they delayed the drawn map on a phone."""
        html = html.replace("</section>", "</section>" + _deferred(self.figures), 1)
        return html.replace("</aside>", _deferred(self.method) + "</aside>", 1)

    def add_to(self, page) -> None:
        """The legends, data, style and scripts into the page."""
        page.add_body("access-legends", _deferred(self.legends))
        page.add_body("access-data", self.data)
        page.add_head("access_css", self.style)
        page.end_scripts.append(self.script)


def _deferred(html: str) -> str:
    """Markup parsed once the map is drawn (see :meth:`AccessBlocks.panel`)."""
    return f'<noscript class="ips-deferred">{html}</noscript>'


def access_blocks(
    access: AccessView | None, codes: list[str], insets: dict, summary: dict
) -> AccessBlocks | None:
    """The access measures' part of the page (see the module); None without ``access``."""
    if access is None:
        return None
    from ips_map.render._zones_page import zones_data

    data = access_data(access, codes, insets)
    zones = zones_data(access, insets) if access.zones_geometry else None
    values = {
        "seuils": data["seuils"],
        "method": access.method,
        "national": {k: _national(v) for k, v in access.national.items()},
        "planned": access.planned,
        "summary": summary,
        "top_zones": _top_zones(access.zones),
        "suggestions": _suggestion_rows(access, insets),
        "supply": SUPPLY.get(access.method.get("offre"), "1 par service"),
        "hex_km": HEX_RADIUS_M / 1000,
        "zones": zones is not None,
        "zone_labels": zone_labels(access),
        "zone_colours": ZONE_COLOURS,
        **_legend_values(data),
    }
    scripts = ACCESS_SCRIPTS if zones is not None else ACCESS_SCRIPTS[:1]
    payload = f'<script type="application/json" id="{ACCESS_ID}">{json_for_script(data)}</script>'
    if zones is not None:
        payload += (
            f'<script type="application/json" id="{ZONES_ID}">{json_for_script(zones)}</script>'
        )
    return AccessBlocks(
        figures=render_block("access-panel.html", **values),
        method=render_block("method.html", **values),
        legends=render_block("access-legends.html", **values),
        data=payload,
        style=f"<style>{_minified_style()}{_swatch_style(values)}</style>",
        script=f"{SCRIPT}{minified_script(scripts)}</script>",
    )


def _swatch_style(values: dict) -> str:
    """The legends' swatches by class (``ips-sw-far-0``…): one rule each in the style, rather
    than a style attribute each (every attribute costs the policy a hash)."""
    rules = [
        f".ips-sw-{kind}-{k}{{background:{colour}}}"
        for kind in ("far", "e2sfca", "hexes")
        for k, colour in enumerate(values[kind]["colours"])
    ]
    rules += [f".ips-sw-zone-{key}{{background:{colour}}}" for key, colour in ZONE_COLOURS.items()]
    return "".join(rules)


def _national(value):
    return None if value is None or (isinstance(value, float) and value != value) else value


def _minified_style() -> str:
    import rcssmin

    return rcssmin.cssmin(static_text("access.css"))
