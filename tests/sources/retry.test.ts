import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isTransientError,
  parseRetryAfter,
  realSleep,
  resilientRead,
  withRetry,
  type RetryAttemptInfo,
  type RetryPolicy,
} from '../../src/sources/retry.js';
import { SourceError, type ObjectInfo, type ObjectSource, type ReadOptions } from '../../src/sources/types.js';

const POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };
const transient = (msg = 'flaky', extra: { status?: number; retryAfterMs?: number } = {}) => new SourceError(msg, { transient: true, target: 'mem://x', ...extra });
const permanent = (msg = 'gone', status = 404) => new SourceError(msg, { transient: false, target: 'mem://x', status });

/** Records waits instead of waiting. */
function fakeClock() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

/**
 * An in-memory ObjectSource whose reads follow a script, one step per read call: deliver everything,
 * or fail before the first byte, cut the body off (cleanly or with an error) after n bytes, stall, or
 * ignore the range. Chunks are 10 bytes so cut-offs land mid-stream.
 */
type Step =
  | { ok: true }
  | { failBefore: unknown }
  | { cutAfter: number; error?: unknown }
  | { stallAfter: number }
  | { ignoreRange: true }
  | { changeTo: Uint8Array; thenFail?: boolean };

class ScriptedSource implements ObjectSource {
  readonly kind = 'local' as const;
  readonly uri = 'mem://';
  reads: ReadOptions[] = [];
  etag = 'v1';
  constructor(
    public body: Uint8Array,
    private steps: Step[],
  ) {}
  info(): ObjectInfo {
    return { key: 'obj', uri: 'mem://obj', size: this.body.length, etag: this.etag, lastModified: 0 };
  }
  async *list() {
    yield [this.info()];
  }
  async stat() {
    return this.info();
  }
  async *read(_key: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    this.reads.push({ start: options.start, ifMatch: options.ifMatch });
    const step = this.steps.shift() ?? { ok: true };
    if ('changeTo' in step) {
      this.body = step.changeTo;
      this.etag = `v${this.reads.length + 1}`;
    }
    if ('failBefore' in step) throw step.failBefore;
    if (options.ifMatch !== undefined && options.ifMatch !== this.etag) throw new SourceError('precondition failed', { transient: false, status: 412, target: 'mem://obj' });
    const start = 'ignoreRange' in step ? 0 : (options.start ?? 0);
    const limit = 'cutAfter' in step ? step.cutAfter : 'stallAfter' in step ? step.stallAfter : Infinity;
    let sent = 0;
    for (let i = start; i < this.body.length; i += 10) {
      if (sent >= limit) break;
      const chunk = this.body.subarray(i, Math.min(i + 10, this.body.length, i + (limit - sent)));
      sent += chunk.length;
      yield chunk;
    }
    if ('cutAfter' in step && step.error) throw step.error;
    if ('stallAfter' in step) {
      await new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve()));
      throw new SourceError('aborted', { transient: true, target: 'mem://obj' });
    }
  }
  async close() {}
}

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);

async function readAll(iter: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: number[] = [];
  for await (const c of iter) parts.push(...c);
  return Uint8Array.from(parts);
}

