"""The départements' borders as shared arcs (render/_topology.py) and their varint code."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ips_map.render._encode import ALPHABET, FINAL, decode_varints, encode_varints
from ips_map.render._topology import (
    build_arcs,
    decode_arcs,
    encode_arcs,
    quantise_ring,
    rebuild,
    ring_points,
)
from ips_map.render.boundaries import simplify_boundaries
from ips_map.territory.data import load_departements


@pytest.fixture(scope="module")
def simplified():
    return list(simplify_boundaries(load_departements()))


@pytest.fixture(scope="module")
def topology(simplified):
    return build_arcs(simplified)


def _same_cycle(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two rings (grid points, no closing point) are the same cycle, same way round."""
    if a.shape != b.shape:
        return False
    starts = np.flatnonzero((b == a[0]).all(axis=1))
    return any((np.roll(b, -int(k), axis=0) == a).all() for k in starts)


@settings(database=None, max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=50))
def test_varints_round_trip(values):
    text = encode_varints(np.array(values, dtype=np.int64))
    assert set(text) <= set(ALPHABET)
    assert decode_varints(text).tolist() == values


def test_varints_are_one_character_for_small_values_and_json_safe():
    small = np.arange(-(FINAL // 2), FINAL // 2)
    assert len(encode_varints(small)) == len(small)
    assert not set('"\\<>&') & set(ALPHABET)
    assert len(ALPHABET) == len(set(ALPHABET)) == 90
    with pytest.raises(ValueError):
        decode_varints(encode_varints(np.array([10**6]))[:-1])


def test_every_ring_rebuilt_from_arcs_is_the_simplified_ring(simplified, topology):
    arcs = decode_arcs(*encode_arcs(topology.arcs))
    assert len(arcs) == len(topology.arcs)
    for stored, decoded in zip(topology.arcs, arcs, strict=True):
        np.testing.assert_array_equal(stored, decoded)
    rings = 0
    for geometry, shape in zip(simplified, topology.shapes, strict=True):
        polygons = shapely.get_parts(geometry)
        assert len(shape) == len(polygons)
        for polygon, refs in zip(polygons, shape, strict=True):
            expected = [polygon.exterior, *polygon.interiors]
            assert len(refs) == len(expected)
            for ring, ring_refs in zip(expected, refs, strict=True):
                rebuilt = ring_points(ring_refs, arcs)
                assert _same_cycle(quantise_ring(np.asarray(ring.coords)), rebuilt)
                rings += 1
        # Simplified boundaries are on the grid already: the rebuilt shape is the same shape.
        assert shapely.equals(rebuild(shape, arcs), geometry)
    assert rings > 300


def test_shared_borders_are_stored_once(simplified, topology):
    # No segment is in two arcs, or twice in one.
    segments = [
        tuple(sorted((tuple(a), tuple(b)))) for arc in topology.arcs for a, b in zip(arc, arc[1:])
    ]
    assert len(segments) == len(set(segments))
    # Each arc is used at most twice: once by each side, in opposite directions.
    uses: dict[int, list[tuple[int, int]]] = {}
    for number, shape in enumerate(topology.shapes):
        for rings in shape:
            for refs in rings:
                for ref in refs:
                    uses.setdefault(ref if ref >= 0 else ~ref, []).append((number, ref >= 0))
    assert sorted(uses) == list(range(len(topology.arcs)))
    shared = [arc for arc, used in uses.items() if len(used) == 2]
    assert all(len(used) <= 2 for used in uses.values())
    for arc in shared:
        (first, forwards), (second, backwards) = uses[arc]
        assert first != second and forwards and not backwards
    # Metropolitan France has some 250 borders between départements.
    assert len(shared) > 200
    # Points stored: the drawn vertices less the repeated ones (about 40 %).
    drawn = sum(len(quantise_ring(np.asarray(r.coords))) for r in _all_rings(simplified))
    assert topology.points < 0.65 * drawn


def _all_rings(geometries):
    for geometry in geometries:
        for polygon in shapely.get_parts(geometry):
            yield polygon.exterior
            yield from polygon.interiors


def test_an_island_in_a_hole_is_one_arc_both_ways():
    outer = shapely.Polygon(
        [(0, 0), (1, 0), (1, 1), (0, 1)], holes=[[(0.2, 0.2), (0.6, 0.2), (0.6, 0.6)]]
    )
    island = shapely.Polygon([(0.2, 0.2), (0.6, 0.2), (0.6, 0.6)])
    topology = build_arcs([outer, island])
    assert len(topology.arcs) == 2
    (hole,) = topology.shapes[0][0][1]
    (shell,) = topology.shapes[1][0][0]
    assert (hole if hole >= 0 else ~hole) == (shell if shell >= 0 else ~shell)
    arcs = decode_arcs(*encode_arcs(topology.arcs))
    assert shapely.equals(rebuild(topology.shapes[0], arcs), outer)
    assert shapely.equals(rebuild(topology.shapes[1], arcs), island)


def test_two_squares_share_their_side():
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    topology = build_arcs([left, right])
    # The shared side once; each square's other three sides as one arc.
    assert len(topology.arcs) == 3
    assert topology.points == 2 + 4 + 4


@settings(database=None, max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-180, 180), st.floats(-80, 80)), min_size=3, max_size=40, unique=True
    )
)
def test_quantisation_error_is_at_most_half_a_grid_step(points):
    """Off-grid shapes (the DROM moved into their insets) move by at most 0.5e-4° a vertex."""
    hull = shapely.MultiPoint(points).convex_hull
    assume(isinstance(hull, shapely.Polygon) and hull.area > 1e-6)
    # Wider than a few grid steps every way: a sliver thinner than the grid collapses to a
    # line and is dropped (see _topology._rings), which is not what this test is about
    # (area / perimeter is about half the width of a sliver).
    assume(hull.area / hull.length > 1e-3)
    topology = build_arcs([hull])
    arcs = decode_arcs(*encode_arcs(topology.arcs))
    drawn = ring_points(topology.shapes[0][0][0], arcs)[:, ::-1] / 1e4
    original = np.asarray(hull.exterior.coords)[:-1]
    assert len(drawn) <= len(original)
    for vertex in drawn:
        assert np.abs(original - vertex).max(axis=1).min() <= 0.5e-4 + 1e-12
