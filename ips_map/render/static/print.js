/* ips-map printed: before printing, the map's box takes its printed size (print.css), the
 * whole of France and its insets is fitted into it, the legend moves out of the map (beside
 * or below it, see print.css) and folded parts unfold; after printing, all goes back as it
 * was, view included. */
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
      // Folded parts of the page (<details>) are printed unfolded.
      saved.folded = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) {
        return !d.open;
      });
      saved.folded.forEach(function (d) { d.open = true; });
      container.style.width = PRINT_WIDTH;
      container.style.height = PRINT_HEIGHT;
      map.invalidateSize({ animate: false, pan: false });
      // Any zoom, not the page's quarter steps, so that France fills the printed box; the
      // left padding keeps the insets' labels (wider than their frames) inside it.
      var snap = map.options.zoomSnap;
      map.options.zoomSnap = 0;
      map.fitBounds(app.data.bounds, { paddingTopLeft: [40, 6], paddingBottomRight: [6, 6], animate: false });
      map.options.zoomSnap = snap;
      freezeCanvases();
    }

    // Chromium prints a canvas redrawn during "beforeprint" as an opaque white box, which
    // would hide the départements under the services' canvas: each canvas of the map is
    // printed as an image of itself instead (a data: URL), put back after printing.
    function freezeCanvases() {
      saved.images = [];
      Array.prototype.forEach.call(container.querySelectorAll("canvas"), function (canvas) {
        var image = document.createElement("img");
        image.src = canvas.toDataURL("image/png");
        image.alt = "";
        image.className = canvas.className + " ips-print-canvas";
        image.style.cssText = canvas.style.cssText;
        image.style.position = "absolute";
        image.style.width = canvas.offsetWidth + "px";
        image.style.height = canvas.offsetHeight + "px";
        canvas.style.visibility = "hidden";
        canvas.parentNode.insertBefore(image, canvas.nextSibling);
        saved.images.push({ canvas: canvas, image: image });
      });
    }

    function after() {
      if (!saved) return;
      var s = saved;
      saved = null;
      s.images.forEach(function (x) { x.image.remove(); x.canvas.style.visibility = ""; });
      container.style.width = s.width;
      container.style.height = s.height;
      s.folded.forEach(function (d) { d.open = false; });
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
