/* ips-map: draws the coverage map from the page's JSON data (#ips-data).
 * Every text from the data is set with textContent: nothing is parsed as HTML. */
(function () {
  "use strict";

  function decodeRing(str) {
    var points = [], index = 0, lat = 0, lng = 0;
    while (index < str.length) {
      var result = 0, shift = 0, b;
      do { b = str.charCodeAt(index++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lat += (result & 1) ? ~(result >> 1) : (result >> 1);
      result = 0; shift = 0;
      do { b = str.charCodeAt(index++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lng += (result & 1) ? ~(result >> 1) : (result >> 1);
      points.push([lat / 1e4, lng / 1e4]);
    }
    return points;
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

  function depTooltip(d, labels) {
    var box = el("div", "ips-tip");
    box.appendChild(el("strong", null, d.n + " (" + d.c + ")"));
    row(box, "Population " + d.y, nf.format(d.p) + " hab." + (d.pn ? " — " + d.pn : ""));
    row(box, "Services actifs", d.a);
    if (d.e) row(box, "Services en projet", d.e);
    row(box, "Statut", labels.status[d.s]);
    row(box, "Services pour 100 000 hab.", d.t === null ? "population inconnue" : nf2.format(d.t));
    return box;
  }

  function servicePopup(s, i, labels) {
    var box = el("div", "ips-popup");
    box.appendChild(el("strong", null, s.nom[i]));
    row(box, "Structure", s.structure[i]);
    row(box, "Type", labels.type[s.type[i]] || s.type[i]);
    row(box, "Statut", labels.serviceStatus[s.statut[i]] || s.statut[i]);
    row(box, "Adresse", s.adresse[i]);
    row(box, "Départements desservis", s.desservis[i]);
    row(box, "Téléphone", s.tel[i]);
    link(box, "Site", s.site[i]);
    link(box, "Source", s.source[i]);
    row(box, "Placement", labels.method[s.methode[i]] || s.methode[i]);
    return box;
  }

  function init(map, dataId) {
    var data = JSON.parse(document.getElementById(dataId).textContent);
    var colours = data.colours, labels = data.labels;
    var statusLayer = L.layerGroup(), rateLayer = L.layerGroup();
    var base = { weight: 0.6, color: "#ffffff", opacity: 1, fillOpacity: 0.9 };

    function rateColour(k) {
      if (k < 0) return colours.noData;
      if (k === 0) return colours.rateZero;
      return colours.rate[k - 1];
    }

    data.deps.forEach(function (d) {
      var latlngs = d.g.map(function (poly) { return poly.map(decodeRing); });
      [[statusLayer, colours.status[d.s]], [rateLayer, rateColour(d.k)]].forEach(function (pair) {
        var shape = L.polygon(latlngs, L.extend({}, base, { fillColor: pair[1], className: "ips-dep ips-dep-" + d.c }));
        shape.bindTooltip(function () { return depTooltip(d, labels); }, { sticky: true, direction: "top" });
        shape.on("mouseover", function () { shape.setStyle({ weight: 2, color: "#222222" }); shape.bringToFront(); });
        shape.on("mouseout", function () { shape.setStyle({ weight: base.weight, color: base.color }); });
        pair[0].addLayer(shape);
      });
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

    // Markers get their own SVG renderer in a pane above the départements: a canvas (or a
    // renderer in the same pane) sits under the départements' SVG, which hides the markers
    // and takes their clicks; a canvas above would take every hover from the départements.
    // An SVG renderer's empty area lets events through to the shapes below.
    map.createPane("ips-services").style.zIndex = 450;
    var s = data.services, markers = L.layerGroup();
    var renderer = L.svg({ pane: "ips-services", padding: 0.2 });
    for (var i = 0; i < s.lat.length; i++) {
      var active = s.statut[i] === "actif";
      var marker = L.circleMarker([s.lat[i], s.lon[i]], {
        renderer: renderer, radius: 5, weight: active ? 1.5 : 2, color: active ? "#ffffff" : "#111111",
        fillColor: active ? "#111111" : "#ffffff", fillOpacity: 1, dashArray: active ? null : "2 2",
        className: "ips-service"
      });
      marker.bindPopup((function (k) { return function () { return servicePopup(s, k, labels); }; })(i), { maxWidth: 320 });
      markers.addLayer(marker);
    }

    statusLayer.addTo(map);
    frames.addTo(map);
    markers.addTo(map);

    var layerOf = { status: statusLayer, rate: rateLayer, services: markers };
    function syncLegends() {
      Object.keys(layerOf).forEach(function (key) {
        var node = document.querySelector('.ips-legend[data-layer="' + key + '"]');
        if (node) node.hidden = !map.hasLayer(layerOf[key]);
      });
    }
    L.control.layers(
      { "Statut de couverture": statusLayer, "Services pour 100 000 hab.": rateLayer },
      { "Services": markers, "Cadres outre-mer": frames },
      { collapsed: false, position: "topright" }
    ).addTo(map);
    var legendControl = L.control({ position: "topright" });
    legendControl.onAdd = function () {
      var box = el("div", "ips-legends leaflet-control");
      ["legend-status", "legend-rate", "legend-services"].forEach(function (id) {
        var node = document.getElementById(id);
        if (node) box.appendChild(node);
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    legendControl.addTo(map);

    map.on("baselayerchange overlayadd overlayremove", syncLegends);
    syncLegends();

    map.invalidateSize();
    // Keep the shapes clear of the controls on the right (layers, legends) when the map is
    // wide enough to spare their width; without animation, so that the view is final when
    // the page says it is ready.
    var width = map.getSize().x;
    var controls = map.getContainer().querySelector(".leaflet-top.leaflet-right");
    var padRight = controls ? controls.offsetWidth + 8 : 8;
    if (width - padRight < 0.6 * width) padRight = 8;
    map.fitBounds(data.bounds, { paddingTopLeft: [8, 8], paddingBottomRight: [padRight, 8], animate: false });
    window.ipsMap.state = { departements: data.deps.length, services: s.lat.length, frames: data.frames.length };
    document.documentElement.setAttribute("data-ips-ready", "1");
  }

  window.ipsMap = { init: init, decodeRing: decodeRing };
})();
