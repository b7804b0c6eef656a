"""The zones d'emploi on the page (``--zones-emploi``): their shapes as drawn (simplified,
overseas ones in the départements' insets, ``_zone_shapes.py``), encoded as a topology of
their own, and their figures in the order of the shapes (``#ips-zones``)."""

from __future__ import annotations

from ips_map.render._zone_shapes import drawn_zones, zones_topology
from ips_map.render.access_view import AccessView
from ips_map.territory.zone_shapes import load_zone_shapes


def zones_data(access: AccessView, insets: dict) -> dict:
    """The JSON of ``#ips-zones``: the topology and, per zone, its shape and figures."""
    from ips_map.render._access import ZONE_TEXT, _zone_columns, zone_labels

    zones = load_zone_shapes()
    topology = zones_topology(drawn_zones(zones, insets))
    figures = access.zones.assign(code_ze=access.zones["code_ze"].astype(str))
    table = zones[["code"]].merge(
        figures, left_on="code", right_on="code_ze", how="left", validate="one_to_one"
    )
    table["code_ze"] = zones["code"]
    table["libelle_ze"] = table["libelle_ze"].fillna(zones["nom"])
    table["departements"] = table["departements"].fillna("")
    table["population"] = table["population"].fillna(0)
    columns = _zone_columns(table)
    columns["shape"] = topology.shapes
    return {
        "topology": {
            "precision": topology.precision,
            "arcs": topology.arcs,
            "lengths": topology.lengths,
        },
        "zones": columns,
        "text": {**ZONE_TEXT, "zone_labels": zone_labels(access)},
    }
