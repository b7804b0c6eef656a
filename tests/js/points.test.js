// The service layer's arithmetic (static/points.js): pixels at zoom 0 and the hit test.
"use strict";

const assert = require("node:assert/strict");
const { test } = require("node:test");
const { loadScripts, plain } = require("./load.js");

const ipsMap = loadScripts("points.js");

test("projects positions as Leaflet's EPSG:3857 at zoom 0", () => {
  const p = ipsMap.worldPixels([[0, 0], [0, 180], [85.0511287798, -180], [90, 0], [-90, 0]]);
  assert.equal(p.length, 10);
  assert.deepEqual([p[0], p[1], p[2]], [128, 128, 256]);
  assert.ok(Math.abs(p[4]) < 1e-9 && Math.abs(p[5]) < 1e-6, "north-west corner");
  assert.ok(Math.abs(p[7]) < 1e-6 && Math.abs(p[9] - 256) < 1e-6, "poles clamped to the square");
  assert.equal(ipsMap.worldPixels([]).length, 0);
});

test("hits the nearest point within reach, and nothing beyond", () => {
  const xs = [0, 10, 30], ys = [0, 0, 0];
  assert.deepEqual(plain(ipsMap.hitTest(xs, ys, 4, 0, 8)), [0]);
  assert.deepEqual(plain(ipsMap.hitTest(xs, ys, 7, 0, 8)), [1]);
  assert.deepEqual(plain(ipsMap.hitTest(xs, ys, 30, 8, 8)), [2], "exactly at reach");
  assert.deepEqual(plain(ipsMap.hitTest(xs, ys, 30, 8.01, 8)), []);
  assert.deepEqual(plain(ipsMap.hitTest(xs, ys, 20, 0, 8)), []);
  assert.deepEqual(plain(ipsMap.hitTest([], [], 0, 0, 8)), []);
});

test("returns every point at the place of the nearest", () => {
  const xs = [5, 100, 5.2, 5.6, 5], ys = [5, 5, 5.3, 5, 5];
  // Points 0 and 4 tie: the last listed is the nearest; 2 is within half a pixel, 3 is not.
  assert.deepEqual(plain(ipsMap.hitTest(xs, ys, 5, 5, 8)), [0, 2, 4]);
  assert.deepEqual(plain(ipsMap.hitTest(xs, ys, 100, 6, 8)), [1]);
});

test("works on the typed arrays the layer keeps", () => {
  const xs = new Float32Array([1, 2]), ys = new Float32Array([1, 50]);
  assert.deepEqual(plain(ipsMap.hitTest(xs, ys, 1, 2, 8)), [0]);
});
