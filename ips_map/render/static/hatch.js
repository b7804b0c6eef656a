/* ips-map: "non couvert" hatched on the map, so that the status is not told by colour alone
 * (greyscale, print, colour blindness). The pattern (the status's colour under dark diagonal
 * lines) goes into the <defs> of the départements' SVG; the legend's swatch names its id and
 * colours (data-hatch-*, see templates/legends.html). Leaflet writes a path's fillColor into
 * its fill attribute, so the hatched départements get fillColor "url(#id)" in the status view. */
(function (ipsMap) {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";

  function svgEl(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  // One pattern per hatched status, in the SVG that holds the départements.
  function addPattern(svg, swatch, fill) {
    var id = swatch.getAttribute("data-hatch-id");
    if (svg.querySelector("#" + id)) return id;
    var defs = svg.querySelector("defs");
    if (!defs) defs = svg.insertBefore(svgEl("defs", {}), svg.firstChild);
    // Lines at 45° drawn in an upright tile (a rotated pattern makes printed pages several
    // times heavier); the corners' strokes join the next tiles' lines.
    var pattern = svgEl("pattern", { id: id, patternUnits: "userSpaceOnUse", width: 6, height: 6 });
    pattern.appendChild(svgEl("rect", { width: 6, height: 6, fill: fill }));
    pattern.appendChild(svgEl("path", {
      d: "M0 6L6 0M-1 1L1 -1M5 7L7 5", fill: "none", stroke: swatch.getAttribute("data-hatch-colour"), "stroke-width": 1.5
    }));
    defs.appendChild(pattern);
    return id;
  }

  ipsMap.whenReady(function (app) {
    var swatches = document.querySelectorAll(".ips-swatch[data-hatch-id]");
    var codes = Object.keys(app.departements);
    if (!swatches.length || !codes.length) return;
    var svg = app.departements[codes[0]].shape.getElement().ownerSVGElement;
    var hatched = {};
    Array.prototype.forEach.call(swatches, function (swatch) {
      var status = swatch.getAttribute("data-hatch-status");
      hatched[status] = "url(#" + addPattern(svg, swatch, app.data.colours.status[status]) + ")";
    });
    var view = "status";
    function hatch() {
      if (view !== "status") return;
      codes.forEach(function (code) {
        var x = app.departements[code], fill = hatched[x.d.status];
        if (fill) x.shape.setStyle({ fillColor: fill });
      });
    }
    // page.js recolours the départements with show(name) when the base layer changes.
    var departements = app.layers.departements, show = departements.show;
    departements.show = function (name) {
      show(name);
      view = name;
      hatch();
    };
    hatch();
  });
})(window.ipsMap = window.ipsMap || {});
