/**
 * The Azure Monitor Logs source against a local Log Analytics endpoint (tests/helpers/log-analytics-server.ts) with
 * the official client (@azure/monitor-query-logs) over HTTPS: slicing, splitting of cut results, resume from a
 * cursor, Retry-After, the token bucket's rate, retries of throttling and outages, permanent errors.
 */
import https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { CredentialUnavailableError } from '@azure/identity';
import type { EventRecord } from '../../../src/model/index.js';
import { azureMonitorFormat } from '../../../src/parsers/logs/azure-monitor.js';
import { TokenBucket } from '../../../src/sources/rate-limit.js';
import { SourceError } from '../../../src/sources/types.js';
import {
  azureMonitorSourceId,
  classifyAzureMonitorError,
  createAzureMonitorLogSource,
  type AzureMonitorLogSourceOptions,
} from '../../../src/sources/logs/azure-monitor.js';
import type { LogCursor, LogPage, LogWindow } from '../../../src/sources/logs/types.js';
import { makeRows, startLogAnalyticsServer, type LogAnalyticsServer } from '../../helpers/log-analytics-server.js';

const T0 = Date.parse('2026-11-20T00:00:00Z');
const HOUR = 3_600_000;
const QUERY = 'AzureDiagnostics | extend _ItemId = _ItemId';

const credential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + HOUR }),
};

let server: LogAnalyticsServer;

beforeAll(async () => {
  server = await startLogAnalyticsServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.requests.length = 0;
  server.maxRows = 500_000;
  vi.unstubAllEnvs();
});

const noSleep = { sleep: async () => undefined, random: () => 0 };

function source(over: Partial<AzureMonitorLogSourceOptions> = {}) {
  return createAzureMonitorLogSource({
    workspaceId: server.workspaceId,
    query: QUERY,
    endpoint: server.endpoint,
    agent: server.agent,
    credential,
    bucket: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
    hooks: noSleep,
    ...over,
  });
}

async function allPages(src: ReturnType<typeof source>, window: LogWindow, cursor: LogCursor | null = null): Promise<LogPage[]> {
  const out: LogPage[] = [];
  for await (const p of src.pages(window, cursor)) out.push(p);
  return out;
}

const ids = (pages: LogPage[]) => pages.flatMap((p) => p.events.map((e) => e.event_id));

