import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../../src/model/index.js';
import { TokenBucket } from '../../../src/sources/rate-limit.js';
import type { RetryPolicy } from '../../../src/sources/retry.js';
import { SourceError } from '../../../src/sources/types.js';
import { cloudWatchError, createCloudWatchLogSource, isTokenRejected, resolveAwsRegion, type CloudWatchLogSourceOptions } from '../../../src/sources/logs/cloudwatch.js';
import type { LogCursor, LogPage, LogSource, LogWindow } from '../../../src/sources/logs/types.js';
import { applyFakeAwsEnv } from '../../helpers/aws-env.js';
import { startCloudWatchLogsServer, type CloudWatchLogsServer, type FakeLogEvent } from '../../helpers/cloudwatch-logs-server.js';

const GROUP = '/aws/lambda/orders';
const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const WINDOW: LogWindow = { since: T0, until: T0 + 60_000 };
const POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 10_000 };

let server: CloudWatchLogsServer;
let restoreEnv: () => void;
let sleeps: number[];

function makeEvents(): FakeLogEvent[] {
  const out: FakeLogEvent[] = [];
  for (let i = 0; i < 50; i++) {
    const stream = `2026/11/25/[$LATEST]s${i % 3}`;
    // two events per millisecond here and there, so equal timestamps straddle page boundaries
    out.push({ logStreamName: stream, timestamp: T0 + Math.floor(i / 2) * 1000, message: `START RequestId: 00000000-0000-0000-0000-${String(i).padStart(12, '0')} Version: $LATEST\n` });
  }
  // outside the window: before since, exactly at until (exclusive), and far after
  out.push({ logStreamName: 'x', timestamp: T0 - 1, message: 'too early' });
  out.push({ logStreamName: 'x', timestamp: WINDOW.until, message: 'at until: excluded' });
  out.push({ logStreamName: 'x', timestamp: WINDOW.until - 1, message: 'last ms: included' });
  return out;
}

beforeAll(async () => {
  restoreEnv = applyFakeAwsEnv();
  server = await startCloudWatchLogsServer();
  server.addEvents(GROUP, makeEvents());
  server.addEvents('/app/web', [
    { logStreamName: 'web-1', timestamp: T0 + 5, message: '{"level":"ERROR","message":"boom","requestId":"r-1"}' },
    { logStreamName: 'other-1', timestamp: T0 + 6, message: 'plain text' },
    { logStreamName: 'web-2', timestamp: T0 + 7, message: 'GET /health 200' },
  ]);
});

afterAll(async () => {
  await server.close();
  restoreEnv();
});

afterEach(() => {
  server.faults.length = 0;
});

