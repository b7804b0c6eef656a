/* ips-map, access (issue 12): layers drawn from #ips-access once the map is drawn, each
 * built when the reader first switches to it: the share of inhabitants beyond the first
 * threshold and E2SFCA per département (base layers: the départements recoloured, their
 * tooltips given the access figures), the far-away inhabitants on a hexagonal grid, the
 * computed suggestions (markers with a fiche), and with --zones-emploi a geography switch
 * to the zones d'emploi (#ips-zones). Every text from the data is set with textContent. */
(function (ipsMap) {
  "use strict";

  var el = ipsMap.el;  // popups.js

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function pane(map, name, zIndex, pointer) {
    var node = map.getPane(name) || map.createPane(name);
    node.style.zIndex = String(zIndex);
    if (!pointer) node.style.pointerEvents = "none";
    return name;
  }

  // Class k (0…breaks.length) of a value: the first upper bound it does not exceed.
  function classOf(value, breaks) {
    for (var k = 0; k < breaks.length; k++) if (value <= breaks[k]) return k;
    return breaks.length;
  }
  function farColour(classes, share) {
    return share === null ? "#aaaaaa" : classes.far.colours[classOf(share, classes.far.breaks)];
  }
  function e2sfcaColour(classes, value) {
    var c = classes.e2sfca;
    if (value === null) return "#aaaaaa";
    if (value <= 0 || !c.breaks.length) return c.zero;
    return c.colours[Math.min(classOf(value, c.breaks), c.colours.length - 1)];
  }

  // Lambert-93 inverted (render/_hexes.py gives the cone's constants): metres to latitude,
  // longitude in degrees.
  function lambertInverse(p) {
    var rad = Math.PI / 180, e = p.e;
    return function (x, y) {
      var dx = x - p.x0, dy = p.rho0 - (y - p.y0);
      var tt = Math.pow(Math.sqrt(dx * dx + dy * dy) / p.aF, 1 / p.n);
      var lon = Math.atan2(dx, dy) / p.n + p.lon0 * rad, phi = Math.PI / 2 - 2 * Math.atan(tt);
      for (var i = 0; i < 8; i++) {
        var s = e * Math.sin(phi);
        phi = Math.PI / 2 - 2 * Math.atan(tt * Math.pow((1 - s) / (1 + s), e / 2));
      }
      return [phi / rad, lon / rad];
    };
  }
  function affineInverse(a) {
    return function (x, y) {
      var ll = L.Projection.SphericalMercator.unproject(L.point(a[0] * x + a[1] * y + a[2], a[3] * x + a[4] * y + a[5]));
      return [ll.lat, ll.lng];
    };
  }

  // The hexagons of one grid (render/_hexes.py): runs of cells in a column, each run's first
  // (q, r) decoded as a point of one arc of a topology (decode.js) and its length; each cell
  // with its class; the corners as _hexes.py makes them.
  // A cell's class: two cells to a character (render/_hexes.py cell_classes).
  function level(classes, i) {
    var code = classes.charCodeAt(i >> 1) - 65;
    return i % 2 ? code % 5 : Math.floor(code / 5);
  }
  function gridCells(grid) {
    var runs = grid.lengths, starts = new ipsMap.Topology({ lengths: [runs.length], arcs: grid.runs, precision: 0 }).decodeAll();
    var toLatLng = grid.lambert ? lambertInverse(grid.lambert) : affineInverse(grid.affine);
    var R = grid.radius, cells = [];
    runs.forEach(function (length, j) {
      for (var k = 0; k < length; k++) {
        var q = starts[2 * j], r = starts[2 * j + 1] + k, cx = 1.5 * R * q, cy = Math.sqrt(3) * R * (r + q / 2), ring = [];
        for (var c = 0; c < 6; c++) ring.push(toLatLng(cx + R * Math.cos(Math.PI / 3 * c), cy + R * Math.sin(Math.PI / 3 * c)));
        cells.push({ latlngs: ring, level: level(grid.classes, cells.length), q: q, r: r });
      }
    });
    return cells;
  }
  ipsMap.hexCells = gridCells;

  function drawHexes(app, access, group) {
    var classes = access.classes.hexes, text = access.text;
    var renderer = L.canvas({ pane: pane(app.map, "ips-hexes", 430, true), padding: 0.2 });
    var count = 0;
    access.hexes.forEach(function (grid) {
      gridCells(grid).forEach(function (cell) {
        var polygon = L.polygon(cell.latlngs, {
          renderer: renderer, weight: 0.5, color: "#ffffff", opacity: 0.8, fillOpacity: 0.85,
          fillColor: classes.colours[cell.level]
        });
        polygon.bindTooltip(function () {
          var box = el("div", "ips-tip");
          box.appendChild(el("strong", null, ipsMap.fill(text.hex, { population: classes.labels[cell.level] })));
          box.appendChild(el("div", "ips-note", text.hex_note));
          return box;
        }, { sticky: true, direction: "top" });
        group.addLayer(polygon);
        count++;
      });
    });
    ipsMap.access.hexes = count;
  }

  // A line "label : value" of a tooltip or a fiche.
  function line(box, label, value) {
    var row = el("div", "ips-row");
    row.appendChild(el("span", "ips-label", label + " : "));
    row.appendChild(el("span", "ips-value", value));
    box.appendChild(row);
  }
  ipsMap.accessLine = line;

  function suggestionFiche(s, i, text, formats) {
    var box = el("div", "ips-popup ips-suggestion-fiche");
    box.appendChild(el("strong", null, ipsMap.fill(text.suggestion, { rank: s.rank[i] })));
    line(box, text.commune, s.commune[i] + " (" + s.code_commune[i] + ")");
    line(box, text.departement, s.departement[i] + " (" + s.code_departement[i] + ")");
    line(box, text.zone, s.zone[i] + " (" + s.code_zone[i] + ")");
    line(box, text.added, formats.integer.format(s.added[i]));
    line(box, text.total, formats.integer.format(s.total[i]));
    line(box, text.method, s.method);  // one text: every suggestion is computed the same way
    return box;
  }

  function drawSuggestions(app, access, group, markers) {
    var s = access.suggestions, text = access.text, formats = app.page.formats;
    pane(app.map, "ips-suggestions", 640, true);
    s.rank.forEach(function (rank, i) {
      var icon = L.divIcon({ className: "ips-suggestion", html: "", iconSize: [22, 22] });
      var marker = L.marker([s.lat[i], s.lon[i]], {
        icon: icon, keyboard: true, pane: "ips-suggestions",
        title: ipsMap.fill(text.suggestion, { rank: rank }) + " : " + s.commune[i]
      });
      marker.on("add", function () {
        var node = marker.getElement();
        node.textContent = String(rank);
        node.setAttribute("aria-label", ipsMap.fill(text.suggestion, { rank: rank }) + " : " + s.commune[i]);
      });
      marker.bindPopup(function () { return suggestionFiche(s, i, text, formats); });
      group.addLayer(marker);
      markers.push(marker);
    });
  }

  // Lines of access figures under a tooltip (a département's or a zone's).
  function accessLines(box, f, i, text, formats) {
    function add(label, value) { line(box, label, value); }
    var pct = function (v) { return formats.decimal.format(v / 10) + "\u00a0%"; };
    if (f.dist[i] === null) add(text.dist, text.not_measured);
    else add(text.dist, ipsMap.fill(text.km, { km: formats.integer.format(f.dist[i]) }));
    if (f.far[i] !== null) {
      add(text.far, ipsMap.fill(text.share, { population: formats.integer.format(f.pop[i]), share: pct(f.far[i]) }));
      add(text.far60, pct(f.far60[i]));
    }
    add(text.e2sfca, f.e2sfca[i] === null ? text.not_measured : new Intl.NumberFormat("fr-FR", { maximumSignificantDigits: 3 }).format(f.e2sfca[i]));
  }

  function legend(id) { return document.getElementById(id); }

  // The access data, read once, on first use (after the map is drawn), with the index of
  // each département in it (the page data's order).
  var found = null;
  function accessData() {
    if (found === null) {
      found = readJson("ips-access") || false;
      if (found) {
        found.index = {};
        ipsMap.app.data.departements.code.forEach(function (code, i) { found.index[code] = i; });
      }
    }
    return found;
  }

  // A département's figures say its access too: in its tooltip (page.js makes it when it
  // opens), its name for the keyboard (keyboard.js) and a phone's bottom panel (phone.js),
  // all made by departementTooltip once the map is drawn.
  var tooltip = ipsMap.departementTooltip;
  ipsMap.departementTooltip = function (d, page) {
    var tip = tooltip(d, page), access = ipsMap.app ? accessData() : false;
    var i = access ? access.index[d.code] : undefined;
    if (i !== undefined) accessLines(tip, access.departements, i, access.text, page.formats);
    return tip;
  };

  ipsMap.whenReady(function (app) {
    var access = accessData();
    if (!access) return;
    ipsMap.access = { hexes: 0 };
    var map = app.map, text = access.text, classes = access.classes;
    var f = access.departements, index = access.index;
    var farLayer = L.layerGroup(), e2sfcaLayer = L.layerGroup(), hexLayer = L.layerGroup();
    var suggestionLayer = L.layerGroup(), zoneLayer = L.layerGroup(), markers = [];
    var built = {}, geography = { zones: false, drawn: null };
    var control = app.layers.control;
    control.addBaseLayer(farLayer, text.far_layer);
    control.addBaseLayer(e2sfcaLayer, text.e2sfca_layer);
    control.addOverlay(hexLayer, text.hexes_layer);
    if (access.suggestions.rank.length) control.addOverlay(suggestionLayer, text.suggestions_layer);
    // The layer list is taller now: France framed again clear of it (page.js fitView).
    if (app.refit) ipsMap.later(app.refit);  // once its legends are in the legend box too

    // The legends, moved into the map's legend box; each shown while its layer is.
    var box = document.querySelector(".ips-legends"), shown = { far: farLayer, e2sfca: e2sfcaLayer, hexes: hexLayer, suggestions: suggestionLayer };
    Object.keys(shown).forEach(function (key) {
      var node = legend("legend-" + key);
      if (node && box) box.appendChild(node);
    });
    function syncLegends() {
      Object.keys(shown).forEach(function (key) {
        var node = legend("legend-" + key);
        if (node) node.hidden = !map.hasLayer(shown[key]);
      });
      if (geography.legends) geography.legends();  // zones.js
    }

    function view() {
      if (map.hasLayer(farLayer)) return "far";
      if (map.hasLayer(e2sfcaLayer)) return "e2sfca";
      return geography.zones ? "status" : null;
    }
    function colourOf(kind, figures, i) {
      if (kind === "far") return farColour(classes, figures.far[i]);
      return e2sfcaColour(classes, figures.e2sfca[i]);
    }
    function recolour() {
      var kind = view();
      if (geography.zones && geography.drawn) {
        geography.drawn.shapes.forEach(function (x) {
          var z = geography.drawn.zones, fill = kind === "far" || kind === "e2sfca" ? colourOf(kind, z, x.i) : classes.zones[z.status[x.i]];
          x.shape.setStyle({ fillColor: fill });
        });
        return;
      }
      if (kind === null) return;
      Object.keys(app.departements).forEach(function (code) {
        var i = index[code];
        if (i !== undefined) app.departements[code].shape.setStyle({ fillColor: colourOf(kind, f, i) });
      });
    }
    // page.js recolours the départements with show(name) on every change of base layer,
    // hatch.js hatches in the "status" view only: an access view is neither.
    var departements = app.layers.departements, previous = departements.show;
    departements.show = function (name) {
      var kind = map.hasLayer(farLayer) ? "far" : map.hasLayer(e2sfcaLayer) ? "e2sfca" : null;
      previous(geography.zones ? "zones" : kind || name);
      recolour();
      syncLegends();
    };

    map.on("overlayadd", function (e) {
      if (e.layer === hexLayer && !built.hexes) { built.hexes = true; drawHexes(app, access, hexLayer); }
      if (e.layer === suggestionLayer && !built.suggestions) { built.suggestions = true; drawSuggestions(app, access, suggestionLayer, markers); }
    });
    map.on("overlayadd overlayremove baselayerchange", syncLegends);

    // "Voir sur la carte" of the panel's suggestions: the layer on, the marker's fiche open.
    Array.prototype.forEach.call(document.querySelectorAll(".ips-show-suggestion"), function (button) {
      button.addEventListener("click", function () {
        if (!map.hasLayer(suggestionLayer)) suggestionLayer.addTo(map);
        if (!built.suggestions) { built.suggestions = true; drawSuggestions(app, access, suggestionLayer, markers); }
        var marker = markers[Number(button.getAttribute("data-suggestion"))];
        if (!marker) return;
        map.setView(marker.getLatLng(), Math.max(map.getZoom(), 8), { animate: false });
        marker.openPopup();
        syncLegends();
      });
    });

    // For zones.js (--zones-emploi): what it needs of this file.
    ipsMap.accessKit = {
      app: app, access: access, geography: geography, layer: zoneLayer, view: view,
      syncLegends: syncLegends, accessLines: accessLines, show: departements.show
    };
    syncLegends();
  });
})(window.ipsMap = window.ipsMap || {});
