/**
 * createGcpLoggingSource against the local Cloud Logging REST fake (tests/helpers/cloud-logging-server.ts):
 * the generated client's auth (google-auth-library) with a service-account key made up here (a self-signed JWT,
 * no token exchange), the real HTTP client, a real TokenBucket. No real credentials, gcloud configuration or metadata server are touched.
 */
import { generateKeyPairSync, createPublicKey, verify as verifySignature } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../../src/model/index.js';
import { gcpLoggingFormat } from '../../../src/parsers/logs/gcp-logging.js';
import { TokenBucket } from '../../../src/sources/rate-limit.js';
import type { RetryPolicy } from '../../../src/sources/retry.js';
import { createGcpLoggingSource, gcpLoggingError, windowFilter, type GcpCredentials, type GcpLoggingSourceOptions } from '../../../src/sources/logs/gcp-logging.js';
import type { LogCursor, LogPage, LogSource, LogWindow } from '../../../src/sources/logs/types.js';
import { SourceError } from '../../../src/sources/types.js';
import { startCloudLoggingTestServer, type CloudLoggingTestServer } from '../../helpers/cloud-logging-server.js';
import { sharedFixture, sharedFixturesPresent } from '../../helpers/fixtures.js';
import { chunked } from '../../helpers/parse.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'nf-gcp-logging-'));
mkdirSync(path.join(scratch, 'gcloud'));
for (const k of ['GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT', 'GOOGLE_CLOUD_UNIVERSE_DOMAIN']) delete process.env[k];
Object.assign(process.env, {
  HOME: scratch,
  CLOUDSDK_CONFIG: path.join(scratch, 'gcloud'),
  METADATA_SERVER_DETECTION: 'none',
  GCE_METADATA_HOST: '127.0.0.1:9',
  GCE_METADATA_IP: '127.0.0.1:9',
});

const PROJECT = 'nf-logs';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

function key(extra: Record<string, unknown> = {}): GcpCredentials {
  return { type: 'service_account', client_email: `reader@${PROJECT}.iam.gserviceaccount.com`, private_key: privateKey, project_id: PROJECT, ...extra };
}

const T0 = Date.parse('2026-11-25T10:00:00Z');
const WINDOW: LogWindow = { since: T0, until: T0 + 3_600_000 };

function logEntry(i: number, at = T0 + i * 1000): Record<string, unknown> {
  return {
    insertId: `e${String(i).padStart(4, '0')}`,
    logName: `projects/${PROJECT}/logs/stdout`,
    resource: { type: 'k8s_container', labels: { project_id: PROJECT, location: 'europe-west1-b' } },
    timestamp: new Date(at).toISOString().replace('Z', '123456Z'),
    receiveTimestamp: new Date(at + 500).toISOString(),
    severity: 'INFO',
    textPayload: `line ${i}`,
  };
}

/** No real waiting in retries: the delays are recorded. */
function fastHooks() {
  const delays: number[] = [];
  return { delays, hooks: { sleep: async (ms: number) => void delays.push(ms), random: () => 0.5 } };
}

const POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 100, timeoutMs: 5000 };

let server: CloudLoggingTestServer;
const fast = () => new TokenBucket({ ratePerSecond: 10_000, burst: 10_000 });

function source(over: Partial<GcpLoggingSourceOptions> = {}): LogSource {
  return createGcpLoggingSource({ projectId: PROJECT, endpoint: server.url, credentials: key(), bucket: fast(), retry: POLICY, env: {}, ...over });
}

async function drain(src: LogSource, window: LogWindow = WINDOW, cursor: LogCursor | null = null, signal?: AbortSignal): Promise<LogPage[]> {
  const out: LogPage[] = [];
  for await (const p of src.pages(window, cursor, signal)) out.push(p);
  return out;
}

const ids = (events: EventRecord[]) => events.map((e) => e.event_id!.split('|')[2]);

