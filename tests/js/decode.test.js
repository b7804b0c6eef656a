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

// Distance from (x, y) to the segment (ax, ay)-(bx, by).
function toSegment(x, y, ax, ay, bx, by) {
  const dx = bx - ax, dy = by - ay, length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / length2));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

test("simplifies an arc within its tolerance, ends kept, closed arcs too", () => {
  let seed = 7;
  const random = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  for (let trial = 0; trial < 200; trial++) {
    const n = 2 + Math.floor(random() * 60), grid = new Int32Array(2 * n), closed = trial % 3 === 0;
    for (let i = 0; i < 2 * n; i++) grid[i] = Math.round((random() - 0.5) * 2000);
    if (closed) { grid[2 * n - 2] = grid[0]; grid[2 * n - 1] = grid[1]; }
    const tolerance = random() * 300, kept = ipsMap.keptPoints(grid, 0, n - 1, tolerance);
    assert.equal(kept[0], 1);
    assert.equal(kept[n - 1], 1);
    const keep = [];
    for (let i = 0; i < n; i++) if (kept[i]) keep.push(i);
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      for (let k = 0; k + 1 < keep.length; k++) {
        const a = keep[k], b = keep[k + 1];
        best = Math.min(best, toSegment(grid[2 * i + 1], grid[2 * i], grid[2 * a + 1], grid[2 * a], grid[2 * b + 1], grid[2 * b]));
      }
      assert.ok(best <= tolerance + 1e-9, `trial ${trial}: point ${i} is ${best} from the line, tolerance ${tolerance}`);
    }
    // A closed arc larger than the tolerance keeps a point besides its ends: its ring is not a point.
    let far = 0;
    for (let i = 0; i < n; i++) far = Math.max(far, Math.hypot(grid[2 * i] - grid[0], grid[2 * i + 1] - grid[1]));
    if (closed && far > tolerance) assert.ok(keep.length >= 3, `trial ${trial}: closed arc kept ${keep.length}`);
  }
});

test("a topology's simplified arcs are shared by both sides of a border", () => {
  const topology = new ipsMap.Topology({ precision: 0, lengths: [5], arcs: "" });
  topology.grid.set([0, 0, 1, 10, 0, 20, -1, 30, 0, 40]);
  topology.count = 10;
  const make = (lat, lng) => [lat, lng];
  const a = topology.arcPoints(0, make, 2), b = topology.arcPoints(0, make, 2);
  assert.equal(a, b);
  assert.deepEqual(plain(a), [[0, 0], [0, 40]]);
  assert.equal(plain(topology.arcPoints(0, make, 0)).length, 5);
});
