// The page's decoder (static/decode.js): encoded polylines, the départements' arcs, column
// tables, the services table.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const { test } = require("node:test");
const { loadScripts, plain } = require("./load.js");

const ipsMap = loadScripts("decode.js");

function close(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} points, not ${expected.length}`);
  actual.forEach((point, i) => {
    assert.equal(point.length, 2, `${what}: point ${i}`);
    for (let k = 0; k < 2; k++) {
      assert.ok(Math.abs(point[k] - expected[i][k]) < 1e-9, `${what}: point ${i}: ${point} != ${expected[i]}`);
    }
  });
}

test("decodes the reference polyline of the encoding's description", () => {
  // Precision 5: the three points of Google's example.
  close(ipsMap.decodeRing("_p~iF~ps|U_ulLnnqC_mqNvxq`@", 5),
    [[38.5, -120.2], [40.7, -120.95], [43.252, -126.453]], "reference");
});

test("decodes an empty string to no point, and precision 4 by default", () => {
  assert.deepEqual(plain(ipsMap.decodeRing("")), []);
  close(ipsMap.decodeRing("_ibE_ibE"), [[10, 10]], "default precision");
});

test("decodes what Python encoded (render/_encode.py), point for point", (t) => {
  const file = process.env.IPS_MAP_JS_CASES;
  if (!file) { t.skip("IPS_MAP_JS_CASES not set: run from tests/test_page_js.py"); return; }
  const cases = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.ok(cases.length > 3);
  cases.forEach((c, n) => close(ipsMap.decodeRing(c.text, c.precision), c.latlngs, `case ${n}`));
});

test("rebuilds every département's rings from the arcs Python wrote (render/_topology.py)", (t) => {
  const file = process.env.IPS_MAP_JS_TOPOLOGY;
  if (!file) { t.skip("IPS_MAP_JS_TOPOLOGY not set: run from tests/test_page_js.py"); return; }
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  const topology = new ipsMap.Topology(c.topology);
  assert.equal(c.shapes.length, 101);
  let rings = 0;
  c.shapes.forEach((shape, n) => {
    const drawn = topology.shape(shape, ipsMap.latLngPair);
    assert.equal(drawn.length, c.rings[n].length, `shape ${n}: polygons`);
    drawn.forEach((polygon, p) => polygon.forEach((ring, r) => {
      close(ring, c.rings[n][p][r], `shape ${n}, polygon ${p}, ring ${r}`);
      rings++;
    }));
  });
  assert.ok(rings > 300);
  // Every point was decoded, and exactly as many as the arcs' lengths say.
  const grid = topology.decodeAll();
  assert.equal(grid.length, 2 * c.topology.lengths.reduce((a, b) => a + b, 0));
});

test("shares the points of an arc between the rings that use it", () => {
  // Two unit squares sharing the side (0,1)–(1,1), in grid units of 1e-4°: the shared arc
  // once, each square's other three sides as one arc.
  const arcs = [[[0, 1], [1, 1]], [[1, 1], [1, 0], [0, 0], [0, 1]], [[0, 1], [0, 2], [1, 2], [1, 1]]];
  const deltas = [];
  let previous = [0, 0];
  arcs.flat().forEach((point) => { deltas.push(point[0] - previous[0], point[1] - previous[1]); previous = point; });
  const text = deltas.map((v) => " !#$%'()*"[v < 0 ? -2 * v - 1 : 2 * v]).join("");
  const topology = new ipsMap.Topology({ precision: 4, arcs: text, lengths: [2, 4, 4] });
  let made = 0;
  const make = (lat, lng) => { made++; return [lat * 1e4, lng * 1e4]; };
  const below = topology.ring([0, 1], make), above = topology.ring([2, ~0], make);
  assert.deepEqual(plain(below), [[0, 1], [1, 1], [1, 0], [0, 0]]);
  assert.deepEqual(plain(above), [[0, 1], [0, 2], [1, 2], [1, 1]]);
  assert.equal(made, 10, "each arc's points made once");
  const shared = topology.arcPoints(0, make);
  assert.equal(below[0], shared[0], "the shared side's points are the same objects");
  assert.equal(above[3], shared[1], "the shared side's points are the same objects");
  assert.equal(made, 10, "made once");
});

test("refuses arcs whose text is cut short or too long", () => {
  assert.throws(() => new ipsMap.Topology({ precision: 4, arcs: "!", lengths: [1] }).decodeAll(), /arcs/);
  assert.throws(() => new ipsMap.Topology({ precision: 4, arcs: "!!!!!!", lengths: [1] }).decodeAll(), /arcs/);
  assert.throws(() => new ipsMap.Topology({ precision: 4, arcs: "\\\\", lengths: [1] }).decodeAll(), /arcs/);
});

test("turns columns into rows", () => {
  assert.deepEqual(plain(ipsMap.columnRows({ code: ["01", "2A"], active: [0, 3] })),
    [{ code: "01", active: 0 }, { code: "2A", active: 3 }]);
  assert.deepEqual(plain(ipsMap.columnRows({})), []);
  assert.deepEqual(plain(ipsMap.columnRows({ code: [] })), []);
});

test("reads the services table's three column encodings", () => {
  const table = new ipsMap.ServiceTable({
    count: 3,
    precision: 4,
    positions: "_ibE_ibE??_ibE_ibE",
    columns: {
      name: ["a", "b", "c"],
      status: { constant: "actif" },
      type: { values: ["ips", "autre"], indices: [1, 0, 1] }
    }
  });
  assert.equal(table.count, 3);
  assert.deepEqual(Array.from({ length: 3 }, (_, i) => table.get("type", i)), ["autre", "ips", "autre"]);
  assert.equal(table.get("status", 2), "actif");
  assert.equal(table.get("phone", 0), "", "a column left out is empty");
  assert.deepEqual(JSON.parse(JSON.stringify(table.record(2))),
    { lat: 20, lon: 20, name: "c", status: "actif", type: "autre" });
});

test("an empty services table has no position", () => {
  const table = new ipsMap.ServiceTable({ count: 0, precision: 4, positions: "", columns: {} });
  assert.deepEqual(plain(table.positions), []);
});