describe('azure-monitor source: slices and pages', () => {
  it('retrieves every row of the window exactly once, rows on slice boundaries included, in one page per slice', async () => {
    // a row every 15 minutes for 3 hours: several sit exactly on the hourly slice boundaries
    server.rows = makeRows(13, T0, 15 * 60_000);
    const pages = await allPages(source(), { since: T0, until: T0 + 3 * HOUR });
    expect(pages).toHaveLength(3);
    // [since, until): the row at until (item-12) belongs to the next window
    expect(ids(pages)).toEqual(Array.from({ length: 12 }, (_, i) => `item-${i}`));
    expect(pages.map((p) => p.cursor)).toEqual([{ sliceStart: T0 + HOUR, sliceMs: HOUR }, { sliceStart: T0 + 2 * HOUR, sliceMs: HOUR }, null]);
    expect(pages.every((p) => p.requests === 1)).toBe(true);
    expect(server.requests.map((r) => r.timespan)).toEqual([
      '2026-11-20T00:00:00.000Z/2026-11-20T01:00:00.000Z',
      '2026-11-20T01:00:00.000Z/2026-11-20T02:00:00.000Z',
      '2026-11-20T02:00:00.000Z/2026-11-20T03:00:00.000Z',
    ]);
    expect(server.requests.every((r) => r.query === QUERY && r.authorization === 'Bearer fake-token')).toBe(true);
    const e = pages[0].events[1];
    expect(e).toMatchObject({
      provider: 'azure',
      source_format: 'azure-monitor',
      timestamp: T0 + 15 * 60_000,
      event_id: 'item-1',
      account_id: '2f4c7d23-b548-4fcc-8d25-7f6c4404642e',
      service: 'Microsoft.Network',
      resource_type: 'microsoft.network/applicationgateways',
      resource_id: '/subscriptions/2f4c7d23-b548-4fcc-8d25-7f6c4404642e/resourcegroups/rg/providers/microsoft.network/applicationgateways/gw1',
      event_name: 'ApplicationGatewayAccess',
      log_name: 'ApplicationGatewayAccessLog',
      severity_number: 9,
      outcome: 'success',
      source_ip: '10.0.0.1',
      category: 'platform',
    });
    expect(e.attributes).toMatchObject({ DurationMs: 1, Properties: { n: 1 } });
    expect(e.source_object).toBe(`${source().id}/2026-11-20T00:00:00.000Z`);
  });

  it('resumes from the cursor of page k at page k+1: nothing lost, nothing repeated (cursor survives JSON)', async () => {
    server.rows = makeRows(40, T0 + 60_000, 7 * 60_000);
    const window = { since: T0, until: T0 + 5 * HOUR };
    const full = await allPages(source(), window);
    expect(full).toHaveLength(5);
    for (let k = 0; k < full.length - 1; k++) {
      const cursor = JSON.parse(JSON.stringify(full[k].cursor)) as LogCursor;
      const rest = await allPages(source(), window, cursor);
      expect(ids(rest)).toEqual(ids(full.slice(k + 1)));
      expect([...ids(full.slice(0, k + 1)), ...ids(rest)]).toEqual(ids(full));
    }
    expect(new Set(ids(full)).size).toBe(40);
  });

  it('sends the server timeout as the Prefer header and a sovereign-cloud audience as the token scope', async () => {
    server.rows = makeRows(1, T0, 1);
    const scopes: string[][] = [];
    const spy: TokenCredential = { getToken: async (s) => (scopes.push([s].flat()), credential.getToken(s)) };
    await allPages(source({ serverTimeoutSeconds: 300, credential: spy, audience: 'https://api.loganalytics.azure.cn' }), { since: T0, until: T0 + HOUR });
    expect(server.requests[0].prefer).toBe('wait=300');
    expect(scopes[0]).toEqual(['https://api.loganalytics.azure.cn/.default']);
    await allPages(source({ credential: spy, endpoint: `${server.endpoint}/v1/` }), { since: T0, until: T0 + HOUR });
    expect(server.requests[1].prefer).toBeUndefined();
    expect(scopes.at(-1)).toEqual([`${server.endpoint}/.default`]);
  });

  it('an empty slice still gives a page so that the cursor advances; an empty window gives none', async () => {
    server.rows = makeRows(1, T0 + 2 * HOUR + 5, 1);
    const pages = await allPages(source(), { since: T0, until: T0 + 3 * HOUR });
    expect(pages.map((p) => p.events.length)).toEqual([0, 0, 1]);
    expect(await allPages(source(), { since: T0, until: T0 })).toEqual([]);
  });

  it('splits a slice that comes back partial (the service record limit) in half until each part fits', async () => {
    server.maxRows = 5;
    server.rows = makeRows(12, T0, 5 * 60_000); // 12 rows in the first hour
    const pages = await allPages(source(), { since: T0, until: T0 + HOUR });
    expect(ids(pages)).toEqual(Array.from({ length: 12 }, (_, i) => `item-${i}`));
    expect(pages.every((p) => p.diagnostics.every((d) => d.reason !== 'partial-result'))).toBe(true);
    // the first answers were cut (PartialError) and asked again in halves; each page counts its requests
    expect(server.requests.length).toBeGreaterThan(pages.length);
    expect(pages.reduce((n, p) => n + p.requests, 0)).toBe(server.requests.length);
    expect(server.requests[0].timespan).toBe('2026-11-20T00:00:00.000Z/2026-11-20T01:00:00.000Z');
    expect(server.requests[1].timespan).toBe('2026-11-20T00:00:00.000Z/2026-11-20T00:30:00.000Z');
  });

  it('splits a slice that reaches maxRowsPerSlice, and grows the slices back afterwards', async () => {
    server.rows = [...makeRows(8, T0, 60_000), ...makeRows(3, T0 + 2 * HOUR, 60_000).map((r, i) => ({ ...r, itemId: `late-${i}` }))];
    const pages = await allPages(source({ maxRowsPerSlice: 5 }), { since: T0, until: T0 + 4 * HOUR });
    const got = ids(pages);
    expect(got).toHaveLength(11);
    expect(new Set(got).size).toBe(11);
    const sizes = pages.map((p) => p.cursor?.sliceMs ?? null);
    expect(Math.min(...sizes.filter((s): s is number => s !== null))).toBeLessThan(HOUR);
    expect(sizes.filter((s) => s !== null).at(-1)).toBe(HOUR);
  });

  it('keeps a cut result it cannot split further (1 s), with a partial-result error diagnostic', async () => {
    server.maxRows = 3;
    server.rows = makeRows(6, T0 + 500, 0); // six rows in the same millisecond
    const pages = await allPages(source(), { since: T0, until: T0 + 60_000 });
    const events = pages.flatMap((p) => p.events);
    expect(events).toHaveLength(3);
    const d = pages.flatMap((p) => p.diagnostics).find((x) => x.reason === 'partial-result');
    expect(d?.severity).toBe('error');
    expect(d?.message).toMatch(/PartialError: There were some errors when processing your query\. \/ Something went wrong/);
  });

  it('warns once when the query does not return _ItemId (no dedupe ids)', async () => {
    server.rows = makeRows(6, T0, 20 * 60_000);
    const pages = await allPages(source({ query: 'AzureDiagnostics' }), { since: T0, until: T0 + 2 * HOUR });
    expect(pages.flatMap((p) => p.events).every((e) => e.event_id === null)).toBe(true);
    const warnings = pages.flatMap((p) => p.diagnostics).filter((d) => d.reason === 'no-item-id');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/extend _ItemId = _ItemId/);
  });

  it('gives the same events as the azure-monitor parser reading the saved REST response', async () => {
    server.rows = makeRows(4, T0, 60_000, { properties: { nested: { a: [1, 2] } }, level: 'Warning', resultType: 'Failed' });
    const [page] = await allPages(source(), { since: T0, until: T0 + HOUR });
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        `${server.endpoint}/v1/workspaces/${server.workspaceId}/query`,
        { method: 'POST', agent: server.agent, headers: { authorization: 'Bearer x', 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ query: QUERY, timespan: `${new Date(T0).toISOString()}/${new Date(T0 + HOUR - 1).toISOString()}` }));
    });
    const fromFile: EventRecord[] = [];
    for await (const b of azureMonitorFormat.parse(
      (async function* () {
        yield body;
      })(),
      { object: 'x' },
    )) {
      fromFile.push(...b.events);
    }
    const strip = (e: EventRecord) => ({ ...e, source_object: '', source_line: 0 });
    expect(fromFile.map(strip)).toEqual(page.events.map(strip));
    expect(page.events[0]).toMatchObject({ outcome: 'failure', severity_text: 'Warning', severity_number: 13 });
  });
});