beforeAll(async () => {
  server = await startCloudLoggingTestServer({ forbiddenParents: ['projects/locked'] });
  server.add(`projects/${PROJECT}`, Array.from({ length: 25 }, (_, i) => logEntry(i)));
  // outside the window on both sides
  server.add(`projects/${PROJECT}`, [logEntry(900, T0 - 1), logEntry(901, WINDOW.until)]);
  server.add('projects/other', [logEntry(500, T0 + 10)]);
});

afterAll(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(() => {
  server.requests.length = 0;
});

describe('gcp-logging source: paging', () => {
  it('retrieves every entry of the window exactly once, in order, page by page', async () => {
    const pages = await drain(source({ pageSize: 10 }));
    expect(pages.map((p) => p.events.length)).toEqual([10, 10, 5]);
    const all = pages.flatMap((p) => p.events);
    expect(ids(all)).toEqual(Array.from({ length: 25 }, (_, i) => `e${String(i).padStart(4, '0')}`));
    expect(new Set(all.map((e) => e.event_id)).size).toBe(25);
    expect(pages.map((p) => p.requests)).toEqual([1, 1, 1]);
    expect(pages[2].cursor).toBeNull();
    expect(pages[0].cursor).toEqual({ pageToken: expect.any(String), lastTimestamp: '2026-11-25T10:00:09.000123456Z' });
    expect(pages.every((p) => p.diagnostics.length === 0)).toBe(true);
    // records as the file parser makes them
    expect(all[3]).toMatchObject({
      provider: 'gcp',
      source_format: 'gcp-logging',
      account_id: PROJECT,
      region: 'europe-west1',
      message: 'line 3',
      timestamp: T0 + 3000,
      observed_timestamp: T0 + 3500,
      source_object: `gcp-logging://projects/${PROJECT}`,
      source_line: 4,
    });
    expect(all[3].size_bytes).toBe(JSON.stringify(logEntry(3)).length);
  });

  it('sends the documented request: resourceNames, filter with the window, orderBy, pageSize, pageToken', async () => {
    await drain(source({ pageSize: 10, filter: 'severity>=INFO' }));
    const reqs = server.listRequests();
    expect(reqs).toHaveLength(3);
    expect(reqs[0]).toMatchObject({ method: 'POST', path: '/v2/entries:list' });
    expect(reqs[0].authorization).toMatch(/^Bearer \S+\.\S+\.\S+$/);
    expect(reqs[0].body).toEqual({
      resourceNames: [`projects/${PROJECT}`],
      filter: '(severity>=INFO) AND timestamp >= "2026-11-25T10:00:00.000Z" AND timestamp < "2026-11-25T11:00:00.000Z"',
      orderBy: 'timestamp asc',
      pageSize: 10,
    });
    expect(reqs[1].body?.pageToken).toEqual(expect.any(String));
    expect(reqs[2].body?.pageToken).not.toBe(reqs[1].body?.pageToken);
  });

  it('authenticates with a self-signed JWT of the key for the Logging API audience (as the generated clients do)', async () => {
    await drain(source({ pageSize: 1000 }));
    const [req] = server.listRequests();
    const [h, p, sig] = req.authorization!.slice('Bearer '.length).split('.');
    const ok = verifySignature('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(publicKey), Buffer.from(sig, 'base64url'));
    expect(ok).toBe(true);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: `reader@${PROJECT}.iam.gserviceaccount.com`, sub: `reader@${PROJECT}.iam.gserviceaccount.com` });
    expect(claims.aud).toBe('https://logging.googleapis.com/');
    expect(Number(claims.exp) - Number(claims.iat)).toBeLessThanOrEqual(3600);
    // no token exchange: every request the server saw was an entries.list call
    expect(server.requests.every((r) => r.path === '/v2/entries:list')).toBe(true);
  });

  it('resumes after page k at page k+1 with nothing lost or repeated', async () => {
    const src = source({ pageSize: 7 });
    const full = await drain(src);
    expect(full).toHaveLength(4);
    for (let k = 0; k < full.length - 1; k++) {
      // the caller stored pages 0..k and checkpointed page k's cursor (JSON round trip, as on disk), then died
      const cursor = JSON.parse(JSON.stringify(full[k].cursor)) as LogCursor;
      const rest = await drain(source({ pageSize: 7 }), WINDOW, cursor);
      const seen = [...full.slice(0, k + 1).flatMap((p) => p.events), ...rest.flatMap((p) => p.events)];
      expect(ids(seen)).toEqual(ids(full.flatMap((p) => p.events)));
    }
    // an empty or foreign cursor starts from the beginning
    expect((await drain(src, WINDOW, {})).flatMap((p) => p.events)).toHaveLength(25);
    expect((await drain(src, WINDOW, { pageToken: 7 })).flatMap((p) => p.events)).toHaveLength(25);
  });

  it('resumes from an expired page token without a gap: from the last timestamp, duplicates only there', async () => {
    const first = await drain(source({ pageSize: 7 }));
    const cursor = first[1].cursor!;
    expect(cursor.lastTimestamp).toBe('2026-11-25T10:00:13.000123456Z');
    server.expireTokens();
    const rest = await drain(source({ pageSize: 7 }), WINDOW, cursor);
    expect(rest[0].requests).toBe(2);
    expect(rest[0].diagnostics).toMatchObject([{ reason: 'page-token-refused', severity: 'warning', field: 'pageToken' }]);
    expect(rest[0].diagnostics[0].message).toMatch(/listing again from 2026-11-25T10:00:13\.000123456Z/);
    const delivered = [...first.slice(0, 2), ...rest].flatMap((p) => p.events);
    const unique = [...new Map(delivered.map((e) => [e.event_id, e])).values()];
    expect(ids(unique)).toEqual(ids(first.flatMap((p) => p.events)));
    expect(delivered.length - unique.length).toBe(1); // e0013, at the restart instant
    const reqs = server.listRequests();
    expect(reqs.at(-1)!.body?.filter).toBe('timestamp >= "2026-11-25T10:00:13.000123456Z" AND timestamp < "2026-11-25T11:00:00.000Z"');

    // a cursor without lastTimestamp restarts at the window's start; a refusal that is not about the token stays an error
    server.expireTokens();
    const again = await drain(source({ pageSize: 100 }), WINDOW, { pageToken: first[0].cursor!.pageToken });
    expect(again.flatMap((p) => p.events)).toHaveLength(25);
    server.inject({ kind: 'bad-request', message: 'Invalid page token' }, { kind: 'bad-request', message: 'Unparseable filter' });
    const err = await drain(source({ pageSize: 7 }), WINDOW, cursor).catch((e: unknown) => e);
    expect(err).toMatchObject({ transient: false, status: 400 });
    expect((err as Error).message).toMatch(/Unparseable filter/);
  });

  it('reads several parents, and nothing outside the window', async () => {
    const src = source({ resourceNames: [`projects/${PROJECT}`, 'projects/other'] });
    const events = (await drain(src, { since: T0, until: T0 + 5000 })).flatMap((p) => p.events);
    expect(ids(events)).toEqual(['e0000', 'e0500', 'e0001', 'e0002', 'e0003', 'e0004']);
    expect(src.id).toMatch(new RegExp(`^gcp:${PROJECT}:[0-9a-f]{12}$`));
    expect(src.description).toBe(`Cloud Logging projects/${PROJECT}, projects/other`);
    const empty = await drain(source(), { since: T0 - 10_000, until: T0 - 5000 });
    expect(empty).toEqual([{ events: [], diagnostics: [], cursor: null, requests: 1 }]);
  });

  it('passes audit entries through the same normalizer (which the generated client cannot decode over REST)', async () => {
    if (!sharedFixturesPresent) return;
    const line = readFileSync(sharedFixture('cloudlogs', 'gcp-audit', 'elastic-integrations', 'test-k8s-nonmatching-resourcename.log'), 'utf8').trim();
    const audit = JSON.parse(line) as Record<string, unknown>;
    server.add('projects/example-project', [audit]);
    const events = (await drain(source({ projectId: 'example-project' }), { since: Date.parse('2021-04-23T00:00:00Z'), until: Date.parse('2021-04-24T00:00:00Z') })).flatMap(
      (p) => p.events,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ category: 'audit', outcome: 'failure', error_code: 'PERMISSION_DENIED', event_name: 'io.k8s.get', actor: 'system:anonymous', size_bytes: line.length });
  });

  it('gives the same records as the file parser for the same entries', async () => {
    const pulled = (await drain(source())).flatMap((p) => p.events);
    const ndjson = Array.from({ length: 25 }, (_, i) => JSON.stringify(logEntry(i))).join('\n');
    const parsed: EventRecord[] = [];
    for await (const b of gcpLoggingFormat.parse(chunked(ndjson, 1000), { object: 'file' })) parsed.push(...b.events);
    const strip = (e: EventRecord) => ({ ...e, source_object: null, source_line: null });
    expect(pulled.map(strip)).toEqual(parsed.map(strip));
  });

  it('turns entries that are not LogEntries into diagnostics', async () => {
    server.add('projects/junk', [{ timestamp: new Date(T0).toISOString() }, { ...logEntry(1), timestamp: new Date(T0 + 1).toISOString() }]);
    const [page] = await drain(source({ projectId: 'junk' }));
    expect(page.events).toHaveLength(1);
    expect(page.diagnostics).toMatchObject([{ reason: 'not-a-log-entry', object: 'gcp-logging://projects/junk', line: 1 }]);
  });
});

