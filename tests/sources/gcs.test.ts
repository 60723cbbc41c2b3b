/**
 * GcsSource: the real @google-cloud/storage against our GCS JSON API test server (127.0.0.1), the
 * shared ObjectSource contract, error classification, and faults injected by the fault proxy.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGcsSource, gcsError, GcsSource } from '../../src/sources/gcs.js';
import { resilientRead, withRetry, type RetryAttemptInfo } from '../../src/sources/retry.js';
import { SourceError, type ObjectInfo } from '../../src/sources/types.js';
import { startFaultProxy, type FaultAction, type FaultProxy } from '../helpers/fault-proxy.js';
import { startGcsTestServer, type GcsTestServer } from '../helpers/gcs-server.js';
import { objectSourceContract } from './contract.js';

// No real credentials or project are read, and nothing looks for a metadata server off this machine.
const scratch = mkdtempSync(path.join(tmpdir(), 'nf-gcs-test-'));
delete process.env.STORAGE_EMULATOR_HOST;
Object.assign(process.env, {
  GOOGLE_APPLICATION_CREDENTIALS: path.join(scratch, 'no-such-key.json'),
  GOOGLE_CLOUD_PROJECT: 'test-project',
  CLOUDSDK_CONFIG: path.join(scratch, 'gcloud'),
  METADATA_SERVER_DETECTION: 'none',
  GCE_METADATA_HOST: '127.0.0.1:9',
  GCE_METADATA_IP: '127.0.0.1:9',
});

async function readAll(iter: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of iter) parts.push(c);
  return Buffer.concat(parts);
}

async function caught(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    return err as SourceError;
  }
  throw new Error('expected a SourceError');
}

const firstPage = async (source: GcsSource) => {
  for await (const page of source.list()) return page;
  return [];
};

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

objectSourceContract('gcs (GCS JSON API test server)', async () => {
  const server = await startGcsTestServer({ buckets: ['contract'] });
  return {
    source: createGcsSource({ bucket: 'contract', prefix: 'root/dir' }, { endpoint: server.url }),
    put: async (key, body) => {
      server.put('contract', `root/dir/${key}`, body);
    },
    teardown: () => server.close(),
  };
});

describe('GcsSource', () => {
  let server: GcsTestServer;

  beforeAll(async () => {
    server = await startGcsTestServer({ buckets: ['logs', 'secret'], forbiddenBuckets: ['secret'] });
    server.put('logs', 'a/one.log', 'one\n');
    server.put('logs', 'a/two.log', 'two two\n');
    server.put('logs', 'big.bin', Buffer.alloc(2 * 1024 * 1024, 7));
  });
  afterAll(async () => {
    await server.close();
  });

  it('names the source and its objects by gs:// URI, with the generation as etag', async () => {
    const source = new GcsSource({ bucket: 'logs', prefix: 'a' }, { endpoint: server.url });
    expect(source.kind).toBe('gcs');
    expect(source.uri).toBe('gs://logs/a');
    const page = await firstPage(source);
    expect(page.map((o) => [o.key, o.uri, o.size, o.etag])).toEqual([
      ['one.log', 'gs://logs/a/one.log', 4, String(server.buckets.get('logs')!.get('a/one.log')!.generation)],
      ['two.log', 'gs://logs/a/two.log', 8, String(server.buckets.get('logs')!.get('a/two.log')!.generation)],
    ]);
    await source.close();
    expect(new GcsSource({ bucket: 'logs', prefix: '' }).uri).toBe('gs://logs');
  });

  it('pages with the page size from the options, following nextPageToken', async () => {
    const source = createGcsSource({ bucket: 'logs', prefix: '' }, { endpoint: server.url, pageSize: 1 });
    const pages: string[][] = [];
    for await (const page of source.list()) pages.push(page.map((o) => o.key));
    expect(pages).toEqual([['a/one.log'], ['a/two.log'], ['big.bin']]);
    expect(server.requests.some((r) => r.includes('pageToken='))).toBe(true);
  });

  it('a missing bucket is a permanent 404 that says so, not an empty listing', async () => {
    const source = new GcsSource({ bucket: 'no-such-bucket', prefix: '' }, { endpoint: server.url });
    const e = await caught(firstPage(source));
    expect([e.transient, e.status, e.target]).toEqual([false, 404, 'gs://no-such-bucket']);
    expect(e.message).toMatch(/bucket does not exist/);
  });

  it('a bucket the identity may not read is a permanent 403 for list, stat, read and write', async () => {
    const source = new GcsSource({ bucket: 'secret', prefix: '' }, { endpoint: server.url });
    const attempts = [
      () => firstPage(source),
      () => source.stat('x.log'),
      () => readAll(source.read('x.log')),
      () => source.write('x.log', (async function* () {
        yield Buffer.from('x');
      })()),
    ];
    for (const attempt of attempts) {
      const e = await caught(attempt());
      expect([e.transient, e.status]).toEqual([false, 403]);
      expect(e.message).toMatch(/storage\.objects/);
    }
  });

  it('over https it uses application default credentials; none found is a permanent error that says what to set', async () => {
    // The credential lookup fails (GOOGLE_APPLICATION_CREDENTIALS names a missing file) before any connection.
    const source = new GcsSource({ bucket: 'logs', prefix: '' }, { endpoint: `https://127.0.0.1:${new URL(server.url).port}` });
    const before = server.requests.length;
    const e = await caught(source.stat('a/one.log'));
    expect(e.transient).toBe(false);
    expect(e.message).toMatch(/GOOGLE_APPLICATION_CREDENTIALS/);
    expect(server.requests.length).toBe(before);
    expect(`${e.message} ${inspect(e, { depth: 10 })}`).not.toMatch(/private_key/);
  });

  it('follows STORAGE_EMULATOR_HOST, which the library reads itself', async () => {
    process.env.STORAGE_EMULATOR_HOST = server.url;
    try {
      const source = new GcsSource({ bucket: 'logs', prefix: 'a/' });
      expect((await source.stat('one.log')).size).toBe(4);
      expect((await readAll(source.read('two.log', { start: 4 }))).toString()).toBe('two\n');
    } finally {
      delete process.env.STORAGE_EMULATOR_HOST;
    }
  });

  it('writes a stream whose producer reuses one buffer, byte for byte', async () => {
    const source = new GcsSource({ bucket: 'logs', prefix: 'up' }, { endpoint: server.url });
    const shared = Buffer.alloc(64 * 1024);
    async function* body() {
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < shared.length; i++) shared[i] = (i * 31 + round) & 0xff;
        yield shared;
      }
    }
    const expectedHash = createHash('sha256');
    for await (const c of body()) expectedHash.update(c);
    const info = await source.write('reused.bin', body(), { contentType: 'application/octet-stream' });
    expect(info.size).toBe(40 * shared.length);
    expect(createHash('sha256').update(server.buckets.get('logs')!.get('up/reused.bin')!.body).digest('hex')).toBe(expectedHash.digest('hex'));
  });

  it('an empty range and a malformed generation fetch nothing', async () => {
    const source = new GcsSource({ bucket: 'logs', prefix: '' }, { endpoint: server.url });
    const before = server.requests.length;
    expect((await readAll(source.read('a/one.log', { start: 3, end: 3 }))).length).toBe(0);
    const e = await caught(readAll(source.read('a/one.log', { ifMatch: 'W/"abc"' })));
    expect([e.transient, e.status]).toEqual([false, 412]);
    expect(e.message).toMatch(/not a GCS generation/);
    expect(server.requests.length).toBe(before);
  });

  it('reads with the current generation, and a changed object answers 412 (permanent)', async () => {
    const source = new GcsSource({ bucket: 'logs', prefix: '' }, { endpoint: server.url });
    server.put('logs', 'c/changing.log', 'version 1\n');
    const info = await source.stat('c/changing.log');
    expect((await readAll(source.read('c/changing.log', { ifMatch: info.etag!, start: 8 }))).toString()).toBe('1\n');
    server.put('logs', 'c/changing.log', 'version 2\n');
    const e = await caught(readAll(source.read('c/changing.log', { ifMatch: info.etag!, start: 8 })));
    expect([e.transient, e.status]).toEqual([false, 412]);
    expect(e.message).toMatch(/changed since it was listed/);
  });

  it('a range past the end is a permanent error naming the object', async () => {
    const source = new GcsSource({ bucket: 'logs', prefix: '' }, { endpoint: server.url });
    const e = await caught(readAll(source.read('a/one.log', { start: 100 })));
    expect([e.transient, e.status]).toEqual([false, 416]);
    expect(e.message).toContain('gs://logs/a/one.log');
  });

  it('cancelling stops list, stat and read with a permanent error', async () => {
    const source = new GcsSource({ bucket: 'logs', prefix: '' }, { endpoint: server.url });
    const done = new AbortController();
    done.abort();
    expect((await caught(source.stat('a/one.log', { signal: done.signal }))).message).toMatch(/cancelled/);
    expect((await caught(readAll(source.read('a/one.log', { signal: done.signal })))).message).toMatch(/cancelled/);
    const iter = source.list({ signal: done.signal })[Symbol.asyncIterator]();
    expect((await caught(iter.next())).message).toMatch(/cancelled/);
    // aborting in the middle of a body
    const midway = new AbortController();
    const chunks: Uint8Array[] = [];
    const e = await caught(
      (async () => {
        for await (const c of source.read('big.bin', { signal: midway.signal })) {
          chunks.push(c);
          midway.abort();
        }
      })(),
    );
    expect(e.message).toMatch(/cancelled/);
    expect(chunks.length).toBe(1);
  });

  describe('through the fault proxy', () => {
    let proxy: FaultProxy;
    let source: GcsSource;
    let nextAction: FaultAction = { kind: 'pass' };

    beforeAll(async () => {
      proxy = await startFaultProxy({ target: server.url, policy: () => nextAction });
      source = createGcsSource({ bucket: 'logs', prefix: '' }, { endpoint: proxy.url, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 500 } });
    });
    afterEach(() => {
      nextAction = { kind: 'pass' };
    });
    afterAll(async () => {
      await source.close();
      await proxy.close();
    });

    it('503 and 429 with Retry-After are transient and carry the wait', async () => {
      for (const status of [503, 429]) {
        nextAction = { kind: 'status', status, retryAfterSeconds: 2 };
        for (const attempt of [() => firstPage(source), () => source.stat('a/one.log'), () => readAll(source.read('a/one.log'))]) {
          const e = await caught(attempt());
          expect([e.transient, e.status, e.retryAfterMs]).toEqual([true, status, 2000]);
        }
      }
      nextAction = { kind: 'status', status: 502 };
      const e = await caught(source.stat('a/one.log'));
      expect([e.transient, e.retryAfterMs]).toEqual([true, null]);
    });

    it('a connection reset before or during the body is transient', async () => {
      nextAction = { kind: 'reset' };
      expect((await caught(source.stat('a/one.log'))).transient).toBe(true);
      nextAction = { kind: 'reset' };
      expect((await caught(readAll(source.read('a/one.log')))).transient).toBe(true);
      nextAction = { kind: 'reset-mid-body', afterBytes: 64 * 1024 };
      const e = await caught(readAll(source.read('big.bin')));
      expect(e.transient).toBe(true);
      expect(e.target).toBe('gs://logs/big.bin');
    });

    it('a body cut short (clean end, no Content-Length) is transient, for whole and ranged reads', async () => {
      nextAction = { kind: 'truncate', afterBytes: 100_000 };
      const whole = await caught(readAll(source.read('big.bin')));
      expect(whole.transient).toBe(true);
      expect(whole.message).toMatch(/ended early: 100000 of 2097152 bytes/);
      nextAction = { kind: 'truncate', afterBytes: 10 };
      const ranged = await caught(readAll(source.read('big.bin', { start: 1000, end: 2000 })));
      expect(ranged.message).toMatch(/ended early: 10 of 1000 bytes/);
    });

    it('a stalled response times out as a transient error', async () => {
      nextAction = { kind: 'stall', ms: 3_000 };
      expect((await caught(source.stat('a/one.log'))).transient).toBe(true);
    });

    it('a cut-off JSON answer (listing, metadata, upload) is transient, never an empty or short listing', async () => {
      const attempts = [
        () => firstPage(source),
        () => source.stat('a/one.log'),
        () => source.write('w/cut.log', (async function* () {
          yield Buffer.from('cut answer\n');
        })()),
      ];
      for (const attempt of attempts) {
        nextAction = { kind: 'truncate', afterBytes: 20 };
        const e = await caught(attempt());
        // the upload's answer is checked by the library itself (its hash no longer matches)
        expect(e.message).toMatch(/cut off or garbled|did not match/);
        expect(e.transient).toBe(true);
      }
    });
  });
});

describe('GCS error classification', () => {
  it('keeps a SourceError, and makes unknown errors permanent with their message', () => {
    const original = new SourceError('x', { transient: true, target: 't' });
    expect(gcsError(original, 't', 'read')).toBe(original);
    const odd = gcsError(Object.assign(new Error('Invalid argument.'), { code: 400 }), 'gs://b/k', 'read');
    expect([odd.transient, odd.status]).toEqual([false, 400]);
    expect(odd.message).toContain('Invalid argument.');
    const bare = gcsError(undefined, 'gs://b/k', 'list');
    expect(bare.transient).toBe(false);
    expect(bare.message).toContain('unknown error');
    expect(gcsError(Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT' }), 'gs://b/k', 'read').transient).toBe(true);
    expect(gcsError(Object.assign(new Error('Unauthorized'), { code: 401 }), 'gs://b/k', 'read').message).toMatch(/gcloud auth application-default login/);
    const dated = gcsError(Object.assign(new Error('busy'), { code: 503, response: { headers: { get: (n: string) => (n === 'retry-after' ? '7' : null) } } }), 'gs://b/k', 'read');
    expect(dated.retryAfterMs).toBe(7000);
  });
});

describe('GcsSource under a seeded fault schedule, with the retry layer', () => {
  it.each([42, 7, 2024])('lists and reads every object exactly once and whole, honouring Retry-After (seed %i)', async (seed) => {
    const server = await startGcsTestServer({ buckets: ['faulty'] });
    const expected = new Map<string, string>();
    for (let i = 0; i < 24; i++) {
      const key = `flows/2024/05/01/${String(i).padStart(2, '0')}.json`;
      const body = Buffer.alloc(150_000 + i * 1000);
      for (let j = 0; j < body.length; j++) body[j] = (j * 7 + i) & 0xff;
      server.put('faulty', key, body);
      expected.set(key, createHash('sha256').update(body).digest('hex'));
    }
    const proxy = await startFaultProxy({
      target: server.url,
      schedule: { seed, rate: 0.35, kinds: ['status', 'reset', 'reset-mid-body', 'truncate'], retryAfterSeconds: 1, maxFaultsPerTarget: 3 },
    });
    const policy = { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 10, timeoutMs: 5_000 };
    // a short idle limit: the library's transport notices a dropped body only through it
    const source = createGcsSource({ bucket: 'faulty', prefix: '' }, { endpoint: proxy.url, requestTimeoutMs: 300 });
    const retries: RetryAttemptInfo[] = [];
    const hooks = { sleep: async () => undefined, onRetry: (r: RetryAttemptInfo) => retries.push(r) };
    try {
      const listed = await withRetry(async () => {
        const all: ObjectInfo[] = [];
        for await (const page of source.list({ pageSize: 5 })) all.push(...page);
        return all;
      }, policy, hooks);
      expect(listed.map((o) => o.key).sort()).toEqual([...expected.keys()].sort());
      const read = new Map<string, string>();
      for (const info of listed) {
        const bytes = await readAll(resilientRead(source, info, policy, hooks));
        expect(read.has(info.key)).toBe(false);
        read.set(info.key, createHash('sha256').update(bytes).digest('hex'));
      }
      expect(read).toEqual(expected);
      expect(proxy.totalInjected()).toBeGreaterThan(5);
      expect(proxy.injected['reset-mid-body'] + proxy.injected.truncate).toBeGreaterThan(0);
      const waited = retries.filter((r) => r.error instanceof SourceError && r.error.retryAfterMs !== null);
      expect(waited.length).toBeGreaterThan(0);
      for (const r of waited) expect(r.delayMs).toBeGreaterThanOrEqual(1000);
    } finally {
      await source.close();
      await proxy.close();
      await server.close();
    }
  }, 60_000);
});
