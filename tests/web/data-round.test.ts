/**
 * The client's data layer against the real server on a generated lake: one round of every panel's aggregate
 * equals the library's computeAggregate for the same filter (anomalies: the lake's, in the view) (drawn through the chart builders too), the
 * API's error message reaches ApiError, aborting cancels, and the summary/anomaly text shows library values.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type NetworkflowServer } from '../../src/api/server.js';
import { filterFromParams, type AggregateName, type Anomaly } from '../../src/index.js';
import { expectedAggregate } from '../helpers/anomalies-in-view.js';
import { ApiError, aggregateUrl, fetchJson, isAbort } from '../../src/web/api-client.js';
import { countriesChart } from '../../src/web/charts/countries.js';
import { topAddressesChart } from '../../src/web/charts/top-addresses.js';
import { fetchRound, roundUrls, type RoundData } from '../../src/web/data-round.js';
import { anomalyView, evidenceText, summaryMetrics } from '../../src/web/summary-view.js';
import { formatCount } from '../../src/web/text.js';
import { formatState, stateFromFilter, type FilterState } from '../../src/web/url-state.js';
import { buildAnalyticsLake, type AnalyticsLake } from '../helpers/analytics-lake.js';

let lake: AnalyticsLake;
let server: NetworkflowServer;
let base: string;
let webRoot: string;
const local: typeof fetch = (input, init) => fetch(new URL(String(input), base), init);

beforeAll(async () => {
  lake = await buildAnalyticsLake({ hours: 4, flowsPerHour: 600, seed: 11 });
  // a web root with a page that is not JSON, for the 'answered something that is not JSON' case
  webRoot = await mkdtemp(path.join(tmpdir(), 'nf-web-round-'));
  await writeFile(path.join(webRoot, 'index.html'), '<!doctype html><p>page</p>');
  server = await buildServer({ dataDir: lake.dataDir, webRoot, logger: false });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.app.server.address() as { port: number };
  base = `http://127.0.0.1:${port}`;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await lake?.cleanup();
  if (webRoot) await rm(webRoot, { recursive: true, force: true });
});

/** The library's answer for one round entry's URL (its name, filter and options), for comparison. */
async function libraryValue(url: string): Promise<unknown> {
  const u = new URL(url, base);
  const name = u.pathname.split('/').pop() as AggregateName;
  const values: Record<string, string[]> = {};
  for (const [k, v] of u.searchParams) if (!['top', 'bucket'].includes(k)) (values[k] ??= []).push(v);
  const filter = filterFromParams(values);
  const top = u.searchParams.get('top');
  const bucket = u.searchParams.get('bucket') as 'hour' | null;
  // anomalies (and the summary's anomaly line) of a view are the lake's anomalies with flows in it
  const { value } = await expectedAggregate(server.store, filter, name, { top: top ? Number(top) : undefined, bucket: bucket ?? undefined });
  return JSON.parse(JSON.stringify(value));
}

describe('data round', () => {
  for (const state of [{}, { decision: ['Deny'], direction: ['Inbound'] }] as FilterState[]) {
    it(`fetches every panel's aggregate as the library computes it (${formatState(state) || 'no filter'})`, async () => {
      const round = await fetchRound(state, new AbortController().signal, local);
      const urls = roundUrls(state);
      for (const key of Object.keys(urls) as (keyof RoundData)[]) {
        const settled = round[key];
        expect(settled.ok, key).toBe(true);
        if (settled.ok) expect(settled.value, key).toEqual(await libraryValue(urls[key]));
      }
      if (!round.talkers.ok || !round.countries.ok || !round.summary.ok) return;
      const bars = topAddressesChart(round.talkers.value, 'src', 'light');
      expect(bars.figure.data[0].x).toEqual(round.talkers.value.filter((r) => r.ip !== 'other' && r.ip !== null).slice(0, 10).map((r) => r.bytes));
      const flowsOnMap = (countriesChart(round.countries.value, 'light').figure.data[0].z as number[]).reduce((a, b) => a + b, 0);
      const unmapped = countriesChart(round.countries.value, 'light').unmapped.reduce((a, r) => a + r.flows, 0);
      expect(flowsOnMap + unmapped).toBe(round.summary.value.flows);
      const metrics = summaryMetrics(round.summary.value);
      expect(metrics.find((m) => m.key === 'flows')?.value).toBe(formatCount(round.summary.value.flows));
    });
  }

  it('reports the API message of a bad parameter as an ApiError', async () => {
    const err = await fetchJson(aggregateUrl('summary', { port: ['70000'] }), undefined, local).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toContain('port');
    const missing = await fetchJson('/api/aggregates/nope', undefined, local).catch((e: unknown) => e);
    expect((missing as ApiError).status).toBe(404);
    const html = await fetchJson('/', undefined, local).catch((e: unknown) => e);
    expect((html as ApiError).code).toBe('bad-response');
    const down = await fetchJson('http://127.0.0.1:1/x', undefined).catch((e: unknown) => e);
    expect((down as ApiError).code).toBe('network');
  });

  it('cancels a round when its signal aborts', async () => {
    const controller = new AbortController();
    const pending = fetchJson('/api/aggregates/summary', controller.signal, local).catch((e: unknown) => e);
    controller.abort();
    expect(isAbort(await pending)).toBe(true);
    const round = await fetchRound({}, controller.signal, local);
    expect(Object.values(round).every((r) => !r.ok && isAbort(r.error))).toBe(true);
  });

  it('describes each anomaly with its evidence, and its filter selects the same flows through the URL', async () => {
    const anomalies = await fetchJson<Anomaly[]>('/api/aggregates/anomalies', undefined, local);
    expect(anomalies.length).toBeGreaterThan(0);
    for (const a of anomalies) {
      const v = anomalyView(a);
      expect(v.title).toContain(a.type);
      expect(v.summary).toBe(a.summary);
      expect(v.evidence.map(([k]) => k)).toEqual(Object.keys(a.evidence));
      const viaUrl = await fetchJson<{ flows: number }>(aggregateUrl('summary', stateFromFilter(a.filter)), undefined, local);
      expect(viaUrl.flows).toBe(a.flows);
    }
    expect(evidenceText(null)).toBe('—');
    expect(evidenceText([1.23456, 2])).toBe('1.235, 2');
    expect(evidenceText(['a', 'b'])).toBe('a, b');
    expect(evidenceText(true)).toBe('true');
  });
});
