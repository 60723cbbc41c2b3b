import { fakeAwsEnv } from '../helpers/aws-env.js';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInputs, type ParseInputsOptions, type ParseInputsResult } from '../../src/ingest/parse-inputs.js';
import type { FlowRecord } from '../../src/model/index.js';
import { LocalSource } from '../../src/sources/local.js';
import { SourceError, type ObjectSource } from '../../src/sources/types.js';
import { parseLocation } from '../../src/sources/uri.js';
import { startFaultProxy, type FaultAction, type FaultProxy } from '../helpers/fault-proxy.js';
import { startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** An AWS VPC flow log with `rows` distinct records, tagged by `tag` in the addresses. */
export function awsLog(tag: number, rows: number): string {
  const lines = [HEADER];
  for (let j = 0; j < rows; j++) lines.push(`2 123456789010 eni-0a1b2c3d 10.${tag % 250}.${j % 250}.${1 + (j >> 8)} 10.1.2.4 443 ${1024 + j} 6 ${j + 1} ${(j + 1) * 60} 1714557600 1714557660 ACCEPT OK`);
  return lines.join('\n') + '\n';
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'nf-inputs-'));
}

async function run(inputs: string[], options: ParseInputsOptions = {}, deps: Parameters<typeof parseInputs>[3] = {}): Promise<{ result: ParseInputsResult; records: FlowRecord[] }> {
  const records: FlowRecord[] = [];
  const result = await parseInputs(inputs, options, { onRecords: (r) => void records.push(...r) }, deps);
  return { result, records };
}

const keyOf = (r: FlowRecord) => `${r.source_object}#${r.source_line}#${r.src_ip}#${r.dst_port}`;

