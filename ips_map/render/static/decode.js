/* ips-map, decoding: the page's data (page-data.schema.json) into plain values.
 * Encoded polylines (render/_encode.py), the départements' arcs (render/_topology.py),
 * tables stored as columns, the services table. */
(function (ipsMap) {
  "use strict";

  // Encoded polyline to points built by make(lat, lng).
  function decode(str, precision, make) {
    var factor = Math.pow(10, precision === undefined ? 4 : precision);
    var points = [], index = 0, lat = 0, lng = 0;
    while (index < str.length) {
      var result = 0, shift = 0, b;
      do { b = str.charCodeAt(index++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lat += (result & 1) ? ~(result >> 1) : (result >> 1);
      result = 0; shift = 0;
      do { b = str.charCodeAt(index++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lng += (result & 1) ? ~(result >> 1) : (result >> 1);
      points.push(make(lat / factor, lng / factor));
    }
    return points;
  }

  function decodeRing(str, precision) {
    return decode(str, precision, function (lat, lng) { return [lat, lng]; });
  }

  // The départements' arcs (render/_topology.py): one string of varints over ALPHABET, the
  // first FINAL characters ending a value, the others carrying its lower digits (base MORE);
  // values are zig-zagged differences from the previous point, latitude then longitude.
  var ALPHABET = " !#$%'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";
  var FINAL = 84, MORE = ALPHABET.length - FINAL;
  var DIGIT = new Int8Array(128).fill(-1);
  for (var c = 0; c < ALPHABET.length; c++) DIGIT[ALPHABET.charCodeAt(c)] = c;

  // Decoded as far as needed (arcs are numbered in the order the départements first use
  // them) into one flat Int32Array of grid integers (lat, lng, lat, lng…); each arc's points
  // are made into the caller's objects (make(lat, lng)) once and shared by the rings that
  // use the arc.
  function Topology(topology) {
    var lengths = topology.lengths, total = 0;
    this.starts = new Int32Array(lengths.length + 1);
    for (var i = 0; i < lengths.length; i++) { this.starts[i] = total; total += lengths[i]; }
    this.starts[lengths.length] = total;
    this.text = topology.arcs;
    this.grid = new Int32Array(2 * total);
    this.factor = Math.pow(10, topology.precision);
    this.made = new Array(lengths.length);
    this.index = 0;  // next character of the text
    this.count = 0;  // values decoded
    this.lat = 0;
    this.lng = 0;
  }
  // Decode the text until the first `points` points are known.
  Topology.prototype.decodeTo = function (points) {
    var text = this.text, grid = this.grid, index = this.index, n = this.count;
    var lat = this.lat, lng = this.lng, end = 2 * points;
    while (n < end) {
      var value = 0, scale = 1, code, digit;
      for (;;) {
        code = text.charCodeAt(index++);
        digit = code < 128 ? DIGIT[code] : -1;  // NaN past the end: -1
        if (digit < 0) throw new Error("arcs: bad or missing character at " + (index - 1));
        if (digit < FINAL) break;
        value += (digit - FINAL) * scale;
        scale *= MORE;
      }
      value += digit * scale;
      var delta = value % 2 ? -(value + 1) / 2 : value / 2;
      if (n % 2) grid[n] = (lng += delta); else grid[n] = (lat += delta);
      n++;
    }
    this.index = index; this.count = n; this.lat = lat; this.lng = lng;
  };
  // Decode everything; an error if the text holds more or fewer points than the arcs.
  Topology.prototype.decodeAll = function () {
    this.decodeTo(this.grid.length / 2);
    if (this.index !== this.text.length) throw new Error("arcs: more points than their lengths say");
    return this.grid;
  };
  // The points of an arc, made once (for each tolerance) and shared by the rings that use
  // it. With a tolerance (in degrees, > 0), only the points that Douglas-Peucker keeps: the
  // two neighbours of a border get the same simplified arc, so no gap opens between them.
  Topology.prototype.arcPoints = function (arc, make, tolerance) {
    var made = tolerance > 0 ? this.level(tolerance) : this.made, points = made[arc];
    if (points === undefined) {
      if (this.count < 2 * this.starts[arc + 1]) this.decodeTo(this.starts[arc + 1]);
      var from = this.starts[arc], to = this.starts[arc + 1] - 1, grid = this.grid;
      var kept = tolerance > 0 ? keptPoints(grid, from, to, tolerance * this.factor) : null;
      points = [];
      for (var p = from; p <= to; p++) {
        if (kept === null || kept[p - from]) points.push(make(grid[2 * p] / this.factor, grid[2 * p + 1] / this.factor));
      }
      made[arc] = points;
    }
    return points;
  };
  Topology.prototype.level = function (tolerance) {
    if (!this.levels) this.levels = {};
    return this.levels[tolerance] || (this.levels[tolerance] = new Array(this.made.length));
  };
  // Douglas-Peucker over the grid's points from..to (inclusive) with a tolerance in grid
  // units (distance to the segment, so that every point dropped lies within the tolerance of
  // the line drawn): a Uint8Array, 1 for each point kept (the ends always are). A closed arc (its ends
  // one point) keeps its farthest point from them, then is split there.
  function keptPoints(grid, from, to, tolerance) {
    var kept = new Uint8Array(to - from + 1), stack = [from, to], limit = tolerance * tolerance;
    kept[0] = 1; kept[to - from] = 1;
    while (stack.length) {
      var b = stack.pop(), a = stack.pop();
      var ay = grid[2 * a], ax = grid[2 * a + 1], dy = grid[2 * b] - ay, dx = grid[2 * b + 1] - ax;
      var length2 = dx * dx + dy * dy, far = 0, worst = -1;
      for (var p = a + 1; p < b; p++) {
        var py = grid[2 * p] - ay, px = grid[2 * p + 1] - ax;
        var t = length2 === 0 ? 0 : Math.max(0, Math.min(1, (px * dx + py * dy) / length2));
        var ex = px - t * dx, ey = py - t * dy, d2 = ex * ex + ey * ey;  // to the segment
        if (d2 > far) { far = d2; worst = p; }
      }
      if (worst >= 0 && far > limit) { kept[worst - from] = 1; stack.push(a, worst, worst, b); }
    }
    return kept;
  }
  // A ring from its arc references (i, or ~i for arc i reversed): each arc's points but its
  // last, which is the next arc's first (or the ring's first).
  Topology.prototype.ring = function (refs, make, tolerance) {
    var out = [];
    for (var r = 0; r < refs.length; r++) {
      var ref = refs[r], points = this.arcPoints(ref < 0 ? ~ref : ref, make, tolerance), k;
      if (ref >= 0) { for (k = 0; k < points.length - 1; k++) out.push(points[k]); }
      else { for (k = points.length - 1; k > 0; k--) out.push(points[k]); }
    }
    return out;
  };
  // A shape (polygons of rings of arc references) as nested arrays of make(lat, lng); with a
  // tolerance in degrees, its arcs simplified (see arcPoints).
  Topology.prototype.shape = function (shape, make, tolerance) {
    var self = this;
    return shape.map(function (rings) { return rings.map(function (refs) { return self.ring(refs, make, tolerance); }); });
  };
  function latLngPair(lat, lng) { return [lat, lng]; }

  // An object of column arrays, all of one length, to one object per row.
  function columnRows(columns) {
    var names = Object.keys(columns), rows = [];
    var count = names.length ? columns[names[0]].length : 0;
    for (var i = 0; i < count; i++) {
      var row = {};
      for (var k = 0; k < names.length; k++) row[names[k]] = columns[names[k]][i];
      rows.push(row);
    }
    return rows;
  }

  // The services table: each text column stored whole, as one constant, or as distinct
  // values and indices; a column missing from the table is empty for every service.
  function ServiceTable(table) {
    this.count = table.count;
    this.positions = table.count ? decodeRing(table.positions, table.precision) : [];
    this.columns = table.columns;
  }
  ServiceTable.prototype.get = function (name, i) {
    var column = this.columns[name];
    if (column === undefined) return "";
    if (Array.isArray(column)) return column[i];
    if (column.constant !== undefined) return column.constant;
    return column.values[column.indices[i]];
  };
  ServiceTable.prototype.record = function (i) {
    var out = { lat: this.positions[i][0], lon: this.positions[i][1] };
    for (var name in this.columns) out[name] = this.get(name, i);
    return out;
  };

  ipsMap.decode = decode;
  ipsMap.decodeRing = decodeRing;
  ipsMap.columnRows = columnRows;
  ipsMap.Topology = Topology;
  ipsMap.keptPoints = keptPoints;
  ipsMap.latLngPair = latLngPair;
  ipsMap.ServiceTable = ServiceTable;
})(window.ipsMap = window.ipsMap || {});
