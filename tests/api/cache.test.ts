/**
 * Caching per lake version: anomaly detection runs once per (version, filter) and the summary reuses it;
 * after more data is ingested into the same data dir, refresh() sees the change and answers are recomputed.
 * Last, a lake whose data dir vanished answers 500 without detail.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowStore, computeAggregate, generateFlowLogs, ingest, localObjectWriter, summary, type QueryEvent } from '../../src/index.js';
import { buildServer, type NetworkflowServer } from '../../src/api/server.js';
import { buildAnalyticsLake, type AnalyticsLake } from '../helpers/analytics-lake.js';
import { anomaliesInView } from '../helpers/anomalies-in-view.js';

let lake: AnalyticsLake;
let server: NetworkflowServer;
let queries = 0;
const logLines: string[] = [];

beforeAll(async () => {
  lake = await buildAnalyticsLake({ hours: 3, flowsPerHour: 600, seed: 21 });
  const stream = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  server = await buildServer({
    dataDir: lake.dataDir,
    logger: { level: 'error', stream },
    storeOptions: { onQuery: (_e: QueryEvent) => void queries++ },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await lake?.cleanup();
});

/** Queries the server's store ran while `fn` did. */
async function countQueries(fn: () => Promise<unknown>): Promise<number> {
  const before = queries;
  await fn();
  return queries - before;
}

const get = async (url: string) => {
  const res = await server.app.inject(url);
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json() as unknown;
};

/** How many queries a library call makes on a fresh store of the same lake (rollups as the server has them). */
async function libraryQueries<T>(fn: (store: FlowStore) => Promise<T>): Promise<{ queries: number; value: T }> {
  let n = 0;
  const store = await FlowStore.open(lake.dataDir, { onQuery: () => void n++ });
  try {
    const value = await fn(store);
    return { queries: n, value };
  } finally {
    store.close();
  }
}

describe('anomaly cache', () => {
  it('detects once per lake version; a view counts the lake anomalies in it once per filter; the summary reuses both', async () => {
    const detection = await libraryQueries((s) => computeAggregate(s, {}, 'anomalies'));
    expect(detection.queries).toBeGreaterThan(2);

    let first: unknown;
    // the lake's detection, then one query counting each anomaly's flows in the view
    expect(await countQueries(async () => (first = await get('/api/aggregates/anomalies?decision=deny')))).toBe(detection.queries + 1);
    const expected = await libraryQueries((s) => anomaliesInView(s, { decision: ['Deny'] }));
    expect(first).toEqual(JSON.parse(JSON.stringify(expected.value)));
    expect(expected.value.length).toBeGreaterThan(0);
    expect(await countQueries(() => get('/api/aggregates/anomalies?decision=deny'))).toBe(0);
    // the same filter written differently is the same cache entry
    expect(await countQueries(() => get('/api/aggregates/anomalies?decision=Deny,deny'))).toBe(0);
    // the whole lake's list is the detection itself
    expect(await countQueries(() => get('/api/aggregates/anomalies'))).toBe(0);

    const summaryOnly = await libraryQueries((s) => summary(s, { decision: ['Deny'] }));
    expect(await countQueries(() => get('/api/aggregates/summary?decision=deny'))).toBe(summaryOnly.queries);
    expect(await countQueries(() => get('/api/aggregates/summary?decision=deny'))).toBe(0);

    // another filter is one more counting query, not another detection
    expect(await countQueries(() => get('/api/aggregates/anomalies?decision=allow'))).toBe(1);
  });

  it('shares one computation between concurrent requests', async () => {
    await get('/api/aggregates/anomalies');
    const n = await countQueries(() => Promise.all([1, 2, 3].map(() => get('/api/aggregates/anomalies?direction=inbound'))));
    expect(n).toBe(1);
  });

  it('caches other aggregates per query too', async () => {
    expect(await countQueries(() => get('/api/aggregates/top-talkers?top=4'))).toBeGreaterThan(0);
    expect(await countQueries(() => get('/api/aggregates/top-talkers?top=4'))).toBe(0);
    expect(await countQueries(() => get('/api/aggregates/top-talkers?top=5'))).toBeGreaterThan(0);
  });
});

describe('refresh after an ingest', () => {
  it('sees no change when nothing was ingested', async () => {
    expect(await server.refresh()).toBe(false);
  });

  it('sees new data, changes the version and recomputes', async () => {
    const before = (await get('/api/meta')) as { flows: number; version: string };
    const anomaliesBefore = await get('/api/aggregates/anomalies?decision=deny');
    const source = await mkdtemp(path.join(os.tmpdir(), 'nf-api-more-'));
    try {
      await generateFlowLogs(localObjectWriter(source), { format: 'csv-zip', hours: 2, start: '2026-11-02T03:00:00Z', seed: 99, flowsPerHour: 600 });
      await ingest({ source, dataDir: lake.dataDir, concurrency: 0 });
    } finally {
      await rm(source, { recursive: true, force: true });
    }
    // not seen until refresh
    expect(await get('/api/meta')).toEqual(before);
    expect(await server.refresh()).toBe(true);
    expect(await server.refresh()).toBe(false);

    const after = (await get('/api/meta')) as { flows: number; version: string };
    const fresh = await libraryQueries(async (s) => ({ count: await s.count(), anomalies: await anomaliesInView(s, { decision: ['Deny'] }) }));
    expect(after.flows).toBe(fresh.value.count);
    expect(after.flows).toBeGreaterThan(before.flows);
    expect(after.version).not.toBe(before.version);

    let anomaliesAfter: unknown;
    expect(await countQueries(async () => (anomaliesAfter = await get('/api/aggregates/anomalies?decision=deny')))).toBeGreaterThan(2);
    expect(anomaliesAfter).toEqual(JSON.parse(JSON.stringify(fresh.value.anomalies)));
    expect(anomaliesAfter).not.toEqual(anomaliesBefore);
    expect(((await get('/readyz')) as { flows: number }).flows).toBe(after.flows);
  });
});

describe('internal errors', () => {
  it('answer 500 without detail when the data dir vanished, and are logged', async () => {
    await rm(lake.dataDir, { recursive: true, force: true });
    logLines.length = 0;
    for (const url of ['/api/flows?limit=3', '/api/aggregates/heatmap-day-hour?decision=deny', '/api/flows?format=csv&port=443']) {
      const res = await server.app.inject(url);
      expect(res.statusCode, url).toBe(500);
      expect(res.json()).toEqual({ error: 'internal', message: 'internal error' });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.body).not.toMatch(/at |parquet|\/tmp\//);
    }
    expect(logLines.length).toBeGreaterThanOrEqual(3);
    expect(logLines.join('')).toContain('"level":50');
    // the process is still up
    expect((await server.app.inject('/healthz')).statusCode).toBe(200);
  });
});
