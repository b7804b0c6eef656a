/* ips-map, the page's wiring: draws the map from the page's data (#ips-data), adds the
 * layer control and the legends, fits the view, then marks the page ready. */
(function (ipsMap) {
  "use strict";

  var BASE_STYLE = { weight: 0.6, color: "#ffffff", opacity: 1, fillOpacity: 0.9, noClip: true, smoothFactor: 0 };

  function makeLatLng(lat, lng) { return new L.LatLng(lat, lng); }

  // A polygon whose vertices are L.LatLng shared with its neighbours (the topology's arcs,
  // see decode.js): each vertex is projected once per view, for all the polygons that hold
  // it, and the projected point kept on the LatLng with the view it was made for.
  var SharedPolygon = L.Polygon.extend({
    _projectLatlngs: function (latlngs, result, projectedBounds) {
      var i, n = latlngs.length;
      if (!(latlngs[0] instanceof L.LatLng)) {
        for (i = 0; i < n; i++) this._projectLatlngs(latlngs[i], result, projectedBounds);
        return;
      }
      var map = this._map, origin = map.getPixelOrigin();
      var view = map.getZoom() + "," + origin.x + "," + origin.y, ring = new Array(n);
      for (i = 0; i < n; i++) {
        var latlng = latlngs[i], point = latlng._ipsView === view ? latlng._ipsPoint : null;
        if (point === null) {
          point = map.latLngToLayerPoint(latlng);
          latlng._ipsView = view;
          latlng._ipsPoint = point;
        }
        ring[i] = point;
        projectedBounds.extend(point);
      }
      result.push(ring);
    }
  });

  // Run work(item) for each item in tasks of about `budget` ms at most (one item at least),
  // each in its own task, so that the page stays responsive while it draws; then done().
  var channel = typeof MessageChannel === "function" ? new MessageChannel() : null, queue = [];
  if (channel) channel.port1.onmessage = function () { queue.shift()(); };
  function later(fn) {
    if (channel) { queue.push(fn); channel.port2.postMessage(0); } else setTimeout(fn, 0);
  }
  function inSlices(items, work, budget, done) {
    var next = 0;
    function slice() {
      var start = performance.now();
      do { work(items[next++]); } while (next < items.length && performance.now() - start < budget);
      if (next < items.length) later(slice); else done();
    }
    if (items.length) later(slice); else later(done);
  }
  ipsMap.later = later;
  ipsMap.inSlices = inSlices;

  function byCode(records) {
    var out = {};
    records.forEach(function (record) { out[record.code] = record; });
    return out;
  }

  // One set of shapes, recoloured for each view (coverage status, rate); built by add(),
  // one département at a time, their rings made from the topology's shared arcs.
  function drawDepartements(data, page, topology) {
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
    var shapes = [], detail = { tolerance: 0, token: 0, pending: false };
    function add(d) {
      d.status_change = statusChanges[d.code] || null;
      d.rate_change = rateChanges[d.code] || null;
      var latlngs = topology.shape(d.shape, makeLatLng, detail.tolerance);
      var shape = new SharedPolygon(latlngs, L.extend({}, BASE_STYLE, { fillColor: fillOf(d), className: "ips-dep ips-dep-" + d.code }));
      shape.bindTooltip(function () { return ipsMap.departementTooltip(d, page); }, { sticky: true, direction: "top" });
      shape.on("mouseover", function () { shape.setStyle({ weight: 2, color: "#222222" }); shape.bringToFront(); });
      shape.on("mouseout", function () { shape.setStyle({ weight: BASE_STYLE.weight, color: BASE_STYLE.color }); });
      group.addLayer(shape);
      shapes.push({ d: d, shape: shape });
    }
    function show(name) {
      view.name = name;
      shapes.forEach(function (x) { x.shape.setStyle({ fillColor: fillOf(x.d) }); });
    }
    // Redraw every shape (and its outlines of change) with finer arcs, a few at a time: after
    // a zoom in. Never coarser: the detail already made is kept.
    function refine(tolerance) {
      if (!(tolerance < detail.tolerance)) return;
      detail.tolerance = tolerance;
      detail.pending = true;
      var token = ++detail.token;
      inSlices(shapes.slice(), function (x) {
        if (token !== detail.token) return;
        var latlngs = topology.shape(x.d.shape, makeLatLng, tolerance);
        x.shape.setLatLngs(latlngs);
        (x.outlines || []).forEach(function (outline) { outline.setLatLngs(latlngs); });
      }, SLICE_MS, function () {
        if (token !== detail.token) return;
        detail.pending = false;
        // For the layers drawn from the same arcs (région borders, hatching).
        if (detail.map) detail.map.fire("ips:detail", { tolerance: tolerance });
      });
    }
    return {
      group: group, shapes: shapes, rows: ipsMap.columnRows(data.departements), add: add, show: show,
      refine: refine, detail: detail, topology: topology
    };
  }

  // The insets' labels. Leaflet's tooltip reads its own size to centre itself on its point,
  // a layout of the page for each of the five (CPU 4×: about 50 ms in all); these are always
  // written rightwards from their point and centred on it by their style (app.css: a margin
  // of half their line height).
  var FrameLabel = L.Tooltip.extend({
    _setPosition: function (pos) {
      L.DomUtil.addClass(this._container, "leaflet-tooltip-right");
      L.DomUtil.setPosition(this._container, pos.add(L.point(this.options.offset)).add(this._getAnchor()));
    }
  });

  function drawFrames(frames) {
    var group = L.layerGroup();
    frames.forEach(function (f) {
      var b = f.bounds;  // west, south, east, north
      group.addLayer(L.rectangle([[b[1], b[0]], [b[3], b[2]]], {
        color: "#555555", weight: 1, dashArray: "4 3", fill: false, interactive: false, className: "ips-frame"
      }));
      // The label sits in the gap above its frame (_insets.py FRAME_GAP), clear of its lines.
      // Written rightwards from the frame's west side: over the sea, inside the drawn bounds.
      group.addLayer(new FrameLabel({ permanent: true, className: "ips-frame-label", interactive: false })
        .setLatLng([(b[3] + f.label_north) / 2, b[0]])
        .setContent(f.label));
    });
    return group;
  }

  // Départements whose status changed since the previous edition: a thick outline (solid
  // towards coverage, dashed away from it) over a white halo, drawn from the département's
  // own LatLngs, so that no geometry is embedded or decoded twice. Their pane sits above the
  // départements and takes no pointer event: hovering still reaches them.
  function drawChanges(shapes, pane, group) {
    shapes.forEach(function (x) {
      var change = x.d.status_change;
      if (!change) return;
      var latlngs = x.shape.getLatLngs(), gain = change.direction === "gain";
      var line = { pane: pane, interactive: false, fill: false, lineJoin: "round", smoothFactor: 0 };
      x.outlines = [
        L.polygon(latlngs, L.extend({}, line, {
          color: "#ffffff", weight: 6, opacity: 0.9, className: "ips-changed-halo"
        })),
        L.polygon(latlngs, L.extend({}, line, {
          color: "#111111", weight: 3, opacity: 1, dashArray: gain ? null : "7 5",
          className: "ips-changed ips-changed-" + x.d.code + (gain ? " ips-changed-gain" : " ips-changed-loss")
        }))
      ];
      x.outlines.forEach(function (outline) { group.addLayer(outline); });
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
    if (layers.frames.getLayers().length) overlays[text.frames_layer] = layers.frames;
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
    layers.control = L.control.layers(base, overlays, { collapsed: narrow, position: "topright" }).addTo(map);
    legendControl(text, !narrow).addTo(map);
    map.on("baselayerchange", function (e) { layers.departements.show(e.layer === rateLayer ? "rate" : "status"); });
    map.on("baselayerchange overlayadd overlayremove", syncLegends);
    syncLegends();
  }

  // Keep the shapes clear of the controls on the right (layers, legends) when the map is
  // wide enough to spare their width; without animation, so that the view is final when the
  // page says it is ready. On the left, clear the zoom buttons, which would sit on the first
  // inset's label. On a narrow map (a phone, taller than wide) the controls are cleared
  // from above instead, which costs no width.
  function fitView(map, bounds, narrow) {
    map.invalidateSize();
    var width = map.getSize().x;
    var controls = map.getContainer().querySelector(".leaflet-top.leaflet-right");
    var padRight = controls ? controls.offsetWidth + 8 : 8;
    if (narrow || width - padRight < 0.6 * width) padRight = 8;
    var zoom = map.getContainer().querySelector(".leaflet-control-zoom");
    var padLeft = zoom ? zoom.offsetWidth + 16 : 8, padTop = 8, padBottom = 8;
    if (narrow) {
      // Every pixel of width counts: a finer zoom step than the page's quarter; the bottom
      // quarter is kept for a tapped département's figures (phone.js).
      map.options.zoomSnap = 0.05;
      padTop = Math.max(zoom ? zoom.offsetTop + zoom.offsetHeight : 0, controls ? controls.offsetHeight : 0) + 8;
      padLeft = 8;
      padBottom = Math.round(0.25 * map.getSize().y);
    }
    var options = { paddingTopLeft: [padLeft, padTop], paddingBottomRight: [padRight, padBottom], animate: false };
    // Framed again to the same view (a feature's controls took no room from the map): no
    // reset, which would draw every layer again (10,000 services: 40 ms, 160 ms at CPU 4×).
    if (map._loaded && map._getBoundsCenterZoom) {
      var target = map._getBoundsCenterZoom(bounds, options);
      // The map's centre is kept to the pixel: the same view within a pixel is the same.
      var shift = map.project(target.center, target.zoom).distanceTo(map.project(map.getCenter(), target.zoom));
      if (target.zoom === map.getZoom() && shift < 1) return;
    }
    map.fitBounds(bounds, options);
  }

  // The detail drawn at a zoom: the arcs simplified to DETAIL_PX of a pixel (in degrees of
  // longitude: a degree of latitude spans at most 1.6 times as many pixels at France's
  // latitudes, so at most a pixel there), one level per whole zoom, the arcs as embedded (0)
  // from FULL_DETAIL_ZOOM on. Simplified per arc, shared borders stay joined; Leaflet's own
  // simplification of each ring at every redraw is off (smoothFactor 0, BASE_STYLE): with it,
  // the page drew the same picture from these points after simplifying them again to a pixel.
  var DETAIL_PX = 1, FULL_DETAIL_ZOOM = 12;
  function toleranceAt(zoom) {
    var level = Math.ceil(zoom - 1e-9);
    return level >= FULL_DETAIL_ZOOM ? 0 : DETAIL_PX * 360 / (256 * Math.pow(2, level));
  }
  ipsMap.toleranceAt = toleranceAt;

  // The page is drawn in tasks that each stay short (see inSlices): reading the data, then
  // the départements a few at a time, then the other layers; the page says it is ready
  // (html[data-ips-ready]) once everything is drawn. A slice works for up to 30 ms: with the
  // département that ends it, under the 50 ms of a long task; fewer slices mean fewer frames
  // laid out and painted between them (CPU 4×: blocking 437 → 328 ms, drawn 1,728 → 1,642 ms
  // against 8 ms slices, medians of 6 in one run).
  var SLICE_MS = 30;

  // The number formats, made on first use (a tooltip): making them costs more than a
  // slice of the page's drawing, and nothing needs them before someone points at the map.
  function lazyFormats(locale) {
    var made = null;
    function get() { return made || (made = ipsMap.numberFormats(locale)); }
    return {
      get integer() { return get().integer; },
      get decimal() { return get().decimal; }
    };
  }

  // After the next frame is drawn: reading the layout then does not force it.
  function afterFrame(fn) {
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(function () { later(fn); });
    else later(fn);
  }

  // The map is made without a view (see BareMap): the page is first laid out and painted by
  // the browser, then the script reads the map's size and draws.
  function init(map, dataId) {
    afterFrame(function () { start(map, dataId); });
  }

  // Each step in its own task: the data, the arcs, the services and frames, the controls
  // and the view, the départements in slices, the changes and frames, the services.
  function start(map, dataId) {
    var data = JSON.parse(document.getElementById(dataId).textContent);
    var labels = data.labels, layers = {}, table;
    var page = { labels: labels, formats: lazyFormats(labels.locale), evolution: data.evolution };
    var narrow = map.getSize().x < 640;
    later(function () {
      layers.departements = drawDepartements(data, page, new ipsMap.Topology(data.topology));
      later(prepare);
    });
    function prepare() {
      table = new ipsMap.ServiceTable(data.services);
      layers.frames = drawFrames(data.frames);
      layers.changes = data.evolution ? L.layerGroup() : null;
      layers.services = new ipsMap.PointLayer(table, labels, { pane: data.panes.services });
      later(place);
    }
    function place() {
      addControls(map, layers, labels.text, narrow);
      afterFrame(view);
    }
    function view() {
      // The view is set before the shapes are added, so that they are drawn once; their pane
      // is kept out of the rendering until all are in, so that the frames between slices
      // don't lay out and paint a growing drawing.
      fitView(map, data.bounds, narrow);
      layers.departements.detail.tolerance = toleranceAt(map.getZoom());
      layers.departements.detail.map = map;
      map.on("zoomend", function () { layers.departements.refine(toleranceAt(map.getZoom())); });
      map.getPane("overlayPane").style.display = "none";
      layers.departements.group.addTo(map);
      inSlices(layers.departements.rows, layers.departements.add, SLICE_MS, finish);
    }
    function finish() {
      var shapes = layers.departements.shapes;
      map.getPane("overlayPane").style.display = "";
      if (layers.changes) drawChanges(shapes, data.panes.changes, layers.changes).addTo(map);
      layers.frames.addTo(map);
      later(services);
    }
    function services() {
      ipsMap.state = {
        departements: layers.departements.shapes.length, services: table.count, frames: data.frames.length,
        changes: layers.changes ? layers.changes.getLayers().length / 2 : 0
      };
      ipsMap.services = table;
      ipsMap.markers = layers.services;
      // The layers drawn by other files (hatching, région borders), each in its own task;
      // then the services, and the map is drawn (data-ips-ready); then the page's other
      // features (keyboard, tables, search…), each in its own task (data-ips-features once
      // all have run). The services' canvas comes last, in the task that says the map is
      // drawn: in Chromium without a GPU, each frame after a change to the map copied the
      // canvas whole, unchanged as it was (ProduceCanvasResource, about 50 ms at CPU 4×,
      // twice before the map was drawn when the services came before the other layers).
      ready(makeApp(map, data, page, layers, table), function () {
        layers.services.addTo(map);
        document.documentElement.setAttribute("data-ips-ready", "1");
      }, function () {
        document.documentElement.setAttribute("data-ips-features", "1");
      });
    }
  }

  // Markup that waits in <noscript class="ips-deferred"> elements (the panel's list of the
  // départements without a service, the tables), shown as it is without JavaScript; with it,
  // its text is the markup (written escaped by the build), parsed once the map is drawn: the
  // first of the page's features.
  // Each file may finish that markup before it is in the page (ipsMap.beforeReveal(fn):
  // fn(fragment, app)): a column added to a table of 10,000 rows once in the page would lay
  // the whole table out again at every frame while it is added.
  var finishing = [];
  ipsMap.beforeReveal = function (fn) { finishing.push(fn); };
  function revealDeferred(app) {
    Array.prototype.forEach.call(document.querySelectorAll("noscript.ips-deferred"), function (box) {
      var template = document.createElement("template");
      template.innerHTML = box.textContent;
      finishing.forEach(function (fn) { fn(template.content, app); });
      box.parentNode.replaceChild(template.content, box);
    });
  }

  // What the page's other features (tables, search, keyboard) get once the map is drawn:
  // the map, the data, the départements by code, and two ways to show one thing on the map.
  function makeApp(map, data, page, layers, table) {
    var byDepartement = {};
    layers.departements.shapes.forEach(function (x) { byDepartement[x.d.code] = x; });
    return {
      map: map, data: data, page: page, layers: layers, services: table,
      departements: byDepartement,
      // Frame France again clear of the controls, after a feature made them larger.
      refit: function () { fitView(map, data.bounds, map.getSize().x < 640); },
      // Frame the département and open its tooltip; false for an unknown code.
      showDepartement: function (code) {
        var x = byDepartement[code];
        if (!x) return false;
        map.fitBounds(x.shape.getBounds(), { maxZoom: 9, animate: false, padding: [16, 16] });
        x.shape.openTooltip(x.shape.getBounds().getCenter());
        return true;
      },
      // Centre the i-th service (decode.js ServiceTable order) and open its fiche.
      showService: function (i) {
        if (!(i >= 0 && i < table.count)) return false;
        if (!map.hasLayer(layers.services)) layers.services.addTo(map);
        map.setView(table.positions[i], Math.max(map.getZoom(), 9), { animate: false });
        layers.services.openFiche([i]);
        return true;
      }
    };
  }

  // ipsMap.whenReady(fn): fn(app) once the map is drawn (at once if it already is);
  // ipsMap.whenReady(fn, true) for a layer of the map itself, drawn before the map is said
  // to be drawn.
  var app = null, drawing = [], waiting = [];
  function ready(made, drawn, done) {
    app = made;
    ipsMap.app = made;
    function run(fn) { fn(made); }
    inSlices(drawing.splice(0), run, 0, function () {
      drawn();
      // The drawn map is painted first: the other features start after that frame (run
      // before it, their first tasks delayed it, a phone's by their layouts).
      afterFrame(function () { inSlices(waiting.splice(0), run, 0, done); });
    });
  }
  ipsMap.whenReady = function (fn, draws) {
    if (app) fn(app);
    else (draws ? drawing : waiting).push(fn);
  };
  ipsMap.whenReady(revealDeferred);

  ipsMap.init = init;
})(window.ipsMap = window.ipsMap || {});