describe('azure-monitor source: rate limit, throttling, outages', () => {
  it('honours Retry-After of a 429 (the wait asked of sleep is at least Retry-After)', async () => {
    server.rows = makeRows(3, T0, 60_000);
    server.failNext({ status: 429, retryAfter: '2' });
    const delays: number[] = [];
    const pages = await allPages(source({ hooks: { sleep: async (ms) => void delays.push(ms), random: () => 0 } }), { since: T0, until: T0 + HOUR });
    expect(ids(pages)).toEqual(['item-0', 'item-1', 'item-2']);
    expect(delays).toEqual([2000]);
    expect(pages[0].requests).toBe(2);
  });

  it('waits out Retry-After in real time before the next request', async () => {
    server.rows = makeRows(2, T0, 60_000);
    server.failNext({ status: 429, retryAfter: '1' });
    const pages = await allPages(source({ hooks: undefined, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }), { since: T0, until: T0 + HOUR });
    expect(ids(pages)).toHaveLength(2);
    const [a, b] = server.requests;
    expect(a.status).toBe(429);
    expect(b.at - a.at).toBeGreaterThanOrEqual(990);
  });

  it('retries 503 and a connection reset, and counts every request of the page', async () => {
    server.rows = makeRows(3, T0, 60_000);
    server.failNext({ status: 503 }, { reset: true });
    const retries: unknown[] = [];
    const pages = await allPages(source({ hooks: { ...noSleep, onRetry: (i) => void retries.push(i.error) } }), { since: T0, until: T0 + HOUR });
    expect(ids(pages)).toEqual(['item-0', 'item-1', 'item-2']);
    expect(pages[0].requests).toBe(3);
    expect(retries).toHaveLength(2);
    expect((retries[0] as SourceError).transient).toBe(true);
    expect((retries[0] as SourceError).status).toBe(503);
  });

  it('gives up after the policy attempts with a transient SourceError naming the source', async () => {
    server.failNext({ status: 503 }, { status: 503 });
    const err = await allPages(source({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }), { since: T0, until: T0 + HOUR }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).transient).toBe(true);
    expect((err as SourceError).message).toContain(azureMonitorSourceId(server.workspaceId, QUERY));
    expect((err as SourceError).message).toMatch(/giving up/);
  });

  it('never sends requests faster than the token bucket allows, retries included', async () => {
    server.rows = makeRows(30, T0, 60_000);
    server.failNext({ status: 503 }, { status: 429, retryAfter: '0' });
    const rate = 25;
    const pages = await allPages(source({ sliceMinutes: 2, bucket: new TokenBucket({ ratePerSecond: rate, burst: 1 }) }), { since: T0, until: T0 + 30 * 60_000 });
    expect(ids(pages)).toHaveLength(30);
    const at = server.requests.map((r) => r.at);
    expect(at.length).toBe(17);
    // in any span of time, at most rate·span + burst requests (+1 for arrival jitter of the first)
    for (let i = 0; i < at.length; i++) {
      for (let j = i + 1; j < at.length; j++) {
        expect(j - i).toBeLessThanOrEqual((rate * (at[j] - at[i])) / 1000 + 2);
      }
    }
    const span = at[at.length - 1] - at[0];
    expect(span).toBeGreaterThanOrEqual(((at.length - 2) / rate) * 1000);
  });

  it('stops when the signal aborts', async () => {
    server.rows = makeRows(3, T0, 60_000);
    const ac = new AbortController();
    const src = source();
    const it = src.pages({ since: T0, until: T0 + 3 * HOUR }, null, ac.signal);
    await it.next();
    ac.abort(new Error('stop'));
    await expect(it.next()).rejects.toThrow('stop');
  });
});

