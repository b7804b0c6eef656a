// ESLint (flat config) for the map page's scripts and their tests: `make lint` runs it.
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {
    // The page's script files, concatenated into the page (render/_assets.py, SCRIPTS):
    // plain scripts sharing the `ipsMap` namespace, with Leaflet loaded before them.
    files: ["ips_map/render/static/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2017,
      sourceType: "script",
      globals: { ...globals.browser, L: "readonly" }
    },
    rules: {
      ...js.configs.recommended.rules,
      strict: ["error", "function"],
      "no-var": "off",
      eqeqeq: "error",
      "no-implicit-globals": "error"
    }
  },
  {
    // Their tests, run by node's test runner (tests/test_page_js.py), and this file.
    files: ["tests/js/**/*.js", "eslint.config.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "commonjs",
      globals: { ...globals.node }
    },
    rules: { ...js.configs.recommended.rules, eqeqeq: "error" }
  },
  {
    // Leaflet's bundle: the entry (the modules the page uses) and the script that bundles it.
    files: ["ips_map/render/vendor/leaflet-entry.js", "ips_map/render/vendor/leaflet-stubs/*.js"],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2017, sourceType: "module", globals: { window: "readonly" } },
    rules: { ...js.configs.recommended.rules, eqeqeq: "error" }
  },
  {
    files: ["scripts/**/*.mjs"],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
    rules: { ...js.configs.recommended.rules, eqeqeq: "error" }
  }
];
