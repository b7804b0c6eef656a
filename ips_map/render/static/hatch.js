/* ips-map: "non couvert" hatched on the map, so that the status is not told by colour alone
 * (greyscale, print, colour blindness). The pattern (dark diagonal lines, see the legend's
 * swatch: data-hatch-*, templates/legends.html) goes into the <defs> of the départements'
 * SVG; one path over the départements, taking no pointer event, holds the outlines of every
 * hatched département (their own "d") and is filled with it. One path and not a pattern
 * fill on each: a printed page with 97 pattern fills takes seconds to make and is four times
 * heavier. The path follows the view (the départements' outlines change with each zoom and
 * move) and shows in the coverage-status view only. */
(function (ipsMap) {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";

  function svgEl(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  // The lines at 45° drawn in an upright tile (a rotated pattern is heavier to print); the
  // corners' strokes join the next tiles' lines. The ground is the département's own fill.
  function addPattern(svg, swatch) {
    var id = swatch.getAttribute("data-hatch-id");
    if (svg.querySelector("#" + id)) return id;
    var defs = svg.querySelector("defs");
    if (!defs) defs = svg.insertBefore(svgEl("defs", {}), svg.firstChild);
    var pattern = svgEl("pattern", { id: id, patternUnits: "userSpaceOnUse", width: 6, height: 6 });
    pattern.appendChild(svgEl("path", {
      d: "M0 6L6 0M-1 1L1 -1M5 7L7 5", fill: "none",
      stroke: swatch.getAttribute("data-hatch-colour"), "stroke-width": 1.5
    }));
    defs.appendChild(pattern);
    return id;
  }

  ipsMap.whenReady(function (app) {
    var swatches = document.querySelectorAll(".ips-swatch[data-hatch-id]");
    var codes = Object.keys(app.departements);
    if (!swatches.length || !codes.length) return;
    var first = app.departements[codes[0]].shape.getElement();
    // Their own group after the départements' one: above them, a hovered one included
    // (page.js brings it to the front of its group), without moving a node under the pointer.
    var svg = first.ownerSVGElement;
    var group = svg.insertBefore(svgEl("g", { "class": "ips-hatch-layer" }), first.parentNode.nextSibling);
    var overlays = Array.prototype.map.call(swatches, function (swatch) {
      var status = swatch.getAttribute("data-hatch-status");
      var path = svgEl("path", {
        "class": "ips-hatch ips-hatch-" + status, fill: "url(#" + addPattern(svg, swatch) + ")",
        // The départements' white borders (page.js BASE_STYLE) drawn again over the lines.
        stroke: "#ffffff", "stroke-width": 0.6, "stroke-linejoin": "round",
        "pointer-events": "none", "aria-hidden": "true"
      });
      var hatched = codes.filter(function (code) { return app.departements[code].d.status === status; });
      group.appendChild(path);
      return { path: path, shapes: hatched.map(function (code) { return app.departements[code].shape; }) };
    });
    var view = "status";
    function draw() {
      overlays.forEach(function (o) {
        o.path.setAttribute("d", view !== "status" ? "" : o.shapes.map(function (shape) {
          return shape.getElement().getAttribute("d");
        }).join(""));
      });
    }
    // page.js recolours the départements with show(name) when the base layer changes.
    var departements = app.layers.departements, show = departements.show;
    departements.show = function (name) {
      show(name);
      view = name;
      draw();
    };
    // After Leaflet's own handlers: the outlines are those of the new view.
    app.map.on("zoomend moveend viewreset resize ips:detail", draw);
    draw();
  }, true);
})(window.ipsMap = window.ipsMap || {});