describe('the generated client against the same fake (why the source does not use it)', () => {
  interface ListClient {
    listLogEntries(request: Record<string, unknown>, options: Record<string, unknown>): Promise<[Record<string, unknown>[], Record<string, unknown> | null, unknown]>;
    close(): Promise<void>;
  }

  async function generatedClient(): Promise<ListClient> {
    const { v2 } = (await import('@google-cloud/logging')) as unknown as { v2: { LoggingServiceV2Client: new (o: Record<string, unknown>) => ListClient } };
    const url = new URL(server.url);
    return new v2.LoggingServiceV2Client({ fallback: true, apiEndpoint: url.hostname, port: Number(url.port), protocol: 'http', credentials: key(), projectId: PROJECT });
  }

  it('pages plain entries through the fake (the fake speaks the wire protocol the official client uses)', async () => {
    const client = await generatedClient();
    try {
      const request = { resourceNames: [`projects/${PROJECT}`], filter: windowFilter(undefined, WINDOW), orderBy: 'timestamp asc', pageSize: 10 };
      const [entries, next] = await client.listLogEntries(request, { autoPaginate: false, retry: null });
      expect(entries).toHaveLength(10);
      expect(entries[0]).toMatchObject({ insertId: 'e0000', textPayload: 'line 0' });
      expect(next).toMatchObject({ pageToken: expect.any(String) });
      expect(server.listRequests()[0].path).toBe('/v2/entries:list?$alt=json%3Benum-encoding=int');
    } finally {
      await client.close();
    }
  });

  it('fails the whole page on a Cloud Audit Logs entry over REST (AuditLog is not in its proto root)', async () => {
    server.add('projects/audited', [
      {
        insertId: 'x',
        logName: 'projects/audited/logs/cloudaudit.googleapis.com%2Factivity',
        timestamp: new Date(T0).toISOString(),
        protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', methodName: 'm', serviceName: 's' },
      },
    ]);
    const client = await generatedClient();
    try {
      const request = { resourceNames: ['projects/audited'], filter: windowFilter(undefined, WINDOW), orderBy: 'timestamp asc' };
      await expect(client.listLogEntries(request, { autoPaginate: false, retry: null })).rejects.toThrow(/cannot find type google\.cloud\.audit\.AuditLog/);
    } finally {
      await client.close();
    }
    const events = (await drain(source({ projectId: 'audited' }))).flatMap((p) => p.events);
    expect(events).toMatchObject([{ category: 'audit', event_name: 'm', service: 's' }]);
  });
});