describe('backoffDelay', () => {
  it('draws from [0, base·2^(n-1)] capped at maxDelayMs (full jitter)', () => {
    expect(backoffDelay(1, POLICY, () => 0.999)).toBe(99);
    expect(backoffDelay(3, POLICY, () => 0.5)).toBe(200);
    expect(backoffDelay(10, POLICY, () => 0.999)).toBe(999);
    expect(backoffDelay(2, POLICY, () => 0)).toBe(0);
  });

  it('uses Retry-After when it is longer than the jittered delay', () => {
    expect(backoffDelay(1, POLICY, () => 0.5, 3_000)).toBe(3_000);
    expect(backoffDelay(4, POLICY, () => 0.9, 10)).toBe(720);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter(' 0.5 ')).toBe(500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:29:00 GMT'))).toBe(0);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter('')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});

describe('isTransientError', () => {
  it('asks SourceErrors, and judges raw network errors by code', () => {
    expect(isTransientError(transient())).toBe(true);
    expect(isTransientError(permanent())).toBe(false);
    expect(isTransientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false);
    expect(isTransientError(new Error('plain'))).toBe(false);
    expect(isTransientError(null)).toBe(false);
  });
});

describe('withRetry', () => {
  it('retries transient failures with backoff and returns the result', async () => {
    const clock = fakeClock();
    const seen: RetryAttemptInfo[] = [];
    let calls = 0;
    const result = await withRetry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw transient(`try ${attempt}`);
        return 'ok';
      },
      POLICY,
      { sleep: clock.sleep, random: () => 0.5, onRetry: (i) => seen.push(i) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(clock.waits).toEqual([50, 100]);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2]);
  });

  it('honours Retry-After from a 503/429', async () => {
    const clock = fakeClock();
    let n = 0;
    await withRetry(
      async () => {
        if (n++ === 0) throw transient('throttled', { status: 429, retryAfterMs: 2_000 });
        return 1;
      },
      POLICY,
      { sleep: clock.sleep, random: () => 0.1 },
    );
    expect(clock.waits).toEqual([2_000]);
  });

  it('rethrows a permanent error at once, untouched', async () => {
    const clock = fakeClock();
    const err = permanent();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw err;
        },
        POLICY,
        { sleep: clock.sleep },
      ),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
    expect(clock.waits).toEqual([]);
  });

  it('gives up after maxAttempts with an error that names the target and the last failure', async () => {
    const clock = fakeClock();
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw transient('503 Service Unavailable', { status: 503 });
      },
      POLICY,
      { sleep: clock.sleep, random: () => 0, target: 's3://b/k' },
    ).catch((e: unknown) => e as SourceError);
    expect(calls).toBe(4);
    expect(clock.waits).toHaveLength(3);
    expect(err).toBeInstanceOf(SourceError);
    expect(err.message).toMatch(/^s3:\/\/b\/k: still failing after 4 attempt\(s\), giving up: 503 Service Unavailable/);
    expect(err.status).toBe(503);
    const raw = await withRetry(async () => Promise.reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), { ...POLICY, maxAttempts: 1 }).catch((e: unknown) => e as SourceError);
    expect(raw).toMatchObject({ status: null, transient: true, message: expect.stringContaining('operation: still failing after 1') });
  });

  it('times an attempt out, aborts it through its signal, and retries', async () => {
    const clock = fakeClock();
    const aborted: boolean[] = [];
    const result = await withRetry(
      (attempt, signal) =>
        new Promise<string>((resolve) => {
          if (attempt === 2) return resolve('second');
          signal.addEventListener('abort', () => aborted.push(true));
        }),
      { ...POLICY, timeoutMs: 20 },
      { sleep: clock.sleep, random: () => 0 },
    );
    expect(result).toBe('second');
    expect(aborted).toEqual([true]);
  });

  it('stops when the caller aborts, without retrying', async () => {
    const controller = new AbortController();
    let calls = 0;
    const p = withRetry(
      async (_a, signal) => {
        calls++;
        controller.abort(new Error('user stop'));
        throw signal.reason;
      },
      POLICY,
      { signal: controller.signal },
    );
    await expect(p).rejects.toThrow('user stop');
    expect(calls).toBe(1);
  });
});

describe('realSleep', () => {
  it('waits, and rejects when aborted (before or during)', async () => {
    const t0 = Date.now();
    await realSleep(15);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(10);
    const done = new AbortController();
    done.abort(new Error('already'));
    await expect(realSleep(10_000, done.signal)).rejects.toThrow('already');
    const later = new AbortController();
    const p = realSleep(10_000, later.signal);
    later.abort(new Error('later'));
    await expect(p).rejects.toThrow('later');
    const unused = new AbortController();
    await realSleep(1, unused.signal);
  });
});

