/* ips-map, the search box's wiring (templates/search.html, the WAI-ARIA combobox pattern):
 * arrow keys move through the options (aria-activedescendant), Enter chooses, Escape
 * closes (then clears); the status region says how many results. The matching is
 * search.js's; the communes come from the sidecar (window.ipsMapCommunes) when it is there. */
(function (ipsMap) {
  "use strict";

  var search = ipsMap.search, el = ipsMap.el;  // el: popups.js, text set with textContent

  // The départements and services of the page, then (once the sidecar is there) the communes.
  function makeIndex(app, words) {
    var index = new search.SearchIndex(), deps = {};
    ipsMap.columnRows(app.data.departements).forEach(function (d) {
      deps[d.code] = d;
      index.add({ kind: "departement", label: d.name, code: d.code, detail: words.kindDepartement + " · " + d.code, d: d });
    });
    var table = app.services;
    for (var i = 0; i < table.count; i++) {
      var structure = table.get("structure", i);
      index.add({ kind: "service", label: table.get("name", i), extra: structure, i: i,
        detail: words.kindService + (structure ? " · " + structure : "") });
    }
    return { index: index, deps: deps, communes: false };
  }

  function addCommunes(state) {
    if (!search.sidecarPresent(window.ipsMapCommunes)) return false;
    var communes = new search.CommuneIndex(window.ipsMapCommunes);
    if (!communes.valid) return false;
    state.index.communes = communes;
    state.communes = true;
    return true;
  }

  function detailOf(entry, state, words) {
    if (entry.kind !== "commune") return entry.detail;
    var d = state.deps[entry.departement];
    return words.kindCommune + " · " + (d ? d.name + " (" + d.code + ")" : entry.departement);
  }

  function wordsOf(box) {
    var w = {};
    ["one", "many", "more", "none", "kindDepartement", "kindCommune", "kindService", "departement",
      "nearest", "nearestNone", "metropole", "showService"].forEach(function (k) { w[k] = box.dataset[k] || ""; });
    return w;
  }

  function countText(words, total, shown) {
    if (total === 0) return words.none;
    if (total === 1) return words.one;
    return search.fill(total > shown ? words.more : words.many, { count: total, shown: shown });
  }

  function lowerFirst(text) { return text.charAt(0).toLowerCase() + text.slice(1); }

  function distanceText(km, formats) {
    var rounded = km < 10 ? Math.round(km * 10) / 10 : Math.round(km);
    return formats.decimal.format(rounded);
  }

  // What choosing an option does: show it on the map, and say what the page knows of it.
  function choose(app, state, words, entry, result) {
    result.textContent = "";
    // One tooltip at a time: the one the search opened before is closed.
    var before = state.shown && app.departements[state.shown];
    if (before) before.shape.closeTooltip();
    state.shown = null;
    if (entry.kind === "service") { app.showService(entry.i); return; }
    app.map.closePopup();
    var d = entry.kind === "departement" ? entry.d : state.deps[entry.departement];
    if (!d) return;
    app.showDepartement(d.code);
    state.shown = d.code;
    var labels = app.data.labels;
    if (entry.kind === "departement") {
      result.appendChild(el("p", null, search.fill(words.departement, {
        name: d.name, code: d.code, status: lowerFirst(labels.coverage_status[d.status] || d.status) })));
      return;
    }
    var at = state.index.communes.position(entry.k), territory = search.territoryOf(d.code);
    state.active = state.active || search.activeServices(app.services, app.data.frames);
    var near = search.nearestService(state.active, at[0], at[1], territory);
    var place = { commune: entry.label, departement: d.name + ", " + d.code };
    if (!near) {
      place.territory = territory === "metropole" ? words.metropole : d.name;
      result.appendChild(el("p", null, search.fill(words.nearestNone, place)));
      return;
    }
    place.service = app.services.get("name", near.index);
    place.distance = distanceText(near.km, app.page.formats);
    result.appendChild(el("p", null, search.fill(words.nearest, place)));
    var button = el("button", "ips-search-show", words.showService);
    button.type = "button";
    button.setAttribute("data-service", String(near.index));
    button.addEventListener("click", function () { app.showService(near.index); });
    result.appendChild(button);
  }

  function start(app) {
    var box = document.getElementById("ips-search");
    if (!box || !search) return;
    var input = document.getElementById("ips-search-input");
    var list = document.getElementById("ips-search-list");
    var status = document.getElementById("ips-search-status");
    var result = document.getElementById("ips-search-result");
    var missing = document.getElementById("ips-search-missing");
    var words = wordsOf(box), state = null, options = [], active = -1, announced = "";
    box.hidden = false;

    function ensureIndex() {
      if (!state) state = makeIndex(app, words);
      if (!state.communes) addCommunes(state);
      return state;
    }
    function setActive(k) {
      var nodes = list.children;
      if (active >= 0 && nodes[active]) nodes[active].setAttribute("aria-selected", "false");
      active = k;
      if (k >= 0 && nodes[k]) {
        nodes[k].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", nodes[k].id);
        nodes[k].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    }
    function open(show) {
      list.hidden = !show;
      input.setAttribute("aria-expanded", show ? "true" : "false");
      if (!show) setActive(-1);
    }
    function announce(text) {
      // The same text twice would not be read again: a no-break space tells them apart.
      if (text === announced) text += "\u00a0";
      announced = text;
      status.textContent = text;
    }
    function update() {
      var query = input.value;
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!search.textKey(query)) { options = []; open(false); announce(""); return; }
      var found = ensureIndex().index.find(query, search.MAX_OPTIONS);
      options = found.options;
      options.forEach(function (entry, k) {
        var option = el("li", "ips-search-option");
        option.id = "ips-search-option-" + k;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.appendChild(el("span", "ips-search-name", entry.label));
        option.appendChild(el("span", "ips-search-detail", detailOf(entry, state, words)));
        list.appendChild(option);
      });
      open(options.length > 0);
      announce(countText(words, found.total, options.length));
    }
    function pick(k) {
      var entry = options[k];
      if (!entry) return;
      input.value = entry.label;
      open(false);
      choose(app, ensureIndex(), words, entry, result);
    }

    input.addEventListener("input", update);
    // The index is made when the box takes the focus, before the first key.
    input.addEventListener("focus", ensureIndex);
    input.addEventListener("keydown", function (e) {
      var n = options.length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (!n) { if (input.value) update(); return; }
        if (list.hidden) open(true);
        var step = e.key === "ArrowDown" ? 1 : -1;
        setActive(active < 0 ? (step > 0 ? 0 : n - 1) : (active + step + n) % n);
      } else if (e.key === "Enter") {
        if (!list.hidden && n) { e.preventDefault(); pick(active >= 0 ? active : 0); }
      } else if (e.key === "Escape") {
        if (!list.hidden) { e.preventDefault(); open(false); } else if (input.value) { e.preventDefault(); input.value = ""; update(); }
      }
    });
    // A pointer chooses without taking the focus from the box.
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });
    list.addEventListener("click", function (e) {
      var option = e.target.closest ? e.target.closest("[role=option]") : null;
      if (option) pick(Array.prototype.indexOf.call(list.children, option));
    });
    input.addEventListener("blur", function () { open(false); });

    // The sidecar is a deferred script: once the page has loaded, it is there or it is not.
    function checkSidecar() {
      if (!search.sidecarPresent(window.ipsMapCommunes)) missing.hidden = false;
      else if (state && !state.communes && addCommunes(state) && input.value) update();
    }
    if (document.readyState === "complete") checkSidecar();
    else window.addEventListener("load", checkSidecar);
  }

  if (typeof ipsMap.whenReady === "function") ipsMap.whenReady(start);
})(window.ipsMap = window.ipsMap || {});
