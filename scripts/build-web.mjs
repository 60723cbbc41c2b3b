#!/usr/bin/env node
/**
 * Builds the dashboard client: src/web/main.ts bundled by esbuild into one minified IIFE (app.js, with a
 * linked source map), and index.html and app.css copied beside it. The server serves the folder as its
 * webRoot (`/` → index.html, `/assets/app.js`, `/assets/app.css`).
 *
 *   node scripts/build-web.mjs [--outdir dist/web]
 *
 * Exits non-zero when the bundle fails (type errors are tsc's job: `npm run typecheck`).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outdir: { type: 'string', default: path.join(root, 'dist', 'web') } } });
const outdir = path.resolve(values.outdir);
const web = path.join(root, 'src', 'web');

try {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(web, 'main.ts')],
    outfile: path.join(outdir, 'app.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  await Promise.all(['index.html', 'app.css'].map((name) => copyFile(path.join(web, name), path.join(outdir, name))));
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`build-web: ${path.relative(process.cwd(), outdir) || '.'} (app.js and map ${Math.round(bytes / 1024)} KiB, index.html, app.css)`);
} catch (err) {
  // esbuild has already printed its messages; anything else (I/O) is printed here
  if (!(err && typeof err === 'object' && 'errors' in err)) console.error(`build-web: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
