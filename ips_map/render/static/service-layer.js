/* ips-map, the service layer: every service drawn on one canvas above the départements.
 * The canvas takes no pointer event (the départements below keep their hover); clicks reach
 * the map, and the nearest point within a few pixels opens the popup of every service there.
 * The canvas covers the view with a margin, so that panning redraws only once the view leaves
 * the drawn area; each point is a pre-drawn sprite, and a point whose pixel is already drawn
 * is skipped. */
(function (ipsMap) {
  "use strict";

  var CULL_FROM = 2000;

  ipsMap.PointLayer = L.Layer.extend({
    // The canvas's margin on each side, as a share of the view: see initialize.
    options: { pane: "overlayPane", radius: 5, hit: 8 },

    initialize: function (table, labels, options) {
      // Smaller dots when there are many, so that dense areas stay readable. The margin:
      // with many services, 0.35 of the view (2.9 times its pixels); with the départements'
      // tenth (Leaflet's renderers), the bench's pan of 10,000 services redrew every few
      // frames, 46 -> 29 frames a second (2026-12-02). With few, a redraw costs next to
      // nothing and the canvas's own pixels are the cost: the tenth (1.4 times the view),
      // whose canvas a phone makes and copies in half the time (2026-12-03).
      var n = table.count;
      L.setOptions(this, L.extend({ radius: n > 5000 ? 3 : n > 500 ? 4 : 5, padding: n > 500 ? 0.35 : 0.1 }, options));
      this._table = table;
      this._labels = labels;
      this._p0 = ipsMap.worldPixels(table.positions);
      // Each service's sprite: 0 planned, 1 active, 2 statut not recognised.
      var kind = this._kind = new Uint8Array(n);
      for (var i = 0; i < n; i++) {
        var status = table.get("status", i);
        kind[i] = status === "actif" ? 1 : status === "non_reconnu" ? 2 : 0;
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

    // A round dot (active: filled; planned: dashed), or a diamond for a statut not
    // recognised (told apart by its shape, not only its colour).
    _sprite: function (kind, ratio) {
      var r = this.options.radius, size = 2 * r + 4, sprite = document.createElement("canvas");
      var active = kind === 1, c = size / 2;
      sprite.width = sprite.height = Math.ceil(size * ratio);
      var ctx = sprite.getContext("2d");
      ctx.scale(ratio, ratio);
      ctx.beginPath();
      if (kind === 2) {
        var d = 1.3 * r;  // as much ink as a dot
        ctx.moveTo(c, c - d); ctx.lineTo(c + d, c); ctx.lineTo(c, c + d); ctx.lineTo(c - d, c); ctx.closePath();
      } else {
        ctx.arc(c, c, r, 0, 2 * Math.PI);
      }
      ctx.fillStyle = active ? "#111111" : "#ffffff";
      ctx.fill();
      ctx.lineWidth = active ? 1.5 : 2;
      ctx.strokeStyle = active ? "#ffffff" : "#111111";
      ctx.setLineDash(kind === 0 ? [2, 2] : []);
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

    // Size the canvas to the view and its margin, then draw.
    _redraw: function () {
      var map = this._map;
      if (!map) return;
      var size = map.getSize(), ratio = window.devicePixelRatio || 1, canvas = this._canvas;
      var padX = Math.round(size.x * this.options.padding), padY = Math.round(size.y * this.options.padding);
      var w = this._w = size.x + 2 * padX, h = this._h = size.y + 2 * padY;
      var origin = this._origin = map.containerPointToLayerPoint([-padX, -padY]);
      this._zoom = map.getZoom();
      L.DomUtil.setPosition(canvas, origin);
      var resized = canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio);
      if (resized) {
        canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio);
        canvas.style.width = w + "px"; canvas.style.height = h + "px";
      }
      if (!this._sprites || this._ratio !== ratio) {
        this._sprites = [this._sprite(0, ratio), this._sprite(1, ratio), this._sprite(2, ratio)];
        this._ratio = ratio;
      }
      var ctx = canvas.getContext("2d");
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      if (!resized) ctx.clearRect(0, 0, canvas.width, canvas.height);  // resized: cleared
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      this._draw(ctx, w, h);
    },

    // Planned services first, then those of a statut not recognised, active ones on top;
    // keeps every point's pixel for hit tests.
    _draw: function (ctx, w, h) {
      var scale = Math.pow(2, this._zoom), pixelOrigin = this._map.getPixelOrigin();
      var dx = pixelOrigin.x + this._origin.x, dy = pixelOrigin.y + this._origin.y;
      var n = this._table.count, p = this._p0, r = this.options.radius, half = r + 2, side = 2 * r + 4;
      var xs = this._xs = new Float32Array(n), ys = this._ys = new Float32Array(n);
      // The pixels already drawn, per pass: only worth its buffer (a byte a pixel of the
      // canvas) when there are enough points for many to fall on one pixel.
      var taken = n > CULL_FROM ? new Uint8Array(w * h) : null, drawn = 0;
      for (var pass = 0; pass < 3; pass++) {
        var kind = [0, 2, 1][pass], sprite = this._sprites[kind];
        for (var i = 0; i < n; i++) {
          var x = p[2 * i] * scale - dx, y = p[2 * i + 1] * scale - dy;
          xs[i] = x; ys[i] = y;
          if (this._kind[i] !== kind || x < -half || y < -half || x > w + half || y > h + half) continue;
          var cell = (Math.round(y) * w + Math.round(x));
          if (taken && x >= 0 && y >= 0 && x < w && y < h) {
            if (taken[cell] & (1 << pass)) continue;
            taken[cell] |= 1 << pass;
          }
          ctx.drawImage(sprite, x - half, y - half, side, side);
          drawn++;
        }
      }
      this._drawnCount = drawn;
    },

    // Container point of the i-th service (tests).
    containerPoint: function (i) {
      if (!this._xs) return null;
      var corner = this._map.layerPointToContainerPoint(this._origin);
      return { x: this._xs[i] + corner.x, y: this._ys[i] + corner.y };
    },

    // Indices of the services under a container point.
    _hits: function (point) {
      if (!this._xs) return [];
      var corner = this._map.layerPointToContainerPoint(this._origin);
      return ipsMap.hitTest(this._xs, this._ys, point.x - corner.x, point.y - corner.y, this.options.hit);
    },

    _onClick: function (e) {
      var hits = this._hits(e.containerPoint);
      if (hits.length) this.openFiche(hits);
    },

    // Open the fiche (popup) of the services of indices `hits`, at the first one's position;
    // returns the popup.
    openFiche: function (hits) {
      return L.popup({ maxWidth: 320, maxHeight: 360 })
        .setLatLng(this._table.positions[hits[0]])
        .setContent(ipsMap.servicePopup(this._table, hits, this._labels))
        .openOn(this._map);
    },

    _onMove: function (e) {
      this._map.getContainer().style.cursor = this._hits(e.containerPoint).length ? "pointer" : "";
    }
  });
})(window.ipsMap = window.ipsMap || {});
