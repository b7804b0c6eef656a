/* ips-map, tooltips and popups: a département's figures, a place's services.
 * Every text from the data is set with textContent: nothing is parsed as HTML. The wording
 * is the data's (labels.text), so that this file holds none. */
(function (ipsMap) {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A wording with {name} slots, filled from values.
  function fill(wording, values) {
    return wording.replace(/\{(\w+)\}/g, function (slot, name) { return values[name]; });
  }

  // Lines "label : value" of one box; an empty value writes nothing.
  function Lines(parent, separator) {
    this.parent = parent;
    this.separator = separator;
  }
  Lines.prototype.add = function (label, value) {
    if (value === undefined || value === null || value === "") return;
    var line = el("div", "ips-row");
    line.appendChild(el("span", "ips-label", label + this.separator));
    line.appendChild(el("span", "ips-value", value));
    this.parent.appendChild(line);
  };
  // A link only for http(s) addresses; any other value is shown as text, never linked.
  Lines.prototype.link = function (label, url) {
    var href = /^https?:\/\//i.test(url || "") ? url : null;
    if (!href) { this.add(label, url); return; }
    var line = el("div", "ips-row");
    line.appendChild(el("span", "ips-label", label + this.separator));
    var a = el("a", null, href.length > 60 ? href.slice(0, 57) + "…" : href);
    a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
    line.appendChild(a);
    this.parent.appendChild(line);
  };

  function numberFormats(locale) {
    return {
      integer: new Intl.NumberFormat(locale),
      decimal: new Intl.NumberFormat(locale, { maximumFractionDigits: 2 })
    };
  }

  // page: { labels, formats, evolution }; d: a département row with its status_change and
  // rate_change (null when it has none).
  function departementTooltip(d, page) {
    var labels = page.labels, text = labels.text, formats = page.formats;
    var box = el("div", "ips-tip"), lines = new Lines(box, text.separator);
    function rate(value) { return value === null ? text.unknown_population : formats.decimal.format(value); }
    box.appendChild(el("strong", null, d.name + " (" + d.code + ")"));
    lines.add(fill(text.population, { year: d.census_year }),
      fill(text.inhabitants, { population: formats.integer.format(d.population) }) +
      (d.population_note ? " — " + d.population_note : ""));
    lines.add(text.active, d.active);
    if (d.active_by_type) {
      // Listings that mix types: active services of each type (counted or not).
      lines.add(text.active_by_type, Object.keys(labels.service_type).map(function (key, i) {
        return labels.service_type[key] + " " + d.active_by_type[i];
      }).join(", "));
    }
    if (d.planned) lines.add(text.planned, d.planned);
    lines.add(text.status, labels.coverage_status[d.status]);
    lines.add(text.rate, rate(d.rate));
    var evolution = page.evolution;
    if (evolution && d.status_change) {
      lines.add(text.previous_status, fill(text.previous_edition, {
        status: labels.coverage_status[d.status_change.previous_status], date: evolution.date
      }));
    }
    if (evolution && d.rate_change) {
      var before = rate(d.rate_change.previous_rate);
      lines.add(text.previous_rate, evolution.census ?
        fill(text.previous_census, { rate: before, census: evolution.census }) : before);
    }
    return box;
  }

  // The services at one place (indices into the services table), one after the other.
  function servicePopup(table, indices, labels) {
    var text = labels.text, box = el("div", "ips-popup");
    function label(kind, name, i) { var code = table.get(name, i); return labels[kind][code] || code; }
    indices.forEach(function (i, k) {
      var part = el("div", "ips-popup-service"), lines = new Lines(part, text.separator);
      if (k > 0) part.appendChild(el("hr"));
      part.appendChild(el("strong", null, table.get("name", i)));
      lines.add(text.structure, table.get("structure", i));
      lines.add(text.type, label("service_type", "type", i));
      // A statut not recognised: as written, and said so (« suspendu » (statut non reconnu)).
      var written = table.get("status_written", i), status = label("service_status", "status", i);
      lines.add(text.status, written ? "« " + written + " » (" + status.toLowerCase() + ")" : status);
      lines.add(text.address, table.get("address", i));
      lines.add(text.served, table.get("served", i));
      lines.add(text.phone, table.get("phone", i));
      lines.link(text.website, table.get("website", i));
      lines.link(text.source, table.get("source", i));
      lines.add(text.method, label("method", "method", i));
      box.appendChild(part);
    });
    if (indices.length > 1) {
      box.insertBefore(el("p", "ips-note", fill(text.same_place, { count: indices.length })), box.firstChild);
    }
    return box;
  }

  ipsMap.el = el;
  ipsMap.fill = fill;
  ipsMap.numberFormats = numberFormats;
  ipsMap.departementTooltip = departementTooltip;
  ipsMap.servicePopup = servicePopup;
})(window.ipsMap = window.ipsMap || {});