describe('parseInputs over local folders, files and stdin', () => {
  it('emits records in listing order whatever the concurrency', async () => {
    const dir = tempDir();
    for (let i = 0; i < 12; i++) {
      const sub = path.join(dir, `part-${i % 3}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(path.join(sub, `f${String(i).padStart(2, '0')}.log${i % 2 ? '.gz' : ''}`), i % 2 ? gzipSync(awsLog(i, 40 + i)) : awsLog(i, 40 + i));
    }
    const one = await run([dir], { concurrency: 1 });
    expect(one.result.failures).toEqual([]);
    expect(one.result.objects).toBe(12);
    expect(one.records).toHaveLength(Array.from({ length: 12 }, (_, i) => 40 + i).reduce((a, b) => a + b));
    const objects = [...new Set(one.records.map((r) => r.source_object))];
    expect(objects).toEqual([...objects].sort());
    expect(objects[0]).toBe(path.join(dir, 'part-0', 'f00.log'));
    for (const concurrency of [2, 5, 16]) {
      const many = await run([dir], { concurrency });
      expect(many.records.map(keyOf), `concurrency ${concurrency}`).toEqual(one.records.map(keyOf));
      expect(many.result.records).toBe(one.result.records);
    }
  });

  it('reads a mix of a file URI, a folder, stdin and a missing path; the missing one fails alone', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.log'), awsLog(1, 3));
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'b.log'), awsLog(2, 4));
    async function* stdin() {
      yield new TextEncoder().encode(awsLog(3, 5));
    }
    const { result, records } = await run([`file://${path.join(dir, 'a.log')}`, path.join(dir, 'nope.log'), '-', path.join(dir, 'sub')], {}, { stdin: stdin() });
    expect(records.map((r) => r.source_object)).toEqual([
      ...Array(3).fill(`file://${path.join(dir, 'a.log')}`),
      ...Array(5).fill('stdin'),
      ...Array(4).fill(path.join(dir, 'sub', 'b.log')),
    ]);
    expect(result.objects).toBe(4);
    expect(result.failures).toEqual([{ object: path.join(dir, 'nope.log'), code: 'input-unreadable', message: `${path.join(dir, 'nope.log')}: no such file or folder` }]);
  });

  it('counts an empty object and an unknown format as failed entries, and reads the rest', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a-empty.log'), '');
    writeFileSync(path.join(dir, 'b-readme.txt'), 'hello there\n');
    writeFileSync(path.join(dir, 'c.log'), awsLog(1, 2));
    const { result, records } = await run([dir], { concurrency: 3 });
    expect(records).toHaveLength(2);
    expect(result.entries).toBe(3);
    expect(result.failures.map((f) => [path.basename(f.object), f.code])).toEqual([
      ['a-empty.log', 'input-unreadable'],
      ['b-readme.txt', 'unknown-format'],
    ]);
  });

  it('records an unusable URI as a failed input and goes on', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.log'), awsLog(1, 2));
    const { result, records } = await run(['ftp://x/y', path.join(dir, 'a.log')]);
    expect(records).toHaveLength(2);
    expect(result.failures).toEqual([{ object: 'ftp://x/y', code: 'bad-option', message: expect.stringContaining("unsupported scheme 'ftp://'") }]);
  });

  it('prunes a folder by the time in its paths (with slack), keeping what it cannot date', async () => {
    const dir = tempDir();
    const put = (rel: string, tag: number) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), awsLog(tag, 1));
    };
    put('nsg/y=2024/m=05/d=01/h=08/m=00/PT1H.json.log', 1);
    put('nsg/y=2024/m=05/d=01/h=10/m=00/PT1H.json.log', 2);
    put('nsg/y=2024/m=05/d=01/h=12/m=00/PT1H.json.log', 3);
    put('aws/2024/04/30/x.log', 4);
    put('aws/2024/05/01/x.log', 5);
    put('undated.log', 6);
    const since = Date.parse('2024-05-01T09:30:00Z');
    const until = Date.parse('2024-05-01T11:00:00Z');
    const { result, records } = await run([dir], { since, until });
    expect(records.map((r) => path.relative(dir, r.source_object))).toEqual(['aws/2024/05/01/x.log', 'nsg/y=2024/m=05/d=01/h=10/m=00/PT1H.json.log', 'undated.log']);
    expect(result.skippedByTime).toBe(3);
    expect(result.objects).toBe(3);
    // an explicitly named file is read whatever its path says
    expect((await run([path.join(dir, 'aws/2024/04/30/x.log')], { since, until })).records).toHaveLength(1);
    // slack: h=08 ends 09:00; with 45 min of slack it reaches 09:45, inside the window
    expect((await run([dir], { since, until, timeSlackMs: 45 * 60_000 })).result.skippedByTime).toBe(2);
  });

  it('stops at the first bad row with strict and releases the readers running ahead', async () => {
    const dir = tempDir();
    for (let i = 0; i < 8; i++) writeFileSync(path.join(dir, `f${i}.log`), i === 2 ? awsLog(i, 2) + '2 123456789010 eni-0a1b2c3d 10.0.0.999 10.1.2.4 443 1 6 1 60 1714557600 1714557660 ACCEPT OK\n' : awsLog(i, 500));
    const { result, records } = await run([dir], { strict: true, concurrency: 4 });
    expect(result.strictViolation).toMatchObject({ object: path.join(dir, 'f2.log'), line: 4 });
    expect(records.filter((r) => r.source_object.endsWith('f0.log'))).toHaveLength(500);
    expect(records.some((r) => r.source_object.endsWith('f3.log'))).toBe(false);
  });

  it('stops cleanly when the record handler throws', async () => {
    const dir = tempDir();
    for (let i = 0; i < 6; i++) writeFileSync(path.join(dir, `f${i}.log`), awsLog(i, 50));
    await expect(
      parseInputs([dir], { concurrency: 3 }, {
        onRecords: () => {
          throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
  });
});

/**
 * Object stores, through a real ObjectSource (a LocalSource standing in for the cloud) wrapped so that
 * it reports the cloud kind and can fail the way clouds do. The real cloud sources run the same path
 * in tests/ingest/parse-inputs-cloud.test.ts (S3 test server) and the CLI test (Azurite).
 */
class FlakySource implements ObjectSource {
  readonly kind = 's3' as const;
  listCalls = 0;
  closed = false;
  constructor(
    private inner: LocalSource,
    readonly uri: string,
    private faults: { listFailAfterPages?: number[]; listPermanent?: boolean; readPermanent?: Set<string> } = {},
  ) {}
  async *list(options: { pageSize?: number } = {}) {
    const failAt = this.faults.listFailAfterPages?.[this.listCalls];
    this.listCalls++;
    if (this.faults.listPermanent) throw new SourceError(`${this.uri}: 403 AccessDenied: check the credentials`, { transient: false, status: 403, target: this.uri });
    // like a bucket: a prefix with nothing under it lists empty (here the root may even be a file)
    if (!statSync(this.inner.root, { throwIfNoEntry: false })?.isDirectory()) return;
    let pages = 0;
    for await (const page of this.inner.list({ pageSize: options.pageSize ?? 3 })) {
      if (failAt !== undefined && pages === failAt) throw new SourceError('listing reset', { transient: true, target: this.uri });
      pages++;
      yield page.map((i) => ({ ...i, uri: `${this.uri}/${i.key}` }));
    }
  }
  async stat(key: string) {
    return { ...(await this.inner.stat(key)), uri: `${this.uri}/${key}` };
  }
  read(key: string, options?: { start?: number; ifMatch?: string }) {
    if (this.faults.readPermanent?.has(key)) {
      const err = new SourceError(`s3://b/${key}: 403 AccessDenied`, { transient: false, status: 403, target: key });
      return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) };
    }
    return this.inner.read(key, options);
  }
  async close() {
    this.closed = true;
  }
}

