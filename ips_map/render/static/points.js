/* ips-map, service points: where they fall in pixels, and which are under the pointer.
 * Plain arithmetic, no Leaflet: the service layer (service-layer.js) draws with it. */
(function (ipsMap) {
  "use strict";

  var MAX_LATITUDE = 85.0511287798;

  // Web Mercator pixels at zoom 0 (as L.CRS.EPSG3857 with 256-pixel tiles) of [lat, lng]
  // positions, as one array x0, y0, x1, y1…
  function worldPixels(positions) {
    var n = positions.length, p = new Float64Array(2 * n);
    for (var i = 0; i < n; i++) {
      var lat = Math.max(Math.min(positions[i][0], MAX_LATITUDE), -MAX_LATITUDE);
      var sin = Math.sin(lat * Math.PI / 180);
      p[2 * i] = 256 * (0.5 + positions[i][1] / 360);
      p[2 * i + 1] = 256 * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI));
    }
    return p;
  }

  // Indices of the points (xs[i], ys[i]) under the pixel (x, y): the nearest within reach
  // pixels (the last one listed among equals), and every point at the same place as it.
  function hitTest(xs, ys, x, y, reach) {
    var best = -1, bestD = reach * reach;
    for (var i = 0; i < xs.length; i++) {
      var dx = xs[i] - x, dy = ys[i] - y, d = dx * dx + dy * dy;
      if (d <= bestD) { bestD = d; best = i; }
    }
    if (best < 0) return [];
    var same = [];
    for (var j = 0; j < xs.length; j++) {
      if (Math.abs(xs[j] - xs[best]) < 0.5 && Math.abs(ys[j] - ys[best]) < 0.5) same.push(j);
    }
    return same;
  }

  ipsMap.worldPixels = worldPixels;
  ipsMap.hitTest = hitTest;
})(window.ipsMap = window.ipsMap || {});
