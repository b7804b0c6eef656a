// pa11y's Puppeteer drives Debian's Chromium (tests/js/pa11y-run.js): never download a browser.
module.exports = { skipDownload: true };
