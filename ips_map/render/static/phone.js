/* ips-map, the phone: on a narrow map (the same test as page.js), a tapped département's
 * figures show in a panel at the bottom of the map, which covers at most a quarter of it,
 * instead of a tooltip under the finger; the close button, a tap on the sea or a service's
 * fiche hide it. */
(function (ipsMap) {
  "use strict";

  var NARROW = 640;  // px: page.js's narrow map

  function makeSheet(app) {
    var sheet = ipsMap.el("section", "ips-sheet");
    sheet.hidden = true;
    sheet.setAttribute("aria-live", "polite");
    var close = ipsMap.el("button", "ips-sheet-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", app.data.labels.text.close);
    close.title = app.data.labels.text.close;
    var body = ipsMap.el("div", "ips-sheet-body");
    sheet.appendChild(close);
    sheet.appendChild(body);
    app.map.getContainer().appendChild(sheet);
    L.DomEvent.disableClickPropagation(sheet);
    // Nor is a click on the panel one of the map's (two within 200 ms make a double tap).
    L.DomEvent.on(sheet, "click", L.DomEvent.stopPropagation);
    L.DomEvent.disableScrollPropagation(sheet);
    return { node: sheet, body: body, close: close };
  }

  ipsMap.whenReady(function (app) {
    if (app.map.getSize().x >= NARROW) return;
    var sheet = makeSheet(app);
    function hide() { sheet.node.hidden = true; }
    function show(x) {
      sheet.body.textContent = "";
      sheet.body.appendChild(ipsMap.departementTooltip(x.d, app.page));
      sheet.node.hidden = false;
    }
    // Whatever opens a département's tooltip (a tap, the focus, app.showDepartement) fills
    // the panel instead: the tooltip stays bound, and never opens.
    Object.keys(app.departements).forEach(function (code) {
      var x = app.departements[code];
      x.shape.openTooltip = function () { show(x); return this; };
    });
    // A tap on the sea hides the panel; a tap on a département reaches the map too (the
    // services' layer listens there), and keeps it.
    app.map.on("click", function (e) {
      var target = e.originalEvent && e.originalEvent.target;
      if (!(target && target.classList && target.classList.contains("ips-dep"))) hide();
    });
    app.map.on("popupopen", hide);
    L.DomEvent.on(sheet.close, "click", hide);
    ipsMap.sheet = sheet.node;
  });
})(window.ipsMap = window.ipsMap || {});