describe('gcp-logging source: throttling, outages, errors', () => {
  it('retries 429 RESOURCE_EXHAUSTED honouring Retry-After, and counts the requests', async () => {
    const { delays, hooks } = fastHooks();
    server.inject({ kind: 'throttle', retryAfter: '3' }, { kind: 'throttle' });
    const pages = await drain(source({ hooks, pageSize: 1000 }));
    expect(pages.flatMap((p) => p.events)).toHaveLength(25);
    expect(pages[0].requests).toBe(3);
    expect(delays[0]).toBe(3000); // the server's wait, not the (smaller) backoff
    expect(delays[1]).toBeLessThan(100);
    expect(server.listRequests().map((r) => r.outcome)).toEqual(['throttle', 'throttle', 'ok']);
  });

  it('retries 503, 500 and connection resets; gives up with a transient error after maxAttempts', async () => {
    const { hooks } = fastHooks();
    server.inject({ kind: 'unavailable' }, { kind: 'internal' }, { kind: 'reset' });
    const pages = await drain(source({ hooks }));
    expect(pages[0].requests).toBe(4);
    expect(pages[0].events).toHaveLength(25);

    server.inject({ kind: 'unavailable' }, { kind: 'unavailable' }, { kind: 'unavailable' }, { kind: 'unavailable' });
    const err = await drain(source({ hooks })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ transient: true, status: 503 });
    expect((err as Error).message).toMatch(/still failing after 4 attempt\(s\).*503 UNAVAILABLE/);
  });

  it('bounds a request that gets no answer by the policy timeout', async () => {
    const { hooks } = fastHooks();
    server.inject({ kind: 'stall' });
    const started = Date.now();
    const pages = await drain(source({ hooks, retry: { ...POLICY, timeoutMs: 300 } }));
    expect(pages[0].requests).toBe(2);
    expect(pages[0].events).toHaveLength(25);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports PERMISSION_DENIED as permanent, naming the roles, without retrying', async () => {
    const { delays, hooks } = fastHooks();
    const err = await drain(source({ projectId: 'locked', hooks })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ transient: false, status: 403 });
    expect((err as Error).message).toMatch(/permission denied \(403\): grant the identity roles\/logging\.viewer on projects\/locked \(roles\/logging\.privateLogViewer as well/);
    expect((err as Error).message).toContain("Permission 'logging.logEntries.list' denied");
    expect(delays).toEqual([]);
    expect(server.listRequests()).toHaveLength(1);

    server.inject({ kind: 'forbidden' });
    const dataAccess = await drain(source({ hooks, filter: 'logName:"cloudaudit.googleapis.com%2Fdata_access"' })).catch((e: unknown) => e);
    expect((dataAccess as Error).message).toMatch(/roles\/logging\.viewer on projects\/nf-logs and roles\/logging\.privateLogViewer to read Data Access audit logs/);
  });

  it('reports a refused filter, refused credentials and unknown answers as permanent', async () => {
    const { hooks } = fastHooks();
    server.inject({ kind: 'bad-request', message: 'Unparseable filter: syntax error at line 1, column 5' });
    const bad = await drain(source({ hooks, filter: 'severity>>' })).catch((e: unknown) => e);
    expect(bad).toMatchObject({ transient: false, status: 400 });
    expect((bad as Error).message).toMatch(/refused the request \(400 INVALID_ARGUMENT\): Unparseable filter.*check the filter: \(severity>>\) AND timestamp/);

    server.inject({ kind: 'unauthenticated' });
    const refused = await drain(source({ hooks })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ transient: false, status: 401 });
    expect((refused as Error).message).toMatch(/Google refused the credentials \(401\): no usable Google credentials: run 'gcloud auth application-default login'/);
    expect((refused as Error).message).not.toContain('PRIVATE KEY');

    const notFound = await drain(source({ endpoint: `${server.url}/nowhere` })).catch((e: unknown) => e);
    expect(notFound).toMatchObject({ transient: false, status: 404 });
    expect((notFound as Error).message).toMatch(/not found \(404\): check the project or resource names projects\/nf-logs/);
  });

  it('fails clearly without credentials, before sending anything', async () => {
    const err = await drain(createGcpLoggingSource({ projectId: PROJECT, endpoint: server.url, bucket: fast(), retry: POLICY, env: {} })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toMatchObject({ transient: false });
    expect((err as Error).message).toMatch(/no usable Google credentials: run 'gcloud auth application-default login', or set GOOGLE_APPLICATION_CREDENTIALS/);
    expect(server.listRequests()).toEqual([]);
  });

  it('needs a project or resource names; checks pageSize', () => {
    expect(() => createGcpLoggingSource({ bucket: fast(), env: {} })).toThrow(/no GCP project given or found: pass --project/);
    expect(createGcpLoggingSource({ bucket: fast(), env: { GOOGLE_CLOUD_PROJECT: 'from-env' } }).id).toMatch(/^gcp:from-env:/);
    expect(createGcpLoggingSource({ bucket: fast(), env: {}, credentials: key({ project_id: 'from-key' }) }).id).toMatch(/^gcp:from-key:/);
    expect(createGcpLoggingSource({ bucket: fast(), env: {}, resourceNames: ['organizations/1'] }).id).toMatch(/^gcp:organizations\/1:/);
    expect(() => source({ pageSize: 0 })).toThrow(RangeError);
    expect(() => source({ pageSize: 1001 })).toThrow(RangeError);
    // the id changes with the filter, not with the endpoint or credentials
    expect(source({ filter: 'a' }).id).not.toBe(source({ filter: 'b' }).id);
    expect(source({ filter: 'a' }).id).toBe(source({ filter: ' a ', endpoint: 'http://x' }).id);
    expect(source({ filter: 'a' }).description).toBe(`Cloud Logging projects/${PROJECT} filter "a"`);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const src = source({ pageSize: 5 });
    const got: LogPage[] = [];
    const err = await (async () => {
      for await (const p of src.pages(WINDOW, null, controller.signal)) {
        got.push(p);
        controller.abort(new Error('stop'));
      }
    })().catch((e: unknown) => e);
    expect(got).toHaveLength(1);
    expect(err).toBeInstanceOf(Error);
    expect(server.listRequests()).toHaveLength(1);
  });
});

