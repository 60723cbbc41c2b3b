// Trims a production node_modules (`npm ci --omit=dev`) for the container image: files no code loads at run
// time — source maps, TypeScript declarations, docs and changelogs, the IP data in the formats we do not
// read, and the browser-only MSAL build @azure/identity carries for browsers — and strips the symbol tables
// of native libraries (DuckDB's ships unstripped: 70 → 60 MB) when `strip` is installed. Prints the bytes removed.
//   node scripts/prune-production.mjs [dir]      (default: the current folder; it must hold node_modules/)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] ?? '.');
const modules = path.join(root, 'node_modules');
if (!existsSync(modules)) {
  console.error(`prune-production: ${modules} does not exist (run npm ci --omit=dev first)`);
  process.exit(1);
}

/** Whole packages never loaded under Node. */
const PACKAGES = ['@azure/msal-browser'];
/** Files of a package that the code does not read (the IP lookup reads only the *-num.csv files). */
const FILES = [
  '@ip-location-db/geo-whois-asn-country/geo-whois-asn-country-ipv4.csv',
  '@ip-location-db/geo-whois-asn-country/geo-whois-asn-country-ipv6.csv',
];
const DROP_FILE = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.tsbuildinfo|\.md|\.markdown)$/i;
const DROP_DIR = new Set(['docs', 'doc', 'example', 'examples', '.github', 'test', 'tests', '__tests__']);

let removed = 0;
function size(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.size;
  return readdirSync(p).reduce((n, e) => n + size(path.join(p, e)), 0);
}
function drop(p) {
  if (!existsSync(p)) return;
  removed += size(p);
  rmSync(p, { recursive: true, force: true });
}
function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (DROP_DIR.has(entry.name)) drop(p);
      else walk(p);
    } else if (entry.isFile() && DROP_FILE.test(entry.name) && !/^license/i.test(entry.name)) {
      drop(p);
    }
  }
}

const natives = [];
function findNatives(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) findNatives(p);
    else if (entry.isFile() && /\.(node|so)$/.test(entry.name)) natives.push(p);
  }
}

for (const name of PACKAGES) drop(path.join(modules, name));
for (const file of FILES) drop(path.join(modules, file));
walk(modules);
findNatives(modules);
const hasStrip = spawnSync('strip', ['--version']).status === 0;
for (const file of hasStrip ? natives : []) {
  const before = statSync(file).size;
  if (spawnSync('strip', ['--strip-unneeded', file]).status === 0) removed += before - statSync(file).size;
}
if (!hasStrip && natives.length > 0) console.log('prune-production: strip not found, native libraries left as they are');
console.log(`prune-production: removed ${(removed / 2 ** 20).toFixed(1)} MiB from ${modules}; ${(size(modules) / 2 ** 20).toFixed(1)} MiB remain`);
