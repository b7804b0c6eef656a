/* ips-map, keyboard and screen readers (RGAA 4.1 / WCAG 2.1 AA), once the map is drawn:
 * - the map's controls come first in the Tab order (zoom, services, layers, legend), then
 *   the départements in alphabetical order, each a button named with its tooltip's text;
 *   focus opens its tooltip (Leaflet), Enter or Space frames it, Escape goes back;
 * - the services, drawn on one canvas, are listed in a control ("Services de la carte"):
 *   those in the view, one button each, that centre the service and open its fiche, focus
 *   going to the fiche and back to its button on Escape;
 * - French names for Leaflet's own controls, a visible outline around the focused
 *   département (a layer above the others: the shape's own stroke is half hidden).
 * Attributes are set in short slices after the page is ready: nothing here delays drawing.
 * The wording is here, in WORDING; every text from the data is set as text. */
(function (ipsMap) {
  "use strict";

  var WORDING = {
    services: "Services de la carte",
    services_in_view: "{count} dans la vue",
    services_more: "et {count} autre(s) : zoomez pour les atteindre",
    services_none: "Aucun service dans la vue.",
    help: "Entrée ou Espace : zoomer sur le département. Échap : revenir à la vue précédente.",
    layers: "Couches de la carte",
    close: "Fermer la fiche",
    departements: "Départements, par ordre alphabétique"
  };
  // At most this many services listed at once: a long list is no help, zooming narrows it.
  var MAX_LISTED = 150;
  var FOCUS_PANE = "ips-focus";

  // The tooltip's text on one line: "Loiret (45) : Statut : Non couvert ; Services actifs : 0 ; …".
  function tooltipText(box) {
    var title = box.querySelector("strong"), parts = [];
    box.querySelectorAll(".ips-row").forEach(function (row) { parts.push(row.textContent); });
    return (title ? title.textContent + " : " : "") + parts.join(" ; ");
  }

  // Status first: it is what the map's colours say.
  function departementLabel(x, app) {
    var box = ipsMap.departementTooltip(x.d, app.page), rows = box.querySelectorAll(".ips-row");
    var status = app.data.labels.coverage_status[x.d.status];
    rows.forEach(function (row) {
      if (row.lastChild && row.lastChild.textContent === status) box.insertBefore(row, box.children[1] || null);
    });
    return tooltipText(box);
  }

  // Leaflet's controls precede the map's panes in the page, so that Tab reaches them first.
  function controlsFirst(map) {
    var container = map.getContainer(), controls = container.querySelector(".leaflet-control-container");
    if (controls && container.firstChild !== controls) container.insertBefore(controls, container.firstChild);
    var toggle = container.querySelector(".leaflet-control-layers-toggle");
    if (toggle) { toggle.title = WORDING.layers; toggle.setAttribute("aria-label", WORDING.layers); }
    var list = container.querySelector(".leaflet-control-layers");
    if (list) { list.setAttribute("role", "group"); list.setAttribute("aria-label", WORDING.layers); }
  }

  // Shapes drawn for the eye only (frames, changes' outlines) are hidden from screen readers.
  function hideDecorations(map) {
    map.getContainer().querySelectorAll("svg path:not(.ips-dep), canvas, svg").forEach(function (node) {
      if (!node.querySelector || !node.querySelector("path.ips-dep")) node.setAttribute("aria-hidden", "true");
    });
  }

  function focusOutline(app) {
    var map = app.map, pane = map.getPane(FOCUS_PANE) || map.createPane(FOCUS_PANE), outline = null;
    pane.style.zIndex = 430;
    pane.style.pointerEvents = "none";
    return {
      show: function (shape) {
        this.hide();
        var latlngs = shape.getLatLngs(), line = { pane: FOCUS_PANE, interactive: false, fill: false };
        outline = L.layerGroup([
          L.polygon(latlngs, L.extend({}, line, { color: "#ffffff", weight: 7, className: "ips-focus-halo" })),
          L.polygon(latlngs, L.extend({}, line, { color: "#111111", weight: 3.5, className: "ips-focus-ring" }))
        ]).addTo(map);
        outline.eachLayer(function (layer) { layer.getElement().setAttribute("aria-hidden", "true"); });
      },
      hide: function () { if (outline) { outline.remove(); outline = null; } }
    };
  }

  // The départements' paths in alphabetical order, in the page and so in the Tab order;
  // hovering brings a shape to the front (page.js), leaving puts it back in its place.
  function departements(app) {
    var collator = new Intl.Collator("fr"), list = Object.keys(app.departements).map(function (code) {
      return app.departements[code];
    });
    list.sort(function (a, b) { return collator.compare(a.d.name, b.d.name) || collator.compare(a.d.code, b.d.code); });
    var first = list[0].shape.getElement(), svg = first.ownerSVGElement, group = first.parentNode;
    svg.setAttribute("role", "group");
    svg.setAttribute("aria-label", WORDING.departements);
    var help = ipsMap.el("p", "ips-sr-only", WORDING.help);
    help.id = "ips-kbd-help";
    app.map.getContainer().appendChild(help);
    // The shapes drawn over the départements (the frames) stay after them, on top.
    var others = Array.prototype.filter.call(group.childNodes, function (node) {
      return !(node.classList && node.classList.contains("ips-dep"));
    });
    list.forEach(function (x) { group.appendChild(x.shape.getElement()); });
    others.forEach(function (node) { group.appendChild(node); });
    var tail = others[0] || null;
    var outline = focusOutline(app), before = null;
    function restore(k) {
      var path = list[k].shape.getElement(), next = k + 1 < list.length ? list[k + 1].shape.getElement() : tail;
      if (path.nextSibling !== next && document.activeElement !== path) group.insertBefore(path, next);
    }
    ipsMap.inSlices(list.map(function (x, k) { return k; }), function (k) {
      var x = list[k], path = x.shape.getElement();
      path.setAttribute("tabindex", "0");
      path.setAttribute("role", "button");
      path.setAttribute("aria-label", departementLabel(x, app));
      path.setAttribute("aria-describedby", help.id);
      x.shape.on("mouseout", function () { restore(k); });
      // Leaflet opens the tooltip on focus and then points aria-describedby at it: the name
      // already says it all, so the description goes back to the help.
      x.shape.on("tooltipopen", function () {
        ipsMap.later(function () { path.setAttribute("aria-describedby", help.id); });
      });
      L.DomEvent.on(path, "focus", function () { outline.show(x.shape); });
      L.DomEvent.on(path, "blur", function () { outline.hide(); restore(k); });
      L.DomEvent.on(path, "keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") {
          L.DomEvent.preventDefault(e);
          if (!before) before = { center: app.map.getCenter(), zoom: app.map.getZoom() };
          app.showDepartement(x.d.code);
          outline.show(x.shape);
        } else if (e.key === "Escape") {
          x.shape.closeTooltip();
          if (before) { app.map.setView(before.center, before.zoom, { animate: false }); before = null; }
        }
      });
    }, 8, function () { app.map.getContainer().setAttribute("data-ips-keyboard", "1"); });
  }

  // A service's line in the list: its name, status and address.
  function serviceText(table, labels, i) {
    var status = labels.service_status[table.get("status", i)] || table.get("status", i);
    var address = table.get("address", i);
    return table.get("name", i) + " (" + String(status).toLowerCase() + ")" + (address ? " — " + address : "");
  }

  // Indices of the services in the view (all those of the list's places), in the table's order.
  function indicesInView(app) {
    var bounds = app.map.getBounds(), table = app.services, found = [];
    for (var i = 0; i < table.count; i++) if (bounds.contains(table.positions[i])) found.push(i);
    return found;
  }

  // The services in the view, sorted by name.
  function servicesInView(app) {
    var table = app.services, found = indicesInView(app), collator = new Intl.Collator("fr");
    found.sort(function (a, b) { return collator.compare(String(table.get("name", a)), String(table.get("name", b))); });
    return found;
  }

  // A foldable control listing the services in the view; its list is made when opened and
  // after each move, unless the focus is inside it (a button centring its service moves the
  // map: the list the reader is in stays as it is).
  var SETTLE_MS = 200;
  function servicesControl(app) {
    var control = L.control({ position: "topleft" }), box, list, count;
    control.onAdd = function () {
      box = ipsMap.el("details", "ips-kbd-services leaflet-control");
      var summary = ipsMap.el("summary", null, WORDING.services);
      count = ipsMap.el("span", "ips-kbd-count");
      summary.appendChild(document.createTextNode(" "));
      summary.appendChild(count);
      box.appendChild(summary);
      list = ipsMap.el("ul");
      box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      box.addEventListener("toggle", function () { if (box.open) fill(); });
      return box;
    };
    function fill() {
      if (!box.open) {
        count.textContent = "(" + ipsMap.fill(WORDING.services_in_view, { count: indicesInView(app).length }) + ")";
        return;
      }
      var found = servicesInView(app), labels = app.data.labels;
      count.textContent = "(" + ipsMap.fill(WORDING.services_in_view, { count: found.length }) + ")";
      list.textContent = "";
      if (!found.length) list.appendChild(ipsMap.el("li", null, WORDING.services_none));
      found.slice(0, MAX_LISTED).forEach(function (i) {
        var item = ipsMap.el("li"), button = ipsMap.el("button", null, serviceText(app.services, labels, i));
        button.type = "button";
        button.setAttribute("data-service", String(i));
        button.addEventListener("click", function () { openFiche(app, i, button, box); });
        item.appendChild(button);
        list.appendChild(item);
      });
      if (found.length > MAX_LISTED) {
        list.appendChild(ipsMap.el("li", "ips-note", ipsMap.fill(WORDING.services_more, { count: found.length - MAX_LISTED })));
      }
    }
    control.addTo(app.map);
    // After the map has stopped moving for a moment: a pan is many moves, and the list (or
    // its count) is read once it stops, not at each frame.
    var pending = null;
    function busy() { return box.contains(document.activeElement) || box.hasAttribute("data-fiche"); }
    app.map.on("moveend", function () {
      if (busy()) return;
      if (pending !== null) clearTimeout(pending);
      pending = setTimeout(function () { pending = null; if (!busy()) fill(); }, SETTLE_MS);
    });
    fill();
    return control;
  }

  // Centre the service, open its fiche and move the focus into it; Escape closes it and
  // gives the focus back to the button.
  function openFiche(app, i, opener, list) {
    app.showService(i);
    var popup = app.map._popup, node = popup && popup.getElement();
    if (!node) return;
    // The list stays as it is while the fiche is open, and the fiche clear of the list.
    list.setAttribute("data-fiche", String(i));
    var over = list.getBoundingClientRect().right + 8 - node.getBoundingClientRect().left;
    if (over > 0) app.map.panBy([-over, 0], { animate: false });
    var content = node.querySelector(".leaflet-popup-content");
    content.setAttribute("tabindex", "-1");
    content.setAttribute("role", "dialog");
    content.setAttribute("aria-label", String(app.services.get("name", i)));
    content.focus({ preventScroll: true });
    content.addEventListener("keydown", function (e) { if (e.key === "Escape") app.map.closePopup(popup); });
    function back() {
      app.map.off("popupclose", onClose);
      list.removeAttribute("data-fiche");
      if (opener.isConnected) opener.focus({ preventScroll: true });
    }
    function onClose(e) { if (e.popup === popup) back(); }
    app.map.on("popupclose", onClose);
  }

  // Leaflet names its popups' close button in English.
  function frenchPopups(map) {
    map.on("popupopen", function (e) {
      var close = e.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", WORDING.close); close.title = WORDING.close; }
    });
  }

  ipsMap.whenReady(function (app) {
    servicesControl(app);
    controlsFirst(app.map);
    frenchPopups(app.map);
    hideDecorations(app.map);
    app.map.on("layeradd", function () { ipsMap.later(function () { hideDecorations(app.map); }); });
    ipsMap.later(function () { departements(app); });
  });
  ipsMap.departementLabel = departementLabel;
})(window.ipsMap = window.ipsMap || {});