describe('parseInputs over object-store locations', () => {
  function bucket(files: Record<string, string>): string {
    const dir = tempDir();
    for (const [k, v] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, k)), { recursive: true });
      writeFileSync(path.join(dir, k), v);
    }
    return dir;
  }
  const files = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`logs/2024/05/0${1 + (i % 3)}/f${i}.log`, awsLog(i, 10)]));

  it('lists and reads every object once, in listing order, and closes the sources', async () => {
    const dir = bucket(files);
    const sources: FlakySource[] = [];
    const { result, records } = await run(['s3://bucket/logs'], { concurrency: 3 }, {
      openSource: async (loc) => {
        const s = new FlakySource(new LocalSource(path.join(dir, loc.prefix)), loc.uri);
        sources.push(s);
        return s;
      },
    });
    expect(result.failures).toEqual([]);
    expect(result.objects).toBe(7);
    expect(records).toHaveLength(70);
    expect(records[0].source_object).toBe('s3://bucket/logs/2024/05/01/f0.log');
    expect(sources.every((s) => s.closed)).toBe(true);
  });

  it('prunes a listing by the time in its keys', async () => {
    const dir = bucket(files);
    const { result, records } = await run(['s3://bucket/logs'], { since: Date.parse('2024-05-02T01:00:00Z'), until: Date.parse('2024-05-02T23:00:00Z') }, {
      openSource: async (loc) => new FlakySource(new LocalSource(path.join(dir, loc.prefix)), loc.uri),
    });
    // days 01 and 03 are out: 15 min of slack on each side of a day does not reach 01:00 or 23:00
    expect(new Set(records.map((r) => r.source_object.split('/').slice(-2, -1)[0]))).toEqual(new Set(['02']));
    expect(result.skippedByTime).toBe(5);
    expect(result.objects).toBe(2);
  });

  it('retries a listing that fails mid-way, without giving any object twice', async () => {
    const dir = bucket(files);
    const waits: number[] = [];
    const { result, records } = await run(['s3://bucket/logs'], { source: { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 } } }, {
      sleep: async (ms) => void waits.push(ms),
      random: () => 0.5,
      openSource: async (loc) => new FlakySource(new LocalSource(path.join(dir, loc.prefix)), loc.uri, { listFailAfterPages: [1, 2, 0] }),
    });
    expect(result.failures).toEqual([]);
    expect(result.objects).toBe(7);
    expect(new Set(records.map((r) => r.source_object)).size).toBe(7);
    expect(records).toHaveLength(70);
    expect(waits).toEqual([50, 50, 100]); // progress between failures resets the backoff
  });

  it('gives up on a listing that keeps failing, and on a permanent listing error at once', async () => {
    const dir = bucket(files);
    const flaky = await run(['s3://bucket/logs', 's3://other'], { source: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } } }, {
      sleep: async () => undefined,
      openSource: async (loc) =>
        loc.bucket === 'other'
          ? new FlakySource(new LocalSource(dir), loc.uri, { listPermanent: true })
          : new FlakySource(new LocalSource(path.join(dir, loc.prefix)), loc.uri, { listFailAfterPages: [0, 0, 0] }),
    });
    expect(flaky.records).toHaveLength(0);
    expect(flaky.result.failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/^s3:\/\/bucket\/logs: listing still failing after 2 attempt\(s\), giving up: listing reset/),
      's3://other: 403 AccessDenied: check the credentials',
    ]);
  });

  it('skips an object that fails permanently, once, and reads the rest', async () => {
    const dir = bucket(files);
    const { result, records } = await run(['s3://bucket/logs'], { concurrency: 2 }, {
      openSource: async (loc) => new FlakySource(new LocalSource(path.join(dir, loc.prefix)), loc.uri, { readPermanent: new Set(['2024/05/02/f1.log']) }),
    });
    expect(records).toHaveLength(60);
    expect(result.objects).toBe(7);
    expect(result.failures).toEqual([{ object: 's3://bucket/logs/2024/05/02/f1.log', code: 'input-unreadable', message: 's3://b/2024/05/02/f1.log: 403 AccessDenied' }]);
  });

  it('reads a URI that names one object through its parent, and reports one that names nothing', async () => {
    const dir = bucket(files);
    const opened: string[] = [];
    const deps = {
      openSource: async (loc: ReturnType<typeof parseLocation>) => {
        opened.push(loc.uri);
        return new FlakySource(new LocalSource(path.join(dir, loc.prefix)), loc.uri);
      },
    };
    const one = await run(['s3://bucket/logs/2024/05/01/f0.log'], {}, deps);
    expect(one.result.failures).toEqual([]);
    expect(one.records).toHaveLength(10);
    expect(opened).toEqual(['s3://bucket/logs/2024/05/01/f0.log', 's3://bucket/logs/2024/05/01']);
    const none = await run(['s3://bucket/logs/nothing-here'], {}, deps);
    expect(none.result.failures).toEqual([
      { object: 's3://bucket/logs/nothing-here', code: 'input-unreadable', message: 's3://bucket/logs/nothing-here: no such object, and no objects under logs/nothing-here/' },
    ]);
  });

  it('records a source that cannot be opened (bad credentials) and goes on', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.log'), awsLog(1, 2));
    const { result, records } = await run(['azure://acct/cont', path.join(dir, 'a.log')], {}, {
      openSource: async (loc) => {
        throw new SourceError(`${loc.uri}: AZURE_STORAGE_CONNECTION_STRING is not usable`, { transient: false, target: loc.uri });
      },
    });
    expect(records).toHaveLength(2);
    expect(result.failures).toEqual([{ object: 'azure://acct/cont', code: 'input-unreadable', message: 'azure://acct/cont: AZURE_STORAGE_CONNECTION_STRING is not usable' }]);
  });

  it('takes locations as well as strings', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.log'), awsLog(1, 2));
    const records: FlowRecord[] = [];
    const result = await parseInputs([parseLocation(dir)], {}, { onRecords: (r) => void records.push(...r) });
    expect(result.failures).toEqual([]);
    expect(records[0].source_object).toBe(path.join(dir, 'a.log'));
  });
});

