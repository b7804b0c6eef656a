// Bundle the Leaflet modules the map uses (ips_map/render/vendor/leaflet-entry.js) from the
// npm package `leaflet` (its src/, at the version of package-lock.json) into
// ips_map/render/vendor/leaflet-ips.js, which the page inlines instead of leaflet.js.
//
//   node scripts/build-leaflet.mjs           write leaflet-ips.js (make leaflet)
//   node scripts/build-leaflet.mjs --check   exit 1 if the committed file is not what the
//                                            entry and the locked versions make (a test)
import {readFileSync, renameSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vendor = join(root, 'ips_map', 'render', 'vendor');
const entry = join(vendor, 'leaflet-entry.js');
const target = join(vendor, 'leaflet-ips.js');
const leaflet = JSON.parse(readFileSync(join(root, 'node_modules', 'leaflet', 'package.json'), 'utf8'));

// Leaflet's own notice (BSD-2-Clause, LICENSE-leaflet beside the bundle), then what made it.
const banner = `/* @preserve
 * Leaflet ${leaflet.version}, a JS library for interactive maps. https://leafletjs.com
 * (c) 2010-2022 Vladimir Agafonkin, (c) 2010-2011 CloudMade
 * BSD-2-Clause: ips_map/render/vendor/LICENSE-leaflet
 * The modules of ips_map/render/vendor/leaflet-entry.js only (two of them stubbed), bundled
 * from the npm package leaflet@${leaflet.version} by scripts/build-leaflet.mjs (esbuild ${esbuild.version}).
 */`;

// Modules that Leaflet's own modules import, replaced by the stub of the same name in
// leaflet-stubs/ (each says why the map does without it).
const stubs = {
  name: 'ips-map-leaflet-stubs',
  setup(build) {
    build.onResolve({filter: /^\.\/(SVG\.VML|Marker\.Drag)$/}, (args) => ({
      path: join(vendor, 'leaflet-stubs', `${args.path.slice(2)}.js`),
    }));
  },
};

const result = await esbuild.build({
  plugins: [stubs],
  entryPoints: [entry],
  bundle: true,
  format: 'iife',
  minify: true,
  target: 'es2015',
  legalComments: 'none',
  banner: {js: banner},
  charset: 'utf8',
  write: false,
  logLevel: 'warning',
});
const text = result.outputFiles[0].text;

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // missing: reported below
  }
  if (committed !== text) {
    console.error(`${target} is not what ${entry} makes with leaflet@${leaflet.version} and ` +
      `esbuild ${esbuild.version}: run \`make leaflet\` and commit it.`);
    process.exit(1);
  }
} else {
  writeFileSync(`${target}.tmp`, text);
  renameSync(`${target}.tmp`, target);
  console.log(`${target}: ${Buffer.byteLength(text)} bytes (leaflet@${leaflet.version})`);
}