function source(extra: Partial<CloudWatchLogSourceOptions> = {}): LogSource {
  sleeps = [];
  return createCloudWatchLogSource({
    logGroup: GROUP,
    region: 'eu-west-1',
    endpoint: server.url,
    accountId: '123456789012',
    limit: 7,
    bucket: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
    retry: POLICY,
    hooks: {
      random: () => 0,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
    ...extra,
  });
}

async function collect(src: LogSource, cursor: LogCursor | null = null, window: LogWindow = WINDOW, stopAfter = Infinity): Promise<LogPage[]> {
  const pages: LogPage[] = [];
  for await (const p of src.pages(window, cursor)) {
    pages.push(p);
    if (pages.length >= stopAfter) break;
  }
  return pages;
}

const ids = (pages: LogPage[]) => pages.flatMap((p) => p.events.map((e) => e.event_id));
const expectedIds = () => server.groups.get(GROUP)!.filter((e) => e.timestamp >= WINDOW.since && e.timestamp < WINDOW.until).map((e) => e.eventId);

describe('createCloudWatchLogSource', () => {
  it('names itself by region, log group and prefix', () => {
    expect(source().id).toBe('aws:eu-west-1:/aws/lambda/orders');
    expect(source().provider).toBe('aws');
    const s = source({ logStreamNamePrefix: '2026/', filterPattern: 'ERROR' });
    expect(s.id).toBe('aws:eu-west-1:/aws/lambda/orders:2026/');
    expect(s.description).toContain('streams 2026/*');
    expect(s.description).toContain('"ERROR"');
    expect(source({ logGroup: 'arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/orders:*' }).id).toBe('aws:eu-west-1:/aws/lambda/orders');
  });

  it('retrieves every event of the window exactly once across pages, with nextToken paging', async () => {
    const before = server.requests.length;
    const pages = await collect(source());
    const got = ids(pages);
    expect(got).toEqual(expectedIds());
    expect(new Set(got).size).toBe(got.length);
    expect(got.length).toBe(51); // 50 + the event in the last millisecond
    expect(pages.length).toBe(Math.ceil(51 / 7));
    expect(pages.at(-1)!.cursor).toBeNull();
    for (const p of pages.slice(0, -1)) expect(p.cursor).toMatchObject({ nextToken: expect.any(String), startTime: WINDOW.since });
    // one request per page; the window's end is sent inclusive (until - 1)
    const reqs = server.requests.slice(before);
    expect(pages.reduce((n, p) => n + p.requests, 0)).toBe(reqs.length);
    expect(reqs[0].target).toBe('Logs_20140328.FilterLogEvents');
    expect(reqs[0].body).toMatchObject({ logGroupName: GROUP, startTime: WINDOW.since, endTime: WINDOW.until - 1, limit: 7 });
    expect(reqs[0].body.nextToken).toBeUndefined();
    expect(reqs[1].body.nextToken).toEqual(expect.any(String));
  });

  it('normalizes events with the parser (lambda ARN, ingestion time, stream, request id)', async () => {
    const pages = await collect(source(), null, WINDOW, 1);
    const e = pages[0].events[0] as EventRecord;
    expect(e).toMatchObject({
      provider: 'aws',
      source_format: 'aws-cloudwatch',
      account_id: '123456789012',
      region: 'eu-west-1',
      service: 'lambda',
      resource_id: 'arn:aws:lambda:eu-west-1:123456789012:function:orders',
      log_name: GROUP,
      event_name: 'START',
      request_id: '00000000-0000-0000-0000-000000000000',
      timestamp: T0,
      observed_timestamp: T0 + 500,
      source_object: 'aws:eu-west-1:/aws/lambda/orders',
      source_line: 1,
    });
    expect(e.attributes).toEqual({ logStreamName: '2026/11/25/[$LATEST]s0' });
  });

  it('passes the stream prefix, filter pattern and a log group ARN to the API', async () => {
    const before = server.requests.length;
    const s = source({ logGroup: 'arn:aws:logs:eu-west-1:111122223333:log-group:/app/web', logStreamNamePrefix: 'web-', filterPattern: 'GET', limit: undefined, accountId: undefined });
    const pages = await collect(s);
    expect(pages.flatMap((p) => p.events.map((e) => e.message))).toEqual(['GET /health 200']);
    expect(pages[0].events[0].account_id).toBe('111122223333');
    expect(server.requests[before].body).toMatchObject({ logGroupIdentifier: 'arn:aws:logs:eu-west-1:111122223333:log-group:/app/web', logStreamNamePrefix: 'web-', filterPattern: 'GET' });
    expect(server.requests[before].body.limit).toBeUndefined();
    const json = await collect(source({ logGroup: '/app/web', logStreamNamePrefix: 'web-1' }));
    expect(json[0].events[0]).toMatchObject({ severity_text: 'ERROR', severity_number: 17, message: 'boom', request_id: 'r-1', category: 'application', service: null });
  });

  it('resumes from a cursor taken after page k at page k+1, with nothing lost or repeated', async () => {
    const all = expectedIds();
    for (const k of [1, 3, 7]) {
      const first = await collect(source(), null, WINDOW, k);
      const cursor = JSON.parse(JSON.stringify(first.at(-1)!.cursor)) as LogCursor; // as checkpointed
      const rest = await collect(source(), cursor);
      expect([...ids(first), ...ids(rest)]).toEqual(all);
    }
  });

  it('an empty window yields no page and sends nothing', async () => {
    const before = server.requests.length;
    expect(await collect(source(), null, { since: T0, until: T0 })).toEqual([]);
    expect(server.requests.length).toBe(before);
  });

  it('restarts from the last stored event time when a resumed nextToken has expired (dedupe by event_id)', async () => {
    const first = await collect(source(), null, WINDOW, 2);
    const cursor = first.at(-1)!.cursor!;
    server.expireTokens();
    const rest = await collect(source(), cursor);
    expect(rest[0].diagnostics).toEqual([expect.objectContaining({ reason: 'token-expired', severity: 'warning', field: 'nextToken' })]);
    expect(rest[0].requests).toBe(2); // the refused request and the fresh one
    const got = [...ids(first), ...ids(rest)];
    expect([...new Set(got)]).toEqual(expectedIds()); // nothing lost
    const last = cursor.lastTimestamp as number;
    // what came twice is only what shares the last stored millisecond
    const firstIds = new Set(ids(first));
    for (const e of rest.flatMap((p) => p.events)) if (firstIds.has(e.event_id)) expect(e.timestamp).toBe(last);
    // the restart asked from that time
    const restart = server.requests.filter((r) => r.status === 200).at(-rest.length)!;
    expect(restart.body.startTime).toBe(last);
    expect(restart.body.nextToken).toBeUndefined();
  });

  it('a refused token without any stored event restarts from the cursor start time', async () => {
    const rest = await collect(source(), { nextToken: 'garbage', startTime: WINDOW.since, lastTimestamp: null });
    expect(rest[0].diagnostics[0].reason).toBe('token-expired');
    expect(ids(rest)).toEqual(expectedIds());
    // a cursor that is not ours is ignored: the window starts over
    expect(ids(await collect(source(), { foo: 1 }))).toEqual(expectedIds());
  });

  it('a service that refuses every token still progresses by restarts, and gives up only when a restart gains nothing', async () => {
    server.refuseTokens = true;
    try {
      const pages = await collect(source());
      expect([...new Set(ids(pages))]).toEqual(expectedIds());
      expect(pages.filter((p) => p.diagnostics.some((d) => d.reason === 'token-expired')).length).toBeGreaterThan(3);
      // more events in one millisecond than a page holds: restarting from that millisecond cannot progress
      server.addEvents('/app/burst', Array.from({ length: 10 }, (_, i) => ({ logStreamName: 's', timestamp: T0 + 1, message: `m${i}` })));
      const err = (await collect(source({ logGroup: '/app/burst', limit: 3 })).catch((e: unknown) => e)) as SourceError;
      expect(err).toBeInstanceOf(SourceError);
      expect(err.transient).toBe(false);
      expect(err.message).toMatch(/refused the nextToken again after restarting from .* 3 times/);
    } finally {
      server.refuseTokens = false;
    }
  });

  it('retries ThrottlingException honouring Retry-After, and counts the requests', async () => {
    server.faults.push({ kind: 'throttle', retryAfter: '2' }, { kind: 'throttle' });
    const pages = await collect(source());
    expect(ids(pages)).toEqual(expectedIds());
    expect(pages[0].requests).toBe(3);
    expect(sleeps[0]).toBe(2000); // Retry-After: 2 (the jitter drew 0)
    expect(sleeps[1]).toBe(0);
  });

  it('retries LimitExceeded, 503 outages and connection resets', async () => {
    server.faults.push({ kind: 'limit' }, { kind: 'outage', retryAfter: '1' }, { kind: 'reset' });
    const pages = await collect(source());
    expect(ids(pages)).toEqual(expectedIds());
    expect(pages[0].requests).toBe(4);
    expect(sleeps).toContain(1000);
  });

  it('gives up after the policy attempts with a transient SourceError', async () => {
    server.faults.push({ kind: 'throttle' }, { kind: 'throttle' }, { kind: 'throttle' }, { kind: 'throttle' });
    const err = await collect(source()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).transient).toBe(true);
    expect((err as SourceError).message).toMatch(/giving up.*ThrottlingException/);
  });

  it('a missing log group, access denied and bad parameters are permanent, not retried, and say what to fix', async () => {
    let before = server.requests.length;
    const missing = (await collect(source({ logGroup: '/nope' })).catch((e: unknown) => e)) as SourceError;
    expect(missing).toBeInstanceOf(SourceError);
    expect(missing.transient).toBe(false);
    expect(missing.message).toContain('log group does not exist in eu-west-1');
    expect(server.requests.length - before).toBe(1);

    server.faults.push({ kind: 'error', status: 400, type: 'AccessDeniedException', message: 'User: arn:aws:iam::1:user/x is not authorized' });
    const denied = (await collect(source()).catch((e: unknown) => e)) as SourceError;
    expect(denied.transient).toBe(false);
    expect(denied.message).toContain('logs:FilterLogEvents');
    expect(denied.status).toBe(400);

    before = server.requests.length;
    const bad = (await collect(source({ limit: 20_000 })).catch((e: unknown) => e)) as SourceError;
    expect(bad.transient).toBe(false);
    expect(bad.message).toMatch(/InvalidParameterException 400.*Check the source's parameters/);
    expect(server.requests.length - before).toBe(1);

    server.faults.push({ kind: 'error', status: 400, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    const creds = (await collect(source()).catch((e: unknown) => e)) as SourceError;
    expect(creds.transient).toBe(false);
    expect(creds.message).toContain('credentials were refused or not found');
  });

  it('missing credentials surface as a clear permanent error', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const before = server.requests.length;
      const err = (await collect(source()).catch((e: unknown) => e)) as SourceError;
      expect(err).toBeInstanceOf(SourceError);
      expect(err.transient).toBe(false);
      expect(err.message).toMatch(/credentials were refused or not found \(CredentialsProviderError\).*AWS_PROFILE/);
      expect(err.message).not.toContain('test-secret');
      expect(server.requests.length).toBe(before);
      // the injection seam works without the chain
      const pages = await collect(source({ credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }));
      expect(ids(pages)).toEqual(expectedIds());
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });

  it('never sends faster than the bucket, retries included', async () => {
    const rate = 25; // per second, burst 1: at least 40 ms between requests
    server.faults.push({ kind: 'throttle' }, { kind: 'outage' });
    const before = server.requests.length;
    const bucket = new TokenBucket({ ratePerSecond: rate, burst: 1 });
    const taken: number[] = [];
    const take = bucket.take.bind(bucket);
    bucket.take = async (signal?: AbortSignal) => {
      await take(signal);
      taken.push(performance.now());
    };
    const pages = await collect(source({ bucket }));
    expect(ids(pages)).toEqual(expectedIds());
    // where the rate is enforced: every request waited for its own token, 1/rate apart
    expect(taken.length).toBe(10);
    for (let i = 1; i < taken.length; i++) expect(taken[i] - taken[i - 1]).toBeGreaterThanOrEqual(1000 / rate - 2);
    const times = server.requests.slice(before).map((r) => r.at);
    expect(times.length).toBe(8 + 2);
    // any run of n requests (as the server saw them: ~ms of network jitter) took at least (n - burst) / rate seconds
    for (let i = 0; i < times.length; i++) {
      for (let j = i + 1; j < times.length; j++) expect(times[j] - times[i]).toBeGreaterThanOrEqual(((j - i - 1) / rate) * 1000 - 8);
    }
    expect(times.at(-1)! - times[0]).toBeGreaterThanOrEqual(((times.length - 2) / rate) * 1000);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const s = source();
    await expect(
      (async () => {
        for await (const p of s.pages(WINDOW, null, controller.signal)) void p;
      })(),
    ).rejects.toThrow();
  });

  it('drops events without a message with a diagnostic', async () => {
    server.addEvents('/app/bad', [
      { logStreamName: 's', timestamp: T0 + 1, message: undefined as unknown as string },
      { logStreamName: 's', timestamp: T0 + 2, message: 'ok' },
    ]);
    const pages = await collect(source({ logGroup: '/app/bad', accountId: undefined }));
    expect(pages[0].events.map((e) => e.message)).toEqual(['ok']);
    expect(pages[0].diagnostics).toEqual([expect.objectContaining({ reason: 'missing-field', field: 'message', object: 'aws:eu-west-1:/app/bad' })]);
  });
});

describe('resolveAwsRegion', () => {
  it('takes the explicit region, then AWS_REGION, AWS_DEFAULT_REGION, the profile, then us-east-1', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-cw-region-'));
    const config = path.join(dir, 'config');
    writeFileSync(config, '[default]\nregion = ap-south-1\n\n[profile prod]\noutput = json\nregion=eu-central-1\n[profile empty]\nregion =\n');
    expect(resolveAwsRegion('sa-east-1', undefined, { AWS_REGION: 'x' })).toBe('sa-east-1');
    expect(resolveAwsRegion(undefined, undefined, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'y' })).toBe('us-west-2');
    expect(resolveAwsRegion(undefined, undefined, { AWS_DEFAULT_REGION: 'ca-central-1' })).toBe('ca-central-1');
    expect(resolveAwsRegion(undefined, undefined, { AWS_CONFIG_FILE: config })).toBe('ap-south-1');
    expect(resolveAwsRegion(undefined, 'prod', { AWS_CONFIG_FILE: config })).toBe('eu-central-1');
    expect(resolveAwsRegion(undefined, undefined, { AWS_CONFIG_FILE: config, AWS_PROFILE: 'prod' })).toBe('eu-central-1');
    expect(resolveAwsRegion(undefined, 'empty', { AWS_CONFIG_FILE: config })).toBe('us-east-1');
    expect(resolveAwsRegion(undefined, 'missing', { AWS_CONFIG_FILE: config })).toBe('us-east-1');
    expect(resolveAwsRegion(undefined, undefined, { AWS_CONFIG_FILE: path.join(dir, 'none') })).toBe('us-east-1');
    expect(createCloudWatchLogSource({ logGroup: 'g', env: { AWS_CONFIG_FILE: config, AWS_PROFILE: 'prod' }, bucket: new TokenBucket({ ratePerSecond: 5 }) }).id).toBe('aws:eu-central-1:g');
  });
});

