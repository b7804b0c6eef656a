/* ips-map, zones d'emploi (--zones-emploi, issue 12): a geography switch (départements or
 * zones d'emploi) beside the layers; the zones, drawn from #ips-zones the first time they are
 * asked for, are coloured by the base layer's view (access.js: the zone's status, its share
 * of inhabitants beyond the threshold, E2SFCA), each a named button with its tooltip. */
(function (ipsMap) {
  "use strict";

  var el = ipsMap.el;  // popups.js

  function zoneTooltip(z, i, text, formats, accessLines) {
    var box = el("div", "ips-tip");
    box.appendChild(el("strong", null, z.name[i] + " (" + ipsMap.fill(text.zone_code, { code: z.code[i] }) + ")"));
    function add(label, value) { ipsMap.accessLine(box, label, value); }
    add(text.departements, z.departements[i]);
    add(text.population, formats.integer.format(z.population[i]));
    add(text.services, z.services[i]);
    add(text.zone_status, text.zone_labels[z.status[i]]);
    accessLines(box, z, i, text, formats);
    return box;
  }

  function drawZones(app, access, group, accessLines) {
    var found = JSON.parse(document.getElementById("ips-zones").textContent), z = found.zones, formats = app.page.formats;
    var text = L.extend({}, access.text, found.text);
    var topology = new ipsMap.Topology(found.topology), shapes = [];
    if (!app.map.getPane("ips-zones")) app.map.createPane("ips-zones").style.zIndex = "405";
    function latLng(lat, lng) { return new L.LatLng(lat, lng); }
    z.code.forEach(function (code, i) {
      var polygon = L.polygon(topology.shape(z.shape[i], latLng, 0), {
        pane: "ips-zones", weight: 0.6, color: "#ffffff", opacity: 1, fillOpacity: 0.9,
        className: "ips-zone ips-zone-" + z.status[i]
      });
      polygon.bindTooltip(function () { return zoneTooltip(z, i, text, formats, accessLines); }, { sticky: true, direction: "top" });
      polygon.on("add", function () {
        var node = polygon.getElement();
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", zoneTooltip(z, i, text, formats, accessLines).textContent);
        node.addEventListener("focus", function () { polygon.openTooltip(polygon.getCenter()); });
        node.addEventListener("blur", function () { polygon.closeTooltip(); });
      });
      group.addLayer(polygon);
      shapes.push({ i: i, shape: polygon });
    });
    // keyboard.js hides from screen readers every shape but the départements' (after each
    // layer added): the zones are named buttons, shown again after it.
    function named() {
      shapes.forEach(function (x) {
        var node = x.shape.getElement();
        if (!node) return;
        node.removeAttribute("aria-hidden");
        var svg = node.ownerSVGElement;
        svg.removeAttribute("aria-hidden");
        svg.setAttribute("role", "group");
        svg.setAttribute("aria-label", text.geo_zones);
      });
    }
    app.map.on("layeradd", function () { ipsMap.later(named); });
    group.on("add", function () { ipsMap.later(named); });
    return { zones: z, shapes: shapes };
  }

  ipsMap.whenReady(function () {
    var kit = ipsMap.accessKit;
    if (!kit || !document.getElementById("ips-zones")) return;
    var app = kit.app, map = app.map, access = kit.access, text = access.text, geography = kit.geography;
    var zoneLayer = kit.layer, departements = app.layers.departements, accessLines = kit.accessLines;
    var view = kit.view, syncLegends = kit.syncLegends;
    function addGeographySwitch() {
      var switcher = L.control({ position: "topright" });
      switcher.onAdd = function () {
        var form = el("fieldset", "ips-geography leaflet-control");
        form.appendChild(el("legend", null, text.geography));
        [["departements", text.geo_departements], ["zones", text.geo_zones]].forEach(function (choice, k) {
          var label = el("label"), input = el("input");
          input.type = "radio"; input.name = "ips-geography"; input.value = choice[0]; input.checked = k === 0;
          input.addEventListener("change", function () { setGeography(choice[0] === "zones"); });
          label.appendChild(input);
          label.appendChild(document.createTextNode(" " + choice[1]));
          form.appendChild(label);
        });
        L.DomEvent.disableClickPropagation(form);
        return form;
      };
      switcher.addTo(map);
      // First in its corner: above the layers, and before them in the Tab order.
      var node = switcher.getContainer(), corner = node.parentNode;
      corner.insertBefore(node, corner.firstChild);
    }
    function setGeography(zones) {
      geography.zones = zones;
      if (zones && !geography.drawn) geography.drawn = drawZones(app, access, zoneLayer, accessLines);
      if (zones) zoneLayer.addTo(map); else map.removeLayer(zoneLayer);
      // Back to the départements: the base layer's own view, as page.js draws it.
      var rate = document.querySelector('.ips-legend[data-layer="rate"]');
      var status = document.querySelector('.ips-legend[data-layer="status"]');
      departements.show(rate && !rate.hidden ? "rate" : "status");
      if (!zones && status && rate) status.hidden = !rate.hidden || view() !== null;
      ipsMap.access.geography = zones ? "zones" : "departements";
      ipsMap.access.zones = geography.drawn ? geography.drawn.shapes.length : 0;
      syncLegends();
    }
    ipsMap.access.setGeography = setGeography;
    // The zones' legend in the legend box, shown in the zones' status view; the
    // départements' status and rate legends hidden while the zones are drawn.
    var zoneLegend = document.getElementById("legend-zones"), box = document.querySelector(".ips-legends");
    if (zoneLegend && box) box.appendChild(zoneLegend);
    geography.legends = function () {
      if (zoneLegend) zoneLegend.hidden = !(geography.zones && view() === "status");
      if (!geography.zones) return;
      ["status", "rate"].forEach(function (key) {
        var node = document.querySelector('.ips-legend[data-layer="' + key + '"]');
        if (node) node.hidden = true;
      });
    };
    addGeographySwitch();
    syncLegends();
  });
})(window.ipsMap = window.ipsMap || {});