describe('resilientRead', () => {
  const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100 };

  it('reads a whole object in one go when nothing fails, pinned to the listed etag', async () => {
    const src = new ScriptedSource(bytes(95), []);
    expect(await readAll(resilientRead(src, src.info(), policy))).toEqual(bytes(95));
    expect(src.reads).toEqual([{ start: undefined, ifMatch: 'v1' }]);
  });

  it('resumes a body cut off with an error from the first byte not delivered, with ifMatch', async () => {
    const clock = fakeClock();
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const src = new ScriptedSource(bytes(100), [{ cutAfter: 35, error: reset }, { cutAfter: 20, error: transient('mid-body 503') }]);
    const retries: RetryAttemptInfo[] = [];
    const got = await readAll(resilientRead(src, src.info(), policy, { sleep: clock.sleep, random: () => 0.5, onRetry: (r) => retries.push(r) }));
    expect(got).toEqual(bytes(100));
    expect(src.reads).toEqual([
      { start: undefined, ifMatch: 'v1' },
      { start: 35, ifMatch: 'v1' },
      { start: 55, ifMatch: 'v1' },
    ]);
    expect(clock.waits).toEqual([5, 10]);
    expect(retries.map((r) => r.error)).toEqual([reset, expect.any(SourceError)]);
  });

  it('treats a body that ends cleanly but short of the size as cut off, and resumes', async () => {
    const clock = fakeClock();
    const src = new ScriptedSource(bytes(64), [{ cutAfter: 30 }]);
    expect(await readAll(resilientRead(src, src.info(), policy, { sleep: clock.sleep }))).toEqual(bytes(64));
    expect(src.reads[1]).toEqual({ start: 30, ifMatch: 'v1' });
  });

  it('reads to the end when the size is unknown (nothing to check against)', async () => {
    const src = new ScriptedSource(bytes(40), [{ cutAfter: 30 }]);
    const info = { ...src.info(), size: null, etag: null };
    expect((await readAll(resilientRead(src, info, policy))).length).toBe(30);
    expect(src.reads).toEqual([{ start: undefined, ifMatch: undefined }]);
  });

  it('honours Retry-After between resumed reads', async () => {
    const clock = fakeClock();
    const src = new ScriptedSource(bytes(50), [{ failBefore: transient('429', { status: 429, retryAfterMs: 1_500 }) }]);
    await readAll(resilientRead(src, src.info(), policy, { sleep: clock.sleep, random: () => 0.99 }));
    expect(clock.waits).toEqual([1_500]);
  });

  it('fails after the attempts run out with an error naming the object, having delivered only whole prefixes', async () => {
    const clock = fakeClock();
    const src = new ScriptedSource(bytes(100), Array.from({ length: 5 }, () => ({ cutAfter: 10 }) as Step));
    const parts: Uint8Array[] = [];
    const err = await (async () => {
      for await (const c of resilientRead(src, src.info(), policy, { sleep: clock.sleep })) parts.push(c);
    })().catch((e: unknown) => e as SourceError);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).message).toMatch(/^mem:\/\/obj: still failing after 5 attempt\(s\).*body cut off after 50 of 100 bytes/);
    expect(Uint8Array.from(parts.flatMap((p) => [...p]))).toEqual(bytes(50));
  });

  it('rethrows a permanent error at once (a missing object is not retried)', async () => {
    const src = new ScriptedSource(bytes(10), [{ failBefore: permanent('not found') }]);
    await expect(readAll(resilientRead(src, src.info(), policy))).rejects.toMatchObject({ message: 'not found', transient: false });
    expect(src.reads).toHaveLength(1);
  });

  it('refuses a service that ignores the range (more bytes than the size): versions or offsets must not mix', async () => {
    const clock = fakeClock();
    const src = new ScriptedSource(bytes(40), [{ cutAfter: 20 }, { ignoreRange: true }]);
    await expect(readAll(resilientRead(src, src.info(), policy, { sleep: clock.sleep }))).rejects.toMatchObject({
      transient: false,
      message: expect.stringContaining('more bytes than the object'),
    });
  });

  it('re-reads an object that changed before any byte was delivered, as its new version', async () => {
    const src = new ScriptedSource(bytes(30), [{ changeTo: bytes(45) }]);
    const seen: RetryAttemptInfo[] = [];
    expect(await readAll(resilientRead(src, src.info(), policy, { onRetry: (r) => seen.push(r) }))).toEqual(bytes(45));
    expect(src.reads.map((r) => r.ifMatch)).toEqual(['v1', 'v2']);
    expect(seen).toHaveLength(1);
  });

  it('fails plainly when the object changes after bytes were delivered', async () => {
    const clock = fakeClock();
    const src = new ScriptedSource(bytes(30), [{ cutAfter: 10 }, { changeTo: bytes(30) }]);
    await expect(readAll(resilientRead(src, src.info(), policy, { sleep: clock.sleep }))).rejects.toMatchObject({
      transient: false,
      status: 412,
      message: expect.stringContaining('changed while it was being read (after 10 byte(s)); run again'),
    });
  });

  it('times out a stalled body, aborts that read, and resumes', async () => {
    const clock = fakeClock();
    const src = new ScriptedSource(bytes(60), [{ stallAfter: 20 }]);
    const got = await readAll(resilientRead(src, src.info(), { ...policy, timeoutMs: 30 }, { sleep: clock.sleep }));
    expect(got).toEqual(bytes(60));
    expect(src.reads[1]).toEqual({ start: 20, ifMatch: 'v1' });
  });

  it('stops when the caller aborts, without retrying', async () => {
    const controller = new AbortController();
    const src = new ScriptedSource(bytes(60), [{ cutAfter: 10, error: transient() }]);
    const it = resilientRead(src, src.info(), policy, { signal: controller.signal });
    const first = await it.next();
    expect(first.done).toBe(false);
    controller.abort(new Error('stop'));
    await expect(it.next()).rejects.toMatchObject({ message: 'flaky' });
    expect(src.reads).toHaveLength(1);
  });

  it('has sane defaults', () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThan(1);
    expect(DEFAULT_RETRY_POLICY.maxDelayMs).toBeGreaterThan(DEFAULT_RETRY_POLICY.baseDelayMs);
  });
});
