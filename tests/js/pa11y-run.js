/* Runs pa11y (its HTML_CodeSniffer runner, WCAG 2.1 AA) on one built page, with Debian's
 * Chromium, once the page's map and keyboard layer are ready; prints the issues as JSON.
 * Usage: node tests/js/pa11y-run.js PAGE CHROMIUM  (called by tests/test_accessibility.py) */
"use strict";

const path = require("node:path");
const { pathToFileURL } = require("node:url");
const pa11y = require("pa11y");

async function main() {
  const [page, chromium] = process.argv.slice(2);
  const result = await pa11y(pathToFileURL(path.resolve(page)).href, {
    standard: "WCAG2AA",
    // axe-core runs on its own (tests/test_accessibility.py): pa11y adds HTML_CodeSniffer.
    runners: ["htmlcs"],
    includeWarnings: false,
    includeNotices: false,
    timeout: 60000,
    actions: ["wait for element [data-ips-keyboard] to be added"],
    chromeLaunchConfig: {
      executablePath: chromium,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
    },
    viewport: { width: 1280, height: 900 }
  });
  process.stdout.write(JSON.stringify({ url: result.pageUrl, issues: result.issues }));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  process.exit(2);
});
