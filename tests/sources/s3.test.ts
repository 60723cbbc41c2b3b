/**
 * S3Source: the real @aws-sdk/client-s3 against our S3 test server (path-style, 127.0.0.1), the shared
 * ObjectSource contract, error classification, and faults injected by the fault proxy.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS3Source, s3Error, S3Source } from '../../src/sources/s3.js';
import { resilientRead, withRetry, type RetryAttemptInfo } from '../../src/sources/retry.js';
import { SourceError, type ObjectInfo } from '../../src/sources/types.js';
import { startFaultProxy, type FaultAction, type FaultProxy } from '../helpers/fault-proxy.js';
import { startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';
import { objectSourceContract } from './contract.js';

// The test process never sees real credentials or config, and the provider chain never calls out.
const scratch = mkdtempSync(path.join(tmpdir(), 'nf-s3-test-'));
const TEST_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test-secret',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: path.join(scratch, 'no-config'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-credentials'),
};
for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
  delete process.env[name];
}
Object.assign(process.env, TEST_ENV);

/** Runs `fn` with some variables changed, restoring them afterwards. */
async function withEnv<T>(changes: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]));
  const apply = (vars: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(changes);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

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

const firstPage = async (source: S3Source) => {
  for await (const page of source.list()) return page;
  return [];
};

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

objectSourceContract('s3 (S3 test server, path-style)', async () => {
  const server = await startS3TestServer({ buckets: ['contract'] });
  const sdk = new S3Client({ endpoint: server.url, forcePathStyle: true, region: 'us-east-1' });
  return {
    source: createS3Source({ bucket: 'contract', prefix: 'root/dir' }, { endpoint: server.url }),
    put: async (key, body) => {
      await sdk.send(new PutObjectCommand({ Bucket: 'contract', Key: `root/dir/${key}`, Body: body }));
    },
    teardown: async () => {
      sdk.destroy();
      await server.close();
    },
  };
});

describe('S3Source', () => {
  let server: S3TestServer;
  let put: (key: string, body: string | Uint8Array) => void;

  beforeAll(async () => {
    server = await startS3TestServer({ buckets: ['logs'], rejectAccessKeys: ['AKIAREJECTEDKEY00001'] });
    put = (key, body) => {
      const bytes = Buffer.from(body);
      server.buckets.get('logs')!.set(key, { body: bytes, etag: `"${createHash('md5').update(bytes).digest('hex')}"`, lastModified: new Date(), contentType: 'text/plain' });
    };
    put('a/one.log', 'one\n');
    put('a/two.log', 'two two\n');
    put('big.bin', Buffer.alloc(2 * 1024 * 1024, 7));
  });
  afterAll(async () => {
    await server.close();
  });

  it('names the source and its objects by s3:// URI, rooted at the prefix as a folder', async () => {
    const source = new S3Source({ bucket: 'logs', prefix: 'a' }, { endpoint: server.url });
    expect(source.kind).toBe('s3');
    expect(source.uri).toBe('s3://logs/a');
    const page = await firstPage(source);
    expect(page.map((o) => [o.key, o.uri, o.size])).toEqual([
      ['one.log', 's3://logs/a/one.log', 4],
      ['two.log', 's3://logs/a/two.log', 8],
    ]);
    await source.close();
    expect(new S3Source({ bucket: 'logs', prefix: '' }).uri).toBe('s3://logs');
    expect(new S3Source({ bucket: 'logs', prefix: '/x/y/' }).uri).toBe('s3://logs/x/y');
  });

  it('uses the page size from the options when the list call gives none', async () => {
    const source = new S3Source({ bucket: 'logs', prefix: '' }, { endpoint: server.url, pageSize: 1 });
    const pages: string[][] = [];
    for await (const page of source.list()) pages.push(page.map((o) => o.key));
    expect(pages).toEqual([['a/one.log'], ['a/two.log'], ['big.bin']]);
    await source.close();
  });

  it('a missing bucket is a permanent 404 that names the bucket, not an empty listing', async () => {
    const source = new S3Source({ bucket: 'no-such-bucket', prefix: '' }, { endpoint: server.url });
    const e = await caught(firstPage(source));
    expect(e.transient).toBe(false);
    expect(e.status).toBe(404);
    expect(e.target).toBe('s3://no-such-bucket');
    expect(e.message).toMatch(/bucket does not exist/);
    await source.close();
  });

  it('an unknown access key is a permanent 403 whose error never shows the key', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: 'AKIAREJECTEDKEY00001', AWS_SECRET_ACCESS_KEY: 'very-secret-value' }, async () => {
      const source = new S3Source({ bucket: 'logs', prefix: '' }, { endpoint: server.url });
      for (const attempt of [() => firstPage(source), () => source.stat('a/one.log'), () => readAll(source.read('a/one.log'))]) {
        const e = await caught(attempt());
        expect(e.transient).toBe(false);
        expect(e.status).toBe(403);
        expect(e.message).toMatch(/AWS_ACCESS_KEY_ID/);
        const everything = `${e.message} ${JSON.stringify(e)} ${inspect(e, { depth: 10 })}`;
        expect(everything).not.toContain('AKIAREJECTEDKEY00001');
        expect(everything).not.toContain('very-secret-value');
      }
      await source.close();
    });
  });

  it('no credentials anywhere in the chain is a permanent error that says where credentials come from', async () => {
    await withEnv({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }, async () => {
      const source = new S3Source({ bucket: 'logs', prefix: '' }, { endpoint: server.url });
      const e = await caught(source.stat('a/one.log'));
      expect(e.transient).toBe(false);
      expect(e.message).toMatch(/AWS_PROFILE/);
      await source.close();
    });
  });

  it('takes the region from AWS_DEFAULT_REGION, then the profile, else us-east-1', async () => {
    const configFile = path.join(scratch, 'config');
    writeFileSync(configFile, '[default]\nregion = ap-south-1\n');
    const regionOf = async () => {
      const source = new S3Source({ bucket: 'logs', prefix: '' }, { endpoint: server.url });
      await source.stat('a/one.log');
      await source.close();
      return server.scopes[server.scopes.length - 1].split('/')[1];
    };
    expect(await withEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: 'eu-west-3' }, regionOf)).toBe('eu-west-3');
    expect(await withEnv({ AWS_REGION: undefined, AWS_CONFIG_FILE: configFile }, regionOf)).toBe('ap-south-1');
    expect(await withEnv({ AWS_REGION: undefined }, regionOf)).toBe('us-east-1');
    const explicit = new S3Source({ bucket: 'logs', prefix: '' }, { endpoint: server.url, region: 'sa-east-1' });
    await explicit.stat('a/one.log');
    await explicit.close();
    expect(server.scopes[server.scopes.length - 1].split('/')[1]).toBe('sa-east-1');
  });

  it('finds the endpoint through AWS_ENDPOINT_URL_S3 (read by the SDK) and uses path-style for it', async () => {
    for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
      await withEnv({ [name]: server.url }, async () => {
        const source = new S3Source({ bucket: 'logs', prefix: 'a/' });
        const before = server.requests.length;
        expect((await source.stat('one.log')).size).toBe(4);
        expect(server.requests[before]).toBe('HEAD /logs/a/one.log');
        await source.close();
      });
    }
  });

  it('an empty range fetches nothing; a range past the end is a permanent error', async () => {
    const source = new S3Source({ bucket: 'logs', prefix: '' }, { endpoint: server.url });
    const before = server.requests.length;
    expect((await readAll(source.read('a/one.log', { start: 2, end: 2 }))).length).toBe(0);
    expect(server.requests.length).toBe(before);
    const e = await caught(readAll(source.read('a/one.log', { start: 100 })));
    expect(e.transient).toBe(false);
    expect(e.status).toBe(416);
    expect(e.message).toContain('s3://logs/a/one.log');
    await source.close();
  });

  it('against a server that ignores Range: whole reads still check the length, partial reads fail permanently', async () => {
    const plain = await startS3TestServer({ buckets: ['b'], ignoreRange: true });
    plain.buckets.get('b')!.set('k.log', { body: Buffer.from('0123456789'), etag: '"e"', lastModified: new Date(), contentType: 'text/plain' });
    const source = new S3Source({ bucket: 'b', prefix: '' }, { endpoint: plain.url });
    expect((await readAll(source.read('k.log'))).toString()).toBe('0123456789');
    const e = await caught(readAll(source.read('k.log', { start: 4 })));
    expect(e.transient).toBe(false);
    expect(e.message).toMatch(/ignored the Range header/);
    await source.close();
    await plain.close();
  });

  it('a cancelled read is a permanent error that says so', async () => {
    const source = new S3Source({ bucket: 'logs', prefix: '' }, { endpoint: server.url });
    const controller = new AbortController();
    controller.abort();
    const e = await caught(readAll(source.read('a/one.log', { signal: controller.signal })));
    expect(e.transient).toBe(false);
    expect(e.message).toMatch(/cancelled/);
    await source.close();
  });

  it('writes a large stream as a multipart upload, with at most two parts in memory', async () => {
    const source = new S3Source({ bucket: 'logs', prefix: 'up' }, { endpoint: server.url, partSizeBytes: 1 });
    const size = 11 * 1024 * 1024 + 17; // parts are at least 5 MiB: 5 + 5 + 1
    // the producer reuses (and rewrites) one buffer for every chunk, as stream producers may
    const shared = Buffer.alloc(256 * 1024);
    async function* body() {
      for (let left = size, round = 0; left > 0; round++) {
        const n = Math.min(left, shared.length);
        for (let i = 0; i < n; i++) shared[i] = (i * 31 + round) & 0xff;
        yield shared.subarray(0, n);
        left -= n;
      }
    }
    const expectedHash = createHash('sha256');
    for await (const c of body()) expectedHash.update(c);
    const before = server.requests.length;
    const info = await source.write('big/multi.bin', body(), { contentType: 'application/octet-stream' });
    expect(info.size).toBe(size);
    expect(info.etag).toMatch(/-3"$/);
    const sent = server.requests.slice(before);
    expect(sent.filter((r) => r.startsWith('PUT') && r.includes('partNumber=')).length).toBe(3);
    expect(createHash('sha256').update(await readAll(source.read('big/multi.bin'))).digest('hex')).toBe(expectedHash.digest('hex'));
    // exactly one part's worth also goes as a single PutObject
    const exact = await source.write('big/exact.bin', (async function* () {
      yield Buffer.alloc(5 * 1024 * 1024, 1);
    })());
    expect(exact.size).toBe(5 * 1024 * 1024);
    await source.close();
  });

  describe('through the fault proxy', () => {
    let proxy: FaultProxy;
    let source: S3Source;
    let nextAction: FaultAction = { kind: 'pass' };

    beforeAll(async () => {
      proxy = await startFaultProxy({ target: server.url, policy: () => nextAction });
      source = new S3Source({ bucket: 'logs', prefix: '' }, { endpoint: proxy.url, requestTimeoutMs: 500 });
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
          expect(e.transient).toBe(true);
          expect(e.status).toBe(status);
          expect(e.retryAfterMs).toBe(2000);
        }
      }
      nextAction = { kind: 'status', status: 500 };
      const e = await caught(source.stat('a/one.log'));
      expect([e.transient, e.retryAfterMs]).toEqual([true, null]);
    });

    it('a connection reset before or during the body is transient', async () => {
      nextAction = { kind: 'reset' };
      expect((await caught(source.stat('a/one.log'))).transient).toBe(true);
      nextAction = { kind: 'reset-mid-body', afterBytes: 64 * 1024 };
      const e = await caught(readAll(source.read('big.bin')));
      expect(e.transient).toBe(true);
      expect(e.target).toBe('s3://logs/big.bin');
    });

    it('a body cut short (clean end, no Content-Length) is transient and says how much arrived', async () => {
      const full = await readAll(source.read('big.bin'));
      nextAction = { kind: 'truncate', afterBytes: 100_000 };
      // the proxy drops Content-Length, so only a size check against the object can catch it
      const e = await caught(readAll(source.read('big.bin')));
      expect(e.transient).toBe(true);
      expect(e.message).toMatch(/ended early/);
      expect(full.length).toBe(2 * 1024 * 1024);
    });

    it('a cut-off XML listing is transient, never a short listing', async () => {
      nextAction = { kind: 'truncate', afterBytes: 200 };
      const e = await caught(firstPage(source));
      expect(e.transient).toBe(true);
      expect(e.status).toBe(200);
    });

    it('a stalled response times out as a transient error', async () => {
      nextAction = { kind: 'stall', ms: 3_000 };
      const e = await caught(source.stat('a/one.log'));
      expect(e.transient).toBe(true);
    });

    it('a failed part aborts the multipart upload', async () => {
      const writer = new S3Source({ bucket: 'logs', prefix: '' }, { endpoint: proxy.url, partSizeBytes: 5 * 1024 * 1024 });
      proxy.setPolicy((req) => (req.url.includes('partNumber=2') ? { kind: 'status', status: 503 } : { kind: 'pass' }));
      const before = server.requests.length;
      const e = await caught(
        writer.write('fail/multi.bin', (async function* () {
          for (let i = 0; i < 11; i++) yield Buffer.alloc(1024 * 1024, i);
        })()),
      );
      proxy.setPolicy(() => nextAction);
      expect(e.transient).toBe(true);
      expect(server.requests.slice(before).some((r) => r.startsWith('DELETE /logs/fail/multi.bin?uploadId='))).toBe(true);
      expect(server.buckets.get('logs')!.has('fail/multi.bin')).toBe(false);
      await writer.close();
    });
  });
});