describe('gcp-logging source: rate', () => {
  it('never sends faster than the bucket, retries included', async () => {
    const { hooks } = fastHooks();
    const rate = 20; // per second
    const bucket = new TokenBucket({ ratePerSecond: rate, burst: 1 });
    const takes: number[] = [];
    const take = bucket.take.bind(bucket);
    bucket.take = async (signal?: AbortSignal) => {
      await take(signal);
      takes.push(performance.now());
    };
    server.inject({ kind: 'throttle' }, { kind: 'unavailable' });
    const pages = await drain(source({ bucket, hooks, pageSize: 3 }));
    expect(pages.flatMap((p) => p.events)).toHaveLength(25);
    const arrivals = server.listRequests().map((r) => r.at);
    // every request (9 pages + 2 retries) took a token first
    expect(arrivals).toHaveLength(11);
    expect(takes).toHaveLength(11);
    expect(pages.reduce((n, p) => n + p.requests, 0)).toBe(11);
    // tokens: any n of them span at least (n-1)/rate (1 ms of timer rounding per gap)
    for (let i = 1; i < takes.length; i++) expect(takes[i] - takes[0]).toBeGreaterThanOrEqual((i * 1000) / rate - i);
    // as the server saw them (from the second on: the first also waited for the key to be signed), with 15 ms of
    // client-side jitter allowed on a loaded machine
    for (let i = 2; i < arrivals.length; i++) expect(arrivals[i] - arrivals[1]).toBeGreaterThanOrEqual(((i - 1) * 1000) / rate - 15);
  });
});

