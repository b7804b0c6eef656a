// The search's matching (static/search.js): folding, ranking, the commune lines, distances.
"use strict";

const assert = require("node:assert/strict");
const { test } = require("node:test");
const { loadScripts, plain } = require("./load.js");

const ipsMap = loadScripts("decode.js", "search.js");
const search = ipsMap.search;

// A sidecar as render/search_index.py writes it, for a few communes.
function sidecar(communes) {
  const runs = [];
  communes.forEach(([, dep]) => {
    if (runs.length && runs[runs.length - 1][0] === dep) runs[runs.length - 1][1]++;
    else runs.push([dep, 1]);
  });
  return {
    format: 1, count: communes.length, precision: 4, departements: runs,
    names: communes.map(([name]) => name).join("|"), positions: ""
  };
}

function index(communes, entries) {
  const ix = new search.SearchIndex();
  (entries || []).forEach((e) => ix.add(e));
  ix.communes = new search.CommuneIndex(sidecar(communes));
  return ix;
}

const COMMUNES = [
  ["Saint-Étienne-du-Bois", "01"], ["Orléans", "45"], ["Forléans", "21"],
  ["Saint-Étienne", "42"], ["Le Havre", "76"], ["Paris", "75"], ["Parisot", "81"],
  ["Y", "80"], ["Saint-Denis", "93"], ["Saint-Denis", "974"]
];
const DEPS = [
  { kind: "departement", label: "Loiret", code: "45" },
  { kind: "departement", label: "Corse-du-Sud", code: "2A" },
  { kind: "departement", label: "Paris", code: "75" },
  { kind: "departement", label: "Ain", code: "01" }
];

test("folds case, accents, hyphens and abbreviations as the build", () => {
  assert.equal(search.textKey("  Saint-Étienne  "), "saint etienne");
  assert.equal(search.communeKey("St-Étienne"), "saint etienne");
  assert.equal(search.communeKey("Havre (Le)"), "havre");
  assert.equal(search.communeKey("Le Havre"), "havre");
  assert.equal(search.communeKey("Œuilly"), "oeuilly");
  assert.equal(search.communeKey("le"), "le");
  assert.equal(search.communeKey("Chalon s/ Saône"), "chalon sur saone");
});

test("ranks exact before prefix before a word's start before inside", () => {
  assert.equal(search.rankIn("orleans", "orleans"), 0);
  assert.equal(search.rankIn("orleans", "orl"), 1);
  assert.equal(search.rankIn("saint denis", "denis"), 2);
  assert.equal(search.rankIn("forleans", "orleans"), 3);
  assert.equal(search.rankIn("forleans", "xyz"), -1);
  const found = index(COMMUNES).find("orleans");
  assert.deepEqual(plain(found.options.map((e) => e.label)), ["Orléans", "Forléans"]);
  assert.equal(found.total, 2);
});

test("finds a commune typed without accents, with St- or spaces", () => {
  const ix = index(COMMUNES);
  for (const q of ["st-etienne", "saint etienne", "SAINT ÉTIENNE", "Saint-Etienne"]) {
    const labels = plain(ix.find(q).options.map((e) => e.label));
    assert.deepEqual(labels, ["Saint-Étienne", "Saint-Étienne-du-Bois"], q);
  }
  assert.deepEqual(plain(ix.find("le havre").options.map((e) => e.label)), ["Le Havre"]);
  // A name without its article is not an exact match of the bare word; "la ro…" typed
  // with its article finds the names that have it first.
  const articles = index([["Le Saint", "56"], ["Saint", "01"], ["Rouen", "76"], ["La Rochelle", "17"]]);
  assert.deepEqual(plain(articles.find("saint").options.map((e) => e.label)), ["Saint", "Le Saint"]);
  assert.deepEqual(plain(articles.find("la ro").options.map((e) => e.label)), ["La Rochelle", "Rouen"]);
  assert.deepEqual(plain(ix.find("paris 15e").options.map((e) => e.label)), ["Paris", "Parisot"]);
  // One character: the names that start with it only.
  assert.deepEqual(plain(ix.find("y").options.map((e) => e.label)), ["Y"]);
  const homonyms = ix.find("saint-denis").options;
  assert.deepEqual(plain(homonyms.map((e) => e.departement)), ["93", "974"]);
});

