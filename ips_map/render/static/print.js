/* ips-map printed: before printing, the map's box takes its printed size (print.css), the
 * whole of France and its insets is fitted into it, and the legend moves out of the map (beside
 * or below it, see print.css); after printing, all goes back as it was, view included. */
(function (ipsMap) {
  "use strict";

  // The printed map's box (print.css): the same in portrait and landscape.
  var PRINT_WIDTH = "180mm", PRINT_HEIGHT = "150mm";

  ipsMap.whenReady(function (app) {
    var map = app.map, container = map.getContainer(), saved = null;
    var holder = document.createElement("div");
    holder.className = "ips-print-legend";
    container.parentNode.insertBefore(holder, container.nextSibling);

    function before() {
      if (saved) return;
      var legends = container.querySelector(".ips-legends");
      saved = {
        center: map.getCenter(), zoom: map.getZoom(),
        width: container.style.width, height: container.style.height,
        legends: legends, parent: legends && legends.parentNode, next: legends && legends.nextSibling,
        open: legends && legends.open
      };
      if (legends) { legends.open = true; holder.appendChild(legends); }
      container.style.width = PRINT_WIDTH;
      container.style.height = PRINT_HEIGHT;
      map.invalidateSize({ animate: false, pan: false });
      map.fitBounds(app.data.bounds, { paddingTopLeft: [40, 6], paddingBottomRight: [6, 6], animate: false });
      repaint();
    }

    // Chromium does not paint, in the printed page, an SVG redrawn during "beforeprint"
    // (the départements would be missing): put each SVG of the map back in its place, which
    // makes it painted anew.
    function repaint() {
      Array.prototype.forEach.call(container.querySelectorAll("svg"), function (svg) {
        svg.parentNode.insertBefore(svg, svg.nextSibling);
      });
    }

    function after() {
      if (!saved) return;
      var s = saved;
      saved = null;
      container.style.width = s.width;
      container.style.height = s.height;
      if (s.legends) { s.legends.open = s.open; s.parent.insertBefore(s.legends, s.next); }
      map.invalidateSize({ animate: false, pan: false });
      map.setView(s.center, s.zoom, { animate: false });
    }

    window.addEventListener("beforeprint", before);
    window.addEventListener("afterprint", after);
    if (window.matchMedia) {
      var query = window.matchMedia("print");
      var onChange = function (e) { if (e.matches) before(); else after(); };
      if (query.addEventListener) query.addEventListener("change", onChange);
      else if (query.addListener) query.addListener(onChange);
    }
    ipsMap.print = { before: before, after: after };
  });
})(window.ipsMap = window.ipsMap || {});
