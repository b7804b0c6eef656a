/* ips-map: draws the coverage map from the page's JSON data (#ips-data).
 * Every text from the data is set with textContent: nothing is parsed as HTML. */
(function () {
  "use strict";

  // Encoded polyline (see render/_encode.py) to points built by make(lat, lng).
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

  // Rings of the départements, decoded straight into L.LatLng (no intermediate arrays).
  function decodeLatLngs(str) {
    return decode(str, 4, function (lat, lng) { return new L.LatLng(lat, lng); });
  }

  var nf = new Intl.NumberFormat("fr-FR");
  var nf2 = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function row(parent, label, value) {
    if (value === undefined || value === null || value === "") return;
    var line = el("div", "ips-row");
    line.appendChild(el("span", "ips-label", label + " : "));
    line.appendChild(el("span", "ips-value", value));
    parent.appendChild(line);
  }

  function safeUrl(url) {
    return /^https?:\/\//i.test(url || "") ? url : null;
  }

  function link(parent, label, url) {
    var href = safeUrl(url);
    if (!href) { if (url) row(parent, label, url); return; }
    var line = el("div", "ips-row");
    line.appendChild(el("span", "ips-label", label + " : "));
    var a = el("a", null, href.length > 60 ? href.slice(0, 57) + "…" : href);
    a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
    line.appendChild(a);
    parent.appendChild(line);
  }

  function depTooltip(d, labels, evolution) {
    var box = el("div", "ips-tip");
    box.appendChild(el("strong", null, d.n + " (" + d.c + ")"));
    row(box, "Population " + d.y, nf.format(d.p) + " hab." + (d.pn ? " — " + d.pn : ""));
    row(box, "Services actifs", d.a);
    if (d.ty) {
      // Listings that mix types: active services of each type (counted or not).
      var keys = Object.keys(labels.type);
      row(box, "Actifs par type", keys.map(function (k, i) { return labels.type[k] + " " + d.ty[i]; }).join(", "));
    }
    if (d.e) row(box, "Services en projet", d.e);
    row(box, "Statut", labels.status[d.s]);
    row(box, "Services pour 100 000 hab.", d.t === null ? "population inconnue" : nf2.format(d.t));
    // Only the départements that changed since the previous edition carry v / vt.
    if (evolution && d.v) row(box, "Avant", labels.status[d.v] + " (édition du " + evolution.date + ")");
    if (evolution && d.vt !== undefined) {
      row(box, "Taux avant", (d.vt === null ? "population inconnue" : nf2.format(d.vt)) +
        (evolution.census ? " (population " + evolution.census + ")" : ""));
    }
    return box;
  }

  // The services table: columns stored whole, as one constant, or as dictionary + indices.
  function ServiceTable(table) {
    this.n = table.n;
    this.positions = table.n ? decodeRing(table.pos, table.precision) : [];
    this.cols = table.cols;
  }
  ServiceTable.prototype.get = function (name, i) {
    var col = this.cols[name];
    if (col === undefined) return "";
    if (Array.isArray(col)) return col[i];
    if (col.c !== undefined) return col.c;
    return col.d[col.i[i]];
  };
  ServiceTable.prototype.record = function (i) {
    var out = { lat: this.positions[i][0], lon: this.positions[i][1] };
    for (var name in this.cols) out[name] = this.get(name, i);
    return out;
  };

  function servicePopup(table, indices, labels) {
    var box = el("div", "ips-popup");
    indices.forEach(function (i, k) {
      var part = el("div", "ips-popup-service");
      if (k > 0) part.appendChild(el("hr"));
      part.appendChild(el("strong", null, table.get("nom", i)));
      row(part, "Structure", table.get("structure", i));
      row(part, "Type", labels.type[table.get("type", i)] || table.get("type", i));
      row(part, "Statut", labels.serviceStatus[table.get("statut", i)] || table.get("statut", i));
      row(part, "Adresse", table.get("adresse", i));
      row(part, "Départements desservis", table.get("desservis", i));
      row(part, "Téléphone", table.get("tel", i));
      link(part, "Site", table.get("site", i));
      link(part, "Source", table.get("source", i));
      row(part, "Placement", labels.method[table.get("methode", i)] || table.get("methode", i));
      box.appendChild(part);
    });
    if (indices.length > 1) box.insertBefore(el("p", "ips-note", indices.length + " services à cet endroit"), box.firstChild);
    return box;
  }

  // Services drawn on one canvas above the départements. The canvas takes no pointer event
  // (the départements below keep their hover); clicks reach the map, and the nearest point
  // within a few pixels opens the popup of every service there. The canvas covers the view
  // with a margin, so that panning redraws only once the view leaves the drawn area; each
  // point is a pre-drawn sprite, and a point whose pixel is already drawn is skipped.
  var PointLayer = L.Layer.extend({
    options: { pane: "ips-services", radius: 5, hit: 8, padding: 0.35 },

    initialize: function (table, labels) {
      // Smaller dots when there are many, so that dense areas stay readable.
      L.setOptions(this, { radius: table.n > 5000 ? 3 : table.n > 500 ? 4 : 5 });
      this._table = table;
      this._labels = labels;
      var n = table.n, p = this._p0 = new Float64Array(2 * n), active = this._active = new Uint8Array(n);
      for (var i = 0; i < n; i++) {
        // Web Mercator pixel at zoom 0 (as L.CRS.EPSG3857 with 256-pixel tiles).
        var lat = Math.max(Math.min(table.positions[i][0], 85.0511287798), -85.0511287798);
        var sin = Math.sin(lat * Math.PI / 180);
        p[2 * i] = 256 * (0.5 + table.positions[i][1] / 360);
        p[2 * i + 1] = 256 * (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI));
        active[i] = table.get("statut", i) === "actif" ? 1 : 0;
      }
    },

    onAdd: function (map) {
      var canvas = this._canvas = L.DomUtil.create("canvas", "ips-services-canvas leaflet-zoom-hide");
      canvas.style.pointerEvents = "none";
      map.getPane(this.options.pane).appendChild(canvas);
      map.on("moveend", this._onMoveEnd, this);
      map.on("zoomend resize viewreset", this._redraw, this);
      map.on("click", this._onClick, this);
      map.on("mousemove", this._onMove, this);
      this._redraw();
    },

    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend", this._onMoveEnd, this);
      map.off("zoomend resize viewreset", this._redraw, this);
      map.off("click", this._onClick, this);
      map.off("mousemove", this._onMove, this);
      map.getContainer().style.cursor = "";
      this._xs = this._ys = null;
    },

    _sprite: function (active, ratio) {
      var r = this.options.radius, size = 2 * r + 4, sprite = document.createElement("canvas");
      sprite.width = sprite.height = Math.ceil(size * ratio);
      var ctx = sprite.getContext("2d");
      ctx.scale(ratio, ratio);
      ctx.beginPath();
      ctx.arc(size / 2, size / 2, r, 0, 2 * Math.PI);
      ctx.fillStyle = active ? "#111111" : "#ffffff";
      ctx.fill();
      ctx.lineWidth = active ? 1.5 : 2;
      ctx.strokeStyle = active ? "#ffffff" : "#111111";
      ctx.setLineDash(active ? [] : [2, 2]);
      ctx.stroke();
      return sprite;
    },

    _onMoveEnd: function () {
      var map = this._map, size = map.getSize(), o = this._origin;
      var view = map.containerPointToLayerPoint([0, 0]);
      if (o && this._zoom === map.getZoom() && view.x >= o.x && view.y >= o.y &&
          view.x + size.x <= o.x + this._w && view.y + size.y <= o.y + this._h) return;
      this._redraw();
    },

    _redraw: function () {
      var map = this._map;
      if (!map) return;
      var size = map.getSize(), ratio = window.devicePixelRatio || 1, canvas = this._canvas;
      var padX = Math.round(size.x * this.options.padding), padY = Math.round(size.y * this.options.padding);
      var w = this._w = size.x + 2 * padX, h = this._h = size.y + 2 * padY;
      var origin = this._origin = map.containerPointToLayerPoint([-padX, -padY]);
      this._zoom = map.getZoom();
      L.DomUtil.setPosition(canvas, origin);
      if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
        canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
        canvas.style.width = w + "px"; canvas.style.height = h + "px";
      }
      if (!this._sprites || this._ratio !== ratio) {
        this._sprites = [this._sprite(false, ratio), this._sprite(true, ratio)];
        this._ratio = ratio;
      }
      var ctx = canvas.getContext("2d");
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      var scale = Math.pow(2, this._zoom), pixelOrigin = map.getPixelOrigin();
      var dx = pixelOrigin.x + origin.x, dy = pixelOrigin.y + origin.y;
      var n = this._table.n, p = this._p0, r = this.options.radius, half = r + 2, side = 2 * r + 4;
      var xs = this._xs = new Float32Array(n), ys = this._ys = new Float32Array(n);
      var taken = new Uint8Array(w * h), drawn = 0;
      for (var pass = 0; pass < 2; pass++) {  // planned first, active on top
        var sprite = this._sprites[pass];
        for (var i = 0; i < n; i++) {
          var x = p[2 * i] * scale - dx, y = p[2 * i + 1] * scale - dy;
          xs[i] = x; ys[i] = y;
          if (this._active[i] !== pass || x < -half || y < -half || x > w + half || y > h + half) continue;
          var cell = (Math.round(y) * w + Math.round(x));
          if (x >= 0 && y >= 0 && x < w && y < h) {
            if (taken[cell] & (1 << pass)) continue;
            taken[cell] |= 1 << pass;
          }
          ctx.drawImage(sprite, x - half, y - half, side, side);
          drawn++;
        }
      }
      this._drawnCount = drawn;
    },

    // Container point of the i-th service (tests and hit testing).
    containerPoint: function (i) {
      if (!this._xs) return null;
      var corner = this._map.layerPointToContainerPoint(this._origin);
      return { x: this._xs[i] + corner.x, y: this._ys[i] + corner.y };
    },

    // Indices of the services under a container point: the nearest within reach, and every
    // service at the same position.
    _hits: function (point) {
      var xs = this._xs, ys = this._ys;
      if (!xs) return [];
      var corner = this._map.layerPointToContainerPoint(this._origin);
      var px = point.x - corner.x, py = point.y - corner.y;
      var best = -1, bestD = this.options.hit * this.options.hit;
      for (var i = 0; i < xs.length; i++) {
        var ddx = xs[i] - px, ddy = ys[i] - py, d = ddx * ddx + ddy * ddy;
        if (d <= bestD) { bestD = d; best = i; }
      }
      if (best < 0) return [];
      var same = [];
      for (var j = 0; j < xs.length; j++) {
        if (Math.abs(xs[j] - xs[best]) < 0.5 && Math.abs(ys[j] - ys[best]) < 0.5) same.push(j);
      }
      return same;
    },

    _onClick: function (e) {
      var hits = this._hits(e.containerPoint);
      if (!hits.length) return;
      L.popup({ maxWidth: 320, maxHeight: 360 })
        .setLatLng(this._table.positions[hits[0]])
        .setContent(servicePopup(this._table, hits, this._labels))
        .openOn(this._map);
    },

    _onMove: function (e) {
      this._map.getContainer().style.cursor = this._hits(e.containerPoint).length ? "pointer" : "";
    }
  });

  function init(map, dataId) {
    var data = JSON.parse(document.getElementById(dataId).textContent);
    var colours = data.colours, labels = data.labels;
    // One set of shapes, recoloured for each view; the two base layers are empty switches.
    var statusLayer = L.layerGroup(), rateLayer = L.layerGroup(), departements = L.layerGroup();
    var base = { weight: 0.6, color: "#ffffff", opacity: 1, fillOpacity: 0.9 };
    var view = "status";

    function fillOf(d) {
      if (view === "status") return colours.status[d.s];
      if (d.k < 0) return colours.noData;
      if (d.k === 0) return colours.rateZero;
      return colours.rate[d.k - 1];
    }

    var shapes = data.deps.map(function (d) {
      var latlngs = d.g.map(function (poly) { return poly.map(function (ring) { return decodeLatLngs(ring); }); });
      var shape = L.polygon(latlngs, L.extend({}, base, { fillColor: fillOf(d), className: "ips-dep ips-dep-" + d.c }));
      shape.bindTooltip(function () { return depTooltip(d, labels, data.evolution); }, { sticky: true, direction: "top" });
      shape.on("mouseover", function () { shape.setStyle({ weight: 2, color: "#222222" }); shape.bringToFront(); });
      shape.on("mouseout", function () { shape.setStyle({ weight: base.weight, color: base.color }); });
      departements.addLayer(shape);
      return { d: d, shape: shape };
    });

    var frames = L.layerGroup();
    data.frames.forEach(function (f) {
      frames.addLayer(L.rectangle([[f.b[1], f.b[0]], [f.b[3], f.b[2]]], {
        color: "#555555", weight: 1, dashArray: "4 3", fill: false, interactive: false, className: "ips-frame"
      }));
      // The label sits in the band kept free at the top of the frame.
      frames.addLayer(L.tooltip({ permanent: true, direction: "center", className: "ips-frame-label", interactive: false })
        .setLatLng([f.b[3] - (f.b[3] - f.b[1]) * 0.075, (f.b[0] + f.b[2]) / 2])
        .setContent(f.l));
    });

    // Départements whose status changed since the previous edition: a thick outline (solid
    // towards coverage, dashed away from it) over a white halo, drawn from the département's
    // own LatLngs, so that no geometry is embedded or decoded twice. The pane sits above the
    // départements and takes no pointer event: hovering still reaches them.
    var changes = null;
    if (data.evolution) {
      var changesPane = map.createPane("ips-changes");
      changesPane.style.zIndex = 420;
      changesPane.style.pointerEvents = "none";
      changes = L.layerGroup();
      shapes.forEach(function (x) {
        if (!x.d.v) return;
        var latlngs = x.shape.getLatLngs(), gain = x.d.vs === "+";
        var line = { pane: "ips-changes", interactive: false, fill: false, lineJoin: "round" };
        changes.addLayer(L.polygon(latlngs, L.extend({}, line, {
          color: "#ffffff", weight: 6, opacity: 0.9, className: "ips-changed-halo"
        })));
        changes.addLayer(L.polygon(latlngs, L.extend({}, line, {
          color: "#111111", weight: 3, opacity: 1, dashArray: gain ? null : "7 5",
          className: "ips-changed ips-changed-" + x.d.c + (gain ? " ips-changed-gain" : " ips-changed-loss")
        })));
      });
    }

    map.createPane("ips-services").style.zIndex = 450;
    var table = new ServiceTable(data.services);
    var markers = new PointLayer(table, labels);

    var layerOf = { status: statusLayer, rate: rateLayer, services: markers };
    var overlays = { "Services": markers };
    if (changes) { overlays["Évolutions"] = changes; layerOf.changes = changes; }
    overlays["Cadres outre-mer"] = frames;
    function syncLegends() {
      Object.keys(layerOf).forEach(function (key) {
        var node = document.querySelector('.ips-legend[data-layer="' + key + '"]');
        if (node) node.hidden = !map.hasLayer(layerOf[key]);
      });
    }
    statusLayer.addTo(map);
    // On a narrow map (a phone), the layer list and the legends start folded, so that they
    // don't hide France; a tap opens them.
    var narrow = map.getSize().x < 640;
    L.control.layers(
      { "Statut de couverture": statusLayer, "Services pour 100 000 hab.": rateLayer },
      overlays,
      { collapsed: narrow, position: "topright" }
    ).addTo(map);
    var legendControl = L.control({ position: "topright" });
    legendControl.onAdd = function () {
      var box = el("details", "ips-legends leaflet-control");
      box.open = !narrow;
      box.appendChild(el("summary", null, "Légende"));
      ["legend-status", "legend-rate", "legend-services", "legend-changes"].forEach(function (id) {
        var node = document.getElementById(id);
        if (node) box.appendChild(node);
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legendControl.addTo(map);
    map.on("baselayerchange", function (e) {
      view = e.layer === rateLayer ? "rate" : "status";
      shapes.forEach(function (x) { x.shape.setStyle({ fillColor: fillOf(x.d) }); });
    });
    map.on("baselayerchange overlayadd overlayremove", syncLegends);
    syncLegends();

    // The view is set before the shapes are added, so that they are drawn once.
    map.invalidateSize();
    // Keep the shapes clear of the controls on the right (layers, legends) when the map is
    // wide enough to spare their width; without animation, so that the view is final when
    // the page says it is ready. On the left, clear the zoom buttons, which would sit on the
    // first inset's label.
    var width = map.getSize().x;
    var controls = map.getContainer().querySelector(".leaflet-top.leaflet-right");
    var padRight = controls ? controls.offsetWidth + 8 : 8;
    if (narrow || width - padRight < 0.6 * width) padRight = 8;
    var zoom = map.getContainer().querySelector(".leaflet-control-zoom");
    var padLeft = zoom ? zoom.offsetWidth + 16 : 8;
    map.fitBounds(data.bounds, { paddingTopLeft: [padLeft, 8], paddingBottomRight: [padRight, 8], animate: false });

    departements.addTo(map);
    if (changes) changes.addTo(map);
    frames.addTo(map);
    markers.addTo(map);
    window.ipsMap.state = {
      departements: data.deps.length, services: table.n, frames: data.frames.length,
      changes: changes ? changes.getLayers().length / 2 : 0
    };
    window.ipsMap.services = table;
    window.ipsMap.markers = markers;
    document.documentElement.setAttribute("data-ips-ready", "1");
  }

  window.ipsMap = { init: init, decodeRing: decodeRing };
})();