test("finds a département by name or code, before the communes", () => {
  const ix = index(COMMUNES, DEPS.map((d) => Object.assign({}, d)));
  assert.equal(ix.find("45").options[0].label, "Loiret");
  assert.equal(ix.find("2a").options[0].label, "Corse-du-Sud");
  assert.equal(ix.find("corse du sud").options[0].label, "Corse-du-Sud");
  assert.deepEqual(plain(ix.find("paris").options.map((e) => e.kind)), ["departement", "commune", "commune"]);
  assert.equal(ix.find("1").options[0].code, "01", "a code's first digit");
  assert.deepEqual(plain(ix.find("xyz")), { total: 0, options: [] });
  assert.deepEqual(plain(ix.find("  ")), { total: 0, options: [] });
});

test("finds a service by name or structure, and shows ten options at most", () => {
  const ix = new search.SearchIndex();
  ix.add({ kind: "service", label: "Working First 13", extra: "association Working First" });
  ix.add({ kind: "service", label: "Job coaching", extra: "CHU de Clermont-Ferrand" });
  assert.equal(ix.find("working").options[0].label, "Working First 13");
  assert.equal(ix.find("clermont").options[0].label, "Job coaching");
  const many = index(Array.from({ length: 25 }, (_, i) => ["Saint-Lieu-" + i, "01"]));
  const found = many.find("saint");
  assert.equal(found.total, 25);
  assert.equal(found.options.length, search.MAX_OPTIONS);
  assert.equal(found.options[0].label, "Saint-Lieu-0", "shorter names first");
});

test("proposes the most populous communes first among equal matches", () => {
  const data = sidecar(COMMUNES);
  data.largest = [3, 8, 1];  // Saint-Étienne, Saint-Denis (93), Orléans
  const ix = new search.SearchIndex();
  ix.communes = new search.CommuneIndex(data);
  const labels = plain(ix.find("saint").options.map((e) => e.label + " " + e.departement));
  assert.deepEqual(labels.slice(0, 3), ["Saint-Étienne 42", "Saint-Denis 93", "Saint-Denis 974"]);
  assert.equal(ix.find("saint").total, 4);
});

test("reads the sidecar only in its format", () => {
  assert.equal(search.sidecarPresent(undefined), false);
  assert.equal(search.sidecarPresent({ format: 2, names: "" }), false);
  assert.equal(search.sidecarPresent(sidecar(COMMUNES)), true);
  const broken = sidecar(COMMUNES);
  broken.count = 3;
  assert.equal(new search.CommuneIndex(broken).valid, false);
  assert.equal(new search.CommuneIndex(sidecar(COMMUNES)).valid, true);
});

test("Corsica is a territory of its own: never across the sea to the mainland", () => {
  const table = { count: 2, positions: [[41.93, 8.74], [43.3, 5.37]], get: () => "actif" };
  const active = search.activeServices(table, []);
  assert.deepEqual(plain(active.map((s) => s.territory)), ["corse", "metropole"]);
  assert.equal(search.nearestService(active, 42.70, 9.45, "corse").index, 0);  // Bastia: Ajaccio
  assert.equal(search.nearestService(active, 43.70, 7.27, "metropole").index, 1);  // Nice: Marseille
  assert.equal(search.nearestService([active[1]], 42.70, 9.45, "corse"), null);
});

test("the nearest active service stays in its territory", () => {
  const table = {
    count: 3,
    positions: [[47.39, 0.69], [50.3, -7.0], [43.3, 5.37]],
    get: (name, i) => ["actif", "actif", "en_projet"][i]
  };
  // The second service is drawn in Guadeloupe's frame (identity move: true = drawn).
  const frames = [{ code: "971", bounds: [-8, 49, -5, 51], move: [1, 0, 0, 0, 0] }];
  const active = search.activeServices(table, frames);
  assert.deepEqual(plain(active.map((s) => [s.index, s.territory])), [[0, "metropole"], [1, "971"]]);
  const near = search.nearestService(active, 47.9, 1.9, "metropole");
  assert.equal(near.index, 0);
  assert.ok(Math.abs(near.km - 106.92) < 0.01, String(near.km));
  assert.equal(search.nearestService(active, -12.78, 45.23, "976"), null);
  assert.equal(search.territoryOf("2A"), "corse");
  assert.equal(search.territoryOf("2B"), "corse");
  assert.equal(search.territoryOf("13"), "metropole");
  assert.equal(search.territoryOf("974"), "974");
  const back = search.unmove(50.3, -7.0, [1, 0, 0, 0, 0]);
  assert.ok(Math.abs(back[0] - 50.3) < 1e-9 && Math.abs(back[1] + 7.0) < 1e-9);
});