/**
 * The whole path with real components: the S3 source (official SDK) against the S3 test server, behind
 * the fault proxy. Every object must come out exactly once and whole, in the same order as without
 * faults; Retry-After must be honoured; a permanently forbidden object is reported once and skipped.
 */
describe('parseInputs through the real S3 source with injected faults', () => {
  let server: S3TestServer;
  let proxy: FaultProxy;
  const saved = { ...process.env };
  const OBJECTS = 36;
  const FORBIDDEN = 'flows/2024/05/02/f13.log.gz';

  beforeAll(async () => {
    Object.assign(process.env, fakeAwsEnv());
    for (const k of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3']) delete process.env[k];
    server = await startS3TestServer({ buckets: ['flowlogs'] });
    for (let i = 0; i < OBJECTS; i++) {
      // gzip of distinct rows: a few tens of KB each, so cut-offs land mid-body
      const body = gzipSync(awsLog(i, 300 + 40 * i), { level: 1 });
      server.buckets.get('flowlogs')!.set(`flows/2024/05/0${1 + (i % 2)}/f${String(i).padStart(2, '0')}.log.gz`, {
        body,
        etag: `"${createHash('md5').update(body).digest('hex')}"`,
        lastModified: new Date(),
        contentType: 'application/gzip',
      });
    }
    proxy = await startFaultProxy({ target: server.url });
  });

  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    process.env = saved;
  });

  it('reads every object once and whole, in order, honouring Retry-After, and skips a forbidden one', async () => {
    const retry = { maxAttempts: 6, baseDelayMs: 10, maxDelayMs: 100, timeoutMs: 400 };
    const baseline = await run(['s3://flowlogs/flows'], { concurrency: 1, source: { endpoint: server.url, retry } });
    expect(baseline.result.failures).toEqual([]);
    expect(baseline.result.objects).toBe(OBJECTS);

    // one fault of each kind on the first try of each object (by its number), a second on some, 403 forever on one
    const kinds: FaultAction[] = [
      { kind: 'pass' },
      { kind: 'status', status: 503, retryAfterSeconds: 2 },
      { kind: 'reset' },
      { kind: 'reset-mid-body' },
      { kind: 'truncate' },
      { kind: 'stall', ms: 3_000 },
      { kind: 'status', status: 429, retryAfterSeconds: 1 },
    ];
    proxy.setPolicy((req) => {
      const m = /\/flowlogs\/(flows\/.*f(\d+)\.log\.gz)$/.exec(decodeURIComponent(req.url.split('?')[0]));
      if (req.method !== 'GET' || !m) return { kind: 'pass' };
      if (m[1] === FORBIDDEN) return { kind: 'status', status: 403 };
      const n = Number(m[2]);
      if (req.faultsForTarget === 0) return kinds[n % kinds.length];
      if (req.faultsForTarget === 1 && n % 5 === 0) return { kind: 'truncate', afterBytes: 100 };
      return { kind: 'pass' };
    });
    const waits: number[] = [];
    const faulty = await run(['s3://flowlogs/flows'], { concurrency: 4, source: { endpoint: proxy.url, retry } }, { sleep: async (ms) => void waits.push(ms) });

    expect(faulty.result.failures).toHaveLength(1);
    expect(faulty.result.failures[0].object).toBe(`s3://flowlogs/${FORBIDDEN}`);
    expect(faulty.result.failures[0].message).toMatch(/403|denied|forbidden/i);
    const forbiddenUri = `s3://flowlogs/${FORBIDDEN}`;
    const expected = baseline.records.filter((r) => r.source_object !== forbiddenUri);
    expect(faulty.records.map(keyOf)).toEqual(expected.map(keyOf));
    expect(faulty.records.map((r) => r.bytes)).toEqual(expected.map((r) => r.bytes));
    expect(faulty.result.objects).toBe(OBJECTS);
    for (const kind of ['status', 'reset', 'reset-mid-body', 'truncate', 'stall'] as const) expect(proxy.injected[kind], kind).toBeGreaterThan(0);
    // every Retry-After was waited out in full (the jittered backoff alone stays under 100 ms)
    const statusFaults = proxy.events.filter((e) => e.action.kind === 'status' && e.action.status !== 403).length;
    expect(waits.filter((w) => w >= 1_000)).toHaveLength(statusFaults);
    expect(waits.filter((w) => w === 2_000).length).toBeGreaterThan(0);
  }, 60_000);
});