describe('cloudWatchError', () => {
  const classify = (e: unknown) => cloudWatchError(e, 'aws:r:/g', '/g', 'r');
  it('classifies what the SDK and the socket throw', () => {
    const se = new SourceError('x', { transient: true, target: 't' });
    expect(classify(se)).toBe(se);
    expect(classify({ name: 'AbortError' }).message).toContain('cancelled');
    expect(classify({ name: 'X', $metadata: { httpStatusCode: 401 } }).transient).toBe(false);
    expect(classify({ name: 'X', $metadata: { httpStatusCode: 403 } }).message).toContain('access denied');
    expect(classify({ name: 'X', $metadata: { httpStatusCode: 500 } }).transient).toBe(true);
    expect(classify({ name: 'X', $metadata: { httpStatusCode: 429 }, $response: { headers: { 'retry-after': '3' } } })).toMatchObject({ transient: true, retryAfterMs: 3000 });
    expect(classify({ name: 'Error', code: 'ECONNREFUSED' }).transient).toBe(true);
    expect(classify({ message: 'socket hang up' }).transient).toBe(true);
    expect(classify(undefined).transient).toBe(false);
    expect(classify(null).message).toContain('unknown error');
    expect(classify({ name: 'ThrottlingException', message: 'Rate exceeded' }).cause).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded' });
    expect(classify({ name: 'ResourceNotFoundException' }).cause).toMatchObject({ message: 'unknown error', name: 'ResourceNotFoundException' });
    expect(classify({}).cause).toMatchObject({ name: 'Error' });
  });
  it('recognizes a refused nextToken', () => {
    expect(isTokenRejected({ name: 'InvalidParameterException', message: 'The specified nextToken has expired.' })).toBe(true);
    expect(isTokenRejected({ name: 'InvalidParameterException', message: 'limit too large' })).toBe(false);
    expect(isTokenRejected({ name: 'InvalidParameterException' })).toBe(false);
    expect(isTokenRejected(null)).toBe(false);
  });
});

describe('client lifetime', () => {
  it('a source can be paged again after a run (the SDK client is rebuilt), also concurrently', async () => {
    const s = source();
    expect(ids(await collect(s))).toEqual(expectedIds());
    const [a, b] = await Promise.all([collect(s), collect(s)]);
    expect(ids(a)).toEqual(expectedIds());
    expect(ids(b)).toEqual(expectedIds());
  });
});
