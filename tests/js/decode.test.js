// The page's decoder (static/decode.js): encoded polylines, column tables, the services table.
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