describe('S3 error classification', () => {
  it('keeps a SourceError as it is, and makes unknown errors permanent with their message', () => {
    const original = new SourceError('x', { transient: true, target: 't' });
    expect(s3Error(original, 't', 'read')).toBe(original);
    const odd = s3Error(Object.assign(new Error('bad argument'), { name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } }), 's3://b/k', 'read');
    expect([odd.transient, odd.status]).toEqual([false, 400]);
    expect(odd.message).toContain('bad argument');
    const bare = s3Error(undefined, 's3://b/k', 'list');
    expect(bare.transient).toBe(false);
    expect(bare.message).toContain('unknown error');
    expect(s3Error(Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT' }), 's3://b/k', 'read').transient).toBe(true);
    expect(s3Error(Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' }), 's3://b/k', 'read').transient).toBe(true);
  });
});

describe('S3Source under a seeded fault schedule, with the retry layer', () => {
  it.each([42, 7, 2024])('lists and reads every object exactly once and whole, honouring Retry-After (seed %i)', async (seed) => {
    const server = await startS3TestServer({ buckets: ['faulty'] });
    const expected = new Map<string, string>();
    for (let i = 0; i < 24; i++) {
      const key = `y=2024/m=05/d=01/h=${String(i).padStart(2, '0')}/PT1H.json`;
      const body = Buffer.alloc(150_000 + i * 1000);
      for (let j = 0; j < body.length; j++) body[j] = (j * 7 + i) & 0xff;
      server.buckets.get('faulty')!.set(key, { body, etag: `"${createHash('md5').update(body).digest('hex')}"`, lastModified: new Date(), contentType: 'application/json' });
      expected.set(key, createHash('sha256').update(body).digest('hex'));
    }
    const proxy = await startFaultProxy({
      target: server.url,
      schedule: { seed, rate: 0.35, kinds: ['status', 'reset', 'reset-mid-body', 'truncate'], retryAfterSeconds: 1, maxFaultsPerTarget: 3 },
    });
    const source = createS3Source({ bucket: 'faulty', prefix: '' }, { endpoint: proxy.url, requestTimeoutMs: 5_000 });
    const policy = { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 10, timeoutMs: 5_000 };
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
