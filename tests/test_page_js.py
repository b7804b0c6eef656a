"""The page's script files under node's test runner (tests/js/): the decoders against what
Python encodes (polylines, the départements' arcs), column tables, the services table, the
service layer's hit test."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np

from ips_map.render._assets import ACCESS_SCRIPTS, SCRIPTS
from ips_map.render._encode import decode_ring, encode_ring
from ips_map.render._topology import build_arcs, decode_arcs, encode_arcs, ring_points
from ips_map.render.boundaries import simplify_boundaries
from ips_map.territory.data import load_departements

ROOT = Path(__file__).resolve().parent.parent
JS_TESTS = ROOT / "tests" / "js"


def _cases() -> list[dict]:
    """Rings encoded by Python, with the latitude/longitude pairs they stand for."""
    rng = np.random.default_rng(0)
    rings = [
        np.column_stack([rng.uniform(-180, 180, n), rng.uniform(-90, 90, n)])
        for n in (1, 2, 7, 50, 500)
    ]
    rings.append(np.array([[-180.0, -90.0], [180.0, 90.0], [0.0, 0.0], [-0.00004, 0.00006]]))
    rings.append(np.asarray(load_departements().geometry.iloc[0].exterior.coords))
    cases = []
    for ring in rings:
        for precision in (4, 5):
            text = encode_ring(ring, precision)
            latlngs = decode_ring(text, precision)[:, ::-1]
            cases.append({"text": text, "precision": precision, "latlngs": latlngs.tolist()})
    return cases


def _topology_case() -> dict:
    """The départements' arcs as the page gets them, and every ring Python rebuilds from them
    (latitude, longitude)."""
    topology = build_arcs(list(simplify_boundaries(load_departements())))
    text, lengths = encode_arcs(topology.arcs)
    arcs = decode_arcs(text, lengths)
    rings = [
        [[(ring_points(refs, arcs) / 1e4).tolist() for refs in rings] for rings in shape]
        for shape in topology.shapes
    ]
    return {
        "topology": {"precision": topology.precision, "arcs": text, "lengths": lengths},
        "shapes": topology.shapes,
        "rings": rings,
    }


def test_page_scripts_pass_their_node_tests(node, tmp_path):
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(_cases()), encoding="utf-8")
    topology = tmp_path / "topology.json"
    topology.write_text(json.dumps(_topology_case()), encoding="utf-8")
    result = subprocess.run(
        [node, "--test", *sorted(str(p) for p in JS_TESTS.glob("*.test.js"))],
        cwd=ROOT,
        env={
            "PATH": str(Path(node).parent),
            "IPS_MAP_JS_CASES": str(cases),
            "IPS_MAP_JS_TOPOLOGY": str(topology),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # Every test passed, none skipped: the Python cases reached the decoder.
    summary = dict(re.findall(r"^# (tests|pass|skipped) (\d+)$", result.stdout, re.M))
    assert summary.get("skipped") == "0", result.stdout[-2000:]
    assert int(summary["tests"]) >= 10 and summary["pass"] == summary["tests"], summary


def test_every_script_file_is_in_the_page_once():
    static = ROOT / "ips_map" / "render" / "static"
    every = SCRIPTS + ACCESS_SCRIPTS  # the access layers' only in a page with them
    assert sorted(every) == sorted(p.name for p in static.glob("*.js"))
    assert len(set(every)) == len(every)
