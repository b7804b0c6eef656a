/* ips-map, the page's wiring: draws the map from the page's data (#ips-data), adds the
 * layer control and the legends, fits the view, then marks the page ready. */
(function (ipsMap) {
  "use strict";

  var BASE_STYLE = { weight: 0.6, color: "#ffffff", opacity: 1, fillOpacity: 0.9 };

  // Rings of the départements, decoded straight into L.LatLng (no intermediate arrays).
  function decodeLatLngs(str) {
    return ipsMap.decode(str, 4, function (lat, lng) { return new L.LatLng(lat, lng); });
  }

  function byCode(records) {
    var out = {};
    records.forEach(function (record) { out[record.code] = record; });
    return out;
  }

  // One set of shapes, recoloured for each view (coverage status, rate).
  function drawDepartements(data, page) {
    var colours = data.colours, group = L.layerGroup(), view = { name: "status" };
    var evolution = data.evolution;
    var statusChanges = byCode(evolution ? evolution.status_changes : []);
    var rateChanges = byCode(evolution ? evolution.rate_changes : []);
    function fillOf(d) {
      if (view.name === "status") return colours.status[d.status];
      if (d.rate_class < 0) return colours.no_data;
      if (d.rate_class === 0) return colours.rate_zero;
      return colours.rate[d.rate_class - 1];
    }
    var shapes = ipsMap.columnRows(data.departements).map(function (d) {
      d.status_change = statusChanges[d.code] || null;
      d.rate_change = rateChanges[d.code] || null;
      var latlngs = d.shape.map(function (poly) { return poly.map(decodeLatLngs); });
      var shape = L.polygon(latlngs, L.extend({}, BASE_STYLE, { fillColor: fillOf(d), className: "ips-dep ips-dep-" + d.code }));
      shape.bindTooltip(function () { return ipsMap.departementTooltip(d, page); }, { sticky: true, direction: "top" });
      shape.on("mouseover", function () { shape.setStyle({ weight: 2, color: "#222222" }); shape.bringToFront(); });
      shape.on("mouseout", function () { shape.setStyle({ weight: BASE_STYLE.weight, color: BASE_STYLE.color }); });
      group.addLayer(shape);
      return { d: d, shape: shape };
    });
    function show(name) {
      view.name = name;
      shapes.forEach(function (x) { x.shape.setStyle({ fillColor: fillOf(x.d) }); });
    }
    return { group: group, shapes: shapes, show: show };
  }

  function drawFrames(frames) {
    var group = L.layerGroup();
    frames.forEach(function (f) {
      var b = f.bounds;  // west, south, east, north
      group.addLayer(L.rectangle([[b[1], b[0]], [b[3], b[2]]], {
        color: "#555555", weight: 1, dashArray: "4 3", fill: false, interactive: false, className: "ips-frame"
      }));
      // The label sits in the band kept free at the top of the frame.
      group.addLayer(L.tooltip({ permanent: true, direction: "center", className: "ips-frame-label", interactive: false })
        .setLatLng([b[3] - (b[3] - b[1]) * 0.075, (b[0] + b[2]) / 2])
        .setContent(f.label));
    });
    return group;
  }

  // Départements whose status changed since the previous edition: a thick outline (solid
  // towards coverage, dashed away from it) over a white halo, drawn from the département's
  // own LatLngs, so that no geometry is embedded or decoded twice. Their pane sits above the
  // départements and takes no pointer event: hovering still reaches them.
  function drawChanges(shapes, pane) {
    var group = L.layerGroup();
    shapes.forEach(function (x) {
      var change = x.d.status_change;
      if (!change) return;
      var latlngs = x.shape.getLatLngs(), gain = change.direction === "gain";
      var line = { pane: pane, interactive: false, fill: false, lineJoin: "round" };
      group.addLayer(L.polygon(latlngs, L.extend({}, line, {
        color: "#ffffff", weight: 6, opacity: 0.9, className: "ips-changed-halo"
      })));
      group.addLayer(L.polygon(latlngs, L.extend({}, line, {
        color: "#111111", weight: 3, opacity: 1, dashArray: gain ? null : "7 5",
        className: "ips-changed ips-changed-" + x.d.code + (gain ? " ips-changed-gain" : " ips-changed-loss")
      })));
    });
    return group;
  }

  // The legends (rendered by the page's templates) gathered into one foldable control.
  function legendControl(text, open) {
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      var box = ipsMap.el("details", "ips-legends leaflet-control");
      box.open = open;
      box.appendChild(ipsMap.el("summary", null, text.legend));
      ["legend-status", "legend-rate", "legend-services", "legend-changes"].forEach(function (id) {
        var node = document.getElementById(id);
        if (node) box.appendChild(node);
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return control;
  }

  // Layer control and legends; each legend shows while its layer is on the map.
  function addControls(map, layers, text, narrow) {
    var statusLayer = L.layerGroup(), rateLayer = L.layerGroup();  // empty switches
    var base = {}, overlays = {};
    base[text.status_layer] = statusLayer;
    base[text.rate] = rateLayer;
    overlays[text.services_layer] = layers.services;
    if (layers.changes) overlays[text.changes_layer] = layers.changes;
    overlays[text.frames_layer] = layers.frames;
    var layerOf = { status: statusLayer, rate: rateLayer, services: layers.services };
    if (layers.changes) layerOf.changes = layers.changes;
    function syncLegends() {
      Object.keys(layerOf).forEach(function (key) {
        var node = document.querySelector('.ips-legend[data-layer="' + key + '"]');
        if (node) node.hidden = !map.hasLayer(layerOf[key]);
      });
    }
    statusLayer.addTo(map);
    // On a narrow map (a phone), the layer list and the legends start folded, so that they
    // don't hide France; a tap opens them.
    L.control.layers(base, overlays, { collapsed: narrow, position: "topright" }).addTo(map);
    legendControl(text, !narrow).addTo(map);
    map.on("baselayerchange", function (e) { layers.departements.show(e.layer === rateLayer ? "rate" : "status"); });
    map.on("baselayerchange overlayadd overlayremove", syncLegends);
    syncLegends();
  }

  // Keep the shapes clear of the controls on the right (layers, legends) when the map is
  // wide enough to spare their width; without animation, so that the view is final when the
  // page says it is ready. On the left, clear the zoom buttons, which would sit on the first
  // inset's label.
  function fitView(map, bounds, narrow) {
    map.invalidateSize();
    var width = map.getSize().x;
    var controls = map.getContainer().querySelector(".leaflet-top.leaflet-right");
    var padRight = controls ? controls.offsetWidth + 8 : 8;
    if (narrow || width - padRight < 0.6 * width) padRight = 8;
    var zoom = map.getContainer().querySelector(".leaflet-control-zoom");
    var padLeft = zoom ? zoom.offsetWidth + 16 : 8;
    map.fitBounds(bounds, { paddingTopLeft: [padLeft, 8], paddingBottomRight: [padRight, 8], animate: false });
  }

  function init(map, dataId) {
    var data = JSON.parse(document.getElementById(dataId).textContent);
    var labels = data.labels;
    var page = { labels: labels, formats: ipsMap.numberFormats(labels.locale), evolution: data.evolution };
    var departements = drawDepartements(data, page);
    var table = new ipsMap.ServiceTable(data.services);
    var layers = {
      departements: departements,
      frames: drawFrames(data.frames),
      changes: data.evolution ? drawChanges(departements.shapes, data.panes.changes) : null,
      services: new ipsMap.PointLayer(table, labels, { pane: data.panes.services })
    };
    var narrow = map.getSize().x < 640;
    addControls(map, layers, labels.text, narrow);
    // The view is set before the shapes are added, so that they are drawn once.
    fitView(map, data.bounds, narrow);
    departements.group.addTo(map);
    if (layers.changes) layers.changes.addTo(map);
    layers.frames.addTo(map);
    layers.services.addTo(map);
    ipsMap.state = {
      departements: departements.shapes.length, services: table.count, frames: data.frames.length,
      changes: layers.changes ? layers.changes.getLayers().length / 2 : 0
    };
    ipsMap.services = table;
    ipsMap.markers = layers.services;
    document.documentElement.setAttribute("data-ips-ready", "1");
  }

  ipsMap.init = init;
})(window.ipsMap = window.ipsMap || {});
