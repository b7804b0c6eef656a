// Loads the page's script files (ips_map/render/static/) into a fresh context with a bare
// `window`, as the page does, and returns the ipsMap namespace they fill.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const STATIC = path.join(__dirname, "..", "..", "ips_map", "render", "static");

function loadScripts(...names) {
  const context = vm.createContext({ window: {} });
  for (const name of names) {
    vm.runInContext(fs.readFileSync(path.join(STATIC, name), "utf8"), context, { filename: name });
  }
  return context.window.ipsMap;
}

// Values made in that context, as plain values of this one (their prototypes differ, which
// strict deep equality would count).
function plain(value) {
  return JSON.parse(JSON.stringify(value));
}

module.exports = { loadScripts, plain };
