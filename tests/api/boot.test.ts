/**
 * The server boots on a real socket and its key endpoints answer: the original brief's "server starts and
 * key endpoints respond", over HTTP with fetch rather than in-process injection.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGGREGATE_NAMES, FlowStore, computeAggregate } from '../../src/index.js';
import { buildServer, type NetworkflowServer } from '../../src/api/server.js';
import { buildAnalyticsLake, type AnalyticsLake } from '../helpers/analytics-lake.js';

let lake: AnalyticsLake;
let webRoot: string;
let server: NetworkflowServer;
let base: string;

beforeAll(async () => {
  lake = await buildAnalyticsLake({ hours: 2, flowsPerHour: 400, seed: 3 });
  webRoot = await mkdtemp(path.join(os.tmpdir(), 'nf-api-web-'));
  await mkdir(webRoot, { recursive: true });
  await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><title>networkflow</title><script src="/assets/app.js"></script>');
  await writeFile(path.join(webRoot, 'app.js'), 'document.title = "networkflow";');
  await writeFile(path.join(webRoot, 'app.css'), 'body{}');
  server = await buildServer({ dataDir: lake.dataDir, webRoot, logger: false });
  base = await server.app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await lake?.cleanup();
  if (webRoot) await rm(webRoot, { recursive: true, force: true });
});

describe('a listening server', () => {
  it('listens on 127.0.0.1 on the port it was given', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', flows: lake.records.length });
  });

  it('answers /api/meta and /api/aggregates/summary with the lake’s data', async () => {
    const meta = (await (await fetch(`${base}/api/meta`)).json()) as { flows: number; aggregates: string[] };
    expect(meta.flows).toBe(lake.records.length);
    expect(meta.aggregates).toEqual([...AGGREGATE_NAMES]);
    const res = await fetch(`${base}/api/aggregates/summary`);
    expect(res.status).toBe(200);
    const store = await FlowStore.open(lake.dataDir);
    try {
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify((await computeAggregate(store, {}, 'summary')).value)));
    } finally {
      store.close();
    }
  });

  it('serves the dashboard page with its security headers', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('<title>networkflow</title>');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('serves the vendor files after warming them up', async () => {
    const res = await fetch(`${base}/vendor/plotly.min.js`);
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBeGreaterThan(1_000_000);
  });
});