describe('azure-monitor source: permanent errors', () => {
  const run = async (over: Partial<AzureMonitorLogSourceOptions> = {}): Promise<SourceError> => {
    try {
      await allPages(source(over), { since: T0, until: T0 + HOUR });
    } catch (e) {
      return e as SourceError;
    }
    throw new Error('expected the pull to fail');
  };

  it('403 names the Log Analytics Reader role and is not retried', async () => {
    server.failNext({ status: 403, code: 'InsufficientAccessError', message: 'The provided credentials have insufficient access to perform the requested operation' });
    const err = await run();
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ transient: false, status: 403 });
    expect(err.message).toMatch(/Log Analytics Reader/);
    expect(server.requests).toHaveLength(1);
  });

  it('401 says how to sign in', async () => {
    server.failNext({ status: 401, code: 'InvalidTokenError', message: 'The provided authentication is not valid for this resource' });
    const err = await run();
    expect(err).toMatchObject({ transient: false, status: 401 });
    expect(err.message).toMatch(/az login/);
  });

  it('404 for an unknown workspace names the workspace id', async () => {
    const err = await run({ workspaceId: '00000000-0000-0000-0000-00000000dead' });
    expect(err).toMatchObject({ transient: false, status: 404 });
    expect(err.message).toMatch(/00000000-0000-0000-0000-00000000dead/);
    expect(err.message).toMatch(/customer id/);
  });

  it('400 points at the query', async () => {
    server.failNext({ status: 400, code: 'SemanticError', message: "'where' operator: Failed to resolve column named 'Foo'" });
    const err = await run();
    expect(err).toMatchObject({ transient: false, status: 400 });
    expect(err.message).toMatch(/check the KQL/);
    expect(err.message).toMatch(/Failed to resolve column/);
  });

  it('missing credentials: a clear permanent error (given credential and the default chain)', async () => {
    const none: TokenCredential = {
      getToken: async () => {
        throw new CredentialUnavailableError('EnvironmentCredential is unavailable. No underlying credential could be used.');
      },
    };
    const err = await run({ credential: none });
    expect(err).toMatchObject({ transient: false });
    expect(err.message).toMatch(/no usable Azure credentials/);
    expect(err.message).toMatch(/az login/);
    expect(server.requests).toHaveLength(0);

    // DefaultAzureCredential, limited to the environment credential, with nothing in the environment
    vi.stubEnv('AZURE_TOKEN_CREDENTIALS', 'EnvironmentCredential');
    for (const k of ['AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_USERNAME', 'AZURE_PASSWORD']) vi.stubEnv(k, '');
    const err2 = await run({ credential: undefined, tenantId: '11111111-2222-3333-4444-555555555555' });
    expect(err2).toBeInstanceOf(SourceError);
    expect(err2).toMatchObject({ transient: false });
    expect(err2.message).toMatch(/no usable Azure credentials/);
  });

  it('refuses bad options at creation', () => {
    expect(() => source({ workspaceId: ' ' })).toThrow(/workspace id is required/);
    expect(() => source({ query: '' })).toThrow(/KQL query is required/);
    expect(() => source({ sliceMinutes: 0 })).toThrow(/sliceMinutes/);
  });

  it('id, provider and description', () => {
    const src = source({ query: `${QUERY} | where ${'x'.repeat(80)}` });
    expect(src.id).toMatch(new RegExp(`^azure:${server.workspaceId}:[0-9a-f]{12}$`));
    expect(src.provider).toBe('azure');
    expect(src.description).toMatch(/\.\.\.$/);
    expect(source().description).toContain(QUERY);
  });
});

