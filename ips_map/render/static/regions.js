/* ips-map, régions: on the national map, a layer of the borders between régions (the
 * topology's arcs whose two sides are départements of different régions: no geometry is
 * carried twice); on a regional edition, the other metropolitan départements as a pale
 * outline around the région (data.context). */
(function (ipsMap) {
  "use strict";

  function makeLatLng(lat, lng) { return new L.LatLng(lat, lng); }

  // A pane of its own, above the départements and below the services, that lets the
  // pointer through to the départements.
  function pane(map, name, zIndex) {
    var node = map.getPane(name) || map.createPane(name);
    node.style.zIndex = String(zIndex);
    node.style.pointerEvents = "none";
    return name;
  }

  // Indices of the arcs between two départements of different régions, in order.
  function regionArcs(rows) {
    var first = {}, border = {};
    rows.forEach(function (d) {
      d.shape.forEach(function (rings) {
        rings.forEach(function (refs) {
          refs.forEach(function (ref) {
            var arc = ref < 0 ? ~ref : ref;
            if (!(arc in first)) first[arc] = d.region;
            else if (first[arc] !== d.region) border[arc] = true;
          });
        });
      });
    });
    return Object.keys(border).map(Number).sort(function (a, b) { return a - b; });
  }

  function legendEntry(text) {
    var legend = ipsMap.el("div", "ips-legend");
    legend.setAttribute("data-layer", "regions");
    var list = ipsMap.el("ul"), item = ipsMap.el("li");
    item.appendChild(ipsMap.el("span", "ips-line-region"));
    item.appendChild(ipsMap.el("span", null, text.regions_layer));
    list.appendChild(item);
    legend.appendChild(list);
    var box = document.querySelector(".ips-legends");
    if (box) box.appendChild(legend);
    return legend;
  }

  function drawBorders(app) {
    var rows = app.layers.departements.rows, topology = app.layers.departements.topology;
    var arcs = regionArcs(rows);
    if (!arcs.length) return null;  // one région: no border between régions
    var detail = app.layers.departements.detail;
    function lines(tolerance) {
      return arcs.map(function (arc) { return topology.arcPoints(arc, makeLatLng, tolerance); });
    }
    var layer = L.polyline(lines(detail.tolerance), {
      pane: pane(app.map, "ips-regions", 415), interactive: false, color: "#1a1a1a", weight: 1.6,
      opacity: 0.9, lineJoin: "round", className: "ips-region-border",
      smoothFactor: 0  // the arcs come simplified for the view (page.js toleranceAt)
    });
    var text = app.data.labels.text, legend = legendEntry(text);
    layer.addTo(app.map);
    if (app.layers.control) app.layers.control.addOverlay(layer, text.regions_layer);
    app.map.on("overlayadd overlayremove", function () { legend.hidden = !app.map.hasLayer(layer); });
    // The arcs as fine as the départements' (page.js refines them after a zoom in).
    app.map.on("ips:detail", function (e) { layer.setLatLngs(lines(e.tolerance)); });
    return layer;
  }

  function drawContext(app) {
    var topology = app.layers.departements.topology, detail = app.layers.departements.detail;
    function polygons(tolerance) {  // every polygon of every shape: one multipolygon, one path
      var out = [];
      app.data.context.forEach(function (shape) {
        out.push.apply(out, topology.shape(shape, makeLatLng, tolerance));
      });
      return out;
    }
    var layer = L.polygon(polygons(detail.tolerance), {
      pane: pane(app.map, "ips-context", 390), interactive: false, color: "#b5b5b5", weight: 0.8,
      fillColor: "#ececec", fillOpacity: 1, className: "ips-context", smoothFactor: 0
    }).addTo(app.map);
    app.map.on("ips:detail", function (e) { layer.setLatLngs(polygons(e.tolerance)); });
    return layer;
  }

  ipsMap.regionArcs = regionArcs;
  ipsMap.whenReady(function (app) {
    app.layers.regions = drawBorders(app);
    if (app.data.context) app.layers.context = drawContext(app);
  }, true);
})(window.ipsMap = window.ipsMap || {});
