/* ips-map, the search box (templates/search.html): one combobox (WAI-ARIA pattern) that
 * finds a département by name or code, a commune (from the sidecar communes-recherche.js,
 * render/search_index.py) and a service by name or structure. Names are folded as the
 * project folds them (territory: text_key, commune_key); the index is made once, on the
 * first search, and each keystroke only filters it. Text goes in with textContent only;
 * the wording is the template's (data-* attributes). */
(function (ipsMap) {
  "use strict";

  var MAX_OPTIONS = 10, EARTH_KM = 6371.0088, MERCATOR_R = 6378137, SIDECAR_FORMAT = 1;
  var KIND_ORDER = { departement: 0, commune: 1, service: 2 };
  var ABBREVIATIONS = { st: "saint", ste: "sainte", s: "sur", ss: "sous" };
  // territory/gazetteer.py: "paris 15e", "lyon 3eme arrondissement" are read as the commune.
  var ARRONDISSEMENT = /^(paris|lyon|marseille)\s+(?:\d{1,2}|[ivxl]+)\s*(?:e|er|eme|ieme|ème)?(?:\s+arr(?:ondissement|t)?)?$/;

  var BRACKETED_ARTICLE = /[^\S\n]*\((?:le|la|les|l'|l’)\)[^\S\n]*$/gim;

  // territory.names.text_key of each line of `text` (names joined by "\n"): lower case, no
  // accents, punctuation folded to spaces. One pass over all the names, as commune_keys.
  function foldLines(text) {
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(text)) text = text.normalize("NFKD").replace(/[\u0300-\u036f]+/g, "");
    text = text.toLowerCase().replace(/œ/g, "oe").replace(/æ/g, "ae");
    return text.replace(/[^0-9a-z\n]+/g, " ").replace(/^ | $/gm, "");
  }

  // territory.gazetteer.commune_key's steps after text_key, on each line: "st"/"ste" (and
  // "s", "ss" inside a name) read in full, a leading article dropped.
  function keyLines(text) {
    return text
      .replace(/ (st|ste|s|ss)(?= |$)/gm, function (m, w) { return " " + ABBREVIATIONS[w]; })
      .replace(/^(st|ste)(?= |$)/gm, function (m, w) { return ABBREVIATIONS[w]; })
      .replace(/^(?:le|la|les|l) /gm, "");
  }

  function textKey(value) { return foldLines(String(value).replace(/\n/g, " ")); }

  // commune_key: the same keys as the build's, for a name or a query.
  function communeKey(name) {
    return keyLines(foldLines(String(name).replace(/\n/g, " ").replace(BRACKETED_ARTICLE, "")));
  }

  // What a query is compared with: its commune key, its plain folding, and as a code.
  function queryKeys(query) {
    var text = textKey(query), key = communeKey(query);
    var city = ARRONDISSEMENT.exec(key);
    if (city) { key = city[1]; text = city[1]; }
    var code = text.replace(/ /g, "").toUpperCase();
    if (!/^[0-9][0-9AB]{0,2}$/.test(code)) code = "";
    // A query that starts with an article ("la ro") is matched first as typed, with it.
    var article = key !== text && /^(?:le|la|les|l) ./.test(text);
    // "1" is also "01", as listings write it.
    return { key: key, text: text, code: code, padded: code.length === 1 ? "0" + code : "", article: article };
  }

  // 0 equal, 1 prefix, 2 a word's prefix, 3 elsewhere inside, -1 not found.
  function rankIn(value, part) {
    if (!part || !value) return -1;
    if (value === part) return 0;
    var at = value.indexOf(part);
    if (at < 0) return -1;
    if (at === 0) return 1;
    return value.charAt(at - 1) === " " ? 2 : 3;
  }

  function better(a, b) { return a < 0 ? b : (b < 0 ? a : Math.min(a, b)); }

  function rankEntry(e, q) {
    var rank = better(rankIn(e.key, q.key), rankIn(e.text, q.text));
    if (e.code && q.code) {
      if (e.code === q.code || e.code === q.padded) rank = 0;
      else if (e.code.indexOf(q.code) === 0) rank = better(rank, 1);
    }
    if (e.extra) {
      var inExtra = rankIn(e.extra, q.text);
      if (inExtra >= 0) rank = better(rank, Math.max(inExtra, 2));
    }
    return rank;
  }

  // Better first: rank, then départements, communes, services, then the most populous
  // communes (weight: 1 for the largest, UNWEIGHTED for the others), then the shorter name,
  // then the index's order.
  var UNWEIGHTED = 1 << 30;
  function compare(a, b) {
    return (a.rank - b.rank) || (a.kind - b.kind) || (a.weight - b.weight) ||
      (a.e.text.length - b.e.text.length) || (a.e.text < b.e.text ? -1 : (a.e.text > b.e.text ? 1 : 0)) ||
      (a.e.order - b.e.order);
  }
  function item(rank, e, weight) {
    return { rank: rank, kind: KIND_ORDER[e.kind], weight: weight || UNWEIGHTED, e: e };
  }

  // Names joined by "\n", each found with indexOf: the lines of one string.
  function Lines(text) {
    var blob = "\n" + text + "\n", starts = [], at = blob.indexOf("\n");
    while (at >= 0) { starts.push(at + 1); at = blob.indexOf("\n", at + 1); }
    this.blob = blob;
    this.starts = Int32Array.from(starts);  // each line's first character, and the end
    this.count = starts.length - 1;
  }
  Lines.prototype.line = function (k) { return this.blob.slice(this.starts[k], this.starts[k + 1] - 1); };
  // Lower ranks[k] to the rank of `part` in line k, where it is found. A single character
  // is looked for at the start of the lines only: inside them, it is in most.
  Lines.prototype.scan = function (part, ranks) {
    if (!part) return;
    var blob = this.blob, starts = this.starts, k = 0, len = part.length;
    var look = len > 1 ? part : "\n" + part, shift = len > 1 ? 0 : 1;
    for (var at = blob.indexOf(look); at >= 0; at = blob.indexOf(look, at + 1)) {
      at += shift;
      while (starts[k + 1] <= at) k++;
      var rank = at === starts[k] ? (at + len === starts[k + 1] - 1 ? 0 : 1) : (blob.charCodeAt(at - 1) === 32 ? 2 : 3);
      if (ranks[k] < 0 || rank < ranks[k]) ranks[k] = rank;
    }
  };

  // The sidecar's communes (render/search_index.py), folded once into two strings of lines
  // (text_key and commune_key of every name); their positions decoded when first asked for.
  function CommuneIndex(sidecar) {
    var lines = sidecar.names.replace(/\|/g, "\n"), text = foldLines(lines);
    this.names = sidecar.names.split("|");
    this.count = this.names.length;
    this.departements = new Array(this.count);
    var k = 0, self = this;
    sidecar.departements.forEach(function (run) {
      for (var i = 0; i < run[1]; i++) self.departements[k++] = run[0];
    });
    this.text = new Lines(text);
    this.key = new Lines(keyLines(lines.indexOf("(") >= 0 ? foldLines(lines.replace(BRACKETED_ARTICLE, "")) : text));
    this.ranks = new Int8Array(this.count);
    this.sidecar = sidecar;
    this.positions = null;
    // The names that start with an article.
    this.articles = new Uint8Array(this.count);
    var starts = this.text.starts, found, pattern = /\n(?:le|la|les|l) /g;
    while ((found = pattern.exec(this.text.blob)) !== null) {
      var lo = 0, hi = this.count - 1, at = found.index + 1;
      while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (starts[mid] <= at) lo = mid; else hi = mid - 1; }
      this.articles[lo] = 1;
      pattern.lastIndex = found.index + 1;
    }
    // The most populous communes: 1 for the first, 2 for the next…; the others UNWEIGHTED.
    this.weights = new Int32Array(this.count).fill(UNWEIGHTED);
    (sidecar.largest || []).forEach(function (at, rank) {
      if (at >= 0 && at < self.count) self.weights[at] = rank + 1;
    });
    this.valid = k === this.count && this.text.count === this.count && this.key.count === this.count &&
      this.count === sidecar.count;
  }
  // [lat, lon] of the k-th commune.
  CommuneIndex.prototype.position = function (k) {
    if (!this.positions) this.positions = ipsMap.decodeRing(this.sidecar.positions, this.sidecar.precision);
    return this.positions[k];
  };
  CommuneIndex.prototype.entry = function (k) {
    return { kind: "commune", label: this.names[k], text: this.text.line(k), order: k, k: k, departement: this.departements[k] };
  };
  // The rank of every commune for the query (-1: not found).
  // A name's key without its article ("Le Saint": "saint") is an exact match only as typed
  // in full; a query's key without its article comes after the names typed with it.
  CommuneIndex.prototype.rank = function (q) {
    var ranks = this.ranks, articles = this.articles;
    ranks.fill(-1);
    this.key.scan(q.key, ranks);
    for (var k = 0; k < ranks.length; k++) {
      var rank = ranks[k];
      if (rank < 0) continue;
      if (rank === 0 && articles[k]) rank = 1;
      if (q.article && rank > 0) rank = Math.min(3, rank + 1);
      ranks[k] = rank;
    }
    this.text.scan(q.text, ranks);
    return ranks;
  };

  // The départements and services (entries: {kind, label, detail, code?, extra?, ...}), and
  // the communes once set (a CommuneIndex).
  function SearchIndex() { this.entries = []; this.communes = null; }
  SearchIndex.prototype.add = function (entry) {
    entry.text = textKey(entry.label);
    entry.key = communeKey(entry.label);
    if (entry.extra) entry.extra = textKey(entry.extra);
    entry.order = this.entries.length;
    this.entries.push(entry);
  };
  // {total, options}: every match counted, the best `limit` returned in order.
  SearchIndex.prototype.find = function (query, limit) {
    var q = queryKeys(query), n = limit || MAX_OPTIONS, best = [], total = 0;
    if (!q.key && !q.text && !q.code) return { total: 0, options: [] };
    function offer(item) {
      total++;
      if (best.length === n && compare(item, best[n - 1]) >= 0) return;
      var j = Math.min(best.length, n - 1);
      while (j > 0 && compare(item, best[j - 1]) < 0) { best[j] = best[j - 1]; j--; }
      best[j] = item;
    }
    this.entries.forEach(function (e) {
      var rank = rankEntry(e, q);
      if (rank >= 0) offer(item(rank, e));
    });
    if (this.communes) {
      var communes = this.communes, ranks = communes.rank(q), weights = communes.weights;
      var starts = communes.text.starts, kind = KIND_ORDER.commune;
      for (var k = 0; k < ranks.length; k++) {
        var rank = ranks[k];
        if (rank < 0) continue;
        // Most matches lose to the last option kept: told without making their entry.
        var last = best.length === n ? best[n - 1] : null;
        if (last && (rank - last.rank || kind - last.kind || weights[k] - last.weight ||
            starts[k + 1] - starts[k] - 1 - last.e.text.length) > 0) {
          total++;
          continue;
        }
        offer(item(rank, communes.entry(k), weights[k]));
      }
    }
    return { total: total, options: best.map(function (x) { return x.e; }) };
  };

  // Whether the sidecar is there, of the format this page reads (without decoding it).
  function sidecarPresent(sidecar) {
    return !!sidecar && sidecar.format === SIDECAR_FORMAT && typeof sidecar.names === "string";
  }

  function haversineKm(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180, dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  // A position drawn in an inset back at its true place (render/_insets.py, Inset.unmove);
  // move: [scale, origin x, origin y, target x, target y] in EPSG:3857 metres.
  function unmove(lat, lon, move) {
    var rad = Math.PI / 180;
    var x = MERCATOR_R * lon * rad, y = MERCATOR_R * Math.log(Math.tan(Math.PI / 4 + lat * rad / 2));
    x = move[1] + (x - move[3]) / move[0];
    y = move[2] + (y - move[4]) / move[0];
    return [(2 * Math.atan(Math.exp(y / MERCATOR_R)) - Math.PI / 2) / rad, x / MERCATOR_R / rad];
  }

  // The territory of a département: each overseas département is its own, Corsica is one
  // (never across the sea to the mainland: the access stage's rule, ips_map/access), the
  // others are mainland France.
  function territoryOf(code) {
    if (/^97/.test(code)) return code;
    return code === "2A" || code === "2B" ? "corse" : "metropole";
  }
  // Corsica's box (west, south, east, north): no point of the mainland lies in it.
  var CORSICA = [8.4, 41.2, 9.7, 43.1];

  // The active services at their true position, with their territory: those drawn inside an
  // inset's frame are that DROM's, moved back.
  function activeServices(table, frames) {
    var out = [];
    for (var i = 0; i < table.count; i++) {
      if (table.get("status", i) !== "actif") continue;
      var p = table.positions[i], territory = "metropole", lat = p[0], lon = p[1];
      for (var f = 0; f < frames.length; f++) {
        var b = frames[f].bounds;  // west, south, east, north
        if (lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3]) {
          territory = frames[f].code;
          if (frames[f].move) { var t = unmove(lat, lon, frames[f].move); lat = t[0]; lon = t[1]; }
          break;
        }
      }
      if (territory === "metropole" && lon >= CORSICA[0] && lon <= CORSICA[2] && lat >= CORSICA[1] && lat <= CORSICA[3]) {
        territory = "corse";
      }
      out.push({ index: i, territory: territory, lat: lat, lon: lon });
    }
    return out;
  }

  // The nearest of `services` (activeServices) in the territory, {index, km}; null if none.
  function nearestService(services, lat, lon, territory) {
    var best = null;
    services.forEach(function (s) {
      if (s.territory !== territory) return;
      var km = haversineKm(lat, lon, s.lat, s.lon);
      if (best === null || km < best.km) best = { index: s.index, km: km };
    });
    return best;
  }

  function fill(wording, values) {
    return wording.replace(/\{(\w+)\}/g, function (slot, name) { return values[name]; });
  }

  ipsMap.search = {
    textKey: textKey, communeKey: communeKey, queryKeys: queryKeys, rankIn: rankIn,
    SearchIndex: SearchIndex, CommuneIndex: CommuneIndex, Lines: Lines, sidecarPresent: sidecarPresent, haversineKm: haversineKm,
    unmove: unmove, territoryOf: territoryOf, activeServices: activeServices,
    nearestService: nearestService, fill: fill, MAX_OPTIONS: MAX_OPTIONS
  };
})(window.ipsMap = window.ipsMap || {});
