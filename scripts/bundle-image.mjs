#!/usr/bin/env node
/**
 * Bundles the compiled server (dist/) for the container image: the CLI and the ingest worker as minified ESM
 * chunks (esbuild, code-split so cloud SDKs load only for their cloud), with the dashboard's web assets and
 * the IP-to-country pack beside them in the same layout as dist/ (so every `import.meta.url`-relative path —
 * ../web, ../data, ../../package.json, ./worker.js — resolves the same). The image then needs from
 * node_modules only what cannot be bundled: DuckDB's native binding, and the files the server sends to
 * browsers as they are (Plotly, the world map). That is `IMAGE_PACKAGES`; scripts/prune-production.mjs keeps
 * those and what they depend on. 3.6 MB of bundle replaces ~27 MB of JavaScript packages.
 *
 * `networkflow verify` and `networkflow logs pull` are left out of the image: their cloud SDKs (ARM, ECS, ECR,
 * ELBv2, Cloud Run; CloudWatch Logs, Log Analytics, Cloud Logging) are for a pipeline or a workstation, not
 * the dashboard's container, and Google's gax client reads its protos from disk beside itself, which a
 * bundle cannot give it. In the image both report that instead of failing obscurely.
 *
 *   node scripts/bundle-image.mjs [outdir]      (default: image/; run after `npm run build`)
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { IMAGE_PACKAGES } from './image-packages.mjs';
/** Modules imported lazily that stay out of the image: verify's cloud checkers and the log-API sources. */
const LEFT_OUT = [
  { importer: /[\\/]verify[\\/]index\.js$/, paths: ['./azure.js', './aws.js', './gcp.js'] },
  { importer: /[\\/]sources[\\/]logs[\\/]open\.js$/, paths: ['./cloudwatch.js', './azure-monitor.js', './gcp-logging.js'] },
];

/** esbuild plugin: those imports stay as they are (and fail to resolve in the image, which the code reports). */
const leaveOut = {
  name: 'leave-out',
  setup(b) {
    b.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) =>
      LEFT_OUT.some((l) => l.importer.test(args.importer) && l.paths.includes(args.path)) ? { path: args.path, external: true } : undefined,
    );
  },
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function bundleImage(outdir) {
  const dist = path.join(root, 'dist');
  for (const needed of ['cli/main.js', 'ingest/worker.js', 'web/index.html', 'data/ip-country.br']) {
    if (!existsSync(path.join(dist, needed))) throw new Error(`bundle-image: dist/${needed} is missing: run 'npm run build' first`);
  }
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { main: path.join(dist, 'cli/main.js'), worker: path.join(dist, 'ingest/worker.js') },
    outdir: path.join(outdir, 'cli'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: ['node20'],
    minify: true,
    external: IMAGE_PACKAGES,
    plugins: [leaveOut],
    // CommonJS dependencies call require() for Node's built-ins; in an ESM bundle that needs a real require
    banner: { js: "import { createRequire as __nfRequire } from 'node:module'; const require = __nfRequire(import.meta.url);" },
    metafile: true,
    logLevel: 'warning',
  });
  cpSync(path.join(dist, 'web'), path.join(outdir, 'web'), { recursive: true, filter: (f) => !f.endsWith('.map') });
  cpSync(path.join(dist, 'data'), path.join(outdir, 'data'), { recursive: true });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { bytes, files: Object.keys(result.metafile.outputs).length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const outdir = path.resolve(process.argv[2] ?? path.join(root, 'image'));
  const { bytes, files } = await bundleImage(outdir);
  console.log(`bundle-image: ${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB → ${outdir}`);
}