describe('gcp-logging source: helpers', () => {
  it('builds the window filter', () => {
    expect(windowFilter(undefined, WINDOW)).toBe('timestamp >= "2026-11-25T10:00:00.000Z" AND timestamp < "2026-11-25T11:00:00.000Z"');
    expect(windowFilter('  ', WINDOW)).toBe('timestamp >= "2026-11-25T10:00:00.000Z" AND timestamp < "2026-11-25T11:00:00.000Z"');
    expect(windowFilter('a OR b', WINDOW)).toMatch(/^\(a OR b\) AND timestamp >= /);
  });

  it('classifies errors without a response', () => {
    const where = { target: 't', parents: ['projects/p'], filter: 'f' };
    expect(gcpLoggingError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), where)).toMatchObject({ transient: true });
    expect(gcpLoggingError(Object.assign(new Error('x'), { code: 'EPROTO' }), where)).toMatchObject({ transient: false });
    expect(gcpLoggingError(new Error('weird'), where)).toMatchObject({ transient: true });
    expect(gcpLoggingError(Object.assign(new Error('aborted'), { name: 'AbortError' }), where).message).toBe('t: no answer in time from the Cloud Logging API');
    expect(gcpLoggingError(new Error('Could not load the default credentials.'), where).message).toMatch(/no usable Google credentials/);
    const same = new SourceError('s', { transient: true, target: 't' });
    expect(gcpLoggingError(same, where)).toBe(same);
    expect(gcpLoggingError(null, where)).toMatchObject({ transient: true });
  });

  it('classifies responses by HTTP status and Google status', () => {
    const where = { target: 't', parents: ['projects/p'], filter: 'f' };
    const res = (status: number, data: unknown, headers: unknown = {}) => Object.assign(new Error('http'), { response: { status, data, headers } });
    expect(gcpLoggingError(res(429, '{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}', { 'retry-after': '2' }), where)).toMatchObject({
      transient: true,
      retryAfterMs: 2000,
    });
    const fetchHeaders = new Headers({ 'retry-after': '4' });
    expect(gcpLoggingError(res(429, null, fetchHeaders), where)).toMatchObject({ retryAfterMs: 4000 });
    expect(gcpLoggingError(res(400, { error: { code: 400, status: 'RESOURCE_EXHAUSTED', message: 'quota' } }), where)).toMatchObject({ transient: true });
    expect(gcpLoggingError(res(409, { error: { code: 409, status: 'ABORTED', message: 'retry' } }), where)).toMatchObject({ transient: true });
    expect(gcpLoggingError(res(502, 'not json'), where)).toMatchObject({ transient: true, status: 502 });
    expect(gcpLoggingError(res(418, null), where)).toMatchObject({ transient: false, status: 418, message: "t: Cloud Logging answered 418: http" });
    expect(gcpLoggingError(Object.assign(new Error('x'), { status: 503 }), where)).toMatchObject({ transient: true, status: 503 });
  });

  async function withOddServer(body: string, fn: (url: string) => Promise<void>): Promise<void> {
    const http = await import('node:http');
    const odd = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', () => resolve()));
    try {
      await fn(`http://127.0.0.1:${(odd.address() as { port: number }).port}/`);
    } finally {
      await new Promise((resolve) => odd.close(resolve));
    }
  }

  it('treats a response that is not an entries.list response as transient', async () => {
    const { hooks } = fastHooks();
    await withOddServer('{"entries": 5}', async (endpoint) => {
      const err = await drain(source({ endpoint, hooks, retry: { ...POLICY, maxAttempts: 2 } })).catch((e: unknown) => e);
      expect(err).toMatchObject({ transient: true });
      expect((err as Error).message).toMatch(/not an entries\.list response/);
    });
  });

  it('turns entries that are not objects into diagnostics; an empty response is an empty page', async () => {
    await withOddServer(JSON.stringify({ entries: ['x', null, [1], logEntry(1)] }), async (endpoint) => {
      const [page] = await drain(source({ endpoint }));
      expect(page.events).toHaveLength(1);
      expect(page.diagnostics.map((d) => [d.reason, d.line])).toEqual([
        ['not-a-record', 1],
        ['not-a-record', 2],
        ['not-a-record', 3],
      ]);
    });
    await withOddServer('{}', async (endpoint) => {
      expect(await drain(source({ endpoint }))).toEqual([{ events: [], diagnostics: [], cursor: null, requests: 1 }]);
    });
  });
});