describe('classifyAzureMonitorError', () => {
  const headers = (retryAfter?: string) => ({ response: { headers: { get: (n: string) => (n === 'retry-after' ? retryAfter : undefined) } } });

  it('classifies statuses, network codes and the rest', () => {
    const passthrough = new SourceError('x', { transient: true, target: 't' });
    expect(classifyAzureMonitorError(passthrough, 't', 'w')).toBe(passthrough);
    expect(classifyAzureMonitorError({ statusCode: 502, message: 'bad gateway', ...headers('3') }, 't', 'w')).toMatchObject({ transient: true, status: 502, retryAfterMs: 3000 });
    expect(classifyAzureMonitorError({ statusCode: 429, message: 'slow down', ...headers() }, 't', 'w')).toMatchObject({ transient: true, retryAfterMs: null });
    expect(classifyAzureMonitorError({ code: 'ECONNRESET', message: 'socket hang up' }, 't', 'w')).toMatchObject({ transient: true, status: null });
    expect(classifyAzureMonitorError({ name: 'AuthenticationError', message: 'bad secret\nmore' }, 't', 'w').message).toMatch(/no usable Azure credentials \(AuthenticationError\): bad secret;/);
    expect(classifyAzureMonitorError(new TypeError('boom'), 't', 'w')).toMatchObject({ transient: false, message: 't: boom' });
    expect(classifyAzureMonitorError(null, 't', 'w')).toMatchObject({ transient: false, message: 't: null' });
  });
});
