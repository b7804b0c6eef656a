/* ips-map, the tables under the map (templates/tables.html): sorted by a button in each
 * column header (aria-sort says how), a button in each row that shows its département or
 * service on the map, and the tables as CSV files made from the page's own data, for a page
 * opened alone (the published CSV files are not beside it). Text is set with textContent. */
(function (ipsMap) {
  "use strict";

  // Made on the first sort: a French collator costs tens of milliseconds to make on a phone,
  // and the page's scripts run before the map is drawn.
  var collator = null;
  function compareText(a, b) {
    collator = collator || new Intl.Collator("fr", { numeric: true, sensitivity: "base" });
    return collator.compare(a, b);
  }

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // The key a cell sorts by: for "order", the row's place in the page as written (by code,
  // by département); for "num", its number as French writes it (1 234 567, 0,25; no number
  // sorts first); for "text", its text.
  function cellKey(row, column, type, place) {
    if (type === "order") return place.get(row);
    var cell = row.cells[column];
    if (type === "text") return cell.textContent;
    var value = parseFloat(cell.textContent.replace(/\s/g, "").replace(",", "."));
    return isNaN(value) ? -Infinity : value;
  }

  function sortRows(table, column, type, descending, place) {
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows), numeric = type !== "text";
    var keyed = rows.map(function (row, k) { return { row: row, k: k, key: cellKey(row, column, type, place) }; });
    keyed.sort(function (a, b) {
      var order = numeric ? a.key - b.key : compareText(a.key, b.key);
      if (descending) order = -order;
      return order || a.k - b.k;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (x) { fragment.appendChild(x.row); });
    body.appendChild(fragment);
  }

  // Each column header's text moves into a button; a click (or Enter, Space) sorts by it,
  // ascending first, then the other way.
  function makeSortable(table) {
    var heads = table.tHead.rows[0].cells, place = new Map();
    each(table.tBodies[0].rows, function (row, k) { place.set(row, k); });
    each(heads, function (th, column) {
      var type = th.getAttribute("data-type");
      if (!type) return;
      var button = ipsMap.el("button", "ips-sort"), arrow = ipsMap.el("span", "ips-sort-arrow");
      button.type = "button";
      while (th.firstChild) button.appendChild(th.firstChild);
      // The arrow is drawn, not read: aria-sort says how the column is sorted.
      arrow.setAttribute("aria-hidden", "true");
      button.appendChild(arrow);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") === "ascending";
        each(heads, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        sortRows(table, column, type, descending, place);
      });
    });
  }

  // A last column of buttons: each shows its row's département or service on the map, then
  // moves the focus to the map.
  // A table is finished (sort buttons, map buttons) once: before it is in the page when it
  // waits in the page's deferred markup (page.js beforeReveal), so that its rows are laid
  // out once with their new column; else once the map is drawn.
  function finish(table, app) {
    if (table.hasAttribute("data-ips-finished")) return;
    table.setAttribute("data-ips-finished", "");
    makeSortable(table);
    addMapButtons(table, app);
  }

  function addMapButtons(table, app) {
    var kind = table.getAttribute("data-kind"), text = app.data.labels.text;
    var head = ipsMap.el("th", "ips-show-head", "Sur la carte");
    head.scope = "col";
    table.tHead.rows[0].appendChild(head);
    each(table.tBodies[0].rows, function (row) {
      var cell = ipsMap.el("td", "ips-show"), button = ipsMap.el("button", "ips-show-button", "Voir sur la carte");
      var name = row.cells[kind === "departement" ? 1 : 0].textContent;
      button.type = "button";
      button.setAttribute("aria-label", "Voir sur la carte" + text.separator + name);
      cell.appendChild(button);
      row.appendChild(cell);
    });
    table.addEventListener("click", function (event) {
      var button = event.target.closest(".ips-show-button");
      if (!button) return;
      var row = button.closest("tr"), container = app.map.getContainer();
      var shown = kind === "departement" ? app.showDepartement(row.getAttribute("data-code"))
        : app.showService(parseInt(row.getAttribute("data-i"), 10));
      if (shown) {
        container.focus();
        container.scrollIntoView({ block: "nearest" });
      }
    });
  }

  // --- CSV from the page's data: the published files' format (outputs.py: UTF-8 with a BOM,
  // "\n" line ends, text a spreadsheet would run as a formula prefixed with "'"), with their
  // delimiter and decimal mark (--csv-format: ";" and "0,298" by default, or "," and "0.298"),
  // which the page's box says (templates/tables.html).
  var FORMULA = /^'*[=+\-@\t\r\n]/, PLAIN_NUMBER = /^-?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$/;

  function csvFormat() {
    var box = document.querySelector(".ips-from-page");
    var delimiter = box && box.getAttribute("data-csv-delimiter");
    var decimal = box && box.getAttribute("data-csv-decimal");
    return { delimiter: delimiter || ";", decimal: decimal || "," };
  }

  function csvCell(value, format) {
    if (value === null || value === undefined) return "";
    var text = String(value);
    if (typeof value === "number") {
      if (format.decimal !== ".") text = text.replace(".", format.decimal);
    } else if (typeof value === "string") {
      if (FORMULA.test(text) && !PLAIN_NUMBER.test(text)) text = "'" + text;
      text = text.replace(/\r\n?/g, "\n");
    }
    var quoted = /["\n\r]/.test(text) || text.indexOf(format.delimiter) >= 0;
    return quoted ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csvText(columns, count, value) {
    var format = csvFormat();
    var cell = function (v) { return csvCell(v, format); };
    var lines = [columns.map(cell).join(format.delimiter)];
    for (var i = 0; i < count; i++) {
      lines.push(columns.map(function (name) { return cell(value(name, i)); }).join(format.delimiter));
    }
    return "\ufeff" + lines.join("\n") + "\n";
  }

  // The columns of coverage.csv that the page holds, with the same names and in their order.
  function departementsCsv(data) {
    var d = data.departements, types = Object.keys(data.labels.service_type);
    var from = {
      code: "code", nom: "name", nom_region: "region", population: "population",
      annee_population: "census_year", services_actifs: "active", services_en_projet: "planned",
      statut: "status", services_pour_100k: "rate", note_population: "population_note"
    };
    var columns = ["code", "nom", "nom_region", "population", "annee_population", "services_actifs",
      "services_en_projet", "statut", "services_pour_100k"];
    if (d.active_by_type) types.forEach(function (type) { columns.push("actifs_" + type); });
    columns.push("note_population");
    return csvText(columns, d.code.length, function (name, i) {
      if (from[name]) return d[from[name]][i];
      return d.active_by_type[i][types.indexOf(name.slice(7))];
    });
  }

  // The services the map shows (closed ones are not), the columns of services.csv that the
  // page holds; the address is street, postcode and commune in one column.
  function servicesCsv(table) {
    var from = {
      nom: "name", structure: "structure", type: "type", statut: "status", adresse_complete: "address",
      departements_servis: "served", telephone: "phone", site_web: "website", source: "source", methode: "method"
    };
    return csvText(Object.keys(from), table.count, function (name, i) { return table.get(from[name], i); });
  }

  function download(name, text) {
    var url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    var link = ipsMap.el("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 0);
  }

  function addDownloads(app) {
    var box = document.querySelector(".ips-from-page");
    if (!box) return;
    each(box.querySelectorAll(".ips-csv"), function (button) {
      button.addEventListener("click", function () {
        if (button.getAttribute("data-table") === "departements") download("coverage.csv", departementsCsv(app.data));
        else download("services.csv", servicesCsv(app.services));
      });
    });
    box.hidden = false;
  }

  function start() {
    if (typeof ipsMap.beforeReveal === "function") {
      ipsMap.beforeReveal(function (fragment, app) {
        each(fragment.querySelectorAll(".ips-table"), function (table) { finish(table, app); });
      });
    }
    ipsMap.whenReady(function (app) {
      each(document.querySelectorAll(".ips-table"), function (table) { finish(table, app); });
      addDownloads(app);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  ipsMap.tablesCsv = { departements: departementsCsv, services: servicesCsv };
})(window.ipsMap = window.ipsMap || {});
