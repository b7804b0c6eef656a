"""The drawn boundaries are computed once per input: shipped for the embedded data, cached
for others, checked by their hash, and always the same geometries as a fresh computation."""

from __future__ import annotations

import shapely

from ips_map.render import boundaries
from ips_map.render._topology import build_arcs, encode_arcs
from ips_map.render.boundaries import (
    PRECOMPUTED_DIR,
    SIMPLIFY_TOLERANCE_M,
    boundaries_key,
    simplify_boundaries,
)
from ips_map.territory.data import load_departements


def _same(a, b) -> bool:
    return list(shapely.to_wkb(a)) == list(shapely.to_wkb(b))


def test_the_shipped_boundaries_are_those_of_the_embedded_data(monkeypatch):
    departements = load_departements()
    [path] = PRECOMPUTED_DIR.glob("*.wkb.gz")
    assert path.name.startswith(boundaries_key(departements) + "-")
    computed = boundaries._simplify(departements, SIMPLIFY_TOLERANCE_M).values
    assert _same(boundaries._read_stored(boundaries_key(departements)), computed)


def test_other_boundaries_are_cached_and_a_damaged_file_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("IPS_MAP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(boundaries, "_SIMPLIFIED", {})
    departements = load_departements().copy()
    departements["geometry"] = departements.geometry.translate(0.001, 0)  # "fetched" ones
    key = boundaries_key(departements)
    assert not boundaries._stored_files(key, ".wkb.gz")
    first = simplify_boundaries(departements)
    [cached] = (tmp_path / "contours").glob(f"{key}-*.wkb.gz")
    monkeypatch.setattr(boundaries, "_SIMPLIFIED", {})
    assert _same(simplify_boundaries(departements).values, first.values)  # read back

    cached.write_bytes(cached.read_bytes()[:-20] + b"x" * 20)  # damaged on disk
    monkeypatch.setattr(boundaries, "_SIMPLIFIED", {})
    assert boundaries._read_stored(key) is None
    again = simplify_boundaries(departements)
    assert _same(again.values, first.values)
    assert again.is_valid.all()


def _fresh(geometries) -> boundaries.EncodedTopology:
    arcs = build_arcs(geometries)
    text, lengths = encode_arcs(arcs.arcs)
    return boundaries.EncodedTopology(arcs.shapes, text, lengths, arcs.precision)


def test_the_shipped_topology_is_that_of_the_embedded_drawing(monkeypatch):
    monkeypatch.setattr(boundaries, "_TOPOLOGIES", {})
    drawn, _ = boundaries.drawn_shapes(load_departements())
    [path] = PRECOMPUTED_DIR.glob("*.topo.json.gz")
    stored = boundaries.encoded_topology(drawn)
    assert stored == _fresh(drawn)
    assert len(boundaries._TOPOLOGIES) == 1 and path.name.endswith(".topo.json.gz")


def test_other_topologies_are_cached_and_a_damaged_file_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("IPS_MAP_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(boundaries, "_TOPOLOGIES", {})
    drawn = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]  # not the embedded ones
    first = boundaries.encoded_topology(drawn)
    assert first == _fresh(drawn) and len(first.lengths) == 3  # the shared side once
    [cached] = (tmp_path / "contours").glob("*.topo.json.gz")
    monkeypatch.setattr(boundaries, "_TOPOLOGIES", {})
    assert boundaries.encoded_topology(drawn) == first  # read back

    cached.write_bytes(cached.read_bytes()[:-20] + b"x" * 20)  # damaged on disk
    monkeypatch.setattr(boundaries, "_TOPOLOGIES", {})
    assert boundaries.encoded_topology(drawn) == first  # built again, not read
